//! `zkcredit node`: serve a ledger directory over HTTP/JSON as the co-op's single writer.

use anyhow::{bail, Context, Result};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use zkcredit_node::chain::PoolLimits;
use zkcredit_node::Config;

/// Arguments of `zkcredit node`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ledger directory (made with `zkcredit ledger init`).
    #[arg(long)]
    pub dir: PathBuf,
    /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Seconds between blocks; no block is made while the mempool is empty, unless loans are
    /// due for servicing or a vote has ended (the block's own work).
    #[arg(long, default_value_t = 2.0)]
    pub block_interval: f64,
    /// Largest request body in bytes.
    #[arg(long, default_value_t = 64 * 1024)]
    pub max_body: usize,
    /// Seconds to answer a request before giving up with 408.
    #[arg(long, default_value_t = 10)]
    pub request_timeout: u64,
    /// Requests per second allowed per client IP (0: no limit).
    #[arg(long, default_value_t = 200)]
    pub rate: u32,
    /// Burst of requests allowed per client IP.
    #[arg(long, default_value_t = 400)]
    pub burst: u32,
    /// An origin allowed to call the API from a browser (repeatable); none by default.
    #[arg(long = "cors-origin")]
    pub cors_origins: Vec<String>,
    /// Most pending transactions in the mempool.
    #[arg(long, default_value_t = 50_000)]
    pub max_pending: usize,
    /// Most pending transactions per account.
    #[arg(long, default_value_t = 64)]
    pub max_pending_per_account: usize,
    /// Serve the browser wallet from this directory at /wallet/ (its page, wasm and proving
    /// keys; see docs/wallet.md), cross-origin isolated so that it proves on several threads.
    #[arg(long)]
    pub wallet: Option<PathBuf>,
    /// Most transactions per block.
    #[arg(long, default_value_t = 2_000)]
    pub max_block_txs: usize,
}

/// Runs the node until SIGINT/SIGTERM.
pub fn run(args: &Args) -> Result<ExitCode> {
    if !(args.block_interval > 0.0 && args.block_interval.is_finite()) {
        bail!("--block-interval must be a positive number of seconds");
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ZKCREDIT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let mut config = Config::new(args.dir.clone(), args.listen);
    config.block_interval = Duration::from_secs_f64(args.block_interval);
    config.max_body = args.max_body;
    config.request_timeout = Duration::from_secs(args.request_timeout.max(1));
    config.rate_per_sec = args.rate;
    config.rate_burst = args.burst;
    config.cors_origins = args.cors_origins.clone();
    config.wallet_dir = args.wallet.clone();
    config.pool = PoolLimits {
        max_total: args.max_pending,
        max_per_account: args.max_pending_per_account,
        max_block_txs: args.max_block_txs.max(1),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(zkcredit_node::serve_until_signal(config, |addr| {
        // The one line scripts wait for.
        println!("listening on http://{addr}");
    }))
    .with_context(|| format!("node on {}", args.dir.display()))?;
    Ok(ExitCode::SUCCESS)
}
