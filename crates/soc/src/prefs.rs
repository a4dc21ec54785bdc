//! The web application's per-user state and its chart figures: the language a user chose
//! (saved by the language switch, restored at login), saved views of the alert queue (a name
//! and the queue's filter as a query string, per user) and the alert counts per hour of the
//! dashboard chart.
//!
//! Preferences and views belong to one user (by id) and never to a tenant: they hold no
//! tenant data, so they need no scope; a view's filter is applied through the viewer's scope
//! when it is opened. The dashboard's figures (alerts per hour, open incidents per tenant and
//! severity) are tenant data and take the caller's scope.

use jiff::Timestamp;
use serde::Serialize;
use vigie_access::{TenantScope, UserId};
use vigie_event::{Severity, TenantId};

use crate::desk::IncidentStatus;

use crate::SocError;

/// Longest saved-view name, in characters.
pub const VIEW_NAME_MAX: usize = 80;

/// Longest saved-view query string, in bytes.
pub const VIEW_QUERY_MAX: usize = 2048;

/// Most saved views per user.
pub const VIEWS_PER_USER_MAX: usize = 50;

/// A named filter of the alert queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SavedView {
    /// Store id.
    pub id: i64,
    /// The user's name for it (unique per user).
    pub name: String,
    /// The queue's query string (`status=new&tenant=…`), applied through the viewer's scope.
    pub query: String,
    /// When it was saved.
    pub created_at: Timestamp,
}

/// Alerts created in one hour.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HourCount {
    /// The start of the hour (UTC).
    pub hour: Timestamp,
    /// Alerts created in it.
    pub alerts: i64,
}

/// The statuses of an open incident (what the dashboard counts).
pub const OPEN_STATUSES: [IncidentStatus; 4] = [
    IncidentStatus::New,
    IncidentStatus::Acknowledged,
    IncidentStatus::InProgress,
    IncidentStatus::OnHold,
];

/// Incidents of one tenant and severity (the dashboard's table).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IncidentCount {
    /// The tenant.
    pub tenant: TenantId,
    /// The severity.
    pub severity: Severity,
    /// How many incidents.
    pub incidents: i64,
}

/// Checks a view's name and query; the error names the offending value.
pub fn check_view(name: &str, query: &str) -> Result<(), SocError> {
    let invalid = |what, message: String| SocError::InvalidValue { what, message };
    let count = name.chars().count();
    if name.trim().is_empty() || count > VIEW_NAME_MAX || name.chars().any(char::is_control) {
        return Err(invalid(
            "view name",
            format!("{name:?}: 1 to {VIEW_NAME_MAX} characters without control characters"),
        ));
    }
    if query.len() > VIEW_QUERY_MAX || query.chars().any(char::is_control) {
        return Err(invalid(
            "view query",
            format!(
                "{} bytes: at most {VIEW_QUERY_MAX} bytes without control characters",
                query.len()
            ),
        ));
    }
    Ok(())
}

/// Storage of the web application's per-user state (a supertrait of
/// [`crate::StateStore`]).
#[async_trait::async_trait]
pub trait PrefsStore: Send + Sync + 'static {
    /// The language tag user `user_id` chose last, if any.
    async fn user_language(&self, user_id: UserId) -> Result<Option<String>, SocError>;

    /// Remembers the language tag of user `user_id` (the caller checks it is a known one).
    /// [`SocError::NotFound`] for an unknown user.
    async fn set_user_language(&self, user_id: UserId, tag: &str) -> Result<(), SocError>;

    /// The saved views of user `user_id`, by name.
    async fn saved_views(&self, user_id: UserId) -> Result<Vec<SavedView>, SocError>;

    /// Saves a view for user `user_id`; a view of the same name is replaced. Refused
    /// ([`SocError::InvalidValue`]) for a bad name or query ([`check_view`]) or past
    /// [`VIEWS_PER_USER_MAX`] views.
    async fn save_view(
        &self,
        user_id: UserId,
        name: &str,
        query: &str,
    ) -> Result<SavedView, SocError>;

    /// Deletes view `id` of user `user_id`. Returns whether it existed (another user's view
    /// does not, for this user).
    async fn delete_view(&self, user_id: UserId, id: i64) -> Result<bool, SocError>;

    /// Open incidents ([`OPEN_STATUSES`]) in `scope`, counted per tenant and severity.
    async fn open_incident_counts(
        &self,
        scope: &TenantScope,
    ) -> Result<Vec<IncidentCount>, SocError>;

    /// The ids of the `limit` most severe open incidents in `scope`, newest first within a
    /// severity.
    async fn most_severe_open(
        &self,
        scope: &TenantScope,
        limit: u32,
    ) -> Result<Vec<crate::IncidentId>, SocError>;

    /// Alerts created per hour in `scope` from `since` (rounded down to the hour) to now,
    /// oldest first; hours without alerts are left out.
    async fn alerts_per_hour(
        &self,
        scope: &TenantScope,
        since: Timestamp,
    ) -> Result<Vec<HourCount>, SocError>;
}
