//! `GET /api/v1/users`, `POST /api/v1/users`, `GET|PATCH /api/v1/users/{id}`,
//! `POST /api/v1/users/{id}/disable`, `POST /api/v1/users/{id}/enable`.
//!
//! Users are listed within the caller's scope (a multi-tenant user shows only the tenants the
//! caller shares). A platform admin manages every user; a tenant admin manages the tenant
//! admins and tenant users of its own tenant and nothing else: it creates them, disables and
//! enables them, switches them between the two tenant roles and resets their passwords
//! (`PATCH` with `role`, `disabled`, `password`); any other user answers 404. Disabling ends
//! the user's sessions at once; a new password also revokes the user's API tokens.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use vigie_access::Permission;
use vigie_access::{NewUser, User, UserAuthority, UserPatch};

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
        .create_user_as(&desk.0.actor, &desk.0.scope, authority(&desk)?, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// The caller's authority over users (it passed the `ManageUsers` check).
fn authority(desk: &Desk) -> Result<UserAuthority, ApiError> {
    UserAuthority::of(desk.0.role)
        .ok_or_else(|| ApiError::Forbidden(format!("a {} manages no users", desk.0.role)))
}

async fn change(
    state: AppState,
    desk: Desk,
    id: vigie_access::UserId,
    patch: UserPatch,
) -> Result<Json<User>, ApiError> {
    desk.require(&state, Permission::ManageUsers, &format!("user:{id}"))
        .await?;
    let user = state
        .store()
        .update_user(&desk.0.actor, &desk.0.scope, authority(&desk)?, id, &patch)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no user {id} that you manage")))?;
    if patch.password.is_some() {
        state.access().forget_failures(&user.username);
    }
    Ok(Json(user))
}

/// Handler of `PATCH /api/v1/users/{id}`: role, tenants, disabled, password.
pub async fn update(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_access::UserId>,
    Body(patch): Body<UserPatch>,
) -> Result<Json<User>, ApiError> {
    change(state, desk, id, patch).await
}

/// Handler of `GET /api/v1/users/{id}`.
pub async fn get(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_access::UserId>,
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

/// Handler of `POST /api/v1/users/{id}/disable`.
pub async fn disable(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_access::UserId>,
) -> Result<Json<User>, ApiError> {
    let patch = UserPatch {
        disabled: Some(true),
        ..UserPatch::default()
    };
    change(state, desk, id, patch).await
}

/// Handler of `POST /api/v1/users/{id}/enable`.
pub async fn enable(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_access::UserId>,
) -> Result<Json<User>, ApiError> {
    let patch = UserPatch {
        disabled: Some(false),
        ..UserPatch::default()
    };
    change(state, desk, id, patch).await
}
