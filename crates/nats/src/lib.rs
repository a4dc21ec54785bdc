//! vigie-nats: the event log of cluster mode on NATS JetStream.
//!
//! [`JetStreamLog`] implements [`vigie_log::Log`] over `partitions` streams
//! (`VIGIE_EVENTS_0` ... `VIGIE_EVENTS_<n-1>`, one subject each), created with explicit
//! settings by [`init`] (`vigie cluster init`): file storage, 3 replicas (1 allowed and
//! reported), Interest retention (a record stays until every configured consumer committed
//! it), DiscardNew when a size limit is set (a full stream refuses, it never drops), a
//! duplicate window, direct gets allowed.
//!
//! - **Append**: the records of one tenant and source go to `PartitionKey::partition` of the
//!   partition count, in envelopes of up to `max_envelope_bytes` ([`envelope`]), each
//!   published with a `Nats-Msg-Id` derived from its content and acknowledged only once the
//!   stream's publish acknowledgement came back (the caller then acknowledges its sender).
//! - **Read**: one durable pull consumer per configured consumer on each stream, explicit
//!   acks, `max_ack_pending`, and the PinnedClient priority policy: of all readers of one
//!   consumer and partition, the server hands messages to one at a time; when it stops
//!   pulling (its process died), another is pinned after `pin_timeout_seconds` and the
//!   unacknowledged envelopes come again after `ack_wait_seconds`. A record's position is
//!   `stream sequence << 16 | index in its envelope`.
//! - **Balance**: the detecting processes register in a key-value bucket and spread the
//!   partitions among themselves by rendezvous hashing ([`membership`]); a reader pulls only
//!   while its process owns the partition, so adding a process adds detection capacity.
//! - **Commit**: acknowledges (and waits for the server's confirmation of) each envelope
//!   whose records are all below the committed position.
//!
//! Errors name the engine and the servers' addresses, never a credential.

#![deny(missing_docs)]

pub mod config;
mod connect;
mod envelope;
mod layout;
mod log;
pub mod membership;
mod reader;
pub mod rules;
#[cfg(feature = "testing")]
pub mod testing;

pub use crate::config::NatsConfig;
pub use crate::connect::connect;
pub use crate::layout::{InitReport, StreamReport, init, state_bucket, state_bucket_name};
pub use crate::log::JetStreamLog;
pub use crate::membership::{Assignment, Membership};

/// The engine's name in errors and metrics.
pub const ENGINE: &str = "NATS JetStream";

/// What can go wrong outside the log operations themselves.
#[derive(Debug, thiserror::Error)]
pub enum NatsError {
    /// A configuration value is out of range.
    #[error("invalid [cluster.nats] configuration: {field} = {value}: {reason}")]
    Config {
        /// The field.
        field: &'static str,
        /// Its value (never a credential).
        value: String,
        /// What is allowed.
        reason: &'static str,
    },
    /// A credentials file could not be read.
    #[error("cannot read the NATS {what} file {path}: {reason}")]
    Credentials {
        /// Which file (password, token, credentials, CA).
        what: &'static str,
        /// Its path.
        path: std::path::PathBuf,
        /// The error.
        reason: String,
    },
    /// The servers could not be reached or refused a request.
    #[error("NATS JetStream at {address}: {op} failed: {reason}")]
    Unavailable {
        /// The servers' addresses (no credentials).
        address: String,
        /// What was being done.
        op: String,
        /// The error.
        reason: String,
    },
    /// A stream or consumer exists with settings vigie cannot change in place.
    #[error("NATS JetStream stream {stream}: {reason}")]
    Layout {
        /// The stream (and consumer, if one).
        stream: String,
        /// What differs and what to do.
        reason: String,
    },
}

impl From<NatsError> for vigie_log::LogError {
    fn from(error: NatsError) -> Self {
        match error {
            NatsError::Unavailable {
                address,
                op,
                reason,
            } => vigie_log::LogError::Unavailable {
                engine: ENGINE,
                address,
                op,
                reason,
            },
            other => vigie_log::LogError::Unavailable {
                engine: ENGINE,
                address: String::new(),
                op: "setting up".to_owned(),
                reason: other.to_string(),
            },
        }
    }
}
