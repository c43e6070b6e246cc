//! The R1CS relation of a zkcredit circuit, exactly as the prover synthesizes it.

use crate::CeremonyError;
use ark_bn254::Fr;
use ark_ff::Zero;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode, R1CS_PREDICATE_LABEL,
};
use std::collections::BTreeMap;
use zkcredit_circuits::circuit::{MembershipCircuit, PolicyCircuit};
use zkcredit_circuits::statement::CircuitId;

/// One row of a matrix: `(variable index, coefficient)`, sorted by index, no zero and no
/// repeated index.
pub type Row = Vec<(usize, Fr)>;

/// A circuit's rank-1 constraint system `A z ∘ B z = C z`.
///
/// Variables are numbered as in arkworks and circom alike: 0 is the constant one, then the
/// public inputs in the order of the statement's `public_inputs()`, then the witnesses.
#[derive(Clone, Debug)]
pub struct Relation {
    /// The circuit.
    pub id: CircuitId,
    /// Public inputs (not counting the constant one).
    pub num_public: usize,
    /// All variables, the constant one included.
    pub num_vars: usize,
    /// `A`, one row per constraint.
    pub a: Vec<Row>,
    /// `B`.
    pub b: Vec<Row>,
    /// `C`.
    pub c: Vec<Row>,
}

fn canonical(row: Vec<(Fr, usize)>) -> Row {
    let mut m: BTreeMap<usize, Fr> = BTreeMap::new();
    for (coeff, i) in row {
        *m.entry(i).or_insert_with(Fr::zero) += coeff;
    }
    m.into_iter().filter(|(_, c)| !c.is_zero()).collect()
}

impl Relation {
    /// Synthesizes the blank circuit of `id` the way the prover does (setup mode, constraint
    /// count optimized), so that the relation is the one proofs are made for.
    ///
    /// # Errors
    /// [`CeremonyError::Synthesis`].
    pub fn of(id: CircuitId) -> Result<Self, CeremonyError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        let synth =
            |e: ark_relations::gr1cs::SynthesisError| CeremonyError::Synthesis(e.to_string());
        match id {
            CircuitId::Policy { depth } => PolicyCircuit::blank(depth)
                .generate_constraints(cs.clone())
                .map_err(synth)?,
            CircuitId::Membership { depth } => MembershipCircuit::blank(depth)
                .generate_constraints(cs.clone())
                .map_err(synth)?,
        }
        cs.finalize();
        let mut all = cs.to_matrices().map_err(synth)?;
        let m = all
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or_else(|| CeremonyError::Synthesis("no R1CS constraints".into()))?;
        let [a, b, c]: [_; 3] = m
            .try_into()
            .map_err(|_| CeremonyError::Synthesis("R1CS without three matrices".into()))?;
        Ok(Self {
            id,
            num_public: cs.num_instance_variables() - 1,
            num_vars: cs.num_instance_variables() + cs.num_witness_variables(),
            a: a.into_iter().map(canonical).collect(),
            b: b.into_iter().map(canonical).collect(),
            c: c.into_iter().map(canonical).collect(),
        })
    }

    /// Number of constraints.
    pub fn num_constraints(&self) -> usize {
        self.a.len()
    }

    /// The Groth16 domain snarkjs uses: constraints plus the `num_public + 1` extra rows,
    /// rounded up to a power of two.
    pub fn domain_size(&self) -> usize {
        (self.num_constraints() + self.num_public + 1).next_power_of_two()
    }

    /// `log2` of [`Relation::domain_size`].
    pub fn domain_power(&self) -> u32 {
        self.domain_size().trailing_zeros()
    }

    /// Whether the assignment `z` (constant one first) satisfies every constraint.
    pub fn is_satisfied(&self, z: &[Fr]) -> bool {
        z.len() == self.num_vars && self.first_unsatisfied(z).is_none()
    }

    /// The index of the first constraint the assignment `z` does not satisfy, if any. `z`
    /// must hold `num_vars` values (an index past its end panics).
    pub fn first_unsatisfied(&self, z: &[Fr]) -> Option<usize> {
        let ev = |row: &Row| row.iter().map(|(i, c)| z[*i] * c).sum::<Fr>();
        self.a
            .iter()
            .zip(&self.b)
            .zip(&self.c)
            .position(|((a, b), c)| ev(a) * ev(b) != ev(c))
    }
}
