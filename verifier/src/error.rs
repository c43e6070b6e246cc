//! The error type shared by key loading, proof decoding and verification.

use std::path::PathBuf;

/// Why a key could not be loaded or a proof was not accepted.
///
/// # Exit codes
/// Command-line tools map errors to process exit codes with [`VerifyError::exit_code`]:
///
/// | code | meaning | variants |
/// |------|---------|----------|
/// | 1 | a well-formed proof, presented to the right key, does not verify | [`InvalidProof`](VerifyError::InvalidProof) |
/// | 2 | anything else: malformed input, wrong key or circuit, bad key files, I/O | all other variants |
///
/// A proof checked against the key of another circuit (or another key of the same circuit)
/// is a usage error (2), never a "does not verify" (1): the question "is this proof valid?"
/// was not asked of the right key, so no answer about the proof is given.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The input could not be decoded: bad JSON, bad hex, wrong length, trailing bytes, a
    /// point not on the curve, not in the prime-order subgroup, at infinity, or a
    /// non-canonical encoding. The message says which, and where.
    #[error("malformed input: {0}")]
    Malformed(String),

    /// Public input `index` is a well-formed decimal number but not below the BN254 scalar
    /// field modulus, so it is not a canonical field element.
    #[error("public input {index} is not below the BN254 scalar field modulus")]
    InputOutOfField {
        /// Position of the offending input in the proof's `public_inputs`.
        index: usize,
    },

    /// The proof claims another circuit than the key's.
    #[error("proof is for circuit {found:?} but the verifying key is for circuit {expected:?}")]
    WrongCircuit {
        /// The key's circuit id.
        expected: String,
        /// The circuit id the proof claims.
        found: String,
    },

    /// The proof names a verifying-key hash different from the loaded key's.
    #[error("proof was made for verifying key {found_hash} but the loaded key is {expected_hash}")]
    WrongKey {
        /// Hex BLAKE2b-256 of the loaded key.
        expected_hash: String,
        /// Hex hash the proof names.
        found_hash: String,
    },

    /// The proof carries a different number of public inputs than the key expects.
    #[error("expected {expected} public inputs, found {found}")]
    InputCount {
        /// Number of public inputs of the key's circuit.
        expected: usize,
        /// Number of public inputs in the proof.
        found: usize,
    },

    /// The proof is well formed and presented to the right key, but the pairing check fails.
    #[error("proof does not verify (Groth16 pairing check failed)")]
    InvalidProof,

    /// The key directory is unusable: wrong format, hash mismatch, undecodable or degenerate
    /// key, inconsistent metadata.
    #[error("bad verifying key: {0}")]
    BadKey(String),

    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl VerifyError {
    /// Process exit code for this error: 1 for [`VerifyError::InvalidProof`], 2 for everything
    /// else (see the table on [`VerifyError`]).
    #[must_use]
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::InvalidProof => 1,
            _ => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        assert_eq!(VerifyError::InvalidProof.exit_code(), 1);
        for e in [
            VerifyError::Malformed("x".into()),
            VerifyError::InputOutOfField { index: 0 },
            VerifyError::WrongCircuit {
                expected: "a".into(),
                found: "b".into(),
            },
            VerifyError::WrongKey {
                expected_hash: "a".into(),
                found_hash: "b".into(),
            },
            VerifyError::InputCount {
                expected: 1,
                found: 2,
            },
            VerifyError::BadKey("x".into()),
            VerifyError::Io {
                path: "p".into(),
                source: std::io::Error::other("x"),
            },
        ] {
            assert_eq!(e.exit_code(), 2, "{e}");
        }
    }
}
