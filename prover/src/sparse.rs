//! The constraint matrices as the prover keeps them: compressed sparse rows over one table
//! of distinct coefficients, the layout of `proving_key.bin` itself.
//!
//! arkworks' `Matrix<Fr>` is a vector of rows, each a vector of `(coefficient, variable)`
//! pairs: 40 bytes per entry and one allocation per row. For the policy circuit at depth 20
//! that is 136,000 entries in 17,000 allocations, and building it was the largest part of
//! opening a key (about 4 ms, most of it page faults on 5.4 MB of fresh memory). Here an
//! entry is two `u32`s (1.1 MB for the same circuit), a row is a range, and loading is one
//! pass over the file's bytes. The quotient evaluates rows from this form; the
//! `Matrix<Fr>` form ([`crate::groth16::R1csMatrices`]) is made from it only where
//! arkworks' code or a file writer needs it.

use crate::groth16::R1csMatrices;
use crate::ProveError;
use ark_bn254::Fr;
use ark_ff::One;
use std::collections::HashMap;

/// One matrix: row `r`'s entries are `cells[starts[r]..starts[r + 1]]`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SparseMatrix {
    starts: Vec<u32>,
    /// `(variable index, index into the coefficient table)`.
    cells: Vec<(u32, u32)>,
}

impl SparseMatrix {
    /// Rows.
    pub fn rows(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// Entries.
    pub fn entries(&self) -> usize {
        self.cells.len()
    }

    /// Appends the file's encoding: `u64` rows, `u64` entries, the row lengths (`u32`),
    /// then `(u32 variable, u32 coefficient index)` per entry.
    pub(crate) fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.rows() as u64).to_le_bytes());
        out.extend_from_slice(&(self.entries() as u64).to_le_bytes());
        for w in self.starts.windows(2) {
            out.extend_from_slice(&(w[1] - w[0]).to_le_bytes());
        }
        for (v, c) in &self.cells {
            out.extend_from_slice(&v.to_le_bytes());
            out.extend_from_slice(&c.to_le_bytes());
        }
    }

    fn row(&self, r: usize) -> &[(u32, u32)] {
        &self.cells[self.starts[r] as usize..self.starts[r + 1] as usize]
    }
}

/// The three matrices of an R1CS relation with their shared coefficient table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompactR1cs {
    /// Instance variables, the constant one included.
    pub num_instance_variables: usize,
    /// Witness variables.
    pub num_witness_variables: usize,
    /// The distinct coefficients.
    coefficients: Vec<Fr>,
    /// Whether each coefficient is one (its product is skipped).
    is_one: Vec<bool>,
    /// `A`, `B`, `C`, each with one row per constraint.
    matrices: [SparseMatrix; 3],
}

fn bad(what: &str) -> ProveError {
    ProveError::Keys(format!("proving key file: {what}"))
}

/// Reads a little-endian `u32` at `b[at..at + 4]` (the caller checked the length).
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl SparseMatrix {
    /// A matrix from the file's row lengths (`u32` each) and cells (`u32` variable, `u32`
    /// coefficient index each), checking that the rows use exactly the cells and that every
    /// index is in range; `name` names the matrix in errors.
    pub(crate) fn from_bytes(
        name: &str,
        lens: &[u8],
        cells: &[u8],
        num_variables: usize,
        num_coefficients: usize,
    ) -> Result<Self, ProveError> {
        let entries = cells.len() / 8;
        let too_many = || bad(&format!("matrix {name}: too many entries for u32 offsets"));
        let mut starts = Vec::with_capacity(lens.len() / 4 + 1);
        let mut at: u64 = 0;
        starts.push(0);
        for r in 0..lens.len() / 4 {
            at += u64::from(u32_at(lens, 4 * r));
            if at > entries as u64 {
                return Err(bad(&format!(
                    "matrix {name}: row {r} runs past its entries"
                )));
            }
            starts.push(u32::try_from(at).map_err(|_| too_many())?);
        }
        if at != entries as u64 {
            return Err(bad(&format!(
                "matrix {name}: more entries than its rows hold"
            )));
        }
        let mut out = Vec::with_capacity(entries);
        for k in 0..entries {
            let (index, c) = (u32_at(cells, 8 * k), u32_at(cells, 8 * k + 4));
            if index as usize >= num_variables {
                return Err(bad(&format!(
                    "matrix {name}: entry {k} names variable {index} of {num_variables}"
                )));
            }
            if c as usize >= num_coefficients {
                return Err(bad(&format!(
                    "matrix {name}: entry {k} names coefficient {c} of {num_coefficients}"
                )));
            }
            out.push((index, c));
        }
        Ok(Self { starts, cells: out })
    }
}

impl CompactR1cs {
    /// The matrices from their parts as the file holds them.
    pub(crate) fn new(
        num_instance_variables: usize,
        num_witness_variables: usize,
        coefficients: Vec<Fr>,
        matrices: [SparseMatrix; 3],
    ) -> Self {
        let is_one = coefficients.iter().map(Fr::is_one).collect();
        Self {
            num_instance_variables,
            num_witness_variables,
            coefficients,
            is_one,
            matrices,
        }
    }

    /// The compact form of arkworks-style matrices, with the coefficient table in order of
    /// first use (as `proving_key.bin` stores it).
    ///
    /// # Errors
    /// [`ProveError::Keys`] if there are not three matrices of `num_constraints` rows, or an
    /// index or count does not fit a `u32`.
    pub fn from_matrices(m: &R1csMatrices) -> Result<Self, ProveError> {
        let shape = || ProveError::Keys("the constraint matrices do not fit u32 indexes".into());
        if m.matrices.len() != 3 || m.matrices.iter().any(|x| x.len() != m.num_constraints) {
            return Err(ProveError::Keys(
                "expected three matrices with one row per constraint".into(),
            ));
        }
        let mut coefficients = Vec::new();
        let mut index: HashMap<Fr, u32> = HashMap::new();
        let mut matrices: [SparseMatrix; 3] = Default::default();
        for (out, matrix) in matrices.iter_mut().zip(&m.matrices) {
            out.starts.push(0);
            for row in matrix {
                for (coeff, var) in row {
                    let c = match index.get(coeff) {
                        Some(&c) => c,
                        None => {
                            let c = u32::try_from(coefficients.len()).map_err(|_| shape())?;
                            coefficients.push(*coeff);
                            index.insert(*coeff, c);
                            c
                        }
                    };
                    out.cells
                        .push((u32::try_from(*var).map_err(|_| shape())?, c));
                }
                out.starts
                    .push(u32::try_from(out.cells.len()).map_err(|_| shape())?);
            }
        }
        Ok(Self::new(
            m.num_instance_variables,
            m.num_witness_variables,
            coefficients,
            matrices,
        ))
    }

    /// arkworks' form of the same matrices.
    pub fn to_matrices(&self) -> R1csMatrices {
        let matrices = self
            .matrices
            .iter()
            .map(|m| {
                (0..m.rows())
                    .map(|r| {
                        m.row(r)
                            .iter()
                            .map(|&(v, c)| (self.coefficients[c as usize], v as usize))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        R1csMatrices {
            num_instance_variables: self.num_instance_variables,
            num_witness_variables: self.num_witness_variables,
            num_constraints: self.num_constraints(),
            matrices,
        }
    }

    /// Constraints (rows of each matrix).
    pub fn num_constraints(&self) -> usize {
        self.matrices[0].rows()
    }

    /// Variables, instance and witness.
    pub fn num_variables(&self) -> usize {
        self.num_instance_variables + self.num_witness_variables
    }

    /// `A`, `B`, `C`.
    pub fn matrices(&self) -> &[SparseMatrix; 3] {
        &self.matrices
    }

    /// The distinct coefficients the cells index.
    pub fn coefficients(&self) -> &[Fr] {
        &self.coefficients
    }

    /// Whether the three matrices have one row per constraint and every variable index is
    /// below `num_variables` (checked once, so that evaluating rows never goes out of
    /// bounds for an assignment of that length).
    pub fn fits(&self, num_variables: usize) -> bool {
        let m = self.num_constraints();
        self.matrices.iter().all(|x| {
            x.rows() == m
                && x.cells.iter().all(|&(v, c)| {
                    (v as usize) < num_variables && (c as usize) < self.coefficients.len()
                })
        })
    }

    /// `sum coeff * z[variable]` over row `r` of `matrix`.
    pub fn evaluate(&self, matrix: &SparseMatrix, r: usize, z: &[Fr]) -> Fr {
        matrix
            .row(r)
            .iter()
            .map(|&(v, c)| {
                let x = z[v as usize];
                if self.is_one[c as usize] {
                    x
                } else {
                    x * self.coefficients[c as usize]
                }
            })
            .sum()
    }
}

/// Random sparse systems for tests: `m` rows of up to four entries each, coefficients one,
/// minus one or random, variables below `vars` (repeats included).
#[cfg(test)]
pub(crate) fn random_r1cs(
    rng: &mut impl rand::Rng,
    m: usize,
    inputs: usize,
    vars: usize,
) -> R1csMatrices {
    use ark_ff::UniformRand;
    let mut matrix = || -> Vec<Vec<(Fr, usize)>> {
        (0..m)
            .map(|_| {
                (0..rng.gen_range(0..5))
                    .map(|_| {
                        let coeff = match rng.gen_range(0..3) {
                            0 => Fr::one(),
                            1 => -Fr::one(),
                            _ => Fr::rand(rng),
                        };
                        (coeff, rng.gen_range(0..vars))
                    })
                    .collect()
            })
            .collect()
    };
    R1csMatrices {
        num_instance_variables: inputs,
        num_witness_variables: vars - inputs,
        num_constraints: m,
        matrices: vec![matrix(), matrix(), matrix()],
    }
}
