//! `vigie bench store`: the embedded event store at scale. Loads N events (real events from
//! JSON Lines files, replicated with shifted times and host names across two tenants and
//! 30 days) through the durable log, indexed by the pipeline's indexer while the
//! pipeline's detection consumes the same log, then prints indexing events/s, CPU time, bytes on disk per event next to the raw NDJSON
//! size, and p50/p95 of a term query, a phrase query, a `stats count() by` over one day and
//! a Sigma backtest over the whole range. Figures are printed, never asserted.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigie_soc::prelude::*;

use anyhow::Context;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value};
use vigie_access::Access;
use vigie_detect::RuleSet;
use vigie_event::{Event, TenantId, TenantSlug};
use vigie_log::{Log, Wal, WalConfig};
use vigie_pipeline::{Indexer, IndexerConfig, Pipeline, PipelineConfig};
use vigie_store::query::{HuntOptions, parse, run};
use vigie_store::{EmbeddedConfig, EmbeddedStore, EventStore, TimeRange};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Events to load.
    #[arg(long, default_value_t = 1_000_000)]
    events: usize,
    /// JSON Lines files (`.gz` accepted) whose events are replicated.
    #[arg(long, required = true, num_args = 1..)]
    source: Vec<PathBuf>,
    /// Sigma rules for the detection running beside indexing and for the backtest
    /// (default: a single whoami rule).
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Runs of each query.
    #[arg(long, default_value_t = 20)]
    repeat: usize,
    /// Records per indexer step (the indexer's `[store] batch_size`).
    #[arg(long, default_value_t = 20000)]
    batch: usize,
    /// Records per detection step (the pipeline's `[pipeline] batch_size`).
    #[arg(long, default_value_t = PipelineConfig::default().batch_size)]
    detect_batch: usize,
    /// Index without detection beside it (to see what indexing alone costs).
    #[arg(long)]
    without_detection: bool,
    /// Events appended to the log before each timed round of detection and indexing.
    #[arg(long, default_value_t = 200_000)]
    round: usize,
    /// Indexing memory of a partition writer in MiB (`[store] writer_memory_bytes`).
    #[arg(long, default_value_t = 32)]
    writer_memory_mib: usize,
    /// Indexing threads of a partition writer.
    #[arg(long, default_value_t = 1)]
    writer_threads: usize,
    /// Stop after loading: no queries and no backtest (to profile indexing alone).
    #[arg(long)]
    no_queries: bool,
}

const WHOAMI: &str = r"
title: Whoami
id: bench-whoami
logsource: {product: windows, category: process_creation}
detection:
    selection:
        CommandLine|contains: whoami
    condition: selection
level: low
";

fn read_sources(paths: &[PathBuf]) -> anyhow::Result<Vec<Map<String, Value>>> {
    let mut out = Vec::new();
    for path in paths {
        let raw = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let bytes = if path.extension().is_some_and(|e| e == "gz") {
            vigie_ingest::decode::gunzip_capped(&raw, 4 << 30)?
        } else {
            raw
        };
        for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            if let Ok(Value::Object(map)) = serde_json::from_slice(line) {
                out.push(map);
            }
        }
    }
    anyhow::ensure!(!out.is_empty(), "no events in the source files");
    Ok(out)
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort_unstable();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index].as_secs_f64() * 1000.0
}

fn dir_bytes(path: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

pub(crate) async fn run_bench(args: Args) -> anyhow::Result<ExitCode> {
    let sources = read_sources(&args.source)?;
    let dir = tempfile::tempdir()?;
    let state = Arc::new(vigie_soc::SqliteStore::open(&dir.path().join("state.sqlite")).await?);
    let a = state
        .create_tenant(&TenantSlug::new("bench-a")?, "A")
        .await?;
    let b = state
        .create_tenant(&TenantSlug::new("bench-b")?, "B")
        .await?;
    let scope = Access::new(state.clone()).operator_scope();
    let store_dir = dir.path().join("store");
    let store = EmbeddedStore::open(EmbeddedConfig {
        dir: store_dir.clone(),
        writer_memory_bytes: args.writer_memory_mib << 20,
        writer_threads: args.writer_threads,
        ..EmbeddedConfig::default()
    })?;
    let rules = match &args.rules {
        Some(dir) => RuleSet::load_dir(dir)?.0,
        None => RuleSet::from_yaml(WHOAMI, std::path::Path::new("bench")).0,
    };
    let rules = Arc::new(rules);
    // The durable log with both consumers, as `vigie serve` runs them.
    let log = Arc::new(Wal::open(WalConfig {
        dir: dir.path().join("wal"),
        consumers: vec!["detect".to_owned(), "store".to_owned()],
        ..WalConfig::default()
    })?);
    let pipeline = Arc::new(Pipeline::new(
        Log::reader(log.as_ref(), "detect", 0).await?,
        Arc::clone(&rules),
        state.clone(),
        scope.clone(),
        PipelineConfig {
            consumer: "detect".to_owned(),
            batch_size: args.detect_batch.max(1),
            ..PipelineConfig::default()
        },
    ));
    let event_store: Arc<dyn EventStore> = Arc::new(store.clone());
    let indexer = Arc::new(Indexer::new(
        Log::reader(log.as_ref(), "store", 0).await?,
        event_store,
        state.clone(),
        scope.clone(),
        IndexerConfig {
            batch_size: args.batch.max(1),
            ..IndexerConfig::default()
        },
    ));
    let end = Timestamp::now();
    let span = SignedDuration::from_hours(24 * 30);
    let start = end.checked_sub(span)?;
    let step = span.as_nanos() / args.events.max(1) as i128;
    let mut raw_bytes = 0u64;
    let mut indexing = Duration::ZERO;
    let mut detecting = Duration::ZERO;
    let mut cpu = Duration::ZERO;
    let mut alerts = 0u64;
    let mut produced = 0usize;
    // Rounds: append a round of events to the log (not timed), then run detection and
    // indexing side by side until both have consumed it (timed).
    while produced < args.events {
        let round_end = (produced + args.round.max(1)).min(args.events);
        let mut payloads = Vec::with_capacity(5000);
        for i in produced..round_end {
            let mut fields = sources[i % sources.len()].clone();
            let copy = i / sources.len();
            for host in ["Hostname", "Computer"] {
                if let Some(Value::String(name)) = fields.get_mut(host) {
                    name.push_str(&format!("-{}", copy % 500));
                }
            }
            let at = start.checked_add(SignedDuration::from_nanos(
                i64::try_from(step * i as i128).unwrap_or(i64::MAX),
            ))?;
            raw_bytes += serde_json::to_vec(&fields)?.len() as u64 + 1;
            let tenant = if i % 2 == 0 { a.id } else { b.id };
            let event = Event::new(tenant, at, "bench", fields).with_timestamp(Some(at));
            payloads.push(bytes::Bytes::from(event.to_record()));
            if payloads.len() >= 5000 || i + 1 == round_end {
                log.append(std::mem::take(&mut payloads)).await?;
            }
        }
        produced = round_end;
        let target = log.end_offset();
        let cpu_before = super::bench::process_cpu();
        let started = Instant::now();
        let detect = {
            let pipeline = Arc::clone(&pipeline);
            let without_detection = args.without_detection;
            tokio::spawn(async move {
                let mut alerts = 0u64;
                while !without_detection && pipeline.position() < target {
                    alerts += pipeline.step().await?.new_alerts;
                }
                anyhow::Ok((started.elapsed(), alerts))
            })
        };
        let index = {
            let indexer = Arc::clone(&indexer);
            tokio::spawn(async move {
                while indexer.position() < target {
                    indexer.step().await?;
                }
                anyhow::Ok(started.elapsed())
            })
        };
        let (detect_time, round_alerts) = detect.await??;
        indexing += index.await??;
        detecting += detect_time;
        alerts += round_alerts;
        if let (Some(before), Some(after)) = (cpu_before, super::bench::process_cpu()) {
            cpu += after.saturating_sub(before);
        }
    }
    let disk = dir_bytes(&store_dir);
    println!(
        "vigie bench store: {} events over 30 days, two tenants",
        args.events
    );
    println!(
        "  indexing       {:.0} events/s ({:.1} s), from the log, {}",
        args.events as f64 / indexing.as_secs_f64(),
        indexing.as_secs_f64(),
        if args.without_detection {
            "without detection"
        } else {
            "with detection running beside it"
        }
    );
    println!(
        "  detection      {:.0} events/s ({:.1} s), {} rules, {alerts} alerts",
        args.events as f64 / detecting.as_secs_f64(),
        detecting.as_secs_f64(),
        rules.len()
    );
    println!(
        "  CPU time       {:.1} s for both: {:.1} µs per event (2 cores: {:.0} events/s at most)",
        cpu.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / args.events as f64,
        2.0 * args.events as f64 / cpu.as_secs_f64().max(1e-9)
    );
    println!(
        "  disk           {:.1} MiB, {:.0} bytes/event; raw NDJSON {:.1} MiB: {:.1} %",
        disk as f64 / (1 << 20) as f64,
        disk as f64 / args.events as f64,
        raw_bytes as f64 / (1 << 20) as f64,
        disk as f64 * 100.0 / raw_bytes as f64
    );
    if args.no_queries {
        return Ok(ExitCode::SUCCESS);
    }
    let names: vigie_store::model::TenantNames = Arc::new(HashMap::from([
        (a.id, "bench-a".to_owned()),
        (b.id, "bench-b".to_owned()),
    ]));
    let options = |range: TimeRange| HuntOptions {
        range,
        max_rows: 100,
        max_groups: 10_000,
        names: Arc::clone(&names),
        control: None,
        max_group_bytes: 0,
    };
    let all = TimeRange {
        from: Some(start),
        to: Some(end.checked_add(SignedDuration::from_secs(1))?),
    };
    let day_start = end.checked_sub(SignedDuration::from_hours(48))?;
    let day = TimeRange {
        from: Some(day_start),
        to: Some(day_start.checked_add(SignedDuration::from_hours(24))?),
    };
    let one_tenant = scope
        .narrow(TenantId(a.id.0))
        .context("tenant in the operator scope")?;
    let queries = [
        (
            "term (EventID:4688, 30 days, head 100)",
            "EventID:4688 | head 100",
            all,
        ),
        (
            "phrase (\"windows filtering platform\", 30 days, head 100)",
            "\"windows filtering platform\" | head 100",
            all,
        ),
        (
            "stats count() by Channel over one day",
            "* | stats count() by Channel",
            day,
        ),
    ];
    for (label, text, range) in queries {
        let query = parse(text, end).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut samples = Vec::new();
        let mut matched = 0;
        for _ in 0..args.repeat.max(1) {
            let started = Instant::now();
            let result = run(&store, &one_tenant, &query, &options(range)).await?;
            samples.push(started.elapsed());
            matched = result.events_matched;
        }
        println!(
            "  {label:<54} p50 {:>8.1} ms  p95 {:>8.1} ms  ({matched} events matched)",
            percentile(&mut samples, 0.50),
            percentile(&mut samples, 0.95)
        );
    }
    let mut samples = Vec::new();
    let mut matches = 0;
    for _ in 0..args.repeat.clamp(1, 3) {
        let started = Instant::now();
        let report = vigie_store::retro::backtest(
            &store,
            &one_tenant,
            Arc::clone(&rules),
            all,
            Arc::clone(&names),
            100,
            None,
        )
        .await?;
        samples.push(started.elapsed());
        matches = report.matches_total;
    }
    println!(
        "  {:<54} p50 {:>8.1} ms  p95 {:>8.1} ms  ({matches} matches, {} rules)",
        "Sigma backtest over 30 days",
        percentile(&mut samples, 0.50),
        percentile(&mut samples, 0.95),
        rules.len()
    );
    Ok(ExitCode::SUCCESS)
}
