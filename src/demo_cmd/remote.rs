//! `zkcredit demo --node URL`: the demo's story told again against a running node, through the
//! client crate (`zkcredit_client::Session` over `NodeChain`) — every plan, path and root from
//! the node's API v1, every transaction posted and its fate polled. The node must serve a
//! demo ledger (`zkcredit demo --dir D`, then `zkcredit node --dir D`): the demo's officers and
//! bureau act in it. A newcomer is attested by the bureau, joins with an admission proof,
//! applies for a loan with a policy proof, an officer disburses it and the newcomer repays the
//! first instalment. Blocks are the node's, at its clock (never before its last block).

use super::coop::{money, CHAIN};
use super::setup::{demo_keys, key_cache, SEED};
use anyhow::{anyhow, bail, ensure, Result};
use ed25519_dalek::SigningKey;
use std::process::ExitCode;
use std::time::Instant;
use zkcredit_circuits::credential::{Credential, SCHEMA_BUREAU_V1};
use zkcredit_circuits::identity::Identity;
use zkcredit_circuits::statement::CircuitId;
use zkcredit_circuits::Fr;
use zkcredit_client::{Member, NodeChain, Session};
use zkcredit_ledger::{Tx, TxBody, TxStatus};

/// How long to wait for each transaction's block, seconds.
const PATIENCE: u64 = 60;

fn settle(s: &mut Session<NodeChain>, what: &str, tx: &Tx) -> Result<(u64, u32)> {
    let t = Instant::now();
    let (h, st) = s.submit_and_settle(tx, PATIENCE)?;
    match st {
        TxStatus::Included { height, index } => {
            println!(
                "      {what}: {} included in block {height} ({:.1} s after submission)",
                &hex::encode(h)[..16],
                t.elapsed().as_secs_f64()
            );
            Ok((height, index))
        }
        TxStatus::Rejected { reason, .. } => bail!("{what} was rejected: {reason}"),
        TxStatus::Pending => bail!("{what} is still pending"),
    }
}

/// Runs the story against the node at `url`.
pub fn run(args: &super::Args, url: &str) -> Result<ExitCode> {
    let started = Instant::now();
    let chain = NodeChain::new(url)?;
    let head = chain.get("/v1/head")?;
    let chain_id = head["chain_id"].as_str().unwrap_or_default();
    ensure!(
        chain_id == CHAIN,
        "the node serves chain {chain_id:?}, not the demo's {CHAIN:?}: serve a demo ledger \
         (`zkcredit demo --dir D`, then `zkcredit node --dir D`)"
    );
    println!(
        "zkcredit demo against the node at {url} (height {})\n",
        head["height"]
    );
    let cache = key_cache(args.dir.as_deref());
    let (policy_keys, _) = demo_keys(&cache, CircuitId::Policy { depth: args.depth }, SEED)?;
    let mut s = Session::new(chain).with_policy_keys(policy_keys);

    let officer = Member {
        key: SigningKey::from_bytes(&[1; 32]),
        identity: None,
    };
    let bureau = Member {
        key: SigningKey::from_bytes(&[30; 32]),
        identity: None,
    };
    let newcomer = Member {
        key: SigningKey::generate(&mut rand::rngs::OsRng),
        identity: Some(Identity::random(&mut rand::rngs::OsRng)),
    };
    let identity = newcomer
        .identity
        .as_ref()
        .ok_or_else(|| anyhow!("identity"))?;
    let time = head["time"]
        .as_u64()
        .unwrap_or(0)
        .max(zkcredit_client::local::unix_now());

    println!("[1] The bureau attests a newcomer's credential (its key signs, the node includes)");
    let cred = Credential {
        schema: SCHEMA_BUREAU_V1,
        issuer: Fr::from(7_001u64),
        subject: identity.commitment(),
        attrs: [760, 1_200_000, 100_000, 5_000_000, 120, 0, 0, 180],
        issued_at: time,
        expires_at: time + 365 * 86_400,
        salt: Identity::random(&mut rand::rngs::OsRng).secret(),
    };
    let tx = s.sign(
        &bureau,
        TxBody::Attest {
            commitment: cred.commitment(),
        },
    )?;
    settle(&mut s, "attest", &tx)?;

    println!("[2] The newcomer joins: the node's plan says what to prove, the proof is made here");
    let tx = s.join(&newcomer, &cred, 50_000)?;
    settle(&mut s, "join with an admission proof", &tx)?;

    let amount = 200_000;
    println!(
        "[3] The newcomer applies for {} over 6 months",
        money(amount)
    );
    let tx = s.apply(&newcomer, &cred, 1, amount, 6)?;
    settle(&mut s, "application with a policy proof", &tx)?;
    let account = hex::encode(newcomer.account());
    let loans = s.chain.get("/v1/loans")?;
    let loan = loans["loans"]
        .as_array()
        .and_then(|l| {
            l.iter()
                .rev()
                .find(|x| x["borrower"].as_str() == Some(account.as_str()))
        })
        .ok_or_else(|| anyhow!("the node lists no loan of the newcomer"))?;
    let id = loan["id"].as_u64().ok_or_else(|| anyhow!("loan id"))?;
    println!(
        "      loan {id}: {}",
        loan["status"].as_str().unwrap_or("?")
    );

    println!("[4] An officer disburses it (below the treasury limit: one signature)");
    let tx = s.sign(&officer, TxBody::Disburse { loan: id })?;
    settle(&mut s, "disbursement", &tx)?;

    println!("[5] The newcomer repays the first instalment (the amount due, read from the node)");
    let tx = s.repay(&newcomer, id)?;
    if let TxBody::Repay { amount, .. } = &tx.body {
        println!("      due: {}", money(*amount));
    }
    settle(&mut s, "repayment", &tx)?;
    let l = s.chain.get(&format!("/v1/loans/{id}"))?;
    ensure!(l["next"] == 1, "the repayment was not booked: {l}");
    println!(
        "\nAll steps behaved against the node: {} proofs made here, {:.1} s. Stop the node and \
         run `zkcredit ledger verify --dir DIR` to replay its chain.",
        s.prove_ms.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
