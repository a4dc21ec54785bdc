//! `GET|POST /api/v1/suppressions`, `DELETE /api/v1/suppressions/{id}` (ends it now; the
//! record stays for the audit).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use vigie_access::Permission;
use vigie_soc::desk::{NewSuppression, Suppression};

use super::session::{Body, Desk, Id};
use crate::AppState;
use crate::error::ApiError;

/// Handler of `GET /api/v1/suppressions`.
pub async fn list(
    State(state): State<AppState>,
    desk: Desk,
) -> Result<Json<Vec<Suppression>>, ApiError> {
    desk.require(&state, Permission::ReadDesk, "suppressions")
        .await?;
    Ok(Json(state.store().list_suppressions(&desk.0.scope).await?))
}

/// Handler of `POST /api/v1/suppressions`.
pub async fn create(
    State(state): State<AppState>,
    desk: Desk,
    Body(new): Body<NewSuppression>,
) -> Result<(StatusCode, Json<Suppression>), ApiError> {
    desk.require(&state, Permission::ManageSuppressions, "suppressions")
        .await?;
    let s = state
        .store()
        .add_suppression(&desk.0.actor, &desk.0.scope, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// Handler of `DELETE /api/v1/suppressions/{id}`.
pub async fn end(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_soc::SuppressionId>,
) -> Result<StatusCode, ApiError> {
    desk.require(
        &state,
        Permission::ManageSuppressions,
        &format!("suppression:{id}"),
    )
    .await?;
    if state
        .store()
        .end_suppression(&desk.0.actor, &desk.0.scope, id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!(
            "no suppression {id} in your scope"
        )))
    }
}
