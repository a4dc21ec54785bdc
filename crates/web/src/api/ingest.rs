//! `POST /api/v1/ingest`: NDJSON events, optionally gzip-compressed.
//!
//! The reply comes only after the accepted events are durable in the log. It names every
//! rejected line; the good lines of the same body are kept. Status: 200 when at least one
//! line was accepted or the body was empty, 400 when every line was rejected, 413 for a
//! body over the limits, 429 with `Retry-After` while the pipeline lags (nothing accepted)
//! or while the in-flight budget stays full for [`INFLIGHT_WAIT`] (the body is not read).
//!
//! [`read_body`] is how every ingest route (`/api/v1/ingest`, `_bulk`, `/api/v1/import`)
//! reads its body: after authentication, it reserves the declared length in the intake's
//! in-flight budget (`[ingest] max_inflight_bytes`), waiting with the body unread (the
//! sender's TCP window closes) while the budget is full, and holds the reservation until
//! the reply is ready.

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use bytes::Bytes;
use jiff::Timestamp;
use serde::Serialize;
use vigie_access::TokenKind;
use vigie_ingest::decode::{DecodeError, gunzip_capped};
use vigie_ingest::intake::InflightPermit;
use vigie_ingest::{IntakeError, LineRejection, ndjson};
use vigie_parse::SourceType;

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

/// Longest a request waits for room in the in-flight budget before it is answered 429.
pub const INFLIGHT_WAIT: Duration = Duration::from_secs(5);

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Over `[ingest] max_body_bytes` (413).
    TooLarge(String),
    /// The in-flight budget stayed full for [`INFLIGHT_WAIT`] (429); nothing was read.
    Busy,
    /// The connection failed while the body was read.
    Read(String),
}

impl From<BodyError> for ApiError {
    fn from(error: BodyError) -> Self {
        match error {
            BodyError::TooLarge(m) => ApiError::PayloadTooLarge(m),
            BodyError::Busy => ApiError::TooManyRequests {
                message: busy_message(),
                retry_after: Duration::from_secs(1),
            },
            BodyError::Read(m) => ApiError::BadRequest(m),
        }
    }
}

/// What a sender refused for lack of in-flight room is told.
pub fn busy_message() -> String {
    format!(
        "vigie is handling as many request bytes as [ingest] max_inflight_bytes allows and none finished within {}s; retry",
        INFLIGHT_WAIT.as_secs()
    )
}

/// Reserves the body's declared size (`Content-Length`, else `max_body_bytes`) in the
/// intake's in-flight budget, then reads it. Keep the permit until the reply is built.
/// `tenant` labels the refusal counter (`vigie_ingest_bodies_refused_total`).
pub async fn read_body(
    state: &AppState,
    tenant: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Bytes, InflightPermit), BodyError> {
    let max = state.config().max_body_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        count_refused_body(tenant, "body_too_large");
        BodyError::TooLarge(format!(
            "the body is larger than [ingest] max_body_bytes ({max} bytes)"
        ))
    };
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let Some(permit) = state
        .intake()
        .reserve(tenant, declared.unwrap_or(max as u64), INFLIGHT_WAIT)
        .await
    else {
        count_refused_body(tenant, "inflight_full");
        return Err(BodyError::Busy);
    };
    match axum::body::to_bytes(body, max).await {
        Ok(bytes) => Ok((bytes, permit)),
        Err(error) => {
            let mut source: Option<&dyn std::error::Error> = Some(&error);
            while let Some(e) = source {
                if e.to_string().contains("length limit") {
                    return Err(too_large());
                }
                source = e.source();
            }
            Err(BodyError::Read(format!(
                "the body could not be read: {error}"
            )))
        }
    }
}

/// The query of `POST /api/v1/ingest`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct IngestQuery {
    /// The source type of every event of the body (`?source_type=aws.cloudtrail`).
    source_type: Option<String>,
}

/// The query of a request (read after its token is checked; none: the defaults), or a 400
/// naming what is wrong.
pub(crate) fn query_of<T: serde::de::DeserializeOwned + Default>(uri: &Uri) -> Result<T, ApiError> {
    if uri.query().is_none() {
        return Ok(T::default());
    }
    Query::<T>::try_from_uri(uri)
        .map(|Query(query)| query)
        .map_err(|e| ApiError::BadRequest(format!("invalid query: {}", e.body_text())))
}

/// The source type an ingest token declares for its events (checked when it was created;
/// a value that no longer reads as one is ignored, and logged).
pub(crate) fn token_source_type(credential: &vigie_access::Credential) -> Option<SourceType> {
    let text = credential.source_type.as_deref()?;
    SourceType::new(text)
        .inspect_err(
            |e| tracing::warn!(token = %credential.token_id, %e, "token source type ignored"),
        )
        .ok()
}

/// The source type a request declares (`?source_type=`), else its token's, or a 400 naming
/// the offending value.
pub(crate) fn declared_source_type(
    query: Option<&str>,
    credential: &vigie_access::Credential,
) -> Result<Option<SourceType>, ApiError> {
    match query {
        Some(text) => SourceType::new(text)
            .map(Some)
            .map_err(|e| ApiError::BadRequest(format!("query parameter source_type: {e}"))),
        None => Ok(token_source_type(credential)),
    }
}

/// Handler of `POST /api/v1/ingest`.
pub async fn ingest(
    State(state): State<AppState>,
    auth: Auth,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<IngestReply>), ApiError> {
    auth.require(&[TokenKind::Ingest])?;
    let query: IngestQuery = query_of(&uri)?;
    let declared = declared_source_type(query.source_type.as_deref(), &auth.0)?;
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
    let (body, _permit) = read_body(&state, &label, &headers, body).await?;
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
    let batch = ndjson::parse_encoded(
        text,
        tenant,
        Timestamp::now(),
        "http",
        declared.as_ref(),
        config.max_line_bytes,
    );
    let errors = batch.rejected.clone();
    let any_line = batch.received() > 0;
    state.intake().wait_for_room(&label).await;
    let ack = state
        .intake()
        .submit_encoded(&label, "http", batch)
        .await
        .map_err(|error| match error {
            IntakeError::Backpressure { retry_after, .. } => ApiError::TooManyRequests {
                message: error.to_string(),
                retry_after,
            },
            IntakeError::DiskLow { retry_after, .. } => ApiError::InsufficientStorage {
                message: error.to_string(),
                retry_after,
            },
            IntakeError::Log(e @ vigie_log::LogError::Unavailable { .. }) => {
                ApiError::Unavailable {
                    message: format!("nothing was accepted: {e}"),
                    retry_after: state.intake().retry_after(),
                }
            }
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
