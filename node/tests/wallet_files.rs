//! `zkcredit node --wallet DIR`: the browser wallet's files at `/wallet/`, cross-origin
//! isolated, nothing outside DIR reachable, and a missing page refused at start.

use ark_serialize::CanonicalSerialize;
use std::io::{Read, Write};
use std::time::Duration;
use zkcredit_circuits::statement::CircuitId;
use zkcredit_ledger::{Genesis, KeyRecord, Ledger, Params};
use zkcredit_node::{Config, Node, NodeError};
use zkcredit_prover::{setup, ProvingKeys};

fn record(k: &ProvingKeys) -> KeyRecord {
    let mut vk = Vec::new();
    k.verifier.vk().serialize_compressed(&mut vk).expect("vk");
    KeyRecord {
        circuit: k.id.to_string(),
        vk,
        insecure: true,
    }
}

fn ledger(dir: &std::path::Path) {
    let p = setup(CircuitId::Policy { depth: 4 }, Some(1)).expect("setup");
    let m = setup(CircuitId::Membership { depth: 4 }, Some(2)).expect("setup");
    let genesis = Genesis {
        params: Params::new("wallet-files", 4, vec![[7u8; 32]], 1),
        time: 1_700_000_000,
        keys: vec![record(&p), record(&m)],
    };
    Ledger::init(dir, &genesis).expect("init");
}

fn config(dir: &std::path::Path, wallet: Option<std::path::PathBuf>) -> Config {
    let mut c = Config::new(dir.to_path_buf(), "127.0.0.1:0".parse().expect("addr"));
    c.block_interval = Duration::from_millis(100);
    c.rate_per_sec = 0;
    c.wallet_dir = wallet;
    c
}

/// A raw request, so that no client normalizes the path first.
async fn raw(addr: std::net::SocketAddr, path: &str) -> String {
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        s.write_all(req.as_bytes()).expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read");
        out
    })
    .await
    .expect("joined")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wallet_is_served_cross_origin_isolated_and_nothing_else() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("ledger");
    ledger(&dir);
    let wallet = tmp.path().join("wallet");
    std::fs::create_dir_all(wallet.join("keys/policy")).expect("mkdir");
    std::fs::write(wallet.join("index.html"), "<!doctype html><title>w</title>").expect("write");
    std::fs::write(wallet.join("keys/policy/meta.json"), "{}").expect("write");
    std::fs::write(tmp.path().join("secret.txt"), "SECRET-OUTSIDE").expect("write");

    let node = Node::start(config(&dir, Some(wallet.clone())))
        .await
        .expect("starts");
    let base = format!("http://{}", node.addr);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    let r = client
        .get(format!("{base}/wallet"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 308);
    assert_eq!(r.headers()["location"], "/wallet/");

    for (path, body) in [
        ("/wallet/", "<!doctype html><title>w</title>"),
        ("/wallet/index.html", "<!doctype html><title>w</title>"),
        ("/wallet/keys/policy/meta.json", "{}"),
    ] {
        let r = client
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["cross-origin-opener-policy"], "same-origin");
        assert_eq!(r.headers()["cross-origin-embedder-policy"], "require-corp");
        assert_eq!(r.text().await.expect("text"), body, "{path}");
    }

    let r = client
        .get(format!("{base}/wallet/missing.js"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
    assert!(r.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("application/json"));

    for path in [
        "/wallet/../secret.txt",
        "/wallet/%2e%2e/secret.txt",
        "/wallet/..%2fsecret.txt",
        "/wallet/keys/../../secret.txt",
    ] {
        let res = raw(node.addr, path).await;
        assert!(!res.contains("SECRET-OUTSIDE"), "{path} escaped: {res}");
        assert!(!res.starts_with("HTTP/1.1 200"), "{path}: {res}");
    }
    // The API is still there, and the files change no state.
    let head: serde_json::Value = client
        .get(format!("{base}/v1/head"))
        .send()
        .await
        .expect("head")
        .json()
        .await
        .expect("json");
    assert_eq!(head["height"], 0);
    node.shutdown().await.expect("shutdown");

    // Without --wallet there is no /wallet/.
    let node = Node::start(config(&dir, None)).await.expect("starts");
    let r = client
        .get(format!("http://{}/wallet/", node.addr))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
    node.shutdown().await.expect("shutdown");

    // A directory without the page is refused at start, naming it.
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    match Node::start(config(&dir, Some(empty))).await {
        Err(NodeError::Config(m)) => {
            assert!(m.contains("empty") && m.contains("index.html"), "{m}")
        }
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("a wallet directory without index.html was accepted"),
    }
}
