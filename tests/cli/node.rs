//! `zkcredit node` as a process: serves, stops cleanly on SIGTERM, leaves a ledger that verifies.

use super::*;

/// `zkcredit node` serves a ledger, answers over HTTP, and stops cleanly on SIGTERM, leaving a
/// ledger that verifies; a bad flag is a usage error.
#[test]
fn node_serves_and_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, Read, Write};
    let w = world();
    let dir = w.path("node-ledger");
    let _ = std::fs::remove_dir_all(&dir);
    expect(
        &[
            "ledger",
            "init",
            "--dir",
            s(&dir),
            "--policy-keys",
            s(&w.policy_keys),
            "--membership-keys",
            s(&w.membership_keys),
            "--officer",
            &"11".repeat(32),
        ],
        0,
        &["initialised"],
    );
    expect(
        &["node", "--dir", s(&dir), "--block-interval", "0"],
        2,
        &["--block-interval"],
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkcredit"))
        .args(["node", "--dir", s(&dir), "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn node");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let line = lines.next().expect("a line").expect("utf-8");
    let addr = line
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    let mut conn = std::net::TcpStream::connect(&addr).expect("connect");
    write!(
        conn,
        "GET /v1/head HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut answer = String::new();
    conn.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"height\":0"), "{answer}");
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(term.success());
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "node did not stop on SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "node exited with {status}");
    expect(
        &["ledger", "verify", "--dir", s(&dir)],
        0,
        &["ok: 0 blocks"],
    );
}
