//! zkcredit's co-op node: the ledger's single writer, served over HTTP/JSON.
//!
//! * [`chain`]: the one module that touches the ledger — admission into the persisted
//!   mempool, block production, reads.
//! * [`precheck`]: the stateless half of admission (signatures, strict proof decoding, batch
//!   proof verification), done before the admission thread.
//! * [`api`]: the handlers of API v1 (documented in `docs/api.md` and `node/openapi.json`).
//! * [`verify`]: a lender's check of a proof against expectations (`POST /v1/verify`).
//! * [`views`]: the JSON shapes (field elements as decimal strings, bytes as hex).
//! * [`error`]: the one error type, JSON with a stable code.
//! * [`rate_limit`], [`metrics`]: a per-client token bucket and Prometheus counters.
//! * [`wallet`]: the browser wallet's static files at `/wallet/`, cross-origin isolated.
//!
//! [`Node::start`] binds, spawns the admission pipeline and the block producer, and serves
//! until [`Node::shutdown`] or, with [`serve_until_signal`], SIGINT/SIGTERM. A submission goes
//! through three stages, each working on many submissions at once:
//! 1. its handler checks the signatures and decodes the proof strictly, on the blocking pool
//!    (submissions in parallel);
//! 2. the verification thread batch-verifies the proofs of whatever decoded submissions are
//!    waiting (one pairing check per circuit, itself parallel);
//! 3. the admission thread takes whatever checked submissions are waiting, runs the checks
//!    against the state and the mempool and writes the admitted ones durably in one write
//!    transaction (group commit), then answers each.
//!
//! Stage 2 of the next batch runs while stage 3 waits for the disk.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod chain;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod precheck;
pub mod rate_limit;
pub mod verify;
pub mod views;
pub mod wallet;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chain::{Chain, Clock, PoolLimits};
use error::ApiError;
use metrics::Metrics;
use precheck::{Checked, Decoded};
use rate_limit::RateLimiter;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use zkcredit_ledger::{Hash, Ledger, LedgerError, Tx};

/// How a node runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// The ledger directory (must hold a ledger).
    pub dir: PathBuf,
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Seconds between block attempts (no block when the mempool is empty).
    pub block_interval: Duration,
    /// Largest request body, bytes.
    pub max_body: usize,
    /// Longest time to answer a request.
    pub request_timeout: Duration,
    /// Requests per second per client IP (0: no limit).
    pub rate_per_sec: u32,
    /// Burst per client IP.
    pub rate_burst: u32,
    /// Origins allowed by CORS (none: no CORS headers at all).
    pub cors_origins: Vec<String>,
    /// Mempool bounds.
    pub pool: PoolLimits,
    /// Where block times come from.
    pub clock: Clock,
    /// A directory of static files served at `/wallet/` (the browser wallet: its page, wasm
    /// and proving keys), with the cross-origin isolation headers its threads need.
    pub wallet_dir: Option<PathBuf>,
}

impl Config {
    /// Defaults for a ledger in `dir` listening on `listen`.
    pub fn new(dir: PathBuf, listen: SocketAddr) -> Self {
        Self {
            dir,
            listen,
            block_interval: Duration::from_secs(2),
            max_body: 64 * 1024,
            request_timeout: Duration::from_secs(10),
            rate_per_sec: 200,
            rate_burst: 400,
            cors_origins: Vec::new(),
            pool: PoolLimits::default(),
            clock: Clock::System,
            wallet_dir: None,
        }
    }
}

/// Why the node could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The ledger could not be opened.
    #[error("opening the ledger in {dir}: {source}")]
    Ledger {
        /// The directory.
        dir: PathBuf,
        /// Why.
        source: LedgerError,
    },
    /// Binding or serving failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A bad configuration value.
    #[error("configuration: {0}")]
    Config(String),
}

type Reply = oneshot::Sender<Result<Hash, ApiError>>;
type ToVerify = (Decoded, Reply);
type Admission = (Checked, Reply);

/// What handlers share.
pub struct App {
    /// The ledger and its mempool.
    pub chain: Arc<Chain>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    limiter: RateLimiter,
    verify_tx: mpsc::Sender<ToVerify>,
}

impl App {
    /// Checks a transaction's signatures and decodes its proof (on the blocking pool), hands
    /// it to the verification and admission threads and waits for its verdict.
    ///
    /// # Errors
    /// The refusal, or 503 when the node is shutting down.
    pub async fn admit(&self, tx: Tx) -> Result<Hash, ApiError> {
        let unavailable = || {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the node is shutting down",
            )
        };
        let chain = self.chain.clone();
        let decoded = tokio::task::spawn_blocking(move || chain.decode(tx))
            .await
            .map_err(ApiError::internal)??;
        let (reply, rx) = oneshot::channel();
        self.verify_tx
            .send((decoded, reply))
            .await
            .map_err(|_| unavailable())?;
        rx.await.map_err(|_| unavailable())?
    }
}

/// Takes whatever is waiting on `rx`, up to 1,024, blocking for the first; `None` once the
/// channel is closed and empty.
fn next_batch<T>(rx: &mut mpsc::Receiver<T>) -> Option<Vec<T>> {
    let first = rx.blocking_recv()?;
    let mut batch = vec![first];
    while batch.len() < 1024 {
        match rx.try_recv() {
            Ok(a) => batch.push(a),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// The verification thread: batch-verifies the proofs of whatever decoded submissions are
/// waiting, answers the refused ones and passes the others on to the admission thread.
fn verification_loop(
    chain: Arc<Chain>,
    mut rx: mpsc::Receiver<ToVerify>,
    admit_tx: mpsc::Sender<Admission>,
) {
    while let Some(batch) = next_batch(&mut rx) {
        let (decoded, replies): (Vec<Decoded>, Vec<Reply>) = batch.into_iter().unzip();
        for (r, reply) in chain.verify(decoded).into_iter().zip(replies) {
            match r {
                Ok(checked) => {
                    // Fails only when the admission thread is gone (shutdown): the reply is
                    // dropped with it and the client gets 503.
                    let _ = admit_tx.blocking_send((checked, reply));
                }
                Err(e) => {
                    let _ = reply.send(Err(e));
                }
            }
        }
    }
}

/// The admission thread: takes whatever checked submissions are waiting (up to 1,024),
/// admits them as one batch — state checks, one durable write — and answers each.
fn admission_loop(chain: Arc<Chain>, mut rx: mpsc::Receiver<Admission>) {
    while let Some(batch) = next_batch(&mut rx) {
        let (txs, replies): (Vec<Checked>, Vec<Reply>) = batch.into_iter().unzip();
        for (r, reply) in chain.admit(txs).into_iter().zip(replies) {
            let _ = reply.send(r);
        }
    }
}

async fn json_errors(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(ip) = ip {
        if !app.limiter.allow(ip) {
            let e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests from this address; slow down",
            );
            app.metrics.request(429);
            return e.into_response();
        }
    }
    let res = next.run(req).await;
    let status = res.status();
    app.metrics.request(status.as_u16());
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        return error::from_status(status).into_response();
    }
    res
}

/// The router of API v1 with its layers.
pub fn router(app: Arc<App>, config: &Config) -> Router {
    let api = Router::new()
        .route("/", get(api::dashboard))
        .route("/openapi.json", get(api::openapi))
        .route("/metrics", get(api::metrics))
        .route("/v1/head", get(api::head))
        .route("/v1/state", get(api::state))
        .route("/v1/tx", post(api::submit))
        .route("/v1/tx/{hash}", get(api::tx_status))
        .route("/v1/blocks", get(api::blocks))
        .route("/v1/blocks/{height}", get(api::block_at))
        .route("/v1/blocks/hash/{hash}", get(api::block_by_hash))
        .route("/v1/pool", get(api::pool))
        .route("/v1/members", get(api::members))
        .route("/v1/members/path/{identity}", get(api::member_path))
        .route("/v1/accounts/{account}", get(api::account))
        .route("/v1/loans", get(api::loans))
        .route("/v1/loans/{id}", get(api::loan))
        .route("/v1/proposals", get(api::proposals))
        .route("/v1/proposals/{id}", get(api::proposal))
        .route("/v1/policies", get(api::policies))
        .route("/v1/registry/roots", get(api::roots))
        .route("/v1/registry/path/{leaf}", get(api::registry_path))
        .route("/v1/plan/loan", get(api::plan_loan))
        .route("/v1/plan/join", get(api::plan_join))
        .route("/v1/plan/vote", get(api::plan_vote))
        .route("/v1/verify", post(verify::verify))
        .with_state(app.clone());
    let api = match &config.wallet_dir {
        Some(dir) => api.merge(wallet::router(dir)),
        None => api,
    };
    let mut r = api
        .layer(DefaultBodyLimit::max(config.max_body))
        .layer(RequestBodyLimitLayer::new(config.max_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        // Outside the limits and the timeout, so that their answers become JSON too.
        .layer(middleware::from_fn_with_state(app, json_errors))
        .layer(TraceLayer::new_for_http());
    if !config.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> = config
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        r = r.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
                .allow_headers([header::CONTENT_TYPE]),
        );
    }
    r
}

/// A running node.
pub struct Node {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Shared state (for embedding programs and tests).
    pub app: Arc<App>,
    stop: watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    producer: tokio::task::JoinHandle<()>,
    verification: std::thread::JoinHandle<()>,
    admission: std::thread::JoinHandle<()>,
}

impl Node {
    /// Opens the ledger, binds, and starts serving, admitting and producing blocks.
    ///
    /// # Errors
    /// [`NodeError`] when the ledger cannot be opened or the address bound.
    pub async fn start(config: Config) -> Result<Self, NodeError> {
        for o in &config.cors_origins {
            HeaderValue::from_str(o).map_err(|_| {
                NodeError::Config(format!("CORS origin {o:?} is not a header value"))
            })?;
        }
        if let Some(dir) = &config.wallet_dir {
            wallet::check_dir(dir).map_err(NodeError::Config)?;
        }
        if config.block_interval.is_zero() {
            return Err(NodeError::Config("block interval must be positive".into()));
        }
        let dir = config.dir.clone();
        let ledger = tokio::task::spawn_blocking(move || Ledger::open(&dir))
            .await
            .map_err(|e| NodeError::Config(e.to_string()))?
            .map_err(|source| NodeError::Ledger {
                dir: config.dir.clone(),
                source,
            })?;
        let metrics = Arc::new(Metrics::default());
        let chain = Arc::new(
            Chain::new(
                ledger,
                config.pool.clone(),
                config.clock.clone(),
                metrics.clone(),
            )
            .map_err(|source| NodeError::Ledger {
                dir: config.dir.clone(),
                source,
            })?,
        );
        let (admit_tx, admit_rx) = mpsc::channel::<Admission>(16_384);
        let (verify_tx, verify_rx) = mpsc::channel::<ToVerify>(16_384);
        let c = chain.clone();
        let admission = std::thread::Builder::new()
            .name("admission".into())
            .spawn(move || admission_loop(c, admit_rx))?;
        let c = chain.clone();
        let verification = std::thread::Builder::new()
            .name("verification".into())
            .spawn(move || verification_loop(c, verify_rx, admit_tx))?;
        let app = Arc::new(App {
            chain: chain.clone(),
            metrics,
            limiter: RateLimiter::new(config.rate_per_sec, config.rate_burst),
            verify_tx,
        });
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let (stop, stop_rx) = watch::channel(false);
        let mut srv_stop = stop_rx.clone();
        let router = router(app.clone(), &config);
        let server = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = srv_stop.wait_for(|s| *s).await;
            })
            .await
        });
        let producer = tokio::spawn(produce_loop(chain, config.block_interval, stop_rx));
        tracing::info!(%addr, "node listening");
        Ok(Self {
            addr,
            app,
            stop,
            server,
            producer,
            verification,
            admission,
        })
    }

    /// Stops accepting connections, finishes the requests in flight, the admission batch and
    /// the block being produced, and returns once the ledger is closed (so the directory can
    /// be opened again at once). Embedders must have dropped their clones of [`Node::app`].
    ///
    /// # Errors
    /// The server's I/O error, if it failed.
    pub async fn shutdown(self) -> Result<(), NodeError> {
        let Self {
            stop,
            server,
            producer,
            verification,
            admission,
            app,
            ..
        } = self;
        let _ = stop.send(true);
        let served = server.await;
        let _ = producer.await;
        // The last sender of the verification channel goes with the last `App`: the
        // verification thread then ends, dropping the admission channel's sender, and the
        // admission thread ends and drops its handle on the ledger.
        drop(app);
        let _ = tokio::task::spawn_blocking(move || {
            let _ = verification.join();
            admission.join()
        })
        .await;
        match served {
            Ok(r) => Ok(r?),
            Err(e) => Err(NodeError::Config(e.to_string())),
        }
    }
}

async fn produce_loop(chain: Arc<Chain>, every: Duration, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let c = chain.clone();
        match tokio::task::spawn_blocking(move || c.produce()).await {
            Ok(Ok(Some(p))) => tracing::info!(
                height = p.block.header.height,
                txs = p.block.txs.len(),
                rejected = p.rejected.len(),
                proofs = p.proofs,
                "block produced"
            ),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "block production failed"),
            Err(e) => tracing::error!(error = %e, "block producer panicked"),
        }
    }
}

/// Runs a node until SIGINT or SIGTERM, then shuts it down cleanly. `on_start` is told the
/// bound address.
///
/// # Errors
/// As [`Node::start`] and [`Node::shutdown`].
pub async fn serve_until_signal(
    config: Config,
    on_start: impl FnOnce(SocketAddr),
) -> Result<(), NodeError> {
    let node = Node::start(config).await?;
    on_start(node.addr);
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await?;
    tracing::info!("shutting down");
    node.shutdown().await
}
