//! The ledger on disk: a redb database written one whole block per write transaction.
//!
//! Every write transaction uses [`Durability::Immediate`] and two-phase commit: the ledger
//! stores bytes chosen by strangers, and a crash must leave the last whole block.

use crate::codec::{self, fr_from_bytes, Hash};
use crate::error::{LedgerError, TxError};
use crate::keys::{Keys, Verified};
use crate::mempool::{PoolEntry, TxStatus};
use crate::state::{Core, Rejected, State};
use crate::tx::{Block, Genesis, Tx};
use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction,
};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use zkcredit_circuits::merkle::MerklePath;
use zkcredit_circuits::Fr;

/// Storage format version this build writes and reads. 2: params in the hashed core,
/// member governance, collateral and capital-seconds (issue 9) changed the encodings of
/// `Genesis`, `Core` and `TxBody`. 3: a failed proposal records the rule's stable code
/// instead of the error message (a chain with a failed proposal would otherwise replay to
/// another state hash), and a rejected transaction's status carries that code too.
pub const FORMAT_VERSION: u32 = 3;
/// The database file inside a ledger directory.
pub const DB_FILE: &str = "ledger.redb";

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
const BLOCK_INDEX: TableDefinition<&[u8], u64> = TableDefinition::new("block_index");
const TX_INDEX: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tx_index");
const NULLIFIERS: TableDefinition<&[u8], u64> = TableDefinition::new("nullifiers");
const REGISTRY: TableDefinition<u64, &[u8]> = TableDefinition::new("registry_leaves");
const MEMBERS: TableDefinition<u64, &[u8]> = TableDefinition::new("member_leaves");
const STATE: TableDefinition<&str, &[u8]> = TableDefinition::new("state");
const MEMPOOL: TableDefinition<u64, &[u8]> = TableDefinition::new("mempool");
/// Transaction hash → encoded [`TxStatus`] of every transaction a node acknowledged.
const TX_STATUS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tx_status");

/// What [`Ledger::produce_block`] did.
#[derive(Clone, Debug)]
pub struct Produced {
    /// The committed block.
    pub block: Block,
    /// Its hash.
    pub hash: Hash,
    /// Transactions left out, with reasons.
    pub rejected: Vec<Rejected>,
    /// Proof-carrying transactions in the block.
    pub proofs: usize,
    /// Of those, proofs not verified again because the producer had verified them at
    /// admission ([`Ledger::build_pending`]'s marks).
    pub preverified: usize,
}

/// A block built from pending transactions by [`Ledger::build_pending`], not yet committed.
#[derive(Clone, Debug)]
pub struct Built {
    next: State,
    block: Block,
    rejected: Vec<Rejected>,
    proofs: usize,
    preverified: usize,
    /// Mempool keys this block settles (included or rejected).
    seqs: Vec<u64>,
}

impl Built {
    /// The block.
    pub fn block(&self) -> &Block {
        &self.block
    }
    /// Transactions left out, with reasons.
    pub fn rejected(&self) -> &[Rejected] {
        &self.rejected
    }
}

/// What a commit does to the mempool.
enum PoolUpdate<'a> {
    Keep,
    Settle {
        seqs: &'a [u64],
        rejected: &'a [Rejected],
    },
}

/// What [`Ledger::verify`] found.
#[derive(Clone, Debug)]
pub struct VerifyReport {
    /// Blocks replayed.
    pub blocks: u64,
    /// Transactions re-executed.
    pub txs: u64,
    /// Proofs re-verified.
    pub proofs: u64,
    /// The state hash reached (equal to the stored one).
    pub state_hash: Hash,
}

/// A ledger directory opened for writing (single writer).
pub struct Ledger {
    db: Database,
    dir: PathBuf,
    genesis: Genesis,
    keys: Keys,
    state: State,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("dir", &self.dir)
            .field("height", &self.state.height())
            .finish_non_exhaustive()
    }
}

fn write_txn(db: &Database) -> Result<WriteTransaction, LedgerError> {
    let mut w = db.begin_write()?;
    w.set_durability(Durability::Immediate)?;
    w.set_two_phase_commit(true);
    Ok(w)
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Corrupt(format!("{what}: {e}"))
}

fn leaf(bytes: &[u8]) -> Result<Fr, LedgerError> {
    let b: [u8; 32] = bytes
        .try_into()
        .map_err(|_| corrupt("leaf", "not 32 bytes"))?;
    fr_from_bytes(&b).ok_or_else(|| corrupt("leaf", "not a field element"))
}

impl Ledger {
    /// Creates a new ledger in `dir` (created if missing; must not hold a ledger yet).
    ///
    /// # Errors
    /// [`LedgerError::NotALedger`] if one exists; [`LedgerError::Genesis`] for a bad genesis;
    /// storage errors.
    pub fn init(dir: &Path, genesis: &Genesis) -> Result<Self, LedgerError> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(DB_FILE);
        if path.exists() {
            return Err(LedgerError::NotALedger(format!(
                "{} already holds a ledger",
                dir.display()
            )));
        }
        let keys = Keys::from_genesis(genesis)?;
        let state = State::genesis(genesis)?;
        let db = Database::create(&path)?;
        let w = write_txn(&db)?;
        {
            let mut meta = w.open_table(META)?;
            meta.insert("format_version", &FORMAT_VERSION.to_le_bytes()[..])?;
            meta.insert("genesis", &codec::encode(genesis)[..])?;
            let mut st = w.open_table(STATE)?;
            st.insert("core", &codec::encode(state.core())[..])?;
            st.insert("head", &state.head_hash()[..])?;
            for t in [BLOCKS, REGISTRY, MEMBERS, MEMPOOL] {
                w.open_table(t)?;
            }
            w.open_table(TX_STATUS)?;
            w.open_table(BLOCK_INDEX)?;
            w.open_table(TX_INDEX)?;
            w.open_table(NULLIFIERS)?;
        }
        w.commit()?;
        Ok(Self {
            db,
            dir: dir.to_path_buf(),
            genesis: genesis.clone(),
            keys,
            state,
        })
    }

    /// Opens an existing ledger, rebuilding the in-memory trees from the stored leaves and
    /// checking them against the stored state.
    ///
    /// # Errors
    /// [`LedgerError::UnsupportedVersion`] for a store of another format version;
    /// [`LedgerError::NotALedger`] if `dir` has none; [`LedgerError::Corrupt`].
    pub fn open(dir: &Path) -> Result<Self, LedgerError> {
        let path = dir.join(DB_FILE);
        if !path.exists() {
            return Err(LedgerError::NotALedger(format!(
                "{} holds no ledger ({DB_FILE} missing); run `zkcredit ledger init` first",
                dir.display()
            )));
        }
        let db = Database::open(&path)?;
        let r = db.begin_read()?;
        let meta = r.open_table(META)?;
        let version = meta
            .get("format_version")?
            .ok_or_else(|| corrupt("meta", "no format version"))?;
        let found = u32::from_le_bytes(
            version
                .value()
                .try_into()
                .map_err(|_| corrupt("format version", "not 4 bytes"))?,
        );
        if found != FORMAT_VERSION {
            return Err(LedgerError::UnsupportedVersion {
                found,
                supported: FORMAT_VERSION,
            });
        }
        let genesis: Genesis = codec::decode(
            meta.get("genesis")?
                .ok_or_else(|| corrupt("meta", "no genesis"))?
                .value(),
        )
        .map_err(|e| corrupt("genesis", e))?;
        let keys = Keys::from_genesis(&genesis)?;
        let st = r.open_table(STATE)?;
        let core: Core = codec::decode(
            st.get("core")?
                .ok_or_else(|| corrupt("state", "no core"))?
                .value(),
        )
        .map_err(|e| corrupt("core", e))?;
        let head: Hash = st
            .get("head")?
            .ok_or_else(|| corrupt("state", "no head"))?
            .value()
            .try_into()
            .map_err(|_| corrupt("head", "not 32 bytes"))?;
        let mut reg = Vec::new();
        for e in r.open_table(REGISTRY)?.iter()? {
            reg.push(leaf(e?.1.value())?);
        }
        let mut mem = Vec::new();
        for e in r.open_table(MEMBERS)?.iter()? {
            mem.push(leaf(e?.1.value())?);
        }
        let mut nullifiers = HashSet::new();
        for e in r.open_table(NULLIFIERS)?.iter()? {
            let n: Hash =
                e?.0.value()
                    .try_into()
                    .map_err(|_| corrupt("nullifier", "not 32 bytes"))?;
            nullifiers.insert(n);
        }
        let state = State::restore(&genesis, head, core, &reg, &mem, nullifiers)?;
        drop((meta, st));
        drop(r);
        Ok(Self {
            db,
            dir: dir.to_path_buf(),
            genesis,
            keys,
            state,
        })
    }

    /// The ledger directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// The genesis.
    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }
    /// The registered verifying keys.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }
    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }
    /// Height of the last block.
    pub fn height(&self) -> u64 {
        self.state.height()
    }
    /// Current state hash.
    pub fn state_hash(&self) -> Hash {
        self.state.state_hash()
    }
    /// Hash of the last block.
    pub fn head_hash(&self) -> Hash {
        self.state.head_hash()
    }

    /// A credential leaf's Merkle path and the current registry root, for a prover.
    ///
    /// # Errors
    /// [`LedgerError::NotFound`] if the leaf is not in the registry (or was revoked).
    pub fn credential_path(&self, leaf: &Fr) -> Result<(MerklePath, Fr), LedgerError> {
        self.state.credential_path(leaf)
    }

    /// A member's Merkle path and the current member root, for a membership proof.
    ///
    /// # Errors
    /// [`LedgerError::NotFound`] if the identity is not a member.
    pub fn member_path(&self, identity: &Fr) -> Result<(MerklePath, Fr), LedgerError> {
        self.state.member_path(identity)
    }

    /// Queues a transaction in the mempool after checking its signature, recording it as
    /// [`TxStatus::Pending`] (as a node does; [`Ledger::tx_status`] then tells its fate).
    ///
    /// # Errors
    /// [`TxError::BadSignature`]; storage errors.
    pub fn submit(&self, tx: &Tx) -> Result<Hash, LedgerError> {
        let msg = tx.message(&self.state.params().chain_id);
        if !crate::tx::check_signature(&tx.signer, &msg, &tx.signature) {
            return Err(TxError::BadSignature.into());
        }
        self.enqueue(std::slice::from_ref(tx))?;
        Ok(tx.hash())
    }

    /// Pending transactions in the mempool, in submission order.
    ///
    /// # Errors
    /// Storage errors.
    pub fn mempool(&self) -> Result<Vec<Tx>, LedgerError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(MEMPOOL)?;
        let mut out = Vec::new();
        for e in t.iter()? {
            let (_, v) = e?;
            if let Ok(tx) = codec::decode::<Tx>(v.value()) {
                out.push(tx);
            }
        }
        Ok(out)
    }

    /// Builds a block at `time` from the whole mempool and commits it, recording each
    /// transaction's fate (included or rejected with its reason) as a node does.
    ///
    /// # Errors
    /// As [`Ledger::produce_block`].
    pub fn produce_from_mempool(&mut self, time: u64) -> Result<Produced, LedgerError> {
        let entries = self.pending()?;
        let built = self.build_pending(time, &entries, &Verified::default())?;
        self.commit_built(built)
    }

    /// Builds a block at `time` from `txs` (invalid ones are left out with their reason),
    /// verifies its proofs in batches and commits it, with the state it leads to, in one
    /// write transaction.
    ///
    /// # Errors
    /// [`LedgerError::Block`] for a time before the last block; storage errors.
    pub fn produce_block(&mut self, time: u64, txs: &[Tx]) -> Result<Produced, LedgerError> {
        self.produce_inner(time, txs)
    }

    fn produce_inner(&mut self, time: u64, txs: &[Tx]) -> Result<Produced, LedgerError> {
        let (next, block, rejected) = self.state.build_block(time, txs, &self.keys)?;
        let proofs = block.txs.iter().filter(|t| t.body.carries_proof()).count();
        self.commit(next, &block, PoolUpdate::Keep)?;
        Ok(Produced {
            hash: block.header.hash(),
            block,
            rejected,
            proofs,
            preverified: 0,
        })
    }

    /// Applies a block made elsewhere, all or nothing (the ABCI-style entry point).
    ///
    /// # Errors
    /// [`LedgerError::Block`] when the block is refused (nothing changes); storage errors.
    pub fn apply(&mut self, block: &Block) -> Result<(), LedgerError> {
        let mut next = self.state.clone();
        next.apply_block(block, &self.keys)?;
        self.commit(next, block, PoolUpdate::Keep)
    }

    fn commit(
        &mut self,
        mut next: State,
        block: &Block,
        pool: PoolUpdate<'_>,
    ) -> Result<(), LedgerError> {
        let h = block.header.height;
        let hash = block.header.hash();
        let w = write_txn(&self.db)?;
        {
            w.open_table(BLOCKS)?.insert(h, &codec::encode(block)[..])?;
            w.open_table(BLOCK_INDEX)?.insert(&hash[..], h)?;
            let mut txi = w.open_table(TX_INDEX)?;
            for (i, tx) in block.txs.iter().enumerate() {
                let mut loc = h.to_le_bytes().to_vec();
                loc.extend_from_slice(&(i as u32).to_le_bytes());
                txi.insert(&tx.hash()[..], &loc[..])?;
            }
            let mut nt = w.open_table(NULLIFIERS)?;
            for n in &next.changes.nullifiers {
                nt.insert(&n[..], h)?;
            }
            let mut rt = w.open_table(REGISTRY)?;
            for (i, l) in &next.changes.registry {
                rt.insert(*i, &l[..])?;
            }
            let mut mt = w.open_table(MEMBERS)?;
            for (i, l) in &next.changes.members {
                mt.insert(*i, &l[..])?;
            }
            let mut st = w.open_table(STATE)?;
            st.insert("core", &codec::encode(next.core())[..])?;
            st.insert("head", &hash[..])?;
            match pool {
                PoolUpdate::Keep => {}
                PoolUpdate::Settle { seqs, rejected } => {
                    let mut mp = w.open_table(MEMPOOL)?;
                    for s in seqs {
                        mp.remove(*s)?;
                    }
                    let mut status = w.open_table(TX_STATUS)?;
                    for (i, tx) in block.txs.iter().enumerate() {
                        let st = TxStatus::Included {
                            height: h,
                            index: i as u32,
                        };
                        status.insert(&tx.hash()[..], &codec::encode(&st)[..])?;
                    }
                    for r in rejected {
                        let st = TxStatus::Rejected {
                            height: h,
                            reason: r.error.to_string(),
                            code: r.error.code().to_string(),
                        };
                        status.insert(&r.hash[..], &codec::encode(&st)[..])?;
                    }
                }
            }
        }
        w.commit()?;
        next.changes = Default::default();
        self.state = next;
        Ok(())
    }

    /// Persists acknowledged transactions: appends them to the mempool in order and records
    /// each as [`TxStatus::Pending`], in one durable write transaction. The caller (the node)
    /// has already admitted them; nothing here checks rules.
    ///
    /// # Errors
    /// Storage errors (then nothing was written).
    pub fn enqueue(&self, txs: &[Tx]) -> Result<Vec<PoolEntry>, LedgerError> {
        let w = write_txn(&self.db)?;
        let mut out = Vec::with_capacity(txs.len());
        {
            let mut pool = w.open_table(MEMPOOL)?;
            let mut status = w.open_table(TX_STATUS)?;
            let first = pool.last()?.map_or(0, |(k, _)| k.value() + 1);
            let pending = codec::encode(&TxStatus::Pending);
            for (seq, tx) in (first..).zip(txs) {
                pool.insert(seq, &codec::encode(tx)[..])?;
                status.insert(&tx.hash()[..], &pending[..])?;
                out.push(PoolEntry {
                    seq,
                    tx: tx.clone(),
                });
            }
        }
        w.commit()?;
        Ok(out)
    }

    /// The persisted mempool with its keys, in submission order.
    ///
    /// # Errors
    /// [`LedgerError::Corrupt`] for an entry that does not decode; storage errors.
    pub fn pending(&self) -> Result<Vec<PoolEntry>, LedgerError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(MEMPOOL)?;
        let mut out = Vec::new();
        for e in t.iter()? {
            let (k, v) = e?;
            let tx = codec::decode::<Tx>(v.value()).map_err(|e| corrupt("mempool entry", e))?;
            out.push(PoolEntry { seq: k.value(), tx });
        }
        Ok(out)
    }

    /// The recorded fate of a transaction this store's node acknowledged (or `None`).
    ///
    /// # Errors
    /// [`LedgerError::Corrupt`]; storage errors.
    pub fn tx_status(&self, hash: &Hash) -> Result<Option<TxStatus>, LedgerError> {
        let r = self.db.begin_read()?;
        let t = match r.open_table(TX_STATUS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        t.get(&hash[..])?
            .map(|v| codec::decode(v.value()).map_err(|e| corrupt("tx status", e)))
            .transpose()
    }

    /// Builds (without committing) the next block at `time` from pending entries, in order:
    /// invalid ones are left out with their reason. Only reads the ledger, so readers may
    /// continue while proofs are verified; commit it with [`Ledger::commit_built`].
    ///
    /// `verified` holds the marks of proofs the caller itself verified at admission against
    /// this ledger's keys ([`Verified`]); those are not verified again, every other proof is
    /// (pass an empty set to verify all).
    ///
    /// # Errors
    /// [`LedgerError::Block`] for a time before the last block.
    pub fn build_pending(
        &self,
        time: u64,
        entries: &[PoolEntry],
        verified: &Verified,
    ) -> Result<Built, LedgerError> {
        let txs = nonce_ordered(entries);
        let (next, block, rejected, preverified) = self
            .state
            .build_block_verified(time, &txs, &self.keys, verified)?;
        let proofs = block.txs.iter().filter(|t| t.body.carries_proof()).count();
        Ok(Built {
            next,
            block,
            rejected,
            proofs,
            preverified,
            seqs: entries.iter().map(|e| e.seq).collect(),
        })
    }

    /// Commits a block built by [`Ledger::build_pending`] in one write transaction: the block,
    /// its state, the settled entries removed from the mempool and each one's fate recorded.
    ///
    /// # Errors
    /// [`LedgerError::Block`] if the chain moved since the block was built; storage errors
    /// (then nothing changed).
    pub fn commit_built(&mut self, built: Built) -> Result<Produced, LedgerError> {
        if built.block.header.prev_hash != self.head_hash() {
            return Err(crate::error::BlockError::PrevHash.into());
        }
        let Built {
            next,
            block,
            rejected,
            proofs,
            preverified,
            seqs,
        } = built;
        self.commit(
            next,
            &block,
            PoolUpdate::Settle {
                seqs: &seqs,
                rejected: &rejected,
            },
        )?;
        Ok(Produced {
            hash: block.header.hash(),
            block,
            rejected,
            proofs,
            preverified,
        })
    }

    /// The height of the block with this hash.
    ///
    /// # Errors
    /// Storage errors.
    pub fn block_height(&self, hash: &Hash) -> Result<Option<u64>, LedgerError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(BLOCK_INDEX)?;
        Ok(t.get(&hash[..])?.map(|v| v.value()))
    }

    /// The block at `height` (1-based).
    ///
    /// # Errors
    /// [`LedgerError::NotFound`]; [`LedgerError::Corrupt`].
    pub fn block(&self, height: u64) -> Result<Block, LedgerError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(BLOCKS)?;
        let v = t
            .get(height)?
            .ok_or_else(|| LedgerError::NotFound(format!("no block at height {height}")))?;
        codec::decode(v.value()).map_err(|e| corrupt("block", e))
    }

    /// Where a transaction was included: `(height, index)`.
    ///
    /// # Errors
    /// Storage errors.
    pub fn find_tx(&self, hash: &Hash) -> Result<Option<(u64, u32)>, LedgerError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(TX_INDEX)?;
        Ok(t.get(&hash[..])?.map(|v| {
            let b = v.value();
            (
                u64::from_le_bytes(b[..8].try_into().expect("8")),
                u32::from_le_bytes(b[8..12].try_into().expect("4")),
            )
        }))
    }

    /// Replays every stored block from genesis on a fresh state — header links, tx roots,
    /// signatures, nonces, every rule, every proof (batch-verified) and every state hash —
    /// and checks that it reaches the stored state and head.
    ///
    /// # Errors
    /// [`LedgerError::Verify`] at the first divergence.
    pub fn verify(&self) -> Result<VerifyReport, LedgerError> {
        let mut state = State::genesis(&self.genesis)?;
        let r = self.db.begin_read()?;
        let t = r.open_table(BLOCKS)?;
        let (mut blocks, mut txs, mut proofs) = (0u64, 0u64, 0u64);
        for e in t.iter()? {
            let (k, v) = e?;
            let height = k.value();
            let fail = |reason: String| LedgerError::Verify { height, reason };
            let block: Block = codec::decode(v.value()).map_err(|e| fail(e.to_string()))?;
            if block.header.height != height {
                return Err(fail("stored under the wrong height".into()));
            }
            let n = state
                .apply_block(&block, &self.keys)
                .map_err(|e| fail(e.to_string()))?;
            blocks += 1;
            txs += block.txs.len() as u64;
            proofs += n as u64;
        }
        let height = state.height();
        if height != self.state.height()
            || state.state_hash() != self.state.state_hash()
            || state.head_hash() != self.state.head_hash()
        {
            return Err(LedgerError::Verify {
                height,
                reason: format!(
                    "replay reaches height {height} state {}, the store holds height {} state {}",
                    hex::encode(state.state_hash()),
                    self.state.height(),
                    hex::encode(self.state.state_hash())
                ),
            });
        }
        Ok(VerifyReport {
            blocks,
            txs,
            proofs,
            state_hash: state.state_hash(),
        })
    }
}

/// The pending transactions in submission order, except that each account's own
/// transactions take its slots in nonce order (a later-submitted lower nonce goes first, so
/// it is not made stale by a higher one).
fn nonce_ordered(entries: &[PoolEntry]) -> Vec<Tx> {
    let mut by_account: std::collections::BTreeMap<crate::tx::Account, Vec<&Tx>> =
        std::collections::BTreeMap::new();
    for e in entries {
        by_account.entry(e.tx.signer).or_default().push(&e.tx);
    }
    for txs in by_account.values_mut() {
        txs.sort_by_key(|t| t.nonce);
        txs.reverse();
    }
    entries
        .iter()
        .filter_map(|e| by_account.get_mut(&e.tx.signer).and_then(Vec::pop).cloned())
        .collect()
}
