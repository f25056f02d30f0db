//! Criterion micro-benchmarks of the hot paths: YAML to tree, tree to CEL, one policy and every
//! built-in policy over one plan. `cargo bench --bench hot_paths`; whole-process numbers are in bench/.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};

use bcpcheck::document::{self, yaml, LoadOptions};
use bcpcheck::engine::budget::Meter;
use bcpcheck::engine::Engine;
use bcpcheck::expression::{parse_date, Data, Runtime};
use bcpcheck::policy::{self, packs};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/plans/payments-plan.yaml")
}

fn hot_paths(c: &mut Criterion) {
    let path = example();
    let text = std::fs::read_to_string(&path).expect("the example plan is readable");
    c.bench_function("yaml to tree", |b| b.iter(|| yaml::parse_stream(&text, 0)));

    let root = yaml::parse_stream(&text, 0)
        .expect("the example is valid YAML")
        .remove(0);
    c.bench_function("tree to CEL", |b| b.iter(|| Data::from_node(&root)));

    let doc = document::load(&path, "payments-plan.yaml", &LoadOptions::default())
        .expect("the example loads")
        .documents
        .remove(0);
    let runtime = Runtime::new();
    let params = policy::params(None);
    let now = parse_date("2026-11-28").expect("a valid date");
    let packs: Vec<String> = packs::names().into_iter().map(String::from).collect();
    let all = policy::load(&policy::sources::builtin(&packs), &params, &runtime);
    let root_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let meter = Meter::default();

    let single = policy::load(
        &policy::sources::builtin(&["core".to_string()])
            .into_iter()
            .filter(|s| s.name.ends_with("BCP-REF-005.yaml"))
            .collect::<Vec<_>>(),
        &params,
        &runtime,
    );
    assert_eq!(single.policies.len(), 1, "BCP-REF-005 is built in");
    let engine = Engine::new(
        &runtime,
        single.policies.clone(),
        &params,
        now,
        root_dir.clone(),
    );
    c.bench_function("one policy over one plan (BCP-REF-005)", |b| {
        b.iter(|| engine.check(&doc, 0, &meter))
    });

    let engine = Engine::new(&runtime, all.policies.clone(), &params, now, root_dir);
    c.bench_function("all built-in policies over one plan", |b| {
        b.iter(|| engine.check(&doc, 0, &meter))
    });

    c.bench_function("compile all built-in policies", |b| {
        b.iter(|| policy::load(&policy::sources::builtin(&packs), &params, &Runtime::new()))
    });
}

criterion_group!(benches, hot_paths);
criterion_main!(benches);
