//! Apache and Nginx access logs (source types `nginx.access`, `apache.access` and
//! `webserver.access`) in the common and combined formats, with the extras servers commonly
//! add around them: a virtual host in front (`%v` / `%v:%p`), a quoted or comma-separated
//! X-Forwarded-For list before the client, and trailing fields after the user agent (nginx's
//! `"$http_x_forwarded_for"`, a request time), which are skipped.
//!
//! `1.2.3.4 - user [10/Oct/2000:13:55:36 -0700] "GET /a?b=1 HTTP/1.1" 200 2326 "http://ref/" "Mozilla/5.0 ..."`
//!
//! Fields produced (ECS, then the W3C names SigmaHQ's `category: webserver` rules test):
//!
//! | field | from |
//! |---|---|
//! | `source.ip` (or `source.address` when not an IP) | the client; from an address list, the first public IP, else the first entry |
//! | `related.ip` | every IP of the client and X-Forwarded-For list |
//! | `destination.domain` or `destination.ip`, `destination.port` | the virtual host in front, when there is one |
//! | `user.name` | the authenticated user (`%u` / `$remote_user`), unless `-` |
//! | `http.request.method`, `url.original`, `http.version` | the request line `METHOD URI HTTP/x` |
//! | `url.path`, `url.query`, `url.scheme`, `url.domain` | the URI (`/path?query`, or absolute `http://host/path?query`) |
//! | `http.response.status_code`, `http.response.body.bytes` (numbers) | status, size (`-` → absent) |
//! | `http.request.referrer`, `user_agent.original` | the first two quoted fields after the size, unless `-` |
//! | `event.category` (`web`), `event.outcome` | `success` below status 400, `failure` from 400 |
//! | `c-ip`, `cs-username`, `cs-method`, `cs-uri-stem`, `cs-uri-query`, `sc-status` (number), `cs-referer`, `cs-user-agent` | W3C names, top level: client, user, method, `url.path`, **`url.original`**, status, referrer, user agent |
//! | timestamp | `[10/Oct/2000:13:55:36 -0700]`, with its offset (fractional seconds accepted) |
//!
//! `cs-uri-query` holds the whole URI (path and query string), not only the query: that is
//! what SigmaHQ's webserver rules expect of it (`cs-uri-query|contains: '/../vpns/'`,
//! `cs-uri-query|endswith: '.xsl'` next to `cs-uri-stem` for the path), so one value serves
//! the rules written either way. The one cost: a `cs-uri-query: null` filter (meaning "no
//! query string") never holds.
//!
//! Values are as logged: the URI is not percent-decoded (rules match `%24%28` as sent), and
//! the server's escapes (`\"`, `\x22`) stay. A request line that is not `METHOD URI PROTO`
//! keeps what can be read: `"-"` or `""` (nothing sent, as with a 408) has no request
//! fields, `METHOD URI` (HTTP/0.9) has no version, and a line whose first word is not a
//! method (a TLS handshake sent to a plain port) has none.
//!
//! Errors: no bracketed time (`no_timestamp`; e.g. an error-log line), nothing before it
//! (`no_client`), no quoted request after it (`no_request`), a status that is not a number
//! of at most three digits (`bad_status`), a size that is neither a number nor `-`
//! (`bad_bytes`).
//!
//! Recognition: none (an access line does not say which server wrote it); the type must be
//! declared. Left out: user-agent parsing, the ident field (`%l`), trailing custom fields,
//! and JSON access logs (`log_format ... escape=json`), which are a different format.

use std::net::IpAddr;

use jiff::Timestamp;
use serde_json::Value;

use super::{Ctx, Format};
use crate::ParseError;
use crate::fields;

pub(crate) const FORMAT: Format = Format {
    name: "web_access",
    claims: &["nginx.access", "apache.access", "webserver.access"],
    recognise: |_| None,
    markers: &[],
    parse,
};

/// How many `[` recognition of the time tries before giving up.
const MAX_BRACKETS: usize = 16;
/// Most words read before the time (virtual host, address lists, ident, user).
const MAX_PREFIX_WORDS: usize = 64;
/// Most addresses kept from the client and X-Forwarded-For lists.
const MAX_ADDRESSES: usize = 32;

/// At most `max` characters of `text`, for error details.
fn shown(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

fn two_digits(b: &[u8]) -> Option<i8> {
    match b {
        [a @ b'0'..=b'9', c @ b'0'..=b'9'] => Some(((a - b'0') * 10 + (c - b'0')) as i8),
        _ => None,
    }
}

/// `10/Oct/2000:13:55:36 -0700` (seconds may carry a fraction).
fn parse_time(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    if b.len() < 26 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' {
        return None;
    }
    let day = two_digits(&b[0..2])?;
    let month = match &b[3..6] {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    };
    if !b[7..11].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let year: i16 = std::str::from_utf8(&b[7..11]).ok()?.parse().ok()?;
    if b[14] != b':' || b[17] != b':' {
        return None;
    }
    let (hour, minute, second) = (
        two_digits(&b[12..14])?,
        two_digits(&b[15..17])?,
        two_digits(&b[18..20])?,
    );
    let mut rest = &b[20..];
    let mut nanos: i32 = 0;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        for (i, d) in fraction[..9.min(digits)].iter().enumerate() {
            nanos += i32::from(d - b'0') * 10_i32.pow(8 - i as u32);
        }
        rest = &fraction[digits..];
    }
    let [b' ', sign @ (b'+' | b'-'), zone @ ..] = rest else {
        return None;
    };
    let [h1, h2, m1, m2] = zone else {
        return None;
    };
    let hours = i32::from(two_digits(&[*h1, *h2])?);
    let minutes = i32::from(two_digits(&[*m1, *m2])?);
    if minutes >= 60 {
        return None;
    }
    let seconds = (hours * 3600 + minutes * 60) * if *sign == b'-' { -1 } else { 1 };
    let offset = jiff::tz::Offset::from_seconds(seconds).ok()?;
    let civil = jiff::civil::DateTime::new(year, month, day, hour, minute, second, nanos).ok()?;
    offset.to_timestamp(civil).ok()
}

/// The bracketed time: (start of `[`, end after `]`, the time).
fn find_time(line: &str) -> Option<(usize, usize, Timestamp)> {
    let bytes = line.as_bytes();
    for open in memchr::memchr_iter(b'[', bytes).take(MAX_BRACKETS) {
        let window = &bytes[open + 1..bytes.len().min(open + 48)];
        let Some(close) = memchr::memchr(b']', window) else {
            continue;
        };
        let close = open + 1 + close;
        if let Some(time) = parse_time(&line[open + 1..close]) {
            return Some((open, close + 1, time));
        }
    }
    None
}

/// Splits on spaces, a `"…"` being one word (quotes kept).
fn words(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() && out.len() < MAX_PREFIX_WORDS {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if bytes[i] == b'"' {
            i = memchr::memchr(b'"', &bytes[i + 1..]).map_or(bytes.len(), |n| i + 2 + n);
        } else {
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
        }
        out.push(&text[start..i]);
    }
    out
}

/// A quoted field starting at `text[0] == '"'`: (its content, the text after it); `None`
/// when unterminated. `\"` and `\\` do not end it.
fn quoted(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some((&text[1..i], &text[i + 1..])),
            _ => i += 1,
        }
    }
    None
}

/// Whether an address is routable on the Internet (not private, loopback, link-local, ...).
fn is_public(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// What comes before the time.
#[derive(Debug, Default, PartialEq)]
struct Prefix<'a> {
    vhost: Option<&'a str>,
    addresses: Vec<&'a str>,
    user: Option<&'a str>,
}

fn prefix(text: &str) -> Option<Prefix<'_>> {
    let words = words(text);
    let (client_end, user) = match words.len() {
        0 => return None,
        1 => (1, None),
        2 => (1, Some(words[1])),
        n => (n - 2, Some(words[n - 1])),
    };
    let before = &words[..client_end];
    // As filebeat's grok: a first word that is neither quoted nor part of a comma-separated
    // list, with more after it, is the virtual host; the rest is the address list (a quoted
    // X-Forwarded-For list, comma- or space-separated addresses, then the client).
    let vhost = match before {
        [first, _, ..] if !first.starts_with('"') && !first.ends_with(',') => Some(*first),
        _ => None,
    };
    let addresses = before[usize::from(vhost.is_some())..]
        .iter()
        .flat_map(|word| word.trim_matches('"').split(','))
        .map(str::trim)
        .filter(|a| !a.is_empty() && *a != "-")
        .take(MAX_ADDRESSES)
        .collect();
    Some(Prefix {
        vhost,
        addresses,
        user: user.filter(|u| *u != "-" && !u.is_empty()),
    })
}

/// The parts of a request line that can be read.
#[derive(Debug, Default, PartialEq)]
struct Request<'a> {
    method: Option<&'a str>,
    uri: Option<&'a str>,
    version: Option<&'a str>,
}

fn request(line: &str) -> Request<'_> {
    let Some((method, rest)) = line.split_once(' ') else {
        return Request::default();
    };
    let is_method = !method.is_empty()
        && method.len() <= 32
        && method
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'_');
    if !is_method {
        return Request::default();
    }
    let rest = rest.trim();
    let (uri, version) = match rest.rsplit_once(' ') {
        Some((uri, proto)) if proto.starts_with("HTTP/") => (uri.trim_end(), proto.get(5..)),
        _ if rest.starts_with("HTTP/") => ("", rest.get(5..)),
        _ => (rest, None),
    };
    Request {
        method: Some(method),
        uri: (!uri.is_empty()).then_some(uri),
        version: version.filter(|v| !v.is_empty()),
    }
}

fn put_url(fields: &mut serde_json::Map<String, Value>, uri: &str) {
    fields::put(fields, "url.original", uri);
    fields::put(fields, "cs-uri-query", uri);
    let lower = uri.get(..8).unwrap_or(uri).to_ascii_lowercase();
    let (path_and_query, scheme_len) = if lower.starts_with("http://") {
        (&uri[7..], 4)
    } else if lower.starts_with("https://") {
        (&uri[8..], 5)
    } else {
        (uri, 0)
    };
    let path_and_query = if scheme_len > 0 {
        fields::put(fields, "url.scheme", uri[..scheme_len].to_ascii_lowercase());
        let end = path_and_query
            .find(['/', '?', '#'])
            .unwrap_or(path_and_query.len());
        let authority = &path_and_query[..end];
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = match host.strip_prefix('[') {
            Some(bracketed) => bracketed.split_once(']').map_or(bracketed, |(h, _)| h),
            None => match host.rsplit_once(':') {
                Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
                    h
                }
                _ => host,
            },
        };
        fields::put_text(fields, "url.domain", host);
        &path_and_query[end..]
    } else {
        path_and_query
    };
    if !(path_and_query.starts_with('/') || path_and_query.starts_with('?') || scheme_len > 0) {
        return;
    }
    let without_fragment = path_and_query
        .split_once('#')
        .map_or(path_and_query, |(p, _)| p);
    let (path, query) = match without_fragment.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (without_fragment, None),
    };
    let path = if path.is_empty() && scheme_len > 0 {
        "/"
    } else {
        path
    };
    if !path.is_empty() {
        fields::put(fields, "url.path", path);
        fields::put(fields, "cs-uri-stem", path);
    }
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        fields::put(fields, "url.query", query);
    }
}

fn parse(ctx: &mut Ctx<'_>) -> Result<(), ParseError> {
    let line = ctx.line()?;
    let line = line.trim_end_matches(['\r', '\n']);
    let Some((open, close, timestamp)) = find_time(line) else {
        return Err(ParseError::new(
            "no_timestamp",
            format!(
                "no `[dd/Mon/yyyy:HH:MM:SS +zzzz]` time in {:?}",
                shown(line, 80)
            ),
        ));
    };
    let Some(prefix) = prefix(&line[..open]) else {
        return Err(ParseError::new(
            "no_client",
            format!("nothing before the time in {:?}", shown(line, 80)),
        ));
    };
    let after = line[close..].trim_start();
    let Some((request_line, after)) = after.starts_with('"').then(|| quoted(after)).flatten()
    else {
        return Err(ParseError::new(
            "no_request",
            format!("no quoted request after the time: {:?}", shown(after, 60)),
        ));
    };
    let mut rest = after.trim_start();
    let status_word = rest.split(' ').next().unwrap_or_default();
    let status: u16 = match status_word.parse() {
        Ok(n) if n <= 999 && status_word.len() <= 3 => n,
        _ => {
            return Err(ParseError::new(
                "bad_status",
                format!(
                    "the status after the request is not a number: {:?}",
                    shown(status_word, 40)
                ),
            ));
        }
    };
    rest = rest[status_word.len()..].trim_start();
    let bytes_word = rest.split(' ').next().unwrap_or_default();
    let body_bytes = match bytes_word {
        "" | "-" => None,
        word => match word.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return Err(ParseError::new(
                    "bad_bytes",
                    format!(
                        "the size after status {status} is neither a number nor `-`: {:?}",
                        shown(word, 40)
                    ),
                ));
            }
        },
    };
    rest = rest[bytes_word.len()..].trim_start();
    let mut quoted_fields = [None, None];
    for slot in &mut quoted_fields {
        if !rest.starts_with('"') {
            break;
        }
        // A line cut inside its last quoted field keeps what is there.
        let (value, after) = quoted(rest).unwrap_or((&rest[1..], ""));
        *slot = Some(value).filter(|v| !v.is_empty() && *v != "-");
        rest = after.trim_start();
    }
    let [referrer, user_agent] = quoted_fields;

    let fields = &mut *ctx.fields;
    // Client: the first public IP of the list, else its first entry (as logged).
    let ips: Vec<&str> = prefix
        .addresses
        .iter()
        .copied()
        .filter(|a| a.parse::<IpAddr>().is_ok())
        .collect();
    let client = ips
        .iter()
        .copied()
        .find(|a| a.parse::<IpAddr>().is_ok_and(|ip| is_public(&ip)))
        .or_else(|| prefix.addresses.first().copied());
    if let Some(client) = client {
        if client.parse::<IpAddr>().is_ok() {
            fields::put(fields, "source.ip", client);
        } else {
            fields::put(fields, "source.address", client);
        }
        fields::put(fields, "c-ip", client);
    }
    if !ips.is_empty() {
        let mut related: Vec<Value> = Vec::new();
        for ip in ips {
            let text = Value::from(ip);
            if !related.contains(&text) {
                related.push(text);
            }
        }
        fields::put(fields, "related.ip", Value::Array(related));
    }
    if let Some(vhost) = prefix.vhost {
        let (host, port) = match vhost.rsplit_once(':') {
            Some((host, port))
                if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) =>
            {
                (host, Some(port))
            }
            _ => (vhost, None),
        };
        match host.parse::<IpAddr>() {
            Ok(ip) => fields::put(fields, "destination.ip", ip.to_string()),
            Err(_) => fields::put_text(fields, "destination.domain", host),
        };
        if let Some(port) = port {
            fields::put_number(fields, "destination.port", port);
        }
    }
    if let Some(user) = prefix.user {
        fields::put(fields, "user.name", user);
        fields::put(fields, "cs-username", user);
    }
    let request = request(request_line);
    if let Some(method) = request.method {
        fields::put(fields, "http.request.method", method);
        fields::put(fields, "cs-method", method);
    }
    if let Some(uri) = request.uri {
        put_url(fields, uri);
    }
    if let Some(version) = request.version {
        fields::put(fields, "http.version", version);
    }
    fields::put(fields, "http.response.status_code", status);
    fields::put(fields, "sc-status", status);
    if let Some(n) = body_bytes {
        fields::put(fields, "http.response.body.bytes", n);
    }
    if let Some(referrer) = referrer {
        fields::put(fields, "http.request.referrer", referrer);
        fields::put(fields, "cs-referer", referrer);
    }
    if let Some(agent) = user_agent {
        fields::put(fields, "user_agent.original", agent);
        fields::put(fields, "cs-user-agent", agent);
    }
    fields::put(fields, "event.category", Value::Array(vec!["web".into()]));
    fields::put(
        fields,
        "event.outcome",
        if status < 400 { "success" } else { "failure" },
    );
    ctx.timestamp = Some(timestamp);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::event;
    use crate::{SourceType, normalize};
    use proptest::prelude::*;
    use serde_json::{Map, json};

    fn as_type(source_type: &str, message: &str) -> (Map<String, Value>, crate::Outcome) {
        let mut fields = event(message);
        let outcome = normalize(Some(&SourceType::new(source_type).unwrap()), &mut fields);
        (fields, outcome)
    }

    fn parsed(message: &str) -> Map<String, Value> {
        let (fields, outcome) = as_type("nginx.access", message);
        assert!(outcome.parsed, "{message}: {:?}", outcome.error);
        fields
    }

    fn at(fields: &Map<String, Value>, path: &str) -> Value {
        fields::lookup(fields, path).cloned().unwrap_or(Value::Null)
    }

    #[test]
    fn combined_line_fields_and_time() {
        let line = r#"1.2.3.4 - frank [10/Oct/2000:13:55:36 -0700] "GET /a/b.php?b=1&c=%24%28 HTTP/1.1" 200 2326 "http://ref/" "Mozilla/5.0 (X11; Linux x86_64)""#;
        for source_type in ["nginx.access", "apache.access", "webserver.access"] {
            let (f, outcome) = as_type(source_type, line);
            assert!(outcome.parsed, "{source_type}");
            assert_eq!(outcome.source_type.unwrap().as_str(), source_type);
            assert_eq!(
                outcome.timestamp.unwrap().to_string(),
                "2000-10-10T20:55:36Z"
            );
            assert_eq!(at(&f, "event.dataset"), source_type);
            assert_eq!(at(&f, "source.ip"), "1.2.3.4");
            assert_eq!(at(&f, "user.name"), "frank");
            assert_eq!(at(&f, "http.request.method"), "GET");
            assert_eq!(at(&f, "url.original"), "/a/b.php?b=1&c=%24%28");
            assert_eq!(at(&f, "url.path"), "/a/b.php");
            assert_eq!(at(&f, "url.query"), "b=1&c=%24%28");
            assert_eq!(at(&f, "http.version"), "1.1");
            assert_eq!(at(&f, "http.response.status_code"), 200);
            assert_eq!(at(&f, "http.response.body.bytes"), 2326);
            assert_eq!(at(&f, "http.request.referrer"), "http://ref/");
            assert_eq!(
                at(&f, "user_agent.original"),
                "Mozilla/5.0 (X11; Linux x86_64)"
            );
            assert_eq!(at(&f, "event.outcome"), "success");
            assert_eq!(at(&f, "event.category"), json!(["web"]));
            assert_eq!(at(&f, "related.ip"), json!(["1.2.3.4"]));
            // W3C names for SigmaHQ's webserver rules.
            assert_eq!(f["c-ip"], "1.2.3.4");
            assert_eq!(f["cs-username"], "frank");
            assert_eq!(f["cs-method"], "GET");
            assert_eq!(f["cs-uri-stem"], "/a/b.php");
            assert_eq!(f["cs-uri-query"], "/a/b.php?b=1&c=%24%28");
            assert_eq!(f["sc-status"], 200);
            assert_eq!(f["cs-referer"], "http://ref/");
            assert_eq!(f["cs-user-agent"], "Mozilla/5.0 (X11; Linux x86_64)");
        }
        // Never recognised without a declared type.
        let mut f = event(line);
        let outcome = normalize(None, &mut f);
        assert_eq!((outcome.source_type, outcome.parsed), (None, false));
    }

    #[test]
    fn common_format_and_absent_parts() {
        let f = parsed(r#"::1 - - [26/Dec/2016:16:16:29 +0200] "GET /favicon.ico HTTP/1.1" 404 -"#);
        assert_eq!(at(&f, "source.ip"), "::1");
        assert_eq!(at(&f, "http.response.body.bytes"), Value::Null);
        assert_eq!(at(&f, "user.name"), Value::Null);
        assert_eq!(at(&f, "http.request.referrer"), Value::Null);
        assert_eq!(at(&f, "event.outcome"), "failure");
        assert_eq!(f.get("cs-username"), None);
        // `"-"` and `""`: no request fields.
        for request in [r#""-""#, r#""""#] {
            let f = parsed(&format!(
                "127.0.0.1 - - [12/Apr/2018:09:48:40 +0200] {request} 400 0 \"-\" \"-\""
            ));
            assert_eq!(at(&f, "http.request.method"), Value::Null, "{request}");
            assert_eq!(at(&f, "url.original"), Value::Null);
            assert_eq!(at(&f, "user_agent.original"), Value::Null);
            assert_eq!(at(&f, "http.response.body.bytes"), 0);
            assert_eq!(at(&f, "http.response.status_code"), 400);
        }
        // Binary garbage: nothing of the request, the rest is read.
        let f = parsed(
            r#"10.0.0.9 - - [12/Apr/2018:09:48:40 +0000] "\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03" 400 157 "-" "-""#,
        );
        assert_eq!(at(&f, "http.request.method"), Value::Null);
        assert_eq!(at(&f, "http.response.status_code"), 400);
        // HTTP/0.9 style: no version; a URI with raw spaces keeps them.
        // A line cut inside the user agent keeps what was logged.
        let f = parsed(
            r#"10.0.0.9 - - [12/Apr/2018:09:48:40 +0000] "GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0 (compat"#,
        );
        assert_eq!(at(&f, "user_agent.original"), "Mozilla/5.0 (compat");
        assert_eq!(at(&f, "http.request.referrer"), Value::Null);
        let f = parsed(r#"10.0.0.9 - - [12/Apr/2018:09:48:40 +0000] "GET /" 200 1"#);
        assert_eq!(
            (at(&f, "url.path"), at(&f, "http.version")),
            (json!("/"), Value::Null)
        );
        let f = parsed(r#"10.0.0.9 - - [12/Apr/2018:09:48:40 +0000] "GET /a b?c HTTP/1.0" 200 1"#);
        assert_eq!(at(&f, "url.original"), "/a b?c");
        assert_eq!(at(&f, "url.query"), "c");
        assert_eq!(at(&f, "http.version"), "1.0");
    }

    #[test]
    fn address_lists_and_virtual_hosts() {
        let f = parsed(
            r#"10.0.0.2, 10.0.0.1, 85.181.35.98 - - [07/Dec/2016:11:05:07 +0100] "GET /ocelot HTTP/1.1" 200 571 "-" "Firefox""#,
        );
        assert_eq!(at(&f, "source.ip"), "85.181.35.98");
        assert_eq!(
            at(&f, "related.ip"),
            json!(["10.0.0.2", "10.0.0.1", "85.181.35.98"])
        );
        let f = parsed(
            r#"10.0.0.2, 10.0.0.1, 127.0.0.1 - - [07/Dec/2016:11:05:07 +0100] "GET /ocelot HTTP/1.1" 200 571 "-" "Firefox""#,
        );
        assert_eq!(at(&f, "source.ip"), "10.0.0.2");
        let f = parsed(
            r#""10.5.102.222, 199.96.1.1, 204.246.1.1" 10.2.1.185 - - [22/Jan/2016:13:18:29 +0000] "GET /assets/xxxx?q=100 HTTP/1.1" 200 25507 "-" "Amazon CloudFront""#,
        );
        assert_eq!(at(&f, "source.ip"), "199.96.1.1");
        assert_eq!(
            at(&f, "related.ip"),
            json!(["10.5.102.222", "199.96.1.1", "204.246.1.1", "10.2.1.185"])
        );
        assert_eq!(at(&f, "destination.domain"), Value::Null);
        let f = parsed(
            r#"monitoring-server - - [29/May/2017:19:02:48 +0000] "GET /status HTTP/1.1" 200 612 "-" "Mozilla" "-""#,
        );
        assert_eq!(at(&f, "source.address"), "monitoring-server");
        assert_eq!(at(&f, "source.ip"), Value::Null);
        assert_eq!(f["c-ip"], "monitoring-server");
        assert_eq!(at(&f, "user_agent.original"), "Mozilla");
        let f = parsed(
            r#"www.example.net:80 192.168.1.1 - - [08/Jun/2020:08:04:43 +0000] "GET /x HTTP/1.1" 301 0 "-" "curl""#,
        );
        assert_eq!(at(&f, "destination.domain"), "www.example.net");
        assert_eq!(at(&f, "destination.port"), 80);
        assert_eq!(at(&f, "source.ip"), "192.168.1.1");
        let f = parsed(
            r#"192.0.2.7 192.168.1.1 - - [08/Jun/2020:08:04:43 +0000] "GET /x HTTP/1.1" 301 0"#,
        );
        assert_eq!(at(&f, "destination.ip"), "192.0.2.7");
        // Two words before the time: client and user.
        let f = parsed(
            r#"192.168.1.1 - [08/Jun/2020:08:04:43 +0000] "GET /api/test HTTP/1.1" 200 100"#,
        );
        assert_eq!(at(&f, "source.ip"), "192.168.1.1");
        assert_eq!(at(&f, "user.name"), Value::Null);
    }

    #[test]
    fn absolute_uris_escapes_and_extras() {
        let f = parsed(
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET http://User@Example.com:8080?x=1 HTTP/1.1" 200 1 "-" "a \"quoted\" agent" "5.6.7.8" 0.005"#,
        );
        assert_eq!(at(&f, "url.scheme"), "http");
        assert_eq!(at(&f, "url.domain"), "Example.com");
        assert_eq!(at(&f, "url.path"), "/");
        assert_eq!(at(&f, "url.query"), "x=1");
        assert_eq!(at(&f, "user_agent.original"), r#"a \"quoted\" agent"#);
        let f = parsed(
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "CONNECT example.com:443 HTTP/1.1" 200 1"#,
        );
        assert_eq!(at(&f, "url.original"), "example.com:443");
        assert_eq!(at(&f, "url.path"), Value::Null);
        assert_eq!(f["cs-uri-query"], "example.com:443");
        let f =
            parsed(r#"1.2.3.4 - - [10/Oct/2000:13:55:36.123 +0530] "GET /p#frag HTTP/2.0" 204 -"#);
        assert_eq!(at(&f, "url.path"), "/p");
        assert_eq!(at(&f, "http.version"), "2.0");
        let mut fields =
            event(r#"1.2.3.4 - - [10/Oct/2000:13:55:36.123 +0530] "GET /p HTTP/2.0" 204 -"#);
        let outcome = normalize(
            Some(&SourceType::new("apache.access").unwrap()),
            &mut fields,
        );
        assert_eq!(
            outcome.timestamp.unwrap().to_string(),
            "2000-10-10T08:25:36.123Z"
        );
    }

    #[test]
    fn malformed_lines_are_errors() {
        for (line, reason) in [
            ("", "no_timestamp"),
            ("1.2.3.4 - - \"GET / HTTP/1.1\" 200 1", "no_timestamp"),
            (
                "1.2.3.4 - - [10/Oct/2000:13:55:36] \"GET / HTTP/1.1\" 200 1",
                "no_timestamp",
            ),
            (
                "1.2.3.4 - - [40/Oct/2000:13:55:36 +0000] \"GET /\" 200 1",
                "no_timestamp",
            ),
            (
                "1.2.3.4 - - [10/Foo/2000:13:55:36 +0000] \"GET /\" 200 1",
                "no_timestamp",
            ),
            (
                "1.2.3.4 - - [10/Oct/+200:13:55:36 +0000] \"GET /\" 200 1",
                "no_timestamp",
            ),
            (
                "1.2.3.4 - - [10/Oct/2000:13:55:36 +0575] \"GET /\" 200 1",
                "no_timestamp",
            ),
            (
                "[10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1",
                "no_client",
            ),
            (
                "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] GET / HTTP/1.1 200 1",
                "no_request",
            ),
            (
                "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1 200 1",
                "no_request",
            ),
            (
                "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\"",
                "bad_status",
            ),
            (
                "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" OK 1",
                "bad_status",
            ),
            (
                "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 2000 1",
                "bad_status",
            ),
            (
                "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 12k",
                "bad_bytes",
            ),
            (
                "2021/09/30 09:23:53 [error] 1925800#1925800: *17 user \"foo\" was not found",
                "no_timestamp",
            ),
        ] {
            let (f, outcome) = as_type("apache.access", line);
            let error = outcome.error.unwrap_or_else(|| panic!("{line:?} parsed"));
            assert_eq!(error.reason, reason, "{line:?}: {}", error.detail);
            assert_eq!(f["error"]["type"], reason);
        }
        let (_, outcome) = as_type(
            "nginx.access",
            "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET /\" x7 1",
        );
        assert!(outcome.error.unwrap().detail.contains("\"x7\""));
        let mut f = Map::new();
        let outcome = normalize(Some(&SourceType::new("nginx.access").unwrap()), &mut f);
        assert_eq!(outcome.error.unwrap().reason, "no_message");
    }

    #[test]
    fn long_hostile_lines_stay_bounded() {
        let started = std::time::Instant::now();
        let list = "1.1.1.1, ".repeat(100_000);
        let f = parsed(&format!(
            "{list}2.2.2.2 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1"
        ));
        assert_eq!(at(&f, "source.ip"), "1.1.1.1");
        let brackets = "[x] ".repeat(100_000);
        let (_, outcome) = as_type("nginx.access", &brackets);
        assert_eq!(outcome.error.unwrap().reason, "no_timestamp");
        let escapes = "\\\"".repeat(100_000);
        let f = parsed(&format!(
            "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET /{escapes} HTTP/1.1\" 200 1"
        ));
        assert_eq!(at(&f, "http.version"), "1.1");
        eprintln!("long lines: {:?}", started.elapsed());
    }

    /// Parsed fields, and the failed lines with their reason.
    type Run = (Vec<Map<String, Value>>, Vec<(String, &'static str)>);

    /// Runs every non-empty line of `file` as `source_type`.
    fn run(file: &std::path::Path, source_type: &str) -> Run {
        let text = std::fs::read_to_string(file).unwrap();
        let mut ok = Vec::new();
        let mut failed = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let (f, outcome) = as_type(source_type, line);
            match outcome.error {
                None => ok.push(f),
                Some(e) => failed.push((line.to_owned(), e.reason)),
            }
        }
        (ok, failed)
    }

    #[test]
    fn fixture_beats_and_elastic_examples() {
        let Some(dir) = crate::testing::fixture("fixture_beats_and_elastic_examples", "web_access")
        else {
            return;
        };
        let (apache, failed) = run(
            &dir.join("beats_filebeat/apache_access_test.log"),
            "apache.access",
        );
        assert_eq!((apache.len(), failed.len()), (7, 0), "{failed:?}");
        assert_eq!(at(&apache[0], "source.ip"), "::1");
        assert_eq!(at(&apache[2], "http.response.status_code"), 408);
        assert_eq!(at(&apache[2], "http.request.method"), Value::Null);
        assert_eq!(at(&apache[2], "http.response.body.bytes"), Value::Null);
        assert_eq!(at(&apache[4], "source.address"), "monitoring-server");
        assert_eq!(at(&apache[6], "destination.domain"), "vhost1.domaine.fr");
        assert_eq!(at(&apache[6], "source.ip"), "123.123.123.123");
        let (nginx, failed) = run(
            &dir.join("beats_filebeat/nginx_access_test.log"),
            "nginx.access",
        );
        assert_eq!((nginx.len(), failed.len()), (7, 0), "{failed:?}");
        // As filebeat's expected output: the first public address of the list, else the first.
        let sources: Vec<Value> = nginx.iter().map(|f| at(f, "source.ip")).collect();
        assert_eq!(
            sources,
            [
                "10.0.0.2",
                "172.17.0.1",
                "85.181.35.98",
                "85.181.35.98",
                "199.96.1.1",
                "2a03:0000:10ff:f00f:0000:0000:0:8000",
                "127.0.0.1"
            ]
        );
        assert_eq!(
            at(&nginx[5], "related.ip"),
            json!([
                "2a03:0000:10ff:f00f:0000:0000:0:8000",
                "10.225.192.17",
                "10.2.2.121"
            ])
        );
        assert_eq!(at(&nginx[5], "destination.domain"), Value::Null);
        assert_eq!(at(&nginx[4], "url.original"), "/assets/xxxx?q=100");
        assert_eq!(at(&nginx[6], "http.request.method"), Value::Null);
        assert_eq!(at(&nginx[6], "http.response.status_code"), 400);

        let (lines, failed) = run(
            &dir.join("elastic_examples_apache/apache_logs"),
            "apache.access",
        );
        assert_eq!(
            (lines.len(), failed.len()),
            (10_000, 0),
            "{:?}",
            &failed[..failed.len().min(5)]
        );
        let first = &lines[0];
        assert_eq!(at(first, "source.ip"), "83.149.9.216");
        assert_eq!(
            at(first, "url.path"),
            "/presentations/logstash-monitorama-2013/images/kibana-search.png"
        );
        assert_eq!(at(first, "http.response.body.bytes"), 203_023);
        assert_eq!(
            at(first, "http.request.referrer"),
            "http://semicomplete.com/presentations/logstash-monitorama-2013/"
        );
        let with_method = lines.iter().filter(|f| f.contains_key("cs-method")).count();
        let with_agent = lines
            .iter()
            .filter(|f| f.contains_key("cs-user-agent"))
            .count();
        // 190 lines have the agent `-`; one is cut inside it and keeps the part logged.
        assert_eq!((with_method, with_agent), (10_000, 9_810));
    }

    #[test]
    fn fixture_crowdsec_access_lines() {
        let Some(dir) =
            crate::testing::fixture("fixture_crowdsec_access_lines", "multi/crowdsec_hub_tests")
        else {
            return;
        };
        let mut parsed = 0;
        let mut failures = Vec::new();
        let mut uris = Vec::new();
        for (name, source_type) in [
            ("nginx-http-generic-bf", "nginx.access"),
            ("nginx-http-path-traversal", "nginx.access"),
            ("nginx-http-sensitive-files", "nginx.access"),
            ("nginx-http-sqli-probing", "nginx.access"),
            ("nginx-http-xss-probing", "nginx.access"),
            ("nginx_http-logs", "nginx.access"),
            ("apache-cve-2021-41773", "apache.access"),
            ("apache2-http-sensitive-files", "apache.access"),
            ("apache2-logs", "apache.access"),
        ] {
            let (ok, failed) = run(&dir.join(name).join(format!("{name}.log")), source_type);
            parsed += ok.len();
            uris.extend(ok.iter().filter_map(|f| f.get("cs-uri-query").cloned()));
            failures.extend(
                failed
                    .into_iter()
                    .map(|(line, reason)| (name, line, reason)),
            );
        }
        // The failures are the error-log lines mixed into these tests.
        assert_eq!(parsed, 96);
        assert_eq!(failures.len(), 20);
        for (name, line, reason) in &failures {
            assert_eq!(*reason, "no_timestamp", "{name}: {line}");
            assert!(
                line.starts_with("20") && line.contains(" [error] ")
                    || line.starts_with("[Thu ")
                    || line.starts_with("[Wed ")
                    || line.starts_with("[Fri "),
                "{name}: {line}"
            );
        }
        assert!(uris.contains(&json!("/foo?a=%20union%20all%20select%20")));
        assert!(uris.contains(&json!(
            "/cgi-bin/.%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/bin/sh"
        )));
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in ".{0,300}") {
            let _ = as_type("nginx.access", &text);
        }

        #[test]
        fn mutated_lines_never_panic(
            cut in 0usize..260,
            insert in "[ \"\\[\\]/:,\\\\+\\-0-9a-zA-Zé]{0,10}",
            at_pos in 0usize..260,
        ) {
            let base = r#"vhost:8080 "10.0.0.1, 8.8.8.8" 10.0.0.2, 1.2.3.4 - bob [10/Oct/2000:13:55:36.5 -0700] "GET http://h:1/a?b=1#c HTTP/1.1" 200 2326 "http://ref/" "Mozilla \"x\"" "-""#;
            let mut line: String = base.chars().take(cut).collect();
            let pos = line.char_indices().nth(at_pos).map_or(line.len(), |(i, _)| i);
            line.insert_str(pos, &insert);
            let _ = as_type("apache.access", &line);
        }
    }
}
