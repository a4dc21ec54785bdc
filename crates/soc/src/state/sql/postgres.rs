//! The PostgreSQL engine: one database shared by every node.
//!
//! Two roles: the schema's owner runs the migrations (`PostgresOptions::migrate_url`), and
//! the application connects as a role that owns nothing, is no superuser and has no
//! BYPASSRLS, so row-level security applies to every statement it runs
//! (`migrations/postgres/0002_row_level_security.sql`). After migrating, the owner grants
//! the application role what it uses: rows of every table, only reading and appending on
//! the audit log.

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Connection, Row};

use super::{Dialect, MIGRATION_LOCK, Migration, Origin, SqlStore};
use crate::SocError;

#[cfg(test)]
mod tests;

/// Every PostgreSQL migration, in order. Append only.
pub(super) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "schema",
        sql: include_str!("../../../migrations/postgres/0001_schema.sql"),
    },
    Migration {
        version: 2,
        name: "row_level_security",
        sql: include_str!("../../../migrations/postgres/0002_row_level_security.sql"),
    },
    Migration {
        version: 3,
        name: "token_source_type",
        sql: include_str!("../../../migrations/postgres/0003_token_source_type.sql"),
    },
    Migration {
        version: 4,
        name: "comment_visibility",
        sql: include_str!("../../../migrations/postgres/0004_comment_visibility.sql"),
    },
    Migration {
        version: 5,
        name: "notifications",
        sql: include_str!("../../../migrations/postgres/0005_notifications.sql"),
    },
];

/// How long connecting (or waiting for a pooled connection) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// How to reach a PostgreSQL state database.
#[derive(Clone)]
pub struct PostgresOptions {
    /// The application's connection URL (`postgres://user:password@host:port/database`): a
    /// role that neither owns the schema nor bypasses row-level security.
    pub url: String,
    /// The schema owner's URL, used to apply migrations and grant the application role its
    /// rights; `None` to migrate with `url` (its role then owns the schema: row-level
    /// security still applies to it, being forced, but an owner could switch it off).
    pub migrate_url: Option<String>,
    /// Connections of this node's pool.
    pub max_connections: u32,
}

impl std::fmt::Debug for PostgresOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URLs carry passwords: only where they point.
        f.debug_struct("PostgresOptions")
            .field("url", &target(&self.url))
            .field("migrate_url", &self.migrate_url.as_deref().map(target))
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl PostgresOptions {
    /// The application's URL, migrating with it too, with a pool of 8 connections.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            migrate_url: None,
            max_connections: 8,
        }
    }
}

/// `host:port/database` of a connection URL, never its user or password (for errors and
/// logs).
fn target(url: &str) -> String {
    match url.parse::<AnyConnectOptions>() {
        Ok(options) => {
            let url = &options.database_url;
            format!(
                "{}:{}{}",
                url.host_str().unwrap_or("localhost"),
                url.port().unwrap_or(5432),
                url.path()
            )
        }
        Err(_) => "an unreadable URL".to_owned(),
    }
}

// Names from the catalogue are of type `name`, which the `Any` driver does not decode: every
// query below casts them to TEXT.

async fn pool(url: &str, max_connections: u32) -> Result<AnyPool, SocError> {
    let failed = |source: sqlx::Error| SocError::Connect {
        engine: Dialect::Postgres.name(),
        target: target(url),
        source: Box::new(source),
    };
    let options: AnyConnectOptions = url.parse().map_err(failed)?;
    if options.database_url.scheme() != "postgres" && options.database_url.scheme() != "postgresql"
    {
        return Err(SocError::InvalidValue {
            what: "PostgreSQL URL",
            message: format!(
                "scheme {:?} of {}: expected postgres://",
                options.database_url.scheme(),
                target(url)
            ),
        });
    }
    // One connection first, without the pool's retries: a refused connection or a wrong
    // password fails at once with its own cause (the pool would retry a refused connection
    // until its timeout and then report only the timeout).
    let probe = tokio::time::timeout(CONNECT_TIMEOUT, AnyConnection::connect_with(&options))
        .await
        .map_err(|_| failed(sqlx::Error::PoolTimedOut))?
        .map_err(failed)?;
    let _ = probe.close().await;
    AnyPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(failed)
}

/// Quotes an SQL identifier (a role or schema name read from the server).
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl SqlStore {
    /// Connects to a PostgreSQL state database, applies the migrations it lacks and, when a
    /// separate schema owner is given, grants the application role its rights. Errors name
    /// the engine and `host:port/database`, never the password.
    pub async fn connect(options: &PostgresOptions) -> Result<Self, SocError> {
        sqlx::any::install_default_drivers();
        let app = pool(&options.url, options.max_connections).await?;
        let row = sqlx::query(
            "SELECT CAST(current_user AS TEXT) AS role,
                    CASE WHEN rolsuper OR rolbypassrls THEN 1 ELSE 0 END AS bypasses
             FROM pg_roles WHERE rolname = current_user",
        )
        .fetch_one(&app)
        .await
        .map_err(SocError::storage("reading the application role"))?;
        let role: String = row
            .try_get("role")
            .map_err(SocError::storage("reading the application role"))?;
        let bypasses: i64 = row
            .try_get("bypasses")
            .map_err(SocError::storage("reading the application role"))?;
        match &options.migrate_url {
            Some(owner_url) => {
                let owner = pool(owner_url, 2).await?;
                let result = async {
                    Self::migrate(&owner, Dialect::Postgres).await?;
                    grant(&owner, &role).await
                }
                .await;
                owner.close().await;
                result?;
            }
            None => Self::migrate(&app, Dialect::Postgres).await?,
        }
        if bypasses != 0 {
            tracing::warn!(
                role = %role,
                "the PostgreSQL state role is a superuser or has BYPASSRLS: row-level \
                 security does not apply to it; connect as a role without either"
            );
        }
        Ok(Self::with_pool(app, Origin::Postgres(options.clone())))
    }
}

/// Grants `role` what the store does with it: rows of every table of the schema, only
/// reading and appending on the audit log, reading and moving the chain's head, reading the
/// schema version. Run by the schema owner after each migration run (idempotent).
async fn grant(owner: &AnyPool, role: &str) -> Result<(), SocError> {
    let context = "granting the application role its rights";
    let owner_role: String = sqlx::query("SELECT CAST(current_user AS TEXT) AS role")
        .fetch_one(owner)
        .await
        .and_then(|row| row.try_get("role"))
        .map_err(SocError::storage(context))?;
    if owner_role == role {
        return Ok(());
    }
    let schema: String = sqlx::query("SELECT CAST(current_schema() AS TEXT) AS schema")
        .fetch_one(owner)
        .await
        .and_then(|row| row.try_get("schema"))
        .map_err(SocError::storage(context))?;
    let tables: Vec<String> = sqlx::query(
        "SELECT CAST(tablename AS TEXT) AS name FROM pg_tables WHERE schemaname = current_schema()
         ORDER BY tablename",
    )
    .fetch_all(owner)
    .await
    .map_err(SocError::storage(context))?
    .iter()
    .map(|row| row.try_get("name"))
    .collect::<Result<_, _>>()
    .map_err(SocError::storage(context))?;
    let (role, schema) = (ident(role), ident(&schema));
    let mut statements = vec![
        format!("GRANT USAGE ON SCHEMA {schema} TO {role}"),
        format!("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}"),
    ];
    for table in &tables {
        let rights = match table.as_str() {
            "audit_log" => "SELECT, INSERT",
            "audit_head" => "SELECT, UPDATE",
            "schema_version" => "SELECT",
            _ => "SELECT, INSERT, UPDATE, DELETE",
        };
        statements.push(format!(
            "GRANT {rights} ON {schema}.{} TO {role}",
            ident(table)
        ));
    }
    let mut tx = owner.begin().await.map_err(SocError::storage(context))?;
    // Nodes starting together would otherwise grant at once ("tuple concurrently updated").
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
    for statement in statements {
        sqlx::query(AssertSqlSafe(statement))
            .execute(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
    }
    tx.commit().await.map_err(SocError::storage(context))
}
