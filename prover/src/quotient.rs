//! libsnark's QAP quotient (the one ark-groth16's setup pairs with), with FFTs that keep
//! their twiddle and coset tables between proofs.
//!
//! `h` is the coefficient vector of `(A(X) B(X) - C(X)) / Z(X)`, where `A(X)` interpolates
//! the values `A_i . z` (and the instance, after the constraints) at the powers of the
//! domain's generator `w`, `Z(X) = X^n - 1`, and the division happens on the coset `g <w>`
//! (`g` the field's multiplicative generator). This is exactly what arkworks'
//! `LibsnarkReduction::witness_map_from_matrices` computes — the same `w` (ark-poly's
//! radix-2 domain) and `g`, so the same field elements; a test compares the two — in seven
//! size-`n` transforms, but:
//!
//! - the twiddle factors and the coset powers (with `1/n` and `1/Z(g)` folded in) are
//!   computed once per prover, not at every transform;
//! - the inverse transforms are decimation-in-frequency (natural order in, bit-reversed
//!   out) and the forward ones decimation-in-time (bit-reversed in, natural out), so no
//!   transform permutes its data: only the final `h` is gathered out of bit-reversed order;
//! - the three chains (`A`, `B`, `C`: evaluate the rows, interpolate, evaluate on the coset)
//!   run as independent tasks, which rayon interleaves with the MSMs that run meanwhile.

use crate::schedule::join;
use crate::sparse::CompactR1cs;
use ark_bn254::Fr;
use ark_ff::{FftField, Field, One, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_relations::utils::matrix::Matrix;

/// The tables of one domain size.
#[derive(Clone, Debug)]
pub struct Quotient {
    /// Domain size `n` (a power of two).
    n: usize,
    /// `log2(n)`.
    log_n: u32,
    /// `w^j` for `j < n / 2`.
    roots: Vec<Fr>,
    /// `w^-j` for `j < n / 2`.
    inv_roots: Vec<Fr>,
    /// At position `p`: `g^bitrev(p) / n` (from coefficients in bit-reversed order to the
    /// coset, with the inverse transform's `1/n`).
    to_coset: Vec<Fr>,
    /// At position `i`: `g^-i / (n Z(g))`, `Z(g) = g^n - 1` (back from the coset, divided
    /// by the vanishing polynomial, which is constant there).
    from_coset: Vec<Fr>,
}

fn bitrev(i: usize, log_n: u32) -> usize {
    if log_n == 0 {
        0
    } else {
        i.reverse_bits() >> (usize::BITS - log_n)
    }
}

/// `[s, s x, s x^2, ..]`, `len` of them.
fn powers(s: Fr, x: Fr, len: usize) -> Vec<Fr> {
    let mut out = Vec::with_capacity(len);
    let mut acc = s;
    for _ in 0..len {
        out.push(acc);
        acc *= x;
    }
    out
}

impl Quotient {
    /// The tables for `num_constraints` constraints and `num_inputs` instance variables
    /// (the domain holds both, as in arkworks); `None` when no radix-2 domain is that large.
    pub fn new(num_constraints: usize, num_inputs: usize) -> Option<Self> {
        let domain = Radix2EvaluationDomain::<Fr>::new(num_constraints + num_inputs)?;
        let n = domain.size();
        let log_n = n.trailing_zeros();
        let w = domain.group_gen;
        let w_inv = w.inverse()?;
        let g = Fr::GENERATOR;
        let g_inv = g.inverse()?;
        let n_inv = Fr::from(n as u64).inverse()?;
        let z_g = g.pow([n as u64]) - Fr::one();
        let scale = (z_g * Fr::from(n as u64)).inverse()?;
        // four independent tables (about 25k multiplications in all), built side by side
        let ((roots, inv_roots), (to_coset, from_coset)) = join(
            || {
                join(
                    || powers(Fr::one(), w, n / 2),
                    || powers(Fr::one(), w_inv, n / 2),
                )
            },
            || {
                join(
                    || {
                        let natural = powers(n_inv, g, n);
                        (0..n).map(|p| natural[bitrev(p, log_n)]).collect()
                    },
                    || powers(scale, g_inv, n),
                )
            },
        );
        Some(Self {
            n,
            log_n,
            roots,
            inv_roots,
            to_coset,
            from_coset,
        })
    }

    /// Decimation in frequency with `w^-1`, no scaling: values in natural order in,
    /// `n`-scaled coefficients in bit-reversed order out.
    fn inverse_dif(&self, v: &mut [Fr]) {
        let n = self.n;
        let mut half = n / 2;
        while half >= 1 {
            let stride = n / (2 * half);
            for block in v.chunks_exact_mut(2 * half) {
                let (lo, hi) = block.split_at_mut(half);
                for (j, (u, x)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                    let t = *u - *x;
                    *u += *x;
                    *x = if j == 0 {
                        t
                    } else {
                        t * self.inv_roots[j * stride]
                    };
                }
            }
            half /= 2;
        }
    }

    /// Decimation in time with `w`: coefficients in bit-reversed order in, values in
    /// natural order out.
    fn forward_dit(&self, v: &mut [Fr]) {
        let n = self.n;
        let mut half = 1;
        while half < n {
            let stride = n / (2 * half);
            for block in v.chunks_exact_mut(2 * half) {
                let (lo, hi) = block.split_at_mut(half);
                for (j, (u, x)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                    let t = if j == 0 {
                        *x
                    } else {
                        *x * self.roots[j * stride]
                    };
                    *x = *u - t;
                    *u += t;
                }
            }
            half *= 2;
        }
    }

    /// The values of one matrix's polynomial on the coset `g <w>`: its `m` rows' values
    /// (`row`; then `extra`, the instance, for `A`), interpolated, evaluated on the coset.
    fn rows_on_coset(&self, m: usize, row: impl Fn(usize) -> Fr, extra: &[Fr]) -> Vec<Fr> {
        let mut v = vec![Fr::zero(); self.n];
        for (r, slot) in v.iter_mut().take(m).enumerate() {
            *slot = row(r);
        }
        v[m..m + extra.len()].copy_from_slice(extra);
        self.inverse_dif(&mut v);
        for (x, s) in v.iter_mut().zip(&self.to_coset) {
            *x *= s;
        }
        self.forward_dit(&mut v);
        v
    }

    /// The quotient's coefficients (length `n`) for matrices `A`, `B`, `C` of
    /// `num_constraints` rows and the full assignment `z` (instance then witness); `None`
    /// when the shape does not fit this domain. Converts to the compact form the prover
    /// keeps and runs [`Self::compute_compact`].
    pub fn compute(&self, matrices: &[Matrix<Fr>], num_inputs: usize, z: &[Fr]) -> Option<Vec<Fr>> {
        let r1cs = crate::groth16::R1csMatrices {
            num_instance_variables: num_inputs,
            num_witness_variables: z.len().saturating_sub(num_inputs),
            num_constraints: matrices.first().map_or(0, Vec::len),
            matrices: matrices.to_vec(),
        };
        self.compute_compact(&CompactR1cs::from_matrices(&r1cs).ok()?, z)
    }

    /// [`Self::compute`] from the compact matrices; `None` when the shape does not fit this
    /// domain or `z` is shorter than the matrices' variables.
    pub fn compute_compact(&self, r1cs: &CompactR1cs, z: &[Fr]) -> Option<Vec<Fr>> {
        let (m, num_inputs) = (r1cs.num_constraints(), r1cs.num_instance_variables);
        // Every index below num_variables (a scan of the cells, ≈ 0.05 ms for policy-d20),
        // so rows evaluate within `z`.
        if m + num_inputs > self.n
            || z.len() < r1cs.num_variables()
            || !r1cs.fits(r1cs.num_variables())
        {
            return None;
        }
        let [a, b, c] = r1cs.matrices();
        let chain = |matrix, extra| self.rows_on_coset(m, |r| r1cs.evaluate(matrix, r, z), extra);
        let instance = &z[..num_inputs];
        let ((ab, b_vals), c_vals) = join(
            || join(|| chain(a, instance), || chain(b, &[])),
            || chain(c, &[]),
        );
        Some(self.divide(ab, &b_vals, &c_vals))
    }

    /// `h` from the values of `A`, `B`, `C` on the coset: `(A B - C) / Z` back in
    /// coefficients, out of bit-reversed order.
    fn divide(&self, mut ab: Vec<Fr>, b_vals: &[Fr], c_vals: &[Fr]) -> Vec<Fr> {
        for ((x, y), w) in ab.iter_mut().zip(b_vals).zip(c_vals) {
            *x = *x * y - w;
        }
        self.inverse_dif(&mut ab);
        (0..self.n)
            .map(|i| ab[bitrev(i, self.log_n)] * self.from_coset[i])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
    use ark_poly::GeneralEvaluationDomain;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn arkworks(matrices: &[Matrix<Fr>], num_inputs: usize, z: &[Fr]) -> Vec<Fr> {
        LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
            matrices,
            num_inputs,
            matrices[0].len(),
            z,
        )
        .expect("arkworks' quotient")
    }

    /// Random sparse matrices (coefficients one, minus one or random, repeated variables)
    /// and a random assignment: the quotient is a linear-algebra identity, so it must equal
    /// arkworks' for any assignment, satisfying or not.
    #[test]
    fn equals_arkworks_on_random_systems_of_every_small_size() {
        let mut rng = ChaCha20Rng::seed_from_u64(21);
        for (m, num_inputs, vars) in [
            (0, 1, 1),
            (1, 1, 2),
            (2, 2, 5),
            (3, 1, 4),
            (6, 2, 9),
            (7, 1, 7),
            (100, 28, 150),
            (1000, 24, 1100),
            (1025, 1, 900),
        ] {
            let r1cs = crate::sparse::random_r1cs(&mut rng, m, num_inputs, vars);
            let matrices = &r1cs.matrices;
            let z: Vec<Fr> = (0..vars).map(|_| Fr::rand(&mut rng)).collect();
            let tables = Quotient::new(m, num_inputs).expect("domain");
            let ours = tables.compute(matrices, num_inputs, &z).expect("fits");
            assert_eq!(ours, arkworks(matrices, num_inputs, &z), "m = {m}");
            // the compact form: the same matrices back, the same quotient
            let compact = CompactR1cs::from_matrices(&r1cs).expect("compact");
            assert_eq!(compact.to_matrices(), r1cs, "m = {m}");
            let entries: usize = compact.matrices().iter().map(|x| x.entries()).sum();
            assert!(compact.fits(vars));
            assert_eq!(compact.fits(0), entries == 0, "m = {m}");
            assert_eq!(tables.compute_compact(&compact, &z), Some(ours), "m = {m}");
            assert_eq!(
                tables.compute_compact(&compact, &z[..vars - 1]),
                None,
                "short z"
            );
        }
    }

    #[test]
    fn equals_arkworks_on_a_real_circuit_and_refuses_misfits() {
        use zkcredit_circuits::circuit::MembershipCircuit;
        let r1cs = crate::groth16::R1csMatrices::synthesize(MembershipCircuit::blank(4))
            .expect("synthesis");
        let mut rng = ChaCha20Rng::seed_from_u64(22);
        let z: Vec<Fr> = (0..r1cs.num_variables())
            .map(|_| Fr::rand(&mut rng))
            .collect();
        let tables =
            Quotient::new(r1cs.num_constraints, r1cs.num_instance_variables).expect("domain");
        assert_eq!(
            tables
                .compute(&r1cs.matrices, r1cs.num_instance_variables, &z)
                .expect("fits"),
            arkworks(&r1cs.matrices, r1cs.num_instance_variables, &z)
        );
        // an assignment too short for the matrices' indexes, or the wrong matrix count
        assert!(tables
            .compute(
                &r1cs.matrices,
                r1cs.num_instance_variables,
                &z[..z.len() - 1]
            )
            .is_none());
        assert!(tables
            .compute(&r1cs.matrices[..2], r1cs.num_instance_variables, &z)
            .is_none());
    }
}
