//! OTLP logs intake: `POST /v1/logs` (OTLP/HTTP, binary protobuf or JSON, optionally gzip)
//! and the gRPC `opentelemetry.proto.collector.logs.v1.LogsService/Export` ([`grpc_router`],
//! served on its own HTTP/2 listener, `[otlp] grpc_listen`).
//!
//! Both take the same ingest tokens as `_bulk` (`Authorization: Bearer`, the gRPC metadata
//! `authorization`), the token's tenant, the in-flight budget (reserved before the message
//! is read), the backlog wait and the durability of every intake: the reply comes once the
//! accepted records are durable in the log. Records that cannot become events are counted,
//! named in the reply's `partial_success` (with warnings, such as a source-type attribute
//! that names none) and the others kept, as OTLP asks. Refusals use OTLP's retryable codes
//! so exporters retry them: HTTP 429 / 503 with `Retry-After`, gRPC `UNAVAILABLE`.
//! Records are read by [`vigie_ingest::otlp`].

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use prost::Message as _;
use vigie_access::{Credential, TokenKind};
use vigie_ingest::IntakeError;
use vigie_ingest::decode::{DecodeError, gunzip_capped};

use super::ingest::{BodyError, INFLIGHT_WAIT, busy_message, read_body, token_source_type};
use crate::AppState;

/// The path of OTLP/HTTP logs (the literal in `crate::router`, which the route inventory
/// of `tests/isolation.rs` reads, is this).
pub const HTTP_PATH: &str = "/v1/logs";

/// Why an export was refused, whatever the transport.
#[derive(Debug)]
enum Refusal {
    /// No or a bad token (HTTP 401, gRPC `UNAUTHENTICATED`).
    Unauthenticated(String),
    /// A token that may not send events (403, `PERMISSION_DENIED`).
    Forbidden(String),
    /// An undecodable or oversized request (400 or 413, `INVALID_ARGUMENT`).
    Bad(StatusCode, String),
    /// Not now: retry after the time (429 or 503, `UNAVAILABLE`).
    Later {
        status: StatusCode,
        message: String,
        retry_after: Duration,
    },
    /// vigie failed (500, `INTERNAL`).
    Internal(String),
}

impl Refusal {
    fn grpc(&self) -> tonic::Status {
        match self {
            Refusal::Unauthenticated(m) => tonic::Status::unauthenticated(m),
            Refusal::Forbidden(m) => tonic::Status::permission_denied(m),
            Refusal::Bad(_, m) => tonic::Status::invalid_argument(m),
            Refusal::Later {
                message,
                retry_after,
                ..
            } => {
                // OTLP's way to say when to retry: `RetryInfo` in the trailers.
                let mut status = tonic::Status::unavailable(message);
                let info = RetryInfo {
                    retry_delay: Some(ProtoDuration {
                        seconds: i64::try_from(retry_after.as_secs().max(1)).unwrap_or(1),
                        nanos: 0,
                    }),
                };
                status.metadata_mut().insert_bin(
                    "google.rpc.retryinfo-bin",
                    tonic::metadata::MetadataValue::from_bytes(&info.encode_to_vec()),
                );
                status
            }
            Refusal::Internal(m) => tonic::Status::internal(m),
        }
    }

    fn http(&self, json: bool) -> Response {
        let (status, message, retry_after) = match self {
            Refusal::Unauthenticated(m) => (StatusCode::UNAUTHORIZED, m, None),
            Refusal::Forbidden(m) => (StatusCode::FORBIDDEN, m, None),
            Refusal::Bad(status, m) => (*status, m, None),
            Refusal::Later {
                status,
                message,
                retry_after,
            } => (*status, message, Some(*retry_after)),
            Refusal::Internal(m) => (StatusCode::INTERNAL_SERVER_ERROR, m, None),
        };
        let code = self.grpc().code() as i32;
        let mut response = encoded(
            json,
            &RpcStatus {
                code,
                message: message.clone(),
            },
            status,
        );
        if let Some(after) = retry_after
            && let Ok(value) = HeaderValue::from_str(&after.as_secs().max(1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// `google.rpc.Status`, the body of an OTLP/HTTP error (code and message; the details list
/// is left out). Written here because no crate in the tree carries it without pulling a
/// second protobuf runtime (`tonic-types` brings `prost-types`); three fields.
#[derive(Clone, PartialEq, prost::Message, serde::Serialize)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

/// `google.rpc.RetryInfo`, how long a gRPC client waits before it retries (written here
/// for the same reason as [`RpcStatus`]).
#[derive(Clone, PartialEq, prost::Message)]
struct RetryInfo {
    #[prost(message, optional, tag = "1")]
    retry_delay: Option<ProtoDuration>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, prost::Message)]
struct ProtoDuration {
    #[prost(int64, tag = "1")]
    seconds: i64,
    #[prost(int32, tag = "2")]
    nanos: i32,
}

/// A message in the request's encoding: protobuf, or OTLP's JSON.
fn encoded<M: prost::Message + serde::Serialize>(
    json: bool,
    message: &M,
    status: StatusCode,
) -> Response {
    if json {
        // Unset message fields are left out, as protobuf's JSON mapping does.
        let body = match serde_json::to_value(message) {
            Ok(serde_json::Value::Object(mut map)) => {
                map.retain(|_, value| !value.is_null());
                serde_json::to_vec(&map).unwrap_or_default()
            }
            _ => serde_json::to_vec(message).unwrap_or_default(),
        };
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    } else {
        (
            status,
            [(header::CONTENT_TYPE, "application/x-protobuf")],
            message.encode_to_vec(),
        )
            .into_response()
    }
}

/// The caller of an export: its credential and tenant label, checked before the message is
/// read.
#[derive(Clone, Debug)]
struct Caller {
    credential: Credential,
    label: String,
}

/// Authenticates `authorization` as an ingest token with a tenant.
async fn caller(state: &AppState, authorization: Option<&str>) -> Result<Caller, Refusal> {
    let secret = authorization.map(|h| h.strip_prefix("Bearer ").unwrap_or(h).trim());
    let credential = state
        .access()
        .authenticate(secret)
        .await
        .map_err(|e| Refusal::Unauthenticated(e.to_string()))?;
    let tenant = match (credential.kind, credential.ingest_tenant()) {
        (TokenKind::Ingest, Some(tenant)) => tenant,
        _ => {
            return Err(Refusal::Forbidden(format!(
                "a {} token may not send events; use an ingest token created with --tenant",
                credential.kind
            )));
        }
    };
    let label = state
        .slug(&credential.scope, tenant)
        .await
        .unwrap_or_else(|| format!("id-{tenant}"));
    Ok(Caller { credential, label })
}

/// Reads the records of `request` into events and appends them to the log; the reply once
/// they are durable.
async fn export(
    state: &AppState,
    caller: &Caller,
    request: ExportLogsServiceRequest,
) -> Result<ExportLogsServiceResponse, Refusal> {
    let Some(tenant) = caller.credential.ingest_tenant() else {
        return Err(Refusal::Forbidden("the token carries no tenant".to_owned()));
    };
    let config = state.config();
    let declared = token_source_type(&caller.credential);
    let read = vigie_ingest::otlp::read(
        request,
        tenant,
        Timestamp::now(),
        declared.as_ref(),
        config.max_line_bytes,
    );
    let message = read.message();
    let rejected = read.batch.rejected.len();
    state.intake().wait_for_room(&caller.label).await;
    state
        .intake()
        .submit(&caller.label, "otlp", read.batch)
        .await
        .map_err(|error| match error {
            IntakeError::Backpressure { retry_after, .. } => Refusal::Later {
                status: StatusCode::TOO_MANY_REQUESTS,
                message: error.to_string(),
                retry_after,
            },
            // 507 is not one OTLP exporters retry; 503 is.
            IntakeError::DiskLow { retry_after, .. } => Refusal::Later {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: error.to_string(),
                retry_after,
            },
            IntakeError::Log(e @ vigie_log::LogError::Unavailable { .. }) => Refusal::Later {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: format!("nothing was accepted: {e}"),
                retry_after: state.intake().retry_after(),
            },
            IntakeError::Log(e) => {
                tracing::error!(error = %e, "OTLP export failed inside vigie");
                Refusal::Internal(
                    "the durable log failed; nothing of this request was accepted".to_owned(),
                )
            }
        })?;
    let partial_success = (!message.is_empty()).then(|| ExportLogsPartialSuccess {
        rejected_log_records: i64::try_from(rejected).unwrap_or(i64::MAX),
        error_message: message,
    });
    Ok(ExportLogsServiceResponse { partial_success })
}

/// Handler of `POST /v1/logs`.
pub async fn http(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let json = media == "application/json";
    match http_export(&state, &headers, body, &media).await {
        Ok(reply) => encoded(json, &reply, StatusCode::OK),
        Err(refusal) => refusal.http(json),
    }
}

async fn http_export(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    media: &str,
) -> Result<ExportLogsServiceResponse, Refusal> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let caller = caller(state, authorization).await?;
    if media != "application/x-protobuf" && media != "application/json" {
        return Err(Refusal::Bad(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type {media:?} is not OTLP: send application/x-protobuf or application/json"
            ),
        ));
    }
    let (body, _permit) = read_body(state, &caller.label, headers, body)
        .await
        .map_err(|error| match error {
            BodyError::TooLarge(m) => Refusal::Bad(StatusCode::PAYLOAD_TOO_LARGE, m),
            BodyError::Busy => Refusal::Later {
                status: StatusCode::TOO_MANY_REQUESTS,
                message: busy_message(),
                retry_after: Duration::from_secs(1),
            },
            BodyError::Read(m) => Refusal::Bad(StatusCode::BAD_REQUEST, m),
        })?;
    let gzip = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    let decoded;
    let bytes: &[u8] = if gzip {
        decoded = gunzip_capped(&body, state.config().max_decoded_bytes).map_err(|e| {
            let status = match e {
                DecodeError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                DecodeError::Gzip(_) => StatusCode::BAD_REQUEST,
            };
            refused(&caller.label, "undecodable");
            Refusal::Bad(status, e.to_string())
        })?;
        &decoded
    } else {
        &body
    };
    let request = if media == "application/json" {
        serde_json::from_slice::<ExportLogsServiceRequest>(bytes).map_err(|e| {
            refused(&caller.label, "invalid_otlp");
            Refusal::Bad(
                StatusCode::BAD_REQUEST,
                format!("the body is not an OTLP ExportLogsServiceRequest in JSON: {e}"),
            )
        })?
    } else {
        ExportLogsServiceRequest::decode(bytes).map_err(|e| {
            refused(&caller.label, "invalid_otlp");
            Refusal::Bad(
                StatusCode::BAD_REQUEST,
                format!("the body is not an OTLP ExportLogsServiceRequest in protobuf: {e}"),
            )
        })?
    };
    export(state, &caller, request).await
}

/// A body refused before its records could be read.
fn refused(tenant: &str, reason: &'static str) {
    metrics::counter!("vigie_ingest_bodies_refused_total", "tenant" => tenant.to_owned(), "reason" => reason)
        .increment(1);
    tracing::warn!(
        tenant,
        reason,
        "OTLP body refused before its records were read"
    );
}

/// The gRPC logs service.
struct Grpc {
    state: AppState,
}

#[tonic::async_trait]
impl LogsService for Grpc {
    async fn export(
        &self,
        request: tonic::Request<ExportLogsServiceRequest>,
    ) -> Result<tonic::Response<ExportLogsServiceResponse>, tonic::Status> {
        // Put there by `grpc_gate`, which every request passes first.
        let Some(caller) = request.extensions().get::<Caller>().cloned() else {
            return Err(tonic::Status::unauthenticated("no credential"));
        };
        export(&self.state, &caller, request.into_inner())
            .await
            .map(tonic::Response::new)
            .map_err(|refusal| refusal.grpc())
    }
}

/// The application of the gRPC listener: the OTLP logs service, behind [`grpc_gate`].
/// A message larger than `[ingest] max_body_bytes`, as sent or after gzip decoding, is
/// refused by the gRPC layer (`RESOURCE_EXHAUSTED`) without being read further: that is
/// what [`grpc_gate`] reserves of the in-flight budget for it (4 MiB is the usual gRPC
/// limit; the default 16 MiB leaves exporters room).
pub fn grpc_router(state: AppState) -> axum::Router {
    let limit = state.config().max_body_bytes;
    let service = LogsServiceServer::new(Grpc {
        state: state.clone(),
    })
    .accept_compressed(tonic::codec::CompressionEncoding::Gzip)
    .max_decoding_message_size(limit);
    axum::Router::new()
        .route_service(
            "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
            service,
        )
        .fallback(|| async {
            tonic::Status::unimplemented("this listener serves OTLP logs only").into_http::<Body>()
        })
        .layer(axum::middleware::from_fn_with_state(state, grpc_gate))
        // A panic answers 500 and is counted, as on the HTTP listener.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            crate::error::panic_response,
        ))
}

/// Before a gRPC message is read: the token (an ingest token with a tenant), then room in
/// the in-flight budget for the largest message (gRPC bodies declare no length), held
/// until the reply.
async fn grpc_gate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let caller = match caller(&state, authorization).await {
        Ok(caller) => caller,
        Err(refusal) => return refusal.grpc().into_http::<Body>(),
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let room = declared.unwrap_or(state.config().max_body_bytes as u64);
    let Some(permit) = state
        .intake()
        .reserve(&caller.label, room, INFLIGHT_WAIT)
        .await
    else {
        refused(&caller.label, "inflight_full");
        return Refusal::Later {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: busy_message(),
            retry_after: Duration::from_secs(1),
        }
        .grpc()
        .into_http::<Body>();
    };
    request.extensions_mut().insert(caller);
    let response = next.run(request).await;
    drop(permit);
    response
}
