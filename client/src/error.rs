//! Why a member's action could not be carried out.

use zkcredit_ledger::{LedgerError, TxError};

/// What went wrong, naming the value or file involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The local ledger refused or failed (storage, not found, …).
    #[error("ledger: {0}")]
    Ledger(#[from] LedgerError),
    /// The plan refused the action before any proof was made (not a member, terms outside
    /// the policy, admission closed, …): the message names the value that would fix it.
    #[error("refused: {0}")]
    Refused(#[from] TxError),
    /// The prover could not make the proof: the member's data do not satisfy the statement
    /// (e.g. a clause fails) or the keys do not fit.
    #[error("cannot prove: {0}")]
    Prove(#[from] zkcredit_prover::ProveError),
    /// The proving keys are for another circuit than the chain registered.
    #[error("proving keys {found} do not match the chain's {expected} key")]
    WrongKeys {
        /// The chain's circuit id.
        expected: String,
        /// The keys' circuit id.
        found: String,
    },
    /// The action needs an input the session was not given (identity, credential, keys).
    #[error("missing {0}")]
    Missing(&'static str),
    /// A node answered with an error (its stable code and message).
    #[error("node refused ({status} {code}): {message}")]
    Node {
        /// HTTP status.
        status: u16,
        /// The API's stable error code, e.g. `wrong_nonce`.
        code: String,
        /// The node's message.
        message: String,
    },
    /// A node could not be reached or answered something unreadable.
    #[error("node at {url}: {reason}")]
    Http {
        /// The URL asked.
        url: String,
        /// What failed.
        reason: String,
    },
    /// A file could not be read or written, or does not parse.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What failed.
        reason: String,
    },
    /// A transaction was not settled in time.
    #[error("transaction {0} still pending after waiting")]
    StillPending(String),
}
