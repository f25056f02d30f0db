//! The portfolio behind the checked files: every workspace document, an index of the entities
//! that registers and business impact analyses share (by type and id), and the plans' copies of
//! them. Built once per run from documents already loaded; policies read it as `workspace`.

use std::collections::{BTreeMap, HashSet};

use super::path::{LogicalPath, Segment};
use super::tree::{Node, Value};
use super::Document;

/// The kind of a plan.
pub const PLAN: &str = "ContinuityPlan";
/// The kind of a register of shared people, roles, providers, dependencies, evidence and sites.
pub const REGISTER: &str = "Register";
/// The kind of a business impact analysis.
pub const BIA: &str = "BusinessImpactAnalysis";

/// The lists whose items have an id that other documents refer to: the index's entity types.
pub const ENTITY_LISTS: &[&str] = &[
    "people",
    "roles",
    "providers",
    "dependencies",
    "evidence",
    "alternate_sites",
    "processes",
];

/// One document of the workspace.
#[derive(Debug, Clone)]
pub struct Member {
    /// The file, as shown.
    pub file: String,
    /// The document's kind.
    pub kind: String,
    /// `metadata.id`, when written.
    pub id: Option<String>,
}

/// The definition of a shared entity: where it is written, and who else writes or names it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The member (index into [`Workspace::members`]) that defines it first.
    pub member: usize,
    /// Where in that member: `providers[2]`.
    pub path: Vec<Segment>,
    /// Other members with an item of the same id in the same list (a plan's process with a BIA
    /// process's id covers it; a plan's provider with a register provider's id copies it).
    pub defined_in: Vec<usize>,
    /// Members that name the id in a value other than an item's own `id`.
    pub referenced_by: Vec<usize>,
}

/// A plan or register item that defines again an entity a register or BIA defines first.
#[derive(Debug, Clone, PartialEq)]
pub struct Redefinition {
    /// The member holding the second definition.
    pub member: usize,
    /// The item: `people[3]`.
    pub path: Vec<Segment>,
    /// True when both definitions hold the same values: a copy to drop, not a conflict.
    pub identical: bool,
    /// What is wrong, naming the first definition.
    pub message: String,
}

/// The workspace: its members in order, and per entity type the shared entities by id.
#[derive(Debug, Default)]
pub struct Workspace {
    /// Every document, in file order.
    pub members: Vec<Member>,
    /// Per entry of [`ENTITY_LISTS`] (same order), the entities registers and BIAs define, by id.
    pub index: Vec<BTreeMap<String, Entry>>,
    /// `ContinuityPlan` members by `metadata.id`.
    pub plans: BTreeMap<String, usize>,
    /// Second definitions of shared entities.
    pub redefinitions: Vec<Redefinition>,
}

impl Workspace {
    /// Indexes `documents` (file as shown, document), given in file order.
    pub fn build<'d>(documents: impl IntoIterator<Item = (&'d str, &'d Document)>) -> Self {
        let documents: Vec<(&str, &Document)> = documents.into_iter().collect();
        let mut workspace = Workspace {
            members: documents
                .iter()
                .map(|(file, doc)| Member {
                    file: file.to_string(),
                    kind: doc.kind.clone(),
                    id: doc
                        .root
                        .get(&[Segment::Key("metadata".into()), Segment::Key("id".into())])
                        .and_then(Node::as_str)
                        .map(str::to_string),
                })
                .collect(),
            index: vec![BTreeMap::new(); ENTITY_LISTS.len()],
            ..Workspace::default()
        };
        for (member, (_, doc)) in documents.iter().enumerate() {
            if doc.kind == PLAN {
                if let Some(id) = &workspace.members[member].id {
                    workspace.plans.entry(id.clone()).or_insert(member);
                }
            }
        }
        // Shared documents define first, whatever their file names; plans then cover or copy.
        let shared = |doc: &Document| doc.kind == REGISTER || doc.kind == BIA;
        let order = (0..documents.len())
            .filter(|&m| shared(documents[m].1))
            .chain((0..documents.len()).filter(|&m| !shared(documents[m].1)));
        for member in order {
            let doc = documents[member].1;
            for (list, index) in ENTITY_LISTS.iter().zip(workspace.index.iter_mut()) {
                for (path, id, item) in items(&doc.root, list) {
                    let Some(entry) = index.get_mut(id) else {
                        if shared(doc) {
                            index.insert(id.to_string(), entry_at(member, path));
                        }
                        continue;
                    };
                    if entry.member == member {
                        // A duplicate id within one file is the core pack's finding.
                        continue;
                    }
                    entry.defined_in.push(member);
                    // A plan's process with a BIA process's id is that process, not a copy.
                    if *list == "processes" {
                        continue;
                    }
                    let (first_doc, first_path) = (documents[entry.member].1, &entry.path);
                    let first = first_doc.root.get(first_path);
                    let identical = first.is_some_and(|first| same_value(first, item));
                    let message = redefinition_message(
                        list,
                        id,
                        documents[entry.member].0,
                        first_path,
                        identical,
                    );
                    workspace.redefinitions.push(Redefinition {
                        member,
                        path,
                        identical,
                        message,
                    });
                }
            }
        }
        workspace.index_references(&documents);
        workspace
    }

    /// The entities of type `list` (one of [`ENTITY_LISTS`]).
    pub fn entities(&self, list: &str) -> Option<&BTreeMap<String, Entry>> {
        let at = ENTITY_LISTS.iter().position(|l| *l == list)?;
        self.index.get(at)
    }

    /// Fills every entry's `referenced_by`: the members naming its id in a value that is not an
    /// item's own `id`.
    fn index_references(&mut self, documents: &[(&str, &Document)]) {
        let named: Vec<HashSet<&str>> = documents
            .iter()
            .map(|(_, doc)| {
                let mut names = HashSet::new();
                collect_names(&doc.root, false, &mut names);
                names
            })
            .collect();
        for index in &mut self.index {
            for (id, entry) in index.iter_mut() {
                entry.referenced_by = named
                    .iter()
                    .enumerate()
                    .filter(|(_, names)| names.contains(id.as_str()))
                    .map(|(member, _)| member)
                    .collect();
            }
        }
    }
}

fn entry_at(member: usize, path: Vec<Segment>) -> Entry {
    Entry {
        member,
        path,
        defined_in: Vec::new(),
        referenced_by: Vec::new(),
    }
}

/// The items of `root.<list>` that have an id: their path, id and node.
fn items<'n>(root: &'n Node, list: &str) -> Vec<(Vec<Segment>, &'n str, &'n Node)> {
    let Some(Value::Seq(items)) = root
        .as_map()
        .and_then(|m| m.get(list))
        .map(|node| &node.value)
    else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let id = item.as_map()?.get("id")?.as_str()?;
            let path = vec![Segment::Key(list.to_string()), Segment::Index(i)];
            Some((path, id, item))
        })
        .collect()
}

/// Every text value under `node` except the values of `id` keys (which define, not name).
fn collect_names<'n>(node: &'n Node, is_id: bool, names: &mut HashSet<&'n str>) {
    match &node.value {
        Value::Str(text) if !is_id => {
            names.insert(text.as_str());
        }
        Value::Seq(items) => {
            for item in items {
                collect_names(item, false, names);
            }
        }
        Value::Map(map) => {
            for (key, value) in &map.entries {
                collect_names(value, key == "id", names);
            }
        }
        _ => {}
    }
}

/// True when two nodes hold the same data, wherever they are written.
fn same_value(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.entries.len() == y.entries.len()
                && x.entries.iter().all(|(key, value)| {
                    y.get(key.as_str())
                        .is_some_and(|other| same_value(value, other))
                })
        }
        (x, y) => x == y,
    }
}

fn redefinition_message(
    list: &str,
    id: &str,
    first_file: &str,
    first_path: &[Segment],
    identical: bool,
) -> String {
    let first = format!(
        "`{id}` is defined in {first_file} at `{}`",
        LogicalPath(first_path.to_vec())
    );
    if identical {
        format!("{first} with the same values: this copy in `{list}` can be dropped, the reference resolves against the register")
    } else {
        format!("{first}, and this `{list}` item defines it again with other values: ids are unique per type across the workspace")
    }
}
