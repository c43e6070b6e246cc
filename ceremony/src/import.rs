//! Turning a verified ceremony `.zkey` into the project's keys directory.

use crate::phase2::{coefficients, Transcript};
use crate::relation::Relation;
use crate::zkey::Zkey;
use crate::CeremonyError;
use ark_bn254::Bn254;
use ark_groth16::{ProvingKey, VerifyingKey};
use zkcredit_prover::ProvingKeys;
use zkcredit_verifier::CeremonyProvenance;

/// Checks that `zkey` is shaped for `rel` and proves its relation (the same variables,
/// public inputs, domain and `A`/`B` coefficients).
///
/// # Errors
/// [`CeremonyError::Mismatch`] naming what differs.
pub fn check_relation(zkey: &Zkey, rel: &Relation) -> Result<(), CeremonyError> {
    let want = (
        rel.num_vars as u32,
        rel.num_public as u32,
        rel.domain_size() as u32,
    );
    let found = (zkey.n_vars, zkey.n_public, zkey.domain_size);
    if want != found {
        return Err(CeremonyError::Mismatch(format!(
            "the .zkey has {} variables, {} public inputs and domain {}; {} has {}, {} and {}: \
             it is for another circuit",
            found.0, found.1, found.2, rel.id, want.0, want.1, want.2
        )));
    }
    if zkey.coefs != coefficients(rel) {
        return Err(CeremonyError::Mismatch(format!(
            "the .zkey's constraint coefficients (section 4) are not those of {}: it is for \
             another circuit",
            rel.id
        )));
    }
    Ok(())
}

/// The arkworks proving key held by a `.zkey`: snarkjs's `A`, `B1`, `B2`, `C` (arkworks'
/// `l_query`) and `H` sections map one to one; `IC` is `gamma_abc_g1`.
pub fn proving_key(zkey: &Zkey) -> ProvingKey<Bn254> {
    ProvingKey {
        vk: VerifyingKey {
            alpha_g1: zkey.alpha1,
            beta_g2: zkey.beta2,
            gamma_g2: zkey.gamma2,
            delta_g2: zkey.delta2,
            gamma_abc_g1: zkey.ic.clone(),
        },
        beta_g1: zkey.beta1,
        delta_g1: zkey.delta1,
        a_query: zkey.a.clone(),
        b_g1_query: zkey.b1.clone(),
        b_g2_query: zkey.b2.clone(),
        h_query: zkey.h.clone(),
        l_query: zkey.c.clone(),
    }
}

/// Keys for `rel` from a `.zkey` whose contribution chain `transcript` was verified: marked
/// as ceremony keys with the transcript hash, proving with circom's QAP reduction.
///
/// # Errors
/// [`CeremonyError::Mismatch`] if the `.zkey` is not for `rel`; [`CeremonyError::Keys`].
pub fn import(
    zkey: &Zkey,
    rel: &Relation,
    transcript: &Transcript,
) -> Result<ProvingKeys, CeremonyError> {
    check_relation(zkey, rel)?;
    let provenance = CeremonyProvenance {
        transcript_hash: transcript.transcript_hash.clone(),
        circuit_hash: transcript.circuit_hash.clone(),
        contributions: transcript
            .contributions
            .iter()
            .map(|c| c.hash.clone())
            .collect(),
        beacon: transcript
            .contributions
            .last()
            .is_some_and(|c| c.beacon.is_some()),
    };
    Ok(ProvingKeys::from_ceremony(
        rel.id,
        proving_key(zkey),
        provenance,
    )?)
}
