//! The demo's keys (seeded, insecure, cached), genesis parameters and policies.

use super::coop::CHAIN;
use anyhow::{anyhow, Context, Result};
use ark_serialize::CanonicalSerialize;
use std::path::{Path, PathBuf};
use zkcredit_circuits::credential::{SCHEMA_BUREAU_V1, SCHEMA_COOP_HISTORY_V1};
use zkcredit_circuits::policy::Clause;
use zkcredit_circuits::statement::CircuitId;
use zkcredit_circuits::Fr;
use zkcredit_ledger::{coop_issuer_id, Account, ClauseRule, KeyRecord, Params, PolicyRules};
use zkcredit_prover::{setup, ProvingKeys};

/// 2026-01-01, the demo's genesis time.
pub const T0: u64 = 1_767_225_600;
/// A day, seconds.
pub const DAY: u64 = 86_400;
/// The seed of the demo's keys and randomness.
pub const SEED: u64 = 20_260_101;

/// Where the demo caches its keys: `DIR/keys` with --dir, else the user's cache.
pub fn key_cache(dir: Option<&Path>) -> PathBuf {
    if let Some(d) = dir {
        return d.join("keys");
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("zkcredit")
}

/// The keys directory of circuit `id` in the cache.
pub fn keys_dir(cache: &Path, id: CircuitId, seed: u64) -> PathBuf {
    cache.join(format!("demo-{id}-seed{seed}"))
}

/// Loads seeded demo keys from the cache, or runs the (seeded, insecure) setup and caches them.
pub fn demo_keys(cache: &Path, id: CircuitId, seed: u64) -> Result<(ProvingKeys, bool)> {
    let dir = keys_dir(cache, id, seed);
    if let Ok(k) = ProvingKeys::load(&dir) {
        if k.id == id {
            return Ok((k, true));
        }
    }
    let k = setup(id, Some(seed)).map_err(|e| anyhow!("setup of {id}: {e}"))?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    k.save(&dir).map_err(|e| anyhow!("saving keys: {e}"))?;
    Ok((k, false))
}

/// The genesis record of a key.
pub fn record(k: &ProvingKeys) -> Result<KeyRecord> {
    let mut vk = Vec::new();
    k.verifier.vk().serialize_compressed(&mut vk)?;
    Ok(KeyRecord {
        circuit: k.id.to_string(),
        vk,
        insecure: true,
    })
}

/// Ledger clauses without an instalment term.
pub fn rules(clauses: &[Clause]) -> Vec<ClauseRule> {
    clauses
        .iter()
        .map(|c| ClauseRule {
            coeffs: c.coeffs,
            constant: c.constant,
            instalment_coeff: 0,
        })
        .collect()
}

/// The demo co-op's parameters.
pub fn params(depth: usize, officers: Vec<Account>) -> Params {
    let mut params = Params::new(CHAIN, depth as u32, officers, 2);
    params.min_deposit = 10_000;
    params.auto_approve_limit = 500_000;
    params.treasury_limit = 500_000;
    params.interest_reserve_bps = 5_000;
    params.distribution_reserve_bps = 1_000;
    params
}

/// The lending policy: a score, a debt-to-income bound after the loan's instalment, no
/// defaults.
pub fn standard_policy(bureau_id: Fr) -> PolicyRules {
    let mut clauses = rules(&[
        Clause::at_least(0, 650),
        // debt-to-income after this loan's instalment at most 40 %:
        // income*4000 - debt*10000 - instalment*10000 >= 0
        Clause {
            coeffs: [0, 4_000, -10_000, 0, 0, 0, 0, 0],
            constant: 0,
        },
        Clause::at_most(6, 0),
    ]);
    clauses[1].instalment_coeff = 10_000;
    PolicyRules {
        name: "standard".into(),
        clauses,
        issuer: bureau_id,
        schema: SCHEMA_BUREAU_V1,
        max_credential_age: Some(400 * DAY),
        rate_bps: 1_200,
        max_amount: 2_000_000,
        max_term: 24,
        active: true,
    }
}

/// The admission policy: a scored bureau file.
pub fn admission_policy(standard: &PolicyRules) -> PolicyRules {
    PolicyRules {
        name: "admission: a scored bureau file".into(),
        clauses: rules(&[Clause::at_least(0, 300)]),
        rate_bps: 0,
        ..standard.clone()
    }
}

/// Loans for members with a clean record at the co-op (its own history credential).
pub fn history_policy() -> PolicyRules {
    PolicyRules {
        name: "members with a clean record".into(),
        clauses: rules(&[
            Clause::at_least(0, 1), // loans_repaid >= 1
            Clause::at_most(3, 0),  // late_instalments <= 0
            Clause::at_most(4, 0),  // defaults <= 0
        ]),
        issuer: coop_issuer_id(CHAIN),
        schema: SCHEMA_COOP_HISTORY_V1,
        max_credential_age: Some(30 * DAY),
        rate_bps: 900,
        max_amount: 400_000,
        max_term: 12,
        active: true,
    }
}
