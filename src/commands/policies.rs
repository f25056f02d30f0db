//! `bcpcheck policies list|show`: the policy catalogue.

use std::path::{Path, PathBuf};

use super::{print_or_fail, print_problem, EXIT_ERROR, EXIT_OK};
use crate::cli::{ListFormat, PoliciesCommand, PolicySelection};
use crate::document::discover::repository_root;
use crate::document::sanitize::strip_controls;
use crate::document::suggest::suggest;
use crate::policy::packs;
use crate::policy::{self, sources, Policy, PolicySet};
use crate::render::catalog;
use crate::run::{self, RunError};

/// A failing example of `p` from its own test fixtures: the embedded ones of its pack, or a
/// `bcptest.yaml` beside its file or in a `tests/` folder there.
fn example(p: &Policy) -> Option<catalog::Example> {
    if let Some(pack) = &p.pack {
        let manifest = packs::embedded(&format!("{pack}/tests/bcptest.yaml"))?;
        let read = |plan: &str| {
            let path = normalise(&format!("{pack}/tests/{plan}"))?;
            packs::embedded(&path).map(str::to_string)
        };
        return catalog::example(&p.id, manifest, &read);
    }
    let dir = p.origin.path.parent()?;
    [dir.join("tests"), dir.to_path_buf()]
        .iter()
        .find_map(|tests| {
            let manifest = std::fs::read_to_string(tests.join(run::fixtures::MANIFEST)).ok()?;
            let read = |plan: &str| std::fs::read_to_string(tests.join(plan)).ok();
            catalog::example(&p.id, &manifest, &read)
        })
}

/// `a/b/../c` as `a/c`; `None` when it leaves the folder it starts in.
fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

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
    // Policies of bcpcheck.yaml's `policies:` are found as `check` finds them.
    let config = match run::load_config(None, &cwd) {
        Ok(config) => config,
        Err(err) => return super::run_error(err, false),
    };
    let mut files = config.policies.clone();
    files.extend(selection.policies.iter().cloned());
    let set = match catalogue(&selection.packs, &files, &cwd) {
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
        PoliciesCommand::Show(args) => {
            match policies
                .iter()
                .find(|p| p.id.eq_ignore_ascii_case(&args.id))
            {
                Some(p) => catalog::show(p, example(p).as_ref()),
                None => {
                    let ids = policies.iter().map(|p| p.id.as_str());
                    let hint = match suggest(&args.id, ids) {
                        Some(close) => format!("did you mean `{close}`? "),
                        None => String::new(),
                    };
                    eprintln!(
                        "bcpcheck: no policy `{}`; {hint}`bcpcheck policies list` shows them all",
                        strip_controls(&args.id)
                    );
                    return EXIT_ERROR;
                }
            }
        }
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
