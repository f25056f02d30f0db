//! A `due` run: what lapses within a window. Every plan is checked at the start of the window;
//! the policies that read `now` are then probed at fixed steps up to its end, and each finding
//! that appears gets its first day by bisection on its (policy, plan) pair alone.
//!
//! Precision: a finding present at a probe day is dated exactly (to the day), whatever it does
//! between probes. A finding of a non-monotone policy that appears *and* disappears between two
//! consecutive probes (within less than one step) is not seen; `step` bounds that blind spot.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Days, FixedOffset, NaiveDate};
use rayon::prelude::*;

use super::check;
use super::settings::{RunError, Settings};
use crate::baseline::Baseline;
use crate::document::discover::{self, Candidate, Roots};
use crate::document::{self, Document};
use crate::engine::budget::Meter;
use crate::engine::Engine;
use crate::expression::{parse_date, Runtime};
use crate::finding::{Finding, Severity};
use crate::policy::Policy;
use crate::report::Report;
use crate::waiver::{self, PlanFindings};

/// The window of a `due` run.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Days after the start (`--as-of`) the window ends (inclusive).
    pub within: u32,
    /// Days between two probes of the policies that read `now` (at least 1).
    pub step: u32,
}

/// What an obligation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A finding already present at the start of the window.
    Overdue,
    /// A finding that appears within the window, on `date`.
    Upcoming,
    /// An exception that stops waiving within the window: `date` is its last valid day.
    ExceptionExpires,
}

impl Kind {
    /// The name used in json and the timeline.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Overdue => "overdue",
            Kind::Upcoming => "upcoming",
            Kind::ExceptionExpires => "exception-expires",
        }
    }
}

/// One thing to do: a finding that holds or will hold, or an exception that expires.
#[derive(Debug, Clone)]
pub struct Obligation {
    /// What it is.
    pub kind: Kind,
    /// The first day the finding holds (the start, for overdue ones), or the exception's last day.
    pub date: NaiveDate,
    /// For a finding that disappears again within the window, the last day it holds.
    pub until: Option<NaiveDate>,
    /// The plan file as shown.
    pub file: String,
    /// The policy id.
    pub policy: String,
    /// The policy's title.
    pub title: String,
    /// Its severity.
    pub severity: Severity,
    /// What is found (the finding's message, or the exception's justification).
    pub message: String,
    /// The logical path it is about (empty for the document root).
    pub target: String,
    /// The finding's fingerprint (for an exception: of its policy, files and path).
    pub fingerprint: String,
    /// What to do: the policy's help.
    pub help: Option<String>,
}

/// The result of a `due` run.
pub struct Due {
    /// First day of the window (`--as-of`).
    pub start: NaiveDate,
    /// Last day of the window.
    pub end: NaiveDate,
    /// Days between probes.
    pub step: u32,
    /// The check at the start: errors to report, policies and exceptions.
    pub report: Report,
    /// Every obligation, sorted by file, date, policy and path.
    pub obligations: Vec<Obligation>,
    /// Policies whose verdict depends on the day (they read `now`).
    pub timed_policies: usize,
    /// Evaluations of one (policy, plan) pair made by the bisections.
    pub bisections: usize,
}

/// True when the verdict of `policy` can change with the day: its `when`, a variable or its rule
/// reads `now`. (Its message may read `now` too, but that changes no verdict.)
pub fn reads_now(policy: &Policy) -> bool {
    let reads = |c: &crate::expression::Compiled| c.free.iter().any(|(name, _)| name == "now");
    policy.when.iter().any(|w| reads(&w.compiled))
        || policy.variables.iter().any(|v| reads(&v.expr.compiled))
        || reads(&policy.rule.compiled)
}

/// Runs `due` over the window starting at `settings.as_of`.
pub fn run(settings: &Settings, window: Window) -> Result<Due, RunError> {
    let start = settings.as_of;
    let step = window.step.max(1);
    let end = start
        .checked_add_days(Days::new(u64::from(window.within)))
        .ok_or_else(|| {
            RunError::Usage("--within reaches past the last representable date".into())
        })?;
    let prepared = check::prepare(settings)?;
    let candidates: Vec<Candidate> = prepared.files().to_vec();
    let loader = prepared.loader();
    let report = prepared.run();

    let (policy_set, runtime, params) = check::compile_policies(settings)?;
    let policies = policy_set.policies;
    let timed: Vec<bool> = policies.iter().map(reads_now).collect();
    let timed_policies = timed.iter().filter(|t| **t).count();
    let baselined: HashSet<String> = match &settings.baseline {
        Some(path) => Baseline::load(path, &discover::display(path, &settings.cwd))
            .map(|b| b.findings.into_iter().map(|e| e.fingerprint).collect())
            .unwrap_or_default(),
        None => HashSet::new(),
    };

    let mut obligations: Vec<Obligation> = report
        .findings()
        .filter(|f| f.is_active())
        .map(|f| obligation(&policies, f, Kind::Overdue, start, None))
        .collect();

    let mut bisections = 0;
    if timed_policies > 0 && window.within > 0 {
        let probe = Probe {
            runtime,
            params,
            policies: policies.clone(),
            timed,
            settings,
        };
        // Probe days after the start, the end always among them.
        let mut days: Vec<NaiveDate> = (1..)
            .map(|k| start + Days::new(u64::from(step) * k))
            .take_while(|d| *d < end)
            .collect();
        days.push(end);
        let engines: Vec<Engine> = days.iter().map(|d| probe.engine(*d, None)).collect();
        // The fingerprints each file had at the start, suppressed or not.
        let at_start: HashMap<&str, HashSet<&str>> = report
            .files
            .iter()
            .map(|f| {
                let prints = f.findings.iter().map(|x| x.fingerprint.as_str()).collect();
                (f.name.as_str(), prints)
            })
            .collect();
        let empty = HashSet::new();
        let found: Vec<(usize, Vec<Upcoming>, usize)> = candidates
            .par_iter()
            .filter_map(|candidate| {
                let before = at_start.get(candidate.name.as_str()).unwrap_or(&empty);
                let documents = loader.documents(candidate)?;
                let (upcoming, count) = probe.file(&documents, before, start, &days, &engines);
                let index = report.files.iter().position(|f| f.name == candidate.name)?;
                Some((index, upcoming, count))
            })
            .collect();
        let mut found: Vec<(usize, Vec<Upcoming>)> = found
            .into_iter()
            .map(|(index, upcoming, count)| {
                bisections += count;
                (index, upcoming)
            })
            .collect();
        waive(settings, &report, &policies, &mut found);
        for (_, upcoming) in found {
            for u in upcoming {
                // Covered on its first day by an exception: the exception's expiry is the date
                // to watch (listed below when it falls in the window).
                let waived = u
                    .finding
                    .waiver()
                    .is_some_and(|w| w.expires.is_none_or(|e| e >= u.date));
                if waived || baselined.contains(&u.finding.fingerprint) {
                    continue;
                }
                obligations.push(obligation(
                    &policies,
                    &u.finding,
                    Kind::Upcoming,
                    u.date,
                    u.until,
                ));
            }
        }
    }

    for entry in &report.exceptions.entries {
        let e = &entry.exception;
        if e.expires >= start && e.expires < end {
            let policy = policies.iter().find(|p| p.id == e.policy);
            obligations.push(Obligation {
                kind: Kind::ExceptionExpires,
                date: e.expires,
                until: None,
                file: entry_files(&e.files),
                policy: e.policy.clone(),
                title: policy.map(|p| p.title.clone()).unwrap_or_default(),
                severity: policy.map_or(Severity::Warning, |p| p.severity),
                message: format!("exception expires: {}", e.justification),
                target: e.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                fingerprint: crate::finding::fingerprint(
                    &e.policy,
                    &e.files.join(","),
                    &format!("exception:{}", e.line),
                ),
                help: Some(
                    "fix the plan before the exception lapses, or renew it with a new `expires` \
                     date and approval"
                        .into(),
                ),
            });
        }
    }
    obligations.sort_by(|a, b| {
        (
            &a.file,
            a.kind != Kind::Overdue,
            a.date,
            &a.policy,
            &a.target,
        )
            .cmp(&(
                &b.file,
                b.kind != Kind::Overdue,
                b.date,
                &b.policy,
                &b.target,
            ))
    });
    Ok(Due {
        start,
        end,
        step,
        report,
        obligations,
        timed_policies,
        bisections,
    })
}

/// A finding that appears within the window: as of its first day, and the last day it holds if
/// it disappears again.
struct Upcoming {
    finding: Finding,
    date: NaiveDate,
    until: Option<NaiveDate>,
}

/// Marks the upcoming findings that the run's exceptions (file and inline) waive as of the start.
fn waive(
    settings: &Settings,
    report: &Report,
    policies: &[Policy],
    found: &mut [(usize, Vec<Upcoming>)],
) {
    if !settings.apply_exceptions || found.is_empty() {
        return;
    }
    let loaded = match &settings.exceptions {
        Some(path) => waiver::file::load(path, &discover::display(path, &settings.cwd)),
        None => (None, Vec::new()),
    };
    let mut findings: Vec<(usize, Vec<Finding>)> = found
        .iter_mut()
        .map(|(index, upcoming)| {
            let list = upcoming.iter().map(|u| u.finding.clone()).collect();
            (*index, list)
        })
        .collect();
    let views = findings.iter_mut().filter_map(|(index, list)| {
        let file = report.files.get(*index)?;
        Some(PlanFindings {
            name: &file.name,
            path: &file.path,
            documents: file.documents,
            source: file.source.as_ref(),
            findings: list,
            directives: &file.directives,
        })
    });
    waiver::apply(views, policies, loaded, settings.as_of);
    for ((_, upcoming), (_, waived)) in found.iter_mut().zip(findings) {
        for (u, w) in upcoming.iter_mut().zip(waived) {
            u.finding.suppression = w.suppression;
        }
    }
}

/// The files an exception names, as one string.
fn entry_files(files: &[String]) -> String {
    if files.is_empty() {
        "*".into()
    } else {
        files.join(", ")
    }
}

/// The obligation of a finding.
fn obligation(
    policies: &[Policy],
    finding: &Finding,
    kind: Kind,
    date: NaiveDate,
    until: Option<NaiveDate>,
) -> Obligation {
    let policy = policies.get(finding.policy.index);
    Obligation {
        kind,
        date,
        until,
        file: finding.file.to_string(),
        policy: finding.policy_id().to_string(),
        title: policy.map(|p| p.title.clone()).unwrap_or_default(),
        severity: finding.severity,
        message: finding.message.clone(),
        target: finding.target.to_string(),
        fingerprint: finding.fingerprint.clone(),
        help: policy.and_then(|p| p.help.clone()),
    }
}

/// What re-evaluating policies on another day needs.
struct Probe<'s> {
    runtime: Runtime,
    params: document::Node,
    policies: Arc<Vec<Policy>>,
    timed: Vec<bool>,
    settings: &'s Settings,
}

impl Probe<'_> {
    /// An engine as of `day` running the policies that read `now`, or only policy `only`.
    fn engine(&self, day: NaiveDate, only: Option<usize>) -> Engine {
        let config_dir = self
            .settings
            .config_source
            .as_ref()
            .and_then(|s| s.path.parent());
        let roots = Roots::per_plan(
            self.settings.root.clone(),
            config_dir.map(Path::to_path_buf),
        );
        let engine = Engine::new(
            &self.runtime,
            self.policies.clone(),
            &self.params,
            midnight(day),
            self.settings.root.clone(),
        )
        .with_roots(roots);
        for (i, timed) in self.timed.iter().enumerate() {
            if !timed || only.is_some_and(|o| o != i) {
                engine.disable(i);
            }
        }
        engine
    }

    /// The findings of the timed policies (or of `only`) on `documents` as of `engine`'s day.
    fn findings(&self, engine: &Engine, documents: &[Document]) -> Vec<Finding> {
        let mut found = engine.check_all(documents, &Meter::default()).findings;
        found.retain(|f| self.timed.get(f.policy.index).copied().unwrap_or(false));
        found
    }

    /// The new findings of one file within the window, each dated, and the bisection steps made.
    fn file(
        &self,
        documents: &[Document],
        before: &HashSet<&str>,
        start: NaiveDate,
        days: &[NaiveDate],
        engines: &[Engine],
    ) -> (Vec<Upcoming>, usize) {
        // Per new fingerprint: the finding, and the probe indexes where it holds.
        let mut seen: HashMap<String, (Finding, Vec<usize>)> = HashMap::new();
        for (k, engine) in engines.iter().enumerate() {
            for finding in self.findings(engine, documents) {
                if before.contains(finding.fingerprint.as_str()) {
                    continue;
                }
                seen.entry(finding.fingerprint.clone())
                    .or_insert_with(|| (finding, Vec::new()))
                    .1
                    .push(k);
            }
        }
        let mut steps = 0;
        let mut out = Vec::new();
        for (print, (finding, at)) in seen {
            let index = finding.policy.index;
            let holds = |day: NaiveDate, steps: &mut usize| {
                *steps += 1;
                let engine = self.engine(day, Some(index));
                self.findings(&engine, documents)
                    .iter()
                    .any(|f| f.fingerprint == print)
            };
            let first = at[0];
            let absent = if first == 0 { start } else { days[first - 1] };
            let date = bisect(absent, days[first], |d| holds(d, &mut steps));
            // The last probe it holds at, and whether it is gone by the next one.
            let last = at[at.len() - 1];
            let until = match days.get(last + 1) {
                Some(gone) => {
                    let back = bisect(days[last], *gone, |d| !holds(d, &mut steps));
                    back.pred_opt()
                }
                None => None,
            };
            // The message as of the first day (it may name a number of days).
            let engine = self.engine(date, Some(index));
            let first_day = self
                .findings(&engine, documents)
                .into_iter()
                .find(|f| f.fingerprint == print);
            out.push(Upcoming {
                finding: first_day.unwrap_or(finding),
                date,
                until,
            });
        }
        (out, steps)
    }
}

/// The first day in `(lo, hi]` on which `holds` is true, given it is false on `lo` and true on
/// `hi` (when `holds` changes more than once in between, one of the days it turns true).
fn bisect(
    mut lo: NaiveDate,
    mut hi: NaiveDate,
    mut holds: impl FnMut(NaiveDate) -> bool,
) -> NaiveDate {
    while (hi - lo).num_days() > 1 {
        let mid = lo + Days::new(((hi - lo).num_days() / 2) as u64);
        if holds(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// The start of `day`, UTC: what `--as-of` evaluates as.
fn midnight(day: NaiveDate) -> DateTime<FixedOffset> {
    parse_date(&day.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn bisection_finds_the_first_day() {
        let threshold = day("2027-01-14");
        let found = bisect(day("2027-01-01"), day("2027-03-01"), |d| d >= threshold);
        assert_eq!(found, threshold);
        let next = bisect(day("2027-01-13"), day("2027-01-14"), |d| d >= threshold);
        assert_eq!(next, threshold);
    }

    #[test]
    fn midnight_is_utc() {
        assert_eq!(
            midnight(day("2027-01-14")).to_rfc3339(),
            "2027-01-14T00:00:00+00:00"
        );
    }
}
