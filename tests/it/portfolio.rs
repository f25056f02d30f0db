//! The portfolio end to end: the complete portfolio of `fixtures/portfolio/` passes every pack, a pre-commit run on
//! one plan resolves its references against the register and reports only that plan, ids defined twice, a dangling
//! cross-file reference, and every check of the `portfolio` pack on its defect fixture.

use std::path::Path;

use serde_json::Value;

use super::support::{bcpcheck_in, root};

/// The as-of date of the portfolio's fixtures (they pass every pack from 2026-10-20 to 2026-12-15).
const AS_OF: &str = "2026-11-28";

/// The documents of the complete portfolio, in `fixtures/portfolio/`.
const DOCUMENTS: &[&str] = &[
    "bia.yaml",
    "register.yaml",
    "eop.yaml",
    "permits-iscp.yaml",
    "it-recovery.md",
];

/// A repository holding the portfolio under `bcp/`, and a `bcpcheck.yaml` whose `workspace:` names all of it.
fn portfolio() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::create_dir(dir.path().join("bcp")).unwrap();
    for name in DOCUMENTS {
        std::fs::copy(
            root().join("fixtures/portfolio").join(name),
            dir.path().join("bcp").join(name),
        )
        .unwrap();
    }
    write(
        dir.path(),
        "bcpcheck.yaml",
        "plans: ['bcp/*.yaml', 'bcp/*.md']\nworkspace: ['bcp/*']\n",
    );
    dir
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// Puts the defect fixture `policies/portfolio/tests/<variant>` in place of `bcp/<document>`.
fn replace(dir: &Path, document: &str, variant: &str) {
    std::fs::copy(
        root().join("policies/portfolio/tests").join(variant),
        dir.join("bcp").join(document),
    )
    .unwrap();
}

/// Runs `bcpcheck check --as-of AS_OF ARGS` in `dir`.
fn check(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["check", "--as-of", AS_OF];
    all.extend_from_slice(args);
    bcpcheck_in(dir, &all)
}

/// The findings of a JSON run in `dir`, and its exit code.
fn findings(dir: &Path, args: &[&str]) -> (i32, Vec<Value>) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = check(dir, &all);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (code, report["findings"].as_array().unwrap().clone())
}

/// The 1-based line of the first line of `file` (below `dir`) holding `needle`, and the column where it starts.
fn line_col(dir: &Path, file: &str, needle: &str) -> (u64, u64) {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    text.lines()
        .enumerate()
        .find_map(|(i, line)| {
            let col = line.find(needle)?;
            Some((i as u64 + 1, line[..col].chars().count() as u64 + 1))
        })
        .unwrap_or_else(|| panic!("`{needle}` is not in {file}"))
}

/// Where the value of the first `{id: ID` item of `file` starts.
fn id_at(dir: &Path, file: &str, id: &str) -> (u64, u64) {
    let (line, col) = line_col(dir, file, &format!("{{id: {id}"));
    (line, col + "{id: ".len() as u64)
}

fn start(finding: &Value) -> (u64, u64) {
    (
        finding["start"]["line"].as_u64().unwrap(),
        finding["start"]["column"].as_u64().unwrap(),
    )
}

fn of<'f>(findings: &'f [Value], policy: &str) -> Vec<&'f Value> {
    findings.iter().filter(|f| f["policy"] == policy).collect()
}

#[test]
fn the_complete_portfolio_passes_every_pack() {
    let (code, stdout, _) =
        bcpcheck_in(&root(), &["check", "--as-of", AS_OF, "fixtures/portfolio"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("0 errors, 0 warnings, 0 info in 5 files checked"),
        "{stdout}"
    );
    // The pack applies: its policies are part of the run.
    let (_, list, _) = bcpcheck_in(&root(), &["policies", "list", "--pack", "portfolio"]);
    for id in [
        "PORT-BIA-001",
        "PORT-CONC-001",
        "PORT-DEL-002",
        "PORT-ID-001",
    ] {
        assert!(list.contains(id), "{list}");
    }
}

#[test]
fn pre_commit_on_one_plan_resolves_its_references_against_the_register_and_reports_only_it() {
    let dir = portfolio();
    // The register has a stale entry (an info finding of its own), and the plan a broken reference.
    replace(dir.path(), "register.yaml", "register-stale-provider.yaml");
    let plan = dir.path().join("bcp/permits-iscp.yaml");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(
        &plan,
        text.replace(
            "depends_on: [DEP-PLS, DEP-AD, DEP-NET]",
            "depends_on: [DEP-PLS, DEP-AD, DEP-NETT]",
        ),
    )
    .unwrap();
    let (code, found) = findings(dir.path(), &["--only-plans", "bcp/permits-iscp.yaml"]);
    assert_eq!(code, 1, "{found:#?}");
    // DEP-AD, the people and ROLE-CASHIER resolve in the register; only the typo does not.
    let ids: Vec<(&str, &str)> = found
        .iter()
        .map(|f| (f["policy"].as_str().unwrap(), f["file"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ids,
        [("BCP-REF-025", "bcp/permits-iscp.yaml")],
        "{found:#?}"
    );
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("DEP-NETT is not the id of a dependency in dependencies, nor in a register of the workspace"),
        "{found:#?}"
    );
    assert_eq!(
        start(&found[0]),
        line_col(dir.path(), "bcp/permits-iscp.yaml", "DEP-NETT")
    );

    // Without the workspace, every reference to the register is broken.
    let (code, found) = findings(dir.path(), &["--no-config", "bcp/permits-iscp.yaml"]);
    assert_eq!(code, 1);
    assert!(of(&found, "BCP-REF-001").len() == 1, "{found:#?}");
    assert!(of(&found, "BCP-REF-025").len() > 1, "{found:#?}");

    // A staged file that is no plan of the config passes the hook.
    write(dir.path(), "notes.yaml", "name: {{ .Release.Name }}\n");
    let (code, stdout, _) = check(dir.path(), &["--only-plans", "notes.yaml"]);
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn a_redefinition_is_an_error_at_the_second_definition_and_an_identical_copy_an_info() {
    let dir = portfolio();
    replace(
        dir.path(),
        "permits-iscp.yaml",
        "permits-redefines-provider.yaml",
    );
    let (code, found) = findings(dir.path(), &[]);
    assert_eq!(code, 1, "{found:#?}");
    let redefined = of(&found, "PORT-ID-001");
    assert_eq!(redefined.len(), 1, "{found:#?}");
    let finding = redefined[0];
    assert_eq!(finding["file"], "bcp/permits-iscp.yaml");
    assert_eq!(finding["path"], "providers[0]");
    // At the id of the second definition, naming the first.
    assert_eq!(
        start(finding),
        id_at(dir.path(), "bcp/permits-iscp.yaml", "PRV-ISP")
    );
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("`PRV-ISP` is defined in bcp/register.yaml at `providers[2]`"),
        "{message}"
    );
    // The register, which defines it first, has no finding.
    assert!(
        found.iter().all(|f| f["file"] != "bcp/register.yaml"),
        "{found:#?}"
    );

    replace(
        dir.path(),
        "permits-iscp.yaml",
        "permits-copies-provider.yaml",
    );
    let (code, found) = findings(dir.path(), &[]);
    assert_eq!(code, 0, "an identical copy is info only: {found:#?}");
    let copied = of(&found, "PORT-ID-002");
    assert_eq!(copied.len(), 1, "{found:#?}");
    assert_eq!(copied[0]["severity"], "info");
    assert_eq!(
        start(copied[0]),
        id_at(dir.path(), "bcp/permits-iscp.yaml", "PRV-ISP")
    );
    assert!(of(&found, "PORT-ID-001").is_empty(), "{found:#?}");
}

#[test]
fn a_provider_neither_the_plan_nor_the_register_has_is_a_dangling_reference() {
    let dir = portfolio();
    let plan = dir.path().join("bcp/permits-iscp.yaml");
    let text = std::fs::read_to_string(&plan).unwrap();
    let broken = text.replace(
        "type: application, hosting: self-hosted,\n     owner: PER-RB",
        "type: application, hosting: third-party, provider: PRV-NOPE,\n     owner: PER-RB",
    );
    assert_ne!(broken, text);
    std::fs::write(&plan, broken).unwrap();
    let (code, found) = findings(dir.path(), &[]);
    assert_eq!(code, 1);
    let dangling = of(&found, "BCP-REF-030");
    assert_eq!(dangling.len(), 1, "{found:#?}");
    assert_eq!(dangling[0]["file"], "bcp/permits-iscp.yaml");
    assert_eq!(
        start(dangling[0]),
        line_col(dir.path(), "bcp/permits-iscp.yaml", "PRV-NOPE")
    );
    assert!(
        dangling[0]["message"].as_str().unwrap().contains(
            "PRV-NOPE is not the id of a provider in providers, nor in a register of the workspace"
        ),
        "{found:#?}"
    );
    // The register's own references are checked too: a register dependency naming an unknown provider.
    let register = dir.path().join("bcp/register.yaml");
    let text = std::fs::read_to_string(&register).unwrap();
    std::fs::write(
        &register,
        text.replace(
            "provider: PRV-PAYCITY, owner: PER-AN",
            "provider: PRV-PAYCTY, owner: PER-AN",
        ),
    )
    .unwrap();
    let (_, found) = findings(dir.path(), &[]);
    assert!(
        of(&found, "BCP-REF-030")
            .iter()
            .any(|f| f["file"] == "bcp/register.yaml"
                && f["message"].as_str().unwrap().contains("PRV-PAYCTY")),
        "{found:#?}"
    );
}

/// Every check of the portfolio pack on its defect fixture: (document replaced, defect fixture, policy, file of the
/// finding, path, text at the finding's line).
const DEFECTS: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "bia.yaml",
        "bia-uncovered.yaml",
        "PORT-BIA-001",
        "bcp/bia.yaml",
        "processes[6]",
        "- id: P-PARKS",
    ),
    (
        "eop.yaml",
        "eop-rto-looser.yaml",
        "PORT-OBJ-001",
        "bcp/eop.yaml",
        "processes[0].rto",
        "rto: 2h, rpo: 1h, mtpd: 4h",
    ),
    (
        "eop.yaml",
        "eop-rpo-looser.yaml",
        "PORT-OBJ-002",
        "bcp/eop.yaml",
        "processes[1].rpo",
        "rpo: 2h",
    ),
    (
        "eop.yaml",
        "eop-mtpd-differs.yaml",
        "PORT-OBJ-003",
        "bcp/eop.yaml",
        "processes[1].mtpd",
        "mtpd: 12h",
    ),
    (
        "register.yaml",
        "register-exit-missing.yaml",
        "PORT-PRV-001",
        "bcp/register.yaml",
        "providers[0].exit_strategy",
        "- id: PRV-MSFT",
    ),
    (
        "register.yaml",
        "register-evidence-stale.yaml",
        "PORT-PRV-002",
        "bcp/register.yaml",
        "providers[1].continuity_evidence",
        "EV-PAYCITY-SOC2",
    ),
    (
        "register.yaml",
        "register-one-status-channel.yaml",
        "PORT-PRV-003",
        "bcp/register.yaml",
        "providers[1].status_channels",
        "[https://status.paycity.example]",
    ),
    (
        "register.yaml",
        "register-stale-provider.yaml",
        "PORT-REG-001",
        "bcp/register.yaml",
        "providers[2].id",
        "- {id: PRV-FAX",
    ),
    (
        "it-recovery.md",
        "it-recovery-on-exo.md",
        "PORT-CONC-001",
        "bcp/register.yaml",
        "providers[0]",
        "- id: PRV-MSFT",
    ),
    (
        "it-recovery.md",
        "it-recovery-delegation-unknown-plan.md",
        "PORT-DEL-001",
        "bcp/it-recovery.md",
        "delegations[0].plan",
        "plan: CITY-EOQ",
    ),
    (
        "it-recovery.md",
        "it-recovery-delegation-missing-part.md",
        "PORT-DEL-002",
        "bcp/it-recovery.md",
        "delegations[0]",
        "{part: communications",
    ),
    (
        "it-recovery.md",
        "it-recovery-dep-slow.md",
        "PORT-DEP-001",
        "bcp/it-recovery.md",
        "processes[0].depends_on",
        "depends_on: [DEP-AD, DEP-NET]",
    ),
    (
        "it-recovery.md",
        "it-recovery-dep-rpo.md",
        "PORT-DEP-002",
        "bcp/it-recovery.md",
        "processes[0].depends_on",
        "depends_on: [DEP-AD, DEP-NET]",
    ),
    (
        "permits-iscp.yaml",
        "permits-redefines-provider.yaml",
        "PORT-ID-001",
        "bcp/permits-iscp.yaml",
        "providers[0]",
        "- {id: PRV-ISP",
    ),
    (
        "permits-iscp.yaml",
        "permits-copies-provider.yaml",
        "PORT-ID-002",
        "bcp/permits-iscp.yaml",
        "providers[0]",
        "- {id: PRV-ISP",
    ),
];

#[test]
fn every_portfolio_check_finds_its_defect_at_its_line() {
    for (document, variant, policy, file, path, needle) in DEFECTS {
        let dir = portfolio();
        replace(dir.path(), document, variant);
        let (_, found) = findings(dir.path(), &[]);
        let ours: Vec<&Value> = of(&found, policy)
            .into_iter()
            .filter(|f| f["file"] == *file)
            .collect();
        assert_eq!(ours.len(), 1, "{variant}: {found:#?}");
        assert_eq!(ours[0]["path"], *path, "{variant}");
        let (line, _) = line_col(dir.path(), file, needle);
        assert_eq!(start(ours[0]).0, line, "{variant}: {:#?}", ours[0]);
        // No other file of the portfolio gets a finding from the portfolio pack.
        let elsewhere: Vec<&Value> = found
            .iter()
            .filter(|f| f["policy"].as_str().unwrap().starts_with("PORT-") && f["file"] != *file)
            .collect();
        assert!(elsewhere.is_empty(), "{variant}: {elsewhere:#?}");
    }
}

#[test]
fn concentration_thresholds_are_parameters() {
    let dir = portfolio();
    write(
        dir.path(),
        "bcpcheck.yaml",
        "plans: ['bcp/*.yaml', 'bcp/*.md']\nworkspace: ['bcp/*']\nparams: {concentrationMaxPlans: 1}\n",
    );
    let (code, found) = findings(dir.path(), &[]);
    assert_eq!(code, 0, "a warning does not fail the run: {found:#?}");
    let concentrated = of(&found, "PORT-CONC-001");
    // The city's internet line carries P-PERMITS and P-ITSVC, of two plans.
    assert_eq!(concentrated.len(), 1, "{found:#?}");
    assert_eq!(concentrated[0]["path"], "providers[2]");
    assert_eq!(
        concentrated[0]["message"],
        "critical processes of 2 plans (ISCP-PERMITS-001, ITRP-001) depend on provider PRV-ISP: 2 of the 5 critical \
         processes of the workspace (40%); at most 1 plans and 50% are allowed"
    );
}

#[test]
fn a_bia_checked_alone_says_nothing_of_coverage() {
    // Its people are in the register, which is not part of this run: only the portfolio pack, which applies (the
    // workspace holds a BIA), and finds nothing without a plan to judge coverage by.
    let (code, stdout, _) = bcpcheck_in(
        &root(),
        &[
            "check",
            "--as-of",
            AS_OF,
            "--no-config",
            "--pack",
            "portfolio",
            "fixtures/portfolio/bia.yaml",
        ],
    );
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("0 errors, 0 warnings, 0 info in 1 file"),
        "{stdout}"
    );
}

#[test]
fn a_looser_objective_renders_with_the_bia_value_and_file() {
    let dir = portfolio();
    replace(dir.path(), "eop.yaml", "eop-rto-looser.yaml");
    let (code, stdout, _) = check(dir.path(), &["--only-plans", "bcp/eop.yaml"]);
    assert_eq!(code, 1);
    let time = regex::Regex::new(r"in \d+ ms").unwrap();
    insta::assert_snapshot!(
        "portfolio_objective_human",
        time.replace_all(&stdout, "in [elapsed] ms")
    );
}

#[test]
fn values_another_document_gets_wrong_are_its_schema_findings_not_evaluation_errors() {
    // A plan's `tier: high` and a BIA's `rto: 1 hour` are read by the portfolio checks of other documents (the
    // register's providers, the EOP's objectives): each is one schema finding, in its own file, and no policy fails.
    let dir = portfolio();
    let plan = dir.path().join("bcp/permits-iscp.yaml");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(
        &plan,
        text.replace(
            "owner: PER-MC, tier: 2, rto: 24h",
            "owner: PER-MC, tier: high, rto: 24h",
        ),
    )
    .unwrap();
    let bia = dir.path().join("bcp/bia.yaml");
    let text = std::fs::read_to_string(&bia).unwrap();
    std::fs::write(&bia, text.replacen("rto: 1h\n", "rto: 1 hour\n", 1)).unwrap();
    let (code, stdout, _) = check(dir.path(), &["--format", "concise"]);
    assert_eq!(code, 1, "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with("bcp/bia.yaml:") && lines[0].contains("BCP-SCHEMA-001"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("bcp/permits-iscp.yaml:") && lines[1].contains("BCP-SCHEMA-001"),
        "{stdout}"
    );
    assert!(lines[2].starts_with("2 errors, 0 warnings"), "{stdout}");
}

#[test]
fn plan_checks_count_the_register_entries_the_plan_uses() {
    // The EOP's identity provider (DEP-ENTRA) and a shared role are the register's; the Markdown IT plan's owner is
    // a person of the register, so its contacts data is there.
    let dir = portfolio();
    let register = dir.path().join("bcp/register.yaml");
    let text = std::fs::read_to_string(&register).unwrap();
    std::fs::write(
        &register,
        text.replace(
            "  - {id: ROLE-VENDOR,",
            "  - {id: ROLE-GROUP-CM, name: Group Crisis Manager, functions: [activation, incident-command], primary: PER-DW, alternates: [PER-FC]}\n  - {id: ROLE-VENDOR,",
        ),
    )
    .unwrap();
    let eop = dir.path().join("bcp/eop.yaml");
    let text = std::fs::read_to_string(&eop).unwrap();
    let shared_role = text
        .replace(
            "  - {id: ROLE-EM, name: EOC Director, functions: [activation, incident-command], primary: PER-FC, alternates: [PER-DW]}\n",
            "",
        )
        .replace("ROLE-EM", "ROLE-GROUP-CM");
    std::fs::write(&eop, &shared_role).unwrap();
    let it = dir.path().join("bcp/it-recovery.md");
    let text = std::fs::read_to_string(&it).unwrap();
    std::fs::write(&it, text.replace("## Contacts\n", "## People to call\n")).unwrap();
    let (code, stdout, _) = check(dir.path(), &["--format", "concise"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("0 errors, 0 warnings"), "{stdout}");

    // Without the register's identity provider, the EOP's SaaS dependency DEP-EXO has none.
    std::fs::write(&eop, shared_role.replace(", DEP-ENTRA]", "]")).unwrap();
    let (_, found) = findings(dir.path(), &[]);
    let dep010 = of(&found, "BCP-DEP-010");
    assert_eq!(dep010.len(), 1, "{found:#?}");
    assert_eq!(dep010[0]["file"], "bcp/eop.yaml");
    assert!(
        dep010[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("dependency DEP-EXO is a SaaS service"),
        "{found:#?}"
    );
    // Without the register, the shared role covers nothing and the IT plan's contacts are nowhere.
    let (_, found) = findings(
        dir.path(),
        &["--no-config", "bcp/eop.yaml", "bcp/it-recovery.md"],
    );
    assert_eq!(of(&found, "BCP-ROLE-001").len(), 1, "{found:#?}");
    assert_eq!(of(&found, "BCP-DOC-006").len(), 1, "{found:#?}");
}

#[test]
fn a_register_finding_is_a_finding_of_its_file_in_sarif_github_and_junit() {
    let dir = portfolio();
    replace(dir.path(), "register.yaml", "register-exit-missing.yaml");
    let (_, sarif, _) = check(dir.path(), &["--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let ours: Vec<&Value> = results
        .iter()
        .filter(|r| r["ruleId"] == "PORT-PRV-001")
        .collect();
    assert_eq!(ours.len(), 1, "{results:#?}");
    let location = &ours[0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "bcp/register.yaml");
    assert!(location["region"]["startLine"].as_u64().unwrap() > 1);
    let (_, github, _) = check(dir.path(), &["--format", "github"]);
    assert!(
        github
            .lines()
            .any(|l| l.starts_with("::error file=bcp/register.yaml,") && l.contains("PORT-PRV-001")),
        "{github}"
    );
    let (_, junit, _) = check(dir.path(), &["--format", "junit"]);
    assert!(junit.contains("bcp/register.yaml"), "{junit}");
    assert!(junit.contains("PORT-PRV-001"), "{junit}");
}
