//! `vigie bench ingest`: acknowledged events per second and acknowledgement latency of
//! NDJSON ingest over loopback, with fsync before every acknowledgement.
//!
//! It starts a real server (same code as `vigie serve`) on 127.0.0.1 in a temporary data
//! directory, creates a tenant and an ingest token, then runs N concurrent senders, each
//! posting bodies of B events and waiting for the reply before sending the next (closed
//! loop). Figures are printed, never asserted: performance targets live here, not in tests.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Subcommand;
use vigie_access::{TokenKind, TokenOwner};
use vigie_event::TenantSlug;

use crate::config::VigieConfig;

#[derive(Subcommand)]
pub(crate) enum Command {
    /// NDJSON ingest over loopback: events/s and p50/p99 acknowledgement latency.
    Ingest {
        /// Total events to send (after the warm-up).
        #[arg(long, default_value_t = 400_000)]
        events: usize,
        /// Concurrent senders.
        #[arg(long, default_value_t = 8)]
        senders: usize,
        /// Events per request.
        #[arg(long, default_value_t = 100)]
        batch: usize,
        /// Sigma rules for the pipeline running beside the intake (default: none, to
        /// measure the intake alone).
        #[arg(long)]
        rules: Option<std::path::PathBuf>,
    },
    /// Sigma detection on one core: events/s next to JSON parsing alone, rules loaded,
    /// compile time, matches, peak memory.
    Detect(super::bench_detect::Args),
    /// The whole `vigie scan` process next to rsigma's `engine eval` on the same file and
    /// rules: wall-clock and CPU time, events/s, peak memory, matches, and the ratio.
    Scan(super::bench_scan::Args),
    /// IOC matching with a million indicators: events/s per core, compile time, memory.
    Ioc(super::bench_ioc::Args),
    /// The SOC desk on a large state database: p50/p95 of the incident list, the incident
    /// page and the SLA summary.
    Desk(super::bench_desk::Args),
    /// The web application on a large state database: p50/p95 render time of each main
    /// page on the server.
    Ui(super::bench_ui::Args),
    /// Elasticsearch `_bulk` over loopback: acknowledged events/s and p99 ack latency.
    Bulk(super::bench_transport::BulkArgs),
    /// Syslog over TCP on loopback: durable events/s and p99 latency to durable.
    Syslog(super::bench_transport::SyslogArgs),
    /// The embedded event store: indexing events/s, disk per event, query and backtest
    /// latencies.
    Store(super::bench_store::Args),
    /// The reliability tests against the real binary (R1 kill -9 during ingest, R5 restart
    /// and recovery, O2 overload): a table, one JSON record per test, and the operations
    /// guide's figures with --update-docs.
    Reliability(super::bench_reliability::Args),
    /// Cluster mode (issue 17): events/s end to end and ack → alert latency on the embedded
    /// log and on NATS JetStream with 1 and 2 detecting processes, CPU per event.
    Cluster(super::bench_cluster::Args),
    /// Source parsers on one core: lines/s for each format (syslog, text and JSON sources)
    /// and the cost of the marker look on events no parser reads.
    Parse(super::bench_parse::Args),
}

pub(crate) async fn run(command: Command) -> anyhow::Result<ExitCode> {
    let (events, senders, batch, rules) = match command {
        Command::Ingest {
            events,
            senders,
            batch,
            rules,
        } => (events, senders, batch, rules),
        Command::Detect(args) => return super::bench_detect::run(args),
        Command::Scan(args) => return super::bench_scan::run(args),
        Command::Ioc(args) => return super::bench_ioc::run(args),
        Command::Desk(args) => return super::bench_desk::run(args).await,
        Command::Ui(args) => return super::bench_ui::run(args).await,
        Command::Bulk(args) => return super::bench_transport::bulk(args).await,
        Command::Syslog(args) => return super::bench_transport::syslog(args).await,
        Command::Store(args) => return super::bench_store::run_bench(args).await,
        Command::Reliability(args) => return super::bench_reliability::run(args).await,
        Command::Cluster(args) => return super::bench_cluster::run(args).await,
        Command::Parse(args) => return super::bench_parse::run(args),
    };
    anyhow::ensure!(
        senders > 0 && batch > 0,
        "--senders and --batch must be > 0"
    );
    let dir = tempfile::tempdir().context("cannot create a temporary data directory")?;
    let mut config = VigieConfig {
        // Inside the temporary directory, so the audit directory beside it is removed too.
        data_dir: dir.path().join("data"),
        ..VigieConfig::default()
    };
    config.detection.rules_dir = rules;
    config.server.listen = "127.0.0.1:0".to_owned();
    // The benchmark measures the intake; keep the backlog limit out of the way.
    config.ingest.max_backlog_events = u64::MAX;
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
    let url = format!("http://{}/api/v1/ingest", server.addr);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(senders)
        .build()?;
    let body = Arc::new(make_body(batch));

    // Warm-up: connections, page cache, first segment.
    send_all(&client, &url, &token, &body, senders, senders * 10).await?;
    let fsyncs_before = vigie_log::Log::stats(server.log.as_ref()).fsyncs;

    let requests = events.div_ceil(batch);
    let started = Instant::now();
    let mut latencies = send_all(&client, &url, &token, &body, senders, requests).await?;
    let elapsed = started.elapsed();
    let fsyncs = vigie_log::Log::stats(server.log.as_ref()).fsyncs - fsyncs_before;

    latencies.sort_unstable();
    let sent = requests * batch;
    let pct = |p: f64| {
        let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[index].as_secs_f64() * 1000.0
    };
    println!("vigie bench ingest: NDJSON over loopback, fsync before ack");
    println!("  senders {senders}, events/request {batch}, requests {requests}, events {sent}");
    println!("  elapsed        {:.2} s", elapsed.as_secs_f64());
    println!(
        "  throughput     {:.0} acknowledged events/s",
        sent as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  ack latency    p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
    println!(
        "  fsyncs         {fsyncs} for {requests} requests ({:.1} requests per fsync)",
        requests as f64 / fsyncs.max(1) as f64
    );
    server.stop().await;
    Ok(ExitCode::SUCCESS)
}

/// `requests` requests spread over `senders` closed-loop senders; returns every latency.
async fn send_all(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: &Arc<Vec<u8>>,
    senders: usize,
    requests: usize,
) -> anyhow::Result<Vec<Duration>> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..senders {
        let (client, url, token, body, next) = (
            client.clone(),
            url.to_owned(),
            token.to_owned(),
            Arc::clone(body),
            Arc::clone(&next),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < requests {
                let started = Instant::now();
                let response = client
                    .post(&url)
                    .bearer_auth(&token)
                    .body(body.as_ref().clone())
                    .send()
                    .await?;
                let status = response.status();
                let text = response.text().await?;
                anyhow::ensure!(status.is_success(), "ingest answered {status}: {text}");
                latencies.push(started.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut all = Vec::with_capacity(requests);
    for task in tasks {
        all.extend(task.await??);
    }
    Ok(all)
}

/// A body of `batch` Sysmon process-creation events in flat native Windows names.
fn make_body(batch: usize) -> Vec<u8> {
    let mut body = Vec::new();
    for i in 0..batch {
        let line = serde_json::json!({
            "EventID": 1,
            "Channel": "Microsoft-Windows-Sysmon/Operational",
            "Computer": format!("ws{:04}.corp.example", i % 500),
            "UtcTime": "2026-11-25 10:00:00.000",
            "Image": "C:\\Windows\\System32\\cmd.exe",
            "CommandLine": format!("cmd.exe /c echo benchmark {i}"),
            "ParentImage": "C:\\Windows\\explorer.exe",
            "User": "CORP\\user",
            "IntegrityLevel": "Medium",
            "Hashes": "SHA256=4D89FC34D5F0F9BABD022271C585A9477BF41E834E46B991DEAA0530FDB25E22",
        });
        body.extend_from_slice(line.to_string().as_bytes());
        body.push(b'\n');
    }
    body
}

/// CPU time of the whole process (every thread, ended ones included), from `/proc/self/stat`
/// (user + system, in the kernel's 1/100 s ticks); `None` where the kernel does not say.
pub(crate) fn process_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}
