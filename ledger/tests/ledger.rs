//! Every transaction's success and each rejection reason, replay determinism, reopening and
//! format versions. Keys are seeded at depth 8 and shared.

mod common;

use common::*;
use zkcredit_circuits::credential::{Credential, COOP_HISTORY_V1_ATTRS, SCHEMA_COOP_HISTORY_V1};
use zkcredit_circuits::field::to_decimal;
use zkcredit_circuits::identity::Identity;
use zkcredit_circuits::policy::Clause;
use zkcredit_circuits::statement::policy_index as at;
use zkcredit_circuits::Fr;
use zkcredit_ledger::*;

fn ident(n: u64) -> Identity {
    Identity::from_secret(Fr::from(1_000 + n))
}

#[test]
fn membership_money_and_signatures() {
    let mut w = World::new();
    let (a, b) = (sk(20), sk(21));
    w.join(&a, &ident(1), 10_000);
    assert_eq!(w.ledger.state().member(&acct(&a)).unwrap().capital, 10_000);
    let body = |d| TxBody::Join {
        identity: ident(2).commitment(),
        deposit: d,
        proof: dummy_proof(),
    };
    w.reject(w.tx(&a, body(5_000)), TxError::AlreadyMember);
    w.reject(
        w.tx(
            &b,
            TxBody::Join {
                identity: ident(1).commitment(),
                deposit: 5_000,
                proof: dummy_proof(),
            },
        ),
        TxError::DuplicateIdentity,
    );
    w.reject(
        w.tx(&b, body(999)),
        TxError::DepositTooSmall {
            min: 1_000,
            found: 999,
        },
    );
    w.join(&b, &ident(2), 5_000);
    w.ok(&a, TxBody::Deposit { amount: 2_500 });
    w.reject(
        w.tx(&sk(22), TxBody::Deposit { amount: 1 }),
        TxError::NotAMember,
    );
    w.reject(w.tx(&a, TxBody::Deposit { amount: 0 }), TxError::ZeroAmount);
    w.reject(
        w.tx(&a, TxBody::Withdraw { amount: 0 }),
        TxError::ZeroAmount,
    );
    w.reject(
        w.tx(&a, TxBody::Withdraw { amount: 12_501 }),
        TxError::InsufficientCapital {
            available: 12_500,
            requested: 12_501,
        },
    );
    w.ok(&a, TxBody::Withdraw { amount: 500 });
    assert_eq!(w.pool().cash, 17_000);
    assert!(w.pool().balanced());
    // Signatures and nonces.
    let mut tx = w.tx(&a, TxBody::Deposit { amount: 1 });
    tx.signature[0] ^= 1;
    w.reject(tx, TxError::BadSignature);
    let mut tx = w.tx(&a, TxBody::Deposit { amount: 1 });
    tx.body = TxBody::Deposit { amount: 2 };
    w.reject(tx, TxError::BadSignature);
    let n = w.ledger.state().nonce(&acct(&a));
    w.reject(
        w.tx_n(&a, n - 1, TxBody::Deposit { amount: 1 }),
        TxError::WrongNonce {
            expected: n,
            found: n - 1,
        },
    );
    // A nonce may skip ahead (past one whose transaction was rejected); afterwards neither
    // the skipped nonce nor the used one is accepted again.
    let ahead = w.tx_n(&a, n + 1, TxBody::Deposit { amount: 1 });
    w.ok_block(vec![ahead.clone()]);
    assert_eq!(w.ledger.state().nonce(&acct(&a)), n + 2);
    for (again, found) in [
        (ahead, n + 1),
        (w.tx_n(&a, n, TxBody::Deposit { amount: 1 }), n),
    ] {
        w.reject(
            again,
            TxError::WrongNonce {
                expected: n + 2,
                found,
            },
        );
    }
    let n = n + 2;
    // A signature for another chain.
    let other = Tx::sign("other-chain", &a, n, TxBody::Deposit { amount: 1 });
    w.reject(other, TxError::BadSignature);
}

#[test]
fn governance_issuers_and_registry() {
    let mut w = World::new();
    let reg = |id: u64, who: u8| TxBody::RegisterIssuer {
        issuer: Fr::from(id),
        account: acct(&sk(who)),
        name: "employer".into(),
    };
    w.reject(w.tx(&sk(30), reg(7, 11)), TxError::NotAnOfficer);
    w.reject(
        w.tx(&sk(1), reg(7, 11)),
        TxError::NotEnoughSignatures { have: 1, need: 2 },
    );
    // A non-officer co-signature does not count; a bad one is refused.
    w.reject(
        w.tx(&sk(1), reg(7, 11)).cosign(CHAIN, &sk(30)),
        TxError::NotEnoughSignatures { have: 1, need: 2 },
    );
    let mut bad = w.tx(&sk(1), reg(7, 11)).cosign(CHAIN, &sk(2));
    bad.cosignatures[0].signature[5] ^= 1;
    w.reject(bad, TxError::BadCosignature { index: 0 });
    w.reject(
        w.tx(&sk(1), reg(424_242, 11)).cosign(CHAIN, &sk(2)),
        TxError::IssuerExists,
    );
    w.reject(
        w.tx(&sk(1), reg(8, 10)).cosign(CHAIN, &sk(2)),
        TxError::IssuerExists,
    );
    let t = w.tx(&sk(1), reg(7, 11)).cosign(CHAIN, &sk(3));
    w.ok_block(vec![t]);

    // Policies.
    let mut rules = bureau_rules();
    rules.clauses = vec![ClauseRule::default(); 5];
    let set = |r: PolicyRules| TxBody::SetPolicy {
        policy_id: 2,
        rules: r,
    };
    w.reject(
        w.tx(&sk(2), set(rules)).cosign(CHAIN, &sk(3)),
        TxError::InvalidPolicy("a policy has at most 4 clauses, got 5".into()),
    );
    let mut rules = bureau_rules();
    rules.issuer = Fr::from(99u64);
    w.reject(
        w.tx(&sk(2), set(rules)).cosign(CHAIN, &sk(3)),
        TxError::UnknownIssuer("99".into()),
    );
    let mut rules = bureau_rules();
    rules.max_term = 0;
    assert!(matches!(
        w.ledger.state().clone().execute(
            &w.tx(&sk(2), set(rules)).cosign(CHAIN, &sk(3)),
            w.time + 60,
            w.ledger.keys()
        ),
        Err(TxError::InvalidPolicy(_))
    ));
    w.reject(
        w.tx(&sk(2), set(bureau_rules())),
        TxError::NotEnoughSignatures { have: 1, need: 2 },
    );

    // Attest and revoke.
    w.reject(
        w.tx(
            &sk(30),
            TxBody::Attest {
                commitment: Fr::from(5u64),
            },
        ),
        TxError::NotAnIssuer,
    );
    let cred = w.attest(&ident(1), 700, 0);
    let (path, root) = w.ledger.credential_path(&cred.leaf()).unwrap();
    assert_eq!(path.root(cred.leaf()), root);
    assert!(w.ledger.state().root_accepted(&root));
    w.ok(
        &sk(11),
        TxBody::Attest {
            commitment: Fr::from(77u64),
        },
    );
    w.reject(
        w.tx(&sk(30), TxBody::Revoke { index: 0 }),
        TxError::NotAnIssuer,
    );
    w.reject(
        w.tx(&sk(10), TxBody::Revoke { index: 9 }),
        TxError::UnknownCredential(9),
    );
    w.reject(
        w.tx(&sk(10), TxBody::Revoke { index: 1 }),
        TxError::NotYourCredential(1),
    );
    w.ok(&sk(10), TxBody::Revoke { index: 0 });
    w.reject(
        w.tx(&sk(10), TxBody::Revoke { index: 0 }),
        TxError::AlreadyRevoked(0),
    );
    assert!(w.ledger.credential_path(&cred.leaf()).is_err());
    // A revocation ends every earlier root: the revoked leaf cannot be proven again.
    assert!(!w.ledger.state().root_accepted(&root));
}

#[test]
fn loans_proofs_repayment_default_distribution_history() {
    let mut w = World::new();
    let (lender, alice, bob) = (sk(20), sk(21), sk(22));
    w.join(&lender, &ident(0), 400_000);
    w.join(&alice, &ident(1), 10_000);
    w.join(&bob, &ident(2), 10_000);
    let ca = w.attest(&ident(1), 720, 0);
    let cb = w.attest(&ident(2), 650, 0);

    // One valid application, then every way to misuse it.
    let n = w.ledger.state().nonce(&acct(&alice));
    let good = w.apply_body(&alice, n, &ident(1), &ca, 40_000, 4);
    let TxBody::ApplyLoan { proof, .. } = &good else {
        unreachable!()
    };
    let with_input = |i: usize, v: Fr| {
        let mut b = good.clone();
        if let TxBody::ApplyLoan { proof, .. } = &mut b {
            proof.public_inputs[i] = v;
        }
        b
    };
    let cases = [
        (with_input(0, Fr::from(3u64)), TxError::UnknownRoot),
        (
            with_input(at::ISSUER, Fr::from(3u64)),
            TxError::WrongIssuer {
                expected: to_decimal(&issuer_id()),
            },
        ),
        (
            with_input(at::NOW, Fr::from(T0 - 10_000)),
            TxError::TimeOutOfTolerance {
                now: T0 - 10_000,
                block_time: w.time + 60,
                tolerance: 600,
            },
        ),
        (
            with_input(at::COEFFS, Fr::from(2u64)),
            TxError::PolicyMismatch,
        ),
        (
            with_input(at::REQUEST, Fr::from(3u64)),
            TxError::RequestMismatch,
        ),
        (
            with_input(at::SCOPE, Fr::from(3u64)),
            TxError::WrongScope {
                expected: to_decimal(&application_scope(w.ledger.state().params(), w.time + 60)),
            },
        ),
    ];
    for (body, err) in cases {
        w.reject(w.tx_n(&alice, n, body), err);
    }
    let mut other_request = good.clone();
    if let TxBody::ApplyLoan { term, .. } = &mut other_request {
        *term = 5;
    }
    w.reject(w.tx_n(&alice, n, other_request), TxError::RequestMismatch);
    // The proof is bound to alice's account and nonce.
    w.reject(w.tx_n(&bob, 1, good.clone()), TxError::RequestMismatch);
    let mut short = good.clone();
    if let TxBody::ApplyLoan { proof, .. } = &mut short {
        proof.proof.truncate(100);
    }
    assert!(matches!(
        w.ledger
            .state()
            .clone()
            .execute(&w.tx_n(&alice, n, short), w.time + 60, w.ledger.keys()),
        Err(TxError::MalformedProof(_))
    ));
    let mut few = good.clone();
    if let TxBody::ApplyLoan { proof, .. } = &mut few {
        proof.public_inputs.pop();
    }
    assert!(matches!(
        w.ledger
            .state()
            .clone()
            .execute(&w.tx_n(&alice, n, few), w.time + 60, w.ledger.keys()),
        Err(TxError::MalformedProof(_))
    ));
    let terms = |amount, term, rate| TxBody::ApplyLoan {
        policy_id: 1,
        amount,
        term,
        rate_bps: rate,
        proof: proof.clone(),
    };
    for body in [
        terms(2_000_000, 4, 1_200),
        terms(40_000, 25, 1_200),
        terms(40_000, 4, 900),
    ] {
        assert!(matches!(
            w.ledger.state().clone().execute(
                &w.tx_n(&alice, n, body),
                w.time + 60,
                w.ledger.keys()
            ),
            Err(TxError::TermsRefused(_))
        ));
    }
    let mut unknown = good.clone();
    if let TxBody::ApplyLoan { policy_id, .. } = &mut unknown {
        *policy_id = 9;
    }
    w.reject(w.tx_n(&alice, n, unknown), TxError::UnknownPolicy(9));
    w.reject(w.tx_n(&sk(40), 0, good.clone()), TxError::NotAMember);

    // A tampered proof (another valid-looking proof for other inputs) passes every input
    // check and fails the batch: the block leaves it out; a block that includes it is refused.
    let bob_body = w.apply_body(&bob, 1, &ident(2), &cb, 30_000, 3);
    let mut tampered = good.clone();
    if let (TxBody::ApplyLoan { proof: p, .. }, TxBody::ApplyLoan { proof: q, .. }) =
        (&mut tampered, &bob_body)
    {
        p.proof = q.proof.clone();
    }
    let bad_tx = w.tx_n(&alice, n, tampered);
    let (_, _, rejected) = w
        .ledger
        .state()
        .build_block(w.time + 60, std::slice::from_ref(&bad_tx), w.ledger.keys())
        .unwrap();
    assert_eq!(rejected[0].error, TxError::InvalidProof);
    let (_, mut forged, _) = w
        .ledger
        .state()
        .build_block(
            w.time + 60,
            &[w.tx_n(&alice, n, good.clone())],
            w.ledger.keys(),
        )
        .unwrap();
    forged.txs[0] = bad_tx.clone();
    forged.header.tx_root = zkcredit_ledger::tx::tx_root(&forged.txs);
    let before = w.ledger.state_hash();
    assert!(matches!(
        w.ledger.apply(&forged),
        Err(LedgerError::Block(BlockError::Tx {
            index: 0,
            error: TxError::InvalidProof
        }))
    ));
    assert_eq!(w.ledger.state_hash(), before);

    // Good applications (the bad one in the same block is dropped, the rest stay).
    let txs = vec![
        bad_tx,
        w.tx_n(&alice, n, good.clone()),
        w.tx_n(&bob, 1, bob_body),
    ];
    w.time += 60;
    let p = w.ledger.produce_block(w.time, &txs).unwrap();
    assert_eq!(p.block.txs.len(), 2);
    assert_eq!(p.rejected.len(), 1);
    assert_eq!(p.rejected[0].error, TxError::InvalidProof);
    let loan_a = 0;
    let loan_b = 1;
    assert_eq!(
        w.ledger.state().loan(loan_a).unwrap().status,
        LoanStatus::Approved
    );
    assert_eq!(w.pool().committed, 70_000);
    // Same nullifier (same identity, same epoch) again, for a fresh request.
    let again = w.apply_body(&alice, n + 1, &ident(1), &ca, 10_000, 2);
    w.reject(w.tx_n(&alice, n + 1, again), TxError::NullifierUsed);

    // Committed money is not free: the big member cannot withdraw it.
    let free = w.pool().free_liquidity();
    w.reject(
        w.tx(&lender, TxBody::Withdraw { amount: free + 1 }),
        TxError::InsufficientLiquidity {
            free,
            requested: free + 1,
        },
    );

    // Disbursement.
    w.reject(
        w.tx(&alice, TxBody::Disburse { loan: loan_a }),
        TxError::NotAnOfficer,
    );
    w.reject(
        w.tx(&sk(1), TxBody::Disburse { loan: 9 }),
        TxError::UnknownLoan(9),
    );
    w.ok(&sk(1), TxBody::Disburse { loan: loan_a });
    w.ok(&sk(1), TxBody::Disburse { loan: loan_b });
    w.reject(
        w.tx(&sk(1), TxBody::Disburse { loan: loan_a }),
        TxError::WrongLoanStatus {
            loan: 0,
            expected: "approved",
            found: "active",
        },
    );
    let la = w.ledger.state().loan(loan_a).unwrap().clone();
    assert_eq!(la.schedule.len(), 4);
    assert_eq!(la.schedule.iter().map(|i| i.principal).sum::<u64>(), 40_000);
    assert_eq!(w.pool().outstanding, 70_000);
    assert!(w.pool().balanced());

    // Repayment.
    let due0 = la.schedule[0].total().unwrap();
    w.reject(
        w.tx(
            &alice,
            TxBody::Repay {
                loan: loan_a,
                amount: due0 - 1,
            },
        ),
        TxError::WrongAmount {
            due: due0,
            paid: due0 - 1,
        },
    );
    w.reject(
        w.tx(
            &bob,
            TxBody::Repay {
                loan: loan_a,
                amount: due0,
            },
        ),
        TxError::NotYourLoan(0),
    );
    w.ok(
        &alice,
        TxBody::Repay {
            loan: loan_a,
            amount: due0,
        },
    );
    // Late: the second instalment, after due + grace — charged by the block itself, with no
    // officer: not at the grace limit, once past it, and only once.
    let p = w.ledger.state().params().clone();
    w.time = la.schedule[1].due + p.late_grace - 60;
    w.ok_block(vec![]);
    assert_eq!(
        w.ledger.state().loan(loan_a).unwrap().schedule[1].late_fee,
        0
    );
    w.ok_block(vec![]);
    let inst = w.ledger.state().loan(loan_a).unwrap().schedule[1].clone();
    assert!(inst.late_fee > 0);
    w.ok_block(vec![]);
    assert_eq!(
        w.ledger.state().loan(loan_a).unwrap().schedule[1].late_fee,
        inst.late_fee
    );
    w.ok(
        &alice,
        TxBody::Repay {
            loan: loan_a,
            amount: inst.total().unwrap(),
        },
    );
    for i in 2..4 {
        let due = w.ledger.state().loan(loan_a).unwrap().schedule[i]
            .total()
            .unwrap();
        w.ok(
            &alice,
            TxBody::Repay {
                loan: loan_a,
                amount: due,
            },
        );
    }
    assert_eq!(
        w.ledger.state().loan(loan_a).unwrap().status,
        LoanStatus::Repaid
    );
    let h = &w.ledger.state().member(&acct(&alice)).unwrap().history;
    assert_eq!(
        (h.loans_repaid, h.principal_repaid, h.late, h.open_loans),
        (1, 40_000, 1, 0)
    );
    assert_eq!(h.on_time + h.late, 4);
    assert!(w.pool().reserve > 0 && w.pool().undistributed > 0);

    // Bob never pays: written off by the first block after the grace period, reserve first.
    let lb = w.ledger.state().loan(loan_b).unwrap().clone();
    assert!(lb.schedule[0].late_fee > 0, "the late fee came first");
    w.time = lb.schedule[0].due + p.default_grace - 60;
    w.ok_block(vec![]);
    assert_eq!(
        w.ledger.state().loan(loan_b).unwrap().status,
        LoanStatus::Active,
        "not at the limit"
    );
    let before = w.pool();
    w.ok_block(vec![]);
    assert_eq!(
        w.ledger.state().loan(loan_b).unwrap().status,
        LoanStatus::Defaulted
    );
    let after = w.pool();
    assert_eq!(after.losses, 30_000);
    // Bob's locked capital first (20 % of 30 000), then the reserve, then profit, then
    // everyone's capital.
    let collateral = 6_000;
    let b = w.ledger.state().member(&acct(&bob)).unwrap();
    assert!(b.capital <= 10_000 - collateral, "{}", b.capital);
    assert_eq!(b.locked, 0, "nothing stays locked for a written-off loan");
    assert_eq!(after.reserve, 0, "the reserve absorbs next");
    let from_profit = (30_000 - collateral - before.reserve).min(before.undistributed);
    assert_eq!(
        after.capital_losses,
        collateral + (30_000 - collateral - before.reserve - from_profit)
    );
    assert_eq!(after.outstanding, 0);
    assert!(after.balanced());
    assert_eq!(
        w.ledger
            .state()
            .member(&acct(&bob))
            .unwrap()
            .history
            .defaults,
        1
    );

    // Distribution is a member proposal now; a zero one is refused when proposed.
    w.reject(
        w.tx(
            &alice,
            TxBody::Propose {
                action: ProposalAction::Distribute { amount: 0 },
            },
        ),
        TxError::ZeroAmount,
    );

    // The co-op attests alice's history; she proves it for a second loan under policy 2.
    let attrs = w
        .ledger
        .state()
        .history_attrs(&acct(&alice), w.time + 60)
        .unwrap();
    let salt = Fr::from(99u64);
    let issued = w.time + 60;
    let claim = move |subject, attrs, exp| TxBody::ClaimHistory {
        subject,
        attrs,
        issued_at: issued,
        expires_at: exp,
        salt,
    };
    let exp = w.time + 60 + 86_400 * 300;
    w.reject(
        w.tx(&alice, claim(ident(2).commitment(), attrs, exp)),
        TxError::SubjectMismatch,
    );
    let mut wrong = attrs;
    wrong[0] += 1;
    w.reject(
        w.tx(&alice, claim(ident(1).commitment(), wrong, exp)),
        TxError::HistoryMismatch { expected: attrs },
    );
    assert!(matches!(
        w.ledger.state().clone().execute(
            &w.tx(
                &alice,
                claim(ident(1).commitment(), attrs, w.time + 60 + 400 * 86_400)
            ),
            w.time + 60,
            w.ledger.keys()
        ),
        Err(TxError::BadTimes(_))
    ));
    w.reject(
        w.tx(&sk(40), claim(ident(1).commitment(), attrs, exp)),
        TxError::NotAMember,
    );
    w.ok(&alice, claim(ident(1).commitment(), attrs, exp));
    let coop = coop_issuer_id(CHAIN);
    let history = Credential {
        schema: SCHEMA_COOP_HISTORY_V1,
        issuer: coop,
        subject: ident(1).commitment(),
        attrs,
        issued_at: issued,
        expires_at: exp,
        salt,
    };
    assert!(w.ledger.credential_path(&history.leaf()).is_ok());
    assert_eq!(COOP_HISTORY_V1_ATTRS[0], "loans_repaid");
    let rules = PolicyRules {
        name: "members with a clean record".into(),
        clauses: [Clause::at_least(0, 1), Clause::at_most(4, 0)]
            .iter()
            .map(|c| ClauseRule {
                coeffs: c.coeffs,
                constant: c.constant,
                instalment_coeff: 0,
            })
            .collect(),
        issuer: coop,
        schema: SCHEMA_COOP_HISTORY_V1,
        max_credential_age: Some(60 * 86_400),
        rate_bps: 900,
        max_amount: 50_000,
        max_term: 12,
        active: true,
    };
    w.govern(ProposalAction::SetPolicy {
        policy_id: 2,
        rules: rules.clone(),
    });
    // Next epoch: a fresh nullifier scope.
    w.time += p.epoch_secs;
    let n = w.ledger.state().nonce(&acct(&alice));
    let body = w.apply_body_with(&alice, n, &ident(1), &history, 20_000, 6, 2, &rules);
    w.ok(&alice, body);
    assert_eq!(
        w.ledger.state().loan(2).unwrap().status,
        LoanStatus::Approved
    );

    // Profits out: distribute what is undistributed (if any) and check the books.
    let undist = w.pool().undistributed;
    if undist > 0 {
        let cap_before = w.pool().total_capital;
        w.govern(ProposalAction::Distribute { amount: undist });
        let keep = undist * 1_000 / 10_000;
        assert_eq!(w.pool().total_capital, cap_before + undist - keep);
    }
    let s = w.ledger.state();
    let caps: u64 = s.core().members.values().map(|m| m.capital).sum();
    assert_eq!(caps, s.pool().total_capital);
    assert!(s.pool().balanced());

    // Replay, reopen.
    let report = w.ledger.verify().unwrap();
    assert_eq!(report.state_hash, w.ledger.state_hash());
    let votes: u64 = s_votes(&w);
    assert_eq!(
        report.proofs,
        6 + votes,
        "three admissions, three applications, the votes"
    );
    let (hash, height) = (w.ledger.state_hash(), w.ledger.height());
    let dir = w.dir.path().to_path_buf();
    drop(w.ledger);
    let reopened = Ledger::open(&dir).unwrap();
    assert_eq!((reopened.state_hash(), reopened.height()), (hash, height));
    reopened.verify().unwrap();
}

fn s_votes(w: &World) -> u64 {
    w.ledger
        .state()
        .core()
        .proposals
        .values()
        .map(|p| p.yes + p.no)
        .sum()
}

#[test]
fn large_loan_member_vote() {
    let mut w = World::new();
    let members: Vec<_> = (0..4u8)
        .map(|i| (sk(50 + i), ident(10 + u64::from(i))))
        .collect();
    for (k, id) in &members {
        w.join(k, id, 100_000);
    }
    let (bk, bid) = &members[0];
    let cred = w.attest(bid, 700, 0);
    let body = w.apply_body(bk, 1, bid, &cred, 200_000, 12);
    w.ok(bk, body);
    let loan = w.ledger.state().loan(0).unwrap().clone();
    assert_eq!(loan.status, LoanStatus::Voting);
    let prop = loan.proposal.unwrap();
    assert_eq!(w.ledger.state().proposal(prop).unwrap().needed(5_000), 2);
    w.reject(
        w.tx(&sk(1), TxBody::Disburse { loan: 0 }),
        TxError::WrongLoanStatus {
            loan: 0,
            expected: "approved",
            found: "voting",
        },
    );

    // Votes come from throwaway keys: the ledger sees only the proof.
    let v1 = w.vote_body(&members[1].1, prop, true);
    let with_input = |i: usize, v: Fr| {
        let mut b = v1.clone();
        if let TxBody::Vote { proof, .. } = &mut b {
            proof.public_inputs[i] = v;
        }
        b
    };
    w.reject(
        w.tx(&sk(90), with_input(0, Fr::from(1u64))),
        TxError::WrongMemberRoot,
    );
    w.reject(
        w.tx(&sk(90), with_input(1, Fr::from(1u64))),
        TxError::WrongScope {
            expected: to_decimal(&vote_scope(w.ledger.state().params(), prop)),
        },
    );
    let mut flipped = v1.clone();
    if let TxBody::Vote { approve, .. } = &mut flipped {
        *approve = false;
    }
    w.reject(w.tx(&sk(90), flipped), TxError::WrongSignal);
    let mut unknown = v1.clone();
    if let TxBody::Vote { proposal, .. } = &mut unknown {
        *proposal = 7;
    }
    w.reject(w.tx(&sk(90), unknown), TxError::UnknownProposal(7));
    w.ok(&sk(90), v1.clone());
    // The same member again (same nullifier), from another key.
    w.reject(w.tx(&sk(91), v1), TxError::AlreadyVoted);
    let v2 = w.vote_body(&members[2].1, prop, false);
    let v3 = w.vote_body(&members[3].1, prop, true);
    let t2 = w.tx(&sk(92), v2);
    let t3 = w.tx(&sk(93), v3.clone());
    w.ok_block(vec![t2, t3]);
    let p = w.ledger.state().proposal(prop).unwrap().clone();
    // Decided when the vote closes, not before.
    assert_eq!((p.yes, p.no, p.status), (2, 1, ProposalStatus::Open));
    assert_eq!(p.deadline, loan.applied_at + 7 * 86_400);
    assert_eq!(w.close(prop), ProposalStatus::Executed);
    assert_eq!(
        w.ledger.state().loan(0).unwrap().status,
        LoanStatus::Approved
    );
    w.reject(w.tx(&sk(94), v3), TxError::ProposalClosed(prop));
    // Above the treasury limit: 2-of-3 officers to disburse.
    w.reject(
        w.tx(&sk(1), TxBody::Disburse { loan: 0 }),
        TxError::NotEnoughSignatures { have: 1, need: 2 },
    );
    let t = w
        .tx(&sk(1), TxBody::Disburse { loan: 0 })
        .cosign(CHAIN, &sk(3));
    w.ok_block(vec![t]);
    assert_eq!(w.pool().outstanding, 200_000);

    // A second large application that nobody votes for fails at the deadline.
    let (ck, cid) = &members[1];
    let cred = w.attest(cid, 700, 0);
    let n = w.ledger.state().nonce(&acct(ck));
    let body = w.apply_body(ck, n, cid, &cred, 150_000, 12);
    w.ok(ck, body);
    let prop2 = w.ledger.state().loan(1).unwrap().proposal.unwrap();
    let locked = w.ledger.state().member(&acct(ck)).unwrap().locked;
    assert_eq!(
        locked, 30_000,
        "20 % of 150 000 locked while it is voted on"
    );
    assert_eq!(w.close(prop2), ProposalStatus::Lapsed);
    assert_eq!(
        w.ledger.state().loan(1).unwrap().status,
        LoanStatus::Rejected
    );
    assert_eq!(
        w.ledger.state().member(&acct(ck)).unwrap().locked,
        0,
        "a rejected loan releases its collateral"
    );
    w.ledger.verify().unwrap();
}

#[test]
fn blocks_replay_and_store_versions() {
    let mut w = World::new();
    w.join(&sk(20), &ident(1), 5_000);
    // Replay determinism: the same blocks on a fresh state give the same hashes.
    let g = genesis();
    let keys = Keys::from_genesis(&g).unwrap();
    let mut s = State::genesis(&g).unwrap();
    for h in 1..=w.ledger.height() {
        s.apply_block(&w.ledger.block(h).unwrap(), &keys).unwrap();
    }
    assert_eq!(s.state_hash(), w.ledger.state_hash());
    assert_eq!(s.head_hash(), w.ledger.head_hash());

    // Refused blocks change nothing.
    let tx = w.tx(&sk(20), TxBody::Deposit { amount: 10 });
    let (_, block, _) = w
        .ledger
        .state()
        .build_block(w.time + 60, std::slice::from_ref(&tx), w.ledger.keys())
        .unwrap();
    let before = w.ledger.state_hash();
    let mut b = block.clone();
    b.header.height += 1;
    assert!(matches!(
        w.ledger.apply(&b),
        Err(LedgerError::Block(BlockError::Height { .. }))
    ));
    let mut b = block.clone();
    b.header.prev_hash = [0; 32];
    assert!(matches!(
        w.ledger.apply(&b),
        Err(LedgerError::Block(BlockError::PrevHash))
    ));
    let mut b = block.clone();
    b.header.state_hash = [0; 32];
    assert!(matches!(
        w.ledger.apply(&b),
        Err(LedgerError::Block(BlockError::StateHash { .. }))
    ));
    let mut b = block.clone();
    b.txs.push(tx.clone());
    assert!(matches!(
        w.ledger.apply(&b),
        Err(LedgerError::Block(BlockError::Header(_)))
    ));
    let mut b = block.clone();
    b.header.time = 1;
    assert!(matches!(
        w.ledger.apply(&b),
        Err(LedgerError::Block(BlockError::Time { .. }))
    ));
    assert_eq!(w.ledger.state_hash(), before);
    w.ledger.apply(&block).unwrap();
    assert_eq!(w.ledger.state_hash(), block.header.state_hash);

    // Mempool: submit, produce; each fate is recorded.
    let n = w.ledger.state().nonce(&acct(&sk(20)));
    let t1 = w.tx(&sk(20), TxBody::Deposit { amount: 5 });
    let t2 = w.tx_n(&sk(20), n, TxBody::Deposit { amount: 6 });
    w.ledger.submit(&t1).unwrap();
    w.ledger.submit(&t2).unwrap();
    assert_eq!(
        w.ledger.tx_status(&t2.hash()).unwrap(),
        Some(TxStatus::Pending)
    );
    let p = w.ledger.produce_from_mempool(w.time + 120).unwrap();
    assert_eq!(p.block.txs, vec![t1.clone()]);
    assert!(matches!(p.rejected[0].error, TxError::WrongNonce { .. }));
    assert!(w.ledger.mempool().unwrap().is_empty());
    assert!(matches!(
        w.ledger.tx_status(&t2.hash()).unwrap(),
        Some(TxStatus::Rejected { ref reason, .. }) if reason.contains("next nonce is")
    ));
    assert_eq!(
        w.ledger.find_tx(&t1.hash()).unwrap(),
        Some((w.ledger.height(), 0))
    );

    // Encodings are strict and round-trip.
    let bytes = codec::encode(&block);
    assert_eq!(codec::decode::<Block>(&bytes).unwrap(), block);
    assert!(codec::decode::<Block>(&bytes[..bytes.len() - 1]).is_err());

    // A store from a newer format is refused clearly; a missing one too.
    let dir = w.dir.path().to_path_buf();
    drop(w.ledger);
    {
        let db = redb::Database::open(dir.join(DB_FILE)).unwrap();
        let t = db.begin_write().unwrap();
        {
            let mut m = t
                .open_table(redb::TableDefinition::<&str, &[u8]>::new("meta"))
                .unwrap();
            m.insert("format_version", &99u32.to_le_bytes()[..])
                .unwrap();
        }
        t.commit().unwrap();
    }
    let err = Ledger::open(&dir).unwrap_err();
    assert!(
        matches!(
            err,
            LedgerError::UnsupportedVersion {
                found: 99,
                supported: 3
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("not supported"));
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        Ledger::open(empty.path()),
        Err(LedgerError::NotALedger(_))
    ));
    assert!(matches!(
        Ledger::init(&dir, &genesis()),
        Err(LedgerError::NotALedger(_))
    ));
}

/// A rejected transaction in the mempool does not doom the same account's later ones: a
/// withdrawal beyond the member's capital is rejected, the deposit signed after it (next
/// nonce) is still included; and a lower nonce submitted after a higher one goes first.
#[test]
fn a_rejected_transaction_does_not_doom_later_ones() {
    let mut w = World::new();
    let a = sk(20);
    w.join(&a, &ident(1), 10_000);
    let n = w.ledger.state().nonce(&acct(&a));
    let too_much = w.tx_n(&a, n, TxBody::Withdraw { amount: 1_000_000 });
    let deposit = w.tx_n(&a, n + 1, TxBody::Deposit { amount: 700 });
    let withdraw = w.tx_n(&a, n + 2, TxBody::Withdraw { amount: 200 });
    let later = w.tx_n(&a, n + 3, TxBody::Deposit { amount: 50 });
    // Submitted out of order: n+3 before n+2.
    for t in [&too_much, &deposit, &later, &withdraw] {
        w.ledger.submit(t).unwrap();
    }
    let p = w.ledger.produce_from_mempool(w.time + 60).unwrap();
    assert_eq!(
        p.block.txs,
        vec![deposit.clone(), withdraw.clone(), later.clone()]
    );
    assert_eq!(p.rejected.len(), 1);
    assert!(matches!(
        p.rejected[0].error,
        TxError::InsufficientCapital { .. }
    ));
    assert_eq!(
        w.ledger.state().member(&acct(&a)).unwrap().capital,
        10_000 + 700 - 200 + 50
    );
    assert!(matches!(
        w.ledger.tx_status(&too_much.hash()).unwrap(),
        Some(TxStatus::Rejected { .. })
    ));
    assert!(matches!(
        w.ledger.tx_status(&later.hash()).unwrap(),
        Some(TxStatus::Included { index: 2, .. })
    ));
    // The rejected one cannot come back later: its nonce is behind.
    w.reject(
        too_much,
        TxError::WrongNonce {
            expected: n + 4,
            found: n,
        },
    );
    w.ledger.verify().unwrap();
}
