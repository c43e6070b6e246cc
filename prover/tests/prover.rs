//! Setup, key files, proving and the native pre-check, against real Groth16 proofs.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::OnceLock;
use zkcredit_circuits::credential::SCHEMA_BUREAU_V1;
use zkcredit_circuits::field;
use zkcredit_circuits::prelude::*;
use zkcredit_prover::*;
use zkcredit_verifier::VerifyError;

const DEPTH: usize = 20;
const NOW: u64 = 1_760_000_000;

fn policy_keys() -> &'static ProvingKeys {
    static K: OnceLock<ProvingKeys> = OnceLock::new();
    K.get_or_init(|| setup(CircuitId::Policy { depth: DEPTH }, Some(1)).unwrap())
}

fn membership_keys() -> &'static ProvingKeys {
    static K: OnceLock<ProvingKeys> = OnceLock::new();
    K.get_or_init(|| setup(CircuitId::Membership { depth: DEPTH }, Some(2)).unwrap())
}

struct World {
    identity: Identity,
    credential: Credential,
    tree: MerkleTree,
    index: u64,
    policy: Policy,
}

fn world() -> World {
    world_at(DEPTH)
}

fn world_at(depth: usize) -> World {
    let mut rng = ChaCha20Rng::seed_from_u64(10);
    let identity = Identity::random(&mut rng);
    let credential = Credential {
        schema: SCHEMA_BUREAU_V1,
        issuer: Fr::from(1001u64),
        subject: identity.commitment(),
        attrs: [720, 500_000, 100_000, 2_000_000, 36, 1, 0, 48],
        issued_at: NOW - 1000,
        expires_at: NOW + 1000,
        salt: Fr::from(99u64),
    };
    let mut tree = MerkleTree::new(depth).unwrap();
    tree.append(Fr::from(5u64)).unwrap();
    let index = tree.append(credential.leaf()).unwrap();
    let policy = Policy::new(vec![
        Clause::at_least(0, 650),
        Clause {
            coeffs: [0, 3600, -10000, 0, 0, 0, 0, 0],
            constant: -50_000 * 10_000,
        },
    ])
    .unwrap();
    World {
        identity,
        credential,
        tree,
        index,
        policy,
    }
}

impl World {
    fn input(&self) -> PolicyInput<'_> {
        PolicyInput {
            identity: &self.identity,
            credential: &self.credential,
            path: self.tree.path(self.index).unwrap(),
            root: self.tree.root(),
            policy: &self.policy,
            now: NOW,
            request: Fr::from(4242u64),
            scope: Fr::from(7u64),
            issued_after: 0,
            holder_scope: Fr::from(0u64),
        }
    }
}

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(77)
}

#[test]
fn policy_proof_verifies_and_binds_every_public_input() {
    let w = world();
    let keys = policy_keys();
    let env = prove_policy(keys, &w.input(), &mut rng()).unwrap();
    assert_eq!(env.circuit, "policy-d20-k8-c4");
    assert_eq!(env.public_inputs.len(), 46);
    keys.verifier.verify(&env).unwrap();
    for i in 0..46 {
        let mut bad = env.clone();
        bad.public_inputs[i] += Fr::from(1u64);
        assert!(
            matches!(keys.verifier.verify(&bad), Err(VerifyError::InvalidProof)),
            "public input {i} is bound"
        );
    }
    // The JSON file round-trips through the strict decoder.
    let json = serde_json::to_string(&env.to_file(NOW, keys.is_insecure())).unwrap();
    let back = Envelope::from_json(&json).unwrap();
    keys.verifier.verify(&back).unwrap();
}

/// The CLI computes the witness while the keys load, then proves it: the same proof as in
/// one call, keys of another circuit refused, and an assignment changed after the
/// pre-check (a witness that does not satisfy the circuit) never returned as a proof.
#[test]
fn a_witness_made_before_the_keys_proves_only_what_was_checked() {
    let w = world();
    let keys = policy_keys();
    let witnessed = witness_policy(&w.input()).unwrap();
    assert_eq!(witnessed.id, CircuitId::Policy { depth: DEPTH });
    let (env, _) = prove_witnessed(keys, &witnessed, &mut rng()).unwrap();
    keys.verifier.verify(&env).unwrap();
    assert_eq!(
        env.public_inputs,
        prove_policy(keys, &w.input(), &mut rng())
            .unwrap()
            .public_inputs
    );
    assert!(matches!(
        prove_witnessed(membership_keys(), &witnessed, &mut rng()),
        Err(ProveError::WrongCircuit { .. })
    ));
    // One witness value changed: the circuit is no longer satisfied, and the prover's
    // self-check refuses what Groth16 made of it.
    let mut forged = witnessed.clone();
    let last = forged.assignment.full.len() - 1;
    forged.assignment.full[last] += Fr::from(1u64);
    let err = prove_witnessed(keys, &forged, &mut rng()).unwrap_err();
    assert!(err.to_string().contains("does not verify"), "{err}");
    // A short assignment is an error, not a panic.
    let mut short = witnessed;
    short.assignment.full.truncate(10);
    assert!(prove_witnessed(keys, &short, &mut rng()).is_err());
}

#[test]
fn refuses_false_statements_naming_the_rule() {
    let w = world();
    let keys = policy_keys();
    let msg = |input: &PolicyInput<'_>| {
        prove_policy(keys, input, &mut rng())
            .unwrap_err()
            .to_string()
    };

    let mut input = w.input();
    input.now = w.credential.expires_at;
    assert!(
        msg(&input).starts_with("credential expired at"),
        "{}",
        msg(&input)
    );

    let strict = Policy::new(vec![
        Clause::at_least(0, 650),
        Clause::at_least(3, 5_000_000),
    ])
    .unwrap();
    let mut input = w.input();
    input.policy = &strict;
    assert_eq!(
        msg(&input),
        "clause 1 (balance - 5000000 >= 0) fails: the left-hand side is -3000000"
    );

    let mut input = w.input();
    input.root = Fr::from(1u64);
    assert!(msg(&input).starts_with("credential not in registry"));

    let other = Identity::from_secret(Fr::from(3u64));
    let mut input = w.input();
    input.identity = &other;
    assert!(msg(&input).contains("is not this identity's commitment"));

    // Keys of the other circuit, or another depth, are refused before any work.
    let input = w.input();
    let e = prove_policy(membership_keys(), &input, &mut rng()).unwrap_err();
    assert!(matches!(e, ProveError::WrongCircuit { .. }), "{e}");
}

#[test]
fn membership_proof_binds_signal_and_rejects_mixed_keys() {
    let mut r = rng();
    let me = Identity::random(&mut r);
    let mut tree = MerkleTree::new(DEPTH).unwrap();
    tree.append(Identity::random(&mut r).commitment()).unwrap();
    let index = tree.append(me.commitment()).unwrap();
    let input = MembershipInput {
        identity: &me,
        path: tree.path(index).unwrap(),
        root: tree.root(),
        scope: Fr::from(1u64),
        signal: Fr::from(2u64),
    };
    let keys = membership_keys();
    let env = prove_membership(keys, &input, &mut r).unwrap();
    keys.verifier.verify(&env).unwrap();
    for i in 0..4 {
        let mut bad = env.clone();
        bad.public_inputs[i] += Fr::from(1u64);
        assert!(
            matches!(keys.verifier.verify(&bad), Err(VerifyError::InvalidProof)),
            "input {i}"
        );
    }
    // A membership proof presented to the policy key is an error, never a `false`.
    assert!(matches!(
        policy_keys().verifier.verify(&env),
        Err(VerifyError::WrongCircuit { .. })
    ));
    // A non-member cannot even start.
    let outsider = Identity::from_secret(Fr::from(5u64));
    let bad = MembershipInput {
        identity: &outsider,
        ..input.clone()
    };
    assert!(prove_membership(keys, &bad, &mut r)
        .unwrap_err()
        .to_string()
        .starts_with("not a member"));
}

#[test]
fn keys_directory_round_trips_and_detects_tampering() {
    let keys = membership_keys();
    let dir = std::env::temp_dir().join(format!("zkcredit-keys-{}", std::process::id()));
    keys.save(&dir).unwrap();
    let loaded = ProvingKeys::load(&dir).unwrap();
    assert_eq!(loaded.id, keys.id);
    assert!(loaded.is_insecure());
    assert_eq!(loaded.meta.vk_hash, keys.meta.vk_hash);
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["circuit"], "membership-d20");
    assert_eq!(meta["shape"]["depth"], 20);
    assert!(meta["warning"].as_str().unwrap().starts_with("INSECURE"));
    // a seeded setup is reproducible
    let again = setup(CircuitId::Membership { depth: DEPTH }, Some(2)).unwrap();
    assert_eq!(again.meta.vk_hash, keys.meta.vk_hash);
    assert_eq!(again.meta.pk_hash, keys.meta.pk_hash);
    // flip one byte of the proving key
    let pk_path = dir.join("proving_key.bin");
    let mut bytes = std::fs::read(&pk_path).unwrap();
    bytes[1000] ^= 1;
    std::fs::write(&pk_path, &bytes).unwrap();
    let e = ProvingKeys::load(&dir).unwrap_err().to_string();
    assert!(e.contains("corrupt or replaced"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
    let e = ProvingKeys::load(&dir).unwrap_err();
    assert!(matches!(e, ProveError::Io { .. }), "{e}");
    assert!(
        e.to_string().contains("meta.json"),
        "names the missing file: {e}"
    );
}

#[test]
fn unseeded_setup_is_not_marked_insecure() {
    let keys = setup(CircuitId::Membership { depth: 2 }, None).unwrap();
    assert!(!keys.is_insecure());
    assert_eq!(keys.meta.seed, None);
    let _ = field::to_decimal(&Fr::from(0u64));
}

// ---------------------------------------------------------------------------------------
// Pins, Sapling-style: constraint matrices, seeded verifying keys, golden key and proof
// files. They change only on purpose: rerun with ZKCREDIT_REGENERATE_GOLDEN=1 and say why
// in the commit.
// ---------------------------------------------------------------------------------------

/// BLAKE2b-256 over the R1CS matrices of `id`: for A, B and C in turn, the row count, then
/// each row's length and its `(column u64 LE, coefficient 32 bytes LE)` entries.
fn matrices_digest(id: CircuitId) -> String {
    use ark_relations::gr1cs::{
        ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
        R1CS_PREDICATE_LABEL,
    };
    use ark_serialize::CanonicalSerialize;
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    match id {
        CircuitId::Policy { depth } => zkcredit_circuits::circuit::PolicyCircuit::blank(depth)
            .generate_constraints(cs.clone())
            .unwrap(),
        CircuitId::Membership { depth } => {
            zkcredit_circuits::circuit::MembershipCircuit::blank(depth)
                .generate_constraints(cs.clone())
                .unwrap()
        }
    }
    cs.finalize();
    let matrices = cs
        .to_matrices()
        .unwrap()
        .remove(R1CS_PREDICATE_LABEL)
        .unwrap();
    let mut bytes = Vec::new();
    for m in &matrices {
        bytes.extend((m.len() as u64).to_le_bytes());
        for row in m {
            bytes.extend((row.len() as u64).to_le_bytes());
            for (coeff, col) in row {
                bytes.extend((*col as u64).to_le_bytes());
                coeff.serialize_compressed(&mut bytes).unwrap();
            }
        }
    }
    hex::encode(zkcredit_verifier::blake2b256(&bytes))
}

fn golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("ZKCREDIT_REGENERATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (regenerate with ZKCREDIT_REGENERATE_GOLDEN=1)",
            path.display()
        )
    });
    assert_eq!(
        expected, actual,
        "{name} changed; if on purpose, regenerate with ZKCREDIT_REGENERATE_GOLDEN=1"
    );
}

#[test]
fn matrices_keys_and_proof_encodings_are_pinned() {
    // The relations themselves.
    let digests = format!(
        "policy-d20-k8-c4 {}\nmembership-d20 {}\n",
        matrices_digest(CircuitId::Policy { depth: DEPTH }),
        matrices_digest(CircuitId::Membership { depth: DEPTH }),
    );
    golden("matrices.txt", &digests);
    // Seeded verifying keys (deterministic setup).
    let hashes = format!(
        "policy-d20-k8-c4 seed 1 {}\nmembership-d20 seed 2 {}\n",
        policy_keys().verifier.vk_hash_hex(),
        membership_keys().verifier.vk_hash_hex(),
    );
    golden("vk_hashes.txt", &hashes);
    // A golden proof file: seeded keys at depth 4, a seeded prover RNG.
    let keys = setup(CircuitId::Policy { depth: 4 }, Some(7)).unwrap();
    let mut vk = Vec::new();
    ark_serialize::CanonicalSerialize::serialize_compressed(keys.verifier.vk(), &mut vk).unwrap();
    golden("policy-d4-seed7.vk.hex", &format!("{}\n", hex::encode(vk)));
    let w = world_at(4);
    let env = prove_policy(&keys, &w.input(), &mut ChaCha20Rng::seed_from_u64(8)).unwrap();
    let file = env.to_file(0, true);
    golden(
        "policy-d4-seed7.proof.json",
        &format!("{}\n", serde_json::to_string_pretty(&file).unwrap()),
    );
}
