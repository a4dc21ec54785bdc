//! The notification outbox: every e-mail and webhook call vigie makes, as a row that is
//! queued, claimed by one sender, retried with backoff and finally sent or dead.
//!
//! The outbox is the record the issue asks for: what was sent to whom, when, about which
//! incident, and what failed. Producers (the notifier's sweeps in `vigie-notify`) enqueue
//! rows with a **dedup key** naming the cause and the recipient (`alert:<id>:to:<name>`), so
//! a sweep that runs twice, on one node or two, queues each notification once. Senders claim
//! due rows under a lease, so two senders never deliver the same row at once and a sender
//! that dies mid-delivery gives its rows back when the lease ends (at-least-once delivery;
//! a webhook receiver deduplicates by the `id` in the payload).
//!
//! A delivered notification about an incident leaves a `notified` entry on its timeline and
//! every delivery, failure and manual retry an entry in the audit chain.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use vigie_access::TenantScope;
use vigie_access::limits::Limit;
use vigie_event::{Severity, TenantId, TenantSlug};

use crate::SocError;
use crate::desk::Actor;
use crate::ids::IncidentId;

vigie_event::typed_id! {
    /// A notification of the outbox.
    NotificationId
}

/// The dedup key of a notification.
pub const DEDUP: Limit = Limit::new("notification dedup key", 512);
/// A recipient's name, a webhook's name, a team's name.
pub const RECIPIENT: Limit = Limit::new("notification recipient", 256);
/// An e-mail address or a webhook URL.
pub const ADDRESS: Limit = Limit::new("notification address", 2048);
/// A subject line.
pub const SUBJECT: Limit = Limit::new("notification subject", 1024);
/// A message body (an e-mail's text, a webhook's JSON).
pub const BODY: Limit = Limit::new("notification body", 262_144);
/// The last delivery error kept on a row.
const ERROR_MAX: usize = 2048;

/// What a notification is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyEvent {
    /// A new alert at or above the configured severity (critical and high by default).
    Alert,
    /// An incident's SLA clock is close to its target.
    SlaWarning,
    /// An incident's SLA clock ran out.
    SlaBreach,
    /// A NIS2 deadline is near or reached.
    Nis2,
    /// The SOC asked the client a question.
    Question,
    /// The client answered a question of the SOC.
    Answer,
    /// A monthly report is ready.
    Report,
    /// An operator's test message (`vigie notify test`).
    Test,
}

impl NotifyEvent {
    /// Every event.
    pub const ALL: [NotifyEvent; 8] = [
        NotifyEvent::Alert,
        NotifyEvent::SlaWarning,
        NotifyEvent::SlaBreach,
        NotifyEvent::Nis2,
        NotifyEvent::Question,
        NotifyEvent::Answer,
        NotifyEvent::Report,
        NotifyEvent::Test,
    ];

    /// The snake_case name (configuration, API, database).
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyEvent::Alert => "alert",
            NotifyEvent::SlaWarning => "sla_warning",
            NotifyEvent::SlaBreach => "sla_breach",
            NotifyEvent::Nis2 => "nis2",
            NotifyEvent::Question => "question",
            NotifyEvent::Answer => "answer",
            NotifyEvent::Report => "report",
            NotifyEvent::Test => "test",
        }
    }

    /// The event of a name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

/// How a notification travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// An e-mail over SMTP.
    Email,
    /// An HTTP POST signed with HMAC-SHA256.
    Webhook,
}

impl Channel {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        match name {
            "email" => Some(Channel::Email),
            "webhook" => Some(Channel::Webhook),
            _ => None,
        }
    }
}

/// Where a notification is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its due time (quiet hours, backoff) or a sender.
    Pending,
    /// Claimed by a sender until its lease ends.
    Sending,
    /// Delivered.
    Sent,
    /// Given up after the last attempt: the dead-letter list.
    Dead,
}

impl DeliveryStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Dead => "dead",
        }
    }

    /// The status of a name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "pending" => Some(DeliveryStatus::Pending),
            "sending" => Some(DeliveryStatus::Sending),
            "sent" => Some(DeliveryStatus::Sent),
            "dead" => Some(DeliveryStatus::Dead),
            _ => None,
        }
    }
}

pub(crate) fn parse_event(name: &str) -> Result<NotifyEvent, String> {
    NotifyEvent::parse(name).ok_or_else(|| format!("unknown event {name:?}"))
}

pub(crate) fn parse_channel(name: &str) -> Result<Channel, String> {
    Channel::parse(name).ok_or_else(|| format!("unknown channel {name:?}"))
}

pub(crate) fn parse_status(name: &str) -> Result<DeliveryStatus, String> {
    DeliveryStatus::parse(name).ok_or_else(|| format!("unknown status {name:?}"))
}

/// A notification to queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewNotification {
    /// Names the cause and the recipient; a second row with the same key is not queued.
    pub dedup: String,
    /// The tenant it is about (none: the platform's own, e.g. a test message).
    pub tenant: Option<TenantId>,
    /// The incident it is about.
    pub incident: Option<IncidentId>,
    /// What it is about.
    pub event: NotifyEvent,
    /// How it travels.
    pub channel: Channel,
    /// The recipient's or webhook's name.
    pub recipient: String,
    /// The e-mail address or the webhook URL.
    pub address: String,
    /// Whether the recipient is the client's (its delivery shows on the client's view of the
    /// incident) rather than the SOC's.
    pub client: bool,
    /// The language it is written in (`fr`, `nl`, `de`, `en`).
    pub language: String,
    /// Subject line.
    pub subject: String,
    /// E-mail text, or webhook JSON.
    pub body: String,
    /// The thing an escalation waits on (`alert:<id>`, `incident:<id>`), for pages.
    pub subject_ref: Option<String>,
    /// The on-call team that was paged.
    pub team: Option<String>,
    /// Escalation level: 0 the on-call, 1.. the escalation steps.
    pub level: u32,
    /// Not sent before this (quiet hours).
    pub due_at: Timestamp,
}

impl NewNotification {
    /// The length checks of every stored string.
    pub fn check(&self) -> Result<(), SocError> {
        DEDUP.check(&self.dedup)?;
        RECIPIENT.check(&self.recipient)?;
        ADDRESS.check(&self.address)?;
        SUBJECT.check_len(&self.subject)?;
        BODY.check_len(&self.body)?;
        if let Some(team) = &self.team {
            RECIPIENT.check(team)?;
        }
        if let Some(subject) = &self.subject_ref {
            DEDUP.check(subject)?;
        }
        Ok(())
    }
}

/// A notification of the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// Id.
    pub id: NotificationId,
    /// Dedup key.
    pub dedup: String,
    /// Tenant.
    pub tenant: Option<TenantId>,
    /// Tenant slug.
    pub tenant_slug: Option<TenantSlug>,
    /// Incident.
    pub incident: Option<IncidentId>,
    /// What it is about.
    pub event: NotifyEvent,
    /// How it travels.
    pub channel: Channel,
    /// Recipient or webhook name.
    pub recipient: String,
    /// E-mail address or webhook URL.
    pub address: String,
    /// A client's recipient.
    pub client: bool,
    /// Language.
    pub language: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// What an escalation waits on.
    pub subject_ref: Option<String>,
    /// Team paged.
    pub team: Option<String>,
    /// Escalation level.
    pub level: u32,
    /// Status.
    pub status: DeliveryStatus,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// When it was queued.
    pub created_at: Timestamp,
    /// The next attempt (or the last one, once sent or dead).
    pub due_at: Timestamp,
    /// When it was delivered.
    pub sent_at: Option<Timestamp>,
    /// The last delivery error.
    pub last_error: Option<String>,
}

/// How one delivery attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Delivered.
    Sent,
    /// Failed; try again at `at`.
    Retry {
        /// The next attempt.
        at: Timestamp,
        /// What went wrong.
        error: String,
    },
    /// Failed for the last time (or cannot succeed): the dead-letter list.
    Dead {
        /// What went wrong.
        error: String,
    },
}

impl Delivery {
    /// The error, bounded to what a row keeps.
    pub(crate) fn error(&self) -> Option<String> {
        match self {
            Delivery::Sent => None,
            Delivery::Retry { error, .. } | Delivery::Dead { error } => {
                let mut end = error.len().min(ERROR_MAX);
                while !error.is_char_boundary(end) {
                    end -= 1;
                }
                Some(error[..end].to_owned())
            }
        }
    }
}

/// Which notifications to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationFilter {
    /// Only this status.
    pub status: Option<DeliveryStatus>,
    /// Only this incident.
    pub incident: Option<IncidentId>,
    /// At most this many (1..=1000, default 200), newest first.
    pub limit: Option<u32>,
}

/// The newest page of one escalation chain: the highest level queued for a subject and team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageState {
    /// What the pages wait on (`alert:<id>`, `incident:<id>`).
    pub subject_ref: String,
    /// The team paged.
    pub team: String,
    /// Tenant.
    pub tenant: Option<TenantId>,
    /// Incident.
    pub incident: Option<IncidentId>,
    /// The event that paged.
    pub event: NotifyEvent,
    /// The highest level queued.
    pub level: u32,
    /// When that level was queued.
    pub since: Timestamp,
}

/// An SLA clock of an open incident that is close to or past its target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SlaWatch {
    /// Incident.
    pub incident: IncidentId,
    /// Tenant.
    pub tenant: TenantId,
    /// Tenant slug.
    pub tenant_slug: TenantSlug,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// `acknowledge` or `resolve`.
    pub kind: &'static str,
    /// When it is (was) due.
    pub due_at: Option<Timestamp>,
    /// Past the target.
    pub breached: bool,
}

/// The outbox (a supertrait of [`crate::StateStore`]).
///
/// Implementations must pass the conformance suite (`vigie_soc::testsuite::notifications`).
#[async_trait::async_trait]
pub trait NotifyStore: Send + Sync + 'static {
    /// Queues notifications (one transaction); a row whose dedup key exists is skipped.
    /// Returns how many were new. [`SocError::InvalidValue`] (nothing queued) for a string
    /// over its limit.
    async fn enqueue_notifications(
        &self,
        new: &[NewNotification],
        now: Timestamp,
    ) -> Result<u64, SocError>;

    /// Claims up to `limit` pending notifications due at `now` (and those whose sender's
    /// lease ended) for `lease`, oldest due first, counting an attempt on each.
    async fn claim_notifications(
        &self,
        now: Timestamp,
        lease: std::time::Duration,
        limit: u32,
    ) -> Result<Vec<Notification>, SocError>;

    /// Records how a claimed notification's attempt ended: sent (a `notified` timeline entry
    /// on its incident, audited), to retry, or dead (audited).
    async fn finish_notification(
        &self,
        id: NotificationId,
        delivery: &Delivery,
        now: Timestamp,
    ) -> Result<(), SocError>;

    /// Notifications of the tenants of `scope` (the platform's own ones only for the
    /// platform scope), newest first.
    async fn list_notifications(
        &self,
        scope: &TenantScope,
        filter: &NotificationFilter,
    ) -> Result<Vec<Notification>, SocError>;

    /// Queues a dead notification of `scope` again, now, with a fresh count of attempts;
    /// audited. `false` if it is not in scope or not dead.
    async fn retry_notification(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: NotificationId,
        now: Timestamp,
    ) -> Result<bool, SocError>;

    /// The newest page of every escalation chain queued since `since`.
    async fn open_pages(&self, since: Timestamp) -> Result<Vec<PageState>, SocError>;

    /// The SLA clocks of open incidents that are at risk or breached at `now`.
    async fn sla_watch(&self, now: Timestamp) -> Result<Vec<SlaWatch>, SocError>;
}
