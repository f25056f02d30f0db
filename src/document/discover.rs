//! Finding plan files from paths and glob patterns, honouring `.gitignore`.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::WalkBuilder;

use super::{Format, LoadError};

/// A file to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Where it is on disk.
    pub path: PathBuf,
    /// How it is shown: relative to the working directory where possible, with `/`.
    pub name: String,
    /// Named as a file by an argument, not found by walking a directory or matching a glob: a
    /// file that is not a plan is then reported rather than skipped.
    pub explicit: bool,
}

/// What one argument asked to search, and which files it gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The argument as written.
    pub arg: String,
    /// A file, a directory or a glob.
    pub kind: InputKind,
    /// Where the search ran (the directory walked), as shown.
    pub searched: String,
    /// Files seen while searching, before the extension or glob filter.
    pub seen: usize,
    /// The names of the files it gave (a file found by several arguments is listed by each).
    pub files: Vec<String>,
}

/// How an argument names files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// One file.
    File,
    /// A directory, walked for `.yaml`, `.yml`, `.md` and `.markdown` files.
    Directory,
    /// A glob pattern.
    Glob,
}

/// The files found, and the arguments that named nothing readable.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Files, sorted by name, without duplicates.
    pub files: Vec<Candidate>,
    /// Arguments that do not exist.
    pub errors: Vec<LoadError>,
    /// Per readable argument, what it searched and gave.
    pub inputs: Vec<Input>,
}

/// True when `arg` is a glob pattern rather than a path.
pub fn is_glob(arg: &str) -> bool {
    arg.contains(['*', '?', '[', '{'])
}

/// A matcher for glob patterns written relative to `base`, such as a config file's `plans:`.
pub fn glob_set(patterns: &[String]) -> Result<GlobSet, globset::Error> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(Glob::new(pattern.trim_start_matches("./"))?);
    }
    builder.build()
}

/// Finds the files named by `args` (files, directories or globs, relative to `base`), shown relative to `cwd`.
pub fn discover(args: &[String], base: &Path, cwd: &Path) -> Discovery {
    let mut found: BTreeMap<String, (PathBuf, bool)> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut inputs = Vec::new();
    for arg in args {
        let path = base.join(arg);
        let mut input = Input {
            arg: arg.clone(),
            kind: InputKind::File,
            searched: display(&path, cwd),
            seen: 0,
            files: Vec::new(),
        };
        if !is_glob(arg) || path.exists() {
            match std::fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => {
                    input.kind = InputKind::Directory;
                    walk(&path, base, cwd, None, &mut found, &mut input);
                }
                Ok(_) => {
                    let name = display(&path, cwd);
                    input.seen = 1;
                    input.files.push(name.clone());
                    found.insert(name, (path, true));
                }
                Err(e) => {
                    errors.push(LoadError::Read {
                        file: arg.clone(),
                        reason: e.to_string(),
                    });
                    continue;
                }
            }
            inputs.push(input);
            continue;
        }
        match glob_set(std::slice::from_ref(arg)) {
            Ok(set) => {
                let start = base.join(literal_prefix(arg));
                input.kind = InputKind::Glob;
                input.searched = display(&start, cwd);
                walk(&start, base, cwd, Some(&set), &mut found, &mut input);
                inputs.push(input);
            }
            Err(e) => errors.push(LoadError::Read {
                file: arg.clone(),
                reason: format!("invalid glob pattern: {e}"),
            }),
        }
    }
    Discovery {
        files: found
            .into_iter()
            .map(|(name, (path, explicit))| Candidate {
                path,
                name,
                explicit,
            })
            .collect(),
        errors,
        inputs,
    }
}

/// The directories before the first component with a wildcard: where a glob's walk starts.
fn literal_prefix(pattern: &str) -> PathBuf {
    let mut prefix = PathBuf::new();
    let parts: Vec<&str> = pattern.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        if is_glob(part) {
            break;
        }
        prefix.push(part);
    }
    prefix
}

fn walk(
    dir: &Path,
    base: &Path,
    cwd: &Path,
    filter: Option<&GlobSet>,
    found: &mut BTreeMap<String, (PathBuf, bool)>,
    input: &mut Input,
) {
    let walker = WalkBuilder::new(dir).require_git(false).build();
    for entry in walker.flatten() {
        // Symbolic links are listed, not followed: loading reads them only if they stay inside
        // the repository, and reports loops and broken links. FIFOs, sockets and devices with a
        // plan's name are listed too, so that loading reports them instead of skipping silently.
        if entry.file_type().is_none_or(|t| t.is_dir()) {
            continue;
        }
        let path = entry.into_path();
        let name = display(&path, cwd);
        input.seen += 1;
        let wanted = match filter {
            Some(set) => set.is_match(relative(&path, base)),
            None => Format::of(&path).is_some(),
        };
        if wanted {
            input.files.push(name.clone());
            // A file also named on its own stays explicit.
            found.entry(name).or_insert((path, false));
        }
    }
}

/// `path` relative to `cwd` with `/` separators, without `./`; `../` where it lies outside; safe
/// to print: control characters in file names are replaced.
pub fn display(path: &Path, cwd: &Path) -> String {
    crate::document::sanitize::strip_controls(&relative(path, cwd))
}

/// `path` relative to `cwd` as [`display`] shows it, but as it is: for matching globs.
pub fn relative(path: &Path, cwd: &Path) -> String {
    if !path.is_absolute() {
        return join(
            path.components()
                .filter(|c| !matches!(c, Component::CurDir)),
        );
    }
    let target: Vec<Component> = path.components().collect();
    let base: Vec<Component> = cwd.components().collect();
    let common = target.iter().zip(&base).take_while(|(a, b)| a == b).count();
    if common <= 1 && base.len() > 1 {
        // Only the filesystem root is shared: the absolute path is clearer.
        return join(target.into_iter());
    }
    let ups = std::iter::repeat_n(Component::ParentDir, base.len() - common);
    join(ups.chain(target[common..].iter().copied()))
}

fn join<'a>(components: impl Iterator<Item = Component<'a>>) -> String {
    let parts: Vec<String> = components
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let text = parts.join("/");
    text.strip_prefix("//")
        .map(|t| format!("/{t}"))
        .unwrap_or(text)
}

/// The repository that holds each plan, against which `fileExists()` and link checks resolve and
/// fingerprints are written: the plan's nearest enclosing git root, else the config's directory
/// or the run's root when they hold the plan, else the plan's own directory. Looked up once per
/// directory.
#[derive(Debug)]
pub struct Roots {
    /// The run's root (the working directory's repository).
    fallback: PathBuf,
    /// The config's directory, when there is a config.
    config_dir: Option<PathBuf>,
    /// False for one fixed root for every plan (policy fixtures).
    per_plan: bool,
    cache: std::sync::Mutex<std::collections::HashMap<PathBuf, PathBuf>>,
}

impl Roots {
    /// The same root for every plan.
    pub fn fixed(root: PathBuf) -> Self {
        Roots {
            fallback: root,
            config_dir: None,
            per_plan: false,
            cache: Default::default(),
        }
    }

    /// Each plan's own repository, with `fallback` and `config_dir` for plans outside any.
    pub fn per_plan(fallback: PathBuf, config_dir: Option<PathBuf>) -> Self {
        Roots {
            per_plan: true,
            config_dir,
            ..Roots::fixed(fallback)
        }
    }

    /// The root of the repository holding `file`.
    pub fn root_of(&self, file: &Path) -> PathBuf {
        let dir = file.parent().unwrap_or(Path::new(""));
        if !self.per_plan {
            return self.fallback.clone();
        }
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(root) = cache.get(dir) {
            return root.clone();
        }
        let root = dir
            .ancestors()
            .find(|d| !d.as_os_str().is_empty() && d.join(".git").exists())
            .map(Path::to_path_buf)
            .or_else(|| {
                self.config_dir
                    .iter()
                    .chain([&self.fallback])
                    .find(|r| dir.starts_with(r))
                    .cloned()
            })
            .unwrap_or_else(|| dir.to_path_buf());
        cache.insert(dir.to_path_buf(), root.clone());
        root
    }
}

/// The repository root: the nearest ancestor of `dir` holding `.git`, else `dir`.
pub fn repository_root(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(dir)
        .to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_directories_find_plans_and_honour_gitignore() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("plans/sub")).unwrap();
        std::fs::create_dir_all(root.join("build")).unwrap();
        for f in [
            "plans/a.yaml",
            "plans/sub/b.yml",
            "plans/c.md",
            "plans/d.txt",
            "build/x.yaml",
        ] {
            std::fs::write(root.join(f), "x: 1\n").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "build/\n").unwrap();
        let names = |args: &[&str]| -> Vec<String> {
            let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            discover(&args, root, root)
                .files
                .into_iter()
                .map(|c| c.name)
                .collect()
        };
        assert_eq!(
            names(&["."]),
            ["plans/a.yaml", "plans/c.md", "plans/sub/b.yml"]
        );
        assert_eq!(
            names(&["plans/**/*.{yaml,yml}"]),
            ["plans/a.yaml", "plans/sub/b.yml"]
        );
        assert_eq!(names(&["plans/d.txt"]), ["plans/d.txt"]);
        assert_eq!(
            display(Path::new("/a/b/c.yaml"), Path::new("/a/d")),
            "../b/c.yaml"
        );
        assert_eq!(
            display(Path::new("/a/b/c.yaml"), Path::new("/a")),
            "b/c.yaml"
        );
        assert_eq!(
            display(Path::new("/x/c.yaml"), Path::new("/a/d")),
            "/x/c.yaml"
        );
        let missing = discover(&["nope.yaml".to_string()], root, root);
        assert_eq!(missing.errors.len(), 1);
    }

    #[test]
    fn each_plan_resolves_against_its_own_repository() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for d in ["a/.git", "a/plans/sub", "b/plans", "c/plans"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let roots = Roots::per_plan(root.join("b"), Some(root.join("c")));
        assert_eq!(
            roots.root_of(&root.join("a/plans/sub/x.md")),
            root.join("a")
        );
        // Cached per directory: the same answer again.
        assert_eq!(
            roots.root_of(&root.join("a/plans/sub/y.md")),
            root.join("a")
        );
        assert_eq!(roots.root_of(&root.join("b/plans/x.md")), root.join("b"));
        assert_eq!(roots.root_of(&root.join("c/plans/x.md")), root.join("c"));
        assert_eq!(
            roots.root_of(&root.join("d/plans/x.md")),
            root.join("d/plans")
        );
        let fixed = Roots::fixed(root.join("b"));
        assert_eq!(fixed.root_of(&root.join("a/plans/x.md")), root.join("b"));
    }

    #[test]
    fn inputs_record_what_they_searched_and_found() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("plans")).unwrap();
        std::fs::write(root.join("plans/a.yaml"), "x: 1\n").unwrap();
        std::fs::write(root.join("plans/notes.txt"), "x\n").unwrap();
        let args: Vec<String> = ["plans", "plans/a.yaml", "plan/*.yaml", "plans/*.json"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let found = discover(&args, root, root);
        let summary: Vec<(InputKind, &str, usize, usize)> = found
            .inputs
            .iter()
            .map(|i| (i.kind, i.searched.as_str(), i.seen, i.files.len()))
            .collect();
        assert_eq!(
            summary,
            [
                (InputKind::Directory, "plans", 2, 1),
                (InputKind::File, "plans/a.yaml", 1, 1),
                (InputKind::Glob, "plan", 0, 0),
                (InputKind::Glob, "plans", 2, 0),
            ]
        );
        // Named on its own, the file is explicit even though the walk found it first.
        assert!(found.files[0].explicit);
    }

    #[test]
    fn plans_are_recognised_by_their_api_version_or_kind_even_when_broken() {
        use crate::document::looks_like_plan;
        assert!(looks_like_plan("apiVersion: bcp/v1\nmetadata: {id: [\n"));
        assert!(looks_like_plan("- apiVersion: \"bcp/v1\"\n"));
        assert!(looks_like_plan("---\nkind: ContinuityPlan\ndeep: [[\n"));
        assert!(!looks_like_plan("name: {{ .Release.Name }}\n"));
        assert!(!looks_like_plan("apiVersion: apps/v1\nkind: Deployment\n"));
    }
}
