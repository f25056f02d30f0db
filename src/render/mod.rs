//! Renderers: one module per output format. They read a report and never evaluate anything.

pub mod catalog;
pub mod concise;
pub mod evidence;
pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod status;
pub mod text;
pub mod upcoming;

use miette::Diagnostic;
use serde::Serialize;

use crate::report::Report;

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Diagnostics with source snippets, for people.
    Human,
    /// One line per finding (`file:line:col: severity[ID] message`), then the summary.
    Concise,
    /// Versioned JSON, for tools.
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations), plus a step summary.
    Github,
    /// JUnit XML: one test case per policy and plan.
    Junit,
    /// The auditor's evidence report, in Markdown.
    Markdown,
    /// The auditor's evidence report, as one self-contained HTML file.
    Html,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 8] = [
        Format::Human,
        Format::Concise,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Junit,
        Format::Markdown,
        Format::Html,
    ];

    /// The name written on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Concise => "concise",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }

    /// What the format is for, as `--help` says it.
    pub fn about(self) -> &'static str {
        match self {
            Format::Human => "Diagnostics with source snippets, for people",
            Format::Concise => {
                "One line per finding (file:line:col: severity[ID] message), then the summary"
            }
            Format::Json => "Versioned JSON, for tools",
            Format::Sarif => "SARIF 2.1.0, for code scanning",
            Format::Github => "GitHub Actions workflow commands (annotations), plus a step summary",
            Format::Junit => "JUnit XML: one test case per policy and plan",
            Format::Markdown => "The auditor's evidence report, in Markdown",
            Format::Html => "The auditor's evidence report, as one self-contained HTML file",
        }
    }

    /// The format named `name` (case ignored).
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }
}

/// How to present output.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Use colours.
    pub color: bool,
    /// Terminal width for wrapping.
    pub width: usize,
    /// Leave out the summary.
    pub quiet: bool,
    /// List the files skipped (no plan in them), with why.
    pub verbose: bool,
}

/// The `limit` policies that took the most evaluation time, as a table, when the run recorded it.
pub fn timings(report: &Report, limit: usize) -> Option<String> {
    let spent = report.time_spent.as_ref()?;
    let total: std::time::Duration = spent.iter().sum();
    let mut rows: Vec<(&str, std::time::Duration)> = report
        .policy_set
        .policies
        .iter()
        .zip(spent)
        .map(|(policy, time)| (policy.id.as_str(), *time))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let width = rows
        .iter()
        .map(|(id, _)| id.len())
        .max()
        .unwrap_or(0)
        .max(6);
    let mut out = format!(
        "{:<width$}  {:>10}  {:>6}\n",
        "policy", "time (ms)", "share"
    );
    for (id, time) in rows.iter().take(limit) {
        let share = if total.is_zero() {
            0.0
        } else {
            100.0 * time.as_secs_f64() / total.as_secs_f64()
        };
        out.push_str(&format!(
            "{id:<width$}  {:>10.3}  {share:>5.1}%\n",
            time.as_secs_f64() * 1000.0
        ));
    }
    out.push_str(&format!(
        "{} of {} policies; {:.3} ms of evaluation in all, over every thread\n",
        limit.min(rows.len()),
        rows.len(),
        total.as_secs_f64() * 1000.0
    ));
    Some(out)
}

/// Writes `report` in `format` to `out`; JSON is written as it is produced, the other formats
/// once rendered.
pub fn render_to(
    report: &Report,
    format: Format,
    style: Style,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(report, out),
        _ => out.write_all(render(report, format, style).as_bytes()),
    }
}

/// Renders `report` in `format`.
pub fn render(report: &Report, format: Format, style: Style) -> String {
    match format {
        Format::Human => human::render(report, style),
        Format::Concise => concise::render(report, style),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
        Format::Junit => junit::render(report),
        Format::Markdown => strip_controls(&markdown::render(report)),
        Format::Html => strip_controls(&html::render(report)),
    }
}

/// A diagnostic flattened for machine formats.
#[derive(Debug, Serialize, PartialEq)]
pub struct FlatDiagnostic {
    /// Error code, such as `bcpcheck::document::yaml`.
    pub code: String,
    /// The message.
    pub message: String,
    /// File, when the diagnostic points into one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based line of the first label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column of the first label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// Flattens any diagnostic: code, message, and where its first label points.
pub fn flatten(diag: &dyn Diagnostic) -> FlatDiagnostic {
    let mut flat = FlatDiagnostic {
        code: diag
            .code()
            .map(|c| c.to_string())
            .unwrap_or_else(|| "bcpcheck".into()),
        message: strip_controls(&diag.to_string()),
        file: None,
        line: None,
        column: None,
        help: diag.help().map(|h| strip_controls(&h.to_string())),
    };
    let label = diag.labels().and_then(|mut labels| labels.next());
    if let (Some(label), Some(source)) = (label, diag.source_code()) {
        if let Ok(contents) = source.read_span(label.inner(), 0, 0) {
            flat.file = contents.name().map(strip_controls);
            flat.line = Some(contents.line() + 1);
            flat.column = Some(contents.column() + 1);
        }
    }
    flat
}

/// Replaces control characters (terminal escapes, carriage returns) and bidirectional overrides so
/// that plan text cannot restyle output. Every renderer passes untrusted text through it.
pub fn strip_controls(text: &str) -> String {
    crate::document::sanitize::strip_controls(text)
}

/// A diagnostic with every text passed through [`strip_controls`]: message, code, help, URL,
/// labels, related and cause. Renderers that print diagnostics for people print them through it.
/// Source snippets are masked where sources are built ([`crate::document::named`]).
///
/// A label further right than [`MAX_LABEL_COLUMN`] is left out (miette cannot draw it, and the
/// snippet would be a screenful per finding); the message then says the line and column.
pub struct Clean<'a> {
    inner: &'a dyn Diagnostic,
    message: String,
    labels: Option<Vec<miette::LabeledSpan>>,
    related: Vec<Clean<'a>>,
    cause: Option<Box<Clean<'a>>>,
}

/// The rightmost column a label may start or end at to be drawn.
pub const MAX_LABEL_COLUMN: usize = 10_000;

impl<'a> Clean<'a> {
    /// Wraps `inner`.
    pub fn new(inner: &'a dyn Diagnostic) -> Self {
        let mut message = strip_controls(&inner.to_string());
        let labels = inner.labels().map(|labels| {
            let mut kept = Vec::new();
            for label in labels {
                let text = label.label().map(strip_controls);
                let span = match reach(inner.source_code(), label.inner()) {
                    Reach::Drawable => *label.inner(),
                    // A label starting in sight but running far right is cut to its start.
                    Reach::EndsFar => miette::SourceSpan::new(
                        label.inner().offset().into(),
                        label.inner().len().min(LONG_LABEL_CUT),
                    ),
                    Reach::StartsFar(line, column) => {
                        if label.primary() || kept.is_empty() {
                            message.push_str(&format!(" (at line {line}, column {column})"));
                        }
                        continue;
                    }
                };
                kept.push(if label.primary() {
                    miette::LabeledSpan::new_primary_with_span(text, span)
                } else {
                    miette::LabeledSpan::new_with_span(text, span)
                });
            }
            kept
        });
        Clean {
            inner,
            message,
            labels,
            related: inner
                .related()
                .map(|related| related.map(Clean::new).collect())
                .unwrap_or_default(),
            cause: inner.diagnostic_source().map(|d| Box::new(Clean::new(d))),
        }
    }
}

/// Bytes a label is cut to when it starts within [`MAX_LABEL_COLUMN`] but ends beyond it.
const LONG_LABEL_CUT: usize = 80;

/// Whether miette can draw a label.
enum Reach {
    /// Yes.
    Drawable,
    /// It starts in sight and ends beyond [`MAX_LABEL_COLUMN`].
    EndsFar,
    /// It starts beyond [`MAX_LABEL_COLUMN`], at this 1-based line and column.
    StartsFar(usize, usize),
}

fn reach(source: Option<&dyn miette::SourceCode>, span: &miette::SourceSpan) -> Reach {
    let Some(source) = source else {
        return Reach::Drawable;
    };
    let Ok(start) = source.read_span(span, 0, 0) else {
        return Reach::Drawable;
    };
    if start.column() > MAX_LABEL_COLUMN {
        return Reach::StartsFar(start.line() + 1, start.column() + 1);
    }
    let end_span = miette::SourceSpan::new((span.offset() + span.len()).into(), 0);
    match source.read_span(&end_span, 0, 0) {
        Ok(end) if end.column() <= MAX_LABEL_COLUMN => Reach::Drawable,
        _ => Reach::EndsFar,
    }
}

impl std::fmt::Display for Clean<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Debug for Clean<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Clean<'_> {}

fn clean_text<'b>(
    text: Option<Box<dyn std::fmt::Display + 'b>>,
) -> Option<Box<dyn std::fmt::Display + 'b>> {
    text.map(|t| Box::new(strip_controls(&t.to_string())) as Box<dyn std::fmt::Display>)
}

impl Diagnostic for Clean<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        clean_text(self.inner.code())
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        clean_text(self.inner.help())
    }

    fn url<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        clean_text(self.inner.url())
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.inner.source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let labels = self.labels.as_ref().filter(|l| !l.is_empty())?;
        Some(Box::new(labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|c| c as &dyn Diagnostic)))
    }

    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.cause.as_deref().map(|c| c as &dyn Diagnostic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{self, SourceFile, Span};
    use std::sync::Arc;

    #[test]
    fn labels_beyond_what_miette_can_draw_are_left_out_and_located() {
        let text = format!("a: [{}x]\nb: \u{1b}[2J\n", "1, ".repeat(30_000));
        let source = Arc::new(SourceFile::new(
            "f.yaml".into(),
            "f.yaml".into(),
            text.as_str(),
        ));
        let far = text.find('x').unwrap();
        let err = document::LoadError::at(
            &source,
            Span::new(far, far + 1),
            "bad \u{7}".into(),
            "here",
            "fix",
        );
        let near = document::LoadError::at(&source, Span::new(0, 1), "near".into(), "here", "fix");
        for (err, expect) in [
            (&err, "bad \u{fffd} (at line 1, column 90005)"),
            (&near, "[f.yaml:1:1]"),
        ] {
            let mut out = String::new();
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .render_report(&mut out, &Clean::new(err))
                .unwrap();
            assert!(out.contains(expect), "{out}");
            assert!(
                out.len() < 20_000,
                "a long line is cut: {} bytes",
                out.len()
            );
        }
        let b = text.find("b:").unwrap();
        let escape =
            document::LoadError::at(&source, Span::new(b, b + 2), "m".into(), "here", "fix");
        let mut out = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .render_report(&mut out, &Clean::new(&escape))
            .unwrap();
        assert!(out.contains("b: ?[2J") && !out.contains('\u{1b}'), "{out}");
    }
}
