//! The circuits crate's one integration test binary: reference vectors, native/in-circuit
//! agreement, constraint budgets, and the soundness suite.

use ark_ff::{AdditiveGroup, Field, PrimeField};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkcredit_circuits::circuit::{
    Layout, MembershipCircuit, MembershipWitness, PolicyCircuit, PolicyWitness,
};
use zkcredit_circuits::credential::{registry_leaf, SCHEMA_BUREAU_V1};
use zkcredit_circuits::gadgets;
use zkcredit_circuits::prelude::*;
use zkcredit_circuits::{field, merkle, poseidon};

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn rand_fr(r: &mut impl Rng) -> Fr {
    let mut b = [0u8; 64];
    r.fill(&mut b[..]);
    Fr::from_le_bytes_mod_order(&b)
}

// ---------------------------------------------------------------------------------------
// Poseidon: circomlib reference vectors, natively and in-circuit, in every allocation mode
// ---------------------------------------------------------------------------------------

fn vectors() -> Vec<(Vec<Fr>, Fr)> {
    let text = include_str!("vectors/poseidon_circomlib.json");
    let json: serde_json::Value = serde_json::from_str(text).expect("vector file parses");
    json["vectors"]
        .as_array()
        .expect("vectors array")
        .iter()
        .map(|v| {
            let inputs = v["inputs"]
                .as_array()
                .expect("inputs")
                .iter()
                .map(|x| field::from_decimal(x.as_str().expect("string")).expect("field element"))
                .collect();
            let hash = field::from_decimal(v["hash"].as_str().expect("hash")).expect("hash");
            (inputs, hash)
        })
        .collect()
}

#[test]
fn vendored_vectors_match_shared_copy() {
    // The vectors are vendored so that a clone tests on its own; if the shared reference sits
    // beside the repository, it must be the same file.
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/poseidon_circomlib.json"
    );
    if let Ok(text) = std::fs::read_to_string(shared) {
        assert_eq!(text, include_str!("vectors/poseidon_circomlib.json"));
    }
}

#[test]
fn poseidon_native_matches_circomlib_vectors() {
    let v = vectors();
    assert_eq!(v.len(), 32);
    for arity in 1..=16 {
        assert!(
            v.iter().any(|(i, _)| i.len() == arity),
            "arity {arity} covered"
        );
    }
    for (inputs, expected) in v {
        assert_eq!(
            poseidon::hash(&inputs).unwrap(),
            expected,
            "arity {}",
            inputs.len()
        );
    }
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    Constant,
    Input,
    Witness,
}

fn alloc(cs: &ConstraintSystemRef<Fr>, x: Fr, mode: Mode) -> FpVar<Fr> {
    match mode {
        Mode::Constant => FpVar::Constant(x),
        Mode::Input => FpVar::new_input(cs.clone(), || Ok(x)).unwrap(),
        Mode::Witness => FpVar::new_witness(cs.clone(), || Ok(x)).unwrap(),
    }
}

#[test]
fn poseidon_gadget_matches_circomlib_vectors_in_every_mode() {
    for mode in [Mode::Constant, Mode::Input, Mode::Witness] {
        for (inputs, expected) in vectors() {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let vars: Vec<_> = inputs.iter().map(|x| alloc(&cs, *x, mode)).collect();
            let out = gadgets::poseidon::hash(&vars).unwrap();
            assert_eq!(
                out.value().unwrap(),
                expected,
                "{mode:?} arity {}",
                inputs.len()
            );
            assert!(cs.is_satisfied().unwrap());
            if matches!(mode, Mode::Constant) {
                assert_eq!(cs.num_constraints(), 0, "constants hash natively");
                assert!(matches!(out, FpVar::Constant(_)));
            } else {
                let n = inputs.len();
                let expected = 3 * (8 * (n + 1) + poseidon::PARTIAL_ROUNDS[n - 1] - 1);
                assert_eq!(cs.num_constraints(), expected, "arity {n}");
            }
        }
    }
}

#[test]
fn poseidon_rejects_bad_arity() {
    assert!(poseidon::hash(&[]).is_err());
    assert!(poseidon::hash(&[Fr::ONE; 17]).is_err());
    assert!(gadgets::poseidon::hash(&[]).is_err());
}

/// Whether `z = (1, instance, witness)` satisfies the finalized R1CS matrices of `cs`,
/// evaluated independently of arkworks' cached linear-combination values (which do not
/// follow a tampered witness).
fn r1cs_satisfied(cs: &ConstraintSystemRef<Fr>, witness: &[Fr]) -> bool {
    let matrices = cs.to_matrices().unwrap();
    let m = &matrices["R1CS"];
    let mut z = cs.instance_assignment().unwrap();
    z.extend_from_slice(witness);
    let eval = |row: &Vec<(Fr, usize)>| row.iter().map(|(c, i)| *c * z[*i]).sum::<Fr>();
    (0..m[0].len()).all(|r| eval(&m[0][r]) * eval(&m[1][r]) == eval(&m[2][r]))
}

#[test]
fn poseidon_gadget_output_is_bound() {
    // Changing one S-box output in the witness must break the system.
    let cs = ConstraintSystem::<Fr>::new_ref();
    let a = alloc(&cs, Fr::from(5u64), Mode::Witness);
    let b = alloc(&cs, Fr::from(7u64), Mode::Witness);
    let _ = gadgets::poseidon::hash(&[a, b]).unwrap();
    cs.finalize();
    assert!(cs.is_satisfied().unwrap());
    let w = cs.witness_assignment().unwrap();
    assert!(r1cs_satisfied(&cs, &w));
    for i in 0..w.len() {
        let mut bad = w.clone();
        bad[i] += Fr::ONE;
        assert!(!r1cs_satisfied(&cs, &bad), "witness {i} is constrained");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn poseidon_native_and_gadget_agree(seed in any::<u64>(), arity in 1usize..=16) {
        let mut r = rng(seed);
        let inputs: Vec<Fr> = (0..arity).map(|_| rand_fr(&mut r)).collect();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars: Vec<_> = inputs.iter().map(|x| alloc(&cs, *x, Mode::Witness)).collect();
        let out = gadgets::poseidon::hash(&vars).unwrap();
        prop_assert_eq!(out.value().unwrap(), poseidon::hash(&inputs).unwrap());
        prop_assert!(cs.is_satisfied().unwrap());
    }

    #[test]
    fn merkle_native_and_gadget_agree(seed in any::<u64>(), levels in 1usize..=6, n in 1u64..80) {
        let depth = 2 * levels;
        let mut r = rng(seed);
        let leaves: Vec<Fr> = (0..n.min(1 << depth)).map(|_| rand_fr(&mut r)).collect();
        let tree = MerkleTree::from_leaves(depth, &leaves).unwrap();
        let index = r.gen_range(0..leaves.len() as u64);
        let path = tree.path(index).unwrap();
        prop_assert_eq!(path.root(leaves[index as usize]), tree.root());
        let cs = ConstraintSystem::<Fr>::new_ref();
        let leaf = alloc(&cs, leaves[index as usize], Mode::Witness);
        let pv = gadgets::merkle::MerklePathVar::new_witness(cs.clone(), depth, Some(&path)).unwrap();
        let root = pv.root(&leaf).unwrap();
        prop_assert_eq!(root.value().unwrap(), tree.root());
        prop_assert!(cs.is_satisfied().unwrap());
        prop_assert_eq!(cs.num_constraints(), levels * 301);
    }
}

// ---------------------------------------------------------------------------------------
// Native Merkle tree
// ---------------------------------------------------------------------------------------

#[test]
fn merkle_tree_append_update_and_rebuild_agree() {
    let mut r = rng(7);
    let mut tree = MerkleTree::new(8).unwrap();
    assert_eq!(tree.root(), merkle::zero_hashes()[4], "8 bits: 4 levels");
    let mut leaves = Vec::new();
    for _ in 0..37 {
        let leaf = rand_fr(&mut r);
        let i = tree.append(leaf).unwrap();
        assert_eq!(i, leaves.len() as u64);
        leaves.push(leaf);
        assert_eq!(
            tree.root(),
            MerkleTree::from_leaves(8, &leaves).unwrap().root()
        );
    }
    // Revocation: the leaf becomes 0, the root changes, every path still opens.
    let before = tree.root();
    tree.update(5, Fr::ZERO).unwrap();
    leaves[5] = Fr::ZERO;
    assert_ne!(tree.root(), before);
    assert_eq!(
        tree.root(),
        MerkleTree::from_leaves(8, &leaves).unwrap().root()
    );
    for (i, leaf) in leaves.iter().enumerate() {
        assert_eq!(tree.path(i as u64).unwrap().root(*leaf), tree.root());
    }
    assert_eq!(tree.position(&leaves[9]), Some(9));
    assert!(tree.path(37).is_err());
    assert!(tree.update(37, Fr::ONE).is_err());
}

#[test]
fn merkle_tree_limits() {
    assert!(MerkleTree::new(0).is_err());
    assert!(MerkleTree::new(33).is_err());
    let mut t = MerkleTree::new(2).unwrap();
    for i in 0..4u64 {
        t.append(Fr::from(i + 1)).unwrap();
    }
    assert!(matches!(t.append(Fr::ONE), Err(Error::TreeFull { .. })));
    assert!(MerkleTree::from_leaves(2, &[Fr::ONE; 5]).is_err());
    // A depth-32 tree works and its empty root is the zero hash.
    let t = MerkleTree::new(32).unwrap();
    assert_eq!(t.root(), merkle::zero_hashes()[16]);
    // Depth is the capacity in bits of a 4-ary tree: odd depths do not exist.
    assert!(MerkleTree::new(7).is_err());
}

// ---------------------------------------------------------------------------------------
// Statements, ids, request binding, native policy evaluation
// ---------------------------------------------------------------------------------------

#[test]
fn circuit_ids_round_trip() {
    for id in [
        CircuitId::Policy { depth: 20 },
        CircuitId::Membership { depth: 8 },
    ] {
        assert_eq!(id.to_string().parse::<CircuitId>().unwrap(), id);
    }
    assert_eq!(
        CircuitId::Policy { depth: 20 }.to_string(),
        "policy-d20-k8-c4"
    );
    assert_eq!(
        CircuitId::Membership { depth: 20 }.to_string(),
        "membership-d20"
    );
    for bad in [
        "policy-d20",
        "policy-d020-k8-c4",
        "membership-d0",
        "membership-d33",
        "membership-d7",
        "policy-d21-k8-c4",
        "x",
        "policy-d20-k9-c4",
    ] {
        assert!(bad.parse::<CircuitId>().is_err(), "{bad}");
    }
    assert_eq!(
        CircuitId::Policy { depth: 20 }.public_input_names().len(),
        46
    );
}

#[test]
fn request_binding_is_pinned_and_sensitive_to_every_field() {
    let req = LoanRequest {
        chain_id: "zkcredit-test".into(),
        account: "alice".into(),
        amount: 1_000_000,
        term: 12,
        rate_bps: 900,
        policy_id: 1,
        nonce: 42,
    };
    let b = req.binding();
    // Golden value: changes only with a deliberate change of the transcript.
    assert_eq!(
        field::to_decimal(&b),
        "19657690009900742583174840891315072827584970002111207175872587373126679305334"
    );
    let variants = [
        LoanRequest {
            chain_id: "other".into(),
            ..req.clone()
        },
        LoanRequest {
            account: "bob".into(),
            ..req.clone()
        },
        LoanRequest {
            amount: 1_000_001,
            ..req.clone()
        },
        LoanRequest {
            term: 13,
            ..req.clone()
        },
        LoanRequest {
            rate_bps: 901,
            ..req.clone()
        },
        LoanRequest {
            policy_id: 2,
            ..req.clone()
        },
        LoanRequest {
            nonce: 43,
            ..req.clone()
        },
    ];
    for v in variants {
        assert_ne!(v.binding(), b, "{v:?}");
    }
}

#[test]
fn field_conversions_are_strict() {
    assert_eq!(field::from_i64(-1), -Fr::ONE);
    assert_eq!(field::to_i64(&field::from_i64(i64::MIN)), Some(i64::MIN));
    assert_eq!(
        field::to_i128(&field::from_i128(i128::MIN)),
        Some(i128::MIN)
    );
    assert_eq!(
        field::to_i128(&field::from_i128(i128::MAX)),
        Some(i128::MAX)
    );
    let p = Fr::MODULUS.to_string();
    assert!(field::from_decimal(&p).is_err());
    assert!(field::from_decimal("01").is_err());
    assert!(field::from_decimal("-1").is_err());
    assert!(field::from_decimal("+1").is_err());
    assert!(field::from_decimal("").is_err());
    assert!(field::from_decimal(" 1").is_err());
    assert_eq!(field::from_decimal("0").unwrap(), Fr::ZERO);
    let pm1 = field::to_decimal(&(-Fr::ONE));
    assert_eq!(field::from_decimal(&pm1).unwrap(), -Fr::ONE);
}

// ---------------------------------------------------------------------------------------
// The policy circuit
// ---------------------------------------------------------------------------------------

const DEPTH: usize = 20;
const NOW: u64 = 1_760_000_000;
const INSTALMENT: i128 = 50_000;
/// A lender's holder scope (a pseudonym), as most tests use it.
const HOLDER_SCOPE: Fr = ark_ff::MontFp!("31337");

/// A bureau-v1 applicant who meets a four-clause policy, in a registry with other leaves.
struct Fixture {
    identity: Identity,
    credential: Credential,
    policy: Policy,
    scope: Fr,
    request: Fr,
    tree: MerkleTree,
    index: u64,
}

fn bureau_policy() -> Policy {
    Policy::new(vec![
        // score >= 650
        Clause::at_least(0, 650),
        // debt-to-income after the new instalment at most 36 %
        Clause {
            coeffs: [0, 3600, -10000, 0, 0, 0, 0, 0],
            constant: -INSTALMENT * 10000,
        },
        // reserves: balance >= 3 * instalment
        Clause {
            coeffs: [0, 0, 0, 1, 0, 0, 0, 0],
            constant: -3 * INSTALMENT,
        },
        // no defaults and at least 12 on-time payments: -defaults*2^40 + on_time - 12 >= 0
        Clause {
            coeffs: [0, 0, 0, 0, 1, 0, -(1 << 40), 0],
            constant: -12,
        },
    ])
    .unwrap()
}

impl Fixture {
    fn new() -> Self {
        let mut r = rng(1);
        let identity = Identity::random(&mut r);
        let issuer = Fr::from(1001u64);
        let credential = Credential {
            schema: SCHEMA_BUREAU_V1,
            issuer,
            subject: identity.commitment(),
            attrs: [720, 500_000, 100_000, 2_000_000, 36, 1, 0, 48],
            issued_at: NOW - 86_400,
            expires_at: NOW + 30 * 86_400,
            salt: rand_fr(&mut r),
        };
        let mut tree = MerkleTree::new(DEPTH).unwrap();
        for _ in 0..5 {
            tree.append(rand_fr(&mut r)).unwrap();
        }
        let index = tree.append(credential.leaf()).unwrap();
        tree.append(rand_fr(&mut r)).unwrap();
        Self {
            identity,
            credential,
            policy: bureau_policy(),
            scope: Fr::from(77u64),
            request: rand_fr(&mut r),
            tree,
            index,
        }
    }

    fn statement(&self) -> PolicyStatement {
        PolicyStatement {
            root: self.tree.root(),
            issuer: self.credential.issuer,
            schema: SCHEMA_BUREAU_V1,
            now: NOW,
            issued_after: NOW - 7 * 86_400,
            clauses: self.policy.padded().unwrap(),
            request: self.request,
            scope: self.scope,
            nullifier: self.identity.nullifier(self.scope),
            holder_scope: HOLDER_SCOPE,
            holder: self.identity.holder(HOLDER_SCOPE),
        }
    }

    fn witness(&self) -> PolicyWitness {
        PolicyWitness::new(
            self.identity.secret(),
            &self.credential,
            self.tree.path(self.index).unwrap(),
        )
    }

    /// Puts a (possibly malicious) witness's credential leaf into the registry, as a careless
    /// or hostile issuer would, and returns the matching path and statement.
    fn attest_raw(&mut self, w: &mut PolicyWitness, st: &mut PolicyStatement) {
        let leaf = registry_leaf(
            st.issuer,
            poseidon::hash(&w.commitment_inputs(st.schema)).unwrap(),
        );
        let index = self.tree.append(leaf).unwrap();
        w.path = self.tree.path(index).unwrap();
        st.root = self.tree.root();
    }
}

/// Synthesizes and returns the section of the first unsatisfied constraint, or `None`.
fn policy_violation(st: PolicyStatement, w: PolicyWitness) -> Option<String> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let layout = PolicyCircuit::new(DEPTH, st, w)
        .unwrap()
        .synthesize(cs.clone())
        .unwrap();
    if cs.is_satisfied().unwrap() {
        None
    } else {
        Some(
            layout
                .first_unsatisfied(&cs)
                .unwrap_or_else(|| "unknown".into()),
        )
    }
}

fn constraint_count(id: CircuitId) -> (usize, usize, usize, Layout) {
    let s = zkcredit_circuits::circuit::stats(id).unwrap();
    assert_eq!(s.public_inputs, id.num_public_inputs());
    (
        s.constraints,
        s.public_inputs,
        s.witness_variables,
        s.layout,
    )
}

#[test]
fn constraint_budgets_are_pinned() {
    let (n, inputs, _, layout) = constraint_count(CircuitId::Policy { depth: 20 });
    // 8 x 65 attribute bits, 2 x 65 expiry, 65 freshness, Poseidon 213 + 543 + 240,
    // 10 x 301 path + 1, 4 x 140 clauses, 240 + 1 nullifier, 240 + 3 holder, 1 request.
    assert_eq!(n, 5767, "policy-d20-k8-c4 constraints changed: {layout:#?}");
    assert!(n <= 5900, "issue 8's budget for the 4-ary policy circuit");
    assert_eq!(inputs, 46);
    assert!(n + inputs < 8192, "stays inside an 8192 evaluation domain");
    assert_eq!(
        layout
            .sections
            .iter()
            .map(|s| s.constraints.len())
            .sum::<usize>(),
        n
    );

    let (n, inputs, _, _) = constraint_count(CircuitId::Membership { depth: 20 });
    // Poseidon(s) 213, 10 x 301 path + 1, nullifier 240 + 1, signal 1.
    assert_eq!(n, 3466, "membership-d20 constraints changed");
    assert!(
        n <= 3800,
        "issue 8's budget for the 4-ary membership circuit"
    );
    assert_eq!(inputs, 4);

    for depth in [2, 10, 16, 32] {
        let (p, _, _, _) = constraint_count(CircuitId::Policy { depth });
        assert_eq!(p, 5767 - 10 * 301 + depth / 2 * 301, "policy depth {depth}");
        let (m, _, _, _) = constraint_count(CircuitId::Membership { depth });
        assert_eq!(
            m,
            3466 - 10 * 301 + depth / 2 * 301,
            "membership depth {depth}"
        );
    }
}

#[test]
fn honest_policy_witness_satisfies() {
    let f = Fixture::new();
    assert!(f
        .policy
        .check(SCHEMA_BUREAU_V1, &f.credential.attrs)
        .is_ok());
    assert_eq!(policy_violation(f.statement(), f.witness()), None);
    // Fewer clauses are padded with the always-true clause.
    let mut st = f.statement();
    st.clauses = Policy::new(vec![Clause::at_least(0, 700)])
        .unwrap()
        .padded()
        .unwrap();
    assert_eq!(policy_violation(st, f.witness()), None);
}

#[test]
fn setup_and_prove_synthesis_agree() {
    let f = Fixture::new();
    let (setup_n, _, setup_w, _) = constraint_count(CircuitId::Policy { depth: DEPTH });
    let cs = ConstraintSystem::<Fr>::new_ref();
    PolicyCircuit::new(DEPTH, f.statement(), f.witness())
        .unwrap()
        .synthesize(cs.clone())
        .unwrap();
    cs.finalize();
    assert_eq!(cs.num_constraints(), setup_n);
    assert_eq!(cs.num_witness_variables(), setup_w);
    assert_eq!(
        cs.instance_assignment().unwrap()[1..].to_vec(),
        f.statement().public_inputs()
    );
}

#[test]
fn clause_failing_by_one_is_unsatisfied() {
    let f = Fixture::new();
    for c in 0..4 {
        let mut st = f.statement();
        // Raise the constant until the clause's value is exactly -1.
        let value = st.clauses[c].evaluate(&f.credential.attrs);
        let slack = i128::try_from(value).unwrap();
        st.clauses[c].constant -= slack + 1;
        assert_eq!(
            policy_violation(st.clone(), f.witness()),
            Some(format!("clause {c}"))
        );
        // ... and exactly 0 still holds: the boundary is >= 0.
        st.clauses[c].constant += 1;
        assert_eq!(policy_violation(st, f.witness()), None, "clause {c} at 0");
    }
    // Score 649 against score >= 650, with an honestly attested credential.
    let mut f2 = Fixture::new();
    let mut st = f2.statement();
    let mut w = f2.witness();
    w.attrs[0] = Fr::from(649u64);
    f2.attest_raw(&mut w, &mut st);
    assert_eq!(policy_violation(st, w), Some("clause 0".into()));
    // A changed coefficient that makes a clause fail.
    let mut st = f.statement();
    st.clauses[1].coeffs[1] = 2000;
    assert_eq!(policy_violation(st, f.witness()), Some("clause 1".into()));
}

#[test]
fn out_of_range_attributes_are_rejected_even_when_attested() {
    // An issuer (careless or colluding) attests attributes outside 64 bits. The range checks
    // must stop them from faking a clause.
    let two_64 = Fr::from(u64::MAX) + Fr::ONE;
    let cases = [
        // income 2^64: huge income passes the debt-to-income clause
        (1usize, two_64),
        // debt p - 1e9, i.e. "-1e9": makes the debt term positive
        (2, -Fr::from(1_000_000_000u64)),
        // defaults p - 1, i.e. "-1": makes -defaults positive
        (6, -Fr::ONE),
        // score p - 1
        (0, -Fr::ONE),
    ];
    for (j, value) in cases {
        let mut f = Fixture::new();
        let mut st = f.statement();
        let mut w = f.witness();
        w.attrs[j] = value;
        f.attest_raw(&mut w, &mut st);
        assert_eq!(
            policy_violation(st, w),
            Some(format!("attribute {j} range")),
            "attribute {j}"
        );
    }
    // expires_at beyond 64 bits
    let mut f = Fixture::new();
    let mut st = f.statement();
    let mut w = f.witness();
    w.expires_at = two_64 + Fr::from(5u64);
    f.attest_raw(&mut w, &mut st);
    assert_eq!(policy_violation(st, w), Some("expires_at range".into()));
}

#[test]
fn expired_credentials_are_rejected_and_the_boundary_is_exclusive() {
    let f = Fixture::new();
    let expires = f.credential.expires_at;
    for (now, ok) in [
        (expires - 1, true),
        (expires, false),
        (expires + 1, false),
        (expires + 10_000_000, false),
        (0, true),
    ] {
        let mut st = f.statement();
        st.now = now;
        let expect = if ok { None } else { Some("expiry".to_string()) };
        assert_eq!(policy_violation(st, f.witness()), expect, "now = {now}");
        assert_eq!(f.credential.is_valid_at(now), ok);
    }
}

#[test]
fn registry_rules_are_enforced() {
    let f = Fixture::new();
    // wrong sibling
    let mut w = f.witness();
    w.path.siblings[3][1] += Fr::ONE;
    assert_eq!(
        policy_violation(f.statement(), w),
        Some("merkle path".into())
    );
    // wrong position bits (inside the pair, and between the pairs)
    for level in [0, 4, 19] {
        let mut w = f.witness();
        w.path.index ^= 1 << level;
        assert_eq!(
            policy_violation(f.statement(), w),
            Some("merkle path".into()),
            "level {level}"
        );
    }
    // wrong leaf: a credential that was never attested (different salt)
    let mut w = f.witness();
    w.salt += Fr::ONE;
    assert_eq!(
        policy_violation(f.statement(), w),
        Some("merkle path".into())
    );
    // wrong issuer: the same credential claimed under another issuer id
    let mut st = f.statement();
    st.issuer = Fr::from(1002u64);
    assert_eq!(
        policy_violation(st, f.witness()),
        Some("merkle path".into())
    );
    // wrong root: an unrelated root, and the root from before the credential was attested
    let mut st = f.statement();
    st.root = Fr::from(123u64);
    assert_eq!(
        policy_violation(st, f.witness()),
        Some("merkle path".into())
    );
    let old = MerkleTree::from_leaves(DEPTH, &f.tree.leaves()[..f.index as usize]).unwrap();
    let mut st = f.statement();
    st.root = old.root();
    assert_eq!(
        policy_violation(st, f.witness()),
        Some("merkle path".into())
    );
    // revoked: the leaf set to 0 — the new root no longer opens to the credential
    let mut revoked = f.tree.clone();
    revoked.update(f.index, Fr::ZERO).unwrap();
    let mut st = f.statement();
    st.root = revoked.root();
    let mut w = f.witness();
    w.path = revoked.path(f.index).unwrap();
    assert_eq!(policy_violation(st, w), Some("merkle path".into()));
}

#[test]
fn identity_and_nullifier_rules_are_enforced() {
    let f = Fixture::new();
    // a secret that does not match the credential's subject
    let mut w = f.witness();
    w.secret += Fr::ONE;
    let mut st = f.statement();
    st.nullifier = identity::nullifier(w.secret, f.scope);
    assert_eq!(policy_violation(st, w), Some("merkle path".into()));
    // a wrong nullifier
    let mut st = f.statement();
    st.nullifier += Fr::ONE;
    assert_eq!(policy_violation(st, f.witness()), Some("nullifier".into()));
    // a changed scope with the old nullifier
    let mut st = f.statement();
    st.scope += Fr::ONE;
    assert_eq!(policy_violation(st, f.witness()), Some("nullifier".into()));
}

use zkcredit_circuits::identity;

#[test]
fn every_policy_witness_variable_is_constrained() {
    // Perturb witness variables one at a time (a sample spread over the whole range): each
    // change must break some constraint. An unconstrained witness would be a soundness bug.
    let f = Fixture::new();
    let cs = ConstraintSystem::<Fr>::new_ref();
    PolicyCircuit::new(DEPTH, f.statement(), f.witness())
        .unwrap()
        .synthesize(cs.clone())
        .unwrap();
    cs.finalize();
    assert!(cs.is_satisfied().unwrap());
    let w = cs.witness_assignment().unwrap();
    assert!(r1cs_satisfied(&cs, &w));
    let n = w.len();
    let mut r = rng(99);
    let mut sample: Vec<usize> = (0..40).map(|_| r.gen_range(0..n)).collect();
    // include the first witnesses (secret, credential fields) and the last (request square)
    sample.extend(0..14);
    sample.push(n - 1);
    for i in sample {
        let old = w[i];
        // flip a bit-valued witness to its other value, shift any other
        let new = if old == Fr::ZERO {
            Fr::ONE
        } else if old == Fr::ONE {
            Fr::ZERO
        } else {
            old + Fr::from(3u64)
        };
        let mut bad = w.clone();
        bad[i] = new;
        assert!(
            !r1cs_satisfied(&cs, &bad),
            "witness variable {i} is unconstrained"
        );
    }
}

#[test]
fn merkle_swaps_must_place_the_node_among_its_siblings() {
    // A prover who feeds a third value into the pair (everything after it computed honestly
    // from that value) violates exactly the pair-swap constraint of that level; one who uses
    // a non-boolean pair-swap bit violates exactly its booleanity constraint.
    use gadgets::merkle::Tamper;
    let mut r = rng(5);
    let leaves: Vec<Fr> = (0..23).map(|_| rand_fr(&mut r)).collect();
    let tree = MerkleTree::from_leaves(8, &leaves).unwrap();
    let path = tree.path(13).unwrap();
    for level in 0..4 {
        for (tamper, offset) in [
            (Tamper::PairFirst(Fr::from(12345u64)), 0),
            (Tamper::PairBit(Fr::from(2u64)), 1),
        ] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let leaf = alloc(&cs, leaves[13], Mode::Witness);
            let mut pv =
                gadgets::merkle::MerklePathVar::new_witness(cs.clone(), 8, Some(&path)).unwrap();
            pv.tamper(level, tamper);
            let _ = pv.root(&leaf).unwrap();
            let which = cs.which_is_unsatisfied().unwrap().unwrap();
            assert_eq!(
                which,
                format!("R1CS - {}", level * 301 + offset),
                "level {level}, {tamper:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// The membership circuit
// ---------------------------------------------------------------------------------------

fn membership_fixture() -> (Identity, MerkleTree, u64) {
    let mut r = rng(3);
    let id = Identity::random(&mut r);
    let mut tree = MerkleTree::new(DEPTH).unwrap();
    for _ in 0..3 {
        tree.append(Identity::random(&mut r).commitment()).unwrap();
    }
    let index = tree.append(id.commitment()).unwrap();
    tree.append(Identity::random(&mut r).commitment()).unwrap();
    (id, tree, index)
}

fn membership_violation(st: MembershipStatement, w: MembershipWitness) -> Option<String> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let layout = MembershipCircuit::new(DEPTH, st, w)
        .unwrap()
        .synthesize(cs.clone())
        .unwrap();
    if cs.is_satisfied().unwrap() {
        None
    } else {
        Some(
            layout
                .first_unsatisfied(&cs)
                .unwrap_or_else(|| "unknown".into()),
        )
    }
}

#[test]
fn membership_soundness() {
    let (id, tree, index) = membership_fixture();
    let scope = Fr::from(9u64);
    let st = MembershipStatement {
        root: tree.root(),
        scope,
        nullifier: id.nullifier(scope),
        signal: Fr::from(1u64),
    };
    let w = MembershipWitness {
        secret: id.secret(),
        path: tree.path(index).unwrap(),
    };
    assert_eq!(membership_violation(st.clone(), w.clone()), None);
    // any signal is fine for the circuit; the proof binds it (checked with real proofs)
    assert_eq!(
        membership_violation(
            MembershipStatement {
                signal: Fr::from(2u64),
                ..st.clone()
            },
            w.clone()
        ),
        None
    );

    let mut bad = w.clone();
    bad.path.siblings[0][2] += Fr::ONE;
    assert_eq!(
        membership_violation(st.clone(), bad),
        Some("merkle path".into())
    );
    let mut bad = w.clone();
    bad.path.index ^= 2;
    assert_eq!(
        membership_violation(st.clone(), bad),
        Some("merkle path".into())
    );
    let mut bad = w.clone();
    bad.secret += Fr::ONE;
    assert_eq!(
        membership_violation(st.clone(), bad),
        Some("merkle path".into())
    );
    assert_eq!(
        membership_violation(
            MembershipStatement {
                root: Fr::from(5u64),
                ..st.clone()
            },
            w.clone()
        ),
        Some("merkle path".into())
    );
    assert_eq!(
        membership_violation(
            MembershipStatement {
                nullifier: st.nullifier + Fr::ONE,
                ..st.clone()
            },
            w.clone()
        ),
        Some("nullifier".into())
    );
    assert_eq!(
        membership_violation(
            MembershipStatement {
                scope: scope + Fr::ONE,
                ..st.clone()
            },
            w.clone()
        ),
        Some("nullifier".into())
    );
    // A non-member: an identity whose commitment is not in the tree, with a real path.
    let outsider = Identity::from_secret(Fr::from(424242u64));
    let bad = MembershipWitness {
        secret: outsider.secret(),
        path: tree.path(index).unwrap(),
    };
    let st2 = MembershipStatement {
        nullifier: outsider.nullifier(scope),
        ..st
    };
    assert_eq!(membership_violation(st2, bad), Some("merkle path".into()));
}

#[test]
fn statements_round_trip_through_public_inputs() {
    let f = Fixture::new();
    let st = f.statement();
    let x = st.public_inputs();
    assert_eq!(x.len(), 46);
    assert_eq!(x[0], st.root);
    assert_eq!(x[1], st.issuer);
    assert_eq!(x[2], Fr::from(SCHEMA_BUREAU_V1));
    assert_eq!(x[3], Fr::from(NOW));
    assert_eq!(x[4], Fr::from(NOW - 7 * 86_400));
    assert_eq!(x[5 + 8 + 2], field::from_i64(-10000), "a[1][2]");
    assert_eq!(x[37 + 1], field::from_i128(-INSTALMENT * 10000), "b[1]");
    assert_eq!(x[41], st.request);
    assert_eq!(x[42], st.scope);
    assert_eq!(x[43], st.nullifier);
    assert_eq!(x[44], HOLDER_SCOPE);
    assert_eq!(x[45], st.holder);
    let names = CircuitId::Policy { depth: DEPTH }.public_input_names();
    use zkcredit_circuits::statement::policy_index as at;
    for (i, name) in [
        (at::ROOT, "root"),
        (at::ISSUER, "issuer"),
        (at::SCHEMA, "schema"),
        (at::NOW, "now"),
        (at::ISSUED_AFTER, "issued_after"),
        (at::COEFFS + 8 + 2, "a[1][2]"),
        (at::CONSTANTS + 1, "b[1]"),
        (at::REQUEST, "request"),
        (at::SCOPE, "scope"),
        (at::NULLIFIER, "nullifier"),
        (at::HOLDER_SCOPE, "holder_scope"),
        (at::HOLDER, "holder"),
    ] {
        assert_eq!(names[i], name, "input {i}");
    }
    assert_eq!(PolicyStatement::from_public_inputs(&x).unwrap(), st);
    let mut bad = x.clone();
    bad[3] = -Fr::ONE;
    assert!(
        PolicyStatement::from_public_inputs(&bad).is_err(),
        "now must be a u64"
    );
    for i in [2, 4] {
        let mut bad = x.clone();
        bad[i] = Fr::from(u64::MAX) + Fr::ONE;
        assert!(
            PolicyStatement::from_public_inputs(&bad).is_err(),
            "schema and issued_after are u64"
        );
    }
    let mut bad = x.clone();
    bad[7] = Fr::from(u64::MAX);
    assert!(
        PolicyStatement::from_public_inputs(&bad).is_err(),
        "coefficients are i64"
    );
    assert!(PolicyStatement::from_public_inputs(&x[..45]).is_err());
}

#[test]
fn native_policy_check_names_the_failing_clause() {
    let f = Fixture::new();
    let mut attrs = f.credential.attrs;
    attrs[2] = 400_000; // monthly debt up: debt-to-income fails
    let err = f.policy.check(SCHEMA_BUREAU_V1, &attrs).unwrap_err();
    assert_eq!(err.clause, 1);
    assert_eq!(
        err.description,
        "monthly_income*3600 - monthly_debt*10000 - 500000000 >= 0"
    );
    assert!(err.to_string().starts_with("clause 1 (monthly_income*3600"));
    let too_many = Policy {
        clauses: vec![Clause::trivial(); 5],
    };
    assert!(too_many.padded().is_err());
    // JSON: constants as integers or decimal strings
    let p: Policy = serde_json::from_str(
        r#"{"clauses":[{"coeffs":[1,0,0,0,0,0,0,0],"constant":"-170141183460469231731687303715884105728"}]}"#,
    )
    .unwrap();
    assert_eq!(p.clauses[0].constant, i128::MIN);
    assert!(serde_json::from_str::<Policy>(
        r#"{"clauses":[{"coeffs":[1,0,0,0,0,0,0,0],"constant":"170141183460469231731687303715884105728"}]}"#
    )
    .is_err());
    assert!(
        serde_json::from_str::<Policy>(r#"{"clauses":[{"coeffs":[1],"constant":0}]}"#).is_err()
    );
}

#[test]
fn secrets_do_not_leak_through_debug() {
    let f = Fixture::new();
    let secret = field::to_decimal(&f.identity.secret());
    let salt = field::to_decimal(&f.credential.salt);
    for text in [
        format!("{:?}", f.identity),
        format!("{:?}", f.credential),
        format!("{:?}", f.witness()),
    ] {
        assert!(!text.contains(&secret) && !text.contains(&salt), "{text}");
    }
}

// ---------------------------------------------------------------------------------------
// Statement v2: holder binding, freshness, schema
// ---------------------------------------------------------------------------------------

#[test]
fn holder_binding_is_enforced() {
    let f = Fixture::new();
    // The pseudonym of another scope, of another identity, or off by one: all refused.
    for holder in [
        f.identity.holder(HOLDER_SCOPE + Fr::ONE),
        Identity::from_secret(Fr::from(5u64)).holder(HOLDER_SCOPE),
        f.identity.holder(HOLDER_SCOPE) + Fr::ONE,
        f.identity.commitment(),
    ] {
        let mut st = f.statement();
        st.holder = holder;
        assert_eq!(
            policy_violation(st, f.witness()),
            Some("holder binding".into())
        );
    }
    // Holder scope 0 binds the identity commitment itself (the co-op's binding)...
    let mut st = f.statement();
    st.holder_scope = Fr::ZERO;
    st.holder = f.identity.commitment();
    assert_eq!(policy_violation(st.clone(), f.witness()), None);
    // ... and nothing else: not the pseudonym Poseidon(s, 0), not another member's.
    for holder in [
        identity::nullifier(f.identity.secret(), Fr::ZERO),
        Identity::from_secret(Fr::from(5u64)).commitment(),
    ] {
        st.holder = holder;
        assert_eq!(
            policy_violation(st.clone(), f.witness()),
            Some("holder binding".into())
        );
    }
}

#[test]
fn freshness_is_enforced_and_the_bound_is_inclusive() {
    let f = Fixture::new();
    let issued = f.credential.issued_at;
    for (issued_after, ok) in [
        (0, true),
        (issued, true),
        (issued + 1, false),
        (NOW, false),
        (u64::MAX, false),
    ] {
        let mut st = f.statement();
        st.issued_after = issued_after;
        let want = (!ok).then(|| "freshness".to_string());
        assert_eq!(
            policy_violation(st, f.witness()),
            want,
            "issued_after {issued_after}"
        );
    }
}

#[test]
fn the_schema_is_bound() {
    // A credential of one schema does not pass for another: the commitment hashes the public
    // schema, so the leaf is not in the registry.
    let f = Fixture::new();
    let mut st = f.statement();
    st.schema = SCHEMA_BUREAU_V1 + 1;
    assert_eq!(
        policy_violation(st, f.witness()),
        Some("merkle path".into())
    );
}
