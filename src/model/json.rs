//! Tolerant accessors over JSON trees: `serde_json::Value`, and [`Node`], the borrowed tree
//! the mappers read records into.
//!
//! The same record reaches picket in several casings (the GuardDuty API and its S3 export use
//! camelCase, `aws … get-findings` prints PascalCase), with numbers sometimes quoted and times
//! either RFC 3339 or epoch milliseconds. These helpers absorb that so the mappers read one way.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use jiff::Timestamp;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// What the accessors need of a JSON tree: `serde_json::Value`, or [`Node`] on the hot path.
pub trait Json: Sized {
    fn is_null(&self) -> bool;
    fn as_str(&self) -> Option<&str>;
    fn as_bool(&self) -> Option<bool>;
    fn as_number(&self) -> Option<f64>;
    fn as_integer(&self) -> Option<i64>;
    fn as_slice(&self) -> Option<&[Self]>;
    /// The field `key` exactly as written.
    fn field(&self, key: &str) -> Option<&Self>;
    /// Every field of an object (none for anything else).
    fn fields(&self) -> Box<dyn Iterator<Item = (&str, &Self)> + '_>;
}

impl Json for Value {
    fn is_null(&self) -> bool {
        Value::is_null(self)
    }
    fn as_str(&self) -> Option<&str> {
        Value::as_str(self)
    }
    fn as_bool(&self) -> Option<bool> {
        Value::as_bool(self)
    }
    fn as_number(&self) -> Option<f64> {
        Value::as_f64(self)
    }
    fn as_integer(&self) -> Option<i64> {
        Value::as_i64(self)
    }
    fn as_slice(&self) -> Option<&[Value]> {
        self.as_array().map(Vec::as_slice)
    }
    fn field(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }
    fn fields(&self) -> Box<dyn Iterator<Item = (&str, &Value)> + '_> {
        match self.as_object() {
            Some(object) => Box::new(object.iter().map(|(k, v)| (k.as_str(), v))),
            None => Box::new(std::iter::empty()),
        }
    }
}

/// A JSON document read for mapping: strings borrowed from the text where they carry no
/// escapes, objects as short lists of fields. A finding's objects have a handful of keys each,
/// read once or twice: scanning them beats hashing every key as `serde_json::Value` does, and
/// borrowing saves most allocations. This is what makes mapping run at hundreds of MB/s.
#[derive(Clone, Debug, PartialEq)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    Integer(i64),
    Float(f64),
    String(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl<'a> Node<'a> {
    /// Parses `text`; the node borrows from it.
    pub fn parse(text: &'a str) -> Result<Node<'a>, serde_json::Error> {
        serde_json::from_str(text)
    }
}

impl Json for Node<'_> {
    fn is_null(&self) -> bool {
        matches!(self, Node::Null)
    }
    fn as_str(&self) -> Option<&str> {
        match self {
            Node::String(s) => Some(s),
            _ => None,
        }
    }
    fn as_bool(&self) -> Option<bool> {
        match self {
            Node::Bool(b) => Some(*b),
            _ => None,
        }
    }
    fn as_number(&self) -> Option<f64> {
        match self {
            Node::Integer(i) => Some(*i as f64),
            Node::Float(f) => Some(*f),
            _ => None,
        }
    }
    fn as_integer(&self) -> Option<i64> {
        match self {
            Node::Integer(i) => Some(*i),
            _ => None,
        }
    }
    fn as_slice(&self) -> Option<&[Self]> {
        match self {
            Node::Array(items) => Some(items),
            _ => None,
        }
    }
    fn field(&self, key: &str) -> Option<&Self> {
        match self {
            // The last of repeated keys wins, as in serde_json.
            Node::Object(fields) => fields.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn fields(&self) -> Box<dyn Iterator<Item = (&str, &Self)> + '_> {
        match self {
            Node::Object(fields) => Box::new(fields.iter().map(|(k, v)| (k.as_ref(), v))),
            _ => Box::new(std::iter::empty()),
        }
    }
}

struct NodeVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for NodeVisitor<'a> {
    type Value = Node<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Node<'a>, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node<'a>, E> {
        Ok(Node::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node<'a>, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node<'a>, E> {
        Ok(Node::Integer(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node<'a>, E> {
        Ok(i64::try_from(v).map_or(Node::Float(v as f64), Node::Integer))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node<'a>, E> {
        Ok(Node::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Node<'a>, E> {
        Ok(Node::String(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node<'a>, E> {
        Ok(Node::String(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Node<'a>, E> {
        Ok(Node::String(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'a>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'a>, A::Error> {
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        while let Some(Key(key)) = map.next_key()? {
            fields.push((key, map.next_value()?));
        }
        Ok(Node::Object(fields))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Node<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node<'a>, D::Error> {
        deserializer.deserialize_any(NodeVisitor(PhantomData))
    }
}

/// An object key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key<'a>, D::Error> {
        struct KeyVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for KeyVisitor<'a> {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor(PhantomData))
    }
}

/// Field `key` of an object: the exact key first, then a case-insensitive match.
pub fn get<'a, J: Json>(value: &'a J, key: &str) -> Option<&'a J> {
    if let Some(found) = value.field(key) {
        return (!found.is_null()).then_some(found);
    }
    value
        .fields()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

/// Follows a path of keys.
pub fn path<'a, J: Json>(value: &'a J, keys: &[&str]) -> Option<&'a J> {
    keys.iter().try_fold(value, |v, k| get(v, k))
}

pub fn get_str<'a, J: Json>(value: &'a J, key: &str) -> Option<&'a str> {
    get(value, key)?.as_str()
}

pub fn path_str<'a, J: Json>(value: &'a J, keys: &[&str]) -> Option<&'a str> {
    path(value, keys)?.as_str()
}

pub fn get_bool<J: Json>(value: &J, key: &str) -> Option<bool> {
    let found = get(value, key)?;
    found
        .as_bool()
        .or_else(|| found.as_str().and_then(|s| s.parse().ok()))
}

/// A number, also when quoted (`"8.0"`).
pub fn as_f64<J: Json>(value: &J) -> Option<f64> {
    value
        .as_number()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

pub fn get_f64<J: Json>(value: &J, key: &str) -> Option<f64> {
    as_f64(get(value, key)?)
}

pub fn get_u64<J: Json>(value: &J, key: &str) -> Option<u64> {
    let v = get_f64(value, key)?;
    (v.is_finite() && v >= 0.0).then_some(v as u64)
}

pub fn get_array<'a, J: Json>(value: &'a J, key: &str) -> &'a [J] {
    get(value, key).and_then(J::as_slice).unwrap_or(&[])
}

/// An RFC 3339 string (`2026-01-15T09:12:03.123Z`) or epoch milliseconds.
pub fn as_time<J: Json>(value: &J) -> Option<Timestamp> {
    if let Some(s) = value.as_str() {
        return s
            .trim()
            .parse::<Timestamp>()
            .ok()
            .or_else(|| parse_loose(s));
    }
    value
        .as_integer()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
}

pub fn get_time<J: Json>(value: &J, key: &str) -> Option<Timestamp> {
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
    fn nodes_borrow_their_strings_and_read_like_values() {
        let text = r#"{"AccountId":"1","Service":{"Count":"3","n":2,"f":1.5,"ok":true},"Esc":"a\nb","Tags":[{"k":"v"}],"dup":1,"dup":2}"#;
        let node = Node::parse(text).expect("parses");
        assert!(matches!(
            get(&node, "accountId"),
            Some(Node::String(Cow::Borrowed("1")))
        ));
        assert_eq!(get_str(&node, "esc"), Some("a\nb"));
        assert_eq!(
            path(&node, &["service", "count"]).and_then(as_f64),
            Some(3.0)
        );
        assert_eq!(path(&node, &["service", "n"]).and_then(as_f64), Some(2.0));
        assert_eq!(path(&node, &["service", "f"]).and_then(as_f64), Some(1.5));
        assert_eq!(
            path(&node, &["service", "ok"]).and_then(Json::as_bool),
            Some(true)
        );
        assert_eq!(get_array(&node, "tags").len(), 1);
        assert_eq!(get_u64(&node, "dup"), Some(2), "the last repeated key wins");
        let value: Value = serde_json::from_str(text).expect("parses");
        assert_eq!(get_str(&value, "esc"), get_str(&node, "esc"));
        assert!(Node::parse("{").is_err());
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
