//! The Elasticsearch-compatible surface: what shippers probe before they send (`GET /`,
//! license, X-Pack features, index and component templates, ILM policies, ingest
//! pipelines, data streams, `_cluster/health`, `_cat/health`, `_nodes`, aliases) and the
//! credentials they send.
//!
//! Beats, Logstash, Fluent Bit and the language clients only need these answers to start
//! sending `_bulk`; vigie keeps no indices, so templates and policies are acknowledged and
//! reported as present (shippers then skip installing them). Every answer carries
//! `X-Elastic-Product: Elasticsearch`, which the official clients check.
//!
//! Authentication ([`EsAuth`]): `Authorization: ApiKey base64(id:key)` (the key is the
//! vigie ingest token; the id is free), `Basic base64(user:token)` (the password is the
//! token; the user is free), or `Bearer token`. The token's tenant owns the events; the
//! index name is only a dataset label.

use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};
use vigie_access::Credential;
use vigie_access::TokenKind;

use crate::AppState;

/// The Elasticsearch version vigie answers with: new enough for Beats, Logstash and the
/// clients of the 8 series, which refuse older servers.
pub const COMPAT_VERSION: &str = "8.17.0";

/// Routes of the Elasticsearch-compatible surface, `_bulk` included.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_license", get(license))
        .route("/_xpack", get(xpack))
        .route("/_cluster/health", get(health))
        .route("/_cluster/health/{index}", get(health))
        .route("/_cat/health", get(cat_health))
        .route("/_nodes", get(nodes))
        .route("/_nodes/{filter}", get(nodes))
        .route("/_nodes/{node}/{metric}", get(nodes))
        .route("/_alias/{name}", get(alias).head(head_ok))
        .route(
            "/_index_template/{name}",
            get(index_template)
                .head(head_ok)
                .put(acknowledged)
                .post(acknowledged),
        )
        .route(
            "/_template/{name}",
            get(legacy_template)
                .head(head_ok)
                .put(acknowledged)
                .post(acknowledged),
        )
        .route(
            "/_component_template/{name}",
            get(component_template)
                .head(head_ok)
                .put(acknowledged)
                .post(acknowledged),
        )
        .route(
            "/_ilm/policy/{name}",
            get(ilm_policy).head(head_ok).put(acknowledged),
        )
        .route(
            "/_ingest/pipeline/{name}",
            get(pipeline).head(head_ok).put(acknowledged),
        )
        .route(
            "/_data_stream/{name}",
            get(data_stream).head(head_ok).put(acknowledged),
        )
        .route("/_bulk", post(super::bulk::bulk).put(super::bulk::bulk))
        .route(
            "/{index}/_bulk",
            post(super::bulk::bulk_index).put(super::bulk::bulk_index),
        )
        .layer(axum::middleware::map_response(product_header))
}

/// `GET /` and `HEAD /` from an Elasticsearch client (any request to `/` that does not ask
/// for HTML): the cluster information shippers probe first, behind the same credentials as
/// `_bulk`. Browsers (which ask for `text/html`) go on to the web application at `/`.
/// Installed with `axum::middleware::from_fn_with_state` around the whole router.
pub async fn root_probe(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let method = request.method();
    let root = request.uri().path() == "/"
        && (method == axum::http::Method::GET || method == axum::http::Method::HEAD);
    let browser = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if !root || browser {
        return next.run(request).await;
    }
    let (mut parts, _body) = request.into_parts();
    let response = match EsAuth::from_request_parts(&mut parts, &state).await {
        Ok(auth) => info(auth).await.into_response(),
        Err(error) => error.into_response(),
    };
    product_header(response).await
}

async fn product_header(mut response: Response) -> Response {
    response.headers_mut().insert(
        "x-elastic-product",
        HeaderValue::from_static("Elasticsearch"),
    );
    response
}

/// An error in the shape Elasticsearch clients parse: `{"error": {"type", "reason",
/// "root_cause"}, "status"}`.
#[derive(Debug)]
pub struct EsError {
    /// HTTP status.
    pub status: StatusCode,
    /// Elasticsearch error type (`security_exception`, `parse_exception`, …).
    pub kind: &'static str,
    /// What is wrong, for the sender.
    pub reason: String,
    /// For 429: seconds to put in `Retry-After`.
    pub retry_after: Option<u64>,
}

impl EsError {
    /// An error without `Retry-After`.
    pub fn new(status: StatusCode, kind: &'static str, reason: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            reason: reason.into(),
            retry_after: None,
        }
    }
}

impl IntoResponse for EsError {
    fn into_response(self) -> Response {
        let cause = json!({"type": self.kind, "reason": self.reason});
        let body = json!({
            "error": {"root_cause": [cause], "type": self.kind, "reason": self.reason},
            "status": self.status.as_u16(),
        });
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"vigie\", ApiKey"),
            );
        }
        if let Some(secs) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&secs.max(1).to_string())
        {
            headers.insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// The verified ingest credential of an Elasticsearch-style request.
pub struct EsAuth(pub Credential);

impl FromRequestParts<AppState> for EsAuth {
    type Rejection = EsError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, EsError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok());
        let secret = header.and_then(token_of);
        let unauthorized =
            |reason: String| EsError::new(StatusCode::UNAUTHORIZED, "security_exception", reason);
        let credential = state
            .access()
            .authenticate(secret.as_deref())
            .await
            .map_err(|e| unauthorized(e.to_string()))?;
        if credential.kind != TokenKind::Ingest || credential.ingest_tenant().is_none() {
            return Err(EsError::new(
                StatusCode::FORBIDDEN,
                "security_exception",
                format!(
                    "a {} token may not send events; use an ingest token created with --tenant",
                    credential.kind
                ),
            ));
        }
        Ok(EsAuth(credential))
    }
}

/// The vigie token inside an `Authorization` header value.
fn token_of(header: &str) -> Option<String> {
    let (scheme, value) = header.trim().split_once(' ')?;
    let value = value.trim();
    let decode = |v: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(v)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
    };
    match scheme.to_ascii_lowercase().as_str() {
        "bearer" => Some(value.to_owned()),
        "basic" => decode(value).and_then(|pair| pair.split_once(':').map(|(_, p)| p.to_owned())),
        // `id:key` encoded (what Beats and the clients send from `api_key: id:key`), or the
        // token itself, encoded or not.
        "apikey" => match decode(value) {
            Some(decoded) => Some(match decoded.split_once(':') {
                Some((_, key)) => key.to_owned(),
                None => decoded,
            }),
            None => Some(value.to_owned()),
        },
        _ => None,
    }
}

async fn head_ok(_auth: EsAuth) -> StatusCode {
    StatusCode::OK
}

async fn acknowledged(_auth: EsAuth) -> Json<Value> {
    Json(json!({"acknowledged": true}))
}

async fn info(_auth: EsAuth) -> Json<Value> {
    Json(json!({
        "name": "vigie",
        "cluster_name": "vigie",
        "cluster_uuid": "vigie-00000000000000000000",
        "version": {
            "number": COMPAT_VERSION,
            "build_flavor": "default",
            "build_type": "vigie",
            "build_hash": env!("CARGO_PKG_VERSION"),
            "build_date": "2026-01-01T00:00:00.000Z",
            "build_snapshot": false,
            "lucene_version": "9.12.0",
            "minimum_wire_compatibility_version": "7.17.0",
            "minimum_index_compatibility_version": "7.0.0",
        },
        "tagline": "You Know, for Search",
    }))
}

async fn license(_auth: EsAuth) -> Json<Value> {
    Json(json!({"license": {
        "status": "active",
        "uid": "vigie",
        "type": "basic",
        "issue_date": "2026-01-01T00:00:00.000Z",
        "issue_date_in_millis": 1_767_225_600_000_i64,
        "max_nodes": 1000,
        "issued_to": "vigie",
        "issuer": "vigie",
        "start_date_in_millis": -1,
    }}))
}

async fn xpack(_auth: EsAuth) -> Json<Value> {
    Json(json!({
        "build": {"hash": env!("CARGO_PKG_VERSION"), "date": "2026-01-01T00:00:00.000Z"},
        "license": {"uid": "vigie", "type": "basic", "mode": "basic", "status": "active"},
        "features": {
            "ilm": {"available": true, "enabled": true},
            "security": {"available": true, "enabled": true},
        },
        "tagline": "You know, for X",
    }))
}

async fn health(_auth: EsAuth, State(state): State<AppState>) -> Json<Value> {
    let backlog = state.intake().backlog();
    Json(json!({
        "cluster_name": "vigie",
        "status": if state.intake().over_backlog() { "yellow" } else { "green" },
        "timed_out": false,
        "number_of_nodes": 1,
        "number_of_data_nodes": 1,
        "active_primary_shards": 1,
        "active_shards": 1,
        "relocating_shards": 0,
        "initializing_shards": 0,
        "unassigned_shards": 0,
        "delayed_unassigned_shards": 0,
        "number_of_pending_tasks": backlog,
        "number_of_in_flight_fetch": 0,
        "task_max_waiting_in_queue_millis": 0,
        "active_shards_percent_as_number": 100.0,
    }))
}

/// `GET /_cat/health`: the one-line text form, which rsyslog's `omelasticsearch` requests
/// before it resumes sending after a failure.
async fn cat_health(_auth: EsAuth, State(state): State<AppState>) -> Response {
    let now = jiff::Timestamp::now();
    let status = if state.intake().over_backlog() {
        "yellow"
    } else {
        "green"
    };
    let line = format!(
        "{} {} vigie {status} 1 1 1 1 0 0 0 {} - 100.0%\n",
        now.as_second(),
        now.strftime("%H:%M:%S"),
        state.intake().backlog(),
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=UTF-8")], line).into_response()
}

/// `GET /_nodes[/…]`: one node, this vigie, with its HTTP address as the client reached it
/// (sniffing clients such as Logstash with `sniffing => true` read `http.publish_address`).
async fn nodes(_auth: EsAuth, headers: axum::http::HeaderMap) -> Json<Value> {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1:8470")
        .to_owned();
    Json(json!({
        "_nodes": {"total": 1, "successful": 1, "failed": 0},
        "cluster_name": "vigie",
        "nodes": {"vigie": {
            "name": "vigie",
            "version": COMPAT_VERSION,
            "roles": ["data", "ingest", "master"],
            "http": {"publish_address": host, "bound_address": [host]},
        }},
    }))
}

/// `GET /_alias/{name}`: the alias is reported present on an index of the same name, so
/// shippers that manage rollover aliases (Logstash with ILM) do not try to create one.
async fn alias(_auth: EsAuth, Path(name): Path<String>) -> Json<Value> {
    Json(json!({ format!("{name}-000001"): {"aliases": { name: {"is_write_index": true} }} }))
}

async fn index_template(_auth: EsAuth, Path(name): Path<String>) -> Json<Value> {
    Json(json!({"index_templates": [{
        "name": name,
        "index_template": {"index_patterns": [format!("{name}*")], "composed_of": [], "data_stream": {}},
    }]}))
}

async fn legacy_template(_auth: EsAuth, Path(name): Path<String>) -> Json<Value> {
    Json(
        json!({ name.clone(): {"order": 0, "index_patterns": [format!("{name}*")], "settings": {}, "mappings": {}, "aliases": {}} }),
    )
}

async fn component_template(_auth: EsAuth, Path(name): Path<String>) -> Json<Value> {
    Json(json!({"component_templates": [{"name": name, "component_template": {"template": {}}}]}))
}

async fn ilm_policy(_auth: EsAuth, Path(name): Path<String>) -> Json<Value> {
    Json(json!({ name: {
        "version": 1,
        "modified_date": "2026-01-01T00:00:00.000Z",
        "policy": {"phases": {"hot": {"min_age": "0ms", "actions": {}}}},
    }}))
}

async fn pipeline(_auth: EsAuth, Path(name): Path<String>) -> Json<Value> {
    Json(
        json!({ name: {"description": "accepted by vigie; vigie runs no ingest pipelines", "processors": []} }),
    )
}

async fn data_stream(_auth: EsAuth, Path(name): Path<String>) -> Json<Value> {
    Json(json!({"data_streams": [{
        "name": name,
        "timestamp_field": {"name": "@timestamp"},
        "indices": [],
        "generation": 1,
        "status": "GREEN",
        "template": name,
    }]}))
}

#[cfg(test)]
mod tests {
    use super::token_of;

    #[test]
    fn token_from_each_scheme() {
        let b64 = |s: &str| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(s)
        };
        assert_eq!(token_of("Bearer abc").as_deref(), Some("abc"));
        assert_eq!(
            token_of(&format!("Basic {}", b64("elastic:abc"))).as_deref(),
            Some("abc")
        );
        assert_eq!(
            token_of(&format!("ApiKey {}", b64("id:abc"))).as_deref(),
            Some("abc")
        );
        assert_eq!(
            token_of(&format!("ApiKey {}", b64("abc"))).as_deref(),
            Some("abc")
        );
        assert_eq!(token_of("Basic !!!"), None);
        assert_eq!(token_of("Digest x"), None);
    }
}
