//! regorus peer: evaluate bench/peers/rego/bcp.rego over plan files and print one JSON line per finding
//! ({"file", "policy", "path"}). The policy is compiled once; each worker thread clones the engine.
//!
//! usage: bcp-regorus [--policy FILE] [--as-of YYYY-MM-DD] [--jobs N] PATH...
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use regorus::{Engine, Value};

fn params_json(as_of_ns: i64) -> String {
    format!(
        r#"{{"now_ns": {as_of_ns}, "params": {{"criticalTier": 2, "restoreTestMaxAge": "365d",
        "externalTypes": ["cloud-saas", "cloud-paas", "cloud-iaas", "identity", "third-party-service", "telecom", "supplier"]}}}}"#
    )
}

/// Days since 1970-01-01 for a proleptic Gregorian date (no chrono needed here).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn collect(paths: &[String]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        let p = Path::new(p);
        if p.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(p)
                .expect("read dir")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|q| matches!(q.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
                .collect();
            v.sort();
            out.extend(v);
        } else {
            out.push(p.to_path_buf());
        }
    }
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut policy = concat!(env!("CARGO_MANIFEST_DIR"), "/../rego/bcp.rego").to_string();
    let mut as_of = String::from("2026-11-28");
    let mut jobs = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut paths = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--policy" => policy = args.next().expect("--policy FILE"),
            "--as-of" => as_of = args.next().expect("--as-of DATE"),
            "--jobs" => jobs = args.next().expect("--jobs N").parse().expect("number"),
            _ => paths.push(a),
        }
    }
    let ymd: Vec<i64> = as_of.split('-').map(|x| x.parse().expect("date")).collect();
    let now_ns = days_from_civil(ymd[0], ymd[1], ymd[2]) * 86_400 * 1_000_000_000;

    let mut engine = Engine::new();
    engine.add_policy_from_file(&policy).expect("policy");
    engine.add_data_json(&params_json(now_ns)).expect("data");
    let files = collect(&paths);
    let next = AtomicUsize::new(0);
    let rule = String::from("data.bcp.findings");
    let failed = AtomicUsize::new(0);

    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            let mut engine = engine.clone();
            let (files, next, rule, failed) = (&files, &next, &rule, &failed);
            s.spawn(move || {
                let mut buf = Vec::with_capacity(1 << 16);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= files.len() {
                        break;
                    }
                    let path = &files[i];
                    let name = path.file_name().unwrap().to_string_lossy();
                    let input = match std::fs::read_to_string(path).map_err(|e| e.to_string()).and_then(|t| {
                        Value::from_yaml_str(&t).map_err(|e| e.to_string())
                    }) {
                        Ok(v) => v,
                        Err(e) => {
                            eprintln!("{}: {e}", path.display());
                            failed.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                    };
                    engine.set_input(input);
                    let res = match engine.eval_rule(rule.clone()) {
                        Ok(v) => v,
                        Err(e) => {
                            eprintln!("{}: {e}", path.display());
                            failed.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                    };
                    if let Ok(set) = res.as_set() {
                        for f in set.iter() {
                            let pol = f["policy"].as_string().map(|s| s.to_string()).unwrap_or_default();
                            let lp = f["path"].as_string().map(|s| s.to_string()).unwrap_or_default();
                            let line = serde_json::json!({"file": name, "policy": pol, "path": lp});
                            writeln!(buf, "{line}").unwrap();
                        }
                    }
                    if buf.len() > 1 << 15 {
                        std::io::stdout().lock().write_all(&buf).unwrap();
                        buf.clear();
                    }
                }
                std::io::stdout().lock().write_all(&buf).unwrap();
            });
        }
    });
    if failed.load(Ordering::Relaxed) > 0 {
        std::process::exit(2);
    }
}
