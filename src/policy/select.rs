//! `select` path patterns (`a.b`, `list[*]`, `map.*`): parsing, and matching against a document tree.

use crate::document::{Node, Segment, Value};

/// One step of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A fixed key or index.
    Segment(Segment),
    /// `[*]`: every item of a list.
    AnyItem,
    /// `.*`: every value of a mapping.
    AnyKey,
}

/// A pattern that cannot be parsed; `offset` is in bytes within the pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternError {
    /// Where in the pattern.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses `processes[*].depends_on[0]`, `map.*`, `["odd key"]`.
pub fn parse_segments(text: &str) -> Result<Vec<Step>, PatternError> {
    let bytes = text.as_bytes();
    let mut steps = Vec::new();
    let mut i = 0;
    let err = |offset: usize, message: &str| PatternError {
        offset,
        message: message.to_string(),
    };
    while i < bytes.len() {
        match bytes[i] {
            b'.' if i > 0 && i + 1 < bytes.len() => {
                i += 1;
                if bytes[i] == b'*' {
                    steps.push(Step::AnyKey);
                    i += 1;
                } else if bytes[i] == b'[' || bytes[i] == b'.' {
                    return Err(err(i, "expected a field name after `.`"));
                }
            }
            b'.' => return Err(err(i, "a pattern cannot start or end with `.`")),
            b'*' if i == 0 => {
                steps.push(Step::AnyKey);
                i += 1;
            }
            b'[' => {
                let (step, next) = bracket(text, i)?;
                steps.push(step);
                i = next;
            }
            _ => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'-')
                {
                    i += 1;
                }
                if i == start {
                    return Err(err(
                        i,
                        "unexpected character; write names, `[*]`, `[N]` or `.*`",
                    ));
                }
                if start > 0 && !matches!(bytes[start - 1], b'.') {
                    return Err(err(start, "expected `.` before a field name"));
                }
                steps.push(Step::Segment(Segment::Key(text[start..i].to_string())));
            }
        }
    }
    Ok(steps)
}

/// The step written in brackets at `open` (`[*]`, `[2]`, `["key"]`, `['key']`), and the offset
/// after the closing bracket. A double-quoted key is a JSON string, as paths are printed; a
/// single-quoted one is taken as written. Quotes may hold `]`.
fn bracket(text: &str, open: usize) -> Result<(Step, usize), PatternError> {
    let err = |offset: usize, message: &str| PatternError {
        offset,
        message: message.to_string(),
    };
    let after = text[open + 1..].trim_start();
    let start = text.len() - after.len();
    let close_after = |from: usize| -> Result<usize, PatternError> {
        let rest = &text[from..];
        let trimmed = rest.trim_start();
        if trimmed.starts_with(']') {
            Ok(from + (rest.len() - trimmed.len()) + 1)
        } else {
            Err(err(from, "expected `]` after the quoted key"))
        }
    };
    match after.as_bytes().first() {
        Some(b'"') => {
            // The closing quote is the first one not escaped by a backslash.
            let mut escaped = false;
            let end = after[1..].char_indices().find_map(|(j, c)| {
                let found = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                found.then_some(start + 1 + j)
            });
            let end = end.ok_or_else(|| err(start, "unclosed quote"))?;
            let key: String = serde_json::from_str(&text[start..=end])
                .map_err(|_| err(start, "invalid escape in the quoted key"))?;
            Ok((Step::Segment(Segment::Key(key)), close_after(end + 1)?))
        }
        Some(b'\'') => {
            let end = after[1..]
                .find('\'')
                .map(|j| start + 1 + j)
                .ok_or_else(|| err(start, "unclosed quote"))?;
            let key = text[start + 1..end].to_string();
            Ok((Step::Segment(Segment::Key(key)), close_after(end + 1)?))
        }
        _ => {
            let close = text[open..]
                .find(']')
                .map(|j| open + j)
                .ok_or_else(|| err(open, "unclosed `[`"))?;
            let inner = text[open + 1..close].trim();
            let step = if inner == "*" {
                Step::AnyItem
            } else if let Ok(n) = inner.parse::<usize>() {
                Step::Segment(Segment::Index(n))
            } else {
                return Err(err(
                    open + 1,
                    "expected `*`, an index or a quoted key inside `[...]`",
                ));
            };
            Ok((step, close + 1))
        }
    }
}

/// A compiled `select` pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    steps: Vec<Step>,
}

impl Selector {
    /// Parses a pattern.
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        if text.trim().is_empty() {
            return Err(PatternError {
                offset: 0,
                message: "empty pattern".into(),
            });
        }
        Ok(Selector {
            steps: parse_segments(text.trim())?,
        })
    }

    /// Every node the pattern reaches, with its concrete path, in document order.
    pub fn matches<'a>(&self, root: &'a Node) -> Vec<(Vec<Segment>, &'a Node)> {
        let mut current: Vec<(Vec<Segment>, &'a Node)> = vec![(Vec::new(), root)];
        for step in &self.steps {
            let mut next = Vec::new();
            for (path, node) in current {
                let mut push = |segment: Segment, child: &'a Node| {
                    let mut p = path.clone();
                    p.push(segment);
                    next.push((p, child));
                };
                match (step, &node.value) {
                    (Step::Segment(segment), _) => {
                        if let Some(child) = node.child(segment) {
                            push(segment.clone(), child);
                        }
                    }
                    (Step::AnyItem, Value::Seq(items)) => {
                        for (i, item) in items.iter().enumerate() {
                            push(Segment::Index(i), item);
                        }
                    }
                    (Step::AnyKey, Value::Map(map)) => {
                        for (k, v) in &map.entries {
                            push(Segment::Key(k.clone()), v);
                        }
                    }
                    _ => {}
                }
            }
            current = next;
        }
        current
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::yaml::parse_stream;

    #[test]
    fn patterns_match_every_item_with_its_path() {
        let root = parse_stream(
            "processes:\n  - {id: A, depends_on: [X, Y]}\n  - {id: B}\nm: {a: 1, b: 2}\n",
            0,
        )
        .unwrap()
        .remove(0);
        let paths = |p: &str| -> Vec<String> {
            Selector::parse(p)
                .unwrap()
                .matches(&root)
                .into_iter()
                .map(|(path, _)| crate::document::LogicalPath(path).to_string())
                .collect()
        };
        assert_eq!(paths("processes[*]"), ["processes[0]", "processes[1]"]);
        assert_eq!(
            paths("processes[*].depends_on[*]"),
            ["processes[0].depends_on[0]", "processes[0].depends_on[1]"]
        );
        assert_eq!(paths("m.*"), ["m.a", "m.b"]);
        assert_eq!(paths("processes[1].id"), ["processes[1].id"]);
        assert!(paths("nothing[*]").is_empty());
    }

    #[test]
    fn quoted_keys_read_back_as_printed() {
        for key in ["a]b", "a\"b", "a\\", "x'y", "", "ü ]["] {
            let path = crate::document::LogicalPath(vec![
                Segment::Key(key.into()),
                Segment::Index(1),
                Segment::Key("k".into()),
            ]);
            let shown = path.to_string();
            assert_eq!(
                crate::document::LogicalPath::parse(&shown),
                Some(path),
                "{shown}"
            );
        }
        assert_eq!(
            parse_segments("['a]b'].c").unwrap()[0],
            Step::Segment(Segment::Key("a]b".into()))
        );
    }

    #[test]
    fn bad_patterns_say_where() {
        for (bad, at) in [("a..b", 2), ("a[", 1), ("a[x]", 2), ("a b", 1), (".a", 0)] {
            let err = Selector::parse(bad).unwrap_err();
            assert_eq!(err.offset, at, "{bad}: {}", err.message);
        }
    }
}
