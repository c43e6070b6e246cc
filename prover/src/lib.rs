//! Proving for zkcredit: trusted setup per circuit shape, key files, witness building with a
//! native pre-check, and Groth16 proofs packed in the verifier's [`Envelope`].
//!
//! # Keys directory
//! `setup` writes `meta.json` and `verifying_key.bin` exactly as `zkcredit-verifier` reads
//! them, plus `proving_key.bin` (affine points in the MSM's own representation and the
//! circuit's constraint matrices, so opening it is a copy; see [`pk_file`]), pinned by its
//! BLAKE2b-256 hash in `meta.json`. Loading hashes the file and, only because the hash
//! matched a key we wrote, skips the subgroup checks and the circuit synthesis — the approach
//! of zcash's parameter files. [`KeyCheck::Strict`] validates every point and compares the
//! matrices with a fresh synthesis, for key files of unknown origin. A proving key can only
//! hurt its own holder's proofs anyway: the verifier never trusts it.
//!
//! # Speed
//! Proofs come from [`groth16::CachedProver`]: constraint matrices stored with the key,
//! witness-only synthesis per proof, the quotient's FFTs overlapped with the MSMs for `A`
//! and `B`, one merged G1 MSM for `C`, and the batch-affine Pippenger of [`msm`]. `docs/performance.md` has the profile.
//!
//! # Never a proof that cannot verify
//! Before proving, the statement is evaluated natively; a failing rule is refused with a
//! message that names it ([`ProveError::Statement`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
pub mod groth16;
mod keys;
pub mod msm;
pub mod pk_file;
mod prove;
pub mod qap_circom;
pub mod quotient;
pub mod sample;
mod schedule;
pub mod sparse;

pub use error::ProveError;
pub use keys::{setup, KeyCheck, ProvingKeys, Shape};
pub use prove::{
    check_membership, check_policy, prove_membership, prove_policy, prove_witnessed,
    witness_membership, witness_policy, MembershipInput, PolicyInput, Witnessed,
};
pub use zkcredit_verifier::{Envelope, QapReduction, VerifierKey};
