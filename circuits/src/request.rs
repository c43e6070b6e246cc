//! Binding a policy proof to one loan request.
//!
//! `request = reduce_Fr(merlin("zkcredit/request/v1"; chain_id, account, amount, term,
//! rate_bps, policy_id, nonce) squeezed to 64 bytes)`. A proof made for one request is
//! useless for any other: change any field and the public input changes.

use crate::Fr;
use ark_ff::PrimeField;
use merlin::Transcript;
use serde::{Deserialize, Serialize};

/// Domain separator of the request transcript.
pub const REQUEST_LABEL: &[u8] = b"zkcredit/request/v1";

/// A loan request, as the applicant signs it and the proof binds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoanRequest {
    /// The ledger (chain) the request is for.
    pub chain_id: String,
    /// The applicant's account.
    pub account: String,
    /// Principal, in minor units.
    pub amount: u64,
    /// Number of instalments.
    pub term: u64,
    /// Yearly interest rate in basis points.
    pub rate_bps: u64,
    /// The policy the application is made under.
    pub policy_id: u64,
    /// Applicant-chosen nonce: one request, one binding.
    pub nonce: u64,
}

impl LoanRequest {
    /// The field element bound into the proof as its `request` public input.
    pub fn binding(&self) -> Fr {
        let mut t = Transcript::new(REQUEST_LABEL);
        t.append_message(b"chain_id", self.chain_id.as_bytes());
        t.append_message(b"account", self.account.as_bytes());
        t.append_u64(b"amount", self.amount);
        t.append_u64(b"term", self.term);
        t.append_u64(b"rate_bps", self.rate_bps);
        t.append_u64(b"policy_id", self.policy_id);
        t.append_u64(b"nonce", self.nonce);
        let mut out = [0u8; 64];
        t.challenge_bytes(b"request", &mut out);
        Fr::from_le_bytes_mod_order(&out)
    }
}
