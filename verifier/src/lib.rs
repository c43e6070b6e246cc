//! Lean, strict verification of zkcredit Groth16 proofs over BN254.
//!
//! This crate is what a ledger node or an auditor links: it decodes keys and proofs
//! strictly, checks that a proof is presented to the key of the circuit it claims, and runs
//! the Groth16 pairing check, singly ([`VerifierKey::verify`]) or in batches
//! ([`VerifierKey::verify_batch`]). It has no prover and no constraint-system code in its
//! dependency tree.
//!
//! # Files
//! * A keys directory holds `meta.json` ([`KeyMeta`]) and `verifying_key.bin` (the arkworks
//!   compressed encoding of the verifying key, pinned by its BLAKE2b-256 hash in the meta
//!   file). Load it with [`VerifierKey::load`].
//! * A proof file is JSON ([`ProofFile`]); decode it with [`Envelope::from_json`].
//!
//! # Strictness
//! Everything read from outside is decoded canonically: points are compressed, on the curve,
//! in the prime-order subgroup and not the identity; field elements are the unique encoding
//! below their modulus; public inputs are canonical decimal strings below the BN254 scalar
//! modulus. Any violation is a [`VerifyError`] saying what was wrong; only a well-formed
//! proof that fails the pairing check is [`VerifyError::InvalidProof`].
//!
//! # Malleability
//! Groth16 proofs are malleable: anyone can re-randomise a valid proof into a different,
//! equally valid one for the same public inputs. Never use proof bytes as a replay guard or a
//! unique identifier; zkcredit binds requests through nullifiers and nonces instead.
//!
//! # Example
//! ```no_run
//! use zkcredit_verifier::{Envelope, VerifierKey};
//!
//! # fn main() -> Result<(), zkcredit_verifier::VerifyError> {
//! let key = VerifierKey::load(std::path::Path::new("keys/policy"))?;
//! let json = std::fs::read_to_string("proof.json").map_err(|e| {
//!     zkcredit_verifier::VerifyError::Io { path: "proof.json".into(), source: e }
//! })?;
//! let envelope = Envelope::from_json(&json)?;
//! key.verify(&envelope)?;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod batch;
pub mod encoding;
mod error;
mod keys;
mod points;
mod proof;
pub mod snarkjs;
mod verify;

pub use batch::BatchError;
pub use error::VerifyError;
pub use keys::{
    blake2b256, CeremonyProvenance, KeyMeta, QapReduction, VerifierKey, KEYS_FORMAT, META_FILE,
    PROVING_KEY_FILE, VERIFYING_KEY_FILE,
};
pub use proof::{Envelope, ProofFile, PROOF_BYTES, PROOF_FORMAT};

/// Re-exported so callers can name the types in this crate's API without depending on
/// arkworks directly.
pub use ark_bn254::{Bn254, Fr};
/// Re-exported Groth16 types used in this crate's API.
pub use ark_groth16::{PreparedVerifyingKey, Proof, VerifyingKey};
