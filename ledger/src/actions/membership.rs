//! Membership: `Join` (with an admission proof), `Deposit`, `Withdraw` (never below the
//! capital locked as collateral). Every capital change first accrues the member's
//! capital × seconds, the weight of the next distribution.

use super::ProofToCheck;
use crate::codec::fr_to_bytes;
use crate::error::TxError;
use crate::keys::{Keys, ProofKind};
use crate::pool::Pool;
use crate::state::{overflow, History, Member, State};
use crate::tx::{Account, Tx, TxBody};
use zkcredit_circuits::Fr;
use zkcredit_verifier::Envelope;

pub(crate) enum Effect {
    Join {
        account: Account,
        identity: Fr,
        capital: u64,
        pool: Pool,
        time: u64,
        nullifier: Fr,
        env: Box<Envelope>,
    },
    Capital {
        account: Account,
        capital: u64,
        pool: Pool,
        time: u64,
    },
}

pub(crate) fn check(state: &State, tx: &Tx, time: u64, keys: &Keys) -> Result<Effect, TxError> {
    let core = state.core();
    match &tx.body {
        TxBody::Join {
            identity,
            deposit,
            proof,
        } => {
            if core.members.contains_key(&tx.signer) {
                return Err(TxError::AlreadyMember);
            }
            if *identity == Fr::from(0u64) || core.identities.contains(&fr_to_bytes(identity)) {
                return Err(TxError::DuplicateIdentity);
            }
            let min = state.params().min_deposit;
            if *deposit < min {
                return Err(TxError::DepositTooSmall {
                    min,
                    found: *deposit,
                });
            }
            let expected = state.expected_admission(&tx.signer, tx.nonce, *identity, *deposit)?;
            let (nullifier, env) = state.check_policy_proof(keys, proof, &expected, time)?;
            let pool = core.pool.deposit(*deposit)?;
            if state.member_tree().len() >= state.member_tree().capacity() {
                return Err(TxError::TreeFull("member"));
            }
            Ok(Effect::Join {
                account: tx.signer,
                identity: *identity,
                capital: *deposit,
                pool,
                time,
                nullifier,
                env: Box::new(env),
            })
        }
        TxBody::Deposit { amount } => {
            let m = core.members.get(&tx.signer).ok_or(TxError::NotAMember)?;
            if *amount == 0 {
                return Err(TxError::ZeroAmount);
            }
            Ok(Effect::Capital {
                account: tx.signer,
                capital: overflow(m.capital.checked_add(*amount))?,
                pool: core.pool.deposit(*amount)?,
                time,
            })
        }
        TxBody::Withdraw { amount } => {
            let m = core.members.get(&tx.signer).ok_or(TxError::NotAMember)?;
            if *amount == 0 {
                return Err(TxError::ZeroAmount);
            }
            if *amount > m.capital {
                return Err(TxError::InsufficientCapital {
                    available: m.capital,
                    requested: *amount,
                });
            }
            // Collateral stays: at most the capital above the locked part leaves.
            let available = m.capital.saturating_sub(m.locked);
            if *amount > available {
                return Err(TxError::CapitalLocked {
                    locked: m.locked,
                    available,
                    requested: *amount,
                });
            }
            Ok(Effect::Capital {
                account: tx.signer,
                capital: m.capital - amount,
                pool: core.pool.withdraw(*amount)?,
                time,
            })
        }
        _ => unreachable!("dispatched by actions::check"),
    }
}

pub(crate) fn apply(state: &mut State, effect: Effect) -> ProofToCheck {
    match effect {
        Effect::Join {
            account,
            identity,
            capital,
            pool,
            time,
            nullifier,
            env,
        } => {
            let id = fr_to_bytes(&identity);
            let index = state.member_tree.len();
            // Capacity was checked; an append cannot fail below capacity.
            let _ = state.member_tree.append(identity);
            state.core.pool = pool;
            state.core.identities.insert(id);
            state.core.member_root = fr_to_bytes(&state.member_tree.root());
            state.changes.members.push((index, id));
            state.core.members.insert(
                account,
                Member {
                    identity: id,
                    index,
                    capital,
                    locked: 0,
                    capital_secs: 0,
                    since: time,
                    open_proposals: 0,
                    joined_at: time,
                    history: History::default(),
                    history_leaves: Vec::new(),
                    last_history_claim: None,
                },
            );
            state.spend_nullifier(&nullifier);
            Some((ProofKind::Policy, *env))
        }
        Effect::Capital {
            account,
            capital,
            pool,
            time,
        } => {
            state.core.pool = pool;
            state.set_capital(&account, capital, time);
            None
        }
    }
}
