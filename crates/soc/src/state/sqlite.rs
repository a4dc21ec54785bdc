//! The embedded state store: one SQLite file in the data directory.
//!
//! The file is opened in WAL journal mode with `synchronous = FULL` (a committed token,
//! tenant or alert survives a power cut), foreign keys on and a busy timeout, through a small
//! connection pool. Writing transactions start with `BEGIN IMMEDIATE` so two writers queue on
//! the busy timeout instead of failing on a read-to-write upgrade.
//!
//! # Migrations
//!
//! The schema lives in `migrations/sqlite/NNNN_name.sql`, embedded in the binary. Each
//! migration runs once, in its own transaction, and is recorded with its version in the
//! `schema_version` table; a database whose version is newer than the binary knows is
//! refused ([`SocError::SchemaTooNew`]). To change the schema, add the next file (e.g.
//! `0002_incidents.sql`) and append it to `MIGRATIONS` below; never edit a migration that has
//! shipped. The PostgreSQL backend keeps its own numbered list.

use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite};
use vigie_event::{EventId, Severity, TenantId, TenantScope, TenantSlug};

use super::{Role, RuleAudience, RuleStatus, StateStore};
use crate::SocError;
use crate::alert::{Alert, AlertCursor, AlertFilter, AlertPage, NewAlert, Page};
use crate::password;
use crate::tenant::Tenant;
use crate::token::{NewToken, TokenInfo, TokenKind, TokenOwner, generate_secret, hash_secret};

/// One embedded schema migration.
struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

/// Every migration, in order. Append only.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "desk",
        sql: include_str!("../../migrations/sqlite/0002_desk.sql"),
    },
    Migration {
        version: 3,
        name: "nis2",
        sql: include_str!("../../migrations/sqlite/0003_nis2.sql"),
    },
    Migration {
        version: 4,
        name: "desk_tokens_sla",
        sql: include_str!("../../migrations/sqlite/0004_desk_tokens_sla.sql"),
    },
    Migration {
        version: 5,
        name: "ui",
        sql: include_str!("../../migrations/sqlite/0005_ui.sql"),
    },
    Migration {
        version: 6,
        name: "rule_status_audience",
        sql: include_str!("../../migrations/sqlite/0006_rule_status_audience.sql"),
    },
];

#[cfg(test)]
mod audit_tamper;
mod backup;
mod desk;
pub use desk::BenchFill;
#[cfg(test)]
mod desk_tests;
mod nis2;
mod ui;
mod users;

use crate::audit::{AuditEntry, AuditRecord};
use crate::desk::{
    Actor, AlertAction, Incident, IncidentDetail, IncidentFilter, IncidentPage, IncidentPatch,
    IncidentSort, LoginRecord, NewIncident, NewSuppression, NewUser, RuleStats, SessionRecord,
    SlaBreach, SlaSummaryRow, Suppression, Task, User, UserAuthority, UserPatch,
};
use crate::sla::SlaContract;
use crate::token::{CreatedUserToken, NewUserToken, UserTokenInfo};

/// Default dedup window: alerts of one rule and group key within 15 minutes fold into one.
pub(crate) const DEFAULT_DEDUP_WINDOW: Duration = Duration::from_secs(15 * 60);

/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The SQLite [`StateStore`].
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    dedup_window_us: i64,
}

impl SqliteStore {
    /// Opens (creating it if needed) the state database at `path` and brings its schema up to
    /// date.
    pub async fn open(path: &Path) -> Result<Self, SocError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| SocError::Open {
                path: path.to_owned(),
                source,
            })?;
        let store = Self {
            pool,
            dedup_window_us: DEFAULT_DEDUP_WINDOW.as_micros() as i64,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Sets the alert dedup window (see [`NewAlert::group_key`]).
    pub fn with_dedup_window(mut self, window: Duration) -> Self {
        self.dedup_window_us = i64::try_from(window.as_micros()).unwrap_or(i64::MAX);
        self
    }

    /// Closes every connection (checkpointing the WAL). Further calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The schema version of the database (the highest migration applied).
    pub async fn schema_version(&self) -> Result<i64, SocError> {
        sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_version")
            .fetch_one(&self.pool)
            .await
            .and_then(|row| row.try_get::<i64, _>(0))
            .map_err(SocError::storage("reading the schema version"))
    }

    async fn migrate(&self) -> Result<(), SocError> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_version (
                version    INTEGER PRIMARY KEY,
                name       TEXT    NOT NULL,
                applied_at INTEGER NOT NULL
            )",
        )
        .execute(&self.pool)
        .await
        .map_err(SocError::storage("creating the schema_version table"))?;

        let known = MIGRATIONS.last().map_or(0, |m| m.version);
        for migration in MIGRATIONS {
            let failed = |source| SocError::Migration {
                version: migration.version,
                name: migration.name,
                source,
            };
            let mut tx = self
                .pool
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(failed)?;
            // Read inside the write transaction: a concurrent opener cannot apply it twice.
            let current: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_version")
                .fetch_one(&mut *tx)
                .await
                .and_then(|row| row.try_get(0))
                .map_err(failed)?;
            if current > known {
                return Err(SocError::SchemaTooNew {
                    found: current,
                    known,
                });
            }
            if current >= migration.version {
                continue;
            }
            sqlx::raw_sql(migration.sql)
                .execute(&mut *tx)
                .await
                .map_err(failed)?;
            sqlx::query("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)")
                .bind(migration.version)
                .bind(migration.name)
                .bind(now_us())
                .execute(&mut *tx)
                .await
                .map_err(failed)?;
            tx.commit().await.map_err(failed)?;
            tracing::info!(
                version = migration.version,
                name = migration.name,
                "applied state schema migration"
            );
        }
        // An empty migration list aside, also refuse a newer database when nothing was to do.
        let current = self.schema_version().await?;
        if current > known {
            return Err(SocError::SchemaTooNew {
                found: current,
                known,
            });
        }
        Ok(())
    }
}

impl SqliteStore {
    /// Records one raised alert: ignored if already recorded (replay), folded into an open
    /// alert of the same tenant, rule and group key within the dedup window, or inserted
    /// (as `suppressed` when an active suppression matches). Returns 1 for a new alert row.
    async fn insert_one_alert(
        &self,
        tx: &mut sqlx::SqliteConnection,
        alert: &NewAlert,
        created_at: i64,
    ) -> Result<u64, SocError> {
        let context = "inserting alerts";
        let member = alert.id();
        let seen = sqlx::query("SELECT 1 FROM alert_members WHERE member_id = ?")
            .bind(&member)
            .fetch_optional(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
        if seen.is_some() {
            return Ok(0);
        }
        let received = alert.event_received_at.as_microsecond();
        let suppression = sqlx::query(
            "SELECT id, reason FROM suppressions
             WHERE tenant_id = ? AND rule_id = ? AND (group_key IS NULL OR group_key = ?)
               AND expires_at > ?
             ORDER BY id LIMIT 1",
        )
        .bind(alert.tenant.0)
        .bind(&alert.rule_id)
        .bind(alert.group_key.as_deref())
        .bind(created_at)
        .fetch_optional(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        if let (Some(key), None) = (&alert.group_key, &suppression) {
            let target = sqlx::query(
                "SELECT id FROM alerts
                 WHERE tenant_id = ? AND rule_id = ? AND group_key = ?
                   AND status IN ('new', 'acknowledged', 'escalated')
                   AND last_seen >= ? AND first_seen <= ?
                 ORDER BY last_seen DESC LIMIT 1",
            )
            .bind(alert.tenant.0)
            .bind(&alert.rule_id)
            .bind(key)
            .bind(received.saturating_sub(self.dedup_window_us))
            .bind(received.saturating_add(self.dedup_window_us))
            .fetch_optional(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
            if let Some(row) = target {
                let target: String = get(&row, "id")?;
                sqlx::query(
                    "UPDATE alerts SET count = count + 1, last_seen = MAX(last_seen, ?1),
                                       first_seen = MIN(first_seen, ?1)
                     WHERE id = ?2",
                )
                .bind(received)
                .bind(&target)
                .execute(&mut *tx)
                .await
                .map_err(SocError::storage(context))?;
                sqlx::query("INSERT INTO alert_members (member_id, alert_id) VALUES (?, ?)")
                    .bind(&member)
                    .bind(&target)
                    .execute(&mut *tx)
                    .await
                    .map_err(SocError::storage(context))?;
                return Ok(0);
            }
        }
        let (status, reason, suppression_id) = match &suppression {
            Some(row) => (
                "suppressed",
                Some(get::<String>(row, "reason")?),
                Some(get::<i64>(row, "id")?),
            ),
            None => ("new", None, None),
        };
        sqlx::query(
            "INSERT INTO alerts (id, tenant_id, rule_id, rule_title, severity, event_id,
                                 event_received_at, created_at, event, group_key, count,
                                 first_seen, last_seen, status, status_reason, suppression_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
        )
        .bind(&member)
        .bind(alert.tenant.0)
        .bind(&alert.rule_id)
        .bind(&alert.rule_title)
        .bind(rank(alert.severity))
        .bind(alert.event_id.to_string())
        .bind(received)
        .bind(created_at)
        .bind(alert.event.to_string())
        .bind(alert.group_key.as_deref())
        .bind(received)
        .bind(received)
        .bind(status)
        .bind(reason)
        .bind(suppression_id)
        .execute(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        sqlx::query("INSERT INTO alert_members (member_id, alert_id) VALUES (?, ?)")
            .bind(&member)
            .bind(&member)
            .execute(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
        if let Some(id) = suppression_id {
            sqlx::query("UPDATE suppressions SET hits = hits + 1 WHERE id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(SocError::storage(context))?;
        }
        Ok(1)
    }
}

/// Now, truncated to the microsecond that is stored, so what `create_*` returns equals what a
/// later read returns.
fn now() -> Timestamp {
    Timestamp::from_microsecond(now_us()).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn now_us() -> i64 {
    Timestamp::now().as_microsecond()
}

fn timestamp(what: &'static str, micros: i64) -> Result<Timestamp, SocError> {
    Timestamp::from_microsecond(micros).map_err(|e| SocError::Corrupt {
        what,
        detail: e.to_string(),
    })
}

fn severity(what: &'static str, rank: i64) -> Result<Severity, SocError> {
    usize::try_from(rank)
        .ok()
        .and_then(|rank| Severity::ALL.get(rank).copied())
        .ok_or_else(|| SocError::Corrupt {
            what,
            detail: format!("severity rank {rank}"),
        })
}

fn rank(severity: Severity) -> i64 {
    i64::from(severity.rank())
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Appends the scope filter on `column`: `column IN (..)` for a tenant scope, a tautology for
/// the platform scope. Every read of tenant data goes through here.
fn push_scope(qb: &mut QueryBuilder<Sqlite>, scope: &TenantScope, column: &str) {
    match scope.tenants() {
        None => {
            qb.push("1 = 1");
        }
        Some(tenants) => {
            qb.push(column);
            qb.push(" IN (");
            let mut list = qb.separated(", ");
            for tenant in tenants {
                list.push_bind(tenant.0);
            }
            // A scope's tenant set is never empty, but an empty IN () must match nothing.
            if tenants.is_empty() {
                list.push("NULL");
            }
            qb.push(")");
        }
    }
}

fn get<'r, T>(row: &'r SqliteRow, column: &'static str) -> Result<T, SocError>
where
    T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    row.try_get(column)
        .map_err(SocError::storage("decoding a row"))
}

fn tenant_from_row(row: &SqliteRow) -> Result<Tenant, SocError> {
    let slug: String = get(row, "slug")?;
    Ok(Tenant {
        id: TenantId(get(row, "id")?),
        slug: TenantSlug::new(slug).map_err(|e| SocError::Corrupt {
            what: "tenant slug",
            detail: e.to_string(),
        })?,
        name: get(row, "name")?,
        created_at: timestamp("tenant created_at", get(row, "created_at")?)?,
    })
}

fn token_from_row(row: &SqliteRow) -> Result<TokenInfo, SocError> {
    let tenant: Option<i64> = get(row, "tenant_id")?;
    let kind: String = get(row, "kind")?;
    let revoked_at: Option<i64> = get(row, "revoked_at")?;
    Ok(TokenInfo {
        id: get(row, "id")?,
        owner: tenant.map_or(TokenOwner::Platform, |id| TokenOwner::Tenant(TenantId(id))),
        kind: kind
            .parse()
            .map_err(|e: crate::token::TokenKindError| SocError::Corrupt {
                what: "token kind",
                detail: e.to_string(),
            })?,
        label: get(row, "label")?,
        created_at: timestamp("token created_at", get(row, "created_at")?)?,
        revoked: revoked_at.is_some(),
    })
}

fn alert_from_row(row: &SqliteRow) -> Result<Alert, SocError> {
    let slug: String = get(row, "slug")?;
    let event_id: String = get(row, "event_id")?;
    let event: String = get(row, "event")?;
    Ok(Alert {
        id: get(row, "id")?,
        tenant: TenantId(get(row, "tenant_id")?),
        tenant_slug: TenantSlug::new(slug).map_err(|e| SocError::Corrupt {
            what: "tenant slug",
            detail: e.to_string(),
        })?,
        rule_id: get(row, "rule_id")?,
        rule_title: get(row, "rule_title")?,
        severity: severity("alert severity", get(row, "severity")?)?,
        event_id: event_id.parse::<EventId>().map_err(|e| SocError::Corrupt {
            what: "alert event_id",
            detail: e.to_string(),
        })?,
        event_received_at: timestamp("alert event_received_at", get(row, "event_received_at")?)?,
        created_at: timestamp("alert created_at", get(row, "created_at")?)?,
        event: serde_json::from_str(&event).map_err(|e| SocError::Corrupt {
            what: "alert event",
            detail: e.to_string(),
        })?,
        group_key: get(row, "group_key")?,
        count: get(row, "count")?,
        first_seen: timestamp("alert first_seen", get(row, "first_seen")?)?,
        last_seen: timestamp("alert last_seen", get(row, "last_seen")?)?,
        status: get::<String>(row, "status")?
            .parse()
            .map_err(|detail| SocError::Corrupt {
                what: "alert status",
                detail,
            })?,
        status_reason: get(row, "status_reason")?,
        incident: get(row, "incident_id")?,
    })
}

fn rule_status_from_row(row: &SqliteRow) -> Result<RuleStatus, SocError> {
    let rank: Option<i64> = get(row, "severity")?;
    let loaded: i64 = get(row, "loaded")?;
    let audience: String = get(row, "audience")?;
    let tenant: Option<i64> = get(row, "tenant_id")?;
    let audience = match (audience.as_str(), tenant) {
        ("everyone", None) => RuleAudience::Everyone,
        ("platform", None) => RuleAudience::Platform,
        ("tenant", Some(t)) => RuleAudience::Tenant(TenantId(t)),
        (other, t) => {
            return Err(SocError::Corrupt {
                what: "rule status audience",
                detail: format!("audience {other:?} with tenant {t:?}"),
            });
        }
    };
    Ok(RuleStatus {
        audience,
        path: get(row, "path")?,
        rule_id: get(row, "rule_id")?,
        title: get(row, "title")?,
        severity: rank.map(|r| severity("rule severity", r)).transpose()?,
        loaded: loaded != 0,
        reason: get(row, "reason")?,
    })
}

fn check_username(username: &str) -> Result<(), SocError> {
    crate::limits::check_username(username)
}

#[async_trait::async_trait]
impl StateStore for SqliteStore {
    async fn create_tenant(&self, slug: &TenantSlug, name: &str) -> Result<Tenant, SocError> {
        crate::limits::TENANT_NAME.check(name)?;
        let created_at = now();
        let context = "creating a tenant";
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(SocError::storage(context))?;
        let result = sqlx::query("INSERT INTO tenants (slug, name, created_at) VALUES (?, ?, ?)")
            .bind(slug.as_str())
            .bind(name)
            .bind(created_at.as_microsecond())
            .execute(&mut *tx)
            .await;
        match result {
            Ok(done) => {
                let id = TenantId(done.last_insert_rowid());
                desk::append_audit(
                    &mut tx,
                    &AuditRecord::new(
                        Actor::operator().0,
                        Some(id),
                        "tenant.create",
                        format!("tenant:{slug}"),
                        serde_json::json!({"name": name}),
                    ),
                )
                .await?;
                tx.commit().await.map_err(SocError::storage(context))?;
                Ok(Tenant {
                    id,
                    slug: slug.clone(),
                    name: name.to_owned(),
                    created_at,
                })
            }
            Err(e) if is_unique_violation(&e) => Err(SocError::Conflict {
                what: "tenant",
                value: slug.to_string(),
            }),
            Err(e) => Err(SocError::storage("creating a tenant")(e)),
        }
    }

    async fn list_tenants(&self, scope: &TenantScope) -> Result<Vec<Tenant>, SocError> {
        let mut qb = QueryBuilder::new("SELECT id, slug, name, created_at FROM tenants WHERE ");
        push_scope(&mut qb, scope, "id");
        qb.push(" ORDER BY slug");
        let rows = qb
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(SocError::storage("listing tenants"))?;
        rows.iter().map(tenant_from_row).collect()
    }

    async fn find_tenant(
        &self,
        scope: &TenantScope,
        slug: &TenantSlug,
    ) -> Result<Option<Tenant>, SocError> {
        let mut qb = QueryBuilder::new("SELECT id, slug, name, created_at FROM tenants WHERE ");
        push_scope(&mut qb, scope, "id");
        qb.push(" AND slug = ").push_bind(slug.as_str().to_owned());
        let row = qb
            .build()
            .fetch_optional(&self.pool)
            .await
            .map_err(SocError::storage("finding a tenant"))?;
        row.as_ref().map(tenant_from_row).transpose()
    }

    async fn create_token(
        &self,
        owner: TokenOwner,
        kind: TokenKind,
        label: &str,
    ) -> Result<NewToken, SocError> {
        crate::limits::TOKEN_LABEL.check_len(label)?;
        let context = "creating a token";
        let secret = generate_secret();
        let hash = hash_secret(&secret);
        let created_at = now();
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(SocError::storage(context))?;
        if let TokenOwner::Tenant(tenant) = owner {
            let exists = sqlx::query("SELECT 1 FROM tenants WHERE id = ?")
                .bind(tenant.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(SocError::storage(context))?
                .is_some();
            if !exists {
                return Err(SocError::NotFound {
                    what: "tenant",
                    value: tenant.to_string(),
                });
            }
        }
        let done = sqlx::query(
            "INSERT INTO tokens (tenant_id, kind, label, secret_hash, created_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(owner.tenant().map(|t| t.0))
        .bind(kind.as_str())
        .bind(label)
        .bind(&hash[..])
        .bind(created_at.as_microsecond())
        .execute(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        desk::append_audit(
            &mut tx,
            &AuditRecord::new(
                Actor::operator().0,
                owner.tenant(),
                "token.create",
                format!("token:{}", done.last_insert_rowid()),
                serde_json::json!({"kind": kind.as_str(), "label": label}),
            ),
        )
        .await?;
        tx.commit().await.map_err(SocError::storage(context))?;
        Ok(NewToken {
            info: TokenInfo {
                id: done.last_insert_rowid(),
                owner,
                kind,
                label: label.to_owned(),
                created_at,
                revoked: false,
            },
            secret,
        })
    }

    async fn list_tokens(&self, scope: &TenantScope) -> Result<Vec<TokenInfo>, SocError> {
        let mut qb = QueryBuilder::new(
            "SELECT id, tenant_id, kind, label, created_at, revoked_at FROM tokens WHERE ",
        );
        // In a tenant scope `tenant_id IN (..)` also excludes platform tokens (NULL tenant).
        push_scope(&mut qb, scope, "tenant_id");
        qb.push(" ORDER BY id");
        let rows = qb
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(SocError::storage("listing tokens"))?;
        rows.iter().map(token_from_row).collect()
    }

    async fn revoke_token(&self, scope: &TenantScope, id: i64) -> Result<bool, SocError> {
        let mut qb = QueryBuilder::new("UPDATE tokens SET revoked_at = COALESCE(revoked_at, ");
        qb.push_bind(now_us());
        qb.push(") WHERE id = ").push_bind(id).push(" AND ");
        push_scope(&mut qb, scope, "tenant_id");
        let context = "revoking a token";
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(SocError::storage(context))?;
        let done = qb
            .build()
            .execute(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
        if done.rows_affected() > 0 {
            desk::append_audit(
                &mut tx,
                &AuditRecord::new(
                    Actor::operator().0,
                    None,
                    "token.revoke",
                    format!("token:{id}"),
                    serde_json::json!({}),
                ),
            )
            .await?;
        }
        tx.commit().await.map_err(SocError::storage(context))?;
        Ok(done.rows_affected() > 0)
    }

    async fn token_by_secret_hash(&self, hash: &[u8; 32]) -> Result<Option<TokenInfo>, SocError> {
        let row = sqlx::query(
            "SELECT id, tenant_id, kind, label, created_at, revoked_at FROM tokens
             WHERE secret_hash = ?",
        )
        .bind(&hash[..])
        .fetch_optional(&self.pool)
        .await
        .map_err(SocError::storage("looking a token up"))?;
        row.as_ref().map(token_from_row).transpose()
    }

    async fn user_count(&self) -> Result<u64, SocError> {
        let count: i64 = sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .and_then(|row| row.try_get(0))
            .map_err(SocError::storage("counting users"))?;
        Ok(count.unsigned_abs())
    }

    async fn create_user(
        &self,
        username: &str,
        password: &str,
        role: Role,
    ) -> Result<i64, SocError> {
        check_username(username)?;
        crate::limits::PASSWORD.check(password)?;
        let phc = password::hash_password(password).await?;
        let context = "creating a user";
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(SocError::storage(context))?;
        let result = sqlx::query(
            "INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(username)
        .bind(phc)
        .bind(role.as_str())
        .bind(now_us())
        .execute(&mut *tx)
        .await;
        match result {
            Ok(done) => {
                let id = done.last_insert_rowid();
                desk::append_audit(
                    &mut tx,
                    &AuditRecord::new(
                        Actor::operator().0,
                        None,
                        "user.create",
                        format!("user:{username}"),
                        serde_json::json!({"id": id, "role": role}),
                    ),
                )
                .await?;
                tx.commit().await.map_err(SocError::storage(context))?;
                Ok(id)
            }
            Err(e) if is_unique_violation(&e) => Err(SocError::Conflict {
                what: "user",
                value: username.to_owned(),
            }),
            Err(e) => Err(SocError::storage("creating a user")(e)),
        }
    }

    async fn verify_user_password(&self, username: &str, password: &str) -> Result<bool, SocError> {
        let row = sqlx::query("SELECT password_hash FROM users WHERE username = ?")
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(SocError::storage("looking a user up"))?;
        match row {
            Some(row) => {
                let phc: String = get(&row, "password_hash")?;
                password::verify_password(password, &phc).await
            }
            None => password::verify_unknown_user(password).await,
        }
    }

    async fn replace_rule_status(&self, statuses: &[RuleStatus]) -> Result<(), SocError> {
        let context = "replacing the rule status";
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(SocError::storage(context))?;
        sqlx::query("DELETE FROM rule_status")
            .execute(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
        for status in statuses {
            let (audience, tenant) = match status.audience {
                RuleAudience::Everyone => ("everyone", None),
                RuleAudience::Tenant(t) => ("tenant", Some(t.0)),
                RuleAudience::Platform => ("platform", None),
            };
            sqlx::query(
                "INSERT INTO rule_status
                     (path, audience, tenant_id, rule_id, title, severity, loaded, reason)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&status.path)
            .bind(audience)
            .bind(tenant)
            .bind(status.rule_id.as_deref())
            .bind(status.title.as_deref())
            .bind(status.severity.map(rank))
            .bind(i64::from(status.loaded))
            .bind(status.reason.as_deref())
            .execute(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
        }
        tx.commit().await.map_err(SocError::storage(context))
    }

    async fn list_rule_status(&self, scope: &TenantScope) -> Result<Vec<RuleStatus>, SocError> {
        let mut qb = QueryBuilder::new(
            "SELECT path, audience, tenant_id, rule_id, title, severity, loaded, reason
             FROM rule_status WHERE ",
        );
        if scope.is_platform() {
            qb.push("1 = 1");
        } else {
            // The shared rules, and the filters of the scope's tenants.
            qb.push("audience = 'everyone' OR (audience = 'tenant' AND ");
            push_scope(&mut qb, scope, "tenant_id");
            qb.push(")");
        }
        qb.push(" ORDER BY path, position");
        let rows = qb
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(SocError::storage("listing the rule status"))?;
        rows.iter().map(rule_status_from_row).collect()
    }

    async fn insert_alerts(&self, alerts: &[NewAlert]) -> Result<u64, SocError> {
        if alerts.is_empty() {
            return Ok(0);
        }
        let context = "inserting alerts";
        let created_at = now_us();
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(SocError::storage(context))?;
        let tenants: std::collections::BTreeSet<TenantId> =
            alerts.iter().map(|a| a.tenant).collect();
        for tenant in tenants {
            let exists = sqlx::query("SELECT 1 FROM tenants WHERE id = ?")
                .bind(tenant.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(SocError::storage(context))?
                .is_some();
            if !exists {
                return Err(SocError::NotFound {
                    what: "tenant",
                    value: tenant.to_string(),
                });
            }
        }
        let mut inserted = 0;
        for alert in alerts {
            inserted += self.insert_one_alert(&mut tx, alert, created_at).await?;
        }
        tx.commit().await.map_err(SocError::storage(context))?;
        Ok(inserted)
    }

    async fn list_alerts(
        &self,
        scope: &TenantScope,
        filter: &AlertFilter,
        page: &Page,
    ) -> Result<AlertPage, SocError> {
        let cursor = page.decoded_cursor()?;
        let limit = page.effective_limit();
        let scope = match filter.tenant {
            None => scope.clone(),
            Some(tenant) => match scope.narrow(tenant) {
                Some(narrowed) => narrowed,
                None => {
                    return Ok(AlertPage {
                        alerts: Vec::new(),
                        next_cursor: None,
                    });
                }
            },
        };
        let mut qb = QueryBuilder::new(format!(
            "SELECT {} FROM alerts a JOIN tenants t ON t.id = a.tenant_id WHERE ",
            desk::ALERT_COLUMNS
        ));
        push_scope(&mut qb, &scope, "a.tenant_id");
        if !filter.statuses.is_empty() {
            qb.push(" AND a.status IN (");
            let mut list = qb.separated(", ");
            for status in &filter.statuses {
                list.push_bind(status.as_str());
            }
            qb.push(")");
        }
        if let Some(rule_id) = &filter.rule_id {
            qb.push(" AND a.rule_id = ").push_bind(rule_id.clone());
        }
        if !filter.severities.is_empty() {
            qb.push(" AND a.severity IN (");
            let mut list = qb.separated(", ");
            for level in &filter.severities {
                list.push_bind(rank(*level));
            }
            qb.push(")");
        }
        if let Some(min) = filter.min_severity {
            qb.push(" AND a.severity >= ").push_bind(rank(min));
        }
        if let Some(since) = filter.since {
            qb.push(" AND a.created_at >= ")
                .push_bind(since.as_microsecond());
        }
        if let Some(until) = filter.until {
            qb.push(" AND a.created_at < ")
                .push_bind(until.as_microsecond());
        }
        if let Some(cursor) = &cursor {
            qb.push(" AND (a.created_at < ")
                .push_bind(cursor.created_at_us)
                .push(" OR (a.created_at = ")
                .push_bind(cursor.created_at_us)
                .push(" AND a.id < ")
                .push_bind(cursor.id.clone())
                .push("))");
        }
        qb.push(" ORDER BY a.created_at DESC, a.id DESC LIMIT ")
            .push_bind(i64::from(limit) + 1);
        let rows = qb
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(SocError::storage("listing alerts"))?;
        let mut alerts = rows
            .iter()
            .map(alert_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let more = alerts.len() > limit as usize;
        alerts.truncate(limit as usize);
        let next_cursor = if more {
            alerts.last().map(|last| AlertCursor::after(last).encode())
        } else {
            None
        };
        Ok(AlertPage {
            alerts,
            next_cursor,
        })
    }

    async fn add_user(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        new: &NewUser,
    ) -> Result<User, SocError> {
        self.desk_add_user(actor, scope, UserAuthority::All, new)
            .await
    }

    async fn create_user_as(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        authority: UserAuthority,
        new: &NewUser,
    ) -> Result<User, SocError> {
        self.desk_add_user(actor, scope, authority, new).await
    }

    async fn update_user(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        authority: UserAuthority,
        id: i64,
        patch: &UserPatch,
    ) -> Result<Option<User>, SocError> {
        self.users_update(actor, scope, authority, id, patch).await
    }

    async fn create_user_token(
        &self,
        actor: &Actor,
        user_id: i64,
        new: &NewUserToken,
    ) -> Result<CreatedUserToken, SocError> {
        self.users_create_token(actor, user_id, new).await
    }

    async fn list_user_tokens(&self, user_id: i64) -> Result<Vec<UserTokenInfo>, SocError> {
        self.users_list_tokens(user_id).await
    }

    async fn revoke_user_token(
        &self,
        actor: &Actor,
        user_id: i64,
        id: i64,
    ) -> Result<bool, SocError> {
        self.users_revoke_token(actor, user_id, id).await
    }

    async fn user_token_by_secret_hash(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<(UserTokenInfo, User)>, SocError> {
        self.users_token_by_hash(hash).await
    }

    async fn list_users(&self, scope: &TenantScope) -> Result<Vec<User>, SocError> {
        self.desk_list_users(scope).await
    }

    async fn get_user(&self, scope: &TenantScope, id: i64) -> Result<Option<User>, SocError> {
        self.desk_get_user(scope, id).await
    }

    async fn set_user_disabled(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: i64,
        disabled: bool,
    ) -> Result<Option<User>, SocError> {
        self.desk_set_user_disabled(actor, scope, id, disabled)
            .await
    }

    async fn login_record(&self, username: &str) -> Result<Option<LoginRecord>, SocError> {
        self.desk_login_record(username).await
    }

    async fn create_session(
        &self,
        secret_hash: &[u8; 32],
        user_id: i64,
        csrf: &str,
        expires_at: Timestamp,
    ) -> Result<(), SocError> {
        self.desk_create_session(secret_hash, user_id, csrf, expires_at)
            .await
    }

    async fn session(&self, secret_hash: &[u8; 32]) -> Result<Option<SessionRecord>, SocError> {
        self.desk_session(secret_hash).await
    }

    async fn end_session(&self, secret_hash: &[u8; 32]) -> Result<bool, SocError> {
        self.desk_end_session(secret_hash).await
    }

    async fn audit(&self, record: &AuditRecord) -> Result<(), SocError> {
        self.desk_audit(record).await
    }

    async fn audit_head(&self) -> Result<(i64, [u8; 32]), SocError> {
        self.desk_audit_head().await
    }

    async fn audit_entries(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>, SocError> {
        self.desk_audit_entries(after, limit).await
    }

    async fn get_alert(&self, scope: &TenantScope, id: &str) -> Result<Option<Alert>, SocError> {
        self.desk_get_alert(scope, id).await
    }

    async fn alert_action(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: &str,
        action: &AlertAction,
    ) -> Result<Option<Alert>, SocError> {
        self.desk_alert_action(actor, scope, id, action).await
    }

    async fn rule_stats(&self, scope: &TenantScope) -> Result<Vec<RuleStats>, SocError> {
        self.desk_rule_stats(scope).await
    }

    async fn add_suppression(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        new: &NewSuppression,
    ) -> Result<Suppression, SocError> {
        self.desk_add_suppression(actor, scope, new).await
    }

    async fn list_suppressions(&self, scope: &TenantScope) -> Result<Vec<Suppression>, SocError> {
        self.desk_list_suppressions(scope).await
    }

    async fn end_suppression(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: i64,
    ) -> Result<bool, SocError> {
        self.desk_end_suppression(actor, scope, id).await
    }

    async fn create_incident(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        new: &NewIncident,
    ) -> Result<Incident, SocError> {
        self.desk_create_incident(actor, scope, new).await
    }

    async fn list_incidents(
        &self,
        scope: &TenantScope,
        filter: &IncidentFilter,
        sort: IncidentSort,
        page: &Page,
    ) -> Result<IncidentPage, SocError> {
        self.desk_list_incidents(scope, filter, sort, page).await
    }

    async fn incident_detail(
        &self,
        scope: &TenantScope,
        id: i64,
        now: Timestamp,
    ) -> Result<Option<IncidentDetail>, SocError> {
        self.desk_incident_detail(scope, id, now).await
    }

    async fn update_incident(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: i64,
        patch: &IncidentPatch,
    ) -> Result<Option<Incident>, SocError> {
        self.desk_update_incident(actor, scope, id, patch).await
    }

    async fn add_comment(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        incident: i64,
        body: &str,
    ) -> Result<Option<i64>, SocError> {
        self.desk_add_comment(actor, scope, incident, body).await
    }

    async fn add_task(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        incident: i64,
        title: &str,
    ) -> Result<Option<Task>, SocError> {
        self.desk_add_task(actor, scope, incident, title).await
    }

    async fn set_task_done(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        incident: i64,
        task: i64,
        done: bool,
    ) -> Result<bool, SocError> {
        self.desk_set_task_done(actor, scope, incident, task, done)
            .await
    }

    async fn merge_incidents(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        into: i64,
        from: i64,
    ) -> Result<Option<Incident>, SocError> {
        self.desk_merge(actor, scope, into, from).await
    }

    async fn split_incident(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: i64,
        alerts: &[String],
        title: &str,
    ) -> Result<Option<Incident>, SocError> {
        self.desk_split(actor, scope, id, alerts, title).await
    }

    async fn set_sla_contract(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        tenant: TenantId,
        contract: &SlaContract,
    ) -> Result<(), SocError> {
        self.desk_set_sla_contract(actor, scope, tenant, contract)
            .await
    }

    async fn sla_contract(
        &self,
        scope: &TenantScope,
        tenant: TenantId,
    ) -> Result<Option<SlaContract>, SocError> {
        self.desk_sla_contract(scope, tenant).await
    }

    async fn record_sla_breaches(&self, now: Timestamp) -> Result<u64, SocError> {
        self.desk_record_breaches(now).await
    }

    async fn sla_summary(
        &self,
        scope: &TenantScope,
        since: Timestamp,
    ) -> Result<Vec<SlaSummaryRow>, SocError> {
        self.desk_sla_summary(scope, since).await
    }

    async fn sla_breaches(&self, scope: &TenantScope) -> Result<Vec<SlaBreach>, SocError> {
        self.desk_sla_breaches(scope).await
    }

    async fn count_alerts(&self, scope: &TenantScope) -> Result<u64, SocError> {
        let mut qb = QueryBuilder::new("SELECT COUNT(*) FROM alerts WHERE ");
        push_scope(&mut qb, scope, "tenant_id");
        let count: i64 = qb
            .build()
            .fetch_one(&self.pool)
            .await
            .and_then(|row| row.try_get(0))
            .map_err(SocError::storage("counting alerts"))?;
        Ok(count.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::{Arc, Mutex};

    use proptest::prelude::*;
    use vigie_event::Grant;

    use super::*;
    use crate::access::test_scope;
    use crate::testsuite::{self, Store};

    async fn open_in(dir: &Path) -> SqliteStore {
        SqliteStore::open(&dir.join("state.db")).await.unwrap()
    }

    #[tokio::test]
    async fn conformance() {
        let dirs = Arc::new(Mutex::new(Vec::new()));
        testsuite::run_all(|| {
            let dirs = dirs.clone();
            async move {
                let dir = tempfile::tempdir().unwrap();
                let store = open_in(dir.path()).await;
                dirs.lock().unwrap().push(dir);
                Arc::new(store) as Store
            }
        })
        .await;
    }

    /// Every byte the database keeps on disk (main file, WAL, shared memory).
    fn disk_bytes(dir: &Path) -> Vec<u8> {
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
        }
        bytes
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[tokio::test]
    async fn token_secrets_are_not_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(open_in(dir.path()).await);
        let secrets = testsuite::tokens(store.clone()).await;
        // Before and after the WAL is checkpointed into the main file.
        for closed in [false, true] {
            if closed {
                store.close().await;
            }
            let bytes = disk_bytes(dir.path());
            for secret in &secrets {
                assert!(!contains(&bytes, secret.as_bytes()), "secret on disk");
                let random_part = &secret[crate::token::SECRET_PREFIX.len()..];
                assert!(!contains(&bytes, random_part.as_bytes()), "secret on disk");
                let raw = hex::decode(random_part).unwrap();
                assert!(!contains(&bytes, &raw), "secret bytes on disk");
                // Sanity: we are reading the right files, the hash is there.
                assert!(contains(&bytes, &hash_secret(secret)), "hash not found");
            }
        }
    }

    #[tokio::test]
    async fn reopen_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let store = open_in(dir.path()).await;
        let marker = testsuite::persistence_write(Arc::new(store.clone())).await;
        assert_eq!(
            store.schema_version().await.unwrap(),
            MIGRATIONS.last().map_or(0, |m| m.version)
        );
        store.close().await;
        drop(store);
        let reopened = open_in(dir.path()).await;
        assert_eq!(
            reopened.schema_version().await.unwrap(),
            MIGRATIONS.last().map_or(0, |m| m.version)
        );
        let applied: i64 = sqlx::query("SELECT COUNT(*) FROM schema_version")
            .fetch_one(&reopened.pool)
            .await
            .unwrap()
            .get(0);
        assert_eq!(applied, MIGRATIONS.len() as i64, "a migration ran twice");
        testsuite::persistence_check(Arc::new(reopened), &marker).await;
    }

    #[tokio::test]
    async fn pragmas_are_set() {
        let dir = tempfile::tempdir().unwrap();
        let store = open_in(dir.path()).await;
        let mode: String = sqlx::query("PRAGMA journal_mode")
            .fetch_one(&store.pool)
            .await
            .unwrap()
            .get(0);
        assert_eq!(mode.to_lowercase(), "wal");
        let fk: i64 = sqlx::query("PRAGMA foreign_keys")
            .fetch_one(&store.pool)
            .await
            .unwrap()
            .get(0);
        assert_eq!(fk, 1);
    }

    #[tokio::test]
    async fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let store = open_in(dir.path()).await;
        sqlx::query(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (99, 'future', 0)",
        )
        .execute(&store.pool)
        .await
        .unwrap();
        store.close().await;
        match SqliteStore::open(&dir.path().join("state.db")).await {
            Err(SocError::SchemaTooNew { found: 99, known })
                if Some(known) == MIGRATIONS.last().map(|m| m.version) => {}
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn open_error_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("state.db");
        let err = SqliteStore::open(&path).await.unwrap_err();
        assert!(err.to_string().contains("missing-dir"), "{err}");
    }

    #[tokio::test]
    async fn concurrent_writers_queue() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(open_in(dir.path()).await);
        let tenant = store
            .create_tenant(&TenantSlug::new("busy").unwrap(), "Busy")
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for w in 0..8u128 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for n in 0..10u128 {
                    let alert = testsuite::new_alert(tenant.id, "r", Severity::Low, w * 100 + n);
                    store.insert_alerts(&[alert]).await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let all = crate::Access::new(store.clone()).operator_scope();
        assert_eq!(store.count_alerts(&all).await.unwrap(), 80);
    }

    /// One generated world: how many tenants, and per alert (tenant index, severity, rule).
    fn world() -> impl Strategy<Value = (usize, Vec<(usize, usize, u8)>, u32, u8)> {
        (1usize..5).prop_flat_map(|tenants| {
            (
                Just(tenants),
                proptest::collection::vec((0..tenants, 0usize..5, 0u8..3), 0..40),
                1u32..7,
                any::<u8>(),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever the data, a scope sees exactly the alerts of its tenants: single-tenant
        /// scopes, multi-tenant scopes, the platform, and `filter.tenant` narrowing.
        #[test]
        fn scope_isolation((tenants, alerts, limit, mask) in world()) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let dir = tempfile::tempdir().unwrap();
                let store: Store = Arc::new(open_in(dir.path()).await);
                let mut ids = Vec::new();
                for t in 0..tenants {
                    let slug = TenantSlug::new(format!("t{t}")).unwrap();
                    ids.push(store.create_tenant(&slug, "T").await.unwrap().id);
                }
                let mut owner = BTreeMap::new();
                let mut batch = Vec::new();
                for (n, (t, sev, rule)) in alerts.iter().enumerate() {
                    let alert = testsuite::new_alert(
                        ids[*t],
                        &format!("rule-{rule}"),
                        Severity::ALL[*sev],
                        n as u128,
                    );
                    owner.insert(alert.id(), ids[*t]);
                    batch.push(alert);
                }
                // Two batches, so created_at differs between some alerts.
                let (first, second) = batch.split_at(batch.len() / 2);
                store.insert_alerts(first).await.unwrap();
                store.insert_alerts(second).await.unwrap();

                let expect = |set: &BTreeSet<TenantId>| -> BTreeSet<String> {
                    owner.iter().filter(|(_, t)| set.contains(t)).map(|(id, _)| id.clone()).collect()
                };
                let seen = |scope: TenantScope, filter: AlertFilter| {
                    let store = store.clone();
                    async move {
                        let listed = testsuite::all_alerts(&store, &scope, &filter, limit).await;
                        for alert in &listed {
                            assert!(scope.contains(alert.tenant), "alert outside the scope");
                        }
                        let set: BTreeSet<String> = listed.iter().map(|a| a.id.clone()).collect();
                        assert_eq!(set.len(), listed.len(), "an alert listed twice");
                        set
                    }
                };

                let platform = test_scope(Grant::Platform).unwrap();
                let everyone: BTreeSet<TenantId> = ids.iter().copied().collect();
                assert_eq!(seen(platform.clone(), AlertFilter::default()).await, expect(&everyone));

                let subset: BTreeSet<TenantId> = ids
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, id)| *id)
                    .collect();
                let multi = test_scope(Grant::Tenants(subset.clone()));
                if let Some(multi) = &multi {
                    assert_eq!(seen(multi.clone(), AlertFilter::default()).await, expect(&subset));
                    assert_eq!(store.count_alerts(multi).await.unwrap(), expect(&subset).len() as u64);
                    assert_eq!(store.list_tenants(multi).await.unwrap().len(), subset.len());
                }
                for id in &ids {
                    let one = BTreeSet::from([*id]);
                    let scope = platform.narrow(*id).unwrap();
                    assert_eq!(seen(scope.clone(), AlertFilter::default()).await, expect(&one));
                    assert_eq!(store.count_alerts(&scope).await.unwrap(), expect(&one).len() as u64);
                    let narrowed = AlertFilter { tenant: Some(*id), ..AlertFilter::default() };
                    assert_eq!(seen(platform.clone(), narrowed.clone()).await, expect(&one));
                    if let Some(multi) = &multi {
                        let want = if subset.contains(id) { expect(&one) } else { BTreeSet::new() };
                        assert_eq!(seen(multi.clone(), narrowed).await, want);
                    }
                }
            });
        }
    }
}
