//! The handlers of API v1. Each is a small async function over the shared [`App`]; limits,
//! timeouts, CORS, rate limiting and tracing are layers (see [`crate::router`]).

use crate::error::ApiError;
use crate::views;
use crate::App;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use zkcredit_circuits::field::parse_decimal;
use zkcredit_circuits::Fr;
use zkcredit_ledger::{codec, vote_scope, vote_signal, Account, Hash, LedgerError, Tx, TxStatus};

type Shared = State<Arc<App>>;
type ApiResult = Result<Json<Value>, ApiError>;

fn hex32(what: &str, s: &str) -> Result<[u8; 32], ApiError> {
    let b = hex::decode(s).map_err(|e| ApiError::bad_request(format!("{what}: not hex ({e})")))?;
    b.try_into().map_err(|b: Vec<u8>| {
        ApiError::bad_request(format!("{what}: {} bytes, expected 32", b.len()))
    })
}

fn field(what: &str, s: &str) -> Result<Fr, ApiError> {
    parse_decimal(s).map_err(|e| ApiError::bad_request(format!("{what}: {e}")))
}

fn ledger_err(e: LedgerError) -> ApiError {
    match e {
        LedgerError::NotFound(m) => ApiError::not_found(m),
        e => ApiError::internal(e),
    }
}

/// `GET /`: the dashboard.
pub async fn dashboard() -> Html<&'static str> {
    Html(include_str!("../assets/dashboard.html"))
}

/// `GET /openapi.json`.
pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::DOCUMENT,
    )
        .into_response()
}

/// `GET /metrics`.
pub async fn metrics(State(app): Shared) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
        .into_response()
}

/// `GET /v1/head`.
pub async fn head(State(app): Shared) -> ApiResult {
    // The mempool lock is never taken while holding the ledger lock (see `chain`).
    let pending = app.chain.pending_len();
    let l = app.chain.read();
    Ok(Json(json!({
        "chain_id": l.genesis().params.chain_id,
        "height": l.height(),
        "hash": hex::encode(l.head_hash()),
        "time": l.state().core().time,
        "state_hash": hex::encode(l.state_hash()),
        "pending": pending,
    })))
}

/// `GET /v1/state`.
pub async fn state(State(app): Shared) -> ApiResult {
    let l = app.chain.read();
    let s = l.state();
    let c = s.core();
    Ok(Json(json!({
        "chain_id": s.params().chain_id,
        "height": s.height(),
        "time": c.time,
        "state_hash": hex::encode(s.state_hash()),
        "members": c.members.len(),
        "loans": c.loans.len(),
        "proposals": c.proposals.len(),
        "policies": c.policies.len(),
        "issuers": c.issuers.len(),
        "registry_size": c.registry_len,
        "registry_root": views::dec_bytes(&c.registry_root),
        "member_root": views::dec_bytes(&c.member_root),
        "nullifiers": c.nullifier_count,
        "pool": views::pool(s),
        "depth": s.params().depth,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Submit {
    /// Hex of the transaction's canonical encoding, or the transaction as JSON (the signed
    /// transaction file `zkcredit ledger sign` writes).
    tx: Value,
}

/// `POST /v1/tx`: `{"tx": hex}` or `{"tx": {transaction JSON}}` → 202 `{"hash", "status":
/// "pending"}`.
pub async fn submit(State(app): Shared, body: Bytes) -> Result<Response, ApiError> {
    let s: Submit = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_json", e.to_string()))?;
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, "bad_encoding", m);
    let tx: Tx = match s.tx {
        Value::String(h) => {
            let bytes = hex::decode(h.trim()).map_err(|e| bad(format!("tx: not hex ({e})")))?;
            codec::decode(&bytes).map_err(|e| bad(format!("tx: {e}")))?
        }
        v @ Value::Object(_) => serde_json::from_value(v).map_err(|e| bad(format!("tx: {e}")))?,
        _ => return Err(bad("tx: expected hex or a transaction object".into())),
    };
    let hash = app.admit(tx).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"hash": hex::encode(hash), "status": "pending"})),
    )
        .into_response())
}

fn status_json(hash: &Hash, st: &TxStatus) -> Value {
    let mut v = json!({"hash": hex::encode(hash), "status": st.name()});
    match st {
        TxStatus::Pending => {}
        TxStatus::Included { height, index } => {
            v["height"] = json!(height);
            v["index"] = json!(index);
        }
        TxStatus::Rejected {
            height,
            reason,
            code,
        } => {
            v["height"] = json!(height);
            v["reason"] = json!(reason);
            v["rule"] = json!(code);
        }
    }
    v
}

/// `GET /v1/tx/{hash}`: status, and the transaction once included.
pub async fn tx_status(State(app): Shared, Path(hash): Path<String>) -> ApiResult {
    let h = hex32("hash", &hash)?;
    let l = app.chain.read();
    if let Some(st) = l.tx_status(&h).map_err(ApiError::internal)? {
        let mut v = status_json(&h, &st);
        if let TxStatus::Included { height, index } = st {
            let b = l.block(height).map_err(ledger_err)?;
            if let Some(t) = b.txs.get(index as usize) {
                v["tx"] = views::tx(t);
            }
        }
        return Ok(Json(v));
    }
    // Included by other means (e.g. `zkcredit ledger produce`): the tx index knows it.
    if let Some((height, index)) = l.find_tx(&h).map_err(ApiError::internal)? {
        return Ok(Json(status_json(&h, &TxStatus::Included { height, index })));
    }
    Err(ApiError::not_found(format!("no transaction {hash}")))
}

/// Query of `GET /v1/blocks`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Last height to list (default: the head).
    to: Option<u64>,
    /// How many blocks (default 20, at most 100).
    limit: Option<u64>,
}

/// `GET /v1/blocks?to=&limit=`: recent blocks, newest first.
pub async fn blocks(State(app): Shared, Query(r): Query<Range>) -> ApiResult {
    let l = app.chain.read();
    let to = r.to.unwrap_or(l.height()).min(l.height());
    let limit = r.limit.unwrap_or(20).clamp(1, 100);
    let mut out = Vec::new();
    let mut h = to;
    while h >= 1 && (out.len() as u64) < limit {
        let b = l.block(h).map_err(ledger_err)?;
        let mut v = views::block(&b);
        v["txs"] = Value::Array(
            b.txs
                .iter()
                .map(|t| json!({"hash": hex::encode(t.hash()), "kind": t.body.kind()}))
                .collect(),
        );
        out.push(v);
        h -= 1;
    }
    Ok(Json(json!({"height": l.height(), "blocks": out})))
}

/// `GET /v1/blocks/{height}`.
pub async fn block_at(State(app): Shared, Path(height): Path<String>) -> ApiResult {
    let height: u64 = height
        .parse()
        .map_err(|_| ApiError::bad_request(format!("height: {height:?} is not a number")))?;
    let l = app.chain.read();
    Ok(Json(views::block(&l.block(height).map_err(ledger_err)?)))
}

/// `GET /v1/blocks/hash/{hash}`.
pub async fn block_by_hash(State(app): Shared, Path(hash): Path<String>) -> ApiResult {
    let h = hex32("hash", &hash)?;
    let l = app.chain.read();
    let height = l
        .block_height(&h)
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found(format!("no block {hash}")))?;
    Ok(Json(views::block(&l.block(height).map_err(ledger_err)?)))
}

/// `GET /v1/pool`.
pub async fn pool(State(app): Shared) -> ApiResult {
    Ok(Json(views::pool(app.chain.read().state())))
}

/// `GET /v1/members`.
pub async fn members(State(app): Shared) -> ApiResult {
    let l = app.chain.read();
    let c = l.state().core();
    Ok(Json(json!({
        "count": c.members.len(),
        "member_root": views::dec_bytes(&c.member_root),
    })))
}

/// `GET /v1/accounts/{account}`: next nonce (counting pending transactions) and membership.
pub async fn account(State(app): Shared, Path(acct): Path<String>) -> ApiResult {
    let a: Account = hex32("account", &acct)?;
    let pending = app.chain.pending_of(&a);
    let next_nonce = app.chain.next_nonce_of(&a);
    let now = app.chain.clock().now();
    let l = app.chain.read();
    let s = l.state();
    let now = now.max(s.core().time);
    let member = s.member(&a).map(|m| {
        json!({
            "history_attrs": s.history_attrs(&a, now),
            "history_attrs_at": now,
            "identity": views::dec_bytes(&m.identity),
            "index": m.index,
            "capital": m.capital,
            "locked": m.locked,
            "open_proposals": m.open_proposals,
            "joined_at": m.joined_at,
            "history": {
                "loans_repaid": m.history.loans_repaid,
                "principal_repaid": m.history.principal_repaid,
                "on_time": m.history.on_time,
                "late": m.history.late,
                "defaults": m.history.defaults,
                "open_loans": m.history.open_loans,
            },
        })
    });
    Ok(Json(json!({
        "account": acct,
        "nonce": s.nonce(&a),
        "pending": pending,
        "next_nonce": next_nonce,
        "member": member,
    })))
}

/// `GET /v1/loans`.
pub async fn loans(State(app): Shared) -> ApiResult {
    let l = app.chain.read();
    let v: Vec<Value> = l
        .state()
        .core()
        .loans
        .iter()
        .map(|(id, x)| views::loan(*id, x))
        .collect();
    Ok(Json(json!({"loans": v})))
}

fn id(what: &str, s: &str) -> Result<u64, ApiError> {
    s.parse()
        .map_err(|_| ApiError::bad_request(format!("{what}: {s:?} is not a number")))
}

/// `GET /v1/loans/{id}`.
pub async fn loan(State(app): Shared, Path(i): Path<String>) -> ApiResult {
    let i = id("loan id", &i)?;
    let l = app.chain.read();
    let x = l
        .state()
        .loan(i)
        .ok_or_else(|| ApiError::not_found(format!("no loan {i}")))?;
    Ok(Json(views::loan(i, x)))
}

/// `GET /v1/proposals`.
pub async fn proposals(State(app): Shared) -> ApiResult {
    let l = app.chain.read();
    let q = l.state().params().quorum_bps;
    let v: Vec<Value> = l
        .state()
        .core()
        .proposals
        .iter()
        .map(|(id, p)| views::proposal(*id, p, q))
        .collect();
    Ok(Json(json!({"proposals": v})))
}

/// `GET /v1/proposals/{id}`.
pub async fn proposal(State(app): Shared, Path(i): Path<String>) -> ApiResult {
    let i = id("proposal id", &i)?;
    let l = app.chain.read();
    let p = l
        .state()
        .proposal(i)
        .ok_or_else(|| ApiError::not_found(format!("no proposal {i}")))?;
    Ok(Json(views::proposal(i, p, l.state().params().quorum_bps)))
}

/// `GET /v1/policies`.
pub async fn policies(State(app): Shared) -> ApiResult {
    Ok(Json(
        json!({"policies": views::policies(app.chain.read().state())}),
    ))
}

/// `GET /v1/registry/roots`: the accepted registry roots, oldest first.
pub async fn roots(State(app): Shared) -> ApiResult {
    let l = app.chain.read();
    let c = l.state().core();
    Ok(Json(json!({
        "current": views::dec_bytes(&c.registry_root),
        "accepted": c.recent_roots.iter().map(|r| json!({
            "root": views::dec_bytes(&r.root), "since": r.since,
        })).collect::<Vec<_>>(),
        "window_secs": l.state().params().root_window_secs,
    })))
}

fn path_json(p: &zkcredit_circuits::merkle::MerklePath, root: &Fr) -> Value {
    json!({
        "index": p.index,
        "siblings": p
            .siblings
            .iter()
            .map(|level| level.iter().map(views::dec).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
        "root": views::dec(root),
    })
}

/// `GET /v1/registry/path/{leaf}`: a credential's registry path (leaf as a decimal).
pub async fn registry_path(State(app): Shared, Path(leaf): Path<String>) -> ApiResult {
    let leaf = field("leaf", &leaf)?;
    let (p, root) = app
        .chain
        .read()
        .credential_path(&leaf)
        .map_err(ledger_err)?;
    Ok(Json(path_json(&p, &root)))
}

/// `GET /v1/members/path/{identity}`: a member's path in the member tree.
pub async fn member_path(State(app): Shared, Path(identity): Path<String>) -> ApiResult {
    let identity = field("identity", &identity)?;
    let (p, root) = app
        .chain
        .read()
        .member_path(&identity)
        .map_err(ledger_err)?;
    Ok(Json(path_json(&p, &root)))
}

/// Query of `GET /v1/plan/loan`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoanPlan {
    account: String,
    policy_id: u64,
    amount: u64,
    term: u64,
    /// The transaction nonce the application will carry (default: the next one).
    nonce: Option<u64>,
}

/// `GET /v1/plan/loan?account=&policy_id=&amount=&term=[&nonce=]`: what a loan application
/// must prove — every public input of the policy statement the ledger will compare, by name.
/// The nullifier is the prover's own (`Poseidon(s, scope)`).
pub async fn plan_loan(State(app): Shared, Query(q): Query<LoanPlan>) -> ApiResult {
    let a = hex32("account", &q.account)?;
    let next_nonce = app.chain.next_nonce_of(&a);
    let now = app.chain.clock().now();
    let l = app.chain.read();
    let s = l.state();
    let rules = s
        .core()
        .policies
        .get(&q.policy_id)
        .ok_or_else(|| ApiError::not_found(format!("no policy {}", q.policy_id)))?;
    let nonce = q.nonce.unwrap_or(next_nonce);
    let now = now.max(s.core().time);
    let exp = s
        .expected_application(
            &a,
            nonce,
            q.policy_id,
            q.amount,
            q.term,
            rules.rate_bps,
            now,
        )
        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    Ok(Json(json!({
        "circuit": l.keys().policy.circuit(),
        "vk_hash": l.keys().policy.vk_hash_hex(),
        "tx": {"policy_id": q.policy_id, "amount": q.amount, "term": q.term,
               "rate_bps": rules.rate_bps, "nonce": nonce},
        "statement": expected_json(s, &exp, now),
    })))
}

/// The statement a policy proof must make, by name (the plan of `zkcredit_ledger::plan`):
/// `now` is a suggestion — any time in `[block time, block time + time_tolerance]` — and
/// `issued_after` the smallest accepted for it.
fn expected_json(
    s: &zkcredit_ledger::State,
    exp: &zkcredit_ledger::ExpectedPolicy,
    now: u64,
) -> Value {
    json!({
        "root": views::dec_bytes(&s.core().registry_root),
        "accepted_roots": s.accepted_roots().map(|r| views::dec(&r)).collect::<Vec<_>>(),
        "issuer": views::dec(&exp.issuer),
        "schema": exp.schema,
        "now": now,
        "time_tolerance": s.params().time_tolerance,
        "issued_after": exp.min_issued_after(now),
        "max_credential_age": exp.max_credential_age,
        "clauses": exp.clauses.iter().map(|c| json!({
            "coeffs": c.coeffs, "constant": c.constant.to_string(),
        })).collect::<Vec<_>>(),
        "request": views::dec(&exp.request),
        "scope": views::dec(&exp.scope),
        "holder_scope": "0",
        "holder": views::dec(&exp.holder),
    })
}

/// Query of `GET /v1/plan/join`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinPlan {
    account: String,
    identity: String,
    deposit: u64,
    /// The transaction nonce the join will carry (default: the next one).
    nonce: Option<u64>,
}

/// `GET /v1/plan/join?account=&identity=&deposit=[&nonce=]`: what an admission proof must
/// prove (the admission policy, holder = the joining identity, the fixed admission scope).
pub async fn plan_join(State(app): Shared, Query(q): Query<JoinPlan>) -> ApiResult {
    let a = hex32("account", &q.account)?;
    let identity = field("identity", &q.identity)?;
    let next_nonce = app.chain.next_nonce_of(&a);
    let now = app.chain.clock().now();
    let l = app.chain.read();
    let s = l.state();
    let nonce = q.nonce.unwrap_or(next_nonce);
    let now = now.max(s.core().time);
    let exp = s
        .expected_admission(&a, nonce, identity, q.deposit)
        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    Ok(Json(json!({
        "circuit": l.keys().policy.circuit(),
        "vk_hash": l.keys().policy.vk_hash_hex(),
        // The admission policy's id is bound into the request: a wallet recomputes the binding.
        "tx": {"identity": views::dec(&identity), "deposit": q.deposit, "nonce": nonce,
               "policy_id": s.core().admission},
        "statement": expected_json(s, &exp, now),
    })))
}

/// Query of `GET /v1/plan/vote`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VotePlan {
    proposal: u64,
    approve: bool,
    /// The voter's identity commitment (decimal), to get its path in the voters' snapshot.
    identity: Option<String>,
}

/// `GET /v1/plan/vote?proposal=&approve=[&identity=]`: what a vote must prove, and the
/// voter's path in the proposal's snapshot.
pub async fn plan_vote(State(app): Shared, Query(q): Query<VotePlan>) -> ApiResult {
    let l = app.chain.read();
    let s = l.state();
    let p = s
        .proposal(q.proposal)
        .ok_or_else(|| ApiError::not_found(format!("no proposal {}", q.proposal)))?;
    // The voter's path in the proposal's snapshot (the applicant's leaf zeroed), if asked.
    let path = match &q.identity {
        Some(id) => {
            let id = field("identity", id)?;
            let voters = s.proposal_voters(q.proposal).map_err(ledger_err)?;
            let index = voters
                .position(&id)
                .filter(|_| id != Fr::from(0u64))
                .ok_or_else(|| {
                    ApiError::not_found(format!(
                        "identity is not among the voters of proposal {} (not a member then, or the applicant)",
                        q.proposal
                    ))
                })?;
            let p = voters.path(index).map_err(ApiError::internal)?;
            Some(path_json(&p, &voters.root()))
        }
        None => None,
    };
    Ok(Json(json!({
        "circuit": l.keys().membership.circuit(),
        "vk_hash": l.keys().membership.vk_hash_hex(),
        "tx": {"proposal": q.proposal, "approve": q.approve},
        "path": path,
        "statement": {
            "root": views::dec_bytes(&p.member_root),
            "scope": views::dec(&vote_scope(s.params(), q.proposal)),
            "signal": views::dec(&vote_signal(q.proposal, q.approve)),
        },
        "deadline": p.deadline,
    })))
}
