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
    let metrics = client
        .get(format!("{}/metrics", vigie.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains("vigie_store_lag_events"),
        "lag gauge missing"
    );
}
