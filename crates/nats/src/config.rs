//! The NATS part of the `[cluster]` configuration: where the servers are, how to log in, and
//! the explicit settings of the event streams and their consumers.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::NatsError;

/// How vigie reaches NATS and lays out its streams. Every field has a default but `urls`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NatsConfig {
    /// Server URLs, e.g. `["nats://10.0.0.1:4222", "nats://10.0.0.2:4222"]`. The client
    /// reconnects to any of them.
    pub urls: Vec<String>,
    /// User name for user/password authentication.
    pub user: Option<String>,
    /// File holding the password (first line). The environment variable
    /// `VIGIE_NATS_PASSWORD` wins over it. Never printed.
    pub password_file: Option<PathBuf>,
    /// File holding a token (first line); `VIGIE_NATS_TOKEN` wins over it. Never printed.
    pub token_file: Option<PathBuf>,
    /// A NATS credentials file (JWT + NKey seed), for decentralised authentication.
    pub credentials_file: Option<PathBuf>,
    /// A CA certificate file (PEM) to verify the servers' TLS certificates; setting it
    /// requires TLS.
    pub tls_ca: Option<PathBuf>,
    /// Name prefix of the event streams: partition `p` is stream `<prefix>_<p>`.
    pub stream_prefix: String,
    /// Subject prefix: partition `p` is subject `<prefix>.<p>`.
    pub subject_prefix: String,
    /// Number of partitions, one stream each (spread over the servers, so no one Raft
    /// leader carries every write). Fixed once streams hold data: records of a key go to
    /// `PartitionKey::partition` of this number.
    pub partitions: u32,
    /// Replicas of each stream: 3 on a 3-server cluster (survives the loss of one server);
    /// 1 is allowed and reported as unreplicated.
    pub replicas: u32,
    /// Consumers that hold records until they committed them (Interest retention): the
    /// detection pipeline (`detect`). Every consumer named here must run somewhere, or the
    /// streams fill up.
    pub consumers: Vec<String>,
    /// Window in which a republished envelope with the same `Nats-Msg-Id` is stored once
    /// (covers a sender's retry horizon).
    pub duplicate_window_seconds: u64,
    /// Largest envelope (a message of many records of one tenant and source). Must not
    /// exceed the servers' `max_payload`.
    pub max_envelope_bytes: u32,
    /// Largest size of one stream; a full stream refuses appends (DiscardNew: the sender is
    /// refused, nothing stored is dropped). 0: no limit.
    pub max_stream_bytes: u64,
    /// Oldest record kept even if a consumer has not committed it. 0: no limit (the
    /// default: records wait for every consumer).
    pub max_age_hours: u64,
    /// A record handed to a reader and not committed within this time is handed out again.
    pub ack_wait_seconds: u64,
    /// Most envelopes handed out and not committed per consumer and partition.
    pub max_ack_pending: i64,
    /// A partition's reader that stops pulling loses the partition to a standby reader after
    /// this time.
    pub pin_timeout_seconds: u64,
    /// How long an append waits for the stream's acknowledgement.
    pub publish_timeout_seconds: u64,
    /// How long connecting waits before naming the servers it could not reach.
    pub connect_timeout_seconds: u64,
}

impl Default for NatsConfig {
    fn default() -> Self {
        Self {
            urls: Vec::new(),
            user: None,
            password_file: None,
            token_file: None,
            credentials_file: None,
            tls_ca: None,
            stream_prefix: "VIGIE_EVENTS".to_owned(),
            subject_prefix: "vigie.events".to_owned(),
            partitions: 8,
            replicas: 3,
            consumers: vec!["detect".to_owned()],
            duplicate_window_seconds: 15 * 60,
            max_envelope_bytes: 1024 * 1024,
            max_stream_bytes: 0,
            max_age_hours: 0,
            ack_wait_seconds: 30,
            max_ack_pending: 1024,
            pin_timeout_seconds: 5,
            publish_timeout_seconds: 10,
            connect_timeout_seconds: 5,
        }
    }
}

/// Never prints credentials: only whether each kind is set.
impl std::fmt::Debug for NatsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsConfig")
            .field("urls", &self.addresses())
            .field("user", &self.user.as_ref().map(|_| "<set>"))
            .field("password_file", &self.password_file)
            .field("token_file", &self.token_file)
            .field("credentials_file", &self.credentials_file)
            .field("tls_ca", &self.tls_ca)
            .field("stream_prefix", &self.stream_prefix)
            .field("partitions", &self.partitions)
            .field("replicas", &self.replicas)
            .field("consumers", &self.consumers)
            .finish_non_exhaustive()
    }
}

/// Largest envelope accepted (NATS recommends payloads of at most 8 MiB).
pub const MAX_ENVELOPE_BYTES: u32 = 8 * 1024 * 1024;
/// Most partitions (each is a stream with its Raft group).
pub const MAX_PARTITIONS: u32 = 1024;

impl NatsConfig {
    /// Checks every value; the error names the field and the value.
    pub fn validate(&self) -> Result<(), NatsError> {
        let bad = |field: &'static str, value: String, reason: &'static str| {
            Err(NatsError::Config {
                field,
                value,
                reason,
            })
        };
        if self.urls.is_empty() {
            return bad("urls", "[]".to_owned(), "at least one server URL is needed");
        }
        for url in &self.urls {
            if url.parse::<async_nats::ServerAddr>().is_err() {
                return bad("urls", redact_url(url), "not a NATS server URL");
            }
        }
        if !(1..=MAX_PARTITIONS).contains(&self.partitions) {
            return bad(
                "partitions",
                self.partitions.to_string(),
                "must be 1 to 1024",
            );
        }
        if ![1, 3, 5].contains(&self.replicas) {
            return bad("replicas", self.replicas.to_string(), "must be 1, 3 or 5");
        }
        if self.consumers.is_empty() {
            return bad("consumers", "[]".to_owned(), "at least one consumer");
        }
        for name in &self.consumers {
            if !is_name(name) {
                return bad(
                    "consumers",
                    name.clone(),
                    "letters, digits, - and _ only, 1 to 64 bytes",
                );
            }
        }
        if !is_name(&self.stream_prefix) {
            return bad(
                "stream_prefix",
                self.stream_prefix.clone(),
                "letters, digits, - and _ only, 1 to 64 bytes",
            );
        }
        if self.subject_prefix.is_empty()
            || self.subject_prefix.split('.').any(|t| {
                t.is_empty()
                    || !t
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
        {
            return bad(
                "subject_prefix",
                self.subject_prefix.clone(),
                "dot-separated tokens of letters, digits, - and _",
            );
        }
        if !(1024..=MAX_ENVELOPE_BYTES).contains(&self.max_envelope_bytes) {
            return bad(
                "max_envelope_bytes",
                self.max_envelope_bytes.to_string(),
                "must be 1024 to 8388608",
            );
        }
        if self.duplicate_window_seconds == 0 {
            return bad(
                "duplicate_window_seconds",
                "0".to_owned(),
                "must be at least 1",
            );
        }
        if self.ack_wait_seconds == 0 || self.pin_timeout_seconds == 0 {
            return bad(
                "ack_wait_seconds / pin_timeout_seconds",
                format!("{} / {}", self.ack_wait_seconds, self.pin_timeout_seconds),
                "must be at least 1",
            );
        }
        if self.max_ack_pending < 1 {
            return bad(
                "max_ack_pending",
                self.max_ack_pending.to_string(),
                "must be at least 1",
            );
        }
        if self.password_file.is_some() && self.user.is_none() {
            return bad(
                "password_file",
                "<set>".to_owned(),
                "a password needs `user`",
            );
        }
        Ok(())
    }

    /// The servers' addresses without any user or password, for messages.
    pub fn addresses(&self) -> String {
        self.urls
            .iter()
            .map(|u| redact_url(u))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Stream of partition `p`.
    pub fn stream(&self, partition: u32) -> String {
        format!("{}_{partition}", self.stream_prefix)
    }

    /// Subject of partition `p`.
    pub fn subject(&self, partition: u32) -> String {
        format!("{}.{partition}", self.subject_prefix)
    }

    pub(crate) fn duplicate_window(&self) -> Duration {
        Duration::from_secs(self.duplicate_window_seconds)
    }
    pub(crate) fn ack_wait(&self) -> Duration {
        Duration::from_secs(self.ack_wait_seconds)
    }
    pub(crate) fn pin_timeout(&self) -> Duration {
        Duration::from_secs(self.pin_timeout_seconds)
    }
    pub(crate) fn publish_timeout(&self) -> Duration {
        Duration::from_secs(self.publish_timeout_seconds.max(1))
    }
    pub(crate) fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_seconds.max(1))
    }
}

/// A URL with any `user:password@` part removed.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}{}", &url[..scheme + 3], &url[at + 1..])
        }
        (None, Some(at)) => url[at + 1..].to_owned(),
        _ => url.to_owned(),
    }
}

fn is_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> NatsConfig {
        NatsConfig {
            urls: vec!["nats://127.0.0.1:4222".to_owned()],
            ..NatsConfig::default()
        }
    }

    #[test]
    fn urls_never_show_credentials() {
        assert_eq!(
            redact_url("nats://vigie:s3cret@10.0.0.1:4222"),
            "nats://10.0.0.1:4222"
        );
        assert_eq!(redact_url("tok@10.0.0.1:4222"), "10.0.0.1:4222");
        assert_eq!(redact_url("nats://10.0.0.1:4222"), "nats://10.0.0.1:4222");
        let config = NatsConfig {
            urls: vec!["nats://vigie:s3cret@10.0.0.1:4222".to_owned()],
            user: Some("vigie".to_owned()),
            ..valid()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("10.0.0.1:4222"), "{shown}");
    }

    #[test]
    fn bad_values_are_named() {
        assert!(valid().validate().is_ok());
        let cases = [
            (
                NatsConfig {
                    urls: vec![],
                    ..valid()
                },
                "urls",
            ),
            (
                NatsConfig {
                    partitions: 0,
                    ..valid()
                },
                "partitions",
            ),
            (
                NatsConfig {
                    replicas: 2,
                    ..valid()
                },
                "replicas",
            ),
            (
                NatsConfig {
                    consumers: vec!["a.b".to_owned()],
                    ..valid()
                },
                "a.b",
            ),
            (
                NatsConfig {
                    subject_prefix: "a..b".to_owned(),
                    ..valid()
                },
                "subject_prefix",
            ),
            (
                NatsConfig {
                    max_envelope_bytes: 10,
                    ..valid()
                },
                "max_envelope_bytes",
            ),
            (
                NatsConfig {
                    max_ack_pending: 0,
                    ..valid()
                },
                "max_ack_pending",
            ),
        ];
        for (config, named) in cases {
            let error = config.validate().expect_err(named).to_string();
            assert!(error.contains(named), "{error}");
        }
    }
}
