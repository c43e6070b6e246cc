//! Every MSM path against arkworks' `VariableBaseMSM`, on random and adversarial inputs.

use super::glv::Decomposer;
use super::*;
use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{BigInteger, Field, PrimeField, UniformRand, Zero};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// Paths only one group has, and that group's endomorphisms with their eigenvalues.
trait Group: GLVConfig<ScalarField = Fr> + Curve {
    /// Results of the group's own MSM paths, named.
    fn extra(_bases: &[Affine<Self>], _big: &[BigInt<Self>]) -> Vec<(String, Projective<Self>)> {
        Vec::new()
    }
    /// `(e(P), eigenvalue)` for every endomorphism `e` the group's paths split with.
    fn endos(p: &Affine<Self>) -> Vec<(Affine<Self>, Fr)> {
        vec![(Self::endomorphism_affine(p), Self::LAMBDA)]
    }
}

impl Group for ark_bn254::g1::Config {}

impl Group for ark_bn254::g2::Config {
    fn extra(bases: &[Affine<Self>], big: &[BigInt<Self>]) -> Vec<(String, Projective<Self>)> {
        let mut out = vec![("psi4, auto window".to_string(), psi4::msm(bases, big))];
        for c in [2, 5, 11, 16] {
            out.push((
                format!("psi4, c = {c}"),
                psi4::msm_with_window(bases, big, Some(c)),
            ));
        }
        out
    }
    fn endos(p: &Affine<Self>) -> Vec<(Affine<Self>, Fr)> {
        let mu = psi4::mu();
        let psi1 = psi4::psi(p);
        let psi2 = psi4::psi(&psi1);
        let psi3 = psi4::psi(&psi2);
        vec![
            (Self::endomorphism_affine(p), Self::LAMBDA),
            (psi1, mu),
            (psi2, mu.square()),
            (psi3, mu.square() * mu),
        ]
    }
}

/// Every one of our paths (GLV with its chosen window and a few forced ones, plain with
/// several windows, the group's own) equals arkworks' MSM.
fn check<P: Group>(bases: &[Affine<P>], scalars: &[P::ScalarField])
where
    Projective<P>: VariableBaseMSM<MulBase = Affine<P>, ScalarField = P::ScalarField>,
{
    let big: Vec<_> = scalars.iter().map(|s| s.into_bigint()).collect();
    let theirs = <Projective<P> as VariableBaseMSM>::msm_bigint(bases, &big).into_affine();
    assert_eq!(msm(bases, &big).into_affine(), theirs, "glv, auto window");
    for c in [2, 5, 11] {
        assert_eq!(
            msm_glv_with_window(bases, &big, Some(c)).into_affine(),
            theirs,
            "glv, c = {c}"
        );
    }
    for c in [3, 8, 13] {
        assert_eq!(
            msm_with_window(bases, &big, c).into_affine(),
            theirs,
            "plain, c = {c}"
        );
    }
    for (name, ours) in P::extra(bases, &big) {
        assert_eq!(ours.into_affine(), theirs, "{name}");
    }
}

/// Scalars that stress the digit and decomposition code.
fn edge_scalars() -> Vec<Fr> {
    let mut v = vec![
        Fr::zero(),
        Fr::ONE,
        -Fr::ONE,
        Fr::from(2u64),
        -Fr::from(2u64),
        Fr::from(u64::MAX),
        -Fr::from(u64::MAX),
        Fr::from(u128::MAX),
        -Fr::from(u128::MAX),
        Fr::from(1u128 << 127),
        ark_bn254::g1::Config::LAMBDA,
        -ark_bn254::g1::Config::LAMBDA,
        ark_bn254::g2::Config::LAMBDA,
        Fr::from(2u64).pow([253]),
        -Fr::from(2u64).pow([253]),
        (Fr::from(2u64).pow([253]) - Fr::ONE),
    ];
    // (r - 1) / 2 and its neighbours
    let half = Fr::from_bigint({
        let mut m = Fr::MODULUS;
        m.div2();
        m
    })
    .unwrap_or_default();
    v.extend([half, half + Fr::ONE, half - Fr::ONE]);
    v
}

fn decomposition_holds<P: GLVConfig<ScalarField = Fr>>(rng: &mut ChaCha20Rng) {
    let d = Decomposer::new::<P>().expect("BN254's basis fits the 128-bit split");
    let to_fr = |x: i128| {
        let f = Fr::from(x.unsigned_abs());
        if x < 0 {
            -f
        } else {
            f
        }
    };
    let mut scalars = edge_scalars();
    scalars.extend((0..20_000).map(|_| Fr::rand(rng)));
    for k in scalars {
        let (k1, k2) = d.decompose(k.into_bigint().as_ref()).expect("decomposes");
        assert!(k1.unsigned_abs() < 1 << 127 && k2.unsigned_abs() < 1 << 127);
        assert_eq!(
            to_fr(k1) + P::LAMBDA * to_fr(k2),
            k,
            "k = k1 + lambda k2 for {k}"
        );
    }
}

#[test]
fn glv_decomposition_is_exact_on_g1_and_g2() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    decomposition_holds::<ark_bn254::g1::Config>(&mut rng);
    decomposition_holds::<ark_bn254::g2::Config>(&mut rng);
    // phi(P) = lambda P, the premise of the split
    let p = G1Projective::rand(&mut rng).into_affine();
    assert_eq!(
        ark_bn254::g1::Config::endomorphism_affine(&p),
        (p * ark_bn254::g1::Config::LAMBDA).into_affine()
    );
    let q = G2Projective::rand(&mut rng).into_affine();
    assert_eq!(
        ark_bn254::g2::Config::endomorphism_affine(&q),
        (q * ark_bn254::g2::Config::LAMBDA).into_affine()
    );
}

fn adversarial<P: Group>(rng: &mut ChaCha20Rng)
where
    Projective<P>: VariableBaseMSM<MulBase = Affine<P>, ScalarField = Fr> + UniformRand,
{
    for n in [1usize, 2, 3, 17, 300, 2000] {
        let bases: Vec<Affine<P>> = (0..n)
            .map(|_| Projective::<P>::rand(rng).into_affine())
            .collect();
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(rng)).collect();
        check(&bases, &scalars);
        // zeros, ±1, small, -2, and the edge scalars, cycling
        let edges = edge_scalars();
        let mixed: Vec<Fr> = (0..n)
            .map(|i| match i % 6 {
                0 => Fr::zero(),
                1 => Fr::ONE,
                2 => -Fr::ONE,
                3 => Fr::from(i as u64),
                4 => -Fr::from(2u64),
                _ => edges[i % edges.len()],
            })
            .collect();
        check(&bases, &mixed);
        // all scalars small (the split's window count shrinks with them)
        let small: Vec<Fr> = (0..n).map(|i| Fr::from((i % 3) as u64)).collect();
        check(&bases, &small);
    }
    // repeated points, a point and its negation, the identity as a base, phi(P) among the
    // bases (so the split makes equal points), P and lambda P with scalars that cancel
    let p = Projective::<P>::rand(rng).into_affine();
    let phi = P::endomorphism_affine(&p);
    let bases = vec![p, p, -p, p, Affine::<P>::identity(), p, phi, -phi, p];
    for s in [
        Fr::ONE,
        Fr::from(2u64),
        Fr::from(3u64),
        Fr::from(1u64 << 20),
        P::LAMBDA,
    ] {
        check(&bases, &vec![s; bases.len()]);
        let mut alt = vec![s, s, s, -s, Fr::from(9u64), s, s, s, -s];
        check(&bases, &alt);
        alt.reverse();
        check(&bases, &alt);
    }
    // k P + (-k e^-1) E(P) = 0 for every endomorphism E with eigenvalue e: everything
    // cancels; and all the endomorphism images of P together, with edge scalars
    let k = Fr::rand(rng);
    for (image, e) in P::endos(&p) {
        let e_inv = e.inverse().expect("non-zero");
        check(&[p, image], &[k, -k * e_inv]);
        check(&[image, p, -image], &[k, k * e, k]);
        check(&[p, image], &[e, -Fr::ONE]);
    }
    let mut images: Vec<Affine<P>> = P::endos(&p).into_iter().map(|(q, _)| q).collect();
    images.extend([p, -p, p]);
    for s in edge_scalars() {
        check(&images, &vec![s; images.len()]);
    }
    check(&[p, p], &[k, -k]);
    // all bases at infinity, all scalars zero, empty
    check(&[Affine::<P>::identity(); 5], &[Fr::rand(rng); 5]);
    check(&bases, &vec![Fr::zero(); bases.len()]);
    check::<P>(&[], &[]);
    // more bases than scalars and the other way round
    let extra: Vec<Fr> = (0..3).map(|_| Fr::rand(rng)).collect();
    check(&bases, &extra);
    check(&bases[..2], &extra);
    // the generator times r - 1
    let g = Projective::<P>::generator().into_affine();
    check(&[g, g], &[-Fr::ONE, -Fr::ONE]);
}

#[test]
fn g1_matches_arkworks_on_random_and_adversarial_inputs() {
    adversarial::<ark_bn254::g1::Config>(&mut ChaCha20Rng::seed_from_u64(3));
    assert!(msm::<ark_bn254::g1::Config>(&[], &[]).is_zero());
}

#[test]
fn g2_matches_arkworks_on_random_and_adversarial_inputs() {
    adversarial::<ark_bn254::g2::Config>(&mut ChaCha20Rng::seed_from_u64(4));
    assert!(msm::<ark_bn254::g2::Config>(&[], &[]).is_zero());
}

#[test]
fn psi4_basis_and_constants_are_right() {
    use num_bigint::BigInt as Int;
    let mu = psi4::mu();
    assert_eq!(mu.square().square() - mu.square() + Fr::ONE, Fr::zero());
    let to_fr = |x: i128| {
        let f = Fr::from(x.unsigned_abs());
        if x < 0 {
            -f
        } else {
            f
        }
    };
    // every row is in the lattice
    for row in psi4::BASIS {
        let v = row
            .iter()
            .rev()
            .fold(Fr::zero(), |acc, &a| acc * mu + to_fr(a));
        assert_eq!(v, Fr::zero(), "{row:?}");
    }
    // N B = (r, 0, 0, 0) for N = r B^-1's first row, and G, SIGN are round(2^256 |N| / r)
    let n: [Int; 4] = [
        "734653495049373973658254490726798021314063399421879442165",
        "-734653495049373973806201247608587340319794091592875701774",
        "734653495049373973806201247608587340329725414327261399537",
        "734653495049373973806201247608587340314828430225682852893",
    ]
    .map(|s| s.parse().expect("integer"));
    let r = Int::from_bytes_le(num_bigint::Sign::Plus, &Fr::MODULUS.to_bytes_le());
    for j in 0..4 {
        let sum: Int = (0..4).map(|i| &n[i] * Int::from(psi4::BASIS[i][j])).sum();
        assert_eq!(sum, if j == 0 { r.clone() } else { Int::from(0) });
    }
    for (i, ni) in n.iter().enumerate() {
        let g =
            Int::from(((ni.magnitude() << 256usize) + (r.magnitude() >> 1usize)) / r.magnitude());
        let limbs = psi4::G[i];
        let ours = limbs
            .iter()
            .rev()
            .fold(Int::from(0), |acc, &l| (acc << 64usize) + Int::from(l));
        assert_eq!(ours, g);
        assert_eq!(
            psi4::SIGN[i],
            if ni.sign() == num_bigint::Sign::Minus {
                -1
            } else {
                1
            }
        );
    }
    // the bound of the module documentation: 5/8 of the largest column sum is below 2^65
    let col = (0..4)
        .map(|j| {
            (0..4)
                .map(|i| psi4::BASIS[i][j].unsigned_abs())
                .sum::<u128>()
        })
        .max()
        .unwrap_or(0);
    assert!(5 * col < 8 << psi4::SPLIT_BITS);
}

#[test]
fn psi4_decomposition_is_exact_and_psi_is_mu() {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let mu = psi4::mu();
    let to_fr = |x: i128| {
        let f = Fr::from(x.unsigned_abs());
        if x < 0 {
            -f
        } else {
            f
        }
    };
    let mut scalars = edge_scalars();
    scalars.extend([
        mu,
        -mu,
        mu.square(),
        Fr::from(u64::MAX) + Fr::ONE,
        -Fr::from(u64::MAX) - Fr::ONE,
    ]);
    scalars.extend((0..20_000).map(|_| Fr::rand(&mut rng)));
    for k in scalars {
        let parts = psi4::decompose(k.into_bigint().as_ref());
        assert!(parts
            .iter()
            .all(|p| p.unsigned_abs() < 1 << psi4::SPLIT_BITS));
        let back = parts
            .iter()
            .rev()
            .fold(Fr::zero(), |acc, &p| acc * mu + to_fr(p));
        assert_eq!(back, k, "k = sum kj mu^j for {k}");
    }
    // small scalars and their negations stay one term
    assert_eq!(
        psi4::decompose(Fr::from(5u64).into_bigint().as_ref()),
        [5, 0, 0, 0]
    );
    assert_eq!(
        psi4::decompose((-Fr::ONE).into_bigint().as_ref()),
        [-1, 0, 0, 0]
    );
    for _ in 0..8 {
        let q = G2Projective::rand(&mut rng).into_affine();
        assert_eq!(psi4::psi(&q), (q * mu).into_affine());
    }
    assert!(ark_ec::AffineRepr::is_zero(&psi4::psi(&Affine::identity())));
    assert!(psi4::msm(&[], &[]).is_zero());
}

#[test]
fn signed_digits_recompose() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let mut scalars: Vec<Fr> = edge_scalars();
    scalars.extend((0..200).map(|_| Fr::rand(&mut rng)));
    for k in scalars {
        let big = k.into_bigint();
        for c in 2..=20 {
            let w = buckets::windows(254, c);
            let mut acc = Fr::zero();
            for i in (0..w).rev() {
                let d = buckets::signed_digit(big.as_ref(), i, c);
                assert!(d.unsigned_abs() <= 1 << (c - 1));
                acc = acc * Fr::from(1u64 << c) + to_signed(d);
            }
            assert_eq!(acc, k, "c = {c}");
        }
    }
}

fn to_signed(d: i32) -> Fr {
    let f = Fr::from(d.unsigned_abs());
    if d < 0 {
        -f
    } else {
        f
    }
}

#[test]
fn window_counts_cover_the_last_carry() {
    for bits in [1usize, 64, 127, 128, 254] {
        for c in 2..=20 {
            assert!(buckets::windows(bits, c) * c > bits);
        }
    }
}
