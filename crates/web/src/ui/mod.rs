//! The web application, rendered on the server in French, Dutch, German and English.
//!
//! - [`routes`] adds `/`, `/ui/...` and `/static/...` to the router.
//! - [`Viewer`] is the signed-in caller of a page: the same session cookie and the same
//!   [`vigie_access::Access::authenticate_session`] as the desk API (no second session
//!   mechanism); its [`vigie_access::Principal`]'s scope is what every page reads through.
//!   Without a valid session a page redirects to the login form.
//! - POST forms carry the session's CSRF token in a hidden field; [`Viewer::checked_form`]
//!   verifies it with [`vigie_access::Principal::csrf_ok`] and refuses a foreign `Origin`.
//!   Since the session cookie is HttpOnly and the CSRF token is only known at login, the UI
//!   login keeps it in a second HttpOnly cookie (`__Host-vigie_csrf`) from which pages fill
//!   their forms; the token is still checked against the session on the server.
//! - The language comes from the `vigie_lang` cookie set by the switch in every page, else
//!   from `Accept-Language`, else English. Every text is in `crates/web/locales/*/ui.ftl`.
//! - The language comes back at login from the user's saved preference (the switch saves it
//!   on the server for a signed-in user, [`vigie_soc::prefs::PrefsStore`]).
//! - Pages: [`console`] (dashboard with the alerts-per-hour chart, alert queue with saved
//!   views, alert page), [`incidents`] (list, page, comment and change forms, SLA figures),
//!   [`nis2`] (the NIS2 section of the incident page and its forms, the list of NIS2 cases),
//!   [`detection`] (rule catalogue, triage feedback, suppression forms), [`hunt`] (query box,
//!   results, time chart), [`admin`] (tenants, users and roles, tokens, SLA contracts: forms),
//!   [`tokens`] (each user's own API tokens), [`notifications`] (the notification log and
//!   its dead letters, with their retry), [`login`] (login, logout, language switch). Charts are SVG drawn on the server
//!   ([`chart`]).
//!   Tenant users (client contacts) get the portal: their incidents, NIS2 cases and SLA
//!   figures only.
//!
//! - Every page and fragment is an askama template in `crates/web/templates/` (checked at
//!   compile time), rendered through [`Viewer::render`] into the layout; each value is
//!   escaped by [`html::Escape`], and the only text written as is is a [`html::Markup`], made
//!   by rendering another template (fragments, the SVG charts). See [`html`].
//!
//! Static files (`crates/web/static/`) are compiled into the binary; the JavaScript file only
//! refreshes the alert queue from a JSON endpoint. There is no inline script or style, so the
//! Content-Security-Policy forbids them (`script-src 'self'; style-src 'self'`, set by
//! [`crate::api::session::security_headers`]).

// Page helpers fail with the finished error page; it is built once per request.
#![allow(clippy::result_large_err)]

pub mod admin;
pub mod chart;
pub mod console;
pub mod detection;
pub mod html;
pub mod hunt;
pub mod i18n;
pub mod incidents;
pub mod login;
pub mod nis2;
pub mod notifications;
#[cfg(test)]
#[path = "tests.rs"]
mod pages_tests;
pub mod reports;
pub mod tokens;

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use vigie_access::audit::AuditRecord;
use vigie_access::{Permission, Principal, Role};

use crate::AppState;
use crate::api::session::{Desk, session_cookie};
use crate::error::ApiError;
use html::{Chrome, Markup};
use i18n::{Catalog, Lang};

pub use hunt::EventBook;

/// The language cookie set by the switch.
pub const LANG_COOKIE: &str = "vigie_lang";

/// The cookie holding the session's CSRF token for the pages' forms (HttpOnly: scripts never
/// read it; pages copy it into their forms).
pub const CSRF_COOKIE: &str = "__Host-vigie_csrf";

/// The loaded Sigma rules, for the alert page's "why it matched". Optional: `vigie serve`
/// adds it as an [`axum::Extension`]; without it the page shows the rule without the
/// explanation.
#[derive(Clone)]
pub struct RuleBook(pub Arc<vigie_detect::RuleSet>);

/// The routes of the web application.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui/") }))
        .route("/static/vigie.css", get(static_css))
        .route("/static/vigie.js", get(static_js))
        .route("/static/vigie.svg", get(static_svg))
        .route("/ui", get(|| async { Redirect::to("/ui/") }))
        .route("/ui/", get(console::home))
        .route("/ui/login", get(login::form).post(login::submit))
        .route("/ui/logout", post(login::logout))
        .route("/ui/lang/{tag}", get(login::switch_language))
        .route("/ui/alerts", get(console::queue))
        .route("/ui/alerts/rows", get(console::queue_rows))
        .route("/ui/alerts/bulk", post(console::bulk))
        .route("/ui/alerts/views", post(console::save_view))
        .route("/ui/alerts/views/{id}/delete", post(console::delete_view))
        .route("/ui/alerts/{id}", get(console::alert_page))
        .route("/ui/alerts/{id}/action", post(console::alert_action))
        .route("/ui/incidents", get(incidents::list))
        .route("/ui/incidents/{id}", get(incidents::page))
        .route("/ui/incidents/{id}/comment", post(incidents::comment))
        .route("/ui/incidents/{id}/update", post(incidents::update))
        .route("/ui/incidents/{id}/nis2/awareness", post(nis2::awareness))
        .route("/ui/incidents/{id}/nis2/assess", post(nis2::assess))
        .route("/ui/incidents/{id}/nis2/confirm", post(nis2::confirm))
        .route("/ui/incidents/{id}/nis2/withdraw", post(nis2::withdraw))
        .route("/ui/incidents/{id}/nis2/case", post(nis2::case_flags))
        .route("/ui/incidents/{id}/nis2/record", post(nis2::record))
        .route("/ui/incidents/{id}/nis2/approve", post(nis2::approve))
        .route("/ui/incidents/{id}/nis2/submit", post(nis2::submit))
        .route("/ui/nis2", get(nis2::list))
        .route("/ui/sla", get(incidents::sla))
        .route("/ui/reports", get(reports::page))
        .route("/ui/notifications", get(notifications::page))
        .route("/ui/notifications/{id}/retry", post(notifications::retry))
        .route("/ui/detection", get(detection::catalogue))
        .route(
            "/ui/detection/suppressions",
            post(detection::add_suppression),
        )
        .route(
            "/ui/detection/suppressions/{id}/end",
            post(detection::end_suppression),
        )
        .route("/ui/hunt", get(hunt::page))
        .route("/ui/tokens", get(tokens::page).post(tokens::create))
        .route("/ui/tokens/{id}/revoke", post(tokens::revoke))
        .route("/ui/admin", get(admin::overview))
        .route("/ui/admin/tenants", post(admin::create_tenant))
        .route("/ui/admin/users", post(admin::create_user))
        .route(
            "/ui/admin/users/{id}",
            get(admin::user_form).post(admin::user_save),
        )
        .route("/ui/admin/users/{id}/{verb}", post(admin::set_user_state))
        .route("/ui/admin/tokens", post(admin::create_token))
        .route("/ui/admin/tokens/{id}/revoke", post(admin::revoke_token))
        .route(
            "/ui/admin/sla/{tenant}",
            get(admin::sla_form).post(admin::sla_save),
        )
}

async fn static_css() -> Response {
    static_file(
        "text/css; charset=utf-8",
        include_str!("../../static/vigie.css"),
    )
}

async fn static_js() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../../static/vigie.js"),
    )
}

async fn static_svg() -> Response {
    static_file("image/svg+xml", include_str!("../../static/vigie.svg"))
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

/// A cookie value of the request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.trim().to_owned())
}

/// The language of a request: the switch's cookie, else `Accept-Language`, else English.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(|v| Lang::from_tag(&v))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::En)
}

/// The path and query of a request, for "come back here" links.
fn here(parts: &Parts) -> String {
    parts
        .uri
        .path_and_query()
        .map_or_else(|| "/ui/".to_owned(), |p| p.as_str().to_owned())
}

/// Whether a request comes from a page of this site. A browser sends `Origin` on a form post,
/// but as `null` when the page's referrer policy is `no-referrer` (as vigie's is); then the
/// `Sec-Fetch-Site` header decides (`same-origin`, or `none` for a typed address). A client
/// that sends neither is not a browser acting for another site.
pub fn from_this_site(headers: &HeaderMap) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(origin) = text(header::ORIGIN)
        && origin != "null"
    {
        let host = text(header::HOST).unwrap_or_default();
        return origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"))
            .is_some_and(|authority| !host.is_empty() && authority.eq_ignore_ascii_case(host));
    }
    match text(axum::http::HeaderName::from_static("sec-fetch-site")) {
        Some(site) => site == "same-origin" || site == "none",
        None => text(header::ORIGIN).is_none(),
    }
}

/// Whether `back` is a path of this application (never another site).
pub(crate) fn safe_back(back: &str) -> &str {
    if back.starts_with("/ui") && !back.starts_with("//") && !back.contains('\\') {
        back
    } else {
        "/ui/"
    }
}

/// The signed-in caller of a page.
pub struct Viewer {
    /// Who, with which role and scope.
    pub principal: Principal,
    /// The page language.
    pub lang: Lang,
    /// The CSRF token for forms, when the session was opened by the UI login.
    pub csrf: Option<String>,
    /// This page's path and query.
    pub here: String,
    /// Whether the request came from this site (see [`from_this_site`]), for form checks.
    from_this_site: bool,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = request_lang(&parts.headers);
        let here = here(parts);
        let to_login =
            || Redirect::to(&format!("/ui/login?next={}", html::url_encode(&here))).into_response();
        let Some(secret) = session_cookie(&parts.headers) else {
            return Err(to_login());
        };
        let Ok(principal) = state.access().authenticate_session(&secret).await else {
            return Err(to_login());
        };
        Ok(Viewer {
            csrf: cookie(&parts.headers, CSRF_COOKIE),
            from_this_site: from_this_site(&parts.headers),
            principal,
            lang,
            here,
        })
    }
}

impl Viewer {
    /// The catalogue of the viewer's language.
    pub fn cat(&self) -> &'static Catalog {
        Catalog::of(self.lang)
    }

    /// The user name shown in the header (the actor without its `user:` prefix).
    pub fn name(&self) -> &str {
        let actor = self.principal.actor.0.as_str();
        actor.strip_prefix("user:").unwrap_or(actor)
    }

    /// Whether the viewer works in the SOC console.
    pub fn is_soc(&self) -> bool {
        html::is_soc(self.principal.role)
    }

    /// A whole page: `body` (a page's template) rendered into the layout, under navigation
    /// entry `section`.
    pub fn render(&self, section: &str, title: &str, body: &impl Template) -> Response {
        let body = Markup::of(body);
        let chrome = Chrome {
            cat: self.cat(),
            user: Some((self.name(), self.principal.role)),
            csrf: self.csrf.as_deref(),
            here: &self.here,
            section,
        };
        axum::response::Html(html::page(&chrome, title, &body)).into_response()
    }

    /// The session's CSRF token for the page's forms (empty when the session has none).
    pub fn csrf(&self) -> &str {
        self.csrf.as_deref().unwrap_or_default()
    }

    /// An error page with the status's title and a message.
    pub fn error(&self, status: StatusCode, message: &str) -> Response {
        error_page(self.cat(), Some(self), status, message)
    }

    /// The error page of a failed store or access call.
    pub fn api_error(&self, error: impl Into<ApiError>) -> Response {
        let error = error.into();
        let (status, message) = match &error {
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, m.clone()),
            ApiError::BadRequest(m) | ApiError::Conflict(m) => (StatusCode::BAD_REQUEST, m.clone()),
            ApiError::Csrf(m) => (StatusCode::FORBIDDEN, m.clone()),
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "page failed inside vigie");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    self.cat().t("error-internal"),
                )
            }
            other => (StatusCode::BAD_REQUEST, other.to_string()),
        };
        self.error(status, &message)
    }

    /// Refuses (403, audited like the API) unless the viewer may do `what`.
    pub async fn require(
        &self,
        state: &AppState,
        what: Permission,
        object: &str,
    ) -> Result<(), Response> {
        Desk(self.principal.clone())
            .require(state, what, object)
            .await
            .map_err(|e| self.api_error(e))
    }

    /// Refuses (404, as if the page did not exist) unless the viewer works in the SOC: client
    /// contacts only see the portal.
    pub fn require_soc(&self) -> Result<(), Response> {
        if self.is_soc() {
            Ok(())
        } else {
            Err(self.error(StatusCode::NOT_FOUND, &self.cat().t("error-not-found")))
        }
    }

    /// Parses a POST body as a form and checks it: same origin, and the session's CSRF token
    /// in field `csrf`. A refusal is audited.
    pub async fn checked_form(&self, state: &AppState, body: &[u8]) -> Result<Form, Response> {
        let form = Form::parse(&String::from_utf8_lossy(body));
        if self.from_this_site && self.principal.csrf_ok(form.get("csrf")) {
            return Ok(form);
        }
        let record = AuditRecord::new(
            &self.principal.actor.0,
            None,
            "authz.denied",
            &self.here,
            serde_json::json!({"needed": "csrf", "role": self.principal.role}),
        );
        if let Err(error) = state.store().audit(&record).await {
            tracing::error!(%error, "could not audit a refused form");
        }
        Err(self.error(StatusCode::FORBIDDEN, &self.cat().t("error-csrf")))
    }
}

/// The body of an error page (`templates/error.html`).
#[derive(Template)]
#[template(path = "error.html", config = "templates/askama.toml")]
struct ErrorBody<'a> {
    cat: &'a Catalog,
    message: &'a str,
}

/// An error page; `viewer` adds the navigation when someone is signed in.
pub fn error_page(
    cat: &Catalog,
    viewer: Option<&Viewer>,
    status: StatusCode,
    message: &str,
) -> Response {
    let title = match status {
        StatusCode::NOT_FOUND => cat.t("error-not-found-title"),
        StatusCode::FORBIDDEN => cat.t("error-forbidden-title"),
        StatusCode::BAD_REQUEST => cat.t("error-bad-request-title"),
        _ => cat.t("error-title"),
    };
    let body = Markup::of(&ErrorBody { cat, message });
    let here = viewer.map_or("/ui/", |v| v.here.as_str());
    let chrome = Chrome {
        cat,
        user: viewer.map(|v| (v.name(), v.principal.role)),
        csrf: viewer.and_then(|v| v.csrf.as_deref()),
        here,
        section: "",
    };
    (
        status,
        axum::response::Html(html::page(&chrome, &title, &body)),
    )
        .into_response()
}

/// A decoded `application/x-www-form-urlencoded` body or query string; keys may repeat.
#[derive(Debug, Default)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    /// Decodes `text` (`+` is a space, `%XX` a byte; invalid UTF-8 is replaced).
    pub fn parse(text: &str) -> Form {
        Form(
            text.split('&')
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        )
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first non-empty value of `key`.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.get(key).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Every value of `key`.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The query string of a request as a [`Form`].
pub fn query(parts: &axum::http::Uri) -> Form {
    Form::parse(parts.query().unwrap_or_default())
}

/// A role's name in the viewer's language.
pub fn role_name(cat: &Catalog, role: Role) -> String {
    cat.t(&format!("role-{}", role.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        let f = Form::parse("a=1&ids=x&ids=y&text=caf%C3%A9+au+lait&bad=%zz&tail=%4");
        assert_eq!(f.get("a"), Some("1"));
        assert_eq!(f.all("ids"), vec!["x", "y"]);
        assert_eq!(f.get("text"), Some("café au lait"));
        assert_eq!(f.get("bad"), Some("%zz"));
        assert_eq!(f.get("tail"), Some("%4"));
        assert_eq!(f.value("missing"), None);
    }

    #[test]
    fn requests_from_this_site() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, HeaderValue::from_static(v));
            }
            h
        };
        let host = ("host", "127.0.0.1:8470");
        assert!(from_this_site(&headers(&[host])));
        assert!(from_this_site(&headers(&[
            host,
            ("origin", "http://127.0.0.1:8470")
        ])));
        assert!(!from_this_site(&headers(&[
            host,
            ("origin", "https://evil.example")
        ])));
        assert!(from_this_site(&headers(&[
            host,
            ("origin", "null"),
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(!from_this_site(&headers(&[
            host,
            ("origin", "null"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(!from_this_site(&headers(&[host, ("origin", "null")])));
        assert!(!from_this_site(&headers(&[
            host,
            ("sec-fetch-site", "same-site")
        ])));
    }

    #[test]
    fn back_links_stay_on_the_site() {
        assert_eq!(safe_back("/ui/incidents/3"), "/ui/incidents/3");
        assert_eq!(safe_back("//evil.example/ui"), "/ui/");
        assert_eq!(safe_back("https://evil.example/"), "/ui/");
        assert_eq!(safe_back("/ui\\..\\x"), "/ui/");
    }
}
