//! The SQL state store: one implementation of every state trait (the desk's and
//! `vigie-access`'s) for SQLite (the embedded file) and PostgreSQL (several nodes).
//!
//! Both engines run the same code through sqlx's `Any` driver: the same statements with
//! `$N` placeholders, the same domain rules (alert dedup and suppression, the incident
//! lifecycle, audit chaining, SLA) written once in Rust. [`Dialect`] holds the few
//! statements that must differ: how a transaction starts and locks, where the audit chain's
//! head is read, planner hints only SQLite has, and the migrations.
//!
//! Values are kept in types both engines share through `Any`: integers (`INTEGER` /
//! `BIGINT`; times are microseconds since the Unix epoch, flags 0/1 — SQLite `BOOLEAN` does
//! not decode through `Any`), text, bytes (`BLOB` / `BYTEA`) and floats.
//!
//! # Transactions and tenant isolation
//!
//! Every unit of work is opened for a [`Reach`]: the caller's [`TenantScope`], or a named
//! cross-tenant path the design needs ([`CrossTenant`]: the access layer looking a secret up,
//! the pipeline recording alerts, the audit chain, …). Every read of tenant data filters by
//! the scope in its SQL ([`build::Sql::scope`]). On PostgreSQL every statement runs in a
//! transaction where the reach is set (`set_config(.., true)`), and row-level security
//! applies it a second time, below the SQL (`migrations/postgres/0002_row_level_security.sql`).
//! On SQLite reads run in autocommit, writes in transactions.
//!
//! Writers queue: on SQLite a writing transaction starts with `BEGIN IMMEDIATE`; on
//! PostgreSQL it takes a transaction-scoped advisory lock, so every node's writers queue the
//! same way and a read-then-write (dedup, lifecycle checks, version numbers) sees no
//! concurrent change. The audit chain's head is read under that lock (SQLite) or locked row
//! (PostgreSQL, `audit_head ... FOR UPDATE`), so the chain stays one chain.
//!
//! # Migrations
//!
//! Each engine has its numbered list (`migrations/sqlite/`, `migrations/postgres/`),
//! embedded in the binary. Each migration runs once, in its own transaction, and is recorded
//! in `schema_version`; a database whose version is newer than the binary knows is refused
//! ([`SocError::SchemaTooNew`]). To change the schema, add the next file of each engine and
//! append it to its list below; never edit a migration that has shipped.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{Any, Row};
use sqlx::{AnyConnection, AnyPool};
use vigie_access::audit::{AuditEntry, AuditRecord};
use vigie_access::password;
use vigie_access::token::{
    CreatedUserToken, NewToken, NewUserToken, TokenInfo, TokenKind, TokenOwner, UserTokenInfo,
    generate_secret, hash_secret,
};
use vigie_access::{
    Actor, Audience, AuditLog, LoginRecord, NewUser, Role, SessionRecord, SessionStore, Tenant,
    TenantScope, TenantStore, TokenId, TokenStore, User, UserAuthority, UserId, UserPatch,
    UserStore, UserTokenId,
};
use vigie_event::{EventId, Severity, TenantId, TenantSlug};

use super::{
    AlertStore, IncidentStore, RuleAudience, RuleStatus, RuleStatusStore, SlaStore,
    SuppressionStore,
};
use crate::SocError;
use crate::alert::{Alert, AlertCursor, AlertFilter, AlertPage, NewAlert, Page};
use crate::desk::{
    AlertAction, CommentId, Incident, IncidentDetail, IncidentFilter, IncidentId, IncidentPage,
    IncidentPatch, IncidentSort, NewComment, NewIncident, NewSuppression, Question, RuleStats,
    SlaBreach, SlaSummaryRow, Suppression, SuppressionId, Task, TaskId,
};
use crate::sla::SlaContract;

mod backup;
pub(crate) mod build;
mod desk;
mod nis2;
mod notify;
mod postgres;
mod sqlite;
mod ui;
mod users;

use build::Sql;
pub use postgres::PostgresOptions;
pub use sqlite::BenchFill;

/// Default dedup window: alerts of one rule and group key within 15 minutes fold into one.
pub(crate) const DEFAULT_DEDUP_WINDOW: Duration = Duration::from_secs(15 * 60);

/// One embedded schema migration.
struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

/// The SQL engine behind a [`SqlStore`], and the statements that differ between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// One SQLite file in the data directory (the embedded store).
    Sqlite,
    /// A PostgreSQL database shared by several nodes.
    Postgres,
}

/// Advisory lock keys (PostgreSQL): writers queue on the first, migrations on the second.
const WRITE_LOCK: i64 = 0x7669_6769_6500_0001;
pub(crate) const MIGRATION_LOCK: i64 = 0x7669_6769_6500_0002;

impl Dialect {
    /// The engine's name, as errors and logs show it.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "SQLite",
            Dialect::Postgres => "PostgreSQL",
        }
    }

    fn migrations(self) -> &'static [Migration] {
        match self {
            Dialect::Sqlite => sqlite::MIGRATIONS,
            Dialect::Postgres => postgres::MIGRATIONS,
        }
    }

    /// A planner hint naming an index (SQLite plans without statistics; PostgreSQL has its
    /// own and no such syntax).
    fn indexed_by(self, index: &str) -> String {
        match self {
            Dialect::Sqlite => format!(" INDEXED BY {index}"),
            Dialect::Postgres => String::new(),
        }
    }

    /// A join whose order is fixed as written (SQLite's `CROSS JOIN`); PostgreSQL orders
    /// joins itself and refuses `CROSS JOIN .. ON`.
    fn join_in_order(self) -> &'static str {
        match self {
            Dialect::Sqlite => "CROSS JOIN",
            Dialect::Postgres => "JOIN",
        }
    }
}

/// A path that crosses tenants by design. Each is named where it is used, and on PostgreSQL
/// it is the only way a transaction sees rows of every tenant besides the platform scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CrossTenant {
    /// The access layer: a token, user token or session looked up by its secret's hash, a
    /// login by user name (the scope is what it produces).
    Access,
    /// The local operator and the server's own bookkeeping: tenants and their tokens created
    /// from the command line, the first user, the rule load status of the whole server.
    Operator,
    /// The detection pipeline recording alerts of every tenant it reads.
    Pipeline,
    /// The audit chain: one chain over every tenant, read whole to verify it.
    Audit,
    /// The server's SLA timer recording breaches of every tenant.
    Sla,
    /// A user's own records (preferences, saved views, API tokens), reached by the user id
    /// of a verified session.
    Identity,
    /// The notifier: queueing, claiming and recording the deliveries of every tenant's
    /// notifications (the outbox), and the escalation chains it follows.
    Notify,
}

/// Whose rows a transaction may reach.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Reach<'a> {
    /// The caller's scope.
    Scope(&'a TenantScope),
    /// A cross-tenant path of the design.
    Across(CrossTenant),
}

impl Reach<'_> {
    /// The name of the reach, for traces.
    fn name(&self) -> &'static str {
        match self {
            Reach::Scope(scope) if scope.is_platform() => "platform scope",
            Reach::Scope(_) => "tenant scope",
            Reach::Across(CrossTenant::Access) => "access layer",
            Reach::Across(CrossTenant::Operator) => "operator",
            Reach::Across(CrossTenant::Pipeline) => "pipeline",
            Reach::Across(CrossTenant::Audit) => "audit chain",
            Reach::Across(CrossTenant::Sla) => "SLA timer",
            Reach::Across(CrossTenant::Identity) => "identity records",
            Reach::Across(CrossTenant::Notify) => "notifier",
        }
    }

    /// The two settings row-level security reads (PostgreSQL): the tenant ids, and whether
    /// every tenant is reachable.
    fn settings(&self) -> (String, &'static str) {
        match self {
            Reach::Scope(scope) => match scope.tenants() {
                None => (String::new(), "1"),
                Some(tenants) => (
                    tenants
                        .iter()
                        .map(|t| t.0.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                    "0",
                ),
            },
            Reach::Across(_) => (String::new(), "1"),
        }
    }
}

/// A unit of work of a [`SqlStore`]: a connection (deref) and the engine's dialect.
pub(crate) struct Tx {
    inner: Work,
    dialect: Dialect,
}

enum Work {
    /// A transaction: every write, and every read on PostgreSQL (the reach is set in it).
    Transaction(sqlx::Transaction<'static, Any>),
    /// A pooled connection in autocommit: reads on SQLite, as they always ran there.
    Connection(sqlx::pool::PoolConnection<Any>),
}

impl Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match &self.inner {
            Work::Transaction(tx) => tx,
            Work::Connection(conn) => conn,
        }
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.inner {
            Work::Transaction(tx) => tx,
            Work::Connection(conn) => conn,
        }
    }
}

impl Tx {
    /// Commits the transaction (gives an autocommit read's connection back).
    pub(crate) async fn commit(self, context: &'static str) -> Result<(), SocError> {
        match self.inner {
            Work::Transaction(tx) => tx.commit().await.map_err(SocError::storage(context)),
            Work::Connection(_) => Ok(()),
        }
    }
}

/// The SQL [`StateStore`], on SQLite ([`SqlStore::open`]) or PostgreSQL
/// ([`SqlStore::connect`]).
#[derive(Clone, Debug)]
pub struct SqlStore {
    pub(crate) pool: AnyPool,
    dialect: Dialect,
    origin: Origin,
    dedup_window_us: i64,
}

/// Where a store's database is, to open another pool on it ([`SqlStore::reopen`]).
#[derive(Clone, Debug)]
enum Origin {
    Sqlite(std::path::PathBuf),
    Postgres(PostgresOptions),
}

/// The store opened on a SQLite file ([`SqlStore::open`]); the name callers of the embedded
/// store know.
pub type SqliteStore = SqlStore;

impl SqlStore {
    fn with_pool(pool: AnyPool, origin: Origin) -> Self {
        Self {
            pool,
            dialect: match origin {
                Origin::Sqlite(_) => Dialect::Sqlite,
                Origin::Postgres(_) => Dialect::Postgres,
            },
            origin,
            dedup_window_us: DEFAULT_DEDUP_WINDOW.as_micros() as i64,
        }
    }

    /// Another store on the same database with its own connections, as another process (or
    /// node) opens it; with the same dedup window.
    pub async fn reopen(&self) -> Result<Self, SocError> {
        let store = match &self.origin {
            Origin::Sqlite(path) => Self::open(path).await?,
            Origin::Postgres(options) => Self::connect(options).await?,
        };
        Ok(Self {
            dedup_window_us: self.dedup_window_us,
            ..store
        })
    }

    /// Sets the alert dedup window (see [`NewAlert::group_key`]).
    pub fn with_dedup_window(mut self, window: Duration) -> Self {
        self.dedup_window_us = i64::try_from(window.as_micros()).unwrap_or(i64::MAX);
        self
    }

    /// The engine behind this store.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Closes every connection (on SQLite this checkpoints the WAL). Further calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The schema version of the database (the highest migration applied).
    pub async fn schema_version(&self) -> Result<i64, SocError> {
        schema_version(&self.pool).await
    }

    /// A unit of work that reads within `reach`: a transaction on PostgreSQL (where the reach
    /// is set), an autocommit connection on SQLite.
    pub(crate) async fn read(
        &self,
        reach: Reach<'_>,
        context: &'static str,
    ) -> Result<Tx, SocError> {
        self.begin(reach, false, context).await
    }

    /// A transaction that writes within `reach`; writers queue (see the module docs).
    pub(crate) async fn write(
        &self,
        reach: Reach<'_>,
        context: &'static str,
    ) -> Result<Tx, SocError> {
        self.begin(reach, true, context).await
    }

    async fn begin(
        &self,
        reach: Reach<'_>,
        write: bool,
        context: &'static str,
    ) -> Result<Tx, SocError> {
        tracing::trace!(reach = reach.name(), write, context, "state transaction");
        let failed = SocError::storage(context);
        let inner = match (self.dialect, write) {
            (Dialect::Sqlite, true) => Work::Transaction(
                self.pool
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(failed)?,
            ),
            (Dialect::Sqlite, false) => {
                Work::Connection(self.pool.acquire().await.map_err(failed)?)
            }
            (Dialect::Postgres, _) => Work::Transaction(self.pool.begin().await.map_err(failed)?),
        };
        let mut tx = Tx {
            inner,
            dialect: self.dialect,
        };
        if self.dialect == Dialect::Postgres {
            // Transaction-local settings (`true`): they end with the transaction, so a pooled
            // connection never carries one caller's reach into another's.
            let (tenants, all) = reach.settings();
            let mut sql = Sql::new("SELECT set_config('vigie.tenants', ");
            sql.bind(tenants).push(", true), set_config('vigie.all', ");
            sql.bind(all).push(", true)");
            if write {
                sql.push(", pg_advisory_xact_lock(")
                    .bind(WRITE_LOCK)
                    .push(")");
            }
            sql.execute(&mut tx, context).await?;
        }
        Ok(tx)
    }

    /// Applies every migration of the engine not yet applied, on `pool` (the schema owner's
    /// connection on PostgreSQL).
    async fn migrate(pool: &AnyPool, dialect: Dialect) -> Result<(), SocError> {
        let create = match dialect {
            Dialect::Sqlite => {
                "CREATE TABLE IF NOT EXISTS schema_version (
                    version    INTEGER PRIMARY KEY,
                    name       TEXT    NOT NULL,
                    applied_at INTEGER NOT NULL
                )"
            }
            Dialect::Postgres => {
                "CREATE TABLE IF NOT EXISTS schema_version (
                    version    BIGINT PRIMARY KEY,
                    name       TEXT   NOT NULL,
                    applied_at BIGINT NOT NULL
                )"
            }
        };
        if dialect == Dialect::Postgres {
            // Two nodes starting at once: the second waits, then finds the table.
            let mut tx = pool
                .begin()
                .await
                .map_err(SocError::storage("creating the schema_version table"))?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *tx)
                .await
                .map_err(SocError::storage("creating the schema_version table"))?;
            sqlx::query(create)
                .execute(&mut *tx)
                .await
                .map_err(SocError::storage("creating the schema_version table"))?;
            tx.commit()
                .await
                .map_err(SocError::storage("creating the schema_version table"))?;
        } else {
            sqlx::query(create)
                .execute(pool)
                .await
                .map_err(SocError::storage("creating the schema_version table"))?;
        }

        let migrations = dialect.migrations();
        let known = migrations.last().map_or(0, |m| m.version);
        for migration in migrations {
            let failed = |source: sqlx::Error| SocError::Migration {
                version: migration.version,
                name: migration.name,
                source: Box::new(source),
            };
            let mut tx = match dialect {
                Dialect::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
                Dialect::Postgres => pool.begin().await,
            }
            .map_err(failed)?;
            if dialect == Dialect::Postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(MIGRATION_LOCK)
                    .execute(&mut *tx)
                    .await
                    .map_err(failed)?;
            }
            // Read inside the locked transaction: a concurrent opener cannot apply it twice.
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
            sqlx::query(
                "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(migration.version)
            .bind(migration.name)
            .bind(now_us())
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
            tx.commit().await.map_err(failed)?;
            tracing::info!(
                engine = dialect.name(),
                version = migration.version,
                name = migration.name,
                "applied state schema migration"
            );
        }
        // An empty migration list aside, also refuse a newer database when nothing was to do.
        let current = schema_version(pool).await?;
        if current > known {
            return Err(SocError::SchemaTooNew {
                found: current,
                known,
            });
        }
        Ok(())
    }

    /// Whether the tenant exists (inside the caller's transaction and reach).
    async fn tenant_exists(conn: &mut AnyConnection, tenant: TenantId) -> Result<bool, SocError> {
        Ok(sqlx::query("SELECT 1 FROM tenants WHERE id = $1")
            .bind(tenant.0)
            .fetch_optional(conn)
            .await
            .map_err(SocError::storage("finding a tenant"))?
            .is_some())
    }

    /// Records one raised alert: ignored if already recorded (replay), folded into an open
    /// alert of the same tenant, rule and group key within the dedup window, or inserted
    /// (as `suppressed` when an active suppression matches). Returns 1 for a new alert row.
    async fn insert_one_alert(
        &self,
        tx: &mut Tx,
        alert: &NewAlert,
        created_at: i64,
    ) -> Result<u64, SocError> {
        let context = "inserting alerts";
        let member = alert.id();
        let seen = sqlx::query("SELECT 1 FROM alert_members WHERE member_id = $1")
            .bind(&member)
            .fetch_optional(&mut **tx)
            .await
            .map_err(SocError::storage(context))?;
        if seen.is_some() {
            return Ok(0);
        }
        let received = alert.event_received_at.as_microsecond();
        let suppression = sqlx::query(
            "SELECT id, reason FROM suppressions
             WHERE tenant_id = $1 AND rule_id = $2 AND (group_key IS NULL OR group_key = $3)
               AND expires_at > $4
             ORDER BY id LIMIT 1",
        )
        .bind(alert.tenant.0)
        .bind(&alert.rule_id)
        .bind(alert.group_key.as_deref())
        .bind(created_at)
        .fetch_optional(&mut **tx)
        .await
        .map_err(SocError::storage(context))?;
        if let (Some(key), None) = (&alert.group_key, &suppression) {
            let target = sqlx::query(
                "SELECT id FROM alerts
                 WHERE tenant_id = $1 AND rule_id = $2 AND group_key = $3
                   AND status IN ('new', 'acknowledged', 'escalated')
                   AND last_seen >= $4 AND first_seen <= $5
                 ORDER BY last_seen DESC LIMIT 1",
            )
            .bind(alert.tenant.0)
            .bind(&alert.rule_id)
            .bind(key)
            .bind(received.saturating_sub(self.dedup_window_us))
            .bind(received.saturating_add(self.dedup_window_us))
            .fetch_optional(&mut **tx)
            .await
            .map_err(SocError::storage(context))?;
            if let Some(row) = target {
                let target: String = get(&row, "id")?;
                sqlx::query(
                    "UPDATE alerts SET count = count + 1,
                            last_seen = CASE WHEN last_seen > $1 THEN last_seen ELSE $1 END,
                            first_seen = CASE WHEN first_seen < $1 THEN first_seen ELSE $1 END
                     WHERE id = $2",
                )
                .bind(received)
                .bind(&target)
                .execute(&mut **tx)
                .await
                .map_err(SocError::storage(context))?;
                sqlx::query("INSERT INTO alert_members (member_id, alert_id) VALUES ($1, $2)")
                    .bind(&member)
                    .bind(&target)
                    .execute(&mut **tx)
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12, $13, $14, $15)",
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
        .execute(&mut **tx)
        .await
        .map_err(SocError::storage(context))?;
        sqlx::query("INSERT INTO alert_members (member_id, alert_id) VALUES ($1, $2)")
            .bind(&member)
            .bind(&member)
            .execute(&mut **tx)
            .await
            .map_err(SocError::storage(context))?;
        if let Some(id) = suppression_id {
            sqlx::query("UPDATE suppressions SET hits = hits + 1 WHERE id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await
                .map_err(SocError::storage(context))?;
        }
        Ok(1)
    }
}

async fn schema_version(pool: &AnyPool) -> Result<i64, SocError> {
    sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        .fetch_one(pool)
        .await
        .and_then(|row| row.try_get::<i64, _>(0))
        .map_err(SocError::storage("reading the schema version"))
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

fn get<'r, T>(row: &'r AnyRow, column: &'static str) -> Result<T, SocError>
where
    T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    row.try_get(column)
        .map_err(SocError::storage("decoding a row"))
}

fn tenant_from_row(row: &AnyRow) -> Result<Tenant, SocError> {
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

fn token_from_row(row: &AnyRow) -> Result<TokenInfo, SocError> {
    let tenant: Option<i64> = get(row, "tenant_id")?;
    let kind: String = get(row, "kind")?;
    let revoked_at: Option<i64> = get(row, "revoked_at")?;
    Ok(TokenInfo {
        id: TokenId(get(row, "id")?),
        owner: tenant.map_or(TokenOwner::Platform, |id| TokenOwner::Tenant(TenantId(id))),
        kind: kind
            .parse()
            .map_err(|e: vigie_access::token::TokenKindError| SocError::Corrupt {
                what: "token kind",
                detail: e.to_string(),
            })?,
        label: get(row, "label")?,
        created_at: timestamp("token created_at", get(row, "created_at")?)?,
        revoked: revoked_at.is_some(),
        source_type: get(row, "source_type")?,
    })
}

fn alert_from_row(row: &AnyRow) -> Result<Alert, SocError> {
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
        incident: get::<Option<i64>>(row, "incident_id")?.map(IncidentId),
    })
}

fn rule_status_from_row(row: &AnyRow) -> Result<RuleStatus, SocError> {
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
    vigie_access::limits::check_username(username)
}

/// The id an `INSERT .. RETURNING id` gave back.
fn returned_id(row: &AnyRow) -> Result<i64, SocError> {
    get(row, "id")
}

#[async_trait::async_trait]
impl TenantStore for SqlStore {
    async fn create_tenant(&self, slug: &TenantSlug, name: &str) -> Result<Tenant, SocError> {
        vigie_access::limits::TENANT_NAME.check(name)?;
        let created_at = now();
        let context = "creating a tenant";
        let mut tx = self
            .write(Reach::Across(CrossTenant::Operator), context)
            .await?;
        let result = sqlx::query(
            "INSERT INTO tenants (slug, name, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(slug.as_str())
        .bind(name)
        .bind(created_at.as_microsecond())
        .fetch_one(&mut *tx)
        .await;
        match result {
            Ok(row) => {
                let id = TenantId(returned_id(&row)?);
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
                tx.commit(context).await?;
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
            Err(e) => Err(SocError::storage(context)(e)),
        }
    }

    async fn list_tenants(&self, scope: &TenantScope) -> Result<Vec<Tenant>, SocError> {
        let context = "listing tenants";
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let mut sql = Sql::new("SELECT id, slug, name, created_at FROM tenants WHERE ");
        sql.scope(scope, "id").push(" ORDER BY slug");
        let rows = sql.fetch_all(&mut tx, context).await?;
        tx.commit(context).await?;
        rows.iter().map(tenant_from_row).collect()
    }

    async fn find_tenant(
        &self,
        scope: &TenantScope,
        slug: &TenantSlug,
    ) -> Result<Option<Tenant>, SocError> {
        let context = "finding a tenant";
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let mut sql = Sql::new("SELECT id, slug, name, created_at FROM tenants WHERE ");
        sql.scope(scope, "id")
            .push(" AND slug = ")
            .bind(slug.as_str());
        let row = sql.fetch_optional(&mut tx, context).await?;
        tx.commit(context).await?;
        row.as_ref().map(tenant_from_row).transpose()
    }
}

#[async_trait::async_trait]
impl TokenStore for SqlStore {
    async fn create_token_declaring(
        &self,
        owner: TokenOwner,
        kind: TokenKind,
        label: &str,
        source_type: Option<&str>,
    ) -> Result<NewToken, SocError> {
        vigie_access::limits::TOKEN_LABEL.check_len(label)?;
        let context = "creating a token";
        let secret = generate_secret();
        let hash = hash_secret(&secret);
        let created_at = now();
        let mut tx = self
            .write(Reach::Across(CrossTenant::Operator), context)
            .await?;
        if let TokenOwner::Tenant(tenant) = owner
            && !Self::tenant_exists(&mut tx, tenant).await?
        {
            return Err(SocError::NotFound {
                what: "tenant",
                value: tenant.to_string(),
            });
        }
        let row = sqlx::query(
            "INSERT INTO tokens (tenant_id, kind, label, secret_hash, created_at, source_type)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(owner.tenant().map(|t| t.0))
        .bind(kind.as_str())
        .bind(label)
        .bind(&hash[..])
        .bind(created_at.as_microsecond())
        .bind(source_type)
        .fetch_one(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        let id = returned_id(&row)?;
        desk::append_audit(
            &mut tx,
            &AuditRecord::new(
                Actor::operator().0,
                owner.tenant(),
                "token.create",
                format!("token:{id}"),
                serde_json::json!({"kind": kind.as_str(), "label": label, "source_type": source_type}),
            ),
        )
        .await?;
        tx.commit(context).await?;
        Ok(NewToken {
            info: TokenInfo {
                id: vigie_access::TokenId(id),
                owner,
                kind,
                label: label.to_owned(),
                created_at,
                revoked: false,
                source_type: source_type.map(str::to_owned),
            },
            secret,
        })
    }

    async fn list_tokens(&self, scope: &TenantScope) -> Result<Vec<TokenInfo>, SocError> {
        let context = "listing tokens";
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let mut sql = Sql::new(
            "SELECT id, tenant_id, kind, label, created_at, revoked_at, source_type FROM tokens \
             WHERE ",
        );
        // In a tenant scope `tenant_id IN (..)` also excludes platform tokens (NULL tenant).
        sql.scope(scope, "tenant_id").push(" ORDER BY id");
        let rows = sql.fetch_all(&mut tx, context).await?;
        tx.commit(context).await?;
        rows.iter().map(token_from_row).collect()
    }

    async fn revoke_token(&self, scope: &TenantScope, id: TokenId) -> Result<bool, SocError> {
        let context = "revoking a token";
        let mut sql = Sql::new("UPDATE tokens SET revoked_at = COALESCE(revoked_at, ");
        sql.bind(now_us())
            .push(") WHERE id = ")
            .bind(id.0)
            .push(" AND ");
        sql.scope(scope, "tenant_id");
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        let done = sql.execute(&mut tx, context).await?;
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
        tx.commit(context).await?;
        Ok(done.rows_affected() > 0)
    }

    async fn token_by_secret_hash(&self, hash: &[u8; 32]) -> Result<Option<TokenInfo>, SocError> {
        let context = "looking a token up";
        let mut tx = self
            .read(Reach::Across(CrossTenant::Access), context)
            .await?;
        let row = sqlx::query(
            "SELECT id, tenant_id, kind, label, created_at, revoked_at, source_type FROM tokens
             WHERE secret_hash = $1",
        )
        .bind(&hash[..])
        .fetch_optional(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        tx.commit(context).await?;
        row.as_ref().map(token_from_row).transpose()
    }

    async fn create_user_token(
        &self,
        actor: &Actor,
        user_id: UserId,
        new: &NewUserToken,
    ) -> Result<CreatedUserToken, SocError> {
        self.users_create_token(actor, user_id, new).await
    }

    async fn list_user_tokens(&self, user_id: UserId) -> Result<Vec<UserTokenInfo>, SocError> {
        self.users_list_tokens(user_id).await
    }

    async fn revoke_user_token(
        &self,
        actor: &Actor,
        user_id: UserId,
        id: UserTokenId,
    ) -> Result<bool, SocError> {
        self.users_revoke_token(actor, user_id, id).await
    }

    async fn user_token_by_secret_hash(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<(UserTokenInfo, User)>, SocError> {
        self.users_token_by_hash(hash).await
    }
}

#[async_trait::async_trait]
impl UserStore for SqlStore {
    async fn user_count(&self) -> Result<u64, SocError> {
        let context = "counting users";
        let mut tx = self
            .read(Reach::Across(CrossTenant::Access), context)
            .await?;
        let count: i64 = sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *tx)
            .await
            .and_then(|row| row.try_get(0))
            .map_err(SocError::storage(context))?;
        tx.commit(context).await?;
        Ok(count.unsigned_abs())
    }

    async fn create_user(
        &self,
        username: &str,
        password: &str,
        role: Role,
    ) -> Result<UserId, SocError> {
        check_username(username)?;
        vigie_access::limits::PASSWORD.check(password)?;
        let phc = password::hash_password(password).await?;
        let context = "creating a user";
        let mut tx = self
            .write(Reach::Across(CrossTenant::Operator), context)
            .await?;
        let result = sqlx::query(
            "INSERT INTO users (username, password_hash, role, created_at)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(username)
        .bind(phc)
        .bind(role.as_str())
        .bind(now_us())
        .fetch_one(&mut *tx)
        .await;
        match result {
            Ok(row) => {
                let id = returned_id(&row)?;
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
                tx.commit(context).await?;
                Ok(vigie_access::UserId(id))
            }
            Err(e) if is_unique_violation(&e) => Err(SocError::Conflict {
                what: "user",
                value: username.to_owned(),
            }),
            Err(e) => Err(SocError::storage(context)(e)),
        }
    }

    async fn verify_user_password(&self, username: &str, password: &str) -> Result<bool, SocError> {
        let context = "looking a user up";
        let mut tx = self
            .read(Reach::Across(CrossTenant::Access), context)
            .await?;
        let row = sqlx::query("SELECT password_hash FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
        tx.commit(context).await?;
        match row {
            Some(row) => {
                let phc: String = get(&row, "password_hash")?;
                password::verify_password(password, &phc).await
            }
            None => password::verify_unknown_user(password).await,
        }
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

    async fn list_users(&self, scope: &TenantScope) -> Result<Vec<User>, SocError> {
        self.desk_list_users(scope).await
    }

    async fn get_user(&self, scope: &TenantScope, id: UserId) -> Result<Option<User>, SocError> {
        self.desk_get_user(scope, id).await
    }

    async fn set_user_disabled(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: UserId,
        disabled: bool,
    ) -> Result<Option<User>, SocError> {
        self.desk_set_user_disabled(actor, scope, id, disabled)
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
        id: UserId,
        patch: &UserPatch,
    ) -> Result<Option<User>, SocError> {
        self.users_update(actor, scope, authority, id, patch).await
    }

    async fn login_record(&self, username: &str) -> Result<Option<LoginRecord>, SocError> {
        self.desk_login_record(username).await
    }
}

#[async_trait::async_trait]
impl SessionStore for SqlStore {
    async fn create_session(
        &self,
        secret_hash: &[u8; 32],
        user_id: UserId,
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
}

#[async_trait::async_trait]
impl AuditLog for SqlStore {
    async fn audit(&self, record: &AuditRecord) -> Result<(), SocError> {
        self.desk_audit(record).await
    }

    async fn audit_head(&self) -> Result<(i64, [u8; 32]), SocError> {
        self.desk_audit_head().await
    }

    async fn audit_entries(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>, SocError> {
        self.desk_audit_entries(after, limit).await
    }
}

#[async_trait::async_trait]
impl RuleStatusStore for SqlStore {
    async fn replace_rule_status(&self, statuses: &[RuleStatus]) -> Result<(), SocError> {
        let context = "replacing the rule status";
        let mut tx = self
            .write(Reach::Across(CrossTenant::Operator), context)
            .await?;
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
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
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
        tx.commit(context).await
    }

    async fn list_rule_status(&self, scope: &TenantScope) -> Result<Vec<RuleStatus>, SocError> {
        let context = "listing the rule status";
        let mut sql = Sql::new(
            "SELECT path, audience, tenant_id, rule_id, title, severity, loaded, reason
             FROM rule_status WHERE ",
        );
        if scope.is_platform() {
            sql.push("1 = 1");
        } else {
            // The shared rules, and the filters of the scope's tenants.
            sql.push("audience = 'everyone' OR (audience = 'tenant' AND ");
            sql.scope(scope, "tenant_id").push(")");
        }
        sql.push(" ORDER BY path, position");
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let rows = sql.fetch_all(&mut tx, context).await?;
        tx.commit(context).await?;
        rows.iter().map(rule_status_from_row).collect()
    }
}

#[async_trait::async_trait]
impl AlertStore for SqlStore {
    async fn insert_alerts(&self, alerts: &[NewAlert]) -> Result<u64, SocError> {
        if alerts.is_empty() {
            return Ok(0);
        }
        let context = "inserting alerts";
        let created_at = now_us();
        let mut tx = self
            .write(Reach::Across(CrossTenant::Pipeline), context)
            .await?;
        let tenants: std::collections::BTreeSet<TenantId> =
            alerts.iter().map(|a| a.tenant).collect();
        for tenant in tenants {
            if !Self::tenant_exists(&mut tx, tenant).await? {
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
        tx.commit(context).await?;
        Ok(inserted)
    }

    async fn list_alerts(
        &self,
        scope: &TenantScope,
        filter: &AlertFilter,
        page: &Page,
    ) -> Result<AlertPage, SocError> {
        let context = "listing alerts";
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
        let mut sql = Sql::new(format!(
            "SELECT {} FROM alerts a JOIN tenants t ON t.id = a.tenant_id WHERE ",
            desk::ALERT_COLUMNS
        ));
        sql.scope(&scope, "a.tenant_id");
        if !filter.statuses.is_empty() {
            sql.push(" AND a.status IN (");
            sql.list(filter.statuses.iter().map(|s| s.as_str()));
            sql.push(")");
        }
        if let Some(rule_id) = &filter.rule_id {
            sql.push(" AND a.rule_id = ").bind(rule_id.as_str());
        }
        if !filter.severities.is_empty() {
            sql.push(" AND a.severity IN (");
            sql.list(filter.severities.iter().map(|s| rank(*s)));
            sql.push(")");
        }
        if let Some(min) = filter.min_severity {
            sql.push(" AND a.severity >= ").bind(rank(min));
        }
        if let Some(since) = filter.since {
            sql.push(" AND a.created_at >= ")
                .bind(since.as_microsecond());
        }
        if let Some(until) = filter.until {
            sql.push(" AND a.created_at < ")
                .bind(until.as_microsecond());
        }
        if let Some(cursor) = &cursor {
            sql.push(" AND (a.created_at < ")
                .bind(cursor.created_at_us)
                .push(" OR (a.created_at = ")
                .bind(cursor.created_at_us)
                .push(" AND a.id < ")
                .bind(cursor.id.as_str())
                .push("))");
        }
        sql.push(" ORDER BY a.created_at DESC, a.id DESC LIMIT ")
            .bind(i64::from(limit) + 1);
        let mut tx = self.read(Reach::Scope(&scope), context).await?;
        let rows = sql.fetch_all(&mut tx, context).await?;
        tx.commit(context).await?;
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

    async fn count_alerts(&self, scope: &TenantScope) -> Result<u64, SocError> {
        let context = "counting alerts";
        let mut sql = Sql::new("SELECT COUNT(*) AS n FROM alerts WHERE ");
        sql.scope(scope, "tenant_id");
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let row = sql.fetch_one(&mut tx, context).await?;
        tx.commit(context).await?;
        let count: i64 = get(&row, "n")?;
        Ok(count.unsigned_abs())
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
}

#[async_trait::async_trait]
impl SuppressionStore for SqlStore {
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
        id: SuppressionId,
    ) -> Result<bool, SocError> {
        self.desk_end_suppression(actor, scope, id).await
    }
}

#[async_trait::async_trait]
impl IncidentStore for SqlStore {
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
        audience: Audience,
        id: IncidentId,
        now: Timestamp,
    ) -> Result<Option<IncidentDetail>, SocError> {
        self.desk_incident_detail(scope, audience, id, now).await
    }

    async fn questions(
        &self,
        scope: &TenantScope,
        open_only: bool,
    ) -> Result<Vec<Question>, SocError> {
        self.desk_questions(scope, open_only).await
    }

    async fn update_incident(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: IncidentId,
        patch: &IncidentPatch,
    ) -> Result<Option<Incident>, SocError> {
        self.desk_update_incident(actor, scope, id, patch).await
    }

    async fn add_comment(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        audience: Audience,
        incident: IncidentId,
        new: &NewComment,
    ) -> Result<Option<CommentId>, SocError> {
        self.desk_add_comment(actor, scope, audience, incident, new)
            .await
    }

    async fn add_task(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        incident: IncidentId,
        title: &str,
    ) -> Result<Option<Task>, SocError> {
        self.desk_add_task(actor, scope, incident, title).await
    }

    async fn set_task_done(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        incident: IncidentId,
        task: TaskId,
        done: bool,
    ) -> Result<bool, SocError> {
        self.desk_set_task_done(actor, scope, incident, task, done)
            .await
    }

    async fn merge_incidents(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        into: IncidentId,
        from: IncidentId,
    ) -> Result<Option<Incident>, SocError> {
        self.desk_merge(actor, scope, into, from).await
    }

    async fn split_incident(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: IncidentId,
        alerts: &[String],
        title: &str,
    ) -> Result<Option<Incident>, SocError> {
        self.desk_split(actor, scope, id, alerts, title).await
    }
}

#[async_trait::async_trait]
impl SlaStore for SqlStore {
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
        until: Option<Timestamp>,
    ) -> Result<Vec<SlaSummaryRow>, SocError> {
        self.desk_sla_summary(scope, since, until).await
    }

    async fn sla_breaches(&self, scope: &TenantScope) -> Result<Vec<SlaBreach>, SocError> {
        self.desk_sla_breaches(scope).await
    }
}

/// The suite's access beyond the trait (tests only): moving an incident's clock, a second
/// handle.
#[cfg(any(test, feature = "testsuite"))]
#[async_trait::async_trait]
impl crate::testsuite::Harness for SqlStore {
    async fn backdate_incident(
        &self,
        id: IncidentId,
        created_at: Timestamp,
    ) -> Result<(), SocError> {
        let context = "moving an incident's creation time (tests)";
        let mut tx = self
            .write(Reach::Across(CrossTenant::Operator), context)
            .await?;
        sqlx::query("UPDATE incidents SET created_at = $1 WHERE id = $2")
            .bind(created_at.as_microsecond())
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
        tx.commit(context).await
    }

    async fn update_incident_at(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: IncidentId,
        patch: &IncidentPatch,
        at: Timestamp,
    ) -> Result<Option<Incident>, SocError> {
        self.desk_update_incident_at(actor, scope, id, patch, at.as_microsecond())
            .await
    }

    async fn another_handle(&self) -> Result<crate::testsuite::Fixture, SocError> {
        Ok(std::sync::Arc::new(self.reopen().await?))
    }
}
