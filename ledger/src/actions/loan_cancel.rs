//! `CancelLoan`: the borrower withdraws a loan that was never paid out.
//!
//! Without it an approved loan that the officers never disburse would keep the borrower's
//! collateral locked and the pool's liquidity committed for ever. Only the borrower may
//! cancel, and only before the money moves:
//!
//! * `Voting`: the loan's proposal ends as `Withdrawn` (votes already cast are moot) and the
//!   collateral is released;
//! * `Approved`: the pool's commitment for the principal and the collateral are released.
//!
//! The application's nullifier stays spent: cancelling and applying again is a new
//! application, with a new proof in a scope whose nullifier is still free.

use super::loans::end_unpaid;
use super::proposals::finish;
use crate::error::TxError;
use crate::state::{LoanStatus, ProposalStatus, State};
use crate::tx::{Tx, TxBody};

pub(crate) struct Effect {
    loan: u64,
    /// The proposal to end as withdrawn (a loan still in its vote).
    proposal: Option<u64>,
    /// The pool's commitment after releasing an approved loan's principal.
    committed: u64,
}

pub(crate) fn check(state: &State, tx: &Tx) -> Result<Effect, TxError> {
    let TxBody::CancelLoan { loan } = &tx.body else {
        unreachable!("dispatched by actions::check")
    };
    let core = state.core();
    let l = core.loans.get(loan).ok_or(TxError::UnknownLoan(*loan))?;
    if l.borrower != tx.signer {
        return Err(TxError::NotYourLoan(*loan));
    }
    let committed = match l.status {
        LoanStatus::Voting => core.pool.committed,
        // Approval committed the principal (`ApplyLoan` below the auto-approval limit, or
        // the passed vote); disbursement has not consumed it yet.
        LoanStatus::Approved => core.pool.committed.saturating_sub(l.amount),
        other => {
            return Err(TxError::WrongLoanStatus {
                loan: *loan,
                expected: "voting or approved",
                found: other.name(),
            })
        }
    };
    let proposal = match l.status {
        LoanStatus::Voting => l.proposal,
        _ => None,
    };
    Ok(Effect {
        loan: *loan,
        proposal,
        committed,
    })
}

pub(crate) fn apply(state: &mut State, e: Effect) {
    if let Some(id) = e.proposal {
        finish(state, id, ProposalStatus::Withdrawn);
    }
    state.core.pool.committed = e.committed;
    end_unpaid(state, e.loan, LoanStatus::Cancelled);
}
