//! Proof files and their strict decoding.

use ark_bn254::{Bn254, Fr};
use ark_ec::AffineRepr;
use ark_groth16::Proof;
use ark_serialize::CanonicalSerialize;
use serde::{Deserialize, Serialize};

use crate::encoding::{fr_from_decimal, fr_to_decimal, DecimalError};
use crate::keys::decode_hash;
use crate::points::{decode_g1, decode_g2, G1_BYTES, G2_BYTES};
use crate::VerifyError;

/// The `format` string of a proof file.
pub const PROOF_FORMAT: &str = "zkcredit-proof/v1";

/// Bytes of a compressed Groth16/BN254 proof: A (G1, 32) ‖ B (G2, 64) ‖ C (G1, 32).
pub const PROOF_BYTES: usize = 2 * G1_BYTES + G2_BYTES;

/// A proof file as it travels: JSON, exactly as written by the prover.
///
/// Unknown fields are ignored (forward compatibility); the known ones are decoded strictly
/// by [`Envelope::from_file`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofFile {
    /// Must be [`PROOF_FORMAT`].
    pub format: String,
    /// The circuit id the proof claims, e.g. `policy-d20-k8-c4`.
    pub circuit: String,
    /// Hex BLAKE2b-256 of the verifying key the proof was made for; `null` or absent when
    /// the prover did not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vk_hash: Option<String>,
    /// Public inputs as canonical decimal strings, in the circuit's order.
    pub public_inputs: Vec<String>,
    /// Hex of the compressed proof ([`PROOF_BYTES`] bytes).
    pub proof: String,
    /// Creation time, unix seconds.
    pub created_at: u64,
    /// True when the proof was made with an insecure (seeded) key.
    pub insecure_key: bool,
}

/// A decoded proof with the statement it claims: circuit, key, public inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// The circuit id the proof claims.
    pub circuit: String,
    /// BLAKE2b-256 of the verifying key the proof claims, if stated.
    pub vk_hash: Option<[u8; 32]>,
    /// Public inputs, in the circuit's order.
    pub public_inputs: Vec<Fr>,
    /// The Groth16 proof; A, B and C are valid, non-identity subgroup points.
    pub proof: Proof<Bn254>,
}

fn malformed(msg: impl Into<String>) -> VerifyError {
    VerifyError::Malformed(msg.into())
}

/// Decodes [`PROOF_BYTES`] bytes strictly: each of A, B, C canonical, on the curve, in the
/// prime-order subgroup and not the identity.
pub(crate) fn decode_proof_bytes(bytes: &[u8]) -> Result<Proof<Bn254>, VerifyError> {
    if bytes.len() != PROOF_BYTES {
        return Err(malformed(format!(
            "proof is {} bytes, expected {PROOF_BYTES}",
            bytes.len()
        )));
    }
    let (a, rest) = bytes.split_at(G1_BYTES);
    let (b, c) = rest.split_at(G2_BYTES);
    let a = decode_g1(a).map_err(|e| malformed(format!("proof point A: {}", e.describe())))?;
    let b = decode_g2(b).map_err(|e| malformed(format!("proof point B: {}", e.describe())))?;
    let c = decode_g1(c).map_err(|e| malformed(format!("proof point C: {}", e.describe())))?;
    for (name, zero) in [("A", a.is_zero()), ("B", b.is_zero()), ("C", c.is_zero())] {
        if zero {
            return Err(malformed(format!(
                "proof point {name} is the point at infinity"
            )));
        }
    }
    Ok(Proof { a, b, c })
}

/// The compressed encoding of a proof.
pub(crate) fn encode_proof_bytes(proof: &Proof<Bn254>) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(PROOF_BYTES);
    proof
        .serialize_compressed(&mut bytes)
        .expect("serializing into a Vec cannot fail");
    bytes
}

impl Envelope {
    /// Decodes a proof file strictly.
    ///
    /// # Errors
    /// [`VerifyError::Malformed`] for a wrong format string, a vk hash that is not 64 hex
    /// digits, a public input that is not a canonical decimal (sign, leading zeros, empty,
    /// non-digits), or proof bytes that are not valid hex of exactly [`PROOF_BYTES`] bytes
    /// encoding non-identity subgroup points canonically;
    /// [`VerifyError::InputOutOfField`] for a public input ≥ the scalar field modulus.
    pub fn from_file(file: &ProofFile) -> Result<Self, VerifyError> {
        if file.format != PROOF_FORMAT {
            return Err(malformed(format!(
                "proof format is {:?}, expected {PROOF_FORMAT:?}",
                file.format
            )));
        }
        let vk_hash = file
            .vk_hash
            .as_deref()
            .map(|h| {
                decode_hash(h)
                    .ok_or_else(|| malformed(format!("vk_hash {h:?} is not 64 hex digits")))
            })
            .transpose()?;
        let public_inputs = file
            .public_inputs
            .iter()
            .enumerate()
            .map(|(index, s)| {
                fr_from_decimal(s).map_err(|e| match e {
                    DecimalError::OutOfField => VerifyError::InputOutOfField { index },
                    e => malformed(format!("public input {index} ({s:?}): {e}")),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if file.proof.len() != 2 * PROOF_BYTES {
            return Err(malformed(format!(
                "proof hex is {} characters, expected {}",
                file.proof.len(),
                2 * PROOF_BYTES
            )));
        }
        let bytes = hex::decode(&file.proof).map_err(|e| malformed(format!("proof hex: {e}")))?;
        let proof = decode_proof_bytes(&bytes)?;
        Ok(Self {
            circuit: file.circuit.clone(),
            vk_hash,
            public_inputs,
            proof,
        })
    }

    /// Parses and decodes a proof file's JSON text.
    ///
    /// # Errors
    /// [`VerifyError::Malformed`] for invalid JSON or a missing field, then as
    /// [`Envelope::from_file`].
    pub fn from_json(json: &str) -> Result<Self, VerifyError> {
        let file: ProofFile =
            serde_json::from_str(json).map_err(|e| malformed(format!("proof JSON: {e}")))?;
        Self::from_file(&file)
    }

    /// The proof file for this envelope, with creation time `created_at` (unix seconds) and
    /// the `insecure_key` marker.
    #[must_use]
    pub fn to_file(&self, created_at: u64, insecure: bool) -> ProofFile {
        ProofFile {
            format: PROOF_FORMAT.to_owned(),
            circuit: self.circuit.clone(),
            vk_hash: self.vk_hash.map(hex::encode),
            public_inputs: self.public_inputs.iter().map(fr_to_decimal).collect(),
            proof: hex::encode(encode_proof_bytes(&self.proof)),
            created_at,
            insecure_key: insecure,
        }
    }

    /// The compressed proof bytes ([`PROOF_BYTES`] long).
    #[must_use]
    pub fn proof_bytes(&self) -> Vec<u8> {
        encode_proof_bytes(&self.proof)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::points::tests::{
        g1_bytes, g1_off_curve, g2_bytes, g2_outside_subgroup, generator_with_x_plus_q,
    };
    use ark_bn254::{G1Affine, G2Affine};
    use ark_ec::CurveGroup;

    const P: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
    const P_PLUS_1: &str =
        "21888242871839275222246405745257275088548364400416034343698204186575808495618";

    /// A structurally valid (not verifying) proof: A = g1, B = g2, C = 2·g1.
    fn sample() -> Envelope {
        let g1 = G1Affine::generator();
        Envelope {
            circuit: "toy".into(),
            vk_hash: Some([7; 32]),
            public_inputs: vec![Fr::from(6u64), -Fr::from(1u64)],
            proof: Proof {
                a: g1,
                b: G2Affine::generator(),
                c: (g1 + g1).into_affine(),
            },
        }
    }

    fn with_proof_hex(hex: String) -> ProofFile {
        let mut file = sample().to_file(1, true);
        file.proof = hex;
        file
    }

    fn with_input(s: &str) -> ProofFile {
        let mut file = sample().to_file(1, true);
        file.public_inputs[1] = s.to_owned();
        file
    }

    fn malformed_msg(r: Result<Envelope, VerifyError>) -> String {
        match r {
            Err(VerifyError::Malformed(m)) => m,
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn round_trips_through_json() {
        let env = sample();
        let file = env.to_file(1_700_000_000, true);
        assert_eq!(file.proof.len(), 256);
        let json = serde_json::to_string(&file).unwrap();
        assert_eq!(Envelope::from_json(&json).unwrap(), env);
        // Upper-case hex is accepted too.
        let upper = with_proof_hex(file.proof.to_uppercase());
        assert_eq!(Envelope::from_file(&upper).unwrap(), env);
    }

    #[test]
    fn vk_hash_may_be_null_or_absent() {
        let mut file = sample().to_file(1, false);
        file.vk_hash = None;
        let json = serde_json::to_value(&file).unwrap();
        assert!(json.get("vk_hash").is_none());
        assert_eq!(Envelope::from_file(&file).unwrap().vk_hash, None);
        let mut json = json;
        json["vk_hash"] = serde_json::Value::Null;
        assert_eq!(
            Envelope::from_json(&json.to_string()).unwrap().vk_hash,
            None
        );
    }

    #[test]
    fn rejects_out_of_field_inputs_with_index() {
        for s in [P, P_PLUS_1] {
            assert!(matches!(
                Envelope::from_file(&with_input(s)),
                Err(VerifyError::InputOutOfField { index: 1 })
            ));
        }
    }

    #[test]
    fn rejects_non_canonical_decimals() {
        for s in ["", "-5", "+5", "05", "00", "5 ", "0x5", "5.0"] {
            let msg = malformed_msg(Envelope::from_file(&with_input(s)));
            assert!(msg.contains("public input 1"), "{s:?}: {msg}");
        }
    }

    #[test]
    fn rejects_bad_hex_and_lengths() {
        let good = sample().to_file(1, true).proof;
        let msg = malformed_msg(Envelope::from_file(&with_proof_hex(good[2..].to_owned())));
        assert!(msg.contains("characters"), "{msg}");
        let msg = malformed_msg(Envelope::from_file(&with_proof_hex(format!("{good}00"))));
        assert!(msg.contains("characters"), "{msg}");
        let msg = malformed_msg(Envelope::from_file(&with_proof_hex(format!(
            "zz{}",
            &good[2..]
        ))));
        assert!(msg.contains("hex"), "{msg}");
        assert!(decode_proof_bytes(&[0u8; 127]).is_err());
        assert!(decode_proof_bytes(&[0u8; 129]).is_err());
    }

    #[test]
    fn rejects_wrong_format_and_bad_json() {
        let mut file = sample().to_file(1, true);
        file.format = "zkcredit-proof/v2".into();
        assert!(malformed_msg(Envelope::from_file(&file)).contains("format"));
        assert!(malformed_msg(Envelope::from_json("{")).contains("JSON"));
        assert!(
            malformed_msg(Envelope::from_json(r#"{"format":"zkcredit-proof/v1"}"#))
                .contains("missing field")
        );
        let mut file = sample().to_file(1, true);
        file.vk_hash = Some("abcd".into());
        assert!(malformed_msg(Envelope::from_file(&file)).contains("vk_hash"));
    }

    fn replace(range: std::ops::Range<usize>, with: &[u8]) -> Result<Envelope, VerifyError> {
        let mut bytes = sample().proof_bytes();
        bytes[range].copy_from_slice(with);
        Envelope::from_file(&with_proof_hex(hex::encode(bytes)))
    }

    #[test]
    fn rejects_points_at_infinity() {
        let inf1 = g1_bytes(&G1Affine::zero());
        let inf2 = g2_bytes(&G2Affine::zero());
        assert!(malformed_msg(replace(0..32, &inf1)).contains("A is the point at infinity"));
        assert!(malformed_msg(replace(32..96, &inf2)).contains("B is the point at infinity"));
        assert!(malformed_msg(replace(96..128, &inf1)).contains("C is the point at infinity"));
    }

    #[test]
    fn rejects_non_canonical_x_plus_q() {
        // A = generator with x encoded as 1 + q: the same point, a second encoding.
        let msg = malformed_msg(replace(0..32, &generator_with_x_plus_q()));
        assert!(msg.contains("A: non-canonical coordinate"), "{msg}");
        let msg = malformed_msg(replace(96..128, &generator_with_x_plus_q()));
        assert!(msg.contains("C: non-canonical coordinate"), "{msg}");
    }

    #[test]
    fn rejects_off_curve_and_outside_subgroup() {
        let msg = malformed_msg(replace(0..32, &g1_off_curve()));
        assert!(msg.contains("A: not a point on the curve"), "{msg}");
        let msg = malformed_msg(replace(32..96, &g2_bytes(&g2_outside_subgroup())));
        assert!(msg.contains("B: point is on the curve but not in the prime-order subgroup"));
    }
}
