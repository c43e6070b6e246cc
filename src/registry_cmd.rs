//! `zkcredit registry`: local registry and member files (a stand-in for the ledger's trees).

use crate::files::{parse_fr, read_registry, write_registry};
use crate::output::println;
use anyhow::{anyhow, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use zkcredit_circuits::field::to_decimal;
use zkcredit_circuits::merkle::DEFAULT_DEPTH;
use zkcredit_circuits::prelude::*;

/// `zkcredit registry …`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print a registry's depth, size and root as JSON.
    Show {
        /// Registry or members file.
        #[arg(value_name = "REG.json")]
        file: PathBuf,
    },
    /// Print a registry's root (decimal).
    Root {
        /// Registry or members file.
        #[arg(value_name = "REG.json")]
        file: PathBuf,
    },
    /// Append a leaf (e.g. a member's identity commitment); creates the file if absent.
    Add {
        /// Registry or members file.
        #[arg(value_name = "REG.json")]
        file: PathBuf,
        /// The leaf (decimal field element).
        #[arg(long)]
        leaf: String,
        /// Depth of a file created by this command.
        #[arg(long, default_value_t = DEFAULT_DEPTH as u64,
              value_parser = crate::files::parse_depth)]
        depth: u64,
    },
    /// Revoke the leaf at an index (sets it to 0).
    Revoke {
        /// Registry or members file.
        #[arg(value_name = "REG.json")]
        file: PathBuf,
        /// Leaf index.
        #[arg(long)]
        index: u64,
    },
}

/// Runs `zkcredit registry …`.
pub fn run(cmd: &Command) -> Result<ExitCode> {
    match cmd {
        Command::Show { file } => {
            let tree = read_registry(file)?;
            println(&serde_json::to_string_pretty(&serde_json::json!({
                "depth": tree.depth(),
                "leaves": tree.len(),
                "capacity": tree.capacity(),
                "root": to_decimal(&tree.root()),
            }))?)?;
        }
        Command::Root { file } => println(&to_decimal(&read_registry(file)?.root()))?,
        Command::Add { file, leaf, depth } => {
            let leaf = parse_fr("--leaf", leaf)?;
            let mut tree = if file.exists() {
                read_registry(file)?
            } else {
                MerkleTree::new(usize::try_from(*depth)?).map_err(|e| anyhow!("--depth: {e}"))?
            };
            let index = tree
                .append(leaf)
                .map_err(|e| anyhow!("{}: {e}", file.display()))?;
            write_registry(file, &tree)?;
            println(
                &serde_json::json!({ "index": index, "root": to_decimal(&tree.root()) })
                    .to_string(),
            )?;
        }
        Command::Revoke { file, index } => {
            let mut tree = read_registry(file)?;
            tree.update(*index, Fr::from(0u64))
                .map_err(|e| anyhow!("{}: {e}", file.display()))?;
            write_registry(file, &tree)?;
            println(&serde_json::json!({ "root": to_decimal(&tree.root()) }).to_string())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
