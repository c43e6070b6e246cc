//! The Poseidon gadget: circomlib's `Poseidon(n)` in R1CS.
//!
//! Cost: 3 constraints per S-box (`x^2`, `x^4`, `x^5`), none for the linear layers (they are
//! symbolic linear combinations) and none for S-boxes on constants — `state[0]` enters the
//! first round as the constant `0 + ark[0][0]`, so a hash of `n` inputs costs
//! `3 * (8 * (n + 1) + R_P - 1)` constraints: 213 for one input, 240 for two, 513 for 13.

use super::linear_combination;
use crate::poseidon::params;
use crate::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::SynthesisError;

fn sbox(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let x2 = x.square()?;
    let x4 = x2.square()?;
    Ok(x4 * x)
}

/// `Poseidon(inputs)` in-circuit, equal to [`crate::poseidon::hash`].
///
/// # Errors
/// [`SynthesisError::Unsatisfiable`] for an arity outside 1..=16; constraint system errors.
pub fn hash(inputs: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let p = params(inputs.len()).map_err(|_| SynthesisError::Unsatisfiable)?;
    let t = p.width;
    // Round 0's constants are added here; later rounds' constants are folded into the
    // previous round's linear layer.
    let mut state: Vec<FpVar<Fr>> = Vec::with_capacity(t);
    state.push(FpVar::Constant(p.ark[0][0]));
    for (x, c) in inputs.iter().zip(&p.ark[0][1..]) {
        state.push(linear_combination(&[(Fr::from(1u64), x)], *c)?);
    }
    let rounds = p.rounds();
    for r in 0..rounds {
        if p.is_full_round(r) {
            for s in state.iter_mut() {
                *s = sbox(s)?;
            }
        } else {
            state[0] = sbox(&state[0])?;
        }
        let last = r + 1 == rounds;
        let outputs = if last { 1 } else { t };
        let mut next = Vec::with_capacity(outputs);
        for i in 0..outputs {
            let terms: Vec<(Fr, &FpVar<Fr>)> = p.mds[i].iter().copied().zip(&state).collect();
            let k = if last {
                Fr::from(0u64)
            } else {
                p.ark[r + 1][i]
            };
            next.push(linear_combination(&terms, k)?);
        }
        state = next;
    }
    Ok(state.swap_remove(0))
}
