//! The wallet against a co-op node: proofs of exactly what the node's plan API says the
//! ledger will check, and transactions signed with the ledger's own types and signing code
//! (`zkcredit_ledger::Tx::sign`), encoded with its canonical codec — no second copy of the
//! transaction format.
//!
//! The node is not trusted for what the wallet can check itself: before proving, the wallet
//! recomputes the request binding of the transaction it will sign and compares it with the
//! plan's, checks that the holder binding is its own identity, that the Merkle path leads to
//! a root the plan lists as accepted, and that the credential's issuer and schema are the
//! policy's. What it proves is then only ever about the transaction it signs.

use crate::wallet::{read_credential, read_identity};
use crate::WalletError;
use ark_bn254::Fr;
use ed25519_dalek::SigningKey;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zkcredit_circuits::field::{parse_decimal, to_decimal};
use zkcredit_circuits::merkle::MerklePath;
use zkcredit_circuits::policy::{Clause, Policy};
use zkcredit_circuits::request::LoanRequest;
use zkcredit_ledger::{codec, ProofData, Tx, TxBody};
use zkcredit_prover::{MembershipInput, PolicyInput, ProveError, ProvingKeys};
use zkcredit_verifier::Envelope;

fn parse<T: for<'de> Deserialize<'de>>(what: &'static str, json: &str) -> Result<T, WalletError> {
    serde_json::from_str(json).map_err(|e| WalletError::input(what, format!("not valid: {e}")))
}

fn fr(what: &'static str, s: &str) -> Result<Fr, WalletError> {
    parse_decimal(s).map_err(|e| WalletError::input(what, format!("{s:?}: {e}")))
}

// --- accounts -------------------------------------------------------------------------------

/// An account key, in the CLI's key-file format (`zkcredit ledger keygen`): the ed25519
/// secret seed and the account (public key), both hex. The secret never leaves the browser.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountFile {
    /// Hex of the 32-byte secret seed.
    pub secret: String,
    /// Hex of the 32-byte public key: the account.
    pub account: String,
}

/// A new account key from `rng` (the browser's crypto in wasm).
pub fn new_account<R: RngCore + CryptoRng>(rng: &mut R) -> AccountFile {
    let key = SigningKey::generate(rng);
    AccountFile {
        secret: hex::encode(key.to_bytes()),
        account: hex::encode(key.verifying_key().to_bytes()),
    }
}

/// Reads an account key file, checking the account against the secret.
///
/// # Errors
/// [`WalletError::Input`] naming `account key`.
pub fn read_account(json: &str) -> Result<SigningKey, WalletError> {
    let f: AccountFile = parse("account key", json)?;
    let seed: [u8; 32] = hex::decode(&f.secret)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| WalletError::input("account key", "secret is not 32 bytes of hex"))?;
    let key = SigningKey::from_bytes(&seed);
    if hex::encode(key.verifying_key().to_bytes()) != f.account.to_lowercase() {
        return Err(WalletError::input(
            "account key",
            "the account is not the public key of the secret",
        ));
    }
    Ok(key)
}

// --- what the node's plan API says ----------------------------------------------------------

/// A Merkle path as the node serves it (`/v1/registry/path/{leaf}`, `/v1/plan/vote`).
#[derive(Clone, Debug, Deserialize)]
pub struct PathJson {
    /// Leaf index.
    pub index: u64,
    /// Siblings per level, decimal.
    pub siblings: Vec<[String; 3]>,
    /// The root the path leads to, decimal.
    pub root: String,
}

impl PathJson {
    fn parse(&self) -> Result<(MerklePath, Fr), WalletError> {
        let siblings = self
            .siblings
            .iter()
            .map(|level| {
                Ok([
                    fr("path", &level[0])?,
                    fr("path", &level[1])?,
                    fr("path", &level[2])?,
                ])
            })
            .collect::<Result<Vec<_>, WalletError>>()?;
        Ok((
            MerklePath {
                index: self.index,
                siblings,
            },
            fr("path root", &self.root)?,
        ))
    }
}

/// The `statement` of `/v1/plan/loan` and `/v1/plan/join`.
#[derive(Clone, Debug, Deserialize)]
pub struct PlanStatement {
    /// Registry roots the ledger accepts now.
    pub accepted_roots: Vec<String>,
    /// The policy's issuer.
    pub issuer: String,
    /// The policy's schema.
    pub schema: u64,
    /// The node's time.
    pub now: u64,
    /// How far ahead of the block a proof's `now` may be.
    pub time_tolerance: u64,
    /// Freshness bound, seconds.
    pub max_credential_age: Option<u64>,
    /// The clauses, instalment folded in.
    pub clauses: Vec<Clause>,
    /// The request binding, decimal.
    pub request: String,
    /// The nullifier scope, decimal.
    pub scope: String,
    /// The holder binding's scope (0: the co-op).
    pub holder_scope: String,
    /// The holder binding: the applicant's identity commitment.
    pub holder: String,
}

/// What a policy proof for the ledger takes: `{"identity", "credential", "path" (from
/// `/v1/registry/path/{leaf}`), "statement" (from the plan), "request" (the loan request the
/// transaction will carry: chain id, account, amount, term, rate, policy id, nonce)}`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerPolicyRequest {
    /// The identity file.
    pub identity: serde_json::Value,
    /// The credential file.
    pub credential: serde_json::Value,
    /// The credential's registry path.
    pub path: PathJson,
    /// The plan's statement.
    pub statement: PlanStatement,
    /// The transaction's request, whose binding the plan must state.
    pub request: LoanRequest,
}

/// How far ahead of the node's time the proof's `now` is put: the block that includes the
/// transaction comes later than the plan, and the ledger accepts `now` in
/// `[block time, block time + tolerance]`.
fn ahead(tolerance: u64) -> u64 {
    (tolerance / 2).min(120)
}

fn policy_input<'a>(
    req: &LedgerPolicyRequest,
    identity: &'a zkcredit_circuits::identity::Identity,
    credential: &'a zkcredit_circuits::credential::Credential,
    policy: &'a Policy,
) -> Result<PolicyInput<'a>, WalletError> {
    let st = &req.statement;
    if req.request.binding() != fr("statement.request", &st.request)? {
        return Err(WalletError::Statement(
            "the node's plan binds another request than the one this wallet signs".into(),
        ));
    }
    if fr("statement.holder_scope", &st.holder_scope)? != Fr::from(0u64)
        || fr("statement.holder", &st.holder)? != identity.commitment()
    {
        return Err(WalletError::Statement(
            "the node's plan binds the proof to another identity than yours".into(),
        ));
    }
    if credential.subject != identity.commitment() {
        return Err(WalletError::Statement(
            "the credential was issued to another identity".into(),
        ));
    }
    let issuer = fr("statement.issuer", &st.issuer)?;
    if credential.issuer != issuer || credential.schema != st.schema {
        return Err(WalletError::Statement(format!(
            "the policy needs a credential of issuer {} schema {}; yours is of issuer {} schema {}",
            st.issuer,
            st.schema,
            to_decimal(&credential.issuer),
            credential.schema
        )));
    }
    let (path, root) = req.path.parse()?;
    let accepted = st
        .accepted_roots
        .iter()
        .map(|r| fr("statement.accepted_roots", r))
        .collect::<Result<Vec<_>, _>>()?;
    if !accepted.contains(&root) {
        return Err(WalletError::Statement(
            "the registry path leads to a root the ledger does not accept".into(),
        ));
    }
    let now = st.now.saturating_add(ahead(st.time_tolerance));
    Ok(PolicyInput {
        identity,
        credential,
        path,
        root,
        policy,
        now,
        request: req.request.binding(),
        scope: fr("statement.scope", &st.scope)?,
        issued_after: st.max_credential_age.map_or(0, |a| now.saturating_sub(a)),
        holder_scope: Fr::from(0u64),
    })
}

fn statement_error(e: ProveError) -> WalletError {
    match e {
        ProveError::Statement(msg) => WalletError::Statement(msg),
        e => WalletError::Prove(e),
    }
}

fn parts(
    req: &LedgerPolicyRequest,
) -> Result<
    (
        zkcredit_circuits::identity::Identity,
        zkcredit_circuits::credential::Credential,
        Policy,
    ),
    WalletError,
> {
    let identity = read_identity(&req.identity.to_string())?;
    let credential = read_credential(&req.credential.to_string())?;
    let policy = Policy {
        clauses: req.statement.clauses.clone(),
    };
    Ok((identity, credential, policy))
}

/// The native pre-check of a ledger application or admission: `Ok(None)` when the proof
/// would be accepted, `Ok(Some(reason))` naming the failing rule in words.
///
/// # Errors
/// [`WalletError::Input`] for bad inputs.
pub fn precheck(json: &str) -> Result<Option<String>, WalletError> {
    let req: LedgerPolicyRequest = parse("ledger policy request", json)?;
    let (identity, credential, policy) = parts(&req)?;
    let input = match policy_input(&req, &identity, &credential, &policy) {
        Ok(i) => i,
        Err(WalletError::Statement(reason)) => return Ok(Some(reason)),
        Err(e) => return Err(e),
    };
    match zkcredit_prover::check_policy(&input) {
        Ok(_) => Ok(None),
        Err(ProveError::Statement(reason)) => Ok(Some(reason)),
        Err(e) => Err(WalletError::Prove(e)),
    }
}

/// Proves what the plan says (a loan application or an admission); returns the envelope.
///
/// # Errors
/// [`WalletError::Statement`] when the plan is not about this wallet's transaction or the
/// credential does not satisfy it; [`WalletError::Input`]; [`WalletError::Prove`].
pub fn prove_policy<R: RngCore + CryptoRng>(
    keys: &ProvingKeys,
    json: &str,
    rng: &mut R,
) -> Result<Envelope, WalletError> {
    let req: LedgerPolicyRequest = parse("ledger policy request", json)?;
    let (identity, credential, policy) = parts(&req)?;
    let input = policy_input(&req, &identity, &credential, &policy)?;
    zkcredit_prover::prove_policy(keys, &input, rng).map_err(statement_error)
}

/// What a vote proof takes: `{"identity", "plan"}` with the plan of `/v1/plan/vote` (asked
/// with this identity, so that it carries the voter's path).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerVoteRequest {
    /// The identity file.
    pub identity: serde_json::Value,
    /// The path in the proposal's voter snapshot.
    pub path: PathJson,
    /// `{root, scope, signal}`, decimal.
    pub statement: VoteStatement,
}

/// The `statement` of `/v1/plan/vote`.
#[derive(Clone, Debug, Deserialize)]
pub struct VoteStatement {
    /// The voters' snapshot root.
    pub root: String,
    /// The proposal's nullifier scope.
    pub scope: String,
    /// The vote's signal.
    pub signal: String,
}

/// Proves a vote as the plan says; returns the envelope.
///
/// # Errors
/// As [`prove_policy`].
pub fn prove_vote<R: RngCore + CryptoRng>(
    keys: &ProvingKeys,
    json: &str,
    rng: &mut R,
) -> Result<Envelope, WalletError> {
    let req: LedgerVoteRequest = parse("ledger vote request", json)?;
    let identity = read_identity(&req.identity.to_string())?;
    let (path, root) = req.path.parse()?;
    if root != fr("statement.root", &req.statement.root)? {
        return Err(WalletError::Statement(
            "the path leads to another root than the proposal's voters".into(),
        ));
    }
    let input = MembershipInput {
        identity: &identity,
        path,
        root,
        scope: fr("statement.scope", &req.statement.scope)?,
        signal: fr("statement.signal", &req.statement.signal)?,
    };
    zkcredit_prover::prove_membership(keys, &input, rng).map_err(statement_error)
}

// --- transactions ---------------------------------------------------------------------------

/// The ledger's form of a proof file.
///
/// # Errors
/// [`WalletError::Verify`] for a malformed proof file.
pub fn proof_data(proof_json: &str) -> Result<ProofData, WalletError> {
    let env = Envelope::from_json(proof_json)?;
    Ok(ProofData {
        proof: env.proof_bytes(),
        public_inputs: env.public_inputs,
    })
}

/// A signed transaction, ready for `POST /v1/tx`.
#[derive(Clone, Debug, Serialize)]
pub struct SignedTx {
    /// Hex of its hash (what `/v1/tx/{hash}` reports the status of).
    pub hash: String,
    /// Hex of its canonical encoding: the body of `POST /v1/tx` is `{"tx": this}`.
    pub tx: String,
}

/// Signs `body` with the account key for chain `chain_id` at `nonce` (the ledger's
/// `Tx::sign`).
///
/// # Errors
/// [`WalletError::Input`] for a bad key file.
pub fn sign(
    account_json: &str,
    chain_id: &str,
    nonce: u64,
    body: TxBody,
) -> Result<SignedTx, WalletError> {
    let key = read_account(account_json)?;
    let tx = Tx::sign(chain_id, &key, nonce, body);
    Ok(SignedTx {
        hash: hex::encode(tx.hash()),
        tx: hex::encode(codec::encode(&tx)),
    })
}

/// The body of a join: this identity's commitment, the deposit, the admission proof.
///
/// # Errors
/// A bad identity or proof file.
pub fn join_body(
    identity_json: &str,
    deposit: u64,
    proof_json: &str,
) -> Result<TxBody, WalletError> {
    Ok(TxBody::Join {
        identity: read_identity(identity_json)?.commitment(),
        deposit,
        proof: proof_data(proof_json)?,
    })
}

/// The body of a loan application.
///
/// # Errors
/// A bad proof file.
pub fn apply_body(
    policy_id: u64,
    amount: u64,
    term: u64,
    rate_bps: u64,
    proof_json: &str,
) -> Result<TxBody, WalletError> {
    Ok(TxBody::ApplyLoan {
        policy_id,
        amount,
        term,
        rate_bps,
        proof: proof_data(proof_json)?,
    })
}

/// The body of a vote.
///
/// # Errors
/// A bad proof file.
pub fn vote_body(proposal: u64, approve: bool, proof_json: &str) -> Result<TxBody, WalletError> {
    Ok(TxBody::Vote {
        proposal,
        approve,
        proof: proof_data(proof_json)?,
    })
}
