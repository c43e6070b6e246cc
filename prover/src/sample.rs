//! A sample borrower for benchmarks and profiles: a bureau-v1 credential that meets a
//! four-clause policy, in a registry with a few other leaves. One definition, so
//! `zkcredit bench`, the criterion benches and the profile all time the same statement.

use crate::{PolicyInput, ProveError};
use ark_std::rand::Rng;
use ark_std::UniformRand;
use zkcredit_circuits::credential::SCHEMA_BUREAU_V1;
use zkcredit_circuits::prelude::*;

/// Time at which [`SampleWorld::input`] proves (the credential runs 1.7e9..1.9e9).
pub const SAMPLE_NOW: u64 = 1_800_000_000;

/// Everything a sample policy proof needs.
pub struct SampleWorld {
    /// The borrower.
    pub identity: Identity,
    /// Their credential (issuer 1).
    pub credential: Credential,
    /// A registry holding three other leaves, then the credential's.
    pub tree: MerkleTree,
    /// Score, debt-to-income after a 400 instalment, reserves, no defaults.
    pub policy: Policy,
    /// The binding of a sample loan request.
    pub request: Fr,
    /// The nullifier scope.
    pub scope: Fr,
}

/// The sample policy: `score >= 650`, debt-to-income after a new instalment of 400 at most
/// 36 %, balance at least three instalments, no defaults.
pub fn sample_policy() -> Policy {
    let mut dti = Clause::default();
    dti.coeffs[1] = 3600; // monthly_income
    dti.coeffs[2] = -10000; // monthly_debt
    dti.constant = -400 * 10000; // the new instalment
    let mut reserve = Clause::default();
    reserve.coeffs[3] = 1;
    reserve.constant = -3 * 400;
    Policy {
        clauses: vec![
            Clause::at_least(0, 650),
            dti,
            reserve,
            Clause::at_most(6, 0),
        ],
    }
}

/// A sample world over a registry of `depth`, with secrets drawn from `rng`.
///
/// # Errors
/// [`ProveError::Circuit`] for a depth outside 2..=32.
pub fn sample_world<R: Rng + ?Sized>(depth: usize, rng: &mut R) -> Result<SampleWorld, ProveError> {
    let identity = Identity::random(rng);
    let credential = Credential {
        schema: SCHEMA_BUREAU_V1,
        issuer: Fr::from(1u64),
        subject: identity.commitment(),
        attrs: [720, 5000, 800, 9000, 36, 1, 0, 48],
        issued_at: 1_700_000_000,
        expires_at: 1_900_000_000,
        salt: Fr::rand(rng),
    };
    let mut tree = MerkleTree::new(depth)?;
    for i in 0..3u64 {
        tree.append(Fr::from(1000 + i))?;
    }
    tree.append(credential.leaf())?;
    let request = LoanRequest {
        chain_id: "zkcredit-bench".into(),
        account: "alice".into(),
        amount: 100_000,
        term: 12,
        rate_bps: 900,
        policy_id: 1,
        nonce: 1,
    };
    Ok(SampleWorld {
        identity,
        credential,
        tree,
        policy: sample_policy(),
        request: request.binding(),
        scope: Fr::from(42u64),
    })
}

impl SampleWorld {
    /// The prover's input for the credential (the last leaf) at [`SAMPLE_NOW`].
    ///
    /// # Errors
    /// Never for a world made by [`sample_world`]; [`ProveError::Circuit`] otherwise.
    pub fn input(&self) -> Result<PolicyInput<'_>, ProveError> {
        Ok(PolicyInput {
            identity: &self.identity,
            credential: &self.credential,
            path: self.tree.path(self.tree.len() - 1)?,
            root: self.tree.root(),
            policy: &self.policy,
            now: SAMPLE_NOW,
            request: self.request,
            scope: self.scope,
            issued_after: self.credential.issued_at,
            holder_scope: Fr::from(7u64),
        })
    }
}
