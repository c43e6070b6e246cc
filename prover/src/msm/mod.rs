//! Multi-scalar multiplication for the prover: `sum_i scalars_i * bases_i` over BN254's G1
//! and G2, equal to arkworks' `VariableBaseMSM` for every input (tests compare the two on
//! random and adversarial inputs).
//!
//! - [`buckets`]: Pippenger with signed `c`-bit digits and batch-affine bucket accumulation
//!   (one shared inversion per round), bucket sums combined in XYZZ coordinates.
//! - [`glv`]: the GLV endomorphism `phi(x, y) = (beta x, y) = lambda (x, y)` (on G1, and its
//!   analogue on BN254's G2): every 254-bit scalar becomes two scalars below 2^127 on `P` and
//!   `phi(P)`, which halves the number of windows for twice the points — fewer bucket
//!   reductions and a larger window for the same work. Zero scalars and bases at infinity
//!   are dropped before any window is touched; a small scalar (below 2^64, or its negation)
//!   decomposes to itself and `0`, so it costs one point with only low non-zero digits.
//!
//! - [`psi4`]: on G2, the 4-dimensional split with `psi` (untwist-Frobenius-twist): four
//!   scalars below 2^65 per point, half the windows of the GLV split again.
//!
//! [`msm`] (the prover's default on G1) is the GLV path, [`psi4::msm`] the default on G2; [`msm_with_window`] is the plain one, kept
//! for comparison and tuning (`prover/examples/msm.rs`).

pub mod buckets;
pub mod glv;
pub mod psi4;

pub use buckets::{msm_with_window, window_size, BatchInverse, Curve, Windows};
pub use glv::{msm, msm_glv_with_window};

/// The scalar type of a curve's MSM: the scalar field's big integer.
pub type BigInt<P> = <<P as ark_ec::CurveConfig>::ScalarField as ark_ff::PrimeField>::BigInt;

#[cfg(test)]
mod tests;
