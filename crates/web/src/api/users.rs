//! `GET /api/v1/users`, `POST /api/v1/users`, `GET /api/v1/users/{id}`,
//! `POST /api/v1/users/{id}/disable`, `POST /api/v1/users/{id}/enable`.
//!
//! Users are listed within the caller's scope (a multi-tenant user shows only the tenants the
//! caller shares). Only a platform admin creates and disables users; disabling ends the
//! user's sessions at once.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use vigie_soc::Permission;
use vigie_soc::desk::{NewUser, User};

use super::session::{Body, Desk, Id};
use crate::AppState;
use crate::error::ApiError;

/// Handler of `GET /api/v1/users`.
pub async fn list(State(state): State<AppState>, desk: Desk) -> Result<Json<Vec<User>>, ApiError> {
    desk.require(&state, Permission::ReadUsers, "users").await?;
    Ok(Json(state.store().list_users(&desk.0.scope).await?))
}

/// Handler of `POST /api/v1/users`.
pub async fn create(
    State(state): State<AppState>,
    desk: Desk,
    Body(new): Body<NewUser>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    desk.require(&state, Permission::ManageUsers, "users")
        .await?;
    let user = state
        .store()
        .add_user(&desk.0.actor, &desk.0.scope, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Handler of `GET /api/v1/users/{id}`.
pub async fn get(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<i64>,
) -> Result<Json<User>, ApiError> {
    desk.require(&state, Permission::ReadUsers, &format!("user:{id}"))
        .await?;
    state
        .store()
        .get_user(&desk.0.scope, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no user {id} in your scope")))
}

async fn set_disabled(
    state: AppState,
    desk: Desk,
    id: i64,
    disabled: bool,
) -> Result<Json<User>, ApiError> {
    desk.require(&state, Permission::ManageUsers, &format!("user:{id}"))
        .await?;
    state
        .store()
        .set_user_disabled(&desk.0.actor, &desk.0.scope, id, disabled)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no user {id} in your scope")))
}

/// Handler of `POST /api/v1/users/{id}/disable`.
pub async fn disable(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<i64>,
) -> Result<Json<User>, ApiError> {
    set_disabled(state, desk, id, true).await
}

/// Handler of `POST /api/v1/users/{id}/enable`.
pub async fn enable(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<i64>,
) -> Result<Json<User>, ApiError> {
    set_disabled(state, desk, id, false).await
}
