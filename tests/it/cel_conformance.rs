//! The cel-spec conformance runner: the simple tests that need no protobuf messages and no type
//! checker, run through the path a policy takes (compile with the policy runtime, check the names
//! read as policy loading does, bind, evaluate), with the expected value or error compared.
//!
//! The tests come from the npm package `@bufbuild/cel-spec`; `.ci/cel-conformance.sh` installs
//! the pinned version and sets `CEL_CONFORMANCE_TESTS` to the extracted JSON. Without that
//! variable this test only checks the known-failures list. It fails when a test outside
//! `tests/conformance/known-failures.txt` fails, or when a listed test passes (the list only
//! shrinks).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use bcpcheck::document::{Node, Span};
use bcpcheck::expression::{
    Bindings, Data, DocumentBindings, FileFacts, RunScope, Runtime, Variables, ROOT_VARIABLES,
};
use serde_json::Value as Json;

fn known_failures() -> BTreeMap<String, String> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/known-failures.txt");
    let text = std::fs::read_to_string(path).expect("known-failures.txt");
    let mut known = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, reason) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        assert!(
            !reason.trim().is_empty(),
            "known failure without a reason: {name}"
        );
        assert!(
            known
                .insert(name.to_string(), reason.trim().to_string())
                .is_none(),
            "listed twice: {name}"
        );
    }
    known
}

/// The outcome of one test: `Ok` when it passed, else what happened.
fn run(runtime: &Runtime, data: &Data, test: &Json) -> Result<(), String> {
    let expr = test["expr"].as_str().unwrap_or_default();
    let mut bindings = Bindings::default();
    let mut names: BTreeSet<&str> = ROOT_VARIABLES.iter().copied().collect();
    for (name, value) in test["bindings"].as_object().into_iter().flatten() {
        bindings
            .insert_json(name, value)
            .map_err(|e| format!("binding {name}: {e}"))?;
        names.insert(name);
    }
    let outcome = match runtime.compile(expr) {
        Err(e) => Err(format!("compile: {}", e.message)),
        Ok(compiled) => match compiled
            .free
            .iter()
            .find(|(n, _)| !names.contains(n.as_str()))
        {
            Some((name, _)) => Err(format!("unknown variable `{name}`")),
            None => {
                let run = RunScope::empty();
                let scope = runtime.document_scope(DocumentBindings {
                    doc: data,
                    file: FileFacts {
                        path: "plan.yaml".into(),
                        name: "plan.yaml".into(),
                        ext: "yaml".into(),
                        kind: "plan".into(),
                    },
                    now: chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap(),
                    trace_now: false,
                    params: data,
                    run: &run,
                    plan_dir: PathBuf::from("."),
                    root_dir: PathBuf::from("."),
                });
                let none = Variables::default();
                let root = scope.at(&[]).unwrap_or_else(|| unreachable!());
                let result = scope
                    .enter(root, &none)
                    .with_bindings(&bindings)
                    .eval_json(&compiled);
                result.map_err(|e| format!("{e:?}"))
            }
        },
    };
    match (
        &test["value"],
        test["error"].as_bool().unwrap_or(false),
        outcome,
    ) {
        (_, true, Err(_)) => Ok(()),
        (_, true, Ok(got)) => Err(format!("expected an error, got {got}")),
        (want, false, Ok(got)) if same(want, &got) => Ok(()),
        (want, false, Ok(got)) => Err(format!("expected {want}, got {got}")),
        (_, false, Err(e)) => Err(e),
    }
}

/// Equal JSON forms of `cel.expr.Value`: map entries in any order, NaN equal to NaN, numbers
/// as text or number.
fn same(a: &Json, b: &Json) -> bool {
    let (Some((ka, va)), Some((kb, vb))) = (
        a.as_object().and_then(|o| o.iter().next()),
        b.as_object().and_then(|o| o.iter().next()),
    ) else {
        return a == b;
    };
    if ka != kb {
        return false;
    }
    let text = |v: &Json| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    };
    match ka.as_str() {
        "doubleValue" => {
            let num = |v: &Json| match v {
                Json::String(s) => match s.as_str() {
                    "NaN" => f64::NAN,
                    "Infinity" => f64::INFINITY,
                    "-Infinity" => f64::NEG_INFINITY,
                    s => s.parse().unwrap_or(f64::NAN),
                },
                v => v.as_f64().unwrap_or(f64::NAN),
            };
            let (x, y) = (num(va), num(vb));
            x == y || (x.is_nan() && y.is_nan())
        }
        "int64Value" | "uint64Value" => text(va) == text(vb),
        "nullValue" => true,
        "listValue" => {
            let items = |v: &Json| v["values"].as_array().cloned().unwrap_or_default();
            let (x, y) = (items(va), items(vb));
            x.len() == y.len() && x.iter().zip(&y).all(|(p, q)| same(p, q))
        }
        "mapValue" => {
            let entries = |v: &Json| v["entries"].as_array().cloned().unwrap_or_default();
            let (x, y) = (entries(va), entries(vb));
            x.len() == y.len()
                && x.iter().all(|e| {
                    y.iter()
                        .any(|f| same(&e["key"], &f["key"]) && same(&e["value"], &f["value"]))
                })
        }
        _ => va == vb,
    }
}

#[test]
fn cel_spec_simple_tests() {
    let known = known_failures();
    let Ok(path) = std::env::var("CEL_CONFORMANCE_TESTS") else {
        eprintln!("CEL_CONFORMANCE_TESTS is not set: run .ci/cel-conformance.sh for the conformance suite");
        return;
    };
    let tests: Vec<Json> =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("test file"))
            .expect("JSON test list");
    let runtime = Runtime::new();
    let data = Data::from_node(&Node::record(Span::new(0, 0), Vec::new()));
    let mut suites: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut unexpected = Vec::new();
    let mut seen = BTreeSet::new();
    let mut passed = 0;
    for test in &tests {
        let suite = test["suite"].as_str().unwrap_or_default().to_string();
        let id = format!("{suite}/{}", test["name"].as_str().unwrap_or_default());
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&runtime, &data, test)))
                .unwrap_or_else(|_| Err("panicked".into()));
        let counts = suites.entry(suite).or_default();
        counts.1 += 1;
        seen.insert(id.clone());
        match (result, known.contains_key(&id)) {
            (Ok(()), false) => {
                counts.0 += 1;
                passed += 1;
            }
            (Ok(()), true) => {
                counts.0 += 1;
                passed += 1;
                unexpected.push(format!(
                    "{id}: passes now; remove it from known-failures.txt"
                ));
            }
            (Err(_), true) => {}
            (Err(e), false) => unexpected.push(format!("{id}: {} => {e}", test["expr"])),
        }
    }
    for (suite, (ok, total)) in &suites {
        println!("{suite:<40} {ok:>4} / {total:<4}");
    }
    let percent = passed as f64 * 100.0 / tests.len().max(1) as f64;
    println!(
        "total: {passed} of {} in-scope tests pass ({percent:.1}%)",
        tests.len()
    );
    for id in known.keys().filter(|id| !seen.contains(*id)) {
        unexpected.push(format!(
            "{id}: listed in known-failures.txt but not in the suite"
        ));
    }
    if std::env::var_os("CEL_CONFORMANCE_LIST").is_some() {
        for line in &unexpected {
            println!("{line}");
        }
    }
    assert!(
        unexpected.is_empty(),
        "{} unexpected results:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert!(percent >= 95.0, "conformance fell below 95%: {percent:.1}%");
}

#[test]
fn results_compare_as_cel_values_not_as_json_text() {
    use serde_json::json;
    assert!(same(
        &json!({"doubleValue": "NaN"}),
        &json!({"doubleValue": "NaN"})
    ));
    assert!(same(
        &json!({"doubleValue": 1}),
        &json!({"doubleValue": 1.0})
    ));
    assert!(same(&json!({"int64Value": "5"}), &json!({"int64Value": 5})));
    assert!(!same(
        &json!({"int64Value": "5"}),
        &json!({"uint64Value": "5"})
    ));
    let entry = |k: &str, v: i64| json!({"key": {"stringValue": k}, "value": {"int64Value": v.to_string()}});
    assert!(same(
        &json!({"mapValue": {"entries": [entry("a", 1), entry("b", 2)]}}),
        &json!({"mapValue": {"entries": [entry("b", 2), entry("a", 1)]}}),
    ));
    assert!(!same(
        &json!({"listValue": {"values": [{"int64Value": "1"}]}}),
        &json!({"listValue": {"values": []}}),
    ));
}

#[test]
fn a_run_compares_the_expected_value_or_error() {
    let runtime = Runtime::new();
    let data = Data::from_node(&Node::record(Span::new(0, 0), Vec::new()));
    let test =
        |expr: &str, value: Json, error: bool| json_test(expr, value, error, serde_json::json!({}));
    assert_eq!(
        run(
            &runtime,
            &data,
            &test("1 + 1", serde_json::json!({"int64Value": "2"}), false)
        ),
        Ok(())
    );
    assert!(run(
        &runtime,
        &data,
        &test("1 + 1", serde_json::json!({"int64Value": "3"}), false)
    )
    .is_err());
    assert_eq!(
        run(&runtime, &data, &test("1 / 0", Json::Null, true)),
        Ok(())
    );
    assert!(run(&runtime, &data, &test("1", Json::Null, true)).is_err());
    // A test binding reads like a policy variable; an unbound name is refused as at policy load.
    let bound = json_test(
        "x + 1",
        serde_json::json!({"int64Value": "2"}),
        false,
        serde_json::json!({"x": {"int64Value": "1"}}),
    );
    assert_eq!(run(&runtime, &data, &bound), Ok(()));
    let unbound = run(
        &runtime,
        &data,
        &test("y", serde_json::json!({"boolValue": true}), false),
    );
    assert_eq!(unbound, Err("unknown variable `y`".into()));
    // Every listed failure has a reason (checked when the list is read).
    assert!(!known_failures().is_empty());
}

fn json_test(expr: &str, value: Json, error: bool, bindings: Json) -> Json {
    serde_json::json!({"suite": "t", "name": "t", "expr": expr, "value": value, "error": error, "bindings": bindings})
}
