//! The records the co-op state is made of: members, loans and their schedules, proposals,
//! issuers, the recent registry roots, and the hashed `Core` that holds them all.

use crate::codec::Hash;
use crate::error::TxError;
use crate::pool::Pool;
use crate::tx::{Account, Params, PolicyRules, ProposalAction};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A registered issuer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issuer {
    /// Display name.
    pub name: String,
    /// The account that attests for it (`None`: the co-op itself, attesting through
    /// `ClaimHistory`).
    pub account: Option<Account>,
}

/// A member's repayment record (the attributes of `coop-history-v1`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// Loans repaid in full.
    pub loans_repaid: u64,
    /// Principal of the loans repaid in full.
    pub principal_repaid: u64,
    /// Instalments paid by their due date without a late fee.
    pub on_time: u64,
    /// Instalments paid late.
    pub late: u64,
    /// Loans written off.
    pub defaults: u64,
    /// Loans disbursed and not yet closed.
    pub open_loans: u64,
}

/// A member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Identity commitment (leaf of the member tree).
    pub identity: [u8; 32],
    /// Leaf index in the member tree.
    pub index: u64,
    /// Capital (shares), minor units.
    pub capital: u64,
    /// Part of `capital` locked as collateral of the member's loans (may exceed `capital`
    /// after a loss cut it; withdrawals leave at least this much).
    pub locked: u64,
    /// Capital × seconds held since the last distribution, up to `since`.
    pub capital_secs: u128,
    /// Time up to which `capital_secs` is accumulated.
    pub since: u64,
    /// Proposals this member opened that are still open.
    pub open_proposals: u32,
    /// Join time.
    pub joined_at: u64,
    /// Repayment record.
    pub history: History,
    /// Registry indices of the member's live `coop-history-v1` credentials: a new claim, a
    /// late mark or a write-off revokes them, so an outdated record never proves again.
    pub history_leaves: Vec<u64>,
    /// Time of the member's last history claim.
    pub last_history_claim: Option<u64>,
}

/// Where a loan stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoanStatus {
    /// Waiting for the member vote.
    Voting,
    /// Approved, waiting for disbursement.
    Approved,
    /// Refused by the vote.
    Rejected,
    /// Disbursed, being repaid.
    Active,
    /// Repaid in full.
    Repaid,
    /// Written off.
    Defaulted,
    /// Withdrawn by the borrower before it was paid out.
    Cancelled,
}

impl LoanStatus {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Voting => "voting",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Active => "active",
            Self::Repaid => "repaid",
            Self::Defaulted => "defaulted",
            Self::Cancelled => "cancelled",
        }
    }
}

/// One instalment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    /// Due time.
    pub due: u64,
    /// Principal part.
    pub principal: u64,
    /// Interest part.
    pub interest: u64,
    /// Late fee charged (0 if none).
    pub late_fee: u64,
    /// When it was paid.
    pub paid_at: Option<u64>,
}

impl Instalment {
    /// Principal + interest + late fee.
    pub fn total(&self) -> Option<u64> {
        self.principal
            .checked_add(self.interest)?
            .checked_add(self.late_fee)
    }
}

/// A loan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loan {
    /// Borrower account.
    pub borrower: Account,
    /// Policy it was granted under.
    pub policy_id: u64,
    /// Principal.
    pub amount: u64,
    /// Instalments.
    pub term: u64,
    /// Yearly rate, basis points.
    pub rate_bps: u64,
    /// Status.
    pub status: LoanStatus,
    /// Application time.
    pub applied_at: u64,
    /// The vote, for loans above the auto-approval limit.
    pub proposal: Option<u64>,
    /// Schedule (empty until disbursed).
    pub schedule: Vec<Instalment>,
    /// Index of the next unpaid instalment.
    pub next: u64,
    /// The borrower's capital locked for this loan now.
    pub collateral: u64,
}

impl Loan {
    /// Principal not yet repaid.
    pub fn remaining_principal(&self) -> u64 {
        self.schedule[self.next as usize..]
            .iter()
            .map(|i| i.principal)
            .sum()
    }
}

/// Where a proposal stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProposalStatus {
    /// Accepting votes until its deadline.
    Open,
    /// Passed and executed.
    Executed,
    /// Passed, but its effect no longer held when it executed: the stable code of the rule
    /// that failed ([`crate::TxError::code`], e.g. `insufficient_profit`). The code, not the
    /// message, is in the state hash, so messages can be reworded without a format change.
    Failed(String),
    /// A passed `Spend` above the treasury limit, waiting for a k-of-n officer `Release`.
    AwaitingRelease,
    /// Quorum reached but not the majority, or defeated early by "no" votes.
    Defeated,
    /// Closed without quorum.
    Lapsed,
    /// A loan vote ended because the borrower withdrew the application (`CancelLoan`).
    Withdrawn,
}

impl ProposalStatus {
    /// Lower-case name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Executed => "executed",
            Self::Failed(_) => "failed",
            Self::AwaitingRelease => "awaiting-release",
            Self::Defeated => "defeated",
            Self::Lapsed => "lapsed",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// A member vote: on a large loan or on a member's proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// What passes if it passes.
    pub action: ProposalAction,
    /// The member account that proposed it (the applicant, for a loan).
    pub proposer: Account,
    /// Root of the voters' snapshot: the member tree when the proposal was made (for a loan,
    /// with the applicant's leaf set to 0: a borrower does not vote on their own loan). Votes
    /// prove membership under it.
    pub member_root: [u8; 32],
    /// Leaves of the member tree in the snapshot.
    pub tree_len: u64,
    /// The member-tree leaf zeroed in the snapshot (the applicant's).
    pub excluded: Option<u64>,
    /// Members who may vote (the snapshot's members).
    pub members: u64,
    /// Votes accepted until (exclusive); the first block at or after it closes the vote.
    pub deadline: u64,
    /// Yes votes.
    pub yes: u64,
    /// No votes.
    pub no: u64,
    /// Status.
    pub status: ProposalStatus,
}

impl Proposal {
    /// Whether a block at `time` closes it: still open and its vote period is over.
    pub fn due_to_close(&self, time: u64) -> bool {
        self.status == ProposalStatus::Open && self.deadline <= time
    }

    /// Votes needed for quorum: `ceil(members · quorum_bps / 10000)`, at least 1.
    pub fn needed(&self, quorum_bps: u32) -> u64 {
        let n = u128::from(self.members) * u128::from(quorum_bps);
        (n.div_ceil(10_000) as u64).max(1)
    }

    /// Whether the votes cast pass it: quorum reached and yes strictly above `majority_bps`
    /// of the votes cast.
    pub fn passes(&self, quorum_bps: u32, majority_bps: u32) -> bool {
        let cast = self.yes + self.no;
        cast >= self.needed(quorum_bps)
            && u128::from(self.yes) * 10_000 > u128::from(cast) * u128::from(majority_bps)
    }

    /// Whether it can no longer pass even if every voter who has not voted votes yes.
    pub fn cannot_pass(&self, majority_bps: u32) -> bool {
        let remaining = self.members.saturating_sub(self.yes + self.no);
        let best_yes = u128::from(self.yes) + u128::from(remaining);
        let best_cast = u128::from(self.yes + self.no) + u128::from(remaining);
        best_yes * 10_000 <= best_cast * u128::from(majority_bps)
    }
}

/// The hashed part of the state. Its canonical encoding defines the state hash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Core {
    /// Height of the last applied block (0: genesis).
    pub height: u64,
    /// Time of the last applied block (genesis time at 0).
    pub time: u64,
    /// Parameters in force (genesis's, as changed by `SetParams` proposals).
    pub params: Params,
    /// Pool accounting.
    pub pool: Pool,
    /// Time of the last distribution (genesis time before the first): capital-seconds count
    /// from it.
    pub last_distribution: u64,
    /// Next nonce of every account that sent a transaction.
    pub nonces: BTreeMap<Account, u64>,
    /// Issuers by id.
    pub issuers: BTreeMap<[u8; 32], Issuer>,
    /// Leaves in the credential registry.
    pub registry_len: u64,
    /// Current registry root.
    pub registry_root: [u8; 32],
    /// Registry roots accepted in proofs, oldest first: each block that changes the registry
    /// adds its final root; a root is dropped once its successor is older than
    /// `root_window_secs`; a revocation drops every root before it.
    pub recent_roots: Vec<RecentRoot>,
    /// Issuer of each registry leaf.
    pub registry_owner: BTreeMap<u64, [u8; 32]>,
    /// Members by account.
    pub members: BTreeMap<Account, Member>,
    /// Identity commitments in the member tree.
    pub identities: BTreeSet<[u8; 32]>,
    /// Current member-tree root.
    pub member_root: [u8; 32],
    /// Policies by id.
    pub policies: BTreeMap<u64, PolicyRules>,
    /// The policy that admits new members (`None`: admission closed).
    pub admission: Option<u64>,
    /// Loans by id.
    pub loans: BTreeMap<u64, Loan>,
    /// Next loan id.
    pub next_loan: u64,
    /// Proposals by id.
    pub proposals: BTreeMap<u64, Proposal>,
    /// Next proposal id.
    pub next_proposal: u64,
    /// Number of spent nullifiers.
    pub nullifier_count: u64,
    /// Hash chain over spent nullifiers in order: `acc' = H("zkcredit/nullifiers/v1" ‖ acc ‖ n)`.
    pub nullifier_acc: Hash,
}

/// A registry root proofs may use, and the block time from which it was the registry's root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentRoot {
    /// The root.
    pub root: [u8; 32],
    /// Block time at which it became the current root.
    pub since: u64,
}

/// What a block changed outside the core, for the store to write.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    /// Nullifiers spent.
    pub nullifiers: Vec<Hash>,
    /// Registry leaves written (index, leaf).
    pub registry: Vec<(u64, [u8; 32])>,
    /// Member leaves appended (index, identity).
    pub members: Vec<(u64, [u8; 32])>,
}

/// A transaction that did not make it into a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// Transaction hash.
    pub hash: Hash,
    /// Kind, e.g. `apply-loan`.
    pub kind: &'static str,
    /// Why.
    pub error: TxError,
}
