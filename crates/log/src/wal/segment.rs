//! Segment files: naming, the header, the sparse index, and reading records back.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;

use super::record::{self, FRAME_HEADER, Frame};
use crate::{LogError, Offset, Record};

/// Magic bytes opening every segment.
pub(crate) const MAGIC: &[u8; 8] = b"VIGIEWAL";
/// Current format version.
pub(crate) const VERSION: u32 = 1;
/// Header size: magic, version, first offset, CRC32C of the previous 20 bytes.
pub(crate) const HEADER_LEN: u64 = 24;
/// One index entry every this many records.
pub(crate) const INDEX_INTERVAL: u64 = 32;

/// File name of the segment whose first offset is `base`.
pub(crate) fn file_name(base: Offset) -> String {
    format!("{base:020}.wal")
}

/// The first offset encoded in a segment file name, or None if the name is not a segment's.
pub(crate) fn parse_file_name(name: &str) -> Option<Offset> {
    let digits = name.strip_suffix(".wal")?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The 24-byte header of the segment starting at `base`.
pub(crate) fn encode_header(base: Offset) -> [u8; HEADER_LEN as usize] {
    let mut h = [0u8; HEADER_LEN as usize];
    h[0..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[12..20].copy_from_slice(&base.to_le_bytes());
    let crc = crc32c::crc32c(&h[0..20]);
    h[20..24].copy_from_slice(&crc.to_le_bytes());
    h
}

/// Checks a header read from `path`, which must start at `base`.
pub(crate) fn check_header(path: &Path, h: &[u8], base: Offset) -> Result<(), LogError> {
    let bad = |reason: String| LogError::BadHeader {
        path: path.to_path_buf(),
        reason,
    };
    if h.len() < HEADER_LEN as usize {
        return Err(bad(format!("{} bytes, {HEADER_LEN} expected", h.len())));
    }
    if &h[0..8] != MAGIC {
        return Err(bad(format!("magic {:?}, expected {:?}", &h[0..8], MAGIC)));
    }
    let crc = u32::from_le_bytes(h[20..24].try_into().expect("4 bytes"));
    if crc32c::crc32c(&h[0..20]) != crc {
        return Err(bad("header checksum mismatch".to_owned()));
    }
    let version = u32::from_le_bytes(h[8..12].try_into().expect("4 bytes"));
    if version != VERSION {
        return Err(bad(format!(
            "format version {version}, this build reads version {VERSION}"
        )));
    }
    let stored = u64::from_le_bytes(h[12..20].try_into().expect("8 bytes"));
    if stored != base {
        return Err(bad(format!(
            "header says first offset {stored}, file name says {base}"
        )));
    }
    Ok(())
}

/// Creates a new segment file holding just the header, fsynced. The caller fsyncs the
/// directory.
pub(crate) fn create(dir: &Path, base: Offset) -> Result<(File, PathBuf), LogError> {
    let path = dir.join(file_name(base));
    let mut file = OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(&path)
        .map_err(|e| LogError::io("creating segment", &path, e))?;
    file.write_all(&encode_header(base))
        .map_err(|e| LogError::io("writing the header of", &path, e))?;
    file.sync_data()
        .map_err(|e| LogError::io("fsyncing", &path, e))?;
    Ok((file, path))
}

/// fsyncs a directory so that created, renamed or deleted entries are durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), LogError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| LogError::io("fsyncing directory", dir, e))
}

/// What readers know about a segment: only durable records are counted here.
#[derive(Debug)]
pub(crate) struct SegmentMeta {
    /// First offset.
    pub(crate) base: Offset,
    pub(crate) path: PathBuf,
    /// Read handle of the active segment, shared with in-flight reads. Sealed segments hold
    /// none (reads open them on demand), so a long backlog does not pin one descriptor per
    /// segment.
    pub(crate) file: Option<Arc<File>>,
    /// Durable records in the segment.
    pub(crate) records: u64,
    /// Durable bytes (header included).
    pub(crate) size: u64,
    /// `index[k]` is the file position of record `base + k * INDEX_INTERVAL`.
    pub(crate) index: Vec<u64>,
}

/// Where a read starts inside one segment, taken from [`SegmentMeta`] under the lock.
pub(crate) struct ReadPlan {
    pub(crate) path: PathBuf,
    /// The shared handle of the active segment, or None: open `path`.
    pub(crate) file: Option<Arc<File>>,
    /// Offset and position of the indexed record at or before the requested one.
    pub(crate) indexed_offset: Offset,
    pub(crate) position: u64,
    /// Durable size of the segment.
    pub(crate) size: u64,
    /// One past the last offset that may be returned from this segment.
    pub(crate) end: Offset,
}

impl SegmentMeta {
    /// The read plan for offset `at`, which lies inside this segment's durable records.
    pub(crate) fn plan(&self, at: Offset, end: Offset) -> ReadPlan {
        debug_assert!(at >= self.base && at < self.base + self.records);
        let k = (at - self.base) / INDEX_INTERVAL;
        ReadPlan {
            path: self.path.clone(),
            file: self.file.clone(),
            indexed_offset: self.base + k * INDEX_INTERVAL,
            position: self.index[k as usize],
            size: self.size,
            end: end.min(self.base + self.records),
        }
    }
}

/// `Read` over a shared file at an explicit position (pread), so concurrent readers do not
/// share a cursor.
struct PositionedReader {
    file: Arc<File>,
    position: u64,
}

impl Read for PositionedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.position)?;
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for PositionedReader {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => self.position.checked_add_signed(d),
            SeekFrom::End(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "seek from end on a positioned reader",
                ));
            }
        };
        self.position = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before start"))?;
        Ok(self.position)
    }
}

/// Reads records `from..plan.end` (at most `max` of them, stopping once `byte_budget` payload
/// bytes were read) following `plan`, appending them to `out`. Returns payload bytes read, or
/// None if the segment file no longer exists (retention deleted it after the plan was made).
pub(crate) fn read_records(
    plan: &ReadPlan,
    from: Offset,
    max: usize,
    byte_budget: u64,
    out: &mut Vec<Record>,
) -> Result<Option<u64>, LogError> {
    let file = match &plan.file {
        Some(file) => Arc::clone(file),
        None => match File::open(&plan.path) {
            Ok(file) => Arc::new(file),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(LogError::io("opening", &plan.path, e)),
        },
    };
    let mut reader = BufReader::with_capacity(
        64 * 1024,
        PositionedReader {
            file,
            position: plan.position,
        },
    );
    let mut position = plan.position;
    let mut offset = plan.indexed_offset;
    let mut payload = Vec::new();
    let mut bytes = 0u64;
    let io_err = |e| LogError::io("reading", &plan.path, e);
    // Skip from the indexed record to `from` by reading frame headers only.
    while offset < from {
        let mut header = [0u8; FRAME_HEADER as usize];
        reader.read_exact(&mut header).map_err(io_err)?;
        let len = u64::from(u32::from_le_bytes(
            header[0..4].try_into().expect("4 bytes"),
        ));
        if position + FRAME_HEADER + len > plan.size {
            return Err(LogError::Corrupt {
                path: plan.path.clone(),
                offset,
                position,
                reason: format!("length {len} runs past the durable end {}", plan.size),
            });
        }
        reader.seek_relative(len as i64).map_err(io_err)?;
        position += FRAME_HEADER + len;
        offset += 1;
    }
    let start_len = out.len();
    while offset < plan.end && out.len() - start_len < max && bytes < byte_budget {
        match record::read_frame(&mut reader, plan.size - position, &mut payload).map_err(io_err)? {
            Frame::Record => {}
            Frame::End => {
                return Err(LogError::Corrupt {
                    path: plan.path.clone(),
                    offset,
                    position,
                    reason: "segment ends before its last durable record".to_owned(),
                });
            }
            Frame::Bad(reason) => {
                return Err(LogError::Corrupt {
                    path: plan.path.clone(),
                    offset,
                    position,
                    reason,
                });
            }
        }
        position += FRAME_HEADER + payload.len() as u64;
        bytes += payload.len() as u64;
        out.push(Record {
            offset,
            payload: Bytes::from(std::mem::take(&mut payload)),
        });
        offset += 1;
    }
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(file_name(0), "00000000000000000000.wal");
        assert_eq!(parse_file_name(&file_name(1234)), Some(1234));
        assert_eq!(parse_file_name("123.wal"), None);
        assert_eq!(parse_file_name("0000000000000000000a.wal"), None);
        assert_eq!(parse_file_name("consumers.json"), None);
    }

    #[test]
    fn header_checks() {
        let p = Path::new("x.wal");
        let h = encode_header(7);
        check_header(p, &h, 7).unwrap();
        assert!(check_header(p, &h, 8).is_err());
        let mut bad = h;
        bad[9] ^= 1;
        assert!(check_header(p, &bad, 7).is_err());
        assert!(check_header(p, &h[..10], 7).is_err());
    }
}
