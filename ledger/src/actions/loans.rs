//! Loans: `ApplyLoan`, with a policy proof of exactly what the ledger expects
//! (`crate::plan`). Loans up to the auto-approval limit are approved at once; larger ones
//! open a proposal voted on by the other members.

use super::ProofToCheck;
use crate::codec::fr_to_bytes;
use crate::error::TxError;
use crate::keys::{Keys, ProofKind};
use crate::state::{overflow, Loan, LoanStatus, Proposal, ProposalStatus, State};
use crate::tx::{Tx, TxBody};
use zkcredit_circuits::Fr;
use zkcredit_verifier::Envelope;

pub(crate) struct Effect {
    nullifier: Fr,
    env: Envelope,
    loan_id: u64,
    loan: Loan,
    committed: u64,
    proposal: Option<(u64, Proposal)>,
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
        overflow(core.next_proposal.checked_add(1))?;
        // The voters: the member tree with the applicant's leaf zeroed.
        let applicant = core
            .members
            .get(&tx.signer)
            .ok_or(TxError::NotAMember)?
            .index;
        let mut voters = state.member_tree().clone();
        voters
            .update(applicant, Fr::from(0u64))
            .map_err(|_| TxError::Overflow)?;
        Some((
            core.next_proposal,
            Proposal {
                loan: loan_id,
                member_root: fr_to_bytes(&voters.root()),
                tree_len: voters.len(),
                excluded: Some(applicant),
                members: (core.members.len() as u64).saturating_sub(1),
                deadline: overflow(time.checked_add(p.vote_period))?,
                yes: 0,
                no: 0,
                status: ProposalStatus::Open,
            },
        ))
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
        },
        committed,
        proposal,
    })
}

pub(crate) fn apply(state: &mut State, e: Effect) -> ProofToCheck {
    state.spend_nullifier(&e.nullifier);
    state.core.pool.committed = e.committed;
    if let Some((id, proposal)) = e.proposal {
        state.core.proposals.insert(id, proposal);
        state.core.next_proposal = id + 1;
    }
    state.core.loans.insert(e.loan_id, e.loan);
    state.core.next_loan = e.loan_id + 1;
    Some((ProofKind::Policy, e.env))
}
