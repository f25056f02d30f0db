//! The report of a run: per file its findings, outcomes and problems, and what the run applied
//! (policies, exceptions, baseline). Built by the run, read by the renderers.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use miette::Diagnostic;
use thiserror::Error;

use crate::baseline::{self, Baseline, BaselineError};
use crate::config::FailOn;
use crate::document::discover::{self, Candidate};
use crate::document::{LoadError, SourceFile};
use crate::engine::budget::BudgetExceeded;
use crate::engine::{EvaluationError, Outcome};
use crate::finding::{Finding, Severity};
use crate::policy::{Policy, PolicySet};
use crate::waiver::{inline::Directives, ExceptionNotice, Exceptions, PlanFindings};

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
    /// Per built-in pack with a condition, whether it applied to the file's plans.
    pub packs: Vec<(String, bool)>,
}

/// A path or glob, on the command line or in the config, that gave no plan to check: a run that
/// checked nothing must not pass.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(bcpcheck::run::no_plan))]
pub struct NoPlan {
    /// The argument or pattern as written.
    pub input: String,
    /// What was searched and why nothing matched.
    pub message: String,
    /// How to make it match.
    #[help]
    pub help: String,
}

/// Everything a renderer needs.
pub struct Report {
    /// Per file, sorted by name.
    pub files: Vec<FileReport>,
    /// The policies that ran.
    pub policy_set: PolicySet,
    /// Arguments that named nothing readable.
    pub discovery_errors: Vec<LoadError>,
    /// Arguments that gave no plan.
    pub input_errors: Vec<NoPlan>,
    /// Invalid values of registers and BIAs read only as context.
    pub context_errors: Vec<crate::document::workspace::InvalidContext>,
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
    /// Findings that count but are not shown (`--min-severity`), per severity (info, warning, error).
    pub hidden: [usize; 3],
    /// BIA coverage and provider concentration, when the workspace has a register or BIA.
    pub portfolio: Option<crate::document::workspace::Summary>,
    /// What lapses within the due window after the as-of date: computed by the run only for the
    /// evidence report (markdown, html), `None` otherwise.
    pub upcoming: Option<Upcoming>,
}

/// What lapses within a window (`bcpcheck due`, and the evidence report's "Upcoming" section).
#[derive(Debug, Clone)]
pub struct Upcoming {
    /// First day of the window (the as-of date).
    pub start: NaiveDate,
    /// Last day of the window.
    pub end: NaiveDate,
    /// Every obligation, sorted by file, overdue first, then by date, policy and path.
    pub obligations: Vec<Obligation>,
}

impl Upcoming {
    /// How many obligations are of `kind`.
    pub fn count(&self, kind: Kind) -> usize {
        self.obligations.iter().filter(|o| o.kind == kind).count()
    }
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
    /// A baseline entry that stops accepting its finding within the window: `date` is its last
    /// valid day.
    BaselineExpires,
}

impl Kind {
    /// The name used in json and the timeline.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Overdue => "overdue",
            Kind::Upcoming => "upcoming",
            Kind::ExceptionExpires => "exception-expires",
            Kind::BaselineExpires => "baseline-expires",
        }
    }
}

/// One thing to do: a finding that holds or will hold, or an exception or baseline entry that
/// expires.
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

impl Report {
    /// Every finding, in output order.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }

    /// The policy that reported `finding`: its title, help and references.
    pub fn policy(&self, finding: &Finding) -> &Policy {
        &self.policy_set.policies[finding.policy.index]
    }

    /// Findings of one severity that count (neither waived nor baselined), shown or hidden.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings()
            .filter(|f| f.is_active() && f.severity == severity)
            .count()
            + self.hidden[severity as usize]
    }

    /// Counting findings hidden by `--min-severity`.
    pub fn hidden_count(&self) -> usize {
        self.hidden.iter().sum()
    }

    /// Hides the findings below `min` from every format (`--min-severity`); those that count
    /// (neither waived nor baselined) still count, in the summary and the exit code.
    pub fn hide_below(&mut self, min: Severity) {
        for file in &mut self.files {
            file.findings.retain(|f| {
                let shown = f.severity >= min;
                if !shown && f.is_active() {
                    self.hidden[f.severity as usize] += 1;
                }
                shown
            });
        }
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

    /// Applies `baseline` (read from, or written to, `file`): its findings stop counting, but for
    /// those of entries expired by the as-of date.
    pub fn apply_baseline(&mut self, baseline: &Baseline, file: &str) {
        let as_of = self.as_of;
        let findings = self.files.iter_mut().flat_map(|f| f.findings.iter_mut());
        self.baseline = Some(baseline.apply(findings, file, as_of));
    }

    /// Files in which at least one plan document was checked.
    pub fn checked_files(&self) -> usize {
        self.files.iter().filter(|f| f.documents > 0).count()
    }

    /// Files read but not checked (no plan document in them), with why.
    pub fn skipped_files(&self) -> impl Iterator<Item = &FileReport> {
        self.files
            .iter()
            .filter(|f| f.documents == 0 && f.load_error.is_none() && f.budget.is_empty())
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
                || self.hidden[t as usize..].iter().any(|n| *n > 0)
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
        out.extend(as_diagnostics(&self.input_errors));
        out.extend(as_diagnostics(&self.context_errors));
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

impl FileReport {
    /// The file as exceptions see it: where it is, its findings and its inline comments.
    pub fn for_waivers(&mut self) -> PlanFindings<'_> {
        PlanFindings {
            name: &self.name,
            path: &self.path,
            documents: self.documents,
            source: self.source.as_ref(),
            findings: &mut self.findings,
            directives: &self.directives,
        }
    }

    /// The report of a file not checked (yet), for a run of `policies` policies.
    pub fn empty(candidate: &Candidate, policies: usize) -> Self {
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
            packs: Vec::new(),
        }
    }
}
