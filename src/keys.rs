//! Loading key directories, with the insecure-key warning every command prints.

use anyhow::{anyhow, Result};
use std::io::IsTerminal;
use std::path::Path;
use zkcredit_prover::ProvingKeys;
use zkcredit_verifier::VerifierKey;

fn warn_insecure(dir: &Path) {
    eprintln!(
        "warning: {} holds INSECURE keys from a seeded setup: anyone who knows the seed can \
         forge proofs; for tests and demos only",
        dir.display()
    );
}

/// Says where ceremony keys came from (their transcript hash); other keys say nothing more
/// than the insecure warning.
fn note_ceremony(dir: &Path) {
    let Ok(text) = std::fs::read(dir.join(zkcredit_verifier::META_FILE)) else {
        return;
    };
    let Ok(meta) = serde_json::from_slice::<zkcredit_verifier::KeyMeta>(&text) else {
        return;
    };
    if let Some(c) = meta.ceremony {
        eprintln!(
            "note: {} holds keys from a multi-party ceremony ({} contributions{}), transcript \
             hash {}",
            dir.display(),
            c.contributions.len(),
            if c.beacon { ", closed by a beacon" } else { "" },
            c.transcript_hash
        );
    }
}

/// Loads a verifying key (`meta.json`, `verifying_key.bin`).
pub fn load_verifier(dir: &Path) -> Result<VerifierKey> {
    let key = VerifierKey::load(dir).map_err(|e| anyhow!("keys {}: {e}", dir.display()))?;
    if key.is_insecure() {
        warn_insecure(dir);
    }
    note_ceremony(dir);
    Ok(key)
}

/// Loads proving keys (`meta.json`, `verifying_key.bin`, `proving_key.bin`).
pub fn load_prover(dir: &Path) -> Result<ProvingKeys> {
    let keys = ProvingKeys::load(dir).map_err(|e| anyhow!("keys {}: {e}", dir.display()))?;
    if keys.is_insecure() {
        warn_insecure(dir);
    }
    if let Some(c) = &keys.meta.ceremony {
        eprintln!(
            "note: {} holds keys from a multi-party ceremony ({} contributions{}), transcript \
             hash {}",
            dir.display(),
            c.contributions.len(),
            if c.beacon { ", closed by a beacon" } else { "" },
            c.transcript_hash
        );
    }
    Ok(keys)
}

/// A spinner on stderr for a long operation; hidden when stderr is not a terminal, and then
/// without the thread that ticks it.
pub fn spinner(msg: impl Into<String>) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    pb.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    pb.set_message(msg.into());
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}
