//! The web application's per-user state and the dashboard's counts.

use jiff::Timestamp;
use vigie_event::{EventId, Severity, TenantSlug};

use super::{Fixture, Store};
use crate::desk::Actor;
use crate::prefs::VIEWS_PER_USER_MAX;
use crate::{NewAlert, SocError};
use vigie_access::NewUser;
use vigie_access::Role;
/// A user's language and saved views are its own: set, replaced, listed, deleted only by
/// it; names and queries within their limits; at most so many views.
pub async fn prefs(fixture: Fixture) {
    let store: Store = fixture;
    let platform = super::platform(&store);
    let mut ids = Vec::new();
    for name in ["ann", "bob"] {
        let user = store
            .add_user(
                &Actor::operator(),
                &platform,
                &NewUser {
                    username: name.to_owned(),
                    password: "a long enough password".to_owned(),
                    role: Role::PlatformAdmin,
                    tenants: vec![],
                },
            )
            .await
            .unwrap();
        ids.push(user.id);
    }
    let (ann, bob) = (ids[0], ids[1]);
    assert_eq!(store.user_language(ann).await.unwrap(), None);
    store.set_user_language(ann, "nl").await.unwrap();
    store.set_user_language(ann, "de").await.unwrap();
    assert_eq!(
        store.user_language(ann).await.unwrap().as_deref(),
        Some("de")
    );
    assert_eq!(store.user_language(bob).await.unwrap(), None);
    assert!(matches!(
        store
            .set_user_language(vigie_access::UserId(999), "fr")
            .await,
        Err(SocError::NotFound { .. })
    ));

    let v = store
        .save_view(ann, " High ", "min_severity=high")
        .await
        .unwrap();
    assert_eq!(v.name, "High");
    // Same name: replaced, not doubled.
    let v2 = store
        .save_view(ann, "High", "min_severity=critical")
        .await
        .unwrap();
    assert_eq!(v2.id, v.id);
    store.save_view(ann, "All", "status=any").await.unwrap();
    let views = store.saved_views(ann).await.unwrap();
    assert_eq!(
        views
            .iter()
            .map(|v| (v.name.as_str(), v.query.as_str()))
            .collect::<Vec<_>>(),
        vec![("All", "status=any"), ("High", "min_severity=critical")]
    );
    assert!(store.saved_views(bob).await.unwrap().is_empty());
    // Bob cannot delete Ann's view.
    assert!(!store.delete_view(bob, v.id).await.unwrap());
    assert!(store.delete_view(ann, v.id).await.unwrap());
    assert_eq!(store.saved_views(ann).await.unwrap().len(), 1);
    // Bad names and queries are refused, naming the value.
    let e = store.save_view(ann, "  ", "x=1").await.unwrap_err();
    assert!(e.to_string().contains("view name"), "{e}");
    let e = store
        .save_view(ann, "long", &"x".repeat(3000))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("3000 bytes"), "{e}");
    for n in 0..VIEWS_PER_USER_MAX - 1 {
        store.save_view(ann, &format!("v{n}"), "").await.unwrap();
    }
    let e = store.save_view(ann, "one too many", "").await.unwrap_err();
    assert!(e.to_string().contains("one too many"), "{e}");
    // Replacing an existing one is still allowed at the limit.
    store.save_view(ann, "v0", "status=new").await.unwrap();
}

/// The dashboard's counts (alerts per hour, open incidents per tenant and severity, the
/// most severe open incidents) stay in the scope and follow the incidents' status.
pub async fn dashboard_counts(fixture: Fixture) {
    let store: Store = fixture;
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
    let alert = |tenant, n: u128| NewAlert {
        tenant,
        rule_id: format!("r{n}"),
        rule_title: "t".into(),
        severity: Severity::Low,
        event_id: EventId(n),
        event_received_at: Timestamp::now(),
        event: serde_json::json!({}),
        group_key: None,
    };
    store
        .insert_alerts(&[alert(a, 1), alert(a, 2), alert(b, 3)])
        .await
        .unwrap();
    let platform = super::platform(&store);
    let since = Timestamp::now() - jiff::SignedDuration::from_hours(24);
    let all = store.alerts_per_hour(&platform, since).await.unwrap();
    assert_eq!(all.iter().map(|h| h.alerts).sum::<i64>(), 3);
    let only_a = store
        .alerts_per_hour(&platform.narrow(a).unwrap(), since)
        .await
        .unwrap();
    assert_eq!(only_a.iter().map(|h| h.alerts).sum::<i64>(), 2);
    assert_eq!(only_a[0].hour.as_second() % 3600, 0);
    // Open incidents per tenant and severity, in scope.
    for id in [alert(a, 1).id(), alert(b, 3).id()] {
        store
            .alert_action(
                &Actor::operator(),
                &platform,
                &id,
                &crate::desk::AlertAction::Escalate { incident: None },
            )
            .await
            .unwrap()
            .unwrap();
    }
    let counts = store.open_incident_counts(&platform).await.unwrap();
    assert_eq!(counts.len(), 2, "{counts:?}");
    assert!(
        counts
            .iter()
            .all(|c| c.incidents == 1 && c.severity == Severity::Low)
    );
    let only_b = store
        .open_incident_counts(&platform.narrow(b).unwrap())
        .await
        .unwrap();
    assert_eq!(only_b.len(), 1);
    assert_eq!(only_b[0].tenant, b);
    let severe = store.most_severe_open(&platform, 10).await.unwrap();
    assert_eq!(severe.len(), 2);
    assert_eq!(
        store
            .most_severe_open(&platform.narrow(b).unwrap(), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    // A closed incident is not counted.
    let incident = store
        .get_alert(&platform, &alert(a, 1).id())
        .await
        .unwrap()
        .unwrap()
        .incident
        .unwrap();
    for status in ["resolved", "closed"] {
        store
            .update_incident(
                &Actor::operator(),
                &platform,
                incident,
                &crate::desk::IncidentPatch {
                    status: Some(status.parse().unwrap()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    let counts = store.open_incident_counts(&platform).await.unwrap();
    assert_eq!(counts.len(), 1, "{counts:?}");
    assert_eq!(counts[0].tenant, b);
    assert_eq!(
        store.most_severe_open(&platform, 10).await.unwrap().len(),
        1
    );
    let later = Timestamp::now() + jiff::SignedDuration::from_hours(2);
    assert!(
        store
            .alerts_per_hour(&platform, later)
            .await
            .unwrap()
            .is_empty()
    );
}
