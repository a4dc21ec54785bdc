//! The one error type of the crate.

use std::path::PathBuf;

use crate::Offset;

/// Everything that can go wrong in the log. Each variant names the file, offset or value at
/// fault; the underlying I/O error, if any, is the [`std::error::Error::source`].
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// A payload is larger than the configured `max_record_bytes`.
    #[error(
        "record {index} of the append is {len} bytes, above the limit of {max} bytes \
         (max_record_bytes)"
    )]
    RecordTooLarge {
        /// Position of the payload inside the appended batch.
        index: usize,
        /// Its size in bytes.
        len: u64,
        /// The configured limit.
        max: u64,
    },

    /// An I/O operation failed on a file or directory.
    #[error("I/O error while {op} {path}")]
    Io {
        /// What was being done, e.g. "fsyncing".
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// A record failed validation (bad length or checksum) where truncation is not allowed:
    /// in a segment other than the last, or while reading.
    #[error("corrupt record in {path} at offset {offset} (byte {position}): {reason}")]
    Corrupt {
        /// The segment file.
        path: PathBuf,
        /// Offset of the record that failed.
        offset: Offset,
        /// Byte position of its frame in the file.
        position: u64,
        /// What was wrong.
        reason: String,
    },

    /// A segment file's header is not a valid version-1 header.
    #[error("bad segment header in {path}: {reason}")]
    BadHeader {
        /// The segment file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },

    /// Segments do not chain: a segment file is missing or two overlap.
    #[error(
        "segment {path} starts at offset {found} but the previous segment ends at {expected}: \
         a segment is missing or overlaps"
    )]
    SegmentGap {
        /// The segment that does not follow its predecessor.
        path: PathBuf,
        /// Offset where the previous segment ends.
        expected: Offset,
        /// Offset in this segment's name.
        found: Offset,
    },

    /// Records a registered consumer has not processed yet are gone: the oldest segment left
    /// starts above its committed offset (or above 0 while no consumer ever committed, so
    /// retention never ran). The segment files holding them were deleted behind the log's
    /// back or left out of a copy. Retention never deletes them, so this is data loss the log
    /// refuses to skip silently.
    #[error(
        "log {dir}: a segment is missing before {path}: it starts at offset {start}, but \
         consumer {consumer:?} {position}, so the records at offsets {from}..{start} (end \
         excluded) were never processed; the segment files holding them were deleted or not \
         restored",
        position = describe_position(*.committed),
        from = .committed.unwrap_or(0)
    )]
    MissingRecords {
        /// The log directory.
        dir: PathBuf,
        /// The registered consumer furthest behind.
        consumer: String,
        /// Its committed offset, the first missing record; `None` when no consumer ever
        /// committed (it reads from offset 0, and nothing was ever deleted by retention).
        committed: Option<Offset>,
        /// First offset of the oldest segment left: the first record after the gap.
        start: Offset,
        /// The oldest segment file left.
        path: PathBuf,
    },

    /// `consumers.json` cannot be parsed.
    #[error("consumer state file {path} is invalid: {reason}")]
    BadConsumerState {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },

    /// A consumer tried to commit past the end of the log.
    #[error("consumer {consumer:?} cannot commit offset {next}: the log ends at {end}")]
    CommitBeyondEnd {
        /// The consumer.
        consumer: String,
        /// The offset it tried to commit.
        next: Offset,
        /// The log's end offset.
        end: Offset,
    },

    /// A consumer name is empty or too long (limit: 255 bytes).
    #[error("invalid consumer name {name:?}: must be 1 to 255 bytes")]
    InvalidConsumer {
        /// The name given.
        name: String,
    },

    /// A configuration value is out of range.
    #[error("invalid log configuration: {field} = {value}: {reason}")]
    InvalidConfig {
        /// The field, e.g. `segment_bytes`.
        field: &'static str,
        /// Its value.
        value: String,
        /// The allowed range.
        reason: &'static str,
    },

    /// Another process (or another [`crate::Wal`] in this one) has the directory open.
    #[error("log directory {path} is already in use (lock held on {path}/LOCK)")]
    Locked {
        /// The log directory.
        path: PathBuf,
    },

    /// An earlier write or fsync failed; the log refuses further appends because the state of
    /// the file is unknown. Reopening the log runs recovery.
    #[error("the log writer stopped after an earlier failure ({cause}); reopen the log")]
    Poisoned {
        /// The failure that stopped the writer.
        cause: String,
    },

    /// The writer thread is gone (the log is shutting down).
    #[error("the log writer for {path} has stopped")]
    Closed {
        /// The log directory.
        path: PathBuf,
    },

    /// A partition number outside the log's partitions.
    #[error("partition {partition} does not exist: the log has {partitions} partition(s)")]
    NoSuchPartition {
        /// The partition asked for.
        partition: u32,
        /// How many the log has.
        partitions: u32,
    },

    /// The engine behind the log (e.g. the NATS servers) cannot be reached or refused the
    /// operation. Names the engine and its address, never a credential. Nothing was
    /// acknowledged: a sender may retry.
    #[error("{engine} at {address}: {op} failed: {reason}")]
    Unavailable {
        /// The engine, e.g. `NATS JetStream`.
        engine: &'static str,
        /// Where it was reached (host:port list; no user or password).
        address: String,
        /// What was being done, e.g. "publishing to stream VIGIE_EVENTS_3".
        op: String,
        /// The engine's answer or the transport error.
        reason: String,
    },

    /// The engine answered with something vigie did not write (e.g. an envelope that does
    /// not decode): named, counted by the caller, never skipped silently.
    #[error("{engine}: bad data in {location}: {reason}")]
    BadData {
        /// The engine, e.g. `NATS JetStream`.
        engine: &'static str,
        /// Where, e.g. "stream VIGIE_EVENTS_3 sequence 42".
        location: String,
        /// What was wrong.
        reason: String,
    },
}

fn describe_position(committed: Option<Offset>) -> String {
    match committed {
        Some(at) => format!("committed offset {at}"),
        None => "never committed (nor did any other consumer) and reads from offset 0".to_owned(),
    }
}

impl LogError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        LogError::Io {
            op,
            path: path.into(),
            source,
        }
    }

    /// A copy of the error for the many waiters of one failed group commit (I/O errors are
    /// not `Clone`; kind and message are kept).
    pub(crate) fn duplicate(&self) -> LogError {
        match self {
            LogError::Io { op, path, source } => LogError::Io {
                op,
                path: path.clone(),
                source: std::io::Error::new(source.kind(), source.to_string()),
            },
            other => LogError::Poisoned {
                cause: other.to_string(),
            },
        }
    }
}
