//! What the ledger expects a policy proof to state, derived from its own state and the
//! transaction's fields — never from the proof.
//!
//! The same derivation serves the ledger's checks ([`State::check_policy_proof`]) and the
//! clients that must make an acceptable proof (the CLI's `prove --ledger`, the demo, the
//! tests, the bench): they ask [`State::expected_application`] or
//! [`State::expected_admission`] and prove [`ExpectedPolicy::statement`].

use crate::codec::fr_from_bytes;
use crate::error::TxError;
use crate::keys::{envelope, Keys};
use crate::schedule::largest_instalment;
use crate::state::{admission_scope, application_scope, State, MAX_TERM};
use crate::tx::{Account, PolicyRules, ProofData};
use zkcredit_circuits::field::to_decimal;
use zkcredit_circuits::policy::{Clause, NUM_CLAUSES};
use zkcredit_circuits::request::LoanRequest;
use zkcredit_circuits::statement::PolicyStatement;
use zkcredit_circuits::Fr;
use zkcredit_verifier::Envelope;

/// Everything a policy proof must state, except what the prover picks within the rules: the
/// registry root (any accepted one), `now` (within the tolerance), `issued_after` (at least
/// the freshness bound) and the nullifier (its own, unspent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedPolicy {
    /// The policy's issuer.
    pub issuer: Fr,
    /// The policy's credential schema.
    pub schema: u64,
    /// The clauses, with the instalment folded into the constants, padded to four.
    pub clauses: [Clause; NUM_CLAUSES],
    /// The binding of this request.
    pub request: Fr,
    /// The nullifier scope.
    pub scope: Fr,
    /// The holder binding with holder scope 0: the applicant's identity commitment.
    pub holder: Fr,
    /// The policy's freshness bound, seconds.
    pub max_credential_age: Option<u64>,
}

impl ExpectedPolicy {
    /// The smallest `issued_after` the ledger accepts from a proof made at `now`.
    pub fn min_issued_after(&self, now: u64) -> u64 {
        self.max_credential_age
            .map_or(0, |age| now.saturating_sub(age))
    }

    /// The clauses as the prover's policy type.
    pub fn policy(&self) -> zkcredit_circuits::policy::Policy {
        zkcredit_circuits::policy::Policy {
            clauses: self.clauses.to_vec(),
        }
    }

    /// The statement an honest prover makes at `now` against `root`, with its nullifier.
    pub fn statement(&self, root: Fr, now: u64, nullifier: Fr) -> PolicyStatement {
        PolicyStatement {
            root,
            issuer: self.issuer,
            schema: self.schema,
            now,
            issued_after: self.min_issued_after(now),
            clauses: self.clauses.clone(),
            request: self.request,
            scope: self.scope,
            nullifier,
            holder_scope: Fr::from(0u64),
            holder: self.holder,
        }
    }
}

fn padded(rules: &PolicyRules, instalment: u64) -> Result<[Clause; NUM_CLAUSES], TxError> {
    rules
        .policy_for(instalment)
        .ok_or(TxError::Overflow)?
        .padded()
        .map_err(|e| TxError::InvalidPolicy(e.to_string()))
}

impl State {
    /// Policy `policy_id`, if it exists and accepts proofs.
    ///
    /// # Errors
    /// `UnknownPolicy`, `PolicyInactive`.
    fn active_policy(&self, policy_id: u64) -> Result<&PolicyRules, TxError> {
        let rules = self
            .core()
            .policies
            .get(&policy_id)
            .ok_or(TxError::UnknownPolicy(policy_id))?;
        if !rules.active {
            return Err(TxError::PolicyInactive(policy_id));
        }
        Ok(rules)
    }

    /// What a loan application by `applicant` (a member) with transaction nonce `nonce` must
    /// prove at block time `time`; checks the terms against the policy first.
    ///
    /// # Errors
    /// `NotAMember`, `UnknownPolicy`, `PolicyInactive`, `ZeroAmount`, `TermsRefused`,
    /// `Overflow`.
    #[allow(clippy::too_many_arguments)]
    pub fn expected_application(
        &self,
        applicant: &Account,
        nonce: u64,
        policy_id: u64,
        amount: u64,
        term: u64,
        rate_bps: u64,
        time: u64,
    ) -> Result<ExpectedPolicy, TxError> {
        let member = self.member(applicant).ok_or(TxError::NotAMember)?;
        let rules = self.active_policy(policy_id)?;
        if amount == 0 {
            return Err(TxError::ZeroAmount);
        }
        if amount > rules.max_amount {
            return Err(TxError::TermsRefused(format!(
                "amount {amount} above the policy's maximum {}",
                rules.max_amount
            )));
        }
        if term == 0 || term > rules.max_term.min(MAX_TERM) {
            return Err(TxError::TermsRefused(format!(
                "term {term} outside 1..={}",
                rules.max_term
            )));
        }
        if rate_bps != rules.rate_bps {
            return Err(TxError::TermsRefused(format!(
                "rate {rate_bps} bps, the policy's is {}",
                rules.rate_bps
            )));
        }
        let instalment = largest_instalment(amount, term, rate_bps, self.params().period_secs)?;
        let p = self.params();
        let request = LoanRequest {
            chain_id: p.chain_id.clone(),
            account: hex::encode(applicant),
            amount,
            term,
            rate_bps,
            policy_id,
            nonce,
        };
        Ok(ExpectedPolicy {
            issuer: rules.issuer,
            schema: rules.schema,
            clauses: padded(rules, instalment)?,
            request: request.binding(),
            scope: application_scope(p, time),
            holder: fr_from_bytes(&member.identity).ok_or(TxError::Overflow)?,
            max_credential_age: rules.max_credential_age,
        })
    }

    /// What the admission proof of `account` joining with `identity` and `deposit` (nonce
    /// `nonce`) must prove: the admission policy, holder = `identity`, the fixed admission
    /// scope, and a request binding over the join (term 0, rate 0, amount = deposit).
    ///
    /// # Errors
    /// `AdmissionClosed`, `UnknownPolicy`, `PolicyInactive`, `InvalidPolicy`.
    pub fn expected_admission(
        &self,
        account: &Account,
        nonce: u64,
        identity: Fr,
        deposit: u64,
    ) -> Result<ExpectedPolicy, TxError> {
        let policy_id = self.core().admission.ok_or(TxError::AdmissionClosed)?;
        let rules = self.active_policy(policy_id)?;
        let p = self.params();
        let request = LoanRequest {
            chain_id: p.chain_id.clone(),
            account: hex::encode(account),
            amount: deposit,
            term: 0,
            rate_bps: 0,
            policy_id,
            nonce,
        };
        Ok(ExpectedPolicy {
            issuer: rules.issuer,
            schema: rules.schema,
            clauses: padded(rules, 0)?,
            request: request.binding(),
            scope: admission_scope(p),
            holder: identity,
            max_credential_age: rules.max_credential_age,
        })
    }

    /// Compares a policy proof's public inputs, one by one, with `expected` and the ledger's
    /// state at block time `time`, then decodes the proof strictly. Returns the nullifier to
    /// spend and the envelope for the block's batch check. Reads only.
    ///
    /// # Errors
    /// The first mismatch: `MalformedProof`, `UnknownRoot`, `WrongIssuer`, `WrongSchema`,
    /// `TimeOutOfTolerance`, `StaleCredential`, `PolicyMismatch`, `RequestMismatch`,
    /// `WrongScope`, `HolderMismatch`, `NullifierUsed`.
    pub fn check_policy_proof(
        &self,
        keys: &Keys,
        proof: &ProofData,
        expected: &ExpectedPolicy,
        time: u64,
    ) -> Result<(Fr, Envelope), TxError> {
        let key = &keys.policy;
        if proof.public_inputs.len() != key.num_public_inputs() {
            return Err(TxError::MalformedProof(format!(
                "{} public inputs, expected {}",
                proof.public_inputs.len(),
                key.num_public_inputs()
            )));
        }
        let st = PolicyStatement::from_public_inputs(&proof.public_inputs)
            .map_err(|e| TxError::MalformedProof(e.to_string()))?;
        if !self.root_accepted(&st.root) {
            return Err(TxError::UnknownRoot);
        }
        if st.issuer != expected.issuer {
            return Err(TxError::WrongIssuer {
                expected: to_decimal(&expected.issuer),
            });
        }
        if st.schema != expected.schema {
            return Err(TxError::WrongSchema {
                expected: expected.schema,
                found: st.schema,
            });
        }
        let tolerance = self.params().time_tolerance;
        // `now` may not be before the block: a credential valid at `now` is then valid at
        // the block time. Provers pick `now` a little ahead of the block they aim for.
        if st.now < time || st.now - time > tolerance {
            return Err(TxError::TimeOutOfTolerance {
                now: st.now,
                block_time: time,
                tolerance,
            });
        }
        let required = expected.min_issued_after(st.now);
        if st.issued_after < required {
            return Err(TxError::StaleCredential {
                issued_after: st.issued_after,
                required,
            });
        }
        if st.clauses != expected.clauses {
            return Err(TxError::PolicyMismatch);
        }
        if st.request != expected.request {
            return Err(TxError::RequestMismatch);
        }
        if st.scope != expected.scope {
            return Err(TxError::WrongScope {
                expected: to_decimal(&expected.scope),
            });
        }
        if st.holder_scope != Fr::from(0u64) || st.holder != expected.holder {
            return Err(TxError::HolderMismatch {
                expected: to_decimal(&expected.holder),
                found: to_decimal(&st.holder),
            });
        }
        if self.nullifier_used(&st.nullifier) {
            return Err(TxError::NullifierUsed);
        }
        let env = envelope(key, proof)?;
        Ok((st.nullifier, env))
    }
}
