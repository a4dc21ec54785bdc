//! `GET /api/v1/alerts`: the caller's alerts, newest first, paged.
//!
//! Any desk caller may list: a read or admin token, a session, a user's own token (with
//! `read_desk`); an ingest token may not.
//!
//! Query parameters, all optional: `tenant` (slug or id; narrows the caller's scope, a
//! tenant outside it answers 404), `rule` (rule id), `severity` (comma list, exact levels),
//! `min_severity`, `status` (comma list of triage statuses: `new`, `acknowledged`,
//! `escalated`, `false_positive`, `suppressed`), `since` and `until` (RFC 3339 times, on the
//! alert's creation time), `limit` (1 to 1000, default 100), `cursor` (the `next_cursor` of
//! the previous page).

use axum::Json;
use axum::extract::{Query, State};
use jiff::Timestamp;
use serde::Deserialize;
use vigie_access::Permission;
use vigie_event::{Severity, TenantId, TenantSlug};
use vigie_soc::desk::AlertStatus;
use vigie_soc::{AlertFilter, AlertPage, Page};

use super::session::Desk;
use crate::AppState;
use crate::error::ApiError;

/// Query parameters of `GET /api/v1/alerts`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    tenant: Option<String>,
    rule: Option<String>,
    severity: Option<String>,
    min_severity: Option<String>,
    status: Option<String>,
    since: Option<String>,
    until: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

fn time(name: &str, value: Option<&str>) -> Result<Option<Timestamp>, ApiError> {
    value
        .map(|v| {
            v.parse::<Timestamp>().map_err(|e| {
                ApiError::BadRequest(format!(
                    "query parameter {name}={v:?} is not an RFC 3339 time: {e}"
                ))
            })
        })
        .transpose()
}

fn severity(name: &str, value: &str) -> Result<Severity, ApiError> {
    value
        .trim()
        .parse()
        .map_err(|e| ApiError::BadRequest(format!("query parameter {name}: {e}")))
}

/// Handler of `GET /api/v1/alerts`.
pub async fn list(
    State(state): State<AppState>,
    desk: Desk,
    query: Result<Query<AlertQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AlertPage>, ApiError> {
    desk.require(&state, Permission::ReadDesk, "alerts").await?;
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let scope = &desk.0.scope;
    let mut filter = AlertFilter::default();
    if let Some(tenant) = &query.tenant {
        let found = match tenant.parse::<i64>() {
            Ok(id) => state
                .store()
                .list_tenants(scope)
                .await?
                .into_iter()
                .find(|t| t.id == TenantId(id)),
            Err(_) => {
                let slug = TenantSlug::new(tenant.as_str())
                    .map_err(|e| ApiError::BadRequest(format!("query parameter tenant: {e}")))?;
                state.store().find_tenant(scope, &slug).await?
            }
        };
        let found =
            found.ok_or_else(|| ApiError::NotFound(format!("no tenant {tenant} in your scope")))?;
        filter.tenant = Some(found.id);
    }
    if let Some(list) = &query.status {
        filter.statuses = list
            .split(',')
            .map(|s| {
                s.trim()
                    .parse::<AlertStatus>()
                    .map_err(|e| ApiError::BadRequest(format!("query parameter status: {e}")))
            })
            .collect::<Result<_, _>>()?;
    }
    filter.rule_id = query.rule;
    if let Some(list) = &query.severity {
        filter.severities = list
            .split(',')
            .map(|s| severity("severity", s))
            .collect::<Result<_, _>>()?;
    }
    filter.min_severity = query
        .min_severity
        .as_deref()
        .map(|s| severity("min_severity", s))
        .transpose()?;
    filter.since = time("since", query.since.as_deref())?;
    filter.until = time("until", query.until.as_deref())?;
    let page = Page {
        limit: query.limit.unwrap_or(100),
        cursor: query.cursor,
    };
    Ok(Json(
        state.store().list_alerts(scope, &filter, &page).await?,
    ))
}
