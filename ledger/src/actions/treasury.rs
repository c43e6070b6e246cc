//! Treasury: officers `Disburse` an approved loan (starting its schedule); amounts above the
//! treasury limit need k-of-n officer signatures. Distributions and spending are member
//! proposals (`proposals.rs`); a passed spend above the limit is paid by the officers'
//! `Release` (`governance.rs`).

use crate::error::TxError;
use crate::pool::Pool;
use crate::schedule::schedule;
use crate::state::{overflow, Instalment, LoanStatus, State};
use crate::tx::{Account, Tx, TxBody};

pub(crate) enum Effect {
    Disburse {
        loan: u64,
        borrower: Account,
        schedule: Vec<Instalment>,
        pool: Pool,
        open_loans: u64,
    },
}

pub(crate) fn check(state: &State, tx: &Tx, time: u64) -> Result<Effect, TxError> {
    let p = state.params();
    match &tx.body {
        TxBody::Disburse { loan } => {
            let l = state.loan_in(*loan, LoanStatus::Approved)?;
            state.authorize(tx, Some(l.amount))?;
            let schedule = schedule(l.amount, l.term, l.rate_bps, time, p.period_secs)?;
            let pool = state.pool().disburse(l.amount)?;
            let open_loans = overflow(
                state
                    .member(&l.borrower)
                    .map_or(Some(1), |m| m.history.open_loans.checked_add(1)),
            )?;
            Ok(Effect::Disburse {
                loan: *loan,
                borrower: l.borrower,
                schedule,
                pool,
                open_loans,
            })
        }
        _ => unreachable!("dispatched by actions::check"),
    }
}

pub(crate) fn apply(state: &mut State, effect: Effect) {
    match effect {
        Effect::Disburse {
            loan,
            borrower,
            schedule,
            pool,
            open_loans,
        } => {
            state.core.pool = pool;
            if let Some(m) = state.core.members.get_mut(&borrower) {
                m.history.open_loans = open_loans;
            }
            if let Some(l) = state.core.loans.get_mut(&loan) {
                l.schedule = schedule;
                l.status = LoanStatus::Active;
            }
        }
    }
}
