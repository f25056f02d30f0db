//! `bcpcheck due`: flags merged into a check's settings, the window parsed, the `due` run, its
//! output written. Obligations never fail the command: only problems (exit 2) do.

mod ics;
mod text;

use std::io::IsTerminal;

use super::{print_or_fail, print_problem, run_error, use_color, EXIT_ERROR, EXIT_OK};
use crate::cli::{CheckArgs, ColorChoice, DueArgs, DueFormat};
use crate::config::Config;
use crate::document::discover;
use crate::render::Format;
use crate::run::due::{self, Due, Window};
use crate::run::{self, RunError};

pub use text::JSON_VERSION;

/// Runs `bcpcheck due`.
pub fn run(args: DueArgs) -> u8 {
    let cwd = match super::current_dir() {
        Ok(dir) => dir,
        Err(code) => return code,
    };
    let color = use_color(args.color, std::io::stderr().is_terminal());
    let result = window(&args).and_then(|window| {
        let config = if args.no_config {
            Config::default()
        } else {
            run::load_config(args.config.as_deref(), &cwd)?
        };
        let settings = super::check::settings(&check_args(&args), &config, &cwd)?;
        due::run(&settings, window)
    });
    let due = match result {
        Ok(due) => due,
        Err(err) => return run_error(err, color),
    };
    for diag in due.report.diagnostics() {
        print_problem(diag, color);
    }
    let text = render(&due, args.format);
    match &args.output {
        Some(path) => {
            let shown = discover::display(&cwd.join(path), &cwd);
            if let Err(problem) = super::output::write_atomically(&cwd.join(path), &text, &shown) {
                print_problem(&problem, color);
                return EXIT_ERROR;
            }
        }
        None => {
            if let Err(code) = print_or_fail(&text) {
                return code;
            }
        }
    }
    if due.report.has_errors() {
        EXIT_ERROR
    } else {
        EXIT_OK
    }
}

/// The output in `format`.
pub fn render(due: &Due, format: DueFormat) -> String {
    match format {
        DueFormat::Human => text::human(due),
        DueFormat::Concise => text::concise(due),
        DueFormat::Json => text::json(due),
        DueFormat::Markdown => text::markdown(due),
        DueFormat::Ics => ics::render(due),
    }
}

/// The window from `--within` and `--step`.
fn window(args: &DueArgs) -> Result<Window, RunError> {
    Ok(Window {
        within: run::settings::parse_days("within", &args.within, 0)?,
        step: run::settings::parse_days("step", &args.step, 1)?,
    })
}

/// The flags of a check with the same inputs, policies, exceptions and date.
fn check_args(args: &DueArgs) -> CheckArgs {
    CheckArgs {
        paths: args.paths.clone(),
        policies: args.policies.clone(),
        packs: args.packs.clone(),
        no_default_packs: args.no_default_packs,
        format: Format::Json,
        output: None,
        reports: Vec::new(),
        exceptions: args.exceptions.clone(),
        no_exceptions: args.no_exceptions,
        baseline: args.baseline.clone(),
        write_baseline: None,
        baseline_expires: None,
        no_cache: false,
        fail_on: None,
        as_of: args.as_of.clone(),
        config: args.config.clone(),
        quiet: true,
        color: ColorChoice::Never,
        only_plans: false,
        strict: false,
        verbose: false,
        max_file_size: None,
        max_eval_ms: None,
        max_memory: None,
        timings: false,
        due_within: None,
        min_severity: None,
        statistics: false,
        no_config: args.no_config,
        no_progress: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_whole_days() {
        assert_eq!(run::settings::parse_days("within", "90d", 0).unwrap(), 90);
        assert_eq!(run::settings::parse_days("within", "2w", 0).unwrap(), 14);
        assert!(run::settings::parse_days("within", "36h", 0).is_err());
        assert!(run::settings::parse_days("step", "0d", 1).is_err());
        assert!(run::settings::parse_days("within", "soon", 0).is_err());
    }
}
