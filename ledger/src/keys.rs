//! The verifying keys a chain registers at genesis, and batch verification of a block's
//! proofs.

use crate::codec::Hash;
use crate::error::{LedgerError, TxError};
use crate::tx::{Genesis, ProofData};
use std::collections::{HashMap, HashSet};
use zkcredit_circuits::statement::CircuitId;
use zkcredit_verifier::{BatchError, Envelope, ProofFile, VerifierKey, PROOF_BYTES, PROOF_FORMAT};

/// Which of the two registered circuits a proof is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofKind {
    /// `policy-d{depth}-k8-c4`.
    Policy,
    /// `membership-d{depth}`.
    Membership,
}

/// The chain's verifying keys: one per circuit, registered at genesis; a proof is only ever
/// checked against the key of its own circuit.
#[derive(Clone, Debug)]
pub struct Keys {
    /// Key of `policy-d{depth}-k8-c4`.
    pub policy: VerifierKey,
    /// Key of `membership-d{depth}`.
    pub membership: VerifierKey,
}

impl Keys {
    /// Decodes and checks the genesis keys: exactly the policy and membership circuits at the
    /// chain's depth, each a valid compressed key with the right number of inputs.
    ///
    /// # Errors
    /// [`LedgerError::Genesis`] naming the problem.
    pub fn from_genesis(genesis: &Genesis) -> Result<Self, LedgerError> {
        let depth = genesis.params.depth as usize;
        let want = |id: CircuitId| -> Result<VerifierKey, LedgerError> {
            let name = id.to_string();
            let mut found = genesis.keys.iter().filter(|k| k.circuit == name);
            let rec = found
                .next()
                .ok_or_else(|| LedgerError::Genesis(format!("no verifying key for {name}")))?;
            if found.next().is_some() {
                return Err(LedgerError::Genesis(format!("two keys for {name}")));
            }
            // The same strict decoding as `VerifierKey::load`: canonical, on curve, in the
            // subgroup, no identity among alpha/beta/gamma/delta, the circuit's input count.
            VerifierKey::from_bytes(&name, &rec.vk, rec.insecure)
                .map_err(|e| LedgerError::Genesis(format!("key of {name}: {e}")))
        };
        if genesis.keys.len() != 2 {
            return Err(LedgerError::Genesis(format!(
                "expected 2 verifying keys, found {}",
                genesis.keys.len()
            )));
        }
        Ok(Self {
            policy: want(CircuitId::Policy { depth })?,
            membership: want(CircuitId::Membership { depth })?,
        })
    }

    /// The key for `kind`.
    pub fn get(&self, kind: ProofKind) -> &VerifierKey {
        match kind {
            ProofKind::Policy => &self.policy,
            ProofKind::Membership => &self.membership,
        }
    }
}

/// Decodes a transaction's proof strictly (canonical, on-curve, in-subgroup, non-identity
/// points) into an envelope for `key`'s circuit with the given public inputs.
///
/// # Errors
/// [`TxError::MalformedProof`].
pub fn envelope(key: &VerifierKey, data: &ProofData) -> Result<Envelope, TxError> {
    if data.proof.len() != PROOF_BYTES {
        return Err(TxError::MalformedProof(format!(
            "proof is {} bytes, expected {PROOF_BYTES}",
            data.proof.len()
        )));
    }
    if data.public_inputs.len() != key.num_public_inputs() {
        return Err(TxError::MalformedProof(format!(
            "{} public inputs, expected {}",
            data.public_inputs.len(),
            key.num_public_inputs()
        )));
    }
    let file = ProofFile {
        format: PROOF_FORMAT.to_string(),
        circuit: key.circuit().to_string(),
        vk_hash: None,
        public_inputs: Vec::new(),
        proof: hex::encode(&data.proof),
        created_at: 0,
        insecure_key: false,
    };
    let mut env = Envelope::from_file(&file).map_err(|e| TxError::MalformedProof(e.to_string()))?;
    env.public_inputs = data.public_inputs.clone();
    Ok(env)
}

/// A proof waiting for its block's batch check: `(transaction index, circuit, envelope)`.
pub type Pending = (usize, ProofKind, Envelope);

/// Verifies all pending proofs, one batch per circuit, and returns the transaction indices
/// whose proofs fail (ascending; empty when all pass).
pub fn verify_pending(keys: &Keys, pending: &[Pending]) -> Vec<usize> {
    check_pending(keys, pending).bad
}

/// What [`check_pending`] found.
#[derive(Clone, Debug, Default)]
pub struct Checked {
    /// Indices whose proofs fail (ascending).
    pub bad: Vec<usize>,
    /// Indices whose proofs were verified and pass (ascending). A proof in neither list was
    /// not verified (its batch stopped at another proof's structural error).
    pub passed: Vec<usize>,
}

/// [`verify_pending`], also naming the proofs that were actually verified and pass.
pub fn check_pending(keys: &Keys, pending: &[Pending]) -> Checked {
    let mut out = Checked::default();
    for kind in [ProofKind::Policy, ProofKind::Membership] {
        let (idx, envs): (Vec<usize>, Vec<Envelope>) = pending
            .iter()
            .filter(|(_, k, _)| *k == kind)
            .map(|(i, _, e)| (*i, e.clone()))
            .unzip();
        match keys.get(kind).verify_batch(&envs) {
            Ok(()) => out.passed.extend(idx),
            // Every proof of the batch was checked on its own: the others pass.
            Err(BatchError::Invalid { bad: b }) => {
                let b: std::collections::HashSet<usize> = b.into_iter().collect();
                for (j, i) in idx.into_iter().enumerate() {
                    if b.contains(&j) {
                        out.bad.push(i);
                    } else {
                        out.passed.push(i);
                    }
                }
            }
            // The batch stopped at this proof: the others were not verified.
            Err(BatchError::Structural { index, .. }) => out.bad.push(idx[index]),
            Err(_) => out.bad.extend(idx),
        }
    }
    out.bad.sort_unstable();
    out.passed.sort_unstable();
    out
}

/// Checks this process has already made (a node's admission), so that building a block from
/// its own mempool need not make them again: proofs verified against the chain's keys, and
/// signatures verified over the chain's id.
///
/// A proof mark names exactly what was verified: the hash of the transaction carrying the
/// proof (which covers its proof bytes, public inputs and signatures) and the hash of the
/// verifying key that accepted it. A signature mark names the hash of a transaction whose
/// signature and co-signatures were verified over this chain's signing message (the hash
/// covers the signer, nonce, body and every signature, and the chain id is fixed at genesis).
/// A mark is only ever made by the process that ran the check and is never read from the
/// network or the store; blocks applied with [`State::apply_block`] (and `ledger verify`'s
/// replay) ignore marks and check every signature and proof.
///
/// [`State::apply_block`]: crate::State::apply_block
#[derive(Clone, Debug, Default)]
pub struct Verified {
    proofs: HashMap<Hash, [u8; 32]>,
    signed: HashSet<Hash>,
}

impl Verified {
    /// Records that the proof of transaction `tx` passed verification under `key`.
    pub fn insert(&mut self, tx: Hash, key: &VerifierKey) {
        self.proofs.insert(tx, key.vk_hash());
    }

    /// Whether the proof of transaction `tx` passed verification under exactly `key`.
    pub fn contains(&self, tx: &Hash, key: &VerifierKey) -> bool {
        self.proofs.get(tx) == Some(&key.vk_hash())
    }

    /// The proof mark of `tx`, if any, as `(tx hash, key hash)`.
    pub fn get(&self, tx: &Hash) -> Option<(Hash, [u8; 32])> {
        self.proofs.get(tx).map(|k| (*tx, *k))
    }

    /// Adds a proof mark returned by [`Verified::get`].
    pub fn insert_raw(&mut self, (tx, key): (Hash, [u8; 32])) {
        self.proofs.insert(tx, key);
    }

    /// Records that the signature and every co-signature of transaction `tx` passed
    /// verification over this chain's signing message.
    pub fn insert_signed(&mut self, tx: Hash) {
        self.signed.insert(tx);
    }

    /// Whether the signatures of transaction `tx` passed verification.
    pub fn signed(&self, tx: &Hash) -> bool {
        self.signed.contains(tx)
    }

    /// Copies the marks of `tx` (proof and signatures) from `other`.
    pub fn copy(&mut self, other: &Verified, tx: &Hash) {
        if let Some(mark) = other.get(tx) {
            self.insert_raw(mark);
        }
        if other.signed(tx) {
            self.insert_signed(*tx);
        }
    }

    /// Keeps the marks of the transactions `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&Hash) -> bool) {
        self.proofs.retain(|h, _| keep(h));
        self.signed.retain(|h| keep(h));
    }

    /// Number of proof marks.
    pub fn len(&self) -> usize {
        self.proofs.len()
    }

    /// Whether there are no marks at all.
    pub fn is_empty(&self) -> bool {
        self.proofs.is_empty() && self.signed.is_empty()
    }
}
