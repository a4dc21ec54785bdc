//! Copying the log of a running server (online backup, `vigie backup`): from another
//! process, beside the writer, never through it, and without its lock.
//!
//! The copy relies on the on-disk format only (see the crate docs): segments are
//! append-only; a sealed segment (one with a successor) never changes again; retention
//! deletes whole segments, and only once every registered consumer committed past them;
//! `consumers.json` is replaced atomically. A copier therefore:
//!
//! 1. reads the committed offsets ([`read_consumers`]) and pins the segments holding records
//!    at or above the smallest of them ([`SegmentPins::new`]): their files stay open, so
//!    retention may unlink them while the copy runs but their bytes stay readable. It keeps
//!    pinning the segments the writer creates meanwhile ([`SegmentPins::refresh`]);
//! 2. copies the pinned segments in order ([`copy_segment`]), checking every record's
//!    CRC32C. A sealed segment must be valid to its last byte. The active one is read up to
//!    the length it had just before the copier fsynced it (an fsync flushes a file's pages
//!    whichever process wrote them), and only up to its last complete, valid record: a record
//!    the writer was still writing was not acknowledged and is left out. Every record the
//!    server acknowledged before the copy started is in the copy.
//!
//! The end offset of the copy (the *cut*) is the offset after its last record; a log opened
//! on the copy recovers exactly the records below it, with nothing to truncate.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufReader, ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::consumers::FILE_NAME as CONSUMERS_FILE;
use super::record::{self, FRAME_HEADER, Frame};
use super::segment::{self, HEADER_LEN};
use crate::{LogError, Offset};

/// The consumer offsets of a log directory as [`read_consumers`] found them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsumerOffsets {
    /// Committed next offset of each consumer named in the file.
    pub offsets: BTreeMap<String, Offset>,
    /// The file's bytes, to be copied as they are; `None` when there is no file yet (no
    /// consumer ever committed).
    pub raw: Option<Vec<u8>>,
}

impl ConsumerOffsets {
    /// The offset below which every consumer of `registered` is done: the floor retention
    /// deletes below. 0 when one of them never committed (nothing is deleted then).
    pub fn floor(&self, registered: &[String]) -> Offset {
        let mut floor: Option<Offset> = None;
        for name in registered {
            let Some(at) = self.offsets.get(name).copied() else {
                return 0;
            };
            floor = Some(floor.map_or(at, |f| f.min(at)));
        }
        floor.unwrap_or(0)
    }
}

/// The format of `consumers.json` (kept by `consumers.rs`; read here without the log's lock).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsumerFile {
    version: u32,
    consumers: BTreeMap<String, Offset>,
}

/// Reads `consumers.json` of the log directory `dir` (replaced atomically by the writer, so
/// it is always whole).
pub fn read_consumers(dir: &Path) -> Result<ConsumerOffsets, LogError> {
    let path = dir.join(CONSUMERS_FILE);
    let raw = match fs::read(&path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(ConsumerOffsets::default()),
        Err(e) => return Err(LogError::io("reading", path, e)),
    };
    let file: ConsumerFile =
        serde_json::from_slice(&raw).map_err(|e| LogError::BadConsumerState {
            path: path.clone(),
            reason: e.to_string(),
        })?;
    if file.version != 1 {
        return Err(LogError::BadConsumerState {
            path,
            reason: format!(
                "format version {}, this build reads version 1",
                file.version
            ),
        });
    }
    Ok(ConsumerOffsets {
        offsets: file.consumers,
        raw: Some(raw),
    })
}

/// The file name of the segment whose first offset is `base` (`<20 digits>.wal`).
pub fn segment_file_name(base: Offset) -> String {
    segment::file_name(base)
}

/// The segment files of `dir`, oldest first, as (first offset, path).
fn list(dir: &Path) -> Result<Vec<(Offset, PathBuf)>, LogError> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| LogError::io("listing", dir, e))? {
        let entry = entry.map_err(|e| LogError::io("listing", dir, e))?;
        if let Some(base) = entry
            .file_name()
            .to_str()
            .and_then(segment::parse_file_name)
        {
            found.push((base, entry.path()));
        }
    }
    found.sort_unstable_by_key(|(base, _)| *base);
    Ok(found)
}

/// One pinned segment: its first offset, path and open file.
#[derive(Debug)]
pub struct PinnedSegment {
    /// First offset (from the file name; the header is checked by [`copy_segment`]).
    pub base: Offset,
    /// The file (it may have been unlinked by retention since it was opened).
    pub path: PathBuf,
    /// The open file.
    pub file: File,
}

/// Segment files of a running log held open for a copy, oldest first. See the
/// [module docs](self).
#[derive(Debug)]
pub struct SegmentPins {
    dir: PathBuf,
    floor: Offset,
    pinned: BTreeMap<Offset, PinnedSegment>,
}

impl SegmentPins {
    /// Opens every segment of `dir` that may hold a record at or above `floor` (the segments
    /// whose successor starts at or below `floor` are left out: retention may take them).
    pub fn new(dir: &Path, floor: Offset) -> Result<Self, LogError> {
        let mut pins = Self {
            dir: dir.to_owned(),
            floor,
            pinned: BTreeMap::new(),
        };
        pins.refresh()?;
        Ok(pins)
    }

    /// Pins the segments created since the last call. Cheap (one directory listing); call it
    /// often while copying other things, so that a segment created and consumed meanwhile
    /// cannot be deleted before it is pinned. Returns how many segments were added.
    pub fn refresh(&mut self) -> Result<usize, LogError> {
        let listed = list(&self.dir)?;
        let newest = self.pinned.keys().next_back().copied();
        let mut added = 0;
        for (i, (base, path)) in listed.iter().enumerate() {
            if newest.is_some_and(|n| *base <= n) {
                continue;
            }
            let below_floor = listed
                .get(i + 1)
                .is_some_and(|(next, _)| *next <= self.floor);
            if below_floor {
                continue;
            }
            match File::open(path) {
                Ok(file) => {
                    self.pinned.insert(
                        *base,
                        PinnedSegment {
                            base: *base,
                            path: path.clone(),
                            file,
                        },
                    );
                    added += 1;
                }
                // Deleted by retention between the listing and the open: all its records
                // were consumed; the copy checks that what it needs chains.
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(LogError::io("opening", path, e)),
            }
        }
        Ok(added)
    }

    /// The pinned segments from the one holding offset `from` on, oldest first. Fails when
    /// no pinned segment holds `from` (it was deleted before it could be pinned).
    pub fn from_offset(&self, from: Offset) -> Result<Vec<&PinnedSegment>, LogError> {
        let start = self
            .pinned
            .range(..=from)
            .next_back()
            .map(|(base, _)| *base);
        let Some(start) = start else {
            let first = self.pinned.values().next();
            return Err(LogError::SegmentGap {
                path: first.map_or_else(|| self.dir.clone(), |s| s.path.clone()),
                expected: from,
                found: first.map_or(from, |s| s.base),
            });
        };
        Ok(self.pinned.range(start..).map(|(_, s)| s).collect())
    }

    /// The log directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// What [`copy_segment`] copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopiedSegment {
    /// First offset of the segment.
    pub base: Offset,
    /// Records copied.
    pub records: u64,
    /// Bytes written (header included).
    pub bytes: u64,
    /// Bytes of the source after the last copied record, left out (a record the writer was
    /// writing; always 0 for a sealed segment).
    pub left_out: u64,
}

impl CopiedSegment {
    /// The offset after the last copied record.
    pub fn end(&self) -> Offset {
        self.base + self.records
    }
}

/// Copies the segment `file` (at `path`, first offset `base`) to `out`: its header and its
/// records, each checked. `sealed`: every byte must belong to a valid record, and an invalid
/// one is an error naming the file, the offset and the byte position. Otherwise (the active
/// segment of a running log) the file is fsynced first, its length taken just before, and
/// the copy stops at the first incomplete or invalid frame within that length.
pub fn copy_segment(
    file: &File,
    path: &Path,
    base: Offset,
    sealed: bool,
    out: &mut dyn Write,
) -> Result<CopiedSegment, LogError> {
    let len = file
        .metadata()
        .map_err(|e| LogError::io("reading metadata of", path, e))?
        .len();
    if !sealed {
        file.sync_data()
            .map_err(|e| LogError::io("fsyncing", path, e))?;
        if len < HEADER_LEN {
            // Created an instant ago and its header not written yet: no record in it.
            out.write_all(&segment::encode_header(base))
                .map_err(|e| LogError::io("writing the copy of", path, e))?;
            return Ok(CopiedSegment {
                base,
                records: 0,
                bytes: HEADER_LEN,
                left_out: len,
            });
        }
    }
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| LogError::io("reading", path, e))?;
    let mut header = vec![0u8; HEADER_LEN.min(len) as usize];
    reader
        .read_exact(&mut header)
        .map_err(|e| LogError::io("reading", path, e))?;
    segment::check_header(path, &header, base)?;
    let write_err = |e: io::Error| LogError::io("writing the copy of", path, e);
    out.write_all(&header).map_err(write_err)?;
    let mut copied = CopiedSegment {
        base,
        records: 0,
        bytes: HEADER_LEN,
        left_out: 0,
    };
    let mut payload = Vec::new();
    let mut frame = Vec::new();
    loop {
        let position = copied.bytes;
        match record::read_frame(&mut reader, len - position, &mut payload)
            .map_err(|e| LogError::io("reading", path, e))?
        {
            Frame::End => break,
            Frame::Bad(reason) if sealed => {
                return Err(LogError::Corrupt {
                    path: path.to_owned(),
                    offset: base + copied.records,
                    position,
                    reason,
                });
            }
            Frame::Bad(_) => {
                copied.left_out = len - position;
                break;
            }
            Frame::Record => {
                frame.clear();
                record::encode(&payload, &mut frame);
                out.write_all(&frame).map_err(write_err)?;
                copied.records += 1;
                copied.bytes += FRAME_HEADER + payload.len() as u64;
            }
        }
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::{Wal, WalConfig};

    fn payloads(n: usize, size: usize) -> Vec<Bytes> {
        (0..n)
            .map(|i| Bytes::from(vec![u8::try_from(i % 251).unwrap(); size]))
            .collect()
    }

    #[tokio::test]
    async fn a_copy_beside_a_running_log_reopens_with_every_record_and_nothing_cut() {
        let tmp = tempfile::tempdir().unwrap();
        let source = tmp.path().join("wal");
        let wal = Wal::open(WalConfig {
            dir: source.clone(),
            segment_bytes: 4096,
            consumers: vec!["a".to_owned()],
            ..WalConfig::default()
        })
        .unwrap();
        for _ in 0..10 {
            wal.append(payloads(7, 100)).await.unwrap();
        }
        wal.commit("a", 20).await.unwrap();
        let consumers = read_consumers(&source).unwrap();
        let floor = consumers.floor(&["a".to_owned()]);
        assert_eq!(floor, 20);
        let mut pins = SegmentPins::new(&source, floor).unwrap();
        // Retention deletes segments while they are pinned; the copy still reads them.
        wal.commit("a", 60).await.unwrap();
        wal.append(payloads(5, 100)).await.unwrap();
        pins.refresh().unwrap();
        let copy = tmp.path().join("copy");
        fs::create_dir(&copy).unwrap();
        let segments = pins.from_offset(floor).unwrap();
        let last = segments.len() - 1;
        let mut end = None;
        for (i, s) in segments.iter().enumerate() {
            let mut out = File::create(copy.join(segment_file_name(s.base))).unwrap();
            let copied = copy_segment(&s.file, &s.path, s.base, i < last, &mut out).unwrap();
            if let Some(end) = end {
                assert_eq!(copied.base, end, "segments chain");
            }
            end = Some(copied.end());
        }
        assert_eq!(end, Some(75));
        drop(wal);
        let reopened = Wal::open(WalConfig {
            dir: copy,
            ..WalConfig::default()
        })
        .unwrap();
        let stats = reopened.stats();
        assert_eq!(stats.end_offset, 75);
        assert_eq!(stats.recovery.truncated_bytes, 0);
        assert!(stats.start_offset <= 20);
        let records = reopened.read(20, 100).await.unwrap();
        assert_eq!(records.len(), 55);
        assert_eq!(records[0].offset, 20);
    }

    #[test]
    fn a_half_written_record_of_the_active_segment_is_left_out_and_a_sealed_one_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(segment_file_name(0));
        let mut bytes = segment::encode_header(0).to_vec();
        record::encode(b"one", &mut bytes);
        record::encode(b"two", &mut bytes);
        let whole = bytes.len();
        record::encode(b"three, half written", &mut bytes);
        bytes.truncate(whole + 10);
        fs::write(&path, &bytes).unwrap();
        let file = File::open(&path).unwrap();
        let mut out = Vec::new();
        let copied = copy_segment(&file, &path, 0, false, &mut out).unwrap();
        assert_eq!((copied.records, copied.left_out), (2, 10));
        assert_eq!(out, bytes[..whole]);
        let error = copy_segment(&file, &path, 0, true, &mut Vec::new()).unwrap_err();
        assert!(
            matches!(error, LogError::Corrupt { offset: 2, .. }),
            "{error}"
        );
        let error = copy_segment(&file, &path, 5, true, &mut Vec::new()).unwrap_err();
        assert!(matches!(error, LogError::BadHeader { .. }), "{error}");
    }

    #[test]
    fn the_floor_is_the_smallest_registered_offset_or_zero() {
        let offsets = ConsumerOffsets {
            offsets: [("a".to_owned(), 5), ("b".to_owned(), 9)].into(),
            raw: None,
        };
        assert_eq!(offsets.floor(&["a".to_owned(), "b".to_owned()]), 5);
        assert_eq!(offsets.floor(&["b".to_owned()]), 9);
        assert_eq!(offsets.floor(&["c".to_owned()]), 0);
        assert_eq!(offsets.floor(&[]), 0);
    }
}
