//! The CLI's file formats: reading with errors that name the file and what is wrong, and
//! writing atomically (identity and credential files with mode 0600 on unix).
//!
//! Formats are documented in `docs/formats.md`.

use anyhow::{anyhow, bail, Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use zkcredit_circuits::field::from_decimal;
use zkcredit_circuits::prelude::*;
use zkcredit_verifier::{Envelope, ProofFile};

pub use zkcredit_circuits::files::{IdentityFile, RegistryFile};

/// Reads a file's bytes, naming the file on failure.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Reads and parses a JSON file; `what` names the kind of file in errors.
pub fn read_json<T: DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    let bytes = read_bytes(path)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| anyhow!("{}: not a valid {what} file: {e}", path.display()))
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
/// With `private`, the file is created with mode 0600 (unix). With `overwrite` false an
/// existing file is an error.
pub fn write_file(path: &Path, bytes: &[u8], private: bool, overwrite: bool) -> Result<()> {
    if !overwrite && path.exists() {
        bail!(
            "{} already exists (pass --force to overwrite it)",
            path.display()
        );
    }
    let name = path
        .file_name()
        .ok_or_else(|| anyhow!("{}: not a file name", path.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let write = || -> std::io::Result<()> {
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow!("cannot write {}: {e}", path.display())
    })
}

/// Writes pretty JSON and a trailing newline.
pub fn write_json<T: Serialize>(
    path: &Path,
    value: &T,
    private: bool,
    overwrite: bool,
) -> Result<()> {
    let mut text = serde_json::to_vec_pretty(value)?;
    text.push(b'\n');
    write_file(path, &text, private, overwrite)
}

/// Parses a canonical decimal field element given on the command line.
pub fn parse_fr(flag: &str, s: &str) -> Result<Fr> {
    from_decimal(s).map_err(|e| anyhow!("{flag}: {e}"))
}

/// A scope or signal: a canonical decimal field element is taken as it is; any other text
/// is hashed ([`zkcredit_verifier::encoding::text_or_fr`]).
pub fn parse_text_or_fr(flag: &str, s: &str) -> Result<Fr> {
    zkcredit_verifier::encoding::text_or_fr(s).map_err(|e| anyhow!("{flag}: {e}"))
}

/// A tree depth from the command line: the capacity in bits of a 4-ary tree, an even number in
/// 2..=32 (`depth / 2` levels).
///
/// # Errors
/// A message clap prints as a usage error (exit 2).
pub fn parse_depth(s: &str) -> std::result::Result<u64, String> {
    let d: u64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    zkcredit_circuits::merkle::check_depth(usize::try_from(d).unwrap_or(usize::MAX))
        .map_err(|e| e.to_string())?;
    Ok(d)
}

/// Reads an identity file and checks the commitment against the secret.
pub fn read_identity(path: &Path) -> Result<Identity> {
    let f: IdentityFile = read_json(path, "identity")?;
    f.identity().map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Reads a credential file (the `Credential` serde form).
pub fn read_credential(path: &Path) -> Result<Credential> {
    let c: Credential = read_json(path, "credential")?;
    if c.expires_at <= c.issued_at {
        bail!(
            "{}: expires_at {} is not after issued_at {}",
            path.display(),
            c.expires_at,
            c.issued_at
        );
    }
    Ok(c)
}

/// Reads a policy file and checks the clause count (1 to 4).
pub fn read_policy(path: &Path) -> Result<Policy> {
    let p: Policy = read_json(path, "policy")?;
    if p.clauses.is_empty() || p.clauses.len() > NUM_CLAUSES {
        bail!(
            "{}: a policy has 1 to {NUM_CLAUSES} clauses, this one has {}",
            path.display(),
            p.clauses.len()
        );
    }
    Ok(p)
}

/// Reads a loan request file (the `LoanRequest` serde form).
pub fn read_request(path: &Path) -> Result<LoanRequest> {
    read_json(path, "loan request")
}

/// Reads a registry file and rebuilds its tree.
pub fn read_registry(path: &Path) -> Result<MerkleTree> {
    let f: RegistryFile = read_json(path, "registry")?;
    f.tree().map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Writes a registry file for `tree`.
pub fn write_registry(path: &Path, tree: &MerkleTree) -> Result<()> {
    write_json(path, &RegistryFile::new(tree), false, true)
}

/// Reads a proof file and decodes it strictly.
pub fn read_proof(path: &Path) -> Result<(ProofFile, Envelope)> {
    let bytes = read_bytes(path)?;
    let file: ProofFile = serde_json::from_slice(&bytes)
        .map_err(|e| anyhow!("{}: not a valid proof file: {e}", path.display()))?;
    let env = Envelope::from_file(&file).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    Ok((file, env))
}

/// Current unix time in seconds.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkcredit_verifier::encoding::hash_text;

    #[test]
    fn text_or_field_element() {
        assert_eq!(parse_text_or_fr("s", "7").unwrap(), Fr::from(7u64));
        assert!(parse_text_or_fr("s", "07").is_err());
        assert_eq!(
            parse_text_or_fr("s", "pool-1").unwrap(),
            hash_text("pool-1")
        );
        assert_ne!(hash_text("a"), hash_text("b"));
    }
}
