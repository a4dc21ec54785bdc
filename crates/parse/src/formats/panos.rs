//! Palo Alto Networks PAN-OS syslog in its default CSV layout: after an optional syslog
//! header, `FUTURE_USE,receive_time,serial,TYPE,subtype,...` with double-quoted fields where
//! needed (`"a,b"`, `""` for a quote).
//!
//! Source types: any declared `panos.*` type; recognised as `panos.log` when, at the start or
//! after a space (within the first 24 words), there are a number, a receive time
//! (`yyyy/MM/dd ...` or ISO 8601), a serial and one of the types TRAFFIC, THREAT, SYSTEM,
//! CONFIG, GLOBALPROTECT, USERID, HIPMATCH (HIP-MATCH), CORRELATION, AUTHENTICATION,
//! DECRYPTION (markers `,TRAFFIC,`, `,THREAT,`, ...). The type is refined to `panos.traffic`,
//! `panos.threat`, `panos.system`, `panos.config`, `panos.globalprotect`, `panos.userid`,
//! `panos.hipmatch`, `panos.correlation`, `panos.authentication` or `panos.decryption`.
//!
//! Fields are named `panos.<name>` after the PAN-OS 10/11 syslog field descriptions (their
//! own names: `receive_time`, `serial`, `subtype`, `src`, `dst`, `natsrc`, `rule`,
//! `srcuser`, `app`, `from`, `to`, `sessionid`, `sport`, `dport`, `proto`, `action`,
//! `bytes`, `misc`, `threatid`, `eventid`, `cmd`, `admin`, `result`, `path`, ...), one per
//! column present; FUTURE_USE columns are skipped. Older releases write fewer trailing
//! columns, which are simply absent; the CONFIG layout before the before/after-change
//! columns is told apart by its shorter line.
//!
//! | ECS field | from |
//! |---|---|
//! | `source.ip`, `source.port`, `destination.ip`, `destination.port` | `src` (USERID, AUTHENTICATION: `ip`; GLOBALPROTECT: `public_ip`), `sport`, `dst`, `dport` |
//! | `source.nat.ip`/`port`, `destination.nat.ip`/`port` | `natsrc`, `natsport`, `natdst`, `natdport` |
//! | `network.transport`, `network.application`, `network.bytes`, `network.packets`, `source.bytes`, `destination.bytes` | `proto`, `app`, `bytes`, `packets`, `bytes_sent`, `bytes_received` |
//! | `rule.name`, `event.action`, `event.outcome` | `rule`; `action` (SYSTEM, GLOBALPROTECT: `eventid`; CONFIG: `cmd`); TRAFFIC/DECRYPTION `allow` → success, other actions → failure; CONFIG `result`; GLOBALPROTECT `status` |
//! | `user.name`, `source.user.name`, `destination.user.name` | `srcuser` (USERID, AUTHENTICATION: `user`; CONFIG: `admin`), `dstuser` |
//! | `observer.serial_number`, `observer.name`, `observer.ingress.zone`/`interface.name`, `observer.egress.zone`/`interface.name` | `serial`, `device_name`, `from`/`inbound_if`, `to`/`outbound_if` |
//! | `url.original` (THREAT `url` subtype), `file.name` (THREAT `file`, `virus`, `wildfire`), `user_agent.original`, `http.request.method` | `misc`, `user_agent`, `http_method` |
//! | `log.level` | `severity` (THREAT, SYSTEM, CORRELATION) |
//!
//! The time is the generated time (else the receive time), `yyyy/MM/dd HH:mm:ss` with no
//! zone: it is read as UTC (set the firewalls to log in UTC), or ISO 8601 with its offset.
//! Not read: the syslog header, the CEF/LEEF forwarding formats (see those parsers), and
//! custom log formats with another column order.

use serde_json::Map;
use serde_json::Value;

use super::cef::{loose_time, shown};
use super::{Ctx, Format, Input};
use crate::ParseError;
use crate::fields::{put, put_number, put_text};

pub(crate) const FORMAT: Format = Format {
    name: "panos",
    claims: &["panos."],
    recognise,
    markers: &[
        ",TRAFFIC,",
        ",THREAT,",
        ",SYSTEM,",
        ",CONFIG,",
        ",GLOBALPROTECT,",
        ",USERID,",
        ",HIP-MATCH,",
        ",HIPMATCH,",
        ",CORRELATION,",
        ",AUTHENTICATION,",
        ",DECRYPTION,",
    ],
    parse,
};

/// Most columns read from one line.
const MAX_COLUMNS: usize = 256;

/// A log type: its name in the line, its refined source type and its columns (`""`:
/// FUTURE_USE).
struct Kind {
    name: &'static str,
    refined: &'static str,
    columns: &'static [&'static str],
}

const DG: [&str; 4] = [
    "dg_hier_level_1",
    "dg_hier_level_2",
    "dg_hier_level_3",
    "dg_hier_level_4",
];

macro_rules! columns {
    ($($part:expr),* $(,)?) => {{
        const PARTS: &[&[&str]] = &[$($part),*];
        const LEN: usize = {
            let mut n = 0;
            let mut i = 0;
            while i < PARTS.len() {
                n += PARTS[i].len();
                i += 1;
            }
            n
        };
        const OUT: [&str; LEN] = {
            let mut out = [""; LEN];
            let mut n = 0;
            let mut i = 0;
            while i < PARTS.len() {
                let mut j = 0;
                while j < PARTS[i].len() {
                    out[n] = PARTS[i][j];
                    n += 1;
                    j += 1;
                }
                i += 1;
            }
            out
        };
        &OUT
    }};
}

const HEAD: [&str; 7] = [
    "",
    "receive_time",
    "serial",
    "type",
    "subtype",
    "",
    "time_generated",
];
const SESSION: [&str; 23] = [
    "src",
    "dst",
    "natsrc",
    "natdst",
    "rule",
    "srcuser",
    "dstuser",
    "app",
    "vsys",
    "from",
    "to",
    "inbound_if",
    "outbound_if",
    "logset",
    "",
    "sessionid",
    "repeatcnt",
    "sport",
    "dport",
    "natsport",
    "natdport",
    "flags",
    "proto",
];

const TRAFFIC: &[&str] = columns!(
    &HEAD,
    &SESSION,
    &[
        "action",
        "bytes",
        "bytes_sent",
        "bytes_received",
        "packets",
        "start",
        "elapsed",
        "category",
        "",
        "seqno",
        "actionflags",
        "srcloc",
        "dstloc",
        "",
        "pkts_sent",
        "pkts_received",
        "session_end_reason",
    ],
    &DG,
    &[
        "vsys_name",
        "device_name",
        "action_source",
        "src_uuid",
        "dst_uuid",
        "tunnelid_imsi",
        "monitortag_imei",
        "parent_session_id",
        "parent_start_time",
        "tunnel",
        "assoc_id",
        "chunks",
        "chunks_sent",
        "chunks_received",
        "rule_uuid",
        "http2_connection",
        "link_change_count",
        "policy_id",
        "link_switches",
        "sdwan_cluster",
        "sdwan_device_type",
        "sdwan_cluster_type",
        "sdwan_site",
        "dynusergroup_name",
        "xff_ip",
        "src_category",
        "src_profile",
        "src_model",
        "src_vendor",
        "src_osfamily",
        "src_osversion",
        "src_host",
        "src_mac",
        "dst_category",
        "dst_profile",
        "dst_model",
        "dst_vendor",
        "dst_osfamily",
        "dst_osversion",
        "dst_host",
        "dst_mac",
        "container_id",
        "pod_namespace",
        "pod_name",
        "src_edl",
        "dst_edl",
        "hostid",
        "serialnumber",
        "src_dag",
        "dst_dag",
        "session_owner",
        "high_res_timestamp",
    ],
);

const THREAT: &[&str] = columns!(
    &HEAD,
    &SESSION,
    &[
        "action",
        "misc",
        "threatid",
        "category",
        "severity",
        "direction",
        "seqno",
        "actionflags",
        "srcloc",
        "dstloc",
        "",
        "contenttype",
        "pcap_id",
        "filedigest",
        "cloud",
        "url_idx",
        "user_agent",
        "filetype",
        "xff",
        "referer",
        "sender",
        "subject",
        "recipient",
        "reportid",
    ],
    &DG,
    &[
        "vsys_name",
        "device_name",
        "",
        "src_uuid",
        "dst_uuid",
        "http_method",
        "tunnel_id_imsi",
        "monitortag_imei",
        "parent_session_id",
        "parent_start_time",
        "tunnel",
        "thr_category",
        "contentver",
        "",
        "assoc_id",
        "ppid",
        "http_headers",
        "url_category_list",
        "rule_uuid",
        "http2_connection",
        "dynusergroup_name",
    ],
);

const SYSTEM: &[&str] = columns!(
    &HEAD,
    &[
        "vsys",
        "eventid",
        "object",
        "",
        "",
        "module",
        "severity",
        "description",
        "seqno",
        "actionflags",
    ],
    &DG,
    &["vsys_name", "device_name", "", "", "high_res_timestamp"],
);

const CONFIG: &[&str] = columns!(
    &HEAD,
    &[
        "host",
        "vsys",
        "cmd",
        "admin",
        "client",
        "result",
        "path",
        "before_change_detail",
        "after_change_detail",
        "seqno",
        "actionflags",
    ],
    &DG,
    &[
        "vsys_name",
        "device_name",
        "dg_id",
        "comment",
        "",
        "high_res_timestamp"
    ],
);

/// CONFIG as written before PAN-OS added the before/after change columns.
const CONFIG_OLD: &[&str] = columns!(
    &HEAD,
    &[
        "host",
        "vsys",
        "cmd",
        "admin",
        "client",
        "result",
        "path",
        "seqno",
        "actionflags"
    ],
    &DG,
    &["vsys_name", "device_name"],
);

const GLOBALPROTECT: &[&str] = columns!(
    &HEAD,
    &[
        "vsys",
        "eventid",
        "stage",
        "auth_method",
        "tunnel_type",
        "srcuser",
        "srcregion",
        "machinename",
        "public_ip",
        "public_ipv6",
        "private_ip",
        "private_ipv6",
        "hostid",
        "serialnumber",
        "client_ver",
        "client_os",
        "client_os_ver",
        "repeatcnt",
        "reason",
        "error",
        "opaque",
        "status",
        "location",
        "login_duration",
        "connect_method",
        "error_code",
        "portal",
        "seqno",
        "actionflags",
        "high_res_timestamp",
        "selection_type",
        "response_time",
        "priority",
        "attempted_gateways",
        "gateway",
    ],
    &DG,
    &["vsys_name", "device_name", "vsys_id", "cluster_name"],
);

const USERID: &[&str] = columns!(
    &HEAD,
    &[
        "vsys",
        "ip",
        "user",
        "datasourcename",
        "eventid",
        "repeatcnt",
        "timeout",
        "beginport",
        "endport",
        "datasource",
        "datasourcetype",
        "seqno",
        "actionflags",
    ],
    &DG,
    &[
        "vsys_name",
        "device_name",
        "vsys_id",
        "factortype",
        "factorcompletiontime",
        "factorno",
        "ugflags",
        "userbysource",
        "tag_name",
        "high_res_timestamp",
        "origindatasource",
    ],
);

const HIPMATCH: &[&str] = columns!(
    &HEAD,
    &[
        "srcuser",
        "vsys",
        "machinename",
        "os",
        "src",
        "matchname",
        "repeatcnt",
        "matchtype",
        "",
        "",
        "seqno",
        "actionflags",
    ],
    &DG,
    &[
        "vsys_name",
        "device_name",
        "vsys_id",
        "srcipv6",
        "hostid",
        "serialnumber",
        "mac",
        "high_res_timestamp",
    ],
);

const CORRELATION: &[&str] = columns!(
    &HEAD,
    &["src", "srcuser", "vsys", "category", "severity"],
    &DG,
    &[
        "vsys_name",
        "device_name",
        "vsys_id",
        "object_name",
        "object_id",
        "evidence"
    ],
);

const AUTHENTICATION: &[&str] = columns!(
    &HEAD,
    &[
        "vsys",
        "ip",
        "user",
        "normalize_user",
        "object",
        "authpolicy",
        "repeatcnt",
        "authid",
        "vendor",
        "logset",
        "serverprofile",
        "desc",
        "clienttype",
        "event",
        "factorno",
        "seqno",
        "actionflags",
    ],
    &DG,
    &[
        "vsys_name",
        "device_name",
        "vsys_id",
        "authproto",
        "rule_uuid",
        "high_res_timestamp",
        "src_category",
        "src_profile",
        "src_model",
        "src_vendor",
        "src_osfamily",
        "src_osversion",
        "src_host",
        "src_mac",
        "region",
        "",
        "user_agent",
        "session_id",
    ],
);

const DECRYPTION: &[&str] = columns!(
    &HEAD,
    &SESSION,
    &[
        "action",
        "tunnel",
        "",
        "",
        "src_uuid",
        "dst_uuid",
        "rule_uuid",
        "hs_stage_c2f",
        "hs_stage_f2s",
        "tls_version",
        "tls_keyxchg",
        "tls_enc",
        "tls_auth",
        "policy_name",
        "ec_curve",
        "err_index",
        "root_status",
        "chain_status",
        "proxy_type",
        "cert_serial",
        "fingerprint",
        "notbefore",
        "notafter",
        "cert_ver",
        "cert_size",
        "cn_len",
        "issuer_len",
        "rootcn_len",
        "sni_len",
        "cert_flags",
        "cn",
        "issuer_cn",
        "root_cn",
        "sni",
        "error",
    ],
);

const KINDS: &[Kind] = &[
    Kind {
        name: "TRAFFIC",
        refined: "panos.traffic",
        columns: TRAFFIC,
    },
    Kind {
        name: "THREAT",
        refined: "panos.threat",
        columns: THREAT,
    },
    Kind {
        name: "SYSTEM",
        refined: "panos.system",
        columns: SYSTEM,
    },
    Kind {
        name: "CONFIG",
        refined: "panos.config",
        columns: CONFIG,
    },
    Kind {
        name: "GLOBALPROTECT",
        refined: "panos.globalprotect",
        columns: GLOBALPROTECT,
    },
    Kind {
        name: "USERID",
        refined: "panos.userid",
        columns: USERID,
    },
    Kind {
        name: "HIPMATCH",
        refined: "panos.hipmatch",
        columns: HIPMATCH,
    },
    Kind {
        name: "HIP-MATCH",
        refined: "panos.hipmatch",
        columns: HIPMATCH,
    },
    Kind {
        name: "CORRELATION",
        refined: "panos.correlation",
        columns: CORRELATION,
    },
    Kind {
        name: "AUTHENTICATION",
        refined: "panos.authentication",
        columns: AUTHENTICATION,
    },
    Kind {
        name: "DECRYPTION",
        refined: "panos.decryption",
        columns: DECRYPTION,
    },
];

fn recognise(input: &Input<'_>) -> Option<&'static str> {
    find_start(input.message?).map(|_| "panos.log")
}

/// Where the CSV starts (after any syslog header) and its log type.
fn find_start(text: &str) -> Option<(usize, &'static Kind)> {
    let starts = std::iter::once(0).chain(
        memchr::memchr_iter(b' ', text.as_bytes())
            .take(24)
            .map(|at| at + 1),
    );
    for start in starts {
        let mut parts = text[start..].splitn(5, ',');
        let (Some(first), Some(time), Some(serial), Some(kind)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if parts.next().is_none()
            || first.is_empty()
            || first.len() > 4
            || !first.bytes().all(|b| b.is_ascii_digit())
            || serial.is_empty()
            || serial.contains(' ')
        {
            continue;
        }
        let t = time.as_bytes();
        let timeish =
            t.len() >= 10 && t[..4].iter().all(u8::is_ascii_digit) && matches!(t[4], b'/' | b'-');
        if !timeish {
            continue;
        }
        if let Some(kind) = KINDS.iter().find(|k| k.name == kind) {
            return Some((start, kind));
        }
    }
    None
}

/// The CSV fields of `text`: `"..."` quoted fields with `""` for a quote.
fn csv(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        if out.len() >= MAX_COLUMNS {
            break;
        }
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut value = String::new();
            let mut tail = quoted;
            loop {
                match tail.find('"') {
                    None => {
                        value.push_str(tail);
                        tail = "";
                        break;
                    }
                    Some(q) => {
                        value.push_str(&tail[..q]);
                        if tail[q + 1..].starts_with('"') {
                            value.push('"');
                            tail = &tail[q + 2..];
                        } else {
                            tail = &tail[q + 1..];
                            break;
                        }
                    }
                }
            }
            out.push(value);
            // Anything between the closing quote and the comma is kept out.
            match tail.find(',') {
                Some(c) => rest = &tail[c + 1..],
                None => break,
            }
        } else {
            match rest.find(',') {
                Some(c) => {
                    out.push(rest[..c].to_owned());
                    rest = &rest[c + 1..];
                }
                None => {
                    out.push(rest.to_owned());
                    break;
                }
            }
        }
    }
    out
}

fn parse(ctx: &mut Ctx<'_>) -> Result<(), ParseError> {
    let line = ctx.line()?;
    let Some((start, kind)) = find_start(&line) else {
        return Err(ParseError::new(
            "no_header",
            format!(
                "no PAN-OS `FUTURE_USE,receive_time,serial,TYPE,` start in {:?}",
                shown(&line)
            ),
        ));
    };
    let values = csv(line[start..].trim_end_matches(['\r', '\n']));
    if values.len() < 7 {
        return Err(ParseError::new(
            "bad_field_count",
            format!(
                "{} log with {} columns, at least 7 expected",
                kind.name,
                values.len()
            ),
        ));
    }
    let columns = if kind.name == "CONFIG" && old_config(&values) {
        CONFIG_OLD
    } else {
        kind.columns
    };
    let f = &mut *ctx.fields;
    let mut panos = Map::new();
    for (name, value) in columns.iter().zip(&values) {
        let value = value.trim();
        if !name.is_empty() && !value.is_empty() {
            panos.insert((*name).to_owned(), Value::String(value.to_owned()));
        }
    }
    ecs(f, kind, &panos);
    let time = |name: &str| {
        panos
            .get(name)
            .and_then(Value::as_str)
            .and_then(|t| loose_time(t, None))
    };
    ctx.timestamp = time("time_generated").or_else(|| time("receive_time"));
    put(f, "panos", Value::Object(panos));
    ctx.refined = Some(kind.refined);
    Ok(())
}

/// Whether a CONFIG line has the layout without before/after change columns: its sequence
/// number (a count) and action flags (`0x...`) sit where the newer layout has the details.
fn old_config(values: &[String]) -> bool {
    values.len() <= 16
        || (values[15].starts_with("0x") && values[14].bytes().all(|b| b.is_ascii_digit()))
}

fn ecs(f: &mut Map<String, Value>, kind: &Kind, panos: &Map<String, Value>) {
    let get = |name: &str| panos.get(name).and_then(Value::as_str);
    put_text(f, "observer.vendor", "Palo Alto Networks");
    put_text(f, "observer.product", "PAN-OS");
    let mut text = |path: &str, name: &str| {
        if let Some(v) = get(name) {
            put_text(f, path, v);
        }
    };
    text("observer.serial_number", "serial");
    text("observer.name", "device_name");
    text("source.ip", "src");
    text("source.ip", "ip");
    text("source.ip", "public_ip");
    text("destination.ip", "dst");
    text("source.nat.ip", "natsrc");
    text("destination.nat.ip", "natdst");
    text("network.application", "app");
    text("rule.name", "rule");
    text("user.name", "srcuser");
    text("user.name", "user");
    text("source.user.name", "srcuser");
    text("destination.user.name", "dstuser");
    text("observer.ingress.zone", "from");
    text("observer.egress.zone", "to");
    text("observer.ingress.interface.name", "inbound_if");
    text("observer.egress.interface.name", "outbound_if");
    text("user_agent.original", "user_agent");
    text("http.request.method", "http_method");
    text("event.reason", "session_end_reason");
    match kind.name {
        "SYSTEM" | "GLOBALPROTECT" => text("event.action", "eventid"),
        "CONFIG" => {
            text("event.action", "cmd");
            text("user.name", "admin");
            text("source.address", "host");
        }
        _ => text("event.action", "action"),
    }
    if matches!(kind.name, "THREAT" | "SYSTEM" | "CORRELATION") {
        text("log.level", "severity");
    }
    if kind.name == "THREAT" {
        match get("subtype") {
            Some("url") => text("url.original", "misc"),
            Some("file" | "virus" | "wildfire" | "wildfire-virus") => text("file.name", "misc"),
            _ => {}
        }
    }
    for (path, name) in [
        ("source.port", "sport"),
        ("destination.port", "dport"),
        ("source.nat.port", "natsport"),
        ("destination.nat.port", "natdport"),
        ("network.bytes", "bytes"),
        ("network.packets", "packets"),
        ("source.bytes", "bytes_sent"),
        ("destination.bytes", "bytes_received"),
    ] {
        if let Some(v) = get(name).filter(|v| v.parse::<u64>().is_ok()) {
            put_number(f, path, v);
        }
    }
    if let Some(proto) = get("proto") {
        put_text(f, "network.transport", &proto.to_ascii_lowercase());
    }
    let outcome = match kind.name {
        "TRAFFIC" | "DECRYPTION" => get("action").map(|a| a == "allow"),
        "CONFIG" => get("result").and_then(|r| match r {
            "Succeeded" => Some(true),
            "Failed" | "Unauthorized" => Some(false),
            _ => None,
        }),
        "GLOBALPROTECT" => get("status").and_then(|s| match s {
            "success" => Some(true),
            "failure" => Some(false),
            _ => None,
        }),
        _ => None,
    };
    if let Some(ok) = outcome {
        put(f, "event.outcome", if ok { "success" } else { "failure" });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceType;
    use crate::testing::{check, event, get, ts};
    use serde_json::json;

    fn run(line: &str) -> (Map<String, Value>, crate::Outcome) {
        let mut f = event(line);
        let out = crate::normalize(Some(&SourceType::new("panos.log").unwrap()), &mut f);
        (f, out)
    }

    #[test]
    fn column_tables_have_their_lengths() {
        assert_eq!(HEAD.len() + SESSION.len(), 30);
        assert_eq!(TRAFFIC[29], "proto");
        assert_eq!(TRAFFIC[30], "action");
        assert_eq!(TRAFFIC[46], "session_end_reason");
        assert_eq!(TRAFFIC[52], "device_name");
        assert_eq!(THREAT[31], "misc");
        assert_eq!(THREAT[59], "device_name");
        assert_eq!(SYSTEM[14], "description");
        assert_eq!(SYSTEM[22], "device_name");
        assert_eq!(CONFIG[13], "path");
        assert_eq!(CONFIG[23], "device_name");
        assert_eq!(CONFIG_OLD[15], "actionflags");
        assert_eq!(GLOBALPROTECT[33], "portal");
        assert_eq!(USERID[25], "device_name");
        assert_eq!(HIPMATCH[24], "device_name");
        assert_eq!(CORRELATION[17], "device_name");
        assert_eq!(CORRELATION[21], "evidence");
        assert_eq!(AUTHENTICATION[29], "device_name");
        assert_eq!(DECRYPTION[63], "sni");
    }

    #[test]
    fn traffic_line_is_recognised_and_read() {
        let line = "Feb 24 21:50:30 10.5.172.40 Feb 24 21:47:11 BD-Panorama 1,2016/02/24 21:47:11,007200001165,TRAFFIC,end,1,2016/02/24 21:42:31,192.168.55.101,8.8.8.8,0.0.0.0,0.0.0.0,Permit All,tng\\picard,,dns,vsys1,trust,untrust,tunnel.2,ethernet1/1,Syslog To Panorama,2016/02/24 21:42:31,235961,1,53909,53,0,0,0x64,udp,allow,74,74,0,1,2016/02/24 21:42:01,0,any,0,13457861041,0x8000000000000000,192.168.0.0-192.168.255.255,United States,0,1,0,aged-out,15,0,0,0,,PA-VM,from-policy";
        let mut f = event(line);
        let out = crate::normalize(None, &mut f);
        assert_eq!(out.source_type.unwrap().as_str(), "panos.traffic");
        assert!(out.parsed);
        assert_eq!(out.timestamp, Some(ts("2016-02-24T21:42:31Z")));
        check(
            &f,
            &[
                ("panos.receive_time", json!("2016/02/24 21:47:11")),
                ("panos.serial", json!("007200001165")),
                ("panos.type", json!("TRAFFIC")),
                ("panos.subtype", json!("end")),
                ("panos.rule", json!("Permit All")),
                ("panos.session_end_reason", json!("aged-out")),
                ("panos.action_source", json!("from-policy")),
                ("panos.dstuser", Value::Null),
                ("source.ip", json!("192.168.55.101")),
                ("source.port", json!(53909)),
                ("destination.ip", json!("8.8.8.8")),
                ("destination.port", json!(53)),
                ("source.nat.ip", json!("0.0.0.0")),
                ("network.transport", json!("udp")),
                ("network.application", json!("dns")),
                ("network.bytes", json!(74)),
                ("source.bytes", json!(74)),
                ("destination.bytes", json!(0)),
                ("rule.name", json!("Permit All")),
                ("event.action", json!("allow")),
                ("event.outcome", json!("success")),
                ("user.name", json!("tng\\picard")),
                ("observer.serial_number", json!("007200001165")),
                ("observer.name", json!("PA-VM")),
                ("observer.ingress.zone", json!("trust")),
                ("observer.egress.interface.name", json!("ethernet1/1")),
                ("event.reason", json!("aged-out")),
                ("event.dataset", json!("panos.traffic")),
            ],
        );
    }

    #[test]
    fn threat_config_and_other_types() {
        let (f, out) = run(
            r#"1,2012/04/11 01:02:12,001606001116,THREAT,url,1,2012/04/10 04:24:38,192.168.0.2,208.73.210.29,0.0.0.0,0.0.0.0,rule1,crusher,,web-browsing,vsys1,trust,untrust,ethernet1/2,ethernet1/1,forwardAll,2012/04/10 04:24:40,5100,1,55630,80,0,0,0x208000,tcp,alert,"www.example.com/a,b ""q""/config.bin",(9999),not-resolved,informational,client-to-server,0,0x0,192.168.0.0-192.168.255.255,United States,0,text/html"#,
        );
        assert_eq!(out.source_type.unwrap().as_str(), "panos.threat");
        check(
            &f,
            &[
                (
                    "url.original",
                    json!(r#"www.example.com/a,b "q"/config.bin"#),
                ),
                ("panos.threatid", json!("(9999)")),
                ("panos.category", json!("not-resolved")),
                ("panos.direction", json!("client-to-server")),
                ("panos.contenttype", json!("text/html")),
                ("log.level", json!("informational")),
                ("event.action", json!("alert")),
                ("event.outcome", Value::Null),
            ],
        );
        let (f, out) = run(
            "Apr 09 23:26:41 1,2012/04/09 23:26:41,001606001116,CONFIG,0,0,2012/02/25 00:51:50,192.168.0.2,,set,admin,Web,Succeeded, config shared local-user-database user  badguy,0,0x0",
        );
        assert_eq!(out.source_type.unwrap().as_str(), "panos.config");
        assert_eq!(out.timestamp, Some(ts("2012-02-25T00:51:50Z")));
        check(
            &f,
            &[
                ("panos.cmd", json!("set")),
                ("panos.admin", json!("admin")),
                (
                    "panos.path",
                    json!("config shared local-user-database user  badguy"),
                ),
                ("panos.seqno", json!("0")),
                ("panos.actionflags", json!("0x0")),
                ("event.action", json!("set")),
                ("user.name", json!("admin")),
                ("source.address", json!("192.168.0.2")),
                ("event.outcome", json!("success")),
            ],
        );
        let (f, _) = run(
            "1,2023/01/01 10:00:00,012345678901,CONFIG,0,0,2023/01/01 10:00:00,10.0.0.9,vsys1,edit,admin2,CLI,Failed,rulebase security rules r1,<before>,<after>,1234,0x0,0,0,0,0,,fw1,,,,2023-01-01T10:00:00.123+00:00",
        );
        check(
            &f,
            &[
                ("panos.before_change_detail", json!("<before>")),
                ("panos.seqno", json!("1234")),
                ("observer.name", json!("fw1")),
                ("event.outcome", json!("failure")),
            ],
        );
        let (f, out) = run(
            "1,2023/01/01 10:00:00,012345678901,USERID,login,0,2023/01/01 10:00:01,vsys1,10.1.1.1,corp\\ann,ds1,0,1,2700,0,0,ad,active-directory,55,0x0,0,0,0,0,,fw1",
        );
        assert_eq!(out.source_type.unwrap().as_str(), "panos.userid");
        check(
            &f,
            &[
                ("source.ip", json!("10.1.1.1")),
                ("user.name", json!("corp\\ann")),
                ("panos.datasourcetype", json!("active-directory")),
            ],
        );
        let (f, out) = run(
            "1,2023/01/01 10:00:00,012345678901,GLOBALPROTECT,0,2049,2023/01/01 10:00:02,vsys1,gateway-auth,login,LDAP,SSL,bob,US,LAPTOP1,198.51.100.7,,10.10.0.5,,host-1,SN1,6.0.0,Windows,10,1,,,desc,failure,Paris,0,on-demand,0,portal1,77,0x0",
        );
        assert_eq!(out.source_type.unwrap().as_str(), "panos.globalprotect");
        check(
            &f,
            &[
                ("source.ip", json!("198.51.100.7")),
                ("user.name", json!("bob")),
                ("event.action", json!("gateway-auth")),
                ("event.outcome", json!("failure")),
                ("panos.portal", json!("portal1")),
            ],
        );
        let (_, out) = run(
            "1,2023/01/01 10:00:00,012345678901,HIP-MATCH,0,0,2023/01/01 10:00:00,bob,vsys1,LAPTOP1,Windows,10.1.1.2,hip1,1,profile",
        );
        assert_eq!(out.source_type.unwrap().as_str(), "panos.hipmatch");
        let (f, out) = run(
            "1,2023-01-01T10:00:00.000000Z,012345678901,AUTHENTICATION,0,10.0,2023-01-01T09:59:59.000000Z,vsys1,10.2.2.2,corp\\eve,corp\\eve,obj,cp,1,0,duo,ls,prof,desc,0,user password failure,1,9,0x0",
        );
        assert_eq!(out.source_type.unwrap().as_str(), "panos.authentication");
        assert_eq!(out.timestamp, Some(ts("2023-01-01T09:59:59Z")));
        check(
            &f,
            &[
                ("panos.event", json!("user password failure")),
                ("source.ip", json!("10.2.2.2")),
            ],
        );
        let (f, out) = run(
            "1,2023/01/01 10:00:00,012345678901,DECRYPTION,0,0,2023/01/01 10:00:00,10.1.1.1,203.0.113.9,0.0.0.0,0.0.0.0,r1,,,ssl,vsys1,in,out,e1,e2,ls,2023/01/01 10:00:00,5,1,5000,443,0,0,0x0,tcp,deny,N/A,,,,,,TLS1.3,,TLS1.2,ECDHE,AES_128_GCM,SHA256,,secp256r1,0,trusted,trusted,Forward,0a,ff,1,2,V3,2048,3,4,5,6,0,example.org,issuer,root,example.org,",
        );
        assert_eq!(out.source_type.unwrap().as_str(), "panos.decryption");
        check(
            &f,
            &[
                ("panos.tls_version", json!("TLS1.2")),
                ("panos.sni", json!("example.org")),
                ("event.outcome", json!("failure")),
            ],
        );
    }

    #[test]
    fn errors_and_non_matches() {
        let (_, out) = run("hello world");
        assert_eq!(out.error.unwrap().reason, "no_header");
        let (_, out) = run("1,2023/01/01 10:00:00,012345678901,WHATEVER,x,y,z");
        assert_eq!(out.error.unwrap().reason, "no_header");
        let (_, out) = run("1,2023/01/01 10:00:00,012345678901,TRAFFIC,end");
        assert_eq!(out.error.unwrap().reason, "bad_field_count");
        // Unterminated quote: kept to the end of the line.
        let (f, out) = run(
            "1,2023/01/01 10:00:00,0123,SYSTEM,general,0,2023/01/01 10:00:00,,ev,obj,0,0,general,high,\"unterminated, desc",
        );
        assert!(out.parsed);
        check(
            &f,
            &[
                ("panos.description", json!("unterminated, desc")),
                ("log.level", json!("high")),
            ],
        );
        for text in [
            "a,b,c,TRAFFIC,x",
            "1,20x3/01/01,serial,TRAFFIC,x",
            "1,2023/01/01 10:00:00,012345678901,TRAFFIC",
        ] {
            let mut f = event(text);
            assert_eq!(crate::normalize(None, &mut f).source_type, None, "{text}");
        }
    }

    #[test]
    fn splunk_sample_logs() {
        let Some(dir) =
            crate::testing::fixture("panos_splunk_samples", "panos/paloaltonetworks_splunk_apps")
        else {
            return;
        };
        let mut counts = std::collections::BTreeMap::new();
        let mut samples = Vec::new();
        for file in [
            "pan_correlation.samplelog",
            "pan_globalprotect.samplelog",
            "pan_incident_data_config.samplelog",
        ] {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let mut f = event(line);
                let out = crate::normalize(None, &mut f);
                assert!(out.parsed, "{line}: {:?}", out.error);
                assert!(out.timestamp.is_some(), "{line}");
                *counts
                    .entry(out.source_type.unwrap().to_string())
                    .or_insert(0) += 1;
                samples.push(f);
            }
        }
        let counts: Vec<(String, i32)> = counts.into_iter().collect();
        assert_eq!(
            counts,
            [
                ("panos.config".to_owned(), 37),
                ("panos.correlation".to_owned(), 8),
                ("panos.system".to_owned(), 140),
                ("panos.threat".to_owned(), 713),
                ("panos.traffic".to_owned(), 39),
            ]
        );
        check(
            &samples[0],
            &[
                ("source.ip", json!("192.168.55.104")),
                ("user.name", json!("tng\\riker")),
                ("panos.object_name", json!("beacon-heuristics")),
                ("panos.object_id", json!("6005")),
                (
                    "panos.evidence",
                    json!("Host visited known malware URL (100 times)."),
                ),
                ("log.level", json!("medium")),
                ("observer.name", json!("us2")),
            ],
        );
        let gp = samples
            .iter()
            .find(|f| get(f, "panos.eventid") == &json!("globalprotectgateway-config-release"))
            .unwrap();
        check(
            gp,
            &[
                (
                    "panos.description",
                    json!(
                        "GlobalProtect gateway client configuration released. User name: tng\\picard, Private IP: 192.168.55.101, Client version: 2.3.4-4, Device name: BD-CLIENT, Client OS version: Microsoft Wi"
                    ),
                ),
                ("panos.object", json!("VPN-GW-N")),
                ("event.action", json!("globalprotectgateway-config-release")),
            ],
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            let mut f = event(&text);
            let _ = crate::normalize(None, &mut f);
            let _ = run(&text);
            let _ = run(&format!("1,2023/01/01 10:00:00,0123,TRAFFIC,{text}"));
        }

        #[test]
        fn mutated_lines_never_panic(cut in 0usize..300, insert in "[\",a-zé ]{0,8}") {
            let line = r#"Apr 11 01:02:12 1,2012/04/11 01:02:12,001606001116,THREAT,url,1,2012/04/10 04:24:38,192.168.0.2,208.73.210.29,0.0.0.0,0.0.0.0,rule1,crusher,,web-browsing,vsys1,trust,untrust,ethernet1/2,ethernet1/1,forwardAll,2012/04/10 04:24:40,5100,1,55630,80,0,0,0x208000,tcp,alert,"www.x.com/""a""",(9999),not-resolved"#;
            let at = line.char_indices().map(|(i, _)| i).nth(cut % line.len()).unwrap_or(0);
            let mutated = format!("{}{insert}{}", &line[..at], &line[at..]);
            let _ = run(&mutated);
            let mut f = event(&line[..at]);
            let _ = crate::normalize(None, &mut f);
        }
    }
}
