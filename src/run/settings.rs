//! The settings of a check run, resolved once from flags and the config file.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use thiserror::Error;

use crate::config::{self, Config, ConfigError, FailOn};
use crate::document::{self, discover, LoadError};
use crate::engine::budget::Budget;
use crate::expression::parse_period;
use crate::policy::sources::UnknownPack;

/// Everything a check run needs to know, flags and config merged (flags win).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The working directory: names are shown relative to it.
    pub cwd: PathBuf,
    /// The repository root: report URIs and fingerprints are relative to it.
    pub root: PathBuf,
    /// What to look for plans in: paths, directories or globs, and the directory they are relative to.
    pub inputs: (Vec<String>, PathBuf),
    /// The config's `plans` globs, and the directory they are relative to.
    pub plan_globs: (Vec<String>, PathBuf),
    /// The config's `workspace` globs (else its `plans`) and the directory they are relative to:
    /// the portfolio loaded as context; `None`: the checked files are the portfolio.
    pub workspace: Option<(Vec<String>, PathBuf)>,
    /// Keep only the files the config's `plans` globs match (pre-commit passes every staged file);
    /// a run that then checks nothing passes.
    pub only_plans: bool,
    /// Report every file that does not parse, even one that does not look like a plan.
    pub strict: bool,
    /// Built-in packs to run.
    pub packs: Vec<String>,
    /// Policy files and directories of the user.
    pub policy_paths: Vec<PathBuf>,
    /// Parameter overrides from the config.
    pub params: Option<document::Node>,
    /// The config file's text, for errors at its parameters.
    pub config_source: Option<std::sync::Arc<document::SourceFile>>,
    /// Evaluation date.
    pub as_of: NaiveDate,
    /// Largest plan file accepted, in bytes.
    pub max_file_size: u64,
    /// Time and memory budget of the evaluation.
    pub budget: Budget,
    /// Failure threshold.
    pub fail_on: FailOn,
    /// Exceptions file, if any; `None` with `apply_exceptions` false applies none at all.
    pub exceptions: Option<PathBuf>,
    /// False with `--no-exceptions`: neither the file nor inline comments waive anything.
    pub apply_exceptions: bool,
    /// Baseline file to apply.
    pub baseline: Option<PathBuf>,
    /// Record the time spent in each policy.
    pub timings: bool,
    /// Load the portfolio even if no policy needs it: the evidence report shows it.
    pub report_portfolio: bool,
    /// Keep the text of every file with something to show (the human format shows source
    /// snippets); otherwise only files with inline exceptions keep it.
    pub keep_sources: bool,
    /// The parse cache's file; `None`: every expression is parsed and nothing is written.
    pub syntax_cache: Option<PathBuf>,
}

/// A problem that stops the run before any plan is checked.
#[derive(Debug, Error)]
pub enum RunError {
    /// The config file is unreadable or invalid.
    #[error("the config file is invalid")]
    Config(Vec<ConfigError>),
    /// A flag or config value is invalid.
    #[error("{0}")]
    Usage(String),
}

impl From<UnknownPack> for RunError {
    fn from(e: UnknownPack) -> Self {
        RunError::Usage(e.to_string())
    }
}

/// Parses `--as-of`.
pub fn parse_as_of(text: &str) -> Result<NaiveDate, RunError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| RunError::Usage(format!("--as-of `{text}` is not a date; write YYYY-MM-DD")))
}

/// A period flag in whole days.
pub fn parse_days(flag: &str, text: &str, least: i64) -> Result<u32, RunError> {
    let usage = || {
        RunError::Usage(format!(
            "--{flag} `{text}` is not a period of whole days of at least {least}; write it as \
             `90d`, `12w` or `1y`"
        ))
    };
    let period = parse_period(text).ok_or_else(usage)?;
    let whole = period.num_days();
    if whole < least || period != chrono::Duration::days(whole) {
        return Err(usage());
    }
    u32::try_from(whole).map_err(|_| usage())
}

/// The last day of `--baseline-expires`: the date `text` (YYYY-MM-DD), or `as_of` plus the
/// period `text` (`90d`, `26w`, `1y`).
pub fn parse_expiry(text: &str, as_of: NaiveDate) -> Result<NaiveDate, RunError> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date);
    }
    parse_days("baseline-expires", text, 1)
        .ok()
        .and_then(|days| as_of.checked_add_days(chrono::Days::new(u64::from(days))))
        .ok_or_else(|| {
            RunError::Usage(format!(
                "--baseline-expires `{text}` is neither a date (YYYY-MM-DD) nor a period of \
                 whole days after the as-of date (`90d`, `26w`, `1y`)"
            ))
        })
}

/// Loads the config file `explicit`, or the one found upward from `cwd`; the default config when
/// there is none.
pub fn load_config(explicit: Option<&Path>, cwd: &Path) -> Result<Config, RunError> {
    let Some(path) = config::find(explicit, cwd) else {
        return Ok(Config::default());
    };
    let shown = discover::display(&path, cwd);
    let read_error = |e: LoadError| {
        RunError::Config(vec![ConfigError::Read {
            file: shown.clone(),
            reason: e.to_string(),
        }])
    };
    document::confine(&path, &shown, &discover::repository_root(cwd)).map_err(read_error)?;
    config::load(&path, &shown).map_err(RunError::Config)
}
