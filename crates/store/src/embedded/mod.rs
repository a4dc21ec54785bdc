//! The embedded backend: one tantivy index per tenant and day of reception.
//!
//! # Layout
//!
//! ```text
//! <dir>/<tenant id>/<YYYY-MM-DD>/   one partition: a tantivy index (meta.json, segments)
//! ```
//!
//! A partition holds the events of one tenant received on one UTC day. Retention drops
//! whole partition directories. Each document keeps the event's log record (compressed with
//! LZ4 in the document store), its id and event time as fast columns, and its fields in a
//! JSON field where every value is tokenized under its path (flat `a.b` keys and nested
//! objects index alike); free text looks for a word under every path ([`schema`]). Words are
//! runs of letters and digits, lowercased.
//!
//! A write is durable when every partition it touched has committed (tantivy fsyncs its
//! files and the new `meta.json`); a crash before that loses the uncommitted documents of the
//! batch, which the caller writes again.
//!
//! Exactly once without a unique key: each commit of a partition carries, in its
//! `meta.json` payload, the log offset after the last event it holds (`{"next_offset":N}`).
//! Events of a partition arrive in log order, so a write skips the events whose offset is
//! below it: a batch replayed after a crash adds only what its partitions had not committed.
//! Documents are added without any delete, which keeps indexing to one pass per event.
//!
//! A scan plans an index query that finds a superset of the matches ([`plan`]), then checks
//! each candidate with the expression itself, so results are exact.
//!
//! [`snapshot`] opens a partition's committed files from another process, under tantivy's
//! meta lock, for an online backup (`vigie backup`).

mod plan;
mod record;
mod schema;
pub mod snapshot;
mod words;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use jiff::Timestamp;
use tantivy::directory::MmapDirectory;
use tantivy::indexer::UserOperation;
use tantivy::query::{AllQuery, EnableScoring, Query};
use tantivy::schema::Value as _;
use tantivy::{
    DocId, Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, TantivyDocument,
};
use vigie_access::TenantScope;
use vigie_event::{Event, TenantId};

use crate::model::{
    Dropped, LoggedEvent, LoggedRecord, Order, RecordsReport, RetentionPolicy, ScanBatch,
    ScanProgress, ScanRequest, ScanStream, StoredEvent, TenantUsage, WriteReport,
};
use crate::{EventStore, StoreError};
use record::DecodedRecord;
use schema::{Fields, IndexDoc};

#[cfg(test)]
pub(crate) fn test_schema() -> tantivy::schema::Schema {
    schema::schema().0
}

#[cfg(test)]
pub(crate) fn test_register(index: &Index) {
    schema::register_tokenizer(index);
}

/// Settings of the embedded store.
#[derive(Clone, Debug)]
pub struct EmbeddedConfig {
    /// Directory of the partitions (created if missing).
    pub dir: PathBuf,
    /// Indexing memory of one partition writer (tantivy needs at least 15 MB per thread).
    pub writer_memory_bytes: usize,
    /// Indexing threads of one partition writer.
    pub writer_threads: usize,
    /// Partition writers kept open between writes; older ones are closed.
    pub max_open_writers: usize,
    /// Events per batch handed to a scan's consumer.
    pub scan_batch: usize,
    /// Open for reading beside a running server (e.g. `vigie hunt`): writes and retention
    /// are refused and half-created partitions are left alone.
    pub read_only: bool,
}

impl Default for EmbeddedConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("store"),
            writer_memory_bytes: 32 << 20,
            writer_threads: 1,
            max_open_writers: 4,
            scan_batch: 1000,
            read_only: false,
        }
    }
}

type Key = (TenantId, String);

/// The embedded event store. Cheap to clone.
#[derive(Clone)]
pub struct EmbeddedStore {
    inner: Arc<Inner>,
}

struct Inner {
    config: EmbeddedConfig,
    fields: Fields,
    schema: tantivy::schema::Schema,
    /// Every partition on disk, opened on first use.
    partitions: RwLock<BTreeMap<Key, Arc<Partition>>>,
    /// Open writers, most recently used last. Held during a whole write.
    writers: Mutex<Vec<(Key, Writer)>>,
    /// The JSON paths of each segment seen by a scan (segments never change).
    paths: Mutex<std::collections::HashMap<tantivy::index::SegmentId, Arc<Vec<Vec<u8>>>>>,
}

/// Documents handed to a partition writer at once: one message to its indexing thread
/// instead of one per document.
const ADD_GROUP: usize = 64;

/// A partition a write adds to.
struct Touched {
    tenant: TenantId,
    date: jiff::civil::Date,
    key: Key,
    /// Index of its writer in the open writers (only pushed to during a write, so stable).
    index: usize,
    /// Log offset after the last event added.
    next: u64,
    /// Events added.
    added: usize,
    /// Documents not yet handed to the writer.
    pending: Vec<UserOperation<IndexDoc>>,
}

impl Touched {
    fn flush(&mut self, writer: &mut Writer, inner: &Inner) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        writer
            .writer
            .run(self.pending.drain(..))
            .map_err(|e| StoreError::index(inner.path_of(&self.key), e))?;
        Ok(())
    }
}

/// An open partition writer and the log offset after the last event its partition holds.
struct Writer {
    writer: IndexWriter<IndexDoc>,
    next_offset: u64,
}

/// The payload of a partition's commit.
#[derive(serde::Serialize, serde::Deserialize)]
struct CommitPayload {
    next_offset: u64,
}

struct Partition {
    path: PathBuf,
    opened: Mutex<Option<Opened>>,
}

#[derive(Clone)]
struct Opened {
    index: Index,
    reader: IndexReader,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore")
            .field("dir", &self.inner.config.dir)
            .finish_non_exhaustive()
    }
}

fn dir_bytes(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => dir_bytes(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}

impl EmbeddedStore {
    /// Opens (or creates) the store in `config.dir`. Blocking: lists the partitions.
    pub fn open(config: EmbeddedConfig) -> Result<Self, StoreError> {
        std::fs::create_dir_all(&config.dir)
            .map_err(|e| StoreError::io("cannot create", &config.dir, e))?;
        let mut partitions = BTreeMap::new();
        let tenants = std::fs::read_dir(&config.dir)
            .map_err(|e| StoreError::io("cannot list", &config.dir, e))?;
        for tenant_dir in tenants.flatten() {
            let Some(tenant) = tenant_dir
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<i64>().ok())
            else {
                continue;
            };
            let days = std::fs::read_dir(tenant_dir.path())
                .map_err(|e| StoreError::io("cannot list", tenant_dir.path(), e))?;
            for day_dir in days.flatten() {
                let Some(day) = day_dir.file_name().to_str().map(str::to_owned) else {
                    continue;
                };
                if day.parse::<jiff::civil::Date>().is_err() {
                    continue;
                }
                let path = day_dir.path();
                // A partition created but never committed holds no meta.json: nothing in it
                // was ever acknowledged.
                match std::fs::metadata(path.join("meta.json")) {
                    Ok(_) => {}
                    Err(_) => {
                        if !config.read_only {
                            let _ = std::fs::remove_dir_all(&path);
                        }
                        continue;
                    }
                }
                partitions.insert(
                    (TenantId(tenant), day),
                    Arc::new(Partition {
                        path,
                        opened: Mutex::new(None),
                    }),
                );
            }
        }
        let (schema, fields) = schema::schema();
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                fields,
                schema,
                partitions: RwLock::new(partitions),
                writers: Mutex::new(Vec::new()),
                paths: Mutex::new(std::collections::HashMap::new()),
            }),
        })
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.inner.config.dir
    }
}

impl Inner {
    fn partition(&self, key: &Key) -> Option<Arc<Partition>> {
        self.partitions.read().ok()?.get(key).cloned()
    }

    fn open_index(&self, path: &Path, create: bool) -> Result<Index, StoreError> {
        if create {
            std::fs::create_dir_all(path).map_err(|e| StoreError::io("cannot create", path, e))?;
        }
        let directory = MmapDirectory::open(path).map_err(|e| StoreError::index(path, e))?;
        let index = Index::builder()
            .schema(self.schema.clone())
            .settings(IndexSettings {
                docstore_blocksize: 64 << 10,
                ..IndexSettings::default()
            })
            .open_or_create(directory)
            .map_err(|e| match e {
                tantivy::TantivyError::SchemaError(_) => StoreError::Corrupt {
                    path: path.to_owned(),
                    message: "this partition was written by an earlier vigie in a format \
                              this one cannot read; move it out of the store directory (its \
                              events can no longer be searched here)"
                        .to_owned(),
                },
                e => StoreError::index(path, e),
            })?;
        schema::register_tokenizer(&index);
        Ok(index)
    }

    fn opened(&self, partition: &Partition) -> Result<Opened, StoreError> {
        let mut slot = partition
            .opened
            .lock()
            .map_err(|_| StoreError::Worker("partition lock poisoned".into()))?;
        if let Some(opened) = slot.as_ref() {
            return Ok(opened.clone());
        }
        let index = self.open_index(&partition.path, false)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| StoreError::index(&partition.path, e))?;
        let opened = Opened { index, reader };
        *slot = Some(opened.clone());
        Ok(opened)
    }

    fn write_blocking(
        &self,
        events: impl Iterator<Item = (u64, DecodedRecord)>,
    ) -> Result<WriteReport, StoreError> {
        if self.config.read_only {
            return Err(StoreError::Query("the store was opened read-only".into()));
        }
        let mut writers = self
            .writers
            .lock()
            .map_err(|_| StoreError::Worker("writer lock poisoned".into()))?;
        let mut report = WriteReport::default();
        let result = self.add_and_commit(&mut writers, events, &mut report);
        if result.is_err() {
            // Uncommitted documents must not survive into a later commit: the caller writes
            // the batch again. Dropping a writer discards what it did not commit.
            writers.clear();
        }
        while writers.len() > self.config.max_open_writers.max(1) {
            let (_, writer) = writers.remove(0);
            let _ = writer.writer.wait_merging_threads();
        }
        result.map(|()| report)
    }

    /// Decodes each record right before adding it to its partition's writer, so decoding
    /// the next record overlaps with tantivy's indexing thread working on this one.
    fn write_records_blocking(
        &self,
        records: Vec<LoggedRecord>,
    ) -> Result<RecordsReport, StoreError> {
        let mut report = RecordsReport::default();
        let events = records
            .into_iter()
            .filter_map(
                |LoggedRecord { offset, record }| match DecodedRecord::decode(record) {
                    Ok(decoded) => {
                        let parts = decoded.decoded();
                        report.saw(parts.tenant, parts.received_at);
                        Some((offset, decoded))
                    }
                    Err(error) => {
                        report.undecodable.push((offset, error.to_string()));
                        None
                    }
                },
            );
        report.written = self.write_blocking(events)?;
        Ok(report)
    }

    /// Adds each event to the writer of its partition (tenant and day of reception) as it
    /// comes, then commits every partition that received events. Events of a partition
    /// arrive in log order, so those below the partition's committed offset are a replay
    /// and skipped.
    fn add_and_commit(
        &self,
        writers: &mut Vec<(Key, Writer)>,
        events: impl Iterator<Item = (u64, DecodedRecord)>,
        report: &mut WriteReport,
    ) -> Result<(), StoreError> {
        // Partitions seen in this write, found by tenant and date (no key formatted per
        // event).
        let mut seen: Vec<Touched> = Vec::new();
        for (offset, decoded) in events {
            let tenant = decoded.decoded().tenant;
            let date = jiff::tz::TimeZone::UTC
                .to_datetime(decoded.decoded().received_at)
                .date();
            let slot = match seen
                .iter()
                .position(|t| t.tenant == tenant && t.date == date)
            {
                Some(slot) => slot,
                None => {
                    let key = (tenant, date.to_string());
                    let index = match writers.iter().position(|(k, _)| *k == key) {
                        Some(index) => index,
                        None => {
                            let writer = self.writer(&key)?;
                            writers.push((key.clone(), writer));
                            writers.len() - 1
                        }
                    };
                    let next = writers[index].1.next_offset;
                    seen.push(Touched {
                        tenant,
                        date,
                        key,
                        index,
                        next,
                        added: 0,
                        pending: Vec::with_capacity(ADD_GROUP),
                    });
                    seen.len() - 1
                }
            };
            let touched = &mut seen[slot];
            let writer = &mut writers[touched.index].1;
            if offset < writer.next_offset {
                report.skipped += 1;
                continue;
            }
            touched.next = touched.next.max(offset + 1);
            touched
                .pending
                .push(UserOperation::Add(IndexDoc::new(&self.fields, decoded)));
            touched.added += 1;
            report.events += 1;
            if touched.pending.len() >= ADD_GROUP {
                touched.flush(writer, self)?;
            }
        }
        for touched in &mut seen {
            touched.flush(&mut writers[touched.index].1, self)?;
        }
        report.partitions = seen.len();
        // Commit every partition touched (each commit fsyncs), then make it visible.
        for Touched {
            key,
            index,
            next,
            added,
            ..
        } in &seen
        {
            if *added == 0 {
                continue;
            }
            let writer = &mut writers[*index].1;
            let payload = serde_json::to_string(&CommitPayload { next_offset: *next })
                .map_err(|e| StoreError::Worker(e.to_string()))?;
            let mut prepared = writer
                .writer
                .prepare_commit()
                .map_err(|e| StoreError::index(self.path_of(key), e))?;
            prepared.set_payload(&payload);
            prepared
                .commit()
                .map_err(|e| StoreError::index(self.path_of(key), e))?;
            writer.next_offset = *next;
            if let Some(partition) = self.partition(key) {
                let opened = self.opened(&partition)?;
                opened
                    .reader
                    .reload()
                    .map_err(|e| StoreError::index(&partition.path, e))?;
            }
        }
        // Most recently used last: the writers of this write move to the end, in order.
        let mut used: Vec<usize> = seen.iter().map(|t| t.index).collect();
        used.sort_unstable();
        let moved: Vec<(Key, Writer)> = used
            .iter()
            .rev()
            .map(|&index| writers.remove(index))
            .collect();
        writers.extend(moved.into_iter().rev());
        Ok(())
    }

    fn path_of(&self, key: &Key) -> PathBuf {
        self.config.dir.join(key.0.to_string()).join(&key.1)
    }

    fn new_writer(&self, index: &Index, path: &Path) -> Result<Writer, StoreError> {
        let threads = self.config.writer_threads.max(1);
        let writer = index
            .writer_with_num_threads(threads, self.config.writer_memory_bytes * threads)
            .map_err(|e| StoreError::index(path, e))?;
        let metas = index.load_metas().map_err(|e| StoreError::index(path, e))?;
        let next_offset = match metas.payload.as_deref() {
            None => 0,
            Some(text) => {
                serde_json::from_str::<CommitPayload>(text)
                    .map_err(|e| StoreError::Corrupt {
                        path: path.to_owned(),
                        message: format!("commit payload {text:?}: {e}"),
                    })?
                    .next_offset
            }
        };
        Ok(Writer {
            writer,
            next_offset,
        })
    }

    /// Opens the writer of a partition, creating the partition if needed.
    fn writer(&self, key: &Key) -> Result<Writer, StoreError> {
        let partition = match self.partition(key) {
            Some(partition) => partition,
            None => {
                let path = self.path_of(key);
                let index = self.open_index(&path, true)?;
                // Commit the empty index at once so the partition is valid on disk.
                let mut writer = self.new_writer(&index, &path)?;
                writer
                    .writer
                    .commit()
                    .map_err(|e| StoreError::index(&path, e))?;
                let reader = index
                    .reader_builder()
                    .reload_policy(ReloadPolicy::Manual)
                    .try_into()
                    .map_err(|e| StoreError::index(&path, e))?;
                let partition = Arc::new(Partition {
                    path,
                    opened: Mutex::new(Some(Opened { index, reader })),
                });
                self.partitions
                    .write()
                    .map_err(|_| StoreError::Worker("partition map poisoned".into()))?
                    .insert(key.clone(), partition);
                return Ok(writer);
            }
        };
        let opened = self.opened(&partition)?;
        self.new_writer(&opened.index, &partition.path)
    }

    /// The partitions of tenants inside `scope`.
    fn in_scope(&self, scope: &TenantScope) -> Vec<(Key, Arc<Partition>)> {
        let Ok(partitions) = self.partitions.read() else {
            return Vec::new();
        };
        partitions
            .iter()
            .filter(|((tenant, _), _)| scope.contains(*tenant))
            .map(|(k, p)| (k.clone(), Arc::clone(p)))
            .collect()
    }

    fn scan_blocking(
        &self,
        scope: &TenantScope,
        request: &ScanRequest,
        tx: &tokio::sync::mpsc::Sender<Result<ScanBatch, StoreError>>,
    ) -> Result<(), StoreError> {
        let mut parts = Vec::new();
        for (key, partition) in self.in_scope(scope) {
            let opened = self.opened(&partition)?;
            let searcher = opened.reader.searcher();
            // Skip partitions whose event times lie outside the range.
            let (mut lo, mut hi) = (i64::MAX, i64::MIN);
            let mut docs = 0u64;
            for segment in searcher.segment_readers() {
                docs += u64::from(segment.num_docs());
                if let Ok(column) = segment.fast_fields().i64("t") {
                    lo = lo.min(column.min_value());
                    hi = hi.max(column.max_value());
                }
            }
            if docs == 0 {
                continue;
            }
            let from = request.range.from.map(|t| t.as_microsecond());
            let to = request.range.to.map(|t| t.as_microsecond());
            if from.is_some_and(|f| hi < f) || to.is_some_and(|t| lo > t) {
                continue;
            }
            parts.push((key, partition, searcher, hi));
        }
        if request.order == Order::NewestFirst {
            parts.sort_by_key(|p| std::cmp::Reverse(p.3));
        }
        let mut progress = ScanProgress {
            units_total: parts.len() as u64,
            ..ScanProgress::default()
        };
        let limit = request.limit.unwrap_or(usize::MAX);
        if limit == 0 {
            return Ok(());
        }
        // Newest first with a limit: gather the newest matches of each partition, merge.
        let mut newest: Vec<StoredEvent> = Vec::new();
        let mut batch = Vec::new();
        let mut sent = 0usize;
        for (key, partition, searcher, max_time) in parts {
            if tx.is_closed() {
                return Err(StoreError::Cancelled);
            }
            if request.order == Order::NewestFirst
                && newest.len() >= limit
                && newest
                    .last()
                    .is_some_and(|e| e.time.as_microsecond() > max_time)
            {
                progress.units_done += 1;
                continue;
            }
            let paths = match &request.filter {
                Some(filter) if plan::needs_paths(filter) => self.paths_of(&searcher)?,
                _ => Vec::new(),
            };
            let query: Box<dyn Query> = plan::plan(
                &self.fields,
                request.filter.as_ref(),
                &request.range,
                &paths,
            )
            .unwrap_or_else(|| Box::new(AllQuery));
            let weight = query
                .weight(EnableScoring::disabled_from_searcher(&searcher))
                .map_err(|e| StoreError::index(&partition.path, e))?;
            for segment in searcher.segment_readers() {
                let mut docs: Vec<DocId> = Vec::new();
                weight
                    .for_each_no_score(segment, &mut |chunk| docs.extend_from_slice(chunk))
                    .map_err(|e| StoreError::index(&partition.path, e))?;
                if let Some(alive) = segment.alive_bitset() {
                    docs.retain(|d| alive.is_alive(*d));
                }
                if request.order == Order::NewestFirst {
                    // Read candidates newest first.
                    let column = segment
                        .fast_fields()
                        .i64("t")
                        .map_err(|e| StoreError::index(&partition.path, e))?;
                    let mut timed: Vec<(i64, DocId)> = docs
                        .iter()
                        .map(|d| (column.first(*d).unwrap_or(i64::MIN), *d))
                        .collect();
                    timed.sort_unstable_by(|a, b| b.cmp(a));
                    docs = timed.into_iter().map(|(_, d)| d).collect();
                }
                let store = segment.get_store_reader(4).map_err(|e| {
                    StoreError::io("cannot read the document store of", &partition.path, e)
                })?;
                let mut taken_here = 0usize;
                for doc in docs {
                    progress.examined += 1;
                    let document: TantivyDocument = store
                        .get(doc)
                        .map_err(|e| StoreError::index(&partition.path, e))?;
                    let raw = document
                        .get_first(self.fields.raw)
                        .and_then(|v| v.as_str())
                        .ok_or_else(|| StoreError::Corrupt {
                            path: partition.path.clone(),
                            message: format!("document {doc} has no record"),
                        })?;
                    let event =
                        Event::from_record(raw.as_bytes()).map_err(|e| StoreError::Corrupt {
                            path: partition.path.clone(),
                            message: e.to_string(),
                        })?;
                    if event.tenant != key.0 {
                        // Never hand out an event filed under another tenant's directory.
                        return Err(StoreError::Corrupt {
                            path: partition.path.clone(),
                            message: format!(
                                "event {} of tenant {} in a partition of tenant {}",
                                event.id, event.tenant, key.0
                            ),
                        });
                    }
                    let stored = StoredEvent::new(event);
                    if !stored.selected_by(request) {
                        continue;
                    }
                    if request.order == Order::NewestFirst {
                        newest.push(stored);
                        taken_here += 1;
                        if taken_here >= limit {
                            break;
                        }
                    } else {
                        batch.push(stored);
                        sent += 1;
                        if batch.len() >= self.config.scan_batch {
                            send(tx, std::mem::take(&mut batch), progress)?;
                        }
                        if sent >= limit {
                            progress.units_done += 1;
                            return send(tx, batch, progress);
                        }
                    }
                }
                if request.order == Order::NewestFirst {
                    newest.sort_by(|a, b| b.time.cmp(&a.time).then(b.event.id.cmp(&a.event.id)));
                    newest.truncate(limit);
                }
            }
            progress.units_done += 1;
        }
        if request.order == Order::NewestFirst {
            for chunk in newest.chunks(self.config.scan_batch.max(1)) {
                send(tx, chunk.to_vec(), progress)?;
            }
            if newest.is_empty() {
                send(tx, Vec::new(), progress)?;
            }
            return Ok(());
        }
        send(tx, batch, progress)
    }

    /// The JSON paths (with their end byte) of a partition's segments.
    fn paths_of(&self, searcher: &tantivy::Searcher) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut all = std::collections::BTreeSet::new();
        for segment in searcher.segment_readers() {
            let id = segment.segment_id();
            let cached = self
                .paths
                .lock()
                .map_err(|_| StoreError::Worker("path cache poisoned".into()))?
                .get(&id)
                .cloned();
            let paths = match cached {
                Some(paths) => paths,
                None => {
                    let paths =
                        Arc::new(segment_paths(segment, self.fields.json).map_err(|e| {
                            StoreError::Worker(format!("cannot list the paths of a segment: {e}"))
                        })?);
                    let mut cache = self
                        .paths
                        .lock()
                        .map_err(|_| StoreError::Worker("path cache poisoned".into()))?;
                    if cache.len() >= 100_000 {
                        cache.clear();
                    }
                    cache.insert(id, Arc::clone(&paths));
                    paths
                }
            };
            all.extend(paths.iter().cloned());
        }
        Ok(all.into_iter().collect())
    }

    fn usage_blocking(&self, scope: &TenantScope) -> Result<Vec<TenantUsage>, StoreError> {
        let mut by_tenant: BTreeMap<TenantId, TenantUsage> = BTreeMap::new();
        for ((tenant, day), partition) in self.in_scope(scope) {
            let opened = self.opened(&partition)?;
            let events = opened.reader.searcher().num_docs();
            let usage = by_tenant.entry(tenant).or_insert_with(|| TenantUsage {
                tenant,
                partitions: 0,
                events: 0,
                bytes: 0,
                oldest_day: None,
                newest_day: None,
            });
            usage.partitions += 1;
            usage.events += events;
            usage.bytes += dir_bytes(&partition.path);
            if usage.oldest_day.as_ref().is_none_or(|d| &day < d) {
                usage.oldest_day = Some(day.clone());
            }
            if usage.newest_day.as_ref().is_none_or(|d| &day > d) {
                usage.newest_day = Some(day);
            }
        }
        Ok(by_tenant.into_values().collect())
    }

    fn retention_blocking(
        &self,
        policy: &RetentionPolicy,
        now: Timestamp,
    ) -> Result<Vec<Dropped>, StoreError> {
        if self.config.read_only {
            return Err(StoreError::Query("the store was opened read-only".into()));
        }
        let all: Vec<(Key, Arc<Partition>)> = match self.partitions.read() {
            Ok(map) => map
                .iter()
                .map(|(k, p)| (k.clone(), Arc::clone(p)))
                .collect(),
            Err(_) => return Err(StoreError::Worker("partition map poisoned".into())),
        };
        let mut by_tenant: BTreeMap<TenantId, Vec<(String, Arc<Partition>)>> = BTreeMap::new();
        for ((tenant, day), partition) in all {
            by_tenant.entry(tenant).or_default().push((day, partition));
        }
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        let mut doomed: Vec<(Key, &'static str)> = Vec::new();
        for (tenant, mut days) in by_tenant {
            days.sort_by(|a, b| a.0.cmp(&b.0));
            let limits = policy.limits(tenant);
            let mut kept = Vec::new();
            for (day, partition) in days {
                let too_old = limits.days.is_some_and(|keep| {
                    day.parse::<jiff::civil::Date>().is_ok_and(|d| {
                        today
                            .checked_sub(jiff::Span::new().days(i64::from(keep)))
                            .is_ok_and(|oldest_kept| d <= oldest_kept)
                    })
                });
                if too_old {
                    doomed.push(((tenant, day), "days"));
                } else {
                    kept.push((day, partition));
                }
            }
            if let Some(max_bytes) = limits.bytes {
                let sizes: Vec<u64> = kept.iter().map(|(_, p)| dir_bytes(&p.path)).collect();
                let mut total: u64 = sizes.iter().sum();
                for (i, (day, _)) in kept.iter().enumerate() {
                    if total <= max_bytes || i + 1 == kept.len() {
                        break;
                    }
                    total -= sizes[i];
                    doomed.push(((tenant, day.clone()), "bytes"));
                }
            }
        }
        let mut dropped = Vec::new();
        for (key, reason) in doomed {
            let mut writers = self
                .writers
                .lock()
                .map_err(|_| StoreError::Worker("writer lock poisoned".into()))?;
            if let Some(i) = writers.iter().position(|(k, _)| k == &key) {
                let (_, writer) = writers.remove(i);
                let _ = writer.writer.wait_merging_threads();
            }
            let Some(partition) = self
                .partitions
                .write()
                .map_err(|_| StoreError::Worker("partition map poisoned".into()))?
                .remove(&key)
            else {
                continue;
            };
            let events = self
                .opened(&partition)
                .map(|o| o.reader.searcher().num_docs())
                .unwrap_or(0);
            let bytes = dir_bytes(&partition.path);
            if let Ok(mut slot) = partition.opened.lock() {
                *slot = None;
            }
            std::fs::remove_dir_all(&partition.path)
                .map_err(|e| StoreError::io("cannot remove", &partition.path, e))?;
            drop(writers);
            tracing::info!(tenant = %key.0, day = %key.1, events, bytes, reason, "retention dropped a partition");
            dropped.push(Dropped {
                tenant: key.0,
                day: key.1,
                events,
                bytes,
                reason,
            });
        }
        Ok(dropped)
    }
}

/// The distinct JSON paths of a segment's term dictionary, each with its end byte: one seek
/// per path, past all the words under it.
fn segment_paths(
    segment: &tantivy::SegmentReader,
    field: tantivy::schema::Field,
) -> tantivy::Result<Vec<Vec<u8>>> {
    let inverted = segment.inverted_index(field)?;
    let dictionary = inverted.terms();
    let mut paths = Vec::new();
    let mut from: Vec<u8> = Vec::new();
    loop {
        let mut stream = dictionary.range().ge(&from).into_stream()?;
        if !stream.advance() {
            break;
        }
        let key = stream.key();
        // A key is the path, its end byte (0), a type code and the value.
        let Some(end) = key.iter().position(|b| *b == 0) else {
            break;
        };
        let path = key[..=end].to_vec();
        from.clear();
        from.extend_from_slice(&path);
        from.push(0xff);
        paths.push(path);
    }
    Ok(paths)
}

fn send(
    tx: &tokio::sync::mpsc::Sender<Result<ScanBatch, StoreError>>,
    events: Vec<StoredEvent>,
    progress: ScanProgress,
) -> Result<(), StoreError> {
    tx.blocking_send(Ok(ScanBatch { events, progress }))
        .map_err(|_| StoreError::Cancelled)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Worker(e.to_string()))?
}

#[async_trait::async_trait]
impl EventStore for EmbeddedStore {
    async fn write(&self, events: Vec<LoggedEvent>) -> Result<WriteReport, StoreError> {
        if events.is_empty() {
            return Ok(WriteReport::default());
        }
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            let decoded = events
                .into_iter()
                .map(|logged| {
                    DecodedRecord::decode(logged.record.into())
                        .map(|decoded| (logged.offset, decoded))
                        .map_err(|e| {
                            StoreError::Query(format!(
                                "the record of the event at log offset {} is not an event record: {e}",
                                logged.offset
                            ))
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            inner.write_blocking(decoded.into_iter())
        })
        .await
    }

    async fn write_records(&self, records: Vec<LoggedRecord>) -> Result<RecordsReport, StoreError> {
        if records.is_empty() {
            return Ok(RecordsReport::default());
        }
        let inner = Arc::clone(&self.inner);
        blocking(move || inner.write_records_blocking(records)).await
    }

    fn scan(&self, scope: &TenantScope, request: ScanRequest) -> ScanStream {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let inner = Arc::clone(&self.inner);
        let scope = scope.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(error) = inner.scan_blocking(&scope, &request, &tx)
                && !matches!(error, StoreError::Cancelled)
            {
                let _ = tx.blocking_send(Err(error));
            }
        });
        rx
    }

    async fn usage(&self, scope: &TenantScope) -> Result<Vec<TenantUsage>, StoreError> {
        let inner = Arc::clone(&self.inner);
        let scope = scope.clone();
        blocking(move || inner.usage_blocking(&scope)).await
    }

    async fn enforce_retention(
        &self,
        policy: &RetentionPolicy,
        now: Timestamp,
    ) -> Result<Vec<Dropped>, StoreError> {
        let inner = Arc::clone(&self.inner);
        let policy = policy.clone();
        blocking(move || inner.retention_blocking(&policy, now)).await
    }
}
