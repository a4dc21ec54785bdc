//! The report as the template reads it: a JSON tree of texts already translated and
//! formatted for the language (numbers, dates, durations) and of chart geometry (fractions
//! from 0 to 1, axis ticks), so the template only lays out. User strings (names, titles) are
//! JSON strings here; the template shows them as text values, never as markup.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use crate::data::{
    Deadline, IncidentRow, IsoWeek, NamedCount, Nis2Case, ReportData, Severity, SeverityCounts,
    SeveritySla, WeekCounts,
};
use crate::summary::{self, Totals};
use crate::texts::{Arg, Catalog};

/// Fill colour of each severity in charts and badges, `#RRGGBB`.
pub(crate) fn severity_colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#8E1B1B",
        Severity::High => "#E0561B",
        Severity::Medium => "#F2B233",
        Severity::Low => "#3D7FC1",
        Severity::Informational => "#9AABB5",
    }
}

/// Fill colour of a day without data in the ingest chart (a silence of the source).
pub const GAP_COLOUR: &str = "#E8505B";

/// Fill colour of ingest bars.
pub const INGEST_COLOUR: &str = "#2E6F8E";

/// Fill colour of the horizontal bars of the top lists.
pub const TOP_COLOUR: &str = "#5B7DA8";

/// Labels the template reads with `tr("…")`: every message of the catalogue that takes no
/// argument.
fn labels(cat: &Catalog) -> serde_json::Map<String, Value> {
    cat.ids()
        .iter()
        .filter_map(|id| {
            cat.try_tr(id, &[])
                .ok()
                .map(|text| (id.clone(), Value::String(text)))
        })
        .collect()
}

/// A round axis maximum at or above `max` (1, 2 or 5 times a power of ten) and its ticks.
fn axis(max: u64, cat: &Catalog) -> Value {
    // The smallest d × 10^k ≥ max, d in 1, 2, 5; then round steps: 5 × 10^k in 5 steps of
    // 10^k, 2 × 10^k in 4 of 5 × 10^(k-1), 10^k in 5 of 2 × 10^(k-1); 1 and 2 in steps of 1.
    let (top, intervals) = (0..19u32)
        .flat_map(|power| {
            let base = 10u64.saturating_pow(power);
            [(1u64, 5u64), (2, 4), (5, 5)].map(|(digit, steps)| (base.saturating_mul(digit), steps))
        })
        .find(|(top, _)| *top >= max)
        .unwrap_or((u64::MAX, 1));
    let intervals = match top {
        1 => 1,
        2 => 2,
        _ => intervals,
    };
    let ticks: Vec<Value> = (0..=intervals)
        .map(|i| {
            let value = top / intervals * i;
            json!({ "value": value, "label": cat.number(value) })
        })
        .collect();
    json!({ "max": top, "ticks": ticks })
}

/// The bars of a weekly chart: every ISO week of the period, in order.
fn weekly(weeks: &[IsoWeek], data: &[WeekCounts], first: Date, last: Date, cat: &Catalog) -> Value {
    let counts: Vec<SeverityCounts> = weeks
        .iter()
        .map(|week| {
            data.iter()
                .filter(|w| w.week == *week)
                .fold(SeverityCounts::default(), |acc, w| acc.plus(&w.counts))
        })
        .collect();
    let max = counts.iter().map(SeverityCounts::total).max().unwrap_or(0);
    let bars: Vec<Value> = weeks
        .iter()
        .zip(&counts)
        .map(|(week, counts)| {
            let monday = week.monday().unwrap_or(first);
            let sunday = monday
                .checked_add(jiff::Span::new().days(6))
                .unwrap_or(last);
            let from = monday.max(first);
            let to = sunday.min(last);
            json!({
                "label": cat.tr("week-label", &[("week", Arg::Str(week.week.to_string()))]),
                "days": format!("{}–{}", cat.day_month(from), cat.day_month(to)),
                // Bottom to top: most severe first, by the axis.
                "values": Severity::ALL.iter().map(|s| counts.get(*s)).collect::<Vec<_>>(),
                "total": counts.total(),
                "total_label": cat.number(counts.total()),
            })
        })
        .collect();
    json!({
        "bars": bars,
        "axis": axis(max, cat),
        "total": counts.iter().map(SeverityCounts::total).sum::<u64>(),
    })
}

/// A top list with bar fractions of the first (largest) count.
fn top(list: &[NamedCount], cat: &Catalog) -> Value {
    let max = list.iter().map(|n| n.count).max().unwrap_or(0).max(1);
    Value::Array(
        list.iter()
            .map(|item| {
                json!({
                    "name": item.name,
                    "count": cat.number(item.count),
                    "fraction": item.count as f64 / max as f64,
                })
            })
            .collect(),
    )
}

/// The ingest chart: one row per source type, one bar per day, silent days marked.
fn ingest(data: &ReportData, cat: &Catalog) -> Value {
    let days: Vec<Date> = data.period.days().collect();
    let day_labels: Vec<Value> = days
        .iter()
        .map(|d| {
            json!({
                "label": d.day().to_string(),
                "weekend": matches!(
                    d.weekday(),
                    jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
                ),
            })
        })
        .collect();
    let mut names: Vec<&str> = data.ingest.iter().map(|s| s.source_type.as_str()).collect();
    for gap in &data.ingest_gaps {
        if !names.contains(&gap.source_type.as_str()) {
            names.push(gap.source_type.as_str());
        }
    }
    let rows: Vec<Value> = names
        .iter()
        .map(|name| {
            let per_day: Vec<u64> = days
                .iter()
                .map(|day| {
                    data.ingest
                        .iter()
                        .filter(|s| s.source_type == *name)
                        .flat_map(|s| s.days.iter())
                        .filter(|d| d.day == *day)
                        .fold(0u64, |acc, d| acc.saturating_add(d.events))
                })
                .collect();
            let max = per_day.iter().copied().max().unwrap_or(0).max(1);
            let total = per_day.iter().fold(0u64, |acc, n| acc.saturating_add(*n));
            let bars: Vec<Value> = days
                .iter()
                .zip(&per_day)
                .map(|(day, events)| {
                    let gap = data
                        .ingest_gaps
                        .iter()
                        .any(|g| g.source_type == *name && g.from <= *day && *day <= g.to);
                    json!({ "fraction": *events as f64 / max as f64, "gap": gap })
                })
                .collect();
            json!({
                "name": name,
                "total": cat.number(total),
                "peak": cat.number(*per_day.iter().max().unwrap_or(&0)),
                "bars": bars,
            })
        })
        .collect();
    let gaps: Vec<Value> = data
        .ingest_gaps
        .iter()
        .map(|gap| {
            let from = gap.from.max(data.period.first_day);
            let to = gap.to.min(data.period.last_day);
            let days = from.until(to).map(|s| s.get_days() + 1).unwrap_or(1);
            json!({
                "source": gap.source_type,
                "from": cat.short_date(gap.from),
                "to": cat.short_date(gap.to),
                "days": cat.number(u64::try_from(days).unwrap_or(0)),
            })
        })
        .collect();
    json!({ "days": day_labels, "rows": rows, "gaps": gaps })
}

fn optional_duration(seconds: Option<u64>, cat: &Catalog) -> String {
    seconds.map_or_else(|| "–".to_owned(), |s| cat.duration(s))
}

fn sla_row(row: &SeveritySla, cat: &Catalog) -> Value {
    json!({
        "severity": cat.t(&format!("severity-{}", row.severity.key())),
        "colour": severity_colour(row.severity),
        "incidents": cat.number(row.incidents),
        "mtta": optional_duration(row.mtta_seconds, cat),
        "ack_target": row.acknowledge_target_seconds
            .map_or_else(|| cat.t("no-target"), |s| cat.duration(s)),
        "ack_missed": row.acknowledge_breaches > 0,
        "mttr": optional_duration(row.mttr_seconds, cat),
        "resolve_target": row.resolve_target_seconds
            .map_or_else(|| cat.t("no-target"), |s| cat.duration(s)),
        "resolve_missed": row.resolve_breaches > 0,
        "breaches": cat.number(row.acknowledge_breaches.saturating_add(row.resolve_breaches)),
    })
}

fn deadline(deadline: Option<&Deadline>, cat: &Catalog, tz: &TimeZone) -> Value {
    match deadline {
        None => json!({ "due": cat.t("not-due"), "status": "none", "status_label": "" }),
        Some(d) => json!({
            "due": cat.date_time(d.due, tz),
            "status": d.status.key(),
            "status_label": cat.t(&format!("deadline-{}", d.status.key())),
            "submitted": d.submitted_at.map(|at| cat.tr(
                "submitted",
                &[("at", Arg::Str(cat.date_time(at, tz)))],
            )),
        }),
    }
}

fn nis2_case(case: &Nis2Case, cat: &Catalog, tz: &TimeZone) -> Value {
    json!({
        "id": case.id,
        "title": case.title,
        "line": cat.tr(
            "nis2-case-line",
            &[
                ("significant", Arg::Str(cat.t(if case.significant { "yes" } else { "no" }))),
                ("stage", Arg::Str(cat.t(&format!("stage-{}", case.stage.key())))),
            ],
        ),
        "deadlines": [
            deadline(case.early_warning.as_ref(), cat, tz),
            deadline(case.notification.as_ref(), cat, tz),
            deadline(case.final_report.as_ref(), cat, tz),
        ],
    })
}

fn incident(row: &IncidentRow, cat: &Catalog, tz: &TimeZone) -> Value {
    json!({
        "number": row.number.to_string(),
        "title": row.title,
        "severity": cat.t(&format!("severity-{}", row.severity.key())),
        "colour": severity_colour(row.severity),
        "status": cat.t(&format!("status-{}", row.status.key())),
        "rsit": row.rsit_class,
        "tlp": row.tlp.label(),
        "tlp_colour": row.tlp.colour(),
        "opened": cat.date_time(row.opened, tz),
        "closed": row.closed.map_or_else(|| "–".to_owned(), |c| cat.date_time(c, tz)),
    })
}

/// The whole view of `data`, read in the time zone `tz`.
pub(crate) fn build(data: &ReportData, tz: &TimeZone) -> Value {
    let cat = Catalog::of(data.language);
    let period = &data.period;
    let weeks = period.iso_weeks();
    let totals = Totals::of(data);
    // The PDF's creation date, in UTC (Typst's dates carry no offset).
    let generated = data.generated_at.to_zoned(TimeZone::UTC);
    let month = if period.is_calendar_month() {
        cat.month_year(period.first_day)
    } else {
        cat.tr(
            "date-range",
            &[
                ("first", Arg::Str(cat.short_date(period.first_day))),
                ("last", Arg::Str(cat.short_date(period.last_day))),
            ],
        )
    };
    let key_figures = [
        ("kf-alerts", cat.number(totals.alerts.total())),
        ("kf-incidents", cat.number(totals.incidents.total())),
        ("kf-critical", cat.number(totals.incidents.critical)),
        ("kf-mtta", optional_duration(data.sla.mtta_seconds, cat)),
        ("kf-mttr", optional_duration(data.sla.mttr_seconds, cat)),
        ("kf-breaches", cat.number(data.sla.breaches)),
        ("kf-nis2", cat.number(totals.nis2_significant)),
        ("kf-events", cat.number(totals.events)),
        ("kf-gaps", cat.number(data.ingest_gaps.len() as u64)),
    ]
    .into_iter()
    .map(|(key, value)| json!({ "label": cat.t(key), "value": value }))
    .collect::<Vec<_>>();
    let mut sla_rows: Vec<Value> = Vec::new();
    for severity in Severity::ALL {
        for row in data
            .sla
            .per_severity
            .iter()
            .filter(|r| r.severity == severity)
        {
            sla_rows.push(sla_row(row, cat));
        }
    }
    json!({
        "lang": data.language.tag(),
        "t": labels(cat),
        "provider": data.provider,
        "client": { "name": data.client.name, "slug": data.client.slug },
        "tlp": {
            "label": data.tlp.label(),
            "colour": data.tlp.colour(),
            "meaning": cat.t(&format!("tlp-meaning-{}", data.tlp.key())),
        },
        "period": {
            "month": month,
            "range": cat.tr(
                "date-range",
                &[
                    ("first", Arg::Str(cat.long_date(period.first_day))),
                    ("last", Arg::Str(cat.long_date(period.last_day))),
                ],
            ),
            "time_zone": period.time_zone,
            "times_in": cat.tr("times-in", &[("tz", Arg::Str(period.time_zone.clone()))]),
        },
        "generated": cat.date_time(data.generated_at, tz),
        "date": {
            "year": generated.year(),
            "month": generated.month(),
            "day": generated.day(),
            "hour": generated.hour(),
            "minute": generated.minute(),
            "second": generated.second(),
        },
        "summary": summary::paragraphs(data, &totals, cat),
        "key_figures": key_figures,
        "severities": Severity::ALL.iter().map(|s| json!({
            "label": cat.t(&format!("severity-{}", s.key())),
            "colour": severity_colour(*s),
        })).collect::<Vec<_>>(),
        "alerts": weekly(&weeks, &data.alerts_per_week, period.first_day, period.last_day, cat),
        "incidents_weekly": weekly(
            &weeks,
            &data.incidents_per_week,
            period.first_day,
            period.last_day,
            cat,
        ),
        "top_rules": top(&data.top_rules, cat),
        "top_tactics": top(&data.top_tactics, cat),
        "top_hosts": top(&data.top_hosts, cat),
        "top_users": top(&data.top_users, cat),
        "ingest": ingest(data, cat),
        "colours": { "gap": GAP_COLOUR, "ingest": INGEST_COLOUR, "top": TOP_COLOUR },
        "sla": {
            "rows": sla_rows,
            "all": {
                "incidents": cat.number(totals.incidents.total()),
                "mtta": optional_duration(data.sla.mtta_seconds, cat),
                "mttr": optional_duration(data.sla.mttr_seconds, cat),
                "breaches": cat.number(data.sla.breaches),
            },
        },
        "nis2": data.nis2_cases.iter().map(|c| nis2_case(c, cat, tz)).collect::<Vec<_>>(),
        "incidents": data.incidents.iter().map(|i| incident(i, cat, tz)).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Language;

    /// Every string of the view, depth first.
    fn strings(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::String(s) => out.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
            Value::Object(map) => map.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }

    #[test]
    fn no_message_is_missing_from_the_view() {
        // A missing message or argument shows as `{id}`; the sample data has no braces.
        for language in Language::ALL {
            for data in [
                crate::sample::month(language),
                crate::sample::empty_month(language),
            ] {
                let mut all = Vec::new();
                strings(&build(&data, &TimeZone::UTC), &mut all);
                assert!(
                    all.len() > 150,
                    "{}: only {} strings",
                    language.tag(),
                    all.len()
                );
                for s in all {
                    assert!(
                        !s.contains('{'),
                        "{}: unresolved text {s:?}",
                        language.tag()
                    );
                }
            }
        }
    }

    #[test]
    fn axes_are_round() {
        let cat = Catalog::of(Language::En);
        for (max, top) in [(0, 1), (1, 1), (3, 5), (7, 10), (412, 500), (1234, 2000)] {
            assert_eq!(axis(max, cat)["max"], json!(top), "max {max}");
        }
        let labels = |max| {
            axis(max, cat)["ticks"]
                .as_array()
                .map(|t| {
                    t.iter()
                        .map(|t| t["label"].to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default()
        };
        assert_eq!(labels(1234), r#""0" "500" "1,000" "1,500" "2,000""#);
        assert_eq!(labels(412), r#""0" "100" "200" "300" "400" "500""#);
        assert_eq!(labels(12), r#""0" "5" "10" "15" "20""#);
        assert_eq!(labels(7), r#""0" "2" "4" "6" "8" "10""#);
        assert_eq!(labels(2), r#""0" "1" "2""#);
        assert_eq!(labels(100), r#""0" "20" "40" "60" "80" "100""#);
        assert_eq!(labels(0), r#""0" "1""#);
    }

    #[test]
    fn every_week_of_the_period_is_a_bar_even_without_data() {
        let data = crate::sample::month(Language::En);
        let view = build(&data, &TimeZone::UTC);
        let bars = view["alerts"]["bars"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let labels: Vec<&str> = bars.iter().filter_map(|b| b["label"].as_str()).collect();
        assert_eq!(labels, ["W44", "W45", "W46", "W47", "W48", "W49"]);
        assert_eq!(bars[3]["total"], json!(0));
        assert_eq!(bars[0]["days"], json!("11-01–11-01"));
        assert_eq!(view["alerts"]["total"], json!(1234));
        let sysmon = view["ingest"]["rows"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["name"] == json!("windows.sysmon")))
            .cloned()
            .unwrap_or_default();
        let gaps: Vec<bool> = sysmon["bars"]
            .as_array()
            .map(|b| b.iter().map(|d| d["gap"] == json!(true)).collect())
            .unwrap_or_default();
        assert_eq!(gaps.iter().filter(|g| **g).count(), 3);
        assert!(gaps[11] && gaps[12] && gaps[13]);
    }
}
