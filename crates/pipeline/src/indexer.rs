//! The indexer: a second consumer of the durable log (named `store`) that writes events to
//! the event store, after detection and independently of it (design invariant 4: storage may
//! lag, detection never waits for it).
//!
//! Order of a step, and why a crash anywhere converges to exactly the log's events:
//! 1. read a batch of records after the indexer's own committed offset;
//! 2. write the decodable events, each with its log offset and record, to the store, which
//!    returns once they are durable; the store keeps per partition the offset after the
//!    last event it holds and skips events before it;
//! 3. commit the offset after the batch.
//!
//! While a batch is written, the next one is read from the log (kept for the next step if
//! it starts there), so reading overlaps with indexing.
//!
//! A crash between 2 and 3 replays the batch into the store without duplicates (the
//! replayed events are skipped and counted in `vigie_store_replayed_skipped_total`). The log
//! keeps a segment until both consumers (`detect` and `store`) have passed it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::sync::watch;
use vigie_access::TenantScope;
use vigie_access::TenantStore;
use vigie_event::TenantId;
use vigie_log::{LogError, LogReader, Offset, Record};
use vigie_store::{EventStore, Limits, LoggedRecord, RecordsReport, RetentionPolicy, StoreError};

/// Most bytes of records one step reads (a batch of large events stops here).
const STEP_BYTES: usize = 64 << 20;

/// Settings of the indexer, from the `[store]` section of the configuration.
#[derive(Clone, Debug)]
pub struct IndexerConfig {
    /// Name under which the indexer commits its log position.
    pub consumer: String,
    /// Most records written per step.
    pub batch_size: usize,
    /// How long to wait for new records before looking again.
    pub idle_wait: Duration,
    /// Pause before retrying after a failure.
    pub retry_wait: Duration,
    /// Retention applied to tenants without an override.
    pub retention: Limits,
    /// Per-tenant retention, by tenant slug.
    pub tenant_retention: HashMap<String, Limits>,
    /// How often retention runs and the usage gauges are refreshed.
    pub housekeeping_every: Duration,
}

impl Default for IndexerConfig {
    fn default() -> Self {
        Self {
            consumer: "store".to_owned(),
            batch_size: 20000,
            idle_wait: Duration::from_millis(500),
            retry_wait: Duration::from_secs(1),
            retention: Limits::default(),
            tenant_retention: HashMap::new(),
            housekeeping_every: Duration::from_secs(60),
        }
    }
}

/// A step that could not complete; the batch stays uncommitted and is retried.
#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    /// Reading or committing the log failed.
    #[error("durable log: {0}")]
    Log(#[from] LogError),
    /// Writing to the event store failed.
    #[error("event store: {0}")]
    Store(#[from] StoreError),
}

/// What one step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IndexStep {
    /// Records read (including undecodable ones).
    pub records: usize,
    /// Events written to the store.
    pub written: usize,
    /// Offset committed after the step.
    pub committed: Offset,
}

/// Reads the log, writes the store, commits.
pub struct Indexer {
    /// The reader of the indexer's partition and the batches it holds.
    reading: tokio::sync::Mutex<Reading>,
    /// Where the reader stands, for [`Indexer::position`] without waiting for a step.
    marks: std::sync::Mutex<(Offset, Offset)>,
    store: Arc<dyn EventStore>,
    state: Arc<dyn TenantStore>,
    /// Scope used only to name tenants in metric labels and resolve retention overrides,
    /// and to read usage for the gauges.
    operator_scope: TenantScope,
    config: IndexerConfig,
    labels: tokio::sync::Mutex<HashMap<TenantId, String>>,
}

/// The reader and the batches it already handed out that are not written yet.
struct Reading {
    reader: Box<dyn LogReader>,
    /// A batch whose write failed: the next step writes it again.
    retry: Option<Vec<Record>>,
    /// The next batch, read from the log while the previous one was being written.
    read_ahead: Option<Vec<Record>>,
}

impl Reading {
    /// The position after the last record written: before any batch held back.
    fn written_up_to(&self) -> Offset {
        [&self.retry, &self.read_ahead]
            .into_iter()
            .filter_map(|held| held.as_ref().and_then(|r| r.first()).map(|r| r.offset))
            .min()
            .unwrap_or_else(|| self.reader.position())
    }
}

impl Indexer {
    /// An indexer from `log` into `store`; `state` and `operator_scope` name tenants.
    pub fn new(
        reader: Box<dyn LogReader>,
        store: Arc<dyn EventStore>,
        state: Arc<dyn TenantStore>,
        operator_scope: TenantScope,
        config: IndexerConfig,
    ) -> Self {
        let marks = (reader.position(), reader.committed());
        Self {
            reading: tokio::sync::Mutex::new(Reading {
                reader,
                retry: None,
                read_ahead: None,
            }),
            marks: std::sync::Mutex::new(marks),
            store,
            state,
            operator_scope,
            config,
            labels: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The position after the last record the indexer wrote and committed (where it goes
    /// on, and where a restart would resume).
    pub fn position(&self) -> Offset {
        self.marks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .1
    }

    fn note(&self, reading: &Reading) {
        *self
            .marks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            (reading.written_up_to(), reading.reader.committed());
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(&self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(consumer = %self.config.consumer, from = self.position(), "indexer started");
        let mut last_housekeeping: Option<Instant> = None;
        while !*shutdown.borrow() {
            if last_housekeeping.is_none_or(|t| t.elapsed() >= self.config.housekeeping_every) {
                self.housekeeping().await;
                last_housekeeping = Some(Instant::now());
            }
            // A step waits at most `idle_wait` for records, so shutdown is seen that often.
            match self.step_waiting(self.config.idle_wait).await {
                Ok(_) => {}
                Err(error) => {
                    metrics::counter!("vigie_store_step_errors_total").increment(1);
                    tracing::error!(%error, "indexer step failed; the batch will be retried");
                    tokio::select! {
                        _ = tokio::time::sleep(self.config.retry_wait) => {}
                        _ = shutdown.changed() => {}
                    }
                }
            }
        }
        tracing::info!(at = self.position(), "indexer stopped");
    }

    /// Indexes one batch, if any is waiting.
    pub async fn step(&self) -> Result<IndexStep, IndexerError> {
        self.step_waiting(Duration::ZERO).await
    }

    /// [`Indexer::step`], waiting up to `wait` for records when none is waiting.
    pub async fn step_waiting(&self, wait: Duration) -> Result<IndexStep, IndexerError> {
        let mut reading = self.reading.lock().await;
        let from = reading.written_up_to();
        let records = match reading.retry.take().or_else(|| reading.read_ahead.take()) {
            Some(records) => records,
            None => read_batch(reading.reader.as_mut(), self.config.batch_size, wait).await?,
        };
        if records.is_empty() {
            for gauge in self.labels.lock().await.values() {
                metrics::gauge!("vigie_store_lag_seconds", "tenant" => gauge.clone()).set(0.0);
            }
            metrics::gauge!("vigie_store_lag_events").set(0.0);
            self.note(&reading);
            return Ok(IndexStep {
                committed: reading.reader.committed(),
                ..IndexStep::default()
            });
        }
        let outcome = self.write(&mut reading, &records, from).await;
        if outcome.is_err() {
            reading.retry = Some(records);
        }
        self.note(&reading);
        outcome
    }

    /// Writes `records` to the store (reading the next batch meanwhile) and commits them.
    async fn write(
        &self,
        reading: &mut Reading,
        records: &[Record],
        from: Offset,
    ) -> Result<IndexStep, IndexerError> {
        let Some(last) = records.last().map(|r| r.offset) else {
            return Ok(IndexStep::default());
        };
        let records = records.to_vec();
        let count = records.len();
        let batch: Vec<LoggedRecord> = records
            .into_iter()
            .map(|record| LoggedRecord {
                offset: record.offset,
                record: record.payload,
            })
            .collect();
        let now = Timestamp::now();
        let RecordsReport {
            written: report,
            undecodable,
            tenants,
        } = {
            // Read the next batch while this one is written (a failed read is simply done
            // again by the next step). Only when no batch is held back already.
            let batch_size = self.config.batch_size;
            let ahead = async {
                if reading.read_ahead.is_some() {
                    return Ok(Vec::new());
                }
                read_batch(reading.reader.as_mut(), batch_size, Duration::ZERO).await
            };
            let (written, ahead) = tokio::join!(self.store.write_records(batch), ahead);
            if let Ok(ahead) = ahead
                && !ahead.is_empty()
            {
                reading.read_ahead = Some(ahead);
            }
            written?
        };
        for (offset, error) in undecodable {
            metrics::counter!("vigie_store_undecodable_total").increment(1);
            tracing::error!(offset, %error, "log record is not an event; counted and not stored");
        }
        if report.skipped > 0 {
            metrics::counter!("vigie_store_replayed_skipped_total")
                .increment(report.skipped as u64);
            tracing::warn!(
                skipped = report.skipped,
                from,
                "events already in the store were skipped (a replay after a crash)"
            );
        }
        let written = report.events;
        reading.reader.commit(last + 1).await?;
        for batch in tenants {
            let label = self.label(batch.tenant).await;
            let lag = now
                .duration_since(batch.oldest_received)
                .as_secs_f64()
                .max(0.0);
            metrics::gauge!("vigie_store_lag_seconds", "tenant" => label.clone()).set(lag);
            metrics::counter!("vigie_store_events_indexed_total", "tenant" => label)
                .increment(batch.events);
        }
        let held = reading.read_ahead.as_ref().map_or(0, Vec::len) as u64;
        metrics::gauge!("vigie_store_lag_events").set((reading.reader.lag() + held) as f64);
        Ok(IndexStep {
            records: count,
            written,
            committed: last + 1,
        })
    }

    /// Applies retention and refreshes the usage gauges.
    pub async fn housekeeping(&self) {
        let policy = self.policy().await;
        match self
            .store
            .enforce_retention(&policy, Timestamp::now())
            .await
        {
            Ok(dropped) => {
                for d in dropped {
                    let label = self.label(d.tenant).await;
                    metrics::counter!("vigie_store_partitions_dropped_total", "tenant" => label, "reason" => d.reason).increment(1);
                }
            }
            Err(error) => tracing::error!(%error, "retention failed; it will run again"),
        }
        match self.store.usage(&self.operator_scope).await {
            Ok(usage) => {
                for u in usage {
                    let label = self.label(u.tenant).await;
                    metrics::gauge!("vigie_store_disk_bytes", "tenant" => label.clone())
                        .set(u.bytes as f64);
                    metrics::gauge!("vigie_store_events", "tenant" => label.clone())
                        .set(u.events as f64);
                    metrics::gauge!("vigie_store_partitions", "tenant" => label)
                        .set(u.partitions as f64);
                }
            }
            Err(error) => tracing::error!(%error, "cannot read the store's usage"),
        }
    }

    async fn policy(&self) -> RetentionPolicy {
        let mut policy = RetentionPolicy {
            default: self.config.retention,
            tenants: HashMap::new(),
        };
        if self.config.tenant_retention.is_empty() {
            return policy;
        }
        match self.state.list_tenants(&self.operator_scope).await {
            Ok(tenants) => {
                for t in tenants {
                    if let Some(limits) = self.config.tenant_retention.get(t.slug.as_str()) {
                        policy.tenants.insert(t.id, *limits);
                    }
                }
            }
            Err(error) => tracing::error!(%error, "cannot list tenants for retention overrides"),
        }
        policy
    }

    async fn label(&self, tenant: TenantId) -> String {
        let mut labels = self.labels.lock().await;
        if !labels.contains_key(&tenant)
            && let Ok(tenants) = self.state.list_tenants(&self.operator_scope).await
        {
            for t in tenants {
                labels.insert(t.id, t.slug.to_string());
            }
        }
        labels
            .get(&tenant)
            .cloned()
            .unwrap_or_else(|| format!("id-{tenant}"))
    }
}

/// Up to `batch_size` records, in as many reads as it takes (one read of the log stops at
/// 16 MiB, some 8,000 Windows events: a step that small made segments of a few thousand
/// events per partition), waiting up to `wait` for the first, stopping early at the end of
/// the log or at [`STEP_BYTES`] of records.
async fn read_batch(
    reader: &mut dyn LogReader,
    batch_size: usize,
    wait: Duration,
) -> Result<Vec<Record>, LogError> {
    let max = batch_size.max(1);
    let mut records = reader.next(max, wait).await?;
    let mut bytes: usize = records.iter().map(|r| r.payload.len()).sum();
    while !records.is_empty() && records.len() < max && bytes < STEP_BYTES {
        let more = reader.next(max - records.len(), Duration::ZERO).await?;
        if more.is_empty() {
            break;
        }
        bytes += more.iter().map(|r| r.payload.len()).sum::<usize>();
        records.extend(more);
    }
    Ok(records)
}
