//! Proving regression guard: `cargo bench -p zkcredit-prover --bench prove`.
//!
//! Times a whole policy proof (cached prover), its steps (witness, quotient) and the MSMs it
//! runs, with arkworks' MSM beside ours at the same sizes, so a change in any part shows.

use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand};
use criterion::{criterion_group, criterion_main, Criterion};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkcredit_circuits::circuit::{MembershipCircuit, PolicyCircuit};
use zkcredit_circuits::prelude::*;
use zkcredit_prover::sample::sample_world;
use zkcredit_prover::{check_membership, check_policy, msm, setup, MembershipInput};

fn bench_prove(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let depth = 20;
    let world = sample_world(depth, &mut rng).unwrap();
    let input = world.input().unwrap();
    let id = &world.identity;
    let keys = setup(CircuitId::Policy { depth }, Some(1)).unwrap();
    let circuit = || {
        let (st, w) = check_policy(&input).unwrap();
        PolicyCircuit::new(depth, st, w).unwrap()
    };
    let mut g = c.benchmark_group("prove");
    g.sample_size(20);
    g.bench_function("policy-d20-k8-c4", |b| {
        b.iter(|| keys.prover.prove(&keys.pk, circuit(), &mut rng).unwrap())
    });
    g.bench_function("policy-d20-k8-c4/stock-ark-groth16", |b| {
        b.iter(|| {
            ark_groth16::Groth16::<ark_bn254::Bn254>::create_random_proof_with_reduction(
                circuit(),
                &keys.pk,
                &mut rng,
            )
            .unwrap()
        })
    });
    let mut members = MerkleTree::new(depth).unwrap();
    let mi = members.append(id.commitment()).unwrap();
    let minput = MembershipInput {
        identity: id,
        path: members.path(mi).unwrap(),
        root: members.root(),
        scope: Fr::from(3u64),
        signal: Fr::from(4u64),
    };
    let mkeys = setup(CircuitId::Membership { depth }, Some(2)).unwrap();
    g.bench_function("membership-d20", |b| {
        b.iter(|| {
            let (st, w) = check_membership(&minput).unwrap();
            let circuit = MembershipCircuit::new(depth, st, w).unwrap();
            mkeys.prover.prove(&mkeys.pk, circuit, &mut rng).unwrap()
        })
    });
    g.finish();
}

fn bench_msm(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let mut g = c.benchmark_group("msm");
    g.sample_size(10);
    // The policy proof's MSM sizes: a (G1, ~7.3k), b (G2, ~5.2k non-identity), c (G1, ~20.7k).
    for n in [7329usize, 20700] {
        let bases: Vec<_> = (0..n)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        let scalars: Vec<_> = (0..n).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
        g.bench_function(format!("g1-{n}/batch-affine"), |b| {
            b.iter(|| msm::msm(&bases, &scalars))
        });
        g.bench_function(format!("g1-{n}/arkworks"), |b| {
            b.iter(|| G1Projective::msm_bigint(&bases, &scalars))
        });
    }
    let n = 5243;
    let bases: Vec<_> = (0..n)
        .map(|_| G2Projective::rand(&mut rng).into_affine())
        .collect();
    let scalars: Vec<_> = (0..n).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
    g.bench_function(format!("g2-{n}/batch-affine"), |b| {
        b.iter(|| msm::msm(&bases, &scalars))
    });
    g.bench_function(format!("g2-{n}/arkworks"), |b| {
        b.iter(|| G2Projective::msm_bigint(&bases, &scalars))
    });
    g.finish();
}

criterion_group!(benches, bench_prove, bench_msm);
criterion_main!(benches);
