//! Linux audit records (source type `linux.auditd`): the lines of `/var/log/audit/audit.log`,
//! or the same records sent over syslog by audispd / the audit syslog plugin, with or without
//! the `node=HOST ` prefix:
//!
//! `type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=2 success=no ...`
//!
//! Records of Microsoft's AUOMS agent (`type=AUOMS_EXECVE audit(…): … cmdline="…"`, e.g. in
//! Azure Monitor's Syslog table) are read too: their header has no `msg=`, and their
//! unquoted `proctitle` holds spaces (the words that are not `key=value` are kept in it).
//!
//! **One record is one event**: the records of one kernel event (SYSCALL, EXECVE, CWD, PATH,
//! PROCTITLE, ... sharing a serial) are not merged, because SigmaHQ's auditd rules test one
//! record at a time (`type: EXECVE` with `a0`, `a1`; `type: PATH` with `name`). The serial is
//! in `auditd.sequence`. Where records arrive in order (file import, TCP and TLS syslog,
//! `vigie rules test`), [`crate::auditd_join::Join`] then gives each record of a group the
//! context of its siblings (an EXECVE record gets its SYSCALL's `process.executable` and
//! user ids, every record `process.args`, `process.working_directory`, `file.path`,
//! `auditd.record_types`), added beside its own fields; records received over UDP are not
//! joined, and a hunt joins them on `auditd.sequence` (and `host.name`).
//!
//! Fields produced:
//!
//! | field | from |
//! |---|---|
//! | every `key=value` of the record, top level, named as written (`type`, `a0`, `exe`, `name`, `nametype`, `key`, `SYSCALL`, `UID`, ...) | the record; see below for values |
//! | the `key=value` pairs inside `msg='…'` of user-space records (`op`, `acct`, `exe`, `addr`, `res`, ...), top level | the record, when the outer record has no such key |
//! | `auditd.message_type` | `type`, lowercase (`syscall`, `user_login`) |
//! | `auditd.sequence` (number) | the serial of `audit(<time>:<serial>)` |
//! | `auditd.result` (`success` / `fail`), `event.outcome` (`success` / `failure`) | `success=yes/no`, or `res=success/failed/1/0` |
//! | `event.action` | `type`, lowercase |
//! | `process.pid`, `process.parent.pid` (numbers) | `pid`, `ppid` |
//! | `process.executable`, `process.name`, `process.title` | `exe`, `comm`, `proctitle` (decoded) |
//! | `process.args`, `process.args_count`, `process.command_line` | EXECVE `a0`…`aN` in order (decoded; long arguments split in `aN[i]` chunks are joined), joined by spaces; AUOMS `cmdline` |
//! | `process.working_directory` | `cwd` |
//! | `user.id`, `user.audit.id`, `user.effective.id` | `uid`, `auid`, `euid` |
//! | `user.name`, `user.audit.name`, `user.effective.name` | `acct`, else the enriched `UID`; `AUID`; `EUID` (AUOMS: `user`, `audit_user`, `effective_user`) |
//! | `file.path` | `name` of a PATH record |
//! | `source.ip` | `addr`, when it is an IP address |
//! | `host.name` | `node` |
//! | timestamp | `audit(<seconds>.<milliseconds>:…)` (UTC epoch) |
//!
//! Values: quoted values lose their quotes; `(null)`, `?` and numbers stay as written (text).
//! auditd writes a string it cannot quote safely (spaces, quotes, control characters) as
//! unquoted hexadecimal; such values are decoded (as UTF-8, invalid bytes replaced) for
//! `proctitle` (its NUL separators become spaces), EXECVE `aN`, and `name`, `comm`, `exe`,
//! `cwd`, `data`, `path`, `dir`, `file`, `key`, `acct`, `cmd`, `ocomm`, `watch`, `vm`,
//! `root_dir`: an unquoted value of one of those fields made only of an even number of hex
//! digits is the encoded form. A `key` holding several rule keys (separated by `\x01`) becomes
//! a list. SYSCALL `a0`…`a3` are register values and stay hexadecimal text.
//!
//! ENRICHED records (`log_format = ENRICHED`) carry resolved names after a `\x1d` separator
//! (`ARCH=x86_64 SYSCALL=execve AUID="alice" UID="root"`): they are kept as their own
//! uppercase keys, which is where SigmaHQ's `SYSCALL: 'execve'` looks. The separator is also
//! recognised as rsyslog escapes it (`#035`), and when a relay dropped it, at a quote closing
//! right before the next key, or at an uppercase key glued to an unquoted value (`0OUID=`).
//!
//! At most 256 raw keys are added per record. A raw key that names an object this parser
//! fills (AUOMS `user`) is left out: its value is in `user.name`.
//!
//! Recognition (no declared type): the text starts with `type=` (after an optional
//! `node=HOST `) and has ` msg=audit(` in its first 256 bytes, or starts with
//! `type=AUOMS_` and has ` audit(` there.
//!
//! Left out: merging records into one event (they are joined, see above); syscall numbers are not turned into names (the
//! enriched `SYSCALL` carries the name); SELinux AVC text (`avc: denied { read } for`) and
//! other words that are not `key=value` are skipped; `saddr` stays hexadecimal. Laurel's
//! JSON (one coalesced event per line) is a different format and is not read here.

use std::net::IpAddr;

use jiff::Timestamp;
use serde_json::Value;

use super::{Ctx, Format, Input};
use crate::ParseError;
use crate::fields;

pub(crate) const FORMAT: Format = Format {
    name: "linux_auditd",
    claims: &[SOURCE_TYPE],
    recognise,
    markers: &["msg=audit(", "type=AUOMS_"],
    parse,
};

const SOURCE_TYPE: &str = "linux.auditd";

/// Most raw keys added from one record.
const MAX_KEYS: usize = 256;
/// Most `key=value` pairs read from one record (bounds memory on a hostile line).
const MAX_PAIRS: usize = 4096;
/// How far recognition looks for the header.
const HEADER_WINDOW: usize = 256;

/// The enrichment separator as rsyslog writes control characters (`#` and octal).
const ESCAPED_SEPARATOR: &str = "#035";

/// Fields auditd writes as unquoted hex when their text is not safe to quote.
const ENCODED_FIELDS: &[&str] = &[
    "name",
    "comm",
    "exe",
    "cwd",
    "data",
    "path",
    "dir",
    "file",
    "key",
    "acct",
    "cmd",
    "ocomm",
    "watch",
    "vm",
    "root_dir",
    "proctitle",
];

fn recognise(input: &Input<'_>) -> Option<&'static str> {
    let text = input.message?.trim_start();
    let head = &text.as_bytes()[..text.len().min(HEADER_WINDOW)];
    let rest = match head.strip_prefix(b"node=") {
        Some(after) => {
            let space = memchr::memchr(b' ', after)?;
            after[space..].trim_ascii_start()
        }
        None => head,
    };
    if !rest.starts_with(b"type=") {
        return None;
    }
    let found = memchr::memmem::find(rest, b" msg=audit(").is_some()
        || (rest.starts_with(b"type=AUOMS_") && memchr::memmem::find(rest, b" audit(").is_some());
    found.then_some(SOURCE_TYPE)
}

/// At most `max` characters of `text`, for error details.
fn shown(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// The parts of the record header.
struct Header<'a> {
    node: Option<&'a str>,
    record_type: &'a str,
    timestamp: Timestamp,
    serial: u64,
    body: &'a str,
}

fn header(line: &str) -> Result<Header<'_>, ParseError> {
    let text = line.trim_start();
    let (node, text) = match text.strip_prefix("node=") {
        Some(after) => match after.split_once(' ') {
            Some((node, rest)) => (Some(node), rest.trim_start()),
            None => {
                return Err(ParseError::new(
                    "no_type",
                    format!(
                        "`node=` is not followed by `type=` in {:?}",
                        shown(line, 80)
                    ),
                ));
            }
        },
        None => (None, text),
    };
    let Some(after_type) = text.strip_prefix("type=") else {
        return Err(ParseError::new(
            "no_type",
            format!(
                "the record does not start with `type=`: {:?}",
                shown(line, 80)
            ),
        ));
    };
    let (record_type, rest) = after_type.split_once(' ').unwrap_or((after_type, ""));
    if record_type.is_empty() {
        return Err(ParseError::new(
            "no_type",
            format!("empty `type=` at the start of {:?}", shown(line, 80)),
        ));
    }
    let rest = rest.trim_start();
    let Some(stamp_and_body) = rest
        .strip_prefix("msg=audit(")
        .or_else(|| rest.strip_prefix("audit("))
    else {
        return Err(ParseError::new(
            "no_audit_header",
            format!(
                "no `msg=audit(<time>:<serial>)` after `type={}`: {:?}",
                shown(record_type, 40),
                shown(rest, 60)
            ),
        ));
    };
    let Some((stamp, body)) = stamp_and_body.split_once(')') else {
        return Err(ParseError::new(
            "bad_audit_header",
            format!("unclosed `audit(` in {:?}", shown(stamp_and_body, 60)),
        ));
    };
    let bad_stamp = || {
        ParseError::new(
            "bad_audit_header",
            format!(
                "`audit({})` is not `<seconds>.<fraction>:<serial>`",
                shown(stamp, 60)
            ),
        )
    };
    let (time, serial) = stamp.split_once(':').ok_or_else(bad_stamp)?;
    let serial: u64 = serial.parse().map_err(|_| bad_stamp())?;
    let (seconds, fraction) = time.split_once('.').unwrap_or((time, ""));
    let seconds: i64 = seconds.parse().map_err(|_| bad_stamp())?;
    if fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad_stamp());
    }
    let mut nanos: i32 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| bad_stamp())?
    };
    for _ in fraction.len()..9 {
        nanos *= 10;
    }
    let timestamp = Timestamp::new(seconds, nanos).map_err(|_| bad_stamp())?;
    let body = body.strip_prefix(':').unwrap_or(body);
    Ok(Header {
        node,
        record_type,
        timestamp,
        serial,
        body,
    })
}

/// How a value was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Double,
    Single,
}

/// One `key=value` of the record.
#[derive(Debug, Clone, Copy)]
struct Pair<'a> {
    key: &'a str,
    value: &'a str,
    quote: Quote,
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'[' | b']')
}

fn is_space(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0x1d
}

/// Reads the `key=value` pairs of `text`. `glued` says the line lost its enrichment
/// separator (split an unquoted value before an uppercase key glued to it); `continued`
/// appends words that are not `key=value` to the unquoted value before them (AUOMS);
/// `nested` reads `msg='…'` into `inner` (one level only).
struct Reader<'a, 'p> {
    text: &'a str,
    glued: bool,
    continued: bool,
    pairs: &'p mut Vec<Pair<'a>>,
}

impl<'a> Reader<'a, '_> {
    fn read(&mut self, mut inner: Option<&mut Vec<Pair<'a>>>) {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut i = 0;
        // The start of the last unquoted value, for AUOMS continuations.
        let mut last_unquoted: Option<(usize, usize)> = None;
        while i < bytes.len() && self.pairs.len() < MAX_PAIRS {
            if is_space(bytes[i]) {
                i += 1;
                continue;
            }
            if bytes[i..].starts_with(ESCAPED_SEPARATOR.as_bytes()) {
                i += ESCAPED_SEPARATOR.len();
                last_unquoted = None;
                continue;
            }
            let start = i;
            while i < bytes.len() && is_key_byte(bytes[i]) {
                i += 1;
            }
            let key_ok = i > start
                && i < bytes.len()
                && bytes[i] == b'='
                && (bytes[start].is_ascii_alphanumeric() || bytes[start] == b'_');
            if !key_ok {
                // A word that is not `key=value`: skip to the next space.
                while i < bytes.len() && !is_space(bytes[i]) {
                    i += 1;
                }
                if self.continued
                    && let Some((pair, value_start)) = last_unquoted
                    && let Some(p) = self.pairs.get_mut(pair)
                {
                    p.value = &text[value_start..i];
                }
                continue;
            }
            let key = &text[start..i];
            i += 1;
            match bytes.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let open = i + 1;
                    let close = memchr::memchr(q, &bytes[open..]).map_or(bytes.len(), |n| open + n);
                    let value = &text[open..close];
                    i = (close + 1).min(bytes.len());
                    last_unquoted = None;
                    if q == b'\'' {
                        if let Some(inner) = inner.as_deref_mut() {
                            let mut reader = Reader {
                                text: value,
                                glued: self.glued,
                                continued: false,
                                pairs: inner,
                            };
                            reader.read(None);
                        }
                        self.pairs.push(Pair {
                            key,
                            value,
                            quote: Quote::Single,
                        });
                    } else {
                        self.pairs.push(Pair {
                            key,
                            value,
                            quote: Quote::Double,
                        });
                    }
                }
                _ => {
                    let open = i;
                    while i < bytes.len() && !is_space(bytes[i]) {
                        i += 1;
                    }
                    let mut close = i;
                    if let Some(n) = text[open..close].find(ESCAPED_SEPARATOR) {
                        close = open + n;
                    } else if self.glued
                        && let Some(n) = glued_key(&bytes[open..close])
                    {
                        close = open + n;
                    }
                    i = close;
                    last_unquoted = Some((self.pairs.len(), open));
                    self.pairs.push(Pair {
                        key,
                        value: &text[open..close],
                        quote: Quote::None,
                    });
                }
            }
        }
    }
}

/// Where an uppercase key (`OUID=`) starts inside an unquoted value that lost the
/// separator before it (`0OUID="root"`), if it does.
fn glued_key(value: &[u8]) -> Option<usize> {
    let eq = memchr::memchr(b'=', value)?;
    let mut start = eq;
    while start > 0 && (value[start - 1].is_ascii_uppercase() || value[start - 1] == b'_') {
        start -= 1;
    }
    (start > 0 && eq - start >= 2 && value[start].is_ascii_uppercase()).then_some(start)
}

fn is_hex_even(text: &str) -> bool {
    !text.is_empty() && text.len().is_multiple_of(2) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn hex_digit(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// Decodes hex text (checked with [`is_hex_even`]).
fn decode_hex(text: &str) -> Vec<u8> {
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| (hex_digit(pair[0]) << 4) | hex_digit(pair[1]))
        .collect()
}

/// The argument number of an EXECVE key: `a3` → (3, None), `a3[1]` → (3, Some(1)).
fn execve_arg(key: &str) -> Option<(usize, Option<usize>)> {
    let rest = key.strip_prefix('a')?;
    let (number, chunk) = match rest.split_once('[') {
        Some((number, chunk)) => (number, Some(chunk.strip_suffix(']')?.parse().ok()?)),
        None => (rest, None),
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((number.parse().ok()?, chunk))
}

/// The value of one pair as the event gets it.
fn value_of(pair: &Pair<'_>, is_execve: bool, decode: bool) -> Value {
    if pair.quote != Quote::None || !decode || !is_hex_even(pair.value) {
        return Value::from(pair.value);
    }
    let encoded =
        ENCODED_FIELDS.contains(&pair.key) || (is_execve && execve_arg(pair.key).is_some());
    if !encoded {
        return Value::from(pair.value);
    }
    let bytes = decode_hex(pair.value);
    let text = String::from_utf8_lossy(&bytes);
    match pair.key {
        "proctitle" => Value::from(text.trim_end_matches('\0').replace('\0', " ")),
        "key" if text.contains('\u{1}') => {
            Value::Array(text.split('\u{1}').map(Value::from).collect())
        }
        _ => Value::from(text.into_owned()),
    }
}

fn parse(ctx: &mut Ctx<'_>) -> Result<(), ParseError> {
    let line = ctx.line()?;
    let head = header(&line)?;
    let auoms = head.record_type.starts_with("AUOMS_");
    let is_execve = head.record_type == "EXECVE";
    let separated = memchr::memchr(0x1d, head.body.as_bytes()).is_some()
        || head.body.contains(ESCAPED_SEPARATOR);

    let mut outer = Vec::new();
    let mut inner = Vec::new();
    Reader {
        text: head.body,
        glued: !separated,
        continued: auoms,
        pairs: &mut outer,
    }
    .read(Some(&mut inner));

    // Decoded values, outer pairs first (they win over `msg='…'` ones of the same name).
    let mut values: Vec<(&str, Value)> = Vec::with_capacity(outer.len() + inner.len());
    let mut args: Vec<(usize, usize, String)> = Vec::new();
    let mut seen = std::collections::HashSet::with_capacity(outer.len() + inner.len());
    for pair in outer.iter().chain(inner.iter()) {
        if pair.value.is_empty() || !seen.insert(pair.key) {
            continue;
        }
        let value = value_of(pair, is_execve, !auoms);
        if is_execve
            && let Some((number, chunk)) = execve_arg(pair.key)
            && let Some(text) = value.as_str()
        {
            args.push((number, chunk.map_or(0, |c| c + 1), text.to_owned()));
        }
        values.push((pair.key, value));
    }
    // EXECVE arguments in order; chunks `aN[i]` of one argument joined (and given as `aN`).
    args.sort_by_key(|&(number, chunk, _)| (number, chunk));
    let mut joined: Vec<(usize, String)> = Vec::new();
    for (number, chunk, text) in args {
        match joined.last_mut() {
            Some((last, so_far)) if *last == number && chunk > 0 => so_far.push_str(&text),
            Some((last, _)) if *last == number => {}
            _ => joined.push((number, text)),
        }
    }

    let fields = &mut *ctx.fields;
    let get = |key: &str| -> Option<&str> {
        values
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };

    // ECS first: a raw key never blocks an ECS object (AUOMS `user=`).
    let message_type = head.record_type.to_ascii_lowercase();
    fields::put(fields, "auditd.message_type", message_type.as_str());
    fields::put(fields, "auditd.sequence", head.serial);
    fields::put(fields, "event.action", message_type);
    let outcome = match get("success").or_else(|| get("res")) {
        Some("yes" | "success" | "1") => Some(true),
        Some("no" | "failed" | "fail" | "failure" | "0") => Some(false),
        _ => None,
    };
    if let Some(ok) = outcome {
        fields::put(fields, "auditd.result", if ok { "success" } else { "fail" });
        fields::put(
            fields,
            "event.outcome",
            if ok { "success" } else { "failure" },
        );
    }
    if let Some(pid) = get("pid") {
        fields::put_number(fields, "process.pid", pid);
    }
    if let Some(ppid) = get("ppid") {
        fields::put_number(fields, "process.parent.pid", ppid);
    }
    for (key, path) in [
        ("exe", "process.executable"),
        ("comm", "process.name"),
        ("proctitle", "process.title"),
        ("cwd", "process.working_directory"),
        ("uid", "user.id"),
        ("auid", "user.audit.id"),
        ("euid", "user.effective.id"),
        ("acct", "user.name"),
        ("UID", "user.name"),
        ("user", "user.name"),
        ("AUID", "user.audit.name"),
        ("audit_user", "user.audit.name"),
        ("EUID", "user.effective.name"),
        ("effective_user", "user.effective.name"),
        ("cmdline", "process.command_line"),
    ] {
        if let Some(value) = get(key).filter(|v| !matches!(*v, "?" | "(null)" | "unset")) {
            fields::put(fields, path, value);
        }
    }
    if !joined.is_empty() {
        let line: Vec<&str> = joined.iter().map(|(_, a)| a.as_str()).collect();
        fields::put(fields, "process.command_line", line.join(" "));
        fields::put(fields, "process.args_count", joined.len());
        fields::put(
            fields,
            "process.args",
            Value::Array(
                joined
                    .iter()
                    .map(|(_, a)| Value::from(a.as_str()))
                    .collect(),
            ),
        );
    }
    if head.record_type == "PATH"
        && let Some(name) = get("name").filter(|v| !matches!(*v, "?" | "(null)"))
    {
        fields::put(fields, "file.path", name);
    }
    if let Some(ip) = get("addr").and_then(|a| a.parse::<IpAddr>().ok()) {
        fields::put(fields, "source.ip", ip.to_string());
    }
    if let Some(node) = head.node.or_else(|| get("node")) {
        fields::put(fields, "host.name", node);
    }

    // The raw keys, as SigmaHQ's auditd rules name them.
    fields::put(fields, "type", head.record_type);
    if let Some(node) = head.node {
        fields::put(fields, "node", node);
    }
    let mut added = 0;
    for (key, value) in values {
        if added >= MAX_KEYS {
            break;
        }
        if fields::put(fields, key, value) {
            added += 1;
        }
    }
    for (number, text) in &joined {
        if added >= MAX_KEYS {
            break;
        }
        if fields::put(fields, &format!("a{number}"), text.as_str()) {
            added += 1;
        }
    }
    ctx.timestamp = Some(head.timestamp);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::event;
    use crate::{SourceType, normalize};
    use proptest::prelude::*;
    use serde_json::{Map, json};

    fn declared() -> SourceType {
        SourceType::new(SOURCE_TYPE).unwrap()
    }

    /// Parses `message` as declared `linux.auditd`, asserting success.
    fn parsed(message: &str) -> (Map<String, Value>, crate::Outcome) {
        let mut fields = event(message);
        let outcome = normalize(Some(&declared()), &mut fields);
        assert!(outcome.parsed, "{message}: {:?}", outcome.error);
        (fields, outcome)
    }

    fn at(fields: &Map<String, Value>, path: &str) -> Value {
        fields::lookup(fields, path).cloned().unwrap_or(Value::Null)
    }

    #[test]
    fn syscall_record_fields_and_time() {
        let line = r#"type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=2 success=no exit=-13 a0=7fffd19c5592 a1=0 a2=7fffd19c4b50 a3=a items=1 ppid=2686 pid=3538 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=1 comm="touch" exe="/usr/bin/touch" key="x""#;
        let (f, outcome) = parsed(line);
        assert_eq!(outcome.source_type.unwrap().as_str(), "linux.auditd");
        assert_eq!(
            outcome.timestamp.unwrap().to_string(),
            "2013-03-28T14:36:03.243Z"
        );
        assert_eq!(f["type"], "SYSCALL");
        assert_eq!(f["syscall"], "2");
        assert_eq!(f["a0"], "7fffd19c5592");
        assert_eq!(f["a3"], "a");
        assert_eq!(f["comm"], "touch");
        assert_eq!(f["exe"], "/usr/bin/touch");
        assert_eq!(f["key"], "x");
        assert_eq!(f["euid"], "1000");
        assert_eq!(at(&f, "auditd.message_type"), "syscall");
        assert_eq!(at(&f, "auditd.sequence"), 24287);
        assert_eq!(at(&f, "auditd.result"), "fail");
        assert_eq!(at(&f, "event.outcome"), "failure");
        assert_eq!(at(&f, "event.action"), "syscall");
        assert_eq!(at(&f, "process.pid"), 3538);
        assert_eq!(at(&f, "process.parent.pid"), 2686);
        assert_eq!(at(&f, "process.executable"), "/usr/bin/touch");
        assert_eq!(at(&f, "process.name"), "touch");
        assert_eq!(at(&f, "user.id"), "1000");
        assert_eq!(at(&f, "user.audit.id"), "1000");
        assert_eq!(at(&f, "user.effective.id"), "1000");
        assert_eq!(at(&f, "event.dataset"), "linux.auditd");
        assert_eq!(at(&f, "host.name"), Value::Null);
    }

    #[test]
    fn recognised_with_and_without_node() {
        for line in [
            "type=CWD msg=audit(1.5:7): cwd=\"/\"",
            "node=web-1 type=CWD msg=audit(1.5:7): cwd=\"/\"",
            "  type=AUOMS_EXECVE audit(1.5:7): cmdline=\"id\"",
        ] {
            let mut f = event(line);
            let outcome = normalize(None, &mut f);
            assert_eq!(
                outcome.source_type.unwrap().as_str(),
                "linux.auditd",
                "{line}"
            );
            assert!(outcome.parsed, "{line}");
        }
        for line in [
            "type=CWD cwd=\"/\"",
            "hello type=CWD msg=audit(1.5:7):",
            "node=x",
            "type=X audit(1.5:7): a=1",
        ] {
            let mut f = event(line);
            assert_eq!(normalize(None, &mut f).source_type, None, "{line}");
        }
        let mut f = Map::new();
        f.insert(
            "SyslogMessage".into(),
            json!("node=h type=EOE msg=audit(1.5:7): "),
        );
        assert!(normalize(None, &mut f).parsed);
        assert_eq!(at(&f, "host.name"), "h");
        assert_eq!(f["node"], "h");
        assert_eq!(f["type"], "EOE");
    }

    #[test]
    fn execve_hex_and_chunked_arguments() {
        let (f, _) = parsed(
            r#"type=EXECVE msg=audit(1491946471.575:1075898): argc=4 a0="sh" a1="-c" a2=6563686F2068656C6C6F a3="x y""#,
        );
        assert_eq!(f["a0"], "sh");
        assert_eq!(f["a2"], "echo hello");
        assert_eq!(f["argc"], "4");
        assert_eq!(
            at(&f, "process.args"),
            json!(["sh", "-c", "echo hello", "x y"])
        );
        assert_eq!(at(&f, "process.args_count"), 4);
        assert_eq!(at(&f, "process.command_line"), "sh -c echo hello x y");

        let (f, _) = parsed(
            "type=EXECVE msg=audit(1.0:2): argc=2 a0=\"cat\" a1_len=10 a1[1]=6C6F a1[0]=68656C",
        );
        assert_eq!(f["a1"], "hello");
        assert_eq!(f["a1[0]"], "hel");
        assert_eq!(f["a1_len"], "10");
        assert_eq!(at(&f, "process.args"), json!(["cat", "hello"]));
        // Odd length or non-hex unquoted text stays as written.
        let (f, _) = parsed("type=EXECVE msg=audit(1.0:2): argc=2 a0=abc a1=zz");
        assert_eq!(f["a0"], "abc");
        assert_eq!(at(&f, "process.args"), json!(["abc", "zz"]));
    }

    #[test]
    fn hex_fields_proctitle_and_null() {
        let (f, _) = parsed(
            "type=PROCTITLE msg=audit(1604994496.155:92734): proctitle=67726570002D76005E3F",
        );
        assert_eq!(f["proctitle"], "grep -v ^?");
        assert_eq!(at(&f, "process.title"), "grep -v ^?");
        let (f, _) = parsed(
            "type=SYSCALL msg=audit(1.0:1): syscall=44 comm=\"charon\" exe=2F7573722F6C696220612062 key=(null) name=(null)",
        );
        assert_eq!(f["exe"], "/usr/lib a b");
        assert_eq!(f["key"], "(null)");
        assert_eq!(f["name"], "(null)");
        assert_eq!(at(&f, "process.executable"), "/usr/lib a b");
        let (f, _) =
            parsed("type=CWD msg=audit(1500661699.656:1208725):  cwd=2F746D702F6120622063");
        assert_eq!(f["cwd"], "/tmp/a b c");
        assert_eq!(at(&f, "process.working_directory"), "/tmp/a b c");
        // Several rule keys, hex-encoded with \x01 between them.
        let (f, _) = parsed("type=SYSCALL msg=audit(1.0:1): key=61756F6D730164656C657465");
        assert_eq!(f["key"], json!(["auoms", "delete"]));
        // Hex-looking values of other fields are not decoded.
        let (f, _) = parsed("type=SYSCALL msg=audit(1.0:1): a0=4142 saddr=0200 arch=c000003e");
        assert_eq!(
            (f["a0"].clone(), f["saddr"].clone()),
            (json!("4142"), json!("0200"))
        );
    }

    #[test]
    fn enriched_keys_and_separator_forms() {
        let sep = '\u{1d}';
        let line = format!(
            "type=SYSCALL msg=audit(1696431255.037:8272): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=2 auid=1000 uid=0 euid=0 comm=\"bash\" exe=\"/usr/bin/bash\" key=\"susp_shell\"{sep}ARCH=x86_64 SYSCALL=execve AUID=\"bob\" UID=\"root\" EUID=\"root\""
        );
        let (f, _) = parsed(&line);
        assert_eq!(f["key"], "susp_shell");
        assert_eq!(f["SYSCALL"], "execve");
        assert_eq!(f["ARCH"], "x86_64");
        assert_eq!(f["UID"], "root");
        assert_eq!(at(&f, "user.name"), "root");
        assert_eq!(at(&f, "user.audit.name"), "bob");
        assert_eq!(at(&f, "user.effective.name"), "root");
        assert_eq!(at(&f, "auditd.result"), "success");
        // rsyslog's escape of the separator, and the separator dropped by a relay.
        for line in [
            "type=PATH msg=audit(1.0:1): item=0 name=\"/bin/bash\" nametype=NORMAL cap_frootid=0#035OUID=\"root\" OGID=\"root\"",
            "type=PATH msg=audit(1.0:1): item=0 name=\"/bin/bash\" nametype=NORMAL cap_frootid=0OUID=\"root\" OGID=\"root\"",
        ] {
            let (f, _) = parsed(line);
            assert_eq!(f["cap_frootid"], "0", "{line}");
            assert_eq!(f["OUID"], "root", "{line}");
            assert_eq!(f["OGID"], "root", "{line}");
            assert_eq!(f["nametype"], "NORMAL", "{line}");
            assert_eq!(at(&f, "file.path"), "/bin/bash", "{line}");
        }
        let (f, _) =
            parsed("type=SYSCALL msg=audit(1.0:1): key=\"k\"#035ARCH=x86_64 SYSCALL=mknod");
        assert_eq!(
            (f["key"].clone(), f["SYSCALL"].clone()),
            (json!("k"), json!("mknod"))
        );
    }

    #[test]
    fn user_message_inner_pairs() {
        let (f, outcome) = parsed(
            "type=USER_LOGIN msg=audit(1493046015.752:42120): pid=18981 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=46.160.144.250 terminal=ssh res=failed'",
        );
        assert_eq!(
            outcome.timestamp.unwrap().to_string(),
            "2017-04-24T15:00:15.752Z"
        );
        assert_eq!(f["op"], "login");
        assert_eq!(f["acct"], "root");
        assert_eq!(f["hostname"], "?");
        assert_eq!(f["terminal"], "ssh");
        assert_eq!(f["res"], "failed");
        assert_eq!(f["uid"], "0");
        assert_eq!(
            f["msg"],
            "op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=46.160.144.250 terminal=ssh res=failed"
        );
        assert_eq!(at(&f, "user.name"), "root");
        assert_eq!(at(&f, "source.ip"), "46.160.144.250");
        assert_eq!(at(&f, "event.outcome"), "failure");
        assert_eq!(at(&f, "event.action"), "user_login");
        assert_eq!(at(&f, "process.executable"), "/usr/sbin/sshd");
        // The old free-text form: the words that are not key=value are skipped.
        let (f, _) = parsed(
            "type=USER_ACCT msg=audit(1170021601.340:294): user pid=13015 uid=0 auid=4294967295 msg='PAM: accounting acct=root : exe=\"/usr/sbin/crond\" hostname=? addr=? terminal=cron res=success'",
        );
        assert_eq!(f["acct"], "root");
        assert_eq!(f["pid"], "13015");
        assert_eq!(at(&f, "event.outcome"), "success");
        assert_eq!(at(&f, "source.ip"), Value::Null);
        // CONFIG_CHANGE res=1.
        let (f, _) = parsed(
            "type=CONFIG_CHANGE msg=audit(1492749467.018:1209): auid=4294967295 ses=4294967295 op=\"add_rule\" key=\"pam\" list=4 res=1",
        );
        assert_eq!(at(&f, "auditd.result"), "success");
        assert_eq!(f["key"], "pam");
    }

    #[test]
    fn never_overwrites_and_avc_words() {
        let mut f = event(
            "type=AVC msg=audit(1170021493.977:293): avc:  denied  { read } for  pid=13010 comm=\"pickup\" name=\"maildrop\" tclass=dir",
        );
        f.insert("type".into(), json!("kept"));
        let outcome = normalize(Some(&declared()), &mut f);
        assert!(outcome.parsed);
        assert_eq!(f["type"], "kept");
        assert_eq!(f["tclass"], "dir");
        assert_eq!(f["name"], "maildrop");
        assert_eq!(f.get("avc"), None);
        assert_eq!(at(&f, "file.path"), Value::Null);
    }

    #[test]
    fn auoms_record() {
        let line = r#"type=AUOMS_EXECVE audit(1652292633.242:84205): SchemaVersion="1" node=UBUNTU5 arch=x86_64 syscall=execve success=no exit=-2 a0=7ffc40122360 ppid=2813 pid=17836 audit_user=unset auid=4294967295 user=nobody uid=65534 effective_user=nobody euid=65534 comm="dpkg" exe="/usr/bin/dpkg" key=auoms,delete key_r=61756F6D730164656C657465 cwd="/" name="/bin/dpkg-query" path_name=["/bin/dpkg-query"] proctitle=/usr/bin/dpkg -S -Da.b=c /usr/bin/whoami redactors= containerid="#;
        let (f, outcome) = parsed(line);
        assert_eq!(
            outcome.timestamp.unwrap().to_string(),
            "2022-05-11T18:10:33.242Z"
        );
        assert_eq!(f["type"], "AUOMS_EXECVE");
        assert_eq!(f["proctitle"], "/usr/bin/dpkg -S -Da.b=c /usr/bin/whoami");
        assert_eq!(f["key"], "auoms,delete");
        assert_eq!(f["key_r"], "61756F6D730164656C657465");
        assert_eq!(f["a0"], "7ffc40122360");
        assert_eq!(f["path_name"], "[\"/bin/dpkg-query\"]");
        assert_eq!(f.get("redactors"), None);
        assert_eq!(at(&f, "user.name"), "nobody");
        assert_eq!(at(&f, "user.audit.name"), Value::Null);
        assert_eq!(at(&f, "host.name"), "UBUNTU5");
        assert_eq!(
            at(&f, "process.title"),
            "/usr/bin/dpkg -S -Da.b=c /usr/bin/whoami"
        );
        assert_eq!(at(&f, "auditd.sequence"), 84205);
    }

    #[test]
    fn bad_records_are_errors() {
        for (line, reason) in [
            ("SYSCALL msg=audit(1.0:1): a=1", "no_type"),
            ("node=host", "no_type"),
            ("type= msg=audit(1.0:1):", "no_type"),
            ("type=SYSCALL arch=c000003e", "no_audit_header"),
            (
                "type=SYSCALL msg=audit(1364481363.243:24287",
                "bad_audit_header",
            ),
            (
                "type=SYSCALL msg=audit(1364481363.243): a=1",
                "bad_audit_header",
            ),
            ("type=SYSCALL msg=audit(13x.243:1): a=1", "bad_audit_header"),
            ("type=SYSCALL msg=audit(1.2:-1): a=1", "bad_audit_header"),
            (
                "type=SYSCALL msg=audit(1.1234567890:1): a=1",
                "bad_audit_header",
            ),
            (
                "type=SYSCALL msg=audit(99999999999999.0:1): a=1",
                "bad_audit_header",
            ),
        ] {
            let mut f = event(line);
            let outcome = normalize(Some(&declared()), &mut f);
            let error = outcome.error.unwrap_or_else(|| panic!("{line} parsed"));
            assert_eq!(error.reason, reason, "{line}: {}", error.detail);
            assert_eq!(f["error"]["type"], reason);
        }
        let mut f = Map::new();
        let outcome = normalize(Some(&declared()), &mut f);
        assert_eq!(outcome.error.unwrap().reason, "no_message");
        // The detail names the value.
        let mut f = event("type=SYSCALL msg=audit(abc:1): a=1");
        let error = normalize(Some(&declared()), &mut f).error.unwrap();
        assert!(error.detail.contains("audit(abc:1)"), "{}", error.detail);
    }

    #[test]
    fn truncated_and_odd_lines_parse() {
        let (f, _) = parsed("type=SYSCALL msg=audit(1.0:1): comm=\"trunc");
        assert_eq!(f["comm"], "trunc");
        let (f, _) = parsed("type=SYSCALL msg=audit(1.0:1): a= b=\"\" c='x=1");
        assert_eq!(f.get("a"), None);
        assert_eq!(f.get("b"), None);
        assert_eq!(f["c"], "x=1");
        assert_eq!(f["x"], "1");
        let (f, outcome) = parsed("type=EOE msg=audit(1492798541.391:20246):");
        assert_eq!(f["type"], "EOE");
        assert_eq!(
            outcome.timestamp.unwrap().as_millisecond(),
            1_492_798_541_391
        );
        // Keys are capped.
        let many: String = (0..400).map(|n| format!(" k{n}=v")).collect();
        let (f, _) = parsed(&format!("type=X msg=audit(1.0:1):{many}"));
        assert!(f.contains_key("k255"));
        assert!(!f.contains_key("k256"));
    }

    #[test]
    fn long_hostile_records_stay_bounded() {
        // 100,000 pairs (all distinct keys), then one huge hex argument.
        let pairs: String = (0..100_000).map(|n| format!(" k{n}=\"v\"")).collect();
        let started = std::time::Instant::now();
        let (f, _) = parsed(&format!("type=EXECVE msg=audit(1.0:1):{pairs}"));
        assert_eq!(f.keys().filter(|k| k.starts_with('k')).count(), MAX_KEYS);
        let huge = "41".repeat(500_000);
        let (f, _) = parsed(&format!("type=EXECVE msg=audit(1.0:1): argc=1 a0={huge}"));
        assert_eq!(f["a0"].as_str().map(str::len), Some(500_000));
        let words = "w ".repeat(200_000);
        let (f, _) = parsed(&format!(
            "type=AUOMS_X audit(1.0:1): proctitle=/bin/sh {words}"
        ));
        assert_eq!(f["proctitle"].as_str().map(str::len), Some(8 + 400_000 - 1));
        eprintln!("long records: {:?}", started.elapsed());
    }

    /// Every record of the raw-text fixtures (one per line; in the aucoalesce YAML, the
    /// indented `type=` lines).
    fn records(dir: &std::path::Path) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "log" || e == "yaml"))
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines() {
                let record = line.trim().trim_end_matches('\'');
                if record.starts_with("type=") || record.starts_with("node=") {
                    out.push((path.display().to_string(), record.to_owned()));
                }
            }
        }
        out
    }

    #[test]
    fn fixture_go_libaudit_and_otrf() {
        let Some(base) = crate::testing::fixture("fixture_go_libaudit_and_otrf", "linux_auditd")
        else {
            return;
        };
        let mut all = Vec::new();
        for sub in [
            "go-libaudit",
            "go-libaudit/auparse",
            "go-libaudit/aucoalesce",
            "otrf",
        ] {
            all.extend(records(&base.join(sub)));
        }
        let mut by_serial = std::collections::BTreeMap::new();
        let mut failed = Vec::new();
        for (file, record) in &all {
            let mut f = event(record);
            let outcome = normalize(Some(&declared()), &mut f);
            if let Some(error) = outcome.error {
                failed.push((record.clone(), error.reason));
                continue;
            }
            let mut again = event(record);
            let recognised = normalize(None, &mut again).source_type;
            assert_eq!(recognised, Some(declared()), "{file}: {record}");
            let serial = at(&f, "auditd.sequence").as_u64().unwrap();
            by_serial.entry(serial).or_insert_with(Vec::new).push(f);
        }
        assert_eq!(all.len(), 242);
        // One record of RHEL 7 has no header at all (auditd's own placeholder).
        assert_eq!(
            failed,
            [("type=UNKNOWN[1329] msg=?".to_owned(), "no_audit_header")]
        );
        let find = |serial: u64, kind: &str| -> Map<String, Value> {
            by_serial[&serial]
                .iter()
                .find(|f| f["type"] == kind)
                .unwrap_or_else(|| panic!("{serial} {kind}"))
                .clone()
        };
        // Hex values, as go-libaudit's golden output decodes them.
        let f = find(1_208_725, "CWD");
        assert_eq!(f["cwd"], "/tmp/a b c");
        let f = find(194_435, "PROCTITLE");
        assert_eq!(f["proctitle"], "sshd: burn [priv]");
        let f = find(58, "SYSCALL");
        assert_eq!(f["exe"], "/usr/bin/python2.7;58d1ccfb (deleted)");
        let f = find(1_075_898, "EXECVE");
        let arg = f["a2"].as_str().unwrap();
        assert!(arg.starts_with("{\n        \"dev\": \"08:01\","), "{arg}");
        assert_eq!(at(&f, "process.args").as_array().unwrap().len(), 3);
        let f = find(1_065_050, "USER_TTY");
        assert_eq!(f["data"], "su - andrew_kroh");
        // OTRF's arp -a (T1018) and dd padding (T1027.001) simulations.
        let f = find(92_733, "EXECVE");
        assert_eq!(at(&f, "process.command_line"), "arp -a");
        assert_eq!(
            (f["a0"].clone(), f["a1"].clone()),
            (json!("arp"), json!("-a"))
        );
        let f = find(92_733, "PROCTITLE");
        assert_eq!(f["proctitle"], "arp -a");
        let f = find(93_777, "EXECVE");
        assert_eq!(f["a1"], "if=/dev/zero");
        let f = find(92_733, "SYSCALL");
        assert_eq!(at(&f, "process.executable"), "/usr/sbin/arp");
        assert_eq!(at(&f, "process.pid"), 1631);
        assert_eq!(f["syscall"], "59");
    }

    #[test]
    fn fixture_auoms_syslog_rows() {
        let Some(dir) = crate::testing::fixture("fixture_auoms_syslog_rows", "linux_auditd/otrf")
        else {
            return;
        };
        let text = std::fs::read_to_string(dir.join(
            "syslog_auoms_auditd_log4shell_cve2021_44228_jndi_reference_2022-05-11181020.json",
        ))
        .unwrap();
        let mut parsed = 0;
        let mut lines = Vec::new();
        for row in text.lines().filter(|l| !l.trim().is_empty()) {
            let Value::Object(mut f) = serde_json::from_str::<Value>(row).unwrap() else {
                panic!("not an object: {row}");
            };
            let outcome = normalize(None, &mut f);
            assert!(outcome.parsed, "{row}: {:?}", outcome.error);
            assert_eq!(outcome.source_type.unwrap().as_str(), "linux.auditd");
            parsed += 1;
            if let Some(line) = fields::text(&f, "process.command_line") {
                lines.push(line.to_owned());
            }
            assert_eq!(f["type"], "AUOMS_EXECVE");
            assert_eq!(at(&f, "host.name"), "UBUNTU5");
        }
        assert_eq!(parsed, 50);
        assert!(
            lines.contains(&"dpkg-query --search -- /bin/bash".to_owned()),
            "{lines:?}"
        );
    }

    #[test]
    fn fixture_crowdsec_auditd() {
        let Some(dir) =
            crate::testing::fixture("fixture_crowdsec_auditd", "multi/crowdsec_hub_tests")
        else {
            return;
        };
        let mut count = 0;
        let mut suid = Vec::new();
        for name in [
            "auditd-base64-exec",
            "auditd-logs",
            "auditd-postexploit-exec-from-net",
            "auditd-postexploit-rm",
            "auditd-suid-crash",
        ] {
            let text = std::fs::read_to_string(dir.join(name).join(format!("{name}.log"))).unwrap();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let mut f = event(line);
                let outcome = normalize(None, &mut f);
                assert!(outcome.parsed, "{name}: {line}: {:?}", outcome.error);
                count += 1;
                if name == "auditd-suid-crash" {
                    suid.push(f);
                }
            }
        }
        assert_eq!(count, 34);
        // This file lost the \x1d separators: the enriched keys are still found.
        let first = &suid[0];
        assert_eq!(first["key"], "susp_shell");
        assert_eq!(first["SYSCALL"], "execve");
        assert_eq!(first["AUID"], "bui");
        assert_eq!(at(first, "user.name"), "bui");
        let path = &suid[2];
        assert_eq!(path["cap_frootid"], "0");
        assert_eq!(path["OUID"], "root");
        assert_eq!(suid[1]["a0"], "-bash");
        // Laurel writes one JSON object per event: not this format.
        let laurel = std::fs::read_to_string(dir.join("laurel-logs/laurel-logs.log")).unwrap();
        let mut f = event(laurel.lines().next().unwrap());
        let outcome = normalize(Some(&declared()), &mut f);
        assert_eq!(outcome.error.unwrap().reason, "no_type");
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in ".{0,400}") {
            let mut f = event(&text);
            let _ = normalize(Some(&declared()), &mut f);
            let mut f = event(&text);
            let _ = normalize(None, &mut f);
        }

        #[test]
        fn mutated_records_never_panic(
            cut in 0usize..400,
            insert in "[ =\"'\\x1d#035a-fA-F0-9\\[\\]:()]{0,12}",
            at_pos in 0usize..400,
        ) {
            let base = "node=h type=EXECVE msg=audit(1364481363.243:24287): argc=3 a0=\"sh\" a1[0]=6162 a1_len=4 a2=6563686F msg='op=x acct=\"r\" res=1' key=\"k\"\u{1d}UID=\"root\" cap_frootid=0OUID=\"root\"";
            let mut line: String = base.chars().take(cut).collect();
            let pos = line.char_indices().nth(at_pos).map_or(line.len(), |(i, _)| i);
            line.insert_str(pos, &insert);
            let mut f = event(&line);
            let _ = normalize(Some(&declared()), &mut f);
            let mut f = event(&line);
            let _ = normalize(None, &mut f);
        }
    }
}
