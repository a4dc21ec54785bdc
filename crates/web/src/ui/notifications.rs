//! `/ui/notifications`: the notification log of the SOC (every e-mail and webhook call of
//! the outbox in the viewer's tenants, newest first), the dead letters first, and a retry
//! button on each dead one for those who may (`ManageSla`: SOC lead, platform admin). Client
//! contacts get 404, like the other pages of the console.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use vigie_access::Permission;
use vigie_soc::notify::{DeliveryStatus, Notification, NotificationFilter, NotificationId};

use super::html::{Choice, choices};
use super::i18n::{Arg, Catalog};
use super::{Viewer, query};
use crate::AppState;
use crate::api::notifications::status_param;

/// The statuses of the filter, in its order (`all` is no filter).
const FILTER: [&str; 5] = ["dead", "pending", "sending", "sent", "all"];

/// One notification, in words.
struct Row<'a> {
    n: &'a Notification,
    at: Timestamp,
    tenant: String,
    event: String,
    channel: String,
    /// Level and team of a page, if it is one.
    page: String,
    status: String,
    /// The retry form's button label, on a dead row the viewer may retry.
    retry: Option<String>,
}

/// The page (`templates/notifications.html`).
#[derive(Template)]
#[template(path = "notifications.html", config = "templates/askama.toml")]
struct NotificationsPage<'a> {
    cat: &'a Catalog,
    csrf: &'a str,
    statuses: Vec<Choice>,
    /// The status shown, for the retry forms' way back.
    current: &'a str,
    rows: Vec<Row<'a>>,
    /// What the table shows, or why it is empty.
    summary: String,
}

/// The name of a notification's event in the viewer's language (`notify-event-…`).
pub fn event_name(cat: &Catalog, event: &str) -> String {
    let key = format!("notify-event-{event}");
    if cat.has(&key) {
        cat.t(&key)
    } else {
        event.to_owned()
    }
}

/// The name of a channel in the viewer's language (`notify-channel-…`).
pub fn channel_name(cat: &Catalog, channel: &str) -> String {
    let key = format!("notify-channel-{channel}");
    if cat.has(&key) {
        cat.t(&key)
    } else {
        channel.to_owned()
    }
}

/// `GET /ui/notifications?status=dead|pending|sending|sent|all` (default: the dead letters).
pub async fn page(State(state): State<AppState>, viewer: Viewer, uri: Uri) -> Response {
    if let Err(r) = viewer.require_soc() {
        return r;
    }
    if let Err(r) = viewer
        .require(&state, Permission::ReadDesk, "notifications")
        .await
    {
        return r;
    }
    let cat = viewer.cat();
    let q = query(&uri);
    let current = q.value("status").unwrap_or("dead");
    let status = match current {
        "all" => None,
        other => match status_param(other) {
            Ok(s) => Some(s),
            Err(e) => return viewer.api_error(e),
        },
    };
    let current = FILTER.into_iter().find(|s| *s == current).unwrap_or("all");
    let filter = NotificationFilter {
        status,
        ..NotificationFilter::default()
    };
    let list = match state
        .store()
        .list_notifications(&viewer.principal.scope, &filter)
        .await
    {
        Ok(list) => list,
        Err(e) => return viewer.api_error(e),
    };
    let may_retry = viewer.principal.may(Permission::ManageSla);
    let rows = list
        .iter()
        .map(|n| Row {
            n,
            at: n.sent_at.unwrap_or(n.due_at),
            tenant: n
                .tenant_slug
                .as_ref()
                .map_or_else(|| cat.t("notify-platform"), ToString::to_string),
            event: event_name(cat, n.event.as_str()),
            channel: channel_name(cat, n.channel.as_str()),
            page: match (&n.team, n.level) {
                (None, 0) => String::new(),
                (None, level) => cat.tr("notify-level", &[("level", Arg::Num(level.into()))]),
                (Some(team), level) => cat.tr(
                    "notify-level-team",
                    &[
                        ("level", Arg::Num(level.into())),
                        ("team", team.as_str().into()),
                    ],
                ),
            },
            status: cat.t(&format!("notify-status-{}", n.status.as_str())),
            retry: (may_retry && n.status == DeliveryStatus::Dead).then(|| {
                cat.tr(
                    "notify-retry-label",
                    &[
                        ("recipient", n.recipient.as_str().into()),
                        ("id", Arg::Num(n.id.0)),
                    ],
                )
            }),
        })
        .collect::<Vec<_>>();
    let summary = if rows.is_empty() {
        cat.t(if status == Some(DeliveryStatus::Dead) {
            "notify-no-dead"
        } else {
            "notify-none"
        })
    } else {
        cat.tr(
            "notify-count",
            &[("count", Arg::Num(i64::try_from(rows.len()).unwrap_or(0)))],
        )
    };
    let statuses = choices(
        FILTER
            .iter()
            .map(|s| {
                let key = if *s == "all" {
                    "notify-filter-all".to_owned()
                } else {
                    format!("notify-status-{s}")
                };
                ((*s).to_owned(), cat.t(&key))
            })
            .collect(),
        current,
    );
    let body = NotificationsPage {
        cat,
        csrf: viewer.csrf(),
        statuses,
        current,
        rows,
        summary,
    };
    viewer.render("notifications", &cat.t("notify-title"), &body)
}

/// `POST /ui/notifications/{id}/retry`: a dead notification back in the queue (audited by
/// the store), then back to the list it was retried from.
pub async fn retry(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
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
        .require(&state, Permission::ManageSla, &format!("notification:{id}"))
        .await
    {
        return r;
    }
    match state
        .store()
        .retry_notification(
            &viewer.principal.actor,
            &viewer.principal.scope,
            NotificationId(id),
            Timestamp::now(),
        )
        .await
    {
        Ok(true) => {
            let back = form
                .value("status")
                .filter(|s| FILTER.contains(s))
                .unwrap_or("dead");
            Redirect::to(&format!("/ui/notifications?status={back}")).into_response()
        }
        Ok(false) => viewer.error(StatusCode::NOT_FOUND, &viewer.cat().t("error-not-found")),
        Err(e) => viewer.api_error(e),
    }
}
