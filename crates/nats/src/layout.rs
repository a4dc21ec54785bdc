//! The streams and consumers of the event log, with every setting explicit, and
//! [`init`], which creates them or brings them to these settings (`vigie cluster init`).

use std::time::Duration;

use async_nats::jetstream::consumer::{self, AckPolicy, DeliverPolicy, PriorityPolicy};
use async_nats::jetstream::stream::{self, DiscardPolicy, RetentionPolicy, StorageType};
use async_nats::jetstream::{self, Context};

use crate::{NatsConfig, NatsError};

/// The priority group every reader pulls in (one pinned reader per consumer and partition).
pub(crate) const GROUP: &str = "vigie";

/// Bytes allowed for a message's headers above `max_envelope_bytes`.
const HEADER_ROOM: u32 = 4096;

/// How long [`init`] retries what a cluster answers while it settles.
const SETTLING: Duration = Duration::from_secs(30);

/// Whether an error is one a cluster gives while it settles (just started, a server
/// restarting, a leader election): no peers yet for a new stream's replicas, no JetStream
/// responder yet.
fn settling(error: &str) -> bool {
    [
        "no suitable peers",
        "no responders",
        "temporarily unavailable",
        "timed out",
    ]
    .iter()
    .any(|s| error.contains(s))
}

/// Runs `op` until it succeeds, fails otherwise than [`settling`], or [`SETTLING`] passed.
pub(crate) async fn while_settling<T, E, Fut>(mut op: impl FnMut() -> Fut) -> Result<T, E>
where
    E: std::fmt::Display,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let deadline = tokio::time::Instant::now() + SETTLING;
    let mut pause = Duration::from_millis(100);
    loop {
        match op().await {
            Err(e) if settling(&e.to_string()) && tokio::time::Instant::now() < deadline => {
                tracing::info!(error = %e, "NATS cluster settling; trying again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
            other => return other,
        }
    }
}

/// The settings of partition `p`'s stream.
pub(crate) fn stream_config(config: &NatsConfig, partition: u32) -> stream::Config {
    stream::Config {
        name: config.stream(partition),
        description: Some(format!(
            "vigie events, partition {partition} of {}",
            config.partitions
        )),
        subjects: vec![config.subject(partition)],
        // Records wait for every consumer (the WAL's rule): Interest retention over the
        // durable consumers `init` creates.
        retention: RetentionPolicy::Interest,
        // A full stream refuses new envelopes; it never drops stored ones.
        discard: DiscardPolicy::New,
        max_bytes: if config.max_stream_bytes == 0 {
            -1
        } else {
            i64::try_from(config.max_stream_bytes).unwrap_or(i64::MAX)
        },
        max_age: Duration::from_secs(config.max_age_hours * 3600),
        // The envelope plus its headers (message id, tenant, source, expected stream).
        max_message_size: i32::try_from(config.max_envelope_bytes + HEADER_ROOM)
            .unwrap_or(i32::MAX),
        storage: StorageType::File,
        num_replicas: config.replicas as usize,
        duplicate_window: config.duplicate_window(),
        allow_direct: true,
        ..Default::default()
    }
}

/// The settings of consumer `name` on any partition.
pub(crate) fn consumer_config(config: &NatsConfig, name: &str) -> consumer::pull::Config {
    consumer::pull::Config {
        durable_name: Some(name.to_owned()),
        description: Some(format!("vigie consumer {name}")),
        deliver_policy: DeliverPolicy::All,
        ack_policy: AckPolicy::Explicit,
        ack_wait: config.ack_wait(),
        // Redelivered as long as it takes: a record is never given up on.
        max_deliver: -1,
        max_ack_pending: config.max_ack_pending,
        priority_policy: PriorityPolicy::PinnedClient,
        priority_groups: vec![GROUP.to_owned()],
        priority_timeout: config.pin_timeout(),
        num_replicas: 0,
        ..Default::default()
    }
}

/// What [`init`] found and did for one stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamReport {
    /// The stream.
    pub name: String,
    /// `created`, `updated` or `unchanged`.
    pub action: &'static str,
    /// Replicas it has.
    pub replicas: usize,
    /// The server leading its Raft group, if known.
    pub leader: Option<String>,
    /// Messages (envelopes) it holds.
    pub messages: u64,
    /// Consumers created on it.
    pub consumers_created: Vec<String>,
}

/// What [`init`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitReport {
    /// One entry per partition.
    pub streams: Vec<StreamReport>,
    /// The key-value buckets beside them: the correlation state and the members.
    pub buckets: Vec<String>,
}

impl std::fmt::Display for InitReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for s in &self.streams {
            write!(
                f,
                "stream {}: {}, {} replica(s){}, leader {}, {} envelope(s)",
                s.name,
                s.action,
                s.replicas,
                if s.replicas < 3 {
                    " (not replicated: the loss of its server loses its data)"
                } else {
                    ""
                },
                s.leader.as_deref().unwrap_or("unknown"),
                s.messages,
            )?;
            if !s.consumers_created.is_empty() {
                write!(f, "; consumers created: {}", s.consumers_created.join(", "))?;
            }
            writeln!(f)?;
        }
        for bucket in &self.buckets {
            writeln!(f, "key-value bucket {bucket}: ready")?;
        }
        Ok(())
    }
}

/// Creates the event streams and their durable consumers, or brings existing ones to the
/// configured settings. Settings JetStream cannot change in place (retention, storage,
/// subjects) are an error naming the stream and the setting.
pub async fn init(
    client: &async_nats::Client,
    config: &NatsConfig,
) -> Result<InitReport, NatsError> {
    config.validate()?;
    let js = jetstream::new(client.clone());
    let mut streams = Vec::new();
    for partition in 0..config.partitions {
        streams.push(init_partition(&js, config, partition).await?);
    }
    // Made here so that processes starting together do not race to create them.
    state_bucket(&js, config).await?;
    crate::membership::open_bucket(&js, config).await?;
    let buckets = vec![
        state_bucket_name(config),
        crate::membership::bucket_name(config),
    ];
    Ok(InitReport { streams, buckets })
}

/// `<stream_prefix>_STATE`: the correlation state of each partition.
pub fn state_bucket_name(config: &NatsConfig) -> String {
    format!("{}_STATE", config.stream_prefix)
}

/// The correlation-state bucket, created when missing (file storage, the streams'
/// replicas, one revision kept).
pub async fn state_bucket(
    js: &Context,
    config: &NatsConfig,
) -> Result<async_nats::jetstream::kv::Store, NatsError> {
    let wanted = async_nats::jetstream::kv::Config {
        bucket: state_bucket_name(config),
        description: "vigie correlation state per partition".to_owned(),
        history: 1,
        num_replicas: config.replicas as usize,
        storage: StorageType::File,
        ..Default::default()
    };
    key_value(js, config, wanted).await
}

/// The key-value bucket `wanted.bucket`, created with `wanted` when missing. Two processes
/// may race to create it: the loser opens the winner's.
pub(crate) async fn key_value(
    js: &Context,
    config: &NatsConfig,
    wanted: async_nats::jetstream::kv::Config,
) -> Result<async_nats::jetstream::kv::Store, NatsError> {
    let bucket = wanted.bucket.clone();
    if let Ok(store) = js.get_key_value(&bucket).await {
        return Ok(store);
    }
    match while_settling(|| js.create_key_value(wanted.clone())).await {
        Ok(store) => Ok(store),
        Err(created) => js
            .get_key_value(&bucket)
            .await
            .map_err(|_| NatsError::Unavailable {
                address: config.addresses(),
                op: format!("creating key-value bucket {bucket}"),
                reason: created.to_string(),
            }),
    }
}

async fn init_partition(
    js: &Context,
    config: &NatsConfig,
    partition: u32,
) -> Result<StreamReport, NatsError> {
    let wanted = stream_config(config, partition);
    let name = wanted.name.clone();
    let unavailable = |op: String, e: &dyn std::fmt::Display| NatsError::Unavailable {
        address: config.addresses(),
        op,
        reason: e.to_string(),
    };
    let (mut stream, action) = match while_settling(|| js.get_stream(&name)).await {
        Ok(mut existing) => {
            let have = existing
                .info()
                .await
                .map_err(|e| unavailable(format!("reading stream {name}"), &e))?
                .config
                .clone();
            for (setting, same) in [
                ("retention", have.retention == wanted.retention),
                ("storage", have.storage == wanted.storage),
                ("subjects", have.subjects == wanted.subjects),
            ] {
                if !same {
                    return Err(NatsError::Layout {
                        stream: name,
                        reason: format!(
                            "its {setting} differs from vigie's and cannot be changed in \
                             place; move its data elsewhere or delete it, then run init again"
                        ),
                    });
                }
            }
            let differs = have.discard != wanted.discard
                || have.max_bytes != wanted.max_bytes
                || have.max_age != wanted.max_age
                || have.max_message_size != wanted.max_message_size
                || have.num_replicas != wanted.num_replicas
                || have.duplicate_window != wanted.duplicate_window
                || have.allow_direct != wanted.allow_direct;
            if differs {
                js.update_stream(wanted.clone())
                    .await
                    .map_err(|e| unavailable(format!("updating stream {name}"), &e))?;
                (existing, "updated")
            } else {
                (existing, "unchanged")
            }
        }
        Err(e)
            if matches!(
                e.kind(),
                jetstream::context::GetStreamErrorKind::JetStream(ref j)
                    if j.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND
            ) =>
        {
            let created = while_settling(|| js.create_stream(wanted.clone()))
                .await
                .map_err(|e| unavailable(format!("creating stream {name}"), &e))?;
            (created, "created")
        }
        Err(e) => return Err(unavailable(format!("looking up stream {name}"), &e)),
    };
    let mut consumers_created = Vec::new();
    for consumer in &config.consumers {
        let wanted = consumer_config(config, consumer);
        match stream
            .get_consumer::<consumer::pull::Config>(consumer)
            .await
        {
            Ok(mut existing) => {
                let have = existing
                    .info()
                    .await
                    .map_err(|e| unavailable(format!("reading consumer {consumer} of {name}"), &e))?
                    .config
                    .clone();
                if have.ack_wait != wanted.ack_wait
                    || have.max_ack_pending != wanted.max_ack_pending
                    || have.priority_timeout != wanted.priority_timeout
                    || have.priority_policy != wanted.priority_policy
                {
                    stream.update_consumer(wanted).await.map_err(|e| {
                        unavailable(format!("updating consumer {consumer} of {name}"), &e)
                    })?;
                }
            }
            Err(_) => {
                while_settling(|| stream.create_consumer(wanted.clone()))
                    .await
                    .map_err(|e| {
                        unavailable(format!("creating consumer {consumer} of {name}"), &e)
                    })?;
                consumers_created.push(consumer.clone());
            }
        }
    }
    let info = stream
        .info()
        .await
        .map_err(|e| unavailable(format!("reading stream {name}"), &e))?;
    Ok(StreamReport {
        name,
        action,
        replicas: info.config.num_replicas,
        leader: info.cluster.as_ref().and_then(|c| c.leader.clone()),
        messages: info.state.messages,
        consumers_created,
    })
}
