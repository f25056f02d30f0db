//! A check run: config, discovery, policies, parallel evaluation; returns a report, prints nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, NaiveDate};
use rayon::prelude::*;

use crate::baseline::{self, Baseline, BaselineError};
use crate::config::{self, Config, ConfigError, FailOn};
use crate::document::discover::{self, Candidate};
use crate::document::{self, LoadError, LoadOptions, SourceFile};
use crate::engine::{Engine, EvaluationError, Outcome};
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
        !self.discovery_errors.is_empty()
            || !self.policy_set.errors.is_empty()
            || !self.exceptions.errors.is_empty()
            || !self.baseline_errors.is_empty()
            || self
                .files
                .iter()
                .any(|f| f.load_error.is_some() || !f.errors.is_empty())
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
            out.extend(file.load_error.iter().map(|e| e as &dyn miette::Diagnostic));
            out.extend(file.errors.iter().map(|e| e as &dyn miette::Diagnostic));
        }
        out
    }

    /// The problems not tied to one plan file: policies, arguments, exceptions file, baseline.
    pub fn run_diagnostics(&self) -> Vec<&dyn miette::Diagnostic> {
        let mut out: Vec<&dyn miette::Diagnostic> = Vec::new();
        out.extend(
            self.policy_set
                .errors
                .iter()
                .map(|e| e as &dyn miette::Diagnostic),
        );
        out.extend(
            self.discovery_errors
                .iter()
                .map(|e| e as &dyn miette::Diagnostic),
        );
        out.extend(
            self.exceptions
                .errors
                .iter()
                .map(|e| e as &dyn miette::Diagnostic),
        );
        out.extend(
            self.baseline_errors
                .iter()
                .map(|e| e as &dyn miette::Diagnostic),
        );
        out
    }
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
            config::load(&path, &shown).map_err(RunError::Config)
        }
        None => Ok(Config::default()),
    }
}

/// Reads the policy files and directories named by the user (YAML files, recursively).
pub fn user_policy_sources(paths: &[PathBuf], cwd: &Path) -> (Vec<PolicySource>, Vec<PolicyError>) {
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
            match document::read_text(&path, &name, 4 * 1024 * 1024) {
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
    let (user, errors) = user_policy_sources(files, cwd);
    sources.extend(user);
    let mut set = policy::load(&sources, &policy::params(None), &Runtime::new());
    set.errors.extend(errors);
    Ok(set)
}

/// Runs a whole check.
pub fn run(options: &CheckOptions, cwd: &Path) -> Result<Report, RunError> {
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
    let (user_sources, read_errors) = user_policy_sources(&policy_paths, cwd);
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
    let config_dir = config.dir().unwrap_or(cwd).to_path_buf();
    let is_configured_plan =
        |path: &Path| plan_globs.is_match(discover::display(path, &config_dir));
    if options.only_plans && !config.plans.is_empty() {
        discovery.files.retain(|c| is_configured_plan(&c.path));
    }
    let max_file_size = options
        .max_file_size
        .or(config.max_file_size)
        .unwrap_or(document::DEFAULT_MAX_FILE_SIZE);

    let engine = Engine::new(
        &runtime,
        &policy_set.policies,
        &params,
        now,
        root_dir.clone(),
    );
    let scan_directives = !options.no_exceptions;
    let mut files: Vec<FileReport> = discovery
        .files
        .par_iter()
        .map(|candidate| {
            let load_options = LoadOptions {
                max_file_size,
                markdown_is_plan: !config.plans.is_empty() && is_configured_plan(&candidate.path),
                root: None,
            };
            check_file(&engine, candidate, &load_options, scan_directives)
        })
        .collect();

    let exceptions = if options.no_exceptions {
        Exceptions::disabled()
    } else {
        let path = options
            .exceptions
            .as_ref()
            .map(|p| cwd.join(p))
            .or_else(|| config.exceptions.clone());
        let loaded = match path {
            Some(path) => waiver::file::load(&path, &discover::display(&path, cwd)),
            None => (None, Vec::new()),
        };
        waiver::apply(&mut files, &policy_set.policies, loaded, as_of)
    };
    let mut report = Report {
        files,
        policy_set,
        discovery_errors: discovery.errors,
        as_of,
        elapsed: Duration::ZERO,
        fail_on: options.fail_on.or(config.fail_on).unwrap_or(FailOn::Error),
        root: root_dir,
        cwd: cwd.to_path_buf(),
        exceptions,
        baseline: None,
        baseline_errors: Vec::new(),
    };
    if let Some(path) = &options.baseline {
        let path = cwd.join(path);
        let shown = discover::display(&path, cwd);
        match Baseline::load(&path, &shown) {
            Ok(baseline) => report.apply_baseline(&baseline, &shown),
            Err(e) => report.baseline_errors.push(e),
        }
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Loads one file and evaluates every policy on each of its documents.
fn check_file(
    engine: &Engine<'_>,
    candidate: &Candidate,
    options: &LoadOptions,
    scan_directives: bool,
) -> FileReport {
    let mut report = FileReport {
        name: candidate.name.clone(),
        path: candidate.path.clone(),
        source: None,
        documents: 0,
        findings: Vec::new(),
        outcomes: vec![Outcome::NotApplicable; engine.policies().len()],
        errors: Vec::new(),
        load_error: None,
        skipped: Vec::new(),
        directives: Directives::default(),
    };
    let loaded = match document::load(&candidate.path, &candidate.name, options) {
        Ok(loaded) => loaded,
        Err(err) => {
            report.load_error = Some(err);
            return report;
        }
    };
    report.skipped = loaded.skipped;
    report.documents = loaded.documents.len();
    for doc in &loaded.documents {
        let result = engine.check(doc);
        report.findings.extend(result.findings);
        report.errors.extend(result.errors);
        for (total, outcome) in report.outcomes.iter_mut().zip(result.outcomes) {
            *total = (*total).max(outcome);
        }
    }
    report
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    if scan_directives {
        report.directives = waiver::inline::scan(&loaded.documents);
    }
    if !report.findings.is_empty() || !report.errors.is_empty() || !report.directives.is_empty() {
        report.source = loaded.documents.first().map(|d| d.source.clone());
    }
    report
}
