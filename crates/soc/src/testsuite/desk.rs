//! The SOC desk: alert dedup and replay, suppressions, triage, incidents (lifecycle, tasks,
//! comments, merge, split, list), the scope of every desk read and write.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::json;
use vigie_event::{EventId, Severity, TenantId};

use super::{Fixture, Store, platform, slug, tenant_scope};
use crate::desk::{
    Actor, AlertAction, AlertStatus, IncidentFilter, IncidentPatch, IncidentSort, IncidentStatus,
    NewIncident, NewSuppression, Tlp,
};
use crate::state::DEFAULT_DEDUP_WINDOW;
use crate::{AlertFilter, NewAlert, Page, SocError};
use vigie_access::Access;
use vigie_access::NewUser;
use vigie_access::Role;

const PASSWORD: &str = "a long enough password";

async fn two(store: &Store) -> (TenantId, TenantId) {
    let a = store.create_tenant(&slug("desk-a"), "A").await.unwrap().id;
    let b = store.create_tenant(&slug("desk-b"), "B").await.unwrap().id;
    (a, b)
}

/// An alert of rule `brute` on event `n`, received `at_s` seconds after a fixed instant.
fn alert(tenant: TenantId, n: u128, at_s: i64, key: Option<&str>) -> NewAlert {
    NewAlert {
        tenant,
        rule_id: "brute".into(),
        rule_title: "Brute force".into(),
        severity: Severity::High,
        event_id: EventId(n),
        event_received_at: Timestamp::from_second(1_800_000_000 + at_s).expect("valid time"),
        event: json!({"user.name": "bob", "source.ip": "10.0.0.7", "n": n as u64}),
        group_key: key.map(str::to_owned),
    }
}

fn new_incident(tenant: TenantId, title: &str, alerts: Vec<String>) -> NewIncident {
    NewIncident {
        tenant,
        title: title.into(),
        severity: None,
        rsit_class: None,
        rsit_type: None,
        tlp: None,
        alerts,
    }
}

/// Alerts of one tenant, rule and group key within the dedup window (sliding) fold into
/// one; replaying a batch (a crash before the pipeline's commit) changes nothing.
pub async fn dedup_and_replay(fixture: Fixture) {
    let s: Store = fixture;
    let (a, b) = two(&s).await;
    let all = platform(&s);
    let w = i64::try_from(DEFAULT_DEDUP_WINDOW.as_secs()).unwrap();
    let batch = vec![
        alert(a, 1, 0, Some("bob")),
        alert(a, 2, w / 3, Some("bob")),
        // Further than the window from the first, within it from the last: still folds.
        alert(a, 3, w / 3 + w * 3 / 4, Some("bob")),
        // Beyond the window from the last: a new alert.
        alert(a, 4, w / 3 + w * 3 / 4 + w + 1, Some("bob")),
        alert(a, 5, 10, Some("eve")),
        alert(a, 6, 10, None),
        // Same rule and key, another tenant: never folded across tenants.
        alert(b, 7, 5, Some("bob")),
    ];
    assert_eq!(s.insert_alerts(&batch).await.unwrap(), 5);
    assert_eq!(s.insert_alerts(&batch).await.unwrap(), 0);
    assert_eq!(s.insert_alerts(&batch[1..3]).await.unwrap(), 0);
    let page = s
        .list_alerts(&all, &AlertFilter::default(), &Page::first(100))
        .await
        .unwrap();
    let mut counts: Vec<(TenantId, Option<String>, i64)> = page
        .alerts
        .iter()
        .map(|x| (x.tenant, x.group_key.clone(), x.count))
        .collect();
    counts.sort();
    assert_eq!(
        counts,
        vec![
            (a, None, 1),
            (a, Some("bob".into()), 1),
            (a, Some("bob".into()), 3),
            (a, Some("eve".into()), 1),
            (b, Some("bob".into()), 1),
        ]
    );
    let folded = page.alerts.iter().find(|x| x.count == 3).unwrap();
    assert_eq!(folded.id, batch[0].id());
    assert_eq!(folded.first_seen.as_second(), 1_800_000_000);
    assert_eq!(
        folded.last_seen.as_second(),
        1_800_000_000 + w / 3 + w * 3 / 4
    );
    // An alert received before the first folds in too and moves first_seen back.
    assert_eq!(
        s.insert_alerts(&[alert(a, 8, -60, Some("bob"))])
            .await
            .unwrap(),
        0
    );
    let again = s.get_alert(&all, &batch[0].id()).await.unwrap().unwrap();
    assert_eq!(again.count, 4);
    assert_eq!(again.first_seen.as_second(), 1_800_000_000 - 60);
    // A closed alert takes no more members: the next one opens a new alert.
    s.alert_action(
        &Actor::operator(),
        &all,
        &batch[0].id(),
        &AlertAction::CloseFalsePositive {
            reason: "known scanner".into(),
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        s.insert_alerts(&[alert(a, 9, 30, Some("bob"))])
            .await
            .unwrap(),
        1
    );
}

/// A suppression marks matching alerts of its tenant (rule, and group key when set) until
/// it expires or is ended; hits are counted; listing and ending are scoped and audited.
pub async fn suppressions(fixture: Fixture) {
    let s: Store = fixture;
    let (a, b) = two(&s).await;
    let all = platform(&s);
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
                expires_at: Timestamp::now() + Duration::from_secs(3600),
            },
        )
        .await
        .unwrap();
    assert_eq!(sup.tenant, a);
    assert_eq!(sup.created_by, "user:lead");
    let past = s
        .add_suppression(
            &lead,
            &all,
            &NewSuppression {
                tenant: a,
                rule_id: "brute".into(),
                group_key: None,
                reason: "x".into(),
                expires_at: Timestamp::now() - Duration::from_secs(1),
            },
        )
        .await;
    assert!(past.unwrap_err().to_string().contains("not in the future"));
    // Not for a tenant outside the scope.
    let scope_b = tenant_scope(&s, b).await;
    let outside = s
        .add_suppression(
            &lead,
            &scope_b,
            &NewSuppression {
                tenant: a,
                rule_id: "brute".into(),
                group_key: None,
                reason: "x".into(),
                expires_at: Timestamp::now() + Duration::from_secs(60),
            },
        )
        .await;
    assert!(
        matches!(outside, Err(SocError::NotFound { .. })),
        "{outside:?}"
    );
    s.insert_alerts(&[
        alert(a, 1, 0, Some("bob")),
        alert(a, 2, 0, Some("eve")),
        alert(b, 3, 0, Some("bob")),
    ])
    .await
    .unwrap();
    let suppressed = |tenant| {
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
    let listed = suppressed(a).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].status_reason.as_deref(),
        Some("pentest this week")
    );
    assert!(
        suppressed(b).await.is_empty(),
        "another tenant's alert suppressed"
    );
    assert_eq!(s.list_suppressions(&all).await.unwrap()[0].hits, 1);
    assert!(s.list_suppressions(&scope_b).await.unwrap().is_empty());
    // B cannot end A's suppression; A's scope can.
    assert!(!s.end_suppression(&lead, &scope_b, sup.id).await.unwrap());
    let scope_a = tenant_scope(&s, a).await;
    assert!(s.end_suppression(&lead, &scope_a, sup.id).await.unwrap());
    let ended = &s.list_suppressions(&all).await.unwrap()[0];
    assert!(ended.expires_at <= Timestamp::now());
    s.insert_alerts(&[alert(a, 9, 5000, Some("bob"))])
        .await
        .unwrap();
    assert_eq!(
        suppressed(a).await.len(),
        1,
        "an ended suppression still applies"
    );
    let actions = super::actions(&s).await;
    assert!(actions.contains(&"suppression.create".to_owned()));
    assert!(actions.contains(&"suppression.end".to_owned()));
}

/// Triage: acknowledge, close as a false positive, escalate to a new or an existing
/// incident of the same tenant; steps that are not allowed are refused, naming the status;
/// the rule's statistics count each.
pub async fn triage(fixture: Fixture) {
    let s: Store = fixture;
    let (a, b) = two(&s).await;
    let all = platform(&s);
    let op = Actor::operator();
    let alerts: Vec<NewAlert> = (1..=5).map(|n| alert(a, n, 0, None)).collect();
    s.insert_alerts(&alerts).await.unwrap();
    s.insert_alerts(&[alert(b, 9, 0, None)]).await.unwrap();
    let id = |n: usize| alerts[n].id();

    let acked = s
        .alert_action(&op, &all, &id(0), &AlertAction::Acknowledge)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acked.status, AlertStatus::Acknowledged);
    let err = s
        .alert_action(&op, &all, &id(0), &AlertAction::Acknowledge)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("acknowledged"), "{err}");

    let closed = s
        .alert_action(
            &op,
            &all,
            &id(1),
            &AlertAction::CloseFalsePositive {
                reason: " known scanner ".into(),
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closed.status, AlertStatus::FalsePositive);
    assert_eq!(closed.status_reason.as_deref(), Some("known scanner"));
    assert!(
        s.alert_action(&op, &all, &id(1), &AlertAction::Escalate { incident: None })
            .await
            .is_err()
    );

    let escalated = s
        .alert_action(&op, &all, &id(2), &AlertAction::Escalate { incident: None })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(escalated.status, AlertStatus::Escalated);
    let incident = escalated.incident.expect("escalating opens an incident");
    let into_existing = s
        .alert_action(
            &op,
            &all,
            &id(3),
            &AlertAction::Escalate {
                incident: Some(incident),
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(into_existing.incident, Some(incident));
    // Not into another tenant's incident, nor an unknown one.
    let other = s
        .create_incident(&op, &all, &new_incident(b, "b", vec![]))
        .await
        .unwrap();
    for target in [other.id, crate::IncidentId(other.id.0 + 1000)] {
        let err = s
            .alert_action(
                &op,
                &all,
                &id(4),
                &AlertAction::Escalate {
                    incident: Some(target),
                },
            )
            .await;
        assert!(matches!(err, Err(SocError::NotFound { .. })), "{err:?}");
    }
    let detail = s
        .incident_detail(&all, crate::testsuite::staff(), incident, Timestamp::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.alert_count, 2);
    assert_eq!(detail.incident.title, "Brute force");
    assert_eq!(detail.incident.severity, Severity::High);
    assert!(
        detail
            .observables
            .iter()
            .any(|o| o.kind == "ip" && o.value == "10.0.0.7"),
        "{:?}",
        detail.observables
    );

    let stats = s.rule_stats(&all).await.unwrap();
    assert_eq!(stats.len(), 1);
    assert_eq!(
        (
            stats[0].tenant,
            stats[0].acknowledged,
            stats[0].escalated,
            stats[0].false_positives
        ),
        (a, 1, 2, 1)
    );
    let scope_b = tenant_scope(&s, b).await;
    assert!(s.rule_stats(&scope_b).await.unwrap().is_empty());
    let actions = super::actions(&s).await;
    for action in [
        "alert.acknowledge",
        "alert.false_positive",
        "alert.escalate",
    ] {
        assert!(actions.contains(&action.to_owned()), "{action} not audited");
    }
}

/// The incident lifecycle: creation from alerts, field changes with one timeline entry each,
/// status steps (refused when not in the lifecycle), assignee rules, tasks, comments.
pub async fn incident_lifecycle(fixture: Fixture) {
    let s: Store = fixture;
    let (a, b) = two(&s).await;
    let all = platform(&s);
    let op = Actor::operator();
    let alerts = vec![alert(a, 1, 0, None), alert(a, 2, 0, None)];
    s.insert_alerts(&alerts).await.unwrap();
    let incident = s
        .create_incident(
            &op,
            &all,
            &NewIncident {
                severity: Some(Severity::Critical),
                rsit_class: Some("intrusion-attempts".into()),
                rsit_type: Some("brute-force".into()),
                tlp: Some(Tlp::Red),
                ..new_incident(
                    a,
                    "  Password spraying  ",
                    alerts.iter().map(NewAlert::id).collect(),
                )
            },
        )
        .await
        .unwrap();
    assert_eq!(incident.title, "Password spraying");
    assert_eq!(incident.status, IncidentStatus::New);
    assert_eq!(incident.tlp, Tlp::Red);
    assert_eq!(incident.rsit_type.as_deref(), Some("brute-force"));
    // An alert already in an incident cannot open another.
    let err = s
        .create_incident(&op, &all, &new_incident(a, "again", vec![alerts[0].id()]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&alerts[0].id()), "{err}");
    // A classification outside RSIT is refused.
    let err = s
        .create_incident(
            &op,
            &all,
            &NewIncident {
                rsit_class: Some("nonsense".into()),
                ..new_incident(a, "x", vec![])
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nonsense"), "{err}");

    // Assignee: a SOC user of the tenant, not a tenant user, not someone of another tenant.
    let new_user = |name: &str, role, tenants: Vec<TenantId>| NewUser {
        username: name.into(),
        password: PASSWORD.into(),
        role,
        tenants,
    };
    let ana = s
        .add_user(&op, &all, &new_user("ana", Role::Analyst, vec![a]))
        .await
        .unwrap();
    let bea = s
        .add_user(&op, &all, &new_user("bea", Role::Analyst, vec![b]))
        .await
        .unwrap();
    let client = s
        .add_user(&op, &all, &new_user("client", Role::TenantUser, vec![a]))
        .await
        .unwrap();
    for refused in [bea.id, client.id, vigie_access::UserId(999_999)] {
        let err = s
            .update_incident(
                &op,
                &all,
                incident.id,
                &IncidentPatch {
                    assignee: Some(refused),
                    ..IncidentPatch::default()
                },
            )
            .await;
        assert!(err.is_err(), "assignee {refused} accepted");
    }
    let patched = s
        .update_incident(
            &op,
            &all,
            incident.id,
            &IncidentPatch {
                assignee: Some(ana.id),
                status: Some(IncidentStatus::InProgress),
                severity: Some(Severity::High),
                title: Some("Password spraying on VPN".into()),
                ..IncidentPatch::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(patched.assignee, Some(ana.id));
    assert_eq!(patched.status, IncidentStatus::InProgress);
    assert!(
        patched.acknowledged_at.is_some(),
        "leaving new acknowledges"
    );
    assert_eq!(patched.severity, Severity::High);
    assert!(
        s.update_incident(&op, &all, incident.id, &IncidentPatch::default())
            .await
            .unwrap_err()
            .to_string()
            .contains("nothing to change")
    );
    let back = s
        .update_incident(
            &op,
            &all,
            incident.id,
            &IncidentPatch {
                status: Some(IncidentStatus::New),
                ..IncidentPatch::default()
            },
        )
        .await
        .unwrap_err();
    assert!(back.to_string().contains("in_progress"), "{back}");
    for status in [IncidentStatus::Resolved, IncidentStatus::Closed] {
        s.update_incident(
            &op,
            &all,
            incident.id,
            &IncidentPatch {
                status: Some(status),
                ..IncidentPatch::default()
            },
        )
        .await
        .unwrap();
    }
    let reopened = s
        .update_incident(
            &op,
            &all,
            incident.id,
            &IncidentPatch {
                status: Some(IncidentStatus::InProgress),
                ..IncidentPatch::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reopened.resolved_at, None);
    assert_eq!(reopened.closed_at, None);

    let task = s
        .add_task(&op, &all, incident.id, " Reset the VPN passwords ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(task.title, "Reset the VPN passwords");
    assert!(!task.done);
    assert!(
        s.set_task_done(&op, &all, incident.id, task.id, true)
            .await
            .unwrap()
    );
    assert!(
        !s.set_task_done(
            &op,
            &all,
            incident.id,
            crate::TaskId(task.id.0 + 1000),
            true
        )
        .await
        .unwrap()
    );
    let comment = s
        .add_comment(
            &Actor::user("ana"),
            &all,
            crate::testsuite::staff(),
            incident.id,
            &crate::testsuite::note("Blocked at the edge."),
        )
        .await
        .unwrap()
        .unwrap();

    let detail = s
        .incident_detail(
            &all,
            crate::testsuite::staff(),
            incident.id,
            Timestamp::now(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.alert_count, 2);
    assert_eq!(detail.alerts.len(), 2);
    assert!(
        detail
            .alerts
            .iter()
            .all(|x| x.status == AlertStatus::Escalated)
    );
    assert_eq!(detail.tasks.len(), 1);
    assert!(detail.tasks[0].done);
    assert_eq!(detail.comments.len(), 1);
    assert_eq!(detail.comments[0].id, comment);
    assert_eq!(detail.comments[0].author, "user:ana");
    let kinds: Vec<&str> = detail.timeline.iter().map(|e| e.kind.as_str()).collect();
    for kind in [
        "created",
        "alert_linked",
        "assignee",
        "status",
        "severity",
        "title",
        "task",
        "task_done",
        "comment",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    assert!(detail.timeline.windows(2).all(|w| w[0].at <= w[1].at));
    let actions = super::actions(&s).await;
    for action in [
        "incident.create",
        "incident.update",
        "incident.task",
        "incident.task_done",
        "incident.comment",
    ] {
        assert!(actions.contains(&action.to_owned()), "{action} not audited");
    }
}

/// Internal notes reach the SOC's audience only, in the comments and in the timeline; a
/// client writes shared comments only and answers the SOC's questions; questions list
/// open until answered; what each side may not write is refused with the value named.
pub async fn comment_visibility(fixture: Fixture) {
    use crate::desk::{CommentKind, NewComment, Visibility};
    use vigie_access::Audience;
    let s: Store = fixture;
    let (a, b) = two(&s).await;
    let all = platform(&s);
    let only_a = tenant_scope(&s, a).await;
    let staff = super::staff();
    let client = Audience::client();
    let ana = Actor::user("ana");
    let cli = Actor::user("client-a");
    let incident = s
        .create_incident(&ana, &all, &new_incident(a, "Phishing wave", vec![]))
        .await
        .unwrap();
    let other = s
        .create_incident(&ana, &all, &new_incident(b, "Other tenant", vec![]))
        .await
        .unwrap();
    let add = |actor: &Actor, scope, audience, id, new: NewComment| {
        let s = s.clone();
        let actor = actor.clone();
        async move { s.add_comment(&actor, scope, audience, id, &new).await }
    };
    let internal = add(
        &ana,
        &all,
        staff,
        incident.id,
        NewComment::note("Probably the intern again", Visibility::Internal),
    )
    .await
    .unwrap()
    .unwrap();
    let shared = add(
        &ana,
        &all,
        staff,
        incident.id,
        NewComment::note("We blocked the sender.", Visibility::Shared),
    )
    .await
    .unwrap()
    .unwrap();
    let question = add(
        &ana,
        &all,
        staff,
        incident.id,
        NewComment {
            body: "Did anyone enter a password?".into(),
            visibility: Visibility::Shared,
            kind: CommentKind::Question,
            answers: None,
        },
    )
    .await
    .unwrap()
    .unwrap();

    // What each side may not write.
    let refused = [
        (
            client,
            NewComment::note("x", Visibility::Internal),
            "visibility",
        ),
        (
            client,
            NewComment {
                kind: CommentKind::Question,
                ..NewComment::note("x", Visibility::Shared)
            },
            "kind",
        ),
        (
            staff,
            NewComment {
                kind: CommentKind::Question,
                ..NewComment::note("x", Visibility::Internal)
            },
            "visibility",
        ),
        (
            staff,
            NewComment {
                kind: CommentKind::Answer,
                answers: Some(question),
                ..NewComment::note("x", Visibility::Shared)
            },
            "kind",
        ),
        (
            client,
            NewComment {
                kind: CommentKind::Answer,
                ..NewComment::note("x", Visibility::Shared)
            },
            "answers",
        ),
        (
            client,
            NewComment {
                kind: CommentKind::Answer,
                answers: Some(shared),
                ..NewComment::note("x", Visibility::Shared)
            },
            "answers",
        ),
        (
            client,
            NewComment {
                answers: Some(question),
                ..NewComment::note("x", Visibility::Shared)
            },
            "answers",
        ),
    ];
    for (audience, new, field) in refused {
        match add(&cli, &only_a, audience, incident.id, new.clone()).await {
            Err(SocError::InvalidValue { what, .. }) => assert_eq!(what, field, "{new:?}"),
            other => panic!("{new:?} from {audience:?}: {other:?}"),
        }
    }
    // A question of another incident cannot be answered here.
    let elsewhere = add(
        &ana,
        &all,
        staff,
        other.id,
        NewComment {
            kind: CommentKind::Question,
            ..NewComment::note("?", Visibility::Shared)
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert!(matches!(
        add(
            &cli,
            &all,
            client,
            incident.id,
            NewComment {
                kind: CommentKind::Answer,
                answers: Some(elsewhere),
                ..NewComment::note("x", Visibility::Shared)
            },
        )
        .await,
        Err(SocError::InvalidValue {
            what: "answers",
            ..
        })
    ));
    let open = s.questions(&only_a, true).await.unwrap();
    assert_eq!(
        open.iter().map(|q| q.comment.id).collect::<Vec<_>>(),
        [question],
        "tenant A's open questions only"
    );
    assert_eq!(open[0].incident, incident.id);
    assert_eq!(open[0].incident_title, "Phishing wave");

    let answer = add(
        &cli,
        &only_a,
        client,
        incident.id,
        NewComment {
            body: "No, nobody did.".into(),
            visibility: Visibility::Shared,
            kind: CommentKind::Answer,
            answers: Some(question),
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert!(s.questions(&only_a, true).await.unwrap().is_empty());
    let answered = s.questions(&only_a, false).await.unwrap();
    assert_eq!(answered[0].comment.answered_by, Some(answer));
    assert_eq!(
        s.questions(&all, true)
            .await
            .unwrap()
            .iter()
            .map(|q| q.comment.id)
            .collect::<Vec<_>>(),
        [elsewhere]
    );

    let read = |audience| {
        let s = s.clone();
        let scope = only_a.clone();
        async move {
            s.incident_detail(&scope, audience, incident.id, Timestamp::now())
                .await
                .unwrap()
                .unwrap()
        }
    };
    let seen_by_staff = read(staff).await;
    assert_eq!(
        seen_by_staff
            .comments
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        [internal, shared, question, answer]
    );
    let q = &seen_by_staff.comments[2];
    assert_eq!(
        (q.kind, q.answered_by),
        (CommentKind::Question, Some(answer))
    );
    assert_eq!(seen_by_staff.comments[3].answers, Some(question));
    let seen_by_client = read(client).await;
    assert_eq!(
        seen_by_client
            .comments
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        [shared, question, answer]
    );
    assert!(
        seen_by_client
            .comments
            .iter()
            .all(|c| c.visibility == Visibility::Shared)
    );
    let comment_entries = |detail: &crate::desk::IncidentDetail| -> Vec<i64> {
        detail
            .timeline
            .iter()
            .filter(|e| e.kind == "comment")
            .filter_map(|e| e.detail["comment"].as_i64())
            .collect()
    };
    assert_eq!(
        comment_entries(&seen_by_staff),
        [internal.0, shared.0, question.0, answer.0]
    );
    assert_eq!(
        comment_entries(&seen_by_client),
        [shared.0, question.0, answer.0],
        "the internal note's timeline entry is not shown to the client"
    );
    let rendered = serde_json::to_string(&seen_by_client).unwrap();
    assert!(!rendered.contains("intern again"), "{rendered}");
    let actions = super::actions(&s).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "incident.comment").count(),
        5,
        "every comment audited"
    );
}

/// Merging moves alerts, observables, tasks and comments and closes the source; splitting
/// moves alerts to a new incident; neither crosses tenants nor repeats.
pub async fn merge_and_split(fixture: Fixture) {
    let s: Store = fixture;
    let (a, b) = two(&s).await;
    let all = platform(&s);
    let op = Actor::operator();
    let alerts: Vec<NewAlert> = (1..=4).map(|n| alert(a, n, 0, None)).collect();
    s.insert_alerts(&alerts).await.unwrap();
    let ids: Vec<String> = alerts.iter().map(NewAlert::id).collect();
    let first = s
        .create_incident(&op, &all, &new_incident(a, "first", ids[..2].to_vec()))
        .await
        .unwrap();
    let second = s
        .create_incident(&op, &all, &new_incident(a, "second", ids[2..].to_vec()))
        .await
        .unwrap();
    s.add_task(&op, &all, second.id, "t")
        .await
        .unwrap()
        .unwrap();
    s.add_comment(
        &op,
        &all,
        crate::testsuite::staff(),
        second.id,
        &crate::testsuite::note("c"),
    )
    .await
    .unwrap()
    .unwrap();
    let other = s
        .create_incident(&op, &all, &new_incident(b, "other", vec![]))
        .await
        .unwrap();
    assert!(
        s.merge_incidents(&op, &all, first.id, first.id)
            .await
            .is_err()
    );
    assert!(
        s.merge_incidents(&op, &all, first.id, other.id)
            .await
            .is_err()
    );
    let merged = s
        .merge_incidents(&op, &all, first.id, second.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(merged.id, first.id);
    let detail = s
        .incident_detail(&all, crate::testsuite::staff(), first.id, Timestamp::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.alert_count, 4);
    assert_eq!(detail.tasks.len(), 1);
    assert_eq!(detail.comments.len(), 1);
    let source = s
        .incident_detail(&all, crate::testsuite::staff(), second.id, Timestamp::now())
        .await
        .unwrap()
        .unwrap()
        .incident;
    assert_eq!(source.status, IncidentStatus::Closed);
    assert_eq!(source.merged_into, Some(first.id));
    assert!(
        s.merge_incidents(&op, &all, first.id, second.id)
            .await
            .is_err()
    );
    assert!(
        s.update_incident(
            &op,
            &all,
            second.id,
            &IncidentPatch {
                title: Some("x".into()),
                ..IncidentPatch::default()
            }
        )
        .await
        .is_err(),
        "a merged incident changed"
    );

    // Split two alerts off; an alert of another incident is refused.
    assert!(
        s.split_incident(&op, &all, first.id, &[], "none")
            .await
            .is_err()
    );
    let err = s
        .split_incident(&op, &all, other.id, &ids[..1], "x")
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&ids[0]), "{err}");
    let split = s
        .split_incident(&op, &all, first.id, &ids[..2], "split off")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(split.title, "split off");
    assert_eq!(split.tenant, a);
    let moved = s
        .incident_detail(&all, crate::testsuite::staff(), split.id, Timestamp::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.alert_count, 2);
    let left = s
        .incident_detail(&all, crate::testsuite::staff(), first.id, Timestamp::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(left.alert_count, 2);
    let actions = super::actions(&s).await;
    assert!(actions.contains(&"incident.merge".to_owned()));
    assert!(actions.contains(&"incident.split".to_owned()));
}

/// Incident lists: filters, both sorts, pagination that visits each incident once, and the
/// scope.
pub async fn incident_list(fixture: Fixture) {
    let s: Store = fixture;
    let (a, b) = two(&s).await;
    let all = platform(&s);
    let op = Actor::operator();
    let mut made = Vec::new();
    for n in 0..9 {
        let tenant = if n % 3 == 0 { b } else { a };
        let incident = s
            .create_incident(
                &op,
                &all,
                &NewIncident {
                    severity: Some(Severity::ALL[n % 5]),
                    rsit_class: (n % 2 == 0).then(|| "availability".to_owned()),
                    ..new_incident(tenant, &format!("incident {n}"), vec![])
                },
            )
            .await
            .unwrap();
        made.push(incident);
    }
    s.update_incident(
        &op,
        &all,
        made[1].id,
        &IncidentPatch {
            status: Some(IncidentStatus::Resolved),
            ..IncidentPatch::default()
        },
    )
    .await
    .unwrap();
    let walk = |scope: vigie_access::TenantScope, filter: IncidentFilter, sort, limit| {
        let s = s.clone();
        async move {
            let mut out = Vec::new();
            let mut page = Page::first(limit);
            loop {
                let got = s
                    .list_incidents(&scope, &filter, sort, &page)
                    .await
                    .unwrap();
                assert!(got.incidents.len() <= limit as usize);
                out.extend(got.incidents);
                match got.next_cursor {
                    Some(cursor) => page.cursor = Some(cursor),
                    None => return out,
                }
            }
        }
    };
    for limit in [1, 2, 4, 100] {
        let newest = walk(
            all.clone(),
            IncidentFilter::default(),
            IncidentSort::Newest,
            limit,
        )
        .await;
        assert_eq!(newest.len(), 9, "limit {limit}");
        assert!(
            newest
                .windows(2)
                .all(|w| (w[0].created_at, w[0].id) > (w[1].created_at, w[1].id))
        );
        let severe = walk(
            all.clone(),
            IncidentFilter::default(),
            IncidentSort::Severity,
            limit,
        )
        .await;
        assert_eq!(severe.len(), 9, "limit {limit}");
        assert!(severe.windows(2).all(|w| {
            (w[0].severity, w[0].created_at, w[0].id) > (w[1].severity, w[1].created_at, w[1].id)
        }));
    }
    let scope_b = tenant_scope(&s, b).await;
    let only_b = walk(
        scope_b.clone(),
        IncidentFilter::default(),
        IncidentSort::Newest,
        2,
    )
    .await;
    assert_eq!(only_b.len(), 3);
    assert!(only_b.iter().all(|i| i.tenant == b));
    let a_from_b = IncidentFilter {
        tenant: Some(a),
        ..IncidentFilter::default()
    };
    assert!(
        walk(scope_b, a_from_b, IncidentSort::Newest, 5)
            .await
            .is_empty()
    );
    let resolved = IncidentFilter {
        statuses: vec![IncidentStatus::Resolved],
        ..IncidentFilter::default()
    };
    let got = walk(all.clone(), resolved, IncidentSort::Newest, 5).await;
    assert_eq!(
        got.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![made[1].id]
    );
    let severe = IncidentFilter {
        min_severity: Some(Severity::High),
        rsit_class: Some("availability".into()),
        ..IncidentFilter::default()
    };
    let got = walk(all.clone(), severe, IncidentSort::Newest, 5).await;
    assert!(!got.is_empty());
    assert!(
        got.iter().all(
            |i| i.severity >= Severity::High && i.rsit_class.as_deref() == Some("availability")
        )
    );
    let bad = Page {
        limit: 5,
        cursor: Some("zz".into()),
    };
    assert!(matches!(
        s.list_incidents(&all, &IncidentFilter::default(), IncidentSort::Newest, &bad)
            .await,
        Err(SocError::InvalidCursor(_))
    ));
}

/// No desk read or write reaches a tenant outside the caller's scope; a multi-tenant user
/// shows a tenant-scoped reader only the tenants they share.
pub async fn desk_scope(fixture: Fixture) {
    let s: Store = fixture;
    let (a, b) = two(&s).await;
    let all = platform(&s);
    let only_a = tenant_scope(&s, a).await;
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
        .create_incident(&op, &only_a, &new_incident(a, "x", vec![alert_b.clone()]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&alert_b));
    let ia = s
        .create_incident(&op, &all, &new_incident(a, "t", vec![]))
        .await
        .unwrap()
        .id;
    let ib = s
        .create_incident(&op, &all, &new_incident(b, "t", vec![]))
        .await
        .unwrap()
        .id;
    assert!(
        s.create_incident(&op, &only_a, &new_incident(b, "t", vec![]))
            .await
            .is_err()
    );
    assert!(
        s.incident_detail(&only_a, crate::testsuite::staff(), ib, Timestamp::now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.update_incident(
            &op,
            &only_a,
            ib,
            &IncidentPatch {
                title: Some("mine now".into()),
                ..IncidentPatch::default()
            }
        )
        .await
        .unwrap()
        .is_none()
    );
    assert!(
        s.add_comment(
            &op,
            &only_a,
            crate::testsuite::staff(),
            ib,
            &crate::testsuite::note("x")
        )
        .await
        .unwrap()
        .is_none()
    );
    assert!(s.add_task(&op, &only_a, ib, "x").await.unwrap().is_none());
    assert!(
        s.merge_incidents(&op, &only_a, ia, ib)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.split_incident(&op, &only_a, ib, std::slice::from_ref(&alert_b), "x")
            .await
            .unwrap()
            .is_none()
    );
    // Even the platform cannot merge across tenants.
    assert!(s.merge_incidents(&op, &all, ia, ib).await.is_err());
    // The scope's view of the desk.
    assert_eq!(s.count_alerts(&only_a).await.unwrap(), 1);
    let listed = s
        .list_incidents(
            &only_a,
            &IncidentFilter::default(),
            IncidentSort::Newest,
            &Page::first(10),
        )
        .await
        .unwrap();
    assert_eq!(
        listed.incidents.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![ia]
    );
    // A multi-tenant analyst shows only the shared tenants to a tenant-scoped reader.
    let both = s
        .add_user(
            &op,
            &all,
            &NewUser {
                username: "multi".into(),
                password: PASSWORD.into(),
                role: Role::Analyst,
                tenants: vec![a, b],
            },
        )
        .await
        .unwrap();
    let seen = s.get_user(&only_a, both.id).await.unwrap().unwrap();
    assert_eq!(seen.tenants, vec![a]);
    let multi = Access::user_scope(&both).expect("a scope of two tenants");
    assert_eq!(s.list_users(&multi).await.unwrap().len(), 1);
    // A tenant role must have exactly one tenant.
    let err = s
        .add_user(
            &op,
            &all,
            &NewUser {
                username: "client".into(),
                password: PASSWORD.into(),
                role: Role::TenantUser,
                tenants: vec![a, b],
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("exactly one tenant"), "{err}");
}
