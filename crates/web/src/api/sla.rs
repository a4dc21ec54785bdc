//! SLA: `GET|PUT /api/v1/tenants/{tenant}/sla` (the contract; tenant id), `GET
//! /api/v1/sla/summary` (MTTA/MTTR on the SLA clock, wall-clock means and breaches per tenant,
//! severity and category; `days`, default 30)
//! and `GET /api/v1/sla/breaches`.

use axum::Json;
use axum::extract::State;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use vigie_access::Permission;
use vigie_event::TenantId;
use vigie_soc::desk::{SlaBreach, SlaSummaryRow};
use vigie_soc::sla::SlaContract;

use super::session::{Body, Desk, Id, Params};
use crate::AppState;
use crate::error::ApiError;

/// Handler of `GET /api/v1/tenants/{tenant}/sla`.
pub async fn get_contract(
    State(state): State<AppState>,
    desk: Desk,
    Id(tenant): Id<i64>,
) -> Result<Json<SlaContract>, ApiError> {
    desk.require(&state, Permission::ReadDesk, &format!("tenant:{tenant}"))
        .await?;
    state
        .store()
        .sla_contract(&desk.0.scope, TenantId(tenant))
        .await?
        .map(Json)
        .ok_or_else(|| {
            ApiError::NotFound(format!("no SLA contract for tenant {tenant} in your scope"))
        })
}

/// Handler of `PUT /api/v1/tenants/{tenant}/sla`.
pub async fn put_contract(
    State(state): State<AppState>,
    desk: Desk,
    Id(tenant): Id<i64>,
    Body(contract): Body<SlaContract>,
) -> Result<Json<SlaContract>, ApiError> {
    desk.require(&state, Permission::ManageSla, &format!("tenant:{tenant}"))
        .await?;
    state
        .store()
        .set_sla_contract(&desk.0.actor, &desk.0.scope, TenantId(tenant), &contract)
        .await?;
    Ok(Json(contract))
}

/// Query of the summary.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    /// The last this many days (default 30), when `since` is not given.
    days: Option<u32>,
    /// Incidents created at or after this time (RFC 3339).
    since: Option<Timestamp>,
    /// Incidents created before this time (RFC 3339).
    until: Option<Timestamp>,
}

/// Handler of `GET /api/v1/sla/summary`.
pub async fn summary(
    State(state): State<AppState>,
    desk: Desk,
    Params(q): Params<SummaryQuery>,
) -> Result<Json<Vec<SlaSummaryRow>>, ApiError> {
    desk.require(&state, Permission::ReadDesk, "sla").await?;
    let days = q.days.unwrap_or(30).clamp(1, 3660);
    let since = q.since.unwrap_or_else(|| {
        Timestamp::now()
            .checked_sub(SignedDuration::from_hours(24 * i64::from(days)))
            .unwrap_or(Timestamp::MIN)
    });
    Ok(Json(
        state
            .store()
            .sla_summary(&desk.0.scope, since, q.until)
            .await?,
    ))
}

/// Handler of `GET /api/v1/sla/breaches`.
pub async fn breaches(
    State(state): State<AppState>,
    desk: Desk,
) -> Result<Json<Vec<SlaBreach>>, ApiError> {
    desk.require(&state, Permission::ReadDesk, "sla").await?;
    Ok(Json(state.store().sla_breaches(&desk.0.scope).await?))
}
