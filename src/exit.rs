//! Exit codes: 0 success; 1 a check that ran and said no; 2 malformed input or usage.
//!
//! Commands return `anyhow` errors. An error that carries [`Refused`] exits 1; any other
//! error exits 2.

use std::fmt;

/// A check that ran and said no: an invalid proof, a proof for something other than what
/// the verifier required, or a statement the prover refuses to prove. Exit code 1.
#[derive(Debug)]
pub struct Refused(pub String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// An `anyhow` error that exits 1.
pub fn refused(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Refused(msg.into()))
}

/// The exit code of an error returned by a command.
pub fn code_of(e: &anyhow::Error) -> u8 {
    if e.chain().any(|c| c.downcast_ref::<Refused>().is_some()) {
        1
    } else {
        2
    }
}
