//! The SOC state behind one narrow interface, [`StateStore`], with one SQL implementation,
//! [`SqlStore`], on SQLite (the embedded file) or PostgreSQL (several nodes); both pass the
//! same conformance suite (`crate::testsuite`).
//!
//! Every read of tenant data takes a `&TenantScope` and applies it in the query itself
//! (`tenant_id IN (..)`, or no tenant filter for a platform scope), so no caller can forget it;
//! on PostgreSQL row-level security applies it once more below the SQL.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use vigie_event::{Severity, TenantId, TenantScope, TenantSlug};

use crate::SocError;
use crate::alert::{Alert, AlertFilter, AlertPage, NewAlert, Page};
use crate::audit::{AuditEntry, AuditRecord};
use crate::desk::{
    Actor, AlertAction, Incident, IncidentDetail, IncidentFilter, IncidentPage, IncidentPatch,
    IncidentSort, LoginRecord, NewIncident, NewSuppression, NewUser, RuleStats, SessionRecord,
    SlaBreach, SlaSummaryRow, Suppression, Task, User, UserAuthority, UserPatch,
};
use crate::sla::SlaContract;
use crate::tenant::Tenant;
use crate::token::{
    CreatedUserToken, NewToken, NewUserToken, TokenInfo, TokenKind, TokenOwner, UserTokenInfo,
};

mod sql;

#[cfg(any(test, feature = "testsuite"))]
pub(crate) use sql::DEFAULT_DEDUP_WINDOW;
pub use sql::{BenchFill, Dialect, PostgresOptions, SqlStore, SqliteStore};

/// A user's role.
///
/// The four SOC roles work across the tenants they are assigned to (a platform admin across
/// all); the two tenant roles belong to exactly one tenant.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the platform: every tenant, every setting.
    PlatformAdmin,
    /// Leads the SOC: SLAs, workload, suppressions, everything an analyst does.
    SocLead,
    /// Triages alerts and works incidents.
    Analyst,
    /// Writes and tunes rules: suppressions, false-positive feedback.
    DetectionEngineer,
    /// A client's administrator: reads its tenant's desk, comments, manages its tenant's
    /// tenant admins and tenant users.
    TenantAdmin,
    /// A client contact: reads its tenant's incidents and comments on them.
    TenantUser,
}

/// What a caller may do; [`Role::may`] is the one table. The snake_case names are the
/// permissions a user's API token is given.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read alerts, incidents, SLA figures of the scope.
    ReadDesk,
    /// Acknowledge, escalate, close alerts as false positives.
    TriageAlerts,
    /// Open, change, merge and split incidents; tasks.
    WorkIncidents,
    /// Comment on incidents.
    Comment,
    /// Create and remove suppressions.
    ManageSuppressions,
    /// Set SLA contracts.
    ManageSla,
    /// List users of the scope.
    ReadUsers,
    /// Create and disable users.
    ManageUsers,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 8] = [
        Permission::ReadDesk,
        Permission::TriageAlerts,
        Permission::WorkIncidents,
        Permission::Comment,
        Permission::ManageSuppressions,
        Permission::ManageSla,
        Permission::ReadUsers,
        Permission::ManageUsers,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ReadDesk => "read_desk",
            Permission::TriageAlerts => "triage_alerts",
            Permission::WorkIncidents => "work_incidents",
            Permission::Comment => "comment",
            Permission::ManageSuppressions => "manage_suppressions",
            Permission::ManageSla => "manage_sla",
            Permission::ReadUsers => "read_users",
            Permission::ManageUsers => "manage_users",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Permission {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Permission::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
                format!(
                    "unknown permission {s:?}: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 6] = [
        Role::PlatformAdmin,
        Role::SocLead,
        Role::Analyst,
        Role::DetectionEngineer,
        Role::TenantAdmin,
        Role::TenantUser,
    ];

    /// The snake_case name, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::SocLead => "soc_lead",
            Role::Analyst => "analyst",
            Role::DetectionEngineer => "detection_engineer",
            Role::TenantAdmin => "tenant_admin",
            Role::TenantUser => "tenant_user",
        }
    }

    /// Whether the role belongs to exactly one tenant.
    pub fn is_tenant_role(self) -> bool {
        matches!(self, Role::TenantAdmin | Role::TenantUser)
    }

    /// Whether the role may do `what` (within its scope).
    pub fn may(self, what: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match what {
            ReadDesk | Comment => true,
            TriageAlerts => matches!(self, PlatformAdmin | SocLead | Analyst | DetectionEngineer),
            WorkIncidents => matches!(self, PlatformAdmin | SocLead | Analyst),
            ManageSuppressions => matches!(self, PlatformAdmin | SocLead | DetectionEngineer),
            ManageSla => matches!(self, PlatformAdmin | SocLead),
            ReadUsers => matches!(self, PlatformAdmin | SocLead | TenantAdmin),
            // A tenant admin only over the tenant roles of its own tenant (`UserAuthority`).
            ManageUsers => matches!(self, PlatformAdmin | TenantAdmin),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Why a string is not a [`Role`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "unknown role {0:?}: expected platform_admin, soc_lead, analyst, detection_engineer, tenant_admin or tenant_user"
)]
pub struct RoleError(pub String);

impl FromStr for Role {
    type Err = RoleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| RoleError(s.to_owned()))
    }
}

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

/// The SOC state: tenants, tokens, users, rule load status and alerts.
///
/// Implementations must pass the conformance suite in `crate::testsuite` (feature
/// `testsuite`).
#[async_trait::async_trait]
pub trait StateStore:
    crate::nis2::Nis2Store + crate::prefs::PrefsStore + Send + Sync + 'static
{
    /// Onboards a tenant. [`SocError::Conflict`] naming the slug if it is taken.
    async fn create_tenant(&self, slug: &TenantSlug, name: &str) -> Result<Tenant, SocError>;

    /// The tenants in `scope`, by slug.
    async fn list_tenants(&self, scope: &TenantScope) -> Result<Vec<Tenant>, SocError>;

    /// The tenant with this slug, if it exists and is in `scope`.
    async fn find_tenant(
        &self,
        scope: &TenantScope,
        slug: &TenantSlug,
    ) -> Result<Option<Tenant>, SocError>;

    /// Creates a token and returns its secret, the only time it is known. Only the secret's
    /// SHA-256 is stored. [`SocError::NotFound`] if the owning tenant does not exist.
    async fn create_token(
        &self,
        owner: TokenOwner,
        kind: TokenKind,
        label: &str,
    ) -> Result<NewToken, SocError>;

    /// The tokens in `scope`, by id. Platform tokens are only visible in a platform scope.
    async fn list_tokens(&self, scope: &TenantScope) -> Result<Vec<TokenInfo>, SocError>;

    /// Revokes token `id` if it is in `scope`. Returns whether such a token exists (revoking an
    /// already revoked token is `true` and keeps the first revocation time).
    async fn revoke_token(&self, scope: &TenantScope, id: i64) -> Result<bool, SocError>;

    /// The token whose secret hashes to `hash`, revoked or not. For the access layer only: it
    /// crosses tenants by design (the scope is what it produces).
    async fn token_by_secret_hash(&self, hash: &[u8; 32]) -> Result<Option<TokenInfo>, SocError>;

    /// How many users exist (0 means the platform admin is still to be created).
    async fn user_count(&self) -> Result<u64, SocError>;

    /// Creates a user. The password is hashed with Argon2id (OWASP parameters: m = 19456 KiB,
    /// t = 2, p = 1) and stored as a PHC string. [`SocError::Conflict`] naming the username if
    /// it is taken.
    async fn create_user(
        &self,
        username: &str,
        password: &str,
        role: Role,
    ) -> Result<i64, SocError>;

    /// Whether `password` is the password of `username`. An unknown user is `Ok(false)`.
    async fn verify_user_password(&self, username: &str, password: &str) -> Result<bool, SocError>;

    /// Replaces the whole rule load status with `statuses` (one transaction; several rows may
    /// name the same file).
    async fn replace_rule_status(&self, statuses: &[RuleStatus]) -> Result<(), SocError>;

    /// The rule load status `scope` may read, by path then in the order stored: the shared
    /// rules and the filters of the scope's tenants; everything in the platform scope.
    async fn list_rule_status(&self, scope: &TenantScope) -> Result<Vec<RuleStatus>, SocError>;

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

    // ---- Users and sessions -------------------------------------------------------------

    /// Creates a user with roles and tenants (see [`NewUser`]), audited. [`SocError::Invalid`]
    /// for a bad name, a short password or a tenant set that does not fit the role;
    /// [`SocError::NotFound`] for a tenant outside `scope`; [`SocError::Conflict`] for a
    /// taken name.
    async fn add_user(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        new: &NewUser,
    ) -> Result<User, SocError>;

    /// Users visible in `scope`: those assigned to one of its tenants (platform admins only in
    /// the platform scope), by id.
    async fn list_users(&self, scope: &TenantScope) -> Result<Vec<User>, SocError>;

    /// One user, if visible in `scope`.
    async fn get_user(&self, scope: &TenantScope, id: i64) -> Result<Option<User>, SocError>;

    /// Disables (or re-enables) a user all of whose tenants are in `scope` (any user in the
    /// platform scope); disabling ends its sessions. Audited. Returns the user, `None` if not
    /// visible or partly outside the scope.
    async fn set_user_disabled(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: i64,
        disabled: bool,
    ) -> Result<Option<User>, SocError>;

    /// Creates a user under `authority` (see [`UserAuthority`]), audited. As
    /// [`StateStore::add_user`], which is this with [`UserAuthority::All`]; with
    /// [`UserAuthority::TenantRoles`] only a tenant role may be given.
    async fn create_user_as(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        authority: UserAuthority,
        new: &NewUser,
    ) -> Result<User, SocError>;

    /// Changes a user visible in `scope` and managed under `authority` (role, tenants,
    /// disabled, password), audited in one entry. Disabling or a new password ends its
    /// sessions; a new password also revokes its API tokens. `None` if the user is not
    /// visible or not this authority's to manage: a user with a tenant outside `scope` is
    /// never managed from a scope narrower than the platform. [`SocError::InvalidValue`] naming what
    /// the authority may not do or what does not fit the role.
    async fn update_user(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        authority: UserAuthority,
        id: i64,
        patch: &UserPatch,
    ) -> Result<Option<User>, SocError>;

    /// Creates an API token owned by user `user_id` (the caller itself: the id comes from a
    /// verified session), audited. Each permission must be allowed by the user's role and
    /// each tenant be one of the user's. The secret is returned once; only its SHA-256 is
    /// stored.
    async fn create_user_token(
        &self,
        actor: &Actor,
        user_id: i64,
        new: &NewUserToken,
    ) -> Result<CreatedUserToken, SocError>;

    /// The API tokens of user `user_id`, by id (never their secrets).
    async fn list_user_tokens(&self, user_id: i64) -> Result<Vec<UserTokenInfo>, SocError>;

    /// Revokes token `id` of user `user_id`, audited. `false` if the user has no such token.
    async fn revoke_user_token(
        &self,
        actor: &Actor,
        user_id: i64,
        id: i64,
    ) -> Result<bool, SocError>;

    /// The user token whose secret hashes to `hash` and its user as they are now. For the
    /// access layer only.
    async fn user_token_by_secret_hash(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<(UserTokenInfo, User)>, SocError>;

    /// The user and password hash for a login, by name. For the access layer only.
    async fn login_record(&self, username: &str) -> Result<Option<LoginRecord>, SocError>;

    /// Stores a session (only the SHA-256 of its secret).
    async fn create_session(
        &self,
        secret_hash: &[u8; 32],
        user_id: i64,
        csrf: &str,
        expires_at: Timestamp,
    ) -> Result<(), SocError>;

    /// The session whose secret hashes to `hash`. For the access layer only.
    async fn session(&self, secret_hash: &[u8; 32]) -> Result<Option<SessionRecord>, SocError>;

    /// Ends one session (logout). Returns whether it was open.
    async fn end_session(&self, secret_hash: &[u8; 32]) -> Result<bool, SocError>;

    // ---- Audit ---------------------------------------------------------------------------

    /// Appends one entry to the audit chain (for events that change nothing else: logins,
    /// refused authorisations).
    async fn audit(&self, record: &AuditRecord) -> Result<(), SocError>;

    /// The chain head `(seq, hash)`; `(0, zeros)` when empty.
    async fn audit_head(&self) -> Result<(i64, [u8; 32]), SocError>;

    /// Up to `limit` entries with `seq > after`, in order, as stored (for verification).
    async fn audit_entries(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>, SocError>;

    // ---- Alerts: triage and suppression ---------------------------------------------------

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
        id: i64,
    ) -> Result<bool, SocError>;

    // ---- Incidents ----------------------------------------------------------------------

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

    /// An incident's page, if in `scope`. `now` drives the SLA clocks.
    async fn incident_detail(
        &self,
        scope: &TenantScope,
        id: i64,
        now: Timestamp,
    ) -> Result<Option<IncidentDetail>, SocError>;

    /// Changes an incident in `scope`, audited, one timeline entry per changed field.
    /// [`SocError::Invalid`] for a step that is not in the lifecycle.
    async fn update_incident(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: i64,
        patch: &IncidentPatch,
    ) -> Result<Option<Incident>, SocError>;

    /// Adds a comment, audited. `None` if the incident is not in scope.
    async fn add_comment(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        incident: i64,
        body: &str,
    ) -> Result<Option<i64>, SocError>;

    /// Adds a task, audited.
    async fn add_task(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        incident: i64,
        title: &str,
    ) -> Result<Option<Task>, SocError>;

    /// Marks a task done or not, audited.
    async fn set_task_done(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        incident: i64,
        task: i64,
        done: bool,
    ) -> Result<bool, SocError>;

    /// Merges incident `from` into `into` (same tenant, both in scope): alerts, observables,
    /// tasks and comments move; `from` is closed with `merged_into` set. Audited.
    async fn merge_incidents(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        into: i64,
        from: i64,
    ) -> Result<Option<Incident>, SocError>;

    /// Moves `alerts` of incident `id` to a new incident with `title`. Audited.
    async fn split_incident(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: i64,
        alerts: &[String],
        title: &str,
    ) -> Result<Option<Incident>, SocError>;

    // ---- SLA ----------------------------------------------------------------------------

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
    /// created at or after `since`.
    async fn sla_summary(
        &self,
        scope: &TenantScope,
        since: Timestamp,
    ) -> Result<Vec<SlaSummaryRow>, SocError>;

    /// Recorded breaches in `scope`, newest first (at most 1000).
    async fn sla_breaches(&self, scope: &TenantScope) -> Result<Vec<SlaBreach>, SocError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
        }
        assert!(
            "root"
                .parse::<Role>()
                .unwrap_err()
                .to_string()
                .contains("root")
        );
    }
}
