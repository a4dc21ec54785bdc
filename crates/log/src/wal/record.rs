//! Record framing: `len: u32 LE | crc32c(len bytes ++ payload): u32 LE | payload`.

use std::io::{self, Read};

/// Bytes in front of each payload (length and checksum).
pub(crate) const FRAME_HEADER: u64 = 8;

/// Appends the frame of `payload` to `buf`. The caller has checked `payload.len() <= u32::MAX`.
pub(crate) fn encode(payload: &[u8], buf: &mut Vec<u8>) {
    let len = u32::try_from(payload.len()).expect("record length checked against u32 at append");
    let len_bytes = len.to_le_bytes();
    let crc = crc32c::crc32c_append(crc32c::crc32c(&len_bytes), payload);
    buf.extend_from_slice(&len_bytes);
    buf.extend_from_slice(&crc.to_le_bytes());
    buf.extend_from_slice(payload);
}

/// The outcome of reading one frame.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A valid record; its payload was read into the caller's buffer.
    Record,
    /// Clean end: no bytes left.
    End,
    /// The bytes at this position are not a valid frame.
    Bad(String),
}

/// Reads one frame from `r`, which has `remaining` bytes left before the end of valid data
/// (the file length at recovery, the durable size while running). The payload lands in
/// `payload` (cleared first). Never allocates more than `remaining` bytes.
pub(crate) fn read_frame<R: Read>(
    r: &mut R,
    remaining: u64,
    payload: &mut Vec<u8>,
) -> io::Result<Frame> {
    payload.clear();
    if remaining == 0 {
        return Ok(Frame::End);
    }
    if remaining < FRAME_HEADER {
        return Ok(Frame::Bad(format!(
            "incomplete frame header: {remaining} bytes left, {FRAME_HEADER} needed"
        )));
    }
    let mut header = [0u8; FRAME_HEADER as usize];
    r.read_exact(&mut header)?;
    let len_bytes: [u8; 4] = header[0..4].try_into().expect("4 bytes");
    let len = u32::from_le_bytes(len_bytes);
    let crc = u32::from_le_bytes(header[4..8].try_into().expect("4 bytes"));
    let available = remaining - FRAME_HEADER;
    if u64::from(len) > available {
        return Ok(Frame::Bad(format!(
            "length {len} exceeds the {available} bytes left in the file"
        )));
    }
    payload.resize(len as usize, 0);
    r.read_exact(payload)?;
    let actual = crc32c::crc32c_append(crc32c::crc32c(&len_bytes), payload);
    if actual != crc {
        return Ok(Frame::Bad(format!(
            "checksum mismatch: stored {crc:#010x}, computed {actual:#010x}"
        )));
    }
    Ok(Frame::Record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_detects_flips() {
        let mut buf = Vec::new();
        encode(b"hello", &mut buf);
        encode(b"", &mut buf);
        let total = buf.len() as u64;
        let mut r = &buf[..];
        let mut p = Vec::new();
        assert_eq!(read_frame(&mut r, total, &mut p).unwrap(), Frame::Record);
        assert_eq!(p, b"hello");
        assert_eq!(
            read_frame(&mut r, total - 13, &mut p).unwrap(),
            Frame::Record
        );
        assert!(p.is_empty());
        assert_eq!(read_frame(&mut r, 0, &mut p).unwrap(), Frame::End);

        for i in 0..13 {
            let mut bad = buf.clone();
            bad[i] ^= 0x01;
            let mut r = &bad[..];
            assert!(
                matches!(read_frame(&mut r, total, &mut p).unwrap(), Frame::Bad(_)),
                "flip at byte {i} not detected"
            );
        }
    }

    #[test]
    fn zeros_are_not_a_record() {
        let zeros = [0u8; 16];
        let mut r = &zeros[..];
        let mut p = Vec::new();
        assert!(matches!(
            read_frame(&mut r, 16, &mut p).unwrap(),
            Frame::Bad(_)
        ));
    }
}
