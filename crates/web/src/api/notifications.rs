//! The notification log: `GET /api/v1/notifications` (every e-mail and webhook call of the
//! outbox in the caller's scope, newest first) and `POST /api/v1/notifications/{id}/retry`
//! (a dead notification back in the queue).
//!
//! Both are the SOC's: a client (a tenant role, a tenant's token) gets 403. Reading needs
//! `ReadDesk`, a retry `ManageSla` (SOC lead, platform admin); the store audits the retry
//! (`notify.retry`).
//!
//! List query parameters, all optional: `status` (`pending`, `sending`, `sent` or `dead`),
//! `incident` (id), `limit` (1–1000, default 200).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use serde::Deserialize;
use vigie_access::Permission;
use vigie_soc::IncidentId;
use vigie_soc::notify::{DeliveryStatus, Notification, NotificationFilter, NotificationId};

use super::session::{Desk, Id, Params};
use crate::AppState;
use crate::error::ApiError;

/// Most notifications listed at once.
pub const MAX_LIMIT: u32 = 1000;

/// Query parameters of `GET /api/v1/notifications`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    status: Option<String>,
    incident: Option<String>,
    limit: Option<String>,
}

/// The status of a `status` value; 400 naming it otherwise.
pub fn status_param(value: &str) -> Result<DeliveryStatus, ApiError> {
    DeliveryStatus::parse(value.trim()).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "query parameter status={value:?}: expected pending, sending, sent or dead"
        ))
    })
}

impl NotificationQuery {
    /// The store's filter; 400 naming the first bad value.
    pub fn filter(&self) -> Result<NotificationFilter, ApiError> {
        let status = self.status.as_deref().map(status_param).transpose()?;
        let incident = self
            .incident
            .as_deref()
            .map(|v| {
                v.trim().parse::<i64>().map(IncidentId).map_err(|_| {
                    ApiError::BadRequest(format!(
                        "query parameter incident={v:?}: expected an incident id"
                    ))
                })
            })
            .transpose()?;
        let limit = self
            .limit
            .as_deref()
            .map(|v| match v.trim().parse::<u32>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
                _ => Err(ApiError::BadRequest(format!(
                    "query parameter limit={v:?}: expected a number from 1 to {MAX_LIMIT}"
                ))),
            })
            .transpose()?;
        Ok(NotificationFilter {
            status,
            incident,
            limit,
        })
    }
}

/// Handler of `GET /api/v1/notifications`.
pub async fn list(
    State(state): State<AppState>,
    desk: Desk,
    Params(q): Params<NotificationQuery>,
) -> Result<Json<Vec<Notification>>, ApiError> {
    desk.require_staff(&state, "the notification log").await?;
    desk.require(&state, Permission::ReadDesk, "notifications")
        .await?;
    let filter = q.filter()?;
    Ok(Json(
        state
            .store()
            .list_notifications(&desk.0.scope, &filter)
            .await?,
    ))
}

/// Handler of `POST /api/v1/notifications/{id}/retry`: 204 once queued again; 404 when the
/// notification is not in the caller's scope or not dead.
pub async fn retry(
    State(state): State<AppState>,
    desk: Desk,
    Id(id): Id<i64>,
) -> Result<StatusCode, ApiError> {
    let object = format!("notification:{id}");
    desk.require_staff(&state, "the notification log").await?;
    desk.require(&state, Permission::ManageSla, &object).await?;
    let retried = state
        .store()
        .retry_notification(
            &desk.0.actor,
            &desk.0.scope,
            NotificationId(id),
            Timestamp::now(),
        )
        .await?;
    if retried {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!(
            "no dead notification {id} in your scope"
        )))
    }
}
