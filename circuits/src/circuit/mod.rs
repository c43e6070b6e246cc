//! The circuits (feature `r1cs`): [`PolicyCircuit`] and [`MembershipCircuit`].

mod layout;
mod membership;
mod policy;

pub use layout::{Layout, Section};
pub use membership::{MembershipCircuit, MembershipWitness};
pub use policy::{PolicyCircuit, PolicyWitness};

use crate::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Allocates public inputs in order from optional values (absent during setup).
fn alloc_inputs(
    cs: &ConstraintSystemRef<Fr>,
    values: Option<Vec<Fr>>,
    n: usize,
) -> Result<Vec<FpVar<Fr>>, SynthesisError> {
    (0..n)
        .map(|i| {
            FpVar::new_input(cs.clone(), || {
                values
                    .as_ref()
                    .and_then(|v| v.get(i).copied())
                    .ok_or(SynthesisError::AssignmentMissing)
            })
        })
        .collect()
}

/// Allocates one witness from an optional value.
fn witness(cs: &ConstraintSystemRef<Fr>, value: Option<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    FpVar::new_witness(cs.clone(), || {
        value.ok_or(SynthesisError::AssignmentMissing)
    })
}

/// Size figures of a circuit shape, from a setup-mode synthesis (no witness needed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CircuitStats {
    /// The circuit id.
    pub id: crate::statement::CircuitId,
    /// R1CS constraints.
    pub constraints: usize,
    /// Public inputs (not counting the constant one).
    pub public_inputs: usize,
    /// Private witness variables.
    pub witness_variables: usize,
    /// Constraints by part of the circuit.
    pub layout: Layout,
}

/// Synthesizes the blank circuit of `id` and counts its constraints and variables.
///
/// # Errors
/// Constraint system errors (none for a valid shape).
pub fn stats(id: crate::statement::CircuitId) -> Result<CircuitStats, SynthesisError> {
    use crate::statement::CircuitId;
    use ark_relations::gr1cs::{ConstraintSystem, SynthesisMode};
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    let layout = match id {
        CircuitId::Policy { depth } => PolicyCircuit::blank(depth).synthesize(cs.clone())?,
        CircuitId::Membership { depth } => {
            MembershipCircuit::blank(depth).synthesize(cs.clone())?
        }
    };
    cs.finalize();
    Ok(CircuitStats {
        id,
        constraints: cs.num_constraints(),
        public_inputs: cs.num_instance_variables() - 1,
        witness_variables: cs.num_witness_variables(),
        layout,
    })
}
