//! Typed plans and checked policies (issue 12, items 1, 2, 3 and 6): a plan's mistake is one
//! finding at the value, never a policy error; misspelt keys are named; policies are checked
//! against the plan schema when they load; every placeholder is its own finding.

use std::path::Path;

use serde_json::Value;

use super::support::{bcpcheck_in, root};

/// A repository holding the complete example plan with `edit` applied to its text.
fn example_with(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let text = std::fs::read_to_string(root().join("fixtures/plans/payments-plan.yaml")).unwrap();
    std::fs::write(dir.path().join("plan.yaml"), edit(text)).unwrap();
    dir
}

/// `check --as-of 2026-11-28 --format json ARGS` in `dir`: the exit code and the report.
fn json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--as-of", "2026-11-28", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = bcpcheck_in(dir, &all);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"));
    (code, report)
}

/// (policy, path, message) of every finding.
fn findings(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (text("policy"), text("path"), text("message"))
        })
        .collect()
}

#[test]
fn a_wrong_value_is_one_finding_at_the_value_and_no_policy_error() {
    let dir = example_with(|t| {
        t.replacen("owner: PER-LM, tier: 1,", "owner: PER-LM, tier: high,", 1)
            .replacen("rto: 4h, rpo: 15m", "rto: 8 hours, rpo: 15m", 1)
    });
    let (code, report) = json(dir.path(), &["plan.yaml"]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["errors"].as_array().unwrap().len(), 0, "{report}");
    let found = findings(&report);
    assert_eq!(
        found.len(),
        2,
        "one finding per value, none from the policies: {found:?}"
    );
    assert_eq!(found[0].0, "BCP-SCHEMA-001");
    assert_eq!(found[0].1, "processes[0].tier");
    assert!(
        found[0]
            .2
            .starts_with("`tier` must be a whole number from 1 to 4, e.g. `tier: 1`; found `high`"),
        "{}",
        found[0].2
    );
    assert_eq!(found[1].1, "processes[0].rto");
    assert!(
        found[1].2.contains("e.g. `rto: 4h`; found `8 hours`"),
        "{}",
        found[1].2
    );

    // GitHub annotations point at the plan, not at a policy file.
    let (_, stdout, _) = bcpcheck_in(
        dir.path(),
        &[
            "check",
            "--as-of",
            "2026-11-28",
            "--format",
            "github",
            "plan.yaml",
        ],
    );
    let commands: Vec<&str> = stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(commands.len(), 2, "{stdout}");
    assert!(
        commands
            .iter()
            .all(|c| c.starts_with("::error file=plan.yaml,")),
        "{stdout}"
    );
}

#[test]
fn a_value_a_function_cannot_read_is_one_finding_for_every_policy_that_reads_it() {
    // `review_cycle` of a team policy is no schema field; `period()` cannot read `yearly`.
    let dir = example_with(|t| {
        t.replacen(
            "  id: BCP-PAY-001\n",
            "  id: BCP-PAY-001\n  acme_cycle: yearly\n",
            1,
        )
    });
    let policy = "- {id: ACME-1, title: a, severity: error, rule: \"period(doc.metadata.acme_cycle) <= duration('8760h')\"}\n\
                  - {id: ACME-2, title: b, severity: error, rule: \"period(doc.metadata.acme_cycle) >= duration('1h')\"}\n";
    std::fs::write(dir.path().join("acme.yaml"), policy).unwrap();
    let (code, report) = json(
        dir.path(),
        &["--no-default-packs", "--policy", "acme.yaml", "plan.yaml"],
    );
    assert_eq!(code, 1, "{report}");
    let found = findings(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "BCP-SCHEMA-001");
    assert_eq!(found[0].1, "metadata.acme_cycle");
    assert!(found[0].2.starts_with("`yearly`"), "{}", found[0].2);
}

#[test]
fn a_misspelt_key_is_named_and_a_team_field_is_not() {
    let dir = example_with(|t| {
        t.replacen("  objectives: [", "  objectivs: [", 1).replacen(
            "  id: BCP-PAY-001\n",
            "  id: BCP-PAY-001\n  acme_cost_centre: 4711\n",
            1,
        )
    });
    let (_, report) = json(dir.path(), &["plan.yaml"]);
    let found = findings(&report);
    assert_eq!(
        found,
        [(
            "BCP-SCHEMA-002".to_string(),
            "metadata.objectivs".to_string(),
            "unknown field `objectivs`; did you mean `objectives`?".to_string()
        )]
    );
    let finding = &report["findings"][0];
    assert_eq!(finding["severity"], "warning");
    // At the key itself.
    assert_eq!(
        finding["end"]["offset"].as_u64().unwrap() - finding["start"]["offset"].as_u64().unwrap(),
        9
    );
}

#[test]
fn policies_are_checked_against_the_schema_when_they_load() {
    let dir = example_with(|t| t);
    let cases = [
        (
            "when: self.teir == 1\nselect: processes[*]\nrule: 'true'",
            "unknown field `teir`; did you mean `tier`?",
        ),
        (
            "select: process[*]\nrule: 'true'",
            "unknown field `process`; did you mean `processes`?",
        ),
        (
            "kinds: [ContinuityPlna]\nrule: 'true'",
            "unknown kind `ContinuityPlna`; did you mean `ContinuityPlan`?",
        ),
        (
            "select: processes[*]\nfieldPath: rtoo\nrule: 'true'",
            "unknown field `rtoo`; did you mean `rto`?",
        ),
        (
            "select: processes[*]\nrule: perod(self.rto) < duration('1h')",
            "unknown function `perod`; did you mean `period`?",
        ),
        (
            "select: processes[*]\nrule: period(self.rot) < duration('1h')",
            "unknown field `rot`; did you mean `rto`?",
        ),
    ];
    for (body, expected) in cases {
        let policy = format!("id: T-1\ntitle: t\nseverity: error\n{body}\n");
        std::fs::write(dir.path().join("team.yaml"), &policy).unwrap();
        let (code, report) = json(
            dir.path(),
            &["--no-default-packs", "--policy", "team.yaml", "plan.yaml"],
        );
        assert_eq!(code, 2, "{policy}\n{report}");
        let messages: Vec<&str> = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].as_str().unwrap())
            .collect();
        assert!(
            messages.iter().any(|m| m.ends_with(expected)),
            "{policy}\n{messages:?}"
        );
    }
    // A field close to no field of the schema is a team's own.
    std::fs::write(
        dir.path().join("team.yaml"),
        "id: T-1\ntitle: t\nseverity: error\nselect: processes[*]\nrule: '!has(self.acme_owner_team)'\n",
    )
    .unwrap();
    let (code, report) = json(
        dir.path(),
        &["--no-default-packs", "--policy", "team.yaml", "plan.yaml"],
    );
    assert_eq!(code, 0, "{report}");
}

#[test]
fn every_placeholder_is_its_own_finding_and_baselines_follow_each() {
    let dir = example_with(|t| t.replacen("  purpose: >-\n", "  purpose: >-\n    TODO.\n", 1));
    let (code, report) = json(dir.path(), &["--fail-on", "warning", "plan.yaml"]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(findings(&report).len(), 1, "{report}");
    let (code, _, stderr) = bcpcheck_in(
        dir.path(),
        &[
            "check",
            "--as-of",
            "2026-11-28",
            "--fail-on",
            "warning",
            "--write-baseline",
            "bl.json",
            "plan.yaml",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    // A new placeholder before the baselined one: only the new one counts.
    let plan = dir.path().join("plan.yaml");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(
        &plan,
        text.replacen("  title: Payments", "  title: TBD Payments", 1),
    )
    .unwrap();
    let (code, report) = json(
        dir.path(),
        &["--fail-on", "warning", "--baseline", "bl.json", "plan.yaml"],
    );
    assert_eq!(code, 1, "{report}");
    let active: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.get("suppression").is_none())
        .collect();
    assert_eq!(active.len(), 1, "{report}");
    assert!(active[0]["message"]
        .as_str()
        .unwrap()
        .contains("\"TBD\" in metadata.title"));
    // The baselined placeholder fixed, the new one remains: the run still fails.
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(&plan, text.replacen("    TODO.\n", "", 1)).unwrap();
    let (code, report) = json(
        dir.path(),
        &["--fail-on", "warning", "--baseline", "bl.json", "plan.yaml"],
    );
    assert_eq!(code, 1, "{report}");
}
