//! `bcpcheck policies` and `bcpcheck test`: the catalogue, its generated docs, and the fixture runner.

use assert_cmd::Command;
use serde_json::Value;

use super::support::{bcpcheck_in, root};

/// Runs bcpcheck at the repository root: (exit code, stdout, stderr).
fn bcpcheck(args: &[&str]) -> (i32, String, String) {
    bcpcheck_in(&root(), args)
}

#[test]
fn docs_policies_md_is_in_sync_with_the_packs() {
    let (code, generated, stderr) = bcpcheck(&["policies", "list", "--format", "markdown"]);
    assert_eq!(code, 0, "{stderr}");
    let committed = std::fs::read_to_string(root().join("docs/policies.md")).unwrap();
    assert!(
        committed == generated,
        "docs/policies.md is out of date: run `cargo run -- policies list --format markdown > docs/policies.md`"
    );
}

#[test]
fn list_json_gives_id_severity_pack_title_references() {
    let (code, stdout, _) = bcpcheck(&["policies", "list", "--pack", "core", "--format", "json"]);
    assert_eq!(code, 0);
    let rows: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    let rto = rows
        .iter()
        .find(|r| r["id"] == "BCP-RTO-001")
        .expect("BCP-RTO-001 is in core");
    assert_eq!(rto["severity"], "error");
    assert_eq!(rto["pack"], "core");
    assert_eq!(rto["title"], "Every critical process has an RTO");
    assert!(rto["references"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r.as_str().unwrap().starts_with("ISO 22301:2019 8.2.2")));
    // The schema checks run with every pack.
    assert!(rows
        .iter()
        .all(|r| r["pack"] == "core" || r["pack"] == "schema"));
}

#[test]
fn show_explains_a_policy_with_a_failing_example_and_the_fix() {
    let (code, stdout, _) = bcpcheck(&["policies", "show", "BCP-RTO-001"]);
    assert_eq!(code, 0);
    for part in [
        "BCP-RTO-001  [error]",
        "rule (CEL):\n  has(self.rto)",
        "references:",
        "failing example (from rto-missing.yaml",
        "the fix (the same place in the complete example plan)",
        "rto: 8h",
    ] {
        assert!(stdout.contains(part), "missing {part:?} in\n{stdout}");
    }
    let (code, _, stderr) = bcpcheck(&["policies", "show", "NO-SUCH-POLICY"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no policy `NO-SUCH-POLICY`"));
}

#[test]
fn test_runner_checks_cases_and_coverage() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("team/tests")).unwrap();
    std::fs::write(
        d.join("team/ACME-RTO-001.yaml"),
        "id: ACME-RTO-001\ntitle: Tier-1 processes have an RTO\nseverity: error\nselect: processes[*]\nwhen: self.tier == 1\nrule: has(self.rto)\nfieldPath: rto\n",
    )
    .unwrap();
    std::fs::write(
        d.join("team/ACME-OWN-001.yaml"),
        "id: ACME-OWN-001\ntitle: Processes have owners\nseverity: warning\nselect: processes[*]\nrule: has(self.owner)\n",
    )
    .unwrap();
    let plan = |rto: &str| {
        format!("apiVersion: bcp/v1\nkind: ContinuityPlan\nprocesses:\n  - id: P-1\n    tier: 1\n    owner: PER-1\n{rto}")
    };
    std::fs::write(d.join("team/tests/pass.yaml"), plan("    rto: 4h\n")).unwrap();
    std::fs::write(d.join("team/tests/fail.yaml"), plan("")).unwrap();
    std::fs::write(
        d.join("team/tests/bcptest.yaml"),
        "asOf: 2026-11-28\ncases:\n  - {name: passes, plan: pass.yaml, expect: []}\n  - name: no rto\n    plan: fail.yaml\n    expect: [{policy: ACME-RTO-001, path: 'processes[0].rto'}]\n",
    )
    .unwrap();
    let run = || {
        let out = Command::cargo_bin("bcpcheck")
            .unwrap()
            .current_dir(d)
            .args(["test", "team"])
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, stdout) = run();
    assert_eq!(code, 1, "ACME-OWN-001 has no failing case:\n{stdout}");
    assert!(
        stdout.contains("ACME-OWN-001") && stdout.contains("no failing case"),
        "{stdout}"
    );
    assert!(stdout.contains("2 passed, 0 failed"), "{stdout}");

    // A wrong expectation fails its case and says what was found instead.
    let manifest = std::fs::read_to_string(d.join("team/tests/bcptest.yaml")).unwrap();
    std::fs::write(
        d.join("team/tests/bcptest.yaml"),
        manifest.replace("processes[0].rto", "processes[0]"),
    )
    .unwrap();
    let (code, stdout) = run();
    assert_eq!(code, 1);
    assert!(
        stdout.contains("expected, not found: ACME-RTO-001 at `processes[0]`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("found, not expected: ACME-RTO-001 at `processes[0].rto`"),
        "{stdout}"
    );
    assert!(stdout.contains("1 passed, 1 failed"), "{stdout}");
}

#[test]
fn builtin_packs_pass_their_fixtures_with_full_coverage() {
    let (code, stdout, stderr) = bcpcheck(&["test", "policies"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(", 0 without a passing and a failing case"),
        "{stdout}"
    );
}

#[test]
fn the_complete_example_gives_no_finding_with_every_pack() {
    let (code, stdout, stderr) = bcpcheck(&[
        "check",
        "--as-of",
        "2026-11-28",
        "--format",
        "json",
        "--fail-on",
        "info",
        "fixtures/plans/payments-plan.yaml",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 0, "{stdout}");
    assert!(report["summary"]["policies"].as_u64().unwrap() >= 60);
}

#[test]
fn placeholders_in_yaml_values_are_reported_at_the_value() {
    let plan = "policies/core/tests/placeholder-in-yaml.yaml";
    let (code, stdout, stderr) = bcpcheck(&[
        "check",
        "--pack",
        "core",
        "--as-of",
        "2026-11-28",
        "--format",
        "json",
        "--fail-on",
        "warning",
        plan,
    ]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    // One finding per placeholder, each at its own value.
    assert_eq!(findings.len(), 2, "{stdout}");
    assert!(findings.iter().all(|f| f["policy"] == "BCP-DOC-001"));
    let finding = &findings[0];
    assert_eq!(
        finding["message"],
        "placeholder text \"TBD\" in people[7].phone on line 37"
    );
    let text = std::fs::read_to_string(root().join(plan)).unwrap();
    let (start, end) = (
        finding["start"]["offset"].as_u64().unwrap() as usize,
        finding["end"]["offset"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[start..end], "TBD", "the finding underlines the value");
    assert_eq!(finding["start"]["line"], 37);
}

#[test]
fn every_check_of_the_spec_is_built_in_with_its_severity_and_pack() {
    let (_, stdout, _) = bcpcheck(&["policies", "list", "--format", "json"]);
    let rows: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    let expected = [
        ("BCP-META-001", "error", "core"),
        ("BCP-META-005", "warning", "iso22301"),
        ("BCP-RPO-002", "info", "core"),
        ("BCP-DEP-010", "warning", "cloud"),
        ("BCP-EXIT-001", "error", "cloud"),
        ("BCP-COMM-003", "error", "dora"),
        ("BCP-BAK-003", "error", "nist-800-34"),
        ("BCP-EX-002", "warning", "dora"),
        ("BCP-TRN-001", "warning", "nist-800-34"),
    ];
    for (id, severity, pack) in expected {
        let row = rows
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(
            (
                row["severity"].as_str().unwrap(),
                row["pack"].as_str().unwrap()
            ),
            (severity, pack),
            "{id}"
        );
    }
}
