//! Pool accounting in integer minor units with checked arithmetic.
//!
//! The balance sheet always balances:
//!
//! ```text
//! cash + outstanding = total_capital + reserve + undistributed
//! cash = inflow - outflow
//! ```
//!
//! Each operation returns a new [`Pool`] (or an error) and never half-updates one.

use crate::error::TxError;
use serde::{Deserialize, Serialize};

/// The pool's books.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pool {
    /// Money held.
    pub cash: u64,
    /// Principal lent out and not yet repaid or written off.
    pub outstanding: u64,
    /// Loss reserve (equity not owned by any member).
    pub reserve: u64,
    /// Profit earned and not yet distributed.
    pub undistributed: u64,
    /// Sum of members' capital.
    pub total_capital: u64,
    /// Principal of approved loans not yet disbursed.
    pub committed: u64,
    /// All money ever received (deposits, repayments).
    pub inflow: u64,
    /// All money ever paid out (withdrawals, disbursements).
    pub outflow: u64,
    /// Interest received.
    pub interest_income: u64,
    /// Late fees received.
    pub fee_income: u64,
    /// Principal written off.
    pub losses: u64,
    /// Part of the losses borne by members' capital (the borrower's collateral included).
    pub capital_losses: u64,
    /// Paid out by passed `Spend` proposals.
    pub spent: u64,
}

fn add(a: u64, b: u64) -> Result<u64, TxError> {
    a.checked_add(b).ok_or(TxError::Overflow)
}

fn sub(a: u64, b: u64) -> Result<u64, TxError> {
    a.checked_sub(b).ok_or(TxError::Overflow)
}

/// Splits `total` over `weights` pro rata: `floor(total · w_i / Σw)` each, then the units
/// left over one each to the earliest weights (in the given order) with room. Sums exactly to
/// `total` and, when `total ≤ Σw`, gives no entry more than its weight.
///
/// # Errors
/// [`TxError::NoCapital`] when every weight is 0 and `total > 0`.
pub fn pro_rata(total: u64, weights: &[u64]) -> Result<Vec<u64>, TxError> {
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if total == 0 {
        return Ok(vec![0; weights.len()]);
    }
    if sum == 0 {
        return Err(TxError::NoCapital);
    }
    let mut out: Vec<u64> = weights
        .iter()
        .map(|&w| (u128::from(total) * u128::from(w) / sum) as u64)
        .collect();
    let mut left = total - out.iter().sum::<u64>();
    for (o, &w) in out.iter_mut().zip(weights) {
        if left == 0 {
            break;
        }
        if w > 0 && (*o < w || u128::from(total) > sum) {
            *o += 1;
            left -= 1;
        }
    }
    debug_assert_eq!(left, 0);
    Ok(out)
}

/// [`pro_rata`] over wide weights (capital × seconds): every weight is shifted right by the
/// same number of bits, just enough for their sum to fit in 64 bits, then split exactly. The
/// shares stay proportional up to that rounding; the sum is still exactly `total`.
///
/// # Errors
/// [`TxError::NoCapital`] when every (shifted) weight is 0 and `total > 0`.
pub fn pro_rata_wide(total: u64, weights: &[u128]) -> Result<Vec<u64>, TxError> {
    let max = weights.iter().copied().max().unwrap_or(0);
    let max_bits = 128 - max.leading_zeros();
    let n_bits = 64 - (weights.len() as u64).leading_zeros();
    let shift = (max_bits + n_bits).saturating_sub(64);
    let narrow: Vec<u64> = weights.iter().map(|w| (w >> shift) as u64).collect();
    pro_rata(total, &narrow)
}

impl Pool {
    /// Money that is not spoken for: `cash − committed − reserve − undistributed` (0 if
    /// negative). Members may withdraw only this.
    pub fn free_liquidity(&self) -> u64 {
        self.cash
            .saturating_sub(self.committed)
            .saturating_sub(self.reserve)
            .saturating_sub(self.undistributed)
    }

    /// Whether the balance-sheet identities hold.
    pub fn balanced(&self) -> bool {
        let lhs = u128::from(self.cash) + u128::from(self.outstanding);
        let rhs = u128::from(self.total_capital)
            + u128::from(self.reserve)
            + u128::from(self.undistributed);
        lhs == rhs && u128::from(self.cash) + u128::from(self.outflow) == u128::from(self.inflow)
    }

    pub(crate) fn deposit(&self, amount: u64) -> Result<Self, TxError> {
        Ok(Self {
            cash: add(self.cash, amount)?,
            total_capital: add(self.total_capital, amount)?,
            inflow: add(self.inflow, amount)?,
            ..self.clone()
        })
    }

    pub(crate) fn withdraw(&self, amount: u64) -> Result<Self, TxError> {
        let free = self.free_liquidity();
        if amount > free {
            return Err(TxError::InsufficientLiquidity {
                free,
                requested: amount,
            });
        }
        Ok(Self {
            cash: sub(self.cash, amount)?,
            total_capital: sub(self.total_capital, amount)?,
            outflow: add(self.outflow, amount)?,
            ..self.clone()
        })
    }

    /// Pays out an approved (committed) loan; the reserve and undistributed profit stay in
    /// cash.
    pub(crate) fn disburse(&self, amount: u64) -> Result<Self, TxError> {
        let free = self
            .cash
            .saturating_sub(self.reserve)
            .saturating_sub(self.undistributed);
        if amount > free {
            return Err(TxError::InsufficientLiquidity {
                free,
                requested: amount,
            });
        }
        Ok(Self {
            cash: sub(self.cash, amount)?,
            outstanding: add(self.outstanding, amount)?,
            committed: self.committed.saturating_sub(amount),
            outflow: add(self.outflow, amount)?,
            ..self.clone()
        })
    }

    /// An instalment paid: principal back, `interest · reserve_bps / 10000` of the interest
    /// into the reserve, the rest of the interest and the late fee into undistributed profit.
    pub(crate) fn repay(
        &self,
        principal: u64,
        interest: u64,
        fee: u64,
        reserve_bps: u32,
    ) -> Result<Self, TxError> {
        let to_reserve = (u128::from(interest) * u128::from(reserve_bps) / 10_000) as u64;
        let to_profit = add(interest - to_reserve, fee)?;
        let paid = add(add(principal, interest)?, fee)?;
        Ok(Self {
            cash: add(self.cash, paid)?,
            outstanding: sub(self.outstanding, principal)?,
            reserve: add(self.reserve, to_reserve)?,
            undistributed: add(self.undistributed, to_profit)?,
            inflow: add(self.inflow, paid)?,
            interest_income: add(self.interest_income, interest)?,
            fee_income: add(self.fee_income, fee)?,
            ..self.clone()
        })
    }

    /// Writes off `loss` of principal: `collateral` (≤ `loss`) from the borrower's locked
    /// capital first, then the reserve, then undistributed profit, then members' capital pro
    /// rata (`capitals` in member order, after the collateral was taken). Returns the new books
    /// and each member's capital cut.
    pub(crate) fn write_off(
        &self,
        loss: u64,
        collateral: u64,
        capitals: &[u64],
    ) -> Result<(Self, Vec<u64>), TxError> {
        let rest = sub(loss, collateral)?;
        let from_reserve = rest.min(self.reserve);
        let rest = rest - from_reserve;
        let from_profit = rest.min(self.undistributed);
        let from_capital = rest - from_profit;
        let cuts = pro_rata(from_capital, capitals)?;
        let capital_loss = add(collateral, from_capital)?;
        Ok((
            Self {
                outstanding: sub(self.outstanding, loss)?,
                reserve: self.reserve - from_reserve,
                undistributed: self.undistributed - from_profit,
                total_capital: sub(self.total_capital, capital_loss)?,
                losses: add(self.losses, loss)?,
                capital_losses: add(self.capital_losses, capital_loss)?,
                ..self.clone()
            },
            cuts,
        ))
    }

    /// Pays `amount` out (a passed `Spend`): from undistributed profit first, then the
    /// reserve; never from members' capital.
    pub(crate) fn spend(&self, amount: u64) -> Result<Self, TxError> {
        let available = add(self.undistributed, self.reserve)?;
        if amount > available {
            return Err(TxError::InsufficientProfit {
                available,
                requested: amount,
            });
        }
        if amount > self.cash.saturating_sub(self.committed) {
            return Err(TxError::InsufficientLiquidity {
                free: self.cash.saturating_sub(self.committed),
                requested: amount,
            });
        }
        let from_profit = amount.min(self.undistributed);
        let from_reserve = amount - from_profit;
        Ok(Self {
            cash: sub(self.cash, amount)?,
            undistributed: self.undistributed - from_profit,
            reserve: sub(self.reserve, from_reserve)?,
            outflow: add(self.outflow, amount)?,
            spent: add(self.spent, amount)?,
            ..self.clone()
        })
    }

    /// Distributes `amount` of undistributed profit: `amount · keep_bps / 10000` into the
    /// reserve (reinvested), the rest credited to members' capital pro rata to `weights`
    /// (capital × seconds held since the last distribution, in member order).
    pub(crate) fn distribute(
        &self,
        amount: u64,
        keep_bps: u32,
        weights: &[u128],
    ) -> Result<(Self, Vec<u64>), TxError> {
        if amount > self.undistributed {
            return Err(TxError::InsufficientProfit {
                available: self.undistributed,
                requested: amount,
            });
        }
        let keep = (u128::from(amount) * u128::from(keep_bps) / 10_000) as u64;
        let pay = amount - keep;
        let credits = pro_rata_wide(pay, weights)?;
        Ok((
            Self {
                undistributed: self.undistributed - amount,
                reserve: add(self.reserve, keep)?,
                total_capital: add(self.total_capital, pay)?,
                ..self.clone()
            },
            credits,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Deposit(usize, u64),
        Withdraw(usize, u64),
        Lend(u64),
        Repay(u64, u64, u64),
        Default(u64, usize, u64),
        Distribute(u64, [u64; 4]),
        Spend(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0usize..4, 1u64..1_000_000).prop_map(|(m, a)| Op::Deposit(m, a)),
            (0usize..4, 1u64..1_000_000).prop_map(|(m, a)| Op::Withdraw(m, a)),
            (1u64..500_000).prop_map(Op::Lend),
            (1u64..200_000, 0u64..20_000, 0u64..2_000).prop_map(|(p, i, f)| Op::Repay(p, i, f)),
            (1u64..500_000, 0usize..4, 0u64..200_000).prop_map(|(l, m, c)| Op::Default(l, m, c)),
            (1u64..50_000, proptest::array::uniform4(0u64..1_000_000))
                .prop_map(|(a, s)| Op::Distribute(a, s)),
            (1u64..50_000).prop_map(Op::Spend),
        ]
    }

    proptest! {
        /// Money is conserved across any sequence of deposits, withdrawals, loans,
        /// repayments, defaults and distributions: the books balance, members' capital sums
        /// to the total, and a refused operation changes nothing.
        #[test]
        fn books_always_balance(ops in proptest::collection::vec(op(), 1..60), bps in 0u32..=10_000) {
            let mut pool = Pool::default();
            let mut caps = [0u64; 4];
            for op in ops {
                let before = pool.clone();
                let r: Result<(), TxError> = (|| {
                    match op {
                        Op::Deposit(m, a) => { pool = pool.deposit(a)?; caps[m] += a; }
                        Op::Withdraw(m, a) => {
                            if a > caps[m] { return Err(TxError::Overflow); }
                            pool = pool.withdraw(a)?; caps[m] -= a;
                        }
                        Op::Lend(a) => {
                            let mut p = pool.clone();
                            p.committed = p.committed.checked_add(a).ok_or(TxError::Overflow)?;
                            pool = p.disburse(a)?;
                        }
                        Op::Repay(p, i, f) => {
                            if p > pool.outstanding { return Err(TxError::Overflow); }
                            pool = pool.repay(p, i, f, bps)?;
                        }
                        Op::Default(l, m, c) => {
                            // The borrower's locked capital first, as servicing takes it.
                            let loss = l.min(pool.outstanding);
                            let collateral = c.min(loss).min(caps[m]);
                            let mut after = caps;
                            after[m] -= collateral;
                            let (p, cuts) = pool.write_off(loss, collateral, &after)?;
                            for (c, d) in after.iter_mut().zip(cuts) { *c -= d; }
                            caps = after;
                            pool = p;
                        }
                        Op::Distribute(a, secs) => {
                            let w: Vec<u128> = caps.iter().zip(secs).map(|(&c, s)| u128::from(c) * u128::from(s)).collect();
                            let (p, credits) = pool.distribute(a, bps, &w)?;
                            for (c, d) in caps.iter_mut().zip(credits) { *c += d; }
                            pool = p;
                        }
                        Op::Spend(a) => { pool = pool.spend(a)?; }
                    }
                    Ok(())
                })();
                if r.is_err() {
                    prop_assert_eq!(&pool, &before);
                }
                prop_assert!(pool.balanced(), "{:?}", pool);
                prop_assert_eq!(caps.iter().sum::<u64>(), pool.total_capital);
            }
        }

        #[test]
        fn pro_rata_wide_is_exact(total in 0u64..u64::MAX, w in proptest::collection::vec(0u128..u128::MAX / 256, 1..20)) {
            if let Ok(v) = pro_rata_wide(total, &w) {
                prop_assert_eq!(v.iter().map(|&x| u128::from(x)).sum::<u128>(), u128::from(total));
            }
        }

        #[test]
        fn pro_rata_is_exact(total in 0u64..1_000_000, w in proptest::collection::vec(0u64..1_000_000, 1..20)) {
            match pro_rata(total, &w) {
                Ok(v) => {
                    prop_assert_eq!(v.iter().sum::<u64>(), total);
                    if u128::from(total) <= w.iter().map(|&x| u128::from(x)).sum::<u128>() {
                        for (a, b) in v.iter().zip(&w) { prop_assert!(a <= b); }
                    }
                }
                Err(_) => prop_assert!(w.iter().all(|&x| x == 0) && total > 0),
            }
        }
    }
}
