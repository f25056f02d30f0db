//! The content of the auditor's evidence report, gathered once for the Markdown and HTML renderers.

use super::status::{self, ClauseRow, Status};
use super::{flatten, human, FlatDiagnostic};
use crate::finding::Finding;
use crate::policy::Policy;
use crate::report::Report;
use crate::waiver::Exceptions;

/// Everything the evidence report shows, in display order.
pub struct Evidence<'a> {
    /// Evaluation date.
    pub as_of: String,
    /// bcpcheck version.
    pub version: &'static str,
    /// Hash of the policy set.
    pub digest: &'a str,
    /// Policies that ran.
    pub policies: usize,
    /// Where exceptions came from, in words.
    pub exceptions_source: String,
    /// The baseline in use, in words.
    pub baseline: Option<String>,
    /// The one-line result.
    pub summary: String,
    /// Per plan file, every policy's outcome.
    pub plans: Vec<PlanEvidence<'a>>,
    /// Clause x plan.
    pub matrix: Vec<ClauseRow>,
    /// Exceptions and what became of them.
    pub exceptions: &'a Exceptions,
    /// Problems that make the run exit with code 2.
    pub problems: Vec<FlatDiagnostic>,
    /// Warnings about exceptions.
    pub notices: Vec<FlatDiagnostic>,
    /// Files that are not plans, and why.
    pub skipped: Vec<(&'a str, &'a str)>,
}

/// One plan file.
pub struct PlanEvidence<'a> {
    /// File as shown.
    pub name: &'a str,
    /// Plan documents in it.
    pub documents: usize,
    /// Why it could not be checked.
    pub load_error: Option<String>,
    /// Every policy of the run, in id order.
    pub rows: Vec<PolicyRow<'a>>,
}

impl PlanEvidence<'_> {
    /// How many policies have `status` on this plan.
    pub fn count(&self, status: Status) -> usize {
        self.rows.iter().filter(|r| r.status == status).count()
    }

    /// How many policies are not shown to pass: failed, broke while evaluating, or were stopped.
    pub fn failed(&self) -> usize {
        self.count(Status::Failed) + self.count(Status::Error) + self.count(Status::NotEvaluated)
    }
}

/// One policy on one plan.
pub struct PolicyRow<'a> {
    /// The policy.
    pub policy: &'a Policy,
    /// Its outcome.
    pub status: Status,
    /// Its findings (failed, waived or baselined).
    pub findings: Vec<&'a Finding>,
    /// Evaluation errors.
    pub errors: Vec<String>,
}

/// Gathers the evidence report's content.
pub fn gather(report: &Report) -> Evidence<'_> {
    let plans = status::plans(report)
        .map(|file| PlanEvidence {
            name: &file.name,
            documents: file.documents,
            load_error: file.load_error.as_ref().map(|e| e.to_string()),
            rows: if file.load_error.is_some() {
                Vec::new()
            } else {
                report
                    .policy_set
                    .policies
                    .iter()
                    .enumerate()
                    .map(|(index, policy)| PolicyRow {
                        policy,
                        status: status::status(file, index, policy),
                        findings: status::findings(file, policy).collect(),
                        errors: file
                            .errors
                            .iter()
                            .filter(|e| e.policy == policy.id)
                            .map(|e| e.message.clone())
                            .collect(),
                    })
                    .collect()
            },
        })
        .collect();
    let exceptions = &report.exceptions;
    let exceptions_source = if exceptions.disabled {
        "disabled (--no-exceptions): nothing is waived".to_string()
    } else {
        match &exceptions.file {
            Some(file) => format!("{file} and inline comments"),
            None => "inline comments only (no exceptions file)".to_string(),
        }
    };
    Evidence {
        as_of: report.as_of.format("%Y-%m-%d").to_string(),
        version: env!("CARGO_PKG_VERSION"),
        digest: &report.policy_set.digest,
        policies: report.policy_set.policies.len(),
        exceptions_source,
        baseline: report.baseline.as_ref().map(|b| {
            format!(
                "{} ({} fingerprints; {} findings baselined)",
                b.file, b.entries, b.baselined
            )
        }),
        summary: human::summary(report),
        plans,
        matrix: status::matrix(report),
        exceptions,
        problems: report.diagnostics().into_iter().map(flatten).collect(),
        notices: report.notices().iter().map(|n| flatten(n)).collect(),
        skipped: report
            .files
            .iter()
            .filter(|f| f.documents == 0 && f.load_error.is_none())
            .flat_map(|f| f.skipped.iter().map(move |r| (f.name.as_str(), r.as_str())))
            .collect(),
    }
}

/// How a waiver reads in the report: justification, owner, approver, ticket, expiry and origin.
pub fn waiver_text(finding: &Finding) -> Option<String> {
    let w = finding.waiver()?;
    let mut parts = vec![w.justification.clone()];
    if let Some(owner) = &w.owner {
        parts.push(format!("owner {owner}"));
    }
    if let Some(approved) = &w.approved_by {
        parts.push(format!("approved by {approved}"));
    }
    if let Some(ticket) = &w.ticket {
        parts.push(format!("ticket {ticket}"));
    }
    if let Some(expires) = w.expires {
        parts.push(format!("expires {expires}"));
    }
    Some(format!("{} ({})", parts.join("; "), w.origin))
}
