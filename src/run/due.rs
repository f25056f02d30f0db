//! A `due` run: what lapses within a window. Every plan is checked at the start of the window;
//! the policies that read `now` are then followed along a timeline: evaluated with a traced `now`
//! (see `expression::timeline`), each evaluation says until when its findings hold, and the
//! policy is evaluated again on that day only. Every date is exact, non-monotone policies
//! included.
//!
//! A policy whose use of `now` the trace cannot follow is probed instead, at fixed steps, and
//! each finding that appears gets its first day by bisection on its (policy, plan) pair alone. A
//! finding of such a policy that appears *and* disappears between two consecutive probes (within
//! less than one step) is not seen; `step` bounds that blind spot.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use chrono::{DateTime, Days, FixedOffset, NaiveDate};

use super::check;
use super::settings::{RunError, Settings};
use crate::baseline::accepts_on;
use crate::document::discover::{self, Candidate, Roots};
use crate::document::Document;
use crate::document::Node;
use crate::engine::budget::Meter;
use crate::engine::Engine;
use crate::expression::{parse_date, Data, Horizon, Runtime};
use crate::finding::{Finding, Severity};
use crate::policy::pack_manifest::PackCondition;
use crate::policy::Policy;
pub use crate::report::{Kind, Obligation};
use crate::report::{Report, Upcoming};
use crate::waiver::{self, PlanFindings};

/// The window of a `due` run.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Days after the start (`--as-of`) the window ends (inclusive).
    pub within: u32,
    /// Days between two probes of the policies the timeline search cannot follow (at least 1).
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
    /// Ids of the policies whose use of `now` the timeline search could not follow on some
    /// plan: probed every `step` days there instead.
    pub probed: Vec<String>,
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
    // Probe days after the start, the end always among them.
    let mut days: Vec<NaiveDate> = (1..)
        .map(|k| start + Days::new(u64::from(step) * k))
        .take_while(|d| *d < end)
        .collect();
    if end > start {
        days.push(end);
    }
    // The timeline search follows `now` through the policies compiled with it on the left; a
    // pack condition that reads `now` would change what applies unseen, so none may.
    let packs_read_now = policy_set
        .packs
        .iter()
        .filter_map(|p| p.condition.as_deref())
        .any(|c| c.free.iter().any(|(name, _)| name == "now"));
    let rewritten = (!packs_read_now)
        .then(|| Arc::new(policies.iter().map(Policy::with_now_on_the_left).collect()));
    let recipe = Recipe {
        runtime,
        params,
        now: midnight(start),
        root: settings.root.clone(),
        config_dir: settings
            .config_source
            .as_ref()
            .and_then(|s| s.path.parent())
            .map(Path::to_path_buf),
        packs: policy_set.packs.clone(),
    };
    let probe = Arc::new(Probe {
        recipe,
        rewritten,
        engines: OnceLock::new(),
        policies: policies.clone(),
        timed,
        start,
        end,
        days,
    });

    // Each file is probed in the worker that checked it at the start, with its documents at hand.
    let found: Arc<Mutex<Vec<Probed>>> = Arc::default();
    let visit: Option<check::Visit> = (timed_policies > 0 && window.within > 0).then(|| {
        let (probe, found) = (probe.clone(), found.clone());
        Arc::new(
            move |candidate: &Candidate,
                  documents: &[Document],
                  at_start: &[Finding],
                  checked_by: &Engine,
                  meter: &Meter| {
                let before: HashSet<&str> =
                    at_start.iter().map(|f| f.fingerprint.as_str()).collect();
                let engines = probe.engines(checked_by);
                // Within the check's budget: an evaluation past it is abandoned with this
                // attempt, and the file checked again without its policy (disabled in the
                // check's engine, so not searched either).
                let search = PlanProbe::new(&probe, engines, documents, &before, meter);
                let (upcoming, probed) = search.run(checked_by);
                if meter.is_abandoned() {
                    return;
                }
                if !upcoming.is_empty() || !probed.is_empty() {
                    let mut found = found.lock().unwrap_or_else(PoisonError::into_inner);
                    found.push((candidate.name.clone(), upcoming, probed));
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
    let mut probed: BTreeSet<usize> = BTreeSet::new();
    let index: HashMap<&str, usize> = report
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), i))
        .collect();
    let mut found: Vec<(usize, Vec<Appearing>)> = found
        .into_iter()
        .filter_map(|(name, upcoming, searched)| {
            probed.extend(searched);
            let index = *index.get(name.as_str())?;
            Some((index, upcoming))
        })
        .collect();
    waive(settings, &report, &policies, &mut found);
    // Per fingerprint of the baseline the check applied, its entry's last day.
    let no_baseline = HashMap::new();
    let baselined = report
        .baseline
        .as_ref()
        .map_or(&no_baseline, |b| &b.expiries);
    // The findings a baseline entry accepts: at the start, or on their first day.
    let mut accepted: Vec<&Finding> = report.findings().filter(|f| f.is_baselined()).collect();
    for (_, upcoming) in &found {
        for u in upcoming {
            // Covered on its first day by an exception or a baseline entry: the expiry is the
            // date to watch (listed below when it falls in the window).
            let waived = u
                .finding
                .waiver()
                .is_some_and(|w| w.expires.is_none_or(|e| e >= u.date));
            if waived {
                continue;
            }
            let baseline = baselined.get(&u.finding.fingerprint);
            if baseline.is_some_and(|&expires| accepts_on(expires, u.date)) {
                accepted.push(&u.finding);
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

    for finding in accepted {
        let Some(Some(expires)) = baselined.get(&finding.fingerprint) else {
            continue;
        };
        if *expires >= start && *expires < end {
            let mut o = obligation(&policies, finding, Kind::BaselineExpires, *expires, None);
            o.message = format!("baseline entry expires: {}", o.message);
            o.fingerprint =
                crate::finding::fingerprint(&o.policy, &o.file, &format!("baseline:{}", o.target));
            obligations.push(o);
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
        probed: probed.iter().map(|i| policies[*i].id.clone()).collect(),
    })
}

/// Per new fingerprint, its policy and first day.
type Firsts = HashMap<String, (usize, NaiveDate)>;

/// What searching one file gave: its name, its upcoming findings, the policies it probed.
type Probed = (String, Vec<Appearing>, Vec<usize>);

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
    /// Last day of the window.
    end: NaiveDate,
    /// The probe days after the start, the end last.
    days: Vec<NaiveDate>,
    /// The policies compiled for a traced `now` (none when the timeline search cannot be used).
    rewritten: Option<Arc<Vec<Policy>>>,
    /// How the engines are made.
    recipe: Recipe,
    /// The engines, made once the check has loaded the workspace.
    engines: OnceLock<Engines>,
}

impl Probe {
    /// The search's engines, sharing the workspace of `checked_by`, the engine of the check.
    fn engines(&self, checked_by: &Engine) -> &Engines {
        self.engines.get_or_init(|| {
            let make = |policies: &Arc<Vec<Policy>>| self.recipe.engine(policies, checked_by);
            Engines {
                engine: make(&self.policies),
                traced: self.rewritten.as_ref().map(|p| make(p).with_traced_now()),
                policies: self.policies.len(),
            }
        })
    }
}

/// The settings an engine of the search is made with.
struct Recipe {
    runtime: Runtime,
    params: Node,
    now: DateTime<FixedOffset>,
    root: PathBuf,
    config_dir: Option<PathBuf>,
    packs: Vec<PackCondition>,
}

impl Recipe {
    /// An engine running `policies`, as the check's `checked_by` does (its workspace included).
    fn engine(&self, policies: &Arc<Vec<Policy>>, checked_by: &Engine) -> Engine {
        let roots = Roots::per_plan(self.root.clone(), self.config_dir.clone());
        Engine::new(
            &self.runtime,
            policies.clone(),
            &self.params,
            self.now,
            self.root.clone(),
        )
        .with_roots(roots)
        .with_packs(self.packs.clone())
        .with_run_of(checked_by)
    }
}

/// The engines of the search, with the check's policies in the same order (so that the budget's
/// watchdog names the right one).
struct Engines {
    /// Every policy, for the probes, the bisections and the findings.
    engine: Engine,
    /// Every policy with a traced `now`, for the timeline search.
    traced: Option<Engine>,
    /// How many policies.
    policies: usize,
}

impl Engines {
    /// The mask of policy `policy` alone.
    fn only(&self, policy: usize) -> Vec<bool> {
        (0..self.policies).map(|i| i == policy).collect()
    }
}

/// The search on one plan: its timed policies evaluated at most once per day, every evaluation
/// remembered, so that the probes and all the bisections of its (policy, plan) pairs share them.
struct PlanProbe<'p> {
    probe: &'p Probe,
    engines: &'p Engines,
    documents: &'p [Document],
    /// Fingerprints present at the start: not new.
    before: &'p HashSet<&'p str>,
    /// The documents converted for evaluation, once.
    data: Vec<Data>,
    /// Per policy and day the bisections evaluated, the new fingerprints (no message built).
    present: HashMap<(usize, NaiveDate), HashSet<String>>,
    /// The meter of the check's job: every evaluation runs within its budget.
    meter: &'p Meter,
}

impl<'p> PlanProbe<'p> {
    fn new(
        probe: &'p Probe,
        engines: &'p Engines,
        documents: &'p [Document],
        before: &'p HashSet<&'p str>,
        meter: &'p Meter,
    ) -> Self {
        PlanProbe {
            probe,
            engines,
            meter,
            documents,
            before,
            data: documents.iter().map(|d| Data::from_node(&d.root)).collect(),
            present: HashMap::new(),
        }
    }

    /// The new findings on `day` of the policies `only` marks, with their messages.
    fn findings_on(&self, day: NaiveDate, only: &[bool]) -> HashMap<String, Finding> {
        let found = self.engines.engine.check_all_as_of(
            self.documents,
            &self.data,
            midnight(day),
            Some(only),
            self.meter,
        );
        found
            .findings
            .into_iter()
            .filter(|f| !self.before.contains(f.fingerprint.as_str()))
            .map(|f| (f.fingerprint.clone(), f))
            .collect()
    }

    /// The new fingerprints of `policy` on `day`: its verdicts only, for the bisections (the
    /// findings themselves are built by [`PlanProbe::findings_on`] on the days found).
    fn present(&mut self, policy: usize, day: NaiveDate) -> &HashSet<String> {
        let (engines, documents, before, meter) =
            (self.engines, self.documents, self.before, self.meter);
        let data = &self.data;
        self.present.entry((policy, day)).or_insert_with(|| {
            let only = engines.only(policy);
            let days = [midnight(day)];
            let found =
                engines
                    .engine
                    .fingerprints_by_day(documents, data, &days, Some(&only), meter);
            found
                .into_iter()
                .flatten()
                .map(|(_, print)| print)
                .filter(|print| !before.contains(print.as_str()))
                .collect()
        })
    }

    /// The new findings of the plan within the window, each dated, and the policies that were
    /// probed because the timeline could not follow them. Policies `checked_by` switched off
    /// (past the budget) are not searched.
    fn run(mut self, checked_by: &Engine) -> (Vec<Appearing>, Vec<usize>) {
        let timed: Vec<bool> = (self.probe.timed.iter().enumerate())
            .map(|(i, timed)| *timed && !checked_by.is_disabled(i))
            .collect();
        let (mut first, mut until, followed) = match &self.engines.traced {
            Some(traced) => self.timeline(traced, &timed),
            None => (Firsts::new(), HashMap::new(), vec![false; timed.len()]),
        };
        // What the timeline could not follow is probed, with the policies' real `now`.
        let searched: Vec<bool> = timed
            .iter()
            .zip(&followed)
            .map(|(timed, followed)| *timed && !followed)
            .collect();
        if searched.contains(&true) {
            self.probes(&searched, &mut first, &mut until);
        }
        // Each finding as of its first day (the message may name a number of days): one
        // evaluation per day, of the policies with a finding first seen that day.
        let mut days: BTreeMap<NaiveDate, Vec<bool>> = BTreeMap::new();
        for (policy, date) in first.values() {
            days.entry(*date)
                .or_insert_with(|| vec![false; timed.len()])[*policy] = true;
        }
        let mut built: HashMap<NaiveDate, HashMap<String, Finding>> = days
            .iter()
            .map(|(day, only)| (*day, self.findings_on(*day, only)))
            .collect();
        let mut out = Vec::new();
        for (print, (_, date)) in first {
            let finding = built.get_mut(&date).and_then(|found| found.remove(&print));
            if let Some(finding) = finding {
                let until = until.get(&print).copied();
                out.push(Appearing {
                    finding,
                    date,
                    until,
                });
            }
        }
        let probed = (0..searched.len()).filter(|i| searched[*i]).collect();
        (out, probed)
    }

    /// The timeline search: every timed policy is evaluated with a traced `now` at the start,
    /// and again on each day its horizon says its verdicts may change, until the end. Returns
    /// per new fingerprint its policy and first day, the last day of those gone by the end, and
    /// per policy whether it was followed (not opaque) on this plan.
    fn timeline(
        &mut self,
        traced: &Engine,
        timed: &[bool],
    ) -> (Firsts, HashMap<String, NaiveDate>, Vec<bool>) {
        let probe = self.probe;
        let end = midnight(probe.end);
        let mut followed = timed.to_vec();
        // Per policy, its fingerprints on each day it was evaluated (they hold until the next).
        let mut states: HashMap<usize, Vec<(NaiveDate, HashSet<String>)>> = HashMap::new();
        let mut due: BTreeMap<DateTime<FixedOffset>, Vec<usize>> = BTreeMap::new();
        let all: Vec<usize> = (0..timed.len()).filter(|i| timed[*i]).collect();
        due.insert(midnight(probe.start), all);
        while let Some((now, list)) = due.pop_first() {
            let mut only = vec![false; timed.len()];
            for i in &list {
                only[*i] = true;
            }
            let (found, horizons) =
                traced.fingerprints_traced(self.documents, &self.data, now, &only, self.meter);
            let mut prints: HashMap<usize, HashSet<String>> = HashMap::new();
            for (policy, print) in found {
                prints.entry(policy).or_default().insert(print);
            }
            let day = now.date_naive();
            for i in list {
                match horizons[i] {
                    Horizon::Opaque => {
                        followed[i] = false;
                        states.remove(&i);
                    }
                    Horizon::Until(next) => {
                        let found = prints.remove(&i).unwrap_or_default();
                        states.entry(i).or_default().push((day, found));
                        if let Some(next) = next.filter(|n| *n <= end) {
                            due.entry(next).or_default().push(i);
                        }
                    }
                }
            }
        }
        let mut first = Firsts::new();
        let mut until = HashMap::new();
        for (policy, states) in states {
            // State 0 is the start, which the check reports; a fingerprint is new from the first
            // later state that holds it, and gone after the last one when a later state lacks it.
            let mut last: HashMap<&str, usize> = HashMap::new();
            for (k, (day, prints)) in states.iter().enumerate().skip(1) {
                for print in prints {
                    if self.before.contains(print.as_str()) {
                        continue;
                    }
                    first.entry(print.clone()).or_insert((policy, *day));
                    last.insert(print, k);
                }
            }
            for (print, k) in last {
                if let Some((next, _)) = states.get(k + 1) {
                    until.insert(print.to_string(), *next - Days::new(1));
                }
            }
        }
        (first, until, followed)
    }

    /// The probe search, for the policies `searched` marks: they are evaluated at the probe
    /// days, and each finding that appears (or disappears) between two probes is dated by
    /// bisection. Adds to `first` and `until`.
    fn probes(
        &mut self,
        searched: &[bool],
        first: &mut Firsts,
        until: &mut HashMap<String, NaiveDate>,
    ) {
        let days = self.probe.days.clone();
        // Per new fingerprint, its policy and the probes where it holds. Every probe day is
        // evaluated in one pass, verdicts only: what does not read `now` is evaluated once.
        let nows: Vec<DateTime<FixedOffset>> = days.iter().map(|d| midnight(*d)).collect();
        let by_day = self.engines.engine.fingerprints_by_day(
            self.documents,
            &self.data,
            &nows,
            Some(searched),
            self.meter,
        );
        let mut seen: HashMap<String, (usize, Vec<usize>)> = HashMap::new();
        for (k, found) in by_day.into_iter().enumerate() {
            for (policy, print) in found {
                if self.before.contains(print.as_str()) {
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
        let mut firsts: HashMap<String, NaiveDate> = HashMap::new();
        for ((k, policy), prints) in appear {
            let absent = if k == 0 {
                self.probe.start
            } else {
                days[k - 1]
            };
            self.flip_days(policy, (absent, days[k]), prints, true, &mut firsts);
        }
        for ((k, policy), prints) in vanish {
            self.flip_days(policy, (days[k], days[k + 1]), prints, false, until);
        }
        for (print, date) in firsts {
            if let Some((policy, _)) = seen.get(&print) {
                first.insert(print, (*policy, date));
            }
        }
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

    /// Every built-in policy, compiled, with the runtime and parameters they need.
    fn builtin() -> (Runtime, Node, Arc<Vec<Policy>>) {
        let packs: Vec<String> = crate::policy::packs::names()
            .iter()
            .map(|p| p.to_string())
            .collect();
        let runtime = Runtime::new();
        let params = crate::policy::params(None);
        let sources = crate::policy::sources::builtin(&packs);
        let set = crate::policy::load(&sources, &params, &runtime);
        (runtime, params, set.policies)
    }

    /// The documents of a fixture plan and their data.
    fn fixture(name: &str) -> (Vec<Document>, Vec<Data>) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let loaded = crate::document::load(
            &root.join("fixtures/plans").join(name),
            name,
            &crate::document::LoadOptions::default(),
        )
        .unwrap();
        let data = loaded
            .documents
            .iter()
            .map(|d| Data::from_node(&d.root))
            .collect();
        (loaded.documents, data)
    }

    /// An engine of `policies` with the built-in parameters, for the fixtures.
    fn engine(runtime: &Runtime, params: &Node, policies: Arc<Vec<Policy>>) -> Engine {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Engine::new(
            runtime,
            policies,
            params,
            midnight(day("2026-01-01")),
            root.to_path_buf(),
        )
    }

    #[test]
    fn every_probe_day_at_once_finds_what_each_day_alone_finds() {
        let (runtime, params, policies) = builtin();
        let engine = engine(&runtime, &params, policies.clone());
        let (documents, data) = fixture("payments-plan.yaml");
        // Every 30 days over four years: reviews, exercises, tests and evidence lapse in turn.
        let days: Vec<_> = (0..50)
            .map(|k| midnight(day("2025-06-01") + Days::new(30 * k)))
            .collect();
        let meter = Meter::default();
        let at_once = engine.fingerprints_by_day(&documents, &data, &days, None, &meter);
        let timed = |policy: &usize| reads_now(&policies[*policy]);
        let mut distinct = HashSet::new();
        for (now, found) in days.iter().zip(at_once) {
            let alone: std::collections::BTreeSet<(usize, String)> = engine
                .check_all_as_of(&documents, &data, *now, None, &meter)
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
    fn the_timeline_search_predicts_every_day_of_the_built_in_policies() {
        let (runtime, params, policies) = builtin();
        let real = engine(&runtime, &params, policies.clone());
        let rewritten = policies.iter().map(Policy::with_now_on_the_left).collect();
        let traced = engine(&runtime, &params, Arc::new(rewritten)).with_traced_now();
        let timed: Vec<bool> = policies.iter().map(reads_now).collect();
        let meter = Meter::default();
        for plan in ["payments-plan.yaml", "city-iscp-low.yaml"] {
            let (documents, data) = fixture(plan);
            // Every day over three years: reviews, exercises, tests and evidence lapse in turn.
            let days: Vec<NaiveDate> = (0..1100)
                .map(|k| day("2025-01-01") + Days::new(k))
                .collect();
            let nows: Vec<_> = days.iter().map(|d| midnight(*d)).collect();
            let per_policy = |found: Vec<(usize, String)>| {
                let mut by: HashMap<usize, std::collections::BTreeSet<String>> = HashMap::new();
                for (policy, print) in found {
                    by.entry(policy).or_default().insert(print);
                }
                by
            };
            let truth: Vec<_> = real
                .fingerprints_by_day(&documents, &data, &nows, Some(&timed), &meter)
                .into_iter()
                .map(per_policy)
                .collect();
            let mut changes = 0;
            for (k, now) in nows.iter().enumerate() {
                let (found, horizons) =
                    traced.fingerprints_traced(&documents, &data, *now, &timed, &meter);
                let found = per_policy(found);
                assert_eq!(found, truth[k], "{plan} as of {now}");
                for (policy, horizon) in horizons.iter().enumerate().filter(|(p, _)| timed[*p]) {
                    let Horizon::Until(until) = horizon else {
                        panic!("{} is not followed on {plan}", policies[policy].id);
                    };
                    // The same findings on every day up to the horizon, and a change on it.
                    let last = until.map_or(nows.len(), |u| {
                        nows.iter().position(|n| *n >= u).unwrap_or(nows.len())
                    });
                    for later in k + 1..last {
                        assert_eq!(
                            truth[later].get(&policy),
                            truth[k].get(&policy),
                            "{} on {plan}: {} holds until {until:?}",
                            policies[policy].id,
                            nows[k]
                        );
                    }
                    if truth
                        .get(last)
                        .is_some_and(|t| t.get(&policy) != truth[k].get(&policy))
                    {
                        changes += 1;
                    }
                }
            }
            assert!(changes >= 10, "{plan}: the days differ ({changes} changes)");
        }
    }

    #[test]
    fn midnight_is_utc() {
        assert_eq!(
            midnight(day("2027-01-14")).to_rfc3339(),
            "2027-01-14T00:00:00+00:00"
        );
    }
}
