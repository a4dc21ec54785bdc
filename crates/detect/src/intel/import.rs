//! Offline import of threat-intelligence indicators into vigie's own set format
//! ([`super::IocSet`]): a MISP feed directory ([`from_misp_feed`]), one MISP event
//! ([`from_misp_event`]) or a STIX 2.1 bundle ([`from_stix_bundle`]).
//!
//! Each import returns the indicators it understood and, for everything else it read that
//! could have been an indicator, what it left out and why ([`Skipped`]): nothing is dropped
//! silently. Every value is checked with [`normalize`] before it is kept, so a set written
//! from an import loads without refusals.
//!
//! MISP (the "MISP core format" of MISP's misp-rfc, as the feed export writes it): only
//! attributes marked `to_ids` and not `deleted` are imported, those of the event and those
//! of its objects alike. Attribute types map to kinds as follows:
//!
//! | MISP type | kind |
//! |---|---|
//! | `ip-src`, `ip-dst` | `ip`, or `cidr` when the value has a `/` |
//! | `ip-src\|port`, `ip-dst\|port` | the address part, as above |
//! | `domain`, `hostname` | `domain` |
//! | `domain\|ip` | both a `domain` and an `ip` |
//! | `url`; `uri` when it has a scheme | `url` |
//! | `md5`, `sha1`, `sha256`, `sha512` | the hash |
//! | `filename\|md5`, `filename\|sha1`, `filename\|sha256`, `filename\|sha512` | the hash part |
//! | `user-agent` | `user-agent` |
//!
//! Other types are skipped, named. MISP feeds carry no expiry per attribute (MISP's decay
//! models are computed by a MISP server, not exported), so MISP indicators have no
//! `expires`: decay is out of scope here; give the set an `expires` or import again.
//!
//! STIX 2.1: each `indicator` object whose `pattern_type` is `stix` (or absent) and not
//! `revoked`. Its pattern must be one comparison, or comparisons joined by `OR` (inside one
//! `[...]` or between observation expressions `[...] OR [...]`); each comparison becomes one
//! indicator. Understood comparisons: `ipv4-addr:value` and `ipv6-addr:value` with `=`
//! (`ip`, or `cidr` for a value with a `/`) or `ISSUBSET` (`cidr`); `domain-name:value`,
//! `url:value`, `file:hashes.MD5` / `'SHA-1'` / `'SHA-256'` / `'SHA-512'` and
//! `network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'` with `=`;
//! `IN (...)` is read as `=` of each value. A pattern with `AND`, `FOLLOWEDBY` or a
//! qualifier (`WITHIN`, `REPEATS`, `START`/`STOP`) means more than its comparisons one by
//! one and is skipped whole; within an `OR`, a comparison with another operator (`!=`,
//! `LIKE`, `MATCHES`, `NOT`, ...) or another object path is skipped alone (the others
//! still match what the pattern matches). `valid_until` becomes the indicator's `expires`.
//! Objects that are not indicators are ignored.

use std::io::Read;
use std::path::Path;

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::{Indicator, IntelError, IocKind, normalize};

/// Largest file an import reads (a feed's `manifest.json`, one event file) and largest text
/// it parses: 512 MiB.
pub const MAX_IMPORT_FILE_BYTES: u64 = 512 << 20;

/// Longest STIX pattern parsed, in bytes (64 KiB); an indicator with a longer one is skipped.
pub const MAX_PATTERN_BYTES: usize = 64 << 10;

/// Deepest nesting of parentheses in a STIX pattern.
const MAX_PATTERN_NESTING: usize = 32;

/// Characters of a value kept in a [`Skipped`] entry.
const SHOWN_CHARS: usize = 200;

/// Characters of a source's identifier (uuid, type) kept in references and reasons.
const NAME_CHARS: usize = 100;

/// What an import read: the indicators, and what it left out with why.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Imported {
    /// The indicators understood, in the order of the source.
    pub indicators: Vec<Indicator>,
    /// What was left out, in the order of the source.
    pub skipped: Vec<Skipped>,
}

/// Something an import left out, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// Where it is in the source: `misp:<event uuid>/<attribute uuid>` (or `misp:<event
    /// uuid>` for a whole event file), or the STIX indicator's `id`.
    pub reference: String,
    /// The value, pattern or file concerned (at most 200 characters).
    pub value: String,
    /// Why it was left out.
    pub reason: String,
}

impl Imported {
    fn skip(&mut self, reference: &str, value: &str, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            reference: reference.to_owned(),
            value: value.chars().take(SHOWN_CHARS).collect(),
            reason: reason.into(),
        });
    }

    /// Keeps `value` as an indicator of `kind` when [`normalize`] accepts it, else skips
    /// it with the reason, prefixed with `what` (the source's type).
    fn keep(
        &mut self,
        kind: IocKind,
        value: &str,
        expires: Option<Timestamp>,
        reference: &str,
        what: &str,
    ) {
        match normalize(kind, value) {
            Ok(_) => self.indicators.push(Indicator {
                kind,
                value: value.trim().to_owned(),
                expires,
                reference: Some(reference.to_owned()),
            }),
            Err(reason) => self.skip(reference, value, format!("{what}: {reason}")),
        }
    }
}

/// At most `max` characters of `text`.
fn short(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

fn too_big(size: u64) -> String {
    format!("{size} bytes, the limit is {MAX_IMPORT_FILE_BYTES} (512 MiB)")
}

/// Reads a whole UTF-8 file of at most [`MAX_IMPORT_FILE_BYTES`]; errors name the file.
fn read_bounded(path: &Path) -> Result<String, IntelError> {
    let fail = |detail: String| IntelError::Source(format!("{}: {detail}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let size = file.metadata().map_err(|e| fail(e.to_string()))?.len();
    if size > MAX_IMPORT_FILE_BYTES {
        return Err(fail(too_big(size)));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // The file may grow while read: never more than the limit and one byte.
    file.take(MAX_IMPORT_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_IMPORT_FILE_BYTES {
        return Err(fail(too_big(bytes.len() as u64)));
    }
    String::from_utf8(bytes).map_err(|e| fail(format!("not UTF-8 text: {}", e.utf8_error())))
}

/// A MISP boolean: `true`/`false`, or the `"1"`/`"0"` (`1`/`0`) older exports wrote.
fn flag(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.as_str() {
            "1" | "true" => Some(true),
            "0" | "false" => Some(false),
            _ => None,
        },
        Value::Number(n) => match n.as_u64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a manifest key can name an event file (a uuid: letters, digits and `-`), so
/// that no key reaches outside the feed directory.
fn is_event_uuid(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A MISP feed directory as MISP's "feed" export writes it: `manifest.json` (event uuid →
/// `{info, date, timestamp, ...}`) and one `<uuid>.json` per event
/// (`{"Event": {..., "Attribute": [...], "Object": [{"Attribute": [...]}]}}`), read as
/// [`from_misp_event`] reads each event, in the order of the uuids.
///
/// A missing, unreadable or invalid `manifest.json`, or one over [`MAX_IMPORT_FILE_BYTES`],
/// is an error naming it. An event file that is listed but missing, unreadable, too large or
/// not a MISP event is skipped (a [`Skipped`] entry whose value is the file and whose reason
/// says what is wrong) and the other events are imported; so is a manifest key that is not a
/// uuid (no file is read for it). Indicators have no `expires` (MISP feeds have no expiry
/// per attribute; decay is out of scope).
pub fn from_misp_feed(dir: &Path) -> Result<Imported, IntelError> {
    let manifest_path = dir.join("manifest.json");
    let text = read_bounded(&manifest_path)?;
    let invalid = |detail: String| {
        IntelError::Source(format!(
            "{}: not a MISP feed manifest: {detail}",
            manifest_path.display()
        ))
    };
    let manifest: Value = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    let Value::Object(events) = manifest else {
        return Err(invalid(
            "expected an object whose keys are event uuids".into(),
        ));
    };
    let mut uuids: Vec<&String> = events.keys().collect();
    uuids.sort();
    let mut imported = Imported::default();
    for uuid in uuids {
        let reference = format!("misp:{}", short(uuid, NAME_CHARS));
        if !is_event_uuid(uuid) {
            imported.skip(
                &reference,
                uuid,
                "manifest key is not an event uuid (letters, digits and `-`); no file is read for it",
            );
            continue;
        }
        let path = dir.join(format!("{uuid}.json"));
        let name = path.display().to_string();
        match read_bounded(&path).and_then(|text| from_misp_event(&text, &name)) {
            Ok(event) => {
                imported.indicators.extend(event.indicators);
                imported.skipped.extend(event.skipped);
            }
            Err(error) => imported.skip(
                &reference,
                &name,
                format!("event file not imported: {error}"),
            ),
        }
    }
    Ok(imported)
}

/// One MISP event JSON text (`{"Event": {...}}`), `name` saying where it comes from in
/// errors (its file). Also used by [`from_misp_feed`] for each event.
///
/// Every attribute of the event and of its objects (`Object[].Attribute[]`) is imported
/// when `to_ids` is true and it is not `deleted` (nor its object), its type is one of those
/// mapped (see the module documentation) and [`normalize`] accepts its value; each other
/// attribute is skipped with the reason. References are `misp:<event uuid>/<attribute
/// uuid>`. Indicators have no `expires`: MISP feeds carry no expiry per attribute, and
/// MISP's decay models are out of scope.
///
/// Text that is not JSON, has no `Event` object or no event `uuid`, whose `Attribute` or
/// `Object` is not a list, or is over [`MAX_IMPORT_FILE_BYTES`] is an error naming `name`.
pub fn from_misp_event(text: &str, name: &str) -> Result<Imported, IntelError> {
    let fail = |detail: String| IntelError::Source(format!("{name}: {detail}"));
    if text.len() as u64 > MAX_IMPORT_FILE_BYTES {
        return Err(fail(too_big(text.len() as u64)));
    }
    let root: Value =
        serde_json::from_str(text).map_err(|e| fail(format!("not a MISP event: {e}")))?;
    let Some(event) = root.get("Event").and_then(Value::as_object) else {
        return Err(fail("not a MISP event: no \"Event\" object".into()));
    };
    let uuid = match event.get("uuid").and_then(Value::as_str).map(str::trim) {
        Some(uuid) if !uuid.is_empty() => short(uuid, NAME_CHARS),
        _ => return Err(fail("the MISP event has no \"uuid\"".into())),
    };
    let mut imported = Imported::default();
    match event.get("Attribute") {
        None | Some(Value::Null) => {}
        Some(Value::Array(attributes)) => {
            for (index, attribute) in attributes.iter().enumerate() {
                misp_attribute(
                    uuid,
                    &format!("Attribute[{index}]"),
                    attribute,
                    None,
                    &mut imported,
                );
            }
        }
        Some(_) => {
            return Err(fail(format!("event {uuid}: \"Attribute\" is not a list")));
        }
    }
    match event.get("Object") {
        None | Some(Value::Null) => {}
        Some(Value::Array(objects)) => {
            for (number, object) in objects.iter().enumerate() {
                misp_object(uuid, number, object, &mut imported);
            }
        }
        Some(_) => return Err(fail(format!("event {uuid}: \"Object\" is not a list"))),
    }
    Ok(imported)
}

/// The attributes of one MISP object.
fn misp_object(event: &str, number: usize, object: &Value, out: &mut Imported) {
    let position = format!("Object[{number}]");
    let Some(object) = object.as_object() else {
        out.skip(
            &format!("misp:{event}/{position}"),
            "",
            "the object is not a JSON object",
        );
        return;
    };
    let name = match object.get("uuid").and_then(Value::as_str).map(str::trim) {
        Some(uuid) if !uuid.is_empty() => short(uuid, NAME_CHARS).to_owned(),
        _ => position.clone(),
    };
    let deleted = (flag(object.get("deleted")) == Some(true)).then_some(name.as_str());
    match object.get("Attribute") {
        None | Some(Value::Null) => {}
        Some(Value::Array(attributes)) => {
            for (index, attribute) in attributes.iter().enumerate() {
                let at = format!("{position}.Attribute[{index}]");
                misp_attribute(event, &at, attribute, deleted, out);
            }
        }
        Some(_) => out.skip(
            &format!("misp:{event}/{name}"),
            "",
            "the object's \"Attribute\" is not a list",
        ),
    }
}

/// One MISP attribute at `position` (used as its name when it has no uuid); `deleted_object`
/// names its object when that object is deleted.
fn misp_attribute(
    event: &str,
    position: &str,
    attribute: &Value,
    deleted_object: Option<&str>,
    out: &mut Imported,
) {
    let Some(attribute) = attribute.as_object() else {
        out.skip(
            &format!("misp:{event}/{position}"),
            "",
            "the attribute is not a JSON object",
        );
        return;
    };
    let id = match attribute.get("uuid").and_then(Value::as_str).map(str::trim) {
        Some(uuid) if !uuid.is_empty() => short(uuid, NAME_CHARS),
        _ => position,
    };
    let reference = format!("misp:{event}/{id}");
    let value = attribute.get("value").and_then(Value::as_str);
    let shown = value.unwrap_or_default();
    if let Some(object) = deleted_object {
        out.skip(&reference, shown, format!("its object {object} is deleted"));
        return;
    }
    if flag(attribute.get("deleted")) == Some(true) {
        out.skip(&reference, shown, "deleted");
        return;
    }
    match flag(attribute.get("to_ids")) {
        Some(true) => {}
        Some(false) => {
            out.skip(&reference, shown, "to_ids is false");
            return;
        }
        None => {
            out.skip(
                &reference,
                shown,
                "to_ids is missing (not marked for detection)",
            );
            return;
        }
    }
    let Some(kind) = attribute.get("type").and_then(Value::as_str) else {
        out.skip(&reference, shown, "the attribute has no type");
        return;
    };
    let kind = short(kind, NAME_CHARS);
    let Some(value) = value else {
        out.skip(&reference, "", format!("{kind}: the value is not a string"));
        return;
    };
    match misp_parts(kind, value) {
        Ok(parts) => {
            for (ioc, part) in parts {
                out.keep(ioc, part, None, &reference, kind);
            }
        }
        Err(reason) => out.skip(&reference, value, reason),
    }
}

/// `ip` or `cidr`: a value with a `/` is a network.
fn address_kind(value: &str) -> IocKind {
    if value.contains('/') {
        IocKind::Cidr
    } else {
        IocKind::Ip
    }
}

/// The indicators a MISP attribute of type `kind` with `value` stands for, or why none.
fn misp_parts<'v>(kind: &str, value: &'v str) -> Result<Vec<(IocKind, &'v str)>, String> {
    let part = |first: bool, shape: &str| {
        let split = if first {
            value.split_once('|').map(|(a, _)| a)
        } else {
            value.rsplit_once('|').map(|(_, b)| b)
        };
        split.ok_or_else(|| format!("{kind}: expected `{shape}`, the value has no `|`"))
    };
    Ok(match kind {
        "ip-src" | "ip-dst" => vec![(address_kind(value), value)],
        "ip-src|port" | "ip-dst|port" => {
            let ip = part(true, "address|port")?;
            vec![(address_kind(ip), ip)]
        }
        "domain" | "hostname" => vec![(IocKind::Domain, value)],
        "domain|ip" => {
            let Some((domain, ip)) = value.split_once('|') else {
                return Err(format!(
                    "{kind}: expected `domain|ip`, the value has no `|`"
                ));
            };
            vec![(IocKind::Domain, domain), (address_kind(ip), ip)]
        }
        "url" => vec![(IocKind::Url, value)],
        "uri" if value.contains("://") => vec![(IocKind::Url, value)],
        "uri" => return Err("uri: no scheme (a path alone is not matched as a URL)".into()),
        "md5" => vec![(IocKind::Md5, value)],
        "sha1" => vec![(IocKind::Sha1, value)],
        "sha256" => vec![(IocKind::Sha256, value)],
        "sha512" => vec![(IocKind::Sha512, value)],
        "filename|md5" => vec![(IocKind::Md5, part(false, "filename|md5")?)],
        "filename|sha1" => vec![(IocKind::Sha1, part(false, "filename|sha1")?)],
        "filename|sha256" => vec![(IocKind::Sha256, part(false, "filename|sha256")?)],
        "filename|sha512" => vec![(IocKind::Sha512, part(false, "filename|sha512")?)],
        "user-agent" => vec![(IocKind::UserAgent, value)],
        other => return Err(format!("type `{other}` is not imported")),
    })
}

/// A STIX 2.1 bundle (`{"type": "bundle", "objects": [...]}`): each `indicator` object
/// with `pattern_type: "stix"` (or absent) whose pattern is a comparison or an `OR` of
/// comparisons the importer understands (see the module documentation). References are the
/// indicators' `id`; `valid_until` (RFC 3339) becomes `expires`.
///
/// Skipped, with the reason: a revoked indicator, one of another pattern type, without an
/// id or a pattern, with an invalid `valid_until`, with a pattern over
/// [`MAX_PATTERN_BYTES`] or malformed or using `AND`, `FOLLOWEDBY` or a qualifier; within an
/// understood pattern, each comparison with another operator or object path, and each value
/// [`normalize`] refuses. Objects that are not indicators are ignored.
///
/// Text that is not JSON, not a bundle, whose `objects` is not a list, or over
/// [`MAX_IMPORT_FILE_BYTES`] is an error.
pub fn from_stix_bundle(text: &str) -> Result<Imported, IntelError> {
    let fail = |detail: String| IntelError::Source(format!("STIX bundle: {detail}"));
    if text.len() as u64 > MAX_IMPORT_FILE_BYTES {
        return Err(fail(too_big(text.len() as u64)));
    }
    let root: Value = serde_json::from_str(text).map_err(|e| fail(format!("not JSON: {e}")))?;
    match root.get("type") {
        Some(Value::String(kind)) if kind == "bundle" => {}
        Some(Value::String(kind)) => {
            return Err(fail(format!(
                "\"type\" is \"{}\", not \"bundle\"",
                short(kind, NAME_CHARS)
            )));
        }
        _ => return Err(fail("not a STIX bundle (no \"type\": \"bundle\")".into())),
    }
    let mut imported = Imported::default();
    match root.get("objects") {
        None | Some(Value::Null) => {}
        Some(Value::Array(objects)) => {
            for (index, object) in objects.iter().enumerate() {
                if let Some(object) = object.as_object()
                    && object.get("type").and_then(Value::as_str) == Some("indicator")
                {
                    stix_indicator(index, object, &mut imported);
                }
            }
        }
        Some(_) => return Err(fail("\"objects\" is not a list".into())),
    }
    Ok(imported)
}

/// One STIX indicator, `objects[index]` of its bundle.
fn stix_indicator(index: usize, object: &Map<String, Value>, out: &mut Imported) {
    let pattern = object.get("pattern").and_then(Value::as_str);
    let shown = pattern.unwrap_or_default();
    let id = match object.get("id").and_then(Value::as_str).map(str::trim) {
        Some(id) if !id.is_empty() => short(id, NAME_CHARS),
        _ => {
            out.skip(
                &format!("objects[{index}]"),
                shown,
                "the indicator has no id",
            );
            return;
        }
    };
    if object.get("revoked") == Some(&Value::Bool(true)) {
        out.skip(id, shown, "revoked");
        return;
    }
    match object.get("pattern_type") {
        None | Some(Value::Null) => {}
        Some(Value::String(kind)) if kind == "stix" => {}
        Some(Value::String(kind)) => {
            out.skip(
                id,
                shown,
                format!(
                    "pattern_type `{}` is not imported (only stix)",
                    short(kind, NAME_CHARS)
                ),
            );
            return;
        }
        Some(_) => {
            out.skip(id, shown, "pattern_type is not a string");
            return;
        }
    }
    let Some(pattern) = pattern else {
        out.skip(id, "", "the indicator has no pattern");
        return;
    };
    let expires = match object.get("valid_until") {
        None | Some(Value::Null) => None,
        Some(Value::String(at)) => match at.parse::<Timestamp>() {
            Ok(at) => Some(at),
            Err(e) => {
                out.skip(
                    id,
                    shown,
                    format!(
                        "valid_until `{}` is not an RFC 3339 time: {e}",
                        short(at, NAME_CHARS)
                    ),
                );
                return;
            }
        },
        Some(_) => {
            out.skip(id, shown, "valid_until is not a string");
            return;
        }
    };
    if pattern.len() > MAX_PATTERN_BYTES {
        out.skip(
            id,
            pattern,
            format!(
                "the pattern is {} bytes, the limit is {MAX_PATTERN_BYTES}",
                pattern.len()
            ),
        );
        return;
    }
    match parse_pattern(pattern) {
        Ok(terms) => {
            for term in terms {
                match term {
                    Term::Found { kind, value } => {
                        out.keep(kind, &value, expires, id, kind.as_str());
                    }
                    Term::Refused { text, reason } => out.skip(id, &text, reason),
                }
            }
        }
        Err(reason) => out.skip(id, pattern, reason),
    }
}

// The STIX patterning language (STIX 2.1 part 9) has no Rust implementation (the reference
// one, `stix2-patterns`, is Python generated by ANTLR), so the subset imported is parsed here
// by hand: a tokenizer, then a recursive descent bounded in depth (MAX_PATTERN_NESTING) and,
// through MAX_PATTERN_BYTES, in length. It reads the whole grammar's shape so that it can
// say what a pattern uses that is not imported; it never indexes or slices unchecked.

/// What one comparison of a pattern gives.
#[derive(Debug, PartialEq)]
enum Term {
    /// An indicator of `kind` (not yet normalized).
    Found { kind: IocKind, value: String },
    /// A comparison not imported (its text), and why.
    Refused { text: String, reason: String },
}

/// A token of a pattern.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// `[`
    Open,
    /// `]`
    Close,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `:`
    Colon,
    /// `.`
    Dot,
    /// `*`
    Star,
    /// `=`, `!=`, `<`, `<=`, `>`, `>=`.
    Op(&'static str),
    /// A string literal, unescaped.
    Str(String),
    /// A typed literal: `t'...'`, `h'...'` or `b'...'`.
    Typed,
    /// An identifier, keyword, number or boolean.
    Word(String),
}

/// A token and where it is (byte offsets of its start and end).
#[derive(Debug)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

/// Why a pattern is not imported whole.
#[derive(Debug)]
enum Fail {
    /// Not a valid pattern: what is wrong, and the byte offset where (None: at the end).
    Malformed { what: String, at: Option<usize> },
    /// Valid as far as read, but uses this, which is not imported.
    Unsupported(String),
}

impl Fail {
    fn message(self, pattern: &str) -> String {
        match self {
            Fail::Malformed { what, at: Some(at) } => {
                let character = pattern.get(..at).map_or(0, |p| p.chars().count()) + 1;
                format!("malformed pattern: {what} at character {character}")
            }
            Fail::Malformed { what, at: None } => format!("malformed pattern: {what}"),
            Fail::Unsupported(what) => format!("{what} is not supported"),
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+')
}

/// The tokens of `pattern`.
fn tokenize(pattern: &str) -> Result<Vec<Token>, Fail> {
    let malformed = |what: String, at: usize| Fail::Malformed { what, at: Some(at) };
    let mut tokens = Vec::new();
    let mut chars = pattern.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let tok = match c {
            c if c.is_whitespace() => continue,
            '[' => Tok::Open,
            ']' => Tok::Close,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            ':' => Tok::Colon,
            '.' => Tok::Dot,
            '*' => Tok::Star,
            '=' => Tok::Op("="),
            '!' => {
                if chars.next_if(|&(_, n)| n == '=').is_some() {
                    Tok::Op("!=")
                } else {
                    return Err(malformed("`!` without `=`".into(), start));
                }
            }
            '<' => {
                if chars.next_if(|&(_, n)| n == '=').is_some() {
                    Tok::Op("<=")
                } else {
                    Tok::Op("<")
                }
            }
            '>' => {
                if chars.next_if(|&(_, n)| n == '=').is_some() {
                    Tok::Op(">=")
                } else {
                    Tok::Op(">")
                }
            }
            '\'' => Tok::Str(string_literal(&mut chars, start)?),
            c if is_word_char(c) => {
                let mut word = String::from(c);
                while let Some((_, n)) = chars.next_if(|&(_, n)| is_word_char(n)) {
                    word.push(n);
                }
                if matches!(word.as_str(), "t" | "h" | "b")
                    && chars.next_if(|&(_, n)| n == '\'').is_some()
                {
                    string_literal(&mut chars, start)?;
                    Tok::Typed
                } else {
                    Tok::Word(word)
                }
            }
            other => {
                return Err(malformed(
                    format!("unexpected character `{}`", other.escape_default()),
                    start,
                ));
            }
        };
        let end = chars.peek().map_or(pattern.len(), |&(at, _)| at);
        tokens.push(Token { tok, start, end });
    }
    Ok(tokens)
}

/// The rest of a string literal whose opening quote is at `start`: up to the closing quote,
/// with `\'` and `\\` unescaped (the only escapes of the patterning language).
fn string_literal(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    start: usize,
) -> Result<String, Fail> {
    let unterminated = || Fail::Malformed {
        what: "string literal not closed".into(),
        at: Some(start),
    };
    let mut text = String::new();
    loop {
        match chars.next() {
            None => return Err(unterminated()),
            Some((_, '\'')) => return Ok(text),
            Some((at, '\\')) => match chars.next() {
                Some((_, c @ ('\'' | '\\'))) => text.push(c),
                Some((_, other)) => {
                    return Err(Fail::Malformed {
                        what: format!("invalid escape `\\{}`", other.escape_default()),
                        at: Some(at),
                    });
                }
                None => return Err(unterminated()),
            },
            Some((_, c)) => text.push(c),
        }
    }
}

/// The comparisons of a STIX pattern, or why the pattern is not imported whole.
fn parse_pattern(pattern: &str) -> Result<Vec<Term>, String> {
    let tokens = tokenize(pattern).map_err(|fail| fail.message(pattern))?;
    let mut parser = Parser {
        pattern,
        tokens,
        pos: 0,
        terms: Vec::new(),
    };
    parser
        .observations(0)
        .and_then(|()| match parser.peek() {
            None => Ok(()),
            Some(_) => Err(parser.malformed("unexpected")),
        })
        .map_err(|fail| fail.message(pattern))?;
    Ok(parser.terms)
}

/// Where the kinds of an understood object path come from.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Target {
    /// `ipv4-addr:value`, `ipv6-addr:value`: `ip` or `cidr` by the value and operator.
    Address,
    /// One kind.
    Kind(IocKind),
}

/// The target of an object path (`[type, component, ...]`), or why it is not imported.
fn target(parts: &[String], path: &str) -> Result<Target, String> {
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    Ok(match parts.as_slice() {
        ["ipv4-addr" | "ipv6-addr", "value"] => Target::Address,
        ["domain-name", "value"] => Target::Kind(IocKind::Domain),
        ["url", "value"] => Target::Kind(IocKind::Url),
        ["file", "hashes", algorithm] => {
            let name: String = algorithm
                .chars()
                .filter(|c| !matches!(c, '-' | '_'))
                .collect::<String>()
                .to_ascii_uppercase();
            match name.as_str() {
                "MD5" => Target::Kind(IocKind::Md5),
                "SHA1" => Target::Kind(IocKind::Sha1),
                "SHA256" => Target::Kind(IocKind::Sha256),
                "SHA512" => Target::Kind(IocKind::Sha512),
                _ => {
                    return Err(format!(
                        "hash algorithm `{}` is not supported",
                        short(algorithm, NAME_CHARS)
                    ));
                }
            }
        }
        [
            "network-traffic",
            "extensions",
            "http-request-ext",
            "request_header",
            header,
        ] if header.eq_ignore_ascii_case("User-Agent") => Target::Kind(IocKind::UserAgent),
        _ => {
            return Err(format!(
                "object path `{}` is not supported",
                short(path, NAME_CHARS)
            ));
        }
    })
}

/// Recursive descent over the tokens of a pattern, collecting its comparisons.
struct Parser<'a> {
    pattern: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    terms: Vec<Term>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn peek_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w == word)
    }

    /// Where the current token starts.
    fn here(&self) -> Option<usize> {
        self.tokens.get(self.pos).map(|t| t.start)
    }

    /// Where the last token read ends.
    fn last_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|last| self.tokens.get(last))
            .map_or(0, |t| t.end)
    }

    /// The current token, as written (shortened), or the end.
    fn found(&self) -> String {
        match self.tokens.get(self.pos) {
            Some(token) => format!(
                "`{}`",
                short(
                    self.pattern.get(token.start..token.end).unwrap_or_default(),
                    40
                )
            ),
            None => "the end of the pattern".into(),
        }
    }

    fn malformed(&self, expected: &str) -> Fail {
        Fail::Malformed {
            what: format!("{expected} {}", self.found()),
            at: self.here(),
        }
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<(), Fail> {
        if self.peek() == Some(tok) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.malformed(&format!("expected {what}, found")))
        }
    }

    fn deeper(&self, depth: usize) -> Result<usize, Fail> {
        if depth >= MAX_PATTERN_NESTING {
            Err(Fail::Malformed {
                what: format!("parentheses nested deeper than {MAX_PATTERN_NESTING}"),
                at: self.here(),
            })
        } else {
            Ok(depth + 1)
        }
    }

    /// Observation expressions joined by `OR`.
    fn observations(&mut self, depth: usize) -> Result<(), Fail> {
        loop {
            self.observation(depth)?;
            if self.peek_word("OR") {
                self.pos += 1;
            } else if self.peek_word("AND") {
                return Err(Fail::Unsupported(
                    "AND between observation expressions".into(),
                ));
            } else if self.peek_word("FOLLOWEDBY") {
                return Err(Fail::Unsupported("FOLLOWEDBY".into()));
            } else {
                return Ok(());
            }
        }
    }

    /// `[comparisons]` or `(observations)`, without qualifier.
    fn observation(&mut self, depth: usize) -> Result<(), Fail> {
        match self.peek() {
            Some(Tok::Open) => {
                self.pos += 1;
                self.comparisons(depth)?;
                self.expect(&Tok::Close, "`]`")?;
            }
            Some(Tok::LParen) => {
                let depth = self.deeper(depth)?;
                self.pos += 1;
                self.observations(depth)?;
                self.expect(&Tok::RParen, "`)`")?;
            }
            _ => return Err(self.malformed("expected `[` or `(`, found")),
        }
        for qualifier in ["WITHIN", "REPEATS", "START", "STOP"] {
            if self.peek_word(qualifier) {
                return Err(Fail::Unsupported(format!("the {qualifier} qualifier")));
            }
        }
        Ok(())
    }

    /// Comparisons joined by `OR`.
    fn comparisons(&mut self, depth: usize) -> Result<(), Fail> {
        loop {
            match self.peek() {
                Some(Tok::LParen) => {
                    let inner = self.deeper(depth)?;
                    self.pos += 1;
                    self.comparisons(inner)?;
                    self.expect(&Tok::RParen, "`)`")?;
                }
                Some(Tok::Word(w)) if w == "EXISTS" => {
                    let start = self.here().unwrap_or_default();
                    self.pos += 1;
                    self.object_path()?;
                    self.refuse(start, "EXISTS is not supported".into());
                }
                _ => self.comparison()?,
            }
            if self.peek_word("OR") {
                self.pos += 1;
            } else if self.peek_word("AND") {
                return Err(Fail::Unsupported("AND between comparisons".into()));
            } else {
                return Ok(());
            }
        }
    }

    /// Records the comparison from byte `start` to the last token read as not imported.
    fn refuse(&mut self, start: usize, reason: String) {
        let text = self
            .pattern
            .get(start..self.last_end())
            .unwrap_or_default()
            .to_owned();
        self.terms.push(Term::Refused { text, reason });
    }

    /// `object-type:path [NOT] operator literal`, or `... [NOT] IN (literal, ...)`.
    fn comparison(&mut self) -> Result<(), Fail> {
        let start = self.here().unwrap_or(self.pattern.len());
        let parts = self.object_path()?;
        let path = self
            .pattern
            .get(start..self.last_end())
            .unwrap_or_default()
            .to_owned();
        let negated = self.peek_word("NOT");
        if negated {
            self.pos += 1;
        }
        let operator: String = match self.peek() {
            Some(Tok::Op(op)) => (*op).to_owned(),
            Some(Tok::Word(w))
                if matches!(
                    w.as_str(),
                    "LIKE" | "MATCHES" | "ISSUBSET" | "ISSUPERSET" | "IN"
                ) =>
            {
                w.clone()
            }
            _ => return Err(self.malformed("expected a comparison operator, found")),
        };
        self.pos += 1;
        let mut values = Vec::new();
        if operator == "IN" {
            self.expect(&Tok::LParen, "`(` after IN")?;
            loop {
                values.push(self.literal()?);
                if self.peek() == Some(&Tok::Comma) {
                    self.pos += 1;
                } else {
                    break;
                }
            }
            self.expect(&Tok::RParen, "`)` closing the IN list")?;
        } else {
            values.push(self.literal()?);
        }
        if negated {
            self.refuse(start, format!("NOT {operator} is not supported"));
            return Ok(());
        }
        if !matches!(operator.as_str(), "=" | "IN" | "ISSUBSET") {
            self.refuse(start, format!("operator {operator} is not supported"));
            return Ok(());
        }
        let target = match target(&parts, &path) {
            Ok(target) => target,
            Err(reason) => {
                self.refuse(start, reason);
                return Ok(());
            }
        };
        if operator == "ISSUBSET" && target != Target::Address {
            self.refuse(
                start,
                "ISSUBSET is supported only on ipv4-addr:value and ipv6-addr:value".into(),
            );
            return Ok(());
        }
        for value in values {
            let Some(value) = value else {
                self.refuse(
                    start,
                    format!("`{path}` compared with a literal that is not a string"),
                );
                continue;
            };
            let kind = match target {
                Target::Address if operator == "ISSUBSET" || value.contains('/') => IocKind::Cidr,
                Target::Address => IocKind::Ip,
                Target::Kind(kind) => kind,
            };
            self.terms.push(Term::Found { kind, value });
        }
        Ok(())
    }

    /// `type:component(.component | [index])*`: the type and the components.
    fn object_path(&mut self) -> Result<Vec<String>, Fail> {
        let object_type = match self.peek() {
            Some(Tok::Word(w)) if w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') => {
                w.clone()
            }
            _ => {
                return Err(
                    self.malformed("expected an object path such as `ipv4-addr:value`, found")
                );
            }
        };
        self.pos += 1;
        self.expect(&Tok::Colon, "`:` after the object type")?;
        let mut parts = vec![object_type, self.component()?];
        loop {
            match self.peek() {
                Some(Tok::Dot) => {
                    self.pos += 1;
                    parts.push(self.component()?);
                }
                Some(Tok::Open) => {
                    self.pos += 1;
                    let index = match self.peek() {
                        Some(Tok::Star) => "[*]".to_owned(),
                        Some(Tok::Word(w)) if w.bytes().all(|b| b.is_ascii_digit()) => {
                            format!("[{w}]")
                        }
                        _ => return Err(self.malformed("expected `*` or a list index, found")),
                    };
                    self.pos += 1;
                    self.expect(&Tok::Close, "`]` after the list index")?;
                    parts.push(index);
                }
                _ => return Ok(parts),
            }
        }
    }

    /// A property name: an identifier or a quoted name.
    fn component(&mut self) -> Result<String, Fail> {
        let name = match self.peek() {
            Some(Tok::Word(w) | Tok::Str(w)) => w.clone(),
            _ => return Err(self.malformed("expected a property name, found")),
        };
        self.pos += 1;
        Ok(name)
    }

    /// A literal: a string (Some, unescaped) or another kind (None).
    fn literal(&mut self) -> Result<Option<String>, Fail> {
        let value = match self.peek() {
            Some(Tok::Str(text)) => Some(text.clone()),
            Some(Tok::Typed) => None,
            Some(Tok::Word(w)) if w == "true" || w == "false" => None,
            Some(Tok::Word(w)) if is_integer(w) => {
                // A float is read as `1`, `.`, `5`.
                if self.tokens.get(self.pos + 1).map(|t| &t.tok) == Some(&Tok::Dot)
                    && matches!(self.tokens.get(self.pos + 2).map(|t| &t.tok),
                        Some(Tok::Word(f)) if f.bytes().all(|b| b.is_ascii_digit()))
                {
                    self.pos += 2;
                }
                None
            }
            _ => return Err(self.malformed("expected a literal, found")),
        };
        self.pos += 1;
        Ok(value)
    }
}

/// Whether a word is an integer literal (`[+-]?[0-9]+`).
fn is_integer(word: &str) -> bool {
    let digits = word.strip_prefix(['+', '-']).unwrap_or(word);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    const MD5: &str = "d41d8cd98f00b204e9800998ecf8427e";
    const SHA1: &str = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    const SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const SHA512: &str = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce\
                          47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
    const EVENT_A: &str = "5f3c8a5e-0b2c-4d1e-9a7b-1c2d3e4f5a60";
    const EVENT_B: &str = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    const EVENT_MISSING: &str = "7b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e";

    /// A MISP attribute as the feed export writes it.
    fn attribute(uuid: &str, kind: &str, value: &str, to_ids: bool) -> Value {
        json!({
            "category": "Network activity",
            "comment": "",
            "deleted": false,
            "disable_correlation": false,
            "object_relation": null,
            "timestamp": "1705312800",
            "to_ids": to_ids,
            "type": kind,
            "uuid": uuid,
            "value": value
        })
    }

    fn event(uuid: &str, info: &str, attributes: Vec<Value>, objects: Vec<Value>) -> Value {
        json!({
            "Event": {
                "analysis": "2",
                "date": "2024-01-15",
                "extends_uuid": "",
                "info": info,
                "publish_timestamp": "1705312900",
                "published": true,
                "threat_level_id": "1",
                "timestamp": "1705312800",
                "uuid": uuid,
                "Orgc": { "name": "CERT-EXAMPLE", "uuid": "55f6ea5e-2c60-40e5-964f-47a8950d210f" },
                "Tag": [{ "colour": "#004646", "local": false, "name": "tlp:green" }],
                "Attribute": attributes,
                "Object": objects
            }
        })
    }

    fn indicator(kind: IocKind, value: &str, reference: &str) -> Indicator {
        Indicator {
            kind,
            value: value.to_owned(),
            expires: None,
            reference: Some(reference.to_owned()),
        }
    }

    fn misp(event: &str, attribute: &str) -> String {
        format!("misp:{event}/{attribute}")
    }

    fn write_feed(dir: &Path) {
        let manifest = json!({
            EVENT_A: { "Orgc": { "name": "CERT-EXAMPLE" }, "Tag": [], "info": "Campaign A",
                       "date": "2024-01-15", "analysis": 2, "threat_level_id": 1,
                       "timestamp": 1705312800 },
            EVENT_B: { "Orgc": { "name": "CERT-EXAMPLE" }, "Tag": [], "info": "Campaign B",
                       "date": "2024-01-16", "analysis": 2, "threat_level_id": 2,
                       "timestamp": 1705399200 },
            EVENT_MISSING: { "info": "listed, never exported", "date": "2024-01-17",
                             "timestamp": 1705485600 }
        });
        let mut deleted = attribute("a18", "domain", "deleted.example", true);
        deleted["deleted"] = json!(true);
        let a = event(
            EVENT_A,
            "Campaign A",
            vec![
                attribute("a01", "ip-src", "198.51.100.7", true),
                attribute("a02", "ip-dst", "203.0.113.0/24", true),
                attribute("a03", "ip-dst|port", "192.0.2.10|8443", true),
                attribute("a04", "ip-src|port", "2001:db8::5|53", true),
                attribute("a05", "domain", "evil.example", true),
                attribute("a06", "hostname", "c2.evil.example", true),
                attribute("a07", "domain|ip", "bad.example|198.51.100.20", true),
                attribute("a08", "url", "http://evil.example/payload.exe", true),
                attribute("a09", "uri", "https://evil.example/gate.php", true),
                attribute("a10", "uri", "/gate.php", true),
                attribute("a11", "md5", MD5, true),
                attribute("a12", "sha1", SHA1, true),
                attribute("a13", "sha256", SHA256, true),
                attribute("a14", "sha512", SHA512, true),
                attribute(
                    "a15",
                    "filename|sha256",
                    &format!("dropper.exe|{SHA256}"),
                    true,
                ),
                attribute(
                    "a16",
                    "user-agent",
                    "Mozilla/5.0 (Windows NT 10.0; EvilBot/1.0)",
                    true,
                ),
                attribute("a17", "ip-dst", "198.51.100.99", false),
                deleted,
                attribute("a19", "mutex", "Global\\EvilMutex", true),
                attribute("a20", "ip-dst", "999.1.1.1", true),
            ],
            vec![],
        );
        let gone = json!({
            "name": "domain-ip", "meta-category": "network", "uuid": "o2", "deleted": true,
            "template_version": "9",
            "Attribute": [attribute("o2a", "domain", "gone.example", true)]
        });
        let b = event(
            EVENT_B,
            "Campaign B",
            vec![
                attribute("b01", "filename|md5", &format!("invoice.doc|{MD5}"), true),
                attribute("b02", "filename|sha1", &format!("invoice.doc|{SHA1}"), true),
                attribute(
                    "b03",
                    "filename|sha512",
                    &format!("invoice.doc|{SHA512}"),
                    true,
                ),
            ],
            vec![
                json!({
                    "comment": "", "deleted": false, "description": "File object",
                    "meta-category": "file", "name": "file",
                    "template_uuid": "688c46fb-5edb-40a3-8273-1af7923e2215",
                    "template_version": "24", "timestamp": "1705399200", "uuid": "o1",
                    "Attribute": [
                        attribute("o1a", "sha1", "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3", true),
                        attribute("o1b", "filename", "invoice.doc", false),
                    ]
                }),
                gone,
            ],
        );
        std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
        std::fs::write(dir.join(format!("{EVENT_A}.json")), a.to_string()).unwrap();
        std::fs::write(dir.join(format!("{EVENT_B}.json")), b.to_string()).unwrap();
    }

    #[test]
    fn misp_feed_maps_every_type_and_names_every_skip() {
        let dir = tempfile::tempdir().unwrap();
        write_feed(dir.path());
        let imported = from_misp_feed(dir.path()).unwrap();
        let a = |id: &str| misp(EVENT_A, id);
        let b = |id: &str| misp(EVENT_B, id);
        let expected = vec![
            indicator(IocKind::Ip, "198.51.100.7", &a("a01")),
            indicator(IocKind::Cidr, "203.0.113.0/24", &a("a02")),
            indicator(IocKind::Ip, "192.0.2.10", &a("a03")),
            indicator(IocKind::Ip, "2001:db8::5", &a("a04")),
            indicator(IocKind::Domain, "evil.example", &a("a05")),
            indicator(IocKind::Domain, "c2.evil.example", &a("a06")),
            indicator(IocKind::Domain, "bad.example", &a("a07")),
            indicator(IocKind::Ip, "198.51.100.20", &a("a07")),
            indicator(IocKind::Url, "http://evil.example/payload.exe", &a("a08")),
            indicator(IocKind::Url, "https://evil.example/gate.php", &a("a09")),
            indicator(IocKind::Md5, MD5, &a("a11")),
            indicator(IocKind::Sha1, SHA1, &a("a12")),
            indicator(IocKind::Sha256, SHA256, &a("a13")),
            indicator(IocKind::Sha512, SHA512, &a("a14")),
            indicator(IocKind::Sha256, SHA256, &a("a15")),
            indicator(
                IocKind::UserAgent,
                "Mozilla/5.0 (Windows NT 10.0; EvilBot/1.0)",
                &a("a16"),
            ),
            indicator(IocKind::Md5, MD5, &b("b01")),
            indicator(IocKind::Sha1, SHA1, &b("b02")),
            indicator(IocKind::Sha512, SHA512, &b("b03")),
            indicator(
                IocKind::Sha1,
                "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3",
                &b("o1a"),
            ),
        ];
        assert_eq!(imported.indicators, expected);

        let missing = dir.path().join(format!("{EVENT_MISSING}.json"));
        let missing_name = missing.display().to_string();
        let missing_reference = format!("misp:{EVENT_MISSING}");
        let skipped: Vec<(&str, &str, &str)> = imported
            .skipped
            .iter()
            .map(|s| (s.reference.as_str(), s.value.as_str(), s.reason.as_str()))
            .collect();
        let (a10, a17, a18, a19, a20) = (a("a10"), a("a17"), a("a18"), a("a19"), a("a20"));
        let (o1b, o2a) = (b("o1b"), b("o2a"));
        assert_eq!(skipped.len(), 8, "{skipped:#?}");
        assert_eq!(
            skipped[..7],
            [
                (
                    a10.as_str(),
                    "/gate.php",
                    "uri: no scheme (a path alone is not matched as a URL)"
                ),
                (a17.as_str(), "198.51.100.99", "to_ids is false"),
                (a18.as_str(), "deleted.example", "deleted"),
                (
                    a19.as_str(),
                    "Global\\EvilMutex",
                    "type `mutex` is not imported"
                ),
                (
                    a20.as_str(),
                    "999.1.1.1",
                    "ip-dst: not an IP address: invalid IP address syntax"
                ),
                (o1b.as_str(), "invoice.doc", "to_ids is false"),
                (o2a.as_str(), "gone.example", "its object o2 is deleted"),
            ]
        );
        // The missing file is named, with what is wrong; the other events are imported.
        let (reference, value, reason) = skipped[7];
        assert_eq!(reference, missing_reference);
        assert_eq!(value, missing_name);
        assert!(reason.starts_with("event file not imported: "), "{reason}");
        assert!(reason.contains(&missing_name), "{reason}");
        assert!(reason.contains("No such file"), "{reason}");

        // What is imported loads as a set without refusal.
        for indicator in &imported.indicators {
            assert!(normalize(indicator.kind, &indicator.value).is_ok());
        }
    }

    #[test]
    fn misp_feed_without_manifest_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let error = from_misp_feed(dir.path()).unwrap_err().to_string();
        assert!(error.contains("manifest.json"), "{error}");

        std::fs::write(dir.path().join("manifest.json"), "[1, 2]").unwrap();
        let error = from_misp_feed(dir.path()).unwrap_err().to_string();
        assert!(
            error.contains("manifest.json: not a MISP feed manifest"),
            "{error}"
        );

        std::fs::write(dir.path().join("manifest.json"), "{\"a\": ").unwrap();
        let error = from_misp_feed(dir.path()).unwrap_err().to_string();
        assert!(
            error.contains("manifest.json: not a MISP feed manifest"),
            "{error}"
        );
    }

    #[test]
    fn misp_feed_reads_no_file_outside_its_directory_and_skips_bad_events() {
        let dir = tempfile::tempdir().unwrap();
        let feed = dir.path().join("feed");
        std::fs::create_dir(&feed).unwrap();
        std::fs::write(
            dir.path().join("secret.json"),
            event(
                "s",
                "outside",
                vec![attribute("x", "domain", "outside.example", true)],
                vec![],
            )
            .to_string(),
        )
        .unwrap();
        std::fs::write(feed.join("bad-event.json"), "{\"Event\": []}").unwrap();
        std::fs::write(
            feed.join("manifest.json"),
            json!({ "../secret": {}, "bad-event": {} }).to_string(),
        )
        .unwrap();
        let imported = from_misp_feed(&feed).unwrap();
        assert!(imported.indicators.is_empty());
        assert_eq!(imported.skipped.len(), 2);
        assert_eq!(imported.skipped[0].reference, "misp:../secret");
        assert!(imported.skipped[0].reason.contains("not an event uuid"));
        assert_eq!(imported.skipped[1].reference, "misp:bad-event");
        assert!(
            imported.skipped[1]
                .reason
                .contains("bad-event.json: not a MISP event"),
            "{}",
            imported.skipped[1].reason
        );
    }

    #[test]
    fn misp_event_errors_name_the_source() {
        let error = from_misp_event("not json", "e.json")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("e.json: not a MISP event"), "{error}");
        let error = from_misp_event("{\"Event\": {}}", "e.json")
            .unwrap_err()
            .to_string();
        assert_eq!(error, "e.json: the MISP event has no \"uuid\"");
        let error = from_misp_event("{\"Event\": {\"uuid\": \"u\", \"Attribute\": 3}}", "e.json")
            .unwrap_err()
            .to_string();
        assert_eq!(error, "e.json: event u: \"Attribute\" is not a list");
        // Older exports wrote flags as "0"/"1"; an attribute without uuid is named by position.
        let text = json!({ "Event": { "uuid": "u", "Attribute": [
            { "type": "domain", "value": "old.example", "to_ids": "1" },
            { "type": "domain", "value": "quiet.example" },
            { "type": "ip-dst|port", "value": "192.0.2.1", "to_ids": true },
            "text",
        ] } })
        .to_string();
        let imported = from_misp_event(&text, "e.json").unwrap();
        assert_eq!(
            imported.indicators,
            vec![indicator(
                IocKind::Domain,
                "old.example",
                "misp:u/Attribute[0]"
            )]
        );
        let reasons: Vec<&str> = imported.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "to_ids is missing (not marked for detection)",
                "ip-dst|port: expected `address|port`, the value has no `|`",
                "the attribute is not a JSON object",
            ]
        );
    }

    fn stix(id: &str, pattern: &str) -> Value {
        json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": id,
            "created": "2016-04-06T20:03:48.000Z",
            "modified": "2016-04-06T20:03:48.000Z",
            "indicator_types": ["malicious-activity"],
            "pattern": pattern,
            "pattern_type": "stix",
            "valid_from": "2016-01-01T00:00:00Z"
        })
    }

    const UA_PATH: &str =
        "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'";

    #[test]
    fn stix_bundle_imports_the_comparisons_it_understands() {
        let poison_ivy = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
        let mut with_expiry = stix(
            poison_ivy,
            "[ file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c' ]",
        );
        with_expiry["valid_until"] = json!("2026-12-31T23:59:59Z");
        let mut revoked = stix(
            "indicator--revoked",
            "[domain-name:value = 'revoked.example']",
        );
        revoked["revoked"] = json!(true);
        let mut snort = stix(
            "indicator--snort",
            "alert tcp any any -> any any (msg:\"x\";)",
        );
        snort["pattern_type"] = json!("snort");
        let mut bad_time = stix(
            "indicator--bad-time",
            "[domain-name:value = 'late.example']",
        );
        bad_time["valid_until"] = json!("tomorrow");
        let mut no_type = stix(
            "indicator--no-type",
            "[domain-name:value = 'plain.example']",
        );
        no_type.as_object_mut().unwrap().remove("pattern_type");
        let long = format!("[domain-name:value = '{}.example']", "a".repeat(70_000));
        let bundle = json!({
            "type": "bundle",
            "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982",
            "objects": [
                {
                    "type": "identity", "spec_version": "2.1",
                    "id": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
                    "created": "2016-04-06T20:03:00.000Z", "modified": "2016-04-06T20:03:00.000Z",
                    "name": "ACME, Inc.", "identity_class": "organization"
                },
                with_expiry,
                {
                    "type": "malware", "spec_version": "2.1",
                    "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
                    "created": "2016-04-06T20:07:09.000Z", "modified": "2016-04-06T20:07:09.000Z",
                    "name": "Poison Ivy", "is_family": false
                },
                {
                    "type": "relationship", "spec_version": "2.1",
                    "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
                    "created": "2016-04-06T20:06:37.000Z", "modified": "2016-04-06T20:06:37.000Z",
                    "relationship_type": "indicates",
                    "source_ref": poison_ivy,
                    "target_ref": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"
                },
                stix("indicator--url", "[url:value = 'http://x4z9arb.cn/4712/']"),
                stix(
                    "indicator--ips",
                    "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' \
                     OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']",
                ),
                stix("indicator--ipv4", "[ipv4-addr:value = '198.51.100.1']"),
                stix("indicator--ipv6", "[ipv6-addr:value = '2001:db8::1']"),
                stix("indicator--cidr", "[ipv4-addr:value ISSUBSET '198.51.100.0/24']"),
                stix("indicator--domain", "[domain-name:value = 'evil.example']"),
                stix(
                    "indicator--ua",
                    &format!(r"[{UA_PATH} = 'Mozilla/4.0 (it\'s \\evil)']"),
                ),
                stix(
                    "indicator--hashes",
                    &format!(
                        "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] OR \
                         ([file:hashes.'SHA-1' = '{SHA1}'] OR [file:hashes.'SHA-512' = '{SHA512}'])"
                    ),
                ),
                stix("indicator--in", "[domain-name:value IN ('a.example', 'b.example')]"),
                no_type,
                revoked,
                stix(
                    "indicator--and",
                    "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
                ),
                stix(
                    "indicator--followedby",
                    r"[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar'] WITHIN 300 SECONDS",
                ),
                stix(
                    "indicator--within",
                    "[ipv4-addr:value = '198.51.100.1'] WITHIN 300 SECONDS",
                ),
                stix(
                    "indicator--mixed",
                    r"[ipv4-addr:value != '198.51.100.5' OR email-message:from_ref.value MATCHES '.+\\@example\\.com$' OR domain-name:value = 'ok.example' OR process:name = 'evil.exe']",
                ),
                stix("indicator--like", "[domain-name:value LIKE '%.evil.example']"),
                stix("indicator--unclosed", "[ipv4-addr:value = '198.51.100.1'"),
                stix("indicator--unterminated", "[ipv4-addr:value = '198.51.100.1]"),
                stix("indicator--invalid", "[ipv4-addr:value = '300.1.1.1']"),
                snort,
                bad_time,
                stix("indicator--long", &long),
            ]
        });
        let imported = from_stix_bundle(&bundle.to_string()).unwrap();

        let found = |kind: IocKind, value: &str, id: &str| indicator(kind, value, id);
        let mut first = found(
            IocKind::Sha256,
            "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c",
            poison_ivy,
        );
        first.expires = Some("2026-12-31T23:59:59Z".parse().unwrap());
        let expected = vec![
            first,
            found(IocKind::Url, "http://x4z9arb.cn/4712/", "indicator--url"),
            found(IocKind::Cidr, "198.51.100.1/32", "indicator--ips"),
            found(IocKind::Cidr, "203.0.113.33/32", "indicator--ips"),
            found(
                IocKind::Cidr,
                "2001:0db8:dead:beef:dead:beef:dead:0001/128",
                "indicator--ips",
            ),
            found(IocKind::Ip, "198.51.100.1", "indicator--ipv4"),
            found(IocKind::Ip, "2001:db8::1", "indicator--ipv6"),
            found(IocKind::Cidr, "198.51.100.0/24", "indicator--cidr"),
            found(IocKind::Domain, "evil.example", "indicator--domain"),
            found(
                IocKind::UserAgent,
                r"Mozilla/4.0 (it's \evil)",
                "indicator--ua",
            ),
            found(
                IocKind::Md5,
                "79054025255fb1a26e4bc422aef54eb4",
                "indicator--hashes",
            ),
            found(IocKind::Sha1, SHA1, "indicator--hashes"),
            found(IocKind::Sha512, SHA512, "indicator--hashes"),
            found(IocKind::Domain, "a.example", "indicator--in"),
            found(IocKind::Domain, "b.example", "indicator--in"),
            found(IocKind::Domain, "plain.example", "indicator--no-type"),
            found(IocKind::Domain, "ok.example", "indicator--mixed"),
        ];
        assert_eq!(imported.indicators, expected);

        let skipped: Vec<(&str, &str, &str)> = imported
            .skipped
            .iter()
            .map(|s| (s.reference.as_str(), s.value.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(skipped.len(), 14, "{skipped:#?}");
        let and = "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']";
        assert_eq!(
            skipped[..12],
            [
                (
                    "indicator--revoked",
                    "[domain-name:value = 'revoked.example']",
                    "revoked"
                ),
                (
                    "indicator--and",
                    and,
                    "AND between comparisons is not supported"
                ),
                (
                    "indicator--followedby",
                    skipped[2].1,
                    "FOLLOWEDBY is not supported"
                ),
                (
                    "indicator--within",
                    "[ipv4-addr:value = '198.51.100.1'] WITHIN 300 SECONDS",
                    "the WITHIN qualifier is not supported"
                ),
                (
                    "indicator--mixed",
                    "ipv4-addr:value != '198.51.100.5'",
                    "operator != is not supported"
                ),
                (
                    "indicator--mixed",
                    r"email-message:from_ref.value MATCHES '.+\\@example\\.com$'",
                    "operator MATCHES is not supported"
                ),
                (
                    "indicator--mixed",
                    "process:name = 'evil.exe'",
                    "object path `process:name` is not supported"
                ),
                (
                    "indicator--like",
                    "domain-name:value LIKE '%.evil.example'",
                    "operator LIKE is not supported"
                ),
                (
                    "indicator--unclosed",
                    "[ipv4-addr:value = '198.51.100.1'",
                    "malformed pattern: expected `]`, found the end of the pattern"
                ),
                (
                    "indicator--unterminated",
                    "[ipv4-addr:value = '198.51.100.1]",
                    "malformed pattern: string literal not closed at character 20"
                ),
                (
                    "indicator--invalid",
                    "300.1.1.1",
                    "ip: not an IP address: invalid IP address syntax"
                ),
                (
                    "indicator--snort",
                    "alert tcp any any -> any any (msg:\"x\";)",
                    "pattern_type `snort` is not imported (only stix)"
                ),
            ]
        );
        assert!(skipped[2].1.contains("FOLLOWEDBY"));
        let (reference, value, reason) = skipped[12];
        assert_eq!(reference, "indicator--bad-time");
        assert_eq!(value, "[domain-name:value = 'late.example']");
        assert!(
            reason.starts_with("valid_until `tomorrow` is not an RFC 3339 time: "),
            "{reason}"
        );
        let (reference, value, reason) = skipped[13];
        assert_eq!(reference, "indicator--long");
        assert_eq!(value.chars().count(), 200);
        assert_eq!(
            reason,
            format!("the pattern is {} bytes, the limit is 65536", long.len())
        );
    }

    #[test]
    fn stix_bundle_errors() {
        let error = from_stix_bundle("[]").unwrap_err().to_string();
        assert_eq!(
            error,
            "STIX bundle: not a STIX bundle (no \"type\": \"bundle\")"
        );
        let error = from_stix_bundle("{\"type\": \"indicator\"}")
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "STIX bundle: \"type\" is \"indicator\", not \"bundle\""
        );
        let error = from_stix_bundle("{\"type\": \"bundle\", \"objects\": {}}")
            .unwrap_err()
            .to_string();
        assert_eq!(error, "STIX bundle: \"objects\" is not a list");
        let error = from_stix_bundle("{").unwrap_err().to_string();
        assert!(error.starts_with("STIX bundle: not JSON"), "{error}");
        assert_eq!(
            from_stix_bundle("{\"type\": \"bundle\"}").unwrap(),
            Imported::default()
        );
    }

    fn reasons(pattern: &str) -> Result<Vec<String>, String> {
        parse_pattern(pattern).map(|terms| {
            terms
                .into_iter()
                .map(|term| match term {
                    Term::Found { kind, value } => format!("{} {value}", kind.as_str()),
                    Term::Refused { text, reason } => format!("refused {text}: {reason}"),
                })
                .collect()
        })
    }

    #[test]
    fn pattern_parser_reads_the_grammar_and_names_what_it_refuses() {
        assert_eq!(
            reasons("([domain-name:value = 'a.example'] OR ([url:value = 'http://b.example/']))"),
            Ok(vec![
                "domain a.example".into(),
                "url http://b.example/".into()
            ])
        );
        assert_eq!(
            reasons("[(domain-name:value = 'a.example' OR (file:hashes.sha256 = 'ab'))]"),
            Ok(vec!["domain a.example".into(), "sha256 ab".into()])
        );
        assert_eq!(
            reasons(
                "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.5 OR \
                 file:size = 25 OR file:created = t'2014-01-13T07:03:17Z' OR \
                 EXISTS file:name OR ipv4-addr:value NOT = '1.2.3.4' OR \
                 file:hashes.SSDEEP = 'x' OR domain-name:value ISSUBSET 'a.example' OR \
                 domain-name:value = true]"
            ),
            Ok(vec![
                "refused file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.5: \
                 operator > is not supported"
                    .into(),
                "refused file:size = 25: object path `file:size` is not supported".into(),
                "refused file:created = t'2014-01-13T07:03:17Z': object path `file:created` \
                 is not supported"
                    .into(),
                "refused EXISTS file:name: EXISTS is not supported".into(),
                "refused ipv4-addr:value NOT = '1.2.3.4': NOT = is not supported".into(),
                "refused file:hashes.SSDEEP = 'x': hash algorithm `SSDEEP` is not supported".into(),
                "refused domain-name:value ISSUBSET 'a.example': ISSUBSET is supported only on \
                 ipv4-addr:value and ipv6-addr:value"
                    .into(),
                "refused domain-name:value = true: `domain-name:value` compared with a literal \
                 that is not a string"
                    .into(),
            ])
        );
        assert_eq!(
            reasons("[a:b = 'x'] AND [c:d = 'y']"),
            Err("AND between observation expressions is not supported".into())
        );
        assert_eq!(
            reasons("[a:b = 'x'] REPEATS 5 TIMES"),
            Err("the REPEATS qualifier is not supported".into())
        );
        assert_eq!(
            reasons("[a:b = 'x'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'"),
            Err("the START qualifier is not supported".into())
        );
        assert_eq!(
            reasons("[a:b = 'x\\n']"),
            Err("malformed pattern: invalid escape `\\n` at character 10".into())
        );
        assert_eq!(
            reasons("[a:b = 'x'] ]"),
            Err("malformed pattern: unexpected `]` at character 13".into())
        );
        assert_eq!(
            reasons("[]"),
            Err(
                "malformed pattern: expected an object path such as `ipv4-addr:value`, \
                 found `]` at character 2"
                    .into()
            )
        );
        assert_eq!(
            reasons("ipv4-addr:value = '1.2.3.4'"),
            Err("malformed pattern: expected `[` or `(`, found `ipv4-addr` at character 1".into())
        );
        assert_eq!(
            reasons("[a:b = 'é' ] # é"),
            Err("malformed pattern: unexpected character `#` at character 14".into())
        );
        let deep = format!("{}[a:b = 'x']{}", "(".repeat(1000), ")".repeat(1000));
        assert_eq!(
            reasons(&deep),
            Err("malformed pattern: parentheses nested deeper than 32 at character 33".into())
        );
        let deep = format!("[{}a:b = 'x'{}]", "(".repeat(1000), ")".repeat(1000));
        assert!(
            reasons(&deep)
                .unwrap_err()
                .contains("nested deeper than 32")
        );
        assert!(reasons("").unwrap_err().contains("the end of the pattern"));
    }

    const TOKENS: &[&str] = &[
        "[",
        "]",
        "(",
        ")",
        ",",
        ":",
        ".",
        "*",
        "=",
        "!=",
        "<",
        ">=",
        "'",
        "\\",
        "\\'",
        "'x'",
        "'1.2.3.4'",
        "'198.51.100.0/24'",
        "'evil.example'",
        "t'2020-01-01T00:00:00Z'",
        "h'0f'",
        "OR",
        "AND",
        "NOT",
        "IN",
        "LIKE",
        "MATCHES",
        "ISSUBSET",
        "EXISTS",
        "FOLLOWEDBY",
        "WITHIN",
        "5",
        "SECONDS",
        "REPEATS",
        "TIMES",
        "ipv4-addr:value",
        "ipv6-addr",
        "domain-name:value",
        "url:value",
        "file:hashes.'SHA-256'",
        "file:hashes.MD5",
        "value",
        "[*]",
        "[0]",
        "é",
        "\u{0}",
        "1.5",
        "-",
        "true",
    ];

    fn token_soup() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(proptest::sample::select(TOKENS), 0..40),
            any::<bool>(),
        )
            .prop_map(|(tokens, spaced)| tokens.join(if spaced { " " } else { "" }))
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "\\PC{0,24}".prop_map(Value::String),
            proptest::sample::select(vec![
                "ip-dst",
                "ip-src|port",
                "domain|ip",
                "uri",
                "filename|sha1",
                "1",
                "0",
                "|",
                "a|b|c",
                "indicator",
                "bundle",
            ])
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(
                    prop_oneof![
                        proptest::sample::select(vec![
                            "type",
                            "value",
                            "to_ids",
                            "deleted",
                            "uuid",
                            "Attribute",
                            "Object",
                            "Event",
                            "objects",
                            "pattern",
                            "id",
                        ])
                        .prop_map(str::to_owned),
                        "[a-z_]{1,8}",
                    ],
                    inner,
                    0..6,
                )
                .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    fn misp_type() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::sample::select(vec![
                "ip-src",
                "ip-dst",
                "ip-src|port",
                "ip-dst|port",
                "domain",
                "hostname",
                "domain|ip",
                "url",
                "uri",
                "md5",
                "sha1",
                "sha256",
                "sha512",
                "filename|md5",
                "filename|sha1",
                "filename|sha256",
                "filename|sha512",
                "user-agent",
                "mutex",
            ])
            .prop_map(str::to_owned),
            "\\PC{0,12}",
        ]
    }

    /// What holds for every import, whatever its input.
    fn check(imported: &Imported) {
        for skipped in &imported.skipped {
            assert!(skipped.value.chars().count() <= SHOWN_CHARS);
        }
        for indicator in &imported.indicators {
            assert!(normalize(indicator.kind, &indicator.value).is_ok());
        }
    }

    proptest! {
        #[test]
        fn patterns_never_panic(random in "\\PC{0,200}", soup in token_soup()) {
            for pattern in [random.clone(), soup.clone(), format!("[{soup}]"), format!("[{random}]")] {
                let _ = parse_pattern(&pattern);
                let bundle = json!({ "type": "bundle", "objects": [stix("indicator--p", &pattern)] });
                let imported = from_stix_bundle(&bundle.to_string()).unwrap();
                check(&imported);
                // Each pattern gives indicators or says why not.
                prop_assert!(!imported.indicators.is_empty() || !imported.skipped.is_empty());
            }
        }

        #[test]
        fn json_ish_text_never_panics(
            text in "[\\[\\]{}\":,0-9a-zA-Z\\\\' ./|_-]{0,300}",
            any_text in "\\PC{0,100}",
        ) {
            for body in [
                text.clone(),
                any_text.clone(),
                format!("{{\"Event\": {{\"uuid\": \"u\", \"Attribute\": [{text}"),
                format!("{{\"type\": \"bundle\", \"objects\": [{text}"),
            ] {
                if let Ok(imported) = from_stix_bundle(&body) {
                    check(&imported);
                }
                if let Ok(imported) = from_misp_event(&body, "random.json") {
                    check(&imported);
                }
            }
        }

        #[test]
        fn random_documents_never_panic(
            value in json_value(),
            attributes in proptest::collection::vec(
                (misp_type(), "\\PC{0,40}", json_value(), any::<bool>()), 0..8),
        ) {
            let attributes: Vec<Value> = attributes
                .into_iter()
                .map(|(kind, text, to_ids, deleted)| json!({
                    "uuid": "a", "type": kind, "value": text, "to_ids": to_ids, "deleted": deleted
                }))
                .collect();
            let documents = [
                json!({ "Event": { "uuid": "e", "Attribute": attributes.clone(),
                                   "Object": [{ "Attribute": attributes }, value.clone()] } }),
                json!({ "Event": value.clone() }),
                json!({ "Event": { "uuid": "e", "Attribute": [value.clone()],
                                   "Object": [value.clone()] } }),
                json!({ "type": "bundle", "objects": [value.clone()] }),
                json!({ "type": "bundle", "objects": [{
                    "type": "indicator", "id": value.clone(), "pattern": value.clone(),
                    "valid_until": value.clone(), "revoked": value.clone(),
                    "pattern_type": value.clone() }] }),
                value,
            ];
            for document in documents {
                let text = document.to_string();
                if let Ok(imported) = from_stix_bundle(&text) {
                    check(&imported);
                }
                if let Ok(imported) = from_misp_event(&text, "random.json") {
                    check(&imported);
                }
            }
        }
    }
}
