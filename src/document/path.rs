//! Logical paths (`processes[2].rto`) and the path-pattern grammar (`processes[*].rto`, `map.*`)
//! that policies write: the symbolic locations every layer above the document speaks.

use std::fmt;

/// One step of a logical path: a mapping key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A list index, from 0.
    Index(usize),
}

/// A logical location in a document, such as `processes[2].rto`: stable across edits that move lines.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct LogicalPath(pub Vec<Segment>);

impl LogicalPath {
    /// The document root.
    pub fn root() -> Self {
        LogicalPath(Vec::new())
    }

    /// This path followed by `more`.
    pub fn join(&self, more: &[Segment]) -> Self {
        let mut segments = self.0.clone();
        segments.extend_from_slice(more);
        LogicalPath(segments)
    }

    /// Parses `a.b[2].c` (no wildcards); `None` when the text is not such a path.
    pub fn parse(text: &str) -> Option<Self> {
        let mut segments = Vec::new();
        for part in parse_segments(text).ok()? {
            match part {
                Step::Segment(s) => segments.push(s),
                _ => return None,
            }
        }
        Some(LogicalPath(segments))
    }
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl fmt::Display for LogicalPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(k) if is_plain_key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Segment::Key(k) => write!(f, "[{}]", serde_json::Value::from(k.as_str()))?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_display_like_policies_write_them() {
        let path = LogicalPath(vec![
            Segment::Key("processes".into()),
            Segment::Index(2),
            Segment::Key("rto".into()),
        ]);
        assert_eq!(path.to_string(), "processes[2].rto");
        assert_eq!(LogicalPath::parse("processes[2].rto"), Some(path));
        let odd = LogicalPath(vec![Segment::Key("a b".into())]);
        assert_eq!(odd.to_string(), "[\"a b\"]");
        assert_eq!(LogicalPath::root().to_string(), "");
    }
}
