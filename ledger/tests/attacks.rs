//! One test per attack of the independent review (issue 8). Each reproduces the attack as it
//! worked against statement v1 and the v1 ledger, and shows the refusal now.

mod common;

use common::*;
use zkcredit_circuits::credential::{Credential, SCHEMA_COOP_HISTORY_V1};
use zkcredit_circuits::field::to_decimal;
use zkcredit_circuits::identity::Identity;
use zkcredit_circuits::policy::Clause;
use zkcredit_circuits::statement::policy_index as at;
use zkcredit_circuits::Fr;
use zkcredit_ledger::*;
use zkcredit_prover::{prove_membership, MembershipInput};

fn ident(n: u64) -> Identity {
    Identity::from_secret(Fr::from(5_000 + n))
}

fn governance(w: &mut World, action: ProposalAction) {
    w.govern(action);
}

/// 1. Credit lending: a member with good credit proves for another member's request.
#[test]
fn credit_lending_is_refused() {
    let mut w = World::new();
    let (good, poor) = (sk(20), sk(21));
    w.join(&good, &ident(1), 10_000);
    w.join(&poor, &ident(2), 10_000);
    w.ok(&good, TxBody::Deposit { amount: 200_000 });
    let good_cred = w.attest(&ident(1), 800, 0);
    // The poor member's request, proven with the good member's credential and secret.
    let n = w.ledger.state().nonce(&acct(&poor));
    let now = w.time + 60;
    let exp = w
        .ledger
        .state()
        .expected_application(&acct(&poor), n, 1, 20_000, 6, 1_200, now)
        .unwrap();
    let proof = w.prove_expected(&ident(1), &good_cred, &exp, now);
    let body = TxBody::ApplyLoan {
        policy_id: 1,
        amount: 20_000,
        term: 6,
        rate_bps: 1_200,
        proof,
    };
    w.reject(
        w.tx_n(&poor, n, body),
        TxError::HolderMismatch {
            expected: to_decimal(&ident(2).commitment()),
            found: to_decimal(&ident(1).commitment()),
        },
    );
    // A pseudonymous holder binding (a lender's scope) is no substitute for the identity.
    let proof = w.prove_expected_as(&ident(1), &good_cred, &exp, now, Fr::from(9u64));
    let body = TxBody::ApplyLoan {
        policy_id: 1,
        amount: 20_000,
        term: 6,
        rate_bps: 1_200,
        proof,
    };
    w.reject(
        w.tx_n(&poor, n, body),
        TxError::HolderMismatch {
            expected: to_decimal(&ident(2).commitment()),
            found: to_decimal(&ident(1).holder(Fr::from(9u64))),
        },
    );
}

/// 2. A default never reached the record: the co-op's history credential outlived it.
#[test]
fn a_defaulters_old_history_is_refused_in_the_next_block() {
    let mut w = World::new();
    let (lender, alice) = (sk(20), sk(21));
    w.join(&lender, &ident(0), 400_000);
    // Enough capital to stand collateral again after the write-off takes some.
    w.join(&alice, &ident(1), 30_000);
    let cred = w.attest(&ident(1), 720, 0);
    let n = w.ledger.state().nonce(&acct(&alice));
    let body = w.apply_body(&alice, n, &ident(1), &cred, 30_000, 3);
    w.ok(&alice, body);
    let d = w
        .tx(&sk(1), TxBody::Disburse { loan: 0 })
        .cosign(CHAIN, &sk(2));
    w.ok_block(vec![d]);
    // Alice claims a clean history while the loan is open.
    let attrs = w
        .ledger
        .state()
        .history_attrs(&acct(&alice), w.time + 60)
        .unwrap();
    assert_eq!(attrs[4], 0, "no defaults yet");
    let history = Credential {
        schema: SCHEMA_COOP_HISTORY_V1,
        issuer: coop_issuer_id(CHAIN),
        subject: ident(1).commitment(),
        attrs,
        issued_at: w.time + 60,
        expires_at: w.time + 60 + 365 * 86_400,
        salt: Fr::from(3u64),
    };
    w.ok(
        &alice,
        TxBody::ClaimHistory {
            subject: history.subject,
            attrs,
            issued_at: history.issued_at,
            expires_at: history.expires_at,
            salt: history.salt,
        },
    );
    let rules = PolicyRules {
        name: "clean record".into(),
        clauses: vec![ClauseRule {
            coeffs: Clause::at_most(4, 0).coeffs,
            constant: 0,
            instalment_coeff: 0,
        }],
        issuer: coop_issuer_id(CHAIN),
        schema: SCHEMA_COOP_HISTORY_V1,
        max_credential_age: None,
        ..bureau_rules()
    };
    governance(
        &mut w,
        ProposalAction::SetPolicy {
            policy_id: 2,
            rules: rules.clone(),
        },
    );
    // She keeps the path of her history leaf, and never pays. The loan is written off.
    let (old_path, old_root) = w.ledger.credential_path(&history.leaf()).unwrap();
    let loan = w.ledger.state().loan(0).unwrap().clone();
    w.time = loan.schedule[0].due + w.ledger.state().params().default_grace;
    w.ok_block(vec![]); // the block writes the loan off by itself, no officer
    assert_eq!(
        w.ledger.state().loan(0).unwrap().status,
        LoanStatus::Defaulted
    );
    assert_eq!(
        w.ledger
            .state()
            .member(&acct(&alice))
            .unwrap()
            .history
            .defaults,
        1
    );
    // In the very next block she proves "defaults = 0" from the old credential and root.
    let n = w.ledger.state().nonce(&acct(&alice));
    let now = w.time + 60;
    let exp = w
        .ledger
        .state()
        .expected_application(&acct(&alice), n, 2, 20_000, 6, rules.rate_bps, now)
        .unwrap();
    let env = zkcredit_prover::prove_policy(
        policy_keys(),
        &zkcredit_prover::PolicyInput {
            identity: &ident(1),
            credential: &history,
            path: old_path,
            root: old_root,
            policy: &exp.policy(),
            now,
            request: exp.request,
            scope: exp.scope,
            issued_after: 0,
            holder_scope: Fr::from(0u64),
        },
        &mut w.rng,
    )
    .unwrap();
    let body = TxBody::ApplyLoan {
        policy_id: 2,
        amount: 20_000,
        term: 6,
        rate_bps: rules.rate_bps,
        proof: ProofData {
            public_inputs: env.public_inputs.clone(),
            proof: env.proof_bytes(),
        },
    };
    w.reject(w.tx_n(&alice, n, body), TxError::UnknownRoot);
    // And the current registry no longer holds the leaf at all.
    assert!(w.ledger.credential_path(&history.leaf()).is_err());
}

/// 3. Revocation did not bite: on a quiet registry a pre-revocation root stayed accepted.
#[test]
fn a_revoked_credential_fails_against_every_earlier_root() {
    let mut w = World::new();
    let alice = sk(21);
    w.join(&alice, &ident(1), 10_000);
    let cred = w.attest(&ident(1), 720, 0);
    let (path0, root0) = w.ledger.credential_path(&cred.leaf()).unwrap();
    w.attest(&ident(7), 650, 0);
    let (path1, root1) = w.ledger.credential_path(&cred.leaf()).unwrap();
    let index = w.ledger.state().registry().position(&cred.leaf()).unwrap();
    w.ok(&sk(10), TxBody::Revoke { index });
    // A year of silence.
    w.time += 365 * 86_400;
    w.ok_block(vec![]);
    for (path, root) in [(path0, root0), (path1, root1)] {
        assert!(!w.ledger.state().root_accepted(&root));
        let n = w.ledger.state().nonce(&acct(&alice));
        let now = w.time + 60;
        let exp = w
            .ledger
            .state()
            .expected_application(&acct(&alice), n, 1, 10_000, 6, 1_200, now)
            .unwrap();
        let env = zkcredit_prover::prove_policy(
            policy_keys(),
            &zkcredit_prover::PolicyInput {
                identity: &ident(1),
                credential: &cred,
                path,
                root,
                policy: &exp.policy(),
                now,
                request: exp.request,
                scope: exp.scope,
                issued_after: 0,
                holder_scope: Fr::from(0u64),
            },
            &mut w.rng,
        )
        .unwrap();
        let body = TxBody::ApplyLoan {
            policy_id: 1,
            amount: 10_000,
            term: 6,
            rate_bps: 1_200,
            proof: ProofData {
                public_inputs: env.public_inputs.clone(),
                proof: env.proof_bytes(),
            },
        };
        w.reject(w.tx_n(&alice, n, body), TxError::UnknownRoot);
    }
}

/// 3b. Window flooding: many registry changes no longer evict a fresh root.
#[test]
fn flooding_the_registry_does_not_evict_fresh_roots() {
    let mut w = World::new();
    let alice = sk(21);
    w.join(&alice, &ident(1), 10_000);
    let cred = w.attest(&ident(1), 720, 0);
    let n = w.ledger.state().nonce(&acct(&alice));
    let fresh = w.apply_body(&alice, n, &ident(1), &cred, 10_000, 6);
    // 100 attestations in one block, then 100 more in ten blocks: the v1 window (64 roots)
    // would have dropped the root the proof uses.
    let issuer = sk(10);
    let nonce = w.ledger.state().nonce(&acct(&issuer));
    let flood: Vec<Tx> = (0..100)
        .map(|i| {
            w.tx_n(
                &issuer,
                nonce + i,
                TxBody::Attest {
                    commitment: Fr::from(77_000 + i),
                },
            )
        })
        .collect();
    let p = w.ledger.produce_block(w.time, &flood).unwrap();
    assert!(p.rejected.is_empty());
    for b in 0..10u64 {
        let txs: Vec<Tx> = (0..10)
            .map(|i| {
                w.tx_n(
                    &issuer,
                    nonce + 100 + 10 * b + i,
                    TxBody::Attest {
                        commitment: Fr::from(88_000 + 10 * b + i),
                    },
                )
            })
            .collect();
        let p = w.ledger.produce_block(w.time, &txs).unwrap();
        assert!(p.rejected.is_empty());
    }
    // The proof was made for block time `w.time + 60`; it still lands.
    w.ok(&alice, fresh);
    // History claims, the other flood of v1, are rate-limited per member.
    let attrs = w
        .ledger
        .state()
        .history_attrs(&acct(&alice), w.time + 60)
        .unwrap();
    let claim = |t: u64| TxBody::ClaimHistory {
        subject: ident(1).commitment(),
        attrs,
        issued_at: t,
        expires_at: t + 86_400,
        salt: Fr::from(t),
    };
    w.ok(&alice, claim(w.time + 60));
    let next = w.time + w.ledger.state().params().history_claim_interval;
    w.reject(
        w.tx(&alice, claim(w.time + 60)),
        TxError::HistoryClaimTooSoon { next },
    );
}

/// 4. Expired credentials passed: `now` could lie before the block time.
#[test]
fn a_credential_expired_one_second_before_the_block_is_refused() {
    let mut w = World::new();
    let alice = sk(21);
    w.join(&alice, &ident(1), 10_000);
    let block_time = w.time + 120;
    let cred = Credential {
        schema: zkcredit_circuits::credential::SCHEMA_BUREAU_V1,
        issuer: issuer_id(),
        subject: ident(1).commitment(),
        attrs: [720, 5_000, 1_000, 20_000, 24, 0, 0, 36],
        issued_at: T0,
        expires_at: block_time - 1,
        salt: Fr::from(1u64),
    };
    w.ok(
        &sk(10),
        TxBody::Attest {
            commitment: cred.commitment(),
        },
    );
    assert_eq!(w.time + 60, block_time);
    // The proof says "unexpired at block_time - 2", which is true, and v1 accepted it.
    let n = w.ledger.state().nonce(&acct(&alice));
    let exp = w
        .ledger
        .state()
        .expected_application(&acct(&alice), n, 1, 10_000, 6, 1_200, block_time)
        .unwrap();
    let proof = w.prove_expected(&ident(1), &cred, &exp, block_time - 2);
    let body = TxBody::ApplyLoan {
        policy_id: 1,
        amount: 10_000,
        term: 6,
        rate_bps: 1_200,
        proof,
    };
    w.reject(
        w.tx_n(&alice, n, body),
        TxError::TimeOutOfTolerance {
            now: block_time - 2,
            block_time,
            tolerance: 600,
        },
    );
}

/// 5a. Ability to repay *this* loan: a proof of affordability for a small instalment does not
/// pass for a large one.
#[test]
fn affordability_is_checked_against_the_loan_applied_for() {
    let mut w = World::new();
    let (lender, alice) = (sk(20), sk(21));
    w.join(&lender, &ident(0), 2_000_000);
    w.join(&alice, &ident(1), 10_000);
    // income 5000, debt 1000: DTI after the instalment at most 36 %.
    let mut dti = Clause::default();
    dti.coeffs[1] = 3_600;
    dti.coeffs[2] = -10_000;
    let rules = PolicyRules {
        name: "affordable".into(),
        clauses: vec![ClauseRule {
            coeffs: dti.coeffs,
            constant: 0,
            instalment_coeff: 10_000,
        }],
        rate_bps: 0,
        max_amount: 1_000_000,
        ..bureau_rules()
    };
    governance(
        &mut w,
        ProposalAction::SetPolicy {
            policy_id: 3,
            rules: rules.clone(),
        },
    );
    let cred = w.attest(&ident(1), 720, 0);
    // 800 a month is affordable (5000·0.36 − 1000 = 800); 801 is not.
    let n = w.ledger.state().nonce(&acct(&alice));
    let now = w.time + 60;
    let small = w
        .ledger
        .state()
        .expected_application(&acct(&alice), n, 3, 4_800, 6, 0, now)
        .unwrap();
    let large = w
        .ledger
        .state()
        .expected_application(&acct(&alice), n, 3, 48_000, 6, 0, now)
        .unwrap();
    assert_ne!(small.clauses, large.clauses);
    // The affordability proof for the small instalment, submitted for the large loan.
    let mut forged = small.clone();
    forged.request = large.request;
    let proof = w.prove_expected(&ident(1), &cred, &forged, now);
    let body = TxBody::ApplyLoan {
        policy_id: 3,
        amount: 48_000,
        term: 6,
        rate_bps: 0,
        proof,
    };
    w.reject(w.tx_n(&alice, n, body), TxError::PolicyMismatch);
    // An honest proof for the large loan cannot be made: the clause fails natively.
    let (path, root) = w.ledger.credential_path(&cred.leaf()).unwrap();
    let refused = zkcredit_prover::check_policy(&zkcredit_prover::PolicyInput {
        identity: &ident(1),
        credential: &cred,
        path,
        root,
        policy: &large.policy(),
        now,
        request: large.request,
        scope: large.scope,
        issued_after: 0,
        holder_scope: Fr::from(0u64),
    });
    assert!(refused.is_err());
    let body = w.apply_body_with(&alice, n, &ident(1), &cred, 4_800, 6, 3, &rules);
    w.ok(&alice, body);
}

/// 5b. Sybil members: joining needs an admission proof bound to the joining identity.
#[test]
fn the_same_holder_cannot_join_twice_nor_register_another_identity() {
    let mut w = World::new();
    let (alice, alice2, mallory) = (sk(21), sk(22), sk(23));
    w.join(&alice, &ident(1), 10_000);
    // Alice again, from a second account, with her own (valid) admission credential.
    let cred = w.attest_salted(&ident(1), 700, 0, Fr::from(123u64));
    let again = w.join_body(&alice2, &ident(1), &cred, 10_000);
    w.reject(w.tx(&alice2, again.clone()), TxError::DuplicateIdentity);
    // ... or under a fresh identity commitment: the proof's holder is still her identity.
    let TxBody::Join { proof, .. } = again else {
        unreachable!()
    };
    let fresh = Identity::from_secret(Fr::from(999u64));
    let body = TxBody::Join {
        identity: fresh.commitment(),
        deposit: 10_000,
        proof,
    };
    assert!(matches!(
        w.ledger
            .state()
            .clone()
            .execute(&w.tx(&alice2, body), w.time + 60, w.ledger.keys()),
        Err(TxError::RequestMismatch | TxError::HolderMismatch { .. })
    ));
    // Mallory registers Bob's public identity commitment with her own credential.
    let bob = ident(2);
    let mcred = w.attest_salted(&ident(3), 700, 0, Fr::from(5u64));
    let mut exp = w
        .ledger
        .state()
        .expected_admission(&acct(&mallory), 0, bob.commitment(), 10_000)
        .unwrap();
    exp.holder = ident(3).commitment();
    let proof = w.prove_expected(&ident(3), &mcred, &exp, w.time + 60);
    let body = TxBody::Join {
        identity: bob.commitment(),
        deposit: 10_000,
        proof,
    };
    w.reject(
        w.tx(&mallory, body),
        TxError::HolderMismatch {
            expected: to_decimal(&bob.commitment()),
            found: to_decimal(&ident(3).commitment()),
        },
    );
    // No admission policy, no members.
    governance(&mut w, ProposalAction::SetAdmission { policy_id: None });
    let body = w.join_body_unchecked(&sk(24), &ident(4), 10_000);
    w.reject(w.tx(&sk(24), body), TxError::AdmissionClosed);
}

/// 6. A borrower voted on their own loan.
#[test]
fn the_applicant_cannot_vote_on_their_own_loan() {
    let mut w = World::new();
    let members: Vec<_> = (0..3u8)
        .map(|i| (sk(50 + i), ident(10 + u64::from(i))))
        .collect();
    for (k, id) in &members {
        w.join(k, id, 100_000);
    }
    let (bk, bid) = &members[0];
    let cred = w.attest(bid, 700, 0);
    let n = w.ledger.state().nonce(&acct(bk));
    let body = w.apply_body(bk, n, bid, &cred, 200_000, 12);
    w.ok(bk, body);
    let prop = w.ledger.state().loan(0).unwrap().proposal.unwrap();
    let p = w.ledger.state().proposal(prop).unwrap().clone();
    assert_eq!(p.members, 2, "the applicant is not among the voters");
    // The applicant's leaf is zeroed in the voters' snapshot: no path, no proof.
    let voters = w.ledger.state().proposal_voters(prop).unwrap();
    assert_eq!(voters.position(&bid.commitment()), None);
    // A proof against the live member tree (where the applicant is) is refused.
    let (path, live_root) = w.ledger.member_path(&bid.commitment()).unwrap();
    assert_ne!(codec::fr_to_bytes(&live_root), p.member_root);
    let env = prove_membership(
        membership_keys(),
        &MembershipInput {
            identity: bid,
            path,
            root: live_root,
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
    w.reject(w.tx(&sk(90), body), TxError::WrongMemberRoot);
    // Quorum counts the two other members only: one yes (50 %) carries it.
    assert_eq!(p.needed(5_000), 1);
    let v = w.vote_body(&members[1].1, prop, true);
    w.ok(&sk(91), v);
    assert_eq!(w.close(prop), ProposalStatus::Executed);
    assert_eq!(
        w.ledger.state().loan(0).unwrap().status,
        LoanStatus::Approved
    );
}

/// 7. Footguns: genesis keys go through the strict decoding of `VerifierKey::load`.
#[test]
fn genesis_keys_are_decoded_strictly() {
    let mut g = genesis();
    // alpha (the first point) replaced by the identity: v1's plain decoding accepted it.
    g.keys[0].vk[..32].copy_from_slice(&[0; 32]);
    g.keys[0].vk[31] = 0x40;
    assert!(matches!(
        Keys::from_genesis(&g),
        Err(LedgerError::Genesis(_))
    ));
    let mut g = genesis();
    g.keys[0].vk.push(0);
    assert!(matches!(
        Keys::from_genesis(&g),
        Err(LedgerError::Genesis(_))
    ));
    let mut g = genesis();
    g.keys.swap(0, 1);
    g.keys[0].circuit = g.keys[1].circuit.clone();
    assert!(matches!(
        Keys::from_genesis(&g),
        Err(LedgerError::Genesis(_))
    ));
    // Inputs out of range never reach a pairing through the ledger's keys either.
    let keys = Keys::from_genesis(&genesis()).unwrap();
    let mut env = zkcredit_verifier::Envelope {
        circuit: keys.policy.circuit().to_string(),
        vk_hash: None,
        public_inputs: vec![Fr::from(0u64); keys.policy.num_public_inputs()],
        proof: Default::default(),
    };
    env.public_inputs[at::NOW] = -Fr::from(1u64);
    let err = keys.policy.verify(&env).unwrap_err();
    assert!(
        err.to_string().contains("now is not a 64-bit integer"),
        "{err}"
    );
}
