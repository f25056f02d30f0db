//! A policy's verdict on one match, and the finding or policy-bug diagnostic it becomes at its
//! site (the policy, the document and the match).

use std::path::Path;
use std::sync::Arc;

use super::{locate, EvaluationError, PlanSite};
use crate::document::{self, Document, LogicalPath, Segment, Span};
use crate::expression::EvalError;
use crate::finding::{fingerprint, Finding, PolicyRef};
use crate::policy::{Policy, PolicyExpr};

/// Why a rule failed.
pub(super) enum Reason {
    /// The rule was false.
    RuleFalse,
    /// The rule read a field the plan lacks.
    Missing(String),
    /// A plan value `date()` or `period()` cannot read.
    BadValue { value: String, message: String },
}

pub(super) enum Verdict<'e> {
    NotApplicable,
    Pass,
    Fail(Reason),
    Broken(&'e PolicyExpr, String),
}

impl<'e> Verdict<'e> {
    pub(super) fn from_rule_error(expr: &'e PolicyExpr, err: EvalError) -> Self {
        match err {
            EvalError::Missing { field } => Verdict::Fail(Reason::Missing(field)),
            EvalError::BadValue { value, message, .. } => {
                Verdict::Fail(Reason::BadValue { value, message })
            }
            EvalError::Failed(message) => Verdict::Broken(expr, message),
        }
    }
}

pub(super) struct Site<'a> {
    pub(super) policy: &'a Policy,
    pub(super) policy_ref: PolicyRef,
    pub(super) file: &'a Arc<str>,
    pub(super) doc: &'a Document,
    pub(super) match_path: &'a [Segment],
    pub(super) root_dir: &'a Path,
}

impl Site<'_> {
    pub(super) fn finding(&self, reason: Reason, message: String) -> Finding {
        let (target, message) = match reason {
            Reason::RuleFalse => (
                locate::for_false_rule(self.policy, self.doc, self.match_path),
                message,
            ),
            Reason::Missing(field) => (
                locate::for_missing_field(self.policy, self.doc, self.match_path, &field),
                message,
            ),
            Reason::BadValue {
                value,
                message: why,
            } => (
                locate::for_bad_value(self.doc, self.match_path, &value),
                format!("{message}: {why}"),
            ),
        };
        let location = self.doc.locate(&target);
        self.finding_at(target, location, message)
    }

    /// The finding about `target`, at `location`.
    pub(super) fn finding_at(
        &self,
        target: Vec<Segment>,
        location: document::Location,
        message: String,
    ) -> Finding {
        let target = LogicalPath(target);
        // Relative to the plan's repository, so runs from any directory agree.
        let repository_path = document::discover::display(&self.doc.source.path, self.root_dir);
        Finding {
            fingerprint: fingerprint(
                &self.policy.id,
                &repository_path,
                &self.doc.stable_id(&target.0),
            ),
            policy: self.policy_ref.clone(),
            severity: self.policy.severity,
            message,
            file: self.file.clone(),
            target,
            missing: location.missing,
            span: location.span,
            start: location.start,
            end: location.end,
            suppression: None,
        }
    }

    pub(super) fn error(&self, expr: &PolicyExpr, message: String) -> EvaluationError {
        self.error_at(expr.span, message)
    }

    /// A policy bug in the expression written at `span` of the policy file, on this match.
    pub(super) fn error_at(&self, span: Span, message: String) -> EvaluationError {
        let location = self.doc.locate(self.match_path);
        EvaluationError {
            policy: self.policy.id.clone(),
            matches: 1,
            message,
            plan: self.doc.source.name.clone(),
            src: document::named(&self.policy.origin),
            at: document::to_source_span(self.policy.origin.first_line(span)),
            site: vec![PlanSite {
                file: self.doc.source.name.clone(),
                path: LogicalPath(self.match_path.to_vec()).to_string(),
                src: document::named(&self.doc.source),
                at: document::to_source_span(location.span),
            }],
        }
    }
}
