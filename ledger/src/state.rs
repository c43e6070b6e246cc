//! The co-op state machine: deterministic, behind [`State::apply_block`].
//!
//! Every transaction handler checks everything first and mutates only once nothing can fail,
//! so a rejected transaction leaves the state exactly as it was. Proofs are checked in two
//! steps: the handler compares the proof's public inputs with what the ledger expects (and
//! decodes the proof strictly); the pairing checks of the whole block then run as one batch
//! per circuit.

use crate::codec::{self, fr_from_bytes, fr_to_bytes, Hash};
use crate::error::{BlockError, LedgerError, TxError};
use crate::keys::{envelope, verify_pending, Keys, Pending, ProofKind};
use crate::pool::{self, Pool};
use crate::schedule::schedule;
use crate::tx::{
    check_signature, tx_root, Account, Block, BlockHeader, Genesis, Params, PolicyRules, Tx,
    TxBody, BLOCK_VERSION,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use zkcredit_circuits::credential::{Credential, NUM_ATTRS, SCHEMA_COOP_HISTORY_V1};
use zkcredit_circuits::merkle::{MerklePath, MerkleTree};
use zkcredit_circuits::statement::MembershipStatement;
use zkcredit_circuits::{poseidon, Fr};

pub use crate::schedule::YEAR_SECS;
/// Seconds in a "member month" of the history credential.
pub const MONTH_SECS: u64 = 30 * 86_400;
/// Longest loan term a policy may allow, in instalments.
pub const MAX_TERM: u64 = 600;

/// A registered issuer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issuer {
    /// Display name.
    pub name: String,
    /// The account that attests for it (`None`: the co-op itself, attesting through
    /// `ClaimHistory`).
    pub account: Option<Account>,
}

/// A member's repayment record (the attributes of `coop-history-v1`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// Loans repaid in full.
    pub loans_repaid: u64,
    /// Principal of the loans repaid in full.
    pub principal_repaid: u64,
    /// Instalments paid by their due date without a late fee.
    pub on_time: u64,
    /// Instalments paid late.
    pub late: u64,
    /// Loans written off.
    pub defaults: u64,
    /// Loans disbursed and not yet closed.
    pub open_loans: u64,
}

/// A member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Identity commitment (leaf of the member tree).
    pub identity: [u8; 32],
    /// Leaf index in the member tree.
    pub index: u64,
    /// Capital (shares), minor units.
    pub capital: u64,
    /// Join time.
    pub joined_at: u64,
    /// Repayment record.
    pub history: History,
    /// Registry indices of the member's live `coop-history-v1` credentials: a new claim, a
    /// late mark or a write-off revokes them, so an outdated record never proves again.
    pub history_leaves: Vec<u64>,
    /// Time of the member's last history claim.
    pub last_history_claim: Option<u64>,
}

/// Where a loan stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoanStatus {
    /// Waiting for the member vote.
    Voting,
    /// Approved, waiting for disbursement.
    Approved,
    /// Refused by the vote.
    Rejected,
    /// Disbursed, being repaid.
    Active,
    /// Repaid in full.
    Repaid,
    /// Written off.
    Defaulted,
}

impl LoanStatus {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Voting => "voting",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Active => "active",
            Self::Repaid => "repaid",
            Self::Defaulted => "defaulted",
        }
    }
}

/// One instalment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    /// Due time.
    pub due: u64,
    /// Principal part.
    pub principal: u64,
    /// Interest part.
    pub interest: u64,
    /// Late fee charged (0 if none).
    pub late_fee: u64,
    /// When it was paid.
    pub paid_at: Option<u64>,
}

impl Instalment {
    /// Principal + interest + late fee.
    pub fn total(&self) -> Option<u64> {
        self.principal
            .checked_add(self.interest)?
            .checked_add(self.late_fee)
    }
}

/// A loan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loan {
    /// Borrower account.
    pub borrower: Account,
    /// Policy it was granted under.
    pub policy_id: u64,
    /// Principal.
    pub amount: u64,
    /// Instalments.
    pub term: u64,
    /// Yearly rate, basis points.
    pub rate_bps: u64,
    /// Status.
    pub status: LoanStatus,
    /// Application time.
    pub applied_at: u64,
    /// The vote, for loans above the auto-approval limit.
    pub proposal: Option<u64>,
    /// Schedule (empty until disbursed).
    pub schedule: Vec<Instalment>,
    /// Index of the next unpaid instalment.
    pub next: u64,
}

impl Loan {
    /// Principal not yet repaid.
    pub fn remaining_principal(&self) -> u64 {
        self.schedule[self.next as usize..]
            .iter()
            .map(|i| i.principal)
            .sum()
    }
}

/// Outcome of a proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProposalStatus {
    /// Accepting votes.
    Open,
    /// Reached quorum.
    Passed,
    /// Closed without quorum.
    Failed,
}

/// A member vote on a large loan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The loan voted on.
    pub loan: u64,
    /// Root of the voters' snapshot: the member tree when the proposal was made, with the
    /// applicant's leaf set to 0 (a borrower does not vote on their own loan). Votes prove
    /// membership under it.
    pub member_root: [u8; 32],
    /// Leaves of the member tree in the snapshot.
    pub tree_len: u64,
    /// The member-tree leaf zeroed in the snapshot (the applicant's).
    pub excluded: Option<u64>,
    /// Members who may vote (members at that time, less the applicant).
    pub members: u64,
    /// Votes accepted until (exclusive).
    pub deadline: u64,
    /// Yes votes.
    pub yes: u64,
    /// No votes.
    pub no: u64,
    /// Status.
    pub status: ProposalStatus,
}

impl Proposal {
    /// Yes votes needed: `ceil(members · quorum_bps / 10000)`, at least 1.
    pub fn needed(&self, quorum_bps: u32) -> u64 {
        let n = u128::from(self.members) * u128::from(quorum_bps);
        (n.div_ceil(10_000) as u64).max(1)
    }
}

/// The hashed part of the state. Its canonical encoding defines the state hash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Core {
    /// Height of the last applied block (0: genesis).
    pub height: u64,
    /// Time of the last applied block (genesis time at 0).
    pub time: u64,
    /// Pool accounting.
    pub pool: Pool,
    /// Next nonce of every account that sent a transaction.
    pub nonces: BTreeMap<Account, u64>,
    /// Issuers by id.
    pub issuers: BTreeMap<[u8; 32], Issuer>,
    /// Leaves in the credential registry.
    pub registry_len: u64,
    /// Current registry root.
    pub registry_root: [u8; 32],
    /// Registry roots accepted in proofs, oldest first: each block that changes the registry
    /// adds its final root; a root is dropped once its successor is older than
    /// `root_window_secs`; a revocation drops every root before it.
    pub recent_roots: Vec<RecentRoot>,
    /// Issuer of each registry leaf.
    pub registry_owner: BTreeMap<u64, [u8; 32]>,
    /// Members by account.
    pub members: BTreeMap<Account, Member>,
    /// Identity commitments in the member tree.
    pub identities: BTreeSet<[u8; 32]>,
    /// Current member-tree root.
    pub member_root: [u8; 32],
    /// Policies by id.
    pub policies: BTreeMap<u64, PolicyRules>,
    /// The policy that admits new members (`None`: admission closed).
    pub admission: Option<u64>,
    /// Loans by id.
    pub loans: BTreeMap<u64, Loan>,
    /// Next loan id.
    pub next_loan: u64,
    /// Proposals by id.
    pub proposals: BTreeMap<u64, Proposal>,
    /// Next proposal id.
    pub next_proposal: u64,
    /// Number of spent nullifiers.
    pub nullifier_count: u64,
    /// Hash chain over spent nullifiers in order: `acc' = H("zkcredit/nullifiers/v1" ‖ acc ‖ n)`.
    pub nullifier_acc: Hash,
}

/// A registry root proofs may use, and the block time from which it was the registry's root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentRoot {
    /// The root.
    pub root: [u8; 32],
    /// Block time at which it became the current root.
    pub since: u64,
}

/// What a block changed outside the core, for the store to write.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    /// Nullifiers spent.
    pub nullifiers: Vec<Hash>,
    /// Registry leaves written (index, leaf).
    pub registry: Vec<(u64, [u8; 32])>,
    /// Member leaves appended (index, identity).
    pub members: Vec<(u64, [u8; 32])>,
}

/// A transaction that did not make it into a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// Transaction hash.
    pub hash: Hash,
    /// Kind, e.g. `apply-loan`.
    pub kind: &'static str,
    /// Why.
    pub error: TxError,
}

/// The whole state: the hashed core plus the trees and nullifier set it commits to.
#[derive(Clone, Debug)]
pub struct State {
    params: Params,
    genesis_hash: Hash,
    head_hash: Hash,
    core: Core,
    registry: MerkleTree,
    member_tree: MerkleTree,
    nullifiers: HashSet<Hash>,
    pub(crate) changes: Changes,
}

fn tag(domain: &str, chain_id: &str) -> Fr {
    codec::fr_from_hash(&codec::hash(domain, &[chain_id.as_bytes()]))
}

/// The co-op's own issuer id on chain `chain_id`: `H("zkcredit/coop-issuer/v1" ‖ chain_id)`
/// reduced into Fr.
pub fn coop_issuer_id(chain_id: &str) -> Fr {
    tag("zkcredit/coop-issuer/v1", chain_id)
}

/// Nullifier scope of loan applications at `time`: `Poseidon(pool_tag, epoch)` with
/// `pool_tag = H("zkcredit/pool/v1" ‖ chain_id)` and `epoch = time / epoch_secs`.
pub fn application_scope(params: &Params, time: u64) -> Fr {
    poseidon::hash2(
        tag("zkcredit/pool/v1", &params.chain_id),
        Fr::from(time / params.epoch_secs),
    )
}

/// Nullifier scope of admission proofs: `Poseidon(H("zkcredit/admission/v1" ‖ chain_id), 0)`.
/// Fixed for the life of the chain, so one credential holder joins once, ever.
pub fn admission_scope(params: &Params) -> Fr {
    poseidon::hash2(
        tag("zkcredit/admission/v1", &params.chain_id),
        Fr::from(0u64),
    )
}

/// Nullifier scope of votes on proposal `id`: `Poseidon(H("zkcredit/proposal/v1" ‖ chain_id), id)`.
pub fn vote_scope(params: &Params, id: u64) -> Fr {
    poseidon::hash2(tag("zkcredit/proposal/v1", &params.chain_id), Fr::from(id))
}

/// Signal of a vote: `Poseidon(proposal id, approve ? 1 : 0)`.
pub fn vote_signal(id: u64, approve: bool) -> Fr {
    poseidon::hash2(Fr::from(id), Fr::from(u64::from(approve)))
}

fn fr(b: &[u8; 32]) -> Fr {
    fr_from_bytes(b).expect("stored field elements are canonical")
}

fn overflow<T>(x: Option<T>) -> Result<T, TxError> {
    x.ok_or(TxError::Overflow)
}

impl State {
    /// The state right after genesis.
    ///
    /// # Errors
    /// [`LedgerError::Genesis`] for inconsistent parameters.
    pub fn genesis(genesis: &Genesis) -> Result<Self, LedgerError> {
        let p = &genesis.params;
        let bad = |m: &str| Err(LedgerError::Genesis(m.to_string()));
        if p.officers.is_empty() || p.threshold == 0 || p.threshold as usize > p.officers.len() {
            return bad("need 1 <= threshold <= number of officers");
        }
        if p.officers.iter().collect::<BTreeSet<_>>().len() != p.officers.len() {
            return bad("duplicate officer");
        }
        if p.epoch_secs == 0 || p.period_secs == 0 {
            return bad("epoch_secs and period_secs must be positive");
        }
        if p.interest_reserve_bps > 10_000
            || p.distribution_reserve_bps > 10_000
            || p.quorum_bps > 10_000
        {
            return bad("basis points above 10000");
        }
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
            params: p.clone(),
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
            params: genesis.params.clone(),
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
    /// Chain parameters.
    pub fn params(&self) -> &Params {
        &self.params
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
    /// Next nonce of an account.
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

    fn authorize(&self, tx: &Tx, amount: Option<u64>) -> Result<(), TxError> {
        let officers = &self.params.officers;
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
            Some(a) if a <= self.params.treasury_limit => 1,
            _ => self.params.threshold,
        };
        let have = signed.len() as u32;
        if have < need {
            return Err(TxError::NotEnoughSignatures { have, need });
        }
        Ok(())
    }

    fn spend_nullifier(&mut self, n: &Fr) {
        let b = fr_to_bytes(n);
        self.nullifiers.insert(b);
        self.core.nullifier_count += 1;
        self.core.nullifier_acc =
            codec::hash("zkcredit/nullifiers/v1", &[&self.core.nullifier_acc, &b]);
        self.changes.nullifiers.push(b);
    }

    fn registry_append(&mut self, leaf: Fr, owner: [u8; 32]) -> Result<u64, TxError> {
        let i = self
            .registry
            .append(leaf)
            .map_err(|_| TxError::TreeFull("registry"))?;
        self.core.registry_owner.insert(i, owner);
        self.core.registry_len = self.registry.len();
        self.changes.registry.push((i, fr_to_bytes(&leaf)));
        self.core.registry_root = fr_to_bytes(&self.registry.root());
        Ok(i)
    }

    /// Sets registry leaf `index` to 0 and ends every root from before it: from now on no
    /// proof can open the revoked leaf. The index must exist (callers check).
    fn revoke_leaf(&mut self, index: u64) {
        if self.registry.update(index, Fr::from(0u64)).is_ok() {
            self.changes.registry.push((index, [0; 32]));
            self.core.registry_root = fr_to_bytes(&self.registry.root());
            self.core.recent_roots.clear();
        }
    }

    /// Revokes every live history credential of `account` (after a late mark, a write-off or
    /// a new claim).
    fn revoke_history(&mut self, account: &Account) {
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
        let window = self.params.root_window_secs;
        while self.core.recent_roots.len() > 1
            && self.core.recent_roots[1].since.saturating_add(window) < time
        {
            self.core.recent_roots.remove(0);
        }
    }

    fn issuer_of_account(&self, account: &Account) -> Option<[u8; 32]> {
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
        let msg = tx.message(&self.params.chain_id);
        if !check_signature(&tx.signer, &msg, &tx.signature) {
            return Err(TxError::BadSignature);
        }
        for (index, c) in tx.cosignatures.iter().enumerate() {
            if !check_signature(&c.signer, &msg, &c.signature) {
                return Err(TxError::BadCosignature { index });
            }
        }
        let expected = self.nonce(&tx.signer);
        if tx.nonce != expected {
            return Err(TxError::WrongNonce {
                expected,
                found: tx.nonce,
            });
        }
        let next_nonce = overflow(expected.checked_add(1))?;
        let out = self.execute_body(tx, time, keys)?;
        self.core.nonces.insert(tx.signer, next_nonce);
        Ok(out)
    }

    fn execute_body(
        &mut self,
        tx: &Tx,
        time: u64,
        keys: &Keys,
    ) -> Result<Option<(ProofKind, zkcredit_verifier::Envelope)>, TxError> {
        let p = self.params.clone();
        match &tx.body {
            TxBody::RegisterIssuer {
                issuer,
                account,
                name,
            } => {
                self.authorize(tx, None)?;
                let id = fr_to_bytes(issuer);
                if self.core.issuers.contains_key(&id) || self.issuer_of_account(account).is_some()
                {
                    return Err(TxError::IssuerExists);
                }
                self.core.issuers.insert(
                    id,
                    Issuer {
                        name: name.clone(),
                        account: Some(*account),
                    },
                );
                Ok(None)
            }
            TxBody::Attest { commitment } => {
                let id = self
                    .issuer_of_account(&tx.signer)
                    .ok_or(TxError::NotAnIssuer)?;
                let leaf = zkcredit_circuits::credential::registry_leaf(fr(&id), *commitment);
                self.registry_append(leaf, id)?;
                Ok(None)
            }
            TxBody::Revoke { index } => {
                // The co-op's own history credentials have no issuer account: governance
                // (k-of-n officers) revokes them.
                let coop = fr_to_bytes(&coop_issuer_id(&p.chain_id));
                let id = if self.core.registry_owner.get(index) == Some(&coop) {
                    self.authorize(tx, None)?;
                    coop
                } else {
                    self.issuer_of_account(&tx.signer)
                        .ok_or(TxError::NotAnIssuer)?
                };
                let owner = self
                    .core
                    .registry_owner
                    .get(index)
                    .ok_or(TxError::UnknownCredential(*index))?;
                if *owner != id {
                    return Err(TxError::NotYourCredential(*index));
                }
                let zero = Fr::from(0u64);
                if self.registry.leaf(*index).ok() == Some(zero) {
                    return Err(TxError::AlreadyRevoked(*index));
                }
                self.revoke_leaf(*index);
                Ok(None)
            }
            TxBody::Join {
                identity,
                deposit,
                proof,
            } => {
                if self.core.members.contains_key(&tx.signer) {
                    return Err(TxError::AlreadyMember);
                }
                let id = fr_to_bytes(identity);
                if *identity == Fr::from(0u64) || self.core.identities.contains(&id) {
                    return Err(TxError::DuplicateIdentity);
                }
                if *deposit < p.min_deposit {
                    return Err(TxError::DepositTooSmall {
                        min: p.min_deposit,
                        found: *deposit,
                    });
                }
                let expected =
                    self.expected_admission(&tx.signer, tx.nonce, *identity, *deposit)?;
                let (nullifier, env) = self.check_policy_proof(keys, proof, &expected, time)?;
                let pool = self.core.pool.deposit(*deposit)?;
                let index = self
                    .member_tree
                    .append(*identity)
                    .map_err(|_| TxError::TreeFull("member"))?;
                self.core.pool = pool;
                self.core.identities.insert(id);
                self.core.member_root = fr_to_bytes(&self.member_tree.root());
                self.changes.members.push((index, id));
                self.core.members.insert(
                    tx.signer,
                    Member {
                        identity: id,
                        index,
                        capital: *deposit,
                        joined_at: time,
                        history: History::default(),
                        history_leaves: Vec::new(),
                        last_history_claim: None,
                    },
                );
                self.spend_nullifier(&nullifier);
                Ok(Some((ProofKind::Policy, env)))
            }
            TxBody::Deposit { amount } => {
                let m = self
                    .core
                    .members
                    .get(&tx.signer)
                    .ok_or(TxError::NotAMember)?;
                if *amount == 0 {
                    return Err(TxError::ZeroAmount);
                }
                let capital = overflow(m.capital.checked_add(*amount))?;
                let pool = self.core.pool.deposit(*amount)?;
                self.core.pool = pool;
                self.core
                    .members
                    .get_mut(&tx.signer)
                    .expect("checked")
                    .capital = capital;
                Ok(None)
            }
            TxBody::Withdraw { amount } => {
                let m = self
                    .core
                    .members
                    .get(&tx.signer)
                    .ok_or(TxError::NotAMember)?;
                if *amount == 0 {
                    return Err(TxError::ZeroAmount);
                }
                if *amount > m.capital {
                    return Err(TxError::InsufficientCapital {
                        available: m.capital,
                        requested: *amount,
                    });
                }
                let pool = self.core.pool.withdraw(*amount)?;
                self.core.pool = pool;
                self.core
                    .members
                    .get_mut(&tx.signer)
                    .expect("checked")
                    .capital -= amount;
                Ok(None)
            }
            TxBody::SetPolicy { policy_id, rules } => {
                self.authorize(tx, None)?;
                rules
                    .policy()
                    .validate()
                    .map_err(|e| TxError::InvalidPolicy(e.to_string()))?;
                if !self.core.issuers.contains_key(&fr_to_bytes(&rules.issuer)) {
                    return Err(TxError::UnknownIssuer);
                }
                if rules.max_term == 0 || rules.max_term > MAX_TERM || rules.max_amount == 0 {
                    return Err(TxError::InvalidPolicy(format!(
                        "max_term must be in 1..={MAX_TERM} and max_amount positive"
                    )));
                }
                if rules.rate_bps > 100_000 {
                    return Err(TxError::InvalidPolicy("rate above 1000 %".into()));
                }
                self.core.policies.insert(*policy_id, rules.clone());
                Ok(None)
            }
            TxBody::SetAdmission { policy_id } => {
                self.authorize(tx, None)?;
                if let Some(id) = policy_id {
                    if !self.core.policies.contains_key(id) {
                        return Err(TxError::UnknownPolicy(*id));
                    }
                }
                self.core.admission = *policy_id;
                Ok(None)
            }
            TxBody::ApplyLoan {
                policy_id,
                amount,
                term,
                rate_bps,
                proof,
            } => {
                let expected = self.expected_application(
                    &tx.signer, tx.nonce, *policy_id, *amount, *term, *rate_bps, time,
                )?;
                let (nullifier, env) = self.check_policy_proof(keys, proof, &expected, time)?;
                let auto = *amount <= p.auto_approve_limit;
                let applicant = self.core.members[&tx.signer].index;
                // The voters: the member tree with the applicant's leaf zeroed.
                let voters_root = if auto {
                    None
                } else {
                    let mut voters = self.member_tree.clone();
                    voters
                        .update(applicant, Fr::from(0u64))
                        .map_err(|_| TxError::Overflow)?;
                    Some(fr_to_bytes(&voters.root()))
                };
                let committed = if auto {
                    overflow(self.core.pool.committed.checked_add(*amount))?
                } else {
                    self.core.pool.committed
                };
                let loan_id = self.core.next_loan;
                let next_loan = overflow(loan_id.checked_add(1))?;
                let next_proposal = overflow(self.core.next_proposal.checked_add(1))?;
                let deadline = overflow(time.checked_add(p.vote_period))?;
                let eligible = (self.core.members.len() as u64).saturating_sub(1);
                // Nothing below fails.
                self.spend_nullifier(&nullifier);
                self.core.pool.committed = committed;
                let proposal = if auto {
                    None
                } else {
                    let id = self.core.next_proposal;
                    self.core.proposals.insert(
                        id,
                        Proposal {
                            loan: loan_id,
                            member_root: voters_root.unwrap_or_default(),
                            tree_len: self.member_tree.len(),
                            excluded: Some(applicant),
                            members: eligible,
                            deadline,
                            yes: 0,
                            no: 0,
                            status: ProposalStatus::Open,
                        },
                    );
                    self.core.next_proposal = next_proposal;
                    Some(id)
                };
                self.core.loans.insert(
                    loan_id,
                    Loan {
                        borrower: tx.signer,
                        policy_id: *policy_id,
                        amount: *amount,
                        term: *term,
                        rate_bps: *rate_bps,
                        status: if auto {
                            LoanStatus::Approved
                        } else {
                            LoanStatus::Voting
                        },
                        applied_at: time,
                        proposal,
                        schedule: Vec::new(),
                        next: 0,
                    },
                );
                self.core.next_loan = next_loan;
                Ok(Some((ProofKind::Policy, env)))
            }
            TxBody::Vote {
                proposal,
                approve,
                proof,
            } => {
                let prop = self
                    .core
                    .proposals
                    .get(proposal)
                    .ok_or(TxError::UnknownProposal(*proposal))?;
                if prop.status != ProposalStatus::Open || time >= prop.deadline {
                    return Err(TxError::ProposalClosed(*proposal));
                }
                let key = &keys.membership;
                let st = MembershipStatement::from_public_inputs(&proof.public_inputs)
                    .map_err(|e| TxError::MalformedProof(e.to_string()))?;
                if fr_to_bytes(&st.root) != prop.member_root {
                    return Err(TxError::WrongMemberRoot);
                }
                let scope = vote_scope(&p, *proposal);
                if st.scope != scope {
                    return Err(TxError::WrongScope {
                        expected: zkcredit_circuits::field::to_decimal(&scope),
                    });
                }
                if st.signal != vote_signal(*proposal, *approve) {
                    return Err(TxError::WrongSignal);
                }
                if self.nullifier_used(&st.nullifier) {
                    return Err(TxError::AlreadyVoted);
                }
                let env = envelope(key, proof)?;
                let (yes, no) = if *approve {
                    (prop.yes + 1, prop.no)
                } else {
                    (prop.yes, prop.no + 1)
                };
                let passes = *approve && yes >= prop.needed(p.quorum_bps);
                let loan_id = prop.loan;
                let amount = self.core.loans[&loan_id].amount;
                let committed = if passes {
                    overflow(self.core.pool.committed.checked_add(amount))?
                } else {
                    self.core.pool.committed
                };
                self.spend_nullifier(&st.nullifier);
                let prop = self.core.proposals.get_mut(proposal).expect("checked");
                prop.yes = yes;
                prop.no = no;
                if passes {
                    prop.status = ProposalStatus::Passed;
                    self.core.pool.committed = committed;
                    self.core.loans.get_mut(&loan_id).expect("exists").status =
                        LoanStatus::Approved;
                }
                Ok(Some((ProofKind::Membership, env)))
            }
            TxBody::CloseProposal { proposal } => {
                let prop = self
                    .core
                    .proposals
                    .get(proposal)
                    .ok_or(TxError::UnknownProposal(*proposal))?;
                if prop.status != ProposalStatus::Open {
                    return Err(TxError::ProposalClosed(*proposal));
                }
                if time < prop.deadline {
                    return Err(TxError::ProposalOpen {
                        proposal: *proposal,
                        deadline: prop.deadline,
                    });
                }
                let loan = prop.loan;
                self.core
                    .proposals
                    .get_mut(proposal)
                    .expect("checked")
                    .status = ProposalStatus::Failed;
                self.core.loans.get_mut(&loan).expect("exists").status = LoanStatus::Rejected;
                Ok(None)
            }
            TxBody::Disburse { loan } => {
                let l = self.loan_in(*loan, LoanStatus::Approved)?;
                self.authorize(tx, Some(l.amount))?;
                let schedule = schedule(l.amount, l.term, l.rate_bps, time, p.period_secs)?;
                let pool = self.core.pool.disburse(l.amount)?;
                let borrower = l.borrower;
                let open = overflow(
                    self.member(&borrower)
                        .map_or(Some(1), |m| m.history.open_loans.checked_add(1)),
                )?;
                self.core.pool = pool;
                if let Some(m) = self.core.members.get_mut(&borrower) {
                    m.history.open_loans = open;
                }
                let l = self.core.loans.get_mut(loan).expect("checked");
                l.schedule = schedule;
                l.status = LoanStatus::Active;
                Ok(None)
            }
            TxBody::Repay { loan, amount } => {
                let l = self.loan_in(*loan, LoanStatus::Active)?;
                if l.borrower != tx.signer {
                    return Err(TxError::NotYourLoan(*loan));
                }
                let inst = &l.schedule[l.next as usize];
                let due = overflow(inst.total())?;
                if *amount != due {
                    return Err(TxError::WrongAmount { due, paid: *amount });
                }
                let on_time = time <= inst.due && inst.late_fee == 0;
                let pool = self.core.pool.repay(
                    inst.principal,
                    inst.interest,
                    inst.late_fee,
                    p.interest_reserve_bps,
                )?;
                let last = l.next + 1 == l.term;
                let principal = l.amount;
                let m = self
                    .core
                    .members
                    .get(&tx.signer)
                    .ok_or(TxError::NotAMember)?;
                let mut h = m.history.clone();
                if on_time {
                    h.on_time = overflow(h.on_time.checked_add(1))?;
                } else {
                    h.late = overflow(h.late.checked_add(1))?;
                }
                if last {
                    h.loans_repaid = overflow(h.loans_repaid.checked_add(1))?;
                    h.principal_repaid = overflow(h.principal_repaid.checked_add(principal))?;
                    h.open_loans = h.open_loans.saturating_sub(1);
                }
                self.core.pool = pool;
                self.core
                    .members
                    .get_mut(&tx.signer)
                    .expect("checked")
                    .history = h;
                let l = self.core.loans.get_mut(loan).expect("checked");
                let next = l.next as usize;
                l.schedule[next].paid_at = Some(time);
                l.next += 1;
                if last {
                    l.status = LoanStatus::Repaid;
                }
                Ok(None)
            }
            TxBody::MarkLate { loan } => {
                let l = self.loan_in(*loan, LoanStatus::Active)?;
                self.authorize(tx, Some(0))?;
                let inst = &l.schedule[l.next as usize];
                if inst.late_fee > 0 {
                    return Err(TxError::LateFeeCharged);
                }
                let limit = overflow(inst.due.checked_add(p.late_grace))?;
                if time <= limit {
                    return Err(TxError::NotOverdue { from: limit + 1 });
                }
                let base = overflow(inst.principal.checked_add(inst.interest))?;
                let fee = ((u128::from(base) * u128::from(p.late_fee_bps) / 10_000) as u64).max(1);
                let borrower = l.borrower;
                let l = self.core.loans.get_mut(loan).expect("checked");
                let next = l.next as usize;
                l.schedule[next].late_fee = fee;
                // The borrower's history credentials no longer tell the truth.
                self.revoke_history(&borrower);
                Ok(None)
            }
            TxBody::Default { loan } => {
                let l = self.loan_in(*loan, LoanStatus::Active)?;
                let inst = &l.schedule[l.next as usize];
                let limit = overflow(inst.due.checked_add(p.default_grace))?;
                if time <= limit {
                    return Err(TxError::NotOverdue { from: limit + 1 });
                }
                let loss = l.remaining_principal();
                self.authorize(tx, Some(loss))?;
                let borrower = l.borrower;
                let (pool, cuts) = self.core.pool.write_off(loss, &self.capitals())?;
                self.core.pool = pool;
                self.apply_capital_changes(&cuts, false);
                if let Some(m) = self.core.members.get_mut(&borrower) {
                    m.history.defaults = m.history.defaults.saturating_add(1);
                    m.history.open_loans = m.history.open_loans.saturating_sub(1);
                }
                self.core.loans.get_mut(loan).expect("checked").status = LoanStatus::Defaulted;
                // A default reaches the record at once: no older history proves again.
                self.revoke_history(&borrower);
                Ok(None)
            }
            TxBody::Distribute { amount } => {
                self.authorize(tx, Some(*amount))?;
                if *amount == 0 {
                    return Err(TxError::ZeroAmount);
                }
                let (pool, credits) = self.core.pool.distribute(
                    *amount,
                    p.distribution_reserve_bps,
                    &self.capitals(),
                )?;
                self.core.pool = pool;
                self.apply_capital_changes(&credits, true);
                Ok(None)
            }
            TxBody::ClaimHistory {
                subject,
                attrs,
                issued_at,
                expires_at,
                salt,
            } => {
                let m = self
                    .core
                    .members
                    .get(&tx.signer)
                    .ok_or(TxError::NotAMember)?;
                if fr_to_bytes(subject) != m.identity {
                    return Err(TxError::SubjectMismatch);
                }
                if let Some(last) = m.last_history_claim {
                    let next = last.saturating_add(p.history_claim_interval);
                    if time < next {
                        return Err(TxError::HistoryClaimTooSoon { next });
                    }
                }
                let expected = self.history_attrs(&tx.signer, time).expect("member");
                if *attrs != expected {
                    return Err(TxError::HistoryMismatch { expected });
                }
                if *issued_at > time || time - issued_at > p.time_tolerance {
                    return Err(TxError::BadTimes(format!(
                        "issued_at {issued_at} must lie in [block time − {}, block time] = [{}, {time}]",
                        p.time_tolerance,
                        time.saturating_sub(p.time_tolerance)
                    )));
                }
                if *expires_at <= *issued_at || expires_at - issued_at > p.history_validity {
                    return Err(TxError::BadTimes(format!(
                        "expires_at must be after issued_at and at most {} s later",
                        p.history_validity
                    )));
                }
                let coop = coop_issuer_id(&p.chain_id);
                let cred = Credential {
                    schema: SCHEMA_COOP_HISTORY_V1,
                    issuer: coop,
                    subject: *subject,
                    attrs: *attrs,
                    issued_at: *issued_at,
                    expires_at: *expires_at,
                    salt: *salt,
                };
                if self.registry.len() >= self.registry.capacity() {
                    return Err(TxError::TreeFull("registry"));
                }
                // The new record supersedes the old: revoke the member's earlier history.
                self.revoke_history(&tx.signer);
                let index = self.registry_append(cred.leaf(), fr_to_bytes(&coop))?;
                let m = self.core.members.get_mut(&tx.signer).expect("checked");
                m.history_leaves.push(index);
                m.last_history_claim = Some(time);
                Ok(None)
            }
        }
    }

    fn loan_in(&self, id: u64, status: LoanStatus) -> Result<&Loan, TxError> {
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

    fn capitals(&self) -> Vec<u64> {
        self.core.members.values().map(|m| m.capital).collect()
    }

    fn apply_capital_changes(&mut self, deltas: &[u64], credit: bool) {
        for (m, d) in self.core.members.values_mut().zip(deltas) {
            if credit {
                m.capital += d;
            } else {
                m.capital -= d;
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
            let mut included: Vec<usize> = Vec::new();
            let mut rejected = Vec::new();
            let mut pending: Vec<Pending> = Vec::new();
            for (i, tx) in candidates.iter().enumerate() {
                if bad_proofs.contains(&i) {
                    rejected.push(Rejected {
                        hash: tx.hash(),
                        kind: tx.body.kind(),
                        error: TxError::InvalidProof,
                    });
                    continue;
                }
                match next.execute(tx, time, keys) {
                    Ok(p) => {
                        if let Some((kind, env)) = p {
                            pending.push((i, kind, env));
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
            return Ok((next, Block { header, txs }, rejected));
        }
    }
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
