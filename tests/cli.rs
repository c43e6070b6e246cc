//! End-to-end tests of the `zkcredit` binary.
//!
//! One shared world per process (seeded keys at depth 4, an identity, two credentials in a
//! registry, policies, requests and a proof) is built on first use; each test derives what it
//! needs from it in its own files.

use ark_ff::{BigInteger, Field, PrimeField};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const DEPTH: &str = "4";
const NOW: u64 = 1_800_000_000;
const SCOPE: &str = "pool-1/epoch-7";
/// The BN254 scalar field modulus p.
const P: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

fn zkcredit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkcredit"))
        .args(args)
        .output()
        .expect("run zkcredit")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs and checks the exit code and that stderr (for failures) or stdout (for success)
/// contains every one of `needles`.
#[track_caller]
fn expect(args: &[&str], code: i32, needles: &[&str]) -> Output {
    let out = zkcredit(args);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(code),
        "zkcredit {args:?}\nstdout: {stdout}\nstderr: {stderr}"
    );
    let hay = if code == 0 { &stdout } else { &stderr };
    for n in needles {
        assert!(
            hay.contains(n),
            "zkcredit {args:?}: {n:?} not in\n{hay}\n(stderr: {stderr})"
        );
    }
    out
}

fn json_out(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

struct World {
    dir: PathBuf,
    policy_keys: PathBuf,
    membership_keys: PathBuf,
    identity: PathBuf,
    commitment: String,
    credential: PathBuf,
    credential2: PathBuf,
    registry: PathBuf,
    policy: PathBuf,
    weak_policy: PathBuf,
    request: PathBuf,
    request2: PathBuf,
    proof: PathBuf,
}

impl World {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// `prove policy` arguments with the world's files and the given credential and policy.
    fn prove_args<'a>(
        &'a self,
        credential: &'a Path,
        policy: &'a Path,
        out: &'a Path,
    ) -> Vec<String> {
        [
            "prove",
            "policy",
            "--keys",
            s(&self.policy_keys),
            "--identity",
            s(&self.identity),
            "--credential",
            s(credential),
            "--registry",
            s(&self.registry),
            "--policy",
            s(policy),
            "--now",
            &NOW.to_string(),
            "--request",
            s(&self.request),
            "--scope",
            SCOPE,
            "--out",
            s(out),
        ]
        .iter()
        .map(|x| x.to_string())
        .collect()
    }
}

fn write(path: &Path, value: &serde_json::Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// Removes the worlds of earlier test runs (older than an hour) so they do not pile up.
fn remove_old_worlds(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > 3600);
        if old && e.file_name().to_string_lossy().starts_with("cli-") {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        remove_old_worlds(tmp);
        let dir = tmp.join(format!("cli-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let p = |n: &str| dir.join(n);
        let (policy_keys, membership_keys) = (p("keys-policy"), p("keys-membership"));
        let out = expect(
            &[
                "setup",
                "--circuit",
                "policy",
                "--depth",
                DEPTH,
                "--out",
                s(&policy_keys),
                "--seed",
                "1",
            ],
            0,
            &["policy-d4-k8-c4"],
        );
        assert!(text(&out.stderr).contains("INSECURE"), "seeded setup warns");
        expect(
            &[
                "setup",
                "--circuit",
                "membership",
                "--depth",
                DEPTH,
                "--out",
                s(&membership_keys),
                "--seed",
                "2",
            ],
            0,
            &["membership-d4"],
        );
        let identity = p("id.json");
        let out = expect(
            &["identity", "new", "--out", s(&identity)],
            0,
            &["commitment"],
        );
        let commitment = json_out(&out)["commitment"].as_str().unwrap().to_string();
        let registry = p("reg.json");
        let issue = |issuer: &str, name: &str| {
            let cred = p(name);
            let out = expect(
                &[
                    "credential",
                    "issue",
                    "--issuer",
                    issuer,
                    "--subject",
                    &commitment,
                    "--schema",
                    "1",
                    "--attrs",
                    "720,5000,800,9000,36,1,0,48",
                    "--issued-at",
                    "1700000000",
                    "--expires-at",
                    "1900000000",
                    "--out",
                    s(&cred),
                    "--registry",
                    s(&registry),
                    "--depth",
                    DEPTH,
                ],
                0,
                &["leaf", "index"],
            );
            (cred, json_out(&out))
        };
        let (credential, first) = issue("1", "cred.json");
        assert_eq!(first["index"], 0);
        let (credential2, second) = issue("2", "cred2.json");
        assert_eq!(second["index"], 1);

        let clauses = |score: i64| {
            serde_json::json!({"clauses": [
                {"coeffs": [1, 0, 0, 0, 0, 0, 0, 0], "constant": -score},
                {"coeffs": [0, 3600, -10000, 0, 0, 0, 0, 0], "constant": -4000000},
                {"coeffs": [0, 0, 0, 0, 0, 0, -1, 0], "constant": 0}
            ]})
        };
        let (policy, weak_policy) = (p("policy.json"), p("weak-policy.json"));
        write(&policy, &clauses(650));
        write(&weak_policy, &clauses(600));
        let request_json = |nonce: u64| {
            serde_json::json!({"chain_id": "zkcredit-test", "account": "alice", "amount": 100000,
                "term": 12, "rate_bps": 900, "policy_id": 1, "nonce": nonce})
        };
        let (request, request2) = (p("request.json"), p("request2.json"));
        write(&request, &request_json(1));
        write(&request2, &request_json(2));
        let w = World {
            dir: dir.clone(),
            policy_keys,
            membership_keys,
            identity,
            commitment,
            credential,
            credential2,
            registry,
            policy,
            weak_policy,
            request,
            request2,
            proof: p("proof.json"),
        };
        let args = w.prove_args(&w.credential, &w.policy, &w.proof);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = expect(&args, 0, &["nullifier", "policy-d4-k8-c4"]);
        assert!(text(&out.stderr).contains("INSECURE"), "insecure keys warn");
        w
    })
}

/// The world's proof file as JSON.
fn proof_json() -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(&world().proof).unwrap()).unwrap()
}

/// Writes a modified copy of the world's proof and verifies it with the policy key.
#[track_caller]
fn verify_modified(
    name: &str,
    change: impl FnOnce(&mut serde_json::Value),
    code: i32,
    needles: &[&str],
) {
    let w = world();
    let mut j = proof_json();
    change(&mut j);
    let path = w.path(name);
    write(&path, &j);
    expect(
        &["verify", "--keys", s(&w.policy_keys), s(&path)],
        code,
        needles,
    );
}

/// Applies `f` to the compressed proof bytes.
fn with_proof_bytes(j: &mut serde_json::Value, f: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = hex::decode(j["proof"].as_str().unwrap()).unwrap();
    f(&mut bytes);
    j["proof"] = hex::encode(bytes).into();
}

/// All expectation flags of the world's proof.
fn full_expectations(w: &World) -> Vec<String> {
    [
        "--policy",
        s(&w.policy),
        "--issuer",
        "1",
        "--registry",
        s(&w.registry),
        "--request",
        s(&w.request),
        "--scope",
        SCOPE,
        "--now",
        &NOW.to_string(),
    ]
    .iter()
    .map(|x| x.to_string())
    .collect()
}

fn verify_with(proof: &Path, flags: &[String], code: i32, needles: &[&str]) -> Output {
    let w = world();
    let mut args: Vec<&str> = vec!["verify", "--keys", s(&w.policy_keys), s(proof)];
    args.extend(flags.iter().map(String::as_str));
    expect(&args, code, needles)
}

/// `flags` with the value of `flag` replaced (or added).
fn replace_flag(mut flags: Vec<String>, flag: &str, value: &str) -> Vec<String> {
    match flags.iter().position(|f| f == flag) {
        Some(i) => flags[i + 1] = value.to_string(),
        None => flags.extend([flag.to_string(), value.to_string()]),
    }
    flags
}

fn remove_flag(mut flags: Vec<String>, flag: &str) -> Vec<String> {
    if let Some(i) = flags.iter().position(|f| f == flag) {
        flags.drain(i..i + 2);
    }
    flags
}

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
fn prover_refuses_a_failing_clause_expiry_and_missing_leaf() {
    let w = world();
    let strict = w.path("strict-policy.json");
    write(
        &strict,
        &serde_json::json!({"clauses": [
            {"coeffs": [0, 0, 0, 0, 0, 0, -1, 0], "constant": 0},
            {"coeffs": [1, 0, 0, 0, 0, 0, 0, 0], "constant": -900}
        ]}),
    );
    let out_path = w.path("never.json");
    let args = w.prove_args(&w.credential, &strict, &out_path);
    expect(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        1,
        &["refused", "clause 1 (score - 900 >= 0) fails"],
    );
    assert!(!out_path.exists(), "no proof written");
    let args = replace_flag(
        w.prove_args(&w.credential, &w.policy, &out_path),
        "--now",
        "1900000000",
    );
    expect(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        1,
        &["refused", "expired at 1900000000"],
    );
    let empty = w.path("reg-empty.json");
    write(
        &empty,
        &serde_json::json!({"format": "zkcredit-registry/v1", "depth": 4, "leaves": ["5"]}),
    );
    let args = replace_flag(
        w.prove_args(&w.credential, &w.policy, &out_path),
        "--registry",
        s(&empty),
    );
    expect(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        1,
        &["credential not in registry"],
    );
    // A registry of another depth than the keys: usage (2).
    let deep = w.path("reg-deep.json");
    write(
        &deep,
        &serde_json::json!({"format": "zkcredit-registry/v1", "depth": 8, "leaves": []}),
    );
    let args = replace_flag(
        w.prove_args(&w.credential, &w.policy, &out_path),
        "--registry",
        s(&deep),
    );
    expect(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        2,
        &["depth 8"],
    );
    assert!(!out_path.exists(), "no proof written");
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

#[test]
fn membership_round_trip() {
    let w = world();
    let members = w.path("members.json");
    expect(
        &[
            "registry",
            "add",
            s(&members),
            "--leaf",
            "77",
            "--depth",
            DEPTH,
        ],
        0,
        &["index"],
    );
    expect(
        &["registry", "add", s(&members), "--leaf", &w.commitment],
        0,
        &["\"index\":1"],
    );
    let proof = w.path("vote.json");
    let keys = s(&w.membership_keys);
    expect(
        &[
            "prove",
            "membership",
            "--keys",
            keys,
            "--identity",
            s(&w.identity),
            "--members",
            s(&members),
            "--scope",
            "proposal-9",
            "--signal",
            "yes",
            "--out",
            s(&proof),
        ],
        0,
        &["nullifier", "membership-d4"],
    );
    let base = [
        "verify",
        "--keys",
        keys,
        s(&proof),
        "--registry",
        s(&members),
        "--scope",
        "proposal-9",
    ];
    let mut ok = base.to_vec();
    ok.extend(["--signal", "yes"]);
    expect(&ok, 0, &["valid", "for what was required"]);
    let mut no = base.to_vec();
    no.extend(["--signal", "no"]);
    expect(&no, 1, &["another signal"]);
    let mut policy_flag = ok.clone();
    policy_flag.extend(["--issuer", "1"]);
    expect(&policy_flag, 2, &["--issuer", "membership-d4"]);
    // Not a member: refused by the prover.
    let outsider = w.path("members-other.json");
    expect(
        &[
            "registry",
            "add",
            s(&outsider),
            "--leaf",
            "78",
            "--depth",
            DEPTH,
        ],
        0,
        &[],
    );
    expect(
        &[
            "prove",
            "membership",
            "--keys",
            keys,
            "--identity",
            s(&w.identity),
            "--members",
            s(&outsider),
            "--scope",
            "p",
            "--signal",
            "s",
            "--out",
            s(&w.path("never-vote.json")),
        ],
        1,
        &["not a member"],
    );
}

/// The snarkjs CLI: `$SNARKJS`, else `node_modules/.bin/snarkjs` or
/// `.ci/node_modules/.bin/snarkjs` under the workspace root, else `snarkjs` on `PATH`.
fn find_snarkjs() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SNARKJS") {
        return Some(PathBuf::from(p));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for rel in ["node_modules/.bin/snarkjs", ".ci/node_modules/.bin/snarkjs"] {
        let p = root.join(rel);
        if p.exists() {
            return Some(p);
        }
    }
    let ok = Command::new("snarkjs").arg("--version").output().is_ok();
    ok.then(|| PathBuf::from("snarkjs"))
}

#[test]
fn snarkjs_verifies_an_exported_proof() {
    let w = world();
    let dir = w.path("snarkjs");
    expect(
        &[
            "export",
            "snarkjs",
            "--keys",
            s(&w.policy_keys),
            s(&w.proof),
            "--out",
            s(&dir),
        ],
        0,
        &["verification_key.json"],
    );
    for f in ["verification_key.json", "proof.json", "public.json"] {
        assert!(dir.join(f).exists(), "{f} written");
    }
    let public: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("public.json")).unwrap()).unwrap();
    assert_eq!(public, proof_json()["public_inputs"]);
    let Some(cli) = find_snarkjs() else {
        assert!(
            std::env::var("ZKCREDIT_REQUIRE_SNARKJS").as_deref() != Ok("1"),
            "snarkjs not found and ZKCREDIT_REQUIRE_SNARKJS=1"
        );
        println!("snarkjs not found, skipping the interop check");
        return;
    };
    let run = || {
        let out = Command::new(&cli)
            .current_dir(&dir)
            .args([
                "groth16",
                "verify",
                "verification_key.json",
                "public.json",
                "proof.json",
            ])
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", cli.display()));
        (
            out.status.success(),
            format!("{}{}", text(&out.stdout), text(&out.stderr)),
        )
    };
    let (ok, log) = run();
    assert!(
        ok && log.contains("OK"),
        "snarkjs rejected a valid exported proof:\n{log}"
    );
    // And rejects it for another now.
    let mut tampered = public.clone();
    tampered[2] = (NOW + 1).to_string().into();
    write(&dir.join("public.json"), &tampered);
    let (ok, log) = run();
    assert!(
        !ok && !log.contains("OK!"),
        "snarkjs accepted a tampered input:\n{log}"
    );
}

/// A proof in snarkjs's JSON (here our own, exported) imports back as a zkcredit proof file
/// that `zkcredit verify` accepts; import checks the proof (exit 1 when it does not verify)
/// and decodes strictly (exit 2 naming the file and field).
#[test]
fn a_snarkjs_proof_imports_and_verifies_and_import_is_strict() {
    let w = world();
    let dir = w.path("import");
    expect(
        &[
            "export",
            "snarkjs",
            "--keys",
            s(&w.policy_keys),
            s(&w.proof),
            "--out",
            s(&dir),
        ],
        0,
        &[],
    );
    let (proof, public) = (dir.join("proof.json"), dir.join("public.json"));
    let out = dir.join("imported.json");
    let import = |proof: &Path, public: &Path, code: i32, needles: &[&str]| {
        expect(
            &[
                "import",
                "snarkjs",
                "--keys",
                s(&w.policy_keys),
                "--proof",
                s(proof),
                "--public",
                s(public),
                "--out",
                s(&out),
            ],
            code,
            needles,
        )
    };
    import(&proof, &public, 0, &["verifies under"]);
    let flags = full_expectations(w);
    verify_with(&out, &flags, 0, &["valid"]);
    let imported: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(imported["public_inputs"], proof_json()["public_inputs"]);
    assert_eq!(imported["proof"], proof_json()["proof"]);

    // Another `now`: a well-formed proof that does not verify.
    let mut tampered: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&public).unwrap()).unwrap();
    tampered[3] = (NOW + 1).to_string().into();
    let bad_public = dir.join("bad-public.json");
    write(&bad_public, &tampered);
    import(&proof, &bad_public, 1, &["invalid", "does not verify"]);
    // A value not below r, and a point off the curve: malformed, named.
    tampered[3] = P.into();
    write(&bad_public, &tampered);
    import(&proof, &bad_public, 2, &["public input 3 is not below"]);
    let mut p: serde_json::Value = serde_json::from_slice(&std::fs::read(&proof).unwrap()).unwrap();
    p["pi_a"][1] = "3".into();
    let bad_proof = dir.join("bad-proof.json");
    write(&bad_proof, &p);
    import(&bad_proof, &public, 2, &["pi_a: not a point on the curve"]);
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

#[test]
fn prove_takes_paths_and_roots_from_a_ledger() {
    use ark_serialize::CanonicalSerialize;
    use ed25519_dalek::SigningKey;
    use zkcredit_ledger::{Genesis, KeyRecord, Ledger, Params, Tx, TxBody};

    let w = world();
    let record = |dir: &Path| {
        let keys = zkcredit_prover::ProvingKeys::load(dir).unwrap();
        let mut vk = Vec::new();
        keys.verifier.vk().serialize_compressed(&mut vk).unwrap();
        KeyRecord {
            circuit: keys.id.to_string(),
            vk,
            insecure: true,
        }
    };
    let sk = |b: u8| SigningKey::from_bytes(&[b; 32]);
    let acct = |k: &SigningKey| k.verifying_key().to_bytes();
    let chain = "cli-ledger";
    let t0 = 1_750_000_000;
    let genesis = Genesis {
        params: Params::new(chain, 4, vec![acct(&sk(1)), acct(&sk(2))], 2),
        time: t0,
        keys: vec![record(&w.policy_keys), record(&w.membership_keys)],
    };
    let dir = w.path("ledger");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let credential: zkcredit_circuits::credential::Credential =
        serde_json::from_slice(&std::fs::read(&w.credential).unwrap()).unwrap();
    let identity = zkcredit_circuits::field::from_decimal(&w.commitment).unwrap();
    let root = {
        let mut ledger = Ledger::init(&dir, &genesis).unwrap();
        let register = Tx::sign(
            chain,
            &sk(1),
            0,
            TxBody::RegisterIssuer {
                issuer: credential.issuer,
                account: acct(&sk(10)),
                name: "bureau".into(),
            },
        )
        .cosign(chain, &sk(2));
        // Admission: any credential of this issuer and schema.
        let admission = zkcredit_ledger::PolicyRules {
            name: "admission".into(),
            clauses: vec![zkcredit_ledger::ClauseRule {
                coeffs: [0; 8],
                constant: 0,
                instalment_coeff: 0,
            }],
            issuer: credential.issuer,
            schema: credential.schema,
            max_credential_age: None,
            rate_bps: 0,
            max_amount: 1,
            max_term: 1,
            active: true,
        };
        let set = Tx::sign(
            chain,
            &sk(1),
            1,
            TxBody::SetPolicy {
                policy_id: 0,
                rules: admission,
            },
        )
        .cosign(chain, &sk(2));
        let open = Tx::sign(
            chain,
            &sk(1),
            2,
            TxBody::SetAdmission { policy_id: Some(0) },
        )
        .cosign(chain, &sk(2));
        let made = ledger
            .produce_block(t0 + 60, &[register, set, open])
            .unwrap();
        assert!(made.rejected.is_empty(), "{:?}", made.rejected);
        let attest = Tx::sign(
            chain,
            &sk(10),
            0,
            TxBody::Attest {
                commitment: credential.commitment(),
            },
        );
        let made = ledger.produce_block(t0 + 120, &[attest]).unwrap();
        assert!(made.rejected.is_empty(), "{:?}", made.rejected);
        // The member joins with an admission proof bound to its identity.
        let secret: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&w.identity).unwrap()).unwrap();
        let id = zkcredit_circuits::identity::Identity::from_secret(
            zkcredit_circuits::field::from_decimal(secret["secret"].as_str().unwrap()).unwrap(),
        );
        assert_eq!(id.commitment(), identity);
        // Plan, prove and sign through the client crate, as `zkcredit coop join` does.
        let mut session = zkcredit_client::Session::new(zkcredit_client::LocalChain::new(ledger))
            .with_policy_keys(zkcredit_prover::ProvingKeys::load(&w.policy_keys).unwrap());
        session.chain.set_time(Some(t0 + 180));
        let member = zkcredit_client::Member {
            key: sk(11),
            identity: Some(id),
        };
        let join = session.join(&member, &credential, 1_000_000).unwrap();
        let ledger = session.chain.ledger_mut();
        let made = ledger.produce_block(t0 + 180, &[join]).unwrap();
        assert!(made.rejected.is_empty(), "{:?}", made.rejected);
        ledger.credential_path(&credential.leaf()).unwrap().1
    };
    let root = zkcredit_circuits::field::to_decimal(&root);

    // prove policy --ledger DIR instead of --registry FILE; the proof is for the ledger's root
    let out = w.path("ledger-proof.json");
    let mut args = remove_flag(w.prove_args(&w.credential, &w.policy, &out), "--registry");
    args.extend(["--ledger".to_string(), s(&dir).to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let made = expect(&refs, 0, &["policy-d4-k8-c4"]);
    assert_eq!(json_out(&made)["root"], root.as_str());
    expect(
        &[
            "verify",
            "--keys",
            s(&w.policy_keys),
            s(&out),
            "--root",
            &root,
        ],
        0,
        &[],
    );
    // a credential the ledger never attested is refused, naming the ledger
    let mut args = remove_flag(w.prove_args(&w.credential2, &w.policy, &out), "--registry");
    args.extend(["--ledger".to_string(), s(&dir).to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    expect(&refs, 1, &["not in the registry of the ledger"]);
    // both a registry file and a ledger is a usage error
    let mut args = w.prove_args(&w.credential, &w.policy, &out);
    args.extend(["--ledger".to_string(), s(&dir).to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    expect(&refs, 2, &[]);

    // prove membership --ledger DIR: the member tree of the ledger
    let mout = w.path("ledger-membership.json");
    expect(
        &[
            "prove",
            "membership",
            "--keys",
            s(&w.membership_keys),
            "--identity",
            s(&w.identity),
            "--ledger",
            s(&dir),
            "--scope",
            "proposal-1",
            "--signal",
            "yes",
            "--out",
            s(&mout),
        ],
        0,
        &["membership-d4"],
    );
    expect(
        &["verify", "--keys", s(&w.membership_keys), s(&mout)],
        0,
        &[],
    );
}

// --- node (issue 10)

/// `zkcredit node` serves a ledger, answers over HTTP, and stops cleanly on SIGTERM, leaving a
/// ledger that verifies; a bad flag is a usage error.
#[test]
fn node_serves_and_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, Read, Write};
    let w = world();
    let dir = w.path("node-ledger");
    let _ = std::fs::remove_dir_all(&dir);
    expect(
        &[
            "ledger",
            "init",
            "--dir",
            s(&dir),
            "--policy-keys",
            s(&w.policy_keys),
            "--membership-keys",
            s(&w.membership_keys),
            "--officer",
            &"11".repeat(32),
        ],
        0,
        &["initialised"],
    );
    expect(
        &["node", "--dir", s(&dir), "--block-interval", "0"],
        2,
        &["--block-interval"],
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkcredit"))
        .args(["node", "--dir", s(&dir), "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn node");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let line = lines.next().expect("a line").expect("utf-8");
    let addr = line
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    let mut conn = std::net::TcpStream::connect(&addr).expect("connect");
    write!(
        conn,
        "GET /v1/head HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut answer = String::new();
    conn.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"height\":0"), "{answer}");
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(term.success());
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "node did not stop on SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "node exited with {status}");
    expect(
        &["ledger", "verify", "--dir", s(&dir)],
        0,
        &["ok: 0 blocks"],
    );
}
