//! The borrower's wallet: zkcredit's prover for the browser.
//!
//! This crate compiles to `wasm32-unknown-unknown` (bindings in `wasm`, through
//! `wasm-bindgen`) and runs the *same* circuits, witness builder, native pre-check, key and
//! proof formats as the `zkcredit` CLI: it is a thin layer over `zkcredit-circuits`,
//! `zkcredit-prover` and `zkcredit-verifier` that takes the CLI's JSON files as strings and
//! key files as bytes, because a browser has no file system.
//!
//! * [`wallet`]: identity creation, credential import and its commitment check, the native
//!   pre-check (which rule fails, in words), policy and membership proving, verification.
//! * [`ledger`]: against a co-op node: proofs of what its plan API says, and transactions
//!   signed with the ledger's own types and signing code (account keys stay in the browser).
//! * [`keys`]: proving keys from downloaded bytes, checked against the published hash.
//!
//! Randomness is the browser's `crypto.getRandomValues` (through `getrandom`'s `js`
//! backend); proving is single-threaded (the prover's `parallel` feature is off).
//!
//! Nothing here sends anything anywhere: the page decides what leaves the device, and the
//! identity secret and the credential's attributes never do (the browser test checks it).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
pub mod keys;
pub mod ledger;
pub mod wallet;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::WalletError;
