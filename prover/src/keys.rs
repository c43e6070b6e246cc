//! Circuit-specific Groth16 setup and the keys directory.

use crate::groth16::{CachedProver, R1csMatrices};
use crate::pk_file::{self, Validation};
use crate::schedule::join;
use crate::ProveError;
use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use ark_groth16::{Groth16, ProvingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand::{rngs::OsRng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use std::path::Path;
#[cfg(not(target_arch = "wasm32"))]
use std::time::{SystemTime, UNIX_EPOCH};
use zkcredit_circuits::circuit::{MembershipCircuit, PolicyCircuit};
use zkcredit_circuits::credential::NUM_ATTRS;
use zkcredit_circuits::policy::NUM_CLAUSES;
use zkcredit_circuits::statement::CircuitId;
use zkcredit_verifier::{
    blake2b256, KeyMeta, VerifierKey, KEYS_FORMAT, META_FILE, PROVING_KEY_FILE, VERIFYING_KEY_FILE,
};

/// The shape recorded in `meta.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shape {
    /// Tree depth.
    pub depth: usize,
    /// Attributes per credential (policy circuits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<usize>,
    /// Clauses per policy (policy circuits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub c: Option<usize>,
}

impl From<CircuitId> for Shape {
    fn from(id: CircuitId) -> Self {
        match id {
            CircuitId::Policy { depth } => Self {
                depth,
                k: Some(NUM_ATTRS),
                c: Some(NUM_CLAUSES),
            },
            CircuitId::Membership { depth } => Self {
                depth,
                k: None,
                c: None,
            },
        }
    }
}

/// A proving key with its verifying key and metadata.
pub struct ProvingKeys {
    /// The circuit the keys are for.
    pub id: CircuitId,
    /// The Groth16 proving key.
    pub pk: ProvingKey<Bn254>,
    /// The verifying side (circuit id, prepared key, hash).
    pub verifier: VerifierKey,
    /// `meta.json`.
    pub meta: KeyMeta,
    /// The circuit's constraint matrices, synthesized once for all proofs.
    pub prover: CachedProver,
}

impl core::fmt::Debug for ProvingKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ProvingKeys")
            .field("id", &self.id.to_string())
            .field("vk_hash", &self.meta.vk_hash)
            .field("insecure", &self.meta.insecure)
            .finish_non_exhaustive()
    }
}

/// Seconds since the epoch; `None` where the platform has no clock (`wasm32-unknown-unknown`).
fn unix_now() -> Option<u64> {
    #[cfg(not(target_arch = "wasm32"))]
    return SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs());
    #[cfg(target_arch = "wasm32")]
    None
}

/// The constraint matrices of `id`, synthesized from its blank circuit.
fn synthesize(id: CircuitId) -> Result<R1csMatrices, ProveError> {
    match id {
        CircuitId::Policy { depth } => R1csMatrices::synthesize(PolicyCircuit::blank(depth)),
        CircuitId::Membership { depth } => {
            R1csMatrices::synthesize(MembershipCircuit::blank(depth))
        }
    }
}

/// How [`ProvingKeys::load_with`] checks `proving_key.bin` beyond its pinned hash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyCheck {
    /// The file's BLAKE2b-256 hash must equal `meta.json`'s `pk_hash`; because it does, the
    /// points are used without validation and the stored matrices without re-synthesis.
    /// For keys this installation wrote or fetched from a source that pins the hash.
    #[default]
    Pinned,
    /// Also validate every point (canonical, on the curve, in the prime-order subgroup) and
    /// check that the stored matrices equal a fresh synthesis of the circuit. For key files
    /// of unknown origin; costs a subgroup check per point and one synthesis.
    Strict,
}

fn vk_bytes(vk: &ark_groth16::VerifyingKey<Bn254>) -> Result<Vec<u8>, ProveError> {
    let mut bytes = Vec::new();
    vk.serialize_compressed(&mut bytes)
        .map_err(|e| ProveError::Keys(format!("encoding the verifying key: {e}")))?;
    Ok(bytes)
}

/// Groth16 circuit-specific setup for `id`.
///
/// With `seed`, the setup randomness comes from ChaCha20 seeded with it: reproducible, and
/// therefore **insecure** (anyone with the seed can forge proofs); the keys say so in their
/// metadata. Without a seed the randomness comes from the operating system and is dropped
/// when the function returns. Either way this is a single-party setup: whoever runs it could
/// keep the toxic waste, so production keys need a multi-party ceremony.
///
/// # Errors
/// [`ProveError::Synthesis`] if setup fails.
pub fn setup(id: CircuitId, seed: Option<u64>) -> Result<ProvingKeys, ProveError> {
    let mut rng = match seed {
        Some(s) => ChaCha20Rng::seed_from_u64(s),
        None => ChaCha20Rng::from_rng(OsRng).map_err(|e| ProveError::Synthesis(e.to_string()))?,
    };
    let pk = match id {
        CircuitId::Policy { depth } => Groth16::<Bn254>::generate_random_parameters_with_reduction(
            PolicyCircuit::blank(depth),
            &mut rng,
        ),
        CircuitId::Membership { depth } => {
            Groth16::<Bn254>::generate_random_parameters_with_reduction(
                MembershipCircuit::blank(depth),
                &mut rng,
            )
        }
    }
    .map_err(|e| ProveError::Synthesis(format!("setup of {id}: {e}")))?;
    let insecure = seed.is_some();
    let verifier = VerifierKey::from_vk(id.to_string(), pk.vk.clone(), insecure);
    let prover = CachedProver::from_matrices(&pk, synthesize(id)?)?;
    let meta = KeyMeta {
        format: KEYS_FORMAT.to_string(),
        circuit: id.to_string(),
        num_public_inputs: id.num_public_inputs(),
        vk_hash: verifier.vk_hash_hex(),
        pk_hash: Some(hex::encode(blake2b256(&pk_file::encode_compact(
            &pk,
            prover.compact(),
        )?))),
        insecure,
        seed,
        created_at: unix_now(),
        ceremony: None,
        qap: zkcredit_verifier::QapReduction::Libsnark,
    };
    Ok(ProvingKeys {
        id,
        pk,
        verifier,
        meta,
        prover,
    })
}

/// Writes `bytes` to `path` through a temporary file and a rename, so a crash never leaves a
/// half-written key behind.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ProveError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(ProveError::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(ProveError::io(path))
}

impl ProvingKeys {
    /// Whether the keys come from a seeded (reproducible, insecure) setup.
    pub fn is_insecure(&self) -> bool {
        self.meta.insecure
    }

    /// Writes the keys directory (`meta.json`, `verifying_key.bin`, `proving_key.bin`).
    ///
    /// # Errors
    /// [`ProveError::Io`] or [`ProveError::Keys`].
    pub fn save(&self, dir: &Path) -> Result<(), ProveError> {
        std::fs::create_dir_all(dir).map_err(ProveError::io(dir))?;
        let pk = pk_file::encode_compact(&self.pk, self.prover.compact())?;
        let vk = vk_bytes(&self.pk.vk)?;
        let mut meta = serde_json::to_value(&self.meta)
            .map_err(|e| ProveError::Keys(format!("encoding meta.json: {e}")))?;
        if let Some(obj) = meta.as_object_mut() {
            obj.insert("shape".into(), serde_json::json!(Shape::from(self.id)));
            obj.insert("pk_format".into(), pk_file::FORMAT.into());
            obj.insert("pk_size".into(), serde_json::json!(pk.len()));
            obj.insert("vk_size".into(), serde_json::json!(vk.len()));
            if self.meta.insecure {
                obj.insert(
                    "warning".into(),
                    "INSECURE: seeded setup, anyone with the seed can forge proofs; tests and demos only".into(),
                );
            }
        }
        let meta = serde_json::to_vec_pretty(&meta)
            .map_err(|e| ProveError::Keys(format!("encoding meta.json: {e}")))?;
        write_atomic(&dir.join(PROVING_KEY_FILE), &pk)?;
        write_atomic(&dir.join(VERIFYING_KEY_FILE), &vk)?;
        // meta.json last: a directory with a meta file has both keys.
        write_atomic(&dir.join(META_FILE), &meta)
    }

    /// Loads a keys directory written by [`ProvingKeys::save`], trusting the proving key
    /// because its hash matches the one pinned in `meta.json` ([`KeyCheck::Pinned`]).
    ///
    /// The verifying key is fully validated; the proving key is checked against the
    /// BLAKE2b-256 hash in `meta.json` and must carry the same verifying key.
    ///
    /// # Errors
    /// [`ProveError::Keys`] for a missing, corrupt or mismatched file; [`ProveError::Io`].
    pub fn load(dir: &Path) -> Result<Self, ProveError> {
        Self::load_with(dir, KeyCheck::Pinned)
    }

    /// Loads a keys directory, checking the proving key as `check` says.
    ///
    /// # Errors
    /// [`ProveError::Keys`] for a missing, corrupt or mismatched file (in strict mode also
    /// for an invalid point or matrices that are not the circuit's); [`ProveError::Io`].
    pub fn load_with(dir: &Path, check: KeyCheck) -> Result<Self, ProveError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(ProveError::io(&path))
        };
        let (meta, vk, pk) = (
            read(META_FILE)?,
            read(VERIFYING_KEY_FILE)?,
            read(PROVING_KEY_FILE)?,
        );
        Self::from_bytes(&meta, &vk, &pk, check).map_err(|e| match e {
            ProveError::Keys(m) => ProveError::Keys(format!("{}: {m}", dir.display())),
            other => other,
        })
    }

    /// Loads keys from the bytes of a keys directory's three files (`meta.json`,
    /// `verifying_key.bin`, `proving_key.bin`) — e.g. as a browser downloaded them — with
    /// exactly the checks of [`ProvingKeys::load_with`].
    ///
    /// # Errors
    /// [`ProveError::Keys`] for a corrupt or mismatched file (in strict mode also for an
    /// invalid point or matrices that are not the circuit's); verifier errors for the
    /// verifying key.
    pub fn from_bytes(
        meta_json: &[u8],
        vk_bytes: &[u8],
        pk_bytes: &[u8],
        check: KeyCheck,
    ) -> Result<Self, ProveError> {
        let validation = match check {
            // Point validation skipped only because the pinned hash matched (checked below,
            // before anything decoded is used).
            KeyCheck::Pinned => Validation::Trusted,
            KeyCheck::Strict => Validation::Strict,
        };
        // The proving key's hash (the longest step) on one core; the verifying key's checks
        // and the proving key's decoding and arrangement for the prover on the other.
        // Decoding is safe on any bytes (every length and index is checked, it never
        // panics), so it need not wait for the hash; what it decoded is dropped unless the
        // hash matches, and the errors keep their order: verifying key, then hash, then
        // decoding.
        let (found, (verifier, decoded)) = join(
            || hex::encode(blake2b256(pk_bytes)),
            || {
                join(
                    || VerifierKey::from_files(meta_json, vk_bytes),
                    || {
                        pk_file::decode_deferring_vk(pk_bytes, validation).and_then(|d| {
                            let prover = CachedProver::arrange(&d.pk, d.matrices)?;
                            Ok((d.vk, d.pk, prover))
                        })
                    },
                )
            },
        );
        let verifier = verifier?;
        let meta: KeyMeta = serde_json::from_slice(meta_json)
            .map_err(|e| ProveError::Keys(format!("{META_FILE}: {e}")))?;
        let id: CircuitId = meta
            .circuit
            .parse()
            .map_err(|e| ProveError::Keys(format!("{META_FILE}: {e}")))?;
        let expected = meta
            .pk_hash
            .as_deref()
            .ok_or_else(|| ProveError::Keys(format!("{META_FILE}: no pk_hash")))?;
        if found != expected.to_ascii_lowercase() {
            return Err(ProveError::Keys(format!(
                "{PROVING_KEY_FILE} is corrupt or replaced: BLAKE2b-256 {found}, meta.json pins {expected}"
            )));
        }
        let in_file = |e: ProveError| ProveError::Keys(format!("{PROVING_KEY_FILE}: {e}"));
        let (vk, mut pk, mut prover) = decoded.map_err(in_file)?;
        // The same bytes as `verifying_key.bin` (which the verifier decoded and validated)
        // are the same key; other bytes are decoded and compared.
        let same = vk == vk_bytes || {
            let decoded = VerifyingKey::<Bn254>::deserialize_compressed(vk).map_err(|e| {
                in_file(ProveError::Keys(format!(
                    "proving key file: verifying key: {e}"
                )))
            })?;
            decoded == *verifier.vk()
        };
        if !same {
            return Err(ProveError::Keys(format!(
                "{PROVING_KEY_FILE} and {VERIFYING_KEY_FILE} hold different verifying keys"
            )));
        }
        pk.vk = verifier.vk().clone();
        pk_file::check_instance(&pk.vk, prover.compact()).map_err(in_file)?;
        if check == KeyCheck::Strict && *prover.matrices() != synthesize(id)? {
            return Err(ProveError::Keys(format!(
                "{PROVING_KEY_FILE}: the stored constraint matrices are not those of {id}"
            )));
        }
        prover.reduction = meta.qap;
        Ok(Self {
            id,
            pk,
            verifier,
            meta,
            prover,
        })
    }

    /// Keys from a multi-party phase-2 ceremony (a verified snarkjs `.zkey`, see
    /// `zkcredit-ceremony`): not insecure, marked with the ceremony's transcript, and proving
    /// with circom's QAP reduction, which the `.zkey`'s H query is made for.
    ///
    /// # Errors
    /// [`ProveError::Keys`] if the key does not fit the circuit's shape.
    pub fn from_ceremony(
        id: CircuitId,
        pk: ProvingKey<Bn254>,
        ceremony: zkcredit_verifier::CeremonyProvenance,
    ) -> Result<Self, ProveError> {
        if pk.vk.gamma_abc_g1.len() != id.num_public_inputs() + 1 {
            return Err(ProveError::Keys(format!(
                "the key has {} public inputs, {id} has {}",
                pk.vk.gamma_abc_g1.len().saturating_sub(1),
                id.num_public_inputs()
            )));
        }
        let verifier = VerifierKey::from_vk(id.to_string(), pk.vk.clone(), false);
        let mut prover = CachedProver::from_matrices(&pk, synthesize(id)?)?;
        prover.reduction = zkcredit_verifier::QapReduction::Circom;
        let meta = KeyMeta {
            format: KEYS_FORMAT.to_string(),
            circuit: id.to_string(),
            num_public_inputs: id.num_public_inputs(),
            vk_hash: verifier.vk_hash_hex(),
            pk_hash: Some(hex::encode(blake2b256(&pk_file::encode_compact(
                &pk,
                prover.compact(),
            )?))),
            insecure: false,
            seed: None,
            created_at: unix_now(),
            ceremony: Some(ceremony),
            qap: zkcredit_verifier::QapReduction::Circom,
        };
        Ok(Self {
            id,
            pk,
            verifier,
            meta,
            prover,
        })
    }
}
