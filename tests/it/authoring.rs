//! `bcpcheck init` and `bcpcheck schema`: the skeletons fail BCP-DOC-001 until filled in and pass `core` after;
//! the schema accepts every type-correct plan of the repository and refuses wrong types. The same for the other
//! kinds: registers and business impact analyses (`--kind register|bia`).

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
    // The register skeleton.
    ("<insert register title>", "Group continuity register"),
    ("<insert name of the register owner>", "Petra Lang"),
    ("<insert e-mail address of the register owner>", "p.lang@example.com"),
    ("<insert phone number of the register owner>", "+49 151 0000 0010"),
    ("<insert name of the provider>", "Example Cloud GmbH"),
    ("<insert how to reach the provider's support, such as its support portal>", "https://support.example.net"),
    ("<insert the provider's support phone number>", "+49 69 0000 0000"),
    ("<insert where the provider announces incidents, such as its status page>", "https://status.example.net"),
    ("<insert a second channel that works when its portal is down, such as an e-mail list>",
     "incident e-mail list"),
    ("<insert who or what would replace the provider>", "Second cloud region of another provider"),
    ("<insert how long the move would take, such as 90d>", "90d"),
    ("<insert date the exit strategy was last reviewed, YYYY-MM-DD>", "2026-06-01"),
    ("<insert name of the service the provider delivers>", "Hosted payment gateway"),
    ("<insert how fast the provider restores the service, such as 4h>", "4h"),
    ("<insert its recovery point, such as 1h>", "1h"),
    ("<insert what the organisation does while the service is down>", "Queue payments for later release"),
    ("<insert title of the contract with the provider>", "Cloud services agreement 2026"),
    ("<insert where the contract is kept, a path or a URL>", "contracts/cloud-2026.pdf"),
    ("<insert title of the provider's continuity evidence, such as its ISO 22301 certificate>",
     "ISO 22301 certificate"),
    ("<insert where the provider's continuity evidence is kept, a path or a URL>", "evidence/iso22301.pdf"),
    ("<insert date of the provider's continuity evidence, YYYY-MM-DD>", "2026-03-15"),
    ("<insert name of the alternate site>", "Backup data centre Berlin"),
    ("<insert where the alternate site is>", "Berlin"),
    ("<insert why the site is not exposed to the same threats as the primary site>",
     "550 km from Frankfurt; another power grid"),
    ("<insert how soon the site can take over, such as 24h>", "24h"),
    // The BIA skeleton.
    ("<insert BIA title>", "Business impact analysis 2026"),
    ("<insert date the analysis was completed, YYYY-MM-DD>", "2026-09-15"),
    ("<insert date of the approval, YYYY-MM-DD>", "2026-09-30"),
    ("<insert how the impacts were assessed, such as workshops with the process owners>",
     "Workshops with the process owners"),
    ("<insert name of the BIA owner>", "Lena Mueller"),
    ("<insert e-mail address of the BIA owner>", "l.mueller@example.com"),
    ("<insert name of the person who approved the BIA>", "Max Braun"),
    ("<insert title of the person who approved the BIA, such as Chief Operating Officer>",
     "Chief Operating Officer"),
    ("<insert the minimum capacity acceptable during a disruption>", "Urgent payments only"),
    ("<insert what a disruption of 4 hours costs>", "Late fees from the clearing house"),
    ("<insert how customers are hurt after a day>", "Merchants are not paid"),
    ("<insert which obligations are breached after three days>", "Settlement obligations under PSD2"),
    ("<insert title of the approved BIA report>", "BIA report 2026"),
    ("<insert where the BIA report is kept, a path or a URL>", "evidence/bia-2026.pdf"),
    ("<insert date of the BIA report, YYYY-MM-DD>", "2026-09-30"),
    ("TODO: describe which parts of the organisation the analysis covers, who took part, and how impacts were assessed.",
     "Payments Operations; the process owners took part in two workshops."),
    ("TODO: explain why each process has its tier, and how its recovery objectives follow from its impacts.",
     "SEPA payments are tier 1: customers are hurt within a day."),
    ("TODO: describe how a disruption of each critical process hurts as it lasts, and when it becomes intolerable.",
     "After three days the settlement obligations are breached."),
    ("TODO: record who approved the analysis, when, and when it is reviewed next.",
     "Approved by the COO on 2026-09-30; reviewed yearly."),
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
    fill_in_file(&path);
    assert_eq!(
        errors(&validator(), &plan_data(&path)),
        Vec::<String>::new()
    );
    let (code, findings) = core_findings(dir.path(), plan);
    assert_eq!(findings, Vec::<Json>::new());
    assert_eq!(code, 0);
}

/// A register or BIA skeleton: the `core` pack's policies are for plans, so its only findings are the schema's,
/// one at each placeholder that stands where a date or a duration must be; none once filled in.
fn other_skeleton_has_only_schema_findings_until_filled_in(kind: &str, markdown: bool) {
    let dir = tempfile::tempdir().unwrap();
    let (file, schema_file) = match kind {
        "register" => ("register.yaml", "register.schema.json"),
        _ if markdown => ("bia.md", "business-impact-analysis.schema.json"),
        _ => ("bia.yaml", "business-impact-analysis.schema.json"),
    };
    let mut args = vec!["init", "--kind", kind];
    if markdown {
        args.push("--markdown");
    }
    let (code, _, stderr) = bcpcheck(dir.path(), &args);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "wrote {file}: replace its placeholders, then run `bcpcheck check {file}`"
        )),
        "{stderr}"
    );
    assert_eq!(
        stderr.contains(&format!("`bcpcheck schema --kind {kind} > {schema_file}`")),
        !markdown,
        "{stderr}"
    );

    let (code, findings) = core_findings(dir.path(), file);
    assert_eq!(code, 1);
    assert!(findings.len() >= 4, "{findings:#?}");
    for finding in &findings {
        assert_eq!(finding["policy"], "BCP-SCHEMA-001", "{finding}");
        assert!(
            finding["message"]
                .as_str()
                .unwrap()
                .contains("; found `<insert"),
            "{finding}"
        );
    }

    let path = dir.path().join(file);
    fill_in_file(&path);
    assert_eq!(
        errors(&validator_of(kind), &plan_data(&path)),
        Vec::<String>::new()
    );
    let (code, findings) = core_findings(dir.path(), file);
    assert_eq!(findings, Vec::<Json>::new());
    assert_eq!(code, 0);
}

#[test]
fn register_skeleton_has_only_schema_findings_until_filled_in() {
    other_skeleton_has_only_schema_findings_until_filled_in("register", false);
}

#[test]
fn bia_skeletons_have_only_schema_findings_until_filled_in() {
    other_skeleton_has_only_schema_findings_until_filled_in("bia", false);
    other_skeleton_has_only_schema_findings_until_filled_in("bia", true);
}

#[test]
fn a_register_is_yaml_only_and_init_says_so() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["init", "--kind", "register", "--markdown"][..],
        &["init", "--kind", "register", "register.md"],
        &["init", "--kind", "register", "--markdown", "shared.yaml"],
    ] {
        let (code, stdout, stderr) = bcpcheck(dir.path(), args);
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(stdout, "");
        assert!(
            stderr.contains(
                "a Register is YAML only: drop --markdown and use a *.yaml or *.yml path"
            ),
            "{args:?}: {stderr}"
        );
    }
    let (code, _, stderr) = bcpcheck(
        dir.path(),
        &["init", "--kind", "bia", "--markdown", "bia.yaml"],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("use a *.md path"), "{stderr}");
    let (code, _, stderr) = bcpcheck(dir.path(), &["init", "--kind", "exercise"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("[possible values: plan, register, bia]"),
        "{stderr}"
    );
    let written: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(written.is_empty(), "{written:?}");

    // The kind names are accepted for the flag values; the default paths follow the kind.
    let (code, _, stderr) = bcpcheck(dir.path(), &["init", "--kind", "Register"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = bcpcheck(
        dir.path(),
        &["init", "--kind", "BusinessImpactAnalysis", "--markdown"],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = bcpcheck(dir.path(), &["init", "--kind", "register"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("register.yaml already exists"), "{stderr}");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    assert!(read("register.yaml").contains("\nkind: Register\n"));
    assert!(read("bia.md").starts_with(
        "---\n# yaml-language-server: $schema=business-impact-analysis.schema.json\n"
    ));
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
    validator_of("plan")
}

/// What `bcpcheck schema --kind KIND` prints, checked to be JSON.
fn schema_of(kind: &str) -> Json {
    let (code, stdout, stderr) = bcpcheck(&root(), &["schema", "--kind", kind]);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{kind}: {e}"))
}

fn validator_of(kind: &str) -> jsonschema::Validator {
    let schema = schema_of(kind);
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
const NOT_TYPE_CORRECT: &[(&str, &str)] = &[
    (
        "policies/schema/tests/wrong-values.yaml",
        "the schema check's failing fixture: `tier: high`, `rto: 8 hours`",
    ),
    (
        "policies/schema/tests/register-defects.yaml",
        "a register provider's `transition_period: 3 months`",
    ),
    (
        "policies/schema/tests/bia-defects.yaml",
        "a BIA impact's `level: critical`",
    ),
];

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
    let (register, bia) = (validator_of("register"), validator_of("bia"));
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in &plans {
        let name = path.strip_prefix(root()).unwrap().display().to_string();
        let data = plan_data(path);
        if data.get("kind").is_none() {
            continue; // a Markdown page that is a plan only by the config's globs
        }
        let validator = match data["kind"].as_str() {
            Some("Register") => &register,
            Some("BusinessImpactAnalysis") => &bia,
            _ => &validator,
        };
        let found = errors(validator, &data);
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

// ---- registers and business impact analyses ----

#[test]
fn schema_kind_prints_a_self_contained_schema_per_kind() {
    let (code, plain, _) = bcpcheck(&root(), &["schema"]);
    assert_eq!(code, 0);
    for kind in ["plan", "ContinuityPlan"] {
        let (code, stdout, _) = bcpcheck(&root(), &["schema", "--kind", kind]);
        assert_eq!(code, 0);
        assert_eq!(
            stdout, plain,
            "--kind {kind} prints the plan schema as written"
        );
    }
    let plan: Json = serde_json::from_str(&plain).unwrap();
    let keys = |schema: &Json, at: &str| -> Vec<String> {
        let mut keys: Vec<String> = schema[at].as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    let mut summary = String::new();
    for (flag, name) in [("register", "Register"), ("bia", "BusinessImpactAnalysis")] {
        let schema = schema_of(flag);
        assert_eq!(schema_of(name), schema, "--kind {name} is --kind {flag}");
        assert_eq!(schema["properties"]["kind"]["const"], name);
        // The shared entities have the plan's item schemas, merged in.
        for def in ["person", "evidence", "id", "ref", "date"] {
            assert_eq!(schema["$defs"][def], plan["$defs"][def], "{flag}: {def}");
        }
        summary.push_str(&format!(
            "{flag}:\n  properties: {}\n  $defs: {}\n",
            keys(&schema, "properties").join(", "),
            keys(&schema, "$defs").join(", ")
        ));
    }
    let register = schema_of("register");
    for list in [
        "people",
        "roles",
        "providers",
        "dependencies",
        "evidence",
        "alternate_sites",
    ] {
        assert_eq!(
            register["properties"][list]["items"], plan["properties"][list]["items"],
            "register {list}"
        );
    }
    let bia = schema_of("bia");
    assert_eq!(bia["$defs"]["process"], plan["$defs"]["process"]);
    insta::assert_snapshot!("schema_kinds", summary);

    let (code, _, stderr) = bcpcheck(&root(), &["schema", "--kind", "exercise"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("[possible values: plan, register, bia]"),
        "{stderr}"
    );
}

/// A register and a BIA that the schema accepts.
const REGISTER: &str = "\
apiVersion: bcp/v1
kind: Register
metadata:
  id: REG-GROUP
  title: Group register
  owner: PER-LM
  version: \"1.0\"
  last_reviewed: 2026-10-01
  next_review: 2027-10-01
people:
  - id: PER-LM
    name: Lena Mueller
    phone: \"+49 151 0000 0002\"
providers:
  - id: PRV-CLOUD
    name: Example Cloud
    status_channels: [https://status.example.net, incident e-mail list]
    exit_strategy:
      alternative: Another region
      transition_period: 90d
dependencies:
  - id: DEP-GW
    name: Payment gateway
    type: application
    hosting: cloud
    provider: PRV-CLOUD
    rto: 4h
evidence:
  - id: EV-CONTRACT
    type: contract
alternate_sites:
  - id: SITE-BER
    purpose: [storage]
    ready_within: 24h
";

const BIA: &str = "\
apiVersion: bcp/v1
kind: BusinessImpactAnalysis
metadata:
  id: BIA-2026
  title: Business impact analysis 2026
  owner: PER-LM
  completed_on: 2026-09-15
  approved_by: PER-LM
  approved_on: 2026-09-30
  method: Workshops
  evidence: EV-BIA
processes:
  - id: P-PAY
    name: SEPA payments
    tier: 1
    rto: 4h
    rpo: 15m
    mtpd: 24h
    depends_on: [DEP-GW]
    impacts:
      - category: financial
        after: 4h
        level: medium
        description: Late fees
      - category: regulatory
        after: 3d
        level: severe
people:
  - id: PER-LM
    name: Lena Mueller
evidence:
  - id: EV-BIA
    type: bia
";

/// `check --pack core --format json` on files written to a new directory: (exit code, report).
fn check_files(files: &[(&str, &str)]) -> (i32, Json) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let mut args = vec![
        "check",
        "--pack",
        "core",
        "--as-of",
        "2026-11-28",
        "--format",
        "json",
    ];
    args.extend(files.iter().map(|(name, _)| *name));
    let (code, stdout, stderr) = bcpcheck(dir.path(), &args);
    let report =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
    (code, report)
}

/// (policy, path, line, message) of each finding.
fn located(report: &Json) -> Vec<(String, String, i64, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["policy"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_i64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_valid_register_and_bia_load_and_no_plan_policy_applies_to_them() {
    let markdown_bia = format!("---\n{BIA}---\n\n# Business impact analysis\n");
    let (code, report) = check_files(&[
        ("register.yaml", REGISTER),
        ("bia.yaml", BIA),
        ("bia-report.md", &markdown_bia),
    ]);
    // The core pack's policies are for plans: the documents are checked (by the schema checks) and pass.
    assert_eq!(report["findings"], json!([]), "{report:#}");
    assert_eq!(report["errors"], json!([]), "{report:#}");
    assert_eq!(report["skipped"], json!([]), "{report:#}");
    assert_eq!(report["summary"]["files"], 3);
    assert_eq!(code, 0);
    let validator = validator_of("register");
    assert_eq!(
        errors(&validator, &plan_data_from_text(REGISTER)),
        Vec::<String>::new()
    );
    assert_eq!(
        errors(&validator_of("bia"), &plan_data_from_text(BIA)),
        Vec::<String>::new()
    );
}

#[test]
fn wrong_values_and_misspelt_keys_of_a_register_and_a_bia_are_found_at_their_line() {
    let register = REGISTER
        .replace(
            "      transition_period: 90d",
            "      transition_period: three months",
        )
        .replace("    status_channels:", "    status_chanels:");
    let bia = BIA
        .replace("        level: severe", "        level: critical")
        .replace("        after: 4h\n", "        afer: 4h\n");
    let (code, report) = check_files(&[("register.yaml", &register), ("bia.yaml", &bia)]);
    assert_eq!(code, 1);
    let found = located(&report);
    let files: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        ["bia.yaml", "bia.yaml", "register.yaml", "register.yaml"]
    );
    assert_eq!(
        found,
        [
            (
                "BCP-SCHEMA-002".to_string(),
                "processes[0].impacts[0].afer".to_string(),
                22,
                "unknown field `afer`; did you mean `after`?".to_string()
            ),
            (
                "BCP-SCHEMA-001".to_string(),
                "processes[0].impacts[1].level".to_string(),
                27,
                "`level` must be one of `low`, `medium`, `high`, `severe`, e.g. `level: high`; found `critical`"
                    .to_string()
            ),
            (
                "BCP-SCHEMA-002".to_string(),
                "providers[0].status_chanels".to_string(),
                17,
                "unknown field `status_chanels`; did you mean `status_channels`?".to_string()
            ),
            (
                "BCP-SCHEMA-001".to_string(),
                "providers[0].exit_strategy.transition_period".to_string(),
                20,
                "`transition_period` must be a duration: <number><unit> pairs, units w d h m s, such as 15m, 4h, \
                 1h50m, 365d, e.g. `transition_period: 4h`; found `three months`"
                    .to_string()
            ),
        ],
        "{report:#}"
    );
}

#[test]
fn the_plan_format_documents_every_field_of_the_register_and_the_bia() {
    let format = std::fs::read_to_string(root().join("docs/plan-format.md")).unwrap();
    let mut fields: Vec<String> = Vec::new();
    for kind in ["register", "bia"] {
        let schema = schema_of(kind);
        fields.extend(schema["properties"].as_object().unwrap().keys().cloned());
        fields.extend(
            schema["properties"]["metadata"]["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned(),
        );
    }
    let bia = schema_of("bia");
    fields.extend(
        bia["$defs"]["impact"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned(),
    );
    let plan = schema_of("plan");
    fields.extend(
        plan["$defs"]["delegation"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned(),
    );
    for field in fields {
        assert!(
            format.contains(&format!("`{field}`")),
            "docs/plan-format.md names `{field}`"
        );
    }
}

#[test]
fn a_policy_for_every_kind_may_read_a_field_that_only_the_bia_has() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bia.yaml"), BIA).unwrap();
    let policy = |field: &str| {
        format!(
            "id: TEAM-001\ntitle: Approved\nseverity: warning\nrule: has(doc.metadata.{field})\n"
        )
    };
    // `approved_by` is close to a plan's `approved_on`; a BIA has it, so it is no misspelling.
    std::fs::write(dir.path().join("team.yaml"), policy("approved_by")).unwrap();
    let args = [
        "check",
        "--no-default-packs",
        "--policy",
        "team.yaml",
        "bia.yaml",
    ];
    let (code, _, stderr) = bcpcheck(dir.path(), &args);
    assert_eq!(code, 0, "{stderr}");
    // Close to a field of every kind: misspelt.
    std::fs::write(dir.path().join("team.yaml"), policy("aproved_on")).unwrap();
    let (code, stdout, _) = bcpcheck(dir.path(), &args);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stdout.contains("team.yaml: unknown field `aproved_on`; did you mean `approved_on`?"),
        "{stdout}"
    );
}

/// Replaces every placeholder of the skeleton at `path` with its value in FILLED_IN; a
/// placeholder without one fails the test.
fn fill_in_file(path: &std::path::Path) {
    let filled = fill_in(&std::fs::read_to_string(path).unwrap());
    let unfilled: Vec<&str> = filled
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter(|l| l.contains("<insert") || l.contains("TODO"))
        .collect();
    assert!(
        unfilled.is_empty(),
        "placeholders of the skeleton without a value in FILLED_IN: {unfilled:#?}"
    );
    std::fs::write(path, filled).unwrap();
}
