//! Desk behaviour on a real SQLite file: alert dedup with replay idempotence, suppressions
//! with expiry, scoping of the desk reads and writes, SLA breach records.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use vigie_event::{EventId, Grant, Severity, TenantId, TenantSlug};

use super::SqliteStore;
use crate::access::{Access, test_scope};
use crate::desk::{
    Actor, AlertAction, AlertStatus, IncidentPatch, IncidentStatus, NewIncident, NewSuppression,
    NewUser,
};
use crate::sla::{Calendar, SlaContract, Target};
use crate::state::{Role, StateStore};
use crate::{AlertFilter, NewAlert, Page};

async fn store(dir: &std::path::Path) -> (Arc<SqliteStore>, TenantId, TenantId) {
    let store = Arc::new(
        SqliteStore::open(&dir.join("s.sqlite"))
            .await
            .unwrap()
            .with_dedup_window(Duration::from_secs(60)),
    );
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

fn alert(tenant: TenantId, n: u128, at_s: i64, key: Option<&str>) -> NewAlert {
    NewAlert {
        tenant,
        rule_id: "brute".into(),
        rule_title: "Brute force".into(),
        severity: Severity::High,
        event_id: EventId(n),
        event_received_at: jiff::Timestamp::from_second(1_800_000_000 + at_s).unwrap(),
        event: json!({"user.name": "bob", "n": n as u64}),
        group_key: key.map(str::to_owned),
    }
}

#[tokio::test]
async fn dedup_folds_within_the_window_and_replay_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let (s, a, _) = store(dir.path()).await;
    let all = Access::new(s.clone()).operator_scope();
    let batch: Vec<NewAlert> = vec![
        alert(a, 1, 0, Some("bob")),
        alert(a, 2, 30, Some("bob")),
        alert(a, 3, 80, Some("bob")), // 50 s after the last: still folds (sliding)
        alert(a, 4, 300, Some("bob")), // beyond the window: a new alert
        alert(a, 5, 10, Some("eve")), // another key
        alert(a, 6, 10, None),        // no key: its own alert
    ];
    assert_eq!(s.insert_alerts(&batch).await.unwrap(), 4);
    // Replaying the same batch (crash before the offset commit) changes nothing.
    assert_eq!(s.insert_alerts(&batch).await.unwrap(), 0);
    assert_eq!(s.insert_alerts(&batch[1..3]).await.unwrap(), 0);
    let page = s
        .list_alerts(&all, &AlertFilter::default(), &Page::first(100))
        .await
        .unwrap();
    let mut counts: Vec<(Option<String>, i64)> = page
        .alerts
        .iter()
        .map(|x| (x.group_key.clone(), x.count))
        .collect();
    counts.sort();
    assert_eq!(
        counts,
        vec![
            (None, 1),
            (Some("bob".into()), 1),
            (Some("bob".into()), 3),
            (Some("eve".into()), 1)
        ]
    );
    let folded = page.alerts.iter().find(|x| x.count == 3).unwrap();
    assert_eq!(folded.first_seen.as_second(), 1_800_000_000);
    assert_eq!(folded.last_seen.as_second(), 1_800_000_080);
    assert_eq!(folded.id, batch[0].id());
}

#[tokio::test]
async fn suppressions_mark_alerts_until_they_expire() {
    let dir = tempfile::tempdir().unwrap();
    let (s, a, b) = store(dir.path()).await;
    let all = Access::new(s.clone()).operator_scope();
    let lead = Actor::user("lead");
    let sup = s
        .add_suppression(
            &lead,
            &all,
            &NewSuppression {
                tenant: a,
                rule_id: "brute".into(),
                group_key: Some("bob".into()),
                reason: "pentest this week".into(),
                expires_at: jiff::Timestamp::now() + Duration::from_secs(3600),
            },
        )
        .await
        .unwrap();
    let past = s
        .add_suppression(
            &lead,
            &all,
            &NewSuppression {
                tenant: a,
                rule_id: "brute".into(),
                group_key: None,
                reason: "x".into(),
                expires_at: jiff::Timestamp::now() - Duration::from_secs(1),
            },
        )
        .await;
    assert!(past.unwrap_err().to_string().contains("not in the future"));
    s.insert_alerts(&[
        alert(a, 1, 0, Some("bob")),
        alert(a, 2, 0, Some("eve")),
        alert(b, 3, 0, Some("bob")),
    ])
    .await
    .unwrap();
    let statuses = |tenant| {
        let s = s.clone();
        let all = all.clone();
        async move {
            let filter = AlertFilter {
                tenant: Some(tenant),
                statuses: vec![AlertStatus::Suppressed],
                ..AlertFilter::default()
            };
            s.list_alerts(&all, &filter, &Page::first(10))
                .await
                .unwrap()
                .alerts
        }
    };
    let suppressed = statuses(a).await;
    assert_eq!(suppressed.len(), 1);
    assert_eq!(
        suppressed[0].status_reason.as_deref(),
        Some("pentest this week")
    );
    assert!(
        statuses(b).await.is_empty(),
        "another tenant's alert suppressed"
    );
    assert_eq!(s.list_suppressions(&all).await.unwrap()[0].hits, 1);
    // Ended: the next alert is not suppressed.
    assert!(s.end_suppression(&lead, &all, sup.id).await.unwrap());
    s.insert_alerts(&[alert(a, 9, 5000, Some("bob"))])
        .await
        .unwrap();
    assert_eq!(statuses(a).await.len(), 1);
}

#[tokio::test]
async fn desk_reads_and_writes_stay_in_scope() {
    let dir = tempfile::tempdir().unwrap();
    let (s, a, b) = store(dir.path()).await;
    let all = Access::new(s.clone()).operator_scope();
    let only_a = all.narrow(a).unwrap();
    let op = Actor::operator();
    s.insert_alerts(&[alert(a, 1, 0, None), alert(b, 2, 0, None)])
        .await
        .unwrap();
    let alert_b = alert(b, 2, 0, None).id();
    assert!(s.get_alert(&only_a, &alert_b).await.unwrap().is_none());
    assert!(
        s.alert_action(&op, &only_a, &alert_b, &AlertAction::Acknowledge)
            .await
            .unwrap()
            .is_none()
    );
    // An incident of A cannot take B's alert.
    let err = s
        .create_incident(
            &op,
            &only_a,
            &NewIncident {
                tenant: a,
                title: "x".into(),
                severity: None,
                rsit_class: None,
                rsit_type: None,
                tlp: None,
                alerts: vec![alert_b.clone()],
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&alert_b));
    let new = |tenant| NewIncident {
        tenant,
        title: "t".into(),
        severity: None,
        rsit_class: None,
        rsit_type: None,
        tlp: None,
        alerts: vec![],
    };
    let ia = s.create_incident(&op, &all, &new(a)).await.unwrap().id;
    let ib = s.create_incident(&op, &all, &new(b)).await.unwrap().id;
    assert!(s.create_incident(&op, &only_a, &new(b)).await.is_err());
    assert!(
        s.incident_detail(&only_a, ib, jiff::Timestamp::now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.merge_incidents(&op, &only_a, ia, ib)
            .await
            .unwrap()
            .is_none()
    );
    // Even the platform cannot merge across tenants.
    assert!(s.merge_incidents(&op, &all, ia, ib).await.is_err());
    // A multi-tenant analyst shows only the shared tenants to a tenant-scoped reader.
    let both = s
        .add_user(
            &op,
            &all,
            &NewUser {
                username: "multi".into(),
                password: "a long enough password".into(),
                role: Role::Analyst,
                tenants: vec![a, b],
            },
        )
        .await
        .unwrap();
    let seen = s.get_user(&only_a, both.id).await.unwrap().unwrap();
    assert_eq!(seen.tenants, vec![a]);
    let multi = test_scope(Grant::Tenants([a, b].into())).unwrap();
    assert_eq!(s.list_users(&multi).await.unwrap().len(), 1);
    // A tenant role must have exactly one tenant.
    let err = s
        .add_user(
            &op,
            &all,
            &NewUser {
                username: "client".into(),
                password: "a long enough password".into(),
                role: Role::TenantUser,
                tenants: vec![a, b],
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("exactly one tenant"), "{err}");
}

#[tokio::test]
async fn breaches_are_recorded_once_and_summarised() {
    let dir = tempfile::tempdir().unwrap();
    let (s, a, _) = store(dir.path()).await;
    let all = Access::new(s.clone()).operator_scope();
    let op = Actor::operator();
    s.set_sla_contract(
        &op,
        &all,
        a,
        &SlaContract {
            calendar: Calendar::TwentyFourSeven,
            targets: [(
                Severity::High,
                Target {
                    acknowledge_minutes: 10,
                    resolve_minutes: 60,
                },
            )]
            .into(),
            warn_ratio: 0.8,
        },
    )
    .await
    .unwrap();
    let incident = s
        .create_incident(
            &op,
            &all,
            &NewIncident {
                tenant: a,
                title: "t".into(),
                severity: Some(Severity::High),
                rsit_class: None,
                rsit_type: None,
                tlp: None,
                alerts: vec![],
            },
        )
        .await
        .unwrap();
    let later = incident.created_at + Duration::from_secs(20 * 60);
    assert_eq!(s.record_sla_breaches(later).await.unwrap(), 1);
    assert_eq!(
        s.record_sla_breaches(later).await.unwrap(),
        0,
        "recorded twice"
    );
    let much_later = incident.created_at + Duration::from_secs(2 * 3600);
    assert_eq!(s.record_sla_breaches(much_later).await.unwrap(), 1);
    let detail = s
        .incident_detail(&all, incident.id, much_later)
        .await
        .unwrap()
        .unwrap();
    assert!(detail.sla.iter().all(|c| c.breached));
    s.update_incident(
        &op,
        &all,
        incident.id,
        &IncidentPatch {
            status: Some(IncidentStatus::Resolved),
            ..IncidentPatch::default()
        },
    )
    .await
    .unwrap();
    let summary = s
        .sla_summary(&all, jiff::Timestamp::UNIX_EPOCH)
        .await
        .unwrap();
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0].incidents, 1);
    assert_eq!(summary[0].acknowledge_breaches, 1);
    assert_eq!(summary[0].resolve_breaches, 1);
    assert!(summary[0].mttr_seconds.is_some());
    assert_eq!(s.sla_breaches(&all).await.unwrap().len(), 2);
}

/// MTTA/MTTR on the SLA clock: business hours across the autumn DST change and the
/// Armistice holiday (11 November), 24x7 minus time on hold; one row per tenant, severity and
/// category.
#[tokio::test]
async fn mtta_mttr_run_on_the_sla_clock_across_dst_and_a_holiday() {
    let dir = tempfile::tempdir().unwrap();
    let (s, a, b) = store(dir.path()).await;
    let all = Access::new(s.clone()).operator_scope();
    let op = Actor::operator();
    let contract = |calendar| SlaContract {
        calendar,
        targets: [(
            Severity::High,
            Target {
                acknowledge_minutes: 60,
                resolve_minutes: 600,
            },
        )]
        .into(),
        warn_ratio: 0.8,
    };
    s.set_sla_contract(&op, &all, a, &contract(Calendar::Business))
        .await
        .unwrap();
    s.set_sla_contract(&op, &all, b, &contract(Calendar::TwentyFourSeven))
        .await
        .unwrap();
    let utc = |text: &str| text.parse::<jiff::Timestamp>().unwrap().as_microsecond();
    // Opens an incident as if at `created`, then walks its statuses at the given times.
    let run =
        |tenant: TenantId, class: &'static str, created: i64, steps: Vec<(IncidentStatus, i64)>| {
            let s = s.clone();
            let all = all.clone();
            async move {
                let op = Actor::operator();
                let incident = s
                    .create_incident(
                        &op,
                        &all,
                        &NewIncident {
                            tenant,
                            title: class.into(),
                            severity: Some(Severity::High),
                            rsit_class: Some(class.into()),
                            rsit_type: None,
                            tlp: None,
                            alerts: vec![],
                        },
                    )
                    .await
                    .unwrap();
                sqlx::query("UPDATE incidents SET created_at = ? WHERE id = ?")
                    .bind(created)
                    .bind(incident.id)
                    .execute(&s.pool)
                    .await
                    .unwrap();
                for (status, at) in steps {
                    s.desk_update_incident_at(
                        &op,
                        &all,
                        incident.id,
                        &IncidentPatch {
                            status: Some(status),
                            ..IncidentPatch::default()
                        },
                        at,
                    )
                    .await
                    .unwrap()
                    .unwrap();
                }
            }
        };
    use IncidentStatus::*;
    // Friday 23 October 2026 17:00 CEST → Monday 26 October 09:00 CET (clocks went back on
    // Sunday): 1 h on Friday + 1 h on Monday. Resolved Monday 11:00 CET: 4 h.
    run(
        a,
        "intrusions",
        utc("2026-10-23T15:00:00Z"),
        vec![
            (Acknowledged, utc("2026-10-26T08:00:00Z")),
            (Resolved, utc("2026-10-26T10:00:00Z")),
        ],
    )
    .await;
    // Tuesday 10 November 17:30 CET, acknowledged 17:45, resolved Thursday 12 November
    // 08:30: Wednesday 11 November (Armistice) does not count: 30 + 30 minutes.
    run(
        a,
        "malicious-code",
        utc("2026-11-10T16:30:00Z"),
        vec![
            (Acknowledged, utc("2026-11-10T16:45:00Z")),
            (Resolved, utc("2026-11-12T07:30:00Z")),
        ],
    )
    .await;
    // 24x7: on hold (which acknowledges) after 1 h, back after 2 h on hold, resolved 1 h
    // later: 2 h on the clock, 4 h on the wall.
    run(
        b,
        "intrusions",
        utc("2026-11-10T10:00:00Z"),
        vec![
            (OnHold, utc("2026-11-10T11:00:00Z")),
            (InProgress, utc("2026-11-10T13:00:00Z")),
            (Resolved, utc("2026-11-10T14:00:00Z")),
        ],
    )
    .await;

    let rows = s
        .sla_summary(&all, jiff::Timestamp::UNIX_EPOCH)
        .await
        .unwrap();
    let figures: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.tenant,
                r.category.as_deref().unwrap_or("-"),
                r.calendar,
                r.incidents,
                r.mtta_seconds,
                r.mttr_seconds,
                r.mtta_wall_seconds,
                r.mttr_wall_seconds,
            )
        })
        .collect();
    assert_eq!(
        figures,
        vec![
            (
                a,
                "intrusions",
                Calendar::Business,
                1,
                Some(7200.0),
                Some(14_400.0),
                Some(65.0 * 3600.0),
                Some(67.0 * 3600.0)
            ),
            (
                a,
                "malicious-code",
                Calendar::Business,
                1,
                Some(900.0),
                Some(3600.0),
                Some(900.0),
                Some(39.0 * 3600.0)
            ),
            (
                b,
                "intrusions",
                Calendar::TwentyFourSeven,
                1,
                Some(3600.0),
                Some(7200.0),
                Some(3600.0),
                Some(4.0 * 3600.0)
            ),
        ]
    );
    // The scope holds: tenant B's figures are not in tenant A's summary.
    let only_a = crate::access::test_scope(Grant::Tenant(a)).unwrap();
    let rows = s
        .sla_summary(&only_a, jiff::Timestamp::UNIX_EPOCH)
        .await
        .unwrap();
    assert!(rows.iter().all(|r| r.tenant == a) && rows.len() == 2);
}
