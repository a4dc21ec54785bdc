//! NIS2 Article 23 on the pages: the NIS2 section of the incident page, its forms, and
//! `/ui/nis2`, the list of cases with their clocks.
//!
//! - Every viewer who reads the incident sees its clocks (stage, due date, met, running or
//!   overdue), the approvals and submissions, and links to the draft of each stage's report
//!   in the case's report language (`GET /api/v1/incidents/{id}/nis2/reports/{stage}`, the
//!   API's own rendering, audited there).
//! - SOC users with the incident permission (the API's `WorkIncidents`) also get the forms:
//!   significance assessment, confirmation or withdrawal, awareness, report fields, the case
//!   flags (trust service, end of handling, CSIRT request), approval and submission. Each form
//!   posts to a `/ui/incidents/{id}/nis2/...` route that checks the CSRF token and the origin,
//!   refuses a client (404) and a role without the permission (403, audited as the API's
//!   refusal), and calls the same store method as the API (`api::nis2::assess_facts` for the
//!   assessment, whose engine run the API shares), which audits the change. A refused value
//!   shows the incident page again (400) with the field named in the viewer's language.
//! - Client contacts see their own cases only: every read goes through the session's scope.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use serde::Serialize;
use serde::de::DeserializeOwned;
use vigie_access::Permission;
use vigie_nis2::deadline::{Due, DueStatus, IntermediateRequest};
use vigie_nis2::lifecycle::ReportingState;
use vigie_nis2::model::{Lang, Stage, Tlp, TriState};
use vigie_nis2::report::{IncidentRecord, Ioc, Mitigation, MitigationState, Text};
use vigie_nis2::significance::{FACTS, Verdict, is_numeric};
use vigie_soc::IncidentId;
use vigie_soc::desk::{Incident, RSIT};
use vigie_soc::nis2::{
    CaseUpdate, NewApproval, NewSubmission, Nis2Case, ProfileVersion, approval_check,
};

use super::html::{Choice, Markup, choices, filters};
use super::i18n::{Arg, Catalog, brussels};
use super::incidents::{not_found, page_with_error, time_left};
use super::{Form, Viewer};
use crate::AppState;
use crate::api::nis2::{AnswerFact, FactsInput, NumberFact, assess_facts, report_language};
use crate::error::ApiError;

/// The stages whose reports are drafted, approved and submitted, in order.
const STAGES: [Stage; 6] = [
    Stage::EarlyWarning,
    Stage::IncidentNotification,
    Stage::IntermediateReport,
    Stage::FinalReport,
    Stage::ProgressReport,
    Stage::Voluntary,
];

/// NIS CG severity of the threat, impact severity, outlook, root-cause categories
/// (NIS2.md §3.2): the values the report carries as they are.
const SEVERITIES: [&str; 3] = ["high", "medium", "low"];
const IMPACT_SEVERITIES: [&str; 4] = ["red", "yellow", "green", "white"];
const OUTLOOKS: [&str; 3] = ["improving", "stable", "worsening"];
const ROOT_CAUSES: [&str; 5] = [
    "system-failures",
    "natural-phenomena",
    "human-errors",
    "malicious-actions",
    "third-party-failures",
];
/// Submission channels the store accepts.
const CHANNELS: [&str; 3] = ["platform", "email", "phone"];

/// The most cases the list page shows.
const LIST_LIMIT: u32 = 200;

/// The snake_case name serde gives a value (`early_warning`, `met_late`).
fn snake<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A value from its snake_case name.
fn from_snake<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

fn stage_name(cat: &Catalog, stage: Stage) -> String {
    cat.t(&format!("nis2-stage-{}", stage.as_str()))
}

fn tri_name(cat: &Catalog, value: TriState) -> String {
    cat.t(&format!("nis2-tri-{}", snake(value)))
}

fn lang_tag(lang: Lang) -> String {
    snake(lang)
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "Français",
        Lang::Nl => "Nederlands",
        Lang::De => "Deutsch",
        Lang::En => "English",
    }
}

const LANGS: [Lang; 4] = [Lang::Fr, Lang::Nl, Lang::De, Lang::En];

fn lang_choices(current: Lang) -> Vec<Choice> {
    choices(
        LANGS
            .iter()
            .map(|l| (lang_tag(*l), lang_name(*l).to_owned()))
            .collect(),
        &lang_tag(current),
    )
}

fn tlp_choices(current: Tlp) -> Vec<Choice> {
    choices(
        Tlp::ALL
            .iter()
            .map(|t| (t.label().to_owned(), t.label().to_owned()))
            .collect(),
        current.label(),
    )
}

fn tri_choices(cat: &Catalog, current: TriState) -> Vec<Choice> {
    choices(
        [TriState::Unknown, TriState::Yes, TriState::No]
            .iter()
            .map(|t| (snake(*t), tri_name(cat, *t)))
            .collect(),
        &snake(current),
    )
}

/// A select of plain vocabulary values with an empty first option.
fn vocabulary(cat: &Catalog, values: &[&str], current: Option<&str>) -> Vec<Choice> {
    let mut options = vec![(String::new(), cat.t("nis2-not-given"))];
    options.extend(values.iter().map(|v| ((*v).to_owned(), (*v).to_owned())));
    choices(options, current.unwrap_or_default())
}

/// `ts` as the value of a `datetime-local` field: the Brussels wall clock, to the second.
fn local_input(ts: Timestamp) -> String {
    ts.to_zoned(brussels())
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// A time from a form: RFC 3339 with its offset, or a `datetime-local` value
/// (`2026-03-29T10:30`, seconds optional) read on the Brussels wall clock (the earlier
/// instant when the clock is ambiguous).
fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    let civil = text.parse::<jiff::civil::DateTime>().ok()?;
    brussels().to_ambiguous_timestamp(civil).earlier().ok()
}

/// One due date of a case, in words.
struct DueView {
    /// The stage's name.
    stage: String,
    /// The stage, for report links.
    stage_id: &'static str,
    /// The due date.
    due: Option<String>,
    /// Met, running, overdue ...
    status: String,
    /// `ok` (met), `late` (overdue or met late) or nothing.
    class: &'static str,
    /// Time left, while it runs.
    left: Option<Markup>,
}

fn due_view(cat: &Catalog, due: &Due, now: Timestamp) -> DueView {
    let class = match due.status {
        DueStatus::Met => "ok",
        DueStatus::Overdue | DueStatus::MetLate => "late",
        _ => "",
    };
    DueView {
        stage: stage_name(cat, due.stage),
        stage_id: due.stage.as_str(),
        due: due.due_at.map(|t| cat.datetime(t)),
        status: cat.t(&format!("nis2-due-{}", snake(due.status))),
        class,
        left: (due.submitted_at.is_none()
            && matches!(due.status, DueStatus::Open | DueStatus::Overdue))
        .then(|| time_left(cat, due.due_at, now, false)),
    }
}

/// A link to the draft of a stage's report.
struct Download {
    stage: String,
    pdf: String,
    html: String,
}

/// The drafts of a case: early warning, notification, final report, and the intermediate and
/// progress reports once they are due (`dues`: the case's due dates now).
fn downloads(case: &Nis2Case, dues: &[Due], lang: Lang, cat: &Catalog) -> Vec<Download> {
    let mut stages = vec![Stage::EarlyWarning, Stage::IncidentNotification];
    if !case.data.requests.is_empty() {
        stages.push(Stage::IntermediateReport);
    }
    stages.push(Stage::FinalReport);
    if dues.iter().any(|d| d.stage == Stage::ProgressReport) {
        stages.push(Stage::ProgressReport);
    }
    let base = format!("/api/v1/incidents/{}/nis2/reports", case.incident_id);
    let lang = lang_tag(lang);
    stages
        .into_iter()
        .map(|stage| Download {
            stage: stage_name(cat, stage),
            pdf: format!("{base}/{}?format=pdf&lang={lang}", stage.as_str()),
            html: format!("{base}/{}?format=html&lang={lang}", stage.as_str()),
        })
        .collect()
}

/// An approval, in words.
struct ApprovalRow {
    stage: String,
    version: u32,
    language: &'static str,
    tlp: &'static str,
    by: String,
    at: String,
    status: String,
    class: &'static str,
}

/// A submission, in words.
struct SubmissionRow {
    stages: String,
    at: String,
    channel: String,
    reference: String,
    by: String,
    language: &'static str,
    tlp: &'static str,
    lateness: String,
    sha: String,
}

/// One criterion the engine evaluated.
struct FindingRow {
    code: String,
    text: String,
    source: String,
    result: String,
    class: &'static str,
    advisory: bool,
}

/// The engine's assessment of the stored facts.
struct AssessmentView {
    verdict: String,
    findings: Vec<FindingRow>,
    missing: Vec<String>,
    skipped: Vec<String>,
    precautionary: bool,
}

/// One fact of the assessment form.
struct FactField {
    name: &'static str,
    label: String,
    numeric: bool,
    actual: String,
    projected: String,
    actual_choices: Vec<Choice>,
    projected_choices: Vec<Choice>,
}

/// One free-text field of the record form.
struct TextField {
    name: &'static str,
    label: String,
    value: String,
    rows: u8,
}

/// The report fields, grouped by the stage that first asks for them (NIS2.md §8.2).
struct RecordForm {
    text_langs: Vec<Choice>,
    header: Vec<TextField>,
    early: Vec<TextField>,
    suspected: Vec<Choice>,
    cross_border: Vec<Choice>,
    member_states: String,
    notification: Vec<TextField>,
    severity: Vec<Choice>,
    impact: Vec<Choice>,
    outlook: Vec<Choice>,
    rsit: Vec<Choice>,
    root_cause_category: Vec<Choice>,
    iocs: String,
    mitigations: String,
    intermediate: Vec<TextField>,
    final_report: Vec<TextField>,
    timeline: String,
}

/// The forms of a SOC user who works the incident.
struct Forms {
    assessment: AssessmentView,
    facts: Vec<FactField>,
    aware_at: String,
    aware_reason: String,
    verdicts: Vec<Choice>,
    withdraw: bool,
    record: RecordForm,
    trust_service: bool,
    handled_at: String,
    stages: Vec<Choice>,
    langs: Vec<Choice>,
    tlps: Vec<Choice>,
    channels: Vec<Choice>,
    now: String,
}

/// The NIS2 section of the incident page (`templates/incident_nis2.html`).
#[derive(Template)]
#[template(path = "incident_nis2.html", config = "templates/askama.toml")]
struct Section<'a> {
    cat: &'a Catalog,
    csrf: &'a str,
    id: i64,
    error: Option<&'a str>,
    started: bool,
    state: String,
    detected: String,
    aware: Option<String>,
    proposed: Option<String>,
    confirmed: Option<String>,
    trust_service: bool,
    report_language: &'static str,
    dues: Vec<DueView>,
    reminders: Option<String>,
    downloads: Vec<Download>,
    approvals: Vec<ApprovalRow>,
    submissions: Vec<SubmissionRow>,
    forms: Option<Forms>,
}

/// The text of an optional free text.
fn text_of(text: &Option<Text>) -> String {
    text.as_ref().map(|t| t.text.clone()).unwrap_or_default()
}

fn text_field(cat: &Catalog, name: &'static str, value: &Option<Text>, rows: u8) -> TextField {
    TextField {
        name,
        label: cat.t(&format!("nis2-field-{name}")),
        value: text_of(value),
        rows,
    }
}

fn plain_field(cat: &Catalog, name: &'static str, value: &Option<String>) -> TextField {
    TextField {
        name,
        label: cat.t(&format!("nis2-field-{name}")),
        value: value.clone().unwrap_or_default(),
        rows: 0,
    }
}

fn record_form(cat: &Catalog, record: &IncidentRecord, text_lang: Lang) -> RecordForm {
    let mut rsit = vec![(String::new(), cat.t("rsit-none"))];
    for (class, types) in RSIT {
        for t in *types {
            rsit.push((format!("{class}/{t}"), format!("{class} / {t}")));
        }
    }
    let current_rsit = match (&record.rsit_class, &record.rsit_type) {
        (Some(c), Some(t)) => format!("{c}/{t}"),
        _ => String::new(),
    };
    RecordForm {
        text_langs: lang_choices(record.summary.as_ref().map_or(text_lang, |t| t.lang)),
        header: vec![
            text_field(cat, "title", &record.title, 0),
            plain_field(cat, "reporter", &record.reporter),
            plain_field(cat, "contact", &record.contact),
            plain_field(cat, "authority_ref", &record.authority_ref),
        ],
        early: vec![
            text_field(cat, "summary", &record.summary, 4),
            text_field(cat, "support_requested", &record.support_requested, 2),
        ],
        suspected: tri_choices(cat, record.suspected_malicious),
        cross_border: tri_choices(cat, record.cross_border),
        member_states: record.member_states.join(", "),
        notification: vec![
            text_field(cat, "affected", &record.affected, 3),
            text_field(cat, "recipients", &record.recipients, 2),
            text_field(cat, "expected_end", &record.expected_end, 2),
        ],
        severity: vocabulary(cat, &SEVERITIES, record.severity.as_deref()),
        impact: vocabulary(cat, &IMPACT_SEVERITIES, record.impact_severity.as_deref()),
        outlook: vocabulary(cat, &OUTLOOKS, record.outlook.as_deref()),
        rsit: choices(rsit, &current_rsit),
        root_cause_category: vocabulary(cat, &ROOT_CAUSES, record.root_cause_category.as_deref()),
        iocs: record
            .iocs
            .iter()
            .map(|i| match i.tlp {
                Some(t) => format!("{} {} {}", i.kind, i.value, t.label()),
                None => format!("{} {}", i.kind, i.value),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        mitigations: record
            .mitigations
            .iter()
            .map(|m| format!("{}: {}", snake(m.state), m.action.text))
            .collect::<Vec<_>>()
            .join("\n"),
        intermediate: vec![text_field(cat, "csirt_answers", &record.csirt_answers, 3)],
        final_report: vec![
            text_field(cat, "detailed_description", &record.detailed_description, 5),
            text_field(cat, "root_cause", &record.root_cause, 3),
            text_field(cat, "lessons_learned", &record.lessons_learned, 3),
        ],
        timeline: record
            .timeline
            .iter()
            .map(|(at, text)| {
                format!(
                    "{} {}",
                    at.to_zoned(brussels()).strftime("%Y-%m-%d %H:%M"),
                    text.text
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn assessment_view(
    cat: &Catalog,
    case: &Nis2Case,
    profile: Option<&ProfileVersion>,
) -> AssessmentView {
    let assessment = vigie_soc::nis2::assess_case(
        profile.map(|p| &p.profile),
        &case.data.facts,
        &Default::default(),
    );
    AssessmentView {
        verdict: cat.t(&format!("nis2-verdict-{}", snake(assessment.verdict))),
        findings: assessment
            .findings
            .iter()
            .map(|f| FindingRow {
                code: format!("{} {}", f.pack, f.code),
                text: f.text.clone(),
                source: f.source.clone(),
                result: tri_name(cat, f.result),
                class: match f.result {
                    TriState::Yes => "late",
                    TriState::No => "ok",
                    TriState::Unknown => "",
                },
                advisory: f.advisory,
            })
            .collect(),
        missing: assessment
            .missing
            .iter()
            .map(|m| cat.t(&format!("nis2-fact-{m}")))
            .collect(),
        skipped: assessment.skipped.clone(),
        precautionary: assessment.precautionary_early_warning,
    }
}

fn number_text(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// The NIS2 section of incident `incident`'s page: for the SOC that works it, always (with
/// its forms); for everyone else, once its clocks run.
pub(super) async fn section(
    state: &AppState,
    viewer: &Viewer,
    incident: &Incident,
    now: Timestamp,
    error: Option<&str>,
) -> Option<Markup> {
    let scope = &viewer.principal.scope;
    let case = match state.store().nis2_case(scope, incident.id).await {
        Ok(case) => case?,
        Err(error) => {
            tracing::error!(%error, incident = %incident.id, "could not read the NIS2 case");
            return None;
        }
    };
    let work = viewer.is_soc() && viewer.principal.may(Permission::WorkIncidents);
    if !work && case.data.aware_at.is_none() {
        return None;
    }
    let profile = state
        .store()
        .nis2_profile(scope, case.tenant)
        .await
        .ok()
        .flatten();
    let cat = viewer.cat();
    let lang = report_language(profile.as_ref());
    let d = &case.data;
    let who = |actor: &Option<String>| {
        actor
            .as_deref()
            .map(vigie_soc::nis2::approver_name)
            .unwrap_or_default()
            .to_owned()
    };
    let dues = case.dues(now);
    let sent = &d.reminders_sent;
    let reminders = sent.last().map(|last| {
        cat.tr(
            "nis2-reminders",
            &[
                ("count", Arg::Num(sent.len() as i64)),
                ("stage", Arg::Str(stage_name(cat, last.stage))),
                ("time", Arg::Str(cat.datetime(last.at))),
            ],
        )
    });
    let approvals = d
        .approvals
        .iter()
        .map(|a| {
            let (status, class) = match a.submission {
                Some(id) => (
                    cat.tr("nis2-approval-submitted", &[("id", Arg::Num(id))]),
                    "ok",
                ),
                None if approval_check(&case, profile.as_ref(), a).1 => {
                    (cat.t("nis2-approval-pending"), "")
                }
                None => (cat.t("nis2-approval-stale"), "late"),
            };
            ApprovalRow {
                stage: stage_name(cat, a.stage),
                version: a.version,
                language: lang_name(a.language),
                tlp: a.tlp.label(),
                by: vigie_soc::nis2::approver_name(&a.approved_by).to_owned(),
                at: cat.datetime(a.approved_at),
                status,
                class,
            }
        })
        .collect();
    let submissions = case
        .submissions
        .iter()
        .map(|s| SubmissionRow {
            stages: s
                .stages
                .iter()
                .map(|st| stage_name(cat, *st))
                .collect::<Vec<_>>()
                .join(", "),
            at: cat.datetime(s.submitted_at),
            channel: cat.t(&format!("nis2-channel-{}", s.channel)),
            reference: s.reference.clone().unwrap_or_default(),
            by: vigie_soc::nis2::approver_name(&s.submitted_by).to_owned(),
            language: lang_name(s.language),
            tlp: s.tlp.label(),
            lateness: s.lateness_reason.clone().unwrap_or_default(),
            sha: s.content_sha256.chars().take(12).collect(),
        })
        .collect();
    let forms = work.then(|| {
        let facts = FACTS
            .iter()
            .map(|(name, _)| {
                let (actual, projected) = d.facts.answers(name);
                FactField {
                    name,
                    label: cat.t(&format!("nis2-fact-{name}")),
                    numeric: is_numeric(name),
                    actual: number_text(d.facts.actual_number(name)),
                    projected: number_text(d.facts.projected_number(name)),
                    actual_choices: tri_choices(cat, actual),
                    projected_choices: tri_choices(cat, projected),
                }
            })
            .collect();
        let verdict = d.confirmed.or(d.proposed).unwrap_or(Verdict::Undetermined);
        let mut stages = Vec::new();
        for stage in STAGES {
            stages.push((stage.as_str().to_owned(), stage_name(cat, stage)));
        }
        Forms {
            assessment: assessment_view(cat, &case, profile.as_ref()),
            facts,
            aware_at: local_input(d.aware_at.unwrap_or(now)),
            aware_reason: d.aware_reason.clone().unwrap_or_default(),
            verdicts: choices(
                [
                    Verdict::Significant,
                    Verdict::NotSignificant,
                    Verdict::Undetermined,
                    Verdict::Excluded,
                ]
                .iter()
                .map(|v| (snake(*v), cat.t(&format!("nis2-verdict-{}", snake(*v)))))
                .collect(),
                &snake(verdict),
            ),
            withdraw: matches!(
                case.state(),
                ReportingState::AwarenessSet
                    | ReportingState::EarlyWarningSent
                    | ReportingState::NotificationSent
                    | ReportingState::IntermediateRequested
                    | ReportingState::ProgressSent
            ),
            record: record_form(cat, &d.record, lang),
            trust_service: d.trust_service,
            handled_at: d.handled_at.map(local_input).unwrap_or_default(),
            stages: choices(stages, ""),
            langs: lang_choices(lang),
            tlps: tlp_choices(Tlp::Amber),
            channels: choices(
                CHANNELS
                    .iter()
                    .map(|c| ((*c).to_owned(), cat.t(&format!("nis2-channel-{c}"))))
                    .collect(),
                "platform",
            ),
            now: local_input(now),
        }
    });
    let body = Section {
        cat,
        csrf: viewer.csrf(),
        id: incident.id.0,
        error,
        started: d.state.is_some() || d.aware_at.is_some(),
        state: cat.t(&format!("nis2-state-{}", snake(case.state()))),
        detected: cat.datetime(case.detected_at),
        aware: d.aware_at.map(|at| {
            cat.tr(
                "nis2-aware-by",
                &[
                    ("time", Arg::Str(cat.datetime(at))),
                    ("name", Arg::Str(who(&d.aware_set_by))),
                    (
                        "reason",
                        Arg::Str(d.aware_reason.clone().unwrap_or_default()),
                    ),
                ],
            )
        }),
        proposed: d
            .proposed
            .map(|v| cat.t(&format!("nis2-verdict-{}", snake(v)))),
        confirmed: d.confirmed.map(|v| {
            cat.tr(
                "nis2-confirmed-by",
                &[
                    (
                        "verdict",
                        Arg::Str(cat.t(&format!("nis2-verdict-{}", snake(v)))),
                    ),
                    ("name", Arg::Str(who(&d.confirmed_by))),
                    (
                        "time",
                        Arg::Str(d.confirmed_at.map(|t| cat.datetime(t)).unwrap_or_default()),
                    ),
                ],
            )
        }),
        trust_service: d.trust_service,
        report_language: lang_name(lang),
        dues: dues.iter().map(|due| due_view(cat, due, now)).collect(),
        reminders,
        downloads: downloads(&case, &dues, lang, cat),
        approvals,
        submissions,
        forms,
    };
    Some(Markup::of(&body))
}

// ---- The list page ------------------------------------------------------------------------------

/// A case on the list page.
struct CaseRow {
    id: i64,
    title: String,
    tenant: String,
    state: String,
    dues: Vec<DueView>,
    report_lang: String,
}

/// The list page (`templates/nis2.html`).
#[derive(Template)]
#[template(path = "nis2.html", config = "templates/askama.toml")]
struct ListPage<'a> {
    cat: &'a Catalog,
    soc: bool,
    cases: Vec<CaseRow>,
}

/// `GET /ui/nis2`: the NIS2 cases of the viewer's tenants whose clocks started, latest
/// awareness first, each stage with its due date and status and a link to its draft. The
/// SOC and client contacts alike, each in its own scope.
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Response {
    if let Err(r) = viewer.require(&state, Permission::ReadDesk, "nis2").await {
        return r;
    }
    let cat = viewer.cat();
    let scope = &viewer.principal.scope;
    let cases = match state.store().nis2_cases(scope, LIST_LIMIT).await {
        Ok(cases) => cases,
        Err(e) => return viewer.api_error(e),
    };
    let now = Timestamp::now();
    let mut rows = Vec::new();
    for case in &cases {
        let profile = state
            .store()
            .nis2_profile(scope, case.tenant)
            .await
            .ok()
            .flatten();
        rows.push(CaseRow {
            id: case.incident_id.0,
            title: case.title.clone(),
            tenant: case.tenant_slug.to_string(),
            state: cat.t(&format!("nis2-state-{}", snake(case.state()))),
            dues: case
                .dues(now)
                .iter()
                .map(|d| due_view(cat, d, now))
                .collect(),
            report_lang: lang_tag(report_language(profile.as_ref())),
        });
    }
    let body = ListPage {
        cat,
        soc: viewer.is_soc(),
        cases: rows,
    };
    viewer.render("nis2", &cat.t("nis2-list-title"), &body)
}

// ---- The forms ----------------------------------------------------------------------------------

/// Why a form was not saved.
enum Refusal {
    /// A value of the form that cannot be read: its field's message id and the value.
    Field(String, String),
    /// A line of a list field that cannot be read: field, line number, line.
    Line(String, usize, String),
    /// The store refused a value of a field it names (`SocError::InvalidValue`).
    Invalid(&'static str, String),
    /// Any other refusal of the store or the engine.
    Api(ApiError),
}

impl From<vigie_access::SocError> for Refusal {
    fn from(e: vigie_access::SocError) -> Self {
        match e {
            vigie_access::SocError::InvalidValue { what, message } => {
                Refusal::Invalid(what, message)
            }
            other => Refusal::Api(other.into()),
        }
    }
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        Refusal::Api(e)
    }
}

/// A form value that cannot be read, in field `key` (a message id).
fn bad(key: &str, value: &str) -> Refusal {
    Refusal::Field(key.to_owned(), value.to_owned())
}

/// The message id of a field the store names (`SocError::InvalidValue::what`).
fn field_key(what: &str) -> Option<&'static str> {
    Some(match what {
        "aware_at" => "nis2-aware-at",
        "reason" => "nis2-reason",
        "stages" => "nis2-stages",
        "channel" => "nis2-channel",
        "reference" => "nis2-reference",
        "lateness_reason" => "nis2-lateness-reason",
        "language" => "nis2-language",
        "tlp" => "col-tlp",
        "NIS2 facts" => "nis2-assess-title",
        "NIS2 case update" => "nis2-record-title",
        _ => return None,
    })
}

/// The page again, with why the form was not saved (400), or the refusal's own page.
async fn refused(state: &AppState, viewer: &Viewer, id: IncidentId, refusal: Refusal) -> Response {
    let cat = viewer.cat();
    let message = match refusal {
        Refusal::Field(key, value) => cat.tr(
            "error-bad-field",
            &[("value", value.into()), ("field", cat.t(&key).into())],
        ),
        Refusal::Line(key, line, value) => cat.tr(
            "nis2-bad-line",
            &[
                ("field", cat.t(&key).into()),
                ("line", Arg::Num(line as i64)),
                ("value", value.into()),
            ],
        ),
        Refusal::Invalid(what, detail) => cat.tr(
            "nis2-refused",
            &[
                (
                    "field",
                    field_key(what)
                        .map_or_else(|| what.to_owned(), |k| cat.t(k))
                        .into(),
                ),
                ("detail", detail.into()),
            ],
        ),
        Refusal::Api(ApiError::BadRequest(detail)) => cat.tr(
            "nis2-refused",
            &[
                ("field", cat.t("nis2-title").into()),
                ("detail", detail.into()),
            ],
        ),
        Refusal::Api(ApiError::NotFound(_)) => return not_found(viewer, &id.to_string()),
        Refusal::Api(other) => return viewer.api_error(other),
    };
    page_with_error(state, viewer, id, message).await
}

/// The checks every NIS2 form passes before it is read: the CSRF token and origin, an
/// incident number, a SOC user (a client gets 404), and the API's permission (403, audited).
async fn checked(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    body: &[u8],
) -> Result<(Form, IncidentId), Response> {
    let form = viewer.checked_form(state, body).await?;
    let Ok(number) = id.parse::<IncidentId>() else {
        return Err(not_found(viewer, id));
    };
    viewer.require_soc()?;
    viewer
        .require(
            state,
            Permission::WorkIncidents,
            &format!("incident:{number}"),
        )
        .await?;
    Ok((form, number))
}

/// Runs a form: `read` turns it into the store call's outcome; a success goes back to the
/// NIS2 section.
async fn run<F, Fut>(state: &AppState, viewer: &Viewer, id: &str, body: &[u8], read: F) -> Response
where
    F: FnOnce(Form, IncidentId) -> Fut,
    Fut: std::future::Future<Output = Result<(), Refusal>>,
{
    let (form, number) = match checked(state, viewer, id, body).await {
        Ok(checked) => checked,
        Err(r) => return r,
    };
    match read(form, number).await {
        Ok(()) => Redirect::to(&format!("/ui/incidents/{number}#nis2-h")).into_response(),
        Err(refusal) => refused(state, viewer, number, refusal).await,
    }
}

/// A required time field.
fn time_field(form: &Form, name: &str, key: &'static str) -> Result<Timestamp, Refusal> {
    let text = form.get(name).unwrap_or_default();
    parse_time(text).ok_or_else(|| bad(key, text))
}

/// An optional time field (empty: none).
fn optional_time(form: &Form, name: &str, key: &'static str) -> Result<Option<Timestamp>, Refusal> {
    match form.value(name) {
        None => Ok(None),
        Some(text) => parse_time(text).map(Some).ok_or_else(|| bad(key, text)),
    }
}

/// A choice among snake_case names.
fn choice<T: DeserializeOwned>(form: &Form, name: &str, key: &'static str) -> Result<T, Refusal> {
    let text = form.get(name).unwrap_or_default();
    from_snake(text).ok_or_else(|| bad(key, text))
}

fn tlp_field(form: &Form) -> Result<Tlp, Refusal> {
    let text = form.get("tlp").unwrap_or_default();
    text.parse::<Tlp>().map_err(|_| bad("col-tlp", text))
}

/// `POST /ui/incidents/{id}/nis2/awareness`: `aware_at` (Brussels wall clock or RFC 3339)
/// and `reason`; starts the clocks (`PUT .../nis2/awareness`).
pub async fn awareness(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (state, viewer) = (&state, &viewer);
    run(state, viewer, &id, &body, |form, number| async move {
        let aware_at = time_field(&form, "aware_at", "nis2-aware-at")?;
        let reason = form.get("reason").unwrap_or_default();
        state
            .store()
            .nis2_set_awareness(
                &viewer.principal.scope,
                number,
                aware_at,
                reason,
                &viewer.principal.actor.0,
            )
            .await?;
        Ok(())
    })
    .await
}

/// `POST /ui/incidents/{id}/nis2/assess`: for each fact, `{fact}.actual` and
/// `{fact}.projected` (a number, or yes/no/unknown); stores them with the engine's proposal
/// (`POST .../nis2/assess`).
pub async fn assess(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (state, viewer) = (&state, &viewer);
    run(state, viewer, &id, &body, |form, number| async move {
        let mut input = FactsInput::default();
        for (name, _) in FACTS {
            let key = format!("{name}.actual");
            let projected_key = format!("{name}.projected");
            let label = format!("nis2-fact-{name}");
            if is_numeric(name) {
                let read = |field: &str| -> Result<Option<f64>, Refusal> {
                    match form.value(field) {
                        None => Ok(None),
                        Some(text) => text
                            .parse::<f64>()
                            .ok()
                            .filter(|v| v.is_finite() && *v >= 0.0)
                            .map(Some)
                            .ok_or_else(|| bad(&label, text)),
                    }
                };
                let (actual, projected) = (read(&key)?, read(&projected_key)?);
                if actual.is_some() || projected.is_some() {
                    input
                        .numbers
                        .insert((*name).to_owned(), NumberFact { actual, projected });
                }
            } else {
                let read = |field: &str| -> Result<Option<TriState>, Refusal> {
                    match form.value(field) {
                        None => Ok(None),
                        Some(text) => from_snake(text).map(Some).ok_or_else(|| bad(&label, text)),
                    }
                };
                let (actual, projected) = (read(&key)?, read(&projected_key)?);
                input
                    .answers
                    .insert((*name).to_owned(), AnswerFact { actual, projected });
            }
        }
        let facts = input.into_facts()?;
        assess_facts(state, &viewer.principal, number, &facts).await?;
        Ok(())
    })
    .await
}

/// `POST /ui/incidents/{id}/nis2/confirm`: `verdict` and `reason` (required when it differs
/// from the engine's proposal); a named confirmation, or a rejection as not significant
/// (`POST .../nis2/confirm`).
pub async fn confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (state, viewer) = (&state, &viewer);
    run(state, viewer, &id, &body, |form, number| async move {
        let verdict: Verdict = choice(&form, "verdict", "nis2-verdict")?;
        state
            .store()
            .nis2_confirm(
                &viewer.principal.scope,
                number,
                verdict,
                form.value("reason"),
                &viewer.principal.actor.0,
            )
            .await?;
        Ok(())
    })
    .await
}

/// `POST /ui/incidents/{id}/nis2/withdraw`: significance withdrawn after reporting began
/// (`PATCH .../nis2` with `withdraw`); `confirm=yes` must be ticked.
pub async fn withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (state, viewer) = (&state, &viewer);
    run(state, viewer, &id, &body, |form, number| async move {
        if form.get("confirm") != Some("yes") {
            return Err(bad(
                "nis2-withdraw-confirm",
                form.get("confirm").unwrap_or_default(),
            ));
        }
        let update = CaseUpdate {
            withdraw: Some(true),
            ..CaseUpdate::default()
        };
        state
            .store()
            .nis2_update(
                &viewer.principal.scope,
                number,
                &update,
                &viewer.principal.actor.0,
            )
            .await?;
        Ok(())
    })
    .await
}

/// `POST /ui/incidents/{id}/nis2/case`: `trust_service` (ticked or not), `handled_at`, and a
/// CSIRT request for an intermediate report (`requested_at`, optional `request_due_at`)
/// (`PATCH .../nis2`).
pub async fn case_flags(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (state, viewer) = (&state, &viewer);
    run(state, viewer, &id, &body, |form, number| async move {
        let handled_at = optional_time(&form, "handled_at", "nis2-handled-at")?;
        let requested_at = optional_time(&form, "requested_at", "nis2-requested-at")?;
        let request_due = optional_time(&form, "request_due_at", "nis2-request-due-at")?;
        if request_due.is_some() && requested_at.is_none() {
            return Err(bad("nis2-requested-at", ""));
        }
        let update = CaseUpdate {
            trust_service: Some(form.get("trust_service") == Some("yes")),
            handled_at,
            intermediate_request: requested_at.map(|requested_at| IntermediateRequest {
                requested_at,
                due_at: request_due,
                answered_at: None,
            }),
            ..CaseUpdate::default()
        };
        state
            .store()
            .nis2_update(
                &viewer.principal.scope,
                number,
                &update,
                &viewer.principal.actor.0,
            )
            .await?;
        Ok(())
    })
    .await
}

/// A free text of the form: unchanged text keeps its language, new text gets `lang`.
fn text(form: &Form, name: &str, stored: &Option<Text>, lang: Lang) -> Option<Text> {
    let value = form.get(name).unwrap_or_default().trim();
    if value.is_empty() {
        return None;
    }
    match stored {
        Some(t) if t.text == value => Some(t.clone()),
        _ => Some(Text {
            lang,
            text: value.to_owned(),
        }),
    }
}

fn plain(form: &Form, name: &str) -> Option<String> {
    form.value(name).map(str::to_owned)
}

/// A vocabulary value (empty: none).
fn vocabulary_field(
    form: &Form,
    name: &str,
    key: &'static str,
    allowed: &[&str],
) -> Result<Option<String>, Refusal> {
    match form.value(name) {
        None => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v.to_owned())),
        Some(v) => Err(bad(key, v)),
    }
}

/// The non-empty lines of a list field, numbered from 1.
fn lines(form: &Form, name: &str) -> Vec<(usize, String)> {
    form.get(name)
        .unwrap_or_default()
        .lines()
        .enumerate()
        .map(|(n, l)| (n + 1, l.trim().to_owned()))
        .filter(|(_, l)| !l.is_empty())
        .collect()
}

/// The report fields from the form (`PATCH .../nis2` with `record`, replaced whole): the
/// computed ones (reference, times, criteria met) are kept as stored.
fn read_record(form: &Form, stored: &IncidentRecord) -> Result<IncidentRecord, Refusal> {
    let lang: Lang = choice(form, "text_lang", "nis2-text-lang")?;
    let tri =
        |name: &str, key: &'static str| -> Result<TriState, Refusal> { choice(form, name, key) };
    let mut member_states = Vec::new();
    for code in form
        .get("member_states")
        .unwrap_or_default()
        .split([',', ' ', ';'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(bad("nis2-field-member_states", code));
        }
        member_states.push(code.to_ascii_uppercase());
    }
    let (rsit_class, rsit_type) = match form.value("rsit") {
        None => (None, None),
        Some(v) => {
            let known = v.split_once('/').filter(|(class, kind)| {
                RSIT.iter()
                    .any(|(c, types)| c == class && types.contains(kind))
            });
            match known {
                Some((class, kind)) => (Some(class.to_owned()), Some(kind.to_owned())),
                None => return Err(bad("col-rsit", v)),
            }
        }
    };
    let mut iocs = Vec::new();
    for (n, line) in lines(form, "iocs") {
        let mut words: Vec<&str> = line.split_whitespace().collect();
        let tlp = match words.last().map(|w| w.parse::<Tlp>()) {
            Some(Ok(t)) if words.len() > 2 => {
                words.pop();
                Some(t)
            }
            _ => None,
        };
        if words.len() != 2 {
            return Err(Refusal::Line("nis2-field-iocs".into(), n, line));
        }
        iocs.push(Ioc {
            kind: words[0].to_owned(),
            value: words[1].to_owned(),
            tlp,
        });
    }
    let mut mitigations = Vec::new();
    for (n, line) in lines(form, "mitigations") {
        let parsed = line.split_once(':').and_then(|(state, action)| {
            let state: MitigationState = from_snake(state.trim())?;
            let action = action.trim();
            (!action.is_empty()).then_some((state, action))
        });
        let Some((state, action)) = parsed else {
            return Err(Refusal::Line("nis2-field-mitigations".into(), n, line));
        };
        let kept = stored
            .mitigations
            .iter()
            .find(|m| m.action.text == action)
            .map(|m| m.action.lang);
        mitigations.push(Mitigation {
            action: Text {
                lang: kept.unwrap_or(lang),
                text: action.to_owned(),
            },
            state,
        });
    }
    let mut timeline = Vec::new();
    for (n, line) in lines(form, "timeline") {
        let mut parts = line.splitn(3, ' ');
        let parsed = match (parts.next(), parts.next(), parts.next()) {
            (Some(date), Some(time), Some(what)) if !what.trim().is_empty() => {
                parse_time(&format!("{date}T{time}")).map(|at| (at, what.trim()))
            }
            _ => None,
        };
        let Some((at, what)) = parsed else {
            return Err(Refusal::Line("nis2-field-timeline".into(), n, line));
        };
        let kept = stored
            .timeline
            .iter()
            .find(|(_, t)| t.text == what)
            .map(|(_, t)| t.lang);
        timeline.push((
            at,
            Text {
                lang: kept.unwrap_or(lang),
                text: what.to_owned(),
            },
        ));
    }
    Ok(IncidentRecord {
        internal_ref: stored.internal_ref.clone(),
        authority_ref: plain(form, "authority_ref"),
        title: text(form, "title", &stored.title, lang),
        summary: text(form, "summary", &stored.summary, lang),
        detailed_description: text(
            form,
            "detailed_description",
            &stored.detailed_description,
            lang,
        ),
        detected_at: stored.detected_at,
        aware_at: stored.aware_at,
        reporter: plain(form, "reporter"),
        contact: plain(form, "contact"),
        suspected_malicious: tri("suspected_malicious", "nis2-field-suspected_malicious")?,
        cross_border: tri("cross_border", "nis2-field-cross_border")?,
        member_states,
        criteria_met: stored.criteria_met.clone(),
        affected: text(form, "affected", &stored.affected, lang),
        severity: vocabulary_field(form, "severity", "nis2-field-severity", &SEVERITIES)?,
        impact_severity: vocabulary_field(
            form,
            "impact_severity",
            "nis2-field-impact_severity",
            &IMPACT_SEVERITIES,
        )?,
        outlook: vocabulary_field(form, "outlook", "nis2-field-outlook", &OUTLOOKS)?,
        rsit_class,
        rsit_type,
        root_cause_category: vocabulary_field(
            form,
            "root_cause_category",
            "nis2-field-root_cause_category",
            &ROOT_CAUSES,
        )?,
        iocs,
        mitigations,
        root_cause: text(form, "root_cause", &stored.root_cause, lang),
        timeline,
        recipients: text(form, "recipients", &stored.recipients, lang),
        support_requested: text(form, "support_requested", &stored.support_requested, lang),
        expected_end: text(form, "expected_end", &stored.expected_end, lang),
        lessons_learned: text(form, "lessons_learned", &stored.lessons_learned, lang),
        csirt_answers: text(form, "csirt_answers", &stored.csirt_answers, lang),
    })
}

/// `POST /ui/incidents/{id}/nis2/record`: the report fields of every stage (`PATCH
/// .../nis2` with `record`).
pub async fn record(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (state, viewer) = (&state, &viewer);
    run(state, viewer, &id, &body, |form, number| async move {
        let scope = &viewer.principal.scope;
        let stored = state
            .store()
            .nis2_case(scope, number)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("no incident {number}")))?;
        let record = read_record(&form, &stored.data.record)?;
        let update = CaseUpdate {
            record: Some(record),
            ..CaseUpdate::default()
        };
        state
            .store()
            .nis2_update(scope, number, &update, &viewer.principal.actor.0)
            .await?;
        Ok(())
    })
    .await
}

/// `POST /ui/incidents/{id}/nis2/approve`: `stage`, `language`, `tlp`; the viewer approves
/// the current draft of that stage's report (`POST .../nis2/approvals`).
pub async fn approve(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (state, viewer) = (&state, &viewer);
    run(state, viewer, &id, &body, |form, number| async move {
        let approval = NewApproval {
            stage: choice(&form, "stage", "nis2-stage")?,
            language: choice(&form, "language", "nis2-language")?,
            tlp: tlp_field(&form)?,
        };
        state
            .store()
            .nis2_approve(
                &viewer.principal.scope,
                number,
                &approval,
                &viewer.principal.actor.0,
            )
            .await?;
        Ok(())
    })
    .await
}

/// `POST /ui/incidents/{id}/nis2/submit`: `stages` (one or more), `submitted_at`, `channel`,
/// `reference`, `language`, `tlp`, `lateness_reason` (`POST .../nis2/submissions`).
pub async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (state, viewer) = (&state, &viewer);
    run(state, viewer, &id, &body, |form, number| async move {
        let mut stages = Vec::new();
        for text in form.all("stages") {
            stages.push(from_snake::<Stage>(text).ok_or_else(|| bad("nis2-stages", text))?);
        }
        let channel = form.get("channel").unwrap_or_default();
        if !CHANNELS.contains(&channel) {
            return Err(bad("nis2-channel", channel));
        }
        let submission = NewSubmission {
            stages,
            submitted_at: time_field(&form, "submitted_at", "nis2-submitted-at")?,
            channel: channel.to_owned(),
            reference: plain(&form, "reference"),
            language: choice(&form, "language", "nis2-language")?,
            tlp: tlp_field(&form)?,
            lateness_reason: plain(&form, "lateness_reason"),
        };
        state
            .store()
            .nis2_submit(
                &viewer.principal.scope,
                number,
                &submission,
                &viewer.principal.actor.0,
            )
            .await?;
        Ok(())
    })
    .await
}
