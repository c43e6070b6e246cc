//! zkcredit's statements: native types and, behind the `r1cs` feature (on by default), the
//! R1CS gadgets and circuits that prove them.
//!
//! The native part — circomlib-compatible [`poseidon`], the incremental [`merkle`] tree,
//! [`identity`], [`credential`], [`policy`], [`request`] binding and the [`statement`] types
//! whose `public_inputs()` fix every public-input layout — compiles without `ark-r1cs-std`, so
//! a lender's verifier can use it alone.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod credential;
mod error;
pub mod field;
pub mod files;
pub mod identity;
pub mod merkle;
pub mod policy;
pub mod poseidon;
pub mod request;
pub mod statement;

#[cfg(feature = "r1cs")]
pub mod circuit;
#[cfg(feature = "r1cs")]
pub mod gadgets;

pub use ark_bn254::Fr;
pub use error::Error;

/// Everything a caller usually needs.
pub mod prelude {
    pub use crate::credential::{Credential, NUM_ATTRS};
    pub use crate::identity::Identity;
    pub use crate::merkle::{MerklePath, MerkleTree};
    pub use crate::policy::{Clause, Policy, NUM_CLAUSES};
    pub use crate::request::LoanRequest;
    pub use crate::statement::{CircuitId, MembershipStatement, PolicyStatement};
    pub use crate::{Error, Fr};
}
