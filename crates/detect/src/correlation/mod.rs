//! Sigma correlation rules on the live stream (Sigma correlation specification 2.1).
//!
//! - [`rule`]: parsing of correlation documents: `event_count`, `value_count`, `temporal`,
//!   `temporal_ordered`, `value_sum`, `value_avg`, `value_percentile`; `rules` by id or
//!   name, `group-by`, `timespan`, `aliases`, conditions (`gt`, `gte`, `lt`, `lte`, `eq`,
//!   `neq`, ranges), `generate`.
//! - [`CorrelationSet`]: the loaded correlations with their references resolved (base rules
//!   by id or `name`, and other correlations, so chains work), evaluated per tenant by
//!   [`CorrelationSet::observe`] on each event that matched base rules, in event time.
//! - [`CorrelationState`]: what the engine remembers, bounded by [`CorrelationLimits`] with
//!   counters for everything not correlated, and serialisable so the pipeline saves it with
//!   its log position: a restart neither loses a window nor fires one twice.
//!
//! Semantics chosen where the specification is silent, each tested:
//! - Windows are sliding and inclusive: events exactly `timespan` apart are in one window.
//! - A window fires once; its events are consumed, so the next firing needs new events.
//! - Conditions that can only become true as events arrive (lower bounds on counts, distinct
//!   values and rules) fire as soon as they hold; the others (upper bounds, `eq`, `neq`,
//!   sums, averages, percentiles) are decided when the window closes, i.e. when the tenant's
//!   newest event time minus the allowed lateness passes its end.
//! - An event lacking a `group-by` field does not contribute (counted per rule).
//! - Tenants never share state: the same group values in two tenants are two groups.

mod engine;
pub mod rule;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde_json::Value as Json;
use vigie_event::{Event, TenantId};
use yaml_serde::Value;

pub use engine::{CorrelationCounters, CorrelationHit, CorrelationLimits, CorrelationState};
pub use rule::{Bound, Condition, CorrelationRule, CorrelationType, parse_timespan};

use engine::{Engine, Entry};

/// A correlation document that could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorrelationRejection {
    /// File.
    pub path: PathBuf,
    /// 1-based document index in the file.
    pub document: usize,
    /// Title, when readable.
    pub title: Option<String>,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for CorrelationRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (document {}): {}",
            self.path.display(),
            self.document,
            self.reason
        )
    }
}

/// The loaded correlation rules with resolved references.
#[derive(Debug, Default)]
pub struct CorrelationSet {
    rules: Vec<CorrelationRule>,
    /// For each rule, its references as ids.
    resolved: Vec<Vec<String>>,
    /// Referenced id → (correlation index, position in its `rules`).
    by_reference: HashMap<String, Vec<(usize, usize)>>,
    /// Id → name of every rule that has one (for aliases written with names).
    names: HashMap<String, String>,
    limits: CorrelationLimits,
}

/// An event offered to the correlations: the base rules it matched, by id.
pub struct Observation<'a> {
    /// The event's tenant.
    pub tenant: TenantId,
    /// Its event time (the sender's timestamp, else the arrival time).
    pub time: Timestamp,
    /// The event id (named in alerts).
    pub event_id: String,
    /// Its fields, for group-by and condition fields.
    pub fields: &'a serde_json::Map<String, Json>,
    /// Ids of the base rules it matched.
    pub matched: Vec<String>,
}

impl<'a> Observation<'a> {
    /// The observation of `event` matched by `matched`.
    pub fn of(event: &'a Event, time: Timestamp, matched: Vec<String>) -> Self {
        Self {
            tenant: event.tenant,
            time,
            event_id: event.id.to_string(),
            fields: &event.fields,
            matched,
        }
    }
}

fn text_of(value: &Json) -> Option<String> {
    match value {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        Json::Bool(b) => Some(b.to_string()),
        Json::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

impl CorrelationSet {
    /// Builds a set from parsed correlations. `names` maps every base rule `name` to its id;
    /// `known_ids` are the ids of loaded base rules. A correlation whose references cannot
    /// be resolved is rejected with the reason (the second value).
    pub fn new(
        rules: Vec<CorrelationRule>,
        names: &HashMap<String, String>,
        known_ids: &std::collections::HashSet<String>,
        limits: CorrelationLimits,
    ) -> (Self, Vec<(CorrelationRule, String)>) {
        let mut all_names: HashMap<String, String> = names.clone();
        for rule in &rules {
            if let Some(name) = &rule.name {
                all_names.insert(name.clone(), rule.id.clone());
            }
        }
        let correlation_ids: std::collections::HashSet<String> =
            rules.iter().map(|r| r.id.clone()).collect();
        let mut set = CorrelationSet {
            limits,
            ..CorrelationSet::default()
        };
        let mut rejected = Vec::new();
        for rule in rules {
            let mut resolved = Vec::new();
            let mut missing = Vec::new();
            for reference in &rule.rules {
                let id = all_names
                    .get(reference)
                    .cloned()
                    .unwrap_or_else(|| reference.clone());
                if known_ids.contains(&id) || correlation_ids.contains(&id) {
                    resolved.push(id);
                } else {
                    missing.push(reference.clone());
                }
            }
            if !missing.is_empty() {
                rejected.push((
                    rule,
                    format!(
                        "references no loaded rule: {} (by id or name)",
                        missing.join(", ")
                    ),
                ));
                continue;
            }
            if resolved.contains(&rule.id) {
                rejected.push((rule, "references itself".to_owned()));
                continue;
            }
            let index = set.rules.len();
            for (position, id) in resolved.iter().enumerate() {
                set.by_reference
                    .entry(id.clone())
                    .or_default()
                    .push((index, position));
            }
            if let Some(name) = &rule.name {
                set.names.insert(rule.id.clone(), name.clone());
            }
            set.resolved.push(resolved);
            set.rules.push(rule);
        }
        for (name, id) in names {
            set.names.insert(id.clone(), name.clone());
        }
        (set, rejected)
    }

    /// The loaded correlations.
    pub fn rules(&self) -> &[CorrelationRule] {
        &self.rules
    }

    /// Closes every window of every tenant (end of a backtest: no more events will come).
    pub fn finish(&self, state: &mut CorrelationState) -> Vec<CorrelationHit> {
        let tenants: Vec<TenantId> = state.tenants.keys().copied().collect();
        let mut hits = Vec::new();
        for tenant in tenants {
            // Far enough ahead that every window has ended, within the timestamp range.
            let end = Timestamp::MAX
                .checked_sub(SignedDuration::from_hours(24 * 365))
                .unwrap_or(Timestamp::MAX);
            hits.extend(self.advance(state, tenant, end));
        }
        hits
    }

    /// Forgets the windows of correlations this set does not have (after the rules were
    /// replaced while running): a removed correlation's groups would otherwise stay in
    /// memory and in every saved snapshot. Windows of correlations kept by id go on.
    pub fn forget_others(&self, state: &mut CorrelationState) {
        let ids: std::collections::HashSet<&str> =
            self.rules.iter().map(|r| r.id.as_str()).collect();
        for tenant in state.tenants.values_mut() {
            tenant.rules.retain(|id, _| ids.contains(id.as_str()));
        }
    }

    /// Number of loaded correlations.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether none is loaded.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether the alerts of base rule `id` are withheld: it is referenced by correlations
    /// and none of them says `generate: true`.
    pub fn suppresses(&self, id: &str) -> bool {
        match self.by_reference.get(id) {
            None => false,
            Some(users) => users.iter().all(|(index, _)| !self.rules[*index].generate),
        }
    }

    /// The field a group-by name reads for events of referenced rule `id`.
    fn group_field<'r>(&'r self, rule: &'r CorrelationRule, name: &'r str, id: &str) -> &'r str {
        if let Some(per_rule) = rule.aliases.get(name) {
            if let Some(field) = per_rule.get(id) {
                return field;
            }
            if let Some(field) = self.names.get(id).and_then(|n| per_rule.get(n)) {
                return field;
            }
        }
        name
    }

    /// Feeds one event. Returns every correlation that fired (including chained ones).
    pub fn observe(
        &self,
        state: &mut CorrelationState,
        obs: &Observation<'_>,
    ) -> Vec<CorrelationHit> {
        if self.rules.is_empty() || obs.matched.is_empty() {
            return self.advance(state, obs.tenant, obs.time);
        }
        let tenant = state.tenants.entry(obs.tenant).or_default();
        let lateness =
            SignedDuration::try_from(self.limits.allowed_lateness).unwrap_or(SignedDuration::MAX);
        if let Some(newest) = tenant.newest
            && obs.time.duration_since(newest) < -lateness
        {
            state.counters.late_events += 1;
            return Vec::new();
        }
        let mut hits = Vec::new();
        // Work queue: (referenced id, time, event id, fields) — chained hits are fed back.
        let mut queue: Vec<(String, Timestamp, String, serde_json::Map<String, Json>)> = obs
            .matched
            .iter()
            .map(|id| {
                (
                    id.clone(),
                    obs.time,
                    obs.event_id.clone(),
                    obs.fields.clone(),
                )
            })
            .collect();
        let mut depth = 0;
        while !queue.is_empty() && depth < 8 {
            depth += 1;
            let mut next = Vec::new();
            for (id, time, event_id, fields) in queue {
                for (new_hit, rule) in self.feed(state, obs.tenant, &id, time, &event_id, &fields) {
                    // A correlation that fired is an event for the correlations that chain it.
                    let mut chained = serde_json::Map::new();
                    for (name, value) in &new_hit.group {
                        chained.insert(name.clone(), Json::String(value.clone()));
                    }
                    next.push((rule, new_hit.window_end, new_hit.identity(), chained));
                    hits.push(new_hit);
                }
            }
            queue = next;
        }
        hits.extend(self.advance(state, obs.tenant, obs.time));
        hits
    }

    /// Feeds one (referenced id, event) to every correlation referencing the id.
    fn feed(
        &self,
        state: &mut CorrelationState,
        tenant_id: TenantId,
        id: &str,
        time: Timestamp,
        event_id: &str,
        fields: &serde_json::Map<String, Json>,
    ) -> Vec<(CorrelationHit, String)> {
        let Some(users) = self.by_reference.get(id) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for &(index, position) in users {
            let rule = &self.rules[index];
            let key: Option<Vec<String>> = rule
                .group_by
                .iter()
                .map(|name| {
                    let field = self.group_field(rule, name, id);
                    vigie_event::field::lookup(fields, field).and_then(text_of)
                })
                .collect();
            let Some(key) = key else {
                *state
                    .counters
                    .missing_group_field
                    .entry(rule.id.clone())
                    .or_default() += 1;
                continue;
            };
            let value = rule
                .condition
                .field
                .as_deref()
                .and_then(|f| vigie_event::field::lookup(fields, f))
                .and_then(text_of);
            let entry = Entry {
                time,
                rule: position,
                event: event_id.to_owned(),
                value,
            };
            let key_text = serde_json::to_string(&key).unwrap_or_default();
            let tenant = state.tenants.entry(tenant_id).or_default();
            let groups = tenant.rules.entry(rule.id.clone()).or_default();
            if !groups.contains_key(&key_text) && groups.len() >= self.limits.max_groups_per_rule {
                let oldest = groups
                    .iter()
                    .min_by_key(|(_, g)| g.last_seen)
                    .map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    groups.remove(&oldest);
                    *state
                        .counters
                        .groups_evicted
                        .entry(rule.id.clone())
                        .or_default() += 1;
                }
            }
            let tenant = state.tenants.entry(tenant_id).or_default();
            let groups = tenant.rules.entry(rule.id.clone()).or_default();
            let group = groups.entry(key_text).or_default();
            let engine = Engine {
                rule,
                limits: &self.limits,
            };
            for hit in engine.insert(tenant_id, &key, group, entry, &mut state.counters) {
                out.push((hit, rule.id.clone()));
            }
            if let Some(groups) = state
                .tenants
                .get_mut(&tenant_id)
                .and_then(|t| t.rules.get_mut(&rule.id))
            {
                groups.retain(|_, g| !g.entries.is_empty());
            }
        }
        out
    }

    /// Moves the tenant's event-time watermark to `time` (if later) and closes the windows
    /// it passes.
    pub fn advance(
        &self,
        state: &mut CorrelationState,
        tenant_id: TenantId,
        time: Timestamp,
    ) -> Vec<CorrelationHit> {
        let lateness =
            SignedDuration::try_from(self.limits.allowed_lateness).unwrap_or(SignedDuration::MAX);
        let tenant = state.tenants.entry(tenant_id).or_default();
        let newest = tenant.newest.map_or(time, |n| n.max(time));
        tenant.newest = Some(newest);
        let Ok(watermark) = newest.checked_sub(lateness) else {
            return Vec::new();
        };
        let mut hits = Vec::new();
        for rule in &self.rules {
            let Some(groups) = tenant.rules.get_mut(&rule.id) else {
                continue;
            };
            let engine = Engine {
                rule,
                limits: &self.limits,
            };
            for (key_text, group) in groups.iter_mut() {
                let key: Vec<String> = serde_json::from_str(key_text).unwrap_or_default();
                hits.extend(engine.close(tenant_id, &key, group, watermark));
            }
            groups.retain(|_, g| !g.entries.is_empty());
        }
        hits
    }
}

/// Loads every correlation document under `dir` (recursively, `.yml`/`.yaml`), resolving
/// references against the base rules of the same directory (by `id`, or by `name`).
/// Returns the set, its rejections, and how many correlation documents were found.
pub fn load_dir(
    dir: &Path,
    known_ids: &std::collections::HashSet<String>,
    limits: CorrelationLimits,
) -> (CorrelationSet, Vec<CorrelationRejection>, usize) {
    // The base loader reports an unreadable directory.
    let files = yaml_files(dir).unwrap_or_default();
    let texts: Vec<(PathBuf, String)> = files
        .into_iter()
        // The base loader reports unreadable files.
        .filter_map(|path| std::fs::read_to_string(&path).ok().map(|text| (path, text)))
        .collect();
    from_texts(&texts, known_ids, limits)
}

/// Like [`load_dir`], over YAML texts already read (e.g. a draft rule in a backtest).
pub fn from_texts(
    texts: &[(PathBuf, String)],
    known_ids: &std::collections::HashSet<String>,
    limits: CorrelationLimits,
) -> (CorrelationSet, Vec<CorrelationRejection>, usize) {
    let mut names = HashMap::new();
    let mut parsed = Vec::new();
    let mut rejected = Vec::new();
    let mut found = 0;
    let mut origin: BTreeMap<String, (PathBuf, usize)> = BTreeMap::new();
    for (path, text) in texts {
        for (index, document) in yaml_serde::Deserializer::from_str(text).enumerate() {
            let Ok(doc) = <Value as serde::Deserialize>::deserialize(document) else {
                break; // the iterator repeats an error forever: stop at the first one
            };
            let number = index + 1;
            let is_correlation = doc.get("correlation").is_some();
            if let (Some(Value::String(name)), Some(Value::String(id))) =
                (doc.get("name"), doc.get("id"))
                && !is_correlation
            {
                names.insert(name.clone(), id.clone());
            }
            if !is_correlation {
                continue;
            }
            found += 1;
            let fallback = format!("correlation-{}-{number}", path.display());
            match rule::parse(&doc, &fallback) {
                Ok(mut rule) => {
                    origin.insert(rule.id.clone(), (path.clone(), number));
                    rule.path = Some(path.clone());
                    parsed.push(rule);
                }
                Err(reason) => rejected.push(CorrelationRejection {
                    path: path.clone(),
                    document: number,
                    title: doc.get("title").and_then(Value::as_str).map(str::to_owned),
                    reason,
                }),
            }
        }
    }
    let (set, unresolved) = CorrelationSet::new(parsed, &names, known_ids, limits);
    for (rule, reason) in unresolved {
        let (path, document) = origin.get(&rule.id).cloned().unwrap_or_default();
        rejected.push(CorrelationRejection {
            path,
            document,
            title: Some(rule.title),
            reason,
        });
    }
    (set, rejected, found)
}

/// The rule files of `path`: the file itself, or every `.yml`/`.yaml` file below the
/// directory, recursively, in sorted order, without hidden entries and the folders of
/// installed packs that hold no rules (see [`crate::packs`]). An unreadable directory is an
/// error.
pub fn yaml_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    fn walk(root: &Path, path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        if !std::fs::metadata(path)?.is_dir() {
            out.push(path.to_owned());
            return Ok(());
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for entry in entries {
            let skipped = entry.file_name().is_none_or(crate::packs::is_hidden)
                || entry
                    .strip_prefix(root)
                    .is_ok_and(crate::packs::is_not_rules);
            if skipped {
                continue;
            }
            if std::fs::metadata(&entry)?.is_dir()
                || matches!(
                    entry.extension().and_then(|e| e.to_str()),
                    Some("yml" | "yaml")
                )
            {
                walk(root, &entry, out)?;
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(path, path, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests;
