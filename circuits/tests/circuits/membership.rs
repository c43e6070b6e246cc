//! The membership circuit, statements through public inputs, the native policy check, secrets in Debug.

use super::*;

#[test]
fn membership_soundness() {
    let (id, tree, index) = membership_fixture();
    let scope = Fr::from(9u64);
    let st = MembershipStatement {
        root: tree.root(),
        scope,
        nullifier: id.nullifier(scope),
        signal: Fr::from(1u64),
    };
    let w = MembershipWitness {
        secret: id.secret(),
        path: tree.path(index).unwrap(),
    };
    assert_eq!(membership_violation(st.clone(), w.clone()), None);
    // any signal is fine for the circuit; the proof binds it (checked with real proofs)
    assert_eq!(
        membership_violation(
            MembershipStatement {
                signal: Fr::from(2u64),
                ..st.clone()
            },
            w.clone()
        ),
        None
    );

    let mut bad = w.clone();
    bad.path.siblings[0][2] += Fr::ONE;
    assert_eq!(
        membership_violation(st.clone(), bad),
        Some("merkle path".into())
    );
    let mut bad = w.clone();
    bad.path.index ^= 2;
    assert_eq!(
        membership_violation(st.clone(), bad),
        Some("merkle path".into())
    );
    let mut bad = w.clone();
    bad.secret += Fr::ONE;
    assert_eq!(
        membership_violation(st.clone(), bad),
        Some("merkle path".into())
    );
    assert_eq!(
        membership_violation(
            MembershipStatement {
                root: Fr::from(5u64),
                ..st.clone()
            },
            w.clone()
        ),
        Some("merkle path".into())
    );
    assert_eq!(
        membership_violation(
            MembershipStatement {
                nullifier: st.nullifier + Fr::ONE,
                ..st.clone()
            },
            w.clone()
        ),
        Some("nullifier".into())
    );
    assert_eq!(
        membership_violation(
            MembershipStatement {
                scope: scope + Fr::ONE,
                ..st.clone()
            },
            w.clone()
        ),
        Some("nullifier".into())
    );
    // A non-member: an identity whose commitment is not in the tree, with a real path.
    let outsider = Identity::from_secret(Fr::from(424242u64));
    let bad = MembershipWitness {
        secret: outsider.secret(),
        path: tree.path(index).unwrap(),
    };
    let st2 = MembershipStatement {
        nullifier: outsider.nullifier(scope),
        ..st
    };
    assert_eq!(membership_violation(st2, bad), Some("merkle path".into()));
}

#[test]
fn statements_round_trip_through_public_inputs() {
    let f = Fixture::new();
    let st = f.statement();
    let x = st.public_inputs();
    assert_eq!(x.len(), 46);
    assert_eq!(x[0], st.root);
    assert_eq!(x[1], st.issuer);
    assert_eq!(x[2], Fr::from(SCHEMA_BUREAU_V1));
    assert_eq!(x[3], Fr::from(NOW));
    assert_eq!(x[4], Fr::from(NOW - 7 * 86_400));
    assert_eq!(x[5 + 8 + 2], field::from_i64(-10000), "a[1][2]");
    assert_eq!(x[37 + 1], field::from_i128(-INSTALMENT * 10000), "b[1]");
    assert_eq!(x[41], st.request);
    assert_eq!(x[42], st.scope);
    assert_eq!(x[43], st.nullifier);
    assert_eq!(x[44], HOLDER_SCOPE);
    assert_eq!(x[45], st.holder);
    let names = CircuitId::Policy { depth: DEPTH }.public_input_names();
    use zkcredit_circuits::statement::policy_index as at;
    for (i, name) in [
        (at::ROOT, "root"),
        (at::ISSUER, "issuer"),
        (at::SCHEMA, "schema"),
        (at::NOW, "now"),
        (at::ISSUED_AFTER, "issued_after"),
        (at::COEFFS + 8 + 2, "a[1][2]"),
        (at::CONSTANTS + 1, "b[1]"),
        (at::REQUEST, "request"),
        (at::SCOPE, "scope"),
        (at::NULLIFIER, "nullifier"),
        (at::HOLDER_SCOPE, "holder_scope"),
        (at::HOLDER, "holder"),
    ] {
        assert_eq!(names[i], name, "input {i}");
    }
    assert_eq!(PolicyStatement::from_public_inputs(&x).unwrap(), st);
    let mut bad = x.clone();
    bad[3] = -Fr::ONE;
    assert!(
        PolicyStatement::from_public_inputs(&bad).is_err(),
        "now must be a u64"
    );
    for i in [2, 4] {
        let mut bad = x.clone();
        bad[i] = Fr::from(u64::MAX) + Fr::ONE;
        assert!(
            PolicyStatement::from_public_inputs(&bad).is_err(),
            "schema and issued_after are u64"
        );
    }
    let mut bad = x.clone();
    bad[7] = Fr::from(u64::MAX);
    assert!(
        PolicyStatement::from_public_inputs(&bad).is_err(),
        "coefficients are i64"
    );
    assert!(PolicyStatement::from_public_inputs(&x[..45]).is_err());
}

#[test]
fn native_policy_check_names_the_failing_clause() {
    let f = Fixture::new();
    let mut attrs = f.credential.attrs;
    attrs[2] = 400_000; // monthly debt up: debt-to-income fails
    let err = f.policy.check(SCHEMA_BUREAU_V1, &attrs).unwrap_err();
    assert_eq!(err.clause, 1);
    assert_eq!(
        err.description,
        "monthly_income*3600 - monthly_debt*10000 - 500000000 >= 0"
    );
    assert!(err.to_string().starts_with("clause 1 (monthly_income*3600"));
    let too_many = Policy {
        clauses: vec![Clause::trivial(); 5],
    };
    assert!(too_many.padded().is_err());
    // JSON: constants as integers or decimal strings
    let p: Policy = serde_json::from_str(
        r#"{"clauses":[{"coeffs":[1,0,0,0,0,0,0,0],"constant":"-170141183460469231731687303715884105728"}]}"#,
    )
    .unwrap();
    assert_eq!(p.clauses[0].constant, i128::MIN);
    assert!(serde_json::from_str::<Policy>(
        r#"{"clauses":[{"coeffs":[1,0,0,0,0,0,0,0],"constant":"170141183460469231731687303715884105728"}]}"#
    )
    .is_err());
    assert!(
        serde_json::from_str::<Policy>(r#"{"clauses":[{"coeffs":[1],"constant":0}]}"#).is_err()
    );
}

#[test]
fn secrets_do_not_leak_through_debug() {
    let f = Fixture::new();
    let secret = field::to_decimal(&f.identity.secret());
    let salt = field::to_decimal(&f.credential.salt);
    for text in [
        format!("{:?}", f.identity),
        format!("{:?}", f.credential),
        format!("{:?}", f.witness()),
    ] {
        assert!(!text.contains(&secret) && !text.contains(&salt), "{text}");
    }
}
