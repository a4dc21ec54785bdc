//! The [`Log`] trait and the values it exchanges.

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;

use crate::LogError;

/// Position of a record in the log. Dense: the first record ever written is 0, each record
/// adds 1, and an offset is never reused (not even after retention deleted the record).
pub type Offset = u64;

/// One durable record read back from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Offset of the record.
    pub offset: Offset,
    /// The bytes that were appended.
    pub payload: Bytes,
}

/// Acknowledgement of an append: records `first..first + count` are durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendAck {
    /// Offset given to the first payload of the append.
    pub first: Offset,
    /// Number of payloads appended (equal to the number passed in).
    pub count: u64,
}

/// What recovery found and repaired when the log was opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Segment files validated.
    pub segments_scanned: u64,
    /// Valid records found in them.
    pub records_recovered: u64,
    /// Bytes cut off the tail of the last segment (torn or corrupt data never acknowledged).
    pub truncated_bytes: u64,
    /// The segment that was cut, if any.
    pub truncated_segment: Option<PathBuf>,
}

/// A snapshot of the log's state and counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogStats {
    /// Next offset to be written; everything below is durable.
    pub end_offset: Offset,
    /// Oldest offset still retained.
    pub start_offset: Offset,
    /// Number of segments (or the backend's equivalent unit of retention).
    pub segments: u64,
    /// Bytes held on disk by the segments.
    pub bytes_on_disk: u64,
    /// Records appended since the log was opened.
    pub appended_records: u64,
    /// fsync calls made since the log was opened (data, directories and consumer state).
    pub fsyncs: u64,
    /// What recovery did at open.
    pub recovery: RecoveryReport,
}

/// The durable log: append, read from an offset, wait for more, commit consumer progress.
///
/// Implementations: [`crate::Wal`] (embedded). Every implementation must pass the
/// conformance suite in `testsuite` (feature `testsuite`).
#[async_trait::async_trait]
pub trait Log: Send + Sync + 'static {
    /// Appends the payloads in order; returns only once they are durable (fsynced). Concurrent
    /// callers share fsyncs (group commit). An empty `payloads` returns `count == 0` at once.
    async fn append(&self, payloads: Vec<Bytes>) -> Result<AppendAck, LogError>;

    /// Up to `max` durable records starting at `from` (from < start_offset: start at
    /// start_offset; from >= end: empty vec). May return fewer than `max` records even when
    /// more are available (backends cap the bytes returned by one call).
    async fn read(&self, from: Offset, max: usize) -> Result<Vec<Record>, LogError>;

    /// Returns once a record at offset >= `from` is durable, or after `timeout` (returns
    /// whether one is available).
    async fn wait_for(&self, from: Offset, timeout: Duration) -> bool;

    /// Next offset to be written (everything below is durable).
    fn end_offset(&self) -> Offset;

    /// Persists (durably) that `consumer` has processed everything below `next`. Segments
    /// whose records are all below the minimum committed offset of all *registered* consumers
    /// are deleted.
    async fn commit(&self, consumer: &str, next: Offset) -> Result<(), LogError>;

    /// Last committed offset of `consumer` (None if never committed).
    fn committed(&self, consumer: &str) -> Option<Offset>;

    /// Current state and counters.
    fn stats(&self) -> LogStats;
}
