//! Loans: `ApplyLoan`, with a policy proof of exactly what the ledger expects
//! (`crate::plan`). Loans up to the auto-approval limit are approved at once; larger ones
//! open a proposal voted on by the other members. The borrower's capital is locked as
//! collateral at application: `ceil(amount · collateral_bps / 10000)`, which must be free
//! (capital not yet locked); a rejected loan releases it, repayment releases it in proportion
//! to the principal repaid, a write-off takes it first (`servicing.rs`).

use super::new_proposal;
use super::ProofToCheck;
use crate::error::TxError;
use crate::keys::{Keys, ProofKind};
use crate::state::{overflow, Loan, LoanStatus, Proposal, State};
use crate::tx::{ProposalAction, Tx, TxBody};
use zkcredit_circuits::Fr;
use zkcredit_verifier::Envelope;

pub(crate) struct Effect {
    nullifier: Fr,
    env: Envelope,
    loan_id: u64,
    loan: Loan,
    committed: u64,
    proposal: Option<(u64, Proposal)>,
    /// The borrower's locked capital with this loan's collateral.
    locked: u64,
}

/// Collateral a loan of `amount` needs: `ceil(amount · collateral_bps / 10000)`.
pub(crate) fn collateral_for(amount: u64, collateral_bps: u32) -> u64 {
    (u128::from(amount) * u128::from(collateral_bps)).div_ceil(10_000) as u64
}

pub(crate) fn check(state: &State, tx: &Tx, time: u64, keys: &Keys) -> Result<Effect, TxError> {
    let TxBody::ApplyLoan {
        policy_id,
        amount,
        term,
        rate_bps,
        proof,
    } = &tx.body
    else {
        unreachable!("dispatched by actions::check")
    };
    let p = state.params();
    let core = state.core();
    let expected = state.expected_application(
        &tx.signer, tx.nonce, *policy_id, *amount, *term, *rate_bps, time,
    )?;
    // Collateral before the proof: cheap checks first.
    let member = core.members.get(&tx.signer).ok_or(TxError::NotAMember)?;
    let collateral = collateral_for(*amount, p.collateral_bps);
    let free = member.capital.saturating_sub(member.locked);
    if collateral > free {
        return Err(TxError::InsufficientCollateral {
            required: collateral,
            free,
        });
    }
    let locked = overflow(member.locked.checked_add(collateral))?;
    let (nullifier, env) = state.check_policy_proof(keys, proof, &expected, time)?;
    let auto = *amount <= p.auto_approve_limit;
    let committed = if auto {
        overflow(core.pool.committed.checked_add(*amount))?
    } else {
        core.pool.committed
    };
    let loan_id = core.next_loan;
    overflow(loan_id.checked_add(1))?;
    let proposal = if auto {
        None
    } else {
        // The voters: every member but the applicant (their leaf zeroed in the snapshot).
        Some(new_proposal(
            state,
            ProposalAction::Loan { loan: loan_id },
            tx.signer,
            Some(member.index),
            time,
        )?)
    };
    Ok(Effect {
        nullifier,
        env,
        loan_id,
        loan: Loan {
            borrower: tx.signer,
            policy_id: *policy_id,
            amount: *amount,
            term: *term,
            rate_bps: *rate_bps,
            status: if auto {
                LoanStatus::Approved
            } else {
                LoanStatus::Voting
            },
            applied_at: time,
            proposal: proposal.as_ref().map(|(id, _)| *id),
            schedule: Vec::new(),
            next: 0,
            collateral,
        },
        committed,
        proposal,
        locked,
    })
}

/// Ends loan `loan`, never paid out, with `status` (rejected by its vote, or cancelled by its
/// borrower): its collateral goes back to the borrower's free capital.
pub(crate) fn end_unpaid(state: &mut State, loan: u64, status: LoanStatus) {
    let Some(l) = state.core.loans.get_mut(&loan) else {
        return;
    };
    l.status = status;
    let (borrower, collateral) = (l.borrower, std::mem::take(&mut l.collateral));
    if let Some(m) = state.core.members.get_mut(&borrower) {
        m.locked = m.locked.saturating_sub(collateral);
    }
}

pub(crate) fn apply(state: &mut State, e: Effect) -> ProofToCheck {
    state.spend_nullifier(&e.nullifier);
    state.core.pool.committed = e.committed;
    if let Some((id, proposal)) = e.proposal {
        state.core.proposals.insert(id, proposal);
        state.core.next_proposal = id + 1;
    }
    if let Some(m) = state.core.members.get_mut(&e.loan.borrower) {
        m.locked = e.locked;
    }
    state.core.loans.insert(e.loan_id, e.loan);
    state.core.next_loan = e.loan_id + 1;
    Some((ProofKind::Policy, e.env))
}
