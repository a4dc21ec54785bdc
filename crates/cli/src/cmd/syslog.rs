//! Starting the configured syslog listeners (for `vigie serve`).

use std::collections::HashMap;

use anyhow::Context;
use vigie_access::TenantScope;
use vigie_event::TenantSlug;
use vigie_ingest::Intake;
use vigie_ingest::syslog::listener::RunningListener;
use vigie_ingest::syslog::tls::{ClientAuth, server_config};
use vigie_ingest::syslog::{ListenerConfig, Protocol, TenantMap, TenantRef};
use vigie_soc::StateStore;

use crate::config::{SyslogListenerConfig, VigieConfig};

/// Binds every `[[syslog.listeners]]`; fails naming the listener when a tenant is unknown,
/// a certificate is unusable or the address cannot be bound.
pub(crate) async fn start_all(
    config: &VigieConfig,
    store: &dyn StateStore,
    scope: &TenantScope,
    intake: &Intake,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Vec<(String, RunningListener)>> {
    let mut running = Vec::new();
    let mut tenants: HashMap<String, TenantRef> = HashMap::new();
    for listener in &config.syslog.listeners {
        let settings = listener_config(listener, store, scope, &mut tenants)
            .await
            .with_context(|| format!("syslog listener {:?}", listener.name))?;
        let protocol = listener.protocol.clone();
        let bound = vigie_ingest::syslog::start(settings, intake.clone(), shutdown.clone())
            .await
            .with_context(|| {
                format!(
                    "syslog listener {:?}: cannot listen on {}",
                    listener.name, listener.listen
                )
            })?;
        println!(
            "vigie syslog listener {} on {protocol}://{}",
            listener.name, bound.addr
        );
        running.push((listener.name.clone(), bound));
    }
    Ok(running)
}

async fn listener_config(
    listener: &SyslogListenerConfig,
    store: &dyn StateStore,
    scope: &TenantScope,
    cache: &mut HashMap<String, TenantRef>,
) -> anyhow::Result<ListenerConfig> {
    let mut tenant = async |slug: &str| -> anyhow::Result<TenantRef> {
        if let Some(found) = cache.get(slug) {
            return Ok(found.clone());
        }
        let parsed = TenantSlug::new(slug)?;
        let found = store
            .find_tenant(scope, &parsed)
            .await?
            .with_context(|| format!("no tenant {slug}; add it with `vigie tenant add {slug}`"))?;
        let reference = TenantRef {
            id: found.id,
            label: slug.to_owned(),
            source_type: None,
        };
        cache.insert(slug.to_owned(), reference.clone());
        Ok(reference)
    };
    let mut map = TenantMap::default();
    if let Some(slug) = &listener.tenant {
        map.default = Some(tenant(slug).await?);
    }
    // Source types were checked when the configuration was read.
    let source_type = |text: &Option<String>| {
        text.as_deref()
            .map(vigie_parse::SourceType::new)
            .transpose()
    };
    for net in &listener.networks {
        let mut reference = tenant(&net.tenant).await?;
        reference.source_type = source_type(&net.source_type)?;
        map.networks.push((net.cidr.parse()?, reference));
    }
    for cert in &listener.client_certificates {
        let hex: String = cert
            .sha256
            .chars()
            .filter(|c| *c != ':')
            .collect::<String>()
            .to_ascii_lowercase();
        let mut reference = tenant(&cert.tenant).await?;
        reference.source_type = source_type(&cert.source_type)?;
        map.certificates.insert(hex, reference);
    }
    let protocol = match listener.protocol.as_str() {
        "udp" => Protocol::Udp,
        "tcp" => Protocol::Tcp,
        _ => {
            let (Some(cert), Some(key)) = (&listener.tls_cert, &listener.tls_key) else {
                anyhow::bail!("a tls listener needs tls_cert and tls_key");
            };
            let client = ClientAuth::from_config(
                &listener.tls_client_auth,
                listener.tls_client_ca.as_deref(),
            );
            Protocol::Tls(server_config(cert, key, &client)?)
        }
    };
    Ok(ListenerConfig {
        name: listener.name.clone(),
        protocol,
        addr: listener.listen.parse()?,
        tenants: map,
        max_message_bytes: usize::try_from(listener.max_message_bytes).unwrap_or(usize::MAX),
        timezone: jiff::tz::TimeZone::get(&listener.timezone)?,
        max_connections: usize::try_from(listener.max_connections).unwrap_or(usize::MAX),
        receive_buffer_bytes: listener
            .receive_buffer_bytes
            .map(|b| usize::try_from(b).unwrap_or(usize::MAX)),
        source_type: source_type(&listener.source_type)?,
    })
}

/// Keeps the type alive for `Server` (listeners end with the shutdown signal).
pub(crate) type Listeners = Vec<(String, RunningListener)>;
