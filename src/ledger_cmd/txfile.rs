//! `ledger sign`, `ledger submit`, `ledger status`: signed transaction files and their fate.
//!
//! A transaction body is JSON (`docs/formats.md`): the variant name and its fields, field
//! elements as decimal strings, bytes and accounts as hex, e.g. `{"Deposit":{"amount":500}}`.
//! A signed transaction file is `{"tx": {signer, nonce, body, signature, cosignatures}}`: the
//! very body of `POST /v1/tx`, so it can be handed to an operator or posted to a node.

use super::{load_key, read_input};
use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zkcredit_client::{Chain, LocalChain, NodeChain};
use zkcredit_ledger::{codec, Tx, TxBody, TxStatus};

/// Where the chain is: a ledger directory or a node.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// Ledger directory.
    #[arg(long, conflicts_with = "node")]
    dir: Option<PathBuf>,
    /// A node's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    node: Option<String>,
}

impl Target {
    fn open(&self) -> Result<Box<dyn Chain>> {
        match (&self.dir, &self.node) {
            (Some(d), _) => Ok(Box::new(LocalChain::open(d)?)),
            (None, Some(u)) => Ok(Box::new(NodeChain::new(u)?)),
            (None, None) => bail!("give --dir DIR (a ledger) or --node URL"),
        }
    }
}

/// Arguments of `ledger sign`.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// Transaction body as JSON, from a file or `-` for standard input,
    /// e.g. `{"Deposit":{"amount":500}}` (docs/formats.md).
    #[arg(long)]
    body: PathBuf,
    /// Signer's key file.
    #[arg(long)]
    key: PathBuf,
    /// Co-signing officer key files.
    #[arg(long = "cosign")]
    cosign: Vec<PathBuf>,
    /// Where to write the signed transaction (`-`: standard output). Not overwritten.
    #[arg(long)]
    out: PathBuf,
    /// Nonce (default: the signer's next nonce on the chain given by --dir or --node).
    #[arg(long)]
    nonce: Option<u64>,
    /// Chain id (default: the chain's, from --dir or --node).
    #[arg(long)]
    chain_id: Option<String>,
    #[command(flatten)]
    target: Target,
}

/// Arguments of `ledger submit`.
#[derive(Debug, clap::Args)]
pub struct SubmitArgs {
    /// Transaction body as JSON, from a file or `-` for standard input, signed here with
    /// --key, e.g. `{"Deposit":{"amount":500}}` (docs/formats.md).
    #[arg(long, conflicts_with = "tx", requires = "key")]
    body: Option<PathBuf>,
    /// Signer's key file (with --body).
    #[arg(long)]
    key: Option<PathBuf>,
    /// Co-signing officer key files (with --body).
    #[arg(long = "cosign")]
    cosign: Vec<PathBuf>,
    /// A signed transaction file from `ledger sign` (or `-` for standard input).
    #[arg(long)]
    tx: Option<PathBuf>,
    #[command(flatten)]
    target: Target,
}

/// Arguments of `ledger status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Transaction hash (64 hex digits).
    hash: String,
    #[command(flatten)]
    target: Target,
}

fn parse_body(text: &str, what: &str) -> Result<TxBody> {
    serde_json::from_str(text).map_err(|e| {
        anyhow!("{what}: not a transaction body: {e} (see docs/formats.md, e.g. {{\"Deposit\":{{\"amount\":500}}}})")
    })
}

/// Parses a signed transaction: `{"tx": {...}}`, `{"tx": "hex"}` or a bare transaction object.
pub fn parse_tx(text: &str, what: &str) -> Result<Tx> {
    let v: Value = serde_json::from_str(text).with_context(|| format!("{what}: not JSON"))?;
    let inner = match v.get("tx") {
        Some(t) => t.clone(),
        None => v,
    };
    match inner {
        Value::String(h) => {
            let bytes = hex::decode(h.trim()).with_context(|| format!("{what}: tx is not hex"))?;
            codec::decode(&bytes).map_err(|e| anyhow!("{what}: {e}"))
        }
        v => {
            serde_json::from_value(v).map_err(|e| anyhow!("{what}: not a signed transaction: {e}"))
        }
    }
}

fn sign(
    chain: Option<&dyn Chain>,
    body: TxBody,
    key: &Path,
    cosign: &[PathBuf],
    nonce: Option<u64>,
    chain_id: Option<&str>,
) -> Result<Tx> {
    let key = load_key(key)?;
    let chain_id = match (chain_id, chain) {
        (Some(c), _) => c.to_string(),
        (None, Some(ch)) => ch.chain_id()?,
        (None, None) => bail!("give --chain-id, or --dir/--node to read it"),
    };
    let nonce = match (nonce, chain) {
        (Some(n), _) => n,
        (None, Some(ch)) => ch.next_nonce(&key.verifying_key().to_bytes())?,
        (None, None) => bail!("give --nonce, or --dir/--node to read the next one"),
    };
    let mut tx = Tx::sign(&chain_id, &key, nonce, body);
    for c in cosign {
        tx = tx.cosign(&chain_id, &load_key(c)?);
    }
    Ok(tx)
}

/// Runs `ledger sign`.
pub fn run_sign(a: &SignArgs) -> Result<ExitCode> {
    let body = parse_body(&read_input(&a.body)?, &a.body.display().to_string())?;
    let chain = if a.target.dir.is_some() || a.target.node.is_some() {
        Some(a.target.open()?)
    } else {
        None
    };
    let tx = sign(
        chain.as_deref(),
        body,
        &a.key,
        &a.cosign,
        a.nonce,
        a.chain_id.as_deref(),
    )?;
    let text = serde_json::to_string_pretty(&serde_json::json!({ "tx": tx }))? + "\n";
    if a.out == Path::new("-") {
        print!("{text}");
    } else {
        crate::files::write_file(&a.out, text.as_bytes(), false, false)?;
        eprintln!(
            "signed {} {} (nonce {}) into {}",
            tx.body.kind(),
            hex::encode(tx.hash()),
            tx.nonce,
            a.out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `ledger submit`.
pub fn run_submit(a: &SubmitArgs) -> Result<ExitCode> {
    let mut chain = a.target.open()?;
    let tx = match (&a.body, &a.tx, &a.key) {
        (Some(b), None, Some(k)) => {
            let body = parse_body(&read_input(b)?, &b.display().to_string())?;
            sign(Some(chain.as_ref()), body, k, &a.cosign, None, None)?
        }
        (None, Some(t), _) => parse_tx(&read_input(t)?, &t.display().to_string())?,
        _ => bail!("give --body FILE --key KEY, or --tx FILE (`-`: standard input)"),
    };
    let h = chain.submit(&tx)?;
    println!(
        "queued {} {} (nonce {})",
        tx.body.kind(),
        hex::encode(h),
        tx.nonce
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints a status line; exit 1 for a rejected transaction.
pub fn print_status(hash: &str, st: &TxStatus) -> ExitCode {
    match st {
        TxStatus::Pending => {
            println!("{hash}: pending");
            ExitCode::SUCCESS
        }
        TxStatus::Included { height, index } => {
            println!("{hash}: included at height {height}, index {index}");
            ExitCode::SUCCESS
        }
        TxStatus::Rejected {
            height,
            reason,
            code,
        } => {
            println!("{hash}: rejected at height {height}: {reason} [{code}]");
            ExitCode::from(1)
        }
    }
}

/// Runs `ledger status`: exit 0 pending or included, 1 rejected, 2 unknown hash.
pub fn run_status(a: &StatusArgs) -> Result<ExitCode> {
    let h: [u8; 32] = hex::decode(a.hash.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow!("hash: {:?} is not 64 hex digits", a.hash))?;
    let chain = a.target.open()?;
    match chain.status(&h)? {
        Some(st) => Ok(print_status(&a.hash, &st)),
        None => bail!("no transaction {} known to this chain", a.hash),
    }
}
