//! Refusals without snarkjs, on a small circuit: a truncated file, a `.zkey` for another
//! relation, for another Powers of Tau, a contribution that does not chain, a tampered point,
//! a Powers of Tau too small; a full zkcredit-only ceremony that imports and proves; and the
//! proof's witness as `.wtns`.

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::AdditiveGroup;
use std::path::PathBuf;
use zkcredit_ceremony::phase2::{self, new_zkey, verify, verify_chain};
use zkcredit_ceremony::ptau::{write_test_ptau, Ptau};
use zkcredit_ceremony::{check_relation, import, wtns, CeremonyError, Relation, Zkey};
use zkcredit_circuits::statement::CircuitId;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("zkcredit-ceremony-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn every_refusal_names_its_reason() {
    let dir = TempDir::new("refusals");
    let id = CircuitId::Membership { depth: 4 };
    let rel = Relation::of(id).expect("relation");
    let power = rel.domain_power() + 1;
    let ptau_path = dir.path("a.ptau");
    write_test_ptau(&ptau_path, power, 1).expect("ptau");
    let mut ptau = Ptau::open(&ptau_path).expect("open");
    let init = new_zkey(&rel, &mut ptau).expect("init");

    // A Powers of Tau too small for the circuit.
    let small = dir.path("small.ptau");
    write_test_ptau(&small, power - 1, 1).expect("ptau");
    let err = new_zkey(&rel, &mut Ptau::open(&small).expect("open")).expect_err("too small");
    assert!(
        err.to_string().contains("needs a Powers of Tau of power"),
        "{err}"
    );

    let mut z = init.clone();
    phase2::contribute(&mut z, Some("a".into()), b"x").expect("contribute");
    phase2::contribute(&mut z, Some("b".into()), b"y").expect("contribute");
    phase2::beacon(&mut z, None, &[1, 2, 3], 10).expect("beacon");
    let path = dir.path("final.zkey");
    z.write(&path).expect("write");
    let z = Zkey::read(&path).expect("read back");
    let t = verify(&z, &init).expect("valid ceremony");
    assert_eq!(t.contributions.len(), 3);

    // A truncated file.
    let bytes = std::fs::read(&path).expect("read");
    let cut = dir.path("cut.zkey");
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).expect("write");
    let err = Zkey::read(&cut).expect_err("truncated accepted");
    assert!(err.to_string().contains("truncated"), "{err}");

    // Not a zkey at all.
    let err = Zkey::read(&ptau_path).expect_err("ptau read as zkey");
    assert!(err.to_string().contains("not a .zkey file"), "{err}");

    // Another relation.
    let other = Relation::of(CircuitId::Membership { depth: 6 }).expect("relation");
    let err = check_relation(&z, &other).expect_err("other relation");
    assert!(err.to_string().contains("another circuit"), "{err}");

    // Another Powers of Tau.
    let ptau_b = dir.path("b.ptau");
    write_test_ptau(&ptau_b, power, 2).expect("ptau");
    let init_b = new_zkey(&rel, &mut Ptau::open(&ptau_b).expect("open")).expect("init");
    let err = verify(&z, &init_b).expect_err("other ptau");
    assert!(matches!(err, CeremonyError::Mismatch(_)), "{err}");
    assert!(err.to_string().contains("circuit hash"), "{err}");

    // A contribution that does not chain: its transcript altered.
    let mut bad = z.clone();
    bad.contributions[0].transcript[0] ^= 1;
    let err = verify_chain(&bad).expect_err("broken chain");
    assert!(
        matches!(err, CeremonyError::Contribution { index: 1, .. }),
        "{err}"
    );
    // A contribution whose delta does not follow its key.
    let mut bad = z.clone();
    bad.contributions[1].delta_after = bad.contributions[1]
        .delta_after
        .into_group()
        .double()
        .into_affine();
    let err = verify_chain(&bad).expect_err("delta not following");
    assert!(err.to_string().contains("contribution #2"), "{err}");
    // A beacon whose key is not the beacon's.
    let mut bad = z.clone();
    if let Some(b) = bad.contributions[2].beacon.as_mut() {
        b.hash[0] ^= 1;
    }
    let err = verify_chain(&bad).expect_err("wrong beacon");
    assert!(err.to_string().contains("beacon"), "{err}");
    // Tampered points in C and in A.
    let mut bad = z.clone();
    bad.c[0] = bad.c[0].into_group().double().into_affine();
    let err = verify(&bad, &init).expect_err("tampered C");
    assert!(err.to_string().contains("section 8 (C)"), "{err}");
    let mut bad = z.clone();
    bad.a[1] = bad.a[1].into_group().double().into_affine();
    let err = verify(&bad, &init).expect_err("tampered A");
    assert!(err.to_string().contains("section 5 (A)"), "{err}");
    // A point off the curve in the file.
    let mut bytes = std::fs::read(&path).expect("read");
    let pos = bytes.len() - 600;
    bytes[pos] ^= 0x55;
    let off = dir.path("off.zkey");
    std::fs::write(&off, &bytes).expect("write");
    assert!(Zkey::read(&off).is_err() || verify(&Zkey::read(&off).expect("read"), &init).is_err());

    // The accepted ceremony imports and proves membership with circom's reduction.
    let keys = import(&z, &rel, &t).expect("import");
    assert!(!keys.is_insecure());
    assert_eq!(keys.meta.qap, zkcredit_verifier::QapReduction::Circom);
    let kdir = dir.path("keys");
    keys.save(&kdir).expect("save");
    let keys = zkcredit_prover::ProvingKeys::load(&kdir).expect("load");
    assert_eq!(
        keys.prover.reduction,
        zkcredit_verifier::QapReduction::Circom
    );
    assert_eq!(
        keys.meta
            .ceremony
            .as_ref()
            .map(|c| c.transcript_hash.clone()),
        Some(t.transcript_hash.clone())
    );
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let me = zkcredit_circuits::identity::Identity::random(&mut rng);
    let mut tree = zkcredit_circuits::merkle::MerkleTree::new(4).expect("tree");
    tree.append(zkcredit_circuits::Fr::from(9u64))
        .expect("append");
    let i = tree.append(me.commitment()).expect("append");
    let input = zkcredit_prover::MembershipInput {
        identity: &me,
        path: tree.path(i).expect("path"),
        root: tree.root(),
        scope: zkcredit_circuits::Fr::from(1u64),
        signal: zkcredit_circuits::Fr::from(2u64),
    };
    // prove_membership checks the new proof against the key before returning it.
    let env = zkcredit_prover::prove_membership(&keys, &input, &mut rng).expect("prove");
    keys.verifier.verify(&env).expect("verify");
    let mut wrong = env.clone();
    wrong.public_inputs[1] += zkcredit_circuits::Fr::from(1u64);
    assert!(keys.verifier.verify(&wrong).is_err());

    // The same witness as circom's .wtns: it satisfies the exported relation, its public
    // part is the proof's inputs, it reads back equal; a changed value, a truncated file and
    // a file of another kind are refused with the reason.
    let (st, wit) = zkcredit_prover::check_membership(&input).expect("statement");
    let circuit = zkcredit_circuits::circuit::MembershipCircuit::new(4, st, wit).expect("circuit");
    let z = wtns::assignment(circuit).expect("assignment");
    wtns::check(&rel, &z).expect("the witness satisfies the relation");
    assert_eq!(&z[1..=rel.num_public], &env.public_inputs[..]);
    let w = dir.path("m.wtns");
    wtns::write(&z, &w).expect("write wtns");
    assert_eq!(wtns::read(&w).expect("read wtns"), z);
    let mut bad = z.clone();
    bad[rel.num_public + 1] += zkcredit_circuits::Fr::from(1u64);
    let err = wtns::check(&rel, &bad).expect_err("a changed witness value passed");
    assert!(
        err.to_string().contains("does not satisfy constraint"),
        "{err}"
    );
    let bytes = std::fs::read(&w).expect("read");
    std::fs::write(&w, &bytes[..bytes.len() - 1]).expect("write");
    let err = wtns::read(&w).expect_err("truncated wtns read");
    assert!(err.to_string().contains("truncated"), "{err}");
    let err = wtns::read(&path).expect_err("a zkey read as wtns");
    assert!(err.to_string().contains("not a .wtns file"), "{err}");
}
