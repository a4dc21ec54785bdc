//! ArcSight Common Event Format (CEF):
//! `CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension`,
//! alone on the line or after a syslog-style prefix (`Oct 26 20:01:31 host CEF:0|...`).
//!
//! Source types: any declared `cef.*` type; recognised as `cef.event` when the text holds
//! `CEF:` (at the start or after a space) followed by a version and a `|` (marker `CEF:`).
//! When the header names a well-known device, the type is refined: Fortinet FortiGate →
//! `fortinet.fortigate`, Palo Alto Networks PAN-OS → `panos.log`, Ubiquiti UniFi →
//! `unifi.cef`, Check Point → `checkpoint.cef`, Trend Micro Deep Security →
//! `trendmicro.deepsecurity`. A declared line without `CEF:` whose text starts with the
//! version and a `|` (`0|Vendor|...`, as some relays strip the prefix) is read too.
//!
//! The header escapes `\|` and `\\`; the extension is `key=value` pairs separated by spaces,
//! where a value may hold spaces and runs until the next ` key=` (escapes `\=`, `\\`, `\n`,
//! `\r`; other backslashes are kept). An `=` not preceded by a key-shaped word after a space
//! belongs to the value.
//!
//! | field | from |
//! |---|---|
//! | `cef.version`, `cef.device.vendor`, `cef.device.product`, `cef.device.version`, `cef.device.event_class_id`, `cef.name`, `cef.severity` | header, as written |
//! | `cef.extensions.<key>` | every extension pair, key as written (at most [`MAX_KEYS`]) |
//! | `observer.vendor`, `observer.product`, `observer.version`, `event.code`, `event.reason` (Name), `event.severity` (when numeric) | header |
//! | `source.ip`, `source.port`, `source.domain`, `source.mac`, `source.user.name`, `source.user.id`, `source.user.domain`, `user.name` | `src`, `spt`, `shost`, `smac`, `suser`, `suid`, `sntdom` (or their long names) |
//! | `destination.ip`, `destination.port`, `destination.domain`, `destination.mac`, `destination.user.name`, `destination.user.id`, `destination.user.domain` | `dst`, `dpt`, `dhost`, `dmac`, `duser`, `duid`, `dntdom` |
//! | `event.action`, `event.outcome`, `network.transport` (lowercase), `network.protocol` (lowercase), `url.original`, `http.request.method`, `user_agent.original`, `file.name`, `file.path`, `observer.hostname`, `observer.ip` | `act`, `outcome` (`success`/`failure` only), `proto`, `app`, `request`, `requestMethod`, `requestClientApplication`, `fname`, `filePath`, `dvchost`, `dvc` |
//!
//! The time is `rt` (else `end`, else `start`): epoch milliseconds, `MMM dd yyyy HH:mm:ss[.SSS]
//! [zone]` or ISO 8601; a time without a zone is read in `dtz` when given, else as UTC. A
//! time without a year (`MMM dd HH:mm:ss`) is left out. `msg` stays in
//! `cef.extensions.msg` (the event's `message` is the line itself). Custom-field labels
//! (`cs1Label`, ...) are kept as written, not paired with their values.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone};
use serde_json::{Map, Value};

use super::{Ctx, Format, Input};
use crate::ParseError;
use crate::fields::{put, put_number, put_text};

pub(crate) const FORMAT: Format = Format {
    name: "cef",
    claims: &["cef."],
    recognise,
    markers: &["CEF:"],
    parse,
};

/// Most extension pairs read from one line.
pub(super) const MAX_KEYS: usize = 256;

fn recognise(input: &Input<'_>) -> Option<&'static str> {
    find_header(input.message?).map(|_| "cef.event")
}

/// The byte offset just after `CEF:` of the first well-placed header: at the start or after
/// whitespace, then optional spaces, a version (digits and dots) and `|`.
fn find_header(text: &str) -> Option<usize> {
    memchr::memmem::find_iter(text.as_bytes(), b"CEF:")
        .take(16)
        .find(|&at| {
            let before_ok = at == 0 || text.as_bytes()[at - 1].is_ascii_whitespace();
            before_ok && version_then_pipe(&text[at + 4..])
        })
        .map(|at| at + 4)
}

/// Whether `rest` is ` 0|...`: optional spaces, a version of digits and dots, then `|`.
fn version_then_pipe(rest: &str) -> bool {
    let rest = rest.trim_start_matches(' ');
    let digits = rest
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    digits > 0 && digits <= 8 && rest.as_bytes().get(digits) == Some(&b'|')
}

fn parse(ctx: &mut Ctx<'_>) -> Result<(), ParseError> {
    let line = ctx.line()?;
    let body = match find_header(&line) {
        Some(at) => &line[at..],
        None if version_then_pipe(line.trim_start()) => line.trim_start(),
        None => {
            return Err(ParseError::new(
                "no_header",
                format!("no `CEF:` header in {:?}", shown(&line)),
            ));
        }
    };
    let (header, extension) = split_header(body)?;
    let extensions = split_extension(extension)?;
    let f = &mut *ctx.fields;

    let [
        version,
        vendor,
        product,
        dev_version,
        class_id,
        name,
        severity,
    ] = &header;
    put(f, "cef.version", version.trim());
    put(f, "cef.device.vendor", vendor.as_str());
    put(f, "cef.device.product", product.as_str());
    put(f, "cef.device.version", dev_version.as_str());
    put(f, "cef.device.event_class_id", class_id.as_str());
    put(f, "cef.name", name.as_str());
    put(f, "cef.severity", severity.as_str());
    put_text(f, "observer.vendor", vendor);
    put_text(f, "observer.product", product);
    put_text(f, "observer.version", dev_version);
    put_text(f, "event.code", class_id);
    put_text(f, "event.reason", name);
    if let Ok(n) = severity.trim().parse::<i64>() {
        put(f, "event.severity", n);
    }

    let mut map = Map::new();
    for (key, value) in &extensions {
        if !map.contains_key(*key) {
            map.insert((*key).to_owned(), Value::String(value.clone()));
        }
    }
    for (key, value) in &extensions {
        ecs(f, key, value);
    }
    put(f, "cef.extensions", Value::Object(map));

    let get = |names: &[&str]| {
        extensions
            .iter()
            .find(|(k, _)| names.contains(k))
            .map(|(_, v)| v.as_str())
    };
    let zone = get(&["dtz", "deviceTimeZone"]);
    ctx.timestamp = [
        &["rt", "deviceReceiptTime"][..],
        &["end", "endTime"],
        &["start", "startTime"],
    ]
    .iter()
    .filter_map(|names| get(names))
    .find(|v| !v.trim().is_empty())
    .and_then(|v| loose_time(v, zone));
    ctx.refined = refine(vendor, product);
    Ok(())
}

/// The static type for well-known devices.
fn refine(vendor: &str, product: &str) -> Option<&'static str> {
    let (vendor, product) = (vendor.to_ascii_lowercase(), product.to_ascii_lowercase());
    match vendor.as_str() {
        "fortinet" if product.starts_with("fortigate") => Some("fortinet.fortigate"),
        "palo alto networks" if product == "pan-os" => Some("panos.log"),
        "ubiquiti" if product.starts_with("unifi") => Some("unifi.cef"),
        "check point" | "checkpoint" => Some("checkpoint.cef"),
        "trend micro" if product.contains("deep security") => Some("trendmicro.deepsecurity"),
        _ => None,
    }
}

/// How an extension value is copied to its ECS field.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Number,
    Lower,
    Outcome,
}

/// Extension keys (short and long names) → ECS path.
const ECS: &[(&str, &str, &str, Kind)] = &[
    ("src", "sourceAddress", "source.ip", Kind::Text),
    ("spt", "sourcePort", "source.port", Kind::Number),
    ("shost", "sourceHostName", "source.domain", Kind::Text),
    ("smac", "sourceMacAddress", "source.mac", Kind::Text),
    ("suser", "sourceUserName", "source.user.name", Kind::Text),
    ("suser", "sourceUserName", "user.name", Kind::Text),
    ("suid", "sourceUserId", "source.user.id", Kind::Text),
    ("sntdom", "sourceNtDomain", "source.user.domain", Kind::Text),
    ("dst", "destinationAddress", "destination.ip", Kind::Text),
    ("dpt", "destinationPort", "destination.port", Kind::Number),
    (
        "dhost",
        "destinationHostName",
        "destination.domain",
        Kind::Text,
    ),
    (
        "dmac",
        "destinationMacAddress",
        "destination.mac",
        Kind::Text,
    ),
    (
        "duser",
        "destinationUserName",
        "destination.user.name",
        Kind::Text,
    ),
    (
        "duid",
        "destinationUserId",
        "destination.user.id",
        Kind::Text,
    ),
    (
        "dntdom",
        "destinationNtDomain",
        "destination.user.domain",
        Kind::Text,
    ),
    ("act", "deviceAction", "event.action", Kind::Text),
    ("outcome", "eventOutcome", "event.outcome", Kind::Outcome),
    (
        "proto",
        "transportProtocol",
        "network.transport",
        Kind::Lower,
    ),
    (
        "app",
        "applicationProtocol",
        "network.protocol",
        Kind::Lower,
    ),
    ("request", "requestUrl", "url.original", Kind::Text),
    (
        "requestMethod",
        "requestMethod",
        "http.request.method",
        Kind::Text,
    ),
    (
        "requestClientApplication",
        "requestClientApplication",
        "user_agent.original",
        Kind::Text,
    ),
    ("fname", "fileName", "file.name", Kind::Text),
    ("filePath", "filePath", "file.path", Kind::Text),
    ("dvchost", "deviceHostName", "observer.hostname", Kind::Text),
    ("dvc", "deviceAddress", "observer.ip", Kind::Text),
];

fn ecs(f: &mut Map<String, Value>, key: &str, value: &str) {
    for &(short, long, path, kind) in ECS {
        if key != short && key != long {
            continue;
        }
        let value = value.trim();
        match kind {
            Kind::Text => put_text(f, path, value),
            Kind::Number => put_number(f, path, value),
            Kind::Lower => put_text(f, path, &value.to_ascii_lowercase()),
            Kind::Outcome => match value.to_ascii_lowercase().as_str() {
                o @ ("success" | "failure") => put(f, path, o),
                _ => false,
            },
        };
    }
}

/// The seven header fields (unescaped) and the extension text.
fn split_header(body: &str) -> Result<([String; 7], &str), ParseError> {
    let mut fields: [String; 7] = Default::default();
    let mut index = 0;
    let mut chars = body.char_indices();
    while let Some((_, c)) = chars.next() {
        match c {
            '\\' => match chars.clone().next() {
                Some((_, next @ ('|' | '\\'))) => {
                    chars.next();
                    fields[index].push(next);
                }
                _ => fields[index].push('\\'),
            },
            '|' => {
                index += 1;
                if index == 7 {
                    let rest = chars.as_str();
                    return Ok((fields, rest));
                }
            }
            c => fields[index].push(c),
        }
    }
    // The severity may end the line without its closing `|` (no extension).
    if index == 6 {
        return Ok((fields, ""));
    }
    Err(ParseError::new(
        "bad_header",
        format!(
            "found {index} of 7 pipe-terminated CEF header fields in {:?}",
            shown(body)
        ),
    ))
}

/// Whether `b` may be part of an extension key (`ad.field[0]`, `ad.Error_,Code`).
fn key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'[' | b']' | b',')
}

/// The pairs of a space-separated `key=value` text where values may hold spaces: a key starts
/// at the beginning or after whitespace and ends at an unescaped `=`. Values are unescaped when
/// `unescape`. Text before the first key is an error.
pub(super) fn split_pairs(text: &str, unescape: bool) -> Result<Vec<(&str, String)>, ParseError> {
    let bytes = text.as_bytes();
    // (key start, `=` position)
    let mut keys: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() && keys.len() < MAX_KEYS {
        match bytes[i] {
            b'\\' if unescape => i += 2,
            b'=' => {
                let mut start = i;
                while start > 0 && key_byte(bytes[start - 1]) {
                    start -= 1;
                }
                let shaped = start < i
                    && (bytes[start].is_ascii_alphanumeric() || bytes[start] == b'_')
                    && (start == 0 || bytes[start - 1].is_ascii_whitespace());
                if shaped {
                    keys.push((start, i));
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    let head_end = keys.first().map_or(text.len(), |k| k.0);
    if !text[..head_end].trim().is_empty() {
        return Err(ParseError::new(
            "bad_extension",
            format!(
                "text without a `key=` before the first pair: {:?}",
                shown(&text[..head_end])
            ),
        ));
    }
    let mut pairs = Vec::with_capacity(keys.len());
    for (n, &(start, eq)) in keys.iter().enumerate() {
        let end = keys.get(n + 1).map_or(text.len(), |k| k.0);
        let raw = text[eq + 1..end].trim_end_matches([' ', '\t', '\r', '\n']);
        let value = if unescape {
            unescape_value(raw)
        } else {
            raw.to_owned()
        };
        pairs.push((&text[start..eq], value));
    }
    Ok(pairs)
}

fn split_extension(text: &str) -> Result<Vec<(&str, String)>, ParseError> {
    split_pairs(text, true)
}

/// CEF extension escapes: `\=`, `\\`, `\n`, `\r`; any other backslash is kept.
fn unescape_value(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.clone().next() {
            Some(e @ ('=' | '\\')) => {
                chars.next();
                out.push(e);
            }
            Some('n') => {
                chars.next();
                out.push('\n');
            }
            Some('r') => {
                chars.next();
                out.push('\r');
            }
            _ => out.push('\\'),
        }
    }
    out
}

/// At most 120 characters of `text`, for error details.
pub(super) fn shown(text: &str) -> String {
    text.chars().take(120).collect()
}

// --- Time helpers (also used by the LEEF and FortiGate parsers) ---

/// An epoch count read by magnitude: seconds, milliseconds, microseconds or nanoseconds.
pub(super) fn epoch(n: i128) -> Option<Timestamp> {
    let a = n.unsigned_abs();
    let nanos = if a < 100_000_000_000 {
        n.checked_mul(1_000_000_000)?
    } else if a < 100_000_000_000_000 {
        n.checked_mul(1_000_000)?
    } else if a < 100_000_000_000_000_000 {
        n.checked_mul(1_000)?
    } else {
        n
    };
    Timestamp::from_nanosecond(nanos).ok()
}

/// A month from its English name or three-letter abbreviation, any case.
pub(super) fn month(name: &str) -> Option<i8> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let head = name.get(..3)?.to_ascii_lowercase();
    let n = MONTHS.iter().position(|m| *m == head)?;
    i8::try_from(n + 1).ok()
}

/// `HH:mm[:ss[.fff]]`.
pub(super) fn clock(text: &str) -> Option<Time> {
    let (hms, frac) = match text.split_once(['.', ',']) {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (text, None),
    };
    let mut parts = hms.split(':');
    let h: i8 = parts.next()?.parse().ok()?;
    let m: i8 = parts.next()?.parse().ok()?;
    let s: i8 = parts.next().map_or(Some(0), |s| s.parse().ok())?;
    if parts.next().is_some() {
        return None;
    }
    let nanos = match frac {
        Some(frac)
            if !frac.is_empty() && frac.len() <= 9 && frac.bytes().all(|b| b.is_ascii_digit()) =>
        {
            let n: i32 = frac.parse().ok()?;
            n * 10_i32.pow(9 - u32::try_from(frac.len()).ok()?)
        }
        Some(_) => return None,
        None => 0,
    };
    Time::new(h, m, s, nanos).ok()
}

/// A zone token: `Z`, `UTC`, `GMT`, `+0200`, `-07:00`, `+02`, or an IANA name.
pub(super) fn zone(token: &str) -> Option<TimeZone> {
    let token = token.trim();
    match token {
        "Z" | "UTC" | "GMT" | "z" => return Some(TimeZone::UTC),
        _ => {}
    }
    let bytes = token.as_bytes();
    if let Some(&sign @ (b'+' | b'-')) = bytes.first() {
        let digits: String = token[1..].chars().filter(|c| *c != ':').collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (h, m) = match digits.len() {
            2 => (digits.parse::<i32>().ok()?, 0),
            4 => (
                digits[..2].parse::<i32>().ok()?,
                digits[2..].parse::<i32>().ok()?,
            ),
            _ => return None,
        };
        if h > 23 || m > 59 {
            return None;
        }
        let secs = (h * 3600 + m * 60) * if sign == b'-' { -1 } else { 1 };
        return Offset::from_seconds(secs).ok().map(TimeZone::fixed);
    }
    if token.contains('/') {
        return TimeZone::get(token).ok();
    }
    None
}

/// A civil time read in `tz` (UTC when `None`).
pub(super) fn in_zone(dt: DateTime, tz: Option<TimeZone>) -> Option<Timestamp> {
    let tz = tz.unwrap_or(TimeZone::UTC);
    dt.to_zoned(tz).ok().map(|z| z.timestamp())
}

/// A time as devices write it: epoch (by magnitude), `MMM dd yyyy HH:mm:ss[.SSS] [zone]`,
/// ISO 8601 / RFC 3339 (`T` or space), or `yyyy/MM/dd HH:mm:ss`. A time without a zone is
/// read in `default_zone` (a zone token, see [`zone`]) or UTC. `None` when not understood.
pub(super) fn loose_time(text: &str, default_zone: Option<&str>) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return epoch(text.parse().ok()?);
    }
    let fallback = || default_zone.and_then(zone);
    let tokens: Vec<&str> = text.split_whitespace().collect();
    if let Some(m) = tokens.first().and_then(|t| month(t)) {
        // MMM dd yyyy HH:mm:ss[.SSS] [zone]
        let [_, day, year, time, rest @ ..] = tokens.as_slice() else {
            return None;
        };
        if rest.len() > 1 || year.len() != 4 {
            return None;
        }
        let date = Date::new(year.parse().ok()?, m, day.parse().ok()?).ok()?;
        let dt = DateTime::from_parts(date, clock(time)?);
        let tz = match rest.first() {
            Some(z) => Some(zone(z)?),
            None => fallback(),
        };
        return in_zone(dt, tz);
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    let normal = text.replace('/', "-");
    let (date, time) = normal.split_once(['T', ' '])?;
    let mut d = date.split('-');
    let date = Date::new(
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    )
    .ok()?;
    let (time, tz) = match time.split_once(' ') {
        Some((t, z)) => (t, Some(zone(z)?)),
        None => (time, fallback()),
    };
    in_zone(DateTime::from_parts(date, clock(time)?), tz)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceType;
    use crate::testing::{event, ts};
    use serde_json::json;

    /// Parses `line` as declared `cef.event`; the fields and the outcome.
    fn run(line: &str) -> (Map<String, Value>, crate::Outcome) {
        let mut f = event(line);
        let out = crate::normalize(Some(&SourceType::new("cef.event").unwrap()), &mut f);
        (f, out)
    }

    fn ext<'a>(f: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
        f["cef"]["extensions"].get(key).and_then(Value::as_str)
    }

    #[test]
    fn typical_line_with_syslog_prefix_is_recognised_and_read() {
        let line = "Oct 26 20:01:31 host1 CEF:0|security|threatmanager|1.0|100|trojan successfully stopped|10|src=10.0.0.192 dst=12.121.122.82 spt=1232 suser=alice proto=TCP act=blocked rt=1500464384997 msg=hello world";
        let mut f = event(line);
        let out = crate::normalize(None, &mut f);
        assert_eq!(out.source_type.unwrap().as_str(), "cef.event");
        assert!(out.parsed, "{:?}", out.error);
        assert_eq!(out.timestamp, Some(ts("2017-07-19T11:39:44.997Z")));
        assert_eq!(f["cef"]["version"], json!("0"));
        assert_eq!(f["cef"]["device"]["vendor"], json!("security"));
        assert_eq!(f["cef"]["device"]["event_class_id"], json!("100"));
        assert_eq!(f["cef"]["severity"], json!("10"));
        assert_eq!(f["observer"]["product"], json!("threatmanager"));
        assert_eq!(f["event"]["severity"], json!(10));
        assert_eq!(f["event"]["reason"], json!("trojan successfully stopped"));
        assert_eq!(f["event"]["action"], json!("blocked"));
        assert_eq!(f["event"]["code"], json!("100"));
        assert_eq!(f["event"]["dataset"], json!("cef.event"));
        assert_eq!(f["source"]["ip"], json!("10.0.0.192"));
        assert_eq!(f["source"]["port"], json!(1232));
        assert_eq!(f["source"]["user"]["name"], json!("alice"));
        assert_eq!(f["user"]["name"], json!("alice"));
        assert_eq!(f["destination"]["ip"], json!("12.121.122.82"));
        assert_eq!(f["network"]["transport"], json!("tcp"));
        assert_eq!(ext(&f, "msg"), Some("hello world"));
        assert_eq!(f["message"], json!(line), "the original stays");
    }

    #[test]
    fn not_cef_is_not_recognised() {
        for text in [
            "this is not cef",
            "xCEF:0|a|b|c|d|e|1|",
            "CEF:zero|a|b",
            "see CEF: the format",
        ] {
            let mut f = event(text);
            assert_eq!(crate::normalize(None, &mut f).source_type, None, "{text}");
        }
    }

    #[test]
    fn bad_input_reasons() {
        let (f, out) = run("this is not cef");
        assert_eq!(out.error.unwrap().reason, "no_header");
        assert_eq!(f["error"]["type"], json!("no_header"));
        let (_, out) = run("a|b|c with several \\| escaped\\| pipes|d|bananas");
        assert_eq!(out.error.unwrap().reason, "no_header");
        let (_, out) = run("CEF:0|a|b|c with several \\| escaped\\| pipes|d");
        let e = out.error.unwrap();
        assert_eq!(e.reason, "bad_header");
        assert!(e.detail.contains("found 4 of 7"), "{}", e.detail);
        let (_, out) = run(
            "CEF:0|security|threatmanager|1.0|100|trojan successfully stopped|10|this is in the extensions space but it is not valid because it is not equals-separated key/value",
        );
        assert_eq!(out.error.unwrap().reason, "bad_extension");
        let mut f = Map::new();
        let out = crate::normalize(Some(&SourceType::new("cef.event").unwrap()), &mut f);
        assert_eq!(out.error.unwrap().reason, "no_message");
    }

    #[test]
    fn severity_without_closing_pipe_and_prefixless_line() {
        let (f, out) = run("CEF:0|v|p|1|2|n|5");
        assert!(out.parsed);
        assert_eq!(f["cef"]["severity"], json!("5"));
        assert_eq!(f["cef"]["extensions"], json!({}));
        let (f, out) = run("0|Ubiquiti|UniFi Network|9.4.19|201|Threat|7|src=192.0.2.1");
        assert!(out.parsed);
        assert_eq!(out.source_type.unwrap().as_str(), "unifi.cef");
        assert_eq!(f["source"]["ip"], json!("192.0.2.1"));
        let (_, out) = run("CEF: 0|Fortinet|Fortigate|v6|1|n|3|");
        assert_eq!(out.source_type.unwrap().as_str(), "fortinet.fortigate");
        let (_, out) = run("CEF:0|Palo Alto Networks|PAN-OS|10|1|n|3|");
        assert_eq!(out.source_type.unwrap().as_str(), "panos.log");
        let (_, out) = run("CEF:0|Check Point|VPN-1 & FireWall-1|1|1|n|3|");
        assert_eq!(out.source_type.unwrap().as_str(), "checkpoint.cef");
        let (_, out) = run("CEF:0|Trend Micro|Deep Security Agent|1|1|n|3|");
        assert_eq!(out.source_type.unwrap().as_str(), "trendmicro.deepsecurity");
        let (_, out) = run("CEF:0|Acme|Thing|1|1|n|3|");
        assert_eq!(out.source_type.unwrap().as_str(), "cef.event");
    }

    // Cases from the logstash-codec-cef spec suite (Apache-2.0), strings and expected values
    // transcribed by hand.
    #[test]
    fn logstash_codec_header_escapes() {
        let (f, _) = run(
            r"CEF:0|secu\\rity|threat\\manager|1.\\0|10\\0|tro\\jan successfully stopped|\\10|",
        );
        assert_eq!(f["cef"]["device"]["vendor"], json!(r"secu\rity"));
        assert_eq!(f["cef"]["device"]["product"], json!(r"threat\manager"));
        assert_eq!(f["cef"]["device"]["version"], json!(r"1.\0"));
        assert_eq!(f["cef"]["device"]["event_class_id"], json!(r"10\0"));
        assert_eq!(f["cef"]["name"], json!(r"tro\jan successfully stopped"));
        assert_eq!(f["cef"]["severity"], json!(r"\10"));
        let (f, _) =
            run(r"CEF:0|security\\\||threatmanager\\|1.0|100|trojan successfully stopped|10|");
        assert_eq!(f["cef"]["device"]["vendor"], json!(r"security\|"));
        assert_eq!(f["cef"]["device"]["product"], json!(r"threatmanager\"));
        let (f, _) = run(
            r"CEF:0|secu\|rity|threatmanager\||1.\|0|10\|0|tro\|jan successfully stopped|\|10|",
        );
        assert_eq!(f["cef"]["device"]["vendor"], json!("secu|rity"));
        assert_eq!(f["cef"]["device"]["product"], json!("threatmanager|"));
        assert_eq!(f["cef"]["device"]["version"], json!("1.|0"));
        assert_eq!(f["cef"]["name"], json!("tro|jan successfully stopped"));
        assert_eq!(f["cef"]["severity"], json!("|10"));
        let (f, _) =
            run(r"CEF:0|security|threatmanager|1.0|100|double backslash\\\\|10|src=10.0.0.192");
        assert_eq!(f["cef"]["name"], json!(r"double backslash\\"));
        assert_eq!(f["cef"]["severity"], json!("10"));
        let (f, _) =
            run("CEF:0|security|threatmanager=equal|1.0|100|trojan successfully stopped|10|");
        assert_eq!(f["cef"]["device"]["product"], json!("threatmanager=equal"));
        let (f, _) = run(
            "CEF:0|||1.0|100|trojan successfully stopped|10|src=10.0.0.192 dst=12.121.122.82 spt=1232",
        );
        assert_eq!(f["cef"]["device"]["vendor"], json!(""));
        assert_eq!(f["cef"]["device"]["product"], json!(""));
        assert!(f.get("observer").is_none_or(|o| o.get("vendor").is_none()));
        assert_eq!(f["source"]["port"], json!(1232));
    }

    #[test]
    fn logstash_codec_extension_values() {
        let p = "CEF:0|security|threatmanager|1.0|100|trojan successfully stopped|10|";
        let (f, _) = run(&format!("{p} src=10.0.0.192  dst=12.121.122.82  spt=1232"));
        assert_eq!(f["source"]["ip"], json!("10.0.0.192"));
        assert_eq!(f["destination"]["ip"], json!("12.121.122.82"));
        assert_eq!(f["source"]["port"], json!(1232));
        let (f, _) = run(&format!(r"{p}moo=this\|has an escaped pipe"));
        assert_eq!(ext(&f, "moo"), Some(r"this\|has an escaped pipe"));
        let (f, _) = run(&format!("{p}moo=this|has an pipe"));
        assert_eq!(ext(&f, "moo"), Some("this|has an pipe"));
        let (f, _) = run(&format!(r"{p}moo=this =has = equals\="));
        assert_eq!(ext(&f, "moo"), Some("this =has = equals="));
        let (f, _) = run(&format!(
            r"{p}foo=bar msg=this message has escaped equals \= and escaped newlines \n escaped carriage returns \r and escaped backslashes \\ in it bar=baz"
        ));
        assert_eq!(ext(&f, "foo"), Some("bar"));
        assert_eq!(
            ext(&f, "msg"),
            Some(
                "this message has escaped equals = and escaped newlines \n escaped carriage returns \r and escaped backslashes \\ in it"
            )
        );
        assert_eq!(ext(&f, "bar"), Some("baz"));
        let (f, _) = run(&format!(r"{p}moo=this \has \ backslashs\"));
        assert_eq!(ext(&f, "moo"), Some(r"this \has \ backslashs\"));
        let (f, _) = run(&format!(
            r"{p}go=start now query_string=key1\=value1&key2\=value3 aa.bc&key3\=value4 final=done"
        ));
        assert_eq!(ext(&f, "go"), Some("start now"));
        assert_eq!(
            ext(&f, "query_string"),
            Some("key1=value1&key2=value3 aa.bc&key3=value4")
        );
        assert_eq!(ext(&f, "final"), Some("done"));
        let (f, _) = run(&format!(
            "{p}src=10.0.0.192 dst=12.121.122.82  spt=1232 dproc=InternetExplorer x.x.x.x"
        ));
        assert_eq!(ext(&f, "dproc"), Some("InternetExplorer x.x.x.x"));
        let (f, _) = run(&format!(
            "{p}src=10.0.0.192 additional.dotfieldName=new_value ad.Authentification=MICROSOFT_AUTHENTICATION_PACKAGE_V1_0 ad.Error_,Code=3221225578 dst=12.121.122.82 ad.field[0]=field0 ad.foo.name[1]=new_name"
        ));
        assert_eq!(ext(&f, "ad.field[0]"), Some("field0"));
        assert_eq!(ext(&f, "ad.foo.name[1]"), Some("new_name"));
        assert_eq!(
            ext(&f, "ad.Authentification"),
            Some("MICROSOFT_AUTHENTICATION_PACKAGE_V1_0")
        );
        assert_eq!(ext(&f, "ad.Error_,Code"), Some("3221225578"));
        assert_eq!(ext(&f, "additional.dotfieldName"), Some("new_value"));
        assert_eq!(
            crate::fields::text(&f, "cef.extensions.ad.field[0]"),
            Some("field0")
        );
        let (f, _) = run(&format!(
            r"{p}src=10.0.0.192 cs4=401 random.user Admin 0 23041A10181C0000  23041810181C0000  /CN\=random.user/OU\=User Login End-Entity  /CN\=TEST/OU\=Login CA TEST 34 additional.dotfieldName=new_value"
        ));
        assert_eq!(
            ext(&f, "cs4"),
            Some(
                "401 random.user Admin 0 23041A10181C0000  23041810181C0000  /CN=random.user/OU=User Login End-Entity  /CN=TEST/OU=Login CA TEST 34"
            )
        );
        let (f, _) = run(&format!(
            "{p}src=10.0.0.192 dst=12.121.122.82 new_key_by_device=new_values here"
        ));
        assert_eq!(ext(&f, "new_key_by_device"), Some("new_values here"));
        let (f, _) = run(&format!(
            "{p}src=10.0.0.192 dst=12.121.122.82 proto=TCP shost=source.host.name dhost=destination.host.name spt=11024 dpt=9200 outcome=Success amac=00:80:48:1c:24:91"
        ));
        assert_eq!(f["network"]["transport"], json!("tcp"));
        assert_eq!(f["source"]["domain"], json!("source.host.name"));
        assert_eq!(f["destination"]["domain"], json!("destination.host.name"));
        assert_eq!(f["destination"]["port"], json!(9200));
        assert_eq!(f["event"]["outcome"], json!("success"));
        assert_eq!(ext(&f, "amac"), Some("00:80:48:1c:24:91"));
        let (f, _) = run(&format!(
            "{p}src=192.168.1.11 target=aaaaaああああaaaa msg=Description Omitted"
        ));
        assert_eq!(ext(&f, "target"), Some("aaaaaああああaaaa"));
        let (f, _) = run(
            "Syslogdate Sysloghost CEF:0|security|threatmanager|1.0|100|trojan successfully stopped|10|cfp15=3.1415926 cfp15Label=pi c6a12=::1 c6a12Label=localhost cn7=8191 cn7Label=mersenne cs4=silly cs4Label=theory",
        );
        assert_eq!(ext(&f, "cfp15"), Some("3.1415926"));
        assert_eq!(ext(&f, "c6a12"), Some("::1"));
        assert_eq!(ext(&f, "cn7Label"), Some("mersenne"));
        assert_eq!(ext(&f, "cs4Label"), Some("theory"));
        let (f, _) = run(
            "CEF:0|Vendor|Device|Version|13|my message|5|dvchost=loghost cat=traffic deviceSeverity=notice ad.nn=TEST src=192.168.0.1 destinationPort=53",
        );
        assert_eq!(f["observer"]["hostname"], json!("loghost"));
        assert_eq!(ext(&f, "ad.nn"), Some("TEST"));
        assert_eq!(f["destination"]["port"], json!(53));
    }

    #[test]
    fn logstash_codec_malformed_equals_and_times() {
        let (f, out) = run(
            "CEF:0|FooBar|Web Gateway|1.2.3.45.67|200|Success|2|rt=Sep 07 2018 14:50:39 cat=Access Log dst=1.1.1.1 dhost=foo.example.com suser=redacted src=2.2.2.2 requestMethod=POST request='https://foo.example.com/bar/bingo/1' requestClientApplication='Foo-Bar/2018.1.7; Email:user@example.com; Guid:test=' cs1= cs1Label=Foo Bar",
        );
        assert_eq!(out.timestamp, Some(ts("2018-09-07T14:50:39Z")));
        assert_eq!(f["observer"]["version"], json!("1.2.3.45.67"));
        assert_eq!(f["event"]["severity"], json!(2));
        assert_eq!(ext(&f, "cat"), Some("Access Log"));
        assert_eq!(f["destination"]["domain"], json!("foo.example.com"));
        assert_eq!(f["source"]["user"]["name"], json!("redacted"));
        assert_eq!(f["http"]["request"]["method"], json!("POST"));
        assert_eq!(
            f["url"]["original"],
            json!("'https://foo.example.com/bar/bingo/1'")
        );
        assert_eq!(
            f["user_agent"]["original"],
            json!("'Foo-Bar/2018.1.7; Email:user@example.com; Guid:test='")
        );
        assert_eq!(ext(&f, "cs1"), Some(""));
        assert_eq!(ext(&f, "cs1Label"), Some("Foo Bar"));
        // rt without a zone, read in dtz (Moscow was UTC+3 in 2017).
        let (f, out) = run(
            "CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|Very-High| eventId=1 msg=Worm successfully stopped art=1500464384997 deviceSeverity=10 rt=Jul 19 2017 10:50:21.127 src=10.0.0.1 sourceZoneURI=/All Zones/ArcSight System/Private Address Space Zones/RFC1918: 10.0.0.0-10.255.255.255 spt=1232 dst=2.1.2.2 dvchost=client1 dtz=Europe/Moscow _cefVer=0.1 aid=3UBajWl0BABCABBzZSlmUdw==",
        );
        assert_eq!(out.timestamp, Some(ts("2017-07-19T07:50:21.127Z")));
        assert!(
            f["event"].get("severity").is_none(),
            "Very-High is not a number"
        );
        assert_eq!(
            ext(&f, "sourceZoneURI"),
            Some(
                "/All Zones/ArcSight System/Private Address Space Zones/RFC1918: 10.0.0.0-10.255.255.255"
            )
        );
        assert_eq!(ext(&f, "aid"), Some("3UBajWl0BABCABBzZSlmUdw=="));
        let (_, out) = run(
            "CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|Very-High| eventId=1 msg=Worm successfully stopped start=",
        );
        assert!(out.parsed);
        assert_eq!(out.timestamp, None);
        let (_, out) = run("CEF:0|a|b|1|1|n|1|rt=Sep 07 14:50:39");
        assert_eq!(out.timestamp, None, "no year");
        let (_, out) = run("CEF:0|a|b|1|1|n|1|end=2021-03-01T20:35:54.5+01:00");
        assert_eq!(out.timestamp, Some(ts("2021-03-01T19:35:54.5Z")));
    }

    #[test]
    fn time_helpers() {
        assert_eq!(epoch(1_728_938_800), Some(ts("2024-10-14T20:46:40Z")));
        assert_eq!(
            epoch(1_728_938_800_841),
            Some(ts("2024-10-14T20:46:40.841Z"))
        );
        assert_eq!(
            epoch(1_728_938_800_841_267),
            Some(ts("2024-10-14T20:46:40.841267Z"))
        );
        assert_eq!(
            epoch(1_728_938_800_841_267_391),
            Some(ts("2024-10-14T20:46:40.841267391Z"))
        );
        assert_eq!(
            loose_time("Mar 01 2021 21:06:02 +0200", None),
            Some(ts("2021-03-01T19:06:02Z"))
        );
        assert_eq!(
            loose_time("2012/04/10 04:39:56", None),
            Some(ts("2012-04-10T04:39:56Z"))
        );
        assert_eq!(
            loose_time("2012-04-10 04:39:56", Some("-0700")),
            Some(ts("2012-04-10T11:39:56Z"))
        );
        assert_eq!(loose_time("Feb 30 2021 00:00:00", None), None);
        assert_eq!(loose_time("nonsense", None), None);
    }

    #[test]
    fn unifi_fixture() {
        let Some(dir) = crate::testing::fixture("cef_unifi_fixture", "multi/crowdsec_hub_tests")
        else {
            return;
        };
        let mut parsed = 0;
        let mut lines = 0;
        let mut all = Vec::new();
        for sub in ["unifi-cef", "cef-logs"] {
            let text = std::fs::read_to_string(dir.join(sub).join("cef-logs.log")).unwrap();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                lines += 1;
                let (f, out) = run(line);
                assert!(out.parsed, "{line}: {:?}", out.error);
                assert_eq!(out.source_type.as_ref().unwrap().as_str(), "unifi.cef");
                parsed += 1;
                all.push(f);
            }
        }
        assert_eq!((lines, parsed), (7, 7));
        let f = &all[2];
        assert_eq!(f["source"]["ip"], json!("198.51.100.10"));
        assert_eq!(f["source"]["port"], json!(46621));
        assert_eq!(f["destination"]["port"], json!(80));
        assert_eq!(f["event"]["action"], json!("blocked"));
        assert_eq!(f["network"]["protocol"], json!("http"));
        assert_eq!(
            ext(f, "UNIFIflowStartTime"),
            Some("Oct 26, 2025 at 7:59:41.239 PM")
        );
        assert_eq!(
            ext(f, "UNIFIipsSignature"),
            Some("ET DROP Dshield Block Listed Source group 1")
        );
        assert_eq!(
            ext(f, "msg"),
            Some(
                "A network intrusion attempt from 198.51.100.10 to DS920+ macvlan has been detected and blocked."
            )
        );
        assert_eq!(all[0]["cef"]["name"], json!("Admin Accessed UniFi Network"));
        assert_eq!(ext(&all[0], "UNIFIadmin"), Some("Secure Admin"));
        // Every line but the ones without `CEF:` is recognised from its content.
        let recognised = all
            .iter()
            .filter(|f| {
                let mut g = event(f["message"].as_str().unwrap());
                crate::normalize(None, &mut g).source_type.is_some()
            })
            .count();
        assert_eq!(recognised, 5);
    }

    #[test]
    fn logstash_spec_fixture_is_present() {
        let Some(dir) =
            crate::testing::fixture("cef_logstash_spec_fixture", "cef/logstash_codec_cef_spec")
        else {
            return;
        };
        // The cases above were transcribed from this suite; count its CEF strings so a
        // different snapshot is noticed.
        let text = std::fs::read_to_string(dir.join("cef_spec.rb")).unwrap();
        assert_eq!(text.matches("CEF:0|").count(), 38);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            let mut f = event(&text);
            let _ = crate::normalize(None, &mut f);
            let _ = run(&text);
            let _ = run(&format!("CEF:0|{text}"));
            let _ = loose_time(&text, Some(&text));
        }

        #[test]
        fn mutated_lines_never_panic(cut in 0usize..200, insert in "[|=\\\\ a-z]{0,8}") {
            let line = "CEF:0|security|threatmanager|1.0|100|trojan|10|src=10.0.0.192 dst=12.121.122.82 spt=1232 msg=a b\\=c rt=Jul 19 2017 10:50:21.127";
            let at = line.char_indices().map(|(i, _)| i).nth(cut % line.len()).unwrap_or(0);
            let mutated = format!("{}{insert}{}", &line[..at], &line[at..]);
            let _ = run(&mutated);
            let _ = run(&line[..at]);
        }
    }
}
