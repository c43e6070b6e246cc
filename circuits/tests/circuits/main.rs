//! The circuits crate's one integration test binary: reference vectors, native/in-circuit
//! agreement, constraint budgets, and the soundness suite, in modules by subject; the shared
//! fixtures are here.

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
use zkcredit_circuits::identity;
use zkcredit_circuits::prelude::*;
use zkcredit_circuits::{field, merkle, poseidon};

mod membership;
mod merkle_tree;
mod policy;
mod poseidon_hash;
mod statement_v2;
mod statements;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn rand_fr(r: &mut impl Rng) -> Fr {
    let mut b = [0u8; 64];
    r.fill(&mut b[..]);
    Fr::from_le_bytes_mod_order(&b)
}

fn vectors() -> Vec<(Vec<Fr>, Fr)> {
    let text = include_str!("../vectors/poseidon_circomlib.json");
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
    violation(&cs, &layout)
}

/// The section of `cs`'s first unsatisfied constraint, or `None` when every one holds.
fn violation(cs: &ConstraintSystemRef<Fr>, layout: &Layout) -> Option<String> {
    if cs.is_satisfied().unwrap() {
        None
    } else {
        Some(
            layout
                .first_unsatisfied(cs)
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
    violation(&cs, &layout)
}
