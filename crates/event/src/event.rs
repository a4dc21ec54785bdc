//! One received event.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::TenantId;

/// Identity of an event, given once at ingest and kept in the durable log, so a replay after
/// a crash sees the same id again (alert identity derives from it). 48 bits of milliseconds
/// since the Unix epoch then 80 random bits, like a ULID: ids sort roughly by arrival.
/// Written as 32 lowercase hex digits.
#[derive(Copy, Clone, Debug, Eq, PartialEq, Hash, Ord, PartialOrd)]
pub struct EventId(pub u128);

impl EventId {
    /// A fresh id for an event received at `at`.
    pub fn generate(at: Timestamp) -> Self {
        let millis = u128::from(at.as_millisecond().max(0).unsigned_abs()) & ((1 << 48) - 1);
        let random: u128 = rand::random::<u128>() & ((1 << 80) - 1);
        Self((millis << 80) | random)
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// Why a string is not an [`EventId`].
#[derive(Debug, thiserror::Error)]
#[error("invalid event id {0:?}: expected 32 hex digits")]
pub struct EventIdError(pub String);

impl FromStr for EventId {
    type Err = EventIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 32 {
            return Err(EventIdError(s.to_owned()));
        }
        u128::from_str_radix(s, 16)
            .map(Self)
            .map_err(|_| EventIdError(s.to_owned()))
    }
}

impl Serialize for EventId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Parses the id where the decoder holds it, without copying it first.
        struct IdVisitor;
        impl serde::de::Visitor<'_> for IdVisitor {
            type Value = EventId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an event id of 32 hex digits")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<EventId, E> {
                text.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(IdVisitor)
    }
}

/// One event as it travels from ingest through the log to detection and storage.
///
/// `fields` holds the sender's JSON object unchanged; vigie's own metadata lives beside it,
/// never inside it, so nothing a sender writes can change the tenant or the id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Identity, fixed at ingest.
    pub id: EventId,
    /// Owner, taken from the credential of the connection or request, never from the body.
    pub tenant: TenantId,
    /// When vigie accepted it (arrival time).
    pub received_at: Timestamp,
    /// When the event happened, as the sender's own timestamp said (parsed with its zone),
    /// kept apart from the arrival time. `None` when the event carried no usable time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    /// Which intake produced it (e.g. `http`, `syslog`, `import`).
    pub source: String,
    /// The dataset the sender named (e.g. the index of an Elasticsearch `_bulk` action):
    /// a label of the data, never its tenant. `None` when the transport names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// What sent it, in ECS `event.dataset` style (`linux.auditd`, `aws.cloudtrail`): declared
    /// where the data entered or recognised from the content by `vigie-parse`, which checks
    /// its form. It routes the event to the Sigma rules of its logsource. `None`: nothing
    /// says (Windows events are told apart by their channel instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
    /// The original fields.
    pub fields: Map<String, Value>,
}

impl Event {
    /// A new event with a fresh id.
    pub fn new(
        tenant: TenantId,
        received_at: Timestamp,
        source: impl Into<String>,
        fields: Map<String, Value>,
    ) -> Self {
        Self {
            id: EventId::generate(received_at),
            tenant,
            received_at,
            timestamp: None,
            source: source.into(),
            dataset: None,
            source_type: None,
            fields,
        }
    }

    /// The same event with its source type (see [`Event::source_type`]).
    pub fn with_source_type(mut self, source_type: Option<String>) -> Self {
        self.source_type = source_type;
        self
    }

    /// The same event labelled with the dataset its sender named.
    pub fn with_dataset(mut self, dataset: Option<String>) -> Self {
        self.dataset = dataset;
        self
    }

    /// The same event with the sender's own time of the event.
    pub fn with_timestamp(mut self, timestamp: Option<Timestamp>) -> Self {
        self.timestamp = timestamp;
        self
    }

    /// The durable-log record of this event: its JSON form. This layout is frozen: records
    /// written by one version must be read by the next.
    pub fn to_record(&self) -> Vec<u8> {
        // Serialising a struct of strings, numbers and a JSON map cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads a record written by [`Event::to_record`].
    pub fn from_record(record: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(record)
    }

    /// The value at a field path (see [`crate::field::lookup`]).
    pub fn field(&self, path: &str) -> Option<&Value> {
        crate::field::lookup(&self.fields, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_id_round_trips_and_sorts_by_time() {
        let early = EventId::generate(Timestamp::from_second(1_000).unwrap());
        let late = EventId::generate(Timestamp::from_second(2_000).unwrap());
        assert!(early < late);
        let text = early.to_string();
        assert_eq!(text.len(), 32);
        assert_eq!(text.parse::<EventId>().unwrap(), early);
        assert!("xyz".parse::<EventId>().is_err());
    }

    #[test]
    fn fields_decode_as_serde_json_decodes_a_map() {
        let header = r#"{"id":"0000018c2b7a0e4f1234567890abcdef","tenant":3,"received_at":"2026-11-25T10:00:00Z","source":"http","fields":"#;
        let many: Vec<String> = (0..1500).map(|i| format!("\"k{i}\":{i}")).collect();
        let many = format!("{{{}}}", many.join(","));
        for fields in [
            r#"{}"#,
            r#"{"b":1,"a":{"x":[1,{"y":null}]},"b":2,"c":"é\n"}"#,
            r#"{"EventID":4688,"CommandLine":"whoami","EventID":"again"}"#,
            many.as_str(),
        ] {
            let event = Event::from_record(format!("{header}{fields}}}").as_bytes()).unwrap();
            let expected: Map<String, Value> = serde_json::from_str(fields).unwrap();
            assert_eq!(event.fields, expected);
            let order: Vec<&String> = event.fields.keys().collect();
            assert_eq!(order, expected.keys().collect::<Vec<_>>());
        }
        for bad in [r#"[1]"#, r#""x""#, r#"{"a":}"#, r#"{"a":1"#] {
            let error = Event::from_record(format!("{header}{bad}}}").as_bytes()).unwrap_err();
            assert!(
                serde_json::from_str::<Map<String, Value>>(bad).is_err(),
                "{bad}"
            );
            assert!(
                error.line() == 1 && error.column() >= header.len(),
                "{bad}: {error}"
            );
        }
        let bad_id = header.replace("0000018c", "zz00018c");
        let error = Event::from_record(format!("{bad_id}{{}}}}").as_bytes()).unwrap_err();
        assert!(error.to_string().contains("zz00018c"), "{error}");
    }

    #[test]
    fn event_serde_round_trip() {
        let mut fields = Map::new();
        fields.insert("EventID".into(), Value::from(1));
        let event = Event::new(TenantId(7), Timestamp::now(), "http", fields);
        let json = serde_json::to_string(&event).unwrap();
        let back: Event = serde_json::from_str(&json).unwrap();
        assert_eq!(back, event);
    }

    /// Found by the `record_codec` fuzz target: without serde_json's `float_roundtrip`
    /// these numbers read back one unit in the last place off what the record says.
    #[test]
    fn floats_read_back_exactly() {
        let mut fields = Map::new();
        for (i, x) in [
            -3.7357569146126545e226,
            -7.380047324113435e-285,
            4.918952083152682e-14,
            -209.12667570132908,
            5e-324,
            1.7976931348623157e308,
        ]
        .into_iter()
        .enumerate()
        {
            fields.insert(format!("f{i}"), Value::from(x));
        }
        let event = Event::new(TenantId(1), Timestamp::UNIX_EPOCH, "http", fields);
        assert_eq!(Event::from_record(&event.to_record()).unwrap(), event);
    }

    /// The record layout of version 0.1, frozen: a later version must still read it.
    #[test]
    fn reads_frozen_v0_1_record() {
        let record = br#"{"id":"0000018c2b7a0e4f1234567890abcdef","tenant":3,"received_at":"2026-11-25T10:00:00Z","source":"http","fields":{"EventID":4688,"CommandLine":"whoami"}}"#;
        let event = Event::from_record(record).unwrap();
        assert_eq!(event.tenant, TenantId(3));
        assert_eq!(event.id.to_string(), "0000018c2b7a0e4f1234567890abcdef");
        assert_eq!(event.field("CommandLine").unwrap(), "whoami");
        assert_eq!(event.timestamp, None);
        assert_eq!(event.dataset, None);
        assert_eq!(event.source_type, None);
        assert_eq!(Event::from_record(&event.to_record()).unwrap(), event);
        let typed = event.with_source_type(Some("linux.auditd".into()));
        let text = String::from_utf8(typed.to_record()).unwrap();
        assert!(
            text.contains(r#""source_type":"linux.auditd","fields""#),
            "{text}"
        );
        assert_eq!(Event::from_record(text.as_bytes()).unwrap(), typed);
    }

    #[test]
    fn event_time_is_kept_apart_and_omitted_when_absent() {
        let at = Timestamp::from_second(1_700_000_000).unwrap();
        let plain = Event::new(TenantId(1), Timestamp::now(), "syslog", Map::new());
        let text = String::from_utf8(plain.to_record()).unwrap();
        assert!(!text.contains("\"timestamp\""), "{text}");
        let dated = plain.clone().with_timestamp(Some(at));
        let back = Event::from_record(&dated.to_record()).unwrap();
        assert_eq!(back.timestamp, Some(at));
        assert_ne!(back.received_at, at);
    }
}
