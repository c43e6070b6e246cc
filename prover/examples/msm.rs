//! MSM tuning: `cargo run --release -p zkcredit-prover --example msm` — arkworks vs
//! batch-affine at the prover's sizes, best of several runs (robust on a shared machine).

use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Instant;
use zkcredit_prover::msm;

fn best<F: FnMut()>(runs: usize, mut f: F) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::MAX, f64::min)
}

fn main() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for (name, n) in [("G1", 7329usize), ("G1", 18500), ("G2", 4058)] {
        let scalars: Vec<_> = (0..n).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
        if name == "G1" {
            let bases: Vec<_> = (0..n)
                .map(|_| G1Projective::rand(&mut rng).into_affine())
                .collect();
            let ark = best(5, || {
                let _ = G1Projective::msm_bigint(&bases, &scalars);
            });
            print!("{name} n={n:6} arkworks {ark:7.1} ms | batch-affine c=");
            for c in [8, 9, 10, 11, 12, 13] {
                let t = best(5, || {
                    let _ = msm::msm_with_window(&bases, &scalars, c);
                });
                print!(" {c}:{t:.1}");
            }
            println!("  (auto c={})", msm::window_size(n, 254));
        } else {
            let bases: Vec<_> = (0..n)
                .map(|_| G2Projective::rand(&mut rng).into_affine())
                .collect();
            let ark = best(5, || {
                let _ = G2Projective::msm_bigint(&bases, &scalars);
            });
            print!("{name} n={n:6} arkworks {ark:7.1} ms | batch-affine c=");
            for c in [7, 8, 9, 10, 11, 12] {
                let t = best(5, || {
                    let _ = msm::msm_with_window(&bases, &scalars, c);
                });
                print!(" {c}:{t:.1}");
            }
            println!("  (auto c={})", msm::window_size(n, 254));
        }
    }
}
