//! What the engine adds to the policies' verdicts from the plan schema and the pack manifests:
//! the schema checks' findings, values no function could read (once each), and which packs apply.

use std::sync::Arc;

use super::Site;
use super::{DocumentResult, Engine, Outcome};
use crate::document::schema::ProblemKind;
use crate::document::{self, Document, Segment};
use crate::expression::{DocumentScope, Variables};
use crate::finding::{Finding, PolicyRef};
use crate::policy::Policy;

/// Which policies of the engine report the schema's problems.
#[derive(Debug, Default)]
pub(super) struct SchemaChecks {
    /// BCP-SCHEMA-001: values of the wrong type, range or format.
    pub(super) invalid: Option<usize>,
    /// BCP-SCHEMA-002: keys close to a key of the schema.
    unknown_key: Option<usize>,
}

impl SchemaChecks {
    pub(super) fn of(policies: &[Policy]) -> Self {
        let find = |id: &str| policies.iter().position(|p| p.id == id);
        SchemaChecks {
            invalid: find("BCP-SCHEMA-001"),
            unknown_key: find("BCP-SCHEMA-002"),
        }
    }

    /// The problems policy `index` reports, when it is a schema check.
    pub(super) fn kind_of(&self, index: usize) -> Option<ProblemKind> {
        if self.invalid == Some(index) {
            Some(ProblemKind::Invalid)
        } else if self.unknown_key == Some(index) {
            Some(ProblemKind::UnknownKey)
        } else {
            None
        }
    }
}

/// Plan values a policy's `date()` or `period()` could not read, once each: (path, message).
#[derive(Debug, Default)]
pub(super) struct BadValues(Vec<(Vec<Segment>, String)>);

impl BadValues {
    pub(super) fn add(&mut self, path: Vec<Segment>, message: String) {
        if !self.0.iter().any(|(p, _)| *p == path) {
            self.0.push((path, message));
        }
    }
}

impl Engine {
    /// Per pack with a condition, whether it holds on the document; a condition that cannot be
    /// evaluated (a plan with no `metadata`) does not hold.
    pub(super) fn packs_applied(&self, scope: &DocumentScope<'_>) -> Vec<(String, bool)> {
        let none = Variables::default();
        self.packs
            .iter()
            .filter_map(|pack| {
                let condition = pack.condition.as_ref()?;
                let holds = scope
                    .at(&[])
                    .is_some_and(|root| scope.enter(root, &none).eval_bool(condition) == Ok(true));
                Some((pack.pack.clone(), holds))
            })
            .collect()
    }

    /// The findings of schema check number `index` on `doc`, and its outcome.
    pub(super) fn schema_findings(
        &self,
        index: usize,
        kind: ProblemKind,
        doc: &Document,
        file: &Arc<str>,
        result: &mut DocumentResult,
    ) -> Outcome {
        let mut outcome = Outcome::Passed;
        for problem in doc.problems.iter().filter(|p| p.kind == kind) {
            outcome = Outcome::Failed;
            let location = match kind {
                ProblemKind::UnknownKey => doc.locate_key(&problem.path),
                ProblemKind::Invalid => doc.locate(&problem.path),
            };
            result.findings.push(self.finding_at(
                index,
                doc,
                file,
                problem.path.clone(),
                location,
                problem.message.clone(),
            ));
        }
        outcome
    }

    /// Values that `date()` or `period()` could not read and that the schema did not report
    /// already: one finding of the schema check each, however many policies read them.
    pub(super) fn report_bad_values(
        &self,
        bad_values: BadValues,
        doc: &Document,
        file: &Arc<str>,
        result: &mut DocumentResult,
    ) {
        let Some(index) = self.schema_checks.invalid else {
            return;
        };
        for (path, message) in bad_values.0 {
            if doc.problems.iter().any(|p| p.path == path) {
                continue;
            }
            let location = doc.locate(&path);
            result
                .findings
                .push(self.finding_at(index, doc, file, path, location, message));
            if let Some(outcome) = result.outcomes.get_mut(index) {
                *outcome = Outcome::Failed;
            }
        }
    }

    /// A finding of policy `index` about `target`, at `location`.
    fn finding_at(
        &self,
        index: usize,
        doc: &Document,
        file: &Arc<str>,
        target: Vec<Segment>,
        location: document::Location,
        message: String,
    ) -> Finding {
        let site = Site {
            policy: &self.policies[index],
            policy_ref: PolicyRef {
                index,
                id: self.ids[index].clone(),
            },
            file,
            doc,
            match_path: &[],
            root_dir: &self.roots.root_of(&doc.source.path),
        };
        site.finding_at(target, location, message)
    }
}
