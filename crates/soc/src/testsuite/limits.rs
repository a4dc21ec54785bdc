//! Conformance cases of the size limits ([`crate::limits`]) and of the login surface
//! ([`crate::access`], [`vigie_access::throttle`], [`vigie_access::login_audit`]): every backend refuses
//! an over-long value naming the field and the limit and writes nothing; a login with a huge
//! name or password writes one small audit entry; a flood of refused logins writes a bounded
//! number; an attacker from many addresses does not keep the real user out.

use std::net::IpAddr;
use std::time::Duration;

use jiff::Timestamp;
use vigie_event::{Severity, TenantId};

use super::{Store, new_alert, platform, slug};
use crate::SocError;
use crate::desk::{Actor, AlertAction, IncidentPatch, NewIncident, NewSuppression};
use vigie_access::login_audit::AuditGateConfig;
use vigie_access::throttle::{Throttle, ThrottleConfig};
use vigie_access::token::NewUserToken;
use vigie_access::{Access, LoginError};
use vigie_access::{NewUser, UserAuthority, UserPatch};
use vigie_access::{Permission, Role, TokenKind, TokenOwner};

const PASSWORD: &str = "a long enough password";

/// Asserts `result` is the refusal of `field` naming `limit`, and that nothing was audited.
async fn refused<T: std::fmt::Debug>(
    s: &Store,
    result: Result<T, SocError>,
    field: &str,
    limit: usize,
    audit_before: i64,
) {
    match result {
        Err(SocError::InvalidValue { what, message }) => {
            assert_eq!(what, field, "{message}");
            assert!(
                message.contains(&format!("{limit} bytes")),
                "{field}: {message} does not name {limit}"
            );
            assert!(message.len() < 300, "{field}: the message is {message}");
            if field == "password" {
                assert!(!message.contains("xx"), "a password in an error: {message}");
            }
        }
        other => panic!("{field} over {limit} bytes: {other:?}"),
    }
    assert_eq!(
        s.audit_head().await.unwrap().0,
        audit_before,
        "{field}: a refused value was audited or stored"
    );
}

fn over(limit: usize) -> String {
    "x".repeat(limit + 1)
}

/// Every stored desk text has a maximum, refused with its field and limit, nothing written.
pub async fn text_limits(s: Store) {
    let all = platform(&s);
    let op = Actor::operator();
    let head = || async { s.audit_head().await.unwrap().0 };

    let tenant_err = s.create_tenant(&slug("long"), &over(256)).await;
    refused(&s, tenant_err, "tenant name", 256, head().await).await;
    let a = s.create_tenant(&slug("ta"), "A").await.unwrap().id;
    let label_err = s
        .create_token(TokenOwner::Tenant(a), TokenKind::Read, &over(200))
        .await;
    refused(&s, label_err, "token label", 200, head().await).await;
    let user_err = s.create_user(&over(128), PASSWORD, Role::Analyst).await;
    refused(&s, user_err, "username", 128, head().await).await;
    let pass_err = s.create_user("ana", &over(1024), Role::Analyst).await;
    refused(&s, pass_err, "password", 1024, head().await).await;

    let new_user = |username: String, password: String| NewUser {
        username,
        password,
        role: Role::Analyst,
        tenants: vec![a],
    };
    let before = head().await;
    let add = s
        .add_user(&op, &all, &new_user(over(128), PASSWORD.into()))
        .await;
    refused(&s, add, "username", 128, before).await;
    let add = s
        .add_user(&op, &all, &new_user("ana".into(), over(1024)))
        .await;
    refused(&s, add, "password", 1024, before).await;
    let ana = s
        .add_user(&op, &all, &new_user("ana".into(), PASSWORD.into()))
        .await
        .unwrap();
    let before = head().await;
    let patch = UserPatch {
        password: Some(over(1024)),
        ..UserPatch::default()
    };
    let update = s
        .update_user(&op, &all, UserAuthority::All, ana.id, &patch)
        .await;
    refused(&s, update, "password", 1024, before).await;
    let token = s
        .create_user_token(
            &op,
            ana.id,
            &NewUserToken {
                label: over(200),
                permissions: vec![Permission::ReadDesk],
                tenants: None,
                expires_at: None,
            },
        )
        .await;
    refused(&s, token, "token label", 200, before).await;

    let suppression = |rule_id: String, group_key: Option<String>, reason: String| NewSuppression {
        tenant: a,
        rule_id,
        group_key,
        reason,
        expires_at: Timestamp::now() + Duration::from_secs(3600),
    };
    for (new, field, limit) in [
        (
            suppression(over(512), None, "r".into()),
            "suppression rule_id",
            512,
        ),
        (
            suppression("r".into(), Some(over(1024)), "r".into()),
            "suppression group_key",
            1024,
        ),
        (
            suppression("r".into(), None, over(4096)),
            "suppression reason",
            4096,
        ),
    ] {
        let result = s.add_suppression(&op, &all, &new).await;
        refused(&s, result, field, limit, before).await;
    }

    let alert = new_alert(a, "rule", Severity::High, 1);
    s.insert_alerts(std::slice::from_ref(&alert)).await.unwrap();
    let close = AlertAction::CloseFalsePositive { reason: over(4096) };
    let result = s.alert_action(&op, &all, &alert.id(), &close).await;
    refused(&s, result, "false-positive reason", 4096, before).await;

    let incident = |title: String| NewIncident {
        tenant: a,
        title,
        severity: None,
        rsit_class: None,
        rsit_type: None,
        tlp: None,
        alerts: Vec::new(),
    };
    let result = s.create_incident(&op, &all, &incident(over(512))).await;
    refused(&s, result, "incident title", 512, before).await;
    let id = s
        .create_incident(&op, &all, &incident("phishing".into()))
        .await
        .unwrap()
        .id;
    let before = head().await;
    let patch = IncidentPatch {
        title: Some(over(512)),
        ..IncidentPatch::default()
    };
    let result = s.update_incident(&op, &all, id, &patch).await;
    refused(&s, result, "incident title", 512, before).await;
    let result = s
        .add_comment(
            &op,
            &all,
            crate::testsuite::staff(),
            id,
            &crate::testsuite::note(over(65_536)),
        )
        .await;
    refused(&s, result, "comment", 65_536, before).await;
    let result = s.add_task(&op, &all, id, &over(512)).await;
    refused(&s, result, "task title", 512, before).await;
    let result = s
        .nis2_set_awareness(&all, id, Timestamp::now(), &over(4096), "operator")
        .await;
    refused(&s, result, "reason", 4096, before).await;
    let profile = vigie_nis2::model::EntityProfile {
        legal_name: over(65_536),
        ..vigie_nis2::model::EntityProfile::default()
    };
    let result = s.nis2_set_profile(&all, a, &profile, "operator").await;
    refused(&s, result, "NIS2 profile", 65_536, before).await;

    // The values at their limit are taken.
    s.add_comment(
        &op,
        &all,
        crate::testsuite::staff(),
        id,
        &crate::testsuite::note("c".repeat(65_536)),
    )
    .await
    .unwrap()
    .unwrap();
    s.create_tenant(&slug("tb"), &"n".repeat(256))
        .await
        .unwrap();
}

fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().unwrap())
}

/// Every byte of every audit entry's stored fields.
async fn audit_bytes(s: &Store) -> usize {
    s.audit_entries(0, 100_000)
        .await
        .unwrap()
        .iter()
        .map(|e| e.actor.len() + e.action.len() + e.object.len() + e.payload.len())
        .sum()
}

/// A login with a 4 MB name or password is refused before anything is looked up or
/// hashed, with one small audit entry; a flood of refused logins writes a bounded number
/// of entries and one summary, and every distinct address at least once.
pub async fn login_limits(s: Store) {
    let access = Access::new(s.clone());
    let huge = "A".repeat(4 << 20);
    let before = audit_bytes(&s).await;
    match access.login(&huge, "whatever", ip("127.0.0.2")).await {
        Err(LoginError::Refused(refusal)) => {
            let message = refusal.to_string();
            assert!(message.contains("128 bytes"), "{message}");
            assert!(message.len() < 200, "{message}");
        }
        other => panic!("4 MB username: {other:?}"),
    }
    match access.login("ana", &huge, ip("127.0.0.2")).await {
        Err(LoginError::Refused(refusal)) => {
            let message = refusal.to_string();
            assert!(message.contains("1024 bytes"), "{message}");
            assert!(!message.contains("AAAA"), "{message}");
        }
        other => panic!("4 MB password: {other:?}"),
    }
    let entries = s.audit_entries(0, 1000).await.unwrap();
    let refused: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "login.refused")
        .collect();
    assert_eq!(refused.len(), 2, "{entries:?}");
    let first = refused[0];
    assert!(first.object.len() < 64, "{}", first.object);
    assert!(first.object.starts_with("user:\"AAAA"), "{}", first.object);
    let payload: serde_json::Value = serde_json::from_str(&first.payload).unwrap();
    assert_eq!(payload["username_bytes"], 4 << 20);
    assert_eq!(payload["username_sha256"].as_str().map(str::len), Some(64));
    assert_eq!(payload["source"], "127.0.0.2");
    assert!(
        !refused[1].payload.contains("AAAA"),
        "a password in the audit log"
    );
    let grown = audit_bytes(&s).await - before;
    assert!(grown < 2048, "two refused logins wrote {grown} bytes");

    // A flood from one address: 10 entries a minute of refusals and one of throttling, the
    // rest in one summary.
    let access = Access::new(s.clone());
    let long = "B".repeat(200);
    let start = s.audit_head().await.unwrap().0;
    let mut throttled = 0;
    for _ in 0..500 {
        match access.login(&long, "x", ip("127.0.0.3")).await {
            Err(LoginError::Refused(_)) => {}
            Err(LoginError::Throttled(_)) => throttled += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(throttled, 440, "60 attempts a minute from one address");
    access.flush_login_audit(true).await.unwrap();
    let entries = s.audit_entries(start, 10_000).await.unwrap();
    assert_eq!(
        entries.len(),
        12,
        "{:?}",
        entries.iter().map(|e| &e.action).collect::<Vec<_>>()
    );
    let summary = entries.last().unwrap();
    assert_eq!(summary.action, "login.suppressed");
    let payload: serde_json::Value = serde_json::from_str(&summary.payload).unwrap();
    assert_eq!(payload["suppressed"], 489);
    assert_eq!(payload["message"], "suppressed 489 refused-login records");
    assert_eq!(payload["outcomes"]["login.throttled"], 439);
    assert_eq!(payload["outcomes"]["login.refused"], 50);
    assert_eq!(payload["sources"][0][0], "127.0.0.3");

    // Many addresses, few attempts each: every one is in the log.
    let access = Access::with_limits(s.clone(), Throttle::default(), AuditGateConfig::default());
    let start = s.audit_head().await.unwrap().0;
    for round in 0..3 {
        for n in 10..40u8 {
            let source = Some(IpAddr::from([127, 0, 1, n]));
            let result = access.login(&long, "x", source).await;
            assert!(matches!(result, Err(LoginError::Refused(_))), "{round}");
        }
    }
    access.flush_login_audit(true).await.unwrap();
    let entries = s.audit_entries(start, 10_000).await.unwrap();
    for n in 10..40u8 {
        let source = format!("\"127.0.1.{n}\"");
        assert!(
            entries.iter().any(|e| e.payload.contains(&source)),
            "{source} is not in the audit log"
        );
    }
    assert!(entries.len() <= 90);
}

/// An attacker failing on one account from many addresses gets the account's cap; its
/// addresses are then refused before any password check, one address alone gets its own
/// delay, and the real user, from an address that never failed, gets in.
pub async fn login_throttle_keying(s: Store) {
    // Small limits, so the test hashes few passwords; every refusal audited one by one.
    let access = Access::with_limits(
        s.clone(),
        Throttle::new(ThrottleConfig {
            free_failures: 2,
            max_failures: 6,
            ..ThrottleConfig::default()
        }),
        AuditGateConfig {
            per_account_per_minute: 100,
            ..AuditGateConfig::default()
        },
    );
    let a: TenantId = s.create_tenant(&slug("ta"), "A").await.unwrap().id;
    s.add_user(
        &Actor::operator(),
        &platform(&s),
        &NewUser {
            username: "admin".into(),
            password: PASSWORD.into(),
            role: Role::Analyst,
            tenants: vec![a],
        },
    )
    .await
    .unwrap();
    // One address: two failures, then it waits (the others do not).
    for _ in 0..2 {
        let r = access.login("admin", "guess", ip("127.0.0.2")).await;
        assert!(matches!(r, Err(LoginError::Invalid)), "{r:?}");
    }
    let r = access.login("admin", PASSWORD, ip("127.0.0.2")).await;
    assert!(matches!(r, Err(LoginError::Throttled(_))), "{r:?}");
    // Four more addresses, one failure each: the account reaches its cap of 6.
    for n in 3..=6 {
        let r = access
            .login("admin", "guess", Some(IpAddr::from([127, 0, 0, n])))
            .await;
        assert!(matches!(r, Err(LoginError::Invalid)), "{r:?}");
    }
    // Every address that failed is refused now, even with the right password, without a
    // password check; an unknown account is not affected.
    for n in 3..=6 {
        let r = access
            .login("admin", PASSWORD, Some(IpAddr::from([127, 0, 0, n])))
            .await;
        assert!(matches!(r, Err(LoginError::Throttled(_))), "{r:?}");
    }
    // The real user, from its own address, gets in.
    let session = access.login("admin", PASSWORD, ip("127.0.0.1")).await;
    assert!(session.is_ok(), "{session:?}");
    // Unknown user and wrong password: the same answer.
    let unknown = access.login("nobody", "guess", ip("127.0.0.7")).await;
    let wrong = access.login("admin", "guess", ip("127.0.0.8")).await;
    assert!(matches!(unknown, Err(LoginError::Invalid)));
    assert!(matches!(wrong, Err(LoginError::Invalid)));
    // Every attempt is an entry: each address's first throttled one of the minute too.
    access.flush_login_audit(true).await.unwrap();
    let log = s.audit_entries(0, 1000).await.unwrap();
    let count = |action: &str| log.iter().filter(|e| e.action == action).count();
    assert_eq!(count("login.failure"), 8);
    assert_eq!(count("login.throttled"), 5);
    assert_eq!(count("login.success"), 1);
    assert_eq!(count("login.suppressed"), 0);
}
