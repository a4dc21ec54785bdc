//! Source types and parsers: what sent an event, and its line read into ECS-named fields.
//!
//! [`normalize`] is the one entry point every intake uses (syslog, HTTP NDJSON and `_bulk`,
//! OTLP, `vigie import`) and the offline commands too, so an event is read the same way
//! wherever it enters. It takes the source type declared where the data entered (per token,
//! listener, `_bulk` index, import flag) or, when none was declared, recognises it from the
//! content where that is unambiguous (a CEF header, Sysmon's XML, Suricata's `event_type`,
//! Zeek's `_path`, CloudTrail's `eventSource`, ...), then runs that type's parser.
//!
//! Parsers only **add** fields (ECS names: `source.ip`, `process.command_line`,
//! `user.name`, ...) and never change or remove what the event carried: the syslog message
//! or the sender's JSON stays as it came, which is the original. An event with a source type
//! gets it as `event.dataset` (unless the sender wrote one), parsed or not. An event that does not parse
//! keeps its fields, gets the tag `parse_error` and `error.message` naming the reason, and is
//! counted in `vigie_parse_errors_total{source_type, reason}`; it is never dropped.

pub mod auditd_join;
mod fields;
mod formats;
pub mod samples;
mod source_type;
mod windows;

use jiff::Timestamp;
use serde_json::{Map, Value};

pub use source_type::{MAX_LEN, SourceType, SourceTypeError};
pub use windows::{raw_windows_type, windows_type};

/// Why one event did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct ParseError {
    /// A short, fixed reason (`no_header`, `bad_field_count`, ...): the metric label.
    pub reason: &'static str,
    /// What was wrong, naming the offending value.
    pub detail: String,
}

impl ParseError {
    /// An error with its reason and detail.
    pub fn new(reason: &'static str, detail: impl Into<String>) -> Self {
        Self {
            reason,
            detail: detail.into(),
        }
    }
}

/// What [`normalize`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The event's source type: the declared one (or the more precise type its parser
    /// found), else the recognised one; `None` when nothing says what sent it.
    pub source_type: Option<SourceType>,
    /// Whether a parser read the event (false: no parser for the type, or none known).
    pub parsed: bool,
    /// The time the event says it happened, when its format carries one.
    pub timestamp: Option<Timestamp>,
    /// Why it did not parse (the fields then carry `parse_error` and `error.message`).
    pub error: Option<ParseError>,
}

/// Reads one event's fields as `declared` (or, when `None`, as its content says) and adds
/// the parsed fields. See the crate documentation.
pub fn normalize(declared: Option<&SourceType>, fields: &mut Map<String, Value>) -> Outcome {
    let (format, source_type) = match declared {
        Some(declared) => (formats::for_declared(declared.as_str()), declared.clone()),
        None => match formats::recognise(&formats::Input::of(fields)) {
            Some((format, found)) => (Some(format), SourceType::known(found)),
            // A Windows event: its channel names its type (a label; no parser).
            None => match windows::channel(fields).and_then(windows_type) {
                Some(windows) => (None, windows),
                None => {
                    return Outcome {
                        source_type: None,
                        parsed: false,
                        timestamp: None,
                        error: None,
                    };
                }
            },
        },
    };
    let Some(format) = format else {
        // Declared, but no parser reads the type: a label only.
        fields::put(fields, "event.dataset", source_type.as_str());
        return Outcome {
            source_type: Some(source_type),
            parsed: false,
            timestamp: None,
            error: None,
        };
    };
    let mut ctx = formats::Ctx {
        source_type: source_type.as_str(),
        fields,
        refined: None,
        timestamp: None,
    };
    let result = (format.parse)(&mut ctx);
    let (refined, timestamp) = (ctx.refined, ctx.timestamp);
    let source_type = refined.map(SourceType::known).unwrap_or(source_type);
    fields::put(fields, "event.dataset", source_type.as_str());
    let error = result.err();
    if let Some(error) = &error {
        fields::add_tag(fields, "parse_error");
        fields::put(
            fields,
            "error.message",
            format!("{source_type}: {}", error.detail),
        );
        fields::put(fields, "error.type", error.reason);
        metrics::counter!(
            "vigie_parse_errors_total",
            "source_type" => source_type.to_string(),
            "reason" => error.reason,
        )
        .increment(1);
    }
    Outcome {
        source_type: Some(source_type),
        parsed: error.is_none(),
        timestamp,
        error,
    }
}

/// Whether a JSON object (its raw bytes) may be recognised by a parser: a cheap look for the
/// keys recognition reads, so the intake's fast path skips [`normalize`] for the rest (e.g.
/// Windows events). A `true` is only a hint; [`normalize`] decides.
pub fn json_worth_a_look(raw: &[u8]) -> bool {
    formats::markers().found_in(raw)
}

/// Elastic integration datasets whose vigie source type has another name.
const ELASTIC: &[(&str, &str)] = &[
    ("system.auth", "linux.auth"),
    ("system.syslog", "linux.syslog"),
    ("auditd.log", "linux.auditd"),
    ("auditd_manager.auditd", "linux.auditd"),
    ("panw.panos", "panos.log"),
    ("fortinet.firewall", "fortinet.fortigate"),
    ("fortinet_fortigate.log", "fortinet.fortigate"),
    ("cisco_asa.log", "cisco.asa"),
    ("cisco_ftd.log", "cisco.ftd"),
    ("o365.audit", "m365.audit"),
    ("azure.signinlogs", "azure.signinlogs"),
    ("azure.auditlogs", "azure.auditlogs"),
];

/// The source type an Elastic dataset name stands for (`system.auth` → `linux.auth`), or
/// the name itself when it is a valid source type.
pub fn from_elastic_dataset(dataset: &str) -> Option<SourceType> {
    match ELASTIC.iter().find(|(elastic, _)| *elastic == dataset) {
        Some((_, ours)) => Some(SourceType::known(ours)),
        None => SourceType::new(dataset).ok(),
    }
}

/// The source type a `_bulk` index declares: the dataset of an Elastic data stream
/// (`logs-aws.cloudtrail-default`, `logs-system.auth-prod`; see [`from_elastic_dataset`]), or
/// an index named like a source type (`linux.auditd`). Other names declare nothing.
pub fn declared_by_index(index: &str) -> Option<SourceType> {
    if let Some(rest) = index.strip_prefix("logs-") {
        // `logs-<dataset>-<namespace>`: the dataset has no `-`, the namespace may.
        let dataset = rest.split('-').next().unwrap_or_default();
        return from_elastic_dataset(dataset);
    }
    SourceType::new(index).ok()
}

/// The formats' names and the source types each parses, for documentation and `vigie
/// sources` (name, claimed types).
pub fn formats() -> impl Iterator<Item = (&'static str, &'static [&'static str])> {
    formats::FORMATS.iter().map(|f| (f.name, f.claims))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_and_elastic_datasets_declare_types() {
        let declared = |index: &str| declared_by_index(index).map(|t| t.to_string());
        assert_eq!(
            declared("logs-aws.cloudtrail-default").as_deref(),
            Some("aws.cloudtrail")
        );
        assert_eq!(
            declared("logs-system.auth-prod-eu").as_deref(),
            Some("linux.auth")
        );
        assert_eq!(
            declared("logs-panw.panos-default").as_deref(),
            Some("panos.log")
        );
        assert_eq!(declared("linux.auditd").as_deref(), Some("linux.auditd"));
        assert_eq!(declared("winlogbeat-2026.11.25"), None);
        assert_eq!(declared("logs-generic-default"), None);
        assert_eq!(declared("LOGS"), None);
    }

    #[test]
    fn declared_type_without_parser_is_a_label() {
        let mut fields = Map::new();
        fields.insert("message".into(), "hello".into());
        let declared = SourceType::new("myapp.audit").unwrap();
        let outcome = normalize(Some(&declared), &mut fields);
        assert_eq!(outcome.source_type, Some(declared));
        assert!(!outcome.parsed && outcome.error.is_none());
        assert_eq!(
            Value::Object(fields),
            serde_json::json!({"message": "hello", "event": {"dataset": "myapp.audit"}})
        );
        assert!(!json_worth_a_look(
            br#"{"Channel":"Security","EventID":4688}"#
        ));
        assert!(json_worth_a_look(br#"{"message":"CEF:0|a|b|1|2|n|3|"}"#));
    }
}

/// Every JSON sample record that a parser recognises has one of the markers the intake looks
/// for first (else the intake would skip it), and the Windows events of the OTRF sets have
/// none (else every Windows event would be decoded twice).
#[cfg(test)]
mod marker_tests {
    use std::io::Read;

    use super::*;

    fn json_lines(dir: &std::path::Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                json_lines(&path, out);
                continue;
            }
            let name = path.to_string_lossy().to_string();
            let mut text = String::new();
            if name.ends_with(".jsonl.gz") {
                let file = std::fs::File::open(&path).unwrap();
                flate2::read::MultiGzDecoder::new(file)
                    .read_to_string(&mut text)
                    .unwrap();
            } else if name.ends_with(".json") || name.ends_with(".ndjson") || name.ends_with(".log")
            {
                text = std::fs::read_to_string(&path).unwrap_or_default();
            }
            out.extend(
                text.lines()
                    .filter(|l| l.trim_start().starts_with('{'))
                    .map(str::to_owned),
            );
        }
    }

    #[test]
    fn recognised_records_carry_a_marker() {
        let Some(logs) = testing::fixture("recognised_records_carry_a_marker", "") else {
            return;
        };
        let mut lines = Vec::new();
        json_lines(&logs, &mut lines);
        let mut recognised = 0;
        for line in &lines {
            let Ok(mut fields) = serde_json::from_str::<Map<String, Value>>(line) else {
                continue;
            };
            if normalize(None, &mut fields).source_type.is_some() {
                recognised += 1;
                assert!(json_worth_a_look(line.as_bytes()), "no marker: {line}");
            }
        }
        assert!(recognised > 800, "{recognised} of {}", lines.len());
    }

    #[test]
    fn windows_events_carry_none() {
        let Some(otrf) = testing::fixture("windows_events_carry_none", "../otrf") else {
            return;
        };
        let mut lines = Vec::new();
        json_lines(&otrf, &mut lines);
        assert!(lines.len() > 10_000, "{}", lines.len());
        let flagged = lines
            .iter()
            .filter(|l| json_worth_a_look(l.as_bytes()))
            .count();
        assert!(flagged * 1000 < lines.len(), "{flagged} of {}", lines.len());
    }
}

/// Test helpers: events of one line, times, and the shared sample logs.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::PathBuf;

    use serde_json::{Map, Value};

    /// The fields of an event whose line is `line` (as `message`).
    pub(crate) fn event(line: &str) -> Map<String, Value> {
        let mut fields = Map::new();
        fields.insert("message".into(), line.into());
        fields
    }

    /// A time written in RFC 3339.
    pub(crate) fn ts(text: &str) -> jiff::Timestamp {
        text.parse().unwrap()
    }

    /// The object a JSON value is (a test's record).
    pub(crate) fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    /// The value at `path` (flat or nested), `null` when absent.
    pub(crate) fn get<'a>(f: &'a Map<String, Value>, path: &str) -> &'a Value {
        crate::fields::lookup(f, path).unwrap_or(&Value::Null)
    }

    /// Asserts each (path, value) of `expected`.
    pub(crate) fn check(f: &Map<String, Value>, expected: &[(&str, Value)]) {
        for (path, value) in expected {
            assert_eq!(
                get(f, path),
                value,
                "{path} in {}",
                Value::Object(f.clone())
            );
        }
    }

    /// The folder `rel` under the shared sample logs (`../shared/fixtures/logs/<rel>`), or
    /// `None` after recording the test as skipped where `scripts/test` counts skips.
    pub(crate) fn fixture(test: &str, rel: &str) -> Option<PathBuf> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/logs")
            .join(rel);
        let reason = match std::fs::metadata(&dir) {
            Ok(meta) if meta.is_dir() => return Some(dir),
            Ok(_) => format!("{} is not a folder", dir.display()),
            Err(e) => format!("sample logs not found at {}: {e}", dir.display()),
        };
        eprintln!("SKIPPED {test}: {reason}");
        if let Ok(path) = std::env::var("VIGIE_SKIP_LOG")
            && let Ok(mut file) = std::fs::OpenOptions::new().append(true).open(path)
        {
            use std::io::Write;
            let _ = writeln!(file, "{test}: {reason}");
        }
        None
    }
}
