//! Correlation rules through the real binary: the engine's state survives kill -9 between
//! two events of a window, the correlation fires exactly once, base alerts are withheld
//! (`generate: false`), and two tenants never complete each other's windows.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

mod support;

use support::{BIN, Server, cli, drained, ingest};
const CORRELATION: &str = "7a1c0d52-1b7e-4a57-9b1f-2f8e3c4d5e02";

fn rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/correlation-rules")
}

fn failed_login(client: &Client, server: &Server, token: &str, user: &str) {
    let event = json!({"EventID": 4625, "Channel": "Security", "TargetUserName": user, "IpAddress": "198.51.100.4"});
    ingest(client, server, token, &[event]);
}

fn alerts(client: &Client, server: &Server, token: &str) -> Vec<Value> {
    let page: Value = client
        .get(format!("{}/api/v1/alerts?limit=1000", server.base))
        .bearer_auth(token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    page["alerts"].as_array().unwrap().clone()
}

#[test]
fn correlation_survives_kill_9_mid_window_and_fires_once_per_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli(data, &["tenant", "add", "zone-a"]);
    cli(data, &["tenant", "add", "zone-b"]);
    let ingest_a = cli(
        data,
        &["token", "create", "--tenant", "zone-a", "--scope", "ingest"],
    );
    let ingest_b = cli(
        data,
        &["token", "create", "--tenant", "zone-b", "--scope", "ingest"],
    );
    let read_a = cli(
        data,
        &["token", "create", "--tenant", "zone-a", "--scope", "read"],
    );
    let read_b = cli(
        data,
        &["token", "create", "--tenant", "zone-b", "--scope", "read"],
    );
    let client = Client::new();

    let server = support::start(data, Some(&rules()));
    // Two of three in tenant A, two in tenant B with the same account name.
    failed_login(&client, &server, &ingest_a, "administrator");
    failed_login(&client, &server, &ingest_b, "administrator");
    failed_login(&client, &server, &ingest_a, "administrator");
    failed_login(&client, &server, &ingest_b, "administrator");
    drained(&client, &server);
    assert!(
        alerts(&client, &server, &read_a).is_empty(),
        "base alerts are withheld"
    );
    // kill -9 between the second and third event of tenant A's window.
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(server);

    let server = support::start(data, Some(&rules()));
    failed_login(&client, &server, &ingest_a, "administrator");
    drained(&client, &server);
    let a = alerts(&client, &server, &read_a);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0]["rule_id"], CORRELATION);
    assert_eq!(a[0]["severity"], "high");
    let correlation = &a[0]["event"]["correlation"];
    assert_eq!(correlation["total_events"], 3);
    assert_eq!(correlation["group"]["TargetUserName"], "administrator");
    assert_eq!(correlation["events"].as_array().unwrap().len(), 3);
    contributing_events_open_from_the_alert(data, &client, &server, &a[0], &read_a, &read_b);
    // Tenant B's two events did not help tenant A, and B has not fired.
    assert!(alerts(&client, &server, &read_b).is_empty());
    // A fourth event starts a new window: no second alert.
    failed_login(&client, &server, &ingest_a, "administrator");
    drained(&client, &server);
    assert_eq!(alerts(&client, &server, &read_a).len(), 1);
    // Tenant B completes its own window.
    failed_login(&client, &server, &ingest_b, "administrator");
    drained(&client, &server);
    let b = alerts(&client, &server, &read_b);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0]["tenant_slug"], "zone-b");
}

#[test]
fn rules_check_reports_correlations() {
    let out = Command::new(BIN)
        .args(["rules", "check"])
        .arg(rules())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 rule(s) loaded, 0 rejected"), "{text}");
    assert!(
        text.contains("1 correlation rule(s) loaded, 0 rejected"),
        "{text}"
    );
}

/// Runs a backtest job to its end and returns its result.
fn backtest(client: &Client, server: &Server, token: &str, rule: &str) -> Value {
    let started: Value = client
        .post(format!("{}/api/v1/rules/backtest", server.base))
        .bearer_auth(token)
        .json(&json!({"rule": rule}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = started["job"]
        .as_u64()
        .unwrap_or_else(|| panic!("{started}"));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let job: Value = client
            .get(format!("{}/api/v1/jobs/{id}", server.base))
            .bearer_auth(token)
            .send()
            .unwrap()
            .json()
            .unwrap();
        match job["state"].as_str() {
            Some("done") => return job["result"].clone(),
            Some("running") => {}
            _ => panic!("backtest job: {job}"),
        }
        assert!(Instant::now() < deadline, "backtest did not finish");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn backtest_of_a_correlation_returns_what_the_live_engine_fired() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli(data, &["tenant", "add", "region-c"]);
    let ingest = cli(
        data,
        &[
            "token", "create", "--tenant", "region-c", "--scope", "ingest",
        ],
    );
    let read = cli(
        data,
        &["token", "create", "--tenant", "region-c", "--scope", "read"],
    );
    let client = Client::new();
    let server = support::start(data, Some(&rules()));
    // Three for one account (fires), two for another (does not), one of an unrelated kind.
    for user in ["svc-backup", "jdoe", "svc-backup", "jdoe", "svc-backup"] {
        failed_login(&client, &server, &ingest, user);
    }
    drained(&client, &server);
    let live = alerts(&client, &server, &read);
    assert_eq!(live.len(), 1, "{live:?}");
    let rule = std::fs::read_to_string(rules().join("failed_logins.yml")).unwrap();
    // The store may lag the stream: wait until it holds the five events.
    let deadline = Instant::now() + Duration::from_secs(60);
    let result = loop {
        let result = backtest(&client, &server, &read, &rule);
        if result["events_examined"] == 5 || Instant::now() > deadline {
            break result;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(result["events_examined"], 5, "{result}");
    assert_eq!(result["matches_total"], 1, "{result}");
    assert_eq!(result["per_rule"][CORRELATION], 1);
    let hit = &result["matches"][0]["event"];
    assert_eq!(hit["group"][0][1], "svc-backup", "{hit}");
    assert_eq!(hit["total_events"], 3);
    // The same windows as live: the live alert names the same contributing events.
    let live_events = &live[0]["event"]["correlation"]["events"];
    assert_eq!(&hit["events"], live_events);
}

#[test]
fn rules_test_shows_which_windows_fired_and_why() {
    let events = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/correlation-events.jsonl");
    let out = Command::new(BIN)
        .args(["rules", "test"])
        .arg(rules())
        .arg("--events")
        .arg(&events)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let report: Value = serde_json::from_str(&text).unwrap();
    let correlation = &report["correlations"][0];
    assert_eq!(correlation["id"], CORRELATION);
    assert_eq!(correlation["matches"], 1, "{correlation}");
    let fired = &correlation["fired"][0];
    assert_eq!(fired["group"]["TargetUserName"], "svc-backup");
    assert_eq!(fired["measure"], 3.0);
    assert_eq!(fired["window_start"], "2026-11-25T09:00:00Z");
    assert_eq!(fired["window_end"], "2026-11-25T09:10:00Z");
    // Events are named by file and line; the out-of-order sixth line is in the window.
    let named: Vec<&str> = fired["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        named[2].ends_with("correlation-events.jsonl#6"),
        "{named:?}"
    );
    // Human form.
    let out = Command::new(BIN)
        .args(["rules", "test"])
        .arg(rules())
        .arg("--events")
        .arg(&events)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 window(s) fired"), "{text}");
    assert!(text.contains("measure 3"), "{text}");
}

/// The correlation alert lists its three events from the event store, in the order it
/// names them, through the API (tenant A's token; tenant B's gets 404) and on the alert
/// page, each linked to the hunt.
fn contributing_events_open_from_the_alert(
    data: &Path,
    client: &Client,
    server: &Server,
    alert: &Value,
    read_a: &str,
    read_b: &str,
) {
    let id = alert["id"].as_str().unwrap();
    let url = format!("{}/api/v1/alerts/{id}/events", server.base);
    // The indexer is its own consumer: wait until it has the events.
    let started = Instant::now();
    let listed = loop {
        let r = client.get(&url).bearer_auth(read_a).send().unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let listed: Value = r.json().unwrap();
        if listed["missing"].as_array().unwrap().is_empty() {
            break listed;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "events not indexed: {listed}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(listed["correlation"], true);
    let events = listed["events"].as_array().unwrap();
    assert_eq!(events.len(), 3, "{listed}");
    let named: Vec<&Value> = alert["event"]["correlation"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    for (event, id) in events.iter().zip(&named) {
        assert_eq!(&&event["@id"], id);
        assert_eq!(event["@tenant"], "zone-a");
        assert_eq!(event["TargetUserName"], "administrator");
        assert_eq!(event["EventID"], 4625);
    }
    let r = client.get(&url).bearer_auth(read_b).send().unwrap();
    assert_eq!(r.status().as_u16(), 404, "another tenant's alert");

    // The alert page, for an analyst of tenant A.
    let mut add = Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args([
            "user",
            "add",
            "ana",
            "--role",
            "analyst",
            "--tenant",
            "zone-a",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        add.stdin
            .take()
            .unwrap()
            .write_all(b"correct horse battery staple\n")
            .unwrap();
    }
    assert!(add.wait().unwrap().success());
    let login = client
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"username": "ana", "password": "correct horse battery staple"}))
        .send()
        .unwrap();
    assert_eq!(login.status().as_u16(), 200);
    let cookie = login
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = client
        .get(format!("{}/ui/alerts/{id}", server.base))
        .header("cookie", cookie)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("Events behind this alert"), "{page}");
    for id in named {
        assert!(
            page.contains(&format!("/ui/hunt?q=%40id%3A{}", id.as_str().unwrap())),
            "each event links to the hunt: {page}"
        );
    }
    assert!(page.contains("id=\"behind-hunt\""));
}
