//! The serde types of the files a holder keeps and exchanges, shared by the CLI and the
//! browser wallet so that both read exactly the same bytes (`docs/formats.md`).
//!
//! Only the types and their checks live here; reading from disk (CLI) or from a browser's
//! storage (wallet) is the caller's business.

use crate::field::{parse_decimal, to_decimal, DecimalError};
use crate::identity::Identity;
use crate::merkle::MerkleTree;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The `format` string of a registry (or members) file.
pub const REGISTRY_FORMAT: &str = "zkcredit-registry/v1";

/// What is wrong with an identity or registry file (the field is named in the message).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum FileError {
    /// A field that is not a canonical decimal field element.
    #[error("{field}: {source}")]
    Decimal {
        /// The field, e.g. `secret` or `leaf 3`.
        field: String,
        /// Why the string is not canonical.
        source: DecimalError,
    },
    /// The identity's commitment is not `Poseidon(secret)`.
    #[error("the commitment is not Poseidon(secret); the file is corrupt")]
    Commitment,
    /// A registry file with another `format`.
    #[error("format is {0:?}, expected {REGISTRY_FORMAT:?}")]
    Format(String),
    /// The leaves do not make a tree of the given depth.
    #[error(transparent)]
    Tree(#[from] crate::Error),
    /// The stored root is not the root of the leaves.
    #[error("the stored root {stored} is not the root of the leaves ({computed})")]
    Root {
        /// The `root` field.
        stored: String,
        /// The root rebuilt from the leaves.
        computed: String,
    },
}

fn decimal(field: impl Into<String>, s: &str) -> Result<crate::Fr, FileError> {
    parse_decimal(s).map_err(|source| FileError::Decimal {
        field: field.into(),
        source,
    })
}

/// Identity file: `{"secret": "…", "commitment": "…"}`. The secret never leaves its holder.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityFile {
    /// The secret `s` (decimal).
    pub secret: String,
    /// `Poseidon(s)` (decimal).
    pub commitment: String,
}

impl core::fmt::Debug for IdentityFile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IdentityFile")
            .field("secret", &"<redacted>")
            .field("commitment", &self.commitment)
            .finish()
    }
}

impl IdentityFile {
    /// The file for an identity.
    pub fn new(id: &Identity) -> Self {
        Self {
            secret: to_decimal(&id.secret()),
            commitment: to_decimal(&id.commitment()),
        }
    }

    /// The identity, after checking that the commitment is `Poseidon(secret)`.
    ///
    /// # Errors
    /// [`FileError::Decimal`] naming `secret` or `commitment`; [`FileError::Commitment`].
    pub fn identity(&self) -> Result<Identity, FileError> {
        let secret = decimal("secret", &self.secret)?;
        let commitment = decimal("commitment", &self.commitment)?;
        let id = Identity::from_secret(secret);
        if id.commitment() != commitment {
            return Err(FileError::Commitment);
        }
        Ok(id)
    }
}

/// Registry (or members) file: `{"format": "zkcredit-registry/v1", "depth": N, "leaves":
/// ["…", …], "root": "…"}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryFile {
    /// Must be [`REGISTRY_FORMAT`].
    pub format: String,
    /// Tree depth.
    pub depth: usize,
    /// The leaves, in order, as decimal field elements (0 = empty or revoked).
    pub leaves: Vec<String>,
    /// The root (decimal); written for convenience, checked when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
}

impl RegistryFile {
    /// The file for `tree`.
    pub fn new(tree: &MerkleTree) -> Self {
        Self {
            format: REGISTRY_FORMAT.into(),
            depth: tree.depth(),
            leaves: tree.leaves().iter().map(to_decimal).collect(),
            root: Some(to_decimal(&tree.root())),
        }
    }

    /// Rebuilds the tree, checking the format, every leaf and the stored root.
    ///
    /// # Errors
    /// [`FileError`] naming what is wrong.
    pub fn tree(&self) -> Result<MerkleTree, FileError> {
        if self.format != REGISTRY_FORMAT {
            return Err(FileError::Format(self.format.clone()));
        }
        let leaves = self
            .leaves
            .iter()
            .enumerate()
            .map(|(i, s)| decimal(format!("leaf {i}"), s))
            .collect::<Result<Vec<_>, _>>()?;
        let tree = MerkleTree::from_leaves(self.depth, &leaves)?;
        if let Some(root) = &self.root {
            let computed = to_decimal(&tree.root());
            if *root != computed {
                return Err(FileError::Root {
                    stored: root.clone(),
                    computed,
                });
            }
        }
        Ok(tree)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Fr;

    #[test]
    fn identity_round_trip_and_corruption() {
        let id = Identity::from_secret(Fr::from(7u64));
        let f = IdentityFile::new(&id);
        assert_eq!(f.identity().unwrap(), id);
        let mut bad = f.clone();
        bad.commitment = "1".into();
        assert_eq!(bad.identity().unwrap_err(), FileError::Commitment);
        let mut bad = f;
        bad.secret = "07".into();
        assert!(bad
            .identity()
            .unwrap_err()
            .to_string()
            .starts_with("secret:"));
    }

    #[test]
    fn registry_round_trip_and_checks() {
        let tree = MerkleTree::from_leaves(4, &[Fr::from(1u64), Fr::from(2u64)]).unwrap();
        let f = RegistryFile::new(&tree);
        assert_eq!(f.tree().unwrap().root(), tree.root());
        let mut bad = f.clone();
        bad.format = "zkcredit-registry/v9".into();
        assert!(matches!(bad.tree(), Err(FileError::Format(_))));
        let mut bad = f.clone();
        bad.root = Some("5".into());
        assert!(matches!(bad.tree(), Err(FileError::Root { .. })));
        let mut bad = f;
        bad.leaves[1] = "x".into();
        assert!(bad.tree().unwrap_err().to_string().starts_with("leaf 1:"));
    }
}
