//! The one table from error kind to HTTP status.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use vigie_access::AuthError;
use vigie_soc::SocError;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No valid credential.
    #[error(transparent)]
    Unauthorized(#[from] AuthError),
    /// A valid credential that may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The request is wrong; the message names the offending value.
    #[error("{0}")]
    BadRequest(String),
    /// Nothing by that name in the caller's scope.
    #[error("{0}")]
    NotFound(String),
    /// The body is larger than allowed.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The pipeline lags; retry after the given time.
    #[error("{message}")]
    TooManyRequests {
        /// What to tell the sender.
        message: String,
        /// The `Retry-After` value.
        retry_after: Duration,
    },
    /// The data directory's disk is nearly full; retry after the given time (507).
    #[error("{message}")]
    InsufficientStorage {
        /// What to tell the sender.
        message: String,
        /// The `Retry-After` value.
        retry_after: Duration,
    },
    /// The request conflicts with what exists (a taken name).
    #[error("{0}")]
    Conflict(String),
    /// A state-changing request with a session cookie but without the session's CSRF token
    /// (or from a foreign origin).
    #[error("{0}")]
    Csrf(String),
    /// Too many login attempts for the account or from the address.
    #[error("{message}")]
    Throttled {
        /// What to tell the caller.
        message: String,
        /// The `Retry-After` value.
        retry_after: Duration,
    },
    /// An engine vigie depends on (the cluster's event log) cannot be reached: nothing was
    /// accepted; retry after the given time (503).
    #[error("{message}")]
    Unavailable {
        /// What to tell the caller (names the engine and its address, never a credential).
        message: String,
        /// The `Retry-After` value.
        retry_after: Duration,
    },
    /// A fault inside vigie: logged, answered with a plain message.
    #[error("internal error")]
    Internal(String),
}

impl From<SocError> for ApiError {
    fn from(error: SocError) -> Self {
        match error {
            SocError::InvalidCursor(_)
            | SocError::Invalid { .. }
            | SocError::InvalidValue { .. } => ApiError::BadRequest(error.to_string()),
            SocError::NotFound { .. } => ApiError::NotFound(error.to_string()),
            SocError::Conflict { .. } => ApiError::Conflict(error.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl ApiError {
    fn status_and_kind(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "overloaded"),
            ApiError::InsufficientStorage { .. } => (StatusCode::INSUFFICIENT_STORAGE, "disk_low"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Csrf(_) => (StatusCode::FORBIDDEN, "csrf"),
            ApiError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "throttled"),
            ApiError::Unavailable { .. } => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind) = self.status_and_kind();
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "request failed inside vigie");
        }
        let body = Json(json!({"error": {"kind": kind, "message": self.to_string()}}));
        let mut response = (status, body).into_response();
        match &self {
            ApiError::TooManyRequests { retry_after, .. }
            | ApiError::InsufficientStorage { retry_after, .. }
            | ApiError::Unavailable { retry_after, .. }
            | ApiError::Throttled { retry_after, .. } => {
                let secs = retry_after.as_secs().max(1).to_string();
                if let Ok(value) = HeaderValue::from_str(&secs) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
            }
            ApiError::Unauthorized(_) => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"vigie\""),
                );
            }
            _ => {}
        }
        response
    }
}

/// The answer to a request whose handler panicked: a plain 500 like any internal error, the
/// panic logged and counted in `vigie_http_panics_total`. Used by the router's outermost
/// layer, so one bad request never takes the process down.
pub fn panic_response(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = vigie_store::jobs::panic_message(payload.as_ref());
    tracing::error!(panic = %message, "a request handler panicked; answered 500");
    metrics::counter!("vigie_http_panics_total").increment(1);
    ApiError::Internal(format!("handler panicked: {message}")).into_response()
}
