//! vigie's SOC desk and the state behind it.
//!
//! Who a caller is and what it may read live in `vigie-access` (scopes, roles, tokens,
//! sessions, the audit chain). This crate holds the desk domain and the one SQL
//! implementation of every state trait, its own and the access crate's:
//!
//! - **Alerts** ([`alert`]): a rule matched an event; identity [`alert_id`] derives from the
//!   rule and the event so a replay after a crash never duplicates them (invariant 2).
//! - **The desk** ([`desk`]): triage, suppressions, incidents with their timeline, tasks,
//!   comments and observables; **SLA** clocks and breaches ([`sla`]); **NIS2** cases
//!   ([`nis2`]); saved views and counts of the web application ([`prefs`]); the
//!   **notification outbox** ([`notify`]): what was sent to whom, retried, dead.
//! - **Rule status** ([`RuleStatus`]): which Sigma rule files loaded and why others did not
//!   (invariant 5: nothing silently dropped).
//!
//! # State traits, one per area
//!
//! [`RuleStatusStore`], [`AlertStore`], [`SuppressionStore`], [`IncidentStore`],
//! [`SlaStore`], [`Nis2Store`](nis2::Nis2Store), [`PrefsStore`](prefs::PrefsStore) here;
//! the identity traits in `vigie-access`. A part takes the narrow trait it needs;
//! [`StateStore`] is all of them, for the processes that serve every role. The traits are
//! imported together with `use vigie_soc::prelude::*`.
//!
//! # Tenant isolation (invariant 1)
//!
//! Every read of tenant data takes a `&TenantScope` and the store applies it in the query
//! itself. Scopes are built only by `vigie-access` from a verified credential; no other crate
//! can build one.
//!
//! # Backends
//!
//! [`SqlStore`] implements every trait once for two engines: [`SqlStore::open`] the
//! embedded SQLite file (WAL mode, embedded numbered migrations; [`SqliteStore`] is its name
//! for callers of the embedded store), [`SqlStore::connect`] a PostgreSQL database shared by
//! several nodes (row-level security per tenant). Both pass the same conformance suite, the
//! `testsuite` module (enabled by the `testsuite` feature).

pub mod alert;
pub mod desk;
pub mod ids;
pub mod limits;
pub mod nis2;
pub mod notify;
pub mod prefs;
pub mod sla;
pub mod state;

#[cfg(any(test, feature = "testsuite"))]
pub mod testsuite;

/// Every state trait, of the desk and of identity: `use vigie_soc::prelude::*` where a
/// whole [`StateStore`] is held.
pub mod prelude {
    pub use crate::nis2::Nis2Store;
    pub use crate::notify::NotifyStore;
    pub use crate::prefs::PrefsStore;
    pub use crate::state::{
        AlertStore, DetectionStore, IncidentStore, RuleStatusStore, SlaStore, StateStore,
        SuppressionStore,
    };
    pub use vigie_access::{
        AuditLog, IdentityStore, SessionStore, TenantStore, TokenStore, UserStore,
    };
}

pub use alert::{Alert, AlertCursor, AlertFilter, AlertPage, NewAlert, Page, alert_id};
pub use desk::Actor;
pub use ids::{CommentId, IncidentId, SuppressionId, TaskId};
pub use state::{
    AlertStore, BenchFill, DetectionStore, Dialect, IncidentStore, PostgresOptions, RuleAudience,
    RuleStatus, RuleStatusStore, SlaStore, SqlStore, SqliteStore, StateStore, SuppressionStore,
};
pub use vigie_access::SocError;
