//! `GET /healthz` and `GET /metrics`.
//!
//! `/metrics` names every tenant and its detections, so it answers only a platform token
//! (read or admin): Prometheus sends it with `authorization: {credentials_file: ...}`.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use vigie_soc::TokenKind;

/// Liveness plus the log's position and backlog.
pub async fn healthz(State(state): State<AppState>) -> Json<serde_json::Value> {
    let stats = state.intake().log().stats();
    Json(json!({
        "status": "ok",
        "log": {
            "end_offset": stats.end_offset,
            "start_offset": stats.start_offset,
            "segments": stats.segments,
            "bytes_on_disk": stats.bytes_on_disk,
            "backlog": state.intake().backlog(),
        }
    }))
}

/// Prometheus text exposition of every counter and gauge, for a platform token only.
pub async fn metrics(State(state): State<AppState>, auth: Auth) -> Result<Response, ApiError> {
    auth.require(&[TokenKind::Read, TokenKind::Admin])?;
    if auth.0.ingest_tenant().is_some() || !auth.0.scope.is_platform() {
        return Err(ApiError::Forbidden(
            "the metrics name every tenant: they need a platform token (vigie token create --platform --scope read)"
                .into(),
        ));
    }
    Ok(render_metrics(&state))
}

fn render_metrics(state: &AppState) -> Response {
    let Some(handle) = state.metrics() else {
        return (StatusCode::NOT_FOUND, "metrics recorder not installed").into_response();
    };
    let stats = state.intake().log().stats();
    metrics::gauge!("vigie_log_backlog_events").set(state.intake().backlog() as f64);
    metrics::gauge!("vigie_log_end_offset").set(stats.end_offset as f64);
    metrics::gauge!("vigie_log_segments").set(stats.segments as f64);
    metrics::gauge!("vigie_log_bytes_on_disk").set(stats.bytes_on_disk as f64);
    metrics::gauge!("vigie_log_fsyncs").set(stats.fsyncs as f64);
    metrics::gauge!("vigie_log_recovery_truncated_bytes")
        .set(stats.recovery.truncated_bytes as f64);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}
