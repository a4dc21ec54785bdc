//! The embedded write-ahead log: [`Wal`], configured by [`WalConfig`].
//!
//! # Layout
//!
//! A directory of segment files named by their first offset (`00000000000000000000.wal`),
//! plus `consumers.json` and `LOCK`; the byte format is described in the crate docs and kept
//! by `segment.rs` (header, index) and `record.rs` (framing); `recovery.rs` validates it.
//!
//! # Writing: group commit
//!
//! One writer thread owns the active segment. [`Log::append`] sends its payloads over a
//! bounded channel (so a flood of appenders waits instead of growing memory) and awaits a
//! oneshot answer. The writer takes every request waiting in the channel (up to
//! 8 MiB of payloads), writes them, calls `sync_data` once for the lot, publishes the new end
//! offset, and then answers each request. A segment that would grow beyond `segment_bytes` is
//! fsynced and closed first; the new one is created with its header, fsynced, and the
//! directory fsynced. If a write or fsync fails, the callers of that batch get the error and
//! the log refuses further appends ([`LogError::Poisoned`]): after a failed fsync the state of
//! the file is unknown, and reopening runs recovery.
//!
//! # Reading
//!
//! Readers see only published (fsynced) records. Each segment keeps a sparse in-memory index
//! (file position of every 32nd record), so a read seeks close to its offset and skips at
//! most 31 frame headers. Reads use positioned I/O on a shared handle and run on tokio's
//! blocking pool.
//!
//! # Retention
//!
//! [`Log::commit`] first makes the new offset durable in `consumers.json`, then deletes the
//! segments whose records are all below the smallest offset committed by the registered
//! consumers ([`WalConfig::consumers`]). A registered consumer that never committed holds
//! everything; with no registered consumer nothing is deleted. The active segment is never
//! deleted.

mod consumers;
#[cfg(test)]
mod offset_suite;
mod reader;
mod record;
mod recovery;
mod segment;
pub mod snapshot;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot, watch};

use self::segment::{HEADER_LEN, INDEX_INTERVAL, SegmentMeta};
use crate::{AppendAck, Log, LogError, LogStats, Offset, Record, RecoveryReport};

/// Payload bytes one group commit takes from the queue before writing (more requests wait for
/// the next round).
const MAX_BATCH_BYTES: u64 = 8 * 1024 * 1024;
/// Pending append requests the channel holds before appenders wait.
const QUEUE_DEPTH: usize = 1024;
/// The writer flushes its frame buffer to the file past this size.
const WRITE_BUFFER: usize = 1024 * 1024;
/// One read stops once it has this many payload bytes (it always returns at least one record).
const READ_BYTES_LIMIT: u64 = 16 * 1024 * 1024;
/// Longest consumer name.
const MAX_CONSUMER_NAME: usize = 255;

/// Configuration of the embedded log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WalConfig {
    /// Directory holding the segments (created if missing). Default `wal`.
    pub dir: PathBuf,
    /// A segment is closed and a new one started once it would grow beyond this many bytes.
    /// Default 64 MiB; at least 64.
    pub segment_bytes: u64,
    /// Largest payload accepted by `append`. Default 4 MiB; at most `u32::MAX`.
    pub max_record_bytes: u64,
    /// Consumers whose committed offsets gate segment deletion.
    pub consumers: Vec<String>,
}

impl Default for WalConfig {
    fn default() -> Self {
        WalConfig {
            dir: PathBuf::from("wal"),
            segment_bytes: 64 * 1024 * 1024,
            max_record_bytes: 4 * 1024 * 1024,
            consumers: Vec::new(),
        }
    }
}

impl WalConfig {
    fn validate(&self) -> Result<(), LogError> {
        if self.segment_bytes < 64 {
            return Err(LogError::InvalidConfig {
                field: "segment_bytes",
                value: self.segment_bytes.to_string(),
                reason: "must be at least 64",
            });
        }
        if self.max_record_bytes == 0 || self.max_record_bytes > u64::from(u32::MAX) {
            return Err(LogError::InvalidConfig {
                field: "max_record_bytes",
                value: self.max_record_bytes.to_string(),
                reason: "must be between 1 and 4294967295",
            });
        }
        for name in &self.consumers {
            check_consumer_name(name)?;
        }
        Ok(())
    }
}

fn check_consumer_name(name: &str) -> Result<(), LogError> {
    if name.is_empty() || name.len() > MAX_CONSUMER_NAME {
        return Err(LogError::InvalidConsumer {
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// One append waiting for the writer.
struct Request {
    payloads: Vec<Bytes>,
    reply: oneshot::Sender<Result<AppendAck, LogError>>,
}

/// State shared by the handle, the writer thread and blocking read tasks.
struct Shared {
    dir: PathBuf,
    config: WalConfig,
    /// Oldest first; never empty; the last one is the active segment.
    segments: RwLock<Vec<SegmentMeta>>,
    /// Durable end, also published on `end_watch` for `wait_for`.
    end: AtomicU64,
    end_watch: watch::Sender<Offset>,
    appended: AtomicU64,
    fsyncs: AtomicU64,
    /// Set once the writer failed; the message of the failure.
    poisoned: Mutex<Option<String>>,
    /// Committed offsets as persisted (updated only after the file is durable).
    consumers: Mutex<BTreeMap<String, Offset>>,
    /// Serializes commits (file write and retention).
    commit_lock: Mutex<()>,
    recovery: RecoveryReport,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves plain data behind; keep going.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn segments_read(&self) -> std::sync::RwLockReadGuard<'_, Vec<SegmentMeta>> {
        self.segments.read().unwrap_or_else(|e| e.into_inner())
    }

    fn segments_write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<SegmentMeta>> {
        self.segments.write().unwrap_or_else(|e| e.into_inner())
    }

    fn add_fsyncs(&self, n: u64) {
        self.fsyncs.fetch_add(n, Ordering::Relaxed);
    }

    fn read_blocking(&self, from: Offset, max: usize) -> Result<Vec<Record>, LogError> {
        let end = self.end.load(Ordering::Acquire);
        let mut out = Vec::new();
        let mut cur = from;
        let mut bytes = 0u64;
        while out.len() < max && cur < end && bytes < READ_BYTES_LIMIT {
            let plan = {
                let segments = self.segments_read();
                let start = segments[0].base;
                if cur < start {
                    cur = start;
                    if cur >= end {
                        break;
                    }
                }
                let i = segments.partition_point(|s| s.base <= cur) - 1;
                segments[i].plan(cur, end)
            };
            let before = out.len();
            let budget = READ_BYTES_LIMIT - bytes;
            match segment::read_records(&plan, cur, max - out.len(), budget, &mut out)? {
                Some(read) => bytes += read,
                // Deleted by retention since the plan was made: plan again from the new
                // start offset. Missing for any other reason: an error naming the file.
                None if self.segments_read()[0].base > cur => continue,
                None => {
                    return Err(LogError::io(
                        "opening",
                        plan.path,
                        std::io::ErrorKind::NotFound.into(),
                    ));
                }
            }
            if out.len() == before {
                break;
            }
            cur = out.last().map_or(cur, |r| r.offset + 1);
        }
        Ok(out)
    }

    fn commit_blocking(&self, consumer: &str, next: Offset) -> Result<(), LogError> {
        check_consumer_name(consumer)?;
        let end = self.end.load(Ordering::Acquire);
        if next > end {
            return Err(LogError::CommitBeyondEnd {
                consumer: consumer.to_owned(),
                next,
                end,
            });
        }
        let _serial = lock(&self.commit_lock);
        let mut updated = lock(&self.consumers).clone();
        updated.insert(consumer.to_owned(), next);
        let synced = consumers::store(&self.dir, &updated)?;
        self.add_fsyncs(synced);
        *lock(&self.consumers) = updated;
        fail::fail_point!("wal::commit::before_retention");
        self.apply_retention()
    }

    /// The offset below which every registered consumer is done, if any is registered.
    fn retention_floor(&self) -> Option<Offset> {
        let committed = lock(&self.consumers);
        let mut floor: Option<Offset> = None;
        for name in &self.config.consumers {
            let at = *committed.get(name)?;
            floor = Some(floor.map_or(at, |f| f.min(at)));
        }
        floor
    }

    /// Deletes the segments entirely below the retention floor (never the active one).
    fn apply_retention(&self) -> Result<(), LogError> {
        let Some(floor) = self.retention_floor() else {
            return Ok(());
        };
        let doomed: Vec<PathBuf> = {
            let mut segments = self.segments_write();
            let mut doomed = Vec::new();
            while segments.len() > 1 && segments[1].base <= floor {
                doomed.push(segments.remove(0).path);
            }
            doomed
        };
        if doomed.is_empty() {
            return Ok(());
        }
        for path in &doomed {
            fail::fail_point!("wal::retention::before_delete");
            match fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(LogError::io("deleting consumed segment", path, e)),
            }
            tracing::debug!(path = %path.display(), "deleted consumed segment");
        }
        fail::fail_point!("wal::retention::before_dir_sync");
        segment::sync_dir(&self.dir)?;
        self.add_fsyncs(1);
        Ok(())
    }
}

/// How long [`Wal::open`] retries a directory lock held by someone else.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// The embedded durable log. See the [module docs](self) for how it works.
pub struct Wal {
    shared: Arc<Shared>,
    requests: Option<mpsc::Sender<Request>>,
    writer: Option<JoinHandle<()>>,
    /// Holds the directory lock until the log is dropped.
    _lock: File,
}

impl std::fmt::Debug for Wal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wal")
            .field("dir", &self.shared.dir)
            .field("end_offset", &self.shared.end.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Wal {
    /// Opens (or creates) the log in `config.dir`: takes the directory lock, runs recovery
    /// (see [`RecoveryReport`]), loads the consumer offsets, applies retention and starts the
    /// writer thread. Blocking: call it at startup or from a blocking task.
    ///
    /// Fails with [`LogError::MissingRecords`] when a registered consumer committed an offset
    /// below the oldest segment left (segment files lost: its records cannot be processed),
    /// and with [`LogError::SegmentGap`] when a segment is missing between two others.
    pub fn open(config: WalConfig) -> Result<Wal, LogError> {
        config.validate()?;
        let dir = config.dir.clone();
        fs::create_dir_all(&dir).map_err(|e| LogError::io("creating directory", &dir, e))?;
        let lock_path = dir.join("LOCK");
        let lock_file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| LogError::io("opening", &lock_path, e))?;
        // The lock is refused while another open log holds it; it is also held for a moment
        // by a process forked elsewhere in this program between its fork and its exec (the
        // child shares the open lock file until exec closes it), so a reopen right after a
        // drop retries for up to LOCK_WAIT before calling the directory taken.
        let deadline = std::time::Instant::now() + LOCK_WAIT;
        loop {
            match lock_file.try_lock() {
                Ok(()) => break,
                Err(fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(fs::TryLockError::WouldBlock) => return Err(LogError::Locked { path: dir }),
                Err(fs::TryLockError::Error(e)) => {
                    return Err(LogError::io("locking", lock_path, e));
                }
            }
        }
        recovery::remove_stale_temp(&dir)?;
        let recovered = recovery::recover(&dir)?;
        let committed = consumers::load(&dir)?;
        recovery::check_consumers(&dir, &recovered.segments, &committed, &config.consumers)?;

        let last = recovered
            .segments
            .last()
            .expect("recovery returns a segment");
        let end = last.base + last.records;
        for (name, at) in &committed {
            if *at > end {
                tracing::warn!(
                    dir = %dir.display(), consumer = %name, committed = at, end,
                    "consumer committed beyond the recovered end of the log"
                );
            }
        }
        let writer_state = WriterState {
            file: recovered.active,
            path: last.path.clone(),
            base: last.base,
            records: last.records,
            size: last.size,
            next: end,
            pending_index: Vec::new(),
            buf: Vec::new(),
        };
        tracing::info!(
            dir = %dir.display(),
            start = recovered.segments[0].base,
            end,
            segments = recovered.report.segments_scanned,
            truncated_bytes = recovered.report.truncated_bytes,
            "log opened"
        );
        let shared = Arc::new(Shared {
            dir: dir.clone(),
            config,
            segments: RwLock::new(recovered.segments),
            end: AtomicU64::new(end),
            end_watch: watch::Sender::new(end),
            appended: AtomicU64::new(0),
            fsyncs: AtomicU64::new(recovered.fsyncs),
            poisoned: Mutex::new(None),
            consumers: Mutex::new(committed),
            commit_lock: Mutex::new(()),
            recovery: recovered.report,
        });
        shared.apply_retention()?;

        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        let writer = Writer {
            shared: Arc::clone(&shared),
            state: writer_state,
        };
        let handle = std::thread::Builder::new()
            .name("vigie-wal-writer".to_owned())
            .spawn(move || writer.run(rx))
            .map_err(|e| LogError::io("starting the writer thread for", &dir, e))?;
        Ok(Wal {
            shared,
            requests: Some(tx),
            writer: Some(handle),
            _lock: lock_file,
        })
    }

    /// The log directory.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }
}

impl Drop for Wal {
    fn drop(&mut self) {
        // Closing the channel lets the writer finish its batch and exit; joining it makes the
        // directory free for a reopen as soon as drop returns.
        self.requests.take();
        if let Some(handle) = self.writer.take()
            && handle.join().is_err()
        {
            tracing::error!(dir = %self.shared.dir.display(), "log writer thread panicked");
        }
    }
}

/// The offset API of the embedded log, used by its reader, by tools that work on one data
/// directory (backup, benchmarks) and by tests. Cluster-neutral code goes through [`Log`].
impl Wal {
    /// Appends the payloads in order; returns only once they are durable (fsynced).
    /// Concurrent callers share fsyncs (group commit). An empty `payloads` returns
    /// `count == 0` at once.
    pub async fn append(&self, payloads: Vec<Bytes>) -> Result<AppendAck, LogError> {
        let max = self.shared.config.max_record_bytes;
        if let Some((index, p)) = payloads
            .iter()
            .enumerate()
            .find(|(_, p)| p.len() as u64 > max)
        {
            return Err(LogError::RecordTooLarge {
                index,
                len: p.len() as u64,
                max,
            });
        }
        if let Some(cause) = lock(&self.shared.poisoned).clone() {
            return Err(LogError::Poisoned { cause });
        }
        if payloads.is_empty() {
            return Ok(AppendAck {
                partition: 0,
                first: self.end_offset(),
                count: 0,
            });
        }
        let closed = || LogError::Closed {
            path: self.shared.dir.clone(),
        };
        let (reply, answer) = oneshot::channel();
        let requests = self.requests.as_ref().ok_or_else(closed)?;
        requests
            .send(Request { payloads, reply })
            .await
            .map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }

    /// Up to `max` durable records starting at `from` (from < start offset: start at the
    /// start offset; from >= end: empty vec). May return fewer than `max` records even when
    /// more are available (one call returns at most 16 MiB of payloads).
    pub async fn read(&self, from: Offset, max: usize) -> Result<Vec<Record>, LogError> {
        self.shared.read(from, max).await
    }

    /// Returns once a record at offset >= `from` is durable, or after `timeout` (returns
    /// whether one is available).
    pub async fn wait_for(&self, from: Offset, timeout: Duration) -> bool {
        self.shared.wait_for(from, timeout).await
    }

    /// Next offset to be written (everything below is durable).
    pub fn end_offset(&self) -> Offset {
        self.shared.end.load(Ordering::Acquire)
    }

    /// Persists (durably) that `consumer` has processed everything below `next`. Segments
    /// whose records are all below the minimum committed offset of all *registered*
    /// consumers are deleted.
    pub async fn commit(&self, consumer: &str, next: Offset) -> Result<(), LogError> {
        self.shared.commit(consumer, next).await
    }

    /// Last committed offset of `consumer` (None if never committed).
    pub fn committed(&self, consumer: &str) -> Option<Offset> {
        lock(&self.shared.consumers).get(consumer).copied()
    }

    /// Current state and counters.
    pub fn stats(&self) -> LogStats {
        let segments = self.shared.segments_read();
        let end_offset = self.shared.end.load(Ordering::Acquire);
        LogStats {
            end_offset,
            start_offset: segments[0].base,
            retained: end_offset - segments[0].base,
            segments: segments.len() as u64,
            bytes_on_disk: segments.iter().map(|s| s.size).sum(),
            appended_records: self.shared.appended.load(Ordering::Relaxed),
            fsyncs: self.shared.fsyncs.load(Ordering::Relaxed),
            recovery: self.shared.recovery.clone(),
        }
    }
}

impl Shared {
    async fn read(self: &Arc<Self>, from: Offset, max: usize) -> Result<Vec<Record>, LogError> {
        if max == 0 || from >= self.end.load(Ordering::Acquire) {
            return Ok(Vec::new());
        }
        let shared = Arc::clone(self);
        tokio::task::spawn_blocking(move || shared.read_blocking(from, max))
            .await
            .map_err(|e| LogError::Poisoned {
                cause: format!("read task failed: {e}"),
            })?
    }

    async fn wait_for(&self, from: Offset, timeout: Duration) -> bool {
        let mut rx = self.end_watch.subscribe();
        let reached = tokio::time::timeout(timeout, rx.wait_for(|end| *end > from)).await;
        matches!(reached, Ok(Ok(_))) || self.end.load(Ordering::Acquire) > from
    }

    async fn commit(self: &Arc<Self>, consumer: &str, next: Offset) -> Result<(), LogError> {
        let shared = Arc::clone(self);
        let consumer = consumer.to_owned();
        tokio::task::spawn_blocking(move || shared.commit_blocking(&consumer, next))
            .await
            .map_err(|e| LogError::Poisoned {
                cause: format!("commit task failed: {e}"),
            })?
    }

    /// Where `consumer` resumes: its committed offset, never below the oldest record kept.
    fn resume_at(&self, consumer: &str) -> Offset {
        let start = self.segments_read()[0].base;
        lock(&self.consumers)
            .get(consumer)
            .copied()
            .unwrap_or(start)
            .max(start)
    }
}

/// The embedded log has one partition; the key only names what the records are.
#[async_trait::async_trait]
impl Log for Wal {
    fn partitions(&self) -> u32 {
        1
    }

    async fn append(
        &self,
        _key: crate::PartitionKey<'_>,
        payloads: Vec<Bytes>,
    ) -> Result<AppendAck, LogError> {
        Wal::append(self, payloads).await
    }

    async fn reader(
        &self,
        consumer: &str,
        partition: u32,
    ) -> Result<Box<dyn crate::LogReader>, LogError> {
        if partition != 0 {
            return Err(LogError::NoSuchPartition {
                partition,
                partitions: 1,
            });
        }
        check_consumer_name(consumer)?;
        let at = self.shared.resume_at(consumer);
        Ok(Box::new(reader::WalReader::new(
            Arc::clone(&self.shared),
            consumer.to_owned(),
            at,
        )))
    }

    fn backlog(&self, consumer: &str) -> u64 {
        self.end_offset()
            .saturating_sub(self.shared.resume_at(consumer))
    }

    fn stats(&self) -> LogStats {
        Wal::stats(self)
    }
}

/// The writer's private view of the active segment, including written but not yet fsynced
/// records.
struct WriterState {
    file: File,
    path: PathBuf,
    base: Offset,
    /// Records in the segment, written or buffered.
    records: u64,
    /// Logical size, buffered bytes included.
    size: u64,
    /// Next offset to assign.
    next: Offset,
    /// Index entries not yet published.
    pending_index: Vec<u64>,
    /// Frames not yet written to the file.
    buf: Vec<u8>,
}

struct Writer {
    shared: Arc<Shared>,
    state: WriterState,
}

impl Writer {
    fn run(mut self, mut rx: mpsc::Receiver<Request>) {
        while let Some(first) = rx.blocking_recv() {
            let mut bytes: u64 = first.payloads.iter().map(|p| p.len() as u64).sum();
            let mut batch = vec![first];
            while bytes < MAX_BATCH_BYTES {
                match rx.try_recv() {
                    Ok(r) => {
                        bytes += r.payloads.iter().map(|p| p.len() as u64).sum::<u64>();
                        batch.push(r);
                    }
                    Err(_) => break,
                }
            }
            if let Some(cause) = lock(&self.shared.poisoned).clone() {
                for r in batch {
                    let _ = r.reply.send(Err(LogError::Poisoned {
                        cause: cause.clone(),
                    }));
                }
                continue;
            }
            match self.write_batch(&batch) {
                Ok(acks) => {
                    for (r, ack) in batch.into_iter().zip(acks) {
                        // The caller may have given up waiting; the records are durable anyway.
                        let _ = r.reply.send(Ok(ack));
                    }
                }
                Err(e) => {
                    tracing::error!(
                        dir = %self.shared.dir.display(), error = %e,
                        "log write failed; refusing further appends until reopened"
                    );
                    *lock(&self.shared.poisoned) = Some(e.to_string());
                    for r in batch {
                        let _ = r.reply.send(Err(e.duplicate()));
                    }
                }
            }
        }
    }

    /// Writes every request of the batch, fsyncs once, publishes; returns one ack per request.
    fn write_batch(&mut self, batch: &[Request]) -> Result<Vec<AppendAck>, LogError> {
        let segment_bytes = self.shared.config.segment_bytes;
        let mut acks = Vec::with_capacity(batch.len());
        for request in batch {
            let first = self.state.next;
            for payload in &request.payloads {
                let frame = record::FRAME_HEADER + payload.len() as u64;
                if self.state.records > 0 && self.state.size + frame > segment_bytes {
                    self.rotate()?;
                }
                let st = &mut self.state;
                if st.records.is_multiple_of(INDEX_INTERVAL) {
                    st.pending_index.push(st.size);
                }
                record::encode(payload, &mut st.buf);
                st.records += 1;
                st.size += frame;
                st.next += 1;
                if st.buf.len() >= WRITE_BUFFER {
                    fail::fail_point!("wal::append::before_write");
                    self.flush()?;
                }
            }
            acks.push(AppendAck {
                partition: 0,
                first,
                count: request.payloads.len() as u64,
            });
        }
        fail::fail_point!("wal::append::before_write");
        self.flush()?;
        fail::fail_point!("wal::append::before_fsync");
        self.sync()?;
        fail::fail_point!("wal::append::after_fsync");
        self.publish();
        let written = self.state.next - self.shared.end.load(Ordering::Acquire);
        self.shared.appended.fetch_add(written, Ordering::Relaxed);
        self.shared.end.store(self.state.next, Ordering::Release);
        self.shared.end_watch.send_replace(self.state.next);
        Ok(acks)
    }

    fn flush(&mut self) -> Result<(), LogError> {
        if self.state.buf.is_empty() {
            return Ok(());
        }
        // A torn write: the buffer reaches the file but for its last three bytes (the last
        // record is cut), then the process dies.
        fail::fail_point!("wal::append::torn_write", |_| {
            let cut = self.state.buf.len().saturating_sub(3);
            let _ = self.state.file.write_all(&self.state.buf[..cut]);
            std::process::abort()
        });
        self.state
            .file
            .write_all(&self.state.buf)
            .map_err(|e| LogError::io("writing", &self.state.path, e))?;
        self.state.buf.clear();
        Ok(())
    }

    fn sync(&mut self) -> Result<(), LogError> {
        self.state
            .file
            .sync_data()
            .map_err(|e| LogError::io("fsyncing", &self.state.path, e))?;
        self.shared.add_fsyncs(1);
        Ok(())
    }

    /// Makes the durable records of the active segment visible to readers (not the end offset).
    fn publish(&mut self) {
        let mut segments = self.shared.segments_write();
        let active = segments.last_mut().expect("segments are never empty");
        debug_assert_eq!(active.base, self.state.base);
        active.records = self.state.records;
        active.size = self.state.size;
        active.index.append(&mut self.state.pending_index);
    }

    /// Closes the active segment durably and starts a new one at the next offset.
    fn rotate(&mut self) -> Result<(), LogError> {
        self.flush()?;
        self.sync()?;
        self.publish();
        let base = self.state.next;
        fail::fail_point!("wal::rotate::before_create");
        let (file, path) = segment::create(&self.shared.dir, base)?;
        fail::fail_point!("wal::rotate::before_dir_sync");
        segment::sync_dir(&self.shared.dir)?;
        self.shared.add_fsyncs(2);
        let read = File::open(&path).map_err(|e| LogError::io("opening", &path, e))?;
        let mut segments = self.shared.segments_write();
        if let Some(sealed) = segments.last_mut() {
            sealed.file = None;
        }
        segments.push(SegmentMeta {
            base,
            path: path.clone(),
            file: Some(Arc::new(read)),
            records: 0,
            size: HEADER_LEN,
            index: Vec::new(),
        });
        drop(segments);
        self.state = WriterState {
            file,
            path,
            base,
            records: 0,
            size: HEADER_LEN,
            next: base,
            pending_index: Vec::new(),
            buf: std::mem::take(&mut self.state.buf),
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests;
