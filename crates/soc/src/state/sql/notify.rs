//! The notification outbox (`notifications`: SQLite migration 9, PostgreSQL 5).

use jiff::Timestamp;
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use vigie_access::TenantScope;
use vigie_access::audit::AuditRecord;
use vigie_event::{TenantId, TenantSlug};

use super::build::Sql;
use super::desk::{Clocks, append_audit, timeline_at};
use super::{CrossTenant, Reach, SqlStore, get, timestamp};
use crate::SocError;
use crate::desk::Actor;
use crate::ids::IncidentId;
use crate::notify::{
    Delivery, DeliveryStatus, NewNotification, Notification, NotificationFilter, NotificationId,
    NotifyStore, PageState, SlaWatch, parse_channel, parse_event, parse_status,
};

const COLUMNS: &str = "n.id, n.dedup, n.tenant_id, t.slug, n.incident_id, n.event, n.channel, \
    n.recipient, n.address, n.client, n.language, n.subject, n.body, n.subject_ref, n.team, \
    n.level, n.status, n.attempts, n.created_at, n.due_at, n.sent_at, n.last_error";

const FROM: &str = "FROM notifications n LEFT JOIN tenants t ON t.id = n.tenant_id";

fn corrupt(what: &'static str) -> impl Fn(String) -> SocError {
    move |detail| SocError::Corrupt { what, detail }
}

fn from_row(row: &AnyRow) -> Result<Notification, SocError> {
    let opt_ts = |what, v: Option<i64>| v.map(|v| timestamp(what, v)).transpose();
    let slug: Option<String> = get(row, "slug")?;
    Ok(Notification {
        id: NotificationId(get(row, "id")?),
        dedup: get(row, "dedup")?,
        tenant: get::<Option<i64>>(row, "tenant_id")?.map(TenantId),
        tenant_slug: slug
            .map(TenantSlug::new)
            .transpose()
            .map_err(|e| corrupt("tenant slug")(e.to_string()))?,
        incident: get::<Option<i64>>(row, "incident_id")?.map(IncidentId),
        event: parse_event(&get::<String>(row, "event")?).map_err(corrupt("notification event"))?,
        channel: parse_channel(&get::<String>(row, "channel")?)
            .map_err(corrupt("notification channel"))?,
        recipient: get(row, "recipient")?,
        address: get(row, "address")?,
        client: get::<i64>(row, "client")? != 0,
        language: get(row, "language")?,
        subject: get(row, "subject")?,
        body: get(row, "body")?,
        subject_ref: get(row, "subject_ref")?,
        team: get(row, "team")?,
        level: u32::try_from(get::<i64>(row, "level")?).unwrap_or(u32::MAX),
        status: parse_status(&get::<String>(row, "status")?)
            .map_err(corrupt("notification status"))?,
        attempts: u32::try_from(get::<i64>(row, "attempts")?).unwrap_or(u32::MAX),
        created_at: timestamp("notification created_at", get(row, "created_at")?)?,
        due_at: timestamp("notification due_at", get(row, "due_at")?)?,
        sent_at: opt_ts("notification sent_at", get(row, "sent_at")?)?,
        last_error: get(row, "last_error")?,
    })
}

/// The audit record of a delivery, failure or retry: who was notified of what, never the
/// message itself.
fn audit_record(actor: &str, action: &str, n: &Notification, error: Option<&str>) -> AuditRecord {
    AuditRecord::new(
        actor.to_owned(),
        n.tenant,
        action,
        format!("notification:{}", n.id),
        json!({
            "event": n.event,
            "channel": n.channel,
            "recipient": n.recipient,
            "address": n.address,
            "incident": n.incident,
            "level": n.level,
            "attempts": n.attempts,
            "error": error,
        }),
    )
}

#[async_trait::async_trait]
impl NotifyStore for SqlStore {
    async fn enqueue_notifications(
        &self,
        new: &[NewNotification],
        now: Timestamp,
    ) -> Result<u64, SocError> {
        for n in new {
            n.check()?;
        }
        if new.is_empty() {
            return Ok(0);
        }
        let context = "queueing notifications";
        let mut tx = self
            .write(Reach::Across(CrossTenant::Notify), context)
            .await?;
        let mut added = 0;
        for n in new {
            let done = sqlx::query(
                "INSERT INTO notifications (dedup, tenant_id, incident_id, event, channel,
                     recipient, address, client, language, subject, body, subject_ref, team,
                     level, status, attempts, created_at, due_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                         'pending', 0, $15, $16)
                 ON CONFLICT (dedup) DO NOTHING",
            )
            .bind(&n.dedup)
            .bind(n.tenant.map(|t| t.0))
            .bind(n.incident.map(|i| i.0))
            .bind(n.event.as_str())
            .bind(n.channel.as_str())
            .bind(&n.recipient)
            .bind(&n.address)
            .bind(i64::from(n.client))
            .bind(&n.language)
            .bind(&n.subject)
            .bind(&n.body)
            .bind(n.subject_ref.as_deref())
            .bind(n.team.as_deref())
            .bind(i64::from(n.level))
            .bind(now.as_microsecond())
            .bind(n.due_at.as_microsecond())
            .execute(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
            added += done.rows_affected();
        }
        tx.commit(context).await?;
        Ok(added)
    }

    async fn claim_notifications(
        &self,
        now: Timestamp,
        lease: std::time::Duration,
        limit: u32,
    ) -> Result<Vec<Notification>, SocError> {
        let context = "claiming notifications";
        let now_us = now.as_microsecond();
        let until = now_us.saturating_add(i64::try_from(lease.as_micros()).unwrap_or(i64::MAX));
        let mut tx = self
            .write(Reach::Across(CrossTenant::Notify), context)
            .await?;
        // Writers queue (SQLite's write lock, PostgreSQL's advisory lock): the rows read
        // here are claimed before another sender reads them.
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} {FROM}
             WHERE (n.status = 'pending' AND n.due_at <= $1)
                OR (n.status = 'sending' AND n.lease_until <= $1)
             ORDER BY n.due_at, n.id LIMIT $2"
        )))
        .bind(now_us)
        .bind(i64::from(limit.clamp(1, 1000)))
        .fetch_all(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut n = from_row(row)?;
            sqlx::query(
                "UPDATE notifications SET status = 'sending', lease_until = $1,
                     attempts = attempts + 1 WHERE id = $2",
            )
            .bind(until)
            .bind(n.id.0)
            .execute(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
            n.status = DeliveryStatus::Sending;
            n.attempts = n.attempts.saturating_add(1);
            claimed.push(n);
        }
        tx.commit(context).await?;
        Ok(claimed)
    }

    async fn finish_notification(
        &self,
        id: NotificationId,
        delivery: &Delivery,
        now: Timestamp,
    ) -> Result<(), SocError> {
        let context = "recording a notification's delivery";
        let mut tx = self
            .write(Reach::Across(CrossTenant::Notify), context)
            .await?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} {FROM} WHERE n.id = $1"
        )))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(SocError::storage(context))?
        .ok_or_else(|| SocError::NotFound {
            what: "notification",
            value: id.to_string(),
        })?;
        let n = from_row(&row)?;
        let error = delivery.error();
        let (status, due, sent) = match delivery {
            Delivery::Sent => ("sent", now, Some(now.as_microsecond())),
            Delivery::Retry { at, .. } => ("pending", *at, None),
            Delivery::Dead { .. } => ("dead", now, None),
        };
        sqlx::query(
            "UPDATE notifications SET status = $1, due_at = $2, sent_at = $3, last_error = $4,
                 lease_until = NULL WHERE id = $5",
        )
        .bind(status)
        .bind(due.as_microsecond())
        .bind(sent)
        .bind(error.as_deref())
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        let system = Actor::system();
        match delivery {
            Delivery::Sent => {
                if let Some(incident) = n.incident {
                    timeline_at(
                        &mut tx,
                        incident,
                        &system,
                        "notified",
                        json!({
                            "event": n.event,
                            "channel": n.channel,
                            "recipient": n.recipient,
                            "level": n.level,
                            "shared": n.client,
                            "notification": n.id,
                        }),
                        now.as_microsecond(),
                    )
                    .await?;
                }
                append_audit(&mut tx, &audit_record(&system.0, "notify.sent", &n, None)).await?;
            }
            Delivery::Dead { .. } => {
                append_audit(
                    &mut tx,
                    &audit_record(&system.0, "notify.dead", &n, error.as_deref()),
                )
                .await?;
            }
            Delivery::Retry { .. } => {}
        }
        tx.commit(context).await
    }

    async fn list_notifications(
        &self,
        scope: &TenantScope,
        filter: &NotificationFilter,
    ) -> Result<Vec<Notification>, SocError> {
        let context = "listing notifications";
        let mut qb = Sql::new(format!("SELECT {COLUMNS} {FROM} WHERE "));
        qb.scope(scope, "n.tenant_id");
        if let Some(status) = filter.status {
            qb.push(" AND n.status = ");
            qb.bind(status.as_str());
        }
        if let Some(incident) = filter.incident {
            qb.push(" AND n.incident_id = ");
            qb.bind(incident.0);
        }
        qb.push(" ORDER BY n.id DESC LIMIT ");
        qb.bind(i64::from(filter.limit.unwrap_or(200).clamp(1, 1000)));
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let rows = qb.fetch_all(&mut tx, context).await?;
        tx.commit(context).await?;
        rows.iter().map(from_row).collect()
    }

    async fn retry_notification(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: NotificationId,
        now: Timestamp,
    ) -> Result<bool, SocError> {
        self.retry_in_scope(actor, scope, id, now, "retrying a notification")
            .await
    }

    async fn open_pages(&self, since: Timestamp) -> Result<Vec<PageState>, SocError> {
        let context = "reading escalation chains";
        let mut tx = self
            .read(Reach::Across(CrossTenant::Notify), context)
            .await?;
        let rows = sqlx::query(
            "SELECT n.subject_ref, n.team, n.tenant_id, n.incident_id, n.event, n.level,
                    n.created_at
             FROM notifications n
             WHERE n.team IS NOT NULL AND n.subject_ref IS NOT NULL AND n.created_at >= $1
             ORDER BY n.subject_ref, n.team, n.level DESC, n.created_at",
        )
        .bind(since.as_microsecond())
        .fetch_all(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        tx.commit(context).await?;
        let mut pages: Vec<PageState> = Vec::new();
        for row in &rows {
            let subject_ref: String = get(row, "subject_ref")?;
            let team: String = get(row, "team")?;
            if pages
                .last()
                .is_some_and(|p| p.subject_ref == subject_ref && p.team == team)
            {
                // Rows of a chain come highest level first, earliest first within it.
                continue;
            }
            pages.push(PageState {
                subject_ref,
                team,
                tenant: get::<Option<i64>>(row, "tenant_id")?.map(TenantId),
                incident: get::<Option<i64>>(row, "incident_id")?.map(IncidentId),
                event: parse_event(&get::<String>(row, "event")?)
                    .map_err(corrupt("notification event"))?,
                level: u32::try_from(get::<i64>(row, "level")?).unwrap_or(u32::MAX),
                since: timestamp("notification created_at", get(row, "created_at")?)?,
            });
        }
        Ok(pages)
    }

    async fn sla_watch(&self, now: Timestamp) -> Result<Vec<SlaWatch>, SocError> {
        let clocks = self
            .desk_open_clocks(now, Clocks::Open, "watching SLA clocks")
            .await?;
        Ok(clocks
            .into_iter()
            .filter(|(_, c)| !c.met && (c.at_risk || c.breached))
            .map(|(incident, clock)| SlaWatch {
                incident: incident.id,
                tenant: incident.tenant,
                tenant_slug: incident.tenant_slug,
                title: incident.title,
                severity: incident.severity,
                kind: clock.kind,
                due_at: clock.due_at,
                breached: clock.breached,
            })
            .collect())
    }
}

impl SqlStore {
    async fn retry_in_scope(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: NotificationId,
        now: Timestamp,
        context: &'static str,
    ) -> Result<bool, SocError> {
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        let mut qb = Sql::new(format!(
            "SELECT {COLUMNS} {FROM} WHERE n.status = 'dead' AND n.id = "
        ));
        qb.bind(id.0).push(" AND ").scope(scope, "n.tenant_id");
        let Some(row) = qb.fetch_optional(&mut tx, context).await? else {
            return Ok(false);
        };
        let n = from_row(&row)?;
        sqlx::query(
            "UPDATE notifications SET status = 'pending', attempts = 0, due_at = $1,
                 lease_until = NULL WHERE id = $2 AND status = 'dead'",
        )
        .bind(now.as_microsecond())
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        append_audit(
            &mut tx,
            &audit_record(&actor.0, "notify.retry", &n, n.last_error.as_deref()),
        )
        .await?;
        tx.commit(context).await?;
        Ok(true)
    }
}
