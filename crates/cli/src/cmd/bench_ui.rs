//! `vigie bench ui`: how long the web application takes to render its pages on the server
//! with a large SOC desk in the state store.
//!
//! Fills a fresh SQLite state store (the same synthetic desk as `vigie bench desk`: tenants,
//! incidents over a year, alerts), creates a platform administrator, an analyst of five
//! tenants and a client contact, signs each in through the real login, then renders each main
//! page `--samples` times in-process (the real router, `tower::ServiceExt::oneshot`, the
//! session cookie) and prints p50/p95 per page in ms. Nothing is asserted: the target
//! is < 100 ms per page at 10⁶ incidents.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigie_soc::prelude::*;

use anyhow::Context;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;
use vigie_access::Access;
use vigie_access::NewUser;
use vigie_access::Role;
use vigie_ingest::{Intake, IntakeConfig};
use vigie_log::{Wal, WalConfig};
use vigie_soc::desk::{IncidentFilter, IncidentSort};
use vigie_soc::{Actor, AlertFilter, BenchFill, Page, SqliteStore};
use vigie_web::{AppState, WebConfig};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Incidents to create.
    #[arg(long, default_value_t = 1_000_000)]
    incidents: u64,
    /// Alerts to create (default: ten per incident).
    #[arg(long)]
    alerts: Option<u64>,
    /// Tenants.
    #[arg(long, default_value_t = 50)]
    tenants: u32,
    /// Timed renders per page.
    #[arg(long, default_value_t = 50)]
    samples: usize,
    /// Directory for the database (default: a temporary directory, removed afterwards).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Render on the database a previous run left in `--dir` instead of filling a new one.
    #[arg(long, requires = "dir")]
    reuse: bool,
}

const PASSWORD: &str = "benchmark password 1";

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// Renders `uri` once; fails on anything but 200.
async fn render(app: &axum::Router, uri: &str, cookies: &str) -> anyhow::Result<usize> {
    let request = Request::builder()
        .uri(uri)
        .header(header::HOST, "127.0.0.1")
        .header(header::COOKIE, cookies)
        .body(Body::empty())?;
    let response = app.clone().oneshot(request).await?;
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 64 << 20).await?;
    anyhow::ensure!(
        status == StatusCode::OK,
        "{uri} answered {status}: {}",
        String::from_utf8_lossy(&body[..body.len().min(300)])
    );
    Ok(body.len())
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
    let path = dir.join("bench-ui.sqlite");
    let exists = std::fs::metadata(&path).is_ok();
    anyhow::ensure!(
        args.reuse || !exists,
        "{} exists; give an empty --dir, or --reuse to render on it",
        path.display()
    );
    anyhow::ensure!(
        !args.reuse || exists,
        "--reuse: no {} from a previous run",
        path.display()
    );
    let alerts = args.alerts.unwrap_or(args.incidents.saturating_mul(10));
    let store = Arc::new(SqliteStore::open(&path).await?);
    let access = Access::new(store.clone());
    let platform = access.operator_scope();
    if args.reuse {
        println!("reusing {}", path.display());
    } else {
        println!(
            "filling {} tenants, {} incidents, {} alerts in {} ...",
            args.tenants,
            args.incidents,
            alerts,
            path.display()
        );
        let started = Instant::now();
        store
            .fill_for_benchmark(BenchFill {
                tenants: args.tenants,
                incidents: args.incidents,
                alerts,
            })
            .await?;
        println!("filled in {:.1} s", started.elapsed().as_secs_f64());
    }
    let tenants: Vec<_> = store
        .list_tenants(&platform)
        .await?
        .into_iter()
        .filter(|t| t.slug.as_str().starts_with("bench-"))
        .map(|t| t.id)
        .collect();
    anyhow::ensure!(
        !tenants.is_empty(),
        "no benchmark tenants in {}",
        path.display()
    );
    let fresh = store.list_users(&platform).await?.is_empty();
    for (name, role, assigned) in [
        ("bench-admin", Role::PlatformAdmin, vec![]),
        (
            "bench-analyst",
            Role::Analyst,
            tenants.iter().take(5).copied().collect(),
        ),
        ("bench-client", Role::TenantUser, vec![tenants[0]]),
    ] {
        if !fresh {
            break;
        }
        store
            .add_user(
                &Actor::operator(),
                &platform,
                &NewUser {
                    username: name.to_owned(),
                    password: PASSWORD.to_owned(),
                    role,
                    tenants: assigned,
                },
            )
            .await?;
    }
    let log = Arc::new(Wal::open(WalConfig {
        dir: dir.join("wal"),
        consumers: vec!["detect".to_owned()],
        ..WalConfig::default()
    })?);
    let intake = Intake::new(
        log,
        IntakeConfig {
            max_backlog: 1000,
            retry_after: Duration::from_secs(1),
            consumer: "detect".to_owned(),
        },
    );
    let state = AppState::new(
        Access::new(store.clone()),
        store.clone(),
        intake,
        None,
        WebConfig {
            max_body_bytes: 1 << 20,
            max_decoded_bytes: 1 << 20,
            max_line_bytes: 1 << 16,
        },
    );
    let app = vigie_web::router(state);
    let mut cookies = Vec::new();
    for name in ["bench-admin", "bench-analyst", "bench-client"] {
        let session = access
            .login(name, PASSWORD, None)
            .await
            .map_err(|e| anyhow::anyhow!("login of {name}: {e:?}"))?;
        cookies.push(format!(
            "{}={}; {}={}",
            vigie_web::api::session::SESSION_COOKIE,
            session.secret,
            vigie_web::ui::CSRF_COOKIE,
            session.csrf
        ));
    }
    // Objects to open: an incident and an alert of the analyst's first tenant.
    let first = platform
        .narrow(tenants[0])
        .context("the first tenant is in the platform scope")?;
    let incident = store
        .list_incidents(
            &first,
            &IncidentFilter::default(),
            IncidentSort::Newest,
            &Page::first(1),
        )
        .await?
        .incidents
        .first()
        .map(|i| i.id)
        .context("no incident in the first tenant")?;
    let alert = store
        .list_alerts(&first, &AlertFilter::default(), &Page::first(1))
        .await?
        .alerts
        .first()
        .map(|a| a.id.clone())
        .context("no alert in the first tenant")?;
    let slug = store
        .list_tenants(&first)
        .await?
        .first()
        .map(|t| t.slug.to_string())
        .context("no tenant")?;
    let pages: Vec<(&str, String, usize)> = vec![
        ("dashboard (platform admin)", "/ui/".into(), 0),
        ("dashboard (analyst, 5 tenants)", "/ui/".into(), 1),
        ("alert queue (platform admin)", "/ui/alerts".into(), 0),
        (
            "alert queue, one tenant, any status",
            format!("/ui/alerts?status=any&tenant={slug}"),
            1,
        ),
        ("alert page", format!("/ui/alerts/{alert}"), 1),
        ("incident list (platform admin)", "/ui/incidents".into(), 0),
        ("incident list (analyst)", "/ui/incidents".into(), 1),
        ("incident page", format!("/ui/incidents/{incident}"), 1),
        ("SLA figures (platform admin)", "/ui/sla".into(), 0),
        ("detection rules", "/ui/detection".into(), 1),
        ("hunt form", "/ui/hunt".into(), 1),
        ("administration", "/ui/admin".into(), 0),
        ("SLA contract form", format!("/ui/admin/sla/{slug}"), 0),
        ("portal: incident list (client)", "/ui/incidents".into(), 2),
        (
            "portal: incident page (client)",
            format!("/ui/incidents/{incident}"),
            2,
        ),
        ("portal: SLA figures (client)", "/ui/sla".into(), 2),
    ];
    let samples = args.samples.max(1);
    println!(
        "{:<40} {:>10} {:>10} {:>10} {:>9}",
        "page", "p50 ms", "p95 ms", "max ms", "KiB"
    );
    for (name, uri, who) in &pages {
        // One warm-up render (page cache, prepared statements).
        let size = render(&app, uri, &cookies[*who]).await?;
        let mut times = Vec::with_capacity(samples);
        for _ in 0..samples {
            let t = Instant::now();
            render(&app, uri, &cookies[*who]).await?;
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "{name:<40} {:>10.2} {:>10.2} {:>10.2} {:>9.1}",
            percentile(&times, 0.50),
            percentile(&times, 0.95),
            percentile(&times, 1.0),
            size as f64 / 1024.0
        );
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
