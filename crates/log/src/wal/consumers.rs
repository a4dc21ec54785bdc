//! Consumer offsets, persisted in `consumers.json` (temp file, fsync, rename, dir fsync).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::segment::sync_dir;
use crate::{LogError, Offset};

pub(crate) const FILE_NAME: &str = "consumers.json";
const TMP_NAME: &str = "consumers.json.tmp";
const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsumerFile {
    version: u32,
    consumers: BTreeMap<String, Offset>,
}

/// Loads the committed offsets (empty if the file does not exist yet).
pub(crate) fn load(dir: &Path) -> Result<BTreeMap<String, Offset>, LogError> {
    let path = dir.join(FILE_NAME);
    let text = match fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(LogError::io("reading", path, e)),
    };
    let file: ConsumerFile =
        serde_json::from_slice(&text).map_err(|e| LogError::BadConsumerState {
            path: path.clone(),
            reason: e.to_string(),
        })?;
    if file.version != FORMAT_VERSION {
        return Err(LogError::BadConsumerState {
            path,
            reason: format!(
                "format version {}, this build reads version {FORMAT_VERSION}",
                file.version
            ),
        });
    }
    Ok(file.consumers)
}

/// Replaces the file atomically and durably with `consumers`. Returns the fsyncs made.
pub(crate) fn store(dir: &Path, consumers: &BTreeMap<String, Offset>) -> Result<u64, LogError> {
    let tmp: PathBuf = dir.join(TMP_NAME);
    let path = dir.join(FILE_NAME);
    let body = serde_json::to_vec(&ConsumerFile {
        version: FORMAT_VERSION,
        consumers: consumers.clone(),
    })
    .expect("a map of strings to integers serializes");
    let mut f = File::create(&tmp).map_err(|e| LogError::io("creating", &tmp, e))?;
    fail::fail_point!("wal::commit::before_write");
    f.write_all(&body)
        .map_err(|e| LogError::io("writing", &tmp, e))?;
    f.sync_all()
        .map_err(|e| LogError::io("fsyncing", &tmp, e))?;
    drop(f);
    fail::fail_point!("wal::commit::before_rename");
    fs::rename(&tmp, &path).map_err(|e| LogError::io("renaming into place", &path, e))?;
    fail::fail_point!("wal::commit::before_dir_sync");
    sync_dir(dir)?;
    Ok(2)
}
