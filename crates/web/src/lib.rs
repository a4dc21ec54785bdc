//! HTTP: the REST API, the NDJSON ingest endpoint, health and metrics.
//!
//! - [`router`] builds the whole application from an [`AppState`]; tests drive it without a
//!   socket, `vigie serve` binds it to a listener.
//! - [`auth::Auth`] turns the `Authorization: Bearer` header into a
//!   [`vigie_soc::access::Credential`]; handlers read only inside its tenant scope.
//! - [`error::ApiError`] is the one table from error kind to HTTP status: input errors are
//!   shown to the caller, internal ones are logged and answered with a plain 500.
//!
//! Routes: `POST /api/v1/ingest`, `GET /api/v1/alerts`, `GET /api/v1/rules`,
//! `GET /api/v1/tenants`, `GET /healthz`, `GET /metrics`, `POST /api/v1/import`, and the
//! Elasticsearch-compatible surface (`POST /_bulk`, `POST /{index}/_bulk` and the probes
//! shippers send first; see [`api::es`]).

pub mod api;
pub mod auth;
pub mod error;
mod state;

pub use state::{AppState, WebConfig};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let body_limit = state.config().max_body_bytes;
    Router::new()
        .route("/api/v1/ingest", post(api::ingest::ingest))
        .route("/api/v1/import", post(api::import::import))
        .route("/api/v1/alerts", get(api::alerts::list))
        .route("/api/v1/rules", get(api::rules::list))
        .route("/api/v1/tenants", get(api::tenants::list))
        .route("/healthz", get(api::health::healthz))
        .route("/metrics", get(api::health::metrics))
        .merge(api::es::routes())
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}
