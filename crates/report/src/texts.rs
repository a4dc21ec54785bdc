//! The report's texts in its four languages: Fluent catalogues embedded in the binary
//! (`crates/report/locales/{fr,nl,de,en}/report.ftl`, the approach of the web UI), plus the
//! locale rules Fluent does not cover here: digit grouping (`1 234`, `1.234`, `1,234`), dates,
//! month names and durations.
//!
//! Numbers shown in sentences are formatted here and passed to Fluent as text (`$n`); the raw
//! number is passed as well (`$count`) so that Fluent selects the plural form.
//!
//! Tests check that every language has exactly the same message ids, that every id the
//! template and the code ask for exists, and that every message formats without error.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::data::Language;

/// The Fluent source of a language.
fn source(language: Language) -> &'static str {
    match language {
        Language::Fr => include_str!("../locales/fr/report.ftl"),
        Language::Nl => include_str!("../locales/nl/report.ftl"),
        Language::De => include_str!("../locales/de/report.ftl"),
        Language::En => include_str!("../locales/en/report.ftl"),
    }
}

/// A Fluent argument.
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    /// Text, shown as is.
    Str(String),
    /// A number: selects plural variants (never shown: its text goes in a `Str`).
    Num(u64),
}

/// The messages and locale rules of one language.
pub(crate) struct Catalog {
    language: Language,
    bundle: FluentBundle<FluentResource>,
    /// Message ids in source order.
    ids: Vec<String>,
}

static CATALOGS: LazyLock<[Catalog; 4]> = LazyLock::new(|| Language::ALL.map(Catalog::load));

impl Catalog {
    fn load(language: Language) -> Catalog {
        // The four tags are constants; `und` would only lose plural rules.
        let langid: unic_langid::LanguageIdentifier = language.tag().parse().unwrap_or_default();
        let mut bundle = FluentBundle::new_concurrent(vec![langid]);
        // Unicode isolation marks around arguments would end up in the PDF's text.
        bundle.set_use_isolating(false);
        let resource = FluentResource::try_new(source(language).to_owned())
            .unwrap_or_else(|(resource, _errors)| resource);
        let ids = message_ids(source(language));
        // Parse errors and duplicate ids are caught by the tests; keep what parsed.
        let _ = bundle.add_resource(resource);
        Catalog {
            language,
            bundle,
            ids,
        }
    }

    /// The catalogue of `language`.
    pub(crate) fn of(language: Language) -> &'static Catalog {
        let index = Language::ALL
            .iter()
            .position(|l| *l == language)
            .unwrap_or(0);
        &CATALOGS[index]
    }

    /// The message ids of the catalogue, in source order.
    pub(crate) fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Whether the catalogue has a message `key`.
    #[cfg(test)]
    pub(crate) fn has(&self, key: &str) -> bool {
        self.bundle.has_message(key)
    }

    /// The message `key` without arguments. A missing key shows as `{key}` (the tests keep
    /// that from happening).
    pub(crate) fn t(&self, key: &str) -> String {
        self.tr(key, &[])
    }

    /// The message `key` with arguments.
    pub(crate) fn tr(&self, key: &str, args: &[(&str, Arg)]) -> String {
        self.try_tr(key, args)
            .unwrap_or_else(|_| format!("{{{key}}}"))
    }

    /// The message `key` with arguments, or what went wrong (missing message, missing
    /// argument).
    pub(crate) fn try_tr(&self, key: &str, args: &[(&str, Arg)]) -> Result<String, String> {
        let Some(pattern) = self.bundle.get_message(key).and_then(|m| m.value()) else {
            return Err(format!("no message {key:?} in {}", self.language.tag()));
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            let value: FluentValue = match value {
                Arg::Str(s) => FluentValue::from(s.clone()),
                Arg::Num(n) => FluentValue::from(*n),
            };
            fluent_args.set(*name, value);
        }
        let mut errors = Vec::new();
        let text = self
            .bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned();
        if errors.is_empty() {
            Ok(text)
        } else {
            Err(format!(
                "message {key:?} in {}: {errors:?}",
                self.language.tag()
            ))
        }
    }

    /// The digit-group separator: a narrow no-break space in French, a dot in Dutch and
    /// German, a comma in English.
    fn group_separator(&self) -> &'static str {
        match self.language {
            Language::Fr => "\u{202f}",
            Language::Nl | Language::De => ".",
            Language::En => ",",
        }
    }

    /// A count with the language's digit grouping (`12 345`, `12.345`, `12,345`).
    pub(crate) fn number(&self, n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(self.group_separator());
            }
            out.push(c);
        }
        out
    }

    /// A count as the two arguments of a counted message: `count` (plural selection) and
    /// `n` (its text).
    pub(crate) fn count_args(&self, n: u64) -> [(&'static str, Arg); 2] {
        [("count", Arg::Num(n)), ("n", Arg::Str(self.number(n)))]
    }

    /// The month's name (`novembre`).
    pub(crate) fn month_name(&self, month: i8) -> String {
        self.t(&format!("month-{month}"))
    }

    /// A month and its year (`novembre 2026`).
    pub(crate) fn month_year(&self, day: Date) -> String {
        self.tr(
            "month-year",
            &[
                ("month", Arg::Str(self.month_name(day.month()))),
                ("year", Arg::Str(day.year().to_string())),
            ],
        )
    }

    /// A day in words (`1 novembre 2026`, `1. November 2026`).
    pub(crate) fn long_date(&self, day: Date) -> String {
        self.tr(
            "date-long",
            &[
                ("day", Arg::Str(day.day().to_string())),
                ("month", Arg::Str(self.month_name(day.month()))),
                ("year", Arg::Str(day.year().to_string())),
            ],
        )
    }

    /// A day in digits (`01/11/2026`, `01-11-2026`, `01.11.2026`, `2026-11-01`).
    pub(crate) fn short_date(&self, day: Date) -> String {
        let pattern = match self.language {
            Language::Fr => "%d/%m/%Y",
            Language::Nl => "%d-%m-%Y",
            Language::De => "%d.%m.%Y",
            Language::En => "%Y-%m-%d",
        };
        day.strftime(pattern).to_string()
    }

    /// A day and month in digits, for chart axes (`01/11`, `01-11`, `01.11.`, `11-01`).
    pub(crate) fn day_month(&self, day: Date) -> String {
        let pattern = match self.language {
            Language::Fr => "%d/%m",
            Language::Nl => "%d-%m",
            Language::De => "%d.%m.",
            Language::En => "%m-%d",
        };
        day.strftime(pattern).to_string()
    }

    /// A time in `tz`, in digits (`30/11/2026 14:05`).
    pub(crate) fn date_time(&self, ts: Timestamp, tz: &TimeZone) -> String {
        let zoned = ts.to_zoned(tz.clone());
        format!(
            "{} {}",
            self.short_date(zoned.date()),
            zoned.strftime("%H:%M")
        )
    }

    /// A duration in seconds, rounded to the minute, in words of the language
    /// (`15 min`, `2 h 05 min`, `3 j 4 h`), with no-break spaces so that it never wraps.
    pub(crate) fn duration(&self, seconds: u64) -> String {
        self.duration_words(seconds).replace(' ', "\u{a0}")
    }

    fn duration_words(&self, seconds: u64) -> String {
        let minutes = seconds.saturating_add(30) / 60;
        if minutes < 60 {
            self.tr("duration-m", &[("m", Arg::Str(minutes.to_string()))])
        } else if minutes < 24 * 60 {
            self.tr(
                "duration-hm",
                &[
                    ("h", Arg::Str((minutes / 60).to_string())),
                    ("m", Arg::Str(format!("{:02}", minutes % 60))),
                ],
            )
        } else {
            self.tr(
                "duration-dh",
                &[
                    ("d", Arg::Str(self.number(minutes / (24 * 60)))),
                    ("h", Arg::Str((minutes / 60 % 24).to_string())),
                ],
            )
        }
    }
}

/// The message ids of a catalogue's source, in source order: top-level messages (lines that
/// start with a lowercase letter and name an id before ` =`), not terms or attributes.
fn message_ids(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::data::{DeadlineStatus, IncidentStatus, Nis2Stage, Severity, Tlp};

    /// Ids the code builds at run time from an enum or a number.
    fn dynamic_ids() -> Vec<String> {
        let mut ids = Vec::new();
        ids.extend((1..=12).map(|m| format!("month-{m}")));
        ids.extend(
            Severity::ALL
                .iter()
                .map(|s| format!("severity-{}", s.key())),
        );
        ids.extend(
            IncidentStatus::ALL
                .iter()
                .map(|s| format!("status-{}", s.key())),
        );
        ids.extend(Nis2Stage::ALL.iter().map(|s| format!("stage-{}", s.key())));
        ids.extend(
            DeadlineStatus::ALL
                .iter()
                .map(|s| format!("deadline-{}", s.key())),
        );
        ids.extend(Tlp::ALL.iter().map(|t| format!("tlp-meaning-{}", t.key())));
        ids
    }

    /// The sources that ask for messages: the code and the template.
    const SOURCES: [&str; 4] = [
        include_str!("view.rs"),
        include_str!("summary.rs"),
        include_str!("texts.rs"),
        include_str!("report.typ"),
    ];

    /// Ids asked for by name: `.t("…")`, `.tr("…"` and the template's `tr("…")`.
    fn asked_ids() -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        for source in SOURCES {
            for marker in [".t(", "tr("] {
                for (at, _) in source.match_indices(marker) {
                    // `Str(` is not `tr(`.
                    let before = source[..at].chars().next_back().unwrap_or(' ');
                    if before.is_alphanumeric() || before == '_' {
                        continue;
                    }
                    let rest = source[at + marker.len()..].trim_start();
                    let Some(rest) = rest.strip_prefix('"') else {
                        continue;
                    };
                    let id: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                        .collect();
                    if !id.is_empty() && rest[id.len()..].starts_with('"') {
                        ids.insert(id);
                    }
                }
            }
        }
        ids
    }

    /// Whether `id` appears as a string literal (`"id"`) in a source.
    fn quoted_somewhere(id: &str) -> bool {
        let quoted = format!("\"{id}\"");
        SOURCES.iter().any(|s| s.contains(&quoted))
    }

    #[test]
    fn every_language_has_every_text() {
        let reference: BTreeSet<&String> = Catalog::of(Language::En).ids().iter().collect();
        assert!(reference.len() > 100, "only {} messages", reference.len());
        for language in Language::ALL {
            let catalog = Catalog::of(language);
            let ids: BTreeSet<&String> = catalog.ids().iter().collect();
            assert_eq!(
                catalog.ids().len(),
                ids.len(),
                "{}: duplicate ids",
                language.tag()
            );
            let missing: Vec<_> = reference.difference(&ids).collect();
            let extra: Vec<_> = ids.difference(&reference).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, extra {extra:?}",
                language.tag()
            );
            assert!(
                FluentResource::try_new(source(language).to_owned()).is_ok(),
                "{}: the catalogue does not parse",
                language.tag()
            );
        }
    }

    #[test]
    fn every_id_asked_for_exists_and_every_id_is_asked_for() {
        let asked = asked_ids();
        assert!(
            asked.len() > 50,
            "only {} ids asked for by name",
            asked.len()
        );
        let dynamic = dynamic_ids();
        for language in Language::ALL {
            let catalog = Catalog::of(language);
            for id in asked.iter().chain(&dynamic) {
                assert!(catalog.has(id), "{}: no message {id:?}", language.tag());
            }
        }
        let unused: Vec<_> = Catalog::of(Language::En)
            .ids()
            .iter()
            .filter(|id| !dynamic.contains(*id) && !quoted_somewhere(id))
            .collect();
        assert!(unused.is_empty(), "messages nothing asks for: {unused:?}");
    }

    #[test]
    fn every_message_formats_without_error() {
        // Every argument any message takes, with a plural-selecting count.
        let mut args: Vec<(&str, Arg)> = Vec::new();
        for name in [
            "n",
            "total",
            "late",
            "critical",
            "high",
            "alerts",
            "incidents",
            "sources",
            "events",
            "gaps",
            "target",
            "mtta",
            "mttr",
            "rule",
            "tactic",
            "severity",
            "period",
            "month",
            "year",
            "day",
            "h",
            "m",
            "d",
            "from",
            "to",
            "source",
            "days",
            "page",
            "pages",
            "first",
            "last",
            "host",
            "user",
            "breaches",
            "cases",
            "week",
            "met",
            "open",
            "tz",
            "list",
            "info",
            "medium",
            "low",
            "at",
            "significant",
            "stage",
        ] {
            args.push((name, Arg::Str("7".to_owned())));
        }
        for count in [0, 1, 2, 1234] {
            let mut with_count = args.clone();
            with_count.push(("count", Arg::Num(count)));
            for language in Language::ALL {
                let catalog = Catalog::of(language);
                for id in catalog.ids() {
                    if let Err(e) = catalog.try_tr(id, &with_count) {
                        panic!("{e}");
                    }
                    let text = catalog.tr(id, &with_count);
                    assert!(!text.trim().is_empty(), "{}: {id} is empty", language.tag());
                }
            }
        }
    }

    #[test]
    fn numbers_dates_and_durations_per_language() {
        let fr = Catalog::of(Language::Fr);
        let nl = Catalog::of(Language::Nl);
        let de = Catalog::of(Language::De);
        let en = Catalog::of(Language::En);
        assert_eq!(fr.number(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(nl.number(1_234), "1.234");
        assert_eq!(de.number(12_345), "12.345");
        assert_eq!(en.number(1_234), "1,234");
        assert_eq!(en.number(999), "999");
        assert_eq!(en.number(0), "0");
        let day = jiff::civil::date(2026, 11, 1);
        assert_eq!(fr.long_date(day), "1 novembre 2026");
        assert_eq!(de.long_date(day), "1. November 2026");
        assert_eq!(nl.month_year(day), "november 2026");
        assert_eq!(en.month_year(day), "November 2026");
        assert_eq!(fr.short_date(day), "01/11/2026");
        assert_eq!(de.short_date(day), "01.11.2026");
        let duration = |cat: &Catalog, s| cat.duration(s).replace('\u{a0}', " ");
        assert_eq!(duration(en, 15 * 60), "15 min");
        assert_eq!(duration(en, 2 * 3600 + 5 * 60), "2 h 05 min");
        assert_eq!(duration(de, 2 * 3600 + 5 * 60), "2 Std. 05 Min.");
        assert_eq!(duration(fr, 3 * 86400 + 4 * 3600), "3 j 4 h");
        assert_eq!(duration(en, 29), "0 min");
        assert!(!en.duration(3600).contains(' '), "a duration may wrap");
        let brussels = TimeZone::get("Europe/Brussels").unwrap();
        let ts: Timestamp = "2026-11-30T13:05:00Z".parse().unwrap();
        assert_eq!(fr.date_time(ts, &brussels), "30/11/2026 14:05");
        let [count, n] = nl.count_args(1234);
        assert_eq!(
            nl.tr(
                "summary-alerts",
                &[
                    count,
                    n,
                    ("period", Arg::Str("In november 2026".to_owned()))
                ]
            ),
            "In november 2026 werden 1.234 meldingen gegenereerd."
        );
        let [count, n] = en.count_args(1);
        assert_eq!(
            en.tr(
                "summary-alerts",
                &[count, n, ("period", Arg::Str("In May 2026".to_owned()))]
            ),
            "In May 2026, one alert was raised."
        );
    }
}
