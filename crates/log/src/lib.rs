//! vigie-log: the durable log between intake and processing.
//!
//! Ingest appends events here and acknowledges a sender only once the log says the events are
//! durable; the pipeline reads them back by offset and commits how far it got. The crate has
//! three parts:
//!
//! - [`Log`], the narrow trait every backend implements: [`Log::append`] (durable on return,
//!   concurrent callers share fsyncs), [`Log::read`] from an [`Offset`], [`Log::wait_for`] new
//!   records, and per-consumer [`Log::commit`] that also drives retention. The types it speaks
//!   are [`Record`], [`AppendAck`], [`LogStats`] with its [`RecoveryReport`], and [`LogError`].
//! - [`Wal`] (module [`wal`]), the embedded backend: a directory of segment files written by
//!   one writer thread with group commit, recovered and validated at [`Wal::open`], configured
//!   by [`WalConfig`]. [`wal::snapshot`] copies the log of a running server from another
//!   process, up to a record boundary it made durable itself (online backup, `vigie backup`).
//! - `testsuite` (feature `testsuite`), the conformance suite written against [`Log`] only, run
//!   on [`Wal`] by `cargo test` and meant to be run by every other backend as well.
//!
//! # Example
//!
//! ```
//! use bytes::Bytes;
//! use vigie_log::{Log, Wal, WalConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), vigie_log::LogError> {
//! # let tmp = tempfile::tempdir().unwrap();
//! // `open` is blocking (it runs recovery): call it at startup.
//! let wal = Wal::open(WalConfig {
//!     dir: tmp.path().join("wal"),
//!     consumers: vec!["pipeline".to_owned()],
//!     ..WalConfig::default()
//! })?;
//! // Durable once `append` returns: now the sender may be acknowledged.
//! let ack = wal.append(vec![Bytes::from_static(b"event 1"), Bytes::from_static(b"event 2")]).await?;
//! assert_eq!((ack.first, ack.count), (0, 2));
//!
//! // The consumer reads, processes, then commits what it is done with.
//! let records = wal.read(0, 100).await?;
//! assert_eq!(records[1].payload, Bytes::from_static(b"event 2"));
//! wal.commit("pipeline", records.last().unwrap().offset + 1).await?;
//! assert_eq!(wal.committed("pipeline"), Some(2));
//! # Ok(())
//! # }
//! ```
//!
//! # On-disk format (version 1)
//!
//! The directory holds segment files, a consumer-offset file and a lock file:
//!
//! - `<first offset, 20 digits>.wal` — a segment, e.g. `00000000000000000000.wal`. It starts
//!   with a 24-byte header: magic `VIGIEWAL` (8 bytes), format version (u32 LE, `1`), the
//!   segment's first offset (u64 LE, equal to the file name) and a CRC32C of those 20 bytes
//!   (u32 LE). Records follow back to back, each framed as payload length (u32 LE), CRC32C
//!   over the 4 length bytes followed by the payload (u32 LE), then the payload. Offsets are
//!   implicit: the n-th record of a segment has offset `first + n`, so segments chain without
//!   gaps (`next.first == previous.first + previous.records`).
//! - `consumers.json` — `{"version":1,"consumers":{"<name>":<next offset>,...}}`, replaced
//!   atomically (temp file, fsync, rename, directory fsync).
//! - `LOCK` — held with an exclusive file lock while a [`Wal`] is open.
//!
//! Everything a caller was acknowledged is fsynced. At open, every record is checked; a torn
//! or corrupt tail in the last segment is cut off and reported, corruption anywhere else is an
//! error naming the file and offset.

#![deny(missing_docs)]

mod error;
mod log;
pub mod wal;

#[cfg(any(test, feature = "testsuite"))]
pub mod testsuite;

pub use crate::error::LogError;
pub use crate::log::{
    AppendAck, Log, LogReader, LogStats, Offset, PartitionKey, Record, RecoveryReport,
};
pub use crate::wal::{Wal, WalConfig};
