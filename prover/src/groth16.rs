//! A Groth16 prover for fixed circuits: the constraint matrices are synthesized once per
//! key, and each proof only computes the witness, the quotient and the MSMs.
//!
//! The proof is exactly what `ark_groth16::Groth16::create_proof_with_reduction` computes
//! (same reduction, same formulas), so the unchanged verifier accepts it; the difference is
//! where the time goes. Every step is timed ([`ProveTimings`]) for `docs/performance.md`.

use crate::sparse::CompactR1cs;
use crate::{ProveError, QapReduction};
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
use std::time::Duration;
#[cfg(not(target_arch = "wasm32"))]
use std::time::Instant;

/// Where one proof's time went.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProveTimings {
    /// Running the circuit to compute the witness (no matrices); through
    /// [`crate::prove_policy`] and its kin also the native check of the statement.
    pub witness: Duration,
    /// R1CS to QAP: evaluating the constraints and the FFTs for `h`. This and the MSMs for
    /// `A` and `B` are the first phase and share the cores, so each of the three is the
    /// time from the phase's start until that step finished, and they add up to more than
    /// [`Self::total`].
    pub quotient: Duration,
    /// MSM over the `a` query (G1), done at (see [`Self::quotient`]).
    pub msm_a: Duration,
    /// MSM over the `b` query in G2, done at (see [`Self::quotient`]).
    pub msm_b_g2: Duration,
    /// The single G1 MSM behind `C`: `b` query (scaled by `r`), `l` query and `h` query.
    pub msm_c: Duration,
    /// Everything, end to end.
    pub total: Duration,
}

/// Which multi-scalar multiplication the prover uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsmImpl {
    /// zkcredit's batch-affine Pippenger after the GLV split on G1 ([`crate::msm::msm`]) and
    /// the 4-dimensional `psi` split on G2 ([`crate::msm::psi4::msm`]), the default.
    BatchAffine,
    /// The same with the 2-dimensional GLV split on G2 too (the prover before the `psi`
    /// split), for comparison.
    BatchAffineGlv2,
    /// The same Pippenger without the GLV split ([`crate::msm::msm_with_window`]), for
    /// comparison.
    BatchAffineNoGlv,
    /// arkworks' `VariableBaseMSM::msm_bigint`, for comparison.
    Arkworks,
}

/// The batch-affine Pippenger without the GLV split, window from the cost model.
fn plain<P: crate::msm::Curve>(
    bases: &[ark_ec::short_weierstrass::Affine<P>],
    scalars: &[crate::msm::BigInt<P>],
) -> ark_ec::short_weierstrass::Projective<P> {
    let bits = <P::ScalarField as PrimeField>::MODULUS_BIT_SIZE as usize;
    let c = crate::msm::window_size(bases.len().min(scalars.len()), bits);
    crate::msm::msm_with_window(bases, scalars, c)
}

fn msm_g1(
    which: MsmImpl,
    bases: &[G1Affine],
    scalars: &[<Fr as PrimeField>::BigInt],
) -> G1Projective {
    match which {
        MsmImpl::BatchAffine | MsmImpl::BatchAffineGlv2 => crate::msm::msm(bases, scalars),
        MsmImpl::BatchAffineNoGlv => plain(bases, scalars),
        MsmImpl::Arkworks => G1Projective::msm_bigint(bases, scalars),
    }
}

fn msm_g2(
    which: MsmImpl,
    bases: &[G2Affine],
    scalars: &[<Fr as PrimeField>::BigInt],
) -> G2Projective {
    match which {
        MsmImpl::BatchAffine => crate::msm::psi4::msm(bases, scalars),
        MsmImpl::BatchAffineGlv2 => crate::msm::msm(bases, scalars),
        MsmImpl::BatchAffineNoGlv => plain(bases, scalars),
        MsmImpl::Arkworks => G2Projective::msm_bigint(bases, scalars),
    }
}

/// The R1CS matrices of a circuit shape and its dimensions: what [`CachedProver`] needs
/// besides the proving key. Stored in `proving_key.bin` ([`crate::pk_file`]) so that a
/// process opening the keys does not synthesize the circuit again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct R1csMatrices {
    /// Instance variables, the constant one included.
    pub num_instance_variables: usize,
    /// Witness variables.
    pub num_witness_variables: usize,
    /// Constraints (rows of each matrix).
    pub num_constraints: usize,
    /// `A`, `B`, `C`: for each constraint, the `(coefficient, variable index)` pairs.
    pub matrices: Vec<Matrix<Fr>>,
}

impl R1csMatrices {
    /// Synthesizes the matrices of `blank` (a circuit without assignment), with the
    /// optimization goal the Groth16 setup uses.
    ///
    /// # Errors
    /// [`ProveError::Synthesis`] when synthesis fails or yields no R1CS constraints.
    pub fn synthesize<C: ConstraintSynthesizer<Fr>>(blank: C) -> Result<Self, ProveError> {
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
        Ok(Self {
            num_instance_variables: cs.num_instance_variables(),
            num_witness_variables: cs.num_witness_variables(),
            num_constraints: cs.num_constraints(),
            matrices,
        })
    }

    /// Instance plus witness variables.
    pub fn num_variables(&self) -> usize {
        self.num_instance_variables + self.num_witness_variables
    }
}

/// A stopwatch that reads zero where the platform has no clock (`wasm32-unknown-unknown`,
/// where `Instant::now` panics): timings are diagnostics, never needed for a proof.
#[derive(Clone, Copy)]
pub(crate) struct Stopwatch(#[cfg(not(target_arch = "wasm32"))] Instant);

impl Stopwatch {
    pub(crate) fn start() -> Self {
        Self(
            #[cfg(not(target_arch = "wasm32"))]
            Instant::now(),
        )
    }
    pub(crate) fn elapsed(&self) -> Duration {
        #[cfg(not(target_arch = "wasm32"))]
        return self.0.elapsed();
        #[cfg(target_arch = "wasm32")]
        Duration::ZERO
    }
}

/// Runs `a` and `b` side by side when `overlap` is set ([`crate::schedule::join`]), one
/// after the other otherwise.
fn join<A: FnOnce() -> RA + Send, B: FnOnce() -> RB + Send, RA: Send, RB: Send>(
    overlap: bool,
    a: A,
    b: B,
) -> (RA, RB) {
    if overlap {
        crate::schedule::join(a, b)
    } else {
        (a(), b())
    }
}

/// A circuit's full assignment `z`: the instance (the constant one first), then the
/// witness — everything a proof needs from the circuit, computed without storing any
/// constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// `z`.
    pub full: Vec<Fr>,
    /// How many of its values are the instance (the constant one included).
    pub num_instance: usize,
}

impl Assignment {
    /// Runs `circuit` for its values only.
    ///
    /// # Errors
    /// [`ProveError::Synthesis`] when the circuit fails.
    pub fn of<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Result<Self, ProveError> {
        let synth = |e: ark_relations::gr1cs::SynthesisError| ProveError::Synthesis(e.to_string());
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Prove {
            construct_matrices: false,
            generate_lc_assignments: false,
        });
        circuit.generate_constraints(cs.clone()).map_err(synth)?;
        let mut full = cs.instance_assignment().map_err(synth)?;
        let num_instance = full.len();
        full.extend(cs.witness_assignment().map_err(synth)?);
        Ok(Self { full, num_instance })
    }
}

/// The scalars of an MSM: each field element out of Montgomery form (one multiplication
/// each, spread over the cores).
fn bigints(values: &[Fr]) -> Vec<<Fr as PrimeField>::BigInt> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        values
            .par_iter()
            .with_min_len(4096)
            .map(|x| x.into_bigint())
            .collect()
    }
    #[cfg(not(feature = "parallel"))]
    values.iter().map(|x| x.into_bigint()).collect()
}

/// What the first phase of a proof computes: the quotient `h`, the MSMs for `A` and `B`,
/// and when each finished (since the phase began).
type FirstPhase = (
    Result<Vec<Fr>, ProveError>,
    G1Projective,
    G2Projective,
    (Duration, Duration, Duration),
);

/// One task of the first phase and its result.
enum Done {
    Quotient(Result<Vec<Fr>, ProveError>),
    A(G1Projective),
    B(G2Projective),
}

/// A proving key with the circuit's constraint matrices, ready to prove many times.
pub struct CachedProver {
    /// The MSM implementation in use.
    pub msm: MsmImpl,
    /// Whether the quotient and the MSMs for `A` and `B` run side by side (the default);
    /// off only to measure what overlapping them gains.
    pub overlap: bool,
    /// Whether the first phase (quotient, MSMs for `A` and `B`) runs as one list of tasks
    /// ([`crate::schedule`], the default) rather than as nested `rayon::join`s; off only to
    /// measure what the scheduling gains.
    pub schedule: bool,
    /// The QAP reduction the key was made for: libsnark's (`zkcredit setup`, the default) or
    /// circom's (keys imported from a snarkjs `.zkey`).
    pub reduction: QapReduction,
    /// Whether libsnark's quotient uses [`crate::quotient`] (tables kept between proofs, the
    /// default) rather than arkworks' `LibsnarkReduction` (off only for comparison; the
    /// result is the same).
    pub own_fft: bool,
    /// The quotient's tables for this domain size.
    tables: Option<crate::quotient::Quotient>,
    /// The matrices as the quotient reads them.
    compact: CompactR1cs,
    /// arkworks' form of the same matrices, made on first use (a key file writer, the
    /// reductions other than our own quotient's).
    r1cs: std::sync::OnceLock<R1csMatrices>,
    /// Indexes (into the full assignment) of the variables with a B-query point.
    b_index: Vec<usize>,
    /// `b_g2_query` at `b_index`.
    b_g2_bases: Vec<G2Affine>,
    /// `b_g1_query` at `b_index`, then `l_query`, then `h_query`.
    c_bases: Vec<G1Affine>,
    /// Time spent synthesizing (or loading) the matrices and arranging the bases, once.
    pub setup_time: Duration,
}

impl CachedProver {
    /// Synthesizes the matrices of `blank` (a circuit without assignment).
    ///
    /// # Errors
    /// [`ProveError::Synthesis`] when synthesis fails; [`ProveError::Keys`] when the key
    /// does not fit the circuit.
    pub fn new<C: ConstraintSynthesizer<Fr>>(
        pk: &ProvingKey<Bn254>,
        blank: C,
    ) -> Result<Self, ProveError> {
        let start = Stopwatch::start();
        let mut prover = Self::from_matrices(pk, R1csMatrices::synthesize(blank)?)?;
        prover.setup_time = start.elapsed();
        Ok(prover)
    }

    /// A prover from matrices made earlier (e.g. read from `proving_key.bin`).
    ///
    /// # Errors
    /// [`ProveError::Keys`] when the key's queries, the matrices' dimensions or a variable
    /// index do not fit together.
    pub fn from_matrices(pk: &ProvingKey<Bn254>, r1cs: R1csMatrices) -> Result<Self, ProveError> {
        let start = Stopwatch::start();
        let shape =
            || ProveError::Keys("the constraint matrices do not match the circuit's shape".into());
        if r1cs.matrices.len() != 3
            || r1cs
                .matrices
                .iter()
                .any(|m| m.len() != r1cs.num_constraints)
        {
            return Err(shape());
        }
        let compact = CompactR1cs::from_matrices(&r1cs).map_err(|_| shape())?;
        let mut prover = Self::from_compact(pk, compact)?;
        prover.r1cs = r1cs.into();
        prover.setup_time = start.elapsed();
        Ok(prover)
    }

    /// A prover from compact matrices (as `proving_key.bin` stores them).
    ///
    /// # Errors
    /// [`ProveError::Keys`] when the key's queries, the matrices' dimensions or a variable
    /// index do not fit together.
    pub fn from_compact(pk: &ProvingKey<Bn254>, compact: CompactR1cs) -> Result<Self, ProveError> {
        if pk.vk.gamma_abc_g1.len() != compact.num_instance_variables {
            return Err(ProveError::Keys(
                "the proving key does not match the circuit's shape".into(),
            ));
        }
        Self::arrange(pk, compact)
    }

    /// [`Self::from_compact`] without looking at the verifying key (which the key loader
    /// decodes elsewhere, at the same time, and checks against the matrices afterwards).
    pub(crate) fn arrange(
        pk: &ProvingKey<Bn254>,
        compact: CompactR1cs,
    ) -> Result<Self, ProveError> {
        let start = Stopwatch::start();
        let n_vars = compact.num_variables();
        if pk.a_query.len() != n_vars
            || pk.b_g1_query.len() != n_vars
            || pk.b_g2_query.len() != n_vars
            || pk.l_query.len() != compact.num_witness_variables
        {
            return Err(ProveError::Keys(
                "the proving key does not match the circuit's shape".into(),
            ));
        }
        if !compact.fits(n_vars) {
            return Err(ProveError::Keys(
                "the constraint matrices do not match the circuit's shape".into(),
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
            overlap: true,
            schedule: true,
            reduction: QapReduction::Libsnark,
            own_fft: true,
            tables: crate::quotient::Quotient::new(
                compact.num_constraints(),
                compact.num_instance_variables,
            ),
            compact,
            r1cs: std::sync::OnceLock::new(),
            b_index,
            b_g2_bases,
            c_bases,
            setup_time: start.elapsed(),
        })
    }

    /// The matrices this prover uses, in arkworks' form (made from the compact form on the
    /// first call).
    pub fn matrices(&self) -> &R1csMatrices {
        self.r1cs.get_or_init(|| self.compact.to_matrices())
    }

    /// The matrices this prover uses, in the compact form.
    pub fn compact(&self) -> &CompactR1cs {
        &self.compact
    }

    /// The QAP quotient: the coefficients `h` for the key's `h_query`, from the full
    /// assignment `z` (instance then witness). This is libsnark's reduction, the one
    /// ark-groth16's setup pairs with; a key made for another reduction needs its own
    /// quotient step here.
    ///
    /// # Errors
    /// [`ProveError::Synthesis`] when the domain is too small or the assignment does not fit.
    pub fn quotient(&self, full: &[Fr]) -> Result<Vec<Fr>, ProveError> {
        match self.reduction {
            QapReduction::Libsnark if self.own_fft && self.tables.is_some() => {
                let tables = self.tables.as_ref().ok_or_else(|| {
                    ProveError::Synthesis("no evaluation domain for the quotient".into())
                })?;
                return tables.compute_compact(&self.compact, full).ok_or_else(|| {
                    ProveError::Synthesis(
                        "the assignment does not fit the constraint matrices".into(),
                    )
                });
            }
            QapReduction::Libsnark => {
                LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
                    &self.matrices().matrices,
                    self.compact.num_instance_variables,
                    self.compact.num_constraints(),
                    full,
                )
            }
            // circom's values of A·B − C on the odd powers of a 2n-th root of unity, which a
            // snarkjs `.zkey`'s H query is made for (see `qap_circom`).
            QapReduction::Circom => crate::qap_circom::witness_map_compact(&self.compact, full),
        }
        .map_err(|e| ProveError::Synthesis(e.to_string()))
    }

    /// The first phase as one list of tasks for [`crate::schedule::in_order`]: the quotient
    /// (the longest task), the windows of the G2 MSM for `B`, then the smaller windows of
    /// the G1 MSM for `A`. `None` where a split does not apply (never for scalars from
    /// `into_bigint`); the caller then runs the plain MSMs.
    fn scheduled_phase(
        &self,
        pk: &ProvingKey<Bn254>,
        full: &[Fr],
        scalars: &[<Fr as PrimeField>::BigInt],
        b_scalars: &[<Fr as PrimeField>::BigInt],
    ) -> Option<FirstPhase> {
        let start = Stopwatch::start();
        let (a, b) = join(
            true,
            || crate::msm::glv::windows(&pk.a_query, scalars),
            || crate::msm::psi4::windows(&self.b_g2_bases, b_scalars),
        );
        let (a, b) = (a?, b?);
        let (na, nb) = (a.count(), b.count());
        let done = crate::schedule::in_order(1 + nb + na, |i| {
            let result = match i {
                0 => Done::Quotient(self.quotient(full)),
                i if i <= nb => Done::B(b.sum(i - 1)),
                i => Done::A(a.sum(i - 1 - nb)),
            };
            (result, start.elapsed())
        });
        let (mut h, mut a_sums, mut b_sums) = (None, Vec::new(), Vec::new());
        let mut finished = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
        for (result, at) in done {
            match result {
                Done::Quotient(q) => {
                    h = Some(q);
                    finished.0 = at;
                }
                Done::A(sum) => {
                    a_sums.push(sum);
                    finished.1 = finished.1.max(at);
                }
                Done::B(sum) => {
                    b_sums.push(sum);
                    finished.2 = finished.2.max(at);
                }
            }
        }
        let h = h.unwrap_or_else(|| Err(ProveError::Synthesis("no quotient task ran".into())));
        Some((h, a.combine(&a_sums), b.combine(&b_sums), finished))
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
        let start = Stopwatch::start();
        // 1. Witness only: no constraint is stored, no linear combination is inlined.
        let assignment = Assignment::of(circuit)?;
        let witness = start.elapsed();
        let (proof, mut t) = self.prove_assignment(pk, &assignment, rng)?;
        t.witness = witness;
        t.total += witness;
        Ok((proof, t))
    }

    /// Proves from a full assignment computed earlier ([`Assignment::of`]), e.g. while the
    /// keys were loading. The assignment must be of the circuit the matrices came from; a
    /// wrong one gives a proof the verifier rejects (the callers in this crate verify every
    /// proof before returning it).
    ///
    /// # Errors
    /// [`ProveError::Synthesis`] when the assignment does not fit the key or the matrices.
    pub fn prove_assignment<R: RngCore + CryptoRng>(
        &self,
        pk: &ProvingKey<Bn254>,
        assignment: &Assignment,
        rng: &mut R,
    ) -> Result<(Proof<Bn254>, ProveTimings), ProveError> {
        let start = Stopwatch::start();
        let mut t = ProveTimings::default();
        let n_inst = self.compact.num_instance_variables;
        let full = &assignment.full;
        if assignment.num_instance != n_inst || full.len() != pk.a_query.len() {
            return Err(ProveError::Synthesis(format!(
                "the circuit has {} inputs and {} witnesses, the key expects {} variables",
                assignment.num_instance,
                full.len().saturating_sub(assignment.num_instance),
                pk.a_query.len()
            )));
        }

        // 2. The quotient h(X) = (A(X)B(X) - C(X)) / Z(X) ([`Self::quotient`]), and
        // 3. the MSMs. With z the assignment (z_0 = 1), ark-groth16 computes
        //      A  = alpha + sum z_i a_i + r delta            (G1)
        //      B  = beta  + sum z_i b_i + s delta            (G2, and B1 the same in G1)
        //      C  = s A + r B1 - r s delta + sum_{aux} z_i l_i + sum_j h_j H_j
        //    B1 only ever enters C, as r * B1, so r * sum z_i b1_i + sum z_i l_i + sum h_j H_j
        //    is ONE MSM over the concatenated bases with scalars (r z_i | z_i | h_j): larger
        //    MSMs amortize Pippenger's bucket sums better. Bases at infinity (variables that
        //    appear in no B constraint) are dropped once, in `from_matrices`.
        //    The MSMs for A and B do not need h: they run while the quotient's FFTs run, so
        //    both cores stay busy (each step is itself parallel; rayon's work stealing
        //    interleaves them).
        let r = Fr::rand(rng);
        let s = Fr::rand(rng);
        let scalars = bigints(full);
        let b_scalars: Vec<_> = self.b_index.iter().map(|&i| scalars[i]).collect();
        let phase = if self.msm == MsmImpl::BatchAffine && self.overlap && self.schedule {
            self.scheduled_phase(pk, full, &scalars, &b_scalars)
        } else {
            None
        };
        let (h, msm_a, msm_b) = match phase {
            Some((h, msm_a, msm_b, times)) => {
                (t.quotient, t.msm_a, t.msm_b_g2) = times;
                (h, msm_a, msm_b)
            }
            None => {
                let ((h, t_quotient), ((msm_a, t_a), (msm_b, t_b))) = join(
                    self.overlap,
                    || {
                        let step = Stopwatch::start();
                        (self.quotient(full), step.elapsed())
                    },
                    || {
                        join(
                            self.overlap,
                            || {
                                let step = Stopwatch::start();
                                (msm_g1(self.msm, &pk.a_query, &scalars), step.elapsed())
                            },
                            || {
                                let step = Stopwatch::start();
                                let sum = msm_g2(self.msm, &self.b_g2_bases, &b_scalars);
                                (sum, step.elapsed())
                            },
                        )
                    },
                );
                (t.quotient, t.msm_a, t.msm_b_g2) = (t_quotient, t_a, t_b);
                (h, msm_a, msm_b)
            }
        };
        let h = h?;
        let g_a = pk.vk.alpha_g1 + pk.delta_g1 * r + msm_a;
        let g2_b: G2Projective = pk.vk.beta_g2 + pk.vk.delta_g2 * s + msm_b;

        let step = Stopwatch::start();
        let rb: Vec<Fr> = self.b_index.iter().map(|&i| full[i] * r).collect();
        let mut c_scalars = bigints(&rb);
        c_scalars.extend_from_slice(&scalars[n_inst..]);
        c_scalars.extend(bigints(&h));
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
