//! `zkcredit circuits` and `zkcredit bench`: pinned budgets, usage errors, documented JSON keys.

use super::*;

#[test]
fn circuits_json_reports_pinned_budgets() {
    let out = zkcredit(&["circuits", "--json", "--depth", "16"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rows = rows.as_array().expect("array");
    let find = |id: &str| {
        rows.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} listed"))
    };
    let p = find("policy-d20-k8-c4");
    assert_eq!(p["constraints"], 5767);
    assert_eq!(p["public_inputs"], 46);
    let m = find("membership-d20");
    assert_eq!(m["constraints"], 3466);
    assert_eq!(m["public_inputs"], 4);
    assert_eq!(find("policy-d16-k8-c4")["constraints"], 5767 - 2 * 301);
    assert_eq!(find("membership-d16")["public_inputs"], 4);
}

#[test]
fn circuits_rejects_bad_depth_with_usage_exit_code() {
    for bad in ["0", "33", "x", "7"] {
        let out = zkcredit(&["circuits", "--depth", bad]);
        assert_eq!(out.status.code(), Some(2), "depth {bad}");
        assert!(!out.stderr.is_empty());
    }
}

#[test]
fn bench_json_has_the_documented_keys() {
    let out = expect(
        &[
            "bench",
            "--circuit",
            "membership",
            "--depth",
            "2",
            "--iterations",
            "1",
            "--batch",
            "4",
            "--json",
        ],
        0,
        &[],
    );
    let j = json_out(&out);
    for k in [
        "circuit",
        "constraints",
        "prove_ms",
        "verify_ms",
        "batch_verify_ms_per_proof",
        "pk_bytes",
        "vk_bytes",
        "proof_bytes",
    ] {
        assert!(j.get(k).is_some(), "{k} in {j}");
    }
    assert_eq!(j["circuit"], "membership-d2");
    assert_eq!(j["proof_bytes"], 128);
    assert!(
        text(&out.stderr).is_empty(),
        "quiet in a pipe: {}",
        text(&out.stderr)
    );
}
