//! `vigie bench desk`: the SOC desk's read paths on a large state database.
//!
//! Fills a fresh SQLite state store in a temporary directory (or `--dir`) with a synthetic
//! desk (tenants, incidents over a year with a realistic status mix, alerts linked ten per
//! incident and the rest unlinked, SLA contracts), then times, each `--samples` times:
//!
//! - the incident list of one analyst's tenant, filtered to open statuses, newest first,
//!   first page and a deep page (cursor), and the platform-wide list sorted by severity;
//! - an incident page (incident, alerts, observables, tasks, comments, timeline, SLA clocks);
//! - the SLA summary (MTTA/MTTR, breaches) of one tenant and of the platform over 30 days.
//!
//! Figures are printed (p50/p95 in ms), never asserted. The target is p95 < 50 ms at
//! 10⁶ incidents and 10⁷ alerts over 50 tenants on 2 cores.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigie_soc::prelude::*;

use anyhow::Context;
use jiff::{SignedDuration, Timestamp};
use vigie_access::Access;
use vigie_access::audit::{self, AuditEntry, AuditRecord};
use vigie_soc::desk::{IncidentFilter, IncidentSort, IncidentStatus};
use vigie_soc::{BenchFill, Page, SqliteStore};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Incidents to create.
    #[arg(long, default_value_t = 1_000_000)]
    incidents: u64,
    /// Alerts to create.
    #[arg(long, default_value_t = 10_000_000)]
    alerts: u64,
    /// Tenants.
    #[arg(long, default_value_t = 50)]
    tenants: u32,
    /// Timed runs per query.
    #[arg(long, default_value_t = 200)]
    samples: usize,
    /// Directory for the database (default: a temporary directory, removed afterwards).
    #[arg(long)]
    dir: Option<PathBuf>,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{name:<44} p50 {:>8.2} ms   p95 {:>8.2} ms   max {:>8.2} ms",
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        percentile(&times, 1.0)
    );
}

pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let temp;
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::tempdir().context("cannot create a temporary directory")?;
            temp.path().to_owned()
        }
    };
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("bench-desk.sqlite");
    anyhow::ensure!(
        std::fs::metadata(&path).is_err(),
        "{} exists; give an empty --dir",
        path.display()
    );
    let store = Arc::new(SqliteStore::open(&path).await?);
    println!(
        "filling {} tenants, {} incidents, {} alerts in {} ...",
        args.tenants,
        args.incidents,
        args.alerts,
        path.display()
    );
    let started = Instant::now();
    let tenants = store
        .fill_for_benchmark(BenchFill {
            tenants: args.tenants,
            incidents: args.incidents,
            alerts: args.alerts,
        })
        .await?;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "filled in {:.1} s; database {:.0} MiB",
        started.elapsed().as_secs_f64(),
        size as f64 / (1 << 20) as f64
    );
    let access = Access::new(store.clone());
    let platform = access.operator_scope();
    let samples = args.samples.max(1);
    let tenant_scope = |n: usize| {
        platform
            .narrow(tenants[n % tenants.len()])
            .expect("a tenant of the platform")
    };
    let open = IncidentFilter {
        statuses: vec![
            IncidentStatus::New,
            IncidentStatus::Acknowledged,
            IncidentStatus::InProgress,
            IncidentStatus::OnHold,
        ],
        ..IncidentFilter::default()
    };

    let mut first = Vec::new();
    let mut deep = Vec::new();
    let mut ids = Vec::new();
    for n in 0..samples {
        let scope = tenant_scope(n);
        let t = Instant::now();
        let page = store
            .list_incidents(&scope, &open, IncidentSort::Newest, &Page::first(50))
            .await?;
        first.push(t.elapsed());
        if let Some(i) = page.incidents.get(n % page.incidents.len().max(1)) {
            ids.push((n, i.id));
        }
        let mut cursor = page.next_cursor;
        for _ in 0..4 {
            let t = Instant::now();
            let next = store
                .list_incidents(
                    &scope,
                    &open,
                    IncidentSort::Newest,
                    &Page {
                        limit: 50,
                        cursor: cursor.clone(),
                    },
                )
                .await?;
            deep.push(t.elapsed());
            cursor = next.next_cursor;
        }
    }
    report("incident list, tenant, open, newest, page 1", first);
    report("incident list, tenant, open, pages 2-5", deep);

    let mut all_sev = Vec::new();
    let mut all_filter = Vec::new();
    for n in 0..samples {
        let t = Instant::now();
        store
            .list_incidents(
                &platform,
                &IncidentFilter::default(),
                IncidentSort::Severity,
                &Page::first(50),
            )
            .await?;
        all_sev.push(t.elapsed());
        let filter = IncidentFilter {
            tenant: Some(tenants[n % tenants.len()]),
            statuses: vec![IncidentStatus::Closed],
            ..IncidentFilter::default()
        };
        let t = Instant::now();
        store
            .list_incidents(&platform, &filter, IncidentSort::Newest, &Page::first(50))
            .await?;
        all_filter.push(t.elapsed());
    }
    report("incident list, platform, by severity", all_sev);
    report("incident list, platform, ?tenant, closed", all_filter);

    let mut pages = Vec::new();
    let now = Timestamp::now();
    for (n, id) in &ids {
        let scope = tenant_scope(*n);
        let t = Instant::now();
        let detail = store
            .incident_detail(&scope, access.operator_audience(), *id, now)
            .await?;
        pages.push(t.elapsed());
        anyhow::ensure!(detail.is_some(), "incident {id} not found in its tenant");
    }
    report("incident page", pages);

    let since = now
        .checked_sub(SignedDuration::from_hours(24 * 30))
        .unwrap_or(Timestamp::MIN);
    let mut summary_tenant = Vec::new();
    let mut summary_all = Vec::new();
    for n in 0..samples {
        let t = Instant::now();
        store.sla_summary(&tenant_scope(n), since, None).await?;
        summary_tenant.push(t.elapsed());
        if n < samples.min(50) {
            let t = Instant::now();
            store.sla_summary(&platform, since, None).await?;
            summary_all.push(t.elapsed());
        }
    }
    report("SLA summary, one tenant, 30 days", summary_tenant);
    report("SLA summary, platform, 30 days", summary_all);

    // Audit log: durable appends (one transaction and fsync each, as in service), then the
    // verifier's speed on a chain of one million entries.
    let n_audit = 2_000;
    let t = Instant::now();
    for i in 0..n_audit {
        store
            .audit(&AuditRecord::new(
                "user:bench",
                Some(tenants[i % tenants.len()]),
                "incident.update",
                format!("incident:{i}"),
                serde_json::json!({"status": {"from": "new", "to": "acknowledged"}}),
            ))
            .await?;
    }
    let append = t.elapsed();
    let mut chain = Vec::with_capacity(1_000_000);
    let mut prev = (0, audit::GENESIS);
    for i in 0..1_000_000i64 {
        let entry = AuditEntry::chain(
            prev,
            i,
            &AuditRecord::new(
                "user:bench",
                None,
                "incident.update",
                format!("incident:{i}"),
                serde_json::json!({"status": {"from": "new", "to": "acknowledged"}}),
            ),
        );
        prev = (entry.seq, entry.hash);
        chain.push(entry);
    }
    let key = audit::load_or_create_key(&dir.join("bench-audit.key"))?;
    let checkpoint = audit::Checkpoint::sign(&key, prev.0, &prev.1);
    let t = Instant::now();
    let verified = audit::verify(chain, &[checkpoint], &key.verifying_key());
    let verify = t.elapsed();
    anyhow::ensure!(verified.ok(), "benchmark audit chain does not verify");
    println!(
        "audit log: {n_audit} durable appends at {:.0}/s; 1 000 000 entries verified in {:.2} s ({:.0} entries/s)",
        n_audit as f64 / append.as_secs_f64(),
        verify.as_secs_f64(),
        1e6 / verify.as_secs_f64()
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
