//! `zkcredit prove`: refusals of false statements, membership proofs, paths and roots from a ledger.

use super::*;

#[test]
fn prover_refuses_a_failing_clause_expiry_and_missing_leaf() {
    let w = world();
    let strict = w.path("strict-policy.json");
    write(
        &strict,
        &serde_json::json!({"clauses": [
            {"coeffs": [0, 0, 0, 0, 0, 0, -1, 0], "constant": 0},
            {"coeffs": [1, 0, 0, 0, 0, 0, 0, 0], "constant": -900}
        ]}),
    );
    let out_path = w.path("never.json");
    let args = w.prove_args(&w.credential, &strict, &out_path);
    expect(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        1,
        &["refused", "clause 1 (score - 900 >= 0) fails"],
    );
    assert!(!out_path.exists(), "no proof written");
    let args = replace_flag(
        w.prove_args(&w.credential, &w.policy, &out_path),
        "--now",
        "1900000000",
    );
    expect(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        1,
        &["refused", "expired at 1900000000"],
    );
    let empty = w.path("reg-empty.json");
    write(
        &empty,
        &serde_json::json!({"format": "zkcredit-registry/v1", "depth": 4, "leaves": ["5"]}),
    );
    let args = replace_flag(
        w.prove_args(&w.credential, &w.policy, &out_path),
        "--registry",
        s(&empty),
    );
    expect(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        1,
        &["credential not in registry"],
    );
    // A registry of another depth than the keys: usage (2).
    let deep = w.path("reg-deep.json");
    write(
        &deep,
        &serde_json::json!({"format": "zkcredit-registry/v1", "depth": 8, "leaves": []}),
    );
    let args = replace_flag(
        w.prove_args(&w.credential, &w.policy, &out_path),
        "--registry",
        s(&deep),
    );
    expect(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        2,
        &["depth 8"],
    );
    assert!(!out_path.exists(), "no proof written");
}

#[test]
fn membership_round_trip() {
    let w = world();
    let members = w.path("members.json");
    expect(
        &[
            "registry",
            "add",
            s(&members),
            "--leaf",
            "77",
            "--depth",
            DEPTH,
        ],
        0,
        &["index"],
    );
    expect(
        &["registry", "add", s(&members), "--leaf", &w.commitment],
        0,
        &["\"index\":1"],
    );
    let proof = w.path("vote.json");
    let keys = s(&w.membership_keys);
    expect(
        &[
            "prove",
            "membership",
            "--keys",
            keys,
            "--identity",
            s(&w.identity),
            "--members",
            s(&members),
            "--scope",
            "proposal-9",
            "--signal",
            "yes",
            "--out",
            s(&proof),
        ],
        0,
        &["nullifier", "membership-d4"],
    );
    let base = [
        "verify",
        "--keys",
        keys,
        s(&proof),
        "--registry",
        s(&members),
        "--scope",
        "proposal-9",
    ];
    let mut ok = base.to_vec();
    ok.extend(["--signal", "yes"]);
    expect(&ok, 0, &["valid", "for what was required"]);
    let mut no = base.to_vec();
    no.extend(["--signal", "no"]);
    expect(&no, 1, &["another signal"]);
    let mut policy_flag = ok.clone();
    policy_flag.extend(["--issuer", "1"]);
    expect(&policy_flag, 2, &["--issuer", "membership-d4"]);
    // Not a member: refused by the prover.
    let outsider = w.path("members-other.json");
    expect(
        &[
            "registry",
            "add",
            s(&outsider),
            "--leaf",
            "78",
            "--depth",
            DEPTH,
        ],
        0,
        &[],
    );
    expect(
        &[
            "prove",
            "membership",
            "--keys",
            keys,
            "--identity",
            s(&w.identity),
            "--members",
            s(&outsider),
            "--scope",
            "p",
            "--signal",
            "s",
            "--out",
            s(&w.path("never-vote.json")),
        ],
        1,
        &["not a member"],
    );
}

#[test]
fn prove_takes_paths_and_roots_from_a_ledger() {
    use ark_serialize::CanonicalSerialize;
    use ed25519_dalek::SigningKey;
    use zkcredit_ledger::{Genesis, KeyRecord, Ledger, Params, Tx, TxBody};

    let w = world();
    let record = |dir: &Path| {
        let keys = zkcredit_prover::ProvingKeys::load(dir).unwrap();
        let mut vk = Vec::new();
        keys.verifier.vk().serialize_compressed(&mut vk).unwrap();
        KeyRecord {
            circuit: keys.id.to_string(),
            vk,
            insecure: true,
        }
    };
    let sk = |b: u8| SigningKey::from_bytes(&[b; 32]);
    let acct = |k: &SigningKey| k.verifying_key().to_bytes();
    let chain = "cli-ledger";
    let t0 = 1_750_000_000;
    let genesis = Genesis {
        params: Params::new(chain, 4, vec![acct(&sk(1)), acct(&sk(2))], 2),
        time: t0,
        keys: vec![record(&w.policy_keys), record(&w.membership_keys)],
    };
    let dir = w.path("ledger");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let credential: zkcredit_circuits::credential::Credential =
        serde_json::from_slice(&std::fs::read(&w.credential).unwrap()).unwrap();
    let identity = zkcredit_circuits::field::from_decimal(&w.commitment).unwrap();
    let root = {
        let mut ledger = Ledger::init(&dir, &genesis).unwrap();
        let register = Tx::sign(
            chain,
            &sk(1),
            0,
            TxBody::RegisterIssuer {
                issuer: credential.issuer,
                account: acct(&sk(10)),
                name: "bureau".into(),
            },
        )
        .cosign(chain, &sk(2));
        // Admission: any credential of this issuer and schema.
        let admission = zkcredit_ledger::PolicyRules {
            name: "admission".into(),
            clauses: vec![zkcredit_ledger::ClauseRule {
                coeffs: [0; 8],
                constant: 0,
                instalment_coeff: 0,
            }],
            issuer: credential.issuer,
            schema: credential.schema,
            max_credential_age: None,
            rate_bps: 0,
            max_amount: 1,
            max_term: 1,
            active: true,
        };
        let set = Tx::sign(
            chain,
            &sk(1),
            1,
            TxBody::SetPolicy {
                policy_id: 0,
                rules: admission,
            },
        )
        .cosign(chain, &sk(2));
        let open = Tx::sign(
            chain,
            &sk(1),
            2,
            TxBody::SetAdmission { policy_id: Some(0) },
        )
        .cosign(chain, &sk(2));
        let made = ledger
            .produce_block(t0 + 60, &[register, set, open])
            .unwrap();
        assert!(made.rejected.is_empty(), "{:?}", made.rejected);
        let attest = Tx::sign(
            chain,
            &sk(10),
            0,
            TxBody::Attest {
                commitment: credential.commitment(),
            },
        );
        let made = ledger.produce_block(t0 + 120, &[attest]).unwrap();
        assert!(made.rejected.is_empty(), "{:?}", made.rejected);
        // The member joins with an admission proof bound to its identity.
        let secret: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&w.identity).unwrap()).unwrap();
        let id = zkcredit_circuits::identity::Identity::from_secret(
            zkcredit_circuits::field::from_decimal(secret["secret"].as_str().unwrap()).unwrap(),
        );
        assert_eq!(id.commitment(), identity);
        // Plan, prove and sign through the client crate, as `zkcredit coop join` does.
        let mut session = zkcredit_client::Session::new(zkcredit_client::LocalChain::new(ledger))
            .with_policy_keys(zkcredit_prover::ProvingKeys::load(&w.policy_keys).unwrap());
        session.chain.set_time(Some(t0 + 180));
        let member = zkcredit_client::Member {
            key: sk(11),
            identity: Some(id),
        };
        let join = session.join(&member, &credential, 1_000_000).unwrap();
        let ledger = session.chain.ledger_mut();
        let made = ledger.produce_block(t0 + 180, &[join]).unwrap();
        assert!(made.rejected.is_empty(), "{:?}", made.rejected);
        ledger.credential_path(&credential.leaf()).unwrap().1
    };
    let root = zkcredit_circuits::field::to_decimal(&root);

    // prove policy --ledger DIR instead of --registry FILE; the proof is for the ledger's root
    let out = w.path("ledger-proof.json");
    let mut args = remove_flag(w.prove_args(&w.credential, &w.policy, &out), "--registry");
    args.extend(["--ledger".to_string(), s(&dir).to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let made = expect(&refs, 0, &["policy-d4-k8-c4"]);
    assert_eq!(json_out(&made)["root"], root.as_str());
    expect(
        &[
            "verify",
            "--keys",
            s(&w.policy_keys),
            s(&out),
            "--root",
            &root,
        ],
        0,
        &[],
    );
    // a credential the ledger never attested is refused, naming the ledger
    let mut args = remove_flag(w.prove_args(&w.credential2, &w.policy, &out), "--registry");
    args.extend(["--ledger".to_string(), s(&dir).to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    expect(&refs, 1, &["not in the registry of the ledger"]);
    // both a registry file and a ledger is a usage error
    let mut args = w.prove_args(&w.credential, &w.policy, &out);
    args.extend(["--ledger".to_string(), s(&dir).to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    expect(&refs, 2, &[]);

    // prove membership --ledger DIR: the member tree of the ledger
    let mout = w.path("ledger-membership.json");
    expect(
        &[
            "prove",
            "membership",
            "--keys",
            s(&w.membership_keys),
            "--identity",
            s(&w.identity),
            "--ledger",
            s(&dir),
            "--scope",
            "proposal-1",
            "--signal",
            "yes",
            "--out",
            s(&mout),
        ],
        0,
        &["membership-d4"],
    );
    expect(
        &["verify", "--keys", s(&w.membership_keys), s(&mout)],
        0,
        &[],
    );
}
