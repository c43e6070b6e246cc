//! The co-op's transactions, one module per action family, in the manner of Penumbra's
//! action handlers:
//!
//! | family | file | transactions |
//! |---|---|---|
//! | membership | `membership.rs` | `Join`, `Deposit`, `Withdraw` |
//! | issuers and credentials | `credentials.rs` | `RegisterIssuer`, `Attest`, `Revoke`, `ClaimHistory` |
//! | loans | `loans.rs`, `loan_cancel.rs` | `ApplyLoan`, `CancelLoan` |
//! | servicing | `servicing.rs` | `Repay`; late fees and write-offs run automatically at the start of every block |
//! | governance | `governance.rs` | `Propose`, `Vote`, `Release`; bootstrap `SetPolicy`, `SetAdmission` |
//! | proposals | `proposals.rs` | none: proposals close and execute themselves at the start of every block |
//! | treasury | `treasury.rs` | `Disburse` |
//!
//! Each family has a **check** step, `check(&State, …) -> Result<Effect, TxError>`, that
//! reads the state, runs every rule and computes every new value (checked arithmetic
//! included), and an **apply** step, `apply(&mut State, Effect)`, that only writes what the
//! check computed. The compiler keeps checking apart from mutation: a check cannot change the
//! state, so a rejected transaction leaves it untouched.

mod credentials;
mod governance;
mod loan_cancel;
mod loans;
mod membership;
mod proposals;
mod servicing;
mod treasury;

use crate::error::TxError;
use crate::keys::{Keys, ProofKind};
use crate::state::State;
use crate::tx::{Tx, TxBody};
use zkcredit_verifier::Envelope;

/// A proof a transaction carries, waiting for the block's batch check.
pub(crate) type ProofToCheck = Option<(ProofKind, Envelope)>;

/// What a checked transaction will write.
pub(crate) enum Effect {
    Membership(membership::Effect),
    Credentials(credentials::Effect),
    Loans(Box<loans::Effect>),
    LoanCancel(loan_cancel::Effect),
    Servicing(servicing::Effect),
    Governance(governance::Effect),
    Treasury(treasury::Effect),
}

/// Runs every rule of `tx`'s body at block time `time` (the signature and nonce are the
/// caller's) and returns what it will write.
///
/// # Errors
/// The first rule that fails.
pub(crate) fn check(state: &State, tx: &Tx, time: u64, keys: &Keys) -> Result<Effect, TxError> {
    Ok(match &tx.body {
        TxBody::Join { .. } | TxBody::Deposit { .. } | TxBody::Withdraw { .. } => {
            Effect::Membership(membership::check(state, tx, time, keys)?)
        }
        TxBody::RegisterIssuer { .. }
        | TxBody::Attest { .. }
        | TxBody::Revoke { .. }
        | TxBody::ClaimHistory { .. } => Effect::Credentials(credentials::check(state, tx, time)?),
        TxBody::ApplyLoan { .. } => Effect::Loans(Box::new(loans::check(state, tx, time, keys)?)),
        TxBody::CancelLoan { .. } => Effect::LoanCancel(loan_cancel::check(state, tx)?),
        TxBody::Repay { .. } => Effect::Servicing(servicing::check(state, tx, time)?),
        TxBody::SetPolicy { .. }
        | TxBody::SetAdmission { .. }
        | TxBody::Propose { .. }
        | TxBody::Vote { .. }
        | TxBody::Release { .. } => Effect::Governance(governance::check(state, tx, time, keys)?),
        TxBody::Disburse { .. } => Effect::Treasury(treasury::check(state, tx, time)?),
    })
}

pub(crate) use governance::new_proposal;
pub(crate) use proposals::close_due_proposals;
pub(crate) use servicing::service_due_loans;

/// Whether [`begin_block`] at `time` would change anything: a loan to service or a vote to
/// close. A producer that makes no empty blocks still makes one when this holds, so that
/// late fees, write-offs and decided proposals do not wait for the next transaction.
pub(crate) fn block_work_due(state: &State, time: u64) -> bool {
    servicing::servicing_due(state, time)
        || state.core.proposals.values().any(|p| p.due_to_close(time))
}

/// What every block does before its transactions, by block time: automatic servicing, then
/// closing the proposals whose vote has ended.
pub(crate) fn begin_block(state: &mut State, time: u64) {
    service_due_loans(state, time);
    close_due_proposals(state, time);
}

/// Writes a checked effect. Cannot fail.
pub(crate) fn apply(state: &mut State, effect: Effect) -> ProofToCheck {
    match effect {
        Effect::Membership(e) => membership::apply(state, e),
        Effect::Credentials(e) => {
            credentials::apply(state, e);
            None
        }
        Effect::Loans(e) => loans::apply(state, *e),
        Effect::LoanCancel(e) => {
            loan_cancel::apply(state, e);
            None
        }
        Effect::Servicing(e) => {
            servicing::apply(state, e);
            None
        }
        Effect::Governance(e) => governance::apply(state, e),
        Effect::Treasury(e) => {
            treasury::apply(state, e);
            None
        }
    }
}
