//! Evaluation with a traced `now`, for `due`: while an expression runs as of one day, every
//! comparison of `now` (or of a time or duration computed from it) with another value records the
//! instant where its outcome could turn, so the caller learns the first later day on which the
//! result may differ. Any other use of such a value makes the trace opaque.
//!
//! Why this is sound: evaluation is deterministic, and with a traced `now` the only operations
//! that see the date are the ones below. For every day before the horizon, each of them gives the
//! same outcome, so the evaluation takes the same path and yields the same result.

use std::any::Any;
use std::cell::RefCell;
use std::cmp::Ordering;

use cel::common::ast::{CallExpr, Expr};
use cel::common::traits::{Adder, Comparer, Negator, Subtractor};
use cel::common::types::{CelDuration, CelTimestamp, Type, DURATION_TYPE, TIMESTAMP_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{ExecutionError, IdedExpr};
use chrono::{DateTime, Days, Duration, FixedOffset, NaiveTime, Utc};

/// What a traced evaluation tells about the days after its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Horizon {
    /// The result holds until this instant (a UTC midnight), or for ever (`None`).
    Until(Option<DateTime<FixedOffset>>),
    /// `now` was used in a way the trace cannot follow: nothing is known.
    Opaque,
}

impl Horizon {
    /// The nearer of two horizons: what holds until both may change.
    pub fn min(self, other: Horizon) -> Horizon {
        match (self, other) {
            (Horizon::Opaque, _) | (_, Horizon::Opaque) => Horizon::Opaque,
            (Horizon::Until(None), h) | (h, Horizon::Until(None)) => h,
            (Horizon::Until(Some(a)), Horizon::Until(Some(b))) => Horizon::Until(Some(a.min(b))),
        }
    }
}

/// What a trace, or a part of one, has learnt so far.
#[derive(Clone, Copy)]
struct Learnt {
    next: Option<DateTime<FixedOffset>>,
    opaque: bool,
}

impl Learnt {
    const NOTHING: Learnt = Learnt {
        next: None,
        opaque: false,
    };

    fn turns_on(&mut self, day: DateTime<FixedOffset>) {
        self.next = Some(self.next.map_or(day, |n| n.min(day)));
    }

    fn horizon(self) -> Horizon {
        if self.opaque {
            Horizon::Opaque
        } else {
            Horizon::Until(self.next)
        }
    }
}

/// The trace of the evaluation running on this thread: the whole, and the parts open within it
/// (each learns what the whole learns while it is open; one left open by a panic does no harm).
struct Trace {
    now: DateTime<FixedOffset>,
    whole: Learnt,
    parts: Vec<Learnt>,
}

impl Trace {
    fn learn(&mut self, mut change: impl FnMut(&mut Learnt)) {
        change(&mut self.whole);
        self.parts.iter_mut().for_each(change);
    }
}

thread_local! {
    static TRACE: RefCell<Option<Trace>> = const { RefCell::new(None) };
}

/// Updates the running trace, if any.
fn learn(change: impl FnMut(&mut Learnt)) {
    TRACE.with(|t| {
        if let Some(trace) = t.borrow_mut().as_mut() {
            trace.learn(change);
        }
    });
}

/// Runs `evaluate` with the trace of `now` on, and returns its result and horizon. `now` must be
/// a UTC midnight, bound as [`traced_now`].
pub fn traced<T>(now: DateTime<FixedOffset>, evaluate: impl FnOnce() -> T) -> (T, Horizon) {
    TRACE.with(|t| {
        *t.borrow_mut() = Some(Trace {
            now,
            whole: Learnt::NOTHING,
            parts: Vec::new(),
        })
    });
    let result = evaluate();
    let trace = TRACE.with(|t| t.borrow_mut().take());
    (result, trace.map_or(Horizon::Opaque, |t| t.whole.horizon()))
}

/// Runs `evaluate` as a part of the running trace, and returns with its result what that part
/// learnt (`None` when no trace runs), to [`replay`] wherever the result is reused.
pub fn traced_part<T>(evaluate: impl FnOnce() -> T) -> (T, Option<Horizon>) {
    let open = TRACE.with(|t| {
        let mut t = t.borrow_mut();
        let trace = t.as_mut()?;
        trace.parts.push(Learnt::NOTHING);
        Some(trace.parts.len())
    });
    let result = evaluate();
    let part = open.and_then(|depth| {
        TRACE.with(|t| {
            let mut t = t.borrow_mut();
            let trace = t.as_mut()?;
            trace.parts.truncate(depth);
            trace.parts.pop().map(Learnt::horizon)
        })
    });
    (result, part)
}

/// Adds to the running trace what a part of an earlier one learnt (see [`traced_part`]).
pub fn replay(part: Option<Horizon>) {
    match part {
        Some(Horizon::Opaque) => opaque(),
        Some(Horizon::Until(Some(next))) => learn(|l| l.turns_on(next)),
        Some(Horizon::Until(None)) | None => {}
    }
}

/// `now` as a traced value.
pub fn traced_now(now: DateTime<FixedOffset>) -> Box<dyn Val> {
    Box::new(TracedTime {
        value: now,
        shift: Duration::zero(),
    })
}

/// Records that an outcome may turn when `now` reaches `turn`.
fn record(turn: DateTime<FixedOffset>) {
    let Some(now) = TRACE.with(|t| t.borrow().as_ref().map(|t| t.now)) else {
        return;
    };
    let next = match now.cmp(&turn) {
        // Constant while `now < turn`: next possible change on the first midnight at or after it.
        Ordering::Less => first_midnight_from(turn),
        // Equal only today: tomorrow differs.
        Ordering::Equal => now.checked_add_days(Days::new(1)),
        Ordering::Greater => None,
    };
    if let Some(next) = next {
        learn(|l| l.turns_on(next));
    }
}

/// Marks the running trace opaque.
fn opaque() {
    learn(|l| l.opaque = true);
}

/// The first UTC midnight at or after `instant`.
fn first_midnight_from(instant: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
    let utc = instant.with_timezone(&Utc);
    let day = utc.date_naive();
    let day = if utc.time() == NaiveTime::MIN {
        day
    } else {
        day.checked_add_days(Days::new(1))?
    };
    Some(day.and_time(NaiveTime::MIN).and_utc().fixed_offset())
}

/// `now + shift`.
#[derive(Debug, Clone)]
struct TracedTime {
    value: DateTime<FixedOffset>,
    shift: Duration,
}

/// `now - anchor`, or `anchor - now` when `negated`.
#[derive(Debug, Clone)]
struct TracedSpan {
    value: Duration,
    anchor: DateTime<FixedOffset>,
    negated: bool,
}

impl TracedSpan {
    /// The `now` at which this span equals `d`.
    fn turn_at(&self, d: Duration) -> DateTime<FixedOffset> {
        if self.negated {
            self.anchor - d
        } else {
            self.anchor + d
        }
    }

    /// This span plus `d`: the anchor moves against `now`'s sign.
    fn plus(&self, d: Duration) -> Option<TracedSpan> {
        Some(TracedSpan {
            value: self.value.checked_add(&d)?,
            anchor: if self.negated {
                self.anchor + d
            } else {
                self.anchor - d
            },
            negated: self.negated,
        })
    }
}

/// A real timestamp or duration on the other side of an operation.
enum Other {
    Time(DateTime<FixedOffset>),
    Span(Duration),
}

fn other(value: &dyn Val) -> Option<Other> {
    if let Some(t) = value.downcast_ref::<CelTimestamp>() {
        return Some(Other::Time(*t.inner()));
    }
    value
        .downcast_ref::<CelDuration>()
        .map(|d| Other::Span(*d.inner()))
}

/// The result of an operation the trace cannot follow.
fn untraceable<T>(operation: &'static str) -> Result<T, ExecutionError> {
    opaque();
    Err(ExecutionError::function_error(
        operation,
        "`now` used in a way the due search does not follow",
    ))
}

/// The `Val` of a traced value: the operations it follows (compare, add, subtract, negate,
/// equal), and every other use marks the trace opaque.
macro_rules! traced_val {
    ($ty:ty, $cel_type:expr) => {
        impl Val for $ty {
            fn get_type(&self) -> &Type {
                &$cel_type
            }
            fn cel_type() -> &'static Type {
                &$cel_type
            }
            fn as_comparer(&self) -> Option<&dyn Comparer> {
                Some(self)
            }
            fn as_adder<'b, 'v>(&'b self) -> Option<&'b (dyn Adder + 'v)>
            where
                Self: 'v,
            {
                Some(self)
            }
            fn as_subtractor<'b, 'v>(&'b self) -> Option<&'b (dyn Subtractor + 'v)>
            where
                Self: 'v,
            {
                Some(self)
            }
            fn as_negator<'b, 'v>(&'b self) -> Option<&'b (dyn Negator + 'v)>
            where
                Self: 'v,
            {
                Some(self)
            }
            fn equals(&self, other: &dyn Val) -> bool {
                self.equal(other)
            }
            fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v>
            where
                Self: 'v,
            {
                Box::new(self.clone())
            }
            fn as_any(&self) -> Option<&dyn Any> {
                opaque();
                Some(self)
            }
            fn as_container(&self) -> Option<&dyn cel::common::traits::Container> {
                opaque();
                None
            }
            fn as_sizer(&self) -> Option<&dyn cel::common::traits::Sizer> {
                opaque();
                None
            }
            fn as_zeroer(&self) -> Option<&dyn cel::common::traits::Zeroer> {
                opaque();
                None
            }
            fn as_divider<'b, 'v>(&'b self) -> Option<&'b (dyn cel::common::traits::Divider + 'v)>
            where
                Self: 'v,
            {
                opaque();
                None
            }
            fn as_modder<'b, 'v>(&'b self) -> Option<&'b (dyn cel::common::traits::Modder + 'v)>
            where
                Self: 'v,
            {
                opaque();
                None
            }
            fn as_multiplier<'b, 'v>(
                &'b self,
            ) -> Option<&'b (dyn cel::common::traits::Multiplier + 'v)>
            where
                Self: 'v,
            {
                opaque();
                None
            }
            fn as_indexer<'b, 'v>(&'b self) -> Option<&'b (dyn cel::common::traits::Indexer + 'v)>
            where
                Self: 'v,
            {
                opaque();
                None
            }
            fn as_iterable<'b, 'v>(&'b self) -> Option<&'b (dyn cel::common::traits::Iterable + 'v)>
            where
                Self: 'v,
            {
                opaque();
                None
            }
        }
    };
}

impl TracedTime {
    fn equal(&self, rhs: &dyn Val) -> bool {
        match other(rhs) {
            Some(Other::Time(t)) => {
                record(t - self.shift);
                self.value == t
            }
            _ => {
                opaque();
                false
            }
        }
    }
}

traced_val!(TracedTime, TIMESTAMP_TYPE);

impl Negator for TracedTime {
    fn negate<'v>(&self) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        untraceable("negate")
    }
}

impl Comparer for TracedTime {
    fn compare(&self, rhs: &dyn Val) -> Result<Ordering, ExecutionError> {
        match other(rhs) {
            Some(Other::Time(t)) => {
                record(t - self.shift);
                Ok(self.value.cmp(&t))
            }
            _ => untraceable("compare"),
        }
    }
}

impl Adder for TracedTime {
    fn add<'b, 'v>(&'b self, rhs: &(dyn Val + 'v)) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let Some(Other::Span(d)) = other(rhs) else {
            return untraceable("add");
        };
        // The real addition, for its range checks.
        let real = CelTimestamp::from(self.value);
        let sum = real
            .add(rhs)
            .ok()
            .and_then(|v| v.downcast_ref::<CelTimestamp>().map(|t| *t.inner()));
        match sum {
            Some(value) => Ok(CowVal::owned(TracedTime {
                value,
                shift: self.shift + d,
            })),
            None => untraceable("add"),
        }
    }
}

impl Subtractor for TracedTime {
    fn sub<'b, 'v>(&'b self, rhs: &(dyn Val + 'v)) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        match other(rhs) {
            Some(Other::Span(d)) => match self.value.checked_sub_signed(d) {
                Some(value) => Ok(CowVal::owned(TracedTime {
                    value,
                    shift: self.shift - d,
                })),
                None => untraceable("sub"),
            },
            // now + shift - t = now - (t - shift).
            Some(Other::Time(t)) => Ok(CowVal::owned(TracedSpan {
                value: self.value.signed_duration_since(t),
                anchor: t - self.shift,
                negated: false,
            })),
            None => untraceable("sub"),
        }
    }
}

impl TracedSpan {
    fn equal(&self, rhs: &dyn Val) -> bool {
        match other(rhs) {
            Some(Other::Span(d)) => {
                record(self.turn_at(d));
                self.value == d
            }
            _ => {
                opaque();
                false
            }
        }
    }
}

traced_val!(TracedSpan, DURATION_TYPE);

impl Comparer for TracedSpan {
    fn compare(&self, rhs: &dyn Val) -> Result<Ordering, ExecutionError> {
        match other(rhs) {
            Some(Other::Span(d)) => {
                record(self.turn_at(d));
                Ok(self.value.cmp(&d))
            }
            _ => untraceable("compare"),
        }
    }
}

impl Adder for TracedSpan {
    fn add<'b, 'v>(&'b self, rhs: &(dyn Val + 'v)) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let sum = match other(rhs) {
            Some(Other::Span(d)) => self.plus(d).map(CowVal::owned),
            // (now - anchor) + t = now + (t - anchor).
            Some(Other::Time(t)) if !self.negated => {
                t.checked_add_signed(self.value).map(|value| {
                    CowVal::owned(TracedTime {
                        value,
                        shift: t - self.anchor,
                    })
                })
            }
            _ => None,
        };
        sum.map_or_else(|| untraceable("add"), Ok)
    }
}

impl Subtractor for TracedSpan {
    fn sub<'b, 'v>(&'b self, rhs: &(dyn Val + 'v)) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let difference = match other(rhs) {
            Some(Other::Span(d)) => self.plus(-d).map(CowVal::owned),
            _ => None,
        };
        difference.map_or_else(|| untraceable("sub"), Ok)
    }
}

impl Negator for TracedSpan {
    fn negate<'v>(&self) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        Ok(Box::new(TracedSpan {
            value: -self.value,
            anchor: self.anchor,
            negated: !self.negated,
        }))
    }
}

/// The comparison operators, and each one's mirror (`a < b` is `b > a`).
const MIRRORED: &[(&str, &str)] = &[
    ("_<_", "_>_"),
    ("_>_", "_<_"),
    ("_<=_", "_>=_"),
    ("_>=_", "_<=_"),
    ("_==_", "_==_"),
    ("_!=_", "_!=_"),
];

/// Rewrites `expr` so that `now` stands on the left of the operations that read it: the
/// interpreter asks the left operand to compare or subtract, and only a traced value on the left
/// is followed. Comparisons are mirrored, and `t - now` becomes `-(now - t)`, only when the
/// right operand is `now` plus or minus constants, so that nothing else is evaluated in another
/// order.
pub fn now_on_the_left(expr: &mut IdedExpr) {
    super::tree::each_node_mut(expr, &mut |node| {
        let id = node.id;
        let Expr::Call(call) = &mut node.expr else {
            return;
        };
        if call.func_name == "_-_"
            && call.target.is_none()
            && call.args.len() == 2
            && is_now_term(&call.args[1])
            && !mentions_now(&call.args[0])
        {
            call.args.swap(0, 1);
            let difference = IdedExpr {
                id,
                expr: Expr::Call(std::mem::take(call)),
            };
            node.expr = Expr::Call(CallExpr {
                func_name: "-_".into(),
                target: None,
                args: vec![difference],
            });
            return;
        }
        let Some((_, mirror)) = MIRRORED.iter().find(|(op, _)| *op == call.func_name) else {
            return;
        };
        if call.target.is_none()
            && call.args.len() == 2
            && is_now_term(&call.args[1])
            && !mentions_now(&call.args[0])
        {
            call.args.swap(0, 1);
            call.func_name = (*mirror).to_string();
        }
    });
}

/// True for `now`, and `now` plus or minus literals or `period`/`duration` of a literal.
fn is_now_term(expr: &IdedExpr) -> bool {
    match &expr.expr {
        Expr::Ident(name) => name == "now",
        Expr::Call(call)
            if call.target.is_none() && (call.func_name == "_+_" || call.func_name == "_-_") =>
        {
            call.args.len() == 2 && is_now_term(&call.args[0]) && is_constant_span(&call.args[1])
        }
        _ => false,
    }
}

fn is_constant_span(expr: &IdedExpr) -> bool {
    match &expr.expr {
        Expr::Call(call) => {
            call.target.is_none()
                && (call.func_name == "period" || call.func_name == "duration")
                && call.args.len() == 1
                && matches!(call.args[0].expr, Expr::Literal(_))
        }
        _ => false,
    }
}

/// True when `now` is read anywhere in `expr`.
fn mentions_now(expr: &IdedExpr) -> bool {
    expr.references().has_variable("now")
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::expression::scope::eval_as_of;
    use crate::expression::Runtime;

    fn midnight(day: &str) -> DateTime<FixedOffset> {
        NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .unwrap()
            .and_time(NaiveTime::MIN)
            .and_utc()
            .fixed_offset()
    }

    /// The result of `text` as of `day` with a traced `now`, and its horizon as a date.
    fn traced_at(runtime: &Runtime, text: &str, day: &str) -> (bool, Option<String>) {
        let (result, until) = traced_result(runtime, text, day);
        (result.unwrap(), until)
    }

    fn traced_result(
        runtime: &Runtime,
        text: &str,
        day: &str,
    ) -> (Result<bool, crate::expression::EvalError>, Option<String>) {
        let compiled = runtime.compile(text).unwrap().with_now_on_the_left();
        let now = midnight(day);
        let (result, horizon) = traced(now, || eval_as_of(runtime, &compiled, now, true));
        let until = match horizon {
            Horizon::Until(until) => until.map(|u| u.date_naive().to_string()),
            Horizon::Opaque => Some("opaque".into()),
        };
        (result, until)
    }

    #[test]
    fn a_comparison_holds_until_now_reaches_what_it_compares_with() {
        let runtime = Runtime::new();
        let cases = [
            // Written either way round; `<=` flips the day after the date.
            (
                "date('2027-01-10') >= now",
                "2027-01-01",
                (true, Some("2027-01-10")),
            ),
            (
                "date('2027-01-10') >= now",
                "2027-01-10",
                (true, Some("2027-01-11")),
            ),
            ("date('2027-01-10') >= now", "2027-01-11", (false, None)),
            (
                "now > date('2027-01-10')",
                "2027-01-01",
                (false, Some("2027-01-10")),
            ),
            // A duration since a date, against a limit: flips once it exceeds it.
            (
                "now - date('2026-01-01') <= period('365d')",
                "2026-06-01",
                (true, Some("2027-01-01")),
            ),
            (
                "now - date('2026-01-01') <= period('365d')",
                "2027-01-01",
                (true, Some("2027-01-02")),
            ),
            // A duration until a date (`t - now`, rewritten as `-(now - t)`).
            (
                "date('2027-03-01') - now <= duration('336h')",
                "2027-01-01",
                (false, Some("2027-02-15")),
            ),
            // `now` moved by constants, and an instant within a day: the next midnight.
            (
                "now + period('30d') < date('2027-03-01')",
                "2027-01-01",
                (true, Some("2027-01-30")),
            ),
            (
                "timestamp('2027-01-10T12:00:00Z') > now",
                "2027-01-01",
                (true, Some("2027-01-11")),
            ),
            // Through a comprehension and `cel.bind`: every comparison counts, the nearest wins.
            (
                "[date('2027-02-01'), date('2027-01-05')].exists(d, d <= now)",
                "2027-01-01",
                (false, Some("2027-01-05")),
            ),
            (
                "cel.bind(t, now, t > date('2027-01-03'))",
                "2027-01-01",
                (false, Some("2027-01-03")),
            ),
            // `now` not compared: holds for ever.
            ("size([now]) == 1", "2027-01-01", (true, None)),
        ];
        for (text, day, expected) in cases {
            let (result, until) = traced_at(&runtime, text, day);
            assert_eq!((result, until.as_deref()), expected, "{text} as of {day}");
        }
    }

    #[test]
    fn a_part_learns_what_the_whole_learns_and_is_replayed_where_its_value_is_reused() {
        let runtime = Runtime::new();
        let expr = runtime
            .compile("now >= date('2027-01-10')")
            .unwrap()
            .with_now_on_the_left();
        let now = midnight("2027-01-01");
        let ((_, part), whole) = traced(now, || {
            traced_part(|| eval_as_of(&runtime, &expr, now, true))
        });
        let expected = Horizon::Until(Some(midnight("2027-01-10")));
        assert_eq!((part, whole), (Some(expected), expected));
        // Another policy reusing the value learns the same.
        assert_eq!(traced(now, || replay(part)).1, expected);
        // Without a trace there is nothing to learn.
        assert_eq!(traced_part(|| ()).1, None);
    }

    #[test]
    fn other_uses_of_now_make_the_trace_opaque() {
        let runtime = Runtime::new();
        for text in [
            "now.getMonth() == 2",
            "string(now) != ''",
            "now in [date('2027-01-10')]",
            "now == now",
            "type(now) == google.protobuf.Timestamp && now.getDate() == 1",
            // `now` on the right of an expression that is more than `now` and constants.
            "date('2027-01-10') - period('1d') >= now - period(string(1) + 'd')",
        ] {
            let (_, until) = traced_result(&runtime, text, "2027-01-01");
            assert_eq!(until.as_deref(), Some("opaque"), "{text}");
        }
    }

    #[test]
    fn a_traced_result_is_the_real_one_on_every_day_up_to_its_horizon() {
        let runtime = Runtime::new();
        let texts = [
            "date('2027-01-10') >= now",
            "now - date('2026-12-01') <= period('60d') && date('2026-12-01') <= now",
            "date('2027-02-01') > now && date('2027-02-01') - now <= duration('240h')",
            "!(now >= date('2027-01-15')) || now - period('10d') > date('2027-01-20')",
        ];
        let start = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        for text in texts {
            let real = runtime.compile(text).unwrap();
            for offset in 0..120 {
                let day = start + Days::new(offset);
                let (result, until) = traced_at(&runtime, text, &day.to_string());
                let until = until.map(|u| NaiveDate::parse_from_str(&u, "%Y-%m-%d").unwrap());
                let last = until.unwrap_or(start + Days::new(130));
                let mut d = day;
                while d < last {
                    let now = d.and_time(NaiveTime::MIN).and_utc().fixed_offset();
                    let actual = eval_as_of(&runtime, &real, now, false).unwrap();
                    assert_eq!(actual, result, "{text}: traced on {day}, real on {d}");
                    d = d + Days::new(1);
                }
                if let Some(until) = until {
                    assert!(until > day, "{text}: the horizon is after the day");
                }
            }
        }
    }
}
