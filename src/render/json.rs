//! `--format json`: the versioned, documented machine format (schema in README).

use serde::Serialize;

use super::{flatten, FlatDiagnostic};
use crate::document::LineCol;
use crate::finding::{Finding, Suppression, WaiverKind};
use crate::report::Report;
use crate::waiver::Exceptions;

/// Version of the JSON schema; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Output<'a> {
    version: u32,
    tool: Tool,
    as_of: String,
    policy_set: &'a str,
    summary: Summary,
    findings: Findings<'a>,
    errors: Vec<FlatDiagnostic>,
    notices: Vec<FlatDiagnostic>,
    skipped: Vec<Skipped<'a>>,
    exceptions: JsonExceptions<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<JsonBaseline<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonExceptions<'a> {
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    entries: Vec<JsonException<'a>>,
    inline: Vec<JsonInline<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonException<'a> {
    policy: &'a str,
    files: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    justification: &'a str,
    owner: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ticket: Option<&'a str>,
    approved_by: &'a str,
    expires: String,
    line: usize,
    status: &'static str,
    matched: usize,
}

#[derive(Serialize)]
struct JsonInline<'a> {
    file: &'a str,
    line: usize,
    policies: &'a [String],
    reason: &'a str,
    status: &'static str,
    matched: usize,
}

#[derive(Serialize)]
struct JsonBaseline<'a> {
    file: &'a str,
    entries: usize,
    baselined: usize,
    expired: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSuppression<'a> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ticket: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    approved_by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<&'a str>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

/// Every finding of a report, serialised one at a time: a report of many findings never holds
/// them all as JSON values at once.
struct Findings<'a>(&'a Report);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.findings().map(|f| finding(f, self.0)))
    }
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    info: usize,
    files: usize,
    policies: usize,
    problems: usize,
    waived: usize,
    baselined: usize,
    notices: usize,
    /// Findings that count but are not listed (`--min-severity`); absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    hidden: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
    offset: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFinding<'a> {
    policy: &'a str,
    severity: &'a str,
    title: &'a str,
    message: String,
    file: &'a str,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    missing: Option<String>,
    start: Position,
    end: Position,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    references: &'a [String],
    fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<JsonSuppression<'a>>,
}

#[derive(Serialize)]
struct Skipped<'a> {
    file: &'a str,
    reason: &'a str,
}

fn position(at: LineCol, offset: usize) -> Position {
    Position {
        line: at.line,
        column: at.column,
        offset,
    }
}

fn finding<'a>(f: &'a Finding, report: &'a Report) -> JsonFinding<'a> {
    let policy = report.policy(f);
    JsonFinding {
        policy: f.policy_id(),
        severity: f.severity.as_str(),
        title: &policy.title,
        message: super::strip_controls(&f.message),
        file: &f.file,
        path: f.target.to_string(),
        missing: (!f.missing.0.is_empty()).then(|| f.missing.to_string()),
        start: position(f.start, f.span.start),
        end: position(f.end, f.span.end),
        help: policy.help.as_deref(),
        url: policy.url.as_deref(),
        references: &policy.references,
        fingerprint: &f.fingerprint,
        suppression: f.suppression.as_ref().map(suppression),
    }
}

fn suppression(s: &Suppression) -> JsonSuppression<'_> {
    match s {
        Suppression::Baselined { expires } => JsonSuppression {
            kind: "baseline",
            justification: None,
            owner: None,
            ticket: None,
            approved_by: None,
            expires: expires.map(|d| d.to_string()),
            origin: None,
        },
        Suppression::Waived(w) => JsonSuppression {
            kind: match w.kind {
                WaiverKind::File => "exception",
                WaiverKind::Inline => "inline",
            },
            justification: Some(&w.justification),
            owner: w.owner.as_deref(),
            ticket: w.ticket.as_deref(),
            approved_by: w.approved_by.as_deref(),
            expires: w.expires.map(|d| d.to_string()),
            origin: Some(&w.origin),
        },
    }
}

fn exceptions(ex: &Exceptions) -> JsonExceptions<'_> {
    JsonExceptions {
        enabled: !ex.disabled,
        file: ex.file.as_deref(),
        entries: ex
            .entries
            .iter()
            .map(|e| {
                let x = &e.exception;
                JsonException {
                    policy: &x.policy,
                    files: &x.files,
                    path: x.path.as_ref().map(|p| p.to_string()),
                    justification: &x.justification,
                    owner: &x.owner,
                    ticket: x.ticket.as_deref(),
                    approved_by: &x.approved_by,
                    expires: x.expires.to_string(),
                    line: x.line,
                    status: e.status.as_str(),
                    matched: e.matched,
                }
            })
            .collect(),
        inline: ex
            .inline
            .iter()
            .map(|e| JsonInline {
                file: &e.file,
                line: e.directive.line,
                policies: &e.directive.policies,
                reason: &e.directive.reason,
                status: e.status.as_str(),
                matched: e.matched,
            })
            .collect(),
    }
}

/// Renders the report as pretty JSON.
pub fn render(report: &Report) -> String {
    let mut out = Vec::new();
    // Writing into memory cannot fail.
    let _ = write(report, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the report as pretty JSON to `out`, finding by finding.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use crate::finding::Severity;
    let errors: Vec<FlatDiagnostic> = report.diagnostics().into_iter().map(flatten).collect();
    let output = Output {
        version: SCHEMA_VERSION,
        tool: Tool {
            name: "bcpcheck",
            version: env!("CARGO_PKG_VERSION"),
        },
        as_of: report.as_of.format("%Y-%m-%d").to_string(),
        policy_set: &report.policy_set.digest,
        summary: Summary {
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            info: report.count(Severity::Info),
            files: report.checked_files(),
            policies: report.policy_set.policies.len(),
            problems: errors.len(),
            waived: report.waived(),
            baselined: report.baselined(),
            notices: report.notices().len(),
            hidden: report.hidden_count(),
        },
        findings: Findings(report),
        errors,
        notices: report.notices().iter().map(|n| flatten(n)).collect(),
        skipped: report
            .files
            .iter()
            .flat_map(|f| {
                f.skipped.iter().map(move |reason| Skipped {
                    file: &f.name,
                    reason,
                })
            })
            .collect(),
        exceptions: exceptions(&report.exceptions),
        baseline: report.baseline.as_ref().map(|b| JsonBaseline {
            file: &b.file,
            entries: b.entries,
            baselined: b.baselined,
            expired: b.expired,
        }),
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    out.write_all(b"\n")
}
