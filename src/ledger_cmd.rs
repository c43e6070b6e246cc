//! `zkcredit ledger`: create, feed, inspect and verify a proof-carrying co-op ledger.

use anyhow::{anyhow, bail, Context, Result};
use ark_serialize::CanonicalSerialize;
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zkcredit_circuits::credential::Credential;
use zkcredit_circuits::field::{from_decimal, to_decimal};
use zkcredit_circuits::statement::CircuitId;
use zkcredit_ledger::{Genesis, KeyRecord, Ledger, Params, Tx, TxBody};

/// Arguments of `zkcredit ledger`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Make an ed25519 account key (JSON with the secret seed and the account).
    Keygen {
        /// Where to write the key.
        #[arg(long)]
        out: PathBuf,
    },
    /// Create a ledger: genesis with the verifying keys, officers and parameters.
    Init {
        /// Ledger directory.
        #[arg(long)]
        dir: PathBuf,
        /// Keys directory of the policy circuit (from `zkcredit setup`).
        #[arg(long)]
        policy_keys: PathBuf,
        /// Keys directory of the membership circuit.
        #[arg(long)]
        membership_keys: PathBuf,
        /// An officer: a key file from `ledger keygen` or a hex account. Repeat for each.
        #[arg(long = "officer", required = true)]
        officers: Vec<String>,
        /// Officer signatures needed for governance and large treasury actions.
        #[arg(long, default_value_t = 1)]
        threshold: u32,
        /// Chain id.
        #[arg(long, default_value = "zkcredit-coop")]
        chain_id: String,
        /// Genesis time, unix seconds (default: now).
        #[arg(long)]
        time: Option<u64>,
        /// Parameters as JSON (a `Params` object) instead of the defaults.
        #[arg(long)]
        params: Option<PathBuf>,
    },
    /// Sign a transaction body (JSON) with a key and queue it in the mempool.
    Submit {
        /// Ledger directory.
        #[arg(long)]
        dir: PathBuf,
        /// Signer's key file.
        #[arg(long)]
        key: PathBuf,
        /// Transaction body as JSON, e.g. `{"Deposit":{"amount":500}}`.
        #[arg(long)]
        body: PathBuf,
        /// Co-signing officer key files.
        #[arg(long = "cosign")]
        cosign: Vec<PathBuf>,
    },
    /// Sign a transaction body (JSON) for a node: prints `{"tx": "<hex>"}`, the body of
    /// `POST /v1/tx`. The chain id and nonce come from the node (`GET /v1/head`,
    /// `GET /v1/accounts/{account}`), since the node holds the ledger.
    Sign {
        /// Signer's key file.
        #[arg(long)]
        key: PathBuf,
        /// Transaction body as JSON, e.g. `{"Attest":{"commitment":"123"}}`.
        #[arg(long)]
        body: PathBuf,
        /// The chain id.
        #[arg(long)]
        chain_id: String,
        /// The signer's next nonce.
        #[arg(long)]
        nonce: u64,
        /// Co-signing officer key files.
        #[arg(long = "cosign")]
        cosign: Vec<PathBuf>,
    },
    /// Make a block from the mempool and commit it.
    Produce {
        /// Ledger directory.
        #[arg(long)]
        dir: PathBuf,
        /// Block time, unix seconds (default: now, or the last block's if later).
        #[arg(long)]
        time: Option<u64>,
    },
    /// Show the chain head, the pool and the counts.
    Show {
        /// Ledger directory.
        #[arg(long)]
        dir: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Replay every block from genesis and check every hash, signature and proof.
    Verify {
        /// Ledger directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Print a credential's registry path and the current root (JSON), for `prove policy`.
    Path {
        /// Ledger directory.
        #[arg(long)]
        dir: PathBuf,
        /// Credential file (JSON); its leaf is looked up.
        #[arg(long, conflicts_with = "leaf")]
        credential: Option<PathBuf>,
        /// The registry leaf, decimal.
        #[arg(long)]
        leaf: Option<String>,
    },
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    secret: String,
    account: String,
}

fn load_key(path: &Path) -> Result<SigningKey> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let kf: KeyFile =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let bytes: [u8; 32] = hex::decode(&kf.secret)?
        .try_into()
        .map_err(|_| anyhow!("{}: secret is not 32 bytes", path.display()))?;
    Ok(SigningKey::from_bytes(&bytes))
}

fn account_of(s: &str) -> Result<[u8; 32]> {
    let p = Path::new(s);
    if p.exists() {
        return Ok(load_key(p)?.verifying_key().to_bytes());
    }
    hex::decode(s)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow!("officer {s:?} is neither a key file nor 64 hex digits"))
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn key_record(dir: &Path, want: CircuitId) -> Result<KeyRecord> {
    let key = zkcredit_verifier::VerifierKey::load(dir)
        .map_err(|e| anyhow!("keys {}: {e}", dir.display()))?;
    if key.circuit() != want.to_string() {
        bail!(
            "{} holds keys for {}, expected {want}",
            dir.display(),
            key.circuit()
        );
    }
    let mut vk = Vec::new();
    key.vk().serialize_compressed(&mut vk)?;
    Ok(KeyRecord {
        circuit: key.circuit().to_string(),
        vk,
        insecure: key.is_insecure(),
    })
}

/// Runs `zkcredit ledger …`.
pub fn run(args: &Args) -> Result<ExitCode> {
    match &args.command {
        Command::Keygen { out } => {
            let key = SigningKey::generate(&mut rand::rngs::OsRng);
            let kf = KeyFile {
                secret: hex::encode(key.to_bytes()),
                account: hex::encode(key.verifying_key().to_bytes()),
            };
            std::fs::write(out, serde_json::to_string_pretty(&kf)? + "\n")?;
            println!("{}", kf.account);
        }
        Command::Init {
            dir,
            policy_keys,
            membership_keys,
            officers,
            threshold,
            chain_id,
            time,
            params,
        } => {
            let pk = zkcredit_verifier::VerifierKey::load(policy_keys)
                .map_err(|e| anyhow!("keys {}: {e}", policy_keys.display()))?;
            let depth = match pk.circuit().parse::<CircuitId>()? {
                CircuitId::Policy { depth } => depth,
                other => bail!(
                    "{} holds {other} keys, not policy keys",
                    policy_keys.display()
                ),
            };
            let params = match params {
                Some(p) => serde_json::from_str(&std::fs::read_to_string(p)?)
                    .with_context(|| format!("parsing {}", p.display()))?,
                None => Params::new(
                    chain_id,
                    depth as u32,
                    officers
                        .iter()
                        .map(|o| account_of(o))
                        .collect::<Result<_>>()?,
                    *threshold,
                ),
            };
            let genesis = Genesis {
                params,
                time: time.unwrap_or_else(unix_now),
                keys: vec![
                    key_record(policy_keys, CircuitId::Policy { depth })?,
                    key_record(membership_keys, CircuitId::Membership { depth })?,
                ],
            };
            let l = Ledger::init(dir, &genesis)?;
            println!(
                "initialised {} (chain {}, depth {depth}), genesis {}",
                dir.display(),
                genesis.params.chain_id,
                hex::encode(l.head_hash())
            );
        }
        Command::Submit {
            dir,
            key,
            body,
            cosign,
        } => {
            let l = Ledger::open(dir)?;
            let key = load_key(key)?;
            let body: TxBody = serde_json::from_str(&std::fs::read_to_string(body)?)
                .with_context(|| format!("parsing {}", body.display()))?;
            let signer = key.verifying_key().to_bytes();
            let pending = l.mempool()?.iter().filter(|t| t.signer == signer).count() as u64;
            let chain = l.state().params().chain_id.clone();
            let mut tx = Tx::sign(&chain, &key, l.state().nonce(&signer) + pending, body);
            for c in cosign {
                tx = tx.cosign(&chain, &load_key(c)?);
            }
            let h = l.submit(&tx)?;
            println!(
                "queued {} {} (nonce {})",
                tx.body.kind(),
                hex::encode(h),
                tx.nonce
            );
        }
        Command::Sign {
            key,
            body,
            chain_id,
            nonce,
            cosign,
        } => {
            let key = load_key(key)?;
            let body: TxBody = serde_json::from_str(&std::fs::read_to_string(body)?)
                .with_context(|| format!("parsing {}", body.display()))?;
            let mut tx = Tx::sign(chain_id, &key, *nonce, body);
            for c in cosign {
                tx = tx.cosign(chain_id, &load_key(c)?);
            }
            let tx = hex::encode(zkcredit_ledger::codec::encode(&tx));
            println!("{}", serde_json::json!({ "tx": tx }));
        }
        Command::Produce { dir, time } => {
            let mut l = Ledger::open(dir)?;
            let t = time.unwrap_or_else(|| unix_now().max(l.state().core().time));
            let p = l.produce_from_mempool(t)?;
            println!(
                "block {} {}: {} transaction(s), {} proof(s)",
                p.block.header.height,
                hex::encode(p.hash),
                p.block.txs.len(),
                p.proofs
            );
            for r in &p.rejected {
                println!("rejected {} {}: {}", r.kind, hex::encode(r.hash), r.error);
            }
            if !p.rejected.is_empty() {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Show { dir, json } => {
            let l = Ledger::open(dir)?;
            let s = l.state();
            let c = s.core();
            let v = serde_json::json!({
                "chain_id": s.params().chain_id,
                "height": l.height(),
                "time": c.time,
                "state_hash": hex::encode(l.state_hash()),
                "head_hash": hex::encode(l.head_hash()),
                "members": c.members.len(),
                "issuers": c.issuers.len(),
                "registry_leaves": c.registry_len,
                "registry_root": to_decimal(&s.registry().root()),
                "member_root": to_decimal(&s.member_tree().root()),
                "policies": c.policies.len(),
                "loans": c.loans.len(),
                "proposals": c.proposals.len(),
                "nullifiers": c.nullifier_count,
                "pool": c.pool,
                "free_liquidity": c.pool.free_liquidity(),
            });
            if *json {
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!(
                    "chain {} height {} time {}",
                    s.params().chain_id,
                    l.height(),
                    c.time
                );
                println!("state hash {}", hex::encode(l.state_hash()));
                println!("head       {}", hex::encode(l.head_hash()));
                println!(
                    "members {} issuers {} credentials {} policies {} loans {} proposals {} nullifiers {}",
                    c.members.len(),
                    c.issuers.len(),
                    c.registry_len,
                    c.policies.len(),
                    c.loans.len(),
                    c.proposals.len(),
                    c.nullifier_count
                );
                let p = &c.pool;
                println!(
                    "pool: cash {} outstanding {} reserve {} undistributed {} capital {} free {}",
                    p.cash,
                    p.outstanding,
                    p.reserve,
                    p.undistributed,
                    p.total_capital,
                    p.free_liquidity()
                );
            }
        }
        Command::Verify { dir } => {
            let l = Ledger::open(dir)?;
            let t = std::time::Instant::now();
            match l.verify() {
                Ok(r) => println!(
                    "ok: {} blocks, {} transactions, {} proofs replayed in {:.0} ms; state hash {}",
                    r.blocks,
                    r.txs,
                    r.proofs,
                    t.elapsed().as_secs_f64() * 1e3,
                    hex::encode(r.state_hash)
                ),
                Err(e) => {
                    eprintln!("verification failed: {e}");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        Command::Path {
            dir,
            credential,
            leaf,
        } => {
            let l = Ledger::open(dir)?;
            let leaf = match (credential, leaf) {
                (Some(p), _) => {
                    let c: Credential = serde_json::from_str(&std::fs::read_to_string(p)?)
                        .with_context(|| format!("parsing {}", p.display()))?;
                    c.leaf()
                }
                (None, Some(s)) => from_decimal(s)?,
                (None, None) => bail!("give --credential FILE or --leaf DECIMAL"),
            };
            let (path, root) = l.credential_path(&leaf)?;
            let v = serde_json::json!({
                "leaf": to_decimal(&leaf),
                "index": path.index,
                "siblings": path
                    .siblings
                    .iter()
                    .map(|level| level.iter().map(to_decimal).collect::<Vec<_>>())
                    .collect::<Vec<_>>(),
                "root": to_decimal(&root),
                "height": l.height(),
            });
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}
