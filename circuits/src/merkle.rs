//! Incremental 4-ary Merkle tree with circomlib `Poseidon(4)` nodes and empty leaves of 0.
//!
//! A tree of *depth* `d` (always even) holds `2^d` leaves in `d / 2` levels of 4-way nodes,
//! so `depth` keeps meaning "capacity in bits" whatever the arity: `policy-d20` has a
//! registry of 2^20 leaves and a path of 10 levels. A node is
//! `Poseidon(c0, c1, c2, c3)` over its children in order — what a circom wallet computes with
//! circomlib's `Poseidon(4)` template. A 4-ary level costs 301 constraints against 2 × 241
//! for the two binary levels it replaces (`docs/design.md` has the measurement).
//!
//! Leaves are appended left to right; any leaf may later be overwritten (revocation sets it
//! to 0). Only the nodes above appended leaves are stored; everything to the right of them
//! is the root of an empty subtree, `zero[level]`, with `zero[0] = 0` and
//! `zero[l + 1] = Poseidon(zero[l], zero[l], zero[l], zero[l])`.
//!
//! # Path layout
//! At each level the node on the path is child `p = (index >> 2·level) & 3` of its parent.
//! Its three siblings are stored as `[c[p ^ 1], c[q], c[q + 1]]` with `q = (p & 2) ^ 2`: the
//! other child of its own pair first, then the other pair in order. The circuit rebuilds the
//! four children from that with one swap inside the pair and one swap of the pairs.

use crate::{poseidon, Error, Fr};
use ark_ff::Zero;
use std::sync::OnceLock;

/// Children per node.
pub const ARITY: usize = 4;
/// Bits of the index consumed per level (`log2(ARITY)`).
pub const BITS_PER_LEVEL: usize = 2;
/// Deepest tree supported (2^32 leaves, 16 levels).
pub const MAX_DEPTH: usize = 32;
/// Default depth (capacity in bits) of registries and member trees.
pub const DEFAULT_DEPTH: usize = 20;
/// Levels of the deepest tree.
pub const MAX_LEVELS: usize = MAX_DEPTH / BITS_PER_LEVEL;

/// Checks that `depth` is a supported tree depth: even, `2..=32`.
///
/// # Errors
/// [`Error::Depth`] otherwise.
pub fn check_depth(depth: usize) -> Result<(), Error> {
    if depth == 0 || depth > MAX_DEPTH || !depth.is_multiple_of(BITS_PER_LEVEL) {
        return Err(Error::Depth(depth));
    }
    Ok(())
}

/// `Poseidon(c0, c1, c2, c3)`: one node of the tree.
pub fn hash_node(children: &[Fr; ARITY]) -> Fr {
    poseidon::hash_array(children)
}

/// Roots of empty subtrees: `zero_hashes()[l]` is the root of an empty tree of `l` levels.
pub fn zero_hashes() -> &'static [Fr; MAX_LEVELS + 1] {
    static ZEROS: OnceLock<[Fr; MAX_LEVELS + 1]> = OnceLock::new();
    ZEROS.get_or_init(|| {
        let mut z = [Fr::zero(); MAX_LEVELS + 1];
        for l in 0..MAX_LEVELS {
            z[l + 1] = hash_node(&[z[l]; ARITY]);
        }
        z
    })
}

/// Position of the node on the path at `level` among its parent's children.
fn position(index: u64, level: usize) -> usize {
    let shift = BITS_PER_LEVEL * level;
    if shift >= 64 {
        0
    } else {
        ((index >> shift) & 3) as usize
    }
}

/// Where the path's siblings `[s0, s1, s2]` go around the node at position `p`.
fn children(p: usize, node: Fr, sib: &[Fr; 3]) -> [Fr; ARITY] {
    let mut c = [Fr::zero(); ARITY];
    c[p] = node;
    c[p ^ 1] = sib[0];
    let q = (p & 2) ^ 2;
    c[q] = sib[1];
    c[q + 1] = sib[2];
    c
}

/// The authentication path of one leaf: its index and three siblings per level, bottom up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerklePath {
    /// Position of the leaf; bits `2l` and `2l + 1` give its node's position at level `l`.
    pub index: u64,
    /// `siblings[l]`: the other three children at level `l`, in the order of the module doc.
    pub siblings: Vec<[Fr; 3]>,
}

impl MerklePath {
    /// Depth (capacity in bits) of the tree the path belongs to: twice its levels.
    pub fn depth(&self) -> usize {
        self.siblings.len() * BITS_PER_LEVEL
    }

    /// Number of levels.
    pub fn levels(&self) -> usize {
        self.siblings.len()
    }

    /// Position (0..4) of the path's node at `level` among its parent's children.
    pub fn position(&self, level: usize) -> usize {
        position(self.index, level)
    }

    /// The root reached by hashing `leaf` up along the path.
    pub fn root(&self, leaf: Fr) -> Fr {
        self.siblings
            .iter()
            .enumerate()
            .fold(leaf, |node, (level, sib)| {
                hash_node(&children(self.position(level), node, sib))
            })
    }
}

/// An append-only (with in-place updates) 4-ary Merkle tree of a fixed depth.
#[derive(Clone, Debug)]
pub struct MerkleTree {
    depth: usize,
    /// `nodes[l]` holds the stored nodes of level `l` (level 0: leaves), left to right.
    nodes: Vec<Vec<Fr>>,
}

impl MerkleTree {
    /// An empty tree of capacity `2^depth` (`depth` even, 2..=32).
    ///
    /// # Errors
    /// [`Error::Depth`] for an unsupported depth.
    pub fn new(depth: usize) -> Result<Self, Error> {
        check_depth(depth)?;
        Ok(Self {
            depth,
            nodes: vec![Vec::new(); depth / BITS_PER_LEVEL + 1],
        })
    }

    /// A tree holding `leaves`, built bottom-up (about `n / 3` hashes).
    ///
    /// # Errors
    /// [`Error::Depth`], or [`Error::TreeFull`] when there are more leaves than `2^depth`.
    pub fn from_leaves(depth: usize, leaves: &[Fr]) -> Result<Self, Error> {
        let mut tree = Self::new(depth)?;
        if leaves.len() as u128 > u128::from(tree.capacity()) {
            return Err(Error::TreeFull {
                depth,
                capacity: tree.capacity(),
            });
        }
        tree.nodes[0] = leaves.to_vec();
        let zeros = zero_hashes();
        for (l, zero) in zeros.iter().enumerate().take(tree.levels()) {
            let above: Vec<Fr> = tree.nodes[l]
                .chunks(ARITY)
                .map(|group| {
                    let mut c = [*zero; ARITY];
                    c[..group.len()].copy_from_slice(group);
                    hash_node(&c)
                })
                .collect();
            tree.nodes[l + 1] = above;
        }
        Ok(tree)
    }

    /// Depth of the tree (capacity in bits).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Number of 4-ary levels, `depth / 2`.
    pub fn levels(&self) -> usize {
        self.depth / BITS_PER_LEVEL
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
        self.nodes[0].len() as u64
    }

    /// Whether no leaf has been appended.
    pub fn is_empty(&self) -> bool {
        self.nodes[0].is_empty()
    }

    /// The appended leaves, in order.
    pub fn leaves(&self) -> &[Fr] {
        &self.nodes[0]
    }

    /// The leaf at `index`.
    ///
    /// # Errors
    /// [`Error::LeafIndex`] for an index past the appended leaves.
    pub fn leaf(&self, index: u64) -> Result<Fr, Error> {
        self.check_index(index)?;
        Ok(self.nodes[0][index as usize])
    }

    /// Current root.
    pub fn root(&self) -> Fr {
        let top = self.levels();
        self.nodes[top]
            .first()
            .copied()
            .unwrap_or(zero_hashes()[top])
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
        self.nodes[0].push(leaf);
        self.rehash_from(index);
        Ok(index)
    }

    /// Overwrites the leaf at `index` (revocation writes 0).
    ///
    /// # Errors
    /// [`Error::LeafIndex`] for an index past the appended leaves.
    pub fn update(&mut self, index: u64, leaf: Fr) -> Result<(), Error> {
        self.check_index(index)?;
        self.nodes[0][index as usize] = leaf;
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
        let siblings = (0..self.levels())
            .map(|l| {
                let pos = (index >> (BITS_PER_LEVEL * l)) as usize;
                let first = pos & !3;
                let node = |i: usize| self.nodes[l].get(first + i).copied().unwrap_or(zeros[l]);
                let p = pos & 3;
                let q = (p & 2) ^ 2;
                [node(p ^ 1), node(q), node(q + 1)]
            })
            .collect();
        Ok(MerklePath { index, siblings })
    }

    /// Index of the first leaf equal to `leaf`, if any.
    pub fn position(&self, leaf: &Fr) -> Option<u64> {
        self.nodes[0]
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
        for (l, zero) in zeros.iter().enumerate().take(self.levels()) {
            let first = pos & !3;
            let mut c = [*zero; ARITY];
            for (i, child) in c.iter_mut().enumerate() {
                if let Some(v) = self.nodes[l].get(first + i) {
                    *child = *v;
                }
            }
            let parent = hash_node(&c);
            pos >>= BITS_PER_LEVEL;
            let above = &mut self.nodes[l + 1];
            if pos < above.len() {
                above[pos] = parent;
            } else {
                above.push(parent);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_reach_the_root_at_every_position() {
        for depth in [2usize, 4, 6] {
            let leaves: Vec<Fr> = (1..=23u64).map(Fr::from).collect();
            let n = leaves.len().min(1 << depth);
            let tree = MerkleTree::from_leaves(depth, &leaves[..n]).unwrap();
            let mut inc = MerkleTree::new(depth).unwrap();
            for leaf in &leaves[..n] {
                inc.append(*leaf).unwrap();
            }
            assert_eq!(tree.root(), inc.root());
            for i in 0..n as u64 {
                let path = tree.path(i).unwrap();
                assert_eq!(path.depth(), depth);
                assert_eq!(path.root(leaves[i as usize]), tree.root(), "leaf {i}");
            }
        }
    }

    #[test]
    fn a_node_is_circomlib_poseidon4_of_its_children() {
        let mut tree = MerkleTree::new(2).unwrap();
        for x in [5u64, 6, 7] {
            tree.append(Fr::from(x)).unwrap();
        }
        let expect = poseidon::hash(&[5u64, 6, 7, 0].map(Fr::from)).unwrap();
        assert_eq!(tree.root(), expect);
        assert_eq!(
            MerkleTree::new(2).unwrap().root(),
            hash_node(&[Fr::zero(); 4])
        );
    }

    #[test]
    fn odd_and_out_of_range_depths_are_refused() {
        for d in [0usize, 1, 3, 19, 33, 34] {
            assert_eq!(MerkleTree::new(d).unwrap_err(), Error::Depth(d));
        }
    }
}
