//! Walking a compiled expression's syntax tree: its shape check, and the rewrites made after
//! parsing.

use cel::common::ast::{EntryExpr, Expr};
use cel::IdedExpr;

/// The direct sub-expressions of `expr`.
pub(super) fn children(expr: &IdedExpr) -> Vec<&IdedExpr> {
    match &expr.expr {
        Expr::Call(call) => call.target.iter().map(|t| &**t).chain(&call.args).collect(),
        Expr::Comprehension(c) => vec![
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ],
        Expr::List(list) => list.elements.iter().collect(),
        Expr::Map(cel::common::ast::MapExpr { entries })
        | Expr::Struct(cel::common::ast::StructExpr { entries, .. }) => entries
            .iter()
            .flat_map(|entry| match &entry.expr {
                EntryExpr::MapEntry(e) => vec![&e.key, &e.value],
                EntryExpr::StructField(f) => vec![&f.value],
            })
            .collect(),
        Expr::Select(select) => vec![&*select.operand],
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
}

/// Calls `visit` on every node of `expr`, each before its children.
pub(super) fn each_node_mut(expr: &mut IdedExpr, visit: &mut dyn FnMut(&mut IdedExpr)) {
    visit(expr);
    match &mut expr.expr {
        Expr::Select(select) => each_node_mut(&mut select.operand, visit),
        Expr::Call(call) => {
            if let Some(target) = call.target.as_deref_mut() {
                each_node_mut(target, visit);
            }
            for arg in &mut call.args {
                each_node_mut(arg, visit);
            }
        }
        Expr::Comprehension(c) => {
            let c = &mut **c;
            for part in [
                &mut c.iter_range,
                &mut c.accu_init,
                &mut c.loop_cond,
                &mut c.loop_step,
                &mut c.result,
            ] {
                each_node_mut(part, visit);
            }
        }
        Expr::List(list) => {
            for element in &mut list.elements {
                each_node_mut(element, visit);
            }
        }
        Expr::Map(map) => {
            for entry in &mut map.entries {
                if let EntryExpr::MapEntry(e) = &mut entry.expr {
                    each_node_mut(&mut e.key, visit);
                    each_node_mut(&mut e.value, visit);
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &mut s.entries {
                if let EntryExpr::StructField(f) = &mut entry.expr {
                    each_node_mut(&mut f.value, visit);
                }
            }
        }
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}
