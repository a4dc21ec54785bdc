//! vigie's SOC state and who may see it.
//!
//! This crate holds what the SOC knows besides the events themselves, behind one narrow
//! interface, [`StateStore`], and decides who may read what:
//!
//! - **Tenants** ([`Tenant`]): the client organisations, each a security boundary.
//! - **Tokens** ([`token`]): bearer secrets (`vgt_` + 64 hex digits) for senders and API
//!   clients, owned by a tenant or by the platform. Only their SHA-256 is stored.
//! - **Users** ([`Role`]): the platform admin for now, passwords hashed with Argon2id.
//! - **Rule status** ([`RuleStatus`]): which Sigma rule files loaded and why others did not
//!   (invariant 5: nothing silently dropped).
//! - **Alerts** ([`alert`]): a rule matched an event; identity [`alert_id`] derives from the
//!   rule and the event so a replay after a crash never duplicates them (invariant 2).
//!
//! # Tenant isolation (invariant 1)
//!
//! Every read of tenant data takes a `&TenantScope` and the store applies it in the query
//! itself. A scope is only built by [`access`]: [`Access::authenticate`] turns a bearer token
//! into a [`Credential`] with the scope of its owner, and [`Access::operator_scope`] gives the
//! local command line (who holds the data directory) the platform scope. Other crates cannot
//! build a scope (`TenantScope::grant` is banned by `clippy.toml`); they can only narrow one.
//!
//! # Backends
//!
//! [`SqlStore`] implements it once for two engines: [`SqlStore::open`] the embedded SQLite
//! file (WAL mode, embedded numbered migrations; [`SqliteStore`] is its name for callers of
//! the embedded store), [`SqlStore::connect`] a PostgreSQL database shared by several nodes
//! (row-level security per tenant). Both pass the same conformance suite, the `testsuite`
//! module (enabled by the `testsuite` feature).

pub mod access;
pub mod alert;
pub mod audit;
pub mod desk;
mod error;
pub mod limits;
pub mod login_audit;
pub mod nis2;
pub mod password;
pub mod prefs;
pub mod sla;
pub mod state;
pub mod tenant;
pub mod throttle;
pub mod token;

#[cfg(any(test, feature = "testsuite"))]
pub mod testsuite;

pub use access::{Access, AuthError, Credential, LoginError, NewSession, Principal};
pub use alert::{Alert, AlertCursor, AlertFilter, AlertPage, NewAlert, Page, alert_id};
pub use desk::Actor;
pub use error::SocError;
pub use state::{
    BenchFill, Dialect, Permission, PostgresOptions, Role, RoleError, RuleAudience, RuleStatus,
    SqlStore, SqliteStore, StateStore,
};
pub use tenant::Tenant;
pub use token::{NewToken, TokenInfo, TokenKind, TokenKindError, TokenOwner};
