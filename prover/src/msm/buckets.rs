//! Pippenger's method with signed `c`-bit digits and batch-affine bucket accumulation.
//!
//! Within each window, the points are sorted into their buckets (a counting sort) and every
//! bucket is summed as a balanced tree of pairwise additions in *affine* coordinates: each
//! round adds all pending pairs of all buckets at once, sharing one field inversion through
//! Montgomery's trick. An affine addition then costs about 2M + 1S plus 3M for its share of
//! the batch inversion, against about 7M + 4S for the mixed Jacobian addition of the
//! textbook method — the idea behind gnark's "batch affine" MSM. Bucket sums are then
//! combined with running sums in XYZZ coordinates (arkworks' `Bucket`: 8M + 2S per mixed
//! addition, 12M + 2S per full one, against 7M + 4S and 11M + 5S in Jacobian), and windows
//! are processed in parallel.
//!
//! Every special case of affine addition is handled (a point plus itself doubles, a point
//! plus its negation cancels), so the result equals arkworks' `VariableBaseMSM` for any
//! input; tests compare the two.

use super::BigInt;
use ark_ec::short_weierstrass::{Affine, Bucket, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr};
use ark_ff::{Field, PrimeField, Zero};
#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// Windows needed for signed `c`-bit digits of scalars below `2^bits`: a signed digit
/// representation needs one bit more than the scalar (the last carry).
pub fn windows(bits: usize, c: usize) -> usize {
    (bits + 1).div_ceil(c)
}

/// Threads the windows are spread over.
fn threads() -> usize {
    #[cfg(feature = "parallel")]
    return rayon::current_num_threads().max(1);
    #[cfg(not(feature = "parallel"))]
    1
}

/// Window size for `n` points with scalars below `2^scalar_bits`: the `c` minimising the
/// estimated field-operation count of the busiest thread,
/// `ceil(windows / threads) * (9 n + 24 * 2^(c-1))` (accumulation at about 9M per batch-affine
/// addition with its bookkeeping, plus two XYZZ additions per bucket in the reduction).
pub fn window_size(n: usize, scalar_bits: usize) -> usize {
    let threads = threads();
    (4..=16)
        .min_by_key(|&c| {
            let rounds = windows(scalar_bits, c).div_ceil(threads);
            rounds * (9 * n + 24 * (1usize << (c - 1)))
        })
        .unwrap_or(8)
}

/// Signed base-`2^c` digits of every scalar, window-major: `digits[w * n + i]` is digit `w`
/// of scalar `i`, in `[-2^(c-1), 2^(c-1)]`.
fn signed_digits<S: AsRef<[u64]>>(scalars: &[S], c: usize, windows: usize) -> Vec<i32> {
    let n = scalars.len();
    let mut digits = vec![0i32; windows * n];
    let half = 1i64 << (c - 1);
    let full = 1i64 << c;
    let mask = (1u64 << c) - 1;
    for (i, s) in scalars.iter().enumerate() {
        let limbs = s.as_ref();
        let mut carry = 0i64;
        for w in 0..windows {
            let bit = w * c;
            let limb = bit / 64;
            let shift = bit % 64;
            let mut v = if limb < limbs.len() {
                limbs[limb] >> shift
            } else {
                0
            };
            if shift + c > 64 && limb + 1 < limbs.len() {
                v |= limbs[limb + 1] << (64 - shift);
            }
            let mut d = (v & mask) as i64 + carry;
            carry = 0;
            if d > half {
                d -= full;
                carry = 1;
            }
            digits[w * n + i] = d as i32;
        }
    }
    digits
}

/// For every index pair `(i, j)`, sets `points[i] = points[i] + points[j]`, all with one
/// shared inversion (Montgomery's trick, done here serially: this runs inside a parallel
/// loop over windows).
fn batch_add_in_place<P: SWCurveConfig>(
    points: &mut [Affine<P>],
    pairs: &[(u32, u32)],
    den: &mut Vec<P::BaseField>,
    prefix: &mut Vec<P::BaseField>,
) {
    den.clear();
    prefix.clear();
    let mut acc = P::BaseField::ONE;
    for &(i, j) in pairs {
        let (p, q) = (&points[i as usize], &points[j as usize]);
        let d = if p.is_zero() || q.is_zero() {
            P::BaseField::ONE
        } else if p.x == q.x {
            if p.y == q.y && !p.y.is_zero() {
                p.y.double()
            } else {
                P::BaseField::ONE
            }
        } else {
            q.x - p.x
        };
        prefix.push(acc);
        acc *= d;
        den.push(d);
    }
    // acc = product of all denominators (all non-zero by construction)
    let mut inv = acc.inverse().unwrap_or(P::BaseField::ONE);
    for k in (0..pairs.len()).rev() {
        // inverse of den[k] = inv * prefix[k]; then strip den[k] from inv
        let inv_k = inv * prefix[k];
        inv *= den[k];
        let (i, j) = (pairs[k].0 as usize, pairs[k].1 as usize);
        let q = points[j];
        let p = points[i];
        if q.is_zero() {
            continue;
        }
        if p.is_zero() {
            points[i] = q;
            continue;
        }
        let lambda = if p.x == q.x {
            if p.y == q.y && !p.y.is_zero() {
                let x2 = p.x.square();
                (x2.double() + x2 + P::COEFF_A) * inv_k
            } else {
                points[i] = Affine::identity();
                continue;
            }
        } else {
            (q.y - p.y) * inv_k
        };
        let x3 = lambda.square() - p.x - q.x;
        let y3 = lambda * (p.x - x3) - p.y;
        points[i] = Affine::new_unchecked(x3, y3);
    }
}

/// One window: `sum_i digit_i * bases_i`.
fn window_sum<P: SWCurveConfig>(bases: &[Affine<P>], digits: &[i32], c: usize) -> Projective<P> {
    let buckets = 1usize << (c - 1);
    // Counting sort of the (signed) points into buckets 1..=2^(c-1).
    let mut start = vec![0usize; buckets + 2];
    for &d in digits {
        if d != 0 {
            start[d.unsigned_abs() as usize + 1] += 1;
        }
    }
    for b in 1..start.len() {
        start[b] += start[b - 1];
    }
    let total = start[buckets + 1];
    let mut points = vec![Affine::<P>::identity(); total];
    let mut fill = start.clone();
    for (&d, base) in digits.iter().zip(bases) {
        if d != 0 {
            let b = d.unsigned_abs() as usize;
            points[fill[b]] = if d > 0 { *base } else { -*base };
            fill[b] += 1;
        }
    }
    // len[b]: points still to be summed in bucket b, stored at points[start[b]..].
    let mut len: Vec<usize> = (0..=buckets).map(|b| start[b + 1] - start[b]).collect();
    // Each round adds neighbours (s + 2k) += (s + 2k + 1) in every bucket, then compacts
    // the sums to the front of the bucket.
    let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(total / 2 + 1);
    let (mut den, mut prefix) = (Vec::new(), Vec::new());
    loop {
        pairs.clear();
        for b in 1..=buckets {
            let s = start[b];
            for k in 0..len[b] / 2 {
                pairs.push(((s + 2 * k) as u32, (s + 2 * k + 1) as u32));
            }
        }
        if pairs.is_empty() {
            break;
        }
        batch_add_in_place(&mut points, &pairs, &mut den, &mut prefix);
        for b in 1..=buckets {
            let s = start[b];
            let l = len[b];
            for k in 1..l.div_ceil(2) {
                points[s + k] = points[s + 2 * k];
            }
            len[b] = l.div_ceil(2);
        }
    }
    // sum_b b * bucket_b by running sums, from the top bucket down, in XYZZ coordinates.
    let mut running = Bucket::<P>::ZERO;
    let mut acc = Bucket::<P>::ZERO;
    for b in (1..=buckets).rev() {
        if len[b] == 1 {
            running += &points[start[b]];
        }
        acc += &running;
    }
    acc.into()
}

/// `sum_i scalars_i * bases_i` without the endomorphism (extra bases or scalars beyond the
/// shorter slice are ignored, as in arkworks), with window size `c` (clamped to 2..=20).
pub fn msm_with_window<P: SWCurveConfig>(
    bases: &[Affine<P>],
    scalars: &[BigInt<P>],
    c: usize,
) -> Projective<P> {
    let bits = <P::ScalarField as PrimeField>::MODULUS_BIT_SIZE as usize;
    pippenger(bases, scalars, bits, c)
}

/// `sum_i scalars_i * bases_i` for scalars (little-endian `u64` limbs) below `2^bits`, with
/// window size `c` (clamped to 2..=20). Extra bases or scalars are ignored.
pub fn pippenger<P: SWCurveConfig, S: AsRef<[u64]> + Sync>(
    bases: &[Affine<P>],
    scalars: &[S],
    bits: usize,
    c: usize,
) -> Projective<P> {
    let n = bases.len().min(scalars.len());
    if n == 0 || bits == 0 {
        return Projective::zero();
    }
    let c = c.clamp(2, 20);
    let (bases, scalars) = (&bases[..n], &scalars[..n]);
    let windows = windows(bits, c);
    let digits = signed_digits(scalars, c, windows);
    #[cfg(feature = "parallel")]
    let sums: Vec<Projective<P>> = (0..windows)
        .into_par_iter()
        .map(|w| window_sum(bases, &digits[w * n..(w + 1) * n], c))
        .collect();
    #[cfg(not(feature = "parallel"))]
    let sums: Vec<Projective<P>> = (0..windows)
        .map(|w| window_sum(bases, &digits[w * n..(w + 1) * n], c))
        .collect();
    let mut result = Projective::<P>::zero();
    for sum in sums.iter().rev() {
        for _ in 0..c {
            result.double_in_place();
        }
        result += sum;
    }
    result
}
