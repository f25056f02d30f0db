//! Source text of one file and the conversions between byte offsets, characters and line:column.

use std::borrow::Cow;
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
}

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
        let display = match crate::sanitize::mask_controls(&text) {
            Cow::Borrowed(_) => text.clone(),
            Cow::Owned(masked) => masked.into(),
        };
        SourceFile {
            name,
            path,
            text,
            display,
            line_starts,
        }
    }

    /// The line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        LineCol {
            line: line + 1,
            column: column + 1,
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
        let end = self.text[span.start.min(self.text.len())..]
            .find('\n')
            .map_or(self.text.len(), |i| span.start + i);
        Span::new(span.start, span.end.min(end).max(span.start))
    }
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
}
