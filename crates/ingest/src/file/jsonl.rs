//! JSONL and text files, plain or gzip (told by the gzip magic bytes, not the name).
//!
//! Decompression is streamed and every line is capped at `max_line_bytes`, so neither a
//! huge file nor a compressed bomb takes more than one line of memory.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use vigie_event::Event;
use vigie_parse::auditd_join::Join;

use super::{Chunk, FileError, ReadOptions, send};
use crate::ndjson::parse_object;
use crate::time::event_time;
use crate::{LineRejection, NdjsonBatch};

/// The fields of one line of a text log: a syslog line (`<PRI>` optional: files written by
/// syslog daemons carry none) read as the syslog listener reads it, else the line as
/// `message`; and the time its header says. (Also how an OTLP string body is read.)
pub(crate) fn text_fields(
    line: &[u8],
    context: &crate::syslog::ParseContext,
) -> (
    serde_json::Map<String, serde_json::Value>,
    Option<jiff::Timestamp>,
) {
    // Files written by syslog daemons carry no `<PRI>`: read the line behind a neutral one,
    // then drop what that one made up.
    let parsed = if line.starts_with(b"<") {
        crate::syslog::parse(line, false, context)
    } else {
        let mut with_pri = Vec::with_capacity(line.len() + 4);
        with_pri.extend_from_slice(b"<13>");
        with_pri.extend_from_slice(line);
        let mut parsed = crate::syslog::parse(&with_pri, false, context);
        if let Some(serde_json::Value::Object(syslog)) = parsed
            .fields
            .get_mut("log")
            .and_then(|log| log.get_mut("syslog"))
        {
            for made_up in ["priority", "facility", "severity"] {
                syslog.remove(made_up);
            }
        }
        parsed
    };
    // A line without a syslog time and host (an audit record, an access log line) is its
    // own message.
    let header = parsed.flags.is_empty()
        && parsed.timestamp.is_some()
        && parsed
            .fields
            .get("log")
            .and_then(|log| log.get("syslog"))
            .and_then(|syslog| syslog.get("hostname"))
            .is_some();
    if !header {
        let mut fields = serde_json::Map::new();
        fields.insert(
            "message".into(),
            String::from_utf8_lossy(line).into_owned().into(),
        );
        return (fields, None);
    }
    (parsed.fields, parsed.timestamp)
}

struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Reads a JSONL file, or a text file (`text`: every line an event, see
/// [`super::FileKind::Text`]): [`split`] cuts it into chunks of lines, each parsed here in
/// order, the records of one audit event joined across chunks.
pub(crate) fn read(
    path: &Path,
    options: &ReadOptions,
    text: bool,
    each: &mut dyn FnMut(Chunk) -> bool,
) -> Result<(), FileError> {
    let context = context(options, text);
    // The records of one audit event, joined by serial (held across chunks; every path out
    // of this function releases them).
    let mut join = Join::new();
    let mut last_bytes = 0;
    let mut stopped = false;
    let result = split(path, options, text, &mut |piece| match piece {
        Piece::Events(chunk) => {
            last_bytes = chunk.bytes_read;
            let go = each(chunk);
            stopped = !go;
            go
        }
        Piece::Lines(lines) => {
            last_bytes = lines.bytes_read;
            let bytes_read = lines.bytes_read;
            let mut batch = NdjsonBatch::default();
            for (_, item) in lines.parse_items(options, context.as_ref()) {
                match item {
                    Ok(event) => join.push(event, &mut batch.events),
                    Err(rejection) => batch.rejected.push(rejection),
                }
            }
            let go = batch.received() == 0 || each(Chunk { batch, bytes_read });
            stopped = !go;
            go
        }
    });
    if !stopped {
        let mut batch = NdjsonBatch::default();
        join.flush(&mut batch.events);
        if batch.received() > 0 {
            send(each, batch, last_bytes);
        }
    }
    result
}

/// The syslog reader's zone of times without one (the listeners' default), for text logs.
fn context(options: &ReadOptions, text: bool) -> Option<crate::syslog::ParseContext> {
    text.then(|| crate::syslog::ParseContext {
        timezone: jiff::tz::TimeZone::get("Europe/Brussels").unwrap_or(jiff::tz::TimeZone::UTC),
        now: options.received_at,
    })
}

/// What [`split`] hands over: lines to parse, or events a file of JSON documents gave.
pub enum Piece {
    /// Events already read (JSON documents over several lines).
    Events(Chunk),
    /// Lines of a JSONL or text file, not parsed yet.
    Lines(Lines),
}

/// Consecutive lines of a JSONL or text file, not parsed yet, with the lines refused while
/// reading (too long). A chunk never separates the records of one audit event (lines with
/// the same `audit(<time>:<serial>)` one after the other), so parsing chunks apart joins them
/// as reading the file in one go does.
pub struct Lines {
    text: Vec<u8>,
    /// Line number and byte range in `text` of each line that holds something.
    lines: Vec<(usize, std::ops::Range<usize>)>,
    rejected: Vec<LineRejection>,
    /// Whether these are text-log lines (else JSON objects).
    text_log: bool,
    /// Bytes of the file read so far.
    pub bytes_read: u64,
}

impl Lines {
    /// Lines held, refused ones included.
    pub fn len(&self) -> usize {
        self.lines.len() + self.rejected.len()
    }

    /// Whether no line is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each line's event, or why it was refused, by line number in file order.
    fn parse_items(
        self,
        options: &ReadOptions,
        context: Option<&crate::syslog::ParseContext>,
    ) -> Vec<(usize, Result<Event, LineRejection>)> {
        let mut out: Vec<(usize, Result<Event, LineRejection>)> = Vec::with_capacity(self.len());
        out.extend(self.rejected.into_iter().map(|r| (r.line, Err(r))));
        for (number, range) in self.lines {
            let content = &self.text[range];
            let read = match context {
                Some(context) => Ok(text_fields(content, context)),
                None => parse_object(content, options.max_line_bytes).map(|fields| {
                    let when = event_time(&fields);
                    (fields, when)
                }),
            };
            out.push((
                number,
                match read {
                    Ok((fields, when)) => {
                        let event =
                            Event::new(options.tenant, options.received_at, "import", fields)
                                .with_timestamp(when);
                        Ok(crate::record::parse_event(
                            event,
                            options.source_type.as_ref(),
                        ))
                    }
                    Err((reason, detail)) => Err(LineRejection {
                        line: number,
                        reason,
                        detail: format!("line {number}: {detail}"),
                    }),
                },
            ));
        }
        out.sort_by_key(|(number, _)| *number);
        out
    }

    /// Parses the lines as [`super::read`] does (the same events, rejections and audit join),
    /// on whichever thread calls it: each event with its line number, and the refused lines.
    pub fn parse(self, options: &ReadOptions) -> (Vec<(usize, Event)>, Vec<LineRejection>) {
        let context = context(options, self.text_log);
        let mut join = Join::new();
        let mut events = Vec::with_capacity(self.lines.len());
        let mut rejected = Vec::new();
        for (number, item) in self.parse_items(options, context.as_ref()) {
            match item {
                Ok(event) => join.push(Numbered(number, event), &mut events),
                Err(rejection) => rejected.push(rejection),
            }
        }
        join.flush(&mut events);
        (
            events.into_iter().map(|Numbered(n, e)| (n, e)).collect(),
            rejected,
        )
    }
}

/// An event with its line number, for the audit join.
struct Numbered(usize, Event);

impl vigie_parse::auditd_join::Fields for Numbered {
    fn fields(&self) -> Option<&serde_json::Map<String, serde_json::Value>> {
        Some(&self.1.fields)
    }

    fn fields_mut(&mut self) -> Option<&mut serde_json::Map<String, serde_json::Value>> {
        Some(&mut self.1.fields)
    }
}

/// Most bytes of line text in one [`Lines`] (more lines wait for the next).
const CHUNK_TEXT_BYTES: usize = 8 << 20;

/// The `audit(<time>:<serial>)` of an audit record's line, if it has one.
fn audit_token(line: &[u8]) -> Option<&[u8]> {
    let start = memchr::memmem::find(line, b"audit(")?;
    let end = start + line[start..].iter().position(|&b| b == b')')?;
    Some(&line[start..end])
}

/// Reads a JSONL or text file into chunks of lines handed to `each` (false stops), with
/// gzip decoded as it streams and every line capped at `max_line_bytes`; a file of JSON
/// documents over several lines is read whole here ([`Piece::Events`]). The error, if any,
/// comes after every chunk read before the fault.
pub(crate) fn split(
    path: &Path,
    options: &ReadOptions,
    text: bool,
    each: &mut dyn FnMut(Piece) -> bool,
) -> Result<(), FileError> {
    let io = |source| FileError::Io {
        path: path.to_owned(),
        source,
    };
    let count = Arc::new(AtomicU64::new(0));
    let file = File::open(path).map_err(io)?;
    let mut raw = BufReader::new(Counting {
        inner: file,
        count: Arc::clone(&count),
    });
    let gzip = raw.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    let mut reader: Box<dyn BufRead> = if gzip {
        // Streamed; each line is capped below, so the decoded size in memory is bounded,
        // and the whole decoded size is capped when the options say so (the decoder stops
        // one byte past the cap; `decoded` below counts what the lines used).
        let decoder = flate2::bufread::MultiGzDecoder::new(raw);
        match options.max_decoded_bytes {
            Some(limit) => Box::new(BufReader::new(decoder.take(limit.saturating_add(1)))),
            None => Box::new(BufReader::new(decoder)),
        }
    } else {
        Box::new(raw)
    };
    let cap = options.max_decoded_bytes.filter(|_| gzip);
    if !text && is_document(&mut reader).map_err(io)? {
        return read_documents(path, reader, options, cap, &count, &mut |chunk| {
            each(Piece::Events(chunk))
        });
    }
    let mut decoded = 0u64;
    let over_limit = |number: usize, limit: u64| FileError::Format {
        path: path.to_owned(),
        detail: format!(
            "line {number}: the gzip file decodes to more than the limit of {limit} bytes; the lines before it are kept"
        ),
    };
    let max = options.max_line_bytes;
    let new_chunk = || Lines {
        text: Vec::new(),
        lines: Vec::new(),
        rejected: Vec::new(),
        text_log: text,
        bytes_read: 0,
    };
    let mut chunk = new_chunk();
    // Hands the chunk over (when it holds something); false when `each` wants no more.
    let hand = |chunk: &mut Lines, each: &mut dyn FnMut(Piece) -> bool| {
        if chunk.is_empty() {
            return true;
        }
        let mut full = std::mem::replace(chunk, new_chunk());
        full.bytes_read = count.load(Ordering::Relaxed);
        each(Piece::Lines(full))
    };
    // The audit token of the last line added, and whether the chunk may end before the
    // next line (only between lines that are not records of the same audit event).
    let mut last_token: Option<Vec<u8>> = None;
    let mut line = Vec::with_capacity(1024);
    let mut number = 0usize;
    loop {
        line.clear();
        number += 1;
        let n = match (&mut reader)
            .take(max as u64 + 1)
            .read_until(b'\n', &mut line)
        {
            Ok(n) => n,
            Err(source) => {
                // Keep what was read before the fault, then say where it stopped.
                hand(&mut chunk, each);
                return Err(FileError::Format {
                    path: path.to_owned(),
                    detail: format!("line {number}: cannot read further: {source}"),
                });
            }
        };
        decoded += n as u64;
        if let Some(limit) = cap.filter(|limit| decoded > *limit) {
            // The line that crossed the limit is cut: drop it, keep the ones before.
            hand(&mut chunk, each);
            return Err(over_limit(number, limit));
        }
        if n == 0 {
            break;
        }
        let mut content: &[u8] = &line;
        if let Some(stripped) = content.strip_suffix(b"\n") {
            content = stripped;
        } else if line.len() > max {
            // Longer than the cap: discard up to the end of the line without buffering it.
            let mut skipped = line.len() as u64;
            loop {
                let buf = match reader.fill_buf() {
                    Ok(buf) => buf,
                    Err(source) => {
                        hand(&mut chunk, each);
                        return Err(io(source));
                    }
                };
                if buf.is_empty() {
                    break;
                }
                match buf.iter().position(|&b| b == b'\n') {
                    Some(p) => {
                        skipped += p as u64;
                        reader.consume(p + 1);
                        break;
                    }
                    None => {
                        let len = buf.len();
                        skipped += len as u64;
                        reader.consume(len);
                    }
                }
            }
            decoded += skipped - line.len() as u64;
            if let Some(limit) = cap.filter(|limit| decoded > *limit) {
                hand(&mut chunk, each);
                return Err(over_limit(number, limit));
            }
            chunk.rejected.push(LineRejection {
                line: number,
                reason: "line_too_long",
                detail: format!("line {number} is at least {skipped} bytes, the limit is {max}"),
            });
            last_token = None;
            continue;
        }
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if content.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let token = audit_token(content);
        let same_event = token.is_some() && token == last_token.as_deref();
        // A full chunk ends before this line unless it continues an audit event; past
        // the join's own bound a group is not joined anyway, so the chunk ends there too.
        let full = chunk.len() >= options.chunk_events || chunk.text.len() >= CHUNK_TEXT_BYTES;
        let overfull = chunk.len() >= options.chunk_events + vigie_parse::auditd_join::MAX_RECORDS
            || chunk.text.len() >= CHUNK_TEXT_BYTES + vigie_parse::auditd_join::MAX_BYTES;
        if ((full && !same_event) || overfull) && !hand(&mut chunk, each) {
            return Ok(());
        }
        last_token = token.map(<[u8]>::to_vec);
        let start = chunk.text.len();
        chunk.text.extend_from_slice(content);
        chunk.lines.push((number, start..chunk.text.len()));
    }
    hand(&mut chunk, each);
    Ok(())
}

/// Whether the file holds JSON documents written over several lines (a pretty-printed
/// object, an array, or records one after another as `evtx_dump -o json` writes them)
/// rather than one object per line: its first line opens a value it does not close.
fn is_document(reader: &mut dyn BufRead) -> std::io::Result<bool> {
    let buf = reader.fill_buf()?;
    let start = buf
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(buf.len());
    let rest = &buf[start..];
    if rest.first() == Some(&b'[') {
        return Ok(true);
    }
    let Some(end) = rest.iter().position(|&b| b == b'\n') else {
        // A first line longer than the buffer: a JSON Lines file with a long line.
        return Ok(false);
    };
    Ok(rest.first() == Some(&b'{')
        && serde_json::from_slice::<serde::de::IgnoredAny>(&rest[..end]).is_err_and(|e| e.is_eof()))
}

/// Reads a file of JSON documents (see [`is_document`]): each object is an event (an EVTX
/// record in JSON, `{"Event": {"System": …}}`, is flattened as an `.evtx` file's record
/// is), each array a list of them. A value that is not an object is rejected with its
/// number; a syntax error ends the file there (nothing after it can be trusted), the events
/// before it kept.
fn read_documents(
    path: &Path,
    reader: Box<dyn BufRead + '_>,
    options: &ReadOptions,
    cap: Option<u64>,
    count: &AtomicU64,
    each: &mut dyn FnMut(Chunk) -> bool,
) -> Result<(), FileError> {
    let mut batch = NdjsonBatch::default();
    let mut join = Join::new();
    let mut number = 0usize;
    let decoded = Arc::new(AtomicU64::new(0));
    let reader = Counting {
        inner: reader.take(cap.map_or(u64::MAX, |limit| limit.saturating_add(1))),
        count: Arc::clone(&decoded),
    };
    for value in serde_json::Deserializer::from_reader(reader).into_iter::<serde_json::Value>() {
        let value = match value {
            Ok(value) => value,
            Err(error) => {
                join.flush(&mut batch.events);
                send(each, batch, count.load(Ordering::Relaxed));
                let detail = match cap {
                    Some(limit) if decoded.load(Ordering::Relaxed) > limit => format!(
                        "record {}: the gzip file decodes to more than the limit of {limit} bytes; the records before it are kept",
                        number + 1
                    ),
                    _ => format!(
                        "record {}: not JSON ({error}); the records before it are kept",
                        number + 1
                    ),
                };
                return Err(FileError::Format {
                    path: path.to_owned(),
                    detail,
                });
            }
        };
        let values = match value {
            serde_json::Value::Array(values) => values,
            value => vec![value],
        };
        for value in values {
            number += 1;
            match document_event(value, options) {
                Some(event) => join.push(event, &mut batch.events),
                None => batch.rejected.push(LineRejection {
                    line: number,
                    reason: "not_an_object",
                    detail: format!("record {number}: expected a JSON object"),
                }),
            }
        }
        if batch.received() >= options.chunk_events
            && !send(
                each,
                std::mem::take(&mut batch),
                count.load(Ordering::Relaxed),
            )
        {
            return Ok(());
        }
    }
    join.flush(&mut batch.events);
    if batch.received() > 0 {
        send(each, batch, count.load(Ordering::Relaxed));
    }
    Ok(())
}

/// The event of one JSON document, `None` when it is not an object.
fn document_event(value: serde_json::Value, options: &ReadOptions) -> Option<Event> {
    if value["Event"]["System"].is_object() {
        let (fields, when) = super::evtx::flatten(&value);
        return Some(
            Event::new(options.tenant, options.received_at, "import", fields)
                .with_timestamp(when)
                .with_dataset(Some("evtx".to_owned())),
        );
    }
    let serde_json::Value::Object(fields) = value else {
        return None;
    };
    let when = event_time(&fields);
    let event =
        Event::new(options.tenant, options.received_at, "import", fields).with_timestamp(when);
    Some(crate::record::parse_event(
        event,
        options.source_type.as_ref(),
    ))
}

#[cfg(test)]
mod tests {
    /// Lines of text logs: syslog files (no `<PRI>`) keep their header, other lines are
    /// their own message.
    #[test]
    fn text_lines() {
        let context = crate::syslog::ParseContext {
            timezone: jiff::tz::TimeZone::get("Europe/Brussels").unwrap(),
            now: jiff::Timestamp::from_second(1_764_064_800).unwrap(),
        };
        let (fields, when) = super::text_fields(
            b"Feb 21 21:54:44 localhost sshd[3402]: Accepted publickey for vagrant from 10.0.2.2 port 63673 ssh2",
            &context,
        );
        assert_eq!(fields["log"]["syslog"]["appname"], "sshd");
        assert_eq!(fields["log"]["syslog"]["procid"], "3402");
        assert!(fields["log"]["syslog"].get("priority").is_none());
        assert!(
            fields["message"]
                .as_str()
                .unwrap()
                .starts_with("Accepted publickey")
        );
        assert!(when.is_some());
        for other in [
            &b"type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=2"[..],
            b"192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326",
        ] {
            let (fields, when) = super::text_fields(other, &context);
            assert_eq!(fields.len(), 1, "{fields:?}");
            assert_eq!(fields["message"], String::from_utf8_lossy(other).as_ref());
            assert_eq!(when, None);
        }
    }

    use super::super::{FileKind, ReadOptions, read};
    use flate2::{Compression, write::GzEncoder};
    use jiff::Timestamp;
    use std::io::Write;
    use vigie_event::TenantId;

    async fn import(
        path: std::path::PathBuf,
        max_line: usize,
    ) -> (usize, Vec<(usize, &'static str)>, Vec<String>) {
        import_capped(path, max_line, None).await
    }

    async fn import_capped(
        path: std::path::PathBuf,
        max_line: usize,
        max_decoded_bytes: Option<u64>,
    ) -> (usize, Vec<(usize, &'static str)>, Vec<String>) {
        let mut rx = read(
            path,
            FileKind::Jsonl,
            ReadOptions {
                tenant: TenantId(2),
                received_at: Timestamp::now(),
                max_line_bytes: max_line,
                chunk_events: 3,
                max_decoded_bytes,
                source_type: None,
            },
        );
        let (mut events, mut rejected, mut errors) = (0, Vec::new(), Vec::new());
        while let Some(chunk) = rx.recv().await {
            match chunk {
                Ok(chunk) => {
                    assert!(
                        chunk
                            .batch
                            .events
                            .iter()
                            .all(|e| e.tenant == TenantId(2) && e.source == "import")
                    );
                    events += chunk.batch.events.len();
                    rejected.extend(chunk.batch.rejected.iter().map(|r| (r.line, r.reason)));
                }
                Err(e) => errors.push(e.to_string()),
            }
        }
        (events, rejected, errors)
    }

    #[tokio::test]
    async fn plain_and_gzip_with_bad_lines_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::new();
        for i in 0..10 {
            text.push_str(&format!("{{\"n\":{i}}}\n"));
        }
        text.push_str("broken\n\n");
        text.push_str(&format!("{{\"long\":\"{}\"}}\n", "x".repeat(300)));
        text.push_str("{\"last\":true}");
        let plain = dir.path().join("a.jsonl");
        std::fs::write(&plain, &text).unwrap();
        let gz = dir.path().join("a.jsonl.gz");
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(text.as_bytes()).unwrap();
        std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
        for path in [plain, gz] {
            let (events, rejected, errors) = import(path, 100).await;
            assert_eq!(events, 11);
            assert_eq!(rejected, vec![(11, "invalid_json"), (13, "line_too_long")]);
            assert!(errors.is_empty(), "{errors:?}");
        }
    }

    /// Files of JSON documents over several lines: a pretty-printed EVTX record (flattened
    /// as the `.evtx` reader flattens it), plain objects, an array; a value that is not an
    /// object is named; a syntax error ends the file, naming the record, keeping the ones
    /// before it. A JSON Lines file with a long first line stays JSON Lines.
    #[tokio::test]
    async fn json_documents_over_several_lines() {
        let dir = tempfile::tempdir().unwrap();
        let record = serde_json::json!({"Event": {
            "System": {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational",
                       "Computer": "pc-1",
                       "TimeCreated": {"#attributes": {"SystemTime": "2025-10-22T20:30:29.328671Z"}}},
            "EventData": {"Image": "C:\\x\\curl.exe"}}});
        let pretty = serde_json::to_string_pretty(&record).unwrap();
        let path = dir.path().join("records.json");
        std::fs::write(
            &path,
            format!("{pretty}\n{pretty}\n[{{\"a\": 1}},\n 7,\n {{\"b\": 2}}]\n{{\"c\":\n 3}}\n"),
        )
        .unwrap();
        let (events, rejected, errors) = import(path.clone(), 1 << 20).await;
        assert_eq!(
            (events, rejected, errors.len()),
            (5, vec![(4, "not_an_object")], 0)
        );
        let options = ReadOptions {
            tenant: TenantId(2),
            received_at: Timestamp::now(),
            max_line_bytes: 1 << 20,
            chunk_events: 100,
            max_decoded_bytes: None,
            source_type: None,
        };
        let mut all = Vec::new();
        super::super::read_each(&path, FileKind::Jsonl, &options, &mut |chunk| {
            all.extend(chunk.batch.events);
            true
        })
        .unwrap();
        assert_eq!(all[0].fields["EventID"], 1);
        assert_eq!(all[0].fields["Computer"], "pc-1");
        assert_eq!(all[0].fields["Image"], "C:\\x\\curl.exe");
        assert_eq!(
            all[0].timestamp,
            Some("2025-10-22T20:30:29.328671Z".parse().unwrap())
        );
        assert_eq!(all[4].fields["c"], 3);

        let broken = dir.path().join("broken.json");
        std::fs::write(&broken, format!("{pretty}\n{{\"a\": \n[1,}}\n{pretty}\n")).unwrap();
        let (events, _, errors) = import(broken, 1 << 20).await;
        assert_eq!(events, 1);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("record 2: not JSON"), "{errors:?}");

        // One object per line whose first line is longer than the read buffer.
        let long = dir.path().join("long.json");
        let big = "x".repeat(100_000);
        std::fs::write(&long, format!("{{\"m\": \"{big}\"}}\n{{\"n\": 1}}\n")).unwrap();
        let (events, rejected, errors) = import(long, 1 << 20).await;
        assert_eq!((events, rejected.len(), errors.len()), (2, 0, 0));
    }

    #[tokio::test]
    async fn truncated_gzip_keeps_what_came_before_and_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let text: String = (0..2000)
            .map(|i| format!("{{\"n\":{i},\"pad\":\"{}\"}}\n", i * 7919))
            .collect();
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(text.as_bytes()).unwrap();
        let mut bytes = encoder.finish().unwrap();
        bytes.truncate(bytes.len() / 2);
        let path = dir.path().join("cut.jsonl.gz");
        std::fs::write(&path, bytes).unwrap();
        let (events, _, errors) = import(path, 1000).await;
        assert!(events > 100 && events < 2000, "{events}");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("cut.jsonl.gz: line"), "{errors:?}");
    }

    #[tokio::test]
    async fn a_gzip_bomb_stops_at_the_decoded_cap_keeping_the_lines_before() {
        let dir = tempfile::tempdir().unwrap();
        // 100 good lines, then 64 MiB of one repeated line: a few hundred KiB compressed.
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        for i in 0..100 {
            writeln!(encoder, "{{\"n\":{i}}}").unwrap();
        }
        let line = b"{\"pad\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}\n";
        for _ in 0..(64 << 20) / line.len() {
            encoder.write_all(line).unwrap();
        }
        let bytes = encoder.finish().unwrap();
        assert!(bytes.len() < 1 << 20, "{}", bytes.len());
        let path = dir.path().join("bomb.jsonl.gz");
        std::fs::write(&path, bytes).unwrap();
        let (events, _, errors) = import_capped(path.clone(), 1000, Some(4096)).await;
        // The lines read whole before the 4 KiB cap are kept (the 100 short ones and the
        // first padded ones), none after it.
        let first: usize = (0..100).map(|i| format!("{{\"n\":{i}}}\n").len()).sum();
        assert_eq!(events, 100 + (4096 - first) / line.len(), "{events}");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("more than the limit of 4096 bytes"),
            "{errors:?}"
        );
        // Without a cap (a local file) the whole file is read.
        let (events, _, errors) = import_capped(path, 1000, None).await;
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(events, 100 + (64 << 20) / line.len());
    }

    /// Every event and rejection of one file, read in chunks of `chunk_events`.
    async fn events_of(
        path: std::path::PathBuf,
        kind: FileKind,
        max_line: usize,
        chunk_events: usize,
    ) -> (Vec<vigie_event::Event>, Vec<(usize, &'static str)>) {
        let mut rx = read(
            path,
            kind,
            ReadOptions {
                tenant: TenantId(2),
                received_at: Timestamp::now(),
                max_line_bytes: max_line,
                chunk_events,
                max_decoded_bytes: None,
                source_type: None,
            },
        );
        let (mut events, mut rejected) = (Vec::new(), Vec::new());
        while let Some(chunk) = rx.recv().await {
            let chunk = chunk.unwrap();
            rejected.extend(chunk.batch.rejected.iter().map(|r| (r.line, r.reason)));
            events.extend(chunk.batch.events);
        }
        (events, rejected)
    }

    fn at<'a>(event: &'a vigie_event::Event, path: &str) -> &'a serde_json::Value {
        vigie_event::field::lookup(&event.fields, path).unwrap_or(&serde_json::Value::Null)
    }

    const SYSCALL: &str = r#"type=SYSCALL msg=audit(1492037291.036:59): arch=c000003e syscall=59 success=yes exit=0 items=2 ppid=12041 pid=13393 auid=1000 uid=1000 euid=1000 comm="grep" exe="/bin/grep" key=(null)"#;
    const EXECVE: &str =
        r#"type=EXECVE msg=audit(1492037291.036:59): argc=2 a0="grep" a1="mapping""#;
    const CWD: &str = r#"type=CWD msg=audit(1492037291.036:59):  cwd="/home/user""#;
    const PATH: &str =
        r#"type=PATH msg=audit(1492037291.036:59): item=0 name="/bin/grep" nametype=NORMAL"#;

    /// The records of one audit event are joined across chunks, around a rejected line, in
    /// text and JSONL files, and the group still held at the end of the file is released;
    /// counts, order and line numbers stay as they were.
    #[tokio::test]
    async fn audit_records_are_joined_across_chunks_and_released_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let other = "Feb 21 21:54:44 localhost sshd[3402]: Accepted publickey for user from 10.0.2.2 port 63673 ssh2";
        let long = format!(
            "type=PATH msg=audit(1492037291.036:59): name=\"{}\"",
            "x".repeat(500)
        );
        let lines = [other, SYSCALL, EXECVE, CWD, &long, PATH];
        let text = dir.path().join("audit.log");
        std::fs::write(&text, lines.join("\n")).unwrap();
        let jsonl = dir.path().join("audit.jsonl");
        let json_lines: Vec<String> = lines
            .iter()
            .map(|l| serde_json::json!({ "message": l }).to_string())
            .collect();
        std::fs::write(&jsonl, json_lines.join("\n")).unwrap();
        for (path, kind) in [(text, FileKind::Text), (jsonl, FileKind::Jsonl)] {
            let (events, rejected) = events_of(path, kind, 400, 2).await;
            assert_eq!(rejected, [(5, "line_too_long")], "{kind:?}");
            let messages: Vec<&str> = events
                .iter()
                .map(|e| at(e, "message").as_str().unwrap_or_default())
                .collect();
            assert_eq!(messages[1..], [SYSCALL, EXECVE, CWD, PATH], "{kind:?}");
            assert!(at(&events[0], "auditd").is_null());
            for event in &events[1..] {
                assert_eq!(event.source_type.as_deref(), Some("linux.auditd"));
                assert_eq!(at(event, "process.executable"), "/bin/grep", "{kind:?}");
                assert_eq!(at(event, "process.command_line"), "grep mapping");
                assert_eq!(at(event, "process.working_directory"), "/home/user");
                assert_eq!(at(event, "file.path"), "/bin/grep");
                assert_eq!(at(event, "auditd.records"), 4);
            }
        }
    }

    /// The sample logs (`../shared/fixtures/logs/<rel>`), or `None` after recording the test
    /// as skipped where `scripts/test` counts skips.
    fn fixture(test: &str, rel: &str) -> Option<std::path::PathBuf> {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/logs")
            .join(rel);
        let reason = match std::fs::metadata(&path) {
            Ok(_) => return Some(path),
            Err(e) => format!("sample logs not found at {}: {e}", path.display()),
        };
        eprintln!("SKIPPED {test}: {reason}");
        if let Ok(log) = std::env::var("VIGIE_SKIP_LOG")
            && let Ok(mut file) = std::fs::OpenOptions::new().append(true).open(log)
        {
            let _ = writeln!(file, "{test}: {reason}");
        }
        None
    }

    /// go-libaudit's `normal.log` imported as a text log: one event per record, in order,
    /// and each EXECVE record carries the executable of its SYSCALL record.
    #[tokio::test]
    async fn fixture_audit_log_execve_records_carry_their_syscall() {
        let Some(path) = fixture(
            "fixture_audit_log_execve_records_carry_their_syscall",
            "linux_auditd/go-libaudit/normal.log",
        ) else {
            return;
        };
        let lines: Vec<String> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
        let (events, rejected) = events_of(path.clone(), FileKind::Text, 1 << 20, 3).await;
        assert!(rejected.is_empty(), "{rejected:?}");
        let messages: Vec<&str> = events
            .iter()
            .map(|e| at(e, "message").as_str().unwrap())
            .collect();
        assert_eq!(messages, lines);
        let mut execve = 0;
        for event in &events {
            if event.fields["type"] != "EXECVE" {
                continue;
            }
            execve += 1;
            let serial = at(event, "auditd.sequence");
            let syscall = events
                .iter()
                .find(|e| e.fields["type"] == "SYSCALL" && at(e, "auditd.sequence") == serial)
                .expect("its SYSCALL record");
            assert!(syscall.fields["exe"].is_string());
            assert_eq!(at(event, "process.executable"), &syscall.fields["exe"]);
            assert_eq!(at(event, "process.pid"), at(syscall, "process.pid"));
        }
        assert_eq!(execve, 2);
        // grep --color=auto mapping
        let grep = events
            .iter()
            .find(|e| at(e, "process.executable") == "/usr/bin/grep")
            .unwrap();
        assert_eq!(at(grep, "process.working_directory"), "/home/andrew_kroh");
        assert_eq!(
            at(grep, "process.args"),
            &serde_json::json!(["grep", "--color=auto", "mapping"])
        );

        // Cut into chunks of two lines and each parsed apart (as `vigie scan`'s workers
        // do), the same events come out: no chunk separates the records of one event.
        let options = ReadOptions {
            tenant: TenantId(2),
            received_at: Timestamp::now(),
            max_line_bytes: 1 << 20,
            chunk_events: 2,
            max_decoded_bytes: None,
            source_type: None,
        };
        let (mut pieces, mut numbers) = (Vec::new(), Vec::new());
        super::super::read_pieces(&path, FileKind::Text, &options, &mut |piece| {
            let super::Piece::Lines(lines) = piece else {
                panic!("a text log gives lines");
            };
            let (parsed, rejected) = lines.parse(&options);
            assert!(rejected.is_empty());
            for (number, event) in parsed {
                numbers.push(number);
                pieces.push(event);
            }
            true
        })
        .unwrap();
        assert_eq!(pieces.len(), events.len());
        for (a, b) in pieces.iter().zip(&events) {
            assert_eq!(a.fields, b.fields);
        }
        assert_eq!(numbers, (1..=lines.len()).collect::<Vec<_>>());
    }
}
