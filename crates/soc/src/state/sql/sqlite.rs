//! The embedded engine: one SQLite file in the data directory, and what only SQLite does
//! (the online snapshot of `vigie backup`, its integrity check, the benchmark fill).
//!
//! The file is opened in WAL journal mode with `synchronous = FULL` (a committed token,
//! tenant or alert survives a power cut), foreign keys on and a busy timeout, through a small
//! connection pool. Writing transactions start with `BEGIN IMMEDIATE` so two writers queue on
//! the busy timeout instead of failing on a read-to-write upgrade.

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AssertSqlSafe, Row};
use vigie_event::TenantId;

use super::{Dialect, Migration, Origin, SqlStore, now_us};
use crate::SocError;

#[cfg(test)]
mod audit_tamper;
#[cfg(test)]
mod tests;

/// Every SQLite migration, in order. Append only (`migrations/sqlite/README.md`).
pub(super) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../../../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "desk",
        sql: include_str!("../../../migrations/sqlite/0002_desk.sql"),
    },
    Migration {
        version: 3,
        name: "nis2",
        sql: include_str!("../../../migrations/sqlite/0003_nis2.sql"),
    },
    Migration {
        version: 4,
        name: "desk_tokens_sla",
        sql: include_str!("../../../migrations/sqlite/0004_desk_tokens_sla.sql"),
    },
    Migration {
        version: 5,
        name: "ui",
        sql: include_str!("../../../migrations/sqlite/0005_ui.sql"),
    },
    Migration {
        version: 6,
        name: "rule_status_audience",
        sql: include_str!("../../../migrations/sqlite/0006_rule_status_audience.sql"),
    },
    Migration {
        version: 7,
        name: "token_source_type",
        sql: include_str!("../../../migrations/sqlite/0007_token_source_type.sql"),
    },
    Migration {
        version: 8,
        name: "comment_visibility",
        sql: include_str!("../../../migrations/sqlite/0008_comment_visibility.sql"),
    },
    Migration {
        version: 9,
        name: "notifications",
        sql: include_str!("../../../migrations/sqlite/0009_notifications.sql"),
    },
];

/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Set on every connection: the `Any` driver opens SQLite from a URL, which cannot carry
/// these. `busy_timeout` first, so the others wait for a concurrent opener's lock.
const PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
    PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";

/// The URL the `Any` driver opens `path` from: `sqlite://` and the absolute path with every
/// byte but `[A-Za-z0-9/._~-]` percent-encoded, and `mode=rwc` (created if missing).
///
/// Written here because sqlx's own conversion (`to_url_lossy`) leaves `%` as is, so a
/// directory named `a%20b` would open `a b`; the driver splits the URL at the first `?` and
/// percent-decodes the rest, which this encoding survives for any UTF-8 path.
fn url_of(path: &Path) -> Result<String, String> {
    let absolute = std::path::absolute(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = absolute
        .to_str()
        .ok_or_else(|| format!("{} is not UTF-8", absolute.display()))?;
    let mut url = String::from("sqlite://");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/._~-".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url.push_str("?mode=rwc");
    Ok(url)
}

impl SqlStore {
    /// Opens (creating it if needed) the SQLite state database at `path` and brings its
    /// schema up to date.
    pub async fn open(path: &Path) -> Result<Self, SocError> {
        sqlx::any::install_default_drivers();
        debug_assert_eq!(BUSY_TIMEOUT.as_millis(), 10_000, "PRAGMAS says 10000");
        let failed = |source: sqlx::Error| SocError::Open {
            path: path.to_owned(),
            source: Box::new(source),
        };
        let options: AnyConnectOptions = url_of(path)
            .map_err(|e| failed(sqlx::Error::Configuration(e.into())))?
            .parse()
            .map_err(failed)?;
        let pool = AnyPoolOptions::new()
            .max_connections(4)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::raw_sql(PRAGMAS).execute(conn).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(failed)?;
        Self::migrate(&pool, Dialect::Sqlite).await?;
        Ok(Self::with_pool(pool, Origin::Sqlite(path.to_owned())))
    }

    /// Refuses what only the SQLite engine does.
    fn sqlite_only(&self, what: &'static str) -> Result<(), SocError> {
        match self.dialect {
            Dialect::Sqlite => Ok(()),
            other => Err(SocError::Unsupported {
                what,
                engine: other.name(),
            }),
        }
    }

    /// Writes a consistent copy of the database to `dest` (a file that must not exist yet)
    /// with `VACUUM INTO`, then fsyncs it. The copy runs in one read transaction: writers
    /// go on meanwhile (WAL mode), and the copy holds every transaction committed before it
    /// started and none after. It is a plain database file (no `-wal` file beside it).
    /// SQLite only (a PostgreSQL database is backed up with PostgreSQL's tools).
    pub async fn snapshot_into(&self, dest: &Path) -> Result<(), SocError> {
        self.sqlite_only("a snapshot with VACUUM INTO")?;
        let Some(target) = dest.to_str() else {
            return Err(SocError::InvalidValue {
                what: "snapshot path",
                message: format!("{} is not UTF-8", dest.display()),
            });
        };
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.pool)
            .await
            .map_err(SocError::storage("writing a snapshot with VACUUM INTO"))?;
        std::fs::File::open(dest)
            .and_then(|file| file.sync_all())
            .map_err(|e| SocError::InvalidValue {
                what: "snapshot",
                message: format!("cannot fsync {}: {e}", dest.display()),
            })
    }

    /// `PRAGMA integrity_check`: an empty list when the database is intact, else the
    /// problems SQLite reports (each names the table or index and the page or row).
    pub async fn integrity_problems(&self) -> Result<Vec<String>, SocError> {
        self.sqlite_only("PRAGMA integrity_check")?;
        let rows = sqlx::query("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await
            .map_err(SocError::storage("running PRAGMA integrity_check"))?;
        let mut problems = Vec::new();
        for row in rows {
            let line: String = row
                .try_get(0)
                .map_err(SocError::storage("reading PRAGMA integrity_check"))?;
            if line != "ok" {
                problems.push(line);
            }
        }
        Ok(problems)
    }
}

/// Sizes of a synthetic desk for benchmarks.
#[derive(Clone, Copy, Debug)]
pub struct BenchFill {
    /// Tenants to create (slugs `bench-0001` …).
    pub tenants: u32,
    /// Incidents, spread evenly over the tenants and over the last 365 days.
    pub incidents: u64,
    /// Alerts, spread over the incidents (the first `alerts / incidents` per incident
    /// linked) and the tenants.
    pub alerts: u64,
}

impl SqlStore {
    /// Fills an empty store with a synthetic desk, set-based in SQL (for `vigie bench desk`
    /// only: the rows bypass the audit log). Returns the tenant ids.
    pub async fn fill_for_benchmark(&self, fill: BenchFill) -> Result<Vec<TenantId>, SocError> {
        let context = "filling the benchmark store";
        self.sqlite_only("the benchmark fill")?;
        let now = now_us();
        let year = 365 * 86_400_000_000i64;
        let tenants = i64::from(fill.tenants.max(1));
        let incidents = i64::try_from(fill.incidents.max(1)).unwrap_or(i64::MAX);
        let alerts = i64::try_from(fill.alerts).unwrap_or(i64::MAX);
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(SocError::storage(context))?;
        for sql in ["PRAGMA synchronous = OFF", "PRAGMA cache_size = -262144"] {
            sqlx::query(sql)
                .execute(&mut *conn)
                .await
                .map_err(SocError::storage(context))?;
        }
        let steps: Vec<(String, Vec<i64>)> = vec![
            (
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
                 INSERT INTO tenants (id, slug, name, created_at)
                 SELECT i, printf('bench-%04d', i), printf('Bench %d', i), $2 FROM n"
                    .into(),
                vec![tenants, now],
            ),
            (
                "INSERT INTO sla_contracts (tenant_id, calendar, targets, warn_ratio, updated_at)
                 SELECT id, CASE WHEN id % 2 = 0 THEN 'business' ELSE '24x7' END,
                   '{\"critical\":{\"acknowledge_minutes\":15,\"resolve_minutes\":240},\"high\":{\"acknowledge_minutes\":60,\"resolve_minutes\":1440},\"medium\":{\"acknowledge_minutes\":240,\"resolve_minutes\":4320}}',
                   0.8, $1 FROM tenants"
                    .into(),
                vec![now],
            ),
            (
                // Status mix: mostly closed (years of history), some open.
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
                 INSERT INTO incidents (id, tenant_id, title, status, severity, rsit_class,
                                        rsit_type, tlp, created_at, updated_at, acknowledged_at,
                                        resolved_at, closed_at)
                 SELECT i, 1 + (i % $2), printf('Incident %d', i),
                   CASE WHEN i % 20 = 0 THEN 'new' WHEN i % 20 = 1 THEN 'in_progress'
                        WHEN i % 20 = 2 THEN 'on_hold' WHEN i % 20 = 3 THEN 'resolved'
                        ELSE 'closed' END,
                   1 + (i % 4), 'intrusion-attempts', 'brute-force', 'TLP:AMBER',
                   $3 - ($1 - i) * ($4 / $1), $3 - ($1 - i) * ($4 / $1),
                   CASE WHEN i % 20 = 0 THEN NULL ELSE $3 - ($1 - i) * ($4 / $1) + 600000000 END,
                   CASE WHEN i % 20 >= 3 THEN $3 - ($1 - i) * ($4 / $1) + 7200000000 END,
                   CASE WHEN i % 20 >= 4 THEN $3 - ($1 - i) * ($4 / $1) + 7300000000 END
                 FROM n"
                    .into(),
                vec![incidents, tenants, now, year],
            ),
            (
                "INSERT INTO timeline (incident_id, at, actor, kind, detail)
                 SELECT id, created_at, 'system', 'created', '{\"title\":\"Incident\"}'
                 FROM incidents"
                    .into(),
                vec![],
            ),
            (
                // Alert i belongs to incident ((i - 1) % incidents) + 1 (so to its tenant)
                // when i <= incidents * 10, else it is unlinked and new.
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
                 INSERT INTO alerts (id, tenant_id, rule_id, rule_title, severity, event_id,
                                     event_received_at, created_at, event, count, first_seen,
                                     last_seen, status, incident_id)
                 SELECT printf('%032x', i), 1 + ((1 + ((i - 1) % $2)) % $3), printf('rule-%d', i % 200),
                   'Bench rule', 1 + (i % 4), printf('%032x', i),
                   $4 - ($1 - i) * ($5 / $1), $4 - ($1 - i) * ($5 / $1),
                   printf('{\"source.ip\":\"10.%d.%d.%d\",\"host.name\":\"ws-%d\"}',
                          i % 250, (i / 250) % 250, i % 199, i % 5000),
                   1, $4 - ($1 - i) * ($5 / $1), $4 - ($1 - i) * ($5 / $1),
                   CASE WHEN i <= $2 * 10 THEN 'escalated' ELSE 'new' END,
                   CASE WHEN i <= $2 * 10 THEN 1 + ((i - 1) % $2) END
                 FROM n"
                    .into(),
                vec![alerts, incidents, tenants, now, year],
            ),
            (
                "INSERT INTO alert_members (member_id, alert_id) SELECT id, id FROM alerts".into(),
                vec![],
            ),
            (
                // Synthetic SLA-clock times (wall-clock differences) for MTTA/MTTR.
                "UPDATE incidents SET ack_clock_us = acknowledged_at - created_at,
                                      resolve_clock_us = resolved_at - created_at"
                    .into(),
                vec![],
            ),
            // No ANALYZE: the server never gathers planner statistics, so the timed queries
            // must be planned as they are on a production database (without statistics).
        ];
        for (sql, binds) in steps {
            let started = std::time::Instant::now();
            let mut q = sqlx::query(AssertSqlSafe(sql.clone()));
            for b in binds {
                q = q.bind(b);
            }
            q.execute(&mut *conn)
                .await
                .map_err(SocError::storage(context))?;
            tracing::info!(
                step = sql.split_whitespace().take(8).collect::<Vec<_>>().join(" "),
                seconds = started.elapsed().as_secs_f64(),
                "benchmark fill step"
            );
        }
        sqlx::query("PRAGMA synchronous = FULL")
            .execute(&mut *conn)
            .await
            .map_err(SocError::storage(context))?;
        Ok((1..=tenants).map(TenantId).collect())
    }
}
