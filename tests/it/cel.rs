//! CEL as policy authors know it: the libraries bcpcheck adds to standard CEL (sets, `cel.bind`,
//! math, type names, optionals, the Kubernetes list and regex functions, two-variable
//! comprehensions) in real policies run by `bcpcheck check`, and the load-time name check.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn fixtures() -> PathBuf {
    super::support::root().join("tests/fixtures/cel")
}

/// Runs `bcpcheck check --no-default-packs` in `dir`: exit code, stdout, stderr.
fn check(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("bcpcheck")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--no-default-packs"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn extension_libraries_work_in_real_policies() {
    let (code, stdout, stderr) = check(
        &fixtures(),
        &["--policy", "policies.yaml", "--format", "json", "plan.yaml"],
    );
    assert_eq!(code, 0, "warnings and info only: {stdout}{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    // The ten of the fixture and the two schema checks.
    assert_eq!(report["summary"]["policies"], 12);
    assert_eq!(report["summary"]["problems"], 0, "{stdout}");
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["policy"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    // Every *-PASS policy holds; each *-FAIL policy finds exactly what it is written to find.
    assert_eq!(
        found,
        [
            (
                "CEL-K8S-FAIL",
                "Processes are listed by recovery time (isSorted)"
            ),
            ("CEL-MATH-FAIL", "process P-REP recovers in 48h"),
            (
                "CEL-SETS-FAIL",
                "The plan is tagged with a region (sets.intersects)"
            ),
        ]
        .map(|(p, m)| (p.to_string(), m.to_string()))
    );
}

fn load_error(rule: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixtures().join("plan.yaml"), dir.path().join("plan.yaml")).unwrap();
    let policy = format!(
        "- id: CEL-LOAD\n  title: load check\n  severity: error\n  rule: {}\n",
        serde_json::to_string(rule).unwrap()
    );
    std::fs::write(dir.path().join("p.yaml"), policy).unwrap();
    let (code, stdout, stderr) = check(dir.path(), &["--policy", "p.yaml", "plan.yaml"]);
    if code == 0 {
        return String::new();
    }
    format!("exit {code}\n{stdout}{stderr}")
}

#[test]
fn type_names_and_library_namespaces_pass_the_load_check() {
    for rule in [
        "type(doc.metadata.id) == string && type(doc.processes) == list && type(1u) == uint",
        "type(doc) == map && type(null) == null_type && type(int) == type && type(dyn(1)) == int",
        "type(1.0) == double && type(true) == bool && type(b'') == bytes",
        "optional.none().orValue(1) == 1 && math.abs(-1) == 1 && strings.quote('a') == '\"a\"'",
        "base64.decode('b2s=') == b'ok' && lists.range(2) == [0, 1] && sets.equivalent([1], [1, 1])",
        "cel.bind(n, 2, n * n == 4) && cel.block([1, cel.index(0) + 1], cel.index(1) == 2)",
        "has(doc.metadata.`owner`) && {'content-type': 1}.`content-type` == 1",
        "{'a': 1}.transformMapEntry(k, v, {v: k}) == {1: 'a'} && [1, 2].exists(i, v, i == 1 && v == 2)",
    ] {
        assert_eq!(load_error(rule), "", "{rule}");
    }
}

#[test]
fn unknown_names_are_refused_with_the_closest_name() {
    let out = load_error("sefl.tier > 1");
    assert!(out.contains("exit 2"), "{out}");
    assert!(out.contains("unknown variable `sefl`"), "{out}");
    assert!(out.contains("did you mean `self`?"), "{out}");
    // `strng` is close to the type name `string`.
    let out = load_error("type(doc.metadata.id) == strng");
    assert!(out.contains("did you mean `string`?"), "{out}");
    // Nothing close: the list of variables only.
    let out = load_error("zzzzzz == 1");
    assert!(out.contains("unknown variable `zzzzzz`"), "{out}");
    assert!(!out.contains("did you mean"), "{out}");
    assert!(
        out.contains("expressions can read self, doc, file, now, params, variables"),
        "{out}"
    );
}

#[test]
fn library_misuse_is_a_policy_error_not_a_crash() {
    // An empty list has no minimum; a bad regex is reported; sets take lists.
    for (rule, says) in [
        ("[].min() == 0", "empty list"),
        ("'abc'.find('[') == ''", "regex"),
        ("sets.contains(1, [1])", "sets.contains"),
        (
            "{'a': 1, 'b': 1}.transformMapEntry(k, v, {v: k}).size() == 1",
            "already exists",
        ),
    ] {
        let out = load_error(rule);
        assert!(out.contains("exit 2"), "{rule}: {out}");
        assert!(
            out.to_lowercase().contains(&says.to_lowercase()),
            "{rule}: {out}"
        );
    }
}
