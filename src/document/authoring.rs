//! Authoring help: the plan skeletons that `bcpcheck init` writes and the JSON Schema that `bcpcheck schema` prints.

use std::io::Write;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::Format;

/// JSON Schema (draft 2020-12) of `ContinuityPlan` files: types, enums and id syntax, nearly every field optional.
pub const SCHEMA: &str = include_str!("../../schema/continuity-plan.schema.json");

/// The file name the skeletons' `# yaml-language-server: $schema=...` line points at, beside the plan.
pub const SCHEMA_FILE_NAME: &str = "continuity-plan.schema.json";

/// The YAML plan skeleton: passes the `core` pack once its `<insert ...>` placeholders are filled in.
pub const YAML_SKELETON: &str = include_str!("../../templates/plan.yaml");

/// The Markdown plan skeleton: the YAML skeleton as front matter, then the plan's prose sections.
pub const MARKDOWN_SKELETON: &str = include_str!("../../templates/plan.md");

/// Why `init` wrote nothing.
#[derive(Debug, Error)]
pub enum InitError {
    /// The target exists and `--force` was not given.
    #[error("{} already exists; choose another path, or pass --force to overwrite it", .0.display())]
    Exists(PathBuf),
    /// The path's extension is not one bcpcheck reads as a plan.
    #[error("{} is not a plan file name: bcpcheck reads *.yaml, *.yml and *.md plans", .0.display())]
    UnknownExtension(PathBuf),
    /// `--markdown` with a YAML file name.
    #[error("--markdown writes a Markdown plan, but {} is a YAML file name; use a *.md path", .0.display())]
    FormatConflict(PathBuf),
    /// The file system refused.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file being written.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
}

/// The skeleton text of a format.
pub fn skeleton(format: Format) -> &'static str {
    match format {
        Format::Yaml => YAML_SKELETON,
        Format::Markdown => MARKDOWN_SKELETON,
    }
}

/// Where `init` writes and in which format: `path` if given (its extension decides, `--markdown` must agree),
/// else `plan.yaml`, or `plan.md` with `--markdown`.
pub fn target(path: Option<&Path>, markdown: bool) -> Result<(PathBuf, Format), InitError> {
    let Some(path) = path else {
        return Ok(if markdown {
            (PathBuf::from("plan.md"), Format::Markdown)
        } else {
            (PathBuf::from("plan.yaml"), Format::Yaml)
        });
    };
    match Format::of(path) {
        None => Err(InitError::UnknownExtension(path.to_path_buf())),
        Some(Format::Yaml) if markdown => Err(InitError::FormatConflict(path.to_path_buf())),
        Some(format) => Ok((path.to_path_buf(), format)),
    }
}

/// Writes the skeleton of `format` to `path`, creating missing parent directories.
///
/// The text goes to a temporary file in the target's directory first, then takes the target's name in one
/// step, so nobody sees half a plan. An existing file is never replaced unless `force` is set; the check and
/// the rename are one atomic operation, so a file created meanwhile is not replaced either.
pub fn init(path: &Path, format: Format, force: bool) -> Result<(), InitError> {
    let io = |source| InitError::Io {
        path: path.to_path_buf(),
        source,
    };
    if !force && path.exists() {
        return Err(InitError::Exists(path.to_path_buf()));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".bcpcheck-init-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A plan is an ordinary document: readable as the umask allows, not private like a temporary file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(dir).map_err(io)?;
    temp.write_all(skeleton(format).as_bytes()).map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    let persisted = if force {
        temp.persist(path)
    } else {
        temp.persist_noclobber(path)
    };
    persisted.map(drop).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            InitError::Exists(path.to_path_buf())
        } else {
            io(e.error)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_is_json_for_draft_2020_12() {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
    }

    #[test]
    fn the_markdown_front_matter_is_the_yaml_skeleton() {
        let front_matter = format!("---\n{YAML_SKELETON}---\n");
        assert!(
            MARKDOWN_SKELETON.starts_with(&front_matter),
            "templates/plan.md must open with templates/plan.yaml as its front matter"
        );
        for skeleton in [YAML_SKELETON, MARKDOWN_SKELETON] {
            assert!(skeleton.contains(&format!(
                "# yaml-language-server: $schema={SCHEMA_FILE_NAME}\n"
            )));
        }
    }

    #[test]
    fn the_target_follows_the_flag_and_the_extension() {
        assert_eq!(
            target(None, false).unwrap(),
            (PathBuf::from("plan.yaml"), Format::Yaml)
        );
        assert_eq!(
            target(None, true).unwrap(),
            (PathBuf::from("plan.md"), Format::Markdown)
        );
        assert_eq!(
            target(Some(Path::new("bcp/a.md")), false).unwrap(),
            (PathBuf::from("bcp/a.md"), Format::Markdown)
        );
        assert_eq!(
            target(Some(Path::new("a.yml")), false).unwrap().1,
            Format::Yaml
        );
        assert!(matches!(
            target(Some(Path::new("a.yaml")), true),
            Err(InitError::FormatConflict(_))
        ));
        assert!(matches!(
            target(Some(Path::new("a.txt")), false),
            Err(InitError::UnknownExtension(_))
        ));
    }

    #[test]
    fn init_never_overwrites_without_force_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plans/new.yaml");
        init(&path, Format::Yaml, false).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), YAML_SKELETON);

        std::fs::write(&path, "mine").unwrap();
        let err = init(&path, Format::Yaml, false).unwrap_err();
        assert!(matches!(err, InitError::Exists(_)), "{err}");
        assert!(err.to_string().contains("--force"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");

        init(&path, Format::Markdown, true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), MARKDOWN_SKELETON);
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["new.yaml"]);
    }

    #[cfg(unix)]
    #[test]
    fn the_plan_is_not_private_like_a_temporary_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.yaml");
        init(&path, Format::Yaml, false).unwrap();
        let ordinary = dir.path().join("ordinary.txt");
        std::fs::write(&ordinary, "x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode(&path),
            mode(&ordinary),
            "the umask decides, as for any new file"
        );
    }
}
