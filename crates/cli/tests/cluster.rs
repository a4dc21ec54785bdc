//! Cluster mode, event log part: `vigie serve` with `[cluster.nats]` on a real 3-server
//! NATS JetStream cluster (R3 streams, 4 partitions). `vigie cluster init` creates the
//! streams; events ingested over HTTP are detected; a kill -9 of vigie under sustained
//! ingest and then the loss of one nats-server lose no acknowledged event and duplicate no
//! alert. Skipped, with the reason, when no nats-server 2.11+ is installed.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};
use support::{Server, all_alerts, cli, start_with_args, start_with_config};
use vigie_nats::testing::{NatsCluster, skip};

const MARKER_RULE: &str = "5f1f2b50-3d0f-4c34-9d8b-7c1a0f0e1a02";

/// The Python Elasticsearch client against two ingest nodes, for about 25 s: marker
/// documents in chunks of 200, retried (and failed over) on connection errors and 429/503;
/// prints `ok N` for each document the servers acknowledged. The client's own retries are
/// immediate: when both nodes refuse connections for a moment (one killed, the other
/// restarting on a loaded machine) they run out, so a refused connection (nothing was
/// sent) makes the script wait a second and go on from the first document without an
/// answer; any other error ends it.
const PY_BULK_FAILOVER: &str = r#"
import sys, time
import elastic_transport
from elasticsearch import Elasticsearch, helpers
a, b, token, first = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
es = Elasticsearch([a, b], api_key=("vigie", token), request_timeout=15,
                   retry_on_status=(429, 502, 503, 504), max_retries=30, retry_on_timeout=True)
def docs(start):
    for i in range(start, 20000):
        if i % 200 == 0:
            time.sleep(0.25)
        yield {"_index": "logs-failover", "_op_type": "create", "_id": str(first + i),
               "vigie_test": "marker", "seq": first + i}
answered = 0
for attempt in range(30):
    try:
        for ok, item in helpers.streaming_bulk(es, docs(answered), chunk_size=200, max_retries=10,
                                               initial_backoff=1, raise_on_error=False):
            answered += 1
            if ok:
                print("ok", item["create"]["_id"], flush=True)
        break
    except elastic_transport.ConnectionError as error:
        if "refused" not in str(error):
            raise
        time.sleep(1)
"#;

fn rules_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules")
}

fn write_config(dir: &Path, nats: &NatsCluster) -> std::path::PathBuf {
    let urls: Vec<String> = nats.urls().iter().map(|u| format!("{u:?}")).collect();
    let path = dir.join("vigie.toml");
    std::fs::write(
        &path,
        format!(
            "version = 1\n\n[store]\nenabled = false\n\n[cluster.nats]\nurls = [{}]\n\
             partitions = 4\nreplicas = 3\nack_wait_seconds = 5\npin_timeout_seconds = 2\n\
             publish_timeout_seconds = 5\n",
            urls.join(", ")
        ),
    )
    .unwrap();
    path
}

/// A token of `tenant` with `scope`, made from the command line.
fn token(config: &Path, data: &Path, tenant: &str, scope: &str) -> String {
    cli_config(
        config,
        data,
        &["token", "create", "--tenant", tenant, "--scope", scope],
    )
}

fn cli_config(config: &Path, data: &Path, args: &[&str]) -> String {
    let mut all = vec!["--config", config.to_str().unwrap()];
    all.extend_from_slice(args);
    cli(data, &all)
}

/// Senders post marker events for up to `for_at_most` or until the server is gone; the
/// sequence numbers of acknowledged requests go into `acked`.
fn senders(
    url: String,
    token: String,
    acked: Arc<Mutex<Vec<u64>>>,
    first: u64,
    for_at_most: Duration,
    pause: Duration,
) -> Vec<std::thread::JoinHandle<u64>> {
    (0..3u64)
        .map(|sender| {
            let (acked, url, token) = (acked.clone(), url.clone(), token.clone());
            std::thread::spawn(move || {
                let client = Client::builder()
                    .timeout(Duration::from_secs(15))
                    .build()
                    .unwrap();
                let started = Instant::now();
                let mut refused = 0;
                let mut batch = 0u64;
                while started.elapsed() < for_at_most {
                    let seqs: Vec<u64> = (0..50)
                        .map(|i| first + sender * 10_000_000 + batch * 50 + i)
                        .collect();
                    let body: String = seqs
                        .iter()
                        .map(|s| format!("{}\n", json!({"vigie_test": "marker", "seq": s})))
                        .collect();
                    match client.post(&url).bearer_auth(&token).body(body).send() {
                        Ok(r) if r.status().is_success() => acked.lock().unwrap().extend(seqs),
                        // Refused (503 while NATS elects a leader, 429): not acknowledged.
                        Ok(_) => {
                            refused += 50;
                            std::thread::sleep(Duration::from_millis(200));
                        }
                        Err(_) => return refused,
                    }
                    batch += 1;
                    std::thread::sleep(pause);
                }
                refused
            })
        })
        .collect()
}

fn wait_for_alerts(
    client: &Client,
    server: &Server,
    token: &str,
    acked: &[u64],
    within: Duration,
) -> BTreeMap<u64, usize> {
    let started = Instant::now();
    loop {
        // The backlog first (cheap), then the alerts once.
        support::drained_within(client, server, within);
        let alerts = all_alerts(client, server, token);
        let mut per_seq: BTreeMap<u64, usize> = BTreeMap::new();
        for alert in &alerts {
            assert_eq!(alert["rule_id"], MARKER_RULE);
            *per_seq
                .entry(alert["event"]["seq"].as_u64().unwrap())
                .or_default() += 1;
        }
        if acked.iter().all(|s| per_seq.contains_key(s)) {
            return per_seq;
        }
        let missing = acked.iter().filter(|s| !per_seq.contains_key(s)).count();
        assert!(
            started.elapsed() < within,
            "{missing} of {} acknowledged events have no alert after {within:?}",
            acked.len()
        );
        std::thread::sleep(Duration::from_secs(2));
    }
}

#[test]
fn ingest_detect_and_survive_kill_9_and_a_lost_nats_server() {
    let mut nats = match NatsCluster::start(3) {
        Ok(nats) => nats,
        Err(reason) => {
            skip(
                "ingest_detect_and_survive_kill_9_and_a_lost_nats_server",
                &reason,
            );
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_config(dir.path(), &nats);
    let report = cli_config(&config, &data, &["cluster", "init"]);
    assert_eq!(report.matches(": created,").count(), 4, "{report}");
    assert!(report.contains("3 replica(s)"), "{report}");
    cli_config(&config, &data, &["tenant", "add", "zone-police"]);
    let ingest = token(&config, &data, "zone-police", "ingest");
    let read = token(&config, &data, "zone-police", "read");

    // 1. Sustained ingest, kill -9 of vigie in the middle.
    let server = start_with_config(&data, Some(&rules_dir()), Some(&config));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let url = format!("{}/api/v1/ingest", server.base);
    let threads = senders(
        url,
        ingest.clone(),
        acked.clone(),
        0,
        Duration::from_secs(20),
        Duration::ZERO,
    );
    let started = Instant::now();
    while acked.lock().unwrap().len() < 3_000 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "ingest too slow"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(server); // SIGKILL
    let refused_1: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();

    // 2. Restart, ingest again, lose one nats-server meanwhile.
    let server = start_with_config(&data, Some(&rules_dir()), Some(&config));
    let url = format!("{}/api/v1/ingest", server.base);
    let threads = senders(
        url,
        ingest,
        acked.clone(),
        1 << 40,
        Duration::from_secs(10),
        Duration::ZERO,
    );
    std::thread::sleep(Duration::from_secs(3));
    nats.kill(2);
    std::thread::sleep(Duration::from_secs(4));
    nats.restart(2).expect("restart the nats-server");
    let refused_2: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    let acked = acked.lock().unwrap().clone();

    let client = Client::new();
    let per_seq = wait_for_alerts(&client, &server, &read, &acked, Duration::from_secs(120));
    let duplicated: Vec<_> = per_seq.iter().filter(|(_, n)| **n > 1).take(5).collect();
    assert!(duplicated.is_empty(), "duplicated alerts: {duplicated:?}");
    eprintln!(
        "cluster: {} acknowledged events, {} refused while a server was down, {} alerts, \
         0 lost, 0 duplicated",
        acked.len(),
        refused_1 + refused_2,
        per_seq.len()
    );
    // `vigie cluster status` shows every stream with its replicas and an empty backlog.
    let started = Instant::now();
    loop {
        let status = cli_config(&config, &data, &["cluster", "status"]);
        if status
            .matches("consumer detect: 0 waiting, 0 handed out")
            .count()
            == 4
        {
            assert_eq!(status.matches("3 replica(s)").count(), 4, "{status}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{status}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// With every nats-server down, ingest is refused with 503 and `Retry-After`, naming the
/// engine and the servers, and nothing is acknowledged; once they are back, ingest resumes
/// without a restart of vigie.
#[test]
fn nats_down_means_503_with_retry_after_then_resume() {
    let mut nats = match NatsCluster::start(3) {
        Ok(nats) => nats,
        Err(reason) => {
            skip("nats_down_means_503_with_retry_after_then_resume", &reason);
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_config(dir.path(), &nats);
    cli_config(&config, &data, &["cluster", "init"]);
    cli_config(&config, &data, &["tenant", "add", "cpas-mons"]);
    let ingest = token(&config, &data, "cpas-mons", "ingest");
    let read = token(&config, &data, "cpas-mons", "read");
    let server = start_with_config(&data, Some(&rules_dir()), Some(&config));
    let client = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let post = |path: &str, body: &str| {
        client
            .post(format!("{}{path}", server.base))
            .bearer_auth(&ingest)
            .header("content-type", "application/x-ndjson")
            .body(body.to_owned())
            .send()
            .unwrap()
    };
    let event = format!("{}\n", json!({"vigie_test": "marker", "seq": 1}));
    assert_eq!(post("/api/v1/ingest", &event).status().as_u16(), 200);

    for i in 0..nats.len() {
        nats.kill(i);
    }
    // /healthz turns 503 "degraded", naming the log's engine as unreachable.
    let health_started = Instant::now();
    loop {
        let response = client
            .get(format!("{}/healthz", server.base))
            .send()
            .unwrap();
        let status = response.status().as_u16();
        let health: Value = response.json().unwrap();
        if status == 503 {
            assert_eq!(health["status"], "degraded", "{health}");
            assert_eq!(health["log"]["engine"], "NATS JetStream", "{health}");
            assert_eq!(health["log"]["reachable"], false, "{health}");
            assert_eq!(health["state"]["reachable"], true, "{health}");
            break;
        }
        assert!(
            health_started.elapsed() < Duration::from_secs(15),
            "healthz still {status}: {health}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let started = Instant::now();
    let refused = post("/api/v1/ingest", &event);
    assert_eq!(refused.status().as_u16(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(refused.headers().contains_key("retry-after"));
    let body: Value = refused.json().unwrap();
    let message = body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("NATS JetStream") && message.contains("127.0.0.1"),
        "{body}"
    );
    let bulk = format!(
        "{}\n{}\n",
        json!({"create": {"_index": "logs"}}),
        json!({"vigie_test": "marker", "seq": 2})
    );
    let refused = post("/_bulk", &bulk);
    let (status, retry) = (
        refused.status().as_u16(),
        refused.headers().contains_key("retry-after"),
    );
    let text = refused.text().unwrap_or_default();
    assert_eq!(status, 503, "{text}");
    assert!(
        retry && text.contains("unavailable_shards_exception"),
        "{text}"
    );

    nats.restart_stopped().expect("restart the servers");
    let started = Instant::now();
    loop {
        let status = post("/api/v1/ingest", &event).status().as_u16();
        if status == 200 {
            break;
        }
        assert_eq!(status, 503, "only 503 while the servers come back");
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "ingest did not resume"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    eprintln!("ingest resumed {:?} after the restart", started.elapsed());
    // Detection resumed too: an event sent after the outage gets its alert.
    let after = format!("{}\n", json!({"vigie_test": "marker", "seq": 3}));
    assert_eq!(post("/api/v1/ingest", &after).status().as_u16(), 200);
    let per_seq = wait_for_alerts(&client, &server, &read, &[1, 3], Duration::from_secs(60));
    assert_eq!(per_seq.get(&3), Some(&1), "{per_seq:?}");
    eprintln!(
        "detection resumed {:?} after the restart",
        started.elapsed()
    );
}

/// Roles on two nodes: events posted to an ingest-only node are detected by a detect+web
/// node; each refuses with 421 the part it does not serve. (Each node has its own state
/// database until the PostgreSQL backend is wired: the same tenant is created on both.)
#[test]
fn roles_split_ingest_and_detection_over_two_nodes() {
    let nats = match NatsCluster::start(3) {
        Ok(nats) => nats,
        Err(reason) => {
            skip("roles_split_ingest_and_detection_over_two_nodes", &reason);
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &nats);
    let (data_a, data_b) = (dir.path().join("a"), dir.path().join("b"));
    cli_config(&config, &data_a, &["cluster", "init"]);
    let mut tokens = Vec::new();
    for (data, scope) in [(&data_a, "ingest"), (&data_b, "read")] {
        cli_config(&config, data, &["tenant", "add", "ocmw-gent"]);
        tokens.push(token(&config, data, "ocmw-gent", scope));
    }
    let ingest_node = start_with_args(
        &data_a,
        Some(&rules_dir()),
        Some(&config),
        &["--role", "ingest"],
    );
    let detect_node = start_with_args(
        &data_b,
        Some(&rules_dir()),
        Some(&config),
        &["--role", "detect,web,jobs"],
    );
    let client = Client::new();
    let body: String = (0..200)
        .map(|seq| format!("{}\n", json!({"vigie_test": "marker", "seq": seq})))
        .collect();
    let response = client
        .post(format!("{}/api/v1/ingest", ingest_node.base))
        .bearer_auth(&tokens[0])
        .body(body.clone())
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let acked: Vec<u64> = (0..200).collect();
    let per_seq = wait_for_alerts(
        &client,
        &detect_node,
        &tokens[1],
        &acked,
        Duration::from_secs(60),
    );
    assert_eq!(per_seq.len(), 200);
    assert!(per_seq.values().all(|n| *n == 1));
    // The ingest node detects nothing and serves no desk; the detect node takes no events.
    let misdirected = client
        .get(format!("{}/api/v1/alerts", ingest_node.base))
        .bearer_auth(&tokens[0])
        .send()
        .unwrap();
    assert_eq!(misdirected.status().as_u16(), 421);
    let text = misdirected.text().unwrap();
    assert!(
        text.contains("web role") && text.contains("runs ingest"),
        "{text}"
    );
    let misdirected = client
        .post(format!("{}/api/v1/ingest", detect_node.base))
        .bearer_auth(&tokens[1])
        .body(body)
        .send()
        .unwrap();
    assert_eq!(misdirected.status().as_u16(), 421);
    for node in [&ingest_node, &detect_node] {
        let health = client.get(format!("{}/healthz", node.base)).send().unwrap();
        assert_eq!(health.status().as_u16(), 200);
    }
    // --role without a shared log is refused, naming what is missing.
    let out = std::process::Command::new(support::BIN)
        .args(["--data-dir"])
        .arg(dir.path().join("c"))
        .args(["serve", "--listen", "127.0.0.1:0", "--role", "detect"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--role detect needs [cluster.nats]"),
        "{stderr}"
    );
    // `vigie backup` covers the embedded engines and says so in cluster mode.
    let out = std::process::Command::new(support::BIN)
        .args(["--config", config.to_str().unwrap(), "--data-dir"])
        .arg(&data_b)
        .arg("backup")
        .arg(dir.path().join("backup"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("VIGIE_EVENTS_*") && stderr.contains("docs/cluster.md"),
        "{stderr}"
    );
}

/// Correlation windows move with their partition: a node detects two of three failed
/// logins, is killed (-9), and the node taking the partition over completes the window from
/// the state it reads in the shared key-value bucket: one alert, over all three events.
#[test]
fn correlation_window_moves_to_the_next_owner_of_a_partition() {
    let nats = match NatsCluster::start(3) {
        Ok(nats) => nats,
        Err(reason) => {
            skip(
                "correlation_window_moves_to_the_next_owner_of_a_partition",
                &reason,
            );
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &nats);
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/correlation-rules");
    let (data_a, data_b) = (dir.path().join("a"), dir.path().join("b"));
    cli_config(&config, &data_a, &["cluster", "init"]);
    let mut tokens = Vec::new();
    for data in [&data_a, &data_b] {
        cli_config(&config, data, &["tenant", "add", "zone-a"]);
        tokens.push((
            token(&config, data, "zone-a", "ingest"),
            token(&config, data, "zone-a", "read"),
        ));
    }
    let client = Client::new();
    let failed_login = |server: &Server, token: &str| {
        let event = json!({"EventID": 4625, "Channel": "Security", "TargetUserName": "administrator", "IpAddress": "198.51.100.4"});
        let status = client
            .post(format!("{}/api/v1/ingest", server.base))
            .bearer_auth(token)
            .body(format!("{event}\n"))
            .send()
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 200);
    };
    // Node A alone: it owns every partition and handles two of the three events.
    let node_a = start_with_config(&data_a, Some(&rules), Some(&config));
    failed_login(&node_a, &tokens[0].0);
    failed_login(&node_a, &tokens[0].0);
    support::drained(&client, &node_a);
    std::thread::sleep(Duration::from_secs(2)); // the commit (and state save) after the batch
    let node_b = start_with_config(&data_b, Some(&rules), Some(&config));
    drop(node_a); // SIGKILL
    failed_login(&node_b, &tokens[1].0);
    let started = Instant::now();
    let alerts = loop {
        let alerts = all_alerts(&client, &node_b, &tokens[1].1);
        if !alerts.is_empty() {
            break alerts;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the window was not completed on the new owner"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    std::thread::sleep(Duration::from_secs(3));
    let alerts_after = all_alerts(&client, &node_b, &tokens[1].1);
    assert_eq!(alerts_after.len(), 1, "{alerts_after:?}");
    assert_eq!(alerts[0]["rule_id"], "7a1c0d52-1b7e-4a57-9b1f-2f8e3c4d5e02");
    assert_eq!(
        alerts[0]["event"]["correlation"]["total_events"], 3,
        "{}",
        alerts[0]
    );
    eprintln!(
        "window completed on the new owner after {:?}",
        started.elapsed()
    );
}

/// The whole cluster: two ingest+detect nodes (one of them also web) and one web node sharing a 3-server NATS
/// cluster and one PostgreSQL. Under sustained ingest to both ingest nodes: kill -9 one
/// vigie node, then one nats-server (restarted), then PostgreSQL (stopped like a crash and
/// started again). Every acknowledged event has exactly one alert, visible from the web
/// node and from the surviving node; a session opened on one node works on another; the
/// tenant's alerts are invisible to another tenant; detection resumes after PostgreSQL is
/// back.
#[test]
fn shared_state_cluster_survives_a_node_a_nats_server_and_postgresql() {
    let test = "shared_state_cluster_survives_a_node_a_nats_server_and_postgresql";
    let mut nats = match NatsCluster::start(3) {
        Ok(nats) => nats,
        Err(reason) => return skip(test, &reason),
    };
    let pg = match vigie_soc::testsuite::pg::PgServer::start_own() {
        Ok(pg) => pg,
        Err(reason) => return skip(test, &format!("no PostgreSQL: {reason}")),
    };
    let (admin_url, app_url) = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(pg.database());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &nats);
    let (url_file, migrate_file) = (dir.path().join("pg.url"), dir.path().join("pg-owner.url"));
    std::fs::write(&url_file, format!("{app_url}\n")).unwrap();
    std::fs::write(&migrate_file, format!("{admin_url}\n")).unwrap();
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[cluster.postgres]\nurl_file = {:?}\nmigrate_url_file = {:?}\n",
        url_file.display().to_string(),
        migrate_file.display().to_string()
    ));
    std::fs::write(&config, text).unwrap();
    let (data_a, data_b, data_c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    cli_config(&config, &data_a, &["cluster", "init"]);
    // Tenants, tokens and users live in PostgreSQL: made once, from any node's command line.
    cli_config(&config, &data_a, &["tenant", "add", "hopital-namur"]);
    cli_config(&config, &data_b, &["tenant", "add", "police-zone-nord"]);
    let ingest = token(&config, &data_a, "hopital-namur", "ingest");
    let read = token(&config, &data_c, "hopital-namur", "read");
    let other_read = token(&config, &data_b, "police-zone-nord", "read");
    let other_ingest = token(&config, &data_b, "police-zone-nord", "ingest");
    // The two tenants' HTTP events go to different partitions (4 of them), so the second
    // tenant's events do not queue behind the first one's backlog.
    let partition = |tenant| {
        vigie_log::PartitionKey {
            tenant,
            source: "http",
        }
        .partition(4)
    };
    assert_ne!(partition("hopital-namur"), partition("police-zone-nord"));
    let mut user = std::process::Command::new(support::BIN)
        .args(["--config", config.to_str().unwrap(), "--data-dir"])
        .arg(&data_c)
        .args([
            "user",
            "add",
            "lead",
            "--role",
            "soc_lead",
            "--tenant",
            "hopital-namur",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = user.stdin.take().unwrap();
        writeln!(stdin, "correct horse battery staple").unwrap();
    }
    assert!(user.wait().unwrap().success());

    let rules = rules_dir();
    let node_a = start_with_args(
        &data_a,
        Some(&rules),
        Some(&config),
        &["--role", "ingest,detect"],
    );
    let node_b = start_with_args(
        &data_b,
        Some(&rules),
        Some(&config),
        &["--role", "ingest,detect,web"],
    );
    let web = start_with_args(
        &data_c,
        Some(&rules),
        Some(&config),
        &["--role", "web,jobs"],
    );

    // A session opened on one node works on another (sessions are in PostgreSQL).
    let client = Client::new();
    let login = client
        .post(format!("{}/api/v1/auth/login", web.base))
        .json(&json!({"username": "lead", "password": "correct horse battery staple"}))
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

    // Sustained ingest to both ingest nodes.
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut threads = senders(
        format!("{}/api/v1/ingest", node_a.base),
        ingest.clone(),
        acked.clone(),
        0,
        Duration::from_secs(25),
        Duration::from_millis(100),
    );
    threads.extend(senders(
        format!("{}/api/v1/ingest", node_b.base),
        ingest.clone(),
        acked.clone(),
        1 << 40,
        Duration::from_secs(25),
        Duration::from_millis(100),
    ));
    // And the real Python Elasticsearch client, given both ingest nodes: it fails over when
    // one dies. It prints the sequence number of every document the servers acknowledged.
    let python = support::python_with_elasticsearch().map(|python| {
        std::process::Command::new(python)
            .args([
                "-c",
                PY_BULK_FAILOVER,
                &node_a.base,
                &node_b.base,
                &ingest,
                &(1u64 << 52).to_string(),
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    });
    if python.is_none() {
        skip(
            &format!("{test} (the Python elasticsearch client part)"),
            "Python with the elasticsearch package not found (scripts/test installs it)",
        );
    }
    std::thread::sleep(Duration::from_secs(4));
    drop(node_a); // kill -9 of one vigie node
    std::thread::sleep(Duration::from_secs(3));
    nats.kill(1);
    std::thread::sleep(Duration::from_secs(3));
    nats.restart(1).expect("restart a nats-server");
    std::thread::sleep(Duration::from_secs(2));
    pg.kill().expect("stop PostgreSQL");
    std::thread::sleep(Duration::from_secs(3));
    pg.revive().expect("start PostgreSQL again");
    let revived = Instant::now();
    // Detection resumes: an event of a partition with no backlog gets its alert.
    let probe = 1u64 << 51;
    let status = client
        .post(format!("{}/api/v1/ingest", node_b.base))
        .bearer_auth(&other_ingest)
        .body(format!(
            "{}\n",
            json!({"vigie_test": "marker", "seq": probe})
        ))
        .send()
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 200);
    // Its own tenant has no backlog: look at its alerts directly (not behind the backlog).
    while all_alerts(&client, &web, &other_read).is_empty() {
        assert!(
            revived.elapsed() < Duration::from_secs(60),
            "detection did not resume after PostgreSQL came back"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let resumed = revived.elapsed();
    let refused: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    let mut acked = acked.lock().unwrap().clone();
    if let Some(python) = python {
        let out = python.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "python: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let from_python: Vec<u64> = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("ok "))
            .map(|n| n.parse().unwrap())
            .collect();
        assert!(
            from_python.len() > 500,
            "python acknowledged {}",
            from_python.len()
        );
        eprintln!(
            "python elasticsearch client: {} documents acknowledged",
            from_python.len()
        );
        acked.extend(from_python);
    }
    assert!(
        acked.len() > 1_000,
        "ingest went on: {} acknowledged",
        acked.len()
    );

    // Every acknowledged event has one alert, seen from the web node and from node B.
    let per_seq = wait_for_alerts(&client, &web, &read, &acked, Duration::from_secs(180));
    let duplicated: Vec<_> = per_seq.iter().filter(|(_, n)| **n > 1).take(5).collect();
    assert!(duplicated.is_empty(), "duplicated alerts: {duplicated:?}");
    let from_b = all_alerts(&client, &node_b, &read).len();
    assert_eq!(
        from_b,
        per_seq.values().sum::<usize>(),
        "node B sees the same alerts"
    );
    let others = all_alerts(&client, &web, &other_read);
    assert_eq!(
        others.len(),
        1,
        "the other tenant sees its probe only: {others:?}"
    );
    // Detection after PostgreSQL came back: a new event gets its alert.
    let last = 1u64 << 50;
    let body = format!("{}\n", json!({"vigie_test": "marker", "seq": last}));
    assert_eq!(
        client
            .post(format!("{}/api/v1/ingest", node_b.base))
            .bearer_auth(&ingest)
            .body(body)
            .send()
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    wait_for_alerts(&client, &web, &read, &[last], Duration::from_secs(60));
    let me = client
        .get(format!("{}/api/v1/auth/me", node_b.base))
        .header("cookie", &cookie)
        .send()
        .unwrap();
    assert_eq!(
        me.status().as_u16(),
        200,
        "the session opened on the web node works on node B, after PostgreSQL's restart"
    );
    eprintln!(
        "shared cluster: {} acknowledged events, {} refused while an engine was down, \
         {} alerts, 0 lost, 0 duplicated; detection resumed {:?} after PostgreSQL's restart",
        acked.len(),
        refused,
        per_seq.len(),
        resumed
    );
}
