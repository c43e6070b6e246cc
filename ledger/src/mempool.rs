//! What became of each transaction a node acknowledged: the persisted mempool's bookkeeping.
//!
//! A node that answers "accepted" to a submission first writes the transaction into the
//! store's `mempool` table and its [`TxStatus::Pending`] record into the `tx_status` table, in
//! one durable write transaction. When a block settles pending transactions, the same write
//! transaction that commits the block removes them from the mempool and records, for each,
//! [`TxStatus::Included`] or [`TxStatus::Rejected`] with the reason. So after a crash every
//! acknowledged transaction is either still pending (and is retried) or has a recorded fate.

use serde::{Deserialize, Serialize};

/// The fate of an acknowledged transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TxStatus {
    /// In the mempool, waiting for a block.
    Pending,
    /// Included in the block at `height`, at position `index`.
    Included {
        /// Block height.
        height: u64,
        /// Position in the block.
        index: u32,
    },
    /// Left out of the block at `height` for `reason` (a [`crate::TxError`]'s message).
    Rejected {
        /// Height of the block that settled it.
        height: u64,
        /// Why, for people.
        reason: String,
        /// The rule that failed, for scripts: [`crate::TxError::code`].
        code: String,
    },
}

impl TxStatus {
    /// `pending`, `included` or `rejected`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Included { .. } => "included",
            Self::Rejected { .. } => "rejected",
        }
    }
}

/// One persisted mempool entry: its sequence number (submission order) and the transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolEntry {
    /// Key in the mempool table; increases with submission order.
    pub seq: u64,
    /// The signed transaction.
    pub tx: crate::tx::Tx,
}
