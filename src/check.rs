//! A check run: config, discovery, policies, parallel evaluation; returns a report, prints nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::baseline::{self, Baseline, BaselineError};
use crate::config::{self, Config, ConfigError, FailOn};
use crate::document::discover::{self, Candidate};
use crate::document::{self, LoadError, LoadOptions, SourceFile};
use crate::engine::budget::{Budget, BudgetExceeded, Limit};
use crate::engine::{pool, Engine, EvaluationError, Outcome};
use crate::expression::{parse_date, Runtime};
use crate::finding::Finding;
use crate::policy::{self, packs, PolicyError, PolicySet, PolicySource, Severity};
use crate::waiver::{self, inline::Directives, ExceptionNotice, Exceptions};

/// What a check run needs to know, from flags and config.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Paths, directories or globs; empty means the config's `plans`, else ".".
    pub paths: Vec<String>,
    /// Extra policy files or directories.
    pub policies: Vec<PathBuf>,
    /// Built-in packs (empty: the config's, else all).
    pub packs: Vec<String>,
    /// Run no built-in pack.
    pub no_default_packs: bool,
    /// Evaluation date (default: today, UTC).
    pub as_of: Option<NaiveDate>,
    /// Explicit config file.
    pub config: Option<PathBuf>,
    /// Largest file accepted.
    pub max_file_size: Option<u64>,
    /// Failure threshold from the command line.
    pub fail_on: Option<FailOn>,
    /// Keep only files matched by the config's `plans` globs.
    pub only_plans: bool,
    /// Exceptions file (default: `exceptions` of the config).
    pub exceptions: Option<PathBuf>,
    /// Apply no exception at all (`--no-exceptions`).
    pub no_exceptions: bool,
    /// Baseline file: findings whose fingerprint is in it do not fail the run.
    pub baseline: Option<PathBuf>,
    /// Time budget of one evaluation, in milliseconds.
    pub max_eval_ms: Option<u64>,
    /// Memory budget of the run, in bytes (0: none).
    pub max_memory: Option<u64>,
    /// Record the time spent in each policy.
    pub timings: bool,
}

/// The result of one file.
#[derive(Debug)]
pub struct FileReport {
    /// File as shown.
    pub name: String,
    /// Where it is on disk.
    pub path: PathBuf,
    /// Its text, kept when something is reported in it.
    pub source: Option<Arc<SourceFile>>,
    /// Plan documents checked in it.
    pub documents: usize,
    /// Findings, sorted.
    pub findings: Vec<Finding>,
    /// Per policy of the run, its outcome over the file's documents.
    pub outcomes: Vec<Outcome>,
    /// Policy bugs met while evaluating this file.
    pub errors: Vec<EvaluationError>,
    /// Policies stopped for exceeding the evaluation budget on this file, or the run stopping
    /// before this file was checked.
    pub budget: Vec<BudgetExceeded>,
    /// Why the file could not be read or parsed.
    pub load_error: Option<LoadError>,
    /// Documents in it that are not plans, and why.
    pub skipped: Vec<String>,
    /// Inline `# bcpcheck: ignore[...]` comments found in it.
    pub directives: Directives,
}

/// Everything a renderer needs.
pub struct Report {
    /// Per file, sorted by name.
    pub files: Vec<FileReport>,
    /// The policies that ran.
    pub policy_set: PolicySet,
    /// Arguments that named nothing readable.
    pub discovery_errors: Vec<LoadError>,
    /// The evaluation date.
    pub as_of: NaiveDate,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Failure threshold in force.
    pub fail_on: FailOn,
    /// The repository root: report URIs are relative to it.
    pub root: PathBuf,
    /// The working directory: file names as shown are relative to it.
    pub cwd: PathBuf,
    /// Exceptions and what they waived.
    pub exceptions: Exceptions,
    /// The baseline applied, if any.
    pub baseline: Option<baseline::Applied>,
    /// A baseline that could not be read.
    pub baseline_errors: Vec<BaselineError>,
    /// Per policy (in `policy_set` order), the evaluation time over every thread (`--timings`).
    pub time_spent: Option<Vec<Duration>>,
}

/// A problem that stops the run before any plan is checked.
#[derive(Debug)]
pub enum RunError {
    /// The config file is unreadable or invalid.
    Config(Vec<ConfigError>),
    /// A flag value is invalid.
    Usage(String),
}

impl Report {
    /// Every finding, in output order.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }

    /// Findings of one severity that count (neither waived nor baselined).
    pub fn count(&self, severity: Severity) -> usize {
        self.findings()
            .filter(|f| f.is_active() && f.severity == severity)
            .count()
    }

    /// A file shown as `name` (relative to the working directory), relative to the repository root.
    pub fn repo_path(&self, name: &str) -> String {
        discover::display(&self.cwd.join(name), &self.root)
    }

    /// Findings waived by an exception.
    pub fn waived(&self) -> usize {
        self.findings().filter(|f| f.waiver().is_some()).count()
    }

    /// Findings accepted by the baseline.
    pub fn baselined(&self) -> usize {
        self.findings().filter(|f| f.is_baselined()).count()
    }

    /// Warnings about exceptions: expired, unused, malformed.
    pub fn notices(&self) -> &[ExceptionNotice] {
        &self.exceptions.notices
    }

    /// Applies `baseline` (read from, or written to, `file`): its findings stop counting.
    pub fn apply_baseline(&mut self, baseline: &Baseline, file: &str) {
        self.baseline = Some(baseline.apply(&mut self.files, file));
    }

    /// Files in which at least one plan document was checked.
    pub fn checked_files(&self) -> usize {
        self.files.iter().filter(|f| f.documents > 0).count()
    }

    /// True when an input, a policy or an evaluation failed (exit code 2).
    pub fn has_errors(&self) -> bool {
        !self.diagnostics().is_empty()
    }

    /// The process exit code: 2 for problems, 1 for findings at or above the threshold, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.has_errors() {
            return 2;
        }
        let threshold = match self.fail_on {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        };
        let failing = |t: Severity| {
            self.findings().any(|f| f.is_active() && f.severity >= t)
                || (!self.notices().is_empty() && Severity::Warning >= t)
        };
        match threshold {
            Some(t) if failing(t) => 1,
            _ => 0,
        }
    }

    /// The policy errors, then every file's load and evaluation errors, as diagnostics.
    pub fn diagnostics(&self) -> Vec<&dyn miette::Diagnostic> {
        let mut out = self.run_diagnostics();
        for file in &self.files {
            out.extend(as_diagnostics(file.load_error.as_slice()));
            out.extend(as_diagnostics(&file.errors));
            out.extend(as_diagnostics(&file.budget));
        }
        out
    }

    /// The problems not tied to one plan file: policies, arguments, exceptions file, baseline.
    pub fn run_diagnostics(&self) -> Vec<&dyn miette::Diagnostic> {
        let mut out: Vec<&dyn miette::Diagnostic> = Vec::new();
        out.extend(as_diagnostics(&self.policy_set.errors));
        out.extend(as_diagnostics(&self.discovery_errors));
        out.extend(as_diagnostics(&self.exceptions.errors));
        out.extend(as_diagnostics(&self.baseline_errors));
        out
    }
}

fn as_diagnostics<E: miette::Diagnostic>(
    errors: &[E],
) -> impl Iterator<Item = &dyn miette::Diagnostic> {
    errors.iter().map(|e| e as &dyn miette::Diagnostic)
}

/// The repository root: the nearest ancestor of `cwd` holding `.git`, else `cwd`.
pub fn repository_root(cwd: &Path) -> PathBuf {
    cwd.ancestors()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(cwd)
        .to_path_buf()
}

/// Parses `--as-of`.
pub fn parse_as_of(text: &str) -> Result<NaiveDate, RunError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| RunError::Usage(format!("--as-of `{text}` is not a date; write YYYY-MM-DD")))
}

/// Loads the config named by `options` or found upward from `cwd`.
pub fn load_config(options: &CheckOptions, cwd: &Path) -> Result<Config, RunError> {
    match config::find(options.config.as_deref(), cwd) {
        Some(path) => {
            let shown = discover::display(&path, cwd);
            let read_error = |e: LoadError| {
                RunError::Config(vec![ConfigError::Read {
                    file: shown.clone(),
                    reason: e.to_string(),
                }])
            };
            document::confine(&path, &shown, &repository_root(cwd)).map_err(read_error)?;
            config::load(&path, &shown).map_err(RunError::Config)
        }
        None => Ok(Config::default()),
    }
}

/// Reads the policy files and directories named by the user (YAML files, recursively); a file
/// inside `root` is not read through a symbolic link that leads out of it.
pub fn user_policy_sources(
    paths: &[PathBuf],
    cwd: &Path,
    root: &Path,
) -> (Vec<PolicySource>, Vec<PolicyError>) {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let arg = path.to_string_lossy().into_owned();
        let found = discover::discover(&[arg], Path::new(""), cwd);
        for err in found.errors {
            errors.push(PolicyError::Read {
                file: err.file().to_string(),
                reason: err.to_string(),
            });
        }
        for Candidate { path, name } in found.files {
            if document::Format::of(&path) != Some(document::Format::Yaml) {
                continue;
            }
            // Fixtures and manifests live beside policies; they are not policies.
            if name.split('/').any(|part| part == "tests") {
                continue;
            }
            let read = document::confine(&path, &name, root)
                .and_then(|real| document::read_text(&real, &name, 4 * 1024 * 1024));
            match read {
                Ok(text) => sources.push(PolicySource {
                    name,
                    path,
                    text,
                    pack: None,
                }),
                Err(e) => errors.push(PolicyError::Read {
                    file: name,
                    reason: e.to_string(),
                }),
            }
        }
    }
    (sources, errors)
}

/// The built-in packs named (all when empty) plus the given policy files, compiled with default params.
pub fn policy_catalogue(
    packs: &[String],
    files: &[PathBuf],
    cwd: &Path,
) -> Result<PolicySet, RunError> {
    let known = packs::names();
    if let Some(unknown) = packs.iter().find(|p| !known.contains(&p.as_str())) {
        return Err(RunError::Usage(format!(
            "unknown pack `{unknown}`; built-in packs: {}",
            known.join(", ")
        )));
    }
    let packs: Vec<String> = if packs.is_empty() {
        known.iter().map(|s| s.to_string()).collect()
    } else {
        packs.to_vec()
    };
    let mut sources = policy::builtin_sources(&packs);
    let (user, errors) = user_policy_sources(files, cwd, &repository_root(cwd));
    sources.extend(user);
    let mut set = policy::load(&sources, &policy::params(None), &Runtime::new());
    set.errors.extend(errors);
    Ok(set)
}

/// Runs a whole check.
pub fn run(options: &CheckOptions, cwd: &Path) -> Result<Report, RunError> {
    Ok(prepare(options, cwd)?.run())
}

/// A check ready to run: config read, policies compiled, files found.
pub struct Prepared {
    engine: Arc<Engine>,
    policy_set: PolicySet,
    discovery: discover::Discovery,
    load: Arc<LoadSettings>,
    budget: Budget,
    options: CheckOptions,
    config_exceptions: Option<PathBuf>,
    as_of: NaiveDate,
    fail_on: FailOn,
    root: PathBuf,
    cwd: PathBuf,
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
}

impl LoadSettings {
    fn is_configured_plan(&self, path: &Path) -> bool {
        self.plan_globs
            .is_match(discover::relative(path, &self.config_dir))
    }

    fn options(&self, candidate: &Candidate) -> LoadOptions {
        LoadOptions {
            max_file_size: self.max_file_size,
            markdown_is_plan: self.has_plan_globs && self.is_configured_plan(&candidate.path),
            root: Some(self.root.clone()),
        }
    }
}

/// Reads the config, compiles the policies and finds the files, without checking any.
pub fn prepare(options: &CheckOptions, cwd: &Path) -> Result<Prepared, RunError> {
    let started = Instant::now();
    let config = load_config(options, cwd)?;
    let as_of = options
        .as_of
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let now: DateTime<FixedOffset> = parse_date(&as_of.format("%Y-%m-%d").to_string())
        .ok_or_else(|| RunError::Usage("invalid --as-of".into()))?;
    let root_dir = repository_root(cwd);

    let packs: Vec<String> = if options.no_default_packs {
        Vec::new()
    } else if !options.packs.is_empty() {
        options.packs.clone()
    } else {
        config
            .packs
            .clone()
            .unwrap_or_else(|| packs::names().into_iter().map(String::from).collect())
    };
    let known = packs::names();
    if let Some(unknown) = packs
        .iter()
        .chain(&options.packs)
        .find(|p| !known.contains(&p.as_str()))
    {
        return Err(RunError::Usage(format!(
            "unknown pack `{unknown}`; built-in packs: {}",
            known.join(", ")
        )));
    }
    let mut sources = policy::builtin_sources(&packs);
    let mut policy_paths = config.policies.clone();
    policy_paths.extend(options.policies.iter().map(|p| cwd.join(p)));
    let (user_sources, read_errors) = user_policy_sources(&policy_paths, cwd, &root_dir);
    sources.extend(user_sources);
    let runtime = Runtime::new();
    let params = policy::params(config.params.as_ref());
    let mut policy_set = policy::load(&sources, &params, &runtime);
    policy_set.errors.extend(read_errors);

    let (args, base): (Vec<String>, PathBuf) = if !options.paths.is_empty() {
        (options.paths.clone(), cwd.to_path_buf())
    } else if !config.plans.is_empty() {
        (
            config.plans.clone(),
            config.dir().unwrap_or(cwd).to_path_buf(),
        )
    } else {
        (vec![".".to_string()], cwd.to_path_buf())
    };
    let mut discovery = discover::discover(&args, &base, cwd);
    let plan_globs = discover::glob_set(&config.plans)
        .map_err(|e| RunError::Usage(format!("invalid `plans` pattern in the config: {e}")))?;
    let load = LoadSettings {
        max_file_size: options
            .max_file_size
            .or(config.max_file_size)
            .unwrap_or(document::DEFAULT_MAX_FILE_SIZE),
        plan_globs,
        has_plan_globs: !config.plans.is_empty(),
        config_dir: config.dir().unwrap_or(cwd).to_path_buf(),
        root: Arc::from(root_dir.as_path()),
        scan_directives: !options.no_exceptions,
    };
    if options.only_plans && load.has_plan_globs {
        discovery.files.retain(|c| load.is_configured_plan(&c.path));
    }
    let defaults = Budget::default();
    let budget = Budget {
        eval_time: options
            .max_eval_ms
            .or(config.max_eval_ms)
            .map_or(defaults.eval_time, Duration::from_millis),
        memory: match options.max_memory.or(config.max_memory) {
            Some(0) => None,
            Some(bytes) => Some(bytes),
            None => defaults.memory,
        },
    };
    let mut engine = Engine::new(
        &runtime,
        policy_set.policies.clone(),
        &params,
        now,
        root_dir.clone(),
    );
    if options.timings {
        engine.record_time();
    }
    Ok(Prepared {
        engine: Arc::new(engine),
        policy_set,
        discovery,
        load: Arc::new(load),
        budget,
        options: options.clone(),
        config_exceptions: config.exceptions.clone(),
        as_of,
        fail_on: options.fail_on.or(config.fail_on).unwrap_or(FailOn::Error),
        root: root_dir,
        cwd: cwd.to_path_buf(),
        started,
    })
}

impl Prepared {
    /// The plan files that will be checked, in order.
    pub fn files(&self) -> &[Candidate] {
        &self.discovery.files
    }

    /// Checks every file, in parallel, within the evaluation budget.
    pub fn run(self) -> Report {
        let candidates: Arc<Vec<Candidate>> = Arc::new(self.discovery.files);
        let (engine, load, files) = (self.engine.clone(), self.load.clone(), candidates.clone());
        let work = move |job: pool::Job<'_>| {
            let candidate = &files[job.index];
            check_file(
                &engine,
                candidate,
                &load.options(candidate),
                load.scan_directives,
                job,
            )
        };
        let disable = |policy| self.engine.disable(policy);
        crate::engine::alloc::set_limit(self.budget.memory);
        let finished = pool::run(candidates.len(), self.budget, work, disable);
        let mut files: Vec<FileReport> = candidates
            .iter()
            .zip(finished)
            .map(|(candidate, done)| finish(&self.engine, candidate, done))
            .collect();

        let (options, cwd) = (&self.options, &self.cwd);
        let exceptions = if options.no_exceptions {
            Exceptions::disabled()
        } else {
            let path = options
                .exceptions
                .as_ref()
                .map(|p| cwd.join(p))
                .or(self.config_exceptions);
            let loaded = match path {
                Some(path) => waiver::file::load(&path, &discover::display(&path, cwd)),
                None => (None, Vec::new()),
            };
            waiver::apply(&mut files, &self.policy_set.policies, loaded, self.as_of)
        };
        let mut report = Report {
            files,
            policy_set: self.policy_set,
            discovery_errors: self.discovery.errors,
            as_of: self.as_of,
            elapsed: Duration::ZERO,
            fail_on: self.fail_on,
            root: self.root,
            cwd: self.cwd.clone(),
            exceptions,
            baseline: None,
            baseline_errors: Vec::new(),
            time_spent: self.engine.time_spent(),
        };
        if let Some(path) = &options.baseline {
            let path = cwd.join(path);
            let shown = discover::display(&path, cwd);
            match Baseline::load(&path, &shown) {
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

impl FileReport {
    fn empty(candidate: &Candidate, policies: usize) -> Self {
        FileReport {
            name: candidate.name.clone(),
            path: candidate.path.clone(),
            source: None,
            documents: 0,
            findings: Vec::new(),
            outcomes: vec![Outcome::NotApplicable; policies],
            errors: Vec::new(),
            budget: Vec::new(),
            load_error: None,
            skipped: Vec::new(),
            directives: Directives::default(),
        }
    }
}

/// Loads one file and evaluates every policy on each of its documents.
fn check_file(
    engine: &Engine,
    candidate: &Candidate,
    options: &LoadOptions,
    scan_directives: bool,
    job: pool::Job<'_>,
) -> FileReport {
    let mut report = FileReport::empty(candidate, engine.policies().len());
    let loaded = match document::load(&candidate.path, &candidate.name, options) {
        Ok(loaded) => loaded,
        Err(err) => {
            report.load_error = Some(err);
            return report;
        }
    };
    report.skipped = loaded.skipped;
    report.documents = loaded.documents.len();
    for (index, doc) in loaded.documents.iter().enumerate() {
        let result = engine.check(doc, index, job.meter);
        report.findings.extend(result.findings);
        report.errors.extend(result.errors);
        for (total, outcome) in report.outcomes.iter_mut().zip(result.outcomes) {
            *total = (*total).max(outcome);
        }
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
    report
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    if scan_directives {
        report.directives = waiver::inline::scan(&loaded.documents);
    }
    if !report.findings.is_empty()
        || !report.errors.is_empty()
        || !report.directives.is_empty()
        || !report.budget.is_empty()
    {
        report.source = loaded.documents.first().map(|d| d.source.clone());
    }
    report
}
