//! `ledger path`: a credential's registry path and the current root.

use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use zkcredit_circuits::credential::Credential;
use zkcredit_circuits::field::{from_decimal, to_decimal};
use zkcredit_ledger::Ledger;

/// Arguments of `ledger path`.
#[derive(Debug, clap::Args)]
pub struct PathArgs {
    /// Ledger directory.
    #[arg(long)]
    dir: PathBuf,
    /// Credential file (JSON); its leaf is looked up.
    #[arg(long, conflicts_with = "leaf")]
    credential: Option<PathBuf>,
    /// The registry leaf, decimal.
    #[arg(long)]
    leaf: Option<String>,
}

/// Runs `ledger path`.
pub fn run(a: &PathArgs) -> Result<ExitCode> {
    let l = Ledger::open(&a.dir)?;
    let leaf = match (&a.credential, &a.leaf) {
        (Some(p), _) => {
            let c: Credential = serde_json::from_str(&std::fs::read_to_string(p)?)
                .with_context(|| format!("parsing {}", p.display()))?;
            c.leaf()
        }
        (None, Some(s)) => from_decimal(s)?,
        (None, None) => bail!("give --credential FILE or --leaf DECIMAL"),
    };
    let (path, root) = l.credential_path(&leaf)?;
    let v = serde_json::json!({
        "leaf": to_decimal(&leaf),
        "index": path.index,
        "siblings": path
            .siblings
            .iter()
            .map(|level| level.iter().map(to_decimal).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
        "root": to_decimal(&root),
        "height": l.height(),
    });
    println!("{}", serde_json::to_string_pretty(&v)?);
    Ok(ExitCode::SUCCESS)
}
