//! A session's chain in a local ledger directory: the plan API called directly, transactions
//! queued in the store's persisted mempool (recorded as pending, as a node does), and — when
//! the member runs the co-op on this machine — a block produced right away.

use crate::chain::{Chain, Plan, VotePlan};
use crate::ClientError;
use zkcredit_circuits::credential::NUM_ATTRS;
use zkcredit_circuits::merkle::MerklePath;
use zkcredit_circuits::Fr;
use zkcredit_ledger::{
    codec, vote_scope, vote_signal, Account, Hash, Ledger, LedgerError, LoanStatus, Produced, Tx,
    TxError, TxStatus,
};

/// Current unix time, seconds.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A ledger directory opened for a member's session.
pub struct LocalChain {
    ledger: Ledger,
    at: Option<u64>,
    produce: bool,
    produced: Vec<Produced>,
}

impl LocalChain {
    /// Opens the ledger in `dir`. Transactions are only queued; see [`LocalChain::producing`].
    ///
    /// # Errors
    /// [`ClientError::Ledger`] when `dir` holds no ledger.
    pub fn open(dir: &std::path::Path) -> Result<Self, ClientError> {
        Ok(Self::new(Ledger::open(dir)?))
    }

    /// Wraps an open ledger.
    pub fn new(ledger: Ledger) -> Self {
        Self {
            ledger,
            at: None,
            produce: false,
            produced: Vec::new(),
        }
    }

    /// Makes a block from the mempool whenever a session settles a transaction (a co-op run
    /// on one machine, the demo, tests).
    #[must_use]
    pub fn producing(mut self, produce: bool) -> Self {
        self.produce = produce;
        self
    }

    /// Fixes the time of the next block (and of proofs) instead of the clock: proofs are
    /// made at exactly this time and blocks produced at it.
    pub fn set_time(&mut self, at: Option<u64>) {
        self.at = at;
    }

    /// The ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The ledger, for an operator's own blocks.
    pub fn ledger_mut(&mut self) -> &mut Ledger {
        &mut self.ledger
    }

    /// The blocks this chain produced while settling, oldest first (then forgotten).
    pub fn take_produced(&mut self) -> Vec<Produced> {
        std::mem::take(&mut self.produced)
    }

    /// The time of the next block: the fixed time, or the clock (never before the head).
    pub fn block_time(&self) -> u64 {
        self.at
            .unwrap_or_else(unix_now)
            .max(self.ledger.state().core().time)
    }

    /// The time to prove at: the block time when fixed; otherwise half the tolerance ahead
    /// of the clock, so the proof fits a block made any time in the next half tolerance.
    fn proof_time(&self) -> u64 {
        let t = self.block_time();
        match self.at {
            Some(_) => t,
            None => t + self.ledger.state().params().time_tolerance / 2,
        }
    }
}

fn not_found(e: LedgerError) -> ClientError {
    ClientError::Ledger(e)
}

impl Chain for LocalChain {
    fn chain_id(&self) -> Result<String, ClientError> {
        Ok(self.ledger.genesis().params.chain_id.clone())
    }

    fn next_nonce(&self, account: &Account) -> Result<u64, ClientError> {
        let pending = self
            .ledger
            .pending()?
            .iter()
            .filter(|e| &e.tx.signer == account)
            .map(|e| e.tx.nonce.saturating_add(1))
            .max()
            .unwrap_or(0);
        Ok(pending.max(self.ledger.state().nonce(account)))
    }

    fn plan_application(
        &self,
        account: &Account,
        policy_id: u64,
        amount: u64,
        term: u64,
    ) -> Result<Plan, ClientError> {
        let s = self.ledger.state();
        let rate_bps = s
            .core()
            .policies
            .get(&policy_id)
            .ok_or(TxError::UnknownPolicy(policy_id))?
            .rate_bps;
        let nonce = self.next_nonce(account)?;
        let expected = s.expected_application(
            account,
            nonce,
            policy_id,
            amount,
            term,
            rate_bps,
            self.block_time(),
        )?;
        Ok(Plan {
            expected,
            rate_bps,
            nonce,
            now: self.proof_time(),
            circuit: self.ledger.keys().policy.circuit().to_string(),
            vk_hash: self.ledger.keys().policy.vk_hash_hex(),
        })
    }

    fn plan_admission(
        &self,
        account: &Account,
        identity: Fr,
        deposit: u64,
    ) -> Result<Plan, ClientError> {
        let nonce = self.next_nonce(account)?;
        let expected = self
            .ledger
            .state()
            .expected_admission(account, nonce, identity, deposit)?;
        Ok(Plan {
            expected,
            rate_bps: 0,
            nonce,
            now: self.proof_time(),
            circuit: self.ledger.keys().policy.circuit().to_string(),
            vk_hash: self.ledger.keys().policy.vk_hash_hex(),
        })
    }

    fn credential_path(&self, leaf: &Fr) -> Result<(MerklePath, Fr), ClientError> {
        self.ledger.credential_path(leaf).map_err(not_found)
    }

    fn plan_vote(
        &self,
        proposal: u64,
        approve: bool,
        identity: &Fr,
    ) -> Result<VotePlan, ClientError> {
        let s = self.ledger.state();
        let p = s
            .proposal(proposal)
            .ok_or(TxError::UnknownProposal(proposal))?;
        let root = codec::fr_from_bytes(&p.member_root).ok_or(TxError::Overflow)?;
        let voters = s.proposal_voters(proposal)?;
        let index = voters
            .position(identity)
            .filter(|_| *identity != Fr::from(0u64))
            .ok_or_else(|| {
                LedgerError::NotFound(format!(
                    "identity is not among the voters of proposal {proposal} (not a member when it opened, or the applicant)"
                ))
            })?;
        let path = voters
            .path(index)
            .map_err(|e| LedgerError::NotFound(e.to_string()))?;
        Ok(VotePlan {
            path,
            root,
            scope: vote_scope(s.params(), proposal),
            signal: vote_signal(proposal, approve),
            circuit: self.ledger.keys().membership.circuit().to_string(),
            vk_hash: self.ledger.keys().membership.vk_hash_hex(),
        })
    }

    fn amount_due(&self, loan: u64) -> Result<u64, ClientError> {
        let l = self
            .ledger
            .state()
            .loan(loan)
            .ok_or(TxError::UnknownLoan(loan))?;
        if l.status != LoanStatus::Active {
            return Err(TxError::WrongLoanStatus {
                loan,
                expected: LoanStatus::Active.name(),
                found: l.status.name(),
            }
            .into());
        }
        let inst = l.schedule.get(l.next as usize).ok_or(TxError::Overflow)?;
        Ok(inst.total().ok_or(TxError::Overflow)?)
    }

    fn history(&self, account: &Account) -> Result<([u64; NUM_ATTRS], u64), ClientError> {
        let t = self.block_time();
        let attrs = self
            .ledger
            .state()
            .history_attrs(account, t)
            .ok_or(TxError::NotAMember)?;
        Ok((attrs, t))
    }

    fn submit(&mut self, tx: &Tx) -> Result<Hash, ClientError> {
        Ok(self.ledger.submit(tx)?)
    }

    fn status(&self, hash: &Hash) -> Result<Option<TxStatus>, ClientError> {
        if let Some(s) = self.ledger.tx_status(hash)? {
            return Ok(Some(s));
        }
        Ok(self
            .ledger
            .find_tx(hash)?
            .map(|(height, index)| TxStatus::Included { height, index }))
    }

    fn settle(&mut self, hash: &Hash, _patience: u64) -> Result<TxStatus, ClientError> {
        if self.produce && self.status(hash)? == Some(TxStatus::Pending) {
            let t = self.block_time();
            let p = self.ledger.produce_from_mempool(t)?;
            self.produced.push(p);
        }
        self.status(hash)?.ok_or_else(|| {
            LedgerError::NotFound(format!("no transaction {}", hex::encode(hash))).into()
        })
    }
}
