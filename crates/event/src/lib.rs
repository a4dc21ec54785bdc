//! The event and who owns it.
//!
//! - [`TenantId`] and [`TenantSlug`] name a tenant (one client organisation).
//! - [`TenantScope`] is what a caller may read. Every read path in vigie takes one; only the
//!   access layer (`vigie_soc::access`) builds it, enforced by a `clippy.toml` ban on
//!   [`TenantScope::grant`] everywhere else.
//! - [`Event`] is one received record: its identity, tenant, arrival time, source and its
//!   original JSON fields, addressable by [`field`] paths.
//!
//! No I/O here: every other crate depends on this one.

pub mod event;
pub mod field;
pub mod severity;
pub mod tenant;

pub use event::{Event, EventId};
pub use severity::{Severity, SeverityError};
pub use tenant::{Grant, SlugError, TenantId, TenantScope, TenantSlug};
