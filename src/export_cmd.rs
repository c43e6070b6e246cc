//! `zkcredit export snarkjs`: a proof and its key in snarkjs's JSON formats.

use crate::files::{read_proof, write_json};
use crate::keys::load_verifier;
use crate::output::println;
use anyhow::{anyhow, bail, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use zkcredit_verifier::snarkjs;

/// `zkcredit export …`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Write verification_key.json, proof.json and public.json for `snarkjs groth16 verify`.
    Snarkjs {
        /// Keys directory the proof was made with.
        #[arg(long)]
        keys: PathBuf,
        /// Proof file.
        #[arg(value_name = "PROOF.json")]
        proof: PathBuf,
        /// Output directory (created if absent).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

/// Runs `zkcredit export …`.
pub fn run(cmd: &Command) -> Result<ExitCode> {
    let Command::Snarkjs { keys, proof, out } = cmd;
    let key = load_verifier(keys)?;
    let (_, env) = read_proof(proof)?;
    if env.circuit != key.circuit() {
        bail!(
            "{} is a {} proof but the keys in {} are for {}",
            proof.display(),
            env.circuit,
            keys.display(),
            key.circuit()
        );
    }
    if env.public_inputs.len() != key.num_public_inputs() {
        bail!(
            "{}: {} public inputs, the key expects {}",
            proof.display(),
            env.public_inputs.len(),
            key.num_public_inputs()
        );
    }
    std::fs::create_dir_all(out).map_err(|e| anyhow!("cannot create {}: {e}", out.display()))?;
    write_json(
        &out.join("verification_key.json"),
        &snarkjs::verification_key_json(key.vk()),
        false,
        true,
    )?;
    write_json(
        &out.join("proof.json"),
        &snarkjs::proof_json(&env.proof),
        false,
        true,
    )?;
    write_json(
        &out.join("public.json"),
        &snarkjs::public_json(&env.public_inputs),
        false,
        true,
    )?;
    println(&format!(
        "wrote {dir}/verification_key.json, {dir}/proof.json, {dir}/public.json; check with: \
         snarkjs groth16 verify verification_key.json public.json proof.json",
        dir = out.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}
