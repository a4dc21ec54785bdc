//! User tokens and user management on a real SQLite file: a user's token acts within the
//! intersection of its permissions and the user's current role and tenants (changes apply on
//! the next request), and a tenant admin manages only the tenant roles of its own tenant.

use std::sync::Arc;
use std::time::Duration;

use vigie_event::{Grant, TenantId, TenantSlug};

use super::SqliteStore;
use crate::SocError;
use crate::access::{Access, test_scope};
use crate::desk::{Actor, NewUser, User, UserAuthority, UserPatch};
use crate::state::{Permission, Role, StateStore};
use crate::token::NewUserToken;
use crate::{AuthError, token};

const PASSWORD: &str = "a long enough password";

async fn setup(dir: &std::path::Path) -> (Arc<SqliteStore>, TenantId, TenantId) {
    let store = Arc::new(SqliteStore::open(&dir.join("s.sqlite")).await.unwrap());
    let a = store
        .create_tenant(&TenantSlug::new("ta").unwrap(), "A")
        .await
        .unwrap()
        .id;
    let b = store
        .create_tenant(&TenantSlug::new("tb").unwrap(), "B")
        .await
        .unwrap()
        .id;
    (store, a, b)
}

async fn user(s: &SqliteStore, name: &str, role: Role, tenants: Vec<TenantId>) -> User {
    let all = Access::new(Arc::new(s.clone())).operator_scope();
    s.add_user(
        &Actor::operator(),
        &all,
        &NewUser {
            username: name.into(),
            password: PASSWORD.into(),
            role,
            tenants,
        },
    )
    .await
    .unwrap()
}

fn token_request(permissions: &[Permission], tenants: Option<Vec<TenantId>>) -> NewUserToken {
    NewUserToken {
        label: "ticketing".into(),
        permissions: permissions.to_vec(),
        tenants,
        expires_at: None,
    }
}

async fn actions(s: &SqliteStore) -> Vec<String> {
    s.audit_entries(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn user_token_acts_within_its_permissions_and_the_users_current_assignments() {
    let dir = tempfile::tempdir().unwrap();
    let (s, a, b) = setup(dir.path()).await;
    let access = Access::new(s.clone());
    let all = access.operator_scope();
    let ana = user(&s, "ana", Role::Analyst, vec![a, b]).await;
    let me = Actor::user("ana");

    // Refusals name what is wrong.
    let err = s
        .create_user_token(
            &me,
            ana.id,
            &token_request(&[Permission::ManageUsers], None),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("manage_users"), "{err}");
    let err = s
        .create_user_token(&me, ana.id, &token_request(&[], None))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission"), "{err}");
    let err = s
        .create_user_token(
            &me,
            ana.id,
            &token_request(&[Permission::ReadDesk], Some(vec![TenantId(999)])),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, SocError::NotFound { .. }), "{err}");
    let mut expired = token_request(&[Permission::ReadDesk], None);
    expired.expires_at = Some(jiff::Timestamp::now() - Duration::from_secs(1));
    assert!(s.create_user_token(&me, ana.id, &expired).await.is_err());

    // A token narrowed to tenant B with read and comment only.
    let narrow = s
        .create_user_token(
            &me,
            ana.id,
            &token_request(&[Permission::ReadDesk, Permission::Comment], Some(vec![b])),
        )
        .await
        .unwrap();
    assert!(token::is_well_formed_user_secret(&narrow.secret));
    let p = access
        .authenticate_user_token(&format!("Bearer {}", narrow.secret))
        .await
        .unwrap();
    assert_eq!((p.role, p.user_id), (Role::Analyst, Some(ana.id)));
    assert!(p.scope.contains(b) && !p.scope.contains(a));
    assert!(p.may(Permission::ReadDesk) && p.may(Permission::Comment));
    // The role allows triage, the token does not.
    assert!(!p.may(Permission::TriageAlerts));
    assert_eq!(p.actor.0, format!("user:ana/token:{}", narrow.token.id));
    assert_eq!(p.user_token(), Some(narrow.token.id));

    // A broad token: every tenant of the user, read and triage.
    let broad = s
        .create_user_token(
            &me,
            ana.id,
            &token_request(&[Permission::ReadDesk, Permission::TriageAlerts], None),
        )
        .await
        .unwrap();
    let p = access.authenticate_user_token(&broad.secret).await.unwrap();
    assert!(p.scope.contains(a) && p.scope.contains(b));
    assert!(p.may(Permission::TriageAlerts));

    // Tenant B is taken from ana: the narrow token allows nothing any more, the broad one
    // sees A only, on the very next request.
    s.update_user(
        &Actor::operator(),
        &all,
        UserAuthority::All,
        ana.id,
        &UserPatch {
            tenants: Some(vec![a]),
            ..UserPatch::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        access
            .authenticate_user_token(&narrow.secret)
            .await
            .unwrap_err(),
        AuthError::Revoked
    );
    let p = access.authenticate_user_token(&broad.secret).await.unwrap();
    assert!(p.scope.contains(a) && !p.scope.contains(b));

    // A role without triage: the token loses it too.
    s.update_user(
        &Actor::operator(),
        &all,
        UserAuthority::All,
        ana.id,
        &UserPatch {
            role: Some(Role::TenantUser),
            ..UserPatch::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    let p = access.authenticate_user_token(&broad.secret).await.unwrap();
    assert_eq!(p.role, Role::TenantUser);
    assert!(p.may(Permission::ReadDesk) && !p.may(Permission::TriageAlerts));

    // Disabled: refused; enabled again: back.
    for (disabled, ok) in [(true, false), (false, true)] {
        s.update_user(
            &Actor::operator(),
            &all,
            UserAuthority::All,
            ana.id,
            &UserPatch {
                disabled: Some(disabled),
                ..UserPatch::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            access.authenticate_user_token(&broad.secret).await.is_ok(),
            ok
        );
    }

    // Only the owner revokes; a revoked token is refused; the list shows it revoked.
    let bob = user(&s, "bob", Role::Analyst, vec![a]).await;
    assert!(
        !s.revoke_user_token(&Actor::user("bob"), bob.id, broad.token.id)
            .await
            .unwrap()
    );
    assert!(
        s.revoke_user_token(&me, ana.id, broad.token.id)
            .await
            .unwrap()
    );
    assert_eq!(
        access
            .authenticate_user_token(&broad.secret)
            .await
            .unwrap_err(),
        AuthError::Revoked
    );
    let listed = s.list_user_tokens(ana.id).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(
        listed
            .iter()
            .find(|t| t.id == broad.token.id)
            .unwrap()
            .revoked
    );
    assert!(s.list_user_tokens(bob.id).await.unwrap().is_empty());
    // A tenant token secret is not a user token, and the reverse.
    assert_eq!(
        access
            .authenticate_user_token(&token::generate_secret())
            .await
            .unwrap_err(),
        AuthError::Malformed
    );
    assert_eq!(
        access
            .authenticate_user_token(&token::generate_user_secret())
            .await
            .unwrap_err(),
        AuthError::Unknown
    );

    let log = actions(&s).await;
    assert_eq!(log.iter().filter(|a| *a == "user_token.create").count(), 2);
    assert_eq!(log.iter().filter(|a| *a == "user_token.revoke").count(), 1);
}

#[tokio::test]
async fn tenant_admin_manages_only_the_tenant_roles_of_its_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let (s, a, b) = setup(dir.path()).await;
    let scope_a = test_scope(Grant::Tenant(a)).unwrap();
    let boss = Actor::user("admin-a");
    let ta = UserAuthority::TenantRoles;
    let analyst = user(&s, "ana", Role::Analyst, vec![a]).await;
    let other = user(&s, "bea", Role::TenantUser, vec![b]).await;

    // Create: a tenant role in its tenant only.
    let carl = s
        .create_user_as(
            &boss,
            &scope_a,
            ta,
            &NewUser {
                username: "carl".into(),
                password: PASSWORD.into(),
                role: Role::TenantUser,
                tenants: vec![a],
            },
        )
        .await
        .unwrap();
    for (role, tenant, needle) in [
        (Role::Analyst, a, "analyst"),
        (Role::PlatformAdmin, a, "platform_admin"),
        (Role::TenantUser, b, "tenant"),
    ] {
        let err = s
            .create_user_as(
                &boss,
                &scope_a,
                ta,
                &NewUser {
                    username: format!("x-{role}"),
                    password: PASSWORD.into(),
                    role,
                    tenants: vec![tenant],
                },
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains(needle), "{role}: {err}");
    }

    // SOC staff working for the tenant and users of another tenant are not its to manage.
    let disable = UserPatch {
        disabled: Some(true),
        ..UserPatch::default()
    };
    for id in [analyst.id, other.id, 9999] {
        assert!(
            s.update_user(&boss, &scope_a, ta, id, &disable)
                .await
                .unwrap()
                .is_none()
        );
    }
    assert!(
        !s.get_user(&scope_a, analyst.id)
            .await
            .unwrap()
            .unwrap()
            .disabled
    );

    // Its own tenant's user: role switch among the tenant roles, not beyond, no move.
    let up = s
        .update_user(
            &boss,
            &scope_a,
            ta,
            carl.id,
            &UserPatch {
                role: Some(Role::TenantAdmin),
                ..UserPatch::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(up.role, Role::TenantAdmin);
    for patch in [
        UserPatch {
            role: Some(Role::SocLead),
            ..UserPatch::default()
        },
        UserPatch {
            tenants: Some(vec![b]),
            ..UserPatch::default()
        },
        UserPatch {
            password: Some("short".into()),
            ..UserPatch::default()
        },
    ] {
        let err = s
            .update_user(&boss, &scope_a, ta, carl.id, &patch)
            .await
            .unwrap_err();
        assert!(matches!(err, SocError::InvalidValue { .. }), "{err}");
    }

    // Password reset: the new one works, the old one not, open sessions end.
    s.create_session(
        &[7; 32],
        carl.id,
        "csrf",
        jiff::Timestamp::now() + Duration::from_secs(60),
    )
    .await
    .unwrap();
    s.update_user(
        &boss,
        &scope_a,
        ta,
        carl.id,
        &UserPatch {
            password: Some("another long password".into()),
            ..UserPatch::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert!(s.session(&[7; 32]).await.unwrap().unwrap().ended);
    assert!(
        s.verify_user_password("carl", "another long password")
            .await
            .unwrap()
    );
    assert!(!s.verify_user_password("carl", PASSWORD).await.unwrap());

    // Disable.
    let off = s
        .update_user(&boss, &scope_a, ta, carl.id, &disable)
        .await
        .unwrap()
        .unwrap();
    assert!(off.disabled);
    let log = actions(&s).await;
    for action in ["user.create", "user.update", "user.disable"] {
        assert!(log.iter().any(|a| a == action), "{action} not in {log:?}");
    }
}
