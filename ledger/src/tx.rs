//! Transactions, blocks and genesis: the bytes the ledger signs, stores and hashes.

use crate::codec::{self, Hash};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use zkcredit_circuits::credential::NUM_ATTRS;
use zkcredit_circuits::policy::{Clause, Policy};
use zkcredit_circuits::Fr;

/// An account: an ed25519 public key.
pub type Account = [u8; 32];

/// Version written into every block header.
pub const BLOCK_VERSION: u32 = 1;

/// A signed transaction.
///
/// The signer signs [`Tx::signing_message`]; officers co-sign the same message for actions that
/// need k-of-n signatures. `nonce` must equal the signer's number of accepted transactions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tx {
    /// The account that sends (and pays for, and is answerable for) the transaction.
    #[serde(with = "codec::hex32")]
    pub signer: Account,
    /// The signer's next nonce (0 for a fresh account).
    pub nonce: u64,
    /// What the transaction does.
    pub body: TxBody,
    /// ed25519 signature (64 bytes) of the signer over [`Tx::signing_message`].
    #[serde(with = "codec::hex_bytes")]
    pub signature: Vec<u8>,
    /// Further officers' signatures over the same message.
    pub cosignatures: Vec<Cosignature>,
}

/// One co-signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cosignature {
    /// The co-signing officer.
    #[serde(with = "codec::hex32")]
    pub signer: Account,
    /// ed25519 signature (64 bytes) over the transaction's signing message.
    #[serde(with = "codec::hex_bytes")]
    pub signature: Vec<u8>,
}

/// A Groth16 proof with the public inputs it was made for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofData {
    /// Public inputs in the circuit's order; the ledger compares each with its own state.
    #[serde(with = "codec::fr_vec")]
    pub public_inputs: Vec<Fr>,
    /// Compressed proof: A (32) ‖ B (64) ‖ C (32) bytes.
    #[serde(with = "codec::hex_bytes")]
    pub proof: Vec<u8>,
}

/// One linear policy clause: `Σ coeffs[j]·attrs[j] + constant − instalment_coeff·instalment ≥ 0`.
///
/// `instalment` is the largest instalment (principal + interest) of the loan applied for,
/// computed by the ledger's own schedule maths from the application's amount, term and rate
/// ([`crate::schedule::largest_instalment`]); for admission it is 0. So a proof of
/// affordability for one loan says nothing about a larger one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseRule {
    /// Signed coefficients.
    pub coeffs: [i64; NUM_ATTRS],
    /// Signed constant.
    pub constant: i128,
    /// How many times the instalment is subtracted from the constant (e.g. 10000 for a
    /// debt-to-income clause in basis points, 3 for "balance covers three instalments").
    #[serde(default)]
    pub instalment_coeff: i64,
}

/// A lending policy as governance sets it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRules {
    /// Human-readable name.
    pub name: String,
    /// Up to four clauses.
    pub clauses: Vec<ClauseRule>,
    /// The issuer whose attestation the proof must use.
    #[serde(with = "codec::fr")]
    pub issuer: Fr,
    /// The credential schema the clauses are written for (bound in the proof).
    pub schema: u64,
    /// Freshness: the credential must have been issued at most this many seconds before the
    /// proof's `now` (`None`: any age).
    pub max_credential_age: Option<u64>,
    /// Yearly interest rate in basis points; applications must ask exactly this rate.
    pub rate_bps: u64,
    /// Largest principal, in minor units.
    pub max_amount: u64,
    /// Longest term, in instalments.
    pub max_term: u64,
    /// Whether applications are accepted.
    pub active: bool,
}

impl PolicyRules {
    /// The circuits' policy for an application whose largest instalment is `instalment`:
    /// each constant becomes `constant − instalment_coeff · instalment`.
    ///
    /// # Errors
    /// `None` when a constant leaves the signed 128-bit range.
    pub fn policy_for(&self, instalment: u64) -> Option<Policy> {
        let clauses = self
            .clauses
            .iter()
            .map(|c| {
                let k = i128::from(c.instalment_coeff).checked_mul(i128::from(instalment))?;
                Some(Clause {
                    coeffs: c.coeffs,
                    constant: c.constant.checked_sub(k)?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Policy { clauses })
    }

    /// The policy with no instalment (admission, or clauses that do not use it).
    pub fn policy(&self) -> Policy {
        Policy {
            clauses: self
                .clauses
                .iter()
                .map(|c| Clause {
                    coeffs: c.coeffs,
                    constant: c.constant,
                })
                .collect(),
        }
    }
}

/// What a transaction does. Each variant's rules and rejection reasons are in
/// `docs/ledger.md` and on [`crate::TxError`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TxBody {
    /// Bootstrap only (k-of-n officers, while the co-op has no member yet): register an issuer
    /// id and the account that attests for it. Afterwards members decide by
    /// [`ProposalAction::RegisterIssuer`].
    RegisterIssuer {
        /// Issuer id as proofs name it.
        #[serde(with = "codec::fr")]
        issuer: Fr,
        /// The account that signs its attestations.
        #[serde(with = "codec::hex32")]
        account: Account,
        /// Display name.
        name: String,
    },
    /// An issuer adds `registry_leaf(its id, commitment)` to the credential registry.
    Attest {
        /// Credential commitment.
        #[serde(with = "codec::fr")]
        commitment: Fr,
    },
    /// An issuer sets one of its registry leaves to 0.
    Revoke {
        /// Leaf index.
        index: u64,
    },
    /// Become a member: identity commitment into the member tree, first deposit into the pool,
    /// with an admission proof (the co-op's admission policy, holder bound to `identity`,
    /// nullifier in the fixed admission scope: one membership per credential holder, ever).
    Join {
        /// `Poseidon(s)`; the admission proof's holder binding must equal it.
        #[serde(with = "codec::fr")]
        identity: Fr,
        /// First deposit, minor units.
        deposit: u64,
        /// The admission proof.
        proof: ProofData,
    },
    /// A member adds capital.
    Deposit {
        /// Minor units.
        amount: u64,
    },
    /// A member takes capital out, only against free liquidity.
    Withdraw {
        /// Minor units.
        amount: u64,
    },
    /// Bootstrap only (k-of-n officers, while the co-op has no member yet): create or replace
    /// a policy. Afterwards members decide by [`ProposalAction::SetPolicy`].
    SetPolicy {
        /// Policy id (bound into loan requests).
        policy_id: u64,
        /// The rules.
        rules: PolicyRules,
    },
    /// Bootstrap only (k-of-n officers, while the co-op has no member yet): which policy
    /// admits new members (`None`: admission closed). Afterwards members decide by
    /// [`ProposalAction::SetAdmission`].
    SetAdmission {
        /// Policy id, or `None`.
        policy_id: Option<u64>,
    },
    /// A member applies for a loan with a policy proof bound to this request.
    ApplyLoan {
        /// Policy applied under.
        policy_id: u64,
        /// Principal, minor units.
        amount: u64,
        /// Instalments.
        term: u64,
        /// Yearly rate in basis points (must equal the policy's).
        rate_bps: u64,
        /// The policy proof.
        proof: ProofData,
    },
    /// An anonymous member vote on a proposal, with a membership proof. Any key may send it.
    Vote {
        /// Proposal id.
        proposal: u64,
        /// For or against.
        approve: bool,
        /// The membership proof.
        proof: ProofData,
    },
    /// A member (signing with the account it joined with) opens a proposal; members vote on
    /// it anonymously and it executes itself when its vote closes.
    Propose {
        /// What the co-op would do.
        action: ProposalAction,
    },
    /// Officer(s): pay out a passed `Spend` proposal above the treasury limit (k-of-n).
    Release {
        /// Proposal id.
        proposal: u64,
    },
    /// Officer(s): pay out an approved loan and start its instalment schedule.
    Disburse {
        /// Loan id.
        loan: u64,
    },
    /// The borrower pays the next instalment (principal + interest + any late fee), exactly.
    Repay {
        /// Loan id.
        loan: u64,
        /// Amount paid, must equal what is due.
        amount: u64,
    },
    /// A member has the co-op attest its repayment history (`coop-history-v1`).
    ClaimHistory {
        /// The member's identity commitment (must be the one it joined with).
        #[serde(with = "codec::fr")]
        subject: Fr,
        /// The history as the member reads it from the ledger; must match.
        attrs: [u64; NUM_ATTRS],
        /// Issue time (within the time tolerance of the block).
        issued_at: u64,
        /// Expiry (at most the configured validity after `issued_at`).
        expires_at: u64,
        /// The member's blinding salt.
        #[serde(with = "codec::fr")]
        salt: Fr,
    },
    /// The borrower withdraws a loan that was never paid out: while its vote runs, or
    /// approved and waiting for disbursement. Its collateral and the pool's commitment are
    /// released; a running vote ends as withdrawn.
    CancelLoan {
        /// Loan id.
        loan: u64,
    },
}

/// What a member proposal would make the co-op do. Each is checked when proposed and checked
/// again when it executes (the state may have changed meanwhile); a passed proposal whose
/// effect no longer holds is recorded as failed, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProposalAction {
    /// Approve loan `loan` (opened by `ApplyLoan` above the auto-approval limit; cannot be
    /// proposed directly).
    Loan {
        /// Loan id.
        loan: u64,
    },
    /// Create or replace a policy.
    SetPolicy {
        /// Policy id.
        policy_id: u64,
        /// The rules.
        rules: PolicyRules,
    },
    /// Which policy admits new members (`None`: admission closed).
    SetAdmission {
        /// Policy id, or `None`.
        policy_id: Option<u64>,
    },
    /// Replace the parameters. `chain_id`, `depth`, `epoch_secs`, `officers` and `threshold`
    /// must stay as they are; the rest is validated as at genesis.
    SetParams {
        /// The new parameters, whole.
        params: Params,
    },
    /// Register an issuer id and the account that attests for it.
    RegisterIssuer {
        /// Issuer id as proofs name it.
        #[serde(with = "codec::fr")]
        issuer: Fr,
        /// The account that signs its attestations.
        account: Account,
        /// Display name.
        name: String,
    },
    /// Remove an issuer (not the co-op itself, nor one an active policy uses): its account
    /// can no longer attest.
    RemoveIssuer {
        /// Issuer id.
        #[serde(with = "codec::fr")]
        issuer: Fr,
    },
    /// Distribute `amount` of undistributed profit, pro rata to capital × time since the last
    /// distribution, keeping `distribution_reserve_bps` of it in the reserve.
    Distribute {
        /// Minor units.
        amount: u64,
    },
    /// Pay `amount` out of the pool to `to`, from undistributed profit first, then the reserve
    /// (never from members' capital). Above `treasury_limit` it waits, once passed, for a
    /// k-of-n officer `Release`.
    Spend {
        /// Payee.
        to: Account,
        /// Minor units.
        amount: u64,
        /// What for.
        memo: String,
    },
}

impl ProposalAction {
    /// Short name of the action.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Loan { .. } => "loan",
            Self::SetPolicy { .. } => "set-policy",
            Self::SetAdmission { .. } => "set-admission",
            Self::SetParams { .. } => "set-params",
            Self::RegisterIssuer { .. } => "register-issuer",
            Self::RemoveIssuer { .. } => "remove-issuer",
            Self::Distribute { .. } => "distribute",
            Self::Spend { .. } => "spend",
        }
    }
}

impl TxBody {
    /// Whether the transaction carries a Groth16 proof (admission, application, vote).
    pub fn carries_proof(&self) -> bool {
        matches!(
            self,
            Self::Join { .. } | Self::ApplyLoan { .. } | Self::Vote { .. }
        )
    }

    /// Short name of the transaction kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::RegisterIssuer { .. } => "register-issuer",
            Self::Attest { .. } => "attest",
            Self::Revoke { .. } => "revoke",
            Self::Join { .. } => "join",
            Self::Deposit { .. } => "deposit",
            Self::Withdraw { .. } => "withdraw",
            Self::SetPolicy { .. } => "set-policy",
            Self::SetAdmission { .. } => "set-admission",
            Self::ApplyLoan { .. } => "apply-loan",
            Self::Vote { .. } => "vote",
            Self::Propose { .. } => "propose",
            Self::Release { .. } => "release",
            Self::Disburse { .. } => "disburse",
            Self::Repay { .. } => "repay",
            Self::ClaimHistory { .. } => "claim-history",
            Self::CancelLoan { .. } => "cancel-loan",
        }
    }
}

impl Tx {
    /// `BLAKE2b-256("zkcredit/sign/v1" ‖ chain_id ‖ encode(signer, nonce, body))`.
    pub fn signing_message(chain_id: &str, signer: &Account, nonce: u64, body: &TxBody) -> Hash {
        let payload = codec::encode(&(signer, nonce, body));
        codec::hash(
            "zkcredit/sign/v1",
            &[
                &(chain_id.len() as u64).to_le_bytes(),
                chain_id.as_bytes(),
                &payload,
            ],
        )
    }

    /// A transaction signed by `key` (no co-signatures).
    pub fn sign(chain_id: &str, key: &SigningKey, nonce: u64, body: TxBody) -> Self {
        let signer = key.verifying_key().to_bytes();
        let msg = Self::signing_message(chain_id, &signer, nonce, &body);
        Self {
            signer,
            nonce,
            body,
            signature: key.sign(&msg).to_bytes().to_vec(),
            cosignatures: Vec::new(),
        }
    }

    /// Adds `key`'s co-signature.
    pub fn cosign(mut self, chain_id: &str, key: &SigningKey) -> Self {
        let msg = Self::signing_message(chain_id, &self.signer, self.nonce, &self.body);
        self.cosignatures.push(Cosignature {
            signer: key.verifying_key().to_bytes(),
            signature: key.sign(&msg).to_bytes().to_vec(),
        });
        self
    }

    /// This transaction's signing message.
    pub fn message(&self, chain_id: &str) -> Hash {
        Self::signing_message(chain_id, &self.signer, self.nonce, &self.body)
    }

    /// `BLAKE2b-256("zkcredit/tx/v1" ‖ encode(tx))`, signatures included.
    pub fn hash(&self) -> Hash {
        codec::hash("zkcredit/tx/v1", &[&codec::encode(self)])
    }
}

/// Checks one ed25519 signature (strict verification: no malleable encodings).
///
/// `verify_strict` (ed25519-dalek 2.2) makes every check `verify` makes — `s` canonical, the
/// recomputed `R` compared with the signature's `R` *bytes* (so a non-canonical encoding of
/// `R` fails) — and also refuses a small-order `R` or key; calling `verify` after it, as this
/// function once did, checked nothing more at the price of a second verification.
pub fn check_signature(account: &Account, msg: &Hash, signature: &[u8]) -> bool {
    let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(account) else {
        return false;
    };
    key.verify_strict(msg, &sig).is_ok()
}

/// A block header. Its hash is the block's hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockHeader {
    /// [`BLOCK_VERSION`].
    pub version: u32,
    /// 1 for the first block after genesis.
    pub height: u64,
    /// Block time, unix seconds; never less than the previous block's.
    pub time: u64,
    /// Hash of the previous block (the genesis hash for height 1).
    #[serde(with = "codec::hex32")]
    pub prev_hash: Hash,
    /// [`tx_root`] of the transactions.
    #[serde(with = "codec::hex32")]
    pub tx_root: Hash,
    /// State hash after applying the block.
    #[serde(with = "codec::hex32")]
    pub state_hash: Hash,
    /// Number of transactions.
    pub tx_count: u32,
}

impl BlockHeader {
    /// `BLAKE2b-256("zkcredit/block/v1" ‖ encode(header))`.
    pub fn hash(&self) -> Hash {
        codec::hash("zkcredit/block/v1", &[&codec::encode(self)])
    }
}

/// A block: header and transactions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// The header.
    pub header: BlockHeader,
    /// The transactions, in order of application.
    pub txs: Vec<Tx>,
}

/// Binary BLAKE2b Merkle root of transaction hashes: leaves are [`Tx::hash`], a node is
/// `H("zkcredit/txnode/v1" ‖ left ‖ right)`, an odd node is carried up unchanged, and the
/// empty list has root `H("zkcredit/txroot/empty")`.
pub fn tx_root(txs: &[Tx]) -> Hash {
    let mut level: Vec<Hash> = txs.iter().map(Tx::hash).collect();
    if level.is_empty() {
        return codec::hash("zkcredit/txroot/empty", &[]);
    }
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|p| match p {
                [l, r] => codec::hash("zkcredit/txnode/v1", &[l, r]),
                [one] => *one,
                _ => unreachable!(),
            })
            .collect();
    }
    level[0]
}

/// The co-op's parameters: set at genesis, changed by member proposals
/// ([`ProposalAction::SetParams`]) except for the fields fixed for the chain's life
/// (`chain_id`, `depth`, `epoch_secs`, `officers`, `threshold`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// Chain id, bound into every signature and loan request.
    pub chain_id: String,
    /// Depth of the credential registry and the member tree (the circuits' depth).
    pub depth: u32,
    /// How long, in seconds, a registry root stays accepted after a newer one replaced it
    /// (a revocation ends every earlier root at once).
    pub root_window_secs: u64,
    /// A proof's `now` must lie in `[block time, block time + time_tolerance]`: never before
    /// the block, so that "unexpired at `now`" means unexpired when the block applies it.
    pub time_tolerance: u64,
    /// Length of an application epoch (nullifier scope), seconds.
    pub epoch_secs: u64,
    /// Smallest first deposit.
    pub min_deposit: u64,
    /// Loans up to this principal are approved when their proof verifies; larger ones go to a
    /// member vote.
    pub auto_approve_limit: u64,
    /// Treasury actions moving more than this need `threshold` officer signatures.
    pub treasury_limit: u64,
    /// Officers' accounts.
    #[serde(with = "codec::hex32_vec")]
    pub officers: Vec<Account>,
    /// k of k-of-n.
    pub threshold: u32,
    /// Quorum: share of a proposal's voters (its snapshot) who must vote, basis points.
    pub quorum_bps: u32,
    /// Majority: a proposal passes when yes votes are strictly more than this share of the
    /// votes cast, basis points (5000: simple majority).
    #[serde(default = "default_majority_bps")]
    pub majority_bps: u32,
    /// How long a proposal stays open, seconds; it closes at the first block at or after
    /// its deadline.
    pub vote_period: u64,
    /// Most proposals one member may have open at once (spam limit).
    #[serde(default = "default_max_open_proposals")]
    pub max_open_proposals: u32,
    /// Capital a borrower must hold locked against a loan, basis points of its principal
    /// (released as the principal is repaid, taken first on a write-off).
    #[serde(default = "default_collateral_bps")]
    pub collateral_bps: u32,
    /// Part of interest income put in the loss reserve, basis points.
    pub interest_reserve_bps: u32,
    /// Part of a distribution kept in the reserve, basis points.
    pub distribution_reserve_bps: u32,
    /// Instalment period, seconds.
    pub period_secs: u64,
    /// Seconds after a due date before a late fee may be charged.
    pub late_grace: u64,
    /// Late fee, basis points of the instalment.
    pub late_fee_bps: u32,
    /// Seconds after the oldest unpaid due date before a loan may be written off.
    pub default_grace: u64,
    /// Longest validity of a repayment-history credential, seconds.
    pub history_validity: u64,
    /// Shortest time between two history claims of one member, seconds (each claim revokes
    /// the previous credential, which ends every earlier registry root).
    pub history_claim_interval: u64,
}

impl Params {
    /// Sensible defaults for a co-op on chain `chain_id` with the given officers.
    pub fn new(chain_id: &str, depth: u32, officers: Vec<Account>, threshold: u32) -> Self {
        Self {
            chain_id: chain_id.to_string(),
            depth,
            root_window_secs: 3_600,
            time_tolerance: 600,
            epoch_secs: 30 * 86_400,
            min_deposit: 10_000,
            auto_approve_limit: 500_000,
            treasury_limit: 1_000_000,
            officers,
            threshold,
            quorum_bps: 5_000,
            majority_bps: default_majority_bps(),
            vote_period: 7 * 86_400,
            max_open_proposals: default_max_open_proposals(),
            collateral_bps: default_collateral_bps(),
            interest_reserve_bps: 2_000,
            distribution_reserve_bps: 1_000,
            period_secs: 30 * 86_400,
            late_grace: 5 * 86_400,
            late_fee_bps: 500,
            default_grace: 60 * 86_400,
            history_validity: 365 * 86_400,
            history_claim_interval: 86_400,
        }
    }
}

fn default_majority_bps() -> u32 {
    5_000
}
fn default_max_open_proposals() -> u32 {
    3
}
fn default_collateral_bps() -> u32 {
    2_000
}

impl Params {
    /// Checks the parameters' consistency (at genesis and for every `SetParams`).
    ///
    /// # Errors
    /// A sentence naming the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.officers.is_empty()
            || self.threshold == 0
            || self.threshold as usize > self.officers.len()
        {
            return Err("need 1 <= threshold <= number of officers".into());
        }
        let mut seen = self.officers.clone();
        seen.sort_unstable();
        seen.dedup();
        if seen.len() != self.officers.len() {
            return Err("duplicate officer".into());
        }
        if self.epoch_secs == 0 || self.period_secs == 0 {
            return Err("epoch_secs and period_secs must be positive".into());
        }
        if self.vote_period == 0 {
            return Err("vote_period must be positive".into());
        }
        if self.max_open_proposals == 0 {
            return Err("max_open_proposals must be positive".into());
        }
        for (name, v) in [
            ("interest_reserve_bps", self.interest_reserve_bps),
            ("distribution_reserve_bps", self.distribution_reserve_bps),
            ("quorum_bps", self.quorum_bps),
            ("collateral_bps", self.collateral_bps),
            ("late_fee_bps", self.late_fee_bps),
        ] {
            if v > 10_000 {
                return Err(format!("{name} is above 10000"));
            }
        }
        if self.majority_bps >= 10_000 {
            return Err("majority_bps must be below 10000 (yes must exceed that share)".into());
        }
        Ok(())
    }

    /// Checks that `next` keeps the fields fixed for the chain's life and is itself valid.
    ///
    /// # Errors
    /// A sentence naming the field.
    pub fn validate_change(&self, next: &Params) -> Result<(), String> {
        if next.chain_id != self.chain_id {
            return Err("chain_id cannot change".into());
        }
        if next.depth != self.depth {
            return Err("depth cannot change".into());
        }
        if next.epoch_secs != self.epoch_secs {
            return Err("epoch_secs cannot change (it fixes the application scopes)".into());
        }
        if next.officers != self.officers || next.threshold != self.threshold {
            return Err("officers and threshold cannot change".into());
        }
        next.validate()
    }
}

impl Default for Params {
    fn default() -> Self {
        Self::new("", 0, Vec::new(), 0)
    }
}

/// A verifying key registered at genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// Circuit id, e.g. `policy-d20-k8-c4`.
    pub circuit: String,
    /// arkworks compressed verifying key.
    #[serde(with = "codec::hex_bytes")]
    pub vk: Vec<u8>,
    /// True for keys from an insecure seeded setup.
    pub insecure: bool,
}

/// Everything that fixes a chain before its first block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Genesis {
    /// Parameters.
    pub params: Params,
    /// Genesis time, unix seconds.
    pub time: u64,
    /// The policy and membership verifying keys.
    pub keys: Vec<KeyRecord>,
}

impl Genesis {
    /// `BLAKE2b-256("zkcredit/genesis/v1" ‖ encode(genesis))`: the previous hash of block 1.
    pub fn hash(&self) -> Hash {
        codec::hash("zkcredit/genesis/v1", &[&codec::encode(self)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey, Verifier};

    /// The group order ℓ of ed25519, little-endian.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];

    #[test]
    fn signatures_are_checked_strictly() {
        let k = SigningKey::from_bytes(&[9u8; 32]);
        let acct = k.verifying_key().to_bytes();
        let msg = [3u8; 32];
        let sig = k.sign(&msg).to_bytes();
        assert!(check_signature(&acct, &msg, &sig));
        assert!(!check_signature(&acct, &[4u8; 32], &sig));
        // The same signature with s + ℓ (a malleated copy): refused.
        let mut s = [0u8; 32];
        let mut carry = 0u16;
        for i in 0..32 {
            let v = u16::from(sig[32 + i]) + u16::from(L[i]) + carry;
            s[i] = v as u8;
            carry = v >> 8;
        }
        let mut malleated = sig;
        malleated[32..].copy_from_slice(&s);
        assert!(!check_signature(&acct, &msg, &malleated));
        // The identity as key with R = identity and s = 0 satisfies the plain (cofactorless)
        // equation for every message; the strict check refuses small-order keys and R.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut forged = [0u8; 64];
        forged[0] = 1;
        assert!(VerifyingKey::from_bytes(&identity)
            .expect("decodes")
            .verify(&msg, &ed25519_dalek::Signature::from_bytes(&forged))
            .is_ok());
        assert!(!check_signature(&identity, &msg, &forged));
        assert!(!check_signature(&acct, &msg, &sig[..63]));
    }
}
