//! The one error type of the API: an HTTP status, a stable machine-readable code and a message.
//!
//! Every error the node answers is JSON: `{"error": {"code": "...", "message": "..."}}`, and for
//! a transaction the ledger refuses also `"rule"`: the ledger's stable code of the rule that
//! failed (`TxError::code`, e.g. `insufficient_collateral`). Codes and rules are part of API v1
//! and never change meaning; messages are for people and may be reworded.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use zkcredit_ledger::TxError;

/// An API error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code, e.g. `bad_signature`.
    pub code: &'static str,
    /// What is wrong, naming the field.
    pub message: String,
    /// For a refused transaction: the ledger rule that failed ([`TxError::code`]).
    pub rule: Option<&'static str>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<&'a str>,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            rule: None,
        }
    }
    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    /// 422 `not_plannable`: the ledger would refuse such a transaction (the message says why,
    /// e.g. the terms break the policy, or admission is closed).
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "not_plannable", message)
    }
    /// 500 `internal` (the message is logged, not leaked in detail).
    pub fn internal(message: impl std::fmt::Display) -> Self {
        tracing::error!(%message, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the node's log",
        )
    }
    /// The JSON body of an error.
    pub fn json(&self) -> String {
        serde_json::to_string(&Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                rule: self.rule,
            },
        })
        .unwrap_or_else(|_| String::from("{\"error\":{\"code\":\"internal\",\"message\":\"\"}}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            self.json(),
        )
            .into_response()
    }
}

/// The stable code and status of a transaction refused at admission for `e`.
pub fn tx_refused(e: &TxError) -> ApiError {
    let (status, code) = match e {
        TxError::BadSignature | TxError::BadCosignature { .. } => {
            (StatusCode::UNAUTHORIZED, "bad_signature")
        }
        TxError::WrongNonce { .. } => (StatusCode::CONFLICT, "wrong_nonce"),
        TxError::NullifierUsed | TxError::AlreadyVoted => (StatusCode::CONFLICT, "nullifier_used"),
        TxError::MalformedProof(_) => (StatusCode::UNPROCESSABLE_ENTITY, "malformed_proof"),
        TxError::InvalidProof => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_proof"),
        TxError::UnknownRoot => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_root"),
        _ => (StatusCode::UNPROCESSABLE_ENTITY, "rule_failed"),
    };
    ApiError {
        rule: Some(e.code()),
        ..ApiError::new(status, code, e.to_string())
    }
}

/// Turns a non-JSON error answered by a layer (413 from the body limit, 408 from the timeout,
/// 404/405 from routing) into the JSON form with a stable code.
pub fn from_status(status: StatusCode) -> ApiError {
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let reason = status.canonical_reason().unwrap_or("error").to_lowercase();
    ApiError::new(status, code, reason)
}
