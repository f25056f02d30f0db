//! `--format github`: GitHub Actions workflow commands (annotations on the pull request), most
//! severe first, and the Markdown step summary.

use std::path::Path;

use super::{flatten, human, status, strip_controls, text};
use crate::document::discover;
use crate::finding::Severity;
use crate::finding::{Finding, Suppression};
use crate::report::{FileReport, Report};

/// Escapes a command's message as GitHub requires: `%`, CR and LF.
pub fn escape_data(value: &str) -> String {
    strip_controls_keep_newlines(value)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value: as [`escape_data`], plus `:` and `,`.
pub fn escape_property(value: &str) -> String {
    escape_data(value).replace(':', "%3A").replace(',', "%2C")
}

fn strip_controls_keep_newlines(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\r' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

/// One workflow command.
struct Annotation {
    command: &'static str,
    properties: Vec<(&'static str, String)>,
    message: String,
}

impl Annotation {
    fn line(&self) -> String {
        let properties: Vec<String> = self
            .properties
            .iter()
            .map(|(k, v)| format!("{k}={}", escape_property(v)))
            .collect();
        let sep = if properties.is_empty() { "" } else { " " };
        format!(
            "::{}{sep}{}::{}",
            self.command,
            properties.join(","),
            escape_data(&self.message)
        )
    }

    fn rank(&self) -> u8 {
        match self.command {
            "error" => 0,
            "warning" => 1,
            _ => 2,
        }
    }
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// A file's path relative to the repository root, as GitHub expects in annotations.
fn repo_path(path: &Path, report: &Report) -> String {
    discover::display(path, &report.root)
}

fn finding_annotation(finding: &Finding, file: &FileReport, report: &Report) -> Annotation {
    let mut properties = vec![
        ("file", repo_path(&file.path, report)),
        ("line", finding.start.line.to_string()),
    ];
    // GitHub accepts columns only for a region on one line.
    if finding.start.line == finding.end.line {
        properties.push(("col", finding.start.column.to_string()));
        properties.push(("endLine", finding.end.line.to_string()));
        properties.push(("endColumn", finding.end.column.to_string()));
    } else {
        properties.push(("endLine", finding.end.line.to_string()));
    }
    let policy = report.policy(finding);
    properties.push(("title", policy.id.clone()));
    let mut message = finding.message.clone();
    if !finding.missing.0.is_empty() {
        message.push_str(&format!(" (add `{}`)", finding.missing));
    }
    if let Some(help) = &policy.help {
        message.push_str(&format!("\n\nhelp: {help}"));
    }
    if !policy.references.is_empty() {
        message.push_str(&format!("\nreferences: {}", policy.references.join("; ")));
    }
    Annotation {
        command: command(finding.severity),
        properties,
        message,
    }
}

fn diagnostic_annotation(
    diag: &dyn miette::Diagnostic,
    command: &'static str,
    report: &Report,
) -> Annotation {
    let flat = flatten(diag);
    let mut properties = Vec::new();
    if let Some(file) = &flat.file {
        properties.push(("file", report.repo_path(file)));
        if let Some(line) = flat.line {
            properties.push(("line", line.to_string()));
        }
        if let Some(col) = flat.column {
            properties.push(("col", col.to_string()));
        }
    }
    properties.push(("title", flat.code.clone()));
    let mut message = flat.message;
    if let Some(help) = flat.help {
        message.push_str(&format!("\n\nhelp: {help}"));
    }
    Annotation {
        command,
        properties,
        message,
    }
}

/// A one-line plain log entry (never a command: it starts with `bcpcheck:` and has no line break).
fn log_line(text: &str) -> String {
    format!("bcpcheck: {}", escape_data(text))
}

/// Renders annotations (errors, then warnings, then notices), the suppressed findings as plain log
/// lines, and the summary line.
pub fn render(report: &Report) -> String {
    let mut annotations: Vec<Annotation> = report
        .diagnostics()
        .into_iter()
        .map(|d| diagnostic_annotation(d, "error", report))
        .collect();
    annotations.extend(
        report
            .notices()
            .iter()
            .map(|d| diagnostic_annotation(d, "warning", report)),
    );
    for file in &report.files {
        for finding in file.findings.iter().filter(|f| f.is_active()) {
            annotations.push(finding_annotation(finding, file, report));
        }
    }
    annotations.sort_by_key(Annotation::rank);
    let mut out = String::new();
    for annotation in &annotations {
        out.push_str(&annotation.line());
        out.push('\n');
    }
    for finding in report.findings() {
        if let Some(w) = finding.waiver() {
            out.push_str(&log_line(&format!(
                "waived {} at {}:{}:{}: {} (exception {}: {})",
                finding.policy,
                finding.file,
                finding.start.line,
                finding.start.column,
                finding.message,
                w.origin,
                w.justification
            )));
            out.push('\n');
        }
    }
    out.push_str(&log_line(&human::summary(report)));
    out.push('\n');
    out
}

fn cell(value: &str) -> String {
    text::escape(value)
}

fn finding_row(finding: &Finding) -> String {
    let state = match &finding.suppression {
        None => finding.severity.as_str().to_string(),
        Some(Suppression::Baselined { .. }) => format!("{} (baselined)", finding.severity),
        Some(Suppression::Waived(w)) => format!(
            "{} (waived: {}{})",
            finding.severity,
            w.justification,
            w.owner
                .as_deref()
                .map(|o| format!("; owner {o}"))
                .unwrap_or_default()
        ),
    };
    format!(
        "| {} | {} | {}:{} | {} | {} |\n",
        cell(&state),
        cell(finding.policy_id()),
        finding.start.line,
        finding.start.column,
        cell(&finding.target.to_string()),
        cell(&finding.message)
    )
}

/// The Markdown step summary: counts, then every finding grouped by plan.
pub fn step_summary(report: &Report) -> String {
    let mut out = format!("## bcpcheck\n\n{}\n\n", cell(&human::summary(report)));
    out.push_str(&format!(
        "As of {}; policy set `{}`.\n\n",
        report.as_of.format("%Y-%m-%d"),
        report.policy_set.digest
    ));
    let problems = report.diagnostics();
    if !problems.is_empty() {
        out.push_str("**Problems (exit code 2)**\n\n");
        for diag in problems {
            out.push_str(&format!("- {}\n", cell(&flatten(diag).message)));
        }
        out.push('\n');
    }
    if !report.notices().is_empty() {
        out.push_str("**Exceptions to review**\n\n");
        for notice in report.notices() {
            out.push_str(&format!("- {}\n", cell(&flatten(notice).message)));
        }
        out.push('\n');
    }
    for file in status::plans(report) {
        let count = |s: Severity| {
            file.findings
                .iter()
                .filter(|f| f.is_active() && f.severity == s)
                .count()
        };
        let suppressed = file.findings.iter().filter(|f| !f.is_active()).count();
        out.push_str(&format!(
            "### {}\n\n{} error(s), {} warning(s), {} info, {} waived or baselined\n\n",
            cell(&file.name),
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info),
            suppressed
        ));
        if let Some(err) = &file.load_error {
            out.push_str(&format!(
                "Could not be checked: {}\n\n",
                cell(&err.to_string())
            ));
            continue;
        }
        if file.findings.is_empty() {
            out.push_str("No findings.\n\n");
            continue;
        }
        out.push_str("| severity | policy | line | path | message |\n|---|---|---|---|---|\n");
        for finding in &file.findings {
            out.push_str(&finding_row(finding));
        }
        out.push('\n');
    }
    out = strip_controls(&out);
    out
}
