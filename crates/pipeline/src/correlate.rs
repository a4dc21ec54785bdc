//! Correlation on the stream: the engine's state saved with the pipeline's log position,
//! and correlation hits turned into alerts.
//!
//! The state file (`<data dir>/correlation-state.json`) holds the state after every record
//! below `offset` was applied. It is written (temp file, fsync, rename, directory fsync)
//! before the pipeline commits its log position, so after a crash `offset` ≥ the committed
//! position: records replayed below `offset` still run base detection (idempotent alert
//! ids) but are not fed to the correlations again, so a window is neither lost nor fired
//! twice.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::Digest;
use vigie_detect::correlation::{CorrelationHit, CorrelationState};
use vigie_event::EventId;
use vigie_log::Offset;
use vigie_soc::NewAlert;

/// The saved state and the log offset it corresponds to.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Snapshot {
    /// Every record below this offset has been applied to `state`.
    pub offset: Offset,
    /// The engine state.
    pub state: CorrelationState,
}

/// Why the state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// I/O on the file.
    #[error("correlation state {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not a state file of this version.
    #[error("correlation state {path} is unreadable: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The shared store (cluster mode) failed or refused; names the engine, never a
    /// credential.
    #[error("correlation state in {store}: {message}")]
    Shared {
        /// The store, e.g. "NATS key-value VIGIE_EVENTS_STATE key correlation.p3".
        store: String,
        /// What went wrong.
        message: String,
    },
    /// Another process saved the shared state since this one last read it (the partition
    /// moved): this process reads it again before going on.
    #[error(
        "correlation state in {store} was saved by another process (revision {found}, expected {expected})"
    )]
    Conflict {
        /// The store.
        store: String,
        /// The revision this process expected.
        expected: u64,
        /// The revision found.
        found: u64,
    },
}

/// Where a pipeline's correlation state is kept: a file of the data directory, or (cluster
/// mode) a shared store so that another process taking the partition over goes on from it.
/// Revisions order the saves of a shared store; a local file has none (always 0).
#[async_trait::async_trait]
pub trait SnapshotStore: Send + Sync {
    /// The saved state and its revision; `None` when nothing was saved yet.
    async fn load(&self) -> Result<Option<(Snapshot, u64)>, SnapshotError>;
    /// Saves `snapshot` if the store is still at revision `expected` (0: nothing saved yet)
    /// and returns the new revision; [`SnapshotError::Conflict`] when another process saved
    /// since.
    async fn save(&self, snapshot: Vec<u8>, expected: u64) -> Result<u64, SnapshotError>;
    /// The revision now in the store (0: none). A local file always answers 0.
    async fn revision(&self) -> Result<u64, SnapshotError>;
    /// Whether other processes write this store too.
    fn shared(&self) -> bool;
}

/// The local state file (`<data dir>/correlation-state.json`).
pub struct FileSnapshots {
    /// The file.
    pub path: PathBuf,
}

#[async_trait::async_trait]
impl SnapshotStore for FileSnapshots {
    async fn load(&self) -> Result<Option<(Snapshot, u64)>, SnapshotError> {
        Snapshot::load(&self.path).map(|s| Some((s, 0)))
    }

    async fn save(&self, snapshot: Vec<u8>, _expected: u64) -> Result<u64, SnapshotError> {
        write_durably(&self.path, &snapshot).map(|()| 0)
    }

    async fn revision(&self) -> Result<u64, SnapshotError> {
        Ok(0)
    }

    fn shared(&self) -> bool {
        false
    }
}

impl Snapshot {
    /// Reads the state file; a missing file is an empty state at offset 0.
    pub fn load(path: &Path) -> Result<Self, SnapshotError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| SnapshotError::Corrupt {
                path: path.to_owned(),
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Snapshot::default()),
            Err(source) => Err(SnapshotError::Io {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Writes the state file durably.
    pub fn save(&self, path: &Path) -> Result<(), SnapshotError> {
        let bytes = serde_json::to_vec(self).map_err(|e| SnapshotError::Corrupt {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        write_durably(path, &bytes)
    }

    /// The JSON form a [`SnapshotStore`] keeps.
    pub fn to_bytes(&self) -> Vec<u8> {
        // A state of maps of strings and numbers always serialises.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads the JSON form; `what` names where it came from in the error.
    pub fn from_bytes(bytes: &[u8], what: &str) -> Result<Self, SnapshotError> {
        serde_json::from_slice(bytes).map_err(|e| SnapshotError::Corrupt {
            path: PathBuf::from(what),
            message: e.to_string(),
        })
    }
}

/// Temp file, fsync, rename, directory fsync.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), SnapshotError> {
    let io = |source| SnapshotError::Io {
        path: path.to_owned(),
        source,
    };
    let temp = path.with_extension("json.tmp");
    let mut file = std::fs::File::create(&temp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_data().map_err(io)?;
    std::fs::rename(&temp, path).map_err(io)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
    }
    Ok(())
}

/// The alert of a correlation hit. Its event id is derived from the hit's identity (rule,
/// tenant, group, first and last contributing events), so a replay gives the same alert id.
pub fn alert_of(hit: &CorrelationHit, received_at: jiff::Timestamp) -> NewAlert {
    let digest = sha2::Sha256::digest(hit.identity().as_bytes());
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    let group: serde_json::Map<String, serde_json::Value> = hit
        .group
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    NewAlert {
        tenant: hit.tenant,
        rule_id: hit.rule_id.clone(),
        rule_title: hit.title.clone(),
        severity: hit.level,
        event_id: EventId(u128::from_be_bytes(id)),
        event_received_at: received_at,
        event: serde_json::json!({
            "correlation": {
                "group": group,
                "window_start": hit.window_start,
                "window_end": hit.window_end,
                "events": hit.events,
                "total_events": hit.total_events,
                "measure": hit.measure,
                "value": hit.value,
            }
        }),
        // The group-by values: the same group firing again within the dedup window folds
        // into this alert (a rule without group-by has no key and never folds).
        group_key: (!hit.group.is_empty()).then(|| {
            vigie_soc::alert::group_key_of(hit.group.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_round_trip_and_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("correlation-state.json");
        let empty = Snapshot::load(&path).unwrap();
        assert_eq!(empty.offset, 0);
        Snapshot {
            offset: 42,
            state: CorrelationState::default(),
        }
        .save(&path)
        .unwrap();
        assert_eq!(Snapshot::load(&path).unwrap().offset, 42);
        std::fs::write(&path, b"{not json").unwrap();
        let error = Snapshot::load(&path).unwrap_err().to_string();
        assert!(error.contains("correlation-state.json"), "{error}");
    }
}
