//! The node over real HTTP: a node on 127.0.0.1 (ephemeral port) runs the whole co-op story,
//! refuses bad input without changing state, and survives `kill -9` mid-load without losing
//! an acknowledged transaction.

use ark_serialize::CanonicalSerialize;
use ed25519_dalek::SigningKey;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use zkcredit_circuits::credential::{Credential, SCHEMA_BUREAU_V1};
use zkcredit_circuits::identity::Identity;
use zkcredit_circuits::policy::Clause;
use zkcredit_circuits::statement::CircuitId;
use zkcredit_circuits::Fr;
use zkcredit_client::{Member, NodeChain, Session};
use zkcredit_ledger::{
    codec, Account, ClauseRule, Genesis, KeyRecord, Ledger, Params, PolicyRules, ProofData,
    ProposalAction, Tx, TxBody, TxStatus,
};
use zkcredit_node::chain::Clock;
use zkcredit_node::{Config, Node};
use zkcredit_prover::{prove_policy, setup, PolicyInput, ProvingKeys};

const DEPTH: usize = 8;
const CHAIN: &str = "node-test-coop";
const T0: u64 = 1_700_000_000;
const DAY: u64 = 86_400;

fn policy_keys() -> &'static Arc<ProvingKeys> {
    static K: OnceLock<Arc<ProvingKeys>> = OnceLock::new();
    K.get_or_init(|| Arc::new(setup(CircuitId::Policy { depth: DEPTH }, Some(21)).expect("setup")))
}

fn membership_keys() -> &'static Arc<ProvingKeys> {
    static K: OnceLock<Arc<ProvingKeys>> = OnceLock::new();
    K.get_or_init(|| {
        Arc::new(setup(CircuitId::Membership { depth: DEPTH }, Some(22)).expect("setup"))
    })
}

fn record(k: &ProvingKeys) -> KeyRecord {
    let mut vk = Vec::new();
    k.verifier.vk().serialize_compressed(&mut vk).expect("vk");
    KeyRecord {
        circuit: k.id.to_string(),
        vk,
        insecure: true,
    }
}

fn sk(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn acct(k: &SigningKey) -> Account {
    k.verifying_key().to_bytes()
}

fn genesis() -> Genesis {
    let officers = (1..=3).map(|i| acct(&sk(i))).collect();
    let mut params = Params::new(CHAIN, DEPTH as u32, officers, 2);
    params.min_deposit = 1_000;
    params.auto_approve_limit = 50_000;
    params.treasury_limit = 100_000;
    Genesis {
        params,
        time: T0,
        keys: vec![record(policy_keys()), record(membership_keys())],
    }
}

fn issuer_id() -> Fr {
    Fr::from(424_242u64)
}

fn bureau_rules() -> PolicyRules {
    let c = [Clause::at_least(0, 600), Clause::at_most(6, 0)];
    PolicyRules {
        name: "bureau".into(),
        clauses: c
            .iter()
            .map(|c| ClauseRule {
                coeffs: c.coeffs,
                constant: c.constant,
                instalment_coeff: 0,
            })
            .collect(),
        issuer: issuer_id(),
        schema: SCHEMA_BUREAU_V1,
        max_credential_age: None,
        rate_bps: 1_200,
        max_amount: 1_000_000,
        max_term: 24,
        active: true,
    }
}

/// The admission policy (id 0): a bureau file with a score of at least 300.
fn admission_rules() -> PolicyRules {
    PolicyRules {
        name: "admission".into(),
        clauses: vec![ClauseRule {
            coeffs: Clause::at_least(0, 300).coeffs,
            constant: Clause::at_least(0, 300).constant,
            instalment_coeff: 0,
        }],
        ..bureau_rules()
    }
}

/// The admission credential of `id` (another salt than its loan credential).
fn admission_credential(id: &Identity) -> Credential {
    Credential {
        salt: Fr::from(77u64),
        ..credential(id, 650)
    }
}

fn credential(id: &Identity, score: u64) -> Credential {
    Credential {
        schema: SCHEMA_BUREAU_V1,
        issuer: issuer_id(),
        subject: id.commitment(),
        attrs: [score, 5_000, 1_000, 20_000, 24, 0, 0, 36],
        issued_at: T0 - 100,
        expires_at: T0 + 20 * 365 * DAY,
        salt: Fr::from(score * 7 + 3),
    }
}

/// A client of one node.
struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    fn new(addr: std::net::SocketAddr) -> Self {
        Self {
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
        }
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn ok(&self, path: &str) -> Value {
        let (s, v) = self.get(path).await;
        assert_eq!(s, 200, "GET {path}: {v}");
        v
    }

    async fn post_raw(&self, path: &str, body: Vec<u8>) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("POST");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn submit_raw(&self, tx: &Tx) -> (u16, Value) {
        let body = json!({"tx": hex::encode(codec::encode(tx))}).to_string();
        self.post_raw("/v1/tx", body.into_bytes()).await
    }

    /// Polls `path` until its `field` reads `want` (blocks come on the node's interval).
    async fn wait_for(&self, path: &str, field: &str, want: &str) {
        let mut last = Value::Null;
        for _ in 0..400 {
            last = self.ok(path).await;
            if last[field] == want {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{path}: {field} never became {want}: {last}");
    }

    async fn submit(&self, tx: &Tx) -> String {
        let (s, v) = self.submit_raw(tx).await;
        assert_eq!(s, 202, "submit {}: {v}", tx.body.kind());
        v["hash"].as_str().expect("hash").to_string()
    }

    /// Waits until the transaction is settled; returns its status.
    async fn settled(&self, hash: &str) -> Value {
        let start = Instant::now();
        loop {
            let (s, v) = self.get(&format!("/v1/tx/{hash}")).await;
            assert_eq!(s, 200, "status of {hash}: {v}");
            if v["status"] != "pending" {
                return v;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{hash} stays pending"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Submits and waits for inclusion; panics on rejection.
    async fn include(&self, tx: &Tx) -> Value {
        let h = self.submit(tx).await;
        let v = self.settled(&h).await;
        assert_eq!(v["status"], "included", "{}: {v}", tx.body.kind());
        v
    }

    async fn nonce(&self, k: &SigningKey) -> u64 {
        let v = self
            .ok(&format!("/v1/accounts/{}", hex::encode(acct(k))))
            .await;
        v["next_nonce"].as_u64().expect("nonce")
    }

    async fn sign(&self, k: &SigningKey, body: TxBody) -> Tx {
        Tx::sign(CHAIN, k, self.nonce(k).await, body)
    }

    async fn officers(&self, body: TxBody) -> Tx {
        self.sign(&sk(1), body).await.cosign(CHAIN, &sk(2))
    }
}

fn new_ledger(dir: &Path) {
    Ledger::init(dir, &genesis()).expect("init");
}

async fn start(dir: &Path, clock: Clock) -> Node {
    let mut c = Config::new(dir.to_path_buf(), "127.0.0.1:0".parse().expect("addr"));
    c.block_interval = Duration::from_millis(50);
    c.rate_per_sec = 0;
    c.clock = clock;
    Node::start(c).await.expect("node starts")
}

/// A member's session against the node through the client crate (plan, path, prove, sign):
/// its HTTP client is blocking, so it runs on tokio's blocking pool.
async fn with_member<T: Send + 'static>(
    c: &Client,
    k: &SigningKey,
    id: &Identity,
    f: impl FnOnce(&mut Session<NodeChain>, &Member) -> T + Send + 'static,
) -> T {
    with_member_seeded(c, k, id, 0, f).await
}

/// [`with_member`] with the session's seed changed by `salt` (a member's second anonymous vote
/// needs another one-time key than its first).
async fn with_member_seeded<T: Send + 'static>(
    c: &Client,
    k: &SigningKey,
    id: &Identity,
    salt: u64,
    f: impl FnOnce(&mut Session<NodeChain>, &Member) -> T + Send + 'static,
) -> T {
    let base = c.base.clone();
    let member = Member {
        key: k.clone(),
        identity: Some(id.clone()),
    };
    // Deterministic per member: one seed for all would give every member the same one-time
    // vote key, and the second vote from it would carry a used nonce.
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&k.to_bytes()[..8]);
    tokio::task::spawn_blocking(move || {
        let mut s = Session::new(NodeChain::new(&base).expect("node client"))
            .with_policy_keys(policy_keys().clone())
            .with_membership_keys(membership_keys().clone())
            .with_seed(u64::from_le_bytes(seed) ^ salt);
        f(&mut s, &member)
    })
    .await
    .expect("client task")
}

/// A loan application made the way a wallet makes it: registry path and plan from the node.
async fn apply(
    c: &Client,
    k: &SigningKey,
    id: &Identity,
    cred: &Credential,
    amount: u64,
    term: u64,
) -> Tx {
    let cred = cred.clone();
    with_member(c, k, id, move |s, m| {
        s.apply(m, &cred, 1, amount, term).expect("apply")
    })
    .await
}

/// A `Join` with an admission proof, planned by the node.
async fn join(c: &Client, k: &SigningKey, id: &Identity, deposit: u64) -> Tx {
    let cred = admission_credential(id);
    with_member(c, k, id, move |s, m| {
        s.join(m, &cred, deposit).expect("join")
    })
    .await
}

/// An anonymous yes vote (a one-time signing key, one per member and proposal).
async fn vote(c: &Client, k: &SigningKey, id: &Identity, proposal: u64) -> Tx {
    with_member_seeded(
        c,
        k,
        id,
        proposal.wrapping_mul(0x9e37_79b9_7f4a_7c15),
        move |s, m| s.vote(m, proposal, true).expect("vote"),
    )
    .await
}

/// Governance setup over HTTP: the bureau issuer, policy 1 and the admission policy 0; the
/// bureau attests admission credentials; three members join with admission proofs.
async fn coop(c: &Client, ids: &[(SigningKey, Identity)]) {
    let reg = c
        .officers(TxBody::RegisterIssuer {
            issuer: issuer_id(),
            account: acct(&sk(10)),
            name: "bureau".into(),
        })
        .await;
    c.include(&reg).await;
    let pol = c
        .officers(TxBody::SetPolicy {
            policy_id: 1,
            rules: bureau_rules(),
        })
        .await;
    c.include(&pol).await;
    let adm = c
        .officers(TxBody::SetPolicy {
            policy_id: 0,
            rules: admission_rules(),
        })
        .await;
    c.include(&adm).await;
    let open = c
        .officers(TxBody::SetAdmission { policy_id: Some(0) })
        .await;
    c.include(&open).await;
    for (_, id) in ids {
        let tx = c
            .sign(
                &sk(10),
                TxBody::Attest {
                    commitment: admission_credential(id).commitment(),
                },
            )
            .await;
        c.include(&tx).await;
    }
    let mut hashes = Vec::new();
    for (k, id) in ids {
        let tx = join(c, k, id, 200_000).await;
        hashes.push(c.submit(&tx).await);
    }
    for h in hashes {
        assert_eq!(c.settled(&h).await["status"], "included");
    }
}

fn members() -> Vec<(SigningKey, Identity)> {
    (0..3u8)
        .map(|i| {
            (
                sk(20 + i),
                Identity::from_secret(Fr::from(9_000 + u64::from(i))),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coop_story_over_http() {
    let dir = tempfile::tempdir().expect("tempdir");
    new_ledger(dir.path());
    let now = Arc::new(AtomicU64::new(T0 + 100));
    let node = start(dir.path(), Clock::Manual(now.clone())).await;
    let c = Client::new(node.addr);
    let ms = members();
    coop(&c, &ms).await;
    assert_eq!(c.ok("/v1/members").await["count"], 3);

    // The bureau attests credentials for A and B.
    let creds: Vec<Credential> = ms[..2]
        .iter()
        .enumerate()
        .map(|(i, (_, id))| credential(id, 700 + i as u64))
        .collect();
    for cred in &creds {
        let tx = c
            .sign(
                &sk(10),
                TxBody::Attest {
                    commitment: cred.commitment(),
                },
            )
            .await;
        c.include(&tx).await;
    }

    // A applies for a small loan (auto-approved), B for a large one (member vote).
    let a = apply(&c, &ms[0].0, &ms[0].1, &creds[0], 40_000, 4).await;
    c.include(&a).await;
    let b = apply(&c, &ms[1].0, &ms[1].1, &creds[1], 300_000, 6).await;
    c.include(&b).await;
    // A lender outside the co-op checks A's proof against its own expectations.
    if let TxBody::ApplyLoan { proof, .. } = &a.body {
        let ask = |expect: Value| {
            json!({
                "circuit": "policy",
                "public_inputs": proof.public_inputs.iter()
                    .map(zkcredit_circuits::field::to_decimal).collect::<Vec<_>>(),
                "proof": hex::encode(&proof.proof),
                "expect": expect,
            })
            .to_string()
            .into_bytes()
        };
        let issuer = zkcredit_circuits::field::to_decimal(&issuer_id());
        let (s, v) = c
            .post_raw(
                "/v1/verify",
                ask(json!({"policy_id": 1, "issuer": issuer, "root": "accepted"})),
            )
            .await;
        assert_eq!((s, &v["valid"]), (200, &json!(true)), "{v}");
        let (s, v) = c
            .post_raw(
                "/v1/verify",
                ask(json!({"issuer": "5", "scope": "7", "root": "accepted"})),
            )
            .await;
        assert_eq!((s, &v["valid"]), (200, &json!(false)), "{v}");
        let refused = v["refused"].to_string();
        assert!(
            refused.contains("another issuer") && refused.contains("another scope"),
            "{v}"
        );
        assert_eq!(v["refused"].as_array().map(Vec::len), Some(2), "{v}");
    }
    let loans = c.ok("/v1/loans").await;
    assert_eq!(loans["loans"][0]["status"], "approved", "{loans}");
    assert_eq!(loans["loans"][1]["status"], "voting", "{loans}");
    let proposal = loans["loans"][1]["proposal"].as_u64().expect("proposal");
    let borrower = loans["loans"][1]["borrower"].clone();
    for (k, id) in &ms {
        if json!(hex::encode(acct(k))) == borrower {
            continue; // the applicant is not among the voters
        }
        let v = vote(&c, k, id, proposal).await;
        c.include(&v).await;
    }
    // Decided when the vote closes: the first block at or after the deadline executes it.
    let p = c.ok(&format!("/v1/proposals/{proposal}")).await;
    assert_eq!(p["status"], "open", "{p}");
    // With an empty mempool the node still makes that block: the closing is the block's work.
    now.store(p["deadline"].as_u64().expect("deadline"), Ordering::SeqCst);
    c.wait_for(&format!("/v1/proposals/{proposal}"), "status", "executed")
        .await;
    assert_eq!(c.ok("/v1/loans/1").await["status"], "approved");

    // Officers disburse both; A repays its first instalment on time.
    for loan in [0, 1] {
        let tx = c.officers(TxBody::Disburse { loan }).await;
        c.include(&tx).await;
    }
    let l0 = c.ok("/v1/loans/0").await;
    let first = &l0["schedule"][0];
    let due = ["principal", "interest", "late_fee"]
        .iter()
        .map(|f| first[f].as_u64().expect("amount"))
        .sum::<u64>();
    now.store(first["due"].as_u64().expect("due") - DAY, Ordering::SeqCst);
    let repay = c
        .sign(
            &ms[0].0,
            TxBody::Repay {
                loan: 0,
                amount: due,
            },
        )
        .await;
    c.include(&repay).await;
    assert_eq!(c.ok("/v1/loans/0").await["next"], 1);

    // B never pays: the first block after the default grace writes the loan off by itself
    // (no officer); any transaction makes that block.
    let l1 = c.ok("/v1/loans/1").await;
    let grace = genesis().params.default_grace;
    now.store(
        l1["schedule"][0]["due"].as_u64().expect("due") + grace + 1,
        Ordering::SeqCst,
    );
    assert_eq!(c.ok("/v1/loans/1").await["status"], "active");
    // No transaction needed: the overdue loan is the next block's work.
    c.wait_for("/v1/loans/1", "status", "defaulted").await;

    // A pays its second instalment, late fee included: profit to distribute even after B's
    // write-off took the reserve and the earlier profit.
    let l0 = c.ok("/v1/loans/0").await;
    let second = &l0["schedule"][1];
    let due = ["principal", "interest", "late_fee"]
        .iter()
        .map(|f| second[f].as_u64().expect("amount"))
        .sum::<u64>();
    let repay = c
        .sign(
            &ms[0].0,
            TxBody::Repay {
                loan: 0,
                amount: due,
            },
        )
        .await;
    c.include(&repay).await;
    let pool = c.ok("/v1/pool").await;
    assert!(pool["losses"].as_u64().expect("losses") > 0, "{pool}");
    let amount = pool["undistributed"].as_u64().expect("undistributed");
    assert!(amount > 0, "{pool}");

    // A member proposes to distribute it, the members vote over HTTP (anonymous membership
    // proofs), and the first block after the vote period closes and executes the proposal.
    let props = c.ok("/v1/proposals").await["proposals"]
        .as_array()
        .expect("proposals")
        .len();
    let tx = c
        .sign(
            &ms[2].0,
            TxBody::Propose {
                action: ProposalAction::Distribute { amount },
            },
        )
        .await;
    c.include(&tx).await;
    let path = format!("/v1/proposals/{props}");
    let p = c.ok(&path).await;
    assert_eq!(p["status"], "open", "{p}");
    assert_eq!(p["action"]["kind"], "distribute", "{p}");
    let capital = |pool: &Value| pool["total_capital"].as_u64().expect("capital");
    let reserve = |pool: &Value| pool["reserve"].as_u64().expect("reserve");
    let mut member_capital = Vec::new();
    for (k, id) in &ms {
        let a = c
            .ok(&format!("/v1/accounts/{}", hex::encode(acct(k))))
            .await;
        member_capital.push(a["member"]["capital"].as_u64().expect("capital"));
        let v = vote(&c, k, id, props as u64).await;
        c.include(&v).await;
    }
    let p = c.ok(&path).await;
    assert_eq!(
        (p["yes"].as_u64(), p["status"].as_str()),
        (Some(3), Some("open")),
        "{p}"
    );
    let before = c.ok("/v1/pool").await;
    // No transaction: the closing is the block's own work.
    now.store(p["deadline"].as_u64().expect("deadline"), Ordering::SeqCst);
    c.wait_for(&path, "status", "executed").await;
    let after = c.ok("/v1/pool").await;
    // 10 % of it stays in the reserve; the rest is credited to the members' capital.
    let keep = amount * u64::from(genesis().params.distribution_reserve_bps) / 10_000;
    assert_eq!(capital(&after), capital(&before) + amount - keep, "{after}");
    assert!(reserve(&after) >= reserve(&before) + keep, "{after}");
    assert_eq!(after["balanced"], true, "{after}");
    let mut credited = 0;
    for ((k, _), was) in ms.iter().zip(&member_capital) {
        let a = c
            .ok(&format!("/v1/accounts/{}", hex::encode(acct(k))))
            .await;
        credited += a["member"]["capital"].as_u64().expect("capital") - was;
    }
    assert_eq!(credited, amount - keep);

    // Reads by hash agree with reads by height; the dashboard, metrics, OpenAPI are served.
    let head = c.ok("/v1/head").await;
    let h = head["height"].as_u64().expect("height");
    let by_height = c.ok(&format!("/v1/blocks/{h}")).await;
    let hash = by_height["hash"].as_str().expect("hash");
    assert_eq!(c.ok(&format!("/v1/blocks/hash/{hash}")).await, by_height);
    assert_eq!(hash, head["hash"]);
    let state_hash = head["state_hash"].as_str().expect("state hash").to_string();
    let served: Value = reqwest::get(format!("{}/openapi.json", c.base))
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    let file: Value =
        serde_json::from_str(zkcredit_node::openapi::DOCUMENT).expect("checked-in document");
    assert_eq!(served, file);
    let metrics = reqwest::get(format!("{}/metrics", c.base))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(&format!("zkcredit_height {h}\n")),
        "{metrics}"
    );
    let page = reqwest::get(format!("{}/", c.base))
        .await
        .expect("dashboard")
        .text()
        .await
        .expect("text");
    assert!(page.contains("/v1/loans"));

    node.shutdown().await.expect("clean shutdown");
    let ledger = Ledger::open(dir.path()).expect("reopen");
    let report = ledger.verify().expect("ledger verify");
    assert_eq!(hex::encode(report.state_hash), state_hash);
    assert!(report.proofs >= 4, "{report:?}");
}

/// Every refusal is a 4xx JSON error with a stable code, the state hash does not move, and the
/// node keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    new_ledger(dir.path());
    let now = Arc::new(AtomicU64::new(T0 + 100));
    let node = start(dir.path(), Clock::Manual(now.clone())).await;
    let c = Client::new(node.addr);
    let ms = members();
    coop(&c, &ms).await;
    let cred = credential(&ms[0].1, 720);
    let att = c
        .sign(
            &sk(10),
            TxBody::Attest {
                commitment: cred.commitment(),
            },
        )
        .await;
    c.include(&att).await;
    let loan = apply(&c, &ms[0].0, &ms[0].1, &cred, 10_000, 2).await;
    c.include(&loan).await;

    let before = c.ok("/v1/head").await;
    let code = |v: &Value| v["error"]["code"].as_str().unwrap_or("").to_string();
    let expect = |got: (u16, Value), status: u16, want: &str| {
        assert_eq!(got.0, status, "{}", got.1);
        assert_eq!(code(&got.1), want, "{}", got.1);
        assert!(got.1["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    };

    // Malformed JSON, unknown fields, not hex, not a transaction, trailing bytes.
    expect(
        c.post_raw("/v1/tx", b"{\"tx\": ".to_vec()).await,
        400,
        "bad_json",
    );
    expect(
        c.post_raw("/v1/tx", b"[1,2,3]".to_vec()).await,
        400,
        "bad_json",
    );
    expect(
        c.post_raw("/v1/tx", br#"{"tx":"00","extra":1}"#.to_vec())
            .await,
        400,
        "bad_json",
    );
    expect(
        c.post_raw("/v1/tx", br#"{"tx":"zz"}"#.to_vec()).await,
        400,
        "bad_encoding",
    );
    expect(
        c.post_raw("/v1/tx", br#"{"tx":"ffff01"}"#.to_vec()).await,
        400,
        "bad_encoding",
    );
    let ok_tx = c.sign(&ms[1].0, TxBody::Deposit { amount: 5 }).await;
    let mut trailing = codec::encode(&ok_tx);
    trailing.push(0);
    let body = json!({"tx": hex::encode(trailing)})
        .to_string()
        .into_bytes();
    expect(c.post_raw("/v1/tx", body).await, 400, "bad_encoding");
    // An oversized body: just over the 64 KiB limit, so that the client has written all of it
    // (it fits the loopback socket buffers) before the node answers 413 and closes; a body
    // many times the limit races the answer with a broken pipe on the client's side.
    let big = format!("{{\"tx\":\"{}\"}}", "00".repeat(33_000)).into_bytes();
    assert!(big.len() > 64 * 1024);
    expect(c.post_raw("/v1/tx", big).await, 413, "payload_too_large");
    // A bad signature: a valid transaction with one flipped signature bit.
    let mut bad = ok_tx.clone();
    bad.signature[0] ^= 1;
    expect(c.submit_raw(&bad).await, 401, "bad_signature");
    // A co-signature by a stranger over another message.
    let forged = c.officers(TxBody::Disburse { loan: 0 }).await;
    let mut forged = forged;
    forged.cosignatures[0].signature[5] ^= 0x40;
    expect(c.submit_raw(&forged).await, 401, "bad_signature");
    // Garbage proof bytes and a proof that does not verify.
    let mut garbage = c.sign(&ms[1].0, TxBody::Deposit { amount: 1 }).await;
    if let TxBody::ApplyLoan { proof, .. } = &loan.body {
        let mut p = proof.clone();
        p.proof = vec![0xab; p.proof.len()];
        garbage = Tx::sign(
            CHAIN,
            &ms[1].0,
            c.nonce(&ms[1].0).await,
            TxBody::ApplyLoan {
                policy_id: 1,
                amount: 10_000,
                term: 2,
                rate_bps: 1_200,
                proof: p,
            },
        );
    }
    expect(c.submit_raw(&garbage).await, 422, "malformed_proof");
    if let TxBody::ApplyLoan { proof, .. } = &loan.body {
        let mut p = proof.clone();
        // Another member's claim on A's proof: the inputs change, the proof no longer holds.
        p.public_inputs[1] += Fr::from(1u64);
        let tx = Tx::sign(
            CHAIN,
            &ms[1].0,
            c.nonce(&ms[1].0).await,
            TxBody::ApplyLoan {
                policy_id: 1,
                amount: 10_000,
                term: 2,
                rate_bps: 1_200,
                proof: p,
            },
        );
        expect(c.submit_raw(&tx).await, 422, "invalid_proof");
        // A replayed proof under a new transaction: its nullifier is spent.
        let replay = Tx::sign(
            CHAIN,
            &ms[0].0,
            c.nonce(&ms[0].0).await,
            TxBody::ApplyLoan {
                policy_id: 1,
                amount: 10_000,
                term: 2,
                rate_bps: 1_200,
                proof: proof.clone(),
            },
        );
        expect(c.submit_raw(&replay).await, 409, "nullifier_used");
    }
    // A replayed (already included) transaction, and a nonce from the future.
    expect(c.submit_raw(&loan).await, 409, "wrong_nonce");
    let future = Tx::sign(CHAIN, &ms[2].0, 99, TxBody::Deposit { amount: 1 });
    let refused = c.submit_raw(&future).await;
    assert_eq!(refused.1["error"]["rule"], "wrong_nonce", "{}", refused.1);
    expect(refused, 409, "wrong_nonce");
    // Bad paths and queries.
    expect(c.get("/v1/tx/nothex").await, 400, "bad_request");
    expect(
        c.get(&format!("/v1/tx/{}", "00".repeat(32))).await,
        404,
        "not_found",
    );
    expect(c.get("/v1/blocks/999999").await, 404, "not_found");
    expect(c.get("/v1/blocks/-1").await, 400, "bad_request");
    expect(c.get("/v1/registry/path/12x").await, 400, "bad_request");
    expect(c.get("/v1/loans/77").await, 404, "not_found");
    expect(c.get("/v1/plan/loan?account=00").await, 400, "bad_request");
    expect(c.get("/v1/nowhere").await, 404, "not_found");

    // Nothing moved, nothing is pending, and the node still serves and admits.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = c.ok("/v1/head").await;
    assert_eq!(after["state_hash"], before["state_hash"]);
    assert_eq!(after["height"], before["height"]);
    assert_eq!(after["pending"], 0);
    let dup = c.sign(&ms[2].0, TxBody::Deposit { amount: 3 }).await;
    let h = c.submit(&dup).await;
    let again = c.submit_raw(&dup).await;
    assert!(
        again.0 == 409 && ["duplicate", "wrong_nonce"].contains(&code(&again.1).as_str()),
        "{again:?}"
    );
    assert_eq!(c.settled(&h).await["status"], "included");
    node.shutdown().await.expect("clean shutdown");
    Ledger::open(dir.path())
        .expect("reopen")
        .verify()
        .expect("verify");
}

const CHILD_ENV: &str = "ZKCREDIT_NODE_CRASH_CHILD";

/// Sets up governance and admits `ids` straight on the ledger (no node), with admission
/// proofs made from the ledger's own plan.
fn admit_directly(dir: &Path, ids: &[(SigningKey, Identity)]) {
    let mut l = Ledger::open(dir).expect("open");
    let mut t = T0 + 60;
    let block = |l: &mut Ledger, txs: Vec<Tx>, t: &mut u64| {
        *t += 60;
        let p = l.produce_block(*t, &txs).expect("block");
        assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    };
    let gov = |n: u64, body| Tx::sign(CHAIN, &sk(1), n, body).cosign(CHAIN, &sk(2));
    let setup = vec![
        gov(
            0,
            TxBody::RegisterIssuer {
                issuer: issuer_id(),
                account: acct(&sk(10)),
                name: "bureau".into(),
            },
        ),
        gov(
            1,
            TxBody::SetPolicy {
                policy_id: 0,
                rules: admission_rules(),
            },
        ),
        gov(2, TxBody::SetAdmission { policy_id: Some(0) }),
    ];
    block(&mut l, setup, &mut t);
    let attests = ids
        .iter()
        .enumerate()
        .map(|(i, (_, id))| {
            Tx::sign(
                CHAIN,
                &sk(10),
                i as u64,
                TxBody::Attest {
                    commitment: admission_credential(id).commitment(),
                },
            )
        })
        .collect();
    block(&mut l, attests, &mut t);
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let now = t + 60;
    let joins = ids
        .iter()
        .map(|(k, id)| {
            let cred = admission_credential(id);
            let exp = l
                .state()
                .expected_admission(&acct(k), 0, id.commitment(), 5_000)
                .expect("plan");
            let (path, root) = l.credential_path(&cred.leaf()).expect("path");
            let env = prove_policy(
                policy_keys(),
                &PolicyInput {
                    identity: id,
                    credential: &cred,
                    path,
                    root,
                    policy: &exp.policy(),
                    now,
                    request: exp.request,
                    scope: exp.scope,
                    issued_after: exp.min_issued_after(now),
                    holder_scope: Fr::from(0u64),
                },
                &mut rng,
            )
            .expect("prove");
            Tx::sign(
                CHAIN,
                k,
                0,
                TxBody::Join {
                    identity: id.commitment(),
                    deposit: 5_000,
                    proof: ProofData {
                        public_inputs: env.public_inputs.clone(),
                        proof: env.proof_bytes(),
                    },
                },
            )
        })
        .collect();
    block(&mut l, joins, &mut t);
}

/// The node process of `kill_9_mid_load`. Does nothing unless started by it.
#[test]
fn crash_child_node() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let mut c = Config::new(dir.into(), "127.0.0.1:0".parse().expect("addr"));
        let ms = std::env::var("ZKCREDIT_NODE_CRASH_INTERVAL_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100);
        c.block_interval = Duration::from_millis(ms);
        c.rate_per_sec = 0;
        let node = Node::start(c).await.expect("child node starts");
        // Tell the parent where we listen: write then rename, so it never reads half a file.
        let dir = std::path::PathBuf::from(std::env::var_os(CHILD_ENV).expect("dir"));
        let tmp = dir.join("node.addr.tmp");
        std::fs::write(&tmp, node.addr.to_string()).expect("write addr");
        std::fs::rename(&tmp, dir.join("node.addr")).expect("rename addr");
        std::future::pending::<()>().await;
    });
}

fn spawn_child(dir: &Path, interval_ms: u64) -> (std::process::Child, std::net::SocketAddr) {
    let addr_file = dir.join("node.addr");
    let _ = std::fs::remove_file(&addr_file);
    let exe = std::env::current_exe().expect("exe");
    let mut child = std::process::Command::new(exe)
        .args([
            "crash_child_node",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir)
        .env("ZKCREDIT_NODE_CRASH_INTERVAL_MS", interval_ms.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn child");
    let start = Instant::now();
    loop {
        if let Ok(s) = std::fs::read_to_string(&addr_file) {
            return (child, s.trim().parse().expect("addr"));
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the node process exited: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the node never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `kill -9` the node while clients submit; restart it: every acknowledged transaction is
/// included or rejected with a reason, none lost, and the ledger verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_load_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("tempdir");
    new_ledger(dir.path());
    // 16 members, admitted with proofs before the load (the load itself is deposits).
    let load_members: Vec<(SigningKey, Identity)> = (0..16u8)
        .map(|i| {
            (
                sk(100 + i),
                Identity::from_secret(Fr::from(50_000 + u64::from(i))),
            )
        })
        .collect();
    admit_directly(dir.path(), &load_members);
    let mut acked: Vec<String> = Vec::new();
    // Round 0 is killed before its first non-empty block (blocks every 5 s): everything
    // acknowledged is only in the persisted mempool. Round 1 makes blocks every 100 ms and is
    // killed while blocks are being made.
    for round in 0..2u64 {
        let (mut child, addr) = spawn_child(dir.path(), if round == 0 { 5_000 } else { 100 });
        let c = Arc::new(Client::new(addr));
        // 16 clients, each joining then depositing as fast as the node acknowledges.
        let deadline = Instant::now() + Duration::from_millis(700 + 300 * round);
        let mut tasks = Vec::new();
        for i in 0..16u8 {
            let c = c.clone();
            tasks.push(tokio::spawn(async move {
                let k = sk(100 + i);
                let mut got = Vec::new();
                let mut nonce = c.nonce(&k).await;
                while Instant::now() < deadline {
                    let tx = Tx::sign(CHAIN, &k, nonce, TxBody::Deposit { amount: 7 });
                    let r = c
                        .http
                        .post(format!("{}/v1/tx", c.base))
                        .json(&json!({"tx": hex::encode(codec::encode(&tx))}))
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status().as_u16() == 202 => {
                            let v: Value = r.json().await.expect("json");
                            got.push(v["hash"].as_str().expect("hash").to_string());
                            nonce += 1;
                        }
                        Ok(r) if r.status().as_u16() == 429 => {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        Ok(r) => panic!("refused: {}", r.text().await.unwrap_or_default()),
                        Err(_) => break, // the node is gone
                    }
                }
                got
            }));
        }
        // Kill it in the middle of the load.
        tokio::time::sleep(Duration::from_millis(400 + 200 * round)).await;
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
        for t in tasks {
            acked.extend(t.await.expect("client task"));
        }
        if round == 0 {
            let l = Ledger::open(dir.path()).expect("reopen after kill");
            let pending = l.pending().expect("mempool").len();
            assert!(
                pending >= acked.len(),
                "{pending} pending, {} acknowledged",
                acked.len()
            );
            for h in &acked {
                let h: [u8; 32] = hex::decode(h).expect("hex").try_into().expect("32");
                assert_eq!(l.tx_status(&h).expect("status"), Some(TxStatus::Pending));
            }
        }
    }
    assert!(acked.len() > 50, "too little load: {}", acked.len());
    eprintln!("{} transactions acknowledged across two kills", acked.len());
    // Restart; every acknowledged transaction must settle with a recorded fate.
    let (mut child, addr) = spawn_child(dir.path(), 100);
    let c = Client::new(addr);
    let mut included = 0;
    for h in &acked {
        let v = c.settled(h).await;
        match v["status"].as_str() {
            Some("included") => included += 1,
            Some("rejected") => assert!(v["reason"].as_str().is_some_and(|r| !r.is_empty())),
            other => panic!("{h}: {other:?}"),
        }
    }
    assert_eq!(
        included,
        acked.len(),
        "a well-formed load should all be included"
    );
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    let ledger = Ledger::open(dir.path()).expect("reopen");
    ledger.verify().expect("ledger verify");
    assert!(ledger.pending().expect("mempool").is_empty());
}

/// The dashboard in a real browser (Debian's chromium driven by playwright-core from
/// `.ci/node_modules`): it shows the co-op and refreshes when a block arrives. Skips when the
/// tools are missing, unless `ZKCREDIT_REQUIRE_BROWSER=1` (CI), where it fails instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_in_a_real_browser() {
    use std::io::BufRead;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let pw = root.join(".ci/node_modules/playwright-core");
    let chromium =
        std::env::var("ZKCREDIT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let missing = [
        (!pw.exists()).then(|| format!("{} (npm ci --prefix .ci)", pw.display())),
        (!Path::new(&chromium).exists()).then(|| format!("{chromium} (apt-get install chromium)")),
        std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_err()
            .then(|| "node".to_string()),
    ];
    let missing: Vec<String> = missing.into_iter().flatten().collect();
    if !missing.is_empty() {
        assert!(
            std::env::var("ZKCREDIT_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "ZKCREDIT_REQUIRE_BROWSER=1 but missing: {missing:?}"
        );
        eprintln!("skipping the browser test, missing: {missing:?}");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    new_ledger(dir.path());
    let now = Arc::new(AtomicU64::new(T0 + 100));
    let node = start(dir.path(), Clock::Manual(now.clone())).await;
    let c = Client::new(node.addr);
    let ms = members();
    coop(&c, &ms).await;
    let cred = credential(&ms[0].1, 710);
    let att = c
        .sign(
            &sk(10),
            TxBody::Attest {
                commitment: cred.commitment(),
            },
        )
        .await;
    c.include(&att).await;
    let loan = apply(&c, &ms[0].0, &ms[0].1, &cred, 20_000, 3).await;
    c.include(&loan).await;

    let mut child = std::process::Command::new("node")
        .arg(root.join("node/tests/dashboard.cjs"))
        .arg(format!("{}/", c.base))
        .arg(&pw)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node runs");
    let out = child.stdout.take().expect("stdout");
    let (tx_ready, rx_ready) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx_ready.send(line);
        }
    });
    let ready = tokio::task::spawn_blocking(move || {
        let first = rx_ready
            .recv_timeout(Duration::from_secs(60))
            .expect("the page never showed the head");
        (first, rx_ready)
    })
    .await
    .expect("join");
    assert!(ready.0.starts_with("READY "), "{}", ready.0);
    // A new block: the page must show it without a reload.
    let disburse = c.officers(TxBody::Disburse { loan: 0 }).await;
    c.include(&disburse).await;
    let rx = ready.1;
    let shown = tokio::task::spawn_blocking(move || {
        rx.recv_timeout(Duration::from_secs(60))
            .expect("the page never refreshed")
    })
    .await
    .expect("join");
    let status = child.wait().expect("wait");
    reader.join().expect("reader");
    assert!(status.success(), "browser script failed: {shown}");
    let v: Value = serde_json::from_str(&shown).expect("page JSON");
    let head = c.ok("/v1/head").await;
    assert_eq!(v["height"], head["height"], "{v}");
    assert_eq!(v["members"], "3", "{v}");
    assert_eq!(v["loans"], 1, "{v}");
    assert_eq!(v["loanStatus"][0], "active", "{v}");
    assert!(v["blocks"].as_u64().is_some_and(|b| b >= 5), "{v}");
    assert_eq!(v["error"], "", "{v}");
    assert_eq!(v["pageErrors"], json!([]), "{v}");
    node.shutdown().await.expect("shutdown");
}

/// A counter from `/metrics`.
async fn metric(c: &Client, name: &str) -> u64 {
    let text = reqwest::get(format!("{}/metrics", c.base))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// Verify once: a proof the node batch-verified at admission is not verified again when it
/// builds the block; a proof that reached the mempool without admission (written straight
/// into the store) is verified at build and a bad one rejected; `ledger verify` replays every
/// proof.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admitted_proofs_verify_once_injected_ones_at_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    new_ledger(dir.path());
    let now = Arc::new(AtomicU64::new(T0 + 100));
    let node = start(dir.path(), Clock::Manual(now.clone())).await;
    let c = Client::new(node.addr);
    let ms = members();
    coop(&c, &ms).await;
    // The admission proofs of the three `Join`s were batch-verified at admission like every
    // other proof, so their block did not verify them again.
    assert_eq!(metric(&c, "zkcredit_proofs_verified_total").await, 0);
    assert_eq!(metric(&c, "zkcredit_proofs_preverified_total").await, 3);
    let creds = [credential(&ms[0].1, 720), credential(&ms[1].1, 720)];
    for cred in &creds {
        let att = c
            .sign(
                &sk(10),
                TxBody::Attest {
                    commitment: cred.commitment(),
                },
            )
            .await;
        c.include(&att).await;
    }
    let good = apply(&c, &ms[0].0, &ms[0].1, &creds[0], 10_000, 2).await;
    let other = apply(&c, &ms[1].0, &ms[1].1, &creds[1], 10_000, 2).await;
    // Member 0's application with member 1's valid proof bytes: only a pairing check sees it.
    let mut body = good.body.clone();
    if let (TxBody::ApplyLoan { proof: p, .. }, TxBody::ApplyLoan { proof: q, .. }) =
        (&mut body, &other.body)
    {
        p.proof = q.proof.clone();
    }
    let bad = Tx::sign(CHAIN, &ms[0].0, good.nonce, body);
    let (s, v) = c.submit_raw(&bad).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("invalid_proof"))
    );

    // A `Join` whose admission proof does not verify (one proof's bytes, another's inputs) is
    // refused at admission too, before any state check.
    if let (TxBody::ApplyLoan { proof: p, .. }, TxBody::ApplyLoan { proof: q, .. }) =
        (&good.body, &other.body)
    {
        let (k, id) = (sk(30), Identity::from_secret(Fr::from(9_100u64)));
        let proof = ProofData {
            public_inputs: q.public_inputs.clone(),
            proof: p.proof.clone(),
        };
        let body = TxBody::Join {
            identity: id.commitment(),
            deposit: 200_000,
            proof,
        };
        let (s, v) = c.submit_raw(&Tx::sign(CHAIN, &k, 0, body)).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (422, Some("invalid_proof")),
            "{v}"
        );
    }

    let (verified, pre) = (
        metric(&c, "zkcredit_proofs_verified_total").await,
        metric(&c, "zkcredit_proofs_preverified_total").await,
    );
    c.include(&other).await;
    assert_eq!(metric(&c, "zkcredit_proofs_verified_total").await, verified);
    assert_eq!(
        metric(&c, "zkcredit_proofs_preverified_total").await,
        pre + 1
    );
    node.shutdown().await.expect("clean shutdown");

    // Straight into the store's mempool, as a tampered store or a bug would put it.
    Ledger::open(dir.path())
        .expect("open")
        .enqueue(std::slice::from_ref(&bad))
        .expect("enqueue");
    let node = start(dir.path(), Clock::Manual(now.clone())).await;
    let c = Client::new(node.addr);
    let v = c.settled(&hex::encode(bad.hash())).await;
    assert_eq!(v["status"], "rejected", "{v}");
    assert!(
        v["reason"].as_str().is_some_and(|r| r.contains("proof")),
        "{v}"
    );
    assert_eq!(v["rule"], "invalid_proof", "{v}");
    assert_eq!(metric(&c, "zkcredit_proofs_verified_total").await, 0);
    assert_eq!(metric(&c, "zkcredit_proofs_preverified_total").await, 0);
    c.include(&good).await;
    assert_eq!(metric(&c, "zkcredit_proofs_preverified_total").await, 1);
    node.shutdown().await.expect("clean shutdown");

    // The replay verifies every proof of every block, however it was produced.
    let ledger = Ledger::open(dir.path()).expect("reopen");
    let carried: u64 = (1..=ledger.height())
        .map(|h| {
            let b = ledger.block(h).expect("block");
            b.txs.iter().filter(|t| t.body.carries_proof()).count() as u64
        })
        .sum();
    let report = ledger.verify().expect("ledger verify");
    assert_eq!(report.proofs, carried);
    assert!(carried >= 5, "{report:?}");
}
