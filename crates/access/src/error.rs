//! The errors of the SOC state, for every area and every backend.

use std::path::PathBuf;

/// A backend driver's error (sqlx on SQLite and PostgreSQL), kept as the source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What can go wrong in the SOC state store.
///
/// Messages name the offending value (a slug, a username, a cursor) but never a token secret
/// or a password.
#[derive(Debug, thiserror::Error)]
pub enum SocError {
    /// Something with that unique name already exists (e.g. `what = "tenant"`, `value` = the
    /// slug).
    #[error("{what} {value:?} already exists")]
    Conflict {
        /// The kind of thing: `"tenant"`, `"user"`.
        what: &'static str,
        /// Its name.
        value: String,
    },
    /// Something referred to does not exist (or is outside the caller's scope).
    #[error("{what} {value:?} not found")]
    NotFound {
        /// The kind of thing: `"tenant"`, `"token"`.
        what: &'static str,
        /// Its name or id.
        value: String,
    },
    /// A pagination cursor that this store did not hand out.
    #[error("invalid page cursor {0:?}")]
    InvalidCursor(String),
    /// An argument that can never be valid (an empty username, an empty password).
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// Which argument.
        what: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// A value that is not acceptable here; the message names it (an unknown RSIT type, a
    /// lifecycle step that does not exist, a tenant set that does not fit a role).
    #[error("invalid {what}: {message}")]
    InvalidValue {
        /// Which argument.
        what: &'static str,
        /// What is wrong with it, naming the value.
        message: String,
    },
    /// The database failed while doing `context`.
    #[error("state store: {context}: {source}")]
    Storage {
        /// The operation, e.g. `"inserting alerts"`.
        context: &'static str,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// The state database could not be opened.
    #[error("opening SQLite state database {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// The PostgreSQL state database could not be reached. `target` is `host:port/database`:
    /// never the password, nor the rest of the connection URL.
    #[error("connecting to the {engine} state database at {target}: {source}")]
    Connect {
        /// The engine, `"PostgreSQL"`.
        engine: &'static str,
        /// Where: `host:port/database`.
        target: String,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// An operation only one engine has (a `VACUUM INTO` snapshot on PostgreSQL).
    #[error("{what} is not available on the {engine} state store")]
    Unsupported {
        /// The operation.
        what: &'static str,
        /// The engine asked.
        engine: &'static str,
    },
    /// A schema migration failed (its transaction was rolled back).
    #[error("applying schema migration {version} ({name}): {source}")]
    Migration {
        /// The migration number.
        version: i64,
        /// The migration's name.
        name: &'static str,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// The database was written by a newer vigie whose schema this binary does not know.
    #[error("state database schema version {found} is newer than this vigie knows ({known})")]
    SchemaTooNew {
        /// The highest version recorded in the database.
        found: i64,
        /// The highest version this binary ships.
        known: i64,
    },
    /// A stored value that does not decode (a damaged or hand-edited database).
    #[error("corrupt {what} in the state database: {detail}")]
    Corrupt {
        /// The column or record kind.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// Password hashing failed (not a wrong password: that is `Ok(false)`).
    #[error("password hashing: {0}")]
    Password(String),
}

impl SocError {
    /// Wraps a driver error with the operation it interrupted.
    pub fn storage<E>(context: &'static str) -> impl FnOnce(E) -> SocError
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        move |source| SocError::Storage {
            context,
            source: Box::new(source),
        }
    }
}
