//! The monthly client report: one tenant's month of figures ([`ReportData`]) as an A4 PDF
//! its CISO can show the board, in French, Dutch, German or English.
//!
//! # Design
//!
//! - **Typesetting: Typst as a library** (`typst` + `typst-layout` + `typst-pdf` 0.15.1 through
//!   `typst-as-lib` 0.17.0; builds on Rust 1.92 and later). Chosen over printpdf because
//!   Typst lays out text (line breaking, hyphenation per language, tables that split across
//!   pages with repeated headers, page X / Y) where printpdf would leave every line position
//!   to us. The cost is build time and size, which is why this is a crate of its own (see
//!   `docs/reports.md`). The four Typst crates are pinned exactly: their library API changes
//!   between minor versions.
//! - **Fonts**: Libertinus Serif and DejaVu Sans Mono from `typst-assets` (compiled into the
//!   binary); no system fonts are scanned, no package is downloaded, nothing touches the
//!   network. Typst embeds the subsets it uses in the PDF.
//! - **No user string in markup.** The template (`src/report.typ`) is a constant. The report
//!   reaches it as one JSON document passed through `sys.inputs` and decoded with Typst's
//!   `json(…)`: a tenant named `#exit` or `]*_` is a string value, shown as text, never
//!   evaluated. `src/view.rs` builds that JSON: every text already translated and formatted
//!   (numbers, dates, durations) and the charts' geometry, so the template only lays out.
//! - **Charts are drawn by Typst itself** (rectangles, lines and `place`), no image and no
//!   plotting crate: stacked weekly bars for alerts and incidents, one row of daily bars per
//!   source type with silent days filled in red, horizontal bars for the top lists.
//! - **Texts** are Fluent catalogues (`locales/{fr,nl,de,en}/report.ftl`), the approach of
//!   the web UI; `src/texts.rs` formats numbers (`1 234`, `1.234`, `1,234`), dates and
//!   durations per language.
//!
//! Rendering is deterministic for the same data (the PDF's date is the report's
//! generation time) and takes well under a second in release builds.

mod data;
pub mod sample;
mod summary;
mod texts;
mod view;

use std::sync::LazyLock;

use typst::foundations::{Bytes, Dict, IntoValue, Smart};
use typst::text::Font;
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;

pub use data::{
    Client, DayCount, Deadline, DeadlineStatus, IncidentRow, IncidentStatus, IngestGap, IsoWeek,
    Language, MAX_PERIOD_DAYS, NamedCount, Nis2Case, Nis2Stage, Period, ReportData, Severity,
    SeverityCounts, SeveritySla, SlaFigures, SourceIngest, Tlp, WeekCounts,
};
pub use view::{GAP_COLOUR, INGEST_COLOUR, TOP_COLOUR};

/// The Typst template: constant markup that reads the report from `sys.inputs.report`.
const TEMPLATE: &str = include_str!("report.typ");

/// Font families the report uses (the others of `typst-assets` are left out of the book).
const FAMILIES: [&str; 2] = ["Libertinus Serif", "DejaVu Sans Mono"];

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The period's time zone is not a known IANA name.
    #[error("unknown time zone {name:?}: {reason}")]
    TimeZone {
        /// The name given.
        name: String,
        /// What the time zone database said.
        reason: String,
    },
    /// The period is empty, reversed or longer than [`MAX_PERIOD_DAYS`].
    #[error("period {first} to {last}: {reason}")]
    Period {
        /// First day given.
        first: jiff::civil::Date,
        /// Last day given.
        last: jiff::civil::Date,
        /// What is wrong.
        reason: String,
    },
    /// A week, day or gap lies outside the period.
    #[error("{what}: {value} is outside the period {first} to {last}")]
    OutsidePeriod {
        /// Which figure (`alerts_per_week`, `ingest of "linux.auth"` …).
        what: String,
        /// The offending week, day or range.
        value: String,
        /// First day of the period.
        first: jiff::civil::Date,
        /// Last day of the period.
        last: jiff::civil::Date,
    },
    /// Typst could not lay the document out (a bug of the template; the messages say where).
    #[error("layout failed: {0}")]
    Layout(String),
    /// The PDF export failed.
    #[error("PDF export failed: {0}")]
    Pdf(String),
}

/// The compiled template and the fonts, built once per process.
static ENGINE: LazyLock<TypstEngine<TypstTemplateMainFile>> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .filter(|font| FAMILIES.contains(&font.info().family.as_str()))
        .collect();
    TypstEngine::builder()
        .main_file(TEMPLATE)
        .fonts(fonts)
        .build()
});

/// Lays `data` out and returns the PDF: A4, fonts embedded, in `data.language`.
///
/// The data is checked first ([`ReportData::validate`]); the error names the offending
/// value.
pub fn render_pdf(data: &ReportData) -> Result<Vec<u8>, ReportError> {
    let document = layout(data)?;
    let options = typst_pdf::PdfOptions {
        ident: Smart::Custom(format!(
            "vigie-report/{}/{}",
            data.client.slug, data.period.first_day
        )),
        ..Default::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|errors| ReportError::Pdf(messages(&errors)))
}

/// The number of pages `data` lays out to (the PDF's page count).
pub fn page_count(data: &ReportData) -> Result<usize, ReportError> {
    Ok(layout(data)?.pages().len())
}

fn layout(data: &ReportData) -> Result<PagedDocument, ReportError> {
    let tz = data.validate()?;
    let view = view::build(data, &tz);
    let mut inputs = Dict::new();
    inputs.insert("report".into(), view.to_string().into_value());
    let warned = ENGINE.compile_with_input::<_, PagedDocument>(inputs);
    warned.output.map_err(|e| match e {
        typst_as_lib::TypstAsLibError::TypstSource(errors) => {
            ReportError::Layout(messages(&errors))
        }
        other => ReportError::Layout(other.to_string()),
    })
}

/// Typst's diagnostics as one line each, with their hints.
fn messages(errors: &[typst::diag::SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| {
            let mut line = e.message.to_string();
            for hint in &e.hints {
                line.push_str(" (hint: ");
                line.push_str(hint.v.as_str());
                line.push(')');
            }
            line
        })
        .collect::<Vec<_>>()
        .join("; ")
}
