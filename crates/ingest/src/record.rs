//! Events written straight from the sender's JSON line to their log-record form.
//!
//! The general path parses a line into a [`serde_json::Map`], builds an [`Event`] and
//! serialises it again for the log. For `_bulk`, where every request carries hundreds of
//! documents, that costs an allocation per field and a second pass over every byte. Here a
//! line is checked by the same parser without building anything ([`scan_object`]: it still
//! reads every number and string, so it refuses exactly what the general path refuses), the
//! event's own time is read on the way, and the record is written as vigie's metadata
//! followed by the line itself as `fields` ([`record`]). [`Event::from_record`] reads it as
//! the event the general path would have written (tested below, byte for byte when the
//! line is already in serde_json's compact, sorted form).
//!
//! [`Event`]: vigie_event::Event
//! [`Event::from_record`]: vigie_event::Event::from_record

use std::fmt;

use bytes::Bytes;
use jiff::Timestamp;
use serde::Deserializer;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use vigie_event::{EventId, TenantId};
use vigie_parse::SourceType;

use crate::LineRejection;
use crate::time::{TIME_FIELDS, parse_time_text};

/// An event already in its log-record form.
#[derive(Clone, Debug)]
pub struct Encoded {
    /// Its id (also inside the record).
    pub id: EventId,
    /// The record [`vigie_event::Event::from_record`] reads.
    pub record: Bytes,
}

/// Encoded events and the lines that were not accepted.
#[derive(Debug, Default)]
pub struct EncodedBatch {
    /// The events, in body order.
    pub events: Vec<Encoded>,
    /// Every bad line.
    pub rejected: Vec<LineRejection>,
}

impl EncodedBatch {
    /// Lines that held something.
    pub fn received(&self) -> usize {
        self.events.len() + self.rejected.len()
    }
}

/// Checks that `raw` is one JSON object (the general path's rules and reasons:
/// `line_too_long`, `invalid_utf8`, `invalid_json`, `not_an_object`) and returns the
/// event's own time read from its top-level time fields, as
/// [`crate::time::event_time`] would.
pub fn scan_object(
    raw: &[u8],
    max_line_bytes: usize,
) -> Result<Option<Timestamp>, (&'static str, String)> {
    if raw.len() > max_line_bytes {
        return Err((
            "line_too_long",
            format!("line is {} bytes, the limit is {max_line_bytes}", raw.len()),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(raw);
    let outcome = deserializer
        .deserialize_any(TopVisitor)
        .and_then(|outcome| deserializer.end().map(|()| outcome));
    match outcome {
        Ok(Top::Object(_, depth)) if depth > crate::ndjson::MAX_LINE_DEPTH => {
            Err(crate::ndjson::too_deep(depth))
        }
        Ok(Top::Object(times, _)) => Ok(times.into_iter().flatten().next()),
        Ok(Top::Other(kind)) => Err((
            "not_an_object",
            format!("expected a JSON object, found {kind}"),
        )),
        Err(error) => Err((
            if std::str::from_utf8(raw).is_err() {
                "invalid_utf8"
            } else {
                "invalid_json"
            },
            error.to_string(),
        )),
    }
}

/// vigie's metadata of one event, in [`vigie_event::Event`]'s record layout (same fields,
/// same order), written before its fields.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Head<'a> {
    /// The event's id.
    pub id: EventId,
    /// Its tenant (from the credential, never the body).
    pub tenant: TenantId,
    /// Arrival time.
    pub received_at: Timestamp,
    /// The event's own time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    /// The intake (`http`, `bulk`, `syslog`, `import`).
    pub source: &'a str,
    /// The sender's dataset label (a `_bulk` index).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset: Option<&'a str>,
    /// The source type (checked by `vigie-parse`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_type: Option<&'a str>,
}

/// The log record of an event whose fields are the JSON object `raw` (checked with
/// [`scan_object`]): `head` in [`vigie_event::Event`]'s layout, then `raw` as its `fields`,
/// not serialised again.
pub fn record(head: &Head<'_>, raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + 160);
    // Serialising ids, numbers, times and strings into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut out, head);
    out.pop(); // the closing brace
    out.extend_from_slice(b",\"fields\":");
    out.extend_from_slice(raw.trim_ascii());
    out.push(b'}');
    out
}

/// The log record of an event whose fields are the JSON object `raw` (checked with
/// [`scan_object`]), read first by the parser of its source type: `declared` (named where it
/// entered), else what its content says (`vigie_parse::normalize`). An event that no parser
/// reads, by far the most common case for Windows events, is written as [`record`] writes
/// it, without decoding (a one-pass look for the parsers' markers decides); one with a
/// source type gets it in the record and as `event.dataset`, and, when a parser read it,
/// the parser's fields and its own time when it had none.
pub fn parsed_record(head: Head<'_>, declared: Option<&SourceType>, raw: &[u8]) -> Vec<u8> {
    if declared.is_none() && !vigie_parse::json_worth_a_look(raw) {
        return match vigie_parse::raw_windows_type(raw) {
            Some(windows) => windows_record(head, &windows, raw),
            None => record(&head, raw),
        };
    }
    let Ok(mut fields) = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(raw)
    else {
        return record(&head, raw);
    };
    let outcome = vigie_parse::normalize(declared, &mut fields);
    let Some(source_type) = &outcome.source_type else {
        return record(&head, raw);
    };
    let typed = Head {
        source_type: Some(source_type.as_str()),
        timestamp: head.timestamp.or(outcome.timestamp),
        ..head
    };
    // A map of JSON values serialises.
    let fields = serde_json::to_vec(&fields).unwrap_or_default();
    record(&typed, &fields)
}

/// The record of a Windows event no parser reads, with its source type (from its channel):
/// in the head, and as `event.dataset` added to the raw object without decoding it, unless
/// the sender wrote a `dataset` of its own (what [`vigie_parse::normalize`] does on the
/// decoded event, the key flat instead of nested: a lookup finds either).
fn windows_record(head: Head<'_>, windows: &SourceType, raw: &[u8]) -> Vec<u8> {
    let typed = Head {
        source_type: Some(windows.as_str()),
        ..head
    };
    let object = raw.trim_ascii();
    match object.strip_suffix(b"}") {
        Some(open) if !names_dataset(object) => {
            let open = open.trim_ascii_end();
            let mut fields = Vec::with_capacity(object.len() + 48);
            fields.extend_from_slice(open);
            if open != b"{" {
                fields.push(b',');
            }
            fields.extend_from_slice(b"\"event.dataset\":\"");
            // A source type is lowercase letters, digits, `_` and `.`: nothing to escape.
            fields.extend_from_slice(windows.as_str().as_bytes());
            fields.extend_from_slice(b"\"}");
            record(&typed, &fields)
        }
        _ => record(&typed, object),
    }
}

/// Whether the raw object names a `dataset` key (`"dataset"` or `"event.dataset"`) anywhere.
fn names_dataset(raw: &[u8]) -> bool {
    memchr::memmem::find(raw, b"dataset\"").is_some()
}

/// An event read by the parser of `declared` or, when `None`, of the source type its content
/// shows (what [`parsed_record`] does to a raw line, for events already decoded: file
/// import).
pub fn parse_event(
    mut event: vigie_event::Event,
    declared: Option<&SourceType>,
) -> vigie_event::Event {
    let outcome = vigie_parse::normalize(declared, &mut event.fields);
    // Only a parser that ran gives a time.
    event.timestamp = event.timestamp.or(outcome.timestamp);
    event.source_type = outcome.source_type.map(|t| t.to_string());
    event
}

/// The top level of a line: an object with its time fields (by [`TIME_FIELDS`] order) and
/// how deep it nests, or what else it was.
enum Top {
    Object([Option<Timestamp>; TIME_FIELDS.len()], usize),
    Other(&'static str),
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Top;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let mut times = [None; TIME_FIELDS.len()];
        let mut deepest = 1;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let depth = match key {
                // The last of duplicate keys wins, as in a parsed map.
                Some(slot) => {
                    let (time, depth) = map.next_value_seed(TimeSeed)?;
                    times[slot] = time;
                    depth
                }
                None => map.next_value_seed(Skip(1))?,
            };
            deepest = deepest.max(depth);
        }
        Ok(Top::Object(times, deepest))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Top, A::Error> {
        Skip(0).visit_seq(seq)?;
        Ok(Top::Other("an array"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Top, E> {
        Ok(Top::Other("a string"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Top, E> {
        Ok(Top::Other("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Top, E> {
        Ok(Top::Other("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Top, E> {
        Ok(Top::Other("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Top, E> {
        Ok(Top::Other("a number"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Top, E> {
        Ok(Top::Other("null"))
    }
}

/// A key: which of [`TIME_FIELDS`] it is, if any.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(TIME_FIELDS.iter().position(|name| *name == key))
    }
}

/// The value of a time field: a time when it holds one ([`crate::time::parse_time`]'s
/// rules), else nothing; the value is read whole either way, and says how deep it nests
/// (counting the line's object).
struct TimeSeed;

impl<'de> DeserializeSeed<'de> for TimeSeed {
    type Value = (Option<Timestamp>, usize);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TimeSeed {
    type Value = (Option<Timestamp>, usize);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a time")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok((parse_time_text(text), 1))
    }

    fn visit_i64<E: de::Error>(self, millis: i64) -> Result<Self::Value, E> {
        Ok((Timestamp::from_millisecond(millis).ok(), 1))
    }

    fn visit_u64<E: de::Error>(self, millis: u64) -> Result<Self::Value, E> {
        let time = i64::try_from(millis)
            .ok()
            .and_then(|m| Timestamp::from_millisecond(m).ok());
        Ok((time, 1))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok((None, 1))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok((None, 1))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((None, 1))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Skip(1).visit_seq(seq).map(|depth| (None, depth))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Skip(1).visit_map(map).map(|depth| (None, depth))
    }
}

/// Any JSON value, read whole (numbers and strings checked as a parsed value would be)
/// and kept nowhere, inside containers nested `.0` deep; gives the deepest nesting it
/// reaches. Unlike [`IgnoredAny`] it goes through `deserialize_any`, so a number out of
/// range or a lone surrogate escape is refused here as in a parsed map.
#[derive(Clone, Copy)]
struct Skip(usize);

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<usize, E> {
        Ok(self.0)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<usize, E> {
        Ok(self.0)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<usize, E> {
        Ok(self.0)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<usize, E> {
        Ok(self.0)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<usize, E> {
        Ok(self.0)
    }

    fn visit_unit<E: de::Error>(self) -> Result<usize, E> {
        Ok(self.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let inner = Skip(self.0 + 1);
        let mut deepest = inner.0;
        while let Some(depth) = seq.next_element_seed(inner)? {
            deepest = deepest.max(depth);
        }
        Ok(deepest)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
        let inner = Skip(self.0 + 1);
        let mut deepest = inner.0;
        while map.next_key::<IgnoredAny>()?.is_some() {
            deepest = deepest.max(map.next_value_seed(inner)?);
        }
        Ok(deepest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ndjson::parse_object;
    use crate::time::event_time;
    use vigie_event::Event;

    const LINES: [&str; 8] = [
        r#"{"@timestamp":"2026-11-25T10:00:00+01:00","a":1,"b":{"c":[1,2.5,"x",null,true]}}"#,
        r#"{"z":"\u00e9t\u00e9 \"quoted\" \\ back","timestamp":1764061200000}"#,
        r#"  {"UtcTime":"2025-12-11 06:17:19.636", "SystemTime": 5, "n": -12345678901234}  "#,
        r#"{"@timestamp":"not a time","timestamp":"2026-01-01T00:00:00Z"}"#,
        r#"{"dup":1,"dup":2,"@timestamp":"2020-01-01T00:00:00Z","@timestamp":"2021-01-01T00:00:00Z"}"#,
        r#"{}"#,
        r#"{"big":18446744073709551615,"f":1e300,"emoji":"\ud83d\ude00"}"#,
        r#"{"@timestamp":{"nested":"2026-11-25T10:00:00Z"},"timestamp":[1]}"#,
    ];

    /// The record written from the raw line reads back as the event the general path
    /// builds, and is the same bytes when the line is compact and sorted.
    #[test]
    fn records_from_raw_lines_read_as_the_parsed_event() {
        let received = Timestamp::from_second(1_764_000_000).unwrap();
        for (i, line) in LINES.iter().enumerate() {
            let fields = parse_object(line.as_bytes(), 1 << 20).unwrap();
            let when = scan_object(line.as_bytes(), 1 << 20).unwrap();
            assert_eq!(when, event_time(&fields), "{line}");
            let dataset = (i % 2 == 0).then_some("winlogbeat");
            let expected = Event::new(TenantId(7), received, "bulk", fields)
                .with_timestamp(when)
                .with_dataset(dataset.map(str::to_owned));
            let head = Head {
                id: expected.id,
                tenant: TenantId(7),
                received_at: received,
                timestamp: when,
                source: "bulk",
                dataset,
                source_type: None,
            };
            let bytes = record(&head, line.as_bytes());
            assert_eq!(Event::from_record(&bytes).unwrap(), expected, "{line}");
            let compact = serde_json::to_vec(&expected.fields).unwrap();
            let same = record(&head, &compact);
            assert_eq!(same, expected.to_record(), "{line}");
        }
    }

    /// A Windows event gets its source type from its channel on the fast path (no decoding)
    /// as on the general path, searchable as `event.dataset` either way; a sender's own
    /// dataset is kept.
    #[test]
    fn windows_events_get_their_type_on_both_paths() {
        let head = Head {
            id: EventId(1),
            tenant: TenantId(1),
            received_at: Timestamp::UNIX_EPOCH,
            timestamp: None,
            source: "bulk",
            dataset: None,
            source_type: None,
        };
        for (line, expected, dataset) in [
            (
                r#"{"EventID":4624,"Channel":"Security","TargetUserName":"x"}"#,
                Some("windows.security"),
                "windows.security",
            ),
            (
                r#"{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1} "#,
                Some("windows.sysmon"),
                "windows.sysmon",
            ),
            (
                r#"{"winlog":{"channel":"System"},"event":{"dataset":"system.custom"}}"#,
                Some("windows.system"),
                "system.custom",
            ),
            (r#"{"EventID":1}"#, None, ""),
        ] {
            let fast = Event::from_record(&parsed_record(head, None, line.as_bytes())).unwrap();
            let fields = parse_object(line.as_bytes(), 1 << 20).unwrap();
            let general = parse_event(
                Event::new(TenantId(1), Timestamp::UNIX_EPOCH, "bulk", fields),
                None,
            );
            for event in [&fast, &general] {
                assert_eq!(event.source_type.as_deref(), expected, "{line}");
                let found = vigie_event::field::lookup(&event.fields, "event.dataset")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("");
                assert_eq!(found, dataset, "{line}");
            }
        }
    }

    /// Every line the general path refuses is refused here with the same reason.
    #[test]
    fn refuses_what_the_general_path_refuses() {
        let bad: [&[u8]; 12] = [
            b"not json",
            b"[1,2]",
            b"\"str\"",
            b"12",
            b"null",
            b"{\"c\":",
            b"{\"a\":1} trailing",
            b"{\"a\":\"\xff\"}",
            b"{\"a\":1e400}",
            b"{\"a\":\"\\ud800\"}",
            b"{\"a\":[1,}",
            b"{\"a\":\"\\x\"}",
        ];
        for line in bad {
            let general = parse_object(line, 1 << 20).unwrap_err();
            let fast = scan_object(line, 1 << 20).unwrap_err();
            assert_eq!(fast.0, general.0, "{}", String::from_utf8_lossy(line));
            assert_eq!(fast.1, general.1, "{}", String::from_utf8_lossy(line));
        }
        let long = format!("{{\"a\":\"{}\"}}", "x".repeat(100));
        assert_eq!(
            scan_object(long.as_bytes(), 50).unwrap_err().0,
            "line_too_long"
        );
        let deep = format!("{}{}", "{\"a\":".repeat(200), "}".repeat(200));
        assert_eq!(
            scan_object(deep.as_bytes(), 1 << 20).unwrap_err().0,
            parse_object(deep.as_bytes(), 1 << 20).unwrap_err().0
        );
        // Found by the json_event fuzz target: 127 levels parse, but the record adds one
        // and would not read back. Refused by both paths alike; 126 levels are kept.
        let nested = |depth: usize| {
            format!(
                "{{\"a\":{}{}}}",
                "[".repeat(depth - 1),
                "]".repeat(depth - 1)
            )
        };
        let too_deep = nested(127);
        let refused = scan_object(too_deep.as_bytes(), 1 << 20).unwrap_err();
        assert_eq!(
            refused,
            parse_object(too_deep.as_bytes(), 1 << 20).unwrap_err()
        );
        assert_eq!(refused.0, "invalid_json");
        let deepest = nested(126);
        assert!(scan_object(deepest.as_bytes(), 1 << 20).is_ok());
        let bytes = record(
            &Head {
                id: EventId(1),
                tenant: TenantId(1),
                received_at: Timestamp::UNIX_EPOCH,
                timestamp: None,
                source: "http",
                dataset: None,
                source_type: None,
            },
            deepest.as_bytes(),
        );
        assert!(Event::from_record(&bytes).is_ok());
    }
}
