//! SLA: contracts, breaches recorded once, MTTA/MTTR on the contract's calendar, the scope.

use std::time::Duration;

use jiff::Timestamp;
use vigie_event::Severity;

use super::{Fixture, Store, platform, slug, tenant_scope};
use crate::SocError;
use crate::desk::{Actor, IncidentPatch, IncidentStatus, NewIncident};
use crate::sla::{Calendar, SlaContract, Target};

fn contract(calendar: Calendar, acknowledge_minutes: u32, resolve_minutes: u32) -> SlaContract {
    SlaContract {
        calendar,
        targets: [(
            Severity::High,
            Target {
                acknowledge_minutes,
                resolve_minutes,
            },
        )]
        .into(),
        warn_ratio: 0.8,
    }
}

fn high(tenant: vigie_event::TenantId, class: Option<&str>) -> NewIncident {
    NewIncident {
        tenant,
        title: "t".into(),
        severity: Some(Severity::High),
        rsit_class: class.map(str::to_owned),
        rsit_type: None,
        tlp: None,
        alerts: vec![],
    }
}

/// Contracts are set and read within the scope; bad targets are refused; breaches of open
/// incidents are recorded once each, audited, summarised and listed in scope.
pub async fn breaches(fixture: Fixture) {
    let s: Store = fixture;
    let a = s.create_tenant(&slug("sla-a"), "A").await.unwrap().id;
    let b = s.create_tenant(&slug("sla-b"), "B").await.unwrap().id;
    let all = platform(&s);
    let op = Actor::operator();
    let bad = SlaContract {
        targets: [(
            Severity::High,
            Target {
                acknowledge_minutes: 30,
                resolve_minutes: 10,
            },
        )]
        .into(),
        ..contract(Calendar::TwentyFourSeven, 1, 1)
    };
    assert!(s.set_sla_contract(&op, &all, a, &bad).await.is_err());
    let scope_b = tenant_scope(&s, b).await;
    let outside = s
        .set_sla_contract(
            &op,
            &scope_b,
            a,
            &contract(Calendar::TwentyFourSeven, 10, 60),
        )
        .await;
    assert!(
        matches!(outside, Err(SocError::NotFound { .. })),
        "{outside:?}"
    );
    s.set_sla_contract(&op, &all, a, &contract(Calendar::TwentyFourSeven, 10, 60))
        .await
        .unwrap();
    // Setting it again replaces it.
    let wanted = contract(Calendar::TwentyFourSeven, 10, 60);
    s.set_sla_contract(&op, &all, a, &wanted).await.unwrap();
    assert_eq!(s.sla_contract(&all, a).await.unwrap(), Some(wanted));
    assert_eq!(s.sla_contract(&scope_b, a).await.unwrap(), None);
    assert_eq!(s.sla_contract(&all, b).await.unwrap(), None);

    let incident = s.create_incident(&op, &all, &high(a, None)).await.unwrap();
    // Tenant B's incident has no contract: never breached.
    s.create_incident(&op, &all, &high(b, None)).await.unwrap();
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
        .incident_detail(&all, crate::testsuite::staff(), incident.id, much_later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.sla.len(), 2);
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
        .sla_summary(&all, Timestamp::UNIX_EPOCH, None)
        .await
        .unwrap();
    let row = summary.iter().find(|r| r.tenant == a).unwrap();
    assert_eq!(row.incidents, 1);
    assert_eq!(row.acknowledge_breaches, 1);
    assert_eq!(row.resolve_breaches, 1);
    assert!(row.mttr_seconds.is_some());
    // `until` leaves out the incidents created at or after it.
    let before = s
        .sla_summary(&all, Timestamp::UNIX_EPOCH, Some(Timestamp::UNIX_EPOCH))
        .await
        .unwrap();
    assert!(before.is_empty(), "{before:?}");
    let until_now = s
        .sla_summary(&all, Timestamp::UNIX_EPOCH, Some(Timestamp::now()))
        .await
        .unwrap();
    assert_eq!(until_now, summary);
    assert_eq!(s.sla_breaches(&all).await.unwrap().len(), 2);
    assert!(s.sla_breaches(&scope_b).await.unwrap().is_empty());
    assert!(
        s.sla_summary(&scope_b, Timestamp::UNIX_EPOCH, None)
            .await
            .unwrap()
            .iter()
            .all(|r| r.tenant == b)
    );
    let actions = super::actions(&s).await;
    assert_eq!(actions.iter().filter(|a| *a == "sla.breach").count(), 2);
    assert!(actions.contains(&"sla.contract".to_owned()));
}

/// MTTA/MTTR on the SLA clock: business hours across the autumn DST change and the
/// Armistice holiday (11 November), 24x7 minus time on hold; one row per tenant, severity and
/// category.
pub async fn clock_figures(fixture: Fixture) {
    let s: Store = fixture.clone();
    let a = s.create_tenant(&slug("clock-a"), "A").await.unwrap().id;
    let b = s.create_tenant(&slug("clock-b"), "B").await.unwrap().id;
    let all = platform(&s);
    let op = Actor::operator();
    s.set_sla_contract(&op, &all, a, &contract(Calendar::Business, 60, 600))
        .await
        .unwrap();
    s.set_sla_contract(&op, &all, b, &contract(Calendar::TwentyFourSeven, 60, 600))
        .await
        .unwrap();
    let utc = |text: &str| text.parse::<Timestamp>().unwrap();
    // Opens an incident as if at `created`, then walks its statuses at the given times.
    let run = |tenant,
               class: &'static str,
               created: Timestamp,
               steps: Vec<(IncidentStatus, Timestamp)>| {
        let fixture = fixture.clone();
        let all = all.clone();
        async move {
            let op = Actor::operator();
            let incident = fixture
                .create_incident(&op, &all, &high(tenant, Some(class)))
                .await
                .unwrap();
            fixture
                .backdate_incident(incident.id, created)
                .await
                .unwrap();
            for (status, at) in steps {
                fixture
                    .update_incident_at(
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
        .sla_summary(&all, Timestamp::UNIX_EPOCH, None)
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
    let only_a = tenant_scope(&s, a).await;
    let rows = s
        .sla_summary(&only_a, Timestamp::UNIX_EPOCH, None)
        .await
        .unwrap();
    assert!(rows.iter().all(|r| r.tenant == a) && rows.len() == 2);
}
