//! Syslog: the message parsers (RFC 3164 and 5424, one entry point) and RFC 6587 framing.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Map, Value};
use vigie_event::{Event, EventId, TenantId};
use vigie_ingest::record;
use vigie_ingest::syslog::framing::{Frame, Framer};
use vigie_ingest::syslog::{self, Flag, ParseContext, Source};

/// The two settings every message is parsed under: the default zone with a mid-year "now",
/// and UTC just after New Year (RFC 3164's missing year is inferred backwards).
fn contexts() -> [(ParseContext, bool); 2] {
    let at = |text: &str| -> Timestamp { text.parse().expect("a valid time") };
    [
        (
            ParseContext {
                timezone: TimeZone::get("Europe/Brussels").expect("the bundled zone database"),
                now: at("2026-06-25T12:00:00Z"),
            },
            false,
        ),
        (
            ParseContext {
                timezone: TimeZone::UTC,
                now: at("2027-01-01T00:30:00Z"),
            },
            true,
        ),
    ]
}

/// One RFC 3164 message (or anything else a sender writes on a syslog port), parsed as the
/// listeners parse it.
pub fn syslog_3164(data: &[u8]) {
    for (context, truncated) in contexts() {
        let fields = check_message(data, truncated, &context);
        let is_5424 = fields.pointer("/log/syslog/version").is_some();
        if !is_5424 && !has_tag(&fields, Flag::Unparsed) {
            // A read RFC 3164 header: the tag is one word, the pid sits inside its brackets.
            if let Some(app) = fields.pointer("/log/syslog/appname") {
                let app = app.as_str().expect("appname is a string");
                assert!(!app.is_empty() && !app.contains(' '), "appname {app:?}");
            }
            if let Some(pid) = fields.pointer("/log/syslog/procid") {
                let pid = pid.as_str().expect("procid is a string");
                assert!(!pid.contains([' ', ']']), "procid {pid:?}");
            }
        }
    }
}

/// One RFC 5424 message, parsed as the listeners parse it.
pub fn syslog_5424(data: &[u8]) {
    for (context, truncated) in contexts() {
        let fields = check_message(data, truncated, &context);
        if fields.pointer("/log/syslog/version").is_none() {
            continue;
        }
        // A read RFC 5424 header: every header field is one non-empty token, never `-`.
        for key in ["hostname", "appname", "procid", "msgid"] {
            if let Some(value) = fields.pointer(&format!("/log/syslog/{key}")) {
                let value = value.as_str().expect("header fields are strings");
                assert!(
                    !value.is_empty() && !value.contains(' ') && value != "-",
                    "{key} {value:?}"
                );
            }
        }
        if let Some(sd) = fields.pointer("/log/syslog/structured_data") {
            let sd = sd.as_object().expect("structured data is an object");
            for (id, params) in sd {
                assert!(
                    !id.is_empty() && !id.contains(['=', '"', ' ', ']']),
                    "SD-ID {id:?}"
                );
                for (name, value) in params.as_object().expect("SD params are an object") {
                    assert!(!name.is_empty(), "empty SD parameter name in {id}");
                    assert!(
                        value.is_string() || value.as_array().is_some_and(|v| v.len() >= 2),
                        "SD parameter {name} is {value}"
                    );
                }
            }
        }
    }
}

fn has_tag(fields: &Value, flag: Flag) -> bool {
    fields
        .get("tags")
        .and_then(Value::as_array)
        .is_some_and(|tags| tags.iter().any(|t| t == flag.name()))
}

/// Parses `raw` as a listener does (fields written straight to JSON, then the log record)
/// and checks what every message must give: a JSON object that reads back as the event's
/// fields, nothing of the text lost, flags that say what was wrong, header fields taken
/// from the text. Returns the fields.
fn check_message(raw: &[u8], truncated: bool, context: &ParseContext) -> Value {
    let source = Source {
        address: "192.0.2.1:514",
        transport: "tcp",
    };
    let mut out = Vec::new();
    let written = syslog::write_fields(raw, truncated, context, Some(source), &mut out);
    let map: Map<String, Value> =
        serde_json::from_slice(&out).expect("the syslog fields are one JSON object");

    // The record the listener appends reads back as the event of these fields.
    let id = EventId(1);
    let bytes = record::record(
        &record::Head {
            id,
            tenant: TenantId(1),
            received_at: context.now,
            timestamp: written.timestamp,
            source: "syslog",
            dataset: None,
            source_type: None,
        },
        &out,
    );
    let event = Event::from_record(&bytes).expect("the syslog record reads back");
    assert_eq!(event.fields, map, "fields read back from the record");
    let fields = Value::Object(map);
    assert_eq!(event.timestamp, written.timestamp, "time read back");

    // Flags say exactly what was wrong.
    let utf8 = std::str::from_utf8(raw).is_ok();
    assert_eq!(
        written.flags.contains(&Flag::InvalidUtf8),
        !utf8,
        "invalid_utf8 flag"
    );
    assert_eq!(
        written.flags.contains(&Flag::Truncated),
        truncated,
        "truncated flag"
    );
    let lossy = String::from_utf8_lossy(raw);
    let text = lossy.trim_end_matches(['\n', '\r', '\0']);
    let message = fields
        .get("message")
        .and_then(Value::as_str)
        .expect("message is a string");
    assert!(
        text.contains(message),
        "message {message:?} is not from the text"
    );
    if written.flags.is_empty() {
        assert!(fields.get("event").is_none() && fields.get("tags").is_none());
    } else {
        // A flagged message keeps its whole text, says why and names its flags.
        assert_eq!(
            fields.get("event").and_then(|e| e.get("original")),
            Some(&Value::String(text.to_owned())),
            "event.original of a flagged message"
        );
        let tags: Vec<&str> = written.flags.iter().map(|f| f.name()).collect();
        assert_eq!(fields.get("tags"), Some(&serde_json::json!(tags)));
        let reason = fields.pointer("/error/message").and_then(Value::as_str);
        assert!(reason.is_some_and(|r| !r.is_empty()), "error.message");
    }
    if written.flags.contains(&Flag::Unparsed) {
        assert_eq!(message, text, "an unparsed message is the whole text");
    }

    // Header fields come from the text; priority splits into facility and severity.
    for key in ["hostname", "appname", "procid", "msgid"] {
        if let Some(value) = fields
            .get("log")
            .and_then(|l| l.pointer(&format!("/syslog/{key}")))
        {
            let value = value.as_str().expect("header fields are strings");
            assert!(text.contains(value), "{key} {value:?} is not from the text");
        }
    }
    if let Some(pri) = fields.pointer("/log/syslog/priority") {
        let pri = pri.as_u64().expect("priority is a number");
        assert!(pri <= 191, "priority {pri}");
        assert_eq!(
            fields.pointer("/log/syslog/facility/code"),
            Some(&(pri >> 3).into())
        );
        assert_eq!(
            fields.pointer("/log/syslog/severity/code"),
            Some(&(pri & 7).into())
        );
    }
    assert_eq!(
        fields.pointer("/log/source/address"),
        Some(&Value::from(source.address))
    );

    // The parsed form is the written form without the source.
    let parsed = syslog::parse(raw, truncated, context);
    assert_eq!(parsed.flags, written.flags);
    assert_eq!(parsed.timestamp, written.timestamp);
    let mut expected = fields.clone();
    if let Value::Object(map) = &mut expected
        && let Some(Value::Object(log)) = map.get_mut("log")
    {
        log.remove("source");
        if log.is_empty() {
            map.remove("log");
        }
    }
    assert_eq!(
        Value::Object(parsed.fields),
        expected,
        "parse and write_fields agree"
    );
    fields
}

/// Frame caps: 1 and 7 bytes (every message cut), the configuration's minimum (480) and its
/// default (64 KiB, what the listeners use unless told otherwise).
const CAPS: [usize; 4] = [1, 7, 480, 65_536];

/// A TCP stream framed as the listeners frame it (RFC 6587 octet counting and LF framing,
/// with the message cap), then each frame parsed.
///
/// Checks: no frame is longer than the cap; the framer never holds more than one message's
/// worth of bytes (cap + the longest length prefix) once its frames are taken; the frames do
/// not depend on how the stream was cut into reads; every frame parses as a message.
pub fn syslog_framing(data: &[u8]) {
    for max in CAPS {
        let whole = frames(data, max, &mut std::iter::once(data.len()));
        let mut state = data.iter().fold(0x9e37_79b9_u32, |h, &b| {
            h.rotate_left(5) ^ u32::from(b).wrapping_mul(0x0100_0193)
        });
        let mut cuts = std::iter::from_fn(move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            Some(1 + (state % 97) as usize)
        });
        let pieces = frames(data, max, &mut cuts);
        assert_eq!(whole, pieces, "frames depend on the read sizes (cap {max})");
        let (context, _) = contexts().into_iter().next().expect("two contexts");
        // Parsing is the other targets' work: a few frames per cap keep this one fast.
        for frame in whole.iter().take(8) {
            check_message(&frame.bytes, frame.truncated, &context);
        }
    }
}

/// The frames of `data` pushed in pieces of the sizes `cuts` gives.
fn frames(data: &[u8], max: usize, cuts: &mut dyn Iterator<Item = usize>) -> Vec<Frame> {
    let mut framer = Framer::new(max);
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let n = cuts.next().unwrap_or(rest.len()).clamp(1, rest.len());
        let (piece, tail) = rest.split_at(n);
        rest = tail;
        framer.push(piece);
        while let Some(frame) = framer.next_frame() {
            out.push(frame);
        }
        // "LEN " of up to 10 digits plus at most one message.
        assert!(
            framer.buffered() <= max + 11,
            "framer holds {} bytes with a cap of {max}",
            framer.buffered()
        );
    }
    out.extend(framer.finish());
    for frame in &out {
        assert!(
            frame.bytes.len() <= max,
            "a frame of {} bytes passed the cap of {max}",
            frame.bytes.len()
        );
    }
    out
}
