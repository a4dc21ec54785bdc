//! Incidents: `GET|POST /api/v1/incidents`, `GET|PATCH /api/v1/incidents/{id}`,
//! `POST /api/v1/incidents/{id}/comments`, `POST /api/v1/incidents/{id}/tasks`,
//! `PATCH /api/v1/incidents/{id}/tasks/{task}`, `POST /api/v1/incidents/{id}/merge`,
//! `POST /api/v1/incidents/{id}/split`.
//!
//! List query parameters, all optional: `tenant` (id or slug; outside the scope: 404),
//! `status` (comma list), `min_severity`, `assignee` (user id), `rsit_class`, `sort`
//! (`newest`, the default, or `severity`), `limit` (1–1000, default 100), `cursor`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use vigie_access::Permission;
use vigie_access::TenantScope;
use vigie_event::{Severity, TenantId, TenantSlug};
use vigie_soc::Page;
use vigie_soc::desk::{
    CommentKind, Incident, IncidentDetail, IncidentFilter, IncidentPage, IncidentPatch,
    IncidentSort, IncidentStatus, NewIncident, Task, Visibility,
};

use super::session::{Body, Desk, Id, Params};
use crate::AppState;
use crate::error::ApiError;

/// Query parameters of `GET /api/v1/incidents`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentQuery {
    tenant: Option<String>,
    status: Option<String>,
    min_severity: Option<String>,
    assignee: Option<vigie_access::UserId>,
    rsit_class: Option<String>,
    sort: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Resolves a `tenant` query value (id or slug) inside `scope`; 404 outside it.
pub(crate) async fn tenant_param(
    state: &AppState,
    scope: &TenantScope,
    value: &str,
) -> Result<TenantId, ApiError> {
    let missing = || ApiError::NotFound(format!("no tenant {value:?} in your scope"));
    if let Ok(id) = value.parse::<i64>() {
        let tenants = state.store().list_tenants(scope).await?;
        return tenants
            .iter()
            .find(|t| t.id.0 == id)
            .map(|t| t.id)
            .ok_or_else(missing);
    }
    let slug = TenantSlug::new(value)
        .map_err(|e| ApiError::BadRequest(format!("query parameter tenant: {e}")))?;
    state
        .store()
        .find_tenant(scope, &slug)
        .await?
        .map(|t| t.id)
        .ok_or_else(missing)
}

/// Handler of `GET /api/v1/incidents`.
pub async fn list(
    State(state): State<AppState>,
    desk: Desk,
    Params(q): Params<IncidentQuery>,
) -> Result<Json<IncidentPage>, ApiError> {
    desk.require(&state, Permission::ReadDesk, "incidents")
        .await?;
    let scope = &desk.0.scope;
    let mut filter = IncidentFilter::default();
    if let Some(t) = &q.tenant {
        filter.tenant = Some(tenant_param(&state, scope, t).await?);
    }
    if let Some(list) = &q.status {
        filter.statuses = list
            .split(',')
            .map(|s| {
                s.trim()
                    .parse::<IncidentStatus>()
                    .map_err(|e| ApiError::BadRequest(format!("query parameter status: {e}")))
            })
            .collect::<Result<_, _>>()?;
    }
    filter.min_severity = q
        .min_severity
        .as_deref()
        .map(|s| {
            s.parse::<Severity>()
                .map_err(|e| ApiError::BadRequest(format!("query parameter min_severity: {e}")))
        })
        .transpose()?;
    filter.assignee = q.assignee;
    filter.rsit_class = q.rsit_class;
    let sort = match q.sort.as_deref() {
        None | Some("newest") => IncidentSort::Newest,
        Some("severity") => IncidentSort::Severity,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "query parameter sort={other:?}: expected newest or severity"
            )));
        }
    };
    let page = Page {
        limit: q.limit.unwrap_or(Page::DEFAULT_LIMIT),
        cursor: q.cursor,
    };
    Ok(Json(
        state
            .store()
            .list_incidents(scope, &filter, sort, &page)
            .await?,
    ))
}

/// Handler of `POST /api/v1/incidents`.
pub async fn create(
    State(state): State<AppState>,
    desk: Desk,
    Body(new): Body<NewIncident>,
) -> Result<(StatusCode, Json<Incident>), ApiError> {
    desk.require(&state, Permission::WorkIncidents, "incidents")
        .await?;
    let incident = state
        .store()
        .create_incident(&desk.0.actor, &desk.0.scope, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(incident)))
}

fn missing(id: vigie_soc::IncidentId) -> ApiError {
    ApiError::NotFound(format!("no incident {id} in your scope"))
}

/// Handler of `GET /api/v1/incidents/{id}`: the incident page (alerts, observables, tasks,
/// comments, timeline, SLA clocks).
pub async fn get(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_soc::IncidentId>,
) -> Result<Json<IncidentDetail>, ApiError> {
    desk.require(&state, Permission::ReadDesk, &format!("incident:{id}"))
        .await?;
    state
        .store()
        .incident_detail(&desk.0.scope, desk.0.audience(), id, Timestamp::now())
        .await?
        .map(Json)
        .ok_or_else(|| missing(id))
}

/// Handler of `PATCH /api/v1/incidents/{id}`.
pub async fn update(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_soc::IncidentId>,
    Body(patch): Body<IncidentPatch>,
) -> Result<Json<Incident>, ApiError> {
    desk.require(&state, Permission::WorkIncidents, &format!("incident:{id}"))
        .await?;
    state
        .store()
        .update_incident(&desk.0.actor, &desk.0.scope, id, &patch)
        .await?
        .map(Json)
        .ok_or_else(|| missing(id))
}

/// A comment to add.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    body: String,
    /// `internal` (the SOC's staff only) or `shared` (the client too). Default: internal
    /// for the SOC, shared for a client (whose comments are always shared).
    #[serde(default)]
    visibility: Option<Visibility>,
    /// `note` (default), `question` (the SOC asks the client; shared) or `answer` (the
    /// client answers the question `answers`).
    #[serde(default)]
    kind: CommentKind,
    /// For an answer: the question's id.
    #[serde(default)]
    answers: Option<vigie_soc::CommentId>,
}

/// The id of something created.
#[derive(Serialize)]
pub struct Created {
    /// Its id.
    pub id: vigie_soc::CommentId,
}

/// Handler of `POST /api/v1/incidents/{id}/comments`.
pub async fn comment(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_soc::IncidentId>,
    Body(c): Body<NewComment>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    desk.require(&state, Permission::Comment, &format!("incident:{id}"))
        .await?;
    let audience = desk.0.audience();
    let visibility =
        c.visibility
            .unwrap_or(if audience.sees_internal() && c.kind == CommentKind::Note {
                Visibility::Internal
            } else {
                Visibility::Shared
            });
    let comment = state
        .store()
        .add_comment(
            &desk.0.actor,
            &desk.0.scope,
            audience,
            id,
            &vigie_soc::desk::NewComment {
                body: c.body,
                visibility,
                kind: c.kind,
                answers: c.answers,
            },
        )
        .await?
        .ok_or_else(|| missing(id))?;
    Ok((StatusCode::CREATED, Json(Created { id: comment })))
}

/// A task to add.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    title: String,
}

/// Handler of `POST /api/v1/incidents/{id}/tasks`.
pub async fn add_task(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_soc::IncidentId>,
    Body(t): Body<NewTask>,
) -> Result<(StatusCode, Json<Task>), ApiError> {
    desk.require(&state, Permission::WorkIncidents, &format!("incident:{id}"))
        .await?;
    let task = state
        .store()
        .add_task(&desk.0.actor, &desk.0.scope, id, &t.title)
        .await?
        .ok_or_else(|| missing(id))?;
    Ok((StatusCode::CREATED, Json(task)))
}

/// A task change.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskPatch {
    done: bool,
}

/// Handler of `PATCH /api/v1/incidents/{id}/tasks/{task}`.
pub async fn update_task(
    State(state): State<AppState>,
    desk: Desk,
    Id((id, task)): Id<(vigie_soc::IncidentId, vigie_soc::TaskId)>,
    Body(p): Body<TaskPatch>,
) -> Result<StatusCode, ApiError> {
    desk.require(&state, Permission::WorkIncidents, &format!("incident:{id}"))
        .await?;
    if state
        .store()
        .set_task_done(&desk.0.actor, &desk.0.scope, id, task, p.done)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!(
            "no task {task} of incident {id} in your scope"
        )))
    }
}

/// A merge request: `from` is merged into the incident of the path.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Merge {
    from: vigie_soc::IncidentId,
}

/// Handler of `POST /api/v1/incidents/{id}/merge`.
pub async fn merge(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_soc::IncidentId>,
    Body(m): Body<Merge>,
) -> Result<Json<Incident>, ApiError> {
    desk.require(&state, Permission::WorkIncidents, &format!("incident:{id}"))
        .await?;
    state
        .store()
        .merge_incidents(&desk.0.actor, &desk.0.scope, id, m.from)
        .await?
        .map(Json)
        .ok_or_else(|| {
            ApiError::NotFound(format!("no incidents {id} and {} in your scope", m.from))
        })
}

/// A split request: these alerts move to a new incident with this title.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Split {
    alerts: Vec<String>,
    title: String,
}

/// Handler of `POST /api/v1/incidents/{id}/split`.
pub async fn split(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_soc::IncidentId>,
    Body(s): Body<Split>,
) -> Result<(StatusCode, Json<Incident>), ApiError> {
    desk.require(&state, Permission::WorkIncidents, &format!("incident:{id}"))
        .await?;
    let incident = state
        .store()
        .split_incident(&desk.0.actor, &desk.0.scope, id, &s.alerts, &s.title)
        .await?
        .ok_or_else(|| missing(id))?;
    Ok((StatusCode::CREATED, Json(incident)))
}

/// Query of `GET /api/v1/questions`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionsQuery {
    /// Only the unanswered ones (default true).
    #[serde(default = "yes")]
    open: bool,
}

fn yes() -> bool {
    true
}

/// The questions of the SOC to clients.
#[derive(Serialize)]
pub struct Questions {
    /// Newest first, at most 500.
    pub questions: Vec<vigie_soc::desk::Question>,
}

/// Handler of `GET /api/v1/questions`: the SOC's questions to clients on incidents of the
/// caller's scope (a client: its own, to answer), unanswered ones only unless `open=false`.
pub async fn questions(
    State(state): State<AppState>,
    desk: Desk,
    Params(q): Params<QuestionsQuery>,
) -> Result<Json<Questions>, ApiError> {
    desk.require(&state, Permission::ReadDesk, "questions")
        .await?;
    let questions = state.store().questions(&desk.0.scope, q.open).await?;
    Ok(Json(Questions { questions }))
}
