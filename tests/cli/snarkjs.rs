//! snarkjs interop: export for `snarkjs groth16 verify`, import of snarkjs-format proofs.

use super::*;

/// The snarkjs CLI: `$SNARKJS`, else `node_modules/.bin/snarkjs` or
/// `.ci/node_modules/.bin/snarkjs` under the workspace root, else `snarkjs` on `PATH`.
fn find_snarkjs() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SNARKJS") {
        return Some(PathBuf::from(p));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for rel in ["node_modules/.bin/snarkjs", ".ci/node_modules/.bin/snarkjs"] {
        let p = root.join(rel);
        if p.exists() {
            return Some(p);
        }
    }
    let ok = Command::new("snarkjs").arg("--version").output().is_ok();
    ok.then(|| PathBuf::from("snarkjs"))
}

#[test]
fn snarkjs_verifies_an_exported_proof() {
    let w = world();
    let dir = w.path("snarkjs");
    expect(
        &[
            "export",
            "snarkjs",
            "--keys",
            s(&w.policy_keys),
            s(&w.proof),
            "--out",
            s(&dir),
        ],
        0,
        &["verification_key.json"],
    );
    for f in ["verification_key.json", "proof.json", "public.json"] {
        assert!(dir.join(f).exists(), "{f} written");
    }
    let public: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("public.json")).unwrap()).unwrap();
    assert_eq!(public, proof_json()["public_inputs"]);
    let Some(cli) = find_snarkjs() else {
        assert!(
            std::env::var("ZKCREDIT_REQUIRE_SNARKJS").as_deref() != Ok("1"),
            "snarkjs not found and ZKCREDIT_REQUIRE_SNARKJS=1"
        );
        println!("snarkjs not found, skipping the interop check");
        return;
    };
    let run = || {
        let out = Command::new(&cli)
            .current_dir(&dir)
            .args([
                "groth16",
                "verify",
                "verification_key.json",
                "public.json",
                "proof.json",
            ])
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", cli.display()));
        (
            out.status.success(),
            format!("{}{}", text(&out.stdout), text(&out.stderr)),
        )
    };
    let (ok, log) = run();
    assert!(
        ok && log.contains("OK"),
        "snarkjs rejected a valid exported proof:\n{log}"
    );
    // And rejects it for another now.
    let mut tampered = public.clone();
    tampered[2] = (NOW + 1).to_string().into();
    write(&dir.join("public.json"), &tampered);
    let (ok, log) = run();
    assert!(
        !ok && !log.contains("OK!"),
        "snarkjs accepted a tampered input:\n{log}"
    );
}

/// A proof in snarkjs's JSON (here our own, exported) imports back as a zkcredit proof file
/// that `zkcredit verify` accepts; import checks the proof (exit 1 when it does not verify)
/// and decodes strictly (exit 2 naming the file and field).
#[test]
fn a_snarkjs_proof_imports_and_verifies_and_import_is_strict() {
    let w = world();
    let dir = w.path("import");
    expect(
        &[
            "export",
            "snarkjs",
            "--keys",
            s(&w.policy_keys),
            s(&w.proof),
            "--out",
            s(&dir),
        ],
        0,
        &[],
    );
    let (proof, public) = (dir.join("proof.json"), dir.join("public.json"));
    let out = dir.join("imported.json");
    let import = |proof: &Path, public: &Path, code: i32, needles: &[&str]| {
        expect(
            &[
                "import",
                "snarkjs",
                "--keys",
                s(&w.policy_keys),
                "--proof",
                s(proof),
                "--public",
                s(public),
                "--out",
                s(&out),
            ],
            code,
            needles,
        )
    };
    import(&proof, &public, 0, &["verifies under"]);
    let flags = full_expectations(w);
    verify_with(&out, &flags, 0, &["valid"]);
    let imported: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(imported["public_inputs"], proof_json()["public_inputs"]);
    assert_eq!(imported["proof"], proof_json()["proof"]);

    // Another `now`: a well-formed proof that does not verify.
    let mut tampered: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&public).unwrap()).unwrap();
    tampered[3] = (NOW + 1).to_string().into();
    let bad_public = dir.join("bad-public.json");
    write(&bad_public, &tampered);
    import(&proof, &bad_public, 1, &["invalid", "does not verify"]);
    // A value not below r, and a point off the curve: malformed, named.
    tampered[3] = P.into();
    write(&bad_public, &tampered);
    import(&proof, &bad_public, 2, &["public input 3 is not below"]);
    let mut p: serde_json::Value = serde_json::from_slice(&std::fs::read(&proof).unwrap()).unwrap();
    p["pi_a"][1] = "3".into();
    let bad_proof = dir.join("bad-proof.json");
    write(&bad_proof, &p);
    import(&bad_proof, &public, 2, &["pi_a: not a point on the curve"]);
}
