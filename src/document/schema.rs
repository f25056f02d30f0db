//! The document schemas enforced on load: the JSON Schemas that `bcpcheck schema` prints are the
//! one definition of the types of a plan, a register and a BIA. A value of the wrong type, range or
//! format is a problem at that value; a key that is not in the schema but close to one that is, a
//! problem at that key. The `jsonschema` crate decides validity; this module only says it in a
//! plan author's words, and gives the register and the BIA the plan's item schemas.

use std::sync::OnceLock;

use serde_json::{Map, Number, Value as Json};

use super::authoring::{BIA_SCHEMA, REGISTER_SCHEMA, SCHEMA};
use super::path::{LogicalPath, Segment, Step};
use super::suggest;
use super::tree::{Node, Value};

/// The document kind of a business-continuity plan.
pub const PLAN_KIND: &str = "ContinuityPlan";

/// The document kind of a register of shared people, roles, providers, dependencies, evidence
/// and sites.
pub const REGISTER_KIND: &str = "Register";

/// The document kind of a business impact analysis.
pub const BIA_KIND: &str = "BusinessImpactAnalysis";

/// The kinds of document that have a schema.
pub const KINDS: &[&str] = &[PLAN_KIND, REGISTER_KIND, BIA_KIND];

/// What is wrong with a value of a document, by the schema.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaProblem {
    /// Where: the value, or the key for an unknown key.
    pub path: Vec<Segment>,
    /// Which check.
    pub kind: ProblemKind,
    /// What is wrong and what is expected, with an example.
    pub message: String,
}

/// The two checks of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// A value of the wrong type, out of range or in the wrong format: unreadable for policies.
    Invalid,
    /// A key that is not in the schema but close to one that is: probably misspelt.
    UnknownKey,
    /// An item defining again, with other values, an entity a register or BIA defines (found by
    /// the workspace, not the schema).
    Redefined,
    /// An item copying, with the same values, an entity a register or BIA defines.
    Copied,
}

/// The schema of each kind (its own, with the plan definitions it uses), built on first use.
fn schema(kind: &str) -> Option<&'static Json> {
    static CELLS: [OnceLock<Option<Json>>; 3] = [const { OnceLock::new() }; 3];
    let index = KINDS.iter().position(|k| *k == kind)?;
    CELLS[index]
        .get_or_init(|| {
            let own: Json = serde_json::from_str(source(kind)?).ok()?;
            let plan: Json = serde_json::from_str(SCHEMA).ok()?;
            Some(with_plan_defs(own, &plan))
        })
        .as_ref()
}

/// The validator of each kind, compiled only when a document of that kind is checked: the
/// policies' field paths need the schema alone, and a lone plan's run never pays for the
/// register's and the BIA's validators.
fn validator(kind: &str) -> Option<&'static jsonschema::Validator> {
    static CELLS: [OnceLock<Option<jsonschema::Validator>>; 3] = [const { OnceLock::new() }; 3];
    let index = KINDS.iter().position(|k| *k == kind)?;
    CELLS[index]
        .get_or_init(|| jsonschema::draft202012::new(schema(kind)?).ok())
        .as_ref()
}

/// The schema file of `kind`, as written: the register's and the BIA's refer to the plan's `$defs`.
fn source(kind: &str) -> Option<&'static str> {
    match kind {
        PLAN_KIND => Some(SCHEMA),
        REGISTER_KIND => Some(REGISTER_SCHEMA),
        BIA_KIND => Some(BIA_SCHEMA),
        _ => None,
    }
}

/// `own` with every definition of the plan schema that it refers to, directly or through
/// another, added to its `$defs` (its own definitions win): one definition of each entity's
/// shape, and a schema that stands alone.
fn with_plan_defs(mut own: Json, plan: &Json) -> Json {
    let empty = Map::new();
    let plan_defs = plan
        .get("$defs")
        .and_then(Json::as_object)
        .unwrap_or(&empty);
    let mut defs = own
        .get("$defs")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    let mut pending = Vec::new();
    local_refs(&own, &mut pending);
    while let Some(name) = pending.pop() {
        if defs.contains_key(&name) {
            continue;
        }
        if let Some(def) = plan_defs.get(&name) {
            local_refs(def, &mut pending);
            defs.insert(name, def.clone());
        }
    }
    if let Some(object) = own.as_object_mut() {
        object.insert("$defs".to_string(), Json::Object(defs));
    }
    own
}

/// The names of the `#/$defs/NAME` references in `schema`.
fn local_refs(schema: &Json, out: &mut Vec<String>) {
    match schema {
        Json::Object(object) => {
            for (key, value) in object {
                match (key.as_str(), value) {
                    ("$ref", Json::String(r)) => {
                        if let Some(name) = r.strip_prefix("#/$defs/") {
                            out.push(name.to_string());
                        }
                    }
                    _ => local_refs(value, out),
                }
            }
        }
        Json::Array(items) => items.iter().for_each(|item| local_refs(item, out)),
        _ => {}
    }
}

/// The self-contained schema of documents of `kind` (the plan's definitions merged in), as
/// `bcpcheck schema --kind` prints it; none for kinds without a schema.
pub fn document_schema(kind: &str) -> Option<&'static Json> {
    schema(kind)
}

/// The text `bcpcheck schema` prints for `kind`: the plan schema's file as written, the
/// register's and the BIA's with the plan's definitions they use merged in.
pub fn text(kind: &str) -> Option<String> {
    if kind == PLAN_KIND {
        return Some(SCHEMA.to_string());
    }
    let mut text = serde_json::to_string_pretty(document_schema(kind)?).ok()?;
    text.push('\n');
    Some(text)
}

/// The schema problems of a document of `kind`; none for kinds without a schema. `body`, which
/// bcpcheck adds to every document, is not checked.
pub fn check(kind: &str, root: &Node) -> Vec<SchemaProblem> {
    let (Some(schema), Some(validator)) = (schema(kind), validator(kind)) else {
        return Vec::new();
    };
    let data = to_json(root);
    let mut problems: Vec<SchemaProblem> = Vec::new();
    for error in validator.iter_errors(&data) {
        let path: Vec<Segment> = error
            .instance_path()
            .iter()
            .map(|s| match s {
                jsonschema::paths::LocationSegment::Property(p) => Segment::Key(p.into_owned()),
                jsonschema::paths::LocationSegment::Index(i) => Segment::Index(i),
            })
            .collect();
        if matches!(path.first(), Some(Segment::Key(k)) if k == "body") {
            continue;
        }
        // One problem per value, whatever number of keywords it breaks.
        if problems.iter().any(|p| p.path == path) {
            continue;
        }
        let value = root.get(&path);
        let message = invalid_message(schema, &path, value);
        problems.push(SchemaProblem {
            path,
            kind: ProblemKind::Invalid,
            message,
        });
    }
    misspelt_keys(schema, schema, root, &mut Vec::new(), &mut problems);
    problems.sort_by_key(|p| root.get(&p.path).map_or(0, |n| n.span.start));
    problems
}

/// What the schema says of a field path that a policy writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldCheck {
    /// Every field is in the schema, or the path leaves the schema for a field close to none
    /// (a team's own field).
    Accepted,
    /// Step number `step` names a field the schema does not have at that place, close to one it
    /// has.
    Misspelt {
        /// Index of the step in the path.
        step: usize,
        /// The field as written.
        written: String,
        /// The field the schema has.
        known: String,
    },
}

/// Checks a field path written in a policy (a `select` pattern, a `fieldPath`, or what an
/// expression reads) against the schema of documents of `kind`.
pub fn check_fields(kind: &str, steps: &[Step]) -> FieldCheck {
    match walk(kind, steps) {
        Walk::Misspelt(check) => check,
        Walk::Known | Walk::TeamField => FieldCheck::Accepted,
    }
}

/// Checks a field path against the schemas of every kind a policy applies to: the path is
/// misspelt when it is misspelt in one of them and known in none (`metadata.approved_by` of a
/// BIA is not a misspelt `approved_on` of a plan); the first kind's misspelling is named.
pub fn check_fields_in<'k>(kinds: impl IntoIterator<Item = &'k str>, steps: &[Step]) -> FieldCheck {
    let mut misspelt = None;
    for kind in kinds {
        match walk(kind, steps) {
            Walk::Known => return FieldCheck::Accepted,
            Walk::Misspelt(check) => {
                misspelt.get_or_insert(check);
            }
            Walk::TeamField => {}
        }
    }
    misspelt.unwrap_or(FieldCheck::Accepted)
}

/// What the schema of one kind says of a field path.
enum Walk {
    /// Every field is in the schema, or the path goes where the schema says nothing.
    Known,
    /// A field is in no schema and close to none of its neighbours: a team's own.
    TeamField,
    /// A field is close to one the schema has at that place.
    Misspelt(FieldCheck),
}

fn walk(kind: &str, steps: &[Step]) -> Walk {
    let Some(root) = schema(kind) else {
        return Walk::TeamField;
    };
    let mut at = resolve(root, root);
    for (i, step) in steps.iter().enumerate() {
        let next = match step {
            Step::Segment(Segment::Key(key)) => {
                let properties = properties(root, at);
                if properties.is_empty() || (i == 0 && key == "body") {
                    return Walk::Known;
                }
                match properties.iter().find(|(name, _)| *name == key) {
                    Some((_, child)) => *child,
                    None => {
                        return match suggest(key, properties.iter().map(|(name, _)| *name)) {
                            Some(known) => Walk::Misspelt(FieldCheck::Misspelt {
                                step: i,
                                written: key.clone(),
                                known: known.to_string(),
                            }),
                            None => Walk::TeamField,
                        }
                    }
                }
            }
            Step::Segment(Segment::Index(_)) | Step::AnyItem => match at.get("items") {
                Some(items) => items,
                None => return Walk::Known,
            },
            Step::AnyKey => return Walk::Known,
        };
        at = resolve(root, next);
    }
    Walk::Known
}

/// The data of a node as JSON, for the validator.
fn to_json(node: &Node) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::Number((*i).into()),
        // NaN and infinities are no JSON numbers: as text they still fail a number's type.
        Value::Float(f) => {
            Number::from_f64(*f).map_or_else(|| Json::String(f.to_string()), Json::Number)
        }
        Value::Str(s) => Json::String(s.clone()),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(map) => Json::Object(
            map.entries
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect::<Map<String, Json>>(),
        ),
    }
}

/// The subschema at `path`, following `$ref`s into `$defs`.
fn subschema<'s>(root: &'s Json, path: &[Segment]) -> Option<&'s Json> {
    let mut at = resolve(root, root);
    for segment in path {
        at = match segment {
            Segment::Key(k) => property(root, at, k)?,
            Segment::Index(_) => at.get("items")?,
        };
        at = resolve(root, at);
    }
    Some(at)
}

/// The properties `schema` declares: its own, and those of the schemas it combines with
/// `allOf` (a BIA process is a plan process and more).
fn properties<'s>(root: &'s Json, schema: &'s Json) -> Vec<(&'s str, &'s Json)> {
    let schema = resolve(root, schema);
    let mut out: Vec<(&str, &Json)> = schema
        .get("properties")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
        .map(|(name, child)| (name.as_str(), child))
        .collect();
    for branch in schema
        .get("allOf")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        out.extend(properties(root, branch));
    }
    out
}

/// The subschema of property `key` of `schema`.
fn property<'s>(root: &'s Json, schema: &'s Json, key: &str) -> Option<&'s Json> {
    properties(root, schema)
        .into_iter()
        .find(|(name, _)| *name == key)
        .map(|(_, child)| child)
}

/// `schema` with its `$ref` (a local `#/$defs/NAME`) merged under its own keywords.
fn resolve<'s>(root: &'s Json, schema: &'s Json) -> &'s Json {
    schema
        .get("$ref")
        .and_then(Json::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .and_then(|name| root.get("$defs")?.get(name))
        .unwrap_or(schema)
}

/// A keyword of the subschema at `path`, looked up on the subschema and on its `$ref` target.
fn keyword<'s>(root: &'s Json, path: &[Segment], name: &str) -> Option<&'s Json> {
    let parent = match path.split_last() {
        Some((Segment::Key(k), rest)) => property(root, subschema(root, rest)?, k),
        Some((Segment::Index(_), rest)) => subschema(root, rest)?.get("items"),
        None => Some(root),
    }?;
    parent.get(name).or_else(|| resolve(root, parent).get(name))
}

/// What the schema expects at `path`, and an example, in a plan author's words.
fn invalid_message(root: &Json, path: &[Segment], value: Option<&Node>) -> String {
    let name = match path.last() {
        Some(Segment::Key(k)) => format!("`{k}`"),
        Some(Segment::Index(i)) => format!(
            "item {i} of `{}`",
            LogicalPath(path[..path.len() - 1].to_vec())
        ),
        None => "the document".to_string(),
    };
    let expected = keyword(root, path, "const")
        .map(|c| format!("`{}`", plain(c)))
        .or_else(|| {
            keyword(root, path, "enum")
                .and_then(Json::as_array)
                .map(|values| {
                    let names: Vec<String> = values
                        .iter()
                        .filter(|v| !v.is_null())
                        .map(|v| format!("`{}`", plain(v)))
                        .collect();
                    format!("one of {}", names.join(", "))
                })
        })
        .unwrap_or_else(|| expected_type(root, path));
    let found = match value {
        Some(node) => format!("; found {}", found(node)),
        None => String::new(),
    };
    let example = example(root, path)
        .map(|e| match path.last() {
            Some(Segment::Key(k)) => format!(", e.g. `{k}: {e}`"),
            _ => format!(", e.g. `{e}`"),
        })
        .unwrap_or_default();
    format!("{name} must be {expected}{example}{found}")
}

/// The expected type, with its range or format.
fn expected_type(root: &Json, path: &[Segment]) -> String {
    let types: Vec<&str> = match keyword(root, path, "type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    };
    let minimum = keyword(root, path, "minimum").and_then(Json::as_i64);
    let maximum = keyword(root, path, "maximum").and_then(Json::as_i64);
    let format = resolve(root, subschema(root, path).unwrap_or(root))
        .get("description")
        .and_then(Json::as_str)
        .filter(|_| keyword(root, path, "pattern").is_some());
    let described: Vec<String> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| match *t {
            "integer" => match (minimum, maximum) {
                (Some(lo), Some(hi)) => format!("a whole number from {lo} to {hi}"),
                (Some(lo), None) => format!("a whole number of at least {lo}"),
                _ => "a whole number".to_string(),
            },
            "number" => "a number".to_string(),
            "boolean" => "`true` or `false`".to_string(),
            "array" => "a list".to_string(),
            "object" => "a mapping of `key: value` lines".to_string(),
            "string" => match format {
                Some(f) => f.to_string(),
                None => match keyword(root, path, "pattern").and_then(Json::as_str) {
                    Some(p) => format!("text matching `{p}`"),
                    None => "text".to_string(),
                },
            },
            other => other.to_string(),
        })
        .collect();
    if described.is_empty() {
        "a value the schema allows".to_string()
    } else {
        described.join(" or ")
    }
}

/// An example value: the schema's own `examples`, else one for the common formats.
fn example(root: &Json, path: &[Segment]) -> Option<String> {
    if let Some(e) = keyword(root, path, "examples")
        .and_then(Json::as_array)
        .and_then(|a| a.first())
    {
        return Some(plain(e));
    }
    if let Some(e) = keyword(root, path, "const") {
        return Some(plain(e));
    }
    if let Some(first) = keyword(root, path, "enum")
        .and_then(Json::as_array)
        .and_then(|a| a.iter().find(|v| !v.is_null()))
    {
        return Some(plain(first));
    }
    keyword(root, path, "minimum")
        .and_then(Json::as_i64)
        .map(|lo| lo.max(1).to_string())
}

/// A JSON value as a plan author writes it in YAML.
fn plain(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A node as found: its text for a scalar, its kind for a container.
fn found(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => format!("`{}`", s.chars().take(60).collect::<String>()),
        Value::Int(i) => format!("`{i}`"),
        Value::Float(f) => format!("`{f}`"),
        Value::Bool(b) => format!("`{b}`"),
        Value::Null => "nothing".to_string(),
        Value::Seq(_) => "a list".to_string(),
        Value::Map(_) => "a mapping".to_string(),
    }
}

/// Keys that the schema does not know but that are close to a key it knows at the same place.
/// Keys far from every known key stay allowed: teams add their own fields.
fn misspelt_keys<'s>(
    root: &'s Json,
    schema: &'s Json,
    node: &Node,
    path: &mut Vec<Segment>,
    out: &mut Vec<SchemaProblem>,
) {
    let schema = resolve(root, schema);
    match &node.value {
        Value::Map(map) => {
            let properties = properties(root, schema);
            for (key, child) in &map.entries {
                if path.is_empty() && key == "body" {
                    continue;
                }
                path.push(Segment::Key(key.clone()));
                match properties.iter().find(|(name, _)| name == key) {
                    Some((_, child_schema)) => misspelt_keys(root, child_schema, child, path, out),
                    None => {
                        let known = properties.iter().map(|(name, _)| *name);
                        if let Some(close) = suggest(key, known) {
                            out.push(SchemaProblem {
                                path: path.clone(),
                                kind: ProblemKind::UnknownKey,
                                message: format!("unknown field `{key}`; did you mean `{close}`?"),
                            });
                        }
                    }
                }
                path.pop();
            }
        }
        Value::Seq(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    path.push(Segment::Index(i));
                    misspelt_keys(root, item_schema, item, path, out);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::yaml;

    fn problems(text: &str) -> Vec<(String, ProblemKind, String)> {
        problems_of(PLAN_KIND, text)
    }

    fn problems_of(kind: &str, text: &str) -> Vec<(String, ProblemKind, String)> {
        let root = yaml::parse_stream(text, 0).unwrap().remove(0);
        check(kind, &root)
            .into_iter()
            .map(|p| (LogicalPath(p.path).to_string(), p.kind, p.message))
            .collect()
    }

    /// The `#/$defs/NAME` references of `schema` that its `$defs` do not hold.
    fn dangling(schema: &Json) -> Vec<String> {
        let mut names = Vec::new();
        local_refs(schema, &mut names);
        names.retain(|n| schema["$defs"].get(n).is_none());
        names
    }

    #[test]
    fn every_kind_compiles_and_stands_alone_with_the_plan_defs_it_uses() {
        for kind in KINDS {
            let schema = document_schema(kind).unwrap_or_else(|| panic!("{kind} compiles"));
            assert_eq!(dangling(schema), Vec::<String>::new(), "{kind}");
            assert_eq!(schema["properties"]["kind"]["const"], *kind);
        }
        let plan: Json = serde_json::from_str(SCHEMA).unwrap();
        let register = document_schema(REGISTER_KIND).unwrap();
        for def in [
            "person",
            "role",
            "provider",
            "dependency",
            "evidence",
            "alternateSite",
        ] {
            assert_eq!(register["$defs"][def], plan["$defs"][def], "{def}");
        }
        // Only what it uses: a register has no procedures.
        assert!(register["$defs"].get("procedure").is_none());
        let bia = document_schema(BIA_KIND).unwrap();
        for def in ["process", "duration", "person", "evidence"] {
            assert_eq!(bia["$defs"][def], plan["$defs"][def], "{def}");
        }
        assert!(bia["$defs"]["impact"].is_object());
        assert!(bia["$defs"]["biaProcess"].is_object());
        assert!(document_schema("ExerciseReport").is_none());
        assert_eq!(text(PLAN_KIND).as_deref(), Some(SCHEMA));
        let printed: Json = serde_json::from_str(&text(REGISTER_KIND).unwrap()).unwrap();
        assert_eq!(&printed, register);
    }

    #[test]
    fn a_register_has_the_plan_item_schemas() {
        let found = problems_of(
            REGISTER_KIND,
            "apiVersion: bcp/v1\nkind: Register\nmetadata:\n  id: REG-1\n  next_review: soon\nproviders:\n  - id: PRV-A\n    status_channels: status page\n    exit_strategy:\n      transition_period: 3 months\npeople:\n  - id: PER-A\n    phone: 4915100000\n",
        );
        let at: Vec<(&str, ProblemKind)> = found.iter().map(|p| (p.0.as_str(), p.1)).collect();
        assert_eq!(
            at,
            [
                ("metadata.next_review", ProblemKind::Invalid),
                ("providers[0].status_channels", ProblemKind::Invalid),
                (
                    "providers[0].exit_strategy.transition_period",
                    ProblemKind::Invalid
                ),
                ("people[0].phone", ProblemKind::Invalid),
            ],
            "{found:#?}"
        );
        assert!(
            found[1].2.starts_with("`status_channels` must be a list"),
            "{}",
            found[1].2
        );
        assert_eq!(
            problems_of(REGISTER_KIND, "apiVersion: bcp/v1\nkind: Register\nprovders: []\nproviders:\n  - id: PRV-A\n    exit_strategy:\n      alternativ: X\n"),
            vec![
                (
                    "provders".to_string(),
                    ProblemKind::UnknownKey,
                    "unknown field `provders`; did you mean `providers`?".to_string()
                ),
                (
                    "providers[0].exit_strategy.alternativ".to_string(),
                    ProblemKind::UnknownKey,
                    "unknown field `alternativ`; did you mean `alternative`?".to_string()
                ),
            ]
        );
        // A register has no processes: the key is a team's own, not a misspelling.
        assert_eq!(
            problems_of(
                REGISTER_KIND,
                "apiVersion: bcp/v1\nkind: Register\nprocesses: []\n"
            ),
            vec![]
        );
    }

    #[test]
    fn a_bia_process_is_a_plan_process_with_impacts() {
        let found = problems_of(
            BIA_KIND,
            "apiVersion: bcp/v1\nkind: BusinessImpactAnalysis\nmetadata:\n  completed_on: 2026-13-01x\nprocesses:\n  - id: P-A\n    tier: high\n    rot: 4h\n    impacts:\n      - category: financial\n        after: 4 hours\n        level: extreme\n        descripton: costs\n",
        );
        let at: Vec<(&str, ProblemKind)> = found.iter().map(|p| (p.0.as_str(), p.1)).collect();
        assert_eq!(
            at,
            [
                ("metadata.completed_on", ProblemKind::Invalid),
                ("processes[0].tier", ProblemKind::Invalid),
                ("processes[0].rot", ProblemKind::UnknownKey),
                ("processes[0].impacts[0].after", ProblemKind::Invalid),
                ("processes[0].impacts[0].level", ProblemKind::Invalid),
                (
                    "processes[0].impacts[0].descripton",
                    ProblemKind::UnknownKey
                ),
            ],
            "{found:#?}"
        );
        assert!(
            found[1]
                .2
                .starts_with("`tier` must be a whole number from 1 to 4"),
            "{}",
            found[1].2
        );
        assert_eq!(found[2].2, "unknown field `rot`; did you mean `rto`?");
        assert_eq!(
            found[4].2,
            "`level` must be one of `low`, `medium`, `high`, `severe`, e.g. `level: high`; found `extreme`"
        );
    }

    #[test]
    fn policy_paths_are_checked_against_the_schema_of_each_kind() {
        use crate::document::path::parse_segments;
        let check = |kind: &str, text: &str| check_fields(kind, &parse_segments(text).unwrap());
        assert_eq!(check(BIA_KIND, "processes[*].rto"), FieldCheck::Accepted);
        assert_eq!(
            check(BIA_KIND, "processes[*].impacts[*].level"),
            FieldCheck::Accepted
        );
        assert_eq!(
            check(BIA_KIND, "processes[*].impacts[*].levl"),
            FieldCheck::Misspelt {
                step: 4,
                written: "levl".into(),
                known: "level".into()
            }
        );
        assert!(matches!(
            check(BIA_KIND, "processes[*].mtdp"),
            FieldCheck::Misspelt { step: 2, .. }
        ));
        assert_eq!(
            check(REGISTER_KIND, "providers[*].exit_strategy.alternative"),
            FieldCheck::Accepted
        );
        assert!(matches!(
            check(REGISTER_KIND, "metadata.next_reviw"),
            FieldCheck::Misspelt { step: 1, .. }
        ));
        // Impacts are the BIA's: in a plan they are a team's own field.
        assert_eq!(
            check(PLAN_KIND, "processes[*].impacts"),
            FieldCheck::Accepted
        );
        assert_eq!(
            check("ExerciseReport", "anything.at.all"),
            FieldCheck::Accepted
        );
    }

    #[test]
    fn a_path_known_in_one_kind_of_a_policy_is_no_misspelling_of_another() {
        use crate::document::path::parse_segments;
        let check = |kinds: &[&str], text: &str| {
            check_fields_in(kinds.iter().copied(), &parse_segments(text).unwrap())
        };
        // `approved_by` is close to a plan's `approved_on`, but a BIA has it.
        assert!(matches!(
            check(&[PLAN_KIND], "metadata.approved_by"),
            FieldCheck::Misspelt { .. }
        ));
        assert_eq!(check(KINDS, "metadata.approved_by"), FieldCheck::Accepted);
        // Misspelt in a plan and in a BIA, a team's own field in a register: misspelt.
        assert_eq!(
            check(KINDS, "processes[*].rot"),
            FieldCheck::Misspelt {
                step: 2,
                written: "rot".into(),
                known: "rto".into()
            }
        );
        assert_eq!(check(KINDS, "acme.cost_centre"), FieldCheck::Accepted);
        assert_eq!(check(&[], "processes[*].rot"), FieldCheck::Accepted);
    }

    #[test]
    fn a_delegation_names_a_part_and_a_plan_id() {
        assert_eq!(
            problems("apiVersion: bcp/v1\nkind: ContinuityPlan\ndelegations:\n  - part: communications\n    plan: BCP-EOC-001\n    plan_part: communications\n    reason: the city's emergency operations centre speaks to the public\n"),
            vec![]
        );
        let found = problems(
            "apiVersion: bcp/v1\nkind: ContinuityPlan\ndelegations:\n  - part: comms\n    plan: bcp eoc\n    plan_prat: activation\n",
        );
        assert_eq!(found.len(), 3, "{found:#?}");
        assert_eq!(found[0].0, "delegations[0].part");
        assert!(
            found[0]
                .2
                .starts_with("`part` must be one of `activation`, `escalation`, `communications`"),
            "{}",
            found[0].2
        );
        assert_eq!(found[1].0, "delegations[0].plan");
        assert!(
            found[1].2.contains("e.g. `plan: BCP-EOC-001`"),
            "{}",
            found[1].2
        );
        assert_eq!(
            found[2],
            (
                "delegations[0].plan_prat".to_string(),
                ProblemKind::UnknownKey,
                "unknown field `plan_prat`; did you mean `plan_part`?".to_string()
            )
        );
    }

    #[test]
    fn a_wrong_value_is_one_problem_saying_what_is_expected() {
        let found = problems(
            "apiVersion: bcp/v1\nkind: ContinuityPlan\nprocesses:\n  - id: P-PAY\n    tier: high\n    rto: 8 hours\n",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "processes[0].tier");
        assert!(
            found[0].2.starts_with(
                "`tier` must be a whole number from 1 to 4, e.g. `tier: 1`; found `high`"
            ),
            "{}",
            found[0].2
        );
        assert_eq!(found[1].0, "processes[0].rto");
        assert!(found[1].2.contains("must be a duration"), "{}", found[1].2);
    }

    #[test]
    fn policy_paths_are_checked_against_the_schema() {
        use crate::document::path::parse_segments;
        let check = |text: &str| check_fields(PLAN_KIND, &parse_segments(text).unwrap());
        assert_eq!(check("processes[*].rto"), FieldCheck::Accepted);
        assert_eq!(check("processes[*].acme_cost"), FieldCheck::Accepted);
        assert_eq!(
            check("processes[*].rot"),
            FieldCheck::Misspelt {
                step: 2,
                written: "rot".into(),
                known: "rto".into()
            }
        );
        assert!(matches!(
            check("process[*]"),
            FieldCheck::Misspelt { step: 0, .. }
        ));
    }

    #[test]
    fn a_key_close_to_a_known_one_is_named_and_far_ones_are_allowed() {
        let found = problems(
            "apiVersion: bcp/v1\nkind: ContinuityPlan\nprocceses: []\nacme_cost_centre: 42\n",
        );
        assert_eq!(
            found,
            vec![(
                "procceses".to_string(),
                ProblemKind::UnknownKey,
                "unknown field `procceses`; did you mean `processes`?".to_string()
            )]
        );
    }
}
