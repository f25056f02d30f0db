//! The policy model: a validated, compiled policy, its expressions, and policy errors.

use std::sync::{Arc, OnceLock};

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use super::select::Selector;
use crate::document::object::FieldError;
use crate::document::{self, Segment, SourceFile, Span};
use crate::expression::{Compiled, Runtime};
use crate::finding::Severity;

/// A compiled expression and where it was written in its policy file.
#[derive(Debug, Clone)]
pub struct PolicyExpr {
    /// The compiled program and what it reads.
    pub compiled: Arc<Compiled>,
    /// The YAML value holding the expression.
    pub span: Span,
}

/// `messageExpression`: needed only when a policy finds something, so the built-in packs (validated by
/// their own tests) compile it on first use; a team's policy file compiles it up front to report errors.
#[derive(Debug, Clone)]
pub struct MessageExpr {
    /// The expression text.
    pub text: String,
    /// Where it is written in the policy file.
    pub span: Span,
    /// The compiled expression, once compiled.
    pub(super) compiled: OnceLock<Option<Arc<Compiled>>>,
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
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
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
    /// Standard clauses and other sources, as text (`ISO 22301 8.4.2 (note)`).
    pub references: Vec<String>,
    /// Per reference, its standard, clause and note when written as a mapping; plain text is
    /// read only when asked ([`Policy::citations`]), so a run that shows no matrix pays nothing.
    pub structured_references: Vec<Option<Reference>>,
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
    /// This policy with `now` on the left of its comparisons, for an evaluation with a traced
    /// `now` (`due`'s search; see [`Compiled::with_now_on_the_left`]).
    pub fn with_now_on_the_left(&self) -> Policy {
        let mut policy = self.clone();
        let expressions = policy
            .variables
            .iter_mut()
            .map(|v| &mut v.expr)
            .chain(policy.when.iter_mut())
            .chain(std::iter::once(&mut policy.rule));
        for e in expressions {
            e.compiled = Arc::new(e.compiled.with_now_on_the_left());
        }
        policy
    }

    /// Its expressions that read the plan: the variables', `when` and the rule.
    pub fn expressions(&self) -> impl Iterator<Item = &PolicyExpr> {
        self.variables
            .iter()
            .map(|v| &v.expr)
            .chain(self.when.iter())
            .chain(std::iter::once(&self.rule))
    }

    /// Every reference as standard, clause and note: structured ones as written, plain text
    /// parsed where it names a clause ([`Reference::parse`]).
    pub fn citations(&self) -> Vec<Reference> {
        self.references
            .iter()
            .zip(&self.structured_references)
            .map(|(text, written)| written.clone().unwrap_or_else(|| Reference::parse(text)))
            .collect()
    }

    /// True when an expression of the policy reads `workspace`: the run must then load the
    /// portfolio.
    pub fn reads_workspace(&self) -> bool {
        let reads = |c: &Compiled| c.free.iter().any(|(n, _)| n == "workspace");
        self.expressions().any(|e| reads(&e.compiled))
            || self
                .message_expression
                .as_ref()
                .is_some_and(|m| m.text.contains("workspace"))
    }

    /// True when the policy reads from `workspace` what only the portfolio's other plans give
    /// (`plans`, `index.plans`, `definedIn`, `referencedBy`), told from its expressions' text,
    /// erring towards yes: a run that checks one plan parses the other plans only then.
    pub fn reads_other_plans(&self) -> bool {
        let mentions = |text: &str| {
            ["plans", "definedIn", "referencedBy"]
                .iter()
                .any(|word| text.contains(word))
        };
        self.reads_workspace()
            && (self.expressions().any(|e| mentions(&e.compiled.text))
                || self
                    .message_expression
                    .as_ref()
                    .is_some_and(|m| mentions(&m.text)))
    }

    /// The top-level part of a plan the policy checks: the first key of its `select`, else of its
    /// `fieldPath`; `None` for a policy about the whole plan. A plan that delegates this part to
    /// another plan is not checked by it.
    pub fn part(&self) -> Option<&str> {
        let from_select = self.select.as_ref().and_then(|s| match s.steps().first() {
            Some(crate::document::path::Step::Segment(Segment::Key(key))) => Some(key.as_str()),
            _ => None,
        });
        let from_field = || match self.field_path.as_ref()?.first() {
            Some(Segment::Key(key)) => Some(key.as_str()),
            _ => None,
        };
        from_select.or_else(from_field)
    }

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
    #[diagnostic(code(bcpcheck::policy::invalid))]
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

    /// A problem the object reader found in a policy's fields.
    pub(super) fn field(source: &Arc<SourceFile>, err: FieldError) -> Self {
        Self::at(source, err.span, err.message, "here", err.help)
    }
}

/// A reference of a policy: a clause of a standard, with an optional note, or free text that
/// names no clause ("precondition for all cross-field checks").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The standard, normalised for grouping: `ISO 22301`, `NIST SP 800-34`, `NIST SP 800-53`, `DORA`.
    pub standard: Option<String>,
    /// The clause within it: `8.4.2`, `3.4.6`, `CP-2(7)`, `Art. 12(6)`.
    pub clause: Option<String>,
    /// What the policy takes from the clause, or the whole text when it names no clause.
    pub note: Option<String>,
}

/// Plain-text reference grammars: a standard (group 1, normalised by [`standard_name`]) and a
/// clause (group 2); the rest of the text is the note.
fn reference_patterns() -> &'static [(regex::Regex, &'static str)] {
    static PATTERNS: OnceLock<Vec<(regex::Regex, &'static str)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let control = r"[A-Z]{2}-\d+(?:\(\d+\))*(?:[a-z](?:\.\d+)?)?(?:\(\d+\))*";
        let section = r"\d+(?:\.\d+)*(?:-\d+(?:\.\d+)*)?";
        [
            (
                r"^ISO(?:/IEC)?\s+(\d+)(?::\d{4})?\s+§?\s*(\d+(?:\.\d+)*(?:-\d+(?:\.\d+)*)?(?:\s+[a-z]\b)?)".to_string(),
                "ISO",
            ),
            (
                format!(r"^(?:NIST\s+)?SP\s*800-(\d+)(?:\s*Rev\.?\s*\d+|r\d+)?\s+§?\s*({control}|{section})"),
                "NIST SP 800-",
            ),
            (r"^(DORA)\s+(Art\.\s*\d+(?:\(\d+\))*(?:\([a-z]\))?)".to_string(), "DORA"),
            (format!(r"^()({control})"), "NIST SP 800-53"),
        ]
        .into_iter()
        .filter_map(|(pattern, standard)| Some((regex::Regex::new(&pattern).ok()?, standard)))
        .collect()
    })
}

fn standard_name(kind: &str, captured: &str) -> String {
    match kind {
        "ISO" => format!("ISO {captured}"),
        "NIST SP 800-" => format!("NIST SP 800-{captured}"),
        other => other.to_string(),
    }
}

impl Reference {
    /// Reads a plain-text reference: `ISO 22301:2019 8.4.2`, `NIST SP 800-34 Rev. 1 3.4.6`,
    /// `SP 800-53 CP-2(7)`, `CP-9`, `DORA Art. 12(6)`, each optionally followed by a note; any
    /// other text is kept as a note that names no clause.
    pub fn parse(text: &str) -> Reference {
        let text = text.trim();
        for (pattern, kind) in reference_patterns() {
            let Some(caps) = pattern.captures(text) else {
                continue;
            };
            let (Some(whole), Some(standard), Some(clause)) =
                (caps.get(0), caps.get(1), caps.get(2))
            else {
                continue;
            };
            let rest = text[whole.end()..].trim();
            // A clause runs to a word's end: `CP-2ab` is not `CP-2a` and a note.
            if rest.starts_with(|c: char| c.is_alphanumeric())
                && !text[..whole.end()].ends_with(char::is_whitespace)
                && !text[whole.end()..].starts_with(char::is_whitespace)
            {
                continue;
            }
            let note = rest
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .unwrap_or(rest)
                .trim();
            let clause = clause
                .as_str()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            return Reference {
                standard: Some(standard_name(kind, standard.as_str())),
                clause: Some(clause),
                note: (!note.is_empty()).then(|| note.to_string()),
            };
        }
        Reference {
            standard: None,
            clause: None,
            note: (!text.is_empty()).then(|| text.to_string()),
        }
    }

    /// True when it names a clause of a standard (and so has a row in the compliance matrix).
    pub fn is_clause(&self) -> bool {
        self.standard.is_some() && self.clause.is_some()
    }

    /// The reference as one line of text: `ISO 22301 8.4.2 (note)`, or the note alone.
    pub fn text(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        parts.extend(self.standard.as_deref());
        parts.extend(self.clause.as_deref());
        let head = parts.join(" ");
        match (&self.note, head.is_empty()) {
            (Some(note), true) => note.clone(),
            (Some(note), false) => format!("{head} ({note})"),
            (None, _) => head,
        }
    }
}

#[cfg(test)]
mod reference_tests {
    use super::Reference;

    fn parts(text: &str) -> (Option<String>, Option<String>, Option<String>) {
        let r = Reference::parse(text);
        (r.standard, r.clause, r.note)
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn plain_references_are_read_as_standard_clause_and_note() {
        assert_eq!(
            parts("ISO 22301:2019 8.4.2"),
            (some("ISO 22301"), some("8.4.2"), None)
        );
        assert_eq!(
            parts("ISO 22301 8.4.3.1 a (documented information)"),
            (
                some("ISO 22301"),
                some("8.4.3.1 a"),
                some("documented information")
            )
        );
        assert_eq!(
            parts("NIST SP 800-34 Rev. 1 3.4.6"),
            (some("NIST SP 800-34"), some("3.4.6"), None)
        );
        assert_eq!(
            parts("SP 800-34 §4.2.1 (fn. 31)"),
            (some("NIST SP 800-34"), some("4.2.1"), some("fn. 31"))
        );
        assert_eq!(
            parts("SP 800-53 CP-2(7)"),
            (some("NIST SP 800-53"), some("CP-2(7)"), None)
        );
        assert_eq!(
            parts("SP 800-53r5 CP-2d (FedRAMP value: at least annually)"),
            (
                some("NIST SP 800-53"),
                some("CP-2d"),
                some("FedRAMP value: at least annually")
            )
        );
        assert_eq!(
            parts("CP-2a.4"),
            (some("NIST SP 800-53"), some("CP-2a.4"), None)
        );
        assert_eq!(
            parts("DORA Art. 12(6)"),
            (some("DORA"), some("Art. 12(6)"), None)
        );
        assert_eq!(
            parts("DORA Art. 11(6) last subpara."),
            (some("DORA"), some("Art. 11(6)"), some("last subpara."))
        );
        assert_eq!(
            parts("no normative source"),
            (None, None, some("no normative source"))
        );
        assert!(!Reference::parse("EBCM rehearsal page (each BCP within 12 months)").is_clause());
        assert_eq!(
            Reference::parse("ISO 22301 8.6 (review)").text(),
            "ISO 22301 8.6 (review)"
        );
    }
}
