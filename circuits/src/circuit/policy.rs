//! `policy-d{depth}-k8-c4`: "my attested numbers satisfy your policy".

use super::{alloc_inputs, witness, Layout};
use crate::credential::{Credential, NUM_ATTRS};
use crate::gadgets::{lc_of, linear_combination, merkle::MerklePathVar, poseidon, range};
use crate::merkle::MerklePath;
use crate::policy::NUM_CLAUSES;
use crate::statement::{policy_index as at, CircuitId, PolicyStatement, POLICY_NUM_PUBLIC_INPUTS};
use crate::{Error, Fr};
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

/// Bits of every attribute and of `expires_at`.
pub const ATTR_BITS: usize = 64;
/// Bits of a clause's left-hand side: every honest sum lies in `(-2^131, 2^131)`, and a
/// negative one reads as a field element above `p - 2^131`, far outside `[0, 2^132)`.
pub const CLAUSE_BITS: usize = 132;

/// The private side of a policy proof, as field elements: a prover may put anything here,
/// and the circuit must reject whatever does not come from an honest credential.
#[derive(Clone)]
pub struct PolicyWitness {
    /// The identity secret `s` (`Poseidon(s)` is the credential's subject).
    pub secret: Fr,
    /// The eight attributes.
    pub attrs: [Fr; NUM_ATTRS],
    /// Issue time.
    pub issued_at: Fr,
    /// Expiry time (exclusive).
    pub expires_at: Fr,
    /// The commitment's blinding.
    pub salt: Fr,
    /// Path of the credential's registry leaf.
    pub path: MerklePath,
}

impl PolicyWitness {
    /// The witness of an honest holder of `credential`.
    pub fn new(secret: Fr, credential: &Credential, path: MerklePath) -> Self {
        Self {
            secret,
            attrs: credential.attrs.map(Fr::from),
            issued_at: Fr::from(credential.issued_at),
            expires_at: Fr::from(credential.expires_at),
            salt: credential.salt,
            path,
        }
    }

    /// The 13 commitment inputs this witness hashes for `schema` (a public input) and
    /// subject `Poseidon(secret)`.
    pub fn commitment_inputs(&self, schema: u64) -> [Fr; 13] {
        let mut x = [Fr::from(0u64); 13];
        x[0] = Fr::from(schema);
        x[1] = crate::poseidon::hash1(self.secret);
        x[2..10].copy_from_slice(&self.attrs);
        x[10] = self.issued_at;
        x[11] = self.expires_at;
        x[12] = self.salt;
        x
    }
}

impl core::fmt::Debug for PolicyWitness {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PolicyWitness")
            .field("secret", &"<redacted>")
            .field("attrs", &"<redacted>")
            .field("path_index", &self.path.index)
            .finish_non_exhaustive()
    }
}

/// The policy circuit. With no statement and witness (see [`PolicyCircuit::blank`]) it
/// synthesizes the constraint matrices for setup.
///
/// Enforced, for the public inputs of [`PolicyStatement::public_inputs`]:
/// 1. every attribute and `expires_at` fits in 64 bits;
/// 2. `expires_at - now - 1` fits in 64 bits, i.e. `now < expires_at` (expired *at*
///    `expires_at`);
/// 3. `issued_at - issued_after` fits in 64 bits, i.e. `issued_at >= issued_after`
///    (freshness; `issued_after` is public and below 2^64, so `issued_at` is an honest
///    integer);
/// 4. `subject = Poseidon(s)`, `C = Poseidon(schema, subject, attrs, issued_at, expires_at,
///    salt)` with the *public* `schema`, `leaf = Poseidon(issuer, C)` lies under `root`;
/// 5. for each clause `c`, `sum_j a[c][j] * attrs[j] + b[c]` fits in 132 bits (is `>= 0`);
/// 6. `nullifier = Poseidon(s, scope)`;
/// 7. `holder = subject` if `holder_scope = 0`, else `holder = Poseidon(s, holder_scope)`;
/// 8. `request` is used in a constraint (`request^2`), so no optimizer can drop it.
#[derive(Clone, Debug)]
pub struct PolicyCircuit {
    depth: usize,
    statement: Option<PolicyStatement>,
    witness: Option<PolicyWitness>,
}

impl PolicyCircuit {
    /// The circuit shape with no assignment, for setup and constraint counting.
    pub fn blank(depth: usize) -> Self {
        Self {
            depth,
            statement: None,
            witness: None,
        }
    }

    /// A circuit with its assignment.
    ///
    /// # Errors
    /// [`Error::PathLength`] when the path does not have `depth` siblings.
    pub fn new(
        depth: usize,
        statement: PolicyStatement,
        witness: PolicyWitness,
    ) -> Result<Self, Error> {
        if witness.path.depth() != depth {
            return Err(Error::PathLength {
                expected: depth,
                found: witness.path.depth(),
            });
        }
        Ok(Self {
            depth,
            statement: Some(statement),
            witness: Some(witness),
        })
    }

    /// The circuit id, `policy-d{depth}-k8-c4`.
    pub fn id(&self) -> CircuitId {
        CircuitId::Policy { depth: self.depth }
    }

    /// Synthesizes the constraints and returns the named layout.
    ///
    /// # Errors
    /// Constraint system errors.
    #[allow(clippy::too_many_lines)]
    pub fn synthesize(self, cs: ConstraintSystemRef<Fr>) -> Result<Layout, SynthesisError> {
        let mut layout = Layout::default();
        let st = self.statement.as_ref();
        let w = self.witness.as_ref();

        let x = alloc_inputs(
            &cs,
            st.map(PolicyStatement::public_inputs),
            POLICY_NUM_PUBLIC_INPUTS,
        )?;
        let (root, issuer, schema) = (&x[at::ROOT], &x[at::ISSUER], &x[at::SCHEMA]);
        let (now, issued_after) = (&x[at::NOW], &x[at::ISSUED_AFTER]);
        let coeff = |c: usize, j: usize| &x[at::COEFFS + c * NUM_ATTRS + j];
        let constant = |c: usize| &x[at::CONSTANTS + c];
        let (request, scope, nullifier) = (&x[at::REQUEST], &x[at::SCOPE], &x[at::NULLIFIER]);
        let (holder_scope, holder) = (&x[at::HOLDER_SCOPE], &x[at::HOLDER]);

        let secret = witness(&cs, w.map(|w| w.secret))?;
        let attrs = (0..NUM_ATTRS)
            .map(|j| witness(&cs, w.map(|w| w.attrs[j])))
            .collect::<Result<Vec<_>, _>>()?;
        let issued_at = witness(&cs, w.map(|w| w.issued_at))?;
        let expires_at = witness(&cs, w.map(|w| w.expires_at))?;
        let salt = witness(&cs, w.map(|w| w.salt))?;
        let path = MerklePathVar::new_witness(cs.clone(), self.depth, w.map(|w| &w.path))?;

        for (j, attr) in attrs.iter().enumerate() {
            layout.section(&cs, format!("attribute {j} range"), || {
                range::enforce_bit_length(attr, ATTR_BITS)
            })?;
        }
        layout.section(&cs, "expires_at range", || {
            range::enforce_bit_length(&expires_at, ATTR_BITS)
        })?;
        layout.section(&cs, "expiry", || {
            let one = Fr::from(1u64);
            let remaining = linear_combination(&[(one, &expires_at), (-one, now)], -one)?;
            range::enforce_bit_length(&remaining, ATTR_BITS)
        })?;
        layout.section(&cs, "freshness", || {
            let one = Fr::from(1u64);
            let age = linear_combination(&[(one, &issued_at), (-one, issued_after)], Fr::from(0))?;
            range::enforce_bit_length(&age, ATTR_BITS)
        })?;

        let subject = layout.section(&cs, "subject", || {
            poseidon::hash(core::slice::from_ref(&secret))
        })?;
        let commitment = layout.section(&cs, "credential commitment", || {
            let mut inputs = vec![schema.clone(), subject.clone()];
            inputs.extend(attrs.iter().cloned());
            inputs.extend([issued_at, expires_at, salt]);
            poseidon::hash(&inputs)
        })?;
        let leaf = layout.section(&cs, "registry leaf", || {
            poseidon::hash(&[issuer.clone(), commitment])
        })?;
        layout.section(&cs, "merkle path", || path.root(&leaf)?.enforce_equal(root))?;

        for c in 0..NUM_CLAUSES {
            layout.section(&cs, format!("clause {c}"), || {
                enforce_clause(&cs, &attrs, |j| coeff(c, j), constant(c))
            })?;
        }

        layout.section(&cs, "nullifier", || {
            poseidon::hash(&[secret.clone(), scope.clone()])?.enforce_equal(nullifier)
        })?;
        layout.section(&cs, "holder binding", || {
            enforce_holder(&cs, &secret, &subject, holder_scope, holder)
        })?;
        layout.section(&cs, "request binding", || request.square().map(|_| ()))?;
        Ok(layout)
    }
}

/// `sum_j a_j * attrs[j] + b` in `[0, 2^132)`: 7 products, 132 bits, and one constraint that
/// computes the last product and checks the packing at once:
/// `a_7 * attrs[7] = bits - b - sum_{j<7} a_j * attrs[j]`.
fn enforce_clause<'a>(
    cs: &ConstraintSystemRef<Fr>,
    attrs: &[FpVar<Fr>],
    coeff: impl Fn(usize) -> &'a FpVar<Fr>,
    constant: &FpVar<Fr>,
) -> Result<(), SynthesisError> {
    let last = NUM_ATTRS - 1;
    let products = (0..last).map(|j| coeff(j) * &attrs[j]).collect::<Vec<_>>();
    let sum = (|| -> Result<Fr, SynthesisError> {
        let mut s = constant.value()? + coeff(last).value()? * attrs[last].value()?;
        for p in &products {
            s += p.value()?;
        }
        Ok(s)
    })()
    .ok();
    let (_bits, packed) = range::alloc_bits(cs.clone(), sum, CLAUSE_BITS)?;
    cs.enforce_r1cs_constraint(
        || lc_of(coeff(last)),
        || lc_of(&attrs[last]),
        || {
            let mut rhs = packed - lc_of(constant);
            for p in &products {
                rhs = rhs - lc_of(p);
            }
            rhs
        },
    )
}

/// `holder = subject` when `holder_scope = 0`, else `holder = Poseidon(s, holder_scope)`:
/// the pseudonym hash (240), `z = [holder_scope = 0]` (2: `scope·inv = 1 - z`,
/// `scope·z = 0`) and the choice `holder - h = z·(subject - h)` (1).
fn enforce_holder(
    cs: &ConstraintSystemRef<Fr>,
    secret: &FpVar<Fr>,
    subject: &FpVar<Fr>,
    holder_scope: &FpVar<Fr>,
    holder: &FpVar<Fr>,
) -> Result<(), SynthesisError> {
    use ark_ff::Field;
    use ark_r1cs_std::alloc::AllocVar;
    let pseudonym = poseidon::hash(&[secret.clone(), holder_scope.clone()])?;
    let scope_value = holder_scope.value();
    let is_zero = FpVar::new_witness(cs.clone(), || {
        scope_value.map(|v| Fr::from(u64::from(v == Fr::from(0u64))))
    })?;
    let inverse = FpVar::new_witness(cs.clone(), || {
        scope_value.map(|v| v.inverse().unwrap_or(Fr::from(0u64)))
    })?;
    cs.enforce_r1cs_constraint(
        || lc_of(holder_scope),
        || lc_of(&inverse),
        || lc_of(&FpVar::Constant(Fr::from(1u64))) - lc_of(&is_zero),
    )?;
    cs.enforce_r1cs_constraint(
        || lc_of(holder_scope),
        || lc_of(&is_zero),
        ark_relations::gr1cs::LinearCombination::new,
    )?;
    cs.enforce_r1cs_constraint(
        || lc_of(&is_zero),
        || lc_of(subject) - lc_of(&pseudonym),
        || lc_of(holder) - lc_of(&pseudonym),
    )
}

impl ConstraintSynthesizer<Fr> for PolicyCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        self.synthesize(cs).map(|_| ())
    }
}
