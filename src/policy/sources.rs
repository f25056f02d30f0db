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
/// inside `root` is not read through a symbolic link that leads out of it. Below a folder (or a
/// glob's folder), fixtures and test manifests are not policies; a file named is always read,
/// and a name that gives no policy file is an error, never silently nothing.
pub fn user(paths: &[PathBuf], cwd: &Path, root: &Path) -> (Vec<PolicySource>, Vec<PolicyError>) {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    let mut fixtures: HashMap<PathBuf, HashSet<PathBuf>> = HashMap::new();
    for path in paths {
        let arg = path.to_string_lossy().into_owned();
        let found = discover::discover(std::slice::from_ref(&arg), Path::new(""), cwd);
        let named_file = path.is_file();
        let folder = literal_folder(path);
        let before = (sources.len(), errors.len());
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
            if !named_file && is_fixture(&path, &folder, &mut fixtures) {
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
        if (sources.len(), errors.len()) == before {
            errors.push(PolicyError::Read {
                file: discover::display(path, cwd),
                reason: "no policy file here (policies are YAML files; those in a `tests` folder \
                         and the plans a `bcptest.yaml` names are fixtures)"
                    .into(),
            });
        }
    }
    (sources, errors)
}

/// True when `file`, found below `folder`, is a fixture or manifest that lives beside policies:
/// in a `tests` folder, a test or pack manifest, or a plan a test manifest names.
fn is_fixture(
    file: &Path,
    folder: &Path,
    fixtures: &mut HashMap<PathBuf, HashSet<PathBuf>>,
) -> bool {
    let below = file.strip_prefix(folder).unwrap_or(file);
    if below.components().any(|c| c.as_os_str() == "tests") {
        return true;
    }
    let is_manifest = file
        .file_name()
        .is_some_and(|n| n == MANIFEST || n == super::pack_manifest::FILE_NAME);
    let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
    is_manifest
        || fixtures
            .entry(dir.clone())
            .or_insert_with(|| fixture_plans(&dir))
            .contains(file)
}

/// The folder a policy path names: itself, or a glob's part before its first wildcard.
fn literal_folder(path: &Path) -> PathBuf {
    path.components()
        .take_while(|c| {
            !c.as_os_str()
                .to_string_lossy()
                .contains(['*', '?', '[', '{'])
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_expression_comes_back_the_same_from_the_parse_cache() {
        let packs: Vec<String> = crate::policy::packs::names()
            .iter()
            .map(|p| p.to_string())
            .collect();
        let runtime = crate::expression::Runtime::new();
        let set = crate::policy::load(&builtin(&packs), &crate::policy::params(None), &runtime);
        assert!(set.errors.is_empty(), "{:?}", set.errors);
        let (_, errors) = builtin_conditions(&packs, &runtime);
        assert!(errors.is_empty());
        let (compared, failures) = runtime.syntax_round_trip_failures();
        assert!(compared > 200, "only {compared} expressions compiled");
        assert!(failures.is_empty(), "{failures:#?}");
    }
}
