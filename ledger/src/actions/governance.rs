//! Governance: `SetPolicy` and `SetAdmission` (k-of-n officers), anonymous member `Vote`s
//! with membership proofs against a proposal's voters' snapshot, and `CloseProposal`.

use super::ProofToCheck;
use crate::codec::fr_to_bytes;
use crate::error::TxError;
use crate::keys::{envelope, Keys, ProofKind};
use crate::scopes::{vote_scope, vote_signal};
use crate::state::{overflow, LoanStatus, ProposalStatus, State, MAX_TERM};
use crate::tx::{PolicyRules, Tx, TxBody};
use zkcredit_circuits::field::to_decimal;
use zkcredit_circuits::statement::MembershipStatement;
use zkcredit_circuits::Fr;
use zkcredit_verifier::Envelope;

pub(crate) enum Effect {
    SetPolicy {
        id: u64,
        rules: PolicyRules,
    },
    SetAdmission {
        policy: Option<u64>,
    },
    Vote {
        proposal: u64,
        nullifier: Fr,
        env: Box<Envelope>,
        yes: u64,
        no: u64,
        /// The loan approved and the pool's new committed total, when this vote passes it.
        passes: Option<(u64, u64)>,
    },
    Close {
        proposal: u64,
        loan: u64,
    },
}

pub(crate) fn check(state: &State, tx: &Tx, time: u64, keys: &Keys) -> Result<Effect, TxError> {
    let core = state.core();
    let p = state.params();
    match &tx.body {
        TxBody::SetPolicy { policy_id, rules } => {
            state.authorize(tx, None)?;
            rules
                .policy()
                .validate()
                .map_err(|e| TxError::InvalidPolicy(e.to_string()))?;
            if !core.issuers.contains_key(&fr_to_bytes(&rules.issuer)) {
                return Err(TxError::UnknownIssuer);
            }
            if rules.max_term == 0 || rules.max_term > MAX_TERM || rules.max_amount == 0 {
                return Err(TxError::InvalidPolicy(format!(
                    "max_term must be in 1..={MAX_TERM} and max_amount positive"
                )));
            }
            if rules.rate_bps > 100_000 {
                return Err(TxError::InvalidPolicy("rate above 1000 %".into()));
            }
            Ok(Effect::SetPolicy {
                id: *policy_id,
                rules: rules.clone(),
            })
        }
        TxBody::SetAdmission { policy_id } => {
            state.authorize(tx, None)?;
            if let Some(id) = policy_id {
                if !core.policies.contains_key(id) {
                    return Err(TxError::UnknownPolicy(*id));
                }
            }
            Ok(Effect::SetAdmission { policy: *policy_id })
        }
        TxBody::Vote {
            proposal,
            approve,
            proof,
        } => {
            let prop = core
                .proposals
                .get(proposal)
                .ok_or(TxError::UnknownProposal(*proposal))?;
            if prop.status != ProposalStatus::Open || time >= prop.deadline {
                return Err(TxError::ProposalClosed(*proposal));
            }
            let st = MembershipStatement::from_public_inputs(&proof.public_inputs)
                .map_err(|e| TxError::MalformedProof(e.to_string()))?;
            if fr_to_bytes(&st.root) != prop.member_root {
                return Err(TxError::WrongMemberRoot);
            }
            let scope = vote_scope(p, *proposal);
            if st.scope != scope {
                return Err(TxError::WrongScope {
                    expected: to_decimal(&scope),
                });
            }
            if st.signal != vote_signal(*proposal, *approve) {
                return Err(TxError::WrongSignal);
            }
            if state.nullifier_used(&st.nullifier) {
                return Err(TxError::AlreadyVoted);
            }
            let env = envelope(&keys.membership, proof)?;
            let (yes, no) = if *approve {
                (prop.yes + 1, prop.no)
            } else {
                (prop.yes, prop.no + 1)
            };
            let passes = if *approve && yes >= prop.needed(p.quorum_bps) {
                let amount = core
                    .loans
                    .get(&prop.loan)
                    .ok_or(TxError::UnknownLoan(prop.loan))?
                    .amount;
                Some((
                    prop.loan,
                    overflow(core.pool.committed.checked_add(amount))?,
                ))
            } else {
                None
            };
            Ok(Effect::Vote {
                proposal: *proposal,
                nullifier: st.nullifier,
                env: Box::new(env),
                yes,
                no,
                passes,
            })
        }
        TxBody::CloseProposal { proposal } => {
            let prop = core
                .proposals
                .get(proposal)
                .ok_or(TxError::UnknownProposal(*proposal))?;
            if prop.status != ProposalStatus::Open {
                return Err(TxError::ProposalClosed(*proposal));
            }
            if time < prop.deadline {
                return Err(TxError::ProposalOpen {
                    proposal: *proposal,
                    deadline: prop.deadline,
                });
            }
            Ok(Effect::Close {
                proposal: *proposal,
                loan: prop.loan,
            })
        }
        _ => unreachable!("dispatched by actions::check"),
    }
}

pub(crate) fn apply(state: &mut State, effect: Effect) -> ProofToCheck {
    match effect {
        Effect::SetPolicy { id, rules } => {
            state.core.policies.insert(id, rules);
            None
        }
        Effect::SetAdmission { policy } => {
            state.core.admission = policy;
            None
        }
        Effect::Vote {
            proposal,
            nullifier,
            env,
            yes,
            no,
            passes,
        } => {
            state.spend_nullifier(&nullifier);
            if let Some(prop) = state.core.proposals.get_mut(&proposal) {
                prop.yes = yes;
                prop.no = no;
                if passes.is_some() {
                    prop.status = ProposalStatus::Passed;
                }
            }
            if let Some((loan, committed)) = passes {
                state.core.pool.committed = committed;
                if let Some(l) = state.core.loans.get_mut(&loan) {
                    l.status = LoanStatus::Approved;
                }
            }
            Some((ProofKind::Membership, *env))
        }
        Effect::Close { proposal, loan } => {
            if let Some(prop) = state.core.proposals.get_mut(&proposal) {
                prop.status = ProposalStatus::Failed;
            }
            if let Some(l) = state.core.loans.get_mut(&loan) {
                l.status = LoanStatus::Rejected;
            }
            None
        }
    }
}
