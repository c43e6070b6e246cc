//! `zkcredit demo`: a whole lending co-op on a fresh proof-carrying ledger.
//!
//! Members join and deposit, a bureau attests credentials, loans are applied for with policy
//! proofs (one approved automatically, one refused by the prover, one tampered proof refused
//! by the ledger, one large loan passed by an anonymous member vote), instalments are repaid,
//! one loan defaults and the reserve absorbs it, profits are distributed, a borrower proves a
//! clean repayment history from the co-op's own credential for a second loan, and the ledger
//! is replayed and verified. Any step that misbehaves ends the demo with an error (exit 2).
//!
//! Members' actions go through the client crate (`zkcredit_client::Session`), as
//! `zkcredit coop` does. Files: [`setup`] (keys, parameters, policies), [`coop`] (the co-op
//! driver), [`story`] (governance to loans), [`servicing`] (instalments to history),
//! [`kit`] (what the demo leaves a member to carry on with).

mod coop;
mod kit;
mod remote;
mod servicing;
mod setup;
mod story;

use anyhow::{ensure, Result};
use ed25519_dalek::SigningKey;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use zkcredit_circuits::statement::CircuitId;
use zkcredit_client::{LocalChain, Session};
use zkcredit_ledger::{Genesis, Ledger, TxBody};

use coop::{money, ms, Coop};
use setup::{demo_keys, key_cache, record, SEED, T0};

/// Arguments of `zkcredit demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Leave the ledger in this directory (with the keys, and the members', officers' and
    /// bureau's files under it) instead of a temporary one.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Tree depth of the circuits (20 is the real size; smaller is faster).
    #[arg(long, default_value_t = 20)]
    pub depth: usize,
    /// Tell the story against a running node serving a demo ledger instead (`demo --dir D`,
    /// then `node --dir D`); --dir then only locates the cached keys.
    #[arg(long)]
    pub node: Option<String>,
}

/// Runs the demo.
pub fn run(args: &Args) -> Result<ExitCode> {
    if let Some(url) = &args.node {
        return remote::run(args, url);
    }
    let started = Instant::now();
    let tmp;
    let dir = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            tmp = TempDir::new()?;
            tmp.0.join("ledger")
        }
    };
    if dir.join(zkcredit_ledger::DB_FILE).exists() {
        std::fs::remove_file(dir.join(zkcredit_ledger::DB_FILE))?;
    }

    println!("zkcredit demo — a lending co-op on a proof-carrying ledger\n");
    println!(
        "[0] Keys (seeded, INSECURE: demo only), depth {}",
        args.depth
    );
    let cache = key_cache(args.dir.as_deref());
    let t = Instant::now();
    let (policy_keys, c1) = demo_keys(&cache, CircuitId::Policy { depth: args.depth }, SEED)?;
    let (member_keys, c2) = demo_keys(
        &cache,
        CircuitId::Membership { depth: args.depth },
        SEED + 1,
    )?;
    println!(
        "      {} and {}: {} in {} ({})",
        policy_keys.id,
        member_keys.id,
        if c1 && c2 {
            "loaded from cache"
        } else {
            "generated"
        },
        ms(t),
        cache.display()
    );

    let officers: Vec<SigningKey> = (1..=3u8)
        .map(|i| SigningKey::from_bytes(&[i; 32]))
        .collect();
    let cast = story::Cast::new();
    let genesis = Genesis {
        params: setup::params(
            args.depth,
            officers
                .iter()
                .map(|k| k.verifying_key().to_bytes())
                .collect(),
        ),
        time: T0,
        keys: vec![record(&policy_keys)?, record(&member_keys)?],
    };
    let ledger = Ledger::init(&dir, &genesis)?;
    println!(
        "      ledger at {} (redb, immediate durability, two-phase commit)",
        dir.display()
    );
    println!(
        "      officers: 3, treasury actions above {} need 2 signatures",
        money(500_000)
    );
    let session = Session::new(LocalChain::new(ledger))
        .with_policy_keys(policy_keys)
        .with_membership_keys(member_keys)
        .with_seed(SEED);
    let mut coop = Coop {
        session,
        time: T0,
        officers,
    };

    story::governance(&mut coop, &cast)?;
    let creds = story::attest(&mut coop, &cast)?;
    story::join(&mut coop, &cast, &creds)?;
    let loans = story::loans(&mut coop, &cast, &creds)?;
    servicing::service(&mut coop, &cast, &loans)?;
    servicing::distribute(&mut coop, &cast)?;
    let history = servicing::history(&mut coop, &cast)?;

    println!("\n[13] Replay: the ledger is rebuilt from genesis and checked");
    let height = coop.ledger().height();
    let hash = coop.ledger().state_hash();
    let t = Instant::now();
    let report = coop.ledger().verify()?;
    println!(
        "      {} blocks, {} transactions, {} proofs re-verified in {}",
        report.blocks,
        report.txs,
        report.proofs,
        ms(t)
    );
    let prove_ms = std::mem::take(&mut coop.session.prove_ms);
    drop(coop);
    let reopened = Ledger::open(&dir)?;
    ensure!(
        reopened.height() == height && reopened.state_hash() == hash,
        "reopened ledger differs"
    );
    println!("      height {height}, state hash {}", hex::encode(hash));
    let avg = prove_ms.iter().sum::<f64>() / prove_ms.len().max(1) as f64;
    let single = {
        let b = reopened.block(loans.ben_apply_height)?;
        let t = Instant::now();
        if let Some(TxBody::ApplyLoan { proof, .. }) = b.txs.first().map(|t| &t.body) {
            let env = zkcredit_ledger::keys::envelope(&reopened.keys().policy, proof)?;
            reopened.keys().policy.verify(&env)?;
        }
        t.elapsed().as_secs_f64() * 1e3
    };
    drop(reopened);
    if let Some(d) = &args.dir {
        kit::write(d, &cast, &creds, &history, args.depth)?;
    }
    println!(
        "\nAll steps behaved. {} proofs made (avg {avg:.0} ms each), one verifies in {single:.1} ms; total {:.1} s.",
        prove_ms.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// A temporary directory removed on drop (the demo's default ledger location).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let p = std::env::temp_dir().join(format!("zkcredit-demo-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p)?;
        Ok(Self(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
