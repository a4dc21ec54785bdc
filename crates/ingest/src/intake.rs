//! The one door into the durable log.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use vigie_event::Event;
use vigie_log::{Log, LogError, Offset};

use crate::ndjson::{LineRejection, NdjsonBatch};

/// Limits of the intake, from the `[ingest]` section of the configuration.
#[derive(Clone, Debug)]
pub struct IntakeConfig {
    /// Refuse new events while more than this many records wait for the pipeline.
    pub max_backlog: u64,
    /// What to tell a refused sender to wait.
    pub retry_after: Duration,
    /// The log consumer whose lag is the backlog (the detection pipeline).
    pub consumer: String,
}

/// Why a batch was not accepted. Nothing of the batch is in the log in either case.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The pipeline lags: the sender must retry later.
    #[error("pipeline backlog of {backlog} events exceeds the limit of {limit}; retry in {}s", retry_after.as_secs())]
    Backpressure {
        /// Records waiting in the log.
        backlog: u64,
        /// The configured limit.
        limit: u64,
        /// How long the sender should wait.
        retry_after: Duration,
    },
    /// The log could not make the batch durable.
    #[error("durable log: {0}")]
    Log(#[from] LogError),
}

/// What the log acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubmitAck {
    /// Events now durable.
    pub accepted: u64,
    /// Log offset of the first of them.
    pub first_offset: Offset,
}

/// Appends events to the log under the backlog rule and keeps the intake counters.
///
/// Counters (Prometheus names), all labelled with `tenant` and `source`:
/// `vigie_events_received_total`, `vigie_events_accepted_total`, and
/// `vigie_events_rejected_total` with a `reason` label. For every submit,
/// received = accepted + rejected.
#[derive(Clone)]
pub struct Intake {
    log: Arc<dyn Log>,
    config: IntakeConfig,
    inflight: Option<Inflight>,
    backlog_wait: Duration,
}

/// The budget of request bytes being handled at once (in KiB permits).
#[derive(Clone)]
struct Inflight {
    permits: Arc<Semaphore>,
    total_kib: u32,
}

/// A share of the in-flight budget, held while one request body is read, decoded, parsed
/// and made durable; returned on drop.
#[derive(Debug)]
pub struct InflightPermit {
    permit: Option<OwnedSemaphorePermit>,
    bytes: u64,
}

impl Drop for InflightPermit {
    fn drop(&mut self) {
        if self.permit.is_some() {
            metrics::gauge!("vigie_ingest_inflight_bytes").decrement(self.bytes as f64);
        }
    }
}

impl Intake {
    /// An intake in front of `log`, with no in-flight budget (see
    /// [`Intake::with_inflight_limit`]).
    pub fn new(log: Arc<dyn Log>, config: IntakeConfig) -> Self {
        Self {
            log,
            config,
            inflight: None,
            backlog_wait: Duration::ZERO,
        }
    }

    /// How long a request-reply sender ([`Intake::wait_for_room`]) is held while the
    /// backlog is over the limit before it is refused (`[ingest] backlog_wait_seconds`).
    /// Clients that do not honour 429 (rsyslog's `omelasticsearch`) then simply wait.
    pub fn with_backlog_wait(mut self, wait: Duration) -> Self {
        self.backlog_wait = wait;
        self
    }

    /// Waits, at most the configured backlog wait, while the backlog is over the limit.
    /// The caller then submits (refused with 429 if the backlog is still over).
    pub async fn wait_for_room(&self) {
        if !self.over_backlog() || self.backlog_wait.is_zero() {
            return;
        }
        metrics::counter!("vigie_ingest_backlog_waits_total").increment(1);
        let deadline = tokio::time::Instant::now() + self.backlog_wait;
        while self.over_backlog() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Bounds the bytes of request bodies handled at once (`[ingest] max_inflight_bytes`):
    /// a request reserves its declared size with [`Intake::reserve`] before its body is
    /// read, so the memory that bodies, their decoded form and their events take is bounded
    /// whatever the number of senders. 0 means no bound.
    pub fn with_inflight_limit(mut self, max_bytes: u64) -> Self {
        self.inflight = (max_bytes > 0).then(|| {
            let total_kib = u32::try_from(max_bytes.div_ceil(1024)).unwrap_or(u32::MAX);
            Inflight {
                permits: Arc::new(Semaphore::new(total_kib as usize)),
                total_kib,
            }
        });
        self
    }

    /// Reserves `bytes` of the in-flight budget (a request larger than the whole budget
    /// reserves all of it), waiting at most `wait` for earlier requests to finish (counted in
    /// `vigie_ingest_inflight_waits_total`). `None` when the budget stayed full that long
    /// (`vigie_ingest_inflight_refused_total`): the caller answers 429. Without a budget
    /// the permit is free.
    pub async fn reserve(&self, bytes: u64, wait: Duration) -> Option<InflightPermit> {
        let Some(inflight) = &self.inflight else {
            return Some(InflightPermit {
                permit: None,
                bytes,
            });
        };
        let kib = u32::try_from(bytes.div_ceil(1024))
            .unwrap_or(u32::MAX)
            .clamp(1, inflight.total_kib.max(1));
        let immediate = Arc::clone(&inflight.permits)
            .try_acquire_many_owned(kib)
            .ok();
        let acquired = match immediate {
            Some(permit) => Ok(Ok(permit)),
            None => {
                metrics::counter!("vigie_ingest_inflight_waits_total").increment(1);
                let acquire = Arc::clone(&inflight.permits).acquire_many_owned(kib);
                tokio::time::timeout(wait, acquire).await
            }
        };
        match acquired {
            Ok(Ok(permit)) => {
                let bytes = u64::from(kib) * 1024;
                metrics::gauge!("vigie_ingest_inflight_bytes").increment(bytes as f64);
                Some(InflightPermit {
                    permit: Some(permit),
                    bytes,
                })
            }
            _ => {
                metrics::counter!("vigie_ingest_inflight_refused_total").increment(1);
                None
            }
        }
    }

    /// Records in the log not yet processed by the pipeline.
    pub fn backlog(&self) -> u64 {
        let stats = self.log.stats();
        let done = self
            .log
            .committed(&self.config.consumer)
            .unwrap_or(stats.start_offset)
            .max(stats.start_offset);
        stats.end_offset.saturating_sub(done)
    }

    /// Whether the backlog is over the limit now: a stream transport stops reading until it
    /// is not (its sender feels TCP backpressure).
    pub fn over_backlog(&self) -> bool {
        self.backlog() > self.config.max_backlog
    }

    /// How long a refused sender is told to wait.
    pub fn retry_after(&self) -> Duration {
        self.config.retry_after
    }

    /// The log behind this intake.
    pub fn log(&self) -> &Arc<dyn Log> {
        &self.log
    }

    /// Counts the batch, then appends its events to the log and returns once they are durable.
    /// `tenant` is the tenant's label for the counters (its slug); the events already carry
    /// the tenant id taken from the caller's credential.
    pub async fn submit(
        &self,
        tenant: &str,
        source: &str,
        batch: NdjsonBatch,
    ) -> Result<SubmitAck, IntakeError> {
        self.submit_parts(tenant, source, &batch.events, &batch.rejected)
            .await
    }

    /// [`Intake::submit`] for events already in their record form ([`crate::record`]).
    pub async fn submit_encoded(
        &self,
        tenant: &str,
        source: &str,
        batch: crate::record::EncodedBatch,
    ) -> Result<SubmitAck, IntakeError> {
        let count = batch.events.len();
        self.submit_payloads(tenant, source, count, &batch.rejected, || {
            batch.events.into_iter().map(|e| e.record).collect()
        })
        .await
    }

    /// [`Intake::submit_encoded`] on borrowed events, so a stream transport refused with
    /// [`IntakeError::Backpressure`] can send the same events again later (passing no
    /// rejections the second time).
    pub async fn submit_encoded_parts(
        &self,
        tenant: &str,
        source: &str,
        events: &[crate::record::Encoded],
        rejected: &[LineRejection],
    ) -> Result<SubmitAck, IntakeError> {
        self.submit_payloads(tenant, source, events.len(), rejected, || {
            events.iter().map(|e| e.record.clone()).collect()
        })
        .await
    }

    /// [`Intake::submit`] on borrowed parts, so a stream transport refused with
    /// [`IntakeError::Backpressure`] can send the same events again later (passing no
    /// rejections the second time: they were counted with the first attempt).
    pub async fn submit_parts(
        &self,
        tenant: &str,
        source: &str,
        events: &[Event],
        rejected: &[LineRejection],
    ) -> Result<SubmitAck, IntakeError> {
        self.submit_payloads(tenant, source, events.len(), rejected, || encode(events))
            .await
    }

    /// Counts, applies the backlog rule, then appends the `count` payloads `encode` makes.
    async fn submit_payloads(
        &self,
        tenant: &str,
        source: &str,
        count: usize,
        rejected: &[LineRejection],
        encode: impl FnOnce() -> Vec<Bytes>,
    ) -> Result<SubmitAck, IntakeError> {
        let labels = [("tenant", tenant.to_owned()), ("source", source.to_owned())];
        metrics::counter!("vigie_events_received_total", &labels)
            .increment((count + rejected.len()) as u64);
        for rejection in rejected {
            reject(&labels, rejection.reason, 1);
        }
        let count = count as u64;
        if count == 0 {
            return Ok(SubmitAck {
                accepted: 0,
                first_offset: self.log.end_offset(),
            });
        }
        let backlog = self.backlog();
        if backlog > self.config.max_backlog {
            reject(&labels, "backpressure", count);
            tracing::warn!(
                tenant,
                source,
                backlog,
                limit = self.config.max_backlog,
                refused = count,
                "events refused: pipeline backlog over the limit"
            );
            return Err(IntakeError::Backpressure {
                backlog,
                limit: self.config.max_backlog,
                retry_after: self.config.retry_after,
            });
        }
        match self.log.append(encode()).await {
            Ok(ack) => {
                metrics::counter!("vigie_events_accepted_total", &labels).increment(ack.count);
                Ok(SubmitAck {
                    accepted: ack.count,
                    first_offset: ack.first,
                })
            }
            Err(error) => {
                reject(&labels, "log_error", count);
                tracing::error!(tenant, source, refused = count, %error, "events refused: durable log failed");
                Err(error.into())
            }
        }
    }
}

fn reject(labels: &[(&'static str, String); 2], reason: &'static str, count: u64) {
    metrics::counter!(
        "vigie_events_rejected_total",
        "tenant" => labels[0].1.clone(),
        "source" => labels[1].1.clone(),
        "reason" => reason
    )
    .increment(count);
}

fn encode(events: &[Event]) -> Vec<Bytes> {
    events
        .iter()
        .map(|event| Bytes::from(event.to_record()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_log::{Wal, WalConfig};

    fn intake(dir: &std::path::Path) -> Intake {
        let wal = Wal::open(WalConfig {
            dir: dir.join("wal"),
            consumers: vec!["detect".to_owned()],
            ..WalConfig::default()
        })
        .unwrap();
        Intake::new(
            Arc::new(wal),
            IntakeConfig {
                max_backlog: 1000,
                retry_after: Duration::from_secs(1),
                consumer: "detect".to_owned(),
            },
        )
    }

    /// The in-flight budget: a request that does not fit waits, is refused once its wait is
    /// over, and gets in as soon as an earlier one returns its share; one larger than the
    /// whole budget takes all of it rather than never fitting.
    #[tokio::test]
    async fn inflight_budget_waits_refuses_and_frees() {
        let dir = tempfile::tempdir().unwrap();
        let intake = intake(dir.path()).with_inflight_limit(10 * 1024);
        let short = Duration::from_millis(50);
        let first = intake.reserve(8 * 1024, short).await.expect("fits");
        assert!(
            intake.reserve(4 * 1024, short).await.is_none(),
            "over budget"
        );
        let waiting = {
            let intake = intake.clone();
            tokio::spawn(async move { intake.reserve(4 * 1024, Duration::from_secs(10)).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "it should wait for room");
        drop(first);
        let second = waiting
            .await
            .unwrap()
            .expect("room after the first returned");
        drop(second);
        let all = intake
            .reserve(1 << 30, short)
            .await
            .expect("clamped to the budget");
        assert!(intake.reserve(1, short).await.is_none());
        drop(all);
        let unbounded = self::intake(dir.path().join("other").as_path());
        assert!(unbounded.reserve(1 << 40, short).await.is_some());
    }
}
