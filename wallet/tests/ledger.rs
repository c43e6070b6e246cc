//! The wallet against a node's plan: it signs with the ledger's own code (the ledger checks
//! the signature and decodes the bytes), proves only what concerns the transaction it signs,
//! and refuses a plan that binds another request, another identity or an unaccepted root.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};
use zkcredit_circuits::field::to_decimal;
use zkcredit_circuits::files::IdentityFile;
use zkcredit_circuits::prelude::*;
use zkcredit_ledger::{codec, tx::check_signature, Tx, TxBody};
use zkcredit_prover::sample::{sample_world, SampleWorld, SAMPLE_NOW};
use zkcredit_wallet::{ledger, WalletError};

const DEPTH: usize = 4;

fn world() -> SampleWorld {
    sample_world(DEPTH, &mut ChaCha20Rng::seed_from_u64(9)).unwrap()
}

fn request() -> Value {
    json!({"chain_id": "coop-test", "account": "ab".repeat(32), "amount": 1000, "term": 12,
           "rate_bps": 900, "policy_id": 2, "nonce": 3})
}

/// A plan as `/v1/plan/loan` serves it, for `request()`, and the registry path.
fn plan(w: &SampleWorld) -> Value {
    let index = w.tree.position(&w.credential.leaf()).unwrap();
    let path = w.tree.path(index).unwrap();
    let req: LoanRequest = serde_json::from_value(request()).unwrap();
    json!({
        "identity": IdentityFile::new(&w.identity),
        "credential": w.credential,
        "path": {
            "index": path.index,
            "siblings": path.siblings.iter().map(|l| l.iter().map(to_decimal).collect::<Vec<_>>()).collect::<Vec<_>>(),
            "root": to_decimal(&w.tree.root()),
        },
        "statement": {
            "root": to_decimal(&w.tree.root()),
            "accepted_roots": [to_decimal(&w.tree.root())],
            "issuer": to_decimal(&w.credential.issuer),
            "schema": w.credential.schema,
            "now": SAMPLE_NOW - 200,
            "time_tolerance": 600,
            "issued_after": 0,
            "max_credential_age": null,
            "clauses": w.policy.clauses,
            "request": to_decimal(&req.binding()),
            "scope": "77",
            "holder_scope": "0",
            "holder": to_decimal(&w.identity.commitment()),
        },
        "request": request(),
    })
}

#[test]
fn transactions_are_signed_with_the_ledgers_code() {
    let acct = ledger::new_account(&mut ChaCha20Rng::seed_from_u64(1));
    let acct_json = serde_json::to_string(&acct).unwrap();
    let signed = ledger::sign(&acct_json, "coop-test", 4, TxBody::Deposit { amount: 500 }).unwrap();
    let tx: Tx = codec::decode(&hex::decode(&signed.tx).unwrap()).unwrap();
    assert_eq!(hex::encode(tx.hash()), signed.hash);
    assert_eq!(hex::encode(tx.signer), acct.account);
    assert_eq!(tx.nonce, 4);
    assert!(check_signature(
        &tx.signer,
        &tx.message("coop-test"),
        &tx.signature
    ));
    assert!(!check_signature(
        &tx.signer,
        &tx.message("other-chain"),
        &tx.signature
    ));

    // A key file whose account is not its secret's public key is refused.
    let other = ledger::new_account(&mut ChaCha20Rng::seed_from_u64(2));
    let bad = json!({"secret": acct.secret, "account": other.account}).to_string();
    let e = ledger::sign(&bad, "coop-test", 0, TxBody::Deposit { amount: 1 }).unwrap_err();
    assert!(
        matches!(
            e,
            WalletError::Input {
                what: "account key",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn a_plan_about_another_request_identity_or_root_is_refused() {
    let w = world();
    let good = plan(&w);
    assert_eq!(ledger::precheck(&good.to_string()).unwrap(), None);

    let mut other_request = good.clone();
    other_request["request"]["amount"] = json!(2000);
    let r = ledger::precheck(&other_request.to_string())
        .unwrap()
        .unwrap();
    assert!(r.contains("another request"), "{r}");

    let mut other_holder = good.clone();
    other_holder["statement"]["holder"] = json!("5");
    let r = ledger::precheck(&other_holder.to_string())
        .unwrap()
        .unwrap();
    assert!(r.contains("another identity"), "{r}");

    let mut other_root = good.clone();
    other_root["statement"]["accepted_roots"] = json!(["6"]);
    let r = ledger::precheck(&other_root.to_string()).unwrap().unwrap();
    assert!(r.contains("does not accept"), "{r}");

    let mut failing = good;
    failing["statement"]["clauses"][0]["constant"] = json!("-100000");
    let r = ledger::precheck(&failing.to_string()).unwrap().unwrap();
    assert!(r.contains("clause 0"), "{r}");
}

#[test]
fn the_proof_states_the_plan_and_goes_into_the_signed_transaction() {
    let w = world();
    let p = plan(&w);
    let keys = zkcredit_prover::setup(CircuitId::Policy { depth: DEPTH }, Some(5)).unwrap();
    let env =
        ledger::prove_policy(&keys, &p.to_string(), &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
    keys.verifier.verify(&env).unwrap();
    let st = PolicyStatement::from_public_inputs(&env.public_inputs).unwrap();
    let req: LoanRequest = serde_json::from_value(request()).unwrap();
    assert_eq!(st.request, req.binding());
    assert_eq!(st.holder, w.identity.commitment());
    assert_eq!(st.scope, Fr::from(77u64));
    // `now` is put ahead of the node's time, within the tolerance, for the block to come.
    assert!(st.now > SAMPLE_NOW - 200 && st.now <= SAMPLE_NOW - 200 + 600);

    let proof_json = serde_json::to_string(&env.to_file(0, true)).unwrap();
    let body = ledger::apply_body(2, 1000, 12, 900, &proof_json).unwrap();
    let acct =
        serde_json::to_string(&ledger::new_account(&mut ChaCha20Rng::seed_from_u64(4))).unwrap();
    let signed = ledger::sign(&acct, "coop-test", 3, body).unwrap();
    let tx: Tx = codec::decode(&hex::decode(&signed.tx).unwrap()).unwrap();
    match tx.body {
        TxBody::ApplyLoan { proof, .. } => {
            assert_eq!(proof.public_inputs, env.public_inputs);
            assert_eq!(proof.proof, env.proof_bytes());
        }
        other => panic!("not an application: {other:?}"),
    }
}

#[test]
fn a_vote_proves_the_plans_statement_and_refuses_a_path_to_another_root() {
    let w = world();
    let mut voters = MerkleTree::new(DEPTH).unwrap();
    voters.append(Fr::from(7u64)).unwrap();
    let index = voters.append(w.identity.commitment()).unwrap();
    let path = voters.path(index).unwrap();
    let plan = |root: Fr| {
        json!({
            "identity": IdentityFile::new(&w.identity),
            "path": {
                "index": path.index,
                "siblings": path.siblings.iter().map(|l| l.iter().map(to_decimal).collect::<Vec<_>>()).collect::<Vec<_>>(),
                "root": to_decimal(&voters.root()),
            },
            "statement": {"root": to_decimal(&root), "scope": "41", "signal": "42"},
        })
    };
    let keys = zkcredit_prover::setup(CircuitId::Membership { depth: DEPTH }, Some(6)).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let env = ledger::prove_vote(&keys, &plan(voters.root()).to_string(), &mut rng).unwrap();
    keys.verifier.verify(&env).unwrap();
    let st = MembershipStatement::from_public_inputs(&env.public_inputs).unwrap();
    assert_eq!(
        (st.root, st.scope, st.signal),
        (voters.root(), Fr::from(41u64), Fr::from(42u64))
    );
    let e = ledger::prove_vote(&keys, &plan(Fr::from(9u64)).to_string(), &mut rng).unwrap_err();
    assert!(e.to_string().contains("another root"), "{e}");
}
