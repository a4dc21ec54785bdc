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
use vigie_access::Access;
use vigie_access::Role;
use vigie_detect::RuleSet;
use vigie_detect::correlation::CorrelationSet;
use vigie_ingest::{Intake, IntakeConfig};
use vigie_log::{Log, Wal, WalConfig};
use vigie_pipeline::{Pipeline, PipelineConfig};
use vigie_soc::StateStore;
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

/// A part of vigie a node runs (`vigie serve --role`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum NodeRole {
    /// The ingest endpoints (NDJSON, import, `_bulk`) and the syslog listeners.
    Ingest,
    /// One detection pipeline per partition of the log.
    Detect,
    /// The event-store indexer (embedded store only).
    Index,
    /// The desk API and the web application.
    Web,
    /// Desk housekeeping: SLA breach sweep, audit checkpoints, NIS2 reminders.
    Jobs,
}

/// The parts a node runs. Every part unless `--role` names some.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Roles {
    pub(crate) ingest: bool,
    pub(crate) detect: bool,
    pub(crate) index: bool,
    pub(crate) web: bool,
    pub(crate) jobs: bool,
}

impl Roles {
    /// Every part: the embedded single node.
    pub(crate) const ALL: Roles = Roles {
        ingest: true,
        detect: true,
        index: true,
        web: true,
        jobs: true,
    };

    fn from_flags(flags: &[NodeRole]) -> Roles {
        if flags.is_empty() {
            return Roles::ALL;
        }
        let has = |r| flags.contains(&r);
        Roles {
            ingest: has(NodeRole::Ingest),
            detect: has(NodeRole::Detect),
            index: has(NodeRole::Index),
            web: has(NodeRole::Web),
            jobs: has(NodeRole::Jobs),
        }
    }

    fn names(&self) -> String {
        [
            (self.ingest, "ingest"),
            (self.detect, "detect"),
            (self.index, "index"),
            (self.web, "web"),
            (self.jobs, "jobs"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| *name)
        .collect::<Vec<_>>()
        .join(",")
    }
}

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Address to listen on; overrides `[server] listen`.
    #[arg(long)]
    listen: Option<String>,
    /// The parts this node runs, comma-separated: ingest, detect, index, web, jobs. Default:
    /// all. Fewer than all needs `[cluster.nats]` (the other parts run on other nodes).
    #[arg(long, value_enum, value_delimiter = ',')]
    role: Vec<NodeRole>,
    /// Directory of Sigma rules; overrides `[detection] rules_dir`.
    #[arg(long)]
    rules: Option<PathBuf>,
}

/// The Unix socket in the data directory on which a running server also serves its HTTP
/// API (mode 0600 in a 0700 directory): `vigie import` finds the server there.
pub(crate) const LOCAL_SOCKET: &str = "vigie.sock";

/// Where uploads to `POST /api/v1/import` are kept while they are read (emptied at start).
pub(crate) const UPLOADS_DIR: &str = "uploads";

/// A running server, for `serve` and for the benchmark.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    /// Whether the API is served over TLS.
    pub(crate) tls: bool,
    pub(crate) store: Arc<dyn StateStore>,
    /// The event log: the embedded WAL, or NATS JetStream in cluster mode.
    pub(crate) log: Arc<dyn Log>,
    /// The embedded WAL, when it is the log (benchmarks read its offsets).
    pub(crate) wal: Option<Arc<Wal>>,
    shutdown: tokio::sync::watch::Sender<bool>,
    http: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The local socket (`LOCAL_SOCKET` in the data directory) and its task.
    local: (PathBuf, Option<tokio::task::JoinHandle<()>>),
    /// The OTLP gRPC listener (`[otlp] grpc_listen`, ingest role): its address and task.
    pub(crate) grpc: Option<(SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>)>,
    /// One detection pipeline per partition of the log.
    pipelines: Vec<tokio::task::JoinHandle<()>>,
    /// Cluster mode, detect role: this process among those sharing the partitions.
    membership: Option<vigie_nats::Membership>,
    /// Puts changed rules in force (`cmd::reload`).
    reloader: tokio::task::JoinHandle<()>,
    /// Retro-hunts new and changed IOC sets over the event store (`cmd::intel_retro`).
    intel_retro: Option<tokio::task::JoinHandle<()>>,
    /// Audit checkpoints and the SLA breach sweep (`cmd::audit::desk_housekeeping`), with
    /// the jobs role.
    desk: Option<tokio::task::JoinHandle<()>>,
    /// The event-store indexer, when the store is enabled.
    indexer: Option<tokio::task::JoinHandle<()>>,
    /// The NIS2 reminder sweep, with the jobs role.
    reminders: Option<tokio::task::JoinHandle<()>>,
    /// Last month's client reports (`cmd::report::spawn_monthly`), with the jobs role.
    monthly_reports: Option<tokio::task::JoinHandle<()>>,
    /// The notifier's sweeps and sender (`[notify]`), with the jobs role.
    notifications: Option<tokio::task::JoinHandle<()>>,
    /// The threat-intelligence pulls (`[[intel.feeds]]`), with the jobs role.
    feeds: Vec<tokio::task::JoinHandle<()>>,
    /// Writes the summary of refused logins not audited one by one, once a minute.
    login_audit: tokio::task::JoinHandle<()>,
    /// The access layer, for the last refused-login summary at shutdown.
    access: Access,
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
    // Installed before the start: a SIGTERM or SIGINT that comes while the server starts or
    // right after its listening line stops it cleanly, not with the default action.
    let stop = shutdown_signal();
    let roles = Roles::from_flags(&args.role);
    if roles != Roles::ALL && config.cluster.nats.is_none() {
        anyhow::bail!(
            "--role {} needs [cluster.nats]: a node without a shared log runs every part",
            roles.names()
        );
    }
    let server = start_with_roles(&config, Some(metrics), roles).await?;
    println!(
        "vigie listening on {}",
        vigie_web::server::url(server.tls, server.addr)
    );
    if let Some((addr, _)) = &server.grpc {
        println!("OTLP gRPC listening on {addr}");
    }
    stop.await;
    tracing::info!("shutting down");
    server.stop().await;
    Ok(ExitCode::SUCCESS)
}

/// Starts every part of the server and returns once it listens.
pub(crate) async fn start(
    config: &VigieConfig,
    metrics: Option<PrometheusHandle>,
) -> anyhow::Result<Server> {
    start_with_roles(config, metrics, Roles::ALL).await
}

/// Starts the parts `roles` names (HTTP, health and metrics always) and returns once it
/// listens.
pub(crate) async fn start_with_roles(
    config: &VigieConfig,
    metrics: Option<PrometheusHandle>,
    roles: Roles,
) -> anyhow::Result<Server> {
    tracing::info!(roles = %roles.names(), "starting");
    let sqlite = open_state(config).await?;
    let store = sqlite.clone();
    let data_lock = super::lock_data_dir(config)?;
    first_start_admin(store.as_ref()).await?;
    let (log, wal, nats, membership) = open_log(config, roles.detect).await?;
    let operator = Access::new(store.clone()).operator_scope();
    // In cluster mode the rules published with `vigie rules publish` win over the local
    // rules directory.
    let mut cluster_rules = None;
    let mut effective = config.clone();
    if let (Some(client), Some(nats_config)) = (&nats, &config.cluster.nats) {
        let bundle = vigie_nats::rules::current(client, nats_config).await?;
        if let Some(bundle) = &bundle {
            effective.detection.rules_dir = Some(super::reload::materialize(config, bundle)?);
            tracing::info!(
                version = bundle.version,
                files = bundle.files.len(),
                "published rules in force"
            );
        }
        cluster_rules = Some(super::reload::ClusterRules {
            client: client.clone(),
            nats: nats_config.clone(),
            version: bundle.map(|b| b.version),
        });
    }
    let (rules, correlations) = load_rules(&effective, store.as_ref(), &operator).await?;
    let rules = Arc::new(rules);
    let rules_for_hunt = rules.clone();
    let access = Access::new(store.clone());
    let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
    // One pipeline per partition. In cluster mode every detecting process runs one for each
    // partition, and reads only the partitions it owns among the members; the servers pin
    // each partition to one reader at a time.
    let correlations = Arc::new(correlations);
    let mut pipelines = Vec::new();
    let mut running: Vec<Arc<Pipeline>> = Vec::new();
    let detect_partitions = if roles.detect { log.partitions() } else { 0 };
    for partition in 0..detect_partitions {
        let reader = log
            .reader(DETECT_CONSUMER, partition)
            .await
            .with_context(|| format!("cannot read partition {partition} of the log"))?;
        let pipeline = Pipeline::new(
            reader,
            rules.clone(),
            store.clone(),
            access.operator_scope(),
            PipelineConfig {
                consumer: DETECT_CONSUMER.to_owned(),
                batch_size: usize::try_from(config.pipeline.batch_size).unwrap_or(usize::MAX),
                ..PipelineConfig::default()
            },
        );
        // The correlation state: in the shared key-value bucket in cluster mode (the next
        // owner of the partition goes on from it), else in the data directory.
        let pipeline = match (&nats, &config.cluster.nats) {
            (Some(client), Some(nats_config)) => {
                let store =
                    super::shared_state::KvSnapshots::open(client, nats_config, partition).await?;
                pipeline
                    .with_correlation_store(correlations.clone(), Arc::new(store))
                    .await?
            }
            _ => pipeline.with_correlations(
                correlations.clone(),
                Some(config.data_dir.join("correlation-state.json")),
            )?,
        };
        let pipeline = Arc::new(pipeline);
        running.push(pipeline.clone());
        let pipeline_rx = shutdown_rx.clone();
        pipelines.push(tokio::spawn(async move {
            pipeline.run(pipeline_rx).await;
            // The rules reloader holds only weak references: this is the last one.
            let Some(pipeline) = Arc::into_inner(pipeline) else {
                return;
            };
            if let Err(error) = pipeline.close().await {
                tracing::warn!(partition, %error, "could not hand the partition over at shutdown");
            }
        }));
    }
    // Changed rules go into every pipeline without a restart.
    let reloader = super::reload::spawn(
        config.clone(),
        store.clone(),
        operator.clone(),
        running.iter().map(Arc::downgrade).collect(),
        cluster_rules,
        shutdown_rx.clone(),
    );
    drop(running);
    let (event_store, indexer) = if config.store.enabled && roles.index {
        super::hunt::start_store(
            config,
            // Partition 0 of the embedded log: with [cluster.nats] the embedded store is
            // refused by `VigieConfig::validate` (it keeps one log offset per store partition).
            log.reader(STORE_CONSUMER, 0).await?,
            store.clone(),
            access.operator_scope(),
            shutdown_rx.clone(),
        )?
    } else {
        (None, None)
    };
    let intel_retro = event_store.as_ref().and_then(|events| {
        super::intel_retro::spawn(
            config,
            store.clone(),
            events.clone(),
            access.operator_scope(),
            shutdown_rx.clone(),
        )
    });
    let intake = Intake::new(
        log.clone(),
        IntakeConfig {
            max_backlog: config.ingest.max_backlog_events,
            retry_after: Duration::from_secs(config.ingest.retry_after_seconds),
            consumer: DETECT_CONSUMER.to_owned(),
        },
    )
    .with_inflight_limit(config.ingest.max_inflight_bytes)
    .with_tenant_share(config.ingest.max_inflight_tenant_percent)
    .with_disk_reserve(config.data_dir.clone(), config.ingest.min_free_disk_bytes)
    .with_backlog_wait(Duration::from_secs(config.ingest.backlog_wait_seconds));
    let syslog = if roles.ingest {
        super::syslog::start_all(
            config,
            store.as_ref(),
            &access.operator_scope(),
            &intake,
            shutdown_rx.clone(),
        )
        .await?
    } else {
        Vec::new()
    };
    let web = WebConfig {
        max_body_bytes: usize::try_from(config.ingest.max_body_bytes).unwrap_or(usize::MAX),
        max_decoded_bytes: config.ingest.max_decoded_bytes,
        max_line_bytes: usize::try_from(config.ingest.max_line_bytes).unwrap_or(usize::MAX),
    };
    let login_audit = spawn_login_audit(access.clone(), shutdown_rx.clone());
    let uploads = config.data_dir.join(UPLOADS_DIR);
    // What an import that stopped with the process left behind.
    if let Err(error) = std::fs::remove_dir_all(&uploads)
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(%error, dir = %uploads.display(), "could not clear the upload directory");
    }
    let state = AppState::new(access.clone(), store.clone(), intake, metrics, web)
        // Behind trusted reverse proxies the client address comes from their header.
        .with_client_addresses(config.web.client_addresses())
        .with_uploads(vigie_web::Uploads {
            dir: uploads,
            max_bytes: config.ingest.max_import_bytes,
        });
    let grpc_state = state.clone();
    let app = vigie_web::router(state)
        // The alert page explains matches with the loaded rules.
        .layer(axum::Extension(vigie_web::ui::RuleBook(
            rules_for_hunt.clone(),
        )));
    // Monthly reports read the configured settings and, where it is, the event store.
    let app = app.layer(axum::Extension(vigie_web::api::reports::Reports {
        settings: config.reports.clone(),
        events: event_store.clone(),
        archive: Some(super::report::archive(config)),
    }));
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
    // A node without the ingest or the web role refuses that part of the HTTP surface.
    let app = if roles.ingest && roles.web {
        app
    } else {
        app.layer(axum::middleware::from_fn_with_state(
            vigie_web::roles::HttpRoles {
                ingest: roles.ingest,
                web: roles.web,
            },
            vigie_web::roles::gate,
        ))
    };
    let listener = tokio::net::TcpListener::bind(config.listen_addr()?)
        .await
        .with_context(|| format!("cannot listen on {}", config.server.listen))?;
    let addr = listener.local_addr()?;
    vigie_soc::nis2::ReminderPolicy::configure(config.nis2.policy());
    let (desk, reminders) = if roles.jobs {
        let desk =
            super::audit::spawn_desk_housekeeping(config, store.clone(), shutdown_rx.clone())
                .await?;
        let reminders = super::nis2::spawn_reminders(
            store.clone(),
            Access::new(store.clone()).operator_scope(),
            config.nis2.policy(),
            shutdown_rx.clone(),
        );
        (Some(desk), Some(reminders))
    } else {
        (None, None)
    };
    // E-mail and webhook notifications (jobs role), when `[notify]` configures any.
    let notifier = if roles.jobs {
        super::notify::notifier(config, store.clone())?
    } else {
        None
    };
    let notifications = notifier.clone().map(|n| n.spawn(shutdown_rx.clone()));
    // Threat-intelligence feeds pulled into IOC sets (jobs role), when `[intel]` has any.
    let feeds = match (&config.detection.rules_dir, roles.jobs) {
        (Some(rules), true) if !config.intel.feeds.is_empty() => super::intel_feeds::spawn(
            config.intel.feeds.clone(),
            rules.clone(),
            shutdown_rx.clone(),
        ),
        _ => Vec::new(),
    };
    // Last month's client reports, made on the first day of the month (jobs role).
    let monthly_reports = roles.jobs.then(|| {
        super::report::spawn_monthly(
            config,
            store.clone(),
            event_store.clone(),
            notifier.clone(),
            shutdown_rx.clone(),
        )
    });
    // The peer address (a `ConnectInfo` on each request) feeds the per-source login
    // throttle. TLS files are read here, so a bad one stops the start with its name.
    let listen = config.server.listen_options();
    let tls = listen.tls.is_some();
    // The local socket of the data directory, for `vigie import` beside the running server.
    let socket = config.data_dir.join(LOCAL_SOCKET);
    // (A path too long for a socket address, or a file system without sockets, leaves the
    // server without it: `vigie import` then says so.)
    let _ = std::fs::remove_file(&socket);
    let local = match tokio::net::UnixListener::bind(&socket) {
        Ok(listener) => Some(tokio::spawn(vigie_web::server::serve_local(
            listener,
            app.clone(),
            listen.clone(),
            shutdown_rx.clone(),
        ))),
        Err(error) => {
            tracing::warn!(%error, socket = %socket.display(), "no local socket: `vigie import` cannot reach this server");
            None
        }
    };
    let http_rx = shutdown_rx;
    let (loaded_tx, loaded_rx) = tokio::sync::oneshot::channel();
    let http = tokio::spawn(async move {
        let served = vigie_web::server::serve(listener, app, listen, http_rx, loaded_tx).await;
        served.map_err(std::io::Error::other)
    });
    match loaded_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => anyhow::bail!("[server] TLS: {error}"),
        Err(_) => anyhow::bail!("the HTTP listener stopped while starting"),
    }
    let grpc = match &config.otlp.grpc_listen {
        Some(address) if roles.ingest => {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("[otlp] grpc_listen: cannot listen on {address}"))?;
            let grpc_addr = listener.local_addr()?;
            let options = vigie_web::server::ListenOptions {
                protocol: vigie_web::server::Protocol::Http2,
                ..config.server.listen_options()
            };
            let app = vigie_web::api::otlp::grpc_router(grpc_state);
            let stop = shutdown.subscribe();
            let (loaded_tx, loaded_rx) = tokio::sync::oneshot::channel();
            let task = tokio::spawn(async move {
                let served =
                    vigie_web::server::serve(listener, app, options, stop, loaded_tx).await;
                served.map_err(std::io::Error::other)
            });
            match loaded_rx.await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => anyhow::bail!("[otlp] grpc_listen TLS: {error}"),
                Err(_) => anyhow::bail!("the OTLP gRPC listener stopped while starting"),
            }
            Some((grpc_addr, task))
        }
        _ => None,
    };
    Ok(Server {
        grpc,
        local: (socket, local),
        addr,
        tls,
        store,
        log,
        wal,
        shutdown,
        http,
        pipelines,
        membership,
        reloader,
        intel_retro,
        desk,
        indexer,
        reminders,
        monthly_reports,
        notifications,
        feeds,
        login_audit,
        access,
        sqlite,
        syslog,
        _data_lock: data_lock,
    })
}

/// The event log, the WAL when it is the log, and the NATS client in cluster mode.
type OpenedLog = (
    Arc<dyn Log>,
    Option<Arc<Wal>>,
    Option<async_nats::Client>,
    Option<vigie_nats::Membership>,
);

/// This process's name among the detecting processes of a cluster: the machine's name, the
/// process id and a random suffix (two containers may share both).
fn node_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "vigie".to_owned());
    format!(
        "{host}-{}-{:04x}",
        std::process::id(),
        rand::random::<u16>()
    )
}

/// Opens the event log: NATS JetStream when `[cluster.nats]` is set (its streams created by
/// `vigie cluster init`), else the embedded WAL in the data directory. A detecting process
/// in cluster mode joins the members that share the partitions (`vigie_nats::membership`).
async fn open_log(config: &VigieConfig, detect: bool) -> anyhow::Result<OpenedLog> {
    if let Some(nats) = &config.cluster.nats {
        let client = vigie_nats::connect(nats, "vigie-serve").await?;
        let log = vigie_nats::JetStreamLog::open(client.clone(), nats.clone()).await?;
        let membership = if detect {
            let membership =
                vigie_nats::Membership::join(&client, nats, node_name(), nats.partitions).await?;
            log.balance(DETECT_CONSUMER, membership.assignment());
            Some(membership)
        } else {
            None
        };
        tracing::info!(
            servers = %nats.addresses(),
            partitions = nats.partitions,
            replicas = nats.replicas,
            "event log on NATS JetStream"
        );
        return Ok((Arc::new(log), None, Some(client), membership));
    }
    let wal_dir = config.data_dir.join("wal");
    let wal = Arc::new(
        Wal::open(WalConfig {
            dir: wal_dir.clone(),
            segment_bytes: config.log.segment_bytes,
            max_record_bytes: config.log.max_record_bytes,
            consumers: log_consumers(config),
        })
        .with_context(|| format!("cannot open the durable log in {}", wal_dir.display()))?,
    );
    let stats = wal.stats();
    let recovery = &stats.recovery;
    tracing::info!(
        end_offset = stats.end_offset,
        segments = recovery.segments_scanned,
        records = recovery.records_recovered,
        truncated_bytes = recovery.truncated_bytes,
        "durable log opened"
    );
    Ok((wal.clone(), Some(wal), None, None))
}

/// Writes the `login.suppressed` audit summary of refused logins that were not written one
/// by one (`vigie_access::login_audit`) once their minute is over, until shutdown.
fn spawn_login_audit(
    access: Access,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(10)) => {}
                _ = shutdown.wait_for(|s| *s) => break,
            }
            if let Err(error) = access.flush_login_audit(false).await {
                tracing::error!(%error, "could not write the refused-login audit summary");
            }
        }
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
        let (socket, local) = self.local;
        if let Some(local) = local {
            if let Err(error) = local.await {
                tracing::error!(%error, "local socket task failed");
            }
            let _ = std::fs::remove_file(&socket);
        }
        if let Some((_, grpc)) = self.grpc {
            match grpc.await {
                Ok(Err(error)) => tracing::error!(%error, "OTLP gRPC server ended with an error"),
                Err(error) => tracing::error!(%error, "OTLP gRPC server task failed"),
                Ok(Ok(())) => {}
            }
        }
        // Requests are done: what refused logins were not written one by one goes into
        // the audit log now (like any entry after the last checkpoint, it is in the tail
        // that `vigie audit verify` cannot vouch for until the next start checkpoints it).
        let _ = self.login_audit.await;
        if let Err(error) = self.access.flush_login_audit(true).await {
            tracing::error!(%error, "could not write the refused-login audit summary");
        }
        for (_, listener) in self.syslog {
            let _ = listener.task.await;
        }
        let _ = self.reloader.await;
        if let Some(retro) = self.intel_retro {
            let _ = retro.await;
        }
        // The others take this process's partitions at their next heartbeat; each pipeline
        // unpins its partition as it closes.
        if let Some(membership) = self.membership
            && let Err(error) = membership.leave().await
        {
            tracing::warn!(%error, "could not leave the partition membership");
        }
        for pipeline in self.pipelines {
            let _ = pipeline.await;
        }
        if let Some(reminders) = self.reminders {
            let _ = reminders.await;
        }
        if let Some(reports) = self.monthly_reports {
            let _ = reports.await;
        }
        if let Some(notifications) = self.notifications {
            let _ = notifications.await;
        }
        for feed in self.feeds {
            let _ = feed.await;
        }
        if let Some(desk) = self.desk {
            let _ = desk.await;
        }
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
pub(crate) async fn load_rules(
    config: &VigieConfig,
    store: &dyn StateStore,
    operator: &vigie_access::TenantScope,
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
    // pySigma processing pipelines, read again at each load (a reload sees edits).
    let pipelines = super::rules::read_pipelines(&config.detection.pipelines)?;
    for pipeline in &pipelines {
        tracing::info!(
            pipeline = %pipeline.label(),
            priority = pipeline.priority(),
            transformations = pipeline.transformation_count(),
            "processing pipeline applied to the rules"
        );
    }
    let mut rules = super::rules::rule_set(pipelines);
    let mut report = vigie_detect::LoadReport::default();
    rules.add_dir(dir, &mut report)?;
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
    // IOC sets from `intel/` (a tenant's own in `intel/<slug>/`) and the packs' `intel/`, in
    // force with the rules.
    let (intel, refused) = vigie_detect::intel::load_rules_dir(
        dir,
        &mut |slug| tenants.get(slug).copied(),
        jiff::Timestamp::now(),
    );
    for refused in &refused {
        tracing::warn!(
            file = %refused.path.display(),
            position = refused.position,
            value = %refused.value,
            reason = %refused.reason,
            "IOC refused"
        );
    }
    for set in intel.sets() {
        tracing::info!(
            set = %set.name,
            source = %set.source,
            tenant = ?set.tenant,
            indicators = set.indicators,
            expired = set.expired,
            "IOC set loaded"
        );
    }
    metrics::gauge!("vigie_intel_indicators").set(intel.len() as f64);
    metrics::gauge!("vigie_intel_refused").set(refused.len() as f64);
    rules.set_intel(intel);
    let (correlations, correlation_rejections) =
        super::rules::load_correlations(dir, &rules, config.detection.correlation.limits());
    // Correlation documents are loaded by the correlation engine, not the base loader.
    report
        .rejected
        .retain(|r| !super::rules::is_correlation_rejection(r));
    for rejection in &report.rejected {
        tracing::warn!(%rejection, "rule rejected");
    }
    // A rule no source feeds is named with the reason (also in the rule catalogue).
    let mut dormant = 0;
    for warning in report.warnings.iter().filter(|w| w.is_dormant()) {
        dormant += 1;
        tracing::info!(%warning, "rule dormant");
    }
    tracing::info!(
        dir = %dir.display(),
        files = report.files,
        loaded = report.loaded.len(),
        rejected = report.rejected.len(),
        dormant,
        "rules loaded"
    );
    metrics::gauge!("vigie_rules_loaded").set(report.loaded.len() as f64);
    metrics::gauge!("vigie_rules_rejected").set(report.rejected.len() as f64);
    for rejection in &correlation_rejections {
        tracing::warn!(%rejection, "correlation rule rejected");
    }
    let statuses = super::rules::rule_statuses(
        dir,
        &report,
        &correlations,
        &correlation_rejections,
        &|slug| tenants.get(slug).copied(),
    );
    tracing::info!(
        loaded = correlations.len(),
        rejected = correlation_rejections.len(),
        "correlation rules loaded"
    );
    store.replace_rule_status(&statuses).await?;
    Ok((rules, correlations))
}

/// Installs the SIGINT and SIGTERM handlers at once and returns what resolves at the first
/// of them. (Installed lazily, after the listening line, a SIGTERM sent as soon as the
/// server said it listens ended the process with the default action: no clean stop.)
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut interrupt), Ok(mut terminate)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
