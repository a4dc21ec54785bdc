//! Report drafts (§8): the sections of each stage filled from the incident record, in the
//! entity's language, as HTML, PDF and JSON.
//!
//! Labels and fixed sentences come from Fluent files (`crates/nis2/locales/{fr,nl,de,en}/
//! report.ftl`, embedded); free text is kept in the language it was written in and tagged
//! with it, never translated. The TLP label stands at the top and bottom of every page. The
//! JSON snapshot has English field names and a schema version; [`sha256_hex`] gives the hash
//! that the audit log keeps for every rendered file.

use std::collections::BTreeSet;

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::calendar::show;
use crate::model::{EntityCategory, EntityProfile, Lang, Stage, Tlp, TriState};

/// Schema of the JSON snapshot.
pub const SCHEMA: &str = "vigie.nis2.report/1";

/// Free text with the language it was written in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// Language of the text.
    pub lang: Lang,
    /// The text as written.
    pub text: String,
}

/// An indicator of compromise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ioc {
    /// Kind: ip, domain, url, sha256, ...
    pub kind: String,
    /// The value.
    pub value: String,
    /// Its own TLP label when it differs from the report's.
    pub tlp: Option<Tlp>,
}

/// State of a mitigation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MitigationState {
    /// Done.
    Applied,
    /// Under way.
    Ongoing,
    /// Decided, not started.
    Planned,
}

/// A mitigation measure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mitigation {
    /// What was or will be done.
    pub action: Text,
    /// Its state.
    pub state: MitigationState,
}

/// A significance criterion that was met, with its reference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionMet {
    /// Pack and code, e.g. `eu-2690-general@2024-10-17 G-a`.
    pub code: String,
    /// Source reference.
    pub source: String,
    /// Criterion text (as in the pack).
    pub text: String,
}

/// What the reports are filled from (§5.2).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IncidentRecord {
    /// Internal reference.
    pub internal_ref: String,
    /// The authority's reference, once issued.
    pub authority_ref: Option<String>,
    /// Short title.
    pub title: Option<Text>,
    /// What happened, when, which service.
    pub summary: Option<Text>,
    /// Detailed description (final report).
    pub detailed_description: Option<Text>,
    /// First signal.
    pub detected_at: Option<Timestamp>,
    /// Legal anchor.
    pub aware_at: Option<Timestamp>,
    /// Reporting person.
    pub reporter: Option<String>,
    /// 24/7 contact.
    pub contact: Option<String>,
    /// Suspected unlawful or malicious act.
    pub suspected_malicious: TriState,
    /// Possible cross-border impact.
    pub cross_border: TriState,
    /// ISO 3166 codes of the Member States concerned.
    pub member_states: Vec<String>,
    /// Significance criteria met.
    pub criteria_met: Vec<CriterionMet>,
    /// Affected services, users, duration.
    pub affected: Option<Text>,
    /// Severity.
    pub severity: Option<String>,
    /// NIS CG impact severity (red/yellow/green/white).
    pub impact_severity: Option<String>,
    /// NIS CG outlook.
    pub outlook: Option<String>,
    /// RSIT class.
    pub rsit_class: Option<String>,
    /// RSIT type.
    pub rsit_type: Option<String>,
    /// NIS CG root-cause category.
    pub root_cause_category: Option<String>,
    /// Indicators of compromise.
    pub iocs: Vec<Ioc>,
    /// Mitigations.
    pub mitigations: Vec<Mitigation>,
    /// Threat type or root cause analysis.
    pub root_cause: Option<Text>,
    /// Timeline.
    pub timeline: Vec<(Timestamp, Text)>,
    /// Recipients informed, other authorities notified.
    pub recipients: Option<Text>,
    /// Support requested from the CCB.
    pub support_requested: Option<Text>,
    /// Expected end of handling, next report.
    pub expected_end: Option<Text>,
    /// Lessons learned.
    pub lessons_learned: Option<Text>,
    /// Answers to the CSIRT's questions.
    pub csirt_answers: Option<Text>,
}

/// One report to draft.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    /// Stage.
    pub stage: Stage,
    /// Version of this stage's report.
    pub version: u32,
    /// Language of labels and fixed sentences.
    pub language: Lang,
    /// TLP label.
    pub tlp: Tlp,
    /// The entity.
    pub profile: EntityProfile,
    /// The incident.
    pub incident: IncidentRecord,
    /// Id of the report this one follows.
    pub previous_report: Option<String>,
    /// Who approved it (none: a draft).
    pub approved_by: Option<String>,
    /// When it was submitted (none: not yet).
    pub submitted_at: Option<Timestamp>,
    /// When this rendering was made.
    pub generated_at: Timestamp,
}

/// Which sections a stage carries (§8.2): `SECTIONS[n-1]` lists the stages of section n.
const SECTIONS: [&[Stage]; 16] = {
    use Stage::*;
    const ALL: &[Stage] = &[
        EarlyWarning,
        IncidentNotification,
        IntermediateReport,
        ProgressReport,
        FinalReport,
        Voluntary,
    ];
    const NOT_EW: &[Stage] = &[
        IncidentNotification,
        IntermediateReport,
        ProgressReport,
        FinalReport,
        Voluntary,
    ];
    [
        ALL,
        ALL,
        ALL,
        &[EarlyWarning, IncidentNotification, FinalReport, Voluntary],
        ALL,
        ALL,
        ALL,
        ALL,
        ALL,
        NOT_EW,
        NOT_EW,
        ALL,
        &[EarlyWarning, IncidentNotification, Voluntary],
        &[IncidentNotification, IntermediateReport, ProgressReport],
        &[FinalReport],
        &[IntermediateReport],
    ]
};

/// The sections (1 to 16) a stage's report carries.
pub fn sections_of(stage: Stage) -> Vec<usize> {
    (1..=16)
        .filter(|n| SECTIONS[n - 1].contains(&stage))
        .collect()
}

const LOCALES: [(Lang, &str, &str); 4] = [
    (Lang::En, "en", include_str!("../locales/en/report.ftl")),
    (Lang::Fr, "fr", include_str!("../locales/fr/report.ftl")),
    (Lang::Nl, "nl", include_str!("../locales/nl/report.ftl")),
    (Lang::De, "de", include_str!("../locales/de/report.ftl")),
];

/// The localized labels of one language.
pub struct Catalog {
    bundle: FluentBundle<FluentResource>,
}

impl Catalog {
    /// The catalog of `lang` (embedded files, checked by tests).
    pub fn new(lang: Lang) -> Self {
        let (_, tag, text) = LOCALES
            .iter()
            .find(|(l, _, _)| *l == lang)
            .expect("every language has a file");
        let langid: unic_langid::LanguageIdentifier = tag.parse().expect("valid tag");
        let mut bundle = FluentBundle::new(vec![langid]);
        // Isolation marks would not survive the PDF's WinAnsi text.
        bundle.set_use_isolating(false);
        let resource =
            FluentResource::try_new((*text).to_owned()).expect("locale files are tested");
        bundle
            .add_resource(resource)
            .expect("no duplicate ids in a locale file");
        Self { bundle }
    }

    /// The message `key` with `args`; a missing key shows as `{key}` (tests keep that from
    /// happening).
    pub fn get(&self, key: &str, args: &[(&str, String)]) -> String {
        let Some(pattern) = self.bundle.get_message(key).and_then(|m| m.value()) else {
            return format!("{{{key}}}");
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        let mut errors = Vec::new();
        self.bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }

    fn tri(&self, value: TriState) -> String {
        self.get(
            match value {
                TriState::Yes => "answer-yes",
                TriState::No => "answer-no",
                TriState::Unknown => "answer-unknown",
            },
            &[],
        )
    }
}

/// Every message id of a locale file.
pub fn message_ids(lang: Lang) -> BTreeSet<String> {
    let (_, _, text) = LOCALES.iter().find(|(l, _, _)| *l == lang).expect("file");
    text.lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
        .collect()
}

/// A block of a section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Block {
    /// A paragraph.
    Para(String),
    /// A label and a value.
    Row(String, String),
}

/// The localized document every format is rendered from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Document {
    /// Language tag.
    pub lang: &'static str,
    /// Title line.
    pub title: String,
    /// TLP label for top and bottom of every page.
    pub tlp: &'static str,
    /// Draft mark, when not submitted.
    pub draft: Option<String>,
    /// Header rows.
    pub header: Vec<(String, String)>,
    /// Numbered sections.
    pub sections: Vec<(String, Vec<Block>)>,
    /// Closing sentences.
    pub footer: Vec<String>,
    /// "Page {page} of {pages}" pattern pieces, for the PDF.
    pub page_label: (String, String, String),
}

fn lang_tag(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "fr",
        Lang::Nl => "nl",
        Lang::De => "de",
        Lang::En => "en",
    }
}

fn free(catalog: &Catalog, report_lang: Lang, text: &Text) -> String {
    if text.lang == report_lang {
        text.text.clone()
    } else {
        let name = catalog.get(&format!("lang-{}", lang_tag(text.lang)), &[]);
        format!(
            "{} {}",
            text.text,
            catalog.get("free-text-language", &[("lang", name)])
        )
    }
}

/// Builds the localized document of a report.
pub fn document(input: &ReportInput) -> Document {
    let c = Catalog::new(input.language);
    let lang = input.language;
    let na = c.get("not-available", &[]);
    let opt_text = |t: &Option<Text>| t.as_ref().map_or_else(|| na.clone(), |t| free(&c, lang, t));
    let stage_name = c.get(&format!("stage-{}", input.stage.as_str()), &[]);
    let inc = &input.incident;
    let profile = &input.profile;
    let category = c.get(
        match profile.category {
            EntityCategory::Essential => "category-essential",
            EntityCategory::Important => "category-important",
            EntityCategory::OutOfScope => "category-out_of_scope",
            EntityCategory::Undetermined => "category-undetermined",
        },
        &[],
    );
    let time = |t: Option<Timestamp>| t.map_or_else(|| na.clone(), show);
    let mut header = vec![
        (c.get("header-entity", &[]), profile.legal_name.clone()),
        (
            c.get("header-enterprise-number", &[]),
            profile
                .enterprise_number
                .clone()
                .unwrap_or_else(|| na.clone()),
        ),
        (c.get("header-category", &[]), category),
        (
            c.get("header-sector", &[]),
            if profile.sectors.is_empty() {
                na.clone()
            } else {
                profile.sectors.join(", ")
            },
        ),
        (c.get("header-incident-ref", &[]), inc.internal_ref.clone()),
        (
            c.get("header-authority-ref", &[]),
            inc.authority_ref.clone().unwrap_or_else(|| na.clone()),
        ),
        (
            c.get("header-reporter", &[]),
            inc.reporter.clone().unwrap_or_else(|| na.clone()),
        ),
        (
            c.get("header-contact", &[]),
            inc.contact
                .clone()
                .or_else(|| profile.contact_24_7())
                .unwrap_or_else(|| na.clone()),
        ),
        (c.get("header-detected", &[]), time(inc.detected_at)),
        (c.get("header-aware", &[]), time(inc.aware_at)),
        (c.get("header-submitted", &[]), time(input.submitted_at)),
        (
            c.get("header-language", &[]),
            c.get(&format!("lang-{}", lang_tag(lang)), &[]),
        ),
    ];
    if let Some(previous) = &input.previous_report {
        header.push((c.get("header-previous", &[]), previous.clone()));
    }
    header.push((c.get("header-generated", &[]), show(input.generated_at)));

    let mut sections = Vec::new();
    for n in sections_of(input.stage) {
        let title = format!("{n}. {}", c.get(&format!("section-{n}"), &[]));
        let blocks = match n {
            1 => vec![Block::Para(opt_text(&inc.summary))],
            2 => vec![Block::Para(c.tri(inc.suspected_malicious))],
            3 => {
                let mut b = vec![Block::Para(c.tri(inc.cross_border))];
                if !inc.member_states.is_empty() {
                    b.push(Block::Para(c.get(
                        "member-states",
                        &[("states", inc.member_states.join(", "))],
                    )));
                }
                b
            }
            4 if inc.criteria_met.is_empty() => vec![Block::Para(na.clone())],
            4 => inc
                .criteria_met
                .iter()
                .map(|m| Block::Row(m.code.clone(), format!("{} ({})", m.text, m.source)))
                .collect(),
            5 => vec![Block::Para(opt_text(&inc.affected))],
            6 => vec![
                Block::Row(
                    c.get("label-severity", &[]),
                    inc.severity.clone().unwrap_or_else(|| na.clone()),
                ),
                Block::Row(
                    c.get("label-impact-severity", &[]),
                    inc.impact_severity.clone().unwrap_or_else(|| na.clone()),
                ),
                Block::Row(
                    c.get("label-outlook", &[]),
                    inc.outlook.clone().unwrap_or_else(|| na.clone()),
                ),
            ],
            7 => vec![
                Block::Row(
                    c.get("label-rsit", &[]),
                    match (&inc.rsit_class, &inc.rsit_type) {
                        (Some(class), Some(kind)) => format!("rsit:{class}=\"{kind}\""),
                        (Some(class), None) => format!("rsit:{class}"),
                        _ => na.clone(),
                    },
                ),
                Block::Row(
                    c.get("label-root-cause-category", &[]),
                    inc.root_cause_category
                        .clone()
                        .unwrap_or_else(|| na.clone()),
                ),
            ],
            8 if inc.iocs.is_empty() => vec![Block::Para(c.get("iocs-none", &[]))],
            8 => inc
                .iocs
                .iter()
                .map(|ioc| {
                    let label = ioc
                        .tlp
                        .map_or(String::new(), |t| format!(" [{}]", t.label()));
                    Block::Row(ioc.kind.clone(), format!("{}{label}", ioc.value))
                })
                .collect(),
            9 if inc.mitigations.is_empty() => vec![Block::Para(na.clone())],
            9 => inc
                .mitigations
                .iter()
                .map(|m| {
                    let state = c.get(
                        match m.state {
                            MitigationState::Applied => "mitigation-applied",
                            MitigationState::Ongoing => "mitigation-ongoing",
                            MitigationState::Planned => "mitigation-planned",
                        },
                        &[],
                    );
                    Block::Row(state, free(&c, lang, &m.action))
                })
                .collect(),
            10 => vec![Block::Para(opt_text(&inc.root_cause))],
            11 if inc.timeline.is_empty() => vec![Block::Para(na.clone())],
            11 => inc
                .timeline
                .iter()
                .map(|(at, text)| Block::Row(show(*at), free(&c, lang, text)))
                .collect(),
            12 => vec![Block::Para(opt_text(&inc.recipients))],
            13 => vec![Block::Para(opt_text(&inc.support_requested))],
            14 => vec![Block::Para(opt_text(&inc.expected_end))],
            15 => vec![Block::Para(opt_text(&inc.lessons_learned))],
            _ => vec![Block::Para(opt_text(&inc.csirt_answers))],
        };
        sections.push((title, blocks));
    }
    let mut footer = vec![c.get("legal-basis", &[]), c.get("no-liability", &[])];
    footer.push(match &input.approved_by {
        Some(name) => c.get("approved-by", &[("name", name.clone())]),
        None => c.get("not-approved", &[]),
    });
    let page = c.get(
        "page",
        &[("page", "\u{1}".to_owned()), ("pages", "\u{2}".to_owned())],
    );
    let (before, rest) = page.split_once('\u{1}').unwrap_or((&page, ""));
    let (middle, after) = rest.split_once('\u{2}').unwrap_or((rest, ""));
    Document {
        lang: lang_tag(lang),
        title: c.get(
            "report-title",
            &[
                ("stage", stage_name),
                ("version", input.version.to_string()),
            ],
        ),
        tlp: input.tlp.label(),
        draft: input
            .submitted_at
            .is_none()
            .then(|| c.get("draft-mark", &[])),
        header,
        sections,
        footer,
        page_label: (before.to_owned(), middle.to_owned(), after.to_owned()),
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// The one style block of the HTML report. The page is a standalone document (archived,
/// sent on), so its style is inline; [`html_csp`] allows exactly this block by its hash.
pub const HTML_STYLE: &str = "body{font-family:sans-serif;max-width:50em;margin:2em auto;color:#111}.tlp{font-weight:bold;text-align:right}table{border-collapse:collapse}th,td{text-align:left;vertical-align:top;padding:.2em .6em .2em 0}.draft{color:#a00;font-weight:bold}";

/// The Content-Security-Policy to serve the HTML report with: nothing at all may load or
/// run but [`HTML_STYLE`], allowed by its SHA-256 (CSP level 2 hash source).
pub fn html_csp() -> String {
    use base64::Engine;
    use sha2::Digest;
    let hash = sha2::Sha256::digest(HTML_STYLE.as_bytes());
    format!(
        "default-src 'none'; style-src 'sha256-{}'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

/// A standalone HTML page (no script; every value escaped).
pub fn render_html(doc: &Document) -> String {
    let mut h = String::new();
    h.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n",
        doc.lang,
        escape(&doc.title)
    ));
    h.push_str(&format!("<p class=\"tlp\">{}</p>\n", doc.tlp));
    h.push_str(&format!("<h1>{}</h1>\n", escape(&doc.title)));
    if let Some(draft) = &doc.draft {
        h.push_str(&format!("<p class=\"draft\">{}</p>\n", escape(draft)));
    }
    h.push_str("<table>\n");
    for (label, value) in &doc.header {
        h.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n",
            escape(label),
            escape(value)
        ));
    }
    h.push_str("</table>\n");
    for (title, blocks) in &doc.sections {
        h.push_str(&format!("<h2>{}</h2>\n", escape(title)));
        for block in blocks {
            match block {
                Block::Para(text) => h.push_str(&format!("<p>{}</p>\n", escape(text))),
                Block::Row(label, value) => h.push_str(&format!(
                    "<p><strong>{}</strong>: {}</p>\n",
                    escape(label),
                    escape(value)
                )),
            }
        }
    }
    for line in &doc.footer {
        h.push_str(&format!("<p><small>{}</small></p>\n", escape(line)));
    }
    h.push_str(&format!(
        "<p class=\"tlp\">{}</p>\n</body>\n</html>\n",
        doc.tlp
    ));
    h
}

/// Greedy word wrap at `width` characters (the built-in Helvetica has no metrics here; the
/// width is chosen so that a line of wide letters still fits the A4 text column).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let mut word = word.to_owned();
            while word.chars().count() > width {
                let head: String = word.chars().take(width).collect();
                word = word.chars().skip(width).collect();
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                lines.push(head);
            }
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        lines.push(line);
    }
    lines
}

/// A4 PDF with the TLP label at the top and bottom of every page and page numbers.
pub fn render_pdf(doc: &Document) -> Vec<u8> {
    use printpdf::{
        BuiltinFont, Mm, Op, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt,
        TextItem,
    };
    #[derive(Clone, Copy)]
    enum Style {
        Title,
        Heading,
        Body,
        Bold,
    }
    // Lay out lines first, so every page knows the page count.
    let mut lines: Vec<(Style, String)> = Vec::new();
    for line in wrap(&doc.title, 60) {
        lines.push((Style::Title, line));
    }
    if let Some(draft) = &doc.draft {
        lines.push((Style::Bold, draft.clone()));
    }
    lines.push((Style::Body, String::new()));
    for (label, value) in &doc.header {
        for (i, line) in wrap(&format!("{label}: {value}"), 92)
            .into_iter()
            .enumerate()
        {
            lines.push((if i == 0 { Style::Bold } else { Style::Body }, line));
        }
    }
    for (title, blocks) in &doc.sections {
        lines.push((Style::Body, String::new()));
        lines.push((Style::Heading, title.clone()));
        for block in blocks {
            let text = match block {
                Block::Para(text) => text.clone(),
                Block::Row(label, value) => format!("{label}: {value}"),
            };
            for line in wrap(&text, 92) {
                lines.push((Style::Body, line));
            }
        }
    }
    lines.push((Style::Body, String::new()));
    for line in &doc.footer {
        for l in wrap(line, 92) {
            lines.push((Style::Body, l));
        }
    }
    const TOP: f32 = 270.0;
    const BOTTOM: f32 = 25.0;
    let height = |style: Style| match style {
        Style::Title => 8.0,
        Style::Heading => 6.5,
        Style::Body | Style::Bold => 5.0,
    };
    let mut pages: Vec<Vec<(Style, String, f32)>> = vec![Vec::new()];
    let mut y = TOP;
    for (style, text) in lines {
        let h = height(style);
        if y - h < BOTTOM {
            pages.push(Vec::new());
            y = TOP;
        }
        y -= h;
        pages
            .last_mut()
            .expect("one page at least")
            .push((style, text, y));
    }
    let total = pages.len();
    let mut pdf = PdfDocument::new(&doc.title);
    let text_at = |x: f32, y: f32, font: BuiltinFont, size: f32, text: String| {
        vec![
            Op::StartTextSection,
            Op::SetTextCursor {
                pos: Point::new(Mm(x), Mm(y)),
            },
            Op::SetFont {
                font: PdfFontHandle::Builtin(font),
                size: Pt(size),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text)],
            },
            Op::EndTextSection,
        ]
    };
    let mut out_pages = Vec::new();
    for (index, page) in pages.into_iter().enumerate() {
        let mut ops = Vec::new();
        // TLP label top and bottom of every page.
        ops.extend(text_at(
            160.0,
            285.0,
            BuiltinFont::HelveticaBold,
            10.0,
            doc.tlp.to_owned(),
        ));
        ops.extend(text_at(
            160.0,
            10.0,
            BuiltinFont::HelveticaBold,
            10.0,
            doc.tlp.to_owned(),
        ));
        let (before, middle, after) = &doc.page_label;
        ops.extend(text_at(
            20.0,
            10.0,
            BuiltinFont::Helvetica,
            8.0,
            format!("{before}{}{middle}{total}{after}", index + 1),
        ));
        for (style, text, y) in page {
            if text.is_empty() {
                continue;
            }
            let (font, size) = match style {
                Style::Title => (BuiltinFont::HelveticaBold, 15.0),
                Style::Heading => (BuiltinFont::HelveticaBold, 11.5),
                Style::Bold => (BuiltinFont::HelveticaBold, 9.5),
                Style::Body => (BuiltinFont::Helvetica, 9.5),
            };
            ops.extend(text_at(20.0, y, font, size, text));
        }
        out_pages.push(PdfPage::new(Mm(210.0), Mm(297.0), ops));
    }
    pdf.with_pages(out_pages)
        .save(&PdfSaveOptions::default(), &mut Vec::new())
}

/// The machine-readable snapshot: English field names, free text tagged with its language,
/// and the schema version.
pub fn snapshot_json(input: &ReportInput) -> serde_json::Value {
    serde_json::json!({
        "schema": SCHEMA,
        "stage": input.stage,
        "version": input.version,
        "language": input.language,
        "tlp": input.tlp,
        "sections": sections_of(input.stage),
        "report": input,
    })
}

/// Hex SHA-256 of a rendered file, for the audit log.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IrEntityType;

    fn input(stage: Stage, language: Lang) -> ReportInput {
        ReportInput {
            stage,
            version: 1,
            language,
            tlp: Tlp::Amber,
            profile: EntityProfile {
                legal_name: "CPAS de Liège".into(),
                enterprise_number: Some("0212.345.678".into()),
                category: EntityCategory::Important,
                sectors: vec!["Annex I, 10 public administration".into()],
                ir_entity_types: vec![IrEntityType::Msp],
                ..EntityProfile::default()
            },
            incident: IncidentRecord {
                internal_ref: "INC-2026-0042".into(),
                summary: Some(Text {
                    lang: Lang::Fr,
                    text: "Chiffrement de serveurs de fichiers <b>par un rançongiciel</b>.".into(),
                }),
                detected_at: Some("2026-03-28T21:10:00Z".parse().unwrap()),
                aware_at: Some("2026-03-28T21:30:00Z".parse().unwrap()),
                suspected_malicious: TriState::Yes,
                cross_border: TriState::Unknown,
                criteria_met: vec![CriterionMet {
                    code: "eu-2690-general@2024-10-17 G-e".into(),
                    source: "Reg. (EU) 2024/2690 Art. 3(1)(e)".into(),
                    text: "Successful malicious unauthorised access".into(),
                }],
                iocs: vec![Ioc {
                    kind: "ip".into(),
                    value: "203.0.113.7".into(),
                    tlp: Some(Tlp::Red),
                }],
                ..IncidentRecord::default()
            },
            previous_report: None,
            approved_by: None,
            submitted_at: None,
            generated_at: "2026-03-29T08:00:00Z".parse().unwrap(),
        }
    }

    /// Every locale has exactly the same message ids, and every id the renderer asks for
    /// exists (a missing one renders as `{id}`).
    #[test]
    fn locales_have_the_same_keys_and_none_is_missing() {
        let en = message_ids(Lang::En);
        for lang in [Lang::Fr, Lang::Nl, Lang::De] {
            let other = message_ids(lang);
            let missing: Vec<_> = en.difference(&other).collect();
            let extra: Vec<_> = other.difference(&en).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{lang:?}: missing {missing:?}, extra {extra:?}"
            );
        }
        let mut used = BTreeSet::new();
        for stage in [
            Stage::EarlyWarning,
            Stage::IncidentNotification,
            Stage::IntermediateReport,
            Stage::ProgressReport,
            Stage::FinalReport,
            Stage::Voluntary,
        ] {
            for lang in [Lang::En, Lang::Fr, Lang::Nl, Lang::De] {
                let doc = document(&input(stage, lang));
                let text = serde_json::to_string(&doc).unwrap();
                assert!(
                    !text.contains("{section")
                        && !text.contains("{header")
                        && !text.contains("{stage"),
                    "{text}"
                );
                used.insert(stage.as_str());
            }
        }
        // Every key is used by some stage or state: stages, sections 1..16, answers, ...
        for key in &en {
            let used_somewhere = key.starts_with("stage-")
                || key.starts_with("section-")
                || key.starts_with("category-")
                || key.starts_with("lang-")
                || key.starts_with("answer-")
                || key.starts_with("mitigation-")
                || key.starts_with("header-")
                || key.starts_with("label-")
                || [
                    "report-title",
                    "draft-mark",
                    "legal-basis",
                    "no-liability",
                    "approved-by",
                    "not-approved",
                    "page",
                    "member-states",
                    "not-available",
                    "iocs-none",
                    "free-text-language",
                ]
                .contains(&key.as_str());
            assert!(used_somewhere, "unused message id {key}");
        }
    }

    #[test]
    fn early_warning_sections_and_free_text_language() {
        assert_eq!(
            sections_of(Stage::EarlyWarning),
            vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13]
        );
        assert_eq!(
            sections_of(Stage::FinalReport),
            vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15]
        );
        assert_eq!(
            sections_of(Stage::IntermediateReport),
            vec![1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16]
        );
        let nl = document(&input(Stage::EarlyWarning, Lang::Nl));
        assert_eq!(nl.title, "NIS2: Vroegtijdige waarschuwing (versie 1)");
        assert_eq!(nl.sections[0].0, "1. Samenvatting");
        // French free text kept as written, tagged in the report's language.
        let summary = match &nl.sections[0].1[0] {
            Block::Para(text) => text.clone(),
            other => panic!("{other:?}"),
        };
        assert!(summary.starts_with("Chiffrement de serveurs"), "{summary}");
        assert!(summary.ends_with("(geschreven in het Frans)"), "{summary}");
        let fr = document(&input(Stage::EarlyWarning, Lang::Fr));
        assert_eq!(fr.title, "NIS2 : Alerte précoce (version 1)");
        assert!(matches!(&fr.sections[0].1[0], Block::Para(t) if !t.contains("rédigé")));
        assert_eq!(fr.draft.as_deref(), Some("PROJET, non soumis"));
        // Local times with offset, DST-aware.
        let aware = fr
            .header
            .iter()
            .find(|(l, _)| l.starts_with("Prise de connaissance"))
            .unwrap();
        assert_eq!(aware.1, "2026-03-28 22:30 +01:00");
    }

    #[test]
    fn html_escapes_and_labels_tlp() {
        let html = render_html(&document(&input(Stage::EarlyWarning, Lang::De)));
        assert!(html.contains("<html lang=\"de\">"));
        assert!(html.contains("&lt;b&gt;par un rançongiciel&lt;/b&gt;"));
        assert!(!html.contains("<b>par"));
        assert_eq!(html.matches("TLP:AMBER").count(), 2);
        assert!(html.contains("203.0.113.7 [TLP:RED]"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn pdf_is_a_pdf_with_tlp_on_every_page() {
        let mut long = input(Stage::FinalReport, Lang::Nl);
        long.incident.timeline = (0..120)
            .map(|i| {
                (
                    Timestamp::from_second(1_774_000_000 + i * 600).unwrap(),
                    Text { lang: Lang::Nl, text: format!("Stap {i}: onderzoek van de getroffen servers en herstel van de back-ups") },
                )
            })
            .collect();
        let pdf = render_pdf(&document(&long));
        assert!(pdf.starts_with(b"%PDF-"));
        // Inflate every stream and look at the page content streams.
        let mut pages = Vec::new();
        let mut rest = &pdf[..];
        while let Some(at) = find(rest, b"stream") {
            let mut body = &rest[at + b"stream".len()..];
            body = body
                .strip_prefix(b"\r\n")
                .or(body.strip_prefix(b"\n"))
                .unwrap_or(body);
            let end = find(body, b"endstream").expect("stream end");
            let mut inflated = Vec::new();
            let mut decoder = flate2::read::ZlibDecoder::new(&body[..end]);
            if std::io::Read::read_to_end(&mut decoder, &mut inflated).is_ok() {
                let text = String::from_utf8_lossy(&inflated).into_owned();
                if text.contains("BT") {
                    pages.push(shown_text(&text));
                }
            }
            rest = &body[end + b"endstream".len()..];
        }
        assert!(
            pages.len() >= 2,
            "expected several pages, found {}",
            pages.len()
        );
        let total = pages.len();
        for (index, page) in pages.iter().enumerate() {
            assert_eq!(page.matches("TLP:AMBER").count(), 2, "page {index}");
            assert!(
                page.contains(&format!("Pagina {} van {total}", index + 1)),
                "page {index}"
            );
        }
        // The Dutch title, WinAnsi-encoded.
        assert!(
            pages
                .iter()
                .any(|p| p.contains("NIS2: Eindverslag (versie 1)"))
        );
        assert!(
            pages
                .iter()
                .any(|p| p.contains("Ondernemingsnummer (KBO): 0212.345.678"))
        );
    }

    /// Writes a sample PDF for a person to look at: `VIGIE_NIS2_SAMPLE=path cargo test`.
    #[test]
    fn sample_pdf_on_request() {
        if let Ok(path) = std::env::var("VIGIE_NIS2_SAMPLE") {
            std::fs::write(
                path,
                render_pdf(&document(&input(Stage::EarlyWarning, Lang::Fr))),
            )
            .unwrap();
        }
    }

    /// The text a content stream shows: literal `(...)` strings and WinAnsi hex `<...>`
    /// strings, decoded (WinAnsi matches Latin-1 for the letters used here).
    fn shown_text(stream: &str) -> String {
        let mut out = String::new();
        for line in stream.lines().filter(|l| l.ends_with("Tj")) {
            let body = line.trim_end_matches("Tj").trim();
            if let Some(hex) = body.strip_prefix('<').and_then(|b| b.strip_suffix('>')) {
                let bytes = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap());
                out.extend(bytes.map(char::from));
            } else if let Some(lit) = body.strip_prefix('(').and_then(|b| b.strip_suffix(')')) {
                out.push_str(lit);
            }
            out.push('\n');
        }
        out
    }

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    #[test]
    fn json_snapshot_has_schema_and_language_tags() {
        let json = snapshot_json(&input(Stage::EarlyWarning, Lang::En));
        assert_eq!(json["schema"], SCHEMA);
        assert_eq!(json["tlp"], "TLP:AMBER");
        assert_eq!(json["report"]["incident"]["summary"]["lang"], "fr");
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn wrap_keeps_words_and_splits_long_ones() {
        assert_eq!(wrap("a bb ccc", 4), vec!["a bb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
    }
}
