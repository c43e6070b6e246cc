//! The co-op state machine: deterministic, behind [`State::apply_block`].
//!
//! Every transaction handler checks everything first and mutates only once nothing can fail,
//! so a rejected transaction leaves the state exactly as it was. Proofs are checked in two
//! steps: the handler compares the proof's public inputs with what the ledger expects (and
//! decodes the proof strictly); the pairing checks of the whole block then run as one batch
//! per circuit.

use crate::codec::{self, fr_from_bytes, fr_to_bytes, Hash};
use crate::error::{BlockError, LedgerError, TxError};
use crate::keys::{verify_pending, Keys, Pending, ProofKind, Verified};
use crate::pool::{self, Pool};
pub use crate::schedule::schedule;
use crate::tx::{
    check_signature, tx_root, Account, Block, BlockHeader, Genesis, Params, Tx, BLOCK_VERSION,
};
use std::collections::{BTreeSet, HashSet};
use zkcredit_circuits::credential::NUM_ATTRS;
use zkcredit_circuits::merkle::{MerklePath, MerkleTree};
use zkcredit_circuits::Fr;

pub use crate::schedule::YEAR_SECS;
/// Seconds in a "member month" of the history credential.
pub const MONTH_SECS: u64 = 30 * 86_400;
/// Longest loan term a policy may allow, in instalments.
pub const MAX_TERM: u64 = 600;

pub use crate::records::{
    Changes, Core, History, Instalment, Issuer, Loan, LoanStatus, Member, Proposal, ProposalStatus,
    RecentRoot, Rejected,
};

/// The whole state: the hashed core plus the trees and nullifier set it commits to.
#[derive(Clone, Debug)]
pub struct State {
    genesis_hash: Hash,
    head_hash: Hash,
    pub(crate) core: Core,
    pub(crate) registry: MerkleTree,
    pub(crate) member_tree: MerkleTree,
    nullifiers: HashSet<Hash>,
    pub(crate) changes: Changes,
}

pub use crate::scopes::{
    admission_scope, application_scope, coop_issuer_id, vote_scope, vote_signal,
};

pub(crate) fn fr(b: &[u8; 32]) -> Fr {
    fr_from_bytes(b).expect("stored field elements are canonical")
}

pub(crate) fn overflow<T>(x: Option<T>) -> Result<T, TxError> {
    x.ok_or(TxError::Overflow)
}

impl State {
    /// The state right after genesis.
    ///
    /// # Errors
    /// [`LedgerError::Genesis`] for inconsistent parameters.
    pub fn genesis(genesis: &Genesis) -> Result<Self, LedgerError> {
        let p = &genesis.params;
        p.validate().map_err(LedgerError::Genesis)?;
        let depth = p.depth as usize;
        let registry = MerkleTree::new(depth).map_err(|e| LedgerError::Genesis(e.to_string()))?;
        let member_tree = registry.clone();
        let mut core = Core {
            time: genesis.time,
            registry_root: fr_to_bytes(&registry.root()),
            recent_roots: vec![RecentRoot {
                root: fr_to_bytes(&registry.root()),
                since: genesis.time,
            }],
            member_root: fr_to_bytes(&member_tree.root()),
            params: p.clone(),
            last_distribution: genesis.time,
            ..Core::default()
        };
        core.issuers.insert(
            fr_to_bytes(&coop_issuer_id(&p.chain_id)),
            Issuer {
                name: "co-op".into(),
                account: None,
            },
        );
        let hash = genesis.hash();
        Ok(Self {
            genesis_hash: hash,
            head_hash: hash,
            core,
            registry,
            member_tree,
            nullifiers: HashSet::new(),
            changes: Changes::default(),
        })
    }

    /// Rebuilds a state from stored parts, checking that the trees match the core's roots.
    ///
    /// # Errors
    /// [`LedgerError::Corrupt`] when they do not.
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    pub(crate) fn restore(
        genesis: &Genesis,
        head_hash: Hash,
        core: Core,
        registry_leaves: &[Fr],
        member_leaves: &[Fr],
        nullifiers: HashSet<Hash>,
    ) -> Result<Self, LedgerError> {
        let depth = genesis.params.depth as usize;
        let corrupt = |m: String| LedgerError::Corrupt(m);
        let registry =
            MerkleTree::from_leaves(depth, registry_leaves).map_err(|e| corrupt(e.to_string()))?;
        let member_tree =
            MerkleTree::from_leaves(depth, member_leaves).map_err(|e| corrupt(e.to_string()))?;
        if fr_to_bytes(&registry.root()) != core.registry_root
            || registry.len() != core.registry_len
        {
            return Err(corrupt(
                "registry leaves do not match the stored root".into(),
            ));
        }
        if fr_to_bytes(&member_tree.root()) != core.member_root {
            return Err(corrupt("member leaves do not match the stored root".into()));
        }
        if nullifiers.len() as u64 != core.nullifier_count {
            return Err(corrupt(
                "nullifier count differs from the stored state".into(),
            ));
        }
        Ok(Self {
            genesis_hash: genesis.hash(),
            head_hash,
            core,
            registry,
            member_tree,
            nullifiers,
            changes: Changes::default(),
        })
    }

    /// `BLAKE2b-256("zkcredit/state/v1" ‖ genesis hash ‖ encode(core))`.
    pub fn state_hash(&self) -> Hash {
        codec::hash(
            "zkcredit/state/v1",
            &[&self.genesis_hash, &codec::encode(&self.core)],
        )
    }

    /// The hashed core.
    pub fn core(&self) -> &Core {
        &self.core
    }
    /// Whether a block at `time` has work of its own even without transactions: an instalment
    /// to mark late, a loan to write off, or a proposal whose vote has ended. A node that makes
    /// no empty blocks makes one when this holds.
    pub fn block_work_due(&self, time: u64) -> bool {
        crate::actions::block_work_due(self, time)
    }
    /// Chain parameters.
    pub fn params(&self) -> &Params {
        &self.core.params
    }
    /// Hash of the last block (the genesis hash before the first).
    pub fn head_hash(&self) -> Hash {
        self.head_hash
    }
    /// Height of the last block.
    pub fn height(&self) -> u64 {
        self.core.height
    }
    /// Pool accounting.
    pub fn pool(&self) -> &Pool {
        &self.core.pool
    }
    /// A member.
    pub fn member(&self, account: &Account) -> Option<&Member> {
        self.core.members.get(account)
    }
    /// A loan.
    pub fn loan(&self, id: u64) -> Option<&Loan> {
        self.core.loans.get(&id)
    }
    /// A proposal.
    pub fn proposal(&self, id: u64) -> Option<&Proposal> {
        self.core.proposals.get(&id)
    }
    /// The credential registry.
    pub fn registry(&self) -> &MerkleTree {
        &self.registry
    }
    /// The member tree.
    pub fn member_tree(&self) -> &MerkleTree {
        &self.member_tree
    }
    /// Whether a nullifier was spent.
    pub fn nullifier_used(&self, n: &Fr) -> bool {
        self.nullifiers.contains(&fr_to_bytes(n))
    }
    /// Next nonce of an account: the smallest nonce its next transaction may carry.
    pub fn nonce(&self, account: &Account) -> u64 {
        self.core.nonces.get(account).copied().unwrap_or(0)
    }
    /// Whether proofs may use this registry root now.
    pub fn root_accepted(&self, root: &Fr) -> bool {
        let b = fr_to_bytes(root);
        self.core.recent_roots.iter().any(|r| r.root == b)
    }

    /// The registry roots proofs may use now, oldest first.
    pub fn accepted_roots(&self) -> impl Iterator<Item = Fr> + '_ {
        self.core.recent_roots.iter().map(|r| fr(&r.root))
    }

    /// The voters' snapshot of proposal `id`: the member tree as it was, with the applicant's
    /// leaf zeroed. Voters prove membership under its root.
    ///
    /// # Errors
    /// [`LedgerError::NotFound`] for an unknown proposal.
    pub fn proposal_voters(&self, id: u64) -> Result<MerkleTree, LedgerError> {
        let prop = self
            .core
            .proposals
            .get(&id)
            .ok_or_else(|| LedgerError::NotFound(format!("no proposal {id}")))?;
        snapshot(&self.member_tree, prop.tree_len, prop.excluded)
            .map_err(|e| LedgerError::Corrupt(e.to_string()))
    }

    /// The `coop-history-v1` attributes of `account` at `time`:
    /// `[loans_repaid, principal_repaid, on_time_instalments, late_instalments, defaults,
    /// open_loans, member_months, 0]`.
    pub fn history_attrs(&self, account: &Account, time: u64) -> Option<[u64; NUM_ATTRS]> {
        let m = self.core.members.get(account)?;
        let h = &m.history;
        Some([
            h.loans_repaid,
            h.principal_repaid,
            h.on_time,
            h.late,
            h.defaults,
            h.open_loans,
            time.saturating_sub(m.joined_at) / MONTH_SECS,
            0,
        ])
    }

    /// The path and current root of a registry leaf.
    ///
    /// # Errors
    /// [`LedgerError::NotFound`] if no leaf has this value.
    pub fn credential_path(&self, leaf: &Fr) -> Result<(MerklePath, Fr), LedgerError> {
        let i = self
            .registry
            .position(leaf)
            .filter(|_| *leaf != Fr::from(0u64))
            .ok_or_else(|| {
                LedgerError::NotFound("credential leaf is not in the registry".into())
            })?;
        let path = self
            .registry
            .path(i)
            .map_err(|e| LedgerError::NotFound(e.to_string()))?;
        Ok((path, self.registry.root()))
    }

    /// The path and current root of a member's identity commitment.
    ///
    /// # Errors
    /// [`LedgerError::NotFound`] if the commitment is not in the member tree.
    pub fn member_path(&self, identity: &Fr) -> Result<(MerklePath, Fr), LedgerError> {
        let i = self
            .member_tree
            .position(identity)
            .ok_or_else(|| LedgerError::NotFound("identity is not in the member tree".into()))?;
        let path = self
            .member_tree
            .path(i)
            .map_err(|e| LedgerError::NotFound(e.to_string()))?;
        Ok((path, self.member_tree.root()))
    }

    pub(crate) fn authorize(&self, tx: &Tx, amount: Option<u64>) -> Result<(), TxError> {
        let officers = &self.core.params.officers;
        if !officers.contains(&tx.signer) {
            return Err(TxError::NotAnOfficer);
        }
        let mut signed: BTreeSet<Account> = BTreeSet::from([tx.signer]);
        for c in &tx.cosignatures {
            if officers.contains(&c.signer) {
                signed.insert(c.signer);
            }
        }
        let need = match amount {
            Some(a) if a <= self.core.params.treasury_limit => 1,
            _ => self.core.params.threshold,
        };
        let have = signed.len() as u32;
        if have < need {
            return Err(TxError::NotEnoughSignatures { have, need });
        }
        Ok(())
    }

    pub(crate) fn spend_nullifier(&mut self, n: &Fr) {
        let b = fr_to_bytes(n);
        self.nullifiers.insert(b);
        self.core.nullifier_count += 1;
        self.core.nullifier_acc =
            codec::hash("zkcredit/nullifiers/v1", &[&self.core.nullifier_acc, &b]);
        self.changes.nullifiers.push(b);
    }

    /// Appends a registry leaf; the caller checked that the registry has room.
    pub(crate) fn registry_append(&mut self, leaf: Fr, owner: [u8; 32]) -> u64 {
        let i = self.registry.len();
        let _ = self.registry.append(leaf);
        self.core.registry_owner.insert(i, owner);
        self.core.registry_len = self.registry.len();
        self.changes.registry.push((i, fr_to_bytes(&leaf)));
        self.core.registry_root = fr_to_bytes(&self.registry.root());
        i
    }

    /// Sets registry leaf `index` to 0 and ends every root from before it: from now on no
    /// proof can open the revoked leaf. The index must exist (callers check).
    pub(crate) fn revoke_leaf(&mut self, index: u64) {
        if self.registry.update(index, Fr::from(0u64)).is_ok() {
            self.changes.registry.push((index, [0; 32]));
            self.core.registry_root = fr_to_bytes(&self.registry.root());
            self.core.recent_roots.clear();
        }
    }

    /// Revokes every live history credential of `account` (after a late mark, a write-off or
    /// a new claim).
    pub(crate) fn revoke_history(&mut self, account: &Account) {
        let leaves = self
            .core
            .members
            .get_mut(account)
            .map(|m| std::mem::take(&mut m.history_leaves))
            .unwrap_or_default();
        for index in leaves {
            self.revoke_leaf(index);
        }
    }

    /// End of block at `time`: the registry's final root joins the accepted roots, and roots
    /// replaced more than `root_window_secs` ago leave.
    fn end_block(&mut self, time: u64) {
        let root = self.core.registry_root;
        if self.core.recent_roots.last().map(|r| r.root) != Some(root) {
            self.core
                .recent_roots
                .push(RecentRoot { root, since: time });
        }
        let window = self.core.params.root_window_secs;
        while self.core.recent_roots.len() > 1
            && self.core.recent_roots[1].since.saturating_add(window) < time
        {
            self.core.recent_roots.remove(0);
        }
    }

    pub(crate) fn issuer_of_account(&self, account: &Account) -> Option<[u8; 32]> {
        self.core
            .issuers
            .iter()
            .find(|(_, i)| i.account.as_ref() == Some(account))
            .map(|(id, _)| *id)
    }

    /// Executes one transaction at block time `time`: signature, nonce and every rule. On
    /// success the state has changed and a proof (if any) awaits the block's batch check; on
    /// failure nothing changed.
    ///
    /// # Errors
    /// The [`TxError`] naming the first rule that fails.
    pub fn execute(
        &mut self,
        tx: &Tx,
        time: u64,
        keys: &Keys,
    ) -> Result<Option<(ProofKind, zkcredit_verifier::Envelope)>, TxError> {
        self.execute_signed(tx, time, keys, false)
    }

    /// [`State::execute`], skipping the signature checks when `signed` (the caller verified
    /// exactly this transaction's signatures over this chain: a [`Verified`] signature mark).
    fn execute_signed(
        &mut self,
        tx: &Tx,
        time: u64,
        keys: &Keys,
        signed: bool,
    ) -> Result<Option<(ProofKind, zkcredit_verifier::Envelope)>, TxError> {
        if !signed {
            let msg = tx.message(&self.core.params.chain_id);
            if !check_signature(&tx.signer, &msg, &tx.signature) {
                return Err(TxError::BadSignature);
            }
            for (index, c) in tx.cosignatures.iter().enumerate() {
                if !check_signature(&c.signer, &msg, &c.signature) {
                    return Err(TxError::BadCosignature { index });
                }
            }
        }
        // Nonces only increase: a transaction may skip the nonce of an earlier one that was
        // rejected (so one rejection does not doom the account's later transactions), and
        // after it applies no transaction with its nonce or a lower one can apply again.
        let expected = self.nonce(&tx.signer);
        if tx.nonce < expected {
            return Err(TxError::WrongNonce {
                expected,
                found: tx.nonce,
            });
        }
        let next_nonce = overflow(tx.nonce.checked_add(1))?;
        let effect = crate::actions::check(self, tx, time, keys)?;
        // Nothing below fails: the check computed every value.
        let proof = crate::actions::apply(self, effect);
        self.core.nonces.insert(tx.signer, next_nonce);
        Ok(proof)
    }

    pub(crate) fn loan_in(&self, id: u64, status: LoanStatus) -> Result<&Loan, TxError> {
        let l = self.core.loans.get(&id).ok_or(TxError::UnknownLoan(id))?;
        if l.status != status {
            return Err(TxError::WrongLoanStatus {
                loan: id,
                expected: status.name(),
                found: l.status.name(),
            });
        }
        Ok(l)
    }

    /// Members' capital × seconds since the last distribution, up to `time`, in member order:
    /// the weights of a distribution at `time`.
    pub(crate) fn capital_seconds(&self, time: u64) -> Vec<u128> {
        self.core
            .members
            .values()
            .map(|m| {
                m.capital_secs + u128::from(m.capital) * u128::from(time.saturating_sub(m.since))
            })
            .collect()
    }

    /// Sets a member's capital at `time`, first accruing the capital-seconds of the old amount.
    pub(crate) fn set_capital(&mut self, account: &Account, capital: u64, time: u64) {
        if let Some(m) = self.core.members.get_mut(account) {
            accrue(m, time);
            m.capital = capital;
        }
    }

    /// Adds (`credit`) or subtracts each member's delta (member order) at `time`, accruing
    /// capital-seconds first. The caller computed deltas that fit.
    pub(crate) fn apply_capital_changes(&mut self, deltas: &[u64], credit: bool, time: u64) {
        for (m, d) in self.core.members.values_mut().zip(deltas) {
            accrue(m, time);
            if credit {
                m.capital = m.capital.saturating_add(*d);
            } else {
                m.capital = m.capital.saturating_sub(*d);
            }
        }
    }

    /// Applies a whole block, all or nothing: header links, every transaction, one batch
    /// verification per circuit, and the resulting state hash against the header's. This is
    /// the interface a replicated (ABCI) deployment would call.
    ///
    /// # Errors
    /// [`BlockError`] naming the first problem; `self` is unchanged.
    pub fn apply_block(&mut self, block: &Block, keys: &Keys) -> Result<usize, BlockError> {
        let h = &block.header;
        self.check_header(h, &block.txs)?;
        let mut next = self.clone();
        next.changes = Changes::default();
        next.core.height = h.height;
        next.core.time = h.time;
        crate::actions::begin_block(&mut next, h.time);
        let mut pending: Vec<Pending> = Vec::new();
        for (index, tx) in block.txs.iter().enumerate() {
            match next.execute(tx, h.time, keys) {
                Ok(Some((kind, env))) => pending.push((index, kind, env)),
                Ok(None) => {}
                Err(error) => return Err(BlockError::Tx { index, error }),
            }
        }
        if let Some(&index) = verify_pending(keys, &pending).first() {
            return Err(BlockError::Tx {
                index,
                error: TxError::InvalidProof,
            });
        }
        next.end_block(h.time);
        let computed = next.state_hash();
        if computed != h.state_hash {
            return Err(BlockError::StateHash {
                header: hex::encode(h.state_hash),
                computed: hex::encode(computed),
            });
        }
        next.head_hash = h.hash();
        *self = next;
        Ok(pending.len())
    }

    fn check_header(&self, h: &BlockHeader, txs: &[Tx]) -> Result<(), BlockError> {
        if h.version != BLOCK_VERSION {
            return Err(BlockError::Header(format!("version {}", h.version)));
        }
        if h.height != self.core.height + 1 {
            return Err(BlockError::Height {
                expected: self.core.height + 1,
                found: h.height,
            });
        }
        if h.prev_hash != self.head_hash {
            return Err(BlockError::PrevHash);
        }
        if h.time < self.core.time {
            return Err(BlockError::Time {
                previous: self.core.time,
                found: h.time,
            });
        }
        if h.tx_count as usize != txs.len() {
            return Err(BlockError::Header(
                "tx_count differs from the transactions".into(),
            ));
        }
        if h.tx_root != tx_root(txs) {
            return Err(BlockError::Header(
                "tx_root differs from the transactions".into(),
            ));
        }
        Ok(())
    }

    /// Builds the next block from candidate transactions at `time`: each is executed in
    /// order, rejected ones are left out with their reason, proofs are batch-verified and a
    /// transaction whose proof fails is dropped (and the rest re-executed). Returns the new
    /// state, the block and the rejections; `self` is unchanged.
    ///
    /// # Errors
    /// [`BlockError::Time`] when `time` is before the last block.
    pub fn build_block(
        &self,
        time: u64,
        candidates: &[Tx],
        keys: &Keys,
    ) -> Result<(State, Block, Vec<Rejected>), BlockError> {
        self.build_block_verified(time, candidates, keys, &Verified::default())
            .map(|(next, block, rejected, _)| (next, block, rejected))
    }

    /// [`State::build_block`] for a block producer that already verified some proofs and
    /// signatures: a candidate whose proof is marked in `verified` for exactly its transaction
    /// hash and the key of its circuit skips the pairing check (every other rule, the strict
    /// proof decoding and the public-input checks still run), one whose transaction hash has
    /// a signature mark skips the ed25519 checks; every other proof and signature is checked.
    /// Also returns how many proofs were skipped. Only the process that made the marks may
    /// pass them; blocks from elsewhere go through [`State::apply_block`], which verifies
    /// all.
    ///
    /// # Errors
    /// As [`State::build_block`].
    pub fn build_block_verified(
        &self,
        time: u64,
        candidates: &[Tx],
        keys: &Keys,
        verified: &Verified,
    ) -> Result<(State, Block, Vec<Rejected>, usize), BlockError> {
        if time < self.core.time {
            return Err(BlockError::Time {
                previous: self.core.time,
                found: time,
            });
        }
        let mut bad_proofs: BTreeSet<usize> = BTreeSet::new();
        loop {
            let mut next = self.clone();
            next.changes = Changes::default();
            next.core.height = self.core.height + 1;
            next.core.time = time;
            crate::actions::begin_block(&mut next, time);
            let mut included: Vec<usize> = Vec::new();
            let mut rejected = Vec::new();
            let mut pending: Vec<Pending> = Vec::new();
            let mut skipped = 0;
            for (i, tx) in candidates.iter().enumerate() {
                if bad_proofs.contains(&i) {
                    rejected.push(Rejected {
                        hash: tx.hash(),
                        kind: tx.body.kind(),
                        error: TxError::InvalidProof,
                    });
                    continue;
                }
                let hash = (!verified.is_empty()).then(|| tx.hash());
                let signed = hash.is_some_and(|h| verified.signed(&h));
                match next.execute_signed(tx, time, keys, signed) {
                    Ok(p) => {
                        if let Some((kind, env)) = p {
                            if hash.is_some_and(|h| verified.contains(&h, keys.get(kind))) {
                                skipped += 1;
                            } else {
                                pending.push((i, kind, env));
                            }
                        }
                        included.push(i);
                    }
                    Err(error) => rejected.push(Rejected {
                        hash: tx.hash(),
                        kind: tx.body.kind(),
                        error,
                    }),
                }
            }
            let bad = verify_pending(keys, &pending);
            if !bad.is_empty() {
                bad_proofs.extend(bad);
                continue;
            }
            next.end_block(time);
            let txs: Vec<Tx> = included.iter().map(|&i| candidates[i].clone()).collect();
            let header = BlockHeader {
                version: BLOCK_VERSION,
                height: next.core.height,
                time,
                prev_hash: self.head_hash,
                tx_root: tx_root(&txs),
                state_hash: next.state_hash(),
                tx_count: txs.len() as u32,
            };
            next.head_hash = header.hash();
            return Ok((next, Block { header, txs }, rejected, skipped));
        }
    }
}

/// Accrues `m`'s capital × seconds up to `time`.
fn accrue(m: &mut Member, time: u64) {
    let secs = time.saturating_sub(m.since);
    m.capital_secs = m
        .capital_secs
        .saturating_add(u128::from(m.capital) * u128::from(secs));
    m.since = m.since.max(time);
}

/// The member tree's first `len` leaves with leaf `excluded` set to 0: a proposal's voters.
fn snapshot(
    tree: &MerkleTree,
    len: u64,
    excluded: Option<u64>,
) -> Result<MerkleTree, zkcredit_circuits::Error> {
    let n = usize::try_from(len)
        .unwrap_or(usize::MAX)
        .min(tree.leaves().len());
    let mut leaves = tree.leaves()[..n].to_vec();
    if let Some(slot) = excluded.and_then(|i| leaves.get_mut(usize::try_from(i).ok()?)) {
        *slot = Fr::from(0u64);
    }
    MerkleTree::from_leaves(tree.depth(), &leaves)
}

pub use pool::pro_rata;
