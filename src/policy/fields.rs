//! The field paths a policy names (`kinds`, `select`, `fieldPath`, and what its expressions read
//! from `self` and `doc`), checked against the schema of the kinds it applies to: a name close to
//! a known one is an error with "did you mean", as Kubernetes type-checks CEL against the
//! resource schema; a name close to none is a team's own field and accepted.

use super::model::{PolicyError, PolicyExpr};
use super::validate::{key_steps, Checker, Fields};
use crate::document::path::Step;
use crate::document::schema;
use crate::document::{suggest, Node, Span};

impl Checker<'_> {
    /// `kinds`: a kind close to a kind with a schema is a misspelling.
    pub(super) fn check_kinds(&self, kinds: &[(String, Span)], errors: &mut Vec<PolicyError>) {
        if self.lazy {
            return;
        }
        for (kind, span) in kinds {
            if schema::KINDS.contains(&kind.as_str()) {
                continue;
            }
            if let Some(known) = suggest(kind, schema::KINDS.iter().copied()) {
                errors.push(self.misspelt_at(*span, "kind", kind, known));
            }
        }
    }

    /// A path written as a pattern (`select`, or `fieldPath` after the select pattern), in
    /// `node`: its first misspelt field.
    pub(super) fn check_pattern(
        &self,
        fields: &Fields<'_>,
        steps: &[Step],
        node: &Node,
        errors: &mut Vec<PolicyError>,
    ) {
        if self.lazy {
            return;
        }
        if let Some((_, written, known)) = fields.misspelt(steps) {
            let text = node.as_str().unwrap_or_default();
            let offset = text.find(written.as_str()).unwrap_or(0);
            let at = self.expr_offset(node, 1, offset + 1);
            errors.push(self.misspelt_at(
                Span::new(at, at + written.len()),
                "field",
                &written,
                &known,
            ));
        }
    }

    /// Compiles an expression ([`Checker::expression`]) and checks the fields it reads from
    /// `self` and `doc`.
    pub(super) fn checked_expression(
        &self,
        node: &Node,
        declared: &[String],
        fields: &Fields<'_>,
        errors: &mut Vec<PolicyError>,
    ) -> Option<PolicyExpr> {
        let expr = self.expression(node, declared, errors)?;
        if self.lazy {
            return Some(expr);
        }
        let before = errors.len();
        let text = node.as_str().unwrap_or_default();
        for access in &expr.compiled.reads {
            let Some(mut steps) = fields.base(&access.root) else {
                continue;
            };
            steps.extend(key_steps(access));
            if let Some((_, written, known)) = fields.misspelt(&steps) {
                let offset = text.find(&format!(".{written}")).map_or(0, |o| o + 1);
                let (line, column) = crate::expression::line_column(text, offset);
                let at = self.expr_offset(node, line, column);
                errors.push(self.misspelt_at(
                    Span::new(at, at + written.len()),
                    "field",
                    &written,
                    &known,
                ));
            }
        }
        (errors.len() == before).then_some(expr)
    }

    fn misspelt_at(&self, span: Span, what: &str, written: &str, known: &str) -> PolicyError {
        PolicyError::at(
            self.file,
            span,
            format!("unknown {what} `{written}`; did you mean `{known}`?"),
            "not in the plan schema",
            Some(format!(
                "write `{known}`; `bcpcheck schema` prints every field of a plan (a field close to none of them is taken as a team's own)"
            )),
        )
    }
}
