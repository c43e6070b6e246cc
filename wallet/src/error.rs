//! The wallet's errors: each names the input (file or field) that is wrong.

use thiserror::Error;

/// What can go wrong in the wallet.
#[derive(Debug, Error)]
pub enum WalletError {
    /// An input that is not valid JSON of its format, or has a bad field.
    #[error("{what}: {message}")]
    Input {
        /// The input, e.g. `credential` or `registry`.
        what: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The statement to prove is false; the message says which rule fails, in words.
    #[error("refused: {0}")]
    Statement(String),
    /// A key file that does not match its published hash, or is for another circuit.
    #[error("keys: {0}")]
    Keys(String),
    /// The prover failed.
    #[error(transparent)]
    Prove(#[from] zkcredit_prover::ProveError),
    /// The proof or the verifying key was refused.
    #[error(transparent)]
    Verify(#[from] zkcredit_verifier::VerifyError),
}

impl WalletError {
    pub(crate) fn input(what: &'static str, message: impl ToString) -> Self {
        Self::Input {
            what,
            message: message.to_string(),
        }
    }
}
