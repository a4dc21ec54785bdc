//! Tenants: the client organisations watched by the SOC.

use jiff::Timestamp;
use serde::Serialize;
use vigie_event::{TenantId, TenantSlug};

/// One client organisation. Its data is only ever read through a
/// [`TenantScope`](vigie_event::TenantScope) that contains its [`id`](Tenant::id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tenant {
    /// Numeric identity, carried by every event and alert of the tenant.
    pub id: TenantId,
    /// Unique human name used on the command line and in URLs.
    pub slug: TenantSlug,
    /// Display name.
    pub name: String,
    /// When it was onboarded.
    pub created_at: Timestamp,
}
