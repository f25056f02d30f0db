//! Renderers: one module per output format. They read a report and never evaluate anything.

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

use miette::Diagnostic;
use serde::Serialize;

use crate::check::Report;
use crate::cli::OutputFormat;

/// How to present output.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Use colours.
    pub color: bool,
    /// Terminal width for wrapping.
    pub width: usize,
    /// Leave out the summary.
    pub quiet: bool,
}

/// Renders `report` in `format`.
pub fn render(report: &Report, format: OutputFormat, style: Style) -> String {
    match format {
        OutputFormat::Human => human::render(report, style),
        OutputFormat::Json => json::render(report),
        OutputFormat::Sarif => sarif::render(report),
        OutputFormat::Github => github::render(report),
        OutputFormat::Junit => junit::render(report),
        OutputFormat::Markdown => strip_controls(&markdown::render(report)),
        OutputFormat::Html => strip_controls(&html::render(report)),
    }
}

/// A diagnostic flattened for machine formats.
#[derive(Debug, Serialize, PartialEq)]
pub struct FlatDiagnostic {
    /// Error code, such as `bcpcheck::yaml`.
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
        help: diag.help().map(|h| h.to_string()),
    };
    let label = diag.labels().and_then(|mut labels| labels.next());
    if let (Some(label), Some(source)) = (label, diag.source_code()) {
        if let Ok(contents) = source.read_span(label.inner(), 0, 0) {
            flat.file = contents.name().map(str::to_string);
            flat.line = Some(contents.line() + 1);
            flat.column = Some(contents.column() + 1);
        }
    }
    flat
}

/// Replaces control characters (terminal escapes, carriage returns) and bidirectional overrides so
/// that plan text cannot restyle output. Every renderer passes untrusted text through it.
pub fn strip_controls(text: &str) -> String {
    crate::sanitize::strip_controls(text)
}
