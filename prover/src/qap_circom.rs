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

use crate::sparse::CompactR1cs;
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
    from_rows(
        num_instance_variables,
        num_constraints,
        z,
        |r| evaluate(&a_m[r], z),
        |r| evaluate(&b_m[r], z),
    )
}

/// [`witness_map`] from the compact matrices the prover keeps ([`CompactR1cs`]).
///
/// # Errors
/// As [`witness_map`]; `Unsatisfiable` also when `z` is shorter than the matrices'
/// variables.
pub fn witness_map_compact(r1cs: &CompactR1cs, z: &[Fr]) -> Result<Vec<Fr>, SynthesisError> {
    // Every index is below num_variables (`CompactR1cs::fits`, checked when the prover was
    // made), so rows evaluate within `z`.
    if z.len() < r1cs.num_variables() || !r1cs.fits(r1cs.num_variables()) {
        return Err(SynthesisError::Unsatisfiable);
    }
    let [a_m, b_m, _] = r1cs.matrices();
    from_rows(
        r1cs.num_instance_variables,
        r1cs.num_constraints(),
        z,
        |r| r1cs.evaluate(a_m, r, z),
        |r| r1cs.evaluate(b_m, r, z),
    )
}

/// The reduction from row values: `row_a(r)` and `row_b(r)` are constraint `r`'s `A z` and
/// `B z`.
fn from_rows(
    num_instance_variables: usize,
    num_constraints: usize,
    z: &[Fr],
    row_a: impl Fn(usize) -> Fr + Sync,
    row_b: impl Fn(usize) -> Fr + Sync,
) -> Result<Vec<Fr>, SynthesisError> {
    if z.len() < num_instance_variables {
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
            .enumerate()
            .for_each(|(r, (a, b))| {
                *a = row_a(r);
                *b = row_b(r);
            });
    }
    #[cfg(not(feature = "parallel"))]
    for (r, (a, b)) in a[..num_constraints]
        .iter_mut()
        .zip(b[..num_constraints].iter_mut())
        .enumerate()
    {
        *a = row_a(r);
        *b = row_b(r);
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

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// The compact matrices give circom's reduction exactly what arkworks' form gives, on
    /// random systems (coefficients one, minus one or random; repeated variables).
    #[test]
    fn compact_matrices_give_the_same_reduction() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        for (m, inputs, vars) in [(1, 1, 2), (7, 2, 9), (100, 5, 120), (1000, 24, 1100)] {
            let r1cs = crate::sparse::random_r1cs(&mut rng, m, inputs, vars);
            let z: Vec<Fr> = (0..vars).map(|_| Fr::rand(&mut rng)).collect();
            let compact = CompactR1cs::from_matrices(&r1cs).expect("compact");
            let theirs = witness_map(&r1cs.matrices, inputs, m, &z).expect("fits");
            assert_eq!(
                witness_map_compact(&compact, &z).ok(),
                Some(theirs),
                "m = {m}"
            );
            assert!(
                witness_map_compact(&compact, &z[..vars - 1]).is_err(),
                "short z"
            );
        }
    }
}
