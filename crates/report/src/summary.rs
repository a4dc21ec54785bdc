//! The executive summary: plain sentences generated from the figures, in the report's
//! language, with numbers formatted for it. Each sentence is one Fluent message chosen by the
//! figures (none, one, many; met or missed), never assembled from fragments of sentences,
//! so each language keeps its own word order.

use crate::data::{DeadlineStatus, ReportData, Severity, SeverityCounts};
use crate::texts::{Arg, Catalog};

/// The totals the summary and the key figures share.
pub(crate) struct Totals {
    /// Alerts per severity over the period.
    pub(crate) alerts: SeverityCounts,
    /// Incidents opened per severity over the period.
    pub(crate) incidents: SeverityCounts,
    /// Events received over the period, all sources.
    pub(crate) events: u64,
    /// Source types that sent at least one event.
    pub(crate) sources: u64,
    /// Significant NIS2 cases.
    pub(crate) nis2_significant: u64,
    /// NIS2 deadlines in state late.
    pub(crate) nis2_late: u64,
}

impl Totals {
    /// The totals of `data`.
    pub(crate) fn of(data: &ReportData) -> Totals {
        let sum = |weeks: &[crate::data::WeekCounts]| {
            weeks
                .iter()
                .fold(SeverityCounts::default(), |acc, w| acc.plus(&w.counts))
        };
        let events = data
            .ingest
            .iter()
            .flat_map(|s| s.days.iter())
            .fold(0u64, |acc, d| acc.saturating_add(d.events));
        let sources = data
            .ingest
            .iter()
            .filter(|s| s.days.iter().any(|d| d.events > 0))
            .count() as u64;
        let nis2_late = data
            .nis2_cases
            .iter()
            .flat_map(|c| [&c.early_warning, &c.notification, &c.final_report])
            .flatten()
            .filter(|d| d.status == DeadlineStatus::Late)
            .count() as u64;
        Totals {
            alerts: sum(&data.alerts_per_week),
            incidents: sum(&data.incidents_per_week),
            events,
            sources,
            nis2_significant: data.nis2_cases.iter().filter(|c| c.significant).count() as u64,
            nis2_late,
        }
    }
}

/// The summary's paragraphs (alerts, incidents and the contract, NIS2, log sources), each a
/// list of sentences in reading order.
pub(crate) fn paragraphs(data: &ReportData, totals: &Totals, cat: &Catalog) -> Vec<Vec<String>> {
    let mut paragraphs = Vec::new();
    let mut out = Vec::new();
    let period = if data.period.is_calendar_month() {
        cat.tr(
            "summary-period-month",
            &[("month", Arg::Str(cat.month_year(data.period.first_day)))],
        )
    } else {
        cat.tr(
            "summary-period-range",
            &[
                ("first", Arg::Str(cat.long_date(data.period.first_day))),
                ("last", Arg::Str(cat.long_date(data.period.last_day))),
            ],
        )
    };

    // Alerts.
    let alerts = totals.alerts.total();
    let [count, n] = cat.count_args(alerts);
    out.push(cat.tr("summary-alerts", &[count, n, ("period", Arg::Str(period))]));
    if alerts > 0 {
        let a = &totals.alerts;
        out.push(cat.tr(
            "summary-alerts-severity",
            &[
                ("critical", Arg::Str(cat.number(a.critical))),
                ("high", Arg::Str(cat.number(a.high))),
                ("medium", Arg::Str(cat.number(a.medium))),
                ("low", Arg::Str(cat.number(a.low))),
                ("info", Arg::Str(cat.number(a.informational))),
            ],
        ));
    }
    if let Some(rule) = data.top_rules.first() {
        out.push(cat.tr(
            "summary-top-rule",
            &[
                ("rule", Arg::Str(rule.name.clone())),
                ("n", Arg::Str(cat.number(rule.count))),
            ],
        ));
    }
    if let Some(tactic) = data.top_tactics.first() {
        out.push(cat.tr(
            "summary-top-tactic",
            &[("tactic", Arg::Str(tactic.name.clone()))],
        ));
    }

    paragraphs.push(std::mem::take(&mut out));

    // Incidents and the contract.
    let incidents = totals.incidents.total();
    let critical = cat.tr(
        "summary-incidents-critical",
        &cat.count_args(totals.incidents.critical),
    );
    let [count, n] = cat.count_args(incidents);
    out.push(cat.tr(
        "summary-incidents",
        &[count, n, ("critical", Arg::Str(critical))],
    ));
    for row in &data.sla.per_severity {
        let (met, missed) = match row.severity {
            Severity::Critical => ("summary-ack-met-critical", "summary-ack-missed-critical"),
            Severity::High => ("summary-ack-met-high", "summary-ack-missed-high"),
            _ => continue,
        };
        let Some(target) = row.acknowledge_target_seconds else {
            continue;
        };
        if row.incidents == 0 {
            continue;
        }
        let [count, n] = cat.count_args(row.incidents);
        let target = ("target", Arg::Str(cat.duration(target)));
        if row.acknowledge_breaches == 0 {
            out.push(cat.tr(met, &[count, n, target]));
        } else {
            let late = ("late", Arg::Str(cat.number(row.acknowledge_breaches)));
            out.push(cat.tr(missed, &[count, n, target, late]));
        }
    }
    if let Some(mtta) = data.sla.mtta_seconds {
        out.push(cat.tr("summary-mtta", &[("mtta", Arg::Str(cat.duration(mtta)))]));
    }
    if let Some(mttr) = data.sla.mttr_seconds {
        out.push(cat.tr("summary-mttr", &[("mttr", Arg::Str(cat.duration(mttr)))]));
    }
    if incidents > 0 || data.sla.breaches > 0 {
        out.push(cat.tr("summary-breaches", &cat.count_args(data.sla.breaches)));
    }

    paragraphs.push(std::mem::take(&mut out));

    // NIS2.
    out.push(cat.tr(
        "summary-nis2-significant",
        &cat.count_args(totals.nis2_significant),
    ));
    if totals.nis2_significant > 0 || totals.nis2_late > 0 {
        out.push(cat.tr("summary-nis2-late", &cat.count_args(totals.nis2_late)));
    }

    paragraphs.push(std::mem::take(&mut out));

    // Log sources.
    let [count, n] = cat.count_args(totals.sources);
    out.push(cat.tr(
        "summary-ingest",
        &[count, n, ("events", Arg::Str(cat.number(totals.events)))],
    ));
    let list = data
        .ingest_gaps
        .iter()
        .map(|gap| {
            cat.tr(
                "gap-item",
                &[
                    ("source", Arg::Str(gap.source_type.clone())),
                    ("from", Arg::Str(cat.short_date(gap.from))),
                    ("to", Arg::Str(cat.short_date(gap.to))),
                ],
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let [count, n] = cat.count_args(data.ingest_gaps.len() as u64);
    out.push(cat.tr("summary-gaps", &[count, n, ("list", Arg::Str(list))]));
    paragraphs.push(out);
    paragraphs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Language;
    use crate::sample;

    fn text(language: Language, data: &ReportData) -> String {
        let cat = Catalog::of(language);
        paragraphs(data, &Totals::of(data), cat)
            .concat()
            .join(" ")
            .replace(['\u{a0}', '\u{202f}'], " ")
    }

    #[test]
    fn the_sample_month_in_words() {
        let data = sample::month(Language::En);
        let en = text(Language::En, &data);
        assert!(
            en.starts_with("In November 2026, 1,"),
            "unexpected opening: {en}"
        );
        assert!(en.contains("incidents were opened (2 critical)"), "{en}");
        assert!(
            en.contains("critical incidents were acknowledged within the contract's 15 min"),
            "{en}"
        );
        assert!(
            en.contains("One NIS2 reporting deadline was missed."),
            "{en}"
        );
        assert!(
            en.contains("One log source went silent: windows.sysmon ("),
            "{en}"
        );
        let fr = text(Language::Fr, &data);
        assert!(fr.starts_with("En novembre 2026, 1 234 alertes"), "{fr}");
        assert!(fr.contains("dont 2 critiques"), "{fr}");
        let de = text(Language::De, &data);
        assert!(de.starts_with("Im November 2026 wurden 1."), "{de}");
        let nl = text(Language::Nl, &data);
        assert!(nl.starts_with("In november 2026 werden 1."), "{nl}");
    }

    #[test]
    fn an_empty_month_in_words() {
        let data = sample::empty_month(Language::En);
        let en = text(Language::En, &data);
        assert!(
            en.starts_with("In November 2026, no alerts were raised. No incident was opened."),
            "{en}"
        );
        assert!(
            en.contains("No incident was significant under NIS2."),
            "{en}"
        );
        assert!(!en.contains("{"), "an unresolved placeholder: {en}");
    }

    #[test]
    fn a_missed_acknowledgement_is_said() {
        let mut data = sample::month(Language::En);
        for row in &mut data.sla.per_severity {
            if row.severity == Severity::Critical {
                row.acknowledge_breaches = 1;
            }
        }
        let en = text(Language::En, &data);
        assert!(
            en.contains(
                "1 of the 2 critical incidents were acknowledged later than the contract's 15 min."
            ),
            "{en}"
        );
    }
}
