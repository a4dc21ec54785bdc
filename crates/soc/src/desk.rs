//! The SOC desk's records: alert triage and suppressions, incidents with their timeline,
//! observables, tasks and comments, RSIT/ENISA classes and TLP 2.0 labels.
//!
//! Every mutation goes through one of the desk's store traits ([`crate::state`]) with an
//! [`Actor`] and a `&TenantScope`; the store writes the change and its audit entry in one
//! transaction. Users and who they are live in `vigie-access`.

use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use vigie_event::{Severity, TenantId, TenantSlug};

use crate::alert::Alert;
use crate::sla::ClockState;
pub use vigie_access::Actor;
use vigie_access::UserId;

pub use crate::ids::{CommentId, IncidentId, SuppressionId, TaskId};

/// Triage status of an alert.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// Not looked at yet.
    New,
    /// An analyst saw it.
    Acknowledged,
    /// Part of an incident.
    Escalated,
    /// Closed as a false positive (feeds the rule's statistics).
    FalsePositive,
    /// Matched an active suppression when it was raised.
    Suppressed,
}

impl AlertStatus {
    /// Every status.
    pub const ALL: [AlertStatus; 5] = [
        AlertStatus::New,
        AlertStatus::Acknowledged,
        AlertStatus::Escalated,
        AlertStatus::FalsePositive,
        AlertStatus::Suppressed,
    ];
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::New => "new",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::Escalated => "escalated",
            AlertStatus::FalsePositive => "false_positive",
            AlertStatus::Suppressed => "suppressed",
        }
    }
}

impl FromStr for AlertStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| format!("unknown alert status {s:?}"))
    }
}

/// What an analyst does with an alert.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum AlertAction {
    /// Seen.
    Acknowledge,
    /// Attach to an incident: an existing one (same tenant) or a new one.
    Escalate {
        /// The incident to attach to; `None` creates one from the alert.
        incident: Option<IncidentId>,
    },
    /// Close as a false positive.
    CloseFalsePositive {
        /// Why (required, kept in the audit log and the rule's statistics).
        reason: String,
    },
}

/// Triage feedback per rule and tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleStats {
    /// Tenant.
    pub tenant: TenantId,
    /// Rule id.
    pub rule_id: String,
    /// Alerts acknowledged.
    pub acknowledged: i64,
    /// Alerts escalated to incidents.
    pub escalated: i64,
    /// Alerts closed as false positives.
    pub false_positives: i64,
}

/// A per-tenant suppression rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// Store id.
    pub id: SuppressionId,
    /// Tenant.
    pub tenant: TenantId,
    /// Rule id it silences.
    pub rule_id: String,
    /// Only alerts with this group key (any when `None`).
    pub group_key: Option<String>,
    /// Why (required).
    pub reason: String,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
    /// When it stops applying.
    pub expires_at: Timestamp,
    /// Alerts it suppressed so far.
    pub hits: i64,
}

/// A suppression to create.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSuppression {
    /// Tenant (must be in the caller's scope).
    pub tenant: TenantId,
    /// Rule id.
    pub rule_id: String,
    /// Group key, optional.
    #[serde(default)]
    pub group_key: Option<String>,
    /// Why (required).
    pub reason: String,
    /// Expiry (required, in the future).
    pub expires_at: Timestamp,
}

/// Incident lifecycle.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// Just opened.
    New,
    /// Someone took it (stops the acknowledge clock).
    Acknowledged,
    /// Being worked.
    InProgress,
    /// Waiting on the client or a third party (SLA clocks pause).
    OnHold,
    /// Fixed (stops the resolve clock).
    Resolved,
    /// Done.
    Closed,
}

impl IncidentStatus {
    /// Every status.
    pub const ALL: [IncidentStatus; 6] = [
        IncidentStatus::New,
        IncidentStatus::Acknowledged,
        IncidentStatus::InProgress,
        IncidentStatus::OnHold,
        IncidentStatus::Resolved,
        IncidentStatus::Closed,
    ];
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::New => "new",
            IncidentStatus::Acknowledged => "acknowledged",
            IncidentStatus::InProgress => "in_progress",
            IncidentStatus::OnHold => "on_hold",
            IncidentStatus::Resolved => "resolved",
            IncidentStatus::Closed => "closed",
        }
    }

    /// Whether `self → to` is a lifecycle step. Resolved and closed incidents reopen to
    /// in progress; nothing goes back to new.
    pub fn may_become(self, to: IncidentStatus) -> bool {
        use IncidentStatus::*;
        match (self, to) {
            (a, b) if a == b => false,
            (_, New) => false,
            (New | Acknowledged | InProgress | OnHold, _) => true,
            (Resolved, Closed | InProgress) => true,
            (Closed, InProgress) => true,
            _ => false,
        }
    }
}

impl FromStr for IncidentStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| format!("unknown incident status {s:?}"))
    }
}

/// TLP 2.0 sharing label: one type for the desk and the NIS2 reports.
pub use vigie_nis2::model::Tlp;

/// The RSIT (Reference Security Incident Taxonomy, ENISA) classes and their types.
pub const RSIT: &[(&str, &[&str])] = &[
    ("abusive-content", &["spam", "harmful-speech", "violence"]),
    (
        "malicious-code",
        &[
            "infected-system",
            "c2-server",
            "malware-distribution",
            "malware-configuration",
        ],
    ),
    (
        "information-gathering",
        &["scanner", "sniffing", "social-engineering"],
    ),
    (
        "intrusion-attempts",
        &["ids-alert", "brute-force", "exploit"],
    ),
    (
        "intrusions",
        &[
            "privileged-account-compromise",
            "unprivileged-account-compromise",
            "application-compromise",
            "system-compromise",
            "burglary",
        ],
    ),
    (
        "availability",
        &["dos", "ddos", "misconfiguration", "sabotage", "outage"],
    ),
    (
        "information-content-security",
        &[
            "unauthorised-information-access",
            "unauthorised-information-modification",
            "data-loss",
            "data-leak",
        ],
    ),
    (
        "fraud",
        &[
            "unauthorised-use-of-resources",
            "copyright",
            "masquerade",
            "phishing",
        ],
    ),
    (
        "vulnerable",
        &[
            "weak-crypto",
            "ddos-amplifier",
            "potentially-unwanted-accessible",
            "information-disclosure",
            "vulnerable-system",
        ],
    ),
    ("other", &["other", "undetermined"]),
    ("test", &["test"]),
];

/// Checks an RSIT class and type pair: the class must exist, the type must be one of its
/// types. Returns the message naming the bad value.
pub fn check_rsit(class: Option<&str>, kind: Option<&str>) -> Result<(), String> {
    match (class, kind) {
        (None, None) => Ok(()),
        (None, Some(k)) => Err(format!("RSIT type {k:?} given without a class")),
        (Some(c), k) => {
            let Some((_, types)) = RSIT.iter().find(|(name, _)| *name == c) else {
                return Err(format!("unknown RSIT class {c:?}"));
            };
            match k {
                Some(k) if !types.contains(&k) => {
                    Err(format!("RSIT type {k:?} is not a type of class {c:?}"))
                }
                _ => Ok(()),
            }
        }
    }
}

/// An incident.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Incident {
    /// Store id.
    pub id: IncidentId,
    /// Tenant.
    pub tenant: TenantId,
    /// Tenant slug, for display.
    pub tenant_slug: TenantSlug,
    /// Title.
    pub title: String,
    /// Lifecycle status.
    pub status: IncidentStatus,
    /// Severity.
    pub severity: Severity,
    /// RSIT class.
    pub rsit_class: Option<String>,
    /// RSIT type.
    pub rsit_type: Option<String>,
    /// TLP 2.0 label.
    pub tlp: Tlp,
    /// Assigned user id.
    pub assignee: Option<UserId>,
    /// Created.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// First acknowledgement.
    pub acknowledged_at: Option<Timestamp>,
    /// Last resolution.
    pub resolved_at: Option<Timestamp>,
    /// Last closure.
    pub closed_at: Option<Timestamp>,
    /// The incident it was merged into, if it was.
    pub merged_into: Option<IncidentId>,
}

/// An incident to open.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    /// Tenant (in the caller's scope; every alert must belong to it).
    pub tenant: TenantId,
    /// Title.
    pub title: String,
    /// Severity; default: the highest of the alerts, else medium.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// RSIT class.
    #[serde(default)]
    pub rsit_class: Option<String>,
    /// RSIT type.
    #[serde(default)]
    pub rsit_type: Option<String>,
    /// TLP label; default TLP:AMBER.
    #[serde(default)]
    pub tlp: Option<Tlp>,
    /// Alerts to attach.
    #[serde(default)]
    pub alerts: Vec<String>,
}

/// A change to an incident; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentPatch {
    /// New title.
    #[serde(default)]
    pub title: Option<String>,
    /// New status (must be a lifecycle step).
    #[serde(default)]
    pub status: Option<IncidentStatus>,
    /// New severity.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// New assignee (`0` unassigns).
    #[serde(default)]
    pub assignee: Option<UserId>,
    /// New RSIT class.
    #[serde(default)]
    pub rsit_class: Option<String>,
    /// New RSIT type.
    #[serde(default)]
    pub rsit_type: Option<String>,
    /// New TLP label.
    #[serde(default)]
    pub tlp: Option<Tlp>,
}

/// An observable extracted from an incident's alerts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Observable {
    /// `ip`, `domain`, `hash`, `user`, `host`, `url`, `email`.
    pub kind: String,
    /// The value.
    pub value: String,
}

/// A task of an incident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Task {
    /// Id.
    pub id: TaskId,
    /// What to do.
    pub title: String,
    /// Done.
    pub done: bool,
    /// Created.
    pub created_at: Timestamp,
}

/// Who may read a comment.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// The SOC's staff only (an analyst's note).
    Internal,
    /// The client too.
    Shared,
}

impl Visibility {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Internal => "internal",
            Visibility::Shared => "shared",
        }
    }
}

impl std::str::FromStr for Visibility {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "internal" => Ok(Visibility::Internal),
            "shared" => Ok(Visibility::Shared),
            other => Err(format!(
                "unknown visibility {other:?}: expected internal or shared"
            )),
        }
    }
}

/// What a comment is in the conversation with the client.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentKind {
    /// A note (internal or shared).
    #[default]
    Note,
    /// A question of the SOC to the client (always shared), open until answered.
    Question,
    /// The client's answer to a question.
    Answer,
}

impl CommentKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CommentKind::Note => "note",
            CommentKind::Question => "question",
            CommentKind::Answer => "answer",
        }
    }
}

impl std::str::FromStr for CommentKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "note" => Ok(CommentKind::Note),
            "question" => Ok(CommentKind::Question),
            "answer" => Ok(CommentKind::Answer),
            other => Err(format!(
                "unknown comment kind {other:?}: expected note, question or answer"
            )),
        }
    }
}

/// A comment to add ([`crate::IncidentStore::add_comment`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewComment {
    /// Text.
    pub body: String,
    /// Who may read it. A client's comments are always shared.
    pub visibility: Visibility,
    /// Note, question (the SOC's, shared) or answer (the client's).
    pub kind: CommentKind,
    /// For an answer: the question it answers (on the same incident).
    pub answers: Option<CommentId>,
}

impl NewComment {
    /// A note with `visibility`.
    pub fn note(body: impl Into<String>, visibility: Visibility) -> Self {
        Self {
            body: body.into(),
            visibility,
            kind: CommentKind::Note,
            answers: None,
        }
    }
}

/// A comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// Id.
    pub id: CommentId,
    /// Author (actor).
    pub author: String,
    /// Text.
    pub body: String,
    /// When.
    pub created_at: Timestamp,
    /// Who may read it.
    pub visibility: Visibility,
    /// Note, question or answer.
    pub kind: CommentKind,
    /// For an answer: the question.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers: Option<CommentId>,
    /// For a question: its first answer, once there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<CommentId>,
}

/// A question of the SOC to a client, with its incident ([`crate::IncidentStore::questions`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Question {
    /// The incident.
    pub incident: IncidentId,
    /// Its tenant.
    pub tenant: TenantId,
    /// Its title.
    pub incident_title: String,
    /// The question.
    pub comment: Comment,
}

/// One change in an incident's life.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: String,
    /// `created`, `status`, `assignee`, `comment`, `alert_linked`, `merged`, ...
    pub kind: String,
    /// Details.
    pub detail: serde_json::Value,
}

/// Everything on an incident's page.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IncidentDetail {
    /// The incident.
    pub incident: Incident,
    /// Linked alerts (newest first, at most 200).
    pub alerts: Vec<Alert>,
    /// How many alerts are linked.
    pub alert_count: i64,
    /// Observables.
    pub observables: Vec<Observable>,
    /// Tasks.
    pub tasks: Vec<Task>,
    /// Comments.
    pub comments: Vec<Comment>,
    /// Timeline, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// SLA clocks, when the tenant has a contract with a target for this severity.
    pub sla: Vec<ClockState>,
}

/// Which incidents to list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IncidentFilter {
    /// Only this tenant (narrows the scope).
    pub tenant: Option<TenantId>,
    /// Only these statuses (any when empty).
    pub statuses: Vec<IncidentStatus>,
    /// Only at least this severe.
    pub min_severity: Option<Severity>,
    /// Only assigned to this user.
    pub assignee: Option<UserId>,
    /// Only this RSIT class.
    pub rsit_class: Option<String>,
}

/// Sort orders of the incident list.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum IncidentSort {
    /// Newest first.
    #[default]
    Newest,
    /// Most severe first, then newest.
    Severity,
}

/// One page of incidents.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IncidentPage {
    /// The incidents.
    pub incidents: Vec<Incident>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// MTTA/MTTR and breaches of one group (tenant, severity, category).
///
/// `mtta_seconds` and `mttr_seconds` are on the SLA clock, the one the deadlines use: for a
/// business-hours contract only Monday–Friday 08:00–18:00 Brussels time outside Belgian
/// holidays counts, and time on hold never does. Each incident's clock time is fixed when
/// it is acknowledged or resolved, on the tenant's calendar at that moment. The `_wall_`
/// figures are plain elapsed time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SlaSummaryRow {
    /// Tenant.
    pub tenant: TenantId,
    /// Severity.
    pub severity: Severity,
    /// Category: the incidents' RSIT class (`None`: not classified yet).
    pub category: Option<String>,
    /// The tenant's SLA calendar now (24x7 when it has no contract).
    pub calendar: crate::sla::Calendar,
    /// Incidents.
    pub incidents: i64,
    /// Mean time to acknowledge on the SLA clock, seconds, over acknowledged incidents.
    pub mtta_seconds: Option<f64>,
    /// Mean time to resolve on the SLA clock, seconds, over resolved incidents.
    pub mttr_seconds: Option<f64>,
    /// Mean time to acknowledge, seconds of wall-clock time.
    pub mtta_wall_seconds: Option<f64>,
    /// Mean time to resolve, seconds of wall-clock time.
    pub mttr_wall_seconds: Option<f64>,
    /// Recorded acknowledge breaches.
    pub acknowledge_breaches: i64,
    /// Recorded resolve breaches.
    pub resolve_breaches: i64,
}

/// An SLA breach record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SlaBreach {
    /// Incident.
    pub incident: IncidentId,
    /// Tenant.
    pub tenant: TenantId,
    /// `acknowledge` or `resolve`.
    pub kind: String,
    /// The deadline that passed.
    pub due_at: Timestamp,
    /// When vigie recorded it.
    pub recorded_at: Timestamp,
}

/// Extracts observables from an event snapshot: well-known ECS and Windows fields.
pub fn extract_observables(event: &serde_json::Value) -> Vec<Observable> {
    const FIELDS: &[(&str, &str)] = &[
        ("source.ip", "ip"),
        ("destination.ip", "ip"),
        ("client.ip", "ip"),
        ("host.ip", "ip"),
        ("IpAddress", "ip"),
        ("SourceIp", "ip"),
        ("DestinationIp", "ip"),
        ("src_ip", "ip"),
        ("dst_ip", "ip"),
        ("dns.question.name", "domain"),
        ("url.domain", "domain"),
        ("QueryName", "domain"),
        ("DestinationHostname", "domain"),
        ("url.full", "url"),
        ("file.hash.sha256", "hash"),
        ("file.hash.sha1", "hash"),
        ("file.hash.md5", "hash"),
        ("process.hash.sha256", "hash"),
        ("Hashes", "hash"),
        ("user.name", "user"),
        ("TargetUserName", "user"),
        ("SubjectUserName", "user"),
        ("User", "user"),
        ("host.name", "host"),
        ("host.hostname", "host"),
        ("Computer", "host"),
        ("Hostname", "host"),
        ("email.from.address", "email"),
    ];
    let mut out: Vec<Observable> = Vec::new();
    for (path, kind) in FIELDS {
        let Some(value) = lookup(event, path) else {
            continue;
        };
        let value = match value {
            serde_json::Value::String(s) => s.trim().to_owned(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => continue,
        };
        if value.is_empty() || value == "-" || value.len() > 1024 {
            continue;
        }
        let obs = Observable {
            kind: (*kind).to_owned(),
            value,
        };
        if !out.contains(&obs) {
            out.push(obs);
        }
    }
    out
}

/// Flat (`"a.b": v`) or nested (`{"a": {"b": v}}`) lookup of a dotted path.
pub fn lookup<'a>(value: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    let object = value.as_object()?;
    if let Some(v) = object.get(path) {
        return Some(v);
    }
    let (head, rest) = path.split_once('.')?;
    lookup(object.get(head)?, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_steps() {
        use IncidentStatus::*;
        assert!(New.may_become(Acknowledged));
        assert!(OnHold.may_become(InProgress));
        assert!(Resolved.may_become(InProgress));
        assert!(Closed.may_become(InProgress));
        assert!(!Closed.may_become(Resolved));
        assert!(!Acknowledged.may_become(New));
        assert!(!New.may_become(New));
    }

    #[test]
    fn rsit_and_tlp() {
        assert!(check_rsit(Some("intrusions"), Some("system-compromise")).is_ok());
        assert!(
            check_rsit(Some("intrusions"), Some("spam"))
                .unwrap_err()
                .contains("spam")
        );
        assert!(check_rsit(Some("nope"), None).unwrap_err().contains("nope"));
        assert!(check_rsit(None, Some("spam")).is_err());
        for tlp in Tlp::ALL {
            assert_eq!(tlp.as_str().parse::<Tlp>().unwrap(), tlp);
            assert_eq!(
                serde_json::to_string(&tlp).unwrap(),
                format!("\"{}\"", tlp.as_str())
            );
        }
    }

    #[test]
    fn observables_from_flat_and_nested() {
        let event = serde_json::json!({
            "source.ip": "10.0.0.5",
            "host": {"name": "ws-12"},
            "TargetUserName": "alice",
            "file.hash.sha256": "ab12",
            "user.name": "-",
        });
        let obs = extract_observables(&event);
        let pairs: Vec<(&str, &str)> = obs
            .iter()
            .map(|o| (o.kind.as_str(), o.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("ip", "10.0.0.5"),
                ("hash", "ab12"),
                ("user", "alice"),
                ("host", "ws-12")
            ]
        );
    }
}
