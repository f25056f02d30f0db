//! Hostile plan files: each gives a clean diagnostic and exit code 2 (or a correct verdict), never
//! a panic, a hang or runaway memory, and the other file of the run is still checked.

use super::repo::Repo;

/// Writes `contents` at `plans/<name>`, runs a check, and asserts the run was clean and still
/// checked `plans/good.yaml`.
fn check_one(name: &str, contents: impl AsRef<[u8]>) -> super::repo::Run {
    let repo = Repo::new();
    repo.write(&format!("plans/{name}"), contents);
    let run = repo.check(&[]);
    run.assert_clean(20, 200);
    run.assert_good_plan_checked();
    run
}

/// Asserts exit code 2 and an error about `plans/<name>` that says `what`.
fn assert_refused(run: &super::repo::Run, name: &str, what: &str) {
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let file = format!("plans/{name}");
    let errors = run.errors_about(&file);
    assert!(
        errors.iter().any(|m| m.contains(what)),
        "no error saying {what:?} about {file}: {errors:?}"
    );
}

#[test]
fn billion_laughs_is_refused() {
    let mut text = String::from(
        "apiVersion: bcp/v1\nkind: ContinuityPlan\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let run = check_one("laughs.yaml", text);
    assert_refused(&run, "laughs.yaml", "aliases expand to more than");
}

#[test]
fn ten_thousand_deep_block_nesting_is_refused() {
    let text = format!(
        "apiVersion: bcp/v1\nkind: ContinuityPlan\ndeep:\n{}x\n",
        "- ".repeat(10_000)
    );
    let run = check_one("deep-block.yaml", text);
    assert_refused(&run, "deep-block.yaml", "nest deeper than 200 levels");
}

#[test]
fn ten_thousand_deep_flow_nesting_is_refused() {
    for (name, open, close) in [("deep-seq.yaml", "[", "]"), ("deep-map.yaml", "{a: ", "}")] {
        let text = format!(
            "apiVersion: bcp/v1\ndeep: {}1{}\n",
            open.repeat(10_000),
            close.repeat(10_000)
        );
        let run = check_one(name, text);
        assert_refused(&run, name, "nest deeper than 200 levels");
    }
}

#[test]
fn deep_nesting_in_markdown_front_matter_is_refused() {
    let text = format!(
        "---\nkind: ContinuityPlan\ndeep: {}1{}\n---\n# Plan\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let run = check_one("deep.md", text);
    assert_refused(&run, "deep.md", "nest deeper than 200 levels");
}

#[test]
fn a_200_mb_file_is_refused_before_it_is_read() {
    let repo = Repo::new();
    // A sparse file: 200 MB long, no disk used, instant to make.
    let path = repo.join("plans/huge.yaml");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(200 * 1024 * 1024).unwrap();
    drop(file);
    let run = repo.check(&[]);
    run.assert_clean(5, 100);
    run.assert_good_plan_checked();
    assert_refused(
        &run,
        "huge.yaml",
        "file too large (209715200 bytes; the limit is 16777216)",
    );
    // The limit is configurable.
    let run = repo.check(&["--max-file-size", "1000"]);
    assert_refused(&run, "huge.yaml", "the limit is 1000");
}

#[test]
fn invalid_utf8_is_refused_at_the_first_bad_byte() {
    let run = check_one(
        "latin1.yaml",
        b"apiVersion: bcp/v1\nkind: ContinuityPlan\nowner: M\xfcller\n",
    );
    assert_refused(&run, "latin1.yaml", "not UTF-8 text");
    let error = &run.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == "plans/latin1.yaml")
        .cloned()
        .unwrap();
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(3), Some(9))
    );
}

fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut bytes = if little_endian {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for unit in text.encode_utf16() {
        bytes.extend(if little_endian {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        });
    }
    bytes
}

#[test]
fn utf16_with_a_byte_order_mark_is_decoded() {
    // Decoded, not refused (README, "Security model"): findings point at the decoded text.
    let plan = "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata:\n  id: BCP-U\n  owner: TBD\n  title: Ü\n";
    for (name, le) in [("utf16le.yaml", true), ("utf16be.yaml", false)] {
        let run = check_one(name, utf16(plan, le));
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        assert_eq!(
            run.findings_in(&format!("plans/{name}")),
            [("T-FILLER-001".to_string(), 5, 10)]
        );
    }
    // Without a byte-order mark, UTF-16 is a binary file.
    let mut bare = utf16(plan, true);
    bare.drain(..2);
    let run = check_one("bare16.yaml", bare);
    assert_refused(&run, "bare16.yaml", "a binary file, not text");
}

#[test]
fn a_utf8_byte_order_mark_does_not_shift_columns() {
    let run = check_one(
        "bom.yaml",
        "\u{feff}apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: X, owner: TBD}\n",
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.findings_in("plans/bom.yaml"),
        [("T-FILLER-001".to_string(), 3, 26)]
    );
}

#[test]
fn crlf_line_endings_keep_spans_right() {
    let text = "apiVersion: bcp/v1\r\nkind: ContinuityPlan\r\n# comment\r\nmetadata:\r\n  id: BCP-CRLF\r\n  owner: TBD\r\nprocesses:\r\n  - {id: P1, tier: 3}\r\n";
    let run = check_one("crlf.yaml", text);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let mut findings = run.findings_in("plans/crlf.yaml");
    findings.sort();
    assert_eq!(
        findings,
        [
            ("T-FILLER-001".to_string(), 6, 10),
            ("T-TIER-001".to_string(), 8, 20)
        ]
    );
    // The human report shows the same place.
    let repo = Repo::new();
    repo.write("plans/crlf.yaml", text);
    let human = repo.check_with(&["plans/crlf.yaml"]);
    assert!(
        human.stdout.contains("[plans/crlf.yaml:6:10]"),
        "{}",
        human.stdout
    );
}

#[test]
fn tabs_indenting_yaml_are_refused_and_tabs_in_values_are_text() {
    let run = check_one(
        "tabs.yaml",
        "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata:\n\tid: X\n",
    );
    assert_refused(&run, "tabs.yaml", "invalid YAML");
    let run = check_one(
        "tab-value.yaml",
        "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: X,\towner: PER-1, title: \"a\tb\"}\n",
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.findings_in("plans/tab-value.yaml").is_empty());
}

#[test]
fn a_binary_file_named_yaml_is_refused() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..4096u32).map(|i| (i * 7919 % 251) as u8));
    let run = check_one("image.yaml", png);
    assert_refused(
        &run,
        "image.yaml",
        "a binary file, not text (NUL byte at offset 8)",
    );
    // Binary without NUL bytes is not UTF-8.
    let run = check_one("noise.yaml", [0xC3u8, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1]);
    assert_refused(&run, "noise.yaml", "not UTF-8 text");
}

#[test]
fn empty_and_comment_only_files_are_refused() {
    for (name, text) in [
        ("empty.yaml", ""),
        ("blank.yaml", "\n\n  \n"),
        ("comments.yaml", "# nothing\n# here\n"),
    ] {
        let run = check_one(name, text);
        assert_refused(&run, name, "empty file: no YAML document");
    }
}

#[test]
fn huge_integers_and_special_floats_give_verdicts() {
    // Beyond 64 bits an integer is kept as a float: 1e20 is not a whole number; NaN and the
    // infinities are no tiers either. Each is one schema finding; no policy reports again.
    let run = check_one(
        "numbers.yaml",
        "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: X, owner: PER-1}\nprocesses:\n  - {id: A, tier: 99999999999999999999}\n  - {id: B, tier: .nan}\n  - {id: C, tier: .inf}\n  - {id: D, tier: -.inf}\n  - {id: E, tier: 0x7fffffffffffffff}\n  - {id: F, tier: 2}\n",
    );
    let findings = run.findings_in("plans/numbers.yaml");
    let lines: Vec<u64> = findings.iter().map(|(_, line, _)| *line).collect();
    assert_eq!(lines, [5, 6, 7, 8, 9], "{findings:?}\n{}", run.stderr);
    assert!(findings
        .iter()
        .all(|(policy, _, _)| policy == "BCP-SCHEMA-001"));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(run.json()["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn keys_that_are_not_text() {
    // Numbers, booleans and null as keys are read as their text.
    let run = check_one(
        "keys.yaml",
        "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: X, owner: PER-1, 1: one, true: yes, 2.5: x}\n",
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    // A mapping, a list or an alias as a key is refused.
    for (name, key) in [
        ("map-key.yaml", "? {a: 1}\n: x\n"),
        ("seq-key.yaml", "[a, b]: x\n"),
        ("alias-key.yaml", "a: &k x\n*k : y\n"),
    ] {
        let run = check_one(
            name,
            format!("apiVersion: bcp/v1\nkind: ContinuityPlan\n{key}"),
        );
        assert_refused(&run, name, "mapping keys must be plain values");
    }
}

#[test]
fn duplicate_keys_are_refused_pointing_at_both() {
    let run = check_one(
        "dup.yaml",
        "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: X}\nmetadata: {id: Y}\n",
    );
    assert_refused(&run, "dup.yaml", "duplicate key `metadata`");
    let repo = Repo::new();
    repo.write(
        "plans/dup.yaml",
        "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: X}\nmetadata: {id: Y}\n",
    );
    let human = repo.check_with(&["plans/dup.yaml"]);
    assert!(
        human.stderr.contains("first defined here") || human.stdout.contains("first defined here"),
        "{}",
        human.stdout
    );
}

#[cfg(unix)]
#[test]
fn symbolic_link_loops_and_broken_links_are_refused() {
    use std::os::unix::fs::symlink;
    let repo = Repo::new();
    symlink("b.yaml", repo.join("plans/a.yaml")).unwrap();
    symlink("a.yaml", repo.join("plans/b.yaml")).unwrap();
    symlink("nowhere.yaml", repo.join("plans/broken.yaml")).unwrap();
    symlink(".", repo.join("plans/self")).unwrap();
    let run = repo.check(&[]);
    run.assert_clean(20, 200);
    run.assert_good_plan_checked();
    assert_refused(&run, "a.yaml", "symbolic link loop");
    assert_refused(&run, "b.yaml", "symbolic link loop");
    assert_refused(
        &run,
        "broken.yaml",
        "broken symbolic link (to nowhere.yaml)",
    );
    // Named on the command line, the same.
    let run = repo.check_with(&["--format", "json", "plans/a.yaml", "plans/good.yaml"]);
    assert_refused(&run, "a.yaml", "symbolic link loop");
    run.assert_good_plan_checked();
}

#[cfg(unix)]
#[test]
fn symbolic_links_leaving_the_repository_are_not_followed() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.yaml");
    std::fs::write(
        &secret,
        "apiVersion: bcp/v1\nkind: ContinuityPlan\ntoken: SECRET-d41d8cd9\n: broken\n",
    )
    .unwrap();
    let repo = Repo::new();
    symlink(&secret, repo.join("plans/evil.yaml")).unwrap();
    symlink(outside.path(), repo.join("plans/outside-dir")).unwrap();
    let inside = repo.write(
        "docs/real.yaml",
        "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: L, owner: TBD}\n",
    );
    symlink(&inside, repo.join("plans/link-inside.yaml")).unwrap();
    for args in [
        vec!["plans"],
        vec![
            "plans/evil.yaml",
            "plans/good.yaml",
            "plans/link-inside.yaml",
        ],
    ] {
        let mut all = vec!["--format", "json"];
        all.extend(args);
        let run = repo.check_with(&all);
        run.assert_clean(20, 200);
        run.assert_good_plan_checked();
        assert_refused(
            &run,
            "evil.yaml",
            "a symbolic link leads outside the repository",
        );
        assert!(
            !run.stdout.contains("SECRET") && !run.stderr.contains("SECRET"),
            "the target was quoted"
        );
        // A link that stays inside the repository is followed.
        assert_eq!(
            run.findings_in("plans/link-inside.yaml").len(),
            1,
            "{}",
            run.stdout
        );
    }
    // The same holds for policy files.
    let policy_secret = outside.path().join("policy.yaml");
    std::fs::write(&policy_secret, "- id: SECRET-POLICY\n  title: [unclosed\n").unwrap();
    symlink(&policy_secret, repo.join("evil-policy.yaml")).unwrap();
    let run = repo.run(&[
        "check",
        "--no-default-packs",
        "--policy",
        "evil-policy.yaml",
        "--format",
        "json",
        "plans/good.yaml",
    ]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stdout.contains("leads outside the repository"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("SECRET") && !run.stderr.contains("SECRET"));
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let repo = Repo::new();
    let fifo = repo.join("plans/pipe.yaml");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo reads a NUL-terminated path owned here.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
    let run = repo.check(&[]);
    run.assert_clean(10, 200);
    run.assert_good_plan_checked();
    assert_refused(
        &run,
        "pipe.yaml",
        "not a regular file (a named pipe (FIFO))",
    );
    // Named explicitly, too.
    let run = repo.check_with(&["--format", "json", "plans/pipe.yaml", "plans/good.yaml"]);
    run.assert_clean(10, 200);
    assert_refused(&run, "pipe.yaml", "named pipe");
}

#[test]
fn a_file_that_disappears_after_discovery_is_reported() {
    let repo = Repo::new();
    let doomed = repo.write(
        "plans/doomed.yaml",
        "apiVersion: bcp/v1\nkind: ContinuityPlan\n",
    );
    use clap::Parser;
    let cli = bcpcheck::cli::Cli::try_parse_from([
        "bcpcheck",
        "check",
        "plans",
        "--policy",
        "policy.yaml",
        "--no-default-packs",
    ])
    .unwrap();
    let bcpcheck::cli::Command::Check(args) = cli.command else {
        unreachable!("a check command")
    };
    let config = bcpcheck::config::Config::default();
    let settings = bcpcheck::commands::check::settings(&args, &config, repo.path()).unwrap();
    let prepared = bcpcheck::run::check::prepare(&settings).unwrap();
    let names: Vec<&str> = prepared.files().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["plans/doomed.yaml", "plans/good.yaml"]);
    std::fs::remove_file(&doomed).unwrap();
    let report = prepared.run();
    assert_eq!(report.exit_code(), 2);
    let doomed = &report.files[0];
    let error = doomed
        .load_error
        .as_ref()
        .expect("a load error")
        .to_string();
    assert!(
        error.contains("plans/doomed.yaml: cannot read: No such file or directory"),
        "{error}"
    );
    assert_eq!(report.files[1].findings[0].policy_id(), "T-OWNER-001");
}

#[cfg(unix)]
#[test]
fn permission_denied_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let repo = Repo::new();
    let locked = repo.write(
        "plans/locked.yaml",
        "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: L, owner: TBD}\n",
    );
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    for dir in [repo.path().to_path_buf(), repo.join("plans")] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    if std::fs::read(&locked).is_err() {
        // An ordinary user: mode 000 denies reading.
        let run = repo.check(&[]);
        run.assert_clean(20, 200);
        run.assert_good_plan_checked();
        assert_refused(&run, "locked.yaml", "Permission denied");
        return;
    }
    // Root reads anything: drop to `nobody` to see the denial, when setpriv is there.
    let setpriv = std::path::Path::new("/usr/bin/setpriv");
    let runs_as_nobody = setpriv.exists()
        && std::process::Command::new(setpriv)
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
            .status()
            .is_ok_and(|s| s.success());
    if !runs_as_nobody {
        // Cannot deny a read here: the correct verdict is the plan's own finding.
        eprintln!("permission_denied_is_reported: running as root without setpriv; checking the verdict instead");
        let run = repo.check(&[]);
        assert_eq!(run.findings_in("plans/locked.yaml").len(), 1);
        return;
    }
    let mut command = std::process::Command::new(setpriv);
    command.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        env!("CARGO_BIN_EXE_bcpcheck"),
    ]);
    let run = super::repo::run_in(repo.path(), command, &super::repo::json_check_args(&[]));
    run.assert_clean(20, 200);
    run.assert_good_plan_checked();
    assert_refused(&run, "locked.yaml", "cannot read: Permission denied");
}

#[test]
fn markdown_nesting_and_long_lines_stay_linear() {
    let front = "---\nkind: ContinuityPlan\nmetadata: {id: M, owner: TBD}\n---\n";
    // An image's alt text holds the text of the images nested in it: 20,000 levels were a
    // gigabyte of copies before nesting was capped.
    let n = 20_000;
    let nested = format!(
        "{front}{}{}{}\n",
        "![".repeat(n),
        "x".repeat(n),
        "](y)".repeat(n)
    );
    let run = check_one("nested.md", nested);
    run.assert_clean(10, 200);
    // 100,000 links and placeholders on one 1 MB line: positions are found with a line index,
    // not by counting from the start of the line each time.
    let line = format!("{front}{}\n", "[a](b) TBD ".repeat(100_000));
    let repo = Repo::new();
    repo.write("plans/long-line.md", line);
    let run = repo.check(&[]);
    run.assert_clean(15, 600);
    run.assert_good_plan_checked();
}

#[test]
fn a_file_of_tiny_values_is_refused_before_it_grows() {
    // Seven million one-byte values would be a gigabyte of tree.
    let text = format!(
        "apiVersion: bcp/v1\nkind: ContinuityPlan\na: [{}]\n",
        vec!["1"; 7_000_000].join(",")
    );
    let repo = Repo::new();
    repo.write("plans/tiny.yaml", text);
    let run = repo.check(&[]);
    run.assert_clean(20, 400);
    run.assert_good_plan_checked();
    assert_refused(
        &run,
        "tiny.yaml",
        "more than 2000000 keys and values in one file",
    );
}

#[test]
fn many_findings_on_one_long_line_render_in_linear_time() {
    let repo = Repo::new();
    let items: Vec<String> = (0..50_000)
        .map(|i| format!("{{id: P{i}, tier: 3}}"))
        .collect();
    repo.write(
        "plans/wide.yaml",
        format!("apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {{id: W, owner: X}}\nprocesses: [{}]\n", items.join(", ")),
    );
    let run = repo.check_with(&["plans/wide.yaml"]);
    run.assert_clean(30, 1000);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // Labels far right are not drawn (miette cannot), the message says where.
    assert!(
        run.stdout.contains("[plans/wide.yaml:4:28]"),
        "the first is drawn"
    );
    assert!(
        run.stdout
            .contains("Process tiers are 1 to 2 (at line 4, column 1198"),
        "the last is located"
    );
    assert!(
        run.stdout.len() < 40_000_000,
        "snippets of long lines are cut: {} bytes",
        run.stdout.len()
    );
}

#[test]
fn a_file_of_filler_is_refused_before_its_placeholder_records_grow() {
    // Every `TBD` of a text value becomes a `{text, line, path}` record for the policies: four
    // million of them were two gigabytes.
    let text = format!(
        "apiVersion: bcp/v1\nkind: ContinuityPlan\nnotes: \"{}\"\n",
        "TBD ".repeat(3_000_000)
    );
    let repo = Repo::new();
    repo.write("plans/filler.yaml", text);
    let run = repo.check(&[]);
    run.assert_clean(30, 600);
    run.assert_good_plan_checked();
    assert_refused(&run, "filler.yaml", "placeholders in one document");
    // The label on the 12 MB line is cut, not dropped, and the report stays small.
    let human = repo.check_with(&["plans/filler.yaml"]);
    assert!(
        human.stderr.len() + human.stdout.len() < 10_000,
        "{}",
        human.stdout.len()
    );
    assert!(
        human.stdout.contains("[plans/filler.yaml:3:8]"),
        "{}",
        human.stdout
    );
}
