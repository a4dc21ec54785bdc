//! `GET /api/v1/alerts/{id}`, `POST /api/v1/alerts/{id}/actions` (acknowledge, escalate,
//! close as false positive) and `GET /api/v1/rule-stats` (triage feedback per rule).

use axum::Json;
use axum::extract::State;
use vigie_access::Permission;
use vigie_soc::Alert;
use vigie_soc::desk::{AlertAction, RuleStats};

use super::session::{Body, Desk, Id};
use crate::AppState;
use crate::error::ApiError;

/// Handler of `GET /api/v1/alerts/{id}`.
pub async fn get(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<String>,
) -> Result<Json<Alert>, ApiError> {
    desk.require(&state, Permission::ReadDesk, &format!("alert:{id}"))
        .await?;
    state
        .store()
        .get_alert(&desk.0.scope, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no alert {id} in your scope")))
}

/// Handler of `POST /api/v1/alerts/{id}/actions`. Body: `{"action": "acknowledge"}`,
/// `{"action": "escalate", "incident": 12}` (or without `incident` to open one), or
/// `{"action": "close_false_positive", "reason": "..."}`.
pub async fn act(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<String>,
    Body(action): Body<AlertAction>,
) -> Result<Json<Alert>, ApiError> {
    desk.require(&state, Permission::TriageAlerts, &format!("alert:{id}"))
        .await?;
    state
        .store()
        .alert_action(&desk.0.actor, &desk.0.scope, &id, &action)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no alert {id} in your scope")))
}

/// Handler of `GET /api/v1/rule-stats`.
pub async fn rule_stats(
    State(state): State<AppState>,
    desk: Desk,
) -> Result<Json<Vec<RuleStats>>, ApiError> {
    desk.require(&state, Permission::ReadDesk, "rule-stats")
        .await?;
    Ok(Json(state.store().rule_stats(&desk.0.scope).await?))
}
