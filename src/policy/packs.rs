//! The built-in policy packs, embedded in the binary from `policies/`.

use include_dir::{include_dir, Dir};

static POLICIES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/policies");

/// One embedded policy file.
pub struct EmbeddedFile {
    /// Pack name (the directory).
    pub pack: &'static str,
    /// Path shown in diagnostics, such as `policies/core/BCP-RTO-001.yaml`.
    pub name: String,
    /// The YAML text.
    pub text: &'static str,
}

/// The pack of the schema checks, which every run has: the plan schema is enforced on load
/// whichever packs run, so its findings always have a policy to belong to.
pub const SCHEMA_PACK: &str = "schema";

/// The names of the built-in packs that can be chosen, sorted.
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&str> = POLICIES
        .dirs()
        .filter_map(|d| d.path().file_name()?.to_str())
        .filter(|name| *name != SCHEMA_PACK)
        .collect();
    names.sort_unstable();
    names
}

/// The policy files of one pack (fixtures under `tests/` excluded), sorted by name.
pub fn files(pack: &str) -> Vec<EmbeddedFile> {
    let Some(dir) = POLICIES.get_dir(pack) else {
        return Vec::new();
    };
    let mut files: Vec<EmbeddedFile> = dir
        .files()
        .filter(|f| {
            f.path()
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml")
                && f.path()
                    .file_name()
                    .is_some_and(|n| n != super::pack_manifest::FILE_NAME)
        })
        .filter_map(|f| {
            Some(EmbeddedFile {
                pack: dir.path().file_name()?.to_str()?,
                name: format!("policies/{}", f.path().display()),
                text: f.contents_utf8()?,
            })
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

/// A file embedded from `policies/`, by its path in that folder (`core/tests/bcptest.yaml`).
pub fn embedded(path: &str) -> Option<&'static str> {
    POLICIES.get_file(path).and_then(|f| f.contents_utf8())
}

/// The default policy parameters (`policies/params.yaml`).
pub fn default_params() -> &'static str {
    POLICIES
        .get_file("params.yaml")
        .and_then(|f| f.contents_utf8())
        .unwrap_or("{}")
}

/// The manifest of a built-in pack (`policies/<pack>/pack.yaml`), if it has one.
pub fn manifest(pack: &str) -> Option<&'static str> {
    POLICIES
        .get_file(format!("{pack}/{}", super::pack_manifest::FILE_NAME))
        .and_then(|f| f.contents_utf8())
}
