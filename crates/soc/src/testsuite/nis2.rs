//! NIS2 Article 23 cases and entity profiles.

use jiff::SignedDuration;
use vigie_access::TenantScope;
use vigie_event::TenantId;
use vigie_nis2::deadline::DueStatus;
use vigie_nis2::lifecycle::ReportingState;
use vigie_nis2::model::{EntityProfile, Lang, Stage, Tlp};
use vigie_nis2::significance::{Facts, RulePack, Verdict, assess};

use super::{Fixture, Store, platform, slug, tenant_scope};
use crate::SocError;
use crate::desk::{Actor, NewIncident};
use crate::ids::IncidentId;
use crate::nis2::{NewApproval, NewSubmission, ReminderPolicy};

/// Now, to the microsecond (as the store keeps times).
fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_microsecond(jiff::Timestamp::now().as_microsecond()).expect("now")
}
async fn setup(s: &Store) -> (TenantScope, IncidentId, IncidentId, TenantId, TenantId) {
    let a = s.create_tenant(&slug("cpas-a"), "CPAS A").await.unwrap();
    let b = s.create_tenant(&slug("zone-b"), "Zone B").await.unwrap();
    let operator = platform(s);
    let new = |tenant| NewIncident {
        tenant,
        title: "Ransomware on file servers".into(),
        severity: None,
        rsit_class: None,
        rsit_type: None,
        tlp: None,
        alerts: Vec::new(),
    };
    let ia = s
        .create_incident(&Actor::operator(), &operator, &new(a.id))
        .await
        .unwrap();
    let ib = s
        .create_incident(&Actor::operator(), &operator, &new(b.id))
        .await
        .unwrap();
    (operator, ia.id, ib.id, a.id, b.id)
}

/// A NIS2 case: assessment, verdict (a reason to override the proposal), awareness (not
/// before detection, not in the future, not later after a submission), the clocks and the
/// board, reminders once each, submissions (late ones with a reason), all audited and scoped.
pub async fn nis2_case_lifecycle(fixture: Fixture) {
    let store: Store = fixture;
    let (operator, incident, other, tenant_a, tenant_b) = setup(&store).await;
    let scope_a = tenant_scope(&store, tenant_a).await;
    // Tenant A's scope cannot see tenant B's incident.
    assert!(store.nis2_case(&scope_a, other).await.unwrap().is_none());
    assert!(matches!(
        store
            .nis2_set_awareness(&scope_a, other, now(), "x", "user:ann")
            .await,
        Err(SocError::NotFound { .. })
    ));

    let case = store.nis2_case(&scope_a, incident).await.unwrap().unwrap();
    assert_eq!(case.state(), ReportingState::Detected);
    assert!(case.dues(now()).is_empty(), "no clock before awareness");

    let mut facts = Facts::default();
    facts.set_answer(
        "severe_disruption_or_financial_loss",
        vigie_nis2::model::TriState::Yes,
    );
    let assessment = assess(
        &RulePack::embedded(),
        &EntityProfile::default(),
        true,
        &Default::default(),
        &facts,
    );
    assert_eq!(assessment.verdict, Verdict::Significant);
    store
        .nis2_assess(&scope_a, incident, &facts, &assessment, "user:ann")
        .await
        .unwrap();
    // Confirming the proposal needs no reason; overriding it does.
    assert!(
        store
            .nis2_confirm(
                &scope_a,
                incident,
                Verdict::NotSignificant,
                None,
                "user:ann"
            )
            .await
            .is_err()
    );
    let case = store
        .nis2_confirm(&scope_a, incident, Verdict::Significant, None, "user:ann")
        .await
        .unwrap();
    assert_eq!(case.state(), ReportingState::Significant);
    assert_eq!(case.data.confirmed_by.as_deref(), Some("user:ann"));

    // Awareness: not before detection, not in the future, with a reason.
    let before = case
        .detected_at
        .checked_sub(SignedDuration::from_secs(60))
        .unwrap();
    assert!(
        store
            .nis2_set_awareness(&scope_a, incident, before, "r", "user:ann")
            .await
            .is_err()
    );
    let future = now().checked_add(SignedDuration::from_hours(1)).unwrap();
    assert!(
        store
            .nis2_set_awareness(&scope_a, incident, future, "r", "user:ann")
            .await
            .is_err()
    );
    assert!(
        store
            .nis2_set_awareness(&scope_a, incident, now(), " ", "user:ann")
            .await
            .is_err()
    );
    let aware = now();
    let case = store
        .nis2_set_awareness(
            &scope_a,
            incident,
            aware,
            "triage confirmed encryption",
            "user:ann",
        )
        .await
        .unwrap();
    assert_eq!(case.state(), ReportingState::AwarenessSet);
    let dues = case.dues(aware);
    let ew = dues
        .iter()
        .find(|d| d.stage == Stage::EarlyWarning)
        .unwrap();
    assert_eq!(
        ew.due_at,
        Some(aware.checked_add(SignedDuration::from_hours(24)).unwrap())
    );

    // The board shows the open clocks, soonest first, and a reminder ahead.
    let open = store.nis2_open_cases(&operator).await.unwrap();
    let rows = crate::nis2::board(&open, aware, &ReminderPolicy::default());
    assert_eq!(rows[0].due.stage, Stage::EarlyWarning);
    assert!(rows[0].next_reminder.is_some());
    assert!(rows.windows(2).all(|w| w[0].due.due_at <= w[1].due.due_at));
    let scope_b = tenant_scope(&store, tenant_b).await;
    assert!(store.nis2_open_cases(&scope_b).await.unwrap().is_empty());

    // Thirteen hours later the T-50 % reminder of the early warning fires, once.
    let later = aware.checked_add(SignedDuration::from_hours(13)).unwrap();
    let sent = store
        .nis2_send_reminders(&operator, later, &ReminderPolicy::default())
        .await
        .unwrap();
    assert!(
        sent.iter()
            .any(|(_, _, r)| r.stage == Stage::EarlyWarning && !r.breach),
        "{sent:?}"
    );
    assert!(
        store
            .nis2_send_reminders(&operator, later, &ReminderPolicy::default())
            .await
            .unwrap()
            .is_empty()
    );
    // Tenant B's scope sends nothing for tenant A.
    assert!(
        store
            .nis2_send_reminders(&scope_b, later, &ReminderPolicy::default())
            .await
            .unwrap()
            .is_empty()
    );

    // A joint early warning and notification.
    let submission = NewSubmission {
        stages: vec![Stage::EarlyWarning, Stage::IncidentNotification],
        submitted_at: aware.checked_add(SignedDuration::from_hours(2)).unwrap(),
        channel: "platform".into(),
        reference: Some("CCB-2026-0001".into()),
        language: Lang::Nl,
        tlp: Tlp::Amber,
        lateness_reason: None,
    };
    // Not without the approval of each of its stages.
    let error = store
        .nis2_submit(&scope_a, incident, &submission, "user:ann")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("early_warning report is not approved"),
        "{error}"
    );
    let approve = |stage| NewApproval {
        stage,
        language: Lang::Nl,
        tlp: Tlp::Amber,
    };
    // Tenant B's scope cannot approve tenant A's report; approving needs awareness.
    assert!(matches!(
        store
            .nis2_approve(&scope_b, incident, &approve(Stage::EarlyWarning), "user:x")
            .await,
        Err(SocError::NotFound { .. })
    ));
    for stage in [Stage::EarlyWarning, Stage::IncidentNotification] {
        store
            .nis2_approve(&scope_a, incident, &approve(stage), "user:bo")
            .await
            .unwrap();
    }
    // A change to the report fields after the approval makes it stale.
    let record = vigie_nis2::report::IncidentRecord {
        summary: Some(vigie_nis2::report::Text {
            lang: Lang::Nl,
            text: "Versleutelde bestandsservers".into(),
        }),
        ..Default::default()
    };
    let update = crate::nis2::CaseUpdate {
        record: Some(record),
        ..Default::default()
    };
    store
        .nis2_update(&scope_a, incident, &update, "user:ann")
        .await
        .unwrap();
    let error = store
        .nis2_submit(&scope_a, incident, &submission, "user:ann")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("changed since user:bo approved it"),
        "{error}"
    );
    let mut case = None;
    for stage in [Stage::EarlyWarning, Stage::IncidentNotification] {
        case = Some(
            store
                .nis2_approve(&scope_a, incident, &approve(stage), "user:bo")
                .await
                .unwrap(),
        );
    }
    let case = case.unwrap();
    // Approving again replaced the stale approvals.
    assert_eq!(case.data.approvals.len(), 2, "{:?}", case.data.approvals);
    let approval = case.pending_approval(Stage::EarlyWarning).unwrap().clone();
    assert_eq!(
        (approval.approved_by.as_str(), approval.version),
        ("user:bo", 1)
    );
    // What the approvals froze: the snapshots as the case stands, naming their approver.
    let profile = store.nis2_profile(&scope_a, tenant_a).await.unwrap();
    let (approved_ew, current) = crate::nis2::approval_check(&case, profile.as_ref(), &approval);
    assert!(current);
    let (approved_in, _) = crate::nis2::approval_check(
        &case,
        profile.as_ref(),
        case.pending_approval(Stage::IncidentNotification).unwrap(),
    );
    // The submission goes out in the approved language and TLP only.
    let red = NewSubmission {
        tlp: Tlp::Red,
        ..submission.clone()
    };
    let error = store
        .nis2_submit(&scope_a, incident, &red, "user:ann")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, SocError::InvalidValue { what: "tlp", .. }),
        "{error}"
    );
    let case = store
        .nis2_submit(&scope_a, incident, &submission, "user:ann")
        .await
        .unwrap();
    assert_eq!(case.state(), ReportingState::NotificationSent);
    assert_eq!(case.submissions.len(), 1);
    let id = case.submissions[0].id;
    assert!(
        case.data.approvals.iter().all(|a| a.submission == Some(id)),
        "{:?}",
        case.data.approvals
    );
    // Its frozen content is the approved snapshots, naming their approver.
    assert_eq!(
        case.submissions[0].content_sha256,
        vigie_nis2::report::sha256_hex(
            serde_json::json!({"reports": [approved_ew, approved_in]})
                .to_string()
                .as_bytes()
        )
    );
    assert_eq!(approved_ew["report"]["approved_by"], "bo");
    let dues = case.dues(submission.submitted_at);
    assert!(
        dues.iter()
            .filter(|d| d.stage != Stage::FinalReport)
            .all(|d| d.status == DueStatus::Met)
    );
    // Moving awareness later after a submission is refused.
    assert!(
        store
            .nis2_set_awareness(&scope_a, incident, now(), "later", "user:ann")
            .await
            .is_err()
    );

    // A final report after its due date needs a lateness reason.
    let late = NewSubmission {
        stages: vec![Stage::FinalReport],
        submitted_at: aware
            .checked_add(SignedDuration::from_hours(24 * 40))
            .unwrap(),
        lateness_reason: None,
        ..submission.clone()
    };
    store
        .nis2_approve(&scope_a, incident, &approve(Stage::FinalReport), "user:bo")
        .await
        .unwrap();
    let error = store
        .nis2_submit(&scope_a, incident, &late, "user:ann")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("lateness_reason") && error.contains("progress_report"),
        "{error}"
    );
    let late = NewSubmission {
        lateness_reason: Some("forensic report delayed by the insurer".into()),
        ..late
    };
    let case = store
        .nis2_submit(&scope_a, incident, &late, "user:ann")
        .await
        .unwrap();
    assert_eq!(case.state(), ReportingState::FinalSent);
    // A second final report is a new version, which needs its own approval.
    assert!(case.pending_approval(Stage::FinalReport).is_none());
    assert_eq!(case.next_version(Stage::FinalReport), 2);

    // The cases whose clocks started, in the scope only.
    let listed = store.nis2_cases(&scope_a, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].incident_id, incident);
    assert!(store.nis2_cases(&scope_b, 10).await.unwrap().is_empty());

    // Every change is in the audit chain.
    let entries = store.audit_entries(0, 1000).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    for action in [
        "nis2.assess",
        "nis2.verdict.confirm",
        "nis2.awareness.set",
        "nis2.report.approve",
        "nis2.submission",
    ] {
        assert!(
            actions.contains(&action),
            "{action} missing from {actions:?}"
        );
    }
}

/// Entity profiles: versioned, read and written within the scope, a legal name required.
pub async fn nis2_profiles(fixture: Fixture) {
    let store: Store = fixture;
    let (operator, _, _, tenant_a, tenant_b) = setup(&store).await;
    let profile = EntityProfile {
        legal_name: "CPAS A".into(),
        is_trust_service_provider: false,
        ..EntityProfile::default()
    };
    assert_eq!(
        store
            .nis2_set_profile(&operator, tenant_a, &profile, "operator")
            .await
            .unwrap(),
        1
    );
    let second = EntityProfile {
        enterprise_number: Some("0212.345.678".into()),
        ..profile.clone()
    };
    assert_eq!(
        store
            .nis2_set_profile(&operator, tenant_a, &second, "operator")
            .await
            .unwrap(),
        2
    );
    let current = store
        .nis2_profile(&operator, tenant_a)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current.version, 2);
    assert_eq!(current.profile, second);
    let other = tenant_scope(&store, tenant_b).await;
    assert!(
        store
            .nis2_profile(&other, tenant_a)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .nis2_set_profile(&other, tenant_a, &profile, "x")
            .await
            .is_err()
    );
    let empty = EntityProfile::default();
    assert!(
        store
            .nis2_set_profile(&operator, tenant_a, &empty, "x")
            .await
            .is_err()
    );
}
