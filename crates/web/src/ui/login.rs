//! Login form, logout and the language switch.
//!
//! The form posts to `/ui/login`, which calls the same [`vigie_access::Access::login`] as
//! `POST /api/v1/auth/login` (throttling, audit, a fresh session at every login) and sets the
//! same session cookie; it also keeps the session's CSRF token in an HttpOnly cookie so the
//! pages can fill their forms with it.

use std::net::SocketAddr;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use vigie_access::SESSION_TTL;
use vigie_access::{LoginError, LoginRefusal};

use super::html::{self, Chrome, Markup};
use super::i18n::{Arg, Catalog, Lang};
use super::{CSRF_COOKIE, Form, LANG_COOKIE, Viewer, query, request_lang, safe_back};
use crate::AppState;
use crate::api::session::{SESSION_COOKIE, session_cookie};

/// The login form's body (`templates/login.html`).
#[derive(Template)]
#[template(path = "login.html", config = "templates/askama.toml")]
struct LoginForm<'a> {
    cat: &'a Catalog,
    next: &'a str,
    message: Option<&'a str>,
}

fn login_page(cat: &Catalog, next: &str, message: Option<&str>, status: StatusCode) -> Response {
    let body = Markup::of(&LoginForm { cat, next, message });
    let here = format!("/ui/login?next={}", html::url_encode(next));
    let chrome = Chrome {
        cat,
        user: None,
        csrf: None,
        here: &here,
        section: "",
    };
    (
        status,
        Html(html::page(&chrome, &cat.t("login-title"), &body)),
    )
        .into_response()
}

/// `GET /ui/login`.
pub async fn form(headers: HeaderMap, uri: Uri) -> Response {
    let q = query(&uri);
    let next = safe_back(q.get("next").unwrap_or("/ui/"));
    login_page(
        Catalog::of(request_lang(&headers)),
        next,
        None,
        StatusCode::OK,
    )
}

/// `POST /ui/login`.
pub async fn submit(
    State(state): State<AppState>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let cat = Catalog::of(request_lang(&headers));
    let peer = peer.map(|axum::Extension(ConnectInfo(addr))| addr);
    let source = state.client_address(peer, &headers);
    let body = match crate::api::login::read_login_body(&state, body, source).await {
        Ok(body) => body,
        Err(error) => return refused_page(cat, "/ui/", error),
    };
    let form = Form::parse(&String::from_utf8_lossy(&body));
    let next = safe_back(form.get("next").unwrap_or("/ui/")).to_owned();
    if !super::from_this_site(&headers) {
        return login_page(
            cat,
            &next,
            Some(&cat.t("error-csrf")),
            StatusCode::FORBIDDEN,
        );
    }
    if let Some(old) = session_cookie(&headers) {
        // Session fixation: whatever cookie came in is dead after this login.
        let _ = state.access().logout(&old).await;
    }
    let username = form.get("username").unwrap_or_default();
    let password = form.get("password").unwrap_or_default();
    let session = match state.access().login(username, password, source).await {
        Ok(session) => session,
        Err(LoginError::Invalid) => {
            return login_page(
                cat,
                &next,
                Some(&cat.t("login-invalid")),
                StatusCode::UNAUTHORIZED,
            );
        }
        Err(error) => return refused_page(cat, &next, error),
    };
    let max_age = SESSION_TTL.as_secs();
    let mut response = Redirect::to(&next).into_response();
    // The language the user chose last, kept on the server, comes back with the login.
    match state.store().user_language(session.user.id).await {
        Ok(Some(tag)) => {
            if let Some(lang) = Lang::from_tag(&tag)
                && let Ok(v) = HeaderValue::from_str(&lang_cookie(lang))
            {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "could not read the user's language"),
    }
    for value in [
        format!(
            "{SESSION_COOKIE}={}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={max_age}",
            session.secret
        ),
        format!(
            "{CSRF_COOKIE}={}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={max_age}",
            session.csrf
        ),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// A size as a message argument.
fn to_arg(n: usize) -> Arg {
    Arg::Num(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The login page answering a refused login: 429 with `Retry-After` when throttled, 400
/// naming the limit for a value over it, 500 for a fault (logged).
fn refused_page(cat: &Catalog, next: &str, error: LoginError) -> Response {
    match error {
        LoginError::Throttled(wait) => {
            let seconds = i64::try_from(wait.as_secs().max(1)).unwrap_or(i64::MAX);
            let mut response = login_page(
                cat,
                next,
                Some(&cat.tr("login-throttled", &[("seconds", seconds.into())])),
                StatusCode::TOO_MANY_REQUESTS,
            );
            if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
        LoginError::Refused(refusal) => {
            let message = match refusal {
                LoginRefusal::UsernameTooLong { bytes, max } => cat.tr(
                    "login-username-too-long",
                    &[("bytes", to_arg(bytes)), ("max", to_arg(max))],
                ),
                LoginRefusal::UsernameControl => cat.t("login-username-control"),
                LoginRefusal::PasswordTooLong { bytes, max } => cat.tr(
                    "login-password-too-long",
                    &[("bytes", to_arg(bytes)), ("max", to_arg(max))],
                ),
                LoginRefusal::Request(message) => message,
            };
            login_page(cat, next, Some(&message), StatusCode::BAD_REQUEST)
        }
        LoginError::Invalid => login_page(
            cat,
            next,
            Some(&cat.t("login-invalid")),
            StatusCode::UNAUTHORIZED,
        ),
        LoginError::Store(error) => {
            tracing::error!(%error, "login failed inside vigie");
            login_page(
                cat,
                next,
                Some(&cat.t("error-internal")),
                StatusCode::INTERNAL_SERVER_ERROR,
            )
        }
    }
}

/// `POST /ui/logout`: ends the session on the server and clears both cookies.
pub async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = viewer.checked_form(&state, &body).await {
        return r;
    }
    if let Some(secret) = session_cookie(&headers)
        && let Err(error) = state.access().logout(&secret).await
    {
        return viewer.api_error(error);
    }
    let mut response = Redirect::to("/ui/login").into_response();
    for name in [SESSION_COOKIE, CSRF_COOKIE] {
        let value = format!("{name}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// The language cookie's `Set-Cookie` value (a year).
fn lang_cookie(lang: Lang) -> String {
    format!(
        "{LANG_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000",
        lang.tag()
    )
}

/// `GET /ui/lang/{tag}?back=PATH`: remembers the language for a year in the browser and, for
/// a signed-in user, on the server (restored at the next login, on any browser). The session
/// cookie is `SameSite=Strict`, so a link from another site never reaches a session here and
/// cannot change a user's preference.
pub async fn switch_language(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(tag): Path<String>,
    uri: Uri,
) -> Response {
    let q = query(&uri);
    let back = safe_back(q.get("back").unwrap_or("/ui/")).to_owned();
    let Some(lang) = Lang::from_tag(&tag) else {
        let cat = Catalog::of(request_lang(&headers));
        return super::error_page(
            cat,
            None,
            StatusCode::NOT_FOUND,
            &cat.tr("error-unknown-language", &[("tag", tag.into())]),
        );
    };
    if let Some(secret) = session_cookie(&headers)
        && let Ok(principal) = state.access().authenticate_session(&secret).await
        && let Some(user) = principal.user_id
        && let Err(error) = state.store().set_user_language(user, lang.tag()).await
    {
        tracing::warn!(%error, "could not save the user's language");
    }
    let mut response = Redirect::to(&back).into_response();
    if let Ok(v) = HeaderValue::from_str(&lang_cookie(lang)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}
