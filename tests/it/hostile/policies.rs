//! Hostile policies: expressions that never end in practice, build huge values or nest deeply
//! are bounded by the evaluation budget or refused when compiled; no function reads outside the
//! repository.

use super::repo::{Repo, POLICIES};

/// A list literal `[0, 1, ..., n-1]`.
fn list(n: usize) -> String {
    let items: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    format!("[{}]", items.join(","))
}

fn with_policy(repo: &Repo, policy: &str) {
    repo.write("policy.yaml", format!("{POLICIES}{policy}"));
}

#[test]
fn an_evaluation_that_never_ends_is_stopped_by_the_budget() {
    let repo = Repo::new();
    let l = list(200);
    // 200^4 = 1.6 billion iterations: hours.
    with_policy(
        &repo,
        &format!(
            "- id: H-LOOP-001\n  title: never ends\n  severity: error\n  rule: \"{l}.all(a, {l}.all(b, {l}.all(c, {l}.all(d, a + b + c + d >= 0))))\"\n"
        ),
    );
    let run = repo.check(&["--max-eval-ms", "200"]);
    run.assert_clean(15, 500);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let errors = run.errors_about("plans/good.yaml");
    assert!(
        errors.iter().any(|m| m.starts_with(
            "H-LOOP-001: evaluation took longer than the budget of 200 ms on plans/good.yaml"
        )),
        "{errors:?}"
    );
    // The other policies still ran on the same file.
    run.assert_good_plan_checked();
    let error = run.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "bcpcheck::engine::budget")
        .cloned()
        .unwrap();
    assert_eq!(
        error["file"], "policy.yaml",
        "the diagnostic points at the expression"
    );
}

#[test]
fn the_budget_stops_a_policy_for_every_file_after_the_first() {
    let repo = Repo::new();
    for i in 0..6 {
        repo.write(&format!("plans/p{i}.yaml"), super::repo::GOOD_PLAN);
    }
    let l = list(300);
    with_policy(
        &repo,
        &format!("- id: H-LOOP-002\n  title: slow\n  severity: error\n  rule: \"{l}.all(a, {l}.all(b, {l}.all(c, a != -1)))\"\n"),
    );
    let run = repo.check(&["--max-eval-ms", "150", "--report", "markdown=evidence.md"]);
    run.assert_clean(15, 500);
    // The evidence report does not pass the stopped policy off as not applicable.
    let evidence = std::fs::read_to_string(repo.join("evidence.md")).unwrap();
    let rows: Vec<&str> = evidence
        .lines()
        .filter(|l| l.starts_with("| H-LOOP-002 "))
        .collect();
    assert_eq!(rows.len(), 7, "good.yaml and the six copies: {evidence}");
    assert!(
        rows.iter().all(|r| r.contains("**not evaluated**")),
        "{rows:#?}"
    );
    let json = run.json();
    let overruns = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["code"] == "bcpcheck::engine::budget")
        .count();
    // One per worker thread at most: once stopped, the policy is not evaluated again.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!((1..=workers).contains(&overruns), "{overruns} overruns");
    for i in 0..6 {
        assert!(run
            .findings_in(&format!("plans/p{i}.yaml"))
            .iter()
            .any(|f| f.0 == "T-OWNER-001"));
    }
}

#[test]
fn huge_string_building_is_bounded() {
    let repo = Repo::new();
    let sixteen = list(16);
    let mut variables =
        String::from("    - {name: v0, expression: \"'0123456789abcdef0123456789abcdef'\"}\n");
    for i in 1..10 {
        variables.push_str(&format!(
            "    - {{name: v{i}, expression: \"{sixteen}.map(x, variables.v{}).join()\"}}\n",
            i - 1
        ));
    }
    // 32 bytes * 16^9: over two terabytes, in one `join` at the end.
    with_policy(
        &repo,
        &format!("- id: H-STRING-001\n  title: huge\n  severity: error\n  variables:\n{variables}  rule: size(variables.v9) > 0\n"),
    );
    let run = repo.check(&["--max-eval-ms", "500", "--max-memory", "300000000"]);
    run.assert_clean(20, 700);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let messages: Vec<String> = run.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("H-STRING-001")),
        "{messages:?}"
    );
}

#[test]
fn a_run_past_its_memory_budget_stops_cleanly() {
    let repo = Repo::new();
    let sixteen = list(16);
    let hundred = list(100);
    // A 32 MiB string, then a hundred fresh copies of it, each allocation under the budget.
    let mut variables =
        String::from("    - {name: v0, expression: \"'0123456789abcdef0123456789abcdef'\"}\n");
    for i in 1..6 {
        variables.push_str(&format!(
            "    - {{name: v{i}, expression: \"{sixteen}.map(x, variables.v{}).join()\"}}\n",
            i - 1
        ));
    }
    variables.push_str(&format!(
        "    - {{name: copies, expression: \"{hundred}.map(x, variables.v5 + string(x))\"}}\n"
    ));
    with_policy(
        &repo,
        &format!("- id: H-MEMORY-001\n  title: grows\n  severity: error\n  variables:\n{variables}  rule: size(variables.copies) > 0\n"),
    );
    let run = repo.check(&["--max-eval-ms", "20000", "--max-memory", "300000000"]);
    run.assert_clean(20, 1200);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let errors = run.errors_about("plans/good.yaml");
    assert!(
        errors.iter().any(|m| m
            .contains("not checked: the run stopped when memory in use reached")
            && m.contains("over the budget of 286 MiB, while evaluating H-MEMORY-001")),
        "{errors:?}"
    );
}

#[test]
fn deep_and_long_expressions_are_refused_when_compiled() {
    let repo = Repo::new();
    let chain = format!("1{}", " + 1".repeat(900));
    let parens = format!("{}true{}", "(".repeat(2000), ")".repeat(2000));
    let long = format!("'{}' != ''", "x".repeat(5000));
    with_policy(
        &repo,
        &format!(
            "- id: H-DEEP-001\n  title: deep\n  severity: error\n  rule: \"{chain} > 0\"\n- id: H-DEEP-002\n  title: parens\n  severity: error\n  rule: \"{parens}\"\n- id: H-LONG-001\n  title: long\n  severity: error\n  rule: \"{long}\"\n"
        ),
    );
    let run = repo.check(&[]);
    run.assert_clean(20, 300);
    assert_eq!(run.code, Some(2));
    let messages = run.stdout.clone();
    assert!(
        messages.contains("the expression nests deeper than 100 levels"),
        "{messages}"
    );
    assert!(
        messages.contains("nest deeper than 96 levels"),
        "{messages}"
    );
    assert!(
        messages.contains("the expression is longer than 4096 characters"),
        "{messages}"
    );
    // The valid policies still ran.
    run.assert_good_plan_checked();
}

#[cfg(unix)]
#[test]
fn file_exists_cannot_see_outside_the_repository() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "x").unwrap();
    let repo = Repo::new();
    repo.write("plans/evidence.pdf", "x");
    symlink(
        outside.path().join("secret.txt"),
        repo.join("plans/link.txt"),
    )
    .unwrap();
    symlink(outside.path(), repo.join("plans/out")).unwrap();
    let escape = outside.path().join("secret.txt");
    let depth = repo.path().components().count();
    let dotdot = format!("{}{}", "../".repeat(depth + 2), escape.display());
    let probes = [
        ("evidence.pdf", true),
        ("./evidence.pdf", true),
        ("../plans/evidence.pdf", true),
        ("link.txt", false),
        ("out/secret.txt", false),
        (escape.to_str().unwrap(), false),
        (&dotdot, false),
        ("/etc/passwd", false),
        ("../../../../../../../../etc/passwd", false),
        ("evidence.pdf\u{0}/x", false),
    ];
    let mut policies = String::new();
    for (i, (path, _)) in probes.iter().enumerate() {
        let quoted = serde_json::to_string(path).unwrap();
        policies.push_str(&format!(
            "- id: H-FILE-{i:03}\n  title: probe\n  severity: info\n  rule: {}\n",
            serde_json::to_string(&format!("!fileExists({quoted})")).unwrap()
        ));
    }
    with_policy(&repo, &policies);
    let run = repo.check(&["--fail-on", "never"]);
    run.assert_clean(20, 300);
    let found = run.findings_in("plans/good.yaml");
    for (i, (path, exists)) in probes.iter().enumerate() {
        let id = format!("H-FILE-{i:03}");
        // The rule `!fileExists(p)` fails exactly when the function says the file exists.
        assert_eq!(
            found.iter().any(|f| f.0 == id),
            *exists,
            "fileExists({path:?})"
        );
    }
}

#[test]
fn a_policy_that_never_ends_fails_its_fixture_instead_of_hanging_the_test_runner() {
    let repo = Repo::new();
    let l = list(200);
    repo.write(
        "team/H-LOOP-003.yaml",
        format!("id: H-LOOP-003\ntitle: never ends\nseverity: error\nrule: \"{l}.all(a, {l}.all(b, {l}.all(c, {l}.all(d, a + b + c + d >= 0))))\"\n"),
    );
    repo.write("team/tests/plan.yaml", super::repo::GOOD_PLAN);
    repo.write(
        "team/tests/bcptest.yaml",
        "asOf: 2026-11-28\ncases:\n  - {name: loops, plan: plan.yaml, expect: []}\n",
    );
    let run = repo.run(&["test", "team"]);
    run.assert_clean(15, 500);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("H-LOOP-003: evaluation took longer than the budget of 1000 ms"),
        "{}",
        run.stdout
    );
}
