//! `zkcredit verify`: what a lender concludes — valid, and for what was required; each difference named.

use super::*;

#[test]
fn round_trip_verifies_with_and_without_expectations() {
    let w = world();
    // With every expectation flag: valid, for what was required.
    let out = verify_with(
        &w.proof,
        &full_expectations(w),
        0,
        &["valid", "for what was required"],
    );
    assert!(
        text(&out.stderr).contains("INSECURE"),
        "insecure key warning"
    );
    // --max-age around --now.
    let within = replace_flag(
        replace_flag(full_expectations(w), "--now", &(NOW + 100).to_string()),
        "--max-age",
        "300",
    );
    verify_with(&w.proof, &within, 0, &["valid"]);
    // Without expectation flags: valid, and plainly says what was not checked.
    let out = verify_with(
        &w.proof,
        &[],
        0,
        &["valid", "only the proof's own public inputs"],
    );
    assert!(text(&out.stderr).contains("only the proof's own public inputs were checked"));
    // The proof file is what the issue describes.
    let j = proof_json();
    assert_eq!(j["circuit"], "policy-d4-k8-c4");
    assert_eq!(j["public_inputs"].as_array().unwrap().len(), 46);
    assert_eq!(j["proof"].as_str().unwrap().len(), 256);
    // credential commit agrees with what issue printed.
    let out = expect(
        &["credential", "commit", s(&w.credential)],
        0,
        &["commitment", "leaf"],
    );
    let leaf = json_out(&out)["leaf"].as_str().unwrap().to_string();
    let reg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&w.registry).unwrap()).unwrap();
    assert_eq!(reg["format"], "zkcredit-registry/v1");
    assert_eq!(reg["leaves"][0], leaf.as_str());
    // registry root is the proof's root.
    let out = expect(&["registry", "root", s(&w.registry)], 0, &[]);
    assert_eq!(
        text(&out.stdout).trim(),
        j["public_inputs"][0].as_str().unwrap()
    );
}

#[test]
fn verify_refuses_a_weaker_policy() {
    let w = world();
    let weak = w.path("weak-proof.json");
    let args = w.prove_args(&w.credential, &w.weak_policy, &weak);
    expect(&args.iter().map(String::as_str).collect::<Vec<_>>(), 0, &[]);
    let out = verify_with(
        &weak,
        &full_expectations(w),
        1,
        &["weaker policy", "clause 0 constant is -600, required -650"],
    );
    assert_eq!(
        text(&out.stderr)
            .lines()
            .filter(|l| !l.starts_with("warning"))
            .count(),
        1
    );
    // Without --policy it verifies (and says the policy was not checked).
    let out = verify_with(
        &weak,
        &remove_flag(full_expectations(w), "--policy"),
        0,
        &["valid"],
    );
    assert!(text(&out.stderr).contains("not checked: policy"));
}

#[test]
fn verify_refuses_another_issuer() {
    let w = world();
    let other = w.path("issuer2-proof.json");
    let args = w.prove_args(&w.credential2, &w.policy, &other);
    expect(&args.iter().map(String::as_str).collect::<Vec<_>>(), 0, &[]);
    verify_with(
        &other,
        &full_expectations(w),
        1,
        &["another issuer", "issuer 2, required 1"],
    );
    verify_with(
        &other,
        &replace_flag(full_expectations(w), "--issuer", "2"),
        0,
        &["valid"],
    );
}

#[test]
fn verify_refuses_stale_and_unknown_roots() {
    let w = world();
    let later = w.path("reg-later.json");
    std::fs::copy(&w.registry, &later).unwrap();
    expect(
        &["registry", "add", s(&later), "--leaf", "12345"],
        0,
        &["index"],
    );
    verify_with(
        &w.proof,
        &replace_flag(full_expectations(w), "--registry", s(&later)),
        1,
        &["stale root", "when it held 2 of its 3 leaves"],
    );
    let flags = replace_flag(
        remove_flag(full_expectations(w), "--registry"),
        "--root",
        "12345",
    );
    verify_with(&w.proof, &flags, 1, &["unknown root", "required 12345"]);
    // --registry and --root together are a usage error.
    let both = replace_flag(full_expectations(w), "--root", "12345");
    verify_with(&w.proof, &both, 2, &["--root"]);
}

#[test]
fn verify_refuses_another_request_scope_or_time() {
    let w = world();
    verify_with(
        &w.proof,
        &replace_flag(full_expectations(w), "--request", s(&w.request2)),
        1,
        &["another request", "request2.json"],
    );
    verify_with(
        &w.proof,
        &replace_flag(full_expectations(w), "--scope", "pool-1/epoch-8"),
        1,
        &["another scope"],
    );
    verify_with(
        &w.proof,
        &replace_flag(full_expectations(w), "--now", &(NOW + 1).to_string()),
        1,
        &["another time"],
    );
    let stale = replace_flag(
        replace_flag(full_expectations(w), "--now", &(NOW + 100).to_string()),
        "--max-age",
        "60",
    );
    verify_with(&w.proof, &stale, 1, &["more than --max-age 60"]);
    // Several differences at once are all named, on one line.
    let two = replace_flag(
        replace_flag(full_expectations(w), "--scope", "other"),
        "--issuer",
        "3",
    );
    let out = verify_with(&w.proof, &two, 1, &["another scope", "another issuer"]);
    assert_eq!(
        text(&out.stderr)
            .lines()
            .filter(|l| !l.starts_with("warning"))
            .count(),
        1
    );
}

#[test]
fn membership_key_on_a_policy_proof_is_a_usage_error() {
    let w = world();
    expect(
        &["verify", "--keys", s(&w.membership_keys), s(&w.proof)],
        2,
        &["membership-d4", "policy-d4-k8-c4"],
    );
    // And a policy key at another depth names both circuits too.
    verify_modified(
        "claims-d5.json",
        |j| j["circuit"] = "policy-d5-k8-c4".into(),
        2,
        &["policy-d5-k8-c4", "policy-d4-k8-c4"],
    );
}

#[test]
fn batch_names_the_bad_proof() {
    let w = world();
    let good2 = w.path("batch-good.json");
    std::fs::copy(&w.proof, &good2).unwrap();
    let mut j = proof_json();
    j["public_inputs"][40] = "7".into();
    let bad = w.path("batch-bad.json");
    write(&bad, &j);
    let keys = s(&w.policy_keys);
    expect(
        &["verify", "--keys", keys, "--batch", s(&w.proof), s(&good2)],
        0,
        &["valid: 2 policy-d4-k8-c4 proofs"],
    );
    expect(
        &[
            "verify",
            "--keys",
            keys,
            "--batch",
            s(&w.proof),
            s(&bad),
            s(&good2),
        ],
        1,
        &["1 of 3 proofs do not verify", "proof 1 (", "batch-bad.json"],
    );
    // Expectations apply to each proof of a batch.
    let mut args = vec!["verify", "--keys", keys, "--batch", s(&w.proof), s(&good2)];
    args.extend(["--scope", "elsewhere"]);
    expect(&args, 1, &["proof 0", "proof 1", "another scope"]);
    // Two proofs without --batch is a usage error.
    expect(
        &["verify", "--keys", keys, s(&w.proof), s(&good2)],
        2,
        &["--batch"],
    );
}
