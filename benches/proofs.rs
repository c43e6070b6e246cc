//! Criterion benchmarks of the policy circuit: setup, prove, verify (prepared key) and batch
//! verification of 8, 64 and 256 proofs.
//!
//! Depths come from `ZKCREDIT_BENCH_DEPTHS` (comma-separated, default `20`), e.g.
//!
//! ```sh
//! cargo bench --bench proofs                                   # depth 20, a few minutes
//! ZKCREDIT_BENCH_DEPTHS=10,16,20,32 cargo bench --bench proofs  # the full set
//! ```
//!
//! Batches are re-randomisations of one proof: distinct, valid proofs of the same statement,
//! which cost the verifier exactly what independent proofs cost.

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Duration;
use zkcredit_circuits::prelude::*;
use zkcredit_prover::sample::{sample_world, SampleWorld};
use zkcredit_prover::{Envelope, ProvingKeys};

const BATCH_SIZES: [usize; 3] = [8, 64, 256];

fn depths() -> Vec<usize> {
    std::env::var("ZKCREDIT_BENCH_DEPTHS")
        .unwrap_or_else(|_| "20".into())
        .split(',')
        .map(|d| {
            d.trim()
                .parse()
                .unwrap_or_else(|_| panic!("ZKCREDIT_BENCH_DEPTHS: bad depth {d:?}"))
        })
        .collect()
}

fn prove(keys: &ProvingKeys, w: &SampleWorld, rng: &mut ChaCha20Rng) -> Envelope {
    zkcredit_prover::prove_policy(keys, &w.input().unwrap(), rng).unwrap()
}

fn policy_benches(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    for depth in depths() {
        let id = CircuitId::Policy { depth };

        let mut g = c.benchmark_group("setup");
        g.sample_size(10).measurement_time(Duration::from_secs(20));
        g.bench_function(BenchmarkId::from_parameter(id), |b| {
            b.iter(|| zkcredit_prover::setup(id, Some(1)).unwrap())
        });
        g.finish();

        let keys = zkcredit_prover::setup(id, Some(1)).unwrap();
        let w = sample_world(depth, &mut rng).unwrap();

        let mut g = c.benchmark_group("prove");
        g.sample_size(10).measurement_time(Duration::from_secs(15));
        g.bench_function(BenchmarkId::from_parameter(id), |b| {
            b.iter(|| prove(&keys, &w, &mut rng))
        });
        g.finish();

        let env = prove(&keys, &w, &mut rng);
        let key = &keys.verifier;
        let mut g = c.benchmark_group("verify");
        g.bench_function(BenchmarkId::from_parameter(id), |b| {
            b.iter(|| key.verify(&env).unwrap())
        });
        g.finish();

        let mut g = c.benchmark_group(format!("batch_verify/{id}"));
        g.sample_size(20);
        for n in BATCH_SIZES {
            let envs: Vec<Envelope> = (0..n)
                .map(|_| {
                    let mut e = env.clone();
                    e.proof = Groth16::<Bn254>::rerandomize_proof(key.vk(), &env.proof, &mut rng);
                    e
                })
                .collect();
            g.throughput(Throughput::Elements(n as u64));
            g.bench_function(BenchmarkId::from_parameter(n), |b| {
                b.iter(|| key.verify_batch(&envs).unwrap())
            });
        }
        g.finish();
    }
}

criterion_group!(benches, policy_benches);
criterion_main!(benches);
