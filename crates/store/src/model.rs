//! The values the [`crate::EventStore`] trait exchanges.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};
use vigie_event::{Event, TenantId};

use crate::StoreError;
use crate::query::{Expr, Subject};

/// The time an event is filed and searched under: the sender's own time of the event when
/// ingest found one, else the time vigie received it.
pub fn event_time(event: &Event) -> Timestamp {
    event.timestamp.unwrap_or(event.received_at)
}

/// A half-open time range `[from, to)` on event time; an open side is unbounded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TimeRange {
    /// First instant included.
    pub from: Option<Timestamp>,
    /// First instant excluded.
    pub to: Option<Timestamp>,
}

impl TimeRange {
    /// Whether `at` is inside the range.
    pub fn contains(&self, at: Timestamp) -> bool {
        self.from.is_none_or(|from| at >= from) && self.to.is_none_or(|to| at < to)
    }
}

/// In which order a scan delivers events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    /// Newest event time first (what a hunter reading events wants with a limit).
    NewestFirst,
    /// Whatever order is cheapest (aggregations, backtests).
    #[default]
    Any,
}

/// Display names of tenants (slugs), used for `@tenant` in filters and rows. A tenant
/// missing from the map is named by its numeric id.
pub type TenantNames = Arc<HashMap<TenantId, String>>;

/// What to read.
#[derive(Clone, Debug, Default)]
pub struct ScanRequest {
    /// Event-time range.
    pub range: TimeRange,
    /// Only events for which this holds (`None`: all).
    pub filter: Option<Expr>,
    /// Delivery order.
    pub order: Order,
    /// At most this many events (with [`Order::NewestFirst`]: the newest ones).
    pub limit: Option<usize>,
    /// Names for `@tenant`.
    pub names: TenantNames,
}

/// One event read back from the store, with the tenant it is filed under.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    /// Whose event it is (always inside the scope of the scan).
    pub tenant: TenantId,
    /// Its event time (see [`event_time`]).
    pub time: Timestamp,
    /// The event as it was ingested.
    pub event: Event,
}

impl StoredEvent {
    /// Wraps an event.
    pub fn new(event: Event) -> Self {
        Self {
            tenant: event.tenant,
            time: event_time(&event),
            event,
        }
    }

    /// The event as a [`Subject`] for [`Expr::matches`], naming tenants with `names`.
    pub fn view<'a>(&'a self, names: &'a HashMap<TenantId, String>) -> EventView<'a> {
        EventView {
            stored: self,
            names,
        }
    }

    /// Whether `request`'s range and filter select this event.
    pub fn selected_by(&self, request: &ScanRequest) -> bool {
        request.range.contains(self.time)
            && request
                .filter
                .as_ref()
                .is_none_or(|filter| filter.matches(&self.view(&request.names)))
    }
}

/// A stored event seen by the expression evaluator: its fields plus `@time`, `@tenant`,
/// `@id`, `@source` and `@received`.
pub struct EventView<'a> {
    stored: &'a StoredEvent,
    names: &'a HashMap<TenantId, String>,
}

impl Subject for EventView<'_> {
    fn get(&self, path: &str) -> Option<Cow<'_, Value>> {
        let event = &self.stored.event;
        let owned = match path {
            "@time" => Value::String(self.stored.time.to_string()),
            "@received" => Value::String(event.received_at.to_string()),
            "@tenant" => Value::String(tenant_name(self.names, self.stored.tenant)),
            "@id" => Value::String(event.id.to_string()),
            "@source" => Value::String(event.source.clone()),
            _ => return event.field(path).map(Cow::Borrowed),
        };
        Some(Cow::Owned(owned))
    }

    fn text_values(&self) -> &Map<String, Value> {
        &self.stored.event.fields
    }
}

/// The display name of a tenant.
pub fn tenant_name(names: &HashMap<TenantId, String>, tenant: TenantId) -> String {
    names
        .get(&tenant)
        .cloned()
        .unwrap_or_else(|| tenant.to_string())
}

/// How far a scan got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScanProgress {
    /// Partitions (or the backend's unit of work) finished.
    pub units_done: u64,
    /// Partitions to read in all.
    pub units_total: u64,
    /// Candidate events examined so far.
    pub examined: u64,
}

/// A batch of matching events and the progress after it.
#[derive(Debug)]
pub struct ScanBatch {
    /// Matching events.
    pub events: Vec<StoredEvent>,
    /// Progress after this batch.
    pub progress: ScanProgress,
}

/// The events of a scan, in batches. Dropping the receiver cancels the scan.
pub type ScanStream = tokio::sync::mpsc::Receiver<Result<ScanBatch, StoreError>>;

/// An event to store, with its place in the durable log.
#[derive(Clone, Debug)]
pub struct LoggedEvent {
    /// Position of the event's record in the log. The store keeps, per partition, the
    /// position after the last event it holds, and skips events before it: that is what
    /// makes a replay after a crash write nothing twice.
    pub offset: u64,
    /// The record as the log holds it ([`Event::to_record`]): what the store keeps and a
    /// scan decodes.
    pub record: Vec<u8>,
    /// The event decoded from the record.
    pub event: Event,
}

impl LoggedEvent {
    /// An event at `offset`, its record rebuilt with [`Event::to_record`].
    pub fn new(offset: u64, event: Event) -> Self {
        Self {
            offset,
            record: event.to_record(),
            event,
        }
    }
}

/// A log record to decode and store, with its place in the durable log: what the indexer
/// reads. [`crate::EventStore::write_records`] decodes it where it indexes it, so decoding
/// the next record overlaps with indexing the previous one.
#[derive(Clone, Debug)]
pub struct LoggedRecord {
    /// Position of the record in the log (see [`LoggedEvent::offset`]).
    pub offset: u64,
    /// The record as the log holds it ([`Event::to_record`]), shared with the log's read
    /// buffer rather than copied.
    pub record: bytes::Bytes,
}

/// The events of one tenant in a write of log records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TenantBatch {
    /// The tenant.
    pub tenant: TenantId,
    /// Events of the tenant decoded from the records (written or skipped).
    pub events: u64,
    /// The oldest reception time among them.
    pub oldest_received: Timestamp,
}

/// What a write of log records did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordsReport {
    /// The write of the decoded events.
    pub written: WriteReport,
    /// Records that are not events, each with its offset and the decoding error; they are
    /// not stored.
    pub undecodable: Vec<(u64, String)>,
    /// The decoded events per tenant, in order of first appearance.
    pub tenants: Vec<TenantBatch>,
}

impl RecordsReport {
    /// Counts an event of `tenant` received at `received_at` in its tenant's batch.
    pub fn saw(&mut self, tenant: TenantId, received_at: Timestamp) {
        match self.tenants.iter_mut().find(|t| t.tenant == tenant) {
            Some(batch) => {
                batch.events += 1;
                batch.oldest_received = batch.oldest_received.min(received_at);
            }
            None => self.tenants.push(TenantBatch {
                tenant,
                events: 1,
                oldest_received: received_at,
            }),
        }
    }
}

/// What a write did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Events written.
    pub events: usize,
    /// Events skipped because their partition already held their log position (a replay).
    pub skipped: usize,
    /// Partitions touched.
    pub partitions: usize,
}

/// Space and content of one tenant's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TenantUsage {
    /// The tenant.
    pub tenant: TenantId,
    /// Partitions held.
    pub partitions: u64,
    /// Events held.
    pub events: u64,
    /// Bytes on disk.
    pub bytes: u64,
    /// Oldest partition day (`YYYY-MM-DD`, day of reception, UTC).
    pub oldest_day: Option<String>,
    /// Newest partition day.
    pub newest_day: Option<String>,
}

/// How long one tenant's events are kept. Each limit is optional; both may apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Keep partitions of the last `days` days of reception (today included); older ones
    /// are dropped.
    pub days: Option<u32>,
    /// Keep at most this many bytes: the oldest partitions are dropped until the rest fit.
    /// The newest partition is never dropped for size.
    pub bytes: Option<u64>,
}

/// Retention for every tenant: a default and per-tenant overrides.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Limits of tenants without an override.
    pub default: Limits,
    /// Overrides.
    pub tenants: HashMap<TenantId, Limits>,
}

impl RetentionPolicy {
    /// The limits of `tenant`.
    pub fn limits(&self, tenant: TenantId) -> Limits {
        self.tenants.get(&tenant).copied().unwrap_or(self.default)
    }
}

/// One partition dropped by retention.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dropped {
    /// Whose.
    pub tenant: TenantId,
    /// Its day (`YYYY-MM-DD`).
    pub day: String,
    /// Events it held.
    pub events: u64,
    /// Bytes it held.
    pub bytes: u64,
    /// `days` or `bytes`.
    pub reason: &'static str,
}
