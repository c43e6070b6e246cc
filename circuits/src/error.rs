//! Errors of the native part of the circuits crate.

use thiserror::Error;

/// What can go wrong when building native values or statements.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// Poseidon is defined (by circomlib) for 1 to 16 inputs.
    #[error("Poseidon takes 1 to 16 inputs, got {0}")]
    PoseidonArity(usize),
    /// Merkle tree depth outside the supported range.
    #[error("tree depth {0} is not supported: depth is the capacity in bits of a 4-ary tree, an even number in 2..=32")]
    Depth(usize),
    /// The tree has no room for another leaf.
    #[error("the tree of depth {depth} is full ({capacity} leaves)")]
    TreeFull {
        /// Depth of the tree.
        depth: usize,
        /// Number of leaves it holds.
        capacity: u64,
    },
    /// A leaf index beyond the appended leaves.
    #[error("leaf index {index} is out of range: the tree has {len} leaves")]
    LeafIndex {
        /// The index asked for.
        index: u64,
        /// Number of leaves in the tree.
        len: u64,
    },
    /// A Merkle path whose length differs from the circuit's depth.
    #[error("Merkle path is for a tree of depth {found}, the circuit expects depth {expected}")]
    PathLength {
        /// Depth of the circuit.
        expected: usize,
        /// Siblings in the path.
        found: usize,
    },
    /// A policy has more clauses than the circuit shape allows.
    #[error("a policy has at most {max} clauses, got {found}")]
    TooManyClauses {
        /// Clauses the circuit supports.
        max: usize,
        /// Clauses given.
        found: usize,
    },
    /// A policy constant outside the signed range the circuit accepts.
    #[error("clause {clause}: constant {value} is outside [-2^127, 2^127)")]
    ConstantRange {
        /// Clause index.
        clause: usize,
        /// The constant, as given.
        value: String,
    },
    /// A value that is not a canonical field element.
    #[error("not a field element: {0}")]
    FieldElement(String),
    /// A string that is not a known circuit id.
    #[error("unknown circuit id {0:?} (expected policy-d<depth>-k8-c4 or membership-d<depth>)")]
    CircuitId(String),
    /// Public inputs that do not decode to a statement.
    #[error("public inputs: {0}")]
    PublicInputs(String),
}
