//! HTTP: the REST API, the NDJSON ingest endpoint, health and metrics.
//!
//! - [`router`] builds the whole application from an [`AppState`]; tests drive it without a
//!   socket, `vigie serve` binds it to a listener.
//! - [`auth::Auth`] turns the `Authorization: Bearer` header into a
//!   [`vigie_access::Credential`]; handlers read only inside its tenant scope.
//! - [`error::ApiError`] is the one table from error kind to HTTP status: input errors are
//!   shown to the caller, internal ones are logged and answered with a plain 500.
//!
//! Routes: `POST /api/v1/ingest`, `GET /api/v1/alerts`, `GET /api/v1/rules`,
//! `GET /api/v1/tenants`, `GET /healthz`, `GET /metrics`, `POST /api/v1/import`, and the
//! Elasticsearch-compatible surface (`POST /_bulk`, `POST /{index}/_bulk` and the probes
//! shippers send first; see [`api::es`]).

pub mod api;
pub mod auth;
pub mod client;
pub mod error;
pub mod report;
pub mod roles;
pub mod server;
mod state;
pub mod ui;

pub use client::{ClientAddresses, ForwardedHeader};
pub use state::{AppState, Uploads, WebConfig};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, patch, post, put};

/// Largest body of a desk API request (JSON) or a web form: 1 MiB. Larger: 413 naming the
/// limit, nothing read further. The longest stored desk text is 256 KiB (a NIS2 case
/// update, see `vigie_soc::limits`).
pub const DESK_BODY_LIMIT: usize = 1 << 20;

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/ingest", post(api::ingest::ingest))
        .route("/api/v1/import", post(api::import::import))
        // OpenTelemetry logs (OTLP/HTTP); the gRPC service is `api::otlp::grpc_router`.
        .route("/v1/logs", post(api::otlp::http))
        .route("/api/v1/alerts", get(api::alerts::list))
        .route("/api/v1/rules", get(api::rules::list))
        .route("/api/v1/tenants", get(api::tenants::list))
        .route("/healthz", get(api::health::healthz))
        .route("/metrics", get(api::health::metrics))
        // The SOC desk (session cookie or bearer token; see api::session).
        .route("/api/v1/openapi.json", get(api::openapi::document))
        .route("/api/v1/auth/login", post(api::login::login))
        .route("/api/v1/auth/logout", post(api::login::logout))
        .route("/api/v1/auth/me", get(api::login::me))
        .route(
            "/api/v1/auth/tokens",
            get(api::user_tokens::list).post(api::user_tokens::create),
        )
        .route("/api/v1/auth/tokens/{id}", delete(api::user_tokens::revoke))
        .route(
            "/api/v1/users",
            get(api::users::list).post(api::users::create),
        )
        .route(
            "/api/v1/users/{id}",
            get(api::users::get).patch(api::users::update),
        )
        .route("/api/v1/users/{id}/disable", post(api::users::disable))
        .route("/api/v1/users/{id}/enable", post(api::users::enable))
        .route("/api/v1/alerts/{id}", get(api::alert_actions::get))
        .route("/api/v1/alerts/{id}/actions", post(api::alert_actions::act))
        .route("/api/v1/alerts/{id}/events", get(api::hunt::alert_events))
        .route("/api/v1/rule-stats", get(api::alert_actions::rule_stats))
        .route(
            "/api/v1/suppressions",
            get(api::suppressions::list).post(api::suppressions::create),
        )
        .route("/api/v1/suppressions/{id}", delete(api::suppressions::end))
        .route(
            "/api/v1/incidents",
            get(api::incidents::list).post(api::incidents::create),
        )
        .route(
            "/api/v1/incidents/{id}",
            get(api::incidents::get).patch(api::incidents::update),
        )
        .route(
            "/api/v1/incidents/{id}/comments",
            post(api::incidents::comment),
        )
        .route("/api/v1/questions", get(api::incidents::questions))
        .route("/api/v1/reports", get(api::reports::list))
        .route("/api/v1/reports/monthly", get(api::reports::monthly))
        .route(
            "/api/v1/reports/{tenant}/{month}",
            get(api::reports::archived),
        )
        .route(
            "/api/v1/incidents/{id}/tasks",
            post(api::incidents::add_task),
        )
        .route(
            "/api/v1/incidents/{id}/tasks/{task}",
            patch(api::incidents::update_task),
        )
        .route("/api/v1/incidents/{id}/merge", post(api::incidents::merge))
        .route("/api/v1/incidents/{id}/split", post(api::incidents::split))
        .route(
            "/api/v1/tenants/{id}/sla",
            get(api::sla::get_contract).put(api::sla::put_contract),
        )
        .route(
            "/api/v1/incidents/{id}/nis2",
            get(api::nis2::get).patch(api::nis2::update),
        )
        .route(
            "/api/v1/incidents/{id}/nis2/awareness",
            put(api::nis2::awareness),
        )
        .route(
            "/api/v1/incidents/{id}/nis2/assess",
            post(api::nis2::assess),
        )
        .route(
            "/api/v1/incidents/{id}/nis2/confirm",
            post(api::nis2::confirm),
        )
        .route(
            "/api/v1/incidents/{id}/nis2/approvals",
            post(api::nis2::approve),
        )
        .route(
            "/api/v1/incidents/{id}/nis2/submissions",
            post(api::nis2::submit),
        )
        .route(
            "/api/v1/incidents/{id}/nis2/reports/{stage}",
            get(api::nis2::report),
        )
        .route("/api/v1/nis2/board", get(api::nis2::board_route))
        .route(
            "/api/v1/tenants/{id}/nis2/profile",
            get(api::nis2::get_profile).put(api::nis2::put_profile),
        )
        .route("/api/v1/sla/summary", get(api::sla::summary))
        .route("/api/v1/sla/breaches", get(api::sla::breaches))
        .route("/api/v1/notifications", get(api::notifications::list))
        .route(
            "/api/v1/notifications/{id}/retry",
            post(api::notifications::retry),
        )
        .merge(api::es::routes())
        // The web application (server-rendered pages, see ui).
        .merge(ui::routes())
        // Hunting on the event store (see api::hunt).
        .route("/api/v1/hunt", post(api::hunt::hunt))
        .route("/api/v1/rules/backtest", post(api::hunt::backtest))
        .route("/api/v1/ioc/hunt", post(api::hunt::ioc))
        .route("/api/v1/jobs", get(api::hunt::list_jobs))
        .route(
            "/api/v1/jobs/{id}",
            get(api::hunt::get_job).delete(api::hunt::cancel_job),
        )
        // Desk JSON bodies and web forms; the intake routes (ingest, import, `_bulk`) read
        // their bodies themselves against `[ingest] max_body_bytes`, and the login routes
        // against `api::login::LOGIN_BODY_LIMIT`.
        .layer(DefaultBodyLimit::max(DESK_BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            api::es::root_probe,
        ))
        .layer(axum::middleware::map_response(
            api::session::security_headers,
        ))
        // Outermost: a panic in any handler or layer answers 500 and is counted; the
        // connection and the process go on.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .with_state(state)
}
