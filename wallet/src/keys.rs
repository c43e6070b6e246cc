//! Proving keys from downloaded bytes.
//!
//! The browser downloads a keys directory's three files — `meta.json`, `verifying_key.bin`,
//! `proving_key.bin` — byte for byte as `zkcredit setup` wrote them. [`load`] applies the
//! checks of `ProvingKeys::load`: the verifying key is fully validated against the hash in
//! `meta.json` (by `VerifierKey::from_files`); the proving key must hash to `meta.json`'s
//! `pk_hash` (BLAKE2b-256) before anything decoded from it is used (the prover's own
//! `ProvingKeys::from_bytes`), and must carry the same verifying key.

use crate::WalletError;
use zkcredit_prover::ProvingKeys;
use zkcredit_verifier::{blake2b256, KeyMeta};

/// Hex BLAKE2b-256 of `bytes`: the hash `meta.json` publishes for each key file.
pub fn hash_hex(bytes: &[u8]) -> String {
    hex::encode(blake2b256(bytes))
}

/// Parses `meta.json`.
///
/// # Errors
/// [`WalletError::Input`] naming `meta.json`.
pub fn meta(meta_json: &[u8]) -> Result<KeyMeta, WalletError> {
    serde_json::from_slice(meta_json).map_err(|e| WalletError::input("meta.json", e))
}

/// Checks downloaded proving-key bytes against the hash `meta.json` publishes, before they
/// are cached or decoded.
///
/// # Errors
/// [`WalletError::Keys`] when `meta.json` has no `pk_hash` or the bytes hash differently.
pub fn check_pk_hash(meta: &KeyMeta, pk_bytes: &[u8]) -> Result<(), WalletError> {
    let expected = meta
        .pk_hash
        .as_deref()
        .ok_or_else(|| WalletError::Keys("meta.json publishes no pk_hash".into()))?;
    let found = hash_hex(pk_bytes);
    if found != expected.to_ascii_lowercase() {
        return Err(WalletError::Keys(format!(
            "proving_key.bin is corrupt or replaced: BLAKE2b-256 {found}, meta.json publishes \
             {expected}"
        )));
    }
    Ok(())
}

/// Loads proving keys from the bytes of a keys directory's three files.
///
/// # Errors
/// [`WalletError::Keys`] or [`WalletError::Verify`] for a key that fails any check.
pub fn load(
    meta_json: &[u8],
    vk_bytes: &[u8],
    pk_bytes: &[u8],
) -> Result<ProvingKeys, WalletError> {
    // The prover's own loader: the pinned hash, then the raw points and stored matrices
    // (point validation skipped only because the hash matched).
    Ok(ProvingKeys::from_bytes(
        meta_json,
        vk_bytes,
        pk_bytes,
        zkcredit_prover::KeyCheck::Pinned,
    )?)
}
