//! Block application throughput: proof-carrying loan applications per second, with the
//! block's proofs batch-verified, every rule checked and the block committed to redb
//! (immediate durability, two-phase commit).
//!
//! Setup (not measured): seeded keys at depth 12, a ledger with N members each holding an
//! attested credential and admitted with an admission proof, and N policy proofs with
//! distinct nullifiers. Proofs are cached in
//! the target directory (keyed by the verifying-key hash) because making them takes a while.
//! Each measured iteration opens a fresh copy of the prepared store and produces one block of
//! N applications.
//!
//! Run: `CARGO_TARGET_DIR=… cargo bench -p zkcredit-ledger --bench block_apply`.

use ark_serialize::CanonicalSerialize;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ed25519_dalek::SigningKey;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::PathBuf;
use zkcredit_circuits::credential::{Credential, SCHEMA_BUREAU_V1};
use zkcredit_circuits::identity::Identity;
use zkcredit_circuits::policy::Clause;
use zkcredit_circuits::statement::CircuitId;
use zkcredit_circuits::Fr;
use zkcredit_ledger::*;
use zkcredit_prover::{prove_policy, setup, PolicyInput, ProvingKeys};

const DEPTH: usize = 12;
const N: usize = 256;
const CHAIN: &str = "bench-coop";
const T0: u64 = 1_700_000_000;

fn record(k: &ProvingKeys) -> KeyRecord {
    let mut vk = Vec::new();
    k.verifier.vk().serialize_compressed(&mut vk).unwrap();
    KeyRecord {
        circuit: k.id.to_string(),
        vk,
        insecure: true,
    }
}

fn member_key(i: usize) -> SigningKey {
    let mut seed = [7u8; 32];
    seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
    SigningKey::from_bytes(&seed)
}

fn rules() -> PolicyRules {
    PolicyRules {
        name: "bench".into(),
        clauses: vec![ClauseRule {
            coeffs: Clause::at_least(0, 600).coeffs,
            constant: Clause::at_least(0, 600).constant,
            instalment_coeff: 0,
        }],
        issuer: Fr::from(77u64),
        schema: SCHEMA_BUREAU_V1,
        max_credential_age: None,
        rate_bps: 1_000,
        max_amount: 100_000,
        max_term: 12,
        active: true,
    }
}

/// Proofs of one kind, cached under the target dir by verifying-key hash.
fn cached(pk: &ProvingKeys, what: &str, make: impl FnOnce() -> Vec<ProofData>) -> Vec<ProofData> {
    let cache = target_dir().join(format!(
        "ledger-bench-{what}-proofs-d{DEPTH}-n{N}-{}.bin",
        &pk.verifier.vk_hash_hex()[..16]
    ));
    if let Some(p) = std::fs::read(&cache)
        .ok()
        .and_then(|b| codec::decode(&b).ok())
    {
        return p;
    }
    eprintln!("making {N} {what} proofs (cached in {})…", cache.display());
    let p = make();
    let _ = std::fs::write(&cache, codec::encode(&p));
    p
}

fn prove(
    pk: &ProvingKeys,
    ledger: &Ledger,
    id: &Identity,
    cred: &Credential,
    exp: &ExpectedPolicy,
    now: u64,
    rng: &mut ChaCha20Rng,
) -> ProofData {
    let (path, root) = ledger.credential_path(&cred.leaf()).unwrap();
    let env = prove_policy(
        pk,
        &PolicyInput {
            identity: id,
            credential: cred,
            path,
            root,
            policy: &exp.policy(),
            now,
            request: exp.request,
            scope: exp.scope,
            issued_after: exp.min_issued_after(now),
            holder_scope: Fr::from(0u64),
        },
        rng,
    )
    .unwrap();
    ProofData {
        public_inputs: env.public_inputs.clone(),
        proof: env.proof_bytes(),
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// Builds the prepared store in `dir` and returns the block's candidate transactions.
fn prepare(dir: &std::path::Path) -> (Vec<Tx>, u64) {
    let pk = setup(CircuitId::Policy { depth: DEPTH }, Some(1)).unwrap();
    let mk = setup(CircuitId::Membership { depth: DEPTH }, Some(2)).unwrap();
    let officer = SigningKey::from_bytes(&[1; 32]);
    let issuer = SigningKey::from_bytes(&[2; 32]);
    let mut params = Params::new(
        CHAIN,
        DEPTH as u32,
        vec![officer.verifying_key().to_bytes()],
        1,
    );
    params.auto_approve_limit = 100_000;
    let genesis = Genesis {
        params,
        time: T0,
        keys: vec![record(&pk), record(&mk)],
    };
    let mut ledger = Ledger::init(dir, &genesis).unwrap();
    let mut t = T0;
    let mut block = |l: &mut Ledger, txs: Vec<Tx>| {
        t += 60;
        let p = l.produce_block(t, &txs).unwrap();
        assert!(p.rejected.is_empty(), "{:?}", p.rejected[0]);
        t
    };
    block(
        &mut ledger,
        vec![
            Tx::sign(
                CHAIN,
                &officer,
                0,
                TxBody::RegisterIssuer {
                    issuer: rules().issuer,
                    account: issuer.verifying_key().to_bytes(),
                    name: "bureau".into(),
                },
            ),
            Tx::sign(
                CHAIN,
                &officer,
                1,
                TxBody::SetPolicy {
                    policy_id: 1,
                    rules: rules(),
                },
            ),
            Tx::sign(
                CHAIN,
                &officer,
                2,
                TxBody::SetAdmission { policy_id: Some(1) },
            ),
        ],
    );
    let ids: Vec<Identity> = (0..N)
        .map(|i| Identity::from_secret(Fr::from(1_000 + i as u64)))
        .collect();
    let creds: Vec<Credential> = ids
        .iter()
        .map(|id| Credential {
            schema: SCHEMA_BUREAU_V1,
            issuer: rules().issuer,
            subject: id.commitment(),
            attrs: [700, 1, 2, 3, 4, 5, 0, 7],
            issued_at: T0,
            expires_at: T0 + 10_000_000,
            salt: Fr::from(5u64),
        })
        .collect();
    let attests = (0..N)
        .map(|i| {
            Tx::sign(
                CHAIN,
                &issuer,
                i as u64,
                TxBody::Attest {
                    commitment: creds[i].commitment(),
                },
            )
        })
        .collect();
    let join_time = block(&mut ledger, attests) + 60;
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let join_proofs = cached(&pk, "join", || {
        (0..N)
            .map(|i| {
                let account = member_key(i).verifying_key().to_bytes();
                let exp = ledger
                    .state()
                    .expected_admission(&account, 0, ids[i].commitment(), 1_000_000)
                    .unwrap();
                prove(&pk, &ledger, &ids[i], &creds[i], &exp, join_time, &mut rng)
            })
            .collect()
    });
    let joins = join_proofs
        .into_iter()
        .enumerate()
        .map(|(i, proof)| {
            Tx::sign(
                CHAIN,
                &member_key(i),
                0,
                TxBody::Join {
                    identity: ids[i].commitment(),
                    deposit: 1_000_000,
                    proof,
                },
            )
        })
        .collect();
    let now = block(&mut ledger, joins) + 60;
    let proofs = cached(&pk, "apply", || {
        (0..N)
            .map(|i| {
                let account = member_key(i).verifying_key().to_bytes();
                let exp = ledger
                    .state()
                    .expected_application(&account, 1, 1, 50_000, 6, 1_000, now)
                    .unwrap();
                prove(&pk, &ledger, &ids[i], &creds[i], &exp, now, &mut rng)
            })
            .collect()
    });
    let txs = proofs
        .into_iter()
        .enumerate()
        .map(|(i, proof)| {
            Tx::sign(
                CHAIN,
                &member_key(i),
                1,
                TxBody::ApplyLoan {
                    policy_id: 1,
                    amount: 50_000,
                    term: 6,
                    rate_bps: 1_000,
                    proof,
                },
            )
        })
        .collect();
    (txs, now)
}

fn bench(c: &mut Criterion) {
    let base = tempfile::tempdir().unwrap();
    let prepared = base.path().join("prepared");
    let (txs, now) = prepare(&prepared);
    let mut g = c.benchmark_group("ledger");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    let mut run = 0u32;
    g.bench_function(format!("block of {N} proof-carrying applications"), |b| {
        b.iter_batched(
            || {
                run += 1;
                let dir = base.path().join(format!("run{run}"));
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::copy(prepared.join(DB_FILE), dir.join(DB_FILE)).unwrap();
                Ledger::open(&dir).unwrap()
            },
            |mut ledger| {
                let p = ledger.produce_block(now, &txs).unwrap();
                assert_eq!(p.block.txs.len(), N, "{:?}", p.rejected.first());
                ledger
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
