//! The span-aware document tree: every key and value keeps where it was written.

use super::path::Segment;

/// A byte range `[start, end)` into the source text of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (bytes).
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The number of bytes covered.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One node of a plan: a value, where it was written and, inside a mapping, where its key was.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value itself.
    pub value: Value,
    /// Where the value was written.
    pub span: Span,
    /// Where the key of this value was written, when the value sits in a mapping.
    pub key_span: Option<Span>,
}

/// The value of a node. YAML nulls inside mappings are dropped (null means absent).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A null that could not be dropped (a list item, or the whole document).
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// Text, including dates and durations, which policies convert with `date()` and `period()`.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping with string keys, in source order.
    Map(Mapping),
}

/// A mapping: its entries in source order, and the keys that were written with no value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mapping {
    /// Keys with a value, in source order.
    pub entries: Vec<(String, Node)>,
    /// Keys written with a null value (`owner:`), dropped from `entries` but kept to point at.
    pub empty_keys: Vec<(String, Span)>,
}

impl Mapping {
    /// The value under `key`, if present and not null.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value under `key`, for changing it in place.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Sets `key` to `node`, replacing any value or empty key of that name, at the end of the mapping.
    pub fn replace(&mut self, key: &str, node: Node) {
        self.entries.retain(|(k, _)| k != key);
        self.empty_keys.retain(|(k, _)| k != key);
        self.entries.push((key.to_string(), node));
    }

    /// Where `key` was written with no value, if it was.
    pub fn empty_key(&self, key: &str) -> Option<Span> {
        self.empty_keys
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, s)| *s)
    }
}

impl Node {
    /// A node with no key.
    pub fn new(value: Value, span: Span) -> Self {
        Node {
            value,
            span,
            key_span: None,
        }
    }

    /// A mapping of `fields` made by bcpcheck (not written in the file), every node spanning `span`.
    pub fn record(span: Span, fields: Vec<(&str, Value)>) -> Self {
        let entries = fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), Node::new(v, span)))
            .collect();
        Node::new(
            Value::Map(Mapping {
                entries,
                empty_keys: Vec::new(),
            }),
            span,
        )
    }

    /// The mapping held by this node, if it is one.
    pub fn as_map(&self) -> Option<&Mapping> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The mapping held by this node, for changing it in place.
    pub fn as_map_mut(&mut self) -> Option<&mut Mapping> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items held by this node, if it is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The whole number held by this node, if it is one.
    pub fn as_int(&self) -> Option<i64> {
        match &self.value {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The text held by this node, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The child reached by one path segment.
    pub fn child(&self, segment: &Segment) -> Option<&Node> {
        match (segment, &self.value) {
            (Segment::Key(k), Value::Map(m)) => m.get(k),
            (Segment::Index(i), Value::Seq(items)) => items.get(*i),
            _ => None,
        }
    }

    /// Follows `path` as far as it exists: the deepest node reached and how many segments matched.
    pub fn resolve<'a>(&'a self, path: &[Segment]) -> (&'a Node, usize) {
        let mut node = self;
        for (depth, segment) in path.iter().enumerate() {
            match node.child(segment) {
                Some(next) => node = next,
                None => return (node, depth),
            }
        }
        (node, path.len())
    }

    /// The node at exactly `path`, if it exists.
    pub fn get(&self, path: &[Segment]) -> Option<&Node> {
        let (node, depth) = self.resolve(path);
        (depth == path.len()).then_some(node)
    }

    /// The type name used in messages: `string`, `map`, `list`...
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "map",
        }
    }

    /// Visits this node and every node below it, depth first, with its path.
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&[Segment], &'a Node)) {
        let mut stack: Vec<(Vec<Segment>, &'a Node)> = vec![(Vec::new(), self)];
        while let Some((path, node)) = stack.pop() {
            visit(&path, node);
            match &node.value {
                Value::Map(m) => {
                    for (k, v) in m.entries.iter().rev() {
                        let mut p = path.clone();
                        p.push(Segment::Key(k.clone()));
                        stack.push((p, v));
                    }
                }
                Value::Seq(items) => {
                    for (i, v) in items.iter().enumerate().rev() {
                        let mut p = path.clone();
                        p.push(Segment::Index(i));
                        stack.push((p, v));
                    }
                }
                _ => {}
            }
        }
    }
}
