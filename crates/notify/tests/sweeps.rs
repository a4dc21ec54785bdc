//! The notifier's sweeps on a real state database (SQLite): SLA warnings and breaches page
//! the member on call in their language and escalate to the next step when the clock still
//! runs; NIS2 reminders reach the SOC, the client's contact and the entity's CISO from its
//! NIS2 profile in the profile's language; sweeping again queues nothing twice.
//! (Delivery to real SMTP and webhook receivers: `crates/cli/tests/notify.rs`.)

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use vigie_access::Access;
use vigie_event::{Severity, TenantSlug};
use vigie_nis2::model::{Contact, EntityProfile, Lang};
use vigie_nis2::significance::{Facts, RulePack, Verdict, assess};
use vigie_notify::{Languages, Notifier, NotifyConfig};
use vigie_soc::desk::{Actor, NewIncident};
use vigie_soc::nis2::ReminderPolicy;
use vigie_soc::notify::{Notification, NotificationFilter, NotifyEvent};
use vigie_soc::sla::{Calendar, SlaContract, Target};
use vigie_soc::{SqlStore, StateStore};

const CONFIG: &str = r#"
sweep_seconds = 1
[smtp]
host = "127.0.0.1"
port = 2525
security = "none"
from = "SOC <soc@provider.example>"
[[recipients]]
name = "ana"
email = "ana@soc.example"
language = "fr"
events = ["report"]
[[recipients]]
name = "lead"
email = "lead@soc.example"
language = "en"
events = ["report"]
[[recipients]]
name = "ciso-client"
email = "security@cpas-a.example"
client = true
tenants = ["cpas-a"]
language = "de"
[[teams]]
name = "soc"
rota = ["ana"]
rota_start = "2026-01-01T00:00"
escalate_after_minutes = 15
escalation = ["lead"]
events = ["sla_warning", "sla_breach", "nis2"]
"#;

fn rows_of(rows: &[Notification], event: NotifyEvent) -> Vec<&Notification> {
    rows.iter().filter(|n| n.event == event).collect()
}

#[tokio::test]
async fn sla_and_nis2_sweeps_page_escalate_and_reach_the_entitys_ciso_once() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn StateStore> = Arc::new(
        SqlStore::open(&dir.path().join("state.sqlite"))
            .await
            .unwrap(),
    );
    let access = Access::new(store.clone());
    let operator = access.operator_scope();
    let tenant = store
        .create_tenant(&TenantSlug::new("cpas-a").unwrap(), "CPAS A")
        .await
        .unwrap();
    let lead = Actor::user("lead");
    store
        .set_sla_contract(
            &lead,
            &operator,
            tenant.id,
            &SlaContract {
                calendar: Calendar::TwentyFourSeven,
                targets: [(
                    Severity::High,
                    Target {
                        acknowledge_minutes: 10,
                        resolve_minutes: 600,
                    },
                )]
                .into(),
                warn_ratio: 0.5,
            },
        )
        .await
        .unwrap();
    let incident = store
        .create_incident(
            &lead,
            &operator,
            &NewIncident {
                tenant: tenant.id,
                title: "Ransomware on the file server".into(),
                severity: Some(Severity::High),
                rsit_class: None,
                rsit_type: None,
                tlp: None,
                alerts: vec![],
            },
        )
        .await
        .unwrap();
    let config: NotifyConfig = toml::from_str(CONFIG).unwrap();
    let notifier = Notifier::new(
        store.clone(),
        operator.clone(),
        access.operator_audience(),
        &config,
        Languages {
            default: "en".into(),
            tenants: Default::default(),
        },
    )
    .unwrap()
    .expect("configured");
    let all = |store: Arc<dyn StateStore>| {
        let operator = operator.clone();
        async move {
            store
                .list_notifications(&operator, &NotificationFilter::default())
                .await
                .unwrap()
        }
    };

    // Six minutes in (over half of the 10-minute target): the member on call is warned.
    let t0 = incident.created_at;
    let warned = t0 + SignedDuration::from_mins(6);
    notifier.sweep(warned).await.unwrap();
    let rows = all(store.clone()).await;
    let warnings = rows_of(&rows, NotifyEvent::SlaWarning);
    assert_eq!(warnings.len(), 1, "{rows:#?}");
    assert_eq!(warnings[0].recipient, "ana");
    assert_eq!(warnings[0].team.as_deref(), Some("soc"));
    assert_eq!(warnings[0].level, 0);
    assert!(
        warnings[0]
            .subject
            .contains(&format!("SLA menacé : incident n° {}", incident.id)),
        "{}",
        warnings[0].subject
    );
    assert!(
        warnings[0].body.contains("prise en charge"),
        "{}",
        warnings[0].body
    );
    assert!(
        rows.iter().all(|n| n.recipient != "ciso-client"),
        "a client contact gets no SLA warning"
    );

    // Nobody acknowledged: past the target it is a breach, and 15 minutes after the first
    // page the lead is paged, in English.
    let late = warned + SignedDuration::from_mins(16);
    notifier.sweep(late).await.unwrap();
    let rows = all(store.clone()).await;
    let breaches = rows_of(&rows, NotifyEvent::SlaBreach);
    assert_eq!(
        breaches.iter().filter(|n| n.level == 0).count(),
        1,
        "{breaches:#?}"
    );
    let escalated: Vec<_> = rows.iter().filter(|n| n.level == 1).collect();
    assert_eq!(escalated.len(), 1, "{rows:#?}");
    assert_eq!(escalated[0].recipient, "lead");
    assert!(
        escalated[0]
            .subject
            .starts_with("[Escalation 1] [cpas-a] SLA"),
        "{}",
        escalated[0].subject
    );
    // Sweeping again changes nothing; there is no second escalation step.
    let count = rows.len();
    let again = notifier
        .sweep(late + SignedDuration::from_mins(30))
        .await
        .unwrap();
    assert_eq!(again.queued, 0, "{:#?}", all(store.clone()).await);
    assert_eq!(all(store.clone()).await.len(), count);

    // NIS2: a significant incident's early-warning reminder reaches the SOC's member on
    // call, the client's contact (German) and the entity's CISO from its profile (Dutch).
    let profile = EntityProfile {
        legal_name: "CPAS A".into(),
        report_language: Some(Lang::Nl),
        contacts: vec![
            Contact {
                name: "Ine".into(),
                role: Some("CISO".into()),
                phone: None,
                email: Some("ine@cpas-a.example".into()),
                always_reachable: true,
            },
            Contact {
                name: "Piet".into(),
                role: Some("helpdesk".into()),
                phone: None,
                email: Some("helpdesk@cpas-a.example".into()),
                always_reachable: false,
            },
        ],
        ..EntityProfile::default()
    };
    store
        .nis2_set_profile(&operator, tenant.id, &profile, "user:lead")
        .await
        .unwrap();
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
    store
        .nis2_assess(&operator, incident.id, &facts, &assessment, "user:lead")
        .await
        .unwrap();
    store
        .nis2_confirm(
            &operator,
            incident.id,
            Verdict::Significant,
            None,
            "user:lead",
        )
        .await
        .unwrap();
    let aware = Timestamp::now();
    store
        .nis2_set_awareness(
            &operator,
            incident.id,
            aware,
            "encryption seen",
            "user:lead",
        )
        .await
        .unwrap();
    let reminded = aware + SignedDuration::from_hours(13);
    let sent = store
        .nis2_send_reminders(&operator, reminded, &ReminderPolicy::default())
        .await
        .unwrap();
    assert!(!sent.is_empty());
    notifier.sweep(reminded).await.unwrap();
    let rows = all(store.clone()).await;
    let nis2 = rows_of(&rows, NotifyEvent::Nis2);
    let to = |address: &str| {
        nis2.iter()
            .find(|n| n.address == address)
            .unwrap_or_else(|| panic!("nothing to {address}: {nis2:#?}"))
    };
    assert!(
        to("ana@soc.example")
            .subject
            .contains("NIS2 : alerte précoce")
    );
    assert!(
        to("security@cpas-a.example")
            .subject
            .contains("NIS2: Frühwarnung"),
        "{:?}",
        to("security@cpas-a.example").subject
    );
    let ciso = to("ine@cpas-a.example");
    assert!(
        ciso.subject.contains("NIS2: vroegtijdige waarschuwing"),
        "{}",
        ciso.subject
    );
    assert!(ciso.client);
    assert!(
        nis2.iter().all(|n| n.address != "helpdesk@cpas-a.example"),
        "only the CISO and the approvers"
    );
    let again = notifier.sweep(reminded).await.unwrap();
    assert_eq!(again.queued, 0);
}
