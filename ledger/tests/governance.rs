//! Member governance, collateral and time-weighted profit sharing: proposals that execute
//! themselves, early defeat, lapse, who may propose and vote; collateral locked, released and
//! taken first on an automatic write-off; a loan never paid out cancelled by its borrower;
//! distributions by capital × time; and proptests of
//! money conservation and of one vote per member.

mod common;

use common::*;
use proptest::prelude::*;
use std::sync::OnceLock;
use zkcredit_circuits::identity::Identity;
use zkcredit_circuits::merkle::MerkleTree;
use zkcredit_circuits::Fr;
use zkcredit_ledger::*;
use zkcredit_prover::{prove_membership, MembershipInput};

fn ident(n: u64) -> Identity {
    Identity::from_secret(Fr::from(7_000 + n))
}

/// A co-op with `n` members (keys 50.., identities 10..) of 100 000 each.
fn coop(n: u8) -> World {
    let mut w = World::new();
    for i in 0..n {
        w.join(&sk(50 + i), &ident(10 + u64::from(i)), 100_000);
    }
    w
}

fn policy(id: u64) -> ProposalAction {
    ProposalAction::SetPolicy {
        policy_id: id,
        rules: PolicyRules {
            name: format!("policy {id}"),
            ..bureau_rules()
        },
    }
}

fn open_proposals(w: &World, k: &ed25519_dalek::SigningKey) -> u32 {
    w.ledger.state().member(&acct(k)).unwrap().open_proposals
}

#[test]
fn a_passed_proposal_executes_itself_when_its_vote_closes() {
    let mut w = coop(3);
    let prop = w.propose(&sk(50), policy(5));
    assert_eq!(open_proposals(&w, &sk(50)), 1);
    let (a, b) = (ident(10), ident(11));
    w.vote(&a, prop, true);
    // The same member again, yes or no, from any key: one nullifier per member and proposal.
    let again = w.vote_body(&a, prop, false);
    w.reject(w.tx(&sk(98), again), TxError::AlreadyVoted);
    w.vote(&b, prop, true);
    // Quorum and majority are reached, but nothing happens before the deadline.
    let p = w.ledger.state().proposal(prop).unwrap().clone();
    assert_eq!((p.yes, p.no, &p.status), (2, 0, &ProposalStatus::Open));
    assert!(!w.ledger.state().core().policies.contains_key(&5));
    // A producer that makes no empty blocks sees the closing as due only from the deadline.
    let deadline = p.deadline;
    assert!(!w.ledger.state().block_work_due(deadline - 1));
    assert!(w.ledger.state().block_work_due(deadline));
    assert_eq!(w.close(prop), ProposalStatus::Executed);
    assert!(!w.ledger.state().block_work_due(deadline + 1));
    assert_eq!(
        w.ledger.state().core().policies.get(&5).unwrap().name,
        "policy 5"
    );
    assert_eq!(open_proposals(&w, &sk(50)), 0);
    // Too late to vote.
    let late = w.vote_body(&ident(12), prop, true);
    w.reject(w.tx(&sk(98), late), TxError::ProposalClosed(prop));
    // Replay reaches the same state.
    let report = w.ledger.verify().unwrap();
    assert_eq!(report.state_hash, w.ledger.state_hash());
}

#[test]
fn no_votes_defeat_a_proposal_early() {
    let mut w = coop(3);
    let prop = w.propose(&sk(51), ProposalAction::SetAdmission { policy_id: None });
    w.vote(&ident(10), prop, false);
    // 2 of 3 could still vote yes: 2/3 > 50 %.
    assert_eq!(
        w.ledger.state().proposal(prop).unwrap().status,
        ProposalStatus::Open
    );
    w.vote(&ident(11), prop, false);
    // Now yes can reach at most 1 of 3: defeated at once, well before the deadline.
    let p = w.ledger.state().proposal(prop).unwrap().clone();
    assert_eq!(p.status, ProposalStatus::Defeated);
    assert!(w.time < p.deadline);
    assert_eq!(open_proposals(&w, &sk(51)), 0);
    let v = w.vote_body(&ident(12), prop, true);
    w.reject(w.tx(&sk(98), v), TxError::ProposalClosed(prop));
    // The deadline passes: nothing executes.
    w.time = p.deadline;
    w.ok_block(vec![]);
    assert_eq!(w.ledger.state().core().admission, Some(0));
}

#[test]
fn a_proposal_without_quorum_lapses() {
    let mut w = coop(4);
    let prop = w.propose(&sk(50), policy(6));
    // Quorum: 50 % of 4 voters must vote; one yes is not enough.
    w.vote(&ident(13), prop, true);
    assert_eq!(w.close(prop), ProposalStatus::Lapsed);
    assert!(!w.ledger.state().core().policies.contains_key(&6));
}

#[test]
fn a_passed_proposal_whose_effect_no_longer_holds_fails_visibly() {
    let mut w = coop(2);
    let prop = w.propose(&sk(50), ProposalAction::Distribute { amount: 1_000 });
    w.vote(&ident(10), prop, true);
    w.vote(&ident(11), prop, true);
    let before = w.pool();
    let status = w.close(prop);
    assert!(
        status == ProposalStatus::Failed("insufficient_profit".into()),
        "{status:?}"
    );
    assert_eq!(w.pool(), before);
}

#[test]
fn a_non_member_can_neither_propose_nor_vote() {
    let mut w = coop(2);
    w.reject(
        w.tx(&sk(77), TxBody::Propose { action: policy(7) }),
        TxError::NotAMember,
    );
    let prop = w.propose(&sk(50), policy(7));
    // An outsider proves membership of a tree of their own making: not the snapshot's root.
    let outsider = ident(99);
    let mut tree = MerkleTree::new(DEPTH).unwrap();
    tree.append(outsider.commitment()).unwrap();
    let env = prove_membership(
        membership_keys(),
        &MembershipInput {
            identity: &outsider,
            path: tree.path(0).unwrap(),
            root: tree.root(),
            scope: vote_scope(w.ledger.state().params(), prop),
            signal: vote_signal(prop, true),
        },
        &mut w.rng,
    )
    .unwrap();
    let body = TxBody::Vote {
        proposal: prop,
        approve: true,
        proof: ProofData {
            public_inputs: env.public_inputs.clone(),
            proof: env.proof_bytes(),
        },
    };
    w.reject(w.tx(&sk(77), body), TxError::WrongMemberRoot);
    // A member who joins after the proposal is not in its snapshot either.
    w.join(&sk(60), &ident(20), 10_000);
    let voters = w.ledger.state().proposal_voters(prop).unwrap();
    assert_eq!(voters.position(&ident(20).commitment()), None);
}

#[test]
fn officers_alone_can_no_longer_govern_once_there_are_members() {
    let mut w = coop(1);
    let set = TxBody::SetPolicy {
        policy_id: 1,
        rules: PolicyRules {
            rate_bps: 1,
            ..bureau_rules()
        },
    };
    // Even all three officers together.
    let t = w
        .tx(&sk(1), set.clone())
        .cosign(CHAIN, &sk(2))
        .cosign(CHAIN, &sk(3));
    w.reject(t, TxError::GovernedByMembers);
    let t = w
        .tx(&sk(1), TxBody::SetAdmission { policy_id: None })
        .cosign(CHAIN, &sk(2));
    w.reject(t, TxError::GovernedByMembers);
    let t = w
        .tx(
            &sk(1),
            TxBody::RegisterIssuer {
                issuer: Fr::from(5u64),
                account: acct(&sk(40)),
                name: "x".into(),
            },
        )
        .cosign(CHAIN, &sk(2));
    w.reject(t, TxError::GovernedByMembers);
    // An officer who is not a member cannot propose either.
    w.reject(
        w.tx(&sk(1), TxBody::Propose { action: policy(1) }),
        TxError::NotAMember,
    );
    assert_eq!(w.ledger.state().core().policies[&1].rate_bps, 1_200);
    // Loan votes come from applications only.
    w.reject(
        w.tx(
            &sk(50),
            TxBody::Propose {
                action: ProposalAction::Loan { loan: 0 },
            },
        ),
        TxError::NotProposable,
    );
}

#[test]
fn proposals_are_checked_when_proposed_and_limited_per_member() {
    let mut w = coop(1);
    let mut params = w.ledger.state().params().clone();
    params.chain_id = "another".into();
    w.reject(
        w.tx(
            &sk(50),
            TxBody::Propose {
                action: ProposalAction::SetParams { params },
            },
        ),
        TxError::InvalidParams("chain_id cannot change".into()),
    );
    w.reject(
        w.tx(
            &sk(50),
            TxBody::Propose {
                action: ProposalAction::RemoveIssuer {
                    issuer: issuer_id(),
                },
            },
        ),
        TxError::IssuerInUse(0),
    );
    let limit = w.ledger.state().params().max_open_proposals;
    for i in 0..limit {
        w.propose(&sk(50), policy(10 + u64::from(i)));
    }
    w.reject(
        w.tx(&sk(50), TxBody::Propose { action: policy(20) }),
        TxError::TooManyOpenProposals { limit },
    );
}

/// Lender (100 000 at key 50) and a borrower (10 000 at key 51) with a bureau credential.
fn lender_and_borrower() -> (World, zkcredit_circuits::credential::Credential) {
    let mut w = coop(1);
    w.join(&sk(51), &ident(11), 10_000);
    let cred = w.attest(&ident(11), 720, 0);
    (w, cred)
}

#[test]
fn collateral_is_locked_released_and_taken_first_on_an_automatic_write_off() {
    let (mut w, cred) = lender_and_borrower();
    let alice = sk(51);
    // 20 % of 60 000 = 12 000 > 10 000 of capital: refused.
    let n = w.ledger.state().nonce(&acct(&alice));
    let body = w.apply_body(&alice, n, &ident(11), &cred, 40_000, 2);
    // The collateral is checked before the proof.
    let too_big = TxBody::ApplyLoan {
        policy_id: 1,
        amount: 60_000,
        term: 2,
        rate_bps: 1_200,
        proof: dummy_proof(),
    };
    w.reject(
        w.tx(&alice, too_big),
        TxError::InsufficientCollateral {
            required: 12_000,
            free: 10_000,
        },
    );
    w.ok(&alice, body);
    assert_eq!(
        w.ledger.state().member(&acct(&alice)).unwrap().locked,
        8_000
    );
    // Withdrawals stop at the locked capital.
    w.reject(
        w.tx(&alice, TxBody::Withdraw { amount: 2_001 }),
        TxError::CapitalLocked {
            locked: 8_000,
            available: 2_000,
            requested: 2_001,
        },
    );
    w.ok(&alice, TxBody::Withdraw { amount: 1_000 });
    w.ok(&sk(1), TxBody::Disburse { loan: 0 });
    // The first instalment releases half of the collateral.
    let due = w.ledger.state().loan(0).unwrap().schedule[0]
        .total()
        .unwrap();
    w.ok(
        &alice,
        TxBody::Repay {
            loan: 0,
            amount: due,
        },
    );
    let rem = w.ledger.state().loan(0).unwrap().remaining_principal();
    let c = (8_000 * rem).div_ceil(40_000);
    assert!(c < 8_000 && c > 0);
    assert_eq!(w.ledger.state().member(&acct(&alice)).unwrap().locked, c);
    assert_eq!(w.ledger.state().loan(0).unwrap().collateral, c);

    // She stops paying: late, then written off by the blocks themselves.
    let l = w.ledger.state().loan(0).unwrap().clone();
    let p = w.ledger.state().params().clone();
    // What an empty-mempool producer asks before making a block: due only past each grace.
    let due1 = l.schedule[1].due;
    assert!(!w.ledger.state().block_work_due(due1 + p.late_grace));
    assert!(w.ledger.state().block_work_due(due1 + p.late_grace + 1));
    w.time = l.schedule[1].due + p.late_grace;
    w.ok_block(vec![]);
    assert!(w.ledger.state().loan(0).unwrap().schedule[1].late_fee > 0);
    assert!(!w.ledger.state().block_work_due(due1 + p.default_grace));
    assert!(w.ledger.state().block_work_due(due1 + p.default_grace + 1));
    assert_eq!(w.ledger.state().loan(0).unwrap().status, LoanStatus::Active);
    let before = w.pool();
    let lender_before = w.ledger.state().member(&acct(&sk(50))).unwrap().capital;
    w.time = l.schedule[1].due + p.default_grace;
    w.ok_block(vec![]);
    assert_eq!(
        w.ledger.state().loan(0).unwrap().status,
        LoanStatus::Defaulted
    );
    let after = w.pool();
    let loss = rem;
    assert_eq!(after.losses, loss);
    // Her locked capital first, then reserve, then undistributed profit, then capital pro
    // rata.
    let rest = loss - c - before.reserve - before.undistributed;
    assert_eq!(after.reserve, 0);
    assert_eq!(after.undistributed, 0);
    assert_eq!(after.capital_losses, c + rest);
    let a = w.ledger.state().member(&acct(&alice)).unwrap();
    assert_eq!(a.locked, 0);
    let alice_cut = 9_000 - c - a.capital;
    let lender_cut = lender_before - w.ledger.state().member(&acct(&sk(50))).unwrap().capital;
    assert_eq!(alice_cut + lender_cut, rest);
    assert!(lender_cut > alice_cut, "pro rata to capital");
    assert!(after.balanced());
    // `ledger verify`: replay gives the same state hash.
    let report = w.ledger.verify().unwrap();
    assert_eq!(report.state_hash, w.ledger.state_hash());
}

#[test]
fn a_loan_never_paid_out_is_cancelled_by_its_borrower_and_releases_what_it_held() {
    let (mut w, cred) = lender_and_borrower();
    let alice = sk(51);
    let state = |w: &World| w.ledger.state().clone();
    // Approved at once (below the auto-approval limit): collateral locked, principal committed.
    let committed = w.pool().committed;
    let n = w.ledger.state().nonce(&acct(&alice));
    let body = w.apply_body(&alice, n, &ident(11), &cred, 40_000, 2);
    w.ok(&alice, body);
    assert_eq!(state(&w).loan(0).unwrap().status, LoanStatus::Approved);
    assert_eq!(w.pool().committed, committed + 40_000);
    assert_eq!(state(&w).member(&acct(&alice)).unwrap().locked, 8_000);
    // Only the borrower cancels, only a loan that exists.
    w.reject(
        w.tx(&sk(50), TxBody::CancelLoan { loan: 0 }),
        TxError::NotYourLoan(0),
    );
    w.reject(
        w.tx(&alice, TxBody::CancelLoan { loan: 9 }),
        TxError::UnknownLoan(9),
    );
    w.ok(&alice, TxBody::CancelLoan { loan: 0 });
    let s = state(&w);
    assert_eq!(s.loan(0).unwrap().status, LoanStatus::Cancelled);
    assert_eq!(s.loan(0).unwrap().collateral, 0);
    assert_eq!(s.member(&acct(&alice)).unwrap().locked, 0);
    assert_eq!(w.pool().committed, committed);
    // Nothing can pay out or cancel it again; all the capital can be withdrawn.
    w.reject(
        w.tx(&sk(1), TxBody::Disburse { loan: 0 }),
        TxError::WrongLoanStatus {
            loan: 0,
            expected: "approved",
            found: "cancelled",
        },
    );
    w.reject(
        w.tx(&alice, TxBody::CancelLoan { loan: 0 }),
        TxError::WrongLoanStatus {
            loan: 0,
            expected: "voting or approved",
            found: "cancelled",
        },
    );
    // The application's nullifier stays spent: no second application in the same epoch.
    let n = w.ledger.state().nonce(&acct(&alice));
    let again = w.apply_body(&alice, n, &ident(11), &cred, 40_000, 2);
    w.reject(w.tx(&alice, again), TxError::NullifierUsed);

    // Next epoch, a loan above the auto-approval limit: cancelled during its vote.
    w.time += w.ledger.state().params().epoch_secs;
    w.ok(&alice, TxBody::Deposit { amount: 5_000 });
    let cred = w.attest(&ident(11), 720, 0);
    let n = w.ledger.state().nonce(&acct(&alice));
    let body = w.apply_body(&alice, n, &ident(11), &cred, 60_000, 2);
    w.ok(&alice, body);
    let loan = 1;
    let prop = state(&w).loan(loan).unwrap().proposal.unwrap();
    assert_eq!(state(&w).loan(loan).unwrap().status, LoanStatus::Voting);
    w.vote(&ident(10), prop, true);
    w.ok(&alice, TxBody::CancelLoan { loan });
    let s = state(&w);
    assert_eq!(s.loan(loan).unwrap().status, LoanStatus::Cancelled);
    assert_eq!(s.proposal(prop).unwrap().status, ProposalStatus::Withdrawn);
    assert_eq!(s.member(&acct(&alice)).unwrap().locked, 0);
    assert_eq!(w.pool().committed, committed);
    // A withdrawn vote takes no more votes and stays withdrawn past its deadline.
    let late = w.vote_body(&ident(10), prop, true);
    w.reject(w.tx(&sk(198), late), TxError::ProposalClosed(prop));
    assert_eq!(w.close(prop), ProposalStatus::Withdrawn);
    w.ok(&alice, TxBody::Withdraw { amount: 15_000 });
}

#[test]
fn a_deposit_just_before_a_distribution_gets_only_its_time_weighted_share() {
    let (mut w, cred) = lender_and_borrower();
    let alice = sk(51);
    // Profit: a one-instalment loan repaid with interest.
    let n = w.ledger.state().nonce(&acct(&alice));
    let body = w.apply_body(&alice, n, &ident(11), &cred, 50_000, 1);
    w.ok(&alice, body);
    w.ok(&sk(1), TxBody::Disburse { loan: 0 });
    let due = w.ledger.state().loan(0).unwrap().schedule[0]
        .total()
        .unwrap();
    w.ok(
        &alice,
        TxBody::Repay {
            loan: 0,
            amount: due,
        },
    );
    let profit = w.pool().undistributed;
    assert!(profit > 0);
    // Carol joins with a little; all three vote to distribute the profit.
    w.join(&sk(52), &ident(12), 1_000);
    let prop = w.propose(&sk(50), ProposalAction::Distribute { amount: profit });
    for i in 10..13 {
        w.vote(&ident(i), prop, true);
    }
    // One block before the vote closes Carol deposits as much as the lender holds.
    let deadline = w.ledger.state().proposal(prop).unwrap().deadline;
    w.time = deadline - 120;
    w.ok(&sk(52), TxBody::Deposit { amount: 99_000 });
    let s = w.ledger.state();
    let weights: Vec<u128> = [sk(50), sk(51), sk(52)]
        .iter()
        .map(|k| {
            let m = s.member(&acct(k)).unwrap();
            m.capital_secs + u128::from(m.capital) * u128::from(deadline - m.since)
        })
        .collect();
    let caps: Vec<u64> = [sk(50), sk(51), sk(52)]
        .iter()
        .map(|k| s.member(&acct(k)).unwrap().capital)
        .collect();
    assert_eq!(w.close(prop), ProposalStatus::Executed);
    let s = w.ledger.state();
    let credits: Vec<u64> = [sk(50), sk(51), sk(52)]
        .iter()
        .zip(&caps)
        .map(|(k, c)| s.member(&acct(k)).unwrap().capital - c)
        .collect();
    let keep = profit * 1_000 / 10_000;
    assert_eq!(credits.iter().sum::<u64>(), profit - keep);
    // Carol holds as much capital as the lender now, but held it for one minute.
    let total: u128 = weights.iter().sum();
    let carol_fair = u128::from(profit - keep) * weights[2] / total;
    assert!(u128::from(credits[2]) <= carol_fair + 1, "{credits:?}");
    assert!(credits[2] * 20 < credits[0], "{credits:?}");
    // Accumulators restart at the distribution.
    let m = s.member(&acct(&sk(52))).unwrap();
    assert_eq!((m.capital_secs, m.since), (0, deadline));
    assert_eq!(s.core().last_distribution, deadline);
    assert!(s.pool().balanced());
}

#[test]
fn a_spend_above_the_treasury_limit_waits_for_the_officers() {
    let (mut w, cred) = lender_and_borrower();
    let alice = sk(51);
    // Members lower the treasury limit (a parameter change by proposal).
    let mut params = w.ledger.state().params().clone();
    params.treasury_limit = 100;
    let prop = w.propose(&sk(50), ProposalAction::SetParams { params });
    w.vote(&ident(10), prop, true);
    w.vote(&ident(11), prop, true);
    assert_eq!(w.close(prop), ProposalStatus::Executed);
    assert_eq!(w.ledger.state().params().treasury_limit, 100);
    // Profit to spend.
    let n = w.ledger.state().nonce(&acct(&alice));
    let body = w.apply_body(&alice, n, &ident(11), &cred, 50_000, 1);
    w.ok(&alice, body);
    let t = w
        .tx(&sk(1), TxBody::Disburse { loan: 0 })
        .cosign(CHAIN, &sk(2));
    w.ok_block(vec![t]);
    let due = w.ledger.state().loan(0).unwrap().schedule[0]
        .total()
        .unwrap();
    w.ok(
        &alice,
        TxBody::Repay {
            loan: 0,
            amount: due,
        },
    );
    let spend = ProposalAction::Spend {
        to: acct(&sk(44)),
        amount: 300,
        memo: "accounting software".into(),
    };
    let prop = w.propose(&sk(51), spend);
    w.vote(&ident(10), prop, true);
    w.vote(&ident(11), prop, true);
    assert_eq!(w.close(prop), ProposalStatus::AwaitingRelease);
    w.reject(
        w.tx(&sk(1), TxBody::Release { proposal: prop }),
        TxError::NotEnoughSignatures { have: 1, need: 2 },
    );
    w.reject(
        w.tx(&sk(50), TxBody::Release { proposal: prop }),
        TxError::NotAnOfficer,
    );
    let before = w.pool();
    let t = w
        .tx(&sk(1), TxBody::Release { proposal: prop })
        .cosign(CHAIN, &sk(3));
    w.ok_block(vec![t]);
    assert_eq!(
        w.ledger.state().proposal(prop).unwrap().status,
        ProposalStatus::Executed
    );
    assert_eq!(w.pool().spent, 300);
    assert_eq!(w.pool().cash, before.cash - 300);
    assert!(w.pool().balanced());
    w.reject(
        w.tx(&sk(1), TxBody::Release { proposal: prop })
            .cosign(CHAIN, &sk(3)),
        TxError::NotAwaitingRelease(prop),
    );
}

/// A state with three members, an active loan, a voted distribution proposal, and the
/// membership proofs of a fresh proposal, made once for the proptests.
struct Fixture {
    state: State,
    keys: Keys,
    time: u64,
    /// Vote bodies for proposal `vote_prop`: (member, approve).
    votes: Vec<(usize, TxBody)>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (mut w, cred) = lender_and_borrower();
        w.join(&sk(52), &ident(12), 20_000);
        let alice = sk(51);
        let n = w.ledger.state().nonce(&acct(&alice));
        let body = w.apply_body(&alice, n, &ident(11), &cred, 45_000, 6);
        w.ok(&alice, body);
        w.ok(&sk(1), TxBody::Disburse { loan: 0 });
        let dist = w.propose(&sk(50), ProposalAction::Distribute { amount: 200 });
        w.vote(&ident(10), dist, true);
        w.vote(&ident(12), dist, true);
        let prop = w.propose(&sk(52), policy(9));
        let mut votes = Vec::new();
        for (m, id) in [ident(10), ident(11), ident(12)].iter().enumerate() {
            for approve in [true, false] {
                votes.push((m, w.vote_body(id, prop, approve)));
            }
        }
        Fixture {
            state: w.ledger.state().clone(),
            keys: w.ledger.keys().clone(),
            time: w.time,
            votes,
        }
    })
}

#[derive(Debug, Clone)]
enum Op {
    Deposit(usize, u64),
    Withdraw(usize, u64),
    Repay,
    Wait(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..3, 1u64..50_000).prop_map(|(m, a)| Op::Deposit(m, a)),
        (0usize..3, 1u64..50_000).prop_map(|(m, a)| Op::Withdraw(m, a)),
        Just(Op::Repay),
        (60u64..40 * 86_400).prop_map(Op::Wait),
    ]
}

/// Money and collateral identities of a state.
fn check_books(s: &State) -> Result<(), TestCaseError> {
    let pool = s.pool();
    prop_assert!(pool.balanced(), "{:?}", pool);
    let caps: u64 = s.core().members.values().map(|m| m.capital).sum();
    prop_assert_eq!(caps, pool.total_capital);
    let outstanding: u64 = s
        .core()
        .loans
        .values()
        .filter(|l| l.status == LoanStatus::Active)
        .map(Loan::remaining_principal)
        .sum();
    prop_assert_eq!(outstanding, pool.outstanding);
    for (a, m) in &s.core().members {
        let locked: u64 = s
            .core()
            .loans
            .values()
            .filter(|l| l.borrower == *a)
            .map(|l| l.collateral)
            .sum();
        prop_assert_eq!(locked, m.locked);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Money is conserved across deposits, withdrawals, repayments, automatic late fees and
    /// write-offs (collateral first), collateral releases and a distribution that closes by
    /// itself: after every block the books balance, capital sums to the total, principal
    /// outstanding matches the loans, and locked capital matches the loans' collateral.
    #[test]
    fn money_is_conserved_across_blocks(ops in proptest::collection::vec(op(), 1..25)) {
        let f = fixture();
        let mut s = f.state.clone();
        let mut time = f.time;
        let keys_of = [sk(50), sk(51), sk(52)];
        check_books(&s)?;
        for op in ops {
            time += 60;
            let tx = match op {
                Op::Deposit(m, a) => Some((m, TxBody::Deposit { amount: a })),
                Op::Withdraw(m, a) => Some((m, TxBody::Withdraw { amount: a })),
                Op::Repay => s.loan(0).filter(|l| l.status == LoanStatus::Active).map(|l| {
                    let amount = l.schedule[l.next as usize].total().unwrap();
                    (1, TxBody::Repay { loan: 0, amount })
                }),
                Op::Wait(secs) => { time += secs; None }
            };
            let txs: Vec<Tx> = tx
                .map(|(m, body)| {
                    let k = &keys_of[m];
                    Tx::sign(CHAIN, k, s.nonce(&acct(k)), body)
                })
                .into_iter()
                .collect();
            let (next, _, _) = s.build_block(time, &txs, &f.keys).unwrap();
            s = next;
            check_books(&s)?;
        }
    }

    /// No vote counts twice: whatever order and repetition the (member, choice) votes come
    /// in, the tally counts each member at most once, and as their first vote.
    #[test]
    fn no_vote_counts_twice(picks in proptest::collection::vec(0usize..6, 1..12)) {
        let f = fixture();
        let mut s = f.state.clone();
        let time = f.time + 60;
        let prop = s.core().next_proposal - 1;
        let mut first: [Option<bool>; 3] = [None; 3];
        for (i, pick) in picks.iter().enumerate() {
            let (m, body) = &f.votes[*pick];
            let voter = sk(120 + i as u8);
            let tx = Tx::sign(CHAIN, &voter, 0, body.clone());
            let approve = matches!(body, TxBody::Vote { approve: true, .. });
            let open = s.proposal(prop).unwrap().status == ProposalStatus::Open;
            let r = s.execute(&tx, time, &f.keys);
            if !open {
                // Defeated early by "no" votes: closed to everyone.
                prop_assert_eq!(r.err(), Some(TxError::ProposalClosed(prop)));
            } else if first[*m].is_none() {
                prop_assert!(r.is_ok(), "{r:?}");
                first[*m] = Some(approve);
            } else {
                prop_assert_eq!(r.err(), Some(TxError::AlreadyVoted));
            }
        }
        let p = s.proposal(prop).unwrap();
        let yes = first.iter().filter(|v| **v == Some(true)).count() as u64;
        let no = first.iter().filter(|v| **v == Some(false)).count() as u64;
        prop_assert_eq!((p.yes, p.no), (yes, no));
    }
}
