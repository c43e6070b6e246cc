//! `ledger produce`: a block from the mempool.

use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;
use zkcredit_ledger::Ledger;

/// Arguments of `ledger produce`.
#[derive(Debug, clap::Args)]
pub struct ProduceArgs {
    /// Ledger directory.
    #[arg(long)]
    dir: PathBuf,
    /// Block time, unix seconds (default: now, or the last block's if later).
    #[arg(long)]
    time: Option<u64>,
    /// Make a block even when the mempool is empty and nothing is due (without it, an empty
    /// mempool still makes a block when loans are due for servicing or a vote has ended).
    #[arg(long)]
    allow_empty: bool,
}

/// Runs `ledger produce`: exit 0 when every transaction was included (or there was nothing
/// to do), 1 when some were rejected (each printed with its reason, and recorded for
/// `ledger status`).
pub fn run(a: &ProduceArgs) -> Result<ExitCode> {
    let mut l = Ledger::open(&a.dir)?;
    let t = a
        .time
        .unwrap_or_else(|| crate::files::unix_now().max(l.state().core().time));
    // An empty mempool makes no block, unless the block has work of its own at `t`
    // (servicing due loans, closing ended votes) or one is asked for.
    if !a.allow_empty && l.pending()?.is_empty() && !l.state().block_work_due(t) {
        println!("mempool is empty and nothing is due: no block made (--allow-empty makes one)");
        return Ok(ExitCode::SUCCESS);
    }
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
    Ok(ExitCode::SUCCESS)
}
