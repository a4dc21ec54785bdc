//! RFC 6587 framing of a syslog TCP stream: octet counting (`LEN SP MSG`) when a frame
//! starts with a digit, else one message per line (LF, the "non-transparent" framing).
//!
//! A message longer than the limit is cut at the limit and flagged; the rest of it is
//! discarded without being buffered, so memory stays within the limit whatever the sender
//! does.

/// One message out of the stream.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame {
    /// The message bytes (without the length prefix or the LF).
    pub bytes: Vec<u8>,
    /// The sender's message was longer than the limit (or the stream ended inside it).
    pub truncated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Skip {
    None,
    /// Discard this many more bytes (the end of an oversized counted frame).
    Count(usize),
    /// Discard up to and including the next LF (the end of an oversized line).
    Line,
}

/// Splits a byte stream into frames. Feed it with [`Framer::push`], take frames with
/// [`Framer::next_frame`], and call [`Framer::finish`] at the end of the stream.
#[derive(Debug)]
pub struct Framer {
    buf: Vec<u8>,
    start: usize,
    max: usize,
    skip: Skip,
    /// `buf[start..lf_free]` holds no LF: the search for the end of a line resumes there, so
    /// a line arriving a byte at a time is scanned once, not once per read.
    lf_free: usize,
}

impl Framer {
    /// A framer cutting messages at `max_message_bytes`.
    pub fn new(max_message_bytes: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            max: max_message_bytes.max(1),
            skip: Skip::None,
            lf_free: 0,
        }
    }

    /// Bytes buffered and not yet framed.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Adds bytes read from the stream.
    pub fn push(&mut self, data: &[u8]) {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
            self.lf_free = 0;
        } else if self.start > 64 * 1024 {
            self.buf.drain(..self.start);
            self.lf_free = self.lf_free.saturating_sub(self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// The next complete frame, if the buffer holds one.
    pub fn next_frame(&mut self) -> Option<Frame> {
        {
            match self.skip {
                Skip::Count(n) => {
                    let take = n.min(self.buffered());
                    self.start += take;
                    if take < n {
                        self.skip = Skip::Count(n - take);
                        return None;
                    }
                    self.skip = Skip::None;
                }
                Skip::Line => match self.find_lf() {
                    Some(lf) => {
                        self.start = lf + 1;
                        self.skip = Skip::None;
                    }
                    None => {
                        self.start = self.buf.len();
                        return None;
                    }
                },
                Skip::None => {}
            }
            // Separators between frames.
            while self.start < self.buf.len() && matches!(self.buf[self.start], b'\n' | b'\r' | 0) {
                self.start += 1;
            }
            let rest = &self.buf[self.start..];
            if rest.is_empty() {
                return None;
            }
            if rest[0].is_ascii_digit() {
                let digits = rest
                    .iter()
                    .take(11)
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                match rest.get(digits) {
                    Some(b' ') if digits <= 10 => {
                        let len: usize = std::str::from_utf8(&rest[..digits])
                            .ok()
                            .and_then(|s| s.parse().ok())
                            .unwrap_or(usize::MAX);
                        let body = self.start + digits + 1;
                        if len > self.max {
                            let available = self.buf.len() - body;
                            if available < self.max {
                                return None;
                            }
                            let bytes = self.buf[body..body + self.max].to_vec();
                            self.start = body + self.max;
                            self.skip = Skip::Count(len - self.max);
                            return Some(Frame {
                                bytes,
                                truncated: true,
                            });
                        }
                        if self.buf.len() - body < len {
                            return None;
                        }
                        let bytes = self.buf[body..body + len].to_vec();
                        self.start = body + len;
                        return Some(Frame {
                            bytes,
                            truncated: false,
                        });
                    }
                    // Digits still arriving: wait for more.
                    None if digits == rest.len() && digits <= 10 => return None,
                    // Not a length: a line that happens to start with a digit.
                    _ => {}
                }
            }
            match self.find_lf() {
                Some(lf) if lf - self.start <= self.max => {
                    let bytes = self.buf[self.start..lf].to_vec();
                    self.start = lf + 1;
                    Some(Frame {
                        bytes,
                        truncated: false,
                    })
                }
                found => {
                    if found.is_none() && self.buffered() <= self.max {
                        return None;
                    }
                    let bytes = self.buf[self.start..self.start + self.max].to_vec();
                    self.start += self.max;
                    self.skip = Skip::Line;
                    Some(Frame {
                        bytes,
                        truncated: true,
                    })
                }
            }
        }
    }

    /// At the end of the stream: what is left is one last message (an unterminated line is
    /// complete; a counted frame cut short is flagged truncated).
    pub fn finish(&mut self) -> Option<Frame> {
        if self.skip != Skip::None {
            self.start = self.buf.len();
            return None;
        }
        let rest = &self.buf[self.start..];
        let rest_trimmed = rest.iter().rposition(|b| !matches!(b, b'\n' | b'\r' | 0))?;
        let rest = &rest[..=rest_trimmed];
        let counted = rest
            .iter()
            .position(|&b| b == b' ')
            .is_some_and(|sp| sp > 0 && sp <= 10 && rest[..sp].iter().all(u8::is_ascii_digit));
        // What is left is at most the cap, except a run of up to 10 digits that waited to
        // be a length: cut it at the cap like any other line.
        let frame = if counted {
            let sp = rest.iter().position(|&b| b == b' ').unwrap_or(0);
            let body = &rest[sp + 1..];
            Frame {
                bytes: body[..body.len().min(self.max)].to_vec(),
                truncated: true,
            }
        } else {
            Frame {
                bytes: rest[..rest.len().min(self.max)].to_vec(),
                truncated: rest.len() > self.max,
            }
        };
        self.start = self.buf.len();
        Some(frame)
    }

    fn find_lf(&mut self) -> Option<usize> {
        let from = self.lf_free.max(self.start);
        match self.buf[from..].iter().position(|&b| b == b'\n') {
            Some(p) => {
                self.lf_free = from + p;
                Some(from + p)
            }
            None => {
                self.lf_free = self.buf.len();
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(chunks: &[&[u8]], max: usize) -> Vec<(String, bool)> {
        let mut framer = Framer::new(max);
        let mut out = Vec::new();
        for chunk in chunks {
            framer.push(chunk);
            while let Some(f) = framer.next_frame() {
                out.push((String::from_utf8_lossy(&f.bytes).into_owned(), f.truncated));
            }
        }
        if let Some(f) = framer.finish() {
            out.push((String::from_utf8_lossy(&f.bytes).into_owned(), f.truncated));
        }
        out
    }

    #[test]
    fn octet_counting_and_lf_mixed_and_split_anywhere() {
        let stream = b"5 <13>a9 <13>b\nc d\n<13>line one\r\n<13>line two\n\0<13>last";
        let expected = vec![
            ("<13>a".to_owned(), false),
            ("<13>b\nc d".to_owned(), false),
            ("<13>line one\r".to_owned(), false),
            ("<13>line two".to_owned(), false),
            ("<13>last".to_owned(), false),
        ];
        // Every split point gives the same frames.
        for cut in 0..stream.len() {
            let (a, b) = stream.split_at(cut);
            assert_eq!(frames(&[a, b], 100), expected, "cut at {cut}");
        }
    }

    #[test]
    fn oversized_frames_are_cut_and_the_rest_skipped() {
        let mut stream = b"21 <13>0123456789abcdefg".to_vec();
        stream.extend_from_slice(b"<13>this line is far too long for the limit\n<13>ok\n");
        let got = frames(&[&stream], 10);
        assert_eq!(
            got,
            vec![
                ("<13>012345".to_owned(), true),
                ("<13>this l".to_owned(), true),
                ("<13>ok".to_owned(), false),
            ]
        );
    }

    /// Found by the `syslog_framing` fuzz target: digits at the end of the stream waited to
    /// be a length, then came out whole, longer than the cap.
    #[test]
    fn digits_ending_the_stream_are_cut_at_the_limit() {
        assert_eq!(frames(&[b"12345"], 2), vec![("12".to_owned(), true)]);
        assert_eq!(frames(&[b"12345"], 5), vec![("12345".to_owned(), false)]);
        assert_eq!(
            frames(&[b"<13>a\n", b"9876543210"], 4),
            vec![("<13>".to_owned(), true), ("9876".to_owned(), true)]
        );
    }

    /// A line sent a byte at a time is searched for its end once in all, not once per read
    /// (quadratic: a 4 MiB line would take minutes).
    #[test]
    fn a_line_trickling_in_is_scanned_once() {
        let max = 4 << 20;
        let mut framer = Framer::new(max);
        let started = std::time::Instant::now();
        for _ in 0..max - 1 {
            framer.push(b"x");
            assert_eq!(framer.next_frame(), None);
        }
        framer.push(b"\n");
        let frame = framer.next_frame().unwrap();
        assert_eq!((frame.bytes.len(), frame.truncated), (max - 1, false));
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        // Across the compaction of consumed bytes (the buffer never empties: every read
        // ends inside a line).
        let mut framer = Framer::new(100);
        let mut got = Vec::new();
        for i in 0..200_000 {
            framer.push(if i % 50 == 49 { b"\ny" } else { b"y" });
            while let Some(f) = framer.next_frame() {
                got.push(f.bytes.len());
            }
        }
        assert_eq!(got.len(), 4000);
        assert!(got[0] == 49 && got[1..].iter().all(|&n| n == 50), "{got:?}");
    }

    #[test]
    fn stream_ending_inside_a_counted_frame_is_truncated() {
        assert_eq!(
            frames(&[b"50 <13>short"], 100),
            vec![("<13>short".to_owned(), true)]
        );
    }
}
