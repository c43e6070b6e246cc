//! The JavaScript API (wasm-bindgen). Files travel as JSON strings and key files as bytes;
//! every error becomes a JS `Error` whose message names the input that is wrong.

use crate::{keys, ledger, wallet};
use wasm_bindgen::prelude::*;
use zkcredit_prover::ProvingKeys;

/// Starts the rayon thread pool on `n` Web Workers (the `threads` build only); await it once
/// before proving.
#[cfg(feature = "threads")]
#[allow(unused_imports)] // exported to JS (`initThreadPool`) by its own #[wasm_bindgen]
pub use wasm_bindgen_rayon::init_thread_pool;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// Runs when the module is instantiated: a panic (a bug, never a bad input) is written to the
/// console before the wasm traps, so a report says where it happened.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error(&format!("zkcredit-wallet: {info}"))
    }));
}

/// Whether this build proves on several threads.
#[wasm_bindgen(js_name = hasThreads)]
pub fn has_threads() -> bool {
    cfg!(feature = "threads")
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, JsError> {
    serde_json::to_string(value).map_err(|e| JsError::new(&e.to_string()))
}

/// Seconds since the epoch, from JS (`Date.now() / 1000`), as a u64.
fn seconds(t: f64) -> Result<u64, JsError> {
    if !(t.is_finite() && t >= 0.0 && t < 2f64.powi(53)) {
        return Err(JsError::new(&format!(
            "time {t} is not a unix time in seconds"
        )));
    }
    // Truncation intended: whole seconds.
    Ok(t as u64)
}

/// A new identity file (JSON), its secret drawn from `crypto.getRandomValues`.
#[wasm_bindgen(js_name = newIdentity)]
pub fn new_identity() -> Result<String, JsError> {
    json(&wallet::new_identity(&mut rand::rngs::OsRng))
}

/// The public commitment of an identity file, after checking the file.
#[wasm_bindgen(js_name = identityCommitment)]
pub fn identity_commitment(identity_json: &str) -> Result<String, JsError> {
    let id = wallet::read_identity(identity_json)?;
    Ok(zkcredit_circuits::field::to_decimal(&id.commitment()))
}

/// Imports a credential file for an identity (see `wallet::import_credential`); returns
/// the summary as JSON.
#[wasm_bindgen(js_name = importCredential)]
pub fn import_credential(
    identity_json: &str,
    credential_json: &str,
    registry_json: Option<String>,
) -> Result<String, JsError> {
    json(&wallet::import_credential(
        identity_json,
        credential_json,
        registry_json.as_deref(),
    )?)
}

/// The native pre-check of a policy request (JSON); returns `{qualifies, reason, clause}`.
#[wasm_bindgen(js_name = precheckPolicy)]
pub fn precheck_policy(request_json: &str) -> Result<String, JsError> {
    json(&wallet::precheck_policy(request_json)?)
}

/// Hex BLAKE2b-256 of downloaded bytes (the hash `meta.json` publishes).
#[wasm_bindgen(js_name = blake2b256Hex)]
pub fn blake2b256_hex(bytes: &[u8]) -> String {
    keys::hash_hex(bytes)
}

/// Checks proving-key bytes against the `pk_hash` of `meta.json` (before caching them).
#[wasm_bindgen(js_name = checkProvingKey)]
pub fn check_proving_key(meta_json: &[u8], pk_bytes: &[u8]) -> Result<(), JsError> {
    let meta = keys::meta(meta_json)?;
    keys::check_pk_hash(&meta, pk_bytes)?;
    Ok(())
}

/// Verifies a proof file against `meta.json` and `verifying_key.bin`; returns the circuit
/// and its named public inputs as JSON, or throws saying why the proof is refused.
#[wasm_bindgen(js_name = verifyProof)]
pub fn verify_proof(
    meta_json: &[u8],
    vk_bytes: &[u8],
    proof_json: &str,
) -> Result<String, JsError> {
    json(&wallet::verify_proof(meta_json, vk_bytes, proof_json)?)
}

/// A whole number from JS (a `Number`), as a u64; `what` names it in the error.
fn whole(what: &str, x: f64) -> Result<u64, JsError> {
    if !(x.is_finite() && x >= 0.0 && x < 2f64.powi(53) && x.fract() == 0.0) {
        return Err(JsError::new(&format!("{what}: {x} is not a whole number")));
    }
    // Exact: checked whole and below 2^53.
    Ok(x as u64)
}

/// A new account key file (JSON `{secret, account}`), drawn from `crypto.getRandomValues`.
#[wasm_bindgen(js_name = newAccount)]
pub fn new_account() -> Result<String, JsError> {
    json(&ledger::new_account(&mut rand::rngs::OsRng))
}

/// The account (hex public key) of an account key file, after checking the file.
#[wasm_bindgen(js_name = accountOf)]
pub fn account_of(account_json: &str) -> Result<String, JsError> {
    Ok(hex::encode(
        ledger::read_account(account_json)?
            .verifying_key()
            .to_bytes(),
    ))
}

/// The pre-check of a ledger application or admission (see `ledger::precheck`): returns
/// `{qualifies, reason}`.
#[wasm_bindgen(js_name = precheckLedger)]
pub fn precheck_ledger(request_json: &str) -> Result<String, JsError> {
    let reason = ledger::precheck(request_json)?;
    Ok(serde_json::json!({"qualifies": reason.is_none(), "reason": reason}).to_string())
}

/// Signs a join (admission proof file `proof_json`); returns `{hash, tx}` for `POST /v1/tx`.
#[wasm_bindgen(js_name = signJoin)]
pub fn sign_join(
    account_json: &str,
    chain_id: &str,
    nonce: f64,
    identity_json: &str,
    deposit: f64,
    proof_json: &str,
) -> Result<String, JsError> {
    let body = ledger::join_body(identity_json, whole("deposit", deposit)?, proof_json)?;
    json(&ledger::sign(
        account_json,
        chain_id,
        whole("nonce", nonce)?,
        body,
    )?)
}

/// Signs a loan application; returns `{hash, tx}` for `POST /v1/tx`.
#[wasm_bindgen(js_name = signApplyLoan)]
#[allow(clippy::too_many_arguments)]
pub fn sign_apply_loan(
    account_json: &str,
    chain_id: &str,
    nonce: f64,
    policy_id: f64,
    amount: f64,
    term: f64,
    rate_bps: f64,
    proof_json: &str,
) -> Result<String, JsError> {
    let body = ledger::apply_body(
        whole("policy_id", policy_id)?,
        whole("amount", amount)?,
        whole("term", term)?,
        whole("rate_bps", rate_bps)?,
        proof_json,
    )?;
    json(&ledger::sign(
        account_json,
        chain_id,
        whole("nonce", nonce)?,
        body,
    )?)
}

/// Signs a vote; returns `{hash, tx}` for `POST /v1/tx`.
#[wasm_bindgen(js_name = signVote)]
pub fn sign_vote(
    account_json: &str,
    chain_id: &str,
    nonce: f64,
    proposal: f64,
    approve: bool,
    proof_json: &str,
) -> Result<String, JsError> {
    let body = ledger::vote_body(whole("proposal", proposal)?, approve, proof_json)?;
    json(&ledger::sign(
        account_json,
        chain_id,
        whole("nonce", nonce)?,
        body,
    )?)
}

/// Loaded proving keys: hash-checked, decoded, constraint matrices synthesized once.
#[wasm_bindgen]
pub struct Prover {
    keys: ProvingKeys,
}

#[wasm_bindgen]
impl Prover {
    /// Loads a keys directory from the bytes of its three files.
    #[wasm_bindgen(constructor)]
    pub fn new(meta_json: &[u8], vk_bytes: &[u8], pk_bytes: &[u8]) -> Result<Prover, JsError> {
        Ok(Self {
            keys: keys::load(meta_json, vk_bytes, pk_bytes)?,
        })
    }

    /// The circuit id, e.g. `policy-d20-k8-c4`.
    #[wasm_bindgen(getter)]
    pub fn circuit(&self) -> String {
        self.keys.id.to_string()
    }

    /// Whether the keys come from a seeded (insecure) setup.
    #[wasm_bindgen(getter)]
    pub fn insecure(&self) -> bool {
        self.keys.is_insecure()
    }

    /// Proves a policy request (JSON); returns the proof file (JSON).
    #[wasm_bindgen(js_name = provePolicy)]
    pub fn prove_policy(&self, request_json: &str, created_at: f64) -> Result<String, JsError> {
        Ok(wallet::prove_policy(
            &self.keys,
            request_json,
            seconds(created_at)?,
            &mut rand::rngs::OsRng,
        )?)
    }

    /// Proves what a node's plan says (loan application or admission; see
    /// `ledger::prove_policy`); returns the proof file (JSON).
    #[wasm_bindgen(js_name = proveLedgerPolicy)]
    pub fn prove_ledger_policy(
        &self,
        request_json: &str,
        created_at: f64,
    ) -> Result<String, JsError> {
        let env = ledger::prove_policy(&self.keys, request_json, &mut rand::rngs::OsRng)?;
        Ok(wallet::proof_json(&self.keys, &env, seconds(created_at)?)?)
    }

    /// Proves a vote as a node's plan says; returns the proof file (JSON).
    #[wasm_bindgen(js_name = proveLedgerVote)]
    pub fn prove_ledger_vote(
        &self,
        request_json: &str,
        created_at: f64,
    ) -> Result<String, JsError> {
        let env = ledger::prove_vote(&self.keys, request_json, &mut rand::rngs::OsRng)?;
        Ok(wallet::proof_json(&self.keys, &env, seconds(created_at)?)?)
    }

    /// Proves a membership request (JSON); returns the proof file (JSON).
    #[wasm_bindgen(js_name = proveMembership)]
    pub fn prove_membership(&self, request_json: &str, created_at: f64) -> Result<String, JsError> {
        Ok(wallet::prove_membership(
            &self.keys,
            request_json,
            seconds(created_at)?,
            &mut rand::rngs::OsRng,
        )?)
    }
}
