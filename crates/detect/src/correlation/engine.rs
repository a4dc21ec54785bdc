//! The streaming evaluator: per tenant, per correlation rule, per group, in event time.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use vigie_event::TenantId;

use super::rule::{CorrelationRule, CorrelationType};
use crate::Level;

/// Limits of the correlation state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrelationLimits {
    /// Events later than the newest event time minus this are not correlated (counted).
    pub allowed_lateness: Duration,
    /// Most groups kept per tenant and correlation rule; the least recently seen group is
    /// evicted beyond it (counted).
    pub max_groups_per_rule: usize,
    /// Most events kept per group; the oldest are dropped beyond it (counted).
    pub max_events_per_group: usize,
    /// Most contributing event ids named in an alert (the total is always given).
    pub max_listed_events: usize,
}

impl Default for CorrelationLimits {
    fn default() -> Self {
        Self {
            allowed_lateness: Duration::from_secs(60),
            max_groups_per_rule: 10_000,
            max_events_per_group: 10_000,
            max_listed_events: 50,
        }
    }
}

/// One event's contribution to a group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub(crate) time: Timestamp,
    /// Index of the referenced rule in the correlation's `rules`.
    pub(crate) rule: usize,
    pub(crate) event: String,
    /// The condition field's value, when the correlation has one.
    pub(crate) value: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Group {
    pub(crate) entries: Vec<Entry>,
    pub(crate) last_seen: Option<Timestamp>,
}

/// Counters of everything the engine did not correlate, so nothing is dropped silently.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrelationCounters {
    /// Events later than the allowed lateness.
    pub late_events: u64,
    /// Events that lacked a group-by field (per correlation rule id).
    pub missing_group_field: BTreeMap<String, u64>,
    /// Groups evicted at the cap (per correlation rule id).
    pub groups_evicted: BTreeMap<String, u64>,
    /// Events dropped from a full group (per correlation rule id).
    pub events_dropped: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct TenantState {
    pub(crate) newest: Option<Timestamp>,
    /// correlation rule id → group key (the group-by values as a JSON array) → group.
    pub(crate) rules: BTreeMap<String, BTreeMap<String, Group>>,
}

/// Everything the engine remembers; serialisable so it can be saved with the pipeline's log
/// position and restored after a restart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CorrelationState {
    pub(crate) tenants: BTreeMap<TenantId, TenantState>,
    /// What was not correlated, and why.
    pub counters: CorrelationCounters,
}

impl CorrelationState {
    /// Groups held in memory, over all tenants and rules.
    pub fn groups(&self) -> usize {
        self.tenants
            .values()
            .flat_map(|t| t.rules.values())
            .map(BTreeMap::len)
            .sum()
    }
}

/// A correlation that fired.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CorrelationHit {
    /// Correlation rule id.
    pub rule_id: String,
    /// Its title.
    pub title: String,
    /// Its level.
    pub level: Level,
    /// Tenant whose events completed it.
    pub tenant: TenantId,
    /// Group-by names and their values.
    pub group: Vec<(String, String)>,
    /// Time of the first contributing event.
    pub window_start: Timestamp,
    /// Time of the last contributing event.
    pub window_end: Timestamp,
    /// Contributing event ids, at most `max_listed_events`.
    pub events: Vec<String>,
    /// How many events contributed.
    pub total_events: usize,
    /// The measured value (count, distinct values, sum, average or percentage).
    pub measure: f64,
    /// For value_percentile: the rare value.
    pub value: Option<String>,
}

impl CorrelationHit {
    /// Ids of the first and last contributing events: with the rule id, tenant and group they
    /// identify the hit, so a replay produces the same identity.
    pub fn identity(&self) -> String {
        let first = self.events.first().cloned().unwrap_or_default();
        let last = self.events.last().cloned().unwrap_or_default();
        let group: Vec<String> = self.group.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!(
            "{}\u{0}{}\u{0}{}\u{0}{first}\u{0}{last}\u{0}{}",
            self.rule_id,
            self.tenant,
            group.join("\u{1}"),
            self.value.as_deref().unwrap_or("")
        )
    }
}

fn span(rule: &CorrelationRule) -> SignedDuration {
    SignedDuration::try_from(rule.timespan).unwrap_or(SignedDuration::MAX)
}

/// The measure of `entries` (all inside one window) for `rule`.
fn measure(rule: &CorrelationRule, entries: &[&Entry]) -> f64 {
    match rule.kind {
        CorrelationType::EventCount => entries.len() as f64,
        CorrelationType::ValueCount => entries
            .iter()
            .filter_map(|e| e.value.as_deref())
            .collect::<BTreeSet<_>>()
            .len() as f64,
        CorrelationType::Temporal => entries
            .iter()
            .map(|e| e.rule)
            .collect::<BTreeSet<_>>()
            .len() as f64,
        CorrelationType::TemporalOrdered => {
            // Entries are in time order: the longest prefix of `rules` found in order.
            let mut next = 0;
            for entry in entries {
                if next < rule.rules.len() && entry.rule == next {
                    next += 1;
                }
            }
            next as f64
        }
        CorrelationType::ValueSum | CorrelationType::ValueAvg => {
            let values: Vec<f64> = entries
                .iter()
                .filter_map(|e| e.value.as_deref()?.parse::<f64>().ok())
                .collect();
            let sum: f64 = values.iter().sum();
            if rule.kind == CorrelationType::ValueSum {
                sum
            } else if values.is_empty() {
                f64::NAN
            } else {
                sum / values.len() as f64
            }
        }
        CorrelationType::ValuePercentile => f64::NAN,
    }
}

pub(crate) struct Engine<'a> {
    pub(crate) rule: &'a CorrelationRule,
    pub(crate) limits: &'a CorrelationLimits,
}

impl Engine<'_> {
    fn hit(
        &self,
        tenant: TenantId,
        key: &[String],
        entries: &[&Entry],
        measure: f64,
        value: Option<String>,
    ) -> CorrelationHit {
        let mut events: Vec<String> = entries.iter().map(|e| e.event.clone()).collect();
        let total_events = events.len();
        if events.len() > self.limits.max_listed_events {
            // Keep the first and the most recent ones.
            let keep = self.limits.max_listed_events.max(2);
            let tail = events.split_off(events.len() - keep / 2);
            events.truncate(keep - tail.len());
            events.extend(tail);
        }
        CorrelationHit {
            rule_id: self.rule.id.clone(),
            title: self.rule.title.clone(),
            level: self.rule.level,
            tenant,
            group: self
                .rule
                .group_by
                .iter()
                .cloned()
                .zip(key.iter().cloned())
                .collect(),
            window_start: entries.first().map_or(Timestamp::UNIX_EPOCH, |e| e.time),
            window_end: entries.last().map_or(Timestamp::UNIX_EPOCH, |e| e.time),
            events,
            total_events,
            measure,
            value,
        }
    }

    /// Adds an entry to a group and fires what it completes (rules that may fire early).
    pub(crate) fn insert(
        &self,
        tenant: TenantId,
        key: &[String],
        group: &mut Group,
        entry: Entry,
        counters: &mut CorrelationCounters,
    ) -> Vec<CorrelationHit> {
        let at = entry.time;
        let position = group.entries.partition_point(|e| e.time <= at);
        group.entries.insert(position, entry);
        group.last_seen = Some(group.last_seen.map_or(at, |seen| seen.max(at)));
        if group.entries.len() > self.limits.max_events_per_group {
            let extra = group.entries.len() - self.limits.max_events_per_group;
            group.entries.drain(..extra);
            *counters
                .events_dropped
                .entry(self.rule.id.clone())
                .or_default() += extra as u64;
        }
        if !self.rule.condition.fires_early(self.rule.kind) {
            return Vec::new();
        }
        let span = span(self.rule);
        // Windows ending at the new entry or at any later one (an out-of-order arrival can
        // complete a window that ends later).
        let start = group.entries.partition_point(|e| e.time < at);
        for end in start..group.entries.len() {
            let end_time = group.entries[end].time;
            let first = group
                .entries
                .partition_point(|e| e.time.duration_since(end_time) < -span);
            let window: Vec<&Entry> = group.entries[first..=end].iter().collect();
            let value = measure(self.rule, &window);
            if self.rule.condition.holds(value) {
                let hit = self.hit(tenant, key, &window, value, None);
                // A window fires once: its events are consumed.
                group.entries.drain(..=end);
                return vec![hit];
            }
        }
        Vec::new()
    }

    /// Closes the windows that end before `watermark` (rules decided at window end), and
    /// forgets entries that can no longer be part of any window.
    pub(crate) fn close(
        &self,
        tenant: TenantId,
        key: &[String],
        group: &mut Group,
        watermark: Timestamp,
    ) -> Vec<CorrelationHit> {
        let span = span(self.rule);
        let mut hits = Vec::new();
        if self.rule.condition.fires_early(self.rule.kind) {
            // Nothing at or after the watermark can reach back further than one span.
            let keep_from = group
                .entries
                .partition_point(|e| watermark.duration_since(e.time) > span);
            group.entries.drain(..keep_from);
            return hits;
        }
        // Tumbling windows from the first remaining entry.
        while let Some(first) = group.entries.first() {
            let start = first.time;
            let Ok(end) = start.checked_add(span) else {
                break;
            };
            if end > watermark {
                break;
            }
            let count = group.entries.partition_point(|e| e.time <= end);
            let window: Vec<&Entry> = group.entries[..count].iter().collect();
            if self.rule.kind == CorrelationType::ValuePercentile {
                let total = window.len() as f64;
                let mut per_value: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
                for entry in &window {
                    if let Some(v) = entry.value.as_deref() {
                        per_value.entry(v).or_default().push(entry);
                    }
                }
                for (value, entries) in per_value {
                    let pct = entries.len() as f64 * 100.0 / total;
                    if self.rule.condition.holds(pct) {
                        hits.push(self.hit(tenant, key, &entries, pct, Some(value.to_owned())));
                    }
                }
            } else {
                let value = measure(self.rule, &window);
                if self.rule.condition.holds(value) {
                    hits.push(self.hit(tenant, key, &window, value, None));
                }
            }
            group.entries.drain(..count);
        }
        hits
    }
}
