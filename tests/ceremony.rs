//! `zkcredit circuits export-r1cs` and `zkcredit ceremony …` end to end on `membership-d4`:
//! outputs, exit codes (0 valid, 1 refused, 2 unreadable) and the keys' provenance.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "zkcredit-cli-ceremony-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkcredit"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("running zkcredit")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "zkcredit {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn ceremony_commands_end_to_end() {
    let tmp = TempDir::new("e2e");
    let d = tmp.0.as_path();
    let circuit = ["--circuit", "membership", "--depth", "4"];
    let with = |head: &[&str], tail: &[&str]| -> Vec<String> {
        head.iter().chain(tail).map(|s| s.to_string()).collect()
    };
    let call = |v: Vec<String>| -> Output {
        let refs: Vec<&str> = v.iter().map(String::as_str).collect();
        run(d, &refs)
    };

    let info: serde_json::Value = serde_json::from_str(&ok(
        d,
        &with(&["circuits", "export-r1cs", "--out", "m.r1cs"], &circuit)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    ))
    .expect("json");
    let power = info["ptau_power_needed"]
        .as_u64()
        .expect("power")
        .to_string();
    assert!(d.join("m.r1cs").exists());

    ok(
        d,
        &[
            "ceremony",
            "test-ptau",
            "--power",
            &power,
            "--out",
            "t.ptau",
        ],
    );
    let out = call(with(
        &["ceremony", "init", "--ptau", "t.ptau", "--out", "0.zkey"],
        &circuit,
    ));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c1 = ok(
        d,
        &[
            "ceremony",
            "contribute",
            "0.zkey",
            "1.zkey",
            "--name",
            "alice",
        ],
    );
    let hash1 = c1.lines().last().expect("hash").to_string();
    assert_eq!(hash1.len(), 128, "{c1}");
    ok(
        d,
        &[
            "ceremony",
            "beacon",
            "1.zkey",
            "2.zkey",
            "--beacon",
            "abcd",
            "--iterations",
            "10",
        ],
    );

    let out = call(with(
        &["ceremony", "verify", "2.zkey", "--ptau", "t.ptau"],
        &circuit,
    ));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(t["contributions"][0]["hash"], hash1.as_str());
    assert_eq!(t["contributions"][0]["name"], "alice");
    assert_eq!(t["contributions"][1]["beacon"]["hash"], "abcd");

    // Refused (exit 1): another relation. Unreadable (exit 2): a truncated file.
    let out = run(
        d,
        &[
            "ceremony",
            "verify",
            "2.zkey",
            "--ptau",
            "t.ptau",
            "--circuit",
            "membership",
            "--depth",
            "6",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("another circuit"));
    let bytes = std::fs::read(d.join("2.zkey")).expect("read");
    std::fs::write(d.join("cut.zkey"), &bytes[..bytes.len() / 2]).expect("write");
    let out = call(with(
        &["ceremony", "verify", "cut.zkey", "--ptau", "t.ptau"],
        &circuit,
    ));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated"));
    // Import refuses a key without contributions.
    let out = call(with(
        &[
            "ceremony", "import", "0.zkey", "--ptau", "t.ptau", "--out", "k0",
        ],
        &circuit,
    ));
    assert_eq!(out.status.code(), Some(1));

    let out = call(with(
        &[
            "ceremony", "import", "2.zkey", "--ptau", "t.ptau", "--out", "keys",
        ],
        &circuit,
    ));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("keys/meta.json")).expect("meta"))
            .expect("json");
    assert_eq!(meta["insecure"], false);
    assert_eq!(meta["qap"], "circom");
    assert_eq!(meta["ceremony"]["transcript_hash"], t["transcript_hash"]);
    assert_eq!(meta["ceremony"]["beacon"], true);
}
