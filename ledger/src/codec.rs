//! Canonical binary encoding and BLAKE2b-256 hashing of everything the ledger stores or signs.
//!
//! Encoding: [postcard](https://docs.rs/postcard) 1.x over the serde derives of the types in
//! this crate (varint integers, length-prefixed sequences and strings, enum variants by
//! index). Field elements are 32 bytes little-endian and must be below the BN254 scalar
//! modulus. Decoding is strict: trailing bytes are an error, and the decoded value must
//! re-encode to exactly the input bytes, so every value has exactly one accepted encoding and
//! a hash of the bytes is a hash of the value.

use ark_ff::{BigInteger, PrimeField};
use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};
use serde::de::DeserializeOwned;
use serde::Serialize;
use zkcredit_circuits::Fr;

/// A 32-byte BLAKE2b-256 digest.
pub type Hash = [u8; 32];

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not a valid encoding of the expected type (the message says where postcard stopped).
    #[error("malformed encoding: {0}")]
    Malformed(String),
    /// A valid prefix followed by extra bytes.
    #[error("{0} trailing byte(s) after the encoded value")]
    Trailing(usize),
    /// Decodes, but is not the one canonical encoding of the value (e.g. an over-long varint).
    #[error("non-canonical encoding")]
    NonCanonical,
}

/// Encodes a value canonically.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_stdvec(value).expect("encoding into a Vec cannot fail")
}

/// Decodes a value strictly: no trailing bytes, canonical encoding only.
///
/// # Errors
/// [`DecodeError`] naming what was wrong.
pub fn decode<T: Serialize + DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    let (value, rest): (T, &[u8]) =
        postcard::take_from_bytes(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(DecodeError::Trailing(rest.len()));
    }
    if encode(&value) != bytes {
        return Err(DecodeError::NonCanonical);
    }
    Ok(value)
}

/// `BLAKE2b-256(domain_len ‖ domain ‖ parts…)` (domain length as one byte).
pub fn hash(domain: &str, parts: &[&[u8]]) -> Hash {
    let mut h = Blake2b::<U32>::new();
    h.update([domain.len() as u8]);
    h.update(domain.as_bytes());
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// A field element's 32-byte little-endian encoding.
pub fn fr_to_bytes(x: &Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&x.into_bigint().to_bytes_le());
    out
}

/// The field element with this little-endian encoding, or `None` if it is not below the
/// modulus.
pub fn fr_from_bytes(bytes: &[u8; 32]) -> Option<Fr> {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().expect("8 bytes"));
    }
    Fr::from_bigint(ark_ff::BigInt::new(limbs))
}

/// A field element reduced from a hash (for domain tags).
pub fn fr_from_hash(h: &Hash) -> Fr {
    Fr::from_le_bytes_mod_order(h)
}

/// serde for one [`Fr`]: in the binary encoding 32 bytes little-endian; in human-readable
/// formats (JSON) a canonical decimal string. Both reject values ≥ the modulus.
pub mod fr {
    use super::*;
    use serde::{de, Deserialize, Deserializer, Serializer};
    use zkcredit_circuits::field::{from_decimal, to_decimal};

    /// Serializes a field element.
    pub fn serialize<S: Serializer>(x: &Fr, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            return s.serialize_str(&to_decimal(x));
        }
        fr_to_bytes(x).serialize(s)
    }

    /// Deserializes a canonical field element.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fr, D::Error> {
        if d.is_human_readable() {
            let text = String::deserialize(d)?;
            return from_decimal(&text)
                .map_err(|e| de::Error::custom(format!("field element {text:?}: {e}")));
        }
        let bytes = <[u8; 32]>::deserialize(d)?;
        fr_from_bytes(&bytes).ok_or_else(|| de::Error::custom("field element ≥ the modulus"))
    }
}

/// serde for `Vec<Fr>` (each as [`fr`] encodes it).
pub mod fr_vec {
    use super::*;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct One(#[serde(with = "super::fr")] Fr);

    /// Serializes field elements.
    pub fn serialize<S: Serializer>(x: &[Fr], s: S) -> Result<S::Ok, S::Error> {
        x.iter().map(|f| One(*f)).collect::<Vec<_>>().serialize(s)
    }

    /// Deserializes canonical field elements.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Fr>, D::Error> {
        Ok(Vec::<One>::deserialize(d)?
            .into_iter()
            .map(|o| o.0)
            .collect())
    }
}

/// serde for byte strings (`Vec<u8>`: signatures, proofs, keys): bytes in the binary
/// encoding, lowercase hex in human-readable formats.
pub mod hex_bytes {
    use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

    /// Serializes bytes.
    pub fn serialize<S: Serializer>(x: &[u8], s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            return s.serialize_str(&hex::encode(x));
        }
        x.serialize(s)
    }

    /// Deserializes bytes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        if d.is_human_readable() {
            let text = String::deserialize(d)?;
            return hex::decode(text.trim())
                .map_err(|e| de::Error::custom(format!("not hex: {e}")));
        }
        Vec::<u8>::deserialize(d)
    }
}

/// serde for 32-byte values (accounts, hashes): a fixed array in the binary encoding, 64
/// lowercase hex digits in human-readable formats.
pub mod hex32 {
    use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

    /// Serializes 32 bytes.
    pub fn serialize<S: Serializer>(x: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            return s.serialize_str(&hex::encode(x));
        }
        x.serialize(s)
    }

    /// Deserializes 32 bytes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        if d.is_human_readable() {
            let text = String::deserialize(d)?;
            let b =
                hex::decode(text.trim()).map_err(|e| de::Error::custom(format!("not hex: {e}")))?;
            return b.try_into().map_err(|b: Vec<u8>| {
                de::Error::custom(format!("{} bytes, expected 32", b.len()))
            });
        }
        <[u8; 32]>::deserialize(d)
    }
}

/// serde for `Vec<[u8; 32]>` (each as [`hex32`] encodes it).
pub mod hex32_vec {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct One(#[serde(with = "super::hex32")] [u8; 32]);

    /// Serializes 32-byte values.
    pub fn serialize<S: Serializer>(x: &[[u8; 32]], s: S) -> Result<S::Ok, S::Error> {
        x.iter().map(|b| One(*b)).collect::<Vec<_>>().serialize(s)
    }

    /// Deserializes 32-byte values.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[u8; 32]>, D::Error> {
        Ok(Vec::<One>::deserialize(d)?
            .into_iter()
            .map(|o| o.0)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fr_roundtrip_and_modulus() {
        let x = -Fr::from(1u64);
        assert_eq!(fr_from_bytes(&fr_to_bytes(&x)), Some(x));
        let mut p = fr_to_bytes(&x);
        p[0] = p[0].wrapping_add(1); // p itself
        assert_eq!(fr_from_bytes(&p), None);
    }

    #[test]
    fn strict_decoding() {
        let bytes = encode(&(300u64, "ab".to_string()));
        assert_eq!(decode::<(u64, String)>(&bytes), Ok((300, "ab".into())));
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(
            decode::<(u64, String)>(&long),
            Err(DecodeError::Trailing(1))
        );
        // 0 as an over-long varint (0x80 0x00) decodes but is not canonical.
        assert_eq!(decode::<u64>(&[0x80, 0x00]), Err(DecodeError::NonCanonical));
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Sample {
        #[serde(with = "fr")]
        x: Fr,
        #[serde(with = "fr_vec")]
        xs: Vec<Fr>,
        #[serde(with = "hex_bytes")]
        b: Vec<u8>,
        #[serde(with = "hex32")]
        a: [u8; 32],
        #[serde(with = "hex32_vec")]
        v: Vec<[u8; 32]>,
    }

    /// JSON: decimal field elements, hex bytes, never byte arrays; the binary encoding is
    /// unchanged (field elements as 32 bytes) so hashes do not move.
    #[test]
    fn json_is_decimal_and_hex_binary_is_bytes() {
        let v = Sample {
            x: Fr::from(7u64),
            xs: vec![Fr::from(1u64), -Fr::from(1u64)],
            b: vec![0xab, 0x01],
            a: [0x11; 32],
            v: vec![[0x22; 32]],
        };
        let j = serde_json::to_value(&v).unwrap();
        assert_eq!(j["x"], "7");
        assert_eq!(j["xs"][0], "1");
        assert_eq!(j["b"], "ab01");
        assert_eq!(j["a"], "11".repeat(32));
        assert_eq!(j["v"][0], "22".repeat(32));
        assert_eq!(serde_json::from_value::<Sample>(j).unwrap(), v);
        let bin = encode(&v);
        assert_eq!(&bin[..32], &fr_to_bytes(&Fr::from(7u64))[..]);
        assert_eq!(decode::<Sample>(&bin).unwrap(), v);
        // Out of field, leading zeros, short accounts: refused, naming the problem.
        let bad = serde_json::json!({"x": "07", "xs": [], "b": "", "a": "11", "v": []});
        assert!(serde_json::from_value::<Sample>(bad).is_err());
        let short = serde_json::json!({"x": "7", "xs": [], "b": "", "a": "11", "v": []});
        let e = serde_json::from_value::<Sample>(short)
            .unwrap_err()
            .to_string();
        assert!(e.contains("1 bytes, expected 32"), "{e}");
    }
}
