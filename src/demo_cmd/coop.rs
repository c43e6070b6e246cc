//! The demo's co-op: the ledger behind a member session of the client crate (members' joins,
//! applications, votes and repayments are planned, proved and signed by
//! `zkcredit_client::Session`), with the officers' keys and the demo's clock.

use anyhow::{anyhow, bail, ensure, Result};
use ed25519_dalek::SigningKey;
use std::time::Instant;
use zkcredit_circuits::credential::Credential;
use zkcredit_circuits::identity::Identity;
use zkcredit_client::{ClientError, LocalChain, Member, Session};
use zkcredit_ledger::{
    Account, Ledger, LoanStatus, Produced, ProposalAction, ProposalStatus, Tx, TxBody,
};

/// The demo's chain id.
pub const CHAIN: &str = "zkcredit-demo-coop";

/// Minor units as `1,234.56`.
pub fn money(x: u64) -> String {
    let units = (x / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{grouped}.{:02}", x % 100)
}

/// Milliseconds since `t`.
pub fn ms(t: Instant) -> String {
    format!("{:.0} ms", t.elapsed().as_secs_f64() * 1e3)
}

/// The pool's books just before and after a block that wrote a watched loan off.
pub type WriteOffSeen = Option<(zkcredit_ledger::Pool, zkcredit_ledger::Pool)>;

/// A member of the demo: a name, an account key and an identity.
pub struct Person {
    /// Display name.
    pub name: &'static str,
    /// Key and identity.
    pub m: Member,
}

impl Person {
    /// A person with keys derived from `seed` (demo only).
    pub fn new(name: &'static str, seed: u8) -> Self {
        Self {
            name,
            m: Member {
                key: SigningKey::from_bytes(&[seed; 32]),
                identity: Some(Identity::from_secret(zkcredit_circuits::Fr::from(
                    u64::from(seed) * 7_919 + 13,
                ))),
            },
        }
    }

    /// The account.
    pub fn account(&self) -> Account {
        self.m.account()
    }

    /// The identity.
    pub fn id(&self) -> &Identity {
        self.m
            .identity
            .as_ref()
            .expect("demo persons have identities")
    }
}

/// The co-op as the demo drives it.
pub struct Coop {
    /// Member actions go through the client crate's session over the local ledger.
    pub session: Session<LocalChain>,
    /// The time of the last block.
    pub time: u64,
    /// The officers' keys.
    pub officers: Vec<SigningKey>,
}

impl Coop {
    /// The ledger.
    pub fn ledger(&self) -> &Ledger {
        self.session.chain.ledger()
    }

    /// `body` signed by `k` with its next nonce.
    pub fn tx(&self, k: &SigningKey, body: TxBody) -> Tx {
        Tx::sign(
            CHAIN,
            k,
            self.ledger().state().nonce(&k.verifying_key().to_bytes()),
            body,
        )
    }

    /// `body` from the first officer, co-signed by the second when `cosign`.
    pub fn officer_tx(&self, body: TxBody, cosign: bool) -> Tx {
        self.officer_tx_ahead(0, body, cosign.then_some(1))
    }

    /// `body` from the first officer with its next nonce plus `ahead` (several officer
    /// transactions for one block), co-signed by officer `cosigner` when given.
    pub fn officer_tx_ahead(&self, ahead: u64, body: TxBody, cosigner: Option<usize>) -> Tx {
        let k = &self.officers[0];
        let nonce = self.ledger().state().nonce(&k.verifying_key().to_bytes()) + ahead;
        let t = Tx::sign(CHAIN, k, nonce, body);
        match cosigner {
            Some(i) => t.cosign(CHAIN, &self.officers[i]),
            None => t,
        }
    }

    /// Produces a block at `time` with every transaction accepted, or fails the demo.
    pub fn block(&mut self, time: u64, txs: Vec<Tx>) -> Result<Produced> {
        self.block_quiet(time, txs, false)
    }

    /// As [`Coop::block`], printing nothing when `quiet`.
    pub fn block_quiet(&mut self, time: u64, txs: Vec<Tx>, quiet: bool) -> Result<Produced> {
        self.time = time;
        let t = Instant::now();
        let p = self.session.chain.ledger_mut().produce_block(time, &txs)?;
        if let Some(r) = p.rejected.first() {
            bail!(
                "block {}: {} transaction rejected: {}",
                p.block.header.height,
                r.kind,
                r.error
            );
        }
        if quiet {
            return Ok(p);
        }
        println!(
            "      block {:>2}: {} tx, {} proof(s) batch-verified, committed in {}",
            p.block.header.height,
            p.block.txs.len(),
            p.proofs,
            ms(t)
        );
        Ok(p)
    }

    /// A produced block the ledger may partly reject (the demo's attacks).
    pub fn block_allowing_rejections(&mut self, time: u64, txs: &[Tx]) -> Result<Produced> {
        self.time = time;
        Ok(self.session.chain.ledger_mut().produce_block(time, txs)?)
    }

    /// `dt` seconds after the last block.
    pub fn at_next(&self, dt: u64) -> u64 {
        self.time + dt
    }

    /// An application body by `who` for a block at `time`, or the prover's refusal.
    pub fn apply(
        &mut self,
        who: &Person,
        cred: &Credential,
        policy_id: u64,
        amount: u64,
        term: u64,
        time: u64,
    ) -> Result<Result<TxBody, String>> {
        self.session.chain.set_time(Some(time));
        match self.session.apply(&who.m, cred, policy_id, amount, term) {
            Ok(tx) => {
                let el = self.session.prove_ms.last().copied().unwrap_or(0.0);
                println!("      {} proves the policy privately: {el:.0} ms", who.name);
                Ok(Ok(tx.body))
            }
            Err(ClientError::Prove(e)) => Ok(Err(e.to_string())),
            Err(e) => Err(e.into()),
        }
    }

    /// A `Join` with an admission proof from `cred`, for a block at `time`.
    pub fn join(&mut self, who: &Person, cred: &Credential, deposit: u64, time: u64) -> Result<Tx> {
        self.session.chain.set_time(Some(time));
        self.session
            .join(&who.m, cred, deposit)
            .map_err(|e| anyhow!("{}'s admission proof was refused: {e}", who.name))
    }

    /// An anonymous vote by `who` (signed by a one-time key).
    pub fn vote(&mut self, who: &Person, proposal: u64, approve: bool) -> Result<Tx> {
        let t = Instant::now();
        let tx = self.session.vote(&who.m, proposal, approve)?;
        println!(
            "      an anonymous member votes {} ({} to prove membership)",
            if approve { "yes" } else { "no" },
            ms(t)
        );
        Ok(tx)
    }

    /// `proposer` opens a proposal, `voters` vote yes (each from a one-time key), and the
    /// first block at the deadline executes it.
    pub fn pass(
        &mut self,
        proposer: &Person,
        action: ProposalAction,
        voters: &[&Person],
    ) -> Result<()> {
        let id = self.ledger().state().core().next_proposal;
        let kind = action.kind();
        let tx = self.tx(&proposer.m.key, TxBody::Propose { action });
        self.block(self.at_next(60), vec![tx])?;
        println!("      {} proposes {kind} (proposal {id})", proposer.name);
        let mut votes = Vec::new();
        for p in voters {
            votes.push(self.vote(p, id, true)?);
        }
        self.block(self.at_next(3_600), votes)?;
        let proposal = |c: &Self| {
            c.ledger()
                .state()
                .proposal(id)
                .cloned()
                .ok_or_else(|| anyhow!("no proposal {id}"))
        };
        let deadline = proposal(self)?.deadline;
        self.block(deadline.max(self.time), vec![])?;
        let status = proposal(self)?.status;
        ensure!(
            status == ProposalStatus::Executed,
            "proposal {id} did not execute: {status:?}"
        );
        println!("      the vote closed at its deadline: the block executed proposal {id}");
        Ok(())
    }

    /// Prints the pool's books.
    pub fn pool_line(&self) {
        let p = self.ledger().state().pool();
        println!(
            "      pool: cash {} | lent out {} | reserve {} | undistributed profit {} | members' capital {}",
            money(p.cash),
            money(p.outstanding),
            money(p.reserve),
            money(p.undistributed),
            money(p.total_capital)
        );
    }

    /// Repays `who`'s next instalment of `loan` in a block at `time`; when that block also
    /// wrote off loan `watch`, returns the books just before and after it.
    pub fn repay_watching(
        &mut self,
        who: &Person,
        loan: u64,
        time: u64,
        watch: u64,
    ) -> Result<(u64, WriteOffSeen)> {
        let active =
            |c: &Self| c.ledger().state().loan(watch).map(|l| l.status) == Some(LoanStatus::Active);
        let was_active = active(self);
        let before = self.ledger().state().pool().clone();
        let paid = self.repay_next(who, loan, time)?;
        let seen = (was_active
            && self.ledger().state().loan(watch).map(|l| l.status) == Some(LoanStatus::Defaulted))
        .then(|| (before, self.ledger().state().pool().clone()));
        Ok((paid, seen))
    }

    /// Repays `who`'s next instalment of `loan` (what is due now) in a block at `time`.
    pub fn repay_next(&mut self, who: &Person, loan: u64, time: u64) -> Result<u64> {
        self.session.chain.set_time(Some(time));
        let tx = self.session.repay(&who.m, loan)?;
        let TxBody::Repay { amount, .. } = tx.body else {
            bail!("repay built another body");
        };
        self.block_quiet(time, vec![tx], true)?;
        Ok(amount)
    }
}
