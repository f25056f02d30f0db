//! `cel.bind(name, init, expr)`, cel-go's bindings extension: `expr` with `name` bound to the
//! value of `init`, computed once; and `cel.block([e0, e1, ...], expr)` with `cel.index(N)` and
//! `cel.iterVar(depth, n)`, the form cel-go's optimiser writes common subexpressions in.

use cel::common::ast::{ComprehensionExpr, Expr, ListExpr, LiteralValue};
use cel::parser::{Macro, MacroExprHelper};
use cel::{Env, IdedExpr};

/// Adds the `cel.bind` macro.
pub(super) fn register(env: &mut Env) {
    let _ = env.add_macro(Macro::receiver("bind", 3, |helper, target, args| {
        if !is_cel(target) {
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
    // `cel.index(N)` and `cel.iterVar(D, N)` become plain names before the macros around them
    // expand (arguments are parsed first), so `map(cel.iterVar(0, 0), ...)` sees a simple name.
    let _ = env.add_macro(Macro::receiver("index", 1, |helper, target, args| {
        slot_name(helper, target, args, "@index")
    }));
    let _ = env.add_macro(Macro::receiver("iterVar", 2, |helper, target, args| {
        slot_name(helper, target, args, "@it")
    }));
    let _ = env.add_macro(Macro::receiver("accuVar", 2, |helper, target, args| {
        slot_name(helper, target, args, "@ac")
    }));
    let _ = env.add_macro(Macro::receiver("block", 2, |helper, target, args| {
        if !is_cel(target) {
            return Ok(None);
        }
        let [slots, body] = <[IdedExpr; 2]>::try_from(std::mem::take(args))
            .map_err(|_| helper.new_error(0, "cel.block() takes two arguments"))?;
        let Expr::List(slots) = slots.expr else {
            return Err(helper.new_error(slots.id, "cel.block() takes a list of expressions first"));
        };
        let mut body = body;
        for (i, slot) in slots.elements.into_iter().enumerate().rev() {
            body = bind(helper, format!("@index{i}"), slot, body);
        }
        Ok(Some(body))
    }));
}

fn is_cel(target: &Option<IdedExpr>) -> bool {
    matches!(target.as_ref().map(|t| &t.expr), Some(Expr::Ident(n)) if n == "cel")
}

/// `cel.index(0)` as the name `@index0`, `cel.iterVar(1, 0)` as `@it:1:0`.
fn slot_name(
    helper: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut [IdedExpr],
    prefix: &str,
) -> Result<Option<IdedExpr>, cel::ParseError> {
    if !is_cel(target) {
        return Ok(None);
    }
    let mut numbers = Vec::new();
    for arg in args.iter() {
        match &arg.expr {
            Expr::Literal(LiteralValue::Int(n)) if *n.inner() >= 0 => {
                numbers.push(n.inner().to_string())
            }
            _ => {
                return Err(
                    helper.new_error(arg.id, "cel.block slots are numbered with int literals")
                )
            }
        }
    }
    let name = match prefix {
        "@index" => format!("@index{}", numbers.join("")),
        _ => format!("{prefix}:{}", numbers.join(":")),
    };
    Ok(Some(helper.next_expr(Expr::Ident(name))))
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
