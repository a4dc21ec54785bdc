//! `vigie serve`: the single-node server on embedded defaults.
//!
//! Start order: configuration → data directory → state database (migrations) → first-start
//! platform admin → durable log (recovery) → rules (every file reported) → pipeline task →
//! HTTP listener. Stop order on SIGINT/SIGTERM: stop accepting requests, let in-flight
//! ones finish, stop the pipeline after its current step.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use vigie_detect::RuleSet;
use vigie_detect::correlation::CorrelationSet;
use vigie_ingest::{Intake, IntakeConfig};
use vigie_log::{Wal, WalConfig};
use vigie_pipeline::{Pipeline, PipelineConfig};
use vigie_soc::access::Access;
use vigie_soc::{Role, RuleStatus, StateStore};
use vigie_web::{AppState, WebConfig};

use super::{Global, open_state};
use crate::config::VigieConfig;

/// The pipeline's consumer name in the log.
pub(crate) const DETECT_CONSUMER: &str = "detect";
/// The event-store indexer's consumer name in the log.
pub(crate) const STORE_CONSUMER: &str = "store";

/// The log consumers whose position keeps segments on disk: detection, and the event store
/// when it is enabled. Everything that opens the log (`serve`, `import`) registers the same.
pub(crate) fn log_consumers(config: &VigieConfig) -> Vec<String> {
    if config.store.enabled {
        vec![DETECT_CONSUMER.to_owned(), STORE_CONSUMER.to_owned()]
    } else {
        vec![DETECT_CONSUMER.to_owned()]
    }
}

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Address to listen on; overrides `[server] listen`.
    #[arg(long)]
    listen: Option<String>,
    /// Directory of Sigma rules; overrides `[detection] rules_dir`.
    #[arg(long)]
    rules: Option<PathBuf>,
}

/// A running server, for `serve` and for the benchmark.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    pub(crate) store: Arc<dyn StateStore>,
    pub(crate) log: Arc<Wal>,
    shutdown: tokio::sync::watch::Sender<bool>,
    http: tokio::task::JoinHandle<std::io::Result<()>>,
    pipeline: tokio::task::JoinHandle<()>,
    /// Audit checkpoints and the SLA breach sweep (`cmd::audit::desk_housekeeping`).
    desk: tokio::task::JoinHandle<()>,
    /// The event-store indexer, when the store is enabled.
    indexer: Option<tokio::task::JoinHandle<()>>,
    /// The NIS2 reminder sweep.
    reminders: tokio::task::JoinHandle<()>,
    /// The state database, closed last (which checkpoints its WAL into the main file).
    sqlite: Arc<vigie_soc::SqliteStore>,
    /// The bound syslog listeners, by name.
    pub(crate) syslog: super::syslog::Listeners,
    /// Held while serving: `vigie import` refuses to write the same log meanwhile.
    _data_lock: std::fs::File,
}

pub(crate) async fn run(global: &Global, args: Args) -> anyhow::Result<ExitCode> {
    let mut config = global.load_config()?;
    if let Some(listen) = args.listen {
        config.server.listen = listen;
    }
    if let Some(rules) = args.rules {
        config.detection.rules_dir = Some(rules);
    }
    let problems = config.validate("flags");
    if !problems.is_empty() {
        anyhow::bail!("{}", crate::config::Problems(problems));
    }
    let metrics = PrometheusBuilder::new()
        .install_recorder()
        .context("cannot install the metrics recorder")?;
    let server = start(&config, Some(metrics)).await?;
    println!("vigie listening on http://{}", server.addr);
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.stop().await;
    Ok(ExitCode::SUCCESS)
}

/// Starts every part of the server and returns once it listens.
pub(crate) async fn start(
    config: &VigieConfig,
    metrics: Option<PrometheusHandle>,
) -> anyhow::Result<Server> {
    let sqlite = open_state(config).await?;
    let store = sqlite.clone();
    let data_lock = super::lock_data_dir(config)?;
    first_start_admin(store.as_ref()).await?;
    let wal_dir = config.data_dir.join("wal");
    let log = Arc::new(
        Wal::open(WalConfig {
            dir: wal_dir.clone(),
            segment_bytes: config.log.segment_bytes,
            max_record_bytes: config.log.max_record_bytes,
            consumers: log_consumers(config),
        })
        .with_context(|| format!("cannot open the durable log in {}", wal_dir.display()))?,
    );
    let stats = vigie_log::Log::stats(log.as_ref());
    let recovery = &stats.recovery;
    tracing::info!(
        end_offset = stats.end_offset,
        segments = recovery.segments_scanned,
        records = recovery.records_recovered,
        truncated_bytes = recovery.truncated_bytes,
        "durable log opened"
    );
    let operator = Access::new(store.clone()).operator_scope();
    let (rules, correlations) = load_rules(config, store.as_ref(), &operator).await?;
    let rules = Arc::new(rules);
    let rules_for_hunt = rules.clone();
    let access = Access::new(store.clone());
    let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
    let pipeline = Pipeline::new(
        log.clone(),
        rules,
        store.clone(),
        access.operator_scope(),
        PipelineConfig {
            consumer: DETECT_CONSUMER.to_owned(),
            batch_size: usize::try_from(config.pipeline.batch_size).unwrap_or(usize::MAX),
            ..PipelineConfig::default()
        },
    )
    .with_correlations(
        Arc::new(correlations),
        Some(config.data_dir.join("correlation-state.json")),
    )?;
    let pipeline_rx = shutdown_rx.clone();
    let pipeline = tokio::spawn(async move { pipeline.run(pipeline_rx).await });
    let (event_store, indexer) = super::hunt::start_store(
        config,
        log.clone(),
        store.clone(),
        access.operator_scope(),
        shutdown_rx.clone(),
    )?;
    let intake = Intake::new(
        log.clone(),
        IntakeConfig {
            max_backlog: config.ingest.max_backlog_events,
            retry_after: Duration::from_secs(config.ingest.retry_after_seconds),
            consumer: DETECT_CONSUMER.to_owned(),
        },
    )
    .with_inflight_limit(config.ingest.max_inflight_bytes)
    .with_backlog_wait(Duration::from_secs(config.ingest.backlog_wait_seconds));
    let syslog = super::syslog::start_all(
        config,
        store.as_ref(),
        &access.operator_scope(),
        &intake,
        shutdown_rx.clone(),
    )
    .await?;
    let web = WebConfig {
        max_body_bytes: usize::try_from(config.ingest.max_body_bytes).unwrap_or(usize::MAX),
        max_decoded_bytes: config.ingest.max_decoded_bytes,
        max_line_bytes: usize::try_from(config.ingest.max_line_bytes).unwrap_or(usize::MAX),
    };
    let app = vigie_web::router(AppState::new(access, store.clone(), intake, metrics, web))
        // The alert page explains matches with the loaded rules.
        .layer(axum::Extension(vigie_web::ui::RuleBook(
            rules_for_hunt.clone(),
        )));
    let app = match &event_store {
        Some(event_store) => app
            .layer(axum::Extension(vigie_web::api::hunt::Hunting::new(
                event_store.clone(),
                rules_for_hunt.clone(),
                usize::try_from(config.store.max_rows).unwrap_or(usize::MAX),
            )))
            // The hunt page of the web application reads the same store.
            .layer(axum::Extension(vigie_web::ui::EventBook::new(
                event_store.clone(),
                usize::try_from(config.store.max_rows).unwrap_or(usize::MAX),
            ))),
        None => app,
    };
    let listener = tokio::net::TcpListener::bind(config.listen_addr()?)
        .await
        .with_context(|| format!("cannot listen on {}", config.server.listen))?;
    let addr = listener.local_addr()?;
    let desk = super::audit::spawn_desk_housekeeping(config, store.clone(), shutdown_rx.clone())?;
    vigie_soc::nis2::ReminderPolicy::configure(config.nis2.policy());
    let reminders = super::nis2::spawn_reminders(
        store.clone(),
        Access::new(store.clone()).operator_scope(),
        config.nis2.policy(),
        shutdown_rx.clone(),
    );
    let mut http_rx = shutdown_rx;
    let http = tokio::spawn(async move {
        // The peer address feeds the per-source login throttle.
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = http_rx.wait_for(|stop| *stop).await;
        })
        .await
    });
    Ok(Server {
        addr,
        store,
        log,
        shutdown,
        http,
        pipeline,
        desk,
        indexer,
        reminders,
        sqlite,
        syslog,
        _data_lock: data_lock,
    })
}

impl Server {
    /// Stops the listener, waits for in-flight requests, then stops the pipeline.
    pub(crate) async fn stop(self) {
        let _ = self.shutdown.send(true);
        match self.http.await {
            Ok(Err(error)) => tracing::error!(%error, "http server ended with an error"),
            Err(error) => tracing::error!(%error, "http server task failed"),
            Ok(Ok(())) => {}
        }
        for (_, listener) in self.syslog {
            let _ = listener.task.await;
        }
        let _ = self.pipeline.await;
        let _ = self.reminders.await;
        let _ = self.desk.await;
        if let Some(indexer) = self.indexer {
            let _ = indexer.await;
        }
        self.sqlite.close().await;
    }
}

/// On an empty state database: creates the platform admin with a random password, printed
/// once. There is no default password.
async fn first_start_admin(store: &dyn StateStore) -> anyhow::Result<()> {
    if store.user_count().await? > 0 {
        return Ok(());
    }
    let password = random_password();
    store
        .create_user("admin", &password, Role::PlatformAdmin)
        .await?;
    println!("first start: platform admin created");
    println!("  user:     admin");
    println!("  password: {password}");
    println!("  (shown once; store it now. Create API tokens with `vigie token create`.)");
    Ok(())
}

fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    (0..24)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Loads the rules, prints and records the status of every file.
/// Loads the detection rules and the correlation rules of the rules directory, logs and
/// records the status of every document.
async fn load_rules(
    config: &VigieConfig,
    store: &dyn StateStore,
    operator: &vigie_event::TenantScope,
) -> anyhow::Result<(RuleSet, CorrelationSet)> {
    let Some(dir) = &config.detection.rules_dir else {
        tracing::warn!(
            "no rules directory configured: detection runs with no rules (set [detection] rules_dir or --rules)"
        );
        store.replace_rule_status(&[]).await?;
        return Ok((
            RuleSet::from_yaml("", std::path::Path::new("none")).0,
            CorrelationSet::default(),
        ));
    };
    let (mut rules, mut report) = RuleSet::load_dir(dir)?;
    // Per-tenant tuning: filters from `filters/<slug>/`, placeholders from the config.
    let tenants: std::collections::HashMap<String, vigie_event::TenantId> = store
        .list_tenants(operator)
        .await?
        .into_iter()
        .map(|t| (t.slug.to_string(), t.id))
        .collect();
    super::rules::load_tenant_filters(&mut rules, &mut report, dir, &mut |slug| {
        tenants.get(slug).copied()
    });
    for (slug, values) in &config.detection.placeholders {
        match tenants.get(slug) {
            Some(&tenant) => {
                for warning in rules.set_tenant_placeholders(tenant, values) {
                    tracing::warn!(%warning, "rule placeholder");
                }
            }
            None => tracing::warn!(
                slug,
                "[detection.placeholders.{slug}] names no tenant: its values are not used"
            ),
        }
    }
    for filter in &report.filters {
        tracing::info!(id = %filter.id, tenant = %filter.tenant, rules = ?filter.rules, "tenant filter loaded");
    }
    let (correlations, correlation_rejections) =
        super::rules::load_correlations(dir, &rules, config.detection.correlation.limits());
    // Correlation documents are loaded by the correlation engine, not the base loader.
    report
        .rejected
        .retain(|r| !super::rules::is_correlation_rejection(r));
    for rejection in &report.rejected {
        tracing::warn!(%rejection, "rule rejected");
    }
    tracing::info!(
        dir = %dir.display(),
        files = report.files,
        loaded = report.loaded.len(),
        rejected = report.rejected.len(),
        "rules loaded"
    );
    metrics::gauge!("vigie_rules_loaded").set(report.loaded.len() as f64);
    metrics::gauge!("vigie_rules_rejected").set(report.rejected.len() as f64);
    let mut statuses: Vec<RuleStatus> = report
        .loaded
        .iter()
        .map(|meta| RuleStatus {
            path: meta
                .path
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            rule_id: Some(meta.id.clone()),
            title: Some(meta.title.clone()),
            severity: Some(meta.level),
            loaded: true,
            reason: None,
        })
        .collect();
    statuses.extend(report.rejected.iter().map(|r| RuleStatus {
        path: r.path.display().to_string(),
        rule_id: r.rule_id.clone(),
        title: r.title.clone(),
        severity: None,
        loaded: false,
        reason: Some(r.reason.clone()),
    }));
    for rule in correlations.rules() {
        statuses.push(RuleStatus {
            path: dir.display().to_string(),
            rule_id: Some(rule.id.clone()),
            title: Some(rule.title.clone()),
            severity: Some(rule.level),
            loaded: true,
            reason: None,
        });
    }
    for rejection in &correlation_rejections {
        tracing::warn!(%rejection, "correlation rule rejected");
        statuses.push(RuleStatus {
            path: rejection.path.display().to_string(),
            rule_id: None,
            title: rejection.title.clone(),
            severity: None,
            loaded: false,
            reason: Some(rejection.reason.clone()),
        });
    }
    tracing::info!(
        loaded = correlations.len(),
        rejected = correlation_rejections.len(),
        "correlation rules loaded"
    );
    store.replace_rule_status(&statuses).await?;
    Ok((rules, correlations))
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
