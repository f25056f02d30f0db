//! One document's findings on other days, as fingerprints only, for `due`: over many days at once
//! (the probes: what does not read `now`, such as the `select` matches, a `when` that reads no
//! variable and the variables shared by the matches, is evaluated once for all the days), or on
//! one day with a traced `now`, with each policy's horizon (the timeline search). No message is
//! built.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};

use super::budget::{ExprRole, Meter};
use super::site::{Reason, Site, Verdict};
use super::{select, unless_unreadable, Engine, Position, Selected};
use crate::document::Document;
use crate::expression::{traced, Compiled, Data, DocumentScope, Horizon, Variables};
use crate::policy::Policy;

/// One document and the days to evaluate it on.
#[derive(Clone, Copy)]
struct Day<'a> {
    doc: &'a Document,
    data: &'a Data,
    /// Its number in its file.
    index: usize,
    days: &'a [DateTime<FixedOffset>],
    /// The policies to evaluate (all enabled ones when `None`).
    only: Option<&'a [bool]>,
    meter: &'a Meter,
}

/// True when `expr` reads `now`.
fn reads_now(expr: &Compiled) -> bool {
    expr.free.iter().any(|(name, _)| name == "now")
}

impl Engine {
    /// Per day of `days`, the findings the enabled policies report on `documents` as of that
    /// day, as `(policy index, fingerprint)`: the same findings as [`Engine::check_all_as_of`]
    /// on each day (`data[i]` is `documents[i]` converted), without their messages. With
    /// `only`, just the policies it marks.
    pub fn fingerprints_by_day(
        &self,
        documents: &[Document],
        data: &[Data],
        days: &[DateTime<FixedOffset>],
        only: Option<&[bool]>,
        meter: &Meter,
    ) -> Vec<Vec<(usize, String)>> {
        let mut out = vec![Vec::new(); days.len()];
        for (index, (doc, data)) in documents.iter().zip(data).enumerate() {
            let on = Day {
                doc,
                data,
                index,
                days,
                only,
                meter,
            };
            self.fingerprints_of_document(on, &mut out, None);
        }
        out
    }

    /// The findings as of `now` of each policy `only` marks, as fingerprints (as
    /// [`Engine::fingerprints_by_day`] on one day), and per policy the horizon until which they
    /// hold: the earliest over `documents`, opaque when any is. The engine must be made
    /// [`Engine::with_traced_now`] over policies compiled [`Policy::with_now_on_the_left`].
    pub fn fingerprints_traced(
        &self,
        documents: &[Document],
        data: &[Data],
        now: DateTime<FixedOffset>,
        only: &[bool],
        meter: &Meter,
    ) -> (Vec<(usize, String)>, Vec<Horizon>) {
        let mut out = vec![Vec::new()];
        let mut horizons = vec![Horizon::Until(None); self.policies.len()];
        let days = [now];
        for (index, (doc, data)) in documents.iter().zip(data).enumerate() {
            let on = Day {
                doc,
                data,
                index,
                days: &days,
                only: Some(only),
                meter,
            };
            self.fingerprints_of_document(on, &mut out, Some(&mut horizons));
        }
        (out.pop().unwrap_or_default(), horizons)
    }

    /// One document's findings per day of `on.days`; with `horizons` (one day, traced `now`),
    /// each policy's evaluation is traced and its horizon merged into `horizons[policy]`.
    fn fingerprints_of_document(
        &self,
        on: Day<'_>,
        out: &mut [Vec<(usize, String)>],
        mut horizons: Option<&mut Vec<Horizon>>,
    ) {
        let Day {
            doc,
            data,
            index,
            days,
            only,
            meter,
        } = on;
        let root_dir = self.roots.root_of(&doc.source.path);
        let scopes: Vec<DocumentScope<'_>> = days
            .iter()
            .map(|now| {
                self.runtime
                    .document_scope(self.bindings(doc, data, *now, root_dir.clone()))
            })
            .collect();
        let Some(first) = scopes.first() else {
            return;
        };
        let packs: Vec<Vec<(String, bool)>> =
            scopes.iter().map(|s| self.packs_applied(s)).collect();
        let file: Arc<str> = Arc::from(doc.source.name.as_str());
        let unreadable = super::unreadable(doc);
        let delegated = self.delegated_parts(doc);
        let mut selections: HashMap<Option<&str>, Vec<Selected<'_>>> = HashMap::new();
        for (i, policy) in self.policies.iter().enumerate() {
            if only.is_some_and(|only| !only.get(i).copied().unwrap_or(false))
                || !policy.applies_to_kind(&doc.kind)
                || self.schema_checks.kind_of(i).is_some()
                || self.is_disabled(i)
                || policy.part().is_some_and(|part| delegated.contains(&part))
            {
                continue;
            }
            let applies: Vec<bool> = packs
                .iter()
                .map(|applied| {
                    policy.pack.as_ref().is_none_or(|pack| {
                        let found = applied.iter().find(|(p, _)| p == pack);
                        found.is_none_or(|(_, applies)| *applies)
                    })
                })
                .collect();
            if !applies.contains(&true) {
                continue;
            }
            let matches = selections
                .entry(policy.select_text.as_deref())
                .or_insert_with(|| select(policy, doc, first));
            let at = Position {
                policy: i,
                file: &file,
                unreadable: &unreadable,
                root_dir: &root_dir,
                document: index,
                meter,
            };
            match horizons.as_deref_mut() {
                Some(horizons) => {
                    let ((), horizon) = traced(days[0], || {
                        self.policy_by_day(policy, doc, &scopes, &applies, matches, at, out)
                    });
                    horizons[i] = horizons[i].min(horizon);
                }
                None => self.policy_by_day(policy, doc, &scopes, &applies, matches, at, out),
            }
        }
    }

    /// The findings of one policy on one document, per day where its pack applies.
    #[allow(clippy::too_many_arguments)]
    fn policy_by_day(
        &self,
        policy: &Policy,
        doc: &Document,
        scopes: &[DocumentScope<'_>],
        applies: &[bool],
        matches: &[Selected<'_>],
        at: Position<'_>,
        out: &mut [Vec<(usize, String)>],
    ) {
        let when_first = policy
            .when
            .as_ref()
            .is_some_and(|when| when.compiled.variables.is_empty());
        // No variable reads `now`: the match's variables have one value for every day, bound once;
        // each day then evaluates only the `when` if it reads `now`, and the rule.
        let vars_once = !policy.variables.iter().any(|v| reads_now(&v.expr.compiled));
        // A `when` that reads `now` neither itself nor through a variable holds or not on every
        // day alike: tested once per match.
        let when_once = vars_once
            && policy
                .when
                .as_ref()
                .is_some_and(|when| !reads_now(&when.compiled));
        let shared_vars: Vec<(&str, &Compiled)> = policy
            .variables
            .iter()
            .filter(|v| !v.per_match)
            .map(|v| (v.name.as_str(), &*v.expr.compiled))
            .collect();
        // Shared variables read only shared variables: when none reads `now`, one value serves
        // every day.
        let shared_once = !shared_vars.iter().any(|(_, c)| reads_now(c));
        let no_variables = Variables::default();
        let mut shared: Vec<Option<Variables>> = (0..scopes.len()).map(|_| None).collect();
        for (matched, (match_path, this)) in matches.iter().enumerate() {
            // The fingerprint of each reason this match fails for, computed once.
            let mut prints: HashMap<(u8, String), String> = HashMap::new();
            // With `vars_once`, the match's variables (shared and its own), unless a `when`
            // tested once ruled the match out (or evaluating them panicked: never a finding).
            let mut bound: Option<Variables> = None;
            if vars_once {
                at.meter.begin(at.policy, at.document, matched);
                let prepared = catch_unwind(AssertUnwindSafe(|| {
                    if when_once && when_first {
                        let scope = scopes[0].enter(*this, &no_variables);
                        if self.precondition(policy, &scope, at.meter).is_some() {
                            return None;
                        }
                    }
                    // As `evaluate` does: the shared variables, then the match's own.
                    let values = shared[0].get_or_insert_with(|| {
                        at.meter.role(ExprRole::Variables);
                        scopes[0].shared_variables(shared_vars.iter().copied())
                    });
                    let mut scope = scopes[0].enter(*this, values);
                    for (i, v) in policy.variables.iter().enumerate() {
                        if v.per_match {
                            at.meter.role(ExprRole::Variable(i));
                            scope.bind_variable(&v.name, &v.expr.compiled);
                        }
                    }
                    if when_once
                        && !when_first
                        && self.precondition(policy, &scope, at.meter).is_some()
                    {
                        return None;
                    }
                    Some(scope.variables())
                }))
                .unwrap_or(None);
                at.meter.end();
                match prepared {
                    Some(variables) => bound = Some(variables),
                    None => continue,
                }
            }
            for (day, scope) in scopes.iter().enumerate() {
                if !applies[day] {
                    continue;
                }
                at.meter.begin(at.policy, at.document, matched);
                let evaluated = catch_unwind(AssertUnwindSafe(|| {
                    if let Some(variables) = &bound {
                        let scope = scope.enter(*this, variables);
                        if !when_once {
                            if let Some(verdict) = self.precondition(policy, &scope, at.meter) {
                                return verdict;
                            }
                        }
                        at.meter.role(ExprRole::Rule);
                        return match scope.eval_bool(&policy.rule.compiled) {
                            Ok(true) => Verdict::Pass,
                            Ok(false) => Verdict::Fail(Reason::RuleFalse),
                            Err(err) => Verdict::from_rule_error(&policy.rule, err),
                        };
                    }
                    if when_first {
                        let scope = scope.enter(*this, &no_variables);
                        if let Some(verdict) = self.precondition(policy, &scope, at.meter) {
                            return verdict;
                        }
                    }
                    let from = if shared_once { 0 } else { day };
                    let values = shared[from].get_or_insert_with(|| {
                        at.meter.role(ExprRole::Variables);
                        scopes[from].shared_variables(shared_vars.iter().copied())
                    });
                    let mut scope = scope.enter(*this, values);
                    self.evaluate(policy, &mut scope, at.meter, !when_first)
                }));
                at.meter.end();
                // A panic is an evaluation error, never a finding.
                let Ok(verdict) = evaluated else {
                    continue;
                };
                // As `check_policy`: a value the schema found unreadable is not a finding here.
                let verdict = match verdict {
                    Verdict::Fail(Reason::BadValue { .. }) => continue,
                    verdict => unless_unreadable(verdict, policy, doc, match_path, at.unreadable),
                };
                let Verdict::Fail(reason) = verdict else {
                    continue;
                };
                let key = match &reason {
                    Reason::RuleFalse => (0, String::new()),
                    Reason::Missing(field) => (1, field.clone()),
                    Reason::BadValue { .. } => continue,
                };
                let print = prints.entry(key).or_insert_with(|| {
                    let site = Site {
                        policy,
                        policy_ref: self.policy_ref(at.policy),
                        file: at.file,
                        doc,
                        match_path,
                        root_dir: at.root_dir,
                    };
                    site.finding(reason, String::new()).fingerprint
                });
                out[day].push((at.policy, print.clone()));
            }
        }
    }
}
