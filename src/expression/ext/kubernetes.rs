//! The Kubernetes CEL list library (`isSorted`, `sum`, `min`, `max`, `indexOf`, `lastIndexOf`)
//! and regex library (`find`, `findAll`), with the semantics of `k8s.io/apiserver/pkg/cel/library`.

use std::cmp::Ordering;

use cel::common::types::{
    CelBool, CelInt, CelList, CelString, DYN_TYPE, INT_TYPE, LIST_TYPE, STRING_TYPE,
};
use cel::common::value::{CowVal, Val};
use cel::{Env, ExecutionError};

/// Adds the list and regex functions.
pub(super) fn register(env: &mut Env) {
    let _ = env.add_member_overload(
        "isSorted",
        "k8s_list_is_sorted",
        LIST_TYPE,
        vec![],
        is_sorted,
    );
    let _ = env.add_member_overload("sum", "k8s_list_sum", LIST_TYPE, vec![], sum);
    let _ = env.add_member_overload("min", "k8s_list_min", LIST_TYPE, vec![], |args| {
        extreme(args, "min", Ordering::Less)
    });
    let _ = env.add_member_overload("max", "k8s_list_max", LIST_TYPE, vec![], |args| {
        extreme(args, "max", Ordering::Greater)
    });
    let _ = env.add_member_overload(
        "indexOf",
        "k8s_list_index_of",
        LIST_TYPE,
        vec![DYN_TYPE],
        |args| index_of(args, "indexOf", false),
    );
    let _ = env.add_member_overload(
        "lastIndexOf",
        "k8s_list_last_index_of",
        LIST_TYPE,
        vec![DYN_TYPE],
        |args| index_of(args, "lastIndexOf", true),
    );
    let _ = env.add_member_overload(
        "find",
        "k8s_string_find",
        STRING_TYPE,
        vec![STRING_TYPE],
        |args| {
            let (text, re) = text_and_regex(&args, "find")?;
            let found = re.find(text).map_or("", |m| m.as_str());
            Ok(CowVal::owned(CelString::from(found.to_string())))
        },
    );
    let _ = env.add_member_overload(
        "findAll",
        "k8s_string_find_all",
        STRING_TYPE,
        vec![STRING_TYPE],
        |args| find_all(args, None),
    );
    let _ = env.add_member_overload(
        "findAll",
        "k8s_string_find_all_n",
        STRING_TYPE,
        vec![STRING_TYPE, INT_TYPE],
        |args| {
            let limit = args
                .get(2)
                .and_then(|n| n.downcast_ref::<CelInt>())
                .map(|n| *n.inner());
            find_all(args, limit)
        },
    );
}

/// The elements of a list value, borrowed.
pub(super) fn items<'b, 'v>(
    list: &'b (dyn Val + 'v),
    function: &str,
) -> Result<Vec<&'b (dyn Val + 'v)>, ExecutionError> {
    let Some(iterable) = list.as_iterable() else {
        return Err(ExecutionError::function_error(
            function,
            format!("expected a list, got {}", list.get_type().name()),
        ));
    };
    let mut out = Vec::new();
    let mut iter = iterable.iter();
    while let Some(item) = iter.next() {
        out.push(item);
    }
    Ok(out)
}

fn compare(a: &dyn Val, b: &dyn Val, function: &str) -> Result<Ordering, ExecutionError> {
    match a.as_comparer() {
        Some(c) => c.compare(b),
        None => Err(ExecutionError::function_error(
            function,
            format!("{} values cannot be ordered", a.get_type().name()),
        )),
    }
}

/// `[1, 2, 2].isSorted()`: each element is no greater than the next.
fn is_sorted<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let list = items(&*args[0], "isSorted")?;
    for pair in list.windows(2) {
        if compare(pair[0], pair[1], "isSorted")? == Ordering::Greater {
            return Ok(CowVal::owned(CelBool::from(false)));
        }
    }
    Ok(CowVal::owned(CelBool::from(true)))
}

/// `[1, 2].sum()`: the sum of numbers or durations; 0 for an empty list.
fn sum<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let list = items(&*args[0], "sum")?;
    let Some((first, rest)) = list.split_first() else {
        return Ok(CowVal::owned(CelInt::from(0)));
    };
    let mut total: Box<dyn Val + 'v> = first.clone_as_boxed();
    for item in rest {
        let Some(adder) = total.as_adder() else {
            return Err(ExecutionError::function_error(
                "sum",
                format!("{} values cannot be added", total.get_type().name()),
            ));
        };
        let next = adder.add(*item)?.into_owned();
        total = next;
    }
    Ok(CowVal::from(total))
}

/// `min()` and `max()`: the least or greatest element; an error on an empty list.
fn extreme<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
    function: &str,
    wanted: Ordering,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let list = items(&*args[0], function)?;
    let Some((first, rest)) = list.split_first() else {
        return Err(ExecutionError::function_error(
            function,
            format!("{function} called on an empty list"),
        ));
    };
    let mut best = *first;
    for item in rest {
        if compare(*item, best, function)? == wanted {
            best = *item;
        }
    }
    Ok(CowVal::from(best.clone_as_boxed()))
}

/// `indexOf(x)` and `lastIndexOf(x)`: the position of an element equal to `x`, or -1.
fn index_of<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
    function: &str,
    last: bool,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let list = items(&*args[0], function)?;
    let wanted = &*args[1];
    let mut positions = list.iter().enumerate().filter(|(_, x)| x.equals(wanted));
    let found = if last {
        positions.last()
    } else {
        positions.next()
    };
    Ok(CowVal::owned(CelInt::from(
        found.map_or(-1, |(i, _)| i as i64),
    )))
}

fn text_and_regex<'a>(
    args: &'a [CowVal<'_, '_>],
    function: &str,
) -> Result<(&'a str, regex::Regex), ExecutionError> {
    let text = args.first().and_then(|t| t.downcast_ref::<CelString>());
    let pattern = args.get(1).and_then(|p| p.downcast_ref::<CelString>());
    let (Some(text), Some(pattern)) = (text, pattern) else {
        return Err(ExecutionError::invalid_argument_count(2, args.len()));
    };
    let re = regex::Regex::new(pattern.as_ref())
        .map_err(|e| ExecutionError::function_error(function, e.to_string()))?;
    Ok((text.as_ref(), re))
}

/// `'a1b2'.findAll('[0-9]')`: every match, or the first `limit` (all when negative).
fn find_all<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
    limit: Option<i64>,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (text, re) = text_and_regex(&args, "findAll")?;
    let limit = limit
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(usize::MAX);
    let found: Vec<Box<dyn Val + 'static>> = re
        .find_iter(text)
        .take(limit)
        .map(|m| Box::new(CelString::from(m.as_str().to_string())) as Box<dyn Val>)
        .collect();
    Ok(CowVal::owned(CelList::from(found)))
}
