//! `zkcredit circuits export-r1cs` and `zkcredit ceremony …` end to end on `membership-d4`:
//! outputs, exit codes (0 valid, 1 refused, 2 unreadable), the keys' provenance, and a proof
//! of the same statement made by snarkjs from zkcredit's `.wtns` witness, imported back.

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

    // Another prover on the same relation: the proof's witness as .wtns (private), proved by
    // snarkjs from the final .zkey, imported and verified by zkcredit.
    let c: serde_json::Value =
        serde_json::from_str(&ok(d, &["identity", "new", "--out", "id.json"])).expect("json");
    let commitment = c["commitment"].as_str().expect("commitment").to_string();
    ok(
        d,
        &["registry", "add", "m.json", "--leaf", "9", "--depth", "4"],
    );
    ok(
        d,
        &[
            "registry",
            "add",
            "m.json",
            "--leaf",
            &commitment,
            "--depth",
            "4",
        ],
    );
    ok(
        d,
        &[
            "prove",
            "membership",
            "--keys",
            "keys",
            "--identity",
            "id.json",
            "--members",
            "m.json",
            "--scope",
            "vote-1",
            "--signal",
            "yes",
            "--out",
            "p.json",
            "--wtns",
            "w.wtns",
        ],
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("w.wtns"))
            .expect("wtns")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the witness holds the secret");
    }
    let Some(snarkjs) = find_snarkjs() else {
        assert!(
            std::env::var("ZKCREDIT_REQUIRE_SNARKJS").as_deref() != Ok("1"),
            "snarkjs not found and ZKCREDIT_REQUIRE_SNARKJS=1"
        );
        return;
    };
    let out = Command::new(&snarkjs)
        .current_dir(d)
        .args([
            "groth16",
            "prove",
            "2.zkey",
            "w.wtns",
            "sp.json",
            "spub.json",
        ])
        .output()
        .expect("run snarkjs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let imported = ok(
        d,
        &[
            "import",
            "snarkjs",
            "--keys",
            "keys",
            "--proof",
            "sp.json",
            "--public",
            "spub.json",
            "--out",
            "imported.json",
        ],
    );
    assert!(imported.contains("verifies under"), "{imported}");
    let v = ok(
        d,
        &[
            "verify",
            "--keys",
            "keys",
            "imported.json",
            "--registry",
            "m.json",
            "--scope",
            "vote-1",
            "--signal",
            "yes",
        ],
    );
    assert!(v.contains("valid"), "{v}");
}

/// snarkjs: `$SNARKJS`, else `.ci/node_modules/.bin/snarkjs` under the workspace, else `PATH`.
fn find_snarkjs() -> Option<PathBuf> {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/node_modules/.bin/snarkjs");
    std::env::var_os("SNARKJS")
        .map(PathBuf::from)
        .or_else(|| local.exists().then_some(local))
        .or_else(|| {
            Command::new("snarkjs")
                .arg("--help")
                .output()
                .ok()
                .map(|_| PathBuf::from("snarkjs"))
        })
}
