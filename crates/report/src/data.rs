//! The figures of one monthly report, as the caller (the CLI, later the API) computes them.
//!
//! Plain data: strings, counts, [`jiff::Timestamp`]s and [`jiff::civil::Date`]s, with serde
//! names that match the rest of vigie (`critical`, `in_progress`, `TLP:AMBER`), so the JSON of
//! a report can be written by one program and compared with another's. Nothing here depends
//! on another vigie crate. [`ReportData::validate`] checks what the renderer relies on.

use jiff::Timestamp;
use jiff::civil::{Date, ISOWeekDate};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::ReportError;

/// Everything one client's monthly report shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportData {
    /// Name of the SOC provider sending the report (title page, header).
    pub provider: String,
    /// The client (tenant) the report is about.
    pub client: Client,
    /// Language of the whole document.
    pub language: Language,
    /// The month covered, in the client's time zone.
    pub period: Period,
    /// Traffic Light Protocol label of the report, printed on every page.
    pub tlp: Tlp,
    /// When the figures were computed.
    pub generated_at: Timestamp,
    /// Alerts raised per ISO week of the period, by severity. Weeks of the period that are
    /// missing count as zero; weeks outside the period are an error.
    pub alerts_per_week: Vec<WeekCounts>,
    /// Incidents opened per ISO week of the period, by severity (same rules).
    pub incidents_per_week: Vec<WeekCounts>,
    /// Detection rules that raised the most alerts, most first (title of the rule).
    pub top_rules: Vec<NamedCount>,
    /// MITRE ATT&CK tactics of the month's alerts, most first (tactic name).
    pub top_tactics: Vec<NamedCount>,
    /// Hosts named in the most alerts, most first.
    pub top_hosts: Vec<NamedCount>,
    /// Users named in the most alerts, most first.
    pub top_users: Vec<NamedCount>,
    /// Response times of the month's incidents against the contract's targets.
    pub sla: SlaFigures,
    /// Incidents followed under NIS2 Article 23 during the period.
    pub nis2_cases: Vec<Nis2Case>,
    /// Events received per day, per source type.
    pub ingest: Vec<SourceIngest>,
    /// Days on which a source type that normally sends went silent.
    pub ingest_gaps: Vec<IngestGap>,
    /// The incidents of the period (opened in it, or still open during it).
    pub incidents: Vec<IncidentRow>,
}

/// The tenant a report is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    /// Display name (`Commune de Namur`).
    pub name: String,
    /// The tenant's slug (`namur`), printed small on the title page.
    pub slug: String,
}

/// The four languages of a report.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Français.
    Fr,
    /// Nederlands.
    Nl,
    /// Deutsch.
    De,
    /// English.
    En,
}

impl Language {
    /// Every language.
    pub const ALL: [Language; 4] = [Language::Fr, Language::Nl, Language::De, Language::En];

    /// The BCP 47 tag (`fr`, `nl`, `de`, `en`).
    pub fn tag(self) -> &'static str {
        match self {
            Language::Fr => "fr",
            Language::Nl => "nl",
            Language::De => "de",
            Language::En => "en",
        }
    }
}

/// The month a report covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// First day (inclusive).
    pub first_day: Date,
    /// Last day (inclusive).
    pub last_day: Date,
    /// IANA name of the time zone the days and times are read in (`Europe/Brussels`).
    pub time_zone: String,
}

impl Period {
    /// Every day of the period, first to last.
    pub fn days(&self) -> impl Iterator<Item = Date> + use<> {
        let last = self.last_day;
        self.first_day
            .series(jiff::ToSpan::days(1))
            .take_while(move |d| *d <= last)
    }

    /// Whether the period is one whole calendar month.
    pub fn is_calendar_month(&self) -> bool {
        self.first_day.day() == 1 && self.last_day == self.first_day.last_of_month()
    }

    /// The ISO weeks that have at least one day in the period, in order.
    pub fn iso_weeks(&self) -> Vec<IsoWeek> {
        let mut weeks: Vec<IsoWeek> = Vec::new();
        for day in self.days() {
            let week = IsoWeek::of(day);
            if weeks.last() != Some(&week) {
                weeks.push(week);
            }
        }
        weeks
    }
}

/// An ISO 8601 week (`2026-W45`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IsoWeek {
    /// The ISO week-numbering year (may differ from the calendar year near 1 January).
    pub year: i16,
    /// The week number, 1 to 53.
    pub week: i8,
}

impl IsoWeek {
    /// The ISO week of `day`.
    pub fn of(day: Date) -> IsoWeek {
        let iso = day.iso_week_date();
        IsoWeek {
            year: iso.year(),
            week: iso.week(),
        }
    }

    /// The Monday of the week, if the week exists.
    pub fn monday(self) -> Option<Date> {
        ISOWeekDate::new(self.year, self.week, jiff::civil::Weekday::Monday)
            .ok()
            .map(|d| d.date())
    }
}

impl std::fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-W{:02}", self.year, self.week)
    }
}

/// Traffic Light Protocol 2.0 label (FIRST).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tlp {
    /// `TLP:CLEAR`: may be shared freely.
    #[serde(rename = "TLP:CLEAR")]
    Clear,
    /// `TLP:GREEN`: within the recipient's community.
    #[serde(rename = "TLP:GREEN")]
    Green,
    /// `TLP:AMBER`: within the recipient's organisation and its clients, need to know.
    #[serde(rename = "TLP:AMBER")]
    Amber,
    /// `TLP:AMBER+STRICT`: within the recipient's organisation only.
    #[serde(rename = "TLP:AMBER+STRICT")]
    AmberStrict,
    /// `TLP:RED`: for the named recipients only.
    #[serde(rename = "TLP:RED")]
    Red,
}

impl Tlp {
    /// Every label, least restrictive first.
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// The label as written on documents (`TLP:AMBER+STRICT`).
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// The FIRST TLP 2.0 colour of the label's text (written on black), `#RRGGBB`.
    pub fn colour(self) -> &'static str {
        match self {
            Tlp::Clear => "#FFFFFF",
            Tlp::Green => "#33FF00",
            Tlp::Amber | Tlp::AmberStrict => "#FFC000",
            Tlp::Red => "#FF2B2B",
        }
    }

    /// A stable lowercase key (`amber_strict`), used for message ids.
    pub fn key(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber_strict",
            Tlp::Red => "red",
        }
    }
}

/// Severity of an alert or incident (the Sigma `level` scale).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Context only.
    Informational,
    /// Worth a look.
    Low,
    /// Should be triaged.
    Medium,
    /// Likely malicious.
    High,
    /// Act now.
    Critical,
}

impl Severity {
    /// Every level, most severe first (the order of tables and chart legends).
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Informational,
    ];

    /// The lowercase name (`critical`).
    pub fn key(self) -> &'static str {
        match self {
            Severity::Informational => "informational",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Counts per severity.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    /// Critical.
    pub critical: u64,
    /// High.
    pub high: u64,
    /// Medium.
    pub medium: u64,
    /// Low.
    pub low: u64,
    /// Informational.
    pub informational: u64,
}

impl SeverityCounts {
    /// The count of one severity.
    pub fn get(&self, severity: Severity) -> u64 {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Informational => self.informational,
        }
    }

    /// The sum over all severities (saturating).
    pub fn total(&self) -> u64 {
        Severity::ALL
            .iter()
            .fold(0u64, |sum, s| sum.saturating_add(self.get(*s)))
    }

    /// The sum of two counts, severity by severity (saturating).
    pub fn plus(&self, other: &SeverityCounts) -> SeverityCounts {
        SeverityCounts {
            critical: self.critical.saturating_add(other.critical),
            high: self.high.saturating_add(other.high),
            medium: self.medium.saturating_add(other.medium),
            low: self.low.saturating_add(other.low),
            informational: self.informational.saturating_add(other.informational),
        }
    }
}

/// Counts of one ISO week.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekCounts {
    /// The week.
    pub week: IsoWeek,
    /// Its counts per severity (only the days of the week inside the period).
    pub counts: SeverityCounts,
}

/// A name and how often it occurred (a rule title, a tactic, a host, a user).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedCount {
    /// The name, shown as is.
    pub name: String,
    /// How often.
    pub count: u64,
}

/// Response times against the contract.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaFigures {
    /// Mean time to acknowledge over all incidents of the month, in seconds (none when no
    /// incident was acknowledged).
    pub mtta_seconds: Option<u64>,
    /// Mean time to resolve over all incidents of the month, in seconds.
    pub mttr_seconds: Option<u64>,
    /// Incidents that missed a contract target (acknowledge or resolve) during the month.
    pub breaches: u64,
    /// The same per severity, most severe first; severities without incidents and without
    /// targets may be left out.
    pub per_severity: Vec<SeveritySla>,
}

/// Response times of one severity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeveritySla {
    /// The severity.
    pub severity: Severity,
    /// Incidents of this severity in the month.
    pub incidents: u64,
    /// Mean time to acknowledge, seconds.
    pub mtta_seconds: Option<u64>,
    /// Mean time to resolve, seconds.
    pub mttr_seconds: Option<u64>,
    /// The contract's acknowledge target, seconds (none: no target).
    pub acknowledge_target_seconds: Option<u64>,
    /// The contract's resolve target, seconds (none: no target).
    pub resolve_target_seconds: Option<u64>,
    /// Incidents acknowledged after the target (or not yet, past it).
    pub acknowledge_breaches: u64,
    /// Incidents resolved after the target (or not yet, past it).
    pub resolve_breaches: u64,
}

/// An incident followed under NIS2 Article 23.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nis2Case {
    /// The case's identifier (`NIS2-2026-007`).
    pub id: String,
    /// Short title.
    pub title: String,
    /// Whether it was assessed as significant (reporting duty).
    pub significant: bool,
    /// Where its reporting stands.
    pub stage: Nis2Stage,
    /// The 24-hour early warning, if due.
    pub early_warning: Option<Deadline>,
    /// The 72-hour incident notification, if due.
    pub notification: Option<Deadline>,
    /// The final report one month after the notification, if due.
    pub final_report: Option<Deadline>,
}

/// Where a NIS2 case's reporting stands (the names of `vigie-nis2`'s reporting states).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nis2Stage {
    /// First signal seen.
    Detected,
    /// Being assessed.
    Triage,
    /// Assessed as not significant.
    NotSignificant,
    /// Inputs missing to decide.
    Undetermined,
    /// Significant; awareness time not yet set.
    Significant,
    /// Awareness set: the clocks run.
    AwarenessSet,
    /// Early warning submitted.
    EarlyWarningSent,
    /// Incident notification submitted.
    NotificationSent,
    /// The CSIRT asked for an intermediate report.
    IntermediateRequested,
    /// Progress report sent (still being handled at the final report's due date).
    ProgressSent,
    /// Final report submitted.
    FinalSent,
    /// Done.
    Closed,
}

impl Nis2Stage {
    /// Every stage.
    pub const ALL: [Nis2Stage; 12] = [
        Nis2Stage::Detected,
        Nis2Stage::Triage,
        Nis2Stage::NotSignificant,
        Nis2Stage::Undetermined,
        Nis2Stage::Significant,
        Nis2Stage::AwarenessSet,
        Nis2Stage::EarlyWarningSent,
        Nis2Stage::NotificationSent,
        Nis2Stage::IntermediateRequested,
        Nis2Stage::ProgressSent,
        Nis2Stage::FinalSent,
        Nis2Stage::Closed,
    ];

    /// The snake_case name (`early_warning_sent`).
    pub fn key(self) -> &'static str {
        match self {
            Nis2Stage::Detected => "detected",
            Nis2Stage::Triage => "triage",
            Nis2Stage::NotSignificant => "not_significant",
            Nis2Stage::Undetermined => "undetermined",
            Nis2Stage::Significant => "significant",
            Nis2Stage::AwarenessSet => "awareness_set",
            Nis2Stage::EarlyWarningSent => "early_warning_sent",
            Nis2Stage::NotificationSent => "notification_sent",
            Nis2Stage::IntermediateRequested => "intermediate_requested",
            Nis2Stage::ProgressSent => "progress_sent",
            Nis2Stage::FinalSent => "final_sent",
            Nis2Stage::Closed => "closed",
        }
    }
}

/// One NIS2 reporting deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// When it is (was) due.
    pub due: Timestamp,
    /// Where it stands at the report's generation time.
    pub status: DeadlineStatus,
    /// When the report was submitted, if it was.
    pub submitted_at: Option<Timestamp>,
}

/// State of a deadline.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// Submitted on time.
    Met,
    /// Not submitted, not yet due.
    Open,
    /// Submitted after the due time, or still not submitted past it.
    Late,
}

impl DeadlineStatus {
    /// Every state.
    pub const ALL: [DeadlineStatus; 3] = [
        DeadlineStatus::Met,
        DeadlineStatus::Open,
        DeadlineStatus::Late,
    ];

    /// The lowercase name (`late`).
    pub fn key(self) -> &'static str {
        match self {
            DeadlineStatus::Met => "met",
            DeadlineStatus::Open => "open",
            DeadlineStatus::Late => "late",
        }
    }
}

/// Events of one source type per day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceIngest {
    /// The source type (`windows.security`, `fortinet.fortigate`).
    pub source_type: String,
    /// Events per day; days of the period that are missing count as zero, days outside it
    /// are an error.
    pub days: Vec<DayCount>,
}

/// A count on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// The day, in the period's time zone.
    pub day: Date,
    /// Events received.
    pub events: u64,
}

/// A silence of a source type that normally sends. It may begin before or end after the
/// period (it is then drawn clipped to it) but must overlap it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestGap {
    /// The source type.
    pub source_type: String,
    /// First silent day (inclusive).
    pub from: Date,
    /// Last silent day (inclusive).
    pub to: Date,
}

/// One incident of the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentRow {
    /// The tenant's incident number.
    pub number: u64,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// Status at generation time.
    pub status: IncidentStatus,
    /// Reference Security Incident Taxonomy class (`intrusions`, `malicious-code`), as
    /// recorded; shown as is.
    pub rsit_class: String,
    /// The incident's own TLP label.
    pub tlp: Tlp,
    /// When it was opened.
    pub opened: Timestamp,
    /// When it was closed, if it was.
    pub closed: Option<Timestamp>,
}

/// Incident lifecycle (the names of the SOC desk's statuses).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// Just opened.
    New,
    /// Someone took it.
    Acknowledged,
    /// Being worked.
    InProgress,
    /// Waiting on the client or a third party.
    OnHold,
    /// Fixed.
    Resolved,
    /// Done.
    Closed,
}

impl IncidentStatus {
    /// Every status.
    pub const ALL: [IncidentStatus; 6] = [
        IncidentStatus::New,
        IncidentStatus::Acknowledged,
        IncidentStatus::InProgress,
        IncidentStatus::OnHold,
        IncidentStatus::Resolved,
        IncidentStatus::Closed,
    ];

    /// The snake_case name (`in_progress`).
    pub fn key(self) -> &'static str {
        match self {
            IncidentStatus::New => "new",
            IncidentStatus::Acknowledged => "acknowledged",
            IncidentStatus::InProgress => "in_progress",
            IncidentStatus::OnHold => "on_hold",
            IncidentStatus::Resolved => "resolved",
            IncidentStatus::Closed => "closed",
        }
    }
}

/// The longest period a report lays out (one bar per day in the ingest chart).
pub const MAX_PERIOD_DAYS: i32 = 31;

impl ReportData {
    /// Checks what the renderer relies on and returns the period's time zone: a known time
    /// zone, a period of 1 to [`MAX_PERIOD_DAYS`] days, weeks and days inside the period,
    /// gaps in order and overlapping the period. The error names the offending value.
    pub fn validate(&self) -> Result<TimeZone, ReportError> {
        let tz = TimeZone::get(&self.period.time_zone).map_err(|e| ReportError::TimeZone {
            name: self.period.time_zone.clone(),
            reason: e.to_string(),
        })?;
        let first = self.period.first_day;
        let last = self.period.last_day;
        let days = first
            .until(last)
            .map(|span| span.get_days() + 1)
            .unwrap_or(0);
        if last < first || days > MAX_PERIOD_DAYS {
            return Err(ReportError::Period {
                first,
                last,
                reason: format!("a report covers 1 to {MAX_PERIOD_DAYS} days"),
            });
        }
        let weeks = self.period.iso_weeks();
        for (what, list) in [
            ("alerts_per_week", &self.alerts_per_week),
            ("incidents_per_week", &self.incidents_per_week),
        ] {
            for entry in list {
                if !weeks.contains(&entry.week) {
                    return Err(ReportError::OutsidePeriod {
                        what: what.to_owned(),
                        value: entry.week.to_string(),
                        first,
                        last,
                    });
                }
            }
        }
        for source in &self.ingest {
            for day in &source.days {
                if day.day < first || day.day > last {
                    return Err(ReportError::OutsidePeriod {
                        what: format!("ingest of {:?}", source.source_type),
                        value: day.day.to_string(),
                        first,
                        last,
                    });
                }
            }
        }
        for gap in &self.ingest_gaps {
            if gap.to < gap.from || gap.from > last || gap.to < first {
                return Err(ReportError::OutsidePeriod {
                    what: format!("ingest gap of {:?}", gap.source_type),
                    value: format!("{} to {}", gap.from, gap.to),
                    first,
                    last,
                });
            }
        }
        Ok(tz)
    }
}
