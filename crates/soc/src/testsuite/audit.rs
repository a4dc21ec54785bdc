//! The audit chain (one entry per committed change, verifiable, one chain under concurrent
//! writers of several handles) and sessions.

use std::collections::BTreeSet;

use ed25519_dalek::SigningKey;
use jiff::Timestamp;
use serde_json::json;
use vigie_event::Severity;

use super::{Fixture, Store, new_alert, platform, slug};
use crate::SocError;
use crate::desk::{Actor, AlertAction, NewIncident};
use vigie_access::audit::{self, AuditRecord};
use vigie_access::token::{TokenKind, TokenOwner, hash_secret};
use vigie_access::{Access, AuthError, LoginError, Role};
use vigie_access::{NewUser, UserAuthority, UserPatch};

const PASSWORD: &str = "a long enough password";

/// The chain of `store` verifies (without checkpoints); returns its length.
async fn verified(store: &Store) -> usize {
    let entries = store.audit_entries(0, 100_000).await.unwrap();
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=entries.len() as i64).collect::<Vec<_>>(),
        "sequence numbers are not 1..n"
    );
    // As `vigie audit verify` does: the chain, and a checkpoint signed at its head.
    let key = SigningKey::from_bytes(&[7; 32]);
    let head = store.audit_head().await.unwrap();
    let checkpoints: Vec<audit::Checkpoint> = (head.0 > 0)
        .then(|| audit::Checkpoint::sign(&key, head.0, &head.1))
        .into_iter()
        .collect();
    let report = audit::verify(entries.clone(), &checkpoints, &key.verifying_key());
    assert!(report.ok(), "{:?}", report.findings);
    assert_eq!(report.entries, entries.len() as u64);
    assert_eq!(report.checkpoints, checkpoints.len() as u64);
    match entries.last() {
        Some(last) => assert_eq!(head, (last.seq, last.hash)),
        None => assert_eq!(head, (0, audit::GENESIS)),
    }
    entries.len()
}

/// Every committed change appends exactly one entry, in the same transaction: a refused
/// change appends none; the chain verifies and its head is the last entry.
pub async fn audit_chain(fixture: Fixture) {
    let s: Store = fixture;
    assert_eq!(verified(&s).await, 0);
    let all = platform(&s);
    let op = Actor::operator();
    let a = s.create_tenant(&slug("audit-a"), "A").await.unwrap();
    let token = s
        .create_token(TokenOwner::Tenant(a.id), TokenKind::Read, "r")
        .await
        .unwrap();
    s.revoke_token(&all, token.info.id).await.unwrap();
    let ana = s
        .add_user(
            &op,
            &all,
            &NewUser {
                username: "ana".into(),
                password: PASSWORD.into(),
                role: Role::Analyst,
                tenants: vec![a.id],
            },
        )
        .await
        .unwrap();
    s.update_user(
        &op,
        &all,
        UserAuthority::All,
        ana.id,
        &UserPatch {
            role: Some(Role::SocLead),
            ..UserPatch::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    s.audit(&AuditRecord::new(
        "user:ana",
        Some(a.id),
        "authz.refused",
        "route:/api/v1/users",
        json!({"why": "test"}),
    ))
    .await
    .unwrap();
    let before = verified(&s).await;
    assert_eq!(before, 6);
    let entries = s.audit_entries(0, 100).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "tenant.create",
            "token.create",
            "token.revoke",
            "user.create",
            "user.update",
            "authz.refused"
        ]
    );
    assert_eq!(entries[0].tenant, Some(a.id.0));
    assert_eq!(entries[0].object, "tenant:audit-a");
    // Refused changes write nothing: a duplicate tenant, an unknown incident, a bad step.
    assert!(s.create_tenant(&slug("audit-a"), "again").await.is_err());
    assert!(
        s.add_comment(
            &op,
            &all,
            crate::testsuite::staff(),
            crate::IncidentId(999_999),
            &crate::testsuite::note("x")
        )
        .await
        .unwrap()
        .is_none()
    );
    s.insert_alerts(&[new_alert(a.id, "r", Severity::Low, 1)])
        .await
        .unwrap();
    let alert = new_alert(a.id, "r", Severity::Low, 1).id();
    s.alert_action(&op, &all, &alert, &AlertAction::Acknowledge)
        .await
        .unwrap()
        .unwrap();
    assert!(
        s.alert_action(&op, &all, &alert, &AlertAction::Acknowledge)
            .await
            .is_err()
    );
    // A paging reader sees the same chain.
    assert_eq!(verified(&s).await, before + 1);
    let page = s.audit_entries(2, 3).await.unwrap();
    assert_eq!(
        page.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![3, 4, 5]
    );
}

/// Writers on several handles of one database (as several processes or nodes) append at
/// once: every change gets its entry and the chain stays one chain (no fork, no repeated or
/// missing sequence number).
pub async fn audit_concurrent_writers(fixture: Fixture) {
    let mut handles: Vec<Fixture> = vec![fixture.clone()];
    for _ in 0..3 {
        handles.push(fixture.another_handle().await.unwrap());
    }
    let s: Store = fixture;
    let all = platform(&s);
    let t = s.create_tenant(&slug("busy"), "Busy").await.unwrap();
    let incident = s
        .create_incident(
            &Actor::operator(),
            &all,
            &NewIncident {
                tenant: t.id,
                title: "shared".into(),
                severity: None,
                rsit_class: None,
                rsit_type: None,
                tlp: None,
                alerts: vec![],
            },
        )
        .await
        .unwrap();
    let start = verified(&s).await;
    const EACH: usize = 12;
    let mut tasks = Vec::new();
    for (h, handle) in handles.into_iter().enumerate() {
        let all = all.clone();
        tasks.push(tokio::spawn(async move {
            let handle: Store = handle;
            for n in 0..EACH {
                match n % 3 {
                    0 => {
                        handle
                            .create_tenant(&slug(&format!("w{h}-{n}")), "writer")
                            .await
                            .unwrap();
                    }
                    1 => {
                        handle
                            .add_comment(
                                &Actor::user(&format!("w{h}")),
                                &all,
                                crate::testsuite::staff(),
                                incident.id,
                                &crate::testsuite::note(format!("comment {n}")),
                            )
                            .await
                            .unwrap()
                            .unwrap();
                    }
                    _ => handle
                        .audit(&AuditRecord::new(
                            format!("user:w{h}"),
                            None,
                            "login.success",
                            format!("user:w{h}"),
                            json!({"n": n}),
                        ))
                        .await
                        .unwrap(),
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(verified(&s).await, start + 4 * EACH);
    let comments = s
        .incident_detail(
            &all,
            crate::testsuite::staff(),
            incident.id,
            Timestamp::now(),
        )
        .await
        .unwrap()
        .unwrap()
        .comments;
    assert_eq!(comments.len(), 4 * EACH / 3);
}

/// Sessions: a login opens one (only its secret's hash is kept); it authenticates until
/// logout, until the user is disabled or its password changes, or after it expires.
pub async fn sessions(fixture: Fixture) {
    let s: Store = fixture;
    let access = Access::new(s.clone());
    let all = platform(&s);
    let op = Actor::operator();
    let a = s.create_tenant(&slug("sessions"), "S").await.unwrap();
    let ana = s
        .add_user(
            &op,
            &all,
            &NewUser {
                username: "ana".into(),
                password: PASSWORD.into(),
                role: Role::Analyst,
                tenants: vec![a.id],
            },
        )
        .await
        .unwrap();
    assert!(matches!(
        access.login("ana", "not the password", None).await,
        Err(LoginError::Invalid)
    ));
    let first = access.login("ana", PASSWORD, None).await.unwrap();
    let second = access.login("ana", PASSWORD, None).await.unwrap();
    assert_ne!(first.secret, second.secret);
    let record = s
        .session(&hash_secret(&first.secret))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.user.id, ana.id);
    assert_eq!(record.user.tenants, vec![a.id]);
    assert_eq!(record.csrf, first.csrf);
    assert!(!record.ended);
    let principal = access.authenticate_session(&first.secret).await.unwrap();
    assert_eq!(principal.user_id, Some(ana.id));
    assert!(principal.scope.contains(a.id) && !principal.scope.is_platform());
    assert!(principal.csrf_ok(Some(&first.csrf)));

    assert!(access.logout(&first.secret).await.unwrap());
    assert!(!access.logout(&first.secret).await.unwrap());
    assert_eq!(
        access
            .authenticate_session(&first.secret)
            .await
            .unwrap_err(),
        AuthError::Revoked
    );
    assert!(access.authenticate_session(&second.secret).await.is_ok());
    assert!(!s.end_session(&[9; 32]).await.unwrap());

    // Disabling ends every session; enabling does not bring them back.
    s.set_user_disabled(&op, &all, ana.id, true)
        .await
        .unwrap()
        .unwrap();
    assert!(access.authenticate_session(&second.secret).await.is_err());
    assert!(matches!(
        access.login("ana", PASSWORD, None).await,
        Err(LoginError::Invalid)
    ));
    s.set_user_disabled(&op, &all, ana.id, false)
        .await
        .unwrap()
        .unwrap();
    assert!(access.authenticate_session(&second.secret).await.is_err());

    // A new password ends the sessions opened with the old one.
    let third = access.login("ana", PASSWORD, None).await.unwrap();
    s.update_user(
        &op,
        &all,
        UserAuthority::All,
        ana.id,
        &UserPatch {
            password: Some("another long password".into()),
            ..UserPatch::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert!(access.authenticate_session(&third.secret).await.is_err());
    access
        .login("ana", "another long password", None)
        .await
        .unwrap();

    // An expired session does not authenticate.
    let secret = format!("vgs_{}", "ab".repeat(32));
    s.create_session(
        &hash_secret(&secret),
        ana.id,
        "csrf",
        Timestamp::now() - std::time::Duration::from_secs(1),
    )
    .await
    .unwrap();
    assert_eq!(
        access.authenticate_session(&secret).await.unwrap_err(),
        AuthError::Revoked
    );
    // A session of a user that does not exist cannot be created.
    assert!(matches!(
        s.create_session(
            &[1; 32],
            vigie_access::UserId(ana.id.0 + 1000),
            "c",
            Timestamp::now()
        )
        .await,
        Err(SocError::Storage { .. })
    ));
    let actions: BTreeSet<String> = super::actions(&s).await.into_iter().collect();
    for action in [
        "login.success",
        "login.failure",
        "logout",
        "user.disable",
        "user.enable",
    ] {
        assert!(actions.contains(action), "{action} not audited");
    }
}
