//! Servicing: `Repay` (the borrower pays the next instalment), `MarkLate` (the late fee) and
//! `Default` (a write-off after the grace period, loss from the reserve first). A late mark
//! and a write-off revoke the borrower's history credentials: the record changed.

use crate::error::TxError;
use crate::pool::Pool;
use crate::state::{overflow, History, LoanStatus, State};
use crate::tx::{Account, Tx, TxBody};

pub(crate) enum Effect {
    Repay {
        loan: u64,
        borrower: Account,
        pool: Pool,
        history: History,
        last: bool,
        time: u64,
    },
    MarkLate {
        loan: u64,
        borrower: Account,
        fee: u64,
    },
    WriteOff {
        loan: u64,
        borrower: Account,
        pool: Pool,
        cuts: Vec<u64>,
    },
}

pub(crate) fn check(state: &State, tx: &Tx, time: u64) -> Result<Effect, TxError> {
    let p = state.params();
    match &tx.body {
        TxBody::Repay { loan, amount } => {
            let l = state.loan_in(*loan, LoanStatus::Active)?;
            if l.borrower != tx.signer {
                return Err(TxError::NotYourLoan(*loan));
            }
            let inst = &l.schedule[l.next as usize];
            let due = overflow(inst.total())?;
            if *amount != due {
                return Err(TxError::WrongAmount { due, paid: *amount });
            }
            let on_time = time <= inst.due && inst.late_fee == 0;
            let pool = state.pool().repay(
                inst.principal,
                inst.interest,
                inst.late_fee,
                p.interest_reserve_bps,
            )?;
            let last = l.next + 1 == l.term;
            let m = state.member(&tx.signer).ok_or(TxError::NotAMember)?;
            let mut h = m.history.clone();
            if on_time {
                h.on_time = overflow(h.on_time.checked_add(1))?;
            } else {
                h.late = overflow(h.late.checked_add(1))?;
            }
            if last {
                h.loans_repaid = overflow(h.loans_repaid.checked_add(1))?;
                h.principal_repaid = overflow(h.principal_repaid.checked_add(l.amount))?;
                h.open_loans = h.open_loans.saturating_sub(1);
            }
            Ok(Effect::Repay {
                loan: *loan,
                borrower: tx.signer,
                pool,
                history: h,
                last,
                time,
            })
        }
        TxBody::MarkLate { loan } => {
            let l = state.loan_in(*loan, LoanStatus::Active)?;
            state.authorize(tx, Some(0))?;
            let inst = &l.schedule[l.next as usize];
            if inst.late_fee > 0 {
                return Err(TxError::LateFeeCharged);
            }
            let limit = overflow(inst.due.checked_add(p.late_grace))?;
            if time <= limit {
                return Err(TxError::NotOverdue { from: limit + 1 });
            }
            let base = overflow(inst.principal.checked_add(inst.interest))?;
            let fee = ((u128::from(base) * u128::from(p.late_fee_bps) / 10_000) as u64).max(1);
            Ok(Effect::MarkLate {
                loan: *loan,
                borrower: l.borrower,
                fee,
            })
        }
        TxBody::Default { loan } => {
            let l = state.loan_in(*loan, LoanStatus::Active)?;
            let inst = &l.schedule[l.next as usize];
            let limit = overflow(inst.due.checked_add(p.default_grace))?;
            if time <= limit {
                return Err(TxError::NotOverdue { from: limit + 1 });
            }
            let loss = l.remaining_principal();
            state.authorize(tx, Some(loss))?;
            let (pool, cuts) = state.pool().write_off(loss, &state.capitals())?;
            Ok(Effect::WriteOff {
                loan: *loan,
                borrower: l.borrower,
                pool,
                cuts,
            })
        }
        _ => unreachable!("dispatched by actions::check"),
    }
}

pub(crate) fn apply(state: &mut State, effect: Effect) {
    match effect {
        Effect::Repay {
            loan,
            borrower,
            pool,
            history,
            last,
            time,
        } => {
            state.core.pool = pool;
            if let Some(m) = state.core.members.get_mut(&borrower) {
                m.history = history;
            }
            if let Some(l) = state.core.loans.get_mut(&loan) {
                let next = l.next as usize;
                l.schedule[next].paid_at = Some(time);
                l.next += 1;
                if last {
                    l.status = LoanStatus::Repaid;
                }
            }
        }
        Effect::MarkLate {
            loan,
            borrower,
            fee,
        } => {
            if let Some(l) = state.core.loans.get_mut(&loan) {
                let next = l.next as usize;
                l.schedule[next].late_fee = fee;
            }
            // The borrower's history credentials no longer tell the truth.
            state.revoke_history(&borrower);
        }
        Effect::WriteOff {
            loan,
            borrower,
            pool,
            cuts,
        } => {
            state.core.pool = pool;
            state.apply_capital_changes(&cuts, false);
            if let Some(m) = state.core.members.get_mut(&borrower) {
                m.history.defaults = m.history.defaults.saturating_add(1);
                m.history.open_loans = m.history.open_loans.saturating_sub(1);
            }
            if let Some(l) = state.core.loans.get_mut(&loan) {
                l.status = LoanStatus::Defaulted;
            }
            // A default reaches the record at once: no older history proves again.
            state.revoke_history(&borrower);
        }
    }
}
