//! The portfolio behind the checked files: every workspace document, an index of the entities
//! that registers and business impact analyses share (by type and id), and the plans' copies of
//! them. Built once per run from documents already loaded; policies read it as `workspace`.

use std::collections::{BTreeMap, HashSet};

use super::path::{LogicalPath, Segment};
use super::tree::{Node, Value};
use super::Document;

pub use super::schema::{BIA_KIND as BIA, PLAN_KIND as PLAN, REGISTER_KIND as REGISTER};

/// A value of a register or BIA read only as context (not checked in the run) that its schema
/// refuses: the policies of the checked plans cannot judge what they take from it, so the run
/// must not pass as if it were sound.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{file}: {message} (in a {kind} the checked plans read as context)")]
#[diagnostic(
    code(bcpcheck::workspace::invalid_context),
    help(
        "fix the value: until then, no policy of the checked plans can judge what they take from \
         it (`bcpcheck check {file}` lists every problem of this file)"
    )
)]
pub struct InvalidContext {
    /// File as shown.
    pub file: String,
    /// What the schema says.
    pub message: String,
    /// The document's kind.
    pub kind: String,
    /// The file.
    #[source_code]
    pub src: super::Named,
    /// The value.
    #[label("invalid")]
    pub at: miette::SourceSpan,
}

impl InvalidContext {
    /// The invalid values of `document` when it is a register or BIA. (Context plans are left to
    /// their own checks: there can be thousands, and a pre-commit run must stay fast.)
    pub fn of(document: &Document) -> Vec<Self> {
        if document.kind != REGISTER && document.kind != BIA {
            return Vec::new();
        }
        super::schema::check(&document.kind, &document.root)
            .into_iter()
            .filter(|p| p.kind == super::schema::ProblemKind::Invalid)
            .map(|problem| {
                let span = document
                    .root
                    .get(&problem.path)
                    .map_or(document.root.span, |n| n.span);
                InvalidContext {
                    file: document.source.name.clone(),
                    message: problem.message,
                    kind: document.kind.clone(),
                    src: super::named(&document.source),
                    at: super::to_source_span(span),
                }
            })
            .collect()
    }
}

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
    /// For a provider: the plans' processes that depend on it.
    pub dependents: Vec<Dependent>,
}

/// A plan's process that depends on a provider: directly (`depends_on: [PRV-MSFT]`) or through a
/// dependency, the plan's own or the register's, whose `provider` it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Dependent {
    /// The plan (a member).
    pub member: usize,
    /// The process id.
    pub process: String,
    /// The process's tier, when it is a whole number.
    pub tier: Option<i64>,
    /// `critical_or_important: true`.
    pub critical_or_important: bool,
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
        workspace.index_dependents(&documents);
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
        // From each document's names to the entries: linear in the portfolio's size, however
        // many entries it defines.
        for (member, (_, doc)) in documents.iter().enumerate() {
            let mut names = HashSet::new();
            collect_names(&doc.root, false, &mut names);
            for name in names {
                for index in &mut self.index {
                    if let Some(entry) = index.get_mut(name) {
                        entry.referenced_by.push(member);
                    }
                }
            }
        }
    }
}

impl Workspace {
    /// Fills every provider's `dependents`, from every plan's processes.
    fn index_dependents(&mut self, documents: &[(&str, &Document)]) {
        let Some(at) = ENTITY_LISTS.iter().position(|l| *l == "providers") else {
            return;
        };
        let registered = self.entities("dependencies").cloned().unwrap_or_default();
        let provider_of = |node: &Node| text(node, "provider");
        for (member, (_, doc)) in documents.iter().enumerate() {
            if doc.kind != PLAN {
                continue;
            }
            let own = items(&doc.root, "dependencies");
            for (_, process_id, process) in items(&doc.root, "processes") {
                let Some(needs) = process.as_map().and_then(|p| p.get("depends_on")) else {
                    continue;
                };
                let mut providers: Vec<String> = Vec::new();
                for need in needs
                    .as_seq()
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Node::as_str)
                {
                    let through = match own.iter().find(|(_, id, _)| *id == need) {
                        Some((_, _, dependency)) => provider_of(dependency),
                        None => registered.get(need).and_then(|entry| {
                            documents[entry.member]
                                .1
                                .root
                                .get(&entry.path)
                                .and_then(provider_of)
                        }),
                    };
                    let provider = through.unwrap_or_else(|| need.to_string());
                    if !providers.contains(&provider) {
                        providers.push(provider);
                    }
                }
                let map = process.as_map();
                let dependent = Dependent {
                    member,
                    process: process_id.to_string(),
                    tier: map.and_then(|m| m.get("tier")).and_then(Node::as_int),
                    critical_or_important: map
                        .and_then(|m| m.get("critical_or_important"))
                        .is_some_and(|n| n.value == Value::Bool(true)),
                };
                for provider in providers {
                    if let Some(entry) = self.index[at].get_mut(&provider) {
                        entry.dependents.push(dependent.clone());
                    }
                }
            }
        }
    }
}

/// The text under `key` of a mapping node.
fn text(node: &Node, key: &str) -> Option<String> {
    node.as_map()
        .and_then(|m| m.get(key))
        .and_then(Node::as_str)
        .map(str::to_string)
}

fn entry_at(member: usize, path: Vec<Segment>) -> Entry {
    Entry {
        member,
        path,
        defined_in: Vec::new(),
        referenced_by: Vec::new(),
        dependents: Vec::new(),
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

/// What the evidence report shows of the portfolio: BIA coverage and provider concentration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Per BIA process, the plans that cover it.
    pub coverage: Vec<Coverage>,
    /// Per register provider, the plans and critical processes that depend on it.
    pub providers: Vec<Concentration>,
}

/// A BIA process and the plans covering it.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// Process id.
    pub process: String,
    /// Its name, when written.
    pub name: Option<String>,
    /// Its tier, when written.
    pub tier: Option<i64>,
    /// At or above the critical tier, or `critical_or_important`.
    pub critical: bool,
    /// The BIA's file.
    pub bia: String,
    /// Files of the plans with a process of that id.
    pub plans: Vec<String>,
}

/// A register provider and what depends on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Concentration {
    /// Provider id.
    pub provider: String,
    /// Its name, when written.
    pub name: Option<String>,
    /// The register's file.
    pub register: String,
    /// Files of the plans with a process depending on it.
    pub plans: Vec<String>,
    /// The critical processes depending on it: (plan file, process id).
    pub critical: Vec<(String, String)>,
}

impl Workspace {
    /// The report's view of the portfolio over `documents` (as given to [`Workspace::build`]);
    /// `critical_tier` is the `criticalTier` parameter. `None` without a register or BIA.
    pub fn summary<'d>(
        &self,
        documents: impl IntoIterator<Item = &'d Document>,
        critical_tier: i64,
    ) -> Option<Summary> {
        let documents: Vec<&Document> = documents.into_iter().collect();
        if !documents
            .iter()
            .any(|d| d.kind == REGISTER || d.kind == BIA)
        {
            return None;
        }
        let file = |m: usize| self.members[m].file.clone();
        let is_critical = |process: &Node| {
            let map = process.as_map();
            let tier = map.and_then(|m| m.get("tier")).and_then(Node::as_int);
            let flagged = map
                .and_then(|m| m.get("critical_or_important"))
                .is_some_and(|n| n.value == Value::Bool(true));
            flagged || tier.is_some_and(|t| t <= critical_tier)
        };
        let mut summary = Summary::default();
        if let Some(processes) = self.entities("processes") {
            for (id, entry) in processes {
                if self.members[entry.member].kind != BIA {
                    continue;
                }
                let Some(node) = documents[entry.member].root.get(&entry.path) else {
                    continue;
                };
                let mut plans: Vec<String> = entry
                    .defined_in
                    .iter()
                    .filter(|&&m| self.members[m].kind == PLAN)
                    .map(|&m| file(m))
                    .collect();
                plans.dedup();
                summary.coverage.push(Coverage {
                    process: id.clone(),
                    name: text(node, "name"),
                    tier: node
                        .as_map()
                        .and_then(|m| m.get("tier"))
                        .and_then(Node::as_int),
                    critical: is_critical(node),
                    bia: file(entry.member),
                    plans,
                });
            }
        }
        if let Some(providers) = self.entities("providers") {
            for (id, entry) in providers {
                let Some(node) = documents[entry.member].root.get(&entry.path) else {
                    continue;
                };
                let mut row = Concentration {
                    provider: id.clone(),
                    name: text(node, "name"),
                    register: file(entry.member),
                    plans: Vec::new(),
                    critical: Vec::new(),
                };
                for dependent in &entry.dependents {
                    let plan = file(dependent.member);
                    if row.plans.last() != Some(&plan) {
                        row.plans.push(plan.clone());
                    }
                    let critical = dependent.critical_or_important
                        || dependent.tier.is_some_and(|t| t <= critical_tier);
                    if critical {
                        row.critical.push((plan, dependent.process.clone()));
                    }
                }
                summary.providers.push(row);
            }
        }
        Some(summary)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::*;
    use crate::document::{load_source, Format, SourceFile};

    fn load(name: &str, text: &str) -> Vec<Document> {
        let source = Arc::new(SourceFile::new(
            name.to_string(),
            PathBuf::from(name),
            text.to_string(),
        ));
        load_source(source, Format::Yaml, false)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .documents
    }

    const REGISTER: &str = "apiVersion: bcp/v1\nkind: Register\nmetadata: {id: REG}\nproviders:\n  - {id: PRV-MSFT, name: Microsoft}\n  - {id: PRV-OLD, name: Old}\ndependencies:\n  - {id: DEP-EXO, provider: PRV-MSFT}\npeople:\n  - {id: PER-A, name: Ann}\n";
    const BIA: &str = "apiVersion: bcp/v1\nkind: BusinessImpactAnalysis\nmetadata: {id: BIA}\nprocesses:\n  - {id: P-PAY, tier: 1}\n  - {id: P-WEB, tier: 2}\n  - {id: P-HR, tier: 3}\n";
    const PLAN: &str = "apiVersion: bcp/v1\nkind: ContinuityPlan\nmetadata: {id: BCP-1, owner: PER-A}\nproviders:\n  - {id: PRV-MSFT, name: Microsoft}\npeople:\n  - {id: PER-A, name: Anna}\nprocesses:\n  - {id: P-PAY, tier: 1, depends_on: [DEP-EXO]}\n";

    fn portfolio() -> Vec<(&'static str, Vec<Document>)> {
        // The plan's file sorts first: registers and BIAs still define first.
        vec![
            ("a-plan.yaml", load("a-plan.yaml", PLAN)),
            ("bia.yaml", load("bia.yaml", BIA)),
            ("register.yaml", load("register.yaml", REGISTER)),
        ]
    }

    fn build(files: &[(&'static str, Vec<Document>)]) -> Workspace {
        Workspace::build(
            files
                .iter()
                .flat_map(|(name, docs)| docs.iter().map(move |d| (*name, d))),
        )
    }

    #[test]
    fn registers_and_bias_define_entities_and_plans_cover_or_copy_them() {
        let files = portfolio();
        let ws = build(&files);
        let providers = ws.entities("providers").unwrap();
        let msft = &providers["PRV-MSFT"];
        assert_eq!(ws.members[msft.member].file, "register.yaml");
        assert_eq!(LogicalPath(msft.path.clone()).to_string(), "providers[0]");
        assert_eq!(msft.defined_in, [0], "the plan copies it");
        let pay = &ws.entities("processes").unwrap()["P-PAY"];
        assert_eq!(ws.members[pay.member].file, "bia.yaml");
        assert_eq!(pay.defined_in, [0], "the plan covers it");
        assert!(ws.entities("processes").unwrap()["P-WEB"]
            .defined_in
            .is_empty());
        assert_eq!(ws.plans["BCP-1"], 0);
    }

    #[test]
    fn references_are_names_other_than_an_items_own_id() {
        let files = portfolio();
        let ws = build(&files);
        let providers = ws.entities("providers").unwrap();
        // The register's dependency names PRV-MSFT; nothing names PRV-OLD.
        assert_eq!(providers["PRV-MSFT"].referenced_by, [2]);
        assert!(providers["PRV-OLD"].referenced_by.is_empty());
        assert_eq!(ws.entities("people").unwrap()["PER-A"].referenced_by, [0]);
        assert_eq!(
            ws.entities("dependencies").unwrap()["DEP-EXO"].referenced_by,
            [0]
        );
    }

    #[test]
    fn a_second_definition_is_a_conflict_unless_it_is_an_identical_copy() {
        let files = portfolio();
        let ws = build(&files);
        let found: Vec<(String, bool)> = ws
            .redefinitions
            .iter()
            .map(|r| (LogicalPath(r.path.clone()).to_string(), r.identical))
            .collect();
        assert_eq!(
            found,
            [
                ("people[0]".to_string(), false),
                ("providers[0]".to_string(), true)
            ]
        );
        assert!(ws.redefinitions[0]
            .message
            .contains("register.yaml at `people[0]`"));
        // Processes with a BIA process's id cover it: never a redefinition.
        assert!(ws
            .redefinitions
            .iter()
            .all(|r| r.path[0] != Segment::Key("processes".into())));
    }

    #[test]
    fn summary_shows_coverage_gaps_and_what_depends_on_each_provider() {
        let files = portfolio();
        let ws = build(&files);
        let documents = files.iter().flat_map(|(_, docs)| docs.iter());
        let summary = ws.summary(documents, 2).unwrap();
        let coverage: Vec<(&str, bool, usize)> = summary
            .coverage
            .iter()
            .map(|c| (c.process.as_str(), c.critical, c.plans.len()))
            .collect();
        assert_eq!(
            coverage,
            [("P-HR", false, 0), ("P-PAY", true, 1), ("P-WEB", true, 0)]
        );
        let msft = &summary.providers[0];
        assert_eq!(msft.provider, "PRV-MSFT");
        // Through the register's dependency DEP-EXO.
        assert_eq!(
            msft.critical,
            [("a-plan.yaml".to_string(), "P-PAY".to_string())]
        );
        assert!(summary.providers[1].plans.is_empty());
    }

    #[test]
    fn plans_alone_have_no_summary_and_define_nothing_shared() {
        let files = vec![("a-plan.yaml", load("a-plan.yaml", PLAN))];
        let ws = build(&files);
        assert!(ws.index.iter().all(BTreeMap::is_empty));
        assert!(ws.redefinitions.is_empty());
        assert!(ws.summary(files[0].1.iter(), 2).is_none());
    }
}
