//! Shared harness of the end-to-end tests that include it (`mod support;`): the real
//! `vigie` binary started on a free 127.0.0.1 port in a temporary data directory, and the
//! command line run against the same directory.

// Each test binary uses part of the harness.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::Value;

/// The binary under test.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_vigie");

/// A running `vigie serve`, killed when dropped.
pub(crate) struct Server {
    /// The process.
    pub(crate) child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `vigie serve` on `data` (with `rules`, if given) and returns once it listens.
pub(crate) fn start(data: &Path, rules: Option<&Path>) -> Server {
    start_with_config(data, rules, None)
}

/// [`start`] with a configuration file (`--config`), if given.
pub(crate) fn start_with_config(
    data: &Path,
    rules: Option<&Path>,
    config: Option<&Path>,
) -> Server {
    start_with_args(data, rules, config, &[])
}

/// [`start_with_config`] with more arguments to `serve` (e.g. `--role`).
pub(crate) fn start_with_args(
    data: &Path,
    rules: Option<&Path>,
    config: Option<&Path>,
    serve_args: &[&str],
) -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = Command::new(BIN);
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    command
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(serve_args)
        .env("VIGIE_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(rules) = rules {
        command.arg("--rules").arg(rules);
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("vigie listening on") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("server starts");
    Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

/// Runs `vigie --data-dir DATA ARGS...`, asserts success, returns its trimmed stdout.
pub(crate) fn cli(data: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("VIGIE_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Sends `events` as one NDJSON request to `/api/v1/ingest` and asserts it was accepted.
pub(crate) fn ingest(client: &Client, server: &Server, token: &str, events: &[Value]) {
    let body: String = events.iter().map(|e| format!("{e}\n")).collect();
    let response = client
        .post(format!("{}/api/v1/ingest", server.base))
        .bearer_auth(token)
        .body(body)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

/// Waits (at most 30 s) until the pipeline has handled everything in the log.
pub(crate) fn drained(client: &Client, server: &Server) {
    drained_within(client, server, Duration::from_secs(30));
}

/// Waits (at most `within`) until the pipeline has handled everything in the log.
pub(crate) fn drained_within(client: &Client, server: &Server, within: Duration) {
    let started = Instant::now();
    loop {
        let health: Value = client
            .get(format!("{}/healthz", server.base))
            .send()
            .unwrap()
            .json()
            .unwrap();
        if health["log"]["backlog"] == 0 {
            return;
        }
        assert!(started.elapsed() < within, "pipeline stuck: {health}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every alert `token` may see on `server`, following cursors.
pub(crate) fn all_alerts(client: &Client, server: &Server, token: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("limit=1000&cursor={c}"),
            None => "limit=1000".to_owned(),
        };
        let response = client
            .get(format!("{}/api/v1/alerts?{query}", server.base))
            .bearer_auth(token)
            .send()
            .unwrap();
        let status = response.status().as_u16();
        let page: Value = response.json().unwrap();
        assert_eq!(status, 200, "{}: {page}", server.base);
        out.extend(page["alerts"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return out,
        }
    }
}

/// A Python with the `elasticsearch` client (`VIGIE_TEST_PYTHON`, else the virtualenv
/// `scripts/test` installs), if there is one.
pub(crate) fn python_with_elasticsearch() -> Option<std::path::PathBuf> {
    python_with("elasticsearch")
}

/// A Python that can import `module` (`VIGIE_TEST_PYTHON`, else the virtualenv
/// `scripts/test` installs), if there is one.
pub(crate) fn python_with(module: &str) -> Option<std::path::PathBuf> {
    let import = format!("import {module}");
    let candidates = [
        std::env::var_os("VIGIE_TEST_PYTHON").map(std::path::PathBuf::from),
        std::env::var_os("HOME")
            .map(|h| std::path::PathBuf::from(h).join(".cache/vigie-pyenv/bin/python")),
    ];
    candidates.into_iter().flatten().find(|p| {
        Command::new(p)
            .args(["-c", &import])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Counter and gauge values from `GET {base}/metrics` (a platform token), by their full
/// name with labels.
pub(crate) fn metrics(base: &str, token: &str) -> std::collections::BTreeMap<String, f64> {
    let text = Client::new()
        .get(format!("{base}/metrics"))
        .bearer_auth(token)
        .send()
        .unwrap()
        .text()
        .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// `POST /api/v1/hunt` with `query` over the last century (`read` token), asserting 200.
pub(crate) fn hunt(client: &Client, server: &Server, read: &str, query: &str) -> Value {
    let response = client
        .post(format!("{}/api/v1/hunt", server.base))
        .bearer_auth(read)
        .json(&serde_json::json!({"query": query, "from": "-36500d"}))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "{query}");
    response.json().unwrap()
}

/// How many events `query` matches ([`hunt`] with `| stats count()`).
pub(crate) fn hunt_count(client: &Client, server: &Server, read: &str, query: &str) -> u64 {
    hunt(client, server, read, &format!("{query} | stats count()"))["rows"][0]["count()"]
        .as_u64()
        .unwrap_or(0)
}

/// Records a test (or a part of it) that cannot run here as skipped, with the reason: on
/// standard error and in the file `scripts/test` counts skips from (`VIGIE_SKIP_LOG`), so
/// it is reported as skipped, never as passed.
pub(crate) fn skip(test: &str, reason: &str) {
    use std::io::Write;
    eprintln!("SKIPPED {test}: {reason}");
    if let Some(path) = std::env::var_os("VIGIE_SKIP_LOG")
        && let Ok(mut file) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
    {
        let _ = writeln!(file, "{test}: {reason}");
    }
}
