//! The wallet's operations, run natively on the same code paths the wasm build runs: keys
//! from the bytes `zkcredit setup` wrote, proofs that the CLI's verifier accepts, refusals
//! that name what is wrong.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};
use std::path::PathBuf;
use zkcredit_circuits::field::to_decimal;
use zkcredit_circuits::files::{IdentityFile, RegistryFile};
use zkcredit_circuits::prelude::*;
use zkcredit_prover::sample::{sample_world, SampleWorld, SAMPLE_NOW};
use zkcredit_verifier::{META_FILE, PROVING_KEY_FILE, VERIFYING_KEY_FILE};
use zkcredit_wallet::{keys, wallet, WalletError};

const DEPTH: usize = 4;

struct KeyFiles {
    meta: Vec<u8>,
    vk: Vec<u8>,
    pk: Vec<u8>,
}

/// Writes fresh keys with `zkcredit setup`'s code and reads them back as the browser would
/// download them. Each call gets its own directory: tests run in parallel threads of one
/// process, and two of them asking for the same circuit must not share (and delete) files.
fn key_files(id: CircuitId) -> KeyFiles {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "zkc-wallet-test-{}-{}-{call}",
        std::process::id(),
        id
    ));
    zkcredit_prover::setup(id, Some(5))
        .unwrap()
        .save(&dir)
        .unwrap();
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    let files = KeyFiles {
        meta: read(META_FILE),
        vk: read(VERIFYING_KEY_FILE),
        pk: read(PROVING_KEY_FILE),
    };
    std::fs::remove_dir_all(&dir).unwrap();
    files
}

fn world() -> SampleWorld {
    sample_world(DEPTH, &mut ChaCha20Rng::seed_from_u64(9)).unwrap()
}

fn policy_request(w: &SampleWorld, policy: &Policy) -> Value {
    json!({
        "identity": IdentityFile::new(&w.identity),
        "credential": w.credential,
        "registry": RegistryFile::new(&w.tree),
        "policy": policy,
        "now": SAMPLE_NOW,
        "request": {"chain_id": "coop-test", "account": "alice", "amount": 1000, "term": 12,
                    "rate_bps": 900, "policy_id": 1, "nonce": 1},
        "scope": "pool-1/epoch-7",
    })
}

#[test]
fn identity_file_round_trip() {
    let f = wallet::new_identity(&mut ChaCha20Rng::seed_from_u64(1));
    let text = serde_json::to_string(&f).unwrap();
    let id = wallet::read_identity(&text).unwrap();
    assert_eq!(to_decimal(&id.commitment()), f.commitment);
    let bad = text.replace(&f.commitment, "1");
    assert!(wallet::read_identity(&bad)
        .unwrap_err()
        .to_string()
        .starts_with("identity: the commitment is not Poseidon(secret)"));
}

#[test]
fn credential_import_checks_the_subject_and_the_registry() {
    let w = world();
    let id = serde_json::to_string(&IdentityFile::new(&w.identity)).unwrap();
    let cred = serde_json::to_string(&w.credential).unwrap();
    let reg = serde_json::to_string(&RegistryFile::new(&w.tree)).unwrap();
    let s = wallet::import_credential(&id, &cred, Some(&reg)).unwrap();
    assert_eq!(s.commitment, to_decimal(&w.credential.commitment()));
    assert_eq!(s.leaf, to_decimal(&w.credential.leaf()));
    assert_eq!(s.attested, Some(true));
    // Another registry: not attested there.
    let empty =
        serde_json::to_string(&RegistryFile::new(&MerkleTree::new(DEPTH).unwrap())).unwrap();
    let s = wallet::import_credential(&id, &cred, Some(&empty)).unwrap();
    assert_eq!(s.attested, Some(false));
    // Another holder's identity: refused, naming both commitments.
    let other =
        serde_json::to_string(&IdentityFile::new(&Identity::from_secret(Fr::from(3u64)))).unwrap();
    let e = wallet::import_credential(&other, &cred, None).unwrap_err();
    assert!(
        matches!(e, WalletError::Statement(ref m) if m.contains("was issued to identity")),
        "{e}"
    );
    // A malformed file names the file.
    let e = wallet::import_credential(&id, "{\"schema\": 1}", None).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("credential: not a valid credential file"),
        "{e}"
    );
}

#[test]
fn precheck_names_the_failing_clause() {
    let w = world();
    let ok = wallet::precheck_policy(&policy_request(&w, &w.policy).to_string()).unwrap();
    assert!(ok.qualifies, "{:?}", ok.reason);
    let strict = Policy {
        clauses: vec![
            Clause::trivial(),
            Clause::at_least(0, w.credential.attrs[0] + 1),
        ],
    };
    let no = wallet::precheck_policy(&policy_request(&w, &strict).to_string()).unwrap();
    assert!(!no.qualifies);
    assert_eq!(no.clause, Some(1));
    let reason = no.reason.unwrap();
    assert!(
        reason.starts_with("clause 1 (") && reason.contains("score"),
        "{reason}"
    );
    // Expired: the reason says so, no clause.
    let mut late = policy_request(&w, &w.policy);
    late["now"] = json!(w.credential.expires_at);
    let no = wallet::precheck_policy(&late.to_string()).unwrap();
    assert!(no.reason.unwrap().starts_with("credential expired"));
    assert_eq!(no.clause, None);
}

#[test]
fn policy_proof_from_downloaded_keys_verifies_and_tampering_is_refused() {
    let w = world();
    let id = CircuitId::Policy { depth: DEPTH };
    let files = key_files(id);
    let prover = keys::load(&files.meta, &files.vk, &files.pk).unwrap();
    assert_eq!(prover.id, id);
    let request = policy_request(&w, &w.policy).to_string();
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let proof = wallet::prove_policy(&prover, &request, 1_800_000_001, &mut rng).unwrap();
    let verified = wallet::verify_proof(&files.meta, &files.vk, &proof).unwrap();
    assert_eq!(verified.circuit, id.to_string());
    assert_eq!(verified.public_inputs.len(), id.num_public_inputs());
    let names = id.public_input_names();
    assert_eq!(verified.public_inputs[0].0, names[0]);
    // The public inputs are the statement's, in the circuit's order.
    let file: Value = serde_json::from_str(&proof).unwrap();
    assert_eq!(file["public_inputs"][0], json!(to_decimal(&w.tree.root())));
    assert_eq!(file["created_at"], json!(1_800_000_001u64));

    // A changed public input fails the pairing check.
    let mut tampered = file.clone();
    tampered["public_inputs"][2] = json!((SAMPLE_NOW + 1).to_string());
    let e = wallet::verify_proof(&files.meta, &files.vk, &tampered.to_string()).unwrap_err();
    assert!(
        matches!(
            e,
            WalletError::Verify(zkcredit_verifier::VerifyError::InvalidProof)
        ),
        "{e}"
    );

    // A false statement is refused before proving, naming the clause.
    let strict = Policy {
        clauses: vec![Clause::at_least(0, w.credential.attrs[0] + 1)],
    };
    let e = wallet::prove_policy(
        &prover,
        &policy_request(&w, &strict).to_string(),
        0,
        &mut rng,
    )
    .unwrap_err();
    assert!(
        matches!(e, WalletError::Statement(ref m) if m.starts_with("clause 0")),
        "{e}"
    );
}

#[test]
fn keys_that_do_not_match_their_published_hash_are_refused() {
    let files = key_files(CircuitId::Membership { depth: DEPTH });
    let mut pk = files.pk.clone();
    let last = pk.len() - 1;
    pk[last] ^= 1;
    let e = keys::load(&files.meta, &files.vk, &pk).unwrap_err();
    assert!(
        e.to_string()
            .contains("proving_key.bin is corrupt or replaced"),
        "{e}"
    );
    let mut vk = files.vk.clone();
    vk[0] ^= 1;
    assert!(keys::load(&files.meta, &vk, &files.pk).is_err());
    assert!(keys::load(b"{", &files.vk, &files.pk).is_err());
}

#[test]
fn membership_proof_verifies() {
    let w = world();
    let id = CircuitId::Membership { depth: DEPTH };
    let files = key_files(id);
    let prover = keys::load(&files.meta, &files.vk, &files.pk).unwrap();
    let mut members = MerkleTree::new(DEPTH).unwrap();
    members.append(Fr::from(7u64)).unwrap();
    members.append(w.identity.commitment()).unwrap();
    let request = json!({
        "identity": IdentityFile::new(&w.identity),
        "members": RegistryFile::new(&members),
        "scope": "proposal-7",
        "signal": "yes",
    });
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let proof = wallet::prove_membership(&prover, &request.to_string(), 0, &mut rng).unwrap();
    wallet::verify_proof(&files.meta, &files.vk, &proof).unwrap();
    // Not a member: refused in words.
    let outsider = json!({
        "identity": IdentityFile::new(&Identity::from_secret(Fr::from(3u64))),
        "members": RegistryFile::new(&members), "scope": "proposal-7", "signal": "yes",
    });
    let e = wallet::prove_membership(&prover, &outsider.to_string(), 0, &mut rng).unwrap_err();
    assert!(e.to_string().starts_with("refused: not a member"), "{e}");
}
