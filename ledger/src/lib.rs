//! zkcredit's proof-carrying ledger and the lending co-op that runs on it.
//!
//! * [`tx`]: signed transactions, blocks and genesis, in the canonical encoding of [`codec`],
//!   hashed with BLAKE2b-256.
//! * [`state`]: the deterministic co-op state machine ([`State::apply_block`]); pool
//!   accounting in [`pool`].
//! * [`keys`]: the verifying keys registered at genesis and the per-block batch verification.
//! * [`store`]: the redb store ([`Ledger`]): one write transaction per block, immediate
//!   durability, two-phase commit, replay verification.
//!
//! The crate links the native half of `zkcredit-circuits` and the verifier only: no
//! constraint system, no prover.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod actions;
pub mod codec;
mod error;
pub mod keys;
pub mod mempool;
pub mod plan;
pub mod pool;
pub mod records;
pub mod schedule;
pub mod scopes;
pub mod state;
#[cfg(feature = "store")]
pub mod store;
pub mod tx;

pub use codec::Hash;
pub use error::{BlockError, LedgerError, TxError};
pub use keys::{Keys, ProofKind, Verified};
pub use mempool::{PoolEntry, TxStatus};
pub use plan::ExpectedPolicy;
pub use pool::Pool;
pub use state::{
    admission_scope, application_scope, coop_issuer_id, vote_scope, vote_signal, Loan, LoanStatus,
    Member, Proposal, ProposalStatus, RecentRoot, Rejected, State,
};
#[cfg(feature = "store")]
pub use store::{Built, Ledger, Produced, VerifyReport, DB_FILE, FORMAT_VERSION};
pub use tx::{
    Account, Block, BlockHeader, ClauseRule, Genesis, KeyRecord, Params, PolicyRules, ProofData,
    ProposalAction, Tx, TxBody,
};
