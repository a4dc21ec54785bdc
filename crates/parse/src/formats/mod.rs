//! The parsers, one module per format, and the table [`FORMATS`] that names them.
//!
//! Each format says which declared source types it parses ([`Format::claims`]), how it
//! recognises its events from their content when nothing was declared
//! ([`Format::recognise`], only where that is unambiguous), and parses one event
//! ([`Format::parse`]) by adding ECS-named fields beside the original ones.

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::ParseError;
use crate::fields;

mod cef;
mod cisco_asa;
mod cloudtrail;
mod fortigate;
mod leef;
mod linux_auditd;
mod linux_auth;
mod m365;
mod panos;
mod suricata;
mod sysmon_linux;
mod web_access;
mod zeek;

/// One log format.
pub(crate) struct Format {
    /// Short name, for documentation and benchmarks (`cef`, `linux.auditd`).
    pub(crate) name: &'static str,
    /// Declared source types it parses: an exact type (`linux.auditd`), or a product
    /// followed by `.` (`panos.`: every `panos.*` type).
    pub(crate) claims: &'static [&'static str],
    /// The source type of an event with nothing declared, when its content says it
    /// unambiguously; `None` otherwise. Called on every event without a declared type that
    /// reaches the parsers, so it must be cheap (a prefix or a key, not a parse).
    pub(crate) recognise: fn(&Input<'_>) -> Option<&'static str>,
    /// Byte strings of which one is in the raw JSON of every event `recognise` can claim
    /// (a key like `"eventSource"`, a header like `CEF:`): intakes look for them in one
    /// pass and skip the parsers for events with none (most Windows events).
    pub(crate) markers: &'static [&'static str],
    /// Parses one event.
    pub(crate) parse: fn(&mut Ctx<'_>) -> Result<(), ParseError>,
}

/// What recognition looks at.
pub(crate) struct Input<'a> {
    /// The text of a line-oriented event: `message` (syslog payload, or the line of a text
    /// file), else `SyslogMessage` (Azure Monitor's Syslog table).
    pub(crate) message: Option<&'a str>,
    /// The syslog program name (`log.syslog.appname`), when the event came over syslog.
    pub(crate) appname: Option<&'a str>,
    /// Every field.
    pub(crate) fields: &'a Map<String, Value>,
}

impl<'a> Input<'a> {
    pub(crate) fn of(fields: &'a Map<String, Value>) -> Self {
        Self {
            message: message_of(fields),
            appname: fields::text(fields, "log.syslog.appname"),
            fields,
        }
    }
}

/// The line-oriented text of an event (see [`Input::message`]).
pub(crate) fn message_of(fields: &Map<String, Value>) -> Option<&str> {
    fields
        .get("message")
        .or_else(|| fields.get("SyslogMessage"))
        .and_then(Value::as_str)
}

/// One event being parsed.
pub(crate) struct Ctx<'a> {
    /// The declared or recognised source type.
    pub(crate) source_type: &'a str,
    /// The event's fields: add to them with [`crate::fields::put`] and friends.
    pub(crate) fields: &'a mut Map<String, Value>,
    /// A more precise type found while parsing (`panos.traffic` for a declared `panos.log`);
    /// must be a valid source type.
    pub(crate) refined: Option<&'static str>,
    /// The time the event says it happened, when the format carries one.
    pub(crate) timestamp: Option<Timestamp>,
}

impl Ctx<'_> {
    /// The event's line (see [`Input::message`]), copied so that fields can be added while
    /// reading it; an error when the event has none.
    pub(crate) fn line(&self) -> Result<String, ParseError> {
        message_of(self.fields)
            .map(str::to_owned)
            .ok_or_else(|| ParseError::new("no_message", "the event has no `message` text"))
    }
}

/// Every format, in the order recognition tries them.
pub(crate) const FORMATS: &[&Format] = &[
    &sysmon_linux::FORMAT,
    &linux_auditd::FORMAT,
    &cef::FORMAT,
    &leef::FORMAT,
    &cisco_asa::FORMAT,
    &fortigate::FORMAT,
    &panos::FORMAT,
    &suricata::FORMAT,
    &zeek::FORMAT,
    &cloudtrail::FORMAT,
    &m365::FORMAT,
    &web_access::FORMAT,
    &linux_auth::FORMAT,
];

/// The recognition markers of every format, found in one pass.
pub(crate) struct Markers {
    /// The SIMD (Teddy) searcher, when the machine and the pattern count allow it: several
    /// times faster than the automaton on JSON, where most bytes start no marker.
    packed: Option<aho_corasick::packed::Searcher>,
    /// The automaton otherwise.
    automaton: aho_corasick::AhoCorasick,
}

impl Markers {
    /// Whether `text` holds a marker.
    pub(crate) fn found_in(&self, text: &[u8]) -> bool {
        match &self.packed {
            Some(packed) => packed.find(text).is_some(),
            None => self.automaton.is_match(text),
        }
    }
}

/// The markers of every format.
pub(crate) fn markers() -> &'static Markers {
    static MARKERS: std::sync::OnceLock<Markers> = std::sync::OnceLock::new();
    MARKERS.get_or_init(|| {
        let all: Vec<&str> = FORMATS
            .iter()
            .flat_map(|f| f.markers.iter().copied())
            .collect();
        Markers {
            packed: aho_corasick::packed::Searcher::new(all.iter()),
            // A few dozen short literals: building cannot fail.
            automaton: aho_corasick::AhoCorasick::new(&all)
                .unwrap_or_else(|e| panic!("recognition markers: {e}")),
        }
    })
}

/// The format that parses a declared type.
pub(crate) fn for_declared(source_type: &str) -> Option<&'static Format> {
    FORMATS.iter().copied().find(|f| {
        f.claims.iter().any(|claim| match claim.strip_suffix('.') {
            Some(product) => source_type
                .strip_prefix(product)
                .is_some_and(|rest| rest.starts_with('.')),
            None => *claim == source_type,
        })
    })
}

/// The format and type recognised from the content.
pub(crate) fn recognise(input: &Input<'_>) -> Option<(&'static Format, &'static str)> {
    FORMATS
        .iter()
        .find_map(|f| (f.recognise)(input).map(|t| (*f, t)))
}
