//! Governance: a member's `Propose`, anonymous member `Vote`s with membership proofs against
//! the proposal's voters' snapshot, the officers' k-of-n `Release` of a passed spend above the
//! treasury limit, and the officers' bootstrap `SetPolicy` / `SetAdmission` (accepted only
//! while the co-op has no member). Proposals close by themselves at block start
//! ([`super::proposals`]).

use super::proposals::{reject_loan, validate_action};
use super::ProofToCheck;
use crate::codec::fr_to_bytes;
use crate::error::TxError;
use crate::keys::{envelope, Keys, ProofKind};
use crate::pool::Pool;
use crate::scopes::{vote_scope, vote_signal};
use crate::state::{overflow, Proposal, ProposalStatus, State, MAX_TERM};
use crate::tx::{Account, PolicyRules, ProposalAction, Tx, TxBody};
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
    Propose {
        id: u64,
        proposal: Box<Proposal>,
    },
    Vote {
        proposal: u64,
        nullifier: Fr,
        env: Box<Envelope>,
        yes: u64,
        no: u64,
        /// "No" votes made the proposal unable to pass: it is defeated now.
        defeated: bool,
    },
    Release {
        proposal: u64,
        pool: Pool,
    },
}

/// The rules every policy must follow (bootstrap `SetPolicy` and the proposal alike).
pub(crate) fn validate_rules(state: &State, rules: &PolicyRules) -> Result<(), TxError> {
    rules
        .policy()
        .validate()
        .map_err(|e| TxError::InvalidPolicy(e.to_string()))?;
    if !state
        .core()
        .issuers
        .contains_key(&fr_to_bytes(&rules.issuer))
    {
        return Err(TxError::UnknownIssuer(to_decimal(&rules.issuer)));
    }
    if rules.max_term == 0 || rules.max_term > MAX_TERM || rules.max_amount == 0 {
        return Err(TxError::InvalidPolicy(format!(
            "max_term must be in 1..={MAX_TERM} and max_amount positive"
        )));
    }
    if rules.rate_bps > 100_000 {
        return Err(TxError::InvalidPolicy("rate above 1000 %".into()));
    }
    Ok(())
}

/// Officers act on governance alone only to bootstrap a co-op that has no member yet.
pub(crate) fn authorize_bootstrap(state: &State, tx: &Tx) -> Result<(), TxError> {
    state.authorize(tx, None)?;
    if !state.core().members.is_empty() {
        return Err(TxError::GovernedByMembers);
    }
    Ok(())
}

/// A proposal's voters now: every member, with the member-tree leaf `excluded` zeroed.
pub(crate) fn new_proposal(
    state: &State,
    action: ProposalAction,
    proposer: Account,
    excluded: Option<u64>,
    time: u64,
) -> Result<(u64, Proposal), TxError> {
    let core = state.core();
    let id = core.next_proposal;
    overflow(id.checked_add(1))?;
    let mut voters = state.member_tree().clone();
    if let Some(leaf) = excluded {
        voters
            .update(leaf, Fr::from(0u64))
            .map_err(|_| TxError::Overflow)?;
    }
    let members = (core.members.len() as u64).saturating_sub(u64::from(excluded.is_some()));
    Ok((
        id,
        Proposal {
            action,
            proposer,
            member_root: fr_to_bytes(&voters.root()),
            tree_len: voters.len(),
            excluded,
            members,
            deadline: overflow(time.checked_add(state.params().vote_period))?,
            yes: 0,
            no: 0,
            status: ProposalStatus::Open,
        },
    ))
}

pub(crate) fn check(state: &State, tx: &Tx, time: u64, keys: &Keys) -> Result<Effect, TxError> {
    let core = state.core();
    let p = state.params();
    match &tx.body {
        TxBody::SetPolicy { policy_id, rules } => {
            authorize_bootstrap(state, tx)?;
            validate_rules(state, rules)?;
            Ok(Effect::SetPolicy {
                id: *policy_id,
                rules: rules.clone(),
            })
        }
        TxBody::SetAdmission { policy_id } => {
            authorize_bootstrap(state, tx)?;
            if let Some(id) = policy_id {
                if !core.policies.contains_key(id) {
                    return Err(TxError::UnknownPolicy(*id));
                }
            }
            Ok(Effect::SetAdmission { policy: *policy_id })
        }
        TxBody::Propose { action } => {
            let m = core.members.get(&tx.signer).ok_or(TxError::NotAMember)?;
            if m.open_proposals >= p.max_open_proposals {
                return Err(TxError::TooManyOpenProposals {
                    limit: p.max_open_proposals,
                });
            }
            if matches!(action, ProposalAction::Loan { .. }) {
                return Err(TxError::NotProposable);
            }
            validate_action(state, action)?;
            let (id, proposal) = new_proposal(state, action.clone(), tx.signer, None, time)?;
            Ok(Effect::Propose {
                id,
                proposal: Box::new(proposal),
            })
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
            // One vote per member and proposal: the nullifier is the member's secret hashed
            // with this proposal's scope.
            if state.nullifier_used(&st.nullifier) {
                return Err(TxError::AlreadyVoted);
            }
            let env = envelope(&keys.membership, proof)?;
            let mut tally = prop.clone();
            if *approve {
                tally.yes = overflow(tally.yes.checked_add(1))?;
            } else {
                tally.no = overflow(tally.no.checked_add(1))?;
            }
            let defeated = !*approve && tally.cannot_pass(p.majority_bps);
            Ok(Effect::Vote {
                proposal: *proposal,
                nullifier: st.nullifier,
                env: Box::new(env),
                yes: tally.yes,
                no: tally.no,
                defeated,
            })
        }
        TxBody::Release { proposal } => {
            let prop = core
                .proposals
                .get(proposal)
                .ok_or(TxError::UnknownProposal(*proposal))?;
            let ProposalAction::Spend { amount, .. } = &prop.action else {
                return Err(TxError::NotAwaitingRelease(*proposal));
            };
            if prop.status != ProposalStatus::AwaitingRelease {
                return Err(TxError::NotAwaitingRelease(*proposal));
            }
            state.authorize(tx, Some(*amount))?;
            Ok(Effect::Release {
                proposal: *proposal,
                pool: core.pool.spend(*amount)?,
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
        Effect::Propose { id, proposal } => {
            if let Some(m) = state.core.members.get_mut(&proposal.proposer) {
                m.open_proposals = m.open_proposals.saturating_add(1);
            }
            state.core.proposals.insert(id, *proposal);
            state.core.next_proposal = id + 1;
            None
        }
        Effect::Vote {
            proposal,
            nullifier,
            env,
            yes,
            no,
            defeated,
        } => {
            state.spend_nullifier(&nullifier);
            if let Some(prop) = state.core.proposals.get_mut(&proposal) {
                prop.yes = yes;
                prop.no = no;
            }
            if defeated {
                super::proposals::finish(state, proposal, ProposalStatus::Defeated);
                reject_loan(state, proposal);
            }
            Some((ProofKind::Membership, *env))
        }
        Effect::Release { proposal, pool } => {
            state.core.pool = pool;
            if let Some(prop) = state.core.proposals.get_mut(&proposal) {
                prop.status = ProposalStatus::Executed;
            }
            None
        }
    }
}
