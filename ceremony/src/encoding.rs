//! Field elements and points as snarkjs stores them.
//!
//! * `.r1cs` coefficients: the canonical value, 32 bytes little endian.
//! * `.ptau` and `.zkey` points ("LEM"): affine `x` then `y`, each coordinate in Montgomery
//!   form (`x * 2^256 mod q`) little endian; a G2 coordinate is `c0` then `c1`. The point at
//!   infinity is all zero bytes. arkworks keeps `Fq` in the same Montgomery form, so a
//!   coordinate is its internal limbs.
//! * Hashes (circuit hash, transcript) take points "uncompressed" ("U"): coordinates in
//!   canonical form big endian, G2 as `x.c1, x.c0, y.c1, y.c0`; infinity is all zeros.
//! * `.zkey` coefficients: `c * R^2 mod r` (R = 2^256) as a canonical little-endian value, so
//!   that one Montgomery multiplication by a canonical witness value gives `c * w` in
//!   Montgomery form.

use crate::CeremonyError;
use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, BigInteger256, PrimeField};

#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// Bytes of one G1 point in a `.ptau`/`.zkey` file.
pub const G1_BYTES: usize = 64;
/// Bytes of one G2 point in a `.ptau`/`.zkey` file.
pub const G2_BYTES: usize = 128;
/// Bytes of one field element.
pub const FIELD_BYTES: usize = 32;

fn bigint_le(bytes: &[u8]) -> BigInteger256 {
    let mut limbs = [0u64; 4];
    for (i, l) in limbs.iter_mut().enumerate() {
        let mut a = [0u8; 8];
        a.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
        *l = u64::from_le_bytes(a);
    }
    BigInteger256::new(limbs)
}

fn bigint_to_le(b: &BigInteger256) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, l) in b.0.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&l.to_le_bytes());
    }
    out
}

/// An `Fq` coordinate in Montgomery form, refusing values `>= q`.
fn fq_lem(bytes: &[u8]) -> Option<Fq> {
    let b = bigint_le(bytes);
    (b < Fq::MODULUS).then(|| Fq::new_unchecked(b))
}

fn fq_to_lem(x: &Fq) -> [u8; 32] {
    bigint_to_le(&x.0)
}

/// An `Fr` element stored as its canonical value little endian (`.r1cs`), refusing `>= r`.
pub fn fr_from_le(bytes: &[u8]) -> Option<Fr> {
    Fr::from_bigint(bigint_le(bytes))
}

/// An `Fr` element as its canonical value, 32 bytes little endian.
pub fn fr_to_le(x: &Fr) -> [u8; 32] {
    bigint_to_le(&x.into_bigint())
}

/// An `Fq` element as its canonical value, 32 bytes little endian.
pub fn fq_to_le(x: &Fq) -> [u8; 32] {
    bigint_to_le(&x.into_bigint())
}

/// `R^2 mod r` as a field element.
fn r2() -> Fr {
    use ark_ff::Field;
    // R mod r = 2^256 mod r; squared.
    let r = Fr::from(2u64).pow([256u64]);
    r * r
}

/// A `.zkey` coefficient (`c * R^2`) for `c`.
pub fn zkey_coef_to_le(c: &Fr) -> [u8; 32] {
    fr_to_le(&(*c * r2()))
}

/// The coefficient `c` of a `.zkey` coefficient entry, refusing non-canonical bytes.
pub fn zkey_coef_from_le(bytes: &[u8]) -> Option<Fr> {
    use ark_ff::Field;
    let v = fr_from_le(bytes)?;
    r2().inverse().map(|i| v * i)
}

/// A G1 point in LEM form; `None` if a coordinate is out of range or the point is not on the
/// curve (BN254 G1 has cofactor one, so on the curve is in the group).
pub fn g1_from_lem(bytes: &[u8]) -> Option<G1Affine> {
    if bytes.iter().all(|&b| b == 0) {
        return Some(G1Affine::zero());
    }
    let p = G1Affine::new_unchecked(fq_lem(&bytes[..32])?, fq_lem(&bytes[32..64])?);
    (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
}

/// A G2 point in LEM form; `None` if a coordinate is out of range or the point is not in the
/// prime-order subgroup.
pub fn g2_from_lem(bytes: &[u8]) -> Option<G2Affine> {
    if bytes.iter().all(|&b| b == 0) {
        return Some(G2Affine::zero());
    }
    let x = Fq2::new(fq_lem(&bytes[..32])?, fq_lem(&bytes[32..64])?);
    let y = Fq2::new(fq_lem(&bytes[64..96])?, fq_lem(&bytes[96..128])?);
    let p = G2Affine::new_unchecked(x, y);
    (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
}

/// A G1 point in LEM form.
pub fn g1_to_lem(p: &G1Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&fq_to_lem(&x));
        out[32..].copy_from_slice(&fq_to_lem(&y));
    }
    out
}

/// A G2 point in LEM form.
pub fn g2_to_lem(p: &G2Affine) -> [u8; 128] {
    let mut out = [0u8; 128];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&fq_to_lem(&x.c0));
        out[32..64].copy_from_slice(&fq_to_lem(&x.c1));
        out[64..96].copy_from_slice(&fq_to_lem(&y.c0));
        out[96..].copy_from_slice(&fq_to_lem(&y.c1));
    }
    out
}

fn fq_be(x: &Fq) -> Vec<u8> {
    x.into_bigint().to_bytes_be()
}

/// A G1 point uncompressed, as snarkjs hashes it.
pub fn g1_to_u(p: &G1Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&fq_be(&x));
        out[32..].copy_from_slice(&fq_be(&y));
    }
    out
}

/// A G2 point uncompressed, as snarkjs hashes it.
pub fn g2_to_u(p: &G2Affine) -> [u8; 128] {
    let mut out = [0u8; 128];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&fq_be(&x.c1));
        out[32..64].copy_from_slice(&fq_be(&x.c0));
        out[64..96].copy_from_slice(&fq_be(&y.c1));
        out[96..].copy_from_slice(&fq_be(&y.c0));
    }
    out
}

/// Decodes `bytes` as consecutive G1 points; the error names `what` and the index.
///
/// # Errors
/// [`CeremonyError::Format`] for a wrong length or an invalid point.
pub fn g1_vec(bytes: &[u8], what: &str) -> Result<Vec<G1Affine>, CeremonyError> {
    decode_vec(bytes, G1_BYTES, g1_from_lem, what)
}

/// Decodes `bytes` as consecutive G2 points; the error names `what` and the index.
///
/// # Errors
/// [`CeremonyError::Format`] for a wrong length or an invalid point.
pub fn g2_vec(bytes: &[u8], what: &str) -> Result<Vec<G2Affine>, CeremonyError> {
    decode_vec(bytes, G2_BYTES, g2_from_lem, what)
}

fn decode_vec<T: Send>(
    bytes: &[u8],
    size: usize,
    f: fn(&[u8]) -> Option<T>,
    what: &str,
) -> Result<Vec<T>, CeremonyError> {
    if bytes.len() % size != 0 {
        return Err(CeremonyError::format(
            what,
            format!(
                "{} bytes is not a whole number of {size}-byte points",
                bytes.len()
            ),
        ));
    }
    #[cfg(feature = "parallel")]
    let out: Vec<Option<T>> = bytes.par_chunks(size).map(f).collect();
    #[cfg(not(feature = "parallel"))]
    let out: Vec<Option<T>> = bytes.chunks(size).map(f).collect();
    let mut points = Vec::with_capacity(out.len());
    for (i, p) in out.into_iter().enumerate() {
        points.push(p.ok_or_else(|| {
            CeremonyError::format(what, format!("point {i} is not a valid curve point"))
        })?);
    }
    Ok(points)
}

/// Concatenated LEM encodings of G1 points.
pub fn g1_vec_to_lem(points: &[G1Affine]) -> Vec<u8> {
    points.iter().flat_map(g1_to_lem).collect()
}

/// Concatenated LEM encodings of G2 points.
pub fn g2_vec_to_lem(points: &[G2Affine]) -> Vec<u8> {
    points.iter().flat_map(g2_to_lem).collect()
}
