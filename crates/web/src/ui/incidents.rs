//! Incidents for both audiences: the SOC console (every incident of the analyst's tenants,
//! change form) and the client portal (a tenant user's own incidents, comments, SLA
//! figures). The scope of the viewer decides what exists: an incident of another tenant
//! answers 404 by any URL.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::{SignedDuration, Timestamp};
use vigie_access::Permission;
use vigie_access::Role;
use vigie_access::User;
use vigie_event::Severity;
use vigie_soc::Page;
use vigie_soc::desk::{
    CommentKind, Incident, IncidentDetail, IncidentFilter, IncidentPatch, IncidentSort,
    IncidentStatus, RSIT, SlaSummaryRow, Tlp, Visibility,
};

use super::console::{OPEN, severity_name, tenant_in_scope};
use super::html::{Choice, Markup, choices, filters};
use super::i18n::{Arg, Catalog};
use super::{Viewer, query};
use crate::AppState;

fn status_name(cat: &Catalog, s: IncidentStatus) -> String {
    cat.t(&format!("incident-status-{}", s.as_str()))
}

/// An SLA or NIS2 clock (`templates/time_left.html`).
#[derive(Template)]
#[template(path = "time_left.html", config = "templates/askama.toml")]
struct TimeLeft {
    text: String,
    class: &'static str,
    due: Option<String>,
}

/// "3 h 05 min left", "overdue by 20 min", or "paused" for a clock without a due date.
pub fn time_left(cat: &Catalog, due: Option<Timestamp>, now: Timestamp, breached: bool) -> Markup {
    let Some(due) = due else {
        return Markup::of(&TimeLeft {
            text: cat.t("sla-paused"),
            class: "",
            due: None,
        });
    };
    let minutes = now.duration_until(due).as_mins();
    let on_time = minutes >= 0 && !breached;
    let text = if on_time {
        cat.tr("sla-left", &[("left", cat.duration(minutes).into())])
    } else {
        cat.tr(
            "sla-overdue",
            &[("late", cat.duration(minutes.abs()).into())],
        )
    };
    Markup::of(&TimeLeft {
        text,
        class: if on_time { "ok" } else { "late" },
        due: Some(cat.datetime(due)),
    })
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

fn assignee_name(
    cat: &Catalog,
    viewer: &Viewer,
    users: &[User],
    id: Option<vigie_access::UserId>,
) -> String {
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
    let tenant_choices = if viewer.is_soc() {
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
        Some(choices(
            tenant_options,
            tenant.as_deref().unwrap_or_default(),
        ))
    } else {
        None
    };
    // A client sees the SOC's questions awaiting its answer above its incidents.
    let questions = if viewer.is_soc() {
        Vec::new()
    } else {
        state
            .store()
            .questions(&viewer.principal.scope, true)
            .await
            .map_err(|e| viewer.api_error(e))?
    };
    let body = IncidentList {
        cat,
        questions: &questions,
        tenants: tenant_choices,
        statuses: choices(status_options, status),
        severities: choices(sev_options, q.get("min_severity").unwrap_or_default()),
        caption: cat.tr(
            "incidents-count",
            &[("count", Arg::Num(page.incidents.len() as i64))],
        ),
        rows: page
            .incidents
            .iter()
            .map(|i| IncidentRow {
                incident: i,
                status: status_name(cat, i.status),
                assignee: assignee_name(cat, viewer, &users, i.assignee),
            })
            .collect(),
        status,
        next: page.next_cursor.as_deref(),
    };
    let title = if viewer.is_soc() {
        cat.t("incidents-title")
    } else {
        cat.t("portal-incidents-title")
    };
    Ok(viewer.render("incidents", &title, &body))
}

/// A row of the incident list.
struct IncidentRow<'a> {
    incident: &'a Incident,
    status: String,
    assignee: String,
}

/// The incident list (`templates/incidents.html`).
#[derive(Template)]
#[template(path = "incidents.html", config = "templates/askama.toml")]
struct IncidentList<'a> {
    cat: &'a Catalog,
    /// The SOC's open questions (a client's view).
    questions: &'a [vigie_soc::desk::Question],
    /// The tenant filter (SOC only).
    tenants: Option<Vec<Choice>>,
    statuses: Vec<Choice>,
    severities: Vec<Choice>,
    caption: String,
    rows: Vec<IncidentRow<'a>>,
    status: &'a str,
    next: Option<&'a str>,
}

/// `GET /ui/incidents/{id}`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    match page_inner(&state, &viewer, &id, None).await {
        Ok(r) | Err(r) => r,
    }
}

/// The incident page again with why a NIS2 form was not saved, as a 400 (the message is
/// shown at the top of the NIS2 section).
pub(super) async fn page_with_error(
    state: &AppState,
    viewer: &Viewer,
    id: vigie_soc::IncidentId,
    message: String,
) -> Response {
    match page_inner(state, viewer, &id.to_string(), Some(&message)).await {
        Ok(mut r) => {
            *r.status_mut() = StatusCode::BAD_REQUEST;
            r
        }
        Err(r) => r,
    }
}

/// The 404 page of an incident that is not in the viewer's scope (or does not exist).
pub(super) fn not_found(viewer: &Viewer, id: &str) -> Response {
    viewer.error(
        StatusCode::NOT_FOUND,
        &viewer
            .cat()
            .tr("error-no-incident", &[("id", id.to_owned().into())]),
    )
}

async fn load(state: &AppState, viewer: &Viewer, id: &str) -> Result<IncidentDetail, Response> {
    let Ok(number) = id.parse::<vigie_soc::IncidentId>() else {
        return Err(not_found(viewer, id));
    };
    viewer
        .require(state, Permission::ReadDesk, &format!("incident:{number}"))
        .await?;
    state
        .store()
        .incident_detail(
            &viewer.principal.scope,
            viewer.principal.audience(),
            number,
            Timestamp::now(),
        )
        .await
        .map_err(|e| viewer.api_error(e))?
        .ok_or_else(|| not_found(viewer, id))
}

async fn page_inner(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    nis2_error: Option<&str>,
) -> Result<Response, Response> {
    let detail = load(state, viewer, id).await?;
    let cat = viewer.cat();
    let i = &detail.incident;
    let now = Timestamp::now();
    let users = visible_users(state, viewer).await;
    let rsit = match (&i.rsit_class, &i.rsit_type) {
        (Some(c), Some(t)) => format!("{c} / {t}"),
        (Some(c), None) => c.clone(),
        _ => cat.t("rsit-none"),
    };
    let sla = detail
        .sla
        .iter()
        .map(|c| SlaClock {
            kind: cat.t(&format!("sla-kind-{}", c.kind)),
            target: cat.duration(i64::from(c.target_minutes)),
            used: cat.duration(c.used_minutes),
            state: if c.met {
                SlaState::Met(cat.t(if c.breached {
                    "sla-met-late"
                } else {
                    "sla-met"
                }))
            } else {
                SlaState::Running {
                    left: time_left(cat, c.due_at, now, c.breached),
                    at_risk: c.at_risk && !c.breached,
                }
            },
        })
        .collect();
    // The NIS2 section: the clocks once they run (the SOC and, on its own incidents, the
    // client), and the forms of the SOC that works the incident.
    let nis2 = super::nis2::section(state, viewer, i, now, nis2_error).await;
    let timeline = detail
        .timeline
        .iter()
        .map(|e| {
            if e.kind == "notified" {
                return notified_item(cat, e);
            }
            let key = format!("timeline-{}", e.kind);
            TimelineItem {
                at: e.at,
                actor: actor_name(&e.actor),
                what: if cat.has(&key) {
                    cat.t(&key)
                } else {
                    cat.tr("timeline-other", &[("kind", e.kind.clone().into())])
                },
                detail: match &e.detail {
                    serde_json::Value::Object(m) if m.is_empty() => None,
                    serde_json::Value::Null => None,
                    other => Some(other.to_string()),
                },
            }
        })
        .collect();
    let soc = viewer.is_soc();
    let body = IncidentPage {
        cat,
        csrf: viewer.csrf(),
        i,
        status: status_name(cat, i.status),
        rsit,
        assignee: assignee_name(cat, viewer, &users, i.assignee),
        sla,
        nis2,
        // The change form (SOC).
        change: (viewer.principal.may(Permission::WorkIncidents) && soc)
            .then(|| change_form(cat, viewer, &detail, &users)),
        soc,
        alerts_count: cat.tr("alerts-count", &[("count", Arg::Num(detail.alert_count))]),
        comments: detail
            .comments
            .iter()
            .map(|c| CommentView {
                author: actor_name(&c.author),
                comment: c,
                badge: match (c.kind, c.visibility) {
                    (CommentKind::Question, _) => Some(cat.t(if c.answered_by.is_some() {
                        "comment-question-answered"
                    } else {
                        "comment-question-open"
                    })),
                    (CommentKind::Answer, _) => Some(cat.t("comment-answer")),
                    // Only the SOC reads internal notes; it is told which are not shared.
                    (CommentKind::Note, Visibility::Internal) => Some(cat.t("comment-internal")),
                    (CommentKind::Note, Visibility::Shared) => soc.then(|| cat.t("comment-shared")),
                },
                // A client answers an open question right under it.
                answer_form: !soc
                    && c.kind == CommentKind::Question
                    && c.answered_by.is_none()
                    && viewer.principal.may(Permission::Comment),
            })
            .collect(),
        may_comment: viewer.principal.may(Permission::Comment),
        kinds: soc.then(|| {
            choices(
                vec![
                    ("internal".to_owned(), cat.t("comment-kind-internal")),
                    ("shared".to_owned(), cat.t("comment-kind-shared")),
                    ("question".to_owned(), cat.t("comment-kind-question")),
                ],
                "internal",
            )
        }),
        comment_label: cat.t(if soc {
            "comment-label"
        } else {
            "portal-answer-label"
        }),
        timeline,
        detail: &detail,
    };
    Ok(viewer.render(
        "incidents",
        &cat.tr(
            "incident-title",
            &[("id", Arg::Num(i.id.0)), ("title", i.title.clone().into())],
        ),
        &body,
    ))
}

/// A user's name from an actor (`user:ana` is `ana`).
fn actor_name(actor: &str) -> &str {
    actor.strip_prefix("user:").unwrap_or(actor)
}

/// An SLA clock on the incident page.
struct SlaClock {
    kind: String,
    target: String,
    used: String,
    state: SlaState,
}

/// Where an SLA clock stands.
enum SlaState {
    /// Met (on time or late): the text says which.
    Met(String),
    /// Still running: time left, and whether it is at risk.
    Running { left: Markup, at_risk: bool },
}

/// A comment and its author's name.
struct CommentView<'a> {
    author: &'a str,
    comment: &'a vigie_soc::desk::Comment,
    /// Internal note, shared, question (open or answered), answer.
    badge: Option<String>,
    /// Whether the viewer (a client) answers this question here.
    answer_form: bool,
}

/// A `notified` timeline entry (a delivered e-mail or webhook call, written by the
/// notification outbox) in words: who was told of what, how, at which escalation level, and
/// whether the client sees it.
fn notified_item<'a>(cat: &Catalog, e: &'a vigie_soc::desk::TimelineEntry) -> TimelineItem<'a> {
    let text = |key: &str| e.detail[key].as_str().unwrap_or_default();
    let level = e.detail["level"].as_i64().unwrap_or(0);
    let shared = e.detail["shared"].as_bool().unwrap_or(false);
    TimelineItem {
        at: e.at,
        actor: actor_name(&e.actor),
        what: cat.tr(
            "timeline-notified",
            &[
                ("recipient", text("recipient").into()),
                (
                    "channel",
                    Arg::Str(super::notifications::channel_name(cat, text("channel"))),
                ),
                (
                    "event",
                    Arg::Str(super::notifications::event_name(cat, text("event"))),
                ),
                ("level", Arg::Num(level)),
                ("shared", if shared { "yes" } else { "no" }.into()),
            ],
        ),
        detail: None,
    }
}

/// A timeline entry, in words.
struct TimelineItem<'a> {
    at: Timestamp,
    actor: &'a str,
    what: String,
    detail: Option<String>,
}

/// The incident page (`templates/incident.html`).
#[derive(Template)]
#[template(path = "incident.html", config = "templates/askama.toml")]
struct IncidentPage<'a> {
    cat: &'a Catalog,
    csrf: &'a str,
    i: &'a Incident,
    detail: &'a IncidentDetail,
    status: String,
    rsit: String,
    assignee: String,
    sla: Vec<SlaClock>,
    /// The NIS2 section (`templates/incident_nis2.html`).
    nis2: Option<Markup>,
    change: Option<Markup>,
    /// Whether the viewer works in the SOC (alerts and observables are shown).
    soc: bool,
    alerts_count: String,
    comments: Vec<CommentView<'a>>,
    may_comment: bool,
    /// What the SOC's comment is: internal note, shared note or question.
    kinds: Option<Vec<Choice>>,
    comment_label: String,
    timeline: Vec<TimelineItem<'a>>,
}

/// The change form (`templates/incident_change.html`).
#[derive(Template)]
#[template(path = "incident_change.html", config = "templates/askama.toml")]
struct ChangeForm<'a> {
    cat: &'a Catalog,
    csrf: &'a str,
    id: i64,
    statuses: Vec<Choice>,
    assignees: Vec<Choice>,
    severities: Vec<Choice>,
    rsit: Vec<Choice>,
    tlps: Vec<Choice>,
}

fn change_form(cat: &Catalog, viewer: &Viewer, detail: &IncidentDetail, users: &[User]) -> Markup {
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
    Markup::of(&ChangeForm {
        cat,
        csrf: viewer.csrf(),
        id: i.id.0,
        statuses: choices(statuses, ""),
        assignees: choices(assignees, ""),
        severities: choices(severities, i.severity.as_str()),
        rsit: choices(rsit, &current_rsit),
        tlps: choices(tlps, i.tlp.as_str()),
    })
}

/// The 400 page naming a form field and its value.
fn bad_field(viewer: &Viewer, field: &str, value: &str) -> Response {
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
    let Ok(number) = id.parse::<vigie_soc::IncidentId>() else {
        return not_found(&viewer, &id);
    };
    if let Err(r) = viewer
        .require(&state, Permission::Comment, &format!("incident:{number}"))
        .await
    {
        return r;
    }
    let text = form.get("body").unwrap_or_default();
    let audience = viewer.principal.audience();
    // The SOC chooses internal note (the default), shared note or question; a client's
    // comment is shared, and answers the question it was written under.
    let bad = |field: &str, value: &str| bad_field(&viewer, field, value);
    let (visibility, kind) = match form.value("kind") {
        None | Some("internal") if audience.sees_internal() => {
            (Visibility::Internal, CommentKind::Note)
        }
        Some("shared") => (Visibility::Shared, CommentKind::Note),
        Some("question") => (Visibility::Shared, CommentKind::Question),
        None => (Visibility::Shared, CommentKind::Note),
        Some(other) => return bad("kind", other),
    };
    let answers = match form.value("answers") {
        None => None,
        Some(q) => match q.parse::<i64>() {
            Ok(q) => Some(vigie_soc::CommentId(q)),
            Err(_) => return bad("answers", q),
        },
    };
    let new = vigie_soc::desk::NewComment {
        body: text.to_owned(),
        visibility,
        kind: if answers.is_some() {
            CommentKind::Answer
        } else {
            kind
        },
        answers,
    };
    match state
        .store()
        .add_comment(
            &viewer.principal.actor,
            &viewer.principal.scope,
            audience,
            number,
            &new,
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
    let Ok(number) = id.parse::<vigie_soc::IncidentId>() else {
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
    let bad = |field: &str, value: &str| bad_field(&viewer, field, value);
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
        .incident_detail(
            &viewer.principal.scope,
            viewer.principal.audience(),
            number,
            Timestamp::now(),
        )
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
        .sla_summary(&viewer.principal.scope, since, None)
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
    let minutes = |s: Option<f64>| {
        s.map_or_else(
            || "–".to_owned(),
            |s| cat.duration((s / 60.0).round() as i64),
        )
    };
    let body = SlaFigures {
        cat,
        periods: choices(periods, &days.to_string()),
        since: cat.tr("sla-since", &[("since", cat.datetime(since).into())]),
        rows: rows
            .iter()
            .map(|r| SlaLine {
                tenant: slug(r.tenant),
                category: r.category.clone().unwrap_or_else(|| cat.t("rsit-none")),
                mtta: minutes(r.mtta_seconds),
                mttr: minutes(r.mttr_seconds),
                row: r,
            })
            .collect(),
    };
    viewer.render("sla", &cat.t("sla-title"), &body)
}

/// A row of the SLA figures.
struct SlaLine<'a> {
    row: &'a SlaSummaryRow,
    tenant: String,
    category: String,
    mtta: String,
    mttr: String,
}

/// The SLA figures (`templates/sla.html`).
#[derive(Template)]
#[template(path = "sla.html", config = "templates/askama.toml")]
struct SlaFigures<'a> {
    cat: &'a Catalog,
    periods: Vec<Choice>,
    since: String,
    rows: Vec<SlaLine<'a>>,
}
