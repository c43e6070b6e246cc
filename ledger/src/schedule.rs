//! Schedule maths: the instalments of a loan, and the largest one (which policies may use as
//! the instalment a borrower must prove they can afford).

use crate::error::TxError;
use crate::state::Instalment;

/// Seconds in the year used for interest (365 days).
pub const YEAR_SECS: u64 = 365 * 86_400;

/// The instalment schedule of a loan disbursed at `start`: equal principal parts (the
/// remainder on the last), interest on the declining balance
/// `balance · rate_bps · period / (10000 · YEAR_SECS)` (rounded down), due every `period`.
///
/// # Errors
/// [`TxError::Overflow`]; [`TxError::TermsRefused`] for a zero term.
pub fn schedule(
    amount: u64,
    term: u64,
    rate_bps: u64,
    start: u64,
    period: u64,
) -> Result<Vec<Instalment>, TxError> {
    if term == 0 {
        return Err(TxError::TermsRefused("term must be at least 1".into()));
    }
    let base = amount / term;
    let rem = amount % term;
    let mut balance = amount;
    let mut out = Vec::with_capacity(usize::try_from(term).map_err(|_| TxError::Overflow)?);
    for i in 0..term {
        let principal = if i + 1 == term { base + rem } else { base };
        let interest = u128::from(balance) * u128::from(rate_bps) * u128::from(period)
            / (10_000 * u128::from(YEAR_SECS));
        let interest = u64::try_from(interest).map_err(|_| TxError::Overflow)?;
        let due = (i + 1)
            .checked_mul(period)
            .and_then(|d| d.checked_add(start))
            .ok_or(TxError::Overflow)?;
        out.push(Instalment {
            due,
            principal,
            interest,
            late_fee: 0,
            paid_at: None,
        });
        balance -= principal;
    }
    Ok(out)
}

/// The largest `principal + interest` of the schedule of `amount` over `term` instalments
/// at `rate_bps`: the instalment an affordability clause is checked against.
///
/// # Errors
/// As [`schedule`].
pub fn largest_instalment(
    amount: u64,
    term: u64,
    rate_bps: u64,
    period: u64,
) -> Result<u64, TxError> {
    schedule(amount, term, rate_bps, 0, period)?
        .iter()
        .map(|i| i.principal.checked_add(i.interest).ok_or(TxError::Overflow))
        .try_fold(0u64, |m, x| x.map(|x| m.max(x)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_instalment_is_the_first_with_interest_or_the_remainder() {
        // 1200 over 12 at 12 %/year, 30-day periods: 100 principal each, first interest 11.
        let period = 30 * 86_400;
        let s = schedule(1_200, 12, 1_200, 0, period).unwrap();
        assert_eq!(s[0].principal, 100);
        assert_eq!(s[0].interest, 11);
        assert_eq!(largest_instalment(1_200, 12, 1_200, period).unwrap(), 111);
        // No interest: the last instalment carries the remainder.
        assert_eq!(largest_instalment(1_000, 3, 0, period).unwrap(), 334);
        assert!(largest_instalment(1_000, 0, 0, period).is_err());
    }
}
