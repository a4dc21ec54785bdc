//! The SOC state behind one narrow interface, [`StateStore`], with its embedded
//! implementation ([`SqliteStore`]). A PostgreSQL implementation will sit beside it and run the
//! same conformance suite (`crate::testsuite`).
//!
//! Every read of tenant data takes a `&TenantScope` and applies it in the query itself
//! (`tenant_id IN (..)`, or no tenant filter for a platform scope), so no caller can forget it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use vigie_event::{Severity, TenantScope, TenantSlug};

use crate::SocError;
use crate::alert::{AlertFilter, AlertPage, NewAlert, Page};
use crate::tenant::Tenant;
use crate::token::{NewToken, TokenInfo, TokenKind, TokenOwner};

mod sqlite;

pub use sqlite::SqliteStore;

/// A user's role. More roles (analyst, SOC lead, tenant user) come with the SOC desk.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the platform: every tenant, every setting.
    PlatformAdmin,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 1] = [Role::PlatformAdmin];

    /// The snake_case name, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not a [`Role`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown role {0:?}: expected platform_admin")]
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

/// Whether one rule file loaded, as last reported by detection (invariant 5: a rule that
/// does not load is named and visible, never swallowed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleStatus {
    /// The rule file (unique key).
    pub path: String,
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
pub trait StateStore: Send + Sync + 'static {
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

    /// Replaces the whole rule load status with `statuses` (one transaction).
    async fn replace_rule_status(&self, statuses: &[RuleStatus]) -> Result<(), SocError>;

    /// The rule load status, by path.
    async fn list_rule_status(&self) -> Result<Vec<RuleStatus>, SocError>;

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
