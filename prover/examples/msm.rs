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

fn run<P: ark_ec::scalar_mul::glv::GLVConfig<ScalarField = Fr>>(
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
    // policy-d20: the A query (5,800 variables), the C MSM (b, l and h queries), B in G2
    run::<ark_bn254::g1::Config>("G1", 5800, &mut rng);
    run::<ark_bn254::g1::Config>("G1", 18500, &mut rng);
    run::<ark_bn254::g2::Config>("G2", 4300, &mut rng);
}
