//! Authoring help: the skeletons that `bcpcheck init` writes and the JSON Schemas that `bcpcheck schema` prints.

use std::io::Write;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::{schema, Format};

/// JSON Schema (draft 2020-12) of `ContinuityPlan` files: types, enums and id syntax, nearly every field optional.
pub const SCHEMA: &str = include_str!("../../schema/continuity-plan.schema.json");

/// JSON Schema of `Register` files as written: its items refer to the plan schema's `$defs`, merged in when compiled.
pub const REGISTER_SCHEMA: &str = include_str!("../../schema/register.schema.json");

/// JSON Schema of `BusinessImpactAnalysis` files as written: it refers to the plan schema's `$defs` too.
pub const BIA_SCHEMA: &str = include_str!("../../schema/business-impact-analysis.schema.json");

/// The file name the plan skeletons' `# yaml-language-server: $schema=...` line points at, beside the plan.
pub const SCHEMA_FILE_NAME: &str = "continuity-plan.schema.json";

/// The YAML plan skeleton: passes the `core` pack once its `<insert ...>` placeholders are filled in.
pub const YAML_SKELETON: &str = include_str!("../../templates/plan.yaml");

/// The Markdown plan skeleton: the YAML skeleton as front matter, then the plan's prose sections.
pub const MARKDOWN_SKELETON: &str = include_str!("../../templates/plan.md");

/// What `init` writes for one kind of document.
#[derive(Debug, PartialEq, Eq)]
pub struct Skeleton {
    /// The document kind, as its `kind:` line names it.
    pub kind: &'static str,
    /// The value of `--kind` that selects it (for `init` and `schema`).
    pub flag: &'static str,
    /// The file name `init` writes without a path, before its extension.
    pub stem: &'static str,
    /// The file name the skeleton's `# yaml-language-server: $schema=...` line points at.
    pub schema_file: &'static str,
    /// The YAML skeleton.
    pub yaml: &'static str,
    /// The Markdown skeleton (the YAML one as front matter, then prose), for kinds that may be Markdown.
    pub markdown: Option<&'static str>,
}

/// The plan skeleton (`init`'s default).
pub const PLAN: Skeleton = Skeleton {
    kind: schema::PLAN_KIND,
    flag: "plan",
    stem: "plan",
    schema_file: SCHEMA_FILE_NAME,
    yaml: YAML_SKELETON,
    markdown: Some(MARKDOWN_SKELETON),
};

/// The register skeleton: YAML only, its lists are data, not prose.
pub const REGISTER: Skeleton = Skeleton {
    kind: schema::REGISTER_KIND,
    flag: "register",
    stem: "register",
    schema_file: "register.schema.json",
    yaml: include_str!("../../templates/register.yaml"),
    markdown: None,
};

/// The BIA skeleton, in YAML or as the front matter of a Markdown BIA report.
pub const BIA: Skeleton = Skeleton {
    kind: schema::BIA_KIND,
    flag: "bia",
    stem: "bia",
    schema_file: "business-impact-analysis.schema.json",
    yaml: include_str!("../../templates/bia.yaml"),
    markdown: Some(include_str!("../../templates/bia.md")),
};

/// Every skeleton, one per document kind with a schema.
pub const SKELETONS: [&Skeleton; 3] = [&PLAN, &REGISTER, &BIA];

impl Skeleton {
    /// The skeleton text of a format; none for Markdown when the kind has no Markdown form.
    pub fn text(&self, format: Format) -> Option<&'static str> {
        match format {
            Format::Yaml => Some(self.yaml),
            Format::Markdown => self.markdown,
        }
    }
}

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
    /// Markdown (`--markdown` or a *.md path) for a kind that is YAML only.
    #[error("a {0} is YAML only: drop --markdown and use a *.yaml or *.yml path (Markdown is for plans and BIAs)")]
    NoMarkdown(&'static str),
    /// The file system refused.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file being written.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
}

/// The skeleton of a kind, by its `--kind` value or its `kind:` name.
pub fn skeleton_of(kind: &str) -> Option<&'static Skeleton> {
    SKELETONS
        .into_iter()
        .find(|s| s.flag == kind || s.kind == kind)
}

/// Where `init` writes a `skeleton` and in which format: `path` if given (its extension decides, `--markdown`
/// must agree), else the skeleton's `STEM.yaml`, or `STEM.md` with `--markdown`.
pub fn target(
    skeleton: &Skeleton,
    path: Option<&Path>,
    markdown: bool,
) -> Result<(PathBuf, Format), InitError> {
    let (path, format) = match path {
        None if markdown => (
            PathBuf::from(format!("{}.md", skeleton.stem)),
            Format::Markdown,
        ),
        None => (
            PathBuf::from(format!("{}.yaml", skeleton.stem)),
            Format::Yaml,
        ),
        Some(path) => match Format::of(path) {
            None => return Err(InitError::UnknownExtension(path.to_path_buf())),
            Some(Format::Yaml) if markdown && skeleton.markdown.is_some() => {
                return Err(InitError::FormatConflict(path.to_path_buf()))
            }
            Some(format) => (path.to_path_buf(), format),
        },
    };
    if skeleton.text(format).is_none() || (markdown && skeleton.markdown.is_none()) {
        return Err(InitError::NoMarkdown(skeleton.kind));
    }
    Ok((path, format))
}

/// Writes the `format` text of `skeleton` to `path`, creating missing parent directories.
///
/// The text goes to a temporary file in the target's directory first, then takes the target's name in one
/// step, so nobody sees half a plan. An existing file is never replaced unless `force` is set; the check and
/// the rename are one atomic operation, so a file created meanwhile is not replaced either.
pub fn init(
    skeleton: &Skeleton,
    path: &Path,
    format: Format,
    force: bool,
) -> Result<(), InitError> {
    let io = |source| InitError::Io {
        path: path.to_path_buf(),
        source,
    };
    let text = skeleton
        .text(format)
        .ok_or(InitError::NoMarkdown(skeleton.kind))?;
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
    temp.write_all(text.as_bytes()).map_err(io)?;
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
    fn every_kind_has_its_skeleton_pointing_at_its_schema_file() {
        for skeleton in SKELETONS {
            assert_eq!(skeleton_of(skeleton.flag), Some(skeleton));
            assert_eq!(skeleton_of(skeleton.kind), Some(skeleton));
            assert!(skeleton.yaml.starts_with(&format!(
                "# yaml-language-server: $schema={}\n",
                skeleton.schema_file
            )));
            assert!(skeleton
                .yaml
                .contains(&format!("\nkind: {}\n", skeleton.kind)));
            if let Some(markdown) = skeleton.markdown {
                assert!(
                    markdown.starts_with(&format!("---\n{}---\n", skeleton.yaml)),
                    "the {} Markdown skeleton must open with its YAML skeleton as front matter",
                    skeleton.kind
                );
            }
        }
        assert_eq!(skeleton_of("ExerciseReport"), None);
    }

    #[test]
    fn a_register_is_yaml_only_and_each_kind_has_its_default_name() {
        assert_eq!(
            target(&REGISTER, None, false).unwrap(),
            (PathBuf::from("register.yaml"), Format::Yaml)
        );
        assert_eq!(
            target(&BIA, None, true).unwrap(),
            (PathBuf::from("bia.md"), Format::Markdown)
        );
        assert_eq!(
            target(&BIA, Some(Path::new("x/bia.yml")), false).unwrap(),
            (PathBuf::from("x/bia.yml"), Format::Yaml)
        );
        for (path, markdown) in [
            (None, true),
            (Some(Path::new("r.md")), false),
            (Some(Path::new("r.yaml")), true),
        ] {
            let err = target(&REGISTER, path, markdown).unwrap_err();
            assert!(matches!(err, InitError::NoMarkdown("Register")), "{err}");
            assert!(err.to_string().contains("drop --markdown"), "{err}");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.md");
        assert!(matches!(
            init(&REGISTER, &path, Format::Markdown, false),
            Err(InitError::NoMarkdown(_))
        ));
        assert!(!path.exists());
    }

    #[test]
    fn the_target_follows_the_flag_and_the_extension() {
        assert_eq!(
            target(&PLAN, None, false).unwrap(),
            (PathBuf::from("plan.yaml"), Format::Yaml)
        );
        assert_eq!(
            target(&PLAN, None, true).unwrap(),
            (PathBuf::from("plan.md"), Format::Markdown)
        );
        assert_eq!(
            target(&PLAN, Some(Path::new("bcp/a.md")), false).unwrap(),
            (PathBuf::from("bcp/a.md"), Format::Markdown)
        );
        assert_eq!(
            target(&PLAN, Some(Path::new("a.yml")), false).unwrap().1,
            Format::Yaml
        );
        assert!(matches!(
            target(&PLAN, Some(Path::new("a.yaml")), true),
            Err(InitError::FormatConflict(_))
        ));
        assert!(matches!(
            target(&PLAN, Some(Path::new("a.txt")), false),
            Err(InitError::UnknownExtension(_))
        ));
    }

    #[test]
    fn init_never_overwrites_without_force_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plans/new.yaml");
        init(&PLAN, &path, Format::Yaml, false).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), YAML_SKELETON);

        std::fs::write(&path, "mine").unwrap();
        let err = init(&PLAN, &path, Format::Yaml, false).unwrap_err();
        assert!(matches!(err, InitError::Exists(_)), "{err}");
        assert!(err.to_string().contains("--force"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");

        init(&PLAN, &path, Format::Markdown, true).unwrap();
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
        init(&PLAN, &path, Format::Yaml, false).unwrap();
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
