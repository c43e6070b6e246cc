//! Loading a keys directory: the proving key decodes while its hash is computed (on the
//! other core), so these check that what the user is told, and in what order, did not change:
//! a replaced file is refused for its hash before anything decoded from it is used.

use std::path::{Path, PathBuf};
use zkcredit_circuits::prelude::*;
use zkcredit_prover::*;
use zkcredit_verifier::blake2b256;

fn saved(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zkcredit-keyload-{name}-{}", std::process::id()));
    setup(CircuitId::Policy { depth: 4 }, Some(3))
        .unwrap()
        .save(&dir)
        .unwrap();
    dir
}

fn pin(dir: &Path, bytes: &[u8]) {
    let path = dir.join("meta.json");
    let mut meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    meta["pk_hash"] = blake2b256(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .into();
    std::fs::write(&path, serde_json::to_vec(&meta).unwrap()).unwrap();
}

fn load_error(dir: &Path) -> String {
    ProvingKeys::load(dir).unwrap_err().to_string()
}

#[test]
fn a_malformed_proving_key_is_refused_for_its_hash_first_then_for_its_structure() {
    let dir = saved("order");
    let pk = std::fs::read(dir.join("proving_key.bin")).unwrap();
    let truncated = &pk[..pk.len() / 2];
    std::fs::write(dir.join("proving_key.bin"), truncated).unwrap();
    // Not the pinned file: the hash says so, though decoding it failed too.
    let e = load_error(&dir);
    assert!(e.contains("corrupt or replaced"), "{e}");
    assert!(!e.contains("truncated"), "{e}");
    // Pinned as it is: the structural error names the section.
    pin(&dir, truncated);
    let e = load_error(&dir);
    assert!(
        e.contains("proving_key.bin") && e.contains("truncated in"),
        "{e}"
    );
    // Intact again: loads and proves nothing wrong.
    std::fs::write(dir.join("proving_key.bin"), &pk).unwrap();
    pin(&dir, &pk);
    assert!(ProvingKeys::load(&dir).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_verifying_key_is_reported_before_a_bad_proving_key() {
    let dir = saved("vk-first");
    std::fs::write(dir.join("verifying_key.bin"), b"junk").unwrap();
    std::fs::write(dir.join("proving_key.bin"), b"junk").unwrap();
    let e = load_error(&dir);
    assert!(e.contains("verifying_key.bin"), "{e}");
    assert!(!e.contains("proving_key.bin"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
