//! Account key files: `{"secret": hex seed, "account": hex public key}`, written with mode
//! 0600 and never over an existing file.

use crate::ClientError;
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// The JSON of an account key file.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    /// The ed25519 secret seed, 64 hex digits.
    pub secret: String,
    /// The account (public key), 64 hex digits.
    pub account: String,
}

fn file_err(path: &Path, reason: impl ToString) -> ClientError {
    ClientError::File {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// Reads a key file and checks that the account matches the secret.
///
/// # Errors
/// [`ClientError::File`] naming the file and what is wrong.
pub fn load(path: &Path) -> Result<SigningKey, ClientError> {
    let text = std::fs::read_to_string(path).map_err(|e| file_err(path, e))?;
    let kf: KeyFile =
        serde_json::from_str(&text).map_err(|e| file_err(path, format!("not a key file: {e}")))?;
    let bytes: [u8; 32] = hex::decode(kf.secret.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| file_err(path, "secret is not 64 hex digits"))?;
    let key = SigningKey::from_bytes(&bytes);
    if hex::encode(key.verifying_key().to_bytes()) != kf.account.trim().to_lowercase() {
        return Err(file_err(path, "account does not match the secret"));
    }
    Ok(key)
}

/// Writes `key` to a new file `path` with mode 0600 (unix); refuses to overwrite.
///
/// # Errors
/// [`ClientError::File`] when the file exists or cannot be written.
pub fn save(path: &Path, key: &SigningKey) -> Result<(), ClientError> {
    let kf = KeyFile {
        secret: hex::encode(key.to_bytes()),
        account: hex::encode(key.verifying_key().to_bytes()),
    };
    let mut opts = std::fs::OpenOptions::new();
    // `create_new`: an existing file (or a symlink planted there) is an error, atomically.
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            file_err(path, "already exists; refusing to overwrite a key")
        } else {
            file_err(path, e)
        }
    })?;
    let text = serde_json::to_string_pretty(&kf).map_err(|e| file_err(path, e))? + "\n";
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| file_err(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_refuses_to_overwrite_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.json");
        let k = SigningKey::from_bytes(&[7; 32]);
        save(&p, &k).unwrap();
        assert_eq!(load(&p).unwrap().to_bytes(), k.to_bytes());
        let e = save(&p, &SigningKey::from_bytes(&[8; 32])).unwrap_err();
        assert!(e.to_string().contains("already exists"), "{e}");
        assert_eq!(load(&p).unwrap().to_bytes(), k.to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
