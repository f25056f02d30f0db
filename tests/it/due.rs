//! `bcpcheck due` (issue 18): plans whose review, exercise, evidence and exception dates fall at
//! known days inside and outside a window; the exact first day of each obligation, a policy that
//! is not monotone in time, and every output format.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::support::{bcpcheck_in, root};

/// A plan whose next review is 2027-02-14 and whose exercises are planned on known days.
const REVIEW_PLAN: &str = "\
apiVersion: bcp/v1
kind: ContinuityPlan
metadata:
  id: BCP-T-001
  title: Review and exercises
  owner: PER-A
  next_review: 2027-02-14
exercises:
  - {id: EX-1, date: 2027-03-01, type: tabletop}
  - {id: EX-2, date: 2027-05-20, type: tabletop}
  - {id: EX-3, date: 2027-01-13, type: tabletop}
  - {id: EX-4, date: 2027-02-10, type: tabletop, scope: [P-A]}
";

/// A plan whose evidence is dated inside, before and after a 180-day freshness limit.
const EVIDENCE_PLAN: &str = "\
apiVersion: bcp/v1
kind: ContinuityPlan
metadata:
  id: BCP-T-002
  title: Evidence
  owner: PER-NONE
  next_review: 2028-01-01
evidence:
  - {id: EV-OLD, type: other, title: Old, date: 2026-01-01}
  - {id: EV-MID, type: other, title: Mid, date: 2026-10-01}
  - {id: EV-NEW, type: other, title: New, date: 2026-12-20}
";

/// Team policies: a review date (monotone), an exercise about to happen without a scope (true
/// only in the 14 days before the exercise: not monotone), evidence freshness (monotone), a
/// short 3-day window (not monotone, shorter than a 7-day step) and one that does not read `now`.
const POLICIES: &str = "\
id: TEAM-REVIEW-001
title: The next review date has not passed
severity: error
kinds: [ContinuityPlan]
select: metadata
rule: date(self.next_review) >= now
message: next review date has passed
help: review and approve the plan, then set the next review date
---
id: TEAM-EX-001
title: An exercise planned within the next 14 days has a scope
severity: warning
kinds: [ContinuityPlan]
select: exercises[*]
rule: has(self.scope) || !(date(self.date) > now && date(self.date) - now <= duration('336h'))
message: exercise planned within 14 days has no scope
help: list the processes in the exercise's scope
---
id: TEAM-EV-001
title: Evidence is at most 180 days old
severity: warning
kinds: [ContinuityPlan]
select: evidence[*]
rule: now - date(self.date) <= duration('4320h')
message: evidence is older than 180 days
help: renew the evidence
---
id: TEAM-SHORT-001
title: Three days before an exercise, its scope is confirmed
severity: info
kinds: [ContinuityPlan]
select: exercises[*]
rule: has(self.scope) || !(date(self.date) > now && date(self.date) - now <= duration('72h'))
message: exercise in three days has no confirmed scope
help: confirm the scope
---
id: TEAM-OWNER-001
title: The plan is owned
severity: warning
kinds: [ContinuityPlan]
select: metadata
rule: self.owner != 'PER-NONE'
message: the plan has no owner
help: name the owner
";

/// Exceptions: one expiring inside the window, one outside it.
const EXCEPTIONS: &str = "\
exceptions:
  - policy: TEAM-OWNER-001
    files: [plans/evidence.yaml]
    justification: Owner being appointed
    owner: Lena
    approvedBy: COO
    expires: 2027-02-01
  - policy: TEAM-EV-001
    files: [plans/evidence.yaml]
    path: evidence[1]
    justification: Auditor accepts the older report
    owner: Lena
    approvedBy: COO
    expires: 2027-12-31
";

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("plans/review.yaml", REVIEW_PLAN);
    write("plans/evidence.yaml", EVIDENCE_PLAN);
    write("policies/team.yaml", POLICIES);
    write("exceptions.yaml", EXCEPTIONS);
    dir
}

/// Runs `due` with the team policies from 2027-01-01.
fn due(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec![
        "due",
        "--no-default-packs",
        "--policy",
        "policies",
        "--as-of",
        "2027-01-01",
    ];
    if !args.contains(&"--no-exceptions") {
        all.extend(["--exceptions", "exceptions.yaml"]);
    }
    all.extend_from_slice(args);
    bcpcheck_in(dir, &all)
}

fn due_json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = due(dir, &all);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

/// `kind date until file policy path` per obligation.
fn lines(report: &Value) -> BTreeSet<String> {
    report["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{} {} {} {} {} {}",
                o["kind"].as_str().unwrap(),
                o["date"].as_str().unwrap(),
                o["until"].as_str().unwrap_or("-"),
                o["file"].as_str().unwrap(),
                o["policy"].as_str().unwrap(),
                o["path"].as_str().unwrap(),
            )
        })
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn every_obligation_has_its_exact_first_day() {
    let ws = workspace();
    let report = due_json(ws.path(), &["--within", "90d", "plans"]);
    assert_eq!(report["version"], 1);
    assert_eq!(report["start"], "2027-01-01");
    assert_eq!(report["end"], "2027-04-01");
    assert_eq!(
        lines(&report),
        set(&[
            // Present on the start day: overdue.
            "overdue 2027-01-01 - plans/evidence.yaml TEAM-EV-001 evidence[0].date",
            "overdue 2027-01-01 - plans/review.yaml TEAM-EX-001 exercises[2].scope",
            // The day after the next review date.
            "upcoming 2027-02-15 - plans/review.yaml TEAM-REVIEW-001 metadata.next_review",
            // Not monotone: from 14 days before EX-1 (2027-03-01) to the day before it.
            "upcoming 2027-02-15 2027-02-28 plans/review.yaml TEAM-EX-001 exercises[0].scope",
            // Three days before EX-3 and before EX-1: spells shorter than a week, each dated.
            "upcoming 2027-01-10 2027-01-12 plans/review.yaml TEAM-SHORT-001 exercises[2].scope",
            "upcoming 2027-02-26 2027-02-28 plans/review.yaml TEAM-SHORT-001 exercises[0].scope",
            // An exception expiring inside the window: the unowned plan it waives is not overdue,
            // the exception's last day is the date to watch.
            "exception-expires 2027-02-01 - plans/evidence.yaml TEAM-OWNER-001 ",
        ])
    );
    // EV-MID (2026-10-01) turns 181 days old on 2027-03-31, but an exception covers it through
    // 2027-12-31; EV-NEW (2026-12-20) lapses on 2027-06-18, outside the window; EX-2 (2027-05-20)
    // is outside; EX-4 has a scope; the exception expiring after the window is not listed.
}

#[test]
fn a_wider_window_dates_what_lies_beyond_the_first() {
    let ws = workspace();
    let report = due_json(ws.path(), &["--within", "365d", "--no-exceptions", "plans"]);
    let lines = lines(&report);
    for expected in [
        "upcoming 2027-03-31 - plans/evidence.yaml TEAM-EV-001 evidence[1].date",
        "upcoming 2027-06-19 - plans/evidence.yaml TEAM-EV-001 evidence[2].date",
        "upcoming 2027-05-06 2027-05-19 plans/review.yaml TEAM-EX-001 exercises[1].scope",
        // Without exceptions the unowned plan is overdue, and no exception is listed.
        "overdue 2027-01-01 - plans/evidence.yaml TEAM-OWNER-001 metadata.owner",
    ] {
        assert!(lines.contains(expected), "{expected} not in {lines:#?}");
    }
    assert!(!lines.iter().any(|l| l.starts_with("exception-expires")));
}

#[test]
fn the_step_changes_nothing_when_the_timeline_follows_every_policy() {
    let ws = workspace();
    // Every team policy compares `now` with dates and durations: the timeline search follows
    // them from change to change, so no policy is probed and the step does not matter.
    let coarse = due_json(ws.path(), &["--within", "90d", "plans"]);
    assert_eq!(coarse["probedPolicies"], serde_json::json!([]));
    for step in ["1d", "30d", "90d"] {
        let other = due_json(ws.path(), &["--within", "90d", "--step", step, "plans"]);
        assert_eq!(lines(&other), lines(&coarse), "--step {step}");
    }
}

/// Policies whose use of `now` the timeline search cannot follow (calendar fields): the last
/// month of each quarter (March: a 31-day spell), and pay day, the 15th of each month (1-day
/// spells).
const CALENDAR_POLICIES: &str = "\
id: TEAM-QUARTER-001
title: In the last month of a quarter, the plan has a quarter report
severity: info
kinds: [ContinuityPlan]
select: metadata
rule: has(self.quarter_report) || !(now.getMonth() in [2, 5, 8, 11])
message: no quarter report in the last month of the quarter
help: attach the quarter report
---
id: TEAM-PAYDAY-001
title: On pay day the payroll check is recorded
severity: info
kinds: [ContinuityPlan]
select: metadata
rule: has(self.payroll_check) || now.getDate() != 15
message: no payroll check on pay day
help: record the payroll check
";

#[test]
fn a_policy_the_timeline_cannot_follow_is_probed_and_bisected() {
    let ws = workspace();
    std::fs::write(ws.path().join("policies/team.yaml"), CALENDAR_POLICIES).unwrap();
    let args = ["--within", "120d", "--no-exceptions", "plans/review.yaml"];
    let coarse = due_json(ws.path(), &args);
    assert_eq!(
        coarse["probedPolicies"],
        serde_json::json!(["TEAM-PAYDAY-001", "TEAM-QUARTER-001"])
    );
    // Probes every 7 days from 2027-01-01 (01-08, 01-15, ...): March is seen by the probes of
    // 03-05 to 03-26 and bisected to its exact first and last days; of the pay days only
    // 01-15 falls on a probe, so the spell is dated 01-15 and the later ones are missed.
    assert_eq!(
        lines(&coarse),
        set(&[
            "upcoming 2027-01-15 2027-01-15 plans/review.yaml TEAM-PAYDAY-001 metadata.payroll_check",
            "upcoming 2027-03-01 2027-03-31 plans/review.yaml TEAM-QUARTER-001 metadata.quarter_report",
        ])
    );
    // A 1-day step sees every pay day: the finding holds until the last one in the window.
    let mut fine = args.to_vec();
    fine.extend(["--step", "1d"]);
    assert_eq!(
        lines(&due_json(ws.path(), &fine)),
        set(&[
            "upcoming 2027-01-15 2027-04-15 plans/review.yaml TEAM-PAYDAY-001 metadata.payroll_check",
            "upcoming 2027-03-01 2027-03-31 plans/review.yaml TEAM-QUARTER-001 metadata.quarter_report",
        ])
    );
    // The timeline says which policies were probed and what that means.
    let (code, out, err) = due(ws.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("note: TEAM-PAYDAY-001, TEAM-QUARTER-001 use `now` in a way the timeline"),
        "{out}"
    );
}

#[test]
fn a_baselined_finding_is_not_due() {
    let ws = workspace();
    let written = ["--write-baseline", "baseline.json", "plans"];
    let (code, _, err) = check(
        ws.path(),
        &[&["--as-of", "2027-03-01"], &written[..]].concat(),
    );
    assert!(code <= 1, "{err}");
    let report = due_json(ws.path(), &["--baseline", "baseline.json", "plans"]);
    let lines = lines(&report);
    assert!(
        !lines.iter().any(|l| l.contains("TEAM-REVIEW-001")),
        "{lines:#?}"
    );
}

/// Runs `check` with the team policies and no exceptions.
fn check(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec![
        "check",
        "--no-default-packs",
        "--policy",
        "policies",
        "--no-exceptions",
    ];
    all.extend_from_slice(args);
    bcpcheck_in(dir, &all)
}

/// The `(policy, path, expires)` of each entry of a baseline file.
fn entries(dir: &Path, file: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let baseline: Value = serde_json::from_str(&text).unwrap();
    baseline["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["policy"].as_str().unwrap(),
                e["path"].as_str().unwrap(),
                e["expires"].as_str().unwrap_or("never"),
            )
        })
        .collect()
}

#[test]
fn a_baseline_entry_that_expires_in_the_window_is_due_and_its_finding_counts_again_after() {
    let ws = workspace();
    let written = ["--write-baseline", "baseline.json", "plans"];
    let (code, _, err) = check(
        ws.path(),
        &[
            &["--as-of", "2027-03-01", "--baseline-expires", "9d"],
            &written[..],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        entries(ws.path(), "baseline.json"),
        set(&[
            "TEAM-EV-001 evidence[0].date 2027-03-10",
            "TEAM-OWNER-001 metadata.owner 2027-03-10",
            "TEAM-REVIEW-001 metadata.next_review 2027-03-10",
        ])
    );

    // The json of a check says until when each baselined finding is accepted.
    let (_, out, _) = check(
        ws.path(),
        &[
            "--as-of",
            "2027-03-05",
            "--baseline",
            "baseline.json",
            "--format",
            "json",
            "plans",
        ],
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    let suppressions: BTreeSet<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["suppression"].to_string())
        .collect();
    assert_eq!(
        suppressions,
        set(&[r#"{"expires":"2027-03-10","kind":"baseline"}"#]),
        "{out}"
    );

    // Accepted through 2027-03-10; from the day after, the findings count again.
    let on = |day: &str| {
        check(
            ws.path(),
            &["--as-of", day, "--baseline", "baseline.json", "plans"],
        )
    };
    let (code, out, err) = on("2027-03-10");
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("expired"), "{out}");
    let (code, out, _) = on("2027-03-11");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("next review date has passed"), "{out}");
    assert!(
        out.contains("3 baseline entries expired (their findings count again)"),
        "{out}"
    );

    // `due` lists the expiry as the date to watch, not the findings it accepts until then (the
    // review lapses on 2027-02-15, inside the entry's term).
    let report = due_json(
        ws.path(),
        &["--no-exceptions", "--baseline", "baseline.json", "plans"],
    );
    assert_eq!(report["summary"]["baselineEntriesExpiring"], 3);
    assert_eq!(
        lines(&report),
        set(&[
            "overdue 2027-01-01 - plans/review.yaml TEAM-EX-001 exercises[2].scope",
            "upcoming 2027-02-15 2027-02-28 plans/review.yaml TEAM-EX-001 exercises[0].scope",
            "upcoming 2027-01-10 2027-01-12 plans/review.yaml TEAM-SHORT-001 exercises[2].scope",
            "upcoming 2027-02-26 2027-02-28 plans/review.yaml TEAM-SHORT-001 exercises[0].scope",
            "upcoming 2027-03-31 - plans/evidence.yaml TEAM-EV-001 evidence[1].date",
            "baseline-expires 2027-03-10 - plans/evidence.yaml TEAM-EV-001 evidence[0].date",
            "baseline-expires 2027-03-10 - plans/evidence.yaml TEAM-OWNER-001 metadata.owner",
            "baseline-expires 2027-03-10 - plans/review.yaml TEAM-REVIEW-001 metadata.next_review",
        ])
    );
    let (code, out, err) = due(
        ws.path(),
        &["--no-exceptions", "--baseline", "baseline.json", "plans"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "2027-03-10  error    TEAM-REVIEW-001  metadata.next_review: baseline entry \
                      expires: next review date has passed"
        ),
        "{out}"
    );
    assert!(out.contains(", 3 baseline entr(y/ies) expiring"), "{out}");
    let (_, ics, _) = due(
        ws.path(),
        &[
            "--no-exceptions",
            "--baseline",
            "baseline.json",
            "--format",
            "ics",
            "plans",
        ],
    );
    assert!(
        ics.contains("SUMMARY:Baseline entry expires: TEAM-REVIEW-001 metadata.next_review"),
        "{ics}"
    );

    // Rewriting the baseline keeps each entry's expiry; only new findings get the new one.
    let (code, out, _) = check(
        ws.path(),
        &[
            &["--as-of", "2027-03-31", "--baseline", "baseline.json"][..],
            &["--baseline-expires", "2027-12-31"],
            &written,
        ]
        .concat(),
    );
    assert_eq!(code, 1, "the expired entries still count: {out}");
    assert_eq!(
        entries(ws.path(), "baseline.json"),
        set(&[
            "TEAM-EV-001 evidence[0].date 2027-03-10",
            "TEAM-EV-001 evidence[1].date 2027-12-31",
            "TEAM-OWNER-001 metadata.owner 2027-03-10",
            "TEAM-REVIEW-001 metadata.next_review 2027-03-10",
        ])
    );
}

#[test]
fn a_bad_baseline_expiry_is_a_usage_error() {
    let ws = workspace();
    let (code, _, err) = check(
        ws.path(),
        &[
            "--write-baseline",
            "b.json",
            "--baseline-expires",
            "soon",
            "plans",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("--baseline-expires `soon` is neither a date (YYYY-MM-DD) nor a period"),
        "{err}"
    );
    assert!(!ws.path().join("b.json").exists());
    let (code, _, err) = check(ws.path(), &["--baseline-expires", "90d", "plans"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--write-baseline"), "{err}");
}

#[test]
fn the_timeline_groups_by_plan_and_says_what_to_do() {
    let ws = workspace();
    let (code, out, err) = due(ws.path(), &["plans"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("due_human", out);
    let (_, concise, _) = due(ws.path(), &["--format", "concise", "plans"]);
    insta::assert_snapshot!("due_concise", concise);
    let (_, markdown, _) = due(ws.path(), &["--format", "markdown", "plans"]);
    insta::assert_snapshot!("due_markdown", markdown);
}

#[test]
fn ics_has_one_stable_all_day_event_per_obligation() {
    let ws = workspace();
    let (code, ics, err) = due(ws.path(), &["--format", "ics", "plans"]);
    assert_eq!(code, 0, "{err}");
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    // Every line ends with CRLF and none is longer than 75 octets (RFC 5545 3.1).
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "line too long: {line:?}");
        assert!(!line.contains('\n'));
    }
    let report = due_json(ws.path(), &["plans"]);
    let events = ics.matches("BEGIN:VEVENT").count();
    assert_eq!(events, report["obligations"].as_array().unwrap().len());
    assert!(ics.contains("DTSTART;VALUE=DATE:20270215\r\n"));
    assert!(ics.contains("DTEND;VALUE=DATE:20270216\r\n"));
    // Commas and semicolons in text are escaped.
    assert!(ics.contains("\\,") || ics.contains("\\;"));
    // The same run gives the same UIDs: a re-import updates.
    let (_, again, _) = due(ws.path(), &["--format", "ics", "plans"]);
    assert_eq!(ics, again);
    insta::assert_snapshot!("due_ics", ics.replace("\r\n", "\n"));
}

#[test]
fn built_in_packs_date_the_example_plan() {
    let (code, out, err) = bcpcheck_in(
        &root(),
        &[
            "due",
            "--as-of",
            "2026-12-06",
            "--within",
            "365d",
            "--format",
            "json",
            "fixtures/plans/payments-plan.yaml",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let lines = lines(&serde_json::from_str(&out).unwrap());
    let file = "fixtures/plans/payments-plan.yaml";
    for expected in [
        // next_review: 2027-09-15.
        format!("upcoming 2027-09-16 - {file} BCP-META-004 metadata.next_review"),
        // restore test of BK-CORE: 2026-05-20.
        format!("upcoming 2027-05-21 - {file} BCP-BAK-004 backups[0].restore_test"),
        // provider evidence: 2026-06-10.
        format!("upcoming 2027-06-11 - {file} BCP-DEP-011 providers[0].continuity_evidence"),
    ] {
        assert!(lines.contains(&expected), "{expected} not in {lines:#?}");
    }
}

#[test]
fn bad_windows_are_usage_errors() {
    let ws = workspace();
    for (flag, value) in [("--within", "soon"), ("--within", "36h"), ("--step", "0d")] {
        let (code, out, err) = due(ws.path(), &[flag, value, "plans"]);
        assert_eq!(code, 2, "{flag} {value}: {out}");
        assert!(err.contains("is not a period of whole days"), "{err}");
    }
    let (code, _, err) = bcpcheck_in(ws.path(), &["due", "--as-of", "tomorrow", "plans"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a date"), "{err}");
}

#[test]
fn a_plan_that_does_not_load_is_an_error() {
    let ws = workspace();
    std::fs::write(
        ws.path().join("plans/broken.yaml"),
        "apiVersion: bcp/v1\nkind: [\n",
    )
    .unwrap();
    let (code, out, err) = due(ws.path(), &["--format", "json", "plans"]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("broken.yaml"), "{err}");
    // The other plans are still dated.
    let report: Value = serde_json::from_str(&out).unwrap();
    assert!(!report["obligations"].as_array().unwrap().is_empty());
}

#[test]
fn an_unwritable_output_is_an_error_and_a_written_one_matches_stdout() {
    let ws = workspace();
    let (code, _, err) = due(
        ws.path(),
        &[
            "--format",
            "ics",
            "--output",
            "missing/dir/due.ics",
            "plans",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("due.ics"), "{err}");
    let (code, _, err) = due(ws.path(), &["--format", "json", "-o", "due.json", "plans"]);
    assert_eq!(code, 0, "{err}");
    let (_, stdout, _) = due(ws.path(), &["--format", "json", "plans"]);
    assert_eq!(
        std::fs::read_to_string(ws.path().join("due.json")).unwrap(),
        stdout
    );
}

#[test]
fn an_empty_window_lists_only_what_is_overdue_and_no_policy_is_an_error() {
    let ws = workspace();
    let report = due_json(ws.path(), &["--within", "0d", "plans"]);
    let kinds: BTreeSet<&str> = report["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, BTreeSet::from(["overdue"]));
    let (code, _, err) = bcpcheck_in(ws.path(), &["due", "--no-default-packs", "plans"]);
    assert_eq!(code, 2);
    assert!(err.contains("no policy to check against"), "{err}");
}

/// Runs `check` with the team policies and exceptions from 2027-01-01.
fn evidence(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec![
        "check",
        "--no-default-packs",
        "--policy",
        "policies",
        "--exceptions",
        "exceptions.yaml",
        "--as-of",
        "2027-01-01",
    ];
    all.extend_from_slice(args);
    bcpcheck_in(dir, &all)
}

/// The text from the line starting with `from` up to (not including) the next line starting with
/// `to`.
fn section<'t>(text: &'t str, from: &str, to: &str) -> &'t str {
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("no {from} in {text}"));
    let rest = &text[start..];
    let end = rest[from.len()..]
        .find(to)
        .map_or(rest.len(), |e| e + from.len());
    &rest[..end]
}

#[test]
fn the_markdown_evidence_report_lists_what_lapses_in_the_next_90_days() {
    let ws = workspace();
    let (code, out, err) = evidence(ws.path(), &["--format", "markdown", "plans"]);
    assert_eq!(code, 0, "warnings only: {err}");
    insta::assert_snapshot!(
        "evidence_upcoming_markdown",
        section(&out, "## Upcoming", "\n## ")
    );
}

#[test]
fn the_html_evidence_report_has_an_svg_timeline_of_what_lapses() {
    let ws = workspace();
    let (code, out, err) = evidence(ws.path(), &["--format", "html", "plans"]);
    assert_eq!(code, 0, "warnings only: {err}");
    let upcoming = section(&out, "<section class=\"upcoming\"", "<h2>Compliance matrix");
    insta::assert_snapshot!("evidence_upcoming_html", upcoming);
    // The SVG is well-formed XML with a title and a description for screen readers, and no script.
    let svg = section(upcoming, "<svg", "</figure>");
    let mut reader = quick_xml::Reader::from_str(svg);
    reader.config_mut().check_end_names = true;
    let (mut names, mut red, mut depth) = (BTreeSet::new(), 0, 0);
    loop {
        let event = reader.read_event().unwrap_or_else(|e| panic!("{e}: {svg}"));
        let element = match &event {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::End(_) => {
                depth -= 1;
                continue;
            }
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => e.clone(),
            _ => continue,
        };
        let name = String::from_utf8(element.name().as_ref().to_vec()).unwrap();
        let attribute = |key: &str| {
            element
                .attributes()
                .flatten()
                .find(|a| a.key.as_ref() == key.as_bytes())
                .map(|a| String::from_utf8(a.value.to_vec()).unwrap())
        };
        if depth == 0 {
            assert_eq!(name, "svg");
            assert_eq!(
                attribute("xmlns").as_deref(),
                Some("http://www.w3.org/2000/svg")
            );
            assert_eq!(attribute("role").as_deref(), Some("img"));
        }
        if name == "rect" && attribute("fill").as_deref() == Some("#b42318") {
            red += 1;
        }
        if matches!(event, quick_xml::events::Event::Start(_)) {
            depth += 1;
        }
        names.insert(name);
    }
    assert_eq!(depth, 0, "every element is closed");
    assert!(
        names.contains("title") && names.contains("desc"),
        "{names:?}"
    );
    assert!(!names.contains("script") && !names.contains("foreignObject"));
    // The lapsed column: two plans with one overdue finding each, drawn in red.
    assert_eq!(red, 2, "{svg}");
}

#[test]
fn the_upcoming_window_follows_due_within_and_0d_leaves_it_out() {
    let ws = workspace();
    let (_, out, err) = evidence(
        ws.path(),
        &["--format", "markdown", "--due-within", "30d", "plans"],
    );
    assert!(
        out.contains("From 2027-01-01 to 2027-01-31 (30 days): 1 upcoming, 2 overdue, 0 exception(s) expiring."),
        "{err}{out}"
    );
    let (_, out, _) = evidence(
        ws.path(),
        &["--format", "markdown", "--due-within", "0d", "plans"],
    );
    assert!(!out.contains("## Upcoming"), "{out}");
    // Other formats do not compute it.
    let (_, out, _) = evidence(ws.path(), &["--format", "json", "plans"]);
    assert!(!out.contains("upcoming"), "{out}");
    // A bad period is a usage error.
    let (code, _, err) = evidence(
        ws.path(),
        &["--format", "html", "--due-within", "soon", "plans"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("--due-within `soon`"), "{err}");
}

#[test]
fn an_extra_html_report_gets_the_upcoming_section_too() {
    let ws = workspace();
    let (_, _, err) = evidence(
        ws.path(),
        &["--format", "concise", "--report", "html=out.html", "plans"],
    );
    let html = std::fs::read_to_string(ws.path().join("out.html"))
        .unwrap_or_else(|e| panic!("{e}: {err}"));
    assert!(html.contains("<h2>Upcoming</h2>"));
    assert!(html.contains("<svg class=\"timeline\""));
}

/// The fingerprints of the findings `check` reports on `paths` as of `day`.
fn checked_on(day: &str, paths: &[&str]) -> BTreeSet<String> {
    let mut args = vec![
        "check",
        "--as-of",
        day,
        "--format",
        "json",
        "--fail-on",
        "never",
    ];
    args.extend_from_slice(paths);
    let (code, out, err) = bcpcheck_in(&root(), &args);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn what_due_dates_is_what_check_reports_on_that_day_with_every_pack_and_the_portfolio() {
    // The portfolio (a register whose provider evidence lapses, read through the workspace)
    // and the plans of two packs' conditions, over two years of the built-in packs.
    for paths in [&["fixtures/portfolio"][..], &["fixtures/plans"][..]] {
        let mut args = vec!["due", "--as-of", "2026-12-06", "--within", "730d"];
        args.extend(["--format", "json"]);
        args.extend_from_slice(paths);
        let (code, out, err) = bcpcheck_in(&root(), &args);
        assert_eq!(code, 0, "{err}");
        let report: Value = serde_json::from_str(&out).unwrap();
        let upcoming: Vec<&Value> = report["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["kind"] == "upcoming")
            .collect();
        assert!(upcoming.len() >= 10, "{paths:?}: {}", upcoming.len());
        if paths[0] == "fixtures/portfolio" {
            let register: Vec<(&str, &str)> = upcoming
                .iter()
                .filter(|o| o["policy"] == "PORT-PRV-002")
                .map(|o| (o["date"].as_str().unwrap(), o["path"].as_str().unwrap()))
                .collect();
            assert_eq!(
                register,
                [
                    ("2027-05-01", "providers[1].continuity_evidence"),
                    ("2027-06-16", "providers[0].continuity_evidence"),
                ]
            );
        }
        let mut days: BTreeSet<&str> = BTreeSet::new();
        for o in &upcoming {
            days.insert(o["date"].as_str().unwrap());
        }
        for date in days {
            let before =
                chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap() - chrono::Days::new(1);
            let (on, eve) = (
                checked_on(date, paths),
                checked_on(&before.to_string(), paths),
            );
            for o in upcoming.iter().filter(|o| o["date"] == date) {
                let print = o["fingerprint"].as_str().unwrap();
                assert!(
                    on.contains(print),
                    "{} not reported on {date}",
                    o["message"]
                );
                assert!(
                    !eve.contains(print),
                    "{} reported on the eve of {date}",
                    o["message"]
                );
            }
        }
    }
}

/// Two policies with the same variable, which reads `now`: the second reuses the value the
/// first computed as of the same day.
const SHARED_VARIABLE_POLICIES: &str = "\
id: TEAM-A-001
title: Recent exercises are listed
severity: info
kinds: [ContinuityPlan]
variables:
  - name: recent
    expression: doc.exercises.filter(e, now - date(e.date) <= duration('720h'))
rule: size(variables.recent) >= 0
---
id: TEAM-A-002
title: An exercise was held in the last 30 days
severity: warning
kinds: [ContinuityPlan]
variables:
  - name: recent
    expression: doc.exercises.filter(e, now - date(e.date) <= duration('720h'))
rule: size(variables.recent) > 0
message: no exercise in the last 30 days
";

#[test]
fn a_variable_shared_by_two_policies_dates_both() {
    let ws = workspace();
    std::fs::write(
        ws.path().join("policies/team.yaml"),
        SHARED_VARIABLE_POLICIES,
    )
    .unwrap();
    let plan = "\
apiVersion: bcp/v1
kind: ContinuityPlan
metadata: {id: BCP-T-003, title: Shared, owner: PER-A}
exercises:
  - {id: EX-1, date: 2026-12-20, type: tabletop}
";
    std::fs::write(ws.path().join("plans/shared.yaml"), plan).unwrap();
    let report = due_json(
        ws.path(),
        &["--within", "90d", "--no-exceptions", "plans/shared.yaml"],
    );
    // EX-1 is 30 days old on 2027-01-19, more on 2027-01-20.
    assert_eq!(
        lines(&report),
        set(&["upcoming 2027-01-20 - plans/shared.yaml TEAM-A-002 "])
    );
}

#[test]
fn a_policy_that_runs_past_its_budget_on_a_later_day_is_stopped_and_the_rest_is_dated() {
    let ws = workspace();
    // Quick until 2027-01-20; from that day its rule iterates 200^4 times: hours.
    let l = format!(
        "[{}]",
        (0..200)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let slow = format!(
        "{POLICIES}---\nid: TEAM-SLOW-001\ntitle: slow later\nseverity: info\nkinds: [ContinuityPlan]\n\
         select: metadata\nrule: \"now < date('2027-01-20') || {l}.all(a, {l}.all(b, {l}.all(c, \
         {l}.all(d, a + b + c + d >= 0))))\"\n"
    );
    std::fs::write(ws.path().join("policies/team.yaml"), slow).unwrap();
    let started = std::time::Instant::now();
    let (code, out, err) = due(
        ws.path(),
        &["--within", "90d", "--format", "json", "plans/review.yaml"],
    );
    assert!(started.elapsed().as_secs() < 60, "stopped by the budget");
    assert_eq!(code, 2, "a policy past its budget is an error: {err}");
    assert!(
        err.contains("TEAM-SLOW-001: evaluation took longer than the budget"),
        "{err}"
    );
    // The other policies are still searched on the same plan.
    let report: Value = serde_json::from_str(&out).unwrap();
    assert!(
        lines(&report).contains(
            "upcoming 2027-02-15 - plans/review.yaml TEAM-REVIEW-001 metadata.next_review"
        ),
        "{out}"
    );
}
