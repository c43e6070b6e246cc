//! Proving-key size and load time, the current format against the previous one, in one run:
//! `cargo run --release -p zkcredit-prover --example pkload [depth] [rounds]`
//!
//! "v1" re-enacts the previous `zkcredit-pk/v1` load on the same key: hash the file, decode
//! compressed G1 points (a square root each, on all cores) and uncompressed G2 points, then
//! synthesize the constraint matrices. "v2" is `ProvingKeys::load` (hash, copy, no
//! synthesis); "v2 strict" is `ProvingKeys::load_with(KeyCheck::Strict)`. Rounds are
//! interleaved so that a change in machine load hits every variant alike.
use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_groth16::ProvingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use rayon::prelude::*;
use std::time::Instant;
use zkcredit_circuits::circuit::{MembershipCircuit, PolicyCircuit};
use zkcredit_circuits::statement::CircuitId;
use zkcredit_prover::groth16::{CachedProver, R1csMatrices};
use zkcredit_prover::{setup, KeyCheck, ProvingKeys};
use zkcredit_verifier::blake2b256;

/// The v1 body: compressed G1 queries, uncompressed G2 query.
fn v1_encode(pk: &ProvingKey<Bn254>) -> Vec<u8> {
    let mut out = Vec::new();
    for q in [&pk.a_query, &pk.b_g1_query, &pk.h_query, &pk.l_query] {
        for p in q.iter() {
            p.serialize_compressed(&mut out).unwrap();
        }
    }
    for p in &pk.b_g2_query {
        p.serialize_uncompressed(&mut out).unwrap();
    }
    out
}

fn v1_load(id: CircuitId, bytes: &[u8], pk: &ProvingKey<Bn254>) -> CachedProver {
    let _ = blake2b256(bytes);
    let g1 = pk.a_query.len() + pk.b_g1_query.len() + pk.h_query.len() + pk.l_query.len();
    let (g1_bytes, g2_bytes) = bytes.split_at(32 * g1);
    let _: Vec<G1Affine> = g1_bytes
        .par_chunks_exact(32)
        .map(|c| G1Affine::deserialize_with_mode(c, Compress::Yes, Validate::No).unwrap())
        .collect();
    let _: Vec<G2Affine> = g2_bytes
        .par_chunks_exact(128)
        .map(|c| G2Affine::deserialize_with_mode(c, Compress::No, Validate::No).unwrap())
        .collect();
    let m = match id {
        CircuitId::Policy { depth } => R1csMatrices::synthesize(PolicyCircuit::blank(depth)),
        CircuitId::Membership { depth } => {
            R1csMatrices::synthesize(MembershipCircuit::blank(depth))
        }
    }
    .unwrap();
    CachedProver::from_matrices(pk, m).unwrap()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let depth: usize = std::env::args()
        .nth(1)
        .and_then(|d| d.parse().ok())
        .unwrap_or(20);
    let rounds: usize = std::env::args()
        .nth(2)
        .and_then(|d| d.parse().ok())
        .unwrap_or(9);
    let dir = std::env::temp_dir().join(format!("zkcredit-pkload-{}", std::process::id()));
    for id in [CircuitId::Policy { depth }, CircuitId::Membership { depth }] {
        let keys = setup(id, Some(1)).unwrap();
        keys.save(&dir).unwrap();
        let size = std::fs::metadata(dir.join("proving_key.bin"))
            .unwrap()
            .len();
        let v1 = v1_encode(&keys.pk);
        let (mut t1, mut t2, mut ts) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            let t = Instant::now();
            let _ = v1_load(id, &v1, &keys.pk);
            t1.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let _ = ProvingKeys::load(&dir).unwrap();
            t2.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let _ = ProvingKeys::load_with(&dir, KeyCheck::Strict).unwrap();
            ts.push(t.elapsed().as_secs_f64() * 1e3);
        }
        println!("{id}: {rounds} interleaved rounds, medians");
        println!(
            "  v1 (compressed, synthesize)  {:>9} bytes (points only)  load {:7.1} ms",
            v1.len(),
            median(t1)
        );
        println!(
            "  v2 (raw points + matrices)   {:>9} bytes               load {:7.1} ms",
            size,
            median(t2)
        );
        println!(
            "  v2, KeyCheck::Strict                                   load {:7.1} ms",
            median(ts)
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
