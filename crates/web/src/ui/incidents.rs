//! Incidents for both audiences: the SOC console (every incident of the analyst's tenants,
//! change form) and the client portal (a tenant user's own incidents, comments, SLA
//! figures). The scope of the viewer decides what exists: an incident of another tenant
//! answers 404 by any URL.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::{SignedDuration, Timestamp};
use vigie_event::Severity;
use vigie_soc::Permission;
use vigie_soc::desk::{
    IncidentDetail, IncidentFilter, IncidentPatch, IncidentSort, IncidentStatus, RSIT, Tlp, User,
};
use vigie_soc::{Page, Role};

use super::console::{OPEN, severity_badge, severity_name, tenant_in_scope};
use super::html::{esc, select, url_encode};
use super::i18n::{Arg, Catalog};
use super::{Viewer, query};
use crate::AppState;

fn status_name(cat: &Catalog, s: IncidentStatus) -> String {
    cat.t(&format!("incident-status-{}", s.as_str()))
}

/// "3 h 05 min left", "overdue by 20 min", or "paused" for a clock without a due date.
pub fn time_left(cat: &Catalog, due: Option<Timestamp>, now: Timestamp, breached: bool) -> String {
    let Some(due) = due else {
        return esc(&cat.t("sla-paused"));
    };
    let minutes = now.duration_until(due).as_mins();
    let text = if minutes >= 0 && !breached {
        cat.tr("sla-left", &[("left", cat.duration(minutes).into())])
    } else {
        cat.tr(
            "sla-overdue",
            &[("late", cat.duration(minutes.abs()).into())],
        )
    };
    let class = if minutes >= 0 && !breached {
        "ok"
    } else {
        "late"
    };
    format!(
        r#"<span class="{class}">{}</span> <small>({})</small>"#,
        esc(&text),
        esc(&cat.datetime(due))
    )
}

async fn visible_users(state: &AppState, viewer: &Viewer) -> Vec<User> {
    if viewer.principal.may(Permission::ReadUsers) {
        state
            .store()
            .list_users(&viewer.principal.scope)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    }
}

fn assignee_name(cat: &Catalog, viewer: &Viewer, users: &[User], id: Option<i64>) -> String {
    match id {
        None => cat.t("assignee-none"),
        Some(id) if Some(id) == viewer.principal.user_id => {
            cat.tr("assignee-me", &[("name", viewer.name().to_owned().into())])
        }
        Some(id) => users
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| format!("#{id}"), |u| u.username.clone()),
    }
}

/// `GET /ui/incidents`.
pub async fn list(State(state): State<AppState>, viewer: Viewer, uri: Uri) -> Response {
    match list_inner(&state, &viewer, &uri).await {
        Ok(r) | Err(r) => r,
    }
}

async fn list_inner(state: &AppState, viewer: &Viewer, uri: &Uri) -> Result<Response, Response> {
    viewer
        .require(state, Permission::ReadDesk, "incidents")
        .await?;
    let cat = viewer.cat();
    let q = query(uri);
    let mut filter = IncidentFilter::default();
    let status = q.get("status").unwrap_or("open");
    match status {
        "open" => filter.statuses = OPEN.to_vec(),
        "" | "any" => {}
        s => {
            filter.statuses = vec![
                s.parse::<IncidentStatus>()
                    .map_err(|e| viewer.error(StatusCode::BAD_REQUEST, &format!("status: {e}")))?,
            ];
        }
    }
    if let Some(s) = q.value("min_severity") {
        filter.min_severity =
            Some(s.parse::<Severity>().map_err(|e| {
                viewer.error(StatusCode::BAD_REQUEST, &format!("min_severity: {e}"))
            })?);
    }
    let tenant = q.value("tenant").map(str::to_owned);
    if let Some(slug) = &tenant {
        filter.tenant = Some(tenant_in_scope(state, viewer, slug).await?);
    }
    let page = state
        .store()
        .list_incidents(
            &viewer.principal.scope,
            &filter,
            IncidentSort::Newest,
            &Page {
                limit: 100,
                cursor: q.value("cursor").map(str::to_owned),
            },
        )
        .await
        .map_err(|e| viewer.api_error(e))?;
    let users = visible_users(state, viewer).await;
    let mut body = String::new();
    let mut status_options = vec![
        ("open".to_owned(), cat.t("filter-open")),
        ("any".to_owned(), cat.t("filter-any-status")),
    ];
    status_options.extend(
        IncidentStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), status_name(cat, *s))),
    );
    let mut sev_options = vec![(String::new(), cat.t("filter-any-severity"))];
    sev_options.extend(
        Severity::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), severity_name(cat, *s))),
    );
    let mut filters = String::new();
    if viewer.is_soc() {
        let tenants = state
            .store()
            .list_tenants(&viewer.principal.scope)
            .await
            .unwrap_or_default();
        let mut tenant_options = vec![(String::new(), cat.t("filter-all-tenants"))];
        tenant_options.extend(
            tenants
                .iter()
                .map(|t| (t.slug.to_string(), format!("{} ({})", t.name, t.slug))),
        );
        filters.push_str(&select(
            "f-tenant",
            "tenant",
            &cat.t("col-tenant"),
            &tenant_options,
            tenant.as_deref().unwrap_or_default(),
        ));
    }
    filters.push_str(&select(
        "f-status",
        "status",
        &cat.t("col-status"),
        &status_options,
        status,
    ));
    filters.push_str(&select(
        "f-sev",
        "min_severity",
        &cat.t("filter-min-severity"),
        &sev_options,
        q.get("min_severity").unwrap_or_default(),
    ));
    body.push_str(&format!(
        r#"<form class="filters" method="get" action="/ui/incidents" role="search" aria-label="{}">{filters}<button type="submit">{}</button></form>"#,
        esc(&cat.t("filters")),
        esc(&cat.t("filter-apply"))
    ));
    body.push_str(&format!(
        r#"<table class="grid" id="incident-list"><caption>{}</caption><thead><tr><th scope="col">#</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        esc(&cat.tr("incidents-count", &[("count", Arg::Num(page.incidents.len() as i64))])),
        esc(&cat.t("col-title")),
        esc(&cat.t("col-tenant")),
        esc(&cat.t("col-severity")),
        esc(&cat.t("col-status")),
        esc(&cat.t("col-tlp")),
        esc(&cat.t("col-assignee")),
        esc(&cat.t("col-created")),
    ));
    if page.incidents.is_empty() {
        body.push_str(&format!(
            r#"<tr><td colspan="8">{}</td></tr>"#,
            esc(&cat.t("incidents-none"))
        ));
    }
    for i in &page.incidents {
        body.push_str(&format!(
            r#"<tr><td>{id}</td><td><a href="/ui/incidents/{id}">{title}</a></td><td>{tenant}</td><td>{sev}</td><td>{status}</td><td><span class="tlp">{tlp}</span></td><td>{assignee}</td><td>{created}</td></tr>"#,
            id = i.id,
            title = esc(&i.title),
            tenant = esc(i.tenant_slug.as_str()),
            sev = severity_badge(cat, i.severity),
            status = esc(&status_name(cat, i.status)),
            tlp = esc(i.tlp.as_str()),
            assignee = esc(&assignee_name(cat, viewer, &users, i.assignee)),
            created = esc(&cat.datetime(i.created_at)),
        ));
    }
    body.push_str("</tbody></table>");
    if let Some(next) = &page.next_cursor {
        body.push_str(&format!(
            r#"<p><a href="/ui/incidents?status={}&amp;cursor={}">{}</a></p>"#,
            url_encode(status),
            url_encode(next),
            esc(&cat.t("next-page"))
        ));
    }
    let title = if viewer.is_soc() {
        cat.t("incidents-title")
    } else {
        cat.t("portal-incidents-title")
    };
    Ok(viewer.page("incidents", &title, &body))
}

/// `GET /ui/incidents/{id}`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    match page_inner(&state, &viewer, &id).await {
        Ok(r) | Err(r) => r,
    }
}

fn not_found(viewer: &Viewer, id: &str) -> Response {
    viewer.error(
        StatusCode::NOT_FOUND,
        &viewer
            .cat()
            .tr("error-no-incident", &[("id", id.to_owned().into())]),
    )
}

async fn load(state: &AppState, viewer: &Viewer, id: &str) -> Result<IncidentDetail, Response> {
    let Ok(number) = id.parse::<i64>() else {
        return Err(not_found(viewer, id));
    };
    viewer
        .require(state, Permission::ReadDesk, &format!("incident:{number}"))
        .await?;
    state
        .store()
        .incident_detail(&viewer.principal.scope, number, Timestamp::now())
        .await
        .map_err(|e| viewer.api_error(e))?
        .ok_or_else(|| not_found(viewer, id))
}

async fn page_inner(state: &AppState, viewer: &Viewer, id: &str) -> Result<Response, Response> {
    let detail = load(state, viewer, id).await?;
    let cat = viewer.cat();
    let i = &detail.incident;
    let now = Timestamp::now();
    let users = visible_users(state, viewer).await;
    let mut body = String::new();
    let rsit = match (&i.rsit_class, &i.rsit_type) {
        (Some(c), Some(t)) => format!("{c} / {t}"),
        (Some(c), None) => c.clone(),
        _ => cat.t("rsit-none"),
    };
    body.push_str(&format!(
        r#"<dl class="facts"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd id="incident-status">{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd><span class="tlp">{}</span></dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>"#,
        esc(&cat.t("col-tenant")),
        esc(i.tenant_slug.as_str()),
        esc(&cat.t("col-status")),
        esc(&status_name(cat, i.status)),
        esc(&cat.t("col-severity")),
        severity_badge(cat, i.severity),
        esc(&cat.t("col-tlp")),
        esc(i.tlp.as_str()),
        esc(&cat.t("col-rsit")),
        esc(&rsit),
        esc(&cat.t("col-assignee")),
        esc(&assignee_name(cat, viewer, &users, i.assignee)),
        esc(&cat.t("col-created")),
        esc(&cat.datetime(i.created_at)),
    ));
    if let Some(into) = i.merged_into {
        body.push_str(&format!(
            r#"<dt>{}</dt><dd><a href="/ui/incidents/{into}">#{into}</a></dd>"#,
            esc(&cat.t("incident-merged-into"))
        ));
    }
    body.push_str("</dl>");
    // SLA clocks.
    body.push_str(&format!(
        r#"<section aria-labelledby="sla-h"><h2 id="sla-h">{}</h2>"#,
        esc(&cat.t("incident-sla"))
    ));
    if detail.sla.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(&cat.t("incident-sla-none"))));
    } else {
        body.push_str(&format!(
            r#"<table class="grid"><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
            esc(&cat.t("col-sla-clock")),
            esc(&cat.t("col-target")),
            esc(&cat.t("col-used")),
            esc(&cat.t("col-time-left")),
        ));
        for c in &detail.sla {
            let state_text = if c.met {
                format!(
                    r#"<span class="ok">{}</span>"#,
                    esc(&cat.t(if c.breached {
                        "sla-met-late"
                    } else {
                        "sla-met"
                    }))
                )
            } else {
                let mut t = time_left(cat, c.due_at, now, c.breached);
                if c.at_risk && !c.breached {
                    t.push_str(&format!(
                        r#" <strong class="risk">{}</strong>"#,
                        esc(&cat.t("sla-at-risk"))
                    ));
                }
                t
            };
            body.push_str(&format!(
                r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                esc(&cat.t(&format!("sla-kind-{}", c.kind))),
                esc(&cat.duration(i64::from(c.target_minutes))),
                esc(&cat.duration(c.used_minutes)),
                state_text
            ));
        }
        body.push_str("</tbody></table>");
    }
    body.push_str("</section>");
    // NIS2 clocks, when a case is open (awareness set): for the SOC and, on its own
    // incidents, for the client.
    if let Ok(Some(case)) = state.store().nis2_case(&viewer.principal.scope, i.id).await
        && case.data.aware_at.is_some()
    {
        body.push_str(&format!(
            r#"<section aria-labelledby="nis2-h"><h2 id="nis2-h">{}</h2><table class="grid"><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
            esc(&cat.t("incident-nis2")),
            esc(&cat.t("col-nis2-stage")),
            esc(&cat.t("col-nis2-state")),
            esc(&cat.t("col-time-left")),
        ));
        for due in case.dues(now) {
            let state_key = format!(
                "nis2-due-{}",
                serde_json::to_value(due.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            );
            let left = if due.submitted_at.is_some() {
                String::new()
            } else {
                time_left(cat, due.due_at, now, false)
            };
            body.push_str(&format!(
                r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>"#,
                esc(&cat.t(&format!("nis2-stage-{}", due.stage.as_str()))),
                esc(&if cat.has(&state_key) {
                    cat.t(&state_key)
                } else {
                    cat.t("nis2-due-other")
                }),
                left
            ));
        }
        body.push_str("</tbody></table>");
        let sent = &case.data.reminders_sent;
        if let Some(last) = sent.last() {
            body.push_str(&format!(
                "<p>{}</p>",
                esc(&cat.tr(
                    "nis2-reminders",
                    &[
                        ("count", Arg::Num(sent.len() as i64)),
                        (
                            "stage",
                            Arg::Str(cat.t(&format!("nis2-stage-{}", last.stage.as_str()))),
                        ),
                        ("time", Arg::Str(cat.datetime(last.at))),
                    ]
                ))
            ));
        }
        body.push_str("</section>");
    }
    // Change form (SOC).
    if viewer.principal.may(Permission::WorkIncidents) && viewer.is_soc() {
        body.push_str(&change_form(cat, viewer, &detail, &users));
    }
    // Alerts and observables (SOC).
    if viewer.is_soc() {
        body.push_str(&format!(
            r#"<section aria-labelledby="alerts-h"><h2 id="alerts-h">{}</h2><ul>"#,
            esc(&cat.tr("alerts-count", &[("count", Arg::Num(detail.alert_count))]))
        ));
        for a in &detail.alerts {
            body.push_str(&format!(
                r#"<li><a href="/ui/alerts/{}">{}</a> {} · {}</li>"#,
                url_encode(&a.id),
                esc(&a.rule_title),
                severity_badge(cat, a.severity),
                esc(&cat.datetime(a.created_at))
            ));
        }
        body.push_str("</ul>");
        if !detail.observables.is_empty() {
            body.push_str(&format!(
                r#"<h3>{}</h3><ul class="observables">"#,
                esc(&cat.t("incident-observables"))
            ));
            for o in &detail.observables {
                body.push_str(&format!(
                    "<li><span class=\"kind\">{}</span> <code>{}</code></li>",
                    esc(&o.kind),
                    esc(&o.value)
                ));
            }
            body.push_str("</ul>");
        }
        body.push_str("</section>");
    }
    // Tasks.
    if !detail.tasks.is_empty() {
        body.push_str(&format!(
            r#"<section aria-labelledby="tasks-h"><h2 id="tasks-h">{}</h2><ul>"#,
            esc(&cat.t("incident-tasks"))
        ));
        for t in &detail.tasks {
            body.push_str(&format!(
                "<li>{} {}</li>",
                if t.done { "☑" } else { "☐" },
                esc(&t.title)
            ));
        }
        body.push_str("</ul></section>");
    }
    // Comments.
    body.push_str(&format!(
        r#"<section aria-labelledby="comments-h"><h2 id="comments-h">{}</h2><ol class="comments">"#,
        esc(&cat.t("incident-comments"))
    ));
    for c in &detail.comments {
        body.push_str(&format!(
            r#"<li><p class="meta">{} · {}</p><p class="body">{}</p></li>"#,
            esc(c.author.strip_prefix("user:").unwrap_or(&c.author)),
            esc(&cat.datetime(c.created_at)),
            esc(&c.body)
        ));
    }
    body.push_str("</ol>");
    if viewer.principal.may(Permission::Comment) {
        body.push_str(&format!(
            r#"<form method="post" action="/ui/incidents/{id}/comment">{csrf}<p><label for="comment">{label}</label><textarea id="comment" name="body" rows="3" required></textarea></p><p><button type="submit">{send}</button></p></form>"#,
            id = i.id,
            csrf = viewer.csrf_field(),
            label = esc(&cat.t(if viewer.is_soc() { "comment-label" } else { "portal-answer-label" })),
            send = esc(&cat.t("comment-submit")),
        ));
    }
    body.push_str("</section>");
    // Timeline.
    body.push_str(&format!(
        r#"<section aria-labelledby="timeline-h"><h2 id="timeline-h">{}</h2><ol class="timeline">"#,
        esc(&cat.t("incident-timeline"))
    ));
    for e in &detail.timeline {
        let key = format!("timeline-{}", e.kind);
        let what = if cat.has(&key) {
            cat.t(&key)
        } else {
            cat.tr("timeline-other", &[("kind", e.kind.clone().into())])
        };
        let detail_text = match &e.detail {
            serde_json::Value::Object(m) if m.is_empty() => String::new(),
            serde_json::Value::Null => String::new(),
            other => format!(" <code>{}</code>", esc(&other.to_string())),
        };
        body.push_str(&format!(
            r#"<li><time datetime="{}">{}</time> · {} · {}{}</li>"#,
            e.at,
            esc(&cat.datetime(e.at)),
            esc(e.actor.strip_prefix("user:").unwrap_or(&e.actor)),
            esc(&what),
            detail_text
        ));
    }
    body.push_str("</ol></section>");
    Ok(viewer.page(
        "incidents",
        &cat.tr(
            "incident-title",
            &[("id", Arg::Num(i.id)), ("title", i.title.clone().into())],
        ),
        &body,
    ))
}

fn change_form(cat: &Catalog, viewer: &Viewer, detail: &IncidentDetail, users: &[User]) -> String {
    let i = &detail.incident;
    let mut statuses = vec![(String::new(), cat.t("unchanged"))];
    statuses.extend(
        IncidentStatus::ALL
            .iter()
            .filter(|s| i.status.may_become(**s))
            .map(|s| (s.as_str().to_owned(), status_name(cat, *s))),
    );
    let severities: Vec<(String, String)> = Severity::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), severity_name(cat, *s)))
        .collect();
    let tlps: Vec<(String, String)> = Tlp::ALL
        .iter()
        .map(|t| (t.as_str().to_owned(), t.as_str().to_owned()))
        .collect();
    let mut rsit = vec![(String::new(), cat.t("rsit-none"))];
    for (class, types) in RSIT {
        for t in *types {
            rsit.push((format!("{class}/{t}"), format!("{class} / {t}")));
        }
    }
    let current_rsit = match (&i.rsit_class, &i.rsit_type) {
        (Some(c), Some(t)) => format!("{c}/{t}"),
        _ => String::new(),
    };
    let mut assignees = vec![
        (String::new(), cat.t("unchanged")),
        ("0".to_owned(), cat.t("assignee-none")),
    ];
    if let Some(me) = viewer.principal.user_id {
        assignees.push((
            me.to_string(),
            cat.tr("assignee-me", &[("name", viewer.name().to_owned().into())]),
        ));
    }
    for u in users.iter().filter(|u| {
        !u.disabled
            && !u.role.is_tenant_role()
            && Some(u.id) != viewer.principal.user_id
            && (u.role == Role::PlatformAdmin || u.tenants.contains(&i.tenant))
    }) {
        assignees.push((u.id.to_string(), u.username.clone()));
    }
    format!(
        r#"<section aria-labelledby="change-h"><h2 id="change-h">{title}</h2><form method="post" action="/ui/incidents/{id}/update" class="change">{csrf}<p>{status}</p><p>{assignee}</p><p>{severity}</p><p>{rsit}</p><p>{tlp}</p><p><button type="submit">{save}</button></p></form></section>"#,
        title = esc(&cat.t("incident-change")),
        id = i.id,
        csrf = viewer.csrf_field(),
        status = select("c-status", "status", &cat.t("col-status"), &statuses, ""),
        assignee = select(
            "c-assignee",
            "assignee",
            &cat.t("col-assignee"),
            &assignees,
            ""
        ),
        severity = select(
            "c-severity",
            "severity",
            &cat.t("col-severity"),
            &severities,
            i.severity.as_str()
        ),
        rsit = select("c-rsit", "rsit", &cat.t("col-rsit"), &rsit, &current_rsit),
        tlp = select("c-tlp", "tlp", &cat.t("col-tlp"), &tlps, i.tlp.as_str()),
        save = esc(&cat.t("save")),
    )
}

/// `POST /ui/incidents/{id}/comment`.
pub async fn comment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let form = match viewer.checked_form(&state, &body).await {
        Ok(form) => form,
        Err(r) => return r,
    };
    let Ok(number) = id.parse::<i64>() else {
        return not_found(&viewer, &id);
    };
    if let Err(r) = viewer
        .require(&state, Permission::Comment, &format!("incident:{number}"))
        .await
    {
        return r;
    }
    let text = form.get("body").unwrap_or_default();
    match state
        .store()
        .add_comment(
            &viewer.principal.actor,
            &viewer.principal.scope,
            number,
            text,
        )
        .await
    {
        Ok(Some(_)) => Redirect::to(&format!("/ui/incidents/{number}#comments-h")).into_response(),
        Ok(None) => not_found(&viewer, &id),
        Err(e) => viewer.api_error(e),
    }
}

/// `POST /ui/incidents/{id}/update`: status, assignee, severity, RSIT, TLP.
pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let form = match viewer.checked_form(&state, &body).await {
        Ok(form) => form,
        Err(r) => return r,
    };
    let Ok(number) = id.parse::<i64>() else {
        return not_found(&viewer, &id);
    };
    if let Err(r) = viewer.require_soc() {
        return r;
    }
    if let Err(r) = viewer
        .require(
            &state,
            Permission::WorkIncidents,
            &format!("incident:{number}"),
        )
        .await
    {
        return r;
    }
    let bad = |field: &str, value: &str| {
        viewer.error(
            StatusCode::BAD_REQUEST,
            &viewer.cat().tr(
                "error-bad-field",
                &[
                    ("field", field.to_owned().into()),
                    ("value", value.to_owned().into()),
                ],
            ),
        )
    };
    let mut patch = IncidentPatch::default();
    if let Some(s) = form.value("status") {
        patch.status = Some(match s.parse() {
            Ok(s) => s,
            Err(_) => return bad("status", s),
        });
    }
    if let Some(s) = form.value("assignee") {
        patch.assignee = Some(match s.parse() {
            Ok(n) => n,
            Err(_) => return bad("assignee", s),
        });
    }
    if let Some(s) = form.value("severity") {
        patch.severity = Some(match s.parse() {
            Ok(s) => s,
            Err(_) => return bad("severity", s),
        });
    }
    if let Some(s) = form.value("tlp") {
        patch.tlp = Some(match s.parse() {
            Ok(t) => t,
            Err(_) => return bad("tlp", s),
        });
    }
    if let Some(s) = form.value("rsit") {
        let Some((class, kind)) = s.split_once('/') else {
            return bad("rsit", s);
        };
        patch.rsit_class = Some(class.to_owned());
        patch.rsit_type = Some(kind.to_owned());
    }
    // Only send what changed, so the timeline shows real changes.
    if let Ok(Some(current)) = state
        .store()
        .incident_detail(&viewer.principal.scope, number, Timestamp::now())
        .await
    {
        let c = &current.incident;
        if patch.severity == Some(c.severity) {
            patch.severity = None;
        }
        if patch.tlp == Some(c.tlp) {
            patch.tlp = None;
        }
        if patch.rsit_class == c.rsit_class && patch.rsit_type == c.rsit_type {
            patch.rsit_class = None;
            patch.rsit_type = None;
        }
    }
    match state
        .store()
        .update_incident(
            &viewer.principal.actor,
            &viewer.principal.scope,
            number,
            &patch,
        )
        .await
    {
        Ok(Some(_)) => Redirect::to(&format!("/ui/incidents/{number}")).into_response(),
        Ok(None) => not_found(&viewer, &id),
        Err(e) => viewer.api_error(e),
    }
}

/// The periods the SLA page offers, in days; the first is the default.
const SLA_PERIODS: [i64; 4] = [30, 7, 90, 365];

/// `GET /ui/sla?days=N`: MTTA/MTTR and breaches per tenant and severity over the last 30
/// days (or 7, 90, 365), for the viewer's tenants (a client contact sees its own figures).
pub async fn sla(State(state): State<AppState>, viewer: Viewer, uri: Uri) -> Response {
    if let Err(r) = viewer.require(&state, Permission::ReadDesk, "sla").await {
        return r;
    }
    let cat = viewer.cat();
    let q = query(&uri);
    let days = match q.value("days") {
        None => SLA_PERIODS[0],
        Some(text) => match text.parse::<i64>().ok().filter(|d| SLA_PERIODS.contains(d)) {
            Some(d) => d,
            None => {
                return viewer.error(
                    StatusCode::BAD_REQUEST,
                    &cat.tr(
                        "error-bad-field",
                        &[
                            ("value", text.to_owned().into()),
                            ("field", cat.t("sla-period").into()),
                        ],
                    ),
                );
            }
        },
    };
    let since = Timestamp::now()
        .checked_sub(SignedDuration::from_hours(24 * days))
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let rows = match state
        .store()
        .sla_summary(&viewer.principal.scope, since)
        .await
    {
        Ok(rows) => rows,
        Err(e) => return viewer.api_error(e),
    };
    let tenants = state
        .store()
        .list_tenants(&viewer.principal.scope)
        .await
        .unwrap_or_default();
    let slug = |id| {
        tenants
            .iter()
            .find(|t| t.id == id)
            .map_or_else(|| format!("#{}", id.0), |t| t.slug.to_string())
    };
    let periods: Vec<(String, String)> = SLA_PERIODS
        .iter()
        .map(|d| (d.to_string(), cat.tr("span-days", &[("n", (*d).into())])))
        .collect();
    let mut body = format!(
        r#"<form class="filters" method="get" action="/ui/sla">{}<button type="submit">{}</button></form><p>{}</p>"#,
        select(
            "sla-days",
            "days",
            &cat.t("sla-period"),
            &periods,
            &days.to_string()
        ),
        esc(&cat.t("filter-apply")),
        esc(&cat.tr("sla-since", &[("since", cat.datetime(since).into())]))
    );
    if rows.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(&cat.t("sla-no-figures"))));
    } else {
        body.push_str(&format!(
            r#"<table class="grid"><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
            esc(&cat.t("col-tenant")),
            esc(&cat.t("col-severity")),
            esc(&cat.t("col-rsit")),
            esc(&cat.t("col-incidents")),
            esc(&cat.t("col-mtta")),
            esc(&cat.t("col-mttr")),
            esc(&cat.t("col-ack-breaches")),
            esc(&cat.t("col-resolve-breaches")),
        ));
        let minutes = |s: Option<f64>| {
            s.map_or_else(
                || "–".to_owned(),
                |s| cat.duration((s / 60.0).round() as i64),
            )
        };
        for r in &rows {
            body.push_str(&format!(
                r#"<tr><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
                esc(&slug(r.tenant)),
                severity_badge(cat, r.severity),
                esc(&r.category.clone().unwrap_or_else(|| cat.t("rsit-none"))),
                cat.number(r.incidents),
                esc(&minutes(r.mtta_seconds)),
                esc(&minutes(r.mttr_seconds)),
                cat.number(r.acknowledge_breaches),
                cat.number(r.resolve_breaches),
            ));
        }
        body.push_str("</tbody></table>");
    }
    viewer.page("sla", &cat.t("sla-title"), &body)
}
