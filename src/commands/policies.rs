//! `bcpcheck policies list|show`: the policy catalogue.

use std::path::{Path, PathBuf};

use super::{print_or_fail, print_problem, EXIT_ERROR, EXIT_OK};
use crate::cli::{ListFormat, PoliciesCommand, PolicySelection};
use crate::document::discover::repository_root;
use crate::policy::{self, sources, Policy, PolicySet};
use crate::render::catalog;
use crate::run::RunError;

/// The built-in packs named (all when empty) plus the given policy files, compiled with default params.
pub fn catalogue(packs: &[String], files: &[PathBuf], cwd: &Path) -> Result<PolicySet, RunError> {
    let packs = sources::choose_packs(packs, None)?;
    let mut policy_sources = sources::builtin(&packs);
    let (user, errors) = sources::user(files, cwd, &repository_root(cwd));
    policy_sources.extend(user);
    let mut set = policy::load(
        &policy_sources,
        &policy::params(None),
        &crate::expression::Runtime::new(),
    );
    set.errors.extend(errors);
    Ok(set)
}

/// Runs `bcpcheck policies ...`.
pub fn run(command: PoliciesCommand) -> u8 {
    let cwd = match super::current_dir() {
        Ok(dir) => dir,
        Err(code) => return code,
    };
    let selection: &PolicySelection = match &command {
        PoliciesCommand::List(args) => &args.selection,
        PoliciesCommand::Show(args) => &args.selection,
    };
    let set = match catalogue(&selection.packs, &selection.policies, &cwd) {
        Ok(set) => set,
        Err(err) => return super::run_error(err, false),
    };
    for e in &set.errors {
        print_problem(e, false);
    }
    let policies: Vec<&Policy> = set.policies.iter().collect();
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
                return EXIT_ERROR;
            }
        },
    };
    if let Err(code) = print_or_fail(&text) {
        return code;
    }
    if set.errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_ERROR
    }
}
