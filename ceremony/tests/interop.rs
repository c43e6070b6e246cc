//! A phase-2 ceremony on `policy-d20` in which zkcredit and snarkjs 0.7.6 take turns:
//! the `.r1cs` export read by `snarkjs r1cs info`; zkcredit's initial `.zkey` byte for byte
//! equal to `snarkjs zkey new`'s; zkcredit, snarkjs, zkcredit contributions and a zkcredit
//! beacon; `snarkjs zkey verify` and zkcredit's verify both accept; the imported keys prove
//! and snarkjs verifies the proof; the other way round, snarkjs proves from zkcredit's
//! `.wtns` witness (after `snarkjs wtns check`) and zkcredit verifies that proof (rapidsnark
//! too, with `RAPIDSNARK=path/to/prover`); a tampered contribution and a tampered point are
//! refused by both. Timings of both implementations are printed (`--nocapture`).
//!
//! Needs snarkjs (`npm ci --prefix .ci`); skips without it unless `ZKCREDIT_REQUIRE_SNARKJS=1`.

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::AdditiveGroup;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use zkcredit_ceremony::phase2::{self, new_zkey, verify};
use zkcredit_ceremony::ptau::{write_test_ptau, Ptau};
use zkcredit_ceremony::{import, r1cs, wtns, CeremonyError, Relation, Zkey};
use zkcredit_circuits::circuit::PolicyCircuit;
use zkcredit_circuits::statement::CircuitId;
use zkcredit_prover::{check_policy, sample, ProvingKeys};
use zkcredit_verifier::{snarkjs, Envelope};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("zkcredit-ceremony-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The snarkjs CLI: `$SNARKJS`, else `.ci/node_modules/.bin/snarkjs` or
/// `node_modules/.bin/snarkjs` under the workspace root, else `snarkjs` on `PATH`.
fn find_snarkjs() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("SNARKJS") {
        return Some(PathBuf::from(p));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for rel in [".ci/node_modules/.bin/snarkjs", "node_modules/.bin/snarkjs"] {
        let p = root.join(rel);
        if p.exists() {
            return Some(p);
        }
    }
    let ok = Command::new("snarkjs").arg("--version").output().is_ok();
    ok.then(|| PathBuf::from("snarkjs"))
}

/// Runs snarkjs; returns (success, stdout + stderr, seconds).
fn snarkjs(cli: &Path, args: &[&str]) -> (bool, String, f64) {
    let start = Instant::now();
    let out = Command::new(cli)
        .args(args)
        .output()
        .expect("running snarkjs");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // snarkjs 0.7 exits 0 on some failures; its verify prints "ZKey Ok!" / "OK!" on success.
    (out.status.success(), log, start.elapsed().as_secs_f64())
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn ceremony_with_snarkjs_on_policy_d20() {
    let Some(cli) = find_snarkjs() else {
        assert!(
            std::env::var("ZKCREDIT_REQUIRE_SNARKJS").as_deref() != Ok("1"),
            "snarkjs not found and ZKCREDIT_REQUIRE_SNARKJS=1"
        );
        println!("snarkjs not found, skipping the ceremony interop test");
        return;
    };
    let dir = TempDir::new("interop");
    let id = CircuitId::Policy { depth: 20 };
    let rel = Relation::of(id).expect("relation");
    assert_eq!(rel.num_public, id.num_public_inputs());

    // 1. The relation as .r1cs, read by snarkjs.
    let r1cs_path = dir.path("policy.r1cs");
    r1cs::write(&rel, &r1cs_path).expect("write r1cs");
    let (ok, log, _) = snarkjs(&cli, &["r1cs", "info", s(&r1cs_path)]);
    assert!(ok, "snarkjs r1cs info failed:\n{log}");
    assert!(
        log.contains(&format!("# of Wires: {}", rel.num_vars)),
        "{log}"
    );
    assert!(
        log.contains(&format!("# of Constraints: {}", rel.num_constraints())),
        "{log}"
    );
    assert!(
        log.contains(&format!("# of Public Inputs: {}", rel.num_public)),
        "{log}"
    );
    let back = r1cs::read(&r1cs_path).expect("read r1cs back");
    assert_eq!(back.constraints.len(), rel.num_constraints());
    for (k, rows) in back.constraints.iter().enumerate() {
        assert_eq!(rows[0], rel.a[k]);
        assert_eq!(rows[1], rel.b[k]);
        assert_eq!(rows[2], rel.c[k]);
    }

    // 2. A test Powers of Tau just large enough (the H query needs twice the domain).
    let power = rel.domain_power() + 1;
    let ptau_path = dir.path("test.ptau");
    let t = Instant::now();
    write_test_ptau(&ptau_path, power, 7).expect("test ptau");
    println!(
        "test ptau power {power}: {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // 3. The initial key: zkcredit's equals snarkjs's.
    let t = Instant::now();
    let mut ptau = Ptau::open(&ptau_path).expect("open ptau");
    let init = new_zkey(&rel, &mut ptau).expect("zkey new");
    let z0 = dir.path("0000.zkey");
    init.write(&z0).expect("write 0000");
    let ours_new = t.elapsed().as_secs_f64();
    let snark0 = dir.path("snark0.zkey");
    let (ok, log, theirs_new) = snarkjs(
        &cli,
        &["zkey", "new", s(&r1cs_path), s(&ptau_path), s(&snark0)],
    );
    assert!(ok && snark0.exists(), "snarkjs zkey new failed:\n{log}");
    let theirs = Zkey::read(&snark0).expect("read snarkjs's zkey");
    assert_eq!(theirs, init, "snarkjs zkey new and zkcredit's init differ");

    // 4. Contributions: zkcredit, snarkjs, zkcredit, then a zkcredit beacon.
    let t = Instant::now();
    let mut z = Zkey::read(&z0).expect("read 0000");
    let h1 = phase2::contribute(&mut z, Some("alice (zkcredit)".into()), b"alice's dice")
        .expect("contribute");
    let z1 = dir.path("0001.zkey");
    z.write(&z1).expect("write 0001");
    let ours_contribute = t.elapsed().as_secs_f64();
    let z2 = dir.path("0002.zkey");
    let (ok, log, theirs_contribute) = snarkjs(
        &cli,
        &[
            "zkey",
            "contribute",
            s(&z1),
            s(&z2),
            "--name=bob (snarkjs)",
            "-e=bob's entropy",
        ],
    );
    assert!(ok && z2.exists(), "snarkjs zkey contribute failed:\n{log}");
    let mut z = Zkey::read(&z2).expect("read 0002");
    assert_eq!(z.contributions.len(), 2);
    assert_eq!(hex::encode(z.contributions[0].hash()), hex::encode(h1));
    phase2::contribute(&mut z, Some("carol (zkcredit)".into()), b"").expect("contribute");
    let z3 = dir.path("0003.zkey");
    z.write(&z3).expect("write 0003");
    let beacon = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    phase2::beacon(
        &mut z,
        Some("final beacon".into()),
        &hex::decode(beacon).expect("hex"),
        10,
    )
    .expect("beacon");
    let fin = dir.path("final.zkey");
    z.write(&fin).expect("write final");

    // 5. Both verifiers accept the final key.
    let (ok, log, theirs_verify) = snarkjs(
        &cli,
        &["zkey", "verify", s(&r1cs_path), s(&ptau_path), s(&fin)],
    );
    assert!(
        ok && log.contains("ZKey Ok!"),
        "snarkjs zkey verify rejected the final key:\n{log}"
    );
    // zkcredit's verify recomputes the initial key (as snarkjs's does): its time is that of
    // `zkey new` above plus the checks timed here.
    let t = Instant::now();
    let init_again = init.clone();
    let final_key = Zkey::read(&fin).expect("read final");
    let transcript = verify(&final_key, &init_again).expect("zkcredit verify");
    let ours_verify = ours_new + t.elapsed().as_secs_f64();
    assert_eq!(transcript.contributions.len(), 4);
    assert!(transcript.contributions[3].beacon.is_some());
    assert_eq!(
        transcript.contributions[1].name.as_deref(),
        Some("bob (snarkjs)")
    );

    // A snarkjs beacon is accepted by zkcredit too.
    let fin_s = dir.path("final-snarkjs-beacon.zkey");
    let (ok, log, _) = snarkjs(
        &cli,
        &[
            "zkey",
            "beacon",
            s(&z3),
            s(&fin_s),
            beacon,
            "10",
            "-n=snarkjs beacon",
        ],
    );
    assert!(ok && fin_s.exists(), "snarkjs zkey beacon failed:\n{log}");
    let zs = Zkey::read(&fin_s).expect("read snarkjs beacon");
    verify(&zs, &init_again).expect("zkcredit accepts snarkjs's beacon");
    // The same beacon on the same key gives the same key, whoever computes it.
    assert_eq!(
        zs.delta1, final_key.delta1,
        "zkcredit and snarkjs beacons differ"
    );

    println!(
        "policy-d20 phase 2 (one run, machine shared): zkey new zkcredit {ours_new:.1} s / snarkjs {theirs_new:.1} s; \
         contribute zkcredit {ours_contribute:.1} s / snarkjs {theirs_contribute:.1} s; \
         verify zkcredit {ours_verify:.1} s / snarkjs {theirs_verify:.1} s"
    );

    // 6. Import, prove with circom's reduction, verify here and with snarkjs.
    let keys = import(&final_key, &rel, &transcript).expect("import");
    let kdir = dir.path("keys");
    keys.save(&kdir).expect("save keys");
    let keys = ProvingKeys::load(&kdir).expect("load keys");
    assert!(!keys.is_insecure());
    let meta = keys.meta.ceremony.as_ref().expect("ceremony provenance");
    assert_eq!(meta.transcript_hash, transcript.transcript_hash);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let world = sample::sample_world(20, &mut rng).expect("sample");
    let input = world.input().expect("input");
    let env: Envelope =
        zkcredit_prover::prove_policy(&keys, &input, &mut rng).expect("prove with ceremony keys");
    keys.verifier.verify(&env).expect("verify");
    let out = dir.path("snarkjs-proof");
    std::fs::create_dir_all(&out).expect("dir");
    let write = |name: &str, v: serde_json::Value| {
        std::fs::write(out.join(name), v.to_string()).expect("write json")
    };
    write(
        "verification_key.json",
        snarkjs::verification_key_json(keys.verifier.vk()),
    );
    write("proof.json", snarkjs::proof_json(&env.proof));
    write("public.json", snarkjs::public_json(&env.public_inputs));
    let (ok, log, _) = snarkjs(
        &cli,
        &[
            "groth16",
            "verify",
            s(&out.join("verification_key.json")),
            s(&out.join("public.json")),
            s(&out.join("proof.json")),
        ],
    );
    assert!(
        ok && log.contains("OK"),
        "snarkjs rejected a proof made with ceremony keys:\n{log}"
    );
    // snarkjs's own export of the verification key is ours.
    let vk_theirs = out.join("vk_theirs.json");
    let (ok, log, _) = snarkjs(
        &cli,
        &["zkey", "export", "verificationkey", s(&fin), s(&vk_theirs)],
    );
    assert!(ok, "{log}");
    let theirs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&vk_theirs).expect("vk")).expect("json");
    let ours = snarkjs::verification_key_json(keys.verifier.vk());
    for field in ["vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC"] {
        assert_eq!(theirs[field], ours[field], "{field}");
    }

    // Proving time with ceremony keys against seeded keys of the same circuit, one run.
    let seeded = zkcredit_prover::setup(id, Some(3)).expect("setup");
    let (st, wit) = check_policy(&input).expect("statement");
    let mut best = [f64::MAX; 2];
    for _ in 0..3 {
        for (k, keys) in [&seeded, &keys].into_iter().enumerate() {
            let c = PolicyCircuit::new(20, st.clone(), wit.clone()).expect("circuit");
            let (_, t) = keys.prover.prove(&keys.pk, c, &mut rng).expect("prove");
            best[k] = best[k].min(t.total.as_secs_f64());
        }
    }
    println!(
        "proving policy-d20, best of 3 (debug test profile, machine shared): seeded {:.0} ms, ceremony {:.0} ms ({:+.1} %)",
        best[0] * 1e3,
        best[1] * 1e3,
        (best[1] / best[0] - 1.0) * 100.0
    );

    // 6b. The other way round: zkcredit writes the proof's witness as .wtns, snarkjs checks
    // it against the exported .r1cs and proves with the ceremony's final .zkey, and zkcredit
    // verifies snarkjs's proof (imported from proof.json and public.json) with the imported
    // keys. With $RAPIDSNARK set to a rapidsnark `prover` binary, the same for rapidsnark.
    let z = wtns::assignment(PolicyCircuit::new(20, st.clone(), wit.clone()).expect("circuit"))
        .expect("assignment");
    wtns::check(&rel, &z).expect("the witness satisfies the relation");
    let w = dir.path("policy.wtns");
    wtns::write(&z, &w).expect("write wtns");
    let (ok, log, _) = snarkjs(&cli, &["wtns", "check", s(&r1cs_path), s(&w)]);
    assert!(
        ok && log.contains("WITNESS IS CORRECT"),
        "snarkjs wtns check:\n{log}"
    );
    let read_json = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json")
    };
    let imported = |proof: &Path, public: &Path| Envelope {
        circuit: id.to_string(),
        vk_hash: None,
        public_inputs: snarkjs::public_from_json(&read_json(public)).expect("public.json"),
        proof: snarkjs::proof_from_json(&read_json(proof)).expect("proof.json"),
    };
    let (pj, pubj) = (out.join("their-proof.json"), out.join("their-public.json"));
    let (ok, log, t_prove) = snarkjs(
        &cli,
        &["groth16", "prove", s(&fin), s(&w), s(&pj), s(&pubj)],
    );
    assert!(ok, "snarkjs groth16 prove:\n{log}");
    let theirs = imported(&pj, &pubj);
    assert_eq!(theirs.public_inputs, env.public_inputs);
    keys.verifier
        .verify(&theirs)
        .expect("zkcredit refused snarkjs's proof of its relation");
    let mut forged = theirs.clone();
    forged.public_inputs[3] += ark_bn254::Fr::from(1u64);
    assert!(keys.verifier.verify(&forged).is_err());
    println!("snarkjs groth16 prove of policy-d20 from zkcredit's .wtns: {t_prove:.2} s (verified by zkcredit)");
    if let Some(rapidsnark) = std::env::var_os("RAPIDSNARK") {
        let (pj, pubj) = (out.join("rs-proof.json"), out.join("rs-public.json"));
        let t = Instant::now();
        let status = Command::new(&rapidsnark)
            .args([&fin, &w, &pj, &pubj])
            .status()
            .expect("run rapidsnark");
        let secs = t.elapsed().as_secs_f64();
        assert!(status.success(), "rapidsnark failed");
        keys.verifier
            .verify(&imported(&pj, &pubj))
            .expect("zkcredit refused rapidsnark's proof of its relation");
        println!("rapidsnark prove of policy-d20 from zkcredit's .wtns: {secs:.3} s (verified by zkcredit)");
    }

    // 7. Refusals by both: a contribution that does not chain, a tampered point.
    let mut bad = final_key.clone();
    bad.contributions[1].g1_sx = (bad.contributions[1].g1_sx.into_group().double()).into_affine();
    let bad_c = dir.path("bad-contribution.zkey");
    bad.write(&bad_c).expect("write");
    let err = verify(&Zkey::read(&bad_c).expect("read"), &init_again)
        .expect_err("tampered contribution accepted");
    assert!(
        matches!(err, CeremonyError::Contribution { index: 2, .. }),
        "{err}"
    );
    let (ok, log, _) = snarkjs(
        &cli,
        &["zkey", "verify", "init", s(&z0), s(&ptau_path), s(&bad_c)],
    );
    assert!(
        !(ok && log.contains("ZKey Ok!")),
        "snarkjs accepted a tampered contribution:\n{log}"
    );

    let mut bad = final_key.clone();
    bad.h[5] = (bad.h[5].into_group().double()).into_affine();
    let bad_h = dir.path("bad-point.zkey");
    bad.write(&bad_h).expect("write");
    let err = verify(&Zkey::read(&bad_h).expect("read"), &init_again)
        .expect_err("tampered point accepted");
    assert!(err.to_string().contains("section 9 (H)"), "{err}");
    let (ok, log, _) = snarkjs(
        &cli,
        &["zkey", "verify", "init", s(&z0), s(&ptau_path), s(&bad_h)],
    );
    assert!(
        !(ok && log.contains("ZKey Ok!")),
        "snarkjs accepted a tampered H point:\n{log}"
    );
}
