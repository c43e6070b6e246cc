//! What `demo --dir D` leaves behind for a member to carry on: account keys, identities and
//! credentials under `D/members/NAME/`, the officers' and the bureau's keys, and the commands
//! that inspect the ledger and act on it.

use super::coop::Person;
use super::setup::{keys_dir, SEED};
use super::story::{Cast, Creds};
use crate::files::{write_json, IdentityFile};
use anyhow::Result;
use ed25519_dalek::SigningKey;
use std::path::Path;
use zkcredit_circuits::credential::Credential;
use zkcredit_circuits::statement::CircuitId;
use zkcredit_client::keyfile::KeyFile;

fn key_file(path: &Path, k: &SigningKey) -> Result<()> {
    let kf = KeyFile {
        secret: hex::encode(k.to_bytes()),
        account: hex::encode(k.verifying_key().to_bytes()),
    };
    write_json(path, &kf, true, true)
}

fn slug(p: &Person) -> String {
    p.name.to_lowercase().replace('é', "e")
}

/// Writes the kit into `dir` (the demo's ledger directory) and prints how to use it.
pub fn write(
    dir: &Path,
    cast: &Cast,
    creds: &Creds,
    history: &Credential,
    depth: usize,
) -> Result<()> {
    for (p, c) in cast.members().into_iter().zip(&creds.0) {
        let d = dir.join("members").join(slug(p));
        std::fs::create_dir_all(&d)?;
        key_file(&d.join("account.json"), &p.m.key)?;
        write_json(
            &d.join("identity.json"),
            &IdentityFile::new(p.id()),
            true,
            true,
        )?;
        write_json(&d.join("credential.json"), c, true, true)?;
    }
    write_json(
        &dir.join("members")
            .join(slug(&cast.ben))
            .join("history.json"),
        history,
        true,
        true,
    )?;
    let officers = dir.join("officers");
    std::fs::create_dir_all(&officers)?;
    for i in 1..=3u8 {
        key_file(
            &officers.join(format!("officer-{i}.json")),
            &SigningKey::from_bytes(&[i; 32]),
        )?;
    }
    key_file(&dir.join("bureau.json"), &cast.bureau)?;
    let d = dir.display();
    let ben = dir.join("members").join("ben");
    let keys = dir.join("keys");
    println!("\nThe ledger stays in {d}, with what its people need to carry on:");
    println!(
        "      members/NAME/account.json, identity.json, credential.json (Ben also history.json),"
    );
    println!(
        "      officers/officer-1..3.json, bureau.json; proving keys under {}",
        keys.display()
    );
    println!("  inspect it:");
    println!("      zkcredit ledger show --dir {d}");
    println!("      zkcredit ledger verify --dir {d}");
    println!("  act as Ben (the block is made at once with --produce):");
    println!(
        "      zkcredit coop deposit --dir {d} --key {} --amount 5000 --produce",
        ben.join("account.json").display()
    );
    println!(
        "      zkcredit coop apply --dir {d} --key {k} --identity {i} --credential {c} \\\n          --policy-keys {pk} --policy 2 --amount 100000 --term 6 --produce",
        k = ben.join("account.json").display(),
        i = ben.join("identity.json").display(),
        c = ben.join("history.json").display(),
        pk = keys_dir(&keys, CircuitId::Policy { depth }, SEED).display(),
    );
    println!("  or serve it: zkcredit node --dir {d}   (then the same commands with --node URL)");
    Ok(())
}
