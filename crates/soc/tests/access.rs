//! The access service against the real SQLite state store: bearer forms, malformed and
//! unknown secrets refused before any lookup, a token's owner giving its scope.

use std::sync::Arc;

use vigie_access::{Access, AuthError, TokenKind, TokenOwner};
use vigie_event::{TenantId, TenantSlug};
use vigie_soc::SqliteStore;
use vigie_soc::prelude::*;

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
    let user_token = vigie_access::token::generate_user_secret();
    let err = access.authenticate(Some(&user_token)).await.unwrap_err();
    assert_eq!(err, AuthError::UserTokenNotAccepted);
    assert!(!err.to_string().contains(&user_token));
    let unknown = vigie_access::token::generate_secret();
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
