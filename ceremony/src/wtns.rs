//! circom's binary witness format `.wtns` (snarkjs `wtns_utils`, version 2), so that any
//! prover of the circom ecosystem — snarkjs, rapidsnark — can prove zkcredit's exact relation
//! from a ceremony `.zkey`, and `snarkjs wtns check` can check a witness against the `.r1cs`.
//!
//! Sections: 1 header (`n8 = 32`, the prime `r`, the number of values as `u32`); 2 the
//! values, `n8` bytes each, little endian, **canonical** (not Montgomery, unlike `.zkey`).
//! The values are the full assignment in the `.r1cs` wire order: the constant one, the public
//! inputs in the statement's order, then the witnesses ([`crate::relation`]).

use crate::binfile::{BinWriter, Cursor};
use crate::encoding::{fr_from_le, fr_to_le};
use crate::r1cs::{fr_to_le_modulus, open_over_fr};
use crate::relation::Relation;
use crate::CeremonyError;
use ark_bn254::Fr;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
use std::path::Path;

/// Runs `circuit` (with its assignment) and returns the full assignment `z`: the constant
/// one, the public inputs, the witnesses — the order of the exported `.r1cs`.
///
/// # Errors
/// [`CeremonyError::Synthesis`] when the circuit cannot be run (e.g. a missing value).
pub fn assignment<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Result<Vec<Fr>, CeremonyError> {
    let synth = |e: ark_relations::gr1cs::SynthesisError| CeremonyError::Synthesis(e.to_string());
    let cs = ConstraintSystem::<Fr>::new_ref();
    // The same optimisation goal as the relation (`Relation::of`), so that the witness
    // variables are the ones the `.r1cs` has.
    cs.set_optimization_goal(ark_relations::gr1cs::OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: false,
        generate_lc_assignments: false,
    });
    circuit.generate_constraints(cs.clone()).map_err(synth)?;
    let mut z = cs.instance_assignment().map_err(synth)?;
    z.extend(cs.witness_assignment().map_err(synth)?);
    Ok(z)
}

/// Whether `z` satisfies `rel`: the right length, `z₀ = 1`, and `A z ∘ B z = C z` in every
/// constraint. Returns the first failing constraint's index as the error.
///
/// # Errors
/// [`CeremonyError::Invalid`] naming what does not hold.
pub fn check(rel: &Relation, z: &[Fr]) -> Result<(), CeremonyError> {
    if z.len() != rel.num_vars {
        return Err(CeremonyError::Invalid(format!(
            "the witness has {} values, the relation {} wires",
            z.len(),
            rel.num_vars
        )));
    }
    if z.first() != Some(&Fr::from(1u64)) {
        return Err(CeremonyError::Invalid(
            "wire 0 (the constant one) is not 1".into(),
        ));
    }
    match rel.first_unsatisfied(z) {
        Some(k) => Err(CeremonyError::Invalid(format!(
            "the witness does not satisfy constraint {k}"
        ))),
        None => Ok(()),
    }
}

/// The `.wtns` bytes of `z`.
///
/// # Errors
/// [`CeremonyError::Invalid`] if `z` has more values than the format's `u32` counts.
pub fn to_bytes(z: &[Fr]) -> Result<Vec<u8>, CeremonyError> {
    let n = u32::try_from(z.len())
        .map_err(|_| CeremonyError::Invalid(format!("{} values exceed u32", z.len())))?;
    let mut header = Vec::with_capacity(40);
    header.extend_from_slice(&32u32.to_le_bytes());
    header.extend_from_slice(&fr_to_le_modulus());
    header.extend_from_slice(&n.to_le_bytes());
    let values: Vec<u8> = z.iter().flat_map(fr_to_le).collect();
    let mut w = BinWriter::new(b"wtns", 2, 2);
    w.section(1, &header);
    w.section(2, &values);
    Ok(w.into_bytes())
}

/// Writes `z` to `path` as `.wtns` (through a temporary file and a rename).
///
/// # Errors
/// [`CeremonyError::Io`], [`CeremonyError::Invalid`].
pub fn write(z: &[Fr], path: &Path) -> Result<(), CeremonyError> {
    crate::binfile::write_atomic(path, &to_bytes(z)?)
}

/// Reads a `.wtns` file over BN254's scalar field: every value canonical, the count as
/// stated.
///
/// # Errors
/// [`CeremonyError::Format`] for another field, a truncated or overlong section, or a value
/// that is not below `r`.
pub fn read(path: &Path) -> Result<Vec<Fr>, CeremonyError> {
    let (mut f, h) = open_over_fr(path, b"wtns", 2)?;
    let name = path.display().to_string();
    let mut c = Cursor::new(&h, format!("{name} header"));
    let n = c.u32()? as usize;
    c.finish()?;
    let body = f.section(2)?;
    if body.len() != n * 32 {
        return Err(f.err(format!(
            "the header counts {n} values, section 2 holds {} bytes",
            body.len()
        )));
    }
    body.chunks_exact(32)
        .enumerate()
        .map(|(i, b)| fr_from_le(b).ok_or_else(|| f.err(format!("value {i} is not below r"))))
        .collect()
}
