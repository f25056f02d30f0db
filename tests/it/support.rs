//! What the integration tests share: where the repository is, and running the binary.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bcpcheck binary, run in `dir`, without colour and without a GitHub step summary, its
/// parse cache in the tests' own directory.
pub fn command(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("bcpcheck").unwrap();
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("BCPCHECK_CACHE_DIR", test_cache_dir())
        .env_remove("BCPCHECK_NO_CACHE")
        .env_remove("GITHUB_STEP_SUMMARY");
    cmd
}

/// Where the tests' runs keep the parse cache, away from the user's.
pub fn test_cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("syntax-cache")
}

/// Runs bcpcheck in `dir` with `args`: (exit code, stdout, stderr).
pub fn bcpcheck_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = command(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
