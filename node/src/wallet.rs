//! The browser wallet's static files (`zkcredit node --wallet DIR`): the page, its wasm and
//! the proving keys, served at `/wallet/` from the same origin as API v1 — so the page needs
//! no CORS — with the headers that make it cross-origin isolated (COOP `same-origin`, COEP
//! `require-corp`): without them a browser gives no `SharedArrayBuffer`, and the wallet
//! proves on one thread only.
//!
//! The files are read-only, served by `tower-http`'s `ServeDir` (no directory listing, no
//! path escaping the directory); they change no state.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use std::path::Path;
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// Checks that `dir` looks like a built wallet (has `index.html`).
///
/// # Errors
/// A message naming the directory.
pub fn check_dir(dir: &Path) -> Result<(), String> {
    if dir.join("index.html").is_file() {
        Ok(())
    } else {
        Err(format!(
            "wallet directory {}: no index.html (build it with wallet/build.sh; see docs/wallet.md)",
            dir.display()
        ))
    }
}

async fn isolate(mut res: Response) -> Response {
    let h = res.headers_mut();
    for (name, value) in [
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-embedder-policy", "require-corp"),
        ("cross-origin-resource-policy", "same-origin"),
    ] {
        h.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    // Keys are pinned by hash in the page's own cache; the page and wasm change with releases.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// The routes `/wallet` (a redirect) and `/wallet/…` (the files of `dir`).
pub fn router<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    let files = ServeDir::new(dir);
    let serve = move |mut req: Request| {
        let files = files.clone();
        async move {
            // `/wallet/x` → `/x` in the directory; ServeDir refuses `..` and absolute parts.
            let rest = req.uri().path().strip_prefix("/wallet").unwrap_or("/");
            let rest = if rest.is_empty() { "/" } else { rest };
            let uri = match req.uri().query() {
                Some(q) => format!("{rest}?{q}"),
                None => rest.to_string(),
            };
            match uri.parse::<Uri>() {
                Ok(u) => *req.uri_mut() = u,
                Err(_) => return crate::error::ApiError::bad_request("bad path").into_response(),
            }
            match files.oneshot(req).await {
                Ok(res) => res.map(Body::new),
                Err(never) => match never {},
            }
        }
    };
    Router::new()
        .route("/wallet", get(|| async { Redirect::permanent("/wallet/") }))
        .route("/wallet/", get(serve.clone()))
        .route("/wallet/{*path}", get(serve))
        .layer(axum::middleware::map_response(isolate))
}
