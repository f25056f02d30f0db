//! A check run: policies compiled, files found, every file loaded and evaluated in parallel
//! within the budget, exceptions and baseline applied; returns a report and prints nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};

use super::settings::{RunError, Settings};
use crate::baseline::Baseline;
use crate::document::discover::{self, Candidate, Input, InputKind, Roots};
use crate::document::{self, Format, LoadError, LoadOptions, API_VERSION, KNOWN_KINDS};
use crate::engine::budget::{Budget, Limit, Meter};
use crate::engine::{pool, Engine};
use crate::expression::{parse_date, Runtime};
use crate::policy::{self, sources, PolicySet};
use crate::report::{FileReport, NoPlan, Report};
use crate::waiver::{self, Exceptions};

/// Called from a worker thread each time a file is checked.
pub type FileDone = Arc<dyn Fn() + Send + Sync>;

/// Called from a worker thread with each file's documents and findings once it is checked (for
/// `due`, which re-evaluates them on other days without loading them again).
pub type Visit = Arc<
    dyn Fn(&Candidate, &[document::Document], &[crate::finding::Finding], &Engine, &Meter)
        + Send
        + Sync,
>;

/// Runs a whole check.
pub fn run(settings: &Settings) -> Result<Report, RunError> {
    Ok(prepare(settings)?.run())
}

/// A check ready to run: config read, policies compiled, files found.
pub struct Prepared {
    engine: Engine,
    /// Whether the run loads the portfolio (see [`needs_workspace`]).
    needs_workspace: bool,
    /// The `criticalTier` parameter, for the report's view of the portfolio.
    critical_tier: i64,
    policy_set: PolicySet,
    discovery: discover::Discovery,
    load: LoadSettings,
    budget: Budget,
    settings: Settings,
    started: Instant,
}

/// What every file is loaded with.
struct LoadSettings {
    max_file_size: u64,
    plan_globs: globset::GlobSet,
    has_plan_globs: bool,
    config_dir: PathBuf,
    root: Arc<Path>,
    scan_directives: bool,
    keep_sources: bool,
    strict: bool,
    /// Files loaded already, for the portfolio.
    preloaded: super::workspace::Preloaded,
}

impl LoadSettings {
    fn is_configured_plan(&self, path: &Path) -> bool {
        self.plan_globs
            .is_match(discover::relative(path, &self.config_dir))
    }

    /// True when a file that does not parse is an error even if it does not look like a plan:
    /// named on its own, matched by the config's `plans`, or `--strict`.
    fn must_parse(&self, candidate: &Candidate) -> bool {
        self.strict
            || candidate.explicit
            || (self.has_plan_globs && self.is_configured_plan(&candidate.path))
    }

    fn options(&self, candidate: &Candidate) -> LoadOptions {
        LoadOptions {
            max_file_size: self.max_file_size,
            markdown_is_plan: self.has_plan_globs && self.is_configured_plan(&candidate.path),
            root: Some(self.root.clone()),
        }
    }
}

/// Compiles the policies and finds the files, without checking any.
pub fn prepare(settings: &Settings) -> Result<Prepared, RunError> {
    let started = Instant::now();
    let now: DateTime<FixedOffset> = parse_date(&settings.as_of.format("%Y-%m-%d").to_string())
        .ok_or_else(|| RunError::Usage("invalid --as-of".into()))?;
    let (policy_set, runtime, params) = compile_policies(settings)?;
    if let (Some(overrides), Some(source)) = (&settings.params, &settings.config_source) {
        let defaults = policy::params(None);
        let errors = super::params::check(overrides, &defaults, &policy_set.policies, source);
        if !errors.is_empty() {
            return Err(RunError::Config(errors));
        }
    }
    // The schema checks run with every set; alone, they are no policy to check against.
    let only_schema = policy_set
        .policies
        .iter()
        .all(|p| p.pack.as_deref() == Some(policy::packs::SCHEMA_PACK));
    if only_schema && policy_set.errors.is_empty() {
        return Err(RunError::Usage(no_policy(settings)));
    }

    let (args, base) = &settings.inputs;
    let mut discovery = discover::discover(args, base, &settings.cwd);
    let (plan_patterns, config_dir) = &settings.plan_globs;
    let plan_globs = discover::glob_set(plan_patterns)
        .map_err(|e| RunError::Usage(format!("invalid `plans` pattern in the config: {e}")))?;
    let load = LoadSettings {
        max_file_size: settings.max_file_size,
        plan_globs,
        has_plan_globs: !plan_patterns.is_empty(),
        config_dir: config_dir.clone(),
        root: Arc::from(settings.root.as_path()),
        scan_directives: settings.apply_exceptions,
        keep_sources: settings.keep_sources,
        strict: settings.strict,
        preloaded: Default::default(),
    };
    let portfolio = match &settings.workspace {
        Some((globs, _)) => discover::glob_set(globs).map_err(|e| {
            RunError::Usage(format!("invalid `workspace` pattern in the config: {e}"))
        })?,
        None => globset::GlobSet::empty(),
    };
    if settings.only_plans {
        // Pre-commit names every staged file: none of them is "explicit".
        for candidate in &mut discovery.files {
            candidate.explicit = false;
        }
        if load.has_plan_globs {
            // A staged register or BIA of the portfolio is checked too.
            discovery.files.retain(|c| {
                load.is_configured_plan(&c.path)
                    || portfolio.is_match(discover::relative(&c.path, &load.config_dir))
            });
        }
    }
    // `fileExists()` and links resolve against the repository holding each plan, so a plan of
    // another repository checks the same from anywhere.
    let config_dir = settings
        .config_source
        .as_ref()
        .and_then(|s| s.path.parent());
    let roots = Roots::per_plan(settings.root.clone(), config_dir.map(Path::to_path_buf));
    let mut engine = Engine::new(
        &runtime,
        policy_set.policies.clone(),
        &params,
        now,
        settings.root.clone(),
    )
    .with_roots(roots)
    .with_packs(policy_set.packs.clone());
    if settings.timings {
        engine.record_time();
    }
    Ok(Prepared {
        engine,
        needs_workspace: settings.report_portfolio || needs_workspace(&policy_set),
        critical_tier: super::workspace::critical_tier(&params),
        policy_set,
        discovery,
        load,
        budget: settings.budget,
        settings: settings.clone(),
        started,
    })
}

/// The policies of a run: the chosen built-in packs and the user's files, compiled once with the
/// run's parameters.
pub fn compile_policies(
    settings: &Settings,
) -> Result<(PolicySet, Runtime, document::Node), RunError> {
    sources::check_packs(&settings.packs)?;
    let mut policy_sources = sources::builtin(&settings.packs);
    let (user, read_errors) = sources::user(&settings.policy_paths, &settings.cwd, &settings.root);
    policy_sources.extend(user);
    let runtime = Runtime::with_syntax_cache(settings.syntax_cache.clone());
    let params = policy::params(settings.params.as_ref());
    let mut policy_set = policy::load(&policy_sources, &params, &runtime);
    policy_set.errors.extend(read_errors);
    let (packs, manifest_errors) = sources::builtin_conditions(&settings.packs, &runtime);
    policy_set.packs = packs;
    policy_set.errors.extend(manifest_errors);
    runtime.save_syntax_cache();
    Ok((policy_set, runtime, params))
}

impl Prepared {
    /// The plan files that will be checked, in order.
    pub fn files(&self) -> &[Candidate] {
        &self.discovery.files
    }

    /// Checks every file, in parallel, within the evaluation budget.
    pub fn run(self) -> Report {
        self.run_with(None)
    }

    /// [`Prepared::run`], calling `done` after each file is checked (for a progress bar).
    pub fn run_with(self, done: Option<FileDone>) -> Report {
        self.run_visiting(done, None)
    }

    /// [`Prepared::run_with`], also handing each file's documents and findings to `visit`.
    pub fn run_visiting(mut self, done: Option<FileDone>, visit: Option<Visit>) -> Report {
        let mut summary = None;
        let mut context_errors = Vec::new();
        if self.needs_workspace {
            let members = match &self.settings.workspace {
                Some((globs, dir)) => discover::discover(globs, dir, &self.settings.cwd).files,
                None => Vec::new(),
            };
            let (load, policies) = (&self.load, self.engine.policies());
            let report = self.settings.report_portfolio;
            let files = &self.discovery.files;
            // Plans alone, with no policy reading the others: nothing to hold, files stream.
            let context = report
                || policies.iter().any(reads_other_plans)
                || super::workspace::has_context(&members, files, |c| load.options(c));
            if context {
                let portfolio = super::workspace::load(
                    &members,
                    files,
                    |c| load.options(c),
                    self.critical_tier,
                    |checked| report || plans_needed(policies, checked),
                );
                self.engine = self
                    .engine
                    .with_workspace(portfolio.value, portfolio.documents);
                self.load.preloaded = portfolio.preloaded;
                summary = portfolio.summary;
                context_errors = portfolio.context_errors;
                self.budget = self.budget.for_workspace(portfolio.documents);
            }
        }
        let shared = Arc::new(self.engine);
        let candidates: Arc<Vec<Candidate>> = Arc::new(self.discovery.files);
        let (engine, load, files) = (shared.clone(), Arc::new(self.load), candidates.clone());
        let work = move |job: pool::Job<'_>| {
            let candidate = &files[job.index];
            let report = check_file(&engine, candidate, &load, job, visit.as_ref());
            if let Some(done) = &done {
                done();
            }
            report
        };
        let disable = |policy| shared.disable(policy);
        crate::engine::alloc::set_limit(self.budget.memory);
        let finished = pool::run(candidates.len(), self.budget, work, disable);
        let mut files: Vec<FileReport> = candidates
            .iter()
            .zip(finished)
            .map(|(candidate, done)| finish(&shared, candidate, done))
            .collect();

        let settings = &self.settings;
        let cwd = &settings.cwd;
        let exceptions = if !settings.apply_exceptions {
            Exceptions::disabled()
        } else {
            let loaded = match &settings.exceptions {
                Some(path) => waiver::file::load(path, &discover::display(path, cwd)),
                None => (None, Vec::new()),
            };
            let views = files.iter_mut().map(FileReport::for_waivers);
            waiver::apply(views, &self.policy_set.policies, loaded, settings.as_of)
        };
        let input_errors = if settings.only_plans {
            Vec::new()
        } else {
            no_plans(&self.discovery.inputs, &files, &settings.cwd)
        };
        let mut report = Report {
            files,
            policy_set: self.policy_set,
            discovery_errors: self.discovery.errors,
            input_errors,
            context_errors,
            as_of: settings.as_of,
            elapsed: Duration::ZERO,
            fail_on: settings.fail_on,
            root: settings.root.clone(),
            cwd: cwd.clone(),
            exceptions,
            baseline: None,
            baseline_errors: Vec::new(),
            time_spent: shared.time_spent(),
            hidden: [0; 3],
            portfolio: summary,
            upcoming: None,
        };
        if let Some(path) = &settings.baseline {
            let shown = discover::display(path, cwd);
            match Baseline::load(path, &shown) {
                Ok(baseline) => report.apply_baseline(&baseline, &shown),
                Err(e) => report.baseline_errors.push(e),
            }
        }
        report.elapsed = self.started.elapsed();
        report
    }
}

/// The report of a file from how its job ended: a file the run stopped before is reported as not
/// checked, with the budget that stopped it.
fn finish(engine: &Engine, candidate: &Candidate, done: pool::Finished<FileReport>) -> FileReport {
    let checked = done.result.is_some();
    let mut report = done
        .result
        .unwrap_or_else(|| FileReport::empty(candidate, engine.policies().len()));
    if let Some(panic) = done.panic {
        report.load_error = Some(LoadError::Read {
            file: candidate.name.clone(),
            reason: format!(
                "internal error while checking this file (a bug; please report it): {panic}"
            ),
        });
    }
    // A file checked to the end reported its time overruns itself, with the document at hand;
    // otherwise every overrun is reported here.
    let unreported = done
        .overruns
        .iter()
        .filter(|o| !checked || matches!(o.limit, Limit::Memory { .. }));
    for overrun in unreported {
        report
            .budget
            .push(engine.budget_error(&candidate.name, None, overrun));
    }
    report
}

/// Loads one file and evaluates every policy on each of its documents.
fn check_file(
    engine: &Engine,
    candidate: &Candidate,
    load: &LoadSettings,
    job: pool::Job<'_>,
    visit: Option<&Visit>,
) -> FileReport {
    let options = &load.options(candidate);
    let mut report = FileReport::empty(candidate, engine.policies().len());
    // A file of the portfolio was loaded and converted already.
    let loading = match load.preloaded.take(&candidate.name) {
        Some(loading) => loading,
        None => document::load(&candidate.path, &candidate.name, options).map(|l| (l, Vec::new())),
    };
    let (loaded, data) = match loading {
        Ok(loaded) => loaded,
        Err(err) if err.is_foreign() && !load.must_parse(candidate) => {
            report.skipped.push(format!(
                "does not parse and has no `apiVersion: {API_VERSION}` line, so it is taken for \
                 another tool's file (--strict reports it)"
            ));
            return report;
        }
        Err(err) => {
            report.load_error = Some(err);
            return report;
        }
    };
    report.skipped = loaded.skipped;
    report.documents = loaded.documents.len();
    let checked = engine.check_all_converted(&loaded.documents, &data, job.meter);
    (
        report.findings,
        report.errors,
        report.outcomes,
        report.packs,
    ) = (
        checked.findings,
        checked.errors,
        checked.outcomes,
        checked.packs,
    );
    if let Some(visit) = visit {
        visit(
            candidate,
            &loaded.documents,
            &report.findings,
            engine,
            job.meter,
        );
    }
    // Earlier attempts at this file overran the time budget: say where, now that the document is
    // at hand.
    for overrun in job.overruns {
        let doc = overrun
            .evaluation
            .and_then(|e| loaded.documents.get(e.document));
        report
            .budget
            .push(engine.budget_error(&candidate.name, doc, overrun));
    }
    if load.scan_directives {
        report.directives = waiver::inline::scan(&loaded.documents);
    }
    // Sources are the bulk of a large run's memory: kept only where something will show them.
    let shown =
        !report.findings.is_empty() || !report.errors.is_empty() || !report.budget.is_empty();
    if !report.directives.is_empty() || (load.keep_sources && shown) {
        report.source = loaded.documents.first().map(|d| d.source.clone());
    }
    report
}

/// True when `policy` reads the portfolio's other plans on any plan: it applies to plans, and
/// not only to their `delegations` (whose presence [`super::workspace::has_context`] looks for).
fn reads_other_plans(policy: &policy::Policy) -> bool {
    policy.reads_other_plans()
        && policy.applies_to_kind(document::workspace::PLAN)
        && policy.part() != Some("delegations")
}

/// True when checking `documents` needs the portfolio's other plans: one of them delegates a
/// part to another plan, or a policy that reads what other plans give applies to one of them.
fn plans_needed(policies: &[policy::Policy], documents: &[&document::Document]) -> bool {
    let delegates = |doc: &&document::Document| {
        doc.root
            .as_map()
            .is_some_and(|m| m.get("delegations").is_some())
    };
    documents.iter().any(delegates)
        || policies.iter().filter(|p| p.reads_other_plans()).any(|p| {
            documents.iter().any(|doc| {
                p.applies_to_kind(&doc.kind)
                    && p.select
                        .as_ref()
                        .is_none_or(|s| !s.matches(&doc.root).is_empty())
            })
        })
}

/// True when the run needs the portfolio: a policy or a pack's condition reads `workspace`, or a
/// policy checks a part of a plan that a plan may delegate to another.
fn needs_workspace(policy_set: &PolicySet) -> bool {
    policy_set
        .policies
        .iter()
        .any(|p| p.reads_workspace() || p.part().is_some())
        || policy_set.packs.iter().any(|pack| {
            pack.condition
                .as_ref()
                .is_some_and(|c| c.free.iter().any(|(name, _)| name == "workspace"))
        })
}

/// Why a run has no policy: what was chosen, and how to choose some.
fn no_policy(settings: &Settings) -> String {
    let packs = if settings.packs.is_empty() {
        "no built-in pack is chosen (--no-default-packs, or `packs: []` in the config)"
    } else {
        "the chosen packs hold no policy"
    };
    let user = if settings.policy_paths.is_empty() {
        "no --policy file is given".to_string()
    } else {
        let names: Vec<String> = settings
            .policy_paths
            .iter()
            .map(|p| format!("`{}`", discover::display(p, &settings.cwd)))
            .collect();
        format!("{} hold no policy file", names.join(", "))
    };
    format!(
        "no policy to check against: {packs} and {user}; a run that checks nothing cannot pass. \
         Drop --no-default-packs, or name policy files with --policy FILE|DIR"
    )
}

/// The inputs that gave no plan to check, each with what was searched and why nothing matched.
/// A file that failed to load is reported already and counts as found.
fn no_plans(inputs: &[Input], files: &[FileReport], cwd: &Path) -> Vec<NoPlan> {
    let by_name: std::collections::HashMap<&str, &FileReport> =
        files.iter().map(|f| (f.name.as_str(), f)).collect();
    let mut errors = Vec::new();
    for input in inputs {
        let found: Vec<&FileReport> = input
            .files
            .iter()
            .filter_map(|name| by_name.get(name.as_str()).copied())
            .collect();
        let reported =
            |f: &&FileReport| f.documents > 0 || f.load_error.is_some() || !f.budget.is_empty();
        if found.iter().any(reported) {
            continue;
        }
        let markdown = found
            .iter()
            .any(|f| Format::of(&f.path) == Some(Format::Markdown));
        let mut help = format!(
            "a plan is YAML (or Markdown front matter) declaring `apiVersion: {API_VERSION}` and a \
             `kind:` ({}); `bcpcheck init` writes one",
            KNOWN_KINDS.join(", ")
        );
        if markdown {
            help.push_str(&format!(
                ". To declare a Markdown file a plan, open it with front matter (between `---` \
                 lines) holding `apiVersion: {API_VERSION}` and `kind: ContinuityPlan`, or match it \
                 with `plans:` in bcpcheck.yaml"
            ));
        }
        let message = match (input.kind, found.as_slice()) {
            (InputKind::File, [file]) => format!(
                "`{}` was not checked: {}",
                input.arg,
                file.skipped.join("; ")
            ),
            (InputKind::File, _) => format!("`{}` gave no plan", input.arg),
            (kind, []) => {
                let filter = match kind {
                    InputKind::Glob => "matches the pattern",
                    _ => "has a .yaml, .yml, .md or .markdown extension",
                };
                let dir = display_dir(&input.searched);
                let searched = match input.seen {
                    0 if !cwd.join(dir).exists() => format!("`{dir}` does not exist"),
                    0 => format!("`{dir}` holds no file"),
                    n if kind == InputKind::Directory => {
                        format!("none of the {} in it {filter}", plural(n, "file"))
                    }
                    n => format!("searched {} in `{dir}`, none {filter}", plural(n, "file")),
                };
                help = format!(
                    "check the path or pattern for a typo; {help}",
                    help = if kind == InputKind::Glob {
                        "glob patterns are relative to the working directory (or, for `plans:`, to \
                         the config's directory)"
                    } else {
                        "bcpcheck looks for .yaml, .yml, .md and .markdown files"
                    }
                );
                if kind == InputKind::Glob {
                    format!("`{}` matched no file: {searched}", input.arg)
                } else {
                    format!("no plan in `{}`: {searched}", input.arg)
                }
            }
            (_, found) => format!(
                "`{}` holds no plan: {} found in `{}`, none is a bcpcheck document \
                 (--verbose lists why each was skipped)",
                input.arg,
                plural(found.len(), "file"),
                display_dir(&input.searched)
            ),
        };
        errors.push(NoPlan {
            input: input.arg.clone(),
            message,
            help,
        });
    }
    errors
}

fn display_dir(dir: &str) -> &str {
    if dir.is_empty() {
        "."
    } else {
        dir
    }
}

fn plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}
