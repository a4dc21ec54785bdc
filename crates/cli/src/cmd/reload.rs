//! Puts changed rules in force without a restart: the rules directory is looked at every
//! `[detection] reload_seconds` and, in cluster mode, the bundle published with `vigie rules
//! publish` is watched. A change is loaded like at start (every file reported, rule status
//! recorded) and handed to every detection pipeline of this process, which use it from their
//! next step; a directory that fails to load keeps the rules in force.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::Duration;

use vigie_access::TenantScope;
use vigie_nats::rules::RuleBundle;
use vigie_pipeline::Pipeline;
use vigie_soc::StateStore;

use crate::config::VigieConfig;

/// Where the rules come from in cluster mode.
pub(crate) struct ClusterRules {
    pub(crate) client: async_nats::Client,
    pub(crate) nats: vigie_nats::NatsConfig,
    /// The version in force at start, if a bundle was.
    pub(crate) version: Option<u64>,
}

/// Writes `bundle` into `<data_dir>/cluster-rules/v<version>` (replacing an older copy of
/// that version, removing other versions) and returns that directory.
pub(crate) fn materialize(config: &VigieConfig, bundle: &RuleBundle) -> anyhow::Result<PathBuf> {
    let root = config.data_dir.join("cluster-rules");
    let dir = root.join(format!("v{}", bundle.version));
    if std::fs::metadata(&dir).is_ok() {
        std::fs::remove_dir_all(&dir)?;
    }
    bundle
        .write_to(&dir)
        .map_err(|e| anyhow::anyhow!("rule bundle version {}: {e}", bundle.version))?;
    if let Ok(entries) = std::fs::read_dir(&root) {
        for entry in entries.flatten() {
            if entry.path() != dir {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    Ok(dir)
}

/// A cheap fingerprint of the rule files and IOC sets under `dir`: paths, sizes and
/// modification times; for an installed pack (`packs/<name>`, a link to its files) the
/// link's target too, which each import changes. Hidden entries are left out, as the
/// loaders leave them (see `vigie_detect::packs`).
pub(crate) fn fingerprint(dir: &Path) -> u64 {
    fn walk(root: &Path, dir: &Path, hasher: &mut std::collections::hash_map::DefaultHasher) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries
            .flatten()
            .filter(|e| !vigie_detect::packs::is_hidden(&e.file_name()))
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_symlink() && vigie_detect::packs::is_pack_entry(root, &path) {
                path.hash(hasher);
                std::fs::read_link(&path).ok().hash(hasher);
                if path.is_dir() {
                    walk(root, &path, hasher);
                }
            } else if meta.is_dir() {
                walk(root, &path, hasher);
            } else if path
                .extension()
                .is_some_and(|e| e == "yml" || e == "yaml" || e == "json")
            {
                path.hash(hasher);
                meta.len().hash(hasher);
                meta.modified().ok().hash(hasher);
            }
        }
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    walk(dir, dir, &mut hasher);
    hasher.finish()
}

/// Loads the rules of `dir` and hands them to the pipelines still running.
async fn reload(
    config: &VigieConfig,
    dir: &Path,
    store: &dyn StateStore,
    operator: &TenantScope,
    pipelines: &[Weak<Pipeline>],
    what: &str,
) {
    let mut effective = config.clone();
    effective.detection.rules_dir = Some(dir.to_path_buf());
    match super::serve::load_rules(&effective, store, operator).await {
        Ok((rules, correlations)) => {
            let (rules, correlations) = (Arc::new(rules), Arc::new(correlations));
            let mut applied = 0;
            for pipeline in pipelines.iter().filter_map(Weak::upgrade) {
                pipeline.replace_rules(rules.clone(), correlations.clone());
                applied += 1;
            }
            metrics::counter!("vigie_rules_reloads_total").increment(1);
            tracing::info!(
                source = what,
                rules = rules.len(),
                correlations = correlations.len(),
                pipelines = applied,
                "rules reloaded and in force"
            );
            audit_reload(
                store,
                "rules.reload",
                serde_json::json!({
                    "source": what,
                    "rules": rules.len(),
                    "correlations": correlations.len(),
                    "pipelines": applied,
                }),
            )
            .await;
        }
        Err(error) => {
            metrics::counter!("vigie_rules_reload_failures_total").increment(1);
            tracing::error!(source = what, %error, "rules not reloaded; the rules in force stay");
            let mut reason = format!("{error:#}");
            if reason.len() > 2048 {
                let mut end = 2048;
                while !reason.is_char_boundary(end) {
                    end -= 1;
                }
                reason.truncate(end);
            }
            audit_reload(
                store,
                "rules.reload_failed",
                serde_json::json!({"source": what, "error": reason}),
            )
            .await;
        }
    }
}

/// Records a reload (or its failure) in the audit chain: which rules are in force is a
/// change of the platform like any other. A failed audit write is logged; the rules stay.
async fn audit_reload(store: &dyn StateStore, action: &str, payload: serde_json::Value) {
    let record = vigie_access::audit::AuditRecord::new(
        vigie_soc::Actor::system().0,
        None,
        action,
        "rules".to_owned(),
        payload,
    );
    if let Err(error) = store.audit(&record).await {
        tracing::warn!(%error, action, "rules reload not audited");
    }
}

/// Runs until shutdown: looks at the rules directory every `reload_seconds` (while no
/// cluster bundle is in force) and applies each newer cluster bundle.
pub(crate) fn spawn(
    config: VigieConfig,
    store: Arc<dyn StateStore>,
    operator: TenantScope,
    pipelines: Vec<Weak<Pipeline>>,
    cluster: Option<ClusterRules>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let every = config.detection.reload_seconds;
        let mut local = config.detection.rules_dir.clone().filter(|_| every > 0);
        let mut seen = local.as_deref().map(fingerprint);
        let (bundles_tx, mut bundles) = tokio::sync::watch::channel::<Option<RuleBundle>>(None);
        let mut in_force = None;
        let watcher = cluster.map(|cluster| {
            in_force = cluster.version;
            if in_force.is_some() {
                // A published bundle wins over the local directory.
                local = None;
            }
            tokio::spawn(async move {
                loop {
                    let sent = vigie_nats::rules::watch(&cluster.client, &cluster.nats, |b| {
                        bundles_tx.send_replace(Some(b));
                        !bundles_tx.is_closed()
                    })
                    .await;
                    match sent {
                        Ok(()) => return,
                        Err(error) => {
                            tracing::warn!(%error, "watching the published rules; again in 2 s");
                            tokio::time::sleep(Duration::from_secs(2)).await;
                        }
                    }
                }
            })
        });
        let mut tick = tokio::time::interval(Duration::from_secs(every.max(1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = async { let _ = shutdown.wait_for(|s| *s).await; } => break,
                changed = bundles.changed() => {
                    if changed.is_err() {
                        // The watcher ended; local polling alone goes on.
                        bundles = tokio::sync::watch::channel(None).1;
                        continue;
                    }
                    let Some(bundle) = bundles.borrow_and_update().clone() else { continue };
                    if in_force.is_some_and(|v| bundle.version <= v) {
                        continue;
                    }
                    match materialize(&config, &bundle) {
                        Ok(dir) => {
                            let what = format!("published version {}", bundle.version);
                            reload(&config, &dir, store.as_ref(), &operator, &pipelines, &what).await;
                            in_force = Some(bundle.version);
                            local = None;
                        }
                        Err(error) => tracing::error!(%error, "cannot write the published rules"),
                    }
                }
                _ = tick.tick(), if local.is_some() => {
                    let Some(dir) = local.as_deref() else { continue };
                    let now = fingerprint(dir);
                    if seen != Some(now) {
                        seen = Some(now);
                        reload(&config, dir, store.as_ref(), &operator, &pipelines, "rules directory").await;
                    }
                }
            }
        }
        if let Some(watcher) = watcher {
            watcher.abort();
        }
    })
}
