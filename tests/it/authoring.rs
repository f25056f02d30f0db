//! `bcpcheck init` and `bcpcheck schema`: the skeletons fail BCP-DOC-001 until filled in and pass `core` after;
//! the schema accepts every type-correct plan of the repository and refuses wrong types.

use std::path::Path;

use bcpcheck::document::{yaml, Node, Value};
use serde_json::{json, Value as Json};

use super::support::{bcpcheck_in as bcpcheck, root};

/// `check --pack core --as-of 2026-11-28` as JSON: (exit code, findings at error or warning).
fn core_findings(dir: &Path, plan: &str) -> (i32, Vec<Json>) {
    let (code, stdout, stderr) = bcpcheck(
        dir,
        &[
            "check",
            "--pack",
            "core",
            "--as-of",
            "2026-11-28",
            "--fail-on",
            "warning",
            "--format",
            "json",
            plan,
        ],
    );
    let report: Json =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
    assert_eq!(report["errors"], json!([]), "{stderr}");
    let findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
        .cloned()
        .collect();
    (code, findings)
}

/// What a plan author writes over each placeholder of the skeletons (as of 2026-11-28).
const FILLED_IN: &[(&str, &str)] = &[
    ("<insert plan title>", "Payments Operations Continuity Plan"),
    ("<insert date of the last review, YYYY-MM-DD>", "2026-10-01"),
    ("<insert date of the next review, YYYY-MM-DD>", "2027-10-01"),
    ("<insert what this plan keeps running, and against which disruptions>",
     "Keep SEPA payments running through data-centre and cloud outages"),
    ("<insert the organisation, sites and services the plan covers>",
     "Payments Operations, Frankfurt office"),
    ("<insert name of the plan owner>", "Lena Mueller"),
    ("<insert e-mail address of the plan owner>", "l.mueller@example.com"),
    ("<insert phone number of the plan owner>", "+49 151 0000 0002"),
    ("<insert name of the deputy>", "Jonas Keller"),
    ("<insert e-mail address of the deputy>", "j.keller@example.com"),
    ("<insert phone number of the deputy>", "+49 151 0000 0003"),
    ("<insert name of the IT recovery lead>", "Sara Becker"),
    ("<insert e-mail address of the IT recovery lead>", "s.becker@example.com"),
    ("<insert phone number of the IT recovery lead>", "+49 151 0000 0004"),
    ("<insert name of the business process>", "SEPA payment processing"),
    ("<insert recovery time objective, such as 4h>", "4h"),
    ("<insert recovery point objective, such as 1h>", "15m"),
    ("<insert maximum tolerable period of disruption, such as 24h>", "24h"),
    ("<insert name of the system or service the process needs>", "Payment hub"),
    ("<insert how fast this dependency is restored, at most the process RTO>", "2h"),
    ("<insert its recovery point, at most the process RPO>", "5m"),
    ("<insert the disruption that triggers the plan>", "Payment hub unavailable"),
    ("<insert when it counts, such as longer than 30 minutes>", "longer than 30 minutes"),
    ("<insert who is told, such as all staff>", "All payments staff"),
    ("<insert the usual channel, such as e-mail>", "E-mail"),
    ("<insert a channel that still works when the usual one is down, such as an SMS call tree>",
     "SMS call tree"),
    ("<insert which customers are told>", "Merchants"),
    ("<insert the usual channel to customers>", "E-mail"),
    ("<insert the fallback channel to customers>", "Status page hosted outside our network"),
    ("<insert what the procedure recovers>", "Fail over the payment hub"),
    ("<insert how long the procedure takes, at most the process RTO>", "2h"),
    ("<insert the first recovery step>", "Promote the standby database"),
    ("<insert when normal operations are resumed and the plan is stood down>",
     "All processes at normal capacity for 24h"),
    ("<insert what is backed up>", "Payment hub database"),
    ("<insert how often a backup is taken, at most the process RPO>", "5m"),
    ("<insert date of the last successful restore test, YYYY-MM-DD>", "2026-05-20"),
    ("<insert date of the last exercise, YYYY-MM-DD>", "2026-10-08"),
    ("<insert what the exercise tested>", "Failover of the payment hub within 2h"),
    ("TODO: describe what this plan keeps running, for whom, and which disruptions it covers.",
     "This plan keeps SEPA payments running for our merchants."),
    ("TODO: describe who may activate the plan, on which criteria, and the first calls to make.",
     "The Crisis Manager activates the plan and calls the Recovery Lead."),
    ("TODO: describe how each critical process is recovered, in order, and where the detailed procedures are.",
     "The payment hub fails over to the standby site (PR-MAIN)."),
    ("TODO: list how to reach each role holder and their alternates when e-mail and chat are down.",
     "Role holders are reached by mobile phone; numbers are in the front matter."),
    ("TODO: describe when and how normal operations resume and who declares the end of the incident.",
     "The Crisis Manager declares the end of the incident."),
];

fn fill_in(text: &str) -> String {
    let mut out = text.to_string();
    for (placeholder, value) in FILLED_IN {
        out = out.replace(placeholder, value);
    }
    out
}

fn skeleton_passes_core_once_filled_in(markdown: bool) {
    let dir = tempfile::tempdir().unwrap();
    let plan = if markdown { "plan.md" } else { "plan.yaml" };
    let args: &[&str] = if markdown {
        &["init", "--markdown"]
    } else {
        &["init"]
    };
    let (code, _, stderr) = bcpcheck(dir.path(), args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains(&format!("wrote {plan}")), "{stderr}");

    let (code, findings) = core_findings(dir.path(), plan);
    assert_eq!(code, 1);
    let doc = findings
        .iter()
        .find(|f| f["policy"] == "BCP-DOC-001")
        .unwrap_or_else(|| panic!("the fresh skeleton fails BCP-DOC-001: {findings:#?}"));
    assert_eq!(doc["path"], "body.placeholders[0]");
    assert!(
        doc["message"]
            .as_str()
            .unwrap()
            .starts_with("placeholder text \"<insert plan title>\" in metadata.title"),
        "{doc}"
    );

    let path = dir.path().join(plan);
    let filled = fill_in(&std::fs::read_to_string(&path).unwrap());
    let unfilled: Vec<&str> = filled
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter(|l| l.contains("<insert") || l.contains("TODO"))
        .collect();
    assert!(
        unfilled.is_empty(),
        "placeholders of the skeleton without a value in FILLED_IN: {unfilled:#?}"
    );
    std::fs::write(&path, filled).unwrap();
    assert_eq!(
        errors(&validator(), &plan_data(&path)),
        Vec::<String>::new()
    );
    let (code, findings) = core_findings(dir.path(), plan);
    assert_eq!(findings, Vec::<Json>::new());
    assert_eq!(code, 0);
}

#[test]
fn yaml_skeleton_fails_doc_001_until_filled_in_then_passes_core() {
    skeleton_passes_core_once_filled_in(false);
}

#[test]
fn markdown_skeleton_fails_doc_001_until_filled_in_then_passes_core() {
    skeleton_passes_core_once_filled_in(true);
}

#[test]
fn init_refuses_to_overwrite_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plan.yaml"), "my plan").unwrap();
    let (code, _, stderr) = bcpcheck(dir.path(), &["init"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("plan.yaml already exists; choose another path, or pass --force"),
        "{stderr}"
    );
    let read = || std::fs::read_to_string(dir.path().join("plan.yaml")).unwrap();
    assert_eq!(read(), "my plan");

    let (code, _, stderr) = bcpcheck(dir.path(), &["init", "--force"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(read().starts_with("# yaml-language-server: $schema="));

    let (code, _, stderr) = bcpcheck(dir.path(), &["init", "--markdown", "bcp.yaml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("use a *.md path"), "{stderr}");
    assert!(!dir.path().join("bcp.yaml").exists());
}

// ---- the JSON Schema ----

/// A plan tree as JSON, the way an editor sees the file: a key written with no value is `null`.
fn to_json(node: &Node) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(n) => json!(n),
        Value::Float(f) => json!(f),
        Value::Str(s) => json!(s),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(map) => {
            let mut object = serde_json::Map::new();
            for (key, value) in &map.entries {
                object.insert(key.clone(), to_json(value));
            }
            for (key, _) in &map.empty_keys {
                object.insert(key.clone(), Json::Null);
            }
            Json::Object(object)
        }
    }
}

/// The plan data of a YAML file or of a Markdown file's front matter.
fn plan_data(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap();
    let yaml_text = if path.extension().is_some_and(|e| e == "md") {
        text.strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
            .map(|(front, _)| format!("{front}\n"))
            .unwrap_or_default()
    } else {
        text
    };
    let mut roots = yaml::parse_stream(&yaml_text, 0).unwrap();
    roots.pop().map_or(Json::Null, |root| to_json(&root))
}

fn validator() -> jsonschema::Validator {
    let (code, stdout, _) = bcpcheck(&root(), &["schema"]);
    assert_eq!(code, 0);
    let schema: Json = serde_json::from_str(&stdout).unwrap();
    jsonschema::meta::validate(&schema).expect("a valid draft 2020-12 schema");
    jsonschema::draft202012::new(&schema).unwrap()
}

fn errors(validator: &jsonschema::Validator, data: &Json) -> Vec<String> {
    validator
        .iter_errors(data)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Fixtures that are wrong on purpose in a way the schema sees, and why.
const NOT_TYPE_CORRECT: &[(&str, &str)] = &[(
    "policies/schema/tests/wrong-values.yaml",
    "the schema check's failing fixture: `tier: high`, `rto: 8 hours`",
)];

#[test]
fn the_example_and_every_type_correct_fixture_validate() {
    let validator = validator();
    let mut plans = vec![root().join("fixtures/plans/payments-plan.yaml")];
    for pack in std::fs::read_dir(root().join("policies")).unwrap() {
        let tests = pack.unwrap().path().join("tests");
        let Ok(entries) = std::fs::read_dir(&tests) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let is_plan = matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "md")
            ) && path.file_name().is_some_and(|n| n != "bcptest.yaml");
            if is_plan {
                plans.push(path);
            }
        }
    }
    plans.sort();
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in &plans {
        let name = path.strip_prefix(root()).unwrap().display().to_string();
        let data = plan_data(path);
        if data.get("kind").is_none() {
            continue; // a Markdown page that is a plan only by the config's globs
        }
        let found = errors(&validator, &data);
        let expected_wrong = NOT_TYPE_CORRECT.iter().any(|(n, _)| *n == name);
        match (found.is_empty(), expected_wrong) {
            (true, false) | (false, true) => checked += 1,
            (false, false) => failures.push(format!("{name}: {found:#?}")),
            (true, true) => failures.push(format!("{name} validates, but is listed as wrong")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 80, "only {checked} plans checked");
}

#[test]
fn wrong_types_enums_ids_dates_and_durations_are_refused() {
    let validator = validator();
    let example = plan_data(&root().join("fixtures/plans/payments-plan.yaml"));
    let cases: &[(&str, Json, &str)] = &[
        ("/processes/0/tier", json!("one"), "tier: one"),
        ("/processes/0/tier", json!(5), "tier above 4"),
        (
            "/processes/0/rto",
            json!("4 hours"),
            "duration without unit pairs",
        ),
        (
            "/processes/0/depends_on",
            json!("DEP-CORE"),
            "a reference list as a single text",
        ),
        (
            "/metadata/status",
            json!("final"),
            "status outside the enum",
        ),
        (
            "/metadata/next_review",
            json!("15.09.2027"),
            "date not YYYY-MM-DD",
        ),
        ("/metadata/version", json!(3.2), "version as a number"),
        ("/people/0/id", json!("per-aw"), "id in lower case"),
        (
            "/people/0/phone",
            json!(4915100000001_i64),
            "phone as a number",
        ),
        (
            "/roles/0/alternates/0",
            json!("PER AW"),
            "reference with a space",
        ),
        (
            "/dependencies/0/type",
            json!("cloud"),
            "dependency type outside the enum",
        ),
        ("/backups/0/offsite", json!("yes"), "boolean as text"),
        ("/kind", json!("ExerciseReport"), "another kind"),
        (
            "/metadata/impact_level",
            json!("medium"),
            "impact level outside FIPS 199's low, moderate, high",
        ),
        (
            "/dependencies/1/hosting",
            json!("outsourced"),
            "hosting outside the enum",
        ),
        (
            "/dependencies/0/type",
            json!("cloud-saas"),
            "a self-hosted dependency typed as a cloud service",
        ),
        (
            "/alternate_sites/0/purpose/0",
            json!("backup"),
            "alternate-site purpose outside the enum",
        ),
    ];
    assert!(errors(&validator, &example).is_empty());
    for (pointer, value, what) in cases {
        let mut plan = example.clone();
        *plan
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer}")) = value.clone();
        let found = errors(&validator, &plan);
        assert!(!found.is_empty(), "{what} ({pointer}) was accepted");
        assert!(
            found.iter().any(|e| e.starts_with(pointer)),
            "{what}: errors not at {pointer}: {found:?}"
        );
    }
}

#[test]
fn null_means_absent_and_unknown_fields_are_allowed() {
    let validator = validator();
    let plan = plan_data_from_text(
        "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata:\n  owner:\n  status:\nprocesses:\n  - id: P-A\n    rto:\n    cost_centre: 4711\nx-team-notes: anything\n",
    );
    assert_eq!(plan["metadata"]["owner"], Json::Null);
    assert_eq!(errors(&validator, &plan), Vec::<String>::new());
    let headless = plan_data_from_text("metadata: {id: BCP-1}\n");
    assert!(
        !errors(&validator, &headless).is_empty(),
        "apiVersion and kind are required"
    );
}

fn plan_data_from_text(text: &str) -> Json {
    to_json(&yaml::parse_stream(text, 0).unwrap().remove(0))
}
