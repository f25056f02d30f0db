//! Markdown plans: YAML front matter for the data, and the body's structure for `doc.body`.

use std::ops::Range;

use pulldown_cmark::{Event, MetadataBlockKind, Options, Parser, Tag, TagEnd};

use super::placeholder;
use super::source::SourceFile;
use super::tree::{Mapping, Node, Span, Value};
use super::yaml;

/// Text kept for the title of one heading or the text of one link or image, in bytes.
pub const MAX_LABEL: usize = 1024;
/// Links and images nested in each other deeper than this are not recorded: an image's alt text
/// holds the text of the images nested in it, so unbounded nesting would copy text quadratically.
pub const MAX_INLINE_NESTING: usize = 32;

/// A Markdown file split into its front matter and the structure of its body.
pub struct MarkdownParts {
    /// Byte range of the YAML inside the front matter fences, if the file has front matter.
    pub front_matter: Option<Range<usize>>,
    /// True when the file opens a front matter fence that never closes.
    pub unclosed_front_matter: bool,
    /// `doc.body`: sections, links, images, placeholders and plain text, each with its span.
    pub body: Node,
    /// Where the body passed [`yaml::MAX_NODES`] values, if it did; what follows is not recorded.
    pub too_many: Option<Span>,
}

#[derive(Default)]
struct Collector {
    sections: Vec<Node>,
    links: Vec<Node>,
    images: Vec<Node>,
    placeholders: Vec<Node>,
    text: String,
    /// The text of the open headings, links and images; each keeps where its own text starts.
    labels: String,
    /// Values recorded so far, against [`yaml::MAX_NODES`].
    nodes: usize,
    too_many: Option<Span>,
}

enum Open {
    Heading {
        level: i64,
        start: usize,
        from: usize,
    },
    Link {
        target: String,
        start: usize,
        from: usize,
    },
    Image {
        target: String,
        start: usize,
        from: usize,
    },
    /// Nested too deep to record.
    Skipped,
}

impl Open {
    /// Where its text starts in [`Collector::labels`].
    fn from(&self) -> Option<usize> {
        match self {
            Open::Heading { from, .. } | Open::Link { from, .. } | Open::Image { from, .. } => {
                Some(*from)
            }
            Open::Skipped => None,
        }
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn prefix(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Parses a Markdown file's text.
pub fn parse(source: &SourceFile) -> MarkdownParts {
    let text: &str = &source.text;
    let parser = Parser::new_ext(
        text,
        Options::ENABLE_YAML_STYLE_METADATA_BLOCKS | Options::ENABLE_TABLES,
    );
    let mut out = Collector::default();
    let mut front_matter = None;
    let mut in_metadata = false;
    let mut in_code = false;
    let mut open: Vec<Open> = Vec::new();

    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Start(Tag::MetadataBlock(MetadataBlockKind::YamlStyle)) => in_metadata = true,
            Event::End(TagEnd::MetadataBlock(_)) => in_metadata = false,
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::Heading { .. } | Tag::Link { .. } | Tag::Image { .. })
                if open.len() >= MAX_INLINE_NESTING =>
            {
                open.push(Open::Skipped)
            }
            Event::Start(Tag::Heading { level, .. }) => open.push(Open::Heading {
                level: level as i64,
                start: range.start,
                from: out.labels.len(),
            }),
            Event::Start(Tag::Link { dest_url, .. }) => open.push(Open::Link {
                target: dest_url.to_string(),
                start: range.start,
                from: out.labels.len(),
            }),
            Event::Start(Tag::Image { dest_url, .. }) => open.push(Open::Image {
                target: dest_url.to_string(),
                start: range.start,
                from: out.labels.len(),
            }),
            Event::End(TagEnd::Heading(_) | TagEnd::Link | TagEnd::Image) => {
                if let Some(item) = open.pop() {
                    out.close(source, item, range.end);
                }
                if open.is_empty() {
                    out.labels.clear();
                }
            }
            Event::Text(_) if in_metadata => front_matter = Some(range.clone()),
            Event::Text(ref t) | Event::Code(ref t) => {
                // Code blocks and inline code quote text; they are not filler.
                if !in_code && matches!(event, Event::Text(_)) {
                    out.placeholders_in(source, t, range.clone());
                }
                // Every open item's text is a suffix of the labels: keep only what the innermost
                // one (the latest start) still has room for.
                if let Some(from) = open.iter().rev().find_map(Open::from) {
                    let room = (from + MAX_LABEL).saturating_sub(out.labels.len());
                    out.labels.push_str(prefix(t, room));
                }
                out.text.push_str(t);
            }
            Event::InlineHtml(t) | Event::Html(t) => out.placeholders_in(source, &t, range.clone()),
            Event::SoftBreak | Event::HardBreak => out.text.push('\n'),
            Event::End(TagEnd::Paragraph | TagEnd::Item) => out.text.push('\n'),
            _ => {}
        }
    }

    let unclosed_front_matter =
        front_matter.is_none() && (text.starts_with("---\n") || text.starts_with("---\r\n"));
    let whole = Span::new(0, text.len());
    let mut body = Mapping::default();
    let list = |items: Vec<Node>| Node::new(Value::Seq(items), whole);
    body.entries.push(("sections".into(), list(out.sections)));
    body.entries.push(("links".into(), list(out.links)));
    body.entries.push(("images".into(), list(out.images)));
    body.entries
        .push(("placeholders".into(), list(out.placeholders)));
    body.entries
        .push(("text".into(), Node::new(Value::Str(out.text), whole)));
    MarkdownParts {
        front_matter,
        unclosed_front_matter,
        body: Node::new(Value::Map(body), whole),
        too_many: out.too_many,
    }
}

/// A link or image target that points into the repository rather than the web.
fn is_internal(target: &str) -> bool {
    let has_scheme = target.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    !has_scheme && !target.starts_with("//")
}

/// The file part of a target: without `#anchor` or `?query`.
fn target_path(target: &str) -> String {
    target.split(['#', '?']).next().unwrap_or("").to_string()
}

impl Collector {
    /// The text of an item whose text starts at `from` in the labels.
    fn label(&self, from: usize) -> String {
        prefix(self.labels.get(from..).unwrap_or(""), MAX_LABEL).to_string()
    }

    /// Counts a record of `fields` values; false once the body holds too many to record more.
    fn room_for(&mut self, fields: usize, span: Span) -> bool {
        self.nodes += 2 * fields + 1;
        if self.nodes > yaml::MAX_NODES {
            self.too_many.get_or_insert(span);
            return false;
        }
        true
    }

    fn close(&mut self, source: &SourceFile, item: Open, end: usize) {
        match item {
            Open::Skipped => {}
            Open::Heading { level, start, from } => {
                let title = self.label(from);
                if !self.room_for(3, Span::new(start, end)) {
                    return;
                }
                let span = Span::new(start, end);
                let line = source.line_of(start) as i64;
                self.sections.push(Node::record(
                    span,
                    vec![
                        ("title", Value::Str(title.trim().to_string())),
                        ("level", Value::Int(level)),
                        ("line", Value::Int(line)),
                    ],
                ));
            }
            Open::Link {
                target,
                start,
                from,
            } => {
                let span = Span::new(start, end);
                let text = self.label(from);
                if self.room_for(5, span) {
                    self.links
                        .push(Self::reference(source, span, target, ("text", text)));
                }
            }
            Open::Image {
                target,
                start,
                from,
            } => {
                let span = Span::new(start, end);
                let alt = self.label(from);
                if self.room_for(5, span) {
                    self.images
                        .push(Self::reference(source, span, target, ("alt", alt)));
                }
            }
        }
    }

    fn reference(source: &SourceFile, span: Span, target: String, label: (&str, String)) -> Node {
        let line = source.line_of(span.start) as i64;
        Node::record(
            span,
            vec![
                ("path", Value::Str(target_path(&target))),
                ("internal", Value::Bool(is_internal(&target))),
                ("target", Value::Str(target)),
                (label.0, Value::Str(label.1)),
                ("line", Value::Int(line)),
            ],
        )
    }

    fn placeholders_in(&mut self, source: &SourceFile, text: &str, range: Range<usize>) {
        // Offsets inside the event map to the file only when the event is the verbatim source.
        let verbatim = source.text.get(range.clone()) == Some(text);
        for hit in placeholder::find(text) {
            let span = if verbatim {
                Span::new(range.start + hit.start, range.start + hit.end)
            } else {
                Span::new(range.start, range.end)
            };
            if !self.room_for(2, span) {
                return;
            }
            let line = source.line_of(span.start) as i64;
            self.placeholders.push(Node::record(
                span,
                vec![
                    ("text", Value::Str(text[hit].to_string())),
                    ("line", Value::Int(line)),
                ],
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> (MarkdownParts, SourceFile) {
        let src = SourceFile::new("p.md".into(), "p.md".into(), text);
        (parse(&src), src)
    }

    #[test]
    fn body_exposes_sections_links_images_and_placeholders() {
        let text = "---\ntitle: X\n---\n# Activation\n\nSee [runbook](docs/run.md#a) and [site](https://x.example).\n\n![diagram](img/d.png)\n\nOwner: TBD\n";
        let (parts, src) = body(text);
        let fm = parts.front_matter.clone().unwrap();
        assert_eq!(&text[fm], "title: X\n");
        let map = parts.body.as_map().unwrap();
        let sections = map.get("sections").unwrap().as_seq().unwrap();
        assert_eq!(
            sections[0].as_map().unwrap().get("title").unwrap().as_str(),
            Some("Activation")
        );
        let links = map.get("links").unwrap().as_seq().unwrap();
        let first = links[0].as_map().unwrap();
        assert_eq!(first.get("path").unwrap().as_str(), Some("docs/run.md"));
        assert_eq!(first.get("internal").unwrap().value, Value::Bool(true));
        assert_eq!(
            links[1].as_map().unwrap().get("internal").unwrap().value,
            Value::Bool(false)
        );
        assert_eq!(map.get("images").unwrap().as_seq().unwrap().len(), 1);
        let ph = &map.get("placeholders").unwrap().as_seq().unwrap()[0];
        assert_eq!(&text[ph.span.start..ph.span.end], "TBD");
        assert_eq!(src.line_col(ph.span.start).line, 10);
    }

    #[test]
    fn unclosed_front_matter_is_noticed() {
        let (parts, _) = body("---\ntitle: X\n\n# Heading\n");
        assert!(parts.front_matter.is_none());
        assert!(parts.unclosed_front_matter);
    }
}
