//! The figures of a tenant's monthly report ([`vigie_report::ReportData`]), read from the
//! state store and the event store through the caller's scope, and the settings that say
//! who sends it, in which language and time zone.
//!
//! One gatherer for every way a report is made (`GET /api/v1/reports/monthly`, the portal,
//! `vigie report monthly`, the monthly schedule), so the figures are the same wherever they
//! are read. Each figure is the one the API gives for the same period:
//!
//! - alerts: those `GET /api/v1/alerts?tenant=&since=&until=` lists (created in the month),
//!   one per row (folded repeats count once, as the list shows them); per ISO week and
//!   severity, the rules (titles), ATT&CK tactics (`vigie.attack` of the alert's event),
//!   hosts and users (the fields the dedup key reads) most seen;
//! - incidents: those opened in the month (`GET /api/v1/incidents?tenant=`), merged ones
//!   left out as the SLA figures leave them out;
//! - SLA: `GET /api/v1/sla/summary?since=&until=` over the same incidents (means on the SLA
//!   clock, weighted by each row's incidents), the contract's targets;
//! - NIS2: the cases of those incidents, with their clocks at generation time;
//! - ingest: the events stored for the tenant with an event time in the month, per day and
//!   source type (a scan of the event store; `unknown` for events without a source type).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use vigie_access::TenantScope;
use vigie_event::TenantSlug;
use vigie_report as report;
use vigie_soc::desk::{IncidentFilter, IncidentSort};
use vigie_soc::{AlertFilter, Page, SocError, StateStore};
use vigie_store::{EventStore, TimeRange};

/// Who sends the reports and how (`[reports]` of the configuration).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportSettings {
    /// The SOC provider's name on every report.
    pub provider: String,
    /// IANA time zone the months are cut in.
    pub time_zone: String,
    /// Language of a tenant without one below: `fr`, `nl`, `de` or `en`.
    pub language: report::Language,
    /// Language per tenant slug.
    pub languages: BTreeMap<String, report::Language>,
    /// TLP label of the reports.
    pub tlp: report::Tlp,
    /// Entries in each top list.
    pub top: usize,
}

impl Default for ReportSettings {
    fn default() -> Self {
        Self {
            provider: "SOC".to_owned(),
            time_zone: "Europe/Brussels".to_owned(),
            language: report::Language::En,
            languages: BTreeMap::new(),
            tlp: report::Tlp::Amber,
            top: 10,
        }
    }
}

/// Alerts a report reads at most (the rest are left out of its figures, and logged).
const MAX_ALERTS: usize = 500_000;

/// Why a report's figures could not be gathered.
#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    /// The month is not `YYYY-MM`.
    #[error("invalid month {0:?}: expected YYYY-MM, e.g. 2026-11")]
    Month(String),
    /// The time zone of the settings is unknown.
    #[error("unknown time zone {0:?} in [reports] time_zone")]
    TimeZone(String),
    /// No such tenant in the caller's scope.
    #[error("no tenant {0:?} in your scope")]
    Tenant(String),
    /// The state store failed.
    #[error(transparent)]
    State(#[from] SocError),
    /// The event store failed.
    #[error("event store: {0}")]
    Events(#[from] vigie_store::StoreError),
    /// The report archive could not be read.
    #[error("report archive: {0}")]
    Archive(String),
}

/// A month: its first and last day and its bounds in `tz`.
#[derive(Clone, Debug)]
pub struct Month {
    /// First day.
    pub first: Date,
    /// Last day.
    pub last: Date,
    /// Its start.
    pub start: Timestamp,
    /// The start of the next month.
    pub end: Timestamp,
}

impl Month {
    /// The month `text` (`YYYY-MM`) in `tz`.
    pub fn parse(text: &str, tz: &TimeZone) -> Result<Self, GatherError> {
        let bad = || GatherError::Month(text.chars().take(32).collect());
        let (year, month) = text.trim().split_once('-').ok_or_else(bad)?;
        let (year, month) = (
            year.parse::<i16>().map_err(|_| bad())?,
            month.parse::<i8>().map_err(|_| bad())?,
        );
        let first = Date::new(year, month, 1).map_err(|_| bad())?;
        Self::of(first, tz).ok_or_else(bad)
    }

    /// The month of `first` (its first day) in `tz`.
    pub fn of(first: Date, tz: &TimeZone) -> Option<Self> {
        let first = first.first_of_month();
        let last = first.last_of_month();
        let next = last.tomorrow().ok()?;
        Some(Self {
            first,
            last,
            start: first.to_zoned(tz.clone()).ok()?.timestamp(),
            end: next.to_zoned(tz.clone()).ok()?.timestamp(),
        })
    }

    /// The month before the one `now` is in, in `tz`.
    pub fn previous(now: Timestamp, tz: &TimeZone) -> Option<Self> {
        let today = now.to_zoned(tz.clone()).date();
        let first = today.first_of_month().yesterday().ok()?.first_of_month();
        Self::of(first, tz)
    }

    /// `YYYY-MM`.
    pub fn name(&self) -> String {
        format!("{:04}-{:02}", self.first.year(), self.first.month())
    }
}

/// Converts between the desk's and the report's names of the same values (both serde
/// forms are the same strings: `critical`, `in_progress`, `TLP:AMBER`).
fn same<T: Serialize, U: for<'de> Deserialize<'de>>(value: &T) -> Option<U> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
}

/// Counts of names, most first, then by name; at most `top`.
fn top(counts: HashMap<String, u64>, top: usize) -> Vec<report::NamedCount> {
    let mut list: Vec<report::NamedCount> = counts
        .into_iter()
        .map(|(name, count)| report::NamedCount { name, count })
        .collect();
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    list.truncate(top);
    list
}

/// The first non-empty string among `fields` of `event`.
fn first_of(event: &serde_json::Value, fields: &[&str]) -> Option<String> {
    fields
        .iter()
        .find_map(|path| match vigie_soc::desk::lookup(event, path)? {
            serde_json::Value::String(s) if !s.trim().is_empty() && s.trim() != "-" => {
                Some(s.trim().to_owned())
            }
            _ => None,
        })
}

/// Per-week counts of `(time, severity)` items, one entry per ISO week of the period.
fn weekly(
    period: &report::Period,
    tz: &TimeZone,
    items: impl Iterator<Item = (Timestamp, Option<report::Severity>)>,
) -> Vec<report::WeekCounts> {
    let mut weeks: BTreeMap<report::IsoWeek, report::SeverityCounts> = period
        .iso_weeks()
        .into_iter()
        .map(|w| (w, report::SeverityCounts::default()))
        .collect();
    for (at, severity) in items {
        let week = report::IsoWeek::of(at.to_zoned(tz.clone()).date());
        let Some(counts) = weeks.get_mut(&week) else {
            continue;
        };
        match severity {
            Some(report::Severity::Critical) => counts.critical += 1,
            Some(report::Severity::High) => counts.high += 1,
            Some(report::Severity::Medium) => counts.medium += 1,
            Some(report::Severity::Low) => counts.low += 1,
            Some(report::Severity::Informational) | None => counts.informational += 1,
        }
    }
    weeks
        .into_iter()
        .map(|(week, counts)| report::WeekCounts { week, counts })
        .collect()
}

/// Which report: a tenant, a month, a language.
#[derive(Clone, Debug)]
pub struct ReportRequest<'a> {
    /// The tenant's slug.
    pub tenant: &'a str,
    /// `YYYY-MM`.
    pub month: &'a str,
    /// The language, else the tenant's (`[reports] languages`), else the default.
    pub language: Option<report::Language>,
}

/// Gathers the report `request` names, through `scope` (a tenant outside it is
/// [`GatherError::Tenant`]). `events`: the event store, when this process has it (else the
/// ingest figures are empty).
pub async fn gather(
    store: &dyn StateStore,
    events: Option<&Arc<dyn EventStore>>,
    scope: &TenantScope,
    settings: &ReportSettings,
    request: &ReportRequest<'_>,
    now: Timestamp,
) -> Result<report::ReportData, GatherError> {
    let (slug, month, language) = (request.tenant, request.month, request.language);
    let tz = TimeZone::get(&settings.time_zone)
        .map_err(|_| GatherError::TimeZone(settings.time_zone.clone()))?;
    let month = Month::parse(month, &tz)?;
    let wanted = TenantSlug::new(slug).map_err(|_| GatherError::Tenant(slug.to_owned()))?;
    let tenant = store
        .list_tenants(scope)
        .await?
        .into_iter()
        .find(|t| t.slug == wanted)
        .ok_or_else(|| GatherError::Tenant(slug.to_owned()))?;
    let scope = scope
        .narrow(tenant.id)
        .ok_or_else(|| GatherError::Tenant(slug.to_owned()))?;
    let period = report::Period {
        first_day: month.first,
        last_day: month.last,
        time_zone: settings.time_zone.clone(),
    };

    // Alerts created in the month.
    let filter = AlertFilter {
        tenant: Some(tenant.id),
        since: Some(month.start),
        until: Some(month.end),
        ..AlertFilter::default()
    };
    let mut alerts = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_alerts(
                &scope,
                &filter,
                &Page {
                    limit: Page::MAX_LIMIT,
                    cursor: cursor.take(),
                },
            )
            .await?;
        alerts.extend(page.alerts);
        match page.next_cursor {
            Some(next) if alerts.len() < MAX_ALERTS => cursor = Some(next),
            Some(_) => {
                tracing::warn!(tenant = %tenant.slug, month = %month.name(), limit = MAX_ALERTS,
                    "monthly report: more alerts than it reads; its alert figures are a lower bound");
                break;
            }
            None => break,
        }
    }
    let mut rules = HashMap::new();
    let mut tactics = HashMap::new();
    let mut hosts = HashMap::new();
    let mut users = HashMap::new();
    for alert in &alerts {
        *rules.entry(alert.rule_title.clone()).or_default() += 1;
        if let Some(list) = alert.event[vigie_soc::alert::ATTACK_FIELD]["tactics"].as_array() {
            for tactic in list.iter().filter_map(|t| t.as_str()) {
                *tactics.entry(tactic.to_owned()).or_default() += 1;
            }
        }
        if let Some(host) = first_of(&alert.event, vigie_soc::alert::GROUP_HOST_FIELDS) {
            *hosts.entry(host).or_default() += 1;
        }
        if let Some(user) = first_of(&alert.event, vigie_soc::alert::GROUP_USER_FIELDS) {
            *users.entry(user).or_default() += 1;
        }
    }
    let alerts_per_week = weekly(
        &period,
        &tz,
        alerts.iter().map(|a| (a.created_at, same(&a.severity))),
    );

    // Incidents opened in the month, newest first until one is older.
    let mut incidents = Vec::new();
    let mut cursor = None;
    'pages: loop {
        let page = store
            .list_incidents(
                &scope,
                &IncidentFilter {
                    tenant: Some(tenant.id),
                    ..IncidentFilter::default()
                },
                IncidentSort::Newest,
                &Page {
                    limit: 200,
                    cursor: cursor.take(),
                },
            )
            .await?;
        for incident in page.incidents {
            if incident.created_at < month.start {
                break 'pages;
            }
            if incident.created_at < month.end && incident.merged_into.is_none() {
                incidents.push(incident);
            }
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    incidents.sort_by_key(|i| (i.created_at, i.id.0));
    let incidents_per_week = weekly(
        &period,
        &tz,
        incidents.iter().map(|i| (i.created_at, same(&i.severity))),
    );

    // SLA over the same incidents.
    let rows = store
        .sla_summary(&scope, month.start, Some(month.end))
        .await?;
    let contract = store.sla_contract(&scope, tenant.id).await?;
    let sla = sla_figures(&rows, contract.as_ref());

    // NIS2 cases of those incidents.
    let mut nis2_cases = Vec::new();
    for incident in &incidents {
        if let Some(case) = store.nis2_case(&scope, incident.id).await? {
            nis2_cases.push(nis2_case(&case, now));
        }
    }

    let (ingest, ingest_gaps) = match events {
        Some(events) => ingest(events, &scope, &month, &period, &tz, now).await?,
        None => (Vec::new(), Vec::new()),
    };

    Ok(report::ReportData {
        provider: settings.provider.clone(),
        client: report::Client {
            name: tenant.name.clone(),
            slug: tenant.slug.to_string(),
        },
        language: language
            .or_else(|| settings.languages.get(tenant.slug.as_str()).copied())
            .unwrap_or(settings.language),
        period,
        tlp: settings.tlp,
        generated_at: now,
        alerts_per_week,
        incidents_per_week,
        top_rules: top(rules, settings.top),
        top_tactics: top(tactics, settings.top),
        top_hosts: top(hosts, settings.top),
        top_users: top(users, settings.top),
        sla,
        nis2_cases,
        ingest,
        ingest_gaps,
        incidents: incidents
            .iter()
            .map(|i| report::IncidentRow {
                number: i.id.0.unsigned_abs(),
                title: i.title.clone(),
                severity: same(&i.severity).unwrap_or(report::Severity::Medium),
                status: same(&i.status).unwrap_or(report::IncidentStatus::New),
                rsit_class: i.rsit_class.clone().unwrap_or_default(),
                tlp: same(&i.tlp).unwrap_or(report::Tlp::Amber),
                opened: i.created_at,
                closed: i.closed_at,
            })
            .collect(),
    })
}

/// The month's SLA figures from the summary rows (one per severity and RSIT class): means
/// weighted by each row's incidents.
fn sla_figures(
    rows: &[vigie_soc::desk::SlaSummaryRow],
    contract: Option<&vigie_soc::sla::SlaContract>,
) -> report::SlaFigures {
    #[derive(Default)]
    struct Sums {
        incidents: u64,
        mtta: (f64, u64),
        mttr: (f64, u64),
        ack_breaches: u64,
        resolve_breaches: u64,
    }
    let mut per: BTreeMap<report::Severity, Sums> = BTreeMap::new();
    let mut all = Sums::default();
    for row in rows {
        let Some(severity) = same::<_, report::Severity>(&row.severity) else {
            continue;
        };
        let n = row.incidents.unsigned_abs();
        for sums in [per.entry(severity).or_default(), &mut all] {
            sums.incidents += n;
            if let Some(m) = row.mtta_seconds {
                sums.mtta.0 += m * n as f64;
                sums.mtta.1 += n;
            }
            if let Some(m) = row.mttr_seconds {
                sums.mttr.0 += m * n as f64;
                sums.mttr.1 += n;
            }
            sums.ack_breaches += row.acknowledge_breaches.unsigned_abs();
            sums.resolve_breaches += row.resolve_breaches.unsigned_abs();
        }
    }
    let mean = |(sum, n): (f64, u64)| (n > 0).then(|| (sum / n as f64).round() as u64);
    let target = |severity: report::Severity| {
        let desk: vigie_event::Severity = same(&severity)?;
        contract.and_then(|c| c.targets.get(&desk)).copied()
    };
    report::SlaFigures {
        mtta_seconds: mean(all.mtta),
        mttr_seconds: mean(all.mttr),
        breaches: all.ack_breaches + all.resolve_breaches,
        per_severity: report::Severity::ALL
            .into_iter()
            .filter_map(|severity| {
                let sums = per.remove(&severity);
                let goal = target(severity);
                if sums.is_none() && goal.is_none() {
                    return None;
                }
                let sums = sums.unwrap_or_default();
                Some(report::SeveritySla {
                    severity,
                    incidents: sums.incidents,
                    mtta_seconds: mean(sums.mtta),
                    mttr_seconds: mean(sums.mttr),
                    acknowledge_target_seconds: goal.map(|g| u64::from(g.acknowledge_minutes) * 60),
                    resolve_target_seconds: goal.map(|g| u64::from(g.resolve_minutes) * 60),
                    acknowledge_breaches: sums.ack_breaches,
                    resolve_breaches: sums.resolve_breaches,
                })
            })
            .collect(),
    }
}

/// A NIS2 case as the report shows it, its clocks at `now`.
fn nis2_case(case: &vigie_soc::nis2::Nis2Case, now: Timestamp) -> report::Nis2Case {
    use vigie_nis2::deadline::DueStatus;
    use vigie_nis2::model::Stage;
    let dues = case.dues(now);
    let deadline = |stage: Stage| {
        let due = dues.iter().find(|d| d.stage == stage)?;
        let status = match due.status {
            DueStatus::Open => report::DeadlineStatus::Open,
            DueStatus::Met => report::DeadlineStatus::Met,
            DueStatus::Overdue | DueStatus::MetLate => report::DeadlineStatus::Late,
            DueStatus::Withdrawn | DueStatus::AskAuthority => return None,
        };
        Some(report::Deadline {
            due: due.due_at?,
            status,
            submitted_at: due.submitted_at,
        })
    };
    report::Nis2Case {
        id: format!("#{}", case.incident_id),
        title: case.title.clone(),
        significant: case.data.confirmed == Some(vigie_nis2::significance::Verdict::Significant),
        stage: same(&case.state()).unwrap_or(report::Nis2Stage::Closed),
        early_warning: deadline(Stage::EarlyWarning),
        notification: deadline(Stage::IncidentNotification),
        final_report: deadline(Stage::FinalReport),
    }
}

/// Events per day and source type in the month, and the gaps: a source type that sent on
/// at least half of the month's days so far, silent on some of them (each run of silent
/// days is one gap; days after today are not counted).
async fn ingest(
    events: &Arc<dyn EventStore>,
    scope: &TenantScope,
    month: &Month,
    period: &report::Period,
    tz: &TimeZone,
    now: Timestamp,
) -> Result<(Vec<report::SourceIngest>, Vec<report::IngestGap>), GatherError> {
    type Counts = BTreeMap<String, BTreeMap<Date, u64>>;
    let counts: Arc<Mutex<Counts>> = Arc::default();
    let sink = Arc::clone(&counts);
    let zone = tz.clone();
    vigie_store::retro::each_event(
        events.as_ref(),
        scope,
        TimeRange {
            from: Some(month.start),
            to: Some(month.end),
        },
        move |stored| {
            let day = stored.time.to_zoned(zone.clone()).date();
            let source = stored
                .event
                .source_type
                .clone()
                .unwrap_or_else(|| "unknown".to_owned());
            if let Ok(mut counts) = sink.lock() {
                *counts.entry(source).or_default().entry(day).or_default() += 1;
            }
        },
    )
    .await?;
    let counts = std::mem::take(
        &mut *counts
            .lock()
            .map_err(|_| GatherError::Month("ingest counts poisoned".into()))?,
    );
    let today = now.to_zoned(tz.clone()).date();
    let days: Vec<Date> = period.days().filter(|d| *d <= today).collect();
    let mut ingest = Vec::new();
    let mut gaps = Vec::new();
    for (source_type, per_day) in counts {
        let active = days.iter().filter(|d| per_day.contains_key(d)).count();
        if !days.is_empty() && active * 2 >= days.len() {
            let mut run: Option<(Date, Date)> = None;
            for day in &days {
                if per_day.contains_key(day) {
                    if let Some((from, to)) = run.take() {
                        gaps.push(report::IngestGap {
                            source_type: source_type.clone(),
                            from,
                            to,
                        });
                    }
                } else {
                    run = Some(run.map_or((*day, *day), |(from, _)| (from, *day)));
                }
            }
            if let Some((from, to)) = run {
                gaps.push(report::IngestGap {
                    source_type: source_type.clone(),
                    from,
                    to,
                });
            }
        }
        ingest.push(report::SourceIngest {
            source_type,
            days: per_day
                .into_iter()
                .map(|(day, events)| report::DayCount { day, events })
                .collect(),
        });
    }
    Ok((ingest, gaps))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schedule makes last month's report of each tenant that existed then, once, in
    /// its language; the archive lists and serves a tenant's reports only in its scope.
    #[tokio::test]
    async fn the_schedule_makes_each_missing_report_once_and_the_archive_keeps_the_wall() {
        use vigie_access::Access;
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn StateStore> = Arc::new(
            vigie_soc::SqliteStore::open(&dir.path().join("state.db"))
                .await
                .unwrap(),
        );
        let a = store
            .create_tenant(&TenantSlug::new("ville-a").unwrap(), "Ville A")
            .await
            .unwrap();
        let b = store
            .create_tenant(&TenantSlug::new("cpas-b").unwrap(), "CPAS B")
            .await
            .unwrap();
        let operator = Access::new(store.clone()).operator_scope();
        let archive = ReportArchive::new(dir.path().join("reports"));
        let settings = ReportSettings {
            languages: BTreeMap::from([("cpas-b".to_owned(), report::Language::Nl)]),
            ..ReportSettings::default()
        };
        // This month: the tenants did not exist last month, nothing to make.
        let now = Timestamp::now();
        let made = make_monthly(store.as_ref(), None, &operator, &settings, &archive, now)
            .await
            .unwrap();
        assert_eq!(made, 0);
        // Forty days on: last month is the one they were made in.
        let later = now + jiff::SignedDuration::from_hours(24 * 40);
        let made = make_monthly(store.as_ref(), None, &operator, &settings, &archive, later)
            .await
            .unwrap();
        assert_eq!(made, 2);
        let made = make_monthly(store.as_ref(), None, &operator, &settings, &archive, later)
            .await
            .unwrap();
        assert_eq!(made, 0, "a report is made once");
        let tz = TimeZone::get("Europe/Brussels").unwrap();
        let month = Month::previous(later, &tz).unwrap().name();
        let only_b = operator.narrow(b.id).unwrap();
        let listed = archive.list(store.as_ref(), &only_b).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (listed[0].tenant.as_str(), listed[0].month.as_str()),
            ("cpas-b", month.as_str())
        );
        let pdf = archive
            .get(store.as_ref(), &only_b, "cpas-b", &month)
            .await
            .unwrap()
            .unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(
            archive
                .get(store.as_ref(), &only_b, "ville-a", &month)
                .await
                .unwrap(),
            None,
            "another tenant's report is not found"
        );
        assert!(
            archive
                .get(store.as_ref(), &only_b, "cpas-b", "../x")
                .await
                .is_err()
        );
        assert_eq!(
            archive.list(store.as_ref(), &operator).await.unwrap().len(),
            2
        );
        let _ = a;
    }

    #[test]
    fn months_are_cut_in_the_time_zone() {
        let tz = TimeZone::get("Europe/Brussels").unwrap();
        let m = Month::parse("2026-11", &tz).unwrap();
        assert_eq!(m.start.to_string(), "2026-10-31T23:00:00Z");
        assert_eq!(m.end.to_string(), "2026-11-30T23:00:00Z");
        assert_eq!(m.last.day(), 30);
        for bad in ["2026", "2026-13", "x-11", "2026-00", ""] {
            assert!(Month::parse(bad, &tz).is_err(), "{bad}");
        }
        let previous = Month::previous("2027-01-01T08:00:00Z".parse().unwrap(), &tz).unwrap();
        assert_eq!(previous.name(), "2026-12");
    }
}

/// The reports made by the monthly schedule, kept as files: `<dir>/<tenant slug>/<YYYY-MM>.pdf`
/// (written whole, then renamed into place). Read only through a caller's scope.
#[derive(Clone, Debug)]
pub struct ReportArchive {
    dir: std::path::PathBuf,
}

/// A report in the archive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredReport {
    /// The tenant's slug.
    pub tenant: String,
    /// `YYYY-MM`.
    pub month: String,
    /// Size of the PDF.
    pub bytes: u64,
    /// When it was made.
    pub created_at: Option<Timestamp>,
}

impl ReportArchive {
    /// The archive in `dir` (created when the first report is written).
    pub fn new(dir: impl Into<std::path::PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn path(&self, slug: &TenantSlug, month: &Month) -> std::path::PathBuf {
        self.dir
            .join(slug.as_str())
            .join(format!("{}.pdf", month.name()))
    }

    /// Whether the report of `slug` for `month` is there.
    pub fn has(&self, slug: &TenantSlug, month: &Month) -> bool {
        std::fs::metadata(self.path(slug, month)).is_ok()
    }

    /// Keeps `pdf` as the report of `slug` for `month`, atomically.
    pub fn put(&self, slug: &TenantSlug, month: &Month, pdf: &[u8]) -> std::io::Result<()> {
        let path = self.path(slug, month);
        let dir = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        std::io::Write::write_all(&mut tmp, pdf)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }

    /// The reports of the tenants of `scope`, newest month first.
    pub async fn list(
        &self,
        store: &dyn StateStore,
        scope: &TenantScope,
    ) -> Result<Vec<StoredReport>, GatherError> {
        let mut out = Vec::new();
        for tenant in store.list_tenants(scope).await? {
            let Ok(entries) = std::fs::read_dir(self.dir.join(tenant.slug.as_str())) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some(month) = name.strip_suffix(".pdf") else {
                    continue;
                };
                if Month::parse(month, &TimeZone::UTC).is_err() {
                    continue;
                }
                let meta = entry.metadata().ok();
                out.push(StoredReport {
                    tenant: tenant.slug.to_string(),
                    month: month.to_owned(),
                    bytes: meta.as_ref().map_or(0, |m| m.len()),
                    created_at: meta
                        .and_then(|m| m.modified().ok())
                        .and_then(|t| Timestamp::try_from(t).ok()),
                });
            }
        }
        out.sort_by(|a, b| b.month.cmp(&a.month).then_with(|| a.tenant.cmp(&b.tenant)));
        Ok(out)
    }

    /// The PDF of `slug` for `month`, if the tenant is in `scope` and the report is kept.
    pub async fn get(
        &self,
        store: &dyn StateStore,
        scope: &TenantScope,
        slug: &str,
        month: &str,
    ) -> Result<Option<Vec<u8>>, GatherError> {
        let month = Month::parse(month, &TimeZone::UTC)?;
        let Ok(slug) = TenantSlug::new(slug) else {
            return Ok(None);
        };
        let visible = store
            .list_tenants(scope)
            .await?
            .into_iter()
            .any(|t| t.slug == slug);
        if !visible {
            return Ok(None);
        }
        match std::fs::read(self.path(&slug, &month)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(GatherError::Archive(e.to_string())),
        }
    }
}

/// Makes the reports of the month before `now` that the archive lacks, one per tenant that
/// existed before that month ended, in each tenant's language; returns how many it made. A tenant's failure is logged and does
/// not stop the others.
pub async fn make_monthly(
    store: &dyn StateStore,
    events: Option<&Arc<dyn EventStore>>,
    operator: &TenantScope,
    settings: &ReportSettings,
    archive: &ReportArchive,
    now: Timestamp,
) -> Result<u64, GatherError> {
    let tz = TimeZone::get(&settings.time_zone)
        .map_err(|_| GatherError::TimeZone(settings.time_zone.clone()))?;
    let Some(month) = Month::previous(now, &tz) else {
        return Ok(0);
    };
    let mut made = 0;
    for tenant in store.list_tenants(operator).await? {
        // No report of a month the tenant did not exist in, nor a second one.
        if tenant.created_at >= month.end || archive.has(&tenant.slug, &month) {
            continue;
        }
        let name = month.name();
        let request = ReportRequest {
            tenant: tenant.slug.as_str(),
            month: &name,
            language: None,
        };
        let data = match gather(store, events, operator, settings, &request, now).await {
            Ok(data) => data,
            Err(error) => {
                tracing::warn!(tenant = %tenant.slug, month = %name, %error, "monthly report not made");
                continue;
            }
        };
        let pdf = tokio::task::spawn_blocking(move || vigie_report::render_pdf(&data)).await;
        match pdf {
            Ok(Ok(pdf)) => match archive.put(&tenant.slug, &month, &pdf) {
                Ok(()) => {
                    made += 1;
                    metrics::counter!("vigie_reports_made_total").increment(1);
                    tracing::info!(tenant = %tenant.slug, month = %name, bytes = pdf.len(), "monthly report made");
                }
                Err(error) => {
                    tracing::warn!(tenant = %tenant.slug, month = %name, %error, "monthly report not kept")
                }
            },
            Ok(Err(error)) => {
                tracing::warn!(tenant = %tenant.slug, month = %name, %error, "monthly report not rendered")
            }
            Err(error) => {
                tracing::warn!(tenant = %tenant.slug, month = %name, %error, "monthly report not rendered")
            }
        }
    }
    Ok(made)
}
