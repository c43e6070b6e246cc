//! Verify once: proofs and signatures checked at admission are not checked again at build; injected ones are.

use super::*;

/// Verify once: a proof the node batch-verified at admission is not verified again when it
/// builds the block; a proof that reached the mempool without admission (written straight
/// into the store) is verified at build and a bad one rejected; `ledger verify` replays every
/// proof.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admitted_proofs_verify_once_injected_ones_at_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    new_ledger(dir.path());
    let now = Arc::new(AtomicU64::new(T0 + 100));
    let node = start(dir.path(), Clock::Manual(now.clone())).await;
    let c = Client::new(node.addr);
    let ms = members();
    coop(&c, &ms).await;
    // The admission proofs of the three `Join`s were batch-verified at admission like every
    // other proof, so their block did not verify them again.
    assert_eq!(metric(&c, "zkcredit_proofs_verified_total").await, 0);
    assert_eq!(metric(&c, "zkcredit_proofs_preverified_total").await, 3);
    let creds = [credential(&ms[0].1, 720), credential(&ms[1].1, 720)];
    for cred in &creds {
        attest(&c, cred.commitment()).await;
    }
    let good = apply(&c, &ms[0].0, &ms[0].1, &creds[0], 10_000, 2).await;
    let other = apply(&c, &ms[1].0, &ms[1].1, &creds[1], 10_000, 2).await;
    // Member 0's application with member 1's valid proof bytes: only a pairing check sees it.
    let mut body = good.body.clone();
    if let (TxBody::ApplyLoan { proof: p, .. }, TxBody::ApplyLoan { proof: q, .. }) =
        (&mut body, &other.body)
    {
        p.proof = q.proof.clone();
    }
    let bad = Tx::sign(CHAIN, &ms[0].0, good.nonce, body);
    let (s, v) = c.submit_raw(&bad).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("invalid_proof"))
    );

    // A `Join` whose admission proof does not verify (one proof's bytes, another's inputs) is
    // refused at admission too, before any state check.
    if let (TxBody::ApplyLoan { proof: p, .. }, TxBody::ApplyLoan { proof: q, .. }) =
        (&good.body, &other.body)
    {
        let (k, id) = (sk(30), Identity::from_secret(Fr::from(9_100u64)));
        let proof = ProofData {
            public_inputs: q.public_inputs.clone(),
            proof: p.proof.clone(),
        };
        let body = TxBody::Join {
            identity: id.commitment(),
            deposit: 200_000,
            proof,
        };
        let (s, v) = c.submit_raw(&Tx::sign(CHAIN, &k, 0, body)).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (422, Some("invalid_proof")),
            "{v}"
        );
    }

    let (verified, pre) = (
        metric(&c, "zkcredit_proofs_verified_total").await,
        metric(&c, "zkcredit_proofs_preverified_total").await,
    );
    c.include(&other).await;
    assert_eq!(metric(&c, "zkcredit_proofs_verified_total").await, verified);
    assert_eq!(
        metric(&c, "zkcredit_proofs_preverified_total").await,
        pre + 1
    );
    node.shutdown().await.expect("clean shutdown");

    // Straight into the store's mempool, as a tampered store or a bug would put it.
    Ledger::open(dir.path())
        .expect("open")
        .enqueue(std::slice::from_ref(&bad))
        .expect("enqueue");
    let node = start(dir.path(), Clock::Manual(now.clone())).await;
    let c = Client::new(node.addr);
    let v = c.settled(&hex::encode(bad.hash())).await;
    assert_eq!(v["status"], "rejected", "{v}");
    assert!(
        v["reason"].as_str().is_some_and(|r| r.contains("proof")),
        "{v}"
    );
    assert_eq!(v["rule"], "invalid_proof", "{v}");
    assert_eq!(metric(&c, "zkcredit_proofs_verified_total").await, 0);
    assert_eq!(metric(&c, "zkcredit_proofs_preverified_total").await, 0);
    c.include(&good).await;
    assert_eq!(metric(&c, "zkcredit_proofs_preverified_total").await, 1);
    node.shutdown().await.expect("clean shutdown");

    // The replay verifies every proof of every block, however it was produced.
    let ledger = Ledger::open(dir.path()).expect("reopen");
    let carried: u64 = (1..=ledger.height())
        .map(|h| {
            let b = ledger.block(h).expect("block");
            b.txs.iter().filter(|t| t.body.carries_proof()).count() as u64
        })
        .sum();
    let report = ledger.verify().expect("ledger verify");
    assert_eq!(report.proofs, carried);
    assert!(carried >= 5, "{report:?}");
}
