//! `zkcredit coop`: a member's one-command actions, on a local ledger (`--dir`) or a node
//! (`--node`), built on the client crate (`zkcredit_client::Session`): each plans from the
//! ledger's state, proves when the action needs a proof, signs with the member's key,
//! submits, and reports the transaction's fate.

use crate::files::{read_credential, read_identity, write_json};
use crate::ledger_cmd::{load_key, read_input};
use anyhow::{anyhow, bail, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use zkcredit_client::{Chain, LocalChain, Member, NodeChain, Session};
use zkcredit_ledger::{ProposalAction, Tx, TxBody, TxStatus};
use zkcredit_prover::ProvingKeys;

/// Arguments of `zkcredit coop`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, clap::Args)]
struct Common {
    /// A local ledger directory (transactions go to its mempool; see --produce).
    #[arg(long, global = true, conflicts_with = "node")]
    dir: Option<PathBuf>,
    /// A node's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long, global = true)]
    node: Option<String>,
    /// The member's account key file (`zkcredit ledger keygen`).
    #[arg(long, global = true)]
    key: Option<PathBuf>,
    /// The member's identity file (`zkcredit identity new`); needed to join, apply, vote
    /// and claim history.
    #[arg(long, global = true)]
    identity: Option<PathBuf>,
    /// Policy circuit proving keys (join, apply).
    #[arg(long, global = true)]
    policy_keys: Option<PathBuf>,
    /// Membership circuit proving keys (vote).
    #[arg(long, global = true)]
    membership_keys: Option<PathBuf>,
    /// With --dir: make the block at once (a co-op run on this machine).
    #[arg(long, global = true)]
    produce: bool,
    /// Seconds to wait for the transaction's fate (a node includes it at its next block).
    #[arg(long, global = true, default_value_t = 30)]
    wait: u64,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Join the co-op: an admission proof from a credential, and a first deposit.
    Join {
        /// The credential to prove admission from.
        #[arg(long)]
        credential: PathBuf,
        /// First deposit, minor units.
        #[arg(long)]
        deposit: u64,
    },
    /// Apply for a loan under a policy: a policy proof bound to this request.
    Apply {
        /// The credential to prove from.
        #[arg(long)]
        credential: PathBuf,
        /// Policy id (`ledger show` lists them).
        #[arg(long)]
        policy: u64,
        /// Principal, minor units.
        #[arg(long)]
        amount: u64,
        /// Instalments.
        #[arg(long)]
        term: u64,
    },
    /// Vote on a proposal, anonymously (a membership proof; a one-time signing key).
    Vote {
        /// Proposal id.
        #[arg(long)]
        proposal: u64,
        /// yes or no.
        #[arg(long, value_parser = ["yes", "no"])]
        choice: String,
    },
    /// Open a member proposal: the proposed action is JSON from a file or `-` (stdin), e.g.
    /// `{"Distribute": {"amount": 5000}}` or `{"SetPolicy": {"policy_id": 3, "rules": {…}}}`
    /// (docs/formats.md lists every action). Members then vote on it with `coop vote`.
    Propose {
        /// The proposed action, JSON (a file, or `-` for standard input).
        #[arg(long)]
        action: PathBuf,
    },
    /// Add capital.
    Deposit {
        /// Minor units.
        #[arg(long)]
        amount: u64,
    },
    /// Take capital out.
    Withdraw {
        /// Minor units.
        #[arg(long)]
        amount: u64,
    },
    /// Pay the next instalment of a loan (exactly what is due: principal, interest, fee).
    Repay {
        /// Loan id (`ledger show` lists them).
        #[arg(long)]
        loan: u64,
    },
    /// Withdraw your loan application before it is paid out (while its vote runs, or
    /// approved and not yet disbursed): releases your collateral.
    CancelLoan {
        /// Loan id (`ledger show` lists them).
        #[arg(long)]
        loan: u64,
    },
    /// Have the co-op attest your repayment history as a credential; writes it (0600).
    ClaimHistory {
        /// Where to write the credential (must not exist).
        #[arg(long)]
        out: PathBuf,
        /// Validity, seconds (at most the co-op's `history_validity`).
        #[arg(long, default_value_t = 180 * 86_400)]
        validity: u64,
    },
}

fn keys(p: &Option<PathBuf>) -> Result<Option<ProvingKeys>> {
    p.as_ref()
        .map(|d| ProvingKeys::load(d).map_err(|e| anyhow!("keys {}: {e}", d.display())))
        .transpose()
}

fn session(c: &Common, action: &Action) -> Result<Session<Box<dyn Chain>>> {
    let chain: Box<dyn Chain> = match (&c.dir, &c.node) {
        (Some(d), _) => Box::new(LocalChain::open(d)?.producing(c.produce)),
        (None, Some(u)) => {
            if c.produce {
                bail!("--produce is for a local ledger (--dir); a node makes its own blocks");
            }
            Box::new(NodeChain::new(u)?)
        }
        (None, None) => bail!("give --dir DIR (a local ledger) or --node URL"),
    };
    let mut s = Session::new(chain);
    if matches!(action, Action::Join { .. } | Action::Apply { .. }) {
        if let Some(k) = keys(&c.policy_keys)? {
            s = s.with_policy_keys(k);
        }
    }
    if matches!(action, Action::Vote { .. }) {
        if let Some(k) = keys(&c.membership_keys)? {
            s = s.with_membership_keys(k);
        }
    }
    Ok(s)
}

fn report(s: &mut Session<Box<dyn Chain>>, tx: &Tx, wait: u64) -> Result<ExitCode> {
    let (h, st) = s.submit_and_settle(tx, wait).map_err(|e| match e {
        zkcredit_client::ClientError::StillPending(h) => {
            anyhow!("transaction {h} is still pending; ask later with `zkcredit ledger status {h}`")
        }
        e @ zkcredit_client::ClientError::Node { .. } => crate::exit::refused(e.to_string()),
        e => anyhow!(e),
    })?;
    let hash = hex::encode(h);
    println!("submitted {} {hash} (nonce {})", tx.body.kind(), tx.nonce);
    Ok(match st {
        TxStatus::Pending => {
            println!("{hash}: pending (`zkcredit ledger produce` makes the block; `ledger status` tells its fate)");
            ExitCode::SUCCESS
        }
        st => crate::ledger_cmd::print_status(&hash, &st),
    })
}

/// Runs `zkcredit coop …`: exit 0 when the transaction was included (or is pending), 1
/// when the ledger rejected it or the plan/prover refused, 2 for bad input.
pub fn run(args: &Args) -> Result<ExitCode> {
    let c = &args.common;
    let key = c
        .key
        .as_ref()
        .ok_or_else(|| anyhow!("give --key KEY (the member's account key file)"))?;
    let member = Member {
        key: load_key(key)?,
        identity: c.identity.as_deref().map(read_identity).transpose()?,
    };
    let mut s = session(c, &args.action)?;
    let refused = |e: zkcredit_client::ClientError| match e {
        e @ (zkcredit_client::ClientError::Refused(_)
        | zkcredit_client::ClientError::Prove(_)
        | zkcredit_client::ClientError::Node { .. }) => crate::exit::refused(e.to_string()),
        e => anyhow!(e),
    };
    let tx = match &args.action {
        Action::Join {
            credential,
            deposit,
        } => s
            .join(&member, &read_credential(credential)?, *deposit)
            .map_err(refused)?,
        Action::Apply {
            credential,
            policy,
            amount,
            term,
        } => s
            .apply(
                &member,
                &read_credential(credential)?,
                *policy,
                *amount,
                *term,
            )
            .map_err(refused)?,
        Action::Vote { proposal, choice } => s
            .vote(&member, *proposal, choice == "yes")
            .map_err(refused)?,
        Action::Propose { action } => {
            let text = read_input(action)?;
            let proposed: ProposalAction = serde_json::from_str(&text).map_err(|e| {
                anyhow!(
                    "{}: not a proposal action: {e} (docs/formats.md)",
                    action.display()
                )
            })?;
            s.sign(&member, TxBody::Propose { action: proposed })
                .map_err(refused)?
        }
        Action::Deposit { amount } => s
            .sign(&member, TxBody::Deposit { amount: *amount })
            .map_err(refused)?,
        Action::Withdraw { amount } => s
            .sign(&member, TxBody::Withdraw { amount: *amount })
            .map_err(refused)?,
        Action::Repay { loan } => s.repay(&member, *loan).map_err(refused)?,
        Action::CancelLoan { loan } => s
            .sign(&member, TxBody::CancelLoan { loan: *loan })
            .map_err(refused)?,
        Action::ClaimHistory { out, validity } => {
            if out.exists() {
                bail!("{} already exists; refusing to overwrite", out.display());
            }
            let (tx, cred) = s.claim_history(&member, *validity).map_err(refused)?;
            let code = report(&mut s, &tx, c.wait)?;
            if code == ExitCode::SUCCESS {
                write_json(out, &cred, true, false)?;
                println!("credential written to {}", out.display());
            }
            return Ok(code);
        }
    };
    report(&mut s, &tx, c.wait)
}
