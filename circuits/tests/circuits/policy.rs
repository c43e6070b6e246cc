//! The policy circuit: budgets, honest witnesses, and the soundness suite (one broken rule at a time).

use super::*;

#[test]
fn constraint_budgets_are_pinned() {
    let (n, inputs, _, layout) = constraint_count(CircuitId::Policy { depth: 20 });
    // 8 x 65 attribute bits, 2 x 65 expiry, 65 freshness, Poseidon 213 + 543 + 240,
    // 10 x 301 path + 1, 4 x 140 clauses, 240 + 1 nullifier, 240 + 3 holder, 1 request.
    assert_eq!(n, 5767, "policy-d20-k8-c4 constraints changed: {layout:#?}");
    assert!(n <= 5900, "issue 8's budget for the 4-ary policy circuit");
    assert_eq!(inputs, 46);
    assert!(n + inputs < 8192, "stays inside an 8192 evaluation domain");
    assert_eq!(
        layout
            .sections
            .iter()
            .map(|s| s.constraints.len())
            .sum::<usize>(),
        n
    );

    let (n, inputs, _, _) = constraint_count(CircuitId::Membership { depth: 20 });
    // Poseidon(s) 213, 10 x 301 path + 1, nullifier 240 + 1, signal 1.
    assert_eq!(n, 3466, "membership-d20 constraints changed");
    assert!(
        n <= 3800,
        "issue 8's budget for the 4-ary membership circuit"
    );
    assert_eq!(inputs, 4);

    for depth in [2, 10, 16, 32] {
        let (p, _, _, _) = constraint_count(CircuitId::Policy { depth });
        assert_eq!(p, 5767 - 10 * 301 + depth / 2 * 301, "policy depth {depth}");
        let (m, _, _, _) = constraint_count(CircuitId::Membership { depth });
        assert_eq!(
            m,
            3466 - 10 * 301 + depth / 2 * 301,
            "membership depth {depth}"
        );
    }
}

#[test]
fn honest_policy_witness_satisfies() {
    let f = Fixture::new();
    assert!(f
        .policy
        .check(SCHEMA_BUREAU_V1, &f.credential.attrs)
        .is_ok());
    assert_eq!(policy_violation(f.statement(), f.witness()), None);
    // Fewer clauses are padded with the always-true clause.
    let mut st = f.statement();
    st.clauses = Policy::new(vec![Clause::at_least(0, 700)])
        .unwrap()
        .padded()
        .unwrap();
    assert_eq!(policy_violation(st, f.witness()), None);
}

#[test]
fn setup_and_prove_synthesis_agree() {
    let f = Fixture::new();
    let (setup_n, _, setup_w, _) = constraint_count(CircuitId::Policy { depth: DEPTH });
    let cs = ConstraintSystem::<Fr>::new_ref();
    PolicyCircuit::new(DEPTH, f.statement(), f.witness())
        .unwrap()
        .synthesize(cs.clone())
        .unwrap();
    cs.finalize();
    assert_eq!(cs.num_constraints(), setup_n);
    assert_eq!(cs.num_witness_variables(), setup_w);
    assert_eq!(
        cs.instance_assignment().unwrap()[1..].to_vec(),
        f.statement().public_inputs()
    );
}

#[test]
fn clause_failing_by_one_is_unsatisfied() {
    let f = Fixture::new();
    for c in 0..4 {
        let mut st = f.statement();
        // Raise the constant until the clause's value is exactly -1.
        let value = st.clauses[c].evaluate(&f.credential.attrs);
        let slack = i128::try_from(value).unwrap();
        st.clauses[c].constant -= slack + 1;
        assert_eq!(
            policy_violation(st.clone(), f.witness()),
            Some(format!("clause {c}"))
        );
        // ... and exactly 0 still holds: the boundary is >= 0.
        st.clauses[c].constant += 1;
        assert_eq!(policy_violation(st, f.witness()), None, "clause {c} at 0");
    }
    // Score 649 against score >= 650, with an honestly attested credential.
    let mut f2 = Fixture::new();
    let mut st = f2.statement();
    let mut w = f2.witness();
    w.attrs[0] = Fr::from(649u64);
    f2.attest_raw(&mut w, &mut st);
    assert_eq!(policy_violation(st, w), Some("clause 0".into()));
    // A changed coefficient that makes a clause fail.
    let mut st = f.statement();
    st.clauses[1].coeffs[1] = 2000;
    assert_eq!(policy_violation(st, f.witness()), Some("clause 1".into()));
}

#[test]
fn out_of_range_attributes_are_rejected_even_when_attested() {
    // An issuer (careless or colluding) attests attributes outside 64 bits. The range checks
    // must stop them from faking a clause.
    let two_64 = Fr::from(u64::MAX) + Fr::ONE;
    let cases = [
        // income 2^64: huge income passes the debt-to-income clause
        (1usize, two_64),
        // debt p - 1e9, i.e. "-1e9": makes the debt term positive
        (2, -Fr::from(1_000_000_000u64)),
        // defaults p - 1, i.e. "-1": makes -defaults positive
        (6, -Fr::ONE),
        // score p - 1
        (0, -Fr::ONE),
    ];
    for (j, value) in cases {
        let mut f = Fixture::new();
        let mut st = f.statement();
        let mut w = f.witness();
        w.attrs[j] = value;
        f.attest_raw(&mut w, &mut st);
        assert_eq!(
            policy_violation(st, w),
            Some(format!("attribute {j} range")),
            "attribute {j}"
        );
    }
    // expires_at beyond 64 bits
    let mut f = Fixture::new();
    let mut st = f.statement();
    let mut w = f.witness();
    w.expires_at = two_64 + Fr::from(5u64);
    f.attest_raw(&mut w, &mut st);
    assert_eq!(policy_violation(st, w), Some("expires_at range".into()));
}

#[test]
fn expired_credentials_are_rejected_and_the_boundary_is_exclusive() {
    let f = Fixture::new();
    let expires = f.credential.expires_at;
    for (now, ok) in [
        (expires - 1, true),
        (expires, false),
        (expires + 1, false),
        (expires + 10_000_000, false),
        (0, true),
    ] {
        let mut st = f.statement();
        st.now = now;
        let expect = if ok { None } else { Some("expiry".to_string()) };
        assert_eq!(policy_violation(st, f.witness()), expect, "now = {now}");
        assert_eq!(f.credential.is_valid_at(now), ok);
    }
}

#[test]
fn registry_rules_are_enforced() {
    let f = Fixture::new();
    // wrong sibling
    let mut w = f.witness();
    w.path.siblings[3][1] += Fr::ONE;
    assert_eq!(
        policy_violation(f.statement(), w),
        Some("merkle path".into())
    );
    // wrong position bits (inside the pair, and between the pairs)
    for level in [0, 4, 19] {
        let mut w = f.witness();
        w.path.index ^= 1 << level;
        assert_eq!(
            policy_violation(f.statement(), w),
            Some("merkle path".into()),
            "level {level}"
        );
    }
    // wrong leaf: a credential that was never attested (different salt)
    let mut w = f.witness();
    w.salt += Fr::ONE;
    assert_eq!(
        policy_violation(f.statement(), w),
        Some("merkle path".into())
    );
    // wrong issuer: the same credential claimed under another issuer id
    let mut st = f.statement();
    st.issuer = Fr::from(1002u64);
    assert_eq!(
        policy_violation(st, f.witness()),
        Some("merkle path".into())
    );
    // wrong root: an unrelated root, and the root from before the credential was attested
    let mut st = f.statement();
    st.root = Fr::from(123u64);
    assert_eq!(
        policy_violation(st, f.witness()),
        Some("merkle path".into())
    );
    let old = MerkleTree::from_leaves(DEPTH, &f.tree.leaves()[..f.index as usize]).unwrap();
    let mut st = f.statement();
    st.root = old.root();
    assert_eq!(
        policy_violation(st, f.witness()),
        Some("merkle path".into())
    );
    // revoked: the leaf set to 0 — the new root no longer opens to the credential
    let mut revoked = f.tree.clone();
    revoked.update(f.index, Fr::ZERO).unwrap();
    let mut st = f.statement();
    st.root = revoked.root();
    let mut w = f.witness();
    w.path = revoked.path(f.index).unwrap();
    assert_eq!(policy_violation(st, w), Some("merkle path".into()));
}

#[test]
fn identity_and_nullifier_rules_are_enforced() {
    let f = Fixture::new();
    // a secret that does not match the credential's subject
    let mut w = f.witness();
    w.secret += Fr::ONE;
    let mut st = f.statement();
    st.nullifier = identity::nullifier(w.secret, f.scope);
    assert_eq!(policy_violation(st, w), Some("merkle path".into()));
    // a wrong nullifier
    let mut st = f.statement();
    st.nullifier += Fr::ONE;
    assert_eq!(policy_violation(st, f.witness()), Some("nullifier".into()));
    // a changed scope with the old nullifier
    let mut st = f.statement();
    st.scope += Fr::ONE;
    assert_eq!(policy_violation(st, f.witness()), Some("nullifier".into()));
}

#[test]
fn every_policy_witness_variable_is_constrained() {
    // Perturb witness variables one at a time (a sample spread over the whole range): each
    // change must break some constraint. An unconstrained witness would be a soundness bug.
    let f = Fixture::new();
    let cs = ConstraintSystem::<Fr>::new_ref();
    PolicyCircuit::new(DEPTH, f.statement(), f.witness())
        .unwrap()
        .synthesize(cs.clone())
        .unwrap();
    cs.finalize();
    assert!(cs.is_satisfied().unwrap());
    let w = cs.witness_assignment().unwrap();
    assert!(r1cs_satisfied(&cs, &w));
    let n = w.len();
    let mut r = rng(99);
    let mut sample: Vec<usize> = (0..40).map(|_| r.gen_range(0..n)).collect();
    // include the first witnesses (secret, credential fields) and the last (request square)
    sample.extend(0..14);
    sample.push(n - 1);
    for i in sample {
        let old = w[i];
        // flip a bit-valued witness to its other value, shift any other
        let new = if old == Fr::ZERO {
            Fr::ONE
        } else if old == Fr::ONE {
            Fr::ZERO
        } else {
            old + Fr::from(3u64)
        };
        let mut bad = w.clone();
        bad[i] = new;
        assert!(
            !r1cs_satisfied(&cs, &bad),
            "witness variable {i} is unconstrained"
        );
    }
}

#[test]
fn merkle_swaps_must_place_the_node_among_its_siblings() {
    // A prover who feeds a third value into the pair (everything after it computed honestly
    // from that value) violates exactly the pair-swap constraint of that level; one who uses
    // a non-boolean pair-swap bit violates exactly its booleanity constraint.
    use gadgets::merkle::Tamper;
    let mut r = rng(5);
    let leaves: Vec<Fr> = (0..23).map(|_| rand_fr(&mut r)).collect();
    let tree = MerkleTree::from_leaves(8, &leaves).unwrap();
    let path = tree.path(13).unwrap();
    for level in 0..4 {
        for (tamper, offset) in [
            (Tamper::PairFirst(Fr::from(12345u64)), 0),
            (Tamper::PairBit(Fr::from(2u64)), 1),
        ] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let leaf = alloc(&cs, leaves[13], Mode::Witness);
            let mut pv =
                gadgets::merkle::MerklePathVar::new_witness(cs.clone(), 8, Some(&path)).unwrap();
            pv.tamper(level, tamper);
            let _ = pv.root(&leaf).unwrap();
            let which = cs.which_is_unsatisfied().unwrap().unwrap();
            assert_eq!(
                which,
                format!("R1CS - {}", level * 301 + offset),
                "level {level}, {tamper:?}"
            );
        }
    }
}
