//! One module per subcommand: each merges its flags with the config once, runs, writes its
//! output and returns the process exit code. `main.rs` only parses and dispatches.

pub mod check;
pub mod due;
pub mod init;
pub mod output;
pub mod policies;
pub mod progress;
pub mod shell;
pub mod test;

use std::io::Write;

use crate::cli::ColorChoice;
use crate::document::sanitize::strip_controls;
use crate::render;
use crate::run::RunError;

/// Exit code: nothing at or above the threshold.
pub const EXIT_OK: u8 = 0;
/// Exit code: usage, config, policy or input errors.
pub const EXIT_ERROR: u8 = 2;

/// True when output to a stream of this kind should be coloured.
pub fn use_color(choice: ColorChoice, stream_is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// Prints a diagnostic to standard error, graphically.
pub fn print_problem(diag: &dyn miette::Diagnostic, color: bool) {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let mut text = String::new();
    let diag = render::Clean::new(diag);
    let _ = miette::GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_show_related_as_nested(true)
        .render_report(&mut text, &diag);
    eprintln!("{text}");
}

/// Prints a problem that stopped the run; the exit code for it.
pub fn run_error(err: RunError, color: bool) -> u8 {
    match err {
        RunError::Usage(message) => eprintln!("bcpcheck: {}", strip_controls(&message)),
        RunError::Config(errors) => {
            for e in &errors {
                print_problem(e, color);
            }
        }
    }
    EXIT_ERROR
}

/// The outcome of writing to standard output: a reader that went away (`bcpcheck ... | head`) is
/// not an error, as with ripgrep and ruff.
pub enum Written {
    /// Everything was written.
    All,
    /// The reader closed the pipe: stop quietly.
    Closed,
}

/// Writes `text` to standard output.
pub fn print(text: &str) -> std::io::Result<Written> {
    print_with(|out| out.write_all(text.as_bytes()))
}

/// Writes to standard output through a buffer, with what `write` writes.
pub fn print_with(
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<Written> {
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match write(&mut stdout).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(Written::All),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Written::Closed),
        Err(e) => Err(e),
    }
}

/// Writes `text` to standard output, for commands whose output is the whole point: an error
/// other than a closed pipe is reported and gives exit 2.
pub fn print_or_fail(text: &str) -> Result<(), u8> {
    match print(text) {
        Ok(_) => Ok(()),
        Err(e) => {
            eprintln!("bcpcheck: cannot write to standard output: {e}");
            Err(EXIT_ERROR)
        }
    }
}

/// The parse cache's file: in `BCPCHECK_CACHE_DIR`, else in the user's cache directory
/// (`$XDG_CACHE_HOME/bcpcheck`, `~/.cache/bcpcheck`, `%LOCALAPPDATA%\bcpcheck\cache`); none when
/// `BCPCHECK_NO_CACHE` is set, in CI (`CI` set: a fresh machine gains nothing, and a cache shared
/// between jobs is not worth trusting) unless `BCPCHECK_CACHE_DIR` names one, or when there is
/// no such directory.
pub fn syntax_cache_file() -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let chosen = set("BCPCHECK_CACHE_DIR");
    if set("BCPCHECK_NO_CACHE").is_some() || (chosen.is_none() && set("CI").is_some()) {
        return None;
    }
    let dir = chosen
        .map(PathBuf::from)
        .or_else(|| set("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("bcpcheck")))
        .or_else(|| {
            if cfg!(windows) {
                set("LOCALAPPDATA").map(|d| PathBuf::from(d).join("bcpcheck").join("cache"))
            } else {
                set("HOME").map(|h| PathBuf::from(h).join(".cache").join("bcpcheck"))
            }
        })?;
    Some(dir.join(concat!("syntax-", env!("CARGO_PKG_VERSION"), ".bin")))
}

/// The working directory, or the exit code after saying why it cannot be read.
pub fn current_dir() -> Result<std::path::PathBuf, u8> {
    std::env::current_dir().map_err(|e| {
        eprintln!("bcpcheck: cannot read the working directory: {e}");
        EXIT_ERROR
    })
}
