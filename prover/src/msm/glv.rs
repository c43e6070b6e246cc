//! The GLV split: `k P = k1 P + k2 phi(P)` with `k = k1 + lambda k2 (mod r)` and
//! `|k1|, |k2| < 2^127`, where `phi` is the curve's cheap endomorphism (one multiplication of
//! `x` by a cube root of unity; arkworks' `GLVConfig` gives it and the lattice basis for
//! BN254's G1 and G2).
//!
//! arkworks' own `GLVConfig::scalar_decomposition` works on heap-allocated `num-bigint`
//! integers (about a microsecond per scalar); here the two roundings `round(k n22 / r)` and
//! `round(-k n12 / r)` are one 256 × 192-bit multiplication each by constants precomputed
//! once per call (`round(2^256 |n| / r)`), and `k1`, `k2` are then computed modulo 2^128 —
//! exact, because the true values lie in `(-2^127, 2^127)`:
//!
//! With exact rounding, `|k1| <= (|n11| + |n21|) / 2`; our approximation of each rounded
//! quotient is off by at most `1/2 + k / 2^257 < 5/8`, so `|k1| <= 5/8 (|n11| + |n21|)`, and
//! likewise for `k2`. For BN254 the basis entries are below 1.48e38, so both bounds are
//! below 9.3e37 < 2^127 ≈ 1.7e38. A curve whose basis does not fit these bounds falls back to
//! the plain MSM ([`Decomposer::new`] returns `None`), and tests check `k1 + lambda k2 = k`
//! on random and edge scalars.

use super::buckets::{pippenger, window_size, Curve, Windows};
use super::BigInt;
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use num_bigint::BigUint;
#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// Scalar bits after the split: `|k1|, |k2| < 2^127`.
const HALF_BITS: usize = 127;

/// A curve's GLV lattice basis in machine integers, with the rounding constants.
#[derive(Clone, Debug)]
pub struct Decomposer {
    /// `n11, n12, n21, n22` (`n_i1 + lambda n_i2 = 0 mod r`).
    n: [i128; 4],
    /// `round(2^256 |n22| / r)` and `round(2^256 |n12| / r)`, little-endian limbs.
    g: [[u64; 3]; 2],
    /// Signs applied to the two rounded quotients: `sign(n22)` and `-sign(n12)`.
    sign: [i128; 2],
}

/// `k g + 2^255` for `k < 2^256` (up to four limbs) and `g < 2^192`, little-endian: limbs 4
/// and up are `round(k g / 2^256)`.
pub(super) fn rounded_product(k: &[u64], g: &[u64; 3]) -> [u64; 8] {
    let mut prod = [0u64; 8];
    for (i, &ki) in k.iter().take(4).enumerate() {
        let mut carry = 0u128;
        for (j, &gj) in g.iter().enumerate() {
            let t = u128::from(ki) * u128::from(gj) + u128::from(prod[i + j]) + carry;
            prod[i + j] = t as u64;
            carry = t >> 64;
        }
        let mut idx = i + 3;
        while carry != 0 && idx < 8 {
            let t = u128::from(prod[idx]) + carry;
            prod[idx] = t as u64;
            carry = t >> 64;
            idx += 1;
        }
    }
    // + 2^255 to round to nearest
    let mut carry = 1u128 << 63;
    for limb in prod.iter_mut().skip(3) {
        let t = u128::from(*limb) + carry;
        *limb = t as u64;
        carry = t >> 64;
    }
    prod
}

/// `round(k g / 2^256)` for `k < 2^256` and `g < 2^192`; `None` if it does not fit in 127 bits.
fn mul_shift(k: &[u64], g: &[u64; 3]) -> Option<u128> {
    let prod = rounded_product(k, g);
    if prod[6] != 0 || prod[7] != 0 || prod[5] >> 63 != 0 {
        return None;
    }
    Some(u128::from(prod[4]) | (u128::from(prod[5]) << 64))
}

impl Decomposer {
    /// The constants for curve `P`, or `None` when its basis is too large for the 128-bit
    /// arithmetic (not the case for BN254).
    pub fn new<P: GLVConfig>() -> Option<Self> {
        let r = BigUint::from_bytes_le(&P::ScalarField::MODULUS.to_bytes_le());
        let mut n = [0i128; 4];
        let mut abs = Vec::with_capacity(4);
        for (slot, (positive, value)) in n.iter_mut().zip(P::SCALAR_DECOMP_COEFFS.iter()) {
            let v = BigUint::from_bytes_le(&value.to_bytes_le());
            let limbs = value.as_ref();
            let m = i128::try_from(u128::from(limbs[0]) | (u128::from(limbs[1]) << 64)).ok()?;
            *slot = if *positive { m } else { -m };
            abs.push(v);
        }
        // |k1| <= 5/8 (|n11| + |n21|) and |k2| <= 5/8 (|n12| + |n22|) must stay below 2^127.
        let limit = BigUint::from(1u8) << 130usize;
        if BigUint::from(5u8) * (&abs[0] + &abs[2]) >= limit
            || BigUint::from(5u8) * (&abs[1] + &abs[3]) >= limit
        {
            return None;
        }
        let round_div = |num: &BigUint| -> Option<[u64; 3]> {
            let q: BigUint = ((num << 256usize) + (&r >> 1usize)) / &r;
            let digits = q.to_u64_digits();
            if digits.len() > 3 {
                return None;
            }
            let mut out = [0u64; 3];
            out[..digits.len()].copy_from_slice(&digits);
            Some(out)
        };
        let g = [round_div(&abs[3])?, round_div(&abs[1])?];
        let sign = [n[3].signum(), -n[1].signum()];
        Some(Self { n, g, sign })
    }

    /// `(k1, k2)` with `k = k1 + lambda k2 (mod r)` and both in `(-2^127, 2^127)`, for a
    /// reduced scalar `k < r`; `None` only if a bound fails (never for BN254; checked).
    pub fn decompose(&self, k: &[u64]) -> Option<(i128, i128)> {
        let beta1 = i128::try_from(mul_shift(k, &self.g[0])?).ok()? * self.sign[0];
        let beta2 = i128::try_from(mul_shift(k, &self.g[1])?).ok()? * self.sign[1];
        let [n11, n12, n21, n22] = self.n;
        let k_lo = (u128::from(k[0]) | (u128::from(*k.get(1).unwrap_or(&0)) << 64)) as i128;
        let k1 = k_lo
            .wrapping_sub(beta1.wrapping_mul(n11))
            .wrapping_sub(beta2.wrapping_mul(n21));
        let k2 = 0i128
            .wrapping_sub(beta1.wrapping_mul(n12))
            .wrapping_sub(beta2.wrapping_mul(n22));
        Some((k1, k2))
    }
}

/// The split of one chunk: `±P` and `±phi(P)` with their 127-bit scalars (zero terms
/// dropped), or `None` when a decomposition does not apply.
#[allow(clippy::type_complexity)]
fn split_chunk<P: GLVConfig>(
    d: &Decomposer,
    bases: &[Affine<P>],
    scalars: &[BigInt<P>],
) -> Option<(Vec<Affine<P>>, Vec<[u64; 2]>)> {
    let mut points = Vec::with_capacity(2 * bases.len());
    let mut small = Vec::with_capacity(2 * bases.len());
    let limbs = |v: u128| [v as u64, (v >> 64) as u64];
    for (base, k) in bases.iter().zip(scalars) {
        if k.is_zero() || base.is_zero() {
            continue;
        }
        let (k1, k2) = d.decompose(k.as_ref())?;
        if k1 != 0 {
            points.push(if k1 < 0 { -*base } else { *base });
            small.push(limbs(k1.unsigned_abs()));
        }
        if k2 != 0 {
            let phi = P::endomorphism_affine(base);
            points.push(if k2 < 0 { -phi } else { phi });
            small.push(limbs(k2.unsigned_abs()));
        }
    }
    Some((points, small))
}

/// The split inputs of the whole MSM (chunks in parallel), or `None` when the
/// decomposition does not apply.
#[allow(clippy::type_complexity)]
fn split<P: GLVConfig>(
    bases: &[Affine<P>],
    scalars: &[BigInt<P>],
) -> Option<(Vec<Affine<P>>, Vec<[u64; 2]>)> {
    const CHUNK: usize = 2048;
    let d = Decomposer::new::<P>()?;
    let n = bases.len().min(scalars.len());
    let (bases, scalars) = (&bases[..n], &scalars[..n]);
    #[cfg(feature = "parallel")]
    let parts: Vec<_> = bases
        .par_chunks(CHUNK)
        .zip(scalars.par_chunks(CHUNK))
        .map(|(b, s)| split_chunk(&d, b, s))
        .collect::<Option<_>>()?;
    #[cfg(not(feature = "parallel"))]
    let parts: Vec<_> = bases
        .chunks(CHUNK)
        .zip(scalars.chunks(CHUNK))
        .map(|(b, s)| split_chunk(&d, b, s))
        .collect::<Option<_>>()?;
    if parts.len() == 1 {
        return parts.into_iter().next();
    }
    let total = parts.iter().map(|p| p.0.len()).sum();
    let (mut points, mut small) = (Vec::with_capacity(total), Vec::with_capacity(total));
    for (p, s) in parts {
        points.extend_from_slice(&p);
        small.extend_from_slice(&s);
    }
    Some((points, small))
}

/// Bits of the largest of the scalars.
pub(super) fn max_bits(scalars: &[[u64; 2]]) -> usize {
    let (lo, hi) = scalars
        .iter()
        .fold((0u64, 0u64), |(lo, hi), s| (lo | s[0], hi | s[1]));
    if hi != 0 {
        128 - hi.leading_zeros() as usize
    } else {
        64 - lo.leading_zeros() as usize
    }
}

/// `sum_i scalars_i * bases_i` (extra bases or scalars beyond the shorter slice are ignored,
/// as in arkworks), through the GLV split and the batch-affine Pippenger, with the window
/// size chosen for the split's size. Scalars must be reduced (below the group order), as
/// `PrimeField::into_bigint` gives them.
pub fn msm<P: GLVConfig + Curve>(bases: &[Affine<P>], scalars: &[BigInt<P>]) -> Projective<P> {
    msm_glv_with_window(bases, scalars, None)
}

/// [`msm`] with an explicit window size `c` (clamped to 2..=20), for tuning; `None` picks it
/// from the cost model ([`window_size`]).
pub fn msm_glv_with_window<P: GLVConfig + Curve>(
    bases: &[Affine<P>],
    scalars: &[BigInt<P>],
    c: Option<usize>,
) -> Projective<P> {
    let plain = |n: usize| {
        let bits = P::ScalarField::MODULUS_BIT_SIZE as usize;
        pippenger(
            bases,
            scalars,
            bits,
            c.unwrap_or_else(|| window_size(n, bits)),
        )
    };
    // A scalar at or above the order (never from `into_bigint`) gets the plain path.
    let n = bases.len().min(scalars.len());
    match windows_with(bases, scalars, c) {
        Some(w) => w.msm(),
        None => plain(n),
    }
}

/// [`msm`] cut into its windows ([`Windows`]), for a scheduler; `None` where [`msm`] would
/// take the plain path (a scalar at or above the group order).
pub fn windows<P: GLVConfig + Curve>(
    bases: &[Affine<P>],
    scalars: &[BigInt<P>],
) -> Option<Windows<P>> {
    windows_with(bases, scalars, None)
}

fn windows_with<P: GLVConfig + Curve>(
    bases: &[Affine<P>],
    scalars: &[BigInt<P>],
    c: Option<usize>,
) -> Option<Windows<P>> {
    let n = bases.len().min(scalars.len());
    if scalars[..n].iter().any(|k| *k >= P::ScalarField::MODULUS) {
        return None;
    }
    let (points, small) = split(bases, scalars)?;
    let bits = max_bits(&small).min(HALF_BITS + 1);
    Some(Windows::new(points, small, bits, c))
}
