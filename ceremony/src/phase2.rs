//! Phase 2 of the Groth16 setup: the initial `.zkey` from a relation and a Powers of Tau,
//! contributions, the closing random beacon, and verification of the whole chain — all
//! compatible with `snarkjs zkey new|contribute|beacon|verify`.

use crate::encoding::{g1_to_u, g2_to_u};
use crate::ptau::Ptau;
use crate::relation::Relation;
use crate::rng::{beacon_rng, hash_to_g2, FfjsChaCha};
use crate::zkey::{Beacon, Coef, Contribution, Zkey};
use crate::CeremonyError;
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{Field, One, UniformRand, Zero};
use blake2::{Blake2b512, Digest};
use rand::{rngs::OsRng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// Terms `(row, coefficient)` per variable.
type Columns = Vec<Vec<(usize, Fr)>>;

fn columns(rows: &[crate::relation::Row], n_vars: usize) -> Columns {
    let mut cols = vec![Vec::new(); n_vars];
    for (r, row) in rows.iter().enumerate() {
        for (s, c) in row {
            cols[*s].push((r, *c));
        }
    }
    cols
}

fn combine<G: AffineRepr<ScalarField = Fr>>(terms: &[(&[G], usize, Fr)]) -> G::Group {
    let bases: Vec<G> = terms.iter().map(|(b, r, _)| b[*r]).collect();
    let scalars: Vec<Fr> = terms.iter().map(|(_, _, c)| *c).collect();
    <G::Group as VariableBaseMSM>::msm_unchecked(&bases, &scalars)
}

/// Section 4 of a `.zkey` for `rel`: per constraint its `A` then its `B` terms, then
/// snarkjs's extra `A` rows `m + s` with coefficient one for the constant and each public
/// input.
pub fn coefficients(rel: &Relation) -> Vec<Coef> {
    let m = rel.num_constraints();
    let mut coefs = Vec::new();
    for (r, (ra, rb)) in rel.a.iter().zip(&rel.b).enumerate() {
        for (matrix, row) in [(0u32, ra), (1u32, rb)] {
            for (s, v) in row {
                coefs.push(Coef {
                    matrix,
                    constraint: r as u32,
                    signal: *s as u32,
                    value: *v,
                });
            }
        }
    }
    for s in 0..=rel.num_public {
        coefs.push(Coef {
            matrix: 0,
            constraint: (m + s) as u32,
            signal: s as u32,
            value: Fr::one(),
        });
    }
    coefs
}

fn hash_u32(h: &mut Blake2b512, n: u32) {
    h.update(n.to_be_bytes());
}

/// The initial `.zkey` of `rel` over `ptau`, identical to `snarkjs zkey new`: delta and gamma
/// are the generators, no contribution yet.
///
/// # Errors
/// [`CeremonyError::Mismatch`] if the Powers of Tau is too small; [`CeremonyError::Format`]
/// for a bad point in it.
pub fn new_zkey(rel: &Relation, ptau: &mut Ptau) -> Result<Zkey, CeremonyError> {
    let m = rel.num_constraints();
    let n_pub = rel.num_public;
    let n_vars = rel.num_vars;
    let n = rel.domain_size();
    let p = rel.domain_power();
    if p + 1 > ptau.power {
        return Err(CeremonyError::Mismatch(format!(
            "{} has {m} constraints and {n_pub} public inputs (domain 2^{p}); its H query needs a \
             Powers of Tau of power >= {}, {} has power {}",
            rel.id,
            p + 1,
            ptau.path().display(),
            ptau.power
        )));
    }
    let (alpha1, beta1, beta2) = ptau.alpha_beta()?;
    let lg1 = ptau.lagrange_g1(p)?;
    let lg2 = ptau.lagrange_g2(p)?;
    let la = ptau.lagrange_alpha_g1(p)?;
    let lb = ptau.lagrange_beta_g1(p)?;
    let l2n = ptau.lagrange_g1(p + 1)?;
    let h: Vec<G1Affine> = (0..n).map(|i| l2n[2 * i + 1]).collect();

    // Rows of A with snarkjs's extra rows m + s (coefficient 1) for s = 0..=nPublic.
    let mut a_rows = rel.a.clone();
    for s in 0..=n_pub {
        a_rows.push(vec![(s, Fr::one())]);
    }
    let a_cols = columns(&a_rows, n_vars);
    let b_cols = columns(&rel.b, n_vars);
    let c_cols = columns(&rel.c, n_vars);

    let per_var = |s: usize| {
        let ta: Vec<_> = a_cols[s]
            .iter()
            .map(|(r, c)| (lg1.as_slice(), *r, *c))
            .collect();
        let tb1: Vec<_> = b_cols[s]
            .iter()
            .map(|(r, c)| (lg1.as_slice(), *r, *c))
            .collect();
        let tb2: Vec<_> = b_cols[s]
            .iter()
            .map(|(r, c)| (lg2.as_slice(), *r, *c))
            .collect();
        let mut tk: Vec<_> = a_cols[s]
            .iter()
            .map(|(r, c)| (lb.as_slice(), *r, *c))
            .collect();
        tk.extend(b_cols[s].iter().map(|(r, c)| (la.as_slice(), *r, *c)));
        tk.extend(c_cols[s].iter().map(|(r, c)| (lg1.as_slice(), *r, *c)));
        (
            combine(&ta),
            combine(&tb1),
            combine::<G2Affine>(&tb2),
            combine(&tk),
        )
    };
    // arkworks' MSM recurses through nested rayon joins: give the workers room (the default
    // 2 MiB stacks overflow on the policy circuit's widest columns).
    #[cfg(feature = "parallel")]
    let pts: Vec<_> = rayon::ThreadPoolBuilder::new()
        .stack_size(64 << 20)
        .build()
        .map_err(|e| CeremonyError::Invalid(format!("starting worker threads: {e}")))?
        .install(|| (0..n_vars).into_par_iter().map(per_var).collect());
    #[cfg(not(feature = "parallel"))]
    let pts: Vec<_> = (0..n_vars).map(per_var).collect();
    let a = G1Projective::normalize_batch(&pts.iter().map(|t| t.0).collect::<Vec<_>>());
    let b1 = G1Projective::normalize_batch(&pts.iter().map(|t| t.1).collect::<Vec<_>>());
    let b2 = G2Projective::normalize_batch(&pts.iter().map(|t| t.2).collect::<Vec<_>>());
    let k = G1Projective::normalize_batch(&pts.iter().map(|t| t.3).collect::<Vec<_>>());
    let ic = k[..=n_pub].to_vec();
    let c = k[n_pub + 1..].to_vec();

    let coefs = coefficients(rel);

    // The circuit hash, in snarkjs's order: the fixed points, IC, the H basis as
    // tau^i (tau^n - 1) from the tau powers, C, A, B1, B2.
    let g1 = G1Affine::generator();
    let g2 = G2Affine::generator();
    let mut hs = Blake2b512::new();
    hs.update(g1_to_u(&alpha1));
    hs.update(g1_to_u(&beta1));
    hs.update(g2_to_u(&beta2));
    hs.update(g2_to_u(&g2));
    hs.update(g1_to_u(&g1));
    hs.update(g2_to_u(&g2));
    hash_u32(&mut hs, ic.len() as u32);
    ic.iter().for_each(|p| hs.update(g1_to_u(p)));
    hash_u32(&mut hs, (n - 1) as u32);
    // snarkjs hashes min(n - 1, 2^14) points per 2^14-point chunk (for n > 2^14 that is n
    // points in all); reproduced as is.
    const CHUNK: usize = 1 << 14;
    let mut i = 0;
    while i < n - 1 {
        let cnt = (n - 1).min(CHUNK);
        let hi = ptau.tau_g1((i + n) as u64, cnt as u64)?;
        let lo = ptau.tau_g1(i as u64, cnt as u64)?;
        let diff: Vec<G1Projective> = hi
            .iter()
            .zip(&lo)
            .map(|(a, b)| a.into_group() - b)
            .collect();
        for p in G1Projective::normalize_batch(&diff) {
            hs.update(g1_to_u(&p));
        }
        i += CHUNK;
    }
    hash_u32(&mut hs, c.len() as u32);
    c.iter().for_each(|p| hs.update(g1_to_u(p)));
    hash_u32(&mut hs, n_vars as u32);
    a.iter().for_each(|p| hs.update(g1_to_u(p)));
    hash_u32(&mut hs, n_vars as u32);
    b1.iter().for_each(|p| hs.update(g1_to_u(p)));
    hash_u32(&mut hs, n_vars as u32);
    b2.iter().for_each(|p| hs.update(g2_to_u(p)));

    Ok(Zkey {
        n_vars: n_vars as u32,
        n_public: n_pub as u32,
        domain_size: n as u32,
        alpha1,
        beta1,
        beta2,
        gamma2: g2,
        delta1: g1,
        delta2: g2,
        ic,
        coefs,
        a,
        b1,
        b2,
        c,
        h,
        cs_hash: hs.finalize().into(),
        contributions: Vec::new(),
    })
}

fn scale_all(points: &mut [G1Affine], k: Fr) {
    #[cfg(feature = "parallel")]
    let proj: Vec<G1Projective> = points.par_iter().map(|p| *p * k).collect();
    #[cfg(not(feature = "parallel"))]
    let proj: Vec<G1Projective> = points.iter().map(|p| *p * k).collect();
    points.copy_from_slice(&G1Projective::normalize_batch(&proj));
}

/// Applies the secret `x` with the public point `g1_s` to `zkey`, recording the
/// contribution. Returns the contribution hash.
fn apply(
    zkey: &mut Zkey,
    x: Fr,
    g1_s: G1Affine,
    name: Option<String>,
    beacon: Option<Beacon>,
) -> Result<[u8; 64], CeremonyError> {
    let x_inv = x
        .inverse()
        .ok_or_else(|| CeremonyError::Invalid("the contribution secret is zero".into()))?;
    let g1_sx = (g1_s * x).into_affine();
    let mut th = Blake2b512::new();
    th.update(zkey.cs_hash);
    for c in &zkey.contributions {
        c.hash_pub_key(&mut th);
    }
    th.update(g1_to_u(&g1_s));
    th.update(g1_to_u(&g1_sx));
    let transcript: [u8; 64] = th.finalize().into();
    let g2_spx = (hash_to_g2(&transcript) * x).into_affine();
    zkey.delta1 = (zkey.delta1 * x).into_affine();
    zkey.delta2 = (zkey.delta2 * x).into_affine();
    scale_all(&mut zkey.c, x_inv);
    scale_all(&mut zkey.h, x_inv);
    let c = Contribution {
        delta_after: zkey.delta1,
        g1_s,
        g1_sx,
        g2_spx,
        transcript,
        name,
        beacon,
    };
    let hash = c.hash();
    zkey.contributions.push(c);
    Ok(hash)
}

/// Contributes to `zkey` with a secret drawn from the operating system's randomness mixed
/// (BLAKE2b-512) with `entropy`; the secret is dropped on return. Returns the contribution
/// hash the participant publishes.
///
/// # Errors
/// [`CeremonyError::Invalid`] only if the secret is zero (probability 2^-254).
pub fn contribute(
    zkey: &mut Zkey,
    name: Option<String>,
    entropy: &[u8],
) -> Result<[u8; 64], CeremonyError> {
    let mut os = [0u8; 64];
    OsRng.fill_bytes(&mut os);
    let mut h = Blake2b512::new();
    h.update(os);
    h.update(entropy);
    let seed: [u8; 64] = h.finalize().into();
    let mut key = [0u8; 32];
    key.copy_from_slice(&seed[..32]);
    let mut rng = ChaCha20Rng::from_seed(key);
    let x = Fr::rand(&mut rng);
    let g1_s = G1Projective::rand(&mut rng).into_affine();
    apply(zkey, x, g1_s, name, None)
}

/// The closing random beacon: the secret comes from a public value (e.g. a future block
/// hash) hashed `2^exp` times with SHA-256, exactly as `snarkjs zkey beacon`, so anyone can
/// recompute it. Returns the contribution hash.
///
/// # Errors
/// [`CeremonyError::Invalid`] for an empty or over-long beacon or `exp` outside 10..=63.
pub fn beacon(
    zkey: &mut Zkey,
    name: Option<String>,
    hash: &[u8],
    exp: u32,
) -> Result<[u8; 64], CeremonyError> {
    if hash.is_empty() || hash.len() > 255 {
        return Err(CeremonyError::Invalid(
            "the beacon must be 1 to 255 bytes".into(),
        ));
    }
    if !(10..=63).contains(&exp) {
        return Err(CeremonyError::Invalid(format!(
            "beacon iterations exponent {exp} outside 10..=63"
        )));
    }
    let (x, g1_s) = beacon_key(hash, exp);
    apply(
        zkey,
        x,
        g1_s,
        name,
        Some(Beacon {
            hash: hash.to_vec(),
            exp: exp as u8,
        }),
    )
}

fn beacon_key(hash: &[u8], exp: u32) -> (Fr, G1Affine) {
    let mut rng: FfjsChaCha = beacon_rng(hash, exp);
    let x = rng.fr();
    let g1_s = rng.g1();
    (x, g1_s)
}

/// e(a1, b2) == e(b1, a2): `a1 -> b1` in G1 and `a2 -> b2` in G2 are the same scaling.
fn same_ratio(a1: G1Affine, b1: G1Affine, a2: G2Affine, b2: G2Affine) -> bool {
    if a1.is_zero() || b1.is_zero() || a2.is_zero() || b2.is_zero() {
        return false;
    }
    Bn254::multi_pairing([a1, (-b1.into_group()).into_affine()], [b2, a2]).is_zero()
}

/// One line of a verified transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptEntry {
    /// 1-based position.
    pub index: usize,
    /// The participant's name, if recorded.
    pub name: Option<String>,
    /// The contribution hash (hex, 128 digits).
    pub hash: String,
    /// For the beacon: its hex value and iterations exponent.
    pub beacon: Option<(String, u8)>,
}

/// What `verify` established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transcript {
    /// The circuit hash (hex).
    pub circuit_hash: String,
    /// Every contribution, in order.
    pub contributions: Vec<TranscriptEntry>,
    /// BLAKE2b-512 of the circuit hash and every contribution (hex).
    pub transcript_hash: String,
}

/// Checks the contribution chain of `zkey` on its own (no Powers of Tau needed): each
/// transcript hash chains from the circuit hash and the earlier contributions, each public
/// key is consistent, each delta follows from the previous one, the beacon's key is the one
/// its parameters give, and the final delta is the key's.
///
/// # Errors
/// [`CeremonyError::Contribution`] naming the first contribution that fails, or
/// [`CeremonyError::Mismatch`] for final deltas that do not follow.
pub fn verify_chain(zkey: &Zkey) -> Result<Transcript, CeremonyError> {
    let mut acc = Blake2b512::new();
    acc.update(zkey.cs_hash);
    let mut cur = G1Affine::generator();
    let mut entries = Vec::new();
    for (i, c) in zkey.contributions.iter().enumerate() {
        let fail = |reason: &str| CeremonyError::Contribution {
            index: i + 1,
            name: c
                .name
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default(),
            reason: reason.to_string(),
        };
        let mut ours = acc.clone();
        ours.update(g1_to_u(&c.g1_s));
        ours.update(g1_to_u(&c.g1_sx));
        let t: [u8; 64] = ours.finalize().into();
        if t != c.transcript {
            return Err(fail(
                "its transcript hash does not chain from the circuit and the earlier contributions",
            ));
        }
        let g2_sp = hash_to_g2(&c.transcript);
        if !same_ratio(c.g1_s, c.g1_sx, g2_sp, c.g2_spx) {
            return Err(fail(
                "its public key's G1 and G2 parts do not have the same ratio",
            ));
        }
        if !same_ratio(cur, c.delta_after, g2_sp, c.g2_spx) {
            return Err(fail(
                "its delta does not follow from the previous delta and its public key",
            ));
        }
        if let Some(b) = &c.beacon {
            let (x, g1_s) = beacon_key(&b.hash, u32::from(b.exp));
            if g1_s != c.g1_s || (g1_s * x).into_affine() != c.g1_sx {
                return Err(fail(
                    "the beacon's key is not the one its beacon value gives",
                ));
            }
        }
        c.hash_pub_key(&mut acc);
        entries.push(TranscriptEntry {
            index: i + 1,
            name: c.name.clone(),
            hash: hex::encode(c.hash()),
            beacon: c.beacon.as_ref().map(|b| (hex::encode(&b.hash), b.exp)),
        });
        cur = c.delta_after;
    }
    if zkey.delta1 != cur {
        return Err(CeremonyError::Mismatch(
            "delta1 in the header is not the last contribution's delta".into(),
        ));
    }
    if !same_ratio(
        G1Affine::generator(),
        zkey.delta1,
        G2Affine::generator(),
        zkey.delta2,
    ) {
        return Err(CeremonyError::Mismatch(
            "delta2 does not match delta1".into(),
        ));
    }
    Ok(Transcript {
        circuit_hash: hex::encode(zkey.cs_hash),
        contributions: entries,
        transcript_hash: hex::encode(acc.finalize()),
    })
}

fn random_combination(points: &[G1Affine], r: &[Fr]) -> G1Affine {
    G1Projective::msm_unchecked(points, r).into_affine()
}

/// Verifies `zkey` against `init` (the initial `.zkey` of the relation over the Powers of
/// Tau, from [`new_zkey`]): the same relation and Powers of Tau (circuit hash, header,
/// IC, coefficients, A, B1, B2 identical), the contribution chain ([`verify_chain`]), and
/// the C and H sections equal to the initial ones divided by the final delta (one random
/// linear combination each, checked with a pairing).
///
/// # Errors
/// [`CeremonyError::Mismatch`] naming what differs; [`CeremonyError::Contribution`].
pub fn verify(zkey: &Zkey, init: &Zkey) -> Result<Transcript, CeremonyError> {
    let mism = |what: &str| {
        Err(CeremonyError::Mismatch(format!(
            "{what} differs from the relation and Powers of Tau given: this .zkey is for another circuit or another Powers of Tau, or was tampered with"
        )))
    };
    if (zkey.n_vars, zkey.n_public, zkey.domain_size)
        != (init.n_vars, init.n_public, init.domain_size)
    {
        return mism("the shape (variables, public inputs, domain)");
    }
    if zkey.cs_hash != init.cs_hash {
        return mism("the circuit hash");
    }
    if zkey.alpha1 != init.alpha1 || zkey.beta1 != init.beta1 || zkey.beta2 != init.beta2 {
        return mism("alpha or beta");
    }
    if zkey.gamma2 != init.gamma2 {
        return mism("gamma");
    }
    if zkey.coefs != init.coefs {
        return mism("section 4 (coefficients)");
    }
    if zkey.ic != init.ic {
        return mism("section 3 (IC)");
    }
    if zkey.a != init.a {
        return mism("section 5 (A)");
    }
    if zkey.b1 != init.b1 {
        return mism("section 6 (B1)");
    }
    if zkey.b2 != init.b2 {
        return mism("section 7 (B2)");
    }
    let t = verify_chain(zkey)?;
    let mut rng = OsRng;
    for (label, ours, theirs) in [
        ("section 8 (C)", &zkey.c, &init.c),
        ("section 9 (H)", &zkey.h, &init.h),
    ] {
        if ours.len() != theirs.len() {
            return mism(label);
        }
        let r: Vec<Fr> = (0..ours.len())
            .map(|_| Fr::from(u128::rand(&mut rng)))
            .collect();
        let r_init = random_combination(theirs, &r);
        let r_ours = random_combination(ours, &r);
        if r_init.is_zero() && r_ours.is_zero() {
            continue;
        }
        if !same_ratio(r_ours, r_init, init.delta2, zkey.delta2) {
            return Err(CeremonyError::Mismatch(format!(
                "{label} is not the initial one divided by the final delta: a tampered point"
            )));
        }
    }
    Ok(t)
}
