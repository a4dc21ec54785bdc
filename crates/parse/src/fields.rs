//! Reading and writing the fields of an event being parsed.
//!
//! Parsers only add: a field the event already has is never overwritten (the sender's own
//! JSON and the syslog header stay as they came), so the original is always kept.

use serde_json::{Map, Value};

/// The string at `path` (flat or nested dotted, see [`lookup`]).
pub(crate) fn text<'a>(fields: &'a Map<String, Value>, path: &str) -> Option<&'a str> {
    lookup(fields, path).and_then(Value::as_str)
}

/// The value at `path`: an exact key first, then nested objects split at each `.`.
pub(crate) use vigie_event::field::lookup;

/// Sets `path` (dotted: nested objects, ECS style) to `value` unless something is already
/// there; returns whether it was set. A non-object on the way blocks the write.
pub(crate) fn put(fields: &mut Map<String, Value>, path: &str, value: impl Into<Value>) -> bool {
    let mut parts = path.split('.').peekable();
    let mut map = fields;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            if map.contains_key(part) {
                return false;
            }
            map.insert(part.to_owned(), value.into());
            return true;
        }
        let entry = map
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        match entry {
            Value::Object(inner) => map = inner,
            _ => return false,
        }
    }
    false
}

/// Sets `path` to a string unless it is empty or `-` (how many formats write "none").
pub(crate) fn put_text(fields: &mut Map<String, Value>, path: &str, value: &str) -> bool {
    if value.is_empty() || value == "-" {
        return false;
    }
    put(fields, path, value)
}

/// Sets `path` to the number `value` holds, or to the text when it is not a number.
pub(crate) fn put_number(fields: &mut Map<String, Value>, path: &str, value: &str) -> bool {
    if value.is_empty() || value == "-" {
        return false;
    }
    match value.parse::<i64>() {
        Ok(n) => put(fields, path, n),
        Err(_) => match value.parse::<f64>() {
            Ok(x) if x.is_finite() => put(fields, path, x),
            _ => put(fields, path, value),
        },
    }
}

/// Appends `tag` to the `tags` array (made when absent; left alone when not an array).
pub(crate) fn add_tag(fields: &mut Map<String, Value>, tag: &str) {
    match fields
        .entry("tags")
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        Value::Array(tags) if !tags.iter().any(|t| t == tag) => tags.push(tag.into()),
        _ => {}
    }
}

/// A value for an error message: its JSON, cut to 80 characters.
pub(crate) fn shown_value(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        let mut cut: String = text.chars().take(80).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}

/// The string, number or boolean at `path` (`None` for an empty string, `-`, or anything
/// else).
pub(crate) fn scalar(f: &Map<String, Value>, path: &str) -> Option<Value> {
    match lookup(f, path)? {
        Value::String(s) if s.is_empty() || s == "-" => None,
        v @ (Value::String(_) | Value::Number(_) | Value::Bool(_)) => Some(v.clone()),
        _ => None,
    }
}

/// Copies the scalar at `from` to `to` (see [`put`]).
pub(crate) fn copy(f: &mut Map<String, Value>, from: &str, to: &str) {
    if let Some(v) = scalar(f, from) {
        put(f, to, v);
    }
}

/// Copies a number, reading a numeric string as a number.
pub(crate) fn copy_number(f: &mut Map<String, Value>, from: &str, to: &str) {
    match scalar(f, from) {
        Some(Value::String(s)) => {
            put_number(f, to, &s);
        }
        Some(v @ Value::Number(_)) => {
            put(f, to, v);
        }
        _ => {}
    }
}

/// A count at `path`: a JSON integer or a string of digits.
pub(crate) fn count(f: &Map<String, Value>, path: &str) -> Option<u64> {
    match lookup(f, path)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Sets `to` to the count, when there is one.
pub(crate) fn put_count(f: &mut Map<String, Value>, to: &str, n: Option<u64>) {
    if let Some(n) = n {
        put(f, to, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn put_nests_and_never_overwrites() {
        let mut f = Map::new();
        assert!(put(&mut f, "source.ip", "192.0.2.1"));
        assert!(put(&mut f, "source.port", 22));
        assert!(!put(&mut f, "source.ip", "x"));
        f.insert("message".into(), json!("m"));
        assert!(!put(&mut f, "message.x", 1));
        assert_eq!(
            Value::Object(f.clone()),
            json!({"source": {"ip": "192.0.2.1", "port": 22}, "message": "m"})
        );
        assert!(put_number(&mut f, "a.n", "42"));
        assert!(put_number(&mut f, "a.x", "1.5"));
        assert!(put_number(&mut f, "a.t", "0x1f"));
        assert!(!put_text(&mut f, "a.d", "-"));
        assert_eq!(f["a"], json!({"n": 42, "x": 1.5, "t": "0x1f"}));
        assert_eq!(text(&f, "source.ip"), Some("192.0.2.1"));
        add_tag(&mut f, "parse_error");
        add_tag(&mut f, "parse_error");
        assert_eq!(f["tags"], json!(["parse_error"]));
    }
}
