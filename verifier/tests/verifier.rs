//! End-to-end tests of zkcredit-verifier against real Groth16 proofs of a toy circuit, plus
//! the snarkjs interoperability check.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use ark_bn254::{Bn254, Fr};
use ark_ff::{One, PrimeField};
use ark_groth16::{Groth16, Proof, ProvingKey, VerifyingKey};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystemRef, LinearCombination, SynthesisError, Variable,
};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkcredit_verifier::{
    blake2b256, snarkjs, BatchError, Envelope, VerifierKey, VerifyError, META_FILE,
    VERIFYING_KEY_FILE,
};

const CIRCUIT: &str = "toy-mul-v1";

/// Knowledge of x, y with x·y = z and (x + y)² = w; public inputs `[z, w]`.
#[derive(Clone)]
struct Toy {
    x: Option<Fr>,
    y: Option<Fr>,
}

impl Toy {
    fn public(x: Fr, y: Fr) -> Vec<Fr> {
        vec![x * y, (x + y) * (x + y)]
    }
}

impl ConstraintSynthesizer<Fr> for Toy {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let (x, y) = (self.x, self.y);
        let z = cs.new_input_variable(|| {
            Ok(x.ok_or(SynthesisError::AssignmentMissing)?
                * y.ok_or(SynthesisError::AssignmentMissing)?)
        })?;
        let w = cs.new_input_variable(|| {
            let s = x.ok_or(SynthesisError::AssignmentMissing)?
                + y.ok_or(SynthesisError::AssignmentMissing)?;
            Ok(s * s)
        })?;
        let xv = cs.new_witness_variable(|| x.ok_or(SynthesisError::AssignmentMissing))?;
        let yv = cs.new_witness_variable(|| y.ok_or(SynthesisError::AssignmentMissing))?;
        let lc = |v: Variable| move || LinearCombination::from(v);
        cs.enforce_r1cs_constraint(lc(xv), lc(yv), lc(z))?;
        let sum = move || LinearCombination::from(xv) + yv;
        cs.enforce_r1cs_constraint(sum, sum, lc(w))?;
        Ok(())
    }
}

struct Fixture {
    pk: ProvingKey<Bn254>,
    key: VerifierKey,
    /// Valid envelopes for (x, y) = (i + 2, 3i + 5), i = 0..8.
    envs: Vec<Envelope>,
}

fn setup(seed: u64) -> ProvingKey<Bn254> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    Groth16::<Bn254>::generate_random_parameters_with_reduction(Toy { x: None, y: None }, &mut rng)
        .unwrap()
}

fn prove(pk: &ProvingKey<Bn254>, key: &VerifierKey, x: u64, y: u64, seed: u64) -> Envelope {
    let (x, y) = (Fr::from(x), Fr::from(y));
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let proof = Groth16::<Bn254>::create_random_proof_with_reduction(
        Toy {
            x: Some(x),
            y: Some(y),
        },
        pk,
        &mut rng,
    )
    .unwrap();
    Envelope {
        circuit: key.circuit().to_owned(),
        vk_hash: Some(key.vk_hash()),
        public_inputs: Toy::public(x, y),
        proof,
    }
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pk = setup(1);
        let key = VerifierKey::from_vk(CIRCUIT, pk.vk.clone(), true);
        let envs = (0..8u64)
            .map(|i| prove(&pk, &key, i + 2, 3 * i + 5, 100 + i))
            .collect();
        Fixture { pk, key, envs }
    })
}

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("zkcredit-verifier-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes a keys directory the way the key generator does.
fn write_keys(dir: &Path, vk: &VerifyingKey<Bn254>, circuit: &str) {
    let mut bytes = Vec::new();
    vk.serialize_compressed(&mut bytes).unwrap();
    std::fs::write(dir.join(VERIFYING_KEY_FILE), &bytes).unwrap();
    let meta = serde_json::json!({
        "format": "zkcredit-keys/v1",
        "circuit": circuit,
        "num_public_inputs": vk.gamma_abc_g1.len() - 1,
        "vk_hash": hex::encode(blake2b256(&bytes)),
        "pk_hash": "00".repeat(32),
        "insecure": true,
        "seed": 1,
        "created_at": 1_700_000_000u64,
        "shape": {"anything": "ignored"},
        "pk_size": 12345,
    });
    std::fs::write(dir.join(META_FILE), meta.to_string()).unwrap();
}

fn bad_key_msg(r: Result<VerifierKey, VerifyError>) -> String {
    match r {
        Err(VerifyError::BadKey(m)) => m,
        other => panic!("expected BadKey, got {other:?}"),
    }
}

#[test]
fn valid_proof_verifies_through_files() {
    let f = fixture();
    let dir = TempDir::new("valid");
    write_keys(&dir.0, f.key.vk(), CIRCUIT);
    let key = VerifierKey::load(&dir.0).unwrap();
    assert_eq!(key.vk_hash(), f.key.vk_hash());
    assert_eq!(key.circuit(), CIRCUIT);
    assert_eq!(key.num_public_inputs(), 2);
    assert!(key.is_insecure());
    assert_eq!(key.vk_hash_hex().len(), 64);
    for env in &f.envs {
        let json = serde_json::to_string(&env.to_file(1_700_000_000, true)).unwrap();
        let decoded = Envelope::from_json(&json).unwrap();
        assert_eq!(&decoded, env);
        key.verify(&decoded).unwrap();
    }
}

#[test]
fn every_changed_public_input_is_rejected() {
    let f = fixture();
    let env = &f.envs[0];
    f.key.verify(env).unwrap();
    for i in 0..env.public_inputs.len() {
        let mut bad = env.clone();
        bad.public_inputs[i] += Fr::one();
        assert!(
            matches!(f.key.verify(&bad), Err(VerifyError::InvalidProof)),
            "input {i}"
        );
        let e = f.key.verify(&bad).unwrap_err();
        assert_eq!(e.exit_code(), 1);
    }
}

/// Decodes the proof with one byte changed and checks the result is exactly what an
/// independent oracle predicts: `Malformed` when arkworks' validating decoder refuses the
/// bytes, otherwise (a different valid point) `InvalidProof`. Never `Ok`.
fn check_tampered(byte: usize, xor: u8) -> &'static str {
    let f = fixture();
    let mut file = f.envs[0].to_file(1, true);
    let mut bytes = hex::decode(&file.proof).unwrap();
    bytes[byte] ^= xor;
    file.proof = hex::encode(&bytes);
    let oracle_ok = Proof::<Bn254>::deserialize_compressed(&bytes[..]).is_ok();
    match Envelope::from_file(&file).and_then(|env| f.key.verify(&env)) {
        Err(VerifyError::Malformed(_)) => {
            assert!(
                !oracle_ok,
                "byte {byte}^{xor:#x}: arkworks accepts, we called it malformed"
            );
            "malformed"
        }
        Err(VerifyError::InvalidProof) => {
            assert!(
                oracle_ok,
                "byte {byte}^{xor:#x}: arkworks refuses, we decoded it"
            );
            "invalid"
        }
        other => panic!("byte {byte}^{xor:#x}: unexpected {other:?}"),
    }
}

#[test]
fn flipped_bytes_in_a_b_c_are_rejected() {
    // Flipping the y-sign flag bit gives the negated point: valid encoding, wrong proof.
    for (name, last_byte) in [("A", 31), ("B", 95), ("C", 127)] {
        assert_eq!(check_tampered(last_byte, 0x80), "invalid", "{name} negated");
    }
    // Flipping the lowest bit of x: whichever way it decodes, it never verifies.
    let mut seen = Vec::new();
    for byte in [0, 5, 31, 32, 40, 64, 70, 96, 100] {
        for xor in [0x01, 0x10] {
            seen.push(check_tampered(byte, xor));
        }
    }
    // A random x is on the curve about half the time; both outcomes occur.
    assert!(
        seen.contains(&"malformed") && seen.contains(&"invalid"),
        "{seen:?}"
    );
    // Setting both flag bits is always malformed.
    for last_byte in [31, 95, 127] {
        let f = fixture();
        let mut file = f.envs[0].to_file(1, true);
        let mut bytes = hex::decode(&file.proof).unwrap();
        bytes[last_byte] |= 0xc0;
        file.proof = hex::encode(&bytes);
        assert!(
            matches!(Envelope::from_file(&file), Err(VerifyError::Malformed(m)) if m.contains("flag"))
        );
    }
}

#[test]
fn out_of_field_and_non_canonical_inputs_in_real_files() {
    let f = fixture();
    let p = Fr::MODULUS.to_string();
    assert_eq!(
        p,
        "21888242871839275222246405745257275088548364400416034343698204186575808495617"
    );
    let mut file = f.envs[0].to_file(1, true);
    // z + p would verify if reduced mod p; it must be refused instead.
    let z_plus_p = (
        f.envs[0].public_inputs[0].into_bigint().to_string(),
        p.clone(),
    );
    let mut sum = Fr::MODULUS;
    sum.add_with_carry(&f.envs[0].public_inputs[0].into_bigint());
    file.public_inputs[0] = sum.to_string();
    assert!(
        matches!(
            Envelope::from_file(&file),
            Err(VerifyError::InputOutOfField { index: 0 })
        ),
        "{z_plus_p:?}"
    );
    file.public_inputs[0] = format!("0{}", f.envs[0].public_inputs[0].into_bigint());
    assert!(
        matches!(Envelope::from_file(&file), Err(VerifyError::Malformed(m)) if m.contains("public input 0"))
    );
}

use ark_ff::BigInteger;

#[test]
fn proofs_are_bound_to_their_circuit_and_key() {
    let f = fixture();
    let env = &f.envs[1];

    // A key of another circuit: usage error, never a plain "invalid".
    let other_pk = setup(2);
    let other = VerifierKey::from_vk("toy-other", other_pk.vk.clone(), true);
    let e = other.verify(env).unwrap_err();
    assert!(
        matches!(&e, VerifyError::WrongCircuit { expected, found } if expected == "toy-other" && found == CIRCUIT),
        "{e:?}"
    );
    assert_eq!(e.exit_code(), 2);

    // Same circuit id, different key (another setup): the proof's vk_hash catches it.
    let same_name = VerifierKey::from_vk(CIRCUIT, other_pk.vk.clone(), true);
    let e = same_name.verify(env).unwrap_err();
    assert!(
        matches!(&e, VerifyError::WrongKey { expected_hash, found_hash }
            if *expected_hash == same_name.vk_hash_hex() && *found_hash == f.key.vk_hash_hex()),
        "{e:?}"
    );
    // Without a stated hash, the pairing check is all that is left.
    let mut anonymous = env.clone();
    anonymous.vk_hash = None;
    assert!(matches!(
        same_name.verify(&anonymous),
        Err(VerifyError::InvalidProof)
    ));
    f.key.verify(&anonymous).unwrap();

    // Wrong number of inputs.
    for n in [0, 1, 3] {
        let mut wrong = env.clone();
        wrong.public_inputs.resize(n, Fr::one());
        assert!(matches!(
            f.key.verify(&wrong),
            Err(VerifyError::InputCount { expected: 2, found }) if found == n
        ));
    }
}

#[test]
fn tampered_or_inconsistent_key_directories_are_refused() {
    let f = fixture();
    let dir = TempDir::new("keys");
    let vk_path = dir.0.join(VERIFYING_KEY_FILE);
    let meta_path = dir.0.join(META_FILE);

    // Missing files.
    assert!(matches!(
        VerifierKey::load(&dir.0),
        Err(VerifyError::Io { .. })
    ));

    // One flipped byte in the key file.
    write_keys(&dir.0, f.key.vk(), CIRCUIT);
    let mut bytes = std::fs::read(&vk_path).unwrap();
    bytes[40] ^= 1;
    std::fs::write(&vk_path, &bytes).unwrap();
    assert!(bad_key_msg(VerifierKey::load(&dir.0)).contains("hash mismatch"));

    // Trailing bytes, with the hash updated to match.
    write_keys(&dir.0, f.key.vk(), CIRCUIT);
    let mut bytes = std::fs::read(&vk_path).unwrap();
    bytes.push(0);
    std::fs::write(&vk_path, &bytes).unwrap();
    let mut meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
    meta["vk_hash"] = hex::encode(blake2b256(&bytes)).into();
    std::fs::write(&meta_path, meta.to_string()).unwrap();
    assert!(bad_key_msg(VerifierKey::load(&dir.0)).contains("trailing"));

    // Wrong format, wrong input count, missing field.
    for (field, value, expect) in [
        ("format", serde_json::json!("zkcredit-keys/v0"), "format"),
        ("num_public_inputs", serde_json::json!(3), "public inputs"),
        ("vk_hash", serde_json::json!("abc"), "vk_hash"),
    ] {
        write_keys(&dir.0, f.key.vk(), CIRCUIT);
        let mut meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
        meta[field] = value;
        std::fs::write(&meta_path, meta.to_string()).unwrap();
        let msg = bad_key_msg(VerifierKey::load(&dir.0));
        assert!(msg.contains(expect), "{field}: {msg}");
    }
    write_keys(&dir.0, f.key.vk(), CIRCUIT);
    let mut meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
    meta.as_object_mut().unwrap().remove("insecure");
    std::fs::write(&meta_path, meta.to_string()).unwrap();
    assert!(bad_key_msg(VerifierKey::load(&dir.0)).contains("insecure"));
}

#[test]
fn batch_verification() {
    let f = fixture();
    f.key.verify_batch(&f.envs).unwrap();
    f.key.verify_batch(&[]).unwrap();
    f.key.verify_batch(&f.envs[3..4]).unwrap();

    // A single bad proof alone, and at index 5 of 8.
    let mut bad = f.envs.clone();
    bad[5].public_inputs[1] += Fr::one();
    let e = f.key.verify_batch(&bad[5..6]).unwrap_err();
    assert!(
        matches!(&e, BatchError::Invalid { bad } if bad == &[0]),
        "{e:?}"
    );
    let e = f.key.verify_batch(&bad).unwrap_err();
    assert!(
        matches!(&e, BatchError::Invalid { bad } if bad == &[5]),
        "{e:?}"
    );
    assert_eq!(e.exit_code(), 1);

    // Two bad: a wrong input and a proof swapped from another statement.
    bad[2].proof = f.envs[3].proof.clone();
    let e = f.key.verify_batch(&bad).unwrap_err();
    assert!(
        matches!(&e, BatchError::Invalid { bad } if bad == &[2, 5]),
        "{e:?}"
    );

    // Two bad proofs crafted to cancel in an unweighted sum (A negated in both, which
    // negates e(A, B)): the random weights still catch them.
    let mut cancel = f.envs.clone();
    for i in [1, 6] {
        cancel[i].proof.a = -cancel[i].proof.a;
    }
    let e = f.key.verify_batch(&cancel).unwrap_err();
    assert!(
        matches!(&e, BatchError::Invalid { bad } if bad == &[1, 6]),
        "{e:?}"
    );

    // A structural problem is reported with its index before any pairing.
    let mut wrong = f.envs.clone();
    wrong[3].circuit = "other".into();
    wrong[6].public_inputs.pop();
    let e = f.key.verify_batch(&wrong).unwrap_err();
    assert!(
        matches!(
            &e,
            BatchError::Structural {
                index: 3,
                source: VerifyError::WrongCircuit { .. }
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn rerandomised_proofs_verify_and_differ() {
    // Groth16 is malleable: anyone can turn a proof into a different valid one for the same
    // statement. Proof bytes are therefore never used as identifiers or replay guards.
    let f = fixture();
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let env = &f.envs[2];
    let mut re = env.clone();
    re.proof = Groth16::<Bn254>::rerandomize_proof(&f.pk.vk, &env.proof, &mut rng);
    assert_ne!(re.proof_bytes(), env.proof_bytes());
    f.key.verify(&re).unwrap();
    let mut batch = f.envs.clone();
    batch.push(re);
    f.key.verify_batch(&batch).unwrap();
}

/// The snarkjs CLI: `$SNARKJS`, else `node_modules/.bin/snarkjs` or
/// `.ci/node_modules/.bin/snarkjs` under the workspace root, else `snarkjs` on `PATH`.
fn find_snarkjs() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SNARKJS") {
        return Some(PathBuf::from(p));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    for rel in ["node_modules/.bin/snarkjs", ".ci/node_modules/.bin/snarkjs"] {
        let p = root.join(rel);
        if p.exists() {
            return Some(p);
        }
    }
    let ok = Command::new("snarkjs").arg("--version").output().is_ok();
    ok.then(|| PathBuf::from("snarkjs"))
}

fn snarkjs_verify(cli: &Path, dir: &Path, public: &serde_json::Value) -> (bool, String) {
    std::fs::write(dir.join("public.json"), public.to_string()).unwrap();
    let out = Command::new(cli)
        .current_dir(dir)
        .args(["groth16", "verify", "vk.json", "public.json", "proof.json"])
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", cli.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn snarkjs_accepts_exported_proofs() {
    let Some(cli) = find_snarkjs() else {
        assert!(
            std::env::var("ZKCREDIT_REQUIRE_SNARKJS").as_deref() != Ok("1"),
            "snarkjs not found and ZKCREDIT_REQUIRE_SNARKJS=1"
        );
        println!("snarkjs not found, skipping");
        return;
    };
    let f = fixture();
    let env = &f.envs[4];
    let dir = TempDir::new("snarkjs");
    std::fs::write(
        dir.0.join("vk.json"),
        snarkjs::verification_key_json(f.key.vk()).to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.0.join("proof.json"),
        snarkjs::proof_json(&env.proof).to_string(),
    )
    .unwrap();

    let (ok, out) = snarkjs_verify(&cli, &dir.0, &snarkjs::public_json(&env.public_inputs));
    assert!(
        ok && out.contains("OK"),
        "snarkjs rejected a valid proof:\n{out}"
    );

    let mut tampered = env.public_inputs.clone();
    tampered[1] += Fr::one();
    let (ok, out) = snarkjs_verify(&cli, &dir.0, &snarkjs::public_json(&tampered));
    assert!(
        !ok && !out.contains("OK"),
        "snarkjs accepted a tampered input:\n{out}"
    );
}

#[test]
fn key_round_trips_through_canonical_bytes() {
    let f = fixture();
    let mut bytes = Vec::new();
    f.key.vk().serialize_compressed(&mut bytes).unwrap();
    assert_eq!(blake2b256(&bytes), f.key.vk_hash());
    let vk = VerifyingKey::<Bn254>::deserialize_compressed(&bytes[..]).unwrap();
    assert_eq!(&vk, f.key.vk());
}

#[test]
fn hand_built_envelopes_with_bad_points_are_malformed() {
    use ark_bn254::{Fq, G1Affine, G2Affine};
    use ark_ec::AffineRepr;
    let f = fixture();
    let mut env = f.envs[0].clone();
    env.proof.b = G2Affine::zero();
    assert!(matches!(f.key.verify(&env), Err(VerifyError::Malformed(m)) if m.contains("point B")));
    let mut env = f.envs[0].clone();
    env.proof.c = G1Affine::new_unchecked(Fq::from(1u64), Fq::from(3u64)); // off the curve
    assert!(matches!(f.key.verify(&env), Err(VerifyError::Malformed(m)) if m.contains("point C")));
    let e = f.key.verify_batch(&[f.envs[0].clone(), env]).unwrap_err();
    assert!(matches!(
        e,
        BatchError::Structural {
            index: 1,
            source: VerifyError::Malformed(_)
        }
    ));
}
