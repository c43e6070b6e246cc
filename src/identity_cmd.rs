//! `zkcredit identity`: a borrower's or member's identity secret.

use crate::files::{read_identity, write_json, IdentityFile};
use crate::output::println;
use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;
use zkcredit_circuits::field::to_decimal;
use zkcredit_circuits::prelude::*;

/// `zkcredit identity …`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Make a new random identity; writes the secret to a file readable only by you.
    New {
        /// Identity file to write (mode 0600).
        #[arg(long, value_name = "ID.json")]
        out: PathBuf,
        /// Overwrite an existing file (its secret is lost).
        #[arg(long)]
        force: bool,
    },
    /// Print an identity's public commitment.
    Show {
        /// Identity file.
        #[arg(value_name = "ID.json")]
        file: PathBuf,
    },
}

/// Runs `zkcredit identity …`.
pub fn run(cmd: &Command) -> Result<ExitCode> {
    match cmd {
        Command::New { out, force } => {
            let id = Identity::random(&mut rand::rngs::OsRng);
            write_json(out, &IdentityFile::new(&id), true, *force)?;
            println(
                &serde_json::json!({ "commitment": to_decimal(&id.commitment()) }).to_string(),
            )?;
        }
        Command::Show { file } => {
            let id = read_identity(file)?;
            println(
                &serde_json::json!({ "commitment": to_decimal(&id.commitment()) }).to_string(),
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
