//! Administration overview for platform admins and SOC leads: the tenants, users and tokens
//! of the viewer's scope (token secrets are never shown: only their labels and state).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use vigie_soc::{Permission, Role, TokenOwner};

use super::html::esc;
use super::{Viewer, role_name};
use crate::AppState;

/// `GET /ui/admin`.
pub async fn overview(State(state): State<AppState>, viewer: Viewer) -> Response {
    let cat = viewer.cat();
    if !matches!(viewer.principal.role, Role::PlatformAdmin | Role::SocLead) {
        return viewer.error(StatusCode::NOT_FOUND, &cat.t("error-not-found"));
    }
    if let Err(r) = viewer.require(&state, Permission::ReadUsers, "admin").await {
        return r;
    }
    let scope = &viewer.principal.scope;
    let (tenants, users, tokens) = match (
        state.store().list_tenants(scope).await,
        state.store().list_users(scope).await,
        state.store().list_tokens(scope).await,
    ) {
        (Ok(t), Ok(u), Ok(k)) => (t, u, k),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return viewer.api_error(e),
    };
    let slug = |id| {
        tenants
            .iter()
            .find(|t| t.id == id)
            .map_or_else(|| format!("#{id:?}"), |t| t.slug.to_string())
    };
    let mut body = format!(
        r#"<h2 id="tenants-h">{}</h2><table class="grid" aria-labelledby="tenants-h"><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        esc(&cat.t("admin-tenants")),
        esc(&cat.t("col-slug")),
        esc(&cat.t("col-name")),
        esc(&cat.t("col-created")),
    );
    for t in &tenants {
        body.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(t.slug.as_str()),
            esc(&t.name),
            esc(&cat.datetime(t.created_at))
        ));
    }
    body.push_str("</tbody></table>");
    body.push_str(&format!(
        r#"<h2 id="users-h">{}</h2><table class="grid" aria-labelledby="users-h"><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        esc(&cat.t("admin-users")),
        esc(&cat.t("col-username")),
        esc(&cat.t("col-role")),
        esc(&cat.t("col-tenants")),
        esc(&cat.t("col-state")),
    ));
    for u in &users {
        let tenants_text = if u.tenants.is_empty() {
            cat.t("all-tenants")
        } else {
            u.tenants
                .iter()
                .map(|t| slug(*t))
                .collect::<Vec<_>>()
                .join(", ")
        };
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&u.username),
            esc(&role_name(cat, u.role)),
            esc(&tenants_text),
            esc(&cat.t(if u.disabled {
                "user-disabled"
            } else {
                "user-enabled"
            })),
        ));
    }
    body.push_str("</tbody></table>");
    body.push_str(&format!(
        r#"<h2 id="tokens-h">{}</h2><table class="grid" aria-labelledby="tokens-h"><thead><tr><th scope="col">#</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        esc(&cat.t("admin-tokens")),
        esc(&cat.t("col-label")),
        esc(&cat.t("col-owner")),
        esc(&cat.t("col-kind")),
        esc(&cat.t("col-created")),
        esc(&cat.t("col-state")),
    ));
    for k in &tokens {
        let owner = match k.owner {
            TokenOwner::Platform => cat.t("all-tenants"),
            TokenOwner::Tenant(id) => slug(id),
        };
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            k.id,
            esc(&k.label),
            esc(&owner),
            esc(k.kind.as_str()),
            esc(&cat.datetime(k.created_at)),
            esc(&cat.t(if k.revoked { "token-revoked" } else { "token-active" })),
        ));
    }
    body.push_str("</tbody></table>");
    viewer.page("admin", &cat.t("admin-title"), &body)
}
