//! circom's binary `.r1cs` format (iden3 `r1csfile`, version 1), so that snarkjs can run a
//! ceremony on zkcredit's exact relation.
//!
//! Sections: 1 header (`n8 = 32`, the prime `r`, `nVars`, `nOutputs`, `nPubInputs`,
//! `nPrvInputs`, `nLabels` as `u64`, `nConstraints`); 2 constraints, each `A`, `B`, `C` as a
//! term count and `(wire u32, coefficient)` terms, coefficients canonical little endian;
//! 3 wire-to-label map (`u64` per wire). Wire 0 is the constant one, then the public inputs
//! (zkcredit writes them all as public *inputs*, no outputs), then the witnesses; zkcredit
//! has no circom "private input" signals, so `nPrvInputs` is 0. Labels are the wire numbers.

use crate::binfile::{BinReader, BinWriter, Cursor};
use crate::encoding::{fr_from_le, fr_to_le};
use crate::relation::{Relation, Row};
use crate::CeremonyError;
use ark_bn254::Fr;
use ark_ff::PrimeField;
use std::path::Path;

/// The `.r1cs` header fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct R1csHeader {
    /// Wires, the constant one included.
    pub n_vars: u32,
    /// Public outputs.
    pub n_outputs: u32,
    /// Public inputs.
    pub n_pub_inputs: u32,
    /// Private inputs.
    pub n_prv_inputs: u32,
    /// Labels.
    pub n_labels: u64,
    /// Constraints.
    pub n_constraints: u32,
}

fn u32_of(n: usize, what: &str) -> Result<u32, CeremonyError> {
    u32::try_from(n).map_err(|_| CeremonyError::Invalid(format!("{what} {n} exceeds u32")))
}

fn write_row(out: &mut Vec<u8>, row: &Row) -> Result<(), CeremonyError> {
    out.extend_from_slice(&u32_of(row.len(), "terms")?.to_le_bytes());
    for (i, c) in row {
        out.extend_from_slice(&u32_of(*i, "wire")?.to_le_bytes());
        out.extend_from_slice(&fr_to_le(c));
    }
    Ok(())
}

/// The `.r1cs` bytes of `rel`.
///
/// # Errors
/// [`CeremonyError::Invalid`] if a count exceeds the format's `u32`.
pub fn to_bytes(rel: &Relation) -> Result<Vec<u8>, CeremonyError> {
    let mut header = Vec::new();
    header.extend_from_slice(&32u32.to_le_bytes());
    header.extend_from_slice(&fr_to_le_modulus());
    header.extend_from_slice(&u32_of(rel.num_vars, "variables")?.to_le_bytes());
    header.extend_from_slice(&0u32.to_le_bytes());
    header.extend_from_slice(&u32_of(rel.num_public, "public inputs")?.to_le_bytes());
    header.extend_from_slice(&0u32.to_le_bytes());
    header.extend_from_slice(&(rel.num_vars as u64).to_le_bytes());
    header.extend_from_slice(&u32_of(rel.num_constraints(), "constraints")?.to_le_bytes());
    let mut cons = Vec::new();
    for ((a, b), c) in rel.a.iter().zip(&rel.b).zip(&rel.c) {
        write_row(&mut cons, a)?;
        write_row(&mut cons, b)?;
        write_row(&mut cons, c)?;
    }
    let labels: Vec<u8> = (0..rel.num_vars as u64)
        .flat_map(u64::to_le_bytes)
        .collect();
    let mut w = BinWriter::new(b"r1cs", 1, 3);
    w.section(1, &header);
    w.section(2, &cons);
    w.section(3, &labels);
    Ok(w.into_bytes())
}

/// Opens `path` (magic `magic`, at most `max_version`) and returns it with a cursor over its
/// section 1, after the field description every iden3 file over BN254's scalar field starts
/// its header with: `n8 = 32` and the prime `r`.
pub(crate) fn open_over_fr(
    path: &Path,
    magic: &[u8; 4],
    max_version: u32,
) -> Result<(BinReader, Vec<u8>), CeremonyError> {
    let mut f = BinReader::open(path, magic, max_version)?;
    let h = f.section(1)?;
    if h.len() < 36 || h[..4] != 32u32.to_le_bytes() || h[4..36] != fr_to_le_modulus() {
        return Err(f.err("not over the BN254 scalar field".into()));
    }
    Ok((f, h[36..].to_vec()))
}

pub(crate) fn fr_to_le_modulus() -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, l) in Fr::MODULUS.0.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&l.to_le_bytes());
    }
    out
}

/// Writes `rel` to `path` as `.r1cs`.
///
/// # Errors
/// [`CeremonyError::Io`], [`CeremonyError::Invalid`].
pub fn write(rel: &Relation, path: &Path) -> Result<(), CeremonyError> {
    crate::binfile::write_atomic(path, &to_bytes(rel)?)
}

/// A `.r1cs` file read back: header and the three matrices.
#[derive(Clone, Debug)]
pub struct R1csFile {
    /// The header.
    pub header: R1csHeader,
    /// `A`, `B`, `C` rows per constraint.
    pub constraints: Vec<[Row; 3]>,
}

/// Reads a `.r1cs` file over BN254's scalar field.
///
/// # Errors
/// [`CeremonyError::Format`] for a wrong prime, a truncated section, a wire out of range or
/// a coefficient that is not canonical.
pub fn read(path: &Path) -> Result<R1csFile, CeremonyError> {
    let (mut f, h) = open_over_fr(path, b"r1cs", 1)?;
    let name = path.display().to_string();
    let mut c = Cursor::new(&h, format!("{name} header"));
    let header = R1csHeader {
        n_vars: c.u32()?,
        n_outputs: c.u32()?,
        n_pub_inputs: c.u32()?,
        n_prv_inputs: c.u32()?,
        n_labels: c.u64()?,
        n_constraints: c.u32()?,
    };
    c.finish()?;
    let body = f.section(2)?;
    let mut c = Cursor::new(&body, format!("{name} constraints"));
    let mut constraints = Vec::with_capacity(header.n_constraints as usize);
    for k in 0..header.n_constraints {
        let mut rows: [Row; 3] = Default::default();
        for row in &mut rows {
            let n = c.u32()?;
            for _ in 0..n {
                let w = c.u32()?;
                if w >= header.n_vars {
                    return Err(f.err(format!("constraint {k}: wire {w} out of range")));
                }
                let v = fr_from_le(c.take(32)?)
                    .ok_or_else(|| f.err(format!("constraint {k}: coefficient not canonical")))?;
                row.push((w as usize, v));
            }
        }
        constraints.push(rows);
    }
    c.finish()?;
    Ok(R1csFile {
        header,
        constraints,
    })
}
