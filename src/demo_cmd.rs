//! `zkcredit demo`: a whole lending co-op on a fresh proof-carrying ledger.
//!
//! Members join and deposit, a bureau attests credentials, loans are applied for with policy
//! proofs (one approved automatically, one refused by the prover, one tampered proof refused
//! by the ledger, one large loan passed by an anonymous member vote), instalments are repaid,
//! one loan defaults and the reserve absorbs it, profits are distributed, a borrower proves a
//! clean repayment history from the co-op's own credential for a second loan, and the ledger
//! is replayed and verified. Any step that misbehaves ends the demo with an error (exit 2).

use anyhow::{anyhow, bail, ensure, Context, Result};
use ark_serialize::CanonicalSerialize;
use ed25519_dalek::SigningKey;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use zkcredit_circuits::credential::{
    Credential, BUREAU_V1_ATTRS, SCHEMA_BUREAU_V1, SCHEMA_COOP_HISTORY_V1,
};
use zkcredit_circuits::identity::Identity;
use zkcredit_circuits::policy::Clause;
use zkcredit_circuits::statement::CircuitId;
use zkcredit_circuits::Fr;
use zkcredit_ledger::{
    codec, coop_issuer_id, vote_scope, vote_signal, Account, ClauseRule, ExpectedPolicy, Genesis,
    KeyRecord, Ledger, LoanStatus, Params, PolicyRules, ProofData, ProposalAction, ProposalStatus,
    Tx, TxBody, TxError,
};
use zkcredit_prover::{
    prove_membership, prove_policy, setup, MembershipInput, PolicyInput, ProvingKeys,
};

/// Arguments of `zkcredit demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep the ledger (and cached keys) in this directory instead of a temporary one.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Tree depth of the circuits (20 is the real size; smaller is faster).
    #[arg(long, default_value_t = 20)]
    pub depth: usize,
}

const CHAIN: &str = "zkcredit-demo-coop";
const T0: u64 = 1_767_225_600; // 2026-01-01
const DAY: u64 = 86_400;
const SEED: u64 = 20_260_101;

fn money(x: u64) -> String {
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

fn ms(t: Instant) -> String {
    format!("{:.0} ms", t.elapsed().as_secs_f64() * 1e3)
}

fn key_cache(args: &Args) -> PathBuf {
    if let Some(d) = &args.dir {
        return d.join("keys");
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("zkcredit")
}

/// Loads seeded demo keys from the cache, or runs the (seeded, insecure) setup and caches them.
fn demo_keys(cache: &Path, id: CircuitId, seed: u64) -> Result<(ProvingKeys, bool)> {
    let dir = cache.join(format!("demo-{id}-seed{seed}"));
    if let Ok(k) = ProvingKeys::load(&dir) {
        if k.id == id {
            return Ok((k, true));
        }
    }
    let k = setup(id, Some(seed)).map_err(|e| anyhow!("setup of {id}: {e}"))?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    k.save(&dir).map_err(|e| anyhow!("saving keys: {e}"))?;
    Ok((k, false))
}

fn record(k: &ProvingKeys) -> Result<KeyRecord> {
    let mut vk = Vec::new();
    k.verifier.vk().serialize_compressed(&mut vk)?;
    Ok(KeyRecord {
        circuit: k.id.to_string(),
        vk,
        insecure: true,
    })
}

fn rules(clauses: &[Clause]) -> Vec<ClauseRule> {
    clauses
        .iter()
        .map(|c| ClauseRule {
            coeffs: c.coeffs,
            constant: c.constant,
            instalment_coeff: 0,
        })
        .collect()
}

/// The pool's books just before and after a block that wrote a watched loan off.
type WriteOffSeen = Option<(zkcredit_ledger::Pool, zkcredit_ledger::Pool)>;

struct Person {
    name: &'static str,
    key: SigningKey,
    id: Identity,
}

impl Person {
    fn account(&self) -> Account {
        self.key.verifying_key().to_bytes()
    }
}

struct Coop {
    ledger: Ledger,
    time: u64,
    rng: StdRng,
    policy_keys: ProvingKeys,
    member_keys: ProvingKeys,
    officers: Vec<SigningKey>,
    prove_ms: Vec<f64>,
}

impl Coop {
    fn tx(&self, k: &SigningKey, body: TxBody) -> Tx {
        Tx::sign(
            CHAIN,
            k,
            self.ledger.state().nonce(&k.verifying_key().to_bytes()),
            body,
        )
    }

    fn officer_tx(&self, body: TxBody, cosign: bool) -> Tx {
        let t = self.tx(&self.officers[0], body);
        if cosign {
            t.cosign(CHAIN, &self.officers[1])
        } else {
            t
        }
    }

    /// Produces a block at `time` with every transaction accepted, or fails the demo.
    fn block(&mut self, time: u64, txs: Vec<Tx>) -> Result<zkcredit_ledger::Produced> {
        self.block_quiet(time, txs, false)
    }

    fn block_quiet(
        &mut self,
        time: u64,
        txs: Vec<Tx>,
        quiet: bool,
    ) -> Result<zkcredit_ledger::Produced> {
        self.time = time;
        let t = Instant::now();
        let p = self.ledger.produce_block(time, &txs)?;
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

    fn at_next(&self, dt: u64) -> u64 {
        self.time + dt
    }

    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        who: &Person,
        cred: &Credential,
        policy_id: u64,
        rules: &PolicyRules,
        amount: u64,
        term: u64,
        time: u64,
    ) -> Result<Result<TxBody, String>> {
        let nonce = self.ledger.state().nonce(&who.account());
        let expected = self.ledger.state().expected_application(
            &who.account(),
            nonce,
            policy_id,
            amount,
            term,
            rules.rate_bps,
            time,
        )?;
        let t = Instant::now();
        let env = self.prove_expected(who, cred, &expected, time);
        let env = match env {
            Ok(e) => e,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let el = t.elapsed().as_secs_f64() * 1e3;
        self.prove_ms.push(el);
        println!("      {} proves the policy privately: {el:.0} ms", who.name);
        Ok(Ok(TxBody::ApplyLoan {
            policy_id,
            amount,
            term,
            rate_bps: rules.rate_bps,
            proof: ProofData {
                public_inputs: env.public_inputs.clone(),
                proof: env.proof_bytes(),
            },
        }))
    }

    /// A policy proof of what the ledger expects (`expected`), made at `now` against the
    /// registry's current root.
    fn prove_expected(
        &mut self,
        who: &Person,
        cred: &Credential,
        expected: &ExpectedPolicy,
        now: u64,
    ) -> Result<zkcredit_prover::Envelope, zkcredit_prover::ProveError> {
        let (path, root) = self
            .ledger
            .credential_path(&cred.leaf())
            .map_err(|e| zkcredit_prover::ProveError::Statement(e.to_string()))?;
        prove_policy(
            &self.policy_keys,
            &PolicyInput {
                identity: &who.id,
                credential: cred,
                path,
                root,
                policy: &expected.policy(),
                now,
                request: expected.request,
                scope: expected.scope,
                issued_after: expected.min_issued_after(now),
                holder_scope: Fr::from(0u64),
            },
            &mut self.rng,
        )
    }

    /// A `Join` with an admission proof from `cred`, for a block at `time`.
    fn join(&mut self, who: &Person, cred: &Credential, deposit: u64, time: u64) -> Result<Tx> {
        let nonce = self.ledger.state().nonce(&who.account());
        let expected = self.ledger.state().expected_admission(
            &who.account(),
            nonce,
            who.id.commitment(),
            deposit,
        )?;
        let t = Instant::now();
        let env = self
            .prove_expected(who, cred, &expected, time)
            .map_err(|e| anyhow!("{}'s admission proof was refused: {e}", who.name))?;
        self.prove_ms.push(t.elapsed().as_secs_f64() * 1e3);
        Ok(self.tx(
            &who.key,
            TxBody::Join {
                identity: who.id.commitment(),
                deposit,
                proof: ProofData {
                    public_inputs: env.public_inputs.clone(),
                    proof: env.proof_bytes(),
                },
            },
        ))
    }

    /// `proposer` opens a proposal, `voters` vote yes (each from a throwaway key), and the
    /// first block at the deadline executes it.
    fn pass(
        &mut self,
        proposer: &Person,
        action: ProposalAction,
        voters: &[&Person],
    ) -> Result<()> {
        let id = self.ledger.state().core().next_proposal;
        let kind = action.kind();
        let tx = self.tx(&proposer.key, TxBody::Propose { action });
        self.block(self.at_next(60), vec![tx])?;
        println!("      {} proposes {kind} (proposal {id})", proposer.name);
        let mut votes = Vec::new();
        for (i, p) in voters.iter().enumerate() {
            let body = self.vote(p, id, true)?;
            // From a throwaway key (reused across proposals, so its nonce comes from the state).
            votes.push(self.tx(&SigningKey::from_bytes(&[210 + i as u8; 32]), body));
        }
        self.block(self.at_next(3_600), votes)?;
        let deadline = self
            .ledger
            .state()
            .proposal(id)
            .map(|p| p.deadline)
            .ok_or_else(|| anyhow!("no proposal {id}"))?;
        self.block(deadline.max(self.time), vec![])?;
        let status = self
            .ledger
            .state()
            .proposal(id)
            .map(|p| p.status.clone())
            .ok_or_else(|| anyhow!("no proposal {id}"))?;
        ensure!(
            status == ProposalStatus::Executed,
            "proposal {id} did not execute: {status:?}"
        );
        println!("      the vote closed at its deadline: the block executed proposal {id}");
        Ok(())
    }

    fn vote(&mut self, who: &Person, proposal: u64, approve: bool) -> Result<TxBody> {
        let p = self
            .ledger
            .state()
            .proposal(proposal)
            .ok_or_else(|| anyhow!("no proposal {proposal}"))?
            .clone();
        let root = codec::fr_from_bytes(&p.member_root).ok_or_else(|| anyhow!("bad root"))?;
        let voters = self.ledger.state().proposal_voters(proposal)?;
        let index = voters
            .position(&who.id.commitment())
            .filter(|_| who.id.commitment() != Fr::from(0u64))
            .ok_or_else(|| {
                anyhow!(
                    "{} is not among the voters of proposal {proposal}",
                    who.name
                )
            })?;
        let path = voters.path(index)?;
        let t = Instant::now();
        let env = prove_membership(
            &self.member_keys,
            &MembershipInput {
                identity: &who.id,
                path,
                root,
                scope: vote_scope(self.ledger.state().params(), proposal),
                signal: vote_signal(proposal, approve),
            },
            &mut self.rng,
        )?;
        self.prove_ms.push(t.elapsed().as_secs_f64() * 1e3);
        println!(
            "      an anonymous member votes {} ({} to prove membership)",
            if approve { "yes" } else { "no" },
            ms(t)
        );
        Ok(TxBody::Vote {
            proposal,
            approve,
            proof: ProofData {
                public_inputs: env.public_inputs.clone(),
                proof: env.proof_bytes(),
            },
        })
    }

    fn pool_line(&self) {
        let p = self.ledger.state().pool();
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
    fn repay_watching(
        &mut self,
        who: &Person,
        loan: u64,
        time: u64,
        watch: u64,
    ) -> Result<(u64, WriteOffSeen)> {
        let active =
            |c: &Self| c.ledger.state().loan(watch).map(|l| l.status) == Some(LoanStatus::Active);
        let was_active = active(self);
        let before = self.ledger.state().pool().clone();
        let paid = self.repay_next(who, loan, time)?;
        let seen = (was_active
            && self.ledger.state().loan(watch).map(|l| l.status) == Some(LoanStatus::Defaulted))
        .then(|| (before, self.ledger.state().pool().clone()));
        Ok((paid, seen))
    }

    fn repay_next(&mut self, who: &Person, loan: u64, time: u64) -> Result<u64> {
        let l = self
            .ledger
            .state()
            .loan(loan)
            .ok_or_else(|| anyhow!("no loan {loan}"))?;
        let inst = l.schedule[l.next as usize].clone();
        let due = inst.total().ok_or_else(|| anyhow!("overflow"))?;
        let tx = self.tx(&who.key, TxBody::Repay { loan, amount: due });
        self.block_quiet(time, vec![tx], true)?;
        Ok(due)
    }
}

/// Runs the demo.
pub fn run(args: &Args) -> Result<ExitCode> {
    let started = Instant::now();
    let tmp;
    let dir = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.join("ledger")
        }
        None => {
            tmp = TempDir::new()?;
            tmp.0.join("ledger")
        }
    };
    if dir.join(zkcredit_ledger::DB_FILE).exists() {
        std::fs::remove_file(dir.join(zkcredit_ledger::DB_FILE))?;
    }

    println!("zkcredit demo — a lending co-op on a proof-carrying ledger\n");
    println!(
        "[0] Keys (seeded, INSECURE: demo only), depth {}",
        args.depth
    );
    let cache = key_cache(args);
    let t = Instant::now();
    let (policy_keys, c1) = demo_keys(&cache, CircuitId::Policy { depth: args.depth }, SEED)?;
    let (member_keys, c2) = demo_keys(
        &cache,
        CircuitId::Membership { depth: args.depth },
        SEED + 1,
    )?;
    println!(
        "      {} and {}: {} in {} ({})",
        policy_keys.id,
        member_keys.id,
        if c1 && c2 {
            "loaded from cache"
        } else {
            "generated"
        },
        ms(t),
        cache.display()
    );

    let officers: Vec<SigningKey> = (1..=3u8)
        .map(|i| SigningKey::from_bytes(&[i; 32]))
        .collect();
    let person = |name, seed: u8| Person {
        name,
        key: SigningKey::from_bytes(&[seed; 32]),
        id: Identity::from_secret(Fr::from(u64::from(seed) * 7_919 + 13)),
    };
    let ana = person("Ana", 40);
    let ben = person("Ben", 41);
    let chloe = person("Chloé", 42);
    let dev = person("Dev", 43);
    let eli = person("Eli", 44);
    let bureau = SigningKey::from_bytes(&[30; 32]);
    let bureau_id = Fr::from(7_001u64);

    let mut params = Params::new(
        CHAIN,
        args.depth as u32,
        officers
            .iter()
            .map(|k| k.verifying_key().to_bytes())
            .collect(),
        2,
    );
    params.min_deposit = 10_000;
    params.auto_approve_limit = 500_000;
    params.treasury_limit = 500_000;
    params.interest_reserve_bps = 5_000;
    params.distribution_reserve_bps = 1_000;
    let genesis = Genesis {
        params,
        time: T0,
        keys: vec![record(&policy_keys)?, record(&member_keys)?],
    };
    let ledger = Ledger::init(&dir, &genesis)?;
    println!(
        "      ledger at {} (redb, immediate durability, two-phase commit)",
        dir.display()
    );
    println!(
        "      officers: 3, treasury actions above {} need 2 signatures",
        money(500_000)
    );
    let mut coop = Coop {
        ledger,
        time: T0,
        rng: StdRng::seed_from_u64(SEED),
        policy_keys,
        member_keys,
        officers,
        prove_ms: Vec::new(),
    };

    println!(
        "\n[1] Governance registers the bureau, the lending policy and the admission policy \
         (2-of-3 officers)"
    );
    let mut clauses = rules(&[
        Clause::at_least(0, 650),
        // debt-to-income after this loan's instalment at most 40 %:
        // income*4000 - debt*10000 - instalment*10000 >= 0
        Clause {
            coeffs: [0, 4_000, -10_000, 0, 0, 0, 0, 0],
            constant: 0,
        },
        Clause::at_most(6, 0),
    ]);
    clauses[1].instalment_coeff = 10_000;
    let standard = PolicyRules {
        name: "standard".into(),
        clauses,
        issuer: bureau_id,
        schema: SCHEMA_BUREAU_V1,
        max_credential_age: Some(400 * DAY),
        rate_bps: 1_200,
        max_amount: 2_000_000,
        max_term: 24,
        active: true,
    };
    let admission = PolicyRules {
        name: "admission: a scored bureau file".into(),
        clauses: rules(&[Clause::at_least(0, 300)]),
        rate_bps: 0,
        ..standard.clone()
    };
    let names: [String; 8] = BUREAU_V1_ATTRS.map(String::from);
    for c in standard.policy().clauses {
        println!("      lending clause: {}", c.describe(&names));
    }
    println!("      (the debt clause subtracts 10000 × the loan's largest instalment, computed by the ledger)");
    for c in admission.policy().clauses {
        println!("      admission clause: {}", c.describe(&names));
    }
    let t1 = coop.officer_tx(
        TxBody::RegisterIssuer {
            issuer: bureau_id,
            account: bureau.verifying_key().to_bytes(),
            name: "Northwind Credit Bureau".into(),
        },
        true,
    );
    let t2 = Tx::sign(
        CHAIN,
        &coop.officers[0],
        1,
        TxBody::SetPolicy {
            policy_id: 1,
            rules: standard.clone(),
        },
    )
    .cosign(CHAIN, &coop.officers[2]);
    let t3 = Tx::sign(
        CHAIN,
        &coop.officers[0],
        2,
        TxBody::SetPolicy {
            policy_id: 0,
            rules: admission.clone(),
        },
    )
    .cosign(CHAIN, &coop.officers[1]);
    let t4 = Tx::sign(
        CHAIN,
        &coop.officers[0],
        3,
        TxBody::SetAdmission { policy_id: Some(0) },
    )
    .cosign(CHAIN, &coop.officers[1]);
    coop.block(T0 + 60, vec![t1, t2, t3, t4])?;
    // A single officer cannot do it alone.
    let lone = coop.officer_tx(
        TxBody::SetPolicy {
            policy_id: 9,
            rules: standard.clone(),
        },
        false,
    );
    let mut probe = coop.ledger.state().clone();
    match probe.execute(&lone, coop.time + 60, coop.ledger.keys()) {
        Err(e @ TxError::NotEnoughSignatures { .. }) => {
            println!("      one officer alone: refused ({e})")
        }
        other => bail!("a single-officer policy change was not refused: {other:?}"),
    }

    println!("\n[2] The bureau attests credentials (the ledger computes each registry leaf)");
    let cred = |p: &Person, attrs: [u64; 8], salt: u64| Credential {
        schema: SCHEMA_BUREAU_V1,
        issuer: bureau_id,
        subject: p.id.commitment(),
        attrs,
        issued_at: T0,
        expires_at: T0 + 365 * DAY,
        salt: Fr::from(salt),
    };
    let c_ana = cred(
        &ana,
        [760, 1_200_000, 100_000, 5_000_000, 120, 0, 0, 180],
        5,
    );
    let c_ben = cred(&ben, [720, 620_000, 90_000, 150_000, 36, 1, 0, 48], 1);
    let c_chloe = cred(&chloe, [610, 380_000, 70_000, 40_000, 20, 4, 0, 12], 2);
    let c_dev = cred(&dev, [780, 900_000, 150_000, 600_000, 60, 0, 0, 96], 3);
    let c_eli = cred(&eli, [680, 300_000, 60_000, 20_000, 18, 2, 0, 24], 4);
    let txs = [&c_ana, &c_ben, &c_chloe, &c_dev, &c_eli]
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Tx::sign(
                CHAIN,
                &bureau,
                i as u64,
                TxBody::Attest {
                    commitment: c.commitment(),
                },
            )
        })
        .collect();
    coop.block(coop.at_next(3_600), txs)?;
    println!(
        "      registry: {} leaves in a 4-ary Poseidon tree, root {}…",
        coop.ledger.state().registry().len(),
        &zkcredit_circuits::field::to_decimal(&coop.ledger.state().registry().root())[..16]
    );

    println!(
        "\n[3] Members join: a deposit and an admission proof bound to their identity \
         (one membership per person)"
    );
    let deposits = [
        (&ana, &c_ana, 2_000_000),
        (&ben, &c_ben, 300_000),
        (&chloe, &c_chloe, 200_000),
        (&dev, &c_dev, 400_000),
        (&eli, &c_eli, 100_000),
    ];
    let t_join = coop.at_next(3_600);
    let mut txs = Vec::new();
    for (p, c, d) in deposits {
        txs.push(coop.join(p, c, d, t_join)?);
        println!("      {:<6} deposits {:>10}", p.name, money(d));
    }
    // Ben tries to register Ana's (public) identity commitment with his own admission proof.
    let mut stolen = coop.join(&ben, &c_ben, 300_000, t_join)?;
    if let TxBody::Join { identity, .. } = &mut stolen.body {
        *identity = ana.id.commitment();
    }
    let stolen = coop.tx(&ben.key, stolen.body);
    let mut probe = coop.ledger.state().clone();
    match probe.execute(&stolen, t_join, coop.ledger.keys()) {
        Err(e @ (TxError::HolderMismatch { .. } | TxError::RequestMismatch)) => {
            println!("      someone registering Ana's identity with their own proof: refused — {e}")
        }
        other => bail!("registering another person's identity was not refused: {other:?}"),
    }
    coop.block(t_join, txs)?;
    coop.pool_line();

    println!(
        "\n[4] Ben applies for {} over 3 months: approved automatically",
        money(300_000)
    );
    let t_apply = coop.at_next(DAY);
    let body = coop
        .apply(&ben, &c_ben, 1, &standard, 300_000, 3, t_apply)?
        .map_err(|e| anyhow!("Ben's proof was refused: {e}"))?;
    let tx = coop.tx(&ben.key, body);
    let ben_apply = tx.clone();
    let ben_apply_height = coop.block(t_apply, vec![tx])?.block.header.height;
    let ben_loan = 0;
    ensure!(coop.ledger.state().loan(ben_loan).map(|l| l.status) == Some(LoanStatus::Approved));
    println!(
        "      loan {ben_loan}: approved (at most {} needs no vote)",
        money(500_000)
    );

    println!("\n[5] Chloé applies: her numbers fail the policy, so no proof can be made");
    match coop.apply(&chloe, &c_chloe, 1, &standard, 200_000, 6, coop.at_next(60))? {
        Err(msg) => println!("      prover: {msg}"),
        Ok(_) => bail!("a proof was produced for numbers that fail the policy"),
    }

    println!("\n[6] A tampered application is refused by the ledger");
    let t6 = coop.at_next(60);
    let body = coop
        .apply(&eli, &c_eli, 1, &standard, 120_000, 6, t6)?
        .map_err(|e| anyhow!("Eli's proof was refused: {e}"))?;
    let mut forged = body.clone();
    if let (TxBody::ApplyLoan { proof, .. }, TxBody::ApplyLoan { proof: other, .. }) =
        (&mut forged, &ben_apply.body)
    {
        proof.proof = other.proof.clone(); // Ben's (valid) proof under Eli's public inputs
    }
    let mut inflated = body.clone();
    if let TxBody::ApplyLoan { amount, .. } = &mut inflated {
        *amount = 450_000; // Eli's proof, a larger amount than it was bound to
    }
    let tampered = vec![coop.tx(&eli.key, forged)];
    let p = coop.ledger.produce_block(t6, &tampered)?;
    coop.time = t6;
    match p.rejected.first().map(|r| &r.error) {
        Some(TxError::InvalidProof) => println!(
            "      proof bytes swapped: rejected — {}",
            TxError::InvalidProof
        ),
        other => bail!("a forged proof was not rejected as invalid: {other:?}"),
    }
    let mut probe = coop.ledger.state().clone();
    match probe.execute(&coop.tx(&eli.key, inflated), t6, coop.ledger.keys()) {
        Err(e @ (TxError::PolicyMismatch | TxError::RequestMismatch)) => {
            println!("      amount changed after proving: rejected — {e}")
        }
        other => bail!("an altered request was not rejected: {other:?}"),
    }
    // Eli's genuine application, re-proved for the next block's request.
    let t6b = coop.at_next(60);
    let body = coop
        .apply(&eli, &c_eli, 1, &standard, 120_000, 6, t6b)?
        .map_err(|e| anyhow!("Eli's proof was refused: {e}"))?;
    // Same identity, same epoch: the first attempt's nullifier was never spent (its block
    // left it out), so the genuine one goes through.
    let tx = coop.tx(&eli.key, body);
    coop.block(t6b, vec![tx])?;
    let eli_loan = 1;
    println!(
        "      Eli's genuine application: loan {eli_loan} approved ({})",
        money(120_000)
    );

    println!(
        "\n[7] Dev asks for {}: above the limit, the members vote anonymously",
        money(1_500_000)
    );
    let t7 = coop.at_next(60);
    let body = coop
        .apply(&dev, &c_dev, 1, &standard, 1_500_000, 12, t7)?
        .map_err(|e| anyhow!("Dev's proof was refused: {e}"))?;
    let tx = coop.tx(&dev.key, body);
    coop.block(t7, vec![tx])?;
    let dev_loan = 2;
    let prop = coop
        .ledger
        .state()
        .loan(dev_loan)
        .and_then(|l| l.proposal)
        .ok_or_else(|| anyhow!("no proposal for Dev's loan"))?;
    let needed = coop
        .ledger
        .state()
        .proposal(prop)
        .map(|p| p.needed(coop.ledger.state().params().quorum_bps));
    println!(
        "      proposal {prop}: {} votes of the 4 other members make quorum, a majority of them yes (the applicant does not vote)",
        needed.unwrap_or(0)
    );
    match coop.vote(&dev, prop, true) {
        Err(e) => println!("      Dev votes on his own loan: refused — {e}"),
        Ok(_) => bail!("the applicant could vote on his own loan"),
    }
    let mut votes = Vec::new();
    for (i, (p, yes)) in [(&ana, true), (&eli, false), (&chloe, true)]
        .into_iter()
        .enumerate()
    {
        let body = coop.vote(p, prop, yes)?;
        // Each vote is sent from a fresh throwaway key: the ledger sees only the proof.
        let throwaway = SigningKey::from_bytes(&[200 + i as u8; 32]);
        votes.push(Tx::sign(CHAIN, &throwaway, 0, body));
    }
    let dup = votes[0].body.clone();
    let later = votes.split_off(2);
    coop.block(coop.at_next(3_600), votes)?;
    let mut probe = coop.ledger.state().clone();
    let again = Tx::sign(CHAIN, &SigningKey::from_bytes(&[250; 32]), 0, dup);
    match probe.execute(&again, coop.time + 60, coop.ledger.keys()) {
        Err(e @ TxError::AlreadyVoted) => {
            println!("      the same member voting again: rejected — {e}")
        }
        other => bail!("a second vote by the same member was not refused: {other:?}"),
    }
    coop.block(coop.at_next(3_600), later)?;
    // The vote closes at its deadline: that block approves the loan by itself.
    let deadline = coop
        .ledger
        .state()
        .proposal(prop)
        .map(|p| p.deadline)
        .ok_or_else(|| anyhow!("proposal"))?;
    coop.block(deadline, vec![])?;
    let pr = coop
        .ledger
        .state()
        .proposal(prop)
        .cloned()
        .ok_or_else(|| anyhow!("proposal"))?;
    println!(
        "      tally: {} yes, {} no → {:?}",
        pr.yes, pr.no, pr.status
    );
    ensure!(
        coop.ledger.state().loan(dev_loan).map(|l| l.status) == Some(LoanStatus::Approved),
        "Dev's loan was not approved"
    );

    println!("\n[8] Disbursement (Dev's loan is above the treasury limit: two officers sign)");
    let t8 = coop.at_next(3_600);
    let txs = vec![
        coop.officer_tx(TxBody::Disburse { loan: ben_loan }, false),
        Tx::sign(
            CHAIN,
            &coop.officers[0],
            coop.ledger
                .state()
                .nonce(&coop.officers[0].verifying_key().to_bytes())
                + 1,
            TxBody::Disburse { loan: eli_loan },
        ),
        Tx::sign(
            CHAIN,
            &coop.officers[0],
            coop.ledger
                .state()
                .nonce(&coop.officers[0].verifying_key().to_bytes())
                + 2,
            TxBody::Disburse { loan: dev_loan },
        )
        .cosign(CHAIN, &coop.officers[2]),
    ];
    coop.block(t8, txs)?;
    coop.pool_line();

    println!(
        "\n[9] Instalments: Ben repays on time, Dev pays monthly, Eli stops after five of six"
    );
    println!("      (every block services loans itself: late fees and write-offs need no officer)");
    let period = coop.ledger.state().params().period_secs;
    let mut eli_late_shown = false;
    let mut eli_default: Option<(zkcredit_ledger::Pool, zkcredit_ledger::Pool, u64)> = None;
    for month in 1..=12u64 {
        let when = t8 + month * period - DAY;
        let mut line = format!("      month {month:>2}:");
        let eli_remaining = coop
            .ledger
            .state()
            .loan(eli_loan)
            .map_or(0, |l| l.remaining_principal());
        let mut seen = None;
        if month <= 3 {
            let (a, s) = coop.repay_watching(&ben, ben_loan, when, eli_loan)?;
            seen = seen.or(s);
            line.push_str(&format!(" Ben pays {},", money(a)));
        }
        let (b, s) = coop.repay_watching(&dev, dev_loan, when + 60, eli_loan)?;
        seen = seen.or(s);
        line.push_str(&format!(" Dev pays {}", money(b)));
        if month <= 5 {
            let c = coop.repay_next(&eli, eli_loan, when + 120)?;
            line.push_str(&format!(", Eli pays {}", money(c)));
        }
        println!("{line}");
        let eli_l = coop
            .ledger
            .state()
            .loan(eli_loan)
            .cloned()
            .ok_or_else(|| anyhow!("loan"))?;
        let fee = eli_l
            .schedule
            .get(eli_l.next as usize)
            .map_or(0, |i| i.late_fee);
        if fee > 0 && !eli_late_shown {
            eli_late_shown = true;
            println!(
                "               Eli's instalment is {} days overdue: the block charged a late fee of {}",
                coop.ledger.state().params().late_grace / DAY,
                money(fee)
            );
        }
        if let Some((before, after)) = seen {
            println!(
                "               {} days past due: the block wrote Eli's loan off ({} of principal)",
                coop.ledger.state().params().default_grace / DAY,
                money(eli_remaining)
            );
            eli_default = Some((before, after, eli_remaining));
        }
    }
    ensure!(
        coop.ledger.state().loan(ben_loan).map(|l| l.status) == Some(LoanStatus::Repaid),
        "Ben's loan is not repaid"
    );
    ensure!(
        coop.ledger.state().loan(dev_loan).map(|l| l.status) == Some(LoanStatus::Repaid),
        "Dev's loan is not repaid"
    );
    println!("      Ben's and Dev's loans are repaid in full");

    println!(
        "\n[10] Eli's default: the loss is taken from his locked capital first, then the reserve"
    );
    let (before, after, loss) =
        eli_default.ok_or_else(|| anyhow!("Eli's loan was not written off automatically"))?;
    // The block also took a repayment, so compare the loss counters, not the balances.
    let from_capital = after.capital_losses - before.capital_losses;
    let from_reserve = (loss - from_capital).min(before.reserve);
    println!(
        "      written off {}: {} from Eli's collateral, {} from the reserve, {} from undistributed profit",
        money(loss),
        money(from_capital),
        money(from_reserve),
        money(loss - from_reserve - from_capital),
    );
    ensure!(
        after.losses - before.losses == loss,
        "the loss was not booked"
    );
    let collateral_cap = 120_000 * u64::from(coop.ledger.state().params().collateral_bps) / 10_000;
    ensure!(
        from_capital > 0 && from_capital <= collateral_cap && from_reserve == loss - from_capital,
        "Eli's collateral and then the reserve did not absorb the loss"
    );
    ensure!(
        coop.ledger.state().member(&eli.account()).map(|m| m.locked) == Some(0),
        "collateral stayed locked after the write-off"
    );
    ensure!(
        coop.ledger.state().pool().balanced(),
        "the books do not balance after the default"
    );
    coop.pool_line();

    println!("\n[11] Members vote to distribute profits, pro rata to capital × time held");
    // Officers alone can no longer decide it (nor policies, admission, issuers).
    let lone = coop.officer_tx(
        TxBody::SetPolicy {
            policy_id: 9,
            rules: standard.clone(),
        },
        true,
    );
    let mut probe = coop.ledger.state().clone();
    match probe.execute(&lone, coop.time + 60, coop.ledger.keys()) {
        Err(e @ TxError::GovernedByMembers) => {
            println!("      two officers changing a policy: refused ({e})")
        }
        other => bail!("an officers' policy change was not refused: {other:?}"),
    }
    let undist = coop.ledger.state().pool().undistributed;
    ensure!(undist > 0, "no profit to distribute");
    let caps_before: Vec<u64> = [&ana, &ben, &chloe, &dev, &eli]
        .iter()
        .map(|p| {
            coop.ledger
                .state()
                .member(&p.account())
                .map_or(0, |m| m.capital)
        })
        .collect();
    coop.pass(
        &ana,
        ProposalAction::Distribute { amount: undist },
        &[&ana, &ben, &chloe],
    )?;
    for (p, before) in [&ana, &ben, &chloe, &dev, &eli].iter().zip(caps_before) {
        let now = coop
            .ledger
            .state()
            .member(&p.account())
            .map_or(0, |m| m.capital);
        println!(
            "      {:<6} capital {:>10} (+{})",
            p.name,
            money(now),
            money(now - before)
        );
    }
    coop.pool_line();
    ensure!(
        coop.ledger.state().pool().balanced(),
        "the books do not balance"
    );

    println!(
        "\n[12] Ben has the co-op attest his repayment history, and proves it for a second loan"
    );
    let coop_id = coop_issuer_id(CHAIN);
    let history_rules = PolicyRules {
        name: "members with a clean record".into(),
        clauses: rules(&[
            Clause::at_least(0, 1), // loans_repaid >= 1
            Clause::at_most(3, 0),  // late_instalments <= 0
            Clause::at_most(4, 0),  // defaults <= 0
        ]),
        issuer: coop_id,
        schema: SCHEMA_COOP_HISTORY_V1,
        max_credential_age: Some(30 * DAY),
        rate_bps: 900,
        max_amount: 400_000,
        max_term: 12,
        active: true,
    };
    let t12 = coop.at_next(DAY);
    let attrs = coop
        .ledger
        .state()
        .history_attrs(&ben.account(), t12)
        .ok_or_else(|| anyhow!("Ben is not a member"))?;
    let salt = Fr::from(987_654_321u64);
    let history = Credential {
        schema: SCHEMA_COOP_HISTORY_V1,
        issuer: coop_id,
        subject: ben.id.commitment(),
        attrs,
        issued_at: t12,
        expires_at: t12 + 180 * DAY,
        salt,
    };
    let claim = coop.tx(
        &ben.key,
        TxBody::ClaimHistory {
            subject: ben.id.commitment(),
            attrs,
            issued_at: t12,
            expires_at: history.expires_at,
            salt,
        },
    );
    coop.block(t12, vec![claim])?;
    coop.pass(
        &ben,
        ProposalAction::SetPolicy {
            policy_id: 2,
            rules: history_rules.clone(),
        },
        &[&ana, &ben, &dev],
    )?;
    println!(
        "      coop-history-v1: loans_repaid {}, principal_repaid {}, on_time {}, late {}, defaults {}",
        attrs[0],
        money(attrs[1]),
        attrs[2],
        attrs[3],
        attrs[4]
    );
    let t12b = coop.at_next(60);
    let body = coop
        .apply(&ben, &history, 2, &history_rules, 250_000, 6, t12b)?
        .map_err(|e| anyhow!("Ben's history proof was refused: {e}"))?;
    let tx = coop.tx(&ben.key, body);
    coop.block(t12b, vec![tx])?;
    let second = coop.ledger.state().core().next_loan - 1;
    ensure!(
        coop.ledger.state().loan(second).map(|l| l.status) == Some(LoanStatus::Approved),
        "Ben's second loan was not approved"
    );
    println!(
        "      loan {second}: {} approved at 9 % on the co-op's own attestation",
        money(250_000)
    );

    println!("\n[13] Replay: the ledger is rebuilt from genesis and checked");
    let height = coop.ledger.height();
    let hash = coop.ledger.state_hash();
    let t = Instant::now();
    let report = coop.ledger.verify()?;
    println!(
        "      {} blocks, {} transactions, {} proofs re-verified in {}",
        report.blocks,
        report.txs,
        report.proofs,
        ms(t)
    );
    drop(coop.ledger);
    let reopened = Ledger::open(&dir)?;
    ensure!(
        reopened.height() == height && reopened.state_hash() == hash,
        "reopened ledger differs"
    );
    println!("      height {height}, state hash {}", hex::encode(hash));
    let avg = coop.prove_ms.iter().sum::<f64>() / coop.prove_ms.len().max(1) as f64;
    let single = {
        let b = reopened.block(ben_apply_height)?;
        let t = Instant::now();
        if let Some(TxBody::ApplyLoan { proof, .. }) = b.txs.first().map(|t| &t.body) {
            let env = zkcredit_ledger::keys::envelope(&reopened.keys().policy, proof)?;
            reopened.keys().policy.verify(&env)?;
        }
        t.elapsed().as_secs_f64() * 1e3
    };
    println!(
        "\nAll steps behaved. {} proofs made (avg {avg:.0} ms each), one verifies in {single:.1} ms; total {:.1} s.",
        coop.prove_ms.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// A temporary directory removed on drop (the demo's default ledger location).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let p = std::env::temp_dir().join(format!("zkcredit-demo-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p)?;
        Ok(Self(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
