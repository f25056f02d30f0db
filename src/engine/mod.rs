//! Evaluation: every compiled policy over every document, in parallel across files, within the
//! evaluation budget.

pub mod alloc;
pub mod budget;
mod days;
mod error;
mod locate;
pub mod pool;
mod schema_checks;
mod site;

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};

use crate::document::discover::Roots;
use crate::document::schema::ProblemKind;
use crate::document::{self, Document, LogicalPath, Segment};
use crate::expression::{
    is_run_level, Data, DataNode, DocumentBindings, DocumentScope, EvalError, FileFacts,
    MatchScope, RunScope, Runtime, Variables,
};
use crate::finding::{Finding, PolicyRef};
use crate::policy::pack_manifest::PackCondition;
use crate::policy::{Policy, PolicyExpr};
use budget::{BudgetExceeded, ExprRole, Limit, Meter, Overrun};
pub use error::{EvaluationError, PlanSite};
use schema_checks::{BadValues, SchemaChecks};
use site::{Reason, Site, Verdict};

/// A policy's result on one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// The policy does not apply (other kind, nothing selected, or every `when` false).
    NotApplicable,
    /// Applied and found nothing.
    Passed,
    /// Not evaluated: the policy was switched off for exceeding the evaluation budget.
    Stopped,
    /// Applied and found at least one gap.
    Failed,
}

/// What evaluating every policy on one document gave.
#[derive(Debug, Default)]
pub struct DocumentResult {
    /// Gaps found.
    pub findings: Vec<Finding>,
    /// Per policy (same order as the engine's policies), the outcome.
    pub outcomes: Vec<Outcome>,
    /// Policy bugs met while evaluating.
    pub errors: Vec<EvaluationError>,
    /// Per pack with a condition, whether it applied (to any document of the file).
    pub packs: Vec<(String, bool)>,
    /// Plan values that policies' functions could not read, reported once each at the end.
    bad_values: BadValues,
}

/// Evaluates a fixed set of compiled policies; shared by every thread of a run.
pub struct Engine {
    runtime: Runtime,
    policies: Arc<Vec<Policy>>,
    /// Per policy, its id, shared by its findings.
    ids: Vec<Arc<str>>,
    /// The policies that report the schema's problems: wrong values, misspelt keys.
    schema_checks: SchemaChecks,
    /// When each pack applies; a pack not listed applies to every document.
    packs: Vec<PackCondition>,
    params: Data,
    /// `workspace`, and what is evaluated once per run.
    run: Arc<RunScope>,
    /// How many time budgets an evaluation of a once-per-run value may take: one per hundred
    /// workspace documents, for it stands for all of them.
    run_allowance: u32,
    now: DateTime<FixedOffset>,
    /// Per plan, the repository its file checks resolve against.
    roots: Roots,
    /// Policies switched off for the rest of the run, after exceeding the evaluation budget.
    disabled: Vec<AtomicBool>,
    /// Per policy, nanoseconds spent evaluating it, when asked for (`--timings`).
    spent: Option<Vec<AtomicU64>>,
    /// Binds `now` traced (for `due`'s search, see [`Engine::fingerprints_traced`]).
    trace_now: bool,
}

impl Engine {
    /// An engine for `policies` with `params`, as of `now`, confining file checks to `root_dir`.
    pub fn new(
        runtime: &Runtime,
        policies: Arc<Vec<Policy>>,
        params: &document::Node,
        now: DateTime<FixedOffset>,
        root_dir: PathBuf,
    ) -> Self {
        Engine {
            runtime: runtime.clone(),
            disabled: policies.iter().map(|_| AtomicBool::new(false)).collect(),
            spent: None,
            ids: policies.iter().map(|p| Arc::from(p.id.as_str())).collect(),
            schema_checks: SchemaChecks::of(&policies),
            packs: Vec::new(),
            policies,
            params: Data::from_node(params),
            run: Arc::new(RunScope::empty()),
            run_allowance: 1,
            now,
            roots: Roots::fixed(root_dir),
            trace_now: false,
        }
    }

    /// Resolves file checks and fingerprints against each plan's own repository (see [`Roots`])
    /// instead of the one root given to [`Engine::new`].
    pub fn with_roots(mut self, roots: Roots) -> Self {
        self.roots = roots;
        self
    }

    /// The engine with the portfolio the checked documents belong to (the `workspace` variable).
    pub fn with_workspace(mut self, workspace: Data, documents: usize) -> Self {
        self.run = Arc::new(RunScope::new(workspace));
        self.run_allowance = u32::try_from(1 + documents / 100).unwrap_or(u32::MAX);
        self
    }

    /// The engine with the portfolio of `other` (see [`Engine::with_workspace`]), shared.
    pub fn with_run_of(mut self, other: &Engine) -> Self {
        self.run = other.run.clone();
        self.run_allowance = other.run_allowance;
        self
    }

    /// The engine with `now` traced, for [`Engine::fingerprints_traced`]: its policies must be
    /// compiled [`Policy::with_now_on_the_left`].
    pub fn with_traced_now(mut self) -> Self {
        self.trace_now = true;
        self
    }

    /// The engine with the packs' conditions: a policy of a pack whose condition does not hold
    /// on a document does not apply to it.
    pub fn with_packs(mut self, packs: Vec<PackCondition>) -> Self {
        self.packs = packs;
        self
    }

    /// Records the time spent in each policy, for [`Engine::time_spent`].
    pub fn record_time(&mut self) {
        self.spent = Some(self.policies.iter().map(|_| AtomicU64::new(0)).collect());
    }

    /// Per policy (in [`Engine::policies`] order), the time spent evaluating it on every thread;
    /// `None` unless [`Engine::record_time`] was called.
    pub fn time_spent(&self) -> Option<Vec<Duration>> {
        self.spent.as_ref().map(|spent| {
            spent
                .iter()
                .map(|ns| Duration::from_nanos(ns.load(Ordering::Relaxed)))
                .collect()
        })
    }

    /// The policies, in the order of [`DocumentResult::outcomes`].
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// How a finding of policy number `index` names it.
    fn policy_ref(&self, index: usize) -> PolicyRef {
        PolicyRef {
            index,
            id: self.ids[index].clone(),
        }
    }

    /// Switches policy number `index` off for the rest of the run.
    pub fn disable(&self, index: usize) {
        if let Some(flag) = self.disabled.get(index) {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// True when policy number `index` was switched off.
    pub fn is_disabled(&self, index: usize) -> bool {
        self.disabled
            .get(index)
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
    }

    /// Evaluates every policy on every document of a file: its findings in output order, its
    /// policy bugs, and per policy its outcome over the documents. `check` and `test` both
    /// evaluate through here.
    pub fn check_all(&self, documents: &[Document], meter: &Meter) -> DocumentResult {
        self.check_all_with(documents, |doc, index| self.check(doc, index, meter))
    }

    /// [`Engine::check_all`] as of `now` instead of the engine's date, over documents already
    /// converted (`data[i]` is `Data::from_node(&documents[i].root)`), and with `only`, just the
    /// policies it marks: for `due`, which evaluates one plan on many days and converts it once.
    pub fn check_all_as_of(
        &self,
        documents: &[Document],
        data: &[Data],
        now: DateTime<FixedOffset>,
        only: Option<&[bool]>,
        meter: &Meter,
    ) -> DocumentResult {
        self.check_all_with(documents, |doc, index| match data.get(index) {
            Some(data) => self.check_converted(doc, data, now, only, index, meter),
            None => self.check_converted(doc, &Data::from_node(&doc.root), now, only, index, meter),
        })
    }

    /// [`Engine::check_all`] over documents already converted (`data[i]` is
    /// `Data::from_node(&documents[i].root)`; a document without is converted here).
    pub fn check_all_converted(
        &self,
        documents: &[Document],
        data: &[Data],
        meter: &Meter,
    ) -> DocumentResult {
        self.check_all_as_of(documents, data, self.now, None, meter)
    }

    /// Sums the results of `check` over `documents`.
    fn check_all_with(
        &self,
        documents: &[Document],
        check: impl Fn(&Document, usize) -> DocumentResult,
    ) -> DocumentResult {
        let mut total = DocumentResult {
            outcomes: vec![Outcome::NotApplicable; self.policies.len()],
            ..DocumentResult::default()
        };
        for (index, doc) in documents.iter().enumerate() {
            let result = check(doc, index);
            total.findings.extend(result.findings);
            for (pack, applied) in result.packs {
                match total.packs.iter_mut().find(|(p, _)| *p == pack) {
                    Some((_, any)) => *any |= applied,
                    None => total.packs.push((pack, applied)),
                }
            }
            // A policy bug is the same on every match: once per policy and file, with a count.
            for error in result.errors {
                match total.errors.iter_mut().find(|e| e.policy == error.policy) {
                    Some(first) => first.matches += error.matches,
                    None => total.errors.push(error),
                }
            }
            for (sum, outcome) in total.outcomes.iter_mut().zip(result.outcomes) {
                *sum = (*sum).max(outcome);
            }
        }
        total
            .findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        total
    }

    /// Evaluates every policy on document number `index` of its file, publishing on `meter` what
    /// it evaluates so that the watchdog can see an evaluation that overruns its budget.
    pub fn check(&self, doc: &Document, index: usize, meter: &Meter) -> DocumentResult {
        self.check_converted(
            doc,
            &Data::from_node(&doc.root),
            self.now,
            None,
            index,
            meter,
        )
    }

    /// [`Engine::check`] over `data` (the converted `doc`), as of `now`, of the policies `only`
    /// marks (all without).
    fn check_converted(
        &self,
        doc: &Document,
        data: &Data,
        now: DateTime<FixedOffset>,
        only: Option<&[bool]>,
        index: usize,
        meter: &Meter,
    ) -> DocumentResult {
        let root_dir = self.roots.root_of(&doc.source.path);
        let scope = self
            .runtime
            .document_scope(self.bindings(doc, data, now, root_dir.clone()));
        let mut result = DocumentResult {
            packs: self.packs_applied(&scope),
            ..DocumentResult::default()
        };
        let file: Arc<str> = Arc::from(doc.source.name.as_str());
        let unreadable = unreadable(doc);
        let delegated = self.delegated_parts(doc);
        // Policies share `select` patterns (a dozen select `processes[*]`): each is matched once.
        let mut selections: HashMap<Option<&str>, Vec<Selected<'_>>> = HashMap::new();
        for (i, policy) in self.policies.iter().enumerate() {
            let pack_applies = |pack: &String| {
                let applied = result.packs.iter().find(|(p, _)| p == pack);
                applied.is_none_or(|(_, applies)| *applies)
            };
            let outcome = if only.is_some_and(|only| !only.get(i).copied().unwrap_or(false))
                || !policy.applies_to_kind(&doc.kind)
                || !policy.pack.as_ref().is_none_or(pack_applies)
                || policy.part().is_some_and(|part| delegated.contains(&part))
            {
                Outcome::NotApplicable
            } else if let Some(kind) = self.schema_checks.kind_of(i) {
                self.schema_findings(i, kind, doc, &file, &mut result)
            } else if self.is_disabled(i) {
                Outcome::Stopped
            } else {
                let at = Position {
                    policy: i,
                    file: &file,
                    unreadable: &unreadable,
                    root_dir: &root_dir,
                    document: index,
                    meter,
                };
                let started = self.spent.is_some().then(Instant::now);
                let matches = selections
                    .entry(policy.select_text.as_deref())
                    .or_insert_with(|| select(policy, doc, &scope));
                let outcome = self.check_policy(policy, doc, &scope, matches, at, &mut result);
                if let (Some(started), Some(spent)) = (started, &self.spent) {
                    let ns = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
                    spent[i].fetch_add(ns, Ordering::Relaxed);
                }
                outcome
            };
            result.outcomes.push(outcome);
        }
        let bad_values = std::mem::take(&mut result.bad_values);
        self.report_bad_values(bad_values, doc, &file, &mut result);
        result
    }

    /// What is bound once per document: `doc` is `data`, as of `now`.
    fn bindings<'d>(
        &'d self,
        doc: &Document,
        data: &'d Data,
        now: DateTime<FixedOffset>,
        root_dir: PathBuf,
    ) -> DocumentBindings<'d> {
        let path = Path::new(&doc.source.name);
        DocumentBindings {
            doc: data,
            file: FileFacts {
                path: doc.source.name.clone(),
                name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                ext: path
                    .extension()
                    .map(|e| e.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default(),
                kind: doc.kind.clone(),
            },
            now,
            trace_now: self.trace_now,
            params: &self.params,
            run: &self.run,
            plan_dir: doc
                .source
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
            root_dir,
        }
    }

    /// The top-level parts `doc` hands to another plan of the workspace (`delegations:`): only a
    /// delegation that resolves to a plan holding that part counts.
    fn delegated_parts<'d>(&self, doc: &'d Document) -> Vec<&'d str> {
        let Some(delegations) = doc.root.as_map().and_then(|m| m.get("delegations")) else {
            return Vec::new();
        };
        let text = |item: &'d document::Node, key: &str| item.as_map()?.get(key)?.as_str();
        delegations
            .as_seq()
            .unwrap_or_default()
            .iter()
            .filter_map(|item| {
                let part = text(item, "part")?;
                let plan = text(item, "plan")?;
                let plan_part = text(item, "plan_part").unwrap_or(part);
                let key = |k: &str| Segment::Key(k.to_string());
                let at = [
                    key("index"),
                    key("plans"),
                    key(plan),
                    key("data"),
                    key(plan_part),
                ];
                self.run.workspace_has(&at).then_some(part)
            })
            .collect()
    }

    /// The diagnostic for an overrun met while checking `file`; `doc` is the document that was
    /// being evaluated, when it is at hand, to say where in it.
    pub fn budget_error(
        &self,
        file: &str,
        doc: Option<&Document>,
        overrun: &Overrun,
    ) -> BudgetExceeded {
        let evaluation = overrun.evaluation;
        let policy = evaluation.and_then(|e| self.policies.get(e.policy));
        let place = match (policy, doc, evaluation) {
            (Some(policy), Some(doc), Some(e)) if e.role != ExprRole::Variables => {
                let matches = match &policy.select {
                    Some(selector) => selector.matches(&doc.root),
                    None => vec![(Vec::new(), &doc.root)],
                };
                matches
                    .get(e.matched)
                    .map(|(path, _)| LogicalPath(path.clone()).to_string())
                    .map(|p| {
                        if p.is_empty() {
                            String::new()
                        } else {
                            format!(" at `{p}`")
                        }
                    })
                    .unwrap_or_default()
            }
            _ => String::new(),
        };
        let (message, help) = match (overrun.limit, policy) {
            (Limit::Time(limit), Some(policy)) => (
                format!(
                    "{}: evaluation took longer than the budget of {} ms on {file}{place}; the policy was stopped and is not evaluated on the files checked after it",
                    policy.id,
                    limit.as_millis()
                ),
                "simplify the expression (nested comprehensions over large lists, very long strings), or raise the budget with --max-eval-ms or `maxEvalMs:` in bcpcheck.yaml".to_string(),
            ),
            (Limit::Time(limit), None) => (
                format!(
                    "{file}: checking took longer than the budget of {} ms",
                    limit.as_millis()
                ),
                "raise the budget with --max-eval-ms or `maxEvalMs:` in bcpcheck.yaml".to_string(),
            ),
            (Limit::Memory { limit, used }, _) => (
                match policy {
                    Some(policy) => format!(
                        "{file}: not checked: the run stopped when memory in use reached {} MiB, over the budget of {} MiB, while evaluating {}{place}",
                        budget::mib(used),
                        budget::mib(limit),
                        policy.id
                    ),
                    None => format!(
                        "{file}: not checked: the run stopped when memory in use reached {} MiB, over the budget of {} MiB",
                        budget::mib(used),
                        budget::mib(limit)
                    ),
                },
                "raise the budget with --max-memory or `maxMemory:` in bcpcheck.yaml, or simplify the policy that builds large values".to_string(),
            ),
        };
        // Where the running expression is written (a message expression has no span of its own:
        // the policy then).
        let written = policy.map(|policy| {
            let role = evaluation.map_or(ExprRole::Rule, |e| e.role);
            running(policy, role).map_or(policy.span, |expr| expr.span)
        });
        BudgetExceeded {
            policy: policy.map(|p| p.id.clone()),
            file: file.to_string(),
            message,
            src: policy.map(|p| document::named(&p.origin)),
            at: policy
                .zip(written)
                .map(|(p, span)| document::to_source_span(p.origin.first_line(span))),
            help,
        }
    }

    fn check_policy(
        &self,
        policy: &Policy,
        doc: &Document,
        scope: &DocumentScope<'_>,
        matches: &[Selected<'_>],
        at: Position<'_>,
        result: &mut DocumentResult,
    ) -> Outcome {
        // A selection over an empty list applied and found nothing.
        let mut outcome = match &policy.select {
            Some(selector) if matches.is_empty() && selector.container_exists(&doc.root) => {
                Outcome::Passed
            }
            _ => Outcome::NotApplicable,
        };
        // A `when` that reads no variable is tested first, so that a match it rules out costs no
        // variable evaluation.
        let when_first = policy
            .when
            .as_ref()
            .is_some_and(|when| when.compiled.variables.is_empty());
        let no_variables = Variables::default();
        // Variables that do not read `self` have one value per document: evaluated once, for the
        // first match that needs them, within its budget.
        let mut shared: Option<Variables> = None;
        for (matched, (match_path, this)) in matches.iter().enumerate() {
            at.meter.begin(at.policy, at.document, matched);
            // A panic inside the CEL evaluator is a bug there, not a reason to lose the run: it
            // becomes an evaluation error of this policy on this match.
            let evaluated = catch_unwind(AssertUnwindSafe(|| {
                if when_first {
                    let scope = scope.enter(*this, &no_variables);
                    if let Some(verdict) = self.precondition(policy, &scope, at.meter) {
                        return (verdict, None);
                    }
                }
                let shared = shared.get_or_insert_with(|| {
                    at.meter.role(ExprRole::Variables);
                    let run_level = policy
                        .variables
                        .iter()
                        .any(|v| !v.per_match && is_run_level(&v.expr.compiled));
                    if run_level {
                        at.meter.allow(self.run_allowance);
                    }
                    scope.shared_variables(
                        policy
                            .variables
                            .iter()
                            .filter(|v| !v.per_match)
                            .map(|v| (v.name.as_str(), &*v.expr.compiled)),
                    )
                });
                let mut scope = scope.enter(*this, shared);
                match self.evaluate(policy, &mut scope, at.meter, !when_first) {
                    Verdict::Fail(reason) => {
                        at.meter.role(ExprRole::Message);
                        let message = self.message(policy, &scope);
                        (Verdict::Fail(reason), Some(message))
                    }
                    verdict => (verdict, None),
                }
            }));
            let role = at.meter.current().1.map_or(ExprRole::Rule, |e| e.role);
            at.meter.end();
            let (verdict, message) = evaluated.unwrap_or_else(|panic| {
                let what = pool::panic_message(&*panic);
                let message = format!("the CEL evaluator failed internally ({what})");
                // Pointed at the expression that was running (the rule for a message expression).
                let expr = running(policy, role).unwrap_or(&policy.rule);
                (Verdict::Broken(expr, message), None)
            });
            // A value the schema found unreadable is reported once, by the schema check: a policy
            // that stumbles on it neither fails nor reports a policy bug.
            let verdict = match verdict {
                Verdict::Fail(Reason::BadValue { value, message }) => {
                    let path = locate::for_bad_value(doc, match_path, &value);
                    let touch = locate::Touch::ReadsOrHolds;
                    if !locate::reads_unreadable(policy, doc, match_path, at.unreadable, touch) {
                        result.bad_values.add(path, format!("`{value}`: {message}"));
                    }
                    Verdict::NotApplicable
                }
                verdict => unless_unreadable(verdict, policy, doc, match_path, at.unreadable),
            };
            let site = Site {
                policy,
                policy_ref: self.policy_ref(at.policy),
                file: at.file,
                doc,
                match_path,
                root_dir: at.root_dir,
            };
            match verdict {
                Verdict::NotApplicable => {}
                Verdict::Pass => outcome = outcome.max(Outcome::Passed),
                Verdict::Fail(reason) => {
                    outcome = Outcome::Failed;
                    let (message, failed) = message.unwrap_or_else(|| (policy.title.clone(), None));
                    if let (Some(why), Some(expr)) = (failed, &policy.message_expression) {
                        result.errors.push(site.error_at(expr.span, why));
                    }
                    result.findings.push(site.finding(reason, message));
                }
                Verdict::Broken(expr, message) => result.errors.push(site.error(expr, message)),
            }
        }
        outcome
    }

    /// Binds the match's own variables, tests `when` if `test_when` (it reads variables), and
    /// evaluates the rule.
    fn evaluate<'e>(
        &self,
        policy: &'e Policy,
        scope: &mut MatchScope<'_>,
        meter: &Meter,
        test_when: bool,
    ) -> Verdict<'e> {
        for (i, v) in policy.variables.iter().enumerate() {
            if v.per_match {
                meter.role(ExprRole::Variable(i));
                scope.bind_variable(&v.name, &v.expr.compiled);
            }
        }
        if test_when {
            if let Some(verdict) = self.precondition(policy, scope, meter) {
                return verdict;
            }
        }
        meter.role(ExprRole::Rule);
        match scope.eval_bool(&policy.rule.compiled) {
            Ok(true) => Verdict::Pass,
            Ok(false) => Verdict::Fail(Reason::RuleFalse),
            Err(err) => Verdict::from_rule_error(&policy.rule, err),
        }
    }

    /// The verdict when `when` rules the match out, or fails; `None` when it holds.
    fn precondition<'e>(
        &self,
        policy: &'e Policy,
        scope: &MatchScope<'_>,
        meter: &Meter,
    ) -> Option<Verdict<'e>> {
        let when = policy.when.as_ref()?;
        meter.role(ExprRole::When);
        match scope.eval_bool(&when.compiled) {
            Ok(true) => None,
            // A precondition on data the plan lacks means "not applicable"; presence is another policy's job.
            Ok(false) | Err(EvalError::Missing { .. }) => Some(Verdict::NotApplicable),
            Err(err) => Some(Verdict::from_rule_error(when, err)),
        }
    }

    /// The message of a finding: the message expression's, else `message`, else the title; and
    /// why the message expression failed, when it did (a policy bug, reported as such).
    fn message(&self, policy: &Policy, scope: &MatchScope<'_>) -> (String, Option<String>) {
        let fallback = || {
            policy
                .message
                .clone()
                .unwrap_or_else(|| policy.title.clone())
        };
        let Some(expr) = &policy.message_expression else {
            return (fallback(), None);
        };
        let evaluated = match expr.get(&self.runtime) {
            Some(compiled) => scope.eval_string(compiled).map_err(|e| match e {
                EvalError::Missing { field } => {
                    format!("it reads `{field}`, which this plan lacks; guard the read with has()")
                }
                EvalError::BadValue { message, .. } | EvalError::Failed(message) => message,
            }),
            None => Err("the expression does not compile".to_string()),
        };
        match evaluated {
            Ok(text) => (text, None),
            Err(why) => (fallback(), Some(format!("messageExpression failed: {why}"))),
        }
    }
}

/// The values of `doc` that the schema found unreadable: what reads them is not judged.
fn unreadable(doc: &Document) -> Vec<&[Segment]> {
    doc.problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Invalid)
        .map(|p| p.path.as_slice())
        .collect()
}

/// The expression of `policy` that runs in `role`; `None` for a message expression, which has no
/// span of its own.
fn running(policy: &Policy, role: ExprRole) -> Option<&PolicyExpr> {
    match role {
        ExprRole::Variable(i) => policy.variables.get(i).map(|v| &v.expr),
        ExprRole::Variables => policy
            .variables
            .iter()
            .find(|v| !v.per_match)
            .map(|v| &v.expr),
        ExprRole::When => policy.when.as_ref(),
        ExprRole::Rule => Some(&policy.rule),
        ExprRole::Message => None,
    }
}

/// A `select` match: its logical path, and its value in the document's data.
type Selected<'d> = (Vec<Segment>, DataNode<'d>);

/// The matches of `policy`'s `select` in `doc` (the root without one).
fn select<'d>(policy: &Policy, doc: &Document, scope: &'d DocumentScope<'_>) -> Vec<Selected<'d>> {
    let paths = match &policy.select {
        Some(selector) => selector
            .matches(&doc.root)
            .into_iter()
            .map(|(path, _)| path)
            .collect(),
        None => vec![Vec::new()],
    };
    paths
        .into_iter()
        .filter_map(|path| scope.at(&path).map(|value| (path, value)))
        .collect()
}

/// `verdict`, or not applicable when the failure or bug comes from a value the schema found
/// unreadable: the schema check reports that value once, and a policy stumbling on it neither
/// fails nor reports a bug.
fn unless_unreadable<'e>(
    verdict: Verdict<'e>,
    policy: &Policy,
    doc: &Document,
    match_path: &[Segment],
    unreadable: &[&[Segment]],
) -> Verdict<'e> {
    let touch = match verdict {
        _ if unreadable.is_empty() => return verdict,
        Verdict::Fail(Reason::RuleFalse) => locate::Touch::Reads,
        Verdict::Fail(_) | Verdict::Broken(..) => locate::Touch::ReadsOrHolds,
        _ => return verdict,
    };
    if locate::reads_unreadable(policy, doc, match_path, unreadable, touch) {
        Verdict::NotApplicable
    } else {
        verdict
    }
}

/// Which policy on which document an evaluation is, and where to publish it (also for `due`'s
/// searches).
#[derive(Clone, Copy)]
struct Position<'m> {
    policy: usize,
    file: &'m Arc<str>,
    unreadable: &'m [&'m [Segment]],
    /// The repository of the plan: fingerprints are relative to it.
    root_dir: &'m Path,
    document: usize,
    meter: &'m Meter,
}
