//! IBM QRadar Log Event Extended Format (LEEF) 1.0 and 2.0:
//! `LEEF:1.0|Vendor|Product|Version|EventID|key=value<TAB>key=value...` and
//! `LEEF:2.0|Vendor|Product|Version|EventID|Delimiter|key=value<DELIM>...`, alone on the line
//! or after a syslog-style prefix.
//!
//! Source types: any declared `leef.*` type; recognised as `leef.event` when the text holds
//! `LEEF:` (at the start or after a space) followed by a version and a `|` (marker `LEEF:`).
//!
//! The LEEF 2.0 delimiter field is one character or its code in hex (`x5E`, `0x5E`); empty
//! means a tab. When it is left out (the field after the event id already holds a `=`), tab
//! is used. Attributes separated by a space, or by tabs that the line does not contain (a
//! common relay rewrite), are split like CEF extensions: a value runs until the next
//! ` key=`. The header may escape `|` as `\|`.
//!
//! | field | from |
//! |---|---|
//! | `leef.version`, `leef.device.vendor`, `leef.device.product`, `leef.device.version`, `leef.event_id` | header, as written |
//! | `leef.attributes.<key>` | every attribute, key as written (at most 256) |
//! | `observer.vendor`, `observer.product`, `observer.version`, `event.code` | header |
//! | `source.ip`, `source.port`, `destination.ip`, `destination.port`, `source.nat.ip`, `destination.nat.ip` | `src`, `srcPort`, `dst`, `dstPort`, `srcPostNAT`, `dstPostNAT` |
//! | `user.name`, `network.transport` (lowercase; 6/17/1 → tcp/udp/icmp), `event.severity` (when numeric) | `usrName`, `proto`, `sev` |
//!
//! The time is `devTime`, read with `devTimeFormat` when given (the Java date pattern
//! letters `yyyy yy MMM MM dd HH hh mm ss SSS a z Z X E` and quoted literals), else as
//! epoch milliseconds, `MMM dd yyyy HH:mm:ss[.SSS] [zone]` or ISO 8601; a time without a zone
//! is read as UTC. Zone abbreviations other than UTC/GMT are not understood (no time then).
//! Attribute values are kept as written (LEEF defines no value escapes).

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use serde_json::{Map, Value};

use super::cef::{MAX_KEYS, loose_time, month, shown, split_pairs, zone};
use super::{Ctx, Format, Input};
use crate::ParseError;
use crate::fields::{put, put_number, put_text};

pub(crate) const FORMAT: Format = Format {
    name: "leef",
    claims: &["leef."],
    recognise,
    markers: &["LEEF:"],
    parse,
};

fn recognise(input: &Input<'_>) -> Option<&'static str> {
    find_header(input.message?).map(|_| "leef.event")
}

/// The byte offset just after `LEEF:` of the first well-placed header.
fn find_header(text: &str) -> Option<usize> {
    memchr::memmem::find_iter(text.as_bytes(), b"LEEF:")
        .take(16)
        .find(|&at| {
            let before_ok = at == 0 || text.as_bytes()[at - 1].is_ascii_whitespace();
            let rest = text[at + 5..].trim_start_matches(' ');
            let digits = rest
                .bytes()
                .take_while(|b| b.is_ascii_digit() || *b == b'.')
                .count();
            before_ok && digits > 0 && digits <= 8 && rest.as_bytes().get(digits) == Some(&b'|')
        })
        .map(|at| at + 5)
}

fn parse(ctx: &mut Ctx<'_>) -> Result<(), ParseError> {
    let line = ctx.line()?;
    let Some(at) = find_header(&line) else {
        return Err(ParseError::new(
            "no_header",
            format!("no `LEEF:` header in {:?}", shown(&line)),
        ));
    };
    let (header, rest) = split_header(&line[at..])?;
    let [version, vendor, product, dev_version, event_id] = &header;
    let version = version.trim();
    let (delimiter, attributes) = if version.starts_with('2') {
        delimiter_field(rest)?
    } else {
        ('\t', rest)
    };
    let pairs = split_attributes(attributes, delimiter)?;

    let f = &mut *ctx.fields;
    put(f, "leef.version", version);
    put(f, "leef.device.vendor", vendor.as_str());
    put(f, "leef.device.product", product.as_str());
    put(f, "leef.device.version", dev_version.as_str());
    put(f, "leef.event_id", event_id.as_str());
    put_text(f, "observer.vendor", vendor);
    put_text(f, "observer.product", product);
    put_text(f, "observer.version", dev_version);
    put_text(f, "event.code", event_id);

    let mut map = Map::new();
    for (key, value) in &pairs {
        if !map.contains_key(*key) {
            map.insert((*key).to_owned(), Value::String(value.clone()));
        }
        let value = value.trim();
        match *key {
            "src" => put_text(f, "source.ip", value),
            "srcPort" => put_number(f, "source.port", value),
            "dst" => put_text(f, "destination.ip", value),
            "dstPort" => put_number(f, "destination.port", value),
            "srcPostNAT" => put_text(f, "source.nat.ip", value),
            "dstPostNAT" => put_text(f, "destination.nat.ip", value),
            "usrName" => put_text(f, "user.name", value),
            "proto" => put_text(f, "network.transport", &transport(value)),
            "sev" => value
                .parse::<i64>()
                .is_ok_and(|n| put(f, "event.severity", n)),
            _ => false,
        };
    }
    put(f, "leef.attributes", Value::Object(map));

    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.trim())
    };
    ctx.timestamp = get("devTime").and_then(|time| match get("devTimeFormat") {
        Some(format) if !format.is_empty() => java_time(format, time),
        _ => loose_time(time, None),
    });
    Ok(())
}

/// A protocol name or IANA number as ECS `network.transport`.
fn transport(value: &str) -> String {
    match value {
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        "58" => "ipv6-icmp".into(),
        other => other.to_ascii_lowercase(),
    }
}

/// The five header fields (version, vendor, product, version, event id) and what follows the
/// event id's `|`.
fn split_header(body: &str) -> Result<([String; 5], &str), ParseError> {
    let mut fields: [String; 5] = Default::default();
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
                if index == 5 {
                    return Ok((fields, chars.as_str()));
                }
            }
            c => fields[index].push(c),
        }
    }
    if index == 4 {
        // The event id ends the line: no attributes.
        return Ok((fields, ""));
    }
    Err(ParseError::new(
        "bad_header",
        format!(
            "found {index} of 5 pipe-terminated LEEF header fields in {:?}",
            shown(body)
        ),
    ))
}

/// The LEEF 2.0 delimiter and the attribute text after it.
fn delimiter_field(rest: &str) -> Result<(char, &str), ParseError> {
    let Some(pipe) = rest.find('|') else {
        return Ok(('\t', rest));
    };
    let field = &rest[..pipe];
    if field.contains('=') || field.chars().count() > 6 {
        // No delimiter field: the attributes start right away.
        return Ok(('\t', rest));
    }
    let after = &rest[pipe + 1..];
    let mut chars = field.chars();
    let delimiter = match (chars.next(), chars.next()) {
        (None, _) => '\t',
        (Some(c), None) => c,
        _ => {
            let hex = field
                .strip_prefix("0x")
                .or_else(|| field.strip_prefix("0X"))
                .or_else(|| field.strip_prefix('x'))
                .or_else(|| field.strip_prefix('X'));
            hex.and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
                .filter(|c| !c.is_control() || *c == '\t')
                .ok_or_else(|| {
                    ParseError::new(
                        "bad_delimiter",
                        format!(
                            "LEEF 2.0 delimiter field {:?} is neither a character nor xHH",
                            shown(field)
                        ),
                    )
                })?
        }
    };
    Ok((delimiter, after))
}

/// The `key=value` attributes separated by `delimiter`.
fn split_attributes(text: &str, delimiter: char) -> Result<Vec<(&str, String)>, ParseError> {
    let text = text.trim_end_matches(['\r', '\n']);
    if delimiter == ' ' || (delimiter == '\t' && !text.contains('\t')) {
        return split_pairs(text, false).map_err(|e| ParseError::new("bad_attributes", e.detail));
    }
    let mut pairs = Vec::new();
    for piece in text.split(delimiter) {
        if pairs.len() >= MAX_KEYS {
            break;
        }
        if piece.trim().is_empty() {
            continue;
        }
        match piece.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                pairs.push((key.trim(), value.to_owned()));
            }
            _ => {
                return Err(ParseError::new(
                    "bad_attributes",
                    format!("LEEF attribute without `key=`: {:?}", shown(piece)),
                ));
            }
        }
    }
    Ok(pairs)
}

/// One element of a Java date pattern.
enum Piece<'a> {
    Field(char, usize),
    Literal(&'a str),
}

/// Splits a Java `SimpleDateFormat` pattern into letter runs and literals.
fn pattern(format: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_alphabetic() {
            let n = rest.chars().take_while(|x| *x == c).count();
            pieces.push(Piece::Field(c, n));
            rest = &rest[n..];
        } else if c == '\'' {
            let body = &rest[1..];
            let end = body.find('\'').unwrap_or(body.len());
            pieces.push(Piece::Literal(&body[..end]));
            rest = body.get(end + 1..).unwrap_or("");
        } else {
            let len = c.len_utf8();
            pieces.push(Piece::Literal(&rest[..len]));
            rest = &rest[len..];
        }
    }
    pieces
}

/// Reads `text` with a Java date pattern (`devTimeFormat`). `None` when it does not fit.
fn java_time(format: &str, text: &str) -> Option<Timestamp> {
    if format.len() > 64 || text.len() > 64 {
        return None;
    }
    let (mut year, mut mon, mut day) = (None, None, None);
    let (mut hour, mut minute, mut second, mut nanos) = (0i8, 0i8, 0i8, 0i32);
    let mut pm = None;
    let mut tz: Option<TimeZone> = None;
    let mut rest = text;
    fn digits(rest: &mut &str, max: usize) -> Option<i64> {
        let n = rest
            .bytes()
            .take(max)
            .take_while(u8::is_ascii_digit)
            .count();
        let value = rest.get(..n)?.parse().ok()?;
        *rest = &rest[n..];
        Some(value)
    }
    fn word<'a>(rest: &mut &'a str) -> &'a str {
        let n = rest
            .char_indices()
            .find(|(_, c)| !c.is_alphabetic())
            .map_or(rest.len(), |(i, _)| i);
        let (w, r) = rest.split_at(n);
        *rest = r;
        w
    }
    for piece in pattern(format) {
        match piece {
            Piece::Literal(lit) => {
                if lit.trim().is_empty() {
                    let trimmed = rest.trim_start();
                    if trimmed.len() == rest.len() {
                        return None;
                    }
                    rest = trimmed;
                } else {
                    rest = rest.strip_prefix(lit)?;
                }
            }
            Piece::Field(c, n) => match c {
                'y' | 'u' => {
                    let y = digits(&mut rest, if n == 2 { 2 } else { 4 })?;
                    year = Some(if n == 2 { 2000 + y } else { y });
                }
                'M' | 'L' if n >= 3 => mon = Some(month(word(&mut rest))?),
                'M' | 'L' => mon = Some(i8::try_from(digits(&mut rest, 2)?).ok()?),
                'd' => day = Some(i8::try_from(digits(&mut rest, 2)?).ok()?),
                'H' | 'k' | 'h' | 'K' => hour = i8::try_from(digits(&mut rest, 2)?).ok()?,
                'm' => minute = i8::try_from(digits(&mut rest, 2)?).ok()?,
                's' => second = i8::try_from(digits(&mut rest, 2)?).ok()?,
                'S' => {
                    let before = rest.len();
                    let v = digits(&mut rest, 9)?;
                    let len = u32::try_from(before - rest.len()).ok()?;
                    nanos = i32::try_from(v).ok()? * 10_i32.pow(9 - len);
                }
                'a' => pm = Some(word(&mut rest).eq_ignore_ascii_case("pm")),
                'E' => {
                    word(&mut rest);
                }
                'z' | 'Z' | 'X' | 'x' | 'O' | 'V' => {
                    let n = rest
                        .char_indices()
                        .find(|(_, c)| c.is_whitespace())
                        .map_or(rest.len(), |(i, _)| i);
                    tz = Some(zone(&rest[..n])?);
                    rest = &rest[n..];
                }
                _ => return None,
            },
        }
    }
    if !rest.trim().is_empty() {
        return None;
    }
    if let Some(pm) = pm {
        hour = match (pm, hour) {
            (false, 12) => 0,
            (true, h) if h < 12 => h + 12,
            (_, h) => h,
        };
    }
    let date = Date::new(i16::try_from(year?).ok()?, mon?, day?).ok()?;
    let time = Time::new(hour, minute, second, nanos).ok()?;
    super::cef::in_zone(DateTime::from_parts(date, time), tz)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceType;
    use crate::testing::{event, ts};
    use serde_json::json;

    fn run(line: &str) -> (Map<String, Value>, crate::Outcome) {
        let mut f = event(line);
        let out = crate::normalize(Some(&SourceType::new("leef.event").unwrap()), &mut f);
        (f, out)
    }

    fn attr<'a>(f: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
        f["leef"]["attributes"].get(key).and_then(Value::as_str)
    }

    // No LEEF sample logs exist among the shared fixtures: these lines are written from the
    // LEEF 1.0/2.0 specification's examples.
    #[test]
    fn leef1_tab_separated_is_recognised_and_read() {
        let line = "Jan 18 11:07:53 host LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5\tcat=anomaly\tsrcPort=81\tdstPort=21\tusrName=joe.black\tproto=6\tdevTime=Jan 18 2023 11:07:53\tmsg=a b=c";
        let mut f = event(line);
        let out = crate::normalize(None, &mut f);
        assert_eq!(out.source_type.unwrap().as_str(), "leef.event");
        assert!(out.parsed, "{:?}", out.error);
        assert_eq!(out.timestamp, Some(ts("2023-01-18T11:07:53Z")));
        assert_eq!(f["leef"]["version"], json!("1.0"));
        assert_eq!(f["leef"]["device"]["vendor"], json!("Microsoft"));
        assert_eq!(f["leef"]["device"]["product"], json!("MSExchange"));
        assert_eq!(f["leef"]["device"]["version"], json!("4.0 SP1"));
        assert_eq!(f["leef"]["event_id"], json!("15345"));
        assert_eq!(f["event"]["code"], json!("15345"));
        assert_eq!(f["event"]["severity"], json!(5));
        assert_eq!(f["source"]["ip"], json!("192.0.2.0"));
        assert_eq!(f["source"]["port"], json!(81));
        assert_eq!(f["destination"]["ip"], json!("172.50.123.1"));
        assert_eq!(f["destination"]["port"], json!(21));
        assert_eq!(f["user"]["name"], json!("joe.black"));
        assert_eq!(f["network"]["transport"], json!("tcp"));
        assert_eq!(attr(&f, "cat"), Some("anomaly"));
        assert_eq!(attr(&f, "msg"), Some("a b=c"));
        assert_eq!(f["observer"]["vendor"], json!("Microsoft"));
    }

    #[test]
    fn leef2_delimiters() {
        let (f, out) = run(
            "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5^srcPort=81^dstPort=21",
        );
        assert!(out.parsed, "{:?}", out.error);
        assert_eq!(f["source"]["ip"], json!("10.0.1.8"));
        assert_eq!(f["destination"]["port"], json!(21));
        let (f, _) = run("LEEF:2.0|Lancope|StealthWatch|1.0|41|0x5E|src=10.0.1.8^dst=10.0.0.5");
        assert_eq!(f["destination"]["ip"], json!("10.0.0.5"));
        let (f, _) = run("LEEF:2.0|Lancope|StealthWatch|1.0|41|x09|src=10.0.1.8\tdst=10.0.0.5");
        assert_eq!(f["destination"]["ip"], json!("10.0.0.5"));
        // Delimiter field left out: tab.
        let (f, _) = run("LEEF:2.0|Lancope|StealthWatch|1.0|41|src=10.0.1.8\tdst=10.0.0.5");
        assert_eq!(f["source"]["ip"], json!("10.0.1.8"));
        // A space delimiter: values with spaces still run to the next ` key=`.
        let (f, _) = run(
            "LEEF:2.0|Palo Alto Networks|Next Generation Firewall|10.1|Cleartext| |devTime=2021-09-21T02:00:48.000000Z src=192.0.2.7 Rule=deny attackers usrName=corp\\jo proto=tcp",
        );
        assert_eq!(attr(&f, "Rule"), Some("deny attackers"));
        assert_eq!(f["user"]["name"], json!("corp\\jo"));
        assert_eq!(f["network"]["transport"], json!("tcp"));
        assert_eq!(f["leef"]["version"], json!("2.0"));
        let (_, out) = run("LEEF:2.0|V|P|1|41|0xZZ|a=b");
        assert_eq!(out.error.unwrap().reason, "bad_delimiter");
        // Empty delimiter field: tab.
        let (f, _) = run("LEEF:2.0|V|P|1|41||a=b c\td=e");
        assert_eq!(attr(&f, "a"), Some("b c"));
        assert_eq!(attr(&f, "d"), Some("e"));
    }

    #[test]
    fn header_edge_cases_and_errors() {
        let (f, out) = run("LEEF:1.0|V\\|x|P|1|ev");
        assert!(out.parsed);
        assert_eq!(f["leef"]["device"]["vendor"], json!("V|x"));
        assert_eq!(f["leef"]["attributes"], json!({}));
        let (_, out) = run("LEEF:1.0|V|P");
        let e = out.error.unwrap();
        assert_eq!(e.reason, "bad_header");
        assert!(e.detail.contains("found 2 of 5"), "{}", e.detail);
        let (_, out) = run("nothing here");
        assert_eq!(out.error.unwrap().reason, "no_header");
        let (_, out) = run("LEEF:1.0|V|P|1|ev|a=b\tjunk");
        assert_eq!(out.error.unwrap().reason, "bad_attributes");
        let (_, out) = run("LEEF:1.0|V|P|1|ev|junk a=b");
        assert_eq!(out.error.unwrap().reason, "bad_attributes");
        for text in ["LEEF 1.0|a", "xLEEF:1.0|a|b|c|d|", "CEFLEEF:"] {
            let mut f = event(text);
            assert_eq!(crate::normalize(None, &mut f).source_type, None, "{text}");
        }
    }

    #[test]
    fn dev_time_formats() {
        let (_, out) = run("LEEF:1.0|V|P|1|ev|devTime=1700000000123\tsrc=192.0.2.1");
        assert_eq!(out.timestamp, Some(ts("2023-11-14T22:13:20.123Z")));
        let (_, out) = run(
            "LEEF:1.0|V|P|1|ev|devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ\tdevTime=2023-01-18T11:07:53.250+0200",
        );
        assert_eq!(out.timestamp, Some(ts("2023-01-18T09:07:53.25Z")));
        let (_, out) = run(
            "LEEF:1.0|V|P|1|ev|devTime=Jan 18 2023 11:07:53 PM\tdevTimeFormat=MMM dd yyyy hh:mm:ss a",
        );
        assert_eq!(out.timestamp, Some(ts("2023-01-18T23:07:53Z")));
        let (_, out) =
            run("LEEF:1.0|V|P|1|ev|devTime=18/01/23 1:07 UTC\tdevTimeFormat=dd/MM/yy H:mm z");
        assert_eq!(out.timestamp, Some(ts("2023-01-18T01:07:00Z")));
        let (_, out) = run(
            "LEEF:1.0|V|P|1|ev|devTime=Jan 18 2023 11:07:53 CEST\tdevTimeFormat=MMM dd yyyy HH:mm:ss z",
        );
        assert!(out.parsed);
        assert_eq!(out.timestamp, None, "abbreviations are not understood");
        let (_, out) = run("LEEF:1.0|V|P|1|ev|devTime=garbage\tdevTimeFormat=yyyy");
        assert_eq!(out.timestamp, None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            let mut f = event(&text);
            let _ = crate::normalize(None, &mut f);
            let _ = run(&text);
            let _ = run(&format!("LEEF:2.0|{text}"));
            let _ = java_time(&text, &text);
            let _ = java_time("yyyy-MM-dd'T'HH:mm:ss.SSSZ a E", &text);
        }

        #[test]
        fn mutated_lines_never_panic(cut in 0usize..200, insert in "[|=\\\\^ \tx0-9a-z]{0,8}") {
            let line = "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^devTime=Jan 18 2023 11:07:53^devTimeFormat=MMM dd yyyy HH:mm:ss";
            let at = line.char_indices().map(|(i, _)| i).nth(cut % line.len()).unwrap_or(0);
            let mutated = format!("{}{insert}{}", &line[..at], &line[at..]);
            let _ = run(&mutated);
            let _ = run(&line[..at]);
        }
    }
}
