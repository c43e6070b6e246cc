//! Strict decoding of compressed BN254 points, with errors that say what was wrong.
//!
//! arkworks' compressed encoding of a short-Weierstrass point is its x-coordinate,
//! little-endian, with two flag bits in the most significant bits of the last byte
//! (bit 7: y is the "negative" root, bit 6: point at infinity). For G2 the x-coordinate is
//! an Fq2 element `c0 || c1` and the flags live in the last byte of `c1`.
//!
//! arkworks alone already rejects coordinates ≥ q (`Fp::from_bigint` fails) and both flag
//! bits set; it does *not* reject an infinity flag carrying a non-zero x, which it decodes
//! to the identity. We therefore also re-encode every decoded point and require the bytes
//! to match, so each point has exactly one accepted encoding.

use ark_bn254::{Fq, G1Affine, G2Affine};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};

/// Bytes of a compressed G1 point.
pub(crate) const G1_BYTES: usize = 32;
/// Bytes of a compressed G2 point.
pub(crate) const G2_BYTES: usize = 64;

const FLAG_MASK: u8 = 0b1100_0000;

/// Why bytes are not a valid compressed point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PointError {
    /// Wrong number of bytes.
    Length,
    /// A coordinate is ≥ the base field modulus q.
    NonCanonicalCoordinate,
    /// Both flag bits are set.
    BadFlags,
    /// No point on the curve has this x-coordinate.
    NotOnCurve,
    /// On the curve but outside the prime-order subgroup.
    NotInSubgroup,
    /// Decodes, but is not the unique encoding of the point (e.g. infinity with junk bits).
    NonCanonicalEncoding,
}

impl PointError {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Length => "wrong length",
            Self::NonCanonicalCoordinate => {
                "non-canonical coordinate (not below the base field modulus q)"
            }
            Self::BadFlags => "invalid flag bits (both infinity and sign set)",
            Self::NotOnCurve => "not a point on the curve (x has no matching y)",
            Self::NotInSubgroup => "point is on the curve but not in the prime-order subgroup",
            Self::NonCanonicalEncoding => "non-canonical point encoding",
        }
    }
}

/// Is the 32-byte little-endian value (after clearing the flag bits if `flags`) below q?
fn coordinate_is_canonical(bytes: &[u8], flags: bool) -> bool {
    let mut buf = [0u8; 32];
    buf.copy_from_slice(bytes);
    if flags {
        buf[31] &= !FLAG_MASK;
    }
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(buf.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        *limb = u64::from_le_bytes(word);
    }
    BigInt::new(limbs) < Fq::MODULUS
}

fn decode<C: SWCurveConfig>(bytes: &[u8], len: usize) -> Result<Affine<C>, PointError> {
    if bytes.len() != len {
        return Err(PointError::Length);
    }
    // Coordinates: 32-byte chunks; only the last carries flags.
    let chunks = len / 32;
    for (i, chunk) in bytes.chunks_exact(32).enumerate() {
        if !coordinate_is_canonical(chunk, i + 1 == chunks) {
            return Err(PointError::NonCanonicalCoordinate);
        }
    }
    if bytes[len - 1] & FLAG_MASK == FLAG_MASK {
        return Err(PointError::BadFlags);
    }
    // Coordinates and flags are fine, so a failure here means x is not on the curve.
    let point = Affine::<C>::deserialize_with_mode(bytes, Compress::Yes, Validate::No)
        .map_err(|_| PointError::NotOnCurve)?;
    if !point.is_zero() && !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(PointError::NotInSubgroup);
    }
    let mut again = Vec::with_capacity(len);
    point
        .serialize_compressed(&mut again)
        .map_err(|_| PointError::NonCanonicalEncoding)?;
    if again != bytes {
        return Err(PointError::NonCanonicalEncoding);
    }
    Ok(point)
}

/// Decodes a compressed G1 point: canonical, on the curve, in the subgroup. The identity is
/// accepted here; callers that forbid it check [`AffineRepr::is_zero`].
pub(crate) fn decode_g1(bytes: &[u8]) -> Result<G1Affine, PointError> {
    decode(bytes, G1_BYTES)
}

/// Decodes a compressed G2 point: canonical, on the twist, in the prime-order subgroup. The
/// identity is accepted here; callers that forbid it check [`AffineRepr::is_zero`].
pub(crate) fn decode_g2(bytes: &[u8]) -> Result<G2Affine, PointError> {
    decode(bytes, G2_BYTES)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ark_bn254::{Fq2, G2Projective};
    use ark_ec::CurveGroup;
    use ark_ff::{BigInteger, Field, UniformRand};
    use rand::SeedableRng;

    pub(crate) fn g1_bytes(p: &G1Affine) -> Vec<u8> {
        let mut v = Vec::new();
        p.serialize_compressed(&mut v).unwrap();
        v
    }

    pub(crate) fn g2_bytes(p: &G2Affine) -> Vec<u8> {
        let mut v = Vec::new();
        p.serialize_compressed(&mut v).unwrap();
        v
    }

    /// The generator's x = 1 encoded as 1 + q (flags preserved): same residue, different bytes.
    pub(crate) fn generator_with_x_plus_q() -> Vec<u8> {
        let g = G1Affine::generator();
        let enc = g1_bytes(&g);
        let flags = enc[31] & FLAG_MASK;
        let mut x_plus_q = g.x.into_bigint();
        assert!(!x_plus_q.add_with_carry(&Fq::MODULUS));
        let mut out = x_plus_q.to_bytes_le();
        assert_eq!(
            out[31] & FLAG_MASK,
            0,
            "x + q must leave the flag bits free"
        );
        out[31] |= flags;
        out
    }

    /// A compressed G1 encoding whose x has no y on the curve.
    pub(crate) fn g1_off_curve() -> Vec<u8> {
        let mut x = Fq::from(2u64);
        while (x.square() * x + Fq::from(3u64)).sqrt().is_some() {
            x += Fq::from(1u64);
        }
        let mut out = x.into_bigint().to_bytes_le();
        out[31] &= !FLAG_MASK;
        out
    }

    /// A point on the G2 twist that is not in the prime-order subgroup (the twist has a large
    /// cofactor, so a random point on it almost never is).
    pub(crate) fn g2_outside_subgroup() -> G2Affine {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
        loop {
            let x = Fq2::rand(&mut rng);
            if let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) {
                assert!(p.is_on_curve());
                if !p.is_in_correct_subgroup_assuming_on_curve() {
                    return p;
                }
            }
        }
    }

    #[test]
    fn accepts_valid_points() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        for _ in 0..8 {
            let p = G1Affine::rand(&mut rng);
            assert_eq!(decode_g1(&g1_bytes(&p)), Ok(p));
            let q = G2Projective::rand(&mut rng).into_affine();
            assert_eq!(decode_g2(&g2_bytes(&q)), Ok(q));
        }
        assert_eq!(
            decode_g1(&g1_bytes(&G1Affine::zero())),
            Ok(G1Affine::zero())
        );
        assert_eq!(
            decode_g2(&g2_bytes(&G2Affine::zero())),
            Ok(G2Affine::zero())
        );
    }

    #[test]
    fn arkworks_itself_rejects_x_plus_q() {
        let bytes = generator_with_x_plus_q();
        // The raw arkworks decoder, with and without validation, refuses x ≥ q ...
        assert!(G1Affine::deserialize_compressed(&bytes[..]).is_err());
        assert!(G1Affine::deserialize_compressed_unchecked(&bytes[..]).is_err());
        // ... and so does ours, saying why.
        assert_eq!(decode_g1(&bytes), Err(PointError::NonCanonicalCoordinate));
    }

    #[test]
    fn rejects_g2_coordinate_plus_q() {
        // x.c0 + q in the first (flag-free) half of a G2 encoding: the same point, a second
        // encoding. arkworks refuses it on its own, and so do we.
        let g = G2Affine::generator();
        let mut enc = g2_bytes(&g);
        let mut c0 = g.x.c0.into_bigint();
        assert!(!c0.add_with_carry(&Fq::MODULUS));
        enc[..32].copy_from_slice(&c0.to_bytes_le());
        assert!(G2Affine::deserialize_compressed(&enc[..]).is_err());
        assert!(G2Affine::deserialize_compressed_unchecked(&enc[..]).is_err());
        assert_eq!(decode_g2(&enc), Err(PointError::NonCanonicalCoordinate));
    }

    #[test]
    fn rejects_off_curve() {
        assert_eq!(decode_g1(&g1_off_curve()), Err(PointError::NotOnCurve));
    }

    #[test]
    fn rejects_g2_outside_subgroup() {
        let p = g2_outside_subgroup();
        let bytes = g2_bytes(&p);
        assert!(G2Affine::deserialize_compressed(&bytes[..]).is_err());
        assert_eq!(decode_g2(&bytes), Err(PointError::NotInSubgroup));
    }

    #[test]
    fn rejects_both_flags_and_junk_infinity() {
        let mut bytes = g1_bytes(&G1Affine::generator());
        bytes[31] |= FLAG_MASK;
        assert_eq!(decode_g1(&bytes), Err(PointError::BadFlags));

        // Infinity flag with a non-zero x: arkworks accepts it as the identity, we do not.
        let mut junk = vec![0u8; 32];
        junk[0] = 5;
        junk[31] = 0b0100_0000;
        assert_eq!(
            G1Affine::deserialize_compressed(&junk[..]).unwrap(),
            G1Affine::zero()
        );
        assert_eq!(decode_g1(&junk), Err(PointError::NonCanonicalEncoding));
    }

    #[test]
    fn rejects_wrong_length() {
        assert_eq!(decode_g1(&[0u8; 31]), Err(PointError::Length));
        assert_eq!(decode_g2(&[0u8; 65]), Err(PointError::Length));
    }
}
