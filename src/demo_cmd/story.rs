//! The demo's story up to the loans: governance, attestations, joins, applications (one
//! automatic, one the prover refuses, a tampered one the ledger refuses, one voted on).

use super::coop::{money, Coop, Person, CHAIN};
use super::setup::{admission_policy, standard_policy, DAY, T0};
use anyhow::{anyhow, bail, ensure, Result};
use ed25519_dalek::SigningKey;
use zkcredit_circuits::credential::{Credential, BUREAU_V1_ATTRS, SCHEMA_BUREAU_V1};
use zkcredit_circuits::Fr;
use zkcredit_ledger::{LoanStatus, Tx, TxBody, TxError};

/// The demo's people and the bureau.
pub struct Cast {
    /// Members.
    pub ana: Person,
    /// Member.
    pub ben: Person,
    /// Member.
    pub chloe: Person,
    /// Member.
    pub dev: Person,
    /// Member.
    pub eli: Person,
    /// The bureau's account key.
    pub bureau: SigningKey,
    /// The bureau's issuer id.
    pub bureau_id: Fr,
}

impl Cast {
    /// The demo's cast (deterministic keys).
    pub fn new() -> Self {
        Self {
            ana: Person::new("Ana", 40),
            ben: Person::new("Ben", 41),
            chloe: Person::new("Chloé", 42),
            dev: Person::new("Dev", 43),
            eli: Person::new("Eli", 44),
            bureau: SigningKey::from_bytes(&[30; 32]),
            bureau_id: Fr::from(7_001u64),
        }
    }

    /// Everyone, in order.
    pub fn members(&self) -> [&Person; 5] {
        [&self.ana, &self.ben, &self.chloe, &self.dev, &self.eli]
    }
}

/// The bureau's credentials, one per member, in [`Cast::members`] order.
pub struct Creds(pub [Credential; 5]);

/// The loans the story makes.
pub struct Loans {
    /// Ben's, approved automatically.
    pub ben: u64,
    /// Eli's, which will default.
    pub eli: u64,
    /// Dev's, voted on.
    pub dev: u64,
    /// The height of Ben's application.
    pub ben_apply_height: u64,
}

/// [1] Governance registers the bureau and the policies; a lone officer is refused.
pub fn governance(coop: &mut Coop, cast: &Cast) -> Result<()> {
    let (bureau, bureau_id) = (&cast.bureau, cast.bureau_id);
    println!(
        "\n[1] Governance registers the bureau, the lending policy and the admission policy \
         (2-of-3 officers)"
    );
    let standard = standard_policy(cast.bureau_id);
    let admission = admission_policy(&standard);
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
    let t2 = coop.officer_tx_ahead(
        1,
        TxBody::SetPolicy {
            policy_id: 1,
            rules: standard.clone(),
        },
        Some(2),
    );
    let t3 = coop.officer_tx_ahead(
        2,
        TxBody::SetPolicy {
            policy_id: 0,
            rules: admission.clone(),
        },
        Some(1),
    );
    let t4 = coop.officer_tx_ahead(3, TxBody::SetAdmission { policy_id: Some(0) }, Some(1));
    coop.block(T0 + 60, vec![t1, t2, t3, t4])?;
    // A single officer cannot do it alone.
    let lone = coop.officer_tx(
        TxBody::SetPolicy {
            policy_id: 9,
            rules: standard.clone(),
        },
        false,
    );
    let mut probe = coop.ledger().state().clone();
    match probe.execute(&lone, coop.time + 60, coop.ledger().keys()) {
        Err(e @ TxError::NotEnoughSignatures { .. }) => {
            println!("      one officer alone: refused ({e})")
        }
        other => bail!("a single-officer policy change was not refused: {other:?}"),
    }

    Ok(())
}

/// [2] The bureau attests the members' credentials.
pub fn attest(coop: &mut Coop, cast: &Cast) -> Result<Creds> {
    let (bureau, bureau_id) = (&cast.bureau, cast.bureau_id);
    let Cast {
        ana,
        ben,
        chloe,
        dev,
        eli,
        ..
    } = cast;
    println!("\n[2] The bureau attests credentials (the ledger computes each registry leaf)");
    let cred = |p: &Person, attrs: [u64; 8], salt: u64| Credential {
        schema: SCHEMA_BUREAU_V1,
        issuer: bureau_id,
        subject: p.id().commitment(),
        attrs,
        issued_at: T0,
        expires_at: T0 + 365 * DAY,
        salt: Fr::from(salt),
    };
    let c_ana = cred(ana, [760, 1_200_000, 100_000, 5_000_000, 120, 0, 0, 180], 5);
    let c_ben = cred(ben, [720, 620_000, 90_000, 150_000, 36, 1, 0, 48], 1);
    let c_chloe = cred(chloe, [610, 380_000, 70_000, 40_000, 20, 4, 0, 12], 2);
    let c_dev = cred(dev, [780, 900_000, 150_000, 600_000, 60, 0, 0, 96], 3);
    let c_eli = cred(eli, [680, 300_000, 60_000, 20_000, 18, 2, 0, 24], 4);
    let txs = [&c_ana, &c_ben, &c_chloe, &c_dev, &c_eli]
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Tx::sign(
                CHAIN,
                bureau,
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
        coop.ledger().state().registry().len(),
        &zkcredit_circuits::field::to_decimal(&coop.ledger().state().registry().root())[..16]
    );

    Ok(Creds([c_ana, c_ben, c_chloe, c_dev, c_eli]))
}

/// [3] Members join with admission proofs; registering another's identity is refused.
pub fn join(coop: &mut Coop, cast: &Cast, creds: &Creds) -> Result<()> {
    let Cast {
        ana,
        ben,
        chloe,
        dev,
        eli,
        ..
    } = cast;
    let [c_ana, c_ben, c_chloe, c_dev, c_eli] = &creds.0;
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
    let mut stolen = coop.join(ben, c_ben, 300_000, t_join)?;
    if let TxBody::Join { identity, .. } = &mut stolen.body {
        *identity = ana.id().commitment();
    }
    let stolen = coop.tx(&ben.m.key, stolen.body);
    let mut probe = coop.ledger().state().clone();
    match probe.execute(&stolen, t_join, coop.ledger().keys()) {
        Err(e @ (TxError::HolderMismatch { .. } | TxError::RequestMismatch)) => {
            println!("      someone registering Ana's identity with their own proof: refused — {e}")
        }
        other => bail!("registering another person's identity was not refused: {other:?}"),
    }
    coop.block(t_join, txs)?;
    coop.pool_line();

    Ok(())
}

/// [4]–[7] Applications: automatic approval, a refused prover, tampering, a member vote.
pub fn loans(coop: &mut Coop, cast: &Cast, creds: &Creds) -> Result<Loans> {
    let Cast {
        ana,
        ben,
        chloe,
        dev,
        eli,
        ..
    } = cast;
    let [_, c_ben, c_chloe, c_dev, c_eli] = &creds.0;
    println!(
        "\n[4] Ben applies for {} over 3 months: approved automatically",
        money(300_000)
    );
    let t_apply = coop.at_next(DAY);
    let body = coop
        .apply(ben, c_ben, 1, 300_000, 3, t_apply)?
        .map_err(|e| anyhow!("Ben's proof was refused: {e}"))?;
    let tx = coop.tx(&ben.m.key, body);
    let ben_apply = tx.clone();
    let ben_apply_height = coop.block(t_apply, vec![tx])?.block.header.height;
    let ben_loan = 0;
    ensure!(coop.ledger().state().loan(ben_loan).map(|l| l.status) == Some(LoanStatus::Approved));
    println!(
        "      loan {ben_loan}: approved (at most {} needs no vote)",
        money(500_000)
    );

    println!("\n[5] Chloé applies: her numbers fail the policy, so no proof can be made");
    match coop.apply(chloe, c_chloe, 1, 200_000, 6, coop.at_next(60))? {
        Err(msg) => println!("      prover: {msg}"),
        Ok(_) => bail!("a proof was produced for numbers that fail the policy"),
    }

    println!("\n[6] A tampered application is refused by the ledger");
    let t6 = coop.at_next(60);
    let body = coop
        .apply(eli, c_eli, 1, 120_000, 6, t6)?
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
    let tampered = vec![coop.tx(&eli.m.key, forged)];
    let p = coop.block_allowing_rejections(t6, &tampered)?;
    match p.rejected.first().map(|r| &r.error) {
        Some(TxError::InvalidProof) => println!(
            "      proof bytes swapped: rejected — {}",
            TxError::InvalidProof
        ),
        other => bail!("a forged proof was not rejected as invalid: {other:?}"),
    }
    let mut probe = coop.ledger().state().clone();
    match probe.execute(&coop.tx(&eli.m.key, inflated), t6, coop.ledger().keys()) {
        Err(e @ (TxError::PolicyMismatch | TxError::RequestMismatch)) => {
            println!("      amount changed after proving: rejected — {e}")
        }
        other => bail!("an altered request was not rejected: {other:?}"),
    }
    // Eli's genuine application, re-proved for the next block's request.
    let t6b = coop.at_next(60);
    let body = coop
        .apply(eli, c_eli, 1, 120_000, 6, t6b)?
        .map_err(|e| anyhow!("Eli's proof was refused: {e}"))?;
    // Same identity, same epoch: the first attempt's nullifier was never spent (its block
    // left it out), so the genuine one goes through.
    let tx = coop.tx(&eli.m.key, body);
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
        .apply(dev, c_dev, 1, 1_500_000, 12, t7)?
        .map_err(|e| anyhow!("Dev's proof was refused: {e}"))?;
    let tx = coop.tx(&dev.m.key, body);
    coop.block(t7, vec![tx])?;
    let dev_loan = 2;
    let prop = coop
        .ledger()
        .state()
        .loan(dev_loan)
        .and_then(|l| l.proposal)
        .ok_or_else(|| anyhow!("no proposal for Dev's loan"))?;
    let needed = coop
        .ledger()
        .state()
        .proposal(prop)
        .map(|p| p.needed(coop.ledger().state().params().quorum_bps));
    println!(
        "      proposal {prop}: {} votes of the 4 other members make quorum, a majority of them yes (the applicant does not vote)",
        needed.unwrap_or(0)
    );
    match coop.vote(dev, prop, true) {
        Err(e) => println!("      Dev votes on his own loan: refused — {e}"),
        Ok(_) => bail!("the applicant could vote on his own loan"),
    }
    let mut votes = Vec::new();
    for (p, yes) in [(ana, true), (eli, false), (chloe, true)] {
        // Each vote is sent from a fresh one-time key: the ledger sees only the proof.
        votes.push(coop.vote(p, prop, yes)?);
    }
    let dup = votes[0].body.clone();
    let later = votes.split_off(2);
    coop.block(coop.at_next(3_600), votes)?;
    let mut probe = coop.ledger().state().clone();
    let again = Tx::sign(CHAIN, &SigningKey::from_bytes(&[250; 32]), 0, dup);
    match probe.execute(&again, coop.time + 60, coop.ledger().keys()) {
        Err(e @ TxError::AlreadyVoted) => {
            println!("      the same member voting again: rejected — {e}")
        }
        other => bail!("a second vote by the same member was not refused: {other:?}"),
    }
    coop.block(coop.at_next(3_600), later)?;
    // The vote closes at its deadline: that block approves the loan by itself.
    let deadline = coop
        .ledger()
        .state()
        .proposal(prop)
        .map(|p| p.deadline)
        .ok_or_else(|| anyhow!("proposal"))?;
    coop.block(deadline.max(coop.time), vec![])?;
    let pr = coop
        .ledger()
        .state()
        .proposal(prop)
        .cloned()
        .ok_or_else(|| anyhow!("proposal"))?;
    println!(
        "      tally: {} yes, {} no → {:?}",
        pr.yes, pr.no, pr.status
    );
    ensure!(
        coop.ledger().state().loan(dev_loan).map(|l| l.status) == Some(LoanStatus::Approved),
        "Dev's loan was not approved"
    );

    Ok(Loans {
        ben: ben_loan,
        eli: eli_loan,
        dev: dev_loan,
        ben_apply_height,
    })
}
