//! `zkcredit ledger`: create, feed, inspect and verify a proof-carrying co-op ledger.
//!
//! One file per group: [`init`] (genesis, parameters), [`txfile`] (sign, submit, status),
//! [`produce`], [`show`] (listings), [`path`].

mod init;
mod path;
mod produce;
mod show;
mod txfile;

pub use txfile::print_status;

use anyhow::{anyhow, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `zkcredit ledger`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Make an ed25519 account key (JSON with the secret seed and the account), readable only
    /// by you (mode 0600); refuses to overwrite an existing file.
    Keygen {
        /// Where to write the key (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Create a ledger: genesis with the verifying keys, officers and parameters.
    Init(init::InitArgs),
    /// Print the parameters a new ledger gets (`--defaults`), as JSON for `init --params`.
    Params(init::ParamsArgs),
    /// Sign a transaction body into a signed transaction file a member can hand to an
    /// operator (`ledger submit --tx`) or POST to a node (`curl -d @tx.json URL/v1/tx`).
    Sign(txfile::SignArgs),
    /// Queue a transaction in a ledger's mempool: a body signed here (`--body`, with the
    /// signer's key) or a signed transaction file (`--tx`). `-` reads standard input.
    Submit(txfile::SubmitArgs),
    /// The fate of a transaction: pending, included (height, index) or rejected (reason).
    Status(txfile::StatusArgs),
    /// Make a block from the mempool and commit it (no block when the mempool is empty and
    /// nothing is due for servicing or closing, unless --allow-empty).
    Produce(produce::ProduceArgs),
    /// Show the chain head, the pool, members, accounts and nonces, issuers, policies, loans
    /// (with schedules and what is due) and proposals.
    Show(show::ShowArgs),
    /// Replay every block from genesis and check every hash, signature and proof.
    Verify {
        /// Ledger directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Print a credential's registry path and the current root (JSON), for `prove policy`.
    Path(path::PathArgs),
}

/// Reads an account key file.
pub fn load_key(path: &Path) -> Result<ed25519_dalek::SigningKey> {
    zkcredit_client::keyfile::load(path).map_err(|e| anyhow!(e))
}

/// An account given as a key file or 64 hex digits.
pub fn account_of(s: &str) -> Result<[u8; 32]> {
    let p = Path::new(s);
    if p.exists() {
        return Ok(load_key(p)?.verifying_key().to_bytes());
    }
    hex::decode(s)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow!("account {s:?} is neither a key file nor 64 hex digits"))
}

/// Reads a file, or standard input for `-`.
pub fn read_input(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| anyhow!("reading standard input: {e}"))?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| anyhow!("cannot read {}: {e}", path.display()))
}

/// Runs `zkcredit ledger …`.
pub fn run(args: &Args) -> Result<ExitCode> {
    match &args.command {
        Command::Keygen { out } => {
            let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
            zkcredit_client::keyfile::save(out, &key).map_err(|e| anyhow!(e))?;
            println!("{}", hex::encode(key.verifying_key().to_bytes()));
            Ok(ExitCode::SUCCESS)
        }
        Command::Init(a) => init::run_init(a),
        Command::Params(a) => init::run_params(a),
        Command::Sign(a) => txfile::run_sign(a),
        Command::Submit(a) => txfile::run_submit(a),
        Command::Status(a) => txfile::run_status(a),
        Command::Produce(a) => produce::run(a),
        Command::Show(a) => show::run(a),
        Command::Verify { dir } => {
            let l = zkcredit_ledger::Ledger::open(dir)?;
            let t = std::time::Instant::now();
            match l.verify() {
                Ok(r) => {
                    println!(
                        "ok: {} blocks, {} transactions, {} proofs replayed in {:.0} ms; state hash {}",
                        r.blocks,
                        r.txs,
                        r.proofs,
                        t.elapsed().as_secs_f64() * 1e3,
                        hex::encode(r.state_hash)
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("verification failed: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Path(a) => path::run(a),
    }
}
