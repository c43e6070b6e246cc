//! Statement v2: holder binding, freshness, schema.

use super::*;

#[test]
fn holder_binding_is_enforced() {
    let f = Fixture::new();
    // The pseudonym of another scope, of another identity, or off by one: all refused.
    for holder in [
        f.identity.holder(HOLDER_SCOPE + Fr::ONE),
        Identity::from_secret(Fr::from(5u64)).holder(HOLDER_SCOPE),
        f.identity.holder(HOLDER_SCOPE) + Fr::ONE,
        f.identity.commitment(),
    ] {
        let mut st = f.statement();
        st.holder = holder;
        assert_eq!(
            policy_violation(st, f.witness()),
            Some("holder binding".into())
        );
    }
    // Holder scope 0 binds the identity commitment itself (the co-op's binding)...
    let mut st = f.statement();
    st.holder_scope = Fr::ZERO;
    st.holder = f.identity.commitment();
    assert_eq!(policy_violation(st.clone(), f.witness()), None);
    // ... and nothing else: not the pseudonym Poseidon(s, 0), not another member's.
    for holder in [
        identity::nullifier(f.identity.secret(), Fr::ZERO),
        Identity::from_secret(Fr::from(5u64)).commitment(),
    ] {
        st.holder = holder;
        assert_eq!(
            policy_violation(st.clone(), f.witness()),
            Some("holder binding".into())
        );
    }
}

#[test]
fn freshness_is_enforced_and_the_bound_is_inclusive() {
    let f = Fixture::new();
    let issued = f.credential.issued_at;
    for (issued_after, ok) in [
        (0, true),
        (issued, true),
        (issued + 1, false),
        (NOW, false),
        (u64::MAX, false),
    ] {
        let mut st = f.statement();
        st.issued_after = issued_after;
        let want = (!ok).then(|| "freshness".to_string());
        assert_eq!(
            policy_violation(st, f.witness()),
            want,
            "issued_after {issued_after}"
        );
    }
}

#[test]
fn the_schema_is_bound() {
    // A credential of one schema does not pass for another: the commitment hashes the public
    // schema, so the leaf is not in the registry.
    let f = Fixture::new();
    let mut st = f.statement();
    st.schema = SCHEMA_BUREAU_V1 + 1;
    assert_eq!(
        policy_violation(st, f.witness()),
        Some("merkle path".into())
    );
}
