//! The JSON shapes of API v1: field elements as decimal strings, bytes (accounts, hashes,
//! signatures, proofs) as lowercase hex, amounts as integers in minor units.

use serde_json::{json, Value};
use zkcredit_circuits::field::to_decimal;
use zkcredit_circuits::Fr;
use zkcredit_ledger::state::Instalment;
use zkcredit_ledger::{
    codec, Block, Loan, Params, PolicyRules, ProofData, Proposal, ProposalAction, ProposalStatus,
    State, Tx, TxBody,
};

/// A field element as a decimal string.
pub fn dec(x: &Fr) -> String {
    to_decimal(x)
}

/// A stored 32-byte field element as a decimal string.
pub fn dec_bytes(b: &[u8; 32]) -> String {
    codec::fr_from_bytes(b).map_or_else(|| hex::encode(b), |x| to_decimal(&x))
}

fn proof(p: &ProofData) -> Value {
    json!({
        "public_inputs": p.public_inputs.iter().map(dec).collect::<Vec<_>>(),
        "proof": hex::encode(&p.proof),
    })
}

fn rules(r: &PolicyRules) -> Value {
    json!({
        "name": r.name,
        "clauses": r.clauses.iter().map(|c| json!({
            "coeffs": c.coeffs,
            "constant": c.constant.to_string(),
            "instalment_coeff": c.instalment_coeff,
        })).collect::<Vec<_>>(),
        "issuer": dec(&r.issuer),
        "schema": r.schema,
        "max_credential_age": r.max_credential_age,
        "rate_bps": r.rate_bps,
        "max_amount": r.max_amount,
        "max_term": r.max_term,
        "active": r.active,
    })
}

/// A transaction body.
pub fn body(b: &TxBody) -> Value {
    let fields = match b {
        TxBody::RegisterIssuer {
            issuer,
            account,
            name,
        } => json!({"issuer": dec(issuer), "account": hex::encode(account), "name": name}),
        TxBody::Attest { commitment } => json!({"commitment": dec(commitment)}),
        TxBody::Revoke { index } => json!({"index": index}),
        TxBody::Join {
            identity,
            deposit,
            proof: p,
        } => json!({"identity": dec(identity), "deposit": deposit, "proof": proof(p)}),
        TxBody::SetAdmission { policy_id } => json!({"policy_id": policy_id}),
        TxBody::Deposit { amount } | TxBody::Withdraw { amount } => json!({"amount": amount}),
        TxBody::SetPolicy {
            policy_id,
            rules: r,
        } => {
            json!({"policy_id": policy_id, "rules": rules(r)})
        }
        TxBody::ApplyLoan {
            policy_id,
            amount,
            term,
            rate_bps,
            proof: p,
        } => json!({
            "policy_id": policy_id, "amount": amount, "term": term, "rate_bps": rate_bps,
            "proof": proof(p),
        }),
        TxBody::Vote {
            proposal,
            approve,
            proof: p,
        } => json!({"proposal": proposal, "approve": approve, "proof": proof(p)}),
        TxBody::Propose { action: a } => json!({"action": action(a)}),
        TxBody::Release { proposal } => json!({"proposal": proposal}),
        TxBody::Disburse { loan } | TxBody::CancelLoan { loan } => json!({"loan": loan}),
        TxBody::Repay { loan, amount } => json!({"loan": loan, "amount": amount}),
        TxBody::ClaimHistory {
            subject,
            attrs,
            issued_at,
            expires_at,
            salt,
        } => json!({
            "subject": dec(subject), "attrs": attrs, "issued_at": issued_at,
            "expires_at": expires_at, "salt": dec(salt),
        }),
    };
    json!({"kind": b.kind(), "fields": fields})
}

/// A transaction.
pub fn tx(t: &Tx) -> Value {
    json!({
        "hash": hex::encode(t.hash()),
        "signer": hex::encode(t.signer),
        "nonce": t.nonce,
        "body": body(&t.body),
        "signature": hex::encode(&t.signature),
        "cosignatures": t.cosignatures.iter().map(|c| json!({
            "signer": hex::encode(c.signer), "signature": hex::encode(&c.signature),
        })).collect::<Vec<_>>(),
        "encoded": hex::encode(codec::encode(t)),
    })
}

/// A block.
pub fn block(b: &Block) -> Value {
    let h = &b.header;
    json!({
        "hash": hex::encode(h.hash()),
        "height": h.height,
        "time": h.time,
        "version": h.version,
        "prev_hash": hex::encode(h.prev_hash),
        "tx_root": hex::encode(h.tx_root),
        "state_hash": hex::encode(h.state_hash),
        "tx_count": h.tx_count,
        "txs": b.txs.iter().map(tx).collect::<Vec<_>>(),
    })
}

fn instalment(i: &Instalment) -> Value {
    json!({
        "due": i.due, "principal": i.principal, "interest": i.interest,
        "late_fee": i.late_fee, "paid_at": i.paid_at,
    })
}

/// A loan with its schedule.
pub fn loan(id: u64, l: &Loan) -> Value {
    json!({
        "id": id,
        "borrower": hex::encode(l.borrower),
        "policy_id": l.policy_id,
        "amount": l.amount,
        "term": l.term,
        "rate_bps": l.rate_bps,
        "status": l.status.name(),
        "applied_at": l.applied_at,
        "proposal": l.proposal,
        "next": l.next,
        "remaining_principal": l.remaining_principal(),
        "schedule": l.schedule.iter().map(instalment).collect::<Vec<_>>(),
    })
}

/// The parameters (accounts as hex).
pub fn params(p: &Params) -> Value {
    let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "officers".into(),
            p.officers
                .iter()
                .map(hex::encode)
                .collect::<Vec<_>>()
                .into(),
        );
    }
    v
}

/// What a proposal would do.
pub fn action(a: &ProposalAction) -> Value {
    let fields = match a {
        ProposalAction::Loan { loan } => json!({"loan": loan}),
        ProposalAction::SetPolicy {
            policy_id,
            rules: r,
        } => json!({"policy_id": policy_id, "rules": rules(r)}),
        ProposalAction::SetAdmission { policy_id } => json!({"policy_id": policy_id}),
        ProposalAction::SetParams { params: p } => json!({"params": params(p)}),
        ProposalAction::RegisterIssuer {
            issuer,
            account,
            name,
        } => json!({"issuer": dec(issuer), "account": hex::encode(account), "name": name}),
        ProposalAction::RemoveIssuer { issuer } => json!({"issuer": dec(issuer)}),
        ProposalAction::Distribute { amount } => json!({"amount": amount}),
        ProposalAction::Spend { to, amount, memo } => {
            json!({"to": hex::encode(to), "amount": amount, "memo": memo})
        }
    };
    json!({"kind": a.kind(), "fields": fields})
}

/// A proposal with its tally.
pub fn proposal(id: u64, p: &Proposal, quorum_bps: u32) -> Value {
    let loan = match &p.action {
        ProposalAction::Loan { loan } => Some(*loan),
        _ => None,
    };
    let reason = match &p.status {
        ProposalStatus::Failed(r) => Some(r.clone()),
        _ => None,
    };
    json!({
        "id": id,
        "action": action(&p.action),
        "proposer": hex::encode(p.proposer),
        "loan": loan,
        "member_root": dec_bytes(&p.member_root),
        "members": p.members,
        "deadline": p.deadline,
        "yes": p.yes,
        "no": p.no,
        "needed": p.needed(quorum_bps),
        "status": p.status.name(),
        "failure": reason,
    })
}

/// The policies.
pub fn policies(s: &State) -> Value {
    Value::Array(
        s.core()
            .policies
            .iter()
            .map(|(id, r)| json!({"id": id, "rules": rules(r)}))
            .collect(),
    )
}

/// The pool's books.
pub fn pool(s: &State) -> Value {
    let p = s.pool();
    json!({
        "cash": p.cash, "outstanding": p.outstanding, "reserve": p.reserve,
        "undistributed": p.undistributed, "total_capital": p.total_capital,
        "committed": p.committed, "inflow": p.inflow, "outflow": p.outflow,
        "interest_income": p.interest_income, "fee_income": p.fee_income,
        "losses": p.losses, "capital_losses": p.capital_losses, "spent": p.spent,
        "balanced": p.balanced(),
    })
}
