//! Backtick-quoted field names (`` self.`content-type` ``, `` has(m.`a/b`) ``), which the CEL
//! spec allows and the `cel` crate 0.15 parser does not. Before parsing, each quoted name after a
//! `.` is replaced by a placeholder identifier of the same length (so positions in error messages
//! stay right); after parsing, the field selections named by a placeholder get the real name.

use cel::common::ast::Expr;
use cel::IdedExpr;

/// The text with quoted field names replaced, and each placeholder with the name it stands for.
pub fn replace(text: &str) -> (String, Vec<(String, String)>) {
    if !text.contains('`') {
        return (text.to_string(), Vec::new());
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut names = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' || c == '"' {
            let end = string_end(&chars, i);
            out.extend(&chars[i..end]);
            i = end;
            continue;
        }
        if c == '`' && after_dot(&chars, i) {
            let close = chars[i + 1..].iter().position(|&c| c == '`' || c == '\n');
            if let Some(len) = close.filter(|&len| len > 0 && chars[i + 1 + len] == '`') {
                let name: String = chars[i + 1..i + 1 + len].iter().collect();
                let placeholder = format!("_{}", names.len());
                let width = len + 2;
                if placeholder.len() <= width && !text.contains(&placeholder) {
                    let placeholder = format!("{placeholder:_<width$}");
                    out.push_str(&placeholder);
                    names.push((placeholder, name));
                    i += width;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    (out, names)
}

/// Whether the backtick at `i` follows a `.` (spaces between allowed): a field selection.
fn after_dot(chars: &[char], i: usize) -> bool {
    chars[..i]
        .iter()
        .rev()
        .find(|c| !c.is_whitespace())
        .is_some_and(|&c| c == '.')
}

/// The index just past the string literal opening at `start` (single, double or triple quotes;
/// a backslash escapes the next character, also in raw strings, where that is harmless here).
fn string_end(chars: &[char], start: usize) -> usize {
    let quote = chars[start];
    let triple = chars.get(start + 1) == Some(&quote) && chars.get(start + 2) == Some(&quote);
    let mut i = start + if triple { 3 } else { 1 };
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            c if c == quote => {
                if !triple {
                    return i + 1;
                }
                if chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote) {
                    return i + 3;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    chars.len()
}

/// Gives the field selections named by a placeholder their real names.
pub fn restore(expr: &mut IdedExpr, names: &[(String, String)]) {
    if names.is_empty() {
        return;
    }
    super::tree::each_node_mut(expr, &mut |node| {
        if let Expr::Select(select) = &mut node.expr {
            if let Some((_, name)) = names.iter().find(|(p, _)| *p == select.field) {
                select.field = name.clone();
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_names_after_a_dot_become_placeholders_of_the_same_length() {
        let (text, names) = replace("m.`content-type` == '`x`' && has(m . `a`)");
        let placeholder = "_0____________";
        assert_eq!(placeholder.len(), "`content-type`".len());
        assert_eq!(text, format!("m.{placeholder} == '`x`' && has(m . _1_)"));
        assert_eq!(
            names[0],
            (placeholder.to_string(), "content-type".to_string())
        );
        assert_eq!(names[1].1, "a");
        // Not after a dot, unterminated or empty: left for the parser to refuse.
        for text in ["`a`", "m.`a", "m.``", "\"\"\"`\"\"\" + m.`b\nc`"] {
            assert!(replace(text).1.is_empty(), "{text}");
        }
    }
}
