//! Strict reading of YAML objects (policy and config files): typed fields, every error with its span.

use super::tree::{Mapping, Node, Span, Value};

/// A problem with one field of an object, at the spot to fix.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// Where.
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

/// Reads the fields of one mapping, remembering which were read so unknown ones can be refused.
pub struct ObjectReader<'a> {
    node: &'a Node,
    map: &'a Mapping,
    seen: Vec<&'static str>,
    /// Problems found so far.
    pub errors: Vec<FieldError>,
}

static EMPTY: Mapping = Mapping {
    entries: Vec::new(),
    empty_keys: Vec::new(),
};

impl<'a> ObjectReader<'a> {
    /// Starts reading `node`, which should be a mapping (`what` names it in the error otherwise).
    pub fn new(node: &'a Node, what: &str) -> Self {
        let mut errors = Vec::new();
        let map = match &node.value {
            Value::Map(map) => map,
            _ => {
                errors.push(FieldError {
                    span: node.span,
                    message: format!(
                        "{what} must be a mapping of `key: value` pairs, not a {}",
                        node.type_name()
                    ),
                    help: None,
                });
                &EMPTY
            }
        };
        ObjectReader {
            node,
            map,
            seen: Vec::new(),
            errors,
        }
    }

    /// The raw node under `key`.
    pub fn node(&mut self, key: &'static str) -> Option<&'a Node> {
        self.seen.push(key);
        self.map.get(key)
    }

    fn wrong_type(&mut self, key: &str, node: &Node, want: &str) {
        self.errors.push(FieldError {
            span: node.span,
            message: format!("`{key}` must be {want}, not a {}", node.type_name()),
            help: None,
        });
    }

    /// A text field; numbers and booleans are refused.
    pub fn string(&mut self, key: &'static str) -> Option<(&'a str, &'a Node)> {
        let node = self.node(key)?;
        match &node.value {
            Value::Str(s) => Some((s.as_str(), node)),
            _ => {
                self.wrong_type(key, node, "text");
                None
            }
        }
    }

    /// A text field that must be present.
    pub fn required_string(&mut self, key: &'static str) -> Option<(&'a str, &'a Node)> {
        if self.map.get(key).is_none() {
            let span = self.map.empty_key(key).unwrap_or(self.node.span);
            self.errors.push(FieldError {
                span: Span::new(span.start, span.start.max(span.end.min(span.start + 1))),
                message: format!("missing required field `{key}`"),
                help: Some(format!("add `{key}:`")),
            });
            self.seen.push(key);
            return None;
        }
        self.string(key)
    }

    /// A list of text (a single text value counts as a one-item list).
    pub fn strings(&mut self, key: &'static str) -> Vec<(String, Span)> {
        let Some(node) = self.node(key) else {
            return Vec::new();
        };
        match &node.value {
            Value::Str(s) => vec![(s.clone(), node.span)],
            Value::Seq(items) => {
                let mut out = Vec::new();
                for item in items {
                    match &item.value {
                        Value::Str(s) => out.push((s.clone(), item.span)),
                        _ => self.wrong_type(key, item, "a list of text"),
                    }
                }
                out
            }
            _ => {
                self.wrong_type(key, node, "a list of text");
                Vec::new()
            }
        }
    }

    /// A whole number.
    pub fn integer(&mut self, key: &'static str) -> Option<(i64, &'a Node)> {
        let node = self.node(key)?;
        match node.value {
            Value::Int(n) => Some((n, node)),
            _ => {
                self.wrong_type(key, node, "a whole number");
                None
            }
        }
    }

    /// A mapping.
    pub fn mapping(&mut self, key: &'static str) -> Option<&'a Node> {
        let node = self.node(key)?;
        match node.value {
            Value::Map(_) => Some(node),
            _ => {
                self.wrong_type(key, node, "a mapping");
                None
            }
        }
    }

    /// Refuses every field that was not read, and returns all problems found.
    pub fn finish(mut self) -> Vec<FieldError> {
        for (key, value) in &self.map.entries {
            if !self.seen.contains(&key.as_str()) {
                let span = value.key_span.unwrap_or(value.span);
                self.errors.push(unknown(key, span, &self.seen));
            }
        }
        for (key, span) in &self.map.empty_keys {
            if !self.seen.contains(&key.as_str()) {
                self.errors.push(unknown(key, *span, &self.seen));
            }
        }
        self.errors
    }
}

fn unknown(key: &str, span: Span, known: &[&str]) -> FieldError {
    let close = known
        .iter()
        .find(|k| k.eq_ignore_ascii_case(key) || k.replace('_', "") == key.replace(['_', '-'], ""));
    let help = match close {
        Some(k) => format!("did you mean `{k}`?"),
        None => format!("known fields: {}", known.join(", ")),
    };
    FieldError {
        span,
        message: format!("unknown field `{key}`"),
        help: Some(help),
    }
}
