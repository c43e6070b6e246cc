//! Loading and pinning verifying keys.

use std::path::Path;

use ark_bn254::Bn254;
use ark_ec::{pairing::Pairing, AffineRepr};
use ark_groth16::{prepare_verifying_key, PreparedVerifyingKey, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use blake2::{digest::consts::U32, Blake2b, Digest};
use serde::{Deserialize, Serialize};

use crate::VerifyError;
use zkcredit_circuits::statement::CircuitId;

/// The `format` string of a keys directory's `meta.json`.
pub const KEYS_FORMAT: &str = "zkcredit-keys/v1";
/// File name of the key metadata inside a keys directory.
pub const META_FILE: &str = "meta.json";
/// File name of the compressed verifying key inside a keys directory.
pub const VERIFYING_KEY_FILE: &str = "verifying_key.bin";
/// File name of the proving key inside a keys directory (not read by this crate).
pub const PROVING_KEY_FILE: &str = "proving_key.bin";

/// BLAKE2b with a 32-byte output (BLAKE2b-256), the hash that pins key files.
#[must_use]
pub fn blake2b256(bytes: &[u8]) -> [u8; 32] {
    Blake2b::<U32>::digest(bytes).into()
}

/// `meta.json` of a keys directory. Unknown fields (e.g. `shape`, `pk_size`) are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyMeta {
    /// Must be [`KEYS_FORMAT`].
    pub format: String,
    /// Circuit id, e.g. `policy-d20-k8-c4`.
    pub circuit: String,
    /// Number of public inputs of the circuit (not counting the constant one).
    pub num_public_inputs: usize,
    /// Hex BLAKE2b-256 of `verifying_key.bin`.
    pub vk_hash: String,
    /// Hex BLAKE2b-256 of `proving_key.bin`.
    #[serde(default)]
    pub pk_hash: Option<String>,
    /// True for keys made by a seeded, non-secret setup: for tests and demos only.
    pub insecure: bool,
    /// The setup seed of an insecure key.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Creation time, unix seconds.
    #[serde(default)]
    pub created_at: Option<u64>,
    /// For keys imported from a multi-party phase-2 ceremony: which one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceremony: Option<CeremonyProvenance>,
    /// The QAP reduction the proving key was made for (absent: `libsnark`).
    #[serde(default, skip_serializing_if = "QapReduction::is_libsnark")]
    pub qap: QapReduction,
}

/// Where ceremony keys came from: the snarkjs `.zkey` transcript they were imported from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CeremonyProvenance {
    /// Hex BLAKE2b-512 of the whole transcript: the circuit hash followed by every
    /// contribution's public key (what the next contribution would chain from).
    pub transcript_hash: String,
    /// Hex BLAKE2b-512 circuit hash of the `.zkey` (relation and Powers of Tau).
    pub circuit_hash: String,
    /// Hex BLAKE2b-512 contribution hashes, in order, as participants published them.
    pub contributions: Vec<String>,
    /// Whether the last contribution is a random beacon.
    pub beacon: bool,
}

/// How a proving key turns R1CS into a QAP: the H query differs between the two.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QapReduction {
    /// arkworks' `LibsnarkReduction` (keys from `zkcredit setup`).
    #[default]
    Libsnark,
    /// circom's reduction over the odd powers of a `2n`-th root of unity (snarkjs `.zkey`).
    Circom,
}

impl QapReduction {
    /// Whether this is the default, libsnark's reduction.
    #[must_use]
    pub fn is_libsnark(&self) -> bool {
        *self == Self::Libsnark
    }
}

/// A verifying key bound to its circuit id and pinned by the hash of its encoding.
///
/// The fields are private so that the circuit id, the hash and the key always agree: a
/// `VerifierKey` is made only by [`VerifierKey::load`] (which checks the file against the
/// pinned hash) or [`VerifierKey::from_vk`] (which computes the hash).
#[derive(Clone)]
pub struct VerifierKey {
    pub(crate) circuit: String,
    pub(crate) vk_hash: [u8; 32],
    pub(crate) insecure: bool,
    pub(crate) vk: VerifyingKey<Bn254>,
    pub(crate) pvk: PreparedVerifyingKey<Bn254>,
    /// beta in G2, prepared for the Miller loop (used by batch verification).
    pub(crate) beta_g2_pc: <Bn254 as Pairing>::G2Prepared,
}

impl std::fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifierKey")
            .field("circuit", &self.circuit)
            .field("vk_hash", &self.vk_hash_hex())
            .field("insecure", &self.insecure)
            .field("num_public_inputs", &self.num_public_inputs())
            .finish_non_exhaustive()
    }
}

fn encode_vk(vk: &VerifyingKey<Bn254>) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(vk.compressed_size());
    vk.serialize_compressed(&mut bytes)
        .expect("serializing into a Vec cannot fail");
    bytes
}

impl VerifierKey {
    /// Loads `dir/meta.json` and `dir/verifying_key.bin`.
    ///
    /// Checks, in order: the meta format string; that the BLAKE2b-256 of the key file equals
    /// `meta.vk_hash`; that the file is exactly one canonical compressed verifying key with
    /// every point on the curve and in its subgroup (no trailing bytes); that alpha, beta,
    /// gamma and delta are not the identity; and that the key has
    /// `meta.num_public_inputs + 1` input commitments.
    ///
    /// # Errors
    /// [`VerifyError::Io`] if a file cannot be read; [`VerifyError::BadKey`] for any failed
    /// check above or unparsable `meta.json`.
    pub fn load(dir: &Path) -> Result<Self, VerifyError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| VerifyError::Io { path, source })
        };
        Self::from_files(&read(META_FILE)?, &read(VERIFYING_KEY_FILE)?)
    }

    /// [`VerifierKey::load`] from the bytes of `meta.json` and `verifying_key.bin` (e.g. as a
    /// browser downloaded them), with exactly the same checks.
    ///
    /// # Errors
    /// [`VerifyError::BadKey`] for any failed check.
    pub fn from_files(meta_json: &[u8], vk_bytes: &[u8]) -> Result<Self, VerifyError> {
        let meta: KeyMeta = serde_json::from_slice(meta_json)
            .map_err(|e| VerifyError::BadKey(format!("{META_FILE}: {e}")))?;
        if meta.format != KEYS_FORMAT {
            return Err(VerifyError::BadKey(format!(
                "{META_FILE}: format is {:?}, expected {KEYS_FORMAT:?}",
                meta.format
            )));
        }
        let pinned = decode_hash(&meta.vk_hash).ok_or_else(|| {
            VerifyError::BadKey(format!(
                "{META_FILE}: vk_hash {:?} is not 64 hex digits",
                meta.vk_hash
            ))
        })?;
        let bytes = vk_bytes;
        let actual = blake2b256(bytes);
        if actual != pinned {
            return Err(VerifyError::BadKey(format!(
                "{VERIFYING_KEY_FILE} hash mismatch: meta.json pins {}, file hashes to {}",
                hex::encode(pinned),
                hex::encode(actual)
            )));
        }
        let mut key = Self::from_bytes(&meta.circuit, bytes, meta.insecure)?;
        if meta.num_public_inputs != key.num_public_inputs() {
            return Err(VerifyError::BadKey(format!(
                "key has {} public inputs but {META_FILE} says {}",
                key.num_public_inputs(),
                meta.num_public_inputs
            )));
        }
        // The canonical re-encoding in `decode_vk` makes these equal; keep the pinned one.
        debug_assert_eq!(key.vk_hash, pinned);
        key.vk_hash = pinned;
        Ok(key)
    }

    /// Decodes a verifying key for `circuit` from its compressed encoding with every check
    /// [`VerifierKey::load`] makes on the key itself: one canonical
    /// compressed key with every point on the curve and in its subgroup, no trailing bytes, no
    /// identity among alpha, beta, gamma and delta, and, for a zkcredit circuit id, exactly
    /// the circuit's number of public inputs. The ledger decodes its genesis keys with it
    /// (and checks the ids itself).
    ///
    /// # Errors
    /// [`VerifyError::BadKey`] naming the failed check.
    pub fn from_bytes(circuit: &str, bytes: &[u8], insecure: bool) -> Result<Self, VerifyError> {
        let vk = decode_vk(bytes)?;
        // zkcredit's circuits have a known input count; a key of another circuit (a name
        // that is not a zkcredit circuit id) is checked against its own meta only.
        if let Ok(id) = circuit.parse::<CircuitId>() {
            if vk.gamma_abc_g1.len() != id.num_public_inputs() + 1 {
                return Err(VerifyError::BadKey(format!(
                    "the key of {circuit} has {} public inputs, the circuit has {}",
                    vk.gamma_abc_g1.len().saturating_sub(1),
                    id.num_public_inputs()
                )));
            }
        }
        Ok(Self::from_vk(circuit, vk, insecure))
    }

    /// Wraps an in-memory verifying key for circuit `circuit`, pinning it by the BLAKE2b-256
    /// of its compressed encoding (the same hash [`VerifierKey::load`] checks).
    #[must_use]
    pub fn from_vk(circuit: impl Into<String>, vk: VerifyingKey<Bn254>, insecure: bool) -> Self {
        let vk_hash = blake2b256(&encode_vk(&vk));
        let pvk = prepare_verifying_key(&vk);
        let beta_g2_pc = vk.beta_g2.into();
        Self {
            circuit: circuit.into(),
            vk_hash,
            insecure,
            vk,
            pvk,
            beta_g2_pc,
        }
    }

    /// The circuit id this key verifies, e.g. `policy-d20-k8-c4`.
    #[must_use]
    pub fn circuit(&self) -> &str {
        &self.circuit
    }

    /// BLAKE2b-256 of the key's compressed encoding.
    #[must_use]
    pub fn vk_hash(&self) -> [u8; 32] {
        self.vk_hash
    }

    /// [`VerifierKey::vk_hash`] as lowercase hex.
    #[must_use]
    pub fn vk_hash_hex(&self) -> String {
        hex::encode(self.vk_hash)
    }

    /// True for keys made by an insecure (seeded, non-secret) setup.
    #[must_use]
    pub fn is_insecure(&self) -> bool {
        self.insecure
    }

    /// Number of public inputs a proof for this key carries.
    #[must_use]
    pub fn num_public_inputs(&self) -> usize {
        self.vk.gamma_abc_g1.len() - 1
    }

    /// The verifying key.
    #[must_use]
    pub fn vk(&self) -> &VerifyingKey<Bn254> {
        &self.vk
    }

    /// The verifying key prepared for pairing checks.
    #[must_use]
    pub fn pvk(&self) -> &PreparedVerifyingKey<Bn254> {
        &self.pvk
    }
}

/// Parses a 64-digit hex hash (either case).
pub(crate) fn decode_hash(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// Decodes a compressed verifying key with full validation and a canonicity check.
fn decode_vk(bytes: &[u8]) -> Result<VerifyingKey<Bn254>, VerifyError> {
    let mut reader = bytes;
    let vk =
        VerifyingKey::<Bn254>::deserialize_with_mode(&mut reader, Compress::Yes, Validate::Yes)
            .map_err(|e| {
                VerifyError::BadKey(format!(
                    "{VERIFYING_KEY_FILE} is not a valid compressed verifying key \
                 (point off the curve, outside the subgroup, or bad encoding): {e}"
                ))
            })?;
    if !reader.is_empty() {
        return Err(VerifyError::BadKey(format!(
            "{VERIFYING_KEY_FILE} has {} trailing bytes",
            reader.len()
        )));
    }
    if encode_vk(&vk) != bytes {
        return Err(VerifyError::BadKey(format!(
            "{VERIFYING_KEY_FILE} is not the canonical encoding of its key"
        )));
    }
    for (name, zero) in [
        ("alpha_g1", vk.alpha_g1.is_zero()),
        ("beta_g2", vk.beta_g2.is_zero()),
        ("gamma_g2", vk.gamma_g2.is_zero()),
        ("delta_g2", vk.delta_g2.is_zero()),
    ] {
        if zero {
            return Err(VerifyError::BadKey(format!(
                "{name} is the point at infinity"
            )));
        }
    }
    if vk.gamma_abc_g1.is_empty() {
        return Err(VerifyError::BadKey("gamma_abc_g1 is empty".into()));
    }
    Ok(vk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blake2b256_known_answer() {
        // BLAKE2b-256("abc"), from the BLAKE2 reference implementation.
        assert_eq!(
            hex::encode(blake2b256(b"abc")),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"
        );
    }

    #[test]
    fn decode_hash_accepts_both_cases_only_64_digits() {
        let h = "AB".repeat(32);
        assert_eq!(decode_hash(&h), Some([0xab; 32]));
        assert_eq!(decode_hash(&h.to_lowercase()), Some([0xab; 32]));
        assert_eq!(decode_hash(&"ab".repeat(31)), None);
        assert_eq!(decode_hash(&"zz".repeat(32)), None);
    }
}
