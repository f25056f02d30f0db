//! End-to-end tests of `bcpcheck check`: the binary, its exit codes and its rendered output.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

use super::support::root;

fn fixtures() -> PathBuf {
    root().join("tests/fixtures/core")
}

/// `bcpcheck check` run from the core fixtures directory with the test policies only.
fn check(args: &[&str]) -> Command {
    let mut cmd = super::support::command(&fixtures());
    cmd.args(["check", "--no-default-packs", "--as-of", "2026-11-28"])
        .args(args);
    cmd
}

/// Runs and returns (exit code, stdout, stderr), with the elapsed time made stable.
fn run(mut cmd: Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    let time = regex::Regex::new(r"in \d+ ms").unwrap();
    let clean = |b: &[u8]| {
        time.replace_all(&String::from_utf8_lossy(b), "in [elapsed] ms")
            .into_owned()
    };
    (
        out.status.code().unwrap_or(-1),
        clean(&out.stdout),
        clean(&out.stderr),
    )
}

fn json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, _) = run(check(&all));
    (code, serde_json::from_str(&stdout).expect("valid JSON"))
}

#[test]
fn failing_plan_renders_miette_diagnostics() {
    let (code, stdout, _) = run(check(&["--policy", "policies.yaml", "failing.yaml"]));
    assert_eq!(code, 1);
    insta::assert_snapshot!("failing_plan_human", stdout);
}

#[test]
fn passing_plan_exits_zero() {
    let (code, stdout, _) = run(check(&["--policy", "policies.yaml", "passing.yaml"]));
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("0 errors, 0 warnings, 0 info in 1 file checked against 8 policies"));
}

#[test]
fn json_findings_carry_policy_location_and_help() {
    let (code, report) = json(&["--policy", "policies.yaml", "failing.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(report["version"], 1);
    assert_eq!(report["asOf"], "2026-11-28");
    assert_eq!(report["summary"]["errors"], 3);
    assert_eq!(report["summary"]["warnings"], 2);
    let findings = report["findings"].as_array().unwrap();
    let ids: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f["policy"].as_str().unwrap(), f["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ids,
        [
            ("TEST-META-004", "metadata.next_review"),
            ("TEST-RTO-002", "processes[0].rto"),
            ("TEST-REF-001", "processes[0].depends_on[1]"),
            ("TEST-RTO-001", "processes[1].rto"),
            ("TEST-ROLE-003", "roles[1].alternates"),
        ]
    );
    let rto = &findings[1];
    assert_eq!(rto["message"], "process P-PAY: RTO 48h exceeds MTPD 24h");
    assert_eq!(rto["file"], "failing.yaml");
    assert_eq!(rto["start"]["line"], 10);
    assert_eq!(rto["start"]["column"], 10);
    assert_eq!(rto["end"]["column"], 13);
    assert_eq!(rto["start"]["offset"], 180);
    assert_eq!(rto["severity"], "error");
    assert_eq!(rto["fingerprint"].as_str().unwrap().len(), 16);
    // A missing field points at the nearest existing parent and names the field to add.
    let missing = &findings[3];
    assert_eq!(missing["missing"], "rto");
    assert_eq!(missing["start"]["line"], 13);
    assert_eq!(
        missing["help"],
        "Add `rto:` with the recovery time objective, e.g. `rto: 4h`."
    );
    assert_eq!(missing["references"][0], "ISO 22301 8.2.2 e");
    // The unresolved reference points at the id itself.
    let reference = &findings[2];
    assert_eq!(reference["message"], "unknown dependency DEP-GHOST");
    assert_eq!(reference["start"]["line"], 12);
    assert_eq!(reference["start"]["column"], 28);
}

#[test]
fn broken_policies_are_reported_at_the_spot_and_the_others_still_run() {
    let (code, stdout, _) = run(check(&["--policy", "broken-policies.yaml", "passing.yaml"]));
    assert_eq!(code, 2);
    insta::assert_snapshot!("broken_policy_human", stdout);
    let (_, report) = json(&["--policy", "broken-policies.yaml", "passing.yaml"]);
    // TEST-OK-001 ran and found the missing owner.
    assert_eq!(report["findings"][0]["policy"], "TEST-OK-001");
    assert_eq!(report["findings"][0]["missing"], "owner");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["line"], 6);
    assert_eq!(errors[0]["column"], 25);
    assert_eq!(
        errors[1]["message"],
        "broken-policies.yaml: unknown variable `plan`"
    );
    assert_eq!(errors[1]["line"], 10);
    assert_eq!(errors[1]["column"], 31);
}

#[test]
fn malformed_plan_is_an_error_and_other_files_are_still_checked() {
    let (code, stdout, _) = run(check(&[
        "--policy",
        "policies.yaml",
        "malformed.yaml",
        "failing.yaml",
    ]));
    assert_eq!(code, 2);
    insta::assert_snapshot!("malformed_plan_human", stdout);
    assert!(
        stdout.contains("TEST-RTO-001"),
        "failing.yaml was still checked"
    );
}

#[test]
fn every_bad_input_is_a_diagnostic_with_exit_code_two() {
    let cases = [
        ("duplicate-key.yaml", "duplicate key `id`", Some((6, 3))),
        ("latin1.yaml", "not UTF-8 text", Some((3, 23))),
        ("empty.yaml", "empty file", None),
        (
            "unclosed-front-matter.md",
            "front matter is never closed",
            Some((1, 1)),
        ),
        ("no-such-plan.yaml", "cannot read", None),
        ("malformed.yaml", "invalid YAML", Some((4, 10))),
    ];
    for (file, message, position) in cases {
        let (code, report) = json(&["--policy", "policies.yaml", file, "passing.yaml"]);
        assert_eq!(code, 2, "{file}");
        let error = &report["errors"][0];
        assert!(
            error["message"].as_str().unwrap().contains(message),
            "{file}: {error}"
        );
        if let Some((line, column)) = position {
            assert_eq!(
                (
                    error["line"].as_u64().unwrap(),
                    error["column"].as_u64().unwrap()
                ),
                (line, column),
                "{file}"
            );
        }
        assert_eq!(
            report["summary"]["files"], 1,
            "{file}: passing.yaml still checked"
        );
    }
}

#[test]
fn type_errors_are_policy_diagnostics_showing_the_plan_node() {
    let (code, stdout, _) = run(check(&["--policy", "type-error.yaml", "passing.yaml"]));
    assert_eq!(code, 2);
    assert!(
        stdout.contains("TEST-TYPE-001: evaluation failed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("while checking passing.yaml at `processes[0]`"),
        "{stdout}"
    );
    assert!(stdout.contains("type-error.yaml:5:9"), "{stdout}");
}

#[test]
fn markdown_plans_expose_their_body() {
    let (code, report) = json(&["--policy", "policies.yaml", "plan.md"]);
    assert_eq!(code, 0);
    let finding = &report["findings"][0];
    assert_eq!(finding["policy"], "TEST-DOC-001");
    assert_eq!(finding["message"], "placeholder text: TBD");
    assert_eq!(finding["start"]["line"], 11);
    assert_eq!(finding["start"]["column"], 49);
}

#[test]
fn documents_that_are_not_plans_are_skipped_with_a_note() {
    // Named on its own, a file that is not a plan is reported (issue 12, item 4).
    let (code, report) = json(&[
        "--policy",
        "policies.yaml",
        "not-a-plan.yaml",
        "passing.yaml",
    ]);
    assert_eq!(code, 2);
    assert_eq!(report["skipped"][0]["file"], "not-a-plan.yaml");
    assert_eq!(report["summary"]["files"], 1);
}

#[test]
fn fail_on_sets_the_threshold() {
    let policies = ["--policy", "policies.yaml", "plan.md"];
    assert_eq!(
        run(check(&policies)).0,
        0,
        "info only: passes at the default threshold"
    );
    let mut info = policies.to_vec();
    info.extend(["--fail-on", "info"]);
    assert_eq!(run(check(&info)).0, 1);
    let mut never = vec!["--fail-on", "never"];
    never.extend(["--policy", "policies.yaml", "failing.yaml"]);
    assert_eq!(run(check(&never)).0, 0);
}

#[test]
fn usage_errors_exit_two() {
    let mut bad_date = Command::cargo_bin("bcpcheck").unwrap();
    bad_date
        .current_dir(fixtures())
        .args(["check", "--as-of", "yesterday"]);
    let mut bad_pack = Command::cargo_bin("bcpcheck").unwrap();
    bad_pack
        .current_dir(fixtures())
        .args(["check", "--pack", "no-such-pack"]);
    for (args, cmd) in [("--as-of", bad_date), ("--pack", bad_pack)] {
        let (code, _, stderr) = run(cmd);
        assert_eq!(code, 2, "{args:?}");
        assert!(stderr.starts_with("bcpcheck: "), "{stderr}");
    }
}

#[test]
fn config_is_found_upward_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    std::fs::create_dir_all(repo.join("plans/deep")).unwrap();
    std::fs::create_dir_all(repo.join("team")).unwrap();
    std::fs::copy(
        fixtures().join("failing.yaml"),
        repo.join("plans/failing.yaml"),
    )
    .unwrap();
    std::fs::copy(
        fixtures().join("policies.yaml"),
        repo.join("team/policies.yaml"),
    )
    .unwrap();
    std::fs::write(
        repo.join("bcpcheck.yaml"),
        "plans: ['plans/*.yaml']\npolicies: [team/]\npacks: []\nparams: {criticalTier: 1}\nfailOn: warning\n",
    )
    .unwrap();
    let run_in = |dir: &Path, extra: &[&str]| {
        let mut cmd = Command::cargo_bin("bcpcheck").unwrap();
        cmd.current_dir(dir)
            .args(["check", "--as-of", "2026-11-28", "--format", "json"])
            .args(extra);
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap(),
            serde_json::from_str::<Value>(&String::from_utf8_lossy(&out.stdout)).unwrap(),
        )
    };
    let (code, report) = run_in(&repo.join("plans/deep"), &[]);
    assert_eq!(code, 1);
    let policies: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["policy"].as_str().unwrap())
        .collect();
    // criticalTier 1: the tier-2 process no longer needs an RTO.
    assert!(!policies.contains(&"TEST-RTO-001"), "{policies:?}");
    assert!(policies.contains(&"TEST-ROLE-003"));
    assert_eq!(report["findings"][0]["file"], "../failing.yaml");
    // The flag wins over `failOn: warning`.
    assert_eq!(run_in(repo, &["--fail-on", "never"]).0, 0);

    std::fs::write(
        repo.join("bcpcheck.yaml"),
        "plans: ['plans/*.yaml']\nfailon: warning\n",
    )
    .unwrap();
    let mut cmd = Command::cargo_bin("bcpcheck").unwrap();
    let out = cmd
        .current_dir(repo)
        .env("NO_COLOR", "1")
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown field `failon`") && stderr.contains("did you mean `failOn`?"),
        "{stderr}"
    );
}

#[test]
fn output_file_is_written_and_plans_are_never_modified() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.yaml");
    std::fs::copy(fixtures().join("failing.yaml"), &plan).unwrap();
    let before = std::fs::read(&plan).unwrap();
    let report = dir.path().join("out/report.json");
    std::fs::create_dir_all(report.parent().unwrap()).unwrap();
    let (code, stdout, _) = run(check(&[
        "--policy",
        "policies.yaml",
        "--format",
        "json",
        "--output",
        report.to_str().unwrap(),
        plan.to_str().unwrap(),
    ]));
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    let written: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(written["summary"]["errors"], 3);
    assert_eq!(std::fs::read(&plan).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(report.parent().unwrap())
        .unwrap()
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");
}

#[test]
fn variables_are_lazy_a_failing_variable_only_matters_when_read() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("lazy.yaml");
    std::fs::write(
        &policy,
        "id: TEST-LAZY-001\ntitle: Upstream RTO within 8h\nseverity: error\nselect: processes[*]\n\
         variables:\n  - {name: upstream, expression: period(self.upstream_rto)}\n\
         when: has(self.upstream_rto)\nrule: variables.upstream <= period('8h')\n",
    )
    .unwrap();
    let (code, report) = json(&["--policy", policy.to_str().unwrap(), "passing.yaml"]);
    assert_eq!(
        code, 0,
        "the variable reads a missing field, but `when` is false: {report}"
    );
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn a_broken_message_expression_in_a_policy_file_is_reported_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("message.yaml");
    std::fs::write(
        &policy,
        "id: TEST-MSG-001\ntitle: Has metadata\nseverity: error\nrule: has(doc.metadata)\nmessageExpression: \"'plan ' +\"\n",
    )
    .unwrap();
    let (code, report) = json(&["--policy", policy.to_str().unwrap(), "passing.yaml"]);
    assert_eq!(code, 2);
    assert_eq!(report["errors"][0]["line"], 5, "{report}");
    assert!(report["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("invalid CEL"));
}

#[test]
fn field_path_dot_points_at_the_match_not_at_the_field_the_rule_reads() {
    let dir = tempfile::tempdir().unwrap();
    let policy = |field_path: &str| {
        let file = dir.path().join(format!("known{}.yaml", field_path.len()));
        std::fs::write(
            &file,
            format!(
                "id: TEST-KNOWN-001\ntitle: Known process\nseverity: error\nselect: processes[*]\n\
                 rule: self.id in ['none']\n{field_path}"
            ),
        )
        .unwrap();
        let (code, report) = json(&["--policy", file.to_str().unwrap(), "passing.yaml"]);
        assert_eq!(code, 1, "{report}");
        report["findings"][0]["path"].as_str().unwrap().to_string()
    };
    assert_eq!(
        policy(""),
        "processes[0].id",
        "the first field the rule reads"
    );
    assert_eq!(policy("fieldPath: .\n"), "processes[0]");
}

#[test]
fn extension_functions_in_a_namespace_are_not_variables() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("range.yaml");
    std::fs::write(
        &policy,
        "id: TEST-RANGE-001\ntitle: Processes listed\nseverity: error\n\
         rule: lists.range(size(doc.processes)).all(i, has(doc.processes[i].id))\n",
    )
    .unwrap();
    let (code, report) = json(&["--policy", policy.to_str().unwrap(), "passing.yaml"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn timings_list_the_slowest_policies_on_standard_error() {
    let (code, stdout, stderr) = run(check(&[
        "--timings",
        "--format",
        "json",
        "--policy",
        "policies.yaml",
        "passing.yaml",
    ]));
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str::<Value>(&stdout).expect("the report itself is unchanged");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].starts_with("policy") && lines[0].contains("time (ms)"),
        "{stderr}"
    );
    let policies = lines.len() - 2;
    assert_eq!(policies, 8, "{stderr}");
    assert!(
        lines[1..=policies].iter().all(|l| l.ends_with('%')),
        "{stderr}"
    );
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with(&format!("{policies} of {policies} policies")),
        "{stderr}"
    );
}

#[test]
fn group_by_turns_a_list_into_a_lookup() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.yaml");
    std::fs::write(
        &plan,
        "apiVersion: bcp/v1\nkind: ContinuityPlan\nprocesses:\n  - {id: A, tier: 1, depends_on: [X, Y, X]}\n  - {id: B, tier: 2, depends_on: [Y]}\n  - {id: A, tier: 3}\n  - {name: no id}\n  - plain text\n",
    )
    .unwrap();
    let policy = dir.path().join("group.yaml");
    std::fs::write(
        &policy,
        "id: TEST-GROUP-001\ntitle: groups\nseverity: error\n\
         variables:\n  - {name: byId, expression: \"doc.processes.groupBy('id')\"}\n\
         rule: >-\n  size(variables.byId) == 2 && variables.byId['A'].map(p, p.tier) == [1, 3]\n  \
         && variables.byId['B'][0].tier == 2 && !('C' in variables.byId)\n  \
         && doc.processes.groupBy('depends_on')['Y'].map(p, p.tier) == [1, 2]\n  \
         && doc.processes.groupBy('depends_on')['X'].map(p, p.tier) == [1]\n",
    )
    .unwrap();
    let (code, report) = json(&["--policy", policy.to_str().unwrap(), plan.to_str().unwrap()]);
    // The rule holds; the item that is no mapping is the schema's finding, not the policy's.
    assert_eq!(code, 1, "{report}");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report}");
    assert_eq!(findings[0]["policy"], "BCP-SCHEMA-001", "{report}");
    assert_eq!(findings[0]["path"], "processes[4]", "{report}");
}

#[test]
fn a_reader_that_closes_the_pipe_ends_the_run_quietly_with_zero() {
    use std::io::Read;
    use std::process::Stdio;
    // Far more output than a pipe buffers, so bcpcheck is still writing when the reader leaves.
    let dir = tempfile::tempdir().unwrap();
    let plan = std::fs::read_to_string(fixtures().join("failing.yaml")).unwrap();
    for i in 0..300 {
        std::fs::write(dir.path().join(format!("plan-{i:03}.yaml")), &plan).unwrap();
    }
    // Beside the plans: a policy path with a `tests` folder in it is taken for fixtures.
    let policies = dir.path().join("policies.yaml");
    std::fs::copy(fixtures().join("policies.yaml"), &policies).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("bcpcheck"))
        .current_dir(dir.path())
        .args([
            "check",
            "--no-default-packs",
            "--format",
            "json",
            "--policy",
        ])
        .arg(&policies)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is dropped here: the pipe is closed.
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}

/// `check` of the example plans with every pack, the parse cache in `cache` (none: `--no-cache`).
fn check_with_cache(cache: Option<&Path>, extra: &[&str]) -> (i32, String, String) {
    let mut cmd = super::support::command(&root());
    cmd.args(["check", "--as-of", "2026-11-28", "--format", "concise"]);
    match cache {
        Some(dir) => cmd.env("BCPCHECK_CACHE_DIR", dir),
        None => cmd.arg("--no-cache"),
    };
    cmd.args(extra).arg("fixtures/plans");
    run(cmd)
}

/// The one file of the parse cache in `dir`.
fn cache_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

#[test]
fn the_parse_cache_changes_no_verdict_and_a_damaged_one_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let uncached = check_with_cache(None, &[]);
    assert!(!uncached.1.is_empty(), "the example plans have findings");
    assert!(!cache.exists());

    // The first run parses and writes the cache; the second reads it: the same report.
    assert_eq!(check_with_cache(Some(&cache), &[]), uncached);
    let file = cache_file(&cache);
    let written = std::fs::read(&file).unwrap();
    assert!(written.starts_with(b"bcpcheck syntax cache 1 "));
    assert_eq!(check_with_cache(Some(&cache), &[]), uncached);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        written,
        "nothing new to keep"
    );

    // A damaged file is ignored, and replaced by a whole one.
    let mut damaged = written.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0xff;
    std::fs::write(&file, &damaged).unwrap();
    assert_eq!(check_with_cache(Some(&cache), &[]), uncached);
    assert_eq!(std::fs::read(&file).unwrap(), written);
    std::fs::write(&file, "garbage").unwrap();
    assert_eq!(check_with_cache(Some(&cache), &[]), uncached);
    assert_eq!(std::fs::read(&file).unwrap(), written);

    // A broken expression is never kept: it is reported at its spot on every run.
    let broken = fixtures().join("broken-policies.yaml");
    let broken = broken.to_str().unwrap();
    for _ in 0..2 {
        let (code, out, _) = check_with_cache(Some(&cache), &["--policy", broken]);
        assert_eq!(code, 2, "{out}");
        assert!(out.contains("broken-policies.yaml:6:25"), "{out}");
        assert!(out.contains("broken-policies.yaml:10:31"), "{out}");
    }

    // BCPCHECK_NO_CACHE, like --no-cache, reads and writes none.
    let other = dir.path().join("other");
    let mut cmd = super::support::command(&root());
    cmd.env("BCPCHECK_CACHE_DIR", &other)
        .env("BCPCHECK_NO_CACHE", "1")
        .args(["check", "--as-of", "2026-11-28", "fixtures/plans"]);
    run(cmd);
    assert!(!other.exists());

    // Without BCPCHECK_CACHE_DIR: the user's cache directory, but never in CI.
    let home = dir.path().join("home");
    let in_home = |ci: Option<&str>| {
        let mut cmd = super::support::command(&root());
        cmd.env_remove("BCPCHECK_CACHE_DIR")
            .env_remove("XDG_CACHE_HOME")
            .env("HOME", &home)
            .args(["check", "--as-of", "2026-11-28", "fixtures/plans"]);
        match ci {
            Some(value) => cmd.env("CI", value),
            None => cmd.env_remove("CI"),
        };
        run(cmd);
    };
    in_home(Some("true"));
    assert!(!home.exists());
    if cfg!(unix) {
        in_home(None);
        cache_file(&home.join(".cache").join("bcpcheck"));
    }
}

#[test]
fn a_policy_path_that_gives_no_policy_is_an_error_and_a_named_file_is_always_read() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "plan.yaml",
        "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: P}\n",
    );
    write(
        "ci/tests/team.yaml",
        "id: TEAM-001\ntitle: t\nseverity: error\nrule: has(self.metadata.owner)\nmessage: no owner\n",
    );
    let checked = |policy: &str| {
        super::support::bcpcheck_in(
            dir.path(),
            &[
                "check",
                "--no-default-packs",
                "--policy",
                policy,
                "plan.yaml",
            ],
        )
    };
    // Below the folder named, `tests` holds fixtures: nothing is left, and that is said.
    let (code, out, err) = checked("ci");
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        out.contains("ci: cannot read policy file: no policy file here"),
        "{out}"
    );
    // A `tests` folder above it, or the file named, does not hide a policy.
    for policy in ["ci/tests", "ci/tests/team.yaml"] {
        let (code, out, _) = checked(policy);
        assert_eq!(code, 1, "{policy}: {out}");
        assert!(out.contains("TEAM-001"), "{policy}: {out}");
    }
}
