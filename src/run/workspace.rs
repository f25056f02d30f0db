//! The run's portfolio: every workspace document loaded once, indexed, its second definitions of
//! shared entities recorded as problems of the documents holding them, and the `workspace`
//! value policies read.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::document::discover::Candidate;
use crate::document::schema::{ProblemKind, SchemaProblem};
use crate::document::workspace::Workspace;
use crate::document::{self, Document, LoadError, LoadOptions, Loaded};
use crate::expression::{Data, WorkspaceValue};

/// Indexes the documents of `files` (name as shown, its documents; in name order), records the
/// second definitions as problems of the documents that hold them (PORT-ID-001 and -002 report
/// them), and returns the value of `workspace`.
pub fn assemble(files: &mut [(&str, &mut Vec<Document>)]) -> Data {
    let members: Vec<(usize, usize)> = files
        .iter()
        .enumerate()
        .flat_map(|(f, (_, docs))| (0..docs.len()).map(move |d| (f, d)))
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
    let data: Vec<Data> = members
        .iter()
        .map(|&(f, d)| Data::from_node(&files[f].1[d].root))
        .collect();
    let refs: Vec<&Data> = data.iter().collect();
    Data::workspace(WorkspaceValue {
        workspace: Some(&workspace),
        data: &refs,
    })
}

/// Files loaded before the run, for the portfolio: each checked file's result is taken by the job
/// that checks it, so that no file is read twice.
#[derive(Debug, Default)]
pub struct Preloaded(HashMap<String, Mutex<Option<Result<Loaded, LoadError>>>>);

impl Preloaded {
    /// The loading result of the file named `name`, once.
    pub fn take(&self, name: &str) -> Option<Result<Loaded, LoadError>> {
        let cell = self.0.get(name)?;
        cell.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Loads the portfolio, `workspace` and `checked` files together (in parallel, each once), and
/// returns the value of `workspace` with the checked files' loading results. A workspace file
/// that does not load is left out of the portfolio; it is reported only when it is checked.
pub fn load(
    workspace: &[Candidate],
    checked: &[Candidate],
    options: impl Fn(&Candidate) -> LoadOptions + Sync,
) -> (Data, Preloaded) {
    let mut candidates: BTreeMap<&str, &Candidate> = BTreeMap::new();
    for candidate in workspace.iter().chain(checked) {
        candidates
            .entry(candidate.name.as_str())
            .or_insert(candidate);
    }
    let mut results: Vec<(&str, Result<Loaded, LoadError>)> = candidates
        .into_par_iter()
        .map(|(name, c)| (name, document::load(&c.path, name, &options(c))))
        .collect();
    let value = {
        let mut files: Vec<(&str, &mut Vec<Document>)> = results
            .iter_mut()
            .filter_map(|(name, result)| Some((*name, &mut result.as_mut().ok()?.documents)))
            .collect();
        assemble(&mut files)
    };
    let wanted: std::collections::HashSet<&str> = checked.iter().map(|c| c.name.as_str()).collect();
    let preloaded = results
        .into_iter()
        .filter(|(name, _)| wanted.contains(name))
        .map(|(name, result)| (name.to_string(), Mutex::new(Some(result))))
        .collect();
    (value, Preloaded(preloaded))
}
