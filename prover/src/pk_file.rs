//! The proving-key file, `proving_key.bin` (`zkcredit-pk/v1`).
//!
//! Compressed G1 points keep the file small (1.9 MB for `policy-d20-k8-c4`, against 2.9 MB
//! all uncompressed); G2 points stay uncompressed because their square roots (in `Fq2`) are
//! the most expensive to recompute, and the G1 decompression — one square root per point —
//! runs on every core. Layout, all integers little-endian `u64`:
//!
//! ```text
//! magic    b"zkcredit-pk/v1\0\0"        16 bytes
//! vk       u64 length, then the compressed verifying key
//! beta_g1, delta_g1                     compressed G1 (32 bytes each)
//! a, b_g1, h, l                         u64 count, then compressed G1 points
//! b_g2                                  u64 count, then uncompressed G2 points (128 bytes each)
//! ```
//!
//! Points are decoded without the subgroup check: `meta.json` pins the file's BLAKE2b-256
//! hash and the loader checks it first (the verifying key inside must also equal the
//! separately validated `verifying_key.bin`).

use crate::ProveError;
use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
#[cfg(feature = "parallel")]
use rayon::prelude::*;

const MAGIC: &[u8; 16] = b"zkcredit-pk/v1\0\0";

fn bad(what: &str) -> ProveError {
    ProveError::Keys(format!("proving key file: {what}"))
}

fn put_points<T: CanonicalSerialize>(
    out: &mut Vec<u8>,
    points: &[T],
    compress: Compress,
) -> Result<(), ProveError> {
    out.extend_from_slice(&(points.len() as u64).to_le_bytes());
    for p in points {
        p.serialize_with_mode(&mut *out, compress)
            .map_err(|e| bad(&e.to_string()))?;
    }
    Ok(())
}

/// Encodes a proving key.
///
/// # Errors
/// [`ProveError::Keys`] if a point cannot be encoded.
pub fn encode(pk: &ProvingKey<Bn254>) -> Result<Vec<u8>, ProveError> {
    let mut out = Vec::with_capacity(pk.compressed_size() + 64);
    out.extend_from_slice(MAGIC);
    let mut vk = Vec::new();
    pk.vk
        .serialize_compressed(&mut vk)
        .map_err(|e| bad(&e.to_string()))?;
    out.extend_from_slice(&(vk.len() as u64).to_le_bytes());
    out.extend_from_slice(&vk);
    pk.beta_g1
        .serialize_compressed(&mut out)
        .map_err(|e| bad(&e.to_string()))?;
    pk.delta_g1
        .serialize_compressed(&mut out)
        .map_err(|e| bad(&e.to_string()))?;
    put_points(&mut out, &pk.a_query, Compress::Yes)?;
    put_points(&mut out, &pk.b_g1_query, Compress::Yes)?;
    put_points(&mut out, &pk.h_query, Compress::Yes)?;
    put_points(&mut out, &pk.l_query, Compress::Yes)?;
    put_points(&mut out, &pk.b_g2_query, Compress::No)?;
    Ok(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ProveError> {
        if self.bytes.len() < n {
            return Err(bad("truncated"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u64(&mut self) -> Result<usize, ProveError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        usize::try_from(u64::from_le_bytes(a)).map_err(|_| bad("length overflows"))
    }

    fn points<T: CanonicalDeserialize + Send>(
        &mut self,
        size: usize,
        compress: Compress,
    ) -> Result<Vec<T>, ProveError> {
        let n = self.u64()?;
        let len = n.checked_mul(size).ok_or_else(|| bad("length overflows"))?;
        let raw = self.take(len)?;
        let decode = |chunk: &[u8]| {
            T::deserialize_with_mode(chunk, compress, Validate::No).map_err(|e| bad(&e.to_string()))
        };
        #[cfg(feature = "parallel")]
        let out = raw.par_chunks_exact(size).map(decode).collect();
        #[cfg(not(feature = "parallel"))]
        let out = raw.chunks_exact(size).map(decode).collect();
        out
    }
}

/// Decodes a proving key written by [`encode`]. Call only on bytes whose hash was checked.
///
/// # Errors
/// [`ProveError::Keys`] for a wrong magic, truncation, trailing bytes or a bad point.
pub fn decode(bytes: &[u8]) -> Result<ProvingKey<Bn254>, ProveError> {
    let mut r = Reader { bytes };
    if r.take(16)? != MAGIC {
        return Err(bad("not a zkcredit-pk/v1 file"));
    }
    let vk_len = r.u64()?;
    let vk = VerifyingKey::<Bn254>::deserialize_compressed(r.take(vk_len)?)
        .map_err(|e| bad(&format!("verifying key: {e}")))?;
    let beta_g1 =
        G1Affine::deserialize_compressed_unchecked(r.take(32)?).map_err(|e| bad(&e.to_string()))?;
    let delta_g1 =
        G1Affine::deserialize_compressed_unchecked(r.take(32)?).map_err(|e| bad(&e.to_string()))?;
    let a_query = r.points::<G1Affine>(32, Compress::Yes)?;
    let b_g1_query = r.points::<G1Affine>(32, Compress::Yes)?;
    let h_query = r.points::<G1Affine>(32, Compress::Yes)?;
    let l_query = r.points::<G1Affine>(32, Compress::Yes)?;
    let b_g2_query = r.points::<G2Affine>(128, Compress::No)?;
    if !r.bytes.is_empty() {
        return Err(bad("trailing bytes"));
    }
    Ok(ProvingKey {
        vk,
        beta_g1,
        delta_g1,
        a_query,
        b_g1_query,
        b_g2_query,
        h_query,
        l_query,
    })
}
