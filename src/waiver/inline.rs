//! Inline exceptions: `# bcpcheck: ignore[POLICY-ID] reason` comments in YAML plans and Markdown front matter.
//!
//! A comment alone on its line waives the next line that is not itself a comment; a comment after a
//! value waives its own line. Text inside a YAML scalar (a quoted string, a block scalar) is never a comment.

use crate::document::{Document, Format, Node, SourceFile, Span, Value};

/// One `# bcpcheck: ignore[...]` comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    /// Policy ids it names.
    pub policies: Vec<String>,
    /// The reason written after the ids (empty when none was written).
    pub reason: String,
    /// 1-based line of the comment.
    pub line: usize,
    /// 1-based line it waives.
    pub target_line: usize,
    /// 1-based last line it waives: a comment above a list item (`- id: DEP-MAIN`) covers the
    /// whole item; otherwise `target_line`.
    pub target_end: usize,
    /// The comment's bytes.
    pub span: Span,
}

/// A comment that starts like a directive but cannot be read as one.
#[derive(Debug, Clone, PartialEq)]
pub struct Malformed {
    /// 1-based line of the comment.
    pub line: usize,
    /// The comment's bytes.
    pub span: Span,
    /// What is wrong.
    pub message: String,
}

/// The directives of one file, and the comments that look like directives but are not.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Directives {
    /// Well-formed directives, in file order.
    pub directives: Vec<Directive>,
    /// Malformed ones, in file order.
    pub malformed: Vec<Malformed>,
}

impl Directives {
    /// True when the file holds no directive at all.
    pub fn is_empty(&self) -> bool {
        self.directives.is_empty() && self.malformed.is_empty()
    }
}

/// If `comment` (starting at `#`) is a bcpcheck comment, the text after `bcpcheck:`.
fn bcpcheck_comment(comment: &str) -> Option<&str> {
    comment
        .strip_prefix('#')?
        .trim_start_matches([' ', '\t'])
        .strip_prefix("bcpcheck:")
}

/// Reads `ignore[ID, ...] reason`: the ids and the reason, or what is wrong.
fn parse_directive(rest: &str) -> Result<(Vec<String>, String), String> {
    const USAGE: &str = "not a bcpcheck directive; write `# bcpcheck: ignore[POLICY-ID] reason`";
    let inner = rest
        .trim_start_matches([' ', '\t'])
        .strip_prefix("ignore[")
        .ok_or(USAGE)?;
    let (ids, reason) = inner.split_once(']').ok_or(USAGE)?;
    let ids: Vec<String> = ids.split(',').map(|s| s.trim().to_string()).collect();
    if let Some(bad) = ids.iter().find(|id| !is_policy_id(id)) {
        return Err(format!("`{bad}` is not a policy id"));
    }
    Ok((ids, reason.trim().to_string()))
}

/// Scans the documents of one file (all from the same source) for directives.
pub fn scan(documents: &[Document]) -> Directives {
    let Some(first) = documents.first() else {
        return Directives::default();
    };
    let source = &first.source;
    if !source.text.contains("bcpcheck:") {
        return Directives::default();
    }
    let mut scalars: Vec<Span> = Vec::new();
    let mut yaml_end = 0;
    for doc in documents {
        let data_nodes: Vec<&Node> = match (&doc.format, doc.root.as_map()) {
            (Format::Markdown, Some(map)) => map
                .entries
                .iter()
                .filter(|(k, _)| k != "body")
                .map(|(_, n)| n)
                .collect(),
            _ => vec![&doc.root],
        };
        for node in data_nodes {
            yaml_end = yaml_end.max(node.span.end);
            node.walk(&mut |_, n| {
                if matches!(n.value, Value::Str(_)) {
                    scalars.push(n.span);
                }
                // A quoted key can hold `#` too.
                scalars.extend(n.key_span);
            });
        }
        if let (Format::Markdown, Some(map)) = (&doc.format, doc.root.as_map()) {
            for (_, span) in &map.empty_keys {
                yaml_end = yaml_end.max(span.end);
            }
        }
    }
    // A Markdown file's body is not YAML: `# bcpcheck:` there is a heading.
    let limit = match first.format {
        Format::Markdown => source.line_col(yaml_end).line,
        Format::Yaml => usize::MAX,
    };
    scalars.sort_by_key(|s| s.start);
    scan_text(source, &scalars, limit)
}

fn inside_scalar(scalars: &[Span], offset: usize) -> bool {
    let after = scalars.partition_point(|s| s.start <= offset);
    scalars[..after]
        .iter()
        .rev()
        .take(64)
        .any(|s| offset < s.end)
}

fn scan_text(source: &SourceFile, scalars: &[Span], limit: usize) -> Directives {
    let text: &str = &source.text;
    let mut out = Directives::default();
    for (at, _) in text.match_indices('#') {
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let comment = text[at..line_end].trim_end_matches('\r');
        let Some(rest) = bcpcheck_comment(comment) else {
            continue;
        };
        let line = source.line_col(at).line;
        if line > limit {
            break;
        }
        let line_start = source.line_start(line);
        let before = &text[line_start..at];
        let preceded_by_space = before.is_empty() || before.ends_with([' ', '\t']);
        if !preceded_by_space || inside_scalar(scalars, at) {
            continue;
        }
        let span = Span::new(at, at + comment.len());
        let (ids, reason) = match parse_directive(rest) {
            Ok(parsed) => parsed,
            Err(message) => {
                out.malformed.push(Malformed {
                    line,
                    span,
                    message,
                });
                continue;
            }
        };
        let (target_line, target_end) = if before.trim().is_empty() {
            let next = next_code_line(source, line);
            (next, item_end(source, next))
        } else {
            (line, line)
        };
        out.directives.push(Directive {
            policies: ids,
            reason,
            line,
            target_line,
            target_end,
            span,
        });
    }
    out
}

fn is_policy_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}

/// The text of 1-based `line`, without its line break; `None` past the end.
fn line_text(source: &SourceFile, line: usize) -> Option<&str> {
    let text: &str = &source.text;
    let start = source.line_start(line);
    if start >= text.len() {
        return None;
    }
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    Some(text[start..end].trim_end_matches('\r'))
}

/// The last line of the block list item starting on `line` (`- id: X` and the lines indented
/// under it); `line` itself when it does not start a list item.
fn item_end(source: &SourceFile, line: usize) -> usize {
    let Some(first) = line_text(source, line) else {
        return line;
    };
    let trimmed = first.trim_start();
    if !(trimmed == "-" || trimmed.starts_with("- ") || trimmed.starts_with("-\t")) {
        return line;
    }
    let dash = first.len() - trimmed.len();
    let mut end = line;
    let mut next = line + 1;
    while let Some(text) = line_text(source, next) {
        let body = text.trim_start();
        let indent = text.len() - body.len();
        if body.is_empty() || body.starts_with('#') {
            next += 1;
            continue;
        }
        // A YAML document marker, or a line at or left of the dash, ends the item.
        if indent <= dash || text.starts_with("---") || text.starts_with("...") {
            break;
        }
        end = next;
        next += 1;
    }
    end
}

/// The first line after `line` that is not a comment-only line.
fn next_code_line(source: &SourceFile, line: usize) -> usize {
    let text: &str = &source.text;
    let mut next = line + 1;
    loop {
        let start = source.line_start(next);
        if start >= text.len() {
            return next;
        }
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        if !text[start..end].trim_start().starts_with('#') {
            return next;
        }
        next += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{load, LoadOptions};

    fn directives(name: &str, text: &str) -> Directives {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let loaded = load(
            &path,
            name,
            &LoadOptions {
                markdown_is_plan: true,
                ..LoadOptions::default()
            },
        )
        .unwrap();
        scan(&loaded.documents)
    }

    #[test]
    fn comments_waive_their_line_or_the_next_code_line() {
        let text = "apiVersion: bcp/v1\nkind: ContinuityPlan\n# bcpcheck: ignore[A-1, B-2] agreed with CRO\n# other comment\nmetadata: {id: X}\nprocesses: [] # bcpcheck: ignore[C-3] none yet\n";
        let found = directives("p.yaml", text);
        assert_eq!(found.malformed, vec![]);
        assert_eq!(found.directives.len(), 2);
        assert_eq!(found.directives[0].policies, ["A-1", "B-2"]);
        assert_eq!(found.directives[0].reason, "agreed with CRO");
        assert_eq!(found.directives[0].line, 3);
        assert_eq!(found.directives[0].target_line, 5);
        assert_eq!(found.directives[1].target_line, 6);
    }

    #[test]
    fn strings_and_markdown_bodies_are_not_comments() {
        let text = "apiVersion: bcp/v1\nkind: ContinuityPlan\nnote: \"x # bcpcheck: ignore[A-1] no\"\nblock: |\n  # bcpcheck: ignore[A-1] no\nurl: a#bcpcheck:x\n# bcpcheck: ignore A-1\n";
        let found = directives("p.yaml", text);
        assert!(found.directives.is_empty(), "{found:?}");
        assert_eq!(found.malformed.len(), 1);
        assert_eq!(found.malformed[0].line, 7);
        let md = "---\nkind: ContinuityPlan\n# bcpcheck: ignore[A-1] in front matter\nowner: x\n---\n# bcpcheck: ignore[A-2] a heading\n";
        let found = directives("p.md", md);
        assert_eq!(found.directives.len(), 1);
        assert_eq!(found.directives[0].policies, ["A-1"]);
    }
}
