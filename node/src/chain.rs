//! The node's one door to the ledger: admission into the persisted mempool, block production,
//! and read access. Nothing else in the node touches [`Ledger`] directly.
//!
//! Locking: `pool` (the in-memory index of the persisted mempool) is always taken before
//! `ledger`. Admission holds `pool` while it checks nonces against the state and writes the
//! accepted transactions durably; production copies the oldest entries, builds a block from
//! them under a read lock only (readers and admission go on while its proofs are verified),
//! then commits it under the write lock while holding `pool`, so admission never sees a
//! state and a mempool that disagree.
//!
//! A replicated deployment would replace [`Chain::produce`] by blocks decided by a BFT engine
//! and applied through [`Ledger::apply`] (the `apply_block` interface).

use crate::error::{tx_refused, ApiError};
use crate::metrics::{Metrics, Phase};
use crate::precheck::{self, Checked, Decoded};
use axum::http::StatusCode;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};
use std::time::Instant;
use zkcredit_circuits::statement::{MembershipStatement, PolicyStatement};
use zkcredit_ledger::keys::{Keys, Verified};
use zkcredit_ledger::{
    codec, Account, Hash, Ledger, LedgerError, PoolEntry, Produced, Tx, TxBody, TxError, TxStatus,
};

/// Where block times come from.
#[derive(Clone, Debug)]
pub enum Clock {
    /// The system clock (unix seconds).
    System,
    /// A clock the embedding program sets (tests, simulations).
    Manual(Arc<AtomicU64>),
}

impl Clock {
    /// Now, in unix seconds.
    pub fn now(&self) -> u64 {
        match self {
            Self::System => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            Self::Manual(t) => t.load(Ordering::SeqCst),
        }
    }
}

/// Mempool bounds.
#[derive(Clone, Debug)]
pub struct PoolLimits {
    /// Most pending transactions in total.
    pub max_total: usize,
    /// Most pending transactions per signing account.
    pub max_per_account: usize,
    /// Most transactions per block.
    pub max_block_txs: usize,
}

impl Default for PoolLimits {
    fn default() -> Self {
        Self {
            max_total: 50_000,
            max_per_account: 64,
            max_block_txs: 2_000,
        }
    }
}

/// The in-memory index of the persisted mempool.
#[derive(Default)]
struct PoolIndex {
    entries: Vec<PoolEntry>,
    per_account: HashMap<Account, u64>,
    /// One past the highest pending nonce of each account.
    next_nonce: HashMap<Account, u64>,
    hashes: HashSet<Hash>,
    nullifiers: HashSet<[u8; 32]>,
    /// Proofs (tx hash and key hash) and signatures (tx hash) of pending transactions this
    /// node verified before admitting them: block production does not verify them again.
    /// Lives in memory only, so after a restart the reloaded mempool's proofs and signatures
    /// are verified when their block is built.
    verified: Verified,
}

impl PoolIndex {
    fn add(&mut self, e: PoolEntry) {
        *self.per_account.entry(e.tx.signer).or_default() += 1;
        let next = self.next_nonce.entry(e.tx.signer).or_default();
        *next = (*next).max(e.tx.nonce.saturating_add(1));
        self.hashes.insert(e.tx.hash());
        if let Some(n) = nullifier(&e.tx) {
            self.nullifiers.insert(n);
        }
        self.entries.push(e);
    }

    fn rebuild(entries: Vec<PoolEntry>) -> Self {
        let mut p = Self::default();
        for e in entries {
            p.add(e);
        }
        p
    }

    /// The marks of the pending transactions among `entries`.
    fn verified_of(&self, entries: &[PoolEntry]) -> Verified {
        let mut v = Verified::default();
        if self.verified.is_empty() {
            return v;
        }
        for e in entries {
            v.copy(&self.verified, &e.tx.hash());
        }
        v
    }
}

/// The nullifier a proof-carrying transaction spends, if its inputs parse.
fn nullifier(tx: &Tx) -> Option<[u8; 32]> {
    match &tx.body {
        TxBody::Join { proof, .. } | TxBody::ApplyLoan { proof, .. } => {
            PolicyStatement::from_public_inputs(&proof.public_inputs)
                .ok()
                .map(|s| codec::fr_to_bytes(&s.nullifier))
        }
        TxBody::Vote { proof, .. } => MembershipStatement::from_public_inputs(&proof.public_inputs)
            .ok()
            .map(|s| codec::fr_to_bytes(&s.nullifier)),
        _ => None,
    }
}

/// The ledger, its mempool and the node's clock.
pub struct Chain {
    ledger: RwLock<Ledger>,
    /// Fixed at genesis: the stateless checks need no lock.
    chain_id: String,
    keys: Keys,
    pool: Mutex<PoolIndex>,
    limits: PoolLimits,
    clock: Clock,
    metrics: Arc<Metrics>,
}

fn storage(e: LedgerError) -> ApiError {
    ApiError::internal(e)
}

impl Chain {
    /// Opens the chain over `ledger`, loading the persisted mempool.
    ///
    /// # Errors
    /// Storage errors reading the mempool.
    pub fn new(
        ledger: Ledger,
        limits: PoolLimits,
        clock: Clock,
        metrics: Arc<Metrics>,
    ) -> Result<Self, LedgerError> {
        let pool = PoolIndex::rebuild(ledger.pending()?);
        metrics.set_chain(ledger.height(), pool.entries.len());
        Ok(Self {
            chain_id: ledger.genesis().params.chain_id.clone(),
            keys: ledger.keys().clone(),
            ledger: RwLock::new(ledger),
            pool: Mutex::new(pool),
            limits,
            clock,
            metrics,
        })
    }

    /// Read access to the ledger (state, blocks, statuses). Do not call [`Chain::pending_len`]
    /// or [`Chain::pending_of`] while holding it: the mempool lock comes first.
    pub fn read(&self) -> RwLockReadGuard<'_, Ledger> {
        self.ledger.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The node's clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Number of pending transactions.
    pub fn pending_len(&self) -> usize {
        self.lock_pool().entries.len()
    }

    /// Pending transactions of `account`.
    pub fn pending_of(&self, account: &Account) -> u64 {
        self.lock_pool()
            .per_account
            .get(account)
            .copied()
            .unwrap_or(0)
    }

    /// The nonce the next transaction of `account` must carry: one past its highest pending
    /// one, or the ledger's next nonce for it when nothing is pending (or the ledger moved
    /// past the pending ones, e.g. after an earlier one was rejected).
    pub fn next_nonce_of(&self, account: &Account) -> u64 {
        let pending = self
            .lock_pool()
            .next_nonce
            .get(account)
            .copied()
            .unwrap_or(0);
        pending.max(self.read().state().nonce(account))
    }

    fn lock_pool(&self) -> std::sync::MutexGuard<'_, PoolIndex> {
        self.pool.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The recorded fate of a transaction.
    ///
    /// # Errors
    /// Storage errors.
    pub fn status(&self, hash: &Hash) -> Result<Option<TxStatus>, ApiError> {
        self.read().tx_status(hash).map_err(storage)
    }

    /// Checks a transaction's signatures and decodes its proof strictly (stateless; run
    /// outside the admission thread, many at once).
    ///
    /// # Errors
    /// The refusal.
    pub fn decode(&self, tx: Tx) -> Result<Decoded, ApiError> {
        let t0 = Instant::now();
        let r = precheck::decode(tx, &self.chain_id, &self.keys).map_err(|e| tx_refused(&e));
        self.metrics.time(Phase::Decode, t0.elapsed());
        r
    }

    /// Batch-verifies the proofs of decoded transactions (one pairing check per circuit).
    pub fn verify(&self, batch: Vec<Decoded>) -> Vec<Result<Checked, ApiError>> {
        let t0 = Instant::now();
        let out = precheck::verify(batch, &self.keys)
            .into_iter()
            .map(|r| r.map_err(|e| tx_refused(&e)))
            .collect();
        self.metrics.time(Phase::Verify, t0.elapsed());
        out
    }

    /// Admits a batch of checked transactions (signatures and proofs passed, see
    /// [`precheck`]): under the mempool lock, nonce order, duplicates, spent nullifiers,
    /// accepted roots and the bounds; the admitted ones are written durably in one write
    /// transaction before anyone is told "accepted", and their proofs marked verified.
    pub fn admit(&self, txs: Vec<Checked>) -> Vec<Result<Hash, ApiError>> {
        let mut out: Vec<Option<Result<Hash, ApiError>>> = vec![None; txs.len()];
        let t1 = Instant::now();
        let mut pool = self.lock_pool();
        let mut accepted: Vec<Tx> = Vec::new();
        let mut marks: Vec<(Hash, [u8; 32])> = Vec::new();
        let mut signed: Vec<Hash> = Vec::new();
        {
            let ledger = self.read();
            let state = ledger.state();
            let mut batch_nonce: HashMap<Account, u64> = HashMap::new();
            let mut batch_hashes: HashSet<Hash> = HashSet::new();
            let mut batch_nulls: HashSet<[u8; 32]> = HashSet::new();
            for (i, checked) in txs.iter().enumerate() {
                let tx = checked.tx();
                let hash = checked.hash();
                let refuse =
                    |code, status, msg: String| Some(Err(ApiError::new(status, code, msg)));
                if pool.hashes.contains(&hash) || batch_hashes.contains(&hash) {
                    out[i] = refuse(
                        "duplicate",
                        StatusCode::CONFLICT,
                        "transaction is already pending".into(),
                    );
                    continue;
                }
                let in_pool = pool.per_account.get(&tx.signer).copied().unwrap_or(0);
                let in_batch = batch_nonce.get(&tx.signer).copied().unwrap_or(0);
                // The next nonce after the account's pending ones (the ledger accepts a gap
                // left by a rejected transaction, so pending nonces need not be contiguous
                // with the ledger's).
                let pool_next = pool.next_nonce.get(&tx.signer).copied().unwrap_or(0);
                let expected = state.nonce(&tx.signer).max(pool_next) + in_batch;
                if tx.nonce != expected {
                    let e = TxError::WrongNonce {
                        expected,
                        found: tx.nonce,
                    };
                    out[i] = Some(Err(tx_refused(&e)));
                    continue;
                }
                if pool.entries.len() + accepted.len() >= self.limits.max_total {
                    out[i] = refuse(
                        "mempool_full",
                        StatusCode::SERVICE_UNAVAILABLE,
                        format!("the mempool holds {} transactions", self.limits.max_total),
                    );
                    continue;
                }
                if (in_pool + in_batch) as usize >= self.limits.max_per_account {
                    out[i] = refuse(
                        "account_limit",
                        StatusCode::TOO_MANY_REQUESTS,
                        format!(
                            "account has {} pending transactions (limit {})",
                            in_pool + in_batch,
                            self.limits.max_per_account
                        ),
                    );
                    continue;
                }
                if let Err(e) = cheap_state_checks(state, tx) {
                    out[i] = Some(Err(tx_refused(&e)));
                    continue;
                }
                if let Some(n) = nullifier(tx) {
                    if pool.nullifiers.contains(&n) || !batch_nulls.insert(n) {
                        out[i] = Some(Err(tx_refused(&TxError::NullifierUsed)));
                        continue;
                    }
                }
                batch_hashes.insert(hash);
                marks.extend(checked.mark());
                signed.push(hash);
                *batch_nonce.entry(tx.signer).or_default() += 1;
                accepted.push(tx.clone());
                out[i] = Some(Ok(hash));
            }
        }
        let t2 = Instant::now();
        self.metrics.time(Phase::AdmitState, t2 - t1);
        if !accepted.is_empty() {
            let written = self.read().enqueue(&accepted);
            self.metrics.time(Phase::AdmitWrite, t2.elapsed());
            match written {
                Ok(entries) => {
                    for e in entries {
                        pool.add(e);
                    }
                    for mark in marks {
                        pool.verified.insert_raw(mark);
                    }
                    for hash in signed {
                        pool.verified.insert_signed(hash);
                    }
                }
                Err(e) => {
                    let err = storage(e);
                    for o in out.iter_mut() {
                        if matches!(o, Some(Ok(_))) {
                            *o = Some(Err(err.clone()));
                        }
                    }
                }
            }
        }
        let len = pool.entries.len();
        drop(pool);
        let mut admitted = 0;
        let results: Vec<Result<Hash, ApiError>> = out
            .into_iter()
            .map(|o| o.unwrap_or_else(|| Err(ApiError::internal("admission skipped a tx"))))
            .inspect(|r| admitted += usize::from(r.is_ok()))
            .collect();
        self.metrics
            .admitted(admitted, results.len() - admitted, len);
        results
    }

    /// Produces one block from the oldest pending transactions, if there are any, at the
    /// clock's time (never before the last block).
    ///
    /// # Errors
    /// Storage errors; the mempool is then unchanged.
    pub fn produce(&self) -> Result<Option<Produced>, LedgerError> {
        // Only the producer removes entries, and admission only appends, so the first `take`
        // entries stay the same until this block commits.
        let (batch, verified): (Vec<PoolEntry>, Verified) = {
            let pool = self.lock_pool();
            let take = pool.entries.len().min(self.limits.max_block_txs);
            let batch = pool.entries[..take].to_vec();
            let verified = pool.verified_of(&batch);
            (batch, verified)
        };
        if batch.is_empty() {
            // No empty blocks, except when the block itself has work: servicing due loans or
            // closing ended votes must not wait for someone's next transaction.
            let l = self.read();
            let time = self.clock.now().max(l.state().core().time);
            if !l.state().block_work_due(time) {
                return Ok(None);
            }
        }
        // Build under the read lock and without the mempool lock: readers are served and
        // submissions admitted while the block's transactions run and its proofs verify.
        let t0 = Instant::now();
        let built = {
            let l = self.read();
            let time = self.clock.now().max(l.state().core().time);
            l.build_pending(time, &batch, &verified)?
        };
        let t1 = Instant::now();
        self.metrics.time(Phase::BlockBuild, t1 - t0);
        // Commit and settle the mempool atomically with respect to admission.
        let mut pool = self.lock_pool();
        let produced = {
            let mut l = self.ledger.write().unwrap_or_else(|p| p.into_inner());
            let produced = l.commit_built(built)?;
            // Counted before the write lock is released: a client that sees its transaction
            // included (a read under this lock) then reads metrics that count its block.
            self.metrics.block(
                produced.block.header.height,
                produced.block.txs.len(),
                produced.rejected.len(),
                produced.proofs,
                produced.preverified,
                pool.entries.len().saturating_sub(batch.len()),
            );
            produced
        };
        debug_assert!(pool.entries.iter().zip(&batch).all(|(a, b)| a.seq == b.seq));
        let rest = pool.entries.split_off(batch.len());
        let mut marks = std::mem::take(&mut pool.verified);
        *pool = PoolIndex::rebuild(rest);
        marks.retain(|h| pool.hashes.contains(h));
        pool.verified = marks;
        self.metrics.time(Phase::BlockCommit, t1.elapsed());
        Ok(Some(produced))
    }
}

/// Checks that need the state, cost little and cannot be undone by transactions still
/// pending: the nullifier not yet spent, a policy (or admission) proof's root in the accepted
/// window, a vote's proposal existing. The full rules run again when
/// the block is built.
fn cheap_state_checks(state: &zkcredit_ledger::State, tx: &Tx) -> Result<(), TxError> {
    match &tx.body {
        TxBody::Join { proof, .. } | TxBody::ApplyLoan { proof, .. } => {
            let st = PolicyStatement::from_public_inputs(&proof.public_inputs)
                .map_err(|e| TxError::MalformedProof(e.to_string()))?;
            if !state.root_accepted(&st.root) {
                return Err(TxError::UnknownRoot);
            }
            if state.nullifier_used(&st.nullifier) {
                return Err(TxError::NullifierUsed);
            }
        }
        TxBody::Vote {
            proposal, proof, ..
        } => {
            if state.proposal(*proposal).is_none() {
                return Err(TxError::UnknownProposal(*proposal));
            }
            let st = MembershipStatement::from_public_inputs(&proof.public_inputs)
                .map_err(|e| TxError::MalformedProof(e.to_string()))?;
            if state.nullifier_used(&st.nullifier) {
                return Err(TxError::AlreadyVoted);
            }
        }
        _ => {}
    }
    Ok(())
}
