//! Administration: tenants, users and roles, tokens and SLA contracts of the viewer's scope.
//! A platform admin manages all of them; a SOC lead reads users and sets SLA contracts; a
//! tenant admin (client portal) manages the client contacts and client admins of its own
//! tenant ([`UserAuthority::TenantRoles`]) and nothing else.
//!
//! Every form is a POST checked like the API's writes: same origin and the session's CSRF
//! token ([`Viewer::checked_form`]), the permission of the role ([`Viewer::require`], refusals
//! audited), the tenant inside the viewer's scope (else 404). Changes go through the same
//! store functions as the API and are audited as it does: users and SLA contracts by the
//! store in the same transaction; tenants and tokens (which the store creates without an
//! actor, for the command line) by an audit entry written right after.
//!
//! A token's secret is shown once, on the page that answers its creation (never cached);
//! afterwards only its label and state are shown.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use vigie_access::audit::AuditRecord;
use vigie_access::{NewUser, User, UserAuthority, UserPatch};
use vigie_access::{Permission, Role, Tenant, TokenInfo, TokenKind, TokenOwner};
use vigie_event::{Severity, TenantId, TenantSlug};
use vigie_soc::sla::{Calendar, SlaContract, Target};

use super::console::{severity_name, tenant_in_scope};
use super::html::{Choice, choices, filters};
use super::i18n::Catalog;
use super::tokens::SecretPage;
use super::{Form, Viewer, role_name};
use crate::AppState;

/// Longest SLA target accepted by the form, in minutes (one year).
const MAX_TARGET_MINUTES: u32 = 525_600;

fn is_admin_page_role(role: Role) -> bool {
    matches!(
        role,
        Role::PlatformAdmin | Role::SocLead | Role::TenantAdmin
    )
}

/// The viewer's authority over users, if it manages any (platform admin: all users of its
/// scope; tenant admin: the tenant roles of its tenant).
fn authority(viewer: &Viewer) -> Option<UserAuthority> {
    if viewer.principal.may(Permission::ManageUsers) {
        UserAuthority::of(viewer.principal.role)
    } else {
        None
    }
}

/// Tenants and tokens are the platform's: only a platform administrator manages them.
fn require_platform_admin(viewer: &Viewer) -> Result<(), Response> {
    if viewer.principal.role == Role::PlatformAdmin {
        Ok(())
    } else {
        Err(viewer.error(StatusCode::FORBIDDEN, &viewer.cat().t("error-not-platform")))
    }
}

/// Whether the viewer sees every tenant (only then may it create tenants and platform tokens).
fn platform_wide(viewer: &Viewer) -> bool {
    viewer.principal.scope.tenants().is_none()
}

/// Appends an audit entry for a change the store does not audit itself.
async fn audit(
    state: &AppState,
    viewer: &Viewer,
    tenant: Option<TenantId>,
    action: &str,
    object: &str,
    payload: serde_json::Value,
) -> Result<(), Response> {
    let record = AuditRecord::new(&viewer.principal.actor.0, tenant, action, object, payload);
    state
        .store()
        .audit(&record)
        .await
        .map_err(|e| viewer.api_error(e))
}

/// Parses a POST body and runs the checks every admin form shares.
async fn admin_form(
    state: &AppState,
    viewer: &Viewer,
    body: &Bytes,
    what: Permission,
    object: &str,
) -> Result<Form, Response> {
    let form = viewer.checked_form(state, body).await?;
    if !is_admin_page_role(viewer.principal.role) {
        return Err(viewer.error(StatusCode::NOT_FOUND, &viewer.cat().t("error-not-found")));
    }
    viewer.require(state, what, object).await?;
    Ok(form)
}

fn bad(viewer: &Viewer, field: &str, value: &str) -> Response {
    viewer.error(
        StatusCode::BAD_REQUEST,
        &viewer.cat().tr(
            "error-bad-field",
            &[
                ("value", value.to_owned().into()),
                ("field", field.to_owned().into()),
            ],
        ),
    )
}

/// `GET /ui/admin`.
pub async fn overview(State(state): State<AppState>, viewer: Viewer) -> Response {
    let cat = viewer.cat();
    if !is_admin_page_role(viewer.principal.role) {
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
    let authority = authority(&viewer);
    let manage_users = authority.is_some();
    let platform_admin = viewer.principal.role == Role::PlatformAdmin;
    let manage_sla = viewer.principal.may(Permission::ManageSla);
    let slug = |id| {
        tenants
            .iter()
            .find(|t| t.id == id)
            .map_or_else(|| format!("#{id:?}"), |t| t.slug.to_string())
    };
    // Tenants, with their SLA contract.
    let mut tenant_rows = Vec::new();
    for t in &tenants {
        let contract = match state.store().sla_contract(scope, t.id).await {
            Ok(c) => c,
            Err(e) => return viewer.api_error(e),
        };
        let sla = contract.as_ref().map_or_else(
            || cat.t("admin-sla-none"),
            |c| {
                cat.tr(
                    "admin-sla-summary",
                    &[
                        ("calendar", cat.t(&calendar_key(c.calendar)).into()),
                        ("targets", (c.targets.len() as i64).into()),
                    ],
                )
            },
        );
        tenant_rows.push(TenantRow {
            tenant: t,
            sla,
            edit: manage_sla
                .then(|| cat.tr("admin-sla-edit", &[("tenant", t.slug.to_string().into())])),
        });
    }
    // Users.
    let user_rows = users
        .iter()
        .map(|u| {
            let action = if !manage_users {
                UserAction::None
            } else if viewer.principal.user_id == Some(u.id) || !manages(authority, u) {
                UserAction::Empty
            } else {
                let (verb, key, named) = if u.disabled {
                    ("enable", "admin-enable", "admin-enable-named")
                } else {
                    ("disable", "admin-disable", "admin-disable-named")
                };
                UserAction::Manage {
                    verb,
                    label: cat.tr(named, &[("name", u.username.clone().into())]),
                    text: cat.t(key),
                    edit_label: cat.tr("admin-edit-named", &[("name", u.username.clone().into())]),
                }
            };
            UserRow {
                user: u,
                role: role_name(cat, u.role),
                tenants: if u.tenants.is_empty() {
                    cat.t("all-tenants")
                } else {
                    u.tenants
                        .iter()
                        .map(|t| slug(*t))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                state: cat.t(if u.disabled {
                    "user-disabled"
                } else {
                    "user-enabled"
                }),
                action,
            }
        })
        .collect();
    let new_user = authority.map(|authority| NewUserForm {
        roles: choices(
            role_options(cat, authority),
            // A safe default: the least powerful role the form offers for its side.
            if authority == UserAuthority::All {
                "analyst"
            } else {
                "tenant_user"
            },
        ),
        tenants: tenant_choices(&tenants, &[]),
    });
    // Tokens (platform administrators only).
    let token_section = platform_admin.then(|| {
        let rows = tokens
            .iter()
            .map(|k| TokenRow {
                token: k,
                owner: match k.owner {
                    TokenOwner::Platform => cat.t("all-tenants"),
                    TokenOwner::Tenant(id) => slug(id),
                },
                state: cat.t(if k.revoked {
                    "token-revoked"
                } else {
                    "token-active"
                }),
                revoke_label: (!k.revoked)
                    .then(|| cat.tr("admin-revoke-named", &[("label", k.label.clone().into())])),
            })
            .collect();
        let form = manage_users.then(|| {
            let mut owners: Vec<(String, String)> = Vec::new();
            if platform_wide(&viewer) {
                owners.push((String::new(), cat.t("admin-token-platform")));
            }
            owners.extend(
                tenants
                    .iter()
                    .map(|t| (t.slug.to_string(), format!("{} ({})", t.name, t.slug))),
            );
            let kinds: Vec<(String, String)> = TokenKind::ALL
                .iter()
                .map(|k| {
                    (
                        k.as_str().to_owned(),
                        cat.t(&format!("token-kind-{}", k.as_str())),
                    )
                })
                .collect();
            NewTokenForm {
                owners: choices(owners, ""),
                kinds: choices(kinds, "ingest"),
            }
        });
        TokenSection { rows, form }
    });
    let body = Overview {
        cat,
        csrf: viewer.csrf(),
        tenants: tenant_rows,
        new_tenant: platform_admin && platform_wide(&viewer),
        manage_users,
        users: user_rows,
        new_user,
        tokens: token_section,
    };
    viewer.render("admin", &cat.t("admin-title"), &body)
}

/// A tenant with its SLA contract in words.
struct TenantRow<'a> {
    tenant: &'a Tenant,
    sla: String,
    /// The SLA form link's text, for those who set contracts.
    edit: Option<String>,
}

/// What the viewer may do to a user of the table.
enum UserAction {
    /// The viewer manages no users: no column.
    None,
    /// Not this one (the viewer, or a user it does not manage): an empty cell.
    Empty,
    /// Edit, and disable or enable.
    Manage {
        verb: &'static str,
        label: String,
        text: String,
        edit_label: String,
    },
}

/// A user of the table.
struct UserRow<'a> {
    user: &'a User,
    role: String,
    tenants: String,
    state: String,
    action: UserAction,
}

/// The form that creates a user.
struct NewUserForm {
    roles: Vec<Choice>,
    tenants: Vec<Choice>,
}

/// A token of the table.
struct TokenRow<'a> {
    token: &'a TokenInfo,
    owner: String,
    state: String,
    /// The revoke button's label, while it is not revoked.
    revoke_label: Option<String>,
}

/// The form that creates a token.
struct NewTokenForm {
    owners: Vec<Choice>,
    kinds: Vec<Choice>,
}

/// The platform's tokens.
struct TokenSection<'a> {
    rows: Vec<TokenRow<'a>>,
    form: Option<NewTokenForm>,
}

/// The administration page (`templates/admin.html`).
#[derive(Template)]
#[template(path = "admin.html", config = "templates/askama.toml")]
struct Overview<'a> {
    cat: &'a Catalog,
    csrf: &'a str,
    tenants: Vec<TenantRow<'a>>,
    /// Whether the viewer may onboard tenants (the form is shown).
    new_tenant: bool,
    /// Whether the viewer manages users (the actions column is shown).
    manage_users: bool,
    users: Vec<UserRow<'a>>,
    new_user: Option<NewUserForm>,
    tokens: Option<TokenSection<'a>>,
}

/// The form that changes a user (`templates/admin_user.html`).
#[derive(Template)]
#[template(path = "admin_user.html", config = "templates/askama.toml")]
struct UserForm<'a> {
    cat: &'a Catalog,
    csrf: &'a str,
    id: i64,
    roles: Vec<Choice>,
    /// The tenant boxes (platform administrators only).
    tenants: Option<Vec<Choice>>,
}

/// A severity's SLA targets on the contract form.
struct TargetRow {
    severity: Severity,
    ack: String,
    resolve: String,
}

/// A tenant's SLA contract form (`templates/admin_sla.html`).
#[derive(Template)]
#[template(path = "admin_sla.html", config = "templates/askama.toml")]
struct SlaForm<'a> {
    cat: &'a Catalog,
    csrf: &'a str,
    slug: &'a str,
    calendars: Vec<Choice>,
    warn: i64,
    rows: Vec<TargetRow>,
}

fn calendar_key(calendar: Calendar) -> String {
    format!("calendar-{}", calendar.as_str().replace("24x7", "always"))
}

/// `POST /ui/admin/tenants`: onboards a tenant (platform admins seeing every tenant).
pub async fn create_tenant(State(state): State<AppState>, viewer: Viewer, body: Bytes) -> Response {
    let form = match admin_form(&state, &viewer, &body, Permission::ManageUsers, "tenants").await {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = require_platform_admin(&viewer) {
        return r;
    }
    if !platform_wide(&viewer) {
        return viewer.error(StatusCode::FORBIDDEN, &viewer.cat().t("error-not-platform"));
    }
    let raw = form.get("slug").unwrap_or_default().trim();
    let slug = match TenantSlug::new(raw) {
        Ok(s) => s,
        Err(e) => return viewer.error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let Some(name) = form.value("name") else {
        return bad(&viewer, &viewer.cat().t("col-name"), "");
    };
    let tenant = match state.store().create_tenant(&slug, name).await {
        Ok(t) => t,
        Err(e) => return viewer.api_error(e),
    };
    if let Err(r) = audit(
        &state,
        &viewer,
        Some(tenant.id),
        "tenant.create",
        &format!("tenant:{}", tenant.id.0),
        serde_json::json!({"slug": tenant.slug, "name": tenant.name}),
    )
    .await
    {
        return r;
    }
    Redirect::to("/ui/admin").into_response()
}

/// The tenant ids of the slugs a form names, all inside the viewer's scope (404 otherwise).
async fn tenant_ids(
    state: &AppState,
    viewer: &Viewer,
    slugs: &[&str],
) -> Result<Vec<TenantId>, Response> {
    let mut ids = Vec::new();
    for slug in slugs {
        ids.push(tenant_in_scope(state, viewer, slug).await?);
    }
    Ok(ids)
}

/// `POST /ui/admin/users`: creates a user with a role and tenants (platform admins).
pub async fn create_user(State(state): State<AppState>, viewer: Viewer, body: Bytes) -> Response {
    let form = match admin_form(&state, &viewer, &body, Permission::ManageUsers, "users").await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let cat = viewer.cat();
    let role_text = form.get("role").unwrap_or_default();
    let Ok(role) = role_text.parse::<Role>() else {
        return bad(&viewer, &cat.t("col-role"), role_text);
    };
    let tenants = match tenant_ids(&state, &viewer, &form.all("tenants")).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let new = NewUser {
        username: form.get("username").unwrap_or_default().trim().to_owned(),
        password: form.get("password").unwrap_or_default().to_owned(),
        role,
        tenants,
    };
    let Some(authority) = authority(&viewer) else {
        return viewer.error(StatusCode::FORBIDDEN, &cat.t("error-forbidden-title"));
    };
    match state
        .store()
        .create_user_as(
            &viewer.principal.actor,
            &viewer.principal.scope,
            authority,
            &new,
        )
        .await
    {
        Ok(_) => Redirect::to("/ui/admin").into_response(),
        Err(e) => viewer.api_error(e),
    }
}

/// `POST /ui/admin/users/{id}/disable` and `/enable`.
pub async fn set_user_state(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, verb)): Path<(i64, String)>,
    body: Bytes,
) -> Response {
    let disabled = match verb.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return viewer.error(StatusCode::NOT_FOUND, &viewer.cat().t("error-not-found")),
    };
    if let Err(r) = admin_form(
        &state,
        &viewer,
        &body,
        Permission::ManageUsers,
        &format!("user:{id}"),
    )
    .await
    {
        return r;
    }
    let patch = UserPatch {
        disabled: Some(disabled),
        ..UserPatch::default()
    };
    change_user(&state, &viewer, id, &patch).await
}

/// Applies `patch` to user `id` under the viewer's authority (audited by the store); a user
/// the viewer does not manage is not found.
async fn change_user(state: &AppState, viewer: &Viewer, id: i64, patch: &UserPatch) -> Response {
    let Some(authority) = authority(viewer) else {
        return viewer.error(
            StatusCode::FORBIDDEN,
            &viewer.cat().t("error-forbidden-title"),
        );
    };
    match state
        .store()
        .update_user(
            &viewer.principal.actor,
            &viewer.principal.scope,
            authority,
            vigie_access::UserId(id),
            patch,
        )
        .await
    {
        Ok(Some(_)) => Redirect::to("/ui/admin").into_response(),
        Ok(None) => viewer.error(StatusCode::NOT_FOUND, &viewer.cat().t("error-not-found")),
        Err(e) => viewer.api_error(e),
    }
}

/// Whether `authority` covers user `u` (a tenant admin manages only tenant roles).
fn manages(authority: Option<UserAuthority>, u: &User) -> bool {
    match authority {
        Some(UserAuthority::All) => true,
        Some(UserAuthority::TenantRoles) => u.role.is_tenant_role(),
        None => false,
    }
}

/// The roles the viewer may give.
fn role_options(cat: &Catalog, authority: UserAuthority) -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .filter(|r| authority == UserAuthority::All || r.is_tenant_role())
        .map(|r| (r.as_str().to_owned(), role_name(cat, *r)))
        .collect()
}

/// One checkbox per tenant (its slug), `checked` ticked.
fn tenant_choices(tenants: &[Tenant], checked: &[TenantId]) -> Vec<Choice> {
    tenants
        .iter()
        .map(|t| Choice {
            value: t.slug.to_string(),
            text: t.slug.to_string(),
            selected: checked.contains(&t.id),
        })
        .collect()
}

/// `GET /ui/admin/users/{id}`: the form that changes a user's role and tenants.
pub async fn user_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Response {
    let cat = viewer.cat();
    let Some(authority) = authority(&viewer) else {
        return viewer.error(StatusCode::NOT_FOUND, &cat.t("error-not-found"));
    };
    if let Err(r) = viewer
        .require(&state, Permission::ManageUsers, &format!("user:{id}"))
        .await
    {
        return r;
    }
    let scope = &viewer.principal.scope;
    let user = match state
        .store()
        .get_user(scope, vigie_access::UserId(id))
        .await
    {
        Ok(Some(u)) if manages(Some(authority), &u) => u,
        Ok(_) => return viewer.error(StatusCode::NOT_FOUND, &cat.t("error-not-found")),
        Err(e) => return viewer.api_error(e),
    };
    let tenants = match state.store().list_tenants(scope).await {
        Ok(t) => t,
        Err(e) => return viewer.api_error(e),
    };
    let body = UserForm {
        cat,
        csrf: viewer.csrf(),
        id,
        roles: choices(role_options(cat, authority), user.role.as_str()),
        tenants: (authority == UserAuthority::All).then(|| tenant_choices(&tenants, &user.tenants)),
    };
    viewer.render(
        "admin",
        &cat.tr(
            "admin-user-title",
            &[("name", user.username.clone().into())],
        ),
        &body,
    )
}

/// `POST /ui/admin/users/{id}`: changes the user's role and (platform admins) tenants.
pub async fn user_save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let form = match admin_form(
        &state,
        &viewer,
        &body,
        Permission::ManageUsers,
        &format!("user:{id}"),
    )
    .await
    {
        Ok(f) => f,
        Err(r) => return r,
    };
    let cat = viewer.cat();
    let role_text = form.get("role").unwrap_or_default();
    let Ok(role) = role_text.parse::<Role>() else {
        return bad(&viewer, &cat.t("col-role"), role_text);
    };
    let tenants = if authority(&viewer) == Some(UserAuthority::All) {
        match tenant_ids(&state, &viewer, &form.all("tenants")).await {
            Ok(t) => Some(t),
            Err(r) => return r,
        }
    } else {
        None
    };
    let patch = UserPatch {
        role: Some(role),
        tenants,
        ..UserPatch::default()
    };
    change_user(&state, &viewer, id, &patch).await
}

/// `POST /ui/admin/tokens`: creates a token and shows its secret once.
pub async fn create_token(State(state): State<AppState>, viewer: Viewer, body: Bytes) -> Response {
    let form = match admin_form(&state, &viewer, &body, Permission::ManageUsers, "tokens").await {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = require_platform_admin(&viewer) {
        return r;
    }
    let cat = viewer.cat();
    let kind_text = form.get("kind").unwrap_or_default();
    let Ok(kind) = kind_text.parse::<TokenKind>() else {
        return bad(&viewer, &cat.t("col-kind"), kind_text);
    };
    let Some(label) = form.value("label") else {
        return bad(&viewer, &cat.t("col-label"), "");
    };
    let owner = match form.value("tenant") {
        Some(slug) => match tenant_in_scope(&state, &viewer, slug).await {
            Ok(id) => TokenOwner::Tenant(id),
            Err(r) => return r,
        },
        None if platform_wide(&viewer) => TokenOwner::Platform,
        None => return viewer.error(StatusCode::FORBIDDEN, &cat.t("error-not-platform")),
    };
    let source_type = match form.value("source_type") {
        None => None,
        Some(text) => match vigie_parse::SourceType::new(text) {
            Ok(t) if kind == TokenKind::Ingest => Some(t),
            _ => return bad(&viewer, &cat.t("col-source-type"), text),
        },
    };
    let token = match state
        .store()
        .create_token_declaring(owner, kind, label, source_type.as_ref().map(|t| t.as_str()))
        .await
    {
        Ok(t) => t,
        Err(e) => return viewer.api_error(e),
    };
    if let Err(r) = audit(
        &state,
        &viewer,
        owner.tenant(),
        "token.create",
        &format!("token:{}", token.info.id),
        serde_json::json!({
            "kind": kind.as_str(),
            "label": label,
            "source_type": source_type.as_ref().map(|t| t.as_str()),
        }),
    )
    .await
    {
        return r;
    }
    let body = SecretPage {
        cat,
        created: cat.tr(
            "admin-token-created",
            &[
                ("label", label.to_owned().into()),
                ("id", token.info.id.0.into()),
            ],
        ),
        secret: &token.secret,
        back: "/ui/admin",
        back_text: cat.t("admin-back"),
    };
    let mut response = viewer.render("admin", &cat.t("admin-new-token"), &body);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /ui/admin/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    if let Err(r) = admin_form(
        &state,
        &viewer,
        &body,
        Permission::ManageUsers,
        &format!("token:{id}"),
    )
    .await
    {
        return r;
    }
    if let Err(r) = require_platform_admin(&viewer) {
        return r;
    }
    let scope = &viewer.principal.scope;
    let tenant = match state.store().list_tokens(scope).await {
        Ok(tokens) => match tokens.iter().find(|t| t.id == vigie_access::TokenId(id)) {
            Some(t) => t.owner.tenant(),
            None => {
                return viewer.error(StatusCode::NOT_FOUND, &viewer.cat().t("error-not-found"));
            }
        },
        Err(e) => return viewer.api_error(e),
    };
    match state
        .store()
        .revoke_token(scope, vigie_access::TokenId(id))
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return viewer.error(StatusCode::NOT_FOUND, &viewer.cat().t("error-not-found"));
        }
        Err(e) => return viewer.api_error(e),
    }
    if let Err(r) = audit(
        &state,
        &viewer,
        tenant,
        "token.revoke",
        &format!("token:{id}"),
        serde_json::json!({}),
    )
    .await
    {
        return r;
    }
    Redirect::to("/ui/admin").into_response()
}

async fn sla_tenant(state: &AppState, viewer: &Viewer, slug: &str) -> Result<Tenant, Response> {
    let id = tenant_in_scope(state, viewer, slug).await?;
    let tenants = state
        .store()
        .list_tenants(&viewer.principal.scope)
        .await
        .map_err(|e| viewer.api_error(e))?;
    tenants
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| viewer.error(StatusCode::NOT_FOUND, &viewer.cat().t("error-not-found")))
}

/// `GET /ui/admin/sla/{tenant}`: the SLA contract form of one tenant.
pub async fn sla_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> Response {
    let cat = viewer.cat();
    if !is_admin_page_role(viewer.principal.role) {
        return viewer.error(StatusCode::NOT_FOUND, &cat.t("error-not-found"));
    }
    if let Err(r) = viewer
        .require(&state, Permission::ManageSla, &format!("tenant:{slug}"))
        .await
    {
        return r;
    }
    let tenant = match sla_tenant(&state, &viewer, &slug).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let contract = match state
        .store()
        .sla_contract(&viewer.principal.scope, tenant.id)
        .await
    {
        Ok(c) => c,
        Err(e) => return viewer.api_error(e),
    };
    let calendar = contract
        .as_ref()
        .map_or(Calendar::TwentyFourSeven, |c| c.calendar);
    let warn = contract.as_ref().map_or(0.8, |c| c.warn_ratio);
    let calendars: Vec<(String, String)> = [Calendar::TwentyFourSeven, Calendar::Business]
        .iter()
        .map(|c| (c.as_str().to_owned(), cat.t(&calendar_key(*c))))
        .collect();
    let value = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
    let rows = Severity::ALL
        .iter()
        .rev()
        .map(|s| {
            let target = contract.as_ref().and_then(|c| c.targets.get(s));
            TargetRow {
                severity: *s,
                ack: value(target.map(|t| t.acknowledge_minutes)),
                resolve: value(target.map(|t| t.resolve_minutes)),
            }
        })
        .collect();
    let body = SlaForm {
        cat,
        csrf: viewer.csrf(),
        slug: tenant.slug.as_str(),
        calendars: choices(calendars, calendar.as_str()),
        warn: (warn * 100.0).round() as i64,
        rows,
    };
    viewer.render(
        "admin",
        &cat.tr("admin-sla-title", &[("tenant", tenant.name.clone().into())]),
        &body,
    )
}

/// Reads the SLA form; the error names the field and its value.
fn read_contract(viewer: &Viewer, form: &Form) -> Result<SlaContract, Response> {
    let cat = viewer.cat();
    let calendar_text = form.get("calendar").unwrap_or_default();
    let calendar = Calendar::parse(calendar_text)
        .ok_or_else(|| bad(viewer, &cat.t("admin-sla-calendar"), calendar_text))?;
    let warn_text = form.get("warn_percent").unwrap_or("80").trim();
    let warn = warn_text
        .parse::<u8>()
        .ok()
        .filter(|w| (1..=100).contains(w))
        .ok_or_else(|| bad(viewer, &cat.t("admin-sla-warn"), warn_text))?;
    let mut targets = BTreeMap::new();
    for s in Severity::ALL {
        let minutes = |prefix: &str, label: &str| -> Result<Option<u32>, Response> {
            let text = form
                .get(&format!("{prefix}_{}", s.as_str()))
                .unwrap_or_default()
                .trim();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse::<u32>()
                .ok()
                .filter(|m| (1..=MAX_TARGET_MINUTES).contains(m))
                .map(Some)
                .ok_or_else(|| {
                    bad(
                        viewer,
                        &format!("{} ({})", cat.t(label), severity_name(cat, s)),
                        text,
                    )
                })
        };
        let ack = minutes("ack", "admin-sla-ack-minutes")?;
        let resolve = minutes("resolve", "admin-sla-resolve-minutes")?;
        match (ack, resolve) {
            (None, None) => {}
            (Some(a), Some(r)) if a <= r => {
                targets.insert(
                    s,
                    Target {
                        acknowledge_minutes: a,
                        resolve_minutes: r,
                    },
                );
            }
            (a, r) => {
                return Err(viewer.error(
                    StatusCode::BAD_REQUEST,
                    &cat.tr(
                        "admin-sla-pair",
                        &[
                            ("severity", severity_name(cat, s).into()),
                            ("ack", a.map(|v| v.to_string()).unwrap_or_default().into()),
                            (
                                "resolve",
                                r.map(|v| v.to_string()).unwrap_or_default().into(),
                            ),
                        ],
                    ),
                ));
            }
        }
    }
    Ok(SlaContract {
        calendar,
        targets,
        warn_ratio: f64::from(warn) / 100.0,
    })
}

/// `POST /ui/admin/sla/{tenant}`: sets the tenant's SLA contract (audited by the store).
pub async fn sla_save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    body: Bytes,
) -> Response {
    let form = match admin_form(
        &state,
        &viewer,
        &body,
        Permission::ManageSla,
        &format!("tenant:{slug}"),
    )
    .await
    {
        Ok(f) => f,
        Err(r) => return r,
    };
    let tenant = match sla_tenant(&state, &viewer, &slug).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let contract = match read_contract(&viewer, &form) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match state
        .store()
        .set_sla_contract(
            &viewer.principal.actor,
            &viewer.principal.scope,
            tenant.id,
            &contract,
        )
        .await
    {
        Ok(()) => Redirect::to("/ui/admin").into_response(),
        Err(e) => viewer.api_error(e),
    }
}
