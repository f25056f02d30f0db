//! `bcpcheck completions SHELL` and `bcpcheck manpage`: the only users of `clap_complete` and
//! `clap_mangen`, generated from the same clap definitions as the parser, so they never drift.

use clap::CommandFactory;

use super::{print_or_fail, EXIT_ERROR, EXIT_OK};
use crate::cli::{Cli, Shell};

/// The completion script of `shell`.
pub fn completions_text(shell: Shell) -> String {
    use clap_complete::Shell as S;
    let shell = match shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Powershell => S::PowerShell,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "bcpcheck", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Prints the completion script of `shell`.
pub fn completions(shell: Shell) -> u8 {
    match print_or_fail(&completions_text(shell)) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    }
}

/// Prints the man page, in roff.
pub fn manpage() -> u8 {
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut out) {
        eprintln!("bcpcheck: cannot render the man page: {e}");
        return EXIT_ERROR;
    }
    match print_or_fail(&String::from_utf8_lossy(&out)) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    }
}
