//! The configuration file: versioned TOML, every option documented where it is declared.
//!
//! Loading collects every problem it can find (syntax, unknown keys, wrong types, bad
//! values), each named with where it is, before failing once; `vigie config check` prints
//! them all. The example file `config/vigie.example.toml` shows every option with its
//! default, and a test keeps it loadable.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The format version this build reads.
pub(crate) const CONFIG_VERSION: u32 = 1;

/// The whole configuration (`version = 1`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct VigieConfig {
    /// Format version of the file; this build reads version 1.
    pub version: u32,
    /// Directory holding all of vigie's state: the durable log (`wal/`) and the state
    /// database (`state.sqlite`). Created on first start. Default `./vigie-data`.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// The HTTP listener.
    #[serde(default)]
    pub server: ServerConfig,
    /// Limits of the intake.
    #[serde(default)]
    pub ingest: IngestConfig,
    /// The embedded durable log.
    #[serde(default)]
    pub log: LogConfig,
    /// Detection rules.
    #[serde(default)]
    pub detection: DetectionConfig,
    /// The detection pipeline.
    #[serde(default)]
    pub pipeline: PipelineConfig,
    /// The audit log's signing key and exported checkpoints.
    #[serde(default)]
    pub audit: AuditConfig,
    /// Syslog listeners (UDP, TCP, TLS).
    #[serde(default)]
    pub syslog: SyslogConfig,
    /// OpenTelemetry (OTLP) logs: the gRPC listener.
    #[serde(default)]
    pub otlp: OtlpConfig,
    /// The event store for hunting.
    #[serde(default)]
    pub store: StoreConfig,
    /// NIS2 Article 23 reminders.
    #[serde(default)]
    pub nis2: Nis2Config,
    /// How the HTTP API and the web application see their clients (reverse proxies).
    #[serde(default)]
    pub web: WebSection,
    /// Monthly client reports: provider name, time zone, languages, TLP (docs/reports.md).
    #[serde(default)]
    pub reports: vigie_web::report::ReportSettings,
    /// Threat-intelligence feeds pulled on a schedule (docs/intel.md). Absent: none.
    #[serde(default)]
    pub intel: crate::cmd::intel_feeds::IntelConfig,
    /// E-mail and webhook notifications, on-call teams (docs/notifications.md). Absent: none.
    #[serde(default)]
    pub notify: vigie_notify::NotifyConfig,
    /// Scale-out mode: shared engines instead of the embedded ones. Absent: one node.
    #[serde(default)]
    pub cluster: ClusterConfig,
}

/// `[cluster]`: the engines several vigie processes share. Each part left out keeps its
/// embedded counterpart.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct ClusterConfig {
    /// `[cluster.nats]`: the event log on NATS JetStream instead of the embedded WAL.
    pub nats: Option<vigie_nats::NatsConfig>,
    /// `[cluster.postgres]`: the SOC state on PostgreSQL instead of the embedded SQLite.
    pub postgres: Option<PostgresSection>,
}

/// `[cluster.postgres]`. The URLs carry passwords: they come from files or the environment,
/// never from this file, and are never printed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct PostgresSection {
    /// File whose first line is the application's URL
    /// (`postgres://user:password@host:port/database`); `VIGIE_POSTGRES_URL` wins over it.
    /// Its role must not own the schema nor bypass row-level security.
    pub url_file: Option<PathBuf>,
    /// File with the schema owner's URL, used to apply migrations and grant the application
    /// role its rights; `VIGIE_POSTGRES_MIGRATE_URL` wins over it. Absent: migrate with the
    /// application's URL (its role then owns the schema).
    pub migrate_url_file: Option<PathBuf>,
    /// Connections of this node's pool. Default 8.
    pub max_connections: u32,
}

impl Default for PostgresSection {
    fn default() -> Self {
        Self {
            url_file: None,
            migrate_url_file: None,
            max_connections: 8,
        }
    }
}

impl PostgresSection {
    /// The connection options: URLs from the environment or the files. The error names the
    /// variable or file, never a URL.
    pub(crate) fn options(&self) -> anyhow::Result<vigie_soc::state::PostgresOptions> {
        let read =
            |env: &str, file: &Option<PathBuf>, what: &str| -> anyhow::Result<Option<String>> {
                if let Ok(value) = std::env::var(env)
                    && !value.trim().is_empty()
                {
                    return Ok(Some(value.trim().to_owned()));
                }
                let Some(path) = file else { return Ok(None) };
                let text = std::fs::read_to_string(path).map_err(|e| {
                    anyhow::anyhow!(
                        "[cluster.postgres] {what}: cannot read {}: {e}",
                        path.display()
                    )
                })?;
                let line = text.lines().next().unwrap_or("").trim().to_owned();
                anyhow::ensure!(
                    !line.is_empty(),
                    "[cluster.postgres] {what}: {} is empty",
                    path.display()
                );
                Ok(Some(line))
            };
        let url = read("VIGIE_POSTGRES_URL", &self.url_file, "url_file")?.ok_or_else(|| {
            anyhow::anyhow!("[cluster.postgres] needs url_file or the VIGIE_POSTGRES_URL variable")
        })?;
        Ok(vigie_soc::state::PostgresOptions {
            url,
            migrate_url: read(
                "VIGIE_POSTGRES_MIGRATE_URL",
                &self.migrate_url_file,
                "migrate_url_file",
            )?,
            max_connections: self.max_connections.max(1),
        })
    }
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("./vigie-data")
}

/// `[server]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct ServerConfig {
    /// Address and port of the HTTP API and ingest endpoint. Default `127.0.0.1:8470`.
    pub listen: String,
    /// Server certificate chain, PEM: when set (with `tls_key`) the API and UI are served
    /// over HTTPS by vigie itself. Reloaded when the file changes.
    pub tls_cert: Option<PathBuf>,
    /// Server private key, PEM.
    pub tls_key: Option<PathBuf>,
    /// CAs that sign client certificates, PEM (needed when `tls_client_auth` is not `none`).
    pub tls_client_ca: Option<PathBuf>,
    /// `none`, `optional` (verified when presented) or `required` (no certificate signed by
    /// `tls_client_ca`, no connection). Default `none`.
    pub tls_client_auth: String,
    /// Seconds between checks of the TLS files for a renewed certificate. Default 5.
    pub tls_reload_seconds: u64,
    /// Seconds a client has for its TLS handshake and each request head. Default 10.
    pub header_read_timeout_seconds: u64,
    /// Longest pause, in seconds, while a request body is read. Default 30.
    pub body_read_timeout_seconds: u64,
    /// Most HTTP connections open at once; more are closed at once. Default 4096.
    pub max_connections: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8470".to_owned(),
            tls_cert: None,
            tls_key: None,
            tls_client_ca: None,
            tls_client_auth: "none".to_owned(),
            tls_reload_seconds: 5,
            header_read_timeout_seconds: 10,
            body_read_timeout_seconds: 30,
            max_connections: 4096,
        }
    }
}

impl ServerConfig {
    /// The listener's options (TLS when a certificate is configured).
    pub(crate) fn listen_options(&self) -> vigie_web::server::ListenOptions {
        use vigie_ingest::syslog::tls::ClientAuth;
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(vigie_web::server::TlsOptions {
                cert: cert.clone(),
                key: key.clone(),
                client_auth: ClientAuth::from_config(
                    &self.tls_client_auth,
                    self.tls_client_ca.as_deref(),
                ),
                reload_every: Duration::from_secs(self.tls_reload_seconds.max(1)),
            }),
            _ => None,
        };
        vigie_web::server::ListenOptions {
            tls,
            header_read_timeout: Duration::from_secs(self.header_read_timeout_seconds),
            body_read_timeout: Duration::from_secs(self.body_read_timeout_seconds),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            ..vigie_web::server::ListenOptions::default()
        }
    }

    /// Every problem of the TLS and timeout keys, through `bad`.
    fn check(&self, bad: &mut dyn FnMut(&str, String)) {
        match (&self.tls_cert, &self.tls_key) {
            (None, None) => {
                if self.tls_client_auth != "none" || self.tls_client_ca.is_some() {
                    bad(
                        "[server] tls_client_auth",
                        "client certificates need TLS: set tls_cert and tls_key".to_owned(),
                    );
                }
            }
            (Some(_), None) => bad("[server] tls_key", "required with tls_cert".to_owned()),
            (None, Some(_)) => bad("[server] tls_cert", "required with tls_key".to_owned()),
            (Some(cert), Some(key)) => {
                for (name, path) in [("[server] tls_cert", cert), ("[server] tls_key", key)] {
                    if let Err(e) = std::fs::metadata(path) {
                        bad(name, format!("cannot read {}: {e}", path.display()));
                    }
                }
            }
        }
        match self.tls_client_auth.as_str() {
            "none" => {}
            "optional" | "required" => match &self.tls_client_ca {
                None => bad(
                    "[server] tls_client_ca",
                    format!("required when tls_client_auth is {}", self.tls_client_auth),
                ),
                Some(path) => {
                    if let Err(e) = std::fs::metadata(path) {
                        bad(
                            "[server] tls_client_ca",
                            format!("cannot read {}: {e}", path.display()),
                        );
                    }
                }
            },
            other => bad(
                "[server] tls_client_auth",
                format!("{other:?} is not none, optional or required"),
            ),
        }
        for (name, value) in [
            ("[server] tls_reload_seconds", self.tls_reload_seconds),
            (
                "[server] header_read_timeout_seconds",
                self.header_read_timeout_seconds,
            ),
            (
                "[server] body_read_timeout_seconds",
                self.body_read_timeout_seconds,
            ),
            ("[server] max_connections", self.max_connections),
        ] {
            if value == 0 {
                bad(name, "must be at least 1".to_owned());
            }
        }
    }
}

/// `[ingest]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct IngestConfig {
    /// Largest request body accepted as sent, compressed or not. Default 16 MiB.
    pub max_body_bytes: u64,
    /// Largest body after gzip decoding; a larger one is refused with 413. Default 64 MiB.
    pub max_decoded_bytes: u64,
    /// Largest single NDJSON line; a longer line is rejected by number. Default 1 MiB.
    pub max_line_bytes: u64,
    /// Largest file uploaded to `POST /api/v1/import` (what `vigie import` sends a running
    /// server): it streams to the data directory's `uploads/`, so it is bounded by this and
    /// by `min_free_disk_bytes`, not by `max_body_bytes`. Default 4 GiB.
    pub max_import_bytes: u64,
    /// When more events than this wait for the pipeline, ingest answers 429 with
    /// `Retry-After` instead of buffering. Default 500000.
    pub max_backlog_events: u64,
    /// Seconds a refused sender is told to wait (`Retry-After`). Default 2.
    pub retry_after_seconds: u64,
    /// Bytes of HTTP request bodies (`/api/v1/ingest`, `_bulk`, `/api/v1/import`) handled
    /// at once, reserved by their declared length before they are read; a request waits
    /// (its body unread) for room, then gets 429. Bounds ingest memory whatever the number
    /// of senders. 0: no bound. Default 64 MiB.
    pub max_inflight_bytes: u64,
    /// Percentage of `max_inflight_bytes` one tenant may hold at once, so one noisy
    /// sender leaves room for the others (1 to 100). Default 50.
    pub max_inflight_tenant_percent: u8,
    /// Bytes kept free on the data directory's file system: below it new events are
    /// refused (HTTP 507, `_bulk` 429, syslog stops reading) before the disk is full, and
    /// accepted again once space is freed. 0: no reserve. Default 256 MiB.
    pub min_free_disk_bytes: u64,
    /// Seconds an HTTP ingest or `_bulk` request is held while the backlog is over
    /// `max_backlog_events` before it gets 429 (for clients that do not retry 429, such as
    /// rsyslog's omelasticsearch). 0: answer 429 at once. Default 5.
    pub backlog_wait_seconds: u64,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 16 << 20,
            max_decoded_bytes: 64 << 20,
            max_line_bytes: 1 << 20,
            max_import_bytes: 4 << 30,
            max_backlog_events: 500_000,
            retry_after_seconds: 2,
            max_inflight_bytes: 64 << 20,
            max_inflight_tenant_percent: 50,
            min_free_disk_bytes: 256 << 20,
            backlog_wait_seconds: 5,
        }
    }
}

/// `[web]`: how the HTTP API and the web application see their clients. The client address
/// feeds the login throttle and the audit log (`vigie_web::client`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct WebSection {
    /// Reverse proxies in front of vigie, as networks (`10.0.0.0/24`) or addresses. A request
    /// whose socket peer is one of them is attributed to the right-most address of the
    /// forwarding header that is not one of them; from any other peer the header is ignored.
    /// Default none: the socket peer is the client.
    pub trusted_proxies: Vec<String>,
    /// The header the trusted proxies write: `x-forwarded-for` (default) or `forwarded`
    /// (RFC 7239). Only that one is read.
    pub client_address_header: String,
}

impl Default for WebSection {
    fn default() -> Self {
        Self {
            trusted_proxies: Vec::new(),
            client_address_header: "x-forwarded-for".to_owned(),
        }
    }
}

/// A trusted proxy entry: a network, or one address (a /32 or /128 network).
fn proxy_network(entry: &str) -> Option<ipnet::IpNet> {
    entry.parse::<ipnet::IpNet>().ok().or_else(|| {
        entry
            .parse::<std::net::IpAddr>()
            .ok()
            .map(ipnet::IpNet::from)
    })
}

impl WebSection {
    /// How the server finds client addresses, validated by [`VigieConfig::validate`].
    pub(crate) fn client_addresses(&self) -> vigie_web::ClientAddresses {
        vigie_web::ClientAddresses::new(
            self.trusted_proxies
                .iter()
                .filter_map(|entry| proxy_network(entry))
                .collect(),
            self.client_address_header.parse().unwrap_or_default(),
        )
    }

    /// Every problem of the section, through `bad`.
    fn check(&self, bad: &mut dyn FnMut(&str, String)) {
        for (i, entry) in self.trusted_proxies.iter().enumerate() {
            if proxy_network(entry).is_none() {
                bad(
                    &format!("[web] trusted_proxies[{i}]"),
                    format!("{entry:?} is not a network such as 10.0.0.0/24 or an address"),
                );
            }
        }
        if let Err(e) = self
            .client_address_header
            .parse::<vigie_web::ForwardedHeader>()
        {
            bad("[web] client_address_header", e);
        }
    }
}

/// `[log]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct LogConfig {
    /// Size at which a log segment file is closed and a new one begins. Default 64 MiB.
    pub segment_bytes: u64,
    /// Largest single record (one event as JSON). Default 4 MiB.
    pub max_record_bytes: u64,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            segment_bytes: 64 << 20,
            max_record_bytes: 4 << 20,
        }
    }
}

/// `[detection]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct DetectionConfig {
    /// Directory of Sigma rules (`.yml`/`.yaml`, searched recursively). Without it vigie
    /// runs with no rules and says so at start. `--rules DIR` overrides it.
    pub rules_dir: Option<PathBuf>,
    /// Seconds between looks at `rules_dir` for changed files; a change is loaded and put
    /// in force without a restart. 0: never. Default 5. (In cluster mode a bundle published
    /// with `vigie rules publish` takes over from the directory.)
    pub reload_seconds: u64,
    /// Correlation rules on the stream.
    pub correlation: CorrelationConfig,
    /// Values of Sigma `expand` placeholders, per tenant slug: `[detection.placeholders.SLUG]`
    /// maps a placeholder name (without `%`) to its values. A rule value naming a placeholder
    /// its tenant does not give matches nothing for that tenant's events.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub placeholders:
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, Vec<String>>>,
    /// pySigma processing pipeline files (YAML) every rule and tenant filter goes through
    /// before routing: lowest `priority` first, then in this order. Read again at each rule
    /// reload; a file that cannot be read or holds a transformation vigie does not apply
    /// stops the start.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pipelines: Vec<PathBuf>,
    /// Days of stored events an IOC set is hunted over when it is new or changed (the
    /// retro-hunt raises the alerts live matching would have). 0: no retro-hunt. Default 30.
    pub intel_retro_days: u32,
    /// Public keys whose signed content packs `vigie pack verify` and `vigie pack import`
    /// accept (`ed25519:<base64>`, as `vigie pack keygen` prints them). Empty: none, so an
    /// import needs `--trusted-key`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trusted_pack_keys: Vec<String>,
}

impl Default for DetectionConfig {
    fn default() -> Self {
        Self {
            rules_dir: None,
            reload_seconds: 5,
            correlation: CorrelationConfig::default(),
            placeholders: std::collections::BTreeMap::new(),
            pipelines: Vec::new(),
            intel_retro_days: 30,
            trusted_pack_keys: Vec::new(),
        }
    }
}

/// `[detection.correlation]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct CorrelationConfig {
    /// Seconds an event may arrive behind the tenant's newest event time and still be
    /// correlated; later ones are counted (`vigie_correlation_late_events`). Default 60.
    pub allowed_lateness_seconds: u64,
    /// Most groups kept per tenant and correlation rule; beyond it the least recently seen
    /// group is evicted and counted. Default 10000.
    pub max_groups_per_rule: u64,
    /// Most events kept per group; beyond it the oldest are dropped and counted. Default
    /// 10000.
    pub max_events_per_group: u64,
    /// Most contributing event ids named in a correlation alert (the total is always
    /// given). Default 50.
    pub max_listed_events: u64,
}

impl Default for CorrelationConfig {
    fn default() -> Self {
        Self {
            allowed_lateness_seconds: 60,
            max_groups_per_rule: 10_000,
            max_events_per_group: 10_000,
            max_listed_events: 50,
        }
    }
}

impl CorrelationConfig {
    /// The engine's limits.
    pub(crate) fn limits(&self) -> vigie_detect::correlation::CorrelationLimits {
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        vigie_detect::correlation::CorrelationLimits {
            allowed_lateness: std::time::Duration::from_secs(self.allowed_lateness_seconds),
            max_groups_per_rule: size(self.max_groups_per_rule),
            max_events_per_group: size(self.max_events_per_group),
            max_listed_events: size(self.max_listed_events),
        }
    }
}

/// `[nis2]`: when NIS2 reminders go out (§6.2.5), to the assignee, the SOC lead and the
/// entity's approvers.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Nis2Config {
    /// Fractions of each stage's period after which a reminder goes out. Default [0.5].
    pub reminder_fractions: Vec<f64>,
    /// Hours before each due date at which a reminder goes out. Default [4, 1].
    pub reminder_hours_before: Vec<u64>,
}

impl Default for Nis2Config {
    fn default() -> Self {
        Self {
            reminder_fractions: vec![0.5],
            reminder_hours_before: vec![4, 1],
        }
    }
}

impl Nis2Config {
    /// The reminder policy (the due date itself always reminds: breach).
    pub(crate) fn policy(&self) -> vigie_soc::nis2::ReminderPolicy {
        vigie_soc::nis2::ReminderPolicy {
            fractions: self.reminder_fractions.clone(),
            before: self
                .reminder_hours_before
                .iter()
                .map(|h| {
                    jiff::SignedDuration::from_hours(i64::try_from(*h).unwrap_or(i64::MAX / 3600))
                })
                .collect(),
        }
    }
}

/// `[pipeline]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct PipelineConfig {
    /// Most log records handled per detection step. Default 4000. While the log is busy
    /// the position is committed about once a second, and at once when a step empties it.
    pub batch_size: u64,
    /// Alerts of one tenant, rule and group key whose events arrive within this many seconds
    /// of the last one fold into one alert with a count (sliding). 1 to 86400, default 900.
    pub dedup_window_seconds: u64,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            batch_size: 4000,
            dedup_window_seconds: 900,
        }
    }
}

/// `[store]`: the embedded event store (hunting, retro-hunt, backtest).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct StoreConfig {
    /// Index events for hunting (in `store/` of the data directory). Default true.
    pub enabled: bool,
    /// Days of events kept per tenant, by day of reception (today included); older days are
    /// dropped whole. 0: no limit by age. Default 90.
    pub retention_days: u32,
    /// Bytes kept per tenant; the oldest days are dropped until the rest fit (the newest
    /// day is always kept). 0: no limit by size. Default 0.
    pub retention_bytes: u64,
    /// Per-tenant overrides, `[store.tenants.<slug>]` with `retention_days` and/or
    /// `retention_bytes` (a missing key means the default above).
    pub tenants: std::collections::BTreeMap<String, StoreTenantConfig>,
    /// Most log records indexed per step (one commit per partition per step: larger steps
    /// make larger segments and cost less CPU per event). Default 20000.
    pub batch_size: u64,
    /// Indexing memory of one partition writer (at least 15000000). Default 33554432.
    pub writer_memory_bytes: u64,
    /// Seconds between retention runs (and refreshes of the disk-usage gauges). Default 300.
    pub housekeeping_seconds: u64,
    /// Most event rows a hunt returns without `head`. Default 10000.
    pub max_rows: u64,
}

/// `[store.tenants.<slug>]`: retention of one tenant.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoreTenantConfig {
    /// Days kept (0: no limit by age).
    pub retention_days: Option<u32>,
    /// Bytes kept (0: no limit by size).
    pub retention_bytes: Option<u64>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            retention_days: 90,
            retention_bytes: 0,
            tenants: std::collections::BTreeMap::new(),
            batch_size: 20000,
            writer_memory_bytes: 32 << 20,
            housekeeping_seconds: 300,
            max_rows: 10_000,
        }
    }
}

/// `[syslog]`: the listeners, each a `[[syslog.listeners]]` table. None by default.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct SyslogConfig {
    /// The listeners.
    pub listeners: Vec<SyslogListenerConfig>,
}

/// `[otlp]`: OpenTelemetry logs. OTLP/HTTP is always served at `POST /v1/logs` on the
/// HTTP listener; the gRPC service needs its own HTTP/2 listener, off unless set here.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct OtlpConfig {
    /// Address and port of the OTLP/gRPC listener (OpenTelemetry's is 4317), e.g.
    /// `0.0.0.0:4317`. It uses `[server]`'s TLS files and client-certificate rule when they
    /// are set, and its connection and body-read limits. None: no gRPC listener.
    pub grpc_listen: Option<String>,
}

/// `[[syslog.listeners]]`: one socket. The tenant of a connection or datagram comes from
/// the client certificate (TLS), else the most specific matching `networks` entry, else
/// `tenant`; a peer matching none is refused and counted. Never from the message.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct SyslogListenerConfig {
    /// Name in logs and counters.
    pub name: String,
    /// `udp`, `tcp` (RFC 6587: octet counting or LF) or `tls` (RFC 5425).
    pub protocol: String,
    /// Address and port, e.g. `0.0.0.0:6514`.
    pub listen: String,
    /// Tenant slug of peers not matched by a network or certificate.
    #[serde(default)]
    pub tenant: Option<String>,
    /// Source networks mapped to tenants: `{ cidr = "10.1.0.0/16", tenant = "cpas-a" }`.
    #[serde(default)]
    pub networks: Vec<NetworkTenant>,
    /// Client certificates mapped to tenants (TLS): `{ sha256 = "hex", tenant = "cpas-a" }`.
    #[serde(default)]
    pub client_certificates: Vec<CertificateTenant>,
    /// Server certificate chain, PEM (TLS).
    #[serde(default)]
    pub tls_cert: Option<PathBuf>,
    /// Server private key, PEM (TLS).
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
    /// CAs that sign client certificates, PEM (TLS; needed when `tls_client_auth` is not
    /// `none`).
    #[serde(default)]
    pub tls_client_ca: Option<PathBuf>,
    /// `none`, `optional` or `required`. Default `none`.
    #[serde(default = "default_client_auth")]
    pub tls_client_auth: String,
    /// Longer messages are cut and flagged `truncated`. Default 65536.
    #[serde(default = "default_max_message_bytes")]
    pub max_message_bytes: u64,
    /// Zone of RFC 3164 timestamps (which carry none). Default `Europe/Brussels`.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Most simultaneous connections (TCP/TLS). Default 1000.
    #[serde(default = "default_max_connections")]
    pub max_connections: u64,
    /// Receive buffer of a UDP socket (`SO_RCVBUF`, bytes; the kernel doubles it and caps
    /// it at `net.core.rmem_max`). Unset: the system default. Datagrams that overflow it are
    /// counted in `vigie_syslog_udp_kernel_drops_total`.
    #[serde(default)]
    pub receive_buffer_bytes: Option<u64>,
    /// The source type of every message of this listener (`linux.syslog`, `cisco.asa`,
    /// `fortinet.fortigate`); unset: each message's content says, if it does.
    #[serde(default)]
    pub source_type: Option<String>,
}

/// A source network of a syslog listener and its tenant.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct NetworkTenant {
    /// e.g. `10.1.0.0/16`.
    pub cidr: String,
    /// Tenant slug.
    pub tenant: String,
    /// The source type of what this network sends (overrides the listener's).
    #[serde(default)]
    pub source_type: Option<String>,
}

/// A client certificate of a TLS syslog listener and its tenant.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct CertificateTenant {
    /// SHA-256 fingerprint of the certificate, hex (colons allowed).
    pub sha256: String,
    /// Tenant slug.
    pub tenant: String,
    /// The source type of what this sender sends (overrides the listener's).
    #[serde(default)]
    pub source_type: Option<String>,
}

fn default_client_auth() -> String {
    "none".to_owned()
}

fn default_max_message_bytes() -> u64 {
    65_536
}

fn default_timezone() -> String {
    "Europe/Brussels".to_owned()
}

fn default_max_connections() -> u64 {
    1000
}

impl SyslogListenerConfig {
    /// Every problem of this listener (`at` names it).
    fn validate(&self, at: &str, bad: &mut dyn FnMut(String, String)) {
        let key = |k: &str| format!("{at} {k}");
        if !matches!(self.protocol.as_str(), "udp" | "tcp" | "tls") {
            bad(
                key("protocol"),
                format!("{:?} is not udp, tcp or tls", self.protocol),
            );
        }
        if self.listen.parse::<SocketAddr>().is_err() {
            bad(
                key("listen"),
                format!(
                    "{:?} is not an address:port such as 0.0.0.0:6514",
                    self.listen
                ),
            );
        }
        let slug = |value: &str, k: String, bad: &mut dyn FnMut(String, String)| {
            if let Err(e) = vigie_event::TenantSlug::new(value) {
                bad(k, e.to_string());
            }
        };
        if let Some(tenant) = &self.tenant {
            slug(tenant, key("tenant"), bad);
        }
        for (i, net) in self.networks.iter().enumerate() {
            if net.cidr.parse::<ipnet::IpNet>().is_err() {
                bad(
                    key(&format!("networks[{i}].cidr")),
                    format!("{:?} is not a network such as 10.1.0.0/16", net.cidr),
                );
            }
            slug(&net.tenant, key(&format!("networks[{i}].tenant")), bad);
            if let Some(Err(e)) = net.source_type.as_deref().map(vigie_parse::SourceType::new) {
                bad(key(&format!("networks[{i}].source_type")), e.to_string());
            }
        }
        for (i, cert) in self.client_certificates.iter().enumerate() {
            let hex: String = cert.sha256.chars().filter(|c| *c != ':').collect();
            if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                bad(
                    key(&format!("client_certificates[{i}].sha256")),
                    format!(
                        "{:?} is not a SHA-256 fingerprint (64 hex digits)",
                        cert.sha256
                    ),
                );
            }
            slug(
                &cert.tenant,
                key(&format!("client_certificates[{i}].tenant")),
                bad,
            );
            if let Some(Err(e)) = cert
                .source_type
                .as_deref()
                .map(vigie_parse::SourceType::new)
            {
                bad(
                    key(&format!("client_certificates[{i}].source_type")),
                    e.to_string(),
                );
            }
        }
        if self.tenant.is_none() && self.networks.is_empty() && self.client_certificates.is_empty()
        {
            bad(
                key("tenant"),
                "no tenant: set tenant, networks or client_certificates".to_owned(),
            );
        }
        if jiff::tz::TimeZone::get(&self.timezone).is_err() {
            bad(
                key("timezone"),
                format!(
                    "{:?} is not a known time zone such as Europe/Brussels",
                    self.timezone
                ),
            );
        }
        if self.max_message_bytes < 480 {
            bad(
                key("max_message_bytes"),
                format!(
                    "{} is below 480, the least RFC 5424 lets a receiver accept",
                    self.max_message_bytes
                ),
            );
        }
        if self.max_connections == 0 {
            bad(key("max_connections"), "must be greater than 0".to_owned());
        }
        if let Some(text) = &self.source_type
            && let Err(e) = vigie_parse::SourceType::new(text)
        {
            bad(key("source_type"), e.to_string());
        }
        if self.receive_buffer_bytes.is_some() && self.protocol != "udp" {
            bad(
                key("receive_buffer_bytes"),
                format!(
                    "applies to udp listeners only, this one is {}",
                    self.protocol
                ),
            );
        }
        if !matches!(
            self.tls_client_auth.as_str(),
            "none" | "optional" | "required"
        ) {
            bad(
                key("tls_client_auth"),
                format!(
                    "{:?} is not none, optional or required",
                    self.tls_client_auth
                ),
            );
        }
        if self.protocol == "tls" {
            for (name, path) in [("tls_cert", &self.tls_cert), ("tls_key", &self.tls_key)] {
                match path {
                    None => bad(key(name), "required for a tls listener".to_owned()),
                    Some(path) => {
                        if let Err(e) = std::fs::metadata(path) {
                            bad(key(name), format!("cannot read {}: {e}", path.display()));
                        }
                    }
                }
            }
            if self.tls_client_auth != "none" {
                match &self.tls_client_ca {
                    None => bad(
                        key("tls_client_ca"),
                        format!("required when tls_client_auth is {}", self.tls_client_auth),
                    ),
                    Some(path) => {
                        if let Err(e) = std::fs::metadata(path) {
                            bad(
                                key("tls_client_ca"),
                                format!("cannot read {}: {e}", path.display()),
                            );
                        }
                    }
                }
            }
        } else if !self.client_certificates.is_empty() {
            bad(
                key("client_certificates"),
                "only a tls listener sees client certificates".to_owned(),
            );
        }
    }
}

/// `[audit]`: where the audit log's Ed25519 signing key lives and where signed checkpoints
/// are exported. Both are outside the data directory by default (the sibling directory
/// `<data_dir>.audit`), so whoever can roll the data directory back cannot roll the
/// checkpoints back too; better still on another disk or a mount the web tier cannot write.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct AuditConfig {
    /// Signing key (hex seed; created with mode 0600 on first start; its public key is
    /// written beside it as `<key_file>.pub`). Default `<data_dir>.audit/signing.key`.
    pub key_file: Option<PathBuf>,
    /// Checkpoint file (one signed JSON line per checkpoint). Default
    /// `<data_dir>.audit/checkpoints.jsonl`.
    pub checkpoint_file: Option<PathBuf>,
    /// Seconds between checkpoints (1 to 60). Default 10.
    pub checkpoint_seconds: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            key_file: None,
            checkpoint_file: None,
            checkpoint_seconds: 10,
        }
    }
}

impl VigieConfig {
    /// The audit signing key file.
    pub(crate) fn audit_key_file(&self) -> PathBuf {
        self.audit
            .key_file
            .clone()
            .unwrap_or_else(|| self.default_audit_dir().join(AUDIT_KEY_NAME))
    }

    /// The audit checkpoint file.
    pub(crate) fn audit_checkpoint_file(&self) -> PathBuf {
        self.audit
            .checkpoint_file
            .clone()
            .unwrap_or_else(|| self.default_audit_dir().join(AUDIT_CHECKPOINTS_NAME))
    }

    /// Where the audit key and checkpoints live by default: the data directory's sibling
    /// `<data_dir>.audit` (`./vigie-data.audit` for `./vigie-data`), outside what a rollback
    /// of the data directory restores.
    pub(crate) fn default_audit_dir(&self) -> PathBuf {
        let dir = &self.data_dir;
        let named = |dir: &Path| {
            dir.file_name().map(|name| {
                let mut name = name.to_owned();
                name.push(".audit");
                dir.with_file_name(name)
            })
        };
        // `.`, `..` or `/`: name it from the absolute, normalised path.
        named(dir)
            .or_else(|| named(&lexical_absolute(dir)))
            .unwrap_or_else(|| PathBuf::from("/vigie.audit"))
    }

    /// Where earlier versions kept the audit key and checkpoints: inside the data
    /// directory (moved out at start).
    pub(crate) fn legacy_audit_dir(&self) -> PathBuf {
        self.data_dir.join("audit")
    }
}

/// File name of the audit signing key in its default directory.
pub(crate) const AUDIT_KEY_NAME: &str = "signing.key";
/// File name of the audit checkpoints in their default directory.
pub(crate) const AUDIT_CHECKPOINTS_NAME: &str = "checkpoints.jsonl";

impl Default for VigieConfig {
    fn default() -> Self {
        Self {
            version: CONFIG_VERSION,
            data_dir: default_data_dir(),
            server: ServerConfig::default(),
            ingest: IngestConfig::default(),
            log: LogConfig::default(),
            detection: DetectionConfig::default(),
            pipeline: PipelineConfig::default(),
            audit: AuditConfig::default(),
            syslog: SyslogConfig::default(),
            otlp: OtlpConfig::default(),
            store: StoreConfig::default(),
            nis2: Nis2Config::default(),
            web: WebSection::default(),
            reports: vigie_web::report::ReportSettings::default(),
            notify: vigie_notify::NotifyConfig::default(),
            intel: crate::cmd::intel_feeds::IntelConfig::default(),
            cluster: ClusterConfig::default(),
        }
    }
}

/// One problem in a configuration, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The file and key (e.g. `vigie.toml: [ingest] max_body_bytes`).
    pub place: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// Every problem of a configuration.
#[derive(Debug)]
pub(crate) struct Problems(pub Vec<Problem>);

impl std::fmt::Display for Problems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} problem(s) in the configuration:", self.0.len())?;
        for problem in &self.0 {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

const SECTIONS: [&str; 15] = [
    "server",
    "ingest",
    "log",
    "detection",
    "pipeline",
    "syslog",
    "otlp",
    "store",
    "audit",
    "nis2",
    "web",
    "reports",
    "intel",
    "notify",
    "cluster",
];

impl VigieConfig {
    /// Reads and validates a file, collecting every problem.
    pub(crate) fn load(path: &Path) -> Result<Self, Problems> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Problems(vec![Problem {
                place: path.display().to_string(),
                message: format!("cannot read the configuration file: {e}"),
            }])
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and validates TOML text; `origin` names it in problems.
    pub(crate) fn parse(text: &str, origin: &str) -> Result<Self, Problems> {
        let mut problems = Vec::new();
        let place = |key: &str| format!("{origin}: {key}");
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            Problems(vec![Problem {
                place: origin.to_owned(),
                message: format!("not valid TOML: {}", e.to_string().trim()),
            }])
        })?;
        let mut config = VigieConfig::default();
        match table.get("version") {
            None => problems.push(Problem {
                place: place("version"),
                message: format!("missing; add `version = {CONFIG_VERSION}` at the top"),
            }),
            Some(toml::Value::Integer(v)) if *v == i64::from(CONFIG_VERSION) => {}
            Some(other) => problems.push(Problem {
                place: place("version"),
                message: format!(
                    "this build reads version {CONFIG_VERSION}, the file says {other}"
                ),
            }),
        }
        for (key, value) in &table {
            match key.as_str() {
                "version" => {}
                "data_dir" => match value {
                    toml::Value::String(s) => config.data_dir = PathBuf::from(s),
                    other => problems.push(Problem {
                        place: place("data_dir"),
                        message: format!("expected a path string, found {}", other.type_str()),
                    }),
                },
                "server" => section(value, origin, key, &mut problems, &mut config.server),
                "ingest" => section(value, origin, key, &mut problems, &mut config.ingest),
                "log" => section(value, origin, key, &mut problems, &mut config.log),
                "detection" => section(value, origin, key, &mut problems, &mut config.detection),
                "pipeline" => section(value, origin, key, &mut problems, &mut config.pipeline),
                "audit" => section(value, origin, key, &mut problems, &mut config.audit),
                "syslog" => section(value, origin, key, &mut problems, &mut config.syslog),
                "otlp" => section(value, origin, key, &mut problems, &mut config.otlp),
                "store" => section(value, origin, key, &mut problems, &mut config.store),
                "nis2" => section(value, origin, key, &mut problems, &mut config.nis2),
                "web" => section(value, origin, key, &mut problems, &mut config.web),
                "reports" => section(value, origin, key, &mut problems, &mut config.reports),
                "notify" => section(value, origin, key, &mut problems, &mut config.notify),
                "intel" => section(value, origin, key, &mut problems, &mut config.intel),
                "cluster" => section(value, origin, key, &mut problems, &mut config.cluster),
                other => problems.push(Problem {
                    place: place(other),
                    message: format!(
                        "unknown key; expected version, data_dir or a section [{}]",
                        SECTIONS.join("], [")
                    ),
                }),
            }
        }
        problems.extend(config.validate(origin));
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(Problems(problems))
        }
    }

    /// Checks values that parse but make no sense.
    pub(crate) fn validate(&self, origin: &str) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut bad = |key: &str, message: String| {
            problems.push(Problem {
                place: format!("{origin}: {key}"),
                message,
            })
        };
        if jiff::tz::TimeZone::get(&self.reports.time_zone).is_err() {
            bad(
                "[reports] time_zone",
                format!(
                    "{:?} is not a known IANA time zone (e.g. Europe/Brussels)",
                    self.reports.time_zone
                ),
            );
        }
        for (key, message) in self.intel.validate(self.detection.rules_dir.as_deref()) {
            bad(&key, message);
        }
        for (key, message) in self.notify.validate() {
            bad(&key, message);
        }
        if let Some(nats) = &self.cluster.nats {
            if let Err(error) = nats.validate() {
                bad("[cluster.nats]", error.to_string());
            }
            if self.store.enabled {
                bad(
                    "[store] enabled",
                    "the embedded event store does not work with [cluster.nats] yet \
                     (it keeps one log offset per store partition); set enabled = false"
                        .to_owned(),
                );
            }
            if !nats.consumers.iter().any(|c| c == "detect") {
                bad(
                    "[cluster.nats] consumers",
                    format!(
                        "{:?} lacks \"detect\", the detection pipeline",
                        nats.consumers
                    ),
                );
            }
            if let Some(other) = nats.consumers.iter().find(|c| *c != "detect") {
                bad(
                    "[cluster.nats] consumers",
                    format!(
                        "{other:?} is not a consumer this version runs: records would wait \
                         for it forever"
                    ),
                );
            }
        }
        if !(1..=60).contains(&self.audit.checkpoint_seconds) {
            bad(
                "[audit] checkpoint_seconds",
                format!(
                    "{} is not between 1 and 60 (the window in which a truncated audit tail goes unnoticed)",
                    self.audit.checkpoint_seconds
                ),
            );
        }
        if !(1..=86_400).contains(&self.pipeline.dedup_window_seconds) {
            bad(
                "[pipeline] dedup_window_seconds",
                format!(
                    "{} is not between 1 and 86400",
                    self.pipeline.dedup_window_seconds
                ),
            );
        }
        self.server.check(&mut |key, message| bad(key, message));
        if !(1..=100).contains(&self.ingest.max_inflight_tenant_percent) {
            bad(
                "[ingest] max_inflight_tenant_percent",
                format!(
                    "{} is not between 1 and 100",
                    self.ingest.max_inflight_tenant_percent
                ),
            );
        }
        self.web.check(&mut |key, message| bad(key, message));
        if let Some(listen) = &self.otlp.grpc_listen
            && listen.parse::<SocketAddr>().is_err()
        {
            bad(
                "[otlp] grpc_listen",
                format!("{listen:?} is not an address:port such as 127.0.0.1:4317"),
            );
        }
        if self.server.listen.parse::<SocketAddr>().is_err() {
            bad(
                "[server] listen",
                format!(
                    "{:?} is not an address:port such as 127.0.0.1:8470",
                    self.server.listen
                ),
            );
        }
        let positive = [
            ("[ingest] max_body_bytes", self.ingest.max_body_bytes),
            ("[ingest] max_decoded_bytes", self.ingest.max_decoded_bytes),
            ("[ingest] max_line_bytes", self.ingest.max_line_bytes),
            ("[ingest] max_import_bytes", self.ingest.max_import_bytes),
            ("[log] segment_bytes", self.log.segment_bytes),
            ("[log] max_record_bytes", self.log.max_record_bytes),
            ("[pipeline] batch_size", self.pipeline.batch_size),
            (
                "[detection.correlation] max_groups_per_rule",
                self.detection.correlation.max_groups_per_rule,
            ),
            (
                "[detection.correlation] max_events_per_group",
                self.detection.correlation.max_events_per_group,
            ),
            ("[store] batch_size", self.store.batch_size),
            (
                "[store] housekeeping_seconds",
                self.store.housekeeping_seconds,
            ),
            ("[store] max_rows", self.store.max_rows),
        ];
        for (key, value) in positive {
            if value == 0 {
                bad(key, "must be greater than 0".to_owned());
            }
        }
        if self.store.writer_memory_bytes < 15_000_000 {
            bad(
                "[store] writer_memory_bytes",
                format!(
                    "{} is below 15000000, the least the index writer accepts",
                    self.store.writer_memory_bytes
                ),
            );
        }
        for slug in self.store.tenants.keys() {
            if let Err(e) = vigie_event::TenantSlug::new(slug.as_str()) {
                bad(&format!("[store.tenants.{slug}]"), e.to_string());
            }
        }
        for fraction in &self.nis2.reminder_fractions {
            if !(*fraction > 0.0 && *fraction < 1.0) {
                bad(
                    "[nis2] reminder_fractions",
                    format!("{fraction} is not between 0 and 1 (exclusive)"),
                );
            }
        }
        if self.ingest.max_inflight_bytes != 0
            && self.ingest.max_inflight_bytes < self.ingest.max_body_bytes
        {
            bad(
                "[ingest] max_inflight_bytes",
                format!(
                    "{} is smaller than max_body_bytes ({}): a body of the largest size could never be read; use 0 for no bound",
                    self.ingest.max_inflight_bytes, self.ingest.max_body_bytes
                ),
            );
        }
        if self.ingest.max_line_bytes > self.ingest.max_decoded_bytes {
            bad(
                "[ingest] max_line_bytes",
                format!(
                    "{} is larger than max_decoded_bytes ({})",
                    self.ingest.max_line_bytes, self.ingest.max_decoded_bytes
                ),
            );
        }
        // A line becomes one record, plus vigie's metadata (id, tenant, times: < 1 KiB).
        if self.ingest.max_line_bytes + 1024 > self.log.max_record_bytes {
            bad(
                "[log] max_record_bytes",
                format!(
                    "{} cannot hold a line of [ingest] max_line_bytes ({}) plus 1024 bytes of metadata",
                    self.log.max_record_bytes, self.ingest.max_line_bytes
                ),
            );
        }
        if let Some(dir) = &self.detection.rules_dir {
            match std::fs::metadata(dir) {
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => bad(
                    "[detection] rules_dir",
                    format!("{} is not a directory", dir.display()),
                ),
                Err(e) => bad(
                    "[detection] rules_dir",
                    format!("cannot read {}: {e}", dir.display()),
                ),
            }
        }
        for (i, key) in self.detection.trusted_pack_keys.iter().enumerate() {
            if let Err(e) = crate::pack::PublicKey::parse(key) {
                bad(
                    &format!("[detection] trusted_pack_keys[{i}]"),
                    e.to_string(),
                );
            }
        }
        for path in &self.detection.pipelines {
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    if let Err(e) = vigie_detect::Pipeline::from_yaml(&text, path) {
                        bad("[detection] pipelines", e);
                    }
                }
                Err(e) => bad(
                    "[detection] pipelines",
                    format!("cannot read {}: {e}", path.display()),
                ),
            }
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, listener) in self.syslog.listeners.iter().enumerate() {
            let at = format!("[[syslog.listeners]] #{} ({})", i + 1, listener.name);
            if !names.insert(listener.name.clone()) {
                bad(&at, format!("the name {:?} is used twice", listener.name));
            }
            listener.validate(&at, &mut |k, m| bad(&k, m));
        }
        match std::fs::metadata(&self.data_dir) {
            Ok(meta) if !meta.is_dir() => bad(
                "data_dir",
                format!("{} exists and is not a directory", self.data_dir.display()),
            ),
            _ => {}
        }
        problems
    }

    /// The listen address, validated by [`VigieConfig::validate`].
    pub(crate) fn listen_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.server.listen.parse()?)
    }
}

/// Deserialises one section, naming every unknown key and every wrong value: after an
/// unknown-key error the key is set aside and the section read again, so one run reports
/// them all.
fn section<T: DeserializeOwned>(
    value: &toml::Value,
    origin: &str,
    name: &str,
    problems: &mut Vec<Problem>,
    out: &mut T,
) {
    let toml::Value::Table(table) = value else {
        problems.push(Problem {
            place: format!("{origin}: {name}"),
            message: format!("expected a section [{name}], found {}", value.type_str()),
        });
        return;
    };
    let mut table = table.clone();
    loop {
        match T::deserialize(toml::Value::Table(table.clone())) {
            Ok(parsed) => {
                *out = parsed;
                return;
            }
            Err(error) => {
                let (key, shown) = describe(&error);
                problems.push(Problem {
                    place: format!("{origin}: [{name}]"),
                    message: shown,
                });
                match key {
                    Some(key) if table.remove(&key).is_some() => continue,
                    // Another kind of error: remove offending keys one at a time is not
                    // possible without a name, so try each key alone to name the bad ones.
                    _ => {
                        name_bad_keys::<T>(&table, origin, name, problems);
                        return;
                    }
                }
            }
        }
    }
}

/// The unknown key an error names, if it is that kind of error, and the message to show.
fn describe(error: &toml::de::Error) -> (Option<String>, String) {
    let message = error.message().trim().to_owned();
    let key = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
        .map(str::to_owned);
    match key {
        Some(key) => (
            Some(key),
            message.replacen("unknown field", "unknown key", 1),
        ),
        None => (None, message),
    }
}

/// Tries each key of a section alone (the others at their defaults) to name every key
/// whose value has the wrong type; the first, unnamed error was already reported.
fn name_bad_keys<T: DeserializeOwned>(
    table: &toml::Table,
    origin: &str,
    name: &str,
    problems: &mut Vec<Problem>,
) {
    let before = problems.len();
    for (key, value) in table {
        let mut single = toml::Table::new();
        single.insert(key.clone(), value.clone());
        if let Err(error) = T::deserialize(toml::Value::Table(single)) {
            let message = match describe(&error) {
                (Some(_), message) => message,
                (None, message) => format!("{message} (value {value})"),
            };
            problems.push(Problem {
                place: format!("{origin}: [{name}] {key}"),
                message,
            });
        }
    }
    if problems.len() > before {
        // The per-key messages name the same fault better than the first, unnamed one.
        problems.remove(before - 1);
    }
}

/// `path` made absolute, with `.` and `..` resolved without following links (the path as
/// the operator wrote it, not where a link points).
pub(crate) fn lexical_absolute(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut clean = PathBuf::new();
    for part in absolute.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    clean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_versioned_file_gives_defaults() {
        let config = VigieConfig::parse("version = 1\n", "t.toml").unwrap();
        assert_eq!(config, VigieConfig::default());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let text = r#"
            data_dir = 5
            colour = "blue"
            [server]
            listen = "nowhere"
            port = 80
            [ingest]
            max_body_bytes = "big"
            max_line_bytes = 0
            typo_key = 1
            other_typo = 2
        "#;
        let problems = VigieConfig::parse(text, "t.toml").unwrap_err().0;
        let all: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let joined = all.join("\n");
        for needle in [
            "version: missing",
            "data_dir: expected a path string",
            "colour: unknown key",
            "unknown key `port`",
            "unknown key `typo_key`",
            "unknown key `other_typo`",
            "[ingest] max_body_bytes: invalid type",
        ] {
            assert!(joined.contains(needle), "{needle:?} not in:\n{joined}");
        }
        assert!(
            !joined.contains("max_line_bytes: must be greater"),
            "{joined}"
        );
    }

    #[test]
    fn semantic_problems_are_named() {
        let text = "version = 1\n[server]\nlisten = \"nowhere\"\n[ingest]\nmax_line_bytes = 0\n[detection]\nrules_dir = \"/definitely/not/here\"\n";
        let problems = VigieConfig::parse(text, "t.toml").unwrap_err().0;
        let joined: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let joined = joined.join("\n");
        assert!(joined.contains("[server] listen: \"nowhere\""), "{joined}");
        assert!(
            joined.contains("[ingest] max_line_bytes: must be greater than 0"),
            "{joined}"
        );
        assert!(
            joined.contains("[detection] rules_dir: cannot read /definitely/not/here"),
            "{joined}"
        );
    }

    #[test]
    fn syslog_listener_problems_are_all_named() {
        let text = r#"
            version = 1
            [[syslog.listeners]]
            name = "a"
            protocol = "quic"
            listen = "nowhere"
            timezone = "Mars/Olympus"
            networks = [{ cidr = "10.0.0.0/33", tenant = "Bad_Slug" }]
            [[syslog.listeners]]
            name = "a"
            protocol = "tls"
            listen = "127.0.0.1:6514"
            tenant = "cpas-a"
            tls_client_auth = "optional"
        "#;
        let problems = VigieConfig::parse(text, "t.toml").unwrap_err().0;
        let joined: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let joined = joined.join("\n");
        for needle in [
            "#1 (a) protocol: \"quic\"",
            "#1 (a) listen: \"nowhere\"",
            "#1 (a) timezone",
            "networks[0].cidr",
            "networks[0].tenant",
            "#2 (a): the name \"a\" is used twice",
            "#2 (a) tls_cert: required",
            "#2 (a) tls_key: required",
            "#2 (a) tls_client_ca: required when tls_client_auth is optional",
        ] {
            assert!(joined.contains(needle), "{needle:?} not in:\n{joined}");
        }
        let good = "version = 1\n[[syslog.listeners]]\nname = \"tcp\"\nprotocol = \"tcp\"\nlisten = \"127.0.0.1:0\"\ntenant = \"cpas-a\"\n";
        let config = VigieConfig::parse(good, "t.toml").unwrap();
        assert_eq!(config.syslog.listeners[0].timezone, "Europe/Brussels");
    }

    #[test]
    fn web_section_names_bad_proxies_and_headers() {
        let text = "version = 1\n[web]\ntrusted_proxies = [\"10.0.0.0/33\", \"proxy.lan\", \"10.0.0.0/24\", \"192.0.2.10\"]\nclient_address_header = \"via\"\n";
        let problems = VigieConfig::parse(text, "t.toml").unwrap_err().0;
        let joined: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let joined = joined.join("\n");
        for needle in [
            "[web] trusted_proxies[0]: \"10.0.0.0/33\"",
            "[web] trusted_proxies[1]: \"proxy.lan\"",
            "[web] client_address_header: \"via\"",
        ] {
            assert!(joined.contains(needle), "{needle:?} not in:\n{joined}");
        }
        assert!(!joined.contains("trusted_proxies[2]"), "{joined}");
        let good = "version = 1\n[web]\ntrusted_proxies = [\"10.0.0.0/24\", \"2001:db8::7\"]\nclient_address_header = \"forwarded\"\n";
        let config = VigieConfig::parse(good, "t.toml").unwrap();
        let clients = config.web.client_addresses();
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("forwarded", "for=203.0.113.9".parse().unwrap());
        headers.insert("x-forwarded-for", "198.51.100.1".parse().unwrap());
        let via =
            |peer: &str| clients.of(Some(SocketAddr::new(peer.parse().unwrap(), 1)), &headers);
        assert_eq!(via("10.0.0.9"), Some("203.0.113.9".parse().unwrap()));
        assert_eq!(via("2001:db8::7"), Some("203.0.113.9".parse().unwrap()));
        assert_eq!(via("10.0.1.9"), Some("10.0.1.9".parse().unwrap()));
    }

    #[test]
    fn wrong_version_is_named() {
        let problems = VigieConfig::parse("version = 2\n", "t.toml").unwrap_err().0;
        assert!(problems[0].message.contains("the file says 2"));
    }

    #[test]
    fn example_file_loads_and_shows_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/vigie.example.toml");
        let config = VigieConfig::load(&path).unwrap_or_else(|p| panic!("{p}"));
        assert_eq!(config, VigieConfig::default());
    }
}
