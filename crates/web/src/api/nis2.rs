//! NIS2 Article 23 on incidents:
//! `GET /api/v1/incidents/{id}/nis2` (case, clocks, engine assessment),
//! `PATCH /api/v1/incidents/{id}/nis2` (report fields, trust service, handled, withdraw,
//! intermediate request), `PUT /api/v1/incidents/{id}/nis2/awareness`,
//! `POST /api/v1/incidents/{id}/nis2/assess`, `POST /api/v1/incidents/{id}/nis2/confirm`,
//! `POST /api/v1/incidents/{id}/nis2/approvals` (a named person approves a stage's report),
//! `POST /api/v1/incidents/{id}/nis2/submissions` (each stage approved first),
//! `GET /api/v1/incidents/{id}/nis2/reports/{stage}?lang=&format=html|pdf|json&tlp=`,
//! `GET /api/v1/nis2/board`, `GET|PUT /api/v1/tenants/{id}/nis2/profile` (`{id}`: tenant id or slug).
//!
//! Every change and every rendered report is an audit entry (the report with its SHA-256).
//! The web pages (`crate::ui::nis2`) call the same store methods and the helpers here
//! ([`assess_facts`], [`report_language`]), so both paths apply the same rules.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use vigie_access::audit::AuditRecord;
use vigie_access::{Permission, Principal};
use vigie_nis2::deadline::Due;
use vigie_nis2::model::{EntityProfile, Lang, Stage, Tlp, TriState};
use vigie_nis2::report::{document, render_html, render_pdf, sha256_hex, snapshot_json};
use vigie_nis2::significance::{Assessment, Facts, Verdict};
use vigie_soc::nis2::{
    BoardRow, CaseUpdate, NewApproval, NewSubmission, Nis2Case, ProfileVersion, board, report_input,
};

use super::incidents::tenant_param;
use super::session::{Body, Desk, Id, Params};
use crate::AppState;
use crate::error::ApiError;

/// The NIS2 view of an incident.
#[derive(Serialize)]
pub struct CaseReply {
    /// The stored case.
    pub case: Nis2Case,
    /// Every due date now, with status.
    pub dues: Vec<Due>,
    /// The engine's assessment of the current facts.
    pub assessment: Assessment,
}

fn missing(id: vigie_soc::IncidentId) -> ApiError {
    ApiError::NotFound(format!("no incident {id} in your scope"))
}

/// The case of incident `id` in the caller's scope, with its tenant's profile.
pub(crate) async fn case(
    state: &AppState,
    principal: &Principal,
    id: vigie_soc::IncidentId,
) -> Result<(Nis2Case, Option<ProfileVersion>), ApiError> {
    let case = state
        .store()
        .nis2_case(&principal.scope, id)
        .await?
        .ok_or_else(|| missing(id))?;
    let profile = state
        .store()
        .nis2_profile(&principal.scope, case.tenant)
        .await?;
    Ok((case, profile))
}

/// The language of a case's reports: the profile's, else English.
pub fn report_language(profile: Option<&ProfileVersion>) -> Lang {
    profile
        .and_then(|p| p.profile.report_language)
        .unwrap_or(Lang::En)
}

/// Runs the significance engine on `facts` with the case's profile and stores the facts and
/// the proposal (what `POST .../nis2/assess` and the page's assessment form do).
pub(crate) async fn assess_facts(
    state: &AppState,
    principal: &Principal,
    id: vigie_soc::IncidentId,
    facts: &Facts,
) -> Result<(Nis2Case, Option<ProfileVersion>), ApiError> {
    let (existing, profile) = case(state, principal, id).await?;
    let assessment = vigie_soc::nis2::assess_case(
        profile.as_ref().map(|p| &p.profile),
        facts,
        &Default::default(),
    );
    let case = state
        .store()
        .nis2_assess(
            &principal.scope,
            existing.incident_id,
            facts,
            &assessment,
            &principal.actor.0,
        )
        .await?;
    Ok((case, profile))
}

fn reply(case: Nis2Case, profile: Option<&ProfileVersion>) -> Json<CaseReply> {
    let assessment = vigie_soc::nis2::assess_case(
        profile.map(|p| &p.profile),
        &case.data.facts,
        &Default::default(),
    );
    Json(CaseReply {
        dues: case.dues(Timestamp::now()),
        case,
        assessment,
    })
}

/// The reply for a case just changed: its tenant's profile is read for the assessment.
async fn reply_with_profile(
    state: &AppState,
    desk: &Desk,
    case: Nis2Case,
) -> Result<Json<CaseReply>, ApiError> {
    let profile = state
        .store()
        .nis2_profile(&desk.0.scope, case.tenant)
        .await?;
    Ok(reply(case, profile.as_ref()))
}

/// `GET /api/v1/incidents/{id}/nis2`
pub async fn get(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_soc::IncidentId>,
) -> Result<Json<CaseReply>, ApiError> {
    desk.require(&state, Permission::ReadDesk, &format!("incident:{id}"))
        .await?;
    let (case, profile) = case(&state, &desk.0, id).await?;
    Ok(reply(case, profile.as_ref()))
}

/// `PATCH /api/v1/incidents/{id}/nis2`
pub async fn update(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_soc::IncidentId>,
    Body(update): Body<CaseUpdate>,
) -> Result<Json<CaseReply>, ApiError> {
    desk.require(&state, Permission::WorkIncidents, &format!("incident:{id}"))
        .await?;
    let case = state
        .store()
        .nis2_update(&desk.0.scope, id, &update, &desk.0.actor.0)
        .await?;
    reply_with_profile(&state, &desk, case).await
}

/// Body of `PUT .../nis2/awareness`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Awareness {
    aware_at: Timestamp,
    reason: String,
}

/// `PUT /api/v1/incidents/{id}/nis2/awareness`
pub async fn awareness(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_soc::IncidentId>,
    Body(body): Body<Awareness>,
) -> Result<Json<CaseReply>, ApiError> {
    desk.require(&state, Permission::WorkIncidents, &format!("incident:{id}"))
        .await?;
    let case = state
        .store()
        .nis2_set_awareness(
            &desk.0.scope,
            id,
            body.aware_at,
            &body.reason,
            &desk.0.actor.0,
        )
        .await?;
    reply_with_profile(&state, &desk, case).await
}

/// A numeric fact: actual and/or projected value.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberFact {
    pub(crate) actual: Option<f64>,
    pub(crate) projected: Option<f64>,
}

/// A yes/no/unknown fact: actual and/or projected answer.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerFact {
    pub(crate) actual: Option<TriState>,
    pub(crate) projected: Option<TriState>,
}

/// Body of `POST .../nis2/assess`: facts by name (see `vigie_nis2::significance::FACTS`).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FactsInput {
    #[serde(default)]
    pub(crate) numbers: BTreeMap<String, NumberFact>,
    #[serde(default)]
    pub(crate) answers: BTreeMap<String, AnswerFact>,
}

impl FactsInput {
    /// The engine's facts; an unknown fact name is a 400 naming it.
    pub fn into_facts(self) -> Result<Facts, ApiError> {
        let known = |name: &str| {
            vigie_nis2::significance::FACTS
                .iter()
                .any(|(n, _)| *n == name)
        };
        let mut facts = Facts::default();
        for (name, value) in &self.numbers {
            if !known(name) {
                return Err(ApiError::BadRequest(format!("unknown fact {name:?}")));
            }
            if let Some(v) = value.actual {
                facts.set_number(name, v);
            }
            if let Some(v) = value.projected {
                facts.set_projected(name, v);
            }
        }
        for (name, value) in &self.answers {
            if !known(name) {
                return Err(ApiError::BadRequest(format!("unknown fact {name:?}")));
            }
            if let Some(v) = value.actual {
                facts.set_answer(name, v);
            }
            if let Some(v) = value.projected {
                facts.set_projected_answer(name, v);
            }
        }
        Ok(facts)
    }
}

/// `POST /api/v1/incidents/{id}/nis2/assess`: stores the facts and the engine's proposal.
pub async fn assess(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_soc::IncidentId>,
    Body(input): Body<FactsInput>,
) -> Result<Json<CaseReply>, ApiError> {
    desk.require(&state, Permission::WorkIncidents, &format!("incident:{id}"))
        .await?;
    let facts = input.into_facts()?;
    let (case, profile) = assess_facts(&state, &desk.0, id, &facts).await?;
    Ok(reply(case, profile.as_ref()))
}

/// Body of `POST .../nis2/confirm`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    verdict: Verdict,
    reason: Option<String>,
}

/// `POST /api/v1/incidents/{id}/nis2/confirm`: a named person confirms (or overrides, with a
/// reason) the verdict.
pub async fn confirm(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_soc::IncidentId>,
    Body(body): Body<Confirm>,
) -> Result<Json<CaseReply>, ApiError> {
    desk.require(&state, Permission::WorkIncidents, &format!("incident:{id}"))
        .await?;
    let case = state
        .store()
        .nis2_confirm(
            &desk.0.scope,
            id,
            body.verdict,
            body.reason.as_deref(),
            &desk.0.actor.0,
        )
        .await?;
    reply_with_profile(&state, &desk, case).await
}

/// `POST /api/v1/incidents/{id}/nis2/approvals`: a named person approves the current draft
/// of a stage's report in a language and under a TLP label (content frozen by its SHA-256).
pub async fn approve(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_soc::IncidentId>,
    Body(approval): Body<NewApproval>,
) -> Result<Json<CaseReply>, ApiError> {
    desk.require(&state, Permission::WorkIncidents, &format!("incident:{id}"))
        .await?;
    let case = state
        .store()
        .nis2_approve(&desk.0.scope, id, &approval, &desk.0.actor.0)
        .await?;
    reply_with_profile(&state, &desk, case).await
}

/// `POST /api/v1/incidents/{id}/nis2/submissions`: records a submission of approved stages;
/// its content is the approved JSON snapshot of each stage's report, frozen.
pub async fn submit(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_soc::IncidentId>,
    Body(submission): Body<NewSubmission>,
) -> Result<Json<CaseReply>, ApiError> {
    desk.require(&state, Permission::WorkIncidents, &format!("incident:{id}"))
        .await?;
    let case = state
        .store()
        .nis2_submit(&desk.0.scope, id, &submission, &desk.0.actor.0)
        .await?;
    reply_with_profile(&state, &desk, case).await
}

/// Query of the report route.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    lang: Option<Lang>,
    format: Option<String>,
    tlp: Option<String>,
}

/// `GET /api/v1/incidents/{id}/nis2/reports/{stage}`: the draft in HTML, PDF or JSON.
pub async fn report(
    State(state): State<AppState>,
    desk: Desk,
    Id((id, stage)): Id<(vigie_soc::IncidentId, Stage)>,
    Params(query): Params<ReportQuery>,
) -> Result<Response, ApiError> {
    desk.require(&state, Permission::ReadDesk, &format!("incident:{id}"))
        .await?;
    let (case, profile) = case(&state, &desk.0, id).await?;
    let language = query
        .lang
        .unwrap_or_else(|| report_language(profile.as_ref()));
    let tlp = match query.tlp.as_deref() {
        None => Tlp::Amber,
        Some(text) => format!("TLP:{}", text.to_ascii_uppercase())
            .parse::<Tlp>()
            .map_err(|_| {
                ApiError::BadRequest(format!(
                    "tlp {text:?}: expected clear, green, amber, amber+strict or red"
                ))
            })?,
    };
    let input = report_input(
        &case,
        profile.as_ref(),
        stage,
        language,
        tlp,
        Timestamp::now(),
    );
    let format = query.format.as_deref().unwrap_or("html");
    let (content_type, bytes) = match format {
        "html" => (
            "text/html; charset=utf-8",
            render_html(&document(&input)).into_bytes(),
        ),
        "pdf" => ("application/pdf", render_pdf(&document(&input))),
        "json" => (
            "application/json",
            snapshot_json(&input).to_string().into_bytes(),
        ),
        other => {
            return Err(ApiError::BadRequest(format!(
                "format {other:?}: expected html, pdf or json"
            )));
        }
    };
    let sha = sha256_hex(&bytes);
    let record = AuditRecord::new(
        desk.0.actor.0.clone(),
        Some(case.tenant),
        "nis2.report.render",
        format!("incident:{id}"),
        serde_json::json!({"stage": stage, "language": language, "format": format, "sha256": sha}),
    );
    state.store().audit(&record).await?;
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::ETAG, format!("\"{sha}\"")),
        ],
        bytes,
    )
        .into_response();
    if format == "html"
        && let Ok(csp) = header::HeaderValue::from_str(&vigie_nis2::report::html_csp())
    {
        // The report's own policy (its inline style by hash, nothing else); the security
        // headers layer keeps a policy a handler set.
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    Ok(response)
}

/// `GET /api/v1/nis2/board`: every open clock in the caller's scope, soonest first.
pub async fn board_route(
    State(state): State<AppState>,
    desk: Desk,
) -> Result<Json<Vec<BoardRow>>, ApiError> {
    desk.require(&state, Permission::ReadDesk, "nis2-board")
        .await?;
    let cases = state.store().nis2_open_cases(&desk.0.scope).await?;
    Ok(Json(board(
        &cases,
        Timestamp::now(),
        &vigie_soc::nis2::ReminderPolicy::configured(),
    )))
}

/// `GET /api/v1/tenants/{id}/nis2/profile`
pub async fn get_profile(
    State(state): State<AppState>,
    desk: Desk,
    Id(tenant): Id<String>,
) -> Result<Json<ProfileVersion>, ApiError> {
    desk.require(&state, Permission::ReadDesk, &format!("tenant:{tenant}"))
        .await?;
    let id = tenant_param(&state, &desk.0.scope, &tenant).await?;
    state
        .store()
        .nis2_profile(&desk.0.scope, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("tenant {tenant} has no NIS2 profile yet")))
}

/// `PUT /api/v1/tenants/{id}/nis2/profile`: a new version of the profile.
pub async fn put_profile(
    State(state): State<AppState>,
    desk: Desk,
    Id(tenant): Id<String>,
    Body(profile): Body<EntityProfile>,
) -> Result<Json<ProfileVersion>, ApiError> {
    desk.require(&state, Permission::ManageSla, &format!("tenant:{tenant}"))
        .await?;
    let id = tenant_param(&state, &desk.0.scope, &tenant).await?;
    state
        .store()
        .nis2_set_profile(&desk.0.scope, id, &profile, &desk.0.actor.0)
        .await?;
    state
        .store()
        .nis2_profile(&desk.0.scope, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::Internal("profile vanished after writing".into()))
}
