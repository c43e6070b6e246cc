//! `membership-d{depth}`: anonymous one-member-one-vote.

use super::{alloc_inputs, witness, Layout};
use crate::gadgets::{merkle::MerklePathVar, poseidon};
use crate::merkle::MerklePath;
use crate::statement::{CircuitId, MembershipStatement, MEMBERSHIP_NUM_PUBLIC_INPUTS};
use crate::{Error, Fr};
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

/// The private side of a membership proof.
#[derive(Clone)]
pub struct MembershipWitness {
    /// The identity secret `s`; the member tree holds `Poseidon(s)`.
    pub secret: Fr,
    /// Path of the member's leaf.
    pub path: MerklePath,
}

impl core::fmt::Debug for MembershipWitness {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MembershipWitness")
            .field("secret", &"<redacted>")
            .field("path_index", &self.path.index)
            .finish()
    }
}

/// The membership circuit. Enforced, for public `(root, scope, nullifier, signal)`:
/// `Poseidon(s)` lies under `root`; `nullifier = Poseidon(s, scope)`; `signal` is used in a
/// constraint (`signal^2`).
#[derive(Clone, Debug)]
pub struct MembershipCircuit {
    depth: usize,
    statement: Option<MembershipStatement>,
    witness: Option<MembershipWitness>,
}

impl MembershipCircuit {
    /// The circuit shape with no assignment, for setup and constraint counting.
    pub fn blank(depth: usize) -> Self {
        Self {
            depth,
            statement: None,
            witness: None,
        }
    }

    /// A circuit with its assignment.
    ///
    /// # Errors
    /// [`Error::PathLength`] when the path does not have `depth` siblings.
    pub fn new(
        depth: usize,
        statement: MembershipStatement,
        witness: MembershipWitness,
    ) -> Result<Self, Error> {
        if witness.path.depth() != depth {
            return Err(Error::PathLength {
                expected: depth,
                found: witness.path.depth(),
            });
        }
        Ok(Self {
            depth,
            statement: Some(statement),
            witness: Some(witness),
        })
    }

    /// The circuit id, `membership-d{depth}`.
    pub fn id(&self) -> CircuitId {
        CircuitId::Membership { depth: self.depth }
    }

    /// Synthesizes the constraints and returns the named layout.
    ///
    /// # Errors
    /// Constraint system errors.
    pub fn synthesize(self, cs: ConstraintSystemRef<Fr>) -> Result<Layout, SynthesisError> {
        let mut layout = Layout::default();
        let w = self.witness.as_ref();
        let x = alloc_inputs(
            &cs,
            self.statement
                .as_ref()
                .map(MembershipStatement::public_inputs),
            MEMBERSHIP_NUM_PUBLIC_INPUTS,
        )?;
        let (root, scope, nullifier, signal) = (&x[0], &x[1], &x[2], &x[3]);
        let secret = witness(&cs, w.map(|w| w.secret))?;
        let path = MerklePathVar::new_witness(cs.clone(), self.depth, w.map(|w| &w.path))?;

        let leaf = layout.section(&cs, "identity", || {
            poseidon::hash(core::slice::from_ref(&secret))
        })?;
        layout.section(&cs, "merkle path", || path.root(&leaf)?.enforce_equal(root))?;
        layout.section(&cs, "nullifier", || {
            poseidon::hash(&[secret.clone(), scope.clone()])?.enforce_equal(nullifier)
        })?;
        layout.section(&cs, "signal binding", || signal.square().map(|_| ()))?;
        Ok(layout)
    }
}

impl ConstraintSynthesizer<Fr> for MembershipCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        self.synthesize(cs).map(|_| ())
    }
}
