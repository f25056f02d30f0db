//! Policy bugs met while evaluating: where in the policy, and on which plan node.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// A policy that failed while evaluating (a type error, an unknown function): a policy bug.
#[derive(Debug, Error, Diagnostic)]
#[error("{policy}: evaluation failed: {message}{}", on_matches(*matches, plan))]
#[diagnostic(
    code(bcpcheck::engine::evaluation),
    help("fix the policy expression; the plan location that triggered it is shown below")
)]
pub struct EvaluationError {
    /// Policy id.
    pub policy: String,
    /// What the evaluator said.
    pub message: String,
    /// The plan file as shown.
    pub plan: String,
    /// On how many matches of the file it failed: reported once per policy and file.
    pub matches: usize,
    /// The policy file.
    #[source_code]
    pub src: crate::document::Named,
    /// The expression that failed.
    #[label("this expression failed")]
    pub at: SourceSpan,
    /// Where in the plan.
    #[related]
    pub site: Vec<PlanSite>,
}

/// ` (on N matches of FILE; the first is shown)` for an error met more than once in a file.
fn on_matches(matches: usize, plan: &str) -> String {
    match matches {
        0 | 1 => String::new(),
        n => format!(" (on {n} matches in {plan}; the first is shown)"),
    }
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
    pub src: crate::document::Named,
    /// The node.
    #[label("evaluated here")]
    pub at: SourceSpan,
}
