//! Threat intelligence on the stream: sets of indicators of compromise (IP addresses and
//! networks, domains, URLs, file hashes, user agents), each shared by every tenant or owned
//! by one, with a source and expiry, matched on every event as it arrives.
//!
//! A set is a JSON file ([`IocSet`]) in the `intel/` folder of the rules directory (a
//! tenant's own sets in `intel/<tenant-slug>/`), written by `vigie intel import` from a MISP
//! feed or a STIX 2.1 bundle ([`import`]) or by hand. [`Intel::add`] builds hash sets of
//! every kind (exact IPs, networks by prefix length, domain names whose subdomains match
//! too, URLs, hashes, user agents), so matching costs a few hash probes per candidate value
//! whatever the number of indicators. [`Intel::matches`] looks at every string value of an
//! event once: a value that parses as an IP address is probed against the IPs and networks,
//! a URL against the URLs and its host against the domains, a host name against the domains,
//! a 32/40/64/128-digit hex string against the hashes (Sysmon's `Hashes` list
//! `SHA256=…,MD5=…` is split), and the values of user-agent fields against the user agents.

pub mod import;

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use vigie_event::{Event, Severity as Level, TenantId};

/// The folder of the rules directory that holds the IOC sets.
pub const INTEL_DIR: &str = "intel";

/// Most indicators one set file may hold.
pub const MAX_INDICATORS_PER_SET: usize = 5_000_000;
/// Largest set file read.
pub const MAX_SET_FILE_BYTES: u64 = 1 << 30;
/// Longest indicator value kept (longer ones are refused by name).
pub const MAX_VALUE_BYTES: usize = 4096;

/// Kinds of indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IocKind {
    /// One IPv4 or IPv6 address.
    Ip,
    /// A network (`198.51.100.0/24`).
    Cidr,
    /// A domain name; its subdomains match too.
    Domain,
    /// A URL, compared whole (scheme and host case-insensitive).
    Url,
    /// MD5 (32 hex digits).
    Md5,
    /// SHA-1 (40 hex digits).
    Sha1,
    /// SHA-256 (64 hex digits).
    Sha256,
    /// SHA-512 (128 hex digits).
    Sha512,
    /// A user agent, compared whole.
    UserAgent,
}

impl IocKind {
    /// The name used in set files, alerts and the summary (`ip`, `sha256`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            IocKind::Ip => "ip",
            IocKind::Cidr => "cidr",
            IocKind::Domain => "domain",
            IocKind::Url => "url",
            IocKind::Md5 => "md5",
            IocKind::Sha1 => "sha1",
            IocKind::Sha256 => "sha256",
            IocKind::Sha512 => "sha512",
            IocKind::UserAgent => "user-agent",
        }
    }

    /// The hash kind of a hex string of this length.
    fn of_hash_len(len: usize) -> Option<IocKind> {
        match len {
            32 => Some(IocKind::Md5),
            40 => Some(IocKind::Sha1),
            64 => Some(IocKind::Sha256),
            128 => Some(IocKind::Sha512),
            _ => None,
        }
    }
}

/// One indicator of a set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// What it is.
    #[serde(rename = "type")]
    pub kind: IocKind,
    /// The value, as the source gave it.
    pub value: String,
    /// After this time it no longer matches (else the set's `expires`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
    /// Where it comes from within the source (a MISP event, a STIX indicator id, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// A set of indicators: the content of one file in `intel/`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IocSet {
    /// Format version (1).
    pub version: u32,
    /// The set's name (unique among the sets a tenant sees; alerts say it).
    pub name: String,
    /// Where it comes from (a feed, a CERT, a sharing group).
    pub source: String,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Level of the alerts it raises (default high).
    #[serde(default = "default_level")]
    pub level: Level,
    /// After this time no indicator of the set matches, unless it has its own `expires`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
    /// The indicators.
    pub indicators: Vec<Indicator>,
}

fn default_level() -> Level {
    Level::High
}

/// Why a set or an indicator was refused.
#[derive(Debug, thiserror::Error)]
pub enum IntelError {
    /// A set file could not be read or is not a set.
    #[error("{path}: {detail}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// An import source is not what it should be.
    #[error("{0}")]
    Source(String),
}

/// An indicator that could not be used, named with its set and position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refused {
    /// The set file.
    pub path: PathBuf,
    /// 1-based position of the indicator in the set.
    pub position: usize,
    /// The value.
    pub value: String,
    /// Why.
    pub reason: String,
}

/// The digest of a set's content (FNV-1a over its level and indicators: stable across
/// runs and builds, unlike the standard library's hasher).
fn digest(set: &IocSet) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    };
    eat(set.level.as_str().as_bytes());
    eat(set
        .expires
        .map(|t| t.to_string())
        .unwrap_or_default()
        .as_bytes());
    for indicator in &set.indicators {
        eat(indicator.kind.as_str().as_bytes());
        eat(indicator.value.as_bytes());
        eat(indicator
            .expires
            .map(|t| t.to_string())
            .unwrap_or_default()
            .as_bytes());
    }
    hash
}

/// The normal form of a value of `kind` (what matching compares), or why it is not one.
pub fn normalize(kind: IocKind, value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("empty value".into());
    }
    if value.len() > MAX_VALUE_BYTES {
        return Err(format!(
            "{} bytes, the limit is {MAX_VALUE_BYTES}",
            value.len()
        ));
    }
    match kind {
        IocKind::Ip => value
            .parse::<IpAddr>()
            .map(|ip| ip.to_string())
            .map_err(|e| format!("not an IP address: {e}")),
        IocKind::Cidr => {
            let net: ipnet::IpNet = value
                .parse()
                .or_else(|_| value.parse::<IpAddr>().map(ipnet::IpNet::from))
                .map_err(|e| format!("not a network: {e}"))?;
            Ok(net.trunc().to_string())
        }
        IocKind::Domain => {
            let domain = value.trim_end_matches('.').to_ascii_lowercase();
            let valid = domain.contains('.')
                && domain.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                });
            if valid {
                Ok(domain)
            } else {
                Err("not a domain name".into())
            }
        }
        IocKind::Url => {
            if !value.contains("://") {
                return Err("not a URL (no scheme)".into());
            }
            Ok(normalize_url(value))
        }
        IocKind::Md5 | IocKind::Sha1 | IocKind::Sha256 | IocKind::Sha512 => {
            let expected = match kind {
                IocKind::Md5 => 32,
                IocKind::Sha1 => 40,
                IocKind::Sha256 => 64,
                _ => 128,
            };
            if value.len() == expected && value.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(value.to_ascii_lowercase())
            } else {
                Err(format!("not a {} ({expected} hex digits)", kind.as_str()))
            }
        }
        IocKind::UserAgent => Ok(value.to_owned()),
    }
}

/// A URL compared whole: scheme and host lowercase, the rest as written.
fn normalize_url(url: &str) -> String {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, path) = rest.split_at(end);
    let path = if path == "/" { "" } else { path };
    format!(
        "{}://{}{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase(),
        path
    )
}

/// The host of a URL, lowercase, without port or credentials.
fn url_host(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(inner) = host.strip_prefix('[') {
        inner.split(']').next()?
    } else {
        host.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Where a compiled indicator comes from.
#[derive(Clone, Debug)]
struct Origin {
    set: usize,
    /// The value as the source gave it.
    value: String,
    kind: IocKind,
    expires: Option<Timestamp>,
    reference: Option<String>,
}

/// A loaded set: its metadata and owner.
#[derive(Clone, Debug)]
pub struct LoadedSet {
    /// Its name.
    pub name: String,
    /// Its source.
    pub source: String,
    /// Level of its alerts.
    pub level: Level,
    /// The tenant that owns it (`None`: every tenant).
    pub tenant: Option<TenantId>,
    /// The file it was read from.
    pub path: PathBuf,
    /// Indicators in force (expired ones at load time are not counted).
    pub indicators: usize,
    /// Indicators already expired when loaded.
    pub expired: usize,
    /// A digest of the set's content (level and every indicator with its expiry): a
    /// changed set has a new digest, which starts its retro-hunt.
    pub digest: u64,
}

/// An event's match against a set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IocHit {
    /// The set's name.
    pub set: String,
    /// The set's source.
    pub source: String,
    /// Level of the alert.
    pub level: Level,
    /// The indicator as the set gives it.
    pub indicator: String,
    /// Its kind.
    pub kind: IocKind,
    /// The event field that held it (dotted path).
    pub field: String,
    /// The value of that field that matched (for a network, the address inside it).
    pub matched: String,
    /// Where the indicator comes from within the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl IocHit {
    /// The id of the alert it raises: `ioc:<set>` (one alert per set and event).
    pub fn rule_id(&self) -> String {
        format!("ioc:{}", self.set)
    }

    /// The title of the alert it raises.
    pub fn title(&self) -> String {
        format!(
            "IOC {} {} ({})",
            self.kind.as_str(),
            self.indicator,
            self.set
        )
    }
}

/// Every set in force, compiled for matching.
#[derive(Clone, Debug, Default)]
pub struct Intel {
    sets: Vec<LoadedSet>,
    origins: Vec<Origin>,
    /// Exact values (IPs, domains, URLs, hashes, user agents) by kind → indicator numbers.
    exact: HashMap<IocKind, HashMap<String, Vec<u32>>>,
    /// Networks by family and prefix length: the network's first address → indicators.
    networks: Vec<(bool, u8, HashMap<IpAddr, Vec<u32>>)>,
    /// Whether any indicator of these kinds exists (skips work per event).
    has: HashSet<IocKind>,
}

impl Intel {
    /// No set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether no indicator is in force.
    pub fn is_empty(&self) -> bool {
        self.origins.is_empty()
    }

    /// The sets loaded.
    pub fn sets(&self) -> &[LoadedSet] {
        &self.sets
    }

    /// Indicators compiled (all sets).
    pub fn len(&self) -> usize {
        self.origins.len()
    }

    /// Adds a set, owned by `tenant` (`None`: shared), read from `path`. Indicators already
    /// expired at `now` are left out (counted); a value that is not of its kind is refused
    /// and named; the others are kept.
    pub fn add(
        &mut self,
        set: &IocSet,
        tenant: Option<TenantId>,
        path: &Path,
        now: Timestamp,
        refused: &mut Vec<Refused>,
    ) {
        let number = self.sets.len();
        let mut loaded = LoadedSet {
            name: set.name.clone(),
            source: set.source.clone(),
            level: set.level,
            tenant,
            path: path.to_owned(),
            indicators: 0,
            expired: 0,
            digest: digest(set),
        };
        for (index, indicator) in set.indicators.iter().enumerate() {
            let expires = indicator.expires.or(set.expires);
            if expires.is_some_and(|at| at <= now) {
                loaded.expired += 1;
                continue;
            }
            let normal = match normalize(indicator.kind, &indicator.value) {
                Ok(normal) => normal,
                Err(reason) => {
                    refused.push(Refused {
                        path: path.to_owned(),
                        position: index + 1,
                        value: indicator.value.chars().take(200).collect(),
                        reason: format!("{}: {reason}", indicator.kind.as_str()),
                    });
                    continue;
                }
            };
            let id = self.origins.len() as u32;
            self.origins.push(Origin {
                set: number,
                value: indicator.value.trim().to_owned(),
                kind: indicator.kind,
                expires,
                reference: indicator.reference.clone(),
            });
            self.has.insert(indicator.kind);
            if indicator.kind == IocKind::Cidr {
                // Parsed above.
                if let Ok(net) = normal.parse::<ipnet::IpNet>() {
                    let v4 = matches!(net, ipnet::IpNet::V4(_));
                    let len = net.prefix_len();
                    let slot = match self
                        .networks
                        .iter()
                        .position(|(f, l, _)| *f == v4 && *l == len)
                    {
                        Some(slot) => slot,
                        None => {
                            self.networks.push((v4, len, HashMap::new()));
                            self.networks.len() - 1
                        }
                    };
                    self.networks[slot]
                        .2
                        .entry(net.network())
                        .or_default()
                        .push(id);
                }
            } else {
                self.exact
                    .entry(indicator.kind)
                    .or_default()
                    .entry(normal)
                    .or_default()
                    .push(id);
            }
            loaded.indicators += 1;
        }
        self.sets.push(loaded);
    }

    /// The sets' hits on `event` at `now`: at most one per set (the first indicator found,
    /// in field order), only sets shared or owned by the event's tenant, only indicators not
    /// expired.
    pub fn matches(&self, event: &Event, now: Timestamp) -> Vec<IocHit> {
        if self.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<IocHit> = Vec::new();
        let mut path = String::new();
        for (key, value) in &event.fields {
            path.clear();
            path.push_str(key);
            self.walk(&path, value, event.tenant, now, &mut hits, 0);
        }
        hits
    }

    fn walk(
        &self,
        path: &str,
        value: &Value,
        tenant: TenantId,
        now: Timestamp,
        hits: &mut Vec<IocHit>,
        depth: usize,
    ) {
        // Events are bounded in depth at intake; stay bounded here too.
        if depth > 64 {
            return;
        }
        match value {
            Value::String(text) => self.probe(path, text, tenant, now, hits),
            Value::Array(items) => {
                for item in items {
                    self.walk(path, item, tenant, now, hits, depth + 1);
                }
            }
            Value::Object(map) => {
                for (key, inner) in map {
                    let nested = format!("{path}.{key}");
                    self.walk(&nested, inner, tenant, now, hits, depth + 1);
                }
            }
            _ => {}
        }
    }

    /// Probes one string value of field `path`.
    fn probe(
        &self,
        path: &str,
        text: &str,
        tenant: TenantId,
        now: Timestamp,
        hits: &mut Vec<IocHit>,
    ) {
        let text = text.trim();
        if text.is_empty() || text.len() > MAX_VALUE_BYTES {
            return;
        }
        let first = text.as_bytes()[0];
        // IP addresses (and networks).
        if (self.has.contains(&IocKind::Ip) || self.has.contains(&IocKind::Cidr))
            && text.len() <= 47
            && (first.is_ascii_hexdigit() || first == b'[' || first == b':')
            && let Some(ip) = parse_ip(text)
        {
            self.exact_hit(IocKind::Ip, &ip.to_string(), path, text, tenant, now, hits);
            for (v4, len, table) in &self.networks {
                if *v4 != ip.is_ipv4() {
                    continue;
                }
                if let Ok(net) = ipnet::IpNet::new(ip, *len)
                    && let Some(ids) = table.get(&net.network())
                {
                    self.record(ids, path, text, tenant, now, hits);
                }
            }
            return;
        }
        // URLs, and their host as a domain.
        if text.contains("://") {
            if self.has.contains(&IocKind::Url) {
                self.exact_hit(
                    IocKind::Url,
                    &normalize_url(text),
                    path,
                    text,
                    tenant,
                    now,
                    hits,
                );
            }
            if let Some(host) = url_host(text) {
                if let Ok(ip) = host.parse::<IpAddr>() {
                    self.exact_hit(IocKind::Ip, &ip.to_string(), path, text, tenant, now, hits);
                } else {
                    self.domain_hit(&host, path, text, tenant, now, hits);
                }
            }
        } else if self.has.contains(&IocKind::Domain) && looks_like_domain(text) {
            self.domain_hit(
                &text.trim_end_matches('.').to_ascii_lowercase(),
                path,
                text,
                tenant,
                now,
                hits,
            );
        }
        // Hashes: a whole hex value, or Sysmon's `SHA1=…,MD5=…` list.
        if text.len() >= 32
            && self.has.iter().any(|k| {
                matches!(
                    k,
                    IocKind::Md5 | IocKind::Sha1 | IocKind::Sha256 | IocKind::Sha512
                )
            })
            && (IocKind::of_hash_len(text.len()).is_some() || text.contains('='))
        {
            for part in text.split([',', ';', ' ']) {
                let hex = part.rsplit_once('=').map_or(part, |(_, h)| h).trim();
                if let Some(kind) = IocKind::of_hash_len(hex.len())
                    && hex.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    self.exact_hit(
                        kind,
                        &hex.to_ascii_lowercase(),
                        path,
                        text,
                        tenant,
                        now,
                        hits,
                    );
                }
            }
        }
        if self.has.contains(&IocKind::UserAgent) && is_user_agent_field(path) {
            self.exact_hit(IocKind::UserAgent, text, path, text, tenant, now, hits);
        }
    }

    fn domain_hit(
        &self,
        host: &str,
        path: &str,
        text: &str,
        tenant: TenantId,
        now: Timestamp,
        hits: &mut Vec<IocHit>,
    ) {
        if !self.has.contains(&IocKind::Domain) {
            return;
        }
        // The host and each parent domain (`a.b.evil.example` → `b.evil.example` → ...).
        let mut rest = host;
        loop {
            self.exact_hit(IocKind::Domain, rest, path, text, tenant, now, hits);
            match rest.split_once('.') {
                Some((_, parent)) if parent.contains('.') => rest = parent,
                _ => break,
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn exact_hit(
        &self,
        kind: IocKind,
        normal: &str,
        path: &str,
        text: &str,
        tenant: TenantId,
        now: Timestamp,
        hits: &mut Vec<IocHit>,
    ) {
        if let Some(ids) = self.exact.get(&kind).and_then(|values| values.get(normal)) {
            self.record(ids, path, text, tenant, now, hits);
        }
    }

    fn record(
        &self,
        ids: &[u32],
        path: &str,
        text: &str,
        tenant: TenantId,
        now: Timestamp,
        hits: &mut Vec<IocHit>,
    ) {
        for &id in ids {
            let origin = &self.origins[id as usize];
            let set = &self.sets[origin.set];
            if set.tenant.is_some_and(|owner| owner != tenant)
                || origin.expires.is_some_and(|at| at <= now)
                || hits.iter().any(|h| h.set == set.name)
            {
                continue;
            }
            hits.push(IocHit {
                set: set.name.clone(),
                source: set.source.clone(),
                level: set.level,
                indicator: origin.value.clone(),
                kind: origin.kind,
                field: path.to_owned(),
                matched: text.chars().take(400).collect(),
                reference: origin.reference.clone(),
            });
        }
    }
}

/// An IP address written alone (IPv6 possibly in brackets, IPv4 possibly with a port).
fn parse_ip(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    let inner = text.strip_prefix('[').and_then(|t| t.split(']').next());
    if let Some(ip) = inner.and_then(|t| t.parse().ok()) {
        return Some(ip);
    }
    // `::ffff:192.0.2.1` is parsed above; `192.0.2.1:443`:
    let (host, port) = text.rsplit_once(':')?;
    (port.bytes().all(|b| b.is_ascii_digit()) && !port.is_empty())
        .then(|| host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4))
        .flatten()
}

/// Whether a value has the shape of a host name (`a.b`, letters, digits, `-`, `_`).
fn looks_like_domain(text: &str) -> bool {
    let text = text.trim_end_matches('.');
    text.len() <= 253
        && text.contains('.')
        && !text.starts_with('.')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && text.bytes().any(|b| b.is_ascii_alphabetic())
}

/// Whether a field holds a user agent (`user_agent.original`, `UserAgent`, `http_user_agent`, ...).
fn is_user_agent_field(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.contains("user_agent") || lower.contains("useragent") || lower.contains("user-agent")
}

/// Reads every set under `dir` (`<rules dir>/intel`): `*.json` files directly in it are
/// shared; those in a sub-folder belong to the tenant `tenant_of` names for the folder
/// (a folder naming no tenant is refused, its sets loaded by nobody). Files that cannot be
/// read are refused by name; the others load.
pub fn load_dir(
    dir: &Path,
    tenant_of: &mut dyn FnMut(&str) -> Option<TenantId>,
    now: Timestamp,
) -> (Intel, Vec<Refused>) {
    let mut intel = Intel::new();
    let mut refused = Vec::new();
    load_dir_into(&mut intel, dir, tenant_of, now, &mut refused);
    (intel, refused)
}

/// The IOC sets of a rules directory: its `intel/` folder and the `intel/` folder of each
/// installed pack (`packs/<name>/intel/`, see [`crate::packs`]), as [`load_dir`] reads one.
pub fn load_rules_dir(
    rules_dir: &Path,
    tenant_of: &mut dyn FnMut(&str) -> Option<TenantId>,
    now: Timestamp,
) -> (Intel, Vec<Refused>) {
    let mut intel = Intel::new();
    let mut refused = Vec::new();
    for dir in dirs(rules_dir) {
        load_dir_into(&mut intel, &dir, tenant_of, now, &mut refused);
    }
    (intel, refused)
}

/// The folders of IOC sets of a rules directory: `intel/`, then each installed pack's.
pub fn dirs(rules_dir: &Path) -> Vec<PathBuf> {
    std::iter::once(rules_dir.join(INTEL_DIR))
        .chain(
            crate::packs::installed(rules_dir)
                .into_iter()
                .map(|(_, pack)| pack.join(INTEL_DIR)),
        )
        .collect()
}

/// [`load_dir`] adding to `intel` (the sets of several rule directories).
pub fn load_dir_into(
    intel: &mut Intel,
    dir: &Path,
    tenant_of: &mut dyn FnMut(&str) -> Option<TenantId>,
    now: Timestamp,
    refused: &mut Vec<Refused>,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries
        .flatten()
        .filter(|e| !crate::packs::is_hidden(&e.file_name()))
        .map(|e| e.path())
        .collect();
    entries.sort();
    let whole = |path: &Path, reason: String| Refused {
        path: path.to_owned(),
        position: 0,
        value: String::new(),
        reason,
    };
    let mut files: Vec<(PathBuf, Option<TenantId>)> = Vec::new();
    for path in entries {
        if path.is_dir() {
            let slug = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let Some(tenant) = tenant_of(&slug) else {
                refused.push(whole(
                    &path,
                    format!("folder `{slug}` names no tenant; its sets are not loaded"),
                ));
                continue;
            };
            let Ok(inner) = std::fs::read_dir(&path) else {
                continue;
            };
            let mut inner: Vec<PathBuf> = inner.flatten().map(|e| e.path()).collect();
            inner.sort();
            files.extend(
                inner
                    .into_iter()
                    .filter(|p| p.extension().is_some_and(|e| e == "json"))
                    .map(|p| (p, Some(tenant))),
            );
        } else if path.extension().is_some_and(|e| e == "json") {
            files.push((path, None));
        }
    }
    for (path, tenant) in files {
        match read_set(&path) {
            Ok(set) => intel.add(&set, tenant, &path, now, refused),
            Err(error) => refused.push(whole(&path, error.to_string())),
        }
    }
}

/// Reads one set file.
pub fn read_set(path: &Path) -> Result<IocSet, IntelError> {
    let fail = |detail: String| IntelError::File {
        path: path.to_owned(),
        detail,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| fail(e.to_string()))?
        .len();
    if size > MAX_SET_FILE_BYTES {
        return Err(fail(format!(
            "{size} bytes, the limit is {MAX_SET_FILE_BYTES}"
        )));
    }
    let text = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    parse_set(&text, path)
}

/// Reads one set from the bytes of its file (`path` names it in errors).
pub fn parse_set(text: &[u8], path: &Path) -> Result<IocSet, IntelError> {
    let fail = |detail: String| IntelError::File {
        path: path.to_owned(),
        detail,
    };
    let set: IocSet =
        serde_json::from_slice(text).map_err(|e| fail(format!("not an IOC set: {e}")))?;
    if set.version != 1 {
        return Err(fail(format!(
            "version {} (this vigie reads 1)",
            set.version
        )));
    }
    if set.name.trim().is_empty() {
        return Err(fail("the set has no name".into()));
    }
    if set.indicators.len() > MAX_INDICATORS_PER_SET {
        return Err(fail(format!(
            "{} indicators, the limit is {MAX_INDICATORS_PER_SET}",
            set.indicators.len()
        )));
    }
    Ok(set)
}

#[cfg(test)]
mod tests;
