//! `vigie bench cluster` (issue 17): events/s end to end and ack → alert latency of the
//! embedded path and of the NATS JetStream path with one and two detecting processes, and
//! the CPU time each spends per event.
//!
//! Scenarios, each in fresh temporary directories (under `$TMPDIR`), every server a child
//! process (`current_exe() serve`) on 127.0.0.1 with the event store off and one embedded
//! marker rule:
//!
//! - `embedded`: one `vigie serve`, the WAL in its data directory.
//! - `nats-1`: a 3-server `nats-server` cluster started by the bench
//!   ([`vigie_nats::testing::NatsCluster`]: free loopback ports, `sync_interval: always`),
//!   R3 streams made by `vigie cluster init`, the rule published with `vigie rules publish`,
//!   one `vigie serve` that ingests and detects.
//! - `nats-2`: the same with two `vigie serve` processes; the senders post to both and both
//!   detect (JetStream pins each partition to one of them).
//!
//! Each process has its own SQLite state (the bench does not start PostgreSQL): the
//! bench creates the same tenants, in the same order, in every data directory (same slugs,
//! same ids) with an ingest token each. An alert lands in the state of the process that
//! detected it; alerts are counted over every process's API.
//!
//! Load: closed-loop senders (one connection each) post NDJSON bodies of marker events
//! (`{"vigie_test":"marker","seq":N}`, N unique) for `--seconds`, at full speed or at an
//! offered `--rate`; a refused request (429, 503) is sent again, the same body, after its
//! `Retry-After` (ingest holds, then refuses, requests once the detection backlog passes
//! `[ingest] max_backlog_events` for tenants over their fair share, or twice it for all).
//! The marker rule fires on every event, so every acknowledged event must end as exactly
//! one alert. After the load the bench waits until every process's detection backlog is 0,
//! then lists every alert of every process and reports acknowledged events without an alert
//! (lost), with more than one in one process's state (duplicates), and with one in each of
//! two processes' states (`duplicates_across_processes`: the same records processed by both
//! after their partition moved; with a shared state the alert id, from rule and event, makes
//! the second insert a no-op). The bench exits with status 1 on lost events or duplicates.
//!
//! Figures: acknowledged events/s (ingest throughput over the load window, or to the last
//! acknowledgement when it came later),
//! end-to-end events/s (alerted events / time from the start of the load to the last
//! alert's creation, at least the load window), the latency from HTTP acknowledgement to alert for every acknowledged
//! event (the alert's `created_at`, taken by the state store when its insert starts, minus
//! the wall-clock time the sender received the acknowledgement; same machine, same clock;
//! an alert created before its acknowledgement reached the sender counts as 0), and CPU
//! seconds per 1,000 acknowledged events of the `vigie serve` processes and of the
//! `nats-server`s (user + system time from `/proc/PID/stat`, from just before the load to
//! the moment every alert is there). The three `nats-server`s share the machine with vigie
//! and the senders; in production they run on three machines.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use vigie_nats::NatsConfig;
use vigie_nats::testing::NatsCluster;

use crate::config::VigieConfig;

/// The markers around the generated table in docs/cluster.md.
const DOCS_BEGIN: &str = "<!-- cluster-bench:begin -->";
const DOCS_END: &str = "<!-- cluster-bench:end -->";
/// The rule every marker event matches (as crates/cli/tests/data/rules/marker.yml).
const MARKER_RULE_ID: &str = "5f1f2b50-3d0f-4c34-9d8b-7c1a0f0e1a02";
const MARKER_RULE: &str = "title: Test Marker (vigie test)
id: 5f1f2b50-3d0f-4c34-9d8b-7c1a0f0e1a02
status: test
description: Fires on every event that carries the test marker.
author: vigie tests
date: 2026-11-25
logsource:
    product: vigie
    service: test
detection:
    selection:
        vigie_test: marker
    condition: selection
level: low
";
/// Longest wait for a server's `vigie listening on` line.
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest wait for a server to exit after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(60);
/// Sender `s` numbers its events from `s * SENDER_STRIDE`.
const SENDER_STRIDE: u64 = 1 << 36;
/// Warm-up events are numbered from here, above every sender's range.
const WARMUP_BASE: u64 = 1 << 52;
/// Warm-up events per tenant and process.
const WARMUP_EVENTS: u64 = 10;
/// Waiting for alerts gives up after this long without a new one.
const STALL: Duration = Duration::from_secs(60);
/// How long every backlog must stay empty to count as drained when the alert counters
/// fall short.
const DRAINED_FOR: Duration = Duration::from_secs(2);
/// How often the alert counters and backlogs are read while waiting.
const POLL: Duration = Duration::from_millis(200);

/// A path through vigie.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scenario {
    /// One process, the embedded WAL.
    Embedded,
    /// The NATS JetStream log, one process ingesting and detecting.
    #[value(name = "nats-1")]
    Nats1,
    /// The NATS JetStream log, two processes ingesting and detecting.
    #[value(name = "nats-2")]
    Nats2,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Embedded => "embedded",
            Scenario::Nats1 => "nats-1",
            Scenario::Nats2 => "nats-2",
        }
    }

    fn processes(self) -> usize {
        match self {
            Scenario::Embedded | Scenario::Nats1 => 1,
            Scenario::Nats2 => 2,
        }
    }

    fn nats(self) -> bool {
        self != Scenario::Embedded
    }
}

/// `vigie bench cluster`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Scenarios to run, in order (comma-separated): embedded, nats-1, nats-2 (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    scenarios: Vec<Scenario>,
    /// The nats-server binary (2.11 or later). Default: VIGIE_NATS_SERVER, else the
    /// virtualenv `scripts/test` installs, else `nats-server` on the PATH.
    #[arg(long, value_name = "PATH")]
    nats_server: Option<PathBuf>,
    /// Seconds of load per scenario.
    #[arg(long, default_value_t = 20.0)]
    seconds: f64,
    /// Offered events/s over all senders, one run per value (comma-separated); 0: as fast as
    /// the acknowledgements come (closed loop).
    #[arg(long, value_delimiter = ',', default_value = "0")]
    rate: Vec<u64>,
    /// Concurrent senders (one connection each), spread over the processes and tenants.
    #[arg(long, default_value_t = 8)]
    senders: usize,
    /// Events per request.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Tenants (each its own partition when there are enough).
    #[arg(long, default_value_t = 8)]
    tenants: usize,
    /// `[cluster.nats] partitions`.
    #[arg(long, default_value_t = 8)]
    partitions: u32,
    /// `[ingest] max_backlog_events` of the servers (default: the server's default).
    #[arg(long)]
    max_backlog: Option<u64>,
    /// Longest wait for every alert after the load, in seconds.
    #[arg(long, default_value_t = 900)]
    drain_timeout: u64,
    /// Rewrite the table between the cluster-bench markers of this file (default
    /// docs/cluster.md) with the figures of this run.
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "docs/cluster.md")]
    update_docs: Option<PathBuf>,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    ensure!(
        args.seconds > 0.0 && args.batch > 0 && args.tenants > 0 && args.partitions > 0,
        "--seconds, --batch, --tenants and --partitions must be > 0"
    );
    ensure!(!args.rate.is_empty(), "--rate needs a value");
    let mut scenarios: Vec<Scenario> = Vec::new();
    for s in if args.scenarios.is_empty() {
        vec![Scenario::Embedded, Scenario::Nats1, Scenario::Nats2]
    } else {
        args.scenarios.clone()
    } {
        if !scenarios.contains(&s) {
            scenarios.push(s);
        }
    }
    let most = scenarios.iter().map(|s| s.processes()).max().unwrap_or(1);
    ensure!(
        args.senders >= most,
        "--senders must be at least {most}: every process gets senders"
    );
    let exe = std::env::current_exe().context("cannot find the vigie binary")?;
    // The command name of the nats-server processes (to read their CPU time): the
    // binary's file name, as the kernel keeps it (15 bytes at most).
    let mut nats_comm = String::new();
    if scenarios.iter().any(|s| s.nats()) {
        if let Some(path) = &args.nats_server {
            let out = std::process::Command::new(path)
                .arg("--version")
                .output()
                .with_context(|| format!("cannot run {}", path.display()))?;
            ensure!(
                out.status.success(),
                "{} --version failed ({})",
                path.display(),
                out.status
            );
            // `NatsCluster` takes its binary from VIGIE_NATS_SERVER, and this process cannot
            // change its own environment safely: run the same command again with it set.
            if std::env::var_os("VIGIE_NATS_SERVER").as_deref() != Some(path.as_os_str()) {
                let status = tokio::process::Command::new(&exe)
                    .args(std::env::args_os().skip(1))
                    .env("VIGIE_NATS_SERVER", path)
                    .status()
                    .await
                    .context("cannot run vigie bench cluster again")?;
                return Ok(if status.success() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                });
            }
        }
        let binary = vigie_nats::testing::server_binary().map_err(anyhow::Error::msg)?;
        eprintln!("nats-server: {}", binary.display());
        let name = binary
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        nats_comm = String::from_utf8_lossy(&name.as_bytes()[..name.len().min(15)]).into_owned();
    }

    let host = host();
    let mut records = Vec::new();
    for scenario in scenarios {
        for &rate in &args.rate {
            eprintln!(
                "== {}: {} process(es), {}",
                scenario.name(),
                scenario.processes(),
                offered(rate)
            );
            let record = run_scenario(&args, &exe, scenario, rate, &host, &nats_comm).await?;
            // One JSON record per run, on one line.
            println!("{record}");
            records.push(record);
        }
    }
    println!();
    print!("{}", table(&records));
    if let Some(file) = &args.update_docs {
        update_docs(file, &records)?;
        println!("figures of {} rewritten", file.display());
    }
    // Alerts of one event in two processes' states are reported, not failed: each process
    // here has its own SQLite state; in a shared one the alert id (rule, event) makes the
    // second insert a no-op.
    let bad = records
        .iter()
        .any(|r| r["lost"].as_u64() != Some(0) || r["duplicates"].as_u64() != Some(0));
    Ok(if bad {
        eprintln!("acknowledged events were lost or alerted twice in one state: see the records");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn offered(rate: u64) -> String {
    if rate == 0 {
        "full speed".to_owned()
    } else {
        format!("{} events/s offered", thousands(rate))
    }
}

// ---------------------------------------------------------------------------------------
// One scenario
// ---------------------------------------------------------------------------------------

async fn run_scenario(
    args: &Args,
    exe: &Path,
    scenario: Scenario,
    rate: u64,
    host: &Value,
    nats_comm: &str,
) -> anyhow::Result<Value> {
    let root = tempfile::Builder::new()
        .prefix("vigie-bench-cluster-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    let rules = root.path().join("rules");
    std::fs::create_dir_all(&rules)?;
    std::fs::write(rules.join("marker.yml"), MARKER_RULE)?;

    let nats = if scenario.nats() {
        Some(start_nats().await?)
    } else {
        None
    };
    let nats_config = nats.as_ref().map(|cluster| NatsConfig {
        urls: cluster.urls(),
        partitions: args.partitions,
        replicas: 3,
        ..NatsConfig::default()
    });
    let mut sites = Vec::new();
    for p in 0..scenario.processes() {
        sites.push(Site::create(
            exe,
            &root.path().join(format!("vigie-{p}")),
            &rules,
            nats_config.clone(),
            args.max_backlog,
        )?);
    }
    if nats.is_some() {
        let report = sites[0].cli(&["cluster", "init"]).await?;
        ensure!(
            report.matches("3 replica(s)").count() == args.partitions as usize,
            "cluster init did not make {} R3 streams: {report}",
            args.partitions
        );
        // The rules in force on every node, as in production (and the rules bucket exists
        // before the processes start).
        sites[0]
            .cli(&["rules", "publish", &rules.to_string_lossy()])
            .await?;
    }
    let slugs = tenant_slugs(args.tenants, args.partitions);
    for site in &mut sites {
        site.add_tenants(&slugs).await?;
    }
    for site in &sites[1..] {
        ensure!(
            site.tenant_ids == sites[0].tenant_ids,
            "the tenants have different ids in the processes' states: {:?} and {:?}",
            sites[0].tenant_ids,
            site.tenant_ids
        );
    }
    // JetStream pins each partition to the reader that pulls first: a process started
    // before the others holds every partition and leaves them on standby (until it stops
    // pulling). So with several processes, each starts and stops cleanly once, alone (the
    // first creates what the cluster shares on first use: two processes starting at once
    // on a fresh cluster can read a bucket the other just created before it has a leader;
    // a clean stop hands the partitions back at once), then all start at once, equally
    // warm, and the partitions split by chance.
    if sites.len() > 1 {
        for site in &sites {
            let mut node = site.spawn()?;
            node.wait_ready().await?;
            node.stop().await?;
        }
    }
    let mut nodes = Vec::new();
    for site in &sites {
        nodes.push(site.spawn()?);
    }
    for node in &mut nodes {
        node.wait_ready().await?;
    }
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_idle_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(60))
        .build()?;

    // Warm-up: connections, pins, the rule index built on first use.
    let mut warm = 0;
    for (p, site) in sites.iter().enumerate() {
        for (t, token) in site.tokens.iter().enumerate() {
            let first = WARMUP_BASE + ((p * slugs.len() + t) as u64) * WARMUP_EVENTS;
            let body = marker_body(first, WARMUP_EVENTS);
            match post(&client, &site.url("/api/v1/ingest"), token, body).await {
                Outcome::Acked(n) if n == WARMUP_EVENTS => warm += n,
                Outcome::Acked(n) => bail!("warm-up: {n} of {WARMUP_EVENTS} events accepted"),
                Outcome::Refused { status, .. } => bail!("warm-up refused with {status}"),
                Outcome::Failed(error) => bail!("warm-up failed: {error}"),
            }
        }
    }
    let (warmed, _) = wait_alerts(&client, &sites, warm, Duration::from_secs(120)).await;
    ensure!(
        warmed >= warm,
        "warm-up: {warmed} of {warm} alerts after 120 s"
    );

    let vigie_pids: Vec<u32> = nodes.iter().map(|n| n.pid).collect();
    let nats_pids = if nats.is_some() {
        children_named(nats_comm)
    } else {
        Vec::new()
    };
    if nats.is_some() {
        ensure!(
            nats_pids.len() == 3,
            "found {} child processes named {nats_comm:?}, not the 3 nats-servers",
            nats_pids.len()
        );
    }
    let cpu_before = (
        cpu_of(&vigie_pids),
        cpu_of(&nats_pids),
        super::bench::process_cpu(),
    );

    // The load.
    let load_start_us = now_us();
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.seconds);
    let mut tasks = Vec::new();
    for s in 0..args.senders {
        let site = &sites[s % sites.len()];
        let tenant = s % slugs.len();
        tasks.push(tokio::spawn(sender(SenderJob {
            index: s,
            client: reqwest::Client::builder()
                .no_proxy()
                .pool_idle_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(60))
                .build()?,
            url: site.url("/api/v1/ingest"),
            token: site.tokens[tenant].clone(),
            batch: args.batch as u64,
            started,
            deadline,
            per_second: rate as f64 / args.senders as f64,
        })));
    }
    let mut senders = Vec::new();
    for task in tasks {
        senders.push(task.await??);
    }
    let loaded = started.elapsed();
    let acked: u64 = senders
        .iter()
        .map(|s| s.acks_us.len() as u64 * args.batch as u64)
        .sum();
    ensure!(acked > 0, "no request was acknowledged");
    let last_ack = senders
        .iter()
        .filter_map(|s| s.last_ack)
        .max()
        .unwrap_or(loaded);
    eprintln!(
        "   {} events acknowledged in {:.1} s; waiting for their alerts",
        thousands(acked),
        last_ack.as_secs_f64()
    );
    let (counted, drained) = wait_alerts(
        &client,
        &sites,
        warm + acked,
        Duration::from_secs(args.drain_timeout),
    )
    .await;
    let cpu_after = (
        cpu_of(&vigie_pids),
        cpu_of(&nats_pids),
        super::bench::process_cpu(),
    );
    if !drained {
        eprintln!(
            "   gave up waiting: {} of {} alerts counted",
            thousands(counted),
            thousands(warm + acked)
        );
    }

    // Every alert of every process: per event, the first creation time, the alerts and
    // the processes (states) holding one.
    let mut by_seq: HashMap<u64, Alerted> = HashMap::new();
    let mut per_process = Vec::new();
    for site in &sites {
        let mut mine = 0u64;
        let mut here = std::collections::HashSet::new();
        for (seq, created) in site.marker_alerts(&client).await? {
            if seq >= WARMUP_BASE {
                continue;
            }
            mine += 1;
            let entry = by_seq.entry(seq).or_insert(Alerted {
                created,
                alerts: 0,
                processes: 0,
            });
            entry.created = entry.created.min(created);
            entry.alerts += 1;
            if here.insert(seq) {
                entry.processes += 1;
            }
        }
        per_process.push(mine);
    }
    for node in nodes {
        node.stop().await?;
    }
    drop(nats);

    let (mut lost, mut duplicates, mut across, mut before_ack) = (0u64, 0u64, 0u64, 0u64);
    let mut latencies = Vec::with_capacity(acked as usize);
    let mut acked_seqs = 0u64;
    for s in &senders {
        for (b, ack) in s.acks_us.iter().enumerate() {
            for i in 0..args.batch as u64 {
                let seq = s.index as u64 * SENDER_STRIDE + b as u64 * args.batch as u64 + i;
                acked_seqs += 1;
                match by_seq.get(&seq) {
                    None => lost += 1,
                    Some(a) => {
                        if a.alerts > a.processes {
                            duplicates += 1;
                        }
                        if a.processes > 1 {
                            across += 1;
                        }
                        if a.created < *ack {
                            before_ack += 1;
                        }
                        latencies.push((a.created - ack).max(0) as f64 / 1000.0);
                    }
                }
            }
        }
    }
    debug_assert_eq!(acked_seqs, acked);
    let alerted = by_seq.len() as u64;
    let unacked_with_alert = alerted + lost - acked;
    let last_alert_us = by_seq
        .values()
        .map(|a| a.created)
        .max()
        .unwrap_or(load_start_us);
    // The load window, or longer when the last acknowledgement (alert) came after it.
    let ack_seconds = last_ack.as_secs_f64().max(args.seconds);
    let e2e_seconds = ((last_alert_us - load_start_us) as f64 / 1e6).max(ack_seconds);
    let mut ack_latency: Vec<f64> = senders
        .iter()
        .flat_map(|s| s.latency_ms.iter().copied())
        .collect();
    let mut refused: BTreeMap<String, u64> = BTreeMap::new();
    for s in &senders {
        for (status, n) in &s.refused {
            *refused.entry(status.to_string()).or_default() += n;
        }
    }
    let failed: u64 = senders.iter().map(|s| s.failed).sum();
    let cpu = |before: Option<Duration>, after: Option<Duration>| match (before, after) {
        (Some(b), Some(a)) => Some(a.saturating_sub(b).as_secs_f64()),
        _ => None,
    };
    let vigie_cpu = cpu(cpu_before.0, cpu_after.0);
    let nats_cpu = if nats_pids.is_empty() {
        Some(0.0)
    } else {
        cpu(cpu_before.1, cpu_after.1)
    };
    let client_cpu = cpu(cpu_before.2, cpu_after.2);
    let per_1000 = |seconds: Option<f64>| seconds.map(|s| round(s * 1000.0 / acked as f64, 4));

    let record = json!({
        "bench": "cluster",
        "scenario": scenario.name(),
        "log": if scenario.nats() { "nats" } else { "embedded" },
        "detect_processes": scenario.processes(),
        "offered_events_per_s": rate,
        "parameters": {
            "seconds": args.seconds,
            "senders": args.senders,
            "batch": args.batch,
            "tenants": slugs.len(),
            "partitions": if scenario.nats() { json!(args.partitions) } else { json!(1) },
            "replicas": if scenario.nats() { json!(3) } else { Value::Null },
            "nats_servers": if scenario.nats() { 3 } else { 0 },
            "max_backlog_events": args.max_backlog,
        },
        "acked_events": acked,
        "ack_seconds": round(ack_seconds, 2),
        "ack_events_per_s": round(acked as f64 / ack_seconds, 0),
        "ack_latency_ms": {
            "p50": round(quantile(&mut ack_latency, 0.50), 1),
            "p99": round(quantile(&mut ack_latency, 0.99), 1),
        },
        "refused_requests": refused,
        "failed_requests": failed,
        "alerted_events": alerted,
        "alerts_per_process": per_process,
        "lost": lost,
        "duplicates": duplicates,
        "duplicates_across_processes": across,
        "unacked_with_alert": unacked_with_alert,
        "drained": drained,
        "e2e_seconds": round(e2e_seconds, 2),
        "e2e_events_per_s": round(alerted as f64 / e2e_seconds.max(1e-6), 0),
        "ack_to_alert_ms": {
            "p50": round(quantile(&mut latencies, 0.50), 1),
            "p99": round(quantile(&mut latencies, 0.99), 1),
            "max": round(quantile(&mut latencies, 1.0), 1),
            "alerts_before_ack": before_ack,
        },
        "cpu_seconds": {
            "vigie": vigie_cpu.map(|s| round(s, 2)),
            "nats": nats_cpu.map(|s| round(s, 2)),
            "senders": client_cpu.map(|s| round(s, 2)),
        },
        "cpu_seconds_per_1000_events": {
            "vigie": per_1000(vigie_cpu),
            "nats": per_1000(nats_cpu),
            "total": per_1000(vigie_cpu.zip(nats_cpu).map(|(v, n)| v + n)),
        },
        "host": host,
        "finished_at": jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .map_or_else(|_| jiff::Timestamp::now().to_string(), |t| t.to_string()),
    });
    eprintln!("   {}", summary(&record));
    Ok(record)
}

/// The alerts of one event over every process.
struct Alerted {
    /// The first one's `created_at` (µs).
    created: i64,
    alerts: u32,
    /// Processes whose state holds one.
    processes: u32,
}

/// A 3-server cluster. Its free ports are found by binding port 0 and closing it, so
/// another process may take one before the server binds it: up to three tries.
async fn start_nats() -> anyhow::Result<NatsCluster> {
    let mut tries = 0;
    loop {
        tries += 1;
        match tokio::task::spawn_blocking(|| NatsCluster::start(3)).await? {
            Ok(cluster) => return Ok(cluster),
            Err(reason) if tries < 3 && reason.contains("address already in use") => {
                eprintln!("   a nats-server port was taken meanwhile; starting again");
            }
            Err(reason) => bail!("cannot start the nats-server cluster: {reason}"),
        }
    }
}

/// Tenant slugs whose HTTP events land in different partitions as long as there are
/// partitions left (`PartitionKey { tenant, source: "http" }`).
fn tenant_slugs(tenants: usize, partitions: u32) -> Vec<String> {
    let mut slugs = Vec::new();
    let mut taken = Vec::new();
    let mut i = 0u32;
    while slugs.len() < tenants {
        let slug = format!("bench-{i:03}");
        let partition = vigie_log::PartitionKey {
            tenant: &slug,
            source: "http",
        }
        .partition(partitions);
        // Bounded: after `partitions` distinct ones (or 10,000 tries), any slug is taken.
        if !taken.contains(&partition) || taken.len() >= partitions as usize || i >= 10_000 {
            taken.push(partition);
            slugs.push(slug);
        }
        i += 1;
    }
    slugs
}

/// NDJSON of `count` marker events numbered from `first`.
fn marker_body(first: u64, count: u64) -> Bytes {
    let mut body = String::with_capacity(count as usize * 40);
    for seq in first..first + count {
        let _ = writeln!(body, "{{\"vigie_test\":\"marker\",\"seq\":{seq}}}");
    }
    Bytes::from(body)
}

/// Polls every process's alert counter and backlog until every backlog is 0 and the alerts
/// reach `target` (or the backlogs stay 0 for [`DRAINED_FOR`]), or no alert came for
/// [`STALL`], or `timeout`. The alerts counted,
/// and whether the target was reached.
async fn wait_alerts(
    client: &reqwest::Client,
    sites: &[Site],
    target: u64,
    timeout: Duration,
) -> (u64, bool) {
    let started = Instant::now();
    let mut last = (0u64, Instant::now());
    let mut empty_since: Option<Instant> = None;
    loop {
        let mut alerts = 0u64;
        let mut backlog = 0u64;
        for site in sites {
            alerts += site.alerts_created(client).await.unwrap_or(0);
            backlog += site.backlog(client).await.unwrap_or(u64::MAX / 4);
        }
        if backlog == 0 {
            empty_since.get_or_insert_with(Instant::now);
        } else {
            empty_since = None;
        }
        // Records leave the backlog once their alerts are committed. The counters can fall
        // short of the target (a step whose alerts were inserted but whose commit failed
        // is not counted), and the NATS backlog is refreshed once a second: an empty backlog
        // for 2 s also means done.
        if backlog == 0
            && (alerts >= target || empty_since.is_some_and(|t| t.elapsed() >= DRAINED_FOR))
        {
            return (alerts, true);
        }
        if alerts != last.0 {
            last = (alerts, Instant::now());
        }
        if last.1.elapsed() >= STALL || started.elapsed() >= timeout {
            return (alerts, false);
        }
        tokio::time::sleep(POLL).await;
    }
}

// ---------------------------------------------------------------------------------------
// Senders
// ---------------------------------------------------------------------------------------

struct SenderJob {
    index: usize,
    client: reqwest::Client,
    url: String,
    token: String,
    batch: u64,
    started: Instant,
    deadline: Instant,
    /// Offered events/s of this sender; 0: closed loop at full speed.
    per_second: f64,
}

struct SenderReport {
    index: usize,
    /// Wall-clock time (µs) of the acknowledgement of each batch, in order: batch `b` holds
    /// the events `index * SENDER_STRIDE + b * batch ..`.
    acks_us: Vec<i64>,
    /// Request latency of every acknowledged request (ms).
    latency_ms: Vec<f64>,
    /// Since the start of the load.
    last_ack: Option<Duration>,
    refused: BTreeMap<u16, u64>,
    failed: u64,
}

async fn sender(job: SenderJob) -> anyhow::Result<SenderReport> {
    let mut report = SenderReport {
        index: job.index,
        acks_us: Vec::new(),
        latency_ms: Vec::new(),
        last_ack: None,
        refused: BTreeMap::new(),
        failed: 0,
    };
    let mut batch_no = 0u64;
    'batches: while Instant::now() < job.deadline {
        if job.per_second > 0.0 {
            let due = job.started
                + Duration::from_secs_f64((batch_no * job.batch) as f64 / job.per_second);
            if due >= job.deadline {
                break;
            }
            tokio::time::sleep_until(due.into()).await;
        }
        let first = job.index as u64 * SENDER_STRIDE + batch_no * job.batch;
        let body = marker_body(first, job.batch);
        // The same body until it is acknowledged (a republished envelope is stored once),
        // or the load is over.
        loop {
            let sent = Instant::now();
            let wait = match post(&job.client, &job.url, &job.token, body.clone()).await {
                Outcome::Acked(n) => {
                    ensure!(
                        n == job.batch,
                        "{n} of {} events accepted: the body is wrong",
                        job.batch
                    );
                    report.acks_us.push(now_us());
                    report
                        .latency_ms
                        .push(sent.elapsed().as_secs_f64() * 1000.0);
                    report.last_ack = Some(job.started.elapsed());
                    break;
                }
                Outcome::Refused {
                    status,
                    retry_after,
                } => {
                    *report.refused.entry(status).or_default() += 1;
                    ensure!(status == 429 || status == 503, "ingest answered {status}");
                    retry_after.unwrap_or(1.0).clamp(0.05, 2.0)
                }
                Outcome::Failed(error) => {
                    report.failed += 1;
                    ensure!(
                        report.failed < 100,
                        "100 requests without an answer, the last: {error}"
                    );
                    0.5
                }
            };
            if Instant::now() + Duration::from_secs_f64(wait) >= job.deadline {
                break 'batches;
            }
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
        batch_no += 1;
    }
    Ok(report)
}

/// What became of one ingest request.
enum Outcome {
    /// 200: this many events accepted (durable).
    Acked(u64),
    /// An answer without acknowledgement.
    Refused {
        status: u16,
        retry_after: Option<f64>,
    },
    /// No answer.
    Failed(String),
}

async fn post(client: &reqwest::Client, url: &str, token: &str, body: Bytes) -> Outcome {
    let response = match client
        .post(url)
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "application/x-ndjson")
        .body(body)
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok());
    match response.bytes().await {
        Err(e) => Outcome::Failed(e.to_string()),
        Ok(body) if status.is_success() => Outcome::Acked(
            serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v["accepted"].as_u64())
                .unwrap_or(0),
        ),
        Ok(_) => Outcome::Refused {
            status: status.as_u16(),
            retry_after,
        },
    }
}

// ---------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------

/// A data directory with its configuration, tenants and tokens.
struct Site {
    exe: PathBuf,
    dir: PathBuf,
    data: PathBuf,
    config: PathBuf,
    base: String,
    /// Ingest token of each tenant, in the order of the slugs.
    tokens: Vec<String>,
    tenant_ids: Vec<i64>,
    /// Platform read token: /metrics and every tenant's alerts.
    platform: String,
}

impl Site {
    fn create(
        exe: &Path,
        dir: &Path,
        rules: &Path,
        nats: Option<NatsConfig>,
        max_backlog: Option<u64>,
    ) -> anyhow::Result<Site> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let data = dir.join("data");
        let mut config = VigieConfig {
            data_dir: data.clone(),
            ..VigieConfig::default()
        };
        config.server.listen = format!("127.0.0.1:{port}");
        config.store.enabled = false;
        config.detection.rules_dir = Some(rules.to_owned());
        config.cluster.nats = nats;
        if let Some(limit) = max_backlog {
            config.ingest.max_backlog_events = limit;
        }
        let path = dir.join("vigie.toml");
        std::fs::write(&path, toml::to_string(&config)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(Site {
            exe: exe.to_owned(),
            dir: dir.to_owned(),
            data,
            config: path,
            base: format!("http://127.0.0.1:{port}"),
            tokens: Vec::new(),
            tenant_ids: Vec::new(),
            platform: String::new(),
        })
    }

    /// Runs a `vigie` command on this site; its standard output.
    async fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = tokio::process::Command::new(&self.exe)
            .arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(&self.data)
            .args(args)
            .env("VIGIE_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .await
            .context("cannot run vigie")?;
        ensure!(
            out.status.success(),
            "vigie {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Creates the tenants (in this order) with an ingest token each, and a platform read
    /// token.
    async fn add_tenants(&mut self, slugs: &[String]) -> anyhow::Result<()> {
        for slug in slugs {
            let added = self.cli(&["tenant", "add", slug]).await?;
            // "tenant SLUG added (id N, name ...)"
            let id = added
                .split("(id ")
                .nth(1)
                .and_then(|rest| rest.split(',').next())
                .and_then(|n| n.trim().parse::<i64>().ok())
                .with_context(|| format!("no tenant id in {added:?}"))?;
            let token = self
                .cli(&["token", "create", "--tenant", slug, "--scope", "ingest"])
                .await?;
            self.tenant_ids.push(id);
            self.tokens.push(token.trim().to_owned());
        }
        self.platform = self
            .cli(&["token", "create", "--platform", "--scope", "read"])
            .await?
            .trim()
            .to_owned();
        Ok(())
    }

    /// Spawns `vigie serve` in its own process group.
    fn spawn(&self) -> anyhow::Result<Node> {
        let log = self.dir.join("server.log");
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let mut child = tokio::process::Command::new(&self.exe)
            .arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(&self.data)
            .arg("serve")
            .env("VIGIE_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .context("cannot start vigie serve")?;
        let pid = child.id().context("vigie serve has no process id")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        // Reads every line (the pipe never fills), says when the listener is up.
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            let mut ready_tx = Some(ready_tx);
            while let Ok(Some(line)) = lines.next_line().await {
                if line.starts_with("vigie listening on")
                    && let Some(tx) = ready_tx.take()
                {
                    let _ = tx.send(());
                }
            }
        });
        Ok(Node {
            child,
            pid,
            ready_rx: Some(ready_rx),
            log,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `vigie_alerts_created_total` of /metrics.
    async fn alerts_created(&self, client: &reqwest::Client) -> anyhow::Result<u64> {
        let response = client
            .get(self.url("/metrics"))
            .bearer_auth(&self.platform)
            .send()
            .await?;
        ensure!(
            response.status().is_success(),
            "/metrics answered {}",
            response.status()
        );
        let text = response.text().await?;
        Ok(metric(&text, "vigie_alerts_created_total") as u64)
    }

    /// The detection backlog of /healthz.
    async fn backlog(&self, client: &reqwest::Client) -> anyhow::Result<u64> {
        let health: Value = client
            .get(self.url("/healthz"))
            .send()
            .await?
            .json()
            .await?;
        health["log"]["backlog"]
            .as_u64()
            .with_context(|| format!("no backlog in {health}"))
    }

    /// (seq, created_at in µs) of every alert of the marker rule, following cursors.
    async fn marker_alerts(&self, client: &reqwest::Client) -> anyhow::Result<Vec<(u64, i64)>> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        // Bounded by the alerts stored: each page moves the cursor past 1,000 of them.
        loop {
            // The cursor is hex: nothing to escape.
            let mut url = self.url(&format!("/api/v1/alerts?rule={MARKER_RULE_ID}&limit=1000"));
            if let Some(c) = &cursor {
                let _ = write!(url, "&cursor={c}");
            }
            let response = client.get(url).bearer_auth(&self.platform).send().await?;
            ensure!(
                response.status().is_success(),
                "GET /api/v1/alerts answered {}",
                response.status()
            );
            let page: Value = response.json().await?;
            for alert in page["alerts"].as_array().context("no alerts in the page")? {
                let seq = alert["event"]["seq"]
                    .as_u64()
                    .with_context(|| format!("an alert without seq: {alert}"))?;
                let created = alert["created_at"]
                    .as_str()
                    .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                    .with_context(|| format!("an alert without created_at: {alert}"))?;
                out.push((seq, created.as_microsecond()));
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return Ok(out),
            }
        }
    }
}

/// A running `vigie serve`.
struct Node {
    child: tokio::process::Child,
    pid: u32,
    ready_rx: Option<tokio::sync::oneshot::Receiver<()>>,
    log: PathBuf,
}

impl Node {
    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let Some(rx) = self.ready_rx.take() else {
            return Ok(());
        };
        let outcome = tokio::time::timeout(READY_TIMEOUT, rx).await;
        if let Ok(Ok(())) = outcome {
            return Ok(());
        }
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        let why = if outcome.is_err() {
            format!("did not listen within {} s", READY_TIMEOUT.as_secs())
        } else {
            "exited before listening".to_owned()
        };
        bail!("vigie serve {why}; its log ends with: {}", self.log_tail())
    }

    /// SIGTERM, then waits for the exit (SIGKILL after [`STOP_TIMEOUT`]).
    async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(pid) = rustix::process::Pid::from_raw(self.pid as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        match tokio::time::timeout(STOP_TIMEOUT, self.child.wait()).await {
            Ok(Ok(status)) if status.success() => Ok(()),
            Ok(Ok(status)) => bail!(
                "vigie serve exited with {status} on SIGTERM; its log ends with: {}",
                self.log_tail()
            ),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => {
                let _ = self.child.start_kill();
                let _ = self.child.wait().await;
                bail!(
                    "vigie serve did not stop within {} s of SIGTERM (killed)",
                    STOP_TIMEOUT.as_secs()
                )
            }
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(5)..].join(" / ");
        if tail.is_empty() {
            "(nothing)".to_owned()
        } else {
            tail
        }
    }
}

// ---------------------------------------------------------------------------------------
// Processes and small figures
// ---------------------------------------------------------------------------------------

/// (command name, parent pid, user + system CPU) of a process, from `/proc/PID/stat`.
fn proc_stat(pid: u32) -> Option<(String, u32, Duration)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_owned();
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // After the name: state, ppid, ..., utime (14th field of the line), stime (15th).
    let ppid = fields.get(1)?.parse().ok()?;
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // The kernel's USER_HZ is 100 on Linux.
    Some((comm, ppid, Duration::from_millis(ticks * 10)))
}

/// Summed CPU time of processes; `None` if one cannot be read.
fn cpu_of(pids: &[u32]) -> Option<Duration> {
    pids.iter()
        .map(|pid| proc_stat(*pid).map(|(_, _, cpu)| cpu))
        .sum()
}

/// Child processes of this one with this command name.
fn children_named(name: &str) -> Vec<u32> {
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| proc_stat(*pid).is_some_and(|(comm, ppid, _)| ppid == me && comm == name))
        .collect()
}

/// Sum of a metric's series (every label set).
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .filter(|(series, _)| series.split('{').next() == Some(name))
        .filter_map(|(_, value)| value.trim().parse::<f64>().ok())
        .sum()
}

fn now_us() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// The p-quantile (nearest rank) of the values (sorted in place); 0 when there are none.
fn quantile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_unstable_by(f64::total_cmp);
    let index = ((values.len() as f64 - 1.0) * p).round() as usize;
    values[index.min(values.len() - 1)]
}

/// 1234567 → "1,234,567".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Where the figures come from: build, CPU, cores, load average at the start.
fn host() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    json!({
        "build": if cfg!(debug_assertions) { "debug" } else { "release" },
        "version": env!("CARGO_PKG_VERSION"),
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "load_average": load.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    })
}

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

/// A duration in ms as "12.3 ms", or "4.56 s" from one second on.
fn fmt_ms(ms: Option<f64>) -> String {
    match ms {
        None => "n/a".to_owned(),
        Some(ms) if ms < 1000.0 => format!("{ms:.1} ms"),
        Some(ms) => format!("{:.2} s", ms / 1000.0),
    }
}

fn ms_pair(v: &Value) -> String {
    format!(
        "{} / {}",
        fmt_ms(v["p50"].as_f64()),
        fmt_ms(v["p99"].as_f64())
    )
}

fn per_1000(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "n/a".to_owned(), |s| format!("{s:.3}"))
}

fn summary(r: &Value) -> String {
    format!(
        "{} acknowledged/s, {} end to end/s, ack → alert p50/p99 {}, CPU s per 1,000 events: \
         vigie {}, nats-server {}; lost {}, duplicates {} (+{} across processes)",
        thousands(r["ack_events_per_s"].as_f64().unwrap_or(0.0) as u64),
        thousands(r["e2e_events_per_s"].as_f64().unwrap_or(0.0) as u64),
        ms_pair(&r["ack_to_alert_ms"]),
        per_1000(&r["cpu_seconds_per_1000_events"]["vigie"]),
        per_1000(&r["cpu_seconds_per_1000_events"]["nats"]),
        r["lost"],
        r["duplicates"],
        r["duplicates_across_processes"],
    )
}

/// The Markdown table of the records, then how they were made.
fn table(records: &[Value]) -> String {
    let mut out = String::new();
    out.push_str(
        "| path | detect processes | load | acknowledged events/s | end-to-end events/s | \
         ack → alert p50 / p99 | CPU s per 1,000 events: vigie | nats-server (3) | \
         acknowledged | lost | duplicates |\n",
    );
    out.push_str("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for r in records {
        let processes = r["alerts_per_process"]
            .as_array()
            .map(|a| {
                let shares: Vec<String> = a
                    .iter()
                    .map(|n| thousands(n.as_u64().unwrap_or(0)))
                    .collect();
                if shares.len() > 1 {
                    format!("{} (alerts {})", r["detect_processes"], shares.join(" + "))
                } else {
                    r["detect_processes"].to_string()
                }
            })
            .unwrap_or_default();
        let duplicates = match r["duplicates_across_processes"].as_u64() {
            Some(n) if n > 0 => format!("{} (+ {} in both states)", r["duplicates"], thousands(n)),
            _ => r["duplicates"].to_string(),
        };
        let nats = if r["log"] == "nats" {
            per_1000(&r["cpu_seconds_per_1000_events"]["nats"])
        } else {
            "-".to_owned()
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r["scenario"].as_str().unwrap_or("?"),
            processes,
            offered(r["offered_events_per_s"].as_u64().unwrap_or(0)),
            thousands(r["ack_events_per_s"].as_f64().unwrap_or(0.0) as u64),
            thousands(r["e2e_events_per_s"].as_f64().unwrap_or(0.0) as u64),
            ms_pair(&r["ack_to_alert_ms"]),
            per_1000(&r["cpu_seconds_per_1000_events"]["vigie"]),
            nats,
            thousands(r["acked_events"].as_u64().unwrap_or(0)),
            r["lost"],
            duplicates,
        );
    }
    if let Some(first) = records.first() {
        let h = &first["host"];
        let p = &first["parameters"];
        let _ = writeln!(
            out,
            "\n{} build {}, {} ({} cores, shared), load average {} at the start, {}. \
             {} s of load per row, {} senders, {} events per request, {} tenants; NATS: \
             3 nats-servers on the same machine, `sync_interval: always`, R3, {} partitions.",
            h["build"].as_str().unwrap_or("?"),
            h["version"].as_str().unwrap_or("?"),
            h["cpu"].as_str().unwrap_or("?"),
            h["cores"],
            h["load_average"].as_str().unwrap_or("?"),
            first["finished_at"].as_str().unwrap_or("?"),
            p["seconds"],
            p["senders"],
            p["batch"],
            p["tenants"],
            records.iter().find(|r| r["log"] == "nats").map_or_else(
                || "-".to_owned(),
                |r| r["parameters"]["partitions"].to_string()
            ),
        );
    }
    out
}

/// Replaces what lies between the two markers of `file` with the table of `records`.
fn update_docs(file: &Path, records: &[Value]) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let begin = text
        .find(DOCS_BEGIN)
        .with_context(|| format!("{} has no {DOCS_BEGIN} marker", file.display()))?;
    let after_begin = begin + DOCS_BEGIN.len();
    let end = text[after_begin..]
        .find(DOCS_END)
        .map(|i| after_begin + i)
        .with_context(|| format!("{} has no {DOCS_END} after {DOCS_BEGIN}", file.display()))?;
    let mut updated = String::with_capacity(text.len() + 4096);
    updated.push_str(&text[..after_begin]);
    updated.push_str("\n\n");
    updated.push_str(&table(records));
    updated.push('\n');
    updated.push_str(&text[end..]);
    std::fs::write(file, updated).with_context(|| format!("cannot write {}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_spread_over_partitions() {
        let slugs = tenant_slugs(4, 8);
        let partitions: Vec<u32> = slugs
            .iter()
            .map(|s| {
                vigie_log::PartitionKey {
                    tenant: s,
                    source: "http",
                }
                .partition(8)
            })
            .collect();
        let mut distinct = partitions.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 4, "{slugs:?} → {partitions:?}");
        // More tenants than partitions: still as many slugs as asked, all different.
        let many = tenant_slugs(5, 2);
        assert_eq!(many.len(), 5);
        let mut unique = many.clone();
        unique.dedup();
        assert_eq!(unique.len(), 5);
    }

    #[test]
    fn marker_body_is_one_event_per_line() {
        let body = marker_body(7, 3);
        let lines: Vec<Value> = std::str::from_utf8(&body)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[2], json!({"vigie_test": "marker", "seq": 9}));
    }

    #[test]
    fn proc_stat_reads_this_process() {
        let (comm, ppid, _) = proc_stat(std::process::id()).expect("/proc/self/stat");
        assert!(!comm.is_empty());
        assert!(ppid > 0);
    }

    #[test]
    fn metric_sums_series() {
        let text = "# TYPE vigie_alerts_created_total counter\nvigie_alerts_created_total 12\n\
                    vigie_alerts_created_total_x 5\nother{a=\"b\"} 3\n";
        assert_eq!(metric(text, "vigie_alerts_created_total"), 12.0);
        assert_eq!(metric(text, "other"), 3.0);
    }

    #[test]
    fn docs_table_replaces_only_between_the_markers() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cluster.md");
        std::fs::write(
            &file,
            format!("# Before\n{DOCS_BEGIN}\nold table\n{DOCS_END}\n## After\n"),
        )
        .unwrap();
        let record = json!({
            "scenario": "nats-2", "log": "nats", "detect_processes": 2,
            "offered_events_per_s": 0, "ack_events_per_s": 1234.0, "e2e_events_per_s": 1000.0,
            "ack_to_alert_ms": {"p50": 10.0, "p99": 20.0},
            "cpu_seconds_per_1000_events": {"vigie": 0.1, "nats": 0.2},
            "alerts_per_process": [600, 400], "acked_events": 1000, "lost": 0, "duplicates": 0,
            "duplicates_across_processes": 1200,
            "host": {"build": "debug", "version": "0", "cpu": "x", "cores": 2,
                     "load_average": "1 1 1"},
            "parameters": {"seconds": 2.0, "senders": 8, "batch": 100, "tenants": 4,
                           "partitions": 8},
            "finished_at": "2026-01-01T00:00:00Z",
        });
        update_docs(&file, &[record]).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.starts_with("# Before\n"));
        assert!(text.ends_with(&format!("{DOCS_END}\n## After\n")));
        assert!(!text.contains("old table"));
        assert!(
            text.contains(
                "| nats-2 | 2 (alerts 600 + 400) | full speed | 1,234 | 1,000 | 10.0 ms / 20.0 ms |"
            ),
            "{text}"
        );
        assert!(
            text.contains("| 1,000 | 0 | 0 (+ 1,200 in both states) |"),
            "{text}"
        );
        assert_eq!(fmt_ms(Some(2345.0)), "2.35 s");
    }
}
