//! Witness building, the native pre-check, and proving.

use crate::groth16::{Assignment, ProveTimings};
use crate::{ProveError, ProvingKeys};
use ark_relations::gr1cs::ConstraintSynthesizer;
use ark_std::rand::{CryptoRng, RngCore};
use zkcredit_circuits::circuit::{
    MembershipCircuit, MembershipWitness, PolicyCircuit, PolicyWitness,
};
use zkcredit_circuits::field::to_decimal;
use zkcredit_circuits::prelude::*;
use zkcredit_verifier::Envelope;

/// Everything a borrower needs to prove a policy.
#[derive(Clone, Debug)]
pub struct PolicyInput<'a> {
    /// The borrower's identity (the credential's subject).
    pub identity: &'a Identity,
    /// The credential to prove from.
    pub credential: &'a Credential,
    /// Path of the credential's leaf in the registry.
    pub path: MerklePath,
    /// The registry root to prove against (one the verifier accepts).
    pub root: Fr,
    /// The lender's policy.
    pub policy: &'a Policy,
    /// The time at which the credential must be unexpired.
    pub now: u64,
    /// The request binding ([`LoanRequest::binding`]).
    pub request: Fr,
    /// The nullifier scope.
    pub scope: Fr,
    /// Freshness: the credential must have been issued at or after this time (0: any).
    pub issued_after: u64,
    /// Whom the holder binding is for: 0 for the identity commitment (the co-op), a lender's
    /// scope for a per-lender pseudonym.
    pub holder_scope: Fr,
}

/// Evaluates the policy statement natively and builds the circuit's assignment.
///
/// # Errors
/// [`ProveError::Statement`] naming the first rule that fails: the subject, the expiry, the
/// registry, or the clause (with its terms).
pub fn check_policy(
    input: &PolicyInput<'_>,
) -> Result<(PolicyStatement, PolicyWitness), ProveError> {
    let c = input.credential;
    if c.subject != input.identity.commitment() {
        return Err(ProveError::Statement(format!(
            "the credential's subject {} is not this identity's commitment {}",
            to_decimal(&c.subject),
            to_decimal(&input.identity.commitment())
        )));
    }
    if !c.is_valid_at(input.now) {
        return Err(ProveError::Statement(format!(
            "credential expired at {} (now is {}; a credential is valid while now < expires_at)",
            c.expires_at, input.now
        )));
    }
    if c.issued_at < input.issued_after {
        return Err(ProveError::Statement(format!(
            "credential too old: issued at {}, the verifier asks for one issued at or after {}",
            c.issued_at, input.issued_after
        )));
    }
    if input.path.root(c.leaf()) != input.root {
        return Err(ProveError::Statement(format!(
            "credential not in registry: its leaf {} under issuer {} does not open to root {} \
             (not attested, revoked, or the path is for another root)",
            to_decimal(&c.leaf()),
            to_decimal(&c.issuer),
            to_decimal(&input.root)
        )));
    }
    let clauses = input.policy.padded()?;
    input
        .policy
        .check(c.schema, &c.attrs)
        .map_err(|f| ProveError::Statement(f.to_string()))?;
    let statement = PolicyStatement {
        root: input.root,
        issuer: c.issuer,
        schema: c.schema,
        now: input.now,
        issued_after: input.issued_after,
        clauses,
        request: input.request,
        scope: input.scope,
        nullifier: input.identity.nullifier(input.scope),
        holder_scope: input.holder_scope,
        holder: input.identity.holder(input.holder_scope),
    };
    let witness = PolicyWitness::new(input.identity.secret(), c, input.path.clone());
    Ok((statement, witness))
}

fn check_keys(keys: &ProvingKeys, expected: CircuitId) -> Result<(), ProveError> {
    if keys.id != expected {
        return Err(ProveError::WrongCircuit {
            expected: expected.to_string(),
            found: keys.id.to_string(),
        });
    }
    Ok(())
}

/// A statement checked natively and its circuit's full assignment computed: everything of a
/// proof that needs no key, so that a caller can do it while the keys load
/// ([`witness_policy`], [`witness_membership`], then [`prove_witnessed`]).
#[derive(Clone, Debug)]
pub struct Witnessed {
    /// The circuit (and depth) the assignment is for.
    pub id: CircuitId,
    /// The statement's public inputs, in the verifier's order.
    pub public_inputs: Vec<Fr>,
    /// The circuit's full assignment (secret: it holds the identity secret and every
    /// attribute).
    pub assignment: Assignment,
}

fn witnessed<C: ConstraintSynthesizer<Fr>>(
    id: CircuitId,
    public_inputs: Vec<Fr>,
    circuit: C,
) -> Result<Witnessed, ProveError> {
    Ok(Witnessed {
        id,
        public_inputs,
        assignment: Assignment::of(circuit)?,
    })
}

/// Checks a policy statement natively ([`check_policy`]) and computes its circuit's
/// assignment; no key is needed yet.
///
/// # Errors
/// As [`check_policy`]; [`ProveError::Synthesis`] if the circuit fails.
pub fn witness_policy(input: &PolicyInput<'_>) -> Result<Witnessed, ProveError> {
    let depth = input.path.depth();
    let (statement, witness) = check_policy(input)?;
    let public_inputs = statement.public_inputs();
    let circuit = PolicyCircuit::new(depth, statement, witness)?;
    witnessed(CircuitId::Policy { depth }, public_inputs, circuit)
}

/// Checks a membership statement natively ([`check_membership`]) and computes its
/// circuit's assignment; no key is needed yet.
///
/// # Errors
/// As [`check_membership`]; [`ProveError::Synthesis`] if the circuit fails.
pub fn witness_membership(input: &MembershipInput<'_>) -> Result<Witnessed, ProveError> {
    let depth = input.path.depth();
    let (statement, witness) = check_membership(input)?;
    let public_inputs = statement.public_inputs();
    let circuit = MembershipCircuit::new(depth, statement, witness)?;
    witnessed(CircuitId::Membership { depth }, public_inputs, circuit)
}

/// Proves a statement witnessed earlier with `keys`, which must be for the same circuit
/// and depth, and checks the proof against the verifying key before it is returned: a
/// proof that does not verify never leaves this crate (it would mean a bug, not a bad input
/// — the native pre-check already passed).
///
/// # Errors
/// [`ProveError::WrongCircuit`] for keys of another circuit or depth;
/// [`ProveError::Synthesis`] on prover failure.
pub fn prove_witnessed<R: RngCore + CryptoRng>(
    keys: &ProvingKeys,
    witnessed: &Witnessed,
    rng: &mut R,
) -> Result<(Envelope, ProveTimings), ProveError> {
    check_keys(keys, witnessed.id)?;
    let public_inputs = witnessed.public_inputs.clone();
    let (proof, timings) = keys
        .prover
        .prove_assignment(&keys.pk, &witnessed.assignment, rng)?;
    let envelope = Envelope {
        circuit: keys.id.to_string(),
        vk_hash: Some(keys.verifier.vk_hash()),
        public_inputs,
        proof,
    };
    keys.verifier.verify(&envelope).map_err(|e| {
        ProveError::Synthesis(format!(
            "internal error: the new proof does not verify: {e}"
        ))
    })?;
    Ok((envelope, timings))
}

/// Proves a policy statement.
///
/// # Errors
/// [`ProveError::WrongCircuit`] for keys of another circuit or depth; [`ProveError::Statement`]
/// when the statement is false; [`ProveError::Synthesis`] on prover failure.
pub fn prove_policy<R: RngCore + CryptoRng>(
    keys: &ProvingKeys,
    input: &PolicyInput<'_>,
    rng: &mut R,
) -> Result<Envelope, ProveError> {
    prove_policy_timed(keys, input, rng).map(|(e, _)| e)
}

/// [`prove_policy`], also returning where the time went.
///
/// # Errors
/// As [`prove_policy`].
pub fn prove_policy_timed<R: RngCore + CryptoRng>(
    keys: &ProvingKeys,
    input: &PolicyInput<'_>,
    rng: &mut R,
) -> Result<(Envelope, ProveTimings), ProveError> {
    let (depth, start) = (input.path.depth(), crate::groth16::Stopwatch::start());
    check_keys(keys, CircuitId::Policy { depth })?;
    let witnessed = witness_policy(input)?;
    let witness = start.elapsed();
    let (envelope, mut timings) = prove_witnessed(keys, &witnessed, rng)?;
    (timings.witness, timings.total) = (witness, timings.total + witness);
    Ok((envelope, timings))
}

/// Everything a member needs for a membership proof.
#[derive(Clone, Debug)]
pub struct MembershipInput<'a> {
    /// The member's identity; the tree holds its commitment.
    pub identity: &'a Identity,
    /// Path of the member's leaf.
    pub path: MerklePath,
    /// Root of the member tree.
    pub root: Fr,
    /// Nullifier scope (e.g. the proposal id).
    pub scope: Fr,
    /// The bound signal (e.g. the hash of the vote).
    pub signal: Fr,
}

/// Evaluates the membership statement natively and builds the assignment.
///
/// # Errors
/// [`ProveError::Statement`] when the identity is not under the root.
pub fn check_membership(
    input: &MembershipInput<'_>,
) -> Result<(MembershipStatement, MembershipWitness), ProveError> {
    if input.path.root(input.identity.commitment()) != input.root {
        return Err(ProveError::Statement(format!(
            "not a member: identity commitment {} does not open to root {}",
            to_decimal(&input.identity.commitment()),
            to_decimal(&input.root)
        )));
    }
    Ok((
        MembershipStatement {
            root: input.root,
            scope: input.scope,
            nullifier: input.identity.nullifier(input.scope),
            signal: input.signal,
        },
        MembershipWitness {
            secret: input.identity.secret(),
            path: input.path.clone(),
        },
    ))
}

/// Proves a membership statement.
///
/// # Errors
/// As [`prove_policy`].
pub fn prove_membership<R: RngCore + CryptoRng>(
    keys: &ProvingKeys,
    input: &MembershipInput<'_>,
    rng: &mut R,
) -> Result<Envelope, ProveError> {
    prove_membership_timed(keys, input, rng).map(|(e, _)| e)
}

/// [`prove_membership`], also returning where the time went.
///
/// # Errors
/// As [`prove_policy`].
pub fn prove_membership_timed<R: RngCore + CryptoRng>(
    keys: &ProvingKeys,
    input: &MembershipInput<'_>,
    rng: &mut R,
) -> Result<(Envelope, ProveTimings), ProveError> {
    let (depth, start) = (input.path.depth(), crate::groth16::Stopwatch::start());
    check_keys(keys, CircuitId::Membership { depth })?;
    let witnessed = witness_membership(input)?;
    let witness = start.elapsed();
    let (envelope, mut timings) = prove_witnessed(keys, &witnessed, rng)?;
    (timings.witness, timings.total) = (witness, timings.total + witness);
    Ok((envelope, timings))
}
