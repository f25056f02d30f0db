//! Findings: what a policy says about a plan, at a logical path resolved to a concrete span.

use sha2::{Digest, Sha256};

use crate::document::{LineCol, LogicalPath, Span};
use crate::policy::Severity;

/// One gap in one plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Policy id.
    pub policy: String,
    /// Severity (from the policy).
    pub severity: Severity,
    /// The policy's title.
    pub title: String,
    /// What is wrong, for this match.
    pub message: String,
    /// File as shown.
    pub file: String,
    /// The logical path the policy pointed at (match plus `fieldPath`): the finding's identity.
    pub target: LogicalPath,
    /// The deepest part of `target` that exists: where the span is.
    pub path: LogicalPath,
    /// The part of `target` that does not exist: the field to add, if any.
    pub missing: LogicalPath,
    /// Bytes to underline.
    pub span: Span,
    /// Start line:column.
    pub start: LineCol,
    /// End line:column.
    pub end: LineCol,
    /// How to fix it.
    pub help: Option<String>,
    /// Documentation link.
    pub url: Option<String>,
    /// Standard clauses.
    pub references: Vec<String>,
    /// Stable identity across edits: policy, file and logical path, never a line number.
    pub fingerprint: String,
}

/// The fingerprint of a finding: policy id, file and logical path.
pub fn fingerprint(policy: &str, file: &str, target: &LogicalPath) -> String {
    let mut hasher = Sha256::new();
    for part in [policy, file, &target.to_string()] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    format!("{:x}", hasher.finalize())[..16].to_string()
}

impl Finding {
    /// Ordering for every output: file, line, column, policy id.
    pub fn sort_key(&self) -> (&str, usize, usize, &str) {
        (&self.file, self.start.line, self.start.column, &self.policy)
    }
}
