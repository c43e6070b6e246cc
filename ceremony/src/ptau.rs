//! snarkjs's Powers of Tau files (`.ptau`, version 1), prepared for phase 2, and a small
//! **insecure** generator for tests.
//!
//! Sections (points in LEM form, see [`crate::encoding`]):
//! 1 header: `n8 = 32`, the base-field prime `q`, `power`, `ceremonyPower`;
//! 2 `tau^i G1` for `i < 2^(power+1) - 1`; 3 `tau^i G2`, `i < 2^power`;
//! 4 `alpha tau^i G1`; 5 `beta tau^i G1` (`2^power` each); 6 `beta G2`;
//! 7 the phase-1 contributions;
//! 12..15 (added by `snarkjs powersoftau prepare phase2`): for every `p <= power`, the
//! Lagrange basis of the size-`2^p` domain at tau, `L_i(tau)`, in G1, G2, times alpha in G1
//! and times beta in G1, the block for `p` starting at point `2^p - 1`.

use crate::binfile::{BinReader, BinWriter, Cursor};
use crate::encoding::{g1_vec, g1_vec_to_lem, g2_vec, g2_vec_to_lem, G1_BYTES, G2_BYTES};
use crate::CeremonyError;
use ark_bn254::{Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::scalar_mul::ScalarMul;
use ark_ec::PrimeGroup;
use ark_ff::{FftField, Field, One, PrimeField, UniformRand};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::Path;

/// The largest power the test generator makes (`2^20` constraints).
pub const MAX_TEST_POWER: u32 = 20;

fn fq_modulus_le() -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, l) in Fq::MODULUS.0.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&l.to_le_bytes());
    }
    out
}

/// A `.ptau` file opened for phase 2: points are read on demand.
#[derive(Debug)]
pub struct Ptau {
    file: BinReader,
    /// Powers of tau in the file: `2^power` is the largest domain it serves.
    pub power: u32,
}

impl Ptau {
    /// Opens a `.ptau` file and checks its header and the sections phase 2 needs.
    ///
    /// # Errors
    /// [`CeremonyError::Format`] for another curve, a missing or short section, or a file not
    /// prepared for phase 2.
    pub fn open(path: &Path) -> Result<Self, CeremonyError> {
        let mut file = BinReader::open(path, b"ptau", 1)?;
        let h = file.section(1)?;
        let mut c = Cursor::new(&h, format!("{} header", path.display()));
        if c.u32()? != 32 || c.take(32)? != fq_modulus_le() {
            return Err(file.err("not a BN254 (bn128) Powers of Tau".into()));
        }
        let power = c.u32()?;
        let _ceremony_power = c.u32()?;
        c.finish()?;
        if power == 0 || power > 28 {
            return Err(file.err(format!("power {power} out of range 1..=28")));
        }
        let n = 1u64 << power;
        for s in [12, 13, 14, 15] {
            if !file.has(s) {
                return Err(file.err(format!(
                    "section {s} is missing: the Powers of Tau is not prepared for phase 2 \
                     (run `snarkjs powersoftau prepare phase2`)"
                )));
            }
        }
        let expect = [
            (2u32, (2 * n - 1) * G1_BYTES as u64),
            (3, n * G2_BYTES as u64),
            (4, n * G1_BYTES as u64),
            (5, n * G1_BYTES as u64),
            (6, G2_BYTES as u64),
            (12, (2 * n - 1) * G1_BYTES as u64),
            (13, (2 * n - 1) * G2_BYTES as u64),
            (14, (2 * n - 1) * G1_BYTES as u64),
            (15, (2 * n - 1) * G1_BYTES as u64),
        ];
        for (s, len) in expect {
            let found = file.section_len(s)?;
            if found != len {
                return Err(file.err(format!(
                    "section {s} has {found} bytes, a power-{power} file needs {len} (truncated?)"
                )));
            }
        }
        Ok(Self { file, power })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    fn g1s(
        &mut self,
        section: u32,
        start: u64,
        n: u64,
        what: &str,
    ) -> Result<Vec<G1Affine>, CeremonyError> {
        let bytes = self
            .file
            .read(section, start * G1_BYTES as u64, n * G1_BYTES as u64)?;
        g1_vec(&bytes, &format!("{} {what}", self.path().display()))
    }

    fn g2s(
        &mut self,
        section: u32,
        start: u64,
        n: u64,
        what: &str,
    ) -> Result<Vec<G2Affine>, CeremonyError> {
        let bytes = self
            .file
            .read(section, start * G2_BYTES as u64, n * G2_BYTES as u64)?;
        g2_vec(&bytes, &format!("{} {what}", self.path().display()))
    }

    /// `alpha G1`, `beta G1`, `beta G2`.
    ///
    /// # Errors
    /// [`CeremonyError::Format`] for an invalid point.
    pub fn alpha_beta(&mut self) -> Result<(G1Affine, G1Affine, G2Affine), CeremonyError> {
        Ok((
            self.g1s(4, 0, 1, "alpha")?[0],
            self.g1s(5, 0, 1, "beta G1")?[0],
            self.g2s(6, 0, 1, "beta G2")?[0],
        ))
    }

    /// `tau^i G1` for `i` in `start..start + n`.
    ///
    /// # Errors
    /// [`CeremonyError::Format`].
    pub fn tau_g1(&mut self, start: u64, n: u64) -> Result<Vec<G1Affine>, CeremonyError> {
        self.g1s(2, start, n, "tauG1")
    }

    fn check_power(&self, p: u32) -> Result<(), CeremonyError> {
        if p > self.power {
            return Err(CeremonyError::Mismatch(format!(
                "{}: a domain of 2^{p} needs a Powers of Tau of power >= {p}, this one has {}",
                self.path().display(),
                self.power
            )));
        }
        Ok(())
    }

    /// `L_i(tau) G1` for the size-`2^p` domain.
    ///
    /// # Errors
    /// [`CeremonyError::Mismatch`] if `p > power`; [`CeremonyError::Format`].
    pub fn lagrange_g1(&mut self, p: u32) -> Result<Vec<G1Affine>, CeremonyError> {
        self.check_power(p)?;
        self.g1s(12, (1 << p) - 1, 1 << p, "lagrange tauG1")
    }

    /// `L_i(tau) G2` for the size-`2^p` domain.
    ///
    /// # Errors
    /// As [`Ptau::lagrange_g1`].
    pub fn lagrange_g2(&mut self, p: u32) -> Result<Vec<G2Affine>, CeremonyError> {
        self.check_power(p)?;
        self.g2s(13, (1 << p) - 1, 1 << p, "lagrange tauG2")
    }

    /// `alpha L_i(tau) G1` for the size-`2^p` domain.
    ///
    /// # Errors
    /// As [`Ptau::lagrange_g1`].
    pub fn lagrange_alpha_g1(&mut self, p: u32) -> Result<Vec<G1Affine>, CeremonyError> {
        self.check_power(p)?;
        self.g1s(14, (1 << p) - 1, 1 << p, "lagrange alphaTauG1")
    }

    /// `beta L_i(tau) G1` for the size-`2^p` domain.
    ///
    /// # Errors
    /// As [`Ptau::lagrange_g1`].
    pub fn lagrange_beta_g1(&mut self, p: u32) -> Result<Vec<G1Affine>, CeremonyError> {
        self.check_power(p)?;
        self.g1s(15, (1 << p) - 1, 1 << p, "lagrange betaTauG1")
    }
}

/// `L_i(tau)` for the size-`n` domain: `w^i (tau^n - 1) / (n (tau - w^i))`.
fn lagrange_at(tau: Fr, n: usize) -> Vec<Fr> {
    let w = Fr::get_root_of_unity(n as u64).unwrap_or_else(Fr::one);
    let mut pows = Vec::with_capacity(n);
    let mut cur = Fr::one();
    for _ in 0..n {
        pows.push(cur);
        cur *= w;
    }
    let zn = tau.pow([n as u64]) - Fr::one();
    let n_inv = Fr::from(n as u64).inverse().unwrap_or_else(Fr::one);
    let mut den: Vec<Fr> = pows.iter().map(|wi| tau - wi).collect();
    ark_ff::batch_inversion(&mut den);
    pows.iter()
        .zip(den)
        .map(|(wi, d)| *wi * zn * n_inv * d)
        .collect()
}

/// Writes a **toxic, insecure** Powers of Tau of `power` to `path`, prepared for phase 2,
/// with tau, alpha and beta drawn from ChaCha20 seeded with `seed`: anyone who knows the
/// seed knows tau and can forge proofs for every key made on it. For tests only; real
/// ceremonies start from a public multi-party Powers of Tau (see `docs/ceremony.md`).
///
/// It records no phase-1 contribution (section 7 is empty), so `snarkjs powersoftau verify`
/// does not accept it; `snarkjs zkey new` and `zkey verify` do.
///
/// # Errors
/// [`CeremonyError::Invalid`] for a power outside `1..=MAX_TEST_POWER`; [`CeremonyError::Io`].
pub fn write_test_ptau(path: &Path, power: u32, seed: u64) -> Result<(), CeremonyError> {
    if power == 0 || power > MAX_TEST_POWER {
        return Err(CeremonyError::Invalid(format!(
            "test Powers of Tau power {power} out of range 1..={MAX_TEST_POWER}"
        )));
    }
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let tau = Fr::rand(&mut rng);
    let alpha = Fr::rand(&mut rng);
    let beta = Fr::rand(&mut rng);
    let n = 1usize << power;
    let mut tau_pows = Vec::with_capacity(2 * n - 1);
    let mut cur = Fr::one();
    for _ in 0..2 * n - 1 {
        tau_pows.push(cur);
        cur *= tau;
    }
    let g1 = G1Projective::generator();
    let g2 = G2Projective::generator();
    let scaled = |k: Fr, v: &[Fr]| v.iter().map(|x| k * x).collect::<Vec<_>>();

    let mut header = Vec::new();
    header.extend_from_slice(&32u32.to_le_bytes());
    header.extend_from_slice(&fq_modulus_le());
    header.extend_from_slice(&power.to_le_bytes());
    header.extend_from_slice(&power.to_le_bytes());

    let mut lag = Vec::with_capacity(2 * n - 1);
    for p in 0..=power {
        lag.extend(lagrange_at(tau, 1 << p));
    }

    let mut w = BinWriter::new(b"ptau", 1, 11);
    w.section(1, &header);
    w.section(2, &g1_vec_to_lem(&g1.batch_mul(&tau_pows)));
    w.section(3, &g2_vec_to_lem(&g2.batch_mul(&tau_pows[..n])));
    w.section(
        4,
        &g1_vec_to_lem(&g1.batch_mul(&scaled(alpha, &tau_pows[..n]))),
    );
    w.section(
        5,
        &g1_vec_to_lem(&g1.batch_mul(&scaled(beta, &tau_pows[..n]))),
    );
    w.section(6, &g2_vec_to_lem(&g2.batch_mul(&[beta])));
    w.section(7, &0u32.to_le_bytes());
    w.section(12, &g1_vec_to_lem(&g1.batch_mul(&lag)));
    w.section(13, &g2_vec_to_lem(&g2.batch_mul(&lag)));
    w.section(14, &g1_vec_to_lem(&g1.batch_mul(&scaled(alpha, &lag))));
    w.section(15, &g1_vec_to_lem(&g1.batch_mul(&scaled(beta, &lag))));
    w.write(path)
}
