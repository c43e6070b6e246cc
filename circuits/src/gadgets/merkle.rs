//! The Merkle path gadget.
//!
//! At each level the prover supplies the sibling `s` and the left input `l` of the parent
//! hash; one constraint `(l - cur) * (l - s) = 0` forces `l` to be `cur` or `s`, and the right
//! input is `cur + s - l`, the other one. That is the usual conditional swap for one
//! constraint instead of two (no separate direction bit to keep boolean), so a level costs
//! 241 constraints: 240 for `Poseidon(l, r)` and 1 for the swap. The position of the leaf is
//! not bound — the statement is "some leaf of this tree", which is all membership needs.

use super::{lc_of, linear_combination, poseidon};
use crate::merkle::MerklePath;
use crate::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, Namespace, SynthesisError};

/// A Merkle path as witness variables: the siblings, and the leaf's index kept natively to
/// choose the swap at each level.
#[derive(Clone)]
pub struct MerklePathVar {
    /// Sibling at each level, bottom up.
    pub siblings: Vec<FpVar<Fr>>,
    index: Option<u64>,
    forced_left: Option<(usize, Fr)>,
}

impl MerklePathVar {
    /// Allocates the siblings of `path` as witnesses (the values are not needed in setup).
    ///
    /// # Errors
    /// Constraint system errors.
    pub fn new_witness(
        cs: impl Into<Namespace<Fr>>,
        depth: usize,
        path: Option<&MerklePath>,
    ) -> Result<Self, SynthesisError> {
        let ns = cs.into();
        let cs = ns.cs();
        let siblings = (0..depth)
            .map(|l| {
                FpVar::new_witness(cs.clone(), || {
                    path.and_then(|p| p.siblings.get(l).copied())
                        .ok_or(SynthesisError::AssignmentMissing)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            siblings,
            index: path.map(|p| p.index),
            forced_left: None,
        })
    }

    /// Makes the prover put `value` as the left hash input at `level`, whatever the path
    /// says: a dishonest witness, for soundness tests of the swap constraint.
    #[doc(hidden)]
    pub fn force_left(&mut self, level: usize, value: Fr) {
        self.forced_left = Some((level, value));
    }

    /// The root reached from `leaf`; compare it with the expected root.
    ///
    /// # Errors
    /// Constraint system errors.
    pub fn root(&self, leaf: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        let one = Fr::from(1u64);
        let mut cur = leaf.clone();
        for (level, sib) in self.siblings.iter().enumerate() {
            let is_right = self.index.map(|i| level < 64 && (i >> level) & 1 == 1);
            let cs: ConstraintSystemRef<Fr> = cur.cs().or(sib.cs());
            let forced = self
                .forced_left
                .filter(|(l, _)| *l == level)
                .map(|(_, v)| v);
            let left = FpVar::new_witness(cs.clone(), || {
                if let Some(v) = forced {
                    return Ok(v);
                }
                let right_child = is_right.ok_or(SynthesisError::AssignmentMissing)?;
                if right_child {
                    sib.value()
                } else {
                    cur.value()
                }
            })?;
            // (left - cur) * (left - sib) = 0
            cs.enforce_r1cs_constraint(
                || lc_of(&left) - lc_of(&cur),
                || lc_of(&left) - lc_of(sib),
                ark_relations::gr1cs::LinearCombination::new,
            )?;
            let right =
                linear_combination(&[(one, &cur), (one, sib), (-one, &left)], Fr::from(0u64))?;
            cur = poseidon::hash(&[left, right])?;
        }
        Ok(cur)
    }
}
