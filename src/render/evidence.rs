//! The content of the auditor's evidence report, gathered once for the Markdown and HTML renderers.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::status::{self, Status};
use super::{flatten, human, FlatDiagnostic};
use crate::document::workspace::Summary;
use crate::finding::Finding;
use crate::policy::Policy;
use crate::report::{Report, Upcoming};
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
    /// Clause x plan, grouped by standard (sorted by name), clauses in natural order.
    pub matrix: Vec<StandardRows>,
    /// Exceptions and what became of them.
    pub exceptions: &'a Exceptions,
    /// Problems that make the run exit with code 2.
    pub problems: Vec<FlatDiagnostic>,
    /// Warnings about exceptions.
    pub notices: Vec<FlatDiagnostic>,
    /// Files that are not plans, and why.
    pub skipped: Vec<(&'a str, &'a str)>,
    /// BIA coverage and provider concentration, when the workspace has a register or BIA.
    pub portfolio: Option<&'a Summary>,
    /// What lapses within the due window, when the run computed it.
    pub upcoming: Option<&'a Upcoming>,
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
    /// Each built-in pack of the run, and why it applied to this plan or did not.
    pub packs: Vec<(&'a str, String)>,
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
            packs: report
                .policy_set
                .packs
                .iter()
                .map(|pack| {
                    let applied = file.packs.iter().find(|(p, _)| *p == pack.pack);
                    let applied = applied.is_none_or(|(_, applied)| *applied);
                    (pack.pack.as_str(), pack.explain(applied))
                })
                .collect(),
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
            let expired = match b.expired {
                0 => String::new(),
                n => format!("; {n} expired, their findings count again"),
            };
            format!(
                "{} ({} fingerprints; {} findings baselined{expired})",
                b.file, b.entries, b.baselined
            )
        }),
        summary: human::summary(report),
        plans,
        matrix: matrix(report),
        exceptions,
        problems: report.diagnostics().into_iter().map(flatten).collect(),
        notices: report.notices().iter().map(|n| flatten(n)).collect(),
        skipped: report
            .files
            .iter()
            .filter(|f| f.documents == 0 && f.load_error.is_none())
            .flat_map(|f| f.skipped.iter().map(move |r| (f.name.as_str(), r.as_str())))
            .collect(),
        portfolio: report.portfolio.as_ref(),
        upcoming: report.upcoming.as_ref(),
    }
}

/// The compliance matrix rows of one standard.
pub struct StandardRows {
    /// The standard: `ISO 22301`, `NIST SP 800-53`, `DORA`.
    pub standard: String,
    /// Its clauses cited by a policy of the run, in natural order (`CP-2(7)` before `CP-10`).
    pub rows: Vec<MatrixRow>,
}

/// One clause: the policies citing it, what they take from it, and per plan the worst outcome.
pub struct MatrixRow {
    /// The clause: `8.4.2`, `CP-2(7)`, `Art. 12(6)`.
    pub clause: String,
    /// The notes of the references, each once.
    pub notes: Vec<String>,
    /// Ids of the policies that cite it.
    pub policies: Vec<String>,
    /// Per plan (in [`status::plans`] order), the worst outcome of those policies.
    pub cells: Vec<Status>,
}

/// Every clause of a standard cited by a policy of the run x every plan; references that name
/// no clause ("no normative source") have no row.
fn matrix(report: &Report) -> Vec<StandardRows> {
    let plans: Vec<_> = status::plans(report).collect();
    let mut standards: BTreeMap<String, Vec<MatrixRow>> = BTreeMap::new();
    for (index, policy) in report.policy_set.policies.iter().enumerate() {
        for citation in policy.citations() {
            let (Some(standard), Some(clause)) = (citation.standard, &citation.clause) else {
                continue;
            };
            let rows = standards.entry(standard).or_default();
            let at = match rows.iter().position(|r| r.clause == *clause) {
                Some(at) => at,
                None => {
                    rows.push(MatrixRow {
                        clause: clause.clone(),
                        notes: Vec::new(),
                        policies: Vec::new(),
                        cells: vec![Status::NotApplicable; plans.len()],
                    });
                    rows.len() - 1
                }
            };
            let row = &mut rows[at];
            if let Some(note) = &citation.note {
                if !row.notes.contains(note) {
                    row.notes.push(note.clone());
                }
            }
            if !row.policies.contains(&policy.id) {
                row.policies.push(policy.id.clone());
            }
            for (cell, plan) in row.cells.iter_mut().zip(&plans) {
                *cell = (*cell).max(status::status(plan, index, policy));
            }
        }
    }
    standards
        .into_iter()
        .map(|(standard, mut rows)| {
            rows.sort_by(|a, b| natural_cmp(&a.clause, &b.clause));
            StandardRows { standard, rows }
        })
        .collect()
}

/// Compares clause numbers as people read them: runs of digits by value (`8.10` after `8.9`,
/// `CP-2(7)` before `CP-10`), the rest as text.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(&cb) {
        let order = match (x, y) {
            ((true, x), (true, y)) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then(x.cmp(y))
            }
            ((_, x), (_, y)) => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    ca.len().cmp(&cb.len()).then(a.cmp(b))
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

#[cfg(test)]
mod tests {
    use super::natural_cmp;

    #[test]
    fn clauses_sort_naturally() {
        let mut clauses = vec![
            "CP-10",
            "CP-2(7)",
            "CP-2",
            "8.10",
            "8.9",
            "8.4.2",
            "Art. 12(6)",
            "Art. 5",
        ];
        clauses.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            clauses,
            [
                "8.4.2",
                "8.9",
                "8.10",
                "Art. 5",
                "Art. 12(6)",
                "CP-2",
                "CP-2(7)",
                "CP-10"
            ]
        );
    }
}
