//! A Groth16 prover for fixed circuits: the constraint matrices are synthesized once per
//! key, and each proof only computes the witness, the quotient and the MSMs.
//!
//! The proof is exactly what `ark_groth16::Groth16::create_proof_with_reduction` computes
//! (same reduction, same formulas), so the unchanged verifier accepts it; the difference is
//! where the time goes. Every step is timed ([`ProveTimings`]) for `docs/performance.md`.

use crate::ProveError;
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand};
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_groth16::{Proof, ProvingKey};
use ark_poly::GeneralEvaluationDomain;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode, R1CS_PREDICATE_LABEL,
};
use ark_relations::utils::matrix::Matrix;
use ark_std::rand::{CryptoRng, RngCore};
use web_time::{Duration, Instant};

/// Where one proof's time went.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProveTimings {
    /// Running the circuit to compute the witness (no matrices).
    pub witness: Duration,
    /// R1CS to QAP: evaluating the constraints and the FFTs for `h`.
    pub quotient: Duration,
    /// MSM over the `a` query (G1).
    pub msm_a: Duration,
    /// MSM over the `b` query in G2.
    pub msm_b_g2: Duration,
    /// The single G1 MSM behind `C`: `b` query (scaled by `r`), `l` query and `h` query.
    pub msm_c: Duration,
    /// Everything, end to end.
    pub total: Duration,
}

/// Which multi-scalar multiplication the prover uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsmImpl {
    /// zkcredit's batch-affine Pippenger ([`crate::msm`]), the default.
    BatchAffine,
    /// arkworks' `VariableBaseMSM::msm_bigint`, for comparison.
    Arkworks,
}

fn msm_g1(
    which: MsmImpl,
    bases: &[G1Affine],
    scalars: &[<Fr as PrimeField>::BigInt],
) -> G1Projective {
    match which {
        MsmImpl::BatchAffine => crate::msm::msm(bases, scalars),
        MsmImpl::Arkworks => G1Projective::msm_bigint(bases, scalars),
    }
}

fn msm_g2(
    which: MsmImpl,
    bases: &[G2Affine],
    scalars: &[<Fr as PrimeField>::BigInt],
) -> G2Projective {
    match which {
        MsmImpl::BatchAffine => crate::msm::msm(bases, scalars),
        MsmImpl::Arkworks => G2Projective::msm_bigint(bases, scalars),
    }
}

/// A proving key with the circuit's constraint matrices, ready to prove many times.
pub struct CachedProver {
    /// The MSM implementation in use.
    pub msm: MsmImpl,
    matrices: Vec<Matrix<Fr>>,
    num_instance_variables: usize,
    num_constraints: usize,
    /// Indexes (into the full assignment) of the variables with a B-query point.
    b_index: Vec<usize>,
    /// `b_g2_query` at `b_index`.
    b_g2_bases: Vec<G2Affine>,
    /// `b_g1_query` at `b_index`, then `l_query`, then `h_query`.
    c_bases: Vec<G1Affine>,
    /// Time spent synthesizing the matrices once.
    pub setup_time: Duration,
}

impl CachedProver {
    /// Synthesizes the matrices of `blank` (a circuit without assignment).
    ///
    /// # Errors
    /// [`ProveError::Synthesis`] when synthesis fails.
    pub fn new<C: ConstraintSynthesizer<Fr>>(
        pk: &ProvingKey<Bn254>,
        blank: C,
    ) -> Result<Self, ProveError> {
        let start = Instant::now();
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        blank
            .generate_constraints(cs.clone())
            .map_err(|e| ProveError::Synthesis(e.to_string()))?;
        cs.finalize();
        let mut all = cs
            .to_matrices()
            .map_err(|e| ProveError::Synthesis(e.to_string()))?;
        let matrices = all
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or_else(|| ProveError::Synthesis("no R1CS constraints".into()))?;
        let n_vars = cs.num_instance_variables() + cs.num_witness_variables();
        if pk.a_query.len() != n_vars
            || pk.b_g1_query.len() != n_vars
            || pk.b_g2_query.len() != n_vars
            || pk.l_query.len() != cs.num_witness_variables()
        {
            return Err(ProveError::Keys(
                "the proving key does not match the circuit's shape".into(),
            ));
        }
        let b_index: Vec<usize> = (0..n_vars)
            .filter(|&i| !pk.b_g2_query[i].is_zero() || !pk.b_g1_query[i].is_zero())
            .collect();
        let b_g2_bases = b_index.iter().map(|&i| pk.b_g2_query[i]).collect();
        let mut c_bases: Vec<G1Affine> = b_index.iter().map(|&i| pk.b_g1_query[i]).collect();
        c_bases.extend_from_slice(&pk.l_query);
        c_bases.extend_from_slice(&pk.h_query);
        Ok(Self {
            msm: MsmImpl::BatchAffine,
            matrices,
            num_instance_variables: cs.num_instance_variables(),
            num_constraints: cs.num_constraints(),
            b_index,
            b_g2_bases,
            c_bases,
            setup_time: start.elapsed(),
        })
    }

    /// Proves `circuit` (which must have the shape the matrices came from) under `pk`.
    ///
    /// # Errors
    /// [`ProveError::Synthesis`] when the witness does not fit the matrices or the reduction
    /// fails.
    pub fn prove<C: ConstraintSynthesizer<Fr>, R: RngCore + CryptoRng>(
        &self,
        pk: &ProvingKey<Bn254>,
        circuit: C,
        rng: &mut R,
    ) -> Result<(Proof<Bn254>, ProveTimings), ProveError> {
        let start = Instant::now();
        let mut t = ProveTimings::default();
        let synth = |e: ark_relations::gr1cs::SynthesisError| ProveError::Synthesis(e.to_string());

        // 1. Witness only: no constraint is stored, no linear combination is inlined.
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Prove {
            construct_matrices: false,
            generate_lc_assignments: false,
        });
        circuit.generate_constraints(cs.clone()).map_err(synth)?;
        let instance = cs.instance_assignment().map_err(synth)?;
        let witness = cs.witness_assignment().map_err(synth)?;
        if instance.len() != self.num_instance_variables
            || instance.len() + witness.len() != pk.a_query.len()
        {
            return Err(ProveError::Synthesis(format!(
                "the circuit has {} inputs and {} witnesses, the key expects {} variables",
                instance.len(),
                witness.len(),
                pk.a_query.len()
            )));
        }
        let mut full = instance;
        full.extend_from_slice(&witness);
        t.witness = start.elapsed();

        // 2. The quotient h(X) = (A(X)B(X) - C(X)) / Z(X), libsnark's reduction.
        let step = Instant::now();
        let h = LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
            &self.matrices,
            self.num_instance_variables,
            self.num_constraints,
            &full,
        )
        .map_err(synth)?;
        t.quotient = step.elapsed();

        // 3. The MSMs. With z the assignment (z_0 = 1), ark-groth16 computes
        //      A  = alpha + sum z_i a_i + r delta            (G1)
        //      B  = beta  + sum z_i b_i + s delta            (G2, and B1 the same in G1)
        //      C  = s A + r B1 - r s delta + sum_{aux} z_i l_i + sum_j h_j H_j
        //    B1 only ever enters C, as r * B1, so r * sum z_i b1_i + sum z_i l_i + sum h_j H_j
        //    is ONE MSM over the concatenated bases with scalars (r z_i | z_i | h_j): larger
        //    MSMs amortize Pippenger's bucket sums better. Bases at infinity (variables that
        //    appear in no B constraint) are dropped once, in `new`.
        let r = Fr::rand(rng);
        let s = Fr::rand(rng);
        let n_inst = self.num_instance_variables;

        let step = Instant::now();
        let scalars: Vec<_> = full.iter().map(|x| x.into_bigint()).collect();
        let g_a = pk.vk.alpha_g1 + pk.delta_g1 * r + msm_g1(self.msm, &pk.a_query, &scalars);
        t.msm_a = step.elapsed();

        let step = Instant::now();
        let b_scalars: Vec<_> = self.b_index.iter().map(|&i| scalars[i]).collect();
        let g2_b: G2Projective =
            pk.vk.beta_g2 + pk.vk.delta_g2 * s + msm_g2(self.msm, &self.b_g2_bases, &b_scalars);
        t.msm_b_g2 = step.elapsed();

        let step = Instant::now();
        let mut c_scalars: Vec<_> = self
            .b_index
            .iter()
            .map(|&i| (full[i] * r).into_bigint())
            .collect();
        c_scalars.extend_from_slice(&scalars[n_inst..]);
        c_scalars.extend(h.iter().map(|x| x.into_bigint()));
        let c_acc = msm_g1(self.msm, &self.c_bases, &c_scalars);
        t.msm_c = step.elapsed();

        // C = s A + r (beta + s delta) - r s delta + c_acc = s A + r beta + c_acc
        let g_c = g_a * s + pk.beta_g1 * r + c_acc;
        let proof = Proof {
            a: g_a.into_affine(),
            b: g2_b.into_affine(),
            c: g_c.into_affine(),
        };
        t.total = start.elapsed();
        Ok((proof, t))
    }
}
