//! `POST /api/v1/auth/login`, `POST /api/v1/auth/logout`, `GET /api/v1/auth/me`.
//!
//! Login answers the user and a CSRF token, and sets the session cookie
//! (`__Host-vigie_session`, `Secure; HttpOnly; SameSite=Strict; Path=/`). Every login makes
//! a new session; a session cookie sent with the login request is ended first. Wrong password,
//! unknown user and disabled account get the same 401; too many attempts get 429 with
//! `Retry-After`; a body over [`LOGIN_BODY_LIMIT`], a username over 128 bytes or a password
//! over 1024 bytes gets 400 naming the limit (audited, the value cut). The client address
//! (throttle, audit) is the socket peer or, behind a trusted proxy, the forwarded one
//! ([`crate::client`]).

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use vigie_access::SESSION_TTL;
use vigie_access::User;
use vigie_access::{LoginError, Role};

use super::session::{Desk, SESSION_COOKIE, session_cookie};
use crate::AppState;
use crate::error::ApiError;

/// Largest login request body (JSON or form): 16 KiB, room for a 128-byte username and a
/// 1024-byte password however escaped. A larger body is refused unread, with 400.
pub const LOGIN_BODY_LIMIT: usize = 16 * 1024;

/// Reads a login request body, at most [`LOGIN_BODY_LIMIT`] bytes. A larger one is refused
/// (audited, counted against the client address) with the error to answer.
pub(crate) async fn read_login_body(
    state: &AppState,
    body: axum::body::Body,
    source: Option<std::net::IpAddr>,
) -> Result<bytes::Bytes, LoginError> {
    match axum::body::to_bytes(body, LOGIN_BODY_LIMIT).await {
        Ok(bytes) => Ok(bytes),
        Err(_) => Err(state
            .access()
            .refuse_login(
                &format!(
                    "the login request body is longer than the {LOGIN_BODY_LIMIT} bytes allowed \
                     (username at most {} bytes, password at most {})",
                    vigie_access::limits::USERNAME.max_bytes,
                    vigie_access::limits::PASSWORD.max_bytes
                ),
                source,
            )
            .await),
    }
}

/// Whether the request says its body is JSON (`application/json` or `application/*+json`).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .is_some_and(|m| {
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
}

/// The answer to a refused login.
fn refused(error: LoginError) -> ApiError {
    match error {
        LoginError::Throttled(wait) => ApiError::Throttled {
            message: LoginError::Throttled(wait).to_string(),
            retry_after: wait,
        },
        LoginError::Refused(refusal) => ApiError::BadRequest(refusal.to_string()),
        LoginError::Store(e) => e.into(),
        // Answered by `invalid_login` before this is reached.
        LoginError::Invalid => ApiError::Unauthorized(vigie_access::AuthError::Unknown),
    }
}

/// The login form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    username: String,
    password: String,
}

/// The reply to a login.
#[derive(Serialize)]
pub struct LoginReply {
    /// Who logged in.
    pub user: User,
    /// Echo it in `X-CSRF-Token` on every state-changing request.
    pub csrf_token: String,
    /// When the session ends.
    pub expires_at: Timestamp,
}

/// Handler of `POST /api/v1/auth/login`.
pub async fn login(
    State(state): State<AppState>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let peer = peer.map(|axum::Extension(ConnectInfo(addr))| addr);
    let source = state.client_address(peer, &headers);
    if !is_json(&headers) {
        return Err(ApiError::BadRequest(
            "request body: expected a JSON body with `Content-Type: application/json`".into(),
        ));
    }
    let bytes = read_login_body(&state, body, source)
        .await
        .map_err(refused)?;
    let form: LoginRequest = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::BadRequest(format!("request body: {e}")))?;
    if let Some(old) = session_cookie(&headers) {
        // Session fixation: whatever cookie came in is dead after this login.
        let _ = state.access().logout(&old).await;
    }
    let session = match state
        .access()
        .login(&form.username, &form.password, source)
        .await
    {
        Ok(session) => session,
        Err(LoginError::Invalid) => return Ok(invalid_login()),
        Err(other) => return Err(refused(other)),
    };
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={}",
        session.secret,
        SESSION_TTL.as_secs()
    );
    let mut response = Json(LoginReply {
        user: session.user,
        csrf_token: session.csrf,
        expires_at: session.expires_at,
    })
    .into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(response)
}

/// The one answer to a failed login, whatever the reason.
fn invalid_login() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(serde_json::json!({"error": {"kind": "unauthorized",
            "message": "invalid username or password"}})),
    )
        .into_response()
}

/// Handler of `POST /api/v1/auth/logout`: ends the session server-side, clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    desk: Desk,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(cookie) = session_cookie(&headers).filter(|_| desk.0.is_session()) else {
        return Err(ApiError::BadRequest(
            "logout ends a session; this request carries a bearer token".into(),
        ));
    };
    state.access().logout(&cookie).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "__Host-vigie_session=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    Ok(response)
}

/// Who am I.
#[derive(Serialize)]
pub struct Me {
    /// Actor name.
    pub actor: String,
    /// Role.
    pub role: Role,
    /// Read-only token.
    pub read_only: bool,
    /// Tenant ids in scope; `null` for the whole platform.
    pub tenants: Option<Vec<i64>>,
    /// For a user's own token: the permissions it carries (never more than the role
    /// allows); `null` otherwise.
    pub permissions: Option<Vec<vigie_access::Permission>>,
}

/// Handler of `GET /api/v1/auth/me`.
pub async fn me(desk: Desk) -> Json<Me> {
    let p = desk.0;
    Json(Me {
        actor: p.actor.0.clone(),
        role: p.role,
        read_only: p.read_only,
        tenants: p.scope.tenants().map(|t| t.iter().map(|t| t.0).collect()),
        permissions: p.token_permissions().map(<[_]>::to_vec),
    })
}
