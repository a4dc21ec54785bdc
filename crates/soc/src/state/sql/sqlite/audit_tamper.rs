//! Audit tamper tests (RELIABILITY L1/L2): every kind of change is one chained entry; then,
//! on copies of the closed database file, each mutation class is applied directly to storage
//! and `audit::verify` must report it.

use crate::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use serde_json::json;
use sqlx::Row;
use vigie_event::{EventId, Severity, TenantSlug};

use crate::NewAlert;
use crate::desk::{Actor, AlertAction, IncidentPatch, IncidentStatus, NewIncident, NewSuppression};
use crate::sla::{Calendar, SlaContract, Target};
use crate::state::SqliteStore;
use vigie_access::Access;
use vigie_access::audit::{self, AuditEntry, AuditRecord, Checkpoint, VerifyReport};
use vigie_access::token::{NewUserToken, TokenKind, TokenOwner};
use vigie_access::{NewUser, UserAuthority, UserPatch};
use vigie_access::{Permission, Role};

const PASSWORD: &str = "a long enough password";

/// Builds a store with one entry of every audited action; returns the file, the key and the
/// checkpoints signed along the way (one in the middle, one at the head minus two entries).
async fn populated(dir: &Path) -> (PathBuf, SigningKey, Vec<Checkpoint>, BTreeSet<String>) {
    let path = dir.join("state.sqlite");
    let store = Arc::new(SqliteStore::open(&path).await.unwrap());
    let key = SigningKey::from_bytes(&[42; 32]);
    let mut cps = Vec::new();
    let access = Access::new(store.clone());
    let all = access.operator_scope();
    let op = Actor::operator();
    let a = store
        .create_tenant(&TenantSlug::new("zone-a").unwrap(), "Zone A")
        .await
        .unwrap();
    let token = store
        .create_token(TokenOwner::Tenant(a.id), TokenKind::Read, "r")
        .await
        .unwrap();
    store.revoke_token(&all, token.info.id).await.unwrap();
    let user = store
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
    access.login("ana", PASSWORD, None).await.unwrap();
    assert!(access.login("ana", "wrong password", None).await.is_err());
    let ana = Actor::user("ana");
    let sup = store
        .add_suppression(
            &ana,
            &all,
            &NewSuppression {
                tenant: a.id,
                rule_id: "r-noisy".into(),
                group_key: None,
                reason: "known scanner".into(),
                expires_at: "2099-01-01T00:00:00Z".parse().unwrap(),
            },
        )
        .await
        .unwrap();
    store.end_suppression(&ana, &all, sup.id).await.unwrap();
    let mut alerts = Vec::new();
    for n in 0..4u128 {
        let alert = NewAlert {
            tenant: a.id,
            rule_id: "r1".into(),
            rule_title: "R1".into(),
            severity: Severity::High,
            event_id: EventId(n + 1),
            event_received_at: jiff::Timestamp::now(),
            event: json!({"source.ip": format!("10.0.0.{n}")}),
            group_key: None,
        };
        alerts.push(alert.id());
        store.insert_alerts(&[alert]).await.unwrap();
    }
    store
        .alert_action(&ana, &all, &alerts[0], &AlertAction::Acknowledge)
        .await
        .unwrap();
    store
        .alert_action(
            &ana,
            &all,
            &alerts[1],
            &AlertAction::CloseFalsePositive {
                reason: "backup job".into(),
            },
        )
        .await
        .unwrap();
    let escalated = store
        .alert_action(
            &ana,
            &all,
            &alerts[2],
            &AlertAction::Escalate { incident: None },
        )
        .await
        .unwrap()
        .unwrap();
    let first = escalated.incident.unwrap();
    let (seq, hash) = store.audit_head().await.unwrap();
    cps.push(Checkpoint::sign(&key, seq, &hash));
    let second = store
        .create_incident(
            &ana,
            &all,
            &NewIncident {
                tenant: a.id,
                title: "By hand".into(),
                severity: Some(Severity::Medium),
                rsit_class: Some("intrusions".into()),
                rsit_type: Some("system-compromise".into()),
                tlp: None,
                alerts: vec![alerts[3].clone()],
            },
        )
        .await
        .unwrap();
    store
        .update_incident(
            &ana,
            &all,
            first,
            &IncidentPatch {
                status: Some(IncidentStatus::InProgress),
                assignee: Some(user.id),
                ..IncidentPatch::default()
            },
        )
        .await
        .unwrap();
    store
        .add_comment(
            &ana,
            &all,
            crate::testsuite::staff(),
            first,
            &crate::testsuite::note("Looking at it"),
        )
        .await
        .unwrap();
    let task = store
        .add_task(&ana, &all, first, "Isolate host")
        .await
        .unwrap()
        .unwrap();
    store
        .set_task_done(&ana, &all, first, task.id, true)
        .await
        .unwrap();
    store
        .merge_incidents(&ana, &all, first, second.id)
        .await
        .unwrap();
    store
        .split_incident(&ana, &all, first, &[alerts[3].clone()], "Split off")
        .await
        .unwrap();
    store
        .set_sla_contract(
            &op,
            &all,
            a.id,
            &SlaContract {
                calendar: Calendar::TwentyFourSeven,
                targets: [(
                    Severity::High,
                    Target {
                        acknowledge_minutes: 1,
                        resolve_minutes: 2,
                    },
                )]
                .into(),
                warn_ratio: 0.8,
            },
        )
        .await
        .unwrap();
    // A user's own token, created and revoked; a role change and a password reset.
    let own = store
        .create_user_token(
            &ana,
            user.id,
            &NewUserToken {
                label: "ci".into(),
                permissions: vec![Permission::ReadDesk],
                tenants: None,
                expires_at: None,
            },
        )
        .await
        .unwrap();
    store
        .revoke_user_token(&ana, user.id, own.token.id)
        .await
        .unwrap();
    store
        .update_user(
            &op,
            &all,
            UserAuthority::All,
            user.id,
            &UserPatch {
                role: Some(Role::SocLead),
                password: Some("another long password".into()),
                ..UserPatch::default()
            },
        )
        .await
        .unwrap();
    store
        .set_user_disabled(&op, &all, user.id, true)
        .await
        .unwrap();
    let (seq, hash) = store.audit_head().await.unwrap();
    cps.push(Checkpoint::sign(&key, seq, &hash));
    // Two entries inside the last checkpoint window.
    for n in 0..2 {
        store
            .audit(&AuditRecord::new(
                "system",
                None,
                "test.window",
                format!("n:{n}"),
                json!({}),
            ))
            .await
            .unwrap();
    }
    let actions: BTreeSet<String> = store
        .audit_entries(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    store.close().await;
    (path, key, cps, actions)
}

/// A copy of the database file in its own directory, opened.
async fn copy_of(original: &Path, n: usize) -> (tempfile::TempDir, SqliteStore, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("copy-{n}.sqlite"));
    std::fs::copy(original, &path).unwrap();
    let store = SqliteStore::open(&path).await.unwrap();
    (dir, store, path)
}

async fn check(store: &SqliteStore, key: &SigningKey, cps: &[Checkpoint]) -> VerifyReport {
    let entries = store.audit_entries(0, 100_000).await.unwrap();
    audit::verify(entries, cps, &key.verifying_key())
}

async fn exec(store: &SqliteStore, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&store.pool)
        .await
        .unwrap();
}

async fn entries(store: &SqliteStore) -> Vec<AuditEntry> {
    store.audit_entries(0, 100_000).await.unwrap()
}

#[tokio::test]
async fn every_mutation_class_is_detected_on_a_copy_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (original, key, cps, actions) = populated(dir.path()).await;
    // L2: one entry per kind of change, logins included.
    for action in [
        "tenant.create",
        "token.create",
        "token.revoke",
        "user.create",
        "user.disable",
        "user.update",
        "user_token.create",
        "user_token.revoke",
        "login.success",
        "login.failure",
        "suppression.create",
        "suppression.end",
        "alert.acknowledge",
        "alert.false_positive",
        "alert.escalate",
        "incident.create",
        "incident.update",
        "incident.comment",
        "incident.task",
        "incident.task_done",
        "incident.merge",
        "incident.split",
        "sla.contract",
    ] {
        assert!(actions.contains(action), "no audit entry for {action}");
    }

    let mut n = 0;
    let (_d, intact, _) = copy_of(&original, n).await;
    assert!(check(&intact, &key, &cps).await.ok());
    let all = entries(&intact).await;
    let head = all.len() as i64;

    // For each action: edit its payload, delete it.
    for action in &actions {
        let seq = all.iter().find(|e| &e.action == action).unwrap().seq;
        n += 1;
        let (_d, s, _) = copy_of(&original, n).await;
        exec(
            &s,
            &format!("UPDATE audit_log SET payload = '{{\"forged\":1}}' WHERE seq = {seq}"),
        )
        .await;
        assert!(
            !check(&s, &key, &cps).await.ok(),
            "edited {action} not detected"
        );
        n += 1;
        let (_d, s, _) = copy_of(&original, n).await;
        exec(&s, &format!("DELETE FROM audit_log WHERE seq = {seq}")).await;
        let report = check(&s, &key, &cps).await;
        if seq <= head - 2 {
            assert!(!report.ok(), "deleted {action} not detected");
        }
        // Deleting and renumbering everything after it (hiding the gap) is caught too.
        n += 1;
        let (_d, s, _) = copy_of(&original, n).await;
        exec(&s, &format!("DELETE FROM audit_log WHERE seq = {seq}")).await;
        for later in seq + 1..=head {
            exec(
                &s,
                &format!(
                    "UPDATE audit_log SET seq = {} WHERE seq = {later}",
                    later - 1
                ),
            )
            .await;
        }
        assert!(
            !check(&s, &key, &cps).await.ok(),
            "renumbered deletion of {action} not detected"
        );
    }

    // A flipped byte in the file itself.
    n += 1;
    let (_d, s, path) = copy_of(&original, n).await;
    s.close().await;
    let mut bytes = std::fs::read(&path).unwrap();
    // The audit payload's copy, not the suppression row's.
    let needle = br#""reason":"known scanner""#;
    // SQLite may keep stale copies in free pages; flip one byte in each copy found.
    let found: Vec<usize> = bytes
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect();
    assert!(!found.is_empty());
    for at in found {
        bytes[at + 11] ^= 0x01;
    }
    std::fs::write(&path, bytes).unwrap();
    let s = SqliteStore::open(&path).await.unwrap();
    assert!(
        !check(&s, &key, &cps).await.ok(),
        "flipped byte not detected"
    );

    // Two entries swapped (contents exchanged, seq kept).
    n += 1;
    let (_d, s, _) = copy_of(&original, n).await;
    exec(
        &s,
        "UPDATE audit_log SET seq = -1 WHERE seq = 5;
         UPDATE audit_log SET seq = 5 WHERE seq = 6;
         UPDATE audit_log SET seq = 6 WHERE seq = -1;",
    )
    .await;
    assert!(!check(&s, &key, &cps).await.ok(), "reorder not detected");

    // A forged entry inserted in the middle, with a correct hash of its own.
    n += 1;
    let (_d, s, _) = copy_of(&original, n).await;
    for seq in (4..=head).rev() {
        exec(
            &s,
            &format!("UPDATE audit_log SET seq = {} WHERE seq = {seq}", seq + 1),
        )
        .await;
    }
    let prev = &all[2];
    let forged = AuditEntry::chain(
        (prev.seq, prev.hash),
        prev.at_us + 1,
        &AuditRecord::new(
            "user:mallory",
            None,
            "user.create",
            "user:mallory",
            json!({}),
        ),
    );
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, tenant_id, action, object, payload, payload_hash,
                                prev_hash, hash) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)",
    )
    .bind(forged.seq)
    .bind(forged.at_us)
    .bind(&forged.actor)
    .bind(&forged.action)
    .bind(&forged.object)
    .bind(&forged.payload)
    .bind(&forged.payload_hash[..])
    .bind(&forged.prev_hash[..])
    .bind(&forged.hash[..])
    .execute(&s.pool)
    .await
    .unwrap();
    assert!(
        !check(&s, &key, &cps).await.ok(),
        "inserted entry not detected"
    );

    // Truncated tail: caught up to the newest checkpoint; the last window is published.
    let last_cp = cps.last().unwrap().seq;
    n += 1;
    let (_d, s, _) = copy_of(&original, n).await;
    exec(
        &s,
        &format!("DELETE FROM audit_log WHERE seq >= {}", last_cp - 3),
    )
    .await;
    assert!(!check(&s, &key, &cps).await.ok(), "truncation not detected");
    n += 1;
    let (_d, s, _) = copy_of(&original, n).await;
    exec(&s, &format!("DELETE FROM audit_log WHERE seq > {last_cp}")).await;
    assert!(
        check(&s, &key, &cps).await.ok(),
        "a truncation inside the last checkpoint window is the documented blind spot"
    );

    // The whole chain rewritten from entry 3 with fresh, consistent hashes (no key).
    n += 1;
    let (_d, s, _) = copy_of(&original, n).await;
    let mut prev = (all[1].seq, all[1].hash);
    for e in &all[2..] {
        let record = AuditRecord {
            actor: e.actor.clone(),
            tenant: e.tenant.map(vigie_event::TenantId),
            action: e.action.clone(),
            object: e.object.replace("ana", "someone-else"),
            payload: serde_json::from_str(&e.payload).unwrap(),
        };
        let r = AuditEntry::chain(prev, e.at_us, &record);
        sqlx::query(
            "UPDATE audit_log SET object = ?, payload = ?, payload_hash = ?, prev_hash = ?, hash = ?
             WHERE seq = ?",
        )
        .bind(&r.object)
        .bind(&r.payload)
        .bind(&r.payload_hash[..])
        .bind(&r.prev_hash[..])
        .bind(&r.hash[..])
        .bind(r.seq)
        .execute(&s.pool)
        .await
        .unwrap();
        prev = (r.seq, r.hash);
    }
    let rewritten = entries(&s).await;
    assert!(
        audit::verify(rewritten, &[], &key.verifying_key()).ok(),
        "the rewritten chain is self-consistent"
    );
    let report = check(&s, &key, &cps).await;
    assert!(!report.ok(), "rewritten chain not detected");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.problem.contains("checkpoint"))
    );

    // A rollback to an older copy: the newest checkpoint names an entry that is not there.
    n += 1;
    let (_d, s, _) = copy_of(&original, n).await;
    let first_cp = cps[0].seq;
    exec(&s, &format!("DELETE FROM audit_log WHERE seq > {first_cp}")).await;
    assert!(audit::verify(entries(&s).await, &cps[..1], &key.verifying_key()).ok());
    assert!(!check(&s, &key, &cps).await.ok(), "rollback not detected");

    // A checkpoint signed with another key is refused.
    let other = SigningKey::from_bytes(&[1; 32]);
    let forged = vec![Checkpoint::sign(&other, head, &all.last().unwrap().hash)];
    assert!(!check(&intact, &key, &forged).await.ok());
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&intact.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, head);
}

#[tokio::test]
async fn checkpoints_that_go_backwards_or_vanish_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (original, key, cps, _) = populated(dir.path()).await;
    let (_d, intact, _) = copy_of(&original, 0).await;
    let all = entries(&intact).await;
    let vk = key.verifying_key();
    let first = &all[usize::try_from(cps[0].seq).unwrap() - 1];

    // The database rolled back to an older copy, whose head a server signed again after
    // newer checkpoints: even once the newer database is put back, the file goes backwards.
    let mut resigned = cps.clone();
    resigned.push(Checkpoint::sign(&key, first.seq, &first.hash));
    let report = audit::verify(all.clone(), &resigned, &vk);
    assert!(!report.ok(), "a checkpoint going backwards is not detected");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.problem.contains("goes back")),
        "{report:?}"
    );
    // The same entry signed again with another hash (a rewritten chain signed).
    let mut rewritten = cps.clone();
    let last = cps.last().unwrap();
    rewritten.push(Checkpoint::sign(&key, last.seq, &[9; 32]));
    assert!(!audit::verify(all.clone(), &rewritten, &vk).ok());

    // The server no longer signs a rolled-back head: it refuses and names both entries.
    let (_d, rolled, _) = copy_of(&original, 1).await;
    exec(
        &rolled,
        &format!("DELETE FROM audit_log WHERE seq > {}", first.seq),
    )
    .await;
    let file = dir.path().join("checkpoints.jsonl");
    for cp in &cps {
        audit::append_checkpoint(&file, cp).unwrap();
    }
    let mut checkpointer = audit::Checkpointer::new(key.clone(), file.clone()).unwrap();
    let (head, hash) = rolled.audit_head().await.unwrap();
    let refused = checkpointer
        .checkpoint(head, &hash)
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains(&format!("entry {head}")) && refused.contains("rolled back"),
        "{refused}"
    );
    assert_eq!(
        audit::read_checkpoints(&file).unwrap(),
        cps,
        "nothing appended"
    );
    assert!(
        checkpointer.checkpoint(last.seq, &[7; 32]).is_err(),
        "the newest signed entry with another hash is refused"
    );

    // The checkpoint file deleted (or emptied): fine while the chain is younger than the
    // window, a failure once it is older.
    let window = std::time::Duration::from_secs(20);
    let now = jiff::Timestamp::now();
    let later = now + jiff::SignedDuration::from_secs(3600);
    assert!(audit::verify_exported(all.clone(), None, &vk, window, now).ok());
    for present in [None, Some(&[][..])] {
        let report = audit::verify_exported(all.clone(), present, &vk, window, later);
        assert!(
            !report.ok(),
            "{present:?}: a vanished checkpoint file is not detected"
        );
        assert!(
            report.findings[0].problem.contains("checkpoint file"),
            "{report:?}"
        );
    }
    assert!(audit::verify_exported(all, Some(&cps), &vk, window, later).ok());
}
