//! Cisco ASA and Firepower Threat Defense (FTD) syslog messages:
//! `%ASA-<severity>-<message id>: <text>` (or `%FTD-...`), usually after a syslog header.
//!
//! Source types: `cisco.asa`, `cisco.ftd`; recognised as `cisco.asa` when the text holds
//! `%ASA-` followed by a severity digit (and as `cisco.ftd` for `%FTD-`); markers `%ASA-`,
//! `%FTD-`. A declared line whose header lacks the `%` (`ASA-6-302013: ...`) and the old
//! `%PIX-` prefix are read too. The type is refined from the prefix (`%FTD-` → `cisco.ftd`).
//!
//! Every message gets `cisco.asa.message_id` and `event.code` (the id, as text),
//! `cisco.asa.severity` and `event.severity` (the digit), `log.level` (its syslog name) and
//! `observer.vendor`/`observer.product`. These message families are read further:
//!
//! | ids | `event.action` | fields |
//! |---|---|---|
//! | 302013 302015 (built), 302014 302016 (teardown), 302020 302021 (ICMP) | `connection-built`, `connection-teardown` | `source.*`, `destination.*` (ip, port, `nat.ip`, `nat.port`), `network.transport`, `network.direction`, `observer.ingress.interface.name`, `observer.egress.interface.name`, `cisco.asa.connection_id`, `cisco.asa.duration`, `network.bytes`, `event.reason` |
//! | 106023, 106100 | `firewall-rule` | addresses, ports, interfaces, `rule.name` (the ACL), `event.type` allowed/denied, `cisco.asa.icmp_type`/`icmp_code` |
//! | 106001 106006 106007 106010 106014 106015 106021 313001 419001 419002 110002 710001-710006 | `connection-denied`, `packet-dropped`, `access-requested`, ... | addresses, ports, interfaces, `cisco.asa.tcp_flags`, `event.reason` |
//! | 305011 305012 | `translation-built`, `translation-teardown` | `source.ip`/`port`, `source.nat.ip`/`port` |
//! | 304001 | `url-accessed` | `source.ip`, `source.user.name`, `destination.ip`, `url.original` |
//! | 605004 605005 | `login-denied`, `login-permitted` | `source.ip`/`port`, `destination.ip`, `network.protocol`, `user.name`, `event.outcome` |
//! | 113004 113005 113012 113015, 611101 611102 | `aaa-authentication` (`aaa-authorization`, `aaa-accounting`), `user-authentication` | `user.name`, `source.ip`, `server.address`, `event.reason`, `event.outcome` |
//! | 113019, 716001 716002, 722051 | `session-disconnected`, `webvpn-session-started`/`-terminated`, `address-assigned` | `user.name`, `source.ip`, `cisco.asa.group`, `event.reason`, `cisco.asa.assigned_ip` |
//! | 111008 111009 111010 | `command-executed` | `user.name`, `process.command_line`, `source.ip`, `process.name` |
//! | 502101 502102 502103 | `user-added`, `user-deleted`, `privilege-changed` | `user.name`, `cisco.asa.privilege.*` |
//!
//! For built connections the initiator is the source: on an inbound connection the first
//! (`for`) side, on an outbound one the second (`to`) side, each with its mapped (NAT)
//! address as `nat.ip`. Teardowns carry no direction: the `for` side is the source. A known
//! id whose text does not match its pattern is an error (`unexpected_message_text`); any
//! other id is kept with the header fields only. Not read: the syslog header's time (it has
//! no year or zone; the intake's receive time stands), FTD's `key: value` connection events,
//! identity-firewall user annotations on connections.

use std::sync::OnceLock;

use regex::{Captures, Regex};
use serde_json::{Map, Value};

use super::cef::shown;
use super::{Ctx, Format, Input};
use crate::ParseError;
use crate::fields::{put, put_number, put_text};

pub(crate) const FORMAT: Format = Format {
    name: "cisco asa",
    claims: &["cisco.asa", "cisco.ftd"],
    recognise,
    markers: &["%ASA-", "%FTD-"],
    parse,
};

fn recognise(input: &Input<'_>) -> Option<&'static str> {
    let text = input.message?;
    let (_, kind, _) = find_header(text, false)?;
    Some(kind)
}

/// The header: (offset of the severity digit, source type, offset after `: `), found after
/// `%ASA-`, `%FTD-`, `%PIX-`, or when `bare`, also `ASA-`/`FTD-` at the start of the text.
fn find_header(text: &str, bare: bool) -> Option<(usize, &'static str, usize)> {
    let bytes = text.as_bytes();
    let candidates = memchr::memmem::find_iter(bytes, b"%")
        .take(16)
        .map(|at| at + 1)
        .chain(bare.then_some(0));
    for at in candidates {
        let kind = match bytes.get(at..at + 4) {
            Some(b"ASA-" | b"PIX-") => "cisco.asa",
            Some(b"FTD-") => "cisco.ftd",
            _ => continue,
        };
        let sev = at + 4;
        if !bytes.get(sev).is_some_and(|b| (b'0'..=b'7').contains(b))
            || bytes.get(sev + 1) != Some(&b'-')
        {
            continue;
        }
        let id_len = bytes[sev + 2..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let colon = sev + 2 + id_len;
        if !(6..=7).contains(&id_len) || bytes.get(colon) != Some(&b':') {
            continue;
        }
        let mut body = colon + 1;
        if bytes.get(body) == Some(&b' ') {
            body += 1;
        }
        return Some((sev, kind, body));
    }
    None
}

const LEVELS: [&str; 8] = [
    "emergency",
    "alert",
    "critical",
    "error",
    "warning",
    "notification",
    "informational",
    "debugging",
];

fn parse(ctx: &mut Ctx<'_>) -> Result<(), ParseError> {
    let line = ctx.line()?;
    let Some((sev, kind, body)) = find_header(&line, true) else {
        return Err(ParseError::new(
            "no_header",
            format!("no `%ASA-<severity>-<id>:` header in {:?}", shown(&line)),
        ));
    };
    let severity = usize::from(line.as_bytes()[sev] - b'0');
    let id_text = line[sev + 2..body].trim_end_matches([' ', ':']);
    let id: u32 = id_text.parse().unwrap_or_default();
    let text = line[body..].trim_end();
    let f = &mut *ctx.fields;
    put(f, "cisco.asa.message_id", id_text);
    put(f, "event.code", id_text);
    put(f, "cisco.asa.severity", severity);
    put(f, "event.severity", severity);
    put(f, "log.level", LEVELS[severity]);
    put(f, "observer.vendor", "Cisco");
    put(
        f,
        "observer.product",
        if kind == "cisco.ftd" { "FTD" } else { "ASA" },
    );
    ctx.refined = Some(kind);

    let Some(&(_, pattern, handler)) = FAMILIES.iter().find(|(ids, _, _)| ids.contains(&id)) else {
        return Ok(());
    };
    let regex = &regexes()[pattern];
    let Some(caps) = regex.captures(text) else {
        return Err(ParseError::new(
            "unexpected_message_text",
            format!("message {id} does not read as expected: {:?}", shown(text)),
        ));
    };
    handler(&caps, id, f);
    Ok(())
}

/// A message family: its ids, its pattern (index in [`PATTERNS`]) and what it adds.
type Handler = fn(&Captures<'_>, u32, &mut Map<String, Value>);

const FAMILIES: &[(&[u32], usize, Handler)] = &[
    (&[302013, 302015], 0, built),
    (&[302014, 302016], 1, teardown),
    (&[302020, 302021], 2, icmp_connection),
    (&[106023], 3, acl_deny),
    (&[106100], 4, acl_log),
    (&[106001, 106015], 5, simple_deny),
    (&[106006, 106007], 6, simple_deny),
    (&[106010], 7, simple_deny),
    (&[106014], 8, simple_deny),
    (&[106021], 9, simple_deny),
    (&[313001], 10, simple_deny),
    (&[419001, 419002], 11, simple_deny),
    (&[110002], 12, simple_deny),
    (&[710001, 710002, 710003, 710005, 710006], 13, simple_deny),
    (&[305011, 305012], 14, translation),
    (&[304001], 15, url_accessed),
    (&[605004, 605005], 16, login),
    (&[113004, 113005, 113012, 113015], 17, aaa),
    (&[611101, 611102], 18, user_auth),
    (&[113019], 19, session_disconnected),
    (&[716001, 716002, 722051], 20, vpn_session),
    (&[111008], 21, command),
    (&[111009], 22, command),
    (&[111010], 23, command),
    (&[502101, 502102, 502103], 24, local_user),
];

/// `interface:address/port`, the address up to the `/` (IPv6 holds `:`).
const PATTERNS: &[&str] = &[
    // 0: 302013, 302015
    r"^Built (?P<dir>inbound|outbound) (?P<proto>\S+) connection (?P<id>\d+) for (?P<a_if>[^\s:]+):(?P<a_ip>[^\s/]+)/(?P<a_port>\d+) \((?P<a_mip>[^\s/]+)/(?P<a_mport>\d+)\)(?:\([^)]*\))? to (?P<b_if>[^\s:]+):(?P<b_ip>[^\s/]+)/(?P<b_port>\d+) \((?P<b_mip>[^\s/]+)/(?P<b_mport>\d+)\)",
    // 1: 302014, 302016
    r"^Teardown (?P<proto>\S+) connection (?P<id>\d+) for (?P<a_if>[^\s:]+):(?P<a_ip>[^\s/]+)/(?P<a_port>\d+)(?:\([^)]*\))? to (?P<b_if>[^\s:]+):(?P<b_ip>[^\s/]+)/(?P<b_port>\d+)(?:\([^)]*\))?(?: duration (?P<duration>[\d:]+))?(?: bytes (?P<bytes>\d+))?(?: (?P<reason>.+))?$",
    // 2: 302020, 302021
    r"^(?P<kind>Built|Teardown)(?: (?P<dir>inbound|outbound))? (?P<proto>ICMP|ICMPv6) connection for faddr (?P<f_ip>[^\s/]+)/(?P<seq>\d+)(?:\([^)]*\))? gaddr (?P<g_ip>[^\s/]+)/(?P<g_type>\d+) laddr (?P<l_ip>[^\s/]+)/(?P<l_type>\d+)",
    // 3: 106023
    r#"^Deny (?:protocol )?(?P<proto>\S+) src (?P<s_if>[^\s:]+):(?P<s_ip>[^\s/(]+)(?:/(?P<s_port>\d+))?(?:\([^)]*\))? dst (?P<d_if>[^\s:]+):(?P<d_ip>[^\s/(]+)(?:/(?P<d_port>\d+))?(?:\([^)]*\))?(?: ?\(type (?P<type>\d+), code (?P<code>\d+)\))? by access-group "(?P<acl>[^"]*)""#,
    // 4: 106100
    r"^access-list (?P<acl>\S+) (?P<verdict>permitted|denied|est-allowed) (?P<proto>\S+) (?P<s_if>[^\s/]+)/(?P<s_ip>[^\s(]+)\((?P<s_port>\d+)\)(?:\([^)]*\))? -> (?P<d_if>[^\s/]+)/(?P<d_ip>[^\s(]+)\((?P<d_port>\d+)\)(?:\([^)]*\))? hit-cnt (?P<hits>\d+)",
    // 5: 106001, 106015
    r"^(?:Inbound (?P<proto>\S+) connection denied|Deny (?P<proto2>\S+) \(no connection\)) from (?P<s_ip>[^\s/]+)/(?P<s_port>\d+) to (?P<d_ip>[^\s/]+)/(?P<d_port>\d+) flags (?P<flags>.*?)\s*on interface (?P<d_if>\S+)",
    // 6: 106006, 106007
    r"^Deny (?P<dir>inbound) (?P<proto>\S+) from (?P<s_ip>[^\s/]+)/(?P<s_port>\d+)(?:\([^)]*\))? to (?P<d_ip>[^\s/]+)/(?P<d_port>\d+)(?:\([^)]*\))? (?:on interface (?P<d_if>\S+)|due to (?P<reason>.+))",
    // 7: 106010
    r"^Deny (?P<dir>inbound|outbound) (?P<proto>\S+) src (?P<s_if>[^\s:]+):(?P<s_ip>[^\s/]+)/(?P<s_port>\d+)(?:\([^)]*\))? dst (?P<d_if>[^\s:]+):(?P<d_ip>[^\s/]+)/(?P<d_port>\d+)",
    // 8: 106014
    r"^Deny (?P<dir>inbound|outbound) (?P<proto>icmp|icmp6|ICMP) src (?P<s_if>[^\s:]+):(?P<s_ip>[^\s(]+)(?:\([^)]*\))? dst (?P<d_if>[^\s:]+):(?P<d_ip>[^\s(]+?)(?:\((?:[^t)][^)]*)\))? ?\(type (?P<type>\d+), code (?P<code>\d+)\)",
    // 9: 106021
    r"^Deny (?P<proto>\S+) reverse path check from (?P<s_ip>\S+) to (?P<d_ip>\S+) on interface (?P<d_if>\S+)",
    // 10: 313001
    r"^Denied (?P<proto>ICMP|ICMPv6) type=(?P<type>\d+), code=(?P<code>\d+) from (?P<s_ip>\S+) on interface (?P<s_if>\S+)",
    // 11: 419001, 419002
    r"^(?:Dropping (?P<proto>\S+) packet|(?P<reason2>Duplicate (?P<proto2>\S+) SYN)) from (?P<s_if>[^\s:]+):(?P<s_ip>[^\s/]+)/(?P<s_port>\d+) to (?P<d_if>[^\s:]+):(?P<d_ip>[^\s/]+)/(?P<d_port>\d+)(?:, reason: (?P<reason>.+))?",
    // 12: 110002
    r"^(?P<reason>Failed to locate egress interface) for (?P<proto>\S+) from (?P<s_if>[^\s:]+):(?P<s_ip>[^\s/]+)/(?P<s_port>\d+) to (?P<d_ip>[^\s/]+)/(?P<d_port>\d+)",
    // 13: 710001-710006
    r"^(?P<proto>\S+) (?:access |request )?(?P<verdict>requested|permitted|denied by ACL|discarded) from (?P<s_ip>[^\s/]+)(?:/(?P<s_port>\d+))? to (?P<d_if>[^\s:]+):(?P<d_ip>[^\s/]+)(?:/(?P<d_port>\S+))?",
    // 14: 305011, 305012
    r"^(?P<kind>Built|Teardown) (?:dynamic|static) (?P<proto>\S+) translation from (?P<s_if>[^\s:]+):(?P<s_ip>[^\s/]+)/(?P<s_port>\d+)(?:\([^)]*\))? to (?P<n_if>[^\s:]+):(?P<n_ip>[^\s/]+)/(?P<n_port>\d+)",
    // 15: 304001
    r"^(?P<s_ip>[^\s(]+)(?:\((?P<user>[^)]*)\))? Accessed (?:JAVA )?URL (?P<d_ip>[^\s:]+):(?P<url>\S+)",
    // 16: 605004, 605005
    r#"^Login (?P<verdict>denied|permitted) from (?P<s_ip>[^\s/]+)/(?P<s_port>\d+) to (?P<d_if>[^\s:]+):(?P<d_ip>[^\s/]+)/(?P<service>\S+) for user "(?P<user>[^"]*)""#,
    // 17: 113004, 113005, 113012, 113015
    r"^AAA user (?P<kind>authentication|authorization|accounting) (?P<verdict>Successful|Rejected)\s*(?::\s*reason =\s*(?P<reason>.+?)\s*)?:\s*(?:server =\s*(?P<server>\S+)|local database)\s*:\s*user =\s*(?P<user>.+?)\s*(?::\s*user IP =\s*(?P<ip>\S+))?\s*$",
    // 18: 611101, 611102
    r"^User authentication (?P<verdict>succeeded|failed): IP(?: address)?\s*[:,=]?\s*(?P<ip>[0-9A-Fa-f.:]+?)\s*[:,]\s*Uname:\s*(?P<user>.+?)\s*$",
    // 19: 113019
    r"^Group = (?P<group>[^,]*), Username = (?P<user>[^,]*), IP = (?P<ip>[^,]+), Session disconnected\. Session Type: (?P<stype>[^,]*), Duration: (?P<duration>[^,]*), Bytes xmt: (?P<xmt>\d+), Bytes rcv: (?P<rcv>\d+), Reason: (?P<reason>.*)$",
    // 20: 716001, 716002, 722051
    r"^Group <(?P<group>[^>]*)> User <(?P<user>[^>]*)> IP <(?P<ip>[^>]*)> (?:WebVPN session (?P<what>started|terminated)(?::\s*(?P<reason>.*?))?\.?|(?:IPv4 )?Address <(?P<assigned>[^>]*)>(?: IPv6 address <(?P<assigned6>[^>]*)>)? assigned to session\.?)\s*$",
    // 21: 111008
    r"^User '(?P<user>[^']*)' executed the '(?P<cmd>.*)' command\.?\s*$",
    // 22: 111009
    r"^User '(?P<user>[^']*)' executed cmd:\s*(?P<cmd>.*?)\s*$",
    // 23: 111010
    r"^User '(?P<user>[^']*)', running '(?P<app>[^']*)' from IP (?P<ip>[^\s,]+), executed '(?P<cmd>.*)'\s*$",
    // 24: 502101, 502102, 502103
    r"^(?:(?P<added>New user added to)|(?P<deleted>User deleted from)) local dbase: Uname: (?P<user>\S+) Priv: (?P<priv>\d+)|^User priv level changed: Uname: (?P<puser>\S+) From: (?P<from>\d+) To: (?P<to>\d+)",
];

fn regexes() -> &'static [Regex] {
    static COMPILED: OnceLock<Vec<Regex>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        PATTERNS
            .iter()
            // Fixed patterns, checked by the tests: building cannot fail.
            .map(|p| Regex::new(p).unwrap_or_else(|e| panic!("ASA pattern {p}: {e}")))
            .collect()
    })
}

fn cap<'t>(caps: &Captures<'t>, name: &str) -> Option<&'t str> {
    caps.name(name).map(|m| m.as_str())
}

/// Puts a capture (when present and not empty) as text.
fn text(f: &mut Map<String, Value>, path: &str, caps: &Captures<'_>, name: &str) {
    if let Some(v) = cap(caps, name) {
        put_text(f, path, v);
    }
}

/// Puts a capture as a number, only when it is one.
fn number(f: &mut Map<String, Value>, path: &str, caps: &Captures<'_>, name: &str) {
    if let Some(v) = cap(caps, name).filter(|v| v.parse::<i64>().is_ok()) {
        put_number(f, path, v);
    }
}

fn transport(f: &mut Map<String, Value>, proto: Option<&str>) {
    if let Some(p) = proto {
        put_text(f, "network.transport", &p.to_ascii_lowercase());
    }
}

fn action(f: &mut Map<String, Value>, action: &str, category: &str, kind: &[&str]) {
    put(f, "event.action", action);
    put(f, "event.category", vec![category]);
    if !kind.is_empty() {
        put(f, "event.type", kind.to_vec());
    }
}

/// One side of a connection: `a` or `b` captures written as `side` (`source`/`destination`).
fn side(f: &mut Map<String, Value>, caps: &Captures<'_>, from: &str, to: &str, interface: &str) {
    text(f, &format!("{to}.ip"), caps, &format!("{from}_ip"));
    number(f, &format!("{to}.port"), caps, &format!("{from}_port"));
    text(f, &format!("{to}.nat.ip"), caps, &format!("{from}_mip"));
    number(f, &format!("{to}.nat.port"), caps, &format!("{from}_mport"));
    text(
        f,
        &format!("observer.{interface}.interface.name"),
        caps,
        &format!("{from}_if"),
    );
}

fn built(caps: &Captures<'_>, _: u32, f: &mut Map<String, Value>) {
    let outbound = cap(caps, "dir") == Some("outbound");
    let (src, dst) = if outbound { ("b", "a") } else { ("a", "b") };
    side(f, caps, src, "source", "ingress");
    side(f, caps, dst, "destination", "egress");
    transport(f, cap(caps, "proto"));
    put(
        f,
        "network.direction",
        if outbound { "outbound" } else { "inbound" },
    );
    text(f, "cisco.asa.connection_id", caps, "id");
    action(f, "connection-built", "network", &["connection", "start"]);
}

fn teardown(caps: &Captures<'_>, _: u32, f: &mut Map<String, Value>) {
    side(f, caps, "a", "source", "ingress");
    side(f, caps, "b", "destination", "egress");
    transport(f, cap(caps, "proto"));
    text(f, "cisco.asa.connection_id", caps, "id");
    text(f, "cisco.asa.duration", caps, "duration");
    number(f, "network.bytes", caps, "bytes");
    text(f, "event.reason", caps, "reason");
    action(f, "connection-teardown", "network", &["connection", "end"]);
}

fn icmp_connection(caps: &Captures<'_>, _: u32, f: &mut Map<String, Value>) {
    let inbound = cap(caps, "dir") == Some("inbound");
    let (local, foreign) = if inbound {
        ("destination", "source")
    } else {
        ("source", "destination")
    };
    text(f, &format!("{local}.ip"), caps, "l_ip");
    text(f, &format!("{local}.nat.ip"), caps, "g_ip");
    text(f, &format!("{foreign}.ip"), caps, "f_ip");
    transport(f, cap(caps, "proto"));
    if let Some(dir) = cap(caps, "dir") {
        put(f, "network.direction", dir);
    }
    number(f, "cisco.asa.icmp_seq", caps, "seq");
    number(f, "cisco.asa.icmp_type", caps, "l_type");
    if cap(caps, "kind") == Some("Built") {
        action(f, "connection-built", "network", &["connection", "start"]);
    } else {
        action(f, "connection-teardown", "network", &["connection", "end"]);
    }
}

/// Source and destination address, port and interface from `s_*`/`d_*` captures.
fn endpoints(f: &mut Map<String, Value>, caps: &Captures<'_>) {
    text(f, "source.ip", caps, "s_ip");
    number(f, "source.port", caps, "s_port");
    text(f, "observer.ingress.interface.name", caps, "s_if");
    text(f, "destination.ip", caps, "d_ip");
    number(f, "destination.port", caps, "d_port");
    text(f, "observer.egress.interface.name", caps, "d_if");
    transport(f, cap(caps, "proto").or_else(|| cap(caps, "proto2")));
    if let Some(dir) = cap(caps, "dir") {
        put(f, "network.direction", dir.to_ascii_lowercase());
    }
    number(f, "cisco.asa.icmp_type", caps, "type");
    number(f, "cisco.asa.icmp_code", caps, "code");
}

fn acl_deny(caps: &Captures<'_>, _: u32, f: &mut Map<String, Value>) {
    endpoints(f, caps);
    text(f, "rule.name", caps, "acl");
    action(f, "firewall-rule", "network", &["connection", "denied"]);
}

fn acl_log(caps: &Captures<'_>, _: u32, f: &mut Map<String, Value>) {
    endpoints(f, caps);
    text(f, "rule.name", caps, "acl");
    number(f, "cisco.asa.hit_count", caps, "hits");
    let verdict = if cap(caps, "verdict") == Some("denied") {
        "denied"
    } else {
        "allowed"
    };
    action(f, "firewall-rule", "network", &["connection", verdict]);
}

fn simple_deny(caps: &Captures<'_>, id: u32, f: &mut Map<String, Value>) {
    endpoints(f, caps);
    text(f, "cisco.asa.tcp_flags", caps, "flags");
    text(f, "event.reason", caps, "reason");
    text(f, "event.reason", caps, "reason2");
    match (id, cap(caps, "verdict")) {
        (419001 | 419002, _) => action(f, "packet-dropped", "network", &["denied"]),
        (110002, _) => action(f, "route-lookup-failed", "network", &["denied"]),
        (_, Some("requested")) => action(f, "access-requested", "network", &["connection"]),
        (_, Some("permitted")) => {
            action(f, "access-permitted", "network", &["connection", "allowed"])
        }
        (_, Some("discarded")) => {
            action(f, "request-discarded", "network", &["connection", "denied"])
        }
        _ => action(f, "connection-denied", "network", &["connection", "denied"]),
    }
}

fn translation(caps: &Captures<'_>, _: u32, f: &mut Map<String, Value>) {
    text(f, "source.ip", caps, "s_ip");
    number(f, "source.port", caps, "s_port");
    text(f, "source.nat.ip", caps, "n_ip");
    number(f, "source.nat.port", caps, "n_port");
    text(f, "observer.ingress.interface.name", caps, "s_if");
    text(f, "observer.egress.interface.name", caps, "n_if");
    transport(f, cap(caps, "proto"));
    if cap(caps, "kind") == Some("Built") {
        action(f, "translation-built", "network", &["start"]);
    } else {
        action(f, "translation-teardown", "network", &["end"]);
    }
}

fn url_accessed(caps: &Captures<'_>, _: u32, f: &mut Map<String, Value>) {
    text(f, "source.ip", caps, "s_ip");
    text(f, "source.user.name", caps, "user");
    text(f, "user.name", caps, "user");
    text(f, "destination.ip", caps, "d_ip");
    text(f, "url.original", caps, "url");
    action(f, "url-accessed", "web", &["access"]);
}

fn outcome(f: &mut Map<String, Value>, success: bool) {
    put(
        f,
        "event.outcome",
        if success { "success" } else { "failure" },
    );
}

fn login(caps: &Captures<'_>, _: u32, f: &mut Map<String, Value>) {
    endpoints(f, caps);
    text(f, "user.name", caps, "user");
    if let Some(service) = cap(caps, "service") {
        if service.parse::<u16>().is_ok() {
            put_number(f, "destination.port", service);
        } else {
            put_text(f, "network.protocol", &service.to_ascii_lowercase());
        }
    }
    let ok = cap(caps, "verdict") == Some("permitted");
    outcome(f, ok);
    action(
        f,
        if ok {
            "login-permitted"
        } else {
            "login-denied"
        },
        "authentication",
        &["start"],
    );
}

fn aaa(caps: &Captures<'_>, _: u32, f: &mut Map<String, Value>) {
    text(f, "user.name", caps, "user");
    text(f, "source.ip", caps, "ip");
    text(f, "server.address", caps, "server");
    text(f, "event.reason", caps, "reason");
    outcome(f, cap(caps, "verdict") == Some("Successful"));
    let act = match cap(caps, "kind") {
        Some("authorization") => "aaa-authorization",
        Some("accounting") => "aaa-accounting",
        _ => "aaa-authentication",
    };
    action(f, act, "authentication", &["info"]);
}

fn user_auth(caps: &Captures<'_>, _: u32, f: &mut Map<String, Value>) {
    text(f, "user.name", caps, "user");
    text(f, "source.ip", caps, "ip");
    outcome(f, cap(caps, "verdict") == Some("succeeded"));
    action(f, "user-authentication", "authentication", &["info"]);
}

fn session_disconnected(caps: &Captures<'_>, _: u32, f: &mut Map<String, Value>) {
    text(f, "user.name", caps, "user");
    text(f, "source.ip", caps, "ip");
    text(f, "cisco.asa.group", caps, "group");
    text(f, "cisco.asa.session_type", caps, "stype");
    text(f, "cisco.asa.duration", caps, "duration");
    number(f, "source.bytes", caps, "rcv");
    number(f, "destination.bytes", caps, "xmt");
    text(f, "event.reason", caps, "reason");
    action(f, "session-disconnected", "session", &["end"]);
}

fn vpn_session(caps: &Captures<'_>, _: u32, f: &mut Map<String, Value>) {
    text(f, "user.name", caps, "user");
    text(f, "source.ip", caps, "ip");
    text(f, "cisco.asa.group", caps, "group");
    text(f, "event.reason", caps, "reason");
    text(f, "cisco.asa.assigned_ip", caps, "assigned");
    text(f, "cisco.asa.assigned_ipv6", caps, "assigned6");
    match cap(caps, "what") {
        Some("started") => action(f, "webvpn-session-started", "session", &["start"]),
        Some(_) => action(f, "webvpn-session-terminated", "session", &["end"]),
        None => action(f, "address-assigned", "session", &["info"]),
    }
}

fn command(caps: &Captures<'_>, _: u32, f: &mut Map<String, Value>) {
    text(f, "user.name", caps, "user");
    text(f, "process.command_line", caps, "cmd");
    text(f, "process.name", caps, "app");
    text(f, "source.ip", caps, "ip");
    action(f, "command-executed", "configuration", &["change"]);
}

fn local_user(caps: &Captures<'_>, _: u32, f: &mut Map<String, Value>) {
    if cap(caps, "puser").is_some() {
        text(f, "user.name", caps, "puser");
        number(f, "cisco.asa.privilege.old", caps, "from");
        number(f, "cisco.asa.privilege.new", caps, "to");
        action(f, "privilege-changed", "iam", &["user", "change"]);
        return;
    }
    text(f, "user.name", caps, "user");
    number(f, "cisco.asa.privilege.new", caps, "priv");
    if cap(caps, "added").is_some() {
        action(f, "user-added", "iam", &["user", "creation"]);
    } else {
        action(f, "user-deleted", "iam", &["user", "deletion"]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceType;
    use crate::testing::{check, event, get};
    use serde_json::json;

    fn run(line: &str) -> (Map<String, Value>, crate::Outcome) {
        let mut f = event(line);
        let out = crate::normalize(Some(&SourceType::new("cisco.asa").unwrap()), &mut f);
        assert!(out.error.is_none(), "{line}: {:?}", out.error);
        (f, out)
    }

    #[test]
    fn patterns_compile_and_ids_are_unique() {
        assert_eq!(regexes().len(), PATTERNS.len());
        let mut ids: Vec<u32> = FAMILIES
            .iter()
            .flat_map(|(ids, _, _)| ids.iter().copied())
            .collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
        assert!(FAMILIES.iter().all(|(_, p, _)| *p < PATTERNS.len()));
    }

    #[test]
    fn built_outbound_is_recognised_and_initiator_is_source() {
        // Line from the logstash-patterns-core firewall spec suite (Apache-2.0).
        let line = "<191>Aug  1 14:01:20 abc-asa1: %ASA-6-302013: Built outbound TCP connection 906569140 for out-v1101:10.125.126.86/2010 (10.125.126.86/2010) to ent-v1124:100.100.100.111/51444 (10.125.1.11/37785)";
        let mut f = event(line);
        let out = crate::normalize(None, &mut f);
        assert_eq!(out.source_type.unwrap().as_str(), "cisco.asa");
        assert!(out.parsed);
        assert_eq!(out.timestamp, None);
        check(
            &f,
            &[
                ("cisco.asa.message_id", json!("302013")),
                ("event.code", json!("302013")),
                ("event.severity", json!(6)),
                ("log.level", json!("informational")),
                ("source.ip", json!("100.100.100.111")),
                ("source.port", json!(51444)),
                ("source.nat.ip", json!("10.125.1.11")),
                ("source.nat.port", json!(37785)),
                ("destination.ip", json!("10.125.126.86")),
                ("destination.port", json!(2010)),
                ("observer.ingress.interface.name", json!("ent-v1124")),
                ("observer.egress.interface.name", json!("out-v1101")),
                ("network.transport", json!("tcp")),
                ("network.direction", json!("outbound")),
                ("cisco.asa.connection_id", json!("906569140")),
                ("event.action", json!("connection-built")),
                ("event.dataset", json!("cisco.asa")),
            ],
        );
    }

    #[test]
    fn connections() {
        let (f, _) = run(
            "%ASA-6-302015: Built inbound UDP connection 7 for outside:2001:db8::1/53 (2001:db8::1/53) to inside:10.0.0.5/51000 (203.0.113.5/51000)",
        );
        check(
            &f,
            &[
                ("source.ip", json!("2001:db8::1")),
                ("source.port", json!(53)),
                ("destination.ip", json!("10.0.0.5")),
                ("destination.nat.ip", json!("203.0.113.5")),
                ("network.direction", json!("inbound")),
                ("network.transport", json!("udp")),
                ("observer.ingress.interface.name", json!("outside")),
            ],
        );
        let (f, _) = run(
            "%ASA-6-302014: Teardown TCP connection 1234 for outside:198.51.100.1/443 to inside:10.0.0.5/51000 duration 0:00:30 bytes 6021 TCP FINs from inside",
        );
        check(
            &f,
            &[
                ("source.ip", json!("198.51.100.1")),
                ("destination.port", json!(51000)),
                ("cisco.asa.duration", json!("0:00:30")),
                ("network.bytes", json!(6021)),
                ("event.reason", json!("TCP FINs from inside")),
                ("event.action", json!("connection-teardown")),
            ],
        );
        let (f, _) = run(
            "%ASA-6-302016: Teardown UDP connection 99 for outside:192.0.2.1/53 to inside:10.0.0.5/5353 duration 0:02:01 bytes 0",
        );
        check(
            &f,
            &[("network.bytes", json!(0)), ("event.reason", Value::Null)],
        );
        // From the logstash spec (header added): inbound ICMP, initiator is the foreign side.
        let (f, _) = run(
            "%ASA-6-302020: Built inbound ICMP connection for faddr 10.137.200.251/18425 gaddr 10.137.10.1/0 laddr 10.137.10.10/0",
        );
        check(
            &f,
            &[
                ("source.ip", json!("10.137.200.251")),
                ("destination.ip", json!("10.137.10.10")),
                ("destination.nat.ip", json!("10.137.10.1")),
                ("cisco.asa.icmp_seq", json!(18425)),
                ("cisco.asa.icmp_type", json!(0)),
                ("network.transport", json!("icmp")),
            ],
        );
        let (f, _) = run(
            "%ASA-6-302021: Teardown ICMP connection for faddr 10.137.200.251/18425 gaddr 10.137.10.1/0 laddr 10.137.10.10/0",
        );
        check(
            &f,
            &[
                ("source.ip", json!("10.137.10.10")),
                ("source.nat.ip", json!("10.137.10.1")),
                ("destination.ip", json!("10.137.200.251")),
                ("event.action", json!("connection-teardown")),
            ],
        );
    }

    // Lines from the logstash-patterns-core firewall spec suite (Apache-2.0); where the
    // spec line has no `%ASA-` header, the header of its message id was added.
    #[test]
    fn logstash_firewall_spec_lines() {
        let (f, _) = run(
            "%ASA-2-106001: Inbound TCP connection denied from 192.168.2.2/43803 to 10.10.10.10/14322 flags SYN on interface out111",
        );
        check(
            &f,
            &[
                ("source.ip", json!("192.168.2.2")),
                ("source.port", json!(43803)),
                ("destination.ip", json!("10.10.10.10")),
                ("destination.port", json!(14322)),
                ("observer.egress.interface.name", json!("out111")),
                ("cisco.asa.tcp_flags", json!("SYN")),
                ("network.transport", json!("tcp")),
                ("event.action", json!("connection-denied")),
                ("log.level", json!("critical")),
            ],
        );
        let (f, _) = run(
            "%ASA-2-106006: Deny inbound UDP from 192.168.2.2/65020 to 10.10.10.10/65021 on interface fw111",
        );
        check(
            &f,
            &[
                ("network.direction", json!("inbound")),
                ("network.transport", json!("udp")),
                ("source.port", json!(65020)),
                ("destination.port", json!(65021)),
                ("observer.egress.interface.name", json!("fw111")),
            ],
        );
        let (f, _) = run(
            "%ASA-3-106014: Deny inbound icmp src fw111:10.10.10.10 dst fw111:10.10.10.11(type 8, code 0)",
        );
        check(
            &f,
            &[
                ("source.ip", json!("10.10.10.10")),
                ("destination.ip", json!("10.10.10.11")),
                ("cisco.asa.icmp_type", json!(8)),
                ("cisco.asa.icmp_code", json!(0)),
                ("network.transport", json!("icmp")),
                ("observer.ingress.interface.name", json!("fw111")),
            ],
        );
        let (f, _) = run(
            "%ASA-2-106015: Deny TCP (no connection) from 192.168.150.65/2278 to 64.101.128.83/80 flags RST on interface eth0",
        );
        check(
            &f,
            &[
                ("observer.egress.interface.name", json!("eth0")),
                ("cisco.asa.tcp_flags", json!("RST")),
                ("destination.port", json!(80)),
            ],
        );
        let (f, _) = run(
            "%ASA-4-106021: Deny TCP reverse path check from 192.168.2.2 to 10.10.10.10 on interface fw111",
        );
        check(
            &f,
            &[
                ("source.ip", json!("192.168.2.2")),
                ("destination.ip", json!("10.10.10.10")),
                ("network.transport", json!("tcp")),
                ("observer.egress.interface.name", json!("fw111")),
            ],
        );
        let (f, _) = run(
            "%ASA-6-106100: access-list inside permitted tcp inside/10.10.123.45(51763) -> outside/192.168.67.89(80) hit-cnt 1 first hit [0x62c4905, 0x0]",
        );
        check(
            &f,
            &[
                ("rule.name", json!("inside")),
                ("source.ip", json!("10.10.123.45")),
                ("source.port", json!(51763)),
                ("destination.ip", json!("192.168.67.89")),
                ("destination.port", json!(80)),
                ("event.type", json!(["connection", "allowed"])),
                ("event.action", json!("firewall-rule")),
                ("cisco.asa.hit_count", json!(1)),
            ],
        );
        let (f, _) = run(
            "%ASA-6-106100: access-list outside-entry permitted tcp outside/10.11.12.13(54726) -> inside/192.168.17.18(80) hit-cnt 1 300-second interval [0x32b3835, 0x0]",
        );
        check(&f, &[("rule.name", json!("outside-entry"))]);
        let (f, _) = run(
            r#"%ASA-4-106023: Deny tcp src outside:192.168.1.1/50240 dst inside:192.168.1.2/23 by access-group "S_OUTSIDE_TO_INSIDE" [0x54c7fa80, 0x0]"#,
        );
        check(
            &f,
            &[
                ("source.ip", json!("192.168.1.1")),
                ("source.port", json!(50240)),
                ("observer.ingress.interface.name", json!("outside")),
                ("observer.egress.interface.name", json!("inside")),
                ("rule.name", json!("S_OUTSIDE_TO_INSIDE")),
                ("network.transport", json!("tcp")),
                ("event.type", json!(["connection", "denied"])),
            ],
        );
        let (f, _) = run(
            r#"%ASA-4-106023: Deny protocol 103 src outside:192.168.1.1/50240 dst inside:192.168.1.2/23 by access-group "S_OUTSIDE_TO_INSIDE" [0x54c7fa80, 0x0]"#,
        );
        check(
            &f,
            &[
                ("network.transport", json!("103")),
                ("destination.port", json!(23)),
            ],
        );
        let (f, _) = run(
            r#"%ASA-4-106023: Deny tcp src outside:192.168.1.1/50240 dst inside:www.example.com/23 by access-group "S_OUTSIDE_TO_INSIDE" [0x54c7fa80, 0x0]"#,
        );
        check(
            &f,
            &[
                ("destination.ip", json!("www.example.com")),
                ("destination.port", json!(23)),
            ],
        );
        let (f, _) = run(
            r"%ASA-5-304001: 10.20.30.40(DOMAIN\login) Accessed URL 10.11.12.13:http://example.org/",
        );
        check(
            &f,
            &[
                ("source.ip", json!("10.20.30.40")),
                ("source.user.name", json!(r"DOMAIN\login")),
                ("destination.ip", json!("10.11.12.13")),
                ("url.original", json!("http://example.org/")),
            ],
        );
        let (f, _) = run(
            "ASA-6-110002: Failed to locate egress interface for TCP from sourceInterfaceName:91.240.17.178/7777 to 192.168.2.2/123412",
        );
        check(
            &f,
            &[
                ("event.reason", json!("Failed to locate egress interface")),
                ("source.port", json!(7777)),
                (
                    "observer.ingress.interface.name",
                    json!("sourceInterfaceName"),
                ),
                ("destination.port", json!(123412)),
            ],
        );
        let (f, _) = run(
            "ASA-6-302013: Built outbound TCP connection 11757 for outside:100.66.205.104/80 (100.66.205.104/80) to inside:172.31.98.44/1772 (172.31.98.44/1772)",
        );
        check(
            &f,
            &[
                ("source.ip", json!("172.31.98.44")),
                ("destination.ip", json!("100.66.205.104")),
                ("destination.nat.ip", json!("100.66.205.104")),
                ("destination.nat.port", json!(80)),
                ("cisco.asa.connection_id", json!("11757")),
            ],
        );
        let (f, _) = run(
            "%ASA-6-305011: Built dynamic TCP translation from inside:172.31.98.44/1772 to outside:100.66.98.44/8256",
        );
        check(
            &f,
            &[
                ("source.ip", json!("172.31.98.44")),
                ("source.port", json!(1772)),
                ("source.nat.ip", json!("100.66.98.44")),
                ("source.nat.port", json!(8256)),
                ("observer.ingress.interface.name", json!("inside")),
                ("observer.egress.interface.name", json!("outside")),
            ],
        );
        let (f, _) =
            run("ASA-3-313001: Denied ICMP type=3, code=3 from 10.2.3.5 on interface Outside");
        check(
            &f,
            &[
                ("source.ip", json!("10.2.3.5")),
                ("cisco.asa.icmp_type", json!(3)),
                ("cisco.asa.icmp_code", json!(3)),
                ("network.transport", json!("icmp")),
            ],
        );
        let (f, _) = run(
            "%ASA-4-419001: Dropping TCP packet from outside:65.55.184.155/80 to inside:192.168.10.11/49043, reason: MSS exceeded, MSS 1380, data 1460",
        );
        check(
            &f,
            &[
                ("source.ip", json!("65.55.184.155")),
                ("source.port", json!(80)),
                ("destination.port", json!(49043)),
                ("event.reason", json!("MSS exceeded, MSS 1380, data 1460")),
                ("event.action", json!("packet-dropped")),
            ],
        );
        let (f, _) = run(
            "%ASA-4-419002: Duplicate TCP SYN from OUTSIDE:10.10.66.2/65087 to INSIDE:10.10.1.6/443 with different initial sequence number.",
        );
        check(
            &f,
            &[
                ("event.reason", json!("Duplicate TCP SYN")),
                ("source.port", json!(65087)),
                ("observer.egress.interface.name", json!("INSIDE")),
            ],
        );
        let (f, _) = run(
            "%PIX-7-710001: TCP access requested from 192.168.1.2/2354 to inside:192.168.1.1/443",
        );
        check(
            &f,
            &[
                ("source.port", json!(2354)),
                ("destination.ip", json!("192.168.1.1")),
                ("destination.port", json!(443)),
                ("event.action", json!("access-requested")),
                ("log.level", json!("debugging")),
            ],
        );
        // Ids this parser does not read further: header fields only.
        for line in [
            "%ASA-4-402117: IPSEC: Received a non-IPSec packet (protocol= ICMP) from 10.5.1.127 to 192.168.6.102.",
            "%ASA-4-402119: IPSEC: Received an ESP packet (SPI= 0x1B86506B, sequence number= 0x28B) from 68.18.122.4 (user= Bangalo) to 10.10.1.1 that failed anti-replay checking.",
            "%ASA-6-602303: IPSEC: An outbound LAN-to-LAN SA (SPI= 0xF81283) between 91.240.17.178 and 192.168.2.2 (user= admin) has been created.",
            "%ASA-6-713172: Group = 212.9.5.245, IP = 212.9.5.245, Automatic NAT Detection Status:    Remote end is NOT behind a NAT device    This  end  IS  behind a NAT device",
            "%ASA-4-733100: [192.168.2.2] drop rate-1 exceeded. Current burst rate is 0 per second, max configured rate is -4; Current average rate is 7 per second, max configured rate is -5; Cumulative total count is 9063",
            "%ASA-3-313005: No matching connection for ICMP error message: icmp src fw111:10.192.33.100 dst fw111:192.18.4.1 (type 3, code 3) on fw111 interface. Original IP payload: udp src 192.18.4.1/53 dst 8.8.8.8/10872.",
        ] {
            let (f, out) = run(line);
            assert!(out.parsed);
            assert!(f.get("source").is_none(), "{line}");
            assert!(get(&f, "cisco.asa.message_id").is_string());
        }
    }

    #[test]
    fn logins_and_authentication() {
        let (f, _) = run(
            r#"%ASA-6-605005: Login permitted from 192.0.2.10/51234 to inside:10.0.0.1/ssh for user "admin""#,
        );
        check(
            &f,
            &[
                ("user.name", json!("admin")),
                ("source.ip", json!("192.0.2.10")),
                ("source.port", json!(51234)),
                ("destination.ip", json!("10.0.0.1")),
                ("network.protocol", json!("ssh")),
                ("event.outcome", json!("success")),
                ("event.action", json!("login-permitted")),
                ("event.category", json!(["authentication"])),
            ],
        );
        let (f, _) = run(
            r#"%ASA-6-605004: Login denied from 192.0.2.10/51234 to outside:10.0.0.1/https for user "root""#,
        );
        check(
            &f,
            &[
                ("event.outcome", json!("failure")),
                ("event.action", json!("login-denied")),
            ],
        );
        let (f, _) = run(
            "%ASA-6-113004: AAA user authentication Successful : server =  10.1.1.10 : user = alice",
        );
        check(
            &f,
            &[
                ("user.name", json!("alice")),
                ("server.address", json!("10.1.1.10")),
                ("event.outcome", json!("success")),
                ("event.action", json!("aaa-authentication")),
            ],
        );
        let (f, _) = run(
            "%ASA-6-113005: AAA user authentication Rejected : reason = AAA failure : server = 10.1.1.10 : user = bob : user IP = 192.0.2.7",
        );
        check(
            &f,
            &[
                ("user.name", json!("bob")),
                ("source.ip", json!("192.0.2.7")),
                ("event.reason", json!("AAA failure")),
                ("event.outcome", json!("failure")),
            ],
        );
        let (f, _) = run(
            "%ASA-6-113012: AAA user authentication Successful : local database : user = admin",
        );
        check(
            &f,
            &[
                ("user.name", json!("admin")),
                ("event.outcome", json!("success")),
            ],
        );
        let (f, _) = run(
            "%ASA-6-113015: AAA user authentication Rejected : reason = Invalid password : local database : user = ***** : user IP = 192.0.2.8",
        );
        check(
            &f,
            &[
                ("user.name", json!("*****")),
                ("source.ip", json!("192.0.2.8")),
                ("event.reason", json!("Invalid password")),
            ],
        );
        let (f, _) = run(
            "%ASA-6-611101: User authentication succeeded: IP address: 192.0.2.9, Uname: admin",
        );
        check(
            &f,
            &[
                ("user.name", json!("admin")),
                ("source.ip", json!("192.0.2.9")),
                ("event.outcome", json!("success")),
            ],
        );
        let (f, _) = run("%ASA-6-611102: User authentication failed: IP = 192.0.2.9, Uname: admin");
        assert_eq!(get(&f, "error.type"), &Value::Null, "{f:?}");
        check(&f, &[("event.outcome", json!("failure"))]);
    }

    #[test]
    fn vpn_sessions_and_commands() {
        let (f, _) = run(
            "%ASA-4-113019: Group = VPN-Users, Username = carol, IP = 198.51.100.23, Session disconnected. Session Type: SSL, Duration: 0h:10m:05s, Bytes xmt: 1000, Bytes rcv: 2000, Reason: User Requested",
        );
        check(
            &f,
            &[
                ("user.name", json!("carol")),
                ("source.ip", json!("198.51.100.23")),
                ("cisco.asa.group", json!("VPN-Users")),
                ("source.bytes", json!(2000)),
                ("destination.bytes", json!(1000)),
                ("event.reason", json!("User Requested")),
            ],
        );
        let (f, _) = run(
            "%ASA-6-716001: Group <GroupPolicy_VPN> User <dave> IP <198.51.100.24> WebVPN session started.",
        );
        check(
            &f,
            &[
                ("user.name", json!("dave")),
                ("event.action", json!("webvpn-session-started")),
            ],
        );
        let (f, _) = run(
            "%ASA-6-716002: Group <GroupPolicy_VPN> User <dave> IP <198.51.100.24> WebVPN session terminated: User Requested.",
        );
        check(
            &f,
            &[
                ("event.reason", json!("User Requested")),
                ("event.action", json!("webvpn-session-terminated")),
            ],
        );
        let (f, _) = run(
            "%ASA-4-722051: Group <GroupPolicy_VPN> User <dave> IP <198.51.100.24> IPv4 Address <10.10.10.5> IPv6 address <::> assigned to session",
        );
        check(
            &f,
            &[
                ("cisco.asa.assigned_ip", json!("10.10.10.5")),
                ("event.action", json!("address-assigned")),
            ],
        );
        let (f, _) =
            run("%ASA-5-111008: User 'enable_15' executed the 'configure terminal' command.");
        check(
            &f,
            &[
                ("user.name", json!("enable_15")),
                ("process.command_line", json!("configure terminal")),
                ("event.action", json!("command-executed")),
            ],
        );
        let (f, _) = run("%ASA-7-111009: User 'admin' executed cmd: show running-config");
        check(
            &f,
            &[("process.command_line", json!("show running-config"))],
        );
        let (f, _) = run(
            "%ASA-5-111010: User 'admin', running 'CLI' from IP 192.0.2.50, executed 'write erase'",
        );
        check(
            &f,
            &[
                ("process.command_line", json!("write erase")),
                ("process.name", json!("CLI")),
                ("source.ip", json!("192.0.2.50")),
            ],
        );
        let (f, _) = run("%ASA-5-502103: User priv level changed: Uname: eve From: 1 To: 15");
        check(
            &f,
            &[
                ("user.name", json!("eve")),
                ("cisco.asa.privilege.old", json!(1)),
                ("cisco.asa.privilege.new", json!(15)),
                ("event.action", json!("privilege-changed")),
            ],
        );
        let (f, _) = run(
            "%ASA-5-502101: New user added to local dbase: Uname: mallory Priv: 15 Encpass: ***",
        );
        check(
            &f,
            &[
                ("user.name", json!("mallory")),
                ("event.action", json!("user-added")),
            ],
        );
        let (f, _) = run(
            "%ASA-5-502102: User deleted from local dbase: Uname: mallory Priv: 15 Encpass: ***",
        );
        check(&f, &[("event.action", json!("user-deleted"))]);
    }

    #[test]
    fn ftd_errors_and_recognition() {
        let mut f = event(
            "<166>2024-01-01T00:00:00Z fw %FTD-6-302013: Built inbound TCP connection 5 for outside:192.0.2.1/1 (192.0.2.1/1) to inside:10.0.0.1/2 (10.0.0.1/2)",
        );
        let out = crate::normalize(None, &mut f);
        assert_eq!(out.source_type.unwrap().as_str(), "cisco.ftd");
        check(
            &f,
            &[
                ("observer.product", json!("FTD")),
                ("source.ip", json!("192.0.2.1")),
            ],
        );
        // Declared asa, FTD text: refined.
        let (_, out) = run("%FTD-1-430003: EventPriority: Low, DeviceUUID: x");
        assert_eq!(out.source_type.unwrap().as_str(), "cisco.ftd");

        let mut f = event("%ASA-6-302013: Built sideways TCP connection");
        let out = crate::normalize(Some(&SourceType::new("cisco.asa").unwrap()), &mut f);
        assert_eq!(out.error.unwrap().reason, "unexpected_message_text");
        assert_eq!(
            f["cisco"]["asa"]["message_id"],
            json!("302013"),
            "header fields stay"
        );
        let mut f = event("no header at all");
        let out = crate::normalize(Some(&SourceType::new("cisco.asa").unwrap()), &mut f);
        assert_eq!(out.error.unwrap().reason, "no_header");
        for text in [
            "%ASA-9-302013: x",
            "%ASA-6-30201: x",
            "ASA-6-302013: x",
            "%ASA-6-302013 x",
            "100%ASA",
        ] {
            let mut f = event(text);
            assert_eq!(crate::normalize(None, &mut f).source_type, None, "{text}");
        }
    }

    #[test]
    fn logstash_spec_fixture_lines() {
        let Some(dir) = crate::testing::fixture(
            "cisco_asa_logstash_spec_fixture",
            "multi/logstash_patterns_core_specs",
        ) else {
            return;
        };
        // Every quoted line of the spec that holds a `%ASA-`/`%PIX-` header parses with no
        // error (the cases above assert their values).
        let text = std::fs::read_to_string(dir.join("firewalls_spec.rb")).unwrap();
        let mut lines = 0;
        for quoted in text
            .split(['"', '\''])
            .filter(|s| s.contains("%ASA-") || s.contains("%PIX-"))
        {
            let mut f = event(quoted);
            let out = crate::normalize(Some(&SourceType::new("cisco.asa").unwrap()), &mut f);
            assert!(out.parsed, "{quoted}: {:?}", out.error);
            lines += 1;
        }
        assert_eq!(lines, 9);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            let mut f = event(&text);
            let _ = crate::normalize(None, &mut f);
            for id in ["302013", "302014", "106023", "106100", "113005", "611101", "111010", "502103", "716002"] {
                let mut f = event(&format!("%ASA-6-{id}: {text}"));
                let _ = crate::normalize(Some(&SourceType::new("cisco.asa").unwrap()), &mut f);
            }
        }

        #[test]
        fn mutated_lines_never_panic(cut in 0usize..200, insert in "[%:/() a-z0-9é-]{0,8}") {
            let line = "%ASA-6-302013: Built outbound TCP connection 906569140 for out-v1101:10.125.126.86/2010 (10.125.126.86/2010) to ent-v1124:100.100.100.111/51444 (10.125.1.11/37785)";
            let at = line.char_indices().map(|(i, _)| i).nth(cut % line.len()).unwrap_or(0);
            let mutated = format!("{}{insert}{}", &line[..at], &line[at..]);
            let mut f = event(&mutated);
            let _ = crate::normalize(None, &mut f);
            let mut f = event(&line[..at]);
            let _ = crate::normalize(Some(&SourceType::new("cisco.asa").unwrap()), &mut f);
        }
    }
}
