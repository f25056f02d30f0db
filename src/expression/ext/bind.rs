//! `cel.bind(name, init, expr)`, cel-go's bindings extension: `expr` with `name` bound to the
//! value of `init`, computed once.

use cel::common::ast::{ComprehensionExpr, Expr, ListExpr, LiteralValue};
use cel::parser::{Macro, MacroExprHelper};
use cel::{Env, IdedExpr};

/// Adds the `cel.bind` macro.
pub(super) fn register(env: &mut Env) {
    let _ = env.add_macro(Macro::receiver("bind", 3, |helper, target, args| {
        let is_cel = matches!(target.as_ref().map(|t| &t.expr), Some(Expr::Ident(n)) if n == "cel");
        if !is_cel {
            return Ok(None);
        }
        let [name, init, body] = <[IdedExpr; 3]>::try_from(std::mem::take(args))
            .map_err(|_| helper.new_error(0, "cel.bind() takes three arguments"))?;
        let Expr::Ident(name) = name.expr else {
            return Err(helper.new_error(
                name.id,
                "cel.bind() variable names must be simple identifiers",
            ));
        };
        Ok(Some(bind(helper, name, init, body)))
    }));
}

/// `body` with `name` bound to `init`: a comprehension over no elements whose accumulator is
/// `name`, as cel-go expands it.
pub(super) fn bind(
    helper: &mut MacroExprHelper<'_>,
    name: String,
    init: IdedExpr,
    body: IdedExpr,
) -> IdedExpr {
    let range = helper.next_expr(Expr::List(ListExpr::new(Vec::new())));
    let cond = helper.next_expr(Expr::Literal(LiteralValue::Boolean(false.into())));
    let step = helper.next_expr(Expr::Ident(name.clone()));
    helper.next_expr(Expr::Comprehension(Box::new(ComprehensionExpr {
        iter_range: range,
        iter_var: "#unused".into(),
        iter_var2: None,
        accu_var: name,
        accu_init: init,
        loop_cond: cond,
        loop_step: step,
        result: body,
    })))
}
