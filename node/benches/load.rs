//! Load benchmark of the node over real HTTP on 127.0.0.1 (not a test: it measures).
//!
//! `cargo bench -p zkcredit-node --bench load` starts a node in-process on a fresh ledger
//! (seeded depth-8 keys, insecure), sets up a co-op, then:
//! 1. plain load: `ZKCREDIT_BENCH_CLIENTS` (default 32) concurrent clients submit
//!    `ZKCREDIT_BENCH_PLAIN` (default 20,000) signed deposits; reports admitted tx/s, applied
//!    tx/s and submission-to-inclusion latency (p50/p99);
//! 2. proof load: `ZKCREDIT_BENCH_PROOFS` (default 200) loan applications, each with a policy
//!    proof made beforehand, submitted concurrently; reports proof-carrying tx/s from the
//!    first submission to the last inclusion (admission batch-verifies them; the block does
//!    not verify them again), and latency.
//!
//! After each load it prints the node's own time per phase (admission checks, state checks,
//! durable writes, block build, block commit) from `/metrics`.
//!
//! Figures depend on the machine and its load; compare ratios from one run.

use ark_serialize::CanonicalSerialize;
use ed25519_dalek::SigningKey;
use rand::SeedableRng;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zkcredit_circuits::credential::{Credential, SCHEMA_BUREAU_V1};
use zkcredit_circuits::identity::Identity;
use zkcredit_circuits::policy::Clause;
use zkcredit_circuits::statement::CircuitId;
use zkcredit_circuits::Fr;
use zkcredit_ledger::{
    codec, Account, ClauseRule, Genesis, KeyRecord, Ledger, Params, PolicyRules, ProofData, Tx,
    TxBody,
};
use zkcredit_node::chain::PoolLimits;
use zkcredit_node::{Config, Node};
use zkcredit_prover::{prove_policy, setup, PolicyInput, ProvingKeys};

const CHAIN: &str = "bench-coop";
const DEPTH: usize = 8;
/// Proofs are made for a time this far ahead (a block accepts proof times up to 600 s past
/// it): proving a few hundred of them on a loaded 2-core machine takes minutes, and a proof
/// time the chain has passed is refused.
const PROOF_AHEAD: u64 = 540;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
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

fn sk(i: u32) -> SigningKey {
    let mut b = [7u8; 32];
    b[..4].copy_from_slice(&i.to_le_bytes());
    SigningKey::from_bytes(&b)
}

fn acct(k: &SigningKey) -> Account {
    k.verifying_key().to_bytes()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

struct Bench {
    base: String,
    http: reqwest::Client,
    /// First time each height was seen.
    seen: Arc<Mutex<HashMap<u64, Instant>>>,
}

impl Bench {
    async fn submit(&self, tx: &Tx) -> Result<String, String> {
        let r = self
            .http
            .post(format!("{}/v1/tx", self.base))
            .json(&json!({"tx": hex::encode(codec::encode(tx))}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let ok = r.status().as_u16() == 202;
        let v: Value = r.json().await.map_err(|e| e.to_string())?;
        if ok {
            Ok(v["hash"].as_str().unwrap_or_default().to_string())
        } else {
            Err(v.to_string())
        }
    }

    /// The node's phase timers and batch counters, from `/metrics`.
    async fn phases(&self) -> Vec<(String, f64)> {
        let text = self
            .http
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        text.lines()
            .filter(|l| {
                l.starts_with("zkcredit_phase_seconds_total")
                    || l.starts_with("zkcredit_admission_batches_total")
                    || l.starts_with("zkcredit_blocks_total")
                    || l.starts_with("zkcredit_proofs_")
            })
            .filter_map(|l| {
                let (k, v) = l.rsplit_once(' ')?;
                Some((k.to_string(), v.parse().ok()?))
            })
            .collect()
    }

    /// Prints what each phase cost since `before`.
    async fn print_phases(&self, section: &str, before: &[(String, f64)]) {
        let after = self.phases().await;
        let parts: Vec<String> = after
            .iter()
            .zip(before)
            .map(|((k, a), (_, b))| {
                let k = k
                    .trim_start_matches("zkcredit_phase_seconds_total{phase=\"")
                    .trim_end_matches("\"}")
                    .trim_start_matches("zkcredit_")
                    .trim_end_matches("_total");
                format!("{k} {:.3}", a - b)
            })
            .collect();
        println!("{section} node time (s) / counts: {}", parts.join(", "));
    }

    async fn status(&self, hash: &str) -> Value {
        self.http
            .get(format!("{}/v1/tx/{hash}", self.base))
            .send()
            .await
            .expect("status")
            .json()
            .await
            .expect("json")
    }

    /// Waits for every hash to settle; returns (inclusion instant, latency in s) per hash.
    async fn settle(&self, hashes: &[(String, Instant)]) -> Vec<(Option<Instant>, f64)> {
        let mut out = Vec::new();
        for (h, sent) in hashes {
            loop {
                let v = self.status(h).await;
                match v["status"].as_str() {
                    Some("pending") => tokio::time::sleep(Duration::from_millis(20)).await,
                    Some("included") => {
                        let height = v["height"].as_u64().expect("height");
                        let at = loop {
                            if let Some(t) = self.seen.lock().expect("seen").get(&height) {
                                break *t;
                            }
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        };
                        out.push((Some(at), at.saturating_duration_since(*sent).as_secs_f64()));
                        break;
                    }
                    _ => {
                        eprintln!("not included: {v}");
                        out.push((None, 0.0));
                        break;
                    }
                }
            }
        }
        out
    }

    async fn wait_all(&self, txs: &[Tx]) {
        let mut hs = Vec::new();
        for t in txs {
            hs.push((self.submit(t).await.expect("setup tx"), Instant::now()));
        }
        for (r, _) in self.settle(&hs).await {
            assert!(r.is_some(), "setup transaction not included");
        }
    }
}

fn main() {
    let clients = env("ZKCREDIT_BENCH_CLIENTS", 32).max(1);
    let plain = env("ZKCREDIT_BENCH_PLAIN", 20_000);
    let proofs = env("ZKCREDIT_BENCH_PROOFS", 200);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(clients, plain, proofs));
}

async fn run(clients: usize, plain: usize, proofs: usize) {
    eprintln!("setup: seeded depth-{DEPTH} keys (insecure, bench only)");
    let pk = setup(CircuitId::Policy { depth: DEPTH }, Some(31)).expect("policy setup");
    let mk = setup(CircuitId::Membership { depth: DEPTH }, Some(32)).expect("membership setup");
    let officer = sk(0);
    let issuer_key = sk(1);
    let mut params = Params::new(CHAIN, DEPTH as u32, vec![acct(&officer)], 1);
    params.min_deposit = 1_000;
    params.auto_approve_limit = 1_000_000;
    params.treasury_limit = u64::MAX;
    let genesis = Genesis {
        params,
        time: now() - 10,
        keys: vec![record(&pk), record(&mk)],
    };
    let dir = tempfile::tempdir().expect("tempdir");
    Ledger::init(dir.path(), &genesis).expect("init");
    let mut config = Config::new(
        dir.path().to_path_buf(),
        "127.0.0.1:0".parse().expect("addr"),
    );
    config.block_interval = Duration::from_millis(100);
    config.rate_per_sec = 0;
    config.pool = PoolLimits {
        max_total: 200_000,
        max_per_account: 100_000,
        max_block_txs: 5_000,
    };
    let node = Node::start(config).await.expect("node");
    let seen: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
    let b = Arc::new(Bench {
        base: format!("http://{}", node.addr),
        http: reqwest::Client::new(),
        seen: seen.clone(),
    });
    let chain = node.app.chain.clone();
    // Every height gets the first instant it (or a later one) was seen: two blocks committed
    // between polls must not leave a height the settle loop waits for forever.
    let watcher = tokio::spawn(async move {
        let mut last = 0;
        loop {
            let h = chain.read().height();
            if h > last {
                let now = Instant::now();
                let mut seen = seen.lock().expect("seen");
                for x in last + 1..=h {
                    seen.entry(x).or_insert(now);
                }
                last = h;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    });

    // Co-op: an issuer, a policy, `clients + proofs` members, one credential per applicant.
    let issuer = Fr::from(77u64);
    let c = [Clause::at_least(0, 600)];
    let rules = PolicyRules {
        name: "bench".into(),
        clauses: c
            .iter()
            .map(|c| ClauseRule {
                coeffs: c.coeffs,
                constant: c.constant,
                instalment_coeff: 0,
            })
            .collect(),
        issuer,
        schema: SCHEMA_BUREAU_V1,
        max_credential_age: None,
        rate_bps: 1_000,
        max_amount: 1_000_000,
        max_term: 12,
        active: true,
    };
    b.wait_all(&[
        Tx::sign(
            CHAIN,
            &officer,
            0,
            TxBody::RegisterIssuer {
                issuer,
                account: acct(&issuer_key),
                name: "bureau".into(),
            },
        ),
        Tx::sign(
            CHAIN,
            &officer,
            1,
            TxBody::SetPolicy {
                policy_id: 1,
                rules: rules.clone(),
            },
        ),
        // Admission by the same policy: every member shows a bureau credential once.
        Tx::sign(
            CHAIN,
            &officer,
            2,
            TxBody::SetAdmission { policy_id: Some(1) },
        ),
    ])
    .await;
    let members = clients + proofs;
    assert!(
        members < (1 << DEPTH),
        "at most {} members at depth {DEPTH}",
        1 << DEPTH
    );
    let ids: Vec<Identity> = (0..members)
        .map(|i| Identity::from_secret(Fr::from(1_000 + i as u64)))
        .collect();
    let creds: Vec<Credential> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| Credential {
            schema: SCHEMA_BUREAU_V1,
            issuer,
            subject: id.commitment(),
            attrs: [700, 5_000, 1_000, 20_000, 24, 0, 0, 36],
            issued_at: genesis.time - 100,
            expires_at: genesis.time + 365 * 86_400,
            salt: Fr::from(i as u64 + 5),
        })
        .collect();
    let attests: Vec<Tx> = creds
        .iter()
        .enumerate()
        .map(|(n, cred)| {
            Tx::sign(
                CHAIN,
                &issuer_key,
                n as u64,
                TxBody::Attest {
                    commitment: cred.commitment(),
                },
            )
        })
        .collect();
    b.wait_all(&attests).await;
    // Members join with admission proofs, made from the node's plan as wallets would.
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
    let joins: Vec<Tx> = {
        let l = node.app.chain.read();
        let time = now() + PROOF_AHEAD;
        ids.iter()
            .enumerate()
            .map(|(i, id)| {
                let k = sk(100 + i as u32);
                let exp = l
                    .state()
                    .expected_admission(&acct(&k), 0, id.commitment(), 100_000)
                    .expect("plan");
                let proof = prove_expected(&pk, &l, id, &creds[i], &exp, time, &mut rng);
                Tx::sign(
                    CHAIN,
                    &k,
                    0,
                    TxBody::Join {
                        identity: id.commitment(),
                        deposit: 100_000,
                        proof,
                    },
                )
            })
            .collect()
    };
    b.wait_all(&joins).await;
    let creds = creds[clients..].to_vec();

    // Proofs made beforehand, as wallets would.
    let t = Instant::now();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
    let applications: Vec<Tx> = {
        let l = node.app.chain.read();
        let time = now() + PROOF_AHEAD;
        creds
            .iter()
            .enumerate()
            .map(|(j, cred)| {
                let i = clients + j;
                let k = sk(100 + i as u32);
                let exp = l
                    .state()
                    .expected_application(&acct(&k), 1, 1, 1_000, 2, 1_000, time)
                    .expect("plan");
                let proof = prove_expected(&pk, &l, &ids[i], cred, &exp, time, &mut rng);
                Tx::sign(
                    CHAIN,
                    &k,
                    1,
                    TxBody::ApplyLoan {
                        policy_id: 1,
                        amount: 1_000,
                        term: 2,
                        rate_bps: 1_000,
                        proof,
                    },
                )
            })
            .collect()
    };
    eprintln!(
        "{} proofs made in {:.1} s (not measured)",
        applications.len(),
        t.elapsed().as_secs_f64()
    );

    // 1. Plain load.
    let before = b.phases().await;
    let per = plain / clients;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let b = b.clone();
        tasks.push(tokio::spawn(async move {
            let k = sk(100 + c as u32);
            let mut out = Vec::with_capacity(per);
            for n in 0..per {
                let tx = Tx::sign(CHAIN, &k, 1 + n as u64, TxBody::Deposit { amount: 1 });
                let sent = Instant::now();
                match b.submit(&tx).await {
                    Ok(h) => out.push((h, sent)),
                    Err(e) => panic!("plain tx refused: {e}"),
                }
            }
            out
        }));
    }
    let mut hashes = Vec::new();
    for t in tasks {
        hashes.extend(t.await.expect("client"));
    }
    let admitted_in = start.elapsed().as_secs_f64();
    let settled = b.settle(&hashes).await;
    let last = settled.iter().filter_map(|s| s.0).max().expect("included");
    let mut lat: Vec<f64> = settled.iter().map(|s| s.1).collect();
    println!(
        "plain:  {} txs from {clients} clients: admitted {:.0} tx/s, applied {:.0} tx/s, \
         latency p50 {:.0} ms p99 {:.0} ms",
        hashes.len(),
        hashes.len() as f64 / admitted_in,
        hashes.len() as f64 / last.duration_since(start).as_secs_f64(),
        pct(&mut lat, 0.5) * 1e3,
        pct(&mut lat, 0.99) * 1e3,
    );

    b.print_phases("plain: ", &before).await;

    // 2. Proof-carrying load.
    let before = b.phases().await;
    let start = Instant::now();
    let mut tasks = Vec::new();
    let chunk = applications.len().div_ceil(clients).max(1);
    for part in applications.chunks(chunk) {
        let b = b.clone();
        let part = part.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for tx in &part {
                let sent = Instant::now();
                match b.submit(tx).await {
                    Ok(h) => out.push((h, sent)),
                    Err(e) => panic!("application refused: {e}"),
                }
            }
            out
        }));
    }
    let mut hashes = Vec::new();
    for t in tasks {
        hashes.extend(t.await.expect("client"));
    }
    let admitted_in = start.elapsed().as_secs_f64();
    let settled = b.settle(&hashes).await;
    let included = settled.iter().filter(|s| s.0.is_some()).count();
    let last = settled.iter().filter_map(|s| s.0).max().expect("included");
    let mut lat: Vec<f64> = settled.iter().map(|s| s.1).collect();
    println!(
        "proofs: {} loan applications ({included} included): admitted {:.0} tx/s, \
         applied {:.0} tx/s, latency p50 {:.0} ms p99 {:.0} ms",
        hashes.len(),
        hashes.len() as f64 / admitted_in,
        included as f64 / last.duration_since(start).as_secs_f64(),
        pct(&mut lat, 0.5) * 1e3,
        pct(&mut lat, 0.99) * 1e3,
    );
    b.print_phases("proofs:", &before).await;
    watcher.abort();
    node.shutdown().await.expect("shutdown");
    let report = Ledger::open(dir.path())
        .expect("reopen")
        .verify()
        .expect("verify");
    println!(
        "ledger verify: {} blocks, {} txs, {} proofs re-verified",
        report.blocks, report.txs, report.proofs
    );
}

/// A policy proof of what the ledger expects, against the current registry root.
fn prove_expected(
    pk: &ProvingKeys,
    l: &Ledger,
    id: &Identity,
    cred: &Credential,
    exp: &zkcredit_ledger::ExpectedPolicy,
    now: u64,
    rng: &mut rand_chacha::ChaCha20Rng,
) -> ProofData {
    let (path, root) = l.credential_path(&cred.leaf()).expect("path");
    let env = prove_policy(
        pk,
        &PolicyInput {
            identity: id,
            credential: cred,
            path,
            root,
            policy: &exp.policy(),
            now,
            request: exp.request,
            scope: exp.scope,
            issued_after: exp.min_issued_after(now),
            holder_scope: Fr::from(0u64),
        },
        rng,
    )
    .expect("prove");
    ProofData {
        public_inputs: env.public_inputs.clone(),
        proof: env.proof_bytes(),
    }
}
