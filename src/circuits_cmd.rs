//! `zkcredit circuits`: constraint budgets of every circuit shape.

use crate::output::println;
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use zkcredit_circuits::circuit::{stats, CircuitStats};
use zkcredit_circuits::merkle::DEFAULT_DEPTH;
use zkcredit_circuits::statement::CircuitId;

/// Arguments of `zkcredit circuits`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    export: Option<Export>,
    /// Tree depths to report besides the default 20 (repeat or separate with commas).
    #[arg(long, value_delimiter = ',', value_parser = crate::files::parse_depth)]
    depth: Vec<u64>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

/// `zkcredit circuits export-r1cs`.
#[derive(Debug, clap::Subcommand)]
enum Export {
    /// Write a circuit's relation in circom's binary .r1cs format (for snarkjs ceremonies).
    ExportR1cs {
        /// The circuit.
        #[arg(long, value_enum)]
        circuit: crate::setup_cmd::Circuit,
        /// Merkle tree depth (capacity in bits).
        #[arg(long, default_value_t = DEFAULT_DEPTH as u64,
              value_parser = crate::files::parse_depth)]
        depth: u64,
        /// The .r1cs file to write.
        #[arg(long, value_name = "FILE.r1cs")]
        out: PathBuf,
    },
}

fn export_r1cs(
    circuit: crate::setup_cmd::Circuit,
    depth: u64,
    out: &std::path::Path,
) -> Result<ExitCode> {
    let id = circuit.id(usize::try_from(depth).context("depth")?);
    let rel = zkcredit_ceremony::Relation::of(id).with_context(|| format!("synthesizing {id}"))?;
    zkcredit_ceremony::r1cs::write(&rel, out).map_err(|e| anyhow::anyhow!("{e}"))?;
    println(&serde_json::to_string_pretty(&serde_json::json!({
        "circuit": id.to_string(),
        "r1cs": out.display().to_string(),
        "wires": rel.num_vars,
        "constraints": rel.num_constraints(),
        "public_inputs": rel.num_public,
        "domain_size": rel.domain_size(),
        "ptau_power_needed": rel.domain_power() + 1,
    }))?)?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct Row {
    id: String,
    constraints: usize,
    public_inputs: usize,
    witness_variables: usize,
    /// Smallest power-of-two evaluation domain Groth16 needs (constraints + inputs + 1).
    domain_size: usize,
    sections: Vec<SectionRow>,
}

#[derive(Serialize)]
struct SectionRow {
    name: String,
    constraints: usize,
}

fn row(s: &CircuitStats) -> Row {
    Row {
        id: s.id.to_string(),
        constraints: s.constraints,
        public_inputs: s.public_inputs,
        witness_variables: s.witness_variables,
        domain_size: (s.constraints + s.public_inputs + 1).next_power_of_two(),
        sections: s
            .layout
            .sections
            .iter()
            .map(|sec| SectionRow {
                name: sec.name.clone(),
                constraints: sec.constraints.len(),
            })
            .collect(),
    }
}

/// Runs `zkcredit circuits`.
pub fn run(args: &Args) -> Result<ExitCode> {
    if let Some(Export::ExportR1cs {
        circuit,
        depth,
        out,
    }) = &args.export
    {
        return export_r1cs(*circuit, *depth, out);
    }
    let mut depths = vec![DEFAULT_DEPTH];
    for d in &args.depth {
        let d = usize::try_from(*d).context("depth")?;
        if !depths.contains(&d) {
            depths.push(d);
        }
    }
    let mut rows = Vec::new();
    for depth in depths {
        for id in [CircuitId::Policy { depth }, CircuitId::Membership { depth }] {
            let s = stats(id).with_context(|| format!("synthesizing {id}"))?;
            rows.push(row(&s));
        }
    }
    if args.json {
        println(&serde_json::to_string_pretty(&rows)?)?;
    } else {
        let mut text = format!(
            "{:<22} {:>11} {:>13} {:>9} {:>7}\n",
            "circuit", "constraints", "public inputs", "witnesses", "domain"
        );
        for r in &rows {
            text += &format!(
                "{:<22} {:>11} {:>13} {:>9} {:>7}\n",
                r.id, r.constraints, r.public_inputs, r.witness_variables, r.domain_size
            );
        }
        if let Some(first) = rows.first() {
            text += &format!("\n{} by part:\n", first.id);
            for s in &first.sections {
                text += &format!("  {:<24} {:>6}\n", s.name, s.constraints);
            }
        }
        println(text.trim_end())?;
    }
    Ok(ExitCode::SUCCESS)
}
