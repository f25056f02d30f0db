//! cel-go's two-variable comprehensions: `all(i, v, p)`, `exists(i, v, p)`, `existsOne(i, v, p)`,
//! `transformList(i, v, [filter,] expr)`, `transformMap(k, v, [filter,] expr)` and
//! `transformMapEntry(k, v, [filter,] expr)`: over a list, `i` is the index and `v` the element;
//! over a map, the key and its value.
//!
//! The crate's evaluator runs only one-variable comprehensions (it ignores `iter_var2`), so each
//! macro iterates over `@bcpcheck.pairs(target)`, the `[key, value]` pairs, and binds the two
//! names to the parts of each pair with `cel.bind`'s expansion.

use cel::common::ast::{
    operators, CallExpr, ComprehensionExpr, Expr, ListExpr, LiteralValue, MapExpr,
};
use cel::common::types::{CelInt, CelList, CelMap, CelMapKey, DYN_TYPE, MAP_TYPE};
use cel::common::value::{CowVal, Val};
use cel::parser::{Macro, MacroExprHelper};
use cel::{Env, ExecutionError, IdedExpr, ParseError};

use super::bind::bind;

const PAIRS: &str = "@bcpcheck.pairs";
const MAP_INSERT: &str = "@bcpcheck.mapInsert";
const ITEM: &str = "@bcpcheck.it";
const RESULT: &str = "@result";

/// What a two-variable macro computes.
#[derive(Clone, Copy)]
enum Kind {
    All,
    Exists,
    ExistsOne,
    TransformList,
    TransformMap,
    TransformMapEntry,
}

/// Adds the macros and their helper functions.
pub(super) fn register(env: &mut Env) {
    let macros = [
        ("all", 3, Kind::All),
        ("exists", 3, Kind::Exists),
        ("existsOne", 3, Kind::ExistsOne),
        ("exists_one", 3, Kind::ExistsOne),
        ("transformList", 3, Kind::TransformList),
        ("transformList", 4, Kind::TransformList),
        ("transformMap", 3, Kind::TransformMap),
        ("transformMap", 4, Kind::TransformMap),
        ("transformMapEntry", 3, Kind::TransformMapEntry),
        ("transformMapEntry", 4, Kind::TransformMapEntry),
    ];
    for (name, arity, kind) in macros {
        let _ = env.add_macro(Macro::receiver(name, arity, move |helper, target, args| {
            expand(helper, target, args, kind).map(Some)
        }));
    }
    let _ = env.add_overload(PAIRS, "bcpcheck_pairs", vec![DYN_TYPE], pairs);
    let _ = env.add_overload(
        MAP_INSERT,
        "bcpcheck_map_insert",
        vec![MAP_TYPE, DYN_TYPE, DYN_TYPE],
        map_insert,
    );
    let _ = env.add_overload(
        MAP_INSERT,
        "bcpcheck_map_insert_entries",
        vec![MAP_TYPE, MAP_TYPE],
        map_insert,
    );
}

fn call(helper: &mut MacroExprHelper<'_>, function: &str, args: Vec<IdedExpr>) -> IdedExpr {
    helper.next_expr(Expr::Call(CallExpr {
        func_name: function.into(),
        target: None,
        args,
    }))
}

fn ident(helper: &mut MacroExprHelper<'_>, name: &str) -> IdedExpr {
    helper.next_expr(Expr::Ident(name.into()))
}

fn literal(helper: &mut MacroExprHelper<'_>, value: LiteralValue) -> IdedExpr {
    helper.next_expr(Expr::Literal(value))
}

fn name_of(helper: &mut MacroExprHelper<'_>, expr: IdedExpr) -> Result<String, ParseError> {
    match expr.expr {
        Expr::Ident(name) => Ok(name),
        _ => Err(helper.new_error(expr.id, "argument must be a simple name")),
    }
}

/// `body` with the two names bound to the parts of the current pair.
fn with_pair(
    helper: &mut MacroExprHelper<'_>,
    names: &(String, String),
    body: IdedExpr,
) -> IdedExpr {
    let part = |helper: &mut MacroExprHelper<'_>, i: i64| {
        let item = ident(helper, ITEM);
        let index = literal(helper, LiteralValue::Int(CelInt::from(i)));
        call(helper, operators::INDEX, vec![item, index])
    };
    let value = part(helper, 1);
    let inner = bind(helper, names.1.clone(), value, body);
    let key = part(helper, 0);
    bind(helper, names.0.clone(), key, inner)
}

fn expand(
    helper: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
    kind: Kind,
) -> Result<IdedExpr, ParseError> {
    let args = std::mem::take(args);
    let (Some(target), [first, second, rest @ ..]) = (target.take(), args.as_slice()) else {
        return Err(helper.new_error(
            0,
            "a two-variable comprehension needs a target and three or four arguments",
        ));
    };
    let (first, second, rest) = (first.clone(), second.clone(), rest.to_vec());
    let names = (name_of(helper, first)?, name_of(helper, second)?);
    if names.0 == names.1 {
        return Err(helper.new_error(0, format!("duplicate variable name: {}", names.0)));
    }
    let (filter, body) = match rest.as_slice() {
        [body] => (None, body.clone()),
        [filter, body] => (Some(filter.clone()), body.clone()),
        _ => {
            return Err(helper.new_error(
                0,
                "a two-variable comprehension takes three or four arguments",
            ))
        }
    };
    let body = with_pair(helper, &names, body);
    let filter = filter.map(|f| with_pair(helper, &names, f));
    let accu = |helper: &mut MacroExprHelper<'_>| ident(helper, RESULT);
    let (init, cond, step, result) = match kind {
        Kind::All | Kind::Exists => {
            let all = matches!(kind, Kind::All);
            let init = literal(helper, LiteralValue::Boolean(all.into()));
            let a = accu(helper);
            let cond_arg = if all {
                a
            } else {
                call(helper, operators::LOGICAL_NOT, vec![a])
            };
            let cond = call(helper, operators::NOT_STRICTLY_FALSE, vec![cond_arg]);
            let a = accu(helper);
            let op = if all {
                operators::LOGICAL_AND
            } else {
                operators::LOGICAL_OR
            };
            let step = call(helper, op, vec![a, body]);
            (init, cond, step, accu(helper))
        }
        Kind::ExistsOne => {
            let init = literal(helper, LiteralValue::Int(CelInt::from(0)));
            let cond = literal(helper, LiteralValue::Boolean(true.into()));
            let a = accu(helper);
            let one = literal(helper, LiteralValue::Int(CelInt::from(1)));
            let plus = call(helper, operators::ADD, vec![a, one]);
            let a = accu(helper);
            let step = call(helper, operators::CONDITIONAL, vec![body, plus, a]);
            let a = accu(helper);
            let one = literal(helper, LiteralValue::Int(CelInt::from(1)));
            let result = call(helper, operators::EQUALS, vec![a, one]);
            (init, cond, step, result)
        }
        Kind::TransformList | Kind::TransformMap | Kind::TransformMapEntry => {
            let init = match kind {
                Kind::TransformList => helper.next_expr(Expr::List(ListExpr::new(Vec::new()))),
                _ => helper.next_expr(Expr::Map(MapExpr {
                    entries: Vec::new(),
                })),
            };
            let cond = literal(helper, LiteralValue::Boolean(true.into()));
            let a = accu(helper);
            let grown = match kind {
                Kind::TransformList => {
                    let element = helper.next_expr(Expr::List(ListExpr::new(vec![body])));
                    call(helper, operators::ADD, vec![a, element])
                }
                Kind::TransformMap => {
                    let item = ident(helper, ITEM);
                    let zero = literal(helper, LiteralValue::Int(CelInt::from(0)));
                    let key = call(helper, operators::INDEX, vec![item, zero]);
                    call(helper, MAP_INSERT, vec![a, key, body])
                }
                _ => call(helper, MAP_INSERT, vec![a, body]),
            };
            let step = match filter {
                Some(filter) => {
                    let a = accu(helper);
                    call(helper, operators::CONDITIONAL, vec![filter, grown, a])
                }
                None => grown,
            };
            (init, cond, step, accu(helper))
        }
    };
    let range = call(helper, PAIRS, vec![target]);
    Ok(
        helper.next_expr(Expr::Comprehension(Box::new(ComprehensionExpr {
            iter_range: range,
            iter_var: ITEM.into(),
            iter_var2: None,
            accu_var: RESULT.into(),
            accu_init: init,
            loop_cond: cond,
            loop_step: step,
            result,
        }))),
    )
}

/// The `[index, element]` pairs of a list, or the `[key, value]` pairs of a map.
fn pairs<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let target = &*args[0];
    let is_map = target.get_type().kind() == cel::common::types::Kind::Map;
    let Some(iterable) = target.as_iterable() else {
        return Err(ExecutionError::function_error(
            "comprehension",
            format!("cannot iterate over {}", target.get_type().name()),
        ));
    };
    let mut out: Vec<Box<dyn Val + 'v>> = Vec::new();
    let mut iter = iterable.iter();
    let mut index = 0i64;
    while let Some(item) = iter.next() {
        let (key, value): (Box<dyn Val + 'v>, Box<dyn Val + 'v>) = if is_map {
            let value = target
                .as_indexer()
                .ok_or_else(|| {
                    ExecutionError::function_error("comprehension", "map without index")
                })?
                .get(item)?
                .into_owned();
            (item.clone_as_boxed(), value)
        } else {
            (Box::new(CelInt::from(index)), item.clone_as_boxed())
        };
        index += 1;
        out.push(Box::new(CelList::from(vec![key, value])));
    }
    Ok(CowVal::owned(CelList::from(out)))
}

/// `map` with `key: value` added (or every entry of a second map); an existing key is an error.
fn map_insert<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let mut entries: Vec<(Box<dyn Val + 'v>, Box<dyn Val + 'v>)> = Vec::new();
    if let [_, key, value] = args.as_slice() {
        entries.push((key.clone().into_owned(), value.clone().into_owned()));
    } else {
        let extra = &*args[1];
        let indexer = extra.as_indexer();
        let mut keys = extra.as_iterable().map(|i| i.iter());
        while let Some(key) = keys.as_mut().and_then(|k| k.next()) {
            let value = indexer
                .ok_or_else(|| ExecutionError::function_error("transformMapEntry", "not a map"))?
                .get(key)?
                .into_owned();
            entries.push((key.clone_as_boxed(), value));
        }
    }
    let map = args[0].downcast_ref::<CelMap>().ok_or_else(|| {
        ExecutionError::function_error("transformMap", "the accumulator is not a map")
    })?;
    let mut out = map.inner().clone();
    for (key, value) in entries {
        let key = CelMapKey::try_from(key).map_err(|_| {
            ExecutionError::function_error("transformMap", "unsupported map key type")
        })?;
        if out.contains_key(&key) {
            return Err(ExecutionError::function_error(
                "transformMapEntry",
                format!("insert failed: key {key:?} already exists"),
            ));
        }
        out.insert(key, value);
    }
    Ok(CowVal::owned(CelMap::from(out)))
}
