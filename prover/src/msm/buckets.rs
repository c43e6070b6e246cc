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
use ark_ec::{AdditiveGroup, AffineRepr, CurveConfig};
use ark_ff::{Field, Fp, FpConfig, PrimeField, QuadExtConfig, QuadExtField, Zero};
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

/// `len` bits of the little-endian limbs from bit `start` on (`len <= 21`), zero past the end.
fn bits_at(limbs: &[u64], start: usize, len: usize) -> u64 {
    let (limb, shift) = (start / 64, start % 64);
    let Some(&low) = limbs.get(limb) else {
        return 0;
    };
    let mut v = low >> shift;
    if shift + len > 64 {
        if let Some(&high) = limbs.get(limb + 1) {
            v |= high << (64 - shift);
        }
    }
    v & ((1u64 << len) - 1)
}

/// Signed digit `w` (in `[-2^(c-1), 2^(c-1)]`) of the base-`2^c` representation of a scalar,
/// computed from the scalar's bits alone so that every window can make its own digits in
/// parallel: with `v` the window's `c` bits, the digit is `v + b - 2^c t`, where `b` is the
/// bit just below the window (the carry in: the previous window's top bit) and `t` is `v`'s
/// top bit (the carry out). The carries telescope, so `sum_w digit_w 2^(wc) = k` whenever
/// the top window's top bit is zero, which [`windows`] guarantees (`windows * c > bits`).
pub(crate) fn signed_digit(limbs: &[u64], w: usize, c: usize) -> i32 {
    let (v, carry_in) = if w == 0 {
        (bits_at(limbs, 0, c), 0)
    } else {
        let x = bits_at(limbs, w * c - 1, c + 1);
        (x >> 1, x & 1)
    };
    let carry_out = v >> (c - 1);
    (v as i64 + carry_in as i64 - ((carry_out as i64) << c)) as i32
}

/// A field whose batch inversion can run in a subfield: `x^-1 = conj(x) / N(x)` with the
/// norm `N(x)` in the base field. On G2 (over `Fq2`) Montgomery's trick then multiplies and
/// inverts norms in `Fq` — two `Fq` multiplications a point where `Fq2` products cost three
/// or four — and one more `Fq2`-by-`Fq` product recovers each inverse. On `Fq` the norm is
/// the element itself and nothing changes.
pub trait BatchInverse: Field {
    /// The field the products and the one inversion are taken in.
    type Norm: Field;
    /// `N(x)`, non-zero for non-zero `x`.
    fn norm(&self) -> Self::Norm;
    /// `x^-1`, given `N(x)^-1`.
    fn inverse_with(&self, norm_inverse: &Self::Norm) -> Self;
}

impl<C: FpConfig<N>, const N: usize> BatchInverse for Fp<C, N> {
    type Norm = Self;
    fn norm(&self) -> Self {
        *self
    }
    fn inverse_with(&self, norm_inverse: &Self) -> Self {
        *norm_inverse
    }
}

impl<C: QuadExtConfig> BatchInverse for QuadExtField<C> {
    type Norm = C::BaseField;
    fn norm(&self) -> C::BaseField {
        QuadExtField::norm(self)
    }
    fn inverse_with(&self, norm_inverse: &C::BaseField) -> Self {
        let mut x = *self;
        x.conjugate_in_place();
        x.mul_assign_by_basefield(norm_inverse);
        x
    }
}

/// A short Weierstrass curve the batch-affine MSM runs on: its base field has a
/// [`BatchInverse`] (BN254's G1 and G2 do).
pub trait Curve: SWCurveConfig<BaseField: BatchInverse> {}

impl<P: SWCurveConfig<BaseField: BatchInverse>> Curve for P {}

/// The norm field of a curve's base field.
type NormOf<P> = <<P as CurveConfig>::BaseField as BatchInverse>::Norm;

/// For every index pair `(i, j)`, sets `points[i] = points[i] + points[j]`, all with one
/// shared inversion (Montgomery's trick over the denominators' norms, done here serially:
/// this runs inside a parallel loop over windows).
fn batch_add_in_place<P: Curve>(
    points: &mut [Affine<P>],
    pairs: &[(u32, u32)],
    norms: &mut Vec<NormOf<P>>,
    prefix: &mut Vec<NormOf<P>>,
) {
    norms.clear();
    prefix.clear();
    let mut acc = NormOf::<P>::ONE;
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
        let n = d.norm();
        prefix.push(acc);
        acc *= n;
        norms.push(n);
    }
    // acc = product of all the denominators' norms (all non-zero by construction)
    let mut inv = acc.inverse().unwrap_or(NormOf::<P>::ONE);
    for k in (0..pairs.len()).rev() {
        // N(d_k)^-1 = inv * prefix[k] (d_k^-1 follows below, with d_k made again); then
        // strip N(d_k) from inv
        let norm_inv = inv * prefix[k];
        inv *= norms[k];
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
                (x2.double() + x2 + P::COEFF_A) * p.y.double().inverse_with(&norm_inv)
            } else {
                points[i] = Affine::identity();
                continue;
            }
        } else {
            (q.y - p.y) * (q.x - p.x).inverse_with(&norm_inv)
        };
        let x3 = lambda.square() - p.x - q.x;
        let y3 = lambda * (p.x - x3) - p.y;
        points[i] = Affine::new_unchecked(x3, y3);
    }
}

/// Window `w`: `sum_i digit_w(scalar_i) * bases_i`, its digits made here (in the window's
/// own task).
fn window_sum<P: Curve, S: AsRef<[u64]>>(
    bases: &[Affine<P>],
    scalars: &[S],
    w: usize,
    c: usize,
) -> Projective<P> {
    let digits: Vec<i32> = scalars
        .iter()
        .map(|s| signed_digit(s.as_ref(), w, c))
        .collect();
    let buckets = 1usize << (c - 1);
    // Counting sort of the (signed) points into buckets 1..=2^(c-1).
    let mut start = vec![0usize; buckets + 2];
    for &d in &digits {
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
    let (mut norms, mut prefix) = (Vec::new(), Vec::new());
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
        batch_add_in_place(&mut points, &pairs, &mut norms, &mut prefix);
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
pub fn msm_with_window<P: Curve>(
    bases: &[Affine<P>],
    scalars: &[BigInt<P>],
    c: usize,
) -> Projective<P> {
    let bits = <P::ScalarField as PrimeField>::MODULUS_BIT_SIZE as usize;
    pippenger(bases, scalars, bits, c)
}

/// `sum_i scalars_i * bases_i` for scalars (little-endian `u64` limbs) below `2^bits`, with
/// window size `c` (clamped to 2..=20). Extra bases or scalars are ignored.
pub fn pippenger<P: Curve, S: AsRef<[u64]> + Sync>(
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
    #[cfg(feature = "parallel")]
    let sums: Vec<Projective<P>> = (0..windows)
        .into_par_iter()
        .map(|w| window_sum(bases, scalars, w, c))
        .collect();
    #[cfg(not(feature = "parallel"))]
    let sums: Vec<Projective<P>> = (0..windows)
        .map(|w| window_sum(bases, scalars, w, c))
        .collect();
    combine(&sums, c)
}

/// `sum_w sums_w 2^(w c)`, from the top window down.
fn combine<P: SWCurveConfig>(sums: &[Projective<P>], c: usize) -> Projective<P> {
    let mut result = Projective::<P>::zero();
    for sum in sums.iter().rev() {
        for _ in 0..c {
            result.double_in_place();
        }
        result += sum;
    }
    result
}

/// An MSM over split scalars (below `2^bits`, two limbs) cut into its windows, which can be
/// summed in any order on any thread and then combined: the prover schedules the windows of
/// its MSMs together with its other work ([`crate::schedule`]), so that the cores finish
/// together. `combine` of every window's `sum` equals [`pippenger`] on the same input.
pub struct Windows<P: SWCurveConfig> {
    points: Vec<Affine<P>>,
    scalars: Vec<[u64; 2]>,
    bits: usize,
    c: usize,
}

impl<P: Curve> Windows<P> {
    /// The windows of `sum_i scalars_i * points_i` for scalars below `2^bits`, with window
    /// size `c` (clamped to 2..=20), or the cost model's choice.
    pub(crate) fn new(
        points: Vec<Affine<P>>,
        scalars: Vec<[u64; 2]>,
        bits: usize,
        c: Option<usize>,
    ) -> Self {
        let c = c
            .unwrap_or_else(|| window_size(points.len(), bits))
            .clamp(2, 20);
        Self {
            points,
            scalars,
            bits,
            c,
        }
    }

    /// How many windows there are (none for an empty MSM).
    pub fn count(&self) -> usize {
        if self.points.is_empty() || self.bits == 0 {
            0
        } else {
            windows(self.bits, self.c)
        }
    }

    /// Window `w`'s bucket sum (`w < count()`).
    pub fn sum(&self, w: usize) -> Projective<P> {
        window_sum(&self.points, &self.scalars, w, self.c)
    }

    /// The MSM from every window's sum, in window order.
    pub fn combine(&self, sums: &[Projective<P>]) -> Projective<P> {
        combine(sums, self.c)
    }

    /// All windows, in parallel where the `parallel` feature is on, combined.
    pub fn msm(&self) -> Projective<P> {
        pippenger(&self.points, &self.scalars, self.bits, self.c)
    }
}
