//! OTLP logs: an OpenTelemetry `ExportLogsServiceRequest` read into vigie events.
//!
//! The request is decoded by the transports (protobuf over HTTP or gRPC, or OTLP's JSON
//! mapping over HTTP, with the messages of `opentelemetry-proto`); this module turns each
//! `LogRecord` into one event, the way the other intakes do:
//!
//! - **Body.** A string body is read like a line of a text log ([`crate::file::jsonl`]): a
//!   syslog line (what the Collector's `filelog` receiver sends from `/var/log/auth.log`)
//!   yields the syslog header fields and its payload as `message`, any other text is the
//!   `message`. A map body (a structured log, a JSON record parsed by the sender) gives its
//!   keys as the event's fields, so a CloudTrail or Entra ID record sent over OTLP is the
//!   same event as one sent over `_bulk`. Any other body is the `message` as JSON text
//!   (bytes as base64).
//! - **Attributes.** The record's attributes, then the resource's (`host.name`,
//!   `service.name`, ...), are added under their own names (OpenTelemetry's semantic
//!   conventions and ECS share most of them), never replacing a field the body gave; the
//!   instrumentation scope as `otel.scope.name` / `otel.scope.version`.
//! - **Record metadata.** `severity_text` → `log.level`, `severity_number` →
//!   `event.severity`, `trace_id` / `span_id` → `trace.id` / `span.id` (hex),
//!   `event_name` → `event.name`, the observed time → `event.created`. The event's time is
//!   `time_unix_nano`, else the time its syslog header or its parser says (CloudTrail's
//!   `eventTime`), else the observed time.
//! - **Source type.** The record's attribute `event.dataset` or `data_stream.dataset` (the
//!   Elastic name is translated, as for a `_bulk` index), else the resource's, else the
//!   ingest token's; then [`vigie_parse::normalize`] reads the event as for every intake. A
//!   value that is not a source type declares nothing and is reported as a warning.
//!
//! A record that cannot become an event (its fields nest deeper than an event may, or are
//! larger than `max_line_bytes`) is rejected by its number (1-based, in request order)
//! with the reason; the others are kept.

use base64::Engine as _;
use jiff::Timestamp;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use serde_json::{Map, Value};
use vigie_event::{Event, TenantId};
use vigie_parse::SourceType;

use crate::ndjson::MAX_LINE_DEPTH;
use crate::record::parse_event;
use crate::syslog::ParseContext;
use crate::{LineRejection, NdjsonBatch};

/// The attributes that declare a record's source type, in the order they are read.
pub const SOURCE_TYPE_ATTRIBUTES: [&str; 2] = ["event.dataset", "data_stream.dataset"];

/// The events of one OTLP request, its rejected records and the warnings for the sender.
#[derive(Debug, Default)]
pub struct OtlpBatch {
    /// Events and rejected records (numbered in request order).
    pub batch: NdjsonBatch,
    /// What the sender should know although nothing was rejected for it (a source-type
    /// attribute that declares nothing), at most [`MAX_WARNINGS`], then a count.
    pub warnings: Vec<String>,
}

/// Most warnings listed in a reply.
pub const MAX_WARNINGS: usize = 5;

impl OtlpBatch {
    /// The `error_message` of the partial-success reply: the first rejections and warnings,
    /// or empty when there is nothing to say.
    pub fn message(&self) -> String {
        let mut parts: Vec<String> = self
            .batch
            .rejected
            .iter()
            .take(MAX_WARNINGS)
            .map(|r| format!("record {}: {} ({})", r.line, r.detail, r.reason))
            .collect();
        if self.batch.rejected.len() > MAX_WARNINGS {
            parts.push(format!(
                "and {} more rejected records",
                self.batch.rejected.len() - MAX_WARNINGS
            ));
        }
        parts.extend(self.warnings.iter().cloned());
        parts.join("; ")
    }
}

/// Reads every record of `request` into an event of `tenant` (see the module documentation).
/// `token_declared` is the source type of the ingest token, used when no attribute declares
/// one.
pub fn read(
    request: ExportLogsServiceRequest,
    tenant: TenantId,
    received_at: Timestamp,
    token_declared: Option<&SourceType>,
    max_record_bytes: usize,
) -> OtlpBatch {
    let context = ParseContext {
        timezone: jiff::tz::TimeZone::get("Europe/Brussels").unwrap_or(jiff::tz::TimeZone::UTC),
        now: received_at,
    };
    let mut out = OtlpBatch::default();
    let mut ignored_declarations = 0usize;
    let mut number = 0usize;
    for resource_logs in request.resource_logs {
        let resource = resource_logs
            .resource
            .map(|r| r.attributes)
            .unwrap_or_default();
        let resource_declared = declaration(&resource);
        for scope_logs in resource_logs.scope_logs {
            let scope = scope_logs.scope.unwrap_or_default();
            for record in scope_logs.log_records {
                number += 1;
                let declared = match declaration(&record.attributes).or(resource_declared.clone()) {
                    Some(Ok(declared)) => Some(declared),
                    Some(Err(value)) => {
                        ignored_declarations += 1;
                        if out.warnings.len() < MAX_WARNINGS {
                            out.warnings.push(format!(
                                "record {number}: source type {value:?} is not a source type \
                                 (lowercase parts joined by dots, such as linux.auditd); \
                                 the record is kept without it"
                            ));
                        }
                        token_declared.cloned()
                    }
                    None => token_declared.cloned(),
                };
                let Record {
                    fields,
                    timestamp,
                    observed,
                    size,
                } = fields_of(&record, &resource, &scope, &context);
                if size > max_record_bytes {
                    out.batch.rejected.push(LineRejection {
                        line: number,
                        reason: "line_too_long",
                        detail: format!(
                            "the record holds about {size} bytes, the limit is {max_record_bytes}"
                        ),
                    });
                    continue;
                }
                let depth = fields.values().map(crate::ndjson::depth).max().unwrap_or(0) + 1;
                if depth > MAX_LINE_DEPTH {
                    out.batch.rejected.push(LineRejection {
                        line: number,
                        reason: "too_deep",
                        detail: format!(
                            "the record nests values {depth} levels deep; an event holds at most {MAX_LINE_DEPTH}"
                        ),
                    });
                    continue;
                }
                let event =
                    Event::new(tenant, received_at, "otlp", fields).with_timestamp(timestamp);
                let mut event = parse_event(event, declared.as_ref());
                event.timestamp = event.timestamp.or(observed);
                out.batch.events.push(event);
            }
        }
    }
    if ignored_declarations > out.warnings.len() {
        out.warnings.push(format!(
            "and {} more records with a source-type attribute that is not one",
            ignored_declarations - out.warnings.len()
        ));
    }
    out
}

/// The source type the attributes declare: `Ok` when one of [`SOURCE_TYPE_ATTRIBUTES`]
/// names one, `Err(value)` when the first present does not, `None` when none is present.
fn declaration(attributes: &[KeyValue]) -> Option<Result<SourceType, String>> {
    SOURCE_TYPE_ATTRIBUTES.iter().find_map(|name| {
        let kv = attributes.iter().find(|kv| kv.key == *name)?;
        let text = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
            Some(any_value::Value::StringValue(text)) => text.as_str(),
            _ => return Some(Err(format!("{name} (not a string)"))),
        };
        Some(vigie_parse::from_elastic_dataset(text).ok_or_else(|| text.to_owned()))
    })
}

/// One record's fields, its time (its own or its syslog header's), the time it was
/// observed, and about how many bytes they hold.
struct Record {
    fields: Map<String, Value>,
    timestamp: Option<Timestamp>,
    observed: Option<Timestamp>,
    size: usize,
}

fn fields_of(
    record: &LogRecord,
    resource: &[KeyValue],
    scope: &opentelemetry_proto::tonic::common::v1::InstrumentationScope,
    context: &ParseContext,
) -> Record {
    let mut size = 0usize;
    let (mut fields, header_time) = match record.body.as_ref().and_then(|b| b.value.as_ref()) {
        Some(any_value::Value::StringValue(text)) => {
            size += text.len();
            crate::file::jsonl::text_fields(text.as_bytes(), context)
        }
        Some(any_value::Value::KvlistValue(list)) => {
            let mut fields = Map::new();
            add_attributes(&mut fields, &list.values, &mut size);
            (fields, None)
        }
        Some(other) => {
            let value = json_of(other, &mut size);
            let text = match value {
                Value::String(text) => text,
                other => other.to_string(),
            };
            let mut fields = Map::new();
            fields.insert("message".to_owned(), Value::String(text));
            (fields, None)
        }
        None => (Map::new(), None),
    };
    add_attributes(&mut fields, &record.attributes, &mut size);
    add_attributes(&mut fields, resource, &mut size);
    let mut put = |key: &str, value: Value| {
        fields.entry(key.to_owned()).or_insert(value);
    };
    if !scope.name.is_empty() {
        size += scope.name.len();
        put("otel.scope.name", Value::from(scope.name.as_str()));
    }
    if !scope.version.is_empty() {
        size += scope.version.len();
        put("otel.scope.version", Value::from(scope.version.as_str()));
    }
    if !record.severity_text.is_empty() {
        size += record.severity_text.len();
        put("log.level", Value::from(record.severity_text.as_str()));
    }
    if record.severity_number > 0 {
        put("event.severity", Value::from(record.severity_number));
    }
    if !record.event_name.is_empty() {
        size += record.event_name.len();
        put("event.name", Value::from(record.event_name.as_str()));
    }
    if record.trace_id.iter().any(|b| *b != 0) {
        size += 2 * record.trace_id.len();
        put("trace.id", Value::from(hex::encode(&record.trace_id)));
    }
    if record.span_id.iter().any(|b| *b != 0) {
        size += 2 * record.span_id.len();
        put("span.id", Value::from(hex::encode(&record.span_id)));
    }
    let observed = nanos(record.observed_time_unix_nano);
    if let Some(observed) = observed {
        put("event.created", Value::from(observed.to_string()));
    }
    Record {
        fields,
        timestamp: nanos(record.time_unix_nano).or(header_time),
        observed,
        size,
    }
}

/// A time in nanoseconds since the epoch; 0 (OTLP's "unknown") and out-of-range values are
/// none.
fn nanos(n: u64) -> Option<Timestamp> {
    if n == 0 {
        return None;
    }
    Timestamp::from_nanosecond(i128::from(n)).ok()
}

/// Adds each attribute under its key unless the key is already there (the first of
/// duplicate keys wins, as OTLP asks receivers to keep one).
fn add_attributes(fields: &mut Map<String, Value>, attributes: &[KeyValue], size: &mut usize) {
    for kv in attributes {
        if kv.key.is_empty() || fields.contains_key(&kv.key) {
            continue;
        }
        *size += kv.key.len() + 4;
        let value = match &kv.value {
            Some(value) => any_json(value, size),
            None => Value::Null,
        };
        fields.insert(kv.key.clone(), value);
    }
}

fn any_json(value: &AnyValue, size: &mut usize) -> Value {
    match &value.value {
        Some(inner) => json_of(inner, size),
        None => Value::Null,
    }
}

/// An attribute value as JSON: a map for a key-value list, base64 text for bytes, a
/// non-finite double as its text (JSON has no NaN). Its nesting is bounded by the decoder
/// (prost and serde_json refuse messages nested over 100 and 128 levels).
fn json_of(value: &any_value::Value, size: &mut usize) -> Value {
    match value {
        any_value::Value::StringValue(text) => {
            *size += text.len() + 2;
            Value::from(text.as_str())
        }
        any_value::Value::BoolValue(b) => {
            *size += 5;
            Value::from(*b)
        }
        any_value::Value::IntValue(n) => {
            *size += 20;
            Value::from(*n)
        }
        any_value::Value::DoubleValue(x) => {
            *size += 24;
            serde_json::Number::from_f64(*x)
                .map(Value::Number)
                .unwrap_or_else(|| Value::from(x.to_string()))
        }
        any_value::Value::ArrayValue(array) => {
            *size += 2;
            Value::Array(array.values.iter().map(|v| any_json(v, size)).collect())
        }
        any_value::Value::KvlistValue(list) => {
            *size += 2;
            let mut map = Map::new();
            add_attributes(&mut map, &list.values, size);
            Value::Object(map)
        }
        any_value::Value::BytesValue(bytes) => {
            *size += bytes.len() * 4 / 3 + 4;
            Value::from(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        // A profiling-only reference into a string table that logs do not have: OTLP asks
        // other receivers to treat it as absent.
        any_value::Value::StringValueStrindex(_) => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{ArrayValue, InstrumentationScope, KeyValueList};
    use opentelemetry_proto::tonic::logs::v1::{ResourceLogs, ScopeLogs};
    use opentelemetry_proto::tonic::resource::v1::Resource;

    fn text(s: &str) -> AnyValue {
        AnyValue {
            value: Some(any_value::Value::StringValue(s.to_owned())),
        }
    }

    fn kv(key: &str, value: AnyValue) -> KeyValue {
        KeyValue {
            key: key.to_owned(),
            value: Some(value),
            ..KeyValue::default()
        }
    }

    fn request(resource: Vec<KeyValue>, records: Vec<LogRecord>) -> ExportLogsServiceRequest {
        ExportLogsServiceRequest {
            resource_logs: vec![ResourceLogs {
                resource: Some(Resource {
                    attributes: resource,
                    ..Resource::default()
                }),
                scope_logs: vec![ScopeLogs {
                    scope: Some(InstrumentationScope {
                        name: "app.auth".to_owned(),
                        version: "1.2".to_owned(),
                        ..InstrumentationScope::default()
                    }),
                    log_records: records,
                    ..ScopeLogs::default()
                }],
                ..ResourceLogs::default()
            }],
        }
    }

    fn read_one(req: ExportLogsServiceRequest) -> OtlpBatch {
        read(
            req,
            TenantId(3),
            Timestamp::from_second(1_765_000_000).unwrap(),
            None,
            1 << 20,
        )
    }

    #[test]
    fn a_syslog_body_is_read_like_a_text_log_line_and_parsed_by_its_type() {
        let record = LogRecord {
            time_unix_nano: 1_765_100_000_123_000_000,
            severity_text: "INFO".to_owned(),
            severity_number: 9,
            trace_id: vec![0xab; 16],
            span_id: vec![0; 8],
            body: Some(text(
                "Dec  7 10:00:00 web1 sshd[4242]: Failed password for invalid user admin from 203.0.113.9 port 51000 ssh2",
            )),
            attributes: vec![kv("log.file.name", text("auth.log"))],
            ..LogRecord::default()
        };
        let out = read_one(request(
            vec![
                kv("host.name", text("web1")),
                kv("service.name", text("sshd")),
            ],
            vec![record],
        ));
        assert!(out.batch.rejected.is_empty(), "{:?}", out.batch.rejected);
        let event = &out.batch.events[0];
        assert_eq!(event.source, "otlp");
        assert_eq!(event.tenant, TenantId(3));
        assert_eq!(event.source_type.as_deref(), Some("linux.sshd"));
        assert_eq!(
            event.timestamp,
            Some(Timestamp::from_nanosecond(1_765_100_000_123_000_000).unwrap())
        );
        let f = &event.fields;
        let at = |p: &str| vigie_event::field::lookup(f, p).cloned();
        assert_eq!(at("log.syslog.appname"), Some(Value::from("sshd")));
        assert_eq!(at("source.ip"), Some(Value::from("203.0.113.9")));
        assert_eq!(at("log.file.name"), Some(Value::from("auth.log")));
        assert_eq!(at("host.name"), Some(Value::from("web1")));
        assert_eq!(at("log.level"), Some(Value::from("INFO")));
        assert_eq!(at("event.severity"), Some(Value::from(9)));
        assert_eq!(at("otel.scope.name"), Some(Value::from("app.auth")));
        assert_eq!(at("trace.id"), Some(Value::from("ab".repeat(16))));
        assert_eq!(at("span.id"), None, "an all-zero span id is no span");
    }

    #[test]
    fn a_map_body_is_the_event_and_attributes_declare_the_source_type() {
        let cloudtrail = KeyValueList {
            values: vec![
                kv("eventSource", text("iam.amazonaws.com")),
                kv("eventName", text("CreateUser")),
                kv("eventTime", text("2026-12-01T08:00:00Z")),
                kv(
                    "userIdentity",
                    AnyValue {
                        value: Some(any_value::Value::KvlistValue(KeyValueList {
                            values: vec![kv("type", text("Root"))],
                        })),
                    },
                ),
            ],
        };
        let record = LogRecord {
            observed_time_unix_nano: 1_765_000_001_000_000_000,
            body: Some(AnyValue {
                value: Some(any_value::Value::KvlistValue(cloudtrail)),
            }),
            attributes: vec![kv("event.dataset", text("aws.cloudtrail"))],
            ..LogRecord::default()
        };
        // The resource's declaration loses to the record's own.
        let out = read_one(request(
            vec![kv("data_stream.dataset", text("system.auth"))],
            vec![record],
        ));
        let event = &out.batch.events[0];
        assert_eq!(event.source_type.as_deref(), Some("aws.cloudtrail"));
        // No time of its own: the parser's (`eventTime`), not the observed time.
        assert_eq!(
            event.timestamp,
            Some("2026-12-01T08:00:00Z".parse().unwrap())
        );
        assert_eq!(
            vigie_event::field::lookup(&event.fields, "userIdentity.type"),
            Some(&Value::from("Root"))
        );
        assert!(out.warnings.is_empty());
    }

    #[test]
    fn the_resource_and_then_the_token_declare_when_the_record_does_not() {
        let line = LogRecord {
            body: Some(text("hello")),
            ..LogRecord::default()
        };
        let out = read_one(request(
            vec![kv("data_stream.dataset", text("system.auth"))],
            vec![line.clone()],
        ));
        assert_eq!(
            out.batch.events[0].source_type.as_deref(),
            Some("linux.auth")
        );
        let token = SourceType::new("fortinet.fortigate").unwrap();
        let out = read(
            request(vec![], vec![line.clone()]),
            TenantId(1),
            Timestamp::UNIX_EPOCH,
            Some(&token),
            1 << 20,
        );
        assert_eq!(
            out.batch.events[0].source_type.as_deref(),
            Some("fortinet.fortigate")
        );
        // A value that is no source type declares nothing: the token's is used, the record
        // kept, and the sender warned naming the value.
        let out = read(
            request(vec![kv("event.dataset", text("Linux Audit"))], vec![line]),
            TenantId(1),
            Timestamp::UNIX_EPOCH,
            Some(&token),
            1 << 20,
        );
        assert_eq!(out.batch.events.len(), 1);
        assert_eq!(
            out.batch.events[0].source_type.as_deref(),
            Some("fortinet.fortigate")
        );
        assert!(
            out.message().contains("\"Linux Audit\""),
            "{}",
            out.message()
        );
    }

    #[test]
    fn other_bodies_values_and_times() {
        let bytes = LogRecord {
            observed_time_unix_nano: 1_765_000_001_000_000_000,
            body: Some(AnyValue {
                value: Some(any_value::Value::BytesValue(b"\x00\x01bin".to_vec())),
            }),
            attributes: vec![
                kv(
                    "nan",
                    AnyValue {
                        value: Some(any_value::Value::DoubleValue(f64::NAN)),
                    },
                ),
                kv(
                    "list",
                    AnyValue {
                        value: Some(any_value::Value::ArrayValue(ArrayValue {
                            values: vec![
                                text("a"),
                                AnyValue {
                                    value: Some(any_value::Value::IntValue(-7)),
                                },
                            ],
                        })),
                    },
                ),
                kv("list", text("the second of two keys is dropped")),
            ],
            ..LogRecord::default()
        };
        let array = LogRecord {
            body: Some(AnyValue {
                value: Some(any_value::Value::ArrayValue(ArrayValue {
                    values: vec![text("x")],
                })),
            }),
            ..LogRecord::default()
        };
        let out = read_one(request(vec![], vec![bytes, array, LogRecord::default()]));
        let [a, b, c] = &out.batch.events[..] else {
            panic!("{:?}", out.batch)
        };
        assert_eq!(a.fields["message"], Value::from("AAFiaW4="));
        assert_eq!(a.fields["nan"], Value::from("NaN"));
        assert_eq!(a.fields["list"], serde_json::json!(["a", -7]));
        // No time of its own: the observed time.
        assert_eq!(
            a.timestamp,
            Some(Timestamp::from_second(1_765_000_001).unwrap())
        );
        assert_eq!(b.fields["message"], Value::from("[\"x\"]"));
        // An empty record: only its scope, no time.
        let keys: Vec<&str> = c.fields.keys().map(String::as_str).collect();
        assert_eq!(keys, ["otel.scope.name", "otel.scope.version"]);
        assert!(c.timestamp.is_none());
    }

    #[test]
    fn oversized_and_too_deep_records_are_rejected_by_number_and_the_others_kept() {
        let big = LogRecord {
            body: Some(text(&"x".repeat(2000))),
            ..LogRecord::default()
        };
        let mut deep = text("leaf");
        for _ in 0..130 {
            deep = AnyValue {
                value: Some(any_value::Value::KvlistValue(KeyValueList {
                    values: vec![kv("k", deep)],
                })),
            };
        }
        let deep = LogRecord {
            attributes: vec![kv("nested", deep)],
            ..LogRecord::default()
        };
        let fine = LogRecord {
            body: Some(text("fine")),
            ..LogRecord::default()
        };
        let out = read(
            request(vec![], vec![fine.clone(), big, deep, fine]),
            TenantId(1),
            Timestamp::UNIX_EPOCH,
            None,
            1000,
        );
        assert_eq!(out.batch.events.len(), 2);
        let rejected: Vec<(usize, &str)> = out
            .batch
            .rejected
            .iter()
            .map(|r| (r.line, r.reason))
            .collect();
        assert_eq!(rejected, [(2, "line_too_long"), (3, "too_deep")]);
        let message = out.message();
        assert!(
            message.starts_with("record 2: the record holds about 2011 bytes, the limit is 1000"),
            "{message}"
        );
        // Every kept event reads back from its log record.
        for event in &out.batch.events {
            assert_eq!(&Event::from_record(&event.to_record()).unwrap(), event);
        }
    }
}
