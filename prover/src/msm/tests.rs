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

/// Both of our paths (GLV with its chosen window and a few forced ones, plain with several
/// windows) equal arkworks' MSM.
fn check<P: GLVConfig>(bases: &[Affine<P>], scalars: &[P::ScalarField])
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

fn adversarial<P: GLVConfig<ScalarField = Fr>>(rng: &mut ChaCha20Rng)
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
    // k P + (-k lambda^-1) phi(P) = 0: everything cancels
    let k = Fr::rand(rng);
    let lambda_inv = P::LAMBDA.inverse().expect("non-zero");
    check(&[p, phi], &[k, -k * lambda_inv]);
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
fn window_counts_cover_the_last_carry() {
    for bits in [1usize, 64, 127, 128, 254] {
        for c in 2..=20 {
            assert!(buckets::windows(bits, c) * c > bits);
        }
    }
}
