//! Retro-hunt: a Sigma rule set or an IOC list run over stored events.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde::Serialize;
use serde_json::Value;
use vigie_access::TenantScope;
use vigie_detect::RuleSet;

use crate::jobs::JobControl;
use crate::model::{Order, ScanRequest, StoredEvent, TenantNames, TimeRange, tenant_name};
use crate::query::{Expr, tokens};
use crate::{EventStore, StoreError};

/// One match of a retro-hunt.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RetroMatch {
    /// The rule id, or the indicator that matched.
    pub what: String,
    /// The rule title, or the indicator kind.
    pub title: String,
    /// Whose event.
    pub tenant: String,
    /// The event id.
    pub event_id: String,
    /// Event time.
    pub time: String,
    /// The event's fields.
    pub event: Value,
}

/// What a retro-hunt found.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct RetroReport {
    /// Events read.
    pub events_examined: u64,
    /// Matches in all (one per rule or indicator and event).
    pub matches_total: u64,
    /// Matches per day of event time (`YYYY-MM-DD`, UTC).
    pub per_day: BTreeMap<String, u64>,
    /// Matches per tenant.
    pub per_tenant: BTreeMap<String, u64>,
    /// Matches per rule id or indicator.
    pub per_rule: BTreeMap<String, u64>,
    /// The matches, at most `max_matches` of them, in store order.
    pub matches: Vec<RetroMatch>,
    /// Whether matches were left out of `matches` (the counts are complete).
    pub truncated: bool,
}

impl RetroReport {
    fn record(
        &mut self,
        stored: &StoredEvent,
        names: &TenantNames,
        what: &str,
        title: &str,
        max: usize,
    ) {
        self.matches_total += 1;
        let day = stored
            .time
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .to_string();
        let tenant = tenant_name(names, stored.tenant);
        *self.per_day.entry(day).or_default() += 1;
        *self.per_tenant.entry(tenant.clone()).or_default() += 1;
        *self.per_rule.entry(what.to_owned()).or_default() += 1;
        if self.matches.len() < max {
            self.matches.push(RetroMatch {
                what: what.to_owned(),
                title: title.to_owned(),
                tenant,
                event_id: stored.event.id.to_string(),
                time: stored.time.to_string(),
                event: Value::Object(stored.event.fields.clone()),
            });
        } else {
            self.truncated = true;
        }
    }
}

/// Runs a scan on a blocking thread, handing every event to `each`.
async fn scan_blocking(
    store: &dyn EventStore,
    scope: &TenantScope,
    request: ScanRequest,
    control: Option<Arc<JobControl>>,
    mut each: impl FnMut(&StoredEvent) + Send + 'static,
) -> Result<(), StoreError> {
    let mut stream = store.scan(scope, request);
    tokio::task::spawn_blocking(move || {
        while let Some(batch) = stream.blocking_recv() {
            let batch = batch?;
            if let Some(control) = &control {
                if control.is_cancelled() {
                    return Err(StoreError::Cancelled);
                }
                control
                    .units_done
                    .store(batch.progress.units_done, Ordering::Relaxed);
                control
                    .units_total
                    .store(batch.progress.units_total, Ordering::Relaxed);
                control
                    .examined
                    .store(batch.progress.examined, Ordering::Relaxed);
            }
            batch.events.iter().for_each(&mut each);
        }
        Ok(())
    })
    .await
    .map_err(|e| StoreError::Worker(e.to_string()))?
}

/// Hands every stored event of `scope` in `range` to `each`, on a blocking thread (the
/// retro-hunt of a changed IOC set).
pub async fn each_event(
    store: &dyn EventStore,
    scope: &TenantScope,
    range: TimeRange,
    each: impl FnMut(&StoredEvent) + Send + 'static,
) -> Result<(), StoreError> {
    let request = ScanRequest {
        range,
        order: Order::Any,
        ..ScanRequest::default()
    };
    scan_blocking(store, scope, request, None, each).await
}

/// Runs `rules` (the same compiled engine as live detection) over every stored event of
/// `scope` in `range`.
pub async fn backtest(
    store: &dyn EventStore,
    scope: &TenantScope,
    rules: Arc<RuleSet>,
    range: TimeRange,
    names: TenantNames,
    max_matches: usize,
    control: Option<Arc<JobControl>>,
) -> Result<RetroReport, StoreError> {
    let report = Arc::new(std::sync::Mutex::new(RetroReport::default()));
    let sink = Arc::clone(&report);
    let request = ScanRequest {
        range,
        order: Order::Any,
        names: Arc::clone(&names),
        ..ScanRequest::default()
    };
    scan_blocking(store, scope, request, control, move |stored| {
        let Ok(mut report) = sink.lock() else { return };
        report.events_examined += 1;
        for rule in rules.evaluate(&stored.event) {
            report.record(stored, &names, &rule.meta.id, &rule.meta.title, max_matches);
        }
    })
    .await?;
    let report = report.lock().map(|r| r.clone()).unwrap_or_default();
    Ok(report)
}

/// Runs correlation rules over stored events as the live engine would: every stored event of
/// `scope` in `range` goes through `rules`, the ones matching a referenced rule are fed to
/// `correlations` in event-time order, per tenant, and every window still open at the end
/// is closed. Each firing is one match (`what` = the correlation id, `event_id` = the last
/// contributing event).
pub async fn backtest_correlations(
    store: &dyn EventStore,
    scope: &TenantScope,
    (rules, correlations): (Arc<RuleSet>, Arc<vigie_detect::correlation::CorrelationSet>),
    range: TimeRange,
    names: TenantNames,
    max_matches: usize,
    control: Option<Arc<JobControl>>,
) -> Result<RetroReport, StoreError> {
    type Matched = (jiff::Timestamp, String, vigie_event::Event, Vec<String>);
    let collected: Arc<std::sync::Mutex<(u64, Vec<Matched>)>> = Arc::default();
    let sink = Arc::clone(&collected);
    let request = ScanRequest {
        range,
        order: Order::Any,
        names: Arc::clone(&names),
        ..ScanRequest::default()
    };
    scan_blocking(store, scope, request, control, move |stored| {
        let Ok(mut sink) = sink.lock() else { return };
        sink.0 += 1;
        let matched: Vec<String> = rules
            .evaluate(&stored.event)
            .iter()
            .map(|r| r.meta.id.clone())
            .collect();
        if !matched.is_empty() {
            sink.1.push((
                stored.time,
                stored.event.id.to_string(),
                stored.event.clone(),
                matched,
            ));
        }
    })
    .await?;
    let (examined, mut events) = std::mem::take(
        &mut *collected
            .lock()
            .map_err(|e| StoreError::Worker(e.to_string()))?,
    );
    events.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let mut state = vigie_detect::correlation::CorrelationState::default();
    let mut hits = Vec::new();
    for (time, _, event, matched) in &events {
        let observation = vigie_detect::correlation::Observation::of(event, *time, matched.clone());
        hits.extend(correlations.observe(&mut state, &observation));
    }
    hits.extend(correlations.finish(&mut state));
    let mut report = RetroReport {
        events_examined: examined,
        ..RetroReport::default()
    };
    for hit in hits {
        report.matches_total += 1;
        let day = hit
            .window_end
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .to_string();
        let tenant = tenant_name(&names, hit.tenant);
        *report.per_day.entry(day).or_default() += 1;
        *report.per_tenant.entry(tenant.clone()).or_default() += 1;
        *report.per_rule.entry(hit.rule_id.clone()).or_default() += 1;
        if report.matches.len() < max_matches {
            report.matches.push(RetroMatch {
                what: hit.rule_id.clone(),
                title: hit.title.clone(),
                tenant,
                event_id: hit.events.last().cloned().unwrap_or_default(),
                time: hit.window_end.to_string(),
                event: serde_json::to_value(&hit).unwrap_or_default(),
            });
        } else {
            report.truncated = true;
        }
    }
    Ok(report)
}

/// A list of indicators of compromise.
#[derive(Clone, Debug, Default, serde::Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct IocList {
    /// IP addresses (`192.0.2.1`) and networks (`198.51.100.0/24`).
    #[serde(default)]
    pub ips: Vec<String>,
    /// Domain names; a subdomain matches too.
    #[serde(default)]
    pub domains: Vec<String>,
    /// File hashes (MD5, SHA-1, SHA-256, …), case-insensitive.
    #[serde(default)]
    pub hashes: Vec<String>,
    /// URLs.
    #[serde(default)]
    pub urls: Vec<String>,
}

impl IocList {
    /// Each indicator with its kind and the expression that finds it in any field.
    pub fn indicators(&self) -> Result<Vec<(String, &'static str, Expr)>, StoreError> {
        let mut out = Vec::new();
        for ip in &self.ips {
            let ip = ip.trim();
            if ip.contains('/') {
                let net: ipnet::IpNet = ip
                    .parse()
                    .map_err(|e| StoreError::Query(format!("ips: {ip:?} is not a network: {e}")))?;
                out.push((ip.to_owned(), "cidr", Expr::TextCidr(net)));
            } else {
                ip.parse::<std::net::IpAddr>().map_err(|e| {
                    StoreError::Query(format!("ips: {ip:?} is not an IP address: {e}"))
                })?;
                out.push((ip.to_owned(), "ip", words(ip, "ips")?));
            }
        }
        for (list, kind) in [
            (&self.domains, "domain"),
            (&self.hashes, "hash"),
            (&self.urls, "url"),
        ] {
            for value in list {
                let value = value.trim();
                out.push((value.to_owned(), kind, words(value, kind)?));
            }
        }
        if out.is_empty() {
            return Err(StoreError::Query("the IOC list is empty".into()));
        }
        Ok(out)
    }
}

fn words(value: &str, kind: &str) -> Result<Expr, StoreError> {
    let words = tokens(value);
    if words.is_empty() {
        return Err(StoreError::Query(format!(
            "{kind}: {value:?} has no letters or digits"
        )));
    }
    Ok(Expr::Text(words))
}

/// Runs an IOC list over every stored event of `scope` in `range`: an indicator matches
/// when its words appear in order in some value of the event (a network: when some value is
/// an IP address inside it).
pub async fn ioc_hunt(
    store: &dyn EventStore,
    scope: &TenantScope,
    iocs: &IocList,
    range: TimeRange,
    names: TenantNames,
    max_matches: usize,
    control: Option<Arc<JobControl>>,
) -> Result<RetroReport, StoreError> {
    let indicators = iocs.indicators()?;
    let filter = indicators
        .iter()
        .map(|(_, _, e)| e.clone())
        .reduce(|a, b| Expr::Or(Box::new(a), Box::new(b)));
    let report = Arc::new(std::sync::Mutex::new(RetroReport::default()));
    let sink = Arc::clone(&report);
    let request = ScanRequest {
        range,
        filter,
        order: Order::Any,
        names: Arc::clone(&names),
        ..ScanRequest::default()
    };
    scan_blocking(store, scope, request, control, move |stored| {
        let Ok(mut report) = sink.lock() else { return };
        report.events_examined += 1;
        let view = stored.view(&names);
        for (indicator, kind, expr) in &indicators {
            if expr.matches(&view) {
                report.record(stored, &names, indicator, kind, max_matches);
            }
        }
    })
    .await?;
    let report = report.lock().map(|r| r.clone()).unwrap_or_default();
    Ok(report)
}
