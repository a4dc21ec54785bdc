//! File import: exported `.evtx` files, JSONL and gzip JSONL, text logs (`.log`, rotated
//! `.log.N`, gzip or not: one event per line), files or whole directories. JSONL and text events are
//! read by the parser of the declared source type ([`ReadOptions::source_type`]) or of the
//! type their content shows, as live events are.
//!
//! [`collect`] walks the paths given (directories recursively, in name order) and keeps the
//! files whose kind it knows; [`read`] reads one file on a blocking thread and hands its
//! events over in chunks through a bounded channel, so a file of any size takes bounded
//! memory and the caller submits each chunk through [`crate::Intake`] like live events.
//! Bad records are named (line or record number, reason) and the good ones around them kept.

pub mod evtx;
pub mod jsonl;

pub use jsonl::{Lines, Piece};

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use tokio::sync::mpsc;
use vigie_event::TenantId;

use crate::NdjsonBatch;

/// Kinds of importable file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// Windows event log export.
    Evtx,
    /// One JSON object per line (`.jsonl`, `.ndjson`, `.json`), gzip-compressed or not
    /// (told by its first bytes, whatever its name).
    Jsonl,
    /// One event per line of text (`.log`, and rotated `.log.1`): a syslog line gets its
    /// header read as syslog does, any other line is the event's `message`.
    Text,
}

impl FileKind {
    /// The kind a file name says, if any (`x.jsonl.gz` is JSONL).
    pub fn of(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        if name.ends_with(".evtx") {
            Some(FileKind::Evtx)
        } else if [".jsonl", ".ndjson", ".json"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            Some(FileKind::Jsonl)
        } else if name.ends_with(".log")
            || name
                .rsplit_once(".log.")
                .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        {
            Some(FileKind::Text)
        } else {
            None
        }
    }
}

/// Why a file, or a part of it, could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a readable file of its kind (e.g. no EVTX header).
    #[error("{path}: {detail}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

/// Files to import with their kind, and files of unknown kind found in directories.
pub type Collected = (Vec<(PathBuf, FileKind)>, Vec<PathBuf>);

/// The files to import under `paths`: files named directly (of a known kind, else an
/// error naming them) and, in directories, every file of a known kind, recursively, sorted.
/// Files of unknown kind inside directories are returned in the second list, to be reported.
pub fn collect(paths: &[PathBuf]) -> Result<Collected, FileError> {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| FileError::Io {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(path, &mut files, &mut skipped)?;
        } else {
            let kind = FileKind::of(path).ok_or_else(|| FileError::Format {
                path: path.clone(),
                detail: "unknown kind of file: expected .evtx, .jsonl, .ndjson or .json (optionally .gz)"
                    .into(),
            })?;
            files.push((path.clone(), kind));
        }
    }
    Ok((files, skipped))
}

fn walk(
    dir: &Path,
    files: &mut Vec<(PathBuf, FileKind)>,
    skipped: &mut Vec<PathBuf>,
) -> Result<(), FileError> {
    let io = |source| FileError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort();
    for path in entries {
        let meta = std::fs::metadata(&path).map_err(|source| FileError::Io {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(&path, files, skipped)?;
        } else {
            match FileKind::of(&path) {
                Some(kind) => files.push((path, kind)),
                None => skipped.push(path),
            }
        }
    }
    Ok(())
}

/// One chunk of a file.
#[derive(Debug)]
pub struct Chunk {
    /// Events and named rejections (line or record numbers of the file).
    pub batch: NdjsonBatch,
    /// Bytes of the file read so far (for progress).
    pub bytes_read: u64,
}

/// What [`read`] needs.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Owner of the events.
    pub tenant: TenantId,
    /// Arrival time to stamp on every event.
    pub received_at: Timestamp,
    /// Longest JSONL line.
    pub max_line_bytes: usize,
    /// Events per chunk.
    pub chunk_events: usize,
    /// Most bytes a gzip JSONL file may decode to (`None`: no cap, for local files). Past
    /// it reading stops with an error naming the limit and the line; what was read before
    /// is kept. `POST /api/v1/import` sets `[ingest] max_decoded_bytes`, as ingest does.
    pub max_decoded_bytes: Option<u64>,
    /// The source type of the events of JSONL and text files (`vigie import
    /// --source-type`); `None`: each event's content says, if it does.
    pub source_type: Option<vigie_parse::SourceType>,
}

/// Reads `path` on a blocking thread; chunks arrive on the returned channel, which holds at
/// most two, then an error if the file cannot be read further.
pub fn read(
    path: PathBuf,
    kind: FileKind,
    options: ReadOptions,
) -> mpsc::Receiver<Result<Chunk, FileError>> {
    let (tx, rx) = mpsc::channel(2);
    tokio::task::spawn_blocking(move || {
        let result = read_each(&path, kind, &options, &mut |chunk| {
            tx.blocking_send(Ok(chunk)).is_ok()
        });
        if let Err(error) = result {
            let _ = tx.blocking_send(Err(error));
        }
    });
    rx
}

/// Reads `path` on this thread in pieces for parsing elsewhere: the lines of JSONL and text
/// files unparsed ([`Lines::parse`] makes them the events [`read_each`] would), the events of
/// `.evtx` files and of files of JSON documents read already. `each` returns false to stop.
/// For `vigie scan`, whose reader threads only cut lines and whose workers parse them.
pub fn read_pieces(
    path: &Path,
    kind: FileKind,
    options: &ReadOptions,
    each: &mut dyn FnMut(Piece) -> bool,
) -> Result<(), FileError> {
    match kind {
        FileKind::Evtx => evtx::read(path, options, &mut |chunk| each(Piece::Events(chunk))),
        FileKind::Jsonl => jsonl::split(path, options, false, each),
        FileKind::Text => jsonl::split(path, options, true, each),
    }
}

/// Reads `path` on this thread, exactly as [`read`] does (same events, same rejections,
/// same chunks), handing each chunk to `each`, which returns false to stop reading. The
/// error, if any, comes after every chunk read before the fault. For `vigie scan`, which
/// reads files on its own threads.
pub fn read_each(
    path: &Path,
    kind: FileKind,
    options: &ReadOptions,
    each: &mut dyn FnMut(Chunk) -> bool,
) -> Result<(), FileError> {
    match kind {
        FileKind::Evtx => evtx::read(path, options, each),
        FileKind::Jsonl => jsonl::read(path, options, false, each),
        FileKind::Text => jsonl::read(path, options, true, each),
    }
}

/// What an import did, for the final summary and the HTTP reply.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ImportSummary {
    /// Files read (entirely or until a fault).
    pub files: u64,
    /// Records and lines that held something.
    pub read: u64,
    /// Events now durable in the log.
    pub accepted: u64,
    /// Rejected records and lines by reason.
    pub rejected: std::collections::BTreeMap<String, u64>,
    /// Files that could not be read (or not to their end), each with the reason.
    pub file_errors: Vec<String>,
    /// The first rejections, each naming its file and line or record.
    pub examples: Vec<String>,
}

impl ImportSummary {
    /// Total rejected.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }
}

/// How many rejections an [`ImportSummary`] shows in full.
const EXAMPLES: usize = 20;

/// Imports one file through `intake` (the same door, counters and durability as live
/// events, source `import`), waiting while the pipeline's backlog is over its limit.
/// `progress` is told the bytes of the file read so far and the events accepted.
pub async fn import(
    intake: &crate::Intake,
    tenant_label: &str,
    path: &Path,
    kind: FileKind,
    options: ReadOptions,
    summary: &mut ImportSummary,
    mut progress: impl FnMut(u64, u64),
) -> Result<(), crate::IntakeError> {
    summary.files += 1;
    let mut chunks = read(path.to_owned(), kind, options);
    while let Some(chunk) = chunks.recv().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(error) => {
                metrics::counter!("vigie_import_file_errors_total", "tenant" => tenant_label.to_owned())
                    .increment(1);
                tracing::warn!(%error, "import: file not read to its end");
                summary.file_errors.push(error.to_string());
                continue;
            }
        };
        summary.read += chunk.batch.received() as u64;
        for rejection in &chunk.batch.rejected {
            *summary
                .rejected
                .entry(rejection.reason.to_owned())
                .or_default() += 1;
            if summary.examples.len() < EXAMPLES {
                summary
                    .examples
                    .push(format!("{}: {}", path.display(), rejection.detail));
            }
        }
        let mut rejected = chunk.batch.rejected.as_slice();
        loop {
            while intake.over_backlog_for(tenant_label) {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            match intake
                .submit_parts(tenant_label, "import", &chunk.batch.events, rejected)
                .await
            {
                Ok(ack) => {
                    summary.accepted += ack.accepted;
                    break;
                }
                // Raced with the pipeline's lag: wait and send the events again (the
                // rejected lines were counted with the first attempt).
                Err(crate::IntakeError::Backpressure { .. }) => rejected = &[],
                Err(error) => return Err(error),
            }
        }
        progress(chunk.bytes_read, summary.accepted);
    }
    Ok(())
}

/// Hands a chunk to the reader's consumer; false when it wants no more.
pub(crate) fn send(
    each: &mut dyn FnMut(Chunk) -> bool,
    batch: NdjsonBatch,
    bytes_read: u64,
) -> bool {
    each(Chunk { batch, bytes_read })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_name_and_directories_walked_in_order() {
        assert_eq!(FileKind::of(Path::new("a/B.EVTX")), Some(FileKind::Evtx));
        assert_eq!(FileKind::of(Path::new("x.jsonl.gz")), Some(FileKind::Jsonl));
        assert_eq!(FileKind::of(Path::new("x.txt")), None);
        for log in ["auth.log", "auth.log.1", "audit.log.2.gz", "access.LOG"] {
            assert_eq!(FileKind::of(Path::new(log)), Some(FileKind::Text), "{log}");
        }
        assert_eq!(FileKind::of(Path::new("x.log.old")), None);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        for name in ["b.jsonl", "a.ndjson.gz", "sub/c.evtx", "notes.txt"] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let (files, skipped) = collect(&[dir.path().to_owned()]).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|(p, _)| p.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a.ndjson.gz", "b.jsonl", "sub/c.evtx"]);
        assert_eq!(skipped.len(), 1);
        let error = collect(&[dir.path().join("notes.txt")]).unwrap_err();
        assert!(error.to_string().contains("notes.txt"), "{error}");
    }
}
