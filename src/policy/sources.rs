//! Where policies come from: the built-in packs chosen for a run, and the policy files and
//! directories users name.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::pack_manifest::{self, PackCondition};
use super::{packs, PolicyError, PolicySource};
use crate::document::discover::{self, Candidate};
use crate::document::{self, Format};

/// A pack name that is not built in.
#[derive(Debug, Error)]
#[error("unknown pack `{name}`{hint}; built-in packs: {known}")]
pub struct UnknownPack {
    /// The name as written.
    pub name: String,
    /// `; did you mean ...?`, when a built-in name is close.
    pub hint: String,
    /// The built-in pack names.
    pub known: String,
}

/// Checks that every name in `requested` is a built-in pack.
pub fn check_packs(requested: &[String]) -> Result<(), UnknownPack> {
    let known = packs::names();
    match requested.iter().find(|p| !known.contains(&p.as_str())) {
        Some(name) => Err(UnknownPack {
            hint: document::suggest(name, known.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default(),
            name: name.clone(),
            known: known.join(", "),
        }),
        None => Ok(()),
    }
}

/// The built-in packs to run: `requested` if any, else `fallback` (the config's), else every pack.
pub fn choose_packs(
    requested: &[String],
    fallback: Option<&[String]>,
) -> Result<Vec<String>, UnknownPack> {
    let chosen: Vec<String> = if !requested.is_empty() {
        requested.to_vec()
    } else if let Some(packs) = fallback {
        packs.to_vec()
    } else {
        packs::names().into_iter().map(String::from).collect()
    };
    check_packs(&chosen)?;
    Ok(chosen)
}

/// The sources of the built-in packs named in `packs`, and of the schema checks.
pub fn builtin(packs: &[String]) -> Vec<PolicySource> {
    std::iter::once(packs::SCHEMA_PACK)
        .chain(packs.iter().map(String::as_str))
        .flat_map(packs::files)
        .map(|f| PolicySource {
            name: f.name,
            path: PathBuf::new(),
            text: f.text.to_string(),
            pack: Some(f.pack.to_string()),
        })
        .collect()
}

/// The file name of a test manifest (`bcpcheck test`).
pub const MANIFEST: &str = "bcptest.yaml";

/// The plans named by the test manifest in `dir`, if there is one.
fn fixture_plans(dir: &Path) -> HashSet<PathBuf> {
    let manifest = dir.join(MANIFEST);
    let Ok(text) = std::fs::read_to_string(&manifest) else {
        return HashSet::new();
    };
    let Some(root) = crate::document::yaml::parse_stream(&text, 0)
        .ok()
        .and_then(|mut roots| (!roots.is_empty()).then(|| roots.remove(0)))
    else {
        return HashSet::new();
    };
    let cases = root
        .as_map()
        .and_then(|m| m.get("cases"))
        .and_then(|c| c.as_seq())
        .unwrap_or_default();
    cases
        .iter()
        .filter_map(|case| case.as_map()?.get("plan")?.as_str())
        .map(|plan| dir.join(plan))
        .collect()
}

/// Reads the policy files and directories named by the user (YAML files, recursively); a file
/// inside `root` is not read through a symbolic link that leads out of it.
pub fn user(paths: &[PathBuf], cwd: &Path, root: &Path) -> (Vec<PolicySource>, Vec<PolicyError>) {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    let mut fixtures: HashMap<PathBuf, HashSet<PathBuf>> = HashMap::new();
    for path in paths {
        let arg = path.to_string_lossy().into_owned();
        let found = discover::discover(&[arg], Path::new(""), cwd);
        for err in found.errors {
            errors.push(PolicyError::Read {
                file: err.file().to_string(),
                reason: err.to_string(),
            });
        }
        for Candidate { path, name, .. } in found.files {
            if Format::of(&path) != Some(Format::Yaml) {
                continue;
            }
            // Fixtures and manifests live beside policies; they are not policies.
            if name.split('/').any(|part| part == "tests") {
                continue;
            }
            // Elsewhere a test manifest names its fixture plans: they are not policies either.
            let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
            let named = fixtures
                .entry(dir.clone())
                .or_insert_with(|| fixture_plans(&dir));
            let is_manifest = path
                .file_name()
                .is_some_and(|n| n == MANIFEST || n == super::pack_manifest::FILE_NAME);
            if is_manifest || named.contains(&path) {
                continue;
            }
            let read = document::confine(&path, &name, root)
                .and_then(|real| document::read_text(&real, &name, 4 * 1024 * 1024));
            match read {
                Ok(text) => sources.push(PolicySource {
                    name,
                    path,
                    text,
                    pack: None,
                }),
                Err(e) => errors.push(PolicyError::Read {
                    file: name,
                    reason: e.to_string(),
                }),
            }
        }
    }
    (sources, errors)
}

/// The conditions of the built-in packs in `packs` (and of the schema checks), compiled.
pub fn builtin_conditions(
    packs: &[String],
    runtime: &crate::expression::Runtime,
) -> (Vec<PackCondition>, Vec<PolicyError>) {
    let mut conditions = Vec::new();
    let mut errors = Vec::new();
    for pack in std::iter::once(packs::SCHEMA_PACK).chain(packs.iter().map(String::as_str)) {
        let Some(text) = packs::manifest(pack) else {
            continue;
        };
        let name = format!("policies/{pack}/{}", pack_manifest::FILE_NAME);
        match pack_manifest::parse(pack, &name, text, runtime) {
            Ok(condition) => conditions.push(condition),
            Err(e) => errors.push(*e),
        }
    }
    (conditions, errors)
}
