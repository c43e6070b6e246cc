//! Why a transaction, a block or a store operation was refused.

use crate::codec::DecodeError;

/// Why a transaction was rejected. A rejected transaction changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TxError {
    /// The signer's signature does not verify (or is not 64 bytes, or the key is invalid).
    #[error("bad signature")]
    BadSignature,
    /// Co-signature `index` does not verify.
    #[error("co-signature {index} does not verify")]
    BadCosignature {
        /// Position in `cosignatures`.
        index: usize,
    },
    /// A nonce already used (or, at a node's admission, not the account's next one).
    #[error("wrong nonce {found}: the account's next nonce is {expected}")]
    WrongNonce {
        /// The account's next nonce.
        expected: u64,
        /// The transaction's.
        found: u64,
    },
    /// The action needs an officer as signer.
    #[error("signer is not an officer")]
    NotAnOfficer,
    /// Fewer distinct officer signatures than needed.
    #[error("needs {need} officer signature(s), has {have}")]
    NotEnoughSignatures {
        /// Valid distinct officer signatures.
        have: u32,
        /// Required.
        need: u32,
    },
    /// The signer is not a member.
    #[error("signer is not a member")]
    NotAMember,
    /// The signer is already a member.
    #[error("signer is already a member")]
    AlreadyMember,
    /// The identity commitment is already in the member tree (or is 0).
    #[error("identity commitment already registered or zero")]
    DuplicateIdentity,
    /// An amount of zero.
    #[error("amount must be positive")]
    ZeroAmount,
    /// A first deposit below the minimum.
    #[error("deposit {found} is below the minimum {min}")]
    DepositTooSmall {
        /// Minimum.
        min: u64,
        /// Offered.
        found: u64,
    },
    /// Withdrawal above the member's capital.
    #[error("insufficient capital: has {available}, asked {requested}")]
    InsufficientCapital {
        /// Member capital.
        available: u64,
        /// Asked.
        requested: u64,
    },
    /// Not enough free liquidity in the pool.
    #[error("insufficient free liquidity: {free} free, {requested} asked")]
    InsufficientLiquidity {
        /// Free liquidity.
        free: u64,
        /// Asked.
        requested: u64,
    },
    /// Distribution above undistributed profit.
    #[error("only {available} of profit is undistributed, {requested} asked")]
    InsufficientProfit {
        /// Undistributed profit.
        available: u64,
        /// Asked.
        requested: u64,
    },
    /// No member holds capital to distribute to.
    #[error("no member capital to distribute to")]
    NoCapital,
    /// Checked arithmetic overflowed.
    #[error("arithmetic overflow")]
    Overflow,
    /// The signer is not a registered issuer's account.
    #[error("signer is not an issuer")]
    NotAnIssuer,
    /// The issuer id (decimal) is not registered (or, to remove, is the co-op's own).
    #[error("unknown issuer {0}: not registered (GET /v1/state or `ledger show` lists issuers)")]
    UnknownIssuer(String),
    /// The issuer id or account is already registered.
    #[error("issuer id or account already registered")]
    IssuerExists,
    /// No registry leaf at this index.
    #[error("no credential at registry index {0}")]
    UnknownCredential(u64),
    /// The leaf belongs to another issuer.
    #[error("registry index {0} was attested by another issuer")]
    NotYourCredential(u64),
    /// The leaf is already 0.
    #[error("registry index {0} is already revoked")]
    AlreadyRevoked(u64),
    /// A Merkle tree is full.
    #[error("{0} tree is full")]
    TreeFull(&'static str),
    /// Unknown policy id.
    #[error("unknown policy {0}")]
    UnknownPolicy(u64),
    /// The policy is not accepting applications.
    #[error("policy {0} is inactive")]
    PolicyInactive(u64),
    /// A policy that cannot be set.
    #[error("invalid policy: {0}")]
    InvalidPolicy(String),
    /// Loan terms outside the policy.
    #[error("loan terms refused: {0}")]
    TermsRefused(String),
    /// The proof's bytes or input count are not acceptable.
    #[error("malformed proof: {0}")]
    MalformedProof(String),
    /// The proof's registry root is not in the recent-roots window.
    #[error("registry root is unknown or too old: prove against the current root or one still accepted (`zkcredit ledger path`, GET /v1/registry/roots)")]
    UnknownRoot,
    /// The proof names another issuer than the policy requires.
    #[error("proof uses another issuer than the policy's ({expected})")]
    WrongIssuer {
        /// The issuer id the policy requires (decimal).
        expected: String,
    },
    /// The proof is for another credential schema than the policy's.
    #[error("proof is for credential schema {found}, the policy's is {expected}")]
    WrongSchema {
        /// The policy's schema.
        expected: u64,
        /// The proof's.
        found: u64,
    },
    /// The proof's `now` is not in `[block_time, block_time + tolerance]`.
    #[error(
        "proof time {now} is outside [block time, block time + {tolerance}] = [{block_time}, {}]",
        block_time.saturating_add(*tolerance)
    )]
    TimeOutOfTolerance {
        /// The proof's `now`.
        now: u64,
        /// The block's time.
        block_time: u64,
        /// The chain's `time_tolerance`.
        tolerance: u64,
    },
    /// The proof's freshness bound is weaker than the policy's `max_credential_age`.
    #[error("proof accepts credentials issued from {issued_after}; the policy needs {required} or later")]
    StaleCredential {
        /// The proof's `issued_after`.
        issued_after: u64,
        /// The smallest acceptable `issued_after`.
        required: u64,
    },
    /// The proof's holder binding is not the applicant's identity commitment (someone
    /// else's credential), or is a pseudonym instead of it.
    #[error("the credential's holder is not the applicant (holder binding {found}, expected {expected} with holder scope 0)")]
    HolderMismatch {
        /// The applicant's identity commitment (decimal).
        expected: String,
        /// The proof's holder binding (decimal).
        found: String,
    },
    /// No admission policy is set: the co-op admits nobody.
    #[error("admission is closed: governance has set no admission policy")]
    AdmissionClosed,
    /// A history claim sooner than `history_claim_interval` after the previous one.
    #[error("a new history credential can be claimed from {next}")]
    HistoryClaimTooSoon {
        /// First time a claim is accepted.
        next: u64,
    },
    /// The proof's coefficients or constants differ from the policy.
    #[error("proof is for other policy clauses")]
    PolicyMismatch,
    /// The proof's request binding differs from this transaction's request.
    #[error("proof is bound to another request: the binding covers the chain, the account, amount, term, rate, policy and the transaction's nonce (ask the plan: GET /v1/plan/loan or /v1/plan/join, or use `zkcredit coop`)")]
    RequestMismatch,
    /// The proof's nullifier scope is not the expected one.
    #[error("proof uses the wrong nullifier scope (expected {expected})")]
    WrongScope {
        /// The expected scope (decimal).
        expected: String,
    },
    /// The nullifier was used before.
    #[error("nullifier already used")]
    NullifierUsed,
    /// This member already voted on the proposal (its nullifier is spent).
    #[error("vote already cast for this member and proposal")]
    AlreadyVoted,
    /// The membership proof is for another member root than the proposal's snapshot.
    #[error("membership proof is for another member root")]
    WrongMemberRoot,
    /// The vote's signal does not match its proposal and choice.
    #[error("vote signal does not match the proposal and choice")]
    WrongSignal,
    /// The Groth16 check failed (found by the block's batch verification).
    #[error("proof does not verify")]
    InvalidProof,
    /// Unknown loan.
    #[error("unknown loan {0}")]
    UnknownLoan(u64),
    /// The loan belongs to someone else.
    #[error("loan {0} belongs to another account")]
    NotYourLoan(u64),
    /// The loan is not in the state the action needs.
    #[error("loan {loan} is {found}, needs {expected}")]
    WrongLoanStatus {
        /// Loan id.
        loan: u64,
        /// Needed status.
        expected: &'static str,
        /// Actual status.
        found: &'static str,
    },
    /// Repayment of a wrong amount.
    #[error("{due} is due, {paid} paid")]
    WrongAmount {
        /// Amount due.
        due: u64,
        /// Amount offered.
        paid: u64,
    },
    /// Unknown proposal.
    #[error("unknown proposal {0}")]
    UnknownProposal(u64),
    /// The proposal is no longer open (decided or past its deadline).
    #[error("proposal {0} is closed")]
    ProposalClosed(u64),
    /// Officers set policies, admission and issuers only to bootstrap a co-op without
    /// members; afterwards members decide by proposal.
    #[error(
        "the co-op has members: this is decided by a member proposal (Propose), not by officers"
    )]
    GovernedByMembers,
    /// A loan vote is opened by `ApplyLoan`, not by `Propose`.
    #[error("loan votes are opened by ApplyLoan, not proposed")]
    NotProposable,
    /// The member already has the most open proposals allowed.
    #[error(
        "the member already has {limit} open proposal(s), the most allowed (max_open_proposals)"
    )]
    TooManyOpenProposals {
        /// `max_open_proposals`.
        limit: u32,
    },
    /// Parameters that are inconsistent or change a fixed field.
    #[error("invalid params: {0}")]
    InvalidParams(String),
    /// The borrower's free capital does not cover the collateral the loan needs.
    #[error("loan needs {required} of collateral (collateral_bps of the principal); free capital is {free}")]
    InsufficientCollateral {
        /// Collateral needed.
        required: u64,
        /// The member's capital not locked yet.
        free: u64,
    },
    /// A withdrawal would go below the capital locked as collateral.
    #[error("{locked} of capital is locked as collateral: at most {available} can be withdrawn, {requested} asked")]
    CapitalLocked {
        /// Locked capital.
        locked: u64,
        /// Capital above it.
        available: u64,
        /// Asked.
        requested: u64,
    },
    /// `Release` of a proposal that is not a passed `Spend` awaiting release.
    #[error("proposal {0} is not a passed spend awaiting release")]
    NotAwaitingRelease(u64),
    /// An active policy (or the admission policy) still uses the issuer.
    #[error("policy {0} still uses this issuer")]
    IssuerInUse(u64),
    /// The history credential's subject is not the member's identity.
    #[error("subject is not the member's identity commitment")]
    SubjectMismatch,
    /// The history credential's attributes differ from the ledger's record.
    #[error("history differs from the ledger's record {expected:?}")]
    HistoryMismatch {
        /// What the ledger records.
        expected: [u64; 8],
    },
    /// Bad issue or expiry times.
    #[error("bad credential times: {0}")]
    BadTimes(String),
}

impl TxError {
    /// A stable, machine-readable name of the rule that failed (`snake_case` of the variant,
    /// e.g. `insufficient_collateral`): what scripts and the node's API match on, and what a
    /// failed proposal records in the state (messages may be reworded; codes are not).
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadSignature => "bad_signature",
            Self::BadCosignature { .. } => "bad_cosignature",
            Self::WrongNonce { .. } => "wrong_nonce",
            Self::NotAnOfficer => "not_an_officer",
            Self::NotEnoughSignatures { .. } => "not_enough_signatures",
            Self::NotAMember => "not_a_member",
            Self::AlreadyMember => "already_member",
            Self::DuplicateIdentity => "duplicate_identity",
            Self::ZeroAmount => "zero_amount",
            Self::DepositTooSmall { .. } => "deposit_too_small",
            Self::InsufficientCapital { .. } => "insufficient_capital",
            Self::InsufficientLiquidity { .. } => "insufficient_liquidity",
            Self::InsufficientProfit { .. } => "insufficient_profit",
            Self::NoCapital => "no_capital",
            Self::Overflow => "overflow",
            Self::NotAnIssuer => "not_an_issuer",
            Self::UnknownIssuer(..) => "unknown_issuer",
            Self::IssuerExists => "issuer_exists",
            Self::UnknownCredential(..) => "unknown_credential",
            Self::NotYourCredential(..) => "not_your_credential",
            Self::AlreadyRevoked(..) => "already_revoked",
            Self::TreeFull(..) => "tree_full",
            Self::UnknownPolicy(..) => "unknown_policy",
            Self::PolicyInactive(..) => "policy_inactive",
            Self::InvalidPolicy(..) => "invalid_policy",
            Self::TermsRefused(..) => "terms_refused",
            Self::MalformedProof(..) => "malformed_proof",
            Self::UnknownRoot => "unknown_root",
            Self::WrongIssuer { .. } => "wrong_issuer",
            Self::WrongSchema { .. } => "wrong_schema",
            Self::TimeOutOfTolerance { .. } => "time_out_of_tolerance",
            Self::StaleCredential { .. } => "stale_credential",
            Self::HolderMismatch { .. } => "holder_mismatch",
            Self::AdmissionClosed => "admission_closed",
            Self::HistoryClaimTooSoon { .. } => "history_claim_too_soon",
            Self::PolicyMismatch => "policy_mismatch",
            Self::RequestMismatch => "request_mismatch",
            Self::WrongScope { .. } => "wrong_scope",
            Self::NullifierUsed => "nullifier_used",
            Self::AlreadyVoted => "already_voted",
            Self::WrongMemberRoot => "wrong_member_root",
            Self::WrongSignal => "wrong_signal",
            Self::InvalidProof => "invalid_proof",
            Self::UnknownLoan(..) => "unknown_loan",
            Self::NotYourLoan(..) => "not_your_loan",
            Self::WrongLoanStatus { .. } => "wrong_loan_status",
            Self::WrongAmount { .. } => "wrong_amount",
            Self::UnknownProposal(..) => "unknown_proposal",
            Self::ProposalClosed(..) => "proposal_closed",
            Self::GovernedByMembers => "governed_by_members",
            Self::NotProposable => "not_proposable",
            Self::TooManyOpenProposals { .. } => "too_many_open_proposals",
            Self::InvalidParams(..) => "invalid_params",
            Self::InsufficientCollateral { .. } => "insufficient_collateral",
            Self::CapitalLocked { .. } => "capital_locked",
            Self::NotAwaitingRelease(..) => "not_awaiting_release",
            Self::IssuerInUse(..) => "issuer_in_use",
            Self::SubjectMismatch => "subject_mismatch",
            Self::HistoryMismatch { .. } => "history_mismatch",
            Self::BadTimes(..) => "bad_times",
        }
    }
}

/// Why a block was refused. A refused block changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BlockError {
    /// Wrong height.
    #[error("block height {found}, expected {expected}")]
    Height {
        /// Next height.
        expected: u64,
        /// The block's.
        found: u64,
    },
    /// Previous hash does not match the head.
    #[error("previous hash does not match the chain head")]
    PrevHash,
    /// Block time before the previous block's.
    #[error("block time {found} is before the previous block time {previous}")]
    Time {
        /// Previous block time.
        previous: u64,
        /// This block's.
        found: u64,
    },
    /// Header fields inconsistent with the transactions (version, count, tx root).
    #[error("bad header: {0}")]
    Header(String),
    /// A transaction is invalid.
    #[error("transaction {index}: {error}")]
    Tx {
        /// Position in the block.
        index: usize,
        /// Why.
        error: TxError,
    },
    /// The resulting state hash differs from the header's.
    #[error("state hash mismatch: header {header}, computed {computed}")]
    StateHash {
        /// Hex of the header's.
        header: String,
        /// Hex of the computed one.
        computed: String,
    },
}

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// redb failed.
    #[error("storage: {0}")]
    Storage(String),
    /// I/O.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The store was written by an unknown or newer format version.
    #[error("ledger store format version {found} is not supported (this build reads {supported}); upgrade zkcredit")]
    UnsupportedVersion {
        /// Version in the store.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// Not a ledger directory, or one that already exists when creating.
    #[error("{0}")]
    NotALedger(String),
    /// Stored bytes fail to decode.
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// Bad encoding from outside.
    #[error("decode: {0}")]
    Decode(#[from] DecodeError),
    /// A bad verifying key or genesis.
    #[error("bad genesis: {0}")]
    Genesis(String),
    /// A block was refused.
    #[error("block refused: {0}")]
    Block(#[from] BlockError),
    /// A transaction was refused.
    #[error("transaction refused: {0}")]
    Tx(#[from] TxError),
    /// Replay found a divergence.
    #[error("verification failed at height {height}: {reason}")]
    Verify {
        /// Height of the first bad block (0: the stored state).
        height: u64,
        /// What differs.
        reason: String,
    },
    /// A leaf not in a tree.
    #[error("{0}")]
    NotFound(String),
}

#[cfg(feature = "store")]
macro_rules! storage_from {
    ($($t:ty),*) => {$(
        impl From<$t> for LedgerError {
            fn from(e: $t) -> Self {
                Self::Storage(e.to_string())
            }
        }
    )*};
}
#[cfg(feature = "store")]
storage_from!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);
