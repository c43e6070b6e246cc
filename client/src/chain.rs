//! Where a member's session reads chain state and sends transactions: a local ledger
//! directory ([`crate::local::LocalChain`]) or a node ([`crate::remote::NodeChain`]). Both
//! answer from the ledger's one plan API (`zkcredit_ledger::plan`): the node computes it
//! server-side (`/v1/plan/*`), the local chain calls it directly.

use crate::ClientError;
use zkcredit_circuits::credential::NUM_ATTRS;
use zkcredit_circuits::merkle::MerklePath;
use zkcredit_circuits::Fr;
use zkcredit_ledger::{Account, ExpectedPolicy, Hash, Tx, TxStatus};

/// What a policy proof (loan application or admission) must state, and when to prove it.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The expected statement (issuer, schema, clauses, request binding, scope, holder).
    pub expected: ExpectedPolicy,
    /// The policy's rate, for the application's `rate_bps` field.
    pub rate_bps: u64,
    /// The transaction nonce the statement's request binding was made for.
    pub nonce: u64,
    /// The `now` to prove at: within `[block time, block time + tolerance]` of the block
    /// expected to include the transaction.
    pub now: u64,
    /// The circuit id of the chain's policy key (the proving keys must be for it).
    pub circuit: String,
    /// Hex BLAKE2b-256 of the chain's policy verifying key (the proving keys must carry it).
    pub vk_hash: String,
}

/// What a vote's membership proof must state, with the voter's path in the proposal's
/// snapshot of the member tree.
#[derive(Clone, Debug)]
pub struct VotePlan {
    /// The voter's path.
    pub path: MerklePath,
    /// The snapshot's root.
    pub root: Fr,
    /// The nullifier scope (one vote per member per proposal).
    pub scope: Fr,
    /// The signal (proposal and choice).
    pub signal: Fr,
    /// The circuit id of the chain's membership key.
    pub circuit: String,
    /// Hex BLAKE2b-256 of the chain's membership verifying key.
    pub vk_hash: String,
}

/// A source of chain state and a sink for signed transactions.
pub trait Chain {
    /// The chain id (bound into every signature).
    ///
    /// # Errors
    /// Transport or storage errors.
    fn chain_id(&self) -> Result<String, ClientError>;

    /// The nonce `account`'s next transaction must carry (past its pending ones).
    ///
    /// # Errors
    /// Transport or storage errors.
    fn next_nonce(&self, account: &Account) -> Result<u64, ClientError>;

    /// What a loan application by `account` must prove.
    ///
    /// # Errors
    /// [`ClientError::Refused`] (local) or [`ClientError::Node`] naming what is wrong.
    fn plan_application(
        &self,
        account: &Account,
        policy_id: u64,
        amount: u64,
        term: u64,
    ) -> Result<Plan, ClientError>;

    /// What the admission proof of `account` joining with `identity` must prove.
    ///
    /// # Errors
    /// As [`Chain::plan_application`].
    fn plan_admission(
        &self,
        account: &Account,
        identity: Fr,
        deposit: u64,
    ) -> Result<Plan, ClientError>;

    /// A credential's registry path (by its leaf) and the root it leads to.
    ///
    /// # Errors
    /// Not found when the credential was never attested.
    fn credential_path(&self, leaf: &Fr) -> Result<(MerklePath, Fr), ClientError>;

    /// What a vote on `proposal` by the member with `identity` must prove.
    ///
    /// # Errors
    /// Unknown proposal; the identity is not among its voters.
    fn plan_vote(
        &self,
        proposal: u64,
        approve: bool,
        identity: &Fr,
    ) -> Result<VotePlan, ClientError>;

    /// What the next instalment of `loan` costs (principal + interest + late fee).
    ///
    /// # Errors
    /// Unknown loan, or nothing is due.
    fn amount_due(&self, loan: u64) -> Result<u64, ClientError>;

    /// The `coop-history-v1` attributes the ledger holds for `account` now, and that time.
    ///
    /// # Errors
    /// Not a member.
    fn history(&self, account: &Account) -> Result<([u64; NUM_ATTRS], u64), ClientError>;

    /// Sends a signed transaction; returns its hash.
    ///
    /// # Errors
    /// The node's or the store's refusal.
    fn submit(&mut self, tx: &Tx) -> Result<Hash, ClientError>;

    /// The recorded fate of a transaction (`None`: unknown here).
    ///
    /// # Errors
    /// Transport or storage errors.
    fn status(&self, hash: &Hash) -> Result<Option<TxStatus>, ClientError>;

    /// Gives the chain a chance to settle pending transactions (a local chain that produces
    /// its own blocks makes one; a node does it on its own interval) and returns the fate of
    /// `hash`, waiting at most about `patience` seconds.
    ///
    /// # Errors
    /// [`ClientError::StillPending`] when it is not settled in time.
    fn settle(&mut self, hash: &Hash, patience: u64) -> Result<TxStatus, ClientError>;
}

impl<C: Chain + ?Sized> Chain for Box<C> {
    fn chain_id(&self) -> Result<String, ClientError> {
        (**self).chain_id()
    }
    fn next_nonce(&self, account: &Account) -> Result<u64, ClientError> {
        (**self).next_nonce(account)
    }
    fn plan_application(
        &self,
        account: &Account,
        policy_id: u64,
        amount: u64,
        term: u64,
    ) -> Result<Plan, ClientError> {
        (**self).plan_application(account, policy_id, amount, term)
    }
    fn plan_admission(
        &self,
        account: &Account,
        identity: Fr,
        deposit: u64,
    ) -> Result<Plan, ClientError> {
        (**self).plan_admission(account, identity, deposit)
    }
    fn credential_path(&self, leaf: &Fr) -> Result<(MerklePath, Fr), ClientError> {
        (**self).credential_path(leaf)
    }
    fn plan_vote(
        &self,
        proposal: u64,
        approve: bool,
        identity: &Fr,
    ) -> Result<VotePlan, ClientError> {
        (**self).plan_vote(proposal, approve, identity)
    }
    fn amount_due(&self, loan: u64) -> Result<u64, ClientError> {
        (**self).amount_due(loan)
    }
    fn history(&self, account: &Account) -> Result<([u64; NUM_ATTRS], u64), ClientError> {
        (**self).history(account)
    }
    fn submit(&mut self, tx: &Tx) -> Result<Hash, ClientError> {
        (**self).submit(tx)
    }
    fn status(&self, hash: &Hash) -> Result<Option<TxStatus>, ClientError> {
        (**self).status(hash)
    }
    fn settle(&mut self, hash: &Hash, patience: u64) -> Result<TxStatus, ClientError> {
        (**self).settle(hash, patience)
    }
}
