//! A throwaway PostgreSQL server for tests, started by `scripts/pg-test-server` and stopped
//! (its directory removed) when the last test holding it drops it; one fresh database per
//! case.
//!
//! When `VIGIE_TEST_PG_ADMIN_URL` and `VIGIE_TEST_PG_APP_URL` are set (for instance by
//! `scripts/pg-test-server run -- cargo test`), that server is used and left running. A test
//! that gets no server calls [`skip`]: it is reported skipped by `scripts/test`, never passed.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crate::state::{PostgresOptions, SqlStore};

/// A running PostgreSQL server: a superuser for migrations and databases, and an application
/// role that is neither superuser nor owner nor BYPASSRLS.
pub struct PgServer {
    admin_url: String,
    app_url: String,
    /// The cluster directory when this process started the server (stopped on drop).
    dir: Option<String>,
    next: AtomicU64,
}

/// The script, found from this crate's sources (two levels below the workspace root).
fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-test-server")
}

static SHARED: Mutex<Weak<PgServer>> = Mutex::new(Weak::new());

impl PgServer {
    /// The server every test of this process shares while one holds it; started if none is
    /// running. `Err` names why no server can be had here.
    pub fn shared() -> Result<Arc<PgServer>, String> {
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(server) = shared.upgrade() {
            return Ok(server);
        }
        let server = Arc::new(Self::start()?);
        *shared = Arc::downgrade(&server);
        Ok(server)
    }

    /// A server of this test alone (never the shared one nor one named by the environment),
    /// stopped and removed when dropped: for tests that stop and start it. It is durable
    /// (fsync and synchronous commit on, unlike the shared one): a crash keeps what it
    /// committed, as a production server's would.
    pub fn start_own() -> Result<Self, String> {
        Self::launch(true)
    }

    /// Stops the server at once, like a crash (its data stays). Only a server of
    /// [`PgServer::start_own`].
    pub fn kill(&self) -> Result<(), String> {
        self.own_script("kill")
    }

    /// Starts a killed server again, on the same port.
    pub fn revive(&self) -> Result<(), String> {
        self.own_script("revive")
    }

    fn own_script(&self, what: &str) -> Result<(), String> {
        let dir = self
            .dir
            .as_ref()
            .ok_or("this server was not started by this process")?;
        let out = Command::new("bash")
            .arg(script())
            .args([what, dir])
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }

    fn start() -> Result<Self, String> {
        if let (Ok(admin_url), Ok(app_url)) = (
            std::env::var("VIGIE_TEST_PG_ADMIN_URL"),
            std::env::var("VIGIE_TEST_PG_APP_URL"),
        ) {
            return Ok(Self {
                admin_url,
                app_url,
                dir: None,
                next: AtomicU64::new(0),
            });
        }
        Self::launch(false)
    }

    fn launch(durable: bool) -> Result<Self, String> {
        let output = Command::new("bash")
            .arg(script())
            .args(["start", "--watch", &std::process::id().to_string()])
            .env("VIGIE_PG_DURABLE", if durable { "1" } else { "0" })
            .output()
            .map_err(|e| format!("cannot run scripts/pg-test-server: {e}"))?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
        }
        let text = String::from_utf8_lossy(&output.stdout);
        let field = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
                .map(str::to_owned)
                .ok_or_else(|| format!("scripts/pg-test-server printed no {name}"))
        };
        Ok(Self {
            admin_url: field("admin_url")?,
            app_url: field("app_url")?,
            dir: Some(field("dir")?),
            next: AtomicU64::new(0),
        })
    }

    /// A new empty database, as (schema owner's URL, application's URL).
    pub async fn database(&self) -> (String, String) {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let name = format!("vigie_{}_{n}", std::process::id());
        sqlx::any::install_default_drivers();
        let admin = sqlx::AnyPool::connect(&self.admin_url)
            .await
            .expect("connect as the test server's superuser");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("create a test database");
        admin.close().await;
        (
            with_database(&self.admin_url, &name),
            with_database(&self.app_url, &name),
        )
    }

    /// A store on a new empty database: the application role connects, the superuser migrates.
    pub async fn store(&self) -> SqlStore {
        let (admin, app) = self.database().await;
        SqlStore::connect(&PostgresOptions {
            url: app,
            migrate_url: Some(admin),
            max_connections: 4,
        })
        .await
        .expect("connect to a fresh PostgreSQL test database")
    }

    /// The application role's URL of the server's default database (no schema in it).
    pub fn app_url(&self) -> &str {
        &self.app_url
    }
}

/// `url` with its database (path) replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    match url.rfind('/') {
        Some(slash) if url[..slash].contains('@') => format!("{}/{name}", &url[..slash]),
        _ => format!("{url}/{name}"),
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = Command::new("bash")
                .arg(script())
                .args(["stop", dir])
                .status();
        }
    }
}

/// Reports `test` as skipped because of `reason`: printed, and appended to the file named by
/// `VIGIE_SKIP_LOG` for `scripts/test` to count.
pub fn skip(test: &str, reason: &str) {
    eprintln!("SKIPPED {test}: {reason}");
    if let Some(path) = std::env::var_os("VIGIE_SKIP_LOG")
        && let Ok(mut file) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
    {
        let _ = writeln!(file, "{test}: {}", reason.replace('\n', " "));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_database_goes_after_the_last_slash_of_the_address() {
        assert_eq!(
            super::with_database("postgres://u:p@127.0.0.1:5432/postgres", "x"),
            "postgres://u:p@127.0.0.1:5432/x"
        );
    }
}
