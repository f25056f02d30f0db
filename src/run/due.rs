//! A `due` run: what lapses within a window. Every plan is checked at the start of the window;
//! the policies that read `now` are then probed at fixed steps up to its end, and each finding
//! that appears gets its first day by bisection on its (policy, plan) pair alone.
//!
//! Precision: a finding present at a probe day is dated exactly (to the day), whatever it does
//! between probes. A finding of a non-monotone policy that appears *and* disappears between two
//! consecutive probes (within less than one step) is not seen; `step` bounds that blind spot.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Days, FixedOffset, NaiveDate};

use super::check;
use super::settings::{RunError, Settings};
use crate::baseline::Baseline;
use crate::document::discover::{self, Candidate, Roots};
use crate::document::Document;
use crate::engine::budget::Meter;
use crate::engine::Engine;
use crate::expression::{parse_date, Data};
use crate::finding::{Finding, Severity};
use crate::policy::Policy;
pub use crate::report::{Kind, Obligation};
use crate::report::{Report, Upcoming};
use crate::waiver::{self, PlanFindings};

/// The window of a `due` run.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Days after the start (`--as-of`) the window ends (inclusive).
    pub within: u32,
    /// Days between two probes of the policies that read `now` (at least 1).
    pub step: u32,
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
    run_with(settings, window, None)
}

/// The check `prepared` (from `settings`), its report also carrying what lapses within `window`
/// (`report.upcoming`): the run behind the evidence report's "Upcoming" section.
pub fn check_with_upcoming(
    settings: &Settings,
    window: Window,
    prepared: check::Prepared,
    done: Option<check::FileDone>,
) -> Result<Report, RunError> {
    let due = run_prepared(settings, window, prepared, done)?;
    let mut report = due.report;
    report.upcoming = Some(Upcoming {
        start: due.start,
        end: due.end,
        obligations: due.obligations,
    });
    Ok(report)
}

/// [`run`], calling `done` after each file is checked (for a progress bar).
pub fn run_with(
    settings: &Settings,
    window: Window,
    done: Option<check::FileDone>,
) -> Result<Due, RunError> {
    run_prepared(settings, window, check::prepare(settings)?, done)
}

/// [`run_with`] over the check `prepared` from `settings`.
fn run_prepared(
    settings: &Settings,
    window: Window,
    prepared: check::Prepared,
    done: Option<check::FileDone>,
) -> Result<Due, RunError> {
    let start = settings.as_of;
    let step = window.step.max(1);
    let end = start
        .checked_add_days(Days::new(u64::from(window.within)))
        .ok_or_else(|| {
            RunError::Usage("--within reaches past the last representable date".into())
        })?;
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
    // Probe days after the start, the end always among them.
    let mut days: Vec<NaiveDate> = (1..)
        .map(|k| start + Days::new(u64::from(step) * k))
        .take_while(|d| *d < end)
        .collect();
    if end > start {
        days.push(end);
    }
    // Each timed policy alone, for the bisections: compiled again so that each can have engines
    // of its own (a policy is not shared between two sets).
    let solo: Vec<Option<Arc<Vec<Policy>>>> = if timed_policies > 0 {
        let (again, _, _) = check::compile_policies(settings)?;
        match Arc::try_unwrap(again.policies) {
            Ok(list) if list.len() == policies.len() => list
                .into_iter()
                .zip(&timed)
                .map(|(p, t)| t.then(|| Arc::new(vec![p])))
                .collect(),
            _ => Vec::new(),
        }
    } else {
        Vec::new()
    };
    let make = |policies: &Arc<Vec<Policy>>, timed: Option<&[bool]>| {
        let config_dir = settings
            .config_source
            .as_ref()
            .and_then(|s| s.path.parent());
        let roots = Roots::per_plan(settings.root.clone(), config_dir.map(Path::to_path_buf));
        let engine = Engine::new(
            &runtime,
            policies.clone(),
            &params,
            midnight(start),
            settings.root.clone(),
        )
        .with_roots(roots);
        for (i, timed) in timed.unwrap_or(&[]).iter().enumerate() {
            if !timed {
                engine.disable(i);
            }
        }
        engine
    };
    let probe = Arc::new(Probe {
        engine: make(&policies, Some(&timed)),
        solo: solo
            .iter()
            .map(|p| p.as_ref().map(|p| make(p, None)))
            .collect(),
        policies: policies.clone(),
        timed,
        start,
        days,
    });

    // Each file is probed in the worker that checked it at the start, with its documents at hand.
    let found: Arc<Mutex<Vec<Probed>>> = Arc::default();
    let visit: Option<check::Visit> = (timed_policies > 0 && window.within > 0).then(|| {
        let (probe, found) = (probe.clone(), found.clone());
        Arc::new(
            move |candidate: &Candidate, documents: &[Document], at_start: &[Finding]| {
                let before: HashSet<&str> =
                    at_start.iter().map(|f| f.fingerprint.as_str()).collect();
                let (upcoming, count) = PlanProbe::new(&probe, documents, &before).run();
                if !upcoming.is_empty() || count > 0 {
                    let mut found = found.lock().unwrap_or_else(PoisonError::into_inner);
                    found.push((candidate.name.clone(), upcoming, count));
                }
            },
        ) as check::Visit
    });
    let report = prepared.run_visiting(done, visit);

    let mut obligations: Vec<Obligation> = report
        .findings()
        .filter(|f| f.is_active())
        .map(|f| obligation(&policies, f, Kind::Overdue, start, None))
        .collect();

    let found = std::mem::take(&mut *found.lock().unwrap_or_else(PoisonError::into_inner));
    let mut bisections = 0;
    let index: HashMap<&str, usize> = report
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), i))
        .collect();
    let mut found: Vec<(usize, Vec<Appearing>)> = found
        .into_iter()
        .filter_map(|(name, upcoming, count)| {
            bisections += count;
            let index = *index.get(name.as_str())?;
            Some((index, upcoming))
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

/// What probing one file gave: its name, its upcoming findings, the evaluations besides probes.
type Probed = (String, Vec<Appearing>, usize);

/// A finding that appears within the window: as of its first day, and the last day it holds if
/// it disappears again.
struct Appearing {
    finding: Finding,
    date: NaiveDate,
    until: Option<NaiveDate>,
}

/// Marks the upcoming findings that the run's exceptions (file and inline) waive as of the start.
fn waive(
    settings: &Settings,
    report: &Report,
    policies: &[Policy],
    found: &mut [(usize, Vec<Appearing>)],
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

/// What re-evaluating policies on another day needs, shared by the workers.
struct Probe {
    policies: Arc<Vec<Policy>>,
    /// Per policy, whether it reads `now`.
    timed: Vec<bool>,
    start: NaiveDate,
    /// The probe days after the start, the end last.
    days: Vec<NaiveDate>,
    /// An engine running every policy that reads `now`.
    engine: Engine,
    /// Per policy that reads `now`, an engine running it alone (none when it could not be split off).
    solo: Vec<Option<Engine>>,
}

impl Probe {
    /// The engine running policy `only` alone (when it could be split off), else every policy
    /// that reads `now`.
    fn engine(&self, only: Option<usize>) -> &Engine {
        only.and_then(|i| self.solo.get(i)?.as_ref())
            .unwrap_or(&self.engine)
    }
}

/// The search on one plan: its timed policies evaluated at most once per day, every evaluation
/// remembered, so that the probes and all the bisections of its (policy, plan) pairs share them.
struct PlanProbe<'p> {
    probe: &'p Probe,
    documents: &'p [Document],
    /// Fingerprints present at the start: not new.
    before: &'p HashSet<&'p str>,
    /// The documents converted for evaluation, once.
    data: Vec<Data>,
    /// Per policy (`None`: every timed policy) and day evaluated, the new findings, by fingerprint.
    memo: HashMap<(Option<usize>, NaiveDate), HashMap<String, Finding>>,
    /// Per policy and day the bisections evaluated, the new fingerprints (no message built).
    present: HashMap<(usize, NaiveDate), HashSet<String>>,
}

impl<'p> PlanProbe<'p> {
    fn new(probe: &'p Probe, documents: &'p [Document], before: &'p HashSet<&'p str>) -> Self {
        PlanProbe {
            probe,
            documents,
            before,
            data: documents.iter().map(|d| Data::from_node(&d.root)).collect(),
            memo: HashMap::new(),
            present: HashMap::new(),
        }
    }

    /// The new findings on `day` of policy `only`, or of every timed policy (evaluated once).
    fn at(&mut self, only: Option<usize>, day: NaiveDate) -> &HashMap<String, Finding> {
        let (probe, documents, before) = (self.probe, self.documents, self.before);
        let data = &self.data;
        self.memo.entry((only, day)).or_insert_with(|| {
            let engine = probe.engine(only);
            let solo = engine.policies().len() == 1 && probe.policies.len() > 1;
            let found = engine
                .check_all_as_of(documents, data, midnight(day), &Meter::default())
                .findings;
            found
                .into_iter()
                .map(|mut f| {
                    // A policy evaluated alone is number 0 of its engine.
                    if let (true, Some(i)) = (solo, only) {
                        f.policy.index = i;
                    }
                    f
                })
                .filter(|f| probe.timed.get(f.policy.index).copied().unwrap_or(false))
                .filter(|f| only.is_none_or(|i| f.policy.index == i))
                .filter(|f| !before.contains(f.fingerprint.as_str()))
                .map(|f| (f.fingerprint.clone(), f))
                .collect()
        })
    }

    /// The new fingerprints on `day` of policy `policy` alone: its verdicts only, for the
    /// bisections (the findings themselves are built by [`PlanProbe::at`] on the days found).
    fn present(&mut self, policy: usize, day: NaiveDate) -> &HashSet<String> {
        let (probe, documents, before) = (self.probe, self.documents, self.before);
        let data = &self.data;
        self.present.entry((policy, day)).or_insert_with(|| {
            let engine = probe.engine(Some(policy));
            let solo = engine.policies().len() == 1 && probe.policies.len() > 1;
            let days = [midnight(day)];
            let found = engine.fingerprints_by_day(documents, data, &days, &Meter::default());
            found
                .into_iter()
                .flatten()
                // A policy evaluated alone is number 0 of its engine.
                .map(|(index, print)| (if solo { policy } else { index }, print))
                .filter(|(index, print)| *index == policy && !before.contains(print.as_str()))
                .map(|(_, print)| print)
                .collect()
        })
    }

    /// The new findings of the plan within the window, each dated, and the evaluations made
    /// besides the probes.
    fn run(mut self) -> (Vec<Appearing>, usize) {
        let days = self.probe.days.clone();
        // Per new fingerprint, its policy and the probes where it holds. Every probe day is
        // evaluated in one pass, verdicts only: what does not read `now` is evaluated once.
        let nows: Vec<DateTime<FixedOffset>> = days.iter().map(|d| midnight(*d)).collect();
        let by_day = self.probe.engine.fingerprints_by_day(
            self.documents,
            &self.data,
            &nows,
            &Meter::default(),
        );
        let mut seen: HashMap<String, (usize, Vec<usize>)> = HashMap::new();
        for (k, found) in by_day.into_iter().enumerate() {
            for (policy, print) in found {
                let timed = self.probe.timed.get(policy).copied().unwrap_or(false);
                if !timed || self.before.contains(print.as_str()) {
                    continue;
                }
                let at = &mut seen.entry(print).or_insert_with(|| (policy, Vec::new())).1;
                if at.last() != Some(&k) {
                    at.push(k);
                }
            }
        }
        // Each (policy, plan) pair is bisected on that policy alone; the pairs of one policy that
        // appear between the same two probes are bisected together.
        let mut appear: HashMap<(usize, usize), Vec<String>> = HashMap::new();
        let mut vanish: HashMap<(usize, usize), Vec<String>> = HashMap::new();
        for (print, (policy, at)) in &seen {
            appear
                .entry((at[0], *policy))
                .or_default()
                .push(print.clone());
            let last = at[at.len() - 1];
            if last + 1 < days.len() {
                vanish
                    .entry((last, *policy))
                    .or_default()
                    .push(print.clone());
            }
        }
        let mut first: HashMap<String, NaiveDate> = HashMap::new();
        for ((k, policy), prints) in appear {
            let absent = if k == 0 {
                self.probe.start
            } else {
                days[k - 1]
            };
            self.flip_days(policy, (absent, days[k]), prints, true, &mut first);
        }
        let mut until: HashMap<String, NaiveDate> = HashMap::new();
        for ((k, policy), prints) in vanish {
            self.flip_days(policy, (days[k], days[k + 1]), prints, false, &mut until);
        }
        let mut out = Vec::new();
        for (print, date) in first {
            // As of its first day (the message may name a number of days): evaluated by the
            // bisection, or now when that day is a probe's.
            let policy = seen.get(&print).map(|s| s.0);
            let finding = self.at(policy, date).get(&print).cloned();
            if let Some(finding) = finding {
                let until = until.get(&print).copied();
                out.push(Appearing {
                    finding,
                    date,
                    until,
                });
            }
        }
        (out, self.present.len() + self.memo.len())
    }

    /// Sets in `out`, for each of `prints`, the day its presence flips between `lo` and `hi`:
    /// with `appearing`, the first day in `(lo, hi]` it is present (absent on `lo`, present on
    /// `hi`); otherwise the last day in `[lo, hi)` it is present (present on `lo`, absent on `hi`).
    fn flip_days(
        &mut self,
        policy: usize,
        (lo, hi): (NaiveDate, NaiveDate),
        prints: Vec<String>,
        appearing: bool,
        out: &mut HashMap<String, NaiveDate>,
    ) {
        if prints.is_empty() {
            return;
        }
        let Some(mid) = middle(lo, hi) else {
            let day = if appearing { hi } else { lo };
            out.extend(prints.into_iter().map(|p| (p, day)));
            return;
        };
        let present = self.present(policy, mid);
        let (on_mid, off_mid): (Vec<String>, Vec<String>) =
            prints.into_iter().partition(|p| present.contains(p));
        // Appearing, present at `mid`: it appeared by `mid`; disappearing, present: it goes after.
        let (with_mid, without_mid) = if appearing {
            ((lo, mid), (mid, hi))
        } else {
            ((mid, hi), (lo, mid))
        };
        self.flip_days(policy, with_mid, on_mid, appearing, out);
        self.flip_days(policy, without_mid, off_mid, appearing, out);
    }
}

/// The day halfway between `lo` and `hi`, when there is one strictly between them.
fn middle(lo: NaiveDate, hi: NaiveDate) -> Option<NaiveDate> {
    let span = (hi - lo).num_days();
    (span > 1).then(|| lo + Days::new(u64::try_from(span / 2).unwrap_or(0)))
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
    fn the_middle_day_splits_a_span_of_more_than_one_day() {
        assert_eq!(
            middle(day("2027-01-01"), day("2027-01-08")),
            Some(day("2027-01-04"))
        );
        assert_eq!(
            middle(day("2027-01-01"), day("2027-01-03")),
            Some(day("2027-01-02"))
        );
        assert_eq!(middle(day("2027-01-01"), day("2027-01-02")), None);
    }

    /// Compiles the policies of one YAML stream.
    fn policies(text: &str) -> Vec<Policy> {
        let source = crate::policy::PolicySource {
            name: "team.yaml".into(),
            path: "team.yaml".into(),
            text: text.into(),
            pack: None,
        };
        let runtime = crate::expression::Runtime::new();
        let set = crate::policy::load(&[source], &crate::policy::params(None), &runtime);
        assert!(set.errors.is_empty(), "{:?}", set.errors);
        Arc::try_unwrap(set.policies).unwrap()
    }

    #[test]
    fn only_policies_whose_verdict_reads_now_are_searched() {
        let set = policies(
            "id: T-RULE\ntitle: t\nseverity: info\nrule: date(self.d) >= now\n---\n\
             id: T-WHEN\ntitle: t\nseverity: info\nwhen: date(self.d) <= now\nrule: has(self.x)\n---\n\
             id: T-VAR\ntitle: t\nseverity: info\nvariables:\n  - {name: late, expression: 'now > date(self.d)'}\n\
             rule: '!variables.late'\n---\n\
             id: T-MESSAGE\ntitle: t\nseverity: info\nrule: has(self.x)\n\
             messageExpression: \"'as of ' + string(now)\"\n---\n\
             id: T-DATES\ntitle: t\nseverity: info\nrule: date(self.a) <= date(self.b) + period('30d')\n",
        );
        let timed: Vec<(&str, bool)> = set.iter().map(|p| (p.id.as_str(), reads_now(p))).collect();
        assert_eq!(
            timed,
            [
                ("T-DATES", false),
                ("T-MESSAGE", false),
                ("T-RULE", true),
                ("T-VAR", true),
                ("T-WHEN", true),
            ]
        );
    }

    #[test]
    fn every_probe_day_at_once_finds_what_each_day_alone_finds() {
        let packs: Vec<String> = crate::policy::packs::names()
            .iter()
            .map(|p| p.to_string())
            .collect();
        let runtime = crate::expression::Runtime::new();
        let params = crate::policy::params(None);
        let sources = crate::policy::sources::builtin(&packs);
        let set = crate::policy::load(&sources, &params, &runtime);
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let engine = Engine::new(
            &runtime,
            set.policies.clone(),
            &params,
            midnight(day("2026-01-01")),
            root.to_path_buf(),
        );
        let loaded = crate::document::load(
            &root.join("fixtures/plans/payments-plan.yaml"),
            "payments-plan.yaml",
            &crate::document::LoadOptions::default(),
        )
        .unwrap();
        let documents = loaded.documents;
        let data: Vec<Data> = documents.iter().map(|d| Data::from_node(&d.root)).collect();
        // Every 30 days over four years: reviews, exercises, tests and evidence lapse in turn.
        let days: Vec<_> = (0..50)
            .map(|k| midnight(day("2025-06-01") + Days::new(30 * k)))
            .collect();
        let meter = Meter::default();
        let at_once = engine.fingerprints_by_day(&documents, &data, &days, &meter);
        let timed = |policy: &usize| reads_now(&set.policies[*policy]);
        let mut distinct = HashSet::new();
        for (now, found) in days.iter().zip(at_once) {
            let alone: std::collections::BTreeSet<(usize, String)> = engine
                .check_all_as_of(&documents, &data, *now, &meter)
                .findings
                .into_iter()
                .map(|f| (f.policy.index, f.fingerprint))
                .filter(|(p, _)| timed(p))
                .collect();
            let found: std::collections::BTreeSet<(usize, String)> =
                found.into_iter().filter(|(p, _)| timed(p)).collect();
            assert_eq!(found, alone, "as of {now}");
            distinct.insert(format!("{found:?}"));
        }
        assert!(distinct.len() >= 4, "the days differ: {}", distinct.len());
    }

    #[test]
    fn midnight_is_utc() {
        assert_eq!(
            midnight(day("2027-01-14")).to_rfc3339(),
            "2027-01-14T00:00:00+00:00"
        );
    }
}
