//! `zkcredit credential`: an issuer's tool to attest attributes, and the holder's view.

use crate::files::{parse_fr, read_credential, read_registry, write_json, write_registry};
use crate::output::println;
use anyhow::{anyhow, bail, Result};
use ark_ff::UniformRand;
use std::path::PathBuf;
use std::process::ExitCode;
use zkcredit_circuits::field::to_decimal;
use zkcredit_circuits::merkle::DEFAULT_DEPTH;
use zkcredit_circuits::prelude::*;

/// `zkcredit credential …`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Issue a credential to an identity commitment and append its leaf to a registry.
    Issue(IssueArgs),
    /// Print a credential's commitment and registry leaf.
    Commit {
        /// Credential file.
        #[arg(value_name = "CRED.json")]
        file: PathBuf,
    },
}

/// Arguments of `zkcredit credential issue`.
#[derive(Debug, clap::Args)]
pub struct IssueArgs {
    /// Issuer id (decimal field element).
    #[arg(long)]
    issuer: String,
    /// The holder's identity commitment (decimal field element).
    #[arg(long)]
    subject: String,
    /// Attribute layout (1 = bureau-v1, 2 = coop-history-v1).
    #[arg(long)]
    schema: u64,
    /// The eight attributes, comma-separated unsigned integers.
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    attrs: Vec<u64>,
    /// Issue time, unix seconds.
    #[arg(long)]
    issued_at: u64,
    /// Expiry time, unix seconds (the credential is expired at this time).
    #[arg(long)]
    expires_at: u64,
    /// Credential file to write (mode 0600: the attributes are private).
    #[arg(long, value_name = "CRED.json")]
    out: PathBuf,
    /// Registry file to append the leaf to; created if absent.
    #[arg(long, value_name = "REG.json")]
    registry: Option<PathBuf>,
    /// Depth of a registry created by this command.
    #[arg(long, default_value_t = DEFAULT_DEPTH as u64,
          value_parser = crate::files::parse_depth)]
    depth: u64,
    /// Overwrite an existing credential file.
    #[arg(long)]
    force: bool,
}

fn issue(a: &IssueArgs) -> Result<ExitCode> {
    let issuer = parse_fr("--issuer", &a.issuer)?;
    let subject = parse_fr("--subject", &a.subject)?;
    let attrs: [u64; NUM_ATTRS] =
        a.attrs.clone().try_into().map_err(|v: Vec<u64>| {
            anyhow!("--attrs: expected {NUM_ATTRS} values, got {}", v.len())
        })?;
    if a.expires_at <= a.issued_at {
        bail!(
            "--expires-at {} must be after --issued-at {}",
            a.expires_at,
            a.issued_at
        );
    }
    if !a.force && a.out.exists() {
        bail!(
            "{} already exists (pass --force to overwrite it)",
            a.out.display()
        );
    }
    let cred = Credential {
        schema: a.schema,
        issuer,
        subject,
        attrs,
        issued_at: a.issued_at,
        expires_at: a.expires_at,
        salt: Fr::rand(&mut rand::rngs::OsRng),
    };
    let leaf = cred.leaf();
    let mut out = serde_json::json!({
        "commitment": to_decimal(&cred.commitment()),
        "leaf": to_decimal(&leaf),
    });
    if let Some(reg) = &a.registry {
        let mut tree = if reg.exists() {
            read_registry(reg)?
        } else {
            MerkleTree::new(usize::try_from(a.depth)?).map_err(|e| anyhow!("--depth: {e}"))?
        };
        let index = tree
            .append(leaf)
            .map_err(|e| anyhow!("{}: {e}", reg.display()))?;
        // Write the credential first: a registry leaf without its credential is useless.
        write_json(&a.out, &cred, true, a.force)?;
        write_registry(reg, &tree)?;
        out["index"] = index.into();
        out["root"] = to_decimal(&tree.root()).into();
    } else {
        write_json(&a.out, &cred, true, a.force)?;
    }
    println(&out.to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `zkcredit credential …`.
pub fn run(cmd: &Command) -> Result<ExitCode> {
    match cmd {
        Command::Issue(a) => issue(a),
        Command::Commit { file } => {
            let cred = read_credential(file)?;
            println(&serde_json::to_string_pretty(&serde_json::json!({
                "commitment": to_decimal(&cred.commitment()),
                "leaf": to_decimal(&cred.leaf()),
            }))?)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
