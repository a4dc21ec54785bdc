//! Which process works which partition: the live detecting processes in a key-value bucket,
//! and the partitions spread over them by rendezvous hashing.
//!
//! JetStream's PinnedClient policy guarantees one reader per partition at a time, but it pins
//! whichever reader pulls first: without more, the first process to start holds every
//! partition and the others wait on standby. So each detecting process:
//!
//! - writes its key `member.<node>` into bucket `<stream_prefix>_MEMBERS` every
//!   [`HEARTBEAT`]; the bucket's `max_age` ([`LIVENESS`]) removes the key of a process that
//!   stopped writing (killed, cut off), server-side, so no clock of any node matters;
//! - reads the bucket's keys every heartbeat: that is the member set;
//! - owns partition `p` when its node name has the highest score `SHA-256(node, 0x1f, p)`
//!   among the members ([`owner`]): every process computes the same owners from the same
//!   member set, a member joining or leaving moves only the partitions it wins or held, and
//!   the function is pinned by a test so nodes of two versions agree.
//!
//! A reader of a balanced consumer pulls only while its process owns the partition; when it
//! stops owning it, it finishes the records it holds, stops pulling and unpins at once, so
//! the new owner is pinned without waiting for the pin timeout. Views of the member set may
//! differ for a heartbeat; then two readers pull and the server still pins only one of them,
//! so balancing never weakens the one-reader guarantee, it only chooses the reader.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_nats::jetstream::{self, kv};
use bytes::Bytes;
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};

use crate::{NatsConfig, NatsError};

/// How often a process writes its key and reads the member set.
pub const HEARTBEAT: Duration = Duration::from_secs(1);

/// How long a key lives without being written again (the bucket's `max_age`): a process
/// that stops writing is no longer a member after this.
pub const LIVENESS: Duration = Duration::from_secs(5);

/// The prefix of member keys.
const KEY_PREFIX: &str = "member.";

/// The settings of the member bucket (created by [`crate::init`], or by the first process
/// that joins).
pub(crate) fn bucket_config(config: &NatsConfig) -> kv::Config {
    kv::Config {
        bucket: bucket_name(config),
        description: "vigie detecting processes (one key each, expiring)".to_owned(),
        history: 1,
        max_age: LIVENESS,
        // Nothing to keep across a restart of every server: members write again within a
        // heartbeat.
        storage: jetstream::stream::StorageType::Memory,
        num_replicas: config.replicas as usize,
        ..Default::default()
    }
}

/// `<stream_prefix>_MEMBERS`.
pub(crate) fn bucket_name(config: &NatsConfig) -> String {
    format!("{}_MEMBERS", config.stream_prefix)
}

/// The score of `node` for `partition`: the first 8 bytes of SHA-256 over the node name, a
/// 0x1f separator and the partition number (little-endian).
fn score(node: &str, partition: u32) -> u64 {
    let mut hash = Sha256::new();
    hash.update(node.as_bytes());
    hash.update([0x1f]);
    hash.update(partition.to_le_bytes());
    let digest = hash.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// The owner of `partition` among `members`: the highest score (ties, which SHA-256 makes
/// theoretical, go to the smaller name). `None` without members.
pub fn owner(members: &[String], partition: u32) -> Option<&str> {
    members
        .iter()
        .max_by(|a, b| {
            score(a, partition)
                .cmp(&score(b, partition))
                .then_with(|| b.cmp(a))
        })
        .map(String::as_str)
}

struct Shared {
    node: String,
    /// The member set last read, sorted; `None` before the first read.
    members: RwLock<Option<Vec<String>>>,
    /// Bumped at every change of the member set.
    generation: tokio::sync::watch::Sender<u64>,
}

/// What this process owns, as the membership task last saw it. Cheap to clone.
#[derive(Clone)]
pub struct Assignment {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Assignment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assignment")
            .field("node", &self.shared.node)
            .field("members", &self.members())
            .finish()
    }
}

impl Assignment {
    /// This process's node name.
    pub fn node(&self) -> &str {
        &self.shared.node
    }

    /// The member set last read (sorted); empty before the first read.
    pub fn members(&self) -> Vec<String> {
        self.shared
            .members
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .unwrap_or_default()
    }

    /// Whether this process owns `partition` now. `false` until the member set was read.
    pub fn owns(&self, partition: u32) -> bool {
        let members = self
            .shared
            .members
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        members
            .as_deref()
            .and_then(|m| owner(m, partition))
            .is_some_and(|o| o == self.shared.node)
    }

    /// The partitions of `0..partitions` this process owns now.
    pub fn owned(&self, partitions: u32) -> Vec<u32> {
        (0..partitions).filter(|p| self.owns(*p)).collect()
    }

    /// Waits until the member set changes, at most `wait`.
    pub async fn changed_within(&self, wait: Duration) {
        let mut rx = self.shared.generation.subscribe();
        let _ = tokio::time::timeout(wait, rx.changed()).await;
    }

    fn set_members(&self, members: Vec<String>) -> bool {
        let mut current = self
            .shared
            .members
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if current.as_ref() == Some(&members) {
            return false;
        }
        *current = Some(members);
        drop(current);
        self.shared.generation.send_modify(|g| *g += 1);
        true
    }
}

/// This process's membership: its heartbeat task and its [`Assignment`].
pub struct Membership {
    assignment: Assignment,
    kv: kv::Store,
    key: String,
    /// The NATS servers, for errors.
    address: String,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Membership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Membership")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// The member bucket, created with [`bucket_config`] when missing.
pub(crate) async fn open_bucket(
    js: &jetstream::Context,
    config: &NatsConfig,
) -> Result<kv::Store, NatsError> {
    crate::layout::key_value(js, config, bucket_config(config)).await
}

/// Reads the member set: every key of the bucket, names sorted.
async fn read_members(kv: &kv::Store) -> Result<Vec<String>, String> {
    let keys = kv.keys().await.map_err(|e| e.to_string())?;
    let mut members: Vec<String> = keys
        .try_filter_map(|key| async move { Ok(key.strip_prefix(KEY_PREFIX).map(str::to_owned)) })
        .try_collect()
        .await
        .map_err(|e| e.to_string())?;
    members.sort();
    members.dedup();
    Ok(members)
}

/// The detecting processes alive now (their keys in the member bucket), names sorted; for
/// `vigie cluster status`.
pub async fn members(
    client: &async_nats::Client,
    config: &NatsConfig,
) -> Result<Vec<String>, NatsError> {
    let js = jetstream::new(client.clone());
    let kv = open_bucket(&js, config).await?;
    read_members(&kv)
        .await
        .map_err(|reason| NatsError::Unavailable {
            address: config.addresses(),
            op: format!("reading key-value bucket {}", bucket_name(config)),
            reason,
        })
}

impl Membership {
    /// Joins as `node` (unique per process: the name of the machine and the process id are
    /// a good start): writes its key, reads the member set once, then keeps both up to date
    /// every [`HEARTBEAT`] until [`Membership::leave`] or drop. `partitions` only names what
    /// this process owns in its log lines and metrics.
    pub async fn join(
        client: &async_nats::Client,
        config: &NatsConfig,
        node: String,
        partitions: u32,
    ) -> Result<Self, NatsError> {
        let js = jetstream::new(client.clone());
        let kv = open_bucket(&js, config).await?;
        let key = format!("{KEY_PREFIX}{node}");
        let (generation, _) = tokio::sync::watch::channel(0);
        let assignment = Assignment {
            shared: Arc::new(Shared {
                node: node.clone(),
                members: RwLock::new(None),
                generation,
            }),
        };
        let unavailable = |op: &str, e: String| NatsError::Unavailable {
            address: config.addresses(),
            op: format!("{op} key-value bucket {}", bucket_name(config)),
            reason: e,
        };
        kv.put(&key, Bytes::from(node.clone()))
            .await
            .map_err(|e| unavailable("joining", e.to_string()))?;
        let members = read_members(&kv)
            .await
            .map_err(|e| unavailable("reading", e))?;
        assignment.set_members(members);
        report(&assignment, partitions);
        let task = {
            let kv = kv.clone();
            let key = key.clone();
            let assignment = assignment.clone();
            tokio::spawn(async move {
                let mut failing = false;
                loop {
                    tokio::time::sleep(HEARTBEAT).await;
                    let beat = kv
                        .put(&key, Bytes::from(assignment.node().to_owned()))
                        .await;
                    let read = match beat {
                        Ok(_) => read_members(&kv).await,
                        Err(e) => Err(e.to_string()),
                    };
                    match read {
                        Ok(members) => {
                            if failing {
                                tracing::info!("partition membership reachable again");
                                failing = false;
                            }
                            if assignment.set_members(members) {
                                report(&assignment, partitions);
                            }
                        }
                        Err(reason) if !failing => {
                            // Keep the last view: the server's pin still allows one reader
                            // per partition; others take this process's partitions once its
                            // key expires.
                            tracing::warn!(%reason, "cannot refresh the partition membership");
                            failing = true;
                        }
                        Err(_) => {}
                    }
                }
            })
        };
        Ok(Self {
            assignment,
            kv,
            key,
            address: config.addresses(),
            task,
        })
    }

    /// What this process owns.
    pub fn assignment(&self) -> Assignment {
        self.assignment.clone()
    }

    /// Stops the heartbeat, owns nothing from now on (its readers finish what they hold and
    /// unpin), and deletes this process's key, so the others take its partitions at their
    /// next heartbeat rather than after [`LIVENESS`].
    pub async fn leave(self) -> Result<(), NatsError> {
        self.task.abort();
        self.assignment.set_members(Vec::new());
        self.kv
            .delete(&self.key)
            .await
            .map_err(|e| NatsError::Unavailable {
                address: self.address.clone(),
                op: format!("leaving (deleting key {})", self.key),
                reason: e.to_string(),
            })
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Logs and counts what this process owns after a change of the member set.
fn report(assignment: &Assignment, partitions: u32) {
    let members = assignment.members();
    let owned = assignment.owned(partitions);
    metrics::gauge!("vigie_cluster_members").set(members.len() as f64);
    metrics::gauge!("vigie_cluster_partitions_owned").set(owned.len() as f64);
    tracing::info!(
        node = assignment.node(),
        members = %members.join(","),
        owned = ?owned,
        "partition owners changed"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| (*s).to_owned()).collect()
    }

    /// The owner function is part of the wire contract between versions.
    #[test]
    fn owners_are_pinned() {
        let members = names(&["node-a", "node-b", "node-c"]);
        let owners: Vec<&str> = (0..8).map(|p| owner(&members, p).unwrap()).collect();
        assert_eq!(
            owners,
            [
                "node-c", "node-c", "node-b", "node-b", "node-a", "node-c", "node-a", "node-a"
            ]
        );
        assert_eq!(owner(&[], 0), None);
    }

    /// A member leaving moves only its own partitions; one joining takes only those it wins.
    #[test]
    fn changes_move_only_what_they_must() {
        let three = names(&["node-a", "node-b", "node-c"]);
        let two = names(&["node-a", "node-b"]);
        for p in 0..64 {
            let before = owner(&three, p).unwrap();
            let after = owner(&two, p).unwrap();
            if before != "node-c" {
                assert_eq!(before, after, "partition {p} moved without reason");
            }
        }
        let spread: std::collections::BTreeSet<&str> =
            (0..64).map(|p| owner(&three, p).unwrap()).collect();
        assert_eq!(spread.len(), 3);
    }
}
