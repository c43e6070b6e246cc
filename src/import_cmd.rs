//! `zkcredit import snarkjs`: a proof made by snarkjs, rapidsnark or another prover of the
//! circom ecosystem (from a ceremony key, `zkcredit ceremony`), as a zkcredit proof file that
//! `zkcredit verify`, the ledger and a node accept like any other.

use crate::exit::refused;
use crate::files::{read_json, unix_now, write_json};
use crate::keys::load_verifier;
use crate::output::println;
use anyhow::{anyhow, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use zkcredit_verifier::{snarkjs, Envelope, VerifyError};

/// `zkcredit import …`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Read snarkjs's proof.json and public.json (`snarkjs groth16 prove`, rapidsnark's
    /// `prover`), check the proof against the keys, and write it as a zkcredit proof file.
    Snarkjs {
        /// Keys directory of the circuit (ceremony keys: `zkcredit ceremony import`).
        #[arg(long)]
        keys: PathBuf,
        /// snarkjs's proof.json.
        #[arg(long, value_name = "proof.json")]
        proof: PathBuf,
        /// snarkjs's public.json.
        #[arg(long, value_name = "public.json")]
        public: PathBuf,
        /// zkcredit proof file to write.
        #[arg(long, value_name = "PROOF.json")]
        out: PathBuf,
    },
}

/// Runs `zkcredit import …`.
pub fn run(cmd: &Command) -> Result<ExitCode> {
    let Command::Snarkjs {
        keys,
        proof,
        public,
        out,
    } = cmd;
    let key = load_verifier(keys)?;
    let proof_json: serde_json::Value = read_json(proof, "snarkjs proof.json")?;
    let public_json: serde_json::Value = read_json(public, "snarkjs public.json")?;
    let env = Envelope {
        circuit: key.circuit().to_string(),
        vk_hash: Some(key.vk_hash()),
        public_inputs: snarkjs::public_from_json(&public_json)
            .map_err(|e| anyhow!("{}: {e}", public.display()))?,
        proof: snarkjs::proof_from_json(&proof_json)
            .map_err(|e| anyhow!("{}: {e}", proof.display()))?,
    };
    // The keys' own check: input count, the statement's ranges, the pairing.
    key.verify(&env).map_err(|e| match e {
        VerifyError::InvalidProof => refused(format!(
            "invalid: {} does not verify for these public inputs under the keys in {}",
            proof.display(),
            keys.display()
        )),
        e => anyhow!("{}, {}: {e}", proof.display(), public.display()),
    })?;
    write_json(
        out,
        &env.to_file(unix_now(), key.is_insecure()),
        false,
        true,
    )?;
    println(&format!(
        "{} verifies under {} ({}); written to {}",
        proof.display(),
        keys.display(),
        key.circuit(),
        out.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}
