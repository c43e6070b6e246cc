//! The verifying keys a chain registers at genesis, and batch verification of a block's
//! proofs.

use crate::error::{LedgerError, TxError};
use crate::tx::{Genesis, ProofData};
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
    let mut bad = Vec::new();
    for kind in [ProofKind::Policy, ProofKind::Membership] {
        let (idx, envs): (Vec<usize>, Vec<Envelope>) = pending
            .iter()
            .filter(|(_, k, _)| *k == kind)
            .map(|(i, _, e)| (*i, e.clone()))
            .unzip();
        match keys.get(kind).verify_batch(&envs) {
            Ok(()) => {}
            Err(BatchError::Invalid { bad: b }) => bad.extend(b.into_iter().map(|j| idx[j])),
            Err(BatchError::Structural { index, .. }) => bad.push(idx[index]),
            Err(_) => bad.extend(idx),
        }
    }
    bad.sort_unstable();
    bad
}
