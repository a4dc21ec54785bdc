//! The event and who owns it.
//!
//! - [`TenantId`] and [`TenantSlug`] name a tenant (one client organisation).
//!   What a caller may read of them, the `TenantScope`, lives in `vigie-access`, the only
//!   crate that can build one.
//! - [`Event`] is one received record: its identity, tenant, arrival time, source and its
//!   original JSON fields, addressable by [`field`] paths.
//!
//! - [`typed_id!`] defines the typed row ids of the state (users, tokens, incidents, …).
//!
//! No I/O here: every other crate depends on this one.

pub mod event;
pub mod field;
pub mod id;
pub mod severity;
pub mod tenant;

pub use event::{Event, EventId};
pub use severity::{Severity, SeverityError};
pub use tenant::{SlugError, TenantId, TenantSlug};
