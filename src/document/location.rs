//! Where a logical path of a document is: the concrete span of the deepest node that exists,
//! the key of a node, and the stable identity fingerprints use.

use super::{Document, LineCol, LogicalPath, Node, Segment, Span, Value};

impl Document {
    /// Where a logical path points: the deepest existing node and the segments that do not exist.
    pub fn locate(&self, path: &[Segment]) -> Location {
        let (node, depth) = self.root.resolve(path);
        let missing = path[depth..].to_vec();
        // A key written with no value (`owner:`) is the most precise place to point at.
        let empty_key = match (missing.first(), node.as_map()) {
            (Some(Segment::Key(k)), Some(map)) => map.empty_key(k),
            _ => None,
        };
        let span = match empty_key {
            Some(span) => span,
            None if missing.is_empty() && is_scalar(node) => node.span,
            None => self.source.first_line(label_span(node)),
        };
        Location {
            missing: LogicalPath(missing),
            span,
            start: self.source.line_col(span.start),
            end: self.source.line_col(span.end),
        }
    }
}

impl Document {
    /// The identity of the node at `path` for fingerprints: its logical path, except for the
    /// placeholder records bcpcheck adds (`body.placeholders[i]`), whose index shifts when filler
    /// is added above them. A record is named by the value holding it (`metadata.title`) or, in a
    /// Markdown body, by its section and text, with a count for repeats, so that a baseline or an
    /// exception keeps following the same placeholder.
    pub fn stable_id(&self, path: &[Segment]) -> String {
        let logical = || LogicalPath(path.to_vec()).to_string();
        let [Segment::Key(body), Segment::Key(list), Segment::Index(index), rest @ ..] = path
        else {
            return logical();
        };
        let records = match self.root.get(&path[..2]) {
            Some(node) if body == "body" && list == "placeholders" => node.as_seq(),
            _ => None,
        };
        let Some(records) = records.filter(|r| *index < r.len()) else {
            return logical();
        };
        let name = |record: &Node| -> String {
            let field = |key: &str| record.as_map().and_then(|m| m.get(key));
            let text = field("text").and_then(Node::as_str).unwrap_or_default();
            match field("path").and_then(Node::as_str) {
                Some(value_path) => format!("{value_path}: {text}"),
                None => format!("{}: {text}", self.section_at(record.span.start)),
            }
        };
        let own = name(&records[*index]);
        let repeats = records[..*index].iter().filter(|r| name(r) == own).count();
        let mut id = format!("body.placeholders[{own}#{repeats}]");
        if !rest.is_empty() {
            id.push_str(&format!(".{}", LogicalPath(rest.to_vec())));
        }
        id
    }

    /// The heading of the Markdown section holding byte `offset` (empty before the first).
    fn section_at(&self, offset: usize) -> String {
        let line = self.source.line_col(offset).line as i64;
        let sections = self
            .root
            .get(&[Segment::Key("body".into()), Segment::Key("sections".into())]);
        sections
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_map)
            .rfind(|s| {
                s.get("line")
                    .and_then(|l| match l.value {
                        Value::Int(n) => Some(n),
                        _ => None,
                    })
                    .is_some_and(|l| l <= line)
            })
            .and_then(|s| s.get("title"))
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string()
    }

    /// Where the key of the node at `path` is written (the node itself when it has no key).
    pub fn locate_key(&self, path: &[Segment]) -> Location {
        let mut location = self.locate(path);
        if let Some(key) = self.root.get(path).and_then(|n| n.key_span) {
            location.span = key;
            location.start = self.source.line_col(key.start);
            location.end = self.source.line_col(key.end);
        }
        location
    }
}

fn is_scalar(node: &Node) -> bool {
    !matches!(node.value, Value::Map(_) | Value::Seq(_))
}

/// A container is labelled from its key (if any), so `rto:` reads as the place to look.
fn label_span(node: &Node) -> Span {
    match node.key_span {
        Some(key) => Span::new(key.start, node.span.end.max(key.end)),
        None => node.span,
    }
}

/// A concrete place in a file, resolved from a logical path.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// The part of the requested path that does not exist (the field to add); empty when the node exists.
    pub missing: LogicalPath,
    /// Bytes to underline.
    pub span: Span,
    /// Line and column of the span's start.
    pub start: LineCol,
    /// Line and column of the span's end.
    pub end: LineCol,
}
