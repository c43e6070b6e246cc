//! R1CS gadgets (feature `r1cs`): Poseidon, Merkle paths, range checks.
//!
//! Each gadget matches its native twin in the crate root bit for bit; tests compare them on
//! random inputs across allocation modes.

pub mod merkle;
pub mod poseidon;
pub mod range;

use crate::Fr;
use ark_r1cs_std::fields::fp::{AllocatedFp, FpVar};
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{LinearCombination, SynthesisError, Variable};

/// The linear combination a field variable stands for.
pub fn lc_of(x: &FpVar<Fr>) -> LinearCombination<Fr> {
    match x {
        FpVar::Constant(c) => LinearCombination(vec![(*c, Variable::One)]),
        FpVar::Var(v) => v.variable.into(),
    }
}

/// `constant + sum_i coeffs[i] * vars[i]` as one symbolic linear combination: no constraint,
/// one entry in the constraint system however many terms (folding constants natively).
///
/// # Errors
/// Propagates the constraint system's errors.
pub fn linear_combination(
    terms: &[(Fr, &FpVar<Fr>)],
    constant: Fr,
) -> Result<FpVar<Fr>, SynthesisError> {
    let mut k = constant;
    let mut lc = Vec::with_capacity(terms.len() + 1);
    let mut value = Some(Fr::from(0u64));
    let mut cs = None;
    for (coeff, x) in terms {
        match x {
            FpVar::Constant(c) => k += *coeff * c,
            FpVar::Var(v) => {
                lc.push((*coeff, v.variable));
                value = match (value, v.value()) {
                    (Some(acc), Ok(val)) => Some(acc + *coeff * val),
                    _ => None,
                };
                cs = Some(v.cs.clone());
            }
        }
    }
    let Some(cs) = cs else {
        return Ok(FpVar::Constant(k));
    };
    if k != Fr::from(0u64) {
        lc.push((k, Variable::One));
    }
    let variable = cs.new_lc(|| LinearCombination(lc))?;
    Ok(FpVar::Var(AllocatedFp::new(
        value.map(|v| v + k),
        variable,
        cs,
    )))
}

/// The constraint-system handle behind a set of variables (none if all are constants).
pub fn cs_of(vars: &[&FpVar<Fr>]) -> ark_relations::gr1cs::ConstraintSystemRef<Fr> {
    vars.iter()
        .map(|v| v.cs())
        .fold(ark_relations::gr1cs::ConstraintSystemRef::None, |a, b| {
            a.or(b)
        })
}
