//! Static analysis of a compiled expression: the names it reads without binding them, the
//! `variables` it uses, and the chains of field reads (used to say which field a plan lacks).

use std::collections::HashMap;

use cel::common::ast::{EntryExpr, Expr};
use cel::IdedExpr;

/// Names every expression may use.
pub const ROOT_VARIABLES: &[&str] = &[
    "self",
    "doc",
    "file",
    "now",
    "params",
    "variables",
    "workspace",
];

use super::ext::{NAMESPACES, TYPE_NAMES};

/// Whether `name`, read unbound, is a name CEL itself defines (a type name such as `string`).
fn is_cel_name(name: &str) -> bool {
    TYPE_NAMES.contains(&name)
}

/// The help for a name an expression reads that is neither a variable nor a CEL name: the
/// closest known name when one is close, and the list of variables.
pub fn unknown_name_help(name: &str) -> String {
    let known = ROOT_VARIABLES.iter().chain(NAMESPACES).chain(TYPE_NAMES);
    let closest = known
        .map(|k| (strsim::damerau_levenshtein(name, k), k))
        .filter(|(distance, k)| *distance <= 2 && *distance < k.len())
        .min();
    let variables = ROOT_VARIABLES.join(", ");
    match closest {
        Some((_, k)) => format!("did you mean `{k}`? expressions can read {variables}"),
        None => format!("expressions can read {variables}"),
    }
}

/// Where a field access starts: a root variable, or each item of a list reached by another access.
#[derive(Debug, Clone, PartialEq)]
pub enum Root {
    /// `self`, `doc`...
    Variable(String),
    /// The iteration variable of a comprehension (`all`, `exists`, `map`...) over this access.
    ItemOf(Box<Access>),
}

/// A chain of field reads such as `self.exit_strategy.reviewed_on`, found in an expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    /// Where it starts.
    pub root: Root,
    /// The fields read, in order.
    pub fields: Vec<String>,
    /// True for a presence test, `has(...)`, rather than a read.
    pub is_presence_test: bool,
}
#[derive(Default)]
/// What [`analyse`] found: names with the node ids where they are read.
pub(super) struct Analysis {
    pub(super) free: Vec<(String, u64)>,
    pub(super) variables: Vec<(String, u64)>,
    pub(super) reads: Vec<Access>,
    pub(super) calls: Vec<(String, u64)>,
}

/// Global functions a policy may call: CEL's standard ones and bcpcheck's own. A call to a name
/// close to one of these, and not one of them, is a misspelling.
pub const GLOBAL_FUNCTIONS: &[&str] = &[
    "size",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "type",
    "dyn",
    "duration",
    "timestamp",
    "matches",
    "max",
    "min",
    "date",
    "period",
    "fileExists",
    "isPlaceholder",
];

/// The access an expression spells, if it is a chain of selects from a name.
fn access_of(expr: &IdedExpr, items: &HashMap<String, Access>) -> Option<Access> {
    match &expr.expr {
        Expr::Ident(name) => Some(match items.get(name) {
            Some(range) => Access {
                root: Root::ItemOf(Box::new(range.clone())),
                fields: Vec::new(),
                is_presence_test: false,
            },
            None => Access {
                root: Root::Variable(name.clone()),
                fields: Vec::new(),
                is_presence_test: false,
            },
        }),
        Expr::Select(select) => {
            let mut access = access_of(&select.operand, items)?;
            access.fields.push(select.field.clone());
            access.is_presence_test = select.test;
            Some(access)
        }
        _ => None,
    }
}

pub(super) fn analyse(
    expr: &IdedExpr,
    bound: &mut Vec<String>,
    items: &HashMap<String, Access>,
    out: &mut Analysis,
) {
    match &expr.expr {
        Expr::Ident(name) => {
            if !bound.contains(name) && !is_cel_name(name) {
                out.free.push((name.clone(), expr.id));
            }
        }
        Expr::Select(select) => {
            if let Expr::Ident(name) = &select.operand.expr {
                if name == "variables" && !bound.contains(name) {
                    out.variables.push((select.field.clone(), expr.id));
                }
            }
            if let Some(access) = access_of(expr, items) {
                if access.root != Root::Variable("variables".into()) {
                    out.reads.push(access);
                }
            }
            analyse(&select.operand, bound, items, out);
        }
        Expr::Call(call) => {
            let is_named = call
                .func_name
                .starts_with(|c: char| c.is_ascii_alphabetic());
            if call.target.is_none() && is_named && !bound.contains(&call.func_name) {
                out.calls.push((call.func_name.clone(), expr.id));
            }
            match &call.target {
                // `lists.range(3)` names a function, not a variable `lists`.
                Some(target)
                    if matches!(&target.expr, Expr::Ident(name)
                        if NAMESPACES.contains(&name.as_str()) && !bound.contains(name)) => {}
                Some(target) => analyse(target, bound, items, out),
                None => {}
            }
            for arg in &call.args {
                analyse(arg, bound, items, out);
            }
        }
        Expr::Comprehension(c) => {
            analyse(&c.iter_range, bound, items, out);
            analyse(&c.accu_init, bound, items, out);
            let depth = bound.len();
            bound.push(c.iter_var.clone());
            bound.extend(c.iter_var2.clone());
            bound.push(c.accu_var.clone());
            let mut inner = items.clone();
            match access_of(&c.iter_range, items) {
                Some(range) => inner.insert(c.iter_var.clone(), range),
                None => inner.remove(&c.iter_var),
            };
            for part in [&c.loop_cond, &c.loop_step, &c.result] {
                analyse(part, bound, &inner, out);
            }
            bound.truncate(depth);
        }
        Expr::List(list) => {
            for e in &list.elements {
                analyse(e, bound, items, out);
            }
        }
        Expr::Map(map) => {
            for entry in &map.entries {
                if let EntryExpr::MapEntry(e) = &entry.expr {
                    analyse(&e.key, bound, items, out);
                    analyse(&e.value, bound, items, out);
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                if let EntryExpr::StructField(f) = &entry.expr {
                    analyse(&f.value, bound, items, out);
                }
            }
        }
        Expr::Literal(_) | Expr::Unspecified => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expression::Runtime;

    #[test]
    fn analysis_finds_free_names_and_field_reads() {
        let rt = Runtime::new();
        let c = rt
            .compile("has(self.rto) && doc.roles.all(r, r.primary in doc.people.map(p, p.id)) && variables.limit > 0")
            .unwrap();
        let names: Vec<&str> = c.free.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["self", "doc", "doc", "variables"]);
        assert_eq!(c.variables[0].0, "limit");
        assert!(c
            .reads
            .iter()
            .any(|a| a.is_presence_test && a.fields == ["rto"]));
        let primary = c.reads.iter().find(|a| a.fields == ["primary"]).unwrap();
        assert!(matches!(&primary.root, Root::ItemOf(range) if range.fields == ["roles"]));
    }

    #[test]
    fn type_names_and_namespaces_are_not_free_names() {
        let rt = Runtime::new();
        let c = rt
            .compile("type(self.id) == string && math.greatest(1, 2) == 2 && optional.none().orValue(x) == 1")
            .unwrap();
        let names: Vec<&str> = c.free.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["self", "x"]);
    }

    #[test]
    fn unknown_names_get_the_closest_known_one() {
        assert!(unknown_name_help("sefl").starts_with("did you mean `self`?"));
        assert!(unknown_name_help("Doc").starts_with("did you mean `doc`?"));
        assert!(unknown_name_help("mathh").starts_with("did you mean `math`?"));
        assert_eq!(
            unknown_name_help("zzzzzz"),
            "expressions can read self, doc, file, now, params, variables, workspace"
        );
        // One letter is not close to a two-letter name.
        assert!(!unknown_name_help("q").contains("did you mean"));
    }
}
