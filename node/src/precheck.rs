//! The stateless half of admission, done before the admission thread sees a transaction:
//!
//! 1. [`decode`] — in the HTTP handler, on the blocking pool, many at once: the signer's
//!    signature and every co-signature over this chain's message, and the strict decoding of
//!    the proof (canonical, on-curve, in-subgroup points; the circuit's input count) of a
//!    proof-carrying transaction (`join`, `apply-loan`, `vote`) for its circuit's key;
//! 2. [`verify`] — on the verification thread, for whatever decoded transactions are
//!    waiting: one batch pairing check per circuit (a failing batch names the bad proofs).
//!
//! The admission thread only takes a [`Checked`], and only [`verify`] makes one (its fields
//! are private to this module), from a [`Decoded`] that only [`decode`] makes: so nothing
//! reaches the mempool whose signatures and proof were not checked. A [`Checked`] carries the
//! hash of the verifying key its proof passed under; the mark the block builder trusts is made
//! from that hash and the transaction's own hash (which covers its signatures, proof bytes and
//! public inputs), so a mark can only ever speak for the exact transaction and key checked.

use zkcredit_ledger::keys::{check_pending, envelope, Keys, Pending};
use zkcredit_ledger::{Hash, ProofKind, Tx, TxBody, TxError};
use zkcredit_verifier::Envelope;

/// A transaction whose signatures passed and whose proof (if any) decoded strictly. Made only
/// by [`decode`].
pub struct Decoded {
    tx: Tx,
    hash: Hash,
    proof: Option<(ProofKind, Envelope)>,
}

/// A transaction whose signatures and proof (if any) passed. Made only by [`verify`].
pub struct Checked {
    tx: Tx,
    hash: Hash,
    /// The hash of the verifying key its proof passed under (`None`: it carries no proof).
    proof_key: Option<[u8; 32]>,
}

impl Checked {
    /// The transaction.
    pub fn tx(&self) -> &Tx {
        &self.tx
    }

    /// Its hash.
    pub fn hash(&self) -> Hash {
        self.hash
    }

    /// `(tx hash, key hash)` when its proof was verified: the mark for
    /// [`zkcredit_ledger::keys::Verified::insert_raw`].
    pub fn mark(&self) -> Option<(Hash, [u8; 32])> {
        self.proof_key.map(|k| (self.hash, k))
    }
}

/// The circuit of the proof `tx` carries, if any.
pub fn proof_of(tx: &Tx) -> Option<(ProofKind, &zkcredit_ledger::ProofData)> {
    match &tx.body {
        // An admission proof is a policy proof (the co-op's admission policy).
        TxBody::Join { proof, .. } | TxBody::ApplyLoan { proof, .. } => {
            Some((ProofKind::Policy, proof))
        }
        TxBody::Vote { proof, .. } => Some((ProofKind::Membership, proof)),
        _ => None,
    }
}

/// Checks `tx`'s signatures over `chain_id`'s message and decodes its proof strictly for its
/// circuit's key in `keys`.
///
/// # Errors
/// `BadSignature`, `BadCosignature` or `MalformedProof`.
pub fn decode(tx: Tx, chain_id: &str, keys: &Keys) -> Result<Decoded, TxError> {
    let msg = tx.message(chain_id);
    if !zkcredit_ledger::tx::check_signature(&tx.signer, &msg, &tx.signature) {
        return Err(TxError::BadSignature);
    }
    if let Some(index) = tx
        .cosignatures
        .iter()
        .position(|c| !zkcredit_ledger::tx::check_signature(&c.signer, &msg, &c.signature))
    {
        return Err(TxError::BadCosignature { index });
    }
    let proof = match proof_of(&tx) {
        Some((kind, data)) => Some((kind, envelope(keys.get(kind), data)?)),
        None => None,
    };
    let hash = tx.hash();
    Ok(Decoded { tx, hash, proof })
}

/// Batch-verifies the proofs of `batch` against `keys` (one pairing check per circuit) and
/// returns each transaction checked, or `InvalidProof`, in order.
pub fn verify(batch: Vec<Decoded>, keys: &Keys) -> Vec<Result<Checked, TxError>> {
    let mut passed = vec![false; batch.len()];
    let mut bad = vec![false; batch.len()];
    let mut todo: Vec<Pending> = batch
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.proof.as_ref().map(|(k, e)| (i, *k, e.clone())))
        .collect();
    // A batch that stops at a structural error has not verified the proofs after it: verify
    // those again until every proof is classified (each round classifies at least one).
    while !todo.is_empty() {
        let c = check_pending(keys, &todo);
        for &i in &c.bad {
            bad[i] = true;
        }
        for &i in &c.passed {
            passed[i] = true;
        }
        todo.retain(|(i, _, _)| !bad[*i] && !passed[*i]);
        if c.bad.is_empty() && c.passed.is_empty() {
            // Cannot happen (check_pending classifies at least one proof); refuse the rest
            // rather than loop.
            for (i, _, _) in &todo {
                bad[*i] = true;
            }
            break;
        }
    }
    batch
        .into_iter()
        .enumerate()
        .map(|(i, d)| match d.proof {
            None => Ok(Checked {
                tx: d.tx,
                hash: d.hash,
                proof_key: None,
            }),
            Some((kind, _)) if passed[i] && !bad[i] => Ok(Checked {
                tx: d.tx,
                hash: d.hash,
                proof_key: Some(keys.get(kind).vk_hash()),
            }),
            Some(_) => Err(TxError::InvalidProof),
        })
        .collect()
}
