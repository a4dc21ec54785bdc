//! The bearer credential of a request.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use vigie_access::Credential;
use vigie_access::TokenKind;

use crate::AppState;
use crate::error::ApiError;

/// The verified credential of the caller. Extracting it fails with 401 when the header is
/// missing, malformed, unknown or revoked.
pub struct Auth(pub Credential);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok());
        let secret = header.map(|h| h.strip_prefix("Bearer ").unwrap_or(h).trim());
        let credential = state.access().authenticate(secret).await?;
        Ok(Auth(credential))
    }
}

impl Auth {
    /// Fails with 403 unless the token is of one of the `allowed` kinds.
    pub fn require(&self, allowed: &[TokenKind]) -> Result<(), ApiError> {
        if allowed.contains(&self.0.kind) {
            Ok(())
        } else {
            let names: Vec<String> = allowed.iter().map(ToString::to_string).collect();
            Err(ApiError::Forbidden(format!(
                "a {} token may not do this; it needs a token of scope {}",
                self.0.kind,
                names.join(" or ")
            )))
        }
    }
}
