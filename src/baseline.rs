//! Baselines: the fingerprints of accepted findings, so a team can adopt bcpcheck on old plans and
//! fail only on new gaps. Applied after evaluation and exceptions; baselined findings are kept and marked.
//! An entry may expire: past its date its finding counts again.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use miette::Diagnostic;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::finding::{Finding, Suppression};

/// Version of the baseline file format.
pub const FORMAT_VERSION: u32 = 1;
/// Largest baseline file accepted, in bytes.
const MAX_SIZE: u64 = 64 * 1024 * 1024;

/// One accepted finding. Only `fingerprint` is compared; the rest helps reviewers read the file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    /// Hash of policy id, file and logical path.
    pub fingerprint: String,
    /// Policy id.
    pub policy: String,
    /// Plan file as shown.
    pub file: String,
    /// Logical path.
    pub path: String,
    /// Last day the entry accepts its finding; none: it never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<NaiveDate>,
}

impl Entry {
    /// True when the entry still accepts its finding on `day`.
    pub fn holds_on(&self, day: NaiveDate) -> bool {
        accepts_on(self.expires, day)
    }
}

/// True when an entry expiring on `expires` (none: never) still accepts its finding on `day`.
pub fn accepts_on(expires: Option<NaiveDate>, day: NaiveDate) -> bool {
    expires.is_none_or(|last| last >= day)
}

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// Accepted findings, sorted by file, policy and path.
    pub findings: Vec<Entry>,
}

/// What applying a baseline did, for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The baseline file as shown.
    pub file: String,
    /// Fingerprints in it.
    pub entries: usize,
    /// Findings of this run found in it.
    pub baselined: usize,
    /// Entries past their `expires` date: their findings count again.
    pub expired: usize,
    /// Per fingerprint in it, its entry's last day (none: for good).
    pub expiries: HashMap<String, Option<NaiveDate>>,
}

/// A baseline file that cannot be read or parsed (exit code 2).
#[derive(Debug, Error, Diagnostic)]
pub enum BaselineError {
    /// Unreadable.
    #[error("{file}: cannot read baseline: {reason}")]
    #[diagnostic(
        code(bcpcheck::baseline::read),
        help("write one with `bcpcheck check --write-baseline FILE`")
    )]
    Read {
        /// File as shown.
        file: String,
        /// Why.
        reason: String,
    },
    /// Not a baseline.
    #[error("{file}: not a bcpcheck baseline: {reason}")]
    #[diagnostic(
        code(bcpcheck::baseline::invalid),
        help("regenerate it with `bcpcheck check --write-baseline FILE`")
    )]
    Invalid {
        /// File as shown.
        file: String,
        /// Why.
        reason: String,
    },
}

impl Baseline {
    /// The baseline of a run: every finding that is not waived by an exception. A finding that
    /// the baseline applied before (`previous`) holds keeps its expiry there (rewriting a baseline
    /// never moves a deadline); the others expire on `expires`.
    pub fn of<'a>(
        findings: impl Iterator<Item = &'a Finding>,
        previous: Option<&Applied>,
        expires: Option<NaiveDate>,
    ) -> Self {
        let kept = previous.map(|p| &p.expiries);
        let mut findings: Vec<Entry> = findings
            .filter(|f| f.waiver().is_none())
            .map(|f| Entry {
                fingerprint: f.fingerprint.clone(),
                policy: f.policy_id().to_string(),
                file: f.file.to_string(),
                path: f.target.to_string(),
                expires: kept
                    .and_then(|k| k.get(&f.fingerprint))
                    .copied()
                    .unwrap_or(expires),
            })
            .collect();
        findings.sort_by(|a, b| (&a.file, &a.policy, &a.path).cmp(&(&b.file, &b.policy, &b.path)));
        findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        Baseline {
            version: FORMAT_VERSION,
            findings,
        }
    }

    /// The file's text: pretty JSON, one entry per finding, so diffs are reviewable.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Parses a baseline file's text.
    pub fn parse(text: &str, file: &str) -> Result<Self, BaselineError> {
        let baseline: Baseline =
            serde_json::from_str(text).map_err(|e| BaselineError::Invalid {
                file: file.to_string(),
                reason: e.to_string(),
            })?;
        if baseline.version != FORMAT_VERSION {
            return Err(BaselineError::Invalid {
                file: file.to_string(),
                reason: format!(
                    "format version {} (this bcpcheck reads version {FORMAT_VERSION})",
                    baseline.version
                ),
            });
        }
        Ok(baseline)
    }

    /// Reads a baseline file.
    pub fn load(path: &Path, file: &str) -> Result<Self, BaselineError> {
        let text =
            crate::document::read_text(path, file, MAX_SIZE).map_err(|e| BaselineError::Read {
                file: file.to_string(),
                reason: e.to_string(),
            })?;
        Self::parse(&text, file)
    }

    /// Marks every finding whose fingerprint is in the baseline, in an entry that has not expired
    /// by `as_of` (and that is not waived), as baselined.
    pub fn apply<'a>(
        &self,
        findings: impl Iterator<Item = &'a mut Finding>,
        file: &str,
        as_of: NaiveDate,
    ) -> Applied {
        let expiries: HashMap<String, Option<NaiveDate>> = self
            .findings
            .iter()
            .map(|e| (e.fingerprint.clone(), e.expires))
            .collect();
        let mut baselined = 0;
        for finding in findings {
            if finding.waiver().is_some() {
                continue;
            }
            finding.suppression = expiries
                .get(&finding.fingerprint)
                .filter(|&&expires| accepts_on(expires, as_of))
                .map(|&expires| Suppression::Baselined { expires });
            baselined += usize::from(finding.suppression.is_some());
        }
        Applied {
            file: file.to_string(),
            entries: self.findings.len(),
            baselined,
            expired: self.findings.iter().filter(|e| !e.holds_on(as_of)).count(),
            expiries,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baselines_round_trip_and_refuse_other_json() {
        let baseline = Baseline {
            version: FORMAT_VERSION,
            findings: vec![Entry {
                fingerprint: "abc".into(),
                policy: "P-1".into(),
                file: "a.yaml".into(),
                path: "x".into(),
                expires: None,
            }],
        };
        let text = baseline.to_json();
        assert!(!text.contains("expires"), "no expiry, no key: {text}");
        assert_eq!(Baseline::parse(&text, "b.json").unwrap(), baseline);
        assert!(Baseline::parse("{\"findings\": []}", "b.json").is_err());
        assert!(Baseline::parse("{\"version\": 9, \"findings\": []}", "b.json").is_err());
    }

    #[test]
    fn an_entry_holds_through_its_expiry_day_only() {
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let text = r#"{"version": 1, "findings": [{"fingerprint": "abc", "policy": "P-1",
            "file": "a.yaml", "path": "x", "expires": "2027-01-31"}]}"#;
        let baseline = Baseline::parse(text, "b.json").unwrap();
        let entry = &baseline.findings[0];
        assert_eq!(entry.expires, Some(day("2027-01-31")));
        assert!(entry.holds_on(day("2027-01-31")));
        assert!(!entry.holds_on(day("2027-02-01")));
        assert!(baseline.to_json().contains("\"expires\": \"2027-01-31\""));
        let bad = text.replace("2027-01-31", "soon");
        let err = Baseline::parse(&bad, "b.json").unwrap_err().to_string();
        assert!(err.contains("b.json: not a bcpcheck baseline"), "{err}");
    }
}
