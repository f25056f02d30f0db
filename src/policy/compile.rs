//! Compiling a policy's CEL expressions, and checking every name they read against what a
//! policy can see (root variables, declared variables, parameters, file facts).

use super::model::{PolicyError, PolicyExpr};
use super::validate::Checker;
use super::FILE_FIELDS;
use crate::document::{suggest, Node, Span};
use crate::expression::{Root, GLOBAL_FUNCTIONS, ROOT_VARIABLES};

/// The CEL language definition, linked from every syntax error.
pub const CEL_LANGUAGE_DEFINITION: &str =
    "https://github.com/google/cel-spec/blob/master/doc/langdef.md";

/// The help of an expression that does not parse: hints for the mistakes policy authors coming
/// from other languages make, then the link to the CEL language definition.
pub(super) fn syntax_help(text: &str) -> String {
    let mut hints = syntax_hints(text);
    hints.push(format!(
        "the CEL language definition: {CEL_LANGUAGE_DEFINITION}"
    ));
    hints.join("\n")
}

/// Hints for the common mistakes in `text`: `=` for `==`, `and`/`or`/`not` for `&&`/`||`/`!`,
/// a single `&` or `|`, an unclosed string.
fn syntax_hints(text: &str) -> Vec<String> {
    // Operators are looked for outside string literals only.
    let mut code = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
                code.push(' ');
            }
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                code.push(if quote.is_some() { ' ' } else { c });
            }
        }
    }
    let mut hints = Vec::new();
    if let Some(q) = quote {
        hints.push(format!(
            "a string opened with {q} is not closed: check the quotes"
        ));
    }
    let bytes = code.as_bytes();
    // `op` alone: neither doubled (`==`, `&&`) nor the end of a two-character operator (`<=`).
    let single = |op: u8, around: &[u8]| {
        bytes.iter().enumerate().any(|(i, b)| {
            let before = (i > 0).then(|| bytes[i - 1]);
            let after = bytes.get(i + 1).copied();
            *b == op
                && before.is_none_or(|c| c != op && !around.contains(&c))
                && after.is_none_or(|c| c != op)
        })
    };
    if single(b'=', b"=!<>") {
        hints
            .push("CEL compares with `==`: `=` alone is not an operator (`self.tier == 1`)".into());
    }
    if single(b'&', b"") {
        hints.push("CEL's logical and is `&&`; a single `&` is not an operator".into());
    }
    if single(b'|', b"") {
        hints.push("CEL's logical or is `||`; a single `|` is not an operator".into());
    }
    let words: Vec<&str> = code
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .collect();
    for (word, op) in [("and", "&&"), ("or", "||"), ("not", "!")] {
        if words.contains(&word) {
            hints.push(format!("CEL writes `{word}` as `{op}`"));
        }
    }
    hints
}

impl Checker<'_> {
    /// Compiles one expression and checks the names it reads.
    pub(super) fn expression(
        &self,
        node: &Node,
        declared: &[String],
        errors: &mut Vec<PolicyError>,
    ) -> Option<PolicyExpr> {
        let Some(text) = node.as_str() else {
            errors.push(PolicyError::at(
                self.file,
                node.span,
                format!("a CEL expression must be text, not a {}", node.type_name()),
                "here",
                Some("quote the expression".into()),
            ));
            return None;
        };
        let compiled = match self.runtime.compile(text) {
            Ok(c) => c,
            Err(e) => {
                let at = self.expr_offset(node, e.line, e.column);
                errors.push(PolicyError::at(
                    self.file,
                    Span::new(at, at + 1),
                    format!("invalid CEL: {}", e.message),
                    "here",
                    Some(syntax_help(text)),
                ));
                return None;
            }
        };
        let before = errors.len();
        let at_char = |offset: usize| {
            let (line, column) = crate::expression::line_column(text, offset);
            self.expr_offset(node, line, column)
        };
        for (name, offset) in &compiled.free {
            if !ROOT_VARIABLES.contains(&name.as_str()) {
                let at = at_char(*offset);
                errors.push(PolicyError::at(
                    self.file,
                    Span::new(at, at + name.len()),
                    format!("unknown variable `{name}`"),
                    "not defined",
                    Some(crate::expression::unknown_name_help(name)),
                ));
            }
        }
        for (name, offset) in &compiled.calls {
            if GLOBAL_FUNCTIONS.contains(&name.as_str()) {
                continue;
            }
            if let Some(known) = suggest(name, GLOBAL_FUNCTIONS.iter().copied()) {
                let at = at_char(*offset);
                errors.push(PolicyError::at(
                    self.file,
                    Span::new(at, at + name.len()),
                    format!("unknown function `{name}`; did you mean `{known}`?"),
                    "not a function",
                    Some(format!(
                        "functions: {}, and the CEL libraries README lists",
                        GLOBAL_FUNCTIONS.join(", ")
                    )),
                ));
            }
        }
        for (name, offset) in &compiled.variables {
            if !declared.contains(name) {
                let at = at_char(*offset);
                errors.push(PolicyError::at(
                    self.file,
                    Span::new(at, at + name.len() + "variables.".len()),
                    format!("unknown variable `variables.{name}`"),
                    "not declared before this expression",
                    Some("declare it under `variables:` (earlier variables only)".into()),
                ));
            }
        }
        for access in &compiled.reads {
            let (Root::Variable(root), Some(field)) = (&access.root, access.fields.first()) else {
                continue;
            };
            let known: &[&str] = match root.as_str() {
                "params" => self.param_names,
                "file" => FILE_FIELDS,
                _ => continue,
            };
            if !known.contains(&field.as_str()) {
                let offset = text.find(&format!("{root}.{field}")).unwrap_or(0);
                let at = at_char(offset);
                errors.push(PolicyError::at(
                    self.file,
                    Span::new(at, at + root.len() + 1 + field.len()),
                    format!("unknown `{root}.{field}`"),
                    "not defined",
                    Some(format!("known: {}", known.join(", "))),
                ));
            }
        }
        (errors.len() == before).then_some(PolicyExpr {
            compiled,
            span: node.span,
        })
    }

    /// The byte offset in the policy file of line:column (from 1, characters) of the expression in `node`.
    pub(super) fn expr_offset(&self, node: &Node, line: usize, column: usize) -> usize {
        let text = node.as_str().unwrap_or_default();
        let target: usize = text
            .split_inclusive('\n')
            .take(line - 1)
            .map(|l| l.chars().count())
            .sum::<usize>()
            + column
            - 1;
        let expr: Vec<char> = text.chars().collect();
        let src = &self.file.text;
        let start = node.span.start.min(src.len());
        // Block scalars start on the line after their indicator; quoted ones after the quote.
        let mut i = match src.as_bytes().get(start) {
            Some(b'|' | b'>') => src[start..].find('\n').map_or(start, |n| start + n + 1),
            Some(b'"' | b'\'') => start + 1,
            _ => start,
        };
        let end = node.span.end.max(i).min(src.len());
        let mut j = 0;
        // Walk source and expression together, skipping indentation, folding and escapes.
        while j < target && i < end {
            let Some(c) = src[i..].chars().next() else {
                break;
            };
            let skipped = c.is_whitespace() || c == '\\' || c == '\'' || c == '"';
            if expr.get(j) == Some(&c) || !skipped {
                j += 1;
            }
            i += c.len_utf8();
        }
        // Skip indentation to land on the character itself.
        while i < end && src[i..].starts_with(' ') && expr.get(j).is_some_and(|c| *c != ' ') {
            i += 1;
        }
        // An error at the end of the expression points at its last character, not the next line.
        let last = src[..end].trim_end().len();
        if i >= last {
            i = last.saturating_sub(1).max(start);
        }
        i
    }
}

#[cfg(test)]
mod hint_tests {
    use super::syntax_hints;

    #[test]
    fn common_mistakes_get_a_hint_and_correct_operators_do_not() {
        let hint = |t: &str| syntax_hints(t).join(" | ");
        assert!(hint("self.tier = 1").contains("`==`"));
        assert!(hint("a and b").contains("`&&`"));
        assert!(hint("a or not b").contains("`||`") && hint("a or not b").contains("`!`"));
        assert!(hint("a & b").contains("single `&`"));
        assert!(hint("a | b").contains("single `|`"));
        assert!(hint("self.name == 'x").contains("not closed"));
        assert_eq!(hint("a == 1 && b != 2 || c <= 3 && d >= 4"), "");
        assert_eq!(hint("self.note == 'a = b and c'"), "");
    }
}
