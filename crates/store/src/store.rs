//! The [`EventStore`] trait.

use jiff::Timestamp;
use vigie_access::TenantScope;

use crate::StoreError;
use crate::model::{
    Dropped, LoggedEvent, LoggedRecord, RecordsReport, RetentionPolicy, ScanRequest, ScanStream,
    TenantUsage, WriteReport,
};

/// The event store: write events, scan them inside a tenant scope, report usage, enforce
/// retention.
///
/// Implementations: [`crate::EmbeddedStore`] (tantivy, one index per tenant and day). A
/// ClickHouse backend will implement it too. Every implementation must pass the
/// conformance suite in `testsuite` (feature `testsuite`).
#[async_trait::async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Stores the events; durable when it returns. Events come in log order: their offsets
    /// increase within a call and from one call to the next, except when the caller writes
    /// again, after a crash, events it wrote before. An event whose partition already holds
    /// its offset is skipped (and counted in [`WriteReport::skipped`]), so replaying the log
    /// never duplicates events.
    async fn write(&self, events: Vec<LoggedEvent>) -> Result<WriteReport, StoreError>;

    /// Decodes log records ([`vigie_event::Event::from_record`]) and stores the events as
    /// [`EventStore::write`] does; a record that is not an event is reported, not stored,
    /// and does not stop the others. An implementation may decode each record where it
    /// indexes it (the embedded store does, so decoding overlaps with indexing); this
    /// default decodes them all, then writes.
    async fn write_records(&self, records: Vec<LoggedRecord>) -> Result<RecordsReport, StoreError> {
        let mut report = RecordsReport::default();
        let mut events = Vec::with_capacity(records.len());
        for LoggedRecord { offset, record } in records {
            match vigie_event::Event::from_record(&record) {
                Ok(event) => {
                    report.saw(event.tenant, event.received_at);
                    events.push(LoggedEvent {
                        offset,
                        record: record.to_vec(),
                        event,
                    });
                }
                Err(error) => report.undecodable.push((offset, error.to_string())),
            }
        }
        report.written = self.write(events).await?;
        Ok(report)
    }

    /// The events inside `scope` selected by `request`, in batches. Every event returned
    /// belongs to a tenant of the scope and satisfies the request's range and filter
    /// exactly (as [`crate::query::Expr::matches`] defines). Dropping the stream cancels
    /// the scan.
    fn scan(&self, scope: &TenantScope, request: ScanRequest) -> ScanStream;

    /// Space and content per tenant, for the tenants inside `scope`.
    async fn usage(&self, scope: &TenantScope) -> Result<Vec<TenantUsage>, StoreError>;

    /// Drops whole partitions past the policy's limits at `now`; returns what was dropped.
    async fn enforce_retention(
        &self,
        policy: &RetentionPolicy,
        now: Timestamp,
    ) -> Result<Vec<Dropped>, StoreError>;
}
