//! `--format concise`: one line per finding (`file:line:col: severity[ID] message`, as ruff's
//! concise output), one per problem, then the summary line; and the `--statistics` table.

use std::collections::{BTreeSet, HashMap};

use super::{flatten, human, strip_controls, Style};
use crate::report::Report;

/// Renders one line per shown finding and per problem, then the summary.
pub fn render(report: &Report, style: Style) -> String {
    let mut out = String::new();
    for f in report.findings().filter(|f| f.is_active()) {
        let line = format!(
            "{}:{}:{}: {}[{}] {}",
            f.file, f.start.line, f.start.column, f.severity, f.policy, f.message
        );
        out.push_str(&strip_controls(&line.replace('\n', " ")));
        out.push('\n');
    }
    problems(report, &mut out);
    if !style.quiet {
        out.push_str(&human::summary(report));
        out.push('\n');
    }
    out
}

/// Problems and exception notices, one line each: `file:line:col: problem[code] message`.
fn problems(report: &Report, out: &mut String) {
    let notices = report
        .notices()
        .iter()
        .map(|n| n as &dyn miette::Diagnostic);
    for (kind, diag) in report
        .diagnostics()
        .into_iter()
        .map(|d| ("problem", d))
        .chain(notices.map(|n| ("warning", n)))
    {
        let flat = flatten(diag);
        let place = match (&flat.file, flat.line, flat.column) {
            (Some(file), Some(line), Some(column)) => format!("{file}:{line}:{column}: "),
            (Some(file), _, _) => format!("{file}: "),
            _ => String::new(),
        };
        let line = format!("{place}{kind}[{}] {}", flat.code, flat.message);
        out.push_str(&strip_controls(&line.replace('\n', " ")));
        out.push('\n');
    }
}

/// `--statistics`: per policy, the findings that count and the plans they are in, most frequent
/// first (as ruff's `--statistics`), then the problems and the summary line.
pub fn statistics(report: &Report, style: Style) -> String {
    let mut rows: HashMap<&str, (usize, BTreeSet<&str>, &'static str)> = HashMap::new();
    for f in report.findings().filter(|f| f.is_active()) {
        let row = rows
            .entry(f.policy_id())
            .or_insert((0, BTreeSet::new(), f.severity.as_str()));
        row.0 += 1;
        row.1.insert(&f.file);
    }
    let mut rows: Vec<_> = rows.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(6);
    let mut out = String::new();
    if !rows.is_empty() {
        out.push_str(&format!(
            "{:>8}  {:>5}  {:<width$}  {:<8}  title\n",
            "findings", "plans", "policy", "severity"
        ));
    }
    for (id, (count, plans, severity)) in &rows {
        let title = report
            .policy_set
            .policies
            .iter()
            .find(|p| p.id == *id)
            .map_or("", |p| p.title.as_str());
        out.push_str(&strip_controls(&format!(
            "{count:>8}  {:>5}  {id:<width$}  {severity:<8}  {title}\n",
            plans.len()
        )));
    }
    problems(report, &mut out);
    if !style.quiet {
        out.push_str(&human::summary(report));
        out.push('\n');
    }
    out
}
