//! "My API tokens": every signed-in user creates and revokes API tokens of their own
//! (`vgu_…`), as `POST /api/v1/auth/tokens` does: a label, the permissions it carries (only
//! those the user's role allows), optionally some of the user's tenants and an expiry. The
//! secret is shown once, on the page that answers the creation (never cached). Each user sees
//! and revokes only their own tokens; the store audits both.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::{SignedDuration, Timestamp};
use vigie_access::Permission;
use vigie_access::token::NewUserToken;
use vigie_event::TenantId;

use super::Viewer;
use super::console::tenant_in_scope;
use super::html::Choice;
use super::i18n::Catalog;
use crate::AppState;

/// Longest token life the form offers, in days.
const MAX_DAYS: i64 = 3660;

fn own_user(viewer: &Viewer) -> Result<vigie_access::UserId, Response> {
    viewer
        .principal
        .user_id
        .ok_or_else(|| viewer.error(StatusCode::NOT_FOUND, &viewer.cat().t("error-not-found")))
}

/// The permissions the viewer's role allows (what a token of theirs may carry).
fn grantable(viewer: &Viewer) -> Vec<Permission> {
    Permission::ALL
        .into_iter()
        .filter(|p| viewer.principal.role.may(*p))
        .collect()
}

/// `GET /ui/tokens`.
pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Response {
    let user = match own_user(&viewer) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let cat = viewer.cat();
    let scope = &viewer.principal.scope;
    let (tokens, tenants) = match (
        state.store().list_user_tokens(user).await,
        state.store().list_tenants(scope).await,
    ) {
        (Ok(k), Ok(t)) => (k, t),
        (Err(e), _) | (_, Err(e)) => return viewer.api_error(e),
    };
    let slug = |id: TenantId| {
        tenants
            .iter()
            .find(|t| t.id == id)
            .map_or_else(|| format!("#{}", id.0), |t| t.slug.to_string())
    };
    let now = Timestamp::now();
    let rows = tokens
        .iter()
        .map(|k| {
            let expired = k.expires_at.is_some_and(|e| e <= now);
            let state_key = if k.revoked {
                "token-revoked"
            } else if expired {
                "tokens-expired"
            } else {
                "token-active"
            };
            TokenRow {
                id: k.id,
                label: &k.label,
                permissions: k
                    .permissions
                    .iter()
                    .map(|p| cat.t(&format!("permission-{}", p.as_str())))
                    .collect::<Vec<_>>()
                    .join(", "),
                tenants: match &k.tenants {
                    None => cat.t("tokens-all-my-tenants"),
                    Some(ids) => ids.iter().map(|t| slug(*t)).collect::<Vec<_>>().join(", "),
                },
                expires: k
                    .expires_at
                    .map_or_else(|| cat.t("tokens-never"), |e| cat.datetime(e)),
                state: cat.t(state_key),
                revoke_label: (!k.revoked && !expired)
                    .then(|| cat.tr("admin-revoke-named", &[("label", k.label.clone().into())])),
            }
        })
        .collect();
    let permissions = grantable(&viewer)
        .into_iter()
        .map(|p| Choice {
            value: p.as_str().to_owned(),
            text: cat.t(&format!("permission-{}", p.as_str())),
            selected: p == Permission::ReadDesk,
        })
        .collect();
    let body = TokensPage {
        cat,
        csrf: viewer.csrf(),
        tokens: rows,
        permissions,
        tenants: tenants.iter().map(|t| t.slug.as_str()).collect(),
    };
    viewer.render("tokens", &cat.t("tokens-title"), &body)
}

/// A token of the viewer's.
struct TokenRow<'a> {
    id: vigie_access::UserTokenId,
    label: &'a str,
    permissions: String,
    tenants: String,
    expires: String,
    state: String,
    /// The revoke button's label, while the token can still be revoked.
    revoke_label: Option<String>,
}

/// "My API tokens" (`templates/tokens.html`).
#[derive(Template)]
#[template(path = "tokens.html", config = "templates/askama.toml")]
struct TokensPage<'a> {
    cat: &'a Catalog,
    csrf: &'a str,
    tokens: Vec<TokenRow<'a>>,
    /// The permissions a new token may carry (checked: offered ticked).
    permissions: Vec<Choice>,
    /// The slugs of the viewer's tenants.
    tenants: Vec<&'a str>,
}

/// The answer to a token's creation, with its secret shown once (`templates/secret.html`).
#[derive(Template)]
#[template(path = "secret.html", config = "templates/askama.toml")]
pub struct SecretPage<'a> {
    /// The catalogue.
    pub cat: &'a Catalog,
    /// "Token … created".
    pub created: String,
    /// The secret.
    pub secret: &'a str,
    /// Where the back link goes.
    pub back: &'static str,
    /// The back link's text.
    pub back_text: String,
}

/// `POST /ui/tokens`: a new token of the signed-in user; answers with its secret, once.
pub async fn create(State(state): State<AppState>, viewer: Viewer, body: Bytes) -> Response {
    let form = match viewer.checked_form(&state, &body).await {
        Ok(form) => form,
        Err(r) => return r,
    };
    let user = match own_user(&viewer) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let cat = viewer.cat();
    let bad = |field: String, value: &str| {
        viewer.error(
            StatusCode::BAD_REQUEST,
            &cat.tr(
                "error-bad-field",
                &[("value", value.to_owned().into()), ("field", field.into())],
            ),
        )
    };
    let Some(label) = form.value("label") else {
        return bad(cat.t("col-label"), "");
    };
    let mut permissions = Vec::new();
    for text in form.all("permissions") {
        match Permission::ALL.into_iter().find(|p| p.as_str() == text) {
            Some(p) => permissions.push(p),
            None => return bad(cat.t("tokens-permissions"), text),
        }
    }
    let mut tenants = Vec::new();
    for slug in form.all("tenants") {
        match tenant_in_scope(&state, &viewer, slug).await {
            Ok(id) => tenants.push(id),
            Err(r) => return r,
        }
    }
    let days_text = form.get("days").unwrap_or_default().trim();
    let expires_at = if days_text.is_empty() {
        None
    } else {
        match days_text
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=MAX_DAYS).contains(d))
        {
            Some(d) => Some(Timestamp::now() + SignedDuration::from_hours(24 * d)),
            None => return bad(cat.t("tokens-days"), days_text),
        }
    };
    let new = NewUserToken {
        label: label.to_owned(),
        permissions,
        tenants: (!tenants.is_empty()).then_some(tenants),
        expires_at,
    };
    let created = match state
        .store()
        .create_user_token(&viewer.principal.actor, user, &new)
        .await
    {
        Ok(c) => c,
        Err(e) => return viewer.api_error(e),
    };
    let body = SecretPage {
        cat,
        created: cat.tr(
            "admin-token-created",
            &[
                ("label", label.to_owned().into()),
                ("id", created.token.id.0.into()),
            ],
        ),
        secret: &created.secret,
        back: "/ui/tokens",
        back_text: cat.t("tokens-back"),
    };
    let mut response = viewer.render("tokens", &cat.t("tokens-title"), &body);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /ui/tokens/{id}/revoke`: revokes one of the viewer's tokens (another user's is not
/// found).
pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    if let Err(r) = viewer.checked_form(&state, &body).await {
        return r;
    }
    let user = match own_user(&viewer) {
        Ok(u) => u,
        Err(r) => return r,
    };
    match state
        .store()
        .revoke_user_token(&viewer.principal.actor, user, vigie_access::UserTokenId(id))
        .await
    {
        Ok(true) => Redirect::to("/ui/tokens").into_response(),
        Ok(false) => viewer.error(StatusCode::NOT_FOUND, &viewer.cat().t("error-not-found")),
        Err(e) => viewer.api_error(e),
    }
}
