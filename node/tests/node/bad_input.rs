//! Bad input: every refusal a 4xx JSON error with a stable code, the state untouched.

use super::*;

/// Every refusal is a 4xx JSON error with a stable code, the state hash does not move, and the
/// node keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    new_ledger(dir.path());
    let now = Arc::new(AtomicU64::new(T0 + 100));
    let node = start(dir.path(), Clock::Manual(now.clone())).await;
    let c = Client::new(node.addr);
    let ms = members();
    coop(&c, &ms).await;
    let cred = credential(&ms[0].1, 720);
    attest(&c, cred.commitment()).await;
    let loan = apply(&c, &ms[0].0, &ms[0].1, &cred, 10_000, 2).await;
    c.include(&loan).await;

    let before = c.ok("/v1/head").await;
    let code = |v: &Value| v["error"]["code"].as_str().unwrap_or("").to_string();
    let expect = |got: (u16, Value), status: u16, want: &str| {
        assert_eq!(got.0, status, "{}", got.1);
        assert_eq!(code(&got.1), want, "{}", got.1);
        assert!(got.1["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    };

    // Malformed JSON, unknown fields, not hex, not a transaction, trailing bytes.
    expect(
        c.post_raw("/v1/tx", b"{\"tx\": ".to_vec()).await,
        400,
        "bad_json",
    );
    expect(
        c.post_raw("/v1/tx", b"[1,2,3]".to_vec()).await,
        400,
        "bad_json",
    );
    expect(
        c.post_raw("/v1/tx", br#"{"tx":"00","extra":1}"#.to_vec())
            .await,
        400,
        "bad_json",
    );
    expect(
        c.post_raw("/v1/tx", br#"{"tx":"zz"}"#.to_vec()).await,
        400,
        "bad_encoding",
    );
    expect(
        c.post_raw("/v1/tx", br#"{"tx":"ffff01"}"#.to_vec()).await,
        400,
        "bad_encoding",
    );
    let ok_tx = c.sign(&ms[1].0, TxBody::Deposit { amount: 5 }).await;
    let mut trailing = codec::encode(&ok_tx);
    trailing.push(0);
    let body = json!({"tx": hex::encode(trailing)})
        .to_string()
        .into_bytes();
    expect(c.post_raw("/v1/tx", body).await, 400, "bad_encoding");
    // An oversized body: just over the 64 KiB limit, so that the client has written all of it
    // (it fits the loopback socket buffers) before the node answers 413 and closes; a body
    // many times the limit races the answer with a broken pipe on the client's side.
    let big = format!("{{\"tx\":\"{}\"}}", "00".repeat(33_000)).into_bytes();
    assert!(big.len() > 64 * 1024);
    expect(c.post_raw("/v1/tx", big).await, 413, "payload_too_large");
    // A bad signature: a valid transaction with one flipped signature bit.
    let mut bad = ok_tx.clone();
    bad.signature[0] ^= 1;
    expect(c.submit_raw(&bad).await, 401, "bad_signature");
    // A co-signature by a stranger over another message.
    let forged = c.officers(TxBody::Disburse { loan: 0 }).await;
    let mut forged = forged;
    forged.cosignatures[0].signature[5] ^= 0x40;
    expect(c.submit_raw(&forged).await, 401, "bad_signature");
    // Garbage proof bytes and a proof that does not verify.
    let mut garbage = c.sign(&ms[1].0, TxBody::Deposit { amount: 1 }).await;
    if let TxBody::ApplyLoan { proof, .. } = &loan.body {
        let mut p = proof.clone();
        p.proof = vec![0xab; p.proof.len()];
        garbage = application(&c, &ms[1].0, p).await;
    }
    expect(c.submit_raw(&garbage).await, 422, "malformed_proof");
    if let TxBody::ApplyLoan { proof, .. } = &loan.body {
        let mut p = proof.clone();
        // Another member's claim on A's proof: the inputs change, the proof no longer holds.
        p.public_inputs[1] += Fr::from(1u64);
        let tx = application(&c, &ms[1].0, p).await;
        expect(c.submit_raw(&tx).await, 422, "invalid_proof");
        // A replayed proof under a new transaction: its nullifier is spent.
        let replay = application(&c, &ms[0].0, proof.clone()).await;
        expect(c.submit_raw(&replay).await, 409, "nullifier_used");
    }
    // A replayed (already included) transaction, and a nonce from the future.
    expect(c.submit_raw(&loan).await, 409, "wrong_nonce");
    let future = Tx::sign(CHAIN, &ms[2].0, 99, TxBody::Deposit { amount: 1 });
    let refused = c.submit_raw(&future).await;
    assert_eq!(refused.1["error"]["rule"], "wrong_nonce", "{}", refused.1);
    expect(refused, 409, "wrong_nonce");
    // Bad paths and queries.
    expect(c.get("/v1/tx/nothex").await, 400, "bad_request");
    expect(
        c.get(&format!("/v1/tx/{}", "00".repeat(32))).await,
        404,
        "not_found",
    );
    expect(c.get("/v1/blocks/999999").await, 404, "not_found");
    expect(c.get("/v1/blocks/-1").await, 400, "bad_request");
    expect(c.get("/v1/registry/path/12x").await, 400, "bad_request");
    expect(c.get("/v1/loans/77").await, 404, "not_found");
    expect(c.get("/v1/plan/loan?account=00").await, 400, "bad_request");
    expect(c.get("/v1/nowhere").await, 404, "not_found");

    // Nothing moved, nothing is pending, and the node still serves and admits.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = c.ok("/v1/head").await;
    assert_eq!(after["state_hash"], before["state_hash"]);
    assert_eq!(after["height"], before["height"]);
    assert_eq!(after["pending"], 0);
    let dup = c.sign(&ms[2].0, TxBody::Deposit { amount: 3 }).await;
    let h = c.submit(&dup).await;
    let again = c.submit_raw(&dup).await;
    assert!(
        again.0 == 409 && ["duplicate", "wrong_nonce"].contains(&code(&again.1).as_str()),
        "{again:?}"
    );
    assert_eq!(c.settled(&h).await["status"], "included");
    node.shutdown().await.expect("clean shutdown");
    Ledger::open(dir.path())
        .expect("reopen")
        .verify()
        .expect("verify");
}

/// The test's loan application (policy 1, 10,000 over two instalments at 12 %) carrying
/// `proof`, signed by `k` at its next nonce: what a client can send with any proof bytes.
async fn application(c: &Client, k: &SigningKey, proof: zkcredit_ledger::ProofData) -> Tx {
    Tx::sign(
        CHAIN,
        k,
        c.nonce(k).await,
        TxBody::ApplyLoan {
            policy_id: 1,
            amount: 10_000,
            term: 2,
            rate_bps: 1_200,
            proof,
        },
    )
}
