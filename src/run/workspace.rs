//! The run's portfolio: every workspace document loaded once, indexed, its second definitions of
//! shared entities recorded as problems of the documents holding them, and the `workspace`
//! value policies read.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::document::discover::Candidate;
use crate::document::schema::{ProblemKind, SchemaProblem};
use crate::document::workspace::{Summary, Workspace};
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

/// Loads the portfolio, `workspace` and `checked` files together (in parallel, each once), and
/// assembles the portfolio (see [`assemble`]). A workspace file that does not load is left out of
/// the portfolio; it is reported only when it is checked.
pub fn load(
    workspace: &[Candidate],
    checked: &[Candidate],
    options: impl Fn(&Candidate) -> LoadOptions + Sync,
    critical_tier: i64,
) -> Portfolio {
    let mut candidates: BTreeMap<&str, &Candidate> = BTreeMap::new();
    for candidate in workspace.iter().chain(checked) {
        candidates
            .entry(candidate.name.as_str())
            .or_insert(candidate);
    }
    let mut results: Vec<(&str, Loading)> = candidates
        .into_par_iter()
        .map(|(name, c)| {
            let loaded = document::load(&c.path, name, &options(c)).map(|loaded| {
                let data = loaded
                    .documents
                    .iter()
                    .map(|d| Data::from_node(&d.root))
                    .collect();
                (loaded, data)
            });
            (name, loaded)
        })
        .collect();
    let (value, summary) = {
        let mut files: Vec<Member<'_>> = results
            .iter_mut()
            .filter_map(|(name, result)| {
                let (loaded, data) = result.as_mut().ok()?;
                Some((*name, &mut loaded.documents, data.as_slice()))
            })
            .collect();
        assemble(&mut files, critical_tier)
    };
    let wanted: std::collections::HashSet<&str> = checked.iter().map(|c| c.name.as_str()).collect();
    let preloaded = results
        .into_iter()
        .filter(|(name, _)| wanted.contains(name))
        .map(|(name, result)| (name.to_string(), Mutex::new(Some(result))))
        .collect();
    Portfolio {
        value,
        preloaded: Preloaded(preloaded),
        summary,
    }
}

/// The `criticalTier` parameter of `params`.
pub fn critical_tier(params: &crate::document::Node) -> i64 {
    params
        .as_map()
        .and_then(|m| m.get("criticalTier"))
        .and_then(crate::document::Node::as_int)
        .unwrap_or(2)
}
