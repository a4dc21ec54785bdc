//! `POST /_bulk` and `POST /{index}/_bulk`: the Elasticsearch bulk API, NDJSON, optionally
//! gzip-compressed.
//!
//! The reply comes only after the accepted documents are durable in the log, in the format
//! clients parse: `took`, `errors`, and one item per action with its status (201, or 400
//! with an error) so they retry only what failed. While the pipeline lags the whole request
//! is held up to `[ingest] backlog_wait_seconds`, then refused with 429, `Retry-After` and
//! nothing accepted (clients retry it whole; the
//! body also lists every item as 429 for clients that read only items). The body is read
//! through [`super::ingest::read_body`] (in-flight budget). The
//! index of an action is the event's dataset; the tenant is the credential's.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use vigie_ingest::IntakeError;
use vigie_ingest::bulk::{self, BulkRequest};
use vigie_ingest::decode::{DecodeError, gunzip_capped};

use super::es::{EsAuth, EsError};
use super::ingest::{BodyError, busy_message, read_body};
use crate::AppState;

/// Handler of `POST /_bulk`.
pub async fn bulk(
    State(state): State<AppState>,
    auth: EsAuth,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, EsError> {
    handle(state, auth, None, headers, body).await
}

/// Handler of `POST /{index}/_bulk`.
pub async fn bulk_index(
    State(state): State<AppState>,
    auth: EsAuth,
    Path(index): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, EsError> {
    handle(state, auth, Some(index), headers, body).await
}

async fn handle(
    state: AppState,
    auth: EsAuth,
    index: Option<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, EsError> {
    let started = Instant::now();
    let tenant = auth.0.ingest_tenant().ok_or_else(|| {
        EsError::new(
            StatusCode::FORBIDDEN,
            "security_exception",
            "token carries no tenant",
        )
    })?;
    let label = state
        .slug(&auth.0.scope, tenant)
        .await
        .unwrap_or_else(|| format!("id-{tenant}"));
    let (body, _permit) = read_body(&state, &label, &headers, body)
        .await
        .map_err(|error| match error {
            BodyError::TooLarge(m) => EsError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "content_too_long_exception",
                m,
            ),
            BodyError::Busy => EsError {
                status: StatusCode::TOO_MANY_REQUESTS,
                kind: "es_rejected_execution_exception",
                reason: busy_message(),
                retry_after: Some(1),
            },
            BodyError::Read(m) => EsError::new(StatusCode::BAD_REQUEST, "parse_exception", m),
        })?;
    let config = state.config();
    let gzip = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    let decoded;
    let text: &[u8] = if gzip {
        decoded = gunzip_capped(&body, config.max_decoded_bytes).map_err(|e| {
            let (status, reason) = match e {
                DecodeError::TooLarge { .. } => {
                    (StatusCode::PAYLOAD_TOO_LARGE, "decoded_too_large")
                }
                DecodeError::Gzip(_) => (StatusCode::BAD_REQUEST, "invalid_gzip"),
            };
            refused_body(&label, reason);
            EsError::new(status, "parse_exception", e.to_string())
        })?;
        &decoded
    } else {
        &body
    };
    let token_declared = super::ingest::token_source_type(&auth.0);
    let request = bulk::parse(
        text,
        tenant,
        Timestamp::now(),
        index.as_deref(),
        token_declared.as_ref(),
        config.max_line_bytes,
    )
    .map_err(|e| {
        refused_body(&label, "malformed_bulk");
        EsError::new(
            StatusCode::BAD_REQUEST,
            "illegal_argument_exception",
            e.to_string(),
        )
    })?;
    let BulkRequest { batch, items } = request;
    let ids: Vec<_> = batch.events.iter().map(|e| e.id).collect();
    state.intake().wait_for_room(&label).await;
    let ack = match state.intake().submit_encoded(&label, "bulk", batch).await {
        Ok(ack) => ack,
        // Shippers retry 429 item by item; a low disk is a wait like a lagging pipeline.
        Err(
            error @ (IntakeError::Backpressure { retry_after, .. }
            | IntakeError::DiskLow { retry_after, .. }),
        ) => {
            let took = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let retry = retry_after.as_secs().max(1).to_string();
            return Ok((
                StatusCode::TOO_MANY_REQUESTS,
                [
                    (header::CONTENT_TYPE, "application/json".to_owned()),
                    (header::RETRY_AFTER, retry),
                ],
                bulk::refused_reply_bytes(&items, took, &error.to_string()),
            )
                .into_response());
        }
        Err(IntakeError::Log(e @ vigie_log::LogError::Unavailable { .. })) => {
            // Elasticsearch clients retry a 503 (and Beats back off on it).
            tracing::warn!(error = %e, "bulk request refused: the event log is unreachable");
            return Err(EsError {
                retry_after: Some(state.intake().retry_after().as_secs().max(1)),
                ..EsError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable_shards_exception",
                    format!("nothing of this request was accepted: {e}"),
                )
            });
        }
        Err(IntakeError::Log(e)) => {
            tracing::error!(error = %e, "bulk request failed inside vigie");
            return Err(EsError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "the durable log failed; nothing of this request was accepted",
            ));
        }
    };
    let took = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        bulk::reply_bytes(&items, &ids, took, ack.first_offset),
    )
        .into_response())
}

fn refused_body(tenant: &str, reason: &'static str) {
    metrics::counter!("vigie_ingest_bodies_refused_total", "tenant" => tenant.to_owned(), "reason" => reason)
        .increment(1);
    tracing::warn!(
        tenant,
        reason,
        "bulk body refused before its items could be read"
    );
}
