//! Inputs that once crashed or ran away, found by the fuzzers (fuzz/README.md) and by hand while
//! hardening, replayed through the code paths that failed.

use std::path::PathBuf;
use std::sync::Arc;

use bcpcheck::document::{self, read, Format, LogicalPath, SourceFile};

use super::repo::Repo;

/// Loads `bytes` as a plan of `format` and locates every node in it, as the fuzz targets do.
fn replay(bytes: &[u8], format: Format) {
    let Ok(text) = read::decode(bytes.to_vec(), "fuzz.yaml") else {
        return;
    };
    let source = Arc::new(SourceFile::new(
        "fuzz.yaml".into(),
        PathBuf::from("fuzz.yaml"),
        text,
    ));
    if let Ok(loaded) = document::load_source(source.clone(), format, true) {
        for doc in &loaded.documents {
            doc.root.walk(&mut |path, _| {
                let location = doc.locate(path);
                assert!(location.span.end <= source.text.len());
            });
        }
    }
}

/// miette drew a label past column 65,535 with a format width it cannot hold, and panicked:
/// any diagnostic on a long enough line crashed the run.
#[test]
fn a_diagnostic_past_column_65535_does_not_panic() {
    let repo = Repo::new();
    let line = format!("apiVersion: bcp/v1\na: [{}x", "1, ".repeat(30_000));
    repo.write("plans/wide.yaml", format!("{line}\n"));
    for format in ["human", "json"] {
        let run = repo.check_with(&["--format", format, "plans"]);
        run.assert_clean(20, 300);
        assert_eq!(run.code, Some(2));
    }
}

/// A key holding `]` or a quote printed as `["a]b"]` did not read back: fingerprints and
/// `fieldPath` disagreed on such keys.
#[test]
fn logical_paths_with_odd_keys_read_back() {
    for printed in [
        r#"["a]b"].c"#,
        r#"["a\"b"][0]"#,
        r#"x["\\"]"#,
        r#"['q]'].z"#,
    ] {
        let path = LogicalPath::parse(printed).unwrap_or_else(|| panic!("{printed}"));
        let again = path.to_string();
        assert_eq!(
            LogicalPath::parse(&again),
            Some(path),
            "{printed} -> {again}"
        );
    }
}

/// Nested images copied their alt text into every enclosing image: quadratic in the nesting.
#[test]
fn nested_images_stay_linear() {
    let n = 50_000;
    let text = format!(
        "---\nkind: ContinuityPlan\n---\n{}{}{}\n",
        "![".repeat(n),
        "x".repeat(n),
        "](y)".repeat(n)
    );
    let started = std::time::Instant::now();
    replay(text.as_bytes(), Format::Markdown);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
