//! `zkcredit prove`: a borrower's policy proof and a member's membership proof.

use crate::exit::refused;
use crate::files::{
    parse_text_or_fr, read_credential, read_identity, read_policy, read_registry, read_request,
    unix_now, write_json,
};
use crate::keys::{load_prover, spinner};
use crate::output::println;
use anyhow::{anyhow, bail, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zkcredit_circuits::field::to_decimal;
use zkcredit_circuits::prelude::*;
use zkcredit_prover::{Envelope, MembershipInput, PolicyInput, ProveError, ProvingKeys, Witnessed};

/// `zkcredit prove …`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Prove that an attested credential satisfies a lender's policy.
    Policy(PolicyArgs),
    /// Prove membership of a member tree, with a nullifier per scope and a bound signal.
    Membership(MembershipArgs),
}

/// Arguments of `zkcredit prove policy`.
#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// Keys directory of a policy circuit.
    #[arg(long)]
    keys: PathBuf,
    /// Your identity file (the credential's subject).
    #[arg(long, value_name = "ID.json")]
    identity: PathBuf,
    /// The credential to prove from.
    #[arg(long, value_name = "CRED.json")]
    credential: PathBuf,
    /// Registry holding the credential's leaf; the proof is made against its current root.
    #[arg(
        long,
        value_name = "REG.json",
        required_unless_present = "ledger",
        conflicts_with = "ledger"
    )]
    registry: Option<PathBuf>,
    /// Take the credential's path and the registry root from a ledger's data directory
    /// instead of a registry file.
    #[arg(long, value_name = "DIR")]
    ledger: Option<PathBuf>,
    /// The lender's policy.
    #[arg(long, value_name = "POLICY.json")]
    policy: PathBuf,
    /// Time at which the credential must be unexpired, unix seconds [default: now].
    #[arg(long)]
    now: Option<u64>,
    /// The loan request the proof is bound to.
    #[arg(long, value_name = "REQ.json")]
    request: PathBuf,
    /// Nullifier scope: a decimal field element, or any other text, which is hashed.
    #[arg(long)]
    scope: String,
    /// Whom the proof's holder binding is for: the lender's scope (a decimal field element or
    /// any other text, hashed), which yields a pseudonym only that lender sees; 0 binds your
    /// identity commitment itself (what the co-op asks for).
    #[arg(long, default_value = "0")]
    holder_scope: String,
    /// Freshness: prove the credential was issued at or after this time, unix seconds (the
    /// lender says how recent a report it needs).
    #[arg(long, default_value_t = 0)]
    issued_after: u64,
    /// Proof file to write.
    #[arg(long, value_name = "PROOF.json")]
    out: PathBuf,
    /// Also write the circuit's full witness in circom's `.wtns` format, so that snarkjs or
    /// rapidsnark can prove the same statement from a ceremony `.zkey` (keep it secret: it
    /// contains the identity secret and every attribute).
    #[arg(long, value_name = "WITNESS.wtns")]
    wtns: Option<PathBuf>,
}

/// Arguments of `zkcredit prove membership`.
#[derive(Debug, clap::Args)]
pub struct MembershipArgs {
    /// Keys directory of a membership circuit.
    #[arg(long)]
    keys: PathBuf,
    /// Your identity file (its commitment is in the member tree).
    #[arg(long, value_name = "ID.json")]
    identity: PathBuf,
    /// Members file (registry format, leaves are identity commitments).
    #[arg(
        long,
        value_name = "MEMBERS.json",
        required_unless_present = "ledger",
        conflicts_with = "ledger"
    )]
    members: Option<PathBuf>,
    /// Take the member path and the member root from a ledger's data directory instead of a
    /// members file.
    #[arg(long, value_name = "DIR")]
    ledger: Option<PathBuf>,
    /// Nullifier scope (e.g. the proposal): a decimal field element, or text, which is hashed.
    #[arg(long)]
    scope: String,
    /// The bound signal (e.g. the vote): a decimal field element, or text, which is hashed.
    #[arg(long)]
    signal: String,
    /// Proof file to write.
    #[arg(long, value_name = "PROOF.json")]
    out: PathBuf,
    /// Also write the circuit's full witness in circom's `.wtns` format, so that snarkjs or
    /// rapidsnark can prove the same statement from a ceremony `.zkey` (keep it secret: it
    /// contains the identity secret and every attribute).
    #[arg(long, value_name = "WITNESS.wtns")]
    wtns: Option<PathBuf>,
}

/// A prover error: a false statement is a refusal (exit 1), anything else exit 2.
fn prove_error(e: ProveError) -> anyhow::Error {
    match e {
        ProveError::Statement(msg) => refused(format!("refused: {msg}")),
        e => anyhow!("{e}"),
    }
}

fn write_proof(out: &Path, env: &Envelope, keys: &ProvingKeys) -> Result<()> {
    write_json(
        out,
        &env.to_file(unix_now(), keys.is_insecure()),
        false,
        true,
    )
}

/// Writes a circuit's full assignment `z` as `.wtns` (private: mode 0600, like an identity).
fn write_wtns(path: &Path, z: &[Fr]) -> Result<()> {
    let bytes = zkcredit_ceremony::wtns::to_bytes(z)?;
    crate::files::write_file(path, &bytes, true, true)
}

/// Leaves the proving keys to the operating system: the command is about to return and the
/// process to exit, and freeing the key, its matrices and the prover's tables (some 20 MB
/// in thousands of allocations) would only cost the user time before the exit frees them.
fn exit_soon(keys: ProvingKeys) {
    std::mem::forget(keys);
}

/// A Merkle path and root, from a registry/members file or from a ledger.
enum TreeSource {
    File(PathBuf, MerkleTree),
    Ledger(PathBuf, Box<zkcredit_ledger::Ledger>),
}

impl TreeSource {
    fn open(file: Option<&PathBuf>, ledger: Option<&PathBuf>) -> Result<Self> {
        match (file, ledger) {
            (_, Some(dir)) => Ok(Self::Ledger(
                dir.clone(),
                Box::new(
                    zkcredit_ledger::Ledger::open(dir)
                        .map_err(|e| anyhow!("{}: {e}", dir.display()))?,
                ),
            )),
            (Some(f), None) => Ok(Self::File(f.clone(), read_registry(f)?)),
            (None, None) => bail!("give a tree file or --ledger DIR"),
        }
    }

    fn depth(&self) -> usize {
        match self {
            Self::File(_, t) => t.depth(),
            Self::Ledger(_, l) => l.state().params().depth as usize,
        }
    }

    /// Path and root of `leaf`; `what` names the leaf in a refusal.
    fn path(&self, leaf: &Fr, member: bool) -> Result<(MerklePath, Fr)> {
        let (what, place) = if member {
            ("not a member: identity commitment", "member tree")
        } else {
            ("credential not in registry: its leaf", "registry")
        };
        match self {
            Self::File(f, tree) => {
                let Some(index) = tree.position(leaf) else {
                    return Err(refused(format!(
                        "refused: {what} {} is not in {} (not attested or added, revoked, or \
                         another {place})",
                        to_decimal(leaf),
                        f.display()
                    )));
                };
                Ok((tree.path(index)?, tree.root()))
            }
            Self::Ledger(dir, ledger) => {
                let found = if member {
                    ledger.member_path(leaf)
                } else {
                    ledger.credential_path(leaf)
                };
                found.map_err(|e| match e {
                    zkcredit_ledger::LedgerError::NotFound(_) => refused(format!(
                        "refused: {what} {} is not in the {place} of the ledger in {}",
                        to_decimal(leaf),
                        dir.display()
                    )),
                    other => anyhow!("{}: {other}", dir.display()),
                })
            }
        }
    }

    fn name(&self) -> PathBuf {
        match self {
            Self::File(f, _) | Self::Ledger(f, _) => f.clone(),
        }
    }
}

fn check_source_depth(keys: &ProvingKeys, source: &TreeSource) -> Result<()> {
    if keys.id.depth() != source.depth() {
        bail!(
            "the keys are for {} (depth {}) but {} has depth {}",
            keys.id,
            keys.id.depth(),
            source.name().display(),
            source.depth()
        );
    }
    Ok(())
}

/// The policy proof's inputs, read from their files.
struct PolicyInputs {
    identity: Identity,
    credential: Credential,
    source: TreeSource,
    policy: Policy,
    request: LoanRequest,
    scope: Fr,
    holder_scope: Fr,
    now: u64,
}

impl PolicyInputs {
    fn read(a: &PolicyArgs) -> Result<Self> {
        Ok(Self {
            identity: read_identity(&a.identity)?,
            credential: read_credential(&a.credential)?,
            source: TreeSource::open(a.registry.as_ref(), a.ledger.as_ref())?,
            policy: read_policy(&a.policy)?,
            request: read_request(&a.request)?,
            scope: parse_text_or_fr("--scope", &a.scope)?,
            holder_scope: parse_text_or_fr("--holder-scope", &a.holder_scope)?,
            now: a.now.unwrap_or_else(unix_now),
        })
    }

    /// The credential's path, the native pre-check (a false statement is refused naming
    /// the rule, never proven) and the circuit's assignment, with the root proven against.
    fn witness(&self, issued_after: u64) -> Result<(Witnessed, Fr)> {
        let (path, root) = self.source.path(&self.credential.leaf(), false)?;
        let input = PolicyInput {
            identity: &self.identity,
            credential: &self.credential,
            path,
            root,
            policy: &self.policy,
            now: self.now,
            request: self.request.binding(),
            scope: self.scope,
            issued_after,
            holder_scope: self.holder_scope,
        };
        let witnessed = zkcredit_prover::witness_policy(&input).map_err(prove_error)?;
        Ok((witnessed, root))
    }
}

/// Loads the keys in `dir` on another thread while `work` runs on this one (reading the
/// inputs, the pre-check and the witness need no key), then returns both. Errors keep the
/// order of a sequential run: `work`'s reading errors first, then the keys', then the rest
/// of `work`'s (which `finish` sorts out).
fn with_keys_loading<T>(dir: &Path, work: impl FnOnce() -> T) -> (Result<ProvingKeys>, T) {
    std::thread::scope(|s| {
        let keys = s.spawn(|| load_prover(dir));
        let out = work();
        let keys = keys
            .join()
            .unwrap_or_else(|_| Err(anyhow!("keys {}: loading them panicked", dir.display())));
        (keys, out)
    })
}

fn policy(a: &PolicyArgs) -> Result<ExitCode> {
    let (keys, inputs) = with_keys_loading(&a.keys, || {
        let inputs = PolicyInputs::read(a)?;
        let witnessed = inputs.witness(a.issued_after);
        Ok::<_, anyhow::Error>((inputs, witnessed))
    });
    let (inputs, witnessed) = inputs?;
    let keys = keys?;
    if !matches!(keys.id, CircuitId::Policy { .. }) {
        bail!(
            "the keys in {} are for {}, not a policy circuit",
            a.keys.display(),
            keys.id
        );
    }
    check_source_depth(&keys, &inputs.source)?;
    let (witnessed, root) = witnessed?;
    if let Some(w) = &a.wtns {
        write_wtns(w, &witnessed.assignment.full)?;
    }
    let pb = spinner(format!("proving {}", keys.id));
    let (env, _) = zkcredit_prover::prove_witnessed(&keys, &witnessed, &mut rand::rngs::OsRng)
        .map_err(prove_error)?;
    pb.finish_and_clear();
    write_proof(&a.out, &env, &keys)?;
    exit_soon(keys);
    let PolicyInputs {
        identity,
        scope,
        holder_scope,
        now,
        ..
    } = inputs;
    println(&serde_json::to_string_pretty(&serde_json::json!({
        "proof": a.out.display().to_string(),
        "circuit": env.circuit,
        "root": to_decimal(&root),
        "now": now,
        "nullifier": to_decimal(&identity.nullifier(scope)),
        "holder_scope": to_decimal(&holder_scope),
        "holder": to_decimal(&identity.holder(holder_scope)),
    }))?)?;
    Ok(ExitCode::SUCCESS)
}

fn membership(a: &MembershipArgs) -> Result<ExitCode> {
    let (keys, inputs) = with_keys_loading(&a.keys, || {
        let identity = read_identity(&a.identity)?;
        let source = TreeSource::open(a.members.as_ref(), a.ledger.as_ref())?;
        let scope = parse_text_or_fr("--scope", &a.scope)?;
        let signal = parse_text_or_fr("--signal", &a.signal)?;
        let witnessed = (|| {
            let (path, root) = source.path(&identity.commitment(), true)?;
            let input = MembershipInput {
                identity: &identity,
                path,
                root,
                scope,
                signal,
            };
            let witnessed = zkcredit_prover::witness_membership(&input).map_err(prove_error)?;
            Ok::<_, anyhow::Error>((witnessed, root))
        })();
        Ok::<_, anyhow::Error>((identity, source, scope, witnessed))
    });
    let (identity, source, scope, witnessed) = inputs?;
    let keys = keys?;
    if !matches!(keys.id, CircuitId::Membership { .. }) {
        bail!(
            "the keys in {} are for {}, not a membership circuit",
            a.keys.display(),
            keys.id
        );
    }
    check_source_depth(&keys, &source)?;
    let (witnessed, root) = witnessed?;
    if let Some(w) = &a.wtns {
        write_wtns(w, &witnessed.assignment.full)?;
    }
    let pb = spinner(format!("proving {}", keys.id));
    let (env, _) = zkcredit_prover::prove_witnessed(&keys, &witnessed, &mut rand::rngs::OsRng)
        .map_err(prove_error)?;
    pb.finish_and_clear();
    write_proof(&a.out, &env, &keys)?;
    exit_soon(keys);
    println(&serde_json::to_string_pretty(&serde_json::json!({
        "proof": a.out.display().to_string(),
        "circuit": env.circuit,
        "root": to_decimal(&root),
        "nullifier": to_decimal(&identity.nullifier(scope)),
    }))?)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `zkcredit prove …`.
pub fn run(cmd: &Command) -> Result<ExitCode> {
    match cmd {
        Command::Policy(a) => policy(a),
        Command::Membership(a) => membership(a),
    }
}
