//! A made-up month for tests, documentation and trying the renderer: November 2026 of a
//! fictitious commune, in Europe/Brussels. Deterministic (no clock, no randomness).
//!
//! [`month`] has every feature a report can show: six ISO weeks (2026-W44 has one day of the
//! month, 2026-W47 no alert and no incident at all), every severity, 1,234 alerts, 40
//! incidents (so the list spans pages), a silent source (`windows.sysmon`, 12 to 14
//! November), a significant NIS2 case whose notification was late and one that was not
//! significant. [`empty_month`] has no alert, no incident and no case.

use jiff::Timestamp;
use jiff::civil::{Date, date};

use crate::data::{
    Client, DayCount, Deadline, DeadlineStatus, IncidentRow, IncidentStatus, IngestGap, IsoWeek,
    Language, NamedCount, Nis2Case, Nis2Stage, Period, ReportData, Severity, SeverityCounts,
    SeveritySla, SlaFigures, SourceIngest, Tlp, WeekCounts,
};

/// The sample's period: November 2026 in Europe/Brussels.
fn november() -> Period {
    Period {
        first_day: date(2026, 11, 1),
        last_day: date(2026, 11, 30),
        time_zone: "Europe/Brussels".to_owned(),
    }
}

/// A timestamp of the sample (UTC), from constant parts.
fn at(day: i8, hour: i8, minute: i8) -> Timestamp {
    date(2026, 11, day)
        .at(hour, minute, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn week(week: i8, c: u64, h: u64, m: u64, l: u64, i: u64) -> WeekCounts {
    WeekCounts {
        week: IsoWeek { year: 2026, week },
        counts: SeverityCounts {
            critical: c,
            high: h,
            medium: m,
            low: l,
            informational: i,
        },
    }
}

fn named(list: &[(&str, u64)]) -> Vec<NamedCount> {
    list.iter()
        .map(|(name, count)| NamedCount {
            name: (*name).to_owned(),
            count: *count,
        })
        .collect()
}

/// Every day of November 2026.
fn days() -> impl Iterator<Item = Date> {
    november().days()
}

/// The sample month, in `language`.
pub fn month(language: Language) -> ReportData {
    // 40 incidents: 2 critical, 6 high, 14 medium, 12 low, 6 informational, opened on
    // days outside 2026-W47 (16 to 22 November).
    let severities: Vec<Severity> = [
        (Severity::Critical, 2),
        (Severity::High, 6),
        (Severity::Medium, 14),
        (Severity::Low, 12),
        (Severity::Informational, 6),
    ]
    .iter()
    .flat_map(|(s, n)| std::iter::repeat_n(*s, *n))
    .collect();
    let open_days: Vec<i8> = (1..=30).filter(|d| !(16..=22).contains(d)).collect();
    let titles = [
        "Brute force against the VPN gateway",
        "Suspicious PowerShell download cradle on a workstation",
        "Mailbox forwarding rule to an external address",
        "Port scan from the guest Wi-Fi",
        "Malware blocked by the endpoint agent",
        "Impossible travel sign-in",
        "Service account used interactively",
        "Phishing message reported by a user",
    ];
    let rsit = [
        "intrusion-attempts",
        "malicious-code",
        "fraud",
        "information-gathering",
        "malicious-code",
        "intrusions",
        "intrusions",
        "fraud",
    ];
    let statuses = [
        IncidentStatus::Closed,
        IncidentStatus::Resolved,
        IncidentStatus::InProgress,
        IncidentStatus::Closed,
        IncidentStatus::OnHold,
        IncidentStatus::Acknowledged,
        IncidentStatus::New,
    ];
    let tlps = [Tlp::Amber, Tlp::Green, Tlp::Amber, Tlp::Red, Tlp::Clear];
    let mut incidents = Vec::new();
    let mut incidents_weekly: Vec<WeekCounts> = Vec::new();
    for (i, severity) in severities.iter().enumerate() {
        let day = open_days[(i * 7) % open_days.len()];
        let opened = at(day, 8 + (i % 9) as i8, (i * 13 % 60) as i8);
        let status = statuses[i % statuses.len()];
        let closed = matches!(status, IncidentStatus::Closed | IncidentStatus::Resolved)
            .then(|| opened.saturating_add(jiff::SignedDuration::from_hours(3 + i as i64)))
            .and_then(Result::ok);
        let number = 2611 + i as u64;
        let title = if i == 3 {
            // A long title, to show that cells wrap.
            "Repeated failed logins on the town hall's remote desktop gateway followed by a \
             successful login from an unusual country"
                .to_owned()
        } else {
            titles[i % titles.len()].to_owned()
        };
        incidents.push(IncidentRow {
            number,
            title,
            severity: *severity,
            status,
            rsit_class: rsit[i % rsit.len()].to_owned(),
            tlp: tlps[i % tlps.len()],
            opened,
            closed,
        });
        let iso = IsoWeek::of(date(2026, 11, day));
        let entry = match incidents_weekly.iter_mut().find(|w| w.week == iso) {
            Some(entry) => entry,
            None => {
                incidents_weekly.push(WeekCounts {
                    week: iso,
                    counts: SeverityCounts::default(),
                });
                let last = incidents_weekly.len() - 1;
                &mut incidents_weekly[last]
            }
        };
        let counts = &mut entry.counts;
        match severity {
            Severity::Critical => counts.critical += 1,
            Severity::High => counts.high += 1,
            Severity::Medium => counts.medium += 1,
            Severity::Low => counts.low += 1,
            Severity::Informational => counts.informational += 1,
        }
    }
    incidents.sort_by_key(|i| (i.opened, i.number));
    incidents_weekly.sort_by_key(|w| w.week);

    let sources: [(&str, u64); 5] = [
        ("windows.security", 182_000),
        ("windows.sysmon", 96_500),
        ("fortinet.fortigate", 410_000),
        ("linux.auth", 12_400),
        ("m365.audit", 8_150),
    ];
    let ingest = sources
        .iter()
        .enumerate()
        .map(|(s, (name, base))| SourceIngest {
            source_type: (*name).to_owned(),
            days: days()
                .filter(|d| !(*name == "windows.sysmon" && (12..=14).contains(&d.day())))
                .map(|d| {
                    let weekend = matches!(
                        d.weekday(),
                        jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
                    );
                    let wobble = ((d.day() as u64 * 37 + s as u64 * 11) % 23) * base / 100;
                    let events = if weekend { *base / 3 } else { *base } + wobble;
                    DayCount { day: d, events }
                })
                .collect(),
        })
        .collect();

    ReportData {
        provider: "Vigie SOC".to_owned(),
        client: Client {
            name: "Commune de Belle-Vue".to_owned(),
            slug: "belle-vue".to_owned(),
        },
        language,
        period: november(),
        tlp: Tlp::AmberStrict,
        generated_at: at(30, 23, 30)
            .saturating_add(jiff::SignedDuration::from_hours(8))
            .unwrap_or(Timestamp::UNIX_EPOCH),
        alerts_per_week: vec![
            week(44, 0, 1, 4, 10, 8),
            week(45, 1, 12, 60, 180, 159),
            week(46, 0, 9, 51, 170, 158),
            // 2026-W47: no alert (left out: counts as zero).
            week(48, 2, 14, 70, 160, 149),
            week(49, 0, 1, 3, 7, 5),
        ],
        incidents_per_week: incidents_weekly,
        top_rules: named(&[
            ("Failed logon burst from one source (T1110)", 212),
            ("Firewall deny to known bad address", 187),
            ("Encoded PowerShell command line", 96),
            ("New local administrator", 41),
            ("Mailbox rule forwarding outside the organisation", 17),
            ("Impossible travel", 12),
            ("Scheduled task created by a script host", 9),
            ("LSASS memory read by an unsigned process", 3),
        ]),
        top_tactics: named(&[
            ("Credential Access", 238),
            ("Initial Access", 201),
            ("Execution", 118),
            ("Persistence", 54),
            ("Collection", 17),
            ("Defense Evasion", 6),
        ]),
        top_hosts: named(&[
            ("fw-hdv-01", 187),
            ("ws-urb-014", 66),
            ("srv-ad-02", 41),
            ("ws-cpas-003", 22),
            ("srv-file-01", 9),
        ]),
        top_users: named(&[
            ("svc-backup", 58),
            ("m.dupont", 31),
            ("admin.local", 14),
            ("j.peeters", 9),
            ("k.schmitz", 4),
        ]),
        sla: SlaFigures {
            mtta_seconds: Some(23 * 60),
            mttr_seconds: Some(9 * 3600 + 40 * 60),
            breaches: 1,
            per_severity: vec![
                sla(
                    Severity::Critical,
                    2,
                    9 * 60,
                    15 * 60,
                    5 * 3600,
                    Some(8 * 3600),
                    0,
                    0,
                ),
                sla(
                    Severity::High,
                    6,
                    21 * 60,
                    30 * 60,
                    11 * 3600,
                    Some(24 * 3600),
                    0,
                    1,
                ),
                sla(
                    Severity::Medium,
                    14,
                    48 * 60,
                    4 * 3600,
                    30 * 3600,
                    Some(72 * 3600),
                    0,
                    0,
                ),
                sla(
                    Severity::Low,
                    12,
                    3 * 3600,
                    24 * 3600,
                    50 * 3600,
                    None,
                    0,
                    0,
                ),
                SeveritySla {
                    severity: Severity::Informational,
                    incidents: 6,
                    mtta_seconds: Some(20 * 3600),
                    mttr_seconds: None,
                    acknowledge_target_seconds: None,
                    resolve_target_seconds: None,
                    acknowledge_breaches: 0,
                    resolve_breaches: 0,
                },
            ],
        },
        nis2_cases: vec![
            Nis2Case {
                id: "NIS2-2026-007".to_owned(),
                title: "Ransomware on the file server of the social welfare centre".to_owned(),
                significant: true,
                stage: Nis2Stage::NotificationSent,
                early_warning: Some(Deadline {
                    due: at(10, 9, 15),
                    status: DeadlineStatus::Met,
                    submitted_at: Some(at(9, 16, 2)),
                }),
                notification: Some(Deadline {
                    due: at(12, 9, 15),
                    status: DeadlineStatus::Late,
                    submitted_at: Some(at(12, 17, 40)),
                }),
                final_report: Some(Deadline {
                    due: at(12, 17, 40)
                        .saturating_add(jiff::SignedDuration::from_hours(30 * 24))
                        .unwrap_or(Timestamp::UNIX_EPOCH),
                    status: DeadlineStatus::Open,
                    submitted_at: None,
                }),
            },
            Nis2Case {
                id: "NIS2-2026-008".to_owned(),
                title: "Phishing campaign against the finance department".to_owned(),
                significant: false,
                stage: Nis2Stage::NotSignificant,
                early_warning: None,
                notification: None,
                final_report: None,
            },
        ],
        ingest,
        ingest_gaps: vec![IngestGap {
            source_type: "windows.sysmon".to_owned(),
            from: date(2026, 11, 12),
            to: date(2026, 11, 14),
        }],
        incidents,
    }
}

#[allow(clippy::too_many_arguments)]
fn sla(
    severity: Severity,
    incidents: u64,
    mtta: u64,
    ack_target: u64,
    mttr: u64,
    resolve_target: Option<u64>,
    ack_breaches: u64,
    resolve_breaches: u64,
) -> SeveritySla {
    SeveritySla {
        severity,
        incidents,
        mtta_seconds: Some(mtta),
        mttr_seconds: Some(mttr),
        acknowledge_target_seconds: Some(ack_target),
        resolve_target_seconds: resolve_target,
        acknowledge_breaches: ack_breaches,
        resolve_breaches,
    }
}

/// A month with no alert, no incident and no NIS2 case (sources still sent events).
pub fn empty_month(language: Language) -> ReportData {
    let full = month(language);
    ReportData {
        alerts_per_week: Vec::new(),
        incidents_per_week: Vec::new(),
        top_rules: Vec::new(),
        top_tactics: Vec::new(),
        top_hosts: Vec::new(),
        top_users: Vec::new(),
        sla: SlaFigures {
            mtta_seconds: None,
            mttr_seconds: None,
            breaches: 0,
            per_severity: Vec::new(),
        },
        nis2_cases: Vec::new(),
        ingest_gaps: Vec::new(),
        incidents: Vec::new(),
        ..full
    }
}
