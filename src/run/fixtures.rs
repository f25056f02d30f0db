//! `bcpcheck test`: runs policy fixtures from test manifests (`bcptest.yaml`), like `kyverno test`.
//!
//! A manifest lists cases: a plan, the findings expected (policy id and logical path) and, implicitly,
//! nothing else at error or warning. Every policy must have a failing case (expected somewhere) and a
//! passing case (applied somewhere without a finding).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ignore::WalkBuilder;

use super::workspace::Preloaded;
use crate::document::discover::{repository_root, Candidate, Roots};
use crate::document::object::ObjectReader;
use crate::document::{self, yaml, LoadOptions, LogicalPath, Node, SourceFile};
use crate::engine::budget::{Budget, Meter};
use crate::engine::{pool, Engine, Outcome};
use crate::expression::{parse_date, Runtime};
use crate::finding::Severity;
use crate::policy::pack_manifest::{self, PackCondition};
use crate::policy::{self, sources, PolicyError, PolicySet};

/// The file name of a test manifest.
pub const MANIFEST: &str = crate::policy::sources::MANIFEST;

/// One expected finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expected {
    /// Policy id.
    pub policy: String,
    /// Logical path, normalised.
    pub path: String,
}

/// The result of one case.
#[derive(Debug)]
pub struct CaseResult {
    /// Manifest file as shown, and the case name.
    pub name: String,
    /// Expected findings that did not appear.
    pub missing: Vec<Expected>,
    /// Findings at error or warning that were not expected.
    pub unexpected: Vec<Expected>,
    /// Problems: the plan could not be loaded, or a policy failed while evaluating.
    pub problems: Vec<String>,
}

impl CaseResult {
    /// True when the case found exactly what it expected.
    pub fn passed(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.problems.is_empty()
    }
}

/// Per policy: how many cases failed it as expected, and how many it passed.
#[derive(Debug, Default, Clone, Copy)]
pub struct Coverage {
    /// Cases in which it applied and found nothing.
    pub passing: usize,
    /// Cases that expected (and got) a finding from it.
    pub failing: usize,
}

/// The result of `bcpcheck test`.
pub struct TestReport {
    /// Every case.
    pub cases: Vec<CaseResult>,
    /// Every policy under test.
    pub coverage: BTreeMap<String, Coverage>,
    /// Invalid policies and manifests.
    pub errors: Vec<PolicyError>,
}

impl TestReport {
    /// Policies that lack a passing or a failing case.
    pub fn uncovered(&self) -> Vec<&str> {
        self.coverage
            .iter()
            .filter(|(_, c)| c.passing == 0 || c.failing == 0)
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// 0 when every case passed and every policy is covered, 1 otherwise, 2 on invalid input.
    pub fn exit_code(&self) -> i32 {
        if !self.errors.is_empty() {
            2
        } else if self.cases.iter().all(CaseResult::passed)
            && self.uncovered().is_empty()
            && !self.coverage.is_empty()
        {
            0
        } else {
            1
        }
    }
}

struct Case {
    name: String,
    plan: PathBuf,
    plan_name: String,
    expect: BTreeSet<Expected>,
    /// The other documents of the case's portfolio (`workspace:`), as the plan's context.
    workspace: Vec<Candidate>,
    /// The plan, loaded with its portfolio.
    preloaded: Preloaded,
}

struct Manifest {
    as_of: chrono::DateTime<chrono::FixedOffset>,
    cases: Vec<Case>,
}

/// Runs every manifest found under `dirs` against the policies found there.
pub fn run(dirs: &[PathBuf], cwd: &Path) -> TestReport {
    let mut errors = Vec::new();
    let (mut sources, read_errors) = sources::user(dirs, cwd, &repository_root(cwd));
    errors.extend(read_errors);
    // Policies in `<dir>/<pack>/` belong to that pack; `params.yaml` holds parameters, not a policy.
    let mut overrides: Option<Node> = None;
    sources.retain(|s| {
        if s.path.file_name().is_some_and(|n| n == "params.yaml") {
            overrides = yaml::parse_stream(&s.text, 0)
                .ok()
                .and_then(|mut r| r.pop());
            return false;
        }
        s.path.file_name().is_some_and(|n| n != MANIFEST)
    });
    for source in &mut sources {
        source.pack = dirs
            .iter()
            .find_map(|d| pack_of(&cwd.join(d), &source.path));
    }
    let runtime = Runtime::new();
    let params = policy::params(overrides.as_ref());
    let packs = pack_conditions(dirs, cwd, &runtime, &mut errors);
    let set = policy::load(&sources, &params, &runtime);
    errors.extend(set.errors);
    let policies = PolicySet {
        errors: Vec::new(),
        ..set
    };
    let mut coverage: BTreeMap<String, Coverage> = policies
        .policies
        .iter()
        .map(|p| (p.id.clone(), Coverage::default()))
        .collect();
    // Every case of every manifest, with the engine of its manifest (its as-of date).
    let mut jobs: Vec<(Arc<Engine>, Case, String)> = Vec::new();
    for manifest_path in manifests(dirs, cwd) {
        let shown = document::discover::display(&manifest_path, cwd);
        let manifest = match read_manifest(&manifest_path, &shown, cwd) {
            Ok(m) => m,
            Err(mut e) => {
                errors.append(&mut e);
                continue;
            }
        };
        // A fixture's links resolve in the repository that holds it, wherever `test` runs.
        let roots = Roots::per_plan(repository_root(cwd), None);
        let engine = Arc::new(
            Engine::new(
                &runtime,
                policies.policies.clone(),
                &params,
                manifest.as_of,
                repository_root(cwd),
            )
            .with_roots(roots)
            .with_packs(packs.clone()),
        );
        for mut case in manifest.cases {
            if case.workspace.is_empty() {
                jobs.push((engine.clone(), case, shown.clone()));
                continue;
            }
            let plan = Candidate {
                path: case.plan.clone(),
                name: case.plan_name.clone(),
                explicit: true,
            };
            let portfolio = super::workspace::load(
                &case.workspace,
                &[plan],
                |_| load_options(),
                super::workspace::critical_tier(&params),
                |_| true,
            );
            case.preloaded = portfolio.preloaded;
            let engine = Engine::new(
                &runtime,
                policies.policies.clone(),
                &params,
                manifest.as_of,
                repository_root(cwd),
            )
            .with_roots(Roots::per_plan(repository_root(cwd), None))
            .with_packs(packs.clone())
            .with_workspace(portfolio.value, portfolio.documents);
            jobs.push((Arc::new(engine), case, shown.clone()));
        }
    }

    // Within the evaluation budget, as `check` is: a policy that never ends fails its cases
    // instead of hanging the run (and a pre-commit hook).
    let jobs = Arc::new(jobs);
    let work = {
        let jobs = jobs.clone();
        move |job: pool::Job<'_>| {
            let (engine, case, manifest) = &jobs[job.index];
            run_case(engine, case, manifest, job.meter)
        }
    };
    let disable = |policy| {
        for (engine, _, _) in jobs.iter() {
            engine.disable(policy);
        }
    };
    let budget = Budget::default();
    crate::engine::alloc::set_limit(budget.memory);
    let finished = pool::run(jobs.len(), budget, work, disable);
    let mut cases = Vec::new();
    for ((engine, case, manifest), done) in jobs.iter().zip(finished) {
        let mut ran = done.result.unwrap_or_else(|| CaseRun::new(case, manifest));
        ran.result.problems.extend(
            done.overruns
                .iter()
                .map(|overrun| engine.budget_error(&case.plan_name, None, overrun).message),
        );
        if let Some(panic) = done.panic {
            ran.result
                .problems
                .push(format!("bcpcheck failed internally (a bug): {panic}"));
        }
        for (policy, outcome) in engine.policies().iter().zip(&ran.outcomes) {
            let Some(entry) = coverage.get_mut(&policy.id) else {
                continue;
            };
            if *outcome == Outcome::Passed {
                entry.passing += 1;
            }
            if ran.failing.contains(&policy.id) {
                entry.failing += 1;
            }
        }
        cases.push(ran.result);
    }
    TestReport {
        cases,
        coverage,
        errors,
    }
}

/// The manifests (`<dir>/<pack>/pack.yaml`) of the packs under `dirs`.
fn pack_conditions(
    dirs: &[PathBuf],
    cwd: &Path,
    runtime: &Runtime,
    errors: &mut Vec<PolicyError>,
) -> Vec<PackCondition> {
    let mut conditions = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(cwd.join(dir)) else {
            continue;
        };
        let mut manifests: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path().join(pack_manifest::FILE_NAME))
            .filter(|p| p.is_file())
            .collect();
        manifests.sort();
        for path in manifests {
            let pack = path
                .parent()
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let shown = document::discover::display(&path, cwd);
            let parsed = document::read_text(&path, &shown, 1024 * 1024)
                .map_err(|e| {
                    Box::new(PolicyError::Read {
                        file: shown.clone(),
                        reason: e.to_string(),
                    })
                })
                .and_then(|text| pack_manifest::parse(&pack, &shown, &text, runtime));
            match parsed {
                Ok(condition) => conditions.push(condition),
                Err(e) => errors.push(*e),
            }
        }
    }
    conditions
}

fn pack_of(dir: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(dir).ok()?;
    let mut parts = relative.components();
    let first = parts.next()?;
    parts
        .next()
        .is_some()
        .then(|| first.as_os_str().to_string_lossy().into_owned())
}

fn manifests(dirs: &[PathBuf], cwd: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| {
            WalkBuilder::new(cwd.join(d))
                .require_git(false)
                .build()
                .flatten()
        })
        .filter(|e| e.file_name() == MANIFEST)
        .map(|e| e.into_path())
        .collect();
    found.sort();
    found.dedup();
    found
}

fn read_manifest(path: &Path, shown: &str, cwd: &Path) -> Result<Manifest, Vec<PolicyError>> {
    let text = document::read_text(path, shown, 1024 * 1024).map_err(|e| {
        vec![PolicyError::Read {
            file: shown.into(),
            reason: e.to_string(),
        }]
    })?;
    let source = std::sync::Arc::new(SourceFile::new(shown.to_string(), path.to_path_buf(), text));
    let invalid = |span: document::Span, message: String, help: Option<String>| {
        PolicyError::at(&source, span, message, "here", help)
    };
    let root = match yaml::parse_stream(&source.text, 0) {
        Ok(mut roots) if !roots.is_empty() => roots.remove(0),
        Ok(_) => {
            return Err(vec![invalid(
                document::Span::default(),
                "empty test manifest".into(),
                None,
            )])
        }
        Err(e) => return Err(vec![invalid(e.span, e.kind.to_string(), None)]),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut r = ObjectReader::new(&root, "a test manifest");
    let mut errors = Vec::new();
    let as_of = r.required_string("asOf").and_then(|(text, node)| {
        let parsed = parse_date(text);
        if parsed.is_none() {
            errors.push(invalid(
                node.span,
                format!("`asOf` `{text}` is not a date"),
                Some("write YYYY-MM-DD".into()),
            ));
        }
        parsed
    });
    let mut cases = Vec::new();
    match r.node("cases").map(|n| (n, n.as_seq())) {
        Some((_, Some(items))) => {
            for item in items {
                let mut c = ObjectReader::new(item, "a test case");
                let name = c.required_string("name").map(|(n, _)| n.to_string());
                let plan = c.required_string("plan").map(|(p, _)| dir.join(p));
                let workspace = c
                    .strings("workspace")
                    .into_iter()
                    .map(|(p, _)| {
                        let path = dir.join(p);
                        Candidate {
                            name: document::discover::display(&path, cwd),
                            path,
                            explicit: true,
                        }
                    })
                    .collect();
                let mut expect = BTreeSet::new();
                if let Some(list) = c.node("expect") {
                    for entry in list.as_seq().unwrap_or_default() {
                        let mut e = ObjectReader::new(entry, "an expected finding");
                        let policy = e.required_string("policy").map(|(p, _)| p.to_string());
                        let (path_text, path_node) = match e.string("path") {
                            Some((p, n)) => (p.to_string(), Some(n)),
                            None => (String::new(), None),
                        };
                        let normalised = LogicalPath::parse(&path_text).map(|p| p.to_string());
                        if let (None, Some(node)) = (&normalised, path_node) {
                            errors.push(invalid(
                                node.span,
                                format!("invalid path `{path_text}`"),
                                Some("write a logical path such as `processes[0].rto`".into()),
                            ));
                        }
                        errors.extend(
                            e.finish()
                                .into_iter()
                                .map(|f| invalid(f.span, f.message, f.help)),
                        );
                        if let (Some(policy), Some(path)) = (policy, normalised) {
                            expect.insert(Expected { policy, path });
                        }
                    }
                }
                errors.extend(
                    c.finish()
                        .into_iter()
                        .map(|f| invalid(f.span, f.message, f.help)),
                );
                if let (Some(name), Some(plan)) = (name, plan) {
                    let plan_name = document::discover::display(&plan, cwd);
                    cases.push(Case {
                        name,
                        plan,
                        plan_name,
                        expect,
                        workspace,
                        preloaded: Preloaded::default(),
                    });
                }
            }
        }
        Some((node, None)) => {
            errors.push(invalid(node.span, "`cases` must be a list".into(), None))
        }
        None => errors.push(invalid(
            root.span,
            "missing required field `cases`".into(),
            None,
        )),
    }
    errors.extend(
        r.finish()
            .into_iter()
            .map(|f| invalid(f.span, f.message, f.help)),
    );
    match as_of {
        Some(as_of) if errors.is_empty() => Ok(Manifest { as_of, cases }),
        _ => Err(errors),
    }
}

/// What running one case gave: its result, and what it tells of each policy's coverage.
struct CaseRun {
    result: CaseResult,
    /// Per policy of the engine, its outcome over the case's plan.
    outcomes: Vec<Outcome>,
    /// The policies whose expected findings were found.
    failing: Vec<String>,
}

impl CaseRun {
    /// A case not run yet (or stopped before it was).
    fn new(case: &Case, manifest: &str) -> Self {
        CaseRun {
            result: CaseResult {
                name: format!("{manifest}: {}", case.name),
                missing: Vec::new(),
                unexpected: Vec::new(),
                problems: Vec::new(),
            },
            outcomes: Vec::new(),
            failing: Vec::new(),
        }
    }
}

fn run_case(engine: &Engine, case: &Case, manifest: &str, meter: &Meter) -> CaseRun {
    let mut run = CaseRun::new(case, manifest);
    let result = &mut run.result;
    let loaded = match case.preloaded.take(&case.plan_name) {
        Some(loading) => loading.map(|(loaded, _)| loaded),
        None => document::load(&case.plan, &case.plan_name, &load_options()),
    };
    let loaded = match loaded {
        Ok(loaded) if !loaded.documents.is_empty() => loaded,
        Ok(_) => {
            result
                .problems
                .push(format!("{}: no plan document in it", case.plan_name));
            return run;
        }
        Err(e) => {
            result.problems.push(e.to_string());
            return run;
        }
    };
    let checked = engine.check_all(&loaded.documents, meter);
    result
        .problems
        .extend(checked.errors.iter().map(|e| e.to_string()));
    let found: BTreeSet<(Expected, Severity)> = checked
        .findings
        .into_iter()
        .map(|f| {
            let expected = Expected {
                policy: f.policy_id().to_string(),
                path: f.target.to_string(),
            };
            (expected, f.severity)
        })
        .collect();
    let found_keys: BTreeSet<&Expected> = found.iter().map(|(e, _)| e).collect();
    result.missing = case
        .expect
        .iter()
        .filter(|e| !found_keys.contains(e))
        .cloned()
        .collect();
    result.unexpected = found
        .iter()
        .filter(|(e, severity)| *severity >= Severity::Warning && !case.expect.contains(e))
        .map(|(e, _)| e.clone())
        .collect();
    run.failing = case
        .expect
        .iter()
        .filter(|e| found_keys.contains(e))
        .map(|e| e.policy.clone())
        .collect();
    run.outcomes = checked.outcomes;
    run
}

/// How fixtures load: a Markdown fixture is a plan even without `kind:`.
fn load_options() -> LoadOptions {
    LoadOptions {
        markdown_is_plan: true,
        ..LoadOptions::default()
    }
}

/// The human report: failed cases in detail, a per-policy table, and the closing count line.
pub fn render(report: &TestReport) -> String {
    let mut out = String::new();
    for case in report.cases.iter().filter(|c| !c.passed()) {
        out.push_str(&format!("FAIL {}\n", case.name));
        for e in &case.missing {
            out.push_str(&format!(
                "  expected, not found: {} at `{}`\n",
                e.policy, e.path
            ));
        }
        for e in &case.unexpected {
            out.push_str(&format!(
                "  found, not expected: {} at `{}`\n",
                e.policy, e.path
            ));
        }
        for p in &case.problems {
            out.push_str(&format!("  problem: {p}\n"));
        }
    }
    let width = report
        .coverage
        .keys()
        .map(String::len)
        .max()
        .unwrap_or(6)
        .max(6);
    out.push_str(&format!(
        "\n{:width$}  passing  failing  status\n",
        "policy"
    ));
    for (id, c) in &report.coverage {
        let status = if c.passing == 0 {
            "no passing case"
        } else if c.failing == 0 {
            "no failing case"
        } else {
            "ok"
        };
        out.push_str(&format!(
            "{id:width$}  {:>7}  {:>7}  {status}\n",
            c.passing, c.failing
        ));
    }
    let passed = report.cases.iter().filter(|c| c.passed()).count();
    let failed = report.cases.len() - passed;
    let uncovered = report.uncovered().len();
    out.push_str(&format!(
        "\n{} policies, {uncovered} without a passing and a failing case\n{passed} passed, {failed} failed\n",
        report.coverage.len()
    ));
    out
}
