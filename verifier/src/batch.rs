//! Batch verification of many proofs under one key.
//!
//! Each Groth16 proof i with inputs x_i must satisfy
//!
//! ```text
//! e(A_i, B_i) · e(−alpha, beta) · e(IC(x_i), −gamma) · e(C_i, −delta) = 1.
//! ```
//!
//! Raising equation i to a random 128-bit power r_i and multiplying them all gives
//!
//! ```text
//! Π_i e(r_i·A_i, B_i) · e(−(Σ r_i)·alpha, beta)
//!     · e(Σ_i r_i·IC(x_i), −gamma) · e(Σ_i r_i·C_i, −delta) = 1,
//! ```
//!
//! where Σ_i r_i·IC(x_i) = (Σ r_i)·IC_0 + Σ_j (Σ_i r_i·x_ij)·IC_j is one multi-scalar
//! multiplication over the key's IC points and Σ_i r_i·C_i another. The whole batch costs
//! n + 3 Miller loops and a **single** final exponentiation, against 3n Miller loops (beta's
//! pairing with alpha is precomputed) and n final exponentiations one by one. If any proof is
//! invalid the product is 1 with probability at most 2^−128 over the choice of the r_i.
//!
//! The r_i come from a merlin transcript (label `zkcredit/batch/v1`) over the key hash, the
//! batch size, and every proof's bytes and public inputs, so they are fixed only after every
//! proof is: a prover cannot pick bad proofs that cancel without breaking the hash. They are
//! deterministic, so a batch verifies identically on every node.
//!
//! # When a batch fails
//! The check is all-or-nothing: it says *some* proof is bad, not which. We then verify each
//! proof on its own (in parallel under the `parallel` feature) and report every bad index.
//! Bisection (re-batching halves) would find a few bad proofs in a large batch with fewer
//! final exponentiations, but costs more than individual checks once a sizeable fraction is
//! bad — the adversarial case — and its cost depends on where the bad proofs sit. Individual
//! checks bound the failure path at one extra ordinary verification per proof, are simple to
//! audit, and report the same answer as [`VerifierKey::verify`] would proof by proof.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{One, Zero};
use merlin::Transcript;

#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::encoding::fr_to_le_bytes;
use crate::proof::encode_proof_bytes;
use crate::{Envelope, VerifierKey, VerifyError};

/// Why a batch was rejected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// Proof `index` is not a well-formed proof for this key (wrong circuit, key or input
    /// count, bad points); the batch was not checked.
    #[error("proof {index}: {source}")]
    Structural {
        /// Position of the first offending proof in the batch.
        index: usize,
        /// What was wrong with it.
        #[source]
        source: VerifyError,
    },
    /// Every proof is well formed, but these (sorted, at least one) fail verification.
    #[error("{} proof(s) in the batch do not verify: {bad:?}", bad.len())]
    Invalid {
        /// Positions of all invalid proofs, ascending.
        bad: Vec<usize>,
    },
}

impl BatchError {
    /// Process exit code: 1 for [`BatchError::Invalid`] (well-formed proofs that do not
    /// verify), otherwise the code of the structural error (2).
    #[must_use]
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Invalid { .. } => 1,
            Self::Structural { source, .. } => source.exit_code(),
        }
    }
}

/// Domain-separation label of the batch transcript.
const TRANSCRIPT_LABEL: &[u8] = b"zkcredit/batch/v1";

/// The 128-bit batching scalars r_i, derived from a transcript over the key and all proofs.
/// Each is non-zero (a zero would drop its proof from the check).
fn batch_scalars(vk_hash: &[u8; 32], envs: &[Envelope]) -> Vec<Fr> {
    let mut t = Transcript::new(TRANSCRIPT_LABEL);
    t.append_message(b"vk_hash", vk_hash);
    t.append_u64(b"n", envs.len() as u64);
    for env in envs {
        t.append_message(b"proof", &encode_proof_bytes(&env.proof));
        for x in &env.public_inputs {
            t.append_message(b"input", &fr_to_le_bytes(x));
        }
    }
    envs.iter()
        .map(|_| loop {
            let mut buf = [0u8; 16];
            t.challenge_bytes(b"r", &mut buf);
            let r = u128::from_le_bytes(buf);
            if r != 0 {
                break Fr::from(r);
            }
        })
        .collect()
}

impl VerifierKey {
    /// Verifies all of `envs` at once: a random linear combination of their Groth16
    /// equations with 128-bit weights from a merlin transcript over the key and every proof,
    /// checked with one multi-Miller loop and one final exponentiation. When that check fails,
    /// each proof is verified on its own to find every bad one. An empty batch is valid.
    ///
    /// Accepts exactly the batches whose proofs all pass [`VerifierKey::verify`], except with
    /// probability at most 2^−128 for a batch containing an invalid proof.
    ///
    /// # Errors
    /// [`BatchError::Structural`] with the first proof that fails a structural check of
    /// [`VerifierKey::verify`] (wrong circuit, key, input count); [`BatchError::Invalid`]
    /// listing every proof that fails the pairing check.
    pub fn verify_batch(&self, envs: &[Envelope]) -> Result<(), BatchError> {
        for (index, env) in envs.iter().enumerate() {
            self.check_statement(env)
                .map_err(|source| BatchError::Structural { index, source })?;
        }
        if envs.is_empty() || self.batch_equation_holds(envs) {
            return Ok(());
        }
        let check = |(i, env): (usize, &Envelope)| self.pairing_check(env).err().map(|_| i);
        #[cfg(feature = "parallel")]
        let bad: Vec<usize> = envs.par_iter().enumerate().filter_map(check).collect();
        #[cfg(not(feature = "parallel"))]
        let bad: Vec<usize> = envs.iter().enumerate().filter_map(check).collect();
        // The batch equation is a product of the individual ones, so if it fails some
        // individual check fails too; should all pass, the proofs are individually valid.
        if bad.is_empty() {
            debug_assert!(false, "batch failed but every proof verifies");
            return Ok(());
        }
        Err(BatchError::Invalid { bad })
    }

    /// The randomised batch equation; statements must already be checked.
    fn batch_equation_holds(&self, envs: &[Envelope]) -> bool {
        let r = batch_scalars(&self.vk_hash, envs);
        let vk = &self.vk;

        // Per proof: r_i·A_i (128-bit scalar multiplication) and B_i prepared for the loop.
        let per_proof = |(env, r): (&Envelope, &Fr)| {
            let a: G1Projective = env.proof.a * r;
            let b: <Bn254 as Pairing>::G2Prepared = env.proof.b.into();
            (a, b)
        };
        #[cfg(feature = "parallel")]
        let (ra, mut g2): (Vec<G1Projective>, Vec<_>) =
            envs.par_iter().zip(r.par_iter()).map(per_proof).unzip();
        #[cfg(not(feature = "parallel"))]
        let (ra, mut g2): (Vec<G1Projective>, Vec<_>) =
            envs.iter().zip(r.iter()).map(per_proof).unzip();

        let r_sum: Fr = r.iter().sum();

        // Input combination: scalars (Σ r_i) for IC_0 and Σ_i r_i·x_ij for IC_j.
        let mut ic_scalars = vec![Fr::zero(); vk.gamma_abc_g1.len()];
        ic_scalars[0] = r_sum;
        for (env, r) in envs.iter().zip(&r) {
            for (s, x) in ic_scalars[1..].iter_mut().zip(&env.public_inputs) {
                *s += *r * x;
            }
        }
        let ic = G1Projective::msm(&vk.gamma_abc_g1, &ic_scalars).expect("one scalar per IC point");

        // Σ r_i·C_i.
        let cs: Vec<G1Affine> = envs.iter().map(|e| e.proof.c).collect();
        let c = G1Projective::msm(&cs, &r).expect("one scalar per proof");

        let alpha = vk.alpha_g1.into_group() * (-r_sum);

        let mut g1 = ra;
        g1.extend([alpha, ic, c]);
        let g1 = G1Projective::normalize_batch(&g1);
        g2.extend([
            self.beta_g2_pc.clone(),
            self.pvk.gamma_g2_neg_pc.clone(),
            self.pvk.delta_g2_neg_pc.clone(),
        ]);
        let g1: Vec<<Bn254 as Pairing>::G1Prepared> = g1.into_iter().map(Into::into).collect();

        let ml = Bn254::multi_miller_loop(g1, g2);
        Bn254::final_exponentiation(ml).is_some_and(|out| out.0.is_one())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G2Affine, G2Projective};
    use ark_ff::{Field, UniformRand};
    use ark_groth16::{Proof, VerifyingKey};
    use rand::SeedableRng;

    /// A key with known trapdoor (alpha = a·g1, beta = b·g2, gamma = c·g2, delta = d·g2,
    /// IC_j = k_j·g1) and valid proofs made from the trapdoor: A = s·g1, B = t·g2 and
    /// C = (s·t − a·b − c·IC(x)) / d · g1, which satisfies the Groth16 equation exactly.
    fn trapdoor_key_and_proofs(n: usize) -> (VerifierKey, Vec<Envelope>) {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let g1 = G1Affine::generator();
        let g2 = G2Affine::generator();
        let [a, b, c, d] = [(); 4].map(|()| Fr::rand(&mut rng));
        let k: Vec<Fr> = (0..3).map(|_| Fr::rand(&mut rng)).collect();
        let vk = VerifyingKey::<Bn254> {
            alpha_g1: (g1 * a).into_affine(),
            beta_g2: (g2 * b).into_affine(),
            gamma_g2: (g2 * c).into_affine(),
            delta_g2: (g2 * d).into_affine(),
            gamma_abc_g1: k.iter().map(|k| (g1 * k).into_affine()).collect(),
        };
        let key = VerifierKey::from_vk("trapdoor", vk, true);
        let envs = (0..n)
            .map(|_| {
                let x = [Fr::rand(&mut rng), Fr::rand(&mut rng)];
                let ic = k[0] + k[1] * x[0] + k[2] * x[1];
                let (s, t) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
                let cc = (s * t - a * b - c * ic) * d.inverse().unwrap();
                Envelope {
                    circuit: "trapdoor".into(),
                    vk_hash: Some(key.vk_hash()),
                    public_inputs: x.to_vec(),
                    proof: Proof {
                        a: (g1 * s).into_affine(),
                        b: (G2Projective::from(g2) * t).into_affine(),
                        c: (g1 * cc).into_affine(),
                    },
                }
            })
            .collect();
        (key, envs)
    }

    #[test]
    fn batch_equation_accepts_valid_and_rejects_invalid() {
        let (key, mut envs) = trapdoor_key_and_proofs(5);
        for env in &envs {
            key.verify(env).unwrap();
        }
        // The batch equation itself (not the per-proof fallback) holds for valid proofs ...
        assert!(key.batch_equation_holds(&envs));
        assert!(key.batch_equation_holds(&envs[..1]));
        key.verify_batch(&envs).unwrap();
        // ... and fails when any single proof is wrong.
        envs[4].public_inputs[1] += Fr::one();
        assert!(!key.batch_equation_holds(&envs));
        assert!(matches!(key.verify_batch(&envs), Err(BatchError::Invalid { bad }) if bad == [4]));
    }

    fn env(seed: u64) -> Envelope {
        let g1 = G1Affine::generator();
        Envelope {
            circuit: "c".into(),
            vk_hash: None,
            public_inputs: vec![Fr::from(seed)],
            proof: Proof {
                a: g1,
                b: G2Affine::generator(),
                c: g1,
            },
        }
    }

    #[test]
    fn scalars_are_128_bit_nonzero_and_bound_to_everything() {
        let envs: Vec<_> = (0..4).map(env).collect();
        let r = batch_scalars(&[1; 32], &envs);
        assert_eq!(r.len(), 4);
        let two_128 = Fr::from(u128::MAX) + Fr::one();
        for x in &r {
            assert!(!x.is_zero());
            // x < 2^128: x is a u128 embedded in Fr.
            assert!(ark_ff::PrimeField::into_bigint(*x) < ark_ff::PrimeField::into_bigint(two_128));
        }
        assert_eq!(r, batch_scalars(&[1; 32], &envs), "deterministic");
        assert_ne!(r, batch_scalars(&[2; 32], &envs), "bound to the key");
        let mut other = envs.clone();
        other[3].public_inputs[0] += Fr::one();
        assert_ne!(
            r[0],
            batch_scalars(&[1; 32], &other)[0],
            "bound to later inputs"
        );
        assert_ne!(
            r[..3],
            batch_scalars(&[1; 32], &envs[..3])[..],
            "bound to n"
        );
    }
}
