//! MSM tuning: `cargo run --release -p zkcredit-prover --example msm` — arkworks, our
//! batch-affine Pippenger without and with the GLV split, at the policy prover's sizes, with
//! the witness's share of zero scalars (about a fifth); best of several runs per variant,
//! the variants interleaved (robust on a shared machine).

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand, Zero};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::time::Instant;
use zkcredit_prover::msm;

fn time<F: FnMut()>(mut f: F) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1e3
}

/// CPU seconds (user and system, all threads) of this process so far, in 10 ms ticks, from
/// `/proc/self/stat`; zero where that is not available.
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit(')').next()?.to_string();
            let t: u64 = rest
                .split_whitespace()
                .skip(11)
                .take(2)
                .filter_map(|f| f.parse::<u64>().ok())
                .sum();
            Some(t as f64 * 10.0)
        })
        .unwrap_or(0.0)
}

/// G2 through the 2-dimensional GLV split and the 4-dimensional `psi` split, per window:
/// best wall time and mean CPU time (which other processes' load does not inflate).
fn run_g2(n: usize, rounds: usize, rng: &mut ChaCha20Rng) {
    use ark_bn254::{G2Affine, G2Projective};
    let scalars: Vec<_> = (0..n)
        .map(|_| {
            if rng.gen_bool(0.2) {
                Fr::zero().into_bigint()
            } else {
                Fr::rand(rng).into_bigint()
            }
        })
        .collect();
    let bases: Vec<G2Affine> = (0..n)
        .map(|_| G2Projective::rand(rng).into_affine())
        .collect();
    let (bases, scalars) = (&bases, &scalars);
    type Variant<'a> = (String, Box<dyn Fn() -> G2Projective + 'a>);
    let mut variants: Vec<Variant> = vec![(
        "GLV auto".into(),
        Box::new(move || msm::msm(bases, scalars)),
    )];
    for c in [9usize, 10, 11] {
        variants.push((
            format!("GLV c={c}"),
            Box::new(move || msm::msm_glv_with_window(bases, scalars, Some(c))),
        ));
    }
    variants.push((
        "psi4 auto".into(),
        Box::new(move || msm::psi4::msm(bases, scalars)),
    ));
    for c in [9usize, 10, 11, 12, 13] {
        variants.push((
            format!("psi4 c={c}"),
            Box::new(move || msm::psi4::msm_with_window(bases, scalars, Some(c))),
        ));
    }
    let mut wall = vec![f64::MAX; variants.len()];
    let mut cpu = vec![0.0; variants.len()];
    for _ in 0..rounds {
        for (i, (_, f)) in variants.iter().enumerate() {
            let c0 = cpu_ms();
            wall[i] = wall[i].min(time(|| {
                let _ = f();
            }));
            cpu[i] += cpu_ms() - c0;
        }
    }
    println!("G2 n={n}: best wall / mean CPU (ms)");
    for (i, (name, _)) in variants.iter().enumerate() {
        println!(
            "  {name:<10} {:6.1} / {:6.1}",
            wall[i],
            cpu[i] / rounds as f64
        );
    }
}

fn run<P: ark_ec::scalar_mul::glv::GLVConfig<ScalarField = Fr> + msm::Curve>(
    name: &str,
    n: usize,
    rng: &mut ChaCha20Rng,
) where
    Projective<P>: VariableBaseMSM<MulBase = Affine<P>, ScalarField = Fr> + UniformRand,
{
    let scalars: Vec<_> = (0..n)
        .map(|_| {
            if rng.gen_bool(0.2) {
                Fr::zero().into_bigint()
            } else {
                Fr::rand(rng).into_bigint()
            }
        })
        .collect();
    let bases: Vec<Affine<P>> = (0..n)
        .map(|_| Projective::<P>::rand(rng).into_affine())
        .collect();
    let bits = <P as ark_ec::CurveConfig>::ScalarField::MODULUS_BIT_SIZE as usize;
    let plain_c = msm::window_size(n, bits);
    let glv_cs = [9usize, 10, 11, 12, 13];
    let (mut ark, mut plain, mut glv_auto) = (f64::MAX, f64::MAX, f64::MAX);
    let mut glv = [f64::MAX; 5];
    for _ in 0..5 {
        ark = ark.min(time(|| {
            let _ = Projective::<P>::msm_bigint(&bases, &scalars);
        }));
        plain = plain.min(time(|| {
            let _ = msm::msm_with_window(&bases, &scalars, plain_c);
        }));
        glv_auto = glv_auto.min(time(|| {
            let _ = msm::msm(&bases, &scalars);
        }));
        for (t, &c) in glv.iter_mut().zip(&glv_cs) {
            *t = t.min(time(|| {
                let _ = msm::msm_glv_with_window(&bases, &scalars, Some(c));
            }));
        }
    }
    print!(
        "{name} n={n:6} arkworks {ark:6.1} ms | no GLV (c={plain_c}) {plain:6.1} | GLV auto {glv_auto:6.1} ({:.2} x arkworks) | GLV c=",
        glv_auto / ark
    );
    for (t, c) in glv.iter().zip(glv_cs) {
        print!(" {c}:{t:.1}");
    }
    println!();
}

fn main() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    if std::env::args().nth(1).as_deref() == Some("fft") {
        use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
        let domain = GeneralEvaluationDomain::<Fr>::new(8192).unwrap();
        let coset = domain
            .get_coset(<Fr as ark_ff::FftField>::GENERATOR)
            .unwrap();
        let mut v: Vec<Fr> = (0..8192).map(|_| Fr::rand(&mut rng)).collect();
        for _ in 0..3 {
            let t = time(|| domain.ifft_in_place(&mut v));
            let t2 = time(|| coset.fft_in_place(&mut v));
            let t3 = time(|| coset.ifft_in_place(&mut v));
            let t4 = time(|| domain.fft_in_place(&mut v));
            println!("8192: ifft {t:.2} ms, coset fft {t2:.2}, coset ifft {t3:.2}, fft {t4:.2}");
        }
        return;
    }
    if let Some(rounds) = std::env::args()
        .nth(1)
        .and_then(|a| a.strip_prefix("g2=").map(str::to_string))
    {
        run_g2(4300, rounds.parse().unwrap_or(10), &mut rng);
        return;
    }
    // policy-d20: the A query (5,800 variables), the C MSM (b, l and h queries), B in G2
    run::<ark_bn254::g1::Config>("G1", 5800, &mut rng);
    run::<ark_bn254::g1::Config>("G1", 18500, &mut rng);
    run::<ark_bn254::g2::Config>("G2", 4300, &mut rng);
}
