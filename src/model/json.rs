//! Tolerant accessors over `serde_json::Value`.
//!
//! The same record reaches picket in several casings (the GuardDuty API and its S3 export use
//! camelCase, `aws … get-findings` prints PascalCase), with numbers sometimes quoted and times
//! either RFC 3339 or epoch milliseconds. These helpers absorb that so the mappers read one way.

use jiff::Timestamp;
use serde_json::Value;

/// Field `key` of an object: the exact key first, then a case-insensitive match.
pub fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    if let Some(found) = object.get(key) {
        return (!found.is_null()).then_some(found);
    }
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

/// Follows a path of keys.
pub fn path<'a>(value: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(value, |v, k| get(v, k))
}

pub fn get_str<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    get(value, key)?.as_str()
}

pub fn path_str<'a>(value: &'a Value, keys: &[&str]) -> Option<&'a str> {
    path(value, keys)?.as_str()
}

pub fn get_bool(value: &Value, key: &str) -> Option<bool> {
    match get(value, key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A number, also when quoted (`"8.0"`).
pub fn as_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub fn get_f64(value: &Value, key: &str) -> Option<f64> {
    as_f64(get(value, key)?)
}

pub fn get_u64(value: &Value, key: &str) -> Option<u64> {
    let v = get_f64(value, key)?;
    (v.is_finite() && v >= 0.0).then_some(v as u64)
}

pub fn get_array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    get(value, key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// An RFC 3339 string (`2026-01-15T09:12:03.123Z`) or epoch milliseconds.
pub fn as_time(value: &Value) -> Option<Timestamp> {
    match value {
        Value::String(s) => s
            .trim()
            .parse::<Timestamp>()
            .ok()
            .or_else(|| parse_loose(s)),
        Value::Number(n) => n
            .as_i64()
            .and_then(|ms| Timestamp::from_millisecond(ms).ok()),
        _ => None,
    }
}

pub fn get_time(value: &Value, key: &str) -> Option<Timestamp> {
    as_time(get(value, key)?)
}

/// Times without an offset (`2026-01-15 09:12:03`) are read as UTC.
fn parse_loose(s: &str) -> Option<Timestamp> {
    let civil: jiff::civil::DateTime = s.trim().trim_end_matches('Z').parse().ok()?;
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_match_in_any_case() {
        let v = json!({"AccountId": "1", "service": {"Count": "3"}});
        assert_eq!(get_str(&v, "accountId"), Some("1"));
        assert_eq!(path(&v, &["Service", "count"]).and_then(as_f64), Some(3.0));
        assert_eq!(get_u64(&v["service"], "count"), Some(3));
    }

    #[test]
    fn times_in_three_forms() {
        let expect: Timestamp = "2026-01-15T09:12:03Z".parse().expect("valid");
        assert_eq!(as_time(&json!("2026-01-15T09:12:03Z")), Some(expect));
        assert_eq!(as_time(&json!("2026-01-15T09:12:03")), Some(expect));
        assert_eq!(as_time(&json!(expect.as_millisecond())), Some(expect));
        assert_eq!(as_time(&json!("yesterday")), None);
    }
}

/// The items of the array under `key` of a JSON object, each as its own text (no re-parse of
/// the whole body into values). None when the text is not such an object.
pub fn array_items<'a>(body: &'a str, key: &str) -> Option<Vec<&'a str>> {
    use serde_json::value::RawValue;
    let fields: std::collections::HashMap<std::borrow::Cow<'a, str>, &'a RawValue> =
        serde_json::from_str(body).ok()?;
    let Some(items) = fields.get(key) else {
        return Some(Vec::new());
    };
    let items: Vec<&'a RawValue> = serde_json::from_str(items.get()).ok()?;
    Some(items.into_iter().map(RawValue::get).collect())
}

#[cfg(test)]
mod array_tests {
    #[test]
    fn array_items_are_the_records_as_delivered() {
        let body = r#"{"Findings":[{"Id":"a","T":"\u00e9"},{"Id":"b"}],"NextToken":"x"}"#;
        assert_eq!(
            super::array_items(body, "Findings"),
            Some(vec![r#"{"Id":"a","T":"\u00e9"}"#, r#"{"Id":"b"}"#])
        );
        assert_eq!(super::array_items(body, "findings"), Some(vec![]));
        assert_eq!(super::array_items("[1]", "Findings"), None);
        assert_eq!(super::array_items(r#"{"Findings":3}"#, "Findings"), None);
    }
}
