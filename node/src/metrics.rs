//! Counters and gauges served at `/metrics` in the Prometheus text exposition format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The node's metrics (all monotonic counters except the gauges `height` and `mempool`).
#[derive(Debug, Default)]
pub struct Metrics {
    http_requests: AtomicU64,
    http_client_errors: AtomicU64,
    http_server_errors: AtomicU64,
    http_rate_limited: AtomicU64,
    tx_admitted: AtomicU64,
    tx_refused: AtomicU64,
    admission_batches: AtomicU64,
    blocks: AtomicU64,
    tx_included: AtomicU64,
    tx_rejected: AtomicU64,
    proofs_verified: AtomicU64,
    proofs_preverified: AtomicU64,
    height: AtomicU64,
    mempool: AtomicU64,
    /// Where the node's time goes, in microseconds (rendered as seconds).
    time_us: [AtomicU64; Phase::ALL.len()],
}

/// A timed phase of admission or block production (`zkcredit_phase_seconds_total{phase=..}`).
#[derive(Clone, Copy, Debug)]
pub enum Phase {
    /// Before admission, in the handlers (summed over parallel requests): signatures and
    /// strict proof decoding.
    Decode,
    /// Before admission, on the verification thread: the batch proof verification.
    Verify,
    /// Admission: nonce, bound and state checks under the mempool lock.
    AdmitState,
    /// Admission: the durable write of the accepted batch (one fsync).
    AdmitWrite,
    /// Production: executing the block's transactions and verifying its remaining proofs.
    BlockBuild,
    /// Production: the durable commit of the block and the mempool settlement.
    BlockCommit,
}

impl Phase {
    const ALL: [(Phase, &'static str); 6] = [
        (Phase::Decode, "decode"),
        (Phase::Verify, "verify"),
        (Phase::AdmitState, "admit_state"),
        (Phase::AdmitWrite, "admit_write"),
        (Phase::BlockBuild, "block_build"),
        (Phase::BlockCommit, "block_commit"),
    ];
}

impl Metrics {
    /// Counts one answered request by its status.
    pub fn request(&self, status: u16) {
        self.http_requests.fetch_add(1, Relaxed);
        match status {
            429 => {
                self.http_rate_limited.fetch_add(1, Relaxed);
                self.http_client_errors.fetch_add(1, Relaxed);
            }
            400..=499 => {
                self.http_client_errors.fetch_add(1, Relaxed);
            }
            500..=599 => {
                self.http_server_errors.fetch_add(1, Relaxed);
            }
            _ => {}
        }
    }

    /// Records an admission batch.
    pub fn admitted(&self, ok: usize, refused: usize, mempool: usize) {
        self.tx_admitted.fetch_add(ok as u64, Relaxed);
        self.tx_refused.fetch_add(refused as u64, Relaxed);
        self.admission_batches.fetch_add(1, Relaxed);
        self.mempool.store(mempool as u64, Relaxed);
    }

    /// Records a produced block.
    pub fn block(
        &self,
        height: u64,
        included: usize,
        rejected: usize,
        proofs: usize,
        preverified: usize,
        pool: usize,
    ) {
        self.blocks.fetch_add(1, Relaxed);
        self.tx_included.fetch_add(included as u64, Relaxed);
        self.tx_rejected.fetch_add(rejected as u64, Relaxed);
        self.proofs_verified
            .fetch_add(proofs.saturating_sub(preverified) as u64, Relaxed);
        self.proofs_preverified
            .fetch_add(preverified as u64, Relaxed);
        self.height.store(height, Relaxed);
        self.mempool.store(pool as u64, Relaxed);
    }

    /// Adds time spent in `phase`.
    pub fn time(&self, phase: Phase, d: std::time::Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.time_us[phase as usize].fetch_add(us, Relaxed);
    }

    /// Sets the gauges at start.
    pub fn set_chain(&self, height: u64, pool: usize) {
        self.height.store(height, Relaxed);
        self.mempool.store(pool as u64, Relaxed);
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let rows: [(&str, &str, &str, &AtomicU64); 14] = [
            (
                "zkcredit_http_requests_total",
                "counter",
                "HTTP requests answered",
                &self.http_requests,
            ),
            (
                "zkcredit_http_client_errors_total",
                "counter",
                "HTTP 4xx answers",
                &self.http_client_errors,
            ),
            (
                "zkcredit_http_server_errors_total",
                "counter",
                "HTTP 5xx answers",
                &self.http_server_errors,
            ),
            (
                "zkcredit_http_rate_limited_total",
                "counter",
                "requests refused by the rate limit",
                &self.http_rate_limited,
            ),
            (
                "zkcredit_tx_admitted_total",
                "counter",
                "transactions admitted to the mempool",
                &self.tx_admitted,
            ),
            (
                "zkcredit_tx_refused_total",
                "counter",
                "transactions refused at admission",
                &self.tx_refused,
            ),
            (
                "zkcredit_admission_batches_total",
                "counter",
                "admission batches (each one durable write)",
                &self.admission_batches,
            ),
            (
                "zkcredit_blocks_total",
                "counter",
                "blocks produced",
                &self.blocks,
            ),
            (
                "zkcredit_tx_included_total",
                "counter",
                "transactions included in blocks",
                &self.tx_included,
            ),
            (
                "zkcredit_tx_rejected_total",
                "counter",
                "pending transactions rejected when building a block",
                &self.tx_rejected,
            ),
            (
                "zkcredit_proofs_verified_total",
                "counter",
                "proofs verified when building blocks",
                &self.proofs_verified,
            ),
            (
                "zkcredit_proofs_preverified_total",
                "counter",
                "proofs in produced blocks not verified again: this node verified them at admission",
                &self.proofs_preverified,
            ),
            (
                "zkcredit_height",
                "gauge",
                "height of the last block",
                &self.height,
            ),
            (
                "zkcredit_mempool_size",
                "gauge",
                "pending transactions",
                &self.mempool,
            ),
        ];
        for (name, kind, help, v) in rows {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}",
                v.load(Relaxed)
            );
        }
        let name = "zkcredit_phase_seconds_total";
        let _ = writeln!(
            out,
            "# HELP {name} time spent in each phase of admission and block production\n# TYPE {name} counter"
        );
        for (phase, label) in Phase::ALL {
            let us = self.time_us[phase as usize].load(Relaxed);
            let _ = writeln!(out, "{name}{{phase=\"{label}\"}} {:.6}", us as f64 / 1e6);
        }
        out
    }
}
