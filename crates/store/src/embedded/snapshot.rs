//! Copying the event store of a running server (online backup, `vigie backup`): from another
//! process, beside the server's writers.
//!
//! A partition is a tantivy index. Its writer commits by writing segment files, then
//! replacing `meta.json` atomically; after a commit or a merge, garbage collection deletes
//! the files no longer listed. Garbage collection takes the index's meta lock
//! (`.tantivy-meta.lock`, a file lock other processes see), as tantivy's readers do while
//! they open segments. [`open_committed`] does the same: under that lock it reads `meta.json`
//! and opens every file its segments consist of; once open, the files stay readable even if
//! a later collection unlinks them. A copy of `meta.json` and of those files is the partition
//! as of that commit, with the log offset it covers in the commit payload (so a replay of the
//! log from an earlier offset adds only what the commit lacks).

use std::fs::{self, File};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use tantivy::Index;
use tantivy::directory::{Directory, META_LOCK, MmapDirectory};

use super::CommitPayload;
use crate::StoreError;

/// The committed state of one partition, its files open.
#[derive(Debug)]
pub struct CommittedPartition {
    /// `meta.json` as read under the meta lock.
    pub meta_json: Vec<u8>,
    /// The files of its segments: name (relative to the partition) and open file, sorted by
    /// name.
    pub files: Vec<(String, File)>,
    /// The log offset of the commit payload: every event of the partition below it is in
    /// this commit. `None` for an index never committed by vigie.
    pub next_offset: Option<u64>,
}

/// The partitions of the store directory `dir` that hold a commit (a `meta.json`), as paths
/// relative to `dir` (`<tenant id>/<YYYY-MM-DD>`), sorted. A missing `dir` has none.
pub fn committed_partitions(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let mut found = Vec::new();
    let tenants = match fs::read_dir(dir) {
        Ok(tenants) => tenants,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(StoreError::io("cannot list", dir, e)),
    };
    for tenant in tenants {
        let tenant = tenant.map_err(|e| StoreError::io("cannot list", dir, e))?;
        let Some(name) = tenant.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if name.parse::<i64>().is_err() {
            continue;
        }
        let days = match fs::read_dir(tenant.path()) {
            Ok(days) => days,
            // Dropped by retention since the listing.
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => return Err(StoreError::io("cannot list", tenant.path(), e)),
        };
        for day in days.flatten() {
            let Some(day_name) = day.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if day_name.parse::<jiff::civil::Date>().is_err() {
                continue;
            }
            let meta = day.path().join("meta.json");
            match fs::metadata(&meta) {
                Ok(_) => found.push(Path::new(&name).join(day_name)),
                // Never committed, or dropped by retention since the listing.
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io("cannot read", meta, e)),
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Opens the committed state of the partition at `path` (see the [module docs](self)).
/// `Ok(None)` when the partition is gone (retention dropped it since it was listed).
pub fn open_committed(path: &Path) -> Result<Option<CommittedPartition>, StoreError> {
    // A commit between the two reads of `meta.json` starts over; commits are seconds apart.
    for _ in 0..100 {
        match open_once(path)? {
            Attempt::Gone => return Ok(None),
            Attempt::Committed(partition) => return Ok(Some(partition)),
            Attempt::Changed => continue,
        }
    }
    Err(StoreError::Corrupt {
        path: path.to_owned(),
        message: "meta.json changed during each of 100 attempts to read it with its files"
            .to_owned(),
    })
}

enum Attempt {
    Gone,
    Changed,
    Committed(CommittedPartition),
}

/// Whether `path` does not exist (another I/O error is an error).
fn gone(path: &Path) -> Result<bool, StoreError> {
    match fs::metadata(path) {
        Ok(_) => Ok(false),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(true),
        Err(e) => Err(StoreError::io("cannot read", path, e)),
    }
}

fn open_once(path: &Path) -> Result<Attempt, StoreError> {
    let meta_path = path.join("meta.json");
    if gone(&meta_path)? {
        return Ok(Attempt::Gone);
    }
    let directory = match MmapDirectory::open(path) {
        Ok(directory) => directory,
        Err(_) if gone(path)? => return Ok(Attempt::Gone),
        Err(e) => return Err(StoreError::index(path, e)),
    };
    let lock = match directory.acquire_lock(&META_LOCK) {
        Ok(lock) => lock,
        Err(_) if gone(path)? => return Ok(Attempt::Gone),
        Err(e) => return Err(StoreError::index(path, e)),
    };
    let meta_json = match fs::read(&meta_path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Attempt::Gone),
        Err(e) => return Err(StoreError::io("cannot read", &meta_path, e)),
    };
    let index = Index::open(directory).map_err(|e| StoreError::index(path, e))?;
    let metas = index.load_metas().map_err(|e| StoreError::index(path, e))?;
    // The writer may commit while the lock is held (only collection waits for it): the list
    // must come from the same `meta.json` as the bytes kept.
    let again = fs::read(&meta_path).map_err(|e| StoreError::io("cannot read", &meta_path, e))?;
    if again != meta_json {
        return Ok(Attempt::Changed);
    }
    let mut names: Vec<String> = metas
        .list_segment_files()
        .into_iter()
        .filter_map(|p| p.to_str().map(str::to_owned))
        .collect();
    names.sort();
    let mut files = Vec::with_capacity(names.len());
    for name in names {
        // Candidates that do not exist are not part of this commit (the delete bitset of a
        // segment without deletes): nothing is collected while the lock is held.
        match File::open(path.join(&name)) {
            Ok(file) => files.push((name, file)),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io("cannot open", path.join(&name), e)),
        }
    }
    drop(lock);
    let next_offset = match metas.payload.as_deref() {
        None => None,
        Some(text) => Some(
            serde_json::from_str::<CommitPayload>(text)
                .map_err(|e| StoreError::Corrupt {
                    path: path.to_owned(),
                    message: format!("commit payload {text:?}: {e}"),
                })?
                .next_offset,
        ),
    };
    Ok(Attempt::Committed(CommittedPartition {
        meta_json,
        files,
        next_offset,
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use vigie_access::Grant;

    use super::*;
    use crate::EventStore;
    use crate::embedded::{EmbeddedConfig, EmbeddedStore};
    use crate::model::ScanRequest;
    use crate::testsuite::{collect, event, logged, scope};

    #[tokio::test]
    async fn a_partition_copied_from_its_open_files_opens_with_every_event() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("store");
        let store = EmbeddedStore::open(EmbeddedConfig {
            dir: dir.clone(),
            ..EmbeddedConfig::default()
        })
        .unwrap();
        let events: Vec<_> = (0..80)
            .map(|i| event(1, "2026-11-20T08:00:00Z", json!({"n": i})))
            .collect();
        store.write(logged(&events[..50], 0)).await.unwrap();
        let partitions = committed_partitions(&dir).unwrap();
        assert_eq!(partitions.len(), 1);
        let opened = open_committed(&dir.join(&partitions[0])).unwrap().unwrap();
        assert_eq!(opened.next_offset, Some(50));
        // Writes after the files are open do not change the copy.
        store.write(logged(&events[50..], 50)).await.unwrap();
        let copy = tmp.path().join("copy");
        let target = copy.join(&partitions[0]);
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("meta.json"), &opened.meta_json).unwrap();
        for (name, mut file) in opened.files {
            let mut out = File::create(target.join(name)).unwrap();
            std::io::copy(&mut file, &mut out).unwrap();
        }
        let restored = EmbeddedStore::open(EmbeddedConfig {
            dir: copy,
            ..EmbeddedConfig::default()
        })
        .unwrap();
        let all = collect(&restored, &scope(Grant::Platform), ScanRequest::default()).await;
        assert_eq!(all.len(), 50);
        assert!(open_committed(&tmp.path().join("gone")).unwrap().is_none());
    }
}
