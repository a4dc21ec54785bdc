//! [`JetStreamLog`]: the [`Log`] of cluster mode.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream::{self, context::PublishErrorKind, message::PublishMessage};
use bytes::Bytes;
use vigie_log::{AppendAck, Log, LogError, LogReader, LogStats, PartitionKey};

use crate::membership::Assignment;
use crate::reader::JetStreamReader;
use crate::{ENGINE, NatsConfig, NatsError, envelope};

/// How often the stream and consumer figures (backlog, retained, metrics) are refreshed.
const REFRESH_EVERY: Duration = Duration::from_secs(1);

/// The event log on NATS JetStream. See the crate documentation.
pub struct JetStreamLog {
    inner: Arc<Inner>,
    refresher: tokio::task::JoinHandle<()>,
}

struct Inner {
    client: async_nats::Client,
    js: jetstream::Context,
    config: NatsConfig,
    address: String,
    /// Per consumer: envelopes not yet acknowledged, over all partitions.
    pending: Mutex<HashMap<String, u64>>,
    /// Envelopes and bytes the streams hold.
    retained: AtomicU64,
    bytes: AtomicU64,
    /// Records and envelopes appended by this process.
    appended_records: AtomicU64,
    appended_envelopes: AtomicU64,
    /// Whether the last refresh reached the servers.
    reachable: AtomicBool,
    /// Consumers whose partitions are spread over the processes ([`JetStreamLog::balance`]).
    assignments: Mutex<HashMap<String, Assignment>>,
}

impl Drop for JetStreamLog {
    fn drop(&mut self) {
        self.refresher.abort();
    }
}

impl std::fmt::Debug for JetStreamLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JetStreamLog")
            .field("servers", &self.inner.address)
            .field("partitions", &self.inner.config.partitions)
            .finish_non_exhaustive()
    }
}

impl JetStreamLog {
    /// The log over the streams of `config`, through `client`. Checks that every stream and
    /// consumer exists (created by [`crate::init`]); the error names the first one missing.
    pub async fn open(client: async_nats::Client, config: NatsConfig) -> Result<Self, NatsError> {
        config.validate()?;
        let js = jetstream::new(client.clone());
        let address = config.addresses();
        for partition in 0..config.partitions {
            let name = config.stream(partition);
            let stream = js.get_stream(&name).await.map_err(|e| NatsError::Layout {
                stream: name.clone(),
                reason: format!("cannot open it ({e}); run `vigie cluster init` first"),
            })?;
            for consumer in &config.consumers {
                stream
                    .get_consumer::<async_nats::jetstream::consumer::pull::Config>(consumer)
                    .await
                    .map_err(|e| NatsError::Layout {
                        stream: name.clone(),
                        reason: format!("consumer {consumer}: {e}; run `vigie cluster init` first"),
                    })?;
            }
        }
        let inner = Arc::new(Inner {
            client,
            js,
            config,
            address,
            pending: Mutex::new(HashMap::new()),
            retained: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            appended_records: AtomicU64::new(0),
            appended_envelopes: AtomicU64::new(0),
            reachable: AtomicBool::new(true),
            assignments: Mutex::new(HashMap::new()),
        });
        inner.refresh().await;
        let refresher = {
            let inner = Arc::downgrade(&inner);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(REFRESH_EVERY).await;
                    let Some(inner) = inner.upgrade() else { return };
                    inner.refresh().await;
                }
            })
        };
        Ok(Self { inner, refresher })
    }

    /// Spreads the partitions of `consumer` over the processes by `assignment` (see
    /// [`crate::membership`]): readers opened afterwards for it pull only while this process
    /// owns their partition. Without it, the first reader to pull holds the partition.
    pub fn balance(&self, consumer: &str, assignment: Assignment) {
        self.inner
            .assignments
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(consumer.to_owned(), assignment);
    }

    /// The configuration the log runs with.
    pub fn config(&self) -> &NatsConfig {
        &self.inner.config
    }

    /// Whether the servers answered the last refresh (at most a second ago).
    pub fn reachable(&self) -> bool {
        self.inner.reachable.load(Ordering::Relaxed)
            && matches!(
                self.inner.client.connection_state(),
                async_nats::connection::State::Connected
            )
    }

    /// Reads the stream and consumer figures now (they are refreshed every second anyway).
    pub async fn refresh(&self) {
        self.inner.refresh().await;
    }
}

impl Inner {
    fn unavailable(&self, op: String, reason: String) -> LogError {
        LogError::Unavailable {
            engine: ENGINE,
            address: self.address.clone(),
            op,
            reason,
        }
    }

    /// Records per envelope, as this process appended them (1 before any append).
    fn per_envelope(&self) -> u64 {
        let envelopes = self.appended_envelopes.load(Ordering::Relaxed);
        self.appended_records
            .load(Ordering::Relaxed)
            .checked_div(envelopes)
            .unwrap_or(1)
            .max(1)
    }

    async fn refresh(&self) {
        let mut retained = 0;
        let mut bytes = 0;
        let mut pending: HashMap<String, u64> = HashMap::new();
        let mut reached = true;
        for partition in 0..self.config.partitions {
            let name = self.config.stream(partition);
            let label = partition.to_string();
            let mut stream = match self.js.get_stream(&name).await {
                Ok(stream) => stream,
                Err(error) => {
                    reached = false;
                    tracing::debug!(stream = %name, %error, "stream figures unavailable");
                    continue;
                }
            };
            if let Ok(info) = stream.info().await {
                retained += info.state.messages;
                bytes += info.state.bytes;
                metrics::gauge!("vigie_nats_stream_envelopes", "partition" => label.clone())
                    .set(info.state.messages as f64);
            }
            for consumer in &self.config.consumers {
                let Ok(mut handle) = stream
                    .get_consumer::<async_nats::jetstream::consumer::pull::Config>(consumer)
                    .await
                else {
                    reached = false;
                    continue;
                };
                let Ok(info) = handle.info().await else {
                    reached = false;
                    continue;
                };
                let waiting = info.num_pending + info.num_ack_pending as u64;
                *pending.entry(consumer.clone()).or_default() += waiting;
                let labels = [("consumer", consumer.clone()), ("partition", label.clone())];
                metrics::gauge!("vigie_nats_consumer_pending", &labels)
                    .set(info.num_pending as f64);
                metrics::gauge!("vigie_nats_consumer_ack_pending", &labels)
                    .set(info.num_ack_pending as f64);
                metrics::gauge!("vigie_nats_consumer_redelivered", &labels)
                    .set(info.num_redelivered as f64);
                // MaxAckPending reached: the server hands out nothing more until acks come.
                let stalled = info.num_ack_pending as i64 >= self.config.max_ack_pending;
                metrics::gauge!("vigie_nats_consumer_stalled", &labels).set(if stalled {
                    1.0
                } else {
                    0.0
                });
            }
        }
        self.reachable.store(reached, Ordering::Relaxed);
        metrics::gauge!("vigie_nats_reachable").set(if reached { 1.0 } else { 0.0 });
        if reached {
            self.retained.store(retained, Ordering::Relaxed);
            self.bytes.store(bytes, Ordering::Relaxed);
            *self
                .pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = pending;
        }
    }
}

#[async_trait::async_trait]
impl Log for JetStreamLog {
    fn partitions(&self) -> u32 {
        self.inner.config.partitions
    }

    async fn append(
        &self,
        key: PartitionKey<'_>,
        payloads: Vec<Bytes>,
    ) -> Result<AppendAck, LogError> {
        let inner = &self.inner;
        let partition = key.partition(inner.config.partitions);
        if payloads.is_empty() {
            return Ok(AppendAck {
                partition,
                first: 0,
                count: 0,
            });
        }
        let envelopes = envelope::pack(key, &payloads, inner.config.max_envelope_bytes as usize)?;
        debug_assert_eq!(
            envelopes.iter().map(|e| e.count).sum::<usize>(),
            payloads.len()
        );
        let stream = inner.config.stream(partition);
        let subject = inner.config.subject(partition);
        if !matches!(
            inner.client.connection_state(),
            async_nats::connection::State::Connected
        ) {
            // Refuse at once rather than buffer: the sender is told to retry.
            return Err(inner.unavailable(
                format!("publishing to stream {stream}"),
                "not connected to any server".to_owned(),
            ));
        }
        // All envelopes go out before any acknowledgement is awaited (one round trip).
        let mut acks = Vec::with_capacity(envelopes.len());
        for e in &envelopes {
            let message = PublishMessage::build()
                .payload(e.body.clone())
                .message_id(&e.msg_id)
                .expected_stream(&stream)
                .header("Vigie-Tenant", key.tenant)
                .header("Vigie-Source", key.source);
            let pending = inner
                .js
                .send_publish(subject.clone(), message)
                .await
                .map_err(|e| {
                    inner.unavailable(format!("publishing to stream {stream}"), publish_reason(&e))
                })?;
            acks.push(pending);
        }
        let mut first = None;
        for pending in acks {
            let ack = pending.await.map_err(|e| {
                inner.unavailable(
                    format!("waiting for the acknowledgement of stream {stream}"),
                    e.to_string(),
                )
            })?;
            if ack.duplicate {
                metrics::counter!("vigie_nats_duplicate_envelopes_total").increment(1);
            }
            first.get_or_insert(ack.sequence << 16);
        }
        let count = payloads.len() as u64;
        inner.appended_records.fetch_add(count, Ordering::Relaxed);
        inner
            .appended_envelopes
            .fetch_add(envelopes.len() as u64, Ordering::Relaxed);
        metrics::counter!("vigie_nats_envelopes_published_total").increment(envelopes.len() as u64);
        Ok(AppendAck {
            partition,
            first: first.unwrap_or(0),
            count,
        })
    }

    async fn reader(&self, consumer: &str, partition: u32) -> Result<Box<dyn LogReader>, LogError> {
        let config = &self.inner.config;
        if partition >= config.partitions {
            return Err(LogError::NoSuchPartition {
                partition,
                partitions: config.partitions,
            });
        }
        let assignment = self
            .inner
            .assignments
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(consumer)
            .cloned();
        let reader = JetStreamReader::open(
            self.inner.js.clone(),
            config.stream(partition),
            consumer.to_owned(),
            partition,
            self.inner.address.clone(),
            usize::try_from(config.max_ack_pending)
                .unwrap_or(64)
                .min(256),
            config.pin_timeout(),
            assignment,
        )
        .await?;
        Ok(Box::new(reader))
    }

    fn backlog(&self, consumer: &str) -> u64 {
        let envelopes = self
            .inner
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(consumer)
            .copied()
            .unwrap_or(0);
        envelopes * self.inner.per_envelope()
    }

    fn engine(&self) -> &'static str {
        ENGINE
    }

    fn reachable(&self) -> bool {
        JetStreamLog::reachable(self)
    }

    fn stats(&self) -> LogStats {
        LogStats {
            retained: self.inner.retained.load(Ordering::Relaxed),
            segments: u64::from(self.inner.config.partitions),
            bytes_on_disk: self.inner.bytes.load(Ordering::Relaxed),
            appended_records: self.inner.appended_records.load(Ordering::Relaxed),
            ..LogStats::default()
        }
    }
}

/// A publish error in words, with the hint a full stream needs.
fn publish_reason(error: &async_nats::jetstream::context::PublishError) -> String {
    match error.kind() {
        PublishErrorKind::MaxPayloadExceeded => format!(
            "{error}: the envelope is larger than the servers' max_payload; lower \
             max_envelope_bytes or raise max_payload"
        ),
        _ => error.to_string(),
    }
}
