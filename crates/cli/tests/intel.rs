//! Threat intelligence on the stream through the real binary: IOC sets in the rules
//! directory's `intel/` folder (shared, and one tenant's own) match events as they arrive,
//! for the right tenant only, and say which indicator and set; sets imported with `vigie
//! intel import` from a STIX 2.1 bundle and a MISP feed (in MISP's feed layout) while the
//! server runs are in force at the next reload; `vigie intel check` reports them; `vigie
//! scan` finds the same hits in files.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

mod support;

use support::{BIN, Server, all_alerts, cli, drained, ingest, start_with_config};

const SHA256: &str = "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c";

fn write(path: &Path, value: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

fn set(name: &str, indicators: Value) -> Value {
    json!({"version": 1, "name": name, "source": "test CERT", "level": "high",
           "indicators": indicators})
}

/// Runs `vigie ARGS...` and returns its status and stdout.
fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// A token of `tenant` with `scope`, made with the command line.
fn tenant_token(data: &Path, tenant: &str, scope: &str) -> String {
    cli(
        data,
        &["token", "create", "--tenant", tenant, "--scope", scope],
    )
}

/// IOC alerts of `token`'s tenant: (rule id, indicator) pairs, sorted.
fn ioc_alerts(client: &Client, server: &Server, token: &str) -> Vec<(String, String)> {
    ioc_alert_events(client, server, token)
        .into_iter()
        .map(|(rule, indicator, _)| (rule, indicator))
        .collect()
}

#[test]
fn ioc_sets_match_live_for_their_tenant_and_imports_take_effect_without_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    write(
        &rules.join("intel/shared.json"),
        &set(
            "cert-feed",
            json!([
                {"type": "ip", "value": "198.51.100.7", "reference": "case 12"},
                {"type": "domain", "value": "evil.example"},
                {"type": "ip", "value": "not an address"}
            ]),
        ),
    );
    write(
        &rules.join("intel/cpas-a/own.json"),
        &set(
            "cpas-a-hashes",
            json!([{"type": "sha256", "value": SHA256}]),
        ),
    );
    cli(&data, &["tenant", "add", "cpas-a"]);
    cli(&data, &["tenant", "add", "cpas-b"]);
    let (ok, checked) = run(&["intel", "check", "--rules", rules.to_str().unwrap()]);
    assert!(!ok, "a refused indicator fails the check: {checked}");
    assert!(
        checked.contains(
            "set      cert-feed (test CERT, every tenant, level high): 2 indicator(s) in force"
        ),
        "{checked}"
    );
    assert!(checked.contains("tenant cpas-a"), "{checked}");
    assert!(
        checked.contains("indicator 3 \"not an address\": ip: not an IP address"),
        "{checked}"
    );
    let config = dir.path().join("vigie.toml");
    std::fs::write(&config, "version = 1\n[detection]\nreload_seconds = 1\n").unwrap();
    let server = start_with_config(&data, Some(&rules), Some(&config));
    let client = Client::new();
    let token = |tenant: &str, scope: &str| tenant_token(&data, tenant, scope);
    let (ingest_a, read_a) = (token("cpas-a", "ingest"), token("cpas-a", "read"));
    let (ingest_b, read_b) = (token("cpas-b", "ingest"), token("cpas-b", "read"));
    let sysmon = |fields: Value| {
        let mut event =
            json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "pc-1"});
        event
            .as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        event
    };
    ingest(
        &client,
        &server,
        &ingest_a,
        &[
            sysmon(json!({"EventID": 3, "DestinationIp": "198.51.100.7"})),
            sysmon(
                json!({"EventID": 1, "Hashes": format!("MD5=00,SHA256={}", SHA256.to_uppercase())}),
            ),
            sysmon(json!({"EventID": 3, "DestinationIp": "198.51.100.8"})),
        ],
    );
    ingest(
        &client,
        &server,
        &ingest_b,
        &[
            sysmon(json!({"EventID": 22, "QueryName": "cdn.evil.example"})),
            sysmon(json!({"EventID": 1, "Hashes": format!("SHA256={SHA256}")})),
        ],
    );
    drained(&client, &server);
    assert_eq!(
        ioc_alerts(&client, &server, &read_a),
        [
            ("ioc:cert-feed".to_owned(), "198.51.100.7".to_owned()),
            ("ioc:cpas-a-hashes".to_owned(), SHA256.to_owned()),
        ]
    );
    assert_eq!(
        ioc_alerts(&client, &server, &read_b),
        [("ioc:cert-feed".to_owned(), "evil.example".to_owned())],
        "tenant B matches the shared set only"
    );
    let alert = all_alerts(&client, &server, &read_a)
        .into_iter()
        .find(|a| a["rule_id"] == "ioc:cert-feed")
        .unwrap();
    assert_eq!(alert["severity"], "high");
    assert_eq!(alert["rule_title"], "IOC ip 198.51.100.7 (cert-feed)");
    let ioc = &alert["event"]["vigie.ioc"];
    assert_eq!(ioc["field"], "DestinationIp");
    assert_eq!(ioc["source"], "test CERT");
    assert_eq!(ioc["reference"], "case 12");

    // A STIX 2.1 bundle and a MISP feed imported while the server runs.
    let bundle = dir.path().join("bundle.json");
    write(
        &bundle,
        &json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
            {"type": "indicator", "spec_version": "2.1",
             "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
             "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z",
             "indicator_types": ["malicious-activity"], "name": "C2 address",
             "pattern": "[ipv4-addr:value = '192.0.2.66']", "pattern_type": "stix",
             "valid_from": "2016-01-01T00:00:00Z"},
            {"type": "malware", "spec_version": "2.1", "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
             "created": "2016-04-06T20:07:09.000Z", "modified": "2016-04-06T20:07:09.000Z",
             "name": "Poison Ivy", "is_family": false}
        ]}),
    );
    let (ok, out) = run(&[
        "intel",
        "import",
        "--stix",
        bundle.to_str().unwrap(),
        "--name",
        "stix-c2",
        "--source",
        "sharing group",
        "--tenant",
        "cpas-b",
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert!(ok, "{out}");
    assert!(out.contains("wrote 1 indicator(s)"), "{out}");
    let feed = dir.path().join("misp-feed");
    let event = "5f3b2c1a-1111-4222-8333-444455556666";
    write(
        &feed.join("manifest.json"),
        &json!({event: {"info": "phishing wave", "date": "2026-11-30", "timestamp": "1764460800",
                        "analysis": 2, "threat_level_id": 2, "orgc_uuid": "55f6ea5e-2c60-40e5-964f-47a8950d210f"}}),
    );
    write(
        &feed.join(format!("{event}.json")),
        &json!({"Event": {"uuid": event, "info": "phishing wave", "date": "2026-11-30",
        "Attribute": [
            {"uuid": "aaaa0000-0000-4000-8000-000000000001", "type": "url", "category": "Network activity",
             "value": "https://phish.example/login", "to_ids": true, "timestamp": "1764460800"},
            {"uuid": "aaaa0000-0000-4000-8000-000000000002", "type": "ip-dst", "category": "Network activity",
             "value": "192.0.2.99", "to_ids": false, "timestamp": "1764460800"}
        ]}}),
    );
    let (ok, out) = run(&[
        "intel",
        "import",
        "--misp-feed",
        feed.to_str().unwrap(),
        "--name",
        "misp-phishing",
        "--source",
        "MISP community",
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert!(ok, "{out}");
    assert!(out.contains("wrote 1 indicator(s)"), "{out}");
    assert!(out.contains("1 skipped"), "{out}");
    // In force at the next reload, without a restart.
    let started = Instant::now();
    loop {
        ingest(
            &client,
            &server,
            &ingest_b,
            &[
                sysmon(json!({"EventID": 3, "DestinationIp": "192.0.2.66"})),
                sysmon(json!({"EventID": 3, "url": {"full": "https://phish.example/login"}})),
            ],
        );
        drained(&client, &server);
        let found = ioc_alerts(&client, &server, &read_b);
        if found.len() == 3 {
            assert_eq!(
                found[1..],
                [
                    (
                        "ioc:misp-phishing".to_owned(),
                        "https://phish.example/login".to_owned()
                    ),
                    ("ioc:stix-c2".to_owned(), "192.0.2.66".to_owned()),
                ]
            );
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "imported sets not in force: {found:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    // Tenant B's STIX set does not match tenant A.
    ingest(
        &client,
        &server,
        &ingest_a,
        &[sysmon(json!({"EventID": 3, "DestinationIp": "192.0.2.66"}))],
    );
    drained(&client, &server);
    assert_eq!(ioc_alerts(&client, &server, &read_a).len(), 2);

    // The same sets in `vigie scan` (shared ones, and --tenant's own).
    let events = dir.path().join("events.jsonl");
    std::fs::write(
        &events,
        [
            sysmon(json!({"EventID": 3, "DestinationIp": "198.51.100.7"})),
            sysmon(json!({"EventID": 3, "DestinationIp": "192.0.2.66"})),
        ]
        .iter()
        .map(|e| format!("{e}\n"))
        .collect::<String>(),
    )
    .unwrap();
    let (_, out) = run(&[
        "scan",
        "--rules",
        rules.to_str().unwrap(),
        "--tenant",
        "cpas-b",
        "--format",
        "jsonl",
        "--summary",
        "none",
        events.to_str().unwrap(),
    ]);
    let rows: Vec<Value> = out
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let hits: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r["kind"] == "ioc")
        .map(|r| {
            (
                r["rule_id"].as_str().unwrap(),
                r["ioc"]["indicator"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        hits,
        [
            ("ioc:cert-feed", "198.51.100.7"),
            ("ioc:stix-c2", "192.0.2.66")
        ],
        "{out}"
    );
}

/// IOC alerts of `token`'s tenant as (rule id, indicator, event id), sorted.
fn ioc_alert_events(
    client: &Client,
    server: &Server,
    token: &str,
) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = all_alerts(client, server, token)
        .iter()
        .filter(|a| a["rule_id"].as_str().unwrap().starts_with("ioc:"))
        .map(|a| {
            (
                a["rule_id"].as_str().unwrap().to_owned(),
                a["event"]["vigie.ioc"]["indicator"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                a["event_id"].to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Waits (at most 30 s) until `token`'s tenant has `count` IOC alerts, and returns them.
fn wait_for_ioc_alerts(
    client: &Client,
    server: &Server,
    token: &str,
    count: usize,
) -> Vec<(String, String, String)> {
    let started = Instant::now();
    loop {
        let found = ioc_alert_events(client, server, token);
        if found.len() >= count {
            return found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "retro-hunt alerts not raised: {found:?}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn a_new_or_changed_set_is_hunted_over_stored_events_once_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    cli(&data, &["tenant", "add", "cpas-a"]);
    cli(&data, &["tenant", "add", "cpas-b"]);
    let config = dir.path().join("vigie.toml");
    std::fs::write(&config, "version = 1\n[detection]\nreload_seconds = 1\n").unwrap();
    let server = start_with_config(&data, Some(&rules), Some(&config));
    let client = Client::new();
    let token = |tenant: &str, scope: &str| tenant_token(&data, tenant, scope);
    let (ingest_a, read_a) = (token("cpas-a", "ingest"), token("cpas-a", "read"));
    let (ingest_b, read_b) = (token("cpas-b", "ingest"), token("cpas-b", "read"));
    let platform = cli(
        &data,
        &["token", "create", "--platform", "--scope", "admin"],
    );
    // Each event on its own host: alerts of one rule and host fold into one (dedup).
    let net = |ip: &str, host: &str| {
        json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": host,
               "EventID": 3, "DestinationIp": ip})
    };
    // History, before any set names these addresses.
    ingest(
        &client,
        &server,
        &ingest_a,
        &[net("203.0.113.5", "a-1"), net("203.0.113.9", "a-2")],
    );
    ingest(
        &client,
        &server,
        &ingest_b,
        &[net("203.0.113.5", "b-1"), net("203.0.113.9", "b-2")],
    );
    drained(&client, &server);
    let started = Instant::now();
    while support::hunt_count(&client, &server, &read_a, "DestinationIp:*") < 2
        || support::hunt_count(&client, &server, &read_b, "DestinationIp:*") < 2
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "events not indexed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(ioc_alert_events(&client, &server, &read_a).is_empty());

    // A set of tenant A's own: its stored event is found, tenant B's is not.
    write(
        &rules.join("intel/cpas-a/watch.json"),
        &set("watch-a", json!([{"type": "ip", "value": "203.0.113.5"}])),
    );
    let first = wait_for_ioc_alerts(&client, &server, &read_a, 1);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].0, "ioc:watch-a");
    assert_eq!(first[0].1, "203.0.113.5");

    // A live hit on the set, then the set changes: the changed set is hunted again, the
    // event already matched live (and by the first hunt) gives no second alert.
    ingest(&client, &server, &ingest_a, &[net("203.0.113.5", "a-3")]);
    drained(&client, &server);
    let live = wait_for_ioc_alerts(&client, &server, &read_a, 2);
    assert_eq!(live.len(), 2, "{live:?}");
    write(
        &rules.join("intel/cpas-a/watch.json"),
        &set(
            "watch-a",
            json!([{"type": "ip", "value": "203.0.113.5"}, {"type": "ip", "value": "203.0.113.9"}]),
        ),
    );
    let changed = wait_for_ioc_alerts(&client, &server, &read_a, 3);
    std::thread::sleep(Duration::from_secs(3));
    let changed_later = ioc_alert_events(&client, &server, &read_a);
    assert_eq!(changed, changed_later, "no duplicates after the change");
    assert_eq!(
        changed.iter().map(|a| a.1.as_str()).collect::<Vec<_>>(),
        ["203.0.113.5", "203.0.113.5", "203.0.113.9"]
    );
    assert!(
        ioc_alert_events(&client, &server, &read_b).is_empty(),
        "tenant A's set never hunts tenant B's events"
    );

    // A shared set hunts every tenant.
    write(
        &rules.join("intel/shared.json"),
        &set(
            "shared-watch",
            json!([{"type": "ip", "value": "203.0.113.9"}]),
        ),
    );
    let b = wait_for_ioc_alerts(&client, &server, &read_b, 1);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].0, "ioc:shared-watch");
    wait_for_ioc_alerts(&client, &server, &read_a, 4);
    let runs = support::metrics(&server.base, &platform)["vigie_intel_retro_runs_total"];
    assert!(runs >= 3.0, "{runs}");

    // A restart hunts nothing already hunted.
    drop(server);
    let server = start_with_config(&data, Some(&rules), Some(&config));
    std::thread::sleep(Duration::from_secs(3));
    let metrics = support::metrics(&server.base, &platform);
    assert_eq!(
        metrics
            .get("vigie_intel_retro_runs_total")
            .copied()
            .unwrap_or(0.0),
        0.0,
        "sets hunted before the restart are not hunted again"
    );
    assert_eq!(ioc_alert_events(&client, &server, &read_a).len(), 4);
    assert_eq!(ioc_alert_events(&client, &server, &read_b).len(), 1);
}

/// A TAXII 2.1 collection on a real TAXII server (OASIS's medallion), pulled into an IOC
/// set with basic authentication across pages; the running server matches its indicators
/// at its next rules reload; a second pull changes nothing; a refused pull leaves the set.
#[test]
fn a_taxii_collection_is_pulled_into_a_set_the_server_matches() {
    use std::io::{BufRead, BufReader};
    let test = "intel::a_taxii_collection_is_pulled_into_a_set_the_server_matches";
    let Some(python) = support::python_with("medallion") else {
        support::skip(
            test,
            "OASIS medallion (TAXII 2.1 server) is not installed; scripts/test installs it",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let collection = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
    write(
        &dir.path().join("taxii-data.json"),
        &json!({
            "/discovery": {"title": "test TAXII", "default": format!("{base}/api1/"),
                           "api_roots": [format!("{base}/api1/")]},
            "api1": {
                "information": {"title": "CERT feed", "versions": ["application/taxii+json;version=2.1"],
                                "max_content_length": 9_765_625},
                "status": [],
                "collections": [{"id": collection, "title": "indicators", "can_read": true,
                                 "can_write": true,
                                 "media_types": ["application/stix+json;version=2.1"],
                                 "objects": [], "manifest": []}]
            }
        }),
    );
    write(
        &dir.path().join("taxii.json"),
        &json!({"backend": {"module": "medallion.backends.memory_backend",
                            "module_class": "MemoryBackend",
                            "filename": dir.path().join("taxii-data.json")},
                "users": {"vigie": "feed-password-1"},
                "taxii": {"max_page_size": 2}}),
    );
    let medallion = python.with_file_name("medallion");
    let mut server_child = Command::new(&medallion)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .arg(dir.path().join("taxii.json"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = server_child.stderr.take().unwrap();
    std::thread::spawn(move || for _ in BufReader::new(stderr).lines() {});
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _medallion = Kill(server_child);
    let client = Client::new();
    let started = Instant::now();
    while client
        .get(format!("{base}/taxii2/"))
        .basic_auth("vigie", Some("feed-password-1"))
        .header("Accept", "application/taxii+json;version=2.1")
        .send()
        .map(|r| r.status().as_u16() != 200)
        .unwrap_or(true)
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "medallion did not start"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let indicator = |id: &str, pattern: &str| {
        json!({"type": "indicator", "spec_version": "2.1", "id": id,
               "created": "2026-11-30T10:00:00.000Z", "modified": "2026-11-30T10:00:00.000Z",
               "name": "C2", "pattern": pattern, "pattern_type": "stix",
               "valid_from": "2026-11-30T10:00:00Z"})
    };
    let objects = json!({"objects": [
        indicator("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "[ipv4-addr:value = '203.0.113.45']"),
        indicator("indicator--a932fcc6-e032-476c-826f-cb970a5a1ade", "[domain-name:value = 'c2.bad.example']"),
        indicator("indicator--1e91cd45-a725-4965-abe3-700a3a1a4b3a",
                  &format!("[file:hashes.'SHA-256' = '{SHA256}']")),
        {"type": "malware", "spec_version": "2.1",
         "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
         "created": "2026-11-30T10:00:00.000Z", "modified": "2026-11-30T10:00:00.000Z",
         "name": "not an indicator", "is_family": false}
    ]});
    let added = client
        .post(format!("{base}/api1/collections/{collection}/objects/"))
        .basic_auth("vigie", Some("feed-password-1"))
        .header("Accept", "application/taxii+json;version=2.1")
        .header("Content-Type", "application/taxii+json;version=2.1")
        .body(objects.to_string())
        .send()
        .unwrap();
    assert_eq!(added.status().as_u16(), 202, "{}", added.text().unwrap());

    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let password = dir.path().join("feed.password");
    std::fs::write(&password, "feed-password-1\n").unwrap();
    let config = dir.path().join("vigie.toml");
    let config_text = |password: &Path| {
        format!(
            "version = 1\n[detection]\nrules_dir = \"{}\"\nreload_seconds = 1\n\
             [[intel.feeds]]\nname = \"cert-taxii\"\nkind = \"taxii\"\n\
             url = \"{base}/api1/collections/{collection}/\"\nsource = \"CERT TAXII\"\n\
             username = \"vigie\"\npassword_file = \"{}\"\n",
            rules.display(),
            password.display()
        )
    };
    std::fs::write(&config, config_text(&password)).unwrap();
    let data = dir.path().join("data");
    let config_arg = config.to_str().unwrap();
    let (ok, pulled) = run(&["--config", config_arg, "intel", "pull"]);
    assert!(ok, "{pulled}");
    assert!(pulled.contains("cert-taxii: 3 indicator(s)"), "{pulled}");
    let set: Value = serde_json::from_str(
        &std::fs::read_to_string(rules.join("intel/cert-taxii.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(set["source"], "CERT TAXII");
    let mut values: Vec<&str> = set["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].as_str().unwrap())
        .collect();
    values.sort();
    assert_eq!(values, ["203.0.113.45", "c2.bad.example", SHA256]);
    let (ok, again) = run(&["--config", config_arg, "intel", "pull"]);
    assert!(ok && again.contains("(unchanged)"), "{again}");

    // The running server matches the pulled set.
    cli(&data, &["tenant", "add", "cpas-a"]);
    let server = start_with_config(&data, None, Some(&config));
    let ingest_a = tenant_token(&data, "cpas-a", "ingest");
    let read_a = tenant_token(&data, "cpas-a", "read");
    ingest(
        &client,
        &server,
        &ingest_a,
        &[
            json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "pc-1",
                 "EventID": 3, "DestinationIp": "203.0.113.45"}),
        ],
    );
    drained(&client, &server);
    assert_eq!(
        ioc_alerts(&client, &server, &read_a),
        [("ioc:cert-taxii".to_owned(), "203.0.113.45".to_owned())]
    );

    // A refused pull says why and leaves the set in force.
    let wrong = dir.path().join("wrong.password");
    std::fs::write(&wrong, "not-the-password\n").unwrap();
    std::fs::write(&config, config_text(&wrong)).unwrap();
    let (ok, refused) = run(&["--config", config_arg, "intel", "pull"]);
    assert!(!ok, "{refused}");
    assert!(refused.contains("HTTP 401"), "{refused}");
    assert!(rules.join("intel/cert-taxii.json").metadata().is_ok());
    let (ok, checked) = run(&["intel", "check", "--rules", rules.to_str().unwrap()]);
    assert!(
        ok && checked.contains("3 indicator(s) in force"),
        "{checked}"
    );
}
