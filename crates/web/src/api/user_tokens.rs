//! A user's own API tokens: `GET|POST /api/v1/auth/tokens`, `DELETE /api/v1/auth/tokens/{id}`.
//!
//! A token is created from a signed-in session (never from another token), with a label, the
//! permissions it carries (each one the user's role allows) and optionally a subset of the
//! user's tenants and an expiry. Its secret (`vgu_…`) is shown once. Sent as a bearer token,
//! it acts as the user with the intersection of its permissions and the user's role and
//! tenants as they are at each request: disabling the user, changing their role or removing a
//! tenant from them takes effect on the next request. Each user sees and revokes only their
//! own tokens; every creation and revocation is in the audit log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use vigie_access::token::{CreatedUserToken, NewUserToken, UserTokenInfo};

use super::session::{Body, Desk, Id};
use crate::AppState;
use crate::error::ApiError;

fn own_user(desk: &Desk) -> Result<vigie_access::UserId, ApiError> {
    desk.0.user_id.ok_or_else(|| {
        ApiError::Forbidden(
            "only a signed-in user has tokens of their own; this is a tenant or platform token"
                .into(),
        )
    })
}

/// Handler of `GET /api/v1/auth/tokens`: the caller's tokens (never their secrets).
pub async fn list(
    State(state): State<AppState>,
    desk: Desk,
) -> Result<Json<Vec<UserTokenInfo>>, ApiError> {
    let user = own_user(&desk)?;
    Ok(Json(state.store().list_user_tokens(user).await?))
}

/// Handler of `POST /api/v1/auth/tokens`: a new token for the signed-in user.
pub async fn create(
    State(state): State<AppState>,
    desk: Desk,
    Body(new): Body<NewUserToken>,
) -> Result<(StatusCode, Json<CreatedUserToken>), ApiError> {
    let user = own_user(&desk)?;
    if !desk.0.is_session() {
        return Err(ApiError::Forbidden(
            "tokens are created from a signed-in session, not with another token".into(),
        ));
    }
    let created = state
        .store()
        .create_user_token(&desk.0.actor, user, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Handler of `DELETE /api/v1/auth/tokens/{id}`: revokes one of the caller's tokens.
pub async fn revoke(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<vigie_access::UserTokenId>,
) -> Result<StatusCode, ApiError> {
    let user = own_user(&desk)?;
    if state
        .store()
        .revoke_user_token(&desk.0.actor, user, id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("you have no token {id}")))
    }
}
