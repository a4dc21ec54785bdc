//! Who acts: users, the managers' authority over them and its rules (which role a manager
//! may give, which tenant set fits a role), the records the access service reads at login
//! and per request, and the [`Actor`] written in the audit log. The rules are here, not in
//! a backend: every store calls them before it writes.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use vigie_event::TenantId;

use crate::SocError;
use crate::ids::{TokenId, UserId, UserTokenId};
use crate::role::Role;
use crate::scope::TenantScope;

fn invalid(what: &'static str, message: impl Into<String>) -> SocError {
    SocError::InvalidValue {
        what,
        message: message.into(),
    }
}

impl Role {
    /// Whether a (sorted, deduplicated) tenant set fits this role, given by a manager with
    /// `scope`: a platform admin has none (and only the platform scope may create one), a
    /// tenant role exactly one, the SOC roles at least one.
    pub fn check_tenants(self, tenants: &[TenantId], scope: &TenantScope) -> Result<(), SocError> {
        match (self, tenants.len()) {
            (Role::PlatformAdmin, 0) if !scope.is_platform() => Err(invalid(
                "role",
                "only the platform may create a platform_admin",
            )),
            (Role::PlatformAdmin, 0) => Ok(()),
            (Role::PlatformAdmin, _) => Err(invalid(
                "tenants",
                "a platform_admin has no tenant list (it sees all)",
            )),
            (role, n) if role.is_tenant_role() && n != 1 => Err(invalid(
                "tenants",
                format!("a {role} belongs to exactly one tenant, {n} given"),
            )),
            (role, 0) => Err(invalid(
                "tenants",
                format!("a {role} needs at least one tenant"),
            )),
            _ => Ok(()),
        }
    }
}

/// Who does something, as written in the audit log and the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor(pub String);

impl Actor {
    /// A signed-in user.
    pub fn user(name: &str) -> Self {
        Self(format!("user:{name}"))
    }
    /// An API token.
    pub fn token(id: TokenId) -> Self {
        Self(format!("token:{id}"))
    }
    /// A user's own API token, acting as that user.
    pub fn user_token(name: &str, id: UserTokenId) -> Self {
        Self(format!("user:{name}/token:{id}"))
    }
    /// The local command line.
    pub fn operator() -> Self {
        Self("operator".into())
    }
    /// vigie itself (the pipeline, the SLA sweep).
    pub fn system() -> Self {
        Self("system".into())
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A user account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    /// Store id.
    pub id: UserId,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Tenants the user works for (empty for a platform admin, who sees all).
    pub tenants: Vec<TenantId>,
    /// Whether the account is disabled (it cannot log in, its sessions are ended).
    pub disabled: bool,
    /// When it was created.
    pub created_at: Timestamp,
}

/// A user to create.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Login name: 1 to 128 bytes, no spaces or control characters.
    pub username: String,
    /// Password, at least 12 characters.
    pub password: String,
    /// Role.
    pub role: Role,
    /// Tenants (by id): none for a platform admin, exactly one for a tenant role, at least one
    /// for the other roles.
    #[serde(default)]
    pub tenants: Vec<TenantId>,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("role", &self.role)
            .field("tenants", &self.tenants)
            .finish()
    }
}

/// Over which users a manager has authority ([`UserStore::update_user`](crate::UserStore::update_user)).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum UserAuthority {
    /// Every user in the scope, any role and tenant set (a platform admin, the local
    /// operator). In a scope narrower than the platform (a platform admin's token limited to
    /// some tenants) only users all of whose tenants are in the scope, never a platform
    /// admin, and only tenants of the scope may be given.
    All,
    /// Only tenant admins and tenant users of the scope's tenants: may create them, disable
    /// them, switch them between the two tenant roles and reset their passwords, and nothing
    /// else (a tenant admin over its own tenant). Other users answer as not found.
    TenantRoles,
}

impl UserAuthority {
    /// Whether this authority may give `role`: a tenant admin only the two tenant roles.
    /// The message names the role refused.
    pub fn check_grant(self, role: Role) -> Result<(), SocError> {
        if self == UserAuthority::TenantRoles && !role.is_tenant_role() {
            return Err(invalid(
                "role",
                format!("a tenant_admin may only give tenant_admin or tenant_user, not {role}"),
            ));
        }
        Ok(())
    }

    /// The authority a role gives, if any.
    pub fn of(role: Role) -> Option<Self> {
        match role {
            Role::PlatformAdmin => Some(UserAuthority::All),
            Role::TenantAdmin => Some(UserAuthority::TenantRoles),
            _ => None,
        }
    }
}

/// A change to a user; absent fields stay as they are.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// New role (with [`UserAuthority::TenantRoles`]: `tenant_admin` or `tenant_user` only).
    #[serde(default)]
    pub role: Option<Role>,
    /// New tenant set, replacing the old one (not with [`UserAuthority::TenantRoles`]).
    #[serde(default)]
    pub tenants: Option<Vec<TenantId>>,
    /// Disable (ends its sessions) or enable.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// New password (at least 12 characters): ends its sessions and revokes its API tokens.
    #[serde(default)]
    pub password: Option<String>,
}

impl fmt::Debug for UserPatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserPatch")
            .field("role", &self.role)
            .field("tenants", &self.tenants)
            .field("disabled", &self.disabled)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A user as the access layer sees it at login.
#[derive(Clone, Debug)]
pub struct LoginRecord {
    /// The user.
    pub user: User,
    /// Argon2id PHC string.
    pub password_hash: String,
}

/// A stored session, found by the hash of its secret.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    /// Whose.
    pub user: User,
    /// The CSRF token of the session.
    pub csrf: String,
    /// When it stops being valid.
    pub expires_at: Timestamp,
    /// Whether it was ended (logout, account disabled).
    pub ended: bool,
}
