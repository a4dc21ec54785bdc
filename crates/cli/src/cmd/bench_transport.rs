//! `vigie bench bulk` and `vigie bench syslog`: acknowledged events per second and
//! acknowledgement latency of the Elasticsearch `_bulk` endpoint and of syslog over TCP,
//! on a real server (same code as `vigie serve`) on 127.0.0.1 in a temporary data
//! directory, with fsync before every acknowledgement. Figures are printed, never asserted.
//!
//! Syslog over TCP has no acknowledgement in the protocol: an event counts as acknowledged
//! when it is durable in the log, and its latency runs from the moment the sender's write
//! returned to the moment the log's durable end passed it.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vigie_soc::prelude::*;

use anyhow::Context;
use tokio::io::AsyncWriteExt;
use vigie_access::{TokenKind, TokenOwner};
use vigie_event::TenantSlug;

use crate::config::{SyslogListenerConfig, VigieConfig};

/// `vigie bench bulk`.
#[derive(clap::Args)]
pub(crate) struct BulkArgs {
    /// Total events to send (after the warm-up).
    #[arg(long, default_value_t = 1_000_000)]
    events: usize,
    /// Concurrent connections.
    #[arg(long, default_value_t = 8)]
    connections: usize,
    /// Events per `_bulk` request.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Run without the event store (no indexing alongside the intake).
    #[arg(long)]
    no_store: bool,
}

/// `vigie bench syslog`.
#[derive(clap::Args)]
pub(crate) struct SyslogArgs {
    /// Total messages to send.
    #[arg(long, default_value_t = 1_000_000)]
    events: usize,
    /// Concurrent TCP connections.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Messages per write.
    #[arg(long, default_value_t = 500)]
    chunk: usize,
    /// Run without the event store (no indexing alongside the intake).
    #[arg(long)]
    no_store: bool,
}

fn bench_config(dir: &std::path::Path) -> VigieConfig {
    let mut config = VigieConfig {
        // Inside the temporary directory, so the audit directory beside it is removed too.
        data_dir: dir.join("data"),
        ..VigieConfig::default()
    };
    config.server.listen = "127.0.0.1:0".to_owned();
    // The benchmarks measure the intake alone; keep the backlog limit out of the way.
    config.ingest.max_backlog_events = u64::MAX;
    config
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

pub(crate) async fn bulk(args: BulkArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.connections > 0 && args.batch > 0,
        "--connections and --batch must be > 0"
    );
    let dir = tempfile::tempdir().context("cannot create a temporary data directory")?;
    let mut config = bench_config(dir.path());
    config.store.enabled = !args.no_store;
    let server = super::serve::start(&config, None).await?;
    let tenant = server
        .store
        .create_tenant(&TenantSlug::new("bench")?, "bench")
        .await?;
    let token = server
        .store
        .create_token(TokenOwner::Tenant(tenant.id), TokenKind::Ingest, "bench")
        .await?
        .secret;
    let url = format!("http://{}/winlogbeat-bench/_bulk", server.addr);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections)
        .build()?;
    let mut body = Vec::new();
    for i in 0..args.batch {
        body.extend_from_slice(b"{\"create\":{}}\n");
        let doc = serde_json::json!({
            "@timestamp": "2026-11-25T10:00:00.000Z",
            "event": {"code": "1", "provider": "Microsoft-Windows-Sysmon"},
            "winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "event_id": 1,
                "event_data": {"Image": "C:\\Windows\\System32\\cmd.exe",
                    "CommandLine": format!("cmd.exe /c echo benchmark {i}"),
                    "ParentImage": "C:\\Windows\\explorer.exe", "User": "CORP\\user"}},
            "host": {"name": format!("ws{:04}.corp.example", i % 500)},
        });
        body.extend_from_slice(doc.to_string().as_bytes());
        body.push(b'\n');
    }
    let body = bytes::Bytes::from(body);
    let auth = format!("Bearer {token}");
    let batch = args.batch;
    const CREATED: &[u8] = b"\"status\":201";
    const NO_ERRORS: &[u8] = b"\"errors\":false,";
    let run = |requests: usize| {
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..args.connections {
            let (client, url, auth, body, next) = (
                client.clone(),
                url.clone(),
                auth.clone(),
                body.clone(),
                Arc::clone(&next),
            );
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < requests {
                    let started = Instant::now();
                    let response = client
                        .post(&url)
                        .header("authorization", &auth)
                        .header("content-type", "application/x-ndjson")
                        .body(body.clone())
                        .send()
                        .await?;
                    let status = response.status();
                    let reply = response.bytes().await?;
                    // Checked without parsing the reply (the client shares the CPU with
                    // the server): no error, and one created item per event.
                    let created = reply
                        .windows(CREATED.len())
                        .filter(|w| *w == CREATED)
                        .count();
                    anyhow::ensure!(
                        status.is_success()
                            && reply.starts_with(b"{\"took\":")
                            && reply
                                .windows(NO_ERRORS.len())
                                .take(40)
                                .any(|w| w == NO_ERRORS)
                            && created == batch,
                        "_bulk answered {status}: {}",
                        String::from_utf8_lossy(&reply)
                    );
                    latencies.push(started.elapsed());
                }
                anyhow::Ok(latencies)
            }));
        }
        async move {
            let mut all = Vec::new();
            for task in tasks {
                all.extend(task.await??);
            }
            anyhow::Ok(all)
        }
    };
    run(args.connections * 4).await?;
    let requests = args.events.div_ceil(args.batch);
    let started = Instant::now();
    let mut latencies = run(requests).await?;
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let sent = requests * args.batch;
    println!("vigie bench bulk: Elasticsearch _bulk over loopback, fsync before ack");
    println!(
        "  detection pipeline running alongside; event store {}",
        if args.no_store {
            "off (--no-store)"
        } else {
            "indexing alongside"
        }
    );
    println!(
        "  connections {}, events/request {}, requests {requests}, events {sent}",
        args.connections, args.batch
    );
    println!("  elapsed        {:.2} s", elapsed.as_secs_f64());
    println!(
        "  throughput     {:.0} acknowledged events/s",
        sent as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  ack latency    p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );
    server.stop().await;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn syslog(args: SyslogArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.connections > 0 && args.chunk > 0,
        "--connections and --chunk must be > 0"
    );
    let dir = tempfile::tempdir().context("cannot create a temporary data directory")?;
    let mut config = bench_config(dir.path());
    config.store.enabled = !args.no_store;
    {
        let store = super::open_state(&config).await?;
        store
            .create_tenant(&TenantSlug::new("bench")?, "bench")
            .await?;
    }
    config.syslog.listeners.push(SyslogListenerConfig {
        name: "bench".into(),
        protocol: "tcp".into(),
        listen: "127.0.0.1:0".into(),
        tenant: Some("bench".into()),
        networks: Vec::new(),
        client_certificates: Vec::new(),
        tls_cert: None,
        tls_key: None,
        tls_client_ca: None,
        tls_client_auth: "none".into(),
        max_message_bytes: 65_536,
        timezone: "Europe/Brussels".into(),
        max_connections: 1000,
        receive_buffer_bytes: None,
        source_type: None,
    });
    let server = super::serve::start(&config, None).await?;
    let addr = server.syslog[0].1.addr;
    let wal = server
        .wal
        .clone()
        .context("the transport benchmark runs on the embedded log")?;
    let base = wal.end_offset();
    let per_connection = args.events.div_ceil(args.connections);
    let total = (per_connection * args.connections) as u64;
    // Written progress: (events written so far by everyone, when).
    let written = Arc::new(Mutex::new(Vec::<(u64, Instant)>::new()));
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..args.connections {
        let (written, counter) = (Arc::clone(&written), Arc::clone(&counter));
        let chunk = args.chunk;
        tasks.push(tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(addr).await?;
            let mut sent = 0;
            let mut buf = Vec::with_capacity(chunk * 200);
            while sent < per_connection {
                buf.clear();
                let n = chunk.min(per_connection - sent);
                for i in 0..n {
                    let msg = format!(
                        "<86>1 2026-11-25T10:00:00.000+01:00 web{c:02} sshd {} - [origin ip=\"192.0.2.{}\"] Accepted publickey for user{} from 192.0.2.10 port 50022 ssh2",
                        4000 + i,
                        i % 250,
                        sent + i
                    );
                    buf.extend_from_slice(format!("{} {msg}", msg.len()).as_bytes());
                }
                stream.write_all(&buf).await?;
                sent += n;
                let done = counter.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed) + n as u64;
                if let Ok(mut w) = written.lock() {
                    w.push((done, Instant::now()));
                }
            }
            stream.shutdown().await?;
            anyhow::Ok(())
        }));
    }
    // Durable progress of the log, sampled.
    let mut durable = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let end = wal.end_offset() - base;
        durable.push((end, Instant::now()));
        if end >= total {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {end} of {total} events durable after 10 minutes"
        );
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
    let elapsed = started.elapsed();
    for task in tasks {
        task.await??;
    }
    let written = written.lock().map(|w| w.clone()).unwrap_or_default();
    let mut latencies: Vec<Duration> = written
        .iter()
        .filter_map(|(count, at)| {
            let i = durable.partition_point(|(end, _)| end < count);
            durable
                .get(i)
                .map(|(_, when)| when.saturating_duration_since(*at))
        })
        .collect();
    latencies.sort_unstable();
    println!(
        "vigie bench syslog: RFC 5424 over TCP (octet counting) on loopback, fsync before counting"
    );
    println!(
        "  detection pipeline running alongside; event store {}",
        if args.no_store {
            "off (--no-store)"
        } else {
            "indexing alongside"
        }
    );
    println!(
        "  connections {}, messages/write {}, events {total}",
        args.connections, args.chunk
    );
    println!("  elapsed        {:.2} s", elapsed.as_secs_f64());
    println!(
        "  throughput     {:.0} durable events/s",
        total as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  ack latency    p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (write returned -> durable in the log)",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );
    server.stop().await;
    Ok(ExitCode::SUCCESS)
}
