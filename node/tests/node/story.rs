//! The whole co-op story over HTTP, from join to distribution, then `ledger verify`.

use super::*;

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
        attest(&c, cred.commitment()).await;
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
