//! `POST /v1/verify`: a lender's check of one proof against what the lender requires, with the
//! semantics of `zkcredit verify` — valid, or refused with every difference named — and the
//! chain's registered keys and state as references (a policy by id, the accepted roots).

use crate::error::ApiError;
use crate::views::dec;
use crate::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use zkcredit_circuits::field::parse_decimal;
use zkcredit_circuits::statement::{MembershipStatement, PolicyStatement};
use zkcredit_circuits::Fr;
use zkcredit_ledger::keys::envelope;
use zkcredit_ledger::{ProofData, ProofKind};

/// The request body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    /// `policy` or `membership` (the chain's circuit of that kind), or its full circuit id.
    circuit: String,
    /// Public inputs, decimal strings, in the circuit's order.
    public_inputs: Vec<String>,
    /// Compressed proof, hex.
    proof: String,
    /// What the lender requires; every field optional.
    #[serde(default)]
    expect: Expect,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// The clauses of this chain policy (policy proofs).
    policy_id: Option<u64>,
    /// Issuer id, decimal (policy proofs).
    issuer: Option<String>,
    /// A root (decimal), or `"accepted"`: one of the chain's accepted registry roots (policy
    /// proofs) or its current member root (membership proofs).
    root: Option<String>,
    /// Request binding, decimal (policy proofs).
    request: Option<String>,
    /// Nullifier scope, decimal.
    scope: Option<String>,
    /// Signal, decimal (membership proofs).
    signal: Option<String>,
    /// The proof's `now` must be this (or, with `max_age`, within `max_age` of it).
    now: Option<u64>,
    /// Seconds allowed between the proof's `now` and `now` (default reference: the clock).
    max_age: Option<u64>,
}

fn fr(what: &str, s: &str) -> Result<Fr, ApiError> {
    parse_decimal(s).map_err(|e| ApiError::bad_request(format!("{what}: {e}")))
}

fn differ(out: &mut Vec<String>, what: &str, found: &Fr, want: &Option<Fr>) {
    if let Some(w) = want {
        if found != w {
            out.push(format!(
                "another {what}: the proof's {what} is {}, required {}",
                dec(found),
                dec(w)
            ));
        }
    }
}

/// `POST /v1/verify`.
pub async fn verify(State(app): State<Arc<App>>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let req: VerifyRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_json", e.to_string()))?;
    let public_inputs = req
        .public_inputs
        .iter()
        .enumerate()
        .map(|(i, s)| fr(&format!("public_inputs[{i}]"), s))
        .collect::<Result<Vec<_>, _>>()?;
    let proof = hex::decode(&req.proof)
        .map_err(|e| ApiError::bad_request(format!("proof: not hex ({e})")))?;
    let e = &req.expect;
    let opt = |what: &str, s: &Option<String>| s.as_deref().map(|s| fr(what, s)).transpose();
    let (issuer, request, scope, signal) = (
        opt("expect.issuer", &e.issuer)?,
        opt("expect.request", &e.request)?,
        opt("expect.scope", &e.scope)?,
        opt("expect.signal", &e.signal)?,
    );
    let now = app.chain.clock().now();
    let l = app.chain.read();
    let keys = l.keys();
    let kind = match req.circuit.as_str() {
        "policy" => ProofKind::Policy,
        "membership" => ProofKind::Membership,
        c if c == keys.policy.circuit() => ProofKind::Policy,
        c if c == keys.membership.circuit() => ProofKind::Membership,
        c => {
            return Err(ApiError::bad_request(format!(
                "circuit: {c:?} is not registered on this chain ({} or {})",
                keys.policy.circuit(),
                keys.membership.circuit()
            )))
        }
    };
    let key = keys.get(kind);
    let data = ProofData {
        public_inputs,
        proof,
    };
    let env = envelope(key, &data).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "malformed_proof",
            e.to_string(),
        )
    })?;
    if let Err(e) = key.verify(&env) {
        return Ok(Json(json!({
            "valid": false,
            "circuit": key.circuit(),
            "refused": [format!("invalid: {e}")],
        })));
    }
    let s = l.state();
    let mut out = Vec::new();
    let root_is =
        |found: &Fr, out: &mut Vec<String>, accepted: &dyn Fn(&Fr) -> bool| match e.root.as_deref()
        {
            None => Ok(()),
            Some("accepted") => {
                if !accepted(found) {
                    out.push(format!(
                        "unknown root: the proof is against root {}, not one the chain accepts",
                        dec(found)
                    ));
                }
                Ok(())
            }
            Some(r) => {
                differ(out, "root", found, &Some(fr("expect.root", r)?));
                Ok::<(), ApiError>(())
            }
        };
    match kind {
        ProofKind::Policy => {
            let st = PolicyStatement::from_public_inputs(&data.public_inputs)
                .map_err(|e| ApiError::bad_request(format!("public_inputs: {e}")))?;
            if let Some(id) = e.policy_id {
                let rules = s
                    .core()
                    .policies
                    .get(&id)
                    .ok_or_else(|| ApiError::not_found(format!("no policy {id}")))?;
                let want = rules.policy().padded().map_err(ApiError::internal)?;
                let bad: Vec<String> = (0..want.len())
                    .filter(|&c| st.clauses[c] != want[c])
                    .map(|c| c.to_string())
                    .collect();
                if !bad.is_empty() {
                    out.push(format!(
                        "another policy: the proof's clause(s) {} differ from policy {id}'s",
                        bad.join(", ")
                    ));
                }
            }
            differ(&mut out, "issuer", &st.issuer, &issuer);
            root_is(&st.root, &mut out, &|r| s.root_accepted(r))?;
            differ(&mut out, "request", &st.request, &request);
            differ(&mut out, "scope", &st.scope, &scope);
            match (e.now, e.max_age) {
                (Some(t), None) if st.now != t => out.push(format!(
                    "another time: the proof's now is {}, required {t}",
                    st.now
                )),
                (t, Some(age)) if st.now.abs_diff(t.unwrap_or(now)) > age => out.push(format!(
                    "stale or future time: the proof's now is {}, more than {age} seconds from {}",
                    st.now,
                    t.unwrap_or(now)
                )),
                _ => {}
            }
        }
        ProofKind::Membership => {
            let st = MembershipStatement::from_public_inputs(&data.public_inputs)
                .map_err(|e| ApiError::bad_request(format!("public_inputs: {e}")))?;
            let member_root = zkcredit_ledger::codec::fr_from_bytes(&s.core().member_root);
            root_is(&st.root, &mut out, &|r| Some(*r) == member_root)?;
            differ(&mut out, "scope", &st.scope, &scope);
            differ(&mut out, "signal", &st.signal, &signal);
        }
    }
    Ok(Json(json!({
        "valid": out.is_empty(),
        "circuit": key.circuit(),
        "refused": out,
    })))
}
