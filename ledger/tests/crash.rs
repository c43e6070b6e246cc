//! Crash consistency, in the style of redb's `crash_consistency` tests: a child process (this
//! test binary, re-run with an environment variable) writes blocks in a loop; the parent kills
//! it with SIGKILL at an arbitrary moment, reopens the store and replays it. Every time the
//! ledger must open at the last whole block and verify.

mod common;

use common::*;
use std::process::{Command, Stdio};
use std::time::Duration;
use zkcredit_circuits::Fr;
use zkcredit_ledger::{Ledger, TxBody};

const CHILD_ENV: &str = "ZKCREDIT_LEDGER_CRASH_CHILD";

/// The writer. Does nothing unless started by `kill_mid_block_and_reopen`.
#[test]
fn crash_child_writer() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let mut ledger = Ledger::open(std::path::Path::new(&dir)).unwrap();
    let mut time = ledger.state().core().time;
    let start = ledger.height();
    for i in 0.. {
        time += 10;
        // Each block: the issuer attests a credential and the member deposits.
        let sign = |k: &ed25519_dalek::SigningKey, body| {
            let n = ledger.state().nonce(&acct(k));
            zkcredit_ledger::Tx::sign(CHAIN, k, n, body)
        };
        let attest = sign(
            &sk(10),
            TxBody::Attest {
                commitment: Fr::from(10_000 + start + i),
            },
        );
        let deposit = sign(&sk(100), TxBody::Deposit { amount: 7 });
        let p = ledger.produce_block(time, &[attest, deposit]).unwrap();
        assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    }
}

#[test]
fn kill_mid_block_and_reopen() {
    // A co-op with one member (admitted with a proof); the writer then needs no proofs.
    let mut w = World::new();
    let id = zkcredit_circuits::identity::Identity::from_secret(Fr::from(5u64));
    w.join(&sk(100), &id, 5_000);
    let World { dir, ledger, .. } = w;
    drop(ledger);
    let exe = std::env::current_exe().unwrap();
    let mut last = 0;
    for round in 0..4u64 {
        let mut child = Command::new(&exe)
            .args([
                "crash_child_writer",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(400 + 137 * round));
        child.kill().unwrap(); // SIGKILL: no destructor, no flush
        child.wait().unwrap();
        let ledger = Ledger::open(dir.path()).unwrap();
        let report = ledger.verify().unwrap();
        assert_eq!(report.state_hash, ledger.state_hash());
        assert_eq!(report.blocks, ledger.height());
        assert!(ledger.height() >= last, "height went back");
        assert!(ledger.state().pool().balanced());
        last = ledger.height();
    }
    assert!(last > 0, "the writer never committed a block");
}
