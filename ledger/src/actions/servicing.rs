//! Servicing: `Repay` (the borrower pays the next instalment), and the automatic servicing
//! every block runs first, by block time, with no officer: an instalment past its due date
//! and `late_grace` takes the late fee; a loan whose oldest unpaid instalment is past
//! `default_grace` is written off: the loss is taken from the borrower's locked capital first,
//! then the reserve, then undistributed profit, then members' capital pro rata. Repayment
//! releases collateral in proportion to the principal repaid. Late marks and write-offs revoke the borrower's
//! history credentials: the record changed. Replay reproduces it, since it depends only on
//! the state and the block time.

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
        /// The loan's collateral after this instalment, and the borrower's locked capital.
        collateral: u64,
        locked: u64,
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
        /// The borrower's capital after the collateral was taken, and locked capital after the release.
        capital: u64,
        locked: u64,
        /// Then each member's pro-rata cut (member order).
        cuts: Vec<u64>,
        time: u64,
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
            // Collateral follows the principal still owed, rounded up.
            let before = l.remaining_principal();
            let after = before.saturating_sub(inst.principal);
            let collateral = if before == 0 {
                0
            } else {
                (u128::from(l.collateral) * u128::from(after)).div_ceil(u128::from(before)) as u64
            };
            let locked = m.locked.saturating_sub(l.collateral - collateral);
            Ok(Effect::Repay {
                loan: *loan,
                borrower: tx.signer,
                pool,
                history: h,
                last,
                time,
                collateral,
                locked,
            })
        }
        _ => unreachable!("dispatched by actions::check"),
    }
}

/// What automatic servicing does to loan `id` at block time `time`, if anything: a write-off
/// past the default grace, else the late fee past the late grace. `None` for a loan that is
/// not active or not overdue (or whose books would overflow, which leaves it for later).
fn due_effect(state: &State, id: u64, time: u64) -> Option<Effect> {
    let p = state.params();
    let l = state.loan_in(id, LoanStatus::Active).ok()?;
    let inst = l.schedule.get(l.next as usize)?;
    if time > inst.due.checked_add(p.default_grace)? {
        let loss = l.remaining_principal();
        let b = state.member(&l.borrower)?;
        let from_collateral = loss.min(l.collateral).min(b.capital);
        let capital = b.capital - from_collateral;
        let locked = b.locked.saturating_sub(l.collateral);
        let capitals: Vec<u64> = state
            .core()
            .members
            .iter()
            .map(|(a, m)| if *a == l.borrower { capital } else { m.capital })
            .collect();
        let (pool, cuts) = state
            .pool()
            .write_off(loss, from_collateral, &capitals)
            .ok()?;
        return Some(Effect::WriteOff {
            loan: id,
            borrower: l.borrower,
            pool,
            capital,
            locked,
            cuts,
            time,
        });
    }
    if inst.late_fee == 0 && time > inst.due.checked_add(p.late_grace)? {
        let base = inst.principal.checked_add(inst.interest)?;
        let fee = ((u128::from(base) * u128::from(p.late_fee_bps) / 10_000) as u64).max(1);
        return Some(Effect::MarkLate {
            loan: id,
            borrower: l.borrower,
            fee,
        });
    }
    None
}

/// Whether automatic servicing would change any loan in a block at `time` (read only).
pub(crate) fn servicing_due(state: &State, time: u64) -> bool {
    state
        .core
        .loans
        .iter()
        .filter(|(_, l)| l.status == LoanStatus::Active)
        .any(|(id, _)| due_effect(state, *id, time).is_some())
}

/// Automatic servicing at the start of a block at `time`: every active loan, in id order.
pub(crate) fn service_due_loans(state: &mut State, time: u64) {
    let active: Vec<u64> = state
        .core
        .loans
        .iter()
        .filter(|(_, l)| l.status == LoanStatus::Active)
        .map(|(id, _)| *id)
        .collect();
    for id in active {
        if let Some(effect) = due_effect(state, id, time) {
            apply(state, effect);
        }
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
            collateral,
            locked,
        } => {
            state.core.pool = pool;
            if let Some(m) = state.core.members.get_mut(&borrower) {
                m.history = history;
                m.locked = locked;
            }
            if let Some(l) = state.core.loans.get_mut(&loan) {
                l.collateral = collateral;
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
            capital,
            locked,
            cuts,
            time,
        } => {
            state.core.pool = pool;
            state.set_capital(&borrower, capital, time);
            state.apply_capital_changes(&cuts, false, time);
            if let Some(m) = state.core.members.get_mut(&borrower) {
                m.locked = locked;
                m.history.defaults = m.history.defaults.saturating_add(1);
                m.history.open_loans = m.history.open_loans.saturating_sub(1);
            }
            if let Some(l) = state.core.loans.get_mut(&loan) {
                l.status = LoanStatus::Defaulted;
                l.collateral = 0;
            }
            // A default reaches the record at once: no older history proves again.
            state.revoke_history(&borrower);
        }
    }
}
