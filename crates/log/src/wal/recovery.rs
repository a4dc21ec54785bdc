//! Recovery at open: find the segments, validate every record, cut a torn tail.
//!
//! Rules:
//! - segments must chain (`next.first == previous.first + previous.records`), otherwise
//!   [`LogError::SegmentGap`];
//! - a bad header or a bad record in any segment but the last is an error naming the file and
//!   offset — data in the middle of the log is never dropped silently;
//! - in the last segment, everything from the first bad record on is cut off (it was never
//!   acknowledged: acknowledged records are fsynced before any later record is written) and
//!   reported in the [`RecoveryReport`]; a last segment shorter than its header (crash while
//!   creating it) gets its header rewritten;
//! - every registered consumer must find its next record in the log: a committed offset
//!   below the oldest segment's first offset, or a log that does not start at 0 while no
//!   consumer ever committed, means the oldest segments were lost (retention only deletes
//!   segments below every registered consumer's offset), and is
//!   [`LogError::MissingRecords`] ([`check_consumers`]).

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::record::{self, FRAME_HEADER, Frame};
use super::segment::{self, HEADER_LEN, INDEX_INTERVAL, SegmentMeta};
use crate::{LogError, Offset, RecoveryReport};

/// The recovered state, ready for the writer and the readers.
pub(crate) struct Recovered {
    /// All segments, oldest first; never empty.
    pub(crate) segments: Vec<SegmentMeta>,
    /// Append handle on the last segment, positioned at its valid end.
    pub(crate) active: File,
    pub(crate) report: RecoveryReport,
    /// fsyncs done during recovery.
    pub(crate) fsyncs: u64,
}

/// Lists the segment files of `dir`, sorted by first offset.
fn list_segments(dir: &Path) -> Result<Vec<(Offset, PathBuf)>, LogError> {
    let mut found = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| LogError::io("listing", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| LogError::io("listing", dir, e))?;
        let name = entry.file_name();
        if let Some(base) = name.to_str().and_then(segment::parse_file_name) {
            found.push((base, entry.path()));
        }
    }
    found.sort_unstable_by_key(|(base, _)| *base);
    Ok(found)
}

/// Result of scanning one segment.
struct Scan {
    records: u64,
    /// End of the last valid record.
    valid_end: u64,
    file_len: u64,
    index: Vec<u64>,
    /// First invalid frame: (offset, position, reason).
    bad: Option<(Offset, u64, String)>,
}

fn scan(path: &Path, base: Offset) -> Result<Scan, LogError> {
    let file = File::open(path).map_err(|e| LogError::io("opening", path, e))?;
    let file_len = file
        .metadata()
        .map_err(|e| LogError::io("reading metadata of", path, e))?
        .len();
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let mut header = vec![0u8; HEADER_LEN.min(file_len) as usize];
    reader
        .read_exact(&mut header)
        .map_err(|e| LogError::io("reading", path, e))?;
    segment::check_header(path, &header, base)?;
    let mut scan = Scan {
        records: 0,
        valid_end: HEADER_LEN,
        file_len,
        index: Vec::new(),
        bad: None,
    };
    let mut payload = Vec::new();
    loop {
        let position = scan.valid_end;
        let frame = record::read_frame(&mut reader, file_len - position, &mut payload)
            .map_err(|e| LogError::io("reading", path, e))?;
        match frame {
            Frame::End => break,
            Frame::Bad(reason) => {
                scan.bad = Some((base + scan.records, position, reason));
                break;
            }
            Frame::Record => {
                if scan.records.is_multiple_of(INDEX_INTERVAL) {
                    scan.index.push(position);
                }
                scan.records += 1;
                scan.valid_end = position + FRAME_HEADER + payload.len() as u64;
            }
        }
    }
    Ok(scan)
}

/// Recovers the log in `dir` (which exists), creating the first segment if there is none.
pub(crate) fn recover(dir: &Path) -> Result<Recovered, LogError> {
    let listed = list_segments(dir)?;
    let mut report = RecoveryReport::default();
    let mut fsyncs = 0;
    if listed.is_empty() {
        let (file, path) = segment::create(dir, 0)?;
        segment::sync_dir(dir)?;
        fsyncs += 2;
        let read = File::open(&path).map_err(|e| LogError::io("opening", &path, e))?;
        return Ok(Recovered {
            segments: vec![SegmentMeta {
                base: 0,
                path,
                file: Some(Arc::new(read)),
                records: 0,
                size: HEADER_LEN,
                index: Vec::new(),
            }],
            active: file,
            report,
            fsyncs,
        });
    }

    let last = listed.len() - 1;
    let mut segments = Vec::with_capacity(listed.len());
    let mut expected: Option<Offset> = None;
    for (i, (base, path)) in listed.into_iter().enumerate() {
        if let Some(expected) = expected
            && expected != base
        {
            return Err(LogError::SegmentGap {
                path,
                expected,
                found: base,
            });
        }
        report.segments_scanned += 1;
        let is_last = i == last;
        let len = fs::metadata(&path)
            .map_err(|e| LogError::io("reading metadata of", &path, e))?
            .len();
        if is_last && len < HEADER_LEN {
            // Crash while the segment was being created: nothing was ever written to it.
            tracing::warn!(
                path = %path.display(), len,
                "last segment shorter than its header; rewriting the header"
            );
            rewrite_header(&path, base)?;
            fsyncs += 1;
            report.truncated_bytes = len;
            report.truncated_segment = Some(path.clone());
            segments.push(meta(path, base, 0, HEADER_LEN, Vec::new()));
            expected = Some(base);
            continue;
        }
        let scan = scan(&path, base)?;
        if let Some((offset, position, reason)) = scan.bad {
            if !is_last {
                return Err(LogError::Corrupt {
                    path,
                    offset,
                    position,
                    reason,
                });
            }
            let cut = scan.file_len - scan.valid_end;
            tracing::warn!(
                path = %path.display(), offset, position, cut_bytes = cut, %reason,
                "torn or corrupt tail in the last segment; truncating it"
            );
            let f = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| LogError::io("opening for truncation", &path, e))?;
            f.set_len(scan.valid_end)
                .map_err(|e| LogError::io("truncating", &path, e))?;
            f.sync_all()
                .map_err(|e| LogError::io("fsyncing", &path, e))?;
            fsyncs += 1;
            report.truncated_bytes = cut;
            report.truncated_segment = Some(path.clone());
        }
        report.records_recovered += scan.records;
        expected = Some(base + scan.records);
        segments.push(meta(path, base, scan.records, scan.valid_end, scan.index));
    }
    let last = segments.last_mut().expect("at least one segment");
    let read = File::open(&last.path).map_err(|e| LogError::io("opening", &last.path, e))?;
    last.file = Some(Arc::new(read));
    let active_path = &last.path;
    let active = OpenOptions::new()
        .append(true)
        .open(active_path)
        .map_err(|e| LogError::io("opening for append", active_path, e))?;
    Ok(Recovered {
        segments,
        active,
        report,
        fsyncs,
    })
}

fn meta(path: PathBuf, base: Offset, records: u64, size: u64, index: Vec<u64>) -> SegmentMeta {
    SegmentMeta {
        base,
        path,
        file: None,
        records,
        size,
        index,
    }
}

fn rewrite_header(path: &Path, base: Offset) -> Result<(), LogError> {
    let mut f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| LogError::io("opening for repair", path, e))?;
    f.set_len(0)
        .map_err(|e| LogError::io("truncating", path, e))?;
    f.write_all(&segment::encode_header(base))
        .map_err(|e| LogError::io("writing the header of", path, e))?;
    f.sync_all().map_err(|e| LogError::io("fsyncing", path, e))
}

/// Checks that no registered consumer's next record was lost before the oldest segment left.
///
/// Retention deletes a segment only once every registered consumer committed past its last
/// record, so after any sequence of commits, deletions and crashes each registered consumer's
/// committed offset is at or above the first offset of the oldest segment, and a log none of
/// whose consumers ever committed still starts at 0. Anything else means segment files were
/// removed behind the log's back (by hand, or left out of a copy of the directory): the
/// records between that offset and the oldest segment were acknowledged and never processed.
/// The consumer furthest behind is named.
///
/// Not checked: consumers that are not registered (they do not hold segments), and a
/// registered consumer that never committed while another consumer did (one registered
/// after retention ran, e.g. the event store enabled later); it reads from the start.
pub(crate) fn check_consumers(
    dir: &Path,
    segments: &[SegmentMeta],
    committed: &BTreeMap<String, Offset>,
    registered: &[String],
) -> Result<(), LogError> {
    let oldest = segments.first().expect("recovery returns a segment");
    let missing = |consumer: &String, committed: Option<Offset>| LogError::MissingRecords {
        dir: dir.to_path_buf(),
        consumer: consumer.clone(),
        committed,
        start: oldest.base,
        path: oldest.path.clone(),
    };
    if oldest.base == 0 {
        return Ok(());
    }
    if committed.is_empty() {
        return match registered.first() {
            Some(consumer) => Err(missing(consumer, None)),
            None => Ok(()),
        };
    }
    let behind = registered
        .iter()
        .filter_map(|name| committed.get(name).map(|at| (*at, name)))
        .filter(|(at, _)| *at < oldest.base)
        .min();
    match behind {
        None => Ok(()),
        Some((at, consumer)) => Err(missing(consumer, Some(at))),
    }
}

/// Removes a leftover temp file from an interrupted consumer-state write.
pub(crate) fn remove_stale_temp(dir: &Path) -> Result<(), LogError> {
    let tmp = dir.join("consumers.json.tmp");
    match fs::remove_file(&tmp) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(LogError::io("removing stale", tmp, e)),
    }
}
