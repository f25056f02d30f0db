//! Fixes to the `cel` crate's standard library, until upstream has them.
//!
//! `duration.getMilliseconds()` gives the total milliseconds in cel 0.15 (123321 for
//! `duration('123.321456789s')`) where the CEL spec and cel-go give the milliseconds part (321).
//! A crate overload cannot be replaced, so a macro routes the call without arguments to ours.

use cel::common::ast::{CallExpr, Expr};
use cel::common::types::{CelDuration, CelInt, CelTimestamp, DURATION_TYPE, TIMESTAMP_TYPE};
use cel::common::value::CowVal;
use cel::parser::Macro;
use cel::{Env, ExecutionError};

const GET_MILLISECONDS: &str = "@bcpcheck.getMilliseconds";

/// Adds the fixed functions.
pub(super) fn register(env: &mut Env) {
    let _ = env.add_macro(Macro::receiver(
        "getMilliseconds",
        0,
        |helper, target, _| {
            let Some(target) = target.take() else {
                return Ok(None);
            };
            Ok(Some(helper.next_expr(Expr::Call(CallExpr {
                func_name: GET_MILLISECONDS.into(),
                target: None,
                args: vec![target],
            }))))
        },
    ));
    let _ = env.add_overload(
        GET_MILLISECONDS,
        "bcpcheck_duration_milliseconds",
        vec![DURATION_TYPE],
        get_milliseconds,
    );
    let _ = env.add_overload(
        GET_MILLISECONDS,
        "bcpcheck_timestamp_milliseconds",
        vec![TIMESTAMP_TYPE],
        get_milliseconds,
    );
}

/// The milliseconds part: of the second, for a timestamp (in UTC); of the duration, with its
/// sign, for a duration (as Go's `Duration.Milliseconds() % 1000`).
fn get_milliseconds<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let value = &*args[0];
    if let Some(d) = value.downcast_ref::<CelDuration>() {
        return Ok(CowVal::owned(CelInt::from(
            d.inner().num_milliseconds() % 1000,
        )));
    }
    if let Some(t) = value.downcast_ref::<CelTimestamp>() {
        return Ok(CowVal::owned(CelInt::from(
            i64::from(t.inner().timestamp_subsec_millis()) % 1000,
        )));
    }
    Err(ExecutionError::function_error(
        "getMilliseconds",
        format!("no overload for {}", value.get_type().name()),
    ))
}

#[cfg(test)]
mod tests {
    use crate::expression::Runtime;

    #[test]
    fn get_milliseconds_gives_the_milliseconds_part() {
        let rt = Runtime::new();
        for (expr, want) in [
            ("duration('123.321456789s').getMilliseconds() == 321", true),
            ("duration('-1.5s').getMilliseconds() == -500", true),
            (
                "timestamp('2023-05-28T00:00:42.123Z').getMilliseconds() == 123",
                true,
            ),
            (
                "timestamp('2023-05-28T00:00:42.123Z').getMilliseconds('UTC') == 123",
                true,
            ),
        ] {
            let compiled = rt.compile(expr).unwrap();
            assert_eq!(
                crate::expression::eval_constant(&rt, &compiled),
                Ok(want),
                "{expr}"
            );
        }
    }
}
