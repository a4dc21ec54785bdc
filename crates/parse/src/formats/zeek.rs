//! Zeek logs as JSON objects (Zeek's `LogAscii::use_json`, or a shipper's JSON): one object
//! per log entry, sent as HTTP NDJSON, `_bulk` or an imported `.jsonl` file.
//!
//! Source types: `zeek.<log>` for the logs `conn`, `dns`, `http`, `ssl`, `x509`, `files`,
//! `smb_files`, `smb_mapping`, `dce_rpc`, `kerberos`, `ntlm`, `rdp`, `ssh`, `smtp`,
//! `notice`, `weird`, `dhcp`, `ftp`, `software`, `tunnel`, `pe`, `known_hosts`,
//! `known_services`, and `zeek.log` for any other log (declared: any `zeek.*`).
//!
//! Recognition: an object with a string `_path` (marker `"_path"`); its value names the
//! log. Zeek's default JSON has no `_path`: such events need a declared type (`zeek.dns`),
//! whose second part then picks the log. A `_path` naming a known log wins over the
//! declared type (the outcome's type is refined to it).
//!
//! The sender's object is kept as it came, so the Zeek field names SigmaHQ's `product: zeek`
//! rules test (`query`, `qtype_name`, `answers`, `uri`, `method`, `user_agent`,
//! `status_code`, `path`, `name`, `operation`, `endpoint`, `request_type`, `service`,
//! `cipher`, `certificate.serial`, `san.dns`, `id.orig_h`, `id.resp_p`, ...) stay reachable:
//! the dotted ones either as Zeek's flat keys (`"id.orig_h"`) or nested (`"id": {"orig_h"}`),
//! which field lookups resolve alike. ECS fields are added beside them:
//!
//! | log | ECS field | from |
//! |---|---|---|
//! | all | timestamp | `ts` (epoch seconds, or an ISO 8601 string) |
//! | all | `zeek.session_id` | `uid` |
//! | all | `source.ip` / `source.port` / `destination.ip` / `destination.port` | `id.orig_h` / `id.orig_p` / `id.resp_h` / `id.resp_p` |
//! | all | `network.transport` | `proto` |
//! | all | `observer.vendor` / `observer.product` / `observer.type` | `Zeek` / `Zeek` / `ids` |
//! | all | `event.kind` | `alert` for `notice`, else `event` |
//! | conn | `event.duration` (ns), `network.protocol`, `network.community_id`, `source.bytes` / `source.packets` / `destination.bytes` / `destination.packets`, `network.bytes` / `network.packets` | `duration`, `service`, `community_id`, `orig_ip_bytes` / `orig_pkts` / `resp_ip_bytes` / `resp_pkts`, their sums |
//! | dns | `dns.question.name` / `dns.question.type` / `dns.question.class` / `dns.response_code` / `dns.id` / `dns.resolved_ip` | `query` / `qtype_name` / `qclass_name` / `rcode_name` / `trans_id` / the IPs among `answers` |
//! | http | `http.request.method` / `url.original` / `url.domain` / `http.response.status_code` / `http.version` / `http.request.referrer` / `http.request.body.bytes` / `http.response.body.bytes` | `method` / `uri` / `host` / `status_code` / `version` / `referrer` / `request_body_len` / `response_body_len` |
//! | ssl | `tls.version` / `tls.version_protocol` / `tls.cipher` / `tls.curve` / `tls.client.server_name` / `tls.resumed` / `tls.established` | `version` (`TLSv12` → `1.2`, `tls`) / `cipher` / `curve` / `server_name` / `resumed` / `established` |
//! | x509 | `file.x509.subject.distinguished_name` / `file.x509.issuer.distinguished_name` / `file.x509.serial_number` / `file.x509.alternative_names` / `file.x509.not_before` / `file.x509.not_after` | `certificate.subject` / `certificate.issuer` / `certificate.serial` / `san.dns` / `certificate.not_valid_before` / `certificate.not_valid_after` |
//! | files | `file.name` / `file.mime_type` / `file.size` / `file.hash.md5` / `sha1` / `sha256` | `filename` / `mime_type` / `total_bytes` / `md5` / `sha1` / `sha256` |
//! | smb_files | `file.path` / `file.name` / `file.size` / `event.action` | `path` and `name` joined with `\` / the last part of `name` / `size` / `action` |
//! | dce_rpc | `event.action` | `operation` |
//! | kerberos | `user.name` / `user.domain` / `event.action` / `event.outcome` | `client` (`user/REALM`) / `request_type` / `success` |
//! | ntlm | `user.name` / `user.domain` / `event.outcome` | `username` / `domainname` / `success` |
//! | ssh | `event.outcome` | `auth_success` |
//! | ftp | `user.name` / `event.action` | `user` / `command` |
//! | smtp | `email.from.address` / `email.to.address` / `email.subject` | `mailfrom` / `rcptto` / `subject` |
//! | notice, weird | `rule.name` / `rule.description` | `note` or `name` / `msg` |
//!
//! A Zeek key that is not an object blocks the ECS field below it (fields are never
//! overwritten): `user_agent` (http) holds Zeek's string, so no `user_agent.original` is
//! added; `service` (kerberos, conn) likewise.
//!
//! Errors: `no_timestamp` (no `ts`), `bad_timestamp` (a `ts` that is neither epoch seconds
//! nor an ISO 8601 time).
//!
//! Left out: Zeek's TSV format (a `#fields` header then tab-separated rows; a test-only
//! converter reads the shared samples), the other logs' own fields (dhcp, rdp, pe,
//! software, tunnel, known_*: common fields only), and `dns.answers` in ECS form (Zeek's
//! `answers` stays as it is).

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::{Ctx, Format, Input};
use crate::ParseError;
use crate::fields;
use crate::fields::{copy, copy_number, count, put_count, scalar, shown_value as shown};

pub(crate) const FORMAT: Format = Format {
    name: "zeek",
    claims: &["zeek."],
    recognise,
    markers: &["\"_path\""],
    parse,
};

/// The logs with a source type of their own.
const LOGS: &[(&str, &str)] = &[
    ("conn", "zeek.conn"),
    ("dns", "zeek.dns"),
    ("http", "zeek.http"),
    ("ssl", "zeek.ssl"),
    ("x509", "zeek.x509"),
    ("files", "zeek.files"),
    ("smb_files", "zeek.smb_files"),
    ("smb_mapping", "zeek.smb_mapping"),
    ("dce_rpc", "zeek.dce_rpc"),
    ("kerberos", "zeek.kerberos"),
    ("ntlm", "zeek.ntlm"),
    ("rdp", "zeek.rdp"),
    ("ssh", "zeek.ssh"),
    ("smtp", "zeek.smtp"),
    ("notice", "zeek.notice"),
    ("weird", "zeek.weird"),
    ("dhcp", "zeek.dhcp"),
    ("ftp", "zeek.ftp"),
    ("software", "zeek.software"),
    ("tunnel", "zeek.tunnel"),
    ("pe", "zeek.pe"),
    ("known_hosts", "zeek.known_hosts"),
    ("known_services", "zeek.known_services"),
];

fn known(path: &str) -> Option<&'static str> {
    LOGS.iter().find(|(p, _)| *p == path).map(|(_, t)| *t)
}

fn recognise(input: &Input<'_>) -> Option<&'static str> {
    let path = input.fields.get("_path")?.as_str()?;
    Some(known(path).unwrap_or("zeek.log"))
}

fn parse(ctx: &mut Ctx<'_>) -> Result<(), ParseError> {
    let f = &*ctx.fields;
    let Some(ts) = f.get("ts") else {
        return Err(ParseError::new(
            "no_timestamp",
            "the Zeek event has no `ts`",
        ));
    };
    let timestamp = match ts {
        Value::Number(n) => n.as_f64().and_then(epoch),
        Value::String(s) => s
            .parse::<Timestamp>()
            .ok()
            .or_else(|| s.parse::<f64>().ok().and_then(epoch)),
        _ => None,
    }
    .ok_or_else(|| {
        ParseError::new(
            "bad_timestamp",
            format!(
                "`ts` {} is neither epoch seconds nor an ISO 8601 time",
                shown(ts)
            ),
        )
    })?;
    ctx.timestamp = Some(timestamp);

    // The log: `_path` when it names a known one, else the declared type's second part.
    let declared = ctx.source_type;
    let path = f.get("_path").and_then(Value::as_str);
    let log: &str = match path.and_then(known) {
        Some(found) => {
            if found != declared {
                ctx.refined = Some(found);
            }
            found
        }
        None => known(declared.split('.').nth(1).unwrap_or_default()).unwrap_or("zeek.log"),
    };
    let log = log.strip_prefix("zeek.").unwrap_or(log);

    let f = &mut *ctx.fields;
    copy(f, "uid", "zeek.session_id");
    copy(f, "id.orig_h", "source.ip");
    copy_number(f, "id.orig_p", "source.port");
    copy(f, "id.resp_h", "destination.ip");
    copy_number(f, "id.resp_p", "destination.port");
    if let Some(proto) = fields::text(f, "proto") {
        let proto = proto.to_ascii_lowercase();
        fields::put_text(f, "network.transport", &proto);
    }
    fields::put(f, "observer.vendor", "Zeek");
    fields::put(f, "observer.product", "Zeek");
    fields::put(f, "observer.type", "ids");
    fields::put(
        f,
        "event.kind",
        if log == "notice" { "alert" } else { "event" },
    );

    match log {
        "conn" => conn(f),
        "dns" => dns(f),
        "http" => http(f),
        "ssl" => ssl(f),
        "x509" => x509(f),
        "files" => {
            copy(f, "filename", "file.name");
            copy(f, "mime_type", "file.mime_type");
            copy_number(f, "total_bytes", "file.size");
            copy(f, "md5", "file.hash.md5");
            copy(f, "sha1", "file.hash.sha1");
            copy(f, "sha256", "file.hash.sha256");
        }
        "smb_files" => smb_files(f),
        "dce_rpc" => copy(f, "operation", "event.action"),
        "kerberos" => {
            if let Some(client) = fields::text(f, "client") {
                let (name, realm) = client.split_once('/').unwrap_or((client, ""));
                let (name, realm) = (name.to_owned(), realm.to_owned());
                fields::put_text(f, "user.name", &name);
                fields::put_text(f, "user.domain", &realm);
            }
            copy(f, "request_type", "event.action");
            outcome(f, "success");
        }
        "ntlm" => {
            copy(f, "username", "user.name");
            copy(f, "domainname", "user.domain");
            outcome(f, "success");
        }
        "ssh" => outcome(f, "auth_success"),
        "ftp" => {
            copy(f, "user", "user.name");
            copy(f, "command", "event.action");
        }
        "smtp" => {
            copy(f, "mailfrom", "email.from.address");
            copy(f, "subject", "email.subject");
            if let Some(Value::Array(to)) = fields::lookup(f, "rcptto") {
                let to: Vec<Value> = to
                    .iter()
                    .filter(|v| v.is_string())
                    .take(256)
                    .cloned()
                    .collect();
                if !to.is_empty() {
                    fields::put(f, "email.to.address", to);
                }
            }
        }
        "notice" => {
            copy(f, "note", "rule.name");
            copy(f, "msg", "rule.description");
        }
        "weird" => copy(f, "name", "rule.name"),
        _ => {}
    }
    Ok(())
}

fn conn(f: &mut Map<String, Value>) {
    if let Some(d) = fields::lookup(f, "duration").and_then(Value::as_f64)
        && d.is_finite()
        && (0.0..1e9).contains(&d)
    {
        fields::put(f, "event.duration", (d * 1e9).round() as i64);
    }
    if let Some(service) = fields::text(f, "service") {
        let service = service.to_ascii_lowercase();
        fields::put_text(f, "network.protocol", &service);
    }
    copy(f, "community_id", "network.community_id");
    let orig = (count(f, "orig_ip_bytes"), count(f, "orig_pkts"));
    let resp = (count(f, "resp_ip_bytes"), count(f, "resp_pkts"));
    put_count(f, "source.bytes", orig.0);
    put_count(f, "source.packets", orig.1);
    put_count(f, "destination.bytes", resp.0);
    put_count(f, "destination.packets", resp.1);
    if let (Some(a), Some(b)) = (orig.0, resp.0) {
        put_count(f, "network.bytes", a.checked_add(b));
    }
    if let (Some(a), Some(b)) = (orig.1, resp.1) {
        put_count(f, "network.packets", a.checked_add(b));
    }
}

fn dns(f: &mut Map<String, Value>) {
    copy(f, "query", "dns.question.name");
    copy(f, "qtype_name", "dns.question.type");
    copy(f, "qclass_name", "dns.question.class");
    copy(f, "rcode_name", "dns.response_code");
    if let Some(id) = scalar(f, "trans_id") {
        let id = match id {
            Value::String(s) => s,
            other => other.to_string(),
        };
        fields::put(f, "dns.id", id);
    }
    if let Some(Value::Array(answers)) = fields::lookup(f, "answers") {
        let ips: Vec<Value> = answers
            .iter()
            .take(256)
            .filter_map(Value::as_str)
            .filter_map(|a| a.parse::<std::net::IpAddr>().ok())
            .map(|ip| Value::String(ip.to_string()))
            .collect();
        if !ips.is_empty() {
            fields::put(f, "dns.resolved_ip", ips);
        }
    }
}

fn http(f: &mut Map<String, Value>) {
    copy(f, "method", "http.request.method");
    copy(f, "uri", "url.original");
    copy(f, "host", "url.domain");
    copy_number(f, "status_code", "http.response.status_code");
    copy(f, "version", "http.version");
    copy(f, "referrer", "http.request.referrer");
    copy_number(f, "request_body_len", "http.request.body.bytes");
    copy_number(f, "response_body_len", "http.response.body.bytes");
    // Zeek's `user_agent` is a string, which blocks `user_agent.original`; tried anyway
    // for shippers that renamed it.
    copy(f, "user_agent", "user_agent.original");
}

fn ssl(f: &mut Map<String, Value>) {
    if let Some(version) = fields::text(f, "version") {
        let (protocol, number) = tls_version(version);
        let number = number.to_owned();
        if let Some(protocol) = protocol {
            fields::put(f, "tls.version_protocol", protocol);
        }
        fields::put_text(f, "tls.version", &number);
    }
    copy(f, "cipher", "tls.cipher");
    copy(f, "curve", "tls.curve");
    copy(f, "server_name", "tls.client.server_name");
    copy(f, "resumed", "tls.resumed");
    copy(f, "established", "tls.established");
}

/// `TLSv12` → (`tls`, `1.2`), `SSLv3` → (`ssl`, `3.0`), `DTLSv10` → (`dtls`, `1.0`);
/// anything else as it is.
fn tls_version(v: &str) -> (Option<&'static str>, &str) {
    let (protocol, rest) = if let Some(r) = v.strip_prefix("TLSv") {
        ("tls", r)
    } else if let Some(r) = v.strip_prefix("DTLSv") {
        ("dtls", r)
    } else if let Some(r) = v.strip_prefix("SSLv") {
        ("ssl", r)
    } else {
        return (None, v);
    };
    let number = match rest {
        "10" => "1.0",
        "11" => "1.1",
        "12" => "1.2",
        "13" => "1.3",
        "2" => "2.0",
        "3" => "3.0",
        _ => return (Some(protocol), rest),
    };
    (Some(protocol), number)
}

fn x509(f: &mut Map<String, Value>) {
    copy(
        f,
        "certificate.subject",
        "file.x509.subject.distinguished_name",
    );
    copy(
        f,
        "certificate.issuer",
        "file.x509.issuer.distinguished_name",
    );
    copy(f, "certificate.serial", "file.x509.serial_number");
    for (from, to) in [
        ("certificate.not_valid_before", "file.x509.not_before"),
        ("certificate.not_valid_after", "file.x509.not_after"),
    ] {
        let t = match fields::lookup(f, from) {
            Some(Value::Number(n)) => n.as_f64().and_then(epoch),
            Some(Value::String(s)) => s.parse::<Timestamp>().ok(),
            _ => None,
        };
        if let Some(t) = t {
            fields::put(f, to, t.to_string());
        }
    }
    if let Some(Value::Array(names)) = fields::lookup(f, "san.dns") {
        let names: Vec<Value> = names
            .iter()
            .filter(|v| v.is_string())
            .take(256)
            .cloned()
            .collect();
        if !names.is_empty() {
            fields::put(f, "file.x509.alternative_names", names);
        }
    }
}

fn smb_files(f: &mut Map<String, Value>) {
    let path = fields::text(f, "path").filter(|p| !p.is_empty() && *p != "-");
    let name = fields::text(f, "name").filter(|n| !n.is_empty() && *n != "-");
    let full = match (path, name) {
        (Some(p), Some(n)) => Some(format!(
            "{}\\{}",
            p.trim_end_matches('\\'),
            n.trim_start_matches('\\')
        )),
        (None, Some(n)) => Some(n.to_owned()),
        _ => None,
    };
    let last = name.map(|n| n.rsplit(['\\', '/']).next().unwrap_or_default().to_owned());
    if let Some(full) = full {
        fields::put_text(f, "file.path", &full);
    }
    if let Some(last) = last {
        fields::put_text(f, "file.name", &last);
    }
    copy_number(f, "size", "file.size");
    copy(f, "action", "event.action");
}

/// `event.outcome` from a Zeek boolean (`true`/`false`, or `T`/`F` from a converted TSV).
fn outcome(f: &mut Map<String, Value>, key: &str) {
    let ok = match fields::lookup(f, key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s == "T" || s == "true" => true,
        Some(Value::String(s)) if s == "F" || s == "false" => false,
        _ => return,
    };
    fields::put(f, "event.outcome", if ok { "success" } else { "failure" });
}

/// Epoch seconds (Zeek's `time`, microsecond precision) as a timestamp.
fn epoch(x: f64) -> Option<Timestamp> {
    if !x.is_finite() || x.abs() > 1e11 {
        return None;
    }
    let secs = x.floor();
    let mut micros = ((x - secs) * 1e6).round() as i64;
    let mut secs = secs as i64;
    if micros >= 1_000_000 {
        secs += 1;
        micros -= 1_000_000;
    }
    Timestamp::new(secs, (micros * 1000) as i32).ok()
}

/// Zeek's TSV logs (`#separator`, `#fields`, `#types` headers, then one row per line) as
/// the objects Zeek's JSON writer would give: typed values, flat dotted keys, unset fields
/// (`-`) left out, `_path` from `#path`. Only the tests use it, to run the shared TSV
/// samples through the JSON parser.
#[cfg(test)]
pub(crate) fn tsv_records(text: &str) -> Vec<Map<String, Value>> {
    let mut sep = "\t".to_owned();
    let mut set_sep = ",".to_owned();
    let mut empty = "(empty)".to_owned();
    let mut unset = "-".to_owned();
    let mut path: Option<String> = None;
    let mut names: Vec<String> = Vec::new();
    let mut types: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("#separator ") {
            sep = unescape(rest);
            continue;
        }
        if let Some(header) = line.strip_prefix('#') {
            let mut parts = header.split(sep.as_str());
            let key = parts.next().unwrap_or_default();
            let values: Vec<String> = parts.map(str::to_owned).collect();
            let first = values.first().cloned().unwrap_or_default();
            match key {
                "set_separator" => set_sep = first,
                "empty_field" => empty = first,
                "unset_field" => unset = first,
                "path" => path = Some(first),
                "fields" => names = values,
                "types" => types = values,
                _ => {}
            }
            continue;
        }
        if names.is_empty() || line.is_empty() {
            continue;
        }
        let mut record = Map::new();
        if let Some(path) = &path {
            record.insert("_path".into(), path.as_str().into());
        }
        for (i, raw) in line.split(sep.as_str()).enumerate() {
            let (Some(name), ty) = (names.get(i), types.get(i).map_or("string", String::as_str))
            else {
                break;
            };
            if raw == unset {
                continue;
            }
            let value = if let Some(inner) = ty
                .strip_prefix("set[")
                .or_else(|| ty.strip_prefix("vector["))
                .and_then(|t| t.strip_suffix(']'))
            {
                if raw == empty {
                    Value::Array(Vec::new())
                } else {
                    Value::Array(
                        raw.split(set_sep.as_str())
                            .map(|v| typed(inner, v))
                            .collect(),
                    )
                }
            } else if raw == empty {
                Value::String(String::new())
            } else {
                typed(ty, raw)
            };
            record.insert(name.clone(), value);
        }
        out.push(record);
    }
    out
}

#[cfg(test)]
fn typed(ty: &str, raw: &str) -> Value {
    match ty {
        "time" | "interval" | "double" => raw
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(raw.to_owned()), Value::Number),
        "count" | "port" => raw.parse::<u64>().map_or_else(|_| raw.into(), Value::from),
        "int" => raw.parse::<i64>().map_or_else(|_| raw.into(), Value::from),
        "bool" => match raw {
            "T" => Value::Bool(true),
            "F" => Value::Bool(false),
            _ => raw.into(),
        },
        _ => raw.into(),
    }
}

/// `\x09` → a tab (Zeek's `#separator` line).
#[cfg(test)]
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find("\\x") {
        out.push_str(&rest[..at]);
        let hex = rest
            .get(at + 2..at + 4)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(b) => {
                out.push(char::from(b));
                rest = &rest[at + 4..];
            }
            None => {
                out.push_str("\\x");
                rest = &rest[at + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceType;
    use crate::testing::obj;
    use proptest::prelude::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn as_type(t: &str, f: &mut Map<String, Value>) -> crate::Outcome {
        crate::normalize(Some(&SourceType::new(t).unwrap()), f)
    }

    const DNS: &str = r#"{"_path":"dns","ts":1591367999.305988,"uid":"CMdzit1AMNsmfAIiQc","id.orig_h":"192.168.4.76","id.orig_p":36844,"id.resp_h":"192.168.4.1","id.resp_p":53,"proto":"udp","trans_id":8555,"query":"testmyids.com","qclass_name":"C_INTERNET","qtype_name":"A","rcode_name":"NOERROR","answers":["31.3.245.133","alias.example"],"TTLs":[3600.0,60.0]}"#;

    #[test]
    fn dns_recognised_by_path() {
        let mut f = obj(serde_json::from_str(DNS).unwrap());
        let out = crate::normalize(None, &mut f);
        assert_eq!(out.source_type.unwrap().as_str(), "zeek.dns");
        assert!(out.parsed);
        assert_eq!(
            out.timestamp.unwrap().to_string(),
            "2020-06-05T14:39:59.305988Z"
        );
        assert_eq!(f["source"], json!({"ip": "192.168.4.76", "port": 36844}));
        assert_eq!(f["destination"], json!({"ip": "192.168.4.1", "port": 53}));
        assert_eq!(f["network"], json!({"transport": "udp"}));
        assert_eq!(
            f["dns"],
            json!({"question": {"name": "testmyids.com", "type": "A", "class": "C_INTERNET"}, "response_code": "NOERROR", "id": "8555", "resolved_ip": ["31.3.245.133"]})
        );
        assert_eq!(f["zeek"], json!({"session_id": "CMdzit1AMNsmfAIiQc"}));
        assert_eq!(f["id.orig_h"], "192.168.4.76", "the Zeek key stays");
        assert_eq!(f["event"]["dataset"], "zeek.dns");
    }

    #[test]
    fn declared_without_path_and_nested_id() {
        let mut f = obj(
            json!({"ts":"2020-06-05T14:39:59.305988Z","uid":"C1","id":{"orig_h":"10.0.0.1","orig_p":5000,"resp_h":"10.0.0.2","resp_p":80},"method":"GET","host":"example.com","uri":"/x?y=1","version":"1.1","user_agent":"curl/8","status_code":200,"request_body_len":0,"response_body_len":12}),
        );
        let out = as_type("zeek.http", &mut f);
        assert!(out.parsed);
        assert_eq!(out.source_type.unwrap().as_str(), "zeek.http");
        assert_eq!(
            out.timestamp.unwrap().to_string(),
            "2020-06-05T14:39:59.305988Z"
        );
        assert_eq!(f["source"], json!({"ip": "10.0.0.1", "port": 5000}));
        assert_eq!(f["destination"], json!({"ip": "10.0.0.2", "port": 80}));
        assert_eq!(
            f["url"],
            json!({"original": "/x?y=1", "domain": "example.com"})
        );
        assert_eq!(
            f["http"],
            json!({"request": {"method": "GET", "body": {"bytes": 0}}, "response": {"status_code": 200, "body": {"bytes": 12}}, "version": "1.1"})
        );
        assert_eq!(
            f["user_agent"], "curl/8",
            "Zeek's string blocks user_agent.original"
        );
        // Not recognised without `_path`.
        let mut g = obj(json!({"ts":1.0,"uid":"C1","query":"a"}));
        assert_eq!(crate::normalize(None, &mut g).source_type, None);
    }

    #[test]
    fn path_refines_and_unknown_logs() {
        let mut f = obj(
            json!({"_path":"conn","ts":1300000000.5,"uid":"C2","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":2,"proto":"tcp","service":"http","duration":0.125216,"orig_pkts":9,"orig_ip_bytes":593,"resp_pkts":7,"resp_ip_bytes":10662}),
        );
        let out = as_type("zeek.log", &mut f);
        assert_eq!(out.source_type.unwrap().as_str(), "zeek.conn");
        assert_eq!(out.timestamp.unwrap().to_string(), "2011-03-13T07:06:40.5Z");
        assert_eq!(f["event"]["duration"], 125216000);
        assert_eq!(
            f["network"],
            json!({"transport": "tcp", "protocol": "http", "bytes": 11255, "packets": 16})
        );
        assert_eq!(f["source"]["bytes"], 593);
        assert_eq!(f["destination"]["packets"], 7);

        let mut f = obj(json!({"_path":"modbus","ts":1.25}));
        let out = crate::normalize(None, &mut f);
        assert_eq!(out.source_type.unwrap().as_str(), "zeek.log");
        assert!(out.parsed);

        let mut f = obj(
            json!({"_path":"notice","ts":1.0,"note":"SSH::Password_Guessing","msg":"guessing"}),
        );
        crate::normalize(None, &mut f);
        assert_eq!(f["event"]["kind"], "alert");
        assert_eq!(
            f["rule"],
            json!({"name": "SSH::Password_Guessing", "description": "guessing"})
        );
    }

    #[test]
    fn per_log_fields() {
        let mut f = obj(
            json!({"_path":"smb_files","ts":1.0,"action":"SMB::FILE_OPEN","path":"\\\\DC1\\ADMIN$","name":"temp\\evil.exe","size":1024}),
        );
        crate::normalize(None, &mut f);
        assert_eq!(
            f["file"],
            json!({"path": "\\\\DC1\\ADMIN$\\temp\\evil.exe", "name": "evil.exe", "size": 1024})
        );
        assert_eq!(f["event"]["action"], "SMB::FILE_OPEN");
        assert_eq!(f["path"], "\\\\DC1\\ADMIN$");

        let mut f = obj(
            json!({"_path":"kerberos","ts":1.0,"request_type":"TGS","client":"analyst/EXAMPLE.ORG","service":"krbtgt/EXAMPLE.ORG","success":false}),
        );
        crate::normalize(None, &mut f);
        assert_eq!(
            f["user"],
            json!({"name": "analyst", "domain": "EXAMPLE.ORG"})
        );
        assert_eq!(f["event"]["action"], "TGS");
        assert_eq!(f["event"]["outcome"], "failure");
        assert_eq!(f["service"], "krbtgt/EXAMPLE.ORG");

        let mut f = obj(
            json!({"_path":"ssl","ts":1.0,"version":"TLSv12","cipher":"TLS_AES_128_GCM_SHA256","server_name":"example.org","established":true}),
        );
        crate::normalize(None, &mut f);
        assert_eq!(
            f["tls"],
            json!({"version_protocol": "tls", "version": "1.2", "cipher": "TLS_AES_128_GCM_SHA256", "client": {"server_name": "example.org"}, "established": true})
        );

        let mut f = obj(
            json!({"_path":"x509","ts":1.0,"certificate.serial":"0A1B","certificate.subject":"CN=example.org","certificate.not_valid_after":1700000000.0,"san.dns":["example.org","www.example.org"]}),
        );
        crate::normalize(None, &mut f);
        assert_eq!(
            f["file"]["x509"],
            json!({"subject": {"distinguished_name": "CN=example.org"}, "serial_number": "0A1B", "not_after": "2023-11-14T22:13:20Z", "alternative_names": ["example.org", "www.example.org"]})
        );

        let mut f = obj(
            json!({"_path":"dce_rpc","ts":1.0,"endpoint":"drsuapi","operation":"DRSGetNCChanges"}),
        );
        crate::normalize(None, &mut f);
        assert_eq!(f["event"]["action"], "DRSGetNCChanges");
    }

    #[test]
    fn bad_input_reasons() {
        let mut f = obj(json!({"_path":"dns","query":"x"}));
        assert_eq!(
            crate::normalize(None, &mut f).error.unwrap().reason,
            "no_timestamp"
        );
        let mut f = obj(json!({"_path":"dns","ts":"soon"}));
        let e = crate::normalize(None, &mut f).error.unwrap();
        assert_eq!(e.reason, "bad_timestamp");
        assert!(e.detail.contains("soon"), "{}", e.detail);
        let mut f = obj(json!({"_path":"dns","ts":1e300}));
        assert_eq!(
            crate::normalize(None, &mut f).error.unwrap().reason,
            "bad_timestamp"
        );
        let mut f = obj(json!({"_path":"dns","ts":[1]}));
        assert_eq!(
            crate::normalize(None, &mut f).error.unwrap().reason,
            "bad_timestamp"
        );
        let mut f = obj(json!({"ts":"1300000000.000001"}));
        assert_eq!(
            as_type("zeek.dns", &mut f).timestamp.unwrap().to_string(),
            "2011-03-13T07:06:40.000001Z"
        );
    }

    #[test]
    fn tsv_converter() {
        let text = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n#fields\tts\tid.orig_p\tquery\tanswers\tAA\trcode\n#types\ttime\tport\tstring\tvector[string]\tbool\tcount\n1.5\t53\ta.example\t1.2.3.4,b\tT\t-\n2.5\t53\t(empty)\t(empty)\tF\t3\n";
        let records = tsv_records(text);
        assert_eq!(
            Value::Array(records.into_iter().map(Value::Object).collect()),
            json!([
                {"_path": "dns", "ts": 1.5, "id.orig_p": 53, "query": "a.example", "answers": ["1.2.3.4", "b"], "AA": true},
                {"_path": "dns", "ts": 2.5, "id.orig_p": 53, "query": "", "answers": [], "AA": false, "rcode": 3}
            ])
        );
    }

    /// The btest baselines hide `ts` as `XXXXXXXXXX.XXXXXX`: a fixed time stands in.
    const MASK: &str = "XXXXXXXXXX.XXXXXX";
    const STAND_IN: &str = "1300000000.123456";

    #[test]
    fn fixture_btest_baselines() {
        let Some(dir) = crate::testing::fixture(
            "zeek::fixture_btest_baselines",
            "zeek_tsv_and_json/zeek_btest_baselines",
        ) else {
            return;
        };
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().contains("__"))
            .collect();
        paths.sort();
        let mut per_type = BTreeMap::new();
        let (mut json_records, mut tsv_count) = (0, 0);
        let mut parsed = Vec::new();
        for path in &paths {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(path)
                .unwrap()
                .replace(MASK, STAND_IN);
            let (records, declared) = if text.contains("\n#fields") {
                let r = tsv_records(&text);
                tsv_count += r.len();
                (r, None)
            } else {
                // JSON logs without `_path`: the file name says the log.
                let log = name.rsplit("__").next().unwrap().split('.').next().unwrap();
                let r: Vec<_> = text
                    .lines()
                    .filter(|l| l.starts_with('{'))
                    .map(|l| obj(serde_json::from_str(l).unwrap()))
                    .collect();
                json_records += r.len();
                (r, Some(format!("zeek.{log}")))
            };
            for mut f in records {
                let out = match &declared {
                    Some(t) => as_type(t, &mut f),
                    None => crate::normalize(None, &mut f),
                };
                assert!(out.parsed, "{name}: {:?}", out.error);
                assert_eq!(
                    out.timestamp.unwrap().to_string(),
                    "2011-03-13T07:06:40.123456Z"
                );
                let t = out.source_type.unwrap().as_str().to_owned();
                *per_type.entry(t).or_insert(0) += 1;
                parsed.push((name.clone(), Value::Object(f)));
            }
        }
        assert_eq!((tsv_count, json_records), (116, 5));
        assert_eq!(
            per_type,
            BTreeMap::from([
                ("zeek.conn".to_owned(), 3),
                ("zeek.dns".to_owned(), 34),
                ("zeek.http".to_owned(), 17),
                ("zeek.ssh".to_owned(), 63),
                ("zeek.ssl".to_owned(), 4),
            ])
        );
        // Every record with a connection id has its ECS endpoints.
        assert!(
            parsed
                .iter()
                .all(|(_, f)| f["source"]["ip"].is_string() && f["destination"]["port"].is_u64())
        );
        let find = |file: &'static str| {
            parsed
                .iter()
                .filter(move |(n, _)| n.contains(file))
                .map(|(_, f)| f)
        };
        let rrsig: Vec<_> = find("dns.rrsig__").collect();
        assert_eq!(rrsig[0]["dns"]["question"]["name"], "virgo.sas.upenn.edu");
        assert_eq!(rrsig[0]["dns"]["resolved_ip"], json!(["128.91.234.142"]));
        assert_eq!(rrsig[2]["dns"]["resolved_ip"], json!(["128.91.234.145"]));
        assert_eq!(
            rrsig[0]["source"],
            json!({"ip": "35.184.172.191", "port": 10267})
        );
        let ssl = find("ssl.basic__").next().unwrap();
        assert_eq!(ssl["tls"]["client"]["server_name"], "ssl.gstatic.com");
        assert_eq!(ssl["tls"]["version"], "1.0");
        assert_eq!(ssl["tls"]["cipher"], "TLS_ECDHE_RSA_WITH_RC4_128_SHA");
        let conn = find("concurrent-range-requests__conn").next().unwrap();
        assert_eq!(conn["event"]["duration"], 125216000);
        assert_eq!(conn["network"]["bytes"], 593 + 10662);
        let sha = find("javascript.http-uri-sha256").next().unwrap();
        assert_eq!(sha["url"]["original"], "/download/CHANGES.bro-aux.txt");
        assert_eq!(sha["url"]["domain"], "bro.org");
        assert_eq!(sha["http"]["response"]["status_code"], 200);
        let emoji = find("json-non-printable").nth(1).unwrap();
        assert_eq!(emoji["url"]["original"], "/printable_😄");
        let ssh: Vec<_> = find("ssh.basic__").collect();
        assert_eq!(
            ssh[0].get("event").and_then(|e| e.get("outcome")),
            None,
            "unset auth_success"
        );
        assert_eq!(ssh[1]["event"]["outcome"], "success");
    }

    proptest! {
        #[test]
        fn arbitrary_values_never_panic(s in "\\PC{0,60}", x in proptest::num::f64::ANY, path in "[a-z_]{0,12}") {
            for ts in [json!(s), json!(x)] {
                let mut f = obj(json!({"_path": path, "ts": ts, "id.orig_h": s, "id.orig_p": s, "proto": s, "query": s,
                    "answers": [s], "version": s, "client": s, "path": s, "name": s, "duration": x, "success": s,
                    "certificate.not_valid_before": x, "rcptto": [s, 1]}));
                let _ = crate::normalize(None, &mut f);
                for log in ["zeek.smb_files", "zeek.kerberos", "zeek.conn", "zeek.ssl", "zeek.x509", "zeek.smtp"] {
                    let _ = as_type(log, &mut f.clone());
                }
            }
            let _ = tsv_records(&s);
        }

        #[test]
        fn mutated_real_line_never_panics(at in 0usize..600, insert in "\\PC{0,8}") {
            let mut line = DNS.to_owned();
            let mut at = at.min(line.len());
            while !line.is_char_boundary(at) { at -= 1; }
            line.insert_str(at, &insert);
            if let Ok(Value::Object(mut f)) = serde_json::from_str::<Value>(&line) {
                let _ = crate::normalize(None, &mut f);
            }
        }
    }
}
