//! Outputs cannot be injected: plan text reaches no terminal escape into the human report, and
//! cannot break the JSON one.

use super::repo::Repo;

/// Escape sequences a hostile plan could try: set the window title, clear the screen, move the
/// cursor, colour, a lone carriage return, a bell, a C1 CSI and a bidirectional override.
const NASTY: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[1;1H\u{1b}[32m0 errors\u{1b}[0m\roverwritten\u{9b}31m\u{202e}txet";

fn hostile_repo() -> Repo {
    let repo = Repo::new();
    // Through YAML escapes in a value, a raw escape in a comment, and the file name itself.
    let yaml_escaped = serde_json::to_string(NASTY).unwrap();
    repo.write(
        "plans/evil.yaml",
        format!(
            "apiVersion: bcp/v1\nkind: ContinuityPlan\n# raw: \u{1b}[2J\u{1b}]0;title\u{7}\nmetadata:\n  id: {yaml_escaped}\n  title: x\nprocesses:\n  - {{id: {yaml_escaped}, tier: 3}}\n"
        ),
    );
    repo.write(
        "plans/\u{1b}[31mred.yaml",
        "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: X}\n",
    );
    repo.write(
        "plans/broken\u{7}.yaml",
        "apiVersion: bcp/v1\na: [\u{1b}[2J\n",
    );
    repo.write(
        "policy.yaml",
        format!(
            "{}- id: T-MSG-001\n  title: \"title \\e[31m\"\n  severity: error\n  help: \"help \\e]0;x\\a\"\n  url: \"https://x.example/\\e[5m\"\n  select: processes[*]\n  rule: self.tier < 3\n  messageExpression: \"'process ' + self.id + ' has tier ' + string(self.tier)\"\n",
            super::repo::POLICIES
        ),
    );
    repo
}

fn assert_no_escapes(text: &str) {
    for bad in ['\u{1b}', '\u{7}', '\r', '\u{9b}', '\u{202e}'] {
        assert!(!text.contains(bad), "{bad:?} reached the output:\n{text}");
    }
}

#[test]
fn plan_text_cannot_inject_terminal_escapes_into_the_human_report() {
    let repo = hostile_repo();
    let run = repo.check_with(&["--color", "never", "plans"]);
    run.assert_clean(20, 200);
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(
        run.stdout.contains("process"),
        "the finding is there: {}",
        run.stdout
    );
    assert_no_escapes(&run.stdout);
    assert_no_escapes(&run.stderr);
    // With colour on, bcpcheck's own colours are the only escapes: SGR sequences.
    let run = repo.check_with(&["--color", "always", "plans"]);
    for bad in [
        "\u{1b}]",
        "\u{1b}[2J",
        "\u{1b}[1;1H",
        "\u{7}",
        "\r",
        "\u{9b}",
        "\u{202e}",
        "\u{1b}[5m",
    ] {
        assert!(!run.stdout.contains(bad), "{bad:?} reached the output");
    }
}

#[test]
fn plan_text_cannot_break_the_json_report() {
    let repo = hostile_repo();
    let run = repo.check(&[]);
    run.assert_clean(20, 200);
    let json = run.json();
    let messages: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["policy"] == "T-MSG-001")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 1, "{json}");
    assert!(
        messages[0].starts_with("process \u{fffd}]0;pwned\u{fffd}"),
        "{}",
        messages[0]
    );
    assert_no_escapes(&run.stdout);
    assert_no_escapes(&run.stderr);
    // File names with control characters are shown with them replaced.
    assert!(
        run.stdout.contains("plans/\u{fffd}[31mred.yaml"),
        "{}",
        run.stdout
    );
}

#[test]
fn diagnostics_on_standard_error_are_clean_too() {
    let repo = hostile_repo();
    let run = repo.check_with(&["--format", "json", "--color", "always", "plans"]);
    for bad in ["\u{1b}]", "\u{1b}[2J", "\u{7}", "\r", "\u{9b}", "\u{202e}"] {
        assert!(
            !run.stderr.contains(bad),
            "{bad:?} reached standard error:\n{}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("broken"), "{}", run.stderr);
}
