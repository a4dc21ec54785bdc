//! The one door into the durable log.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
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
}

impl Intake {
    /// An intake in front of `log`.
    pub fn new(log: Arc<dyn Log>, config: IntakeConfig) -> Self {
        Self { log, config }
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
        let labels = [("tenant", tenant.to_owned()), ("source", source.to_owned())];
        metrics::counter!("vigie_events_received_total", &labels)
            .increment((events.len() + rejected.len()) as u64);
        for rejection in rejected {
            reject(&labels, rejection.reason, 1);
        }
        let count = events.len() as u64;
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
        let payloads = encode(events);
        match self.log.append(payloads).await {
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
