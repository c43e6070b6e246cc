//! circom's QAP reduction, the one snarkjs `.zkey` proving keys are made for.
//!
//! With `n` the evaluation domain (constraints plus public inputs plus one, rounded up to a
//! power of two) and `w` a primitive `2n`-th root of unity, snarkjs's H query holds
//! `H_i = L_{2i+1}(tau) / delta`, the odd-indexed Lagrange basis of the size-`2n` domain.
//! `A(X) B(X) - C(X) = h(X) t(X)` has degree below `2n` and vanishes on the even points (the
//! domain), so `h(tau) t(tau) = sum_i (AB - C)(w^(2i+1)) L_{2i+1}(tau)`: the scalars are the
//! values of `A B - C` at the **odd** powers `w^(2i+1)` — the coset `w * <w^2>` of the
//! domain — and no division by `t` happens here.
//!
//! arkworks' `LibsnarkReduction` instead divides by `Z` on a multiplicative coset; its keys
//! hold other H points, and the two reductions are not interchangeable: a key records which
//! one it needs (`meta.json` `qap`).
//!
//! Like snarkjs, `A` gets one extra row per instance variable (the constant one and every
//! public input), `a[m + i] = z_i`, so that the IC points are linearly independent; `B` and
//! `C` are zero there. `C` is taken as `A * B` on the constraint rows, which holds for a
//! satisfying witness (and only the prover's own proof suffers if it does not).

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_relations::gr1cs::SynthesisError;
use ark_relations::utils::matrix::Matrix;

#[cfg(feature = "parallel")]
use rayon::prelude::*;

fn evaluate(row: &[(Fr, usize)], z: &[Fr]) -> Fr {
    row.iter().fold(Fr::zero(), |acc, (coeff, i)| {
        acc + if coeff.is_one() {
            z[*i]
        } else {
            *coeff * z[*i]
        }
    })
}

/// Multiplies the `i`-th coefficient by `g^i`: evaluations on the domain then become
/// evaluations on the coset `g * domain`.
fn distribute_powers(coeffs: &mut [Fr], g: Fr) {
    const CHUNK: usize = 1 << 10;
    let step = |(k, chunk): (usize, &mut [Fr])| {
        let mut pow = g.pow([(k * CHUNK) as u64]);
        for c in chunk.iter_mut() {
            *c *= pow;
            pow *= g;
        }
    };
    #[cfg(feature = "parallel")]
    coeffs.par_chunks_mut(CHUNK).enumerate().for_each(step);
    #[cfg(not(feature = "parallel"))]
    coeffs.chunks_mut(CHUNK).enumerate().for_each(step);
}

/// The domain size circom and snarkjs use for `num_constraints` constraints and
/// `num_instance_variables` instance variables (the constant one included).
#[must_use]
pub fn domain_size(num_constraints: usize, num_instance_variables: usize) -> usize {
    (num_constraints + num_instance_variables).next_power_of_two()
}

/// The `n` scalars `h_i` of circom's reduction for the full assignment `z` (instance
/// variables, the constant one first, then witnesses) of the R1CS `matrices` (`[A, B, C]`).
///
/// # Errors
/// [`SynthesisError::PolynomialDegreeTooLarge`] when no FFT domain is large enough, and
/// [`SynthesisError::Unsatisfiable`] when `matrices` is not an R1CS of `num_constraints` rows
/// over `z`.
pub fn witness_map(
    matrices: &[Matrix<Fr>],
    num_instance_variables: usize,
    num_constraints: usize,
    z: &[Fr],
) -> Result<Vec<Fr>, SynthesisError> {
    let [a_m, b_m, _c_m] = matrices else {
        return Err(SynthesisError::Unsatisfiable);
    };
    if a_m.len() != num_constraints
        || b_m.len() != num_constraints
        || z.len() < num_instance_variables
    {
        return Err(SynthesisError::Unsatisfiable);
    }
    if a_m
        .iter()
        .chain(b_m.iter())
        .flatten()
        .any(|(_, i)| *i >= z.len())
    {
        return Err(SynthesisError::Unsatisfiable);
    }
    let n = domain_size(num_constraints, num_instance_variables);
    let domain =
        Radix2EvaluationDomain::<Fr>::new(n).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
    let w2n =
        Fr::get_root_of_unity((2 * n) as u64).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;

    let mut a = vec![Fr::zero(); n];
    let mut b = vec![Fr::zero(); n];
    #[cfg(feature = "parallel")]
    {
        a[..num_constraints]
            .par_iter_mut()
            .zip(b[..num_constraints].par_iter_mut())
            .zip(a_m.par_iter().zip(b_m.par_iter()))
            .for_each(|((a, b), (ra, rb))| {
                *a = evaluate(ra, z);
                *b = evaluate(rb, z);
            });
    }
    #[cfg(not(feature = "parallel"))]
    for (i, (ra, rb)) in a_m.iter().zip(b_m.iter()).enumerate() {
        a[i] = evaluate(ra, z);
        b[i] = evaluate(rb, z);
    }
    a[num_constraints..num_constraints + num_instance_variables]
        .copy_from_slice(&z[..num_instance_variables]);
    let mut c: Vec<Fr> = a.iter().zip(&b).map(|(a, b)| *a * b).collect();

    for v in [&mut a, &mut b, &mut c] {
        domain.ifft_in_place(v);
        distribute_powers(v, w2n);
        domain.fft_in_place(v);
    }
    #[cfg(feature = "parallel")]
    a.par_iter_mut()
        .zip(b.par_iter())
        .zip(c.par_iter())
        .for_each(|((a, b), c)| *a = *a * b - c);
    #[cfg(not(feature = "parallel"))]
    for ((a, b), c) in a.iter_mut().zip(&b).zip(&c) {
        *a = *a * b - c;
    }
    Ok(a)
}
