//! The desk's state behind narrow traits, one per area ([`RuleStatusStore`], [`AlertStore`],
//! [`SuppressionStore`], [`IncidentStore`], [`SlaStore`]; NIS2 and preferences in their
//! modules), and [`StateStore`], all of them with the identity traits of `vigie-access`.
//! One SQL implementation, [`SqlStore`], on SQLite (the embedded file) or PostgreSQL
//! (several nodes); both pass the same conformance suite (`crate::testsuite`).
//!
//! Every read of tenant data takes a `&TenantScope` and applies it in the query itself
//! (`tenant_id IN (..)`, or no tenant filter for a platform scope), so no caller can forget it;
//! on PostgreSQL row-level security applies it once more below the SQL.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use vigie_access::{Audience, IdentityStore, TenantScope};
use vigie_event::{Severity, TenantId};

use crate::SocError;
use crate::alert::{Alert, AlertFilter, AlertPage, NewAlert, Page};
use crate::desk::{
    Actor, AlertAction, CommentId, Incident, IncidentDetail, IncidentFilter, IncidentId,
    IncidentPage, IncidentPatch, IncidentSort, NewComment, NewIncident, NewSuppression, Question,
    RuleStats, SlaBreach, SlaSummaryRow, Suppression, SuppressionId, Task, TaskId,
};
use crate::nis2::Nis2Store;
use crate::notify::NotifyStore;
use crate::prefs::PrefsStore;
use crate::sla::SlaContract;

mod sql;

#[cfg(any(test, feature = "testsuite"))]
pub(crate) use sql::DEFAULT_DEDUP_WINDOW;
pub use sql::{BenchFill, Dialect, PostgresOptions, SqlStore, SqliteStore};

/// Whom a [`RuleStatus`] concerns, and so who may read it (invariant 1: a tenant's Sigma
/// filters are its own tuning, not something other tenants may read).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleAudience {
    /// A rule every tenant's events run through: every caller.
    #[default]
    Everyone,
    /// The Sigma filter of one tenant: that tenant and the platform.
    Tenant(TenantId),
    /// The platform only (a filter folder that names no tenant).
    Platform,
}

/// Whether one rule document or tenant filter loaded, as last reported by detection
/// (invariant 5: a rule that does not load is named and visible, never swallowed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleStatus {
    /// The rule file, relative to the rules directory (several documents of one file share
    /// it). Never a path of the server outside the rules directory.
    pub path: String,
    /// Who may read this row.
    pub audience: RuleAudience,
    /// The rule id, if it could be read.
    pub rule_id: Option<String>,
    /// The rule title, if it could be read.
    pub title: Option<String>,
    /// The rule level, if it could be read.
    pub severity: Option<Severity>,
    /// Whether the rule is active.
    pub loaded: bool,
    /// Why it did not load (or a warning when it did).
    pub reason: Option<String>,
}

/// Which rule documents and tenant filters loaded, as last reported by detection
/// (invariant 5).
///
/// Implementations must pass the conformance suite (`vigie_soc::testsuite`, feature
/// `testsuite`).
#[async_trait::async_trait]
pub trait RuleStatusStore: Send + Sync + 'static {
    /// Replaces the whole rule load status with `statuses` (one transaction; several rows may
    /// name the same file).
    async fn replace_rule_status(&self, statuses: &[RuleStatus]) -> Result<(), SocError>;

    /// The rule load status `scope` may read, by path then in the order stored: the shared
    /// rules and the filters of the scope's tenants; everything in the platform scope.
    async fn list_rule_status(&self, scope: &TenantScope) -> Result<Vec<RuleStatus>, SocError>;
}

/// Alerts: written by detection (idempotent by [`crate::alert_id`]), listed and triaged on
/// the desk.
///
/// Implementations must pass the conformance suite (`vigie_soc::testsuite`, feature
/// `testsuite`).
#[async_trait::async_trait]
pub trait AlertStore: Send + Sync + 'static {
    /// Records alerts in one transaction. Each id is [`crate::alert_id`] of its rule and
    /// event; alerts whose id already exists are ignored. Returns how many were new.
    /// [`SocError::NotFound`] (and nothing written) if a tenant does not exist.
    async fn insert_alerts(&self, alerts: &[NewAlert]) -> Result<u64, SocError>;

    /// One page of the alerts in `scope` that pass `filter`, newest first.
    async fn list_alerts(
        &self,
        scope: &TenantScope,
        filter: &AlertFilter,
        page: &Page,
    ) -> Result<AlertPage, SocError>;

    /// How many alerts are in `scope`.
    async fn count_alerts(&self, scope: &TenantScope) -> Result<u64, SocError>;

    /// One alert in `scope`.
    async fn get_alert(&self, scope: &TenantScope, id: &str) -> Result<Option<Alert>, SocError>;

    /// Applies a triage action to an alert in `scope`, audited; returns the alert after it.
    /// Escalating creates or extends an incident. `None` if the alert is not in scope.
    async fn alert_action(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: &str,
        action: &AlertAction,
    ) -> Result<Option<Alert>, SocError>;

    /// Triage statistics per rule in `scope`.
    async fn rule_stats(&self, scope: &TenantScope) -> Result<Vec<RuleStats>, SocError>;
}

/// Suppressions: what detection engineers silence, per tenant, rule and group.
///
/// Implementations must pass the conformance suite (`vigie_soc::testsuite`, feature
/// `testsuite`).
#[async_trait::async_trait]
pub trait SuppressionStore: Send + Sync + 'static {
    /// Creates a suppression for a tenant in `scope`, audited.
    async fn add_suppression(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        new: &NewSuppression,
    ) -> Result<Suppression, SocError>;

    /// Suppressions in `scope` (expired ones included), newest first.
    async fn list_suppressions(&self, scope: &TenantScope) -> Result<Vec<Suppression>, SocError>;

    /// Ends a suppression now (sets its expiry), audited. `false` if not in scope.
    async fn end_suppression(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: SuppressionId,
    ) -> Result<bool, SocError>;
}

/// Incidents and their timeline, tasks, comments and observables.
///
/// Implementations must pass the conformance suite (`vigie_soc::testsuite`, feature
/// `testsuite`).
#[async_trait::async_trait]
pub trait IncidentStore: Send + Sync + 'static {
    /// Opens an incident in a tenant of `scope`, from alerts of that tenant or by hand,
    /// audited; extracts observables from the alerts.
    async fn create_incident(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        new: &NewIncident,
    ) -> Result<Incident, SocError>;

    /// One page of incidents in `scope`.
    async fn list_incidents(
        &self,
        scope: &TenantScope,
        filter: &IncidentFilter,
        sort: IncidentSort,
        page: &Page,
    ) -> Result<IncidentPage, SocError>;

    /// An incident's page, if in `scope`, as `audience` may read it: a client's audience
    /// gets neither the internal comments nor their timeline entries. `now` drives the SLA
    /// clocks.
    async fn incident_detail(
        &self,
        scope: &TenantScope,
        audience: Audience,
        id: IncidentId,
        now: Timestamp,
    ) -> Result<Option<IncidentDetail>, SocError>;

    /// The SOC's questions to clients on incidents of `scope`, newest first (at most 500);
    /// only the unanswered ones with `open_only`.
    async fn questions(
        &self,
        scope: &TenantScope,
        open_only: bool,
    ) -> Result<Vec<Question>, SocError>;

    /// Changes an incident in `scope`, audited, one timeline entry per changed field.
    /// [`SocError::Invalid`] for a step that is not in the lifecycle.
    async fn update_incident(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: IncidentId,
        patch: &IncidentPatch,
    ) -> Result<Option<Incident>, SocError>;

    /// Adds a comment, audited. `None` if the incident is not in scope.
    /// [`SocError::InvalidValue`] for what `audience` may not write: an internal note, a
    /// question or an answer from a client's audience that is not one (a client's comments
    /// are shared; only the SOC asks; only a client answers, a shared question of the same
    /// incident).
    async fn add_comment(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        audience: Audience,
        incident: IncidentId,
        new: &NewComment,
    ) -> Result<Option<CommentId>, SocError>;

    /// Adds a task, audited.
    async fn add_task(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        incident: IncidentId,
        title: &str,
    ) -> Result<Option<Task>, SocError>;

    /// Marks a task done or not, audited.
    async fn set_task_done(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        incident: IncidentId,
        task: TaskId,
        done: bool,
    ) -> Result<bool, SocError>;

    /// Merges incident `from` into `into` (same tenant, both in scope): alerts, observables,
    /// tasks and comments move; `from` is closed with `merged_into` set. Audited.
    async fn merge_incidents(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        into: IncidentId,
        from: IncidentId,
    ) -> Result<Option<Incident>, SocError>;

    /// Moves `alerts` of incident `id` to a new incident with `title`. Audited.
    async fn split_incident(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: IncidentId,
        alerts: &[String],
        title: &str,
    ) -> Result<Option<Incident>, SocError>;
}

/// SLA contracts, their clocks and breaches.
///
/// Implementations must pass the conformance suite (`vigie_soc::testsuite`, feature
/// `testsuite`).
#[async_trait::async_trait]
pub trait SlaStore: Send + Sync + 'static {
    /// Sets a tenant's SLA contract, audited. [`SocError::NotFound`] outside `scope`.
    async fn set_sla_contract(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        tenant: TenantId,
        contract: &SlaContract,
    ) -> Result<(), SocError>;

    /// A tenant's SLA contract, if in scope and set.
    async fn sla_contract(
        &self,
        scope: &TenantScope,
        tenant: TenantId,
    ) -> Result<Option<SlaContract>, SocError>;

    /// Records breaches of open incidents whose clocks ran out by `now`; returns how many
    /// new ones. Each breach is audited once.
    async fn record_sla_breaches(&self, now: Timestamp) -> Result<u64, SocError>;

    /// MTTA/MTTR and breach counts per tenant and severity in `scope`, over incidents
    /// created at or after `since` (and before `until`, when given).
    async fn sla_summary(
        &self,
        scope: &TenantScope,
        since: Timestamp,
        until: Option<Timestamp>,
    ) -> Result<Vec<SlaSummaryRow>, SocError>;

    /// Recorded breaches in `scope`, newest first (at most 1000).
    async fn sla_breaches(&self, scope: &TenantScope) -> Result<Vec<SlaBreach>, SocError>;
}

/// What detection writes and reads: alerts (idempotent) and tenant names for its metric
/// labels. The pipeline holds only this. Every type with both parts is one.
pub trait DetectionStore: AlertStore + vigie_access::TenantStore {}

impl<T> DetectionStore for T where T: AlertStore + vigie_access::TenantStore {}

/// The whole SOC state: identity (`vigie-access`) and the desk. What a process that serves
/// every role holds; a part that needs less takes the narrow trait of its area (the access
/// service an [`IdentityStore`], detection a [`DetectionStore`], the indexer a
/// [`TenantStore`](vigie_access::TenantStore)). Every type with all the parts
/// is one.
pub trait StateStore:
    IdentityStore
    + DetectionStore
    + RuleStatusStore
    + AlertStore
    + SuppressionStore
    + IncidentStore
    + SlaStore
    + Nis2Store
    + NotifyStore
    + PrefsStore
{
}

impl<T> StateStore for T where
    T: IdentityStore
        + RuleStatusStore
        + AlertStore
        + SuppressionStore
        + IncidentStore
        + SlaStore
        + Nis2Store
        + NotifyStore
        + PrefsStore
{
}
