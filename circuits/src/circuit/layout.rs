//! Named constraint ranges: which part of a circuit each constraint belongs to.
//!
//! Circuits record, while they synthesize, the range of constraint indexes each part
//! produced. `zkcredit circuits` prints the breakdown; negative tests use it to assert which
//! rule a broken witness violates.

use crate::Fr;
use ark_relations::gr1cs::ConstraintSystemRef;
use core::ops::Range;

/// One named part of a circuit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// What this part enforces, e.g. `merkle path` or `clause 2`.
    pub name: String,
    /// Indexes of its constraints.
    pub constraints: Range<usize>,
}

/// The sections of a synthesized circuit, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// Sections in synthesis order; together they cover every constraint.
    pub sections: Vec<Section>,
}

impl Layout {
    /// Runs `f` and records the constraints it adds under `name`.
    pub(crate) fn section<T>(
        &mut self,
        cs: &ConstraintSystemRef<Fr>,
        name: impl Into<String>,
        f: impl FnOnce() -> T,
    ) -> T {
        let start = cs.num_constraints();
        let out = f();
        self.sections.push(Section {
            name: name.into(),
            constraints: start..cs.num_constraints(),
        });
        out
    }

    /// The section holding constraint `index`.
    pub fn section_of(&self, index: usize) -> Option<&str> {
        self.sections
            .iter()
            .find(|s| s.constraints.contains(&index))
            .map(|s| s.name.as_str())
    }

    /// The section of the first unsatisfied constraint of `cs`, if any.
    ///
    /// Meant for tests and diagnostics: it evaluates every constraint.
    pub fn first_unsatisfied(&self, cs: &ConstraintSystemRef<Fr>) -> Option<String> {
        let which = cs.which_is_unsatisfied().ok()??;
        let index: usize = which.rsplit(" - ").next()?.trim().parse().ok()?;
        Some(
            self.section_of(index)
                .map_or_else(|| format!("constraint {index}"), str::to_string),
        )
    }
}
