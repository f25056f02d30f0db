//! Fuzzes the policy loader: YAML, field validation, CEL compilation and name analysis; policies
//! without comprehensions are also evaluated on a small plan (comprehensions can run for hours
//! by design: the evaluation budget, not the fuzzer, is what bounds them).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use bcpcheck::document::{self, Format, SourceFile};
use bcpcheck::engine::budget::Meter;
use bcpcheck::engine::Engine;
use bcpcheck::expression::Runtime;
use bcpcheck::policy::{self, PolicySource};

const PLAN: &str = "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: P, owner: X, next_review: 2026-01-01}\nprocesses:\n  - {id: A, tier: 1, rto: 4h, mtpd: 1d, owner: X}\n  - {id: B, tier: 2, rto: soon}\n";

fn plan() -> &'static document::Document {
    static PLAN_DOC: OnceLock<document::Document> = OnceLock::new();
    PLAN_DOC.get_or_init(|| {
        let source = std::sync::Arc::new(SourceFile::new("p.yaml".into(), PathBuf::from("p.yaml"), PLAN));
        document::load_source(source, Format::Yaml, false).unwrap().documents.remove(0)
    })
}

const LOOPS: &[&str] = &["all(", "exists(", "exists_one(", "map(", "filter(", "sortBy(", "range("];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let runtime = Runtime::new();
    let params = policy::params(None);
    let source = PolicySource {
        name: "fuzz.yaml".into(),
        path: PathBuf::new(),
        text: text.clone(),
        pack: None,
    };
    let set = policy::load(&[source], &params, &runtime);
    for error in &set.errors {
        let mut out = String::new();
        let _ = miette::GraphicalReportHandler::new().render_report(&mut out, error);
    }
    if LOOPS.iter().any(|l| text.contains(l)) || set.policies.is_empty() {
        return;
    }
    let now = bcpcheck::expression::parse_date("2026-11-28").unwrap();
    let engine = Engine::new(&runtime, set.policies.clone(), &params, now, "/nonexistent".into());
    let _ = engine.check(plan(), 0, &Meter::default());
});
