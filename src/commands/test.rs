//! `bcpcheck test`: runs the policy fixtures and prints the table.

use super::{print_or_fail, print_problem, EXIT_ERROR};
use crate::cli::TestArgs;
use crate::document::sanitize::strip_controls;
use crate::run::fixtures;

/// Runs `bcpcheck test`.
pub fn run(args: TestArgs) -> u8 {
    let cwd = match super::current_dir() {
        Ok(dir) => dir,
        Err(code) => return code,
    };
    let missing: Vec<String> = args
        .dirs
        .iter()
        .filter(|d| !cwd.join(d).is_dir())
        .map(|d| format!("`{}`", strip_controls(&d.display().to_string())))
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "bcpcheck: no folder {} here. `bcpcheck test DIR...` looks in each DIR (default: `policies/`) \
             for policy files and `{}` test manifests, with their fixture plans in a `tests/` folder \
             or named by a manifest; pass the folder that holds your policies",
            missing.join(", "),
            fixtures::MANIFEST
        );
        return EXIT_ERROR;
    }
    let report = fixtures::run(&args.dirs, &cwd);
    for e in &report.errors {
        print_problem(e, false);
    }
    if let Err(code) = print_or_fail(&fixtures::render(&report)) {
        return code;
    }
    report.exit_code() as u8
}
