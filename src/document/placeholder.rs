//! The placeholder vocabulary (filler text that must not survive into an approved plan), and the
//! placeholders held by a plan's data values, as `doc.body.placeholders` exposes them.
//!
//! Case-insensitive, whole words: TBD, TBC, TODO, FIXME, XXX; `<...>` or `[...]` holding "insert",
//! "add" or "placeholder"; "lorem ipsum"; "sample text"; template headings such as "Heading 2";
//! a word repeated back to back as filler ("stuff stuff"); the instructions that public templates
//! leave behind: "Replace this paragraph with ...", "Enter the system name here", "Insert ... here",
//! Word content controls ("Click or tap here to enter text.", "Choose an item."), and template fields
//! such as `[Company Name]`, `<System Name>` or `[Date]` (a bracketed name, company, organisation,
//! system, date, phone, title, address, e-mail, department or location; Markdown link text such as
//! `[system inventory](inventory.md)` is not a field).

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::path::{LogicalPath, Segment};
use super::source::SourceFile;
use super::tree::{Node, Span, Value};

// ASCII word boundaries (`(?-u:\b)`) keep the regex on its fast automaton; the vocabulary is ASCII.
// A constant pattern, compiled by the unit tests: it cannot fail on input.
#[allow(clippy::expect_used)]
static VOCABULARY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?ix)
        (?-u:\b)(?:TBD|TBC|TODO|FIXME|XXX)(?-u:\b)
        | <[^<>\n]*(?-u:\b)(?:insert|add|placeholder)(?-u:\b)[^<>\n]*>
        | \[[^\[\]\n]*(?-u:\b)(?:insert|add|placeholder)(?-u:\b)[^\[\]\n]*\]
        | (?-u:\b)lorem\s+ipsum(?-u:\b)
        | (?-u:\b)sample\s+text(?-u:\b)
        | (?-u:\b)heading\s+[1-6](?-u:\b)
        | (?-u:\b)replace\s+this\s+(?:paragraph|text|section|sentence|table|line|page)(?-u:\b)
        | (?-u:\b)click\s+(?:or\s+tap\s+)?(?:here\s+)?to\s+enter(?-u:\b)
        | (?-u:\b)choose\s+an\s+item(?-u:\b)
        | (?-u:\b)(?:enter|insert)\s+(?:[a-z'-]+\s+){0,5}here(?-u:\b)"#,
    )
    .expect("the placeholder vocabulary is a valid regex")
});

/// Template fields (`[Company Name]`, `<System Name>`): apart from [`VOCABULARY`] because their
/// bounded brackets make a large automaton, compiled only for a text holding `[` or `<`.
#[allow(clippy::expect_used)]
static TEMPLATE_FIELDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?ix)
        \[[^\[\]\n]{0,60}(?-u:\b)(?:name|company|organi[sz]ation|system|date|phone|title|address|e-?mail|department|location)(?-u:\b)[^\[\]\n]{0,60}\]
        | <[^<>\n=/"]{0,60}(?-u:\b)(?:name|company|organi[sz]ation|system|date|phone|title|address|e-?mail|department|location)(?-u:\b)[^<>\n=/"]{0,60}>"#,
    )
    .expect("the template-field vocabulary is a valid regex")
});

/// Byte ranges of every placeholder in `text`, in order.
pub fn find(text: &str) -> Vec<Range<usize>> {
    let mut found: Vec<Range<usize>> = if VOCABULARY.is_match(text) {
        VOCABULARY
            .find_iter(text)
            .map(|m| m.range())
            .filter(|r| !is_link_text(text, r))
            .collect()
    } else {
        Vec::new()
    };
    if text.bytes().any(|b| b == b'[' || b == b'<') {
        // A field inside filler already found (`<insert system name>`) is that filler.
        let fields: Vec<Range<usize>> = TEMPLATE_FIELDS
            .find_iter(text)
            .map(|m| m.range())
            .filter(|r| !is_link_text(text, r))
            .filter(|r| !found.iter().any(|f| f.start < r.end && r.start < f.end))
            .collect();
        found.extend(fields);
    }
    // A repeated word needs a space or tab between its copies: identifiers, dates and durations
    // are spared the scan.
    if text.bytes().any(|b| b == b' ' || b == b'\t') {
        found.extend(repeated_words(text));
    }
    found.sort_by_key(|r| r.start);
    found
}

/// True for `[...]` followed by `(`, `[` or `:`: the text of a Markdown link or link definition,
/// not a template field.
fn is_link_text(text: &str, range: &Range<usize>) -> bool {
    text.as_bytes().get(range.start) == Some(&b'[')
        && matches!(text.as_bytes().get(range.end), Some(b'(' | b'[' | b':'))
}

/// A word of three or more letters written twice in a row, separated only by spaces or tabs.
fn repeated_words(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut previous: Option<Range<usize>> = None;
    let mut start = None;
    // A sentinel space after the text closes the last word.
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_alphabetic() && i < text.len(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let word = s..i;
                if let Some(prev) = previous.take() {
                    let between = &text[prev.end..word.start];
                    if !between.is_empty()
                        && between.bytes().all(|c| c == b' ' || c == b'\t')
                        && text[prev.clone()].chars().count() >= 3
                        && same_word(&text[prev.clone()], &text[word.clone()])
                    {
                        found.push(prev.start..word.end);
                    }
                }
                previous = Some(word);
                start = None;
            }
            _ => {}
        }
    }
    found
}

/// The same word but for case, compared without allocating (most pairs differ at once).
fn same_word(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// True when `text` holds any placeholder.
pub fn contains(text: &str) -> bool {
    !find(text).is_empty()
}

/// Most placeholder records kept for one document: each record is seven keys and values, counted
/// against [`super::yaml::MAX_NODES`], so that a file of filler cannot grow without bound.
pub const MAX_RECORDS: usize = super::yaml::MAX_NODES / 7;

/// One record `{text, line, path}` per placeholder in the text values of `data`, in document order;
/// `Err` with the text value at which more than [`MAX_RECORDS`] were found.
///
/// Each record spans the whole text value that holds the placeholder, so a finding about it points
/// at that value; `line` is the line of the placeholder itself (inside a block scalar it can be below
/// the value's first line) and `path` the logical path of the value, such as `people[0].phone`.
pub fn in_data(data: &Node, source: &SourceFile) -> Result<Vec<Node>, Span> {
    let mut records = Vec::new();
    collect(data, &mut Vec::new(), source, &mut records)?;
    Ok(records)
}

/// A step of the path being walked, borrowed from the tree: a key is copied only for a hit.
#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Depth first, in source order, with one path stack (nesting is capped by the YAML loader).
fn collect<'a>(
    node: &'a Node,
    path: &mut Vec<Step<'a>>,
    source: &SourceFile,
    out: &mut Vec<Node>,
) -> Result<(), Span> {
    match &node.value {
        Value::Str(text) => records_for(text, node.span, path, source, out)?,
        Value::Map(map) => {
            for (key, child) in &map.entries {
                path.push(Step::Key(key));
                collect(child, path, source, out)?;
                path.pop();
            }
        }
        Value::Seq(items) => {
            for (index, child) in items.iter().enumerate() {
                path.push(Step::Index(index));
                collect(child, path, source, out)?;
                path.pop();
            }
        }
        _ => {}
    }
    Ok(())
}

fn records_for(
    text: &str,
    span: Span,
    path: &[Step<'_>],
    source: &SourceFile,
    out: &mut Vec<Node>,
) -> Result<(), Span> {
    let hits = find(text);
    if hits.is_empty() {
        return Ok(());
    }
    if out.len() + hits.len() > MAX_RECORDS {
        return Err(span);
    }
    let logical = LogicalPath(
        path.iter()
            .map(|step| match step {
                Step::Key(k) => Segment::Key(k.to_string()),
                Step::Index(i) => Segment::Index(*i),
            })
            .collect(),
    )
    .to_string();
    let written = source.text.get(span.start..span.end).unwrap_or("");
    let mut cursor = 0;
    for hit in hits {
        let found = &text[hit];
        // Where the placeholder is written: exact for plain scalars, searched for in quoted or block ones.
        let offset = match written.get(cursor..).and_then(|rest| rest.find(found)) {
            Some(at) => {
                cursor += at + found.len();
                cursor - found.len()
            }
            None => 0,
        };
        let line = source.line_col(span.start + offset).line as i64;
        out.push(Node::record(
            span,
            vec![
                ("text", Value::Str(found.to_string())),
                ("line", Value::Int(line)),
                ("path", Value::Str(logical.clone())),
            ],
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_matches_whole_words_only() {
        for filler in [
            "TBD",
            "owner: tbc",
            "see TODO list",
            "<Insert contact name>",
            "[add phone here]",
            "Lorem Ipsum dolor",
            "sample text",
            "Heading 2",
            "stuff stuff",
            "FIXME",
            "Replace this paragraph with the purpose of the plan.",
            "[Company Name]",
            "[Organization Name] Business Continuity Plan",
            "<System Name>",
            "Date: [Date]",
            "Enter the system name here",
            "Insert the vendor phone number here.",
            "Click here to enter text.",
            "Click or tap here to enter text.",
            "Click or tap to enter a date.",
            "Choose an item.",
        ] {
            assert!(contains(filler), "{filler}");
        }
        for prose in [
            "Outbound traffic",
            "mailbox",
            "Address book",
            "TBDX",
            "<b>bold</b>",
            "Heading north",
            "a a",
            "See the [system inventory](inventory.md).",
            "The [contact list][1] and [date format]: https://example.com",
            "<abbr title=\"maximum tolerable downtime\">MTD</abbr>",
            "<https://example.com/company/name>",
            "Enter the incident in the crisis log",
            "Replace the failed disk and enter it in the asset register",
            "The company name stays Contoso Payments",
            "Choose an alternate site",
        ] {
            assert!(!contains(prose), "{prose}");
        }
        assert_eq!(find("ok TODO ok"), vec![3..7]);
    }
}

#[cfg(test)]
mod data_tests {
    use super::*;
    use crate::document::yaml;

    fn records(text: &str) -> Vec<(String, i64, String, String)> {
        let source = SourceFile::new("p.yaml".into(), "p.yaml".into(), text);
        let root = yaml::parse_stream(text, 0).unwrap().remove(0);
        in_data(&root, &source)
            .unwrap()
            .iter()
            .map(|r| {
                let m = r.as_map().unwrap();
                let field = |k: &str| m.get(k).unwrap().value.clone();
                let (Value::Str(t), Value::Int(l), Value::Str(p)) =
                    (field("text"), field("line"), field("path"))
                else {
                    panic!("unexpected record {r:?}")
                };
                (t, l, p, text[r.span.start..r.span.end].to_string())
            })
            .collect()
    }

    #[test]
    fn every_text_value_is_searched_and_spans_the_value() {
        let text = "kind: ContinuityPlan\npeople:\n  - {id: PER-A, name: <insert full name>, phone: TBD}\ntier: 1\nnote: |\n  first line\n  call TODO later\n";
        assert_eq!(
            records(text),
            vec![
                (
                    "<insert full name>".into(),
                    3,
                    "people[0].name".into(),
                    "<insert full name>".into()
                ),
                ("TBD".into(), 3, "people[0].phone".into(), "TBD".into()),
                (
                    "TODO".into(),
                    7,
                    "note".into(),
                    "first line\n  call TODO later\n".into()
                ),
            ]
        );
    }

    #[test]
    fn clean_values_and_keys_give_nothing() {
        assert!(records("TODO: fine as a key\nowner: PER-TBDX\nn: 3\n").is_empty());
    }
}
