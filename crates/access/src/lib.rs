//! vigie's access and identity: who a caller is, and what it may read.
//!
//! - **Scopes** ([`TenantScope`]): the set of tenants a caller may read. Every read path of
//!   vigie takes one. Only this crate can build one (the constructor is private), from a
//!   verified credential: other crates receive a scope and may only narrow it (invariant 1).
//! - **The access service** ([`Access`]): turns a bearer token, a session cookie or a
//!   login into a [`Credential`] with its scope; login throttle ([`throttle`]), rate-limited
//!   audit of refused logins ([`login_audit`]), one Argon2id hashing queue ([`password`]).
//! - **Identity records**: tenants ([`Tenant`]), tokens ([`token`]), users and the
//!   authority over them ([`identity`]), roles and the one table of permissions ([`Role`]).
//! - **The audit chain** ([`audit`]): hash-chained entries, signed checkpoints, the verifier.
//! - **The identity state** ([`store`]): narrow traits per area ([`TenantStore`],
//!   [`TokenStore`], [`UserStore`], [`SessionStore`], [`AuditLog`]); their SQLite and
//!   PostgreSQL implementation is in `vigie-soc`, beside the desk's.
//!
//! No database driver here: the errors of a backend reach callers as [`SocError`] with the
//! driver's error as its source.

pub mod audience;
pub mod audit;
mod error;
pub mod identity;
pub mod ids;
pub mod limits;
pub mod login_audit;
pub mod password;
pub mod role;
pub mod scope;
mod service;
pub mod store;
pub mod tenant;
pub mod throttle;
pub mod token;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use audience::Audience;
pub use error::{BoxError, SocError};
pub use identity::{Actor, LoginRecord, NewUser, SessionRecord, User, UserAuthority, UserPatch};
pub use ids::{TokenId, UserId, UserTokenId};
pub use limits::LoginRefusal;
pub use role::{Permission, Role, RoleError};
pub use scope::{Grant, TenantScope};
pub use service::{
    Access, AuthError, Credential, LoginError, NewSession, Principal, SESSION_PREFIX, SESSION_TTL,
    is_user_token,
};
pub use store::{AuditLog, IdentityStore, SessionStore, TenantStore, TokenStore, UserStore};
pub use tenant::Tenant;
pub use token::{NewToken, TokenInfo, TokenKind, TokenKindError, TokenOwner};
