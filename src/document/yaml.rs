//! YAML text to span-aware trees; the only module that touches the YAML parser.
//!
//! Nulls in mappings are dropped (null means absent), duplicate keys are errors, aliases are
//! expanded within a budget and nesting is capped, so hostile input cannot exhaust memory or stack.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as MarkSpan, Tag};

use super::source::CharToByte;
use super::tree::{Mapping, Node, Span, Value};

/// Deepest nesting of mappings and lists accepted in one document.
pub const MAX_DEPTH: usize = 200;
/// How many nodes alias expansion may add beyond the nodes written in the file.
const ALIAS_BUDGET: usize = 100_000;
/// Most nodes (keys and values, written or expanded from aliases) in one YAML stream: a node
/// costs about a hundred bytes, so a file of tiny values (`[1,1,1,...]`) is refused rather than
/// grown to gigabytes. A 16 MiB plan of realistic records stays below it.
pub const MAX_NODES: usize = 2_000_000;

/// Why YAML text could not become a tree.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// What is wrong.
    pub kind: YamlErrorKind,
    /// Where, in bytes of the whole file.
    pub span: Span,
}

/// The kinds of YAML errors.
#[derive(Debug, Clone, PartialEq)]
pub enum YamlErrorKind {
    /// The text is not YAML.
    Syntax(String),
    /// A key appears twice in one mapping; `first` is where it was first written.
    DuplicateKey { key: String, first: Span },
    /// A key is a mapping, a list or an alias.
    ComplexKey,
    /// Aliases expand to more nodes than the budget allows (a "billion laughs" document).
    AliasBudget,
    /// Mappings and lists nest deeper than [`MAX_DEPTH`].
    TooDeep,
    /// More than [`MAX_NODES`] values.
    TooManyNodes,
}

impl std::fmt::Display for YamlErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            YamlErrorKind::Syntax(msg) => write!(f, "invalid YAML: {msg}"),
            YamlErrorKind::DuplicateKey { key, .. } => write!(f, "duplicate key `{key}`"),
            YamlErrorKind::ComplexKey => {
                f.write_str("mapping keys must be plain values, not mappings, lists or aliases")
            }
            YamlErrorKind::AliasBudget => {
                write!(f, "aliases expand to more than {ALIAS_BUDGET} extra nodes")
            }
            YamlErrorKind::TooDeep => {
                write!(f, "mappings and lists nest deeper than {MAX_DEPTH} levels")
            }
            YamlErrorKind::TooManyNodes => {
                write!(f, "more than {MAX_NODES} keys and values in one file")
            }
        }
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: usize,
        anchor: usize,
    },
    Map {
        map: Mapping,
        key: Option<(String, Span)>,
        start: usize,
        anchor: usize,
    },
}

/// Parses every document of a YAML stream. `base` is added to every span, for YAML embedded in a
/// larger file (Markdown front matter).
pub fn parse_stream(text: &str, base: usize) -> Result<Vec<Node>, YamlError> {
    Builder::new(text, base).run()
}

struct Builder<'t> {
    text: &'t str,
    base: usize,
    chars: CharToByte,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    expanded: usize,
    docs: Vec<Node>,
}

impl<'t> Builder<'t> {
    fn new(text: &'t str, base: usize) -> Self {
        Builder {
            text,
            base,
            chars: CharToByte::new(text),
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            expanded: 0,
            docs: Vec::new(),
        }
    }

    fn span(&self, span: &MarkSpan) -> Span {
        Span::new(
            self.base + self.chars.byte(span.start.index()),
            self.base + self.chars.byte(span.end.index()),
        )
    }

    fn error(&self, kind: YamlErrorKind, span: Span) -> YamlError {
        YamlError { kind, span }
    }

    fn run(mut self) -> Result<Vec<Node>, YamlError> {
        for item in Parser::new_from_str(self.text) {
            let (event, mark) = item.map_err(|e| {
                let mut at = self.chars.byte(e.marker().index());
                // An error at the end of the text points at its last character.
                let last = self.text.trim_end().len();
                if at >= last {
                    at = last.saturating_sub(1);
                }
                let at = self.base + at;
                let end = (at + 1).min(self.base + self.text.len()).max(at);
                // The scanner counts flow levels in a byte: past 255 it gives up, deeper than
                // our own limit.
                let kind = match e.info() {
                    "recursion limit exceeded" => YamlErrorKind::TooDeep,
                    info => YamlErrorKind::Syntax(info.to_string()),
                };
                self.error(kind, Span::new(at, end))
            })?;
            let span = self.span(&mark);
            match event {
                Event::Scalar(value, style, anchor, tag) => {
                    let node = Node::new(resolve_scalar(&value, style, tag.as_deref()), span);
                    self.nodes += 1;
                    self.within_node_budget(span)?;
                    self.remember(anchor, &node, 1);
                    self.push(node)?;
                }
                Event::Alias(id) => {
                    let Some((node, size)) = self.anchors.get(&id) else {
                        return Err(self.error(YamlErrorKind::Syntax("unknown alias".into()), span));
                    };
                    self.expanded += size;
                    if self.expanded > ALIAS_BUDGET + self.nodes {
                        return Err(self.error(YamlErrorKind::AliasBudget, span));
                    }
                    self.within_node_budget(span)?;
                    let mut node = node.clone();
                    node.span = span;
                    self.push_alias(node)?;
                }
                Event::SequenceStart(anchor, _) => {
                    self.open(span)?;
                    self.stack.push(Frame::Seq {
                        items: Vec::new(),
                        start: span.start,
                        anchor,
                    });
                }
                Event::MappingStart(anchor, _) => {
                    self.open(span)?;
                    self.stack.push(Frame::Map {
                        map: Mapping::default(),
                        key: None,
                        start: span.start,
                        anchor,
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => self.close(span)?,
                Event::DocumentEnd => {}
                Event::StreamStart
                | Event::StreamEnd
                | Event::DocumentStart(_)
                | Event::Nothing => {}
            }
        }
        Ok(self.docs)
    }

    fn within_node_budget(&self, span: Span) -> Result<(), YamlError> {
        if self.nodes + self.expanded > MAX_NODES {
            return Err(self.error(YamlErrorKind::TooManyNodes, span));
        }
        Ok(())
    }

    fn open(&self, span: Span) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error(YamlErrorKind::TooDeep, span));
        }
        if let Some(Frame::Map { key: None, .. }) = self.stack.last() {
            return Err(self.error(YamlErrorKind::ComplexKey, span));
        }
        Ok(())
    }

    fn close(&mut self, end_mark: Span) -> Result<(), YamlError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        // A flow collection ends at its bracket; a block one at its last child.
        let bracket = matches!(
            self.text
                .as_bytes()
                .get(end_mark.start.wrapping_sub(self.base)),
            Some(b']' | b'}')
        );
        let (value, start, anchor, last_end) = match frame {
            Frame::Seq {
                items,
                start,
                anchor,
            } => {
                let last = items.last().map_or(start, |n| n.span.end);
                (Value::Seq(items), start, anchor, last)
            }
            Frame::Map {
                map, start, anchor, ..
            } => {
                let last = map
                    .entries
                    .iter()
                    .map(|(_, n)| n.span.end)
                    .chain(map.empty_keys.iter().map(|(_, s)| s.end))
                    .max()
                    .unwrap_or(start);
                (Value::Map(map), start, anchor, last)
            }
        };
        let end = if bracket {
            end_mark.start + 1
        } else {
            last_end.max(start)
        };
        let node = Node::new(value, Span::new(start, end));
        self.nodes += 1;
        self.within_node_budget(node.span)?;
        if anchor != 0 {
            let size = count_nodes(&node);
            self.remember(anchor, &node, size);
        }
        self.push(node)
    }

    fn remember(&mut self, anchor: usize, node: &Node, size: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
    }

    fn push_alias(&mut self, node: Node) -> Result<(), YamlError> {
        if let Some(Frame::Map { key: None, .. }) = self.stack.last() {
            return Err(self.error(YamlErrorKind::ComplexKey, node.span));
        }
        self.push(node)
    }

    fn push(&mut self, mut node: Node) -> Result<(), YamlError> {
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { map, key, .. }) => match key.take() {
                None => {
                    let text = match &node.value {
                        Value::Str(s) => s.clone(),
                        Value::Null => "null".to_string(),
                        _ => self.text[node.span.start - self.base..node.span.end - self.base]
                            .to_string(),
                    };
                    let first = map
                        .entries
                        .iter()
                        .find(|(k, _)| *k == text)
                        .map(|(_, n)| n.key_span.unwrap_or(n.span))
                        .or_else(|| map.empty_key(&text));
                    if let Some(first) = first {
                        let kind = YamlErrorKind::DuplicateKey { key: text, first };
                        return Err(YamlError {
                            kind,
                            span: node.span,
                        });
                    }
                    *key = Some((text, node.span));
                }
                Some((name, key_span)) => {
                    if node.value == Value::Null {
                        map.empty_keys.push((name, key_span));
                    } else {
                        node.key_span = Some(key_span);
                        map.entries.push((name, node));
                    }
                }
            },
        }
        Ok(())
    }
}

fn count_nodes(node: &Node) -> usize {
    let mut count = 0;
    node.walk(&mut |_, _| count += 1);
    count
}

/// Resolves a scalar by the YAML 1.2 core schema; quoted and block scalars are always text.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag {
        if tag.handle == "!!" && tag.suffix == "str" {
            return Value::Str(text.to_string());
        }
    }
    if style != ScalarStyle::Plain {
        return Value::Str(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if let Ok(n) = i64::from_str_radix(hex, 16) {
            return Value::Int(n);
        }
    }
    if let Some(oct) = text.strip_prefix("0o") {
        if let Ok(n) = i64::from_str_radix(oct, 8) {
            return Value::Int(n);
        }
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<i64>() {
            Ok(n) => Value::Int(n),
            // Too large for an int: keep the magnitude rather than fail.
            Err(_) => text
                .parse::<f64>()
                .map_or(Value::Str(text.to_string()), Value::Float),
        };
    }
    if is_core_float(digits) {
        if let Ok(f) = text.parse::<f64>() {
            return Value::Float(f);
        }
    }
    Value::Str(text.to_string())
}

/// `[0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)?` with at least one digit before the exponent.
fn is_core_float(s: &str) -> bool {
    // Most plain scalars are words: they fail on the first byte.
    if !s.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return false;
    }
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut parts = mantissa.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    let digits_ok = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let has_digit = int.bytes().any(|b| b.is_ascii_digit())
        || frac.is_some_and(|f| f.bytes().any(|b| b.is_ascii_digit()));
    let exp_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits_ok(e)
    });
    has_digit && digits_ok(int) && frac.is_none_or(digits_ok) && exp_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        parse_stream(text, 0).unwrap().remove(0)
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let text = "a: 1\nb:\n  c: x\n";
        let root = one(text);
        let map = root.as_map().unwrap();
        let c = map.get("b").unwrap().as_map().unwrap().get("c").unwrap();
        assert_eq!(&text[c.span.start..c.span.end], "x");
        let key = c.key_span.unwrap();
        assert_eq!(&text[key.start..key.end], "c");
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let root = one("i: 12\nf: 1.5\nv: 3.2.0\nd: 2026-01-02\nb: true\nq: '1'\nn: ~\nbig: 99999999999999999999\n");
        let map = root.as_map().unwrap();
        assert_eq!(map.get("i").unwrap().value, Value::Int(12));
        assert_eq!(map.get("f").unwrap().value, Value::Float(1.5));
        assert_eq!(map.get("v").unwrap().value, Value::Str("3.2.0".into()));
        assert_eq!(map.get("d").unwrap().value, Value::Str("2026-01-02".into()));
        assert_eq!(map.get("b").unwrap().value, Value::Bool(true));
        assert_eq!(map.get("q").unwrap().value, Value::Str("1".into()));
        assert!(map.get("n").is_none(), "null keys are dropped");
        assert!(map.empty_key("n").is_some());
        assert!(matches!(map.get("big").unwrap().value, Value::Float(_)));
    }

    #[test]
    fn duplicate_keys_are_errors_pointing_at_both() {
        let err = parse_stream("a: 1\na: 2\n", 0).unwrap_err();
        assert_eq!(err.span, Span::new(5, 6));
        assert!(
            matches!(err.kind, YamlErrorKind::DuplicateKey { first, .. } if first == Span::new(0, 1))
        );
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let err = parse_stream(&text, 0).unwrap_err();
        assert_eq!(err.kind, YamlErrorKind::AliasBudget);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(5000) + &"]".repeat(5000);
        assert!(parse_stream(&text, 0).is_err());
        let block: String = (0..1000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        assert_eq!(
            parse_stream(&block, 0).unwrap_err().kind,
            YamlErrorKind::TooDeep
        );
    }

    #[test]
    fn flow_and_multibyte_spans_are_bytes() {
        let text = "x: {a: ü, b: [1, 2]}\n";
        let root = one(text);
        let x = root.as_map().unwrap().get("x").unwrap();
        assert_eq!(&text[x.span.start..x.span.end], "{a: ü, b: [1, 2]}");
        let b = x.as_map().unwrap().get("b").unwrap();
        assert_eq!(&text[b.span.start..b.span.end], "[1, 2]");
    }
}
