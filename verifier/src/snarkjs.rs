//! Export to, and import from, the JSON formats of [snarkjs](https://github.com/iden3/snarkjs)
//! 0.7. Export lets anyone check a zkcredit proof with an independent implementation;
//! import lets zkcredit check a proof made by snarkjs, rapidsnark or another prover of the
//! circom ecosystem from a ceremony key (`zkcredit import snarkjs`):
//!
//! ```text
//! snarkjs groth16 verify verification_key.json public.json proof.json
//! ```
//!
//! Layout (checked against snarkjs 0.7.6 / ffjavascript `toObject`/`fromObject`):
//! * scalars and coordinates are decimal strings of their canonical value;
//! * a G1 point is projective `[x, y, "1"]` (the identity is `["0", "1", "0"]`);
//! * a G2 point is `[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]` — `c0` (the real part) first,
//!   as ffjavascript stores Fq2; this is *not* the swapped `[c1, c0]` order of the EVM
//!   precompile and the Solidity verifier;
//! * `vk_alphabeta_12` is e(alpha, beta) in `Fq12 = Fq6[w]`, `Fq6 = Fq2[v]`, `Fq2 = Fq[u]`, as
//!   `[[[c0.c0.c0, c0.c0.c1], [c0.c1.c0, c0.c1.c1], [c0.c2.c0, c0.c2.c1]], [[c1.c0.c0, ...]]]`.
//!   snarkjs and arkworks use the same tower (u² = −1, v³ = 9 + u, w² = v) and the same
//!   reduced pairing, so the value matches `snarkjs zkey export verificationkey`.
//!   `snarkjs groth16 verify` ignores this field and recomputes the pairing itself.

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr};
use ark_ff::PrimeField;
use ark_groth16::{Proof, VerifyingKey};
use serde_json::{json, Value};

use crate::encoding::{fr_from_decimal, fr_to_decimal, DecimalError};
use crate::VerifyError;

fn fq(x: &Fq) -> Value {
    Value::String(x.into_bigint().to_string())
}

fn fq2(x: &Fq2) -> Value {
    json!([fq(&x.c0), fq(&x.c1)])
}

/// A G1 point as snarkjs writes it: `[x, y, "1"]`, or `["0", "1", "0"]` for the identity.
#[must_use]
pub fn g1_json(p: &G1Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([fq(&x), fq(&y), "1"]),
        None => json!(["0", "1", "0"]),
    }
}

/// A G2 point as snarkjs writes it: `[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]`, or
/// `[["0","0"], ["1","0"], ["0","0"]]` for the identity.
#[must_use]
pub fn g2_json(p: &G2Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([fq2(&x), fq2(&y), ["1", "0"]]),
        None => json!([["0", "0"], ["1", "0"], ["0", "0"]]),
    }
}

/// snarkjs's `verification_key.json` for a Groth16 key.
#[must_use]
pub fn verification_key_json(vk: &VerifyingKey<Bn254>) -> Value {
    let alphabeta = Bn254::pairing(vk.alpha_g1, vk.beta_g2).0;
    let fq6 = |x: &ark_bn254::Fq6| json!([fq2(&x.c0), fq2(&x.c1), fq2(&x.c2)]);
    json!({
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": vk.gamma_abc_g1.len() - 1,
        "vk_alpha_1": g1_json(&vk.alpha_g1),
        "vk_beta_2": g2_json(&vk.beta_g2),
        "vk_gamma_2": g2_json(&vk.gamma_g2),
        "vk_delta_2": g2_json(&vk.delta_g2),
        "vk_alphabeta_12": [fq6(&alphabeta.c0), fq6(&alphabeta.c1)],
        "IC": vk.gamma_abc_g1.iter().map(g1_json).collect::<Vec<_>>(),
    })
}

/// snarkjs's `proof.json` for a Groth16 proof.
#[must_use]
pub fn proof_json(proof: &Proof<Bn254>) -> Value {
    json!({
        "pi_a": g1_json(&proof.a),
        "pi_b": g2_json(&proof.b),
        "pi_c": g1_json(&proof.c),
        "protocol": "groth16",
        "curve": "bn128",
    })
}

/// snarkjs's `public.json`: the public inputs as decimal strings.
#[must_use]
pub fn public_json(inputs: &[Fr]) -> Value {
    Value::Array(
        inputs
            .iter()
            .map(|x| Value::String(fr_to_decimal(x)))
            .collect(),
    )
}

// --- Import: a proof made by snarkjs, rapidsnark or any circom-ecosystem prover ---

fn malformed(what: &str, why: impl std::fmt::Display) -> VerifyError {
    VerifyError::Malformed(format!("{what}: {why}"))
}

fn fq_from(v: &Value, what: &str) -> Result<Fq, VerifyError> {
    let s = v
        .as_str()
        .ok_or_else(|| malformed(what, "not a decimal string"))?;
    zkcredit_circuits::field::parse_decimal_in::<Fq>(s).map_err(|e| match e {
        DecimalError::OutOfField => malformed(what, "not below the base field modulus q"),
        e => malformed(what, e),
    })
}

fn coords<'a>(v: &'a Value, what: &str) -> Result<[&'a Value; 3], VerifyError> {
    match v.as_array().map(Vec::as_slice) {
        Some([x, y, z]) => Ok([x, y, z]),
        _ => Err(malformed(what, "not an array of three coordinates")),
    }
}

/// A G1 point from snarkjs's JSON: affine `[x, y, "1"]`, canonical decimals, on the curve
/// and in the subgroup (G1 has cofactor 1). The identity (`z = "0"`) is refused: no proof
/// point may be the identity.
///
/// # Errors
/// [`VerifyError::Malformed`] naming `what` and the fault.
pub fn g1_from_json(v: &Value, what: &str) -> Result<G1Affine, VerifyError> {
    let [x, y, z] = coords(v, what)?;
    if z.as_str() != Some("1") {
        return Err(malformed(
            what,
            "not an affine point with z = \"1\" (the identity is not a valid proof point)",
        ));
    }
    let p = G1Affine::new_unchecked(fq_from(x, what)?, fq_from(y, what)?);
    if !p.is_on_curve() {
        return Err(malformed(what, "not a point on the curve"));
    }
    Ok(p)
}

/// A G2 point from snarkjs's JSON: `[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]`, canonical
/// decimals, on the curve and in the prime-order subgroup (G2 has a cofactor, so this is
/// checked). The identity is refused.
///
/// # Errors
/// [`VerifyError::Malformed`] naming `what` and the fault.
pub fn g2_from_json(v: &Value, what: &str) -> Result<G2Affine, VerifyError> {
    let [x, y, z] = coords(v, what)?;
    let fq2_from = |c: &Value| -> Result<Fq2, VerifyError> {
        match c.as_array().map(Vec::as_slice) {
            Some([c0, c1]) => Ok(Fq2::new(fq_from(c0, what)?, fq_from(c1, what)?)),
            _ => Err(malformed(what, "an Fq2 coordinate is not [c0, c1]")),
        }
    };
    if fq2_from(z)? != Fq2::from(1u64) {
        return Err(malformed(
            what,
            "not an affine point with z = [\"1\", \"0\"] (the identity is not a valid proof point)",
        ));
    }
    let p = G2Affine::new_unchecked(fq2_from(x)?, fq2_from(y)?);
    if !p.is_on_curve() {
        return Err(malformed(what, "not a point on the curve"));
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(malformed(
            what,
            "on the curve but not in the prime-order subgroup",
        ));
    }
    Ok(p)
}

/// A Groth16 proof from snarkjs's `proof.json` (`snarkjs groth16 prove`, rapidsnark):
/// `protocol` must be `groth16` and `curve` `bn128` when present; each point strictly
/// decoded as by [`g1_from_json`] and [`g2_from_json`].
///
/// # Errors
/// [`VerifyError::Malformed`] naming the field.
pub fn proof_from_json(v: &Value) -> Result<Proof<Bn254>, VerifyError> {
    for (field, want) in [("protocol", "groth16"), ("curve", "bn128")] {
        match v.get(field) {
            None => {}
            Some(Value::String(s)) if s == want => {}
            Some(other) => {
                return Err(malformed(
                    &format!("proof.json {field}"),
                    format!("{other} (only {want:?} is supported)"),
                ))
            }
        }
    }
    let get = |k: &str| {
        v.get(k)
            .ok_or_else(|| malformed(&format!("proof.json {k}"), "missing"))
    };
    Ok(Proof {
        a: g1_from_json(get("pi_a")?, "proof.json pi_a")?,
        b: g2_from_json(get("pi_b")?, "proof.json pi_b")?,
        c: g1_from_json(get("pi_c")?, "proof.json pi_c")?,
    })
}

/// Public inputs from snarkjs's `public.json`: an array of canonical decimal strings below
/// the scalar field modulus (never reduced).
///
/// # Errors
/// [`VerifyError::Malformed`] or [`VerifyError::InputOutOfField`] naming the index.
pub fn public_from_json(v: &Value) -> Result<Vec<Fr>, VerifyError> {
    let items = v
        .as_array()
        .ok_or_else(|| malformed("public.json", "not an array of decimal strings"))?;
    items
        .iter()
        .enumerate()
        .map(|(index, x)| {
            let s = x.as_str().ok_or_else(|| {
                malformed(&format!("public.json [{index}]"), "not a decimal string")
            })?;
            fr_from_decimal(s).map_err(|e| match e {
                DecimalError::OutOfField => VerifyError::InputOutOfField { index },
                e => malformed(&format!("public.json [{index}]"), e),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values computed with ffjavascript 0.3 (snarkjs 0.7.6's curve library):
    /// `curve.G2.toObject(curve.G2.toAffine(curve.G2.g))` and
    /// `curve.Gt.toObject(await curve.pairing(curve.G1.g, curve.G2.g))`.
    #[test]
    fn layout_matches_ffjavascript() {
        // The BN254 G1 generator is (1, 2).
        assert_eq!(g1_json(&G1Affine::generator()), json!(["1", "2", "1"]));
        assert_eq!(g1_json(&G1Affine::zero()), json!(["0", "1", "0"]));
        assert_eq!(
            g2_json(&G2Affine::generator()),
            json!([
                [
                    "10857046999023057135944570762232829481370756359578518086990519993285655852781",
                    "11559732032986387107991004021392285783925812861821192530917403151452391805634"
                ],
                [
                    "8495653923123431417604973247489272438418190587263600148770280649306958101930",
                    "4082367875863433681332203403145435568316851327593401208105741076214120093531"
                ],
                ["1", "0"]
            ])
        );
        assert_eq!(public_json(&[Fr::from(5u64)]), json!(["5"]));

        // vk_alphabeta_12 of a key whose alpha and beta are the generators.
        let vk = VerifyingKey::<Bn254> {
            alpha_g1: G1Affine::generator(),
            beta_g2: G2Affine::generator(),
            gamma_g2: G2Affine::generator(),
            delta_g2: G2Affine::generator(),
            gamma_abc_g1: vec![G1Affine::generator(); 3],
        };
        let v = verification_key_json(&vk);
        assert_eq!(v["nPublic"], json!(2));
        assert_eq!(v["IC"].as_array().map(Vec::len), Some(3));
        assert_eq!(
            v["vk_alphabeta_12"],
            json!([
                [
                    [
                        "17264119758069723980713015158403419364912226240334615592005620718956030922389",
                        "1300711225518851207585954685848229181392358478699795190245709208408267917898"
                    ],
                    [
                        "8894217292938489450175280157304813535227569267786222825147475294561798790624",
                        "1829859855596098509359522796979920150769875799037311140071969971193843357227"
                    ],
                    [
                        "4968700049505451466697923764727215585075098085662966862137174841375779106779",
                        "12814315002058128940449527172080950701976819591738376253772993495204862218736"
                    ]
                ],
                [
                    [
                        "4233474252585134102088637248223601499779641130562251948384759786370563844606",
                        "9420544134055737381096389798327244442442230840902787283326002357297404128074"
                    ],
                    [
                        "13457906610892676317612909831857663099224588803620954529514857102808143524905",
                        "5122435115068592725432309312491733755581898052459744089947319066829791570839"
                    ],
                    [
                        "8891987925005301465158626530377582234132838601606565363865129986128301774627",
                        "440796048150724096437130979851431985500142692666486515369083499585648077975"
                    ]
                ]
            ])
        );
    }

    /// Import is the inverse of export, and refuses every point or input that a strict
    /// decoder must: off the curve, a coordinate ≥ q, the identity, a G2 point outside the
    /// subgroup, another protocol, an input ≥ r.
    #[test]
    fn import_is_strict_and_inverts_export() {
        use ark_ec::{CurveGroup, PrimeGroup};
        let a = (ark_bn254::G1Projective::generator() * Fr::from(7u64)).into_affine();
        let b = (ark_bn254::G2Projective::generator() * Fr::from(11u64)).into_affine();
        let proof = Proof::<Bn254> { a, b, c: a };
        let j = proof_json(&proof);
        assert_eq!(proof_from_json(&j).unwrap(), proof);
        let inputs = [Fr::from(0u64), -Fr::from(1u64)];
        assert_eq!(public_from_json(&public_json(&inputs)).unwrap(), inputs);

        let refused = |j: Value, needle: &str| {
            let e = proof_from_json(&j).expect_err("accepted").to_string();
            assert!(e.contains(needle), "{e}");
        };
        let mut off = j.clone();
        off["pi_a"][1] = json!("3");
        refused(off, "pi_a: not a point on the curve");
        let mut big = j.clone();
        big["pi_c"][0] = json!(Fq::MODULUS.to_string());
        refused(big, "pi_c: not below the base field modulus q");
        let mut lead = j.clone();
        lead["pi_a"][0] = json!(format!("0{}", j["pi_a"][0].as_str().unwrap()));
        refused(lead, "pi_a");
        refused(
            json!({"pi_a": g1_json(&G1Affine::zero()), "pi_b": j["pi_b"], "pi_c": j["pi_c"]}),
            "pi_a: not an affine point",
        );
        let mut plonk = j.clone();
        plonk["protocol"] = json!("plonk");
        refused(plonk, "proof.json protocol");
        let mut missing = j.clone();
        missing.as_object_mut().unwrap().remove("pi_b");
        refused(missing, "proof.json pi_b: missing");
        // A point on the G2 curve outside the prime-order subgroup (the twist has a cofactor).
        let outside = (1u64..)
            .find_map(|x| {
                G2Affine::get_point_from_x_unchecked(Fq2::from(x), false)
                    .filter(|p| !p.is_in_correct_subgroup_assuming_on_curve())
            })
            .unwrap();
        let mut twist = j.clone();
        twist["pi_b"] = g2_json(&outside);
        refused(
            twist,
            "pi_b: on the curve but not in the prime-order subgroup",
        );

        let r = Fr::MODULUS.to_string();
        assert!(matches!(
            public_from_json(&json!(["1", r])),
            Err(VerifyError::InputOutOfField { index: 1 })
        ));
        assert!(public_from_json(&json!(["1", 2])).is_err());
        assert!(public_from_json(&json!({"0": "1"})).is_err());
    }
}
