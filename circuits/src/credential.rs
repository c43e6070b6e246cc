//! Credentials: an issuer's attestation of eight attributes of one identity.

use crate::{field, poseidon, Fr};
use serde::{Deserialize, Serialize};

/// Attributes per credential (`K` in the circuit shape).
pub const NUM_ATTRS: usize = 8;

/// Schema 1, `bureau-v1`: the attribute layout of a credit bureau's report.
pub const SCHEMA_BUREAU_V1: u64 = 1;
/// Schema 2, `coop-history-v1`: a repayment history issued by the co-op itself.
pub const SCHEMA_COOP_HISTORY_V1: u64 = 2;

/// Attribute names of `bureau-v1`, in order.
pub const BUREAU_V1_ATTRS: [&str; NUM_ATTRS] = [
    "score",
    "monthly_income",
    "monthly_debt",
    "balance",
    "on_time_payments",
    "late_payments",
    "defaults",
    "employment_months",
];

/// Attribute names of `coop-history-v1`, in order.
pub const COOP_HISTORY_V1_ATTRS: [&str; NUM_ATTRS] = [
    "loans_repaid",
    "principal_repaid",
    "on_time_instalments",
    "late_instalments",
    "defaults",
    "open_loans",
    "member_months",
    "reserved",
];

/// Names of the attributes of a schema (`attr0`.. for unknown schemas).
pub fn attribute_names(schema: u64) -> [String; NUM_ATTRS] {
    let known = match schema {
        SCHEMA_BUREAU_V1 => Some(BUREAU_V1_ATTRS),
        SCHEMA_COOP_HISTORY_V1 => Some(COOP_HISTORY_V1_ATTRS),
        _ => None,
    };
    core::array::from_fn(|j| match known {
        Some(names) => names[j].to_string(),
        None => format!("attr{j}"),
    })
}

/// A credential as DESIGN.md fixes it.
///
/// `commitment = Poseidon(schema, subject, attrs[0..8], issued_at, expires_at, salt)` and the
/// registry leaf is `Poseidon(issuer, commitment)`. The credential is valid at time `now`
/// while `now < expires_at`: it is expired *at* `expires_at`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// Attribute layout (1 = bureau-v1, 2 = coop-history-v1).
    pub schema: u64,
    /// Issuer id whose attestation this is.
    #[serde(with = "field::serde_decimal")]
    pub issuer: Fr,
    /// The holder's identity commitment `Poseidon(s)`.
    #[serde(with = "field::serde_decimal")]
    pub subject: Fr,
    /// The attested attributes.
    pub attrs: [u64; NUM_ATTRS],
    /// Issue time, unix seconds.
    pub issued_at: u64,
    /// Expiry time, unix seconds (exclusive).
    pub expires_at: u64,
    /// Random blinding of the commitment.
    #[serde(with = "field::serde_decimal")]
    pub salt: Fr,
}

impl Credential {
    /// The 13 commitment inputs, in order.
    pub fn commitment_inputs(&self) -> [Fr; 13] {
        let mut x = [Fr::from(0u64); 13];
        x[0] = Fr::from(self.schema);
        x[1] = self.subject;
        for (slot, a) in x[2..10].iter_mut().zip(self.attrs) {
            *slot = Fr::from(a);
        }
        x[10] = Fr::from(self.issued_at);
        x[11] = Fr::from(self.expires_at);
        x[12] = self.salt;
        x
    }

    /// `Poseidon(schema, subject, attrs[0..8], issued_at, expires_at, salt)`.
    pub fn commitment(&self) -> Fr {
        poseidon::hash_array(&self.commitment_inputs())
    }

    /// The registry leaf `Poseidon(issuer, commitment)`.
    pub fn leaf(&self) -> Fr {
        registry_leaf(self.issuer, self.commitment())
    }

    /// Whether the credential is unexpired at `now` (`now < expires_at`).
    pub fn is_valid_at(&self, now: u64) -> bool {
        now < self.expires_at
    }
}

/// `Poseidon(issuer, commitment)`: what the registry stores for an attestation.
pub fn registry_leaf(issuer: Fr, commitment: Fr) -> Fr {
    poseidon::hash2(issuer, commitment)
}

impl core::fmt::Debug for Credential {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Credential")
            .field("schema", &self.schema)
            .field("issuer", &field::to_decimal(&self.issuer))
            .field("subject", &field::to_decimal(&self.subject))
            .field("attrs", &"<redacted>")
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("salt", &"<redacted>")
            .finish()
    }
}
