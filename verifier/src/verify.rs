//! Verifying one proof.

use ark_bn254::{Bn254, G1Projective};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ec::VariableBaseMSM;
use ark_ff::PrimeField;
use ark_groth16::Groth16;

use crate::{Envelope, VerifierKey, VerifyError};
use zkcredit_circuits::statement::{check_public_inputs, CircuitId};

/// A non-identity point on the curve and in the prime-order subgroup.
fn valid<C: SWCurveConfig>(p: &Affine<C>) -> bool {
    !p.is_zero() && p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()
}

impl VerifierKey {
    /// Checks everything about `env` except the pairing equation: the circuit id, the key
    /// hash (when the proof states one), the number of public inputs, and that A, B, C are
    /// non-identity points on the curve and in the prime-order subgroup (already guaranteed
    /// for envelopes from [`Envelope::from_file`]; re-checked because the fields are public).
    pub(crate) fn check_statement(&self, env: &Envelope) -> Result<(), VerifyError> {
        if env.circuit != self.circuit {
            return Err(VerifyError::WrongCircuit {
                expected: self.circuit.clone(),
                found: env.circuit.clone(),
            });
        }
        if let Some(found) = env.vk_hash {
            if found != self.vk_hash {
                return Err(VerifyError::WrongKey {
                    expected_hash: self.vk_hash_hex(),
                    found_hash: hex::encode(found),
                });
            }
        }
        let expected = self.num_public_inputs();
        if env.public_inputs.len() != expected {
            return Err(VerifyError::InputCount {
                expected,
                found: env.public_inputs.len(),
            });
        }
        // For zkcredit's circuits, inputs that do not mean a statement (e.g. `now` >= 2^64,
        // a coefficient outside i64) are refused before any pairing: no public path verifies
        // unparsed policy or membership inputs. Keys of other circuits (wrapped with
        // `from_vk` under another name) have no layout to check.
        if let Ok(id) = self.circuit.parse::<CircuitId>() {
            check_public_inputs(id, &env.public_inputs)
                .map_err(|e| VerifyError::Malformed(e.to_string()))?;
        }
        let p = &env.proof;
        for (name, ok) in [("A", valid(&p.a)), ("B", valid(&p.b)), ("C", valid(&p.c))] {
            if !ok {
                return Err(VerifyError::Malformed(format!(
                    "proof point {name} is the identity, off the curve or outside the subgroup"
                )));
            }
        }
        Ok(())
    }

    /// Verifies `env` against this key: the proof must claim this key's circuit (and, when it
    /// names one, this key's hash), carry the right number of public inputs, and satisfy the
    /// Groth16 equation e(A, B) = e(alpha, beta) · e(IC(x), gamma) · e(C, delta), where
    /// IC(x) = IC_0 + Σ_j x_j·IC_j.
    ///
    /// Groth16 proofs are malleable: a valid proof can be re-randomised into other valid
    /// proofs of the same statement, so success says the statement is proven, not that these
    /// exact bytes came from the prover.
    ///
    /// # Errors
    /// [`VerifyError::WrongCircuit`], [`VerifyError::WrongKey`] or
    /// [`VerifyError::InputCount`] when the proof is presented to the wrong key;
    /// [`VerifyError::Malformed`] for invalid points in a hand-built envelope;
    /// [`VerifyError::InvalidProof`] when the pairing check fails.
    pub fn verify(&self, env: &Envelope) -> Result<(), VerifyError> {
        self.check_statement(env)?;
        self.pairing_check(env)
    }

    /// The pairing check alone; the statement must already be checked.
    pub(crate) fn pairing_check(&self, env: &Envelope) -> Result<(), VerifyError> {
        // IC(x) = IC_0 + sum_j x_j IC_j as one MSM. arkworks' `prepare_inputs` does one full
        // scalar multiplication per input, and most of ours are small or small negative
        // (policy coefficients), which the MSM handles in a few additions each.
        let scalars: Vec<_> = env.public_inputs.iter().map(|x| x.into_bigint()).collect();
        let ic = &self.vk.gamma_abc_g1;
        let prepared = G1Projective::msm_bigint(&ic[1..], &scalars) + ic[0];
        match Groth16::<Bn254>::verify_proof_with_prepared_inputs(&self.pvk, &env.proof, &prepared)
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(VerifyError::InvalidProof),
            // Unreachable in ark-groth16 0.6 (it never returns an error here).
            Err(e) => Err(VerifyError::BadKey(format!(
                "pairing check failed to run: {e}"
            ))),
        }
    }
}
