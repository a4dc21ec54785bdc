//! The [`Log`] trait and the values it exchanges.

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;

use crate::LogError;

/// Position of a record in its partition. It grows with every record and is never reused (not
/// even after retention deleted the record). The embedded log numbers records densely from 0;
/// the JetStream log numbers them `stream sequence << 16 | index in the envelope`.
pub type Offset = u64;

/// One durable record read back from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Offset of the record.
    pub offset: Offset,
    /// The bytes that were appended.
    pub payload: Bytes,
}

/// What a batch of records belongs to: one tenant's events from one source. A log keeps the
/// records of one key in one partition, in the order they were appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionKey<'a> {
    /// The tenant's slug, from the authenticated connection (never from the payload).
    pub tenant: &'a str,
    /// The source kind the records came in through (`syslog`, `bulk`, `evtx`, ...).
    pub source: &'a str,
}

impl PartitionKey<'_> {
    /// The partition of this key among `partitions` (at least 1): CRC32C over the tenant,
    /// one 0x1f byte and the source, modulo `partitions`. This decides where records of a
    /// running cluster go, so it never changes between versions or machines (a test pins
    /// known values).
    pub fn partition(&self, partitions: u32) -> u32 {
        let crc = crc32c::crc32c_append(
            crc32c::crc32c_append(crc32c::crc32c(self.tenant.as_bytes()), &[0x1f]),
            self.source.as_bytes(),
        );
        crc % partitions.max(1)
    }
}

/// Acknowledgement of an append: the records are durable in `partition` from position
/// `first` on, in the order given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendAck {
    /// The partition the records went to.
    pub partition: u32,
    /// Position of the first record in its partition. Positions grow with every append; the
    /// embedded log numbers records densely, a backend that stores records in envelopes may
    /// leave gaps between envelopes.
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
    /// Next offset to be written; everything below is durable (embedded log; 0 elsewhere).
    pub end_offset: Offset,
    /// Oldest offset still retained (embedded log; 0 elsewhere).
    pub start_offset: Offset,
    /// Records (embedded log) or envelopes (JetStream) retained, over all partitions.
    pub retained: u64,
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

/// The durable log: append records of a [`PartitionKey`], read them back per consumer and
/// partition through a [`LogReader`], commit what was processed.
///
/// Implementations: [`crate::Wal`] (embedded, one partition) and the JetStream log of the
/// `vigie-nats` crate (cluster mode, several partitions). Every implementation must pass
/// the conformance suite in `testsuite` (feature `testsuite`).
#[async_trait::async_trait]
pub trait Log: Send + Sync + 'static {
    /// How many partitions the log has (at least 1). Records of one [`PartitionKey`] all go to
    /// [`PartitionKey::partition`] of this number.
    fn partitions(&self) -> u32;

    /// Appends the payloads, in order, to the partition of `key`; returns only once they are
    /// durable as the backend defines it (fsynced by the embedded log; stored by the
    /// replicas the stream asks for on JetStream). Retrying an append after an error may
    /// store the records twice; it never loses one that was acknowledged. An empty `payloads`
    /// returns `count == 0` at once.
    async fn append(
        &self,
        key: PartitionKey<'_>,
        payloads: Vec<Bytes>,
    ) -> Result<AppendAck, LogError>;

    /// A reader of `partition` for `consumer`: it starts after what that consumer committed
    /// (at the oldest record retained if it never did). Errors name the consumer and the
    /// partition when either does not exist.
    async fn reader(&self, consumer: &str, partition: u32) -> Result<Box<dyn LogReader>, LogError>;

    /// Records appended and not yet committed by `consumer`, over all partitions (the
    /// intake's backpressure reads it for the detection consumer). As last known: a backend
    /// that has to ask a server refreshes it in the background.
    fn backlog(&self, consumer: &str) -> u64;

    /// Current state and counters.
    fn stats(&self) -> LogStats;

    /// The engine's name for health reports and messages.
    fn engine(&self) -> &'static str {
        "embedded WAL"
    }

    /// Whether the engine answered lately (an embedded log always does; a networked one
    /// reports its last contact).
    fn reachable(&self) -> bool {
        true
    }
}

/// One consumer's view of one partition: hands out records in order, then commits that they
/// were processed. Dropping a reader without committing means its records are handed out
/// again to the next reader of the consumer.
#[async_trait::async_trait]
pub trait LogReader: Send + Sync {
    /// Up to `max` records not yet returned by this reader, in order. When none is waiting it
    /// waits up to `wait` for one; an empty vector means none came.
    async fn next(&mut self, max: usize, wait: Duration) -> Result<Vec<Record>, LogError>;

    /// Makes durable that every record returned so far with a position below `next` was
    /// processed: a later reader of this consumer starts after them (a backend that stores
    /// records in envelopes hands out again the records of an envelope only partly below
    /// `next`). `next` above [`LogReader::position`] is an error naming both.
    async fn commit(&mut self, next: Offset) -> Result<(), LogError>;

    /// The position after the last record returned.
    fn position(&self) -> Offset;

    /// The position after the last record committed (where a new reader would start).
    fn committed(&self) -> Offset;

    /// Records of the partition not yet returned to this reader, as far as it knows.
    fn lag(&self) -> u64;

    /// Stops reading and hands the partition over at once to another reader of the same
    /// consumer (a backend with one owner per partition otherwise waits for a timeout).
    /// Uncommitted records will be handed out again.
    async fn close(self: Box<Self>) -> Result<(), LogError>;
}

#[cfg(test)]
mod tests {
    use super::PartitionKey;

    /// Where a key goes is part of the cluster's on-the-wire contract: these values must never
    /// change (a changed hash would split one tenant's records over two partitions during a
    /// rolling upgrade).
    #[test]
    fn partition_of_a_key_is_pinned() {
        let cases = [
            ("commune-namur", "syslog", 8, PINNED[0]),
            ("commune-namur", "bulk", 8, PINNED[1]),
            ("cpas-liege", "syslog", 8, PINNED[2]),
            ("hopital-brugge", "evtx", 16, PINNED[3]),
            ("a", "b", 1, 0),
        ];
        for (tenant, source, n, expected) in cases {
            let got = PartitionKey { tenant, source }.partition(n);
            assert_eq!(got, expected, "{tenant}/{source} of {n}");
        }
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        let ab = PartitionKey {
            tenant: "ab",
            source: "c",
        }
        .partition(u32::MAX);
        let a = PartitionKey {
            tenant: "a",
            source: "bc",
        }
        .partition(u32::MAX);
        assert_ne!(ab, a);
        assert_eq!(
            PartitionKey {
                tenant: "x",
                source: "y"
            }
            .partition(0),
            0
        );
    }

    const PINNED: [u32; 4] = [3, 1, 2, 1];
}
