//! The 4-dimensional split on BN254's G2: `k Q = k0 Q + k1 psi(Q) + k2 psi^2(Q) + k3 psi^3(Q)`
//! with `k = k0 + k1 mu + k2 mu^2 + k3 mu^3 (mod r)` and every `|kj| < 2^65`, where `psi` is
//! the untwist-Frobenius-twist endomorphism (`psi(x, y) = (conj(x) cx, conj(y) cy)`, two
//! `Fq2` multiplications) and `mu = 6u^2 = p mod r` its eigenvalue on G2 (`u` the BN
//! parameter). `mu` is a primitive 12th root of unity mod `r` (`mu^4 - mu^2 + 1 = 0`), so the
//! powers `1, mu, mu^2, mu^3` span `Z[mu]` and GLV's `phi` (a cube root of unity, `mu^4` up to
//! sign and inverse) adds nothing. Against the 2-dimensional split ([`super::glv`]): twice the
//! points with half the bits, so about the same accumulation work, half the windows and so
//! half the bucket reductions, and a larger window for the same work.
//!
//! Decomposition (Babai rounding): the lattice `{a : a0 + a1 mu + a2 mu^2 + a3 mu^3 = 0 mod r}`
//! has the LLL-reduced basis [`BASIS`] (entries `±u`, `±2u` and neighbours, determinant
//! `-r`). With `N = r B^-1`'s first row (integers), `alpha_i = k N_i / r` solves
//! `alpha B = (k, 0, 0, 0)`; we take `beta_i = round(k g_i / 2^256)` with
//! `g_i = round(2^256 |N_i| / r)` (one 256 × 192-bit product each) and
//! `(k0, .., k3) = (k, 0, 0, 0) - sum_i beta_i b_i`, which is `sum_i (alpha_i - beta_i) b_i`.
//!
//! Bound: `|k g_i / 2^256 - k |N_i| / r| <= k / 2^257 < 1/8` for `k < 2^254`, so
//! `|alpha_i - beta_i| <= 5/8`, and `|kj| <= 5/8 sum_i |b_ij| <= 5/8 (6u + 3) < 2^65`
//! (`6u + 3` is the largest column sum of [`BASIS`]). Since every `kj` is below `2^127` in
//! absolute value, computing it modulo `2^128` (only the low 128 bits of each `beta_i`) is
//! exact. Tests check the basis (rows in the lattice, `N B = (r, 0, 0, 0)`), the constants,
//! the recomposition and the bound on random and edge scalars, `psi(Q) = mu Q`, and the MSM
//! against arkworks'.

use super::buckets::Windows;
use super::glv::{max_bits, rounded_product};
use super::BigInt;
use ark_bn254::{Fq2, Fr, G2Affine, G2Projective};
use ark_ec::AffineRepr;
use ark_ff::{Field, MontFp, PrimeField};
#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// `|kj| < 2^65` after the split.
pub const SPLIT_BITS: usize = 65;

/// `u` of BN254 (`p` and `r` are polynomials in it).
pub const U: i128 = 4_965_661_367_192_848_881;

/// An LLL-reduced basis of the lattice of `(a0, a1, a2, a3)` with
/// `a0 + a1 mu + a2 mu^2 + a3 mu^3 = 0 (mod r)`, determinant `-r`.
pub const BASIS: [[i128; 4]; 4] = [
    [2 * U, U + 1, -U, U],
    [-U, U, -U, -2 * U - 1],
    [U + 1, U, U, -2 * U],
    [2 * U + 1, -U, -U - 1, -U],
];

/// `round(2^256 |N_i| / r)`, little-endian limbs, for `N = r B^-1`'s first row.
pub const G: [[u64; 3]; 4] = [
    [
        5112920013033249713,
        641158657826981038,
        11421183126753848211,
    ],
    [
        3314413021792839464,
        6175783621411297151,
        11421183126753848213,
    ],
    [
        512368312467118848,
        6175783621411297154,
        11421183126753848213,
    ],
    [
        13938807413310475583,
        6175783621411297149,
        11421183126753848213,
    ],
];

/// `sign(N_i)`.
pub const SIGN: [i128; 4] = [1, -1, 1, 1];

/// `psi`'s coefficients: `(9 + i)^((p - 1) / 3)` for `x` and `(9 + i)^((p - 1) / 2)` for `y`
/// (as in arkworks' G2 subgroup check; tests check `psi(Q) = mu Q`).
const PSI_X: Fq2 = Fq2::new(
    MontFp!("21575463638280843010398324269430826099269044274347216827212613867836435027261"),
    MontFp!("10307601595873709700152284273816112264069230130616436755625194854815875713954"),
);
const PSI_Y: Fq2 = Fq2::new(
    MontFp!("2821565182194536844548159561693502659359617185244120367078079554186484126554"),
    MontFp!("3505843767911556378687030309984248845540243509899259641013678093033130930403"),
);

/// `mu = 6u^2`, `psi`'s eigenvalue on G2.
pub fn mu() -> Fr {
    let u = Fr::from(U as u64);
    Fr::from(6u64) * u * u
}

/// The untwist-Frobenius-twist endomorphism: `psi(Q) = mu Q` on G2.
pub fn psi(q: &G2Affine) -> G2Affine {
    if q.is_zero() {
        return *q;
    }
    let mut x = q.x;
    let mut y = q.y;
    x.frobenius_map_in_place(1);
    y.frobenius_map_in_place(1);
    G2Affine::new_unchecked(x * PSI_X, y * PSI_Y)
}

/// `(k0, k1, k2, k3)` with `k = sum_j kj mu^j (mod r)` and every `|kj| < 2^65`, for a reduced
/// scalar `k < r` (little-endian limbs). A scalar within `2^64` of zero or of `r` (the
/// witness's small values and their negations) is itself, one term.
pub fn decompose(k: &[u64]) -> [i128; 4] {
    let low = |k: &[u64]| u128::from(k[0]) | (u128::from(*k.get(1).unwrap_or(&0)) << 64);
    if k.iter().skip(1).all(|&l| l == 0) {
        return [i128::from(k[0]), 0, 0, 0];
    }
    // r - k, when k <= r
    let mut neg = [0u64; 4];
    let mut borrow = false;
    for ((d, &a), &b) in neg.iter_mut().zip(&Fr::MODULUS.0).zip(k) {
        let (x, b1) = a.overflowing_sub(b);
        let (x, b2) = x.overflowing_sub(u64::from(borrow));
        *d = x;
        borrow = b1 || b2;
    }
    if !borrow && neg[1..].iter().all(|&l| l == 0) {
        return [-i128::from(neg[0]), 0, 0, 0];
    }
    let mut beta = [0i128; 4];
    for (b, (g, s)) in beta.iter_mut().zip(G.iter().zip(SIGN)) {
        let prod = rounded_product(k, g);
        let v = (u128::from(prod[4]) | (u128::from(prod[5]) << 64)) as i128;
        *b = v.wrapping_mul(s);
    }
    let mut out = [low(k) as i128, 0, 0, 0];
    for (b, row) in beta.iter().zip(BASIS.iter()) {
        for (o, &e) in out.iter_mut().zip(row) {
            *o = o.wrapping_sub(b.wrapping_mul(e));
        }
    }
    out
}

/// The split of one chunk: `±psi^j(Q)` with the magnitudes of their scalars (zero terms
/// dropped).
fn split_chunk(
    bases: &[G2Affine],
    scalars: &[BigInt<ark_bn254::g2::Config>],
) -> (Vec<G2Affine>, Vec<[u64; 2]>) {
    let mut points = Vec::with_capacity(4 * bases.len());
    let mut small = Vec::with_capacity(4 * bases.len());
    for (base, k) in bases.iter().zip(scalars) {
        if k.0.iter().all(|&l| l == 0) || base.is_zero() {
            continue;
        }
        let parts = decompose(k.as_ref());
        let mut q = *base;
        let mut last = 0;
        for (j, &kj) in parts.iter().enumerate() {
            if kj == 0 {
                continue;
            }
            while last < j {
                q = psi(&q);
                last += 1;
            }
            let m = kj.unsigned_abs();
            points.push(if kj < 0 { -q } else { q });
            small.push([m as u64, (m >> 64) as u64]);
        }
    }
    (points, small)
}

/// `sum_i scalars_i * bases_i` on G2 through the 4-dimensional split and the batch-affine
/// Pippenger (extra bases or scalars beyond the shorter slice are ignored, as in arkworks).
/// Scalars must be reduced (below `r`), as `PrimeField::into_bigint` gives them; any other
/// goes to the 2-dimensional path.
pub fn msm(bases: &[G2Affine], scalars: &[BigInt<ark_bn254::g2::Config>]) -> G2Projective {
    msm_with_window(bases, scalars, None)
}

/// [`msm`] with an explicit window size `c` (clamped to 2..=20); `None` picks it from the
/// cost model ([`window_size`]).
pub fn msm_with_window(
    bases: &[G2Affine],
    scalars: &[BigInt<ark_bn254::g2::Config>],
    c: Option<usize>,
) -> G2Projective {
    match windows_with(bases, scalars, c) {
        Some(w) => w.msm(),
        None => super::glv::msm_glv_with_window(bases, scalars, c),
    }
}

/// [`msm`] cut into its windows ([`Windows`]), for a scheduler; `None` for a scalar at or
/// above `r` (which [`msm`] sends to the 2-dimensional path).
pub fn windows(
    bases: &[G2Affine],
    scalars: &[BigInt<ark_bn254::g2::Config>],
) -> Option<Windows<ark_bn254::g2::Config>> {
    windows_with(bases, scalars, None)
}

fn windows_with(
    bases: &[G2Affine],
    scalars: &[BigInt<ark_bn254::g2::Config>],
    c: Option<usize>,
) -> Option<Windows<ark_bn254::g2::Config>> {
    const CHUNK: usize = 1024;
    let n = bases.len().min(scalars.len());
    let (bases, scalars) = (&bases[..n], &scalars[..n]);
    if scalars.iter().any(|k| *k >= Fr::MODULUS) {
        return None;
    }
    #[cfg(feature = "parallel")]
    let parts: Vec<_> = bases
        .par_chunks(CHUNK)
        .zip(scalars.par_chunks(CHUNK))
        .map(|(b, s)| split_chunk(b, s))
        .collect();
    #[cfg(not(feature = "parallel"))]
    let parts: Vec<_> = bases
        .chunks(CHUNK)
        .zip(scalars.chunks(CHUNK))
        .map(|(b, s)| split_chunk(b, s))
        .collect();
    let total = parts.iter().map(|p| p.0.len()).sum();
    let (mut points, mut small) = (Vec::with_capacity(total), Vec::with_capacity(total));
    for (p, s) in parts {
        points.extend_from_slice(&p);
        small.extend_from_slice(&s);
    }
    let bits = max_bits(&small).min(SPLIT_BITS);
    Some(Windows::new(points, small, bits, c))
}
