//! The `workspace` variable: the portfolio's documents by kind and its shared entities by type and
//! id, as one CEL value built once per run over the documents' converted data (nothing copied).

use super::shared::{self, Data, Owned};
use crate::document::workspace::{self, Dependent, Entry, Workspace, ENTITY_LISTS};
use crate::document::LogicalPath;

/// The `tier` of a dependent process without one: below every tier.
const NO_TIER: i64 = 99;

/// What the `workspace` variable is built from.
#[derive(Default)]
pub struct WorkspaceValue<'a> {
    /// The index.
    pub workspace: Option<&'a Workspace>,
    /// Per member of the workspace, its converted data.
    pub data: &'a [&'a Data],
}

impl Data {
    /// The value of `workspace`:
    ///
    /// - `plans`, `registers`, `bias`: the documents of each kind, each `{file, kind, id, data}`;
    /// - `index.<type>[id]` for `people`, `roles`, `providers`, `dependencies`, `evidence`,
    ///   `alternate_sites` and `processes`: the entity as a register or BIA defines it,
    ///   `{id, file, kind, path, data, definedIn, referencedBy, dependents}` (files of other
    ///   documents defining the same id, and naming it; for a provider, the plans' processes that
    ///   depend on it: `{plan, file, process, tier, critical}`);
    /// - `index.plans[id]`: the plans by `metadata.id`, `{id, file, kind, data}`.
    pub fn workspace(value: WorkspaceValue<'_>) -> Data {
        let Some(ws) = value.workspace else {
            return Data(empty());
        };
        let data_of = |member: usize| {
            value
                .data
                .get(member)
                .and_then(|data| shared::to_owned(&*data.0).ok())
                .unwrap_or_else(|| shared::map(Vec::new()))
        };
        let document = |member: usize| {
            let m = &ws.members[member];
            shared::map(vec![
                ("file".into(), shared::string(&m.file)),
                ("kind".into(), shared::string(&m.kind)),
                ("id".into(), shared::string(m.id.as_deref().unwrap_or(""))),
                ("data".into(), data_of(member)),
            ])
        };
        let of_kind = |kind: &str| {
            shared::list(
                (0..ws.members.len())
                    .filter(|&m| ws.members[m].kind == kind)
                    .map(document)
                    .collect(),
            )
        };
        let files = |members: &[usize]| {
            let mut files: Vec<&str> = members
                .iter()
                .map(|&m| ws.members[m].file.as_str())
                .collect();
            files.dedup();
            shared::list(files.into_iter().map(shared::string).collect())
        };
        let dependents = |dependents: &[Dependent]| {
            let item = |d: &Dependent| {
                let plan = &ws.members[d.member];
                shared::map(vec![
                    (
                        "plan".into(),
                        shared::string(plan.id.as_deref().unwrap_or(&plan.file)),
                    ),
                    ("file".into(), shared::string(&plan.file)),
                    ("process".into(), shared::string(&d.process)),
                    ("tier".into(), shared::int(d.tier.unwrap_or(NO_TIER))),
                    ("critical".into(), shared::boolean(d.critical_or_important)),
                ])
            };
            shared::list(dependents.iter().map(item).collect())
        };
        let entry = |id: &str, entry: &Entry| {
            let member = &ws.members[entry.member];
            let data = value
                .data
                .get(entry.member)
                .and_then(|data| data.at(&entry.path))
                .and_then(|v| shared::to_owned(v).ok())
                .unwrap_or_else(|| shared::map(Vec::new()));
            shared::map(vec![
                ("id".into(), shared::string(id)),
                ("file".into(), shared::string(&member.file)),
                ("kind".into(), shared::string(&member.kind)),
                (
                    "path".into(),
                    shared::string(&LogicalPath(entry.path.clone()).to_string()),
                ),
                ("data".into(), data),
                ("definedIn".into(), files(&entry.defined_in)),
                ("referencedBy".into(), files(&entry.referenced_by)),
                ("dependents".into(), dependents(&entry.dependents)),
            ])
        };
        let mut index: Vec<(String, Owned)> = ENTITY_LISTS
            .iter()
            .zip(&ws.index)
            .map(|(list, entries)| {
                let entries = entries
                    .iter()
                    .map(|(id, e)| (id.clone(), entry(id, e)))
                    .collect();
                (list.to_string(), shared::map(entries))
            })
            .collect();
        let plans = ws
            .plans
            .iter()
            .map(|(id, &member)| (id.clone(), document(member)))
            .collect();
        index.push(("plans".into(), shared::map(plans)));
        Data(shared::map(vec![
            ("plans".into(), of_kind(workspace::PLAN)),
            ("registers".into(), of_kind(workspace::REGISTER)),
            ("bias".into(), of_kind(workspace::BIA)),
            ("index".into(), shared::map(index)),
        ]))
    }
}

/// The workspace of a run without one: every list and index empty, so that policies reading it
/// need no guard.
fn empty() -> Owned {
    let index = ENTITY_LISTS
        .iter()
        .chain(["plans"].iter())
        .map(|list| (list.to_string(), shared::map(Vec::new())))
        .collect();
    shared::map(vec![
        ("plans".into(), shared::list(Vec::new())),
        ("registers".into(), shared::list(Vec::new())),
        ("bias".into(), shared::list(Vec::new())),
        ("index".into(), shared::map(index)),
    ])
}
