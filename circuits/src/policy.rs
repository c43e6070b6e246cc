//! Lender policies: up to four linear clauses over the eight attributes.
//!
//! Clause `c` holds when `sum_j coeffs[j] * attrs[j] + constant >= 0`, computed over the
//! integers. With `|coeffs[j]| <= 2^63`, `attrs[j] < 2^64` and `|constant| <= 2^127` every
//! sum lies in `(-2^131, 2^131)`, which is why the circuit's range check on the sum,
//! `[0, 2^132)`, cannot be fooled by wrap-around modulo `p`.

use crate::credential::NUM_ATTRS;
use crate::{field, Error, Fr};
use num_bigint::BigInt;
use serde::{Deserialize, Serialize};

/// Clauses per policy (`C` in the circuit shape).
pub const NUM_CLAUSES: usize = 4;

/// One linear clause: `sum_j coeffs[j] * attrs[j] + constant >= 0`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    /// Signed coefficient of each attribute.
    pub coeffs: [i64; NUM_ATTRS],
    /// Signed constant; JSON takes an integer or a decimal string (for |x| >= 2^63).
    #[serde(with = "serde_i128")]
    pub constant: i128,
}

impl Clause {
    /// The always-true clause `0 >= 0` that pads a policy to four clauses.
    pub fn trivial() -> Self {
        Self::default()
    }

    /// `attr[index] >= threshold`.
    pub fn at_least(index: usize, threshold: u64) -> Self {
        let mut c = Self::default();
        c.coeffs[index % NUM_ATTRS] = 1;
        c.constant = -i128::from(threshold);
        c
    }

    /// `attr[index] <= limit`.
    pub fn at_most(index: usize, limit: u64) -> Self {
        let mut c = Self::default();
        c.coeffs[index % NUM_ATTRS] = -1;
        c.constant = i128::from(limit);
        c
    }

    /// The exact integer value of the clause's left-hand side on `attrs`.
    pub fn evaluate(&self, attrs: &[u64; NUM_ATTRS]) -> BigInt {
        self.coeffs
            .iter()
            .zip(attrs)
            .map(|(a, x)| BigInt::from(*a) * BigInt::from(*x))
            .sum::<BigInt>()
            + BigInt::from(self.constant)
    }

    /// Human-readable form with the given attribute names, e.g.
    /// `monthly_income*3600 - monthly_debt*10000 - 1500000 >= 0`.
    pub fn describe(&self, names: &[String; NUM_ATTRS]) -> String {
        let mut out = String::new();
        for (a, name) in self.coeffs.iter().zip(names) {
            if *a == 0 {
                continue;
            }
            let mag = a.unsigned_abs();
            let term = if mag == 1 {
                name.clone()
            } else {
                format!("{name}*{mag}")
            };
            match (out.is_empty(), *a < 0) {
                (true, false) => out.push_str(&term),
                (true, true) => out.push_str(&format!("-{term}")),
                (false, false) => out.push_str(&format!(" + {term}")),
                (false, true) => out.push_str(&format!(" - {term}")),
            }
        }
        let k = self.constant;
        if out.is_empty() {
            out = k.to_string();
        } else if k > 0 {
            out.push_str(&format!(" + {k}"));
        } else if k < 0 {
            out.push_str(&format!(" - {}", k.unsigned_abs()));
        }
        format!("{out} >= 0")
    }

    /// The coefficients as field elements (negative values as `p - |a|`).
    pub fn coeffs_fr(&self) -> [Fr; NUM_ATTRS] {
        self.coeffs.map(field::from_i64)
    }

    /// The constant as a field element.
    pub fn constant_fr(&self) -> Fr {
        field::from_i128(self.constant)
    }
}

/// A policy of 1 to 4 clauses; missing clauses are the always-true zero clause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The clauses, in order.
    pub clauses: Vec<Clause>,
}

/// The first clause a credential fails, and by how much.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClauseFailure {
    /// Index of the failing clause (0-based).
    pub clause: usize,
    /// The clause, written with the schema's attribute names.
    pub description: String,
    /// The clause's left-hand side (negative).
    pub value: BigInt,
}

impl core::fmt::Display for ClauseFailure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "clause {} ({}) fails: the left-hand side is {}",
            self.clause, self.description, self.value
        )
    }
}

impl Policy {
    /// A policy from its clauses.
    ///
    /// # Errors
    /// [`Error::TooManyClauses`] for more than four clauses.
    pub fn new(clauses: Vec<Clause>) -> Result<Self, Error> {
        let p = Self { clauses };
        p.validate()?;
        Ok(p)
    }

    /// Checks the clause count.
    ///
    /// # Errors
    /// [`Error::TooManyClauses`] for more than four clauses.
    pub fn validate(&self) -> Result<(), Error> {
        if self.clauses.len() > NUM_CLAUSES {
            return Err(Error::TooManyClauses {
                max: NUM_CLAUSES,
                found: self.clauses.len(),
            });
        }
        Ok(())
    }

    /// Exactly four clauses, padding with the always-true clause.
    ///
    /// # Errors
    /// [`Error::TooManyClauses`] for more than four clauses.
    pub fn padded(&self) -> Result<[Clause; NUM_CLAUSES], Error> {
        self.validate()?;
        Ok(core::array::from_fn(|c| {
            self.clauses.get(c).cloned().unwrap_or_default()
        }))
    }

    /// Evaluates every clause on `attrs`, reporting the first that fails.
    ///
    /// # Errors
    /// The failing clause, described with the attribute names of `schema`.
    pub fn check(&self, schema: u64, attrs: &[u64; NUM_ATTRS]) -> Result<(), ClauseFailure> {
        let names = crate::credential::attribute_names(schema);
        for (c, clause) in self.clauses.iter().enumerate() {
            let value = clause.evaluate(attrs);
            if value < BigInt::from(0) {
                return Err(ClauseFailure {
                    clause: c,
                    description: clause.describe(&names),
                    value,
                });
            }
        }
        Ok(())
    }
}

/// serde for `i128`: writes a JSON integer when it fits in `i64`, a decimal string otherwise;
/// reads either.
pub mod serde_i128 {
    use serde::{de, Deserializer, Serializer};

    /// Serializes an `i128`.
    pub fn serialize<S: Serializer>(x: &i128, s: S) -> Result<S::Ok, S::Error> {
        match i64::try_from(*x) {
            Ok(v) => s.serialize_i64(v),
            Err(_) => s.serialize_str(&x.to_string()),
        }
    }

    /// Deserializes an integer or a decimal string into an `i128`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i128, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = i128;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("an integer in [-2^127, 2^127) or a decimal string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<i128, E> {
                Ok(i128::from(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<i128, E> {
                Ok(i128::from(v))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<i128, E> {
                Err(E::custom(
                    "the constant must be an integer, write large values as a decimal string",
                ))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<i128, E> {
                let digits = v.strip_prefix('-').unwrap_or(v);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(E::custom(format!("{v:?} is not a decimal integer")));
                }
                v.parse::<i128>()
                    .map_err(|_| E::custom(format!("{v} is outside [-2^127, 2^127)")))
            }
        }
        d.deserialize_any(V)
    }
}
