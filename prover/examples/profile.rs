//! Where a policy proof's time goes: `cargo run --release -p zkcredit-prover --example profile`
//!
//! Prints stock ark-groth16 proving (synthesis with matrices every time), the cached prover
//! with arkworks' MSM, with our MSM without the GLV split, "previous" (the 2-dimensional split
//! on G2 and arkworks' FFTs for the quotient: the prover before the 4-dimensional `psi` split
//! and [`zkcredit_prover::quotient`]), without overlapping the quotient
//! and the MSMs, and as it runs, with its per-step breakdown: medians over interleaved
//! rounds. Arguments: depth (20), rounds (9),
//! circuit (`policy`, the default, or `membership`).

use ark_relations::gr1cs::ConstraintSynthesizer;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::{Duration, Instant};
use zkcredit_circuits::circuit::{MembershipCircuit, PolicyCircuit};
use zkcredit_circuits::prelude::*;
use zkcredit_prover::groth16::{CachedProver, MsmImpl, ProveTimings};
use zkcredit_prover::sample::sample_world;
use zkcredit_prover::{check_membership, check_policy, setup, MembershipInput, ProvingKeys};

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

fn main() {
    let depth: usize = std::env::args()
        .nth(1)
        .and_then(|d| d.parse().ok())
        .unwrap_or(20);
    let runs: usize = std::env::args()
        .nth(2)
        .and_then(|d| d.parse().ok())
        .unwrap_or(9);
    let which = std::env::args()
        .nth(3)
        .unwrap_or_else(|| "policy".to_string());
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let world = sample_world(depth, &mut rng).unwrap();
    if which == "membership" {
        // the sample identity as the last of four members
        let mut tree = MerkleTree::new(depth).unwrap();
        for i in 0..3u64 {
            tree.append(Fr::from(1000 + i)).unwrap();
        }
        tree.append(world.identity.commitment()).unwrap();
        let input = MembershipInput {
            identity: &world.identity,
            path: tree.path(tree.len() - 1).unwrap(),
            root: tree.root(),
            scope: Fr::from(42u64),
            signal: Fr::from(7u64),
        };
        let keys = setup(CircuitId::Membership { depth }, Some(1)).unwrap();
        let public_inputs = check_membership(&input).unwrap().0.public_inputs();
        let circuit = || {
            let (st, w) = check_membership(&input).unwrap();
            MembershipCircuit::new(depth, st, w).unwrap()
        };
        let blank = MembershipCircuit::blank(depth);
        let name = format!("membership-d{depth}");
        profile(&name, &keys, blank, circuit, public_inputs, runs, &mut rng);
    } else {
        let input = world.input().unwrap();
        let keys = setup(CircuitId::Policy { depth }, Some(1)).unwrap();
        let public_inputs = check_policy(&input).unwrap().0.public_inputs();
        let circuit = || {
            let (st, w) = check_policy(&input).unwrap();
            PolicyCircuit::new(depth, st, w).unwrap()
        };
        let blank = PolicyCircuit::blank(depth);
        let name = format!("policy-d{depth}-k8-c4");
        profile(&name, &keys, blank, circuit, public_inputs, runs, &mut rng);
    }
}

/// Interleaved rounds of every variant on one circuit, then the medians.
fn profile<C: ConstraintSynthesizer<Fr>>(
    name: &str,
    keys: &ProvingKeys,
    blank: C,
    circuit: impl Fn() -> C,
    public_inputs: Vec<Fr>,
    runs: usize,
    rng: &mut ChaCha20Rng,
) {
    let mut stock = Vec::new();
    let mut cached = CachedProver::new(&keys.pk, blank).unwrap();
    let mut all: Vec<ProveTimings> = Vec::new();
    let mut ark: Vec<ProveTimings> = Vec::new();
    let mut serial: Vec<ProveTimings> = Vec::new();
    let mut noglv: Vec<ProveTimings> = Vec::new();
    let mut glv2: Vec<ProveTimings> = Vec::new();
    let mut joins: Vec<ProveTimings> = Vec::new();
    // CPU time of every variant (all threads), which load from other processes does not
    // inflate: [stock, arkworks MSM, no GLV, previous, no overlap, now, nested joins].
    let mut cpu: [Vec<Duration>; 7] = Default::default();
    // Interleaved rounds: a change in machine load hits every variant alike.
    for _ in 0..runs {
        let c = circuit();
        let t = Instant::now();
        let before = cpu_time();
        let _ = ark_groth16::Groth16::<ark_bn254::Bn254>::create_random_proof_with_reduction(
            c, &keys.pk, rng,
        )
        .unwrap();
        stock.push(t.elapsed());
        cpu[0].push(cpu_time().saturating_sub(before));
        let mut run = |cached: &CachedProver, slot: usize| {
            let before = cpu_time();
            let out = cached.prove(&keys.pk, circuit(), rng).unwrap();
            cpu[slot].push(cpu_time().saturating_sub(before));
            out
        };
        cached.msm = MsmImpl::Arkworks;
        ark.push(run(&cached, 1).1);
        cached.msm = MsmImpl::BatchAffineNoGlv;
        noglv.push(run(&cached, 2).1);
        cached.msm = MsmImpl::BatchAffineGlv2;
        cached.own_fft = false;
        glv2.push(run(&cached, 3).1);
        cached.own_fft = true;
        cached.msm = MsmImpl::BatchAffine;
        cached.overlap = false;
        serial.push(run(&cached, 4).1);
        cached.overlap = true;
        cached.schedule = false;
        joins.push(run(&cached, 6).1);
        cached.schedule = true;
        let (proof, t) = run(&cached, 5);
        all.push(t);
        let env = zkcredit_verifier::Envelope {
            circuit: keys.id.to_string(),
            vk_hash: None,
            public_inputs: public_inputs.clone(),
            proof,
        };
        keys.verifier
            .verify(&env)
            .expect("cached prover's proof verifies");
    }
    let col = |f: fn(&ProveTimings) -> Duration| median(all.iter().map(f).collect());
    let acol = |f: fn(&ProveTimings) -> Duration| median(ark.iter().map(f).collect());
    let ncol = |f: fn(&ProveTimings) -> Duration| median(noglv.iter().map(f).collect());
    let gcol = |f: fn(&ProveTimings) -> Duration| median(glv2.iter().map(f).collect());
    println!(
        "{name}, {runs} proofs, medians (ms), threads: {}",
        rayon_threads()
    );
    let stock = median(stock);
    println!("  stock ark-groth16 prove      {stock:8.1}");
    println!(
        "  cached prover, arkworks MSM  {:8.1}   (a {:.1}, b G2 {:.1}, c {:.1})",
        acol(|t| t.total),
        acol(|t| t.msm_a),
        acol(|t| t.msm_b_g2),
        acol(|t| t.msm_c)
    );
    println!(
        "  cached prover, no GLV split  {:8.1}   (a {:.1}, b G2 {:.1}, c {:.1})",
        ncol(|t| t.total),
        ncol(|t| t.msm_a),
        ncol(|t| t.msm_b_g2),
        ncol(|t| t.msm_c)
    );
    println!(
        "  previous: G2 GLV, ark FFTs   {:8.1}   (a {:.1}, b G2 {:.1}, c {:.1}; {:.2} x stock)",
        gcol(|t| t.total),
        gcol(|t| t.msm_a),
        gcol(|t| t.msm_b_g2),
        gcol(|t| t.msm_c),
        gcol(|t| t.total) / stock
    );
    println!(
        "  cached prover, no overlap    {:8.1}",
        median(serial.iter().map(|t| t.total).collect())
    );
    println!(
        "  cached prover, nested joins  {:8.1}   (the first phase before list scheduling)",
        median(joins.iter().map(|t| t.total).collect())
    );
    println!(
        "  cached prover total          {:8.1}   ({:.2} x stock)",
        col(|t| t.total),
        col(|t| t.total) / stock
    );
    println!("    witness (synthesis)        {:8.1}", col(|t| t.witness));
    println!("    first phase, each step done at (ms into the phase; the steps share the cores):");
    println!("    quotient (constraints+FFT) {:8.1}", col(|t| t.quotient));
    println!("    MSM a   (G1)               {:8.1}", col(|t| t.msm_a));
    println!("    MSM b   (G2)               {:8.1}", col(|t| t.msm_b_g2));
    println!("    MSM c = r.b + l + h  (G1)  {:8.1}", col(|t| t.msm_c));
    if std::env::var_os("ZKCREDIT_PROFILE_COUNTS").is_some() {
        let cs = ark_relations::gr1cs::ConstraintSystem::<Fr>::new_ref();
        ark_relations::gr1cs::ConstraintSynthesizer::generate_constraints(circuit(), cs.clone())
            .unwrap();
        let mut full = cs.instance_assignment().unwrap();
        full.extend(cs.witness_assignment().unwrap());
        counts(&keys.pk, &full);
    }
    let mean = |v: Vec<Duration>| v.iter().sum::<Duration>().as_secs_f64() * 1e3 / v.len() as f64;
    let [c0, c1, c2, c3, c4, c5, c6] = cpu.map(mean);
    if c0 > 0.0 {
        println!(
            "  CPU ms per proof (mean), all threads: stock {c0:.1}, arkworks MSM {c1:.1}, no GLV {c2:.1}, previous {c3:.1}, no overlap {c4:.1}, nested joins {c6:.1}, now {c5:.1} ({:.2} x stock)",
            c5 / c0
        );
    }
    println!(
        "  matrices synthesized once    {:8.1}",
        cached.setup_time.as_secs_f64() * 1e3
    );
}

/// CPU time (user and system) of this process so far, from `/proc/self/stat`, in clock
/// ticks of 10 ms (so only sums over many proofs mean anything); zero where that is not
/// available.
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // fields after the command name (which is in parentheses): utime and stime are the
    // 12th and 13th
    let Some(rest) = stat.rsplit(')').next() else {
        return Duration::ZERO;
    };
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Counts of bases and scalar sizes per query (printed with `ZKCREDIT_PROFILE_COUNTS=1`).
pub fn counts(pk: &ark_groth16::ProvingKey<ark_bn254::Bn254>, full: &[Fr]) {
    use ark_ec::AffineRepr;
    use ark_ff::{BigInteger, PrimeField};
    let size = |x: &Fr| {
        let b = x.into_bigint().num_bits();
        let n = (-*x).into_bigint().num_bits();
        b.min(n)
    };
    let classify = |name: &str, nonzero_base: &dyn Fn(usize) -> bool, n: usize, offset: usize| {
        let (mut zero, mut bit, mut small, mut big, mut idle) = (0, 0, 0, 0, 0);
        for i in 0..n {
            if !nonzero_base(i) {
                idle += 1;
                continue;
            }
            let s = size(&full[i + offset]);
            match s {
                0 => zero += 1,
                1 => bit += 1,
                2..=64 => small += 1,
                _ => big += 1,
            }
        }
        println!("  {name:<6} identity bases {idle:5}  scalars: zero {zero:5} ±1 {bit:5} ≤64-bit {small:5} full {big:5}");
    };
    classify("a", &|i| !pk.a_query[i].is_zero(), pk.a_query.len(), 0);
    classify(
        "b_g1",
        &|i| !pk.b_g1_query[i].is_zero(),
        pk.b_g1_query.len(),
        0,
    );
    classify(
        "b_g2",
        &|i| !pk.b_g2_query[i].is_zero(),
        pk.b_g2_query.len(),
        0,
    );
    let ninst = pk.a_query.len() - pk.l_query.len();
    classify("l", &|i| !pk.l_query[i].is_zero(), pk.l_query.len(), ninst);
}
