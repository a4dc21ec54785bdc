//! The four languages of the web application: Fluent catalogues embedded in the binary
//! (`crates/web/locales/{fr,nl,de,en}/ui.ftl`), dates in Europe/Brussels with their offset,
//! numbers with each language's digit grouping.
//!
//! A test checks that every locale has exactly the same message ids, that every id the pages
//! ask for exists and that every id is asked for somewhere.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use vigie_event::Severity;

/// A language of the interface.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Français.
    Fr,
    /// Nederlands.
    Nl,
    /// Deutsch.
    De,
    /// English.
    En,
}

impl Lang {
    /// Every language, in the order of the switch.
    pub const ALL: [Lang; 4] = [Lang::Fr, Lang::Nl, Lang::De, Lang::En];

    /// The BCP 47 tag (`fr`, `nl`, `de`, `en`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::Nl => "nl",
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    /// The language's own name, as shown in the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Fr => "Français",
            Lang::Nl => "Nederlands",
            Lang::De => "Deutsch",
            Lang::En => "English",
        }
    }

    /// The language of a tag (`nl`, `nl-BE`, `fr_BE` ...), if it is one of the four.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// The first of the four languages an `Accept-Language` header asks for, by weight.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, usize, Lang)> = None;
        for (index, item) in header.split(',').enumerate() {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::from_tag(tag)
                && weight > 0.0
                && best.is_none_or(|(w, i, _)| weight > w || (weight == w && index < i))
            {
                best = Some((weight, index, lang));
            }
        }
        best.map(|(_, _, lang)| lang)
    }

    fn source(self) -> &'static str {
        match self {
            Lang::Fr => include_str!("../../locales/fr/ui.ftl"),
            Lang::Nl => include_str!("../../locales/nl/ui.ftl"),
            Lang::De => include_str!("../../locales/de/ui.ftl"),
            Lang::En => include_str!("../../locales/en/ui.ftl"),
        }
    }

    /// The thousands separator of the language.
    fn group_separator(self) -> &'static str {
        match self {
            // French uses a narrow no-break space.
            Lang::Fr => "\u{202f}",
            Lang::Nl | Lang::De => ".",
            Lang::En => ",",
        }
    }
}

/// The messages of one language.
pub struct Catalog {
    lang: Lang,
    bundle: FluentBundle<FluentResource>,
}

static CATALOGS: LazyLock<[Catalog; 4]> = LazyLock::new(|| Lang::ALL.map(Catalog::load));

impl Catalog {
    fn load(lang: Lang) -> Catalog {
        let langid: unic_langid::LanguageIdentifier =
            lang.tag().parse().expect("the four tags are valid");
        let mut bundle = FluentBundle::new_concurrent(vec![langid]);
        // Isolation marks around arguments would show in titles and form values.
        bundle.set_use_isolating(false);
        let resource =
            FluentResource::try_new(lang.source().to_owned()).unwrap_or_else(|(res, _errors)| res);
        // Duplicate ids are caught by the tests; keep the first.
        let _ = bundle.add_resource(resource);
        Catalog { lang, bundle }
    }

    /// The catalogue of `lang`.
    pub fn of(lang: Lang) -> &'static Catalog {
        let index = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
        &CATALOGS[index]
    }

    /// The language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Whether the catalogue has a message `key`.
    pub fn has(&self, key: &str) -> bool {
        self.bundle.has_message(key)
    }

    /// The message `key` without arguments; a missing key shows as `{key}` (the tests keep
    /// that from happening).
    pub fn t(&self, key: &str) -> String {
        self.tr(key, &[])
    }

    /// The message `key` with arguments (numbers select plural forms).
    pub fn tr(&self, key: &str, args: &[(&str, Arg)]) -> String {
        let Some(pattern) = self.bundle.get_message(key).and_then(|m| m.value()) else {
            return format!("{{{key}}}");
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
        self.bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }

    /// A severity's name (message `severity-…`), for the templates' badges.
    pub fn severity(&self, severity: impl ByValue<Severity>) -> String {
        self.t(&format!("severity-{}", severity.by_value().as_str()))
    }

    /// `ts` in Europe/Brussels, in the language's date pattern, with its UTC offset.
    pub fn datetime(&self, ts: impl ByValue<Timestamp>) -> String {
        let zoned = ts.by_value().to_zoned(brussels());
        let pattern = self.t("datetime-pattern");
        match jiff::fmt::strtime::format(pattern.as_str(), &zoned) {
            Ok(text) => text,
            Err(_) => zoned.strftime("%Y-%m-%d %H:%M %:z").to_string(),
        }
    }

    /// A count with the language's digit grouping (`12 345`, `12.345`, `12,345`).
    pub fn number(&self, n: impl ByValue<i64>) -> String {
        let n = n.by_value();
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(self.lang.group_separator());
            }
            out.push(c);
        }
        if n < 0 { format!("-{out}") } else { out }
    }

    /// A duration in minutes as hours and minutes (`3 h 05 min`, `3 u 05 min`, `3 Std. 05 Min.`).
    pub fn duration(&self, minutes: i64) -> String {
        let m = minutes.abs();
        let text = if m >= 24 * 60 {
            self.tr(
                "duration-dhm",
                &[
                    ("d", Arg::Num(m / (24 * 60))),
                    ("h", Arg::Num(m / 60 % 24)),
                    ("m", Arg::Str(format!("{:02}", m % 60))),
                ],
            )
        } else {
            self.tr(
                "duration-hm",
                &[
                    ("h", Arg::Num(m / 60)),
                    ("m", Arg::Str(format!("{:02}", m % 60))),
                ],
            )
        };
        if minutes < 0 {
            format!("-{text}")
        } else {
            text
        }
    }
}

/// A value the catalogue formats, taken as it is or through references (templates pass
/// their values by reference).
pub trait ByValue<T> {
    /// The value.
    fn by_value(&self) -> T;
}

macro_rules! by_value {
    ($($t:ty),*) => {$(
        impl ByValue<$t> for $t {
            fn by_value(&self) -> $t {
                *self
            }
        }
        impl ByValue<$t> for &$t {
            fn by_value(&self) -> $t {
                **self
            }
        }
        impl ByValue<$t> for &&$t {
            fn by_value(&self) -> $t {
                ***self
            }
        }
    )*};
}

by_value!(i64, Timestamp, Severity);

/// A Fluent argument.
#[derive(Clone, Debug)]
pub enum Arg {
    /// Text, shown as is.
    Str(String),
    /// A number: selects plural variants.
    Num(i64),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Str(s.to_owned())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Str(s)
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Num(n)
    }
}

/// The Europe/Brussels zone (embedded database).
pub fn brussels() -> TimeZone {
    TimeZone::get("Europe/Brussels").unwrap_or(TimeZone::UTC)
}

/// Every message id of a language's file (top-level messages, not terms or attributes).
pub fn message_ids(lang: Lang) -> BTreeSet<String> {
    lang.source()
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_parse_without_errors_or_duplicates() {
        for lang in Lang::ALL {
            let resource = FluentResource::try_new(lang.source().to_owned());
            assert!(
                resource.is_ok(),
                "{lang:?}: {:?}",
                resource.err().map(|e| e.1)
            );
            let mut bundle = FluentBundle::new_concurrent(vec![
                lang.tag()
                    .parse::<unic_langid::LanguageIdentifier>()
                    .unwrap(),
            ]);
            assert!(
                bundle.add_resource(resource.unwrap()).is_ok(),
                "{lang:?}: duplicate ids"
            );
        }
    }

    #[test]
    fn dates_are_in_brussels_with_offset() {
        // 29 March 2026 is the day summer time starts: 00:30 UTC is 01:30 +01:00,
        // 01:30 UTC is 03:30 +02:00.
        let winter: Timestamp = "2026-03-29T00:30:00Z".parse().unwrap();
        let summer: Timestamp = "2026-03-29T01:30:00Z".parse().unwrap();
        let fr = Catalog::of(Lang::Fr);
        assert_eq!(fr.datetime(winter), "29/03/2026 01:30 (UTC+01:00)");
        assert_eq!(fr.datetime(summer), "29/03/2026 03:30 (UTC+02:00)");
        assert_eq!(
            Catalog::of(Lang::Nl).datetime(summer),
            "29-03-2026 03:30 (UTC+02:00)"
        );
        assert_eq!(
            Catalog::of(Lang::De).datetime(summer),
            "29.03.2026 03:30 (UTC+02:00)"
        );
        assert_eq!(
            Catalog::of(Lang::En).datetime(summer),
            "2026-03-29 03:30 (UTC+02:00)"
        );
    }

    #[test]
    fn numbers_plurals_and_durations_per_language() {
        assert_eq!(
            Catalog::of(Lang::Fr).number(1_234_567),
            "1\u{202f}234\u{202f}567"
        );
        assert_eq!(Catalog::of(Lang::Nl).number(1_234_567), "1.234.567");
        assert_eq!(Catalog::of(Lang::De).number(-12_345), "-12.345");
        assert_eq!(Catalog::of(Lang::En).number(999), "999");
        let en = Catalog::of(Lang::En);
        assert_eq!(en.tr("alerts-count", &[("count", 1.into())]), "1 alert");
        assert_eq!(en.tr("alerts-count", &[("count", 3.into())]), "3 alerts");
        let nl = Catalog::of(Lang::Nl);
        assert_eq!(nl.tr("alerts-count", &[("count", 1.into())]), "1 melding");
        assert_eq!(nl.tr("alerts-count", &[("count", 2.into())]), "2 meldingen");
        assert_eq!(en.duration(185), "3 h 05 min");
        assert_eq!(Catalog::of(Lang::De).duration(-185), "-3 Std. 05 Min.");
        assert_eq!(nl.duration(24 * 60 + 61), "1 d 1 u 01 min");
    }

    #[test]
    fn language_from_headers() {
        assert_eq!(
            Lang::from_accept_language("en-US;q=0.5, nl-BE, fr;q=0.9"),
            Some(Lang::Nl)
        );
        assert_eq!(Lang::from_accept_language("es, it"), None);
        assert_eq!(Lang::from_tag("DE_be"), Some(Lang::De));
        assert_eq!(
            Lang::from_accept_language("fr;q=0, de;q=0.1"),
            Some(Lang::De)
        );
    }

    /// The sources of the pages and their templates, where message ids are asked for.
    const SOURCES: [&str; 39] = [
        include_str!("tokens.rs"),
        include_str!("notifications.rs"),
        include_str!("nis2.rs"),
        include_str!("reports.rs"),
        include_str!("chart.rs"),
        include_str!("hunt.rs"),
        include_str!("mod.rs"),
        include_str!("html.rs"),
        include_str!("login.rs"),
        include_str!("console.rs"),
        include_str!("incidents.rs"),
        include_str!("detection.rs"),
        include_str!("admin.rs"),
        include_str!("i18n.rs"),
        include_str!("../../templates/admin.html"),
        include_str!("../../templates/admin_sla.html"),
        include_str!("../../templates/admin_user.html"),
        include_str!("../../templates/alert.html"),
        include_str!("../../templates/alert_rows.html"),
        include_str!("../../templates/chart.html"),
        include_str!("../../templates/dashboard.html"),
        include_str!("../../templates/detection.html"),
        include_str!("../../templates/error.html"),
        include_str!("../../templates/hunt.html"),
        include_str!("../../templates/incident.html"),
        include_str!("../../templates/incident_change.html"),
        include_str!("../../templates/incident_nis2.html"),
        include_str!("../../templates/incidents.html"),
        include_str!("../../templates/layout.html"),
        include_str!("../../templates/login.html"),
        include_str!("../../templates/notifications.html"),
        include_str!("../../templates/nis2.html"),
        include_str!("../../templates/macros.html"),
        include_str!("../../templates/queue.html"),
        include_str!("../../templates/secret.html"),
        include_str!("../../templates/sla.html"),
        include_str!("../../templates/reports.html"),
        include_str!("../../templates/time_left.html"),
        include_str!("../../templates/tokens.html"),
    ];

    /// Every template is among [`SOURCES`].
    #[test]
    fn every_template_is_read_for_message_ids() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let templates = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "html")
            })
            .count();
        assert_eq!(SOURCES.len(), 14 + templates);
    }

    /// Ids built at run time from a prefix and a value (`severity-high`): every value must
    /// have its message.
    fn dynamic_ids() -> BTreeSet<String> {
        use vigie_soc::desk::{AlertStatus, IncidentStatus};
        let mut ids = BTreeSet::new();
        for r in vigie_access::Role::ALL {
            ids.insert(format!("role-{}", r.as_str()));
        }
        for s in vigie_event::Severity::ALL {
            ids.insert(format!("severity-{}", s.as_str()));
        }
        for s in AlertStatus::ALL {
            ids.insert(format!("alert-status-{}", s.as_str()));
        }
        for s in IncidentStatus::ALL {
            ids.insert(format!("incident-status-{}", s.as_str()));
        }
        for k in ["acknowledge", "resolve"] {
            ids.insert(format!("sla-kind-{k}"));
        }
        for k in vigie_access::TokenKind::ALL {
            ids.insert(format!("token-kind-{}", k.as_str()));
        }
        for p in vigie_access::Permission::ALL {
            ids.insert(format!("permission-{}", p.as_str()));
        }
        for c in ["always", "business"] {
            ids.insert(format!("calendar-{c}"));
        }
        use vigie_nis2::model::Stage;
        for s in [
            Stage::EarlyWarning,
            Stage::IncidentNotification,
            Stage::IntermediateReport,
            Stage::FinalReport,
            Stage::ProgressReport,
            Stage::Voluntary,
        ] {
            ids.insert(format!("nis2-stage-{}", s.as_str()));
        }
        for s in [
            "open",
            "overdue",
            "met",
            "met_late",
            "withdrawn",
            "ask_authority",
        ] {
            ids.insert(format!("nis2-due-{s}"));
        }
        use vigie_soc::notify::{Channel, DeliveryStatus, NotifyEvent};
        for s in [
            DeliveryStatus::Pending,
            DeliveryStatus::Sending,
            DeliveryStatus::Sent,
            DeliveryStatus::Dead,
        ] {
            ids.insert(format!("notify-status-{}", s.as_str()));
        }
        for e in NotifyEvent::ALL {
            ids.insert(format!("notify-event-{}", e.as_str()));
        }
        for c in [Channel::Email, Channel::Webhook] {
            ids.insert(format!("notify-channel-{}", c.as_str()));
        }
        // The NIS2 section (ui/nis2.rs): reporting states, verdicts, answers, facts, report
        // fields and submission channels.
        for s in [
            "detected",
            "triage",
            "not_significant",
            "undetermined",
            "significant",
            "awareness_set",
            "early_warning_sent",
            "notification_sent",
            "intermediate_requested",
            "progress_sent",
            "final_sent",
            "closed",
            "downgraded",
        ] {
            ids.insert(format!("nis2-state-{s}"));
        }
        for v in ["significant", "not_significant", "undetermined", "excluded"] {
            ids.insert(format!("nis2-verdict-{v}"));
        }
        for t in ["yes", "no", "unknown"] {
            ids.insert(format!("nis2-tri-{t}"));
        }
        for (fact, _) in vigie_nis2::significance::FACTS {
            ids.insert(format!("nis2-fact-{fact}"));
        }
        for f in [
            "title",
            "reporter",
            "contact",
            "authority_ref",
            "summary",
            "support_requested",
            "affected",
            "recipients",
            "expected_end",
            "csirt_answers",
            "detailed_description",
            "root_cause",
            "lessons_learned",
        ] {
            ids.insert(format!("nis2-field-{f}"));
        }
        for c in ["platform", "email", "phone"] {
            ids.insert(format!("nis2-channel-{c}"));
        }
        // Timeline kinds written by the store (crates/soc/src/state/sqlite/desk.rs).
        for k in [
            "created",
            "alert_linked",
            "comment",
            "merged",
            "merged_into",
            "task",
            "task_done",
            "split",
            "title",
            "status",
            "severity",
            "assignee",
            "rsit",
            "tlp",
        ] {
            ids.insert(format!("timeline-{k}"));
        }
        ids
    }

    /// Whether a source names `id` as a string literal.
    fn named_in_sources(id: &str) -> bool {
        let quoted = format!("\"{id}\"");
        SOURCES.iter().any(|s| s.contains(&quoted))
    }

    /// Ids passed directly to `.t("…")` or `.tr("…", …)`.
    fn asked_ids() -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for source in SOURCES {
            for marker in [".t(\"", ".tr(\""] {
                for piece in source.split(marker).skip(1) {
                    if let Some(id) = piece.split('"').next()
                        && id.starts_with(|c: char| c.is_ascii_lowercase())
                        && !id.contains(' ')
                    {
                        out.insert(id.to_owned());
                    }
                }
            }
            for piece in source.split(".tr(\n").skip(1) {
                if let Some(id) = piece
                    .trim_start()
                    .strip_prefix('"')
                    .and_then(|p| p.split('"').next())
                {
                    out.insert(id.to_owned());
                }
            }
        }
        out
    }

    /// Every locale has the same ids; every id asked for exists; every id is used.
    #[test]
    fn locales_have_the_same_keys_none_missing_none_unused() {
        let en = message_ids(Lang::En);
        assert!(en.len() > 100, "{} ids", en.len());
        for lang in [Lang::Fr, Lang::Nl, Lang::De] {
            let other = message_ids(lang);
            let missing: Vec<_> = en.difference(&other).collect();
            let extra: Vec<_> = other.difference(&en).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{lang:?}: missing {missing:?}, extra {extra:?}"
            );
        }
        let dynamic = dynamic_ids();
        let asked = asked_ids();
        assert!(
            asked.contains("login-title") && asked.contains("alerts-count"),
            "{asked:?}"
        );
        let missing: Vec<_> = asked
            .union(&dynamic)
            .filter(|id| !en.contains(*id))
            .collect();
        assert!(
            missing.is_empty(),
            "ids asked for but not in the files: {missing:?}"
        );
        let unused: Vec<_> = en
            .iter()
            .filter(|id| !named_in_sources(id) && !dynamic.contains(*id))
            .collect();
        assert!(
            unused.is_empty(),
            "ids in the files that no page asks for: {unused:?}"
        );
        // The same messages are not left untranslated (a copied English line).
        for lang in [Lang::Fr, Lang::Nl, Lang::De] {
            let same: Vec<_> = [
                "login-title",
                "nav-alerts",
                "alert-escalate",
                "incident-comments",
                "sla-overdue",
                "error-not-found",
            ]
            .iter()
            .filter(|id| Catalog::of(lang).t(id) == Catalog::of(Lang::En).t(id))
            .collect();
            assert!(same.is_empty(), "{lang:?}: untranslated {same:?}");
        }
    }
}
