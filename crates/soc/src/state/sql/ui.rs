//! The web application's per-user state (`user_prefs`, `saved_views`: SQLite migration 5)
//! and the dashboard's counts.

use jiff::Timestamp;
use vigie_access::{TenantScope, UserId};
use vigie_event::TenantId;

use super::build::Sql;
use super::{CrossTenant, Reach, SqlStore, get, is_unique_violation, now_us, severity, timestamp};
use crate::SocError;
use crate::prefs::{
    HourCount, IncidentCount, OPEN_STATUSES, PrefsStore, SavedView, VIEWS_PER_USER_MAX, check_view,
};

const HOUR_US: i64 = 3_600_000_000;

/// The open statuses as SQL literals, exactly as the partial indexes `incidents_open` and
/// `incidents_open_severity` name them (migration 5): a query must repeat them so for SQLite
/// to use those indexes (a bound list would not prove the index's condition). PostgreSQL has
/// the same partial indexes and reads the literals the same way.
fn open_literals() -> String {
    let statuses = OPEN_STATUSES
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    debug_assert_eq!(statuses, "'new', 'acknowledged', 'in_progress', 'on_hold'");
    statuses
}

fn unknown_user(user_id: UserId) -> SocError {
    SocError::NotFound {
        what: "user",
        value: user_id.to_string(),
    }
}

#[async_trait::async_trait]
impl PrefsStore for SqlStore {
    async fn user_language(&self, user_id: UserId) -> Result<Option<String>, SocError> {
        let context = "reading a user's language";
        let mut tx = self
            .read(Reach::Across(CrossTenant::Identity), context)
            .await?;
        let row = sqlx::query("SELECT language FROM user_prefs WHERE user_id = $1")
            .bind(user_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
        tx.commit(context).await?;
        match row {
            Some(row) => get(&row, "language"),
            None => Ok(None),
        }
    }

    async fn set_user_language(&self, user_id: UserId, tag: &str) -> Result<(), SocError> {
        let context = "saving a user's language";
        let mut tx = self
            .write(Reach::Across(CrossTenant::Identity), context)
            .await?;
        let result = sqlx::query(
            "INSERT INTO user_prefs (user_id, language, updated_at)
             SELECT id, $1, $2 FROM users WHERE id = $3
             ON CONFLICT (user_id) DO UPDATE SET language = excluded.language,
                                                 updated_at = excluded.updated_at",
        )
        .bind(tag)
        .bind(now_us())
        .bind(user_id.0)
        .execute(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        if result.rows_affected() == 0 {
            return Err(unknown_user(user_id));
        }
        tx.commit(context).await
    }

    async fn saved_views(&self, user_id: UserId) -> Result<Vec<SavedView>, SocError> {
        let context = "listing saved views";
        let mut tx = self
            .read(Reach::Across(CrossTenant::Identity), context)
            .await?;
        let rows = sqlx::query(
            "SELECT id, name, query, created_at FROM saved_views WHERE user_id = $1
             ORDER BY name, id",
        )
        .bind(user_id.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        tx.commit(context).await?;
        rows.iter()
            .map(|row| {
                Ok(SavedView {
                    id: get(row, "id")?,
                    name: get(row, "name")?,
                    query: get(row, "query")?,
                    created_at: timestamp("saved view time", get(row, "created_at")?)?,
                })
            })
            .collect()
    }

    async fn save_view(
        &self,
        user_id: UserId,
        name: &str,
        query: &str,
    ) -> Result<SavedView, SocError> {
        let name = name.trim();
        check_view(name, query)?;
        let context = "saving a view";
        let mut tx = self
            .write(Reach::Across(CrossTenant::Identity), context)
            .await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
            .bind(user_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
        if exists.is_none() {
            return Err(unknown_user(user_id));
        }
        let (count, same): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN name = $1 THEN 1 ELSE 0 END), 0)
             FROM saved_views WHERE user_id = $2",
        )
        .bind(name)
        .bind(user_id.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        if same == 0 && usize::try_from(count).unwrap_or(usize::MAX) >= VIEWS_PER_USER_MAX {
            return Err(SocError::InvalidValue {
                what: "view",
                message: format!(
                    "{name:?}: at most {VIEWS_PER_USER_MAX} saved views per user; delete one first"
                ),
            });
        }
        let created_at = now_us();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO saved_views (user_id, name, query, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id, name) DO UPDATE SET query = excluded.query,
                                                      created_at = excluded.created_at
             RETURNING id",
        )
        .bind(user_id.0)
        .bind(name)
        .bind(query)
        .bind(created_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                SocError::Conflict {
                    what: "view",
                    value: name.to_owned(),
                }
            } else {
                SocError::storage(context)(e)
            }
        })?;
        tx.commit(context).await?;
        Ok(SavedView {
            id,
            name: name.to_owned(),
            query: query.to_owned(),
            created_at: timestamp("saved view time", created_at)?,
        })
    }

    async fn delete_view(&self, user_id: UserId, id: i64) -> Result<bool, SocError> {
        let context = "deleting a saved view";
        let mut tx = self
            .write(Reach::Across(CrossTenant::Identity), context)
            .await?;
        let result = sqlx::query("DELETE FROM saved_views WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id.0)
            .execute(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
        tx.commit(context).await?;
        Ok(result.rows_affected() > 0)
    }

    async fn open_incident_counts(
        &self,
        scope: &TenantScope,
    ) -> Result<Vec<IncidentCount>, SocError> {
        let mut qb = Sql::new(format!(
            "SELECT tenant_id, severity, COUNT(*) AS n FROM incidents{} WHERE status IN ({}",
            self.dialect.indexed_by("incidents_open"),
            open_literals()
        ));
        qb.push(") AND ");
        qb.scope(scope, "tenant_id");
        qb.push(" GROUP BY tenant_id, severity ORDER BY tenant_id, severity");
        let context = "counting incidents";
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let rows = qb.fetch_all(&mut tx, context).await?;
        tx.commit(context).await?;
        rows.iter()
            .map(|row| {
                Ok(IncidentCount {
                    tenant: TenantId(get(row, "tenant_id")?),
                    severity: severity("incident severity", get(row, "severity")?)?,
                    incidents: get(row, "n")?,
                })
            })
            .collect()
    }

    async fn most_severe_open(
        &self,
        scope: &TenantScope,
        limit: u32,
    ) -> Result<Vec<crate::IncidentId>, SocError> {
        let mut qb = Sql::new(format!(
            "SELECT id FROM incidents{} WHERE status IN ({}) AND ",
            self.dialect.indexed_by("incidents_open_severity"),
            open_literals()
        ));
        qb.scope(scope, "tenant_id");
        qb.push(" ORDER BY severity DESC, created_at DESC, id DESC LIMIT ")
            .bind(i64::from(limit));
        let context = "listing the most severe open incidents";
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let rows = qb.fetch_all(&mut tx, context).await?;
        tx.commit(context).await?;
        rows.iter()
            .map(|row| get(row, "id").map(crate::IncidentId))
            .collect()
    }

    async fn alerts_per_hour(
        &self,
        scope: &TenantScope,
        since: Timestamp,
    ) -> Result<Vec<HourCount>, SocError> {
        let since_us = since.as_microsecond().div_euclid(HOUR_US) * HOUR_US;
        let mut qb = Sql::new(
            "SELECT created_at / 3600000000 AS hour, COUNT(*) AS alerts FROM alerts WHERE created_at >= ",
        );
        qb.bind(since_us);
        qb.push(" AND ");
        qb.scope(scope, "tenant_id");
        qb.push(" GROUP BY hour ORDER BY hour");
        let context = "counting alerts per hour";
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let rows = qb.fetch_all(&mut tx, context).await?;
        tx.commit(context).await?;
        rows.iter()
            .map(|row| {
                let hour: i64 = get(row, "hour")?;
                Ok(HourCount {
                    hour: timestamp("alert hour", hour.saturating_mul(HOUR_US))?,
                    alerts: get(row, "alerts")?,
                })
            })
            .collect()
    }
}
