//! The rendered report read back with poppler: text per page, fonts, pixels of the charts.
//! Tests that need poppler and do not find it are recorded as skipped (`support::skip`).

mod support;

use vigie_report::{
    GAP_COLOUR, INGEST_COLOUR, IsoWeek, Language, ReportData, ReportError, TOP_COLOUR, WeekCounts,
    page_count, render_pdf, sample,
};

use support::{Pdf, poppler_or_skip};

/// What each language's document must say, written out here independently of the
/// catalogues.
struct Expected {
    language: Language,
    month: &'static str,
    page: &'static str,
    /// 1,234 alerts in the language's digit grouping (French groups with a narrow no-break
    /// space, which pdftotext writes as a space).
    alerts: &'static str,
    /// Section headings, in document order.
    headings: [&'static str; 8],
    no_alerts: &'static str,
    /// The state of the NIS2 notification sent after its deadline.
    late: &'static str,
}

const EXPECTED: [Expected; 4] = [
    Expected {
        language: Language::Fr,
        month: "novembre 2026",
        page: "page",
        alerts: "1 234",
        headings: [
            "Rapport mensuel de sécurité",
            "Synthèse",
            "Alertes par semaine et gravité",
            "Détections",
            "Événements reçus par jour et type de source",
            "Délais de traitement et engagements contractuels",
            "Notifications NIS2",
            "Liste des incidents",
        ],
        no_alerts: "Aucune alerte ce mois-ci.",
        late: "en retard",
    },
    Expected {
        language: Language::Nl,
        month: "november 2026",
        page: "pagina",
        alerts: "1.234",
        headings: [
            "Maandelijks beveiligingsrapport",
            "Samenvatting voor het management",
            "Meldingen per week en ernst",
            "Detecties",
            "Ontvangen gebeurtenissen per dag en brontype",
            "Reactietijden en contractuele doelstellingen",
            "NIS2-meldingen",
            "Incidentenlijst",
        ],
        no_alerts: "Geen meldingen deze maand.",
        late: "te laat",
    },
    Expected {
        language: Language::De,
        month: "November 2026",
        page: "Seite",
        alerts: "1.234",
        headings: [
            "Monatlicher Sicherheitsbericht",
            "Zusammenfassung für die Leitung",
            "Alarme pro Woche und Schweregrad",
            "Erkennungen",
            "Empfangene Ereignisse pro Tag und Quelltyp",
            "Reaktionszeiten und Vertragsziele",
            "NIS2-Meldungen",
            "Liste der Vorfälle",
        ],
        no_alerts: "Keine Alarme in diesem Monat.",
        late: "verspätet",
    },
    Expected {
        language: Language::En,
        month: "November 2026",
        page: "page",
        alerts: "1,234",
        headings: [
            "Monthly security report",
            "Executive summary",
            "Alerts per week and severity",
            "Detections",
            "Events received per day and source type",
            "Response times and contract targets",
            "NIS2 reporting",
            "Incident list",
        ],
        no_alerts: "No alerts this month.",
        late: "late",
    },
];

/// Rows of a 50 dpi page above the body (the header: 2.3 cm margin) and below it (the
/// footer: 2.1 cm).
const BODY_TOP: usize = 46;
const BODY_BOTTOM: usize = 42;

/// Page (1-based) of the first line that is `heading` alone, if any.
fn page_of(pages: &[String], heading: &str) -> Option<usize> {
    pages
        .iter()
        .position(|p| p.lines().any(|l| l.trim() == heading))
        .map(|i| i + 1)
}

/// The text of every page.
fn page_texts(pdf: &Pdf) -> Vec<String> {
    (1..=pdf.pages()).map(|p| pdf.page_text(p)).collect()
}

/// pdftotext lays text out in columns: collapse runs of spaces so phrases compare.
/// No-break spaces (U+00A0, U+202F) count as spaces.
fn squeeze(text: &str) -> String {
    text.split([' ', '\n', '\u{a0}', '\u{202f}'])
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_sample_month_in_each_language() {
    if !poppler_or_skip("the_sample_month_in_each_language") {
        return;
    }
    let mut structures = Vec::new();
    for expected in &EXPECTED {
        let tag = expected.language.tag();
        let data = sample::month(expected.language);
        let bytes = render_pdf(&data).unwrap_or_else(|e| panic!("{tag}: {e}"));
        assert!(bytes.starts_with(b"%PDF-"), "{tag}: not a PDF");
        let pdf = Pdf::write(tag, &bytes);
        let info = pdf.info();
        assert!(info.contains("(A4)"), "{tag}: not A4:\n{info}");
        let pages = pdf.pages();
        assert_eq!(pages, page_count(&data).expect("layout"), "{tag}");
        // Title, summary, charts, detections, sources, SLA + NIS2, incidents over 2 pages.
        assert!(pages >= 8, "{tag}: only {pages} pages");

        let texts = page_texts(&pdf);
        let all = squeeze(&texts.join("\n"));
        for needle in [
            "Commune de Belle-Vue",
            "belle-vue",
            "Vigie SOC",
            expected.month,
            expected.alerts,
            "NIS2-2026-007",
            "windows.sysmon",
            "Failed logon burst from one source (T1110)",
            "Europe/Brussels",
        ] {
            assert!(
                all.contains(needle),
                "{tag}: {needle:?} not in the text:\n{all}"
            );
        }
        // Every one of the 40 incidents is listed.
        for number in 2611..2651 {
            assert!(
                all.contains(&number.to_string()),
                "{tag}: incident {number} missing"
            );
        }
        // Every page carries the TLP label and its localised number.
        for (i, text) in texts.iter().enumerate() {
            let page = i + 1;
            assert!(
                text.contains("TLP:AMBER+STRICT"),
                "{tag}: no TLP label on page {page}:\n{text}"
            );
            let number = format!("{} {page} / {pages}", expected.page);
            assert!(
                squeeze(text).contains(&number),
                "{tag}: no {number:?} on page {page}:\n{text}"
            );
        }
        // Sections in order, each on its page.
        let at: Vec<usize> = expected
            .headings
            .iter()
            .map(|h| page_of(&texts, h).unwrap_or_else(|| panic!("{tag}: no heading {h:?}")))
            .collect();
        assert!(
            at.windows(2).all(|w| w[0] <= w[1]),
            "{tag}: sections out of order {at:?}"
        );
        assert_eq!(at[0], 1, "{tag}: the title is not on the first page");
        // The NIS2 clocks: the late notification is marked late.
        let nis2 = squeeze(&texts[at[6] - 1]);
        assert!(
            nis2.contains("NIS2-2026-007") && nis2.contains(expected.late),
            "{tag}: no late deadline on the NIS2 page:\n{nis2}"
        );
        // The incident list goes on over the following pages (40 rows) with its RSIT classes
        // and TLP labels.
        assert!(at[7] < pages, "{tag}: the incident list fits on one page");
        let list = squeeze(&texts[at[7] - 1..].join("\n"));
        for needle in [
            "malicious-code",
            "TLP:RED",
            "TLP:CLEAR",
            "TLP:GREEN",
            "TLP:AMBER ",
        ] {
            assert!(
                list.contains(needle),
                "{tag}: {needle:?} not in the incident list"
            );
        }
        structures.push((tag, pages, at.clone()));

        // Fonts: all embedded.
        let fonts = pdf.fonts();
        let rows: Vec<&str> = fonts
            .lines()
            .skip(2)
            .filter(|l| !l.trim().is_empty())
            .collect();
        assert!(!rows.is_empty(), "{tag}: no fonts listed:\n{fonts}");
        for row in &rows {
            // Columns: name type encoding emb sub uni object ID; the name has no spaces.
            let columns: Vec<&str> = row.split_whitespace().collect();
            let emb = columns.len().checked_sub(5).map(|i| columns[i]);
            assert_eq!(emb, Some("yes"), "{tag}: font not embedded: {row}\n{fonts}");
        }

        // Every page renders; the chart pages have colour where the charts are.
        let pngs = pdf.png_pages();
        assert_eq!(
            pngs.len(),
            pages,
            "{tag}: pdftoppm wrote {} pages",
            pngs.len()
        );
        for png in &pngs {
            let size = std::fs::metadata(png).map(|m| m.len()).unwrap_or(0);
            assert!(size > 1000, "{tag}: {} is {size} bytes", png.display());
        }
        // Below the header and above the footer (whose TLP labels are coloured too).
        let charts = pdf.pixels(at[2]);
        let body = charts.coloured_rows(BODY_TOP, charts.height - BODY_BOTTOM);
        assert!(
            body > 3000,
            "{tag}: only {body} coloured pixels on the chart page ({}x{})",
            charts.width,
            charts.height
        );
        // The bars are in the upper two thirds of the page, where the two charts are.
        let upper = charts.coloured_rows(BODY_TOP, charts.height * 2 / 3);
        assert!(upper * 10 > body * 9, "{tag}: charts not where expected");
        let sources = pdf.pixels(at[4]);
        assert!(
            sources.near(GAP_COLOUR, 24) > 200,
            "{tag}: the silent days of windows.sysmon are not marked ({} pixels)",
            sources.near(GAP_COLOUR, 24)
        );
        assert!(
            sources.near(INGEST_COLOUR, 20) > 2000,
            "{tag}: no ingest bars"
        );
        let detections = pdf.pixels(at[3]);
        assert!(
            detections.near(TOP_COLOUR, 20) > 500,
            "{tag}: no bars on the detections page"
        );
    }
    // The four languages have the same structure: same page count, sections on the same
    // pages.
    let (first_tag, first_pages, first_at) = &structures[0];
    for (tag, pages, at) in &structures[1..] {
        assert_eq!(
            (pages, at),
            (first_pages, first_at),
            "{tag} differs in structure from {first_tag}"
        );
    }
}

#[test]
fn an_empty_month_says_so() {
    if !poppler_or_skip("an_empty_month_says_so") {
        return;
    }
    for expected in &EXPECTED {
        let tag = expected.language.tag();
        let data = sample::empty_month(expected.language);
        let bytes = render_pdf(&data).unwrap_or_else(|e| panic!("{tag}: {e}"));
        let pdf = Pdf::write(tag, &bytes);
        let texts = page_texts(&pdf);
        let all = squeeze(&texts.join("\n"));
        assert!(
            all.contains(expected.no_alerts),
            "{tag}: no {:?}:\n{all}",
            expected.no_alerts
        );
        let chart_page = page_of(&texts, expected.headings[2]).expect("chart page");
        // No bar at all on the chart page: only the grey frames of the empty panels.
        let pixels = pdf.pixels(chart_page);
        let body = pixels.coloured_rows(BODY_TOP, pixels.height - BODY_BOTTOM);
        assert!(
            body < 20,
            "{tag}: {body} coloured pixels on an empty chart page"
        );
        assert!(
            pixels.coloured() > 100,
            "{tag}: the TLP labels of header and footer are not coloured"
        );
        for (i, text) in texts.iter().enumerate() {
            assert!(
                text.contains("TLP:AMBER+STRICT"),
                "{tag}: no TLP on page {}",
                i + 1
            );
        }
    }
    let en = squeeze(
        &Pdf::write(
            "en",
            &render_pdf(&sample::empty_month(Language::En)).expect("render"),
        )
        .text(),
    );
    for needle in [
        "In November 2026, no alerts were raised.",
        "No incident was opened.",
        "No NIS2 case this month.",
        "No incident this month.",
    ] {
        assert!(en.contains(needle), "{needle:?} not in:\n{en}");
    }
}

#[test]
fn user_strings_are_shown_not_evaluated() {
    let mut data = sample::month(Language::En);
    let hostile = [
        "#exit",
        "]*_",
        "#panic(\"injected\")",
        "$x^2$ \\ @label <ref> `raw`",
        "#set page(width: 1cm)",
        "/* not a comment",
        "= Not a heading",
    ];
    data.client.name = hostile[0].to_owned();
    data.provider = hostile[1].to_owned();
    data.client.slug = hostile[2].to_owned();
    data.incidents[0].title = hostile[3].to_owned();
    data.incidents[1].title = hostile[4].to_owned();
    data.top_rules[0].name = hostile[5].to_owned();
    data.nis2_cases[0].title = hostile[6].to_owned();
    data.ingest[0].source_type = "#import \"x.typ\": *".to_owned();
    let bytes =
        render_pdf(&data).unwrap_or_else(|e| panic!("a hostile string broke the layout: {e}"));
    assert_eq!(
        page_count(&data).expect("layout"),
        page_count(&sample::month(Language::En)).expect("layout"),
        "a hostile string changed the layout"
    );
    if !poppler_or_skip("user_strings_are_shown_not_evaluated (text check)") {
        return;
    }
    let pdf = Pdf::write("hostile", &bytes);
    let info = pdf.info();
    assert!(info.contains("(A4)"), "the page size changed:\n{info}");
    let text = squeeze(&pdf.text());
    for needle in hostile.iter().chain(&["#import \"x.typ\": *"]) {
        assert!(
            text.contains(needle),
            "{needle:?} is not shown as is:\n{text}"
        );
    }
}

#[test]
fn bad_data_is_refused_with_the_offending_value() {
    let mut data: ReportData = sample::month(Language::Fr);
    data.period.time_zone = "Europe/Atlantis".to_owned();
    let err = render_pdf(&data).expect_err("unknown zone");
    assert!(matches!(err, ReportError::TimeZone { .. }), "{err}");
    assert!(err.to_string().contains("Europe/Atlantis"), "{err}");

    let mut data = sample::month(Language::Fr);
    data.alerts_per_week.push(WeekCounts {
        week: IsoWeek {
            year: 2026,
            week: 30,
        },
        counts: Default::default(),
    });
    let err = render_pdf(&data).expect_err("week outside");
    assert!(err.to_string().contains("2026-W30"), "{err}");

    let mut data = sample::month(Language::Fr);
    data.period.last_day = jiff::civil::date(2026, 12, 31);
    let err = render_pdf(&data).expect_err("two months");
    assert!(err.to_string().contains("2026-12-31"), "{err}");
}

#[test]
fn the_data_round_trips_through_json() {
    let data = sample::month(Language::De);
    let json = serde_json::to_string(&data).expect("serialise");
    assert!(json.contains("\"tlp\":\"TLP:AMBER+STRICT\""), "{json}");
    assert!(json.contains("\"severity\":\"critical\""), "{json}");
    assert!(json.contains("\"language\":\"de\""), "{json}");
    let back: ReportData = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, data);
}

#[test]
fn the_same_data_gives_the_same_pdf() {
    let data = sample::month(Language::Nl);
    let a = render_pdf(&data).expect("render");
    let b = render_pdf(&data).expect("render");
    assert!(a == b, "two renders of the same data differ");
}
