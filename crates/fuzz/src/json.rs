//! HTTP ingest bodies: NDJSON lines, Elasticsearch `_bulk` bodies, gzip decoding, and the log
//! record read back from arbitrary bytes.

use std::io::Write;

use jiff::Timestamp;
use serde_json::Value;
use vigie_event::{Event, TenantId};
use vigie_ingest::bulk::{self, Outcome};
use vigie_ingest::decode::{DecodeError, gunzip_capped};
use vigie_ingest::ndjson;

/// `[ingest] max_line_bytes` by default.
const MAX_LINE_BYTES: usize = 1 << 20;

fn received() -> Timestamp {
    Timestamp::from_second(1_764_064_800).expect("a valid time")
}

/// An NDJSON body through both intake paths, and the same bytes read as a log record.
///
/// Checks: the record path (`ndjson::parse_encoded`, what `POST /api/v1/ingest` uses)
/// accepts and refuses exactly the lines the general path (`ndjson::parse`) does, with the
/// same line numbers, reasons and details; each record it writes reads back
/// (`Event::from_record`) as the general path's event read by the parsers
/// (`vigie_parse::normalize`: tenant, source, source type, time, fields), so the record
/// path's one-pass marker look never skips an event a parser would recognise; a record read
/// from arbitrary bytes writes and reads back unchanged.
pub fn json_event(data: &[u8]) {
    let at = received();
    let general = ndjson::parse(data, TenantId(3), at, "http", MAX_LINE_BYTES);
    let encoded = ndjson::parse_encoded(data, TenantId(3), at, "http", None, MAX_LINE_BYTES);
    assert_eq!(encoded.rejected, general.rejected, "rejected lines differ");
    assert_eq!(encoded.events.len(), general.events.len(), "accepted lines");
    let lines = data.split(|&b| b == b'\n').count();
    for rejection in &general.rejected {
        assert!(
            (1..=lines).contains(&rejection.line),
            "line {}",
            rejection.line
        );
        assert!(!rejection.detail.is_empty(), "a rejection says why");
    }
    // The raw line of each accepted event: the intake looks for the parsers' markers in it.
    let refused: std::collections::BTreeSet<usize> =
        general.rejected.iter().map(|r| r.line).collect();
    let raw_lines: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, raw)| (i + 1, raw.strip_suffix(b"\r").unwrap_or(raw)))
        .filter(|(n, raw)| !raw.iter().all(u8::is_ascii_whitespace) && !refused.contains(n))
        .map(|(_, raw)| raw)
        .collect();
    assert_eq!(raw_lines.len(), general.events.len(), "accepted lines");
    for ((fast, slow), raw) in encoded.events.iter().zip(&general.events).zip(raw_lines) {
        let read = Event::from_record(&fast.record)
            .unwrap_or_else(|e| panic!("a record written by the intake does not read: {e}"));
        assert_eq!(read.id, fast.id);
        assert_eq!(read.tenant, TenantId(3));
        assert_eq!(read.source, "http");
        assert_eq!(read.received_at, at);
        // What the intake does: the parsers only for a line with one of their markers; else
        // a Windows event's type from its raw channel, added as a flat `event.dataset` unless
        // the line names a dataset of its own.
        let mut fields = slow.fields.clone();
        let outcome = if vigie_parse::json_worth_a_look(raw) {
            vigie_parse::normalize(None, &mut fields)
        } else {
            let windows = vigie_parse::raw_windows_type(raw);
            if let Some(windows) = &windows
                && !raw.windows(8).any(|w| w == b"dataset\"")
            {
                fields.insert("event.dataset".into(), windows.as_str().into());
            }
            vigie_parse::Outcome {
                source_type: windows,
                parsed: false,
                timestamp: None,
                error: None,
            }
        };
        let read_by_parser = outcome.source_type.is_some();
        assert_eq!(
            read.source_type,
            outcome.source_type.map(|t| t.to_string()),
            "source type"
        );
        let (fields, timestamp) = if read_by_parser {
            (fields, slow.timestamp.or(outcome.timestamp))
        } else {
            (slow.fields.clone(), slow.timestamp)
        };
        assert_eq!(read.timestamp, timestamp, "event time");
        assert_eq!(read.fields, fields, "fields");
        round_trip(&read);
    }
    for event in &general.events {
        round_trip(event);
    }
    if let Ok(event) = Event::from_record(data) {
        round_trip(&event);
    }
}

/// An event's log record reads back as the same event.
pub(crate) fn round_trip(event: &Event) {
    let record = event.to_record();
    let back = Event::from_record(&record).unwrap_or_else(|e| {
        panic!(
            "the record of an event does not read back: {e}: {}",
            String::from_utf8_lossy(&record)
        )
    });
    assert_eq!(&back, event, "record round trip");
}

/// An Elasticsearch `_bulk` body, with and without an index in the URL.
///
/// Checks: a refused body names a line of the body; otherwise there is one item per action,
/// every document is either an event (numbered in body order, each number once) or a
/// rejection with a line number; every event's record reads back with the item's index as
/// its dataset; both replies (accepted, and refused with 429) are JSON with one item per
/// action.
pub fn bulk(data: &[u8]) {
    let lines = data.split(|&b| b == b'\n').count();
    for default_index in [None, Some("logs-fuzz")] {
        let request = match bulk::parse(
            data,
            TenantId(5),
            received(),
            default_index,
            None,
            MAX_LINE_BYTES,
        ) {
            Ok(request) => request,
            Err(bulk::BulkError::MalformedAction { line, detail }) => {
                assert!((1..=lines).contains(&line), "line {line} of {lines}");
                assert!(!detail.is_empty());
                continue;
            }
        };
        let mut next = 0;
        let mut refused = 0;
        for item in &request.items {
            match &item.outcome {
                Outcome::Event(n) => {
                    assert_eq!(*n, next, "events in body order");
                    next += 1;
                    let event = Event::from_record(&request.batch.events[*n].record)
                        .unwrap_or_else(|e| panic!("a _bulk record does not read: {e}"));
                    assert_eq!(event.id, request.batch.events[*n].id);
                    assert_eq!(event.tenant, TenantId(5));
                    assert_eq!(event.dataset.as_deref(), Some(item.index.as_str()));
                    assert!(!item.index.is_empty());
                    round_trip(&event);
                }
                Outcome::Rejected { status, reason, .. } => {
                    refused += 1;
                    assert!((400..500).contains(status), "status {status}");
                    assert!(reason.starts_with("line "), "reason {reason:?}");
                }
            }
        }
        assert_eq!(next, request.batch.events.len(), "every event has its item");
        assert_eq!(refused, request.batch.rejected.len());
        let ids: Vec<_> = request.batch.events.iter().map(|e| e.id).collect();
        let reply: Value = serde_json::from_slice(&bulk::reply_bytes(&request.items, &ids, 3, 7))
            .expect("the _bulk reply is JSON");
        assert_eq!(
            reply["items"].as_array().map(Vec::len),
            Some(request.items.len())
        );
        assert_eq!(reply["errors"], Value::Bool(refused > 0));
        let refused_reply: Value =
            serde_json::from_slice(&bulk::refused_reply_bytes(&request.items, 3, "backlog"))
                .expect("the refused _bulk reply is JSON");
        assert_eq!(
            refused_reply["items"].as_array().map(Vec::len),
            Some(request.items.len())
        );
    }
}

/// The decoded-size cap used here: small enough for the fuzzer's speed, large enough for
/// every input it writes (the server's default is 64 MiB; the code is the same).
const GZIP_LIMIT: u64 = 1 << 20;

/// A gzip request body through the capped decoder, and the same bytes compressed and
/// decoded again.
///
/// Checks: the output never passes the cap (a bomb is refused as too large, not inflated);
/// `decode(encode(x)) == x`; a body whose content is one byte over the cap is refused.
pub fn gzip(data: &[u8]) {
    match gunzip_capped(data, GZIP_LIMIT) {
        Ok(out) => assert!(out.len() as u64 <= GZIP_LIMIT, "{} bytes", out.len()),
        Err(DecodeError::TooLarge { limit }) => assert_eq!(limit, GZIP_LIMIT),
        Err(DecodeError::Gzip(error)) => assert!(!error.to_string().is_empty()),
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).expect("writing to a Vec");
    let compressed = encoder.finish().expect("writing to a Vec");
    let decoded = gunzip_capped(&compressed, GZIP_LIMIT).expect("a gzip body we wrote decodes");
    assert_eq!(decoded, data, "decode(encode(x)) == x");
    if let Some(limit) = (data.len() as u64).checked_sub(1) {
        assert!(
            matches!(
                gunzip_capped(&compressed, limit),
                Err(DecodeError::TooLarge { limit: l }) if l == limit
            ),
            "a body one byte over the cap is refused"
        );
    }
}
