//! The native Merkle tree: append, update, rebuild, limits.

use super::*;

#[test]
fn merkle_tree_append_update_and_rebuild_agree() {
    let mut r = rng(7);
    let mut tree = MerkleTree::new(8).unwrap();
    assert_eq!(tree.root(), merkle::zero_hashes()[4], "8 bits: 4 levels");
    let mut leaves = Vec::new();
    for _ in 0..37 {
        let leaf = rand_fr(&mut r);
        let i = tree.append(leaf).unwrap();
        assert_eq!(i, leaves.len() as u64);
        leaves.push(leaf);
        assert_eq!(
            tree.root(),
            MerkleTree::from_leaves(8, &leaves).unwrap().root()
        );
    }
    // Revocation: the leaf becomes 0, the root changes, every path still opens.
    let before = tree.root();
    tree.update(5, Fr::ZERO).unwrap();
    leaves[5] = Fr::ZERO;
    assert_ne!(tree.root(), before);
    assert_eq!(
        tree.root(),
        MerkleTree::from_leaves(8, &leaves).unwrap().root()
    );
    for (i, leaf) in leaves.iter().enumerate() {
        assert_eq!(tree.path(i as u64).unwrap().root(*leaf), tree.root());
    }
    assert_eq!(tree.position(&leaves[9]), Some(9));
    assert!(tree.path(37).is_err());
    assert!(tree.update(37, Fr::ONE).is_err());
}

#[test]
fn merkle_tree_limits() {
    assert!(MerkleTree::new(0).is_err());
    assert!(MerkleTree::new(33).is_err());
    let mut t = MerkleTree::new(2).unwrap();
    for i in 0..4u64 {
        t.append(Fr::from(i + 1)).unwrap();
    }
    assert!(matches!(t.append(Fr::ONE), Err(Error::TreeFull { .. })));
    assert!(MerkleTree::from_leaves(2, &[Fr::ONE; 5]).is_err());
    // A depth-32 tree works and its empty root is the zero hash.
    let t = MerkleTree::new(32).unwrap();
    assert_eq!(t.root(), merkle::zero_hashes()[16]);
    // Depth is the capacity in bits of a 4-ary tree: odd depths do not exist.
    assert!(MerkleTree::new(7).is_err());
}
