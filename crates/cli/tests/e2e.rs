//! End-to-end tests: the real `vigie` binary in a temporary data directory, on 127.0.0.1,
//! driven by the CLI and an HTTP client the way an operator and a sender would.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_vigie");

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules")
}

/// A running `vigie serve`.
struct Vigie {
    child: Child,
    base: String,
    stdout: Arc<Mutex<Vec<String>>>,
}

impl Vigie {
    fn start(data_dir: &Path, rules: Option<&Path>) -> Vigie {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = Command::new(BIN);
        command
            .arg("--data-dir")
            .arg(data_dir)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("VIGIE_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(rules) = rules {
            command.arg("--rules").arg(rules);
        }
        let mut child = command.spawn().expect("start vigie serve");
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("vigie listening on") {
                    let _ = ready_tx.send(());
                }
                sink.lock().unwrap().push(line);
            }
        });
        if ready_rx.recv_timeout(Duration::from_secs(60)).is_err() {
            let _ = child.kill();
            panic!(
                "vigie did not start listening; stdout: {:?}",
                lines.lock().unwrap()
            );
        }
        Vigie {
            child,
            base: format!("http://127.0.0.1:{port}"),
            stdout: lines,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: no shutdown code runs.
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

fn cli(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("VIGIE_LOG", "warn")
        .output()
        .expect("run vigie")
}

fn cli_ok(data_dir: &Path, args: &[&str]) -> String {
    let out = cli(data_dir, args);
    assert!(
        out.status.success(),
        "vigie {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn token(data_dir: &Path, owner: &str, scope: &str) -> String {
    let owner_args: Vec<&str> = if owner == "platform" {
        vec!["--platform"]
    } else {
        vec!["--tenant", owner]
    };
    let mut args = vec!["token", "create", "--scope", scope];
    args.extend(owner_args);
    cli_ok(data_dir, &args).trim().to_owned()
}

fn ndjson(events: &[Value]) -> String {
    events.iter().map(|e| format!("{e}\n")).collect()
}

fn ingest(client: &Client, vigie: &Vigie, token: &str, body: String) -> (u16, Value) {
    let response = client
        .post(vigie.url("/api/v1/ingest"))
        .bearer_auth(token)
        .body(body)
        .send()
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap())
}

fn alerts(client: &Client, vigie: &Vigie, token: &str, query: &str) -> (u16, Value) {
    let response = client
        .get(vigie.url(&format!("/api/v1/alerts?{query}")))
        .bearer_auth(token)
        .send()
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap())
}

/// Every alert the token can see (following cursors).
fn all_alerts(client: &Client, vigie: &Vigie, token: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("limit=1000&cursor={c}"),
            None => "limit=1000".to_owned(),
        };
        let (status, page) = alerts(client, vigie, token, &query);
        assert_eq!(status, 200, "{page}");
        out.extend(page["alerts"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return out,
        }
    }
}

fn wait_until<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn whoami(host: &str) -> Value {
    json!({
        "EventID": 1,
        "Channel": "Microsoft-Windows-Sysmon/Operational",
        "Computer": host,
        "Image": "C:\\Windows\\System32\\whoami.exe",
        "CommandLine": "whoami /all",
        "User": "CORP\\alice",
    })
}

#[test]
fn ingest_to_alert_and_tenant_isolation() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let first = cli_ok(data, &["tenant", "add", "cpas-a", "--name", "CPAS A"]);
    assert!(first.contains("tenant cpas-a added"), "{first}");
    cli_ok(data, &["tenant", "add", "zone-b"]);
    let listed = cli_ok(data, &["tenant", "list"]);
    assert!(
        listed.contains("cpas-a") && listed.contains("zone-b"),
        "{listed}"
    );

    let ingest_a = token(data, "cpas-a", "ingest");
    let ingest_b = token(data, "zone-b", "ingest");
    let read_a = token(data, "cpas-a", "read");
    let read_b = token(data, "zone-b", "read");
    let platform = token(data, "platform", "read");
    assert!(
        ingest_a.starts_with("vgt_") && ingest_a.len() == 68,
        "{ingest_a}"
    );

    let vigie = Vigie::start(data, Some(&rules_dir()));
    let client = Client::new();

    // A whoami by an admin account is filtered out by the rule; a user's is not.
    let mut admin = whoami("ws-a1");
    admin["User"] = json!("NT AUTHORITY\\SYSTEM");
    let (status, reply) = ingest(
        &client,
        &vigie,
        &ingest_a,
        ndjson(&[whoami("ws-a1"), admin, json!({"EventID": 4624})]),
    );
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["accepted"], 3);
    // The body may claim another tenant: it stays a field; the token decides.
    let mut claim = whoami("ws-b1");
    claim["tenant"] = json!("cpas-a");
    let (status, reply) = ingest(&client, &vigie, &ingest_b, ndjson(&[claim]));
    assert_eq!((status, reply["accepted"].as_u64()), (200, Some(1)));

    let seen_a = wait_until("tenant A's alert", Duration::from_secs(30), || {
        let (_, page) = alerts(&client, &vigie, &read_a, "");
        let list = page["alerts"].as_array().unwrap().clone();
        (!list.is_empty()).then_some(list)
    });
    assert_eq!(seen_a.len(), 1, "{seen_a:?}");
    assert_eq!(seen_a[0]["tenant_slug"], "cpas-a");
    assert_eq!(seen_a[0]["rule_id"], "5f1f2b50-3d0f-4c34-9d8b-7c1a0f0e1a01");
    assert_eq!(seen_a[0]["severity"], "high");
    assert_eq!(seen_a[0]["event"]["Computer"], "ws-a1");

    let seen_b = wait_until("tenant B's alert", Duration::from_secs(30), || {
        let (_, page) = alerts(&client, &vigie, &read_b, "");
        let list = page["alerts"].as_array().unwrap().clone();
        (!list.is_empty()).then_some(list)
    });
    assert_eq!(seen_b.len(), 1);
    assert_eq!(seen_b[0]["tenant_slug"], "zone-b");
    assert_eq!(seen_b[0]["event"]["Computer"], "ws-b1");

    // Tenant A cannot reach B's alerts by naming B.
    let (status, _) = alerts(&client, &vigie, &read_a, "tenant=zone-b");
    assert_eq!(status, 404);
    // The platform sees both, and may narrow to one tenant.
    let (_, all) = alerts(&client, &vigie, &platform, "");
    assert_eq!(all["alerts"].as_array().unwrap().len(), 2);
    let (_, only_b) = alerts(&client, &vigie, &platform, "tenant=zone-b");
    let only_b = only_b["alerts"].as_array().unwrap();
    assert_eq!(only_b.len(), 1);
    assert_eq!(only_b[0]["tenant_slug"], "zone-b");
    // Filters: severity and rule.
    let (_, none) = alerts(&client, &vigie, &platform, "severity=low");
    assert!(none["alerts"].as_array().unwrap().is_empty());
    let (_, high) = alerts(
        &client,
        &vigie,
        &platform,
        "min_severity=medium&rule=5f1f2b50-3d0f-4c34-9d8b-7c1a0f0e1a01",
    );
    assert_eq!(high["alerts"].as_array().unwrap().len(), 2);
    let (status, bad) = alerts(&client, &vigie, &platform, "severity=severe");
    assert_eq!(status, 400);
    assert!(bad["error"]["message"].as_str().unwrap().contains("severe"));

    // Wrong kinds of token.
    let (status, _) = alerts(&client, &vigie, &ingest_a, "");
    assert_eq!(status, 403);
    let (status, _) = ingest(&client, &vigie, &read_a, ndjson(&[whoami("x")]));
    assert_eq!(status, 403);
    let (status, _) = ingest(&client, &vigie, "vgt_0000", ndjson(&[whoami("x")]));
    assert_eq!(status, 401);
    let response = client.get(vigie.url("/api/v1/alerts")).send().unwrap();
    assert_eq!(response.status().as_u16(), 401);

    // Rules status over the API.
    let rules: Value = client
        .get(vigie.url("/api/v1/rules"))
        .bearer_auth(&read_a)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(rules["loaded"], 2, "{rules}");
    assert_eq!(rules["rejected"], 0);
}

#[test]
fn malformed_lines_are_named_and_good_lines_kept_and_counters_balance() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli_ok(data, &["tenant", "add", "muni-c"]);
    let ingest_c = token(data, "muni-c", "ingest");
    let read_c = token(data, "muni-c", "read");
    let vigie = Vigie::start(data, Some(&rules_dir()));
    let client = Client::new();

    let body = format!(
        "{}\nthis is not json\n\n[1,2,3]\n{}\n{{\"broken\": \n",
        whoami("ws-c1"),
        json!({"EventID": 4624, "vigie_test": "marker"})
    );
    let (status, reply) = ingest(&client, &vigie, &ingest_c, body);
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["accepted"], 2);
    assert_eq!(reply["rejected"], 3);
    let errors: Vec<(u64, String)> = reply["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (2, "invalid_json".to_owned()),
            (4, "not_an_object".to_owned()),
            (6, "invalid_json".to_owned())
        ]
    );
    // Both good lines went through detection.
    wait_until("two alerts", Duration::from_secs(30), || {
        let (_, page) = alerts(&client, &vigie, &read_c, "");
        (page["alerts"].as_array().unwrap().len() == 2).then_some(())
    });

    // Only bad lines: 400, nothing accepted.
    let (status, reply) = ingest(&client, &vigie, &ingest_c, "nope\n".to_owned());
    assert_eq!((status, reply["accepted"].as_u64()), (400, Some(0)));

    // gzip body.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder
        .write_all(ndjson(&[json!({"a": 1}), json!({"a": 2})]).as_bytes())
        .unwrap();
    let response = client
        .post(vigie.url("/api/v1/ingest"))
        .bearer_auth(&ingest_c)
        .header("Content-Encoding", "gzip")
        .body(encoder.finish().unwrap())
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let reply: Value = response.json().unwrap();
    assert_eq!(reply["accepted"], 2);

    // A gzip bomb over the decoded cap (64 MiB by default) is refused whole.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let line = format!("{}\n", json!({"pad": "x".repeat(1000)}));
    for _ in 0..70_000 {
        encoder.write_all(line.as_bytes()).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    assert!(bomb.len() < 16 << 20);
    let response = client
        .post(vigie.url("/api/v1/ingest"))
        .bearer_auth(&ingest_c)
        .header("Content-Encoding", "gzip")
        .body(bomb)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);

    // received = accepted + rejected, per tenant, from /metrics.
    // /metrics answers a platform token only.
    let (status, _) = get_status(&client, &vigie.url("/metrics"), None);
    assert_eq!(status, 401);
    let (status, _) = get_status(&client, &vigie.url("/metrics"), Some(&ingest_c));
    assert_eq!(status, 403);
    let metrics_token = token(data, "platform", "read");
    let text = client
        .get(vigie.url("/metrics"))
        .bearer_auth(&metrics_token)
        .send()
        .unwrap()
        .text()
        .unwrap();
    let sums = metric_sums(&text, "muni-c");
    let received = sums
        .get("vigie_events_received_total")
        .copied()
        .unwrap_or(0.0);
    let accepted = sums
        .get("vigie_events_accepted_total")
        .copied()
        .unwrap_or(0.0);
    let rejected = sums
        .get("vigie_events_rejected_total")
        .copied()
        .unwrap_or(0.0);
    assert_eq!(received, 8.0, "{text}");
    assert_eq!(accepted, 4.0, "{text}");
    assert_eq!(rejected, 4.0, "{text}");
    assert_eq!(received, accepted + rejected);
    assert!(text.contains("vigie_ingest_bodies_refused_total"), "{text}");
    assert!(text.contains("vigie_log_backlog_events"), "{text}");

    let health: Value = client
        .get(vigie.url("/healthz"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["log"]["end_offset"], 4);
}

/// Sums each metric over the series labelled with `tenant`.
fn metric_sums(text: &str, tenant: &str) -> HashMap<String, f64> {
    let label = format!("tenant=\"{tenant}\"");
    let mut sums = HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some((series, value)) = line.rsplit_once(' ')
            && series.contains(&label)
        {
            let name = series.split('{').next().unwrap().to_owned();
            *sums.entry(name).or_insert(0.0) += value.parse::<f64>().unwrap_or(0.0);
        }
    }
    sums
}

#[test]
fn kill_9_during_sustained_ingest_loses_no_acknowledged_event_and_duplicates_no_alert() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli_ok(data, &["tenant", "add", "police-d"]);
    let ingest_d = token(data, "police-d", "ingest");
    let read_d = token(data, "police-d", "read");
    let vigie = Vigie::start(data, Some(&rules_dir()));

    let acked: Arc<Mutex<Vec<u64>>> = Arc::new(Mutex::new(Vec::new()));
    let url = vigie.url("/api/v1/ingest");
    let mut senders = Vec::new();
    for sender in 0..4u64 {
        let (acked, url, token) = (Arc::clone(&acked), url.clone(), ingest_d.clone());
        senders.push(std::thread::spawn(move || {
            let client = Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap();
            let started = Instant::now();
            let mut batch_no = 0u64;
            // Bounded: at most 20 s or until the server dies.
            while started.elapsed() < Duration::from_secs(20) {
                let seqs: Vec<u64> = (0..50)
                    .map(|i| sender * 1_000_000 + batch_no * 50 + i)
                    .collect();
                let body: String = seqs
                    .iter()
                    .map(|s| format!("{}\n", json!({"vigie_test": "marker", "seq": s})))
                    .collect();
                match client.post(&url).bearer_auth(&token).body(body).send() {
                    Ok(r) if r.status().is_success() => acked.lock().unwrap().extend(seqs),
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => return, // the server was killed
                }
                batch_no += 1;
            }
        }));
    }
    // Let ingest and detection run, then kill -9 in the middle of it.
    wait_until("some acknowledged events", Duration::from_secs(30), || {
        (acked.lock().unwrap().len() >= 5_000).then_some(())
    });
    vigie.kill9();
    for sender in senders {
        sender.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 5_000);

    let vigie = Vigie::start(data, Some(&rules_dir()));
    let client = Client::new();
    // The pipeline catches up from its committed position.
    let alerts = wait_until(
        "alerts for every acknowledged event",
        Duration::from_secs(120),
        || {
            let health: Value = client.get(vigie.url("/healthz")).send().ok()?.json().ok()?;
            if health["log"]["backlog"] != 0 {
                return None;
            }
            let all = all_alerts(&client, &vigie, &read_d);
            (all.len() >= acked.len()).then_some(all)
        },
    );
    let mut per_seq: BTreeMap<u64, usize> = BTreeMap::new();
    for alert in &alerts {
        assert_eq!(alert["rule_id"], "5f1f2b50-3d0f-4c34-9d8b-7c1a0f0e1a02");
        *per_seq
            .entry(alert["event"]["seq"].as_u64().unwrap())
            .or_default() += 1;
    }
    let duplicated: Vec<_> = per_seq.iter().filter(|(_, n)| **n > 1).collect();
    assert!(duplicated.is_empty(), "duplicated alerts: {duplicated:?}");
    let lost: Vec<_> = acked.iter().filter(|s| !per_seq.contains_key(s)).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged events lost of {}",
        lost.len(),
        acked.len()
    );
    eprintln!(
        "kill -9: {} acknowledged events, {} alerts after restart, 0 lost, 0 duplicated",
        acked.len(),
        alerts.len()
    );
}

#[test]
fn first_start_prints_admin_credentials_once() {
    let dir = tempfile::tempdir().unwrap();
    let vigie = Vigie::start(dir.path(), None);
    let first = vigie.stdout.lock().unwrap().join("\n");
    assert!(first.contains("user:     admin"), "{first}");
    let password = first
        .lines()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .unwrap()
        .to_owned();
    assert!(password.len() >= 20);
    drop(vigie);
    let again = Vigie::start(dir.path(), None);
    let second = again.stdout.lock().unwrap().join("\n");
    assert!(!second.contains("password:"), "{second}");
    // The state file does not hold the password in clear.
    let state = std::fs::read(dir.path().join("state.sqlite")).unwrap();
    assert!(
        !state
            .windows(password.len())
            .any(|w| w == password.as_bytes())
    );
}

#[test]
fn rules_check_reports_every_file_and_fails_on_rejection() {
    let good = cli(
        Path::new("unused"),
        &["rules", "check", rules_dir().to_str().unwrap()],
    );
    let text = String::from_utf8_lossy(&good.stdout);
    assert!(good.status.success(), "{text}");
    assert!(text.contains("2 rule(s) loaded, 0 rejected"), "{text}");

    let broken = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken-rules");
    let bad = cli(
        Path::new("unused"),
        &["rules", "check", broken.to_str().unwrap()],
    );
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(!bad.status.success(), "{text}");
    assert!(text.contains("1 rule(s) loaded, 2 rejected"), "{text}");
    assert!(
        text.contains("bad_condition.yml") && text.contains("missing_filter"),
        "{text}"
    );
    assert!(
        text.contains("bad_modifier.yml") && text.contains("startswithh"),
        "{text}"
    );
}

#[test]
fn config_check_reports_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigie.toml");
    std::fs::write(
        &path,
        "version = 1\nflavour = 1\n[server]\nlisten = \"here\"\n[ingest]\nmax_line_bytes = 0\nsize = 3\n",
    )
    .unwrap();
    let out = cli(
        dir.path(),
        &["--config", path.to_str().unwrap(), "config", "check"],
    );
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(text.contains("flavour: unknown key"), "{text}");
    assert!(text.contains("unknown key `size`"), "{text}");
    assert!(text.contains("[server] listen"), "{text}");
    assert!(
        text.contains("max_line_bytes: must be greater than 0"),
        "{text}"
    );

    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/vigie.example.toml");
    let out = cli(
        dir.path(),
        &["--config", example.to_str().unwrap(), "config", "check"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn get_status(client: &Client, url: &str, token: Option<&str>) -> (u16, String) {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().unwrap();
    (response.status().as_u16(), response.text().unwrap())
}
