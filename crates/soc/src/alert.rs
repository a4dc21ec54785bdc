//! Alerts: a rule matched an event.
//!
//! An alert's identity is [`alert_id`]`(rule, event)`, so replaying the durable log after a
//! crash produces the same ids and [`StateStore::insert_alerts`](crate::StateStore::insert_alerts)
//! ignores the ones it already has (invariant 2: replay does not duplicate alerts).
//!
//! Listing is newest first, by `(created_at, id)`, with keyset pagination: each
//! [`AlertPage`] carries an opaque cursor to pass back in [`Page::cursor`].

use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};
use vigie_event::{EventId, Severity, TenantId, TenantSlug};

use crate::SocError;
use crate::desk::AlertStatus;
use crate::ids::IncidentId;

/// The identity of the alert that rule `rule_id` raises on event `event_id`: the first 32 hex
/// digits of SHA-256(`rule_id` + `"\0"` + the event id's 32 hex digits).
pub fn alert_id(rule_id: &str, event_id: EventId) -> String {
    let mut hasher = Sha256::new();
    hasher.update(rule_id.as_bytes());
    hasher.update([0u8]);
    hasher.update(event_id.to_string().as_bytes());
    let digest = hasher.finalize();
    hex::encode(&digest[..16])
}

/// An alert to record, as produced by detection.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAlert {
    /// The tenant of the event (and so of the alert).
    pub tenant: TenantId,
    /// The Sigma rule id.
    pub rule_id: String,
    /// The rule's title at the time it fired.
    pub rule_title: String,
    /// The rule's level.
    pub severity: Severity,
    /// The event that matched.
    pub event_id: EventId,
    /// When vigie received that event.
    pub event_received_at: Timestamp,
    /// A snapshot of the event's fields, so the alert stands on its own.
    pub event: serde_json::Value,
    /// Dedup key: alerts of the same tenant, rule and group key whose events arrive within
    /// the store's dedup window fold into one alert with a count. `None`: no folding.
    pub group_key: Option<String>,
}

/// The field of a Sigma alert's event naming the rule's MITRE ATT&CK tactics and
/// techniques, from its `attack.*` tags: `{"tactics": ["Execution"], "techniques":
/// ["T1059.001"]}` (set by the pipeline; absent when the rule has no such tag).
pub const ATTACK_FIELD: &str = "vigie.attack";

/// The host fields of an event, in order of preference (ECS, then Windows/Sysmon names).
pub const GROUP_HOST_FIELDS: &[&str] = &["host.name", "host.hostname", "Computer", "Hostname"];

/// The user fields of an event, in order of preference: the account acted upon
/// (`TargetUserName` of a logon) before the one acting (`SubjectUserName`).
pub const GROUP_USER_FIELDS: &[&str] = &["user.name", "TargetUserName", "User", "SubjectUserName"];

/// The dedup key of a Sigma alert raised on `event` (the event's fields): the host and the
/// user it is about, `host=<h>;user=<u>`, each part only when the event has it (the first
/// non-empty field of [`GROUP_HOST_FIELDS`] and [`GROUP_USER_FIELDS`]), values trimmed and
/// lowercased (Windows host and account names ignore case). An event with neither has no key
/// (`None`): with nothing to say two hits are about the same thing, each stays its own alert.
/// `;`, `=` and `%` in values are percent-escaped so two different entities never give the
/// same key.
pub fn default_group_key(event: &serde_json::Value) -> Option<String> {
    let first = |fields: &[&str]| {
        fields.iter().find_map(|path| {
            let value = match crate::desk::lookup(event, path)? {
                serde_json::Value::String(s) => s.trim().to_lowercase(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => return None,
            };
            (!value.is_empty() && value != "-").then_some(value)
        })
    };
    let parts = [
        ("host", first(GROUP_HOST_FIELDS)),
        ("user", first(GROUP_USER_FIELDS)),
    ];
    let key = group_key_of(
        parts
            .iter()
            .filter_map(|(k, v)| v.as_deref().map(|v| (*k, v))),
    );
    (!key.is_empty()).then_some(key)
}

/// A dedup key from `(name, value)` pairs: `name=value` joined by `;`, with `;`, `=` and `%`
/// percent-escaped in names and values. Correlation alerts use it over their group-by values.
pub fn group_key_of<'a>(parts: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    fn escape(out: &mut String, text: &str) {
        for c in text.chars() {
            match c {
                ';' => out.push_str("%3B"),
                '=' => out.push_str("%3D"),
                '%' => out.push_str("%25"),
                c => out.push(c),
            }
        }
    }
    let mut out = String::new();
    for (i, (name, value)) in parts.into_iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        escape(&mut out, name);
        out.push('=');
        escape(&mut out, value);
    }
    out
}

impl NewAlert {
    /// This alert's identity, see [`alert_id`].
    pub fn id(&self) -> String {
        alert_id(&self.rule_id, self.event_id)
    }
}

/// A stored alert.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alert {
    /// [`alert_id`] of the rule and event.
    pub id: String,
    /// Owning tenant.
    pub tenant: TenantId,
    /// Its slug, for display.
    pub tenant_slug: TenantSlug,
    /// The Sigma rule id.
    pub rule_id: String,
    /// The rule's title when it fired.
    pub rule_title: String,
    /// The rule's level.
    pub severity: Severity,
    /// The event that matched.
    pub event_id: EventId,
    /// When vigie received that event.
    pub event_received_at: Timestamp,
    /// When the alert was first recorded (a replay keeps the first time).
    pub created_at: Timestamp,
    /// The event snapshot (of the first event folded into it).
    pub event: serde_json::Value,
    /// Dedup key, if the rule has one.
    pub group_key: Option<String>,
    /// How many raised alerts were folded into this one (1 without dedup).
    pub count: i64,
    /// Receive time of the first folded event.
    pub first_seen: Timestamp,
    /// Receive time of the last folded event.
    pub last_seen: Timestamp,
    /// Triage status.
    pub status: AlertStatus,
    /// Why (false-positive reason, suppression reason).
    pub status_reason: Option<String>,
    /// The incident it was escalated to.
    pub incident: Option<IncidentId>,
}

/// Which alerts to list. Every criterion set must hold (AND); the default lists everything in
/// the caller's scope.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlertFilter {
    /// Only this tenant. It narrows the caller's scope: a tenant outside the scope gives an
    /// empty result, never an error that would reveal whether it exists.
    pub tenant: Option<TenantId>,
    /// Only alerts of this rule id.
    pub rule_id: Option<String>,
    /// Only these severities; empty means any.
    pub severities: Vec<Severity>,
    /// Only alerts at least this severe.
    pub min_severity: Option<Severity>,
    /// Only alerts created at or after this time (inclusive), on `created_at`.
    pub since: Option<Timestamp>,
    /// Only alerts created before this time (exclusive), on `created_at`.
    pub until: Option<Timestamp>,
    /// Only these triage statuses; empty means any.
    pub statuses: Vec<AlertStatus>,
}

impl AlertFilter {
    /// Whether `severity` passes the severity criteria (`severities` and `min_severity`).
    pub fn accepts_severity(&self, severity: Severity) -> bool {
        (self.severities.is_empty() || self.severities.contains(&severity))
            && self.min_severity.is_none_or(|min| severity >= min)
    }
}

/// One page request: at most `limit` alerts after `cursor`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// Page size, clamped to `1..=1000` (see [`Page::effective_limit`]). Default 100.
    pub limit: u32,
    /// `None` for the first (newest) page, else the `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl Page {
    /// The default page size.
    pub const DEFAULT_LIMIT: u32 = 100;
    /// The largest page size.
    pub const MAX_LIMIT: u32 = 1000;

    /// The first page of `limit` alerts.
    pub fn first(limit: u32) -> Self {
        Self {
            limit,
            cursor: None,
        }
    }

    /// The limit clamped to `1..=1000`.
    pub fn effective_limit(&self) -> u32 {
        self.limit.clamp(1, Self::MAX_LIMIT)
    }

    /// The decoded cursor, or [`SocError::InvalidCursor`] naming it.
    pub fn decoded_cursor(&self) -> Result<Option<AlertCursor>, SocError> {
        self.cursor.as_deref().map(AlertCursor::decode).transpose()
    }
}

impl Default for Page {
    fn default() -> Self {
        Self::first(Self::DEFAULT_LIMIT)
    }
}

/// One page of alerts, newest first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertPage {
    /// The alerts of this page.
    pub alerts: Vec<Alert>,
    /// Where the next page starts; `None` when this is the last page.
    pub next_cursor: Option<String>,
}

/// The position after which the next page starts: the `(created_at, id)` of the last alert
/// shown. Backends share this encoding so a cursor is just an opaque string to callers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertCursor {
    /// `created_at` of the last alert shown, in microseconds since the Unix epoch.
    pub created_at_us: i64,
    /// Id of the last alert shown.
    pub id: String,
}

impl AlertCursor {
    /// The cursor pointing after `alert`.
    pub fn after(alert: &Alert) -> Self {
        Self {
            created_at_us: alert.created_at.as_microsecond(),
            id: alert.id.clone(),
        }
    }

    /// The opaque text form handed to callers.
    pub fn encode(&self) -> String {
        hex::encode(format!("{}:{}", self.created_at_us, self.id))
    }

    /// Parses [`AlertCursor::encode`]'s output; anything else is
    /// [`SocError::InvalidCursor`] naming the input.
    pub fn decode(text: &str) -> Result<Self, SocError> {
        let invalid = || SocError::InvalidCursor(text.to_owned());
        let bytes = hex::decode(text).map_err(|_| invalid())?;
        let plain = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (micros, id) = plain.split_once(':').ok_or_else(invalid)?;
        let created_at_us: i64 = micros.parse().map_err(|_| invalid())?;
        let id_ok = id.len() == 32
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !id_ok {
            return Err(invalid());
        }
        Ok(Self {
            created_at_us,
            id: id.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_id_is_stable_and_distinct() {
        let event = EventId(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        let a = alert_id("rule-a", event);
        assert_eq!(a.len(), 32);
        assert_eq!(a, alert_id("rule-a", event));
        assert_ne!(a, alert_id("rule-b", event));
        assert_ne!(a, alert_id("rule-a", EventId(1)));
        // The documented construction, recomputed by hand.
        let expected = hex::encode(Sha256::digest(format!("rule-a\0{event}").as_bytes()));
        assert_eq!(a, expected[..32]);
    }

    #[test]
    fn cursor_round_trip_and_rejects() {
        let cursor = AlertCursor {
            created_at_us: -12,
            id: "0123456789abcdef0123456789abcdef".into(),
        };
        assert_eq!(AlertCursor::decode(&cursor.encode()).unwrap(), cursor);
        for bad in [
            "",
            "zz",
            "00",
            &hex::encode("1:abc"),
            &hex::encode("x:0123456789abcdef0123456789abcdef"),
        ] {
            match AlertCursor::decode(bad) {
                Err(SocError::InvalidCursor(named)) => assert_eq!(named, bad),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn default_group_key_names_host_and_user() {
        let key = |v: serde_json::Value| default_group_key(&v).unwrap_or_else(|| "NONE".into());
        assert_eq!(
            key(
                serde_json::json!({"Computer": "WS-7", "User": "CORP\\Bob", "TargetUserName": "alice"})
            ),
            "host=ws-7;user=alice"
        );
        assert_eq!(
            key(serde_json::json!({"host": {"name": "srv"}, "SubjectUserName": "-"})),
            "host=srv"
        );
        assert_eq!(key(serde_json::json!({"user.name": " eve "})), "user=eve");
        assert_eq!(key(serde_json::json!({"Image": "x.exe"})), "NONE");
        // Separators inside values cannot forge another entity's key.
        let forged = key(serde_json::json!({"Computer": "a;user=b"}));
        assert_eq!(forged, "host=a%3Buser%3Db");
        assert_ne!(
            forged,
            key(serde_json::json!({"Computer": "a", "User": "b"}))
        );
        assert_eq!(
            group_key_of([("SourceIp", "10.0.0.1"), ("x%", "=")]),
            "SourceIp=10.0.0.1;x%25=%3D"
        );
    }

    #[test]
    fn page_limit_clamped() {
        assert_eq!(Page::default().effective_limit(), 100);
        assert_eq!(Page::first(0).effective_limit(), 1);
        assert_eq!(Page::first(5000).effective_limit(), 1000);
    }
}
