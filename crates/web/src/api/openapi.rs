//! `GET /api/v1/openapi.json`: the OpenAPI 3 document of the API, kept in the repository as
//! `docs/openapi.json` and served as is. The router tests check that every documented route
//! and method exists and that every route of the desk is documented.

use axum::http::header;
use axum::response::IntoResponse;

/// The document, embedded at build time.
pub const DOCUMENT: &str = include_str!("../../../../docs/openapi.json");

/// Handler of `GET /api/v1/openapi.json`.
pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}
