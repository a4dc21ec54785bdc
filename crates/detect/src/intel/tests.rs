//! Matching of IOC sets on events.

use std::path::Path;

use jiff::Timestamp;
use serde_json::{Value, json};
use vigie_event::{Event, TenantId};

use super::*;

fn event(tenant: i64, fields: Value) -> Event {
    let Value::Object(map) = fields else {
        panic!("event fields must be an object")
    };
    Event::new(TenantId(tenant), Timestamp::UNIX_EPOCH, "test", map)
}

fn indicator(kind: IocKind, value: &str) -> Indicator {
    Indicator {
        kind,
        value: value.to_owned(),
        expires: None,
        reference: None,
    }
}

fn set(name: &str, indicators: Vec<Indicator>) -> IocSet {
    IocSet {
        version: 1,
        name: name.to_owned(),
        source: "test feed".to_owned(),
        description: None,
        level: Level::High,
        expires: None,
        indicators,
    }
}

fn now() -> Timestamp {
    "2026-12-01T00:00:00Z".parse().unwrap()
}

fn intel(sets: &[(IocSet, Option<TenantId>)]) -> (Intel, Vec<Refused>) {
    let mut intel = Intel::new();
    let mut refused = Vec::new();
    for (set, tenant) in sets {
        intel.add(set, *tenant, Path::new("intel/x.json"), now(), &mut refused);
    }
    (intel, refused)
}

#[test]
fn every_kind_matches_where_events_carry_it() {
    let (intel, refused) = intel(&[(
        set(
            "feed",
            vec![
                indicator(IocKind::Ip, "198.51.100.7"),
                indicator(IocKind::Cidr, "203.0.113.0/24"),
                indicator(IocKind::Ip, "2001:db8::1"),
                indicator(IocKind::Domain, "Evil.Example."),
                indicator(IocKind::Url, "HTTP://Bad.Example/drop/x.exe"),
                indicator(
                    IocKind::Sha256,
                    "EF537F25C895BFA782526529A9B63D97AA631564D5D789C2B765448C8635FB6C",
                ),
                indicator(IocKind::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
                indicator(IocKind::UserAgent, "EvilBot/1.0"),
            ],
        ),
        None,
    )]);
    assert!(refused.is_empty(), "{refused:?}");
    assert_eq!(intel.len(), 8);
    let cases = [
        (
            json!({"DestinationIp": "198.51.100.7"}),
            "198.51.100.7",
            "DestinationIp",
        ),
        (
            json!({"source": {"ip": "203.0.113.99"}}),
            "203.0.113.0/24",
            "source.ip",
        ),
        (json!({"IpAddress": "::ffff:203.0.113.5"}), "", ""),
        (
            json!({"client.ip": "2001:db8:0:0::1"}),
            "2001:db8::1",
            "client.ip",
        ),
        (
            json!({"QueryName": "cdn.evil.example"}),
            "Evil.Example.",
            "QueryName",
        ),
        (
            json!({"url": {"full": "http://bad.example/drop/x.exe"}}),
            "HTTP://Bad.Example/drop/x.exe",
            "url.full",
        ),
        (
            json!({"url": {"full": "https://sub.evil.example/a"}}),
            "Evil.Example.",
            "url.full",
        ),
        (
            json!({"Hashes": "SHA1=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,MD5=D41D8CD98F00B204E9800998ECF8427E,SHA256=0000000000000000000000000000000000000000000000000000000000000000"}),
            "d41d8cd98f00b204e9800998ecf8427e",
            "Hashes",
        ),
        (
            json!({"file": {"hash": {"sha256": "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"}}}),
            "EF537F25C895BFA782526529A9B63D97AA631564D5D789C2B765448C8635FB6C",
            "file.hash.sha256",
        ),
        (
            json!({"user_agent": {"original": "EvilBot/1.0"}}),
            "EvilBot/1.0",
            "user_agent.original",
        ),
        // A user agent is only looked for in user-agent fields.
        (json!({"message": "EvilBot/1.0"}), "", ""),
        (json!({"QueryName": "notevil.example"}), "", ""),
        (json!({"DestinationIp": "198.51.100.8"}), "", ""),
        (json!({"CommandLine": "ping 198.51.100.7"}), "", ""),
    ];
    for (fields, indicator, field) in cases {
        let hits = intel.matches(&event(1, fields.clone()), now());
        if indicator.is_empty() {
            // `::ffff:203.0.113.5` is an IPv6 address: the IPv4 network does not hold it.
            assert!(hits.is_empty(), "{fields}: {hits:?}");
            continue;
        }
        assert_eq!(hits.len(), 1, "{fields}: {hits:?}");
        assert_eq!(hits[0].indicator, indicator, "{fields}");
        assert_eq!(hits[0].field, field, "{fields}");
        assert_eq!(hits[0].set, "feed");
        assert_eq!(hits[0].rule_id(), "ioc:feed");
    }
}

#[test]
fn tenant_sets_match_only_their_tenant_and_expired_indicators_never() {
    let mut expiring = set(
        "old",
        vec![
            Indicator {
                expires: Some("2026-12-02T00:00:00Z".parse().unwrap()),
                ..indicator(IocKind::Ip, "192.0.2.1")
            },
            Indicator {
                expires: Some("2026-11-01T00:00:00Z".parse().unwrap()),
                ..indicator(IocKind::Ip, "192.0.2.2")
            },
        ],
    );
    expiring.level = Level::Medium;
    let (intel, _) = intel(&[
        (
            set("cpas", vec![indicator(IocKind::Ip, "192.0.2.9")]),
            Some(TenantId(2)),
        ),
        (expiring, None),
    ]);
    assert_eq!(intel.sets()[1].expired, 1);
    let ip = |t, ip: &str| intel.matches(&event(t, json!({"ip": ip})), now());
    assert_eq!(ip(2, "192.0.2.9").len(), 1);
    assert!(ip(1, "192.0.2.9").is_empty(), "another tenant's set");
    assert_eq!(ip(1, "192.0.2.1")[0].level, Level::Medium);
    assert!(ip(1, "192.0.2.2").is_empty(), "expired at load");
    // Expired since load.
    let later: Timestamp = "2026-12-03T00:00:00Z".parse().unwrap();
    assert!(
        intel
            .matches(&event(1, json!({"ip": "192.0.2.1"})), later)
            .is_empty()
    );
}

#[test]
fn one_hit_per_set_and_bad_values_are_named() {
    let (intel, refused) = intel(&[
        (
            set(
                "a",
                vec![
                    indicator(IocKind::Ip, "192.0.2.1"),
                    indicator(IocKind::Domain, "evil.example"),
                    indicator(IocKind::Ip, "not-an-ip"),
                    indicator(IocKind::Sha256, "abc"),
                    indicator(IocKind::Domain, "nodot"),
                ],
            ),
            None,
        ),
        (set("b", vec![indicator(IocKind::Ip, "192.0.2.1")]), None),
    ]);
    assert_eq!(
        refused
            .iter()
            .map(|r| (r.position, r.value.as_str()))
            .collect::<Vec<_>>(),
        [(3, "not-an-ip"), (4, "abc"), (5, "nodot")]
    );
    assert!(refused[0].reason.starts_with("ip: not an IP address"));
    let hits = intel.matches(
        &event(1, json!({"a": "192.0.2.1", "b": "evil.example"})),
        now(),
    );
    let sets: Vec<&str> = hits.iter().map(|h| h.set.as_str()).collect();
    assert_eq!(sets, ["a", "b"], "{hits:?}");
}

#[test]
fn sets_load_from_the_intel_folder_by_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let intel_dir = dir.path().join("intel");
    std::fs::create_dir_all(intel_dir.join("cpas-a")).unwrap();
    std::fs::create_dir_all(intel_dir.join("nobody")).unwrap();
    let write = |path: &Path, set: &IocSet| {
        std::fs::write(path, serde_json::to_string(set).unwrap()).unwrap();
    };
    write(
        &intel_dir.join("shared.json"),
        &set("shared", vec![indicator(IocKind::Ip, "192.0.2.1")]),
    );
    write(
        &intel_dir.join("cpas-a/own.json"),
        &set("own", vec![indicator(IocKind::Ip, "192.0.2.2")]),
    );
    write(
        &intel_dir.join("nobody/x.json"),
        &set("x", vec![indicator(IocKind::Ip, "192.0.2.3")]),
    );
    std::fs::write(intel_dir.join("broken.json"), "{").unwrap();
    let (intel, refused) = load_dir(
        &intel_dir,
        &mut |slug| (slug == "cpas-a").then_some(TenantId(5)),
        now(),
    );
    let names: Vec<(&str, Option<TenantId>)> = intel
        .sets()
        .iter()
        .map(|s| (s.name.as_str(), s.tenant))
        .collect();
    assert_eq!(
        names,
        [("own", Some(TenantId(5))), ("shared", None)],
        "in path order"
    );
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused
            .iter()
            .any(|r| r.reason.contains("`nobody` names no tenant"))
    );
    assert!(
        refused
            .iter()
            .any(|r| r.path.ends_with("broken.json") && r.reason.contains("not an IOC set"))
    );
}

#[test]
fn matching_stays_a_few_probes_with_many_indicators() {
    // 200,000 indicators: matching an event is hash probes, whatever the count.
    let indicators = (0..200_000u32)
        .map(|i| {
            indicator(
                IocKind::Ip,
                &std::net::Ipv4Addr::from(0x0a00_0000 + i).to_string(),
            )
        })
        .collect();
    let (intel, _) = intel(&[(set("big", indicators), None)]);
    assert_eq!(intel.len(), 200_000);
    let hits = intel.matches(&event(1, json!({"ip": "10.1.134.159"})), now());
    assert_eq!(hits.len(), 1);
    assert!(
        intel
            .matches(&event(1, json!({"ip": "11.0.0.1"})), now())
            .is_empty()
    );
}
