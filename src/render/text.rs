//! Making plan and policy text safe inside Markdown: one line, every markup character escaped.

/// Characters that open Markdown, GitHub-Flavored Markdown or HTML markup in the middle of a line
/// (values are never written at the start of a line, so `#`, `-`, `1.` cannot start a block).
const SPECIAL: &[char] = &[
    '\\', '`', '*', '_', '[', ']', '<', '>', '|', '~', '&', '$', '@',
];

/// `text` as literal Markdown on one line: newlines become spaces, control characters are
/// replaced, and every character that could open markup (including `|`, so it is safe in a table
/// cell, and `<`, so it never becomes HTML) is backslash-escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c if SPECIAL.contains(&c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Like [`escape`], but `code spans` written with single backticks stay code spans; inside them
/// only `|` is escaped (GitHub tables need it even there).
pub fn escape_keeping_code(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('`') else {
            break;
        };
        let code = &after[..close];
        out.push_str(&escape(&rest[..open]));
        if code.is_empty() || code.contains(['\n', '\r']) {
            out.push_str(&escape(&rest[open..open + 2 + close]));
        } else {
            let code: String = code
                .chars()
                .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
                .collect();
            out.push('`');
            out.push_str(&code.replace('|', "\\|"));
            out.push('`');
        }
        rest = &after[close + 1..];
    }
    out.push_str(&escape(rest));
    out
}

/// The code spans and plain runs of `text`, in order: `(is_code, text)`; used by the HTML report.
pub fn split_code(text: &str) -> Vec<(bool, &str)> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('`') else {
            break;
        };
        if open > 0 {
            parts.push((false, &rest[..open]));
        }
        parts.push((true, &after[..close]));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        parts.push((false, rest));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_cannot_escape_a_cell() {
        assert_eq!(
            escape("a|b\n<script>x</script>"),
            "a\\|b \\<script\\>x\\</script\\>"
        );
        assert_eq!(escape("[x](javascript:y)"), "\\[x\\](javascript:y)");
        assert_eq!(
            escape_keeping_code("add `rto: 4h` or `a|b`, *now*"),
            "add `rto: 4h` or `a\\|b`, \\*now\\*"
        );
        assert_eq!(escape_keeping_code("odd ` tick"), "odd \\` tick");
        assert_eq!(
            split_code("x `y` z"),
            vec![(false, "x "), (true, "y"), (false, " z")]
        );
    }
}
