//! Field paths into an event's JSON.
//!
//! Senders write the same field either flat (`"process.command_line": "x"`, NXLog style) or
//! nested (`{"process": {"command_line": "x"}}`, ECS documents from Beats). A path is looked
//! up as an exact key first, then by splitting at each `.` and descending into objects, so
//! both shapes (and mixes of them) are addressed by one dotted name.

use serde_json::{Map, Value};

/// The value at `path`, or `None` when no key matches.
pub fn lookup<'a>(fields: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(value) = fields.get(path) {
        return Some(value);
    }
    // Try every split point, leftmost first: "a.b.c" tries key "a" then "a.b".
    for (index, _) in path.match_indices('.') {
        let (head, rest) = (&path[..index], &path[index + 1..]);
        if let Some(Value::Object(inner)) = fields.get(head)
            && let Some(found) = lookup(inner, rest)
        {
            return Some(found);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn flat_nested_and_mixed() {
        let fields = map(json!({
            "Image": "C:\\Windows\\cmd.exe",
            "process": {"command_line": "whoami", "parent": {"name": "explorer.exe"}},
            "winlog.event_id": 4688,
            "a": {"b.c": 1}
        }));
        assert_eq!(lookup(&fields, "Image").unwrap(), "C:\\Windows\\cmd.exe");
        assert_eq!(lookup(&fields, "process.command_line").unwrap(), "whoami");
        assert_eq!(
            lookup(&fields, "process.parent.name").unwrap(),
            "explorer.exe"
        );
        assert_eq!(lookup(&fields, "winlog.event_id").unwrap(), 4688);
        assert_eq!(lookup(&fields, "a.b.c").unwrap(), 1);
        assert!(lookup(&fields, "process.missing").is_none());
        assert!(lookup(&fields, "Image.x").is_none());
    }
}
