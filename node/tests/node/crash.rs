//! `kill -9` mid-load: nothing acknowledged is lost (the node runs in a child process).

use super::*;

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
            "crash::crash_child_node",
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
