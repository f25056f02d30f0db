//! Evaluation: every compiled policy over every document, in parallel across files.

mod locate;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use crate::document::{self, Document, LogicalPath, Segment};
use crate::expression::{
    Data, DocumentBindings, DocumentScope, EvalError, FileFacts, MatchScope, Runtime,
};
use crate::finding::{fingerprint, Finding};
use crate::policy::{Policy, PolicyExpr};

/// A policy's result on one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// The policy does not apply (other kind, nothing selected, or every `when` false).
    NotApplicable,
    /// Applied and found nothing.
    Passed,
    /// Applied and found at least one gap.
    Failed,
}

/// A policy that failed while evaluating (a type error, an unknown function): a policy bug.
#[derive(Debug, Error, Diagnostic)]
#[error("{policy}: evaluation failed: {message}")]
#[diagnostic(
    code(bcpcheck::policy::evaluation),
    help("fix the policy expression; the plan location that triggered it is shown below")
)]
pub struct EvaluationError {
    /// Policy id.
    pub policy: String,
    /// What the evaluator said.
    pub message: String,
    /// The plan file as shown.
    pub plan: String,
    /// The policy file.
    #[source_code]
    pub src: NamedSource<Arc<str>>,
    /// The expression that failed.
    #[label("this expression failed")]
    pub at: SourceSpan,
    /// Where in the plan.
    #[related]
    pub site: Vec<PlanSite>,
}

/// The plan node an evaluation error happened on.
#[derive(Debug, Error, Diagnostic)]
#[error("while checking {file} at `{path}`")]
#[diagnostic(severity(Advice))]
pub struct PlanSite {
    /// The plan file as shown.
    pub file: String,
    /// Logical path of the match.
    pub path: String,
    /// The plan.
    #[source_code]
    pub src: NamedSource<Arc<str>>,
    /// The node.
    #[label("evaluated here")]
    pub at: SourceSpan,
}

/// What evaluating every policy on one document gave.
#[derive(Debug, Default)]
pub struct DocumentResult {
    /// Gaps found.
    pub findings: Vec<Finding>,
    /// Per policy (same order as the engine's policies), the outcome.
    pub outcomes: Vec<Outcome>,
    /// Policy bugs met while evaluating.
    pub errors: Vec<EvaluationError>,
}

/// Evaluates a fixed set of compiled policies; shared by every thread of a run.
pub struct Engine<'p> {
    runtime: &'p Runtime,
    policies: &'p [Policy],
    params: Data,
    now: DateTime<FixedOffset>,
    root_dir: PathBuf,
}

impl<'p> Engine<'p> {
    /// An engine for `policies` with `params`, as of `now`, confining file checks to `root_dir`.
    pub fn new(
        runtime: &'p Runtime,
        policies: &'p [Policy],
        params: &document::Node,
        now: DateTime<FixedOffset>,
        root_dir: PathBuf,
    ) -> Self {
        Engine {
            runtime,
            policies,
            params: Data::from_node(params),
            now,
            root_dir,
        }
    }

    /// The policies, in the order of [`DocumentResult::outcomes`].
    pub fn policies(&self) -> &[Policy] {
        self.policies
    }

    /// Evaluates every policy on one document.
    pub fn check(&self, doc: &Document) -> DocumentResult {
        let data = Data::from_node(&doc.root);
        let path = Path::new(&doc.source.name);
        let scope = self.runtime.document_scope(DocumentBindings {
            doc: &data,
            file: FileFacts {
                path: doc.source.name.clone(),
                name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                ext: path
                    .extension()
                    .map(|e| e.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default(),
                kind: doc.kind.clone(),
            },
            now: self.now,
            params: &self.params,
            plan_dir: doc
                .source
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
            root_dir: self.root_dir.clone(),
        });
        let mut result = DocumentResult::default();
        for policy in self.policies {
            let outcome = if policy.applies_to_kind(&doc.kind) {
                self.check_policy(policy, doc, &scope, &mut result)
            } else {
                Outcome::NotApplicable
            };
            result.outcomes.push(outcome);
        }
        result
    }

    fn check_policy(
        &self,
        policy: &Policy,
        doc: &Document,
        scope: &DocumentScope<'_>,
        result: &mut DocumentResult,
    ) -> Outcome {
        let matches = match &policy.select {
            Some(selector) => selector.matches(&doc.root),
            None => vec![(Vec::new(), &doc.root)],
        };
        let mut outcome = Outcome::NotApplicable;
        if matches.is_empty() {
            return outcome;
        }
        // Variables that do not read `self` have one value per document: evaluate them once.
        let shared = scope.shared_variables(
            policy
                .variables
                .iter()
                .filter(|v| !v.per_match)
                .map(|v| (v.name.as_str(), &*v.expr.compiled)),
        );
        for (match_path, _) in matches {
            let Some(this) = scope.at(&match_path) else {
                continue;
            };
            let mut scope = scope.enter(this, &shared);
            let verdict = self.evaluate(policy, &mut scope);
            let site = Site {
                policy,
                doc,
                match_path: &match_path,
                root_dir: &self.root_dir,
            };
            match verdict {
                Verdict::NotApplicable => {}
                Verdict::Pass => outcome = outcome.max(Outcome::Passed),
                Verdict::Fail(reason) => {
                    outcome = Outcome::Failed;
                    let message = self.message(policy, &scope);
                    result.findings.push(site.finding(reason, message));
                }
                Verdict::Broken(expr, message) => result.errors.push(site.error(expr, message)),
            }
        }
        outcome
    }

    fn evaluate<'e>(&self, policy: &'e Policy, scope: &mut MatchScope<'_>) -> Verdict<'e> {
        for v in policy.variables.iter().filter(|v| v.per_match) {
            scope.bind_variable(&v.name, &v.expr.compiled);
        }
        if let Some(when) = &policy.when {
            match scope.eval_bool(&when.compiled) {
                Ok(true) => {}
                // A precondition on data the plan lacks means "not applicable"; presence is another policy's job.
                Ok(false) | Err(EvalError::Missing { .. }) => return Verdict::NotApplicable,
                Err(err) => return Verdict::from_rule_error(when, err),
            }
        }
        match scope.eval_bool(&policy.rule.compiled) {
            Ok(true) => Verdict::Pass,
            Ok(false) => Verdict::Fail(Reason::RuleFalse),
            Err(err) => Verdict::from_rule_error(&policy.rule, err),
        }
    }

    fn message(&self, policy: &Policy, scope: &MatchScope<'_>) -> String {
        policy
            .message_expression
            .as_ref()
            .and_then(|e| e.get(self.runtime))
            .and_then(|e| scope.eval_string(e).ok())
            .or_else(|| policy.message.clone())
            .unwrap_or_else(|| policy.title.clone())
    }
}

/// Why a rule failed.
enum Reason {
    /// The rule was false.
    RuleFalse,
    /// The rule read a field the plan lacks.
    Missing(String),
    /// A plan value `date()` or `period()` cannot read.
    BadValue { value: String, message: String },
}

enum Verdict<'e> {
    NotApplicable,
    Pass,
    Fail(Reason),
    Broken(&'e PolicyExpr, String),
}

impl<'e> Verdict<'e> {
    fn from_rule_error(expr: &'e PolicyExpr, err: EvalError) -> Self {
        match err {
            EvalError::Missing { field } => Verdict::Fail(Reason::Missing(field)),
            EvalError::BadValue { value, message, .. } => {
                Verdict::Fail(Reason::BadValue { value, message })
            }
            EvalError::Failed(message) => Verdict::Broken(expr, message),
        }
    }
}

struct Site<'a> {
    policy: &'a Policy,
    doc: &'a Document,
    match_path: &'a [Segment],
    root_dir: &'a Path,
}

impl Site<'_> {
    fn finding(&self, reason: Reason, message: String) -> Finding {
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
        let file = self.doc.source.name.clone();
        let target = LogicalPath(target);
        // Relative to the repository root, so runs from any directory agree.
        let repository_path = document::discover::display(&self.doc.source.path, self.root_dir);
        Finding {
            fingerprint: fingerprint(&self.policy.id, &repository_path, &target),
            policy: self.policy.id.clone(),
            severity: self.policy.severity,
            title: self.policy.title.clone(),
            message,
            file,
            target,
            path: location.path,
            missing: location.missing,
            span: location.span,
            start: location.start,
            end: location.end,
            help: self.policy.help.clone(),
            url: self.policy.url.clone(),
            references: self.policy.references.clone(),
            suppression: None,
        }
    }

    fn error(&self, expr: &PolicyExpr, message: String) -> EvaluationError {
        let location = self.doc.locate(self.match_path);
        EvaluationError {
            policy: self.policy.id.clone(),
            message,
            plan: self.doc.source.name.clone(),
            src: document::named(&self.policy.origin),
            at: document::to_source_span(self.policy.origin.first_line(expr.span)),
            site: vec![PlanSite {
                file: self.doc.source.name.clone(),
                path: LogicalPath(self.match_path.to_vec()).to_string(),
                src: document::named(&self.doc.source),
                at: document::to_source_span(location.span),
            }],
        }
    }
}
