use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock};

use axum::http::HeaderMap;
use metrics_exporter_prometheus::PrometheusHandle;
use vigie_access::Access;
use vigie_access::TenantScope;
use vigie_event::TenantId;
use vigie_ingest::Intake;
use vigie_soc::StateStore;

use crate::client::ClientAddresses;

/// Limits of the HTTP intake, from the `[ingest]` section of the configuration.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Largest request body accepted as sent (compressed or not).
    pub max_body_bytes: usize,
    /// Largest body after gzip decoding.
    pub max_decoded_bytes: u64,
    /// Largest single NDJSON line.
    pub max_line_bytes: usize,
}

/// Everything a handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    access: Access,
    store: Arc<dyn StateStore>,
    intake: Intake,
    metrics: Option<PrometheusHandle>,
    config: WebConfig,
    /// How the client address of a request is found (trusted reverse proxies).
    clients: ClientAddresses,
    /// Tenant slugs by id, for metric labels and replies.
    slugs: RwLock<HashMap<TenantId, String>>,
    /// Where `POST /api/v1/import` keeps an upload while it reads it, and its size limit.
    uploads: Uploads,
}

/// Where uploaded files (`POST /api/v1/import`) are written while they are read, and how
/// large one may be. The upload streams to disk, so its size is bounded by this, not by
/// `[ingest] max_body_bytes`; the directory should be on the data directory's file system
/// (whose free space the intake watches), not a memory-backed `/tmp`.
#[derive(Clone, Debug)]
pub struct Uploads {
    /// The directory (created when missing, files 0600).
    pub dir: std::path::PathBuf,
    /// Largest upload, in bytes.
    pub max_bytes: u64,
}

impl Uploads {
    /// The system's temporary directory, uploads up to `max_bytes` (embedding and tests;
    /// `vigie serve` uses the data directory).
    pub fn temporary(max_bytes: u64) -> Self {
        Self {
            dir: std::env::temp_dir(),
            max_bytes,
        }
    }
}

impl AppState {
    /// Assembles the state. `metrics` is the handle of the installed Prometheus recorder, if
    /// any (`/metrics` answers 404 without one).
    pub fn new(
        access: Access,
        store: Arc<dyn StateStore>,
        intake: Intake,
        metrics: Option<PrometheusHandle>,
        config: WebConfig,
    ) -> Self {
        Self(Arc::new(Inner {
            access,
            store,
            intake,
            metrics,
            uploads: Uploads::temporary(config.max_body_bytes as u64),
            config,
            clients: ClientAddresses::default(),
            slugs: RwLock::new(HashMap::new()),
        }))
    }

    /// Keeps uploads in `uploads.dir`, up to `uploads.max_bytes` each.
    pub fn with_uploads(self, uploads: Uploads) -> Self {
        let inner = self.into_inner();
        Self(Arc::new(Inner { uploads, ..inner }))
    }

    /// Finds client addresses with `clients` (trusted reverse proxies) instead of taking the
    /// socket peer as it is.
    pub fn with_client_addresses(self, clients: ClientAddresses) -> Self {
        let inner = self.into_inner();
        Self(Arc::new(Inner { clients, ..inner }))
    }

    /// The state's parts, to build a changed state (a copy when it is shared already).
    fn into_inner(self) -> Inner {
        match Arc::try_unwrap(self.0) {
            Ok(inner) => inner,
            Err(shared) => Inner {
                access: shared.access.clone(),
                store: shared.store.clone(),
                intake: shared.intake.clone(),
                metrics: shared.metrics.clone(),
                config: shared.config.clone(),
                clients: shared.clients.clone(),
                slugs: RwLock::new(HashMap::new()),
                uploads: shared.uploads.clone(),
            },
        }
    }

    /// The client address of a request from `peer` with `headers` (see [`ClientAddresses`]).
    pub(crate) fn client_address(
        &self,
        peer: Option<SocketAddr>,
        headers: &HeaderMap,
    ) -> Option<IpAddr> {
        self.0.clients.of(peer, headers)
    }

    pub(crate) fn access(&self) -> &Access {
        &self.0.access
    }

    pub(crate) fn store(&self) -> &Arc<dyn StateStore> {
        &self.0.store
    }

    pub(crate) fn intake(&self) -> &Intake {
        &self.0.intake
    }

    pub(crate) fn metrics(&self) -> Option<&PrometheusHandle> {
        self.0.metrics.as_ref()
    }

    pub(crate) fn config(&self) -> &WebConfig {
        &self.0.config
    }

    pub(crate) fn uploads(&self) -> &Uploads {
        &self.0.uploads
    }

    /// The slug of a tenant inside `scope`, cached.
    pub(crate) async fn slug(&self, scope: &TenantScope, tenant: TenantId) -> Option<String> {
        if let Some(slug) = self.0.slugs.read().ok()?.get(&tenant) {
            return Some(slug.clone());
        }
        let tenants = self.0.store.list_tenants(scope).await.ok()?;
        let mut cache = self.0.slugs.write().ok()?;
        for t in tenants {
            cache.insert(t.id, t.slug.to_string());
        }
        cache.get(&tenant).cloned()
    }
}
