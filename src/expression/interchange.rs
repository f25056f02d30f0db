//! CEL values in the JSON form of the `cel.expr.Value` protobuf message (`{"int64Value": "1"}`,
//! `{"listValue": {"values": [...]}}`), the form the CEL conformance tests write bindings and
//! results in. Messages other than `google.protobuf.Duration` and `Timestamp` are refused.

use std::collections::HashMap;

use base64::prelude::{Engine, BASE64_STANDARD};
use cel::common::types::{
    CelBool, CelBytes, CelDouble, CelDuration, CelInt, CelList, CelMap, CelMapKey, CelNull,
    CelString, CelTimestamp, CelType, CelUInt, Kind,
};
use cel::common::value::Val;
use serde_json::{json, Value as Json};

use super::shared::Owned;

const DURATION: &str = "type.googleapis.com/google.protobuf.Duration";
const TIMESTAMP: &str = "type.googleapis.com/google.protobuf.Timestamp";

/// A value from its JSON form.
pub fn from_json(value: &Json) -> Result<Owned, String> {
    let Some((kind, inner)) = value.as_object().and_then(|o| o.iter().next()) else {
        return Err(format!("not a cel.expr.Value: {value}"));
    };
    let number = |inner: &Json| -> Option<String> {
        inner
            .as_str()
            .map(str::to_string)
            .or_else(|| inner.as_number().map(|n| n.to_string()))
    };
    let bad = || format!("bad {kind}: {inner}");
    Ok(match kind.as_str() {
        "nullValue" => Box::new(CelNull),
        "boolValue" => Box::new(CelBool::from(inner.as_bool().ok_or_else(bad)?)),
        "int64Value" => Box::new(CelInt::from(
            number(inner)
                .and_then(|n| n.parse::<i64>().ok())
                .ok_or_else(bad)?,
        )),
        "uint64Value" => Box::new(CelUInt::from(
            number(inner)
                .and_then(|n| n.parse::<u64>().ok())
                .ok_or_else(bad)?,
        )),
        "doubleValue" => Box::new(CelDouble::from(double_of(inner).ok_or_else(bad)?)),
        "stringValue" => Box::new(CelString::from(inner.as_str().ok_or_else(bad)?.to_string())),
        "bytesValue" => Box::new(CelBytes::from(
            BASE64_STANDARD
                .decode(inner.as_str().ok_or_else(bad)?)
                .map_err(|e| e.to_string())?,
        )),
        "listValue" => {
            let values = inner.get("values").and_then(Json::as_array);
            let items = values
                .into_iter()
                .flatten()
                .map(from_json)
                .collect::<Result<Vec<_>, _>>()?;
            Box::new(CelList::from(items))
        }
        "mapValue" => {
            let entries = inner.get("entries").and_then(Json::as_array);
            let mut map: HashMap<CelMapKey<'static>, Owned> = HashMap::new();
            for entry in entries.into_iter().flatten() {
                let key = from_json(entry.get("key").ok_or_else(bad)?)?;
                let value = from_json(entry.get("value").ok_or_else(bad)?)?;
                let key = CelMapKey::try_from(key).map_err(|_| bad())?;
                map.insert(key, value);
            }
            Box::new(CelMap::from(map))
        }
        "typeValue" => Box::new(CelType::new(inner.as_str().ok_or_else(bad)?.to_string())),
        "objectValue" => {
            let text = inner.get("value").and_then(Json::as_str).ok_or_else(bad)?;
            match inner.get("@type").and_then(Json::as_str) {
                Some(DURATION) => {
                    Box::new(CelDuration::from(parse_duration(text).ok_or_else(bad)?))
                }
                Some(TIMESTAMP) => Box::new(CelTimestamp::from(
                    chrono::DateTime::parse_from_rfc3339(text).map_err(|e| e.to_string())?,
                )),
                _ => return Err(format!("messages are not supported: {inner}")),
            }
        }
        _ => return Err(format!("unsupported value kind {kind}")),
    })
}

fn double_of(value: &Json) -> Option<f64> {
    match value {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            other => other.parse().ok(),
        },
        _ => None,
    }
}

/// `123.321456789s`, the JSON form of `google.protobuf.Duration`.
fn parse_duration(text: &str) -> Option<chrono::Duration> {
    let number = text.strip_suffix('s')?;
    let (negative, number) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number),
    };
    let (seconds, fraction) = number.split_once('.').unwrap_or((number, ""));
    let nanos: i64 = format!("{fraction:0<9}").get(..9)?.parse().ok()?;
    let total =
        chrono::Duration::seconds(seconds.parse().ok()?) + chrono::Duration::nanoseconds(nanos);
    Some(if negative { -total } else { total })
}

/// The JSON form of a value.
pub fn to_json(value: &dyn Val) -> Result<Json, String> {
    let unsupported = || format!("no cel.expr.Value form for a {}", value.get_type().name());
    Ok(match value.get_type().kind() {
        Kind::NullType => json!({ "nullValue": null }),
        Kind::Boolean => {
            json!({ "boolValue": value.downcast_ref::<CelBool>().map(|b| *b.inner()) })
        }
        Kind::Int => json!({
            "int64Value": value.downcast_ref::<CelInt>().ok_or_else(unsupported)?.inner().to_string()
        }),
        Kind::UInt => json!({
            "uint64Value": value.downcast_ref::<CelUInt>().ok_or_else(unsupported)?.inner().to_string()
        }),
        Kind::Double => {
            let d = *value
                .downcast_ref::<CelDouble>()
                .ok_or_else(unsupported)?
                .inner();
            if d.is_finite() {
                json!({ "doubleValue": d })
            } else if d.is_nan() {
                json!({ "doubleValue": "NaN" })
            } else if d > 0.0 {
                json!({ "doubleValue": "Infinity" })
            } else {
                json!({ "doubleValue": "-Infinity" })
            }
        }
        Kind::String => json!({
            "stringValue": value.downcast_ref::<CelString>().ok_or_else(unsupported)?.inner()
        }),
        Kind::Bytes => json!({
            "bytesValue": BASE64_STANDARD.encode(value.downcast_ref::<CelBytes>().ok_or_else(unsupported)?.inner())
        }),
        Kind::Duration => {
            let d = value
                .downcast_ref::<CelDuration>()
                .ok_or_else(unsupported)?
                .inner();
            let nanos = d.num_nanoseconds().ok_or_else(unsupported)?;
            let sign = if nanos < 0 { "-" } else { "" };
            let (s, n) = (
                nanos.unsigned_abs() / 1_000_000_000,
                nanos.unsigned_abs() % 1_000_000_000,
            );
            let text = format!("{sign}{s}.{n:09}");
            let text = text.trim_end_matches('0').trim_end_matches('.');
            json!({ "objectValue": { "@type": DURATION, "value": format!("{text}s") } })
        }
        Kind::Timestamp => {
            let t = value
                .downcast_ref::<CelTimestamp>()
                .ok_or_else(unsupported)?
                .inner();
            let text = t
                .with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
            json!({ "objectValue": { "@type": TIMESTAMP, "value": text } })
        }
        Kind::List => {
            let iterable = value.as_iterable().ok_or_else(unsupported)?;
            let mut values = Vec::new();
            let mut items = iterable.iter();
            while let Some(item) = items.next() {
                values.push(to_json(item)?);
            }
            json!({ "listValue": { "values": values } })
        }
        Kind::Map => {
            let iterable = value.as_iterable().ok_or_else(unsupported)?;
            let indexer = value.as_indexer().ok_or_else(unsupported)?;
            let mut entries = Vec::new();
            let mut keys = iterable.iter();
            while let Some(key) = keys.next() {
                let entry = indexer.get(key).map_err(|e| e.to_string())?;
                entries.push(json!({ "key": to_json(key)?, "value": to_json(&*entry)? }));
            }
            json!({ "mapValue": { "entries": entries } })
        }
        Kind::Type => json!({
            "typeValue": value.downcast_ref::<CelType>().ok_or_else(unsupported)?.name()
        }),
        _ => return Err(unsupported()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_their_json_form() {
        for value in [
            json!({ "int64Value": "-3" }),
            json!({ "uint64Value": "18446744073709551615" }),
            json!({ "doubleValue": "NaN" }),
            json!({ "stringValue": "é" }),
            json!({ "bytesValue": "AAE=" }),
            json!({ "listValue": { "values": [{ "boolValue": true }, { "nullValue": null }] } }),
            json!({ "typeValue": "int" }),
            json!({ "objectValue": { "@type": DURATION, "value": "-123.321456789s" } }),
            json!({ "objectValue": { "@type": TIMESTAMP, "value": "2009-02-13T23:31:30Z" } }),
        ] {
            assert_eq!(to_json(&*from_json(&value).unwrap()).unwrap(), value);
        }
    }

    #[test]
    fn messages_and_malformed_values_are_refused() {
        let message = json!({ "objectValue": { "@type": "type.googleapis.com/x.Y", "value": "" } });
        assert!(from_json(&message)
            .unwrap_err()
            .contains("messages are not supported"));
        assert!(from_json(&json!({ "int64Value": "x" })).is_err());
        assert!(from_json(&json!(3)).is_err());
    }
}
