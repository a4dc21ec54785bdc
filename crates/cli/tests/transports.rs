//! Standard transports end to end: the real `vigie` binary on 127.0.0.1 in a temporary data
//! directory, fed by clients no one here wrote: Python's `elasticsearch` client
//! (`helpers.bulk`), Debian's rsyslog (omfwd over TCP and, with its gnutls driver, TLS with
//! a client certificate) and util-linux `logger`; plus `vigie import` on real `.evtx`
//! exports. A client that is not installed makes its test print SKIPPED with the reason
//! (`scripts/test` installs them).

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_vigie");

fn rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/transport-rules")
}

struct Vigie {
    child: Child,
    base: String,
    stdout: Arc<Mutex<Vec<String>>>,
    /// A platform read token: `/metrics` answers nothing less.
    metrics_token: String,
}

impl Vigie {
    /// `vigie serve` with `config` (TOML body after `version`/`data_dir`).
    fn start(data: &Path, config: &str) -> Vigie {
        Vigie::start_on(data, config, free_port())
    }

    /// [`Vigie::start`] with its HTTP server on `port`.
    fn start_on(data: &Path, config: &str, port: u16) -> Vigie {
        Vigie::start_on_with_server(data, "", config, port)
    }

    /// [`Vigie::start_on`] with more `[server]` keys.
    fn start_on_with_server(data: &Path, server: &str, config: &str, port: u16) -> Vigie {
        let path = data.join("vigie.toml");
        std::fs::write(
            &path,
            format!(
                "version = 1\ndata_dir = {:?}\n[server]\nlisten = \"127.0.0.1:{port}\"\n{server}[detection]\nrules_dir = {:?}\n{config}",
                data.display().to_string(),
                rules().display().to_string()
            ),
        )
        .unwrap();
        let metrics_token = cli_ok(
            data,
            &[
                "token",
                "create",
                "--platform",
                "--scope",
                "read",
                "--label",
                "metrics",
            ],
        )
        .trim()
        .to_owned();
        let mut child = Command::new(BIN)
            .arg("--config")
            .arg(&path)
            .arg("serve")
            .env("VIGIE_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start vigie serve");
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let ready = line.starts_with("vigie listening on");
                sink.lock().unwrap().push(line);
                if ready {
                    let _ = ready_tx.send(());
                }
            }
        });
        if ready_rx.recv_timeout(Duration::from_secs(60)).is_err() {
            let _ = child.kill();
            panic!("vigie did not start; stdout: {:?}", lines.lock().unwrap());
        }
        Vigie {
            child,
            base: format!("http://127.0.0.1:{port}"),
            stdout: lines,
            metrics_token,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The port of a syslog listener, from the line `vigie serve` prints for it.
    fn syslog_port(&self, name: &str) -> u16 {
        let prefix = format!("vigie syslog listener {name} on ");
        let lines = self.stdout.lock().unwrap();
        let line = lines
            .iter()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no listener {name} in {lines:?}"));
        line.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// Counter values from `/metrics`, by their full name with labels.
    fn metrics(&self) -> BTreeMap<String, f64> {
        support::metrics(&self.base, &self.metrics_token)
    }

    fn counter(&self, name: &str) -> f64 {
        self.metrics().get(name).copied().unwrap_or(0.0)
    }
}

impl Drop for Vigie {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn cli(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("VIGIE_LOG", "error")
        .output()
        .expect("run vigie")
}

fn cli_ok(data: &Path, args: &[&str]) -> String {
    let out = cli(data, args);
    assert!(
        out.status.success(),
        "vigie {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn token(data: &Path, tenant: &str, scope: &str) -> String {
    cli_ok(
        data,
        &["token", "create", "--tenant", tenant, "--scope", scope],
    )
    .trim()
    .to_owned()
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

/// Every alert a read token sees.
fn alerts(client: &Client, vigie: &Vigie, token: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("limit=1000&cursor={c}"),
            None => "limit=1000".to_owned(),
        };
        let page: Value = client
            .get(vigie.url(&format!("/api/v1/alerts?{query}")))
            .bearer_auth(token)
            .send()
            .unwrap()
            .json()
            .unwrap();
        out.extend(page["alerts"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return out,
        }
    }
}

fn python() -> Option<PathBuf> {
    support::python_with_elasticsearch()
}

use support::skip as skipped;

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

const PY_BULK: &str = r#"
import sys
from elasticsearch import Elasticsearch, helpers
url, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
es = Elasticsearch(url, api_key=("vigie", token), request_timeout=30)
info = es.info()
assert info["version"]["number"].startswith("8."), info
assert es.cluster.health()["status"] in ("green", "yellow")
docs = ({"_index": "winlogbeat-test", "_op_type": "create" if i % 2 else "index",
         "EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational",
         "Image": "C:\\Windows\\System32\\whoami.exe", "CommandLine": "whoami /all",
         "User": "CORP\\alice", "Computer": f"ws{i}", "@timestamp": "2026-11-25T10:00:00+01:00"}
        for i in range(count))
ok, errors = helpers.bulk(es, docs, chunk_size=500, max_retries=5, initial_backoff=1, raise_on_error=False)
bad = list(helpers.streaming_bulk(es, [{"_index": "x", "_source": "not an object"}], raise_on_error=False))
print(f"acked {ok} errors {len(errors)} bad {bad[0][0]} {bad[0][1]['index']['status']}")
"#;

#[test]
fn bulk_with_the_python_elasticsearch_client_is_detected_per_tenant() {
    let Some(python) = python() else {
        skipped(
            "bulk_with_the_python_elasticsearch_client_is_detected_per_tenant",
            "Python with the elasticsearch package not found (scripts/test installs it)",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli_ok(data, &["tenant", "add", "cpas-a"]);
    cli_ok(data, &["tenant", "add", "zone-b"]);
    let ingest_a = token(data, "cpas-a", "ingest");
    let read_a = token(data, "cpas-a", "read");
    let read_b = token(data, "zone-b", "read");
    let vigie = Vigie::start(data, "");
    let out = Command::new(&python)
        .args(["-c", PY_BULK, &vigie.base, &ingest_a, "1200"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), "acked 1200 errors 0 bad False 400");
    let client = Client::new();
    let seen = wait_until("1200 alerts", Duration::from_secs(60), || {
        let list = alerts(&client, &vigie, &read_a);
        (list.len() >= 1200).then_some(list)
    });
    assert_eq!(seen.len(), 1200);
    assert!(seen.iter().all(|a| a["tenant_slug"] == "cpas-a"));
    assert!(alerts(&client, &vigie, &read_b).is_empty());
    let m = vigie.metrics();
    assert_eq!(
        m["vigie_events_accepted_total{tenant=\"cpas-a\",source=\"bulk\"}"],
        1200.0
    );
    assert_eq!(
        m["vigie_events_received_total{tenant=\"cpas-a\",source=\"bulk\"}"],
        1201.0
    );
}

#[test]
fn bulk_probes_auth_items_and_overload_without_loss() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli_ok(data, &["tenant", "add", "cpas-a"]);
    let ingest = token(data, "cpas-a", "ingest");
    let read = token(data, "cpas-a", "read");
    // A pipeline that takes one event per step and a backlog limit of 50: it lags at once.
    let vigie = Vigie::start(
        data,
        "[ingest]\nmax_backlog_events = 50\nretry_after_seconds = 1\nbacklog_wait_seconds = 0\n[pipeline]\nbatch_size = 1\n",
    );
    let client = Client::new();
    let basic = |user: &str, secret: &str| {
        client
            .get(vigie.url("/"))
            .basic_auth(user, Some(secret))
            .send()
            .unwrap()
    };
    let info = basic("elastic", &ingest);
    assert_eq!(info.status().as_u16(), 200);
    assert_eq!(info.headers()["x-elastic-product"], "Elasticsearch");
    let denied = basic("elastic", "wrong");
    assert_eq!(denied.status().as_u16(), 401);
    let denied: Value = denied.json().unwrap();
    assert_eq!(denied["error"]["type"], "security_exception");
    assert_eq!(basic("elastic", &read).status().as_u16(), 403);
    for (method, path) in [
        ("GET", "/_license"),
        ("GET", "/_xpack"),
        ("GET", "/_cluster/health"),
        ("HEAD", "/_index_template/filebeat-8.17.0"),
        ("GET", "/_index_template/logstash"),
        ("PUT", "/_index_template/logstash"),
        ("GET", "/_ilm/policy/filebeat"),
        ("PUT", "/_ilm/policy/filebeat"),
        ("GET", "/_ingest/pipeline/x"),
        ("PUT", "/_data_stream/logs-x"),
        ("GET", "/_cat/health"),
        ("GET", "/_nodes"),
        ("GET", "/_nodes/http"),
        ("GET", "/_nodes/_local/http"),
        ("HEAD", "/_alias/logstash"),
        ("GET", "/_template/logstash"),
        ("PUT", "/_component_template/logs-x@custom"),
    ] {
        let response = client
            .request(method.parse().unwrap(), vigie.url(path))
            .bearer_auth(&ingest)
            .body("{}")
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{method} {path}");
    }
    // What the shippers read in those answers (Beats and Logstash: the version and the
    // license; Beats: X-Pack ILM; Vector and others: health; sniffing clients: nodes).
    let probe = |path: &str| -> Value {
        client
            .get(vigie.url(path))
            .bearer_auth(&ingest)
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let root = probe("/");
    assert!(
        root["version"]["number"]
            .as_str()
            .unwrap()
            .starts_with("8.")
    );
    assert_eq!(root["tagline"], "You Know, for Search");
    let license = probe("/_license");
    assert_eq!(license["license"]["status"], "active");
    assert_eq!(license["license"]["type"], "basic");
    assert_eq!(probe("/_xpack")["features"]["ilm"]["enabled"], true);
    assert_eq!(probe("/_cluster/health")["status"], "green");
    assert!(probe("/_ilm/policy/filebeat")["filebeat"]["policy"].is_object());
    assert_eq!(
        probe("/_index_template/filebeat-8.17.0")["index_templates"][0]["name"],
        "filebeat-8.17.0"
    );
    let nodes = probe("/_nodes/http");
    let node = nodes["nodes"].as_object().unwrap().values().next().unwrap();
    assert_eq!(
        node["http"]["publish_address"],
        vigie.base.trim_start_matches("http://")
    );
    let cat = client
        .get(vigie.url("/_cat/health"))
        .bearer_auth(&ingest)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(cat.contains(" vigie green "), "{cat}");

    // Per-item outcome: the good items around a bad one are kept.
    let body = "{\"create\":{}}\n{\"n\":1}\n{\"create\":{}}\n{broken\n{\"index\":{\"_id\":\"k\"}}\n{\"n\":2}\n";
    let reply: Value = client
        .post(vigie.url("/logs-x/_bulk"))
        .bearer_auth(&ingest)
        .body(body)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(reply["errors"], true);
    let statuses: Vec<u64> = reply["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i.as_object().unwrap().values().next().unwrap()["status"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(statuses, [201, 400, 201]);
    assert_eq!(reply["items"][2]["index"]["_id"], "k");
    // A broken action line refuses the body, naming the line.
    let response = client
        .post(vigie.url("/_bulk"))
        .bearer_auth(&ingest)
        .body("{\"create\":{\"_index\":\"a\"}}\n{}\nnope\n")
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().unwrap().contains("line 3"));

    // Overload: 8 senders at once, retrying refused requests after Retry-After, until every
    // event is acknowledged. Every acknowledged event must then fire its alert exactly once.
    let senders = 8;
    let per_sender = 6;
    let batch = 100;
    let results: Vec<(u64, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..senders)
            .map(|s| {
                let (client, url, ingest) = (client.clone(), vigie.url("/_bulk"), ingest.clone());
                scope.spawn(move || {
                    let (mut acked, mut refused) = (0u64, 0u64);
                    for r in 0..per_sender {
                        let mut body = String::new();
                        for i in 0..batch {
                            body.push_str("{\"create\":{\"_index\":\"winlogbeat\"}}\n");
                            body.push_str(&json!({"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational",
                                "Image": "C:\\Windows\\System32\\whoami.exe", "User": "CORP\\bob",
                                "Computer": format!("s{s}-r{r}-i{i}")}).to_string());
                            body.push('\n');
                        }
                        loop {
                            let response = client.post(&url).bearer_auth(&ingest).body(body.clone()).send().unwrap();
                            if response.status().as_u16() == 429 {
                                let wait: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
                                refused += 1;
                                std::thread::sleep(Duration::from_secs(wait));
                                continue;
                            }
                            let reply: Value = response.json().unwrap();
                            assert_eq!(reply["errors"], false, "{reply}");
                            acked += reply["items"].as_array().unwrap().len() as u64;
                            break;
                        }
                    }
                    (acked, refused)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let acked: u64 = results.iter().map(|r| r.0).sum();
    let refused: u64 = results.iter().map(|r| r.1).sum();
    assert_eq!(acked, (senders * per_sender * batch) as u64);
    assert!(
        refused > 0,
        "the overload produced no 429: the test proves nothing"
    );
    let seen = wait_until(
        "an alert per acknowledged event",
        Duration::from_secs(120),
        || {
            let list = alerts(&client, &vigie, &read);
            (list.len() as u64 >= acked).then_some(list)
        },
    );
    let computers: std::collections::BTreeSet<String> = seen
        .iter()
        .map(|a| a["event"]["Computer"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        computers.len() as u64,
        acked,
        "an acknowledged event is missing or doubled"
    );
    let m = vigie.metrics();
    let refused_events = m
        .get("vigie_events_rejected_total{tenant=\"cpas-a\",source=\"bulk\",reason=\"backpressure\"}")
        .copied()
        .unwrap_or(0.0);
    assert_eq!(refused_events, (refused * batch as u64) as f64);
}

fn have_omelasticsearch() -> bool {
    Command::new("sh")
        .args([
            "-c",
            "ls /usr/lib/*/rsyslog/omelasticsearch.so /usr/lib/rsyslog/omelasticsearch.so 2>/dev/null",
        ])
        .output()
        .is_ok_and(|o| !o.stdout.is_empty())
}

/// The rsyslog configuration of docs/transports.md: omelasticsearch in bulk mode, a JSON
/// template, basic auth with an ingest token, refused batches to `errors`.
fn omelasticsearch_action(port: u16, token: &str, errors: &Path) -> String {
    format!(
        r#"module(load="omelasticsearch")
template(name="vigie-json" type="list" option.jsonf="on") {{
  property(outname="@timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="log.syslog.hostname" name="hostname" format="jsonf")
  property(outname="log.syslog.appname" name="programname" format="jsonf")
  property(outname="message" name="msg" format="jsonf")
}}
action(type="omelasticsearch" server="127.0.0.1" serverport="{port}" template="vigie-json"
       searchIndex="logs-system.syslog-default" bulkmode="on" uid="rsyslog" pwd="{token}"
       errorfile="{errors}" action.resumeInterval="1" action.resumeRetryCount="-1")"#,
        errors = errors.display()
    )
}

/// omelasticsearch does not retry a 429 (it writes the batch to its error file), so while
/// the pipeline lags vigie holds its `_bulk` requests (`backlog_wait_seconds`) instead of
/// refusing them: rsyslog waits and queues. 600 lines sent in one burst against a pipeline
/// that drains 5 events per step with a backlog limit of 5 (so rsyslog's back-to-back
/// batches always find the pipeline behind; paced sends could be drained in time and
/// overload nothing): every line arrives once, nothing is refused, nothing lands in the
/// error file.
#[test]
fn omelasticsearch_under_overload_is_held_not_refused_and_loses_nothing() {
    let test = "omelasticsearch_under_overload_is_held_not_refused_and_loses_nothing";
    if !have("rsyslogd") || !have_omelasticsearch() {
        skipped(
            test,
            "rsyslogd or rsyslog-elasticsearch (omelasticsearch) not installed",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli_ok(data, &["tenant", "add", "cpas-a"]);
    let ingest = token(data, "cpas-a", "ingest");
    let read = token(data, "cpas-a", "read");
    let vigie = Vigie::start(
        data,
        "[ingest]\nmax_backlog_events = 5\nbacklog_wait_seconds = 120\n[pipeline]\nbatch_size = 5\n[store]\nenabled = false\n",
    );
    let port: u16 = vigie.base.rsplit(':').next().unwrap().parse().unwrap();
    let errors = data.join("rsyslog-es").join("errors.json");
    let rsyslog = Rsyslog::start(
        &data.join("rsyslog-es"),
        "",
        &omelasticsearch_action(port, &ingest, &errors),
    );
    let total = 600usize;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", rsyslog.port)).unwrap();
    let lines: String = (0..total)
        .map(|i| format!("<13>Nov 25 10:00:00 h relay: vigie-transport-marker held {i}\n"))
        .collect();
    std::io::Write::write_all(&mut stream, lines.as_bytes()).unwrap();
    drop(stream);
    let client = Client::new();
    let seen = wait_until("an alert per line", Duration::from_secs(180), || {
        let list = alerts(&client, &vigie, &read);
        (list.len() >= total).then_some(list)
    });
    let mut numbers: Vec<usize> = seen
        .iter()
        .map(|a| {
            let message = a["event"]["message"].as_str().unwrap();
            message.rsplit(' ').next().unwrap().parse().unwrap()
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (0..total).collect::<Vec<_>>(),
        "each line exactly once"
    );
    let m = vigie.metrics();
    let get = |k: &str| m.get(k).copied().unwrap_or(0.0);
    assert_eq!(
        get("vigie_events_accepted_total{tenant=\"cpas-a\",source=\"bulk\"}"),
        total as f64
    );
    assert_eq!(
        get(
            "vigie_events_rejected_total{tenant=\"cpas-a\",source=\"bulk\",reason=\"backpressure\"}"
        ),
        0.0
    );
    assert!(
        get("vigie_ingest_backlog_waits_total") > 0.0,
        "no request was held: no overload"
    );
    assert!(
        std::fs::metadata(&errors).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound),
        "omelasticsearch wrote refused items: {}",
        std::fs::read_to_string(&errors).unwrap_or_default()
    );
}

/// rsyslog's `omelasticsearch` (Debian `rsyslog-elasticsearch`) in bulk mode with a JSON
/// template and basic auth (the password is an ingest token of zone-b). It starts while
/// vigie is down: its first `_bulk` fails, the action suspends, probes `_cat/health` until
/// vigie answers, then sends what it queued. Every line arrives once, is detected, and
/// belongs to zone-b only.
#[test]
fn omelasticsearch_from_rsyslog_is_delivered_after_an_outage_and_detected_per_tenant() {
    let test = "omelasticsearch_from_rsyslog_is_delivered_after_an_outage_and_detected_per_tenant";
    if !have("rsyslogd") || !have("logger") {
        skipped(test, "rsyslogd or logger not installed");
        return;
    }
    if !have_omelasticsearch() {
        skipped(
            test,
            "rsyslog-elasticsearch (omelasticsearch) not installed",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli_ok(data, &["tenant", "add", "cpas-a"]);
    cli_ok(data, &["tenant", "add", "zone-b"]);
    let ingest_b = token(data, "zone-b", "ingest");
    let read_a = token(data, "cpas-a", "read");
    let read_b = token(data, "zone-b", "read");
    let port = free_port();
    let errors = data.join("rsyslog-es").join("errors.json");
    let rsyslog = Rsyslog::start(
        &data.join("rsyslog-es"),
        "",
        &omelasticsearch_action(port, &ingest_b, &errors),
    );
    let send = |from: usize, to: usize| {
        for i in from..to {
            logger(
                &[
                    "--server",
                    "127.0.0.1",
                    "--port",
                    &rsyslog.port.to_string(),
                    "--tcp",
                    "-t",
                    "relay",
                ],
                &format!("vigie-transport-marker via-omelasticsearch {i}"),
            );
        }
    };
    // vigie is not running yet: rsyslog keeps these.
    send(0, 20);
    std::thread::sleep(Duration::from_secs(2));
    let vigie = Vigie::start_on(data, "", port);
    send(20, 50);
    let accepted =
        || vigie.counter("vigie_events_accepted_total{tenant=\"zone-b\",source=\"bulk\"}");
    wait_until(
        "50 events from omelasticsearch",
        Duration::from_secs(60),
        || (accepted() >= 50.0).then_some(()),
    );
    let client = Client::new();
    let seen = wait_until("50 alerts of zone-b", Duration::from_secs(60), || {
        let list = alerts(&client, &vigie, &read_b);
        (list.len() >= 50).then_some(list)
    });
    let mut numbers: Vec<usize> = seen
        .iter()
        .map(|a| {
            assert_eq!(a["tenant_slug"], "zone-b");
            assert_eq!(a["event"]["log.syslog.appname"], "relay", "{a}");
            let message = a["event"]["message"].as_str().unwrap();
            message
                .rsplit(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap_or_else(|_| panic!("{message}"))
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (0..50).collect::<Vec<_>>(),
        "each line exactly once"
    );
    assert!(alerts(&client, &vigie, &read_a).is_empty());
    assert_eq!(accepted(), 50.0);
    assert!(
        std::fs::metadata(&errors).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound),
        "omelasticsearch wrote refused items: {}",
        std::fs::read_to_string(&errors).unwrap_or_default()
    );
}

/// Datagrams the kernel drops (receive buffer full) are counted per listener at /metrics:
/// a flood at a listener with a 4 KiB receive buffer, then every datagram sent is either
/// accepted, refused by the intake, or counted as a kernel drop.
#[test]
fn udp_flood_every_datagram_is_accepted_or_counted_as_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli_ok(data, &["tenant", "add", "cpas-a"]);
    let vigie = Vigie::start(
        data,
        "[[syslog.listeners]]\nname = \"udp\"\nprotocol = \"udp\"\nlisten = \"127.0.0.1:0\"\ntenant = \"cpas-a\"\nsource_type = \"linux.syslog\"\nreceive_buffer_bytes = 4096\n",
    );
    let port = vigie.syslog_port("udp");
    let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let sent: u64 = 20_000;
    for i in 0..sent {
        let message = format!("<13>1 2026-11-25T10:00:00Z host app - - - flood {i}");
        sender
            .send_to(message.as_bytes(), ("127.0.0.1", port))
            .unwrap();
    }
    let accounted = || {
        let m = vigie.metrics();
        let get = |k: &str| m.get(k).copied().unwrap_or(0.0) as u64;
        (
            get("vigie_events_accepted_total{tenant=\"cpas-a\",source=\"syslog\"}"),
            get(
                "vigie_events_rejected_total{tenant=\"cpas-a\",source=\"syslog\",reason=\"backpressure\"}",
            ),
            get("vigie_syslog_udp_kernel_drops_total{listener=\"udp\"}"),
        )
    };
    // The drop counter is refreshed once a second.
    let (accepted, refused, dropped) = wait_until(
        "sent = accepted + refused + dropped",
        Duration::from_secs(30),
        || {
            let (a, r, d) = accounted();
            (a + r + d == sent).then_some((a, r, d))
        },
    );
    println!(
        "udp flood: sent {sent}, accepted {accepted}, refused {refused}, kernel drops {dropped}"
    );
    assert!(
        dropped > 0,
        "a 4 KiB buffer absorbed the whole flood: the test proves nothing"
    );
    assert!(accepted > 0);
    let health: Value = reqwest::blocking::get(vigie.url("/healthz"))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(health["log"]["end_offset"].as_u64().unwrap(), accepted);
}

/// Peak and current resident memory of a process, in bytes (`VmHWM`, `VmRSS`).
fn memory_of(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib = |key: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status"))
            * 1024
    };
    (kib("VmHWM:"), kib("VmRSS:"))
}

/// Overload through the real binary: `_bulk` senders and syslog TCP connections pushing as
/// fast as they can, many times what the detection pipeline drains. Bulk senders get 429
/// and `Retry-After` (backlog) or wait with their body unread (in-flight budget); syslog
/// senders are slowed by TCP. vigie's peak resident memory stays within the bound the
/// configuration sets (docs/transports.md), and every acknowledged event fires its alert
/// exactly once.
#[test]
fn overload_of_bulk_and_syslog_tcp_stays_within_the_memory_bound_and_loses_nothing() {
    if std::fs::metadata("/proc/self/status").is_err() {
        skipped(
            "overload_of_bulk_and_syslog_tcp_stays_within_the_memory_bound_and_loses_nothing",
            "no /proc/PID/status to read the peak memory from",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli_ok(data, &["tenant", "add", "cpas-a"]);
    let ingest = token(data, "cpas-a", "ingest");
    let read = token(data, "cpas-a", "read");
    let inflight: u64 = 2 << 20;
    let max_backlog: u64 = 2_000;
    let vigie = Vigie::start(
        data,
        &format!(
            "[ingest]\nmax_body_bytes = 1048576\nmax_inflight_bytes = {inflight}\nmax_backlog_events = {max_backlog}\nretry_after_seconds = 1\nbacklog_wait_seconds = 0\n\
             [pipeline]\nbatch_size = 200\n[store]\nenabled = false\n\
             [[syslog.listeners]]\nname = \"tcp\"\nprotocol = \"tcp\"\nlisten = \"127.0.0.1:0\"\ntenant = \"cpas-a\"\nsource_type = \"linux.syslog\"\n"
        ),
    );
    let pid = vigie.child.id();
    let (_, idle) = memory_of(pid);
    let port = vigie.syslog_port("tcp");
    let (bulk_senders, requests, per_request) = (8usize, 2usize, 2_000usize);
    let (syslog_senders, per_connection) = (4usize, 3_000usize);
    let client = Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let max_backlog_seen = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let started = Instant::now();
    let (bulk, offered) = std::thread::scope(|scope| {
        // Watch the backlog while the senders run.
        {
            let (seen, done, url) = (
                Arc::clone(&max_backlog_seen),
                Arc::clone(&done),
                vigie.url("/healthz"),
            );
            scope.spawn(move || {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    if let Ok(h) = reqwest::blocking::get(&url).and_then(|r| r.json::<Value>()) {
                        let backlog = h["log"]["backlog"].as_u64().unwrap_or(0);
                        seen.fetch_max(backlog, std::sync::atomic::Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            });
        }
        let syslog: Vec<_> = (0..syslog_senders)
            .map(|c| {
                scope.spawn(move || {
                    let mut body = Vec::new();
                    for i in 0..per_connection {
                        let msg = format!(
                            "<13>1 2026-11-25T10:00:00Z host app - - - vigie-transport-marker overload s{c}-{i} {}",
                            "x".repeat(150)
                        );
                        body.extend_from_slice(format!("{} {msg}", msg.len()).as_bytes());
                    }
                    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
                    std::io::Write::write_all(&mut stream, &body).unwrap();
                })
            })
            .collect();
        let senders: Vec<_> = (0..bulk_senders)
            .map(|s| {
                let (client, url, ingest) = (client.clone(), vigie.url("/_bulk"), ingest.clone());
                scope.spawn(move || {
                    let (mut acked, mut refused, mut offered) = (Vec::new(), 0u64, 0u64);
                    for r in 0..requests {
                        let mut body = String::new();
                        for i in 0..per_request {
                            body.push_str("{\"create\":{\"_index\":\"winlogbeat\"}}\n");
                            body.push_str(&json!({"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational",
                                "Image": "C:\\Windows\\System32\\whoami.exe", "User": "CORP\\bob",
                                "CommandLine": "whoami /all /fo list", "Computer": format!("b{s}-{r}-{i}")}).to_string());
                            body.push('\n');
                        }
                        loop {
                            offered += per_request as u64;
                            let response = client.post(&url).bearer_auth(&ingest).body(body.clone()).send().unwrap();
                            if response.status().as_u16() == 429 {
                                let wait: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
                                refused += 1;
                                std::thread::sleep(Duration::from_secs(wait));
                                continue;
                            }
                            assert_eq!(response.status().as_u16(), 200);
                            let reply: Value = response.json().unwrap();
                            assert_eq!(reply["errors"], false);
                            for (i, item) in reply["items"].as_array().unwrap().iter().enumerate() {
                                assert_eq!(item["create"]["status"], 201);
                                acked.push(format!("b{s}-{r}-{i}"));
                            }
                            break;
                        }
                    }
                    (acked, refused, offered)
                })
            })
            .collect();
        let results: Vec<_> = senders.into_iter().map(|h| h.join().unwrap()).collect();
        for h in syslog {
            h.join().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        let offered: u64 = results.iter().map(|r| r.2).sum();
        (results, offered)
    });
    let acked: Vec<String> = bulk.iter().flat_map(|r| r.0.iter().cloned()).collect();
    let refused: u64 = bulk.iter().map(|r| r.1).sum();
    let syslog_total = (syslog_senders * per_connection) as u64;
    assert_eq!(acked.len(), bulk_senders * requests * per_request);
    assert!(refused > 0, "no 429: the overload was not one");
    wait_until(
        "every syslog message durable",
        Duration::from_secs(120),
        || {
            (vigie.counter("vigie_events_accepted_total{tenant=\"cpas-a\",source=\"syslog\"}")
                >= syslog_total as f64)
                .then_some(())
        },
    );
    let send_seconds = started.elapsed().as_secs_f64();
    // Every acknowledged event fired its alert exactly once.
    let expected = acked.len() + syslog_total as usize;
    let seen = wait_until(
        "an alert per acknowledged event",
        Duration::from_secs(300),
        || {
            let list = alerts(&client, &vigie, &read);
            (list.len() >= expected).then_some(list)
        },
    );
    let drained_seconds = started.elapsed().as_secs_f64();
    let mut keys: Vec<String> = seen
        .iter()
        .map(|a| match a["event"]["Computer"].as_str() {
            Some(computer) => computer.to_owned(),
            None => a["event"]["message"]
                .as_str()
                .unwrap()
                .split(' ')
                .nth(2)
                .unwrap()
                .to_owned(),
        })
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(
        keys.len(),
        expected,
        "an acknowledged event is missing or doubled"
    );
    let (peak, _) = memory_of(pid);
    let waits = vigie.counter("vigie_ingest_inflight_waits_total");
    assert!(
        waits > 0.0,
        "no request waited for the in-flight budget: it was not tested"
    );
    // The bound documented in docs/transports.md: idle memory, plus 8 times the in-flight
    // budget (bodies, their events and records), plus 1 MiB per syslog connection, plus
    // 48 MiB for the pipeline's batches, the state database and the runtime.
    let bound = idle + 8 * inflight + syslog_senders as u64 * (1 << 20) + (48 << 20);
    let mib = |b: u64| b as f64 / 1048576.0;
    println!(
        "overload: offered {offered} bulk events ({refused} requests refused with 429) and {syslog_total} syslog in {send_seconds:.1}s; \
         all {expected} detected after {drained_seconds:.1}s; max backlog {}; {waits} waits for in-flight room; memory idle {:.1} MiB, peak {:.1} MiB, bound {:.1} MiB",
        max_backlog_seen.load(std::sync::atomic::Ordering::Relaxed),
        mib(idle),
        mib(peak),
        mib(bound)
    );
    assert!(
        peak <= bound,
        "peak RSS {:.1} MiB over the bound {:.1} MiB",
        mib(peak),
        mib(bound)
    );
    // The backlog stayed near its limit: beyond it by at most what was in flight (the
    // in-flight budget's worth of bulk events, one 64 KiB read per syslog connection).
    assert!(
        max_backlog_seen.load(std::sync::atomic::Ordering::Relaxed)
            < max_backlog + (inflight / 100) + syslog_senders as u64 * 400,
        "backlog reached {}",
        max_backlog_seen.load(std::sync::atomic::Ordering::Relaxed)
    );
}

/// An rsyslog instance reading `logger` over TCP and forwarding with `action`.
struct Rsyslog {
    child: Child,
    port: u16,
}

impl Rsyslog {
    fn start(dir: &Path, global: &str, action: &str) -> Rsyslog {
        let port = free_port();
        std::fs::create_dir_all(dir).unwrap();
        let conf = dir.join("rsyslog.conf");
        std::fs::write(
            &conf,
            format!(
                "global(workDirectory=\"{dir}\" {global})\nmodule(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"{port}\" address=\"127.0.0.1\")\n{action}\n",
                dir = dir.display()
            ),
        )
        .unwrap();
        let child = Command::new("rsyslogd")
            .arg("-n")
            .arg("-f")
            .arg(&conf)
            .arg("-i")
            .arg(dir.join("rsyslog.pid"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start rsyslogd");
        wait_until("rsyslog to listen", Duration::from_secs(20), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).ok()
        });
        Rsyslog { child, port }
    }
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn logger(args: &[&str], message: &str) {
    let status = Command::new("logger")
        .args(args)
        .arg(message)
        .status()
        .expect("run logger");
    assert!(status.success(), "logger {args:?}");
}

#[test]
fn syslog_from_logger_and_rsyslog_over_udp_tcp_and_tls_with_client_certificates() {
    if !have("logger") {
        skipped(
            "syslog_from_logger_and_rsyslog",
            "util-linux logger not installed",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli_ok(data, &["tenant", "add", "cpas-a"]);
    cli_ok(data, &["tenant", "add", "zone-b"]);
    cli_ok(data, &["tenant", "add", "muni-c"]);
    let read_a = token(data, "cpas-a", "read");
    let read_b = token(data, "zone-b", "read");

    // TLS material: a CA, the server's certificate, and a client certificate for zone-b.
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "vigie test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&server_key, &issuer)
            .unwrap();
    let client_key = rcgen::KeyPair::generate().unwrap();
    let mut client_params =
        rcgen::CertificateParams::new(vec!["sender.zone-b.example".to_owned()]).unwrap();
    client_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "sender.zone-b.example");
    client_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = client_params.signed_by(&client_key, &issuer).unwrap();
    let fingerprint: String = {
        use std::fmt::Write;
        let digest = Command::new("sha256sum")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write as _;
                child.stdin.take().unwrap().write_all(client_cert.der())?;
                child.wait_with_output()
            })
            .unwrap();
        let hex = String::from_utf8(digest.stdout).unwrap();
        let mut out = String::new();
        write!(out, "{}", hex.split_whitespace().next().unwrap()).unwrap();
        out
    };
    let write = |name: &str, text: String| {
        let path = data.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let ca_pem = write("ca.pem", ca.pem());
    let server_pem = write("server.pem", server.pem());
    let server_key_pem = write("server.key", server_key.serialize_pem());
    let client_pem = write("client.pem", client_cert.pem());
    let client_key_pem = write("client.key", client_key.serialize_pem());

    let config = format!(
        r#"
[[syslog.listeners]]
name = "tcp"
protocol = "tcp"
listen = "127.0.0.1:0"
tenant = "cpas-a"
source_type = "linux.syslog"

[[syslog.listeners]]
name = "udp"
protocol = "udp"
listen = "127.0.0.1:0"
source_type = "linux.syslog"
networks = [{{ cidr = "127.0.0.0/8", tenant = "cpas-a" }}]

[[syslog.listeners]]
name = "tls"
protocol = "tls"
listen = "127.0.0.1:0"
tenant = "muni-c"
source_type = "linux.syslog"
tls_cert = "{server_pem}"
tls_key = "{server_key_pem}"
tls_client_auth = "optional"
tls_client_ca = "{ca_pem}"
client_certificates = [{{ sha256 = "{fingerprint}", tenant = "zone-b" }}]
"#
    );
    let vigie = Vigie::start(data, &config);
    let (tcp, udp, tls) = (
        vigie.syslog_port("tcp").to_string(),
        vigie.syslog_port("udp").to_string(),
        vigie.syslog_port("tls").to_string(),
    );
    let accepted = |tenant: &str| {
        vigie.counter(&format!(
            "vigie_events_accepted_total{{tenant=\"{tenant}\",source=\"syslog\"}}"
        ))
    };

    // logger straight to vigie: octet counting, LF framing, UDP.
    logger(
        &[
            "--server",
            "127.0.0.1",
            "--port",
            &tcp,
            "--tcp",
            "--octet-count",
            "--rfc5424",
            "-t",
            "app",
        ],
        "vigie-transport-marker logger-5424-octet",
    );
    logger(
        &[
            "--server",
            "127.0.0.1",
            "--port",
            &tcp,
            "--tcp",
            "--rfc3164",
            "-t",
            "app",
        ],
        "vigie-transport-marker logger-3164-lf",
    );
    logger(
        &[
            "--server",
            "127.0.0.1",
            "--port",
            &udp,
            "--udp",
            "--rfc5424",
            "-t",
            "app",
        ],
        "vigie-transport-marker logger-udp",
    );
    wait_until("3 syslog events of cpas-a", Duration::from_secs(20), || {
        (accepted("cpas-a") >= 3.0).then_some(())
    });

    let client = Client::new();
    if have("rsyslogd") {
        // rsyslog forwarding over TCP, octet-counted, RFC 5424.
        let forward = Rsyslog::start(
            &data.join("rsyslog-tcp"),
            "",
            &format!(
                "action(type=\"omfwd\" target=\"127.0.0.1\" port=\"{tcp}\" protocol=\"tcp\" TCP_Framing=\"octet-counted\" template=\"RSYSLOG_SyslogProtocol23Format\")"
            ),
        );
        for i in 0..20 {
            logger(
                &[
                    "--server",
                    "127.0.0.1",
                    "--port",
                    &forward.port.to_string(),
                    "--tcp",
                    "-t",
                    "relay",
                ],
                &format!("vigie-transport-marker via-rsyslog-tcp {i}"),
            );
        }
        wait_until(
            "23 syslog events of cpas-a",
            Duration::from_secs(30),
            || (accepted("cpas-a") >= 23.0).then_some(()),
        );
        // rsyslog over TLS with the client certificate: attributed to zone-b by it.
        let gtls = std::process::Command::new("sh")
            .args([
                "-c",
                "ls /usr/lib/*/rsyslog/lmnsd_gtls.so /usr/lib/rsyslog/lmnsd_gtls.so 2>/dev/null",
            ])
            .output()
            .is_ok_and(|o| !o.stdout.is_empty());
        if gtls {
            let secure = Rsyslog::start(
                &data.join("rsyslog-tls"),
                &format!(
                    "DefaultNetstreamDriver=\"gtls\" DefaultNetstreamDriverCAFile=\"{ca_pem}\" DefaultNetstreamDriverCertFile=\"{client_pem}\" DefaultNetstreamDriverKeyFile=\"{client_key_pem}\""
                ),
                &format!(
                    "action(type=\"omfwd\" target=\"127.0.0.1\" port=\"{tls}\" protocol=\"tcp\" StreamDriver=\"gtls\" StreamDriverMode=\"1\" StreamDriverAuthMode=\"x509/certvalid\" template=\"RSYSLOG_SyslogProtocol23Format\")"
                ),
            );
            for i in 0..10 {
                logger(
                    &[
                        "--server",
                        "127.0.0.1",
                        "--port",
                        &secure.port.to_string(),
                        "--tcp",
                        "-t",
                        "relay",
                    ],
                    &format!("vigie-transport-marker via-rsyslog-tls {i}"),
                );
            }
            wait_until(
                "10 syslog events of zone-b over TLS",
                Duration::from_secs(30),
                || (accepted("zone-b") >= 10.0).then_some(()),
            );
        } else {
            skipped(
                "syslog_from_logger_and_rsyslog (TLS part)",
                "rsyslog-gnutls not installed",
            );
        }
    } else {
        skipped(
            "syslog_from_logger_and_rsyslog (rsyslog part)",
            "rsyslogd not installed",
        );
    }

    // Every event was detected, in its own tenant only.
    let expected_a = accepted("cpas-a") as usize;
    let seen_a = wait_until("alerts of cpas-a", Duration::from_secs(30), || {
        let list = alerts(&client, &vigie, &read_a);
        (list.len() >= expected_a).then_some(list)
    });
    assert_eq!(seen_a.len(), expected_a);
    let messages: Vec<&str> = seen_a
        .iter()
        .filter_map(|a| a["event"]["message"].as_str())
        .collect();
    for needle in ["logger-5424-octet", "logger-3164-lf", "logger-udp"] {
        assert!(
            messages.iter().any(|m| m.ends_with(needle)),
            "{needle} not in {messages:?}"
        );
    }
    let expected_b = accepted("zone-b") as usize;
    let seen_b = wait_until("alerts of zone-b", Duration::from_secs(30), || {
        let list = alerts(&client, &vigie, &read_b);
        (list.len() >= expected_b).then_some(list)
    });
    assert_eq!(seen_b.len(), expected_b);
    assert!(seen_b.iter().all(|a| a["tenant_slug"] == "zone-b"));
    assert_eq!(
        accepted("muni-c"),
        0.0,
        "the certificate, not the listener default, decides"
    );
}

#[test]
fn syslog_tcp_backpressure_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli_ok(data, &["tenant", "add", "cpas-a"]);
    let vigie = Vigie::start(
        data,
        "[ingest]\nmax_backlog_events = 100\n[pipeline]\nbatch_size = 10\n[[syslog.listeners]]\nname = \"tcp\"\nprotocol = \"tcp\"\nlisten = \"127.0.0.1:0\"\ntenant = \"cpas-a\"\nsource_type = \"linux.syslog\"\n",
    );
    let port = vigie.syslog_port("tcp");
    let total: u32 = 10_000;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut body = Vec::new();
    for i in 0..total {
        let msg = format!("<13>1 2026-11-25T10:00:00Z host app - - - vigie-transport-marker {i}");
        body.extend_from_slice(format!("{} {msg}", msg.len()).as_bytes());
    }
    std::io::Write::write_all(&mut stream, &body).unwrap();
    drop(stream);
    // While the pipeline drains one event per step, the backlog stays near its limit:
    // vigie reads only as fast as the log allows, and nothing is refused or lost.
    let max_backlog = std::cell::Cell::new(0u64);
    wait_until(
        "all syslog events durable",
        Duration::from_secs(120),
        || {
            let health: Value = reqwest::blocking::get(vigie.url("/healthz"))
                .unwrap()
                .json()
                .unwrap();
            max_backlog.set(
                max_backlog
                    .get()
                    .max(health["log"]["backlog"].as_u64().unwrap()),
            );
            let accepted =
                vigie.counter("vigie_events_accepted_total{tenant=\"cpas-a\",source=\"syslog\"}");
            (accepted >= f64::from(total)).then_some(())
        },
    );
    assert_eq!(
        vigie.counter("vigie_events_accepted_total{tenant=\"cpas-a\",source=\"syslog\"}"),
        f64::from(total)
    );
    // The backlog limit held: at most one 64 KiB read (under 900 of these messages) is
    // submitted past it; without backpressure the backlog would reach most of the 10000.
    assert!(
        max_backlog.get() < 100 + 2 * 900,
        "backlog reached {}",
        max_backlog.get()
    );
}

#[test]
fn import_evtx_and_jsonl_with_a_summary_and_broken_files_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    cli_ok(&data, &["tenant", "add", "cpas-a"]);
    let files = dir.path().join("files");
    std::fs::create_dir_all(files.join("nested")).unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/sigma/regression_data/rules/windows/process_creation");
    let mut evtx = 0;
    if let Ok(entries) = std::fs::read_dir(&fixtures) {
        for entry in entries.flatten().take(5) {
            for file in std::fs::read_dir(entry.path()).unwrap().flatten() {
                if file.path().extension().is_some_and(|e| e == "evtx") {
                    evtx += 1;
                    std::fs::copy(file.path(), files.join("nested").join(file.file_name()))
                        .unwrap();
                }
            }
        }
    }
    if evtx == 0 {
        skipped(
            "import_evtx_and_jsonl (EVTX part)",
            &format!(
                "Sigma regression fixtures not found at {}",
                fixtures.display()
            ),
        );
    }
    std::fs::write(files.join("broken.evtx"), b"ElfFile\0 but nothing else").unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..50 {
        std::io::Write::write_all(&mut gz, format!("{{\"n\":{i}}}\n").as_bytes()).unwrap();
    }
    std::io::Write::write_all(&mut gz, b"not json\n").unwrap();
    std::fs::write(files.join("events.jsonl.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(files.join("notes.txt"), b"skip me").unwrap();

    let out = cli(
        &data,
        &[
            "import",
            "--tenant",
            "cpas-a",
            "--quiet",
            files.to_str().unwrap(),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("notes.txt"), "{stderr}");
    assert!(stdout.contains("rejected invalid_json: 1"), "{stdout}");
    assert!(
        stdout.contains("file error:") && stdout.contains("broken.evtx"),
        "{stdout}"
    );
    let accepted: u64 = stdout
        .split("accepted ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(accepted >= 50 + evtx, "{stdout}");

    // The imported events are in the log: a server started on it counts them in its
    // backlog. Its HTTP bodies are capped at 64 KiB here.
    let vigie = Vigie::start(&data, "[ingest]\nmax_body_bytes = 65536\n");
    let health: Value = reqwest::blocking::get(vigie.url("/healthz"))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(health["log"]["end_offset"].as_u64().unwrap(), accepted);

    // While it runs, `vigie import` streams the files to it (its local socket), with the
    // same summary, files over the body cap too, under a token made for the run and
    // revoked after it.
    let big = files.join("big.jsonl");
    let lines: String = (0..3000)
        .map(|i| format!("{{\"n\":{i},\"pad\":\"{}\"}}\n", "x".repeat(80)))
        .collect();
    std::fs::write(&big, &lines).unwrap();
    assert!(lines.len() > 4 * 65536);
    let again = cli(
        &data,
        &[
            "import",
            "--tenant",
            "cpas-a",
            "--quiet",
            files.join("events.jsonl.gz").to_str().unwrap(),
            big.to_str().unwrap(),
        ],
    );
    let stdout = String::from_utf8_lossy(&again.stdout);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with(
            "imported 2 file(s) for tenant cpas-a: read 3051, accepted 3050, rejected 1"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("rejected invalid_json: 1"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "rejected: {}: line 51",
            files.join("events.jsonl.gz").display()
        )),
        "the example names the file: {stdout}"
    );
    let health: Value = reqwest::blocking::get(vigie.url("/healthz"))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        health["log"]["end_offset"].as_u64().unwrap(),
        accepted + 3050,
        "in the server's log at once"
    );
    let tokens = cli_ok(&data, &["token", "list"]);
    let run_token = tokens
        .lines()
        .find(|l| l.ends_with("vigie import (for the run)"))
        .unwrap_or_else(|| panic!("{tokens}"));
    assert!(
        run_token.split_whitespace().nth(4) == Some("true"),
        "revoked after the run: {run_token}"
    );

    // The same file through the HTTP upload.
    let ingest = token(&data, "cpas-a", "ingest");
    let reply: Value = Client::new()
        .post(vigie.url("/api/v1/import"))
        .bearer_auth(&ingest)
        .body(std::fs::read(files.join("events.jsonl.gz")).unwrap())
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(reply["accepted"], 50, "{reply}");
    assert_eq!(reply["rejected"]["invalid_json"], 1, "{reply}");
    assert!(
        reply["examples"][0]
            .as_str()
            .unwrap()
            .starts_with("upload: line 51"),
        "{reply}"
    );
}

/// A CA, a server certificate for 127.0.0.1 signed by it, and a client certificate, as PEM
/// files in `dir` named `{prefix}-ca.pem`, `{prefix}-server.pem`, `{prefix}-server.key`,
/// `{prefix}-client.pem`, `{prefix}-client.key`.
fn tls_files(dir: &Path, prefix: &str) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("vigie test CA {prefix}"));
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&server_key, &issuer)
            .unwrap();
    let client_key = rcgen::KeyPair::generate().unwrap();
    let mut client_params =
        rcgen::CertificateParams::new(vec!["analyst.soc.example".to_owned()]).unwrap();
    client_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let client = client_params.signed_by(&client_key, &issuer).unwrap();
    for (name, text) in [
        ("ca.pem", ca.pem()),
        ("server.pem", server.pem()),
        ("server.key", server_key.serialize_pem()),
        ("client.pem", client.pem()),
        ("client.key", client_key.serialize_pem()),
    ] {
        // Written whole then renamed, as a certificate manager renews.
        let tmp = dir.join(format!(".{prefix}-{name}.tmp"));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, dir.join(format!("{prefix}-{name}"))).unwrap();
    }
}

/// `curl` over HTTPS: the HTTP status (0 when the connection or handshake failed) and the
/// response headers.
fn curl_https(url: &str, ca: &Path, client: Option<(&Path, &Path)>) -> (u16, String) {
    let mut command = Command::new("curl");
    command
        .args(["-s", "-D", "-", "-o", "/dev/null", "--max-time", "10"])
        .arg("--cacert")
        .arg(ca);
    if let Some((cert, key)) = client {
        command.arg("--cert").arg(cert).arg("--key").arg(key);
    }
    let out = command.arg(url).output().unwrap();
    let headers = String::from_utf8_lossy(&out.stdout).into_owned();
    let status = headers
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, headers)
}

/// vigie serves HTTPS itself: HSTS on every answer, plain HTTP refused on that port, a
/// renewed certificate used without a restart, client certificates required when so
/// configured; and a client that sends its request head too slowly is disconnected.
#[test]
fn https_reloads_its_certificate_requires_client_certificates_and_drops_slow_clients() {
    if !have("curl") {
        skipped(
            "https_reloads_its_certificate_requires_client_certificates_and_drops_slow_clients",
            "curl is not installed",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    tls_files(data, "a");
    tls_files(data, "b");
    let file = |name: &str| data.join(name);
    // The server starts with the certificate of CA "a"; `live` is the file it reads.
    std::fs::copy(file("a-server.pem"), file("live.pem")).unwrap();
    std::fs::copy(file("a-server.key"), file("live.key")).unwrap();
    let port = free_port();
    let config = format!(
        "tls_cert = {:?}\ntls_key = {:?}\ntls_reload_seconds = 1\nheader_read_timeout_seconds = 2\n",
        file("live.pem").display().to_string(),
        file("live.key").display().to_string()
    );
    // [server] keys go right after `listen` (the harness writes that section).
    let vigie = Vigie::start_on_with_server(data, &config, "", port);
    assert!(
        vigie
            .stdout
            .lock()
            .unwrap()
            .iter()
            .any(|l| *l == format!("vigie listening on https://127.0.0.1:{port}")),
        "{:?}",
        vigie.stdout.lock().unwrap()
    );
    let url = format!("https://127.0.0.1:{port}/healthz");
    let (status, headers) = curl_https(&url, &file("a-ca.pem"), None);
    assert_eq!(status, 200, "{headers}");
    assert!(
        headers
            .to_ascii_lowercase()
            .contains("strict-transport-security: max-age=31536000"),
        "{headers}"
    );
    // Plain HTTP on the TLS port gets no answer.
    let plain = Client::new()
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .timeout(Duration::from_secs(5))
        .send();
    assert!(
        plain.is_err() || !plain.unwrap().status().is_success(),
        "plain HTTP answered on the TLS port"
    );

    // A slow client: half a request head, then silence. It is disconnected after the
    // header timeout (2 s), not held forever.
    {
        use std::io::{Read, Write};
        let mut slow = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        slow.set_read_timeout(Some(Duration::from_secs(15)))
            .unwrap();
        slow.write_all(b"\x16\x03\x01").unwrap();
        let started = Instant::now();
        let mut buf = [0u8; 64];
        let outcome = slow.read(&mut buf);
        let waited = started.elapsed();
        assert!(
            matches!(outcome, Ok(0) | Err(_)) && waited < Duration::from_secs(10),
            "slow client not dropped: {outcome:?} after {waited:?}"
        );
        assert!(
            waited >= Duration::from_secs(1),
            "dropped too early: {waited:?}"
        );
    }

    // Renewal: the files now hold CA "b"'s certificate; within a few seconds new
    // connections get it, and CA "a" no longer verifies.
    std::fs::copy(file("b-server.pem"), file(".live.pem.tmp")).unwrap();
    std::fs::copy(file("b-server.key"), file(".live.key.tmp")).unwrap();
    std::fs::rename(file(".live.key.tmp"), file("live.key")).unwrap();
    std::fs::rename(file(".live.pem.tmp"), file("live.pem")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, _) = curl_https(&url, &file("b-ca.pem"), None);
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the renewed certificate was not used"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(curl_https(&url, &file("a-ca.pem"), None).0, 0);
    // A broken renewal keeps the last good certificate.
    std::fs::write(file("live.pem"), "not a certificate").unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(curl_https(&url, &file("b-ca.pem"), None).0, 200);
    drop(vigie);

    // Client certificates required: without one no request reaches vigie.
    std::fs::copy(file("a-server.pem"), file("live.pem")).unwrap();
    std::fs::copy(file("a-server.key"), file("live.key")).unwrap();
    let config = format!(
        "tls_cert = {:?}\ntls_key = {:?}\ntls_client_auth = \"required\"\ntls_client_ca = {:?}\n",
        file("live.pem").display().to_string(),
        file("live.key").display().to_string(),
        file("a-ca.pem").display().to_string()
    );
    let port = free_port();
    let _vigie = Vigie::start_on_with_server(data, &config, "", port);
    let url = format!("https://127.0.0.1:{port}/healthz");
    assert_eq!(curl_https(&url, &file("a-ca.pem"), None).0, 0);
    let (status, headers) = curl_https(
        &url,
        &file("a-ca.pem"),
        Some((&file("a-client.pem"), &file("a-client.key"))),
    );
    assert_eq!(status, 200, "{headers}");
    // A client certificate of another CA is refused too.
    assert_eq!(
        curl_https(
            &url,
            &file("a-ca.pem"),
            Some((&file("b-client.pem"), &file("b-client.key")))
        )
        .0,
        0
    );
}

/// Removes the tmpfs mounted for a test, even when the test fails.
struct Tmpfs(PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// D1 (disk full): the data directory on a 96 MiB tmpfs. When another process takes the
/// space, ingest is refused with 507 and `Retry-After` before the disk is full (nothing of
/// the refused request is accepted, the refusal is counted), syslog stops reading, and
/// intake resumes by itself once the space is freed; every acknowledged event is in the
/// log after a restart.
#[test]
fn a_nearly_full_disk_refuses_before_enospc_and_resumes_alone() {
    const TEST: &str = "a_nearly_full_disk_refuses_before_enospc_and_resumes_alone";
    let dir = tempfile::tempdir().unwrap();
    let mount = dir.path().join("data");
    std::fs::create_dir(&mount).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=96m", "tmpfs"])
        .arg(&mount)
        .output();
    if !mounted.as_ref().is_ok_and(|o| o.status.success()) {
        skipped(
            TEST,
            &format!(
                "cannot mount a tmpfs here (needs root): {}",
                mounted.map_or_else(
                    |e| e.to_string(),
                    |o| String::from_utf8_lossy(&o.stderr).into_owned()
                )
            ),
        );
        return;
    }
    let _tmpfs = Tmpfs(mount.clone());
    let data = mount.as_path();
    cli_ok(data, &["tenant", "add", "cpas-a"]);
    let ingest = token(data, "cpas-a", "ingest");
    let config = "[ingest]\nmin_free_disk_bytes = 33554432\n[store]\nenabled = false\n";
    let port = free_port();
    let vigie = Vigie::start_on(data, config, port);
    let client = Client::new();
    let mut acked = 0u64;
    let mut send = |n: usize| -> (u16, Option<String>) {
        let body: String = (0..n)
            .map(|i| {
                format!(
                    "{{\"EventID\":4624,\"seq\":{i},\"pad\":\"{}\"}}\n",
                    "x".repeat(200)
                )
            })
            .collect();
        let response = client
            .post(vigie.url("/api/v1/ingest"))
            .bearer_auth(&ingest)
            .body(body)
            .send()
            .unwrap();
        let status = response.status().as_u16();
        let retry = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let reply: Value = response.json().unwrap();
        if status == 200 {
            acked += reply["accepted"].as_u64().unwrap();
        }
        (status, retry)
    };
    assert_eq!(send(500).0, 200);
    // Another process takes the space down to ~20 MiB free: under the 32 MiB reserve.
    let free = |path: &Path| {
        let out = Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(path)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .parse::<u64>()
            .unwrap()
    };
    let filler = data.join("filler");
    let take = free(data) - (20 << 20);
    let filled = Command::new("fallocate")
        .args(["-l", &take.to_string()])
        .arg(&filler)
        .status()
        .unwrap();
    assert!(filled.success());
    let refused_before = vigie.counter(
        "vigie_events_rejected_total{tenant=\"cpas-a\",source=\"http\",reason=\"disk_low\"}",
    );
    let (status, retry) = send(500);
    assert_eq!(status, 507);
    assert!(retry.is_some(), "no Retry-After");
    let refused = vigie.counter(
        "vigie_events_rejected_total{tenant=\"cpas-a\",source=\"http\",reason=\"disk_low\"}",
    ) - refused_before;
    assert_eq!(refused, 500.0);
    assert!(free(data) > 16 << 20, "the disk filled anyway");
    // The server is up and answers; freeing the space resumes intake without a restart.
    std::fs::remove_file(&filler).unwrap();
    let started = Instant::now();
    loop {
        if send(500).0 == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "did not resume"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let resumed = started.elapsed();
    drop(vigie);
    // Every acknowledged event is in the log.
    let vigie = Vigie::start_on(data, config, free_port());
    let health: Value = client
        .get(vigie.url("/healthz"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(health["log"]["end_offset"].as_u64(), Some(acked));
    println!(
        "D1: refused 500 events at the reserve, resumed {resumed:?} after space was freed, {acked} acknowledged events all in the log"
    );
}
