//! Symbolic locations: which logical path a finding is about, worked out from the policy and the
//! fields its rule reads. Byte spans are the document layer's job.

use crate::document::{Document, Node, Segment, Value};
use crate::expression::{Access, Root};
use crate::policy::Policy;

/// A false rule points at `fieldPath` (`.` is the match); else at the first `has()` whose field is missing; else at
/// the first existing field the rule reads below the match; else at the match.
pub fn for_false_rule(policy: &Policy, doc: &Document, match_path: &[Segment]) -> Vec<Segment> {
    if let Some(field_path) = &policy.field_path {
        return [match_path, field_path].concat();
    }
    let reads = &policy.rule.compiled.reads;
    let missing_test = reads
        .iter()
        .filter(|a| a.is_presence_test)
        .find_map(|access| {
            first_gap(doc, match_path, access)
                .filter(|(_, field)| access.fields.last() == Some(field))
                .map(|(parent, field)| [parent, vec![Segment::Key(field)]].concat())
        });
    let first_read = || {
        reads
            .iter()
            .filter(|a| !a.is_presence_test && !a.fields.is_empty())
            .find_map(|access| {
                let root = match &access.root {
                    Root::Variable(name) if name == "self" => match_path.to_vec(),
                    Root::Variable(name) if name == "doc" => Vec::new(),
                    _ => return None,
                };
                let path: Vec<Segment> = root
                    .into_iter()
                    .chain(access.fields.iter().cloned().map(Segment::Key))
                    .collect();
                (path.starts_with(match_path)
                    && path.len() > match_path.len()
                    && doc.root.get(&path).is_some())
                .then_some(path)
            })
    };
    missing_test
        .or_else(first_read)
        .unwrap_or_else(|| match_path.to_vec())
}

/// A rule that read a missing field points at the nearest existing parent that lacks it.
pub fn for_missing_field(
    policy: &Policy,
    doc: &Document,
    match_path: &[Segment],
    field: &str,
) -> Vec<Segment> {
    policy
        .expressions()
        .flat_map(|e| e.compiled.reads.iter())
        .find_map(|access| first_gap(doc, match_path, access).filter(|(_, f)| f == field))
        .map(|(parent, field)| [parent, vec![Segment::Key(field)]].concat())
        .unwrap_or_else(|| [match_path, policy.field_path.as_deref().unwrap_or_default()].concat())
}

/// A value `date()` or `period()` could not read: the first node holding it, in the match first.
pub fn for_bad_value(doc: &Document, match_path: &[Segment], value: &str) -> Vec<Segment> {
    let holding = |root: &Node, base: &[Segment]| {
        let mut found = None;
        root.walk(&mut |path, node| {
            if found.is_none() && node.as_str() == Some(value) {
                found = Some([base, path].concat());
            }
        });
        found
    };
    doc.root
        .get(match_path)
        .and_then(|node| holding(node, match_path))
        .or_else(|| holding(&doc.root, &[]))
        .unwrap_or_else(|| match_path.to_vec())
}

/// The concrete paths an access may start from.
fn bases(doc: &Document, match_path: &[Segment], root: &Root) -> Vec<Vec<Segment>> {
    match root {
        Root::Variable(name) if name == "self" => vec![match_path.to_vec()],
        Root::Variable(name) if name == "doc" => vec![Vec::new()],
        Root::Variable(_) => Vec::new(),
        Root::ItemOf(range) => {
            let mut items = Vec::new();
            for base in bases(doc, match_path, &range.root) {
                let path: Vec<Segment> = base
                    .into_iter()
                    .chain(range.fields.iter().cloned().map(Segment::Key))
                    .collect();
                if let Some(Value::Seq(list)) = doc.root.get(&path).map(|n| &n.value) {
                    items.extend(
                        (0..list.len()).map(|i| [path.clone(), vec![Segment::Index(i)]].concat()),
                    );
                }
            }
            items
        }
    }
}

/// The first mapping on the access's way that lacks the next field: (its path, the field).
fn first_gap(
    doc: &Document,
    match_path: &[Segment],
    access: &Access,
) -> Option<(Vec<Segment>, String)> {
    bases(doc, match_path, &access.root)
        .into_iter()
        .find_map(|mut path| {
            let mut node = doc.root.get(&path)?;
            for field in &access.fields {
                let map = node.as_map()?;
                match map.get(field) {
                    Some(child) => {
                        path.push(Segment::Key(field.clone()));
                        node = child;
                    }
                    None => return Some((path, field.clone())),
                }
            }
            None
        })
}

/// How a policy's reads relate to the values the schema found unreadable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touch {
    /// A read reaches an unreadable value or something inside it.
    Reads,
    /// A read reaches an unreadable value, something inside it, or something holding it (a
    /// comprehension over a list with one unreadable item).
    ReadsOrHolds,
}

/// True when an expression of `policy`, on the match at `match_path`, reads one of `unreadable`
/// in the way `touch` says.
pub fn reads_unreadable(
    policy: &Policy,
    doc: &Document,
    match_path: &[Segment],
    unreadable: &[&[Segment]],
    touch: Touch,
) -> bool {
    policy
        .expressions()
        .flat_map(|e| e.compiled.reads.iter())
        .filter(|access| !access.is_presence_test)
        .any(|access| {
            bases(doc, match_path, &access.root)
                .into_iter()
                .any(|base| {
                    let read: Vec<Segment> = base
                        .into_iter()
                        .chain(access.fields.iter().cloned().map(Segment::Key))
                        .collect();
                    unreadable.iter().any(|bad| {
                        read.starts_with(bad)
                            || (touch == Touch::ReadsOrHolds && bad.starts_with(&read))
                    })
                })
        })
}
