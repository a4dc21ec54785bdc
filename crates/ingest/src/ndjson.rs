//! Newline-delimited JSON: one object per line.

use jiff::Timestamp;
use serde_json::{Map, Value};
use vigie_event::{Event, TenantId};

/// A line that was not accepted, named by its 1-based number.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LineRejection {
    /// 1-based line number in the decoded body.
    pub line: usize,
    /// Short machine-readable reason, also the `reason` label of the rejection counter.
    pub reason: &'static str,
    /// What exactly is wrong, for the sender.
    pub detail: String,
}

/// The outcome of splitting and parsing a body.
#[derive(Debug, Default)]
pub struct NdjsonBatch {
    /// Events built from the good lines, in body order.
    pub events: Vec<Event>,
    /// Every bad line.
    pub rejected: Vec<LineRejection>,
}

impl NdjsonBatch {
    /// Lines that held something (blank lines are separators, not events).
    pub fn received(&self) -> usize {
        self.events.len() + self.rejected.len()
    }
}

/// Parses `body` line by line. Blank lines (only whitespace) are skipped and not counted;
/// a line longer than `max_line_bytes`, not UTF-8, not JSON, or not a JSON object is
/// rejected with its number; all other lines become events of `tenant`.
pub fn parse(
    body: &[u8],
    tenant: TenantId,
    received_at: Timestamp,
    source: &str,
    max_line_bytes: usize,
) -> NdjsonBatch {
    let mut batch = NdjsonBatch::default();
    for (index, raw) in body.split(|&b| b == b'\n').enumerate() {
        let line = index + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_object(raw, max_line_bytes) {
            Ok(fields) => {
                let when = crate::time::event_time(&fields);
                batch
                    .events
                    .push(Event::new(tenant, received_at, source, fields).with_timestamp(when));
            }
            Err((reason, detail)) => batch.rejected.push(LineRejection {
                line,
                reason,
                detail,
            }),
        }
    }
    batch
}

/// [`parse`] straight to log records ([`crate::record`]): the same lines accepted and
/// refused for the same reasons, without building each event's map and serialising it again.
/// Each event is read by the parser of `declared` or, when `None`, of the source type its
/// content shows ([`crate::record::parsed_record`]).
pub fn parse_encoded(
    body: &[u8],
    tenant: TenantId,
    received_at: Timestamp,
    source: &str,
    declared: Option<&vigie_parse::SourceType>,
    max_line_bytes: usize,
) -> crate::record::EncodedBatch {
    let mut batch = crate::record::EncodedBatch::default();
    for (index, raw) in body.split(|&b| b == b'\n').enumerate() {
        let line = index + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match crate::record::scan_object(raw, max_line_bytes) {
            Ok(when) => {
                let id = vigie_event::EventId::generate(received_at);
                let head = crate::record::Head {
                    id,
                    tenant,
                    received_at,
                    timestamp: when,
                    source,
                    dataset: None,
                    source_type: None,
                };
                let record = crate::record::parsed_record(head, declared, raw);
                batch.events.push(crate::record::Encoded {
                    id,
                    record: record.into(),
                });
            }
            Err((reason, detail)) => batch.rejected.push(LineRejection {
                line,
                reason,
                detail,
            }),
        }
    }
    batch
}

/// How deep a line may nest arrays and objects (its own object counts as one). The event's
/// log record wraps the line's object in one more, and serde_json reads at most 127 nested
/// levels: a line nested 127 deep would parse here, then never read back from the log.
pub const MAX_LINE_DEPTH: usize = 126;

/// The rejection of a line nested `depth` deep (over [`MAX_LINE_DEPTH`]).
pub(crate) fn too_deep(depth: usize) -> (&'static str, String) {
    (
        "invalid_json",
        format!(
            "the line nests arrays and objects {depth} levels deep; an event holds at most {MAX_LINE_DEPTH}"
        ),
    )
}

/// How deep `value` nests arrays and objects (a scalar is 0).
pub(crate) fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Parses one line as a JSON object, or says why not: `(reason, detail)` where the reason
/// is one of `line_too_long`, `invalid_utf8`, `invalid_json` (including a line nested
/// deeper than [`MAX_LINE_DEPTH`]), `not_an_object`.
pub fn parse_object(
    raw: &[u8],
    max_line_bytes: usize,
) -> Result<Map<String, Value>, (&'static str, String)> {
    if raw.len() > max_line_bytes {
        return Err((
            "line_too_long",
            format!("line is {} bytes, the limit is {max_line_bytes}", raw.len()),
        ));
    }
    match serde_json::from_slice::<Value>(raw) {
        Ok(Value::Object(fields)) => {
            let deepest = 1 + fields.values().map(depth).max().unwrap_or(0);
            if deepest > MAX_LINE_DEPTH {
                return Err(too_deep(deepest));
            }
            Ok(fields)
        }
        Ok(other) => Err((
            "not_an_object",
            format!("expected a JSON object, found {}", kind_of(&other)),
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

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_and_bad_lines_are_separated_by_number() {
        let body = b"{\"a\":1}\n\nnot json\n[1,2]\r\n{\"b\":\"x\"}\r\n\"str\"\n{\"c\":";
        let batch = parse(body, TenantId(3), Timestamp::now(), "http", 1 << 20);
        assert_eq!(batch.events.len(), 2);
        assert!(batch.events.iter().all(|e| e.tenant == TenantId(3)));
        assert_eq!(batch.events[1].fields["b"], "x");
        let lines: Vec<_> = batch.rejected.iter().map(|r| (r.line, r.reason)).collect();
        assert_eq!(
            lines,
            vec![
                (3, "invalid_json"),
                (4, "not_an_object"),
                (6, "not_an_object"),
                (7, "invalid_json")
            ]
        );
        assert_eq!(batch.received(), 6);
    }

    #[test]
    fn long_lines_and_bad_utf8() {
        let mut body = b"{\"a\":\"".to_vec();
        body.extend(std::iter::repeat_n(b'x', 100));
        body.extend_from_slice(b"\"}\n{\"a\":\"\xff\"}\n");
        let batch = parse(&body, TenantId(1), Timestamp::now(), "http", 50);
        assert_eq!(batch.events.len(), 0);
        assert_eq!(batch.rejected[0].reason, "line_too_long");
        assert_eq!(batch.rejected[1].reason, "invalid_utf8");
    }

    #[test]
    fn encoded_parse_accepts_and_refuses_the_same_lines() {
        let body = b"{\"a\":1,\"@timestamp\":\"2026-11-25T10:00:00Z\"}\n\nnot json\n[1,2]\r\n{\"b\":\"x\"}\r\n\"str\"\n{\"a\":\"\xff\"}\n{\"c\":";
        let at = Timestamp::now();
        let general = parse(body, TenantId(3), at, "http", 1 << 20);
        let encoded = parse_encoded(body, TenantId(3), at, "http", None, 1 << 20);
        assert_eq!(encoded.rejected, general.rejected);
        assert_eq!(encoded.events.len(), general.events.len());
        for (fast, slow) in encoded.events.iter().zip(&general.events) {
            let read = Event::from_record(&fast.record).unwrap();
            assert_eq!(read.id, fast.id);
            assert_eq!(
                (read.tenant, &read.source, read.timestamp),
                (slow.tenant, &slow.source, slow.timestamp)
            );
            assert_eq!(read.fields, slow.fields);
        }
    }

    /// Found by the `json_event` fuzz target: a line nested 127 deep was accepted, and its
    /// record (one level deeper) could not be read back from the log.
    #[test]
    fn lines_too_deep_for_their_record_are_refused() {
        let nested = |depth: usize| {
            format!(
                "{{\"a\":{}{}}}",
                "[".repeat(depth - 1),
                "]".repeat(depth - 1)
            )
            .into_bytes()
        };
        let at = Timestamp::now();
        for body in [nested(MAX_LINE_DEPTH), nested(MAX_LINE_DEPTH + 1)] {
            let general = parse(&body, TenantId(1), at, "http", 1 << 20);
            let encoded = parse_encoded(&body, TenantId(1), at, "http", None, 1 << 20);
            assert_eq!(general.rejected, encoded.rejected);
            for event in &encoded.events {
                Event::from_record(&event.record).unwrap();
            }
            for event in &general.events {
                Event::from_record(&event.to_record()).unwrap();
            }
        }
        let ok = parse(&nested(MAX_LINE_DEPTH), TenantId(1), at, "http", 1 << 20);
        assert_eq!(ok.events.len(), 1);
        let deep = parse(
            &nested(MAX_LINE_DEPTH + 1),
            TenantId(1),
            at,
            "http",
            1 << 20,
        );
        assert_eq!(deep.rejected[0].reason, "invalid_json");
        assert!(
            deep.rejected[0].detail.contains("127 levels"),
            "{:?}",
            deep.rejected
        );
    }

    #[test]
    fn tenant_in_the_body_is_just_a_field() {
        let body = br#"{"tenant": 99, "id": "x"}"#;
        let batch = parse(body, TenantId(1), Timestamp::now(), "http", 1024);
        assert_eq!(batch.events[0].tenant, TenantId(1));
        assert_eq!(batch.events[0].fields["tenant"], 99);
    }
}
