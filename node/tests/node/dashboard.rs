//! The dashboard in a real browser.

use super::*;

/// The dashboard in a real browser (Debian's chromium driven by playwright-core from
/// `.ci/node_modules`): it shows the co-op and refreshes when a block arrives. Skips when the
/// tools are missing, unless `ZKCREDIT_REQUIRE_BROWSER=1` (CI), where it fails instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_in_a_real_browser() {
    use std::io::BufRead;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let pw = root.join(".ci/node_modules/playwright-core");
    let chromium =
        std::env::var("ZKCREDIT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let missing = [
        (!pw.exists()).then(|| format!("{} (npm ci --prefix .ci)", pw.display())),
        (!Path::new(&chromium).exists()).then(|| format!("{chromium} (apt-get install chromium)")),
        std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_err()
            .then(|| "node".to_string()),
    ];
    let missing: Vec<String> = missing.into_iter().flatten().collect();
    if !missing.is_empty() {
        assert!(
            std::env::var("ZKCREDIT_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "ZKCREDIT_REQUIRE_BROWSER=1 but missing: {missing:?}"
        );
        eprintln!("skipping the browser test, missing: {missing:?}");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    new_ledger(dir.path());
    let now = Arc::new(AtomicU64::new(T0 + 100));
    let node = start(dir.path(), Clock::Manual(now.clone())).await;
    let c = Client::new(node.addr);
    let ms = members();
    coop(&c, &ms).await;
    let cred = credential(&ms[0].1, 710);
    attest(&c, cred.commitment()).await;
    let loan = apply(&c, &ms[0].0, &ms[0].1, &cred, 20_000, 3).await;
    c.include(&loan).await;

    let mut child = std::process::Command::new("node")
        .arg(root.join("node/tests/dashboard.cjs"))
        .arg(format!("{}/", c.base))
        .arg(&pw)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node runs");
    let out = child.stdout.take().expect("stdout");
    let (tx_ready, rx_ready) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx_ready.send(line);
        }
    });
    let ready = tokio::task::spawn_blocking(move || {
        let first = rx_ready
            .recv_timeout(Duration::from_secs(60))
            .expect("the page never showed the head");
        (first, rx_ready)
    })
    .await
    .expect("join");
    assert!(ready.0.starts_with("READY "), "{}", ready.0);
    // A new block: the page must show it without a reload.
    let disburse = c.officers(TxBody::Disburse { loan: 0 }).await;
    c.include(&disburse).await;
    let rx = ready.1;
    let shown = tokio::task::spawn_blocking(move || {
        rx.recv_timeout(Duration::from_secs(60))
            .expect("the page never refreshed")
    })
    .await
    .expect("join");
    let status = child.wait().expect("wait");
    reader.join().expect("reader");
    assert!(status.success(), "browser script failed: {shown}");
    let v: Value = serde_json::from_str(&shown).expect("page JSON");
    let head = c.ok("/v1/head").await;
    assert_eq!(v["height"], head["height"], "{v}");
    assert_eq!(v["members"], "3", "{v}");
    assert_eq!(v["loans"], 1, "{v}");
    assert_eq!(v["loanStatus"][0], "active", "{v}");
    assert!(v["blocks"].as_u64().is_some_and(|b| b >= 5), "{v}");
    assert_eq!(v["error"], "", "{v}");
    assert_eq!(v["pageErrors"], json!([]), "{v}");
    node.shutdown().await.expect("shutdown");
}
