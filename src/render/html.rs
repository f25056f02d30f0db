//! `--format html`: the auditor's evidence report as one self-contained HTML file (inline CSS, no
//! scripts, printable). Written with `maud`, which escapes every spliced value.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::evidence::{self, Evidence, PlanEvidence, PolicyRow};
use super::status::Status;
use super::text::split_code;
use super::upcoming;
use crate::finding::Finding;
use crate::report::Kind;
use crate::waiver::{self, Exceptions};

const CSS: &str = r#"
:root { --fail: #b42318; --fail-bg: #fef3f2; --pass: #067647; --pass-bg: #ecfdf3;
  --waive: #935f00; --waive-bg: #fffaeb; --na: #667085; --na-bg: #f2f4f7; --line: #d0d5dd; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #101828; margin: 2rem auto; max-width: 75rem; padding: 0 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; padding-bottom: .25rem; border-bottom: 2px solid var(--line); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top;
  overflow-wrap: break-word; }
table.policies { table-layout: fixed; }
table.policies col.id { width: 10.5rem; }
table.policies col.sev { width: 5.5rem; }
table.policies col.title { width: 28%; }
table.policies col.outcome { width: 8.5rem; }
.nowrap { white-space: nowrap; }
p.counts { margin: -.25rem 0 .5rem; }
th { background: #f9fafb; font-weight: 600; }
table.meta { width: auto; }
table.meta th { width: 9rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em; background: #f2f4f7;
  padding: 0 .2rem; border-radius: 3px; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .85em; font-weight: 600;
  white-space: nowrap; border: 1px solid currentColor; }
.failed, .error, .not-evaluated { color: var(--fail); background: var(--fail-bg); }
.passed { color: var(--pass); background: var(--pass-bg); }
.waived, .baselined { color: var(--waive); background: var(--waive-bg); }
.not-applicable { color: var(--na); background: var(--na-bg); }
td.cell { text-align: center; }
figure { margin: .5rem 0 1rem; overflow-x: auto; }
svg.timeline { max-width: 100%; height: auto; }
ul.findings { margin: 0; padding-left: 1.1rem; }
.muted { color: #475467; }
.sev-error { color: var(--fail); font-weight: 600; }
.sev-warning { color: var(--waive); font-weight: 600; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10px; }
  .nowrap { white-space: normal; }
  td code { overflow-wrap: anywhere; }
  h2 { break-after: avoid; }
  section.plan { break-before: page; }
  tr { break-inside: avoid; }
  figure { overflow: visible; break-inside: avoid; }
  thead { display: table-header-group; }
  .badge { border-width: 1px; }
}
"#;

fn css_class(status: Status) -> &'static str {
    match status {
        Status::NotApplicable => "not-applicable",
        Status::Passed => "passed",
        Status::NotEvaluated => "not-evaluated",
        Status::Waived => "waived",
        Status::Baselined => "baselined",
        Status::Failed => "failed",
        Status::Error => "error",
    }
}

fn badge(status: Status) -> Markup {
    html! { span class={ "badge " (css_class(status)) } { (status.as_str()) } }
}

/// Policy text with its `code spans` shown as code; everything escaped.
fn rich(text: &str) -> Markup {
    html! {
        @for (is_code, part) in split_code(text) {
            @if is_code { code { (part) } } @else { (part) }
        }
    }
}

fn finding_item(f: &Finding) -> Markup {
    let path = f.target.to_string();
    html! {
        li {
            "line " (f.start.line) ":" (f.start.column)
            @if !path.is_empty() { " at " code { (path) } }
            ": " (f.message)
            @if let Some(w) = evidence::waiver_text(f) {
                br; span class="muted" { "waived: " (w) }
            } @else if f.is_baselined() {
                " " span class="muted" { "(baselined)" }
            }
        }
    }
}

fn header(e: &Evidence<'_>) -> Markup {
    html! {
        h1 { "bcpcheck evidence report" }
        table class="meta" {
            tr { th { "As of" } td { (e.as_of) } }
            tr { th { "bcpcheck" } td { (e.version) } }
            tr { th { "Policy set" } td { code { (e.digest) } " (" (e.policies) " policies)" } }
            tr { th { "Exceptions" } td { (e.exceptions_source) } }
            @if let Some(baseline) = &e.baseline { tr { th { "Baseline" } td { (baseline) } } }
            tr { th { "Result" } td { (e.summary) } }
            tr { th { "Plans" } td { (e.plans.len()) } }
        }
    }
}

fn plan_list(e: &Evidence<'_>) -> Markup {
    html! {
        h2 { "Plans" }
        table {
            thead { tr { th { "plan" } th { "documents" } th { "failed" } th { "waived" } th { "baselined" }
                th { "passed" } th { "not applicable" } } }
            tbody {
                @for plan in &e.plans {
                    tr {
                        td { a href={ "#plan-" (anchor(plan.name)) } { code { (plan.name) } } }
                        @if let Some(err) = &plan.load_error {
                            td colspan="6" { span class="badge error" { "not checked" } " " (err) }
                        } @else {
                            td { (plan.documents) }
                            td { (plan.failed()) }
                            td { (plan.count(Status::Waived)) }
                            td { (plan.count(Status::Baselined)) }
                            td { (plan.count(Status::Passed)) }
                            td { (plan.count(Status::NotApplicable)) }
                        }
                    }
                }
            }
        }
    }
}

/// A fragment id for a plan: its name with everything but ASCII letters and digits as `-`.
fn anchor(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn matrix(e: &Evidence<'_>) -> Markup {
    html! {
        h2 { "Compliance matrix" }
        @if e.matrix.is_empty() {
            p { "No policy of this run cites a standard clause." }
        } @else {
            @for group in &e.matrix {
                h3 { (group.standard) }
                table {
                    thead { tr {
                        th { "clause" } th { "policies" }
                        @for plan in &e.plans { th { code { (plan.name) } } }
                    } }
                    tbody {
                        @for row in &group.rows {
                            tr {
                                td { (row.clause)
                                    @if !row.notes.is_empty() {
                                        " " span class="muted" { "(" (row.notes.join("; ")) ")" }
                                    }
                                }
                                td { @for (i, id) in row.policies.iter().enumerate() {
                                    @if i > 0 { ", " } code { (id) } } }
                                @for cell in &row.cells { td class="cell" { (badge(*cell)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn policy_row(row: &PolicyRow<'_>) -> Markup {
    let severity = row.policy.severity.as_str();
    html! {
        tr {
            td class="nowrap" { code { (row.policy.id) } }
            td class={ "nowrap sev-" (severity) } { (severity) }
            td { (rich(&row.policy.title)) }
            td { (badge(row.status)) }
            td {
                @if !row.findings.is_empty() || !row.errors.is_empty() {
                    ul class="findings" {
                        @for f in &row.findings { (finding_item(f)) }
                        @for err in &row.errors { li { "evaluation failed: " (err) } }
                    }
                }
            }
        }
    }
}

fn plan_section(plan: &PlanEvidence<'_>) -> Markup {
    html! {
        section class="plan" id={ "plan-" (anchor(plan.name)) } {
            h2 { "Plan " code { (plan.name) } }
            @if let Some(err) = &plan.load_error {
                p { span class="badge error" { "not checked" } " " (err) }
            } @else {
                p class="counts muted" {
                    (plan.documents) " plan document(s); "
                    (plan.failed()) " failed, "
                    (plan.count(Status::Waived)) " waived, "
                    (plan.count(Status::Baselined)) " baselined, "
                    (plan.count(Status::Passed)) " passed, "
                    (plan.count(Status::NotApplicable)) " not applicable"
                }
                @if !plan.packs.is_empty() {
                    p class="packs muted" {
                        "Packs: "
                        @for (i, (pack, why)) in plan.packs.iter().enumerate() {
                            @if i > 0 { "; " }
                            code { (pack) } " (" (why) ")"
                        }
                    }
                }
                table class="policies" {
                    colgroup { col class="id"; col class="sev"; col class="title"; col class="outcome"; col; }
                    thead { tr { th { "policy" } th { "severity" } th { "title" } th { "outcome" } th { "details" } } }
                    tbody { @for row in &plan.rows { (policy_row(row)) } }
                }
            }
        }
    }
}

fn exception_badge(status: waiver::Status) -> Markup {
    let class = match status {
        waiver::Status::InForce => "passed",
        waiver::Status::Expired | waiver::Status::NoReason => "failed",
        waiver::Status::Unused => "waived",
        waiver::Status::NotInScope => "not-applicable",
    };
    html! { span class={ "badge " (class) } { (status.as_str()) } }
}

fn exceptions(e: &Evidence<'_>, ex: &Exceptions) -> Markup {
    html! {
        h2 { "Exceptions" }
        p { "Source: " (e.exceptions_source) "." }
        @if !ex.entries.is_empty() {
            table {
                thead { tr { th { "policy" } th { "files" } th { "path" } th { "justification" } th { "owner" }
                    th { "approved by" } th { "ticket" } th { "expires" } th { "status" } th { "matched" } } }
                tbody {
                    @for entry in &ex.entries {
                        @let x = &entry.exception;
                        tr {
                            td class="nowrap" { code { (x.policy) } }
                            td { @for f in &x.files { code { (f) } " " } }
                            td { @if let Some(p) = &x.path { code { (p.to_string()) } } }
                            td { (x.justification) }
                            td { (x.owner) }
                            td { (x.approved_by) }
                            td { (x.ticket.as_deref().unwrap_or("")) }
                            td class="nowrap" { (x.expires) }
                            td { (exception_badge(entry.status)) }
                            td { (entry.matched) }
                        }
                    }
                }
            }
        }
        @if !ex.inline.is_empty() {
            p { "Inline comments:" }
            table {
                thead { tr { th { "plan" } th { "line" } th { "policies" } th { "reason" } th { "status" } th { "matched" } } }
                tbody {
                    @for entry in &ex.inline {
                        tr {
                            td { code { (entry.file) } }
                            td { (entry.directive.line) }
                            td { (entry.directive.policies.join(", ")) }
                            td { (entry.directive.reason) }
                            td { (exception_badge(entry.status)) }
                            td { (entry.matched) }
                        }
                    }
                }
            }
        }
        @if ex.entries.is_empty() && ex.inline.is_empty() { p { "None." } }
    }
}

/// Geometry of the timeline, in SVG user units (pixels at 100%).
const LABEL_CHARS: usize = 44;
const COLUMN: usize = 84;
const ROW: usize = 26;
const HEAD: usize = 30;

/// A plan name that fits the label column: at most [`LABEL_CHARS`] characters, `...` in between.
fn short_label(name: &str) -> String {
    let count = name.chars().count();
    if count <= LABEL_CHARS {
        return name.to_string();
    }
    let keep = LABEL_CHARS - 1;
    let head: String = name.chars().take(keep / 2).collect();
    let tail: String = name.chars().skip(count - (keep - keep / 2)).collect();
    format!("{head}\u{2026}{tail}")
}

/// One cell of the timeline: a box with its count, its full meaning as a tooltip.
fn timeline_cell(x: usize, y: usize, count: usize, lapsed: bool, tooltip: &str) -> Markup {
    let (fill, ink) = if lapsed {
        ("#b42318", "#ffffff")
    } else {
        ("#fedf89", "#101828")
    };
    html! {
        g {
            title { (tooltip) }
            rect x=(x + 8) y=(y + 4) width=(COLUMN - 16) height=(ROW - 8) rx="4" fill=(fill) {}
            text x=(x + COLUMN / 2) y=(y + ROW / 2 + 4) text-anchor="middle" fill=(ink) font-weight="600" { (count) }
        }
    }
}

/// The inline SVG timeline: a row per plan, a column of lapsed (overdue) findings in red, then one
/// column per month of the window with the obligations falling due in it. No script; every
/// number is also text, and the table below lists each obligation.
fn timeline(u: &crate::report::Upcoming) -> Markup {
    let t = upcoming::timeline(u);
    let longest = t
        .rows
        .iter()
        .map(|r| short_label(r.plan).chars().count())
        .max()
        .unwrap_or(0);
    let label = (longest * 7 + 16).max(120);
    let width = label + COLUMN * (1 + t.months.len());
    let height = HEAD + ROW * t.rows.len() + 4;
    let summary = upcoming::headline(u);
    html! {
        svg class="timeline" xmlns="http://www.w3.org/2000/svg" role="img"
            width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) }
            aria-labelledby="upcoming-timeline-title upcoming-timeline-desc"
            font-family="-apple-system, 'Segoe UI', Roboto, Arial, sans-serif" font-size="12" {
            title id="upcoming-timeline-title" { "Obligations per plan and month, as of " (u.start) }
            desc id="upcoming-timeline-desc" {
                (summary) " Lapsed (overdue) findings are in the red column; each other column counts "
                "the obligations falling due in that month."
            }
            text x="4" y="19" font-weight="600" { "plan" }
            text x=(label + COLUMN / 2) y="19" text-anchor="middle" font-weight="600" fill="#b42318" { "overdue" }
            @for (i, month) in t.months.iter().enumerate() {
                text x=(label + COLUMN * (i + 1) + COLUMN / 2) y="19" text-anchor="middle" font-weight="600" {
                    (month.label())
                }
            }
            line x1="0" y1=(HEAD - 4) x2=(width) y2=(HEAD - 4) stroke="#d0d5dd" {}
            @for (r, row) in t.rows.iter().enumerate() {
                @let y = HEAD + ROW * r;
                g {
                    text x="4" y=(y + ROW / 2 + 4) {
                        title { (row.plan) }
                        (short_label(row.plan))
                    }
                    @if row.overdue > 0 {
                        (timeline_cell(label, y, row.overdue, true,
                            &format!("{}: {} overdue (lapsed)", row.plan, row.overdue)))
                    }
                    @for (m, count) in row.months.iter().enumerate() {
                        @if *count > 0 {
                            (timeline_cell(label + COLUMN * (m + 1), y, *count, false,
                                &format!("{}: {} due in {}", row.plan, count, t.months[m].label())))
                        }
                    }
                    line x1="0" y1=(y + ROW) x2=(width) y2=(y + ROW) stroke="#eaecf0" {}
                }
            }
        }
    }
}

/// What lapses within the due window: the timeline and a table of every obligation.
fn upcoming_section(e: &Evidence<'_>) -> Markup {
    html! {
        @if let Some(u) = e.upcoming {
            section class="upcoming" id="upcoming" {
                h2 { "Upcoming" }
                p { "What lapses next (" code { "bcpcheck due" } "). " (upcoming::headline(u)) }
                @if u.obligations.is_empty() {
                    p { "Nothing lapses within the window." }
                } @else {
                    figure { (timeline(u)) }
                    table class="upcoming" {
                        thead { tr { th { "date" } th { "plan" } th { "policy" } th { "severity" } th { "item" }
                            th { "what to do" } } }
                        tbody {
                            @for o in &u.obligations {
                                tr {
                                    td class="nowrap" {
                                        @if o.kind == Kind::Overdue {
                                            span class="badge failed" { (upcoming::when(o)) }
                                        } @else { (upcoming::when(o)) }
                                    }
                                    td { code { (o.file) } }
                                    td class="nowrap" { code { (o.policy) } }
                                    td class={ "nowrap sev-" (o.severity.as_str()) } { (o.severity.as_str()) }
                                    td { (upcoming::item(o)) }
                                    td { (rich(o.help.as_deref().unwrap_or(""))) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn problems(e: &Evidence<'_>) -> Markup {
    html! {
        @if !(e.problems.is_empty() && e.notices.is_empty() && e.skipped.is_empty()) {
            h2 { "Problems and notes" }
            ul {
                @for p in &e.problems { li { span class="badge error" { "error" } " " code { (p.code) } ": " (p.message) } }
                @for n in &e.notices { li { span class="badge waived" { "warning" } " " code { (n.code) } ": " (n.message) } }
                @for (file, reason) in &e.skipped { li { "skipped " code { (file) } ": " (reason) } }
            }
        }
    }
}

fn portfolio(e: &Evidence<'_>) -> Markup {
    let Some(portfolio) = e.portfolio else {
        return html! {};
    };
    let files = |files: &[String]| {
        html! { @for (i, f) in files.iter().enumerate() { @if i > 0 { ", " } code { (f) } } }
    };
    html! {
        h2 { "Portfolio" }
        h3 { "BIA coverage" }
        table {
            thead { tr { th { "process" } th { "name" } th { "tier" } th { "BIA" } th { "covered by" } } }
            tbody {
                @for row in &portfolio.coverage {
                    tr {
                        td { code { (row.process) } }
                        td { (row.name.as_deref().unwrap_or("")) }
                        td { @if let Some(tier) = row.tier { (tier) } }
                        td { code { (row.bia) } }
                        @if !row.plans.is_empty() {
                            td { (files(&row.plans)) }
                        } @else if row.critical {
                            td class="failed" { "not covered (critical)" }
                        } @else {
                            td class="muted" { "not covered" }
                        }
                    }
                }
            }
        }
        h3 { "Provider concentration" }
        table {
            thead { tr { th { "provider" } th { "name" } th { "register" } th { "plans" } th { "critical processes" } } }
            tbody {
                @for row in &portfolio.providers {
                    tr {
                        td { code { (row.provider) } }
                        td { (row.name.as_deref().unwrap_or("")) }
                        td { code { (row.register) } }
                        td { (row.plans.len()) @if !row.plans.is_empty() { ": " (files(&row.plans)) } }
                        td {
                            (row.critical.len())
                            @for (i, (plan, process)) in row.critical.iter().enumerate() {
                                @if i == 0 { ": " } @else { ", " }
                                code { (process) } " " span class="muted" { "(" (plan) ")" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Renders the evidence report as one HTML document.
pub fn render(report: &crate::report::Report) -> String {
    let e = evidence::gather(report);
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content={ "bcpcheck " (e.version) };
                title { "bcpcheck evidence report, as of " (e.as_of) }
                style { (PreEscaped(CSS)) }
            }
            body {
                (header(&e))
                (plan_list(&e))
                (upcoming_section(&e))
                (matrix(&e))
                (portfolio(&e))
                @for plan in &e.plans { (plan_section(plan)) }
                (exceptions(&e, e.exceptions))
                (problems(&e))
            }
        }
    };
    let mut text = page.into_string();
    text.push('\n');
    text
}
