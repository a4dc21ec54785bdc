//! [`JetStreamReader`]: one consumer's reader of one partition, over a pinned pull stream of
//! the partition's durable consumer.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::PullConsumer;
use async_nats::jetstream::consumer::pull::Stream as PullStream;
use async_nats::jetstream::{self, AckKind, Message};
use futures_util::StreamExt;
use vigie_log::{LogError, LogReader, Offset, Record};

use crate::layout::GROUP;
use crate::membership::Assignment;
use crate::{ENGINE, envelope};

/// Deliveries of one envelope past which a warning names a redelivery loop.
const LOOP_DELIVERIES: i64 = 5;

/// An envelope handed out (wholly or partly) and not acknowledged yet.
struct Held {
    first: Offset,
    count: u64,
    /// Records of it returned by `next` so far.
    returned: u64,
    message: Message,
}

/// The position of the first record of the envelope holding `offset`.
fn envelope_of(offset: Offset) -> Offset {
    offset & !0xffff
}

/// The reader; see the crate documentation for the protocol.
pub(crate) struct JetStreamReader {
    js: jetstream::Context,
    stream: String,
    consumer: String,
    partition: u32,
    address: String,
    /// The partition's durable consumer, to pull from again after a pause.
    durable: PullConsumer,
    /// Envelopes per pull, and how long a pull waits.
    batch: usize,
    expires: Duration,
    /// The pull stream; `None` while this process does not own the partition.
    messages: Option<PullStream>,
    /// Which partitions this process owns, for a balanced consumer; `None`: pull always
    /// (the first reader pulling is pinned, the others wait on standby).
    assignment: Option<Assignment>,
    /// Records decoded and not returned yet.
    buffer: VecDeque<Record>,
    /// Envelopes whose records were (partly) returned or are buffered. In stream order,
    /// except after a failover: envelopes the previous reader left unacknowledged come again
    /// after `ack_wait`, behind newer ones.
    held: Vec<Held>,
    position: Offset,
    committed: Offset,
    /// Envelopes the server still has for this consumer after the last one received.
    pending_envelopes: u64,
    /// Records per envelope, as last seen (to turn envelope counts into records).
    per_envelope: u64,
    /// Whether this reader received anything (then it holds the pin).
    pinned: bool,
}

impl JetStreamReader {
    #[allow(clippy::too_many_arguments)] // one call site, every argument named there
    pub(crate) async fn open(
        js: jetstream::Context,
        stream: String,
        consumer: String,
        partition: u32,
        address: String,
        batch: usize,
        pin_timeout: Duration,
        assignment: Option<Assignment>,
    ) -> Result<Self, LogError> {
        let unavailable = |op: &str, e: &dyn std::fmt::Display| LogError::Unavailable {
            engine: ENGINE,
            address: address.clone(),
            op: format!("{op} consumer {consumer} of stream {stream}"),
            reason: e.to_string(),
        };
        let mut durable: PullConsumer = js
            .get_consumer_from_stream(&consumer, &stream)
            .await
            .map_err(|e| unavailable("opening", &format!("{e} (was `vigie cluster init` run?)")))?;
        // Where the consumer stands: after the last envelope every earlier one of which was
        // acknowledged.
        let floor = durable
            .info()
            .await
            .map_err(|e| unavailable("reading", &e))?
            .ack_floor
            .stream_sequence;
        let start = (floor + 1) << 16;
        // Pulls expire well within the pin timeout, so a live reader keeps its pin.
        let expires = (pin_timeout / 2).clamp(Duration::from_millis(500), Duration::from_secs(30));
        let messages = match &assignment {
            Some(a) if !a.owns(partition) => None,
            _ => Some(
                pull_stream(&durable, batch, expires)
                    .await
                    .map_err(|e| unavailable("pulling from", &e))?,
            ),
        };
        Ok(Self {
            js,
            stream,
            consumer,
            partition,
            address,
            durable,
            batch: batch.max(1),
            expires,
            messages,
            assignment,
            buffer: VecDeque::new(),
            held: Vec::new(),
            position: start,
            committed: start,
            pending_envelopes: 0,
            per_envelope: 1,
            pinned: false,
        })
    }

    fn unavailable(&self, op: &str, reason: String) -> LogError {
        LogError::Unavailable {
            engine: ENGINE,
            address: self.address.clone(),
            op: format!(
                "{op} (consumer {} of stream {})",
                self.consumer, self.stream
            ),
            reason,
        }
    }

    /// Takes one message into the buffer (or acknowledges a copy it already has).
    async fn accept(&mut self, message: Message) -> Result<(), LogError> {
        self.pinned = true;
        let (sequence, delivered, pending) = match message.info() {
            Ok(info) => (info.stream_sequence, info.delivered, info.pending),
            Err(e) => {
                return Err(LogError::BadData {
                    engine: ENGINE,
                    location: format!("stream {}", self.stream),
                    reason: format!("a message without JetStream metadata: {e}"),
                });
            }
        };
        self.pending_envelopes = pending;
        let partition = self.partition.to_string();
        if delivered > 1 {
            metrics::counter!(
                "vigie_nats_redeliveries_total",
                "consumer" => self.consumer.clone(),
                "partition" => partition.clone()
            )
            .increment(1);
            if delivered >= LOOP_DELIVERIES {
                tracing::warn!(
                    stream = %self.stream, consumer = %self.consumer, sequence, delivered,
                    "an envelope keeps coming back: its processing fails or takes longer than ack_wait"
                );
            }
        }
        let first = sequence << 16;
        if let Some(held) = self.held.iter_mut().find(|h| h.first == first) {
            // A copy of an envelope this reader holds (it waited longer than ack_wait): keep
            // the newest delivery to acknowledge, hand nothing out twice.
            held.message = message;
            return Ok(());
        }
        // An envelope below the position is one a previous reader left unacknowledged,
        // redelivered after newer ones: it is handed out (late, never lost).
        match envelope::unpack(&message.payload) {
            Ok(records) => {
                let count = records.len() as u64;
                self.per_envelope = count.max(1);
                self.buffer
                    .extend(records.into_iter().enumerate().map(|(i, payload)| Record {
                        offset: first | i as u64,
                        payload,
                    }));
                self.held.push(Held {
                    first,
                    count,
                    returned: 0,
                    message,
                });
                Ok(())
            }
            Err(reason) => {
                // Not written by vigie: named, counted, and never handed out again.
                metrics::counter!(
                    "vigie_nats_bad_envelopes_total",
                    "partition" => partition
                )
                .increment(1);
                tracing::error!(
                    stream = %self.stream, sequence, %reason,
                    "a message of the event stream is not a vigie envelope; terminated"
                );
                message
                    .ack_with(AckKind::Term)
                    .await
                    .map_err(|e| self.unavailable("terminating a bad envelope", e.to_string()))
            }
        }
    }

    /// One message from the pull stream within `wait` (Ok(false) when none came, or when
    /// not pulling).
    async fn pull(&mut self, wait: Duration) -> Result<bool, LogError> {
        let Some(messages) = self.messages.as_mut() else {
            return Ok(false);
        };
        match tokio::time::timeout(wait, messages.next()).await {
            Err(_) => Ok(false),
            Ok(None) => Err(self.unavailable("pulling", "the pull stream ended".to_owned())),
            Ok(Some(Err(e))) => Err(self.unavailable("pulling", e.to_string())),
            Ok(Some(Ok(message))) => {
                self.accept(message).await?;
                Ok(true)
            }
        }
    }
}

impl JetStreamReader {
    /// Stops pulling and, if this reader holds the pin, hands it over at once instead of
    /// after the pin timeout.
    async fn release(&mut self) -> Result<(), LogError> {
        self.messages = None;
        if !std::mem::take(&mut self.pinned) {
            return Ok(());
        }
        let result = match self.js.get_stream(&self.stream).await {
            Ok(s) => s
                .unpin_consumer(&self.consumer, GROUP)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        result.map_err(|reason| LogError::Unavailable {
            engine: ENGINE,
            address: self.address.clone(),
            op: format!(
                "unpinning consumer {} of stream {}",
                self.consumer, self.stream
            ),
            reason,
        })
    }
}

/// A pinned pull stream of `durable` in vigie's priority group.
async fn pull_stream(
    durable: &PullConsumer,
    batch: usize,
    expires: Duration,
) -> Result<PullStream, async_nats::jetstream::consumer::StreamError> {
    durable
        .stream()
        .group(GROUP)
        .max_messages_per_batch(batch.max(1))
        .expires(expires)
        .heartbeat(expires / 4)
        .messages()
        .await
}

#[async_trait::async_trait]
impl LogReader for JetStreamReader {
    async fn next(&mut self, max: usize, wait: Duration) -> Result<Vec<Record>, LogError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        if let Some(assignment) = self.assignment.clone() {
            let owned = assignment.owns(self.partition);
            if owned && self.messages.is_none() {
                tracing::info!(partition = self.partition, consumer = %self.consumer, "taking the partition");
                let messages = pull_stream(&self.durable, self.batch, self.expires)
                    .await
                    .map_err(|e| self.unavailable("pulling from", e.to_string()))?;
                self.messages = Some(messages);
            } else if !owned && self.buffer.is_empty() {
                if self.messages.is_some() {
                    tracing::info!(
                        partition = self.partition,
                        consumer = %self.consumer,
                        unacknowledged = self.held.len(),
                        "handing the partition over"
                    );
                    self.release().await?;
                }
                assignment.changed_within(wait).await;
                return Ok(Vec::new());
            }
        }
        let deadline = Instant::now() + wait;
        while self.buffer.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if !self.pull(left).await? && Instant::now() >= deadline {
                break;
            }
        }
        // Whatever else is already here, without waiting.
        while self.buffer.len() < max && self.pull(Duration::ZERO).await? {}
        let n = max.min(self.buffer.len());
        let out: Vec<Record> = self.buffer.drain(..n).collect();
        for record in &out {
            let first = envelope_of(record.offset);
            if let Some(held) = self.held.iter_mut().find(|h| h.first == first) {
                held.returned += 1;
            }
            self.position = self.position.max(record.offset + 1);
        }
        Ok(out)
    }

    async fn commit(&mut self, next: Offset) -> Result<(), LogError> {
        if next > self.position {
            return Err(LogError::CommitBeyondEnd {
                consumer: self.consumer.clone(),
                next,
                end: self.position,
            });
        }
        // Every envelope all of whose records were returned and lie below `next`.
        let mut i = 0;
        while i < self.held.len() {
            let h = &self.held[i];
            if h.returned >= h.count && h.first + h.count <= next {
                h.message
                    .double_ack()
                    .await
                    .map_err(|e| self.unavailable("acknowledging", e.to_string()))?;
                self.held.remove(i);
            } else {
                i += 1;
            }
        }
        let oldest_held = self.held.iter().map(|h| h.first).min();
        self.committed = oldest_held
            .map_or(next, |first| first.min(next))
            .max(self.committed);
        Ok(())
    }

    fn position(&self) -> Offset {
        self.position
    }

    fn committed(&self) -> Offset {
        self.committed
    }

    fn lag(&self) -> u64 {
        self.buffer.len() as u64 + self.pending_envelopes * self.per_envelope
    }

    async fn close(mut self: Box<Self>) -> Result<(), LogError> {
        self.release().await
    }
}
