//! The demo's story after the loans: disbursement, instalments with automatic late fees and
//! a write-off, profit distribution, and a history credential proved for a second loan.

use super::coop::{money, Coop, Person};
use super::setup::{history_policy, DAY};
use super::story::{Cast, Loans};
use anyhow::{anyhow, bail, ensure, Result};
use zkcredit_circuits::credential::Credential;
use zkcredit_ledger::{LoanStatus, ProposalAction, TxBody, TxError};

/// [8]–[10] Disbursement, a year of instalments, Eli's automatic write-off.
pub fn service(coop: &mut Coop, cast: &Cast, loans: &Loans) -> Result<()> {
    let Cast { ben, dev, eli, .. } = cast;
    let (ben_loan, eli_loan, dev_loan) = (loans.ben, loans.eli, loans.dev);
    println!("\n[8] Disbursement (Dev's loan is above the treasury limit: two officers sign)");
    let t8 = coop.at_next(3_600);
    let txs = vec![
        coop.officer_tx(TxBody::Disburse { loan: ben_loan }, false),
        coop.officer_tx_ahead(1, TxBody::Disburse { loan: eli_loan }, None),
        coop.officer_tx_ahead(2, TxBody::Disburse { loan: dev_loan }, Some(2)),
    ];
    coop.block(t8, txs)?;
    coop.pool_line();

    println!(
        "\n[9] Instalments: Ben repays on time, Dev pays monthly, Eli stops after five of six"
    );
    println!("      (every block services loans itself: late fees and write-offs need no officer)");
    let period = coop.ledger().state().params().period_secs;
    let mut eli_late_shown = false;
    let mut eli_default: Option<(zkcredit_ledger::Pool, zkcredit_ledger::Pool, u64)> = None;
    for month in 1..=12u64 {
        let when = t8 + month * period - DAY;
        let mut line = format!("      month {month:>2}:");
        let eli_remaining = coop
            .ledger()
            .state()
            .loan(eli_loan)
            .map_or(0, |l| l.remaining_principal());
        let mut seen = None;
        if month <= 3 {
            let (a, s) = coop.repay_watching(ben, ben_loan, when, eli_loan)?;
            seen = seen.or(s);
            line.push_str(&format!(" Ben pays {},", money(a)));
        }
        let (b, s) = coop.repay_watching(dev, dev_loan, when + 60, eli_loan)?;
        seen = seen.or(s);
        line.push_str(&format!(" Dev pays {}", money(b)));
        if month <= 5 {
            let c = coop.repay_next(eli, eli_loan, when + 120)?;
            line.push_str(&format!(", Eli pays {}", money(c)));
        }
        println!("{line}");
        let eli_l = coop
            .ledger()
            .state()
            .loan(eli_loan)
            .cloned()
            .ok_or_else(|| anyhow!("loan"))?;
        let fee = eli_l
            .schedule
            .get(eli_l.next as usize)
            .map_or(0, |i| i.late_fee);
        if fee > 0 && !eli_late_shown {
            eli_late_shown = true;
            println!(
                "               Eli's instalment is {} days overdue: the block charged a late fee of {}",
                coop.ledger().state().params().late_grace / DAY,
                money(fee)
            );
        }
        if let Some((before, after)) = seen {
            println!(
                "               {} days past due: the block wrote Eli's loan off ({} of principal)",
                coop.ledger().state().params().default_grace / DAY,
                money(eli_remaining)
            );
            eli_default = Some((before, after, eli_remaining));
        }
    }
    ensure!(
        coop.ledger().state().loan(ben_loan).map(|l| l.status) == Some(LoanStatus::Repaid),
        "Ben's loan is not repaid"
    );
    ensure!(
        coop.ledger().state().loan(dev_loan).map(|l| l.status) == Some(LoanStatus::Repaid),
        "Dev's loan is not repaid"
    );
    println!("      Ben's and Dev's loans are repaid in full");

    println!(
        "\n[10] Eli's default: the loss is taken from his locked capital first, then the reserve"
    );
    let (before, after, loss) =
        eli_default.ok_or_else(|| anyhow!("Eli's loan was not written off automatically"))?;
    // The block also took a repayment, so compare the loss counters, not the balances.
    let from_capital = after.capital_losses - before.capital_losses;
    let from_reserve = (loss - from_capital).min(before.reserve);
    println!(
        "      written off {}: {} from Eli's collateral, {} from the reserve, {} from undistributed profit",
        money(loss),
        money(from_capital),
        money(from_reserve),
        money(loss - from_reserve - from_capital),
    );
    ensure!(
        after.losses - before.losses == loss,
        "the loss was not booked"
    );
    let collateral_cap =
        120_000 * u64::from(coop.ledger().state().params().collateral_bps) / 10_000;
    ensure!(
        from_capital > 0 && from_capital <= collateral_cap && from_reserve == loss - from_capital,
        "Eli's collateral and then the reserve did not absorb the loss"
    );
    ensure!(
        coop.ledger()
            .state()
            .member(&eli.account())
            .map(|m| m.locked)
            == Some(0),
        "collateral stayed locked after the write-off"
    );
    ensure!(
        coop.ledger().state().pool().balanced(),
        "the books do not balance after the default"
    );
    coop.pool_line();

    Ok(())
}

/// [11] Profits distributed pro rata.
pub fn distribute(coop: &mut Coop, cast: &Cast) -> Result<()> {
    let Cast {
        ana,
        ben,
        chloe,
        dev,
        eli,
        ..
    } = cast;
    println!("\n[11] Members vote to distribute profits, pro rata to capital × time held");
    // Officers alone can no longer decide it (nor policies, admission, issuers).
    let lone = coop.officer_tx(
        TxBody::SetPolicy {
            policy_id: 9,
            rules: history_policy(),
        },
        true,
    );
    let mut probe = coop.ledger().state().clone();
    match probe.execute(&lone, coop.time + 60, coop.ledger().keys()) {
        Err(e @ TxError::GovernedByMembers) => {
            println!("      two officers changing a policy: refused ({e})")
        }
        other => bail!("an officers' policy change was not refused: {other:?}"),
    }
    let undist = coop.ledger().state().pool().undistributed;
    ensure!(undist > 0, "no profit to distribute");
    let caps_before: Vec<u64> = [&ana, &ben, &chloe, &dev, &eli]
        .iter()
        .map(|p| {
            coop.ledger()
                .state()
                .member(&p.account())
                .map_or(0, |m| m.capital)
        })
        .collect();
    coop.pass(
        ana,
        ProposalAction::Distribute { amount: undist },
        &[ana, ben, chloe],
    )?;
    for (p, before) in [&ana, &ben, &chloe, &dev, &eli].iter().zip(caps_before) {
        let now = coop
            .ledger()
            .state()
            .member(&p.account())
            .map_or(0, |m| m.capital);
        println!(
            "      {:<6} capital {:>10} (+{})",
            p.name,
            money(now),
            money(now - before)
        );
    }
    coop.pool_line();
    ensure!(
        coop.ledger().state().pool().balanced(),
        "the books do not balance"
    );

    Ok(())
}

/// [12] Ben claims his history credential and proves it for a second loan; returns it.
pub fn history(coop: &mut Coop, cast: &Cast) -> Result<Credential> {
    let ben: &Person = &cast.ben;
    println!(
        "\n[12] Ben has the co-op attest his repayment history, and proves it for a second loan"
    );
    let history_rules = history_policy();
    let t12 = coop.at_next(DAY);
    // Planned, built and signed by the client crate: the attributes are the ledger's record.
    coop.session.chain.set_time(Some(t12));
    let (claim, history) = coop.session.claim_history(&ben.m, 180 * DAY)?;
    let attrs = history.attrs;
    coop.block(t12, vec![claim])?;
    coop.pass(
        ben,
        ProposalAction::SetPolicy {
            policy_id: 2,
            rules: history_rules.clone(),
        },
        &[&cast.ana, ben, &cast.dev],
    )?;
    println!(
        "      coop-history-v1: loans_repaid {}, principal_repaid {}, on_time {}, late {}, defaults {}",
        attrs[0],
        money(attrs[1]),
        attrs[2],
        attrs[3],
        attrs[4]
    );
    let t12b = coop.at_next(60);
    let body = coop
        .apply(ben, &history, 2, 250_000, 6, t12b)?
        .map_err(|e| anyhow!("Ben's history proof was refused: {e}"))?;
    let tx = coop.tx(&ben.m.key, body);
    coop.block(t12b, vec![tx])?;
    let second = coop.ledger().state().core().next_loan - 1;
    ensure!(
        coop.ledger().state().loan(second).map(|l| l.status) == Some(LoanStatus::Approved),
        "Ben's second loan was not approved"
    );
    println!(
        "      loan {second}: {} approved at 9 % on the co-op's own attestation",
        money(250_000)
    );

    Ok(history)
}
