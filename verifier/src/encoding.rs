//! Canonical text encodings of BN254 scalars, shared by every zkcredit crate.
//!
//! Public inputs travel as decimal strings (the convention of snarkjs and circom). To keep
//! one field element from having several encodings, [`fr_from_decimal`] accepts exactly the
//! strings [`fr_to_decimal`] produces: ASCII digits only, no sign, no leading zeros (except
//! `"0"` itself), and a value strictly below the scalar field modulus
//! r = 21888242871839275222246405745257275088548364400416034343698204186575808495617.

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};

pub use zkcredit_circuits::field::DecimalError;

/// Parses the canonical decimal encoding of a BN254 scalar (the workspace's one parser,
/// [`zkcredit_circuits::field::parse_decimal`]).
///
/// # Errors
/// [`DecimalError`] when `s` is empty, contains a non-digit, has a leading zero, or denotes a
/// value ≥ the scalar field modulus (such values are rejected, never reduced).
pub fn fr_from_decimal(s: &str) -> Result<Fr, DecimalError> {
    zkcredit_circuits::field::parse_decimal(s)
}

/// The canonical decimal encoding of `x` (the inverse of [`fr_from_decimal`]).
#[must_use]
pub fn fr_to_decimal(x: &Fr) -> String {
    zkcredit_circuits::field::to_decimal(x)
}

/// The 32-byte little-endian encoding of `x` (its canonical representative, not Montgomery
/// form), as absorbed into transcripts.
#[must_use]
pub fn fr_to_le_bytes(x: &Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&x.into_bigint().to_bytes_le());
    out
}

/// Domain separator for text hashed into a field element (scopes and signals).
pub const TEXT_LABEL: &[u8] = b"zkcredit/text/v1";

/// `BLAKE2b-256(TEXT_LABEL ‖ utf8(text))` read little-endian and reduced into the field.
#[must_use]
pub fn hash_text(text: &str) -> Fr {
    let mut msg = TEXT_LABEL.to_vec();
    msg.extend_from_slice(text.as_bytes());
    Fr::from_le_bytes_mod_order(&crate::blake2b256(&msg))
}

/// A scope or signal as users write it: a string of ASCII digits is a canonical decimal field
/// element, taken as it is; any other text is hashed with [`hash_text`]. The CLI and the
/// browser wallet apply this one rule.
///
/// # Errors
/// [`DecimalError`] for digits that are not a canonical field element (e.g. `"07"`).
pub fn text_or_fr(text: &str) -> Result<Fr, DecimalError> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return fr_from_decimal(text);
    }
    Ok(hash_text(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{One, Zero};

    const R: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
    const R_MINUS_1: &str =
        "21888242871839275222246405745257275088548364400416034343698204186575808495616";
    const R_PLUS_1: &str =
        "21888242871839275222246405745257275088548364400416034343698204186575808495618";

    #[test]
    fn modulus_constant_matches_arkworks() {
        assert_eq!(Fr::MODULUS.to_string(), R);
    }

    #[test]
    fn accepts_canonical() {
        assert_eq!(fr_from_decimal("0"), Ok(Fr::zero()));
        assert_eq!(fr_from_decimal("1"), Ok(Fr::one()));
        assert_eq!(fr_from_decimal("42"), Ok(Fr::from(42u64)));
        assert_eq!(fr_from_decimal(R_MINUS_1), Ok(-Fr::one()));
        assert_eq!(
            fr_from_decimal("18446744073709551616"),
            Ok(Fr::from(u128::from(u64::MAX) + 1))
        );
    }

    #[test]
    fn rejects_non_canonical() {
        assert_eq!(fr_from_decimal(""), Err(DecimalError::Empty));
        assert_eq!(fr_from_decimal("-1"), Err(DecimalError::NotDigits));
        assert_eq!(fr_from_decimal("+1"), Err(DecimalError::NotDigits));
        assert_eq!(fr_from_decimal(" 1"), Err(DecimalError::NotDigits));
        assert_eq!(fr_from_decimal("1 "), Err(DecimalError::NotDigits));
        assert_eq!(fr_from_decimal("0x10"), Err(DecimalError::NotDigits));
        assert_eq!(fr_from_decimal("1e3"), Err(DecimalError::NotDigits));
        assert_eq!(fr_from_decimal("١"), Err(DecimalError::NotDigits)); // Arabic-Indic one
        assert_eq!(fr_from_decimal("00"), Err(DecimalError::LeadingZero));
        assert_eq!(fr_from_decimal("01"), Err(DecimalError::LeadingZero));
        assert_eq!(fr_from_decimal(R), Err(DecimalError::OutOfField));
        assert_eq!(fr_from_decimal(R_PLUS_1), Err(DecimalError::OutOfField));
        // ≥ 2^256: overflows the limbs.
        let huge = "9".repeat(100);
        assert_eq!(fr_from_decimal(&huge), Err(DecimalError::OutOfField));
        let two_256 =
            "115792089237316195423570985008687907853269984665640564039457584007913129639936";
        assert_eq!(fr_from_decimal(two_256), Err(DecimalError::OutOfField));
    }

    #[test]
    fn round_trip() {
        use ark_std::UniformRand;
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        for _ in 0..200 {
            let x = Fr::rand(&mut rng);
            let s = fr_to_decimal(&x);
            assert_eq!(fr_from_decimal(&s), Ok(x), "{s}");
        }
        assert_eq!(fr_to_decimal(&Fr::zero()), "0");
        assert_eq!(fr_to_decimal(&-Fr::one()), R_MINUS_1);
        assert_eq!(fr_to_le_bytes(&Fr::from(258u64))[..3], [2, 1, 0]);
    }
}
