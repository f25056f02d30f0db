//! Findings and severities: what a policy says about a plan, at a logical path resolved to a
//! concrete span. A finding names its policy; what the policy says (title, help, references) is
//! read from the run's policy set when rendering, never copied into every finding.

use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::document::{LineCol, LogicalPath, Segment, Span};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Should be fixed.
    Warning,
    /// Must be fixed.
    Error,
}

impl Severity {
    /// Parses `error`, `warning` or `info`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which policy of the run reported a finding: its position in the run's policy set, and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRef {
    /// Position in the run's policy set.
    pub index: usize,
    /// The policy id, shared by every finding of the policy.
    pub id: Arc<str>,
}

impl fmt::Display for PolicyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

/// One gap in one plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The policy that reported it.
    pub policy: PolicyRef,
    /// Severity (from the policy).
    pub severity: Severity,
    /// What is wrong, for this match.
    pub message: String,
    /// File as shown, shared by the findings of the file.
    pub file: Arc<str>,
    /// The logical path the policy pointed at (match plus `fieldPath`): the finding's identity.
    pub target: LogicalPath,
    /// The trailing part of `target` that does not exist: the field to add, if any.
    pub missing: LogicalPath,
    /// Bytes to underline.
    pub span: Span,
    /// Start line:column.
    pub start: LineCol,
    /// End line:column.
    pub end: LineCol,
    /// Stable identity across edits: policy, file and logical path, never a line number.
    pub fingerprint: String,
    /// Why the finding does not count, when it is waived or baselined (set after evaluation).
    pub suppression: Option<Suppression>,
}

/// Why a finding is kept in the report but does not make the run fail.
#[derive(Debug, Clone, PartialEq)]
pub enum Suppression {
    /// Waived by an exception (from the exceptions file or an inline comment), shared by every
    /// finding it waives.
    Waived(Arc<Waiver>),
    /// Its fingerprint is in the baseline, in an entry accepting it through `expires` (none:
    /// for good).
    Baselined {
        /// The entry's last day.
        expires: Option<chrono::NaiveDate>,
    },
}

/// Where a waiver was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaiverKind {
    /// An entry of the exceptions file.
    File,
    /// A `# bcpcheck: ignore[ID] reason` comment in the plan.
    Inline,
}

/// An exception that waives a finding, with what an auditor needs to judge it.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    /// Exceptions file entry or inline comment.
    pub kind: WaiverKind,
    /// Where it was written, as `file:line`.
    pub origin: String,
    /// Why the gap is accepted.
    pub justification: String,
    /// Who owns the risk.
    pub owner: Option<String>,
    /// Tracking ticket.
    pub ticket: Option<String>,
    /// Who approved the exception.
    pub approved_by: Option<String>,
    /// Last day the exception is valid.
    pub expires: Option<NaiveDate>,
}

/// The fingerprint of a finding: policy id, file and the stable identity of what it is about
/// (its logical path; see [`crate::document::Document::stable_id`]).
pub fn fingerprint(policy: &str, file: &str, identity: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [policy, file, identity] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    format!("{:x}", hasher.finalize())[..16].to_string()
}

impl Finding {
    /// True when the finding counts: neither waived nor baselined.
    pub fn is_active(&self) -> bool {
        self.suppression.is_none()
    }

    /// The waiver, when the finding is waived.
    pub fn waiver(&self) -> Option<&Waiver> {
        match &self.suppression {
            Some(Suppression::Waived(w)) => Some(w),
            _ => None,
        }
    }

    /// True when the finding's fingerprint is in the baseline.
    pub fn is_baselined(&self) -> bool {
        matches!(self.suppression, Some(Suppression::Baselined { .. }))
    }

    /// The policy id.
    pub fn policy_id(&self) -> &str {
        &self.policy.id
    }

    /// The deepest part of `target` that exists: where the span is.
    pub fn path(&self) -> &[Segment] {
        &self.target.0[..self.target.0.len() - self.missing.0.len()]
    }

    /// Ordering for every output: file, line, column, policy id.
    pub fn sort_key(&self) -> (&str, usize, usize, &str) {
        (
            &self.file,
            self.start.line,
            self.start.column,
            &self.policy.id,
        )
    }
}
