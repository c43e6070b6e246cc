//! `zkcredit bench`: constraints, setup, prove, verify and batch-verify timings and sizes of
//! circuits, measured on this machine; across several depths and circuits it can also draw
//! the scaling chart as an SVG file ([`chart`]).

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
use zkcredit_circuits::merkle::DEFAULT_DEPTH;
use zkcredit_circuits::prelude::*;
use zkcredit_prover::sample::{sample_world, SampleWorld};
use zkcredit_prover::{Envelope, MembershipInput, ProvingKeys};
use zkcredit_verifier::PROOF_BYTES;

/// Arguments of `zkcredit bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The circuits to measure (comma-separated: `policy,membership`).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "policy")]
    circuit: Vec<Circuit>,
    /// Merkle tree depths, even, in bits (comma-separated, e.g. `4,8,12,16,20`).
    #[arg(long, value_delimiter = ',', default_values_t = [DEFAULT_DEPTH as u64],
          value_parser = crate::files::parse_depth)]
    depth: Vec<u64>,
    /// Proofs to time (the median is reported); verification runs 20 times as many.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
    iterations: u64,
    /// Proofs per batch for the batch-verification figure.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    batch: u64,
    /// Print JSON instead of a table (one object, or an array for several measurements).
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Print CSV, one row per circuit and depth.
    #[arg(long)]
    csv: bool,
    /// Also write the scaling chart (constraints, prove and verify time, proving-key size
    /// against depth, one line per circuit) to this SVG file.
    #[arg(long, value_name = "FILE")]
    svg: Option<std::path::PathBuf>,
}

/// What `zkcredit bench` reports.
#[derive(Debug, Serialize)]
struct Report {
    circuit: String,
    depth: usize,
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

/// Measures one circuit at one depth.
fn measure(a: &Args, circuit: Circuit, depth: u64) -> Result<Report> {
    let depth = usize::try_from(depth)?;
    let id = circuit.id(depth);
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
        env = Some(prove_once(&keys, circuit, depth, &world)?);
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
        depth,
        constraints: stats.constraints,
        public_inputs: stats.public_inputs,
        setup_ms,
        prove_ms: median(prove),
        verify_ms: median(verify),
        batch_size,
        batch_verify_ms: batch_ms,
        batch_verify_ms_per_proof: batch_ms / batch_size as f64,
        pk_bytes: zkcredit_prover::pk_file::encoded_len(&keys.pk, keys.prover.compact()),
        vk_bytes: verifier.vk().compressed_size(),
        proof_bytes: PROOF_BYTES,
        iterations: a.iterations,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    Ok(report)
}

const CSV_HEADER: &str = "circuit,depth,constraints,public_inputs,setup_ms,prove_ms,verify_ms,\
batch_size,batch_verify_ms_per_proof,pk_bytes,vk_bytes,proof_bytes,iterations,threads";

fn csv_row(r: &Report) -> String {
    format!(
        "{},{},{},{},{:.1},{:.2},{:.4},{},{:.4},{},{},{},{},{}",
        r.circuit,
        r.depth,
        r.constraints,
        r.public_inputs,
        r.setup_ms,
        r.prove_ms,
        r.verify_ms,
        r.batch_size,
        r.batch_verify_ms_per_proof,
        r.pk_bytes,
        r.vk_bytes,
        r.proof_bytes,
        r.iterations,
        r.threads
    )
}

/// Runs `zkcredit bench`.
pub fn run(a: &Args) -> Result<ExitCode> {
    let mut reports = Vec::new();
    for &circuit in &a.circuit {
        for &depth in &a.depth {
            reports.push(measure(a, circuit, depth)?);
        }
    }
    if let Some(path) = &a.svg {
        std::fs::write(path, chart::svg(&reports))
            .map_err(|e| anyhow!("writing the chart {}: {e}", path.display()))?;
    }
    if a.json {
        match reports.as_slice() {
            [one] => println(&serde_json::to_string_pretty(one)?)?,
            all => println(&serde_json::to_string_pretty(all)?)?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    if a.csv {
        println(CSV_HEADER)?;
        for r in &reports {
            println(&csv_row(r))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    for (i, report) in reports.iter().enumerate() {
        if i > 0 {
            println("")?;
        }
        print_table(a, report)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(a: &Args, report: &Report) -> Result<()> {
    let n_verify = a.iterations * 20;
    {
        let r = report;
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
    Ok(())
}

/// The scaling chart as a self-contained SVG: four panels (constraints, prove time, verify
/// time, proving-key size) against tree depth, one line per circuit. Hand-written SVG: a
/// few rectangles, polylines and labels need no plotting library or font files.
mod chart {
    use super::Report;
    use std::fmt::Write;

    const PANEL_W: f64 = 420.0;
    const PANEL_H: f64 = 260.0;
    const MARGIN_L: f64 = 70.0;
    const MARGIN_T: f64 = 40.0;
    const PLOT_W: f64 = PANEL_W - MARGIN_L - 20.0;
    const PLOT_H: f64 = PANEL_H - MARGIN_T - 50.0;
    const COLORS: [&str; 6] = [
        "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
    ];

    /// A panel: its title and the value it plots.
    type Panel = (&'static str, fn(&Report) -> f64);

    /// Escapes text for SVG element content and attribute values.
    pub(super) fn escape(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    }

    /// A compact tick label.
    fn label(v: f64) -> String {
        if v >= 1e6 {
            format!("{:.1}M", v / 1e6)
        } else if v >= 1e4 {
            format!("{:.0}k", v / 1e3)
        } else if v >= 100.0 {
            format!("{v:.0}")
        } else if v >= 10.0 {
            format!("{v:.1}")
        } else {
            format!("{v:.2}")
        }
    }

    /// The chart of `reports` (any order; grouped by circuit, sorted by depth).
    pub(super) fn svg(reports: &[Report]) -> String {
        let mut circuits: Vec<String> = Vec::new();
        for r in reports {
            // "policy-d20-k8-c4" and "policy-d16-k8-c4" are one series: drop the depth.
            let name = series(&r.circuit);
            if !circuits.contains(&name) {
                circuits.push(name);
            }
        }
        let panels: [Panel; 4] = [
            ("constraints", |r| r.constraints as f64),
            ("prove, ms (median)", |r| r.prove_ms),
            ("verify, ms (median)", |r| r.verify_ms),
            ("proving key, MB", |r| r.pk_bytes as f64 / 1e6),
        ];
        let (w, h) = (2.0 * PANEL_W, 2.0 * PANEL_H + 40.0);
        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(
            out,
            r#"<rect width="{w}" height="{h}" fill="white"/><text x="{}" y="22" text-anchor="middle" font-size="15">zkcredit bench: scaling with tree depth</text>"#,
            w / 2.0
        );
        let (dmin, dmax) = reports.iter().fold((f64::MAX, f64::MIN), |(lo, hi), r| {
            (lo.min(r.depth as f64), hi.max(r.depth as f64))
        });
        let dspan = if dmax > dmin { dmax - dmin } else { 1.0 };
        for (k, (title, value)) in panels.iter().enumerate() {
            let ox = (k % 2) as f64 * PANEL_W + MARGIN_L;
            let oy = (k / 2) as f64 * PANEL_H + 40.0 + MARGIN_T;
            let vmax = reports.iter().map(value).fold(0.0, f64::max);
            let vmax = if vmax > 0.0 { vmax * 1.1 } else { 1.0 };
            let x = |d: f64| ox + (d - dmin) / dspan * PLOT_W;
            let y = |v: f64| oy + PLOT_H - v / vmax * PLOT_H;
            let _ = writeln!(
                out,
                r#"<g class="panel"><text x="{}" y="{}" text-anchor="middle" font-size="13">{}</text>"#,
                ox + PLOT_W / 2.0,
                oy - 12.0,
                escape(title)
            );
            let _ = writeln!(
                out,
                r##"<rect x="{ox}" y="{oy}" width="{PLOT_W}" height="{PLOT_H}" fill="none" stroke="#888"/>"##
            );
            for t in 0..=4 {
                let v = vmax * f64::from(t) / 4.0;
                let _ = writeln!(
                    out,
                    r##"<line x1="{ox}" x2="{}" y1="{yy}" y2="{yy}" stroke="#eee"/><text x="{}" y="{}" text-anchor="end">{}</text>"##,
                    ox + PLOT_W,
                    ox - 6.0,
                    y(v) + 4.0,
                    label(v),
                    yy = y(v)
                );
            }
            let mut depths: Vec<usize> = reports.iter().map(|r| r.depth).collect();
            depths.sort_unstable();
            depths.dedup();
            for d in &depths {
                let _ = writeln!(
                    out,
                    r#"<text x="{}" y="{}" text-anchor="middle">{d}</text>"#,
                    x(*d as f64),
                    oy + PLOT_H + 16.0
                );
            }
            let _ = writeln!(
                out,
                r#"<text x="{}" y="{}" text-anchor="middle">tree depth</text>"#,
                ox + PLOT_W / 2.0,
                oy + PLOT_H + 34.0
            );
            for (c, name) in circuits.iter().enumerate() {
                let color = COLORS[c % COLORS.len()];
                let mut points: Vec<&Report> = reports
                    .iter()
                    .filter(|r| series(&r.circuit) == *name)
                    .collect();
                points.sort_by_key(|r| r.depth);
                let coords: Vec<String> = points
                    .iter()
                    .map(|r| format!("{:.1},{:.1}", x(r.depth as f64), y(value(r))))
                    .collect();
                let _ = writeln!(
                    out,
                    r#"<polyline class="series" data-circuit="{}" points="{}" fill="none" stroke="{color}" stroke-width="2"/>"#,
                    escape(name),
                    coords.join(" ")
                );
                for r in &points {
                    let _ = writeln!(
                        out,
                        r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{color}"><title>{} d{}: {}</title></circle>"#,
                        x(r.depth as f64),
                        y(value(r)),
                        escape(name),
                        r.depth,
                        label(value(r))
                    );
                }
            }
            out.push_str("</g>\n");
        }
        for (c, name) in circuits.iter().enumerate() {
            let _ = writeln!(
                out,
                r#"<text x="{}" y="{}" fill="{}">&#9632; {}</text>"#,
                20.0 + 200.0 * c as f64,
                h - 10.0,
                COLORS[c % COLORS.len()],
                escape(name)
            );
        }
        out.push_str("</svg>\n");
        out
    }

    /// The series a circuit id belongs to: the id without its depth (`policy-k8-c4`).
    fn series(circuit: &str) -> String {
        circuit
            .split('-')
            .filter(|part| {
                !(part.len() > 1
                    && part.starts_with('d')
                    && part[1..].bytes().all(|b| b.is_ascii_digit()))
            })
            .collect::<Vec<_>>()
            .join("-")
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn report(circuit: &str, depth: usize, prove_ms: f64) -> Report {
            Report {
                circuit: circuit.into(),
                depth,
                constraints: 1000 + 100 * depth,
                public_inputs: 4,
                setup_ms: 1.0,
                prove_ms,
                verify_ms: 1.2,
                batch_size: 4,
                batch_verify_ms: 1.0,
                batch_verify_ms_per_proof: 0.25,
                pk_bytes: 1_000_000 + 10_000 * depth,
                vk_bytes: 392,
                proof_bytes: 128,
                iterations: 1,
                threads: 2,
            }
        }

        #[test]
        fn one_line_per_circuit_in_each_of_four_panels() {
            let reports = vec![
                report("policy-d20-k8-c4", 20, 120.0),
                report("policy-d4-k8-c4", 4, 60.0),
                report("membership-d4", 4, 50.0),
                report("membership-d20", 20, 90.0),
            ];
            let svg = svg(&reports);
            assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
            assert!(svg.trim_end().ends_with("</svg>"));
            assert_eq!(svg.matches("<g class=\"panel\">").count(), 4);
            assert_eq!(svg.matches("</g>").count(), 4);
            assert_eq!(svg.matches("data-circuit=\"policy-k8-c4\"").count(), 4);
            assert_eq!(svg.matches("data-circuit=\"membership\"").count(), 4);
            // In the constraints panel (top left), two points per line: depth 4 at the left
            // edge and depth 20 at the right one, whatever order the reports came in.
            let left = MARGIN_L;
            let right = MARGIN_L + PLOT_W;
            assert!(svg.contains(&format!(
                "points=\"{left:.1},{:.1} {right:.1},",
                40.0 + MARGIN_T + PLOT_H - 1400.0 / (3000.0 * 1.1) * PLOT_H
            )));
            // Every number is finite: no NaN or inf from a degenerate scale.
            assert!(!svg.contains("NaN") && !svg.contains("inf"));
        }

        #[test]
        fn a_single_depth_and_odd_names_still_draw() {
            let svg = svg(&[report("a<b&\"c", 7, 0.0)]);
            assert!(svg.contains("a&lt;b&amp;&quot;c"));
            assert!(!svg.contains("NaN") && !svg.contains("inf"));
            assert_eq!(series("policy-d20-k8-c4"), "policy-k8-c4");
            assert_eq!(series("membership-d2"), "membership");
        }
    }
}
