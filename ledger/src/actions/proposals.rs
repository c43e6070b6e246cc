//! Proposals close by themselves at the start of every block, by block time, after automatic
//! servicing, in id order: a proposal whose deadline has come is decided from its tally.
//!
//! - **passed** (quorum reached and yes strictly above `majority_bps` of the votes cast): its
//!   action is checked again against the state of that moment and executed; an action that
//!   no longer holds (not enough profit, an issuer already registered, …) is recorded as
//!   `Failed(code)` (the rule's stable `TxError::code`) and changes nothing else. A `Spend` above `treasury_limit` waits as
//!   `AwaitingRelease` for a k-of-n officer `Release`.
//! - **lapsed**: fewer votes than the quorum.
//! - **defeated**: quorum reached without the majority (or earlier, by a "no" vote after
//!   which yes could not win even if every remaining voter voted yes).
//!
//! A loan proposal that does not pass rejects the loan and releases its collateral.

use crate::codec::fr_to_bytes;
use crate::error::TxError;
use crate::pool::Pool;
use crate::scopes::coop_issuer_id;
use crate::state::{overflow, Issuer, LoanStatus, ProposalStatus, State};
use crate::tx::{Params, PolicyRules, ProposalAction};
use zkcredit_circuits::field::to_decimal;

/// What a passed proposal writes.
pub(crate) enum Exec {
    Loan { loan: u64, committed: u64 },
    SetPolicy { id: u64, rules: Box<PolicyRules> },
    SetAdmission { policy: Option<u64> },
    SetParams { params: Box<Params> },
    RegisterIssuer { id: [u8; 32], issuer: Issuer },
    RemoveIssuer { id: [u8; 32] },
    Distribute { pool: Pool, credits: Vec<u64> },
    Spend { pool: Pool },
    AwaitRelease,
}

/// The rules an action must follow to be proposed (checked again when it executes).
pub(crate) fn validate_action(state: &State, action: &ProposalAction) -> Result<(), TxError> {
    let core = state.core();
    match action {
        ProposalAction::Loan { loan } => {
            state.loan_in(*loan, LoanStatus::Voting)?;
        }
        ProposalAction::SetPolicy { rules, .. } => super::governance::validate_rules(state, rules)?,
        ProposalAction::SetAdmission { policy_id } => {
            if let Some(id) = policy_id {
                if !core.policies.contains_key(id) {
                    return Err(TxError::UnknownPolicy(*id));
                }
            }
        }
        ProposalAction::SetParams { params } => state
            .params()
            .validate_change(params)
            .map_err(TxError::InvalidParams)?,
        ProposalAction::RegisterIssuer {
            issuer, account, ..
        } => {
            if core.issuers.contains_key(&fr_to_bytes(issuer))
                || state.issuer_of_account(account).is_some()
            {
                return Err(TxError::IssuerExists);
            }
        }
        ProposalAction::RemoveIssuer { issuer } => {
            let id = fr_to_bytes(issuer);
            if !core.issuers.contains_key(&id)
                || id == fr_to_bytes(&coop_issuer_id(&state.params().chain_id))
            {
                return Err(TxError::UnknownIssuer(to_decimal(issuer)));
            }
            for (pid, rules) in &core.policies {
                if (rules.active || core.admission == Some(*pid)) && rules.issuer == *issuer {
                    return Err(TxError::IssuerInUse(*pid));
                }
            }
        }
        ProposalAction::Distribute { amount } | ProposalAction::Spend { amount, .. } => {
            if *amount == 0 {
                return Err(TxError::ZeroAmount);
            }
        }
    }
    Ok(())
}

/// What passed proposal `id` does at `time`, or why it cannot.
fn execution(state: &State, action: &ProposalAction, time: u64) -> Result<Exec, TxError> {
    validate_action(state, action)?;
    let core = state.core();
    let p = state.params();
    Ok(match action {
        ProposalAction::Loan { loan } => {
            let amount = state.loan_in(*loan, LoanStatus::Voting)?.amount;
            Exec::Loan {
                loan: *loan,
                committed: overflow(core.pool.committed.checked_add(amount))?,
            }
        }
        ProposalAction::SetPolicy { policy_id, rules } => Exec::SetPolicy {
            id: *policy_id,
            rules: Box::new(rules.clone()),
        },
        ProposalAction::SetAdmission { policy_id } => Exec::SetAdmission { policy: *policy_id },
        ProposalAction::SetParams { params } => Exec::SetParams {
            params: Box::new(params.clone()),
        },
        ProposalAction::RegisterIssuer {
            issuer,
            account,
            name,
        } => Exec::RegisterIssuer {
            id: fr_to_bytes(issuer),
            issuer: Issuer {
                name: name.clone(),
                account: Some(*account),
            },
        },
        ProposalAction::RemoveIssuer { issuer } => Exec::RemoveIssuer {
            id: fr_to_bytes(issuer),
        },
        ProposalAction::Distribute { amount } => {
            let (pool, credits) = core.pool.distribute(
                *amount,
                p.distribution_reserve_bps,
                &state.capital_seconds(time),
            )?;
            Exec::Distribute { pool, credits }
        }
        ProposalAction::Spend { amount, .. } => {
            if *amount > p.treasury_limit {
                // Checked now so that a spend the pool cannot pay fails visibly; paid at release.
                core.pool.spend(*amount)?;
                Exec::AwaitRelease
            } else {
                Exec::Spend {
                    pool: core.pool.spend(*amount)?,
                }
            }
        }
    })
}

fn apply_exec(state: &mut State, exec: Exec, time: u64) -> ProposalStatus {
    let core = &mut state.core;
    match exec {
        Exec::Loan { loan, committed } => {
            core.pool.committed = committed;
            if let Some(l) = core.loans.get_mut(&loan) {
                l.status = LoanStatus::Approved;
            }
        }
        Exec::SetPolicy { id, rules } => {
            core.policies.insert(id, *rules);
        }
        Exec::SetAdmission { policy } => core.admission = policy,
        Exec::SetParams { params } => core.params = *params,
        Exec::RegisterIssuer { id, issuer } => {
            core.issuers.insert(id, issuer);
        }
        Exec::RemoveIssuer { id } => {
            core.issuers.remove(&id);
        }
        Exec::Distribute { pool, credits } => {
            state.apply_capital_changes(&credits, true, time);
            let core = &mut state.core;
            core.pool = pool;
            // Capital-seconds start again from this distribution.
            for m in core.members.values_mut() {
                m.capital_secs = 0;
                m.since = time;
            }
            core.last_distribution = time;
        }
        Exec::Spend { pool } => core.pool = pool,
        Exec::AwaitRelease => return ProposalStatus::AwaitingRelease,
    }
    ProposalStatus::Executed
}

/// Ends proposal `id` with `status`: the proposer may open another.
pub(crate) fn finish(state: &mut State, id: u64, status: ProposalStatus) {
    let Some(prop) = state.core.proposals.get_mut(&id) else {
        return;
    };
    prop.status = status;
    let counted = !matches!(prop.action, ProposalAction::Loan { .. });
    let proposer = prop.proposer;
    if counted {
        if let Some(m) = state.core.members.get_mut(&proposer) {
            m.open_proposals = m.open_proposals.saturating_sub(1);
        }
    }
}

/// If proposal `id` is a loan vote that did not pass: the loan is rejected and its
/// collateral released.
pub(crate) fn reject_loan(state: &mut State, id: u64) {
    let Some(ProposalAction::Loan { loan }) = state.core.proposals.get(&id).map(|p| &p.action)
    else {
        return;
    };
    let loan = *loan;
    if state.core.loans.get(&loan).map(|l| l.status) == Some(LoanStatus::Voting) {
        super::loans::end_unpaid(state, loan, LoanStatus::Rejected);
    }
}

/// Closes every open proposal whose deadline is at or before `time`, in id order.
pub(crate) fn close_due_proposals(state: &mut State, time: u64) {
    let due: Vec<u64> = state
        .core
        .proposals
        .iter()
        .filter(|(_, p)| p.due_to_close(time))
        .map(|(id, _)| *id)
        .collect();
    let params = state.params().clone();
    for id in due {
        let Some(prop) = state.core.proposals.get(&id) else {
            continue;
        };
        let status = if prop.passes(params.quorum_bps, params.majority_bps) {
            match execution(state, &prop.action, time) {
                Ok(exec) => apply_exec(state, exec, time),
                Err(e) => ProposalStatus::Failed(e.code().to_string()),
            }
        } else if prop.yes + prop.no < prop.needed(params.quorum_bps) {
            ProposalStatus::Lapsed
        } else {
            ProposalStatus::Defeated
        };
        let passed = matches!(
            status,
            ProposalStatus::Executed | ProposalStatus::AwaitingRelease
        );
        finish(state, id, status);
        if !passed {
            reject_loan(state, id);
        }
    }
}
