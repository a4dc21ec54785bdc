//! The desk caller: a session cookie (browser), a user's own API token (`vgu_…`, acting as
//! that user within the token's permissions) or a tenant/platform token (API client), turned
//! into a [`Principal`] by the access layer; CSRF and origin checks on state-changing requests;
//! permission checks that write refusals to the audit log; security headers on every reply.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::Response;
use serde::de::DeserializeOwned;
use vigie_access::audit::AuditRecord;
use vigie_access::{Permission, Principal};

use crate::AppState;
use crate::error::ApiError;

/// Name of the session cookie. The `__Host-` prefix makes browsers insist on `Secure`,
/// `Path=/` and no `Domain`.
pub const SESSION_COOKIE: &str = "__Host-vigie_session";

/// Header carrying the CSRF token on state-changing requests made with the session cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The session cookie value of a request, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
}

/// Whether the `Origin` header (when sent) names the host the request was sent to.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .unwrap_or("\u{0}");
    !host.is_empty() && authority.eq_ignore_ascii_case(host)
}

/// The verified desk caller.
pub struct Desk(pub Principal);

impl FromRequestParts<AppState> for Desk {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let principal = if let Some(bearer) = bearer.filter(|b| vigie_access::is_user_token(b)) {
            state.access().authenticate_user_token(bearer).await?
        } else if let Some(bearer) = bearer {
            let credential = state.access().authenticate(Some(bearer)).await?;
            vigie_access::Access::token_principal(&credential).ok_or_else(|| {
                ApiError::Forbidden("an ingest token may not use the desk API".into())
            })?
        } else if let Some(cookie) = session_cookie(&parts.headers) {
            state.access().authenticate_session(&cookie).await?
        } else {
            return Err(ApiError::Unauthorized(vigie_access::AuthError::Missing));
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe && principal.is_session() {
            let token = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            let reason = if !same_origin(&parts.headers) {
                Some("request from a foreign origin")
            } else if !principal.csrf_ok(token) {
                Some("missing or wrong X-CSRF-Token header")
            } else {
                None
            };
            if let Some(reason) = reason {
                deny(state, &principal, "csrf", parts.uri.path()).await;
                return Err(ApiError::Csrf(format!("{reason}; the request was refused")));
            }
        }
        Ok(Desk(principal))
    }
}

/// Writes a refused authorisation to the audit log (failing that, to the error log).
async fn deny(state: &AppState, principal: &Principal, what: &str, object: &str) {
    let record = AuditRecord::new(
        &principal.actor.0,
        None,
        "authz.denied",
        object,
        serde_json::json!({"needed": what, "role": principal.role}),
    );
    if let Err(error) = state.store().audit(&record).await {
        tracing::error!(%error, "could not audit a refused authorisation");
    }
}

impl Desk {
    /// Fails with 403 (audited) unless the caller may do `what`.
    pub async fn require(
        &self,
        state: &AppState,
        what: Permission,
        object: &str,
    ) -> Result<(), ApiError> {
        if self.0.may(what) {
            return Ok(());
        }
        deny(state, &self.0, &format!("{what:?}"), object).await;
        Err(ApiError::Forbidden(format!(
            "a {}{} may not do this ({what:?})",
            self.0.role,
            if self.0.read_only {
                " (read-only token)"
            } else {
                ""
            }
        )))
    }
}

impl Desk {
    /// Fails with 403 (audited) unless the caller is the SOC's staff: a client (a tenant
    /// role, a tenant's token) reads the desk through what is shared with it only.
    pub async fn require_staff(&self, state: &AppState, object: &str) -> Result<(), ApiError> {
        if self.0.audience().sees_internal() {
            return Ok(());
        }
        deny(state, &self.0, "staff", object).await;
        Err(ApiError::Forbidden(format!(
            "{object} is the SOC's: a {} (a client's role or token) may not use it",
            self.0.role
        )))
    }
}

/// A JSON body whose rejection is a 400 naming the problem.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(e) => Err(json_error(e)),
        }
    }
}

fn json_error(e: JsonRejection) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::PayloadTooLarge(format!(
            "request body is longer than the {} bytes allowed on the desk API",
            crate::DESK_BODY_LIMIT
        ));
    }
    ApiError::BadRequest(format!("request body: {}", e.body_text()))
}

/// A path parameter whose rejection is a 400 naming it.
pub struct Id<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Id<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(Id(v)),
            Err(e) => Err(path_error(e)),
        }
    }
}

fn path_error(e: PathRejection) -> ApiError {
    ApiError::BadRequest(format!("path: {}", e.body_text()))
}

/// Query parameters whose rejection is a 400 naming the parameter.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(Params(v)),
            Err(e) => Err(query_error(e)),
        }
    }
}

fn query_error(e: QueryRejection) -> ApiError {
    ApiError::BadRequest(format!("query: {}", e.body_text()))
}

/// Adds the security headers to every response: no sniffing, no framing, a CSP that allows
/// nothing foreign (scripts and styles only from this site's files, never inline; no plugins,
/// no `<base>`, no framing, forms posted only here), no referrer leaks, and no caching of
/// API answers.
pub async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // A handler may set a stricter policy of its own (the NIS2 HTML report allows its one
    // inline style by hash and nothing else); every other response gets this one.
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}
