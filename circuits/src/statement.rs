//! The public statements, and the one place where their public inputs are laid out.
//!
//! Prover, verifier, ledger and tests all call [`PolicyStatement::public_inputs`] and
//! [`MembershipStatement::public_inputs`]; nothing else decides the order.

use crate::credential::NUM_ATTRS;
use crate::policy::{Clause, Policy, NUM_CLAUSES};
use crate::{field, merkle, Error, Fr};
use core::fmt;
use core::str::FromStr;

/// Public inputs of `policy-d{depth}-k8-c4`: 3 + 32 + 4 + 3.
pub const POLICY_NUM_PUBLIC_INPUTS: usize = 3 + NUM_CLAUSES * NUM_ATTRS + NUM_CLAUSES + 3;
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
                let mut v = vec!["root".to_string(), "issuer".into(), "now".into()];
                for c in 0..NUM_CLAUSES {
                    for j in 0..NUM_ATTRS {
                        v.push(format!("a[{c}][{j}]"));
                    }
                }
                for c in 0..NUM_CLAUSES {
                    v.push(format!("b[{c}]"));
                }
                v.extend(["request".to_string(), "scope".into(), "nullifier".into()]);
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
            if depth == 0 || depth > merkle::MAX_DEPTH {
                return Err(Error::Depth(depth));
            }
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

/// The public side of a policy proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyStatement {
    /// A registry root the verifier accepts.
    pub root: Fr,
    /// The issuer whose attestation is required.
    pub issuer: Fr,
    /// The credential must be unexpired at this time (`now < expires_at`).
    pub now: u64,
    /// The policy, padded to four clauses.
    pub clauses: [Clause; NUM_CLAUSES],
    /// Binding to one loan request ([`crate::request::LoanRequest::binding`]).
    pub request: Fr,
    /// Nullifier scope (e.g. pool and epoch).
    pub scope: Fr,
    /// `Poseidon(s, scope)`.
    pub nullifier: Fr,
}

impl PolicyStatement {
    /// The 42 public inputs in DESIGN.md's order:
    ///
    /// | index | input |
    /// |---|---|
    /// | 0 | `root` |
    /// | 1 | `issuer` |
    /// | 2 | `now` |
    /// | 3 + 8c + j | `a[c][j]`, coefficient `j` of clause `c` (signed, `-x` as `p - x`) |
    /// | 35 + c | `b[c]`, constant of clause `c` (signed) |
    /// | 39 | `request` |
    /// | 40 | `scope` |
    /// | 41 | `nullifier` |
    pub fn public_inputs(&self) -> Vec<Fr> {
        let mut v = Vec::with_capacity(POLICY_NUM_PUBLIC_INPUTS);
        v.push(self.root);
        v.push(self.issuer);
        v.push(Fr::from(self.now));
        for clause in &self.clauses {
            v.extend(clause.coeffs_fr());
        }
        for clause in &self.clauses {
            v.push(clause.constant_fr());
        }
        v.push(self.request);
        v.push(self.scope);
        v.push(self.nullifier);
        v
    }

    /// Reads a statement back from public inputs, checking that `now`, the coefficients and
    /// the constants are in their integer ranges.
    ///
    /// # Errors
    /// [`Error::PublicInputs`] naming the first input that does not fit.
    pub fn from_public_inputs(x: &[Fr]) -> Result<Self, Error> {
        if x.len() != POLICY_NUM_PUBLIC_INPUTS {
            return Err(Error::PublicInputs(format!(
                "expected {POLICY_NUM_PUBLIC_INPUTS} public inputs, got {}",
                x.len()
            )));
        }
        let now = field::to_u64(&x[2])
            .ok_or_else(|| Error::PublicInputs("now is not a 64-bit integer".into()))?;
        let mut clauses: [Clause; NUM_CLAUSES] = Default::default();
        for (c, clause) in clauses.iter_mut().enumerate() {
            for j in 0..NUM_ATTRS {
                clause.coeffs[j] = field::to_i64(&x[3 + c * NUM_ATTRS + j]).ok_or_else(|| {
                    Error::PublicInputs(format!("a[{c}][{j}] is not a signed 64-bit integer"))
                })?;
            }
            clause.constant =
                field::to_i128(&x[3 + NUM_CLAUSES * NUM_ATTRS + c]).ok_or_else(|| {
                    Error::PublicInputs(format!("b[{c}] is not a signed 128-bit integer"))
                })?;
        }
        Ok(Self {
            root: x[0],
            issuer: x[1],
            now,
            clauses,
            request: x[39],
            scope: x[40],
            nullifier: x[41],
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
