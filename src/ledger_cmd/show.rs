//! `ledger show`: what a member needs to find loan ids, amounts due, policies, proposals,
//! issuers and nonces without failing first. `--json` uses the node's API v1 shapes.

use anyhow::Result;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;
use zkcredit_circuits::field::to_decimal;
use zkcredit_ledger::{Ledger, LoanStatus, State};
use zkcredit_node::views;

/// Arguments of `ledger show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Ledger directory.
    #[arg(long)]
    dir: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// What the next instalment of an active loan costs, and when it is due.
fn due(l: &zkcredit_ledger::Loan) -> Option<(u64, u64)> {
    if l.status != LoanStatus::Active {
        return None;
    }
    let i = l.schedule.get(l.next as usize)?;
    Some((i.total()?, i.due))
}

fn as_json(l: &Ledger) -> Value {
    let s = l.state();
    let c = s.core();
    let q = s.params().quorum_bps;
    json!({
        "chain_id": s.params().chain_id,
        "params": s.params(),
        "height": l.height(),
        "time": c.time,
        "state_hash": hex::encode(l.state_hash()),
        "head_hash": hex::encode(l.head_hash()),
        "pool": views::pool(s),
        "free_liquidity": c.pool.free_liquidity(),
        "members": c.members.len(),
        "registry_leaves": c.registry_len,
        "registry_root": to_decimal(&s.registry().root()),
        "member_root": to_decimal(&s.member_tree().root()),
        "nullifiers": c.nullifier_count,
        "admission_policy": c.admission,
        "accounts": c.nonces.keys().chain(c.members.keys()).collect::<std::collections::BTreeSet<_>>()
            .into_iter().map(|a| {
                let m = c.members.get(a);
                json!({
                    "account": hex::encode(a),
                    "nonce": s.nonce(a),
                    "member": m.is_some(),
                    "capital": m.map(|m| m.capital),
                })
            }).collect::<Vec<_>>(),
        "issuers": c.issuers.iter().map(|(id, i)| json!({
            "issuer": views::dec_bytes(id),
            "name": i.name,
            "account": i.account.map(hex::encode),
        })).collect::<Vec<_>>(),
        "policies": views::policies(s),
        "loans": c.loans.iter().map(|(id, x)| {
            let mut v = views::loan(*id, x);
            if let Some((amount, at)) = due(x) {
                v["due_now"] = json!({"amount": amount, "due": at});
            }
            v
        }).collect::<Vec<_>>(),
        "proposals": c.proposals.iter().map(|(id, p)| views::proposal(*id, p, q)).collect::<Vec<_>>(),
    })
}

fn print_text(l: &Ledger) {
    let s: &State = l.state();
    let c = s.core();
    println!(
        "chain {} height {} time {}",
        s.params().chain_id,
        l.height(),
        c.time
    );
    println!("state hash {}", hex::encode(l.state_hash()));
    println!("head       {}", hex::encode(l.head_hash()));
    let p = &c.pool;
    println!(
        "pool: cash {} outstanding {} reserve {} undistributed {} capital {} free {}",
        p.cash,
        p.outstanding,
        p.reserve,
        p.undistributed,
        p.total_capital,
        p.free_liquidity()
    );
    println!(
        "members {} credentials {} nullifiers {} admission policy {}",
        c.members.len(),
        c.registry_len,
        c.nullifier_count,
        c.admission.map_or("closed".to_string(), |a| a.to_string())
    );
    println!("accounts ({}):", c.nonces.len().max(c.members.len()));
    let accounts: std::collections::BTreeSet<_> = c.nonces.keys().chain(c.members.keys()).collect();
    for a in accounts {
        match c.members.get(a) {
            Some(m) => println!(
                "  {} next nonce {} member, capital {}",
                hex::encode(a),
                s.nonce(a),
                m.capital
            ),
            None => println!("  {} next nonce {}", hex::encode(a), s.nonce(a)),
        }
    }
    println!("issuers ({}):", c.issuers.len());
    for (id, i) in &c.issuers {
        println!(
            "  {} {:?} account {}",
            views::dec_bytes(id),
            i.name,
            i.account.map_or("-".to_string(), hex::encode)
        );
    }
    println!("policies ({}):", c.policies.len());
    for (id, r) in &c.policies {
        println!(
            "  {id} {:?} {} rate {} bps, up to {} over {} instalments, issuer {}, schema {}, {} clause(s)",
            r.name,
            if r.active { "active" } else { "inactive" },
            r.rate_bps,
            r.max_amount,
            r.max_term,
            to_decimal(&r.issuer),
            r.schema,
            r.clauses.len()
        );
    }
    println!("loans ({}):", c.loans.len());
    for (id, x) in &c.loans {
        let due = due(x).map_or(String::new(), |(amount, at)| {
            format!(", next instalment {amount} due at {at}")
        });
        println!(
            "  {id} {} borrower {} amount {} term {} rate {} bps, {}/{} paid, principal left {}{due}",
            x.status.name(),
            hex::encode(x.borrower),
            x.amount,
            x.term,
            x.rate_bps,
            x.next,
            x.schedule.len(),
            x.remaining_principal()
        );
    }
    println!("proposals ({}):", c.proposals.len());
    // Proposals as API v1 shows them (their shape follows governance).
    for (id, p) in &c.proposals {
        println!("  {id} {}", views::proposal(*id, p, s.params().quorum_bps));
    }
}

/// Runs `ledger show`.
pub fn run(a: &ShowArgs) -> Result<ExitCode> {
    let l = Ledger::open(&a.dir)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&as_json(&l))?);
    } else {
        print_text(&l);
    }
    Ok(ExitCode::SUCCESS)
}
