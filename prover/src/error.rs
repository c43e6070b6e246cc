//! Errors of setup and proving.

use std::path::PathBuf;
use thiserror::Error;

/// What can go wrong in setup, key handling or proving.
#[derive(Debug, Error)]
pub enum ProveError {
    /// The statement is false for this witness: proving would only produce a proof that does
    /// not verify. The message names the failing rule.
    #[error("{0}")]
    Statement(String),
    /// A key file that is missing, corrupt or for another circuit.
    #[error("keys: {0}")]
    Keys(String),
    /// Wrong circuit for this operation.
    #[error("these keys are for {found}, not {expected}")]
    WrongCircuit {
        /// The circuit the operation needs.
        expected: String,
        /// The circuit of the keys.
        found: String,
    },
    /// Reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The native layer refused a value.
    #[error(transparent)]
    Circuit(#[from] zkcredit_circuits::Error),
    /// Verification-side decoding failed.
    #[error(transparent)]
    Verify(#[from] zkcredit_verifier::VerifyError),
    /// Constraint synthesis or the Groth16 prover failed.
    #[error("proving failed: {0}")]
    Synthesis(String),
}

impl ProveError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}
