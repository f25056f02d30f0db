//! Validating a policy's fields, one method per field, into a [`Policy`]; expressions are
//! compiled by [`super::compile`].

use std::sync::{Arc, OnceLock};

use super::model::{MessageExpr, Policy, PolicyError, Reference, Variable};
use super::select::Selector;
use super::POLICY_FIELDS;
use crate::document::object::ObjectReader;
use crate::document::path::Step;
use crate::document::schema::FieldCheck;
use crate::document::{schema, suggest, LogicalPath, Node, Segment, SourceFile, Span, Value};
use crate::expression::{Access, Root, Runtime};
use crate::finding::Severity;

/// Validates the policies of one file.
pub(super) struct Checker<'a> {
    /// The policy file.
    pub(super) file: &'a Arc<SourceFile>,
    /// Compiles expressions.
    pub(super) runtime: &'a Runtime,
    /// The parameters policies may read.
    pub(super) param_names: &'a [&'a str],
    /// The embedded built-in packs, checked by their own tests (`bcpcheck test`, which reads them
    /// from disk): `messageExpression` is compiled on first use and field paths are not checked
    /// against the schema again at every start.
    pub(super) lazy: bool,
}

impl Checker<'_> {
    /// A problem at `span` of the policy file, labelled "here".
    fn problem(&self, span: Span, message: String, help: &str) -> PolicyError {
        PolicyError::at(self.file, span, message, "here", Some(help.to_string()))
    }

    /// The policy written at `node`, or every problem found in it.
    pub(super) fn policy(
        &self,
        node: &Node,
        pack: Option<String>,
    ) -> Result<Policy, Vec<PolicyError>> {
        let mut r = ObjectReader::new(node, "a policy");
        let mut errors: Vec<PolicyError> = Vec::new();
        let id = self.id(&mut r, &mut errors);
        let title = r.required_string("title").map(|(t, _)| t.to_string());
        let severity = self.severity(&mut r, &mut errors);
        let kind_nodes = r.strings("kinds");
        self.check_kinds(&kind_nodes, &mut errors);
        let kinds: Vec<String> = kind_nodes.into_iter().map(|(k, _)| k).collect();
        let (select_text, select) = self.select(&mut r, &mut errors);
        // Fields are checked against the kinds the policy means: a misspelt kind is read as
        // the kind it is close to (and reported), a kind with no schema checks nothing.
        let fields = Fields {
            kinds: if kinds.is_empty() {
                schema::KINDS.iter().map(|k| k.to_string()).collect()
            } else {
                kinds
                    .iter()
                    .filter_map(|k| match schema::KINDS.contains(&k.as_str()) {
                        true => Some(k.clone()),
                        false => suggest(k, schema::KINDS.iter().copied()).map(String::from),
                    })
                    .collect()
            },
            select: select.as_ref().map_or(&[], Selector::steps),
        };
        if let (Some(node), Some(selector)) = (r.node("select"), &select) {
            self.check_pattern(&fields, selector.steps(), node, &mut errors);
        }
        let (declared, variables) = self.variables(&mut r, &fields, &mut errors);
        let when = r
            .string("when")
            .and_then(|(_, n)| self.checked_expression(n, &declared, &fields, &mut errors));
        let rule = r
            .required_string("rule")
            .and_then(|(_, n)| self.checked_expression(n, &declared, &fields, &mut errors));
        let message = r.string("message").map(|(m, _)| m.to_string());
        let message_expression = self.message_expression(&mut r, &declared, &fields, &mut errors);
        let field_path = self.field_path(&mut r, &fields, &mut errors);
        let help = r.string("help").map(|(h, _)| h.trim().to_string());
        let url = r.string("url").map(|(u, _)| u.to_string());
        let (references, structured_references) =
            self.references(&mut r, &mut errors).into_iter().unzip();
        let tags = r.strings("tags").into_iter().map(|(s, _)| s).collect();
        self.unknown_fields(r, &mut errors);

        match (id, title, severity, rule) {
            (Some(id), Some(title), Some(severity), Some(rule)) if errors.is_empty() => {
                Ok(Policy {
                    id,
                    title,
                    severity,
                    kinds,
                    select_text,
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
                    structured_references,
                    tags,
                    pack,
                    origin: self.file.clone(),
                    span: node.span,
                })
            }
            _ => Err(errors),
        }
    }

    /// `id`: capital letters, digits and `-`.
    fn id(&self, r: &mut ObjectReader<'_>, errors: &mut Vec<PolicyError>) -> Option<String> {
        let (id, node) = r.required_string("id")?;
        let valid = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            errors.push(self.problem(
                node.span,
                format!("invalid policy id `{id}`"),
                "ids use capital letters, digits and `-`, such as `ACME-RTO-001`",
            ));
        }
        Some(id.to_string())
    }

    /// `severity`: error, warning or info.
    fn severity(
        &self,
        r: &mut ObjectReader<'_>,
        errors: &mut Vec<PolicyError>,
    ) -> Option<Severity> {
        let (text, node) = r.required_string("severity")?;
        let severity = Severity::parse(text);
        if severity.is_none() {
            errors.push(self.problem(
                node.span,
                format!("invalid severity `{text}`"),
                "use `error`, `warning` or `info`",
            ));
        }
        severity
    }

    /// `select`: a path pattern, as written and compiled.
    fn select(
        &self,
        r: &mut ObjectReader<'_>,
        errors: &mut Vec<PolicyError>,
    ) -> (Option<String>, Option<Selector>) {
        let Some((text, node)) = r.string("select") else {
            return (None, None);
        };
        match Selector::parse(text) {
            Ok(selector) => (Some(text.to_string()), Some(selector)),
            Err(e) => {
                let at = self.expr_offset(node, 1, e.offset + 1);
                errors.push(self.problem(
                    Span::new(at, at + 1),
                    format!("invalid select pattern: {}", e.message),
                    "write a path such as `processes[*]`, `metadata.scope` or `map.*`",
                ));
                (Some(text.to_string()), None)
            }
        }
    }

    /// `variables`: `{name, expression}` items, each compiled with the names declared before it.
    /// Returns the declared names and the variables.
    fn variables(
        &self,
        r: &mut ObjectReader<'_>,
        fields: &Fields<'_>,
        errors: &mut Vec<PolicyError>,
    ) -> (Vec<String>, Vec<Variable>) {
        let mut declared: Vec<String> = Vec::new();
        let mut variables: Vec<Variable> = Vec::new();
        let Some(list) = r.node("variables") else {
            return (declared, variables);
        };
        let Some(items) = list.as_seq() else {
            errors.push(PolicyError::at(
                self.file,
                list.span,
                "`variables` must be a list of `{name, expression}`".into(),
                "here",
                None,
            ));
            return (declared, variables);
        };
        for item in items {
            let mut vr = ObjectReader::new(item, "a variable");
            let name = vr.required_string("name").map(|(n, _)| n.to_string());
            let expr = vr.required_string("expression").map(|(_, n)| n);
            errors.extend(
                vr.finish()
                    .into_iter()
                    .map(|e| PolicyError::field(self.file, e)),
            );
            let (Some(name), Some(expr)) = (name, expr) else {
                continue;
            };
            let Some(compiled) = self.checked_expression(expr, &declared, fields, errors) else {
                continue;
            };
            // A variable that reads `self`, directly or through another one, has a value per match.
            let reads_self = compiled.compiled.free.iter().any(|(n, _)| n == "self");
            let per_match = reads_self
                || compiled
                    .compiled
                    .variables
                    .iter()
                    .any(|(used, _)| variables.iter().any(|v| v.per_match && v.name == *used));
            declared.push(name.clone());
            variables.push(Variable {
                name,
                expr: compiled,
                per_match,
            });
        }
        (declared, variables)
    }

    /// `messageExpression`: compiled up front for a team's file, on first use for a built-in pack.
    fn message_expression(
        &self,
        r: &mut ObjectReader<'_>,
        declared: &[String],
        fields: &Fields<'_>,
        errors: &mut Vec<PolicyError>,
    ) -> Option<MessageExpr> {
        let (text, node) = r.string("messageExpression")?;
        let compiled = OnceLock::new();
        if !self.lazy {
            let expr = self.checked_expression(node, declared, fields, errors)?;
            let _ = compiled.set(Some(expr.compiled));
        }
        Some(MessageExpr {
            text: text.to_string(),
            span: node.span,
            compiled,
        })
    }

    /// `fieldPath`: a path without wildcards, or `.` for the match itself.
    fn field_path(
        &self,
        r: &mut ObjectReader<'_>,
        fields: &Fields<'_>,
        errors: &mut Vec<PolicyError>,
    ) -> Option<Vec<Segment>> {
        let (text, node) = r.string("fieldPath")?;
        if text == "." {
            return Some(Vec::new());
        }
        let path = LogicalPath::parse(text).map(|p| p.0);
        if let Some(path) = &path {
            let mut steps = fields.corrected(fields.select);
            steps.extend(path.iter().cloned().map(Step::Segment));
            self.check_pattern(fields, &steps, node, errors);
        }
        if path.is_none() {
            errors.push(self.problem(
                node.span,
                format!("invalid fieldPath `{text}`"),
                "write a path without wildcards, such as `rto` or `exit_strategy.reviewed_on`, or `.` for the match itself",
            ));
        }
        path
    }

    /// Fields no policy has.
    /// `references`: text (`ISO 22301:2019 8.4.2 (note)`) or `{standard, clause, note}`; each
    /// as text (plain ones as written) and, when written as a mapping, its parts.
    fn references(
        &self,
        r: &mut ObjectReader<'_>,
        errors: &mut Vec<PolicyError>,
    ) -> Vec<(String, Option<Reference>)> {
        let Some(node) = r.node("references") else {
            return Vec::new();
        };
        let items: Vec<&Node> = match &node.value {
            Value::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        let mut out = Vec::new();
        for item in items {
            if let Some(text) = item.as_str() {
                out.push((text.to_string(), None));
                continue;
            }
            if item.as_map().is_none() {
                errors.push(self.problem(
                    item.span,
                    format!("a reference must be text or a mapping, not a {}", item.type_name()),
                    "write `ISO 22301:2019 8.4.2`, or `{standard: ISO 22301, clause: 8.4.2, note: ...}`",
                ));
                continue;
            }
            let mut fields = ObjectReader::new(item, "a reference");
            let standard = fields
                .required_string("standard")
                .map(|(s, _)| s.trim().to_string());
            let clause = fields
                .required_string("clause")
                .map(|(s, _)| s.trim().to_string());
            let note = fields.string("note").map(|(s, _)| s.trim().to_string());
            for e in fields.finish() {
                errors.push(PolicyError::field(self.file, e));
            }
            if let (Some(standard), Some(clause)) = (standard, clause) {
                // The standard is normalised as plain text is, so both spellings share a row.
                let parsed = Reference::parse(&format!("{standard} {clause}"));
                let reference = Reference {
                    standard: parsed
                        .standard
                        .filter(|_| parsed.clause.as_deref() == Some(clause.as_str()))
                        .or(Some(standard)),
                    clause: Some(clause),
                    note: note.filter(|n| !n.is_empty()),
                };
                out.push((reference.text(), Some(reference)));
            }
        }
        out
    }

    fn unknown_fields(&self, r: ObjectReader<'_>, errors: &mut Vec<PolicyError>) {
        for mut e in r.finish() {
            if e.help
                .as_deref()
                .is_some_and(|h| h.starts_with("known fields"))
            {
                e.help = Some(format!("known fields: {POLICY_FIELDS}"));
            }
            errors.push(PolicyError::field(self.file, e));
        }
    }
}

/// What the field paths of one policy are relative to.
pub(super) struct Fields<'p> {
    /// The kinds the policy applies to (the kinds with a schema when it names none).
    pub(super) kinds: Vec<String>,
    /// The `select` pattern: what `self` is.
    pub(super) select: &'p [Step],
}

impl Fields<'_> {
    /// `steps` with every misspelt field replaced by the field it is close to, so that a
    /// misspelt `select` is reported once and what is read below it is still checked.
    pub(super) fn corrected(&self, steps: &[Step]) -> Vec<Step> {
        let mut steps = steps.to_vec();
        for _ in 0..steps.len() {
            match self.misspelt(&steps) {
                Some((i, _, known)) => steps[i] = Step::Segment(Segment::Key(known)),
                None => break,
            }
        }
        steps
    }

    /// The path an access starts from, as pattern steps; `None` for roots other than `self`
    /// and `doc` (and the items of lists over them).
    pub(super) fn base(&self, root: &Root) -> Option<Vec<Step>> {
        match root {
            Root::Variable(name) if name == "self" => Some(self.corrected(self.select)),
            Root::Variable(name) if name == "doc" => Some(Vec::new()),
            Root::Variable(_) => None,
            Root::ItemOf(list) => {
                let mut steps = self.base(&list.root)?;
                steps.extend(key_steps(list));
                steps.push(Step::AnyItem);
                Some(steps)
            }
        }
    }

    /// The first misspelt field of `steps`: misspelt in a kind the policy applies to, known in none.
    pub(super) fn misspelt(&self, steps: &[Step]) -> Option<(usize, String, String)> {
        match schema::check_fields_in(self.kinds.iter().map(String::as_str), steps) {
            FieldCheck::Misspelt {
                step,
                written,
                known,
            } => Some((step, written, known)),
            FieldCheck::Accepted => None,
        }
    }
}

pub(super) fn key_steps(access: &Access) -> impl Iterator<Item = Step> + '_ {
    access
        .fields
        .iter()
        .map(|f| Step::Segment(Segment::Key(f.clone())))
}
