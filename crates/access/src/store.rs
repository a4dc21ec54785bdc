//! The identity state behind narrow traits, one per area: [`TenantStore`], [`TokenStore`],
//! [`UserStore`], [`SessionStore`] and the [`AuditLog`]. [`IdentityStore`] is all of them:
//! what the access service ([`crate::Access`]) needs.
//!
//! Every read of tenant data takes a `&TenantScope` and applies it in the query itself, so
//! no caller can forget it. The implementations (SQLite and PostgreSQL) are in `vigie-soc`,
//! which runs one conformance suite against both.

use jiff::Timestamp;
use vigie_event::TenantSlug;

use crate::SocError;
use crate::audit::{AuditEntry, AuditRecord};
use crate::identity::{Actor, LoginRecord, NewUser, SessionRecord, User, UserAuthority, UserPatch};
use crate::ids::{TokenId, UserId, UserTokenId};
use crate::role::Role;
use crate::scope::TenantScope;
use crate::tenant::Tenant;
use crate::token::{
    CreatedUserToken, NewToken, NewUserToken, TokenInfo, TokenKind, TokenOwner, UserTokenInfo,
};

/// The tenants: the client organisations, each a security boundary.
///
/// Implementations must pass the conformance suite (`vigie_soc::testsuite`, feature
/// `testsuite`).
#[async_trait::async_trait]
pub trait TenantStore: Send + Sync + 'static {
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
}

/// Bearer tokens: tenant and platform tokens for senders and API clients, and users' own
/// API tokens. Only the SHA-256 of a secret is stored.
///
/// Implementations must pass the conformance suite (`vigie_soc::testsuite`, feature
/// `testsuite`).
#[async_trait::async_trait]
pub trait TokenStore: Send + Sync + 'static {
    /// Creates a token and returns its secret, the only time it is known. Only the secret's
    /// SHA-256 is stored. [`SocError::NotFound`] if the owning tenant does not exist.
    async fn create_token(
        &self,
        owner: TokenOwner,
        kind: TokenKind,
        label: &str,
    ) -> Result<NewToken, SocError> {
        self.create_token_declaring(owner, kind, label, None).await
    }

    /// [`TokenStore::create_token`], declaring the source type of every event sent with the
    /// token (checked by the caller: `vigie_parse::SourceType`).
    async fn create_token_declaring(
        &self,
        owner: TokenOwner,
        kind: TokenKind,
        label: &str,
        source_type: Option<&str>,
    ) -> Result<NewToken, SocError>;

    /// The tokens in `scope`, by id. Platform tokens are only visible in a platform scope.
    async fn list_tokens(&self, scope: &TenantScope) -> Result<Vec<TokenInfo>, SocError>;

    /// Revokes token `id` if it is in `scope`. Returns whether such a token exists (revoking an
    /// already revoked token is `true` and keeps the first revocation time).
    async fn revoke_token(&self, scope: &TenantScope, id: TokenId) -> Result<bool, SocError>;

    /// The token whose secret hashes to `hash`, revoked or not. For the access layer only: it
    /// crosses tenants by design (the scope is what it produces).
    async fn token_by_secret_hash(&self, hash: &[u8; 32]) -> Result<Option<TokenInfo>, SocError>;

    /// Creates an API token owned by user `user_id` (the caller itself: the id comes from a
    /// verified session), audited. Each permission must be allowed by the user's role and
    /// each tenant be one of the user's. The secret is returned once; only its SHA-256 is
    /// stored.
    async fn create_user_token(
        &self,
        actor: &Actor,
        user_id: UserId,
        new: &NewUserToken,
    ) -> Result<CreatedUserToken, SocError>;

    /// The API tokens of user `user_id`, by id (never their secrets).
    async fn list_user_tokens(&self, user_id: UserId) -> Result<Vec<UserTokenInfo>, SocError>;

    /// Revokes token `id` of user `user_id`, audited. `false` if the user has no such token.
    async fn revoke_user_token(
        &self,
        actor: &Actor,
        user_id: UserId,
        id: UserTokenId,
    ) -> Result<bool, SocError>;

    /// The user token whose secret hashes to `hash` and its user as they are now. For the
    /// access layer only.
    async fn user_token_by_secret_hash(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<(UserTokenInfo, User)>, SocError>;
}

/// User accounts and their passwords (Argon2id), managed under a [`UserAuthority`].
///
/// Implementations must pass the conformance suite (`vigie_soc::testsuite`, feature
/// `testsuite`).
#[async_trait::async_trait]
pub trait UserStore: Send + Sync + 'static {
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
    ) -> Result<UserId, SocError>;

    /// Whether `password` is the password of `username`. An unknown user is `Ok(false)`.
    async fn verify_user_password(&self, username: &str, password: &str) -> Result<bool, SocError>;

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
    async fn get_user(&self, scope: &TenantScope, id: UserId) -> Result<Option<User>, SocError>;

    /// Disables (or re-enables) a user all of whose tenants are in `scope` (any user in the
    /// platform scope); disabling ends its sessions. Audited. Returns the user, `None` if not
    /// visible or partly outside the scope.
    async fn set_user_disabled(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: UserId,
        disabled: bool,
    ) -> Result<Option<User>, SocError>;

    /// Creates a user under `authority` (see [`UserAuthority`]), audited. As
    /// [`UserStore::add_user`], which is this with [`UserAuthority::All`]; with
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
        id: UserId,
        patch: &UserPatch,
    ) -> Result<Option<User>, SocError>;

    /// The user and password hash for a login, by name. For the access layer only.
    async fn login_record(&self, username: &str) -> Result<Option<LoginRecord>, SocError>;
}

/// Web sessions, found by the SHA-256 of their secret.
///
/// Implementations must pass the conformance suite (`vigie_soc::testsuite`, feature
/// `testsuite`).
#[async_trait::async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// Stores a session (only the SHA-256 of its secret).
    async fn create_session(
        &self,
        secret_hash: &[u8; 32],
        user_id: UserId,
        csrf: &str,
        expires_at: Timestamp,
    ) -> Result<(), SocError>;

    /// The session whose secret hashes to `hash`. For the access layer only.
    async fn session(&self, secret_hash: &[u8; 32]) -> Result<Option<SessionRecord>, SocError>;

    /// Ends one session (logout). Returns whether it was open.
    async fn end_session(&self, secret_hash: &[u8; 32]) -> Result<bool, SocError>;
}

/// The audit hash chain: one chain for the whole platform, whatever the number of writers
/// (see [`crate::audit`]).
///
/// Implementations must pass the conformance suite (`vigie_soc::testsuite`, feature
/// `testsuite`).
#[async_trait::async_trait]
pub trait AuditLog: Send + Sync + 'static {
    /// Appends one entry to the audit chain (for events that change nothing else: logins,
    /// refused authorisations).
    async fn audit(&self, record: &AuditRecord) -> Result<(), SocError>;

    /// The chain head `(seq, hash)`; `(0, zeros)` when empty.
    async fn audit_head(&self) -> Result<(i64, [u8; 32]), SocError>;

    /// Up to `limit` entries with `seq > after`, in order, as stored (for verification).
    async fn audit_entries(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>, SocError>;
}

/// Everything the access service reads and writes: tenants, tokens, users, sessions, the
/// audit log. Every type with all five is one.
pub trait IdentityStore: TenantStore + TokenStore + UserStore + SessionStore + AuditLog {}

impl<T> IdentityStore for T where T: TenantStore + TokenStore + UserStore + SessionStore + AuditLog {}
