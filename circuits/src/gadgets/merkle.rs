//! The 4-ary Merkle path gadget.
//!
//! At each level the prover supplies the three siblings `[s0, s1, s2]` (the layout of
//! [`crate::merkle`]: `s0` shares the node's pair, `s1, s2` are the other pair in order) and
//! rebuilds the parent's four children with two swaps:
//!
//! 1. inside the pair, a witness `p0` with `(p0 - cur)·(p0 - s0) = 0` — `p0` is `cur` or `s0`,
//!    and `p1 = cur + s0 - p0` is the other one (1 constraint, no direction bit to keep
//!    boolean);
//! 2. between the pairs, a bit `b` (`b·(b - 1) = 0`) and the children
//!    `c0 = p0 + b·(s1 - p0)`, `c1 = p1 + b·(s2 - p1)` (2 constraints),
//!    `c2 = p0 + s1 - c0`, `c3 = p1 + s2 - c1` (free), i.e. `(p0, p1, s1, s2)` for `b = 0`
//!    and `(s1, s2, p0, p1)` for `b = 1`.
//!
//! So `cur` is one of the four children and the other three are the siblings, in an order
//! that only the path's bits choose: a level costs 4 + 297 (`Poseidon(4)`) = 301 constraints,
//! against 482 for the two binary levels it replaces. The leaf's position is not bound — the
//! statement is "some leaf of this tree", which is all the circuits need.

use super::{lc_of, linear_combination, poseidon};
use crate::merkle::MerklePath;
use crate::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, Namespace, SynthesisError};

/// A dishonest choice for one level's witness, for soundness tests of the swap constraints.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub enum Tamper {
    /// Put this value as `p0` (the first child of the node's pair).
    PairFirst(Fr),
    /// Put this value as the pair-swap bit `b`.
    PairBit(Fr),
}

/// A Merkle path as witness variables: three siblings per level, and the leaf's index kept
/// natively to choose the swaps.
#[derive(Clone)]
pub struct MerklePathVar {
    /// Siblings at each level, bottom up.
    pub siblings: Vec<[FpVar<Fr>; 3]>,
    index: Option<u64>,
    tamper: Option<(usize, Tamper)>,
}

impl MerklePathVar {
    /// Allocates the siblings of `path` as witnesses for a tree of `depth` bits (`depth / 2`
    /// levels); the values are not needed in setup.
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
        let levels = depth / crate::merkle::BITS_PER_LEVEL;
        let siblings = (0..levels)
            .map(|l| -> Result<[FpVar<Fr>; 3], SynthesisError> {
                let one = |k: usize| {
                    FpVar::new_witness(cs.clone(), || {
                        path.and_then(|p| p.siblings.get(l).map(|s| s[k]))
                            .ok_or(SynthesisError::AssignmentMissing)
                    })
                };
                Ok([one(0)?, one(1)?, one(2)?])
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            siblings,
            index: path.map(|p| p.index),
            tamper: None,
        })
    }

    /// Makes the prover put a dishonest value at `level`, whatever the path says.
    #[doc(hidden)]
    pub fn tamper(&mut self, level: usize, how: Tamper) {
        self.tamper = Some((level, how));
    }

    /// The root reached from `leaf`; compare it with the expected root.
    ///
    /// # Errors
    /// Constraint system errors.
    pub fn root(&self, leaf: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        let one = Fr::from(1u64);
        let mut cur = leaf.clone();
        for (level, [s0, s1, s2]) in self.siblings.iter().enumerate() {
            let pos = self.index.map(|i| {
                let shift = crate::merkle::BITS_PER_LEVEL * level;
                if shift >= 64 {
                    0
                } else {
                    (i >> shift) & 3
                }
            });
            let cs: ConstraintSystemRef<Fr> = super::cs_of(&[&cur, s0, s1, s2]);
            let tamper = self.tamper.filter(|(l, _)| *l == level).map(|(_, t)| t);

            // Inside the pair: p0 ∈ {cur, s0}.
            let p0 = FpVar::new_witness(cs.clone(), || {
                if let Some(Tamper::PairFirst(v)) = tamper {
                    return Ok(v);
                }
                let pos = pos.ok_or(SynthesisError::AssignmentMissing)?;
                if pos & 1 == 1 {
                    s0.value()
                } else {
                    cur.value()
                }
            })?;
            cs.enforce_r1cs_constraint(
                || lc_of(&p0) - lc_of(&cur),
                || lc_of(&p0) - lc_of(s0),
                LinearCombination::new,
            )?;
            let p1 = linear_combination(&[(one, &cur), (one, s0), (-one, &p0)], Fr::from(0u64))?;

            // Between the pairs: b ∈ {0, 1}.
            let b = FpVar::new_witness(cs.clone(), || {
                if let Some(Tamper::PairBit(v)) = tamper {
                    return Ok(v);
                }
                let pos = pos.ok_or(SynthesisError::AssignmentMissing)?;
                Ok(Fr::from(pos >> 1))
            })?;
            cs.enforce_r1cs_constraint(
                || lc_of(&b),
                || lc_of(&b) - (one, ark_relations::gr1cs::Variable::One),
                LinearCombination::new,
            )?;
            let c0 = select(&cs, &b, &p0, s1)?;
            let c1 = select(&cs, &b, &p1, s2)?;
            let c2 = linear_combination(&[(one, &p0), (one, s1), (-one, &c0)], Fr::from(0u64))?;
            let c3 = linear_combination(&[(one, &p1), (one, s2), (-one, &c1)], Fr::from(0u64))?;
            cur = poseidon::hash(&[c0, c1, c2, c3])?;
        }
        Ok(cur)
    }
}

/// `x + b·(y - x)` in one constraint: `x` for `b = 0`, `y` for `b = 1`.
fn select(
    cs: &ConstraintSystemRef<Fr>,
    b: &FpVar<Fr>,
    x: &FpVar<Fr>,
    y: &FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    let out = FpVar::new_witness(cs.clone(), || {
        let (b, x, y) = (b.value()?, x.value()?, y.value()?);
        Ok(x + b * (y - x))
    })?;
    cs.enforce_r1cs_constraint(
        || lc_of(b),
        || lc_of(y) - lc_of(x),
        || lc_of(&out) - lc_of(x),
    )?;
    Ok(out)
}
