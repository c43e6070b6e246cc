//! `zkcredit setup`: Groth16 circuit-specific setup, writing a keys directory.

use crate::keys::spinner;
use crate::output::println;
use anyhow::{anyhow, bail, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use zkcredit_circuits::merkle::DEFAULT_DEPTH;
use zkcredit_circuits::statement::CircuitId;
use zkcredit_verifier::META_FILE;

/// Which statement a key proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Circuit {
    /// `policy-d{depth}-k8-c4`: attested numbers satisfy a lender's policy.
    Policy,
    /// `membership-d{depth}`: anonymous membership with a nullifier.
    Membership,
}

impl Circuit {
    /// The circuit id at `depth`.
    pub fn id(self, depth: usize) -> CircuitId {
        match self {
            Self::Policy => CircuitId::Policy { depth },
            Self::Membership => CircuitId::Membership { depth },
        }
    }
}

/// Arguments of `zkcredit setup`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The circuit to make keys for.
    #[arg(long, value_enum)]
    circuit: Circuit,
    /// Merkle tree depth of the registry (policy) or member tree (membership).
    #[arg(long, default_value_t = DEFAULT_DEPTH as u64,
          value_parser = crate::files::parse_depth)]
    depth: u64,
    /// Keys directory to write (meta.json, verifying_key.bin, proving_key.bin).
    #[arg(long, value_name = "KEYS")]
    out: PathBuf,
    /// Derive the setup randomness from this seed: reproducible and INSECURE (anyone who
    /// knows the seed can forge proofs). For tests and demos only.
    #[arg(long)]
    seed: Option<u64>,
    /// Replace existing keys in the directory.
    #[arg(long)]
    force: bool,
}

/// Runs `zkcredit setup`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let id = args.circuit.id(usize::try_from(args.depth)?);
    if !args.force && args.out.join(META_FILE).exists() {
        bail!(
            "{} already holds keys (pass --force to replace them)",
            args.out.display()
        );
    }
    if args.seed.is_some() {
        eprintln!(
            "WARNING: INSECURE setup: --seed makes the keys reproducible, so anyone who knows \
             the seed can forge proofs. Use these keys for tests and demos only."
        );
    }
    let pb = spinner(format!("setup of {id}"));
    let keys = zkcredit_prover::setup(id, args.seed).map_err(|e| anyhow!("setup: {e}"))?;
    pb.set_message(format!("writing {}", args.out.display()));
    keys.save(&args.out)
        .map_err(|e| anyhow!("writing keys to {}: {e}", args.out.display()))?;
    pb.finish_and_clear();
    println(&serde_json::to_string_pretty(&serde_json::json!({
        "circuit": id.to_string(),
        "keys": args.out.display().to_string(),
        "vk_hash": keys.verifier.vk_hash_hex(),
        "insecure": keys.is_insecure(),
    }))?)?;
    Ok(ExitCode::SUCCESS)
}
