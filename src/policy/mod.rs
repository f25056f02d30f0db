//! Policy files: parsing, validation and compiling every CEL expression once per run.

pub mod packs;
pub mod select;

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use miette::{Diagnostic, SourceSpan};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::document::object::{FieldError, ObjectReader};
use crate::document::{self, yaml, Node, Segment, SourceFile, Span, Value};
use crate::expression::{Compiled, Root, Runtime, ROOT_VARIABLES};
use select::Selector;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Should be fixed.
    Warning,
    /// Must be fixed.
    Error,
}

impl Severity {
    /// Parses `error`, `warning` or `info`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A compiled expression and where it was written in its policy file.
#[derive(Debug)]
pub struct PolicyExpr {
    /// The compiled program and what it reads.
    pub compiled: Arc<Compiled>,
    /// The YAML value holding the expression.
    pub span: Span,
}

/// `messageExpression`: needed only when a policy finds something, so the built-in packs (validated by
/// their own tests) compile it on first use; a team's policy file compiles it up front to report errors.
#[derive(Debug)]
pub struct MessageExpr {
    /// The expression text.
    pub text: String,
    compiled: std::sync::OnceLock<Option<Arc<Compiled>>>,
}

impl MessageExpr {
    /// The compiled expression (compiled on first use), or `None` if it does not compile.
    pub fn get(&self, runtime: &Runtime) -> Option<&Compiled> {
        self.compiled
            .get_or_init(|| runtime.compile(&self.text).ok())
            .as_deref()
    }
}

/// A named value of a policy, read as `variables.NAME`.
#[derive(Debug)]
pub struct Variable {
    /// The name.
    pub name: String,
    /// Its expression.
    pub expr: PolicyExpr,
    /// True when it reads `self` (directly or through another variable): evaluated per match;
    /// otherwise once per document.
    pub per_match: bool,
}

/// A validated, compiled policy.
#[derive(Debug)]
pub struct Policy {
    /// Stable id, `[A-Z0-9-]+`.
    pub id: String,
    /// The rule in plain words.
    pub title: String,
    /// Severity of its findings.
    pub severity: Severity,
    /// Document kinds it applies to; empty means all.
    pub kinds: Vec<String>,
    /// The `select` pattern as written, if any.
    pub select_text: Option<String>,
    /// The compiled `select` pattern; `None` selects the document root.
    pub select: Option<Selector>,
    /// Precondition per match.
    pub when: Option<PolicyExpr>,
    /// Named values, in order.
    pub variables: Vec<Variable>,
    /// Must be true.
    pub rule: PolicyExpr,
    /// Static message.
    pub message: Option<String>,
    /// Message computed per finding.
    pub message_expression: Option<MessageExpr>,
    /// Where findings of a false rule point, relative to the match (`.`: the match itself);
    /// `None` leaves it to the rule's reads.
    pub field_path: Option<Vec<Segment>>,
    /// How to fix.
    pub help: Option<String>,
    /// Documentation link.
    pub url: Option<String>,
    /// Standard clauses.
    pub references: Vec<String>,
    /// Free-form tags.
    pub tags: Vec<String>,
    /// Built-in pack, or `None` for a team's own policy file.
    pub pack: Option<String>,
    /// The policy file.
    pub origin: Arc<SourceFile>,
    /// The policy's mapping in that file.
    pub span: Span,
}

impl Policy {
    /// True when the policy applies to documents of `kind`.
    pub fn applies_to_kind(&self, kind: &str) -> bool {
        self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind)
    }
}

/// A policy file that could not be read, or a policy in it that is invalid. The others still run.
#[derive(Debug, Error, Diagnostic)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("{file}: cannot read policy file: {reason}")]
    #[diagnostic(code(bcpcheck::policy::read))]
    Read {
        /// File as shown.
        file: String,
        /// Why.
        reason: String,
    },
    /// A problem at a spot in a policy file.
    #[error("{file}: {message}")]
    #[diagnostic(code(bcpcheck::policy))]
    Invalid {
        /// File as shown.
        file: String,
        /// What is wrong.
        message: String,
        /// The policy file.
        #[source_code]
        src: crate::document::Named,
        /// The spot.
        #[label("{label}")]
        at: SourceSpan,
        /// Label text.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
}

impl PolicyError {
    /// A problem at `span` of `source`.
    pub fn at(
        source: &Arc<SourceFile>,
        span: Span,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> Self {
        PolicyError::Invalid {
            file: source.name.clone(),
            message,
            src: document::named(source),
            at: document::to_source_span(span),
            label: label.to_string(),
            help,
        }
    }

    fn field(source: &Arc<SourceFile>, err: FieldError) -> Self {
        Self::at(source, err.span, err.message, "here", err.help)
    }
}

/// Policy text to load: a built-in pack file or a team's own file.
pub struct PolicySource {
    /// Path as shown.
    pub name: String,
    /// Path on disk (empty for embedded files).
    pub path: PathBuf,
    /// The YAML.
    pub text: String,
    /// Built-in pack name.
    pub pack: Option<String>,
}

/// Every policy of a run, compiled once, and the problems found on the way.
pub struct PolicySet {
    /// Valid policies, sorted by id; shared with the threads that evaluate them.
    pub policies: Arc<Vec<Policy>>,
    /// Invalid policies and unreadable files.
    pub errors: Vec<PolicyError>,
    /// SHA-256 over every policy text and the parameters: identifies the policy set in reports.
    pub digest: String,
}

/// The keys of `file`.
const FILE_FIELDS: &[&str] = &["path", "name", "ext", "kind"];
const POLICY_FIELDS: &str = "id, title, severity, kinds, select, when, variables, rule, message, messageExpression, fieldPath, help, url, references, tags";

/// Loads, validates and compiles `sources`; `params` is the parameter map policies may read.
pub fn load(sources: &[PolicySource], params: &Node, runtime: &Runtime) -> PolicySet {
    let param_names: Vec<&str> = params
        .as_map()
        .map(|m| m.entries.iter().map(|(k, _)| k.as_str()).collect())
        .unwrap_or_default();
    // Compiling CEL dominates start-up, so files compile in parallel; order is restored below.
    let compiled: Vec<_> = sources
        .par_iter()
        .map(|source| load_file(source, runtime, &param_names))
        .collect();

    let mut hasher = Sha256::new();
    let mut policies: Vec<Policy> = Vec::new();
    let mut errors = Vec::new();
    let mut first_seen: HashMap<String, String> = HashMap::new();
    for (source, results) in sources.iter().zip(compiled) {
        for part in [source.name.as_bytes(), source.text.as_bytes()] {
            hasher.update(part);
            hasher.update([0]);
        }
        for result in results {
            match result {
                Ok((policy, id_span)) => {
                    if let Some(other) = first_seen.get(&policy.id) {
                        let message = format!(
                            "duplicate policy id `{}` (first defined in {other})",
                            policy.id
                        );
                        let help = Some("give every policy a unique id".into());
                        errors.push(PolicyError::at(
                            &policy.origin,
                            id_span,
                            message,
                            "defined again here",
                            help,
                        ));
                        continue;
                    }
                    first_seen.insert(policy.id.clone(), policy.origin.name.clone());
                    policies.push(policy);
                }
                Err(mut problems) => errors.append(&mut problems),
            }
        }
    }
    hasher.update(format!("{params:?}").as_bytes());
    policies.sort_by(|a, b| a.id.cmp(&b.id));
    PolicySet {
        policies: Arc::new(policies),
        errors,
        digest: format!("sha256:{:x}", hasher.finalize()),
    }
}

/// Parses one policy file and compiles each policy in it (with the span of its id).
fn load_file(
    source: &PolicySource,
    runtime: &Runtime,
    param_names: &[&str],
) -> Vec<Result<(Policy, Span), Vec<PolicyError>>> {
    let file = Arc::new(SourceFile::new(
        source.name.clone(),
        source.path.clone(),
        source.text.as_str(),
    ));
    let roots = match yaml::parse_stream(&file.text, 0) {
        Ok(roots) => roots,
        Err(e) => {
            return vec![Err(vec![PolicyError::at(
                &file,
                e.span,
                e.kind.to_string(),
                "here",
                None,
            )])]
        }
    };
    let checker = Checker {
        file: &file,
        runtime,
        param_names,
        lazy: source.pack.is_some() && source.path.as_os_str().is_empty(),
    };
    roots
        .iter()
        .flat_map(|root| match &root.value {
            Value::Seq(items) => items.iter().collect::<Vec<_>>(),
            Value::Null => Vec::new(),
            _ => vec![root],
        })
        .map(|node| {
            checker
                .policy(node, source.pack.clone())
                .map(|p| (p, id_span(node)))
        })
        .collect()
}

fn id_span(node: &Node) -> Span {
    node.as_map()
        .and_then(|m| m.get("id"))
        .map_or(node.span, |n| n.span)
}

struct Checker<'a> {
    file: &'a Arc<SourceFile>,
    runtime: &'a Runtime,
    param_names: &'a [&'a str],
    /// Compile `messageExpression` on first use (the embedded built-in packs).
    lazy: bool,
}

impl Checker<'_> {
    fn policy(&self, node: &Node, pack: Option<String>) -> Result<Policy, Vec<PolicyError>> {
        let mut r = ObjectReader::new(node, "a policy");
        let mut errors: Vec<PolicyError> = Vec::new();

        let id = r
            .required_string("id")
            .map(|(id, n)| (id.to_string(), n.span));
        if let Some((id, span)) = &id {
            let valid = !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
            if !valid {
                errors.push(PolicyError::at(
                    self.file,
                    *span,
                    format!("invalid policy id `{id}`"),
                    "here",
                    Some("ids use capital letters, digits and `-`, such as `ACME-RTO-001`".into()),
                ));
            }
        }
        let title = r.required_string("title").map(|(t, _)| t.to_string());
        let severity = match r.required_string("severity") {
            Some((text, n)) => match Severity::parse(text) {
                Some(s) => Some(s),
                None => {
                    errors.push(PolicyError::at(
                        self.file,
                        n.span,
                        format!("invalid severity `{text}`"),
                        "here",
                        Some("use `error`, `warning` or `info`".into()),
                    ));
                    None
                }
            },
            None => None,
        };
        let kinds = r.strings("kinds").into_iter().map(|(k, _)| k).collect();
        let select_text = r.string("select").map(|(s, n)| (s.to_string(), n));
        let select = select_text
            .as_ref()
            .and_then(|(text, n)| match Selector::parse(text) {
                Ok(s) => Some(s),
                Err(e) => {
                    let at = self.expr_offset(n, 1, e.offset + 1);
                    errors.push(PolicyError::at(
                        self.file,
                        Span::new(at, at + 1),
                        format!("invalid select pattern: {}", e.message),
                        "here",
                        Some(
                            "write a path such as `processes[*]`, `metadata.scope` or `map.*`"
                                .into(),
                        ),
                    ));
                    None
                }
            });

        let mut declared: Vec<String> = Vec::new();
        let mut variables = Vec::new();
        if let Some(list) = r.node("variables") {
            match list.as_seq() {
                Some(items) => {
                    for item in items {
                        let mut vr = ObjectReader::new(item, "a variable");
                        let name = vr.required_string("name").map(|(n, _)| n.to_string());
                        let expr = vr.required_string("expression").map(|(_, n)| n);
                        errors.extend(
                            vr.finish()
                                .into_iter()
                                .map(|e| PolicyError::field(self.file, e)),
                        );
                        if let (Some(name), Some(expr)) = (name, expr) {
                            if let Some(compiled) = self.expression(expr, &declared, &mut errors) {
                                let reads_self =
                                    compiled.compiled.free.iter().any(|(n, _)| n == "self");
                                let per_match = reads_self
                                    || compiled.compiled.variables.iter().any(|(used, _)| {
                                        variables
                                            .iter()
                                            .any(|v: &Variable| v.per_match && v.name == *used)
                                    });
                                declared.push(name.clone());
                                variables.push(Variable {
                                    name,
                                    expr: compiled,
                                    per_match,
                                });
                            }
                        }
                    }
                }
                None => errors.push(PolicyError::at(
                    self.file,
                    list.span,
                    "`variables` must be a list of `{name, expression}`".into(),
                    "here",
                    None,
                )),
            }
        }
        let when = r
            .string("when")
            .and_then(|(_, n)| self.expression(n, &declared, &mut errors));
        let rule = r
            .required_string("rule")
            .and_then(|(_, n)| self.expression(n, &declared, &mut errors));
        let message = r.string("message").map(|(m, _)| m.to_string());
        let message_expression = r.string("messageExpression").and_then(|(text, n)| {
            let compiled = std::sync::OnceLock::new();
            if !self.lazy {
                let expr = self.expression(n, &declared, &mut errors)?;
                let _ = compiled.set(Some(expr.compiled));
            }
            Some(MessageExpr {
                text: text.to_string(),
                compiled,
            })
        });
        let field_path = r.string("fieldPath").and_then(|(text, n)| match text {
            "." => Some(Vec::new()),
            _ => match document::LogicalPath::parse(text) {
                Some(p) => Some(p.0),
                None => {
                    errors.push(PolicyError::at(self.file, n.span, format!("invalid fieldPath `{text}`"), "here", Some("write a path without wildcards, such as `rto` or `exit_strategy.reviewed_on`, or `.` for the match itself".into())));
                    None
                }
            },
        });
        let help = r.string("help").map(|(h, _)| h.trim().to_string());
        let url = r.string("url").map(|(u, _)| u.to_string());
        let references = r
            .strings("references")
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        let tags = r.strings("tags").into_iter().map(|(s, _)| s).collect();
        let unknown = r.finish();
        for mut e in unknown {
            if e.help
                .as_deref()
                .is_some_and(|h| h.starts_with("known fields"))
            {
                e.help = Some(format!("known fields: {POLICY_FIELDS}"));
            }
            errors.push(PolicyError::field(self.file, e));
        }

        match (id, title, severity, rule) {
            (Some((id, _)), Some(title), Some(severity), Some(rule)) if errors.is_empty() => {
                Ok(Policy {
                    id,
                    title,
                    severity,
                    kinds,
                    select_text: select_text.map(|(t, _)| t),
                    select,
                    when,
                    variables,
                    rule,
                    message,
                    message_expression,
                    field_path,
                    help,
                    url,
                    references,
                    tags,
                    pack,
                    origin: self.file.clone(),
                    span: node.span,
                })
            }
            _ => Err(errors),
        }
    }

    /// Compiles one expression and checks the names it reads.
    fn expression(
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
                    Some("fix the expression; see the CEL language definition".into()),
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
    fn expr_offset(&self, node: &Node, line: usize, column: usize) -> usize {
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

/// Parses the default parameters and merges `overrides` (from bcpcheck.yaml) over them.
pub fn params(overrides: Option<&Node>) -> Node {
    let mut base = yaml::parse_stream(packs::default_params(), 0)
        .ok()
        .and_then(|mut roots| roots.pop())
        .unwrap_or_else(|| Node::new(Value::Map(Default::default()), Span::default()));
    if let (Value::Map(map), Some(extra)) = (&mut base.value, overrides.and_then(Node::as_map)) {
        for (key, value) in &extra.entries {
            map.entries.retain(|(k, _)| k != key);
            map.entries.push((key.clone(), value.clone()));
        }
    }
    base
}

/// The sources of the built-in packs named in `packs`.
pub fn builtin_sources(packs: &[String]) -> Vec<PolicySource> {
    packs
        .iter()
        .flat_map(|pack| packs::files(pack))
        .map(|f| PolicySource {
            name: f.name,
            path: PathBuf::new(),
            text: f.text.to_string(),
            pack: Some(f.pack.to_string()),
        })
        .collect()
}
