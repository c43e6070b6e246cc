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

/// Why a string is not the canonical decimal encoding of a BN254 scalar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecimalError {
    /// The string is empty.
    #[error("empty decimal string")]
    Empty,
    /// The string contains something other than ASCII digits (a sign, whitespace, ...).
    #[error("not a decimal number: only ASCII digits 0-9 are allowed")]
    NotDigits,
    /// The string has a leading zero and is not `"0"`.
    #[error("leading zeros are not allowed")]
    LeadingZero,
    /// The value is at least the scalar field modulus.
    #[error("value is not below the BN254 scalar field modulus")]
    OutOfField,
}

/// Parses the canonical decimal encoding of a field element — exactly the strings
/// [`to_decimal`] produces: ASCII digits only, no sign, no leading zeros (except `"0"`), and a
/// value below the modulus (never reduced). The one decimal parser of the workspace.
///
/// # Errors
/// [`DecimalError`] saying which rule the string breaks.
pub fn parse_decimal(s: &str) -> Result<Fr, DecimalError> {
    parse_decimal_in::<Fr>(s)
}

/// [`parse_decimal`] for any 256-bit prime field, e.g. BN254's base field `Fq` for the
/// coordinates in snarkjs's JSON files: the same canonical form, below that field's modulus.
///
/// # Errors
/// As [`parse_decimal`], with the field's own modulus.
pub fn parse_decimal_in<F: PrimeField<BigInt = ark_ff::BigInt<4>>>(
    s: &str,
) -> Result<F, DecimalError> {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return Err(DecimalError::Empty);
    }
    if !bytes.iter().all(u8::is_ascii_digit) {
        return Err(DecimalError::NotDigits);
    }
    if bytes.len() > 1 && bytes[0] == b'0' {
        return Err(DecimalError::LeadingZero);
    }
    // Four little-endian 64-bit limbs; a carry out of the top limb means the value is
    // at least 2^256 > p.
    let mut limbs = [0u64; 4];
    for &digit in bytes {
        let mut carry = u128::from(digit - b'0');
        for limb in &mut limbs {
            let wide = u128::from(*limb) * 10 + carry;
            // Truncation intended: keep the low 64 bits, carry the rest.
            *limb = wide as u64;
            carry = wide >> 64;
        }
        if carry != 0 {
            return Err(DecimalError::OutOfField);
        }
    }
    // `from_bigint` returns `None` exactly when the value is at least the modulus.
    F::from_bigint(ark_ff::BigInt::new(limbs)).ok_or(DecimalError::OutOfField)
}

/// [`parse_decimal`] with the crate's error type, quoting the string.
///
/// # Errors
/// [`Error::FieldElement`] saying what is wrong with the string.
pub fn from_decimal(s: &str) -> Result<Fr, Error> {
    parse_decimal(s).map_err(|e| Error::FieldElement(format!("{s:?}: {e}")))
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
