//! The time an event happened, read from its own fields, kept apart from its arrival time.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde_json::{Map, Value};

/// Fields that carry the time of an event, in the order they are tried: ECS `@timestamp`,
/// a plain `timestamp`, the Windows `SystemTime` of an exported record, and Sysmon's
/// `UtcTime`.
pub(crate) const TIME_FIELDS: [&str; 4] = ["@timestamp", "timestamp", "SystemTime", "UtcTime"];

/// The event's own time, if one of [`TIME_FIELDS`] holds a time: an RFC 3339 string with
/// its offset, a civil `YYYY-MM-DD HH:MM:SS[.fff]` (taken as UTC, as Windows writes it) or a
/// number of milliseconds since the epoch. `None` otherwise; the event is kept either way.
pub fn event_time(fields: &Map<String, Value>) -> Option<Timestamp> {
    TIME_FIELDS
        .iter()
        .find_map(|name| fields.get(*name).and_then(parse_time))
}

/// Parses one time value (see [`event_time`]).
pub fn parse_time(value: &Value) -> Option<Timestamp> {
    match value {
        Value::String(text) => parse_time_text(text),
        Value::Number(n) => Timestamp::from_millisecond(n.as_i64()?).ok(),
        _ => None,
    }
}

/// Parses a time written as text (see [`event_time`]).
pub(crate) fn parse_time_text(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(at) = text.parse::<Timestamp>() {
        return Some(at);
    }
    let civil: DateTime = text.parse().ok()?;
    civil.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn times_with_zone_civil_utc_and_millis() {
        let cases = [
            (
                json!({"@timestamp": "2026-11-25T10:00:00+01:00"}),
                Some("2026-11-25T09:00:00Z"),
            ),
            (
                json!({"timestamp": "2026-11-25T09:00:00.5Z"}),
                Some("2026-11-25T09:00:00.5Z"),
            ),
            (
                json!({"UtcTime": "2025-12-11 06:17:19.636"}),
                Some("2025-12-11T06:17:19.636Z"),
            ),
            (
                json!({"@timestamp": 1_764_000_000_000_i64}),
                Some("2025-11-24T16:00:00Z"),
            ),
            (json!({"@timestamp": "yesterday"}), None),
            (json!({"other": "2026-11-25T09:00:00Z"}), None),
        ];
        for (value, expected) in cases {
            let expected = expected.map(|s| s.parse::<Timestamp>().unwrap());
            assert_eq!(event_time(&fields(value.clone())), expected, "{value}");
        }
    }
}
