//! Suricata EVE JSON: one JSON object per event (`alert`, `dns`, `http`, `tls`, `flow`,
//! `fileinfo`, ...), sent as HTTP NDJSON, `_bulk` or an imported `.jsonl` file.
//!
//! Source type: `suricata.eve` (declared `suricata.eve` or any `suricata.*`). The event
//! type stays in the one source type; its value is copied to `suricata.eve.event_type`.
//!
//! Recognition: an object with a string `event_type` and a `flow_id` or `src_ip` key
//! (marker `"event_type"`).
//!
//! The sender's object is kept as it came; ECS fields are added beside it (a key the object
//! already holds is never overwritten, so e.g. Suricata's own `dns.type` stays and doubles as
//! ECS `dns.type`; `tls.version` stays Suricata's text):
//!
//! | ECS field | from |
//! |---|---|
//! | timestamp | `timestamp` (`2021-01-01T12:00:00.123456+0100`; no offset: UTC) |
//! | `source.ip` / `source.port` | `src_ip` / `src_port` |
//! | `destination.ip` / `destination.port` | `dest_ip` / `dest_port` |
//! | `network.transport` | `proto`, lowercased |
//! | `network.protocol` | `app_proto` (not `failed`/`unknown`) |
//! | `network.community_id` | `community_id` |
//! | `event.kind` | `alert` for `alert` and `drop`, `metric` for `stats`, else `event` |
//! | `event.category` / `event.type` | from the event type (`intrusion_detection`, `network`, `web`, `file`; `allowed`/`denied`, `protocol`, `connection`, `info`) |
//! | `observer.vendor` / `observer.product` / `observer.type` | `OISF` / `Suricata` / `ids` |
//! | `observer.hostname` | `host` (the sensor name, when configured) |
//! | `rule.id` / `rule.name` / `rule.category` | `alert.signature_id` / `alert.signature` / `alert.category` |
//! | `event.severity` / `event.action` | `alert.severity` / `alert.action` |
//! | `dns.question.name` / `dns.question.type` / `dns.response_code` | `dns.rrname` (or `dns.queries[0].rrname`) / `dns.rrtype` / `dns.rcode` |
//! | `url.original` / `url.domain` | `http.url` / `http.hostname` |
//! | `http.request.method` / `http.response.status_code` / `http.request.referrer` / `http.response.body.bytes` | `http.http_method` / `http.status` / `http.http_refer` / `http.length` |
//! | `user_agent.original` | `http.http_user_agent` |
//! | `tls.client.server_name` / `tls.server.subject` / `tls.server.issuer` / `tls.client.ja3` | `tls.sni` / `tls.subject` / `tls.issuerdn` / `tls.ja3.hash` |
//! | `file.name` / `file.path` / `file.size` / `file.hash.*` | `fileinfo.filename` (its last `/` part; the whole when it has a `/`) / `fileinfo.size` / `fileinfo.md5`, `sha1`, `sha256` |
//! | `source.bytes` / `source.packets` / `destination.bytes` / `destination.packets` | `flow.bytes_toserver` / `flow.pkts_toserver` / `flow.bytes_toclient` / `flow.pkts_toclient` |
//! | `network.bytes` / `network.packets` | their sums, or `netflow.bytes` / `netflow.pkts` |
//! | `event.start` / `event.end` | `flow.start` / `flow.end` (or `netflow.*`), as RFC 3339 UTC |
//! | `suricata.eve.event_type` | `event_type` |
//!
//! Errors: `no_event_type` (no string `event_type`), `no_timestamp`, `bad_timestamp`.
//!
//! Left out: the per-protocol details of the other event types (ssh, smb, krb5, rdp, ...)
//! beyond the common fields, `stats` counters, and payload decoding. SigmaHQ has no Suricata
//! rules: these events feed searches and correlation, not Sigma detection.

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::{Ctx, Format, Input};
use crate::ParseError;
use crate::fields;
use crate::fields::{copy, copy_number, count, put_count, scalar, shown_value as shown};

pub(crate) const FORMAT: Format = Format {
    name: "suricata",
    claims: &["suricata.eve", "suricata."],
    recognise,
    markers: &["\"event_type\""],
    parse,
};

fn recognise(input: &Input<'_>) -> Option<&'static str> {
    let f = input.fields;
    (f.get("event_type").is_some_and(Value::is_string)
        && (f.contains_key("flow_id") || f.contains_key("src_ip")))
    .then_some("suricata.eve")
}

fn parse(ctx: &mut Ctx<'_>) -> Result<(), ParseError> {
    let f = &*ctx.fields;
    let Some(event_type) = f.get("event_type").and_then(Value::as_str) else {
        return Err(ParseError::new(
            "no_event_type",
            "the event has no string `event_type` (not a Suricata EVE object)",
        ));
    };
    let event_type = event_type.to_owned();
    let Some(time) = f.get("timestamp") else {
        return Err(ParseError::new(
            "no_timestamp",
            "the EVE event has no `timestamp`",
        ));
    };
    let timestamp = time.as_str().and_then(parse_time).ok_or_else(|| {
        ParseError::new(
            "bad_timestamp",
            format!("`timestamp` {} is not an ISO 8601 time", shown(time)),
        )
    })?;
    ctx.timestamp = Some(timestamp);

    let f = &mut *ctx.fields;
    fields::put(f, "suricata.eve.event_type", event_type.as_str());
    fields::put(f, "observer.vendor", "OISF");
    fields::put(f, "observer.product", "Suricata");
    fields::put(f, "observer.type", "ids");
    copy(f, "host", "observer.hostname");
    copy(f, "src_ip", "source.ip");
    copy_number(f, "src_port", "source.port");
    copy(f, "dest_ip", "destination.ip");
    copy_number(f, "dest_port", "destination.port");
    if let Some(proto) = text(f, "proto") {
        let proto = proto.to_ascii_lowercase();
        fields::put_text(f, "network.transport", &proto);
    }
    if let Some(app) = text(f, "app_proto")
        && app != "failed"
        && app != "unknown"
    {
        let app = app.to_ascii_lowercase();
        fields::put_text(f, "network.protocol", &app);
    }
    copy(f, "community_id", "network.community_id");

    let (kind, category, kind_of_type): (&str, &[&str], &str) = match event_type.as_str() {
        "alert" => {
            let action = text(f, "alert.action").unwrap_or_default();
            let t = match action {
                "allowed" => "allowed",
                "blocked" | "drop" | "dropped" | "rejected" => "denied",
                _ => "info",
            };
            ("alert", &["network", "intrusion_detection"], t)
        }
        "drop" => ("alert", &["network", "intrusion_detection"], "denied"),
        "stats" => ("metric", &[], ""),
        "flow" | "netflow" => ("event", &["network"], "connection"),
        "http" => ("event", &["network", "web"], "protocol"),
        "fileinfo" => ("event", &["network", "file"], "info"),
        "anomaly" => ("event", &["network"], "info"),
        _ => ("event", &["network"], "protocol"),
    };
    fields::put(f, "event.kind", kind);
    if !category.is_empty() {
        fields::put(f, "event.category", category.to_vec());
        fields::put(f, "event.type", vec![kind_of_type]);
    }

    if event_type == "alert" || f.get("alert").is_some_and(Value::is_object) {
        if let Some(id) = scalar(f, "alert.signature_id") {
            let id = match id {
                Value::String(s) => s,
                other => other.to_string(),
            };
            fields::put(f, "rule.id", id);
        }
        copy(f, "alert.signature", "rule.name");
        copy(f, "alert.category", "rule.category");
        copy_number(f, "alert.severity", "event.severity");
        copy(f, "alert.action", "event.action");
    }

    // DNS: v1 events carry `rrname`, v2 queries carry `queries[]`.
    if f.get("dns").is_some_and(Value::is_object) {
        let name = scalar(f, "dns.rrname").or_else(|| {
            fields::lookup(f, "dns.queries")
                .and_then(Value::as_array)
                .and_then(|q| q.first())
                .and_then(|q| q.get("rrname"))
                .filter(|v| v.is_string())
                .cloned()
        });
        if let Some(name) = name {
            fields::put(f, "dns.question.name", name);
        }
        copy(f, "dns.rrtype", "dns.question.type");
        copy(f, "dns.rcode", "dns.response_code");
    }

    if f.get("http").is_some_and(Value::is_object) {
        copy(f, "http.url", "url.original");
        copy(f, "http.hostname", "url.domain");
        copy(f, "http.http_method", "http.request.method");
        copy_number(f, "http.status", "http.response.status_code");
        copy(f, "http.http_refer", "http.request.referrer");
        copy_number(f, "http.length", "http.response.body.bytes");
        copy(f, "http.http_user_agent", "user_agent.original");
    }

    if f.get("tls").is_some_and(Value::is_object) {
        copy(f, "tls.sni", "tls.client.server_name");
        copy(f, "tls.subject", "tls.server.subject");
        copy(f, "tls.issuerdn", "tls.server.issuer");
        copy(f, "tls.ja3.hash", "tls.client.ja3");
    }

    if f.get("fileinfo").is_some_and(Value::is_object) {
        if let Some(name) = text(f, "fileinfo.filename") {
            let name = name.to_owned();
            let last = name.rsplit('/').next().unwrap_or_default();
            fields::put_text(f, "file.name", last);
            if name.contains('/') {
                fields::put_text(f, "file.path", &name);
            }
        }
        copy_number(f, "fileinfo.size", "file.size");
        copy(f, "fileinfo.md5", "file.hash.md5");
        copy(f, "fileinfo.sha1", "file.hash.sha1");
        copy(f, "fileinfo.sha256", "file.hash.sha256");
    }

    if f.get("flow").is_some_and(Value::is_object) {
        let to_server = (
            count(f, "flow.bytes_toserver"),
            count(f, "flow.pkts_toserver"),
        );
        let to_client = (
            count(f, "flow.bytes_toclient"),
            count(f, "flow.pkts_toclient"),
        );
        put_count(f, "source.bytes", to_server.0);
        put_count(f, "source.packets", to_server.1);
        put_count(f, "destination.bytes", to_client.0);
        put_count(f, "destination.packets", to_client.1);
        if let (Some(a), Some(b)) = (to_server.0, to_client.0) {
            put_count(f, "network.bytes", a.checked_add(b));
        }
        if let (Some(a), Some(b)) = (to_server.1, to_client.1) {
            put_count(f, "network.packets", a.checked_add(b));
        }
        put_time(f, "flow.start", "event.start");
        put_time(f, "flow.end", "event.end");
    } else if f.get("netflow").is_some_and(Value::is_object) {
        let (bytes, packets) = (count(f, "netflow.bytes"), count(f, "netflow.pkts"));
        put_count(f, "network.bytes", bytes);
        put_count(f, "network.packets", packets);
        put_time(f, "netflow.start", "event.start");
        put_time(f, "netflow.end", "event.end");
    }
    Ok(())
}

/// An EVE time: RFC 3339 or ISO 8601 with a `+hhmm` offset (Suricata's own form); one
/// without any offset is read as UTC.
fn parse_time(s: &str) -> Option<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    let b = s.as_bytes();
    if b.len() > 5 {
        let tail = &b[b.len() - 5..];
        if matches!(tail[0], b'+' | b'-') && tail[1..].iter().all(u8::is_ascii_digit) {
            // The last five bytes are ASCII, so these cuts are on char boundaries.
            let fixed = format!("{}:{}", &s[..s.len() - 2], &s[s.len() - 2..]);
            return fixed.parse::<Timestamp>().ok();
        }
    }
    if s.ends_with(['Z', 'z']) || s.len() > 40 {
        return None;
    }
    s.parse::<jiff::civil::DateTime>()
        .ok()?
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

fn text<'a>(f: &'a Map<String, Value>, path: &str) -> Option<&'a str> {
    fields::text(f, path)
}

fn put_time(f: &mut Map<String, Value>, from: &str, to: &str) {
    if let Some(t) = text(f, from).and_then(parse_time) {
        fields::put(f, to, t.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceType;
    use crate::testing::obj;
    use proptest::prelude::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn declared(f: &mut Map<String, Value>) -> crate::Outcome {
        crate::normalize(Some(&SourceType::new("suricata.eve").unwrap()), f)
    }

    const ALERT: &str = r#"{"timestamp":"2021-01-01T12:00:00.123456+0100","flow_id":1,"in_iface":"eth0","event_type":"alert","src_ip":"192.0.2.1","src_port":51000,"dest_ip":"198.51.100.7","dest_port":80,"proto":"TCP","app_proto":"http","alert":{"action":"allowed","gid":1,"signature_id":2001219,"rev":20,"signature":"ET SCAN Potential SSH Scan","category":"Attempted Information Leak","severity":2},"http":{"hostname":"example.com","url":"/a?b=c","http_user_agent":"curl/8.0","http_method":"GET","protocol":"HTTP/1.1","status":404,"length":12},"flow":{"pkts_toserver":3,"pkts_toclient":2,"bytes_toserver":300,"bytes_toclient":120,"start":"2021-01-01T11:59:59.000000+0100"}}"#;

    #[test]
    fn alert_with_http() {
        let mut f = obj(serde_json::from_str(ALERT).unwrap());
        let out = crate::normalize(None, &mut f);
        assert_eq!(out.source_type.unwrap().as_str(), "suricata.eve");
        assert!(out.parsed);
        assert_eq!(
            out.timestamp.unwrap().to_string(),
            "2021-01-01T11:00:00.123456Z"
        );
        assert_eq!(
            f["source"],
            json!({"ip": "192.0.2.1", "port": 51000, "bytes": 300, "packets": 3})
        );
        assert_eq!(f["destination"]["ip"], "198.51.100.7");
        assert_eq!(f["destination"]["port"], 80);
        assert_eq!(f["destination"]["bytes"], 120);
        assert_eq!(f["source"]["bytes"], 300);
        assert_eq!(f["network"]["transport"], "tcp");
        assert_eq!(f["network"]["protocol"], "http");
        assert_eq!(f["network"]["bytes"], 420);
        assert_eq!(f["network"]["packets"], 5);
        assert_eq!(f["event"]["kind"], "alert");
        assert_eq!(
            f["event"]["category"],
            json!(["network", "intrusion_detection"])
        );
        assert_eq!(f["event"]["type"], json!(["allowed"]));
        assert_eq!(f["event"]["severity"], 2);
        assert_eq!(f["event"]["action"], "allowed");
        assert_eq!(f["event"]["start"], "2021-01-01T10:59:59Z");
        assert_eq!(f["event"]["dataset"], "suricata.eve");
        assert_eq!(
            f["rule"],
            json!({"id": "2001219", "name": "ET SCAN Potential SSH Scan", "category": "Attempted Information Leak"})
        );
        assert_eq!(
            f["url"],
            json!({"original": "/a?b=c", "domain": "example.com"})
        );
        assert_eq!(f["http"]["request"]["method"], "GET");
        assert_eq!(f["http"]["response"]["status_code"], 404);
        assert_eq!(f["http"]["http_method"], "GET", "the original stays");
        assert_eq!(f["user_agent"]["original"], "curl/8.0");
        assert_eq!(f["suricata"]["eve"]["event_type"], "alert");
        assert_eq!(f["observer"]["product"], "Suricata");
        assert_eq!(f["proto"], "TCP");
    }

    #[test]
    fn dns_tls_fileinfo() {
        let mut f = obj(
            json!({"timestamp":"2022-03-04T05:06:07.5+0000","flow_id":2,"event_type":"dns","src_ip":"2001:db8::1","src_port":"5353","dest_ip":"2001:db8::53","dest_port":53,"proto":"UDP","dns":{"version":2,"type":"answer","id":7,"rcode":"NXDOMAIN","queries":[{"rrname":"bad.example","rrtype":"A"}]}}),
        );
        let out = declared(&mut f);
        assert!(out.parsed);
        assert_eq!(out.timestamp.unwrap().to_string(), "2022-03-04T05:06:07.5Z");
        assert_eq!(f["dns"]["question"], json!({"name": "bad.example"}));
        assert_eq!(f["dns"]["response_code"], "NXDOMAIN");
        assert_eq!(f["dns"]["type"], "answer");
        assert_eq!(f["source"]["port"], 5353, "numeric string read as a number");
        assert_eq!(f["event"]["kind"], "event");
        assert_eq!(f["event"]["type"], json!(["protocol"]));

        let mut f = obj(
            json!({"timestamp":"2022-03-04T05:06:07Z","src_ip":"192.0.2.9","event_type":"tls","tls":{"sni":"example.org","subject":"CN=example.org","issuerdn":"CN=CA","version":"TLS 1.2","ja3":{"hash":"abc"}}}),
        );
        assert!(crate::normalize(None, &mut f).parsed);
        assert_eq!(
            f["tls"]["client"],
            json!({"server_name": "example.org", "ja3": "abc"})
        );
        assert_eq!(f["tls"]["server"]["subject"], "CN=example.org");
        assert_eq!(f["tls"]["version"], "TLS 1.2");
        assert!(f.get("destination").is_none());

        let mut f = obj(
            json!({"timestamp":"2016-06-08T20:01:52.875791","flow_id":3,"event_type":"fileinfo","fileinfo":{"filename":"/download/eicar.com","size":68,"md5":"44d8"}}),
        );
        let out = crate::normalize(None, &mut f);
        assert_eq!(
            out.timestamp.unwrap().to_string(),
            "2016-06-08T20:01:52.875791Z",
            "no offset: UTC"
        );
        assert_eq!(
            f["file"],
            json!({"name": "eicar.com", "path": "/download/eicar.com", "size": 68, "hash": {"md5": "44d8"}})
        );
        assert_eq!(f["event"]["category"], json!(["network", "file"]));
    }

    #[test]
    fn sender_keys_win_and_recognition_needs_flow_or_ip() {
        // A top-level `source` string blocks the ECS write; nothing is overwritten.
        let mut f = obj(
            json!({"timestamp":"2022-03-04T05:06:07Z","flow_id":2,"event_type":"flow","source":"sensor-1","src_ip":"192.0.2.1","proto":"ICMP","app_proto":"failed","flow":{"pkts_toserver":1,"bytes_toserver":10}}),
        );
        assert!(crate::normalize(None, &mut f).parsed);
        assert_eq!(f["source"], "sensor-1");
        // `failed` is not a protocol; no byte sum without both directions.
        assert_eq!(f["network"], json!({"transport": "icmp"}));
        assert_eq!(f["event"]["type"], json!(["connection"]));

        let mut f = obj(json!({"event_type":"alert","timestamp":"2022-03-04T05:06:07Z"}));
        let out = crate::normalize(None, &mut f);
        assert!(out.source_type.is_none_or(|t| t.as_str() != "suricata.eve"));
    }

    #[test]
    fn bad_input_reasons() {
        let mut f = obj(json!({"timestamp":"2022-03-04T05:06:07Z","flow_id":1}));
        assert_eq!(declared(&mut f).error.unwrap().reason, "no_event_type");
        let mut f = obj(json!({"flow_id":1,"event_type":"dns"}));
        assert_eq!(declared(&mut f).error.unwrap().reason, "no_timestamp");
        let mut f = obj(json!({"timestamp":"yesterday","flow_id":1,"event_type":"dns"}));
        let e = declared(&mut f).error.unwrap();
        assert_eq!(e.reason, "bad_timestamp");
        assert!(e.detail.contains("yesterday"), "{}", e.detail);
        assert_eq!(f["tags"], json!(["parse_error"]));
        let mut f = obj(json!({"timestamp":12,"flow_id":1,"event_type":"dns"}));
        assert_eq!(declared(&mut f).error.unwrap().reason, "bad_timestamp");
        let mut f =
            obj(json!({"timestamp":"2022-03-04T05:06:07+01","flow_id":1,"event_type":"dns"}));
        assert_eq!(
            declared(&mut f).timestamp.unwrap().to_string(),
            "2022-03-04T04:06:07Z"
        );
        let mut f =
            obj(json!({"timestamp":"2022-03-04T05:06:07.123-0130","flow_id":1,"event_type":"dns"}));
        assert_eq!(
            declared(&mut f).timestamp.unwrap().to_string(),
            "2022-03-04T06:36:07.123Z"
        );
    }

    /// Every record of the shared EVE samples: `.json` files are pretty-printed arrays or
    /// one object per line, `.ndjson` one per line.
    fn records(dir: &std::path::Path) -> Vec<(String, Map<String, Value>)> {
        let mut out = Vec::new();
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("json" | "ndjson")
                )
            })
            .collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            if text.trim_start().starts_with('[') {
                let Value::Array(items) = serde_json::from_str(&text).unwrap() else {
                    unreachable!()
                };
                out.extend(items.into_iter().map(|v| (name.clone(), obj(v))));
            } else {
                out.extend(
                    text.lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(|l| (name.clone(), obj(serde_json::from_str(l).unwrap()))),
                );
            }
        }
        out
    }

    #[test]
    fn fixture_eve_samples() {
        let mut all = Vec::new();
        for sub in [
            "suricata_eve/frankhassanabad_suricata_sample_data",
            "suricata_eve/oisf_suricata_verify",
            "suricata_eve/tenzir_eve_sample",
        ] {
            let Some(dir) = crate::testing::fixture("suricata::fixture_eve_samples", sub) else {
                return;
            };
            all.extend(records(&dir));
        }
        assert_eq!(all.len(), 2 * (136 + 44 + 161 + 207) + 1 + 6);
        let mut per_type = BTreeMap::new();
        let mut parsed = Vec::new();
        for (name, mut f) in all {
            let out = crate::normalize(None, &mut f);
            assert_eq!(
                out.source_type.as_ref().map(|t| t.as_str()),
                Some("suricata.eve"),
                "{name}"
            );
            assert!(out.parsed, "{name}: {:?}", out.error);
            assert!(out.timestamp.is_some(), "{name}");
            *per_type
                .entry(f["event_type"].as_str().unwrap().to_owned())
                .or_insert(0) += 1;
            parsed.push(Value::Object(f));
        }
        assert_eq!(
            per_type,
            BTreeMap::from([
                ("alert".to_owned(), 1097),
                ("dns".to_owned(), 1),
                ("fileinfo".to_owned(), 2),
                ("flow".to_owned(), 1),
                ("http".to_owned(), 1),
                ("netflow".to_owned(), 1),
            ])
        );
        // Every alert has its rule.
        assert!(
            parsed
                .iter()
                .filter(|f| f["event_type"] == "alert")
                .all(|f| f["rule"]["id"].is_string()
                    && f["rule"]["name"].is_string()
                    && f["event"]["kind"] == "alert")
        );
        let ssh = parsed
            .iter()
            .find(|f| f["flow_id"] == 928532049924531_u64)
            .unwrap();
        assert_eq!(ssh["rule"]["id"], "2001219");
        assert_eq!(ssh["rule"]["name"], "ET SCAN Potential SSH Scan");
        assert_eq!(ssh["destination"]["port"], 22);
        assert_eq!(ssh["source"]["bytes"], 74);
        let eicar = parsed
            .iter()
            .find(|f| f["http"]["hostname"] == "www.eicar.org")
            .unwrap();
        assert_eq!(eicar["file"]["name"], "eicar.com");
        assert_eq!(eicar["file"]["size"], 68);
        assert_eq!(eicar["url"]["original"], "/download/eicar.com");
        assert_eq!(eicar["user_agent"]["original"], "curl/7.43.0");
        assert_eq!(eicar["http"]["response"]["status_code"], 200);
        let dns = parsed.iter().find(|f| f["event_type"] == "dns").unwrap();
        assert_eq!(dns["dns"]["question"]["name"], "irc.freenode.net");
        assert_eq!(dns["dns"]["question"]["type"], "A");
        assert_eq!(dns["network"]["transport"], "udp");
        let netflow = parsed
            .iter()
            .find(|f| f["event_type"] == "netflow")
            .unwrap();
        assert_eq!(netflow["network"]["bytes"], 486);
        assert_eq!(netflow["event"]["end"], "2011-08-12T12:53:47.928552Z");
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,60}", key in "[a-z_.]{1,12}") {
            for time in [s.clone(), format!("2021-01-01T00:00:00{s}"), format!("{s}+0100")] {
                let mut f = obj(json!({"timestamp": time, "event_type": s, "flow_id": 1, "src_ip": s, "proto": s,
                    "alert": {"signature_id": s}, "dns": {"queries": s}, "flow": {"start": s, "bytes_toserver": s}}));
                f.insert(key.clone(), json!(s));
                let _ = crate::normalize(None, &mut f);
                let _ = declared(&mut f);
            }
        }

        #[test]
        fn mutated_real_line_never_panics(at in 0usize..2000, insert in "\\PC{0,8}") {
            let mut line = ALERT.to_owned();
            let mut at = at.min(line.len());
            while !line.is_char_boundary(at) { at -= 1; }
            line.insert_str(at, &insert);
            if let Ok(Value::Object(mut f)) = serde_json::from_str::<Value>(&line) {
                let _ = crate::normalize(None, &mut f);
            }
        }
    }
}
