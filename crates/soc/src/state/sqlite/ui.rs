//! The web application's per-user state on SQLite (`user_prefs`, `saved_views`, migration
//! `0005_ui.sql`) and the hourly alert counts of the dashboard chart.

use jiff::Timestamp;
use sqlx::{QueryBuilder, Sqlite};
use vigie_event::{TenantId, TenantScope};

use super::{SqliteStore, get, is_unique_violation, now_us, push_scope, severity, timestamp};
use crate::SocError;
use crate::prefs::{
    HourCount, IncidentCount, OPEN_STATUSES, PrefsStore, SavedView, VIEWS_PER_USER_MAX, check_view,
};

const HOUR_US: i64 = 3_600_000_000;

/// The open statuses as SQL literals, exactly as the partial indexes `incidents_open` and
/// `incidents_open_severity` name them (migration 5): a query must repeat them so for SQLite
/// to use those indexes (a bound list would not prove the index's condition).
fn open_literals() -> String {
    let statuses = OPEN_STATUSES
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    debug_assert_eq!(statuses, "'new', 'acknowledged', 'in_progress', 'on_hold'");
    statuses
}

fn unknown_user(user_id: i64) -> SocError {
    SocError::NotFound {
        what: "user",
        value: user_id.to_string(),
    }
}

#[async_trait::async_trait]
impl PrefsStore for SqliteStore {
    async fn user_language(&self, user_id: i64) -> Result<Option<String>, SocError> {
        let row = sqlx::query("SELECT language FROM user_prefs WHERE user_id = ?")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(SocError::storage("reading a user's language"))?;
        match row {
            Some(row) => get(&row, "language"),
            None => Ok(None),
        }
    }

    async fn set_user_language(&self, user_id: i64, tag: &str) -> Result<(), SocError> {
        let result = sqlx::query(
            "INSERT INTO user_prefs (user_id, language, updated_at)
             SELECT id, ?, ? FROM users WHERE id = ?
             ON CONFLICT (user_id) DO UPDATE SET language = excluded.language,
                                                 updated_at = excluded.updated_at",
        )
        .bind(tag)
        .bind(now_us())
        .bind(user_id)
        .execute(&self.pool)
        .await
        .map_err(SocError::storage("saving a user's language"))?;
        if result.rows_affected() == 0 {
            return Err(unknown_user(user_id));
        }
        Ok(())
    }

    async fn saved_views(&self, user_id: i64) -> Result<Vec<SavedView>, SocError> {
        let rows = sqlx::query(
            "SELECT id, name, query, created_at FROM saved_views WHERE user_id = ?
             ORDER BY name, id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(SocError::storage("listing saved views"))?;
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
        user_id: i64,
        name: &str,
        query: &str,
    ) -> Result<SavedView, SocError> {
        let name = name.trim();
        check_view(name, query)?;
        let context = "saving a view";
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(SocError::storage(context))?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = ?")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
        if exists.is_none() {
            return Err(unknown_user(user_id));
        }
        let (count, same): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(name = ?), 0) FROM saved_views WHERE user_id = ?",
        )
        .bind(name)
        .bind(user_id)
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
            "INSERT INTO saved_views (user_id, name, query, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (user_id, name) DO UPDATE SET query = excluded.query,
                                                      created_at = excluded.created_at
             RETURNING id",
        )
        .bind(user_id)
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
        tx.commit().await.map_err(SocError::storage(context))?;
        Ok(SavedView {
            id,
            name: name.to_owned(),
            query: query.to_owned(),
            created_at: timestamp("saved view time", created_at)?,
        })
    }

    async fn delete_view(&self, user_id: i64, id: i64) -> Result<bool, SocError> {
        let result = sqlx::query("DELETE FROM saved_views WHERE id = ? AND user_id = ?")
            .bind(id)
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(SocError::storage("deleting a saved view"))?;
        Ok(result.rows_affected() > 0)
    }

    async fn open_incident_counts(
        &self,
        scope: &TenantScope,
    ) -> Result<Vec<IncidentCount>, SocError> {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT tenant_id, severity, COUNT(*) AS n FROM incidents INDEXED BY incidents_open \
             WHERE status IN ({}",
            open_literals()
        ));
        qb.push(") AND ");
        push_scope(&mut qb, scope, "tenant_id");
        qb.push(" GROUP BY tenant_id, severity ORDER BY tenant_id, severity");
        let rows = qb
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(SocError::storage("counting incidents"))?;
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
    ) -> Result<Vec<i64>, SocError> {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT id FROM incidents INDEXED BY incidents_open_severity WHERE status IN ({}) AND ",
            open_literals()
        ));
        push_scope(&mut qb, scope, "tenant_id");
        qb.push(" ORDER BY severity DESC, created_at DESC, id DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = qb
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(SocError::storage("listing the most severe open incidents"))?;
        rows.iter().map(|row| get(row, "id")).collect()
    }

    async fn alerts_per_hour(
        &self,
        scope: &TenantScope,
        since: Timestamp,
    ) -> Result<Vec<HourCount>, SocError> {
        let since_us = since.as_microsecond().div_euclid(HOUR_US) * HOUR_US;
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT created_at / 3600000000 AS hour, COUNT(*) AS alerts FROM alerts WHERE created_at >= ",
        );
        qb.push_bind(since_us);
        qb.push(" AND ");
        push_scope(&mut qb, scope, "tenant_id");
        qb.push(" GROUP BY hour ORDER BY hour");
        let rows = qb
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(SocError::storage("counting alerts per hour"))?;
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

#[cfg(test)]
mod tests {
    use vigie_event::{EventId, Severity, TenantSlug};

    use super::*;
    use crate::access::Access;
    use crate::desk::{Actor, NewUser};
    use crate::{NewAlert, Role, StateStore};

    async fn store() -> (SqliteStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.sqlite"))
            .await
            .unwrap();
        (store, dir)
    }

    #[tokio::test]
    async fn language_and_views_belong_to_their_user() {
        let (store, _dir) = store().await;
        let store = std::sync::Arc::new(store);
        let platform = Access::new(store.clone()).operator_scope();
        let mut ids = Vec::new();
        for name in ["ann", "bob"] {
            let user = store
                .add_user(
                    &Actor::operator(),
                    &platform,
                    &NewUser {
                        username: name.to_owned(),
                        password: "a long enough password".to_owned(),
                        role: Role::PlatformAdmin,
                        tenants: vec![],
                    },
                )
                .await
                .unwrap();
            ids.push(user.id);
        }
        let (ann, bob) = (ids[0], ids[1]);
        assert_eq!(store.user_language(ann).await.unwrap(), None);
        store.set_user_language(ann, "nl").await.unwrap();
        store.set_user_language(ann, "de").await.unwrap();
        assert_eq!(
            store.user_language(ann).await.unwrap().as_deref(),
            Some("de")
        );
        assert_eq!(store.user_language(bob).await.unwrap(), None);
        assert!(matches!(
            store.set_user_language(999, "fr").await,
            Err(SocError::NotFound { .. })
        ));

        let v = store
            .save_view(ann, " High ", "min_severity=high")
            .await
            .unwrap();
        assert_eq!(v.name, "High");
        // Same name: replaced, not doubled.
        let v2 = store
            .save_view(ann, "High", "min_severity=critical")
            .await
            .unwrap();
        assert_eq!(v2.id, v.id);
        store.save_view(ann, "All", "status=any").await.unwrap();
        let views = store.saved_views(ann).await.unwrap();
        assert_eq!(
            views
                .iter()
                .map(|v| (v.name.as_str(), v.query.as_str()))
                .collect::<Vec<_>>(),
            vec![("All", "status=any"), ("High", "min_severity=critical")]
        );
        assert!(store.saved_views(bob).await.unwrap().is_empty());
        // Bob cannot delete Ann's view.
        assert!(!store.delete_view(bob, v.id).await.unwrap());
        assert!(store.delete_view(ann, v.id).await.unwrap());
        assert_eq!(store.saved_views(ann).await.unwrap().len(), 1);
        // Bad names and queries are refused, naming the value.
        let e = store.save_view(ann, "  ", "x=1").await.unwrap_err();
        assert!(e.to_string().contains("view name"), "{e}");
        let e = store
            .save_view(ann, "long", &"x".repeat(3000))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("3000 bytes"), "{e}");
        for n in 0..VIEWS_PER_USER_MAX - 1 {
            store.save_view(ann, &format!("v{n}"), "").await.unwrap();
        }
        let e = store.save_view(ann, "one too many", "").await.unwrap_err();
        assert!(e.to_string().contains("one too many"), "{e}");
        // Replacing an existing one is still allowed at the limit.
        store.save_view(ann, "v0", "status=new").await.unwrap();
    }

    #[tokio::test]
    async fn alerts_per_hour_stay_in_scope() {
        let (store, _dir) = store().await;
        let store = std::sync::Arc::new(store);
        let a = store
            .create_tenant(&TenantSlug::new("ta").unwrap(), "A")
            .await
            .unwrap()
            .id;
        let b = store
            .create_tenant(&TenantSlug::new("tb").unwrap(), "B")
            .await
            .unwrap()
            .id;
        let alert = |tenant, n: u128| NewAlert {
            tenant,
            rule_id: format!("r{n}"),
            rule_title: "t".into(),
            severity: Severity::Low,
            event_id: EventId(n),
            event_received_at: Timestamp::now(),
            event: serde_json::json!({}),
            group_key: None,
        };
        store
            .insert_alerts(&[alert(a, 1), alert(a, 2), alert(b, 3)])
            .await
            .unwrap();
        let platform = Access::new(store.clone()).operator_scope();
        let since = Timestamp::now() - jiff::SignedDuration::from_hours(24);
        let all = store.alerts_per_hour(&platform, since).await.unwrap();
        assert_eq!(all.iter().map(|h| h.alerts).sum::<i64>(), 3);
        let only_a = store
            .alerts_per_hour(&platform.narrow(a).unwrap(), since)
            .await
            .unwrap();
        assert_eq!(only_a.iter().map(|h| h.alerts).sum::<i64>(), 2);
        assert_eq!(only_a[0].hour.as_second() % 3600, 0);
        // Open incidents per tenant and severity, in scope.
        for id in [alert(a, 1).id(), alert(b, 3).id()] {
            store
                .alert_action(
                    &Actor::operator(),
                    &platform,
                    &id,
                    &crate::desk::AlertAction::Escalate { incident: None },
                )
                .await
                .unwrap()
                .unwrap();
        }
        let counts = store.open_incident_counts(&platform).await.unwrap();
        assert_eq!(counts.len(), 2, "{counts:?}");
        assert!(
            counts
                .iter()
                .all(|c| c.incidents == 1 && c.severity == Severity::Low)
        );
        let only_b = store
            .open_incident_counts(&platform.narrow(b).unwrap())
            .await
            .unwrap();
        assert_eq!(only_b.len(), 1);
        assert_eq!(only_b[0].tenant, b);
        let severe = store.most_severe_open(&platform, 10).await.unwrap();
        assert_eq!(severe.len(), 2);
        assert_eq!(
            store
                .most_severe_open(&platform.narrow(b).unwrap(), 10)
                .await
                .unwrap()
                .len(),
            1
        );
        // A closed incident is not counted.
        let incident = store
            .get_alert(&platform, &alert(a, 1).id())
            .await
            .unwrap()
            .unwrap()
            .incident
            .unwrap();
        for status in ["resolved", "closed"] {
            store
                .update_incident(
                    &Actor::operator(),
                    &platform,
                    incident,
                    &crate::desk::IncidentPatch {
                        status: Some(status.parse().unwrap()),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
        }
        let counts = store.open_incident_counts(&platform).await.unwrap();
        assert_eq!(counts.len(), 1, "{counts:?}");
        assert_eq!(counts[0].tenant, b);
        assert_eq!(
            store.most_severe_open(&platform, 10).await.unwrap().len(),
            1
        );
        let later = Timestamp::now() + jiff::SignedDuration::from_hours(2);
        assert!(
            store
                .alerts_per_hour(&platform, later)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
