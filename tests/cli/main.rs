//! End-to-end tests of the `zkcredit` binary.
//!
//! One shared world per process (seeded keys at depth 4, an identity, two credentials in a
//! registry, policies, requests and a proof) is built on first use; each test derives what it
//! needs from it in its own files. One test binary (linking the arkworks stack once); the tests
//! live in modules by subject.

use ark_ff::{BigInteger, Field, PrimeField};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

mod budgets;
mod malformed;
mod node;
mod prove;
mod snarkjs;
mod verify;

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
