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
#[derive(Debug)]
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

static PARAMS: [OnceLock<PoseidonParams>; MAX_ARITY] = [const { OnceLock::new() }; MAX_ARITY];

/// The parameters for `arity` inputs, generated on first use and cached for the process.
///
/// # Errors
/// [`Error::PoseidonArity`] unless `1 <= arity <= 16`.
pub fn params(arity: usize) -> Result<&'static PoseidonParams, Error> {
    if arity == 0 || arity > MAX_ARITY {
        return Err(Error::PoseidonArity(arity));
    }
    Ok(PARAMS[arity - 1].get_or_init(|| {
        let partial_rounds = PARTIAL_ROUNDS[arity - 1];
        let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(
            254,
            arity,
            FULL_ROUNDS as u64,
            partial_rounds as u64,
            0,
        );
        PoseidonParams {
            width: arity + 1,
            partial_rounds,
            ark,
            mds,
        }
    }))
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
