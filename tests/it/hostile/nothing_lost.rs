//! Nothing lost: no command modifies, truncates or creates a file other than the one `--output`
//! names, and that one is never an input.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::repo::{bcpcheck, run_in, Repo};

/// Every file and directory under `root` (symbolic links not followed), with a hash of its
/// contents and its permissions.
fn snapshot(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let digest = if meta.is_dir() {
                stack.push(path.clone());
                "dir".to_string()
            } else if meta.file_type().is_symlink() {
                format!("link:{}", std::fs::read_link(&path).unwrap().display())
            } else {
                format!("{:x}", Sha256::digest(std::fs::read(&path).unwrap()))
            };
            #[cfg(unix)]
            let digest = {
                use std::os::unix::fs::MetadataExt;
                format!("{digest} {:o}", meta.mode())
            };
            out.insert(name, digest);
        }
    }
    out
}

/// Every command and format, without an output flag.
fn read_only_commands() -> Vec<Vec<&'static str>> {
    let mut commands = vec![
        vec!["--help"],
        vec!["--version"],
        vec!["check", "--help"],
        vec!["fixtures/plans"],
        vec![],
        vec!["policies", "list"],
        vec!["policies", "list", "--format", "json"],
        vec!["policies", "show", "BCP-RTO-001"],
        vec!["schema"],
        vec!["test"],
        vec!["init", "--help"],
    ];
    for format in [
        "human", "json", "sarif", "github", "junit", "markdown", "html",
    ] {
        commands.push(vec![
            "check",
            "--format",
            format,
            "--as-of",
            "2026-11-28",
            "fixtures/plans",
        ]);
        commands.push(vec![
            "check",
            "--format",
            format,
            "--no-default-packs",
            "--policy",
            "policies",
            ".",
        ]);
    }
    commands
}

#[test]
fn no_command_touches_the_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let before: Vec<_> = ["fixtures", "policies"]
        .iter()
        .map(|d| snapshot(&root.join(d)))
        .collect();
    for args in read_only_commands() {
        let run = run_in(root, bcpcheck(), &args);
        run.assert_clean(60, 500);
    }
    let after: Vec<_> = ["fixtures", "policies"]
        .iter()
        .map(|d| snapshot(&root.join(d)))
        .collect();
    assert_eq!(before, after);
}

#[cfg(unix)]
#[test]
fn only_the_output_file_is_written_and_never_over_an_input() {
    let repo = Repo::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/plans");
    for entry in std::fs::read_dir(fixtures).unwrap() {
        let path = entry.unwrap().path();
        repo.write(
            &format!("plans/{}", path.file_name().unwrap().to_string_lossy()),
            std::fs::read(&path).unwrap(),
        );
    }
    repo.write("plans/notes.md", "# Not a plan\n");
    repo.write("bcpcheck.yaml", "failOn: warning\n");
    std::os::unix::fs::symlink("plans/good.yaml", repo.join("link-to-plan.yaml")).unwrap();
    let before = snapshot(repo.path());
    for args in read_only_commands() {
        repo.run(&args).assert_clean(60, 500);
    }
    assert_eq!(
        before,
        snapshot(repo.path()),
        "a read-only command wrote something"
    );

    // Each writing flag writes exactly its file: --output, --report, --write-baseline, init.
    for (args, written) in [
        (
            vec![
                "check",
                "--no-default-packs",
                "--policy",
                "policy.yaml",
                "--report",
                "sarif=out.sarif",
                "plans",
            ],
            vec!["out.sarif"],
        ),
        (
            vec![
                "check",
                "--no-default-packs",
                "--policy",
                "policy.yaml",
                "--write-baseline",
                "base.json",
                "plans",
            ],
            vec!["base.json"],
        ),
        (vec!["init", "new-plan.yaml"], vec!["new-plan.yaml"]),
        (
            vec!["init", "--markdown", "new-plan.md"],
            vec!["new-plan.md"],
        ),
    ] {
        repo.run(&args).assert_clean(60, 500);
        let now = snapshot(repo.path());
        let created: Vec<&String> = now.keys().filter(|k| !before.contains_key(*k)).collect();
        assert_eq!(created, written.iter().collect::<Vec<_>>(), "{args:?}");
        let changed: Vec<&String> = before
            .keys()
            .filter(|k| now.get(*k) != before.get(*k))
            .collect();
        assert!(changed.is_empty(), "{args:?} changed {changed:?}");
        for file in written {
            std::fs::remove_file(repo.join(file)).unwrap();
        }
    }
    // init never replaces a file without --force.
    let run = repo.run(&["init", "plans/good.yaml"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(before, snapshot(repo.path()));

    // --output writes exactly one file, atomically, and replaces it on the next run.
    for format in ["human", "json"] {
        let out = format!("reports/out.{format}");
        std::fs::create_dir_all(repo.join("reports")).unwrap();
        for _ in 0..2 {
            let run = repo.check_with(&["--format", format, "--output", &out, "plans"]);
            run.assert_clean(60, 500);
            assert_eq!(run.code, Some(1), "{}", run.stderr);
            assert!(run.stdout.is_empty());
        }
        let now = snapshot(repo.path());
        let written: Vec<String> = now
            .keys()
            .filter(|k| !before.contains_key(*k))
            .cloned()
            .collect();
        assert_eq!(written, ["reports".to_string(), out.clone()], "{written:?}");
        std::fs::remove_dir_all(repo.join("reports")).unwrap();
    }

    // Never over an input: a plan, a plan that failed to load, a link to a plan, a policy, the config.
    repo.write("plans/broken.yaml", "a: [\n");
    let before = snapshot(repo.path());
    for target in [
        "plans/good.yaml",
        "plans/broken.yaml",
        "link-to-plan.yaml",
        "policy.yaml",
        "bcpcheck.yaml",
    ] {
        let run = repo.check(&["--output", target]);
        run.assert_clean(60, 500);
        assert_eq!(run.code, Some(2), "{target}: {}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("refusing to write {target}: it is an input")),
            "{target}: {}",
            run.stderr
        );
    }
    assert_eq!(before, snapshot(repo.path()));
    // Nor over any other file the run read, even one skipped as not a plan.
    let run = repo.check(&["--output", "plans/notes.md"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("refusing to write plans/notes.md"),
        "{}",
        run.stderr
    );
    assert_eq!(before, snapshot(repo.path()));
}

#[cfg(unix)]
#[test]
fn a_planted_symbolic_link_at_the_temporary_name_is_not_followed() {
    // The temporary report file is created exclusively with a random name: a link planted where
    // an old version put its temporary file (`.NAME.bcpcheck-tmp-PID`) is never written through.
    let repo = Repo::new();
    let victim = repo.write("victim.txt", "keep me\n");
    for pid in 1..400 {
        let _ = std::os::unix::fs::symlink(
            &victim,
            repo.join(&format!(".out.json.bcpcheck-tmp-{pid}")),
        );
    }
    let run = repo.check(&["--output", "out.json"]);
    run.assert_clean(60, 500);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me\n");
    assert!(std::fs::read_to_string(repo.join("out.json"))
        .unwrap()
        .contains("\"findings\""));
}
