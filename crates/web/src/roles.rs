//! Which part of the HTTP surface a node serves (`vigie serve --role`): the ingest endpoints
//! (NDJSON, import, the Elasticsearch-compatible surface), the desk (API and web
//! application), or both. Health and metrics are always served. A request for a part the
//! node does not serve gets 421 Misdirected Request naming the node's roles, so a load
//! balancer or an operator sees at once that it reached the wrong node.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The HTTP parts a node serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpRoles {
    /// Ingest endpoints.
    pub ingest: bool,
    /// The desk API and the web application.
    pub web: bool,
}

/// Whether `path` is an ingest endpoint.
pub fn is_ingest_path(path: &str) -> bool {
    path == "/api/v1/ingest"
        || path == "/api/v1/import"
        || path == crate::api::otlp::HTTP_PATH
        || path == "/_bulk"
        || path.ends_with("/_bulk")
        || [
            "/_component_template/",
            "/_ilm/",
            "/_ingest/",
            "/_data_stream/",
        ]
        .iter()
        .any(|p| path.starts_with(p))
}

/// Served on every node whatever its roles.
fn is_common_path(path: &str) -> bool {
    // `/` is both the Elasticsearch probe and the web application's entry.
    matches!(path, "/healthz" | "/metrics" | "/")
}

/// Middleware: refuses with 421 what this node does not serve.
pub async fn gate(State(roles): State<HttpRoles>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let served = is_common_path(path)
        || if is_ingest_path(path) {
            roles.ingest
        } else {
            roles.web
        };
    if served {
        return next.run(request).await;
    }
    let wanted = if is_ingest_path(path) {
        "ingest"
    } else {
        "web"
    };
    let message = format!(
        "this vigie node does not serve {path}: it needs the {wanted} role, and this node runs {}",
        match (roles.ingest, roles.web) {
            (true, false) => "ingest",
            (false, true) => "web",
            _ => "neither ingest nor web",
        }
    );
    (
        StatusCode::MISDIRECTED_REQUEST,
        Json(json!({"error": {"kind": "misdirected", "message": message}})),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_classified() {
        for path in [
            "/api/v1/ingest",
            "/api/v1/import",
            "/v1/logs",
            "/_bulk",
            "/logs-x/_bulk",
            "/_ilm/policy/x",
            "/_ingest/pipeline/x",
            "/_data_stream/x",
            "/_component_template/x",
        ] {
            assert!(is_ingest_path(path), "{path}");
        }
        for path in ["/api/v1/alerts", "/ui/alerts", "/api/v1/hunt", "/healthz"] {
            assert!(!is_ingest_path(path), "{path}");
        }
    }
}
