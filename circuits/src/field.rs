//! Conversions between integers, decimal strings and the BN254 scalar field.

use crate::{Error, Fr};
use ark_ff::{BigInteger, PrimeField};
use num_bigint::{BigInt, BigUint, Sign};

/// `x` as a field element.
pub fn from_u64(x: u64) -> Fr {
    Fr::from(x)
}

/// A signed integer mapped into the field: `-x` becomes `p - x`.
pub fn from_i64(x: i64) -> Fr {
    from_i128(i128::from(x))
}

/// A signed 128-bit integer mapped into the field: `-x` becomes `p - x`.
pub fn from_i128(x: i128) -> Fr {
    let mag = Fr::from(x.unsigned_abs());
    if x < 0 {
        -mag
    } else {
        mag
    }
}

/// The field element as an unsigned integer in `[0, p)`.
pub fn to_biguint(x: &Fr) -> BigUint {
    BigUint::from_bytes_le(&x.into_bigint().to_bytes_le())
}

/// The field element read as a signed integer: values above `(p - 1) / 2` are negative.
pub fn to_signed(x: &Fr) -> BigInt {
    let v = to_biguint(x);
    let p: BigUint = Fr::MODULUS.into();
    if v > &p >> 1 {
        BigInt::from_biguint(Sign::Minus, p - v)
    } else {
        BigInt::from_biguint(Sign::Plus, v)
    }
}

/// The field element as a `u64`, if it is one.
pub fn to_u64(x: &Fr) -> Option<u64> {
    u64::try_from(to_biguint(x)).ok()
}

/// The field element as an `i64` under the signed reading, if it fits.
pub fn to_i64(x: &Fr) -> Option<i64> {
    i64::try_from(to_signed(x)).ok()
}

/// The field element as an `i128` under the signed reading, if it fits.
pub fn to_i128(x: &Fr) -> Option<i128> {
    i128::try_from(to_signed(x)).ok()
}

/// Canonical decimal form, as circom and snarkjs write field elements.
pub fn to_decimal(x: &Fr) -> String {
    to_biguint(x).to_string()
}

/// Parses a canonical decimal field element: ASCII digits only, no sign, no leading zeros
/// (except `"0"` itself), and a value below the modulus.
///
/// # Errors
/// [`Error::FieldElement`] saying what is wrong with the string.
pub fn from_decimal(s: &str) -> Result<Fr, Error> {
    if s.is_empty() {
        return Err(Error::FieldElement("empty string".into()));
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::FieldElement(format!(
            "{s:?} is not a decimal integer"
        )));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(Error::FieldElement(format!("{s:?} has leading zeros")));
    }
    let v: BigUint = s
        .parse()
        .map_err(|_| Error::FieldElement(format!("{s:?} is not a decimal integer")))?;
    let p: BigUint = Fr::MODULUS.into();
    if v >= p {
        return Err(Error::FieldElement(format!(
            "{s} is not below the BN254 scalar field modulus"
        )));
    }
    Ok(Fr::from(v))
}

/// serde helpers: a field element as a canonical decimal string.
pub mod serde_decimal {
    use super::{from_decimal, to_decimal};
    use crate::Fr;
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    /// Serializes as a decimal string.
    pub fn serialize<S: Serializer>(x: &Fr, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_decimal(x))
    }

    /// Deserializes a canonical decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fr, D::Error> {
        let s = String::deserialize(d)?;
        from_decimal(&s).map_err(D::Error::custom)
    }
}
