//! Poseidon over the BN254 scalar field, bit-for-bit compatible with circomlib's
//! `Poseidon(n)` template and circomlibjs' `poseidon` function.
//!
//! For `n` inputs the permutation has width `t = n + 1`, 8 full rounds (4 before and 4 after
//! the partial rounds), circomlib's partial-round count for that width, the S-box `x^5`, and
//! round constants and MDS matrix from the Grain LFSR of the Poseidon paper (the same
//! generator arkworks exposes as `find_poseidon_ark_and_mds`). The state starts as
//! `[0, in_0, …, in_{n-1}]`; the hash is `state[0]` after the permutation. (arkworks'
//! sponge squeezes `state[1]`, which is *not* circomlib's hash, so we run the permutation
//! ourselves.)
//!
//! One round is: add the round constants, apply the S-box (to every element in a full round,
//! to `state[0]` only in a partial round), multiply by the MDS matrix.
//!
//! The LFSR is slow (it draws one bit at a time, with rejection sampling, then inverts a
//! Cauchy matrix): it cost a `zkcredit prove policy` process ≈ 12 ms of every run before its
//! first hash, 16 ms of that for the 13-input credential commitment alone. So the constants
//! of the arities zkcredit hashes with ([`SHIPPED_ARITIES`]) are shipped as a table generated
//! from the LFSR (`poseidon/constants.rs`, written by the `poseidon_constants` example; a test
//! regenerates every entry and compares); other arities still run the LFSR on first use.

use crate::{Error, Fr};
use ark_crypto_primitives::sponge::poseidon::find_poseidon_ark_and_mds;
use ark_ff::{Field, Zero};
use std::sync::OnceLock;

/// Largest supported arity (circomlib supports 1..=16 inputs).
pub const MAX_ARITY: usize = 16;
/// Number of full rounds, for every width.
pub const FULL_ROUNDS: usize = 8;
/// circomlib's partial-round counts, indexed by `t - 2` for widths `t = 2..=17`.
pub const PARTIAL_ROUNDS: [usize; MAX_ARITY] = [
    56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68,
];

/// Round constants and MDS matrix of one permutation width.
#[derive(Debug, PartialEq, Eq)]
pub struct PoseidonParams {
    /// Width of the state, `t = arity + 1`.
    pub width: usize,
    /// Partial rounds for this width.
    pub partial_rounds: usize,
    /// `ark[r][i]`: the constant added to `state[i]` at the start of round `r`.
    pub ark: Vec<Vec<Fr>>,
    /// `mds[i][j]`: the new `state[i]` is `sum_j mds[i][j] * state[j]`.
    pub mds: Vec<Vec<Fr>>,
}

impl PoseidonParams {
    /// Total number of rounds.
    pub fn rounds(&self) -> usize {
        FULL_ROUNDS + self.partial_rounds
    }

    /// Whether round `r` is a full round (S-box on every element).
    pub fn is_full_round(&self, r: usize) -> bool {
        r < FULL_ROUNDS / 2 || r >= FULL_ROUNDS / 2 + self.partial_rounds
    }
}

// Generated (one element per line, as the generator writes it): not for rustfmt.
#[rustfmt::skip]
mod constants;

/// The arities whose constants ship as a table ([`params`] takes them from it).
pub const SHIPPED_ARITIES: [usize; 4] = [1, 2, 4, 13];

static PARAMS: [OnceLock<PoseidonParams>; MAX_ARITY] = [const { OnceLock::new() }; MAX_ARITY];

fn check_arity(arity: usize) -> Result<(), Error> {
    if arity == 0 || arity > MAX_ARITY {
        return Err(Error::PoseidonArity(arity));
    }
    Ok(())
}

/// The parameters for `arity` inputs, cached for the process: from the shipped table for
/// [`SHIPPED_ARITIES`], from the LFSR ([`generate`]) on first use otherwise.
///
/// # Errors
/// [`Error::PoseidonArity`] unless `1 <= arity <= 16`.
pub fn params(arity: usize) -> Result<&'static PoseidonParams, Error> {
    check_arity(arity)?;
    Ok(PARAMS[arity - 1].get_or_init(|| match shipped(arity) {
        Some(p) => p,
        None => lfsr(arity),
    }))
}

/// The parameters for `arity` inputs from the shipped table, `None` for an arity not in
/// [`SHIPPED_ARITIES`].
pub fn shipped(arity: usize) -> Option<PoseidonParams> {
    let (_, ark, mds) = constants::SHIPPED.iter().find(|(a, _, _)| *a == arity)?;
    let width = arity + 1;
    Some(PoseidonParams {
        width,
        partial_rounds: PARTIAL_ROUNDS[arity - 1],
        ark: ark.chunks_exact(width).map(<[Fr]>::to_vec).collect(),
        mds: mds.chunks_exact(width).map(<[Fr]>::to_vec).collect(),
    })
}

/// The parameters for `arity` inputs from the Grain LFSR of the Poseidon paper (arkworks'
/// `find_poseidon_ark_and_mds`): the reference the shipped table was generated from.
///
/// # Errors
/// [`Error::PoseidonArity`] unless `1 <= arity <= 16`.
pub fn generate(arity: usize) -> Result<PoseidonParams, Error> {
    check_arity(arity)?;
    Ok(lfsr(arity))
}

fn lfsr(arity: usize) -> PoseidonParams {
    let partial_rounds = PARTIAL_ROUNDS[arity - 1];
    let (ark, mds) =
        find_poseidon_ark_and_mds::<Fr>(254, arity, FULL_ROUNDS as u64, partial_rounds as u64, 0);
    PoseidonParams {
        width: arity + 1,
        partial_rounds,
        ark,
        mds,
    }
}

#[inline]
fn sbox(x: &mut Fr) {
    let x2 = x.square();
    let x4 = x2.square();
    *x *= x4;
}

/// The Poseidon permutation of width `params.width`, in place.
pub fn permute(params: &PoseidonParams, state: &mut [Fr]) {
    debug_assert_eq!(state.len(), params.width);
    let t = params.width;
    let mut next = vec![Fr::zero(); t];
    for r in 0..params.rounds() {
        for (s, c) in state.iter_mut().zip(&params.ark[r]) {
            *s += c;
        }
        if params.is_full_round(r) {
            state.iter_mut().for_each(sbox);
        } else {
            sbox(&mut state[0]);
        }
        for (i, n) in next.iter_mut().enumerate() {
            *n = params.mds[i]
                .iter()
                .zip(state.iter())
                .map(|(m, s)| *m * s)
                .sum();
        }
        state.copy_from_slice(&next);
    }
}

/// circomlib's `Poseidon(inputs.len())`.
///
/// # Errors
/// [`Error::PoseidonArity`] unless `1 <= inputs.len() <= 16`.
pub fn hash(inputs: &[Fr]) -> Result<Fr, Error> {
    let params = params(inputs.len())?;
    let mut state = Vec::with_capacity(params.width);
    state.push(Fr::zero());
    state.extend_from_slice(inputs);
    permute(params, &mut state);
    Ok(state[0])
}

/// `Poseidon(a)`, the one-input hash (identity commitments).
pub fn hash1(a: Fr) -> Fr {
    fixed(&[a])
}

/// `Poseidon(a, b)`, the two-input hash (Merkle nodes, nullifiers, registry leaves).
pub fn hash2(a: Fr, b: Fr) -> Fr {
    fixed(&[a, b])
}

/// A hash of a statically valid arity; the arity check cannot fail.
fn fixed(inputs: &[Fr]) -> Fr {
    match hash(inputs) {
        Ok(h) => h,
        Err(_) => unreachable!("arity {} is within 1..=16", inputs.len()),
    }
}

/// Hash of a fixed-size array of 1..=16 inputs.
pub fn hash_array<const N: usize>(inputs: &[Fr; N]) -> Fr {
    const { assert!(N >= 1 && N <= MAX_ARITY) };
    fixed(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped table is exactly what the LFSR generates, entry by entry, for every arity
    /// it covers (and covers exactly [`SHIPPED_ARITIES`]).
    #[test]
    fn shipped_constants_are_the_lfsr_output() {
        let tabled: Vec<usize> = constants::SHIPPED.iter().map(|(a, _, _)| *a).collect();
        assert_eq!(tabled, SHIPPED_ARITIES);
        for arity in 1..=MAX_ARITY {
            match shipped(arity) {
                Some(p) => {
                    let reference = generate(arity).unwrap();
                    assert_eq!(p.ark.len(), reference.rounds(), "arity {arity}");
                    assert!(p.ark.iter().chain(&p.mds).all(|r| r.len() == arity + 1));
                    assert_eq!(p, reference, "arity {arity}");
                }
                None => assert!(!SHIPPED_ARITIES.contains(&arity)),
            }
        }
    }

    #[test]
    fn params_take_the_table_and_refuse_bad_arities() {
        for arity in SHIPPED_ARITIES {
            assert_eq!(Some(params(arity).unwrap()), shipped(arity).as_ref());
        }
        assert!(matches!(params(0), Err(Error::PoseidonArity(0))));
        assert!(matches!(generate(17), Err(Error::PoseidonArity(17))));
    }
}
