//! `GET /api/v1/reports/monthly`: a tenant's monthly report, as a PDF (default) or as the
//! JSON of its figures, for any month, in the tenant's language or the one asked for.
//!
//! `vigie serve` adds a [`Reports`] extension with the configured settings and the event
//! store; without one, the defaults and no ingest figures.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::Deserialize;
use vigie_access::Permission;
use vigie_report::Language;
use vigie_store::EventStore;

use super::session::{Desk, Params};
use crate::AppState;
use crate::error::ApiError;
use crate::report::{GatherError, ReportArchive, ReportRequest, ReportSettings, gather};

/// The reports' settings, the event store they read ingest figures from, and the archive
/// of the reports the monthly schedule made.
#[derive(Clone, Default)]
pub struct Reports {
    /// Who sends them, language, time zone, TLP.
    pub settings: ReportSettings,
    /// The event store, where this process has it.
    pub events: Option<Arc<dyn EventStore>>,
    /// The reports made each month, where this process keeps them.
    pub archive: Option<ReportArchive>,
}

/// Reports rendered at once at most (rendering takes a core for a moment).
static RENDERING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Query of `GET /api/v1/reports/monthly`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthlyQuery {
    /// The tenant's slug.
    tenant: String,
    /// `YYYY-MM`.
    month: String,
    /// `fr`, `nl`, `de` or `en`; default: the tenant's.
    lang: Option<Language>,
    /// `pdf` (default) or `json`.
    format: Option<String>,
}

impl From<GatherError> for ApiError {
    fn from(error: GatherError) -> Self {
        match error {
            GatherError::Month(_) => ApiError::BadRequest(error.to_string()),
            GatherError::Tenant(_) => ApiError::NotFound(error.to_string()),
            GatherError::State(e) => ApiError::from(e),
            GatherError::TimeZone(_) | GatherError::Events(_) | GatherError::Archive(_) => {
                ApiError::Internal(error.to_string())
            }
        }
    }
}

/// Handler of `GET /api/v1/reports/monthly`.
pub async fn monthly(
    State(state): State<AppState>,
    ext: Option<Extension<Reports>>,
    desk: Desk,
    Params(q): Params<MonthlyQuery>,
) -> Result<Response, ApiError> {
    desk.require(
        &state,
        Permission::ReadDesk,
        &format!("report:{}", q.tenant),
    )
    .await?;
    let pdf = match q.format.as_deref() {
        None | Some("pdf") => true,
        Some("json") => false,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "unknown format {other:?}: expected pdf or json"
            )));
        }
    };
    let reports = ext.map(|Extension(r)| r).unwrap_or_default();
    let data = gather(
        state.store().as_ref(),
        reports.events.as_ref(),
        &desk.0.scope,
        &reports.settings,
        &ReportRequest {
            tenant: &q.tenant,
            month: &q.month,
            language: q.lang,
        },
        Timestamp::now(),
    )
    .await?;
    if !pdf {
        return Ok(axum::Json(data).into_response());
    }
    let _permit = RENDERING
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let name = format!(
        "vigie-{}-{}-{}.pdf",
        data.client.slug,
        q.month.trim(),
        data.language.tag()
    );
    let bytes = tokio::task::spawn_blocking(move || vigie_report::render_pdf(&data))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(format!("rendering the report: {e}")))?;
    Ok(pdf_response(bytes, &name))
}

/// The reports the monthly schedule made, of the caller's tenants.
#[derive(serde::Serialize)]
pub struct Archived {
    /// Newest month first.
    pub reports: Vec<crate::report::StoredReport>,
}

/// Handler of `GET /api/v1/reports`: the reports the monthly schedule made for the tenants
/// of the caller's scope (each downloaded from `GET /api/v1/reports/{tenant}/{month}`).
pub async fn list(
    State(state): State<AppState>,
    ext: Option<Extension<Reports>>,
    desk: Desk,
) -> Result<axum::Json<Archived>, ApiError> {
    desk.require(&state, Permission::ReadDesk, "reports")
        .await?;
    let reports = match ext.and_then(|Extension(r)| r.archive) {
        Some(archive) => archive.list(state.store().as_ref(), &desk.0.scope).await?,
        None => Vec::new(),
    };
    Ok(axum::Json(Archived { reports }))
}

/// Handler of `GET /api/v1/reports/{tenant}/{month}`: a report the monthly schedule made.
pub async fn archived(
    State(state): State<AppState>,
    ext: Option<Extension<Reports>>,
    desk: Desk,
    axum::extract::Path((tenant, month)): axum::extract::Path<(String, String)>,
) -> Result<Response, ApiError> {
    desk.require(&state, Permission::ReadDesk, &format!("report:{tenant}"))
        .await?;
    let missing = || {
        ApiError::NotFound(format!(
            "no report of {tenant:?} for {month:?} in your scope"
        ))
    };
    let archive = ext.and_then(|Extension(r)| r.archive).ok_or_else(missing)?;
    let pdf = archive
        .get(state.store().as_ref(), &desk.0.scope, &tenant, &month)
        .await?
        .ok_or_else(missing)?;
    Ok(pdf_response(pdf, &format!("vigie-{tenant}-{month}.pdf")))
}

/// A PDF download.
fn pdf_response(bytes: Vec<u8>, name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
