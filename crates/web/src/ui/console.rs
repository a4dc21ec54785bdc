//! The analyst console: dashboard, alert queue (filters, bulk acknowledge, refresh from a
//! JSON endpoint polled by `static/vigie.js`) and the alert page (event fields, rule, why it
//! matched, triage actions).
//!
//! Every read goes through the viewer's scope; a tenant filter names a tenant of that scope
//! or answers 404. Client contacts do not see the console (404): their home is the portal.

use std::collections::BTreeMap;

use askama::Template;
use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use vigie_access::Permission;
use vigie_event::{Event, Severity, TenantId};
use vigie_soc::desk::{AlertAction, AlertStatus, IncidentStatus};
use vigie_soc::{Alert, AlertFilter, Page};

use super::chart::{Series, TimeChart};
use super::html::{Choice, Markup, choices, filters, url_encode};
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
    // SLA at risk: the most severe open incidents' clocks.
    let now = Timestamp::now();
    let worst = store
        .most_severe_open(scope, RISK_CANDIDATES)
        .await
        .map_err(|e| viewer.api_error(e))?;
    let mut risks = Vec::new();
    for id in worst {
        let Some(detail) = store
            .incident_detail(scope, viewer.principal.audience(), id, now)
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
            risks.push(Risk {
                id: incident.id.0,
                title: incident.title.clone(),
                tenant: incident.tenant_slug.to_string(),
                severity: incident.severity,
                kind: cat.t(&format!("sla-kind-{}", clock.kind)),
                left: super::incidents::time_left(cat, clock.due_at, now, clock.breached),
            });
        }
    }
    let (chart_title, chart_desc, chart) = alerts_per_hour(state, viewer).await?;
    let page = Dashboard {
        cat,
        caption: cat.tr("incidents-count", &[("count", Arg::Num(seen))]),
        severities: Severity::ALL.iter().rev().copied().collect(),
        counts: counts
            .into_iter()
            .map(|(tenant, row)| {
                let row = Severity::ALL
                    .iter()
                    .rev()
                    .map(|s| row[usize::from(s.rank())])
                    .collect();
                (tenant, row)
            })
            .collect(),
        chart_title,
        chart_desc,
        chart,
        risks,
    };
    Ok(viewer.render("dashboard", &cat.t("dashboard-title"), &page))
}

/// An SLA clock at risk or breached, on the dashboard.
struct Risk {
    id: i64,
    title: String,
    tenant: String,
    severity: Severity,
    kind: String,
    left: Markup,
}

/// The dashboard (`templates/dashboard.html`).
#[derive(Template)]
#[template(path = "dashboard.html", config = "templates/askama.toml")]
struct Dashboard<'a> {
    cat: &'a Catalog,
    caption: String,
    severities: Vec<Severity>,
    /// Open incidents per tenant, one count per severity of `severities`.
    counts: Vec<(String, Vec<i64>)>,
    chart_title: String,
    chart_desc: String,
    chart: Markup,
    risks: Vec<Risk>,
}

/// The dashboard's chart: alerts created per hour over the last 24 hours, in the scope.
async fn alerts_per_hour(
    state: &AppState,
    viewer: &Viewer,
) -> Result<(String, String, Markup), Response> {
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
    let chart = chart.render(cat);
    Ok((title, desc, chart))
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

/// A row of the queue: the alert, its checkbox's label and its status's name.
struct AlertRow<'a> {
    alert: &'a Alert,
    select: String,
    status: String,
}

/// The rows of the queue table (`templates/alert_rows.html`).
#[derive(Template)]
#[template(path = "alert_rows.html", config = "templates/askama.toml")]
struct AlertRows<'a> {
    cat: &'a Catalog,
    rows: Vec<AlertRow<'a>>,
}

/// The rows of the queue table.
fn alert_rows(cat: &Catalog, alerts: &[Alert]) -> Markup {
    let rows = alerts
        .iter()
        .map(|a| AlertRow {
            alert: a,
            select: cat.tr("alerts-select", &[("title", a.rule_title.clone().into())]),
            status: alert_status_name(cat, a.status),
        })
        .collect();
    Markup::of(&AlertRows { cat, rows })
}

/// A saved view of the queue.
struct ViewLink {
    id: i64,
    name: String,
    query: String,
    current: bool,
    delete_label: String,
}

/// The alert queue (`templates/queue.html`).
#[derive(Template)]
#[template(path = "queue.html", config = "templates/askama.toml")]
struct Queue<'a> {
    cat: &'a Catalog,
    csrf: &'a str,
    tenants: Vec<Choice>,
    severities: Vec<Choice>,
    statuses: Vec<Choice>,
    rule: &'a str,
    /// The viewer's saved views (`None`: a session without a user, which has none).
    views: Option<Vec<ViewLink>>,
    view_name_max: usize,
    /// The filters as a query string.
    query: String,
    back: &'a str,
    count: String,
    rows: Markup,
    next: Option<String>,
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
    let qs = q.query_string();
    let views = match saved_views(&state, &viewer, &qs).await {
        Ok(views) => views,
        Err(r) => return r,
    };
    let body = Queue {
        cat,
        csrf: viewer.csrf(),
        tenants: choices(tenant_options, q.tenant.as_deref().unwrap_or_default()),
        severities: choices(sev_options, q.min_severity.map_or("", Severity::as_str)),
        statuses: choices(status_options, q.status.map_or("any", AlertStatus::as_str)),
        rule: q.rule.as_deref().unwrap_or_default(),
        views,
        view_name_max: vigie_soc::prefs::VIEW_NAME_MAX,
        back: &viewer.here,
        count: cat.tr(
            "alerts-count",
            &[("count", Arg::Num(page.alerts.len() as i64))],
        ),
        rows: alert_rows(cat, &page.alerts),
        next: page.next_cursor.clone(),
        query: qs,
    };
    viewer.render("alerts", &cat.t("alerts-title"), &body)
}

/// The viewer's saved views, each a link with a delete button (`None` for a session without
/// a user).
async fn saved_views(
    state: &AppState,
    viewer: &Viewer,
    qs: &str,
) -> Result<Option<Vec<ViewLink>>, Response> {
    let Some(user) = viewer.principal.user_id else {
        return Ok(None);
    };
    let cat = viewer.cat();
    let views = state
        .store()
        .saved_views(user)
        .await
        .map_err(|e| viewer.api_error(e))?;
    Ok(Some(
        views
            .into_iter()
            .map(|v| ViewLink {
                id: v.id,
                current: v.query == qs,
                delete_label: cat.tr("views-delete-named", &[("name", v.name.clone().into())]),
                name: v.name,
                query: v.query,
            })
            .collect(),
    ))
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
            "rows": alert_rows(cat, &page.alerts).as_str(),
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
    book: Option<Extension<super::hunt::EventBook>>,
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
    // Event fields.
    let mut fields = Vec::new();
    flatten("", &alert.event, &mut fields);
    let behind = match book {
        Some(Extension(book)) => behind(&state, &viewer, book.store(), &alert).await,
        None => None,
    };
    let body = AlertView {
        cat,
        csrf: viewer.csrf(),
        status: alert_status_name(cat, alert.status),
        why: why(cat, rules.map(|Extension(r)| r).as_ref(), &alert),
        triage: viewer.principal.may(Permission::TriageAlerts),
        fields,
        behind,
        alert: &alert,
    };
    viewer.render(
        "alerts",
        &cat.tr("alert-title", &[("title", alert.rule_title.clone().into())]),
        &body,
    )
}

/// The alert page (`templates/alert.html`).
#[derive(Template)]
#[template(path = "alert.html", config = "templates/askama.toml")]
struct AlertView<'a> {
    cat: &'a Catalog,
    csrf: &'a str,
    alert: &'a Alert,
    status: String,
    why: Why,
    /// Whether the viewer may triage (the forms are shown).
    triage: bool,
    /// Every event field as a dotted path and its value.
    fields: Vec<(String, String)>,
    /// A correlation alert's contributing events, read back from the event store.
    behind: Option<Behind>,
}

/// The events behind a correlation alert, for its page.
struct Behind {
    rows: Vec<BehindRow>,
    /// How many ids the store no longer holds, said in the viewer's language.
    missing: Option<String>,
    /// The hunt page with every one of them.
    hunt: String,
}

/// One contributing event.
struct BehindRow {
    time: String,
    host: String,
    id: String,
    /// The hunt page with this event.
    hunt: String,
    /// Its first few fields, `name=value`.
    details: String,
}

/// The contributing events of a correlation alert (`None` for a rule alert, or when the
/// store cannot be read: the page still shows the alert).
async fn behind(
    state: &AppState,
    viewer: &Viewer,
    store: &dyn vigie_store::EventStore,
    alert: &Alert,
) -> Option<Behind> {
    let named = vigie_store::behind::named(&alert.event, alert.event_id);
    if !named.correlation {
        return None;
    }
    let scope = &viewer.principal.scope;
    let names: std::collections::HashMap<_, _> = state
        .store()
        .list_tenants(scope)
        .await
        .ok()?
        .into_iter()
        .map(|t| (t.id, t.slug.to_string()))
        .collect();
    let found = vigie_store::behind::alert_events(
        store,
        scope,
        alert.tenant,
        &named,
        std::sync::Arc::new(names),
    )
    .await
    .map_err(|error| tracing::warn!(%error, alert = %alert.id, "alert page: cannot read the events behind the alert"))
    .ok()?;
    let hunt = |query: &str| {
        let mut url = format!("/ui/hunt?q={}", url_encode(query));
        if let Some(from) = found.from {
            url.push_str(&format!("&from={}", url_encode(&from.to_string())));
        }
        if let Some(to) = found.to {
            url.push_str(&format!("&to={}", url_encode(&to.to_string())));
        }
        url
    };
    let text = |row: &serde_json::Map<String, serde_json::Value>, key: &str| {
        vigie_event::field::lookup(row, key).map(|v| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    let rows = found
        .events
        .iter()
        .map(|row| {
            let id = text(row, "@id").unwrap_or_default();
            let details: Vec<String> = row
                .iter()
                .filter(|(k, v)| !k.starts_with('@') && !v.is_object() && !v.is_array())
                .take(4)
                .map(|(k, v)| {
                    let v = match v {
                        serde_json::Value::String(s) => s.chars().take(120).collect(),
                        other => other.to_string(),
                    };
                    format!("{k}={v}")
                })
                .collect();
            BehindRow {
                time: text(row, "@time").unwrap_or_default(),
                host: ["Computer", "Hostname", "host.name", "hostname"]
                    .iter()
                    .find_map(|k| text(row, k))
                    .unwrap_or_default(),
                hunt: hunt(&format!("@id:{id}")),
                id,
                details: details.join(" "),
            }
        })
        .collect();
    let missing = (!found.missing.is_empty()).then(|| {
        viewer.cat().tr(
            "alert-behind-missing",
            &[("count", (found.missing.len() as i64).into())],
        )
    });
    Some(Behind {
        rows,
        missing,
        hunt: hunt(&found.query),
    })
}

/// Why an alert matched, as far as the page can tell.
enum Why {
    /// The page has no rule set.
    Unavailable,
    /// The rule is no longer loaded.
    RuleGone,
    /// The route the event took and each search of the rule with whether it held.
    Explained {
        route: String,
        searches: Vec<(String, bool)>,
    },
}

/// The "why it matched" block: the rule's searches on this event, when the rule set is known.
fn why(cat: &Catalog, rules: Option<&RuleBook>, alert: &Alert) -> Why {
    let Some(RuleBook(rules)) = rules else {
        return Why::Unavailable;
    };
    let Some(index) = rules
        .rules()
        .iter()
        .position(|r| r.meta.id == alert.rule_id)
    else {
        return Why::RuleGone;
    };
    let event = Event {
        id: alert.event_id,
        tenant: alert.tenant,
        received_at: alert.event_received_at,
        timestamp: None,
        source: "alert".to_owned(),
        dataset: None,
        // The alert's snapshot names the source type as `event.dataset` (a Windows event is
        // routed by its channel, whatever dataset its shipper wrote).
        source_type: alert
            .event
            .as_object()
            .filter(|f| {
                ["Channel", "winlog.channel"]
                    .iter()
                    .all(|c| vigie_event::field::lookup(f, c).is_none())
            })
            .and_then(|f| vigie_event::field::lookup(f, "event.dataset"))
            .and_then(serde_json::Value::as_str)
            .filter(|t| vigie_parse::SourceType::new(t).is_ok())
            .map(str::to_owned),
        fields: alert.event.as_object().cloned().unwrap_or_default(),
    };
    let Some(explanation) = rules.explain(index, &event) else {
        return Why::RuleGone;
    };
    Why::Explained {
        route: cat.tr(
            "alert-why-route",
            &[
                (
                    "route",
                    explanation
                        .route
                        .clone()
                        .unwrap_or_else(|| "-".to_owned())
                        .into(),
                ),
                ("kind", explanation.event_kind.clone().into()),
            ],
        ),
        searches: explanation.searches.clone(),
    }
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
            Some(Ok(n)) => AlertAction::Escalate {
                incident: Some(vigie_soc::IncidentId(n)),
            },
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
