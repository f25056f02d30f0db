//! The config's `params:` checked against the built-in parameters and what the policies read: an
//! unknown name or a value of the wrong type is a config error at its line.

use std::collections::HashSet;
use std::sync::Arc;

use crate::config::{self, ConfigError};
use crate::document::{self, Node, SourceFile, Value};
use crate::expression::{parse_period, Root};
use crate::policy::Policy;

/// The errors in `overrides` (the config's `params:`, written in `source`): names neither built
/// in (`defaults`) nor read by a policy, and values whose type differs from the default's.
pub fn check(
    overrides: &Node,
    defaults: &Node,
    policies: &[Policy],
    source: &Arc<SourceFile>,
) -> Vec<ConfigError> {
    let (Some(overrides), Some(defaults)) = (overrides.as_map(), defaults.as_map()) else {
        return Vec::new();
    };
    let read = read_by(policies);
    let known: Vec<&str> = defaults
        .entries
        .iter()
        .map(|(k, _)| k.as_str())
        .chain(read.iter().copied())
        .collect();
    let mut errors = Vec::new();
    for (key, value) in &overrides.entries {
        match defaults.get(key) {
            Some(default) => {
                if let Some(expected) = type_mismatch(value, default) {
                    errors.push(config::invalid_at(
                        source,
                        value.span,
                        format!("parameter `{key}` must be {expected}"),
                        Some(format!(
                            "write it like its default: `{key}: {}`",
                            shown(default)
                        )),
                    ));
                }
            }
            None if read.contains(key.as_str()) => {}
            None => {
                let hint = document::suggest(key, known.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                errors.push(config::invalid_at(
                    source,
                    value.key_span.unwrap_or(value.span),
                    format!("unknown parameter `{key}`{hint}"),
                    Some(
                        "`params:` sets the built-in parameters (`bcpcheck policies show` names \
                         the ones a policy reads) or ones your own policies read as `params.NAME`"
                            .into(),
                    ),
                ));
            }
        }
    }
    errors
}

/// The parameter names the policies read (`params.NAME` in any of their expressions).
fn read_by(policies: &[Policy]) -> HashSet<&str> {
    let mut read = HashSet::new();
    for policy in policies {
        let exprs = policy
            .when
            .iter()
            .chain(std::iter::once(&policy.rule))
            .chain(policy.variables.iter().map(|v| &v.expr));
        for expr in exprs {
            for access in &expr.compiled.reads {
                if let (Root::Variable(root), Some(field)) = (&access.root, access.fields.first()) {
                    if root == "params" {
                        read.insert(field.as_str());
                    }
                }
            }
        }
        // A message expression compiles on first use: its text is searched instead.
        if let Some(message) = &policy.message_expression {
            for (at, _) in message.text.match_indices("params.") {
                let name: &str = &message.text[at + "params.".len()..];
                let end = name
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(name.len());
                read.insert(&name[..end]);
            }
        }
    }
    read
}

/// What `value` should be, when its type differs from `default`'s.
fn type_mismatch(value: &Node, default: &Node) -> Option<String> {
    let expected = match (&default.value, &value.value) {
        (Value::Int(_), Value::Int(_)) => return None,
        (Value::Int(_), _) => "a whole number".to_string(),
        (Value::Float(_), Value::Int(_) | Value::Float(_)) => return None,
        (Value::Float(_), _) => "a number".to_string(),
        (Value::Bool(_), Value::Bool(_)) => return None,
        (Value::Bool(_), _) => "true or false".to_string(),
        (Value::Str(d), Value::Str(v))
            if parse_period(d).is_some() && parse_period(v).is_none() =>
        {
            "a duration such as `30d`, `12h` or `2w`".to_string()
        }
        (Value::Str(_), Value::Str(_)) => return None,
        (Value::Str(d), _) if parse_period(d).is_some() => {
            "a duration such as `30d`, `12h` or `2w`".to_string()
        }
        (Value::Str(_), _) => "text".to_string(),
        (Value::Seq(d), Value::Seq(items))
            if d.iter().all(|i| matches!(i.value, Value::Str(_)))
                && items.iter().any(|i| !matches!(i.value, Value::Str(_))) =>
        {
            "a list of text".to_string()
        }
        (Value::Seq(_), Value::Seq(_)) => return None,
        (Value::Seq(_), _) => "a list".to_string(),
        (Value::Map(_), Value::Map(_)) => return None,
        (Value::Map(_), _) => "a mapping".to_string(),
        _ => return None,
    };
    Some(format!("{expected}, not {}", describe(value)))
}

/// A value as an error names it: its type, and short text as written.
fn describe(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => format!("the text `{s}`"),
        Value::Int(n) => format!("the number {n}"),
        Value::Float(n) => format!("the number {n}"),
        Value::Bool(b) => format!("{b}"),
        Value::Null => "empty".into(),
        Value::Seq(_) => "a list".into(),
        Value::Map(_) => "a mapping".into(),
    }
}

/// A default value as YAML would show it, for the help.
fn shown(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => s.clone(),
        Value::Int(n) => n.to_string(),
        Value::Float(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        Value::Seq(items) => {
            let items: Vec<String> = items.iter().map(shown).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Map(_) => "{...}".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::yaml;

    fn node(text: &str) -> Node {
        yaml::parse_stream(text, 0).unwrap().remove(0)
    }

    #[test]
    fn a_value_must_have_the_type_of_its_default() {
        let cases = [
            ("2", "1", None),
            ("2", "one", Some("a whole number, not the text `one`")),
            ("0.5", "1", None),
            ("365d", "30d", None),
            (
                "365d",
                "1 year",
                Some("a duration such as `30d`, `12h` or `2w`, not the text `1 year`"),
            ),
            (
                "365d",
                "30",
                Some("a duration such as `30d`, `12h` or `2w`, not the number 30"),
            ),
            ("[a, b]", "[c]", None),
            ("[a, b]", "[1]", Some("a list of text, not a list")),
            ("[a, b]", "a", Some("a list, not the text `a`")),
            (
                "true",
                "yes please",
                Some("true or false, not the text `yes please`"),
            ),
        ];
        for (default, value, expected) in cases {
            let got = type_mismatch(&node(value), &node(default));
            assert_eq!(got.as_deref(), expected, "{value} for default {default}");
        }
    }
}
