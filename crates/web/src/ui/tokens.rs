//! "My API tokens": every signed-in user creates and revokes API tokens of their own
//! (`vgu_…`), as `POST /api/v1/auth/tokens` does: a label, the permissions it carries (only
//! those the user's role allows), optionally some of the user's tenants and an expiry. The
//! secret is shown once, on the page that answers the creation (never cached). Each user sees
//! and revokes only their own tokens; the store audits both.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::{SignedDuration, Timestamp};
use vigie_event::TenantId;
use vigie_soc::Permission;
use vigie_soc::token::NewUserToken;

use super::Viewer;
use super::console::tenant_in_scope;
use super::html::esc;
use crate::AppState;

/// Longest token life the form offers, in days.
const MAX_DAYS: i64 = 3660;

fn own_user(viewer: &Viewer) -> Result<i64, Response> {
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
    let mut body = format!(
        r#"<p class="note">{}</p><section aria-labelledby="mine-h"><h2 id="mine-h">{}</h2>"#,
        esc(&cat.t("tokens-intro")),
        esc(&cat.t("tokens-mine"))
    );
    if tokens.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(&cat.t("tokens-none"))));
    } else {
        body.push_str(&format!(
            r#"<table class="grid"><thead><tr><th scope="col">#</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
            esc(&cat.t("col-label")),
            esc(&cat.t("tokens-permissions")),
            esc(&cat.t("col-tenants")),
            esc(&cat.t("col-expires")),
            esc(&cat.t("col-state")),
            esc(&cat.t("col-actions")),
        ));
        for k in &tokens {
            let permissions = k
                .permissions
                .iter()
                .map(|p| cat.t(&format!("permission-{}", p.as_str())))
                .collect::<Vec<_>>()
                .join(", ");
            let tenants_text = match &k.tenants {
                None => cat.t("tokens-all-my-tenants"),
                Some(ids) => ids.iter().map(|t| slug(*t)).collect::<Vec<_>>().join(", "),
            };
            let expired = k.expires_at.is_some_and(|e| e <= now);
            let state_key = if k.revoked {
                "token-revoked"
            } else if expired {
                "tokens-expired"
            } else {
                "token-active"
            };
            let action = if k.revoked || expired {
                String::new()
            } else {
                format!(
                    r#"<form method="post" action="/ui/tokens/{id}/revoke" class="inline">{csrf}<button type="submit" aria-label="{label}">{text}</button></form>"#,
                    id = k.id,
                    csrf = viewer.csrf_field(),
                    label =
                        esc(&cat.tr("admin-revoke-named", &[("label", k.label.clone().into())])),
                    text = esc(&cat.t("admin-revoke")),
                )
            };
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{action}</td></tr>",
                k.id,
                esc(&k.label),
                esc(&permissions),
                esc(&tenants_text),
                esc(&k.expires_at.map_or_else(|| cat.t("tokens-never"), |e| cat.datetime(e))),
                esc(&cat.t(state_key)),
            ));
        }
        body.push_str("</tbody></table>");
    }
    body.push_str("</section>");
    let mut permission_boxes = String::new();
    for p in grantable(&viewer) {
        permission_boxes.push_str(&format!(
            r#"<label class="check"><input type="checkbox" name="permissions" value="{v}"{c}> {name}</label>"#,
            v = p.as_str(),
            c = if p == Permission::ReadDesk { " checked" } else { "" },
            name = esc(&cat.t(&format!("permission-{}", p.as_str()))),
        ));
    }
    let mut tenant_boxes = String::new();
    for t in &tenants {
        tenant_boxes.push_str(&format!(
            r#"<label class="check"><input type="checkbox" name="tenants" value="{v}"> {v}</label>"#,
            v = esc(t.slug.as_str())
        ));
    }
    body.push_str(&format!(
        r#"<section aria-labelledby="new-h"><h2 id="new-h">{title}</h2><form method="post" action="/ui/tokens" class="change">{csrf}
<p><label for="n-label">{label}</label><input id="n-label" name="label" required maxlength="200"></p>
<fieldset><legend>{perms}</legend>{permission_boxes}</fieldset>
<fieldset><legend>{tenants}</legend><p class="note">{tenants_help}</p>{tenant_boxes}</fieldset>
<p><label for="n-days">{days}</label><input id="n-days" name="days" inputmode="numeric" pattern="[0-9]*" size="5" aria-describedby="n-days-help"><small id="n-days-help">{days_help}</small></p>
<p><button type="submit">{create}</button></p></form></section>"#,
        title = esc(&cat.t("admin-new-token")),
        csrf = viewer.csrf_field(),
        label = esc(&cat.t("col-label")),
        perms = esc(&cat.t("tokens-permissions")),
        tenants = esc(&cat.t("col-tenants")),
        tenants_help = esc(&cat.t("tokens-tenants-help")),
        days = esc(&cat.t("tokens-days")),
        days_help = esc(&cat.t("tokens-days-help")),
        create = esc(&cat.t("admin-create")),
    ));
    viewer.page("tokens", &cat.t("tokens-title"), &body)
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
    let body = format!(
        r#"<p role="status">{created}</p><p><label for="secret">{secret_label}</label></p><p><input id="secret" class="secret" readonly value="{secret}" size="72" aria-describedby="secret-help"></p><p id="secret-help" class="note">{help}</p><p><a href="/ui/tokens">{back}</a></p>"#,
        created = esc(&cat.tr(
            "admin-token-created",
            &[
                ("label", label.to_owned().into()),
                ("id", created.token.id.into())
            ]
        )),
        secret_label = esc(&cat.t("admin-token-secret")),
        secret = esc(&created.secret),
        help = esc(&cat.t("admin-token-once")),
        back = esc(&cat.t("tokens-back")),
    );
    let mut response = viewer.page("tokens", &cat.t("tokens-title"), &body);
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
        .revoke_user_token(&viewer.principal.actor, user, id)
        .await
    {
        Ok(true) => Redirect::to("/ui/tokens").into_response(),
        Ok(false) => viewer.error(StatusCode::NOT_FOUND, &viewer.cat().t("error-not-found")),
        Err(e) => viewer.api_error(e),
    }
}
