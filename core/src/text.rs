//! Small text helpers every other module may use (a leaf: it uses no
//! module of the crate): how a value is quoted or described in a message,
//! and a key looked up the way the vendor spells it.

use serde_json::{Map, Value};

/// A key looked up the way the vendor spells it, in any case.
pub(crate) fn field<'a>(body: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    body.get(key).or_else(|| {
        body.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// How a value reads in an error message: `the string "yes"`, `the number 3`.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", quote(s)),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// A value quoted for a message, cut at 60 characters.
pub(crate) fn quote(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        format!("{s:?}")
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut:?}...")
    }
}
