//! Syslog: RFC 5424 and RFC 3164 messages over UDP, TCP (RFC 6587 framing) and TLS (RFC 5425).
//!
//! - [`parse`] reads one message of either format (told apart by the version digit after the
//!   priority) into ECS-named fields (`message`, `log.syslog.*`) and the event's own time.
//!   Nothing is dropped: a message that is not UTF-8, is cut at the size limit, or matches no
//!   syslog layout is kept whole in `message` and `event.original`, with its flags in `tags`
//!   and the reason in `error.message`.
//! - [`framing`] splits a TCP byte stream into messages (octet counting and LF framing).
//! - [`listener`] binds the configured UDP/TCP/TLS listeners, attributes each connection to a
//!   tenant (client certificate, source network, listener default: never the message) and
//!   submits batches through [`crate::Intake`]; on TCP/TLS it stops reading while the log is
//!   behind, so senders feel TCP backpressure.

pub mod framing;
pub mod listener;
pub mod rfc3164;
pub mod rfc5424;
pub mod tls;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Map, Value, json};

pub use listener::{ListenerConfig, Protocol, TenantMap, TenantRef, start};

/// Facility names by code (RFC 5424 table 1, as ECS writes them).
const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];

/// Severity names by code (RFC 5424 table 2).
const SEVERITIES: [&str; 8] = [
    "emergency",
    "alert",
    "critical",
    "error",
    "warning",
    "notice",
    "informational",
    "debug",
];

/// A flag set on a message that was kept although something was wrong with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// Bytes that are not UTF-8 were replaced by U+FFFD in the fields; `event.original`
    /// holds the same lossy text.
    InvalidUtf8,
    /// The message was longer than the limit and cut; the rest was discarded.
    Truncated,
    /// No syslog layout matched; the whole text is the message.
    Unparsed,
    /// A header field was present but could not be read (e.g. the timestamp).
    BadHeader,
}

impl Flag {
    /// The flag's name in `tags` and in the `reason` label of `vigie_syslog_flagged_total`.
    pub fn name(self) -> &'static str {
        match self {
            Flag::InvalidUtf8 => "invalid_utf8",
            Flag::Truncated => "truncated",
            Flag::Unparsed => "unparsed",
            Flag::BadHeader => "bad_header",
        }
    }
}

/// What the parsers need beyond the bytes.
#[derive(Clone, Debug)]
pub struct ParseContext {
    /// Zone of RFC 3164 timestamps, which carry none (default Europe/Brussels).
    pub timezone: TimeZone,
    /// "Now", for the year RFC 3164 timestamps leave out.
    pub now: Timestamp,
}

/// One message, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    /// ECS-named fields.
    pub fields: Map<String, Value>,
    /// The time the message says it happened.
    pub timestamp: Option<Timestamp>,
    /// What was wrong but kept.
    pub flags: Vec<Flag>,
}

/// The header parts both formats share.
#[derive(Debug, Default)]
pub(crate) struct Header<'a> {
    pub(crate) priority: Option<u8>,
    pub(crate) version: Option<u8>,
    pub(crate) timestamp: Option<Timestamp>,
    pub(crate) hostname: Option<&'a str>,
    pub(crate) appname: Option<&'a str>,
    pub(crate) procid: Option<&'a str>,
    pub(crate) msgid: Option<&'a str>,
    pub(crate) structured_data: Option<Map<String, Value>>,
    pub(crate) message: &'a str,
    pub(crate) bad_header: Option<String>,
}

/// Parses one message. `truncated` says the framing cut it at the size limit.
pub fn parse(raw: &[u8], truncated: bool, context: &ParseContext) -> Parsed {
    let mut flags = Vec::new();
    if truncated {
        flags.push(Flag::Truncated);
    }
    let text = match std::str::from_utf8(raw) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => {
            flags.push(Flag::InvalidUtf8);
            String::from_utf8_lossy(raw)
        }
    };
    let text = text.trim_end_matches(['\n', '\r', '\0']);
    let header = match priority(text) {
        Some((_, rest)) if rest.starts_with("1 ") => rfc5424::parse(text),
        _ => rfc3164::parse(text, context),
    };
    let mut error = None;
    let header = match header {
        Ok(header) => header,
        Err(reason) => {
            flags.push(Flag::Unparsed);
            error = Some(reason);
            Header {
                message: text,
                ..Header::default()
            }
        }
    };
    if let Some(reason) = &header.bad_header {
        flags.push(Flag::BadHeader);
        error.get_or_insert_with(|| reason.clone());
    }
    let mut syslog = Map::new();
    if let Some(pri) = header.priority {
        let (facility, severity) = (pri >> 3, pri & 7);
        syslog.insert("priority".into(), json!(pri));
        syslog.insert(
            "facility".into(),
            json!({"code": facility, "name": FACILITIES.get(usize::from(facility)).copied().unwrap_or("unknown")}),
        );
        syslog.insert(
            "severity".into(),
            json!({"code": severity, "name": SEVERITIES[usize::from(severity)]}),
        );
    }
    let strings = [
        ("hostname", header.hostname),
        ("appname", header.appname),
        ("procid", header.procid),
        ("msgid", header.msgid),
    ];
    for (key, value) in strings {
        if let Some(value) = value {
            syslog.insert(key.into(), Value::String(value.to_owned()));
        }
    }
    if let Some(version) = header.version {
        syslog.insert("version".into(), json!(version));
    }
    if let Some(sd) = header.structured_data {
        syslog.insert("structured_data".into(), Value::Object(sd));
    }
    let mut fields = Map::new();
    fields.insert("message".into(), Value::String(header.message.to_owned()));
    if !syslog.is_empty() {
        fields.insert("log".into(), json!({ "syslog": syslog }));
    }
    if !flags.is_empty() {
        fields.insert("event".into(), json!({"original": text}));
        fields.insert(
            "tags".into(),
            flags.iter().map(|f| Value::from(f.name())).collect(),
        );
        let detail = error.unwrap_or_else(|| {
            flags
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(", ")
        });
        fields.insert("error".into(), json!({"message": detail}));
    }
    Parsed {
        fields,
        timestamp: header.timestamp,
        flags,
    }
}

/// `<PRI>` at the start: the value (0..=191) and the rest.
pub(crate) fn priority(text: &str) -> Option<(u8, &str)> {
    let rest = text.strip_prefix('<')?;
    let end = rest.find('>')?;
    let digits = &rest[..end];
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: u8 = digits.parse().ok()?;
    (value <= 191).then_some((value, &rest[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn context() -> ParseContext {
        ParseContext {
            timezone: TimeZone::get("Europe/Brussels").unwrap(),
            now: "2026-11-25T12:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn priority_bounds() {
        assert_eq!(priority("<34>rest"), Some((34, "rest")));
        assert_eq!(priority("<191>x"), Some((191, "x")));
        assert_eq!(priority("<192>x"), None);
        assert_eq!(priority("<>x"), None);
        assert_eq!(priority("<1a>x"), None);
        assert_eq!(priority("34>x"), None);
    }

    #[test]
    fn invalid_utf8_and_truncation_are_kept_and_flagged() {
        let parsed = parse(b"<13>Nov 25 10:00:00 host app: caf\xe9", true, &context());
        assert_eq!(parsed.flags, [Flag::Truncated, Flag::InvalidUtf8]);
        assert_eq!(parsed.fields["message"], "caf\u{fffd}");
        assert_eq!(parsed.fields["tags"], json!(["truncated", "invalid_utf8"]));
        assert!(
            parsed.fields["event"]["original"]
                .as_str()
                .unwrap()
                .starts_with("<13>")
        );
    }

    /// The committed corpus: one message per line in `good.txt` (each must parse without a
    /// flag) and `malformed.txt` (each must be kept, whole, with a flag and a reason).
    #[test]
    fn corpus() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/syslog");
        let good = std::fs::read(dir.join("good.txt")).unwrap();
        let mut count = 0;
        for line in good.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let parsed = parse(line, false, &context());
            assert!(
                parsed.flags.is_empty(),
                "{:?}: {:?}",
                String::from_utf8_lossy(line),
                parsed.fields
            );
            assert!(
                parsed.timestamp.is_some(),
                "{}",
                String::from_utf8_lossy(line)
            );
            assert!(parsed.fields["log"]["syslog"]["priority"].is_number());
            count += 1;
        }
        assert!(count >= 10);
        let bad = std::fs::read(dir.join("malformed.txt")).unwrap();
        let mut count = 0;
        for line in bad.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let parsed = parse(line, false, &context());
            let shown = String::from_utf8_lossy(line);
            assert!(!parsed.flags.is_empty(), "{shown:?} was not flagged");
            assert!(parsed.fields["error"]["message"].is_string(), "{shown:?}");
            assert_eq!(
                parsed.fields["event"]["original"].as_str().unwrap(),
                shown.trim_end_matches(['\r', '\0']),
                "{shown:?}"
            );
            count += 1;
        }
        assert!(count >= 10);
    }
}
