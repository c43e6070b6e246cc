//! End-to-end tests of the `zkcredit` binary.

use std::process::Command;

fn zkcredit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zkcredit"))
        .args(args)
        .output()
        .expect("run zkcredit")
}

#[test]
fn circuits_json_reports_pinned_budgets() {
    let out = zkcredit(&["circuits", "--json", "--depth", "16"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rows = rows.as_array().expect("array");
    let find = |id: &str| {
        rows.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} listed"))
    };
    let p = find("policy-d20-k8-c4");
    assert_eq!(p["constraints"], 7269);
    assert_eq!(p["public_inputs"], 42);
    let m = find("membership-d20");
    assert_eq!(m["constraints"], 5276);
    assert_eq!(m["public_inputs"], 4);
    assert_eq!(find("policy-d16-k8-c4")["constraints"], 7269 - 4 * 241);
    assert_eq!(find("membership-d16")["public_inputs"], 4);
}

#[test]
fn circuits_rejects_bad_depth_with_usage_exit_code() {
    for bad in ["0", "33", "x"] {
        let out = zkcredit(&["circuits", "--depth", bad]);
        assert_eq!(out.status.code(), Some(2), "depth {bad}");
        assert!(!out.stderr.is_empty());
    }
}
