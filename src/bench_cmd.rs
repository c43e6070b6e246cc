//! `zkcredit bench`: constraints, setup, prove, verify and batch-verify timings and sizes of
//! one circuit, measured on this machine.

use crate::output::println;
use crate::setup_cmd::Circuit;
use anyhow::{anyhow, Result};
use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_serialize::CanonicalSerialize;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::rngs::OsRng;
use serde::Serialize;
use std::process::ExitCode;
use std::time::Instant;
use zkcredit_circuits::merkle::{DEFAULT_DEPTH, MAX_DEPTH};
use zkcredit_circuits::prelude::*;
use zkcredit_prover::sample::{sample_world, SampleWorld};
use zkcredit_prover::{Envelope, MembershipInput, ProvingKeys};
use zkcredit_verifier::PROOF_BYTES;

/// Arguments of `zkcredit bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The circuit to measure.
    #[arg(long, value_enum, default_value = "policy")]
    circuit: Circuit,
    /// Merkle tree depth.
    #[arg(long, default_value_t = DEFAULT_DEPTH as u64,
          value_parser = clap::value_parser!(u64).range(1..=MAX_DEPTH as u64))]
    depth: u64,
    /// Proofs to time (the median is reported); verification runs 20 times as many.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
    iterations: u64,
    /// Proofs per batch for the batch-verification figure.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    batch: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// What `zkcredit bench` reports.
#[derive(Debug, Serialize)]
struct Report {
    circuit: String,
    constraints: usize,
    public_inputs: usize,
    setup_ms: f64,
    prove_ms: f64,
    verify_ms: f64,
    batch_size: usize,
    batch_verify_ms: f64,
    batch_verify_ms_per_proof: f64,
    pk_bytes: usize,
    vk_bytes: usize,
    proof_bytes: usize,
    iterations: u64,
    threads: usize,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn prove_once(
    keys: &ProvingKeys,
    circuit: Circuit,
    depth: usize,
    w: &SampleWorld,
) -> Result<Envelope> {
    let env = match circuit {
        Circuit::Policy => zkcredit_prover::prove_policy(keys, &w.input()?, &mut OsRng),
        Circuit::Membership => {
            let mut members = MerkleTree::new(depth)?;
            members.append(Fr::from(7u64))?;
            let index = members.append(w.identity.commitment())?;
            zkcredit_prover::prove_membership(
                keys,
                &MembershipInput {
                    identity: &w.identity,
                    path: members.path(index)?,
                    root: members.root(),
                    scope: w.scope,
                    signal: Fr::from(1u64),
                },
                &mut OsRng,
            )
        }
    };
    env.map_err(|e| anyhow!("proving: {e}"))
}

fn bar(len: u64, msg: &str) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template("{msg:<24} [{bar:30}] {pos}/{len} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(msg.to_string());
    pb
}

/// Runs `zkcredit bench`.
pub fn run(a: &Args) -> Result<ExitCode> {
    let depth = usize::try_from(a.depth)?;
    let id = a.circuit.id(depth);
    let stats = zkcredit_circuits::circuit::stats(id).map_err(|e| anyhow!("{id}: {e}"))?;

    let pb = crate::keys::spinner(format!("setup of {id}"));
    let t = Instant::now();
    let keys = zkcredit_prover::setup(id, None).map_err(|e| anyhow!("setup: {e}"))?;
    let setup_ms = ms(t);
    pb.finish_and_clear();

    let world = sample_world(depth, &mut OsRng)?;
    let pb = bar(a.iterations, "proving");
    let mut prove = Vec::new();
    let mut env = None;
    for _ in 0..a.iterations {
        let t = Instant::now();
        env = Some(prove_once(&keys, a.circuit, depth, &world)?);
        prove.push(ms(t));
        pb.inc(1);
    }
    pb.finish_and_clear();
    let env = env.ok_or_else(|| anyhow!("no proof"))?;

    let verifier = &keys.verifier;
    let n_verify = a.iterations * 20;
    let pb = bar(n_verify, "verifying");
    let mut verify = Vec::new();
    for _ in 0..n_verify {
        let t = Instant::now();
        verifier.verify(&env).map_err(|e| anyhow!("verify: {e}"))?;
        verify.push(ms(t));
        pb.inc(1);
    }
    pb.finish_and_clear();

    // A batch of distinct valid proofs: re-randomisations of the one we made.
    let batch_size = usize::try_from(a.batch)?;
    let envs: Vec<Envelope> = (0..batch_size)
        .map(|_| {
            let mut e = env.clone();
            e.proof = Groth16::<Bn254>::rerandomize_proof(verifier.vk(), &env.proof, &mut OsRng);
            e
        })
        .collect();
    let rounds = a.iterations.max(3);
    let pb = bar(rounds, &format!("batches of {batch_size}"));
    let mut batch = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        verifier
            .verify_batch(&envs)
            .map_err(|e| anyhow!("batch verify: {e}"))?;
        batch.push(ms(t));
        pb.inc(1);
    }
    pb.finish_and_clear();
    let batch_ms = median(batch);

    let report = Report {
        circuit: id.to_string(),
        constraints: stats.constraints,
        public_inputs: stats.public_inputs,
        setup_ms,
        prove_ms: median(prove),
        verify_ms: median(verify),
        batch_size,
        batch_verify_ms: batch_ms,
        batch_verify_ms_per_proof: batch_ms / batch_size as f64,
        pk_bytes: zkcredit_prover::pk_file::encoded_len(&keys.pk, keys.prover.matrices()),
        vk_bytes: verifier.vk().compressed_size(),
        proof_bytes: PROOF_BYTES,
        iterations: a.iterations,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    if a.json {
        println(&serde_json::to_string_pretty(&report)?)?;
    } else {
        let r = &report;
        println(&format!(
            "circuit                     {}\n\
             constraints                 {}\n\
             public inputs               {}\n\
             setup                       {:.0} ms\n\
             prove (median of {})         {:.1} ms\n\
             verify (median of {})       {:.3} ms\n\
             batch of {} (median)        {:.2} ms, {:.3} ms per proof\n\
             proving key                 {} bytes\n\
             verifying key               {} bytes\n\
             proof                       {} bytes\n\
             threads                     {}",
            r.circuit,
            r.constraints,
            r.public_inputs,
            r.setup_ms,
            a.iterations,
            r.prove_ms,
            n_verify,
            r.verify_ms,
            r.batch_size,
            r.batch_verify_ms,
            r.batch_verify_ms_per_proof,
            r.pk_bytes,
            r.vk_bytes,
            r.proof_bytes,
            r.threads
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
