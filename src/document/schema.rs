//! The plan schema enforced on load: the JSON Schema that `bcpcheck schema` prints is the one
//! definition of a plan's types. A value of the wrong type, range or format is a problem at that
//! value; a key that is not in the schema but close to one that is, a problem at that key. The
//! `jsonschema` crate decides validity; this module only says it in a plan author's words.

use std::sync::OnceLock;

use serde_json::{Map, Number, Value as Json};

use super::authoring::SCHEMA;
use super::path::{LogicalPath, Segment, Step};
use super::suggest;
use super::tree::{Node, Value};

/// The document kind the schema describes.
pub const PLAN_KIND: &str = "ContinuityPlan";

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

struct Compiled {
    validator: jsonschema::Validator,
    schema: Json,
}

fn compiled() -> Option<&'static Compiled> {
    static SCHEMA_CELL: OnceLock<Option<Compiled>> = OnceLock::new();
    SCHEMA_CELL
        .get_or_init(|| {
            let schema: Json = serde_json::from_str(SCHEMA).ok()?;
            let validator = jsonschema::draft202012::new(&schema).ok()?;
            Some(Compiled { validator, schema })
        })
        .as_ref()
}

/// The schema problems of a document of `kind`; none for kinds without a schema. `body`, which
/// bcpcheck adds to every plan, is not checked.
pub fn check(kind: &str, root: &Node) -> Vec<SchemaProblem> {
    let Some(compiled) = compiled().filter(|_| kind == PLAN_KIND) else {
        return Vec::new();
    };
    let data = to_json(root);
    let mut problems: Vec<SchemaProblem> = Vec::new();
    for error in compiled.validator.iter_errors(&data) {
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
        let message = invalid_message(&compiled.schema, &path, value);
        problems.push(SchemaProblem {
            path,
            kind: ProblemKind::Invalid,
            message,
        });
    }
    misspelt_keys(
        &compiled.schema,
        &compiled.schema,
        root,
        &mut Vec::new(),
        &mut problems,
    );
    problems.sort_by_key(|p| root.get(&p.path).map_or(0, |n| n.span.start));
    problems
}

/// The kinds of document that have a schema.
pub const KINDS: &[&str] = &[PLAN_KIND];

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
    let Some(compiled) = compiled().filter(|_| kind == PLAN_KIND) else {
        return FieldCheck::Accepted;
    };
    let root = &compiled.schema;
    let mut at = resolve(root, root);
    for (i, step) in steps.iter().enumerate() {
        let next = match step {
            Step::Segment(Segment::Key(key)) => {
                let Some(properties) = at.get("properties").and_then(Json::as_object) else {
                    return FieldCheck::Accepted;
                };
                if i == 0 && key == "body" {
                    return FieldCheck::Accepted;
                }
                match properties.get(key) {
                    Some(child) => child,
                    None => {
                        return match suggest(key, properties.keys().map(String::as_str)) {
                            Some(known) => FieldCheck::Misspelt {
                                step: i,
                                written: key.clone(),
                                known: known.to_string(),
                            },
                            None => FieldCheck::Accepted,
                        }
                    }
                }
            }
            Step::Segment(Segment::Index(_)) | Step::AnyItem => match at.get("items") {
                Some(items) => items,
                None => return FieldCheck::Accepted,
            },
            Step::AnyKey => return FieldCheck::Accepted,
        };
        at = resolve(root, next);
    }
    FieldCheck::Accepted
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
            Segment::Key(k) => at.get("properties")?.get(k)?,
            Segment::Index(_) => at.get("items")?,
        };
        at = resolve(root, at);
    }
    Some(at)
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
        Some((Segment::Key(k), rest)) => subschema(root, rest)?.get("properties")?.get(k),
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
fn misspelt_keys(
    root: &Json,
    schema: &Json,
    node: &Node,
    path: &mut Vec<Segment>,
    out: &mut Vec<SchemaProblem>,
) {
    let schema = resolve(root, schema);
    match &node.value {
        Value::Map(map) => {
            let properties = schema.get("properties").and_then(Json::as_object);
            for (key, child) in &map.entries {
                if path.is_empty() && key == "body" {
                    continue;
                }
                path.push(Segment::Key(key.clone()));
                match properties.and_then(|p| p.get(key)) {
                    Some(child_schema) => misspelt_keys(root, child_schema, child, path, out),
                    None => {
                        let known = properties
                            .into_iter()
                            .flat_map(|p| p.keys().map(String::as_str));
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
        let root = yaml::parse_stream(text, 0).unwrap().remove(0);
        check(PLAN_KIND, &root)
            .into_iter()
            .map(|p| (LogicalPath(p.path).to_string(), p.kind, p.message))
            .collect()
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
