//! `--format human`: miette diagnostics with source snippets, grouped by file, then a summary line.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use super::{strip_controls, Clean, Style};
use crate::document::{self, SourceFile};
use crate::finding::Finding;
use crate::finding::Severity;
use crate::policy::Policy;
use crate::report::Report;

/// A finding as a miette diagnostic.
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    policy: &'a Policy,
    source: crate::document::Named,
    message: String,
    help: Option<String>,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.finding.policy))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.policy
            .url
            .as_ref()
            .map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let f = self.finding;
        // The label says where to act, never the policy's title: titles state the passing
        // condition ("Plan contains no placeholder text"), the opposite of what is wrong here.
        let text = if !f.missing.0.is_empty() {
            format!("add `{}` here", f.missing)
        } else {
            "here".to_string()
        };
        let span = document::to_source_span(f.span);
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(strip_controls(&text)), span),
        )))
    }
}

fn finding_diagnostic<'a>(
    finding: &'a Finding,
    policy: &'a Policy,
    source: &Arc<SourceFile>,
) -> FindingDiagnostic<'a> {
    let mut help = policy.help.clone().unwrap_or_default();
    if !policy.references.is_empty() {
        if !help.is_empty() {
            help.push('\n');
        }
        help.push_str(&format!("references: {}", policy.references.join("; ")));
    }
    if !help.is_empty() {
        help.push('\n');
    }
    help.push_str(&format!("for more: bcpcheck policies show {}", policy.id));
    // A policy without `message` reports its title, which states the passing condition: say it
    // is not met.
    let message = if finding.message == policy.title {
        format!("not met: {}", finding.message)
    } else {
        finding.message.clone()
    };
    FindingDiagnostic {
        finding,
        policy,
        source: document::named(source),
        message: strip_controls(&message),
        help: (!help.is_empty()).then_some(help),
    }
}

fn handler(style: Style) -> GraphicalReportHandler {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_show_related_as_nested(true)
}

/// Renders findings grouped by file, then problems, then the summary line.
pub fn render(report: &Report, style: Style) -> String {
    let handler = handler(style);
    let mut out = String::new();
    for file in &report.files {
        let Some(source) = &file.source else { continue };
        for finding in file.findings.iter().filter(|f| f.is_active()) {
            let diag = finding_diagnostic(finding, report.policy(finding), source);
            // Writing into a String cannot fail.
            let _ = handler.render_report(&mut out, &Clean::new(&diag));
            out.push('\n');
        }
    }
    for diag in report.diagnostics() {
        let _ = handler.render_report(&mut out, &Clean::new(diag));
        out.push('\n');
    }
    for notice in report.notices() {
        let _ = handler.render_report(&mut out, &Clean::new(notice));
        out.push('\n');
    }
    let waived: Vec<_> = report.findings().filter(|f| f.waiver().is_some()).collect();
    if !waived.is_empty() {
        out.push_str("waived:\n");
        for f in waived {
            if let Some(w) = f.waiver() {
                let line = format!(
                    "  {}:{}:{} {} {} (by {}: {})",
                    f.file,
                    f.start.line,
                    f.start.column,
                    f.policy,
                    f.message,
                    w.origin,
                    w.justification
                );
                out.push_str(&strip_controls(&line.replace('\n', " ")));
                out.push('\n');
            }
        }
        out.push('\n');
    }
    if style.verbose {
        let skipped: Vec<_> = report.skipped_files().collect();
        if !skipped.is_empty() {
            out.push_str("skipped:\n");
            for file in skipped {
                let why = if file.skipped.is_empty() {
                    "no document in it".to_string()
                } else {
                    file.skipped.join("; ")
                };
                out.push_str(&strip_controls(&format!("  {}: {why}", file.name)));
                out.push('\n');
            }
            out.push('\n');
        }
    }
    if !style.quiet {
        out.push_str(&summary(report));
        out.push('\n');
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The closing line: counts by severity, files, policies, problems and elapsed time.
pub fn summary(report: &Report) -> String {
    let problems = report.diagnostics().len();
    let mut line = format!(
        "{}, {}, {} in {} checked against {} in {} ms",
        plural(report.count(Severity::Error), "error", "errors"),
        plural(report.count(Severity::Warning), "warning", "warnings"),
        plural(report.count(Severity::Info), "info", "info"),
        plural(report.checked_files(), "file", "files"),
        plural(report.policy_set.policies.len(), "policy", "policies"),
        report.elapsed.as_millis(),
    );
    let skipped = report.skipped_files().count();
    if skipped > 0 {
        line.push_str(&format!(
            "; {} skipped (not plans; --verbose lists them)",
            plural(skipped, "file", "files"),
        ));
    }
    let (waived, baselined) = (report.waived(), report.baselined());
    if waived > 0 || baselined > 0 {
        line.push_str(&format!("; {waived} waived, {baselined} baselined"));
    }
    if let Some(expired) = report
        .baseline
        .as_ref()
        .map(|b| b.expired)
        .filter(|n| *n > 0)
    {
        line.push_str(&format!(
            "; {} expired (their findings count again)",
            plural(expired, "baseline entry", "baseline entries")
        ));
    }
    let notices = report.notices().len();
    if notices > 0 {
        line.push_str(&format!(
            "; {} about exceptions",
            plural(notices, "warning", "warnings")
        ));
    }
    let hidden = report.hidden_count();
    if hidden > 0 {
        line.push_str(&format!("; {hidden} hidden by --min-severity"));
    }
    if problems > 0 {
        line.push_str(&format!(
            "; {} (exit code 2)",
            plural(problems, "problem", "problems")
        ));
    }
    line
}
