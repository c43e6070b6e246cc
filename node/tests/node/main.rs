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

mod bad_input;
mod crash;
mod dashboard;
mod story;
mod verify_once;

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

/// The bureau (key 10) attests `commitment` and the transaction is included in a block.
async fn attest(c: &Client, commitment: Fr) {
    let tx = c.sign(&sk(10), TxBody::Attest { commitment }).await;
    c.include(&tx).await;
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
        attest(c, admission_credential(id).commitment()).await;
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
