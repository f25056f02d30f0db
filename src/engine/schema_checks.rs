//! What the engine adds to the policies' verdicts from the plan schema and the pack manifests:
//! the schema checks' findings, values no function could read (once each), and which packs apply.

use std::sync::Arc;

use super::Site;
use super::{DocumentResult, Engine, Outcome};
use crate::document::schema::ProblemKind;
use crate::document::{self, Document, Segment};
use crate::expression::{DocumentScope, Variables};
use crate::finding::Finding;
use crate::policy::Policy;

/// The policies whose findings are the problems found on load: by the schema, and by the
/// workspace (ids defined again).
const CHECKS: &[(&str, ProblemKind)] = &[
    ("BCP-SCHEMA-001", ProblemKind::Invalid),
    ("BCP-SCHEMA-002", ProblemKind::UnknownKey),
    ("PORT-ID-001", ProblemKind::Redefined),
    ("PORT-ID-002", ProblemKind::Copied),
];

/// Which policies of the engine report the problems found on load.
#[derive(Debug, Default)]
pub(super) struct SchemaChecks {
    /// BCP-SCHEMA-001: values of the wrong type, range or format.
    pub(super) invalid: Option<usize>,
    /// Per policy of [`CHECKS`] in the engine, its index and problems.
    checks: Vec<(usize, ProblemKind)>,
}

impl SchemaChecks {
    pub(super) fn of(policies: &[Policy]) -> Self {
        let checks: Vec<(usize, ProblemKind)> = CHECKS
            .iter()
            .filter_map(|(id, kind)| Some((policies.iter().position(|p| p.id == *id)?, *kind)))
            .collect();
        SchemaChecks {
            invalid: checks
                .iter()
                .find(|(_, kind)| *kind == ProblemKind::Invalid)
                .map(|(index, _)| *index),
            checks,
        }
    }

    /// The problems policy `index` reports, when it is one of these checks.
    pub(super) fn kind_of(&self, index: usize) -> Option<ProblemKind> {
        self.checks
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, kind)| *kind)
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
                // At the item's id: what makes it a second definition.
                ProblemKind::Redefined | ProblemKind::Copied => {
                    let mut id = problem.path.clone();
                    id.push(Segment::Key("id".into()));
                    doc.locate(&id)
                }
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
            policy_ref: self.policy_ref(index),
            file,
            doc,
            match_path: &[],
            root_dir: &self.roots.root_of(&doc.source.path),
        };
        site.finding_at(target, location, message)
    }
}
