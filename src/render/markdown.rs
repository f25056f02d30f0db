//! `--format markdown`: the auditor's evidence report as GitHub-Flavored Markdown. Every value from
//! plans and policies goes through [`text::escape`], so it cannot open markup or leave its table cell.

use std::fmt::Write;

use super::evidence::{self, Evidence, PlanEvidence};
use super::status::Status;
use super::text::{escape, escape_keeping_code};
use super::upcoming;
use crate::finding::Finding;
use crate::report::Kind;
use crate::waiver::Exceptions;

fn outcome(status: Status) -> String {
    match status {
        Status::Failed | Status::Error | Status::NotEvaluated => format!("**{}**", status.as_str()),
        other => other.as_str().to_string(),
    }
}

fn location(f: &Finding) -> String {
    let mut text = format!("line {}:{}", f.start.line, f.start.column);
    let path = f.target.to_string();
    if !path.is_empty() {
        text.push_str(&format!(" at {}", escape(&path)));
    }
    text
}

fn finding_detail(f: &Finding) -> String {
    let mut text = format!("{}: {}", location(f), escape(&f.message));
    if let Some(waiver) = evidence::waiver_text(f) {
        text.push_str(&format!(" — waived: {}", escape(&waiver)));
    } else if f.is_baselined() {
        text.push_str(" — baselined");
    }
    text
}

fn header(out: &mut String, e: &Evidence<'_>) {
    let _ = writeln!(out, "# bcpcheck evidence report\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| As of | {} |", e.as_of);
    let _ = writeln!(out, "| bcpcheck | {} |", e.version);
    let _ = writeln!(
        out,
        "| Policy set | `{}` ({} policies) |",
        e.digest, e.policies
    );
    let _ = writeln!(out, "| Exceptions | {} |", escape(&e.exceptions_source));
    if let Some(baseline) = &e.baseline {
        let _ = writeln!(out, "| Baseline | {} |", escape(baseline));
    }
    let _ = writeln!(out, "| Result | {} |", escape(&e.summary));
    let _ = writeln!(out, "| Plans | {} |\n", e.plans.len());
}

fn plan_list(out: &mut String, e: &Evidence<'_>) {
    let _ = writeln!(out, "## Plans\n");
    let _ = writeln!(
        out,
        "| plan | documents | failed | waived | baselined | passed | not applicable |\n|---|---|---|---|---|---|---|"
    );
    for plan in &e.plans {
        if let Some(err) = &plan.load_error {
            let _ = writeln!(
                out,
                "| {} | could not be checked: {} | | | | | |",
                escape(plan.name),
                escape(err)
            );
            continue;
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            escape(plan.name),
            plan.documents,
            plan.failed(),
            plan.count(Status::Waived),
            plan.count(Status::Baselined),
            plan.count(Status::Passed),
            plan.count(Status::NotApplicable)
        );
    }
    out.push('\n');
}

fn matrix(out: &mut String, e: &Evidence<'_>) {
    let _ = writeln!(out, "## Compliance matrix\n");
    if e.matrix.is_empty() {
        let _ = writeln!(out, "No policy of this run cites a standard clause.\n");
        return;
    }
    for group in &e.matrix {
        let _ = writeln!(out, "### {}\n", escape(&group.standard));
        let _ = write!(out, "| clause | policies |");
        for plan in &e.plans {
            let _ = write!(out, " {} |", escape(plan.name));
        }
        let _ = write!(out, "\n|---|---|");
        for _ in &e.plans {
            out.push_str("---|");
        }
        out.push('\n');
        for row in &group.rows {
            let mut clause = row.clause.clone();
            if !row.notes.is_empty() {
                clause.push_str(&format!(" ({})", row.notes.join("; ")));
            }
            let _ = write!(
                out,
                "| {} | {} |",
                escape(&clause),
                escape(&row.policies.join(", "))
            );
            for cell in &row.cells {
                let _ = write!(out, " {} |", outcome(*cell));
            }
            out.push('\n');
        }
        out.push('\n');
    }
}

fn plan_section(out: &mut String, plan: &PlanEvidence<'_>) {
    let _ = writeln!(out, "## Plan {}\n", escape(plan.name));
    if let Some(err) = &plan.load_error {
        let _ = writeln!(out, "Could not be checked: {}\n", escape(err));
        return;
    }
    if !plan.packs.is_empty() {
        let packs: Vec<String> = plan
            .packs
            .iter()
            .map(|(pack, why)| format!("{} ({})", escape(pack), escape(why)))
            .collect();
        let _ = writeln!(out, "Packs: {}\n", packs.join("; "));
    }
    let _ = writeln!(
        out,
        "| policy | severity | title | outcome | details |\n|---|---|---|---|---|"
    );
    for row in &plan.rows {
        let mut details: Vec<String> = row.findings.iter().map(|f| finding_detail(f)).collect();
        details.extend(
            row.errors
                .iter()
                .map(|e| format!("evaluation failed: {}", escape(e))),
        );
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            escape(&row.policy.id),
            row.policy.severity,
            escape_keeping_code(&row.policy.title),
            outcome(row.status),
            details.join("<br>")
        );
    }
    out.push('\n');
}

fn exceptions(out: &mut String, e: &Evidence<'_>, ex: &Exceptions) {
    let _ = writeln!(out, "## Exceptions\n");
    let _ = writeln!(out, "Source: {}.\n", escape(&e.exceptions_source));
    if !ex.entries.is_empty() {
        let _ = writeln!(
            out,
            "| policy | files | path | justification | owner | approved by | ticket | expires | status | matched |\n|---|---|---|---|---|---|---|---|---|---|"
        );
        for entry in &ex.entries {
            let x = &entry.exception;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                escape(&x.policy),
                escape(&x.files.join(", ")),
                escape(&x.path.as_ref().map(|p| p.to_string()).unwrap_or_default()),
                escape(&x.justification),
                escape(&x.owner),
                escape(&x.approved_by),
                escape(x.ticket.as_deref().unwrap_or("")),
                x.expires,
                entry.status.as_str(),
                entry.matched
            );
        }
        out.push('\n');
    }
    if !ex.inline.is_empty() {
        let _ = writeln!(
            out,
            "Inline comments:\n\n| plan | line | policies | reason | status | matched |\n|---|---|---|---|---|---|"
        );
        for entry in &ex.inline {
            let d = &entry.directive;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                escape(&entry.file),
                d.line,
                escape(&d.policies.join(", ")),
                escape(&d.reason),
                entry.status.as_str(),
                entry.matched
            );
        }
        out.push('\n');
    }
    if ex.entries.is_empty() && ex.inline.is_empty() {
        let _ = writeln!(out, "None.\n");
    }
}

/// What lapses within the due window: a summary and one row per obligation.
fn upcoming(out: &mut String, e: &Evidence<'_>) {
    let Some(u) = e.upcoming else {
        return;
    };
    let _ = writeln!(out, "## Upcoming\n");
    let _ = writeln!(
        out,
        "What lapses next (`bcpcheck due`). {}\n",
        upcoming::headline(u)
    );
    if u.obligations.is_empty() {
        let _ = writeln!(out, "Nothing lapses within the window.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| date | plan | policy | severity | item | what to do |\n|---|---|---|---|---|---|"
    );
    for o in &u.obligations {
        let date = match o.kind {
            Kind::Overdue => format!("**{}**", upcoming::when(o)),
            _ => upcoming::when(o),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            date,
            escape(&o.file),
            escape(&o.policy),
            o.severity,
            escape(&upcoming::item(o)),
            escape_keeping_code(o.help.as_deref().unwrap_or(""))
        );
    }
    out.push('\n');
}

fn problems(out: &mut String, e: &Evidence<'_>) {
    if e.problems.is_empty() && e.notices.is_empty() && e.skipped.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Problems and notes\n");
    for p in &e.problems {
        let _ = writeln!(out, "- error {}: {}", escape(&p.code), escape(&p.message));
    }
    for n in &e.notices {
        let _ = writeln!(out, "- warning {}: {}", escape(&n.code), escape(&n.message));
    }
    for (file, reason) in &e.skipped {
        let _ = writeln!(out, "- skipped {}: {}", escape(file), escape(reason));
    }
    out.push('\n');
}

fn portfolio(out: &mut String, e: &Evidence<'_>) {
    let Some(portfolio) = e.portfolio else {
        return;
    };
    let files = |files: &[String]| {
        files
            .iter()
            .map(|f| escape(f))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "## Portfolio
"
    );
    let _ = writeln!(
        out,
        "### BIA coverage
"
    );
    let _ = writeln!(
        out,
        "| process | name | tier | BIA | covered by |\n|---|---|---|---|---|"
    );
    for row in &portfolio.coverage {
        let covered = match (row.plans.is_empty(), row.critical) {
            (false, _) => files(&row.plans),
            (true, true) => "**not covered (critical)**".to_string(),
            (true, false) => "not covered".to_string(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {covered} |",
            escape(&row.process),
            escape(row.name.as_deref().unwrap_or("")),
            row.tier.map(|t| t.to_string()).unwrap_or_default(),
            escape(&row.bia),
        );
    }
    let _ = writeln!(out, "\n### Provider concentration\n");
    let _ = writeln!(
        out,
        "| provider | name | register | plans | critical processes |\n|---|---|---|---|---|"
    );
    for row in &portfolio.providers {
        let critical: Vec<String> = row
            .critical
            .iter()
            .map(|(plan, process)| format!("{} ({})", escape(process), escape(plan)))
            .collect();
        let counted = |n: usize, list: String| {
            if n == 0 {
                "0".to_string()
            } else {
                format!("{n} ({list})")
            }
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            escape(&row.provider),
            escape(row.name.as_deref().unwrap_or("")),
            escape(&row.register),
            counted(row.plans.len(), files(&row.plans)),
            counted(critical.len(), critical.join(", ")),
        );
    }
    out.push('\n');
}

/// Renders the evidence report.
pub fn render(report: &crate::report::Report) -> String {
    let e = evidence::gather(report);
    let mut out = String::new();
    header(&mut out, &e);
    plan_list(&mut out, &e);
    upcoming(&mut out, &e);
    matrix(&mut out, &e);
    portfolio(&mut out, &e);
    for plan in &e.plans {
        plan_section(&mut out, plan);
    }
    exceptions(&mut out, &e, e.exceptions);
    problems(&mut out, &e);
    out
}
