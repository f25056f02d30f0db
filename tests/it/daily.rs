//! Daily use (issue 13): concise output, statistics, `--min-severity`, explaining a rule, a CLI
//! that helps (suggestions, completions, man page, grouped help), reports that agree.

use std::path::{Path, PathBuf};

use super::support::{bcpcheck_in, root};

/// A scratch workspace holding the report fixtures' plans and policies.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = root().join("tests/fixtures/reports");
    for sub in ["plans", "policies"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(from.join(sub)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(sub).join(entry.file_name())).unwrap();
        }
    }
    dir
}

const BASE: [&str; 5] = [
    "--no-default-packs",
    "--policy",
    "policies",
    "--as-of",
    "2026-11-28",
];

/// Runs `bcpcheck check` with the fixture policies in `dir`, the elapsed time made stable.
fn check(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["check"];
    all.extend(BASE);
    all.extend_from_slice(args);
    let (code, out, err) = bcpcheck_in(dir, &all);
    let time = regex::Regex::new(r"in \d+ ms").unwrap();
    (
        code,
        time.replace_all(&out, "in [elapsed] ms").into_owned(),
        err,
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn concise_output_is_one_line_per_finding_then_the_summary() {
    let ws = workspace();
    let (code, out, err) = check(ws.path(), &["--format", "concise", "plans"]);
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!("concise_output", out);
    let line = regex::Regex::new(r"^\S+:\d+:\d+: (error|warning|info)\[[A-Z0-9-]+\] .+$").unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[..lines.len() - 1].iter().all(|l| line.is_match(l)),
        "{out}"
    );
}

#[test]
fn min_severity_hides_findings_in_every_format_but_they_still_count() {
    let ws = workspace();
    let (_, all, _) = check(ws.path(), &["--format", "json", "plans"]);
    assert!(all.contains("\"info\""), "the fixtures have info findings");
    let (code, json, _) = check(
        ws.path(),
        &["--format", "json", "--min-severity", "error", "plans"],
    );
    assert_eq!(code, 1);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let severities: Vec<&str> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    assert!(!severities.is_empty() && severities.iter().all(|s| *s == "error"));
    assert_eq!(value["summary"]["info"], 1, "hidden findings still count");
    assert_eq!(value["summary"]["hidden"], 3, "{}", value["summary"]);
    let (_, human, _) = check(ws.path(), &["--min-severity", "warning", "plans"]);
    assert!(human.contains("hidden by --min-severity"), "{human}");
    assert!(
        human.contains("1 info"),
        "hidden findings still count: {human}"
    );
    // Hidden findings still decide the exit code.
    let (code, _, _) = check(
        ws.path(),
        &[
            "--format",
            "concise",
            "--min-severity",
            "error",
            "--fail-on",
            "info",
            "plans/alpha.yaml",
        ],
    );
    let (code_all, _, _) = check(
        ws.path(),
        &[
            "--format",
            "concise",
            "--fail-on",
            "info",
            "plans/alpha.yaml",
        ],
    );
    assert_eq!(code, code_all);
}

#[test]
fn statistics_count_findings_and_plans_per_policy_most_frequent_first() {
    let ws = workspace();
    let (code, out, _) = check(ws.path(), &["--statistics", "plans"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("statistics", out);
    let (code, _, err) = check(ws.path(), &["--statistics", "--format", "json", "plans"]);
    assert_eq!(code, 2);
    assert!(err.contains("--statistics"), "{err}");
}

#[test]
fn the_summary_counts_skipped_files_and_help_points_to_policies_show() {
    let ws = workspace();
    write(ws.path(), "plans/notes.yaml", "just: a note\n");
    let (_, out, err) = check(ws.path(), &["plans"]);
    assert!(out.contains("1 file skipped (not plans"), "{out}");
    assert!(
        out.contains("for more: bcpcheck policies show RPT-RTO-001"),
        "{out}"
    );
    // Not a terminal: no progress bar.
    assert!(!err.contains("files"), "{err}");
}

#[test]
fn policies_show_finds_config_policies_ignores_case_and_suggests_close_ids() {
    let ws = tempfile::tempdir().unwrap();
    let dir = ws.path();
    write(dir, "bcpcheck.yaml", "policies: [team/]\n");
    write(
        dir,
        "team/acme.yaml",
        "id: ACME-TRN-001\ntitle: Training is recorded\nseverity: warning\nrule: has(doc.training)\n\
         help: Record the last training.\nreferences: [\"ISO 22301:2019 7.2 (competence)\"]\n",
    );
    let example =
        std::fs::read_to_string(root().join("fixtures/plans/payments-plan.yaml")).unwrap();
    let without: String = {
        let start = example.find("\ntraining:").unwrap() + 1;
        let end = start + example[start..].find('\n').unwrap() + 1;
        format!("{}{}", &example[..start], &example[end..])
    };
    write(dir, "team/tests/no-training.yaml", &without);
    write(
        dir,
        "team/tests/bcptest.yaml",
        "asOf: 2026-11-28\ncases:\n  - name: no training\n    plan: no-training.yaml\n    expect: [{policy: ACME-TRN-001, path: training}]\n",
    );
    let (code, out, err) = bcpcheck_in(dir, &["policies", "show", "acme-trn-001"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("policies_show_own_policy", out);
    let (code, _, err) = bcpcheck_in(dir, &["policies", "show", "ACME-TRN-01"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `ACME-TRN-001`?"), "{err}");

    let (code, out, _) = bcpcheck_in(dir, &["policies", "show", "bcp-rto-001"]);
    assert_eq!(code, 0);
    assert!(out.contains("built-in (pack core)"), "{out}");
    assert!(!out.contains("policies/core/"), "{out}");
    assert!(
        out.contains("failing example (from rto-missing.yaml"),
        "{out}"
    );
    assert!(out.contains("rto: 8h"), "the fix shows the RTO: {out}");
}

#[test]
fn invalid_cel_gets_hints_for_common_mistakes_and_a_link() {
    let ws = workspace();
    write(
        ws.path(),
        "policies/broken.yaml",
        "id: BAD-001\ntitle: t\nseverity: error\nselect: processes[*]\nwhen: self.tier = 1 and self.rto\nrule: \"true\"\n",
    );
    let (code, out, err) = check(ws.path(), &["plans/alpha.yaml"]);
    let err = out + &err;
    assert_eq!(code, 2);
    assert!(err.contains("CEL compares with `==`"), "{err}");
    assert!(err.contains("CEL writes `and` as `&&`"), "{err}");
    assert!(err.contains("cel-spec/blob/master/doc/langdef.md"), "{err}");
}

#[test]
fn test_command_recognises_fixtures_by_their_manifest_and_says_what_it_looks_for() {
    let ws = tempfile::tempdir().unwrap();
    let dir = ws.path();
    let (code, out, err) = bcpcheck_in(dir, &["test"]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "no empty table: {out}");
    assert!(
        err.contains("no folder `policies`") && err.contains("bcptest.yaml"),
        "{err}"
    );

    write(
        dir,
        "policies/acme.yaml",
        "id: ACME-TRN-001\ntitle: Training is recorded\nseverity: warning\nrule: has(doc.training)\n",
    );
    let example =
        std::fs::read_to_string(root().join("fixtures/plans/payments-plan.yaml")).unwrap();
    write(dir, "policies/good.yaml", &example);
    write(
        dir,
        "policies/bad.yaml",
        &example.replace("\ntraining:", "\ntrainingx:"),
    );
    write(
        dir,
        "policies/bcptest.yaml",
        "asOf: 2026-11-28\ncases:\n  - {name: good, plan: good.yaml, expect: []}\n  - name: bad\n    plan: bad.yaml\n    expect: [{policy: ACME-TRN-001, path: training}]\n",
    );
    let (_, out, err) = bcpcheck_in(dir, &["test"]);
    assert!(
        !err.contains("unknown field"),
        "fixtures are not policies: {err}"
    );
    assert!(out.contains("ACME-TRN-001"), "{out}");
}

#[test]
fn a_misspelt_subcommand_is_suggested_and_an_existing_path_is_checked() {
    let ws = workspace();
    let (code, _, err) = bcpcheck_in(ws.path(), &["chek", "plans"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `check`?"), "{err}");
    let (code, _, err) = bcpcheck_in(ws.path(), &["polices", "list"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `policies`?"), "{err}");
    // A directory that happens to be called `chek` is a path.
    std::fs::rename(ws.path().join("plans"), ws.path().join("chek")).unwrap();
    let mut args = vec!["chek"];
    args.extend(BASE);
    let (code, out, err) = bcpcheck_in(ws.path(), &args);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("3 files checked"), "{out}");
}

#[test]
fn completions_and_the_man_page_are_generated() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, out, err) = bcpcheck_in(dir.path(), &["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(
            out.contains("bcpcheck") && out.contains("min-severity"),
            "{shell}"
        );
    }
    let (code, _, _) = bcpcheck_in(dir.path(), &["completions", "tcsh"]);
    assert_eq!(code, 2);
    let (code, out, _) = bcpcheck_in(dir.path(), &["manpage"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(".ie") || out.contains(".TH bcpcheck"),
        "{out}"
    );
}

#[test]
fn no_config_ignores_bcpcheck_yaml() {
    let ws = workspace();
    write(
        ws.path(),
        "bcpcheck.yaml",
        "plans: [nowhere/]\nunknownKey: 1\n",
    );
    let (code, _, err) = check(ws.path(), &["plans"]);
    assert_eq!(code, 2, "the config is invalid: {err}");
    let (code, out, err) = check(ws.path(), &["--no-config", "plans"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("3 files checked"), "{out}");
    let (code, _, _) = check(ws.path(), &["--no-config", "--config", "bcpcheck.yaml"]);
    assert_eq!(code, 2);
}

#[test]
fn check_help_groups_options_and_ends_with_examples() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = bcpcheck_in(dir.path(), &["check", "--help"]);
    assert_eq!(code, 0);
    let headings = [
        "Inputs:",
        "Policies:",
        "Output:",
        "Exceptions and baselines:",
        "Limits:",
        "Examples:",
    ];
    let mut at = 0;
    for heading in headings {
        let found = out[at..]
            .find(heading)
            .unwrap_or_else(|| panic!("{heading} in order: {out}"));
        at += found;
    }
    assert!(out.trim_end().ends_with("how to fix it"), "{out}");
}

#[test]
fn junit_reports_findings_below_fail_on_as_output_not_failures() {
    let ws = workspace();
    let (code, xml, _) = check(
        ws.path(),
        &[
            "--format",
            "junit",
            "--min-severity",
            "info",
            "plans/gamma.md",
            "plans/alpha.yaml",
        ],
    );
    let contact = xml
        .split("<testcase")
        .find(|case| case.contains("name=\"RPT-CONTACT-001\"") && case.contains("system-out"))
        .unwrap_or_else(|| panic!("an info case with output: {xml}"));
    assert!(!contact.contains("<failure"), "{contact}");
    assert!(contact.contains("below --fail-on error"), "{contact}");
    let (_, xml_info, _) = check(
        ws.path(),
        &[
            "--format",
            "junit",
            "--fail-on",
            "info",
            "plans/gamma.md",
            "plans/alpha.yaml",
        ],
    );
    let failing = xml_info
        .split("<testcase")
        .find(|case| case.contains("name=\"RPT-CONTACT-001\"") && case.contains("<failure"));
    assert!(failing.is_some(), "at --fail-on info it fails: {xml_info}");
    assert!(code <= 1);
}

#[test]
fn an_inline_comment_above_a_list_item_covers_the_whole_item() {
    let ws = workspace();
    write(
        ws.path(),
        "policies/deep.yaml",
        "id: RPT-DEEP-001\ntitle: RTO is not 9h\nseverity: error\nselect: processes[*]\nrule: \"!has(self.rto) || self.rto != '9h'\"\nfieldPath: rto\n",
    );
    let plan = "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: X, title: X, owner: PER-X, next_review: 2027-01-01}\n\
people:\n  - {id: PER-X, name: X, phone: \"1\"}\nprocesses:\n  # bcpcheck: ignore[RPT-DEEP-001] agreed with the CRO\n  - id: P-A\n    tier: 1\n    rto: 9h\n  - id: P-B\n    tier: 1\n    rto: 9h\n  # bcpcheck: ignore[RPT-OWNER-001] nothing here\n  - id: P-C\n    tier: 2\n";
    write(ws.path(), "one/plan.yaml", plan);
    let (_, out, _) = check(ws.path(), &["--format", "concise", "one"]);
    let deep: Vec<&str> = out.lines().filter(|l| l.contains("RPT-DEEP-001")).collect();
    assert_eq!(deep.len(), 1, "P-A is waived, P-B is not: {out}");
    assert!(deep[0].contains(":13:"), "P-B's rto: {out}");
    let (_, human, _) = check(ws.path(), &["one"]);
    assert!(
        human.contains("inline exception for RPT-OWNER-001 matched no finding"),
        "{human}"
    );
    let notice = &human[human.find("matched no finding").unwrap()..];
    assert!(!notice.contains("`files`"), "{notice}");
}

#[test]
fn a_baseline_can_be_updated_in_place() {
    let ws = workspace();
    let (code, _, err) = check(ws.path(), &["--write-baseline", "bl.json", "plans"]);
    assert_eq!(code, 0, "{err}");
    std::fs::remove_file(ws.path().join("plans/beta.yaml")).unwrap();
    let before = std::fs::read_to_string(ws.path().join("bl.json")).unwrap();
    let (code, _, err) = check(
        ws.path(),
        &[
            "--baseline",
            "bl.json",
            "--write-baseline",
            "bl.json",
            "plans",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let after = std::fs::read_to_string(ws.path().join("bl.json")).unwrap();
    assert!(before.contains("beta.yaml") && !after.contains("beta.yaml"));
}

#[test]
fn the_compliance_matrix_groups_structured_references_by_standard_in_natural_order() {
    let ws = workspace();
    write(
        ws.path(),
        "policies/refs.yaml",
        "- id: REF-A\n  title: a\n  severity: warning\n  rule: \"true\"\n  references:\n    - SP 800-53 CP-10\n    - {standard: NIST SP 800-53, clause: CP-2(7), note: coordination}\n    - no normative source\n\
- id: REF-B\n  title: b\n  severity: warning\n  rule: \"true\"\n  references: [\"ISO 22301:2019 8.2.2 e (one note)\", \"ISO 22301 8.2.2 e (another note)\", \"ISO 22301 8.10\", \"ISO 22301 8.9\"]\n",
    );
    let (_, md, err) = check(ws.path(), &["--format", "markdown", "plans/alpha.yaml"]);
    let matrix = &md[md
        .find("## Compliance matrix")
        .unwrap_or_else(|| panic!("{md}{err}"))..];
    let matrix = &matrix[..matrix[3..].find("\n## ").map_or(matrix.len(), |i| i + 3)];
    let order = [
        "### ISO 22301",
        "| 8.2.2 e (one note; another note) |",
        "| 8.9 |",
        "| 8.10 |",
        "### NIST SP 800-53",
        "| CP-2(7) (coordination) |",
        "| CP-10 |",
    ];
    let mut at = 0;
    for row in order {
        at += matrix[at..]
            .find(row)
            .unwrap_or_else(|| panic!("{row} in order: {matrix}"));
    }
    assert!(!matrix.contains("no normative source"), "{matrix}");
    assert_eq!(matrix.matches("8.2.2 e").count(), 1, "{matrix}");
}

#[test]
fn every_link_in_the_readme_docs_and_templates_resolves_and_the_plan_format_covers_the_schema() {
    let link = regex::Regex::new(r"\]\(([^)#\s]+)(#[^)]*)?\)").unwrap();
    let mut files = vec![root().join("README.md")];
    for dir in ["docs", "templates"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(!text.contains("plan-schema.md"), "{}", file.display());
        for caps in link.captures_iter(&text) {
            let target = &caps[1];
            if target.starts_with("http") {
                continue;
            }
            let resolved = file.parent().unwrap().join(target);
            assert!(resolved.exists(), "{}: {target}", file.display());
        }
    }
    let format = std::fs::read_to_string(root().join("docs/plan-format.md")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/continuity-plan.schema.json")).unwrap(),
    )
    .unwrap();
    for key in schema["properties"].as_object().unwrap().keys() {
        let named = format.contains(&format!("`{key}`")) || format.contains(&format!("`{key}[]`"));
        assert!(named, "docs/plan-format.md names `{key}`");
    }
}

#[test]
fn a_policy_bug_is_reported_once_per_policy_and_file_with_its_count() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(
        dir.path().join("plan.yaml"),
        "apiVersion: bcp/v1\nkind: ContinuityPlan\nprocesses:\n  - {id: P-A}\n  - {id: P-B}\n  - {id: P-C}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("team.yaml"),
        "- {id: T-TYPE, title: t, severity: error, select: 'processes[*]', rule: self.id > 3}\n\
         - {id: T-MSG, title: The label is set, severity: error, select: 'processes[*]', rule: 'false',\n   \
            messageExpression: \"'process ' + self.acme_label\"}\n",
    )
    .unwrap();
    let (code, stdout, stderr) = bcpcheck_in(
        dir.path(),
        &[
            "check",
            "--no-default-packs",
            "--policy",
            "team.yaml",
            "--format",
            "json",
            "plan.yaml",
        ],
    );
    assert_eq!(code, 2, "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let errors: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors.iter().any(|e| e
            .starts_with("T-TYPE: evaluation failed: found no matching overload")
            && e.ends_with("(on 3 matches in plan.yaml; the first is shown)")),
        "{errors:?}"
    );
    // A message expression that fails is a policy bug; the finding keeps the title.
    assert!(
        errors.iter().any(|e| e.starts_with(
            "T-MSG: evaluation failed: messageExpression failed: it reads `acme_label`"
        )),
        "{errors:?}"
    );
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);
    assert!(findings.iter().all(|f| f["message"] == "The label is set"));
    // No empty "Advice:" heading in the human rendering of the plan location.
    let (_, human, _) = bcpcheck_in(
        dir.path(),
        &[
            "check",
            "--no-default-packs",
            "--policy",
            "team.yaml",
            "plan.yaml",
        ],
    );
    assert!(!human.contains("Advice:"), "{human}");
    assert!(
        human.contains("while checking plan.yaml at `processes[0]`"),
        "{human}"
    );
}
