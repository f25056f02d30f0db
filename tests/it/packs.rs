//! Packs apply to the plans that claim them (issue 15, item 2): `core` and `cloud` always,
//! `iso22301`, `nist-800-34` and `dora` when `metadata.frameworks` lists them.

use serde_json::Value;

use super::support::{bcpcheck_in, root};

/// The complete example with `frameworks` replaced by `line` (or removed when empty), checked
/// with every pack: the exit code, the JSON report and the Markdown evidence report.
fn run(line: &str) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let text = std::fs::read_to_string(root().join("fixtures/plans/payments-plan.yaml")).unwrap();
    let text = text.replace("  frameworks: [iso22301, nist-800-34, dora, cloud]\n", line);
    std::fs::write(dir.path().join("plan.yaml"), text).unwrap();
    let args = [
        "check",
        "--as-of",
        "2026-11-28",
        "--fail-on",
        "info",
        "plan.yaml",
    ];
    let (code, stdout, _) = bcpcheck_in(dir.path(), &[&args[..], &["--format", "json"]].concat());
    let (_, markdown, _) =
        bcpcheck_in(dir.path(), &[&args[..], &["--format", "markdown"]].concat());
    (code, serde_json::from_str(&stdout).unwrap(), markdown)
}

/// The policies of the findings.
fn packs_with_findings(report: &Value) -> Vec<String> {
    let policies: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["policy"].as_str().unwrap().to_string())
        .collect();
    policies
}

#[test]
fn a_plan_that_claims_no_framework_gets_core_and_cloud_and_one_note() {
    let (code, report, markdown) = run("");
    assert_eq!(code, 1, "{report}");
    assert_eq!(packs_with_findings(&report), ["BCP-META-012"], "{report}");
    assert_eq!(report["findings"][0]["severity"], "info");
    assert!(
        markdown.contains("core (always); dora (not applied, needs: metadata.frameworks lists dora); iso22301 (not applied, needs: metadata.frameworks lists iso22301)"),
        "{markdown}"
    );
}

#[test]
fn a_plan_gets_the_packs_of_the_frameworks_it_lists() {
    let (code, report, markdown) = run("  frameworks: [dora]\n");
    assert_eq!(code, 0, "{report}");
    assert!(
        markdown.contains("dora (metadata.frameworks lists dora)"),
        "{markdown}"
    );
    assert!(
        markdown
            .contains("nist-800-34 (not applied, needs: metadata.frameworks lists nist-800-34)"),
        "{markdown}"
    );
    // The policies of a pack that does not apply are not applicable to the plan.
    let row = markdown
        .lines()
        .find(|l| l.starts_with("| BCP-MBCO-001 |"))
        .unwrap();
    assert!(row.contains("not applicable"), "{row}");
}
