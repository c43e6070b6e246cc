//! Statements, circuit ids, the request binding, strict field conversions.

use super::*;

#[test]
fn circuit_ids_round_trip() {
    for id in [
        CircuitId::Policy { depth: 20 },
        CircuitId::Membership { depth: 8 },
    ] {
        assert_eq!(id.to_string().parse::<CircuitId>().unwrap(), id);
    }
    assert_eq!(
        CircuitId::Policy { depth: 20 }.to_string(),
        "policy-d20-k8-c4"
    );
    assert_eq!(
        CircuitId::Membership { depth: 20 }.to_string(),
        "membership-d20"
    );
    for bad in [
        "policy-d20",
        "policy-d020-k8-c4",
        "membership-d0",
        "membership-d33",
        "membership-d7",
        "policy-d21-k8-c4",
        "x",
        "policy-d20-k9-c4",
    ] {
        assert!(bad.parse::<CircuitId>().is_err(), "{bad}");
    }
    assert_eq!(
        CircuitId::Policy { depth: 20 }.public_input_names().len(),
        46
    );
}

#[test]
fn request_binding_is_pinned_and_sensitive_to_every_field() {
    let req = LoanRequest {
        chain_id: "zkcredit-test".into(),
        account: "alice".into(),
        amount: 1_000_000,
        term: 12,
        rate_bps: 900,
        policy_id: 1,
        nonce: 42,
    };
    let b = req.binding();
    // Golden value: changes only with a deliberate change of the transcript.
    assert_eq!(
        field::to_decimal(&b),
        "19657690009900742583174840891315072827584970002111207175872587373126679305334"
    );
    let variants = [
        LoanRequest {
            chain_id: "other".into(),
            ..req.clone()
        },
        LoanRequest {
            account: "bob".into(),
            ..req.clone()
        },
        LoanRequest {
            amount: 1_000_001,
            ..req.clone()
        },
        LoanRequest {
            term: 13,
            ..req.clone()
        },
        LoanRequest {
            rate_bps: 901,
            ..req.clone()
        },
        LoanRequest {
            policy_id: 2,
            ..req.clone()
        },
        LoanRequest {
            nonce: 43,
            ..req.clone()
        },
    ];
    for v in variants {
        assert_ne!(v.binding(), b, "{v:?}");
    }
}

#[test]
fn field_conversions_are_strict() {
    assert_eq!(field::from_i64(-1), -Fr::ONE);
    assert_eq!(field::to_i64(&field::from_i64(i64::MIN)), Some(i64::MIN));
    assert_eq!(
        field::to_i128(&field::from_i128(i128::MIN)),
        Some(i128::MIN)
    );
    assert_eq!(
        field::to_i128(&field::from_i128(i128::MAX)),
        Some(i128::MAX)
    );
    let p = Fr::MODULUS.to_string();
    assert!(field::from_decimal(&p).is_err());
    assert!(field::from_decimal("01").is_err());
    assert!(field::from_decimal("-1").is_err());
    assert!(field::from_decimal("+1").is_err());
    assert!(field::from_decimal("").is_err());
    assert!(field::from_decimal(" 1").is_err());
    assert_eq!(field::from_decimal("0").unwrap(), Fr::ZERO);
    let pm1 = field::to_decimal(&(-Fr::ONE));
    assert_eq!(field::from_decimal(&pm1).unwrap(), -Fr::ONE);
}
