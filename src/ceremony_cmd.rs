//! `zkcredit ceremony`: a multi-party phase-2 trusted setup in snarkjs's `.zkey` format, so
//! that zkcredit and snarkjs participants can take turns (see `docs/ceremony.md`).

use crate::exit::refused;
use crate::output::println;
use crate::setup_cmd::Circuit;
use anyhow::{anyhow, bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zkcredit_ceremony::phase2::{self, Transcript};
use zkcredit_ceremony::ptau::{write_test_ptau, Ptau, MAX_TEST_POWER};
use zkcredit_ceremony::{CeremonyError, Relation, Zkey};
use zkcredit_circuits::merkle::DEFAULT_DEPTH;
use zkcredit_verifier::META_FILE;

/// Which circuit a ceremony is for.
#[derive(Debug, clap::Args)]
pub struct CircuitArgs {
    /// The circuit.
    #[arg(long, value_enum)]
    circuit: Circuit,
    /// Merkle tree depth (capacity in bits) of the circuit.
    #[arg(long, default_value_t = DEFAULT_DEPTH as u64,
          value_parser = crate::files::parse_depth)]
    depth: u64,
}

impl CircuitArgs {
    fn relation(&self) -> Result<Relation> {
        let id = self.circuit.id(usize::try_from(self.depth)?);
        Relation::of(id).with_context(|| format!("synthesizing {id}"))
    }
}

/// `zkcredit ceremony …`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Phase 2 from a Powers of Tau: writes the initial .zkey (no contribution yet).
    Init {
        #[command(flatten)]
        circuit: CircuitArgs,
        /// A snarkjs Powers of Tau prepared for phase 2 (`.ptau`).
        #[arg(long)]
        ptau: PathBuf,
        /// The .zkey to write, e.g. 0000.zkey.
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Add your contribution: reads IN, writes OUT, prints the hash to publish.
    Contribute {
        /// The latest .zkey of the ceremony.
        #[arg(value_name = "IN.zkey")]
        input: PathBuf,
        /// Your .zkey, to pass on.
        #[arg(value_name = "OUT.zkey")]
        output: PathBuf,
        /// Your name, recorded in the transcript.
        #[arg(long)]
        name: Option<String>,
        /// Extra entropy mixed with the operating system's randomness.
        #[arg(long)]
        entropy: Option<String>,
    },
    /// Close the ceremony with a public random beacon (e.g. a future block hash).
    Beacon {
        /// The last contributed .zkey.
        #[arg(value_name = "IN.zkey")]
        input: PathBuf,
        /// The final .zkey.
        #[arg(value_name = "OUT.zkey")]
        output: PathBuf,
        /// The beacon value, hex.
        #[arg(long)]
        beacon: String,
        /// SHA-256 is applied 2^N times to the beacon (10..=63), as snarkjs's numIterationsExp.
        #[arg(long, value_name = "N")]
        iterations: u32,
        /// Name recorded in the transcript.
        #[arg(long, default_value = "beacon")]
        name: String,
    },
    /// Check that every contribution chains from the Powers of Tau and the relation; prints
    /// the transcript. Exit 1 if the .zkey is refused.
    Verify {
        /// The .zkey to check.
        #[arg(value_name = "FILE.zkey")]
        file: PathBuf,
        /// The Powers of Tau the ceremony started from.
        #[arg(long)]
        ptau: PathBuf,
        #[command(flatten)]
        circuit: CircuitArgs,
    },
    /// Verify a final .zkey and write it as a keys directory marked with its transcript hash.
    Import {
        /// The final .zkey.
        #[arg(value_name = "FILE.zkey")]
        file: PathBuf,
        /// The Powers of Tau the ceremony started from.
        #[arg(long)]
        ptau: PathBuf,
        #[command(flatten)]
        circuit: CircuitArgs,
        /// Keys directory to write.
        #[arg(long, value_name = "KEYS")]
        out: PathBuf,
        /// Replace existing keys in the directory.
        #[arg(long)]
        force: bool,
    },
    /// Write a small INSECURE Powers of Tau for tests (its tau is derivable from the seed).
    TestPtau {
        /// 2^power is the largest domain it serves; the H query needs domain power + 1.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=MAX_TEST_POWER as i64))]
        power: u32,
        /// The .ptau to write.
        #[arg(long)]
        out: PathBuf,
        /// Seed of tau, alpha and beta.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

fn read_zkey(path: &Path) -> Result<Zkey> {
    Zkey::read(path).map_err(|e| anyhow!("{e}"))
}

fn no_overwrite(path: &Path, force: bool) -> Result<()> {
    if !force && path.exists() {
        bail!(
            "{} already exists (pass --force to overwrite it)",
            path.display()
        );
    }
    Ok(())
}

/// A refusal (exit 1) for chain and relation failures, a usage error otherwise.
fn classify(file: &Path, e: CeremonyError) -> anyhow::Error {
    match e {
        CeremonyError::Contribution { .. } | CeremonyError::Mismatch(_) => {
            refused(format!("refused: {}: {e}", file.display()))
        }
        other => anyhow!("{other}"),
    }
}

fn verify_file(file: &Path, ptau: &Path, rel: &Relation) -> Result<(Zkey, Transcript)> {
    let zkey = read_zkey(file)?;
    zkcredit_ceremony::check_relation(&zkey, rel).map_err(|e| classify(file, e))?;
    let mut ptau = Ptau::open(ptau).map_err(|e| anyhow!("{e}"))?;
    let init = phase2::new_zkey(rel, &mut ptau).map_err(|e| classify(file, e))?;
    let t = phase2::verify(&zkey, &init).map_err(|e| classify(file, e))?;
    Ok((zkey, t))
}

fn transcript_json(t: &Transcript) -> serde_json::Value {
    serde_json::json!({
        "circuit_hash": t.circuit_hash,
        "transcript_hash": t.transcript_hash,
        "contributions": t.contributions.iter().map(|c| serde_json::json!({
            "index": c.index,
            "name": c.name,
            "hash": c.hash,
            "beacon": c.beacon.as_ref().map(|(h, e)| serde_json::json!({"hash": h, "iterations_exp": e})),
        })).collect::<Vec<_>>(),
    })
}

/// Runs `zkcredit ceremony …`.
pub fn run(cmd: &Command) -> Result<ExitCode> {
    match cmd {
        Command::Init {
            circuit,
            ptau,
            out,
            force,
        } => {
            no_overwrite(out, *force)?;
            let rel = circuit.relation()?;
            let mut p = Ptau::open(ptau).map_err(|e| anyhow!("{e}"))?;
            let zkey = phase2::new_zkey(&rel, &mut p).map_err(|e| anyhow!("{e}"))?;
            zkey.write(out).map_err(|e| anyhow!("{e}"))?;
            println(&serde_json::to_string_pretty(&serde_json::json!({
                "circuit": rel.id.to_string(),
                "constraints": rel.num_constraints(),
                "public_inputs": rel.num_public,
                "domain_size": rel.domain_size(),
                "circuit_hash": hex::encode(zkey.cs_hash),
                "zkey": out.display().to_string(),
            }))?)?;
        }
        Command::Contribute {
            input,
            output,
            name,
            entropy,
        } => {
            let mut zkey = read_zkey(input)?;
            phase2::verify_chain(&zkey).map_err(|e| classify(input, e))?;
            let hash = phase2::contribute(
                &mut zkey,
                name.clone(),
                entropy.as_deref().unwrap_or("").as_bytes(),
            )
            .map_err(|e| anyhow!("{e}"))?;
            zkey.write(output).map_err(|e| anyhow!("{e}"))?;
            println(&format!(
                "contribution #{} written to {}\ncontribution hash (publish it):\n{}",
                zkey.contributions.len(),
                output.display(),
                hex::encode(hash)
            ))?;
        }
        Command::Beacon {
            input,
            output,
            beacon,
            iterations,
            name,
        } => {
            let value = hex::decode(beacon).context("--beacon must be hex")?;
            let mut zkey = read_zkey(input)?;
            phase2::verify_chain(&zkey).map_err(|e| classify(input, e))?;
            let hash = phase2::beacon(&mut zkey, Some(name.clone()), &value, *iterations)
                .map_err(|e| anyhow!("{e}"))?;
            zkey.write(output).map_err(|e| anyhow!("{e}"))?;
            println(&format!(
                "beacon contribution #{} written to {}\ncontribution hash:\n{}",
                zkey.contributions.len(),
                output.display(),
                hex::encode(hash)
            ))?;
        }
        Command::Verify {
            file,
            ptau,
            circuit,
        } => {
            let rel = circuit.relation()?;
            let (_, t) = verify_file(file, ptau, &rel)?;
            let mut json = transcript_json(&t);
            json["circuit"] = rel.id.to_string().into();
            json["valid"] = true.into();
            println(&serde_json::to_string_pretty(&json)?)?;
        }
        Command::Import {
            file,
            ptau,
            circuit,
            out,
            force,
        } => {
            if !force && out.join(META_FILE).exists() {
                bail!(
                    "{} already holds keys (pass --force to replace them)",
                    out.display()
                );
            }
            let rel = circuit.relation()?;
            let (zkey, t) = verify_file(file, ptau, &rel)?;
            if t.contributions.is_empty() {
                return Err(refused(format!(
                    "refused: {} has no contribution: its delta is public, anyone could forge proofs",
                    file.display()
                )));
            }
            let keys = zkcredit_ceremony::import(&zkey, &rel, &t).map_err(|e| anyhow!("{e}"))?;
            keys.save(out)
                .map_err(|e| anyhow!("writing keys to {}: {e}", out.display()))?;
            let mut json = transcript_json(&t);
            json["circuit"] = rel.id.to_string().into();
            json["keys"] = out.display().to_string().into();
            json["vk_hash"] = keys.verifier.vk_hash_hex().into();
            println(&serde_json::to_string_pretty(&json)?)?;
        }
        Command::TestPtau { power, out, seed } => {
            eprintln!(
                "WARNING: INSECURE Powers of Tau: tau is derived from the seed, so anyone can \
                 forge proofs for keys made on it. For tests only."
            );
            write_test_ptau(out, *power, *seed).map_err(|e| anyhow!("{e}"))?;
            println(&format!(
                "wrote {} (power {power}, INSECURE)",
                out.display()
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
