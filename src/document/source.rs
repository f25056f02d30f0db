//! Source text of one file and the conversions between byte offsets, characters and line:column.

use std::borrow::Cow;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use std::path::PathBuf;
use std::sync::Arc;

use super::tree::Span;

/// The text of one input file, shared by the document, its findings and its diagnostics.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as shown to users: relative to the repository root where possible.
    pub name: String,
    /// Path on disk.
    pub path: PathBuf,
    /// The whole text.
    pub text: Arc<str>,
    /// The text as shown in source snippets: control characters masked, same byte offsets. The
    /// same allocation as `text` when there is nothing to mask.
    pub display: Arc<str>,
    line_starts: Vec<usize>,
    /// Per block of [`BLOCK`] bytes, the UTF-8 continuation bytes before it; empty for ASCII text.
    continuations: Vec<usize>,
}

/// Bytes per block of [`SourceFile::continuations`]: a column costs at most one block's scan.
const BLOCK: usize = 4096;

/// A 1-based line and column; the column counts Unicode code points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct LineCol {
    /// Line, from 1.
    pub line: usize,
    /// Column in code points, from 1.
    pub column: usize,
}

impl SourceFile {
    /// Wraps `text` read from `path`, shown to users as `name`.
    pub fn new(name: String, path: PathBuf, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(memchr_newlines(&text));
        let display = match crate::document::sanitize::mask_controls(&text) {
            Cow::Borrowed(_) => text.clone(),
            Cow::Owned(masked) => masked.into(),
        };
        let continuations = if text.is_ascii() {
            Vec::new()
        } else {
            let mut total = 0;
            text.as_bytes()
                .chunks(BLOCK)
                .map(|block| {
                    let before = total;
                    total += block.iter().filter(|b| is_continuation(**b)).count();
                    before
                })
                .collect()
        };
        SourceFile {
            name,
            path,
            text,
            display,
            line_starts,
            continuations,
        }
    }

    /// The 1-based line of a byte offset, in logarithmic time.
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.line_starts.partition_point(|&s| s <= offset)
    }

    /// The number of UTF-8 continuation bytes before `offset`: bytes minus characters.
    fn continuations_before(&self, offset: usize) -> usize {
        if self.continuations.is_empty() {
            return 0;
        }
        let block = offset / BLOCK;
        let counted = self.continuations.get(block).copied().unwrap_or(0);
        let start = (block * BLOCK).min(offset);
        counted
            + self.text.as_bytes()[start..offset]
                .iter()
                .filter(|b| is_continuation(**b))
                .count()
    }

    /// The line and column of a byte offset, in logarithmic time (long lines stay cheap).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let characters = (offset - start)
            - (self.continuations_before(offset) - self.continuations_before(start));
        LineCol {
            line,
            column: characters + 1,
        }
    }

    /// The byte offset of the start of 1-based `line` (the end of the text past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// Shrinks a multi-line span to its first line, so that labels stay readable.
    pub fn first_line(&self, span: Span) -> Span {
        let start = span.start.min(self.text.len());
        // The next line's start is one past this line's `\n`.
        let end = self
            .line_starts
            .get(self.line_of(start))
            .map_or(self.text.len(), |next| next - 1);
        Span::new(span.start, span.end.min(end).max(span.start))
    }
}

/// Lines longer than this many bytes are shown cut, from their start to a little past the span.
pub const MAX_SNIPPET_LINE: usize = 4096;
/// Bytes of a long line shown past the end of the span.
const SNIPPET_TAIL: usize = 120;

/// A file's text as miette reads it for source snippets: control characters masked, positions
/// found with the line index (not by scanning from the start of the file for every diagnostic),
/// columns counted in characters, and long lines cut so that a snippet stays small.
#[derive(Debug, Clone)]
pub struct Snippet(pub Arc<SourceFile>);

impl Snippet {
    fn contents<'a>(
        &'a self,
        start: usize,
        end: usize,
        first_line: usize,
        line_count: usize,
    ) -> Box<dyn SpanContents<'a> + 'a> {
        let file = &self.0;
        let column = file.line_col(start).column - 1;
        Box::new(MietteSpanContents::new(
            &file.display.as_bytes()[start..end],
            SourceSpan::new(start.into(), end - start),
            first_line - 1,
            column,
            line_count,
        ))
    }

    /// The end of 1-based `line`, after its line feed.
    fn line_end(&self, line: usize) -> usize {
        self.0.line_start(line + 1)
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let file = &self.0;
        let text = &file.display;
        let (start, end) = (span.offset(), span.offset() + span.len());
        if end > text.len() || !text.is_char_boundary(start) {
            return Err(MietteError::OutOfBounds);
        }
        let first = file.line_of(start);
        let last = file.line_of(end.saturating_sub(1).max(start));
        if before == 0 && after == 0 {
            return Ok(self.contents(start, ceil_boundary(text, end), first, last - first + 1));
        }
        let long = |line: usize| self.line_end(line) - file.line_start(line) > MAX_SNIPPET_LINE;
        if (first..=last).any(long) {
            // From the line's start (columns stay right) to a little past the span, on one line.
            let line_start = file.line_start(first);
            let stop = (end.max(start) + SNIPPET_TAIL).min(self.line_end(first));
            return Ok(self.contents(line_start, ceil_boundary(text, stop), first, 1));
        }
        let mut from = first;
        while from > 1 && first - from < before && !long(from - 1) {
            from -= 1;
        }
        let mut to = last;
        while file.line_start(to + 1) < text.len() && to - last < after && !long(to + 1) {
            to += 1;
        }
        let (data_start, data_end) = (file.line_start(from), self.line_end(to));
        Ok(self.contents(data_start, data_end, from, to - from + 1))
    }
}

/// The first character boundary of `text` at or after `at`.
fn ceil_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i + 1)
}

/// Maps the character indices a parser reports to byte offsets in the same text.
pub struct CharToByte {
    /// `None` for ASCII text, where characters and bytes coincide.
    offsets: Option<Vec<usize>>,
    len: usize,
}

impl CharToByte {
    /// Prepares the mapping for `text`.
    pub fn new(text: &str) -> Self {
        let offsets = (!text.is_ascii()).then(|| text.char_indices().map(|(i, _)| i).collect());
        CharToByte {
            offsets,
            len: text.len(),
        }
    }

    /// The byte offset of character number `index`.
    pub fn byte(&self, index: usize) -> usize {
        match &self.offsets {
            None => index.min(self.len),
            Some(offsets) => offsets.get(index).copied().unwrap_or(self.len),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_code_points() {
        let src = SourceFile::new("x".into(), "x".into(), "ab\nüx: 1\n");
        assert_eq!(src.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(src.line_col(3), LineCol { line: 2, column: 1 });
        // 'x' follows the two-byte 'ü'.
        assert_eq!(src.line_col(5), LineCol { line: 2, column: 2 });
        let map = CharToByte::new("üx");
        assert_eq!(map.byte(1), 2);
    }

    #[test]
    fn snippets_read_context_lines_and_cut_long_ones() {
        let long = "x".repeat(MAX_SNIPPET_LINE * 3);
        let text = format!("a: 1\nb: 2\nc: {long}\nd: 4\n");
        let file = Arc::new(SourceFile::new("f".into(), "f".into(), text.as_str()));
        let snippet = Snippet(file);
        let data = |start: usize, len: usize, context: usize| {
            let contents = snippet
                .read_span(&SourceSpan::new(start.into(), len), context, context)
                .unwrap();
            let data = String::from_utf8(contents.data().to_vec()).unwrap();
            (data, contents.line(), contents.column())
        };
        // `b` with a line of context each side, but not the long line after it.
        assert_eq!(data(5, 1, 1), ("a: 1\nb: 2\n".to_string(), 0, 0));
        // The header's position: the span itself, columns in characters.
        assert_eq!(data(8, 1, 0), ("2".to_string(), 1, 3));
        // A span on the long line: that line only, cut after the span.
        let at = 10 + 3 + 100;
        let (cut, line, column) = data(at, 5, 2);
        assert_eq!((line, column), (2, 0));
        assert!(cut.starts_with("c: xxx") && cut.len() == 3 + 100 + 5 + SNIPPET_TAIL);
        assert!(snippet
            .read_span(&SourceSpan::new(text.len().into(), 1), 0, 0)
            .is_err());
    }

    #[test]
    fn columns_on_long_lines_count_code_points_across_blocks() {
        let text = format!("a\n{}ü{}x\n", "é".repeat(3000), "b".repeat(5000));
        let src = SourceFile::new("x".into(), "x".into(), text.as_str());
        let x = text.find('x').unwrap();
        assert_eq!(
            src.line_col(x),
            LineCol {
                line: 2,
                column: 3000 + 1 + 5000 + 1
            }
        );
        for offset in (0..text.len()).step_by(997) {
            if text.is_char_boundary(offset) {
                let start = src.line_start(src.line_of(offset));
                let column = text[start..offset].chars().count() + 1;
                assert_eq!(src.line_col(offset).column, column, "{offset}");
            }
        }
        let first = src.first_line(Span::new(2, text.len()));
        assert_eq!(first, Span::new(2, text.len() - 1));
        assert_eq!(src.first_line(Span::new(0, 5)), Span::new(0, 1));
    }
}
