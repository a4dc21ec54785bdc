//! The notification outbox: queued once per dedup key, claimed by one sender under a lease,
//! retried, sent (on the incident's timeline and in the audit chain) or dead, listed and
//! retried within the scope; escalation chains; SLA clocks to watch.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use vigie_access::Audience;
use vigie_event::{Severity, TenantId};

use super::{Fixture, Store, platform, slug, staff, tenant_scope};
use crate::SocError;
use crate::desk::{Actor, IncidentPatch, IncidentStatus, NewIncident};
use crate::notify::{
    Channel, Delivery, DeliveryStatus, NewNotification, NotificationFilter, NotifyEvent,
};
use crate::sla::{Calendar, SlaContract, Target};

fn at(s: i64) -> Timestamp {
    Timestamp::from_second(1_900_000_000 + s).expect("valid time")
}

fn note(
    dedup: &str,
    tenant: Option<TenantId>,
    incident: Option<crate::IncidentId>,
    due_s: i64,
) -> NewNotification {
    NewNotification {
        dedup: dedup.into(),
        tenant,
        incident,
        event: NotifyEvent::Alert,
        channel: Channel::Email,
        recipient: "ana".into(),
        address: "ana@soc.example".into(),
        client: false,
        language: "fr".into(),
        subject: "Alerte critique".into(),
        body: "Bonjour".into(),
        subject_ref: None,
        team: None,
        level: 0,
        due_at: at(due_s),
    }
}

/// Queued once per key; claimed once per lease; delivered, retried, dead; the scope rules
/// every read and the manual retry; limits named.
pub async fn notifications(fixture: Fixture) {
    let s: Store = fixture;
    let a = s.create_tenant(&slug("notify-a"), "A").await.unwrap().id;
    let b = s.create_tenant(&slug("notify-b"), "B").await.unwrap().id;
    let all = platform(&s);
    let only_a = tenant_scope(&s, a).await;
    let ana = Actor::user("ana");
    let incident = s
        .create_incident(
            &ana,
            &all,
            &NewIncident {
                tenant: a,
                title: "Ransomware".into(),
                severity: Some(Severity::Critical),
                rsit_class: None,
                rsit_type: None,
                tlp: None,
                alerts: vec![],
            },
        )
        .await
        .unwrap();

    // Queued once per dedup key, in one call or two.
    let first = vec![
        note("alert:1:to:ana", Some(a), Some(incident.id), 0),
        NewNotification {
            client: true,
            recipient: "client-a".into(),
            address: "ciso@a.example".into(),
            ..note("alert:1:to:client-a", Some(a), Some(incident.id), 0)
        },
        note("alert:2:to:ana", Some(b), None, 100),
        note("alert:1:to:ana", Some(a), Some(incident.id), 0),
    ];
    assert_eq!(s.enqueue_notifications(&first, at(0)).await.unwrap(), 3);
    assert_eq!(s.enqueue_notifications(&first, at(1)).await.unwrap(), 0);
    let too_long = NewNotification {
        subject: "x".repeat(2000),
        ..note("long", Some(a), None, 0)
    };
    let error = s
        .enqueue_notifications(&[note("ok", Some(a), None, 0), too_long], at(0))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, SocError::InvalidValue { what, .. } if what.contains("subject")),
        "{error:?}"
    );
    let listed = s
        .list_notifications(&all, &NotificationFilter::default())
        .await
        .unwrap();
    assert_eq!(listed.len(), 3, "nothing of a refused batch is queued");

    // Due ones only; one claim per lease; the lease's end gives them back.
    let lease = Duration::from_secs(60);
    let claimed = s.claim_notifications(at(10), lease, 10).await.unwrap();
    assert_eq!(claimed.len(), 2, "{claimed:?}");
    assert!(claimed.iter().all(|n| n.status == DeliveryStatus::Sending));
    assert!(claimed.iter().all(|n| n.attempts == 1));
    assert!(
        s.claim_notifications(at(20), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = s.claim_notifications(at(71), lease, 10).await.unwrap();
    assert_eq!(again.len(), 2, "a dead sender's rows come back");
    assert!(again.iter().all(|n| n.attempts == 2));
    let soc = again.iter().find(|n| !n.client).unwrap().clone();
    let client = again.iter().find(|n| n.client).unwrap().clone();

    // Sent: on the timeline (the client sees its own people's only) and audited.
    s.finish_notification(soc.id, &Delivery::Sent, at(72))
        .await
        .unwrap();
    s.finish_notification(client.id, &Delivery::Sent, at(72))
        .await
        .unwrap();
    let detail = s
        .incident_detail(&all, staff(), incident.id, at(80))
        .await
        .unwrap()
        .unwrap();
    let notified: Vec<_> = detail
        .timeline
        .iter()
        .filter(|e| e.kind == "notified")
        .collect();
    assert_eq!(notified.len(), 2, "{:?}", detail.timeline);
    let seen_by_client = s
        .incident_detail(&only_a, Audience::client(), incident.id, at(80))
        .await
        .unwrap()
        .unwrap();
    let notified: Vec<_> = seen_by_client
        .timeline
        .iter()
        .filter(|e| e.kind == "notified")
        .collect();
    assert_eq!(notified.len(), 1);
    assert_eq!(notified[0].detail["recipient"], "client-a");

    // Retry then dead: the dead-letter list, in scope only; a manual retry starts over.
    let other = s.claim_notifications(at(200), lease, 10).await.unwrap();
    assert_eq!(other.len(), 1);
    let other = &other[0];
    s.finish_notification(
        other.id,
        &Delivery::Retry {
            at: at(300),
            error: "connection refused".into(),
        },
        at(201),
    )
    .await
    .unwrap();
    assert!(
        s.claim_notifications(at(250), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let retried = s.claim_notifications(at(300), lease, 10).await.unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].last_error.as_deref(), Some("connection refused"));
    s.finish_notification(
        other.id,
        &Delivery::Dead {
            error: "550 no such user ".repeat(500),
        },
        at(301),
    )
    .await
    .unwrap();
    let dead = NotificationFilter {
        status: Some(DeliveryStatus::Dead),
        ..NotificationFilter::default()
    };
    let dead_all = s.list_notifications(&all, &dead).await.unwrap();
    assert_eq!(dead_all.len(), 1);
    assert!(dead_all[0].last_error.as_ref().unwrap().len() <= 2048);
    assert_eq!(dead_all[0].tenant, Some(b));
    assert!(
        s.list_notifications(&only_a, &dead)
            .await
            .unwrap()
            .is_empty()
    );
    let of_a = s
        .list_notifications(&only_a, &NotificationFilter::default())
        .await
        .unwrap();
    assert_eq!(of_a.len(), 2);
    assert!(of_a.iter().all(|n| n.tenant == Some(a)));
    assert!(of_a.iter().all(|n| n.status == DeliveryStatus::Sent));
    assert!(
        !s.retry_notification(&ana, &only_a, other.id, at(400))
            .await
            .unwrap(),
        "another tenant's notification is not retried"
    );
    assert!(
        !s.retry_notification(&ana, &all, soc.id, at(400))
            .await
            .unwrap(),
        "a sent notification is not retried"
    );
    assert!(
        s.retry_notification(&ana, &all, other.id, at(400))
            .await
            .unwrap()
    );
    let back = s.claim_notifications(at(400), lease, 10).await.unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].attempts, 1);

    let audit = s.audit_entries(0, 1000).await.unwrap();
    let count = |action: &str| audit.iter().filter(|e| e.action == action).count();
    assert_eq!(count("notify.sent"), 2);
    assert_eq!(count("notify.dead"), 1);
    assert_eq!(count("notify.retry"), 1);
    assert!(
        audit
            .iter()
            .filter(|e| e.action.starts_with("notify."))
            .all(|e| !e.payload.contains("Bonjour")),
        "the audit names the recipient, not the message"
    );
}

/// Escalation chains: the highest level of each (subject, team), and when it was queued.
pub async fn notification_pages(fixture: Fixture) {
    let s: Store = fixture;
    let a = s.create_tenant(&slug("pages-a"), "A").await.unwrap().id;
    let page = |dedup: &str, subject: &str, team: &str, level: u32| NewNotification {
        subject_ref: Some(subject.into()),
        team: Some(team.into()),
        level,
        ..note(dedup, Some(a), None, 0)
    };
    s.enqueue_notifications(
        &[
            page("p1", "alert:1", "soc", 0),
            page("p1b", "alert:1", "soc", 0),
            page("p2", "alert:2", "soc", 0),
            page("p3", "alert:1", "noc", 0),
            note("plain", Some(a), None, 0),
        ],
        at(0),
    )
    .await
    .unwrap();
    s.enqueue_notifications(&[page("p4", "alert:1", "soc", 1)], at(900))
        .await
        .unwrap();
    let mut pages = s.open_pages(at(-10)).await.unwrap();
    pages.sort_by(|x, y| (&x.subject_ref, &x.team).cmp(&(&y.subject_ref, &y.team)));
    let shown: Vec<_> = pages
        .iter()
        .map(|p| (p.subject_ref.as_str(), p.team.as_str(), p.level, p.since))
        .collect();
    assert_eq!(
        shown,
        vec![
            ("alert:1", "noc", 0, at(0)),
            ("alert:1", "soc", 1, at(900)),
            ("alert:2", "soc", 0, at(0)),
        ]
    );
    assert_eq!(s.open_pages(at(1000)).await.unwrap(), vec![]);
}

/// The SLA clocks of open incidents that are at risk or breached, and only those.
pub async fn sla_watch(fixture: Fixture) {
    let s: Store = fixture;
    let a = s.create_tenant(&slug("watch-a"), "A").await.unwrap().id;
    let all = platform(&s);
    let lead = Actor::user("lead");
    s.set_sla_contract(
        &lead,
        &all,
        a,
        &SlaContract {
            calendar: Calendar::TwentyFourSeven,
            targets: [(
                Severity::High,
                Target {
                    acknowledge_minutes: 10,
                    resolve_minutes: 100,
                },
            )]
            .into(),
            warn_ratio: 0.5,
        },
    )
    .await
    .unwrap();
    let new = |title: &str| NewIncident {
        tenant: a,
        title: title.into(),
        severity: Some(Severity::High),
        rsit_class: None,
        rsit_type: None,
        tlp: None,
        alerts: vec![],
    };
    let open = s.create_incident(&lead, &all, &new("open")).await.unwrap();
    let acked = s.create_incident(&lead, &all, &new("acked")).await.unwrap();
    s.update_incident(
        &lead,
        &all,
        acked.id,
        &IncidentPatch {
            status: Some(IncidentStatus::Acknowledged),
            ..IncidentPatch::default()
        },
    )
    .await
    .unwrap();
    let now = open.created_at;
    assert!(s.sla_watch(now).await.unwrap().is_empty());
    let warn = now + SignedDuration::from_mins(6);
    let watched = s.sla_watch(warn).await.unwrap();
    assert_eq!(watched.len(), 1, "{watched:?}");
    assert_eq!(
        (watched[0].incident, watched[0].kind, watched[0].breached),
        (open.id, "acknowledge", false)
    );
    assert_eq!(watched[0].title, "open");
    let late = now + SignedDuration::from_mins(60);
    let mut watched: Vec<_> = s
        .sla_watch(late)
        .await
        .unwrap()
        .into_iter()
        .map(|w| (w.incident, w.kind, w.breached))
        .collect();
    watched.sort();
    assert_eq!(
        watched,
        vec![
            (open.id, "acknowledge", true),
            (open.id, "resolve", false),
            (acked.id, "resolve", false)
        ]
    );
}
