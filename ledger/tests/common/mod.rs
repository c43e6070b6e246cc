//! Shared fixtures of the ledger tests: seeded keys at depth 8, a small co-op, proof helpers.
#![allow(dead_code)]

use ark_serialize::CanonicalSerialize;
use ed25519_dalek::SigningKey;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::OnceLock;
use zkcredit_circuits::credential::{Credential, SCHEMA_BUREAU_V1};
use zkcredit_circuits::identity::Identity;
use zkcredit_circuits::policy::Clause;
use zkcredit_circuits::statement::CircuitId;
use zkcredit_circuits::Fr;
use zkcredit_ledger::*;
use zkcredit_prover::{
    prove_membership, prove_policy, setup, MembershipInput, PolicyInput, ProvingKeys,
};

pub const DEPTH: usize = 8;
pub const CHAIN: &str = "test-coop";
pub const T0: u64 = 1_700_000_000;

pub fn policy_keys() -> &'static ProvingKeys {
    static K: OnceLock<ProvingKeys> = OnceLock::new();
    K.get_or_init(|| setup(CircuitId::Policy { depth: DEPTH }, Some(11)).unwrap())
}

pub fn membership_keys() -> &'static ProvingKeys {
    static K: OnceLock<ProvingKeys> = OnceLock::new();
    K.get_or_init(|| setup(CircuitId::Membership { depth: DEPTH }, Some(12)).unwrap())
}

pub fn key_record(k: &ProvingKeys) -> KeyRecord {
    let mut vk = Vec::new();
    k.verifier.vk().serialize_compressed(&mut vk).unwrap();
    KeyRecord {
        circuit: k.id.to_string(),
        vk,
        insecure: true,
    }
}

pub fn sk(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

pub fn acct(k: &SigningKey) -> Account {
    k.verifying_key().to_bytes()
}

pub fn genesis() -> Genesis {
    let officers = (1..=3).map(|i| acct(&sk(i))).collect();
    let mut params = Params::new(CHAIN, DEPTH as u32, officers, 2);
    params.min_deposit = 1_000;
    params.auto_approve_limit = 50_000;
    params.treasury_limit = 100_000;
    Genesis {
        params,
        time: T0,
        keys: vec![key_record(policy_keys()), key_record(membership_keys())],
    }
}

/// A proof of nothing, for rejections that come before any proof check.
pub fn dummy_proof() -> ProofData {
    ProofData {
        public_inputs: Vec::new(),
        proof: Vec::new(),
    }
}

pub fn issuer_id() -> Fr {
    Fr::from(424_242u64)
}

/// `score >= 600` and `-defaults >= 0` over bureau-v1.
pub fn bureau_rules() -> PolicyRules {
    let c = [Clause::at_least(0, 600), Clause::at_most(6, 0)];
    PolicyRules {
        name: "bureau".into(),
        clauses: c
            .iter()
            .map(|c| ClauseRule {
                coeffs: c.coeffs,
                constant: c.constant,
                instalment_coeff: 0,
            })
            .collect(),
        issuer: issuer_id(),
        schema: SCHEMA_BUREAU_V1,
        max_credential_age: None,
        rate_bps: 1_200,
        max_amount: 1_000_000,
        max_term: 24,
        active: true,
    }
}

/// The admission policy (id 0): a bureau credential with `employment_months >= 0`, i.e.
/// "the bureau knows you".
pub fn admission_rules() -> PolicyRules {
    PolicyRules {
        name: "admission".into(),
        clauses: vec![ClauseRule {
            coeffs: Clause::at_least(7, 0).coeffs,
            constant: 0,
            instalment_coeff: 0,
        }],
        ..bureau_rules()
    }
}

/// A co-op with three officers (2-of-3), a bureau issuer (key 10), policy 1 and the
/// admission policy 0.
pub struct World {
    pub dir: tempfile::TempDir,
    pub ledger: Ledger,
    pub time: u64,
    pub rng: ChaCha20Rng,
    /// Members joined through [`World::join`], in order: their keys and identities.
    pub members: Vec<(SigningKey, Identity)>,
}

impl World {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::init(dir.path(), &genesis()).unwrap();
        let mut w = Self {
            dir,
            ledger,
            time: T0,
            rng: ChaCha20Rng::seed_from_u64(7),
            members: Vec::new(),
        };
        let reg = w
            .tx(
                &sk(1),
                TxBody::RegisterIssuer {
                    issuer: issuer_id(),
                    account: acct(&sk(10)),
                    name: "bureau".into(),
                },
            )
            .cosign(CHAIN, &sk(2));
        let pol = w
            .tx_n(
                &sk(1),
                1,
                TxBody::SetPolicy {
                    policy_id: 1,
                    rules: bureau_rules(),
                },
            )
            .cosign(CHAIN, &sk(3));
        let adm = w
            .tx_n(
                &sk(1),
                2,
                TxBody::SetPolicy {
                    policy_id: 0,
                    rules: admission_rules(),
                },
            )
            .cosign(CHAIN, &sk(3));
        let open = w
            .tx_n(&sk(1), 3, TxBody::SetAdmission { policy_id: Some(0) })
            .cosign(CHAIN, &sk(3));
        w.ok_block(vec![reg, pol, adm, open]);
        w
    }

    pub fn tx(&self, k: &SigningKey, body: TxBody) -> Tx {
        let n = self.ledger.state().nonce(&acct(k));
        Tx::sign(CHAIN, k, n, body)
    }

    pub fn tx_n(&self, k: &SigningKey, nonce: u64, body: TxBody) -> Tx {
        Tx::sign(CHAIN, k, nonce, body)
    }

    /// Produces a block 60 s later; every transaction must be accepted.
    pub fn ok_block(&mut self, txs: Vec<Tx>) -> Produced {
        self.time += 60;
        let p = self.ledger.produce_block(self.time, &txs).unwrap();
        assert!(p.rejected.is_empty(), "rejected: {:?}", p.rejected);
        p
    }

    /// One transaction in its own block; must be accepted.
    pub fn ok(&mut self, k: &SigningKey, body: TxBody) {
        let tx = self.tx(k, body);
        self.ok_block(vec![tx]);
    }

    /// Executes `tx` on a copy of the state at the next block time and asserts it is
    /// rejected with `want`, leaving the state hash unchanged; then checks a produced block
    /// leaves it out.
    pub fn reject(&mut self, tx: Tx, want: TxError) {
        let mut s = self.ledger.state().clone();
        let before = s.state_hash();
        let got = s.execute(&tx, self.time + 60, self.ledger.keys());
        assert_eq!(got.err(), Some(want.clone()), "tx {:?}", tx.body.kind());
        assert_eq!(s.state_hash(), before, "state changed by a rejected tx");
        let (_, block, rejected) = self
            .ledger
            .state()
            .build_block(self.time + 60, &[tx], self.ledger.keys())
            .unwrap();
        assert!(block.txs.is_empty());
        assert_eq!(rejected[0].error, want);
    }

    /// Attests an admission credential for `id`, then joins with an admission proof.
    pub fn join(&mut self, k: &SigningKey, id: &Identity, deposit: u64) {
        let cred = self.attest_salted(id, 700, 0, Fr::from(99u64));
        let body = self.join_body(k, id, &cred, deposit);
        self.ok(k, body);
        self.members.push((k.clone(), id.clone()));
    }

    /// Opens a proposal signed by member key `k`; returns its id.
    pub fn propose(&mut self, k: &SigningKey, action: ProposalAction) -> u64 {
        let id = self.ledger.state().core().next_proposal;
        self.ok(k, TxBody::Propose { action });
        id
    }

    /// `id` votes on `proposal`, sent from a throwaway key (the ledger sees only the proof).
    pub fn vote(&mut self, id: &Identity, proposal: u64, approve: bool) {
        let body = self.vote_body(id, proposal, approve);
        self.ok(&sk(199), body);
    }

    /// Produces an empty block at the proposal's deadline: its vote closes.
    pub fn close(&mut self, proposal: u64) -> ProposalStatus {
        let d = self.ledger.state().proposal(proposal).unwrap().deadline;
        self.time = self.time.max(d - 60);
        self.ok_block(vec![]);
        self.ledger
            .state()
            .proposal(proposal)
            .unwrap()
            .status
            .clone()
    }

    /// Decides `action` as the co-op must now: the officers' bootstrap transaction while
    /// there is no member, else a proposal of the first member that every member joined
    /// through [`World::join`] votes for; asserts it executed.
    pub fn govern(&mut self, action: ProposalAction) {
        if self.ledger.state().core().members.is_empty() {
            let body = match action {
                ProposalAction::SetPolicy { policy_id, rules } => {
                    TxBody::SetPolicy { policy_id, rules }
                }
                ProposalAction::SetAdmission { policy_id } => TxBody::SetAdmission { policy_id },
                ProposalAction::RegisterIssuer {
                    issuer,
                    account,
                    name,
                } => TxBody::RegisterIssuer {
                    issuer,
                    account,
                    name,
                },
                other => panic!("no bootstrap transaction for {}", other.kind()),
            };
            let t = self.tx(&sk(1), body).cosign(CHAIN, &sk(2));
            self.ok_block(vec![t]);
            return;
        }
        let (k, _) = self.members[0].clone();
        let prop = self.propose(&k, action);
        for (_, id) in self.members.clone() {
            self.vote(&id, prop, true);
        }
        assert_eq!(self.close(prop), ProposalStatus::Executed);
    }

    /// A `Join` body with an admission proof from `cred` for the next block.
    pub fn join_body(
        &mut self,
        k: &SigningKey,
        id: &Identity,
        cred: &Credential,
        deposit: u64,
    ) -> TxBody {
        let nonce = self.ledger.state().nonce(&acct(k));
        let exp = self
            .ledger
            .state()
            .expected_admission(&acct(k), nonce, id.commitment(), deposit)
            .unwrap();
        let proof = self.prove_expected(id, cred, &exp, self.time + 60);
        TxBody::Join {
            identity: id.commitment(),
            deposit,
            proof,
        }
    }

    /// A `Join` body whose proof is not checked against any admission policy (for
    /// rejections that come first).
    pub fn join_body_unchecked(&self, _k: &SigningKey, id: &Identity, deposit: u64) -> TxBody {
        TxBody::Join {
            identity: id.commitment(),
            deposit,
            proof: dummy_proof(),
        }
    }

    /// A policy proof of `exp` at `now` from `cred`, against the current registry root.
    pub fn prove_expected(
        &mut self,
        id: &Identity,
        cred: &Credential,
        exp: &ExpectedPolicy,
        now: u64,
    ) -> ProofData {
        self.prove_expected_as(id, cred, exp, now, Fr::from(0u64))
    }

    /// [`World::prove_expected`] with another holder scope (a pseudonym instead of the
    /// identity commitment).
    pub fn prove_expected_as(
        &mut self,
        id: &Identity,
        cred: &Credential,
        exp: &ExpectedPolicy,
        now: u64,
        holder_scope: Fr,
    ) -> ProofData {
        let (path, root) = self.ledger.credential_path(&cred.leaf()).unwrap();
        let policy = exp.policy();
        let env = prove_policy(
            policy_keys(),
            &PolicyInput {
                identity: id,
                credential: cred,
                path,
                root,
                policy: &policy,
                now,
                request: exp.request,
                scope: exp.scope,
                issued_after: exp.min_issued_after(now),
                holder_scope,
            },
            &mut self.rng,
        )
        .unwrap();
        ProofData {
            public_inputs: env.public_inputs.clone(),
            proof: env.proof_bytes(),
        }
    }

    /// A bureau credential for `id`, attested by the issuer (key 10).
    pub fn attest(&mut self, id: &Identity, score: u64, defaults: u64) -> Credential {
        self.attest_salted(id, score, defaults, Fr::from(score * 1_000 + defaults))
    }

    /// [`World::attest`] with a chosen salt (distinct credentials for the same numbers).
    pub fn attest_salted(
        &mut self,
        id: &Identity,
        score: u64,
        defaults: u64,
        salt: Fr,
    ) -> Credential {
        let cred = Credential {
            schema: SCHEMA_BUREAU_V1,
            issuer: issuer_id(),
            subject: id.commitment(),
            attrs: [score, 5_000, 1_000, 20_000, 24, 0, defaults, 36],
            issued_at: T0 - 100,
            expires_at: T0 + 10 * 365 * 86_400,
            salt,
        };
        self.ok(
            &sk(10),
            TxBody::Attest {
                commitment: cred.commitment(),
            },
        );
        cred
    }

    /// An `ApplyLoan` body with a valid proof for the next block time and `nonce`.
    pub fn apply_body(
        &mut self,
        k: &SigningKey,
        nonce: u64,
        id: &Identity,
        cred: &Credential,
        amount: u64,
        term: u64,
    ) -> TxBody {
        let rules = bureau_rules();
        self.apply_body_with(k, nonce, id, cred, amount, term, 1, &rules)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn apply_body_with(
        &mut self,
        k: &SigningKey,
        nonce: u64,
        id: &Identity,
        cred: &Credential,
        amount: u64,
        term: u64,
        policy_id: u64,
        rules: &PolicyRules,
    ) -> TxBody {
        let now = self.time + 60;
        let exp = self
            .ledger
            .state()
            .expected_application(
                &acct(k),
                nonce,
                policy_id,
                amount,
                term,
                rules.rate_bps,
                now,
            )
            .unwrap();
        let proof = self.prove_expected(id, cred, &exp, now);
        TxBody::ApplyLoan {
            policy_id,
            amount,
            term,
            rate_bps: rules.rate_bps,
            proof,
        }
    }

    pub fn vote_body(&mut self, id: &Identity, proposal: u64, approve: bool) -> TxBody {
        let p = self.ledger.state().proposal(proposal).unwrap().clone();
        let voters = self.ledger.state().proposal_voters(proposal).unwrap();
        let root = zkcredit_ledger::codec::fr_from_bytes(&p.member_root).unwrap();
        assert_eq!(voters.root(), root);
        let index = voters
            .position(&id.commitment())
            .expect("a voter of this proposal");
        let path = voters.path(index).unwrap();
        let env = prove_membership(
            membership_keys(),
            &MembershipInput {
                identity: id,
                path,
                root,
                scope: vote_scope(self.ledger.state().params(), proposal),
                signal: vote_signal(proposal, approve),
            },
            &mut self.rng,
        )
        .unwrap();
        TxBody::Vote {
            proposal,
            approve,
            proof: ProofData {
                public_inputs: env.public_inputs.clone(),
                proof: env.proof_bytes(),
            },
        }
    }

    pub fn pool(&self) -> Pool {
        self.ledger.state().pool().clone()
    }
}
