//! A throwaway repository, a policy set with known verdicts, and a way to run bcpcheck on it that
//! notices a hang, a crash or runaway memory.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Policies with known verdicts on [`GOOD_PLAN`]: `T-OWNER-001` fails on it (no owner).
pub const POLICIES: &str = r#"
- id: T-OWNER-001
  title: The plan names an owner
  severity: error
  kinds: [ContinuityPlan]
  rule: has(doc.metadata.owner)
  fieldPath: metadata.owner
- id: T-FILLER-001
  title: The owner is not a placeholder
  severity: error
  kinds: [ContinuityPlan]
  when: has(doc.metadata.owner)
  rule: "!isPlaceholder(string(doc.metadata.owner))"
  fieldPath: metadata.owner
- id: T-TIER-001
  title: Process tiers are 1 to 2
  severity: warning
  kinds: [ContinuityPlan]
  select: processes[*]
  when: has(self.tier)
  rule: self.tier >= 1 && self.tier <= 2
  fieldPath: tier
"#;

/// A plan with one known gap: no `metadata.owner`.
pub const GOOD_PLAN: &str =
    "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata:\n  id: BCP-GOOD\n  title: Good\n";

/// What a run gave.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`None`: killed by a signal, a crash).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Wall time.
    pub elapsed: Duration,
    /// Peak resident memory of the process, in bytes (0 where /proc does not tell).
    pub max_rss: u64,
}

impl Run {
    /// The JSON report on standard output.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", self.stdout, self.stderr))
    }

    /// The messages of the report's errors about `file`.
    pub fn errors_about(&self, file: &str) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["file"].as_str() == Some(file)
                    || e["message"].as_str().is_some_and(|m| m.contains(file))
            })
            .map(|e| e["message"].as_str().unwrap().to_string())
            .collect()
    }

    /// `(policy, line, column)` of every finding in `file`.
    pub fn findings_in(&self, file: &str) -> Vec<(String, u64, u64)> {
        self.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["file"].as_str() == Some(file))
            .map(|f| {
                (
                    f["policy"].as_str().unwrap().to_string(),
                    f["start"]["line"].as_u64().unwrap(),
                    f["start"]["column"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    /// Asserts the run ended by itself, without a panic, within `seconds` and `mib` of memory.
    pub fn assert_clean(&self, seconds: u64, mib: u64) {
        assert!(
            self.code.is_some(),
            "killed by a signal (a crash):\n{}",
            self.stderr
        );
        assert!(
            !self.stderr.contains("panicked"),
            "panicked:\n{}",
            self.stderr
        );
        assert!(
            self.elapsed < Duration::from_secs(seconds),
            "took {:?}",
            self.elapsed
        );
        assert!(
            self.max_rss < mib * 1024 * 1024,
            "used {} MiB",
            self.max_rss / (1024 * 1024)
        );
    }

    /// Asserts that `plans/good.yaml` was checked in the same run: its known finding is there.
    pub fn assert_good_plan_checked(&self) {
        let findings = self.findings_in("plans/good.yaml");
        assert!(
            findings
                .iter()
                .any(|(policy, _, _)| policy == "T-OWNER-001"),
            "the other file was not checked: {findings:?}\n{}",
            self.stderr
        );
    }
}

/// A temporary repository (it has a `.git` directory, so it is the repository root).
pub struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    /// An empty repository with the test policies and [`GOOD_PLAN`] at `plans/good.yaml`.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        let repo = Repo { dir };
        repo.write("policy.yaml", POLICIES);
        repo.write("plans/good.yaml", GOOD_PLAN);
        repo
    }

    /// The repository's directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `relative` inside the repository.
    pub fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes a file, creating its directory.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Runs `bcpcheck check` on `plans/` with the test policies and a JSON report, then `extra`.
    pub fn check(&self, extra: &[&str]) -> Run {
        self.run(&json_check_args(extra))
    }

    /// Runs `bcpcheck check` with the test policies only, then `args`.
    pub fn check_with(&self, args: &[&str]) -> Run {
        let mut all = CHECK_WITH_TEST_POLICIES.to_vec();
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// Runs bcpcheck with `args` in the repository.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(self.path(), bcpcheck(), args)
    }
}

/// `bcpcheck check` with `policy.yaml` and no built-in pack.
const CHECK_WITH_TEST_POLICIES: &[&str] =
    &["check", "--no-default-packs", "--policy", "policy.yaml"];

/// The arguments of [`Repo::check`]: `plans/` as of 2026-11-28 with a JSON report, then `extra`.
pub fn json_check_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = CHECK_WITH_TEST_POLICIES.to_vec();
    args.extend(["--as-of", "2026-11-28", "--format", "json", "plans"]);
    args.extend_from_slice(extra);
    args
}

/// The binary under test.
pub fn bcpcheck() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bcpcheck"))
}

/// Runs `command` with `args` in `dir`, killing it after a minute: a hang fails the test rather
/// than the suite. Measures its peak memory.
pub fn run_in(dir: &Path, mut command: Command, args: &[&str]) -> Run {
    let started = Instant::now();
    let mut child = command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // On GitHub, `--format github` appends to the step summary: not from these tests.
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    // The peak memory of the child's own image: its high-water mark, read while it runs. (The
    // resource usage that `wait4` reports also counts the test process, whose memory the child
    // shares until it executes bcpcheck.)
    let status_file = format!("/proc/{}/status", child.id());
    let mut max_rss = 0;
    let code = loop {
        if let Some(hwm) = std::fs::read_to_string(&status_file)
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:").map(str::to_string))
            })
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            max_rss = max_rss.max(hwm * 1024);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bcpcheck {args:?} hung for a minute");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    Run {
        code,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        elapsed: started.elapsed(),
        max_rss,
    }
}
