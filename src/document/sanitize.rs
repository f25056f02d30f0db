//! Making untrusted text safe to print: control characters and bidirectional overrides replaced.
//!
//! Plan and policy text reaches terminals and CI logs. An escape sequence in it could restyle or
//! rewrite what a reviewer sees (clear the screen, forge a "0 errors" line, set the window title);
//! a lone carriage return could overwrite a line; a bidirectional override could reorder it.

use std::borrow::Cow;

/// True for a character that must not reach a terminal as itself: C0 and C1 controls (but tab and
/// line feed), DEL, and the Unicode bidirectional embedding, override and isolate controls.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character replaced by U+FFFD, for messages and labels.
pub fn strip_controls(text: &str) -> String {
    text.chars()
        .map(|c| if is_unsafe(c) { '\u{FFFD}' } else { c })
        .collect()
}

/// `text` with every unsafe character replaced by printable text of the same length in bytes, so
/// that byte offsets into the original still point at the same places. For source snippets.
///
/// A carriage return that ends a line (`\r\n`) is kept: it is part of the line ending.
pub fn mask_controls(text: &str) -> Cow<'_, str> {
    // Most files are printable ASCII: one pass over the bytes settles them, a block at a time
    // without branching so that it vectorises.
    let plain = |b: &u8| (b' '..=b'~').contains(b) | (*b == b'\n') | (*b == b'\t');
    if text
        .as_bytes()
        .chunks(64)
        .all(|block| block.iter().fold(true, |all, b| all & plain(b)))
    {
        return Cow::Borrowed(text);
    }
    let needs_mask = |(i, c): (usize, char)| is_unsafe(c) && !is_line_ending(text, i, c);
    if !text.char_indices().any(needs_mask) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if is_unsafe(c) && !is_line_ending(text, i, c) {
            match c.len_utf8() {
                1 => out.push('?'),
                2 => out.push('\u{00BF}'),
                _ => out.push('\u{FFFD}'),
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_line_ending(text: &str, i: usize, c: char) -> bool {
    c == '\r' && text.as_bytes().get(i + 1) == Some(&b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_replaced_and_offsets_kept() {
        let text = "a\u{1b}[31mb\r\nc\u{9b}d\u{202e}e\rf\tg\n";
        let masked = mask_controls(text);
        assert_eq!(masked.len(), text.len());
        assert_eq!(masked, "a?[31mb\r\nc\u{bf}d\u{fffd}e?f\tg\n");
        assert!(matches!(mask_controls("plain\r\ntext\n"), Cow::Borrowed(_)));
        assert_eq!(
            strip_controls("x\u{7}y\u{2066}z\n"),
            "x\u{fffd}y\u{fffd}z\n"
        );
    }
}
