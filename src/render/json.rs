//! `--format json`: the versioned, documented machine format (schema in README).

use serde::Serialize;

use super::{flatten, FlatDiagnostic};
use crate::check::Report;
use crate::document::LineCol;
use crate::finding::Finding;

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
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<FlatDiagnostic>,
    skipped: Vec<Skipped<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    info: usize,
    files: usize,
    policies: usize,
    problems: usize,
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

fn finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        policy: &f.policy,
        severity: f.severity.as_str(),
        title: &f.title,
        message: super::strip_controls(&f.message),
        file: &f.file,
        path: f.target.to_string(),
        missing: (!f.missing.0.is_empty()).then(|| f.missing.to_string()),
        start: position(f.start, f.span.start),
        end: position(f.end, f.span.end),
        help: f.help.as_deref(),
        url: f.url.as_deref(),
        references: &f.references,
        fingerprint: &f.fingerprint,
    }
}

/// Renders the report as pretty JSON.
pub fn render(report: &Report) -> String {
    use crate::policy::Severity;
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
        },
        findings: report.findings().map(finding).collect(),
        errors,
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
    };
    let mut text =
        serde_json::to_string_pretty(&output).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
