//! cel-go's sets extension: `sets.contains`, `sets.intersects` and `sets.equivalent` on lists,
//! with CEL equality (so `sets.contains([1], [1.0])` holds).

use cel::common::types::{CelBool, LIST_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{Env, ExecutionError};

use super::kubernetes::items;

/// Adds the sets functions.
pub(super) fn register(env: &mut Env) {
    let lists = || vec![LIST_TYPE, LIST_TYPE];
    let _ = env.add_overload("sets.contains", "sets_contains", lists(), |args| {
        set_op(args, "sets.contains", |a, b| Ok(is_subset(b, a)))
    });
    let _ = env.add_overload("sets.intersects", "sets_intersects", lists(), |args| {
        set_op(args, "sets.intersects", |a, b| {
            Ok(b.iter().any(|x| contains(a, *x)))
        })
    });
    let _ = env.add_overload("sets.equivalent", "sets_equivalent", lists(), |args| {
        set_op(args, "sets.equivalent", |a, b| {
            Ok(is_subset(a, b) && is_subset(b, a))
        })
    });
}

type Items<'b, 'v> = [&'b (dyn Val + 'v)];

fn set_op<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
    function: &str,
    op: impl for<'x> Fn(&Items<'x, 'v>, &Items<'x, 'v>) -> Result<bool, ExecutionError>,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [a, b] = args.as_slice() else {
        return Err(ExecutionError::invalid_argument_count(2, args.len()));
    };
    let a = items(&**a, function)?;
    let b = items(&**b, function)?;
    Ok(CowVal::owned(CelBool::from(op(&a, &b)?)))
}

fn contains(set: &Items<'_, '_>, item: &dyn Val) -> bool {
    set.iter().any(|x| x.equals(item))
}

/// Every element of `sub` is in `set`.
fn is_subset(sub: &Items<'_, '_>, set: &Items<'_, '_>) -> bool {
    sub.iter().all(|x| contains(set, *x))
}
