//! `--format sarif`: SARIF 2.1.0 for code scanning (GitHub's ingestion rules included).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::{flatten, strip_controls, text, FlatDiagnostic};
use crate::document::discover;
use crate::finding::{Finding, Suppression, WaiverKind};
use crate::policy::{Policy, Severity};
use crate::report::{FileReport, Report};

/// The SARIF schema this output follows.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The base id that repository-relative URIs are resolved against.
const SRCROOT: &str = "%SRCROOT%";
/// Key of our fingerprint in `partialFingerprints`.
const FINGERPRINT_KEY: &str = "bcpcheck/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult>,
    column_kind: &'static str,
    properties: RunProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties {
    as_of: String,
    policy_set: String,
    waived: usize,
    baselined: usize,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct TextAndMarkdown {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: TextAndMarkdown,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<&'a str>,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleProperties<'a> {
    tags: Vec<&'a str>,
    references: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pack: Option<&'a str>,
    precision: &'static str,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    missing: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifSuppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
    properties: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_configuration_notifications: Vec<Notification>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    level: &'static str,
    message: Text,
    descriptor: Descriptor,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
}

#[derive(Serialize)]
struct Descriptor {
    id: String,
}

/// The SARIF level of a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A sentence ends with punctuation (SARIF's message guidance).
fn sentence(text: &str) -> String {
    let text = strip_controls(text.trim_end());
    if text.ends_with(['.', '!', '?']) {
        text
    } else {
        format!("{text}.")
    }
}

/// A PascalCase identifier made of the words of `title`, for `rule.name`.
fn pascal_case(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// Percent-encodes a relative path for a URI: RFC 3986 unreserved characters and `/` stay.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Where a file is, for SARIF: relative to the repository root, or an absolute `file:` URI.
fn artifact(path: &Path, root: &Path) -> ArtifactLocation {
    let relative = discover::display(path, root);
    if Path::new(&relative).is_absolute() {
        ArtifactLocation {
            uri: format!("file://{}", encode_path(&relative)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: encode_path(&relative),
            uri_base_id: Some(SRCROOT),
        }
    }
}

fn rule(policy: &Policy) -> Rule<'_> {
    let mut full = sentence(&policy.title);
    if let Some(message) = &policy.message {
        if message != &policy.title {
            full.push(' ');
            full.push_str(&sentence(message));
        }
    }
    let help = policy.help.as_deref().unwrap_or(&policy.title);
    let mut help_text = sentence(help);
    let mut help_markdown = text::escape_keeping_code(help);
    if !policy.references.is_empty() {
        help_text.push_str(&format!(
            "\n\nReferences: {}.",
            policy.references.join("; ")
        ));
        help_markdown.push_str("\n\n**References**\n");
        for reference in &policy.references {
            help_markdown.push_str(&format!("\n- {}", text::escape(reference)));
        }
    }
    if let Some(url) = &policy.url {
        help_markdown.push_str(&format!("\n\nMore: <{}>", url.replace(['<', '>', ' '], "")));
    }
    // SARIF requires tags to be unique; a tag may repeat the pack name or a reference.
    let mut tags: Vec<&str> = Vec::new();
    let candidates = policy
        .tags
        .iter()
        .map(String::as_str)
        .chain(policy.pack.as_deref())
        .chain(policy.references.iter().map(String::as_str));
    for tag in candidates {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Rule {
        id: &policy.id,
        name: pascal_case(&policy.title),
        short_description: Text {
            text: sentence(&policy.title),
        },
        full_description: Text { text: full },
        help: TextAndMarkdown {
            text: help_text,
            markdown: help_markdown,
        },
        help_uri: policy.url.as_deref().filter(|u| is_absolute_uri(u)),
        default_configuration: Configuration {
            level: level(policy.severity),
        },
        properties: RuleProperties {
            tags,
            references: &policy.references,
            pack: policy.pack.as_deref(),
            precision: "very-high",
            problem_severity: match policy.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "recommendation",
            },
        },
    }
}

/// `http(s)://` followed by a host: the only `helpUri` code scanning can open.
fn is_absolute_uri(url: &str) -> bool {
    ["https://", "http://"].iter().any(|scheme| {
        url.strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
    })
}

fn suppression(finding: &Finding) -> Option<SarifSuppression> {
    let waiver = match &finding.suppression {
        Some(Suppression::Waived(w)) => w,
        Some(Suppression::Baselined { .. }) | None => return None,
    };
    let mut properties = BTreeMap::new();
    properties.insert("origin", waiver.origin.clone());
    let optional = [
        ("owner", waiver.owner.clone()),
        ("ticket", waiver.ticket.clone()),
        ("approvedBy", waiver.approved_by.clone()),
        ("expires", waiver.expires.map(|d| d.to_string())),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            properties.insert(key, strip_controls(&value));
        }
    }
    Some(SarifSuppression {
        kind: match waiver.kind {
            WaiverKind::File => "external",
            WaiverKind::Inline => "inSource",
        },
        status: "accepted",
        justification: strip_controls(&waiver.justification),
        properties,
    })
}

fn result(finding: &Finding, file: &FileReport, rule_index: usize, report: &Report) -> SarifResult {
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY, finding.fingerprint.clone());
    SarifResult {
        rule_id: finding.policy_id().to_string(),
        rule_index,
        level: level(finding.severity),
        message: Text {
            text: sentence(&finding.message),
        },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: artifact(&file.path, &report.root),
                region: Some(Region {
                    start_line: finding.start.line,
                    start_column: finding.start.column,
                    end_line: Some(finding.end.line),
                    end_column: Some(finding.end.column),
                }),
            },
        }],
        partial_fingerprints: fingerprints,
        suppressions: suppression(finding).into_iter().collect(),
        baseline_state: report.baseline.as_ref().map(|_| {
            if finding.is_baselined() {
                "unchanged"
            } else {
                "new"
            }
        }),
        properties: ResultProperties {
            path: finding.target.to_string(),
            missing: (!finding.missing.0.is_empty()).then(|| finding.missing.to_string()),
        },
    }
}

fn notification(flat: FlatDiagnostic, level: &'static str, report: &Report) -> Notification {
    let locations = match (&flat.file, flat.line) {
        (Some(file), Some(line)) => vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: artifact(&report.cwd.join(file), &report.root),
                region: Some(Region {
                    start_line: line,
                    start_column: flat.column.unwrap_or(1),
                    end_line: None,
                    end_column: None,
                }),
            },
        }],
        _ => Vec::new(),
    };
    let mut message = sentence(&flat.message);
    if let Some(help) = &flat.help {
        message.push(' ');
        message.push_str(&sentence(help));
    }
    Notification {
        level,
        message: Text { text: message },
        descriptor: Descriptor { id: flat.code },
        locations,
    }
}

/// Renders the report as a SARIF 2.1.0 log with one run.
pub fn render(report: &Report) -> String {
    let policies = &report.policy_set.policies;
    let index: BTreeMap<&str, usize> = policies
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let mut results = Vec::new();
    for file in &report.files {
        for finding in &file.findings {
            if let Some(&i) = index.get(finding.policy_id()) {
                results.push(result(finding, file, i, report));
            }
        }
    }
    let execution: Vec<Notification> = report
        .diagnostics()
        .into_iter()
        .map(|d| notification(flatten(d), "error", report))
        .collect();
    let configuration: Vec<Notification> = report
        .notices()
        .iter()
        .map(|d| notification(flatten(d), "warning", report))
        .collect();
    let repository = option_env!("CARGO_PKG_REPOSITORY").filter(|r| !r.is_empty());
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "bcpcheck",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: repository,
                    rules: policies.iter().map(rule).collect(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: !report.has_errors(),
                tool_execution_notifications: execution,
                tool_configuration_notifications: configuration,
            }],
            results,
            column_kind: "unicodeCodePoints",
            properties: RunProperties {
                as_of: report.as_of.format("%Y-%m-%d").to_string(),
                policy_set: report.policy_set.digest.clone(),
                waived: report.waived(),
                baselined: report.baselined(),
            },
        }],
    };
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_uris_and_sentences() {
        assert_eq!(
            pascal_case("Every critical process has an RTO"),
            "EveryCriticalProcessHasAnRTO"
        );
        assert_eq!(encode_path("plans/a b#1.yaml"), "plans/a%20b%231.yaml");
        assert_eq!(encode_path("plans/ü.yaml"), "plans/%C3%BC.yaml");
        assert_eq!(sentence("no RTO"), "no RTO.");
        assert_eq!(sentence("done."), "done.");
        assert!(is_absolute_uri("https://x.example/a"));
        assert!(!is_absolute_uri("docs/a.md"));
    }
}
