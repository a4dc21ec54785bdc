//! The analyst console: dashboard, alert queue (filters, bulk acknowledge, refresh from a
//! JSON endpoint polled by `static/vigie.js`) and the alert page (event fields, rule, why it
//! matched, triage actions).
//!
//! Every read goes through the viewer's scope; a tenant filter names a tenant of that scope
//! or answers 404. Client contacts do not see the console (404): their home is the portal.

use std::collections::BTreeMap;

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use vigie_event::{Event, Severity, TenantId};
use vigie_soc::desk::{AlertAction, AlertStatus, IncidentStatus};
use vigie_soc::{Alert, AlertFilter, Page, Permission};

use super::chart::{Series, TimeChart};
use super::html::{esc, select, url_encode};
use super::i18n::{Arg, Catalog};
use super::{Form, RuleBook, Viewer, query, safe_back};
use crate::AppState;

/// Open incident statuses (what the dashboard counts).
pub const OPEN: [IncidentStatus; 4] = [
    IncidentStatus::New,
    IncidentStatus::Acknowledged,
    IncidentStatus::InProgress,
    IncidentStatus::OnHold,
];

/// Severity name in the viewer's language.
pub fn severity_name(cat: &Catalog, s: Severity) -> String {
    cat.t(&format!("severity-{}", s.as_str()))
}

/// A severity badge.
pub fn severity_badge(cat: &Catalog, s: Severity) -> String {
    format!(
        r#"<span class="sev sev-{}">{}</span>"#,
        s.as_str(),
        esc(&severity_name(cat, s))
    )
}

fn alert_status_name(cat: &Catalog, s: AlertStatus) -> String {
    cat.t(&format!("alert-status-{}", s.as_str()))
}

/// `GET /ui/`: the dashboard for the SOC, the incident list for client contacts.
pub async fn home(State(state): State<AppState>, viewer: Viewer) -> Response {
    if !viewer.is_soc() {
        return Redirect::to("/ui/incidents").into_response();
    }
    match dashboard(&state, &viewer).await {
        Ok(r) | Err(r) => r,
    }
}

/// How many of the most severe open incidents the dashboard checks for SLA clocks at risk.
const RISK_CANDIDATES: u32 = 100;

async fn dashboard(state: &AppState, viewer: &Viewer) -> Result<Response, Response> {
    viewer
        .require(state, Permission::ReadDesk, "dashboard")
        .await?;
    let cat = viewer.cat();
    let scope = &viewer.principal.scope;
    let store = state.store();
    // Open incidents per tenant and severity, counted in the store.
    let tenants = store
        .list_tenants(scope)
        .await
        .map_err(|e| viewer.api_error(e))?;
    let mut counts: BTreeMap<String, [i64; 5]> = BTreeMap::new();
    let mut seen = 0i64;
    for c in store
        .open_incident_counts(scope)
        .await
        .map_err(|e| viewer.api_error(e))?
    {
        let slug = tenants
            .iter()
            .find(|t| t.id == c.tenant)
            .map_or_else(|| format!("#{}", c.tenant.0), |t| t.slug.to_string());
        counts.entry(slug).or_default()[usize::from(c.severity.rank())] += c.incidents;
        seen += c.incidents;
    }
    let mut body = String::new();
    body.push_str(&format!(
        r#"<section aria-labelledby="open-h"><h2 id="open-h">{}</h2>"#,
        esc(&cat.t("dashboard-open-incidents"))
    ));
    if counts.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(&cat.t("dashboard-none-open"))));
    } else {
        body.push_str(&format!(
            r#"<table class="grid"><caption>{}</caption><thead><tr><th scope="col">{}</th>"#,
            esc(&cat.tr("incidents-count", &[("count", Arg::Num(seen))])),
            esc(&cat.t("col-tenant"))
        ));
        for s in Severity::ALL.iter().rev() {
            body.push_str(&format!(
                r#"<th scope="col">{}</th>"#,
                severity_badge(cat, *s)
            ));
        }
        body.push_str("</tr></thead><tbody>");
        for (tenant, row) in &counts {
            body.push_str(&format!(
                r#"<tr><th scope="row"><a href="/ui/incidents?tenant={}">{}</a></th>"#,
                url_encode(tenant),
                esc(tenant)
            ));
            for s in Severity::ALL.iter().rev() {
                body.push_str(&format!(
                    r#"<td class="num">{}</td>"#,
                    cat.number(row[usize::from(s.rank())])
                ));
            }
            body.push_str("</tr>");
        }
        body.push_str("</tbody></table>");
    }
    body.push_str("</section>");
    body.push_str(&alerts_per_hour(state, viewer).await?);
    // SLA at risk: the most severe open incidents' clocks.
    let now = Timestamp::now();
    let worst = store
        .most_severe_open(scope, RISK_CANDIDATES)
        .await
        .map_err(|e| viewer.api_error(e))?;
    let mut risky = String::new();
    for id in worst {
        let Some(detail) = store
            .incident_detail(scope, id, now)
            .await
            .map_err(|e| viewer.api_error(e))?
        else {
            continue;
        };
        let incident = &detail.incident;
        for clock in detail
            .sla
            .iter()
            .filter(|c| !c.met && (c.at_risk || c.breached))
        {
            risky.push_str(&format!(
                r#"<tr><td><a href="/ui/incidents/{id}">#{id}</a> {title}</td><td>{tenant}</td><td>{sev}</td><td>{kind}</td><td>{left}</td></tr>"#,
                id = incident.id,
                title = esc(&incident.title),
                tenant = esc(incident.tenant_slug.as_str()),
                sev = severity_badge(cat, incident.severity),
                kind = esc(&cat.t(&format!("sla-kind-{}", clock.kind))),
                left = super::incidents::time_left(cat, clock.due_at, now, clock.breached),
            ));
        }
    }
    body.push_str(&format!(
        r#"<section aria-labelledby="risk-h"><h2 id="risk-h">{}</h2>"#,
        esc(&cat.t("dashboard-sla-at-risk"))
    ));
    if risky.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(&cat.t("dashboard-sla-none"))));
    } else {
        body.push_str(&format!(
            r#"<table class="grid"><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>{risky}</tbody></table>"#,
            esc(&cat.t("col-incident")),
            esc(&cat.t("col-tenant")),
            esc(&cat.t("col-severity")),
            esc(&cat.t("col-sla-clock")),
            esc(&cat.t("col-time-left")),
        ));
    }
    body.push_str("</section>");
    Ok(viewer.page("dashboard", &cat.t("dashboard-title"), &body))
}

/// The dashboard's chart: alerts created per hour over the last 24 hours, in the scope.
async fn alerts_per_hour(state: &AppState, viewer: &Viewer) -> Result<String, Response> {
    let cat = viewer.cat();
    let now = Timestamp::now();
    let since = now - jiff::SignedDuration::from_hours(23);
    let hours = state
        .store()
        .alerts_per_hour(&viewer.principal.scope, since)
        .await
        .map_err(|e| viewer.api_error(e))?;
    let total: i64 = hours.iter().map(|h| h.alerts).sum();
    let title = cat.t("dashboard-alerts-per-hour");
    let desc = cat.tr(
        "dashboard-alerts-per-hour-desc",
        &[("count", Arg::Num(total))],
    );
    let chart = TimeChart {
        id: "alerts-hour",
        title: &title,
        desc: &desc,
        span_seconds: 3600,
        from: Some(since),
        to: Some(now),
        series: vec![Series {
            name: String::new(),
            points: hours.iter().map(|h| (h.hour, h.alerts as f64)).collect(),
        }],
    };
    Ok(format!(
        r#"<section aria-labelledby="hour-h"><h2 id="hour-h">{}</h2><p>{}</p>{}</section>"#,
        esc(&title),
        esc(&desc),
        chart.render(cat)
    ))
}

/// The alert queue's filters, read from the query string.
struct QueueQuery {
    tenant: Option<String>,
    min_severity: Option<Severity>,
    status: Option<AlertStatus>,
    rule: Option<String>,
    cursor: Option<String>,
}

impl QueueQuery {
    fn read(q: &Form) -> Result<QueueQuery, String> {
        let min_severity = q
            .value("min_severity")
            .map(|s| {
                s.parse::<Severity>()
                    .map_err(|e| format!("min_severity: {e}"))
            })
            .transpose()?;
        let status = match q.get("status") {
            // The queue shows new alerts unless told otherwise; `any` shows every status.
            None => Some(AlertStatus::New),
            Some("" | "any") => None,
            Some(s) => Some(
                s.parse::<AlertStatus>()
                    .map_err(|e| format!("status: {e}"))?,
            ),
        };
        Ok(QueueQuery {
            tenant: q.value("tenant").map(str::to_owned),
            min_severity,
            status,
            rule: q.value("rule").map(str::to_owned),
            cursor: q.value("cursor").map(str::to_owned),
        })
    }

    fn query_string(&self) -> String {
        let mut parts = vec![format!(
            "status={}",
            self.status.map_or("any", AlertStatus::as_str)
        )];
        if let Some(t) = &self.tenant {
            parts.push(format!("tenant={}", url_encode(t)));
        }
        if let Some(s) = self.min_severity {
            parts.push(format!("min_severity={}", s.as_str()));
        }
        if let Some(r) = &self.rule {
            parts.push(format!("rule={}", url_encode(r)));
        }
        parts.join("&")
    }
}

/// Resolves a tenant slug inside the viewer's scope; 404 outside it.
pub async fn tenant_in_scope(
    state: &AppState,
    viewer: &Viewer,
    slug: &str,
) -> Result<TenantId, Response> {
    let tenants = state
        .store()
        .list_tenants(&viewer.principal.scope)
        .await
        .map_err(|e| viewer.api_error(e))?;
    tenants
        .iter()
        .find(|t| t.slug.as_str() == slug)
        .map(|t| t.id)
        .ok_or_else(|| {
            viewer.error(
                StatusCode::NOT_FOUND,
                &viewer
                    .cat()
                    .tr("error-no-tenant", &[("tenant", slug.into())]),
            )
        })
}

async fn load_queue(
    state: &AppState,
    viewer: &Viewer,
    q: &QueueQuery,
) -> Result<vigie_soc::AlertPage, Response> {
    viewer.require_soc()?;
    viewer
        .require(state, Permission::ReadDesk, "alerts")
        .await?;
    let mut filter = AlertFilter {
        min_severity: q.min_severity,
        rule_id: q.rule.clone(),
        ..AlertFilter::default()
    };
    if let Some(status) = q.status {
        filter.statuses = vec![status];
    }
    if let Some(slug) = &q.tenant {
        filter.tenant = Some(tenant_in_scope(state, viewer, slug).await?);
    }
    state
        .store()
        .list_alerts(
            &viewer.principal.scope,
            &filter,
            &Page {
                limit: 100,
                cursor: q.cursor.clone(),
            },
        )
        .await
        .map_err(|e| viewer.api_error(e))
}

/// The rows of the queue table.
fn alert_rows(cat: &Catalog, alerts: &[Alert]) -> String {
    let mut out = String::new();
    if alerts.is_empty() {
        out.push_str(&format!(
            r#"<tr><td colspan="7">{}</td></tr>"#,
            esc(&cat.t("alerts-none"))
        ));
    }
    for a in alerts {
        out.push_str(&format!(
            r#"<tr><td><input type="checkbox" name="ids" value="{id}" id="sel-{id}" aria-label="{select}"></td><td>{time}</td><td>{tenant}</td><td>{sev}</td><td><a href="/ui/alerts/{id}">{title}</a></td><td class="num">{count}</td><td>{status}</td></tr>"#,
            id = esc(&a.id),
            select = esc(&cat.tr("alerts-select", &[("title", a.rule_title.clone().into())])),
            time = esc(&cat.datetime(a.created_at)),
            tenant = esc(a.tenant_slug.as_str()),
            sev = severity_badge(cat, a.severity),
            title = esc(&a.rule_title),
            count = cat.number(a.count),
            status = esc(&alert_status_name(cat, a.status)),
        ));
    }
    out
}

/// `GET /ui/alerts`: the queue.
pub async fn queue(State(state): State<AppState>, viewer: Viewer, uri: Uri) -> Response {
    let cat = viewer.cat();
    let q = match QueueQuery::read(&query(&uri)) {
        Ok(q) => q,
        Err(message) => return viewer.error(StatusCode::BAD_REQUEST, &message),
    };
    let page = match load_queue(&state, &viewer, &q).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let tenants = state
        .store()
        .list_tenants(&viewer.principal.scope)
        .await
        .unwrap_or_default();
    let mut body = String::new();
    // Filters (GET form).
    let mut tenant_options = vec![(String::new(), cat.t("filter-all-tenants"))];
    tenant_options.extend(
        tenants
            .iter()
            .map(|t| (t.slug.to_string(), format!("{} ({})", t.name, t.slug))),
    );
    let mut sev_options = vec![(String::new(), cat.t("filter-any-severity"))];
    sev_options.extend(
        Severity::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), severity_name(cat, *s))),
    );
    let mut status_options = vec![("any".to_owned(), cat.t("filter-any-status"))];
    status_options.extend(
        AlertStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), alert_status_name(cat, *s))),
    );
    body.push_str(&format!(
        r#"<form class="filters" method="get" action="/ui/alerts" role="search" aria-label="{label}">{tenant}{sev}{status}<label for="f-rule">{rule}</label><input id="f-rule" name="rule" value="{rule_v}"><button type="submit">{apply}</button></form>"#,
        label = esc(&cat.t("filters")),
        tenant = select("f-tenant", "tenant", &cat.t("col-tenant"), &tenant_options, q.tenant.as_deref().unwrap_or_default()),
        sev = select("f-sev", "min_severity", &cat.t("filter-min-severity"), &sev_options, q.min_severity.map_or("", Severity::as_str)),
        status = select("f-status", "status", &cat.t("col-status"), &status_options, q.status.map_or("any", AlertStatus::as_str)),
        rule = esc(&cat.t("filter-rule")),
        rule_v = esc(q.rule.as_deref().unwrap_or_default()),
        apply = esc(&cat.t("filter-apply")),
    ));
    let qs = q.query_string();
    match saved_views(&state, &viewer, &qs).await {
        Ok(views) => body.push_str(&views),
        Err(r) => return r,
    }
    body.push_str(&format!(
        r#"<form method="post" action="/ui/alerts/bulk">{csrf}<input type="hidden" name="back" value="{back}">
<p class="toolbar"><button type="submit" name="action" value="acknowledge">{ack}</button> <span id="queue-count" aria-live="polite">{count}</span></p>
<table class="grid queue"><thead><tr><th scope="col"><span class="sr">{sel}</span></th><th scope="col">{c_time}</th><th scope="col">{c_tenant}</th><th scope="col">{c_sev}</th><th scope="col">{c_rule}</th><th scope="col">{c_count}</th><th scope="col">{c_status}</th></tr></thead>
<tbody id="queue-rows" data-poll="/ui/alerts/rows?{qs}">{rows}</tbody></table></form>"#,
        csrf = viewer.csrf_field(),
        back = esc(&viewer.here),
        ack = esc(&cat.t("alerts-acknowledge-selected")),
        count = esc(&cat.tr("alerts-count", &[("count", Arg::Num(page.alerts.len() as i64))])),
        sel = esc(&cat.t("col-select")),
        c_time = esc(&cat.t("col-time")),
        c_tenant = esc(&cat.t("col-tenant")),
        c_sev = esc(&cat.t("col-severity")),
        c_rule = esc(&cat.t("col-rule")),
        c_count = esc(&cat.t("col-count")),
        c_status = esc(&cat.t("col-status")),
        qs = esc(&qs),
        rows = alert_rows(cat, &page.alerts),
    ));
    if let Some(next) = &page.next_cursor {
        body.push_str(&format!(
            r#"<p><a href="/ui/alerts?{}&amp;cursor={}">{}</a></p>"#,
            esc(&qs),
            url_encode(next),
            esc(&cat.t("next-page"))
        ));
    }
    viewer.page("alerts", &cat.t("alerts-title"), &body)
}

/// The viewer's saved views (links, each with a delete button) and the form that saves the
/// current filters as a view.
async fn saved_views(state: &AppState, viewer: &Viewer, qs: &str) -> Result<String, Response> {
    let Some(user) = viewer.principal.user_id else {
        return Ok(String::new());
    };
    let cat = viewer.cat();
    let views = state
        .store()
        .saved_views(user)
        .await
        .map_err(|e| viewer.api_error(e))?;
    let mut out = format!(
        r#"<section class="views" aria-labelledby="views-h"><h2 id="views-h">{}</h2>"#,
        esc(&cat.t("views-title"))
    );
    if views.is_empty() {
        out.push_str(&format!("<p>{}</p>", esc(&cat.t("views-none"))));
    } else {
        out.push_str(r#"<ul class="views">"#);
        for v in &views {
            let current = if v.query == qs {
                r#" aria-current="true""#
            } else {
                ""
            };
            out.push_str(&format!(
                r#"<li><a href="/ui/alerts?{query}"{current}>{name}</a> <form method="post" action="/ui/alerts/views/{id}/delete" class="inline">{csrf}<button type="submit" class="quiet" aria-label="{label}">{delete}</button></form></li>"#,
                query = esc(&v.query),
                name = esc(&v.name),
                id = v.id,
                csrf = viewer.csrf_field(),
                label = esc(&cat.tr("views-delete-named", &[("name", v.name.clone().into())])),
                delete = esc(&cat.t("views-delete")),
            ));
        }
        out.push_str("</ul>");
    }
    out.push_str(&format!(
        r#"<form method="post" action="/ui/alerts/views" class="inline">{csrf}<input type="hidden" name="query" value="{qs}"><label for="view-name">{label}</label><input id="view-name" name="name" required maxlength="{max}"><button type="submit">{save}</button></form></section>"#,
        csrf = viewer.csrf_field(),
        qs = esc(qs),
        label = esc(&cat.t("views-name")),
        max = vigie_soc::prefs::VIEW_NAME_MAX,
        save = esc(&cat.t("views-save")),
    ));
    Ok(out)
}

/// `POST /ui/alerts/views`: saves the filters in `query` as the viewer's view `name`.
pub async fn save_view(State(state): State<AppState>, viewer: Viewer, body: Bytes) -> Response {
    let form = match viewer.checked_form(&state, &body).await {
        Ok(form) => form,
        Err(r) => return r,
    };
    if let Err(r) = viewer.require_soc() {
        return r;
    }
    if let Err(r) = viewer.require(&state, Permission::ReadDesk, "views").await {
        return r;
    }
    let Some(user) = viewer.principal.user_id else {
        return viewer.error(StatusCode::NOT_FOUND, &viewer.cat().t("error-not-found"));
    };
    let raw = form.get("query").unwrap_or_default();
    // Only filters the queue understands are kept, in their normal form.
    let q = match QueueQuery::read(&Form::parse(raw)) {
        Ok(q) => q,
        Err(message) => return viewer.error(StatusCode::BAD_REQUEST, &message),
    };
    let query = q.query_string();
    match state
        .store()
        .save_view(user, form.get("name").unwrap_or_default(), &query)
        .await
    {
        Ok(_) => Redirect::to(&format!("/ui/alerts?{query}")).into_response(),
        Err(e) => viewer.api_error(e),
    }
}

/// `POST /ui/alerts/views/{id}/delete`: deletes one of the viewer's views (another user's
/// view is not found).
pub async fn delete_view(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    if let Err(r) = viewer.checked_form(&state, &body).await {
        return r;
    }
    let Some(user) = viewer.principal.user_id else {
        return viewer.error(StatusCode::NOT_FOUND, &viewer.cat().t("error-not-found"));
    };
    match state.store().delete_view(user, id).await {
        Ok(true) => Redirect::to("/ui/alerts").into_response(),
        Ok(false) => viewer.error(StatusCode::NOT_FOUND, &viewer.cat().t("error-not-found")),
        Err(e) => viewer.api_error(e),
    }
}

/// `GET /ui/alerts/rows`: the queue's rows as JSON (`rows`: HTML escaped on the server,
/// `count`: its text), for the refresh without reload.
pub async fn queue_rows(State(state): State<AppState>, viewer: Viewer, uri: Uri) -> Response {
    let cat = viewer.cat();
    let q = match QueueQuery::read(&query(&uri)) {
        Ok(q) => q,
        Err(message) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({"error": message})),
            )
                .into_response();
        }
    };
    match load_queue(&state, &viewer, &q).await {
        Ok(page) => Json(serde_json::json!({
            "rows": alert_rows(cat, &page.alerts),
            "count": cat.tr("alerts-count", &[("count", Arg::Num(page.alerts.len() as i64))]),
            "ids": page.alerts.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(r) => {
            let status = r.status();
            (status, Json(serde_json::json!({"error": status.as_u16()}))).into_response()
        }
    }
}

/// `POST /ui/alerts/bulk`: acknowledges the selected alerts.
pub async fn bulk(State(state): State<AppState>, viewer: Viewer, body: Bytes) -> Response {
    let form = match viewer.checked_form(&state, &body).await {
        Ok(form) => form,
        Err(r) => return r,
    };
    if let Err(r) = viewer.require_soc() {
        return r;
    }
    if let Err(r) = viewer
        .require(&state, Permission::TriageAlerts, "alerts")
        .await
    {
        return r;
    }
    if form.get("action") != Some("acknowledge") {
        return viewer.error(
            StatusCode::BAD_REQUEST,
            &viewer.cat().t("error-unknown-action"),
        );
    }
    for id in form.all("ids") {
        // An alert outside the scope is simply not found: nothing changes.
        if let Err(e) = state
            .store()
            .alert_action(
                &viewer.principal.actor,
                &viewer.principal.scope,
                id,
                &AlertAction::Acknowledge,
            )
            .await
        {
            return viewer.api_error(e);
        }
    }
    Redirect::to(safe_back(form.get("back").unwrap_or("/ui/alerts"))).into_response()
}

/// Flattens a JSON object into `(dotted path, value)` pairs.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&path, v, out);
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

/// `GET /ui/alerts/{id}`.
pub async fn alert_page(
    State(state): State<AppState>,
    viewer: Viewer,
    rules: Option<Extension<RuleBook>>,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = viewer.require_soc() {
        return r;
    }
    if let Err(r) = viewer
        .require(&state, Permission::ReadDesk, &format!("alert:{id}"))
        .await
    {
        return r;
    }
    let cat = viewer.cat();
    let alert = match state.store().get_alert(&viewer.principal.scope, &id).await {
        Ok(Some(a)) => a,
        Ok(None) => {
            return viewer.error(
                StatusCode::NOT_FOUND,
                &cat.tr("error-no-alert", &[("id", id.into())]),
            );
        }
        Err(e) => return viewer.api_error(e),
    };
    let mut body = String::new();
    body.push_str(&format!(
        r#"<dl class="facts"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>"#,
        esc(&cat.t("col-tenant")),
        esc(alert.tenant_slug.as_str()),
        esc(&cat.t("col-severity")),
        severity_badge(cat, alert.severity),
        esc(&cat.t("col-status")),
        esc(&alert_status_name(cat, alert.status)),
        esc(&cat.t("alert-first-seen")),
        esc(&cat.datetime(alert.first_seen)),
        esc(&cat.t("alert-last-seen")),
        esc(&cat.datetime(alert.last_seen)),
        esc(&cat.t("col-count")),
        cat.number(alert.count),
        esc(&cat.t("alert-event-id")),
        esc(&alert.event_id.to_string()),
    ));
    if let Some(incident) = alert.incident {
        body.push_str(&format!(
            r#"<dt>{}</dt><dd><a href="/ui/incidents/{incident}">#{incident}</a></dd>"#,
            esc(&cat.t("col-incident"))
        ));
    }
    if let Some(reason) = &alert.status_reason {
        body.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>",
            esc(&cat.t("alert-status-reason")),
            esc(reason)
        ));
    }
    body.push_str("</dl>");
    // Rule and why it matched.
    body.push_str(&format!(
        r#"<section aria-labelledby="rule-h"><h2 id="rule-h">{}</h2><p><strong>{}</strong> <code>{}</code></p>"#,
        esc(&cat.t("alert-rule")),
        esc(&alert.rule_title),
        esc(&alert.rule_id)
    ));
    body.push_str(&format!("<h3>{}</h3>", esc(&cat.t("alert-why"))));
    body.push_str(&why(cat, rules.map(|Extension(r)| r).as_ref(), &alert));
    body.push_str("</section>");
    // Triage.
    if viewer.principal.may(Permission::TriageAlerts) {
        body.push_str(&format!(
            r#"<section aria-labelledby="triage-h"><h2 id="triage-h">{title}</h2>
<form method="post" action="/ui/alerts/{id}/action" class="inline">{csrf}<button type="submit" name="action" value="acknowledge">{ack}</button></form>
<form method="post" action="/ui/alerts/{id}/action" class="inline">{csrf}<label for="esc-into">{into}</label><input id="esc-into" name="incident" inputmode="numeric" pattern="[0-9]*" size="6"><button type="submit" name="action" value="escalate" id="escalate">{escalate}</button></form>
<form method="post" action="/ui/alerts/{id}/action" class="inline">{csrf}<label for="fp-reason">{reason}</label><input id="fp-reason" name="reason" required><button type="submit" name="action" value="false_positive">{fp}</button></form></section>"#,
            title = esc(&cat.t("alert-triage")),
            id = esc(&alert.id),
            csrf = viewer.csrf_field(),
            ack = esc(&cat.t("alert-acknowledge")),
            into = esc(&cat.t("alert-escalate-into")),
            escalate = esc(&cat.t("alert-escalate")),
            reason = esc(&cat.t("alert-fp-reason")),
            fp = esc(&cat.t("alert-false-positive")),
        ));
    }
    // Event fields.
    let mut fields = Vec::new();
    flatten("", &alert.event, &mut fields);
    body.push_str(&format!(
        r#"<section aria-labelledby="fields-h"><h2 id="fields-h">{}</h2><table class="grid fields"><thead><tr><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        esc(&cat.t("alert-event-fields")),
        esc(&cat.t("col-field")),
        esc(&cat.t("col-value"))
    ));
    for (k, v) in &fields {
        body.push_str(&format!(
            "<tr><th scope=\"row\"><code>{}</code></th><td><code>{}</code></td></tr>",
            esc(k),
            esc(v)
        ));
    }
    body.push_str("</tbody></table></section>");
    viewer.page(
        "alerts",
        &cat.tr("alert-title", &[("title", alert.rule_title.clone().into())]),
        &body,
    )
}

/// The "why it matched" block: the rule's searches on this event, when the rule set is known.
fn why(cat: &Catalog, rules: Option<&RuleBook>, alert: &Alert) -> String {
    let Some(RuleBook(rules)) = rules else {
        return format!("<p>{}</p>", esc(&cat.t("alert-why-unavailable")));
    };
    let Some(index) = rules
        .rules()
        .iter()
        .position(|r| r.meta.id == alert.rule_id)
    else {
        return format!("<p>{}</p>", esc(&cat.t("alert-why-rule-gone")));
    };
    let event = Event {
        id: alert.event_id,
        tenant: alert.tenant,
        received_at: alert.event_received_at,
        timestamp: None,
        source: "alert".to_owned(),
        dataset: None,
        fields: alert.event.as_object().cloned().unwrap_or_default(),
    };
    let Some(explanation) = rules.explain(index, &event) else {
        return format!("<p>{}</p>", esc(&cat.t("alert-why-rule-gone")));
    };
    let mut out = format!(
        "<p>{}</p><ul class=\"why\">",
        esc(&cat.tr(
            "alert-why-route",
            &[
                (
                    "route",
                    explanation
                        .route
                        .clone()
                        .unwrap_or_else(|| "-".to_owned())
                        .into()
                ),
                ("kind", explanation.event_kind.clone().into()),
            ]
        ))
    );
    for (name, held) in &explanation.searches {
        out.push_str(&format!(
            r#"<li class="{}"><code>{}</code>: {}</li>"#,
            if *held { "held" } else { "not-held" },
            esc(name),
            esc(&cat.t(if *held {
                "alert-why-held"
            } else {
                "alert-why-not-held"
            }))
        ));
    }
    out.push_str("</ul>");
    out
}

/// `POST /ui/alerts/{id}/action`: acknowledge, escalate (to a new or given incident) or close
/// as a false positive.
pub async fn alert_action(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let form = match viewer.checked_form(&state, &body).await {
        Ok(form) => form,
        Err(r) => return r,
    };
    if let Err(r) = viewer.require_soc() {
        return r;
    }
    if let Err(r) = viewer
        .require(&state, Permission::TriageAlerts, &format!("alert:{id}"))
        .await
    {
        return r;
    }
    let cat = viewer.cat();
    let action = match form.get("action") {
        Some("acknowledge") => AlertAction::Acknowledge,
        Some("escalate") => match form.value("incident").map(str::parse::<i64>) {
            None => AlertAction::Escalate { incident: None },
            Some(Ok(n)) => AlertAction::Escalate { incident: Some(n) },
            Some(Err(_)) => {
                return viewer.error(
                    StatusCode::BAD_REQUEST,
                    &cat.tr(
                        "error-bad-incident-number",
                        &[("value", form.get("incident").unwrap_or_default().into())],
                    ),
                );
            }
        },
        Some("false_positive") => AlertAction::CloseFalsePositive {
            reason: form.get("reason").unwrap_or_default().trim().to_owned(),
        },
        _ => return viewer.error(StatusCode::BAD_REQUEST, &cat.t("error-unknown-action")),
    };
    match state
        .store()
        .alert_action(
            &viewer.principal.actor,
            &viewer.principal.scope,
            &id,
            &action,
        )
        .await
    {
        Ok(Some(alert)) => match (&action, alert.incident) {
            (AlertAction::Escalate { .. }, Some(incident)) => {
                Redirect::to(&format!("/ui/incidents/{incident}")).into_response()
            }
            _ => Redirect::to(&format!("/ui/alerts/{}", url_encode(&alert.id))).into_response(),
        },
        Ok(None) => viewer.error(
            StatusCode::NOT_FOUND,
            &cat.tr("error-no-alert", &[("id", id.into())]),
        ),
        Err(e) => viewer.api_error(e),
    }
}
