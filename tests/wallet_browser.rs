//! The browser wallet end to end in headless Chromium against a real node
//! (`wallet/tests/browser/e2e.mjs`): a real ledger directory served by `zkcredit node
//! --wallet`, which also serves the page; identity and account key made in the browser, the
//! issuer's credential attested through the node, admission proved in a Web Worker and the
//! join signed in wasm and included, the pre-check naming a failing clause, a loan
//! application proved, signed, submitted and approved by the node; `zkcredit verify` and the
//! node accept the browser's proof and refuse a tampered one; key caching; no request the
//! page sends carries the identity secret, the signing key or an attribute.
//!
//! Needs node, Debian's chromium, `.ci/node_modules/playwright-core` (`npm ci --prefix .ci`)
//! and the wasm built into `wallet/www/pkg` (`wallet/build.sh`). Without them the test says
//! what is missing and passes, unless `ZKCREDIT_REQUIRE_BROWSER=1` (CI), where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

fn missing(repo: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    let chromium =
        std::env::var("ZKCREDIT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        missing.push(format!("{chromium} (apt-get install chromium)"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node".into());
    }
    for (file, how) in [
        (
            ".ci/node_modules/playwright-core/package.json",
            "npm ci --prefix .ci",
        ),
        ("wallet/www/pkg/zkcredit_wallet_bg.wasm", "wallet/build.sh"),
    ] {
        if !repo.join(file).exists() {
            missing.push(format!("{file} ({how})"));
        }
    }
    missing
}

#[test]
fn wallet_in_headless_chromium() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let missing = missing(&repo);
    if !missing.is_empty() {
        let msg = format!("browser wallet test needs: {}", missing.join(", "));
        if std::env::var("ZKCREDIT_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("{msg}");
        }
        eprintln!("skipped: {msg}");
        return;
    }
    let status = Command::new("node")
        .arg(repo.join("wallet/tests/browser/e2e.mjs"))
        .env("ZKCREDIT_BIN", env!("CARGO_BIN_EXE_zkcredit"))
        .current_dir(&repo)
        .status()
        .expect("node runs");
    assert!(
        status.success(),
        "wallet/tests/browser/e2e.mjs failed: {status}"
    );
}
