//! Errors of the ceremony: every refusal names the file, the section or the contribution.

use std::path::PathBuf;
use thiserror::Error;

/// What can go wrong reading, writing, contributing to or verifying ceremony files.
#[derive(Debug, Error)]
pub enum CeremonyError {
    /// Reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file that is not what it claims (wrong magic, truncated, bad section, bad point).
    #[error("{file}: {reason}")]
    Format {
        /// Which file (or file kind).
        file: String,
        /// What is wrong, naming the section or field.
        reason: String,
    },
    /// The file is well formed but does not belong to this relation or Powers of Tau.
    #[error("{0}")]
    Mismatch(String),
    /// A contribution that does not chain or a key that does not follow the transcript.
    #[error("contribution #{index}{name}: {reason}")]
    Contribution {
        /// 1-based index of the contribution.
        index: usize,
        /// `" (name)"` or empty.
        name: String,
        /// What failed.
        reason: String,
    },
    /// A parameter out of range (beacon, power, …).
    #[error("{0}")]
    Invalid(String),
    /// Synthesizing the circuit failed.
    #[error("synthesizing the relation: {0}")]
    Synthesis(String),
    /// The prover's key directory refused the imported keys.
    #[error(transparent)]
    Keys(#[from] zkcredit_prover::ProveError),
}

impl CeremonyError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    pub(crate) fn format(file: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Format {
            file: file.into(),
            reason: reason.into(),
        }
    }
}
