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
            config,
            clients: ClientAddresses::default(),
            slugs: RwLock::new(HashMap::new()),
        }))
    }

    /// Finds client addresses with `clients` (trusted reverse proxies) instead of taking the
    /// socket peer as it is.
    pub fn with_client_addresses(self, clients: ClientAddresses) -> Self {
        let inner = match Arc::try_unwrap(self.0) {
            Ok(inner) => inner,
            Err(shared) => Inner {
                access: shared.access.clone(),
                store: shared.store.clone(),
                intake: shared.intake.clone(),
                metrics: shared.metrics.clone(),
                config: shared.config.clone(),
                clients: ClientAddresses::default(),
                slugs: RwLock::new(HashMap::new()),
            },
        };
        Self(Arc::new(Inner { clients, ..inner }))
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
