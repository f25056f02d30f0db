//! `--format junit`: JUnit XML, one test case per (policy, plan), for CI systems that show tests.
//!
//! XML is written with `quick-xml`, which escapes every attribute and text; characters that XML 1.0
//! cannot carry at all (most control characters) are replaced first.

use std::io;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use super::status::{self, Status};
use super::{flatten, FlatDiagnostic};
use crate::finding::{Finding, Suppression};
use crate::report::{FileReport, Report};

/// Replaces the characters XML 1.0 forbids (controls other than tab, CR, LF; U+FFFE, U+FFFF).
fn xml_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// What one test case holds.
enum Verdict {
    Pass,
    /// Findings below `--fail-on`: the case passes (as the exit code says) and shows them in
    /// `<system-out>`.
    Reported(String),
    Skipped(String),
    Failure {
        message: String,
        kind: String,
        body: String,
    },
    Error {
        message: String,
        kind: String,
        body: String,
    },
}

struct Case {
    classname: String,
    name: String,
    verdict: Verdict,
}

struct Suite {
    name: String,
    cases: Vec<Case>,
}

impl Suite {
    fn count(&self, pick: fn(&Verdict) -> bool) -> usize {
        self.cases.iter().filter(|c| pick(&c.verdict)).count()
    }
}

fn is_failure(v: &Verdict) -> bool {
    matches!(v, Verdict::Failure { .. })
}
fn is_error(v: &Verdict) -> bool {
    matches!(v, Verdict::Error { .. })
}
fn is_skipped(v: &Verdict) -> bool {
    matches!(v, Verdict::Skipped(_))
}

fn finding_line(f: &Finding) -> String {
    let mut line = format!(
        "{}:{}:{}: {}: {}",
        f.file, f.start.line, f.start.column, f.target, f.message
    );
    match &f.suppression {
        Some(Suppression::Waived(w)) => {
            line.push_str(&format!(" [waived by {}: {}]", w.origin, w.justification))
        }
        Some(Suppression::Baselined { .. }) => line.push_str(" [baselined]"),
        None => {}
    }
    line
}

fn waived_summary(findings: &[&Finding]) -> String {
    let parts: Vec<String> = findings
        .iter()
        .filter_map(|f| f.waiver())
        .map(|w| {
            let mut part = w.justification.clone();
            if let Some(owner) = &w.owner {
                part.push_str(&format!("; owner {owner}"));
            }
            if let Some(expires) = w.expires {
                part.push_str(&format!("; expires {expires}"));
            }
            part
        })
        .collect();
    format!("waived: {}", parts.join(" | "))
}

/// Whether a finding of `severity` fails a run with this threshold.
fn fails(fail_on: crate::config::FailOn, severity: crate::finding::Severity) -> bool {
    use crate::config::FailOn;
    use crate::finding::Severity;
    match fail_on {
        FailOn::Error => severity >= Severity::Error,
        FailOn::Warning => severity >= Severity::Warning,
        FailOn::Info => true,
        FailOn::Never => false,
    }
}

fn plan_suite(report: &Report, file: &FileReport) -> Suite {
    let mut cases = Vec::new();
    if let Some(err) = &file.load_error {
        let flat = flatten(err);
        cases.push(Case {
            classname: file.name.clone(),
            name: "load".into(),
            verdict: Verdict::Error {
                message: flat.message.clone(),
                kind: flat.code.clone(),
                body: diagnostic_body(&flat),
            },
        });
    }
    for (index, policy) in report.policy_set.policies.iter().enumerate() {
        if file.load_error.is_some() {
            break;
        }
        let findings: Vec<&Finding> = status::findings(file, policy).collect();
        let verdict = match status::status(file, index, policy) {
            Status::NotApplicable => Verdict::Skipped("not applicable".into()),
            Status::Passed => Verdict::Pass,
            Status::Waived => Verdict::Skipped(waived_summary(&findings)),
            Status::Baselined => Verdict::Skipped("baselined".into()),
            Status::Failed => {
                let active: Vec<&&Finding> = findings.iter().filter(|f| f.is_active()).collect();
                let message = match active.as_slice() {
                    [] => format!("findings hidden by --min-severity: {}", policy.title),
                    [one] => one.message.clone(),
                    many => format!("{} findings: {}", many.len(), policy.title),
                };
                let mut body: Vec<String> = findings.iter().map(|f| finding_line(f)).collect();
                if let Some(help) = &policy.help {
                    body.push(format!("help: {help}"));
                }
                if !policy.references.is_empty() {
                    body.push(format!("references: {}", policy.references.join("; ")));
                }
                if fails(report.fail_on, policy.severity) {
                    Verdict::Failure {
                        message,
                        kind: policy.severity.to_string(),
                        body: body.join("\n"),
                    }
                } else {
                    body.insert(
                        0,
                        format!(
                            "{}: {message} (below --fail-on {}: not a failure)",
                            policy.severity,
                            report.fail_on.as_str()
                        ),
                    );
                    Verdict::Reported(body.join("\n"))
                }
            }
            Status::NotEvaluated => Verdict::Error {
                message: format!(
                    "{}: not evaluated: the policy was stopped for exceeding the evaluation budget",
                    policy.id
                ),
                kind: "bcpcheck::engine::budget".into(),
                body: file
                    .budget
                    .iter()
                    .filter(|b| b.policy.as_deref() == Some(policy.id.as_str()))
                    .map(|b| b.message.clone())
                    .collect::<Vec<_>>()
                    .join("\n"),
            },
            Status::Error => {
                let errors: Vec<String> = file
                    .errors
                    .iter()
                    .filter(|e| e.policy == policy.id)
                    .map(|e| e.to_string())
                    .collect();
                Verdict::Error {
                    message: errors.first().cloned().unwrap_or_default(),
                    kind: "bcpcheck::engine::evaluation".into(),
                    body: errors.join("\n"),
                }
            }
        };
        cases.push(Case {
            classname: file.name.clone(),
            name: policy.id.clone(),
            verdict,
        });
    }
    Suite {
        name: file.name.clone(),
        cases,
    }
}

fn diagnostic_body(flat: &FlatDiagnostic) -> String {
    let mut body = String::new();
    if let Some(file) = &flat.file {
        body.push_str(file);
        if let (Some(line), Some(column)) = (flat.line, flat.column) {
            body.push_str(&format!(":{line}:{column}"));
        }
        body.push_str(": ");
    }
    body.push_str(&flat.message);
    if let Some(help) = &flat.help {
        body.push_str(&format!("\nhelp: {help}"));
    }
    body
}

/// Run-level problems (policies, discovery, exceptions, baseline) and exception warnings.
fn run_suite(report: &Report) -> Option<Suite> {
    let mut cases = Vec::new();
    for diag in report.run_diagnostics() {
        let flat = flatten(diag);
        cases.push(Case {
            classname: flat.file.clone().unwrap_or_else(|| "bcpcheck".into()),
            name: flat.code.clone(),
            verdict: Verdict::Error {
                message: flat.message.clone(),
                kind: flat.code.clone(),
                body: diagnostic_body(&flat),
            },
        });
    }
    for notice in report.notices() {
        let flat = flatten(notice);
        cases.push(Case {
            classname: flat.file.clone().unwrap_or_else(|| "bcpcheck".into()),
            name: flat.code.clone(),
            verdict: Verdict::Failure {
                message: flat.message.clone(),
                kind: "warning".into(),
                body: diagnostic_body(&flat),
            },
        });
    }
    (!cases.is_empty()).then(|| Suite {
        name: "bcpcheck".into(),
        cases,
    })
}

fn write_case(w: &mut Writer<Vec<u8>>, case: &Case) -> io::Result<()> {
    let classname = xml_safe(&case.classname);
    let name = xml_safe(&case.name);
    let element = w
        .create_element("testcase")
        .with_attribute(("name", name.as_str()))
        .with_attribute(("classname", classname.as_str()));
    match &case.verdict {
        Verdict::Pass => {
            element.write_empty()?;
        }
        Verdict::Reported(body) => {
            element.write_inner_content(|w| {
                w.create_element("system-out")
                    .write_text_content(BytesText::new(&xml_safe(body)))
                    .map(|_| ())
            })?;
        }
        Verdict::Skipped(message) => {
            element.write_inner_content(|w| {
                w.create_element("skipped")
                    .with_attribute(("message", xml_safe(message).as_str()))
                    .write_empty()
                    .map(|_| ())
            })?;
        }
        Verdict::Failure {
            message,
            kind,
            body,
        }
        | Verdict::Error {
            message,
            kind,
            body,
        } => {
            let tag = if is_failure(&case.verdict) {
                "failure"
            } else {
                "error"
            };
            element.write_inner_content(|w| {
                w.create_element(tag)
                    .with_attribute(("message", xml_safe(message).as_str()))
                    .with_attribute(("type", xml_safe(kind).as_str()))
                    .write_text_content(BytesText::new(&xml_safe(body)))
                    .map(|_| ())
            })?;
        }
    }
    Ok(())
}

fn write(report: &Report, suites: &[Suite]) -> io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    // The common schema (Jenkins' junit-10.xsd) has no `skipped` on <testsuites>, only per suite.
    let total = |pick: fn(&Verdict) -> bool| -> String {
        suites
            .iter()
            .map(|s| s.count(pick))
            .sum::<usize>()
            .to_string()
    };
    let tests: usize = suites.iter().map(|s| s.cases.len()).sum();
    let time = format!("{:.3}", report.elapsed.as_secs_f64());
    w.create_element("testsuites")
        .with_attribute(("name", "bcpcheck"))
        .with_attribute(("tests", tests.to_string().as_str()))
        .with_attribute(("failures", total(is_failure).as_str()))
        .with_attribute(("errors", total(is_error).as_str()))
        .with_attribute(("time", time.as_str()))
        .write_inner_content(|w| {
            for suite in suites {
                let name = xml_safe(&suite.name);
                w.create_element("testsuite")
                    .with_attribute(("name", name.as_str()))
                    .with_attribute(("tests", suite.cases.len().to_string().as_str()))
                    .with_attribute(("failures", suite.count(is_failure).to_string().as_str()))
                    .with_attribute(("errors", suite.count(is_error).to_string().as_str()))
                    .with_attribute(("skipped", suite.count(is_skipped).to_string().as_str()))
                    .write_inner_content(|w| {
                        for case in &suite.cases {
                            write_case(w, case)?;
                        }
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

/// Renders the report as JUnit XML: a test suite per plan file, a test case per policy.
pub fn render(report: &Report) -> String {
    let mut suites: Vec<Suite> = status::plans(report)
        .map(|file| plan_suite(report, file))
        .collect();
    suites.extend(run_suite(report));
    match write(report, &suites) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        // Writing into memory cannot fail; keep the output well-formed all the same.
        Err(e) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"bcpcheck\" tests=\"0\"><!-- {} --></testsuites>\n",
            xml_safe(&e.to_string()).replace("--", "- -")
        ),
    }
}
