//! `zkcredit verify`: a lender's check of one proof or a batch, against what the lender
//! requires (policy, issuer, root, request, scope, time).
//!
//! Exit 0: valid (and, with expectation flags, for exactly what was required); 1: a bad
//! proof, or a valid proof of something else, with the difference named; 2: malformed input
//! or usage.

use crate::exit::refused;
use crate::files::{
    parse_fr, parse_text_or_fr, read_policy, read_proof, read_registry, read_request, unix_now,
};
use crate::keys::load_verifier;
use crate::output::println;
use anyhow::{anyhow, bail, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zkcredit_circuits::field::to_decimal;
use zkcredit_circuits::prelude::*;
use zkcredit_verifier::{BatchError, Envelope, VerifierKey, VerifyError};

/// Arguments of `zkcredit verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keys directory (only meta.json and verifying_key.bin are read).
    #[arg(long)]
    keys: PathBuf,
    /// Proof file(s); more than one needs --batch.
    #[arg(value_name = "PROOF.json", required = true)]
    proofs: Vec<PathBuf>,
    /// Verify all proofs at once (one multi-Miller loop); names every bad proof.
    #[arg(long)]
    batch: bool,
    /// Require exactly this policy (policy proofs).
    #[arg(long, value_name = "POLICY.json")]
    policy: Option<PathBuf>,
    /// Require this issuer id (decimal field element; policy proofs).
    #[arg(long)]
    issuer: Option<String>,
    /// Require the current root of this registry or members file.
    #[arg(long, value_name = "REG.json", conflicts_with = "root")]
    registry: Option<PathBuf>,
    /// Require this root (decimal field element).
    #[arg(long)]
    root: Option<String>,
    /// Require the binding of this loan request (policy proofs).
    #[arg(long, value_name = "REQ.json")]
    request: Option<PathBuf>,
    /// Require this scope: a decimal field element, or text, hashed as `prove` does.
    #[arg(long)]
    scope: Option<String>,
    /// Require this signal (membership proofs): a decimal field element, or text, hashed.
    #[arg(long)]
    signal: Option<String>,
    /// Require the proof's `now` to be this time (unix seconds); with --max-age, the
    /// reference time for it [default with --max-age: the current time].
    #[arg(long)]
    now: Option<u64>,
    /// Require the proof's `now` within this many seconds of --now (or the current time).
    #[arg(long, value_name = "SECONDS")]
    max_age: Option<u64>,
    /// Require this credential schema (policy proofs).
    #[arg(long)]
    schema: Option<u64>,
    /// Require the holder binding to be for this scope (policy proofs): your own lender
    /// scope (decimal, or text hashed as `prove` does), so the holder is a pseudonym only you
    /// see; 0 for the identity commitment itself.
    #[arg(long)]
    holder_scope: Option<String>,
    /// Require this holder binding (policy proofs; decimal): the applicant's pseudonym or
    /// identity commitment you already know.
    #[arg(long)]
    holder: Option<String>,
    /// Require a credential issued at or after this time (policy proofs; unix seconds).
    #[arg(long, value_name = "TIME")]
    issued_after: Option<u64>,
}

enum RootExpect {
    Registry(PathBuf, MerkleTree),
    Root(Fr),
}

/// What the verifier requires of the proof's public inputs.
struct Expect {
    policy: Option<(PathBuf, [Clause; NUM_CLAUSES])>,
    issuer: Option<Fr>,
    root: Option<RootExpect>,
    request: Option<(PathBuf, Fr)>,
    scope: Option<Fr>,
    signal: Option<Fr>,
    /// (reference time, max age); `None` max age means exactly the reference time.
    time: Option<(u64, Option<u64>)>,
    schema: Option<u64>,
    holder_scope: Option<Fr>,
    holder: Option<Fr>,
    issued_after: Option<u64>,
}

impl Expect {
    fn from_args(a: &Args) -> Result<Self> {
        let policy = match &a.policy {
            Some(p) => {
                let clauses = read_policy(p)?
                    .padded()
                    .map_err(|e| anyhow!("{}: {e}", p.display()))?;
                Some((p.clone(), clauses))
            }
            None => None,
        };
        let root = match (&a.registry, &a.root) {
            (Some(p), _) => Some(RootExpect::Registry(p.clone(), read_registry(p)?)),
            (None, Some(r)) => Some(RootExpect::Root(parse_fr("--root", r)?)),
            (None, None) => None,
        };
        let request = match &a.request {
            Some(p) => Some((p.clone(), read_request(p)?.binding())),
            None => None,
        };
        let time = match (a.now, a.max_age) {
            (now, Some(age)) => Some((now.unwrap_or_else(unix_now), Some(age))),
            (Some(now), None) => Some((now, None)),
            (None, None) => None,
        };
        Ok(Self {
            policy,
            issuer: a
                .issuer
                .as_deref()
                .map(|s| parse_fr("--issuer", s))
                .transpose()?,
            root,
            request,
            scope: a
                .scope
                .as_deref()
                .map(|s| parse_text_or_fr("--scope", s))
                .transpose()?,
            signal: a
                .signal
                .as_deref()
                .map(|s| parse_text_or_fr("--signal", s))
                .transpose()?,
            time,
            schema: a.schema,
            holder_scope: a
                .holder_scope
                .as_deref()
                .map(|s| parse_text_or_fr("--holder-scope", s))
                .transpose()?,
            holder: a
                .holder
                .as_deref()
                .map(|s| parse_fr("--holder", s))
                .transpose()?,
            issued_after: a.issued_after,
        })
    }

    /// Flags that do not apply to `id`'s proofs: a usage error.
    fn misapplied(&self, id: &CircuitId) -> Vec<&'static str> {
        let mut v = Vec::new();
        match id {
            CircuitId::Policy { .. } => {
                if self.signal.is_some() {
                    v.push("--signal");
                }
            }
            CircuitId::Membership { .. } => {
                for (set, flag) in [
                    (self.policy.is_some(), "--policy"),
                    (self.issuer.is_some(), "--issuer"),
                    (self.request.is_some(), "--request"),
                    (self.time.is_some(), "--now/--max-age"),
                    (self.schema.is_some(), "--schema"),
                    (self.holder_scope.is_some(), "--holder-scope"),
                    (self.holder.is_some(), "--holder"),
                    (self.issued_after.is_some(), "--issued-after"),
                ] {
                    if set {
                        v.push(flag);
                    }
                }
            }
        }
        v
    }

    /// The statement parts this verifier did not pin down.
    fn unchecked(&self, id: &CircuitId) -> Vec<&'static str> {
        let mut v = Vec::new();
        if matches!(id, CircuitId::Policy { .. }) {
            if self.policy.is_none() {
                v.push("policy (--policy)");
            }
            if self.issuer.is_none() {
                v.push("issuer (--issuer)");
            }
        }
        if self.root.is_none() {
            v.push("root (--registry or --root)");
        }
        if matches!(id, CircuitId::Policy { .. }) {
            if self.request.is_none() {
                v.push("request (--request)");
            }
            if self.time.is_none() {
                v.push("time (--now or --max-age)");
            }
            if self.holder_scope.is_none() && self.holder.is_none() {
                v.push("holder (--holder-scope or --holder)");
            }
        }
        if self.scope.is_none() {
            v.push("scope (--scope)");
        }
        if matches!(id, CircuitId::Membership { .. }) && self.signal.is_none() {
            v.push("signal (--signal)");
        }
        v
    }

    fn check_root(&self, found: &Fr, out: &mut Vec<String>) {
        match &self.root {
            Some(RootExpect::Root(r)) if found != r => out.push(format!(
                "unknown root: the proof is against root {}, required {}",
                to_decimal(found),
                to_decimal(r)
            )),
            Some(RootExpect::Registry(path, tree)) if *found != tree.root() => {
                out.push(root_difference(found, path, tree));
            }
            _ => {}
        }
    }

    /// Every difference between the proof's public inputs and what is required.
    fn differences(&self, id: &CircuitId, env: &Envelope) -> Result<Vec<String>> {
        let mut out = Vec::new();
        match id {
            CircuitId::Policy { .. } => {
                let s = PolicyStatement::from_public_inputs(&env.public_inputs)
                    .map_err(|e| anyhow!("{e}"))?;
                if let Some((path, required)) = &self.policy {
                    if let Some(d) = policy_difference(&s.clauses, required, path) {
                        out.push(d);
                    }
                }
                if let Some(issuer) = &self.issuer {
                    if s.issuer != *issuer {
                        out.push(format!(
                            "another issuer: the proof is for issuer {}, required {}",
                            to_decimal(&s.issuer),
                            to_decimal(issuer)
                        ));
                    }
                }
                self.check_root(&s.root, &mut out);
                if let Some((path, binding)) = &self.request {
                    if s.request != *binding {
                        out.push(format!(
                            "another request: the proof is bound to request {}, {} binds to {}",
                            to_decimal(&s.request),
                            path.display(),
                            to_decimal(binding)
                        ));
                    }
                }
                if let Some(scope) = &self.scope {
                    if s.scope != *scope {
                        out.push(format!(
                            "another scope: the proof's scope is {}, required {}",
                            to_decimal(&s.scope),
                            to_decimal(scope)
                        ));
                    }
                }
                if let Some(schema) = self.schema {
                    if s.schema != schema {
                        out.push(format!(
                            "another schema: the proof's credential has schema {}, required {schema}",
                            s.schema
                        ));
                    }
                }
                if let Some(scope) = &self.holder_scope {
                    if s.holder_scope != *scope {
                        out.push(format!(
                            "another holder scope: the proof binds its holder for scope {}, \
                             required {}",
                            to_decimal(&s.holder_scope),
                            to_decimal(scope)
                        ));
                    }
                }
                if let Some(holder) = &self.holder {
                    if s.holder != *holder {
                        out.push(format!(
                            "another holder: the credential's holder is {}, required {}",
                            to_decimal(&s.holder),
                            to_decimal(holder)
                        ));
                    }
                }
                if let Some(after) = self.issued_after {
                    if s.issued_after < after {
                        out.push(format!(
                            "credential not fresh enough: the proof accepts credentials issued \
                             from {}, required {after} or later",
                            s.issued_after
                        ));
                    }
                }
                match self.time {
                    Some((t, None)) if s.now != t => out.push(format!(
                        "another time: the proof's now is {}, required {t}",
                        s.now
                    )),
                    Some((t, Some(age))) if s.now.abs_diff(t) > age => out.push(format!(
                        "stale or future time: the proof's now is {}, {} seconds from {t}, \
                         more than --max-age {age}",
                        s.now,
                        s.now.abs_diff(t)
                    )),
                    _ => {}
                }
            }
            CircuitId::Membership { .. } => {
                let s = MembershipStatement::from_public_inputs(&env.public_inputs)
                    .map_err(|e| anyhow!("{e}"))?;
                self.check_root(&s.root, &mut out);
                if let Some(scope) = &self.scope {
                    if s.scope != *scope {
                        out.push(format!(
                            "another scope: the proof's scope is {}, required {}",
                            to_decimal(&s.scope),
                            to_decimal(scope)
                        ));
                    }
                }
                if let Some(signal) = &self.signal {
                    if s.signal != *signal {
                        out.push(format!(
                            "another signal: the proof's signal is {}, required {}",
                            to_decimal(&s.signal),
                            to_decimal(signal)
                        ));
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Limit on the registry history replayed to tell a stale root from an unknown one.
const STALE_SCAN_LIMIT: usize = 4096;

fn root_difference(found: &Fr, path: &Path, tree: &MerkleTree) -> String {
    let n = tree.leaves().len();
    if n <= STALE_SCAN_LIMIT {
        if let Ok(mut t) = MerkleTree::new(tree.depth()) {
            if t.root() == *found {
                return format!(
                    "stale root: the proof is against the root of {} when it was empty; its \
                     current root is {}",
                    path.display(),
                    to_decimal(&tree.root())
                );
            }
            for (k, leaf) in tree.leaves().iter().enumerate() {
                if t.append(*leaf).is_err() {
                    break;
                }
                if t.root() == *found {
                    return format!(
                        "stale root: the proof is against the root of {} when it held {} of \
                         its {n} leaves; its current root is {}",
                        path.display(),
                        k + 1,
                        to_decimal(&tree.root())
                    );
                }
            }
        }
    }
    format!(
        "unknown root: the proof is against root {}, not the current root {} of {}",
        to_decimal(found),
        to_decimal(&tree.root()),
        path.display()
    )
}

fn policy_difference(
    found: &[Clause; NUM_CLAUSES],
    required: &[Clause; NUM_CLAUSES],
    path: &Path,
) -> Option<String> {
    let mut diffs = Vec::new();
    let mut weaker = true;
    for (c, (f, r)) in found.iter().zip(required).enumerate() {
        for j in 0..NUM_ATTRS {
            if f.coeffs[j] != r.coeffs[j] {
                weaker = false;
                diffs.push(format!(
                    "clause {c} coefficient {j} is {}, required {}",
                    f.coeffs[j], r.coeffs[j]
                ));
            }
        }
        if f.constant != r.constant {
            weaker &= f.constant > r.constant;
            diffs.push(format!(
                "clause {c} constant is {}, required {}",
                f.constant, r.constant
            ));
        }
    }
    if diffs.is_empty() {
        return None;
    }
    let kind = if weaker { "a weaker" } else { "another" };
    Some(format!(
        "the proof is for {kind} policy than {}: {}",
        path.display(),
        diffs.join(", ")
    ))
}

fn verify_error(path: &Path, e: VerifyError) -> anyhow::Error {
    if e.exit_code() == 1 {
        refused(format!("invalid: {}: {e}", path.display()))
    } else {
        anyhow!("{}: {e}", path.display())
    }
}

fn circuit_of(key: &VerifierKey) -> Result<CircuitId> {
    key.circuit()
        .parse()
        .map_err(|e| anyhow!("the key's circuit id: {e}"))
}

/// Runs `zkcredit verify`.
pub fn run(a: &Args) -> Result<ExitCode> {
    if a.proofs.len() > 1 && !a.batch {
        bail!("more than one proof file: pass --batch to verify them together");
    }
    let expect = Expect::from_args(a)?;
    let key = load_verifier(&a.keys)?;
    let id = circuit_of(&key)?;
    let misapplied = expect.misapplied(&id);
    if !misapplied.is_empty() {
        bail!(
            "{} do(es) not apply to {} proofs",
            misapplied.join(", "),
            key.circuit()
        );
    }
    let mut envs = Vec::with_capacity(a.proofs.len());
    for p in &a.proofs {
        envs.push(read_proof(p)?.1);
    }
    if a.batch {
        key.verify_batch(&envs).map_err(|e| match e {
            BatchError::Structural { index, source } => {
                let path = &a.proofs[index];
                if source.exit_code() == 1 {
                    refused(format!(
                        "invalid: proof {index} ({}): {source}",
                        path.display()
                    ))
                } else {
                    anyhow!("proof {index} ({}): {source}", path.display())
                }
            }
            BatchError::Invalid { bad } => refused(format!(
                "invalid: {} of {} proofs do not verify: {}",
                bad.len(),
                envs.len(),
                bad.iter()
                    .map(|&i| format!("proof {i} ({})", a.proofs[i].display()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            e => anyhow!("{e}"),
        })?;
    } else {
        key.verify(&envs[0])
            .map_err(|e| verify_error(&a.proofs[0], e))?;
    }
    let mut failures = Vec::new();
    for (i, (p, env)) in a.proofs.iter().zip(&envs).enumerate() {
        let diffs = expect
            .differences(&id, env)
            .map_err(|e| anyhow!("{}: {e}", p.display()))?;
        if !diffs.is_empty() {
            let which = if a.batch {
                format!("proof {i} ({})", p.display())
            } else {
                p.display().to_string()
            };
            failures.push(format!("{which}: {}", diffs.join("; ")));
        }
    }
    if !failures.is_empty() {
        return Err(refused(format!(
            "invalid: the proof verifies but is not for what was required: {}",
            failures.join("; ")
        )));
    }
    let unchecked = expect.unchecked(&id);
    let what = if a.batch {
        format!("{} {} proofs", envs.len(), key.circuit())
    } else {
        format!("{} proof {}", key.circuit(), a.proofs[0].display())
    };
    if expect.is_empty() {
        eprintln!(
            "warning: only the proof's own public inputs were checked: it proves its own \
             statement, which may be a weaker policy, an unknown root or another request; pass \
             --policy, --issuer, --registry or --root, --request, --scope to require yours"
        );
        println(&format!(
            "valid: {what} (only the proof's own public inputs were checked)"
        ))?;
    } else {
        if !unchecked.is_empty() {
            eprintln!("warning: not checked: {}", unchecked.join(", "));
        }
        println(&format!("valid: {what}, for what was required"))?;
    }
    Ok(ExitCode::SUCCESS)
}

impl Expect {
    fn is_empty(&self) -> bool {
        self.policy.is_none()
            && self.issuer.is_none()
            && self.root.is_none()
            && self.request.is_none()
            && self.scope.is_none()
            && self.signal.is_none()
            && self.time.is_none()
    }
}
