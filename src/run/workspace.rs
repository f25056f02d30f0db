//! The run's portfolio: every workspace document loaded once, indexed, its second definitions of
//! shared entities recorded as problems of the documents holding them, and the `workspace`
//! value policies read.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::document::discover::Candidate;
use crate::document::schema::{ProblemKind, SchemaProblem};
use crate::document::workspace::{InvalidContext, Summary, Workspace, BIA, REGISTER};
use crate::document::{self, Document, LoadError, LoadOptions, Loaded};
use crate::expression::{Data, WorkspaceValue};

/// A file of the portfolio: its name as shown, its documents, and their converted data.
pub type Member<'a> = (&'a str, &'a mut Vec<Document>, &'a [Data]);

/// Indexes the documents of `files` (in name order), records the
/// second definitions as problems of the documents that hold them (PORT-ID-001 and -002 report
/// them), and returns the value of `workspace` and the report's view of the portfolio (processes
/// of `critical_tier` or above are critical).
pub fn assemble(files: &mut [Member<'_>], critical_tier: i64) -> (Data, Option<Summary>) {
    let members: Vec<(usize, usize)> = files
        .iter()
        .enumerate()
        .flat_map(|(f, (_, docs, _))| (0..docs.len()).map(move |d| (f, d)))
        .collect();
    let workspace = Workspace::build(members.iter().map(|&(f, d)| (files[f].0, &files[f].1[d])));
    for redefinition in &workspace.redefinitions {
        let (f, d) = members[redefinition.member];
        files[f].1[d].problems.push(SchemaProblem {
            path: redefinition.path.clone(),
            kind: if redefinition.identical {
                ProblemKind::Copied
            } else {
                ProblemKind::Redefined
            },
            message: redefinition.message.clone(),
        });
    }
    let refs: Vec<&Data> = members.iter().map(|&(f, d)| &files[f].2[d]).collect();
    let value = Data::workspace(WorkspaceValue {
        workspace: Some(&workspace),
        data: &refs,
    });
    let summary = workspace.summary(members.iter().map(|&(f, d)| &files[f].1[d]), critical_tier);
    (value, summary)
}

/// The portfolio of a run: the value of `workspace`, the checked files already loaded, and what
/// the evidence report shows of it.
pub struct Portfolio {
    /// The value of `workspace`.
    pub value: Data,
    /// The checked files, loaded.
    pub preloaded: Preloaded,
    /// BIA coverage and provider concentration; `None` without a register or BIA.
    pub summary: Option<Summary>,
    /// How many documents it holds.
    pub documents: usize,
    /// The values of registers and BIAs loaded only as context that their schema refuses.
    pub context_errors: Vec<InvalidContext>,
}

/// Files loaded before the run, for the portfolio: each checked file's result is taken by the job
/// that checks it, so that no file is read twice.
#[derive(Debug, Default)]
pub struct Preloaded(HashMap<String, Mutex<Option<Loading>>>);

/// What loading a file gave: its documents and their converted data, or why it did not load.
pub type Loading = Result<(Loaded, Vec<Data>), LoadError>;

impl Preloaded {
    /// The loading result of the file named `name`, once.
    pub fn take(&self, name: &str) -> Option<Loading> {
        let cell = self.0.get(name)?;
        cell.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// True when the portfolio holds more than the checked plans alone give policies: a register or
/// a BIA among `workspace` and `checked`, or a plan that delegates a part (told from the files'
/// lines, without parsing them; the first found ends the search). Without, `workspace` has
/// nothing a policy could read but the plans themselves, and the files are checked one by one.
pub fn has_context(
    workspace: &[Candidate],
    checked: &[Candidate],
    options: impl Fn(&Candidate) -> LoadOptions + Sync,
) -> bool {
    let files: Vec<&Candidate> = workspace.iter().chain(checked).collect();
    files.into_par_iter().any(|c| {
        document::read_file(&c.path, &c.name, &options(c)).is_ok_and(|text| {
            document::declares_kind(&text, &[REGISTER, BIA])
                || document::declares_key(&text, "delegations")
        })
    })
}

/// Loads the portfolio: the `checked` files, then the registers and BIAs among the other
/// `workspace` files (told by their `kind:` line, without parsing), then, only when
/// `plans_needed` says so of the checked documents, the other plans; each file once, in parallel,
/// converted as it is loaded. A workspace file that does not load is left out of the portfolio;
/// it is reported only when it is checked.
pub fn load(
    workspace: &[Candidate],
    checked: &[Candidate],
    options: impl Fn(&Candidate) -> LoadOptions + Sync,
    critical_tier: i64,
    plans_needed: impl Fn(&[&Document]) -> bool,
) -> Portfolio {
    let checked_names: HashSet<&str> = checked.iter().map(|c| c.name.as_str()).collect();
    let mut others: BTreeMap<&str, &Candidate> = BTreeMap::new();
    for candidate in workspace {
        if !checked_names.contains(candidate.name.as_str()) {
            others.entry(candidate.name.as_str()).or_insert(candidate);
        }
    }
    let read: Vec<(&Candidate, Option<String>)> = others
        .into_par_iter()
        .map(|(name, c)| (c, document::read_file(&c.path, name, &options(c)).ok()))
        .collect();
    let (shared, plans): (Vec<_>, Vec<_>) = read.into_iter().partition(|(_, text)| {
        text.as_deref()
            .is_some_and(|text| document::declares_kind(text, &[REGISTER, BIA]))
    });
    let parse = |c: &Candidate, text: Option<String>| match text {
        Some(text) => document::load_context(&c.path, &c.name, text, &options(c)),
        None => document::load(&c.path, &c.name, &options(c)),
    };
    let load_all = |files: Vec<(&Candidate, Option<String>)>| -> Vec<(String, Loading)> {
        files
            .into_par_iter()
            .map(|(c, source)| (c.name.clone(), converted(parse(c, source))))
            .collect()
    };
    let mut results = load_all(
        checked
            .iter()
            .map(|c| (c, None))
            .chain(shared)
            .collect::<Vec<_>>(),
    );
    let checked_documents: Vec<&Document> = results
        .iter()
        .filter(|(name, _)| checked_names.contains(name.as_str()))
        .filter_map(|(_, result)| result.as_ref().ok())
        .flat_map(|(loaded, _)| &loaded.documents)
        .collect();
    if !plans.is_empty() && plans_needed(&checked_documents) {
        results.extend(load_all(plans));
    }
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let context_errors = results
        .iter()
        .filter(|(name, _)| !checked_names.contains(name.as_str()))
        .filter_map(|(_, result)| result.as_ref().ok())
        .flat_map(|(loaded, _)| &loaded.documents)
        .flat_map(InvalidContext::of)
        .collect();
    let (value, summary, documents) = {
        let mut files: Vec<Member<'_>> = results
            .iter_mut()
            .filter_map(|(name, result)| {
                let (loaded, data) = result.as_mut().ok()?;
                Some((name.as_str(), &mut loaded.documents, data.as_slice()))
            })
            .collect();
        let documents = files.iter().map(|(_, docs, _)| docs.len()).sum();
        let (value, summary) = assemble(&mut files, critical_tier);
        (value, summary, documents)
    };
    let preloaded = results
        .into_iter()
        .filter(|(name, _)| checked_names.contains(name.as_str()))
        .map(|(name, result)| (name, Mutex::new(Some(result))))
        .collect();
    Portfolio {
        value,
        preloaded: Preloaded(preloaded),
        summary,
        documents,
        context_errors,
    }
}

/// A loading result with its documents converted.
fn converted(loaded: Result<Loaded, LoadError>) -> Loading {
    loaded.map(|loaded| {
        let data = loaded
            .documents
            .iter()
            .map(|d| Data::from_node(&d.root))
            .collect();
        (loaded, data)
    })
}

/// The `criticalTier` parameter of `params`.
pub fn critical_tier(params: &crate::document::Node) -> i64 {
    params
        .as_map()
        .and_then(|m| m.get("criticalTier"))
        .and_then(crate::document::Node::as_int)
        .unwrap_or(2)
}
