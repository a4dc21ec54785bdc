//! FortiGate (FortiOS) logs: space-separated `key=value` pairs, values bare or in double
//! quotes (which may hold spaces and `\"`), e.g. `date=2019-05-10 time=11:37:47
//! logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root"
//! srcip=10.1.100.11 srcport=58012 ...`, usually after a syslog header.
//!
//! Source types: declared `fortinet.fortigate` or any `fortinet.*`; recognised as
//! `fortinet.fortigate` when the text holds `devid="FG` or `devid=FG` and ` logid=` (markers
//! `logid=`).
//!
//! Every pair is kept as a top-level field named as FortiOS writes it (`action`, `cfgpath`,
//! `cfgattr`, `logdesc`, `type`, `subtype`, `user`, ...: the names the SigmaHQ `fortigate`
//! rules test), as a string. A field the event already has (its `message`, or an ECS object
//! this parser writes such as `user` when `user.name` is set) is not overwritten: that pair
//! goes to `fortinet.fortigate.<key>` instead. At most 256 pairs are read.
//!
//! | ECS field | from |
//! |---|---|
//! | `source.ip`, `source.port` | `srcip` (else `remip`, the VPN peer), `srcport` |
//! | `destination.ip`, `destination.port` | `dstip`, `dstport` |
//! | `network.transport` | `proto` (6 tcp, 17 udp, 1 icmp, 58 ipv6-icmp, else the number) |
//! | `event.action`, `event.code`, `log.level` | `action`, `logid`, `level` |
//! | `user.name` | `user` (not `N/A`) |
//! | `observer.name`, `observer.serial_number`, `observer.vendor`/`product` | `devname`, `devid`, `Fortinet`/`FortiGate` |
//! | `rule.id` | `policyid` |
//! | `source.bytes`, `destination.bytes` | `sentbyte`, `rcvdbyte` |
//!
//! The time is `date` + `time` in the offset `tz` (`+0200`, `-0700`); without `tz` it is
//! `eventtime` (epoch seconds, milliseconds, microseconds or nanoseconds, by magnitude), else
//! none. A line with no `key=value` pair at all is an error (`no_pairs`).

use jiff::civil::{Date, DateTime};
use serde_json::{Map, Value};

use super::cef::{clock, epoch, in_zone, shown, zone};
use super::{Ctx, Format, Input};
use crate::ParseError;
use crate::fields::{put, put_number, put_text};

pub(crate) const FORMAT: Format = Format {
    name: "fortigate",
    claims: &["fortinet.fortigate", "fortinet."],
    recognise,
    markers: &["logid="],
    parse,
};

/// Most pairs read from one line.
const MAX_PAIRS: usize = 256;

fn recognise(input: &Input<'_>) -> Option<&'static str> {
    let text = input.message?;
    let finder = |needle: &[u8]| memchr::memmem::find(text.as_bytes(), needle).is_some();
    let devid = finder(b"devid=\"FG") || finder(b"devid=FG");
    let logid = finder(b" logid=") || text.starts_with("logid=");
    (devid && logid).then_some("fortinet.fortigate")
}

/// The `key=value` pairs of a line: keys are `[A-Za-z0-9_-]+`; a value is a double-quoted
/// string (`\"` and `\\` escapes) or runs to the next space. Text that is not a pair (a
/// syslog header) is skipped.
fn pairs(line: &str) -> Vec<(&str, String)> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() && out.len() < MAX_PAIRS {
        // At the start of a word.
        let start = i;
        while i < bytes.len()
            && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'-'))
        {
            i += 1;
        }
        if i == start {
            // Not a key byte (a space, `<` of a syslog priority, ...): step over it.
            i += 1;
            continue;
        }
        if i >= bytes.len() || bytes[i] != b'=' {
            // A word that is not a key: go on from the byte that ended it.
            continue;
        }
        let key = &line[start..i];
        i += 1;
        let value = if bytes.get(i) == Some(&b'"') {
            i += 1;
            let mut value = String::new();
            let mut from = i;
            loop {
                match bytes.get(i) {
                    None => {
                        // Unterminated quote: the rest of the line.
                        value.push_str(&line[from..]);
                        break;
                    }
                    Some(b'\\') if matches!(bytes.get(i + 1), Some(b'"' | b'\\')) => {
                        value.push_str(&line[from..i]);
                        value.push(char::from(bytes[i + 1]));
                        i += 2;
                        from = i;
                    }
                    Some(b'"') => {
                        value.push_str(&line[from..i]);
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            value
        } else {
            let from = i;
            while i < bytes.len() && bytes[i] != b' ' {
                i += 1;
            }
            line[from..i].to_owned()
        };
        out.push((key, value));
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
    }
    out
}

fn parse(ctx: &mut Ctx<'_>) -> Result<(), ParseError> {
    let line = ctx.line()?;
    let pairs = pairs(&line);
    if pairs.is_empty() {
        return Err(ParseError::new(
            "no_pairs",
            format!("no `key=value` pair in {:?}", shown(&line)),
        ));
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    };
    // Every FortiOS log line names its log id; pairs without one are another sender's.
    if get("logid").is_none() {
        return Err(ParseError::new(
            "no_logid",
            format!("no `logid=` in {:?}", shown(&line)),
        ));
    }
    let f = &mut *ctx.fields;
    // ECS first, so that the vendor's `user` does not block `user.name`.
    put_text(f, "observer.vendor", "Fortinet");
    put_text(f, "observer.product", "FortiGate");
    if let Some(ip) = get("srcip").or_else(|| get("remip")) {
        put_text(f, "source.ip", ip);
    }
    for (key, path, numeric) in [
        ("srcport", "source.port", true),
        ("dstip", "destination.ip", false),
        ("dstport", "destination.port", true),
        ("action", "event.action", false),
        ("logid", "event.code", false),
        ("level", "log.level", false),
        ("devname", "observer.name", false),
        ("devid", "observer.serial_number", false),
        ("policyid", "rule.id", false),
        ("sentbyte", "source.bytes", true),
        ("rcvdbyte", "destination.bytes", true),
    ] {
        if let Some(value) = get(key) {
            if numeric {
                put_number(f, path, value);
            } else {
                put_text(f, path, value);
            }
        }
    }
    if let Some(user) = get("user").filter(|u| *u != "N/A") {
        put_text(f, "user.name", user);
    }
    if let Some(proto) = get("proto") {
        let transport = match proto {
            "6" => "tcp",
            "17" => "udp",
            "1" => "icmp",
            "58" => "ipv6-icmp",
            other => other,
        };
        put_text(f, "network.transport", transport);
    }
    for (key, value) in &pairs {
        if !f.contains_key(*key) {
            f.insert((*key).to_owned(), Value::String(value.clone()));
        } else {
            put_vendor(f, key, value);
        }
    }

    ctx.timestamp = match (get("date"), get("time"), get("tz").and_then(zone)) {
        (Some(date), Some(time), Some(tz)) => {
            civil(date, time).and_then(|dt| in_zone(dt, Some(tz)))
        }
        _ => None,
    }
    .or_else(|| epoch(get("eventtime")?.parse().ok()?));
    Ok(())
}

/// A pair whose name the event already has, kept under `fortinet.fortigate` (keys hold no
/// dots, so the path is exact).
fn put_vendor(f: &mut Map<String, Value>, key: &str, value: &str) {
    put(f, &format!("fortinet.fortigate.{key}"), value);
}

/// `date` (`yyyy-MM-dd`) and `time` (`HH:mm:ss`) as a civil time.
fn civil(date: &str, time: &str) -> Option<DateTime> {
    let mut d = date.split('-');
    let date = Date::new(
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    )
    .ok()?;
    Some(DateTime::from_parts(date, clock(time)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceType;
    use crate::testing::{event, ts};
    use serde_json::json;

    fn run(line: &str) -> (Map<String, Value>, crate::Outcome) {
        let mut f = event(line);
        let out = crate::normalize(
            Some(&SourceType::new("fortinet.fortigate").unwrap()),
            &mut f,
        );
        (f, out)
    }

    #[test]
    fn traffic_line_is_recognised_and_read() {
        let line = r#"<189>date=2019-05-10 time=11:37:47 logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" eventtime=1557513467 srcip=10.1.100.11 srcport=58012 srcintf="port12" dstip=23.59.154.35 dstport=80 dstintf="port11" poluuid="c2d460aa" sessionid=2949 proto=6 action="close" policyid=1 service="HTTP" dstcountry="United States" sentbyte=1 rcvdbyte=2 devname="FGT-A" devid="FG100E0000000001" tz="+0200" user="bob smith" msg="say \"hi\"""#;
        let mut f = event(line);
        let out = crate::normalize(None, &mut f);
        assert_eq!(out.source_type.unwrap().as_str(), "fortinet.fortigate");
        assert!(out.parsed, "{:?}", out.error);
        assert_eq!(out.timestamp, Some(ts("2019-05-10T09:37:47Z")));
        assert_eq!(f["source"]["ip"], json!("10.1.100.11"));
        assert_eq!(f["source"]["port"], json!(58012));
        assert_eq!(f["destination"]["ip"], json!("23.59.154.35"));
        assert_eq!(f["destination"]["port"], json!(80));
        assert_eq!(f["network"]["transport"], json!("tcp"));
        assert_eq!(f["event"]["action"], json!("close"));
        assert_eq!(f["event"]["code"], json!("0000000013"));
        assert_eq!(f["rule"]["id"], json!("1"));
        assert_eq!(f["observer"]["name"], json!("FGT-A"));
        assert_eq!(f["observer"]["serial_number"], json!("FG100E0000000001"));
        assert_eq!(f["user"]["name"], json!("bob smith"));
        assert_eq!(f["source"]["bytes"], json!(1));
        // Vendor keys as written.
        assert_eq!(f["type"], json!("traffic"));
        assert_eq!(f["subtype"], json!("forward"));
        assert_eq!(f["dstcountry"], json!("United States"));
        assert_eq!(f["srcport"], json!("58012"));
        assert_eq!(f["msg"], json!("say \"hi\""));
        // `user` is taken by the ECS `user` object: kept under fortinet.fortigate.
        assert_eq!(f["fortinet"]["fortigate"]["user"], json!("bob smith"));
        assert_eq!(f["date"], json!("2019-05-10"));
        assert_eq!(f["message"], json!(line));
    }

    #[test]
    fn config_change_fields_for_sigma() {
        let line = r#"date=2023-01-01 time=10:00:00 devname="FW" devid="FGT60F" logid="0100044547" type="event" subtype="system" level="information" vd="root" logdesc="Object attribute configured" user="admin" ui="GUI(10.0.0.1)" action="Add" cfgtid=1 cfgpath="system.admin" cfgobj="eviladmin" cfgattr="accprofile[super_admin]" msg="Add system.admin eviladmin""#;
        let (f, out) = run(line);
        assert!(out.parsed);
        assert_eq!(out.timestamp, None, "no tz and no eventtime");
        assert_eq!(f["action"], json!("Add"));
        assert_eq!(f["cfgpath"], json!("system.admin"));
        assert_eq!(f["cfgattr"], json!("accprofile[super_admin]"));
        assert_eq!(f["logdesc"], json!("Object attribute configured"));
        assert_eq!(f["user"]["name"], json!("admin"));
        // Recognised: `devid` starts with FG and there is a ` logid=`.
        let mut g = event(line);
        assert_eq!(
            crate::normalize(None, &mut g).source_type.unwrap().as_str(),
            "fortinet.fortigate"
        );
    }

    #[test]
    fn edge_cases() {
        // Unterminated quote, empty value, no tz: eventtime in nanoseconds.
        let (f, out) = run(r#"logid="0100032001" eventtime=1728938800841267391 a= b="x y"#);
        assert!(out.parsed);
        assert_eq!(out.timestamp, Some(ts("2024-10-14T20:46:40.841267391Z")));
        assert_eq!(f["a"], json!(""));
        assert_eq!(f["b"], json!("x y"));
        let (f, _) = run("logid=1 proto=47 user=N/A");
        assert_eq!(f["network"]["transport"], json!("47"));
        assert_eq!(f["user"], json!("N/A"), "N/A is not a user name");
        let (_, out) = run("no pairs here");
        assert_eq!(out.error.unwrap().reason, "no_pairs");
        let (_, out) = run("another sender's key=value line");
        assert_eq!(out.error.unwrap().reason, "no_logid");
        let (_, out) =
            run(r#"logid=1 date=2024-10-14 time=13:46:40 tz="bogus" eventtime=1728938800"#);
        assert_eq!(out.timestamp, Some(ts("2024-10-14T20:46:40Z")));
        for text in ["logid=1 devid=XX", "devid=FG1 nologid", "hello"] {
            let mut f = event(text);
            assert_eq!(crate::normalize(None, &mut f).source_type, None, "{text}");
        }
        // Declared with another fortinet type.
        let mut f = event("logid=1");
        let out = crate::normalize(Some(&SourceType::new("fortinet.fortiweb").unwrap()), &mut f);
        assert!(out.parsed);
    }

    #[test]
    fn crowdsec_vpn_fixture() {
        let Some(dir) = crate::testing::fixture(
            "fortigate_vpn_fixture",
            "multi/crowdsec_hub_tests/fortinet-vpn-bf",
        ) else {
            return;
        };
        let text = std::fs::read_to_string(dir.join("fortinet-vpn-bf.log")).unwrap();
        let mut parsed = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let (f, out) = run(line);
            assert!(out.parsed, "{line}: {:?}", out.error);
            parsed.push((f, out));
        }
        assert_eq!(parsed.len(), 9);
        // Expected values from the suite's parser.assert: action, msg, reason, source ip,
        // subtype, target user, tunnel type.
        let (f, out) = &parsed[0];
        assert_eq!(f["action"], json!("ssl-login-fail"));
        assert_eq!(f["msg"], json!("SSL user failed to logged in"));
        assert_eq!(f["reason"], json!("sslvpn_login_unknown_user"));
        assert_eq!(f["source"]["ip"], json!("192.168.0.1"));
        assert_eq!(f["subtype"], json!("vpn"));
        assert_eq!(f["user"], json!("N/A"));
        assert_eq!(f["tunneltype"], json!("ssl-web"));
        assert_eq!(f["event"]["action"], json!("ssl-login-fail"));
        assert_eq!(out.timestamp, Some(ts("2024-10-14T20:46:40Z")));
        let (f, _) = &parsed[1];
        assert_eq!(f["user"]["name"], json!("sapservicecq1"));
        assert_eq!(f["fortinet"]["fortigate"]["user"], json!("sapservicecq1"));
        assert_eq!(f["reason"], json!("sslvpn_login_no_matching_policy"));
        // The sample has no devid: declared type needed, not recognised.
        let mut g = event(text.lines().next().unwrap());
        assert_eq!(crate::normalize(None, &mut g).source_type, None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            let mut f = event(&text);
            let _ = crate::normalize(None, &mut f);
            let _ = run(&text);
        }

        #[test]
        fn mutated_lines_never_panic(cut in 0usize..200, insert in "[\"=\\\\ a-z0-9é]{0,8}") {
            let line = r#"date=2024-10-14 time=13:46:40 eventtime=1728938800841267391 tz="-0700" logid="0101039426" devid="FG1" user="a \"b\"" remip=192.168.0.1"#;
            let at = line.char_indices().map(|(i, _)| i).nth(cut % line.len()).unwrap_or(0);
            let mutated = format!("{}{insert}{}", &line[..at], &line[at..]);
            let _ = run(&mutated);
            let _ = run(&line[..at]);
        }
    }
}
