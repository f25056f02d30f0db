//! Command-line definitions (clap), and nothing else.

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::FailOn;
use crate::render::Format;

/// Parses a format name into a [`Format`], listing every format with its purpose in `--help`.
fn format_parser() -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(Format::ALL.map(|f| PossibleValue::new(f.name()).help(f.about())))
        .map(|name| Format::parse(&name).unwrap_or(Format::Human))
}

/// Check business-continuity plans against policy-as-code.
#[derive(Debug, Parser)]
#[command(name = "bcpcheck", version, about, long_about = None)]
pub struct Cli {
    /// What to do (default: check).
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check plans against policies (the default command).
    Check(CheckArgs),
    /// List or explain policies.
    #[command(subcommand)]
    Policies(PoliciesCommand),
    /// What lapses next: findings that will appear within a window, overdue ones, expiring exceptions.
    Due(DueArgs),
    /// Run policy fixtures: every `bcptest.yaml` under DIR (default: policies/).
    Test(TestArgs),
    /// Write a plan skeleton that passes the `core` pack once its placeholders are filled in (or a register or BIA skeleton).
    Init(InitArgs),
    /// Print the JSON Schema of plan files (or of registers or BIAs), for editors (`# yaml-language-server: $schema=...`).
    Schema(SchemaArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell) to standard output.
    Completions(CompletionsArgs),
    /// Print the man page (roff) to standard output.
    Manpage,
}

/// Shells `completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
}

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The lowest severity shown (`--min-severity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MinSeverity {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warning,
    /// Everything (the default).
    Info,
}

impl MinSeverity {
    /// The severity it names.
    pub fn severity(self) -> crate::finding::Severity {
        use crate::finding::Severity;
        match self {
            MinSeverity::Error => Severity::Error,
            MinSeverity::Warning => Severity::Warning,
            MinSeverity::Info => Severity::Info,
        }
    }
}

/// The document kinds of `init --kind` and `schema --kind` (their `kind:` names are accepted too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocumentKind {
    /// A business-continuity plan (`kind: ContinuityPlan`).
    #[value(alias = "ContinuityPlan")]
    Plan,
    /// A register of people, roles, providers, dependencies, evidence and sites that plans share (`kind: Register`).
    #[value(alias = "Register")]
    Register,
    /// A business impact analysis (`kind: BusinessImpactAnalysis`).
    #[value(alias = "BusinessImpactAnalysis")]
    Bia,
}

impl DocumentKind {
    /// The kind as a document's `kind:` line names it.
    pub fn name(self) -> &'static str {
        use crate::document::schema;
        match self {
            DocumentKind::Plan => schema::PLAN_KIND,
            DocumentKind::Register => schema::REGISTER_KIND,
            DocumentKind::Bia => schema::BIA_KIND,
        }
    }
}

/// Arguments of `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// What to write: a plan, a register or a business impact analysis.
    #[arg(long, value_enum, default_value_t = DocumentKind::Plan)]
    pub kind: DocumentKind,
    /// Write Markdown (YAML front matter and prose sections) instead of YAML; plans and BIAs only.
    #[arg(long)]
    pub markdown: bool,
    /// Replace PATH if it exists.
    #[arg(long)]
    pub force: bool,
    /// The file to write [default: plan.yaml, register.yaml or bia.yaml; plan.md or bia.md with --markdown].
    pub path: Option<PathBuf>,
}

/// Arguments of `schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The kind of document whose schema to print.
    #[arg(long, value_enum, default_value_t = DocumentKind::Plan)]
    pub kind: DocumentKind,
}

/// `policies` subcommands.
#[derive(Debug, Subcommand)]
pub enum PoliciesCommand {
    /// One line per policy: id, severity, pack, title.
    List(ListArgs),
    /// Everything about one policy: why it matters, its CEL, references, a passing example.
    Show(ShowArgs),
}

/// Formats of `policies list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns.
    Text,
    /// JSON array.
    Json,
    /// Markdown tables per pack (docs/policies.md).
    Markdown,
}

/// Which policies to list or show.
#[derive(Debug, Args)]
pub struct PolicySelection {
    /// Only this built-in pack (repeatable).
    #[arg(long = "pack", value_name = "NAME")]
    pub packs: Vec<String>,
    /// Also these policy files or directories.
    #[arg(long = "policy", value_name = "FILE|DIR")]
    pub policies: Vec<PathBuf>,
}

/// Arguments of `policies list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Which policies.
    #[command(flatten)]
    pub selection: PolicySelection,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ListFormat,
}

/// Arguments of `policies show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Policy id, such as BCP-RTO-001.
    pub id: String,
    /// Which policies to look in.
    #[command(flatten)]
    pub selection: PolicySelection,
}

/// Arguments of `test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Directories holding policies and their `bcptest.yaml` manifests.
    #[arg(default_value = "policies")]
    pub dirs: Vec<PathBuf>,
}

/// An extra report written in the same run: `--report FORMAT=FILE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTarget {
    /// Its format.
    pub format: Format,
    /// Where to write it.
    pub path: PathBuf,
}

/// Parses `FORMAT=FILE`.
pub fn parse_report_target(text: &str) -> Result<ReportTarget, String> {
    let (format, path) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: write FORMAT=FILE, such as sarif=bcpcheck.sarif"))?;
    let format = Format::parse(format).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        format!("unknown format `{format}`; use one of {}", names.join(", "))
    })?;
    if path.is_empty() {
        return Err(format!("`{text}`: the file name is missing"));
    }
    Ok(ReportTarget {
        format,
        path: PathBuf::from(path),
    })
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Examples at the end of `check --help`.
const CHECK_EXAMPLES: &str = "\
Examples:
  bcpcheck plans/                          check every plan under plans/
  bcpcheck --format concise .              one line per finding
  bcpcheck --statistics .                  which policies fail most, on how many plans
  bcpcheck --min-severity warning .        hide info-level findings
  bcpcheck --report sarif=bcp.sarif .      human output, plus a SARIF file
  bcpcheck --baseline bl.json --write-baseline bl.json .
                                           update a baseline in place
  bcpcheck policies show BCP-RTO-001       what a policy checks and how to fix it";

/// Arguments of `check`.
#[derive(Debug, Args)]
#[command(after_help = CHECK_EXAMPLES)]
pub struct CheckArgs {
    /// Plan files, directories or glob patterns (default: `plans` from bcpcheck.yaml, else ".").
    #[arg(help_heading = "Inputs")]
    pub paths: Vec<String>,
    /// Extra policy files or directories.
    #[arg(long = "policy", value_name = "FILE|DIR", help_heading = "Policies")]
    pub policies: Vec<PathBuf>,
    /// Built-in packs to run (repeatable; default: all).
    #[arg(long = "pack", value_name = "NAME", help_heading = "Policies")]
    pub packs: Vec<String>,
    /// Run no built-in pack (only --policy files).
    #[arg(long, help_heading = "Policies")]
    pub no_default_packs: bool,
    /// Output format.
    #[arg(long, default_value = "human", value_parser = format_parser(), help_heading = "Output")]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Also write a report in FORMAT to FILE (repeatable), such as `--report sarif=bcpcheck.sarif`.
    #[arg(long = "report", value_name = "FORMAT=FILE", value_parser = parse_report_target, help_heading = "Output")]
    pub reports: Vec<ReportTarget>,
    /// Exceptions file (default: `exceptions` of bcpcheck.yaml).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "no_exceptions",
        help_heading = "Exceptions and baselines"
    )]
    pub exceptions: Option<PathBuf>,
    /// Apply no exception (file or inline): show every finding.
    #[arg(long, help_heading = "Exceptions and baselines")]
    pub no_exceptions: bool,
    /// Report findings whose fingerprint is in FILE as baselined: they do not fail the run.
    #[arg(long, value_name = "FILE", help_heading = "Exceptions and baselines")]
    pub baseline: Option<PathBuf>,
    /// Write the fingerprints of the current findings to FILE as the new baseline, then report against it.
    #[arg(long, value_name = "FILE", help_heading = "Exceptions and baselines")]
    pub write_baseline: Option<PathBuf>,
    /// With --write-baseline: the new entries expire on WHEN, a date (YYYY-MM-DD) or a period
    /// after the as-of date (`180d`, `26w`); past it their findings count again.
    #[arg(
        long,
        value_name = "WHEN",
        requires = "write_baseline",
        help_heading = "Exceptions and baselines"
    )]
    pub baseline_expires: Option<String>,
    /// Fail (exit 1) on findings at or above this severity [default: error].
    #[arg(long, value_enum, help_heading = "Exceptions and baselines")]
    pub fail_on: Option<FailOn>,
    /// Evaluate as of this date (YYYY-MM-DD) instead of today, for reproducible audits.
    #[arg(
        long,
        value_name = "DATE",
        env = "BCPCHECK_AS_OF",
        help_heading = "Inputs"
    )]
    pub as_of: Option<String>,
    /// Config file (default: bcpcheck.yaml found upward from the working directory).
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    pub config: Option<PathBuf>,
    /// Print only findings and errors, no summary.
    #[arg(long, short, help_heading = "Output")]
    pub quiet: bool,
    /// Colour output.
    #[arg(long, value_enum, default_value = "auto", help_heading = "Output")]
    pub color: ColorChoice,
    /// Check only the given files that the config's `plans` or `workspace` globs match (for pre-commit, which passes every staged file).
    #[arg(long, help_heading = "Inputs")]
    pub only_plans: bool,
    /// Report every file found that does not parse, even one that does not look like a plan (no `apiVersion: bcp/v1`).
    #[arg(long)]
    pub strict: bool,
    /// List the files skipped because they hold no plan, with why.
    #[arg(long, short)]
    pub verbose: bool,
    /// Largest plan file accepted, in bytes [default: 16 MiB].
    #[arg(long, value_name = "BYTES", help_heading = "Limits")]
    pub max_file_size: Option<u64>,
    /// Time one policy may take on one match, in milliseconds, before it is stopped [default: 1000].
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Limits")]
    pub max_eval_ms: Option<u64>,
    /// Memory the run may hold, in bytes, before it stops; 0 for no limit [default: 2 GiB].
    #[arg(long, value_name = "BYTES", help_heading = "Limits")]
    pub max_memory: Option<u64>,
    /// Parse every policy expression, reading and writing no parse cache (see README,
    /// "Performance"; `BCPCHECK_NO_CACHE=1` does the same for every command).
    #[arg(long, help_heading = "Limits")]
    pub no_cache: bool,
    /// Print the policies that took the most evaluation time to standard error.
    #[arg(long, help_heading = "Output")]
    pub timings: bool,
    /// Window of the evidence report's "Upcoming" section (markdown, html), as a period of whole days; `0d` leaves it out [default: 90d].
    #[arg(long, value_name = "PERIOD", help_heading = "Output")]
    pub due_within: Option<String>,
    /// Show only findings at or above this severity, in every format (hidden ones still count in the summary).
    #[arg(long, value_enum, value_name = "SEVERITY", help_heading = "Output")]
    pub min_severity: Option<MinSeverity>,
    /// Per policy, the number of findings and of plans affected, most frequent first, instead of the findings.
    #[arg(long, help_heading = "Output")]
    pub statistics: bool,
    /// Read no bcpcheck.yaml: flags and defaults only.
    #[arg(long, conflicts_with = "config", help_heading = "Inputs")]
    pub no_config: bool,
    /// Never draw a progress bar (it is drawn only on a terminal, for runs longer than a second).
    #[arg(long, help_heading = "Output")]
    pub no_progress: bool,
}

/// Formats of `due`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DueFormat {
    /// A timeline per plan, with what to do.
    Human,
    /// One line per obligation.
    Concise,
    /// Versioned JSON (`"version": 1`).
    Json,
    /// Markdown tables per plan.
    Markdown,
    /// iCalendar: one all-day event per obligation.
    Ics,
}

/// Examples at the end of `due --help`.
const DUE_EXAMPLES: &str = "\
Examples:
  bcpcheck due plans/                        what lapses in the next 90 days
  bcpcheck due --within 365d --format ics -o bcp.ics plans/
                                             a calendar to subscribe to
  bcpcheck due --as-of 2027-01-01 --within 1m --format json .";

/// Arguments of `due`.
#[derive(Debug, Args)]
#[command(after_help = DUE_EXAMPLES)]
pub struct DueArgs {
    /// Plan files, directories or glob patterns (default: `plans` from bcpcheck.yaml, else ".").
    pub paths: Vec<String>,
    /// How far ahead to look, as a period (`90d`, `12w`, `1y`...).
    #[arg(long, value_name = "PERIOD", default_value = "90d")]
    pub within: String,
    /// Days between the probes of a policy that uses `now` in a way the timeline search cannot
    /// follow (such as `now.getMonth()`): a finding of it that lasts less than this can be missed.
    #[arg(long, value_name = "PERIOD", default_value = "7d")]
    pub step: String,
    /// First day of the window (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "DATE", env = "BCPCHECK_AS_OF")]
    pub as_of: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: DueFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Extra policy files or directories.
    #[arg(long = "policy", value_name = "FILE|DIR")]
    pub policies: Vec<PathBuf>,
    /// Built-in packs to run (repeatable; default: all).
    #[arg(long = "pack", value_name = "NAME")]
    pub packs: Vec<String>,
    /// Run no built-in pack (only --policy files).
    #[arg(long)]
    pub no_default_packs: bool,
    /// Exceptions file (default: `exceptions` of bcpcheck.yaml).
    #[arg(long, value_name = "FILE", conflicts_with = "no_exceptions")]
    pub exceptions: Option<PathBuf>,
    /// Apply no exception.
    #[arg(long)]
    pub no_exceptions: bool,
    /// Leave out findings whose fingerprint is in FILE.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Config file (default: bcpcheck.yaml found upward from the working directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Read no bcpcheck.yaml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Colour diagnostics.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

/// Parses the command line, with `check` as the default command.
pub fn parse() -> Cli {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let first = args.get(1).and_then(|a| a.to_str()).map(str::to_string);
    let is_command_or_top_flag = first.as_deref().is_some_and(|f| {
        Cli::has_subcommand(f) || matches!(f, "-h" | "--help" | "-V" | "--version" | "help")
    });
    if !is_command_or_top_flag {
        if let Some(message) = first.as_deref().and_then(misspelt_command) {
            eprintln!("{message}");
            std::process::exit(2);
        }
        args.insert(1, "check".into());
    }
    Cli::parse_from(args)
}

/// The error for a first argument that is no path but close to a subcommand's name
/// (`bcpcheck chek plans`); `None` lets `check` take it as a path.
pub fn misspelt_command(first: &str) -> Option<String> {
    use clap::CommandFactory;
    if first.starts_with('-') || std::path::Path::new(first).exists() {
        return None;
    }
    let command = Cli::command();
    let names: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
    let close = crate::document::suggest::suggest(first, names.iter().copied())?;
    Some(format!(
        "error: unrecognized subcommand `{first}`: did you mean `{close}`?\n\n\
         (`bcpcheck PATH...` checks paths; no file or directory `{first}` exists.)\n\
         For more information, try `bcpcheck --help`."
    ))
}

impl Cli {
    fn has_subcommand(name: &str) -> bool {
        use clap::CommandFactory;
        Cli::command()
            .get_subcommands()
            .any(|c| c.get_name() == name)
    }
}
