//! Verify once: a block producer's marks of proofs it verified at admission skip exactly those
//! proofs' pairing checks when it builds a block from its own mempool; every other proof is
//! verified, and blocks applied from elsewhere or replayed are verified in full.

mod common;

use common::*;
use zkcredit_circuits::identity::Identity;
use zkcredit_circuits::Fr;
use zkcredit_ledger::*;

fn ident(n: u64) -> Identity {
    Identity::from_secret(Fr::from(1_000 + n))
}

#[test]
fn marks_skip_only_the_proof_they_name_and_replay_verifies_all() {
    let mut w = World::new();
    let (lender, alice, bob) = (sk(20), sk(21), sk(22));
    w.join(&lender, &ident(0), 400_000);
    w.join(&alice, &ident(1), 10_000);
    w.join(&bob, &ident(2), 10_000);
    let ca = w.attest(&ident(1), 720, 0);
    let cb = w.attest(&ident(2), 650, 0);
    let n = w.ledger.state().nonce(&acct(&alice));
    let good_body = w.apply_body(&alice, n, &ident(1), &ca, 40_000, 4);
    let bob_body = w.apply_body(&bob, 1, &ident(2), &cb, 30_000, 3);
    // Alice's expected inputs with Bob's (valid, well-formed) proof bytes: every input check
    // passes, only the pairing check can catch it.
    let mut tampered = good_body.clone();
    if let (TxBody::ApplyLoan { proof: p, .. }, TxBody::ApplyLoan { proof: q, .. }) =
        (&mut tampered, &bob_body)
    {
        p.proof = q.proof.clone();
    }
    let good = w.tx_n(&alice, n, good_body);
    let bad = w.tx_n(&alice, n, tampered);
    let keys = w.ledger.keys().clone();
    let t = w.time + 60;

    // Injected straight into the store's mempool (no admission, no mark): rejected at build.
    let entries = w.ledger.enqueue(std::slice::from_ref(&bad)).unwrap();
    let built = w
        .ledger
        .build_pending(t, &entries, &Verified::default())
        .unwrap();
    assert!(built.block().txs.is_empty());
    assert_eq!(built.rejected()[0].error, TxError::InvalidProof);

    // Marks that do not name exactly this transaction under its circuit's key change
    // nothing: the honest twin's mark (same signer, nonce and inputs) and a mark of this
    // transaction under the other circuit's key.
    let mut marks = Verified::default();
    marks.insert(good.hash(), &keys.policy);
    marks.insert(bad.hash(), &keys.membership);
    let built = w.ledger.build_pending(t, &entries, &marks).unwrap();
    assert!(built.block().txs.is_empty());
    assert_eq!(built.rejected()[0].error, TxError::InvalidProof);

    // The honest transaction's own mark does skip its pairing check, and only with the mark.
    let state = w.ledger.state();
    let (_, block, rejected, skipped) = state
        .build_block_verified(t, std::slice::from_ref(&good), &keys, &marks)
        .unwrap();
    assert_eq!((block.txs.len(), rejected.len(), skipped), (1, 0, 1));
    let (_, _, _, skipped) = state
        .build_block_verified(t, std::slice::from_ref(&good), &keys, &Verified::default())
        .unwrap();
    assert_eq!(skipped, 0);

    // A false mark (no check made it) gets the bad proof into a built block; nobody else
    // takes it on trust: applying that block is refused, and once committed, the replay of
    // `ledger verify` finds it.
    let mut lie = Verified::default();
    lie.insert(bad.hash(), &keys.policy);
    let built = w.ledger.build_pending(t, &entries, &lie).unwrap();
    assert_eq!(built.block().txs, vec![bad.clone()]);
    let block = built.block().clone();
    let before = w.ledger.state_hash();
    assert!(matches!(
        w.ledger.apply(&block),
        Err(LedgerError::Block(BlockError::Tx {
            index: 0,
            error: TxError::InvalidProof
        }))
    ));
    assert_eq!(w.ledger.state_hash(), before);
    let height = block.header.height;
    w.ledger.verify().expect("replay before the false block");
    w.ledger.commit_built(built).unwrap();
    match w.ledger.verify() {
        Err(LedgerError::Verify { height: h, reason }) => {
            assert_eq!(h, height);
            assert!(reason.contains("proof"), "{reason}");
        }
        other => panic!("replay accepted a block with a bad proof: {other:?}"),
    }
}

/// A signature mark skips the ed25519 check of exactly the transaction it names: a forged
/// signature is refused despite the honest twin's mark, gets in only with a (false) mark of
/// its own, and applying or replaying that block refuses it.
#[test]
fn signature_marks_skip_only_the_transaction_they_name() {
    let mut w = World::new();
    let alice = sk(21);
    w.join(&alice, &ident(1), 10_000);
    let good = w.tx(&alice, TxBody::Deposit { amount: 5 });
    let mut forged = good.clone();
    forged.signature[0] ^= 1;
    let keys = w.ledger.keys().clone();
    let t = w.time + 60;
    let state = w.ledger.state();
    let mut honest = Verified::default();
    honest.insert_signed(good.hash());
    let (_, block, rejected, _) = state
        .build_block_verified(t, std::slice::from_ref(&forged), &keys, &honest)
        .unwrap();
    assert!(block.txs.is_empty());
    assert_eq!(rejected[0].error, TxError::BadSignature);
    let (_, block, rejected, _) = state
        .build_block_verified(t, std::slice::from_ref(&good), &keys, &honest)
        .unwrap();
    assert_eq!((block.txs.len(), rejected.len()), (1, 0));

    let mut lie = Verified::default();
    lie.insert_signed(forged.hash());
    let (_, block, rejected, _) = state
        .build_block_verified(t, std::slice::from_ref(&forged), &keys, &lie)
        .unwrap();
    assert_eq!((block.txs.len(), rejected.len()), (1, 0));
    let before = w.ledger.state_hash();
    assert!(matches!(
        w.ledger.apply(&block),
        Err(LedgerError::Block(BlockError::Tx {
            index: 0,
            error: TxError::BadSignature
        }))
    ));
    assert_eq!(w.ledger.state_hash(), before);
}
