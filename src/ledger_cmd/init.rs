//! `ledger init` and `ledger params`: genesis, with parameters merged over the defaults.

use super::account_of;
use anyhow::{anyhow, bail, Context, Result};
use ark_serialize::CanonicalSerialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zkcredit_circuits::statement::CircuitId;
use zkcredit_ledger::{Genesis, KeyRecord, Ledger, Params};

/// Arguments of `ledger init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Ledger directory.
    #[arg(long)]
    dir: PathBuf,
    /// Keys directory of the policy circuit (from `zkcredit setup`).
    #[arg(long)]
    policy_keys: PathBuf,
    /// Keys directory of the membership circuit.
    #[arg(long)]
    membership_keys: PathBuf,
    /// An officer: a key file from `ledger keygen` or a hex account. Repeat for each (or give
    /// `officers` in --params).
    #[arg(long = "officer")]
    officers: Vec<String>,
    /// Officer signatures needed for governance and large treasury actions.
    #[arg(long, default_value_t = 1)]
    threshold: u32,
    /// Chain id.
    #[arg(long, default_value = "zkcredit-coop")]
    chain_id: String,
    /// Genesis time, unix seconds (default: now).
    #[arg(long)]
    time: Option<u64>,
    /// Parameters as a JSON object: the fields given replace the defaults (see `ledger params
    /// --defaults`), the others keep them. Unknown fields are an error.
    #[arg(long)]
    params: Option<PathBuf>,
}

/// Arguments of `ledger params`.
#[derive(Debug, clap::Args)]
pub struct ParamsArgs {
    /// Print the defaults (the only mode for now; required so the intent is explicit).
    #[arg(long, required = true)]
    defaults: bool,
    /// Chain id to show.
    #[arg(long, default_value = "zkcredit-coop")]
    chain_id: String,
    /// Tree depth to show.
    #[arg(long, default_value_t = 20)]
    depth: u32,
}

fn key_record(dir: &Path, want: CircuitId) -> Result<KeyRecord> {
    let key = zkcredit_verifier::VerifierKey::load(dir)
        .map_err(|e| anyhow!("keys {}: {e}", dir.display()))?;
    if key.circuit() != want.to_string() {
        bail!(
            "{} holds keys for {}, expected {want}",
            dir.display(),
            key.circuit()
        );
    }
    let mut vk = Vec::new();
    key.vk().serialize_compressed(&mut vk)?;
    Ok(KeyRecord {
        circuit: key.circuit().to_string(),
        vk,
        insecure: key.is_insecure(),
    })
}

/// `defaults` with the fields of the JSON object `over` replacing theirs; `what` names the
/// source in errors. Unknown fields are refused.
pub fn merge_params(defaults: &Params, over: &str, what: &str) -> Result<Params> {
    let over: Value =
        serde_json::from_str(over).with_context(|| format!("{what}: not valid JSON"))?;
    let Value::Object(over) = over else {
        bail!("{what}: expected a JSON object of parameters");
    };
    let mut merged = serde_json::to_value(defaults)?;
    let fields = merged
        .as_object_mut()
        .ok_or_else(|| anyhow!("parameters are not an object"))?;
    for (k, v) in over {
        if !fields.contains_key(&k) {
            let mut known: Vec<&str> = fields.keys().map(String::as_str).collect();
            known.sort_unstable();
            bail!(
                "{what}: unknown parameter {k:?} (known: {})",
                known.join(", ")
            );
        }
        fields.insert(k, v);
    }
    serde_json::from_value(merged).with_context(|| format!("{what}: bad parameter value"))
}

/// Runs `ledger init`.
pub fn run_init(a: &InitArgs) -> Result<ExitCode> {
    let pk = zkcredit_verifier::VerifierKey::load(&a.policy_keys)
        .map_err(|e| anyhow!("keys {}: {e}", a.policy_keys.display()))?;
    let depth = match pk.circuit().parse::<CircuitId>()? {
        CircuitId::Policy { depth } => depth,
        other => bail!(
            "{} holds {other} keys, not policy keys",
            a.policy_keys.display()
        ),
    };
    let officers = a
        .officers
        .iter()
        .map(|o| account_of(o))
        .collect::<Result<Vec<_>>>()?;
    let defaults = Params::new(&a.chain_id, depth as u32, officers, a.threshold);
    let params = match &a.params {
        Some(p) => merge_params(&defaults, &super::read_input(p)?, &p.display().to_string())?,
        None => defaults,
    };
    if params.officers.is_empty() {
        bail!("no officers: give --officer (repeatable) or `officers` in --params");
    }
    if params.depth as usize != depth {
        bail!(
            "params depth {} differs from the keys' depth {depth}",
            params.depth
        );
    }
    let genesis = Genesis {
        params,
        time: a.time.unwrap_or_else(crate::files::unix_now),
        keys: vec![
            key_record(&a.policy_keys, CircuitId::Policy { depth })?,
            key_record(&a.membership_keys, CircuitId::Membership { depth })?,
        ],
    };
    let l = Ledger::init(&a.dir, &genesis)?;
    println!(
        "initialised {} (chain {}, depth {depth}), genesis {}",
        a.dir.display(),
        genesis.params.chain_id,
        hex::encode(l.head_hash())
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `ledger params --defaults`.
pub fn run_params(a: &ParamsArgs) -> Result<ExitCode> {
    let _ = a.defaults;
    let p = Params::new(&a.chain_id, a.depth, Vec::new(), 1);
    println!("{}", serde_json::to_string_pretty(&p)?);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_merge_over_defaults_and_refuse_unknown_fields() {
        let d = Params::new("c", 4, vec![[1; 32]], 1);
        let p = merge_params(&d, r#"{"min_deposit": 5, "quorum_bps": 6000}"#, "f").unwrap();
        assert_eq!(p.min_deposit, 5);
        assert_eq!(p.quorum_bps, 6000);
        assert_eq!(p.vote_period, d.vote_period);
        assert_eq!(p.officers, d.officers);
        let e = merge_params(&d, r#"{"min_depost": 5}"#, "f").unwrap_err();
        assert!(
            e.to_string().contains("unknown parameter \"min_depost\""),
            "{e}"
        );
        let p = merge_params(
            &d,
            &format!(r#"{{"officers": ["{}"]}}"#, "22".repeat(32)),
            "f",
        )
        .unwrap();
        assert_eq!(p.officers, vec![[0x22; 32]]);
    }
}
