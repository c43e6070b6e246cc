//! What a borrower or member does, on JSON strings in the CLI's formats
//! (`docs/formats.md`): make an identity, import a credential, pre-check a policy, prove,
//! verify.

use crate::WalletError;
use ark_bn254::Fr;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zkcredit_circuits::credential::attribute_names;
use zkcredit_circuits::field::to_decimal;
use zkcredit_circuits::files::{IdentityFile, RegistryFile};
use zkcredit_circuits::prelude::*;
use zkcredit_prover::{MembershipInput, PolicyInput, ProveError, ProvingKeys};
use zkcredit_verifier::encoding::text_or_fr;
use zkcredit_verifier::{Envelope, VerifierKey};

fn parse<T: for<'de> Deserialize<'de>>(what: &'static str, json: &str) -> Result<T, WalletError> {
    serde_json::from_str(json)
        .map_err(|e| WalletError::input(what, format!("not a valid {what} file: {e}")))
}

/// A new identity from `rng` (the browser's crypto in wasm), as the CLI's identity file.
pub fn new_identity<R: RngCore + CryptoRng>(rng: &mut R) -> IdentityFile {
    IdentityFile::new(&Identity::random(rng))
}

/// Reads an identity file, checking its commitment against its secret.
///
/// # Errors
/// [`WalletError::Input`] naming `identity`.
pub fn read_identity(json: &str) -> Result<Identity, WalletError> {
    let f: IdentityFile = parse("identity", json)?;
    f.identity().map_err(|e| WalletError::input("identity", e))
}

/// Reads a credential file as the CLI does (`expires_at` after `issued_at`).
///
/// # Errors
/// [`WalletError::Input`] naming `credential`.
pub fn read_credential(json: &str) -> Result<Credential, WalletError> {
    let c: Credential = parse("credential", json)?;
    if c.expires_at <= c.issued_at {
        return Err(WalletError::input(
            "credential",
            format!(
                "expires_at {} is not after issued_at {}",
                c.expires_at, c.issued_at
            ),
        ));
    }
    Ok(c)
}

/// Reads a registry (or members) file and rebuilds its tree.
///
/// # Errors
/// [`WalletError::Input`] naming `what`.
pub fn read_tree(what: &'static str, json: &str) -> Result<MerkleTree, WalletError> {
    let f: RegistryFile = parse(what, json)?;
    f.tree().map_err(|e| WalletError::input(what, e))
}

/// What the page shows about an imported credential. No attribute values: the page has
/// the credential file itself for that.
#[derive(Clone, Debug, Serialize)]
pub struct CredentialSummary {
    /// The credential's commitment `C`.
    pub commitment: String,
    /// Its registry leaf `Poseidon(issuer, C)`.
    pub leaf: String,
    /// The issuer id.
    pub issuer: String,
    /// The schema and its attribute names, in order.
    pub schema: u64,
    /// Attribute names of the schema.
    pub attribute_names: Vec<String>,
    /// Issue and expiry times, unix seconds.
    pub issued_at: u64,
    /// Expiry (exclusive), unix seconds.
    pub expires_at: u64,
    /// Whether the leaf is in the given registry (`None` without a registry).
    pub attested: Option<bool>,
}

/// Imports a credential for an identity: the credential must be issued to this identity's
/// commitment; its commitment and leaf are recomputed; with a registry, whether the leaf is
/// attested there.
///
/// # Errors
/// [`WalletError::Input`] for a bad file; [`WalletError::Statement`] when the credential's
/// subject is another identity.
pub fn import_credential(
    identity_json: &str,
    credential_json: &str,
    registry_json: Option<&str>,
) -> Result<CredentialSummary, WalletError> {
    let id = read_identity(identity_json)?;
    let c = read_credential(credential_json)?;
    if c.subject != id.commitment() {
        return Err(WalletError::Statement(format!(
            "this credential was issued to identity {}, not to yours ({})",
            to_decimal(&c.subject),
            to_decimal(&id.commitment())
        )));
    }
    let attested = registry_json
        .map(|r| read_tree("registry", r).map(|t| t.position(&c.leaf()).is_some()))
        .transpose()?;
    Ok(CredentialSummary {
        commitment: to_decimal(&c.commitment()),
        leaf: to_decimal(&c.leaf()),
        issuer: to_decimal(&c.issuer),
        schema: c.schema,
        attribute_names: attribute_names(c.schema).to_vec(),
        issued_at: c.issued_at,
        expires_at: c.expires_at,
        attested,
    })
}

/// Everything a policy proof (or its pre-check) takes, as one JSON object whose fields are
/// the CLI's files: `{"identity": {…}, "credential": {…}, "registry": {…}, "policy": {…},
/// "now": 1800000000, "request": {…}, "scope": "pool-1"}`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRequest {
    /// The identity file.
    pub identity: serde_json::Value,
    /// The credential file.
    pub credential: serde_json::Value,
    /// The registry file holding the credential's leaf (the proof uses its current root).
    pub registry: serde_json::Value,
    /// The lender's policy file.
    pub policy: serde_json::Value,
    /// Time at which the credential must be unexpired, unix seconds.
    pub now: u64,
    /// The loan request the proof binds (not needed by the pre-check).
    #[serde(default)]
    pub request: Option<serde_json::Value>,
    /// The nullifier scope, decimal or text (hashed as the CLI does; not needed by the
    /// pre-check).
    #[serde(default)]
    pub scope: Option<String>,
    /// Freshness: the credential must have been issued at or after this time (default 0).
    #[serde(default)]
    pub issued_after: u64,
    /// Whom the holder binding is for, decimal or text: "0" (the default) binds the identity
    /// commitment (the co-op), a lender's scope a per-lender pseudonym.
    #[serde(default)]
    pub holder_scope: Option<String>,
}

struct PolicyParts {
    identity: Identity,
    credential: Credential,
    tree: MerkleTree,
    policy: Policy,
}

impl PolicyRequest {
    fn parts(&self) -> Result<PolicyParts, WalletError> {
        let identity = read_identity(&self.identity.to_string())?;
        let credential = read_credential(&self.credential.to_string())?;
        let tree = read_tree("registry", &self.registry.to_string())?;
        let policy: Policy = parse("policy", &self.policy.to_string())?;
        if policy.clauses.is_empty() || policy.clauses.len() > NUM_CLAUSES {
            return Err(WalletError::input(
                "policy",
                format!(
                    "a policy has 1 to {NUM_CLAUSES} clauses, this one has {}",
                    policy.clauses.len()
                ),
            ));
        }
        Ok(PolicyParts {
            identity,
            credential,
            tree,
            policy,
        })
    }
}

fn statement_error(e: ProveError) -> WalletError {
    match e {
        ProveError::Statement(msg) => WalletError::Statement(msg),
        e => WalletError::Prove(e),
    }
}

/// The outcome of the native pre-check, for the page.
#[derive(Clone, Debug, Serialize)]
pub struct Precheck {
    /// Whether the credential satisfies the policy (and is unexpired, attested, yours).
    pub qualifies: bool,
    /// Why not, in words: the failing rule (e.g. `clause 0 (score - 650 >= 0) fails: …`).
    pub reason: Option<String>,
    /// The failing clause (0-based), when a clause is the reason.
    pub clause: Option<usize>,
}

/// The native pre-check: does this credential qualify under this policy, and if not, which
/// rule fails? Runs the prover's own check (`zkcredit_prover::check_policy`).
///
/// # Errors
/// [`WalletError::Input`] for a bad input; a false statement is not an error but
/// `qualifies: false`.
pub fn precheck_policy(json: &str) -> Result<Precheck, WalletError> {
    let req: PolicyRequest = parse("policy request", json)?;
    let p = req.parts()?;
    let Some(index) = p.tree.position(&p.credential.leaf()) else {
        return Ok(Precheck {
            qualifies: false,
            reason: Some(format!(
                "credential not in registry: its leaf {} is not attested in the registry \
                 (not attested, revoked, or another registry)",
                to_decimal(&p.credential.leaf())
            )),
            clause: None,
        });
    };
    let input = PolicyInput {
        identity: &p.identity,
        credential: &p.credential,
        path: p
            .tree
            .path(index)
            .map_err(|e| WalletError::input("registry", e))?,
        root: p.tree.root(),
        policy: &p.policy,
        now: req.now,
        request: Fr::from(0u64),
        scope: Fr::from(0u64),
        issued_after: req.issued_after,
        holder_scope: Fr::from(0u64),
    };
    match zkcredit_prover::check_policy(&input) {
        Ok(_) => Ok(Precheck {
            qualifies: true,
            reason: None,
            clause: None,
        }),
        Err(ProveError::Statement(reason)) => Ok(Precheck {
            qualifies: false,
            reason: Some(reason),
            clause: p
                .policy
                .check(p.credential.schema, &p.credential.attrs)
                .err()
                .map(|f| f.clause),
        }),
        Err(e) => Err(WalletError::Prove(e)),
    }
}

pub(crate) fn proof_json(
    keys: &ProvingKeys,
    env: &Envelope,
    created_at: u64,
) -> Result<String, WalletError> {
    let mut text = serde_json::to_string_pretty(&env.to_file(created_at, keys.is_insecure()))
        .map_err(|e| WalletError::input("proof", e))?;
    text.push('\n');
    Ok(text)
}

fn scope(what: &'static str, s: Option<&str>) -> Result<Fr, WalletError> {
    let s = s.ok_or_else(|| WalletError::input(what, "missing"))?;
    text_or_fr(s).map_err(|e| WalletError::input(what, e))
}

/// Proves a policy statement; returns the proof file (the CLI's `PROOF.json`, which
/// `zkcredit verify` reads). `created_at` is the proof file's timestamp (the browser's clock).
///
/// # Errors
/// [`WalletError::Statement`] naming the failing rule; [`WalletError::Input`];
/// [`WalletError::Prove`] for keys of another circuit or depth.
pub fn prove_policy<R: RngCore + CryptoRng>(
    keys: &ProvingKeys,
    json: &str,
    created_at: u64,
    rng: &mut R,
) -> Result<String, WalletError> {
    let req: PolicyRequest = parse("policy request", json)?;
    let p = req.parts()?;
    let request: LoanRequest = parse(
        "request",
        &req.request
            .as_ref()
            .ok_or_else(|| WalletError::input("request", "missing"))?
            .to_string(),
    )?;
    let scope = scope("scope", req.scope.as_deref())?;
    if !matches!(keys.id, CircuitId::Policy { .. }) {
        return Err(WalletError::Keys(format!(
            "these keys are for {}, not a policy circuit",
            keys.id
        )));
    }
    let index = p.tree.position(&p.credential.leaf()).ok_or_else(|| {
        WalletError::Statement(format!(
            "credential not in registry: its leaf {} is not in the registry",
            to_decimal(&p.credential.leaf())
        ))
    })?;
    let input = PolicyInput {
        identity: &p.identity,
        credential: &p.credential,
        path: p
            .tree
            .path(index)
            .map_err(|e| WalletError::input("registry", e))?,
        root: p.tree.root(),
        policy: &p.policy,
        now: req.now,
        request: request.binding(),
        scope,
        issued_after: req.issued_after,
        holder_scope: match req.holder_scope.as_deref() {
            Some(h) => text_or_fr(h).map_err(|e| WalletError::input("holder_scope", e))?,
            None => Fr::from(0u64),
        },
    };
    let env = zkcredit_prover::prove_policy(keys, &input, rng).map_err(statement_error)?;
    proof_json(keys, &env, created_at)
}

/// A membership proof's inputs: `{"identity": {…}, "members": {…}, "scope": "proposal-7",
/// "signal": "yes"}` (scope and signal decimal or text, hashed as the CLI does).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipRequest {
    /// The identity file.
    pub identity: serde_json::Value,
    /// The members file (registry format, leaves are identity commitments).
    pub members: serde_json::Value,
    /// The nullifier scope (e.g. the proposal).
    pub scope: String,
    /// The bound signal (e.g. the vote).
    pub signal: String,
}

/// Proves membership (an anonymous vote); returns the proof file.
///
/// # Errors
/// As [`prove_policy`].
pub fn prove_membership<R: RngCore + CryptoRng>(
    keys: &ProvingKeys,
    json: &str,
    created_at: u64,
    rng: &mut R,
) -> Result<String, WalletError> {
    let req: MembershipRequest = parse("membership request", json)?;
    let identity = read_identity(&req.identity.to_string())?;
    let tree = read_tree("members", &req.members.to_string())?;
    let scope = scope("scope", Some(&req.scope))?;
    let signal = scope_signal(&req.signal)?;
    let index = tree.position(&identity.commitment()).ok_or_else(|| {
        WalletError::Statement(format!(
            "not a member: identity commitment {} is not in the member tree",
            to_decimal(&identity.commitment())
        ))
    })?;
    let input = MembershipInput {
        identity: &identity,
        path: tree
            .path(index)
            .map_err(|e| WalletError::input("members", e))?,
        root: tree.root(),
        scope,
        signal,
    };
    let env = zkcredit_prover::prove_membership(keys, &input, rng).map_err(statement_error)?;
    proof_json(keys, &env, created_at)
}

fn scope_signal(s: &str) -> Result<Fr, WalletError> {
    text_or_fr(s).map_err(|e| WalletError::input("signal", e))
}

/// What [`verify_proof`] reports of a valid proof.
#[derive(Clone, Debug, Serialize)]
pub struct Verified {
    /// The circuit the proof is for.
    pub circuit: String,
    /// Its public inputs, named (`root`, `issuer`, …) in the circuit's order.
    pub public_inputs: Vec<(String, String)>,
}

/// Verifies a proof file against a verifying key given as the bytes of `meta.json` and
/// `verifying_key.bin`: the same strict decoding and pairing check as `zkcredit verify`.
///
/// # Errors
/// [`WalletError::Verify`] for a bad key, a malformed proof, a proof for another key, or a
/// proof that fails the check.
pub fn verify_proof(
    meta_json: &[u8],
    vk_bytes: &[u8],
    proof_json: &str,
) -> Result<Verified, WalletError> {
    let key = VerifierKey::from_files(meta_json, vk_bytes)?;
    let env = Envelope::from_json(proof_json)?;
    key.verify(&env)?;
    let names = key
        .circuit()
        .parse::<CircuitId>()
        .map(|id| id.public_input_names())
        .unwrap_or_default();
    Ok(Verified {
        circuit: env.circuit.clone(),
        public_inputs: env
            .public_inputs
            .iter()
            .enumerate()
            .map(|(i, x)| {
                (
                    names
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| format!("input {i}")),
                    to_decimal(x),
                )
            })
            .collect(),
    })
}
