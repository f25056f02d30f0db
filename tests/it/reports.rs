//! End-to-end tests of the report formats, exceptions and baselines: golden outputs of every format
//! on one failing fixture set, hostile plan values, each exception rule, and baselines.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use regex::Regex;
use serde_json::Value;

fn fixture() -> PathBuf {
    super::support::root().join("tests/fixtures/reports")
}

fn bcpcheck(dir: &Path) -> Command {
    super::support::command(dir)
}

const COMMON: &[&str] = &["check", "--no-default-packs", "--policy", "policies"];

/// Runs bcpcheck in `dir` with the fixture policies, as of 2026-06-30 unless `args` say otherwise:
/// (stdout, stderr, exit code).
fn run(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let mut cmd = bcpcheck(dir);
    cmd.args(COMMON);
    if !args.contains(&"--as-of") {
        cmd.args(["--as-of", "2026-06-30"]);
    }
    let out = cmd.args(args).output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap(),
    )
}

/// Removes what changes from run to run or release to release: elapsed time and version.
fn redact(text: &str) -> String {
    let ms = Regex::new(r"in \d+ ms").unwrap();
    let secs = Regex::new(r#"time="\d+\.\d+""#).unwrap();
    let text = ms.replace_all(text, "in [elapsed] ms");
    let text = secs.replace_all(&text, r#"time="[elapsed]""#);
    // The policy set's hash covers the built-in default parameters too.
    let digest = Regex::new(r"sha256:[0-9a-f]{64}").unwrap();
    let text = digest.replace_all(&text, "sha256:[digest]");
    text.replace(env!("CARGO_PKG_VERSION"), "[version]")
}

fn golden(format: &str) -> String {
    let (stdout, _, code) = run(
        &fixture(),
        &[
            "--exceptions",
            "exceptions.yaml",
            "--format",
            format,
            "plans",
        ],
    );
    assert_eq!(code, 1, "the fixture set fails");
    redact(&stdout)
}

#[test]
fn golden_human() {
    insta::assert_snapshot!("human", golden("human"));
}

#[test]
fn golden_json() {
    insta::assert_snapshot!("json", golden("json"));
}

#[test]
fn golden_sarif() {
    insta::assert_snapshot!("sarif", golden("sarif"));
}

#[test]
fn golden_github() {
    insta::assert_snapshot!("github", golden("github"));
}

#[test]
fn golden_junit() {
    insta::assert_snapshot!("junit", golden("junit"));
}

#[test]
fn golden_markdown() {
    insta::assert_snapshot!("markdown", golden("markdown"));
}

#[test]
fn golden_html() {
    insta::assert_snapshot!("html", golden("html"));
}

#[test]
fn golden_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    fs::write(&summary, "# earlier step\n").unwrap();
    let out = bcpcheck(&fixture())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(COMMON)
        .args(["--as-of", "2026-06-30", "--exceptions", "exceptions.yaml"])
        .args(["--format", "github", "plans"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("# earlier step\n"),
        "appended, not replaced"
    );
    insta::assert_snapshot!("step_summary", redact(&text));
}

/// A copy of the fixture set in a temporary directory, to edit.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["plans", "policies"] {
        fs::create_dir_all(dir.path().join(sub)).unwrap();
        for entry in fs::read_dir(fixture().join(sub)).unwrap() {
            let entry = entry.unwrap();
            fs::copy(entry.path(), dir.path().join(sub).join(entry.file_name())).unwrap();
        }
    }
    fs::copy(
        fixture().join("exceptions.yaml"),
        dir.path().join("exceptions.yaml"),
    )
    .unwrap();
    dir
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap()
}

/// The findings of `policy` in the JSON output.
fn findings<'a>(report: &'a Value, policy: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["policy"] == policy)
        .collect()
}

fn notice_codes(report: &Value) -> Vec<String> {
    report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn exception_waives_matching_findings_only() {
    let dir = scratch();
    let (stdout, _, code) = run(
        dir.path(),
        &[
            "--exceptions",
            "exceptions.yaml",
            "--format",
            "json",
            "plans/beta.yaml",
        ],
    );
    let report = json(&stdout);
    let rto = findings(&report, "RPT-RTO-001");
    assert_eq!(rto.len(), 1);
    assert_eq!(rto[0]["suppression"]["kind"], "exception");
    assert_eq!(rto[0]["suppression"]["owner"], "Xia Chen");
    assert_eq!(rto[0]["suppression"]["expires"], "2026-09-30");
    assert_eq!(report["summary"]["waived"], 1);
    assert_eq!(report["summary"]["errors"], 0);
    // beta's only error is waived; the unused exception for beta is a warning, below --fail-on error.
    assert_eq!(code, 0);
    assert_eq!(notice_codes(&report), ["bcpcheck::exceptions::unused"]);

    // A path that is not a prefix of the finding's path does not match.
    let narrowed = fs::read_to_string(dir.path().join("exceptions.yaml"))
        .unwrap()
        .replace("path: processes[1]", "path: processes[0]");
    fs::write(dir.path().join("exceptions.yaml"), narrowed).unwrap();
    let (stdout, _, code) = run(
        dir.path(),
        &[
            "--exceptions",
            "exceptions.yaml",
            "--format",
            "json",
            "plans/beta.yaml",
        ],
    );
    let report = json(&stdout);
    assert!(findings(&report, "RPT-RTO-001")[0]["suppression"].is_null());
    assert_eq!(code, 1);
}

#[test]
fn exception_expires_after_its_last_day() {
    let dir = scratch();
    let args = |as_of| {
        [
            "--as-of",
            as_of,
            "--exceptions",
            "exceptions.yaml",
            "--format",
            "json",
            "plans/beta.yaml",
        ]
    };
    let (stdout, _, _) = run(dir.path(), &args("2026-09-30"));
    assert_eq!(
        json(&stdout)["summary"]["waived"],
        1,
        "valid through its last day"
    );

    let (stdout, _, code) = run(dir.path(), &args("2026-10-01"));
    assert_eq!(code, 1, "the finding counts again");
    let report = json(&stdout);
    assert_eq!(report["summary"]["waived"], 0);
    assert_eq!(report["summary"]["errors"], 1);
    assert!(notice_codes(&report).contains(&"bcpcheck::exceptions::expired".to_string()));
    let entry = &report["exceptions"]["entries"][0];
    assert_eq!(entry["status"], "expired");
}

#[test]
fn unused_exception_is_a_warning() {
    let dir = scratch();
    let (stdout, stderr, code) = run(
        dir.path(),
        &[
            "--exceptions",
            "exceptions.yaml",
            "--format",
            "json",
            "plans/beta.yaml",
        ],
    );
    assert_eq!(code, 0);
    assert!(stderr.contains("matched no finding"), "{stderr}");
    let report = json(&stdout);
    assert_eq!(report["exceptions"]["entries"][2]["status"], "unused");
    // An exception whose files were not checked in this run is out of scope, not unused.
    assert_eq!(report["exceptions"]["entries"][1]["status"], "not in scope");
    let (_, _, code) = run(
        dir.path(),
        &[
            "--exceptions",
            "exceptions.yaml",
            "--fail-on",
            "warning",
            "plans/beta.yaml",
        ],
    );
    assert_eq!(
        code, 1,
        "warnings about exceptions fail at --fail-on warning"
    );
}

#[test]
fn inline_comments_waive_their_node() {
    let dir = scratch();
    let plan = dir.path().join("plans/alpha.yaml");
    let (stdout, _, _) = run(dir.path(), &["--format", "json", "plans/alpha.yaml"]);
    let report = json(&stdout);
    let contact = findings(&report, "RPT-CONTACT-001");
    assert_eq!(contact.len(), 2);
    assert!(contact[0]["suppression"].is_null(), "PER-A has no comment");
    assert_eq!(contact[1]["suppression"]["kind"], "inline");
    assert_eq!(
        contact[1]["suppression"]["justification"],
        "Bob is reached through the duty desk; number kept there"
    );

    // On the node's own line, and for the process too.
    let text = fs::read_to_string(&plan).unwrap().replace(
        "  - {id: P-PAY, name: Payments, tier: 1}",
        "  - {id: P-PAY, name: Payments, tier: 1} # bcpcheck: ignore[RPT-RTO-001] manual fallback only",
    );
    fs::write(&plan, text).unwrap();
    let (stdout, _, _) = run(dir.path(), &["--format", "json", "plans/alpha.yaml"]);
    let report = json(&stdout);
    assert_eq!(
        findings(&report, "RPT-RTO-001")[0]["suppression"]["kind"],
        "inline"
    );

    // No reason: waives nothing, and says so. Malformed: says so.
    let text = fs::read_to_string(&plan)
        .unwrap()
        .replace(
            "# bcpcheck: ignore[RPT-RTO-001] manual fallback only",
            "# bcpcheck: ignore[RPT-RTO-001]",
        )
        .replace(
            "# bcpcheck: ignore[RPT-CONTACT-001]",
            "# bcpcheck: ignore RPT-CONTACT-001",
        );
    fs::write(&plan, text).unwrap();
    let (stdout, _, _) = run(dir.path(), &["--format", "json", "plans/alpha.yaml"]);
    let report = json(&stdout);
    assert!(findings(&report, "RPT-RTO-001")[0]["suppression"].is_null());
    assert_eq!(report["summary"]["waived"], 0);
    let messages: Vec<&str> = report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("needs a reason")));
    assert!(messages
        .iter()
        .any(|m| m.contains("not a bcpcheck directive")));
}

#[test]
fn unused_inline_comment_is_reported() {
    let dir = scratch();
    let plan = dir.path().join("plans/beta.yaml");
    let text = fs::read_to_string(&plan).unwrap().replace(
        "people:\n",
        "# bcpcheck: ignore[RPT-CONTACT-001] everyone has a phone now\npeople:\n",
    );
    fs::write(&plan, text).unwrap();
    let (stdout, _, _) = run(dir.path(), &["--format", "json", "plans/beta.yaml"]);
    let report = json(&stdout);
    assert_eq!(report["exceptions"]["inline"][0]["status"], "unused");
    assert_eq!(notice_codes(&report), ["bcpcheck::exceptions::unused"]);
}

#[test]
fn no_exceptions_shows_everything() {
    let dir = scratch();
    let (stdout, _, code) = run(
        dir.path(),
        &["--no-exceptions", "--format", "json", "plans"],
    );
    assert_eq!(code, 1);
    let report = json(&stdout);
    assert_eq!(report["summary"]["waived"], 0);
    assert_eq!(report["exceptions"]["enabled"], false);
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["suppression"].is_null()));
    assert_eq!(report["notices"].as_array().unwrap().len(), 0);
}

#[test]
fn config_names_the_exceptions_file() {
    let dir = scratch();
    fs::write(
        dir.path().join("bcpcheck.yaml"),
        "exceptions: exceptions.yaml\n",
    )
    .unwrap();
    let (stdout, _, _) = run(dir.path(), &["--format", "json", "plans/beta.yaml"]);
    assert_eq!(json(&stdout)["summary"]["waived"], 1);
}

#[test]
fn invalid_exceptions_file_is_a_diagnostic_with_its_location() {
    let dir = scratch();
    fs::write(
        dir.path().join("exceptions.yaml"),
        "exceptions:\n  - policy: RPT-RTO-001\n    files: [plans/beta.yaml]\n    justification: x\n    owner: y\n    approvedBy: z\n    expires: someday\n",
    )
    .unwrap();
    let (stdout, _, code) = run(dir.path(), &["--exceptions", "exceptions.yaml", "plans"]);
    assert_eq!(code, 2);
    assert!(stdout.contains("`expires` must be a date"), "{stdout}");
    assert!(stdout.contains("exceptions.yaml:7:14"), "{stdout}");
}

#[test]
fn baseline_survives_a_line_shift_and_catches_new_gaps() {
    let dir = scratch();
    let (_, _, code) = run(
        dir.path(),
        &[
            "--no-exceptions",
            "--write-baseline",
            "baseline.json",
            "--format",
            "json",
            "plans",
        ],
    );
    assert_eq!(code, 0, "everything is baselined once written");
    let baseline: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("baseline.json")).unwrap())
            .unwrap();
    let accepted = baseline["findings"].as_array().unwrap().len();
    assert!(accepted >= 5);

    // Unrelated edits move every line.
    let plan = dir.path().join("plans/alpha.yaml");
    let text = fs::read_to_string(&plan).unwrap();
    let shifted = format!(
        "# Reviewed by the BCM office.\n\n# Owner to be named.\n{}",
        text.replace(
            "kind: ContinuityPlan\n",
            "kind: ContinuityPlan\nlabels: {unit: payments}\n\n"
        )
    );
    fs::write(&plan, shifted).unwrap();
    let (stdout, _, code) = run(
        dir.path(),
        &[
            "--no-exceptions",
            "--baseline",
            "baseline.json",
            "--format",
            "json",
            "plans",
        ],
    );
    assert_eq!(code, 0);
    let report = json(&stdout);
    assert_eq!(report["summary"]["baselined"], accepted);
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(report["baseline"]["baselined"], accepted);

    // A new gap is reported and fails the run; the human summary says how many were baselined.
    let text = fs::read_to_string(&plan).unwrap().replace(
        "  - {id: P-REP, name: Reporting, tier: 2}",
        "  - {id: P-REP, name: Reporting, tier: 1}",
    );
    fs::write(&plan, text).unwrap();
    let (stdout, _, code) = run(
        dir.path(),
        &["--no-exceptions", "--baseline", "baseline.json", "plans"],
    );
    assert_eq!(code, 1);
    assert!(stdout.contains("process P-REP has no RTO"), "{stdout}");
    assert!(!stdout.contains("process P-PAY has no RTO"), "{stdout}");
    assert!(
        stdout.contains(&format!("{accepted} baselined")),
        "{stdout}"
    );
}

#[test]
fn bad_baseline_is_a_problem() {
    let dir = scratch();
    fs::write(dir.path().join("baseline.json"), "{\"not\": 1}").unwrap();
    let (stdout, _, code) = run(dir.path(), &["--baseline", "baseline.json", "plans"]);
    assert_eq!(code, 2);
    assert!(stdout.contains("not a bcpcheck baseline"), "{stdout}");
}

#[test]
fn extra_reports_are_written_in_the_same_run() {
    let dir = scratch();
    let (stdout, _, code) = run(
        dir.path(),
        &[
            "--exceptions",
            "exceptions.yaml",
            "--format",
            "github",
            "--report",
            "sarif=out/bcpcheck.sarif",
            "--report",
            "json=out/bcpcheck.json",
            "--report",
            "html=out/report.html",
            "plans",
        ],
    );
    assert_eq!(code, 2, "out/ does not exist: {stdout}");
    fs::create_dir(dir.path().join("out")).unwrap();
    let (stdout, _, code) = run(
        dir.path(),
        &[
            "--exceptions",
            "exceptions.yaml",
            "--format",
            "github",
            "--report",
            "sarif=out/bcpcheck.sarif",
            "--report",
            "json=out/bcpcheck.json",
            "plans",
        ],
    );
    assert_eq!(code, 1);
    assert!(stdout.starts_with("::error "));
    let sarif: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("out/bcpcheck.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let report: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("out/bcpcheck.json")).unwrap())
            .unwrap();
    assert_eq!(report["summary"]["waived"], 2);
    let leftovers: Vec<_> = fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "no temporary files left: {leftovers:?}");
}

#[test]
fn reports_never_overwrite_inputs() {
    let dir = scratch();
    let plan = dir.path().join("plans/alpha.yaml");
    let before = fs::read_to_string(&plan).unwrap();
    for args in [
        vec!["--output", "plans/alpha.yaml", "--format", "json"],
        vec!["--report", "html=plans/./alpha.yaml"],
        vec!["--write-baseline", "plans/alpha.yaml"],
        vec!["--report", "sarif=policies/reports.yaml"],
        vec![
            "--exceptions",
            "exceptions.yaml",
            "--report",
            "json=exceptions.yaml",
        ],
        vec!["--report", "json=a.json", "--report", "sarif=a.json"],
    ] {
        let (_, stderr, code) = run(dir.path(), &[args.as_slice(), &["plans"]].concat());
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains("refusing to write") || stderr.contains("two outputs"),
            "{stderr}"
        );
    }
    assert_eq!(fs::read_to_string(&plan).unwrap(), before);
    assert!(!dir.path().join("a.json").exists());
}

/// Plan and policy values that try to break out of every format.
const HOSTILE_PLAN: &str = r#"apiVersion: bcp/v1
kind: ContinuityPlan
metadata:
  id: "<script>alert(1)</script>"
  title: "::error::forged"
processes:
  - id: "P1\n::error file=x,line=1::injected %0A | cell | <img src=x onerror=alert(1)> ]]> </failure> `tick` $x$"
    tier: 1
"#;

const HOSTILE_POLICY: &str = r#"- id: EVIL-001
  title: "<b>bold</b> | pipe ::warning::x"
  severity: error
  select: processes[*]
  rule: has(self.rto)
  messageExpression: "'process ' + self.id + ' in ' + doc.metadata.id"
  help: "</style><script>alert(2)</script>"
  references: ["<script>ref</script> | x", "%0A::error::ref"]
"#;

fn hostile() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("plans")).unwrap();
    let name = "plans/a,b:c %0A.yaml";
    fs::write(dir.path().join(name), HOSTILE_PLAN).unwrap();
    fs::write(dir.path().join("evil.yaml"), HOSTILE_POLICY).unwrap();
    (dir, name.to_string())
}

fn hostile_run(dir: &Path, format: &str) -> String {
    let out = bcpcheck(dir)
        .args(["check", "--no-default-packs", "--policy", "evil.yaml"])
        .args(["--as-of", "2026-06-30", "--format", format, "plans"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{format}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn hostile_values_cannot_break_html() {
    let (dir, _) = hostile();
    let html = hostile_run(dir.path(), "html");
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "{html}");
    assert!(!lower.contains("<img"), "{html}");
    assert!(!lower.contains("<b>"), "{html}");
    assert!(
        lower.matches("</style>").count() == 1,
        "only the report's own style closes"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(html.matches("<tr").count(), html.matches("</tr>").count());
}

#[test]
fn hostile_values_cannot_forge_github_commands() {
    let (dir, _) = hostile();
    let out = bcpcheck(dir.path())
        .env("GITHUB_STEP_SUMMARY", dir.path().join("summary.md"))
        .args(["check", "--no-default-packs", "--policy", "evil.yaml"])
        .args(["--as-of", "2026-06-30", "--format", "github", "plans"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let commands: Vec<&str> = text.lines().filter(|l| l.starts_with("::")).collect();
    // EVIL-001, and the two ids that are no ids (BCP-SCHEMA-001): one command per finding.
    assert_eq!(commands.len(), 3, "one finding, one command: {text}");
    for line in text.lines() {
        assert!(
            line.starts_with("::error ") || line.starts_with("bcpcheck: "),
            "{line}"
        );
    }
    let command = commands
        .iter()
        .find(|c| c.contains("title=EVIL-001"))
        .unwrap();
    assert!(
        command.starts_with("::error file=plans/a%2Cb%3Ac %250A.yaml,line=7,"),
        "{command}"
    );
    assert!(command.contains("title=EVIL-001::"), "{command}");
    assert!(
        command.contains("P1%0A::error file=x,line=1::injected %250A"),
        "{command}"
    );

    // The step summary table keeps one row per finding, with every cell intact.
    let summary = fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert_markdown_tables_intact(&summary);
    assert!(summary.contains("\\<img src=x"), "{summary}");
}

/// Every table row has as many unescaped `|` as its header, and no raw HTML tag opens.
fn assert_markdown_tables_intact(text: &str) {
    let pipes = Regex::new(r"(^|[^\\])\|").unwrap();
    let tag = Regex::new(r"(^|[^\\])<[a-zA-Z/!?]").unwrap();
    let count = |line: &str| {
        // Count each unescaped pipe (overlapping starts handled by scanning chars).
        let mut n = 0;
        let mut escaped = false;
        for c in line.chars() {
            if c == '|' && !escaped {
                n += 1;
            }
            escaped = c == '\\' && !escaped;
        }
        n
    };
    let mut expected = None;
    for line in text.lines() {
        if line.starts_with('|') {
            let n = count(line);
            let header = *expected.get_or_insert(n);
            assert_eq!(n, header, "row breaks its table: {line}");
            assert!(pipes.is_match(line));
        } else {
            expected = None;
        }
        assert!(!tag.is_match(&line.replace("<br>", "")), "raw HTML: {line}");
    }
}

#[test]
fn hostile_values_cannot_break_markdown() {
    let (dir, _) = hostile();
    let md = hostile_run(dir.path(), "markdown");
    assert_markdown_tables_intact(&md);
    assert!(md.contains("\\<script\\>alert(1)\\</script\\>"), "{md}");
}

#[test]
fn hostile_values_stay_inside_junit_and_sarif() {
    let (dir, _) = hostile();
    let xml = hostile_run(dir.path(), "junit");
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut failures = 0;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"failure" => failures += 1,
            _ => {}
        }
    }
    // EVIL-001 and BCP-SCHEMA-001 (the ids that are no ids) fail on the plan.
    assert_eq!(failures, 2);
    let sarif: Value = serde_json::from_str(&hostile_run(dir.path(), "sarif")).unwrap();
    let message = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "EVIL-001")
        .unwrap()["message"]["text"]
        .as_str()
        .unwrap();
    assert!(
        message.contains("<img src=x onerror=alert(1)>"),
        "kept as data: {message}"
    );
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"],
        "plans/a%2Cb%3Ac%20%250A.yaml"
    );
}
