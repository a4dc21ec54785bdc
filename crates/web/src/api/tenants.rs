//! `GET /api/v1/tenants`: the tenants in the caller's scope.

use axum::Json;
use axum::extract::State;
use vigie_access::{Tenant, TokenKind};

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

/// Handler of `GET /api/v1/tenants`.
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<Tenant>>, ApiError> {
    auth.require(&[TokenKind::Read, TokenKind::Admin])?;
    Ok(Json(state.store().list_tenants(&auth.0.scope).await?))
}
