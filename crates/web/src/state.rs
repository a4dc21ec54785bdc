use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use metrics_exporter_prometheus::PrometheusHandle;
use vigie_event::{TenantId, TenantScope};
use vigie_ingest::Intake;
use vigie_soc::StateStore;
use vigie_soc::access::Access;

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
            slugs: RwLock::new(HashMap::new()),
        }))
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
