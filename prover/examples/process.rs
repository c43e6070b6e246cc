//! The whole `zkcredit prove policy` process against stock ark-groth16's warm prove, in one
//! run (issue 12's "process ≤ 0.5× stock warm"):
//!
//! ```sh
//! cargo build --release -p zkcredit
//! cargo run --release -p zkcredit-prover --example process -- [depth] [rounds] [BINARY…]
//! ```
//!
//! Writes a policy world of `depth` (20) into a temporary directory — seeded keys, identity,
//! credential, registry, policy and request files, as the CLI reads them — then runs
//! `rounds` (15) interleaved rounds of: each BINARY's `prove policy` as a fresh process
//! (default `$CARGO_TARGET_DIR/release/zkcredit`, else `target/release/zkcredit`; give two
//! binaries, e.g. one built from main, to compare before and after), timed from spawn to
//! exit; stock ark-groth16 proving the same statement with its key already in memory; and
//! our prover warm. Prints medians, each process against stock warm, the load average before
//! and after, and each binary's peak RSS (`/usr/bin/time`, where it exists). Each binary's
//! last proof is checked with `zkcredit verify`. `PROCESS_KEEP=DIR` writes the world into
//! `DIR` and keeps it, to profile one `prove policy` by hand.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use zkcredit_circuits::circuit::PolicyCircuit;
use zkcredit_circuits::files::{IdentityFile, RegistryFile};
use zkcredit_circuits::prelude::*;
use zkcredit_prover::sample::{sample_world, SAMPLE_NOW};
use zkcredit_prover::{check_policy, setup};

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T) {
    std::fs::write(path, serde_json::to_vec_pretty(value).expect("JSON")).expect("write");
}

/// The `prove policy` arguments for the world in `dir`, writing `out`.
fn prove_args(dir: &Path, out: &str) -> Vec<String> {
    let p = |name: &str| dir.join(name).display().to_string();
    [
        "prove",
        "policy",
        "--keys",
        &p("keys"),
        "--identity",
        &p("id.json"),
        "--credential",
        &p("cred.json"),
        "--registry",
        &p("reg.json"),
        "--policy",
        &p("policy.json"),
        "--now",
        &SAMPLE_NOW.to_string(),
        "--request",
        &p("req.json"),
        "--scope",
        "42",
        "--holder-scope",
        "7",
        "--issued-after",
        "1700000000",
        "--out",
        &p(out),
    ]
    .map(String::from)
    .to_vec()
}

/// Runs `binary args`, output discarded; panics unless it succeeds.
fn run(binary: &Path, args: &[String]) -> Duration {
    let start = Instant::now();
    let status = Command::new(binary)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("spawn the zkcredit binary");
    let took = start.elapsed();
    assert!(status.success(), "{} {args:?}: {status}", binary.display());
    took
}

/// Peak RSS in KiB of one run, from `/usr/bin/time -f %M`.
fn peak_rss(binary: &Path, args: &[String]) -> Option<u64> {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(binary)
        .args(args)
        .stdout(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stderr);
    text.lines().last()?.trim().parse().ok()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let depth: usize = args.next().and_then(|d| d.parse().ok()).unwrap_or(20);
    let rounds: usize = args.next().and_then(|d| d.parse().ok()).unwrap_or(15);
    let mut binaries: Vec<PathBuf> = args.map(PathBuf::from).collect();
    if binaries.is_empty() {
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or("target".into(), PathBuf::from);
        binaries.push(target.join("release").join("zkcredit"));
    }
    for b in &binaries {
        assert!(
            b.exists(),
            "{} missing: cargo build --release -p zkcredit",
            b.display()
        );
    }

    // `PROCESS_KEEP=DIR` writes the world into DIR and keeps it (to profile one process).
    let keep = std::env::var_os("PROCESS_KEEP").map(PathBuf::from);
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("zkcredit-process-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let world = sample_world(depth, &mut rng).expect("sample world");
    let id = CircuitId::Policy { depth };
    let keys = setup(id, Some(1)).expect("setup");
    keys.save(&dir.join("keys")).expect("save keys");
    write_json(&dir.join("id.json"), &IdentityFile::new(&world.identity));
    write_json(&dir.join("cred.json"), &world.credential);
    write_json(&dir.join("reg.json"), &RegistryFile::new(&world.tree));
    write_json(&dir.join("policy.json"), &world.policy);
    // The request whose binding `sample_world` uses.
    let request = LoanRequest {
        chain_id: "zkcredit-bench".into(),
        account: "alice".into(),
        amount: 100_000,
        term: 12,
        rate_bps: 900,
        policy_id: 1,
        nonce: 1,
    };
    assert_eq!(request.binding(), world.request);
    write_json(&dir.join("req.json"), &request);
    // Scope 42, holder scope 7, issued after the credential's date: the CLI call below.
    let input = world.input().expect("input");
    assert_eq!(input.scope, Fr::from(42u64));

    let circuit = || {
        let (st, w) = check_policy(&input).expect("a true statement");
        PolicyCircuit::new(depth, st, w).expect("circuit")
    };
    let outs: Vec<String> = (0..binaries.len())
        .map(|i| format!("proof{i}.json"))
        .collect();
    let calls: Vec<Vec<String>> = outs.iter().map(|o| prove_args(&dir, o)).collect();
    // One unmeasured round: page cache, binaries, the stock prover's first allocations.
    for (b, c) in binaries.iter().zip(&calls) {
        run(b, c);
    }
    let _ = ark_groth16::Groth16::<ark_bn254::Bn254>::create_random_proof_with_reduction(
        circuit(),
        &keys.pk,
        &mut rng,
    );

    let load_before = load_average();
    let mut process = vec![Vec::new(); binaries.len()];
    let (mut stock, mut ours) = (Vec::new(), Vec::new());
    // Interleaved rounds: a change in the machine's load hits every variant alike.
    for _ in 0..rounds {
        for (i, (b, c)) in binaries.iter().zip(&calls).enumerate() {
            process[i].push(run(b, c));
        }
        let c = circuit();
        let t = Instant::now();
        let _ = ark_groth16::Groth16::<ark_bn254::Bn254>::create_random_proof_with_reduction(
            c, &keys.pk, &mut rng,
        )
        .expect("stock proof");
        stock.push(t.elapsed());
        let (_, t) = keys
            .prover
            .prove(&keys.pk, circuit(), &mut rng)
            .expect("proof");
        ours.push(t.total);
    }
    let load_after = load_average();

    let stock = median(stock);
    println!(
        "policy-d{depth}-k8-c4, {rounds} interleaved rounds, medians; load average {load_before} \
         before, {load_after} after"
    );
    println!("  stock ark-groth16, warm        {stock:8.1} ms");
    let ours = median(ours);
    println!(
        "  zkcredit prover, warm          {ours:8.1} ms   {:.2} x stock warm",
        ours / stock
    );
    for (i, b) in binaries.iter().enumerate() {
        let t = median(std::mem::take(&mut process[i]));
        let verify = [
            "verify",
            "--keys",
            &dir.join("keys").display().to_string(),
            &dir.join(&outs[i]).display().to_string(),
        ]
        .map(String::from);
        run(b, &verify);
        let rss = peak_rss(b, &calls[i]).map_or_else(
            || "peak RSS unknown".into(),
            |k| format!("peak RSS {k} KiB"),
        );
        println!(
            "  whole `prove policy` process   {t:8.1} ms   {:.2} x stock warm   {rss}   ({})",
            t / stock,
            b.display()
        );
    }
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
