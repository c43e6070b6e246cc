//! snarkjs's Groth16 proving-key file (`.zkey`), the file every ceremony participant
//! passes on.
//!
//! Sections: 1 protocol (`1` = Groth16); 2 header: `n8q`, `q`, `n8r`, `r`, `nVars`,
//! `nPublic`, `domainSize`, then `alpha1`, `beta1`, `beta2`, `gamma2`, `delta1`, `delta2`;
//! 3 `IC` (`nPublic + 1` G1); 4 the `A` and `B` coefficients (`u32` count, then
//! `(matrix, constraint, signal, value)`); 5 `A` (`nVars` G1); 6 `B1` (G1); 7 `B2` (G2);
//! 8 `C`, the `L` query of the private variables (`nVars - nPublic - 1` G1, divided by
//! delta); 9 `H` (`domainSize` G1, divided by delta); 10 the MPC parameters: the 64-byte
//! circuit hash, then each contribution: `deltaAfter`, `g1_s`, `g1_sx` (G1), `g2_spx` (G2),
//! its 64-byte transcript, a type (`0` contribution, `1` beacon) and sorted parameters
//! (`1` name, `2` beacon iterations exponent, `3` beacon hash).

use crate::binfile::{BinReader, BinWriter, Cursor};
use crate::encoding::{
    g1_from_lem, g1_to_lem, g1_to_u, g1_vec, g1_vec_to_lem, g2_from_lem, g2_to_lem, g2_to_u,
    g2_vec, g2_vec_to_lem, zkey_coef_from_le, zkey_coef_to_le, G1_BYTES, G2_BYTES,
};
use crate::CeremonyError;
use ark_bn254::{Fq, Fr, G1Affine, G2Affine};
use ark_ff::PrimeField;
use blake2::{Blake2b512, Digest};
use std::path::Path;

/// One `(matrix, constraint, signal, value)` entry of section 4; matrix `0` is `A`, `1` `B`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coef {
    /// 0 for `A`, 1 for `B`.
    pub matrix: u32,
    /// Constraint (row) index.
    pub constraint: u32,
    /// Signal (variable) index.
    pub signal: u32,
    /// The coefficient.
    pub value: Fr,
}

/// A random beacon's public parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Beacon {
    /// The beacon value (e.g. a future block hash).
    pub hash: Vec<u8>,
    /// SHA-256 is applied `2^exp` times.
    pub exp: u8,
}

/// One phase-2 contribution as the `.zkey` records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contribution {
    /// `delta G1` after this contribution.
    pub delta_after: G1Affine,
    /// A random G1 point `s`.
    pub g1_s: G1Affine,
    /// `x s`, with `x` the contribution's secret.
    pub g1_sx: G1Affine,
    /// `x hashToG2(transcript)`.
    pub g2_spx: G2Affine,
    /// BLAKE2b-512 of the circuit hash, every earlier contribution, `s` and `x s`.
    pub transcript: [u8; 64],
    /// The participant's name, if given.
    pub name: Option<String>,
    /// For a beacon: its parameters.
    pub beacon: Option<Beacon>,
}

impl Contribution {
    /// snarkjs's `hashPubKey`: what later contributions and the contribution hash absorb.
    pub fn hash_pub_key(&self, h: &mut Blake2b512) {
        h.update(g1_to_u(&self.delta_after));
        h.update(g1_to_u(&self.g1_s));
        h.update(g1_to_u(&self.g1_sx));
        h.update(g2_to_u(&self.g2_spx));
        h.update(self.transcript);
    }

    /// The contribution hash participants publish: BLAKE2b-512 of the public key.
    pub fn hash(&self) -> [u8; 64] {
        let mut h = Blake2b512::new();
        self.hash_pub_key(&mut h);
        h.finalize().into()
    }
}

/// A Groth16 `.zkey` in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zkey {
    /// Variables, the constant one included.
    pub n_vars: u32,
    /// Public inputs.
    pub n_public: u32,
    /// Evaluation domain size (a power of two).
    pub domain_size: u32,
    /// `alpha G1`.
    pub alpha1: G1Affine,
    /// `beta G1`.
    pub beta1: G1Affine,
    /// `beta G2`.
    pub beta2: G2Affine,
    /// `gamma G2` (the generator: phase 2 never changes gamma).
    pub gamma2: G2Affine,
    /// `delta G1`.
    pub delta1: G1Affine,
    /// `delta G2`.
    pub delta2: G2Affine,
    /// `IC`: the verifying key's input commitment bases.
    pub ic: Vec<G1Affine>,
    /// Section 4.
    pub coefs: Vec<Coef>,
    /// `A` query.
    pub a: Vec<G1Affine>,
    /// `B` query in G1.
    pub b1: Vec<G1Affine>,
    /// `B` query in G2.
    pub b2: Vec<G2Affine>,
    /// `L` query of the private variables.
    pub c: Vec<G1Affine>,
    /// `H` query.
    pub h: Vec<G1Affine>,
    /// BLAKE2b-512 circuit hash (relation and Powers of Tau).
    pub cs_hash: [u8; 64],
    /// The contributions so far.
    pub contributions: Vec<Contribution>,
}

fn modulus_le<F: PrimeField>() -> Vec<u8> {
    let m: Vec<u64> = F::MODULUS.as_ref().to_vec();
    m.iter().flat_map(|l| l.to_le_bytes()).collect()
}

impl Zkey {
    /// BLAKE2b-512 over the circuit hash and every contribution's public key: the hash the
    /// next contribution chains from, and the transcript hash imported keys carry.
    pub fn transcript_hash(&self) -> [u8; 64] {
        let mut h = Blake2b512::new();
        h.update(self.cs_hash);
        for c in &self.contributions {
            c.hash_pub_key(&mut h);
        }
        h.finalize().into()
    }

    /// Reads and validates a `.zkey` (every point on the curve and in its subgroup, every
    /// section of the size the header implies).
    ///
    /// # Errors
    /// [`CeremonyError::Format`] naming the section that is wrong; [`CeremonyError::Io`].
    pub fn read(path: &Path) -> Result<Self, CeremonyError> {
        let mut f = BinReader::open(path, b"zkey", 2)?;
        let name = path.display().to_string();
        let s1 = f.section(1)?;
        let mut c = Cursor::new(&s1, format!("{name} section 1"));
        let protocol = c.u32()?;
        if protocol != 1 {
            return Err(f.err(format!("protocol {protocol} is not Groth16 (1)")));
        }
        let s2 = f.section(2)?;
        let what2 = format!("{name} header (section 2)");
        let mut c = Cursor::new(&s2, what2.clone());
        if c.u32()? != 32 || c.take(32)? != modulus_le::<Fq>().as_slice() {
            return Err(f.err("not over BN254 (q)".into()));
        }
        if c.u32()? != 32 || c.take(32)? != modulus_le::<Fr>().as_slice() {
            return Err(f.err("not over BN254 (r)".into()));
        }
        let n_vars = c.u32()?;
        let n_public = c.u32()?;
        let domain_size = c.u32()?;
        if !domain_size.is_power_of_two() || n_public >= n_vars {
            return Err(f.err(format!(
                "inconsistent header: {n_vars} variables, {n_public} public, domain {domain_size}"
            )));
        }
        let bad = |field: &str| {
            CeremonyError::format(what2.clone(), format!("{field} is not a valid curve point"))
        };
        let alpha1 = g1_from_lem(c.take(G1_BYTES)?).ok_or_else(|| bad("alpha1"))?;
        let beta1 = g1_from_lem(c.take(G1_BYTES)?).ok_or_else(|| bad("beta1"))?;
        let beta2 = g2_from_lem(c.take(G2_BYTES)?).ok_or_else(|| bad("beta2"))?;
        let gamma2 = g2_from_lem(c.take(G2_BYTES)?).ok_or_else(|| bad("gamma2"))?;
        let delta1 = g1_from_lem(c.take(G1_BYTES)?).ok_or_else(|| bad("delta1"))?;
        let delta2 = g2_from_lem(c.take(G2_BYTES)?).ok_or_else(|| bad("delta2"))?;
        c.finish()?;

        let (nv, np, nd) = (n_vars as u64, n_public as u64, domain_size as u64);
        let g1_sizes = [
            (3u32, np + 1, "IC"),
            (5, nv, "A"),
            (6, nv, "B1"),
            (8, nv - np - 1, "C"),
            (9, nd, "H"),
        ];
        for (s, n, label) in g1_sizes {
            let len = f.section_len(s)?;
            if len != n * G1_BYTES as u64 {
                return Err(f.err(format!(
                    "section {s} ({label}) has {len} bytes, the header implies {} (truncated or another circuit?)",
                    n * G1_BYTES as u64
                )));
            }
        }
        if f.section_len(7)? != nv * G2_BYTES as u64 {
            return Err(f.err(format!(
                "section 7 (B2) has {} bytes, the header implies {}",
                f.section_len(7)?,
                nv * G2_BYTES as u64
            )));
        }
        let ic = g1_vec(&f.section(3)?, &format!("{name} section 3 (IC)"))?;
        let a = g1_vec(&f.section(5)?, &format!("{name} section 5 (A)"))?;
        let b1 = g1_vec(&f.section(6)?, &format!("{name} section 6 (B1)"))?;
        let b2 = g2_vec(&f.section(7)?, &format!("{name} section 7 (B2)"))?;
        let cq = g1_vec(&f.section(8)?, &format!("{name} section 8 (C)"))?;
        let h = g1_vec(&f.section(9)?, &format!("{name} section 9 (H)"))?;

        let s4 = f.section(4)?;
        let what4 = format!("{name} section 4 (coefficients)");
        let mut c = Cursor::new(&s4, what4.clone());
        let n = c.u32()?;
        let mut coefs = Vec::with_capacity(n as usize);
        for k in 0..n {
            let matrix = c.u32()?;
            let constraint = c.u32()?;
            let signal = c.u32()?;
            let value = zkey_coef_from_le(c.take(32)?).ok_or_else(|| {
                CeremonyError::format(what4.clone(), format!("coefficient {k} not canonical"))
            })?;
            if matrix > 1 || constraint >= domain_size || signal >= n_vars {
                return Err(CeremonyError::format(
                    what4.clone(),
                    format!("coefficient {k} out of range"),
                ));
            }
            coefs.push(Coef {
                matrix,
                constraint,
                signal,
                value,
            });
        }
        c.finish()?;

        let s10 = f.section(10)?;
        let what10 = format!("{name} section 10 (contributions)");
        let mut c = Cursor::new(&s10, what10.clone());
        let mut cs_hash = [0u8; 64];
        cs_hash.copy_from_slice(c.take(64)?);
        let n = c.u32()?;
        let mut contributions = Vec::new();
        for i in 0..n {
            let bad = |field: &str| {
                CeremonyError::format(
                    what10.clone(),
                    format!(
                        "contribution #{}: {field} is not a valid curve point",
                        i + 1
                    ),
                )
            };
            let delta_after = g1_from_lem(c.take(G1_BYTES)?).ok_or_else(|| bad("deltaAfter"))?;
            let g1_s = g1_from_lem(c.take(G1_BYTES)?).ok_or_else(|| bad("g1_s"))?;
            let g1_sx = g1_from_lem(c.take(G1_BYTES)?).ok_or_else(|| bad("g1_sx"))?;
            let g2_spx = g2_from_lem(c.take(G2_BYTES)?).ok_or_else(|| bad("g2_spx"))?;
            let mut transcript = [0u8; 64];
            transcript.copy_from_slice(c.take(64)?);
            let ty = c.u32()?;
            let plen = c.u32()? as usize;
            let params = c.take(plen)?;
            let mut p = Cursor::new(
                params,
                format!("{what10}, contribution #{} parameters", i + 1),
            );
            let (mut name, mut exp, mut bhash) = (None, None, None);
            let mut last = 0u8;
            while p.pos < params.len() {
                let t = p.take(1)?[0];
                if t <= last {
                    return Err(CeremonyError::format(
                        p.what.clone(),
                        "parameters not sorted",
                    ));
                }
                last = t;
                match t {
                    1 => {
                        let l = p.take(1)?[0] as usize;
                        name = Some(String::from_utf8_lossy(p.take(l)?).into_owned());
                    }
                    2 => exp = Some(p.take(1)?[0]),
                    3 => {
                        let l = p.take(1)?[0] as usize;
                        bhash = Some(p.take(l)?.to_vec());
                    }
                    other => {
                        return Err(CeremonyError::format(
                            p.what.clone(),
                            format!("unknown parameter {other}"),
                        ))
                    }
                }
            }
            let beacon = match (ty, exp, bhash) {
                (0, _, _) => None,
                (1, Some(exp), Some(hash)) => Some(Beacon { hash, exp }),
                _ => {
                    return Err(CeremonyError::format(
                        what10.clone(),
                        format!(
                            "contribution #{}: type {ty} without its beacon parameters",
                            i + 1
                        ),
                    ))
                }
            };
            contributions.push(Contribution {
                delta_after,
                g1_s,
                g1_sx,
                g2_spx,
                transcript,
                name,
                beacon,
            });
        }
        c.finish()?;
        Ok(Self {
            n_vars,
            n_public,
            domain_size,
            alpha1,
            beta1,
            beta2,
            gamma2,
            delta1,
            delta2,
            ic,
            coefs,
            a,
            b1,
            b2,
            c: cq,
            h,
            cs_hash,
            contributions,
        })
    }

    /// The `.zkey` bytes (version 1, sections in id order).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = BinWriter::new(b"zkey", 1, 10);
        w.section(1, &1u32.to_le_bytes());
        let mut h = Vec::new();
        h.extend_from_slice(&32u32.to_le_bytes());
        h.extend_from_slice(&modulus_le::<Fq>());
        h.extend_from_slice(&32u32.to_le_bytes());
        h.extend_from_slice(&modulus_le::<Fr>());
        h.extend_from_slice(&self.n_vars.to_le_bytes());
        h.extend_from_slice(&self.n_public.to_le_bytes());
        h.extend_from_slice(&self.domain_size.to_le_bytes());
        h.extend_from_slice(&g1_to_lem(&self.alpha1));
        h.extend_from_slice(&g1_to_lem(&self.beta1));
        h.extend_from_slice(&g2_to_lem(&self.beta2));
        h.extend_from_slice(&g2_to_lem(&self.gamma2));
        h.extend_from_slice(&g1_to_lem(&self.delta1));
        h.extend_from_slice(&g2_to_lem(&self.delta2));
        w.section(2, &h);
        w.section(3, &g1_vec_to_lem(&self.ic));
        let mut s4 = Vec::with_capacity(4 + self.coefs.len() * 44);
        s4.extend_from_slice(&(self.coefs.len() as u32).to_le_bytes());
        for c in &self.coefs {
            s4.extend_from_slice(&c.matrix.to_le_bytes());
            s4.extend_from_slice(&c.constraint.to_le_bytes());
            s4.extend_from_slice(&c.signal.to_le_bytes());
            s4.extend_from_slice(&zkey_coef_to_le(&c.value));
        }
        w.section(4, &s4);
        w.section(5, &g1_vec_to_lem(&self.a));
        w.section(6, &g1_vec_to_lem(&self.b1));
        w.section(7, &g2_vec_to_lem(&self.b2));
        w.section(8, &g1_vec_to_lem(&self.c));
        w.section(9, &g1_vec_to_lem(&self.h));
        let mut s10 = Vec::new();
        s10.extend_from_slice(&self.cs_hash);
        s10.extend_from_slice(&(self.contributions.len() as u32).to_le_bytes());
        for c in &self.contributions {
            s10.extend_from_slice(&g1_to_lem(&c.delta_after));
            s10.extend_from_slice(&g1_to_lem(&c.g1_s));
            s10.extend_from_slice(&g1_to_lem(&c.g1_sx));
            s10.extend_from_slice(&g2_to_lem(&c.g2_spx));
            s10.extend_from_slice(&c.transcript);
            s10.extend_from_slice(&u32::from(c.beacon.is_some()).to_le_bytes());
            let mut params = Vec::new();
            if let Some(name) = &c.name {
                let mut end = name.len().min(64);
                while !name.is_char_boundary(end) {
                    end -= 1;
                }
                params.push(1);
                params.push(end as u8);
                params.extend_from_slice(&name.as_bytes()[..end]);
            }
            if let Some(b) = &c.beacon {
                params.push(2);
                params.push(b.exp);
                params.push(3);
                params.push(b.hash.len() as u8);
                params.extend_from_slice(&b.hash);
            }
            s10.extend_from_slice(&(params.len() as u32).to_le_bytes());
            s10.extend_from_slice(&params);
        }
        w.section(10, &s10);
        w.into_bytes()
    }

    /// Writes the `.zkey` through a temporary file and a rename.
    ///
    /// # Errors
    /// [`CeremonyError::Io`].
    pub fn write(&self, path: &Path) -> Result<(), CeremonyError> {
        crate::binfile::write_atomic(path, &self.to_bytes())
    }
}
