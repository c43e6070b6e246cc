//! Issuers and credentials: `RegisterIssuer` (officers' bootstrap only; afterwards a member
//! proposal), `Attest`, `Revoke`, and
//! `ClaimHistory` (the co-op attesting a member's repayment history).

use crate::codec::fr_to_bytes;
use crate::error::TxError;
use crate::scopes::coop_issuer_id;
use crate::state::{fr, Issuer, State};
use crate::tx::{Account, Tx, TxBody};
use zkcredit_circuits::credential::{registry_leaf, Credential, SCHEMA_COOP_HISTORY_V1};
use zkcredit_circuits::Fr;

pub(crate) enum Effect {
    RegisterIssuer {
        id: [u8; 32],
        issuer: Issuer,
    },
    Attest {
        leaf: Fr,
        owner: [u8; 32],
    },
    Revoke {
        index: u64,
    },
    ClaimHistory {
        account: Account,
        leaf: Fr,
        time: u64,
    },
}

fn registry_has_room(state: &State) -> Result<(), TxError> {
    if state.registry().len() >= state.registry().capacity() {
        return Err(TxError::TreeFull("registry"));
    }
    Ok(())
}

pub(crate) fn check(state: &State, tx: &Tx, time: u64) -> Result<Effect, TxError> {
    let p = state.params();
    let core = state.core();
    match &tx.body {
        TxBody::RegisterIssuer {
            issuer,
            account,
            name,
        } => {
            super::governance::authorize_bootstrap(state, tx)?;
            let id = fr_to_bytes(issuer);
            if core.issuers.contains_key(&id) || state.issuer_of_account(account).is_some() {
                return Err(TxError::IssuerExists);
            }
            Ok(Effect::RegisterIssuer {
                id,
                issuer: Issuer {
                    name: name.clone(),
                    account: Some(*account),
                },
            })
        }
        TxBody::Attest { commitment } => {
            let id = state
                .issuer_of_account(&tx.signer)
                .ok_or(TxError::NotAnIssuer)?;
            registry_has_room(state)?;
            Ok(Effect::Attest {
                leaf: registry_leaf(fr(&id), *commitment),
                owner: id,
            })
        }
        TxBody::Revoke { index } => {
            // The co-op's own history credentials have no issuer account: governance
            // (k-of-n officers) revokes them.
            let coop = fr_to_bytes(&coop_issuer_id(&p.chain_id));
            let id = if core.registry_owner.get(index) == Some(&coop) {
                state.authorize(tx, None)?;
                coop
            } else {
                state
                    .issuer_of_account(&tx.signer)
                    .ok_or(TxError::NotAnIssuer)?
            };
            let owner = core
                .registry_owner
                .get(index)
                .ok_or(TxError::UnknownCredential(*index))?;
            if *owner != id {
                return Err(TxError::NotYourCredential(*index));
            }
            if state.registry().leaf(*index).ok() == Some(Fr::from(0u64)) {
                return Err(TxError::AlreadyRevoked(*index));
            }
            Ok(Effect::Revoke { index: *index })
        }
        TxBody::ClaimHistory {
            subject,
            attrs,
            issued_at,
            expires_at,
            salt,
        } => {
            let m = core.members.get(&tx.signer).ok_or(TxError::NotAMember)?;
            if fr_to_bytes(subject) != m.identity {
                return Err(TxError::SubjectMismatch);
            }
            if let Some(last) = m.last_history_claim {
                let next = last.saturating_add(p.history_claim_interval);
                if time < next {
                    return Err(TxError::HistoryClaimTooSoon { next });
                }
            }
            let expected = state
                .history_attrs(&tx.signer, time)
                .ok_or(TxError::NotAMember)?;
            if *attrs != expected {
                return Err(TxError::HistoryMismatch { expected });
            }
            if *issued_at > time || time - issued_at > p.time_tolerance {
                return Err(TxError::BadTimes(format!(
                    "issued_at {issued_at} must lie in [block time − {}, block time] = [{}, {time}]",
                    p.time_tolerance,
                    time.saturating_sub(p.time_tolerance)
                )));
            }
            if *expires_at <= *issued_at || expires_at - issued_at > p.history_validity {
                return Err(TxError::BadTimes(format!(
                    "expires_at must be after issued_at and at most {} s later",
                    p.history_validity
                )));
            }
            registry_has_room(state)?;
            let cred = Credential {
                schema: SCHEMA_COOP_HISTORY_V1,
                issuer: coop_issuer_id(&p.chain_id),
                subject: *subject,
                attrs: *attrs,
                issued_at: *issued_at,
                expires_at: *expires_at,
                salt: *salt,
            };
            Ok(Effect::ClaimHistory {
                account: tx.signer,
                leaf: cred.leaf(),
                time,
            })
        }
        _ => unreachable!("dispatched by actions::check"),
    }
}

pub(crate) fn apply(state: &mut State, effect: Effect) {
    match effect {
        Effect::RegisterIssuer { id, issuer } => {
            state.core.issuers.insert(id, issuer);
        }
        Effect::Attest { leaf, owner } => {
            state.registry_append(leaf, owner);
        }
        Effect::Revoke { index } => state.revoke_leaf(index),
        Effect::ClaimHistory {
            account,
            leaf,
            time,
        } => {
            // The new record supersedes the old: revoke the member's earlier history.
            state.revoke_history(&account);
            let coop = fr_to_bytes(&coop_issuer_id(&state.params().chain_id));
            let index = state.registry_append(leaf, coop);
            if let Some(m) = state.core.members.get_mut(&account) {
                m.history_leaves.push(index);
                m.last_history_claim = Some(time);
            }
        }
    }
}
