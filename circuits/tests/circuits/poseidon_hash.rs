//! Poseidon: circomlib reference vectors, natively and in-circuit, in every allocation mode.

use super::*;

#[test]
fn vendored_vectors_match_shared_copy() {
    // The vectors are vendored so that a clone tests on its own; if the shared reference sits
    // beside the repository, it must be the same file.
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/poseidon_circomlib.json"
    );
    if let Ok(text) = std::fs::read_to_string(shared) {
        assert_eq!(text, include_str!("../vectors/poseidon_circomlib.json"));
    }
}

#[test]
fn poseidon_native_matches_circomlib_vectors() {
    let v = vectors();
    assert_eq!(v.len(), 32);
    for arity in 1..=16 {
        assert!(
            v.iter().any(|(i, _)| i.len() == arity),
            "arity {arity} covered"
        );
    }
    for (inputs, expected) in v {
        assert_eq!(
            poseidon::hash(&inputs).unwrap(),
            expected,
            "arity {}",
            inputs.len()
        );
    }
}

#[test]
fn poseidon_gadget_matches_circomlib_vectors_in_every_mode() {
    for mode in [Mode::Constant, Mode::Input, Mode::Witness] {
        for (inputs, expected) in vectors() {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let vars: Vec<_> = inputs.iter().map(|x| alloc(&cs, *x, mode)).collect();
            let out = gadgets::poseidon::hash(&vars).unwrap();
            assert_eq!(
                out.value().unwrap(),
                expected,
                "{mode:?} arity {}",
                inputs.len()
            );
            assert!(cs.is_satisfied().unwrap());
            if matches!(mode, Mode::Constant) {
                assert_eq!(cs.num_constraints(), 0, "constants hash natively");
                assert!(matches!(out, FpVar::Constant(_)));
            } else {
                let n = inputs.len();
                let expected = 3 * (8 * (n + 1) + poseidon::PARTIAL_ROUNDS[n - 1] - 1);
                assert_eq!(cs.num_constraints(), expected, "arity {n}");
            }
        }
    }
}

#[test]
fn poseidon_rejects_bad_arity() {
    assert!(poseidon::hash(&[]).is_err());
    assert!(poseidon::hash(&[Fr::ONE; 17]).is_err());
    assert!(gadgets::poseidon::hash(&[]).is_err());
}

#[test]
fn poseidon_gadget_output_is_bound() {
    // Changing one S-box output in the witness must break the system.
    let cs = ConstraintSystem::<Fr>::new_ref();
    let a = alloc(&cs, Fr::from(5u64), Mode::Witness);
    let b = alloc(&cs, Fr::from(7u64), Mode::Witness);
    let _ = gadgets::poseidon::hash(&[a, b]).unwrap();
    cs.finalize();
    assert!(cs.is_satisfied().unwrap());
    let w = cs.witness_assignment().unwrap();
    assert!(r1cs_satisfied(&cs, &w));
    for i in 0..w.len() {
        let mut bad = w.clone();
        bad[i] += Fr::ONE;
        assert!(!r1cs_satisfied(&cs, &bad), "witness {i} is constrained");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn poseidon_native_and_gadget_agree(seed in any::<u64>(), arity in 1usize..=16) {
        let mut r = rng(seed);
        let inputs: Vec<Fr> = (0..arity).map(|_| rand_fr(&mut r)).collect();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars: Vec<_> = inputs.iter().map(|x| alloc(&cs, *x, Mode::Witness)).collect();
        let out = gadgets::poseidon::hash(&vars).unwrap();
        prop_assert_eq!(out.value().unwrap(), poseidon::hash(&inputs).unwrap());
        prop_assert!(cs.is_satisfied().unwrap());
    }

    #[test]
    fn merkle_native_and_gadget_agree(seed in any::<u64>(), levels in 1usize..=6, n in 1u64..80) {
        let depth = 2 * levels;
        let mut r = rng(seed);
        let leaves: Vec<Fr> = (0..n.min(1 << depth)).map(|_| rand_fr(&mut r)).collect();
        let tree = MerkleTree::from_leaves(depth, &leaves).unwrap();
        let index = r.gen_range(0..leaves.len() as u64);
        let path = tree.path(index).unwrap();
        prop_assert_eq!(path.root(leaves[index as usize]), tree.root());
        let cs = ConstraintSystem::<Fr>::new_ref();
        let leaf = alloc(&cs, leaves[index as usize], Mode::Witness);
        let pv = gadgets::merkle::MerklePathVar::new_witness(cs.clone(), depth, Some(&path)).unwrap();
        let root = pv.root(&leaf).unwrap();
        prop_assert_eq!(root.value().unwrap(), tree.root());
        prop_assert!(cs.is_satisfied().unwrap());
        prop_assert_eq!(cs.num_constraints(), levels * 301);
    }
}
