//! Reading untyped JSON the way the earlier gates did: a missing key, `null`, `false`, `0`,
//! `""`, `[]` and `{}` all count as "not given"; a value of the wrong type never panics.

use serde_json::{Map, Value as Json};

/// Whether a value counts as given (non-empty, non-zero, not false or null).
pub fn truthy(value: Option<&Json>) -> bool {
    match value {
        None | Some(Json::Null) => false,
        Some(Json::Bool(b)) => *b,
        Some(Json::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Json::String(s)) => !s.is_empty(),
        Some(Json::Array(a)) => !a.is_empty(),
        Some(Json::Object(o)) => !o.is_empty(),
    }
}

/// The object under `key`, or an empty one when absent or not an object.
pub fn object<'a>(parent: &'a Json, key: &str) -> &'a Map<String, Json> {
    static EMPTY: std::sync::OnceLock<Map<String, Json>> = std::sync::OnceLock::new();
    parent
        .get(key)
        .and_then(Json::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

/// The object under `key` as a value (`null` when absent or not an object), for reading
/// nested keys with the functions here.
pub fn section<'a>(parent: &'a Json, key: &str) -> &'a Json {
    parent
        .get(key)
        .filter(|v| v.is_object())
        .unwrap_or(&Json::Null)
}

/// The strings of the array under `key` (other elements and other types ignored).
pub fn strings(parent: &Json, key: &str) -> Vec<String> {
    parent
        .get(key)
        .and_then(Json::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Json::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The string under `key`, if it is a non-empty string.
pub fn text<'a>(parent: &'a Json, key: &str) -> Option<&'a str> {
    parent
        .get(key)
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
}

/// The number under `key`, if it is one.
pub fn number(parent: &Json, key: &str) -> Option<f64> {
    parent.get(key).and_then(Json::as_f64)
}

/// A value as it reads in a message: strings bare, everything else as JSON.
pub fn shown(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}
