//! `bcpcheck test`: runs the policy fixtures and prints the table.

use super::{print_or_fail, print_problem};
use crate::cli::TestArgs;
use crate::run::fixtures;

/// Runs `bcpcheck test`.
pub fn run(args: TestArgs) -> u8 {
    let cwd = match super::current_dir() {
        Ok(dir) => dir,
        Err(code) => return code,
    };
    let report = fixtures::run(&args.dirs, &cwd);
    for e in &report.errors {
        print_problem(e, false);
    }
    if let Err(code) = print_or_fail(&fixtures::render(&report)) {
        return code;
    }
    report.exit_code() as u8
}
