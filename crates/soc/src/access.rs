//! The access layer: the only place that turns a credential into a [`TenantScope`].
//!
//! A bearer token is hashed (SHA-256) and looked up; a tenant's token yields the scope of that
//! tenant, a platform token the platform scope. [`TenantScope::grant`] is banned by
//! `clippy.toml` everywhere else, so a scope in hand always comes from here (invariant 1).
//!
//! The local command line is the other way in: whoever can open the data directory can read
//! and write the whole database anyway, so [`Access::operator_scope`] gives the local
//! operator the platform scope. File permissions on the data directory are the boundary.

use std::sync::Arc;

use vigie_event::{Grant, TenantId, TenantScope};

use crate::state::StateStore;
use crate::token::{TokenKind, TokenOwner, hash_secret, is_well_formed_secret};

/// A verified caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// The token that authenticated (for the audit log).
    pub token_id: i64,
    /// What the token may do. Callers check it against the operation.
    pub kind: TokenKind,
    /// Whose token it is.
    pub owner: TokenOwner,
    /// What it may read.
    pub scope: TenantScope,
}

impl Credential {
    /// The tenant that events sent with this credential belong to: `Some` only for a
    /// tenant-owned token. A platform token has no tenant of its own to ingest for.
    pub fn ingest_tenant(&self) -> Option<TenantId> {
        self.owner.tenant()
    }

    /// Whether this credential is of `kind`.
    pub fn is(&self, kind: TokenKind) -> bool {
        self.kind == kind
    }
}

/// Why a bearer token was refused. Messages never include the presented secret.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    /// No token was presented.
    #[error("missing bearer token")]
    Missing,
    /// The token does not have the shape of a vigie token (`vgt_` + 64 lowercase hex digits).
    #[error("malformed bearer token")]
    Malformed,
    /// No such token (or the state store could not be asked; see the log).
    #[error("unknown bearer token")]
    Unknown,
    /// The token was revoked.
    #[error("revoked bearer token")]
    Revoked,
}

/// Authenticates callers against the state store.
#[derive(Clone)]
pub struct Access {
    store: Arc<dyn StateStore>,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access").finish_non_exhaustive()
    }
}

/// The one function that builds scopes.
// The ban on `TenantScope::grant` (clippy.toml, invariant 1) exists so that scopes are built
// only here, from a verified credential or the local operator; this is that place.
#[allow(clippy::disallowed_methods)]
fn scope_of(grant: Grant) -> Option<TenantScope> {
    TenantScope::grant(grant)
}

impl Access {
    /// Authenticates against `store`.
    pub fn new(store: Arc<dyn StateStore>) -> Self {
        Self { store }
    }

    /// Verifies a bearer token. `bearer` is the token itself or a whole `Authorization`
    /// header value (`Bearer vgt_…`). A tenant token yields that tenant's scope, a platform
    /// token the platform scope; the caller still checks [`Credential::kind`].
    ///
    /// A state store failure is logged and reported as [`AuthError::Unknown`] (fail closed).
    pub async fn authenticate(&self, bearer: Option<&str>) -> Result<Credential, AuthError> {
        let raw = bearer.map(str::trim).unwrap_or_default();
        if raw.is_empty() {
            return Err(AuthError::Missing);
        }
        let secret = match raw.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
            Some(_) => return Err(AuthError::Malformed),
            // "Bearer" with nothing after it (the header value was trimmed).
            None if raw.eq_ignore_ascii_case("bearer") => "",
            None => raw,
        };
        if secret.is_empty() {
            return Err(AuthError::Missing);
        }
        if !is_well_formed_secret(secret) {
            return Err(AuthError::Malformed);
        }
        let info = match self.store.token_by_secret_hash(&hash_secret(secret)).await {
            Ok(Some(info)) => info,
            Ok(None) => return Err(AuthError::Unknown),
            Err(error) => {
                tracing::error!(%error, "token lookup failed; refusing the request");
                return Err(AuthError::Unknown);
            }
        };
        if info.revoked {
            return Err(AuthError::Revoked);
        }
        let grant = match info.owner {
            TokenOwner::Tenant(tenant) => Grant::Tenant(tenant),
            TokenOwner::Platform => Grant::Platform,
        };
        let scope = scope_of(grant).ok_or(AuthError::Unknown)?;
        Ok(Credential {
            token_id: info.id,
            kind: info.kind,
            owner: info.owner,
            scope,
        })
    }

    /// The scope of the local operator (the `vigie` command line run on the data directory):
    /// the whole platform. Holding the data directory already means holding all the data, so
    /// this grants nothing new; it must never be used for a remote caller.
    pub fn operator_scope(&self) -> TenantScope {
        platform_scope()
    }
}

fn platform_scope() -> TenantScope {
    match scope_of(Grant::Platform) {
        Some(scope) => scope,
        // `grant` only refuses an empty tenant set.
        None => unreachable!("the platform grant always yields a scope"),
    }
}

/// Scopes for this crate's own tests (e.g. multi-tenant scopes that no token yields yet).
#[cfg(test)]
pub(crate) fn test_scope(grant: Grant) -> Option<TenantScope> {
    scope_of(grant)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::SqliteStore;
    use vigie_event::TenantSlug;

    #[tokio::test]
    async fn refuses_missing_and_malformed_without_lookup() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("state.db"))
            .await
            .unwrap();
        let access = Access::new(Arc::new(store));
        assert_eq!(access.authenticate(None).await, Err(AuthError::Missing));
        assert_eq!(
            access.authenticate(Some("  ")).await,
            Err(AuthError::Missing)
        );
        assert_eq!(
            access.authenticate(Some("Bearer ")).await,
            Err(AuthError::Missing)
        );
        let secret = "vgt_nothex_secret_value";
        let err = access.authenticate(Some(secret)).await.unwrap_err();
        assert_eq!(err, AuthError::Malformed);
        assert!(!err.to_string().contains(secret));
        assert_eq!(
            access.authenticate(Some("Basic dXNlcjpwYXNz")).await,
            Err(AuthError::Malformed)
        );
        let unknown = crate::token::generate_secret();
        assert_eq!(
            access.authenticate(Some(&unknown)).await,
            Err(AuthError::Unknown)
        );
        assert!(access.operator_scope().is_platform());
    }

    #[tokio::test]
    async fn header_form_and_owner_scope() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(
            SqliteStore::open(&dir.path().join("state.db"))
                .await
                .unwrap(),
        );
        let tenant = store
            .create_tenant(&TenantSlug::new("zone-nord").unwrap(), "Zone Nord")
            .await
            .unwrap();
        let token = store
            .create_token(TokenOwner::Tenant(tenant.id), TokenKind::Ingest, "relay")
            .await
            .unwrap();
        let access = Access::new(store.clone());
        let cred = access
            .authenticate(Some(&format!("Bearer {}", token.secret)))
            .await
            .unwrap();
        assert_eq!(cred.ingest_tenant(), Some(tenant.id));
        assert!(cred.scope.contains(tenant.id));
        assert!(!cred.scope.contains(TenantId(tenant.id.0 + 1)));
        assert!(cred.is(TokenKind::Ingest));

        let platform = store
            .create_token(TokenOwner::Platform, TokenKind::Read, "soc")
            .await
            .unwrap();
        let cred = access.authenticate(Some(&platform.secret)).await.unwrap();
        assert!(cred.scope.is_platform());
        assert_eq!(cred.ingest_tenant(), None);
    }
}
