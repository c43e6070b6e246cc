//! A co-op member's side of zkcredit: from chain state to an accepted transaction.
//!
//! A [`Session`] runs each member action — join (admission proof), apply for a loan (policy
//! proof), vote (membership proof), repay, claim history, and any other body (deposit,
//! withdraw, a governance proposal) — in the same steps: ask the chain for the plan (what the
//! ledger will expect: statement, paths, roots, nonce; `zkcredit_ledger::plan`), build the
//! witness, prove, sign, submit, and learn the transaction's fate.
//!
//! The chain is a [`Chain`]: [`LocalChain`] over a ledger directory (queues into the
//! store's persisted mempool, optionally producing the block) or [`NodeChain`] over a node's
//! API v1. Account key files are in [`keyfile`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod chain;
mod error;
pub mod keyfile;
pub mod local;
pub mod remote;
mod session;

pub use chain::{Chain, Plan, VotePlan};
pub use error::ClientError;
pub use local::LocalChain;
pub use remote::NodeChain;
pub use session::{Member, Session};
