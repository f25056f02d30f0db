//! Trustworthy verdicts (issue 12): a run that checked nothing does not pass, files that are not
//! plans do not fail the run, config and exceptions are validated, labels state the problem, and
//! file checks resolve against the plan's own repository.

use std::path::Path;

use super::support::{bcpcheck_in, root};

const AS_OF: &str = "2026-11-28";

/// A repository (a `.git` directory) holding the test policies and the passing test plan.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let core = root().join("tests/fixtures/core");
    std::fs::copy(core.join("policies.yaml"), dir.path().join("policies.yaml")).unwrap();
    std::fs::create_dir(dir.path().join("plans")).unwrap();
    std::fs::copy(
        core.join("passing.yaml"),
        dir.path().join("plans/passing.yaml"),
    )
    .unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `text` with miette's line wrapping undone (a wrap after a hyphen joins without a space).
fn flat(text: &str) -> String {
    text.replace("-\n  │ ", "-").replace("\n  │ ", " ")
}

/// Runs `bcpcheck check --as-of AS_OF ARGS` in `dir`.
fn check(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["check", "--as-of", AS_OF];
    all.extend_from_slice(args);
    bcpcheck_in(dir, &all)
}

// Item 4: a run that checked nothing does not pass.

#[test]
fn an_empty_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, _) = check(dir.path(), &[]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stdout.contains("no plan in `.`: `.` holds no file"),
        "{stdout}"
    );
}

#[test]
fn a_glob_that_matches_nothing_says_what_was_searched() {
    let dir = repo();
    let (code, stdout, _) = check(dir.path(), &["plan/**/*.yaml"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stdout.contains("`plan/**/*.yaml` matched no file: `plan` does not exist"),
        "{stdout}"
    );
    let (code, stdout, _) = check(dir.path(), &["plans/**/*.json"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stdout.contains("searched 1 file in `plans`, none matches the pattern"),
        "{stdout}"
    );
}

#[test]
fn a_config_plans_glob_that_matches_nothing_is_an_error() {
    let dir = repo();
    write(dir.path(), "bcpcheck.yaml", "plans: ['plan/*.yaml']\n");
    let (code, stdout, _) = check(
        dir.path(),
        &["--no-default-packs", "--policy", "policies.yaml"],
    );
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.contains("`plan/*.yaml` matched no file"), "{stdout}");
}

#[test]
fn a_file_named_explicitly_that_is_not_a_plan_is_reported() {
    let dir = repo();
    write(
        dir.path(),
        ".github/workflows/ci.yml",
        "on: push\njobs: {}\n",
    );
    let (code, stdout, _) = check(dir.path(), &[".github/workflows/ci.yml"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stdout.contains("`.github/workflows/ci.yml` was not checked: no `apiVersion: bcp/v1`"),
        "{stdout}"
    );
}

#[test]
fn a_markdown_file_without_kind_says_how_to_declare_it_a_plan() {
    let dir = repo();
    write(
        dir.path(),
        "plan.md",
        "# Payments continuity plan\n\nSome prose.\n",
    );
    let (code, stdout, _) = check(dir.path(), &["plan.md"]);
    assert_eq!(code, 2, "{stdout}");
    let flat = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("To declare a Markdown file a plan"),
        "{stdout}"
    );
    assert!(flat.contains("`kind: ContinuityPlan`"), "{stdout}");
}

#[test]
fn a_run_without_policies_is_an_error() {
    let dir = repo();
    let (code, _, stderr) = check(dir.path(), &["--no-default-packs", "plans"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no policy to check against"), "{stderr}");
    write(dir.path(), "bcpcheck.yaml", "packs: []\n");
    let (code, _, stderr) = check(dir.path(), &["plans"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no policy to check against"), "{stderr}");
}

#[test]
fn the_summary_counts_skipped_files_and_verbose_lists_them() {
    let dir = repo();
    write(dir.path(), "plans/notes.md", "# Notes\n");
    let args = ["--no-default-packs", "--policy", "policies.yaml", "plans"];
    let (code, stdout, _) = check(dir.path(), &args);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("1 file skipped (not plans; --verbose lists them)"),
        "{stdout}"
    );
    assert!(!stdout.contains("plans/notes.md:"), "{stdout}");
    let mut verbose = args.to_vec();
    verbose.push("--verbose");
    let (code, stdout, _) = check(dir.path(), &verbose);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("skipped:\n  plans/notes.md: no `apiVersion: bcp/v1` and `kind:`"),
        "{stdout}"
    );
}

#[test]
fn only_plans_passes_when_no_staged_file_is_a_plan() {
    let dir = repo();
    write(dir.path(), "README.md", "# Readme\n");
    write(
        dir.path(),
        "chart/deployment.yaml",
        "name: {{ .Release.Name }}\n",
    );
    let args = ["--only-plans", "README.md", "chart/deployment.yaml"];
    let (code, stdout, _) = check(dir.path(), &args);
    assert_eq!(code, 0, "{stdout}");
    write(dir.path(), "bcpcheck.yaml", "plans: ['plans/**/*.yaml']\n");
    let (code, stdout, _) = check(dir.path(), &args);
    assert_eq!(code, 0, "{stdout}");
}

// Item 5: files that are not plans do not fail the run.

#[test]
fn a_template_found_by_discovery_is_skipped_with_a_note() {
    let dir = repo();
    write(
        dir.path(),
        "chart/templates/deployment.yaml",
        "name: {{ .Release.Name }}\n",
    );
    let args = [
        "--no-default-packs",
        "--policy",
        "policies.yaml",
        "--verbose",
    ];
    let (code, stdout, _) = check(dir.path(), &args);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains(
            "chart/templates/deployment.yaml: does not parse and has no `apiVersion: bcp/v1` line"
        ),
        "{stdout}"
    );
    // --strict reports it.
    let mut strict = args.to_vec();
    strict.push("--strict");
    let (code, stdout, _) = check(dir.path(), &strict);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.contains("bcpcheck::document::yaml"), "{stdout}");
}

#[test]
fn a_broken_file_is_an_error_when_named_matched_by_plans_or_marked_as_a_plan() {
    let dir = repo();
    let policy = ["--no-default-packs", "--policy", "policies.yaml"];
    write(
        dir.path(),
        "chart/deployment.yaml",
        "name: {{ .Release.Name }}\n",
    );
    // Named explicitly.
    let mut named = policy.to_vec();
    named.push("chart/deployment.yaml");
    let (code, stdout, _) = check(dir.path(), &named);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.contains("bcpcheck::document::yaml"), "{stdout}");
    // Matched by the config's `plans`.
    write(
        dir.path(),
        "bcpcheck.yaml",
        "plans: ['plans/**', 'chart/*.yaml']\n",
    );
    let (code, stdout, _) = check(dir.path(), &policy);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.contains("bcpcheck::document::yaml"), "{stdout}");
    // A broken plan (it says `apiVersion: bcp/v1`) found by a walk.
    std::fs::remove_file(dir.path().join("bcpcheck.yaml")).unwrap();
    std::fs::remove_file(dir.path().join("chart/deployment.yaml")).unwrap();
    write(
        dir.path(),
        "plans/broken.yaml",
        "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: [\n",
    );
    let (code, stdout, _) = check(dir.path(), &policy);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.contains("plans/broken.yaml"), "{stdout}");
}

// Item 7: configuration and exceptions are validated.

/// Runs the test policies on the passing plan with `config` as bcpcheck.yaml.
fn with_config(config: &str) -> (i32, String, String) {
    let dir = repo();
    write(dir.path(), "bcpcheck.yaml", config);
    check(
        dir.path(),
        &["--no-default-packs", "--policy", "policies.yaml", "plans"],
    )
}

#[test]
fn an_unknown_parameter_is_an_error_at_its_line_with_did_you_mean() {
    let (code, _, stderr) = with_config("failOn: error\nparams:\n  criticalTeir: 1\n");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("unknown parameter `criticalTeir`; did you mean `criticalTier`?"),
        "{stderr}"
    );
    assert!(stderr.contains("[bcpcheck.yaml:3:3]"), "{stderr}");
}

#[test]
fn a_parameter_a_policy_reads_is_known() {
    let dir = repo();
    write(
        dir.path(),
        "team.yaml",
        "- id: TEAM-001\n  title: t\n  severity: error\n  rule: size(doc.processes) <= params.maxProcesses\n",
    );
    write(dir.path(), "bcpcheck.yaml", "params:\n  maxProcesses: 3\n");
    let args = ["--no-default-packs", "--policy", "team.yaml", "plans"];
    let (code, stdout, stderr) = check(dir.path(), &args);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

#[test]
fn a_parameter_of_the_wrong_type_is_an_error_at_its_value() {
    let (code, _, stderr) =
        with_config("params:\n  criticalTier: \"one\"\n  reviewCycle: 1 year\n");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("parameter `criticalTier` must be a whole number, not the text `one`"),
        "{stderr}"
    );
    assert!(stderr.contains("[bcpcheck.yaml:2:17]"), "{stderr}");
    assert!(
        stderr.contains("parameter `reviewCycle` must be a duration"),
        "{stderr}"
    );
    assert!(!stderr.contains("evaluation failed"), "{stderr}");
}

#[test]
fn an_unknown_pack_in_the_config_is_an_error_at_its_line() {
    let dir = repo();
    write(dir.path(), "bcpcheck.yaml", "packs: [core, clod]\n");
    let (code, stdout, stderr) = check(dir.path(), &["plans"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("unknown pack `clod`; did you mean `cloud`?"),
        "{stderr}"
    );
    assert!(stderr.contains("[bcpcheck.yaml:1:15]"), "{stderr}");
    assert!(stdout.is_empty(), "the run stops at the config: {stdout}");
}

#[test]
fn the_config_help_lists_each_field_once() {
    let (code, _, stderr) = with_config("packs: [core]\nplanz: x\n");
    assert_eq!(code, 2);
    assert_eq!(stderr.matches("packs").count(), 2, "{stderr}");
}

#[test]
fn an_exception_for_an_unknown_policy_is_a_notice_with_did_you_mean() {
    let dir = repo();
    write(
        dir.path(),
        "exceptions.yaml",
        "exceptions:\n  - policy: TEST-RTO-01\n    files: ['plans/*.yaml']\n    justification: j\n    owner: o\n    approvedBy: a\n    expires: 2027-01-01\n",
    );
    let args = [
        "--no-default-packs",
        "--policy",
        "policies.yaml",
        "--exceptions",
        "exceptions.yaml",
        "plans",
    ];
    let (code, stdout, _) = check(dir.path(), &args);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        flat(&stdout).contains(
            "exceptions.yaml:2: no policy of this run has the id `TEST-RTO-01`; did you mean `TEST-RTO-001`?"
        ),
        "{stdout}"
    );
    let mut failing = args.to_vec();
    failing.extend(["--fail-on", "warning"]);
    assert_eq!(check(dir.path(), &failing).0, 1);
}

#[test]
fn an_inline_ignore_for_an_unknown_policy_is_a_notice_with_did_you_mean() {
    let dir = repo();
    let plan = std::fs::read_to_string(dir.path().join("plans/passing.yaml")).unwrap();
    let plan = plan.replacen(
        "processes:\n",
        "processes:\n  # bcpcheck: ignore[TEST-RTO-01] manual fallback only\n",
        1,
    );
    write(dir.path(), "plans/passing.yaml", &plan);
    let (code, stdout, _) = check(
        dir.path(),
        &["--no-default-packs", "--policy", "policies.yaml", "plans"],
    );
    assert_eq!(code, 0, "{stdout}");
    assert!(
        flat(&stdout).contains(
            "plans/passing.yaml:8: no policy of this run has the id `TEST-RTO-01`; did you mean `TEST-RTO-001`?"
        ),
        "{stdout}"
    );
}

// Item 8: labels state the problem.

#[test]
fn labels_never_state_the_passing_condition() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    assert_eq!(bcpcheck_in(dir.path(), &["init"]).0, 0);
    let (_, list, _) = bcpcheck_in(dir.path(), &["policies", "list", "--format", "json"]);
    let policies: serde_json::Value = serde_json::from_str(&list).unwrap();
    let titles: Vec<&str> = policies
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    let (code, stdout, _) = check(dir.path(), &["--pack", "core", "plan.yaml"]);
    assert_eq!(code, 1, "{stdout}");
    let labels: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.split_once("╰── ").map(|(_, label)| label.trim()))
        .collect();
    assert!(!labels.is_empty(), "{stdout}");
    for label in &labels {
        assert!(
            label.starts_with("add `") || *label == "here",
            "label {label:?} does not say where to act:\n{stdout}"
        );
        assert!(!titles.contains(label), "label {label:?} is a policy title");
    }
    assert!(
        !stdout.contains("Plan contains no placeholder text"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("Next review date is not in the past"),
        "{stdout}"
    );
}

#[test]
fn a_policy_without_message_says_its_title_is_not_met() {
    let dir = repo();
    write(
        dir.path(),
        "team.yaml",
        "- id: TEAM-001\n  title: Every process has an owner\n  severity: error\n  select: processes[*]\n  rule: has(self.owner)\n",
    );
    let (code, stdout, _) = check(
        dir.path(),
        &["--no-default-packs", "--policy", "team.yaml", "plans"],
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("× not met: Every process has an owner"),
        "{stdout}"
    );
    assert!(stdout.contains("╰── add `owner` here"), "{stdout}");
}

// Item 9: locations across repositories.

#[test]
fn links_resolve_against_the_repository_that_holds_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let (here, other) = (dir.path().join("here"), dir.path().join("other-repo"));
    for repo in [&here, &other] {
        std::fs::create_dir_all(repo.join(".git")).unwrap();
    }
    std::fs::copy(
        root().join("policies/core/BCP-DOC-002.yaml"),
        here.join("links.yaml"),
    )
    .unwrap();
    write(&other, "docs/runbook.md", "# Runbook\n");
    write(
        &other,
        "plans/x.md",
        "---\napiVersion: bcp/v1\nkind: ContinuityPlan\n---\n# Plan\n\nSee the [runbook](../docs/runbook.md) and the [missing one](../docs/gone.md).\n",
    );
    let args = [
        "--no-default-packs",
        "--policy",
        "links.yaml",
        "--format",
        "json",
        "../other-repo/plans/x.md",
    ];
    let (code, stdout, stderr) = check(&here, &args);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages, ["link target ../docs/gone.md does not exist"]);

    // The same finding, the same fingerprint, run from inside the other repository.
    let policy = here.join("links.yaml");
    let (_, inside, _) = check(
        &other,
        &[
            "--no-default-packs",
            "--policy",
            policy.to_str().unwrap(),
            "--format",
            "json",
            "plans/x.md",
        ],
    );
    let inside: serde_json::Value = serde_json::from_str(&inside).unwrap();
    assert_eq!(
        inside["findings"][0]["fingerprint"],
        report["findings"][0]["fingerprint"]
    );
}
