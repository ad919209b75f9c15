//! The fast read of a reply: is it a JSON object, and what is its `status`?
//!
//! A success reply is what nearly every call gets back, and all the core
//! must know of it is its status; the bindings hand the text to their own
//! JSON parsers (`json.loads`, `JSON.parse`), which build their own objects
//! faster than they can be converted from a `serde_json::Value`. So the text
//! is read once here without building anything: keys are compared in place,
//! every other value is checked and dropped, instead of a `Value` tree built
//! and converted on every call only to be thrown away.
//!
//! The read is exactly as strict as `serde_json::from_slice::<Value>`: every
//! value goes through the same `deserialize_any` (numbers range-checked,
//! escapes and UTF-8 checked, the same depth limit, nothing after the
//! object), so a reply accepted here parses as a `Value` too. The status is
//! found as [`crate::response`] looks it up in a parsed object: the key
//! `status` (its last value when repeated), else the first key spelled
//! `status` in another case (`Status` of older endpoints).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The status of a reply that is a JSON object: `Some` when the status
/// field is a string. `None` when the text is not a JSON object that
/// `serde_json` would parse.
pub(crate) fn status_of(body: &[u8]) -> Option<Option<String>> {
    serde_json::from_slice::<Peeked>(body).ok().map(|p| p.0)
}

/// [`status_of`] the slow way, by a full parse and the lookup
/// `crate::response` makes in a parsed reply: the reference the peek must
/// agree with (its tests, and the reply fuzz target).
pub(crate) fn by_full_parse(body: &[u8]) -> Option<Option<String>> {
    let object = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(object)) => object,
        _ => return None,
    };
    Some(
        crate::text::field(&object, "status")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string),
    )
}

/// The status string of an object (`None`: no such field, or not a string).
struct Peeked(Option<String>);

impl<'de> de::Deserialize<'de> for Peeked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ObjectVisitor)
    }
}

struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Peeked;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Peeked, A::Error> {
        // The last value of the key `status`, and the first key spelled
        // `status` in another case with its last value.
        let mut exact: Option<Option<String>> = None;
        let mut other_case: Option<(String, Option<String>)> = None;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key {
                Key::Exact => exact = Some(map.next_value_seed(StatusSeed)?),
                Key::OtherCase(spelling) => {
                    let value = map.next_value_seed(StatusSeed)?;
                    match &mut other_case {
                        None => other_case = Some((spelling, value)),
                        Some((first, last)) if *first == spelling => *last = value,
                        Some(_) => {}
                    }
                }
                Key::Other => map.next_value_seed(Checked)?,
            }
        }
        Ok(Peeked(match exact {
            Some(value) => value,
            None => other_case.and_then(|(_, value)| value),
        }))
    }
}

enum Key {
    Exact,
    OtherCase(String),
    Other,
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(if key == "status" {
            Key::Exact
        } else if key.eq_ignore_ascii_case("status") {
            Key::OtherCase(key.to_string())
        } else {
            Key::Other
        })
    }
}

/// A status value: the string, or `None` for any other (checked) value.
struct StatusSeed;

impl<'de> DeserializeSeed<'de> for StatusSeed {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StatusSeed {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Some(value.to_string()))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Checked.visit_seq(seq).map(|()| None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Checked.visit_map(map).map(|()| None)
    }
}

/// Any JSON value, checked as `Value` would check it and dropped.
struct Checked;

impl<'de> DeserializeSeed<'de> for Checked {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Checked)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Checked)?.is_some() {
            map.next_value_seed(Checked)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{by_full_parse, status_of};

    #[test]
    fn the_peek_agrees_with_a_full_parse_on_every_edge() {
        let cases: &[&[u8]] = &[
            br#"{"status":"success","customer":{"customer_id":191690263}}"#,
            br#"  {"status" : "Success"}  "#,
            br#"{"Status":"success","Message":"ok"}"#,
            br#"{"STATUS":"success","Status":"failed"}"#,
            br#"{"Status":"failed","STATUS":"success"}"#,
            br#"{"Status":"failed","Status":"success"}"#,
            br#"{"status":"failed","status":"success"}"#,
            br#"{"status":"success","status":"failed"}"#,
            br#"{"Status":"success","status":"failed"}"#,
            br#"{"status":1}"#,
            br#"{"status":null,"Status":"success"}"#,
            br#"{"status":{"status":"success"}}"#,
            br#"{"status":["success"]}"#,
            br#"{"stat\u0075s":"success"}"#,
            br#"{"status":"succ\u0065ss"}"#,
            br#"{"status":"success","big":1e400}"#,
            br#"{"status":"success","n":-0.0,"m":18446744073709551616,"o":-9223372036854775809}"#,
            br#"{"status":"success","s":"\ud800"}"#,
            br#"{"status":"success","s":"\ud83d\ude00"}"#,
            b"{\"status\":\"success\",\"s\":\"\xff\"}",
            br#"{"status":"success"} x"#,
            br#"{"status":"success"}{}"#,
            br#"{"status":"success",}"#,
            br#"{"status":"success""#,
            br#"["status","success"]"#,
            br#""success""#,
            b"",
            b"null",
            br#"{}"#,
            br#"{"s":{"a":[1,2,{"b":null}],"c":true}}"#,
            b"<html>502 Bad Gateway</html>",
            br#"{"status":"success","s":"tab	inside"}"#,
        ];
        for body in cases {
            assert_eq!(
                status_of(body),
                by_full_parse(body),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        // Nesting: the same depth limit as a full parse.
        for depth in [100, 127, 128, 129, 200] {
            let body = format!(
                r#"{{"status":"success","d":{}{}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            );
            assert_eq!(
                status_of(body.as_bytes()),
                by_full_parse(body.as_bytes()),
                "depth {depth}"
            );
        }
    }
}
