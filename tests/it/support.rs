//! What the integration tests share: where the repository is, and running the binary.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bcpcheck binary, run in `dir`, without colour and without a GitHub step summary.
pub fn command(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("bcpcheck").unwrap();
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY");
    cmd
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
