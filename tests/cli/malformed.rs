//! Bad bytes and bad files: flipped bits, points off the curve, inputs out of the field, malformed files (exit 2 naming the file), private identity files.

use super::*;

#[test]
fn flipped_bits_in_a_b_c_do_not_verify() {
    // The top bit of each point's last byte is its y-sign flag: flipping it gives the
    // negated point, a valid encoding of another point, so the pairing check must fail.
    for (name, last) in [("A", 31), ("B", 95), ("C", 127)] {
        verify_modified(
            &format!("flip-{name}.json"),
            |j| with_proof_bytes(j, |b| b[last] ^= 0x80),
            1,
            &["invalid", "does not verify"],
        );
    }
    // A flipped low byte gives either an invalid encoding (2, naming the point) or another
    // point (1): never a valid proof.
    for (name, at) in [("A", 3), ("B", 40), ("C", 100)] {
        let w = world();
        let mut j = proof_json();
        with_proof_bytes(&mut j, |b| b[at] ^= 0x01);
        let path = w.path(&format!("flip-low-{name}.json"));
        write(&path, &j);
        let out = zkcredit(&["verify", "--keys", s(&w.policy_keys), s(&path)]);
        let err = text(&out.stderr);
        match out.status.code() {
            Some(1) => assert!(err.contains("does not verify"), "{err}"),
            Some(2) => assert!(err.contains(&format!("proof point {name}")), "{err}"),
            other => panic!("flip in {name}: exit {other:?}: {err}"),
        }
    }
}

#[test]
fn points_off_the_curve_and_non_canonical_encodings_are_malformed() {
    use ark_bn254::Fq;
    // An x with no point on y² = x³ + 3.
    let x = (1u64..)
        .map(Fq::from)
        .find(|x| (x.square() * x + Fq::from(3u64)).legendre().is_qnr())
        .unwrap();
    let x_bytes = x.into_bigint().to_bytes_le();
    verify_modified(
        "off-curve.json",
        |j| with_proof_bytes(j, |b| b[0..32].copy_from_slice(&x_bytes)),
        2,
        &["proof point A", "not a point on the curve"],
    );
    // The generator (1, 2) with x written as 1 + q: a second encoding of a valid point.
    let mut q = Fq::MODULUS.to_bytes_le();
    let mut carry = 1u16;
    for byte in q.iter_mut() {
        let v = u16::from(*byte) + carry;
        *byte = v as u8;
        carry = v >> 8;
    }
    verify_modified(
        "non-canonical.json",
        |j| with_proof_bytes(j, |b| b[96..128].copy_from_slice(&q)),
        2,
        &["proof point C", "non-canonical"],
    );
}

#[test]
fn public_inputs_out_of_field_or_changed_are_rejected() {
    verify_modified(
        "input-p.json",
        |j| j["public_inputs"][3] = P.into(),
        2,
        &["public input 3 is not below the BN254 scalar field modulus"],
    );
    verify_modified(
        "input-changed.json",
        |j| j["public_inputs"][3] = (NOW + 1).to_string().into(),
        1,
        &["invalid", "does not verify"],
    );
    verify_modified(
        "input-count.json",
        |j| {
            j["public_inputs"].as_array_mut().unwrap().pop();
        },
        2,
        &["expected 46 public inputs, found 45"],
    );
    verify_modified(
        "input-leading-zero.json",
        |j| j["public_inputs"][2] = format!("0{NOW}").into(),
        2,
        &["public input 2"],
    );
}

#[test]
fn malformed_files_exit_2_naming_the_file() {
    let w = world();
    let keys = s(&w.policy_keys);
    let bad_json = w.path("bad.json");
    std::fs::write(&bad_json, "{ not json").unwrap();
    expect(
        &["verify", "--keys", keys, s(&bad_json)],
        2,
        &["bad.json", "not a valid proof file"],
    );
    expect(
        &["verify", "--keys", keys, s(&w.path("missing.json"))],
        2,
        &["missing.json", "cannot read"],
    );
    // Another kind of file given as a proof.
    expect(
        &["verify", "--keys", keys, s(&w.identity)],
        2,
        &["id.json", "proof"],
    );
    verify_modified(
        "format.json",
        |j| j["format"] = "zkcredit-proof/v9".into(),
        2,
        &["format"],
    );
    // Expectation files are read strictly too.
    let reg = w.path("reg-v9.json");
    write(
        &reg,
        &serde_json::json!({"format": "zkcredit-registry/v9", "depth": 4, "leaves": []}),
    );
    let flags = replace_flag(full_expectations(w), "--registry", s(&reg));
    verify_with(&w.proof, &flags, 2, &["reg-v9.json", "format"]);
    let policy = w.path("policy-5.json");
    let clause = serde_json::json!({"coeffs": [0, 0, 0, 0, 0, 0, 0, 0], "constant": 0});
    write(
        &policy,
        &serde_json::json!({"clauses": [clause, clause, clause, clause, clause]}),
    );
    verify_with(
        &w.proof,
        &replace_flag(full_expectations(w), "--policy", s(&policy)),
        2,
        &["policy-5.json", "1 to 4 clauses"],
    );
    let req = w.path("req-bad.json");
    write(&req, &serde_json::json!({"chain_id": "x"}));
    verify_with(
        &w.proof,
        &replace_flag(full_expectations(w), "--request", s(&req)),
        2,
        &["req-bad.json", "missing field"],
    );
    verify_with(
        &w.proof,
        &replace_flag(full_expectations(w), "--issuer", "0x1"),
        2,
        &["--issuer"],
    );
    // Keys: missing directory.
    expect(
        &["verify", "--keys", s(&w.path("nokeys")), s(&w.proof)],
        2,
        &["nokeys"],
    );
    // Membership flags on a policy proof and policy flags on a membership key.
    verify_with(
        &w.proof,
        &["--signal".into(), "yes".into()],
        2,
        &["--signal"],
    );
}

#[test]
fn identity_files_are_private_and_not_overwritten() {
    let w = world();
    expect(
        &["identity", "new", "--out", s(&w.identity)],
        2,
        &["already exists", "--force"],
    );
    let fresh = w.path("id-fresh.json");
    expect(&["identity", "new", "--out", s(&fresh)], 0, &["commitment"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&w.identity).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "identity file mode {mode:o}");
        let mode = std::fs::metadata(&w.credential)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "credential file mode {mode:o}");
    }
    let out = expect(&["identity", "show", s(&w.identity)], 0, &[]);
    assert_eq!(json_out(&out)["commitment"], w.commitment.as_str());
    let first = std::fs::read(&fresh).unwrap();
    expect(&["identity", "new", "--out", s(&fresh), "--force"], 0, &[]);
    assert_ne!(std::fs::read(&fresh).unwrap(), first);
    // A corrupt identity file is named.
    let bad = w.path("id-bad.json");
    write(&bad, &serde_json::json!({"secret": "5", "commitment": "6"}));
    expect(
        &["identity", "show", s(&bad)],
        2,
        &["id-bad.json", "Poseidon(secret)"],
    );
}
