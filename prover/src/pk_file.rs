//! The proving-key file, `proving_key.bin` (`zkcredit-pk/v2`): everything the prover uses,
//! stored the way it uses it.
//!
//! Version 1 stored compressed points and no matrices, so every process that proved paid
//! about 130 ms of square roots and 40–60 ms of constraint synthesis before its first proof.
//! Version 2 stores
//!
//! * every point as its affine coordinates in the field's internal Montgomery form (the form
//!   the MSM computes with): decoding is a copy, with no square root and no conversion;
//! * the circuit's R1CS matrices `A`, `B`, `C` (no synthesis on load);
//!
//! and is pinned by the BLAKE2b-256 hash of the whole file in `meta.json`
//! ([`crate::ProvingKeys::load`] checks it before decoding). Point validation is skipped only
//! because that hash matched — the approach of zcash's parameter files — unless the caller
//! asks for [`Validation::Strict`], which checks every coordinate is canonical and every point
//! is on the curve and in the prime-order subgroup (the matrices are then compared with a
//! fresh synthesis by the loader).
//!
//! Layout, every integer little-endian; `G1` is 64 bytes (`x`, `y`, each four 64-bit
//! Montgomery limbs), `G2` 128 bytes (`x.c0, x.c1, y.c0, y.c1`); the point at infinity is
//! all zeros, which no point of either curve has as coordinates (`0 = 0³ + b` is false):
//!
//! ```text
//! magic        b"zkcredit-pk/v2\0\0"                              16 bytes
//! vk           u64 length, then arkworks' compressed verifying key
//! shape        u64 instance variables (with the constant one), u64 witness variables,
//!              u64 constraints
//! beta_g1, delta_g1                                               G1 each
//! a, b_g1, h, l                                                   u64 count, then G1 points
//! b_g2                                                            u64 count, then G2 points
//! coefficients u64 count, then that many Fr values (32 bytes, Montgomery limbs): every
//!              distinct matrix coefficient once
//! A, B, C      each: u64 rows, u64 entries, rows × u32 row length,
//!              then entries × (u32 variable index, u32 index into the coefficients)
//! ```
//!
//! The coefficient table matters: Poseidon's inlined linear combinations give the policy
//! circuit's matrices a few hundred thousand entries but far fewer distinct coefficients,
//! so an entry costs 8 bytes instead of 36.
//!
//! The layout is positional and every length is checked against the bytes that remain, so a
//! truncated or padded file is an error naming the section, never a panic.

use crate::groth16::R1csMatrices;
use crate::schedule::join;
use crate::sparse::{CompactR1cs, SparseMatrix};
use crate::ProveError;
use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// The first 16 bytes of a version-2 proving key.
pub const MAGIC: &[u8; 16] = b"zkcredit-pk/v2\0\0";
/// The first 16 bytes of the retired version-1 format (compressed points, no matrices).
const MAGIC_V1: &[u8; 16] = b"zkcredit-pk/v1\0\0";
/// The format name recorded in `meta.json` as `pk_format`.
pub const FORMAT: &str = "zkcredit-pk/v2";

/// How much of a proving-key file to check while decoding it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Validation {
    /// Only the structure (lengths, counts, indexes in range). For a file whose BLAKE2b hash
    /// matched the one pinned when it was written.
    #[default]
    Trusted,
    /// Also every coordinate canonical, every point on its curve and in the prime-order
    /// subgroup, every matrix coefficient canonical. For key files of unknown origin.
    Strict,
}

fn bad(what: &str) -> ProveError {
    ProveError::Keys(format!("proving key file: {what}"))
}

fn put_fp(out: &mut Vec<u8>, limbs: &BigInt<4>) {
    for l in limbs.0 {
        out.extend_from_slice(&l.to_le_bytes());
    }
}

fn get_limbs(b: &[u8]) -> BigInt<4> {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(b.chunks_exact(8)) {
        let mut a = [0u8; 8];
        a.copy_from_slice(chunk);
        *limb = u64::from_le_bytes(a);
    }
    BigInt(limbs)
}

/// A point stored as raw affine Montgomery coordinates.
trait RawPoint: Sized + Copy + Send + Sync {
    /// Encoded size in bytes.
    const SIZE: usize;
    /// Appends the encoding.
    fn put(&self, out: &mut Vec<u8>);
    /// Decodes `SIZE` bytes without any check; `None` if a coordinate is not canonical and
    /// `strict` is set.
    fn get(b: &[u8], strict: bool) -> Option<Self>;
    /// On the curve and in the prime-order subgroup (the identity included).
    fn is_valid(&self) -> bool;
}

fn canonical(limbs: &BigInt<4>) -> bool {
    *limbs < <Fq as PrimeField>::MODULUS
}

fn valid_sw<P: SWCurveConfig>(p: &Affine<P>) -> bool {
    p.is_zero() || (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve())
}

impl RawPoint for Affine<ark_bn254::g1::Config> {
    const SIZE: usize = 64;
    fn put(&self, out: &mut Vec<u8>) {
        let (x, y) = if self.is_zero() {
            (Fq::from(0u64), Fq::from(0u64))
        } else {
            (self.x, self.y)
        };
        put_fp(out, &x.0);
        put_fp(out, &y.0);
    }
    fn get(b: &[u8], strict: bool) -> Option<Self> {
        let (x, y) = (get_limbs(&b[..32]), get_limbs(&b[32..64]));
        if strict && !(canonical(&x) && canonical(&y)) {
            return None;
        }
        let zero = BigInt([0u64; 4]);
        Some(if x == zero && y == zero {
            G1Affine::identity()
        } else {
            G1Affine::new_unchecked(Fq::new_unchecked(x), Fq::new_unchecked(y))
        })
    }
    fn is_valid(&self) -> bool {
        valid_sw(self)
    }
}

impl RawPoint for Affine<ark_bn254::g2::Config> {
    const SIZE: usize = 128;
    fn put(&self, out: &mut Vec<u8>) {
        let (x, y) = if self.is_zero() {
            (Fq2::from(0u64), Fq2::from(0u64))
        } else {
            (self.x, self.y)
        };
        for c in [x.c0, x.c1, y.c0, y.c1] {
            put_fp(out, &c.0);
        }
    }
    fn get(b: &[u8], strict: bool) -> Option<Self> {
        let l: [BigInt<4>; 4] = core::array::from_fn(|i| get_limbs(&b[32 * i..32 * i + 32]));
        if strict && !l.iter().all(canonical) {
            return None;
        }
        if l.iter().all(|x| *x == BigInt([0u64; 4])) {
            return Some(G2Affine::identity());
        }
        let f = |i: usize| Fq::new_unchecked(l[i]);
        Some(G2Affine::new_unchecked(
            Fq2::new(f(0), f(1)),
            Fq2::new(f(2), f(3)),
        ))
    }
    fn is_valid(&self) -> bool {
        valid_sw(self)
    }
}

fn put_points<T: RawPoint>(out: &mut Vec<u8>, points: &[T]) {
    out.extend_from_slice(&(points.len() as u64).to_le_bytes());
    for p in points {
        p.put(out);
    }
}

/// The size in bytes of the file [`encode`] writes for these keys.
pub fn encoded_len(pk: &ProvingKey<Bn254>, m: &CompactR1cs) -> usize {
    let g1 = 2 + pk.a_query.len() + pk.b_g1_query.len() + pk.h_query.len() + pk.l_query.len();
    let entries: usize = m.matrices().iter().map(SparseMatrix::entries).sum();
    16 + 8
        + pk.vk.compressed_size()
        + 24
        + 5 * 8
        + 64 * g1
        + 128 * pk.b_g2_query.len()
        + 8
        + 32 * m.coefficients().len()
        + 3 * 16
        + 3 * 4 * m.num_constraints()
        + 8 * entries
}

/// Encodes a proving key and the circuit's matrices (arkworks' form; see
/// [`encode_compact`]).
///
/// # Errors
/// [`ProveError::Keys`] if the verifying key cannot be encoded or the matrices are not the
/// three of an R1CS relation with `num_constraints` rows and `u32` indexes.
pub fn encode(pk: &ProvingKey<Bn254>, m: &R1csMatrices) -> Result<Vec<u8>, ProveError> {
    encode_compact(
        pk,
        &CompactR1cs::from_matrices(m).map_err(|e| bad(&e.to_string()))?,
    )
}

/// Encodes a proving key and the circuit's matrices in their compact form.
///
/// # Errors
/// [`ProveError::Keys`] if the verifying key cannot be encoded.
pub fn encode_compact(pk: &ProvingKey<Bn254>, m: &CompactR1cs) -> Result<Vec<u8>, ProveError> {
    let mut out = Vec::with_capacity(encoded_len(pk, m));
    out.extend_from_slice(MAGIC);
    let mut vk = Vec::new();
    pk.vk
        .serialize_compressed(&mut vk)
        .map_err(|e| bad(&e.to_string()))?;
    out.extend_from_slice(&(vk.len() as u64).to_le_bytes());
    out.extend_from_slice(&vk);
    for n in [
        m.num_instance_variables,
        m.num_witness_variables,
        m.num_constraints(),
    ] {
        out.extend_from_slice(&(n as u64).to_le_bytes());
    }
    pk.beta_g1.put(&mut out);
    pk.delta_g1.put(&mut out);
    put_points(&mut out, &pk.a_query);
    put_points(&mut out, &pk.b_g1_query);
    put_points(&mut out, &pk.h_query);
    put_points(&mut out, &pk.l_query);
    put_points(&mut out, &pk.b_g2_query);
    out.extend_from_slice(&(m.coefficients().len() as u64).to_le_bytes());
    for c in m.coefficients() {
        put_fp(&mut out, &c.0);
    }
    for matrix in m.matrices() {
        matrix.put(&mut out);
    }
    Ok(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
    strict: bool,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], ProveError> {
        if self.bytes.len() < n {
            return Err(bad(&format!("truncated in {what}")));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u64(&mut self, what: &str) -> Result<usize, ProveError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8, what)?);
        usize::try_from(u64::from_le_bytes(a))
            .map_err(|_| bad(&format!("{what}: length overflows")))
    }

    fn array(&mut self, n: usize, size: usize, what: &str) -> Result<&'a [u8], ProveError> {
        let len = n
            .checked_mul(size)
            .ok_or_else(|| bad(&format!("{what}: length overflows")))?;
        self.take(len, what)
    }

    fn point<T: RawPoint>(&mut self, what: &str) -> Result<T, ProveError> {
        let p = T::get(self.take(T::SIZE, what)?, self.strict)
            .ok_or_else(|| bad(&format!("{what}: coordinate not below the modulus")))?;
        if self.strict && !p.is_valid() {
            return Err(bad(&format!(
                "{what}: not a point of the prime-order group"
            )));
        }
        Ok(p)
    }

    /// A point section: its count and raw bytes, decoded later ([`decode_points`]).
    fn point_section<T: RawPoint>(
        &mut self,
        what: &'static str,
    ) -> Result<Section<'a>, ProveError> {
        let n = self.u64(what)?;
        Ok(Section {
            what,
            raw: self.array(n, T::SIZE, what)?,
        })
    }

    fn coefficients(&mut self) -> Result<Vec<Fr>, ProveError> {
        let n = self.u64("coefficients")?;
        let raw = self.array(n, 32, "coefficients")?;
        let strict = self.strict;
        raw.chunks_exact(32)
            .enumerate()
            .map(|(k, b)| {
                let limbs = get_limbs(b);
                if strict && limbs >= <Fr as PrimeField>::MODULUS {
                    return Err(bad(&format!("coefficients[{k}]: not below the modulus")));
                }
                Ok(Fr::new_unchecked(limbs))
            })
            .collect()
    }

    /// A matrix section: row lengths and cells, decoded later ([`decode_matrix`]).
    fn matrix_section(&mut self, what: &'static str) -> Result<MatrixSection<'a>, ProveError> {
        let rows = self.u64(what)?;
        let entries = self.u64(what)?;
        Ok(MatrixSection {
            what,
            lens: self.array(rows, 4, what)?,
            cells: self.array(entries, 8, what)?,
        })
    }
}

/// The raw bytes of one section of points.
struct Section<'a> {
    what: &'static str,
    raw: &'a [u8],
}

/// The raw bytes of one matrix.
struct MatrixSection<'a> {
    what: &'static str,
    lens: &'a [u8],
    cells: &'a [u8],
}

fn decode_points<T: RawPoint>(s: &Section<'_>, strict: bool) -> Result<Vec<T>, ProveError> {
    let what = s.what;
    let decode = |(i, chunk): (usize, &[u8])| {
        let p = T::get(chunk, strict)
            .ok_or_else(|| bad(&format!("{what}[{i}]: coordinate not below the modulus")))?;
        if strict && !p.is_valid() {
            return Err(bad(&format!(
                "{what}[{i}]: not a point of the prime-order group"
            )));
        }
        Ok(p)
    };
    // Decoding is a copy; only strict validation (a subgroup check per point) is worth
    // spreading over the cores.
    #[cfg(feature = "parallel")]
    if strict {
        return s
            .raw
            .par_chunks_exact(T::SIZE)
            .enumerate()
            .map(decode)
            .collect();
    }
    s.raw
        .chunks_exact(T::SIZE)
        .enumerate()
        .map(decode)
        .collect()
}

/// A decoded proving-key file whose verifying key is still in its compressed bytes: the
/// caller either decodes it ([`decode`]) or, holding the same key already, only compares
/// the bytes ([`crate::ProvingKeys::load`] with `verifying_key.bin`).
pub(crate) struct Decoded<'a> {
    /// The verifying key's bytes (arkworks' compressed encoding).
    pub vk: &'a [u8],
    /// The proving key, with a placeholder verifying key until one is set.
    pub pk: ProvingKey<Bn254>,
    /// The constraint matrices.
    pub matrices: CompactR1cs,
}

/// Decodes a file written by [`encode`].
///
/// With [`Validation::Trusted`], call only on bytes whose hash was checked against the one
/// pinned when they were written: points are then taken as they are. Structure (lengths,
/// counts, matrix indexes, the shape of the queries) is checked either way.
///
/// # Errors
/// [`ProveError::Keys`] naming the section for a wrong magic (a version-1 file says so),
/// truncation, trailing bytes, inconsistent counts, an index out of range, or — in strict
/// mode — a non-canonical coordinate or a point outside the prime-order group.
pub fn decode(
    bytes: &[u8],
    validation: Validation,
) -> Result<(ProvingKey<Bn254>, R1csMatrices), ProveError> {
    let Decoded {
        vk,
        mut pk,
        matrices,
    } = decode_deferring_vk(bytes, validation)?;
    pk.vk = VerifyingKey::<Bn254>::deserialize_compressed(vk)
        .map_err(|e| bad(&format!("verifying key: {e}")))?;
    check_instance(&pk.vk, &matrices)?;
    Ok((pk, matrices.to_matrices()))
}

/// The verifying key's input count must match the matrices' instance variables.
pub(crate) fn check_instance(vk: &VerifyingKey<Bn254>, m: &CompactR1cs) -> Result<(), ProveError> {
    if vk.gamma_abc_g1.len() != m.num_instance_variables {
        return Err(bad(
            "the query lengths do not match the recorded numbers of variables",
        ));
    }
    Ok(())
}

/// [`decode`] without decoding the verifying key: every other section is checked and
/// decoded as there, the points and the three matrices side by side on the cores.
pub(crate) fn decode_deferring_vk(
    bytes: &[u8],
    validation: Validation,
) -> Result<Decoded<'_>, ProveError> {
    let strict = validation == Validation::Strict;
    let mut r = Reader { bytes, strict };
    let magic = r.take(16, "magic")?;
    if magic == MAGIC_V1 {
        return Err(bad(
            "this is a zkcredit-pk/v1 key (compressed, without matrices); \
             regenerate the keys with `zkcredit setup` to get the zkcredit-pk/v2 format",
        ));
    }
    if magic != MAGIC {
        return Err(bad("not a zkcredit-pk/v2 file"));
    }
    let vk_len = r.u64("verifying key")?;
    let vk = r.take(vk_len, "verifying key")?;
    let num_instance_variables = r.u64("shape")?;
    let num_witness_variables = r.u64("shape")?;
    let num_constraints = r.u64("shape")?;
    let num_variables = num_instance_variables
        .checked_add(num_witness_variables)
        .ok_or_else(|| bad("shape: variable count overflows"))?;
    let beta_g1 = r.point::<G1Affine>("beta_g1")?;
    let delta_g1 = r.point::<G1Affine>("delta_g1")?;
    let g1 = [
        r.point_section::<G1Affine>("a_query")?,
        r.point_section::<G1Affine>("b_g1_query")?,
        r.point_section::<G1Affine>("h_query")?,
        r.point_section::<G1Affine>("l_query")?,
    ];
    let g2 = r.point_section::<G2Affine>("b_g2_query")?;
    let count = |s: &Section<'_>, size: usize| s.raw.len() / size;
    if count(&g1[0], 64) != num_variables
        || count(&g1[1], 64) != num_variables
        || count(&g2, 128) != num_variables
        || count(&g1[3], 64) != num_witness_variables
    {
        return Err(bad(
            "the query lengths do not match the recorded numbers of variables",
        ));
    }
    let table = r.coefficients()?;
    let sections = [
        r.matrix_section("A")?,
        r.matrix_section("B")?,
        r.matrix_section("C")?,
    ];
    if sections.iter().any(|m| m.lens.len() / 4 != num_constraints) {
        return Err(bad("a matrix does not have one row per constraint"));
    }
    if !r.bytes.is_empty() {
        return Err(bad("trailing bytes after matrix C"));
    }
    // The points on one side, the matrices (the larger part: B alone, A and C) on the
    // other; errors in section order.
    let matrix = |m: &MatrixSection<'_>| {
        SparseMatrix::from_bytes(m.what, m.lens, m.cells, num_variables, table.len())
    };
    let ((g1, b_g2_query), (b, (a, c))) = join(
        || {
            (
                g1.iter()
                    .map(|s| decode_points::<G1Affine>(s, strict))
                    .collect::<Vec<_>>(),
                decode_points::<G2Affine>(&g2, strict),
            )
        },
        || {
            join(
                || matrix(&sections[1]),
                || join(|| matrix(&sections[0]), || matrix(&sections[2])),
            )
        },
    );
    let mut g1 = g1.into_iter();
    let mut next = || g1.next().unwrap_or_else(|| Ok(Vec::new()));
    let (a_query, b_g1_query, h_query, l_query) = (next()?, next()?, next()?, next()?);
    let b_g2_query = b_g2_query?;
    let pk = ProvingKey {
        vk: VerifyingKey::default(),
        beta_g1,
        delta_g1,
        a_query,
        b_g1_query,
        b_g2_query,
        h_query,
        l_query,
    };
    let matrices = CompactR1cs::new(
        num_instance_variables,
        num_witness_variables,
        table,
        [a?, b?, c?],
    );
    Ok(Decoded { vk, pk, matrices })
}
