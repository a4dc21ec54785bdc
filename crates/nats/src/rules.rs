//! The rule set of a cluster, shared through a JetStream object store: `vigie rules publish
//! DIR` puts the rules directory (Sigma rules, correlations, tenant filters) as one bundle;
//! every detection node reads it at start and watches it, and puts a new bundle in force
//! within seconds, without a restart.
//!
//! The bundle is one JSON object `{"version", "published_at", "files": {path: text}}` stored
//! as object `current` of bucket `<stream_prefix>_RULES`, replicated like the streams. An
//! object store, not a key-value bucket: SigmaHQ's rules are several megabytes, above one
//! message, and the object store chunks them.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use async_nats::jetstream::{self, object_store};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

use crate::{NatsConfig, NatsError};

/// The object holding the bundle in force.
const OBJECT: &str = "current";
/// Largest bundle: files of a rules directory, as text.
pub const MAX_BUNDLE_BYTES: usize = 64 * 1024 * 1024;
/// File kinds a bundle carries: Sigma rules, correlations and filters (YAML), and the IOC
/// sets of `intel/` (JSON).
const EXTENSIONS: [&str; 3] = ["yml", "yaml", "json"];

/// A rules directory as published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleBundle {
    /// Milliseconds since the epoch when it was published (orders bundles).
    pub version: u64,
    /// When, as RFC 3339.
    pub published_at: String,
    /// Relative path (with `/`) → file text.
    pub files: BTreeMap<String, String>,
}

impl RuleBundle {
    /// Reads every `.yml`/`.yaml`/`.json` file under `dir` (hidden entries skipped). The error names
    /// the file that cannot be read or is not UTF-8, or the size limit.
    pub fn from_dir(dir: &Path) -> Result<RuleBundle, String> {
        let mut files = BTreeMap::new();
        let mut total = 0usize;
        collect(dir, dir, &mut files, &mut total)?;
        let now = jiff::Timestamp::now();
        Ok(RuleBundle {
            version: u64::try_from(now.as_millisecond()).unwrap_or(0),
            published_at: now.to_string(),
            files,
        })
    }

    /// Writes the files into `dir` (created; it must be empty or absent). Paths are checked
    /// again: a bundle cannot write outside `dir`.
    pub fn write_to(&self, dir: &Path) -> Result<(), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        for (path, text) in &self.files {
            let relative = safe_relative(path)?;
            let target = dir.join(relative);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("creating {}: {e}", parent.display()))?;
            }
            std::fs::write(&target, text)
                .map_err(|e| format!("writing {}: {e}", target.display()))?;
        }
        Ok(())
    }
}

fn collect(
    root: &Path,
    dir: &Path,
    files: &mut BTreeMap<String, String>,
    total: &mut usize,
) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        // An installed content pack (`packs/<name>`, a link to its files) is followed.
        let pack = || kind.is_symlink() && is_pack_entry(root, &path) && path.is_dir();
        if kind.is_dir() || pack() {
            collect(root, &path, files, total)?;
            continue;
        }
        let wanted = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e));
        if !kind.is_file() || !wanted {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        *total += text.len();
        if *total > MAX_BUNDLE_BYTES {
            return Err(format!(
                "the rules under {} are more than {MAX_BUNDLE_BYTES} bytes",
                root.display()
            ));
        }
        let relative = path
            .strip_prefix(root)
            .map_err(|e| e.to_string())?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        files.insert(relative, text);
    }
    Ok(())
}

/// Whether `path` is `<root>/packs/<name>`, where `vigie pack import` links an installed
/// pack (the loaders' layout, `vigie_detect::packs`).
fn is_pack_entry(root: &Path, path: &Path) -> bool {
    let mut parts = path
        .strip_prefix(root)
        .map(Path::components)
        .into_iter()
        .flatten();
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(Component::Normal(first)), Some(Component::Normal(_)), None) if first == "packs"
    )
}

/// `path` as a relative path of normal components only.
fn safe_relative(path: &str) -> Result<PathBuf, String> {
    let p = Path::new(path);
    if path.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(format!("bundle path {path:?} is not a plain relative path"));
    }
    Ok(p.to_path_buf())
}

/// The object store of the rules, created when missing.
async fn store(
    client: &async_nats::Client,
    config: &NatsConfig,
) -> Result<object_store::ObjectStore, NatsError> {
    let js = jetstream::new(client.clone());
    let bucket = format!("{}_RULES", config.stream_prefix);
    let unavailable = |op: &str, e: &dyn std::fmt::Display| NatsError::Unavailable {
        address: config.addresses(),
        op: format!("{op} object store {bucket}"),
        reason: e.to_string(),
    };
    match js.get_object_store(&bucket).await {
        Ok(store) => Ok(store),
        Err(_) => js
            .create_object_store(object_store::Config {
                bucket: bucket.clone(),
                description: Some("vigie rules in force".to_owned()),
                num_replicas: config.replicas as usize,
                storage: jetstream::stream::StorageType::File,
                ..Default::default()
            })
            .await
            .map_err(|e| unavailable("creating", &e)),
    }
}

/// Publishes `bundle` as the rules in force.
pub async fn publish(
    client: &async_nats::Client,
    config: &NatsConfig,
    bundle: &RuleBundle,
) -> Result<(), NatsError> {
    let store = store(client, config).await?;
    let body = serde_json::to_vec(bundle).map_err(|e| NatsError::Unavailable {
        address: config.addresses(),
        op: "encoding the rule bundle".to_owned(),
        reason: e.to_string(),
    })?;
    store
        .put(OBJECT, &mut body.as_slice())
        .await
        .map_err(|e| NatsError::Unavailable {
            address: config.addresses(),
            op: "publishing the rule bundle".to_owned(),
            reason: e.to_string(),
        })?;
    Ok(())
}

/// The bundle in force, if one was published.
pub async fn current(
    client: &async_nats::Client,
    config: &NatsConfig,
) -> Result<Option<RuleBundle>, NatsError> {
    let store = store(client, config).await?;
    read(&store, config).await
}

async fn read(
    store: &object_store::ObjectStore,
    config: &NatsConfig,
) -> Result<Option<RuleBundle>, NatsError> {
    let failed = |op: &str, e: &dyn std::fmt::Display| NatsError::Unavailable {
        address: config.addresses(),
        op: op.to_owned(),
        reason: e.to_string(),
    };
    let mut object = match store.get(OBJECT).await {
        Ok(object) => object,
        Err(e) if e.kind() == object_store::GetErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(failed("reading the rule bundle", &e)),
    };
    let mut body = Vec::new();
    (&mut object)
        .take(MAX_BUNDLE_BYTES as u64 * 2)
        .read_to_end(&mut body)
        .await
        .map_err(|e| failed("reading the rule bundle", &e))?;
    let bundle: RuleBundle =
        serde_json::from_slice(&body).map_err(|e| failed("decoding the rule bundle", &e))?;
    for path in bundle.files.keys() {
        safe_relative(path).map_err(|e| failed("checking the rule bundle", &e))?;
    }
    Ok(Some(bundle))
}

/// Calls `apply` with the bundle in force (if any) and each one published after, until
/// `apply` returns false or the watch ends (the error says why; the caller watches again).
/// The caller skips versions it already has.
pub async fn watch(
    client: &async_nats::Client,
    config: &NatsConfig,
    mut apply: impl FnMut(RuleBundle) -> bool,
) -> Result<(), NatsError> {
    let store = store(client, config).await?;
    let mut changes = store
        .watch_with_history()
        .await
        .map_err(|e| NatsError::Unavailable {
            address: config.addresses(),
            op: "watching the rule bundle".to_owned(),
            reason: e.to_string(),
        })?;
    while let Some(change) = changes.next().await {
        let info = change.map_err(|e| NatsError::Unavailable {
            address: config.addresses(),
            op: "watching the rule bundle".to_owned(),
            reason: e.to_string(),
        })?;
        if info.name != OBJECT || info.deleted {
            continue;
        }
        if let Some(bundle) = read(&store, config).await?
            && !apply(bundle)
        {
            return Ok(());
        }
    }
    Err(NatsError::Unavailable {
        address: config.addresses(),
        op: "watching the rule bundle".to_owned(),
        reason: "the watch ended".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_round_trips_and_paths_stay_inside() {
        let src = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(src.path().join("filters/cpas-liege")).unwrap();
        std::fs::write(src.path().join("a.yml"), "title: a\n").unwrap();
        std::fs::write(src.path().join("filters/cpas-liege/f.yaml"), "title: f\n").unwrap();
        std::fs::write(src.path().join("notes.txt"), "not a rule").unwrap();
        std::fs::write(src.path().join(".hidden.yml"), "x").unwrap();
        let bundle = RuleBundle::from_dir(src.path()).unwrap();
        assert_eq!(
            bundle.files.keys().collect::<Vec<_>>(),
            ["a.yml", "filters/cpas-liege/f.yaml"]
        );
        let dst = tempfile::tempdir().unwrap();
        bundle.write_to(dst.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dst.path().join("filters/cpas-liege/f.yaml")).unwrap(),
            "title: f\n"
        );
        for bad in ["../x.yml", "/etc/x.yml", "a/../../x.yml", ""] {
            let mut evil = bundle.clone();
            evil.files.insert(bad.to_owned(), "x".to_owned());
            assert!(evil.write_to(dst.path()).is_err(), "{bad:?} accepted");
        }
    }

    #[cfg(unix)]
    #[test]
    fn an_installed_pack_is_carried_through_its_link_and_other_links_are_not() {
        let src = tempfile::tempdir().unwrap();
        let root = src.path();
        std::fs::create_dir_all(root.join("packs/.core.1a/rules")).unwrap();
        std::fs::write(root.join("packs/.core.1a/rules/r.yml"), "title: r\n").unwrap();
        std::fs::write(root.join("packs/.core.1a/.pack-manifest.json"), "{}").unwrap();
        std::os::unix::fs::symlink(".core.1a", root.join("packs/core")).unwrap();
        std::fs::create_dir_all(root.join("elsewhere")).unwrap();
        std::fs::write(root.join("elsewhere/e.yml"), "title: e\n").unwrap();
        std::os::unix::fs::symlink("elsewhere", root.join("linked")).unwrap();
        let bundle = RuleBundle::from_dir(root).unwrap();
        assert_eq!(
            bundle.files.keys().collect::<Vec<_>>(),
            ["elsewhere/e.yml", "packs/core/rules/r.yml"]
        );
    }
}
