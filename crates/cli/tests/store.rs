//! The event store end to end: the real `vigie` binary ingests events, is killed with
//! SIGKILL while indexing, restarts, and the store converges to exactly the log's events
//! (no loss, no duplicates); `vigie hunt` and `POST /api/v1/hunt` answer inside the
//! caller's tenant only.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_vigie");

struct Vigie {
    child: Child,
    base: String,
}

impl Vigie {
    fn start(data_dir: &Path) -> Vigie {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(BIN)
            .arg("--data-dir")
            .arg(data_dir)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("VIGIE_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start vigie serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("vigie listening on") {
                    let _ = tx.send(());
                }
            }
        });
        if rx.recv_timeout(Duration::from_secs(60)).is_err() {
            let _ = child.kill();
            panic!("vigie did not start listening");
        }
        Vigie {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Vigie {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cli_ok(data_dir: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("VIGIE_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "vigie {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `stats count(), dc(@id)` of a tenant through `vigie hunt`.
fn counts(data: &Path, tenant: &str) -> (u64, u64) {
    let out = cli_ok(
        data,
        &[
            "hunt",
            "--tenant",
            tenant,
            "--format",
            "json",
            "@id:* | stats count() as n, dc(@id) as ids",
        ],
    );
    let result: Value = serde_json::from_str(&out).unwrap();
    match result["rows"].as_array().and_then(|r| r.first()) {
        Some(row) => (row["n"].as_u64().unwrap(), row["ids"].as_u64().unwrap()),
        None => (0, 0),
    }
}

#[test]
fn kill_9_during_indexing_converges_to_the_log_and_hunts_stay_in_scope() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli_ok(data, &["tenant", "add", "alpha"]);
    cli_ok(data, &["tenant", "add", "beta"]);
    let alpha = cli_ok(
        data,
        &["token", "create", "--tenant", "alpha", "--scope", "ingest"],
    )
    .trim()
    .to_owned();
    let beta = cli_ok(
        data,
        &["token", "create", "--tenant", "beta", "--scope", "ingest"],
    )
    .trim()
    .to_owned();
    let alpha_read = cli_ok(
        data,
        &["token", "create", "--tenant", "alpha", "--scope", "read"],
    )
    .trim()
    .to_owned();
    let client = Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();

    let vigie = Vigie::start(data);
    let body = |tenant: &str, batch: usize| -> String {
        (0..500)
            .map(|i| format!("{}\n", json!({"EventID": 4688, "Hostname": format!("{tenant}-ws{}", i % 7), "CommandLine": format!("cmd.exe /c echo {batch} {i}"), "@timestamp": "2026-11-25T10:00:00Z"})))
            .collect()
    };
    // Acknowledged events: each 2xx reply means the batch is durable in the log.
    let mut acked = [0u64, 0u64];
    let started = Instant::now();
    for batch in 0..40 {
        for (k, (name, token)) in [("alpha", &alpha), ("beta", &beta)].iter().enumerate() {
            let response = client
                .post(format!("{}/api/v1/ingest", vigie.base))
                .bearer_auth(token)
                .body(body(name, batch))
                .send()
                .unwrap();
            assert!(
                response.status().is_success(),
                "{}",
                response.text().unwrap()
            );
            acked[k] += 500;
        }
    }
    // Kill while the indexer is still catching up (or just after): no shutdown code runs.
    vigie.kill9();
    eprintln!("ingested {acked:?} in {:?} and killed", started.elapsed());

    let vigie = Vigie::start(data);
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let (a, b) = (counts(data, "alpha"), counts(data, "beta"));
        if a.0 == acked[0] && b.0 == acked[1] {
            assert_eq!(a.1, a.0, "alpha: no duplicate ids");
            assert_eq!(b.1, b.0, "beta: no duplicate ids");
            break;
        }
        assert!(
            a.0 <= acked[0] && b.0 <= acked[1],
            "more events stored than acknowledged: {a:?} {b:?} vs {acked:?}"
        );
        assert!(
            a.0 == a.1 && b.0 == b.1,
            "duplicates while converging: {a:?} {b:?}"
        );
        assert!(
            Instant::now() < deadline,
            "store did not converge: {a:?} {b:?} vs {acked:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }

    // The HTTP hunt of a tenant token sees only its tenant, even when it names another.
    let hunt = |query: &str, tenant: Option<&str>| {
        let mut body = json!({"query": query});
        if let Some(t) = tenant {
            body["tenant"] = json!(t);
        }
        let response = client
            .post(format!("{}/api/v1/hunt", vigie.base))
            .bearer_auth(&alpha_read)
            .json(&body)
            .send()
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json::<Value>().unwrap())
    };
    let (status, result) = hunt(
        "Hostname:beta* OR Hostname:alpha-ws1 | stats count() by @tenant",
        None,
    );
    assert_eq!(status, 200, "{result}");
    let rows = result["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{result}");
    assert_eq!(rows[0]["@tenant"], "alpha");
    let (status, result) = hunt("EventID:4688", Some("beta"));
    assert_eq!(status, 404, "{result}");
    let (status, result) = hunt("EventID:", None);
    assert_eq!(status, 400);
    assert!(
        result["error"]["message"]
            .as_str()
            .unwrap()
            .contains("column 9"),
        "{result}"
    );
    // The store's gauges are on /metrics.
    let metrics_token = cli_ok(data, &["token", "create", "--platform", "--scope", "read"])
        .trim()
        .to_owned();
    let metrics = client
        .get(format!("{}/metrics", vigie.base))
        .bearer_auth(&metrics_token)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains("vigie_store_lag_events"),
        "lag gauge missing"
    );
}

/// Ingests `lines` for a token, asserting the 2xx.
fn ingest(client: &Client, base: &str, token: &str, lines: &[Value]) {
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let response = client
        .post(format!("{base}/api/v1/ingest"))
        .bearer_auth(token)
        .body(body)
        .send()
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().unwrap()
    );
}

/// Waits until `vigie hunt` counts `expected` events of `tenant`.
fn wait_indexed(data: &Path, tenant: &str, expected: u64) {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let (n, _) = counts(data, tenant);
        if n == expected {
            return;
        }
        assert!(n < expected, "{tenant}: {n} events stored, {expected} sent");
        assert!(
            Instant::now() < deadline,
            "{tenant}: {n} of {expected} indexed"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

const HASH: &str = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";

/// The IOC events of one tenant: on each of three days, ten network, file and proxy events
/// of which two carry each kind of indicator (the URL events hold the domain too).
fn ioc_events(tenant: &str) -> Vec<Value> {
    let mut lines = Vec::new();
    for day in 20..23 {
        for i in 0..10 {
            let mut event = json!({
                "EventID": 3,
                "Channel": "Microsoft-Windows-Sysmon/Operational",
                "Hostname": format!("{tenant}-ws{i}"),
                "SourceIp": "10.0.0.5",
                "DestinationIp": "10.1.1.1",
                "DestinationHostname": "intranet.corp",
                "@timestamp": format!("2026-11-{day}T0{i}:00:00Z"),
            });
            match i % 5 {
                0 => event["DestinationIp"] = json!("203.0.113.7"),
                1 => event["DestinationIp"] = json!("198.51.100.23"),
                2 => event["DestinationHostname"] = json!("cdn.evil.example.com"),
                3 => event["Hashes"] = json!(format!("MD5=0123,SHA256={HASH}")),
                _ => event["Url"] = json!("http://evil.example.com/payload.ps1?x=1"),
            }
            lines.push(event);
        }
    }
    lines
}

/// The state of job `id` (`running`, `done`, `cancelled`, `failed`) and the job itself.
fn job(client: &Client, base: &str, token: &str, id: u64) -> (u16, Value) {
    let response = client
        .get(format!("{base}/api/v1/jobs/{id}"))
        .bearer_auth(token)
        .send()
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json::<Value>().unwrap_or(Value::Null))
}

fn wait_job(client: &Client, base: &str, token: &str, id: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let (status, view) = job(client, base, token, id);
        assert_eq!(status, 200, "{view}");
        if view["state"] != "running" {
            return view;
        }
        assert!(Instant::now() < deadline, "job {id} still running: {view}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// IOC lists over history through `POST /api/v1/ioc/hunt`: exact counts per indicator, day
/// and tenant, never the other tenant's events; jobs keep their result, are seen only by
/// whoever started them, report progress and stop on cancel; native Windows and ECS field
/// names find each other's events through `vigie hunt` and `POST /api/v1/hunt`.
#[test]
fn ioc_hunts_jobs_and_field_names_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli_ok(data, &["tenant", "add", "alpha"]);
    cli_ok(data, &["tenant", "add", "beta"]);
    let token = |args: &[&str]| cli_ok(data, args).trim().to_owned();
    let alpha = token(&["token", "create", "--tenant", "alpha", "--scope", "ingest"]);
    let beta = token(&["token", "create", "--tenant", "beta", "--scope", "ingest"]);
    let alpha_read = token(&["token", "create", "--tenant", "alpha", "--scope", "read"]);
    let beta_read = token(&["token", "create", "--tenant", "beta", "--scope", "read"]);
    let platform = token(&["token", "create", "--platform", "--scope", "read"]);
    let client = Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let vigie = Vigie::start(data);
    let base = vigie.base.clone();

    // The same indicators in both tenants, and both namings of a command line in alpha.
    ingest(&client, &base, &alpha, &ioc_events("alpha"));
    ingest(&client, &base, &beta, &ioc_events("beta"));
    let sysmon = "Microsoft-Windows-Sysmon/Operational";
    ingest(
        &client,
        &base,
        &alpha,
        &[
            json!({"EventID": 1, "Channel": sysmon, "CommandLine": "whoami /all", "@timestamp": "2026-11-21T12:00:00Z"}),
            json!({"winlog": {"channel": sysmon, "event_id": 1}, "process": {"command_line": "cmd /c whoami"}, "@timestamp": "2026-11-21T12:01:00Z"}),
            json!({"winlog": {"channel": sysmon, "event_id": 1, "event_data": {"CommandLine": "whoami /groups"}}, "@timestamp": "2026-11-21T12:02:00Z"}),
            json!({"EventID": 1, "Channel": sysmon, "CommandLine": "ipconfig", "@timestamp": "2026-11-21T12:03:00Z"}),
        ],
    );
    wait_indexed(data, "alpha", 34);
    wait_indexed(data, "beta", 30);

    // Native and ECS names, from the command line and over HTTP.
    for query in [
        "CommandLine:*whoami*",
        "process.command_line:*whoami*",
        "winlog.event_data.CommandLine:*whoami*",
    ] {
        let out = cli_ok(
            data,
            &["hunt", "--tenant", "alpha", "--format", "json", query],
        );
        let result: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(result["events_matched"], 3, "{query}: {result}");
    }
    let response = client
        .post(format!("{base}/api/v1/hunt"))
        .bearer_auth(&alpha_read)
        .json(&json!({"query": "process.command_line:*whoami* | stats count() as n", "from": "2026-11-19"}))
        .send()
        .unwrap();
    let result: Value = response.json().unwrap();
    assert_eq!(result["rows"][0]["n"], 3, "{result}");

    // An IOC list over three days.
    let iocs = json!({
        "ips": ["203.0.113.7", "198.51.100.0/24"],
        "domains": ["evil.example.com"],
        "hashes": [HASH.to_lowercase()],
        "urls": ["http://evil.example.com/payload.ps1"],
    });
    let start = |token: &str, extra: Value| -> u64 {
        let mut body = json!({"iocs": iocs, "from": "2026-11-19", "to": "2026-11-24"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let response = client
            .post(format!("{base}/api/v1/ioc/hunt"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), 202);
        response.json::<Value>().unwrap()["job"].as_u64().unwrap()
    };
    let expected_rules = json!({
        "203.0.113.7": 6,
        "198.51.100.0/24": 6,
        "evil.example.com": 12,
        HASH.to_lowercase(): 6,
        "http://evil.example.com/payload.ps1": 6,
    });
    let expected_days = json!({"2026-11-20": 12, "2026-11-21": 12, "2026-11-22": 12});
    let id = start(&alpha_read, json!({}));
    let view = wait_job(&client, &base, &alpha_read, id);
    assert_eq!(view["state"], "done", "{view}");
    let result = &view["result"];
    assert_eq!(result["matches_total"], 36, "{result}");
    assert_eq!(result["per_rule"], expected_rules, "{result}");
    assert_eq!(result["per_day"], expected_days, "{result}");
    assert_eq!(result["per_tenant"], json!({"alpha": 36}), "{result}");
    let matches = result["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 36);
    assert!(matches.iter().all(|m| m["tenant"] == "alpha"), "{result}");
    assert!(
        matches.iter().all(|m| m["event"]["Hostname"]
            .as_str()
            .unwrap()
            .starts_with("alpha-")),
        "{result}"
    );
    assert_eq!(view["progress"]["examined"], 34, "{view}");
    // The result is kept; the job is listed for its owner only.
    let (status, again) = job(&client, &base, &alpha_read, id);
    assert_eq!(status, 200);
    assert_eq!(again["result"], view["result"]);
    let list: Value = client
        .get(format!("{base}/api/v1/jobs"))
        .bearer_auth(&alpha_read)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        list["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["id"] == id),
        "{list}"
    );
    let (status, _) = job(&client, &base, &beta_read, id);
    assert_eq!(status, 404, "another tenant's token does not see the job");
    let cancel = client
        .delete(format!("{base}/api/v1/jobs/{id}"))
        .bearer_auth(&beta_read)
        .send()
        .unwrap();
    assert_eq!(cancel.status().as_u16(), 404);
    // Naming the other tenant is a 404, not an empty answer.
    let response = client
        .post(format!("{base}/api/v1/ioc/hunt"))
        .bearer_auth(&alpha_read)
        .json(&json!({"iocs": iocs, "tenant": "beta"}))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    // A platform analyst sees both tenants, each match naming its tenant.
    let id = start(&platform, json!({}));
    let view = wait_job(&client, &base, &platform, id);
    assert_eq!(
        view["result"]["per_tenant"],
        json!({"alpha": 36, "beta": 36}),
        "{view}"
    );
    let id = start(&platform, json!({"tenant": "beta"}));
    let view = wait_job(&client, &base, &platform, id);
    assert_eq!(view["result"]["per_tenant"], json!({"beta": 36}), "{view}");
    // A bad indicator is named.
    let response = client
        .post(format!("{base}/api/v1/ioc/hunt"))
        .bearer_auth(&alpha_read)
        .json(&json!({"iocs": {"ips": ["300.1.2.3"]}}))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().unwrap().contains("300.1.2.3"));

    // Cancel: a hunt over enough events to be still running when the cancel arrives.
    let filler: Vec<Value> = (0..1000)
        .map(|i| json!({"EventID": 3, "Hostname": format!("alpha-bulk{i}"), "DestinationIp": "10.2.2.2", "@timestamp": "2026-11-21T13:00:00Z"}))
        .collect();
    for _ in 0..40 {
        ingest(&client, &base, &alpha, &filler);
    }
    wait_indexed(data, "alpha", 40_034);
    // A job that already ended keeps its state: 409. Tries until one cancel lands while its
    // job runs (the DELETE goes out as soon as the job is started).
    let mut cancelled = None;
    for _ in 0..20 {
        let id = start(&alpha_read, json!({}));
        let cancel = client
            .delete(format!("{base}/api/v1/jobs/{id}"))
            .bearer_auth(&alpha_read)
            .send()
            .unwrap();
        match cancel.status().as_u16() {
            202 => {
                cancelled = Some(id);
                break;
            }
            409 => {
                let view = wait_job(&client, &base, &alpha_read, id);
                assert_eq!(view["state"], "done", "{view}");
            }
            other => panic!("DELETE answered {other}"),
        }
    }
    let id = cancelled.expect("one cancel out of 20 reached a running job");
    let view = wait_job(&client, &base, &alpha_read, id);
    assert_eq!(view["state"], "cancelled", "{view}");
    assert!(
        view["result"].is_null(),
        "a cancelled job has no result: {view}"
    );
}
