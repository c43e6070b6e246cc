//! A member's session: plan → witness → prove → sign → submit, for each action a member
//! takes. The chain is a [`Chain`]: a local ledger directory or a node.

use crate::chain::{Chain, Plan};
use crate::ClientError;
use ed25519_dalek::SigningKey;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::sync::Arc;
use std::time::Instant;
use zkcredit_circuits::credential::{Credential, SCHEMA_COOP_HISTORY_V1};
use zkcredit_circuits::identity::Identity;
use zkcredit_circuits::Fr;
use zkcredit_ledger::{coop_issuer_id, Account, Hash, ProofData, Tx, TxBody, TxStatus};
use zkcredit_prover::{
    prove_membership, prove_policy, Envelope, MembershipInput, PolicyInput, ProvingKeys,
};

/// Who acts: the account key that signs, and the identity (for proofs) if any.
pub struct Member {
    /// The account key.
    pub key: SigningKey,
    /// The identity whose commitment the member joined with.
    pub identity: Option<Identity>,
}

impl Member {
    /// The member's account.
    pub fn account(&self) -> Account {
        self.key.verifying_key().to_bytes()
    }

    fn identity(&self) -> Result<&Identity, ClientError> {
        self.identity.as_ref().ok_or(ClientError::Missing(
            "identity (an identity file from `zkcredit identity new`)",
        ))
    }
}

/// A session against one chain with the proving keys its actions need.
pub struct Session<C: Chain> {
    /// The chain.
    pub chain: C,
    policy_keys: Option<Arc<ProvingKeys>>,
    membership_keys: Option<Arc<ProvingKeys>>,
    rng: StdRng,
    /// Milliseconds each proof of this session took, in order.
    pub prove_ms: Vec<f64>,
}

fn proof_data(env: &Envelope) -> ProofData {
    ProofData {
        public_inputs: env.public_inputs.clone(),
        proof: env.proof_bytes(),
    }
}

impl<C: Chain> Session<C> {
    /// A session over `chain`; proofs draw randomness from the operating system.
    pub fn new(chain: C) -> Self {
        Self {
            chain,
            policy_keys: None,
            membership_keys: None,
            rng: StdRng::from_entropy(),
            prove_ms: Vec::new(),
        }
    }

    /// Uses these policy proving keys (loan applications, admission); shared keys (an
    /// `Arc`) serve many sessions.
    #[must_use]
    pub fn with_policy_keys(mut self, keys: impl Into<Arc<ProvingKeys>>) -> Self {
        self.policy_keys = Some(keys.into());
        self
    }

    /// Uses these membership proving keys (votes).
    #[must_use]
    pub fn with_membership_keys(mut self, keys: impl Into<Arc<ProvingKeys>>) -> Self {
        self.membership_keys = Some(keys.into());
        self
    }

    /// Draws proof randomness (and vote keys) from a seeded generator: reproducible runs
    /// (the demo); never for real members.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.rng = StdRng::seed_from_u64(seed);
        self
    }

    /// The session's keys for `circuit`, which must be the chain's own: the same circuit and
    /// the same verifying key (`vk_hash`), or every proof made with them would be refused.
    fn keys<'a>(
        keys: &'a Option<Arc<ProvingKeys>>,
        circuit: &str,
        vk_hash: &str,
        what: &'static str,
    ) -> Result<&'a ProvingKeys, ClientError> {
        let k = keys.as_ref().ok_or(ClientError::Missing(what))?;
        if k.id.to_string() != circuit {
            return Err(ClientError::WrongKeys {
                expected: circuit.to_string(),
                found: k.id.to_string(),
            });
        }
        if k.verifier.vk_hash_hex() != vk_hash {
            return Err(ClientError::WrongKeys {
                expected: format!("{circuit} with verifying key {vk_hash}"),
                found: format!("verifying key {}", k.verifier.vk_hash_hex()),
            });
        }
        Ok(k)
    }

    /// Signs `body` as `member` with the account's next nonce.
    ///
    /// # Errors
    /// Transport or storage errors reading the nonce.
    pub fn sign(&self, member: &Member, body: TxBody) -> Result<Tx, ClientError> {
        let nonce = self.chain.next_nonce(&member.account())?;
        Ok(Tx::sign(&self.chain.chain_id()?, &member.key, nonce, body))
    }

    fn prove_plan(
        &mut self,
        member: &Member,
        credential: &Credential,
        plan: &Plan,
    ) -> Result<ProofData, ClientError> {
        let identity = member.identity()?;
        let keys = Self::keys(
            &self.policy_keys,
            &plan.circuit,
            &plan.vk_hash,
            "policy proving keys (--policy-keys)",
        )?;
        let (path, root) = self.chain.credential_path(&credential.leaf())?;
        let t = Instant::now();
        let env = prove_policy(
            keys,
            &PolicyInput {
                identity,
                credential,
                path,
                root,
                policy: &plan.expected.policy(),
                now: plan.now,
                request: plan.expected.request,
                scope: plan.expected.scope,
                issued_after: plan.expected.min_issued_after(plan.now),
                holder_scope: Fr::from(0u64),
            },
            &mut self.rng,
        )?;
        self.prove_ms.push(t.elapsed().as_secs_f64() * 1e3);
        Ok(proof_data(&env))
    }

    /// A `Join` with an admission proof from `credential` (first deposit `deposit`).
    ///
    /// # Errors
    /// The plan's refusal (admission closed, …); the prover's (the credential does not meet
    /// the admission policy); missing identity or keys.
    pub fn join(
        &mut self,
        member: &Member,
        credential: &Credential,
        deposit: u64,
    ) -> Result<Tx, ClientError> {
        let identity = member.identity()?.commitment();
        let plan = self
            .chain
            .plan_admission(&member.account(), identity, deposit)?;
        let proof = self.prove_plan(member, credential, &plan)?;
        Ok(Tx::sign(
            &self.chain.chain_id()?,
            &member.key,
            plan.nonce,
            TxBody::Join {
                identity,
                deposit,
                proof,
            },
        ))
    }

    /// An `ApplyLoan` with a policy proof from `credential` bound to this request.
    ///
    /// # Errors
    /// As [`Session::join`]; terms outside the policy are refused by the plan.
    pub fn apply(
        &mut self,
        member: &Member,
        credential: &Credential,
        policy_id: u64,
        amount: u64,
        term: u64,
    ) -> Result<Tx, ClientError> {
        let plan = self
            .chain
            .plan_application(&member.account(), policy_id, amount, term)?;
        let proof = self.prove_plan(member, credential, &plan)?;
        Ok(Tx::sign(
            &self.chain.chain_id()?,
            &member.key,
            plan.nonce,
            TxBody::ApplyLoan {
                policy_id,
                amount,
                term,
                rate_bps: plan.rate_bps,
                proof,
            },
        ))
    }

    /// An anonymous `Vote`: a membership proof in the proposal's snapshot, signed by a fresh
    /// one-time key (nonce 0) so that the vote is not linked to the member's account.
    ///
    /// # Errors
    /// Unknown proposal; the identity is not among its voters; missing identity or keys.
    pub fn vote(
        &mut self,
        member: &Member,
        proposal: u64,
        approve: bool,
    ) -> Result<Tx, ClientError> {
        let identity = member.identity()?;
        let plan = self
            .chain
            .plan_vote(proposal, approve, &identity.commitment())?;
        let keys = Self::keys(
            &self.membership_keys,
            &plan.circuit,
            &plan.vk_hash,
            "membership proving keys (--membership-keys)",
        )?;
        let t = Instant::now();
        let env = prove_membership(
            keys,
            &MembershipInput {
                identity,
                path: plan.path,
                root: plan.root,
                scope: plan.scope,
                signal: plan.signal,
            },
            &mut self.rng,
        )?;
        self.prove_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let one_time = SigningKey::generate(&mut self.rng);
        Ok(Tx::sign(
            &self.chain.chain_id()?,
            &one_time,
            0,
            TxBody::Vote {
                proposal,
                approve,
                proof: proof_data(&env),
            },
        ))
    }

    /// A `Repay` of exactly what the next instalment of `loan` costs now.
    ///
    /// # Errors
    /// Unknown or inactive loan.
    pub fn repay(&self, member: &Member, loan: u64) -> Result<Tx, ClientError> {
        let amount = self.chain.amount_due(loan)?;
        self.sign(member, TxBody::Repay { loan, amount })
    }

    /// A `ClaimHistory` of the member's repayment history as the ledger records it, valid
    /// `validity` seconds, and the `coop-history-v1` credential it will register (keep it:
    /// it is what later proofs are made from).
    ///
    /// # Errors
    /// Not a member; missing identity.
    pub fn claim_history(
        &mut self,
        member: &Member,
        validity: u64,
    ) -> Result<(Tx, Credential), ClientError> {
        let subject = member.identity()?.commitment();
        let (attrs, issued_at) = self.chain.history(&member.account())?;
        // A uniformly random field element (the credential's blinding salt).
        let salt = Identity::random(&mut self.rng).secret();
        let credential = Credential {
            schema: SCHEMA_COOP_HISTORY_V1,
            issuer: coop_issuer_id(&self.chain.chain_id()?),
            subject,
            attrs,
            issued_at,
            expires_at: issued_at.saturating_add(validity),
            salt,
        };
        let tx = self.sign(
            member,
            TxBody::ClaimHistory {
                subject,
                attrs,
                issued_at,
                expires_at: credential.expires_at,
                salt,
            },
        )?;
        Ok((tx, credential))
    }

    /// Sends a signed transaction.
    ///
    /// # Errors
    /// The chain's refusal.
    pub fn submit(&mut self, tx: &Tx) -> Result<Hash, ClientError> {
        self.chain.submit(tx)
    }

    /// Sends `tx` and waits up to `patience` seconds for its fate (a local chain that
    /// produces makes the block at once).
    ///
    /// # Errors
    /// The chain's refusal; [`ClientError::StillPending`].
    pub fn submit_and_settle(
        &mut self,
        tx: &Tx,
        patience: u64,
    ) -> Result<(Hash, TxStatus), ClientError> {
        let h = self.chain.submit(tx)?;
        let st = self.chain.settle(&h, patience)?;
        Ok((h, st))
    }
}
