//! A multi-party phase-2 trusted setup for zkcredit, in the file formats of the circom
//! ecosystem so that zkcredit and snarkjs participants can take turns in one ceremony.
//!
//! * [`r1cs`]: the relation exported as circom's `.r1cs`;
//! * [`ptau`]: snarkjs Powers of Tau files, and an insecure generator for tests;
//! * [`zkey`]: snarkjs's Groth16 `.zkey`;
//! * [`wtns`]: witnesses as circom's `.wtns`, for snarkjs and rapidsnark to prove from;
//! * [`phase2`]: the initial key, contributions, the beacon, verification;
//! * [`import()`]: a verified `.zkey` as the project's keys directory, proving with circom's
//!   QAP reduction (`zkcredit_prover::qap_circom`).
//!
//! The soundness argument is snarkjs's (and bellman's phase 2): as long as one participant
//! destroyed their secret, nobody knows delta, and the chain of public keys proves every
//! contribution multiplied delta by a secret its author knew.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod binfile;
pub mod encoding;
mod error;
mod import;
pub mod phase2;
pub mod ptau;
pub mod r1cs;
pub mod relation;
pub mod rng;
pub mod wtns;
pub mod zkey;

pub use error::CeremonyError;
pub use import::{check_relation, import, proving_key};
pub use phase2::{Transcript, TranscriptEntry};
pub use relation::Relation;
pub use zkey::Zkey;
