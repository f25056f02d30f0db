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
