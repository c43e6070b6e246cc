//! The public statements, and the one place where their public inputs are laid out.
//!
//! Prover, verifier, ledger and tests all call [`PolicyStatement::public_inputs`] and
//! [`MembershipStatement::public_inputs`]; nothing else decides the order.

use crate::credential::NUM_ATTRS;
use crate::policy::{Clause, Policy, NUM_CLAUSES};
use crate::{field, merkle, Error, Fr};
use core::fmt;
use core::str::FromStr;

/// Index of each policy public input (version 2 of the statement). The layout is produced
/// only by [`PolicyStatement::public_inputs`]; these names are for readers and tests.
pub mod policy_index {
    use crate::credential::NUM_ATTRS;
    use crate::policy::NUM_CLAUSES;
    /// `root`: a registry root the verifier accepts.
    pub const ROOT: usize = 0;
    /// `issuer`: the issuer whose attestation is required.
    pub const ISSUER: usize = 1;
    /// `schema`: the credential's attribute layout.
    pub const SCHEMA: usize = 2;
    /// `now`: the credential is unexpired at this time.
    pub const NOW: usize = 3;
    /// `issued_after`: the credential was issued at or after this time (freshness).
    pub const ISSUED_AFTER: usize = 4;
    /// `a[c][j]` is at `COEFFS + NUM_ATTRS * c + j`.
    pub const COEFFS: usize = 5;
    /// `b[c]` is at `CONSTANTS + c`.
    pub const CONSTANTS: usize = COEFFS + NUM_CLAUSES * NUM_ATTRS;
    /// `request`: the binding to one request.
    pub const REQUEST: usize = CONSTANTS + NUM_CLAUSES;
    /// `scope`: the nullifier scope.
    pub const SCOPE: usize = REQUEST + 1;
    /// `nullifier = Poseidon(s, scope)`.
    pub const NULLIFIER: usize = SCOPE + 1;
    /// `holder_scope`: whom the holder binding is for (0: the identity commitment itself).
    pub const HOLDER_SCOPE: usize = NULLIFIER + 1;
    /// `holder`: the holder binding ([`crate::identity::holder`]).
    pub const HOLDER: usize = HOLDER_SCOPE + 1;
    /// Number of public inputs.
    pub const COUNT: usize = HOLDER + 1;
}

/// Public inputs of `policy-d{depth}-k8-c4`, version 2: 46.
pub const POLICY_NUM_PUBLIC_INPUTS: usize = policy_index::COUNT;
/// Public inputs of `membership-d{depth}`.
pub const MEMBERSHIP_NUM_PUBLIC_INPUTS: usize = 4;

/// Which circuit, with its shape. Its string form is the circuit id (`policy-d20-k8-c4`,
/// `membership-d20`), which key files and proofs carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CircuitId {
    /// The policy circuit over a registry of the given depth (K = 8, C = 4).
    Policy {
        /// Registry tree depth.
        depth: usize,
    },
    /// The membership circuit over a member tree of the given depth.
    Membership {
        /// Member tree depth.
        depth: usize,
    },
}

impl CircuitId {
    /// Tree depth of the circuit.
    pub fn depth(&self) -> usize {
        match self {
            Self::Policy { depth } | Self::Membership { depth } => *depth,
        }
    }

    /// Number of public inputs (not counting the constant one).
    pub fn num_public_inputs(&self) -> usize {
        match self {
            Self::Policy { .. } => POLICY_NUM_PUBLIC_INPUTS,
            Self::Membership { .. } => MEMBERSHIP_NUM_PUBLIC_INPUTS,
        }
    }

    /// Names of the public inputs, index by index.
    pub fn public_input_names(&self) -> Vec<String> {
        match self {
            Self::Policy { .. } => {
                let mut v = vec![
                    "root".to_string(),
                    "issuer".into(),
                    "schema".into(),
                    "now".into(),
                    "issued_after".into(),
                ];
                for c in 0..NUM_CLAUSES {
                    for j in 0..NUM_ATTRS {
                        v.push(format!("a[{c}][{j}]"));
                    }
                }
                for c in 0..NUM_CLAUSES {
                    v.push(format!("b[{c}]"));
                }
                v.extend(
                    ["request", "scope", "nullifier", "holder_scope", "holder"].map(String::from),
                );
                v
            }
            Self::Membership { .. } => ["root", "scope", "nullifier", "signal"]
                .map(String::from)
                .to_vec(),
        }
    }
}

impl fmt::Display for CircuitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Policy { depth } => {
                write!(f, "policy-d{depth}-k{NUM_ATTRS}-c{NUM_CLAUSES}")
            }
            Self::Membership { depth } => write!(f, "membership-d{depth}"),
        }
    }
}

impl FromStr for CircuitId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::CircuitId(s.to_string());
        let depth = |d: &str| -> Result<usize, Error> {
            if d.is_empty() || d.starts_with('0') || !d.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let depth: usize = d.parse().map_err(|_| bad())?;
            merkle::check_depth(depth)?;
            Ok(depth)
        };
        if let Some(rest) = s.strip_prefix("policy-d") {
            let d = rest
                .strip_suffix(&format!("-k{NUM_ATTRS}-c{NUM_CLAUSES}"))
                .ok_or_else(bad)?;
            Ok(Self::Policy { depth: depth(d)? })
        } else if let Some(d) = s.strip_prefix("membership-d") {
            Ok(Self::Membership { depth: depth(d)? })
        } else {
            Err(bad())
        }
    }
}

/// The public side of a policy proof (version 2: holder binding, freshness and schema).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyStatement {
    /// A registry root the verifier accepts.
    pub root: Fr,
    /// The issuer whose attestation is required.
    pub issuer: Fr,
    /// The credential's schema (attribute layout) the policy was written for.
    pub schema: u64,
    /// The credential must be unexpired at this time (`now < expires_at`).
    pub now: u64,
    /// The credential must have been issued at or after this time (`issued_at >=
    /// issued_after`); 0 asks for nothing.
    pub issued_after: u64,
    /// The policy, padded to four clauses.
    pub clauses: [Clause; NUM_CLAUSES],
    /// Binding to one request ([`crate::request::LoanRequest::binding`]).
    pub request: Fr,
    /// Nullifier scope (e.g. pool and epoch).
    pub scope: Fr,
    /// `Poseidon(s, scope)`.
    pub nullifier: Fr,
    /// Whom the holder binding is for: 0 for the identity commitment itself, a verifier's own
    /// scope for a pseudonym only that verifier sees.
    pub holder_scope: Fr,
    /// [`crate::identity::holder`]`(s, holder_scope)`: who holds the credential.
    pub holder: Fr,
}

impl PolicyStatement {
    /// The 46 public inputs, index by index (names in [`policy_index`]):
    ///
    /// | index | input |
    /// |---|---|
    /// | 0 | `root` |
    /// | 1 | `issuer` |
    /// | 2 | `schema` |
    /// | 3 | `now` |
    /// | 4 | `issued_after` |
    /// | 5 + 8c + j | `a[c][j]`, coefficient `j` of clause `c` (signed, `-x` as `p - x`) |
    /// | 37 + c | `b[c]`, constant of clause `c` (signed) |
    /// | 41 | `request` |
    /// | 42 | `scope` |
    /// | 43 | `nullifier` |
    /// | 44 | `holder_scope` |
    /// | 45 | `holder` |
    pub fn public_inputs(&self) -> Vec<Fr> {
        let mut v = Vec::with_capacity(POLICY_NUM_PUBLIC_INPUTS);
        v.push(self.root);
        v.push(self.issuer);
        v.push(Fr::from(self.schema));
        v.push(Fr::from(self.now));
        v.push(Fr::from(self.issued_after));
        for clause in &self.clauses {
            v.extend(clause.coeffs_fr());
        }
        for clause in &self.clauses {
            v.push(clause.constant_fr());
        }
        v.push(self.request);
        v.push(self.scope);
        v.push(self.nullifier);
        v.push(self.holder_scope);
        v.push(self.holder);
        debug_assert_eq!(v.len(), POLICY_NUM_PUBLIC_INPUTS);
        v
    }

    /// Reads a statement back from public inputs, checking that `schema`, `now`,
    /// `issued_after`, the coefficients and the constants are in their integer ranges.
    ///
    /// # Errors
    /// [`Error::PublicInputs`] naming the first input that does not fit.
    pub fn from_public_inputs(x: &[Fr]) -> Result<Self, Error> {
        use policy_index as at;
        if x.len() != POLICY_NUM_PUBLIC_INPUTS {
            return Err(Error::PublicInputs(format!(
                "expected {POLICY_NUM_PUBLIC_INPUTS} public inputs, got {}",
                x.len()
            )));
        }
        let u64_at = |i: usize, name: &str| {
            field::to_u64(&x[i])
                .ok_or_else(|| Error::PublicInputs(format!("{name} is not a 64-bit integer")))
        };
        let mut clauses: [Clause; NUM_CLAUSES] = Default::default();
        for (c, clause) in clauses.iter_mut().enumerate() {
            for j in 0..NUM_ATTRS {
                clause.coeffs[j] =
                    field::to_i64(&x[at::COEFFS + c * NUM_ATTRS + j]).ok_or_else(|| {
                        Error::PublicInputs(format!("a[{c}][{j}] is not a signed 64-bit integer"))
                    })?;
            }
            clause.constant = field::to_i128(&x[at::CONSTANTS + c]).ok_or_else(|| {
                Error::PublicInputs(format!("b[{c}] is not a signed 128-bit integer"))
            })?;
        }
        Ok(Self {
            root: x[at::ROOT],
            issuer: x[at::ISSUER],
            schema: u64_at(at::SCHEMA, "schema")?,
            now: u64_at(at::NOW, "now")?,
            issued_after: u64_at(at::ISSUED_AFTER, "issued_after")?,
            clauses,
            request: x[at::REQUEST],
            scope: x[at::SCOPE],
            nullifier: x[at::NULLIFIER],
            holder_scope: x[at::HOLDER_SCOPE],
            holder: x[at::HOLDER],
        })
    }

    /// The policy this statement proves (all four clauses, padding included).
    pub fn policy(&self) -> Policy {
        Policy {
            clauses: self.clauses.to_vec(),
        }
    }
}

/// The public side of a membership proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipStatement {
    /// Root of the member tree.
    pub root: Fr,
    /// Nullifier scope, e.g. the proposal id.
    pub scope: Fr,
    /// `Poseidon(s, scope)`.
    pub nullifier: Fr,
    /// The bound message, e.g. the hash of the vote.
    pub signal: Fr,
}

impl MembershipStatement {
    /// The 4 public inputs: `root`, `scope`, `nullifier`, `signal`.
    pub fn public_inputs(&self) -> Vec<Fr> {
        vec![self.root, self.scope, self.nullifier, self.signal]
    }

    /// Reads a statement back from its 4 public inputs.
    ///
    /// # Errors
    /// [`Error::PublicInputs`] for a wrong count.
    pub fn from_public_inputs(x: &[Fr]) -> Result<Self, Error> {
        match x {
            [root, scope, nullifier, signal] => Ok(Self {
                root: *root,
                scope: *scope,
                nullifier: *nullifier,
                signal: *signal,
            }),
            _ => Err(Error::PublicInputs(format!(
                "expected {MEMBERSHIP_NUM_PUBLIC_INPUTS} public inputs, got {}",
                x.len()
            ))),
        }
    }
}

/// Checks that `inputs` parse as the statement of circuit `id` (count and integer ranges).
/// Verifiers call this before any pairing check, so no public path verifies inputs that do
/// not mean a statement.
///
/// # Errors
/// [`Error::PublicInputs`] naming the first input that does not fit.
pub fn check_public_inputs(id: CircuitId, inputs: &[Fr]) -> Result<(), Error> {
    match id {
        CircuitId::Policy { .. } => PolicyStatement::from_public_inputs(inputs).map(|_| ()),
        CircuitId::Membership { .. } => MembershipStatement::from_public_inputs(inputs).map(|_| ()),
    }
}
