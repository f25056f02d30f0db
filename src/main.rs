//! CLI entry: parse arguments, run, map the outcome to an exit code.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use bcpcheck::baseline::Baseline;
use bcpcheck::check::{self, CheckOptions, RunError};
use bcpcheck::cli::{
    self, CheckArgs, ColorChoice, Command, InitArgs, ListFormat, OutputFormat, PoliciesCommand,
    PolicySelection, TestArgs,
};
use bcpcheck::document::{discover, Format};
use bcpcheck::output::{self, Destinations};
use bcpcheck::render::{self, Style};
use bcpcheck::sanitize::strip_controls;

/// How many policies `--timings` lists.
const TIMINGS_SHOWN: usize = 15;
use bcpcheck::{authoring, catalog, testing};

// Evaluation allocates many small CEL values; mimalloc makes the allocator's share of a run much smaller.
// The guard parks an evaluating thread that asks for more memory than the budget, rather than aborting.
#[global_allocator]
static ALLOCATOR: bcpcheck::engine::alloc::GuardedAlloc<mimalloc::MiMalloc> =
    bcpcheck::engine::alloc::GuardedAlloc(mimalloc::MiMalloc);

fn main() -> ExitCode {
    let cli = cli::parse();
    let code = match cli.command {
        Command::Check(args) => run_check(args),
        Command::Policies(command) => run_policies(command),
        Command::Test(args) => run_test(args),
        Command::Init(args) => run_init(args),
        Command::Schema => {
            print!("{}", authoring::SCHEMA);
            0
        }
    };
    ExitCode::from(code)
}

fn use_color(choice: ColorChoice, stream_is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

fn print_problem(diag: &dyn miette::Diagnostic, color: bool) {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let mut text = String::new();
    let diag = render::Clean::new(diag);
    let _ = miette::GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .render_report(&mut text, &diag);
    eprintln!("{text}");
}

fn run_check(args: CheckArgs) -> u8 {
    let cwd = match std::env::current_dir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("bcpcheck: cannot read the working directory: {e}");
            return 2;
        }
    };
    let stderr_color = use_color(args.color, std::io::stderr().is_terminal());
    let as_of = match args.as_of.as_deref().map(check::parse_as_of).transpose() {
        Ok(date) => date,
        Err(err) => return usage_error(err, stderr_color),
    };
    let options = CheckOptions {
        paths: args.paths,
        policies: args.policies,
        packs: args.packs,
        no_default_packs: args.no_default_packs,
        as_of,
        config: args.config.clone(),
        max_file_size: args.max_file_size,
        max_eval_ms: args.max_eval_ms,
        max_memory: args.max_memory,
        timings: args.timings,
        fail_on: args.fail_on,
        only_plans: args.only_plans,
        exceptions: args.exceptions,
        no_exceptions: args.no_exceptions,
        baseline: args.baseline.clone(),
    };
    let mut report = match check::run(&options, &cwd) {
        Ok(report) => report,
        Err(err) => return usage_error(err, stderr_color),
    };

    // Every destination is checked before anything is written.
    let shown = |p: &Path| discover::display(&cwd.join(p), &cwd);
    let baseline_in = args.baseline.as_ref().map(|p| cwd.join(p));
    let rewrites_baseline =
        baseline_in.is_some() && baseline_in == args.write_baseline.as_ref().map(|p| cwd.join(p));
    let config_file = bcpcheck::config::find(args.config.as_deref(), &cwd);
    let mut extra: Vec<(&Path, &'static str)> = Vec::new();
    if let (Some(path), false) = (&baseline_in, rewrites_baseline) {
        extra.push((path, "the baseline"));
    }
    if let Some(path) = &config_file {
        extra.push((path, "the config file"));
    }
    let mut destinations = Destinations::new(&report, &extra);
    let mut files: Vec<(Option<OutputFormat>, &Path)> = Vec::new();
    files.extend(args.output.as_deref().map(|p| (Some(args.format), p)));
    files.extend(
        args.reports
            .iter()
            .map(|r| (Some(r.format), r.path.as_path())),
    );
    files.extend(args.write_baseline.as_deref().map(|p| (None, p)));
    for (_, path) in &files {
        if let Err(e) = destinations.claim(&cwd.join(path), &shown(path)) {
            print_problem(&e, stderr_color);
            return 2;
        }
    }

    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::of(&report.files);
        if let Err(e) = output::write_atomically(&cwd.join(path), &baseline.to_json(), &shown(path))
        {
            print_problem(&e, stderr_color);
            return 2;
        }
        report.apply_baseline(&baseline, &shown(path));
    }

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let style = Style {
        color: use_color(args.color, to_terminal),
        width: 100,
        quiet: args.quiet,
    };
    let text = render::render(&report, args.format, style);
    if let Some(table) = render::timings(&report, TIMINGS_SHOWN) {
        eprint!("{table}");
    }
    if args.format != OutputFormat::Human {
        for diag in report.diagnostics() {
            print_problem(diag, stderr_color);
        }
        for notice in report.notices() {
            print_problem(notice, stderr_color);
        }
    }
    let written =
        match &args.output {
            Some(path) => output::write_atomically(&cwd.join(path), &text, &shown(path)),
            None => std::io::stdout().write_all(text.as_bytes()).map_err(|e| {
                output::OutputError::Write {
                    path: "standard output".into(),
                    reason: e.to_string(),
                }
            }),
        };
    if let Err(e) = written {
        print_problem(&e, stderr_color);
        return 2;
    }
    let plain = Style {
        color: false,
        ..style
    };
    for target in &args.reports {
        let text = render::render(&report, target.format, plain);
        let path = &target.path;
        if let Err(e) = output::write_atomically(&cwd.join(path), &text, &shown(path)) {
            print_problem(&e, stderr_color);
            return 2;
        }
    }
    let github = args.format == OutputFormat::Github
        || args
            .reports
            .iter()
            .any(|r| r.format == OutputFormat::Github);
    if let (true, Some(summary)) = (github, std::env::var_os("GITHUB_STEP_SUMMARY")) {
        let path = Path::new(&summary);
        if !summary.is_empty() {
            let text = render::github::step_summary(&report);
            if let Err(e) = output::append(path, &text, &path.display().to_string()) {
                print_problem(&e, stderr_color);
                return 2;
            }
        }
    }
    report.exit_code() as u8
}

fn current_dir() -> Option<std::path::PathBuf> {
    std::env::current_dir()
        .inspect_err(|e| eprintln!("bcpcheck: cannot read the working directory: {e}"))
        .ok()
}

fn run_policies(command: PoliciesCommand) -> u8 {
    let Some(cwd) = current_dir() else { return 2 };
    let selection: &PolicySelection = match &command {
        PoliciesCommand::List(args) => &args.selection,
        PoliciesCommand::Show(args) => &args.selection,
    };
    let set = match check::policy_catalogue(&selection.packs, &selection.policies, &cwd) {
        Ok(set) => set,
        Err(err) => return usage_error(err, false),
    };
    for e in &set.errors {
        print_problem(e, false);
    }
    let policies: Vec<&bcpcheck::policy::Policy> = set.policies.iter().collect();
    let text = match &command {
        PoliciesCommand::List(args) => match args.format {
            ListFormat::Text => catalog::list_text(&policies),
            ListFormat::Json => catalog::list_json(&policies),
            ListFormat::Markdown => catalog::list_markdown(&policies),
        },
        PoliciesCommand::Show(args) => match policies.iter().find(|p| p.id == args.id) {
            Some(p) => catalog::show(p),
            None => {
                eprintln!(
                    "bcpcheck: no policy `{}`; `bcpcheck policies list` shows them all",
                    args.id
                );
                return 2;
            }
        },
    };
    print!("{text}");
    if set.errors.is_empty() {
        0
    } else {
        2
    }
}

fn run_test(args: TestArgs) -> u8 {
    let Some(cwd) = current_dir() else { return 2 };
    let report = testing::run(&args.dirs, &cwd);
    for e in &report.errors {
        print_problem(e, false);
    }
    print!("{}", testing::render(&report));
    report.exit_code() as u8
}

fn run_init(args: InitArgs) -> u8 {
    let written =
        authoring::target(args.path.as_deref(), args.markdown).and_then(|(path, format)| {
            authoring::init(&path, format, args.force).map(|()| (path, format))
        });
    match written {
        Ok((path, format)) => {
            eprintln!(
                "bcpcheck: wrote {0}: replace its placeholders, then run `bcpcheck check --pack core {0}`",
                path.display()
            );
            if format == Format::Yaml {
                let schema = path
                    .parent()
                    .unwrap_or(Path::new(""))
                    .join(authoring::SCHEMA_FILE_NAME);
                eprintln!(
                    "bcpcheck: for completion and validation in editors: `bcpcheck schema > {}`",
                    schema.display()
                );
            }
            0
        }
        Err(err) => {
            eprintln!("bcpcheck: {err}");
            2
        }
    }
}

fn usage_error(err: RunError, color: bool) -> u8 {
    match err {
        RunError::Usage(message) => eprintln!("bcpcheck: {}", strip_controls(&message)),
        RunError::Config(errors) => {
            for e in &errors {
                print_problem(e, color);
            }
        }
    }
    2
}
