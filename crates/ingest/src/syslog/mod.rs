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
use serde_json::{Map, Value};

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

/// Where a message came from, written as `log.source` (the listener adds it).
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    /// The peer, `ip:port`.
    pub address: &'a str,
    /// `udp`, `tcp` or `tls`.
    pub transport: &'a str,
}

/// What [`write_fields`] read besides the fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    /// The time the message says it happened.
    pub timestamp: Option<Timestamp>,
    /// What was wrong but kept.
    pub flags: Vec<Flag>,
}

/// Parses one message into a map of its fields (see [`write_fields`], of which this is
/// the parsed form). `truncated` says the framing cut it at the size limit.
pub fn parse(raw: &[u8], truncated: bool, context: &ParseContext) -> Parsed {
    let mut out = Vec::new();
    let written = write_fields(raw, truncated, context, None, &mut out);
    // The bytes were just written by serde_json from strings, numbers and maps.
    let fields = serde_json::from_slice(&out).unwrap_or_default();
    Parsed {
        fields,
        timestamp: written.timestamp,
        flags: written.flags,
    }
}

/// Parses one message and writes its fields as one JSON object to `out`: `message`,
/// `log.syslog.*` (ECS names), `log.source` when given, and for a flagged message
/// `event.original`, `tags` and `error.message`. Written straight from the message text,
/// without building a map: this is the form the listeners put in the log.
pub fn write_fields(
    raw: &[u8],
    truncated: bool,
    context: &ParseContext,
    source: Option<Source<'_>>,
    out: &mut Vec<u8>,
) -> Written {
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
    let detail = (!flags.is_empty()).then(|| {
        error.unwrap_or_else(|| {
            flags
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(", ")
        })
    });
    let fields = Fields {
        header: &header,
        source,
        text,
        flags: &flags,
        detail: detail.as_deref(),
    };
    // Serialising strings, numbers and maps into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &fields);
    Written {
        timestamp: header.timestamp,
        flags,
    }
}

/// The fields of one message, serialised in this order: `message`, `log` (`syslog`,
/// `source`), `event`, `tags`, `error`.
struct Fields<'a> {
    header: &'a Header<'a>,
    source: Option<Source<'a>>,
    text: &'a str,
    flags: &'a [Flag],
    detail: Option<&'a str>,
}

impl serde::Serialize for Fields<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("message", self.header.message)?;
        let syslog = SyslogFields(self.header);
        match (syslog.is_empty(), self.source) {
            (true, None) => {}
            (false, None) => map.serialize_entry(
                "log",
                &Log {
                    syslog: Some(&syslog),
                    source: None,
                },
            )?,
            (empty, Some(source)) => map.serialize_entry(
                "log",
                &Log {
                    syslog: (!empty).then_some(&syslog),
                    source: Some(source),
                },
            )?,
        }
        if let Some(detail) = self.detail {
            map.serialize_entry(
                "event",
                &Original {
                    original: self.text,
                },
            )?;
            let tags: Vec<&str> = self.flags.iter().map(|f| f.name()).collect();
            map.serialize_entry("tags", &tags)?;
            map.serialize_entry("error", &ErrorMessage { message: detail })?;
        }
        map.end()
    }
}

#[derive(serde::Serialize)]
struct Log<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    syslog: Option<&'a SyslogFields<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Source<'a>>,
}

impl serde::Serialize for Source<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("address", self.address)?;
        map.serialize_entry("transport", self.transport)?;
        map.end()
    }
}

#[derive(serde::Serialize)]
struct Original<'a> {
    original: &'a str,
}

#[derive(serde::Serialize)]
struct ErrorMessage<'a> {
    message: &'a str,
}

#[derive(serde::Serialize)]
struct CodeName {
    code: u8,
    name: &'static str,
}

/// `log.syslog`: priority, facility, severity, hostname, appname, procid, msgid, version,
/// structured_data (each when the message has it).
struct SyslogFields<'a>(&'a Header<'a>);

impl SyslogFields<'_> {
    fn is_empty(&self) -> bool {
        let h = self.0;
        h.priority.is_none()
            && h.hostname.is_none()
            && h.appname.is_none()
            && h.procid.is_none()
            && h.msgid.is_none()
            && h.version.is_none()
            && h.structured_data.is_none()
    }
}

impl serde::Serialize for SyslogFields<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let h = self.0;
        let mut map = serializer.serialize_map(None)?;
        if let Some(pri) = h.priority {
            let (facility, severity) = (pri >> 3, pri & 7);
            map.serialize_entry("priority", &pri)?;
            map.serialize_entry(
                "facility",
                &CodeName {
                    code: facility,
                    name: FACILITIES
                        .get(usize::from(facility))
                        .copied()
                        .unwrap_or("unknown"),
                },
            )?;
            map.serialize_entry(
                "severity",
                &CodeName {
                    code: severity,
                    name: SEVERITIES[usize::from(severity)],
                },
            )?;
        }
        for (key, value) in [
            ("hostname", h.hostname),
            ("appname", h.appname),
            ("procid", h.procid),
            ("msgid", h.msgid),
        ] {
            if let Some(value) = value {
                map.serialize_entry(key, value)?;
            }
        }
        if let Some(version) = h.version {
            map.serialize_entry("version", &version)?;
        }
        if let Some(sd) = &h.structured_data {
            map.serialize_entry("structured_data", sd)?;
        }
        map.end()
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
    use serde_json::json;

    pub(crate) fn context() -> ParseContext {
        ParseContext {
            timezone: TimeZone::get("Europe/Brussels").unwrap(),
            now: "2026-11-25T12:00:00Z".parse().unwrap(),
        }
    }

    /// The fields as the listeners write them to the log, byte for byte, and the same
    /// object through [`parse`].
    #[test]
    fn fields_are_written_in_their_log_form() {
        let source = Source {
            address: "192.0.2.1:601",
            transport: "tls",
        };
        let mut out = Vec::new();
        let written = write_fields(
            b"<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - 'su root' failed\n",
            false,
            &context(),
            Some(source),
            &mut out,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"message":"'su root' failed","log":{"syslog":{"priority":34,"facility":{"code":4,"name":"auth"},"severity":{"code":2,"name":"critical"},"hostname":"mymachine","appname":"su","msgid":"ID47","version":1},"source":{"address":"192.0.2.1:601","transport":"tls"}}}"#
        );
        assert_eq!(written.flags, []);
        assert_eq!(
            written.timestamp,
            Some("2003-10-11T22:14:15.003Z".parse().unwrap())
        );
        let mut out = Vec::new();
        let written = write_fields(
            b"no header at all",
            false,
            &context(),
            Some(source),
            &mut out,
        );
        let fields: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(written.flags, [Flag::Unparsed]);
        assert_eq!(fields["message"], "no header at all");
        assert_eq!(
            fields["log"],
            json!({"source": {"address": "192.0.2.1:601", "transport": "tls"}})
        );
        assert_eq!(fields["event"]["original"], "no header at all");
        assert_eq!(fields["tags"], json!(["unparsed"]));
        assert!(fields["error"]["message"].is_string());
        let parsed = parse(b"no header at all", false, &context());
        assert!(parsed.fields.get("log").is_none());
        assert_eq!(parsed.fields["tags"], fields["tags"]);
        let sd = parse(
            br#"<165>1 2003-10-11T22:14:15.003-07:00 host evntslog - ID47 [exampleSDID@32473 iut="3"] msg"#,
            false,
            &context(),
        );
        assert_eq!(
            sd.fields["log"]["syslog"]["structured_data"]["exampleSDID@32473"]["iut"],
            "3"
        );
        assert_eq!(sd.fields["log"]["syslog"]["facility"]["name"], "local4");
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
