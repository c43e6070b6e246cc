//! The `zkcredit-pk/v2` proving-key file: round trips, proofs from loaded keys, the pinned
//! hash, strict validation of points and matrices, and malformed files.

use ark_bn254::{Fq2, G2Affine};
use ark_ff::UniformRand;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use zkcredit_circuits::prelude::*;
use zkcredit_prover::pk_file::{self, Validation};
use zkcredit_prover::sample::sample_world;
use zkcredit_prover::*;
use zkcredit_verifier::{blake2b256, VerifyError};

const DEPTH: usize = 20;

fn policy_keys() -> &'static ProvingKeys {
    static K: OnceLock<ProvingKeys> = OnceLock::new();
    K.get_or_init(|| setup(CircuitId::Policy { depth: DEPTH }, Some(7)).unwrap())
}

fn encoded() -> Vec<u8> {
    let keys = policy_keys();
    pk_file::encode(&keys.pk, keys.prover.matrices()).unwrap()
}

/// A fresh keys directory holding the policy keys.
fn saved(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zkcredit-pkv2-{name}-{}", std::process::id()));
    policy_keys().save(&dir).unwrap();
    dir
}

/// Overwrites `proving_key.bin` and pins its new hash in `meta.json`, as someone who hands
/// out a whole keys directory of unknown origin could.
fn replace_and_repin(dir: &Path, bytes: &[u8]) {
    std::fs::write(dir.join("proving_key.bin"), bytes).unwrap();
    let meta_path = dir.join("meta.json");
    let mut meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
    meta["pk_hash"] = hex_string(&blake2b256(bytes)).into();
    std::fs::write(&meta_path, serde_json::to_vec(&meta).unwrap()).unwrap();
}

fn hex_string(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Byte offset of point `i` of the G1 query that follows `skip` earlier G1 queries.
fn g1_offset(bytes: &[u8], skip: usize, i: usize) -> usize {
    let vk_len = u64::from_le_bytes(bytes[16..24].try_into().unwrap()) as usize;
    let mut at = 24 + vk_len + 24 + 2 * 64;
    for _ in 0..skip {
        let n = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
        at += 8 + 64 * n;
    }
    at + 8 + 64 * i
}

/// Byte offset of point `i` of `b_g2_query` (after the four G1 queries).
fn g2_offset(bytes: &[u8], i: usize) -> usize {
    let at = g1_offset(bytes, 4, 0) - 8;
    at + 8 + 128 * i
}

/// Proves with `keys` (`prove_policy` checks its own proof) and verifies again.
fn prove_and_verify(keys: &ProvingKeys) -> Result<(), String> {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let world = sample_world(DEPTH, &mut rng).unwrap();
    let env = prove_policy(keys, &world.input().unwrap(), &mut rng).map_err(|e| e.to_string())?;
    keys.verifier
        .verify(&env)
        .map_err(|e: VerifyError| e.to_string())
}

#[test]
fn round_trips_in_both_modes_and_proofs_from_a_loaded_key_verify() {
    let keys = policy_keys();
    let bytes = encoded();
    assert_eq!(
        bytes.len(),
        pk_file::encoded_len(&keys.pk, keys.prover.compact())
    );
    for mode in [Validation::Trusted, Validation::Strict] {
        let (pk, m) = pk_file::decode(&bytes, mode).unwrap();
        assert_eq!(pk, keys.pk, "{mode:?}");
        assert_eq!(&m, keys.prover.matrices(), "{mode:?}");
    }
    let dir = saved("roundtrip");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["pk_format"], pk_file::FORMAT);
    assert_eq!(meta["pk_size"], bytes.len());
    for check in [KeyCheck::Pinned, KeyCheck::Strict] {
        let loaded = ProvingKeys::load_with(&dir, check).unwrap();
        assert_eq!(loaded.pk, keys.pk);
        assert_eq!(loaded.prover.matrices(), keys.prover.matrices());
        prove_and_verify(&loaded).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn strict_mode_rejects_points_that_the_pinned_hash_lets_through() {
    let dir = saved("points");
    let clean = encoded();

    // A point off the curve: the pinned-hash load takes it (the prover's own check then
    // refuses the proof it makes), the strict load names it.
    let mut bytes = clean.clone();
    let at = g1_offset(&bytes, 0, 0) + 32; // a_query[0].y (z_0 = 1 always scales it)
    bytes[at] ^= 1;
    replace_and_repin(&dir, &bytes);
    let trusting = ProvingKeys::load(&dir).unwrap();
    let e = prove_and_verify(&trusting).unwrap_err();
    assert!(e.contains("does not verify"), "{e}");
    let e = ProvingKeys::load_with(&dir, KeyCheck::Strict)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("a_query[0]: not a point of the prime-order group"),
        "{e}"
    );

    // A coordinate at or above the modulus.
    let mut bytes = clean.clone();
    let at = g1_offset(&bytes, 3, 2); // l_query[2].x
    bytes[at..at + 32].fill(0xff);
    replace_and_repin(&dir, &bytes);
    let e = ProvingKeys::load_with(&dir, KeyCheck::Strict)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("l_query[2]: coordinate not below the modulus"),
        "{e}"
    );

    // A G2 point on the curve but outside the prime-order subgroup (BN254's G2 has a
    // cofactor; a random point of the twist is almost surely outside).
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let rogue = loop {
        if let Some(p) = G2Affine::get_point_from_x_unchecked(Fq2::rand(&mut rng), true) {
            if p.is_on_curve() && !p.is_in_correct_subgroup_assuming_on_curve() {
                break p;
            }
        }
    };
    let mut bytes = clean.clone();
    let at = g2_offset(&bytes, 3);
    let mut raw = Vec::new();
    for c in [rogue.x.c0, rogue.x.c1, rogue.y.c0, rogue.y.c1] {
        for l in c.0 .0 {
            raw.extend_from_slice(&l.to_le_bytes());
        }
    }
    bytes[at..at + 128].copy_from_slice(&raw);
    replace_and_repin(&dir, &bytes);
    let e = ProvingKeys::load_with(&dir, KeyCheck::Strict)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("b_g2_query[3]: not a point of the prime-order group"),
        "{e}"
    );

    // The hash pins every byte: the same change without re-pinning is refused either way.
    std::fs::write(dir.join("proving_key.bin"), &clean).unwrap();
    for check in [KeyCheck::Pinned, KeyCheck::Strict] {
        let e = ProvingKeys::load_with(&dir, check).unwrap_err().to_string();
        assert!(e.contains("corrupt or replaced"), "{e}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn strict_mode_compares_the_matrices_with_the_circuit() {
    let dir = saved("matrices");
    let mut bytes = encoded();
    // The last entry of matrix C (the file's last 8 bytes) gets another coefficient from
    // the table: a well-formed file, but not the circuit's relation.
    let n = bytes.len();
    let c = u32::from_le_bytes(bytes[n - 4..].try_into().unwrap());
    bytes[n - 4..].copy_from_slice(&(c ^ 1).to_le_bytes());
    replace_and_repin(&dir, &bytes);
    let e = ProvingKeys::load_with(&dir, KeyCheck::Strict)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("the stored constraint matrices are not those of policy-d20-k8-c4"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn malformed_files_are_errors_that_name_the_section() {
    let clean = encoded();
    let err = |bytes: &[u8]| {
        pk_file::decode(bytes, Validation::Trusted)
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let mut v1 = clean.clone();
    v1[..16].copy_from_slice(b"zkcredit-pk/v1\0\0");
    assert!(err(&v1).contains("regenerate the keys"), "{}", err(&v1));
    assert!(err(b"not a key at all").contains("not a zkcredit-pk/v2 file"));
    // Truncated anywhere: an error, never a panic.
    for cut in [10, 30, 200, clean.len() / 2, clean.len() - 1] {
        let e = err(&clean[..cut]);
        assert!(e.contains("truncated in"), "cut at {cut}: {e}");
    }
    let mut long = clean.clone();
    long.push(0);
    assert!(err(&long).contains("trailing bytes"));
    // A matrix entry naming a variable or a coefficient that does not exist (the last
    // entry is the file's last 8 bytes: variable index, coefficient index).
    let mut bad_index = clean.clone();
    let at = clean.len() - 8;
    bad_index[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let e = err(&bad_index);
    assert!(
        e.contains("matrix C") && e.contains("names variable 4294967295"),
        "{e}"
    );
    let mut bad_coeff = clean.clone();
    bad_coeff[at + 4..].copy_from_slice(&u32::MAX.to_le_bytes());
    let e = err(&bad_coeff);
    assert!(
        e.contains("matrix C") && e.contains("names coefficient 4294967295"),
        "{e}"
    );
    // A query count that disagrees with the recorded shape.
    let mut short = clean.clone();
    let at = g1_offset(&clean, 0, 0) - 8;
    let n = u64::from_le_bytes(clean[at..at + 8].try_into().unwrap());
    short[at..at + 8].copy_from_slice(&(n - 1).to_le_bytes());
    assert!(!err(&short).is_empty());
}
