//! `POST /api/v1/ingest`: NDJSON events, optionally gzip-compressed.
//!
//! The reply comes only after the accepted events are durable in the log. It names every
//! rejected line; the good lines of the same body are kept. Status: 200 when at least one
//! line was accepted or the body was empty, 400 when every line was rejected, 413 for a
//! body over the limits, 429 with `Retry-After` while the pipeline lags (nothing accepted).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use bytes::Bytes;
use jiff::Timestamp;
use serde::Serialize;
use vigie_ingest::decode::{DecodeError, gunzip_capped};
use vigie_ingest::{IntakeError, LineRejection, ndjson};
use vigie_soc::TokenKind;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

/// The reply to an ingest request.
#[derive(Debug, Serialize)]
pub struct IngestReply {
    /// Events now durable in the log.
    pub accepted: u64,
    /// Number of rejected lines.
    pub rejected: usize,
    /// Each rejected line with its number and reason.
    pub errors: Vec<LineRejection>,
}

/// Handler of `POST /api/v1/ingest`.
pub async fn ingest(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<IngestReply>), ApiError> {
    auth.require(&[TokenKind::Ingest])?;
    let tenant = auth.0.ingest_tenant().ok_or_else(|| {
        ApiError::Forbidden(
            "a platform token carries no tenant; ingest with a token created with --tenant"
                .to_owned(),
        )
    })?;
    let label = state
        .slug(&auth.0.scope, tenant)
        .await
        .unwrap_or_else(|| format!("id-{tenant}"));
    let config = state.config();
    let gzip = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    let decoded;
    let text: &[u8] = if gzip {
        decoded = gunzip_capped(&body, config.max_decoded_bytes).map_err(|e| match e {
            DecodeError::TooLarge { .. } => {
                count_refused_body(&label, "decoded_too_large");
                ApiError::PayloadTooLarge(e.to_string())
            }
            DecodeError::Gzip(_) => {
                count_refused_body(&label, "invalid_gzip");
                ApiError::BadRequest(e.to_string())
            }
        })?;
        &decoded
    } else {
        &body
    };
    let batch = ndjson::parse(
        text,
        tenant,
        Timestamp::now(),
        "http",
        config.max_line_bytes,
    );
    let errors = batch.rejected.clone();
    let any_line = batch.received() > 0;
    let ack = state
        .intake()
        .submit(&label, "http", batch)
        .await
        .map_err(|error| match error {
            IntakeError::Backpressure { retry_after, .. } => ApiError::TooManyRequests {
                message: error.to_string(),
                retry_after,
            },
            IntakeError::Log(e) => ApiError::Internal(e.to_string()),
        })?;
    let status = if ack.accepted == 0 && any_line {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(IngestReply {
            accepted: ack.accepted,
            rejected: errors.len(),
            errors,
        }),
    ))
}

/// A body refused before its lines could be counted (it could not be decoded).
fn count_refused_body(tenant: &str, reason: &'static str) {
    metrics::counter!("vigie_ingest_bodies_refused_total", "tenant" => tenant.to_owned(), "reason" => reason)
        .increment(1);
    tracing::warn!(tenant, reason, "ingest body refused before decoding");
}
