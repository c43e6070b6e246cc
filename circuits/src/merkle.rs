//! Incremental binary Merkle tree with Poseidon(left, right) nodes and empty leaves of 0.
//!
//! Leaves are appended left to right; any leaf may later be overwritten (revocation sets it
//! to 0). Only the nodes above appended leaves are stored; everything to the right of them
//! is the root of an empty subtree, `zero[level]`, with `zero[0] = 0` and
//! `zero[l + 1] = Poseidon(zero[l], zero[l])`.

use crate::{poseidon, Error, Fr};
use ark_ff::Zero;
use std::sync::OnceLock;

/// Deepest tree supported (2^32 leaves).
pub const MAX_DEPTH: usize = 32;
/// Default depth of registries and member trees.
pub const DEFAULT_DEPTH: usize = 20;

/// Roots of empty subtrees: `zero_hashes()[l]` is the root of an empty tree of depth `l`.
pub fn zero_hashes() -> &'static [Fr; MAX_DEPTH + 1] {
    static ZEROS: OnceLock<[Fr; MAX_DEPTH + 1]> = OnceLock::new();
    ZEROS.get_or_init(|| {
        let mut z = [Fr::zero(); MAX_DEPTH + 1];
        for l in 0..MAX_DEPTH {
            z[l + 1] = poseidon::hash2(z[l], z[l]);
        }
        z
    })
}

/// The authentication path of one leaf: its index and one sibling per level, bottom up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerklePath {
    /// Position of the leaf; bit `l` says whether the node at level `l` is a right child.
    pub index: u64,
    /// `siblings[l]` is the sibling of the level-`l` node on the way to the root.
    pub siblings: Vec<Fr>,
}

impl MerklePath {
    /// Depth of the tree the path belongs to.
    pub fn depth(&self) -> usize {
        self.siblings.len()
    }

    /// Whether the level-`level` node on the path is a right child.
    pub fn is_right(&self, level: usize) -> bool {
        level < 64 && (self.index >> level) & 1 == 1
    }

    /// The root reached by hashing `leaf` up along the path.
    pub fn root(&self, leaf: Fr) -> Fr {
        self.siblings
            .iter()
            .enumerate()
            .fold(leaf, |node, (level, sib)| {
                if self.is_right(level) {
                    poseidon::hash2(*sib, node)
                } else {
                    poseidon::hash2(node, *sib)
                }
            })
    }
}

/// An append-only (with in-place updates) Merkle tree of a fixed depth.
#[derive(Clone, Debug)]
pub struct MerkleTree {
    depth: usize,
    /// `levels[l]` holds the stored nodes of level `l` (level 0: leaves), left to right.
    levels: Vec<Vec<Fr>>,
}

impl MerkleTree {
    /// An empty tree of `depth` levels (1..=32).
    ///
    /// # Errors
    /// [`Error::Depth`] for a depth outside 1..=32.
    pub fn new(depth: usize) -> Result<Self, Error> {
        if depth == 0 || depth > MAX_DEPTH {
            return Err(Error::Depth(depth));
        }
        Ok(Self {
            depth,
            levels: vec![Vec::new(); depth + 1],
        })
    }

    /// A tree holding `leaves`, built bottom-up (about `2n` hashes, not `n * depth`).
    ///
    /// # Errors
    /// [`Error::Depth`], or [`Error::TreeFull`] when there are more leaves than `2^depth`.
    pub fn from_leaves(depth: usize, leaves: &[Fr]) -> Result<Self, Error> {
        let mut tree = Self::new(depth)?;
        if leaves.len() as u128 > tree.capacity() as u128 {
            return Err(Error::TreeFull {
                depth,
                capacity: tree.capacity(),
            });
        }
        tree.levels[0] = leaves.to_vec();
        let zeros = zero_hashes();
        for (l, zero) in zeros.iter().enumerate().take(depth) {
            let above: Vec<Fr> = tree.levels[l]
                .chunks(2)
                .map(|pair| poseidon::hash2(pair[0], pair.get(1).copied().unwrap_or(*zero)))
                .collect();
            tree.levels[l + 1] = above;
        }
        Ok(tree)
    }

    /// Depth of the tree.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Number of leaves the tree can hold, `2^depth`.
    pub fn capacity(&self) -> u64 {
        if self.depth >= 64 {
            u64::MAX
        } else {
            1u64 << self.depth
        }
    }

    /// Number of appended leaves.
    pub fn len(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// Whether no leaf has been appended.
    pub fn is_empty(&self) -> bool {
        self.levels[0].is_empty()
    }

    /// The appended leaves, in order.
    pub fn leaves(&self) -> &[Fr] {
        &self.levels[0]
    }

    /// The leaf at `index`.
    ///
    /// # Errors
    /// [`Error::LeafIndex`] for an index past the appended leaves.
    pub fn leaf(&self, index: u64) -> Result<Fr, Error> {
        self.check_index(index)?;
        Ok(self.levels[0][index as usize])
    }

    /// Current root.
    pub fn root(&self) -> Fr {
        self.levels[self.depth]
            .first()
            .copied()
            .unwrap_or(zero_hashes()[self.depth])
    }

    /// Appends a leaf and returns its index.
    ///
    /// # Errors
    /// [`Error::TreeFull`] when the tree already holds `2^depth` leaves.
    pub fn append(&mut self, leaf: Fr) -> Result<u64, Error> {
        let index = self.len();
        if index >= self.capacity() {
            return Err(Error::TreeFull {
                depth: self.depth,
                capacity: self.capacity(),
            });
        }
        self.levels[0].push(leaf);
        self.rehash_from(index);
        Ok(index)
    }

    /// Overwrites the leaf at `index` (revocation writes 0).
    ///
    /// # Errors
    /// [`Error::LeafIndex`] for an index past the appended leaves.
    pub fn update(&mut self, index: u64, leaf: Fr) -> Result<(), Error> {
        self.check_index(index)?;
        self.levels[0][index as usize] = leaf;
        self.rehash_from(index);
        Ok(())
    }

    /// The authentication path of the leaf at `index`.
    ///
    /// # Errors
    /// [`Error::LeafIndex`] for an index past the appended leaves.
    pub fn path(&self, index: u64) -> Result<MerklePath, Error> {
        self.check_index(index)?;
        let zeros = zero_hashes();
        let siblings = (0..self.depth)
            .map(|l| {
                let sib = ((index >> l) ^ 1) as usize;
                self.levels[l].get(sib).copied().unwrap_or(zeros[l])
            })
            .collect();
        Ok(MerklePath { index, siblings })
    }

    /// Index of the first leaf equal to `leaf`, if any.
    pub fn position(&self, leaf: &Fr) -> Option<u64> {
        self.levels[0]
            .iter()
            .position(|l| l == leaf)
            .map(|i| i as u64)
    }

    fn check_index(&self, index: u64) -> Result<(), Error> {
        if index >= self.len() {
            return Err(Error::LeafIndex {
                index,
                len: self.len(),
            });
        }
        Ok(())
    }

    /// Recomputes the nodes above leaf `index`, growing levels as needed.
    fn rehash_from(&mut self, index: u64) {
        let zeros = zero_hashes();
        let mut pos = index as usize;
        for (l, zero) in zeros.iter().enumerate().take(self.depth) {
            let left_pos = pos & !1;
            let left = self.levels[l][left_pos];
            let right = self.levels[l].get(left_pos + 1).copied().unwrap_or(*zero);
            let parent = poseidon::hash2(left, right);
            pos >>= 1;
            let above = &mut self.levels[l + 1];
            if pos < above.len() {
                above[pos] = parent;
            } else {
                above.push(parent);
            }
        }
    }
}
