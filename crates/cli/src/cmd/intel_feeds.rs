//! Threat-intelligence pulls: `[[intel.feeds]]` of kind `taxii` (a TAXII 2.1 collection) or
//! `misp` (a MISP server's `events/restSearch`), each written as one IOC set of the rules
//! directory, which the server puts in force at its next rules reload and retro-hunts.
//! Off unless configured: without feeds no request leaves the process.
//!
//! Each pull reads the whole source (paged, bounded by `max_indicators`) and replaces the
//! set only when its content changed, atomically: a failed pull leaves the set in force.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use base64::Engine as _;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use vigie_detect::Level;
use vigie_detect::intel::{IocSet, import};
use vigie_http::{Client, Method, Url};

/// The largest answer read from a feed (one page).
const MAX_PAGE_BYTES: usize = 64 * 1024 * 1024;
/// Objects asked for per TAXII page and events per MISP page.
const PAGE: usize = 1000;

/// `[intel]`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct IntelConfig {
    /// `[[intel.feeds]]`: sources pulled on a schedule by the jobs role.
    pub feeds: Vec<FeedConfig>,
}

/// What a feed speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FeedKind {
    /// A TAXII 2.1 collection: `url` is the collection's URL
    /// (`https://host/api-root/collections/<id>/`); HTTP basic authentication.
    Taxii,
    /// A MISP server: `url` is its base URL; its API key authenticates.
    Misp,
}

/// `[[intel.feeds]]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct FeedConfig {
    /// The set's name (letters, digits, `.`, `_`, `-`): its file and what alerts say.
    pub name: String,
    /// `taxii` or `misp`.
    pub kind: FeedKind,
    /// The collection URL (TAXII) or the server's base URL (MISP).
    pub url: String,
    /// What alerts name as the source. Default: the kind and the host.
    #[serde(default)]
    pub source: Option<String>,
    /// The tenant the set belongs to (default: every tenant).
    #[serde(default)]
    pub tenant: Option<String>,
    /// Level of the alerts the set raises. Default high.
    #[serde(default = "default_level")]
    pub level: Level,
    /// TAXII: the user of HTTP basic authentication.
    #[serde(default)]
    pub username: Option<String>,
    /// TAXII: file whose first line is the password; `VIGIE_FEED_PASSWORD_<NAME>` wins.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// MISP: file whose first line is the API key; `VIGIE_FEED_KEY_<NAME>` wins.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// MISP: how far back events are read (`restSearch`'s `last`). Default `30d`.
    #[serde(default = "default_last")]
    pub misp_last: String,
    /// Minutes between two pulls. Default 60.
    #[serde(default = "default_interval")]
    pub interval_minutes: u64,
    /// A PEM file of CA certificates trusted besides the system's.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Seconds one request may take. Default 60.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// Indicators read at most; a larger source is cut there and says so. Default 1,000,000.
    #[serde(default = "default_max")]
    pub max_indicators: usize,
}

fn default_level() -> Level {
    Level::High
}
fn default_last() -> String {
    "30d".to_owned()
}
fn default_interval() -> u64 {
    60
}
fn default_timeout() -> u64 {
    60
}
fn default_max() -> usize {
    1_000_000
}

fn env_name(prefix: &str, name: &str) -> String {
    format!(
        "{prefix}{}",
        name.to_ascii_uppercase().replace(['-', '.'], "_")
    )
}

impl IntelConfig {
    /// Every problem of `[intel]` as (key, message), naming the offending value.
    pub(crate) fn validate(&self, rules_dir: Option<&Path>) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut names = std::collections::BTreeSet::new();
        for (i, feed) in self.feeds.iter().enumerate() {
            let key = |field: &str| format!("[[intel.feeds]] #{} {field}", i + 1);
            if !super::intel::valid_name(&feed.name) || !names.insert(feed.name.clone()) {
                problems.push((
                    key("name"),
                    format!(
                        "{:?} is used twice or is not 1 to 100 letters, digits, `.`, `_` or `-`",
                        feed.name
                    ),
                ));
            }
            match Url::parse(&feed.url) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {}
                _ => problems.push((key("url"), format!("{:?} is not an http(s) URL", feed.url))),
            }
            if let Some(slug) = &feed.tenant
                && let Err(e) = vigie_event::TenantSlug::new(slug)
            {
                problems.push((key("tenant"), format!("{slug:?}: {e}")));
            }
            if feed.interval_minutes == 0 {
                problems.push((key("interval_minutes"), "must be at least 1".into()));
            }
            if feed.kind == FeedKind::Misp
                && feed.key_file.is_none()
                && std::env::var(env_name("VIGIE_FEED_KEY_", &feed.name)).is_err()
            {
                problems.push((
                    key("key_file"),
                    format!(
                        "MISP feed {:?} needs its API key: key_file or {}",
                        feed.name,
                        env_name("VIGIE_FEED_KEY_", &feed.name)
                    ),
                ));
            }
        }
        if !self.feeds.is_empty() && rules_dir.is_none() {
            problems.push((
                "[[intel.feeds]]".into(),
                "feeds write IOC sets into the rules directory: set [detection] rules_dir".into(),
            ));
        }
        problems
    }
}

/// What one pull did.
#[derive(Debug)]
pub(crate) struct Pulled {
    /// The set file.
    pub path: PathBuf,
    /// Indicators in the set.
    pub indicators: usize,
    /// Objects or attributes skipped (not an indicator vigie matches), with the reason of
    /// the first few.
    pub skipped: Vec<String>,
    /// Whether the set changed (and was written).
    pub changed: bool,
    /// Whether the source had more than `max_indicators`.
    pub truncated: bool,
}

/// Pulls `feed` into its set under `rules`.
pub(crate) async fn pull(feed: &FeedConfig, rules: &Path) -> anyhow::Result<Pulled> {
    let what = format!("[[intel.feeds]] {}", feed.name);
    let client = Client::new(
        feed.ca_file.as_deref(),
        Duration::from_secs(feed.timeout_seconds.max(1)),
        MAX_PAGE_BYTES,
    )
    .map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
    let url = Url::parse(&feed.url).with_context(|| format!("{what}: url {:?}", feed.url))?;
    let (imported, truncated) = match feed.kind {
        FeedKind::Taxii => taxii(feed, &client, &url, &what).await?,
        FeedKind::Misp => misp(feed, &client, &url, &what).await?,
    };
    let source = feed.source.clone().unwrap_or_else(|| {
        format!(
            "{} {}",
            match feed.kind {
                FeedKind::Taxii => "TAXII",
                FeedKind::Misp => "MISP",
            },
            url.host_str().unwrap_or_default()
        )
    });
    let set = IocSet {
        version: 1,
        name: feed.name.clone(),
        source,
        description: Some(format!("pulled from {}", vigie_http::shown(&url))),
        level: feed.level,
        expires: None,
        indicators: imported.indicators,
    };
    let bytes = serde_json::to_vec_pretty(&set)?;
    let path = super::intel::set_path(rules, feed.tenant.as_deref(), &feed.name)?;
    let changed = std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice());
    if changed {
        super::intel::write_set(&path, &bytes)?;
    }
    Ok(Pulled {
        path,
        indicators: set.indicators.len(),
        skipped: imported
            .skipped
            .iter()
            .map(|s| format!("{} {:?}: {}", s.reference, s.value, s.reason))
            .collect(),
        changed,
        truncated,
    })
}

fn check_status(response: &vigie_http::Response, what: &str) -> anyhow::Result<()> {
    if response.status.is_success() {
        return Ok(());
    }
    let excerpt: String = String::from_utf8_lossy(&response.body)
        .chars()
        .take(300)
        .collect();
    anyhow::bail!("{what}: HTTP {}: {excerpt}", response.status)
}

/// Every indicator object of a TAXII 2.1 collection, page by page (`more` and `next`).
async fn taxii(
    feed: &FeedConfig,
    client: &Client,
    url: &Url,
    what: &str,
) -> anyhow::Result<(import::Imported, bool)> {
    let mut base = url.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    let objects_url = base
        .join("objects/")
        .with_context(|| format!("{what}: url {:?}", feed.url))?;
    let mut headers = vec![("accept", "application/taxii+json;version=2.1".to_owned())];
    if let Some(user) = &feed.username {
        let password = vigie_http::credential(
            &env_name("VIGIE_FEED_PASSWORD_", &feed.name),
            feed.password_file.as_deref(),
            what,
        )?
        .unwrap_or_default();
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        headers.push(("authorization", format!("Basic {token}")));
    }
    let mut objects: Vec<Value> = Vec::new();
    let mut next: Option<String> = None;
    let mut truncated = false;
    loop {
        let mut page = objects_url.clone();
        {
            let mut query = page.query_pairs_mut();
            query.append_pair("match[type]", "indicator");
            query.append_pair("limit", &PAGE.to_string());
            if let Some(next) = &next {
                query.append_pair("next", next);
            }
        }
        let response = client
            .send(Method::GET, &page, &headers, None)
            .await
            .map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
        check_status(&response, what)?;
        let envelope: Value = serde_json::from_slice(&response.body)
            .with_context(|| format!("{what}: the envelope is not JSON"))?;
        if let Some(page_objects) = envelope.get("objects").and_then(Value::as_array) {
            objects.extend(page_objects.iter().cloned());
        }
        if objects.len() >= feed.max_indicators {
            objects.truncate(feed.max_indicators);
            truncated = true;
            break;
        }
        let more = envelope.get("more").and_then(Value::as_bool) == Some(true);
        match envelope.get("next").and_then(Value::as_str) {
            Some(token) if more => next = Some(token.to_owned()),
            _ => break,
        }
    }
    let bundle = json!({
        "type": "bundle",
        "id": "bundle--00000000-0000-4000-8000-000000000000",
        "objects": objects,
    });
    let imported = import::from_stix_bundle(&bundle.to_string())
        .map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
    Ok((imported, truncated))
}

/// The to-IDS attributes of a MISP server's published events of the last `misp_last`.
async fn misp(
    feed: &FeedConfig,
    client: &Client,
    url: &Url,
    what: &str,
) -> anyhow::Result<(import::Imported, bool)> {
    let key = vigie_http::credential(
        &env_name("VIGIE_FEED_KEY_", &feed.name),
        feed.key_file.as_deref(),
        what,
    )?
    .ok_or_else(|| anyhow::anyhow!("{what}: no API key"))?;
    let mut base = url.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    let search = base
        .join("events/restSearch")
        .with_context(|| format!("{what}: url {:?}", feed.url))?;
    let headers = [
        ("authorization", key),
        ("accept", "application/json".to_owned()),
        ("content-type", "application/json".to_owned()),
    ];
    let mut all = import::Imported::default();
    let mut truncated = false;
    for page in 1.. {
        let body = json!({
            "returnFormat": "json", "published": true, "to_ids": true,
            "last": feed.misp_last, "limit": PAGE, "page": page,
        });
        let response = client
            .send(
                Method::POST,
                &search,
                &headers,
                Some(Bytes::from(body.to_string())),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
        check_status(&response, what)?;
        let answer: Value = serde_json::from_slice(&response.body)
            .with_context(|| format!("{what}: the answer is not JSON"))?;
        let events = answer
            .get("response")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for event in &events {
            let imported =
                import::from_misp_event(&event.to_string(), &format!("{what} page {page}"))
                    .map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
            all.indicators.extend(imported.indicators);
            all.skipped.extend(imported.skipped);
        }
        if all.indicators.len() >= feed.max_indicators {
            all.indicators.truncate(feed.max_indicators);
            truncated = true;
            break;
        }
        if events.len() < PAGE {
            break;
        }
    }
    Ok((all, truncated))
}

/// Pulls every feed now and then every `interval_minutes`, until shutdown (jobs role).
pub(crate) fn spawn(
    feeds: Vec<FeedConfig>,
    rules: PathBuf,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    feeds
        .into_iter()
        .map(|feed| {
            let rules = rules.clone();
            let mut shutdown = shutdown.clone();
            tokio::spawn(async move {
                let every = Duration::from_secs(feed.interval_minutes.max(1) * 60);
                loop {
                    match pull(&feed, &rules).await {
                        Ok(pulled) => {
                            metrics::counter!("vigie_intel_pulls_total", "feed" => feed.name.clone(), "outcome" => "ok").increment(1);
                            if pulled.truncated {
                                tracing::warn!(feed = %feed.name, max = feed.max_indicators, "threat-intelligence feed cut at max_indicators");
                            }
                            tracing::info!(feed = %feed.name, indicators = pulled.indicators, skipped = pulled.skipped.len(), changed = pulled.changed, "threat-intelligence feed pulled");
                        }
                        Err(error) => {
                            metrics::counter!("vigie_intel_pulls_total", "feed" => feed.name.clone(), "outcome" => "error").increment(1);
                            tracing::warn!(feed = %feed.name, %error, "threat-intelligence pull failed; the set in force stays");
                        }
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(every) => {}
                        _ = shutdown.wait_for(|s| *s) => break,
                    }
                }
            })
        })
        .collect()
}
