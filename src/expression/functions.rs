//! bcpcheck's own CEL functions: `date()`, `period()`, `isPlaceholder()`, `groupBy()` and
//! `fileExists()` (bound per document, since it reads the plan's directory).

use std::collections::HashMap;
use std::path::Path;

use cel::common::types::{
    self as celtypes, CelBool, CelDuration, CelList, CelMap, CelMapKey, CelString, CelTimestamp,
};
use cel::common::value::{CowVal, Val};
use cel::{Env, ExecutionError};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};

use crate::document::placeholder;

/// Declares `date()`, `period()` and `isPlaceholder()` once in the environment (they capture nothing).
pub(super) fn add_functions(env: &mut Env) {
    // Fresh names with one overload each: a conflict would be a bug here, caught by every test.
    let _ = env.add_overload("date", "bcpcheck_date", vec![celtypes::DYN_TYPE], date);
    let _ = env.add_overload(
        "period",
        "bcpcheck_period",
        vec![celtypes::DYN_TYPE],
        period,
    );
    let _ = env.add_overload(
        "isPlaceholder",
        "bcpcheck_is_placeholder",
        vec![celtypes::STRING_TYPE],
        is_placeholder,
    );
    let _ = env.add_member_overload(
        "groupBy",
        "bcpcheck_list_group_by",
        celtypes::LIST_TYPE,
        vec![celtypes::STRING_TYPE],
        group_by,
    );
}

/// `list.groupBy('id')`: the maps of `list` that hold the field, grouped by its value (a string,
/// int, uint or bool) into a map of lists, each in list order; other elements are left out. A
/// field holding a list puts the item in the group of each value in it (`groupBy('depends_on')`:
/// the processes by each dependency they list). Built once per plan, it turns "the items whose
/// `id` is X" from a scan of the list into a lookup.
fn group_by<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (Some(list), Some(field)) = (args.first(), args.get(1)) else {
        return Err(ExecutionError::invalid_argument_count(2, args.len()));
    };
    let Some(items) = list.as_iterable() else {
        return Err(ExecutionError::function_error(
            "groupBy",
            "the receiver is not a list",
        ));
    };
    let mut groups: HashMap<CelMapKey<'static>, Vec<Box<dyn Val + 'v>>> = HashMap::new();
    let mut items = items.iter();
    while let Some(item) = items.next() {
        let Some(value) = item.as_indexer().and_then(|map| map.get(&**field).ok()) else {
            continue;
        };
        let mut keys: Vec<CelMapKey<'static>> = Vec::new();
        match value.as_iterable() {
            Some(values) if value.get_type().kind() == celtypes::Kind::List => {
                let mut values = values.iter();
                while let Some(v) = values.next() {
                    keys.extend(
                        CelMapKey::try_from(v.clone_as_boxed())
                            .ok()
                            .map(CelMapKey::into_static),
                    );
                }
            }
            _ => keys.extend(CelMapKey::try_from(value).ok().map(CelMapKey::into_static)),
        }
        keys.sort();
        keys.dedup();
        for key in keys {
            groups.entry(key).or_default().push(item.clone_as_boxed());
        }
    }
    let groups: HashMap<CelMapKey<'v>, Box<dyn Val + 'v>> = groups
        .into_iter()
        .map(|(key, members)| (key, Box::new(CelList::from(members)) as Box<dyn Val + 'v>))
        .collect();
    Ok(CowVal::owned(CelMap::from(groups)))
}

pub(super) fn text_of(value: &dyn Val) -> Option<&str> {
    value.downcast_ref::<CelString>().map(|s| s.as_ref())
}

/// `date('2026-03-01')`: a YAML date (or RFC 3339 timestamp) as a timestamp at 00:00 UTC.
fn date<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let value: &dyn Val = &*args[0];
    if let Some(t) = value.downcast_ref::<CelTimestamp>() {
        return Ok(CowVal::owned(t.clone()));
    }
    match text_of(value) {
        Some(s) => parse_date(s)
            .map(|t| CowVal::owned(CelTimestamp::from(t)))
            .ok_or_else(|| {
                ExecutionError::function_error(
                    "date",
                    format!("`{s}` is not a date; write YYYY-MM-DD"),
                )
            }),
        None => Err(ExecutionError::function_error(
            "date",
            format!(
                "`{value:?}` is a {}, not a date; write YYYY-MM-DD",
                value.get_type().name()
            ),
        )),
    }
}

/// `period('1d12h')`: a plan duration (units w d h m s, combinable) as a CEL duration.
fn period<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let value: &dyn Val = &*args[0];
    if let Some(d) = value.downcast_ref::<CelDuration>() {
        return Ok(CowVal::owned(*d));
    }
    match text_of(value) {
        Some(s) => parse_period(s).map(|d| CowVal::owned(CelDuration::from(d))).ok_or_else(|| {
            ExecutionError::function_error(
                "period",
                format!("`{s}` is not a duration; write numbers with units w, d, h, m, s such as `4h` or `1d12h`"),
            )
        }),
        None => Err(ExecutionError::function_error(
            "period",
            format!("`{value:?}` is a {}, not a duration such as `4h`", value.get_type().name()),
        )),
    }
}

/// `isPlaceholder(text)`: the text holds filler (see `document::placeholder`).
fn is_placeholder<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let text = text_of(&*args[0]).unwrap_or_default();
    Ok(CowVal::owned(CelBool::from(placeholder::contains(text))))
}

/// Parses `YYYY-MM-DD` (at 00:00 UTC) or an RFC 3339 timestamp.
pub fn parse_date(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    // Plan dates are nearly all exactly `YYYY-MM-DD`: read without interpreting a format string
    // (`due` reads each date on every probe day); anything else takes the general path below.
    if let Some(day) = plain_day(text) {
        let utc = FixedOffset::east_opt(0)?;
        return utc.from_local_datetime(&day.and_hms_opt(0, 0, 0)?).single();
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let utc = FixedOffset::east_opt(0)?;
        return utc.from_local_datetime(&day.and_hms_opt(0, 0, 0)?).single();
    }
    DateTime::parse_from_rfc3339(text).ok()
}

/// `YYYY-MM-DD` with exactly four, two and two ASCII digits, when it is a real day.
fn plain_day(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)
}

/// Parses `<number><unit>` pairs, units `w d h m s`: `15m`, `1h50m`, `365d`.
pub fn parse_period(text: &str) -> Option<chrono::Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total = chrono::Duration::zero();
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().ok()?;
        number.clear();
        let part = match c {
            'w' => chrono::Duration::try_weeks(n),
            'd' => chrono::Duration::try_days(n),
            'h' => chrono::Duration::try_hours(n),
            'm' => chrono::Duration::try_minutes(n),
            's' => chrono::Duration::try_seconds(n),
            _ => None,
        }?;
        total = total.checked_add(&part)?;
    }
    number.is_empty().then_some(total)
}

/// `fileExists(path)`: a path relative to the plan exists inside the repository root.
pub(super) fn file_exists(plan_dir: &Path, root_dir: &Path, path: &str) -> bool {
    let path = path.split(['#', '?']).next().unwrap_or("");
    if path.is_empty() || Path::new(path).is_absolute() || path.contains('\0') {
        return false;
    }
    // Canonical paths resolve `..` and symbolic links, so nothing outside the root is reachable.
    match (plan_dir.join(path).canonicalize(), root_dir.canonicalize()) {
        (Ok(target), Ok(root)) => target.starts_with(root),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_days_read_as_the_general_format_does() {
        for text in [
            "2026-03-01",
            "2024-02-29",
            "0001-01-01",
            "9999-12-31",
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "2026-01-1",
            "20260101",
            "2026/01/01",
            "２026-01-01",
            "2026-01-01T10:00:00Z",
            "2026-01-01T10:00:00+02:00",
            " 2026-03-01 ",
            "+2026-03-01",
        ] {
            let general = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
            let plain = plain_day(text.trim());
            if plain.is_some() {
                assert_eq!(plain, general, "{text}");
            }
        }
        assert_eq!(plain_day("2026-03-01"), NaiveDate::from_ymd_opt(2026, 3, 1));
        assert!(plain_day("2026-02-29").is_none());
        assert_eq!(
            parse_date("2026-03-01").unwrap().to_rfc3339(),
            "2026-03-01T00:00:00+00:00"
        );
        assert!(parse_date("2026-02-29").is_none());
        assert_eq!(
            parse_date("2026-01-01T10:00:00+02:00")
                .unwrap()
                .to_rfc3339(),
            "2026-01-01T10:00:00+02:00"
        );
    }

    #[test]
    fn periods_combine_units() {
        assert_eq!(parse_period("1d12h"), Some(chrono::Duration::hours(36)));
        assert_eq!(parse_period("2w"), Some(chrono::Duration::days(14)));
        assert_eq!(parse_period("15m"), Some(chrono::Duration::minutes(15)));
        for bad in ["", "4", "h", "4x", "1.5h", "99999999999999999999d"] {
            assert_eq!(parse_period(bad), None, "{bad}");
        }
    }

    #[test]
    fn file_exists_stays_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("plans")).unwrap();
        std::fs::write(root.join("plans/e.pdf"), "x").unwrap();
        std::fs::write(dir.path().join("secret"), "x").unwrap();
        let plans = root.join("plans");
        assert!(file_exists(&plans, &root, "e.pdf"));
        assert!(file_exists(&plans, &root, "e.pdf#page=2"));
        assert!(!file_exists(&plans, &root, "../../secret"));
        assert!(!file_exists(&plans, &root, "/etc/passwd"));
        assert!(!file_exists(&plans, &root, "missing.pdf"));
    }
}
