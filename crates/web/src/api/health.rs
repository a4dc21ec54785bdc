//! `GET /healthz` and `GET /metrics`.
//!
//! `/metrics` names every tenant and its detections, so it answers only a platform token
//! (read or admin): Prometheus sends it with `authorization: {credentials_file: ...}`.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use vigie_access::TokenKind;

/// Liveness, each engine's reachability, the log's position and backlog. 503 (status
/// `degraded`) when an engine cannot be reached, so a load balancer sends elsewhere.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let log = state.intake().log();
    let stats = log.stats();
    let log_ok = log.reachable();
    // The state store answers a trivial read within two seconds.
    let state_ok = matches!(
        tokio::time::timeout(Duration::from_secs(2), state.store().user_count()).await,
        Ok(Ok(_))
    );
    let healthy = log_ok && state_ok;
    let body = Json(json!({
        "status": if healthy { "ok" } else { "degraded" },
        "log": {
            "engine": log.engine(),
            "reachable": log_ok,
            "end_offset": stats.end_offset,
            "start_offset": stats.start_offset,
            "retained": stats.retained,
            "segments": stats.segments,
            "bytes_on_disk": stats.bytes_on_disk,
            "backlog": state.intake().backlog(),
        },
        "state": {
            "reachable": state_ok,
        }
    }));
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, body).into_response()
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
