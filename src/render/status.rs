//! Per plan and policy outcomes, and the clause x plan compliance matrix, shared by the report formats.

use crate::engine::Outcome;
use crate::finding::Finding;
use crate::policy::Policy;
use crate::report::{FileReport, Report};

/// The outcome of one policy on one plan file, after exceptions and baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// The policy does not apply to the plan.
    NotApplicable,
    /// Applied and found nothing.
    Passed,
    /// Not evaluated: the policy was stopped for exceeding the evaluation budget.
    NotEvaluated,
    /// Every finding is waived by an exception.
    Waived,
    /// Every finding is in the baseline (or waived).
    Baselined,
    /// At least one finding counts.
    Failed,
    /// The policy failed while evaluating this plan (a policy bug).
    Error,
}

impl Status {
    /// A short lowercase label.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotApplicable => "not applicable",
            Status::Passed => "passed",
            Status::NotEvaluated => "not evaluated",
            Status::Waived => "waived",
            Status::Baselined => "baselined",
            Status::Failed => "failed",
            Status::Error => "error",
        }
    }
}

/// The plan files that hold at least one plan document or could not be read: the plans of the report.
pub fn plans(report: &Report) -> impl Iterator<Item = &FileReport> {
    report
        .files
        .iter()
        .filter(|f| f.documents > 0 || f.load_error.is_some())
}

/// The findings of `policy` in `file`.
pub fn findings<'a>(file: &'a FileReport, policy: &'a Policy) -> impl Iterator<Item = &'a Finding> {
    file.findings
        .iter()
        .filter(move |f| *f.policy.id == *policy.id)
}

/// The outcome of the policy at `index` (in the report's policy order) on `file`.
pub fn status(file: &FileReport, index: usize, policy: &Policy) -> Status {
    if file.errors.iter().any(|e| e.policy == policy.id) {
        return Status::Error;
    }
    match file.outcomes.get(index) {
        Some(Outcome::Failed) => findings(file, policy)
            .map(|f| match &f.suppression {
                None => Status::Failed,
                Some(crate::finding::Suppression::Baselined { .. }) => Status::Baselined,
                Some(crate::finding::Suppression::Waived(_)) => Status::Waived,
            })
            .max()
            .unwrap_or(Status::Failed),
        Some(Outcome::Passed) => Status::Passed,
        Some(Outcome::Stopped) => Status::NotEvaluated,
        _ => Status::NotApplicable,
    }
}
