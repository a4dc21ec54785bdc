//! `GET /api/v1/rules`: the load status of every rule document and tenant filter the caller
//! may read, with the reason when rejected. A tenant token sees the shared rules and its own
//! tenant's filters; the platform sees everything. Files are named relative to the rules
//! directory.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use vigie_access::TokenKind;
use vigie_soc::RuleStatus;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

/// The rule catalogue's load report.
#[derive(Serialize)]
pub struct RulesReply {
    /// Rules that loaded.
    pub loaded: usize,
    /// Rule documents that were rejected.
    pub rejected: usize,
    /// Every rule document and tenant filter the caller may read.
    pub rules: Vec<RuleStatus>,
}

/// Handler of `GET /api/v1/rules`.
pub async fn list(State(state): State<AppState>, auth: Auth) -> Result<Json<RulesReply>, ApiError> {
    auth.require(&[TokenKind::Read, TokenKind::Admin])?;
    let rules = state.store().list_rule_status(&auth.0.scope).await?;
    let loaded = rules.iter().filter(|r| r.loaded).count();
    Ok(Json(RulesReply {
        loaded,
        rejected: rules.len() - loaded,
        rules,
    }))
}
