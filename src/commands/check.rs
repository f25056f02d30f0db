//! `bcpcheck check`: flags and config merged into settings, the run, every report written, the
//! exit code.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;

use super::output::{self, Destinations};
use super::progress;
use super::{print_problem, print_with, run_error, use_color, Written, EXIT_ERROR, EXIT_OK};
use crate::baseline::Baseline;
use crate::cli::CheckArgs;
use crate::config::{Config, FailOn};
use crate::document::{self, discover};
use crate::engine::budget::Budget;
use crate::policy::sources;
use crate::render::{self, Format, Style};
use crate::report::Report;
use crate::run::{self, RunError, Settings};

/// How many policies `--timings` lists.
const TIMINGS_SHOWN: usize = 15;

/// Default window of the evidence report's "Upcoming" section (issue 18: the next 90 days).
const DUE_WITHIN_DAYS: u32 = 90;

/// Probe step of that search: `bcpcheck due`'s default.
const DUE_STEP_DAYS: u32 = 7;

/// Merges the flags with the config (flags win) into the settings of the run.
pub fn settings(args: &CheckArgs, config: &Config, cwd: &Path) -> Result<Settings, RunError> {
    let as_of = match args.as_of.as_deref() {
        Some(text) => run::parse_as_of(text)?,
        None => chrono::Utc::now().date_naive(),
    };
    if args.packs.is_empty() {
        check_config_packs(config)?;
    }
    let packs = sources::choose_packs(&args.packs, config.packs.as_deref())?;
    let packs = if args.no_default_packs {
        Vec::new()
    } else {
        packs
    };
    let config_dir = config.dir().unwrap_or(cwd).to_path_buf();
    let inputs = if !args.paths.is_empty() {
        (args.paths.clone(), cwd.to_path_buf())
    } else if !config.plans.is_empty() {
        (config.plans.clone(), config_dir.clone())
    } else {
        (vec![".".to_string()], cwd.to_path_buf())
    };
    let mut policy_paths = config.policies.clone();
    policy_paths.extend(args.policies.iter().map(|p| cwd.join(p)));
    let defaults = Budget::default();
    let budget = Budget {
        eval_time: args
            .max_eval_ms
            .or(config.max_eval_ms)
            .map_or(defaults.eval_time, Duration::from_millis),
        memory: match args.max_memory.or(config.max_memory) {
            Some(0) => None,
            Some(bytes) => Some(bytes),
            None => defaults.memory,
        },
        memory_per_document: match args.max_memory.or(config.max_memory) {
            Some(_) => 0,
            None => defaults.memory_per_document,
        },
    };
    Ok(Settings {
        cwd: cwd.to_path_buf(),
        root: discover::repository_root(cwd),
        inputs,
        workspace: [&config.workspace, &config.plans]
            .into_iter()
            .find(|globs| !globs.is_empty())
            .map(|globs| (globs.clone(), config_dir.clone())),
        plan_globs: (config.plans.clone(), config_dir),
        only_plans: args.only_plans,
        strict: args.strict,
        packs,
        policy_paths,
        params: config.params.clone(),
        config_source: config.source.clone(),
        as_of,
        max_file_size: args
            .max_file_size
            .or(config.max_file_size)
            .unwrap_or(document::DEFAULT_MAX_FILE_SIZE),
        budget,
        fail_on: args.fail_on.or(config.fail_on).unwrap_or(FailOn::Error),
        exceptions: args
            .exceptions
            .as_ref()
            .map(|p| cwd.join(p))
            .or_else(|| config.exceptions.clone()),
        apply_exceptions: !args.no_exceptions,
        baseline: args.baseline.as_ref().map(|p| cwd.join(p)),
        timings: args.timings,
        report_portfolio: std::iter::once(args.format)
            .chain(args.reports.iter().map(|r| r.format))
            .any(|f| matches!(f, Format::Markdown | Format::Html)),
        keep_sources: (args.format == Format::Human && !args.statistics)
            || args.reports.iter().any(|r| r.format == Format::Human),
        syntax_cache: if args.no_cache {
            None
        } else {
            super::syntax_cache_file()
        },
    })
}

/// Every name under the config's `packs:` is a built-in pack: an unknown one is an error at its
/// line, with "did you mean".
fn check_config_packs(config: &Config) -> Result<(), RunError> {
    let Some(packs) = &config.packs else {
        return Ok(());
    };
    let errors: Vec<_> = packs
        .iter()
        .zip(&config.pack_spans)
        .filter_map(|(name, span)| {
            let unknown = sources::check_packs(std::slice::from_ref(name)).err()?;
            Some(config.error_at(
                *span,
                format!("unknown pack `{}`{}", unknown.name, unknown.hint),
                Some(format!("built-in packs: {}", unknown.known)),
            ))
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(RunError::Config(errors))
    }
}

/// Runs `bcpcheck check`.
pub fn run(args: CheckArgs) -> u8 {
    let cwd = match super::current_dir() {
        Ok(dir) => dir,
        Err(code) => return code,
    };
    let stderr_color = use_color(args.color, std::io::stderr().is_terminal());
    if args.statistics && !matches!(args.format, Format::Human | Format::Concise) {
        let message = "--statistics replaces the findings of the human formats; \
                       use it with --format human or concise (and --report for other formats)";
        return run_error(RunError::Usage(message.into()), stderr_color);
    }
    let config = if args.no_config {
        Ok(Config::default())
    } else {
        run::load_config(args.config.as_deref(), &cwd)
    };
    let prepared = config
        .and_then(|config| settings(&args, &config, &cwd).map(|s| (config, s)))
        .and_then(|(config, settings)| {
            let expires = args
                .baseline_expires
                .as_deref()
                .map(|text| run::settings::parse_expiry(text, settings.as_of))
                .transpose()?;
            Ok((config, expires, check(&args, &settings)?))
        });
    let (config, expires, mut report) = match prepared {
        Ok(done) => done,
        Err(err) => return run_error(err, stderr_color),
    };
    // The exit code counts hidden findings too: computed from the report as run.
    if let Some(min) = args.min_severity {
        report.hide_below(min.severity());
    }
    match write_reports(&args, config.file.as_deref(), &mut report, &cwd, expires) {
        Ok(Written::All) => report.exit_code() as u8,
        Ok(Written::Closed) => EXIT_OK,
        Err(problem) => {
            print_problem(&problem, stderr_color);
            EXIT_ERROR
        }
    }
}

/// Runs the check, with a progress bar on a terminal when the run is long. For the evidence
/// report (markdown, html) the run also finds what lapses within `--due-within` (its "Upcoming"
/// section); other formats skip that search, so a plain check stays as fast as it was.
fn check(args: &CheckArgs, settings: &Settings) -> Result<Report, RunError> {
    let window = upcoming_window(args)?;
    let prepared = run::check::prepare(settings)?;
    let human = matches!(args.format, Format::Human | Format::Concise);
    let terminal = std::io::stderr().is_terminal();
    let bar = progress::wanted(terminal, human, args.no_progress || args.quiet)
        .then(|| progress::Progress::new(prepared.files().len()));
    let tick = bar
        .clone()
        .map(|bar| std::sync::Arc::new(move || bar.tick()) as run::check::FileDone);
    let report = match window {
        Some(window) => {
            let mut report = run::due::check_with_upcoming(settings, window, prepared, tick)?;
            if let (Some(min), Some(upcoming)) = (args.min_severity, &mut report.upcoming) {
                let min = min.severity();
                upcoming.obligations.retain(|o| o.severity >= min);
            }
            report
        }
        None => prepared.run_with(tick),
    };
    if let Some(bar) = bar {
        bar.finish();
    }
    Ok(report)
}

/// The window of the "Upcoming" section: `--due-within` (default 90 days) when the output or a
/// `--report` is an evidence report (markdown, html), else none; `0d` leaves the section out.
fn upcoming_window(args: &CheckArgs) -> Result<Option<run::due::Window>, RunError> {
    let evidence = |f: Format| matches!(f, Format::Markdown | Format::Html);
    let wanted = evidence(args.format) || args.reports.iter().any(|r| evidence(r.format));
    let within = match &args.due_within {
        Some(text) => run::settings::parse_days("due-within", text, 0)?,
        None => DUE_WITHIN_DAYS,
    };
    Ok((wanted && within > 0).then_some(run::due::Window {
        within,
        step: DUE_STEP_DAYS,
    }))
}

/// Writes the baseline (its new entries expiring on `baseline_expires`), the main output and
/// every extra report; every destination is checked before anything is written.
fn write_reports(
    args: &CheckArgs,
    config_file: Option<&Path>,
    report: &mut Report,
    cwd: &Path,
    baseline_expires: Option<NaiveDate>,
) -> Result<Written, output::OutputError> {
    let stderr_color = use_color(args.color, std::io::stderr().is_terminal());
    let shown = |p: &Path| discover::display(&cwd.join(p), cwd);
    let baseline_in = args.baseline.as_ref().map(|p| cwd.join(p));
    let rewrites_baseline =
        baseline_in.is_some() && baseline_in == args.write_baseline.as_ref().map(|p| cwd.join(p));
    let mut extra: Vec<(&Path, &'static str)> = Vec::new();
    if let (Some(path), false) = (&baseline_in, rewrites_baseline) {
        extra.push((path, "the baseline"));
    }
    if let Some(path) = config_file {
        extra.push((path, "the config file"));
    }
    let mut destinations = Destinations::new(report, &extra);
    let mut files: Vec<&Path> = Vec::new();
    files.extend(args.output.as_deref());
    files.extend(args.reports.iter().map(|r| r.path.as_path()));
    files.extend(args.write_baseline.as_deref());
    for path in files {
        destinations.claim(&cwd.join(path), &shown(path))?;
    }

    if let Some(path) = &args.write_baseline {
        // The entries of the baseline the run applied keep their expiry.
        let baseline = Baseline::of(
            report.findings(),
            report.baseline.as_ref(),
            baseline_expires,
        );
        output::write_atomically(&cwd.join(path), &baseline.to_json(), &shown(path))?;
        report.apply_baseline(&baseline, &shown(path));
    }

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let style = Style {
        color: use_color(args.color, to_terminal),
        width: 100,
        quiet: args.quiet,
        verbose: args.verbose,
    };
    if let Some(table) = render::timings(report, TIMINGS_SHOWN) {
        eprint!("{table}");
    }
    if !matches!(args.format, Format::Human | Format::Concise) {
        for diag in report.diagnostics() {
            print_problem(diag, stderr_color);
        }
        for notice in report.notices() {
            print_problem(notice, stderr_color);
        }
    }
    let mut written = Written::All;
    let main = |out: &mut dyn std::io::Write| {
        if args.statistics {
            out.write_all(render::concise::statistics(report, style).as_bytes())
        } else {
            render::render_to(report, args.format, style, out)
        }
    };
    match &args.output {
        Some(path) => output::write_atomically_with(&cwd.join(path), &shown(path), main)?,
        None => {
            written = print_with(main).map_err(|e| output::OutputError::Write {
                path: "standard output".into(),
                reason: e.to_string(),
            })?
        }
    }
    let plain = Style {
        color: false,
        ..style
    };
    for target in &args.reports {
        output::write_atomically_with(&cwd.join(&target.path), &shown(&target.path), |out| {
            render::render_to(report, target.format, plain, out)
        })?;
    }
    let github =
        args.format == Format::Github || args.reports.iter().any(|r| r.format == Format::Github);
    if let (true, Some(summary)) = (github, std::env::var_os("GITHUB_STEP_SUMMARY")) {
        if !summary.is_empty() {
            let path = PathBuf::from(&summary);
            let text = render::github::step_summary(report);
            output::append(&path, &text, &path.display().to_string())?;
        }
    }
    Ok(written)
}
