//! Cluster mode: the correlation state of each partition in a replicated NATS key-value
//! bucket (`<stream_prefix>_STATE`, key `correlation.p<N>`), so that the process taking a
//! partition over goes on with its correlation windows. Saves are compare-and-set on the
//! key's revision: a process that lost the partition cannot overwrite the new owner's state.

use async_nats::jetstream::{self, kv};
use bytes::Bytes;
use vigie_nats::NatsConfig;
use vigie_pipeline::correlate::{Snapshot, SnapshotError, SnapshotStore};

/// One partition's correlation state in the bucket.
pub(crate) struct KvSnapshots {
    kv: kv::Store,
    key: String,
    name: String,
}

impl KvSnapshots {
    /// The state of `partition`, in the bucket (made by `vigie cluster init`, or here when
    /// missing).
    pub(crate) async fn open(
        client: &async_nats::Client,
        nats: &NatsConfig,
        partition: u32,
    ) -> anyhow::Result<KvSnapshots> {
        let js = jetstream::new(client.clone());
        let bucket = vigie_nats::state_bucket_name(nats);
        let kv = vigie_nats::state_bucket(&js, nats).await?;
        let key = format!("correlation.p{partition}");
        Ok(KvSnapshots {
            name: format!("NATS key-value {bucket} key {key}"),
            kv,
            key,
        })
    }

    fn failed(&self, e: impl std::fmt::Display) -> SnapshotError {
        SnapshotError::Shared {
            store: self.name.clone(),
            message: e.to_string(),
        }
    }

    async fn current(&self) -> Result<Option<kv::Entry>, SnapshotError> {
        let entry = self.kv.entry(&self.key).await.map_err(|e| self.failed(e))?;
        Ok(entry.filter(|e| e.operation == kv::Operation::Put))
    }
}

#[async_trait::async_trait]
impl SnapshotStore for KvSnapshots {
    async fn load(&self) -> Result<Option<(Snapshot, u64)>, SnapshotError> {
        match self.current().await? {
            Some(entry) => Ok(Some((
                Snapshot::from_bytes(&entry.value, &self.name)?,
                entry.revision,
            ))),
            None => Ok(None),
        }
    }

    async fn save(&self, snapshot: Vec<u8>, expected: u64) -> Result<u64, SnapshotError> {
        let value = Bytes::from(snapshot);
        let conflict = |found: u64| SnapshotError::Conflict {
            store: self.name.clone(),
            expected,
            found,
        };
        if expected == 0 {
            return match self.kv.create(&self.key, value).await {
                Ok(revision) => Ok(revision),
                Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
                    Err(conflict(self.revision().await?))
                }
                Err(e) => Err(self.failed(e)),
            };
        }
        match self.kv.update(&self.key, value, expected).await {
            Ok(revision) => Ok(revision),
            Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => {
                Err(conflict(self.revision().await?))
            }
            Err(e) => Err(self.failed(format!(
                "{e} (a state larger than the servers' max_payload cannot be saved: raise it)"
            ))),
        }
    }

    async fn revision(&self) -> Result<u64, SnapshotError> {
        Ok(self.current().await?.map_or(0, |e| e.revision))
    }

    fn shared(&self) -> bool {
        true
    }
}
