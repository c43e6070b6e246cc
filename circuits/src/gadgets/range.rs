//! Range checks by bit decomposition.
//!
//! `x` fits in `n` bits when there are `n` booleans `b_i` with `sum_i 2^i b_i = x`: `n`
//! booleanity constraints plus one packing constraint. Callers that need the packed value in
//! a constraint of their own can take the bits' linear combination instead and save the
//! packing constraint ([`alloc_bits`]).

use super::lc_of;
use crate::Fr;
use ark_ff::{BigInteger, PrimeField};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};

/// Allocates `n` witness bits holding the low `n` bits of `value` (little-endian) and returns
/// them with their packed linear combination `sum_i 2^i b_i`.
///
/// Nothing ties the bits to `value` here: the caller must constrain the packed combination.
/// If `value >= 2^n` the bits hold only its low part, so any such constraint fails.
///
/// # Errors
/// Constraint system errors.
pub fn alloc_bits(
    cs: ConstraintSystemRef<Fr>,
    value: Option<Fr>,
    n: usize,
) -> Result<(Vec<Boolean<Fr>>, LinearCombination<Fr>), SynthesisError> {
    assert!(
        n < 254,
        "range checks above 253 bits are not sound in BN254"
    );
    let bits_native: Option<Vec<bool>> = value.map(|v| v.into_bigint().to_bits_le());
    let mut bits = Vec::with_capacity(n);
    let mut lc = LinearCombination::<Fr>::new();
    let mut coeff = Fr::from(1u64);
    for i in 0..n {
        let b = Boolean::new_witness(cs.clone(), || {
            bits_native
                .as_ref()
                .map(|bs| bs[i])
                .ok_or(SynthesisError::AssignmentMissing)
        })?;
        match &b {
            Boolean::Var(v) => lc += (coeff, v.variable()),
            Boolean::Constant(true) => lc += (coeff, Variable::One),
            Boolean::Constant(false) => {}
        }
        bits.push(b);
        coeff += coeff;
    }
    Ok((bits, lc))
}

/// Enforces `0 <= x < 2^n` (as integers, `x` read in `[0, p)`): `n + 1` constraints.
/// Returns the bits, least significant first.
///
/// # Errors
/// [`SynthesisError::Unsatisfiable`] for a constant out of range; constraint system errors.
pub fn enforce_bit_length(x: &FpVar<Fr>, n: usize) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    if let FpVar::Constant(c) = x {
        let bits = c.into_bigint().to_bits_le();
        if bits[n..].iter().any(|b| *b) {
            return Err(SynthesisError::Unsatisfiable);
        }
        return Ok(bits[..n].iter().map(|b| Boolean::Constant(*b)).collect());
    }
    let cs = x.cs();
    let (bits, packed) = alloc_bits(cs.clone(), x.value().ok(), n)?;
    cs.enforce_r1cs_constraint(|| packed, || Variable::One.into(), || lc_of(x))?;
    Ok(bits)
}
