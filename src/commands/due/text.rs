//! The text forms of a `due` run: the timeline (human and concise), json and markdown.

use std::fmt::Write as _;

use serde_json::json;

pub use crate::render::upcoming::item;
use crate::run::due::{Due, Kind, Obligation};

/// Version of the json form; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

/// Plan, policy, what is found and what to do, one per line (the iCalendar description).
pub fn describe(o: &Obligation) -> String {
    let mut text = format!("Plan: {}\nPolicy: {} ({})\n", o.file, o.policy, o.title);
    let _ = writeln!(text, "Item: {}", item(o));
    if let Some(until) = o.until {
        let _ = writeln!(text, "Holds until: {until}");
    }
    if let Some(help) = &o.help {
        let _ = writeln!(text, "What to do: {help}");
    }
    text.trim_end().to_string()
}

/// The date column: `overdue` for findings present at the start.
fn when(o: &Obligation) -> String {
    match o.kind {
        Kind::Overdue => "overdue".into(),
        _ => o.date.to_string(),
    }
}

/// The plans in order, each with its obligations (already sorted by plan, then date).
fn by_plan(due: &Due) -> Vec<(&str, Vec<&Obligation>)> {
    let mut plans: Vec<(&str, Vec<&Obligation>)> = Vec::new();
    for o in &due.obligations {
        match plans.last_mut() {
            Some((file, list)) if *file == o.file => list.push(o),
            _ => plans.push((&o.file, vec![o])),
        }
    }
    plans
}

/// Counts of overdue, upcoming, expiring exceptions and expiring baseline entries.
fn counts(due: &Due) -> [usize; 4] {
    let count = |k| due.obligations.iter().filter(|o| o.kind == k).count();
    [
        count(Kind::Overdue),
        count(Kind::Upcoming),
        count(Kind::ExceptionExpires),
        count(Kind::BaselineExpires),
    ]
}

/// The headline: the window and what is in it.
fn headline(due: &Due) -> String {
    let [overdue, upcoming, exceptions, baseline] = counts(due);
    let baseline = if baseline > 0 {
        format!(", {baseline} baseline entr(y/ies) expiring")
    } else {
        String::new()
    };
    format!(
        "Due from {} to {} ({} days): {upcoming} upcoming, {overdue} overdue, {exceptions} \
         exception(s) expiring{baseline}",
        due.start,
        due.end,
        (due.end - due.start).num_days()
    )
}

/// The timeline: per plan, one obligation per line with what to do under it.
pub fn human(due: &Due) -> String {
    let mut out = String::new();
    for (file, list) in by_plan(due) {
        let _ = writeln!(out, "{file}");
        for o in list {
            let until = o.until.map(|u| format!(" (until {u})")).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:<10}  {:<7}  {}  {}{until}",
                when(o),
                o.severity.as_str(),
                o.policy,
                item(o)
            );
            if let Some(help) = &o.help {
                let _ = writeln!(out, "              -> {help}");
            }
        }
        out.push('\n');
    }
    out.push_str(&headline(due));
    out.push('\n');
    if let Some(note) = probed_note(due) {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

/// What to know when some policies could not be followed day by day.
fn probed_note(due: &Due) -> Option<String> {
    (!due.probed.is_empty()).then(|| {
        format!(
            "{} use `now` in a way the timeline search cannot follow, so they were probed every \
             {} day(s): a finding of theirs that lasts less than that can be missed (`--step 1d` \
             sees every day)",
            due.probed.join(", "),
            due.step
        )
    })
}

/// One line per obligation: `plan: date policy item -- what to do`.
pub fn concise(due: &Due) -> String {
    let mut out = String::new();
    for o in &due.obligations {
        let help = o
            .help
            .as_deref()
            .map(|h| format!(" -- {h}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}: {} {} {}{help}",
            o.file,
            when(o),
            o.policy,
            item(o)
        );
    }
    out
}

/// The json form (see README, "What lapses next").
pub fn json(due: &Due) -> String {
    let [overdue, upcoming, exceptions, baseline] = counts(due);
    let obligations: Vec<serde_json::Value> = due
        .obligations
        .iter()
        .map(|o| {
            json!({
                "kind": o.kind.as_str(),
                "date": o.date.to_string(),
                "until": o.until.map(|u| u.to_string()),
                "file": o.file,
                "policy": o.policy,
                "title": o.title,
                "severity": o.severity.as_str(),
                "path": o.target,
                "message": o.message,
                "help": o.help,
                "fingerprint": o.fingerprint,
            })
        })
        .collect();
    let value = json!({
        "version": JSON_VERSION,
        "start": due.start.to_string(),
        "end": due.end.to_string(),
        "stepDays": due.step,
        "probedPolicies": due.probed,
        "summary": {
            "overdue": overdue,
            "upcoming": upcoming,
            "exceptionsExpiring": exceptions,
            "baselineEntriesExpiring": baseline,
        },
        "obligations": obligations,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// Escapes a markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The markdown form: per plan, a table sorted by date.
pub fn markdown(due: &Due) -> String {
    let mut out = format!("# What lapses next\n\n{}\n", headline(due));
    if let Some(note) = probed_note(due) {
        let _ = writeln!(out, "\n> Note: {note}");
    }
    for (file, list) in by_plan(due) {
        let _ = writeln!(out, "\n## `{file}`\n");
        out.push_str("| Date | Policy | Item | What to do |\n|---|---|---|---|\n");
        for o in list {
            let _ = writeln!(
                out,
                "| {} | {} ({}) | {} | {} |",
                when(o),
                o.policy,
                o.severity.as_str(),
                cell(&item(o)),
                cell(o.help.as_deref().unwrap_or(""))
            );
        }
    }
    out
}
