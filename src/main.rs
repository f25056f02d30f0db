//! CLI entry: parse arguments, run, map the outcome to an exit code.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use bcpcheck::check::{self, CheckOptions, RunError};
use bcpcheck::cli::{
    self, CheckArgs, ColorChoice, Command, InitArgs, ListFormat, PoliciesCommand, PolicySelection,
    TestArgs,
};
use bcpcheck::document::Format;
use bcpcheck::render::{self, Style};
use bcpcheck::{authoring, catalog, testing};

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
    let _ = miette::GraphicalReportHandler::new_themed(theme).render_report(&mut text, diag);
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
        config: args.config,
        max_file_size: args.max_file_size,
        fail_on: args.fail_on,
        only_plans: args.only_plans,
    };
    let report = match check::run(&options, &cwd) {
        Ok(report) => report,
        Err(err) => return usage_error(err, stderr_color),
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let style = Style {
        color: use_color(args.color, to_terminal),
        width: 100,
        quiet: args.quiet,
    };
    let text = render::render(&report, args.format, style);
    if args.format != cli::OutputFormat::Human {
        for diag in report.diagnostics() {
            print_problem(diag, stderr_color);
        }
    }
    let written = match &args.output {
        Some(path) => write_atomically(&cwd.join(path), &text),
        None => std::io::stdout().write_all(text.as_bytes()),
    };
    if let Err(e) = written {
        eprintln!("bcpcheck: cannot write the report: {e}");
        return 2;
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
        RunError::Usage(message) => eprintln!("bcpcheck: {message}"),
        RunError::Config(errors) => {
            for e in &errors {
                print_problem(e, color);
            }
        }
    }
    2
}

/// Writes through a temporary file in the same directory, then renames: readers never see half a report.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.bcpcheck-tmp-{}", std::process::id()));
    std::fs::write(&temp, text)?;
    std::fs::rename(&temp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
}
