//! The workspace engine: delegated parts, the `workspace` variable in team policies, what the
//! config's `workspace:` globs load, and the portfolio section of the evidence report.

use std::fs;
use std::path::Path;

use crate::support::bcpcheck_in;

const EOP: &str = "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: EOP-1, title: City EOP}\ncommunications:\n  - {id: C-PUBLIC, audience: public}\n";
const IT_PLAN: &str = "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: IT-1, title: IT recovery}\ndelegations:\n  - {part: communications, plan: EOP-1, reason: the city's EOP speaks to the public}\n";
const COMMS_POLICY: &str = "id: TEAM-COMM-001\ntitle: The plan says how it communicates\nseverity: error\nkinds: [ContinuityPlan]\nfieldPath: communications\nrule: has(doc.communications)\n";

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
}

fn concise(dir: &Path, args: &[&str]) -> (i32, String) {
    let mut all = vec!["check", "--format", "concise", "--no-default-packs"];
    all.extend_from_slice(args);
    let (code, stdout, _) = bcpcheck_in(dir, &all);
    (code, stdout)
}

#[test]
fn a_part_delegated_to_a_plan_of_the_workspace_is_not_checked_in_the_delegating_plan() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("plans/it.yaml", IT_PLAN),
            ("plans/eop.yaml", EOP),
            ("policy.yaml", COMMS_POLICY),
        ],
    );
    let (code, out) = concise(dir.path(), &["--policy", "policy.yaml", "plans"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("TEAM-COMM-001"), "{out}");
}

#[test]
fn a_delegation_that_does_not_resolve_accepts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let no_comms = EOP.replace(
        "communications:\n  - {id: C-PUBLIC, audience: public}\n",
        "",
    );
    write(
        dir.path(),
        &[
            ("plans/it.yaml", IT_PLAN),
            ("plans/eop.yaml", &no_comms),
            ("policy.yaml", COMMS_POLICY),
        ],
    );
    // The EOP has no communications to take over: both plans lack them.
    let (code, out) = concise(dir.path(), &["--policy", "policy.yaml", "plans"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("plans/it.yaml:1:1: error[TEAM-COMM-001]"),
        "{out}"
    );
    assert!(
        out.contains("plans/eop.yaml:1:1: error[TEAM-COMM-001]"),
        "{out}"
    );
    // Alone, the IT plan's delegation names a plan outside the run.
    let (code, out) = concise(dir.path(), &["--policy", "policy.yaml", "plans/it.yaml"]);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn the_config_workspace_is_context_and_only_checked_files_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("bcpcheck.yaml", "workspace: [\"bcp/**/*.yaml\"]\n"),
            ("bcp/it.yaml", IT_PLAN),
            ("bcp/eop.yaml", EOP),
            (
                "policy.yaml",
                "id: TEAM-WS-001\ntitle: Each plan sees the whole portfolio\nseverity: warning\nkinds: [ContinuityPlan]\nrule: 'false'\nmessageExpression: \"'portfolio: ' + workspace.plans.map(p, p.id).join(', ')\"\n",
            ),
        ],
    );
    let (code, out) = concise(dir.path(), &["--policy", "policy.yaml", "bcp/it.yaml"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.lines().next().unwrap(),
        "bcp/it.yaml:1:1: warning[TEAM-WS-001] portfolio: EOP-1, IT-1"
    );
    assert!(!out.contains("bcp/eop.yaml"), "{out}");
}

#[test]
fn the_evidence_report_shows_bia_coverage_and_provider_concentration() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "bia.yaml",
                "apiVersion: bcp/v1\nkind: BusinessImpactAnalysis\nmetadata: {id: BIA-1, title: BIA}\nprocesses:\n  - {id: P-PAY, name: Payments, tier: 1}\n  - {id: P-WEB, name: Web shop, tier: 2}\n  - {id: P-HR, name: Payroll, tier: 3}\n",
            ),
            (
                "register.yaml",
                "apiVersion: bcp/v1\nkind: Register\nmetadata: {id: REG-1, title: Register}\nproviders:\n  - {id: PRV-MSFT, name: Microsoft}\n  - {id: PRV-ACME, name: Acme <SaaS>}\ndependencies:\n  - {id: DEP-EXO, name: Exchange Online, provider: PRV-MSFT}\n",
            ),
            (
                "pay.yaml",
                "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: BCP-PAY, title: Payments}\nprocesses:\n  - {id: P-PAY, name: Payments, tier: 1, depends_on: [DEP-EXO, PRV-ACME]}\n",
            ),
            (
                "policy.yaml",
                "id: TEAM-OK-001\ntitle: Anything\nseverity: info\nrule: 'true'\n",
            ),
        ],
    );
    let report = |format: &str| {
        let args = [
            "check",
            "--format",
            format,
            "--no-default-packs",
            "--policy",
            "policy.yaml",
            ".",
        ];
        bcpcheck_in(dir.path(), &args).1
    };
    let markdown = report("markdown");
    let section = markdown
        .split("## Portfolio")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap_or_else(|| panic!("no portfolio section:\n{markdown}"));
    insta::assert_snapshot!("portfolio_markdown", section);
    let html = report("html");
    assert!(html.contains("<h2>Portfolio</h2>"), "{html}");
    assert!(
        html.contains("<td class=\"failed\">not covered (critical)</td>"),
        "{html}"
    );
    assert!(
        html.contains("Acme &lt;SaaS&gt;"),
        "values are escaped: {html}"
    );
}

#[test]
fn pre_commit_checks_a_staged_register_of_the_portfolio_and_skips_other_files() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "bcpcheck.yaml",
                "plans: [\"plans/*.yaml\"]\nworkspace: [\"plans/*.yaml\", \"shared/*.yaml\"]\n",
            ),
            ("plans/eop.yaml", EOP),
            (
                "shared/register.yaml",
                "apiVersion: bcp/v1\nkind: Register\nmetadata: {id: REG-1, title: Register}\nproviders:\n  - {id: PRV-MSFT, name: Microsoft}\n",
            ),
            ("ci/pipeline.yaml", "steps: [build]\n"),
            (
                "policy.yaml",
                "id: TEAM-REG-001\ntitle: Registers are seen\nseverity: warning\nkinds: [Register]\nrule: 'false'\n",
            ),
        ],
    );
    let (code, out, err) = bcpcheck_in(
        dir.path(),
        &[
            "check",
            "--format",
            "concise",
            "--no-default-packs",
            "--policy",
            "policy.yaml",
            "--only-plans",
            "shared/register.yaml",
            "ci/pipeline.yaml",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("shared/register.yaml:1:1: warning[TEAM-REG-001]"),
        "{out}"
    );
    assert!(out.contains("in 1 file checked"), "{out}");
}

#[test]
fn an_invalid_workspace_pattern_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("bcpcheck.yaml", "workspace: [\"plans/{a\"]\n"),
            ("plans/eop.yaml", EOP),
        ],
    );
    let (code, _, err) = bcpcheck_in(dir.path(), &["check", "plans"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("invalid `workspace` pattern in the config"),
        "{err}"
    );
}

#[test]
fn an_invalid_value_of_a_register_read_as_context_fails_the_run_at_its_spot() {
    let dir = tempfile::tempdir().unwrap();
    let portfolio = crate::support::root().join("fixtures/portfolio");
    for entry in fs::read_dir(&portfolio).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    fs::write(
        dir.path().join("bcpcheck.yaml"),
        "workspace: ['*.yaml', '*.md']\n",
    )
    .unwrap();
    let register = fs::read_to_string(portfolio.join("register.yaml")).unwrap();
    let with_ad_rto = |rto: &str| {
        let text = register.replace(
            "owner: PER-RB, rto: 4h, rpo: 30m}",
            &format!("owner: PER-RB, rto: {rto}, rpo: 30m}}"),
        );
        assert_ne!(text, register);
        fs::write(dir.path().join("register.yaml"), text).unwrap();
    };
    let check = |files: &[&str]| {
        let mut args = vec!["check", "--format", "concise", "--as-of", "2026-12-06"];
        args.extend_from_slice(files);
        bcpcheck_in(dir.path(), &args)
    };
    // The plan's policies read the register: a slow directory service is found in the plan.
    with_ad_rto("99h");
    let (code, out, _) = check(&["it-recovery.md"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("PORT-DEP-001"), "{out}");
    // A value they cannot read would pass silently: it is an error at its spot instead.
    with_ad_rto("four hours");
    let (code, out, _) = check(&["it-recovery.md"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("register.yaml:53:26: problem[bcpcheck::workspace::invalid_context]"),
        "{out}"
    );
    assert!(
        out.contains("found `four hours` (in a Register the checked plans read as context)"),
        "{out}"
    );
    // Checked itself, the register reports it as a finding, once.
    let (code, out, _) = check(&["it-recovery.md", "register.yaml"]);
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("invalid_context"), "{out}");
    assert_eq!(out.matches("four hours").count(), 1, "{out}");
}
