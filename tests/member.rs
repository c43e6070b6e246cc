//! End-to-end tests of what a co-op member does with the `zkcredit` binary: keys, parameters,
//! transaction bodies from files and standard input, signed transaction files and their fate,
//! the one-command actions of `zkcredit coop` on a local ledger and against a real node, the
//! listings of `ledger show`, and the ledger `demo --dir` leaves behind.
//!
//! One co-op per process (seeded keys at depth 4, genesis at the current time) is built on
//! first use; the story tests run in order inside one test so that nonces and heights are
//! known.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const DEPTH: &str = "4";

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkcredit"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zkcredit");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait zkcredit")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs with `stdin`, checks the exit code and that stdout+stderr contain every needle.
#[track_caller]
fn expect_in(args: &[&str], stdin: Option<&str>, code: i32, needles: &[&str]) -> String {
    let out = run(args, stdin);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(code),
        "zkcredit {args:?}\nstdout: {stdout}\nstderr: {stderr}"
    );
    let hay = format!("{stdout}{stderr}");
    for n in needles {
        assert!(hay.contains(n), "zkcredit {args:?}: {n:?} not in\n{hay}");
    }
    stdout
}

#[track_caller]
fn expect(args: &[&str], code: i32, needles: &[&str]) -> String {
    expect_in(args, None, code, needles)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// The hash a submit/sign/coop line reports: the 64-hex word after the kind.
fn hash_in(out: &str) -> String {
    out.split_whitespace()
        .find(|w| w.len() == 64 && w.chars().all(|c| c.is_ascii_hexdigit()))
        .unwrap_or_else(|| panic!("no hash in {out}"))
        .to_string()
}

fn fresh_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("member-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Coop {
    dir: PathBuf,
    ledger: PathBuf,
    policy_keys: PathBuf,
    membership_keys: PathBuf,
    officer: PathBuf,
    bureau: PathBuf,
    bureau_account: String,
    member: PathBuf,
    identity: PathBuf,
    credential: PathBuf,
    commitment: String,
}

impl Coop {
    fn path(&self, n: &str) -> PathBuf {
        self.dir.join(n)
    }

    /// `coop ACTION` on the local ledger, producing the block at once.
    fn coop(&self, action: &[&str], code: i32, needles: &[&str]) -> String {
        let mut args = vec!["coop"];
        args.extend_from_slice(action);
        args.extend_from_slice(&[
            "--dir",
            s(&self.ledger),
            "--key",
            s(&self.member),
            "--identity",
            s(&self.identity),
            "--policy-keys",
            s(&self.policy_keys),
            "--membership-keys",
            s(&self.membership_keys),
            "--produce",
        ]);
        expect(&args, code, needles)
    }

    /// An officer's body from standard input, queued and produced.
    fn govern(&self, body: &serde_json::Value) {
        expect_in(
            &[
                "ledger",
                "submit",
                "--dir",
                s(&self.ledger),
                "--key",
                s(&self.officer),
                "--body",
                "-",
            ],
            Some(&body.to_string()),
            0,
            &["queued"],
        );
        expect(
            &["ledger", "produce", "--dir", s(&self.ledger)],
            0,
            &["1 transaction(s)"],
        );
    }
}

/// Keys, genesis with parameters merged over the defaults, an issuer, the admission and a
/// lending policy (bodies from stdin and files), a member's identity and credential.
fn setup_coop() -> Coop {
    let dir = fresh_dir("coop");
    let p = |n: &str| dir.join(n);
    let (policy_keys, membership_keys) = (p("keys-policy"), p("keys-membership"));
    for (circuit, out, seed) in [
        ("policy", &policy_keys, "1"),
        ("membership", &membership_keys, "2"),
    ] {
        expect(
            &[
                "setup",
                "--circuit",
                circuit,
                "--depth",
                DEPTH,
                "--out",
                s(out),
                "--seed",
                seed,
            ],
            0,
            &[],
        );
    }
    let key = |n: &str| {
        let k = p(n);
        let account = expect(&["ledger", "keygen", "--out", s(&k)], 0, &[]);
        (k, account.trim().to_string())
    };
    let (officer, officer_account) = key("officer.json");
    let (bureau, bureau_account) = key("bureau.json");
    let (member, _) = key("member.json");

    // Parameters: a partial object merged over the defaults.
    let params = p("params.json");
    std::fs::write(
        &params,
        serde_json::json!({"officers": [officer_account], "min_deposit": 5_000}).to_string(),
    )
    .unwrap();
    let ledger = p("ledger");
    expect(
        &[
            "ledger",
            "init",
            "--dir",
            s(&ledger),
            "--policy-keys",
            s(&policy_keys),
            "--membership-keys",
            s(&membership_keys),
            "--params",
            s(&params),
            "--chain-id",
            "member-test",
        ],
        0,
        &["initialised"],
    );

    let identity = p("id.json");
    let out = expect(&["identity", "new", "--out", s(&identity)], 0, &[]);
    let commitment = json(&out)["commitment"].as_str().unwrap().to_string();
    let credential = p("cred.json");
    let out = expect(
        &[
            "credential",
            "issue",
            "--issuer",
            "5",
            "--subject",
            &commitment,
            "--schema",
            "1",
            "--attrs",
            "720,5000,800,9000,36,1,0,48",
            "--issued-at",
            "1700000000",
            "--expires-at",
            "4000000000",
            "--out",
            s(&credential),
        ],
        0,
        &[],
    );
    let cred_commitment = json(&out)["commitment"].as_str().unwrap().to_string();
    let c = Coop {
        dir,
        ledger,
        policy_keys,
        membership_keys,
        officer,
        bureau,
        bureau_account,
        member,
        identity,
        credential,
        commitment,
    };
    // Governance: field elements as decimal strings, accounts as hex.
    c.govern(&serde_json::json!({"RegisterIssuer": {
        "issuer": "5", "account": c.bureau_account, "name": "bureau"}}));
    let rules = |name: &str, score: i64, rate: u64| {
        serde_json::json!({
            "name": name,
            "clauses": [{"coeffs": [1, 0, 0, 0, 0, 0, 0, 0], "constant": -score}],
            "issuer": "5", "schema": 1, "max_credential_age": null,
            "rate_bps": rate, "max_amount": 100_000, "max_term": 12, "active": true,
        })
    };
    c.govern(
        &serde_json::json!({"SetPolicy": {"policy_id": 0, "rules": rules("admission", 300, 0)}}),
    );
    c.govern(
        &serde_json::json!({"SetPolicy": {"policy_id": 1, "rules": rules("lending", 650, 900)}}),
    );
    c.govern(&serde_json::json!({"SetAdmission": {"policy_id": 0}}));
    // The bureau attests from a body file.
    let attest = c.path("attest.json");
    std::fs::write(
        &attest,
        serde_json::json!({"Attest": {"commitment": cred_commitment}}).to_string(),
    )
    .unwrap();
    expect(
        &[
            "ledger",
            "submit",
            "--dir",
            s(&c.ledger),
            "--key",
            s(&c.bureau),
            "--body",
            s(&attest),
        ],
        0,
        &["queued attest"],
    );
    expect(&["ledger", "produce", "--dir", s(&c.ledger)], 0, &[]);
    c
}

/// `ledger keygen` refuses to overwrite a key and writes it readable only by its owner.
#[test]
fn keygen_refuses_to_overwrite_and_is_private() {
    let d = fresh_dir("keygen");
    let k = d.join("k.json");
    expect(&["ledger", "keygen", "--out", s(&k)], 0, &[]);
    let before = std::fs::read(&k).unwrap();
    expect(
        &["ledger", "keygen", "--out", s(&k)],
        2,
        &["already exists"],
    );
    assert_eq!(std::fs::read(&k).unwrap(), before, "key unchanged");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&k).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// `ledger params --defaults` prints every parameter as JSON (merging and unknown fields are
/// unit-tested in `ledger_cmd::init`).
#[test]
fn params_defaults_and_unknown_fields() {
    let out = expect(&["ledger", "params", "--defaults"], 0, &[]);
    let v = json(&out);
    for f in [
        "min_deposit",
        "quorum_bps",
        "time_tolerance",
        "officers",
        "period_secs",
    ] {
        assert!(v.get(f).is_some(), "{f} missing from {v}");
    }
}

/// The member's whole story on a local ledger, then against a node serving it.
#[test]
fn a_member_joins_applies_repays_and_signs_files_locally_and_against_a_node() {
    let c = setup_coop();
    let ledger = s(&c.ledger);

    // Join with an admission proof, in one command.
    c.coop(
        &[
            "join",
            "--credential",
            s(&c.credential),
            "--deposit",
            "20000",
        ],
        0,
        &["submitted join", "included at height"],
    );
    // A deposit; then an empty mempool makes no block.
    c.coop(&["deposit", "--amount", "1000"], 0, &["included"]);
    let height = |c: &Coop| {
        json(&expect(
            &["ledger", "show", "--dir", s(&c.ledger), "--json"],
            0,
            &[],
        ))["height"]
            .as_u64()
            .unwrap()
    };
    let h = height(&c);
    expect(
        &["ledger", "produce", "--dir", ledger],
        0,
        &["mempool is empty and nothing is due: no block made"],
    );
    assert_eq!(height(&c), h);

    // Terms outside the policy are refused before proving, naming the bound.
    c.coop(
        &[
            "apply",
            "--credential",
            s(&c.credential),
            "--policy",
            "1",
            "--amount",
            "999999",
            "--term",
            "6",
        ],
        1,
        &["above the policy's maximum 100000"],
    );
    // Proving keys of the right circuit but another setup are refused before proving:
    // every proof made with them would be refused.
    let other = c.path("keys-other");
    expect(
        &[
            "setup",
            "--circuit",
            "policy",
            "--depth",
            DEPTH,
            "--out",
            s(&other),
            "--seed",
            "9",
        ],
        0,
        &[],
    );
    expect(
        &[
            "coop",
            "apply",
            "--credential",
            s(&c.credential),
            "--policy",
            "1",
            "--amount",
            "12000",
            "--term",
            "3",
            "--dir",
            s(&c.ledger),
            "--key",
            s(&c.member),
            "--identity",
            s(&c.identity),
            "--policy-keys",
            s(&other),
        ],
        2,
        &["do not match the chain's", "with verifying key"],
    );
    // A loan application with a policy proof, approved automatically.
    c.coop(
        &[
            "apply",
            "--credential",
            s(&c.credential),
            "--policy",
            "1",
            "--amount",
            "12000",
            "--term",
            "3",
        ],
        0,
        &["submitted apply-loan", "included"],
    );
    c.govern(&serde_json::json!({"Disburse": {"loan": 0}}));

    // Signed transaction files: a withdrawal beyond the member's capital (rejected) and a
    // deposit signed after it; the rejection does not doom the deposit.
    let too_much = c.path("too-much.json");
    let deposit = c.path("deposit.json");
    expect_in(
        &[
            "ledger",
            "sign",
            "--body",
            "-",
            "--key",
            s(&c.member),
            "--dir",
            ledger,
            "--out",
            s(&too_much),
        ],
        Some(r#"{"Withdraw":{"amount":999999999}}"#),
        0,
        &["signed withdraw"],
    );
    let signed = json(&std::fs::read_to_string(&too_much).unwrap());
    let nonce = signed["tx"]["nonce"].as_u64().unwrap();
    assert!(
        signed["tx"]["signer"].is_string(),
        "accounts are hex: {signed}"
    );
    assert!(
        signed["tx"]["signature"].is_string(),
        "signatures are hex: {signed}"
    );
    let next = (nonce + 1).to_string();
    expect_in(
        &[
            "ledger",
            "sign",
            "--body",
            "-",
            "--key",
            s(&c.member),
            "--dir",
            ledger,
            "--nonce",
            &next,
            "--out",
            s(&deposit),
        ],
        Some(r#"{"Deposit":{"amount":700}}"#),
        0,
        &["signed deposit"],
    );
    // A signed file is not overwritten.
    expect_in(
        &[
            "ledger",
            "sign",
            "--body",
            "-",
            "--key",
            s(&c.member),
            "--dir",
            ledger,
            "--out",
            s(&deposit),
        ],
        Some(r#"{"Deposit":{"amount":1}}"#),
        2,
        &["already exists"],
    );
    let h1 = hash_in(&expect(
        &["ledger", "submit", "--dir", ledger, "--tx", s(&too_much)],
        0,
        &["queued withdraw"],
    ));
    let h2 = hash_in(&expect_in(
        &["ledger", "submit", "--dir", ledger, "--tx", "-"],
        Some(&std::fs::read_to_string(&deposit).unwrap()),
        0,
        &["queued deposit"],
    ));
    expect(&["ledger", "status", &h2, "--dir", ledger], 0, &["pending"]);
    expect(
        &["ledger", "produce", "--dir", ledger],
        1,
        &["insufficient capital"],
    );
    expect(
        &["ledger", "status", &h1, "--dir", ledger],
        1,
        &["rejected", "insufficient capital", "[insufficient_capital]"],
    );
    expect(
        &["ledger", "status", &h2, "--dir", ledger],
        0,
        &["included at height"],
    );
    expect(
        &["ledger", "status", &"00".repeat(32), "--dir", ledger],
        2,
        &["no transaction"],
    );
    // A body that is not JSON names the file.
    expect_in(
        &[
            "ledger",
            "submit",
            "--dir",
            ledger,
            "--key",
            s(&c.member),
            "--body",
            "-",
        ],
        Some("{\"Deposit\":{\"amount\":[1,2]}}"),
        2,
        &["not a transaction body"],
    );

    // `ledger show` lists what a member needs: loans with what is due, policies, issuers,
    // accounts and nonces.
    let shown = expect(
        &["ledger", "show", "--dir", ledger],
        0,
        &[
            "loans (1):",
            "next instalment",
            "policies (2):",
            "\"lending\"",
            "issuers (2):",
            "\"bureau\"",
            "next nonce",
        ],
    );
    assert!(shown.contains(&c.bureau_account), "{shown}");
    let v = json(&expect(
        &["ledger", "show", "--dir", ledger, "--json"],
        0,
        &[],
    ));
    assert_eq!(v["members"], 1);
    assert_eq!(
        v["params"]["min_deposit"], 5_000,
        "params merged over defaults"
    );
    assert_eq!(v["params"]["quorum_bps"], 5_000, "defaults kept");
    let loan = &v["loans"][0];
    assert_eq!(loan["status"], "active");
    let due = loan["due_now"]["amount"].as_u64().unwrap();
    assert!(due > 4_000, "{loan}");
    assert!(v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["member"] == true));

    // Repay exactly what is due, in one command.
    c.coop(
        &["repay", "--loan", "0"],
        0,
        &["submitted repay", "included"],
    );
    let v = json(&expect(
        &["ledger", "show", "--dir", ledger, "--json"],
        0,
        &[],
    ));
    assert_eq!(v["loans"][0]["next"], 1);
    // A loan already paid out cannot be withdrawn; the refusal says what it needs.
    c.coop(
        &["cancel-loan", "--loan", "0"],
        1,
        &["loan 0 is active, needs voting or approved"],
    );

    // The co-op attests the member's history: the new credential is written, privately.
    let hist = c.path("history.json");
    c.coop(
        &["claim-history", "--out", s(&hist)],
        0,
        &["submitted claim-history", "included", "credential written"],
    );
    let cred = json(&std::fs::read_to_string(&hist).unwrap());
    assert_eq!(cred["subject"], c.commitment.as_str(), "{cred}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&hist).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    c.coop(
        &["claim-history", "--out", s(&hist)],
        2,
        &["already exists"],
    );
    // A proposal from a file: one the ledger refuses says why, by name; a valid one opens.
    let proposal = c.path("proposal.json");
    std::fs::write(&proposal, r#"{"Loan":{"loan":7}}"#).unwrap();
    c.coop(
        &["propose", "--action", s(&proposal)],
        1,
        &["rejected", "opened by ApplyLoan"],
    );
    std::fs::write(&proposal, r#"{"SetAdmission":{"policy_id":null}}"#).unwrap();
    c.coop(&["propose", "--action", s(&proposal)], 0, &["included"]);
    expect(&["ledger", "show", "--dir", ledger], 0, &["set-admission"]);
    expect(&["ledger", "verify", "--dir", ledger], 0, &["ok:"]);

    // The same member against a node serving this ledger.
    let mut node = Command::new(env!("CARGO_BIN_EXE_zkcredit"))
        .args([
            "node",
            "--dir",
            ledger,
            "--listen",
            "127.0.0.1:0",
            "--block-interval",
            "0.2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn node");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(node.stdout.take().unwrap()));
    let line = lines.next().expect("a line").expect("utf-8");
    let url = format!(
        "http://{}",
        line.strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("{line:?}"))
    );
    let on_node = |action: &[&str], code: i32, needles: &[&str]| {
        let mut args = vec!["coop"];
        args.extend_from_slice(action);
        args.extend_from_slice(&[
            "--node",
            &url,
            "--key",
            s(&c.member),
            "--identity",
            s(&c.identity),
            "--policy-keys",
            s(&c.policy_keys),
        ]);
        expect(&args, code, needles)
    };
    on_node(
        &["deposit", "--amount", "300"],
        0,
        &["submitted deposit", "included"],
    );
    on_node(
        &["repay", "--loan", "0"],
        0,
        &["submitted repay", "included"],
    );
    // Refused at the node's admission or rejected in its block: either way exit 1, named.
    on_node(
        &["withdraw", "--amount", "999999999"],
        1,
        &["insufficient capital"],
    );
    on_node(&["deposit", "--amount", "200"], 0, &["included"]);
    // A signed file handed to the node, and its fate from there.
    let file = c.path("node-deposit.json");
    expect_in(
        &[
            "ledger",
            "sign",
            "--body",
            "-",
            "--key",
            s(&c.member),
            "--node",
            &url,
            "--out",
            s(&file),
        ],
        Some(r#"{"Deposit":{"amount":50}}"#),
        0,
        &[],
    );
    let h = hash_in(&expect(
        &["ledger", "submit", "--node", &url, "--tx", s(&file)],
        0,
        &["queued deposit"],
    ));
    let start = std::time::Instant::now();
    loop {
        let out = run(&["ledger", "status", &h, "--node", &url], None);
        if text(&out.stdout).contains("included") {
            break;
        }
        assert!(
            start.elapsed().as_secs() < 30,
            "not included: {}",
            text(&out.stdout)
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // A second application for the same epoch reuses the nullifier scope: refused, named.
    on_node(
        &[
            "apply",
            "--credential",
            s(&c.credential),
            "--policy",
            "1",
            "--amount",
            "5000",
            "--term",
            "2",
        ],
        1,
        &["nullifier"],
    );
    let _ = Command::new("kill")
        .args(["-TERM", &node.id().to_string()])
        .status();
    let _ = node.wait();
    expect(&["ledger", "verify", "--dir", ledger], 0, &["ok:"]);
}

/// `demo --dir D` leaves a ledger that `ledger show|verify --dir D` open, and the files a
/// member needs to carry on with `coop`.
#[test]
fn demo_dir_leaves_a_ledger_and_a_member_kit() {
    let d = fresh_dir("demo");
    let out = expect(
        &["demo", "--dir", s(&d), "--depth", DEPTH],
        0,
        &[
            "All steps behaved",
            "zkcredit ledger show --dir",
            "zkcredit ledger verify --dir",
        ],
    );
    assert!(out.contains("coop deposit"), "{out}");
    expect(&["ledger", "verify", "--dir", s(&d)], 0, &["ok:"]);
    expect(
        &["ledger", "show", "--dir", s(&d)],
        0,
        &["loans (4):", "policies (3):"],
    );
    let ben = d.join("members").join("ben");
    for f in [
        "account.json",
        "identity.json",
        "credential.json",
        "history.json",
    ] {
        assert!(ben.join(f).exists(), "{f} missing");
    }
    expect(
        &[
            "coop",
            "deposit",
            "--dir",
            s(&d),
            "--key",
            s(&ben.join("account.json")),
            "--amount",
            "5000",
            "--produce",
        ],
        0,
        &["included"],
    );
    expect(&["ledger", "verify", "--dir", s(&d)], 0, &["ok:"]);

    // The story again, against a real node serving that ledger, through the client crate.
    let mut node = Command::new(env!("CARGO_BIN_EXE_zkcredit"))
        .args([
            "node",
            "--dir",
            s(&d),
            "--listen",
            "127.0.0.1:0",
            "--block-interval",
            "0.2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn node");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(node.stdout.take().unwrap()));
    let line = lines.next().expect("a line").expect("utf-8");
    let url = format!(
        "http://{}",
        line.strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("{line:?}"))
    );
    let out = run(
        &["demo", "--node", &url, "--dir", s(&d), "--depth", DEPTH],
        None,
    );
    let _ = Command::new("kill")
        .args(["-TERM", &node.id().to_string()])
        .status();
    let _ = node.wait();
    assert_eq!(
        out.status.code(),
        Some(0),
        "demo --node\nstdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let told = text(&out.stdout);
    for step in [
        "attest",
        "join with an admission proof",
        "application with a policy proof",
        "disbursement",
        "repayment",
        "All steps behaved",
    ] {
        assert!(told.contains(step), "{step:?} not in {told}");
    }
    expect(&["ledger", "verify", "--dir", s(&d)], 0, &["ok:"]);
    expect(&["ledger", "show", "--dir", s(&d)], 0, &["loans (5):"]);
    // A node serving another chain is refused, naming what to do.
    let other = fresh_dir("demo-other");
    expect(
        &[
            "demo",
            "--node",
            "http://127.0.0.1:9",
            "--dir",
            s(&other),
            "--depth",
            DEPTH,
        ],
        2,
        &["node at http://127.0.0.1:9"],
    );
}
