//! Domain tags and nullifier scopes: every chain-specific constant a proof is bound to.

use crate::codec;
use crate::tx::Params;
use zkcredit_circuits::{poseidon, Fr};

/// `BLAKE2b-256(domain ‖ chain_id)` reduced into Fr.
pub fn tag(domain: &str, chain_id: &str) -> Fr {
    codec::fr_from_hash(&codec::hash(domain, &[chain_id.as_bytes()]))
}

/// The co-op's own issuer id on chain `chain_id`: `H("zkcredit/coop-issuer/v1" ‖ chain_id)`
/// reduced into Fr.
pub fn coop_issuer_id(chain_id: &str) -> Fr {
    tag("zkcredit/coop-issuer/v1", chain_id)
}

/// Nullifier scope of loan applications at `time`: `Poseidon(pool_tag, epoch)` with
/// `pool_tag = H("zkcredit/pool/v1" ‖ chain_id)` and `epoch = time / epoch_secs`.
pub fn application_scope(params: &Params, time: u64) -> Fr {
    poseidon::hash2(
        tag("zkcredit/pool/v1", &params.chain_id),
        Fr::from(time / params.epoch_secs),
    )
}

/// Nullifier scope of admission proofs: `Poseidon(H("zkcredit/admission/v1" ‖ chain_id), 0)`.
/// Fixed for the life of the chain, so one credential holder joins once, ever.
pub fn admission_scope(params: &Params) -> Fr {
    poseidon::hash2(
        tag("zkcredit/admission/v1", &params.chain_id),
        Fr::from(0u64),
    )
}

/// Nullifier scope of votes on proposal `id`: `Poseidon(H("zkcredit/proposal/v1" ‖ chain_id), id)`.
pub fn vote_scope(params: &Params, id: u64) -> Fr {
    poseidon::hash2(tag("zkcredit/proposal/v1", &params.chain_id), Fr::from(id))
}

/// Signal of a vote: `Poseidon(proposal id, approve ? 1 : 0)`.
pub fn vote_signal(id: u64, approve: bool) -> Fr {
    poseidon::hash2(Fr::from(id), Fr::from(u64::from(approve)))
}
